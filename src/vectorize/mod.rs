//! `@vectorize`: scalar kernels compiled into the loops of a real NumPy
//! ufunc. `door` is the front door the compile driver (`crate::driver`)
//! calls: signature checks, typing, and the elementwise loop around each
//! kernel (which loop a lazy ufunc compiles for a call is decided in
//! `crate::typing::lazy`). The ufunc object itself is created at the Python
//! edge (`crate::python::ufunc`).

pub mod door;

pub use door::Elementwise;

#[cfg(test)]
mod tests;
