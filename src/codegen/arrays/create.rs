//! Arrays compiled code makes: `np.empty` (and the fills of `np.zeros`,
//! `np.ones`, `np.full`), `np.arange`, `np.eye`, `np.linspace`.

use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

use super::{array_type, View};
use crate::codegen::context::Codegen;
use crate::codegen::memory::{element_ptr, store_scalar};
use crate::error::{CompileError, Result};
use crate::types::Type;

/// `np.empty(dims)`: checks the sizes, allocates a block
/// (`engine::memory`) and returns the C-contiguous view it owns.
pub(super) fn empty<'ctx>(
    cg: &Codegen<'ctx>,
    rty: &Type,
    dims: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = array_type(rty, "np.empty")?;
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let dims: Vec<IntValue<'ctx>> = dims.iter().map(|d| d.into_int_value()).collect();
    let mut nonnegative = cg.ctx.bool_type().const_int(1, false);
    for d in &dims {
        let ok = b.build_int_compare(IntPredicate::SGE, *d, i64t.const_zero(), "")?;
        nonnegative = b.build_and(nonnegative, ok, "")?;
    }
    let code = crate::engine::runtime::ValueErrorKind::NegativeDimensions;
    crate::codegen::raise::value_error_unless(cg, nonnegative, "dims", code)?;
    let b = &cg.builder;
    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    // C order: the last axis has the item size as its stride.
    let mut strides = vec![itemsize; dims.len()];
    let mut nbytes = itemsize;
    for k in (0..dims.len()).rev() {
        strides[k] = nbytes;
        nbytes = b.build_int_mul(nbytes, dims[k], "")?;
    }
    let alloc = cg.external(
        "jitufunc_rt_alloc",
        cg.ptr_type().fn_type(&[i64t.into()], false),
    );
    let block = cg.call_value(alloc, &[nbytes.into()])?.into_pointer_value();
    let allocated = cg.builder.build_is_not_null(block, "allocated")?;
    // The runtime reported the MemoryError.
    crate::codegen::raise::fail_unless(cg, allocated, "alloc", |_| Ok(()))?;
    let b = &cg.builder;
    // SAFETY: `MemBlock` is {i64 refcount, ptr data, ...}: data at byte 8.
    let data_field = unsafe {
        b.build_gep(
            cg.ctx.i8_type(),
            block,
            &[i64t.const_int(8, false)],
            "data.field",
        )?
    };
    let ptr = b
        .build_load(cg.ptr_type(), data_field, "data")?
        .into_pointer_value();
    View {
        ptr,
        owner: block,
        shape: dims,
        strides,
    }
    .pack(cg)
}

/// Sets every element of the C-contiguous array `v` to `value`.
pub(super) fn fill<'ctx>(
    cg: &mut Codegen<'ctx>,
    t: &Type,
    v: BasicValueEnum<'ctx>,
    value: BasicValueEnum<'ctx>,
) -> Result<()> {
    let at = *array_type(t, "fill")?;
    let view = View::unpack(cg, &at, v)?;
    let i64t = cg.ctx.i64_type();
    let mut n = i64t.const_int(1, false);
    for d in &view.shape {
        n = cg.builder.build_int_mul(n, *d, "")?;
    }
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("fill outside a function"))?;
    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    let data = view.ptr;
    crate::codegen::counted_loop::counted_loop(cg, f, n, "fill", &[], |cg, i| {
        let p = element_ptr(cg, data, i, itemsize)?;
        store_scalar(cg, at.dtype, p, value)
    })?;
    Ok(())
}

