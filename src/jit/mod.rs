//! Machine code for the host: target description, optimisation and object
//! emission, the process-wide JIT linker, and the native runtime libraries.

pub mod compile;
pub mod dump;
pub mod engine;
pub mod host;
pub mod runtime;

#[cfg(test)]
mod tests;
