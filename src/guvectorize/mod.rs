//! `@guvectorize`: kernels over array blocks compiled into the loops of a
//! real NumPy generalized ufunc. `door` is the front door the compile
//! driver (`crate::driver`) calls; how each operand reaches the kernel for
//! a signature is planned in `crate::typing::gufunc` (shared with gufunc
//! calls inside `@jit`; layouts are parsed in `crate::types::gufunc_layout`);
//! `accumulate` turns outputs set and then accumulated into into registers;
//! `jam` finds kernels that can run several outer iterations at once and
//! `rerun` those that may be run twice (the gufunc itself is made at the
//! Python edge, `crate::python::ufunc`).

pub mod accumulate;
pub mod door;
pub mod jam;
pub mod rerun;

pub use door::Gufunc;

#[cfg(test)]
mod tests;
