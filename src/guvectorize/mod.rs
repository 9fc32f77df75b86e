//! `@guvectorize`: kernels over array blocks compiled into the loops of a
//! real NumPy generalized ufunc. `layout` parses layouts such as
//! `"(m,n),(n,p)->(m,p)"`; `plan` decides how each operand reaches the
//! kernel for a signature; `compile` types and compiles every signature
//! into one module; `build` is everything between reading the kernel and
//! creating the gufunc; `lazy` the signature a lazy gufunc compiles
//! for a call (the gufunc itself is made at the Python edge, `crate::python::ufunc`).

pub mod build;
pub mod compile;
pub mod jam;
pub mod layout;
pub mod lazy;
pub mod plan;
pub mod rerun;

#[cfg(test)]
mod tests;
