//! `@vectorize`: scalar kernels compiled into the loops of a real NumPy
//! ufunc (`compile`), loop ordering (`order`), the loop a lazy ufunc compiles for a call
//! (`lazy`), and the steps between
//! reading a kernel and creating its ufunc (`build`). The ufunc object itself
//! is created at the Python edge (`crate::python::ufunc`).

pub mod build;
pub mod compile;
pub mod lazy;
pub mod order;

#[cfg(test)]
mod tests;
