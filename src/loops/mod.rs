//! Inner loops NumPy calls: the elementwise loop of a ufunc around a scalar
//! kernel (`elementwise`), with contiguous, broadcast and strided paths; the
//! gufunc loop (`gufunc`), which follows the layouts of
//! `crate::types::gufunc_layout` and the kernel plans of
//! `crate::typing::gufunc`; the loop entry ABI both share (`entry`); and
//! the exact range function of an elementwise loop compiled on first use
//! (`deferred`), and the exact redo and general-stride path of a gufunc loop likewise (`gufunc_deferred`); the Rust driver of the elementwise loops compiled for
//! this process only (`driven`); the thread-pool split of either for `target="parallel"` (`parallel`);
//! output snapshots that let a gufunc kernel reading its outputs take the
//! fast path (`snapshot`); the runtime of `@jit(parallel=True)`'s `prange`
//! loops (`prange`).

pub mod deferred;
pub mod driven;
pub mod elementwise;
pub mod entry;
pub mod fpflags;
pub mod gufunc;
pub mod gufunc_deferred;
pub mod parallel;
pub mod prange;
pub mod snapshot;
