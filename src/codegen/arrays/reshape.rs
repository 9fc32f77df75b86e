//! `a.reshape(dims)`, `a.ravel()`, `a.flatten()`: the sizes checked and
//! the unknown one (-1) worked out as NumPy does, then a C-contiguous view
//! of the same memory when the array is C-contiguous at run time, or a
//! C-contiguous copy when it is not. Either way the result holds a
//! reference of its own.

use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

use super::create::empty;
use super::{array_type, element_at, nd_loop, View};
use crate::codegen::context::Codegen;
use crate::codegen::memory::{element_ptr, load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::types::{Layout, Type};

pub(super) fn reshape<'ctx>(
    cg: &mut Codegen<'ctx>,
    t: &Type,
    rty: &Type,
    a: BasicValueEnum<'ctx>,
    dims: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(t, "reshape")?;
    let view = View::unpack(cg, &at, a)?;
    let i64t = cg.ctx.i64_type();
    let dims: Vec<IntValue<'ctx>> = dims.iter().map(|d| d.into_int_value()).collect();
    let b = &cg.builder;
    let mut size = i64t.const_int(1, false);
    for d in &view.shape {
        size = b.build_int_mul(size, *d, "")?;
    }
    let dims = resolve_sizes(cg, size, &dims)?;

    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    let contiguous = if at.layout == Layout::C || at.ndim == 0 {
        cg.ctx.bool_type().const_int(1, false)
    } else {
        c_contiguous(cg, &view, itemsize, size)?
    };
    let b = &cg.builder;
    let f = b
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("reshape outside a function"))?;
    let as_view = cg.ctx.append_basic_block(f, "reshape.view");
    let as_copy = cg.ctx.append_basic_block(f, "reshape.copy");
    let done = cg.ctx.append_basic_block(f, "reshape.done");
    b.build_conditional_branch(contiguous, as_view, as_copy)?;

    // The same memory, one more reference to its owner.
    b.position_at_end(as_view);
    let incref = cg.external(
        "jitufunc_rt_incref",
        cg.ctx.void_type().fn_type(&[cg.ptr_type().into()], false),
    );
    cg.builder.build_call(incref, &[view.owner.into()], "")?;
    let mut strides = vec![itemsize; dims.len()];
    let mut stride = itemsize;
    for k in (0..dims.len()).rev() {
        strides[k] = stride;
        stride = cg.builder.build_int_mul(stride, dims[k], "")?;
    }
    let viewed = View {
        ptr: view.ptr,
        owner: view.owner,
        shape: dims.clone(),
        strides,
    }
    .pack(cg)?;
    let from_view = cg.builder.get_insert_block().expect("positioned");
    cg.builder.build_unconditional_branch(done)?;

    // A new array, filled in C order.
    cg.builder.position_at_end(as_copy);
    let dim_values: Vec<BasicValueEnum<'ctx>> = dims.iter().map(|d| (*d).into()).collect();
    let copied = empty(cg, rty, &dim_values)?;
    let out = View::unpack(cg, array_type(rty, "reshape")?, copied)?.ptr;
    let next = cg.entry_alloca(i64t, "reshape.next")?;
    cg.builder.build_store(next, i64t.const_zero())?;
    let shape = view.shape.clone();
    nd_loop(cg, &shape, &mut |cg, idx| {
        let v = load_scalar(cg, at.dtype, element_at(cg, &view, idx)?)?;
        let b = &cg.builder;
        let n = b.build_load(i64t, next, "")?.into_int_value();
        store_scalar(cg, at.dtype, element_ptr(cg, out, n, itemsize)?, v)?;
        let b = &cg.builder;
        b.build_store(next, b.build_int_add(n, i64t.const_int(1, false), "")?)?;
        Ok(())
    })?;
    let from_copy = cg.builder.get_insert_block().expect("positioned");
    cg.builder.build_unconditional_branch(done)?;

    cg.builder.position_at_end(done);
    let phi = cg.builder.build_phi(viewed.get_type(), "reshaped")?;
    phi.add_incoming(&[(&viewed, from_view), (&copied, from_copy)]);
    Ok(phi.as_basic_value())
}

