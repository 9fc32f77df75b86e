//! Slices: slice values, views of slices (`a[1:n:2, j]`), and slice
//! assignment with NumPy's broadcasting and overlap rules.

use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

use super::create::empty;
use super::{array_type, element_at, locate, nd_loop, release, View};
use crate::codegen::context::Codegen;
use crate::codegen::memory::{load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::types::Type;

/// `start:stop:step` as a value: the three int64 parts.
pub fn slice_value<'ctx>(
    cg: &Codegen<'ctx>,
    parts: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let ty = cg
        .llvm_type(&Type::Slice)?
        .ok_or_else(|| CompileError::internal("slice type"))?
        .into_struct_type();
    let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
    for (k, p) in parts.iter().enumerate() {
        agg = cg.builder.build_insert_value(agg, *p, k as u32, "")?;
    }
    Ok(agg.into_struct_value().into())
}

/// Python's `slice.indices(n)` and the length of the result: the first
/// index, the step and the number of elements of `start:stop:step` on an
/// axis of `n` (parts equal to `Type::SLICE_OMITTED` were omitted). A zero
/// step raises `ValueError`.
fn slice_indices<'ctx>(
    cg: &Codegen<'ctx>,
    slice: BasicValueEnum<'ctx>,
    n: IntValue<'ctx>,
) -> Result<(IntValue<'ctx>, IntValue<'ctx>, IntValue<'ctx>)> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let s = slice.into_struct_value();
    let part = |k: u32| -> Result<IntValue<'ctx>> {
        Ok(b.build_extract_value(s, k, "")?.into_int_value())
    };
    let (start, stop, step) = (part(0)?, part(1)?, part(2)?);
    let omitted = i64t.const_int(Type::SLICE_OMITTED as u64, false);
    let zero = i64t.const_zero();
    let one = i64t.const_int(1, false);
    let minus_one = i64t.const_all_ones();
    let is_omitted = |v: IntValue<'ctx>| b.build_int_compare(IntPredicate::EQ, v, omitted, "");
    let select =
        |c: IntValue<'ctx>, x: IntValue<'ctx>, y: IntValue<'ctx>| -> Result<IntValue<'ctx>> {
            Ok(b.build_select(c, x, y, "")?.into_int_value())
        };
    let step = select(is_omitted(step)?, one, step)?;
    let nonzero = b.build_int_compare(IntPredicate::NE, step, zero, "")?;
    crate::codegen::raise::value_error_unless(
        cg,
        nonzero,
        "slice.step",
        crate::engine::runtime::ValueErrorKind::ZeroStep,
    )?;
    let b = &cg.builder;
    let select =
        |c: IntValue<'ctx>, x: IntValue<'ctx>, y: IntValue<'ctx>| -> Result<IntValue<'ctx>> {
            Ok(b.build_select(c, x, y, "")?.into_int_value())
        };
    let backwards = b.build_int_compare(IntPredicate::SLT, step, zero, "")?;
    let n_minus_1 = b.build_int_sub(n, one, "")?;
    // A bound as CPython's PySlice_AdjustIndices clamps it.
    let adjust = |v: IntValue<'ctx>,
                  default_fwd: IntValue<'ctx>,
                  default_back: IntValue<'ctx>|
     -> Result<IntValue<'ctx>> {
        let negative = b.build_int_compare(IntPredicate::SLT, v, zero, "")?;
        let shifted = b.build_int_add(v, n, "")?;
        let still_negative = b.build_int_compare(IntPredicate::SLT, shifted, zero, "")?;
        let low = select(backwards, minus_one, zero)?;
        let from_negative = select(still_negative, low, shifted)?;
        let too_big = b.build_int_compare(IntPredicate::SGE, v, n, "")?;
        let high = select(backwards, n_minus_1, n)?;
        let from_positive = select(too_big, high, v)?;
        let adjusted = select(negative, from_negative, from_positive)?;
        let default = select(backwards, default_back, default_fwd)?;
        select(
            b.build_int_compare(IntPredicate::EQ, v, omitted, "")?,
            default,
            adjusted,
        )
    };
    let start = adjust(start, zero, n_minus_1)?;
    let stop = adjust(stop, n, minus_one)?;
    // len = step > 0 ? (start < stop ? (stop - start - 1) / step + 1 : 0)
    //                : (stop < start ? (start - stop - 1) / -step + 1 : 0)
    let fwd_nonempty = b.build_int_compare(IntPredicate::SLT, start, stop, "")?;
    let fwd_len = b.build_int_add(
        b.build_int_signed_div(
            b.build_int_sub(b.build_int_sub(stop, start, "")?, one, "")?,
            step,
            "",
        )?,
        one,
        "",
    )?;
    let fwd = select(fwd_nonempty, fwd_len, zero)?;
    let back_nonempty = b.build_int_compare(IntPredicate::SLT, stop, start, "")?;
    let neg_step = b.build_int_neg(step, "")?;
    let safe_neg_step = select(backwards, neg_step, one)?;
    let back_len = b.build_int_add(
        b.build_int_signed_div(
            b.build_int_sub(b.build_int_sub(start, stop, "")?, one, "")?,
            safe_neg_step,
            "",
        )?,
        one,
        "",
    )?;
    let back = select(back_nonempty, back_len, zero)?;
    let len = select(backwards, back, fwd)?;
    Ok((start, step, len))
}

