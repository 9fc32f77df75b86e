//! Lazy (signature-free) ufuncs and gufuncs: which loop to compile for a
//! call (the Python edge's type resolver, `crate::python::lazy`), and the
//! dtype of a lazy gufunc's written outputs, also when compiled code calls
//! it (`typing::gufunc::call`).
//!
//! NumPy hands the type resolver of a lazy ufunc the operands of a call
//! (arrays, and Python scalars marked as such) and any dtypes the caller
//! fixed with `signature=` or `dtype=`. The loop compiled for them keeps
//! every array's own dtype (the kernel does its own promotion, so an int32
//! array never goes through an int64 loop) and gives Python scalars the type
//! NumPy 2 would (NEP 50: a Python int with an int32 array is int32).

use crate::error::{CompileError, ErrorKind, Result};
use crate::types::promote::{promote_scalars, promote_weak_with};
use crate::types::{Scalar, Signature, Type, Weak};

/// What a call passes for one operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// An array or NumPy scalar of this dtype.
    Strong(Scalar),
    /// A Python `int`, `float` or `complex`.
    Weak(Weak),
    /// Nothing (an output that NumPy allocates).
    Missing,
}

/// The common dtype of the strong inputs, if there are any.
fn strong_common(ops: &[Operand]) -> Option<Scalar> {
    ops.iter()
        .filter_map(|o| match o {
            Operand::Strong(s) => Some(*s),
            _ => None,
        })
        .reduce(promote_scalars)
}

/// The dtype of each input of the loop for a call: `fixed` inputs (from
/// `signature=`) win; when the caller fixed the outputs to one dtype
/// (`dtype=`), the other inputs take it too, as NumPy computes "in" that
/// dtype (this also makes `add.reduce` of small ints, which NumPy runs in
/// the default int, homogeneous); otherwise arrays keep their dtype and
/// Python scalars take the NEP 50 result of meeting the arrays' common
/// dtype (or their default type when every input is a Python scalar).
pub fn loop_inputs(
    ops: &[Operand],
    fixed: &[Option<Scalar>],
    fixed_outputs: &[Option<Scalar>],
) -> Result<Vec<Scalar>> {
    let common = strong_common(ops);
    let first_out = fixed_outputs.first().copied().flatten();
    let out_dtype = first_out.filter(|d| fixed_outputs.iter().all(|o| *o == Some(*d)));
    // Inputs fixed by `signature=` (or by NumPy retrying a reduction with
    // its first input fixed) set the others: loops stay homogeneous, as
    // every reduction needs.
    let in_fixed = fixed.iter().flatten().copied().reduce(promote_scalars);
    let out_dtype = out_dtype.or(in_fixed);
    ops.iter()
        .enumerate()
        .map(|(k, op)| {
            if let Some(Some(s)) = fixed.get(k) {
                return Ok(*s);
            }
            if let Some(d) = out_dtype {
                return Ok(d);
            }
            match op {
                Operand::Strong(s) => Ok(*s),
                Operand::Weak(w) => Ok(match common {
                    Some(c) => promote_weak_with(*w, c),
                    None => w.default_scalar(),
                }),
                Operand::Missing => common.ok_or_else(|| {
                    CompileError::new(
                        ErrorKind::Typing,
                        format!("input {k} has no dtype to compile a loop for"),
                    )
                }),
            }
        })
        .collect()
}

/// The common dtype of a loop's inputs, with Python scalars weak: what a
/// lazy gufunc's outputs get unless the caller fixes them.
pub fn result_dtype(ops: &[Operand], inputs: &[Scalar]) -> Scalar {
    let strong: Vec<Scalar> = ops
        .iter()
        .zip(inputs)
        .filter(|(o, _)| !matches!(o, Operand::Weak(_)))
        .map(|(_, s)| *s)
        .collect();
    match strong.into_iter().reduce(promote_scalars) {
        Some(c) => ops
            .iter()
            .filter_map(|o| match o {
                Operand::Weak(w) => Some(*w),
                _ => None,
            })
            .fold(c, |acc, w| promote_weak_with(w, acc)),
        None => inputs
            .iter()
            .copied()
            .reduce(promote_scalars)
            .unwrap_or(Scalar::F64),
    }
}

/// The `@vectorize` signature for a call: the inputs, and the outputs when
/// the caller fixed all of them (otherwise the kernel's return type).
pub fn elementwise_signature(inputs: &[Scalar], outputs: &[Option<Scalar>]) -> Signature {
    let ret = if !outputs.is_empty() && outputs.iter().all(|o| o.is_some()) {
        let outs: Vec<Type> = outputs.iter().map(|o| Type::Scalar(o.unwrap())).collect();
        Some(if outs.len() == 1 {
            outs.into_iter().next().unwrap()
        } else {
            Type::Tuple(outs)
        })
    } else {
        None
    };
    Signature {
        args: inputs.iter().map(|s| Type::Scalar(*s)).collect(),
        ret,
    }
}

/// How many outputs a lazy `@vectorize` ufunc has, read from the kernel
/// before any types are known: `return a, b` gives two, anything else one.
pub fn output_count(def: &crate::syntax::FunctionDef) -> usize {
    use crate::syntax::{ExprKind, Stmt, StmtKind};
    fn find(stmts: &[Stmt]) -> Option<usize> {
        stmts.iter().find_map(|s| match &s.kind {
            StmtKind::Return(Some(e)) => Some(match &e.kind {
                ExprKind::Tuple(items) => items.len(),
                _ => 1,
            }),
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => find(body).or_else(|| find(orelse)),
            _ => None,
        })
    }
    find(&def.body).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_scalars_follow_nep50() {
        use Operand::*;
        let int32 = Strong(Scalar::I32);
        assert_eq!(
            loop_inputs(&[int32, Weak(crate::types::Weak::Int)], &[], &[]).unwrap(),
            vec![Scalar::I32, Scalar::I32]
        );
        assert_eq!(
            loop_inputs(&[int32, Weak(crate::types::Weak::Float)], &[], &[]).unwrap(),
            vec![Scalar::I32, Scalar::F64]
        );
        assert_eq!(
            loop_inputs(
                &[Strong(Scalar::F32), Weak(crate::types::Weak::Float)],
                &[],
                &[]
            )
            .unwrap(),
            vec![Scalar::F32, Scalar::F32]
        );
        assert_eq!(
            loop_inputs(
                &[
                    Weak(crate::types::Weak::Int),
                    Weak(crate::types::Weak::Float)
                ],
                &[],
                &[]
            )
            .unwrap(),
            vec![Scalar::I64, Scalar::F64]
        );
        // signature= wins and sets the unfixed inputs.
        assert_eq!(
            loop_inputs(
                &[int32, Strong(Scalar::I8)],
                &[Some(Scalar::F64), None],
                &[]
            )
            .unwrap(),
            vec![Scalar::F64, Scalar::F64]
        );
        // dtype= (all outputs fixed alike) sets the unfixed inputs.
        assert_eq!(
            loop_inputs(
                &[Strong(Scalar::U8), Strong(Scalar::U8)],
                &[Some(Scalar::U64), None],
                &[Some(Scalar::U64)]
            )
            .unwrap(),
            vec![Scalar::U64, Scalar::U64]
        );
        assert_eq!(
            result_dtype(
                &[int32, Weak(crate::types::Weak::Float)],
                &[Scalar::I32, Scalar::F64]
            ),
            Scalar::F64
        );
        assert_eq!(
            result_dtype(
                &[Strong(Scalar::F32), Weak(crate::types::Weak::Int)],
                &[Scalar::F32, Scalar::F32]
            ),
            Scalar::F32
        );
    }
}
