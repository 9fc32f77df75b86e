//! Lazy (signature-free) gufuncs: the signature compiled for a call.
//!
//! Operands get the types their core dimensions give them: `()` inputs are
//! scalars, others arrays of as many dimensions as the layout lists. A
//! kernel that takes only the inputs returns its outputs; one that takes
//! every operand writes them (a `()` output is then a one-element array, as
//! in Numba: `out[0] = v`). Returned outputs get the dtypes the kernel
//! returns; written ones the common dtype of the inputs.

use std::sync::Arc;

use crate::error::Result;
use crate::syntax::FunctionDef;
use crate::types::gufunc_layout::Layout;
use crate::types::{ArrayType, Layout as ArrayLayout, Memory, Scalar, Signature, Type};

fn operand_type(dtype: Scalar, ndim: usize, output_written: bool) -> Type {
    let ndim = if output_written { ndim.max(1) } else { ndim };
    if ndim == 0 {
        return Type::Scalar(dtype);
    }
    Type::Array(ArrayType {
        dtype,
        ndim: ndim as u32,
        layout: ArrayLayout::Any,
        readonly: false,
        memory: Memory::Borrowed,
    })
}

/// For a kernel that returns its outputs: their dtypes as the kernel
/// computes them for `inputs` (`None` for a kernel that writes them).
pub fn returned_dtypes(
    def: &Arc<FunctionDef>,
    layout: &Layout,
    inputs: &[Scalar],
) -> Result<Option<Vec<Scalar>>> {
    if !(def.params.len() == layout.nin() && layout.nout() > 0) {
        return Ok(None);
    }
    let args = inputs
        .iter()
        .enumerate()
        .map(|(k, s)| operand_type(*s, layout.operand(k).len(), false))
        .collect();
    Ok(crate::typing::returned_dtypes(def, args)?.filter(|t| t.len() == layout.nout()))
}

/// The signature of the loop for `inputs` and `outputs` dtypes.
pub fn gufunc_signature(
    def: &FunctionDef,
    layout: &Layout,
    inputs: &[Scalar],
    outputs: &[Scalar],
) -> Signature {
    let returns = def.params.len() == layout.nin() && layout.nout() > 0;
    let args: Vec<Type> = inputs
        .iter()
        .enumerate()
        .map(|(k, s)| operand_type(*s, layout.operand(k).len(), false))
        .collect();
    let outs: Vec<Type> = outputs
        .iter()
        .enumerate()
        .map(|(j, s)| operand_type(*s, layout.operand(layout.nin() + j).len(), !returns))
        .collect();
    if returns {
        let ret = if outs.len() == 1 {
            outs.into_iter().next().unwrap_or(Type::NoneType)
        } else {
            Type::Tuple(outs)
        };
        Signature {
            args,
            ret: Some(ret),
        }
    } else {
        let mut all = args;
        all.extend(outs);
        Signature {
            args: all,
            ret: Some(Type::NoneType),
        }
    }
}
