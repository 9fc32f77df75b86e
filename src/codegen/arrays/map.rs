//! `Op::Map`: an element function applied over operands broadcast
//! together, into a new C-ordered array.
//!
//! The result's shape is NumPy's broadcast of the array operands' shapes
//! (`ValueError` when an axis has two lengths other than 1). When every
//! array operand is C-contiguous with exactly that shape, one flat loop
//! walks all of them with unit steps (the loop LLVM vectorizes); otherwise
//! nested loops step each operand by its strides, 0 along the axes it is
//! repeated on.

use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::create::empty;
use super::{array_type, element_at, nd_loop, View};
use crate::codegen::context::Codegen;
use crate::codegen::memory::{load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::types::{Scalar, Type};

/// One operand of a map: a view broadcast to the result, or a scalar.
enum Operand<'ctx> {
    Array { view: View<'ctx>, dtype: Scalar },
    Scalar(BasicValueEnum<'ctx>),
}

/// Emits `Op::Map(element)` over `args` (of types `types`), giving an
/// array of type `rty`.
pub fn map<'ctx>(
    cg: &mut Codegen<'ctx>,
    element: FunctionValue<'ctx>,
    status: PointerValue<'ctx>,
    types: &[Type],
    args: &[BasicValueEnum<'ctx>],
    rty: &Type,
) -> Result<BasicValueEnum<'ctx>> {
    let rt = *array_type(rty, "an array expression")?;
    let n = rt.ndim as usize;
    let i64t = cg.ctx.i64_type();
    let one = i64t.const_int(1, false);
    let mut views = vec![];
    for (t, v) in types.iter().zip(args) {
        views.push(match t {
            Type::Array(a) => Some((View::unpack(cg, a, *v)?, a.dtype)),
            _ => None,
        });
    }
    // The broadcast shape, and whether the operands agree.
    let mut shape = vec![one; n];
    let mut ok = cg.ctx.bool_type().const_int(1, false);
    for (view, _) in views.iter().flatten() {
        let offset = n - view.shape.len();
        for (k, s) in view.shape.iter().enumerate() {
            let b = &cg.builder;
            let r = shape[offset + k];
            let s_is_1 = b.build_int_compare(IntPredicate::EQ, *s, one, "")?;
            let r_is_1 = b.build_int_compare(IntPredicate::EQ, r, one, "")?;
            let same = b.build_int_compare(IntPredicate::EQ, *s, r, "")?;
            let fits = b.build_or(b.build_or(s_is_1, r_is_1, "")?, same, "")?;
            ok = b.build_and(ok, fits, "")?;
            shape[offset + k] = b.build_select(s_is_1, r, *s, "")?.into_int_value();
        }
    }
    let i32t = cg.ctx.i32_type();
    crate::codegen::raise::raise_unless(
        cg,
        ok,
        "broadcast",
        "jitufunc_rt_value_error",
        &[i32t.into()],
        &[i32t
            .const_int(
                crate::engine::runtime::ValueErrorKind::BroadcastOperands as u64,
                false,
            )
            .into()],
    )?;
    let dims: Vec<BasicValueEnum<'ctx>> = shape.iter().map(|d| (*d).into()).collect();
    let out = empty(cg, rty, &dims)?;
    let out_view = View::unpack(cg, &rt, out)?;
    // Each array operand as a view of the result's shape.
    let mut operands = vec![];
    for (view, arg) in views.into_iter().zip(args) {
        operands.push(match view {
            None => Operand::Scalar(*arg),
            Some((view, dtype)) => {
                let offset = n - view.shape.len();
                let mut strides = vec![i64t.const_zero(); n];
                for (k, (s, st)) in view.shape.iter().zip(&view.strides).enumerate() {
                    let b = &cg.builder;
                    let repeated = b.build_int_compare(IntPredicate::EQ, *s, one, "")?;
                    strides[offset + k] = b
                        .build_select(repeated, i64t.const_zero(), *st, "")?
                        .into_int_value();
                }
                Operand::Array {
                    view: View {
                        ptr: view.ptr,
                        owner: view.owner,
                        shape: shape.clone(),
                        strides,
                    },
                    dtype,
                }
            }
        });
    }
    // Flat when every array operand is C-contiguous with the result's
    // shape (its broadcast strides are then its C strides).
    let mut flat = cg.ctx.bool_type().const_int(1, false);
    for op in &operands {
        if let Operand::Array { view, dtype } = op {
            let mut expect = i64t.const_int(dtype.itemsize() as u64, false);
            for k in (0..n).rev() {
                let b = &cg.builder;
                let st = b.build_int_compare(IntPredicate::EQ, view.strides[k], expect, "")?;
                // A length-1 axis may have any stride (NumPy's contiguity).
                let unit = b.build_int_compare(IntPredicate::EQ, view.shape[k], one, "")?;
                flat = b.build_and(flat, b.build_or(st, unit, "")?, "")?;
                expect = b.build_int_mul(expect, view.shape[k], "")?;
            }
        }
    }
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("a map outside a function"))?;
    let flat_block = cg.ctx.append_basic_block(f, "map.flat");
    let strided_block = cg.ctx.append_basic_block(f, "map.strided");
    let done = cg.ctx.append_basic_block(f, "map.done");
    cg.builder
        .build_conditional_branch(flat, flat_block, strided_block)?;

    let apply = |cg: &mut Codegen<'ctx>,
                 at: &dyn Fn(&Codegen<'ctx>, &View<'ctx>, Scalar) -> Result<PointerValue<'ctx>>|
     -> Result<()> {
        let mut values: Vec<BasicValueEnum<'ctx>> = vec![status.into()];
        for op in &operands {
            values.push(match op {
                Operand::Scalar(v) => *v,
                Operand::Array { view, dtype } => {
                    let p = at(cg, view, *dtype)?;
                    load_scalar(cg, *dtype, p)?
                }
            });
        }
        let call = cg.call(element, &values)?;
        let v = match call.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => v,
            _ => {
                return Err(CompileError::internal(
                    "an element function returned nothing",
                ))
            }
        };
        let p = at(cg, &out_view, rt.dtype)?;
        store_scalar(cg, rt.dtype, p, v)
    };

    // Flat: one counted loop over every element.
    cg.builder.position_at_end(flat_block);
    let mut size = one;
    for d in &shape {
        size = cg.builder.build_int_mul(size, *d, "")?;
    }
    crate::codegen::counted_loop::counted_loop(cg, f, size, "map", &[], |cg, i| {
        apply(cg, &|cg, view, dtype| flat_element(cg, view, dtype, i))
    })?;
    cg.builder.build_unconditional_branch(done)?;

    // Strided: nested loops over the result's shape.
    cg.builder.position_at_end(strided_block);
    nd_loop(cg, &shape, &mut |cg, idx| {
        apply(cg, &|cg, view, _| element_at(cg, view, idx))
    })?;
    cg.builder.build_unconditional_branch(done)?;
    cg.builder.position_at_end(done);
    Ok(out)
}

/// Element `i` (in C order) of a C-contiguous view of dtype `dtype`.
fn flat_element<'ctx>(
    cg: &Codegen<'ctx>,
    view: &View<'ctx>,
    dtype: Scalar,
    i: IntValue<'ctx>,
) -> Result<PointerValue<'ctx>> {
    let b = &cg.builder;
    let itemsize = cg.ctx.i64_type().const_int(dtype.itemsize() as u64, false);
    let offset = b.build_int_nsw_mul(i, itemsize, "")?;
    // SAFETY: `i` < the view's size, and the view is C-contiguous.
    Ok(unsafe { b.build_gep(cg.ctx.i8_type(), view.ptr, &[offset], "")? })
}