/// `np.arange(start, stop, step)` (bounds of type `bounds`: int64 or
/// float64): `ceil((stop - start) / step)` elements (none when negative),
/// element `i` being `start + i * step` converted to the result's dtype. A
/// zero step raises `ZeroDivisionError`, as NumPy does.
pub(super) fn arange<'ctx>(
    cg: &mut Codegen<'ctx>,
    bounds: &Type,
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(rty, "np.arange")?;
    let i64t = cg.ctx.i64_type();
    let i32t = cg.ctx.i32_type();
    let float = bounds.kind() == Some(crate::types::Kind::Float);
    let b = &cg.builder;
    let nonzero = if float {
        b.build_float_compare(
            inkwell::FloatPredicate::UNE,
            vals[2].into_float_value(),
            cg.ctx.f64_type().const_zero(),
            "",
        )?
    } else {
        b.build_int_compare(
            IntPredicate::NE,
            vals[2].into_int_value(),
            i64t.const_zero(),
            "",
        )?
    };
    crate::codegen::raise::raise_unless(
        cg,
        nonzero,
        "arange.step",
        "jitufunc_rt_zero_division",
        &[i32t.into()],
        &[i32t
            .const_int(crate::engine::runtime::ZeroDivision::Division as u64, false)
            .into()],
    )?;
    let b = &cg.builder;
    let len = if float {
        let (start, stop, step) = (
            vals[0].into_float_value(),
            vals[1].into_float_value(),
            vals[2].into_float_value(),
        );
        let q = b.build_float_div(b.build_float_sub(stop, start, "")?, step, "")?;
        let ceil = inkwell::intrinsics::Intrinsic::find("llvm.ceil")
            .and_then(|i| i.get_declaration(&cg.module, &[cg.ctx.f64_type().into()]))
            .ok_or_else(|| CompileError::internal("no llvm.ceil"))?;
        let q = cg.call_value(ceil, &[q.into()])?.into_float_value();
        // NaN (a NaN bound) and negative lengths are empty.
        let positive = b.build_float_compare(
            inkwell::FloatPredicate::OGT,
            q,
            cg.ctx.f64_type().const_zero(),
            "",
        )?;
        let n = b.build_float_to_signed_int(q, i64t, "")?;
        b.build_select(positive, n, i64t.const_zero(), "")?
            .into_int_value()
    } else {
        let (start, stop, step) = (
            vals[0].into_int_value(),
            vals[1].into_int_value(),
            vals[2].into_int_value(),
        );
        // ceil((stop - start) / step) with truncating division.
        let span = b.build_int_sub(stop, start, "")?;
        let q = b.build_int_signed_div(span, step, "")?;
        let r = b.build_int_signed_rem(span, step, "")?;
        let inexact = b.build_int_compare(IntPredicate::NE, r, i64t.const_zero(), "")?;
        let same_sign = b.build_int_compare(
            IntPredicate::SGE,
            b.build_xor(span, step, "")?,
            i64t.const_zero(),
            "",
        )?;
        let bump = b.build_and(inexact, same_sign, "")?;
        let q = b.build_int_add(q, b.build_int_z_extend(bump, i64t, "")?, "")?;
        let positive = b.build_int_compare(IntPredicate::SGT, q, i64t.const_zero(), "")?;
        b.build_select(positive, q, i64t.const_zero(), "")?
            .into_int_value()
    };
    let array = empty(cg, rty, &[len.into()])?;
    let view = View::unpack(cg, &at, array)?;
    let data = view.ptr;
    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("arange outside a function"))?;
    let start = vals[0];
    // NumPy fills with start + i * delta, delta being the second element
    // minus the first (which rounds differently from the step).
    let step = if float {
        let b = &cg.builder;
        let second = b.build_float_add(start.into_float_value(), vals[2].into_float_value(), "")?;
        b.build_float_sub(second, start.into_float_value(), "delta")?
            .into()
    } else {
        vals[2]
    };
    let bounds = bounds.clone();
    crate::codegen::counted_loop::counted_loop(cg, f, len, "arange", &[], |cg, i| {
        let b = &cg.builder;
        let v: BasicValueEnum<'ctx> = if float {
            let fi = b.build_signed_int_to_float(i, cg.ctx.f64_type(), "")?;
            b.build_float_add(
                start.into_float_value(),
                b.build_float_mul(fi, step.into_float_value(), "")?,
                "",
            )?
            .into()
        } else {
            b.build_int_add(
                start.into_int_value(),
                b.build_int_mul(i, step.into_int_value(), "")?,
                "",
            )?
            .into()
        };
        let v = crate::codegen::scalar::cast(cg, &bounds, &Type::Scalar(at.dtype), v)?;
        let p = element_ptr(cg, data, i, itemsize)?;
        store_scalar(cg, at.dtype, p, v)
    })?;
    Ok(array)
}

