//! jitufunc: Python kernels compiled through LLVM into real NumPy ufuncs.

pub mod error;
pub mod jit;
