//! A `@guvectorize` gufunc called on arrays inside `@jit`: `f(a, b)`
//! where `f` was made by `@guvectorize` (`syntax::KernelTarget::Gufunc`).
//!
//! As NumPy does it: the loop is chosen from the inputs' dtypes (an eager
//! gufunc's first loop its inputs cast to safely; a lazy gufunc's loop for
//! the inputs' own dtypes), the inputs are cast to that loop's dtypes, and
//! the kernel runs once per index of the loop dimensions (those before the
//! core dimensions, broadcast together) on the core blocks, passed as the
//! planner passes them to the gufunc's own loop (`planner::plan_kernel`).
//! The outputs are new arrays (`Op::Gufunc`).
//!
//! What NumPy checks when the gufunc runs and the types already decide
//! (too few dimensions for the core, an output dimension no input has)
//! is a compile error here.

use std::sync::Arc;

use super::lazy::{gufunc_signature, returned_dtypes};
use super::planner::plan_kernel;
use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::{ArrayOp, FuncId, GufuncCall, Op};
use crate::syntax::{GufuncTarget, KernelTarget};
use crate::types::gufunc_layout::Layout;
use crate::types::{can_cast, Casting, Scalar, Type};
use crate::typing::lazy::{result_dtype, Operand};
use crate::typing::{rules, Emit, ProgramBuilder};

/// The number of loop dimensions of each input: its dimensions before the
/// core ones (a number has none).
fn loop_dims(g: &GufuncTarget, types: &[Type]) -> std::result::Result<Vec<u32>, String> {
    let layout = &g.layout;
    let mut dims = vec![];
    for (k, t) in types.iter().enumerate() {
        let core = layout.operand(k).len() as u32;
        let ndim = match t {
            Type::Array(a) => a.ndim,
            t if t.is_scalar() => 0,
            t => {
                return Err(format!(
                    "input {k} of gufunc '{}' is {t}: a gufunc takes arrays and numbers",
                    g.name
                ))
            }
        };
        if ndim < core {
            return Err(format!(
                "{}: Input operand {k} does not have enough dimensions (has {ndim}, gufunc core with signature {} requires {core})",
                g.name, layout.text
            ));
        }
        dims.push(ndim - core);
    }
    Ok(dims)
}

/// Why `layout` cannot be called from compiled code, if it cannot.
fn unsupported_layout(layout: &Layout) -> Option<String> {
    if layout.dims.iter().any(|d| d.optional) {
        return Some("optional core dimensions ('n?')".into());
    }
    if layout.has_broadcast_dims() {
        return Some("broadcast core dimensions ('n|1')".into());
    }
    let nin = layout.nin();
    for k in nin..nin + layout.nout() {
        for d in layout.operand(k) {
            let defined = layout.dims[d.dim].fixed.is_some()
                || layout.inputs.iter().flatten().any(|i| i.dim == d.dim);
            if !defined {
                return Some(format!(
                    "an output core dimension '{}' that no input has (NumPy needs out= for it)",
                    layout.dims[d.dim].name
                ));
            }
        }
    }
    None
}

/// The dtype of an operand of type `t` (a Python number: its default).
fn dtype_of(t: &Type) -> Scalar {
    match t {
        Type::Array(a) => a.dtype,
        Type::Scalar(s) => *s,
        Type::Weak(w) => w.default_scalar(),
        _ => Scalar::F64,
    }
}

