//! Inner loops NumPy calls: the elementwise loop of a ufunc around a scalar
//! kernel (`elementwise`), with contiguous, broadcast and strided paths.

pub mod elementwise;
pub mod entry;
pub mod fpflags;
pub mod gufunc;
pub mod metadata;
