//! The machine-code layer: the host target (`host`), optimisation and
//! object emission (`object`; `huge` for functions too large to optimise), the process-wide ORC linker that puts
//! objects into memory (`link`), and the native runtime the generated code
//! calls into (`runtime`, `memory` for arrays it allocates, `list` and `dict`
//! for typed containers, `items` for the containers they hold, `blas` for matrix products by NumPy's BLAS, `random` for
//! `np.random` in compiled code). Nothing here knows about ufuncs or Python.

pub mod blas;
pub mod dict;
pub mod host;
pub mod huge;
pub mod items;
pub mod link;
pub mod list;
pub mod memory;
pub mod object;
pub mod random;
pub mod runtime;

#[cfg(test)]
mod tests;
