//! Generalized ufuncs at the typing level: how a gufunc kernel's operands
//! reach it for one signature (`planner`, making a
//! `types::gufunc_plan::KernelPlan`), the
//! signature a lazy gufunc compiles for given input dtypes (`lazy`), and
//! the typing of a gufunc called on arrays inside `@jit` (`call`).
//!
//! The `@guvectorize` front door and its loop (`crate::loops::gufunc`)
//! follow the same plans, so a kernel is passed its operands the same way
//! whether NumPy or compiled code calls it.

pub(crate) mod call;
pub mod lazy;
pub mod planner;
