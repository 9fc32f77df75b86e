//! jitufunc: Python kernels compiled through LLVM into real NumPy ufuncs.
//!
//! The pipeline: `frontend` (Python `ast` -> `syntax`), `lower` (`syntax` ->
//! untyped `ir`), `typing` (typed `ir` for a signature), `codegen` (LLVM IR),
//! `loops` (the ufunc inner loops around a kernel), `engine` (machine code);
//! `dump` prints any stage for debugging.
//! `vectorize` and `guvectorize` build NumPy ufuncs from the result, `jit`
//! whole functions behind a native entry point;
//! `python` is the thin pyo3 edge.

pub mod builtins;
pub mod cache;
pub mod codegen;
pub mod driver;
pub mod dump;
pub mod engine;
pub mod error;
pub mod frontend;
pub mod graph;
pub mod guvectorize;
pub mod ir;
pub mod jit;
pub mod loops;
pub mod lower;
pub mod python;
pub mod syntax;
pub mod types;
pub mod typing;
pub mod vectorize;
