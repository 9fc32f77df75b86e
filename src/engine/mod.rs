//! The machine-code layer: the host target (`host`), optimisation and
//! object emission (`object`), the process-wide ORC linker that puts
//! objects into memory (`link`), and the native runtime the generated code
//! calls into (`runtime`). Nothing here knows about ufuncs or Python.

pub mod host;
pub mod link;
pub mod object;
pub mod runtime;

#[cfg(test)]
mod tests;