/// `np.eye(n, m, k)`: a new n x m array of zeros with ones on diagonal `k`
/// (above the main one when positive); a diagonal outside the array
/// leaves it all zeros.
pub(super) fn eye<'ctx>(
    cg: &mut Codegen<'ctx>,
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(rty, "np.eye")?;
    let (n, m, k) = (
        vals[0].into_int_value(),
        vals[1].into_int_value(),
        vals[2].into_int_value(),
    );
    let array = empty(cg, rty, &[n.into(), m.into()])?;
    let i64t = cg.ctx.i64_type();
    let number = |v: u64| -> Result<BasicValueEnum<'ctx>> {
        crate::codegen::scalar::cast(
            cg,
            &Type::I64,
            &Type::Scalar(at.dtype),
            i64t.const_int(v, false).into(),
        )
    };
    let (zero_value, one_value) = (number(0)?, number(1)?);
    fill(cg, rty, array, zero_value)?;
    let b = &cg.builder;
    let zero = i64t.const_zero();
    // Rows i in [max(0, -k), min(n, m - k)) hold a one at column i + k;
    // none when k >= m or k <= -n (no overflow on those tests).
    let below_m = b.build_int_compare(IntPredicate::SLT, k, m, "")?;
    let above_n = b.build_int_compare(IntPredicate::SGT, k, b.build_int_neg(n, "")?, "")?;
    let inside = b.build_and(below_m, above_n, "")?;
    let safe_k = b.build_select(inside, k, zero, "")?.into_int_value();
    let negative = b.build_int_compare(IntPredicate::SLT, safe_k, zero, "")?;
    let first = b
        .build_select(negative, b.build_int_neg(safe_k, "")?, zero, "")?
        .into_int_value();
    let m_left = b.build_int_sub(m, safe_k, "")?;
    let shorter = b.build_int_compare(IntPredicate::SLT, n, m_left, "")?;
    let last = b.build_select(shorter, n, m_left, "")?.into_int_value();
    let count = b.build_int_sub(last, first, "")?;
    let count = b
        .build_select(inside, count, zero, "diagonal")?
        .into_int_value();
    let view = View::unpack(cg, &at, array)?;
    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("np.eye outside a function"))?;
    crate::codegen::counted_loop::counted_loop(cg, f, count, "eye", &[], |cg, t| {
        let b = &cg.builder;
        let i = b.build_int_add(first, t, "")?;
        let at_diagonal = b.build_int_add(
            b.build_int_mul(i, m, "")?,
            b.build_int_add(i, safe_k, "")?,
            "",
        )?;
        let p = element_ptr(cg, view.ptr, at_diagonal, itemsize)?;
        store_scalar(cg, at.dtype, p, one_value)
    })?;
    Ok(array)
}