/// `a[1:n:2, j]`: the view `items` (an int64 index or a slice per leading
/// axis) select.
pub(super) fn subscript<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    item_types: &[Type],
    array: BasicValueEnum<'ctx>,
    items: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = array_type(t, "slicing")?;
    let view = View::unpack(cg, at, array)?;
    let i64t = cg.ctx.i64_type();
    let mut offset = i64t.const_zero();
    let (mut shape, mut strides) = (vec![], vec![]);
    for (axis, (it, item)) in item_types.iter().zip(items).enumerate() {
        let (n, stride) = (view.shape[axis], view.strides[axis]);
        if *it == Type::Slice {
            let (start, step, len) = slice_indices(cg, *item, n)?;
            let b = &cg.builder;
            offset = b.build_int_add(offset, b.build_int_mul(start, stride, "")?, "")?;
            shape.push(len);
            strides.push(b.build_int_mul(stride, step, "")?);
        } else {
            let one = locate(
                cg,
                &View {
                    ptr: view.ptr,
                    owner: view.owner,
                    shape: vec![n],
                    strides: vec![stride],
                },
                &[*item],
            )?;
            let b = &cg.builder;
            let here = b.build_ptr_diff(cg.ctx.i8_type(), one.ptr, view.ptr, "")?;
            offset = b.build_int_add(offset, here, "")?;
        }
    }
    shape.extend_from_slice(&view.shape[items.len()..]);
    strides.extend_from_slice(&view.strides[items.len()..]);
    // SAFETY: an offset within the view for valid items (or one past it for
    // an empty slice, never dereferenced).
    let ptr = unsafe {
        cg.builder
            .build_gep(cg.ctx.i8_type(), view.ptr, &[offset], "subscript")?
    };
    View {
        ptr,
        owner: view.owner,
        shape,
        strides,
    }
    .pack(cg)
}

