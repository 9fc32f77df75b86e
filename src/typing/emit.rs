//! The interface typing rules are written against.
//!
//! Each rule (`rules.rs`, `calls.rs`) is written once, generic over `Emit`.
//! Inference runs it with `Inferring`, whose values are just types (and
//! constants), to find every value's type; materialisation runs the very
//! same rule with the typed-function builder, whose values are IR values, to
//! emit the typed instructions. The two can therefore never disagree.

use crate::error::{CompileError, ErrorKind, Result, Span};
use crate::ir::Op;
use crate::syntax::{Const, KernelTarget};
use crate::types::Type;

pub trait Emit {
    type V: Clone;

    /// The type of a value.
    fn ty(&self, v: &Self::V) -> Type;
    /// The constant a value holds, if it is a literal or global constant.
    fn konst(&self, v: &Self::V) -> Option<Const>;
    /// Emits an operation whose result has type `ty`.
    fn emit(&mut self, op: Op, args: Vec<Self::V>, ty: Type) -> Result<Self::V>;
    /// Emits an operation without a result (`SetItem`).
    fn emit_effect(&mut self, op: Op, args: Vec<Self::V>) -> Result<()>;
    /// Types (and emits) a call of another kernel.
    fn call_kernel(&mut self, target: &KernelTarget, args: Vec<Self::V>) -> Result<Self::V>;
    /// Types the body function of a `prange` loop (`Op::Prange`) for
    /// `args` and runs it (`Op::ParallelFor`); the result is its partial
    /// results, one number per reducer.
    fn parallel_for(
        &mut self,
        target: &KernelTarget,
        args: Vec<Self::V>,
        reducers: std::sync::Arc<[crate::builtins::Reducer]>,
    ) -> Result<Self::V>;
    /// The kernel instance and plan of gufunc `g` called on inputs of
    /// types `types` (`typing::gufunc::call`).
    fn gufunc(
        &mut self,
        g: &std::sync::Arc<crate::syntax::GufuncTarget>,
        types: &[Type],
    ) -> Result<(crate::ir::FuncId, std::sync::Arc<crate::ir::GufuncCall>)>;
    /// Types (and emits) an array expression: the element function of
    /// `expr` over `leaves`, mapped into a new array, reduced, or called
    /// once on scalars (`typing::elementwise`).
    fn map(
        &mut self,
        expr: super::elementwise::ElemExpr,
        leaves: Vec<Self::V>,
        mode: super::elementwise::Mode,
    ) -> Result<Self::V>;
    /// What typing has found list or dict literal `origin` holds: so far
    /// (inference), or in the end (materialisation) (`typing::literals`).
    fn literal(&self, origin: u32) -> super::literals::Found;
    /// Records what literal `origin` holds (inference; materialisation
    /// already knows).
    fn note_literal(&mut self, origin: u32, found: super::literals::Found);
    /// Whether types are still being found (inference), so a literal
    /// whose items are not known yet is not an error.
    fn inferring(&self) -> bool {
        false
    }
    /// The source span of the instruction being typed.
    fn span(&self) -> Span;
    /// The variable a value was assigned to, if known (for messages).
    fn value_name(&self, _v: &Self::V) -> Option<String> {
        None
    }

    fn constant(&mut self, c: Const, ty: Type) -> Result<Self::V> {
        self.emit(Op::Const(c, ty.clone()), vec![], ty)
    }

    /// A typing error at the current instruction.
    fn error(&self, message: impl Into<String>) -> CompileError {
        CompileError::at(ErrorKind::Typing, self.span(), message)
    }

    fn unsupported(&self, message: impl Into<String>) -> CompileError {
        CompileError::at(ErrorKind::Unsupported, self.span(), message)
    }
}

/// Checks the return type of a `prange` loop's body function: one number
/// per reducer (`None` without reductions).
pub fn check_partials(ret: &Type, reducers: &[crate::builtins::Reducer]) -> Result<()> {
    let ok = crate::ir::prange_partials_ok(ret, reducers.len());
    if ok {
        Ok(())
    } else {
        Err(CompileError::internal(format!(
            "a prange body returning {ret} for {} reductions",
            reducers.len()
        )))
    }
}

/// A value during inference: its type and, for constants, its value.
#[derive(Clone, Debug)]
pub struct TypedConst {
    pub ty: Type,
    pub konst: Option<Const>,
}
