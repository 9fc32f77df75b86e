//! The machine-code layer: the host target (`host`), optimisation and
//! object emission (`object`), the process-wide ORC linker that puts
//! objects into memory (`link`), and the native runtime the generated code
//! calls into (`runtime`, `memory` for arrays it allocates, `blas` for
//! matrix products by NumPy's BLAS). Nothing here knows about ufuncs or Python.

pub mod blas;
pub mod host;
pub mod link;
pub mod memory;
pub mod object;
pub mod runtime;

#[cfg(test)]
mod tests;