impl ProgramBuilder {
    /// The kernel instance and plan of gufunc `g` called with inputs of
    /// types `types` (already checked by `call`).
    pub(crate) fn gufunc_instance(
        &mut self,
        g: &Arc<GufuncTarget>,
        types: &[Type],
    ) -> Result<(FuncId, Arc<GufuncCall>)> {
        let layout = &g.layout;
        let (sig, text) = if g.loops.is_empty() {
            // Lazy: the loop for the inputs' own dtypes.
            let inputs: Vec<Scalar> = types.iter().map(dtype_of).collect();
            let outputs = match returned_dtypes(&g.def, layout, &inputs)? {
                Some(r) => r,
                None => {
                    let ops: Vec<Operand> = types
                        .iter()
                        .zip(&inputs)
                        .map(|(t, s)| match t {
                            Type::Weak(w) => Operand::Weak(*w),
                            _ => Operand::Strong(*s),
                        })
                        .collect();
                    vec![result_dtype(&ops, &inputs); layout.nout()]
                }
            };
            let sig = gufunc_signature(&g.def, layout, &inputs, &outputs);
            let text = sig.to_string();
            (sig, text)
        } else {
            let chosen = g.loops.iter().find(|(_, dtypes)| {
                types.iter().zip(dtypes).all(|(t, d)| {
                    can_cast(
                        &crate::typing::elementwise::element_type(t),
                        *d,
                        Casting::Safe,
                    )
                })
            });
            let Some((sig, _)) = chosen else {
                let given: Vec<String> = types
                    .iter()
                    .map(|t| crate::typing::elementwise::element_type(t).to_string())
                    .collect();
                let loops: Vec<String> = g.loops.iter().map(|(s, _)| s.to_string()).collect();
                return Err(CompileError::new(
                    ErrorKind::Typing,
                    format!(
                        "gufunc '{}' has no loop for inputs ({}) that NumPy's safe casting reaches (as NumPy's TypeError: ufunc '{}' not supported for the input types); its loops: {}",
                        g.name,
                        given.join(", "),
                        g.name,
                        loops.join(", ")
                    ),
                ));
            };
            (sig.clone(), sig.to_string())
        };
        let untyped = self.lowered(&g.def)?;
        let plan = plan_kernel(&g.def, &untyped, layout, &sig, &text, &g.writable)
            .map_err(|e| e.with_source(&g.def.source))?;
        let params = plan.param_types(false);
        let (id, ret) = self.instantiate(&KernelTarget::Def(g.def.clone()), &params)?;
        let returns: Vec<&Type> = match &ret {
            Type::Tuple(items) => items.iter().collect(),
            Type::NoneType => vec![],
            t => vec![t],
        };
        let returns_numbers = returns.len() == plan.returned.len()
            && returns.iter().all(|t| t.is_scalar())
            || plan.returned.is_empty() && ret == Type::NoneType;
        if ret.is_known() && !returns_numbers {
            return Err(CompileError::new(
                ErrorKind::Typing,
                format!(
                    "the kernel of gufunc '{}' returns {ret}, but for signature {text} it must return {}",
                    g.name, plan.ret
                ),
            )
            .with_source(&g.def.source));
        }
        Ok((
            id,
            Arc::new(GufuncCall {
                name: g.name.clone(),
                layout: layout.clone(),
                plan,
                kernel_ret: ret,
            }),
        ))
    }
}

/// Types (and emits) `g(args...)`.
pub(crate) fn call<E: Emit>(e: &mut E, g: &Arc<GufuncTarget>, args: Vec<E::V>) -> Result<E::V> {
    let layout = &g.layout;
    let (nin, nout) = (layout.nin(), layout.nout());
    if args.len() != nin {
        return Err(e.error(format!(
            "gufunc '{}' (layout {}) takes {nin} input{} inside @jit and returns its output{}, but is called with {} argument{} (passing outputs is not supported inside @jit)",
            g.name,
            layout.text,
            if nin == 1 { "" } else { "s" },
            if nout == 1 { "" } else { "s" },
            args.len(),
            if args.len() == 1 { "" } else { "s" }
        )));
    }
    if let Some(why) = unsupported_layout(layout) {
        return Err(e.unsupported(format!(
            "gufunc '{}' (layout {}) has {why}: it cannot be called inside @jit yet",
            g.name, layout.text
        )));
    }
    let types: Vec<Type> = args.iter().map(|a| e.ty(a)).collect();
    let loops = loop_dims(g, &types).map_err(|m| e.error(m))?;
    let (id, call) = e.gufunc(g, &types)?;
    let mut operands = vec![];
    for (k, (a, t)) in args.into_iter().zip(&types).enumerate() {
        let want = call.plan.operands[k].dtype;
        operands.push(match t {
            Type::Array(at) if at.dtype != want => crate::typing::array_calls::copy_as(e, a, want)?,
            Type::Array(_) => a,
            _ => rules::cast(e, a, &Type::Scalar(want))?,
        });
    }
    let loop_ndim = loops.into_iter().max().unwrap_or(0);
    let outputs = call.output_types(loop_ndim);
    let ty = call.result_type(loop_ndim);
    let result = e.emit(Op::Gufunc(id, call), operands, ty.clone())?;
    // NumPy gives 0-d outputs as scalars.
    let scalar = |e: &mut E, v: E::V, t: &Type| match t {
        Type::Array(a) if a.ndim == 0 => {
            e.emit(Op::Array(ArrayOp::Load), vec![v], Type::Scalar(a.dtype))
        }
        _ => Ok(v),
    };
    if nout == 1 {
        return scalar(e, result, &ty);
    }
    if outputs
        .iter()
        .all(|t| !matches!(t, Type::Array(a) if a.ndim == 0))
    {
        return Ok(result);
    }
    let mut items = vec![];
    let mut types = vec![];
    for (i, t) in outputs.iter().enumerate() {
        let item = e.emit(Op::TupleGet(i as u32), vec![result.clone()], t.clone())?;
        let item = scalar(e, item, t)?;
        types.push(e.ty(&item));
        items.push(item);
    }
    e.emit(Op::MakeTuple, items, Type::Tuple(types))
}
