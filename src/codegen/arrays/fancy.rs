//! Indexing with integer arrays and boolean masks (NumPy's advanced
//! indexing over the leading axes): `array.take` gathers into a new array,
//! `array.put` scatters into the array, `array.checkmask` checks a mask's
//! shape against the axes it selects. A mask reaches them as the index
//! arrays `np.nonzero` makes of it.

use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

use super::create::empty;
use super::{array_type, check_index, element_at, nd_loop, release, View};
use crate::builtins::PyException;
use crate::codegen::context::Codegen;
use crate::codegen::memory::{element_ptr, load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::types::{ArrayType, Layout, Memory, Type};

/// The index arrays of a take or put: their views and dtypes; `IndexError`
/// unless they all have one shape (NumPy broadcasts them; equal shapes are
/// what `np.nonzero` gives and what is supported).
fn index_views<'ctx>(
    cg: &Codegen<'ctx>,
    types: &[Type],
    vals: &[BasicValueEnum<'ctx>],
) -> Result<Vec<(View<'ctx>, ArrayType)>> {
    let mut out = vec![];
    for (t, v) in types.iter().zip(vals) {
        let at = *array_type(t, "an index array")?;
        out.push((View::unpack(cg, &at, *v)?, at));
    }
    let b = &cg.builder;
    let mut same = cg.ctx.bool_type().const_int(1, false);
    for (v, _) in &out[1..] {
        if v.shape.len() != out[0].0.shape.len() {
            same = cg.ctx.bool_type().const_zero();
            break;
        }
        for (x, y) in v.shape.iter().zip(&out[0].0.shape) {
            same = b.build_and(same, b.build_int_compare(IntPredicate::EQ, *x, *y, "")?, "")?;
        }
    }
    raise_index_error_unless(
        cg,
        same,
        "shape mismatch: indexing arrays could not be broadcast together (index arrays of one shape are supported)",
    )?;
    Ok(out)
}

fn raise_index_error_unless<'ctx>(
    cg: &Codegen<'ctx>,
    ok: IntValue<'ctx>,
    message: &str,
) -> Result<()> {
    crate::codegen::raise::fail_unless(cg, ok, "fancy", |cg| {
        let text = cg
            .builder
            .build_global_string_ptr(message, "fancy.message")?;
        let i32t = cg.ctx.i32_type();
        let raise = cg.external(
            "jitufunc_rt_raise",
            cg.ctx
                .void_type()
                .fn_type(&[i32t.into(), cg.ptr_type().into()], false),
        );
        cg.builder.build_call(
            raise,
            &[
                i32t.const_int(PyException::IndexError as u64, false).into(),
                text.as_pointer_value().into(),
            ],
            "",
        )?;
        Ok(())
    })
}

