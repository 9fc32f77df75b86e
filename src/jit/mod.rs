//! `@jit` / `@njit`: whole functions compiled on the same core as the ufunc
//! kernels. `door` is the front door the compile driver calls (a
//! specialisation is the function typed for its argument types, emitted
//! with an entry wrapper); `abi` is the native calling convention of that
//! entry, which the dispatcher at the Python edge
//! (`crate::python::dispatcher`) follows; `args` is the vocabulary the
//! dispatcher reads argument types in.

pub mod abi;
pub mod args;
pub mod door;

pub use door::Jit;
