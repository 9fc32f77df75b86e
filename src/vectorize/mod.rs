//! `@vectorize`: scalar kernels compiled into the loops of a real NumPy
//! ufunc (`compile`), loop ordering (`order`), and the ufunc object itself
//! (`ufunc`).

pub mod compile;

#[cfg(test)]
mod tests;
