//! Inner loops NumPy calls: the elementwise loop of a ufunc around a scalar
//! kernel (`elementwise`), with contiguous, broadcast and strided paths; the
//! gufunc loop (`gufunc`) and its contract with NumPy and the gufunc
//! planner (`layout`, `plan`); the loop entry ABI both share (`entry`); and
//! the thread-pool split of either for `target="parallel"` (`parallel`).

pub mod elementwise;
pub mod entry;
pub mod fpflags;
pub mod gufunc;
pub mod layout;
pub mod parallel;
pub mod plan;