/// The sizes with -1 replaced by what the others leave of `size`; a
/// `ValueError` (NumPy's message) when there is more than one -1, a size
/// below -1, or sizes that do not multiply to `size`.
fn resolve_sizes<'ctx>(
    cg: &Codegen<'ctx>,
    size: IntValue<'ctx>,
    dims: &[IntValue<'ctx>],
) -> Result<Vec<IntValue<'ctx>>> {
    let i64t = cg.ctx.i64_type();
    let b = &cg.builder;
    let zero = i64t.const_zero();
    let one = i64t.const_int(1, false);
    let minus_one = i64t.const_all_ones();
    let mut unknown = zero;
    let mut known = one;
    let mut negative = cg.ctx.bool_type().const_zero();
    for d in dims {
        let is_unknown = b.build_int_compare(IntPredicate::EQ, *d, minus_one, "")?;
        unknown = b.build_int_add(unknown, b.build_int_z_extend(is_unknown, i64t, "")?, "")?;
        let factor = b.build_select(is_unknown, one, *d, "")?.into_int_value();
        known = b.build_int_mul(known, factor, "")?;
        let below = b.build_int_compare(IntPredicate::SLT, *d, minus_one, "")?;
        negative = b.build_or(negative, below, "")?;
    }
    let known_nonzero = b.build_int_compare(IntPredicate::NE, known, zero, "")?;
    let divisor = b
        .build_select(known_nonzero, known, one, "")?
        .into_int_value();
    let inferred = b.build_int_signed_div(size, divisor, "inferred")?;
    let remainder = b.build_int_signed_rem(size, divisor, "")?;
    let one_unknown = b.build_int_compare(IntPredicate::EQ, unknown, one, "")?;
    let divides = b.build_int_compare(IntPredicate::EQ, remainder, zero, "")?;
    let fits_unknown = b.build_and(one_unknown, b.build_and(known_nonzero, divides, "")?, "")?;
    let no_unknown = b.build_int_compare(IntPredicate::EQ, unknown, zero, "")?;
    let same_size = b.build_int_compare(IntPredicate::EQ, known, size, "")?;
    let fits_known = b.build_and(no_unknown, same_size, "")?;
    let fits = b.build_or(fits_unknown, fits_known, "")?;
    let ok = b.build_and(fits, b.build_not(negative, "")?, "reshape.ok")?;
    crate::codegen::raise::fail_unless(cg, ok, "reshape", |cg| {
        let slots = cg.entry_alloca(i64t.array_type(dims.len().max(1) as u32), "reshape.dims")?;
        for (k, d) in dims.iter().enumerate() {
            // SAFETY: `k` is within the array of `dims.len()` slots.
            let slot = unsafe {
                cg.builder.build_gep(
                    i64t.array_type(dims.len().max(1) as u32),
                    slots,
                    &[zero, i64t.const_int(k as u64, false)],
                    "",
                )?
            };
            cg.builder.build_store(slot, *d)?;
        }
        let report = cg.external(
            "jitufunc_rt_reshape_error",
            cg.ctx
                .void_type()
                .fn_type(&[i64t.into(), i64t.into(), cg.ptr_type().into()], false),
        );
        let ndim = i64t.const_int(dims.len() as u64, false);
        cg.builder
            .build_call(report, &[size.into(), ndim.into(), slots.into()], "")?;
        Ok(())
    })?;
    let b = &cg.builder;
    dims.iter()
        .map(|d| {
            let is_unknown = b.build_int_compare(IntPredicate::EQ, *d, minus_one, "")?;
            Ok(b.build_select(is_unknown, inferred, *d, "")?
                .into_int_value())
        })
        .collect()
}

/// Whether `view` is C-contiguous at run time, as NumPy judges it: strides
/// of axes of length 1 do not matter, and an empty array is contiguous.
fn c_contiguous<'ctx>(
    cg: &Codegen<'ctx>,
    view: &View<'ctx>,
    itemsize: IntValue<'ctx>,
    size: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let one = i64t.const_int(1, false);
    let mut ok = cg.ctx.bool_type().const_int(1, false);
    let mut expected = itemsize;
    for k in (0..view.shape.len()).rev() {
        let unit = b.build_int_compare(IntPredicate::EQ, view.shape[k], one, "")?;
        let matches = b.build_int_compare(IntPredicate::EQ, view.strides[k], expected, "")?;
        ok = b.build_and(ok, b.build_or(unit, matches, "")?, "")?;
        expected = b.build_int_mul(expected, view.shape[k], "")?;
    }
    let empty = b.build_int_compare(IntPredicate::EQ, size, i64t.const_zero(), "")?;
    Ok(b.build_or(ok, empty, "contiguous")?)
}