/// Index `at` of index array `axis`, as int64, and with Python's
/// negative indices counted from the end of that axis of `a`.
fn index_at<'ctx>(
    cg: &Codegen<'ctx>,
    a: &View<'ctx>,
    (iv, it): &(View<'ctx>, ArrayType),
    axis: usize,
    at: &[IntValue<'ctx>],
) -> Result<(IntValue<'ctx>, IntValue<'ctx>)> {
    let i64t = cg.ctx.i64_type();
    let raw = load_scalar(cg, it.dtype, element_at(cg, iv, at)?)?;
    let i = crate::codegen::scalar::cast(cg, &Type::Scalar(it.dtype), &Type::I64, raw)?
        .into_int_value();
    let n = a.shape[axis];
    let b = &cg.builder;
    let negative = b.build_int_compare(IntPredicate::SLT, i, i64t.const_zero(), "")?;
    let wrapped = b
        .build_select(negative, b.build_int_add(i, n, "")?, i, "")?
        .into_int_value();
    Ok((i, wrapped))
}

/// Checks every index before anything is allocated or written, one index
/// array after the other (NumPy's order, so the first bad index of the
/// first array is the one reported): `IndexError` out of range.
fn check_indices<'ctx>(
    cg: &mut Codegen<'ctx>,
    a: &View<'ctx>,
    indices: &[(View<'ctx>, ArrayType)],
) -> Result<()> {
    let outer = indices[0].0.shape.clone();
    for (axis, index) in indices.iter().enumerate() {
        nd_loop(cg, &outer, &mut |cg, at| {
            let (i, wrapped) = index_at(cg, a, index, axis, at)?;
            check_index(cg, i, wrapped, axis, a.shape[axis])
        })?;
    }
    Ok(())
}

/// The element of `a` the (checked) index arrays pick at position `at` of
/// their shape: the view of the axes they do not index.
fn picked<'ctx>(
    cg: &Codegen<'ctx>,
    a: &View<'ctx>,
    indices: &[(View<'ctx>, ArrayType)],
    at: &[IntValue<'ctx>],
) -> Result<View<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let mut offset = i64t.const_zero();
    for (axis, index) in indices.iter().enumerate() {
        let (_, wrapped) = index_at(cg, a, index, axis, at)?;
        let b = &cg.builder;
        offset = b.build_int_add(offset, b.build_int_mul(wrapped, a.strides[axis], "")?, "")?;
    }
    let k = indices.len();
    // SAFETY: every index was checked against its axis.
    let ptr = unsafe {
        cg.builder
            .build_gep(cg.ctx.i8_type(), a.ptr, &[offset], "picked")?
    };
    Ok(View {
        ptr,
        owner: a.owner,
        shape: a.shape[k..].to_vec(),
        strides: a.strides[k..].to_vec(),
    })
}

/// `a[idx]`, `a[i0, i1]` with integer arrays (of one shape S): a new
/// C-ordered array of shape `S + a.shape[k:]`.
pub(super) fn take<'ctx>(
    cg: &mut Codegen<'ctx>,
    types: &[Type],
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(&types[0], "take")?;
    let a = View::unpack(cg, &at, vals[0])?;
    let indices = index_views(cg, &types[1..], &vals[1..])?;
    check_indices(cg, &a, &indices)?;
    let outer = indices[0].0.shape.clone();
    let mut dims: Vec<BasicValueEnum<'ctx>> = outer.iter().map(|d| (*d).into()).collect();
    dims.extend(
        a.shape[indices.len()..]
            .iter()
            .map(|d| BasicValueEnum::from(*d)),
    );
    let out = empty(cg, rty, &dims)?;
    let out_ptr = View::unpack(cg, array_type(rty, "take")?, out)?.ptr;
    let i64t = cg.ctx.i64_type();
    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    let next = cg.entry_alloca(i64t, "take.next")?;
    cg.builder.build_store(next, i64t.const_zero())?;
    nd_loop(cg, &outer, &mut |cg, at_index| {
        let row = picked(cg, &a, &indices, at_index)?;
        let inner = row.shape.clone();
        nd_loop(cg, &inner, &mut |cg, t| {
            let v = load_scalar(cg, at.dtype, element_at(cg, &row, t)?)?;
            let n = cg.builder.build_load(i64t, next, "")?.into_int_value();
            store_scalar(cg, at.dtype, element_ptr(cg, out_ptr, n, itemsize)?, v)?;
            let b = &cg.builder;
            b.build_store(next, b.build_int_add(n, i64t.const_int(1, false), "")?)?;
            Ok(())
        })
    })?;
    Ok(out)
}

/// `a[idx] = value`, `a[mask] = value`: every picked sub-array set from a
/// scalar (of `a`'s dtype) or from an array broadcast to `S + a.shape[k:]`
/// (copied first, so a value that overlaps `a` is read before any write;
/// with repeated indices the last write stays, as in NumPy).
pub(super) fn put<'ctx>(
    cg: &mut Codegen<'ctx>,
    types: &[Type],
    vals: &[BasicValueEnum<'ctx>],
) -> Result<()> {
    let n = vals.len();
    let at = *array_type(&types[0], "put")?;
    let a = View::unpack(cg, &at, vals[0])?;
    let indices = index_views(cg, &types[1..n - 1], &vals[1..n - 1])?;
    check_indices(cg, &a, &indices)?;
    let outer = indices[0].0.shape.clone();
    let (value_type, value) = (&types[n - 1], vals[n - 1]);
    let Type::Array(vt) = value_type else {
        return nd_loop(cg, &outer, &mut |cg, at_index| {
            let row = picked(cg, &a, &indices, at_index)?;
            let inner = row.shape.clone();
            nd_loop(cg, &inner, &mut |cg, t| {
                store_scalar(cg, at.dtype, element_at(cg, &row, t)?, value)
            })
        });
    };
    // The value, broadcast to the picked shape, in a temporary of a's dtype.
    let mut shape = outer.clone();
    shape.extend_from_slice(&a.shape[indices.len()..]);
    let temp_type = Type::Array(ArrayType {
        dtype: at.dtype,
        ndim: shape.len() as u32,
        layout: Layout::C,
        readonly: false,
        memory: Memory::Owned,
    });
    let dims: Vec<BasicValueEnum<'ctx>> = shape.iter().map(|d| (*d).into()).collect();
    let temp = empty(cg, &temp_type, &dims)?;
    super::slicing::assign(cg, &temp_type, &Type::Array(*vt), temp, value)?;
    let temp_view = View::unpack(cg, array_type(&temp_type, "a temporary")?, temp)?;
    let k = outer.len();
    nd_loop(cg, &outer, &mut |cg, at_index| {
        let row = picked(cg, &a, &indices, at_index)?;
        let inner = row.shape.clone();
        nd_loop(cg, &inner, &mut |cg, t| {
            let mut full = at_index.to_vec();
            full.extend_from_slice(t);
            debug_assert_eq!(full.len(), k + t.len());
            let v = load_scalar(cg, at.dtype, element_at(cg, &temp_view, &full)?)?;
            store_scalar(cg, at.dtype, element_at(cg, &row, t)?, v)
        })
    })?;
    release(cg, &temp_type, temp)
}

/// A boolean mask selecting the leading axes of `a` must have their
/// shape: NumPy's `IndexError` otherwise.
pub(super) fn check_mask<'ctx>(
    cg: &Codegen<'ctx>,
    types: &[Type],
    vals: &[BasicValueEnum<'ctx>],
) -> Result<()> {
    let a = View::unpack(cg, array_type(&types[0], "a masked array")?, vals[0])?;
    let m = View::unpack(cg, array_type(&types[1], "a mask")?, vals[1])?;
    if m.shape.len() > a.shape.len() {
        return Err(CompileError::internal("a mask of more axes than the array"));
    }
    let i64t = cg.ctx.i64_type();
    for (axis, (x, y)) in m.shape.iter().zip(&a.shape).enumerate() {
        let same = cg.builder.build_int_compare(IntPredicate::EQ, *x, *y, "")?;
        crate::codegen::raise::raise_unless(
            cg,
            same,
            "mask",
            "jitufunc_rt_mask_error",
            &[i64t.into(), i64t.into(), i64t.into()],
            &[
                i64t.const_int(axis as u64, false).into(),
                (*y).into(),
                (*x).into(),
            ],
        )?;
    }
    Ok(())
}
