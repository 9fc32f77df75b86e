//! `@guvectorize`: kernels over array blocks compiled into the loops of a
//! real NumPy generalized ufunc. `door` is the front door the compile
//! driver (`crate::driver`) calls; `plan` decides how each operand reaches
//! the kernel for a signature (layouts themselves are parsed in
//! `crate::loops::layout`); `jam` finds kernels that can run several outer
//! iterations at once and `rerun` those that may be run twice; `lazy` is the
//! signature a lazy gufunc compiles for a call (the gufunc itself is made at
//! the Python edge, `crate::python::ufunc`).

pub mod door;
pub mod jam;
pub mod lazy;
pub mod plan;
pub mod rerun;

pub use door::Gufunc;

#[cfg(test)]
mod tests;
