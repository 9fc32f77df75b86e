//! How a gufunc kernel's operands are passed, per signature: the contract
//! between the planner (`typing::gufunc::planner`, which decides it from
//! the layout, the signature and the kernel) and the code that calls the
//! kernel: the gufunc loop NumPy calls (`loops::gufunc`) and a gufunc
//! call inside `@jit` (`Op::Gufunc`).

use crate::types::gufunc_layout::Layout;
use crate::types::{ArrayType, Layout as MemLayout, Memory, Scalar, Signature, Type};

/// How an operand reaches the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passing {
    /// As an array view with this many dimensions.
    View { ndim: u32, writable: bool },
    /// As a scalar value loaded by the loop (a `()` input).
    Value,
    /// Not a parameter: filled from the kernel's return value.
    Returned,
}

#[derive(Clone, Debug)]
pub struct OperandPlan {
    pub dtype: Scalar,
    pub passing: Passing,
    /// The kernel parameter it is bound to, if any.
    pub param: Option<usize>,
    /// Filled (also) from the kernel's return value.
    pub from_return: bool,
    /// The parameter name (for messages).
    pub name: String,
}

/// Everything the loop needs to call the kernel for one signature.
#[derive(Clone, Debug)]
pub struct KernelPlan {
    pub operands: Vec<OperandPlan>,
    /// Operand indices (outputs) filled from the return value, in order.
    pub returned: Vec<usize>,
    /// The return type the kernel is typed with (`NoneType` when it
    /// returns nothing).
    pub ret: Type,
}

impl KernelPlan {
    pub fn nin(&self, layout: &Layout) -> usize {
        layout.nin()
    }

    /// The kernel's parameter types, with array views in `layout` (`C` for
    /// the variant compiled for unit innermost strides).
    pub fn param_types(&self, contiguous: bool) -> Vec<Type> {
        let mut params: Vec<(usize, Type)> = vec![];
        for op in &self.operands {
            let Some(p) = op.param else { continue };
            let t = match op.passing {
                Passing::View { ndim, writable } => Type::Array(ArrayType {
                    dtype: op.dtype,
                    ndim,
                    layout: if contiguous && ndim > 0 {
                        MemLayout::C
                    } else {
                        MemLayout::Any
                    },
                    readonly: !writable,
                    memory: Memory::Borrowed,
                }),
                Passing::Value => Type::Scalar(op.dtype),
                Passing::Returned => Type::Scalar(op.dtype),
            };
            params.push((p, t));
        }
        params.sort_by_key(|(p, _)| *p);
        params.into_iter().map(|(_, t)| t).collect()
    }

    /// Whether some operand is passed as a view with core dimensions (so a
    /// variant for unit strides is worth compiling).
    pub fn has_core_views(&self, layout: &Layout) -> bool {
        self.operands.iter().enumerate().any(|(k, op)| {
            matches!(op.passing, Passing::View { .. }) && !layout.operand(k).is_empty()
        })
    }

    /// The signature the kernel is typed with.
    pub fn kernel_signature(&self, contiguous: bool) -> Signature {
        Signature {
            args: self.param_types(contiguous),
            ret: Some(self.ret.clone()),
        }
    }

    /// The operand dtypes NumPy registers (inputs, then outputs).
    pub fn dtypes(&self) -> Vec<Scalar> {
        self.operands.iter().map(|o| o.dtype).collect()
    }
}
