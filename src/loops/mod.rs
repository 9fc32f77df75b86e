//! Inner loops NumPy calls: the elementwise loop of a ufunc around a scalar
//! kernel (`elementwise`), with contiguous, broadcast and strided paths; the
//! gufunc loop (`gufunc`), which follows the layouts of
//! `crate::types::gufunc_layout` and the kernel plans of
//! `crate::typing::gufunc`; the loop entry ABI both share (`entry`); and
//! the thread-pool split of either for `target="parallel"` (`parallel`);
//! output snapshots that let a gufunc kernel reading its outputs take the
//! fast path (`snapshot`).

pub mod elementwise;
pub mod entry;
pub mod fpflags;
pub mod gufunc;
pub mod parallel;
pub mod snapshot;