/// `a[...] = value`: every element of the view `target` set from a scalar
/// of its dtype, or from an array broadcast to its shape (NumPy's rules:
/// trailing axes line up, size 1 repeats, anything else is a
/// `ValueError`). An array that may overlap the target is copied first.
pub(super) fn assign<'ctx>(
    cg: &mut Codegen<'ctx>,
    t: &Type,
    value_type: &Type,
    target: BasicValueEnum<'ctx>,
    value: BasicValueEnum<'ctx>,
) -> Result<()> {
    let at = *array_type(t, "assigning")?;
    let view = View::unpack(cg, &at, target)?;
    let Type::Array(vt) = value_type else {
        let shape = view.shape.clone();
        return nd_loop(cg, &shape, &mut |cg, idx| {
            let p = element_at(cg, &view, idx)?;
            store_scalar(cg, at.dtype, p, value)
        });
    };
    let vt = *vt;
    let source = View::unpack(cg, &vt, value)?;
    let i64t = cg.ctx.i64_type();
    let (n, m) = (view.shape.len(), source.shape.len());
    // The source's shape broadcast to the target's: its strides, 0 where it
    // repeats.
    // Extra leading axes of the source must have length 1 (NumPy drops
    // them).
    let mut ok = cg.ctx.bool_type().const_int(1, false);
    for axis in 0..m.saturating_sub(n) {
        let b = &cg.builder;
        let unit = b.build_int_compare(
            IntPredicate::EQ,
            source.shape[axis],
            i64t.const_int(1, false),
            "",
        )?;
        ok = b.build_and(ok, unit, "")?;
    }
    let mut strides = vec![i64t.const_zero(); n];
    for j in 0..m.min(n) {
        let (axis, src_axis) = (n - 1 - j, m - 1 - j);
        let b = &cg.builder;
        let (size, want) = (source.shape[src_axis], view.shape[axis]);
        let same = b.build_int_compare(IntPredicate::EQ, size, want, "")?;
        let single = b.build_int_compare(IntPredicate::EQ, size, i64t.const_int(1, false), "")?;
        ok = b.build_and(ok, b.build_or(same, single, "")?, "")?;
        strides[axis] = b
            .build_select(single, i64t.const_zero(), source.strides[src_axis], "")?
            .into_int_value();
    }
    crate::codegen::raise::value_error_unless(
        cg,
        ok,
        "broadcast",
        crate::engine::runtime::ValueErrorKind::Broadcast,
    )?;
    let broadcast = View {
        ptr: source.ptr,
        owner: source.owner,
        shape: view.shape.clone(),
        strides,
    };
    // Overlap: the byte ranges the two views span intersect (as NumPy, copy
    // the source first then).
    let disjoint = disjoint(
        cg,
        (&view, at.dtype.itemsize()),
        (&broadcast, vt.dtype.itemsize()),
    )?;
    let b = &cg.builder;
    let f = b
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("assigning outside a function"))?;
    let direct = cg.ctx.append_basic_block(f, "assign.direct");
    let copy = cg.ctx.append_basic_block(f, "assign.copy");
    let done = cg.ctx.append_basic_block(f, "assign.done");
    cg.builder
        .build_conditional_branch(disjoint, direct, copy)?;
    let copy_elements = |cg: &mut Codegen<'ctx>,
                         from: &View<'ctx>,
                         from_type: crate::types::Scalar|
     -> Result<()> {
        let shape = view.shape.clone();
        nd_loop(cg, &shape, &mut |cg, idx| {
            let src = element_at(cg, from, idx)?;
            let v = load_scalar(cg, from_type, src)?;
            let v = crate::codegen::scalar::cast(
                cg,
                &Type::Scalar(from_type),
                &Type::Scalar(at.dtype),
                v,
            )?;
            let dst = element_at(cg, &view, idx)?;
            store_scalar(cg, at.dtype, dst, v)
        })
    };
    cg.builder.position_at_end(direct);
    copy_elements(cg, &broadcast, vt.dtype)?;
    cg.builder.build_unconditional_branch(done)?;
    // Overlapping: the target's dtype, converted into a temporary first.
    cg.builder.position_at_end(copy);
    let shape = view.shape.clone();
    let temp_type = Type::Array(crate::types::ArrayType {
        dtype: at.dtype,
        ndim: n as u32,
        layout: crate::types::Layout::C,
        readonly: false,
        memory: crate::types::Memory::Owned,
    });
    let dims: Vec<BasicValueEnum<'ctx>> = shape.iter().map(|d| (*d).into()).collect();
    let temp = empty(cg, &temp_type, &dims)?;
    let temp_view = View::unpack(cg, array_type(&temp_type, "a temporary")?, temp)?;
    nd_loop(cg, &shape, &mut |cg, idx| {
        let src = element_at(cg, &broadcast, idx)?;
        let v = load_scalar(cg, vt.dtype, src)?;
        let v =
            crate::codegen::scalar::cast(cg, &Type::Scalar(vt.dtype), &Type::Scalar(at.dtype), v)?;
        let dst = element_at(cg, &temp_view, idx)?;
        store_scalar(cg, at.dtype, dst, v)
    })?;
    copy_elements(cg, &temp_view, at.dtype)?;
    release(cg, &temp_type, temp)?;
    cg.builder.build_unconditional_branch(done)?;
    cg.builder.position_at_end(done);
    Ok(())
}

/// Whether two views (with their item sizes) span byte ranges that do not
/// intersect (`extent`).
pub(super) fn disjoint<'ctx>(
    cg: &Codegen<'ctx>,
    a: (&View<'ctx>, usize),
    b: (&View<'ctx>, usize),
) -> Result<IntValue<'ctx>> {
    let (lo_a, hi_a) = extent(cg, a.0, a.1)?;
    let (lo_b, hi_b) = extent(cg, b.0, b.1)?;
    let bd = &cg.builder;
    Ok(bd.build_or(
        bd.build_int_compare(IntPredicate::ULE, hi_a, lo_b, "")?,
        bd.build_int_compare(IntPredicate::ULE, hi_b, lo_a, "")?,
        "",
    )?)
}

/// The byte range `[low, high)` a view's elements lie in (as integers).
fn extent<'ctx>(
    cg: &Codegen<'ctx>,
    view: &View<'ctx>,
    itemsize: usize,
) -> Result<(IntValue<'ctx>, IntValue<'ctx>)> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let base = b.build_ptr_to_int(view.ptr, i64t, "")?;
    let (mut low, mut high) = (
        base,
        b.build_int_add(base, i64t.const_int(itemsize as u64, false), "")?,
    );
    let mut empty = cg.ctx.bool_type().const_zero();
    for (n, s) in view.shape.iter().zip(&view.strides) {
        let last = b.build_int_mul(b.build_int_sub(*n, i64t.const_int(1, false), "")?, *s, "")?;
        let negative = b.build_int_compare(IntPredicate::SLT, last, i64t.const_zero(), "")?;
        let down = b
            .build_select(negative, last, i64t.const_zero(), "")?
            .into_int_value();
        let up = b
            .build_select(negative, i64t.const_zero(), last, "")?
            .into_int_value();
        low = b.build_int_add(low, down, "")?;
        high = b.build_int_add(high, up, "")?;
        let zero_len = b.build_int_compare(IntPredicate::EQ, *n, i64t.const_zero(), "")?;
        empty = b.build_or(empty, zero_len, "")?;
    }
    // An empty view spans nothing.
    let high = b.build_select(empty, low, high, "")?.into_int_value();
    Ok((low, high))
}
