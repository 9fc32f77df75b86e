//! `Op::Gufunc`: a gufunc's kernel called once per index of its inputs'
//! loop dimensions, as NumPy's gufunc machinery calls its inner loop.
//!
//! The core dimension sizes are bound from the inputs (`ValueError` when
//! two disagree or a fixed size is not met); the loop dimensions (before
//! the core ones) broadcast together as NumPy's (`ValueError` when they
//! cannot); the outputs are allocated C-ordered with the loop shape
//! followed by their core dimensions. Each call gets views of the core
//! blocks, loaded values for `()` inputs passed by value, and fills the
//! outputs the plan takes from the kernel's return value.

use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::create::empty;
use super::{nd_loop, View};
use crate::codegen::context::Codegen;
use crate::codegen::memory::{load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::ir::GufuncCall;
use crate::types::gufunc_plan::{KernelPlan, Passing};
use crate::types::Type;

/// One operand: its view (loop strides made 0 where it has length 1), its
/// number of loop dimensions; or a number.
enum Operand<'ctx> {
    Array { view: View<'ctx>, loops: usize },
    Number(BasicValueEnum<'ctx>),
}

/// Emits the call; returns the output (or the tuple of outputs).
#[allow(clippy::too_many_arguments)]
pub fn gufunc<'ctx>(
    cg: &mut Codegen<'ctx>,
    kernel: FunctionValue<'ctx>,
    status: PointerValue<'ctx>,
    call: &GufuncCall,
    types: &[Type],
    vals: &[BasicValueEnum<'ctx>],
    rty: &Type,
) -> Result<BasicValueEnum<'ctx>> {
    let layout = &call.layout;
    let plan = &call.plan;
    let (nin, nout) = (layout.nin(), layout.nout());
    let i64t = cg.ctx.i64_type();
    let one = i64t.const_int(1, false);
    let zero = i64t.const_zero();
    let mut inputs = vec![];
    for (k, (t, v)) in types.iter().zip(vals).enumerate() {
        inputs.push(match t {
            Type::Array(a) => {
                let view = View::unpack(cg, a, *v)?;
                let loops = a.ndim as usize - layout.operand(k).len();
                Operand::Array { view, loops }
            }
            _ => Operand::Number(*v),
        });
    }
    // Core dimension sizes: fixed, or bound by the first input with them.
    let mut sizes: Vec<Option<IntValue<'ctx>>> = layout
        .dims
        .iter()
        .map(|d| d.fixed.map(|n| i64t.const_int(n, false)))
        .collect();
    let mut ok = cg.ctx.bool_type().const_int(1, false);
    for (k, input) in inputs.iter().enumerate() {
        let Operand::Array { view, loops } = input else {
            continue;
        };
        for (j, d) in layout.operand(k).iter().enumerate() {
            let size = view.shape[loops + j];
            match sizes[d.dim] {
                Some(bound) => {
                    let same = cg
                        .builder
                        .build_int_compare(IntPredicate::EQ, size, bound, "")?;
                    ok = cg.builder.build_and(ok, same, "")?;
                }
                None => sizes[d.dim] = Some(size),
            }
        }
    }
    crate::codegen::raise::value_error_unless(
        cg,
        ok,
        "gufunc.core",
        crate::engine::runtime::ValueErrorKind::GufuncCoreDims,
    )?;
    // The loop shape: NumPy's broadcast of the inputs' loop dimensions.
    let n = inputs
        .iter()
        .map(|i| match i {
            Operand::Array { loops, .. } => *loops,
            Operand::Number(_) => 0,
        })
        .max()
        .unwrap_or(0);
    let mut shape = vec![one; n];
    let mut ok = cg.ctx.bool_type().const_int(1, false);
    for input in &mut inputs {
        let Operand::Array { view, loops } = input else {
            continue;
        };
        let offset = n - *loops;
        for k in 0..*loops {
            let (fits, size) = super::map::broadcast_length(cg, view.shape[k], shape[offset + k])?;
            let b = &cg.builder;
            ok = b.build_and(ok, fits, "")?;
            shape[offset + k] = size;
            // Repeated along an axis where it has length 1.
            let s_is_1 = b.build_int_compare(IntPredicate::EQ, view.shape[k], one, "")?;
            view.strides[k] = b
                .build_select(s_is_1, zero, view.strides[k], "")?
                .into_int_value();
        }
    }
    crate::codegen::raise::value_error_unless(
        cg,
        ok,
        "gufunc.broadcast",
        crate::engine::runtime::ValueErrorKind::BroadcastOperands,
    )?;
    // The outputs, held until returned (a kernel may raise).
    let held = cg.func.held.len();
    let mut outputs = vec![];
    let out_types = match rty {
        Type::Tuple(items) => items.clone(),
        t => vec![t.clone()],
    };
    for (k, t) in (nin..nin + nout).zip(out_types) {
        let mut dims: Vec<BasicValueEnum<'ctx>> = shape.iter().map(|d| (*d).into()).collect();
        for d in layout.operand(k) {
            let size = sizes[d.dim].ok_or_else(|| {
                CompileError::internal("an output core dimension no input binds reached codegen")
            })?;
            dims.push(size.into());
        }
        let out = empty(cg, &t, &dims)?;
        cg.func.held.push((t.clone(), out));
        let Type::Array(at) = &t else { unreachable!() };
        let view = View::unpack(cg, at, out)?;
        outputs.push((t, out, view));
    }
    let ret_type = call.kernel_ret.clone();
    nd_loop(cg, &shape, &mut |cg, index| {
        // Each operand's core block at this index.
        let mut operands = vec![];
        for input in &inputs {
            operands.push(match input {
                Operand::Array { view, loops } => {
                    CoreOperand::Block(core_block(cg, view, &index[n - loops..])?)
                }
                Operand::Number(v) => CoreOperand::Number(*v),
            });
        }
        for (_, _, view) in &outputs {
            operands.push(CoreOperand::Block(core_block(cg, view, index)?));
        }
        let mut call_args: Vec<BasicValueEnum<'ctx>> = vec![status.into()];
        call_args.extend(kernel_args(cg, plan, &operands)?);
        let result = cg.call(kernel, &call_args)?;
        if cg.may_raise() {
            crate::codegen::function::return_if_failed(cg, status)?;
        }
        let returned = match result.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => Some(v),
            _ => None,
        };
        for (i, &k) in plan.returned.iter().enumerate() {
            let (value, from) = match (&ret_type, returned) {
                (Type::Tuple(items), Some(v)) => (
                    cg.builder
                        .build_extract_value(v.into_struct_value(), i as u32, "")?,
                    items[i].clone(),
                ),
                (t, Some(v)) => (v, t.clone()),
                (_, None) => {
                    return Err(CompileError::internal(
                        "a gufunc kernel returned nothing for its outputs",
                    ))
                }
            };
            let dtype = plan.operands[k].dtype;
            let value = crate::codegen::scalar::cast(cg, &from, &Type::Scalar(dtype), value)?;
            let CoreOperand::Block(block) = &operands[k] else {
                unreachable!("outputs have blocks")
            };
            store_scalar(cg, dtype, block.ptr, value)?;
        }
        Ok(())
    })?;
    cg.func.held.truncate(held);
    Ok(match outputs.as_slice() {
        [(_, out, _)] => *out,
        _ => {
            let ty = cg
                .llvm_type(rty)?
                .ok_or_else(|| CompileError::internal("tuple of gufunc outputs"))?
                .into_struct_type();
            let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
            for (i, (_, out, _)) in outputs.iter().enumerate() {
                agg = cg.builder.build_insert_value(agg, *out, i as u32, "")?;
            }
            agg.into_struct_value().into()
        }
    })
}

