//! `@vectorize`: scalar kernels compiled into the loops of a real NumPy
//! ufunc. `door` is the front door the compile driver (`crate::driver`)
//! calls: signature checks, typing, and the elementwise loop around each
//! kernel; `lazy` is which loop a lazy ufunc compiles for a call. The
//! ufunc object itself is created at the Python edge (`crate::python::ufunc`).

pub mod door;
pub mod lazy;

pub use door::Elementwise;

#[cfg(test)]
mod tests;
