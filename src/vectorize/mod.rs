//! `@vectorize`: scalar kernels compiled into the loops of a real NumPy
//! ufunc. `door` is the front door the compile driver (`crate::driver`)
//! calls: signature checks, typing, and the elementwise loop around each
//! kernel (which loop a lazy ufunc compiles for a call is decided in
//! `crate::typing::lazy`). The ufunc object itself is created at the Python
//! edge (`crate::python::ufunc`). `warmup` pays LLVM's one-time costs on
//! a background thread when `_core` loads.

pub mod door;
pub mod warmup;

pub use door::Elementwise;

#[cfg(test)]
mod tests;