/// `view`'s core block at loop index `index` (one entry per loop axis;
/// the axes after them are the core).
fn core_block<'ctx>(
    cg: &Codegen<'ctx>,
    view: &View<'ctx>,
    index: &[IntValue<'ctx>],
) -> Result<View<'ctx>> {
    let loops = index.len();
    Ok(View {
        ptr: super::element_at(cg, view, index)?,
        owner: view.owner,
        shape: view.shape[loops..].to_vec(),
        strides: view.strides[loops..].to_vec(),
    })
}

/// One operand of one kernel call: its core block (a view whose axes are
/// the core dimensions; none for a `()` operand), or a number passed as it
/// is (a `()` input that is not an array).
pub enum CoreOperand<'ctx> {
    Block(View<'ctx>),
    Number(BasicValueEnum<'ctx>),
}

/// The kernel's arguments, in parameter order, as `plan` passes each
/// operand (inputs, then outputs): a view of its block (one element for a
/// `()` operand declared as an array), the value loaded from it, or a
/// placeholder for an output the kernel returns. The one place this
/// contract is carried out, for the gufunc loop NumPy calls
/// (`loops::gufunc`) and for `Op::Gufunc`.
pub fn kernel_args<'ctx>(
    cg: &Codegen<'ctx>,
    plan: &KernelPlan,
    operands: &[CoreOperand<'ctx>],
) -> Result<Vec<BasicValueEnum<'ctx>>> {
    let i64t = cg.ctx.i64_type();
    let mut params: Vec<(usize, BasicValueEnum<'ctx>)> = vec![];
    for (op, operand) in plan.operands.iter().zip(operands.iter()) {
        let Some(p) = op.param else { continue };
        let value = match (op.passing, operand) {
            (Passing::View { .. }, CoreOperand::Block(block)) if block.shape.is_empty() => View {
                ptr: block.ptr,
                owner: block.owner,
                shape: vec![i64t.const_int(1, false)],
                strides: vec![i64t.const_int(op.dtype.itemsize() as u64, false)],
            }
            .pack(cg)?,
            (Passing::View { .. }, CoreOperand::Block(block)) => block.pack(cg)?,
            (Passing::Value, CoreOperand::Block(block)) => load_scalar(cg, op.dtype, block.ptr)?,
            (Passing::Value, CoreOperand::Number(v)) => *v,
            // Never read (the planner rejects kernels that use it).
            (Passing::Returned, _) => cg.scalar_type(op.dtype).const_zero(),
            (Passing::View { .. }, CoreOperand::Number(_)) => {
                return Err(CompileError::internal(
                    "a number passed as a view to a gufunc kernel",
                ))
            }
        };
        params.push((p, value));
    }
    params.sort_by_key(|(p, _)| *p);
    Ok(params.into_iter().map(|(_, v)| v).collect())
}