/// `np.linspace(start, stop, num, endpoint)` as NumPy computes it: `div`
/// is `num - 1` (endpoint) or `num`; element i is `i * step + start` with
/// `step = (stop - start) / div`, or `i / div * delta + start` when that
/// step is zero (denormal deltas), or `i * delta + start` when `div` is 0;
/// the last element is `stop` exactly with the endpoint; an integer dtype
/// floors first. A negative `num` raises `ValueError`.
pub(super) fn linspace<'ctx>(
    cg: &mut Codegen<'ctx>,
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(rty, "np.linspace")?;
    let (start, stop) = (vals[0].into_float_value(), vals[1].into_float_value());
    let (num, endpoint) = (vals[2].into_int_value(), vals[3].into_int_value());
    let i64t = cg.ctx.i64_type();
    let f64t = cg.ctx.f64_type();
    let zero = i64t.const_zero();
    let one = i64t.const_int(1, false);
    let nonnegative = cg
        .builder
        .build_int_compare(IntPredicate::SGE, num, zero, "")?;
    crate::codegen::raise::raise_unless(
        cg,
        nonnegative,
        "linspace",
        "jitufunc_rt_linspace_error",
        &[i64t.into()],
        &[num.into()],
    )?;
    let array = empty(cg, rty, &[num.into()])?;
    let view = View::unpack(cg, &at, array)?;
    let b = &cg.builder;
    let div = b.build_int_sub(num, b.build_int_z_extend(endpoint, i64t, "")?, "div")?;
    let div_f = b.build_signed_int_to_float(div, f64t, "")?;
    let delta = b.build_float_sub(stop, start, "delta")?;
    let step = b.build_float_div(delta, div_f, "step")?;
    let positive = b.build_int_compare(IntPredicate::SGT, div, zero, "")?;
    let step_zero =
        b.build_float_compare(inkwell::FloatPredicate::OEQ, step, f64t.const_zero(), "")?;
    let itemsize = i64t.const_int(at.dtype.itemsize() as u64, false);
    let f = b
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("np.linspace outside a function"))?;
    let store = |cg: &Codegen<'ctx>, i: IntValue<'ctx>, y: inkwell::values::FloatValue<'ctx>| {
        let y = if at.dtype.kind() == crate::types::Kind::Int {
            crate::codegen::math::intrinsic1(cg, "llvm.floor", y)?
        } else {
            y
        };
        let v = crate::codegen::scalar::cast(cg, &Type::F64, &Type::Scalar(at.dtype), y.into())?;
        store_scalar(cg, at.dtype, element_ptr(cg, view.ptr, i, itemsize)?, v)
    };
    // The three formulas, each its own loop (a branch on loop-invariant
    // values, taken once).
    let stepped = cg.ctx.append_basic_block(f, "linspace.stepped");
    let tiny = cg.ctx.append_basic_block(f, "linspace.tiny");
    let undivided = cg.ctx.append_basic_block(f, "linspace.undivided");
    let divided = cg.ctx.append_basic_block(f, "linspace.divided");
    let done = cg.ctx.append_basic_block(f, "linspace.done");
    b.build_conditional_branch(positive, divided, undivided)?;
    b.position_at_end(divided);
    b.build_conditional_branch(step_zero, tiny, stepped)?;
    for (block, name) in [
        (stepped, "stepped"),
        (tiny, "tiny"),
        (undivided, "undivided"),
    ] {
        cg.builder.position_at_end(block);
        crate::codegen::counted_loop::counted_loop(cg, f, num, "linspace", &[], |cg, i| {
            let b = &cg.builder;
            let x = b.build_signed_int_to_float(i, f64t, "")?;
            let scaled = match name {
                "stepped" => b.build_float_mul(x, step, "")?,
                "tiny" => b.build_float_mul(b.build_float_div(x, div_f, "")?, delta, "")?,
                _ => b.build_float_mul(x, delta, "")?,
            };
            let y = b.build_float_add(scaled, start, "")?;
            store(cg, i, y)
        })?;
        cg.builder.build_unconditional_branch(done)?;
    }
    cg.builder.position_at_end(done);
    let b = &cg.builder;
    let several = b.build_int_compare(IntPredicate::SGT, num, one, "")?;
    let pin = b.build_and(endpoint, several, "")?;
    let pinned = cg.ctx.append_basic_block(f, "linspace.endpoint");
    let after = cg.ctx.append_basic_block(f, "linspace.end");
    b.build_conditional_branch(pin, pinned, after)?;
    b.position_at_end(pinned);
    let last = cg.builder.build_int_sub(num, one, "")?;
    store(cg, last, stop)?;
    cg.builder.build_unconditional_branch(after)?;
    cg.builder.position_at_end(after);
    Ok(array)
}