/// `Op::Array(MoveAxesToEnd)`: the view of `a` with axes `axes` (run-time
/// int64s, negative from the end) moved to the end in their order, the
/// other axes keeping theirs. Each new axis is picked from the old ones
/// by comparisons (`select` chains over at most 32 axes), so no loop is
/// emitted.
pub(super) fn move_axes_to_end<'ctx>(
    cg: &Codegen<'ctx>,
    at: &crate::types::ArrayType,
    a: BasicValueEnum<'ctx>,
    axes: &[IntValue<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    use crate::engine::runtime::ValueErrorKind;
    let view = View::unpack(cg, at, a)?;
    let n = view.shape.len();
    let i64t = cg.ctx.i64_type();
    let b = &cg.builder;
    let zero = i64t.const_zero();
    let ndim = i64t.const_int(n as u64, false);
    let mut ks = vec![];
    let mut ok = cg.ctx.bool_type().const_int(1, false);
    for &k in axes {
        let negative = b.build_int_compare(IntPredicate::SLT, k, zero, "")?;
        let k = b
            .build_select(negative, b.build_int_add(k, ndim, "")?, k, "axis")?
            .into_int_value();
        let low = b.build_int_compare(IntPredicate::SGE, k, zero, "")?;
        let high = b.build_int_compare(IntPredicate::SLT, k, ndim, "")?;
        ok = b.build_and(ok, b.build_and(low, high, "")?, "")?;
        ks.push(k);
    }
    crate::codegen::raise::value_error_unless(cg, ok, "axis", ValueErrorKind::AxisOutOfBounds)?;
    let b = &cg.builder;
    let mut distinct = cg.ctx.bool_type().const_int(1, false);
    for (i, x) in ks.iter().enumerate() {
        for y in &ks[i + 1..] {
            let differ = b.build_int_compare(IntPredicate::NE, *x, *y, "")?;
            distinct = b.build_and(distinct, differ, "")?;
        }
    }
    crate::codegen::raise::value_error_unless(cg, distinct, "axis", ValueErrorKind::DuplicateAxis)?;
    let b = &cg.builder;
    // Which old axes move, and each staying axis's new position.
    let mut moved = vec![];
    let mut rank = vec![];
    let mut count = zero;
    for j in 0..n {
        let jv = i64t.const_int(j as u64, false);
        let mut m = cg.ctx.bool_type().const_zero();
        for k in &ks {
            m = b.build_or(m, b.build_int_compare(IntPredicate::EQ, *k, jv, "")?, "")?;
        }
        moved.push(m);
        rank.push(count);
        let stays = b.build_int_z_extend(b.build_not(m, "")?, i64t, "")?;
        count = b.build_int_add(count, stays, "")?;
    }
    let pick = |wanted: &dyn Fn(usize) -> Result<IntValue<'ctx>>| -> Result<(IntValue<'ctx>, IntValue<'ctx>)> {
        let (mut size, mut stride) = (zero, zero);
        for j in 0..n {
            let w = wanted(j)?;
            size = b.build_select(w, view.shape[j], size, "")?.into_int_value();
            stride = b.build_select(w, view.strides[j], stride, "")?.into_int_value();
        }
        Ok((size, stride))
    };
    let mut shape = vec![];
    let mut strides = vec![];
    for p in 0..n - ks.len() {
        let pv = i64t.const_int(p as u64, false);
        let (s, t) = pick(&|j| {
            let here = b.build_int_compare(IntPredicate::EQ, rank[j], pv, "")?;
            Ok(b.build_and(b.build_not(moved[j], "")?, here, "")?)
        })?;
        shape.push(s);
        strides.push(t);
    }
    for k in &ks {
        let (s, t) = pick(&|j| {
            let jv = i64t.const_int(j as u64, false);
            Ok(b.build_int_compare(IntPredicate::EQ, *k, jv, "")?)
        })?;
        shape.push(s);
        strides.push(t);
    }
    View {
        ptr: view.ptr,
        owner: view.owner,
        shape,
        strides,
    }
    .pack(cg)
}
