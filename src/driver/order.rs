//! The order of a ufunc's loops.
//!
//! NumPy's type resolution for legacy loops takes the *first* loop whose
//! inputs the arguments can be cast to safely. Numba registers loops in the
//! order the user listed them, so `["float64(float64)", "float32(float32)"]`
//! runs float32 input through the float64 loop. We order loops so that a
//! loop comes before every loop its inputs can be safely cast to (a stable
//! topological sort of the safe-casting order), which is how NumPy orders its
//! own loops (`??`, `bb`, ..., `ff`, `dd`): every exact input type then finds
//! its own loop.

use crate::error::{CompileError, ErrorKind, Result};
use crate::types::promote::can_cast_scalar;
use crate::types::{Casting, Scalar};

fn castable(from: &[Scalar], to: &[Scalar]) -> bool {
    from.len() == to.len()
        && from
            .iter()
            .zip(to)
            .all(|(f, t)| can_cast_scalar(*f, *t, Casting::Safe))
}

/// Returns the indices of `inputs` (one entry per loop) in registration
/// order. Two loops with identical input types are an error.
pub fn order_loops(inputs: &[Vec<Scalar>]) -> Result<Vec<usize>> {
    for (i, a) in inputs.iter().enumerate() {
        for b in &inputs[..i] {
            if a == b {
                let names: Vec<&str> = a.iter().map(|s| s.name()).collect();
                return Err(CompileError::new(
                    ErrorKind::Signature,
                    format!(
                        "two signatures have the same input types ({}); a ufunc can have only one loop for them",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    let n = inputs.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        // The first (in user order) loop with no unplaced loop that must
        // precede it, i.e. no unplaced loop whose inputs cast into its own.
        let next = (0..n)
            .find(|&j| {
                !placed[j]
                    && (0..n).all(|i| placed[i] || i == j || !castable(&inputs[i], &inputs[j]))
            })
            .expect("safe casting between distinct type lists is acyclic");
        placed[next] = true;
        order.push(next);
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Scalar::*;

    #[test]
    fn narrower_types_come_first() {
        let loops = vec![vec![F64, F64], vec![F32, F32], vec![I64, I64], vec![I8, I8]];
        let order = order_loops(&loops).unwrap();
        let pos = |i: usize| order.iter().position(|&x| x == i).unwrap();
        assert!(pos(1) < pos(0), "f4 before f8: {order:?}");
        assert!(pos(3) < pos(2), "i1 before i8: {order:?}");
        assert!(
            pos(3) < pos(1),
            "i1 before f4 (int8 casts to float32): {order:?}"
        );
    }

    #[test]
    fn unrelated_loops_keep_user_order() {
        let loops = vec![vec![C128], vec![I64]];
        // int64 casts safely to complex128, so it must come first.
        assert_eq!(order_loops(&loops).unwrap(), vec![1, 0]);
        let loops = vec![vec![U64], vec![I64]];
        assert_eq!(order_loops(&loops).unwrap(), vec![0, 1]);
    }

    #[test]
    fn duplicate_inputs_are_an_error() {
        let e = order_loops(&[vec![F64], vec![F64]]).unwrap_err();
        assert!(e.message.contains("same input types (float64)"), "{e}");
    }
}
