//! Array views in generated code, and the one place typed array operations
//! (`Op::Array`) become LLVM IR (`emit`).
//!
//! A view is `{data ptr, owner ptr, [ndim x i64] shape, [ndim x i64]
//! strides in bytes}`, passed by value (kernels are inlined, so the struct
//! dissolves into registers). `owner` is the object that keeps the memory
//! alive: null for memory the caller lends (ufunc operands), the
//! reference-counted block of an array compiled code allocates
//! (`ArrayType::memory`); a view of a view keeps its owner. Element loads
//! and stores with Python's negative indices (and, with `boundscheck`, an
//! `IndexError` instead of an out-of-range access), partial indexing,
//! `.shape`, `.size`, `len()`.
//!
//! A view whose type is C-layout (`float64[:, ::1]`) has a last-axis stride
//! equal to its item size; codegen uses that constant instead of the
//! stored stride so loops over it vectorize.

use inkwell::types::StructType;
use inkwell::values::{BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::context::Codegen;
use super::counted_loop::counted_loop;
use super::memory::{element_ptr, load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::ir::ArrayOp;
use crate::types::{ArrayType, Layout, Type};

/// The LLVM struct of an array view with `ndim` dimensions.
pub fn view_type<'ctx>(cg: &Codegen<'ctx>, ndim: u32) -> StructType<'ctx> {
    let i64t = cg.ctx.i64_type();
    cg.ctx.struct_type(
        &[
            cg.ptr_type().into(),
            cg.ptr_type().into(),
            i64t.array_type(ndim).into(),
            i64t.array_type(ndim).into(),
        ],
        false,
    )
}

/// A view taken apart.
pub struct View<'ctx> {
    pub ptr: PointerValue<'ctx>,
    /// What keeps the memory alive (null: the caller's memory).
    pub owner: PointerValue<'ctx>,
    pub shape: Vec<IntValue<'ctx>>,
    pub strides: Vec<IntValue<'ctx>>,
}

impl<'ctx> View<'ctx> {
    /// Reads the fields of view `v` of type `a`.
    pub fn unpack(cg: &Codegen<'ctx>, a: &ArrayType, v: BasicValueEnum<'ctx>) -> Result<Self> {
        let b = &cg.builder;
        let s = v.into_struct_value();
        let ptr = b.build_extract_value(s, 0, "data")?.into_pointer_value();
        let owner = b.build_extract_value(s, 1, "owner")?.into_pointer_value();
        let shape_arr = b.build_extract_value(s, 2, "")?.into_array_value();
        let strides_arr = b.build_extract_value(s, 3, "")?.into_array_value();
        let mut shape = vec![];
        let mut strides = vec![];
        for k in 0..a.ndim {
            shape.push(b.build_extract_value(shape_arr, k, "dim")?.into_int_value());
            let stride = if k + 1 == a.ndim && a.layout == Layout::C {
                cg.ctx
                    .i64_type()
                    .const_int(a.dtype.itemsize() as u64, false)
            } else {
                b.build_extract_value(strides_arr, k, "stride")?
                    .into_int_value()
            };
            strides.push(stride);
        }
        Ok(View {
            ptr,
            owner,
            shape,
            strides,
        })
    }

    /// Builds the struct value of this view.
    pub fn pack(&self, cg: &Codegen<'ctx>) -> Result<BasicValueEnum<'ctx>> {
        let ndim = self.shape.len() as u32;
        let ty = view_type(cg, ndim);
        let i64t = cg.ctx.i64_type();
        let b = &cg.builder;
        let mut shape: inkwell::values::AggregateValueEnum =
            i64t.array_type(ndim).get_undef().into();
        let mut strides: inkwell::values::AggregateValueEnum =
            i64t.array_type(ndim).get_undef().into();
        for k in 0..ndim as usize {
            shape = b.build_insert_value(shape, self.shape[k], k as u32, "")?;
            strides = b.build_insert_value(strides, self.strides[k], k as u32, "")?;
        }
        let mut v: inkwell::values::AggregateValueEnum = ty.get_undef().into();
        v = b.build_insert_value(v, self.ptr, 0, "")?;
        v = b.build_insert_value(v, self.owner, 1, "")?;
        v = b.build_insert_value(v, shape.into_array_value(), 2, "")?;
        v = b.build_insert_value(v, strides.into_array_value(), 3, "")?;
        Ok(v.into_struct_value().into())
    }
}

fn array_type<'a>(t: &'a Type, what: &str) -> Result<&'a ArrayType> {
    match t {
        Type::Array(a) => Ok(a),
        other => Err(CompileError::internal(format!(
            "{what} of a value of type {other} reached codegen"
        ))),
    }
}

/// Emits array operation `op` on operands `vals` of types `types` (the
/// array first, but for `Empty`); its result (of type `rty`), if it has
/// one.
pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    op: ArrayOp,
    types: &[Type],
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<Option<BasicValueEnum<'ctx>>> {
    let n = vals.len();
    Ok(Some(match op {
        ArrayOp::Load | ArrayOp::View => load(cg, &types[0], vals[0], &vals[1..])?,
        ArrayOp::Store => {
            store(cg, &types[0], vals[0], &vals[1..n - 1], vals[n - 1])?;
            return Ok(None);
        }
        ArrayOp::Shape | ArrayOp::Size => attr(cg, op, &types[0], vals[0])?,
        ArrayOp::Len => len(cg, &types[0], vals[0])?,
        ArrayOp::Empty => empty(cg, rty, vals)?,
        ArrayOp::Subscript => subscript(cg, &types[0], &types[1..], vals[0], &vals[1..])?,
        ArrayOp::Transpose => {
            let mut view = View::unpack(cg, array_type(&types[0], "transpose")?, vals[0])?;
            view.shape.reverse();
            view.strides.reverse();
            view.pack(cg)?
        }
        ArrayOp::Arange => arange(cg, &types[0], rty, vals)?,
        ArrayOp::Nonzero => nonzero(cg, &types[0], rty, vals[0])?,
        ArrayOp::Assign => {
            assign(cg, &types[0], &types[1], vals[0], vals[1])?;
            return Ok(None);
        }
        ArrayOp::Fill => {
            fill(cg, &types[0], vals[0], vals[1])?;
            return Ok(None);
        }
        ArrayOp::IncRef | ArrayOp::DecRef => {
            refcount(cg, op == ArrayOp::IncRef, &types[0], vals[0])?;
            return Ok(None);
        }
    }))
}

/// `np.empty(dims)`: checks the sizes, allocates a block
/// (`engine::memory`) and returns the C-contiguous view it owns.
fn empty<'ctx>(
    cg: &Codegen<'ctx>,
    rty: &Type,
    dims: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = array_type(rty, "np.empty")?;
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let i32t = cg.ctx.i32_type();
    let dims: Vec<IntValue<'ctx>> = dims.iter().map(|d| d.into_int_value()).collect();
    let mut nonnegative = cg.ctx.bool_type().const_int(1, false);
    for d in &dims {
        let ok = b.build_int_compare(IntPredicate::SGE, *d, i64t.const_zero(), "")?;
        nonnegative = b.build_and(nonnegative, ok, "")?;
    }
    let code = crate::engine::runtime::ValueErrorKind::NegativeDimensions as u64;
    super::raise::raise_unless(
        cg,
        nonnegative,
        "dims",
        "jitufunc_rt_value_error",
        &[i32t.into()],
        &[i32t.const_int(code, false).into()],
    )?;
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
    super::raise::fail_unless(cg, allocated, "alloc", |_| Ok(()))?;
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
fn fill<'ctx>(
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
    super::counted_loop::counted_loop(cg, f, n, "fill", &[], |cg, i| {
        let p = element_ptr(cg, data, i, itemsize)?;
        store_scalar(cg, at.dtype, p, value)
    })?;
    Ok(())
}

/// Drops a reference to `v` (of type `t`), as `array.decref` does.
pub fn release<'ctx>(cg: &Codegen<'ctx>, t: &Type, v: BasicValueEnum<'ctx>) -> Result<()> {
    refcount(cg, false, t, v)
}

/// `array.incref`/`array.decref` of `v` (an array, or a tuple holding
/// arrays): the runtime call on each owner.
fn refcount<'ctx>(
    cg: &Codegen<'ctx>,
    increment: bool,
    t: &Type,
    v: BasicValueEnum<'ctx>,
) -> Result<()> {
    match t {
        Type::Array(_) => {
            let owner = cg
                .builder
                .build_extract_value(v.into_struct_value(), 1, "owner")?;
            let name = if increment {
                "jitufunc_rt_incref"
            } else {
                "jitufunc_rt_decref"
            };
            let f = cg.external(
                name,
                cg.ctx.void_type().fn_type(&[cg.ptr_type().into()], false),
            );
            cg.call(f, &[owner])?;
        }
        Type::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                if crate::ir::refcount::counted(item) {
                    let part =
                        cg.builder
                            .build_extract_value(v.into_struct_value(), i as u32, "")?;
                    refcount(cg, increment, item, part)?;
                }
            }
        }
        other => {
            return Err(CompileError::internal(format!(
                "reference counting of a value of type {other}"
            )))
        }
    }
    Ok(())
}

fn attr<'ctx>(
    cg: &Codegen<'ctx>,
    a: ArrayOp,
    t: &Type,
    v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let at = array_type(t, "an attribute")?;
    let view = View::unpack(cg, at, v)?;
    let i64t = cg.ctx.i64_type();
    match a {
        ArrayOp::Shape => {
            let ty = cg
                .ctx
                .struct_type(&vec![i64t.into(); view.shape.len()], false);
            let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
            for (k, d) in view.shape.iter().enumerate() {
                agg = cg.builder.build_insert_value(agg, *d, k as u32, "")?;
            }
            Ok(agg.into_struct_value().into())
        }
        ArrayOp::Size => {
            let mut size = i64t.const_int(1, false);
            for d in &view.shape {
                size = cg.builder.build_int_nsw_mul(size, *d, "size")?;
            }
            Ok(size.into())
        }
        other => Err(CompileError::internal(format!(
            "array.{} of {t} is not an attribute",
            other.name()
        ))),
    }
}

/// The address of element `index` (one index per leading axis) and the
/// view of the axes left over.
fn locate<'ctx>(
    cg: &Codegen<'ctx>,
    view: &View<'ctx>,
    index: &[BasicValueEnum<'ctx>],
) -> Result<View<'ctx>> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let mut offset = i64t.const_zero();
    for (axis, i) in index.iter().enumerate() {
        let i = i.into_int_value();
        let n = view.shape[axis];
        // Python's negative indices: a[-1] is a[n - 1].
        let negative = b.build_int_compare(IntPredicate::SLT, i, i64t.const_zero(), "")?;
        let wrapped = if loaded_from_memory(i) {
            // Data: its sign may change from one element to the next.
            b.build_select(negative, b.build_int_add(i, n, "")?, i, "index")?
                .into_int_value()
        } else {
            // Computed (a loop variable, arithmetic on one): a branch the
            // CPU predicts, where LLVM cannot prove it non-negative.
            wrap_rarely_negative(cg, i, n, negative)?
        };
        if cg.boundscheck {
            check_index(cg, i, wrapped, axis, n)?;
        }
        let b = &cg.builder;
        let term = b.build_int_mul(wrapped, view.strides[axis], "")?;
        offset = b.build_int_add(offset, term, "")?;
    }
    let b = &cg.builder;
    // SAFETY: in range for valid indices (NumPy's views cover their
    // extent); kernels index only within their arrays' shapes unless the
    // user's code is wrong, which `boundscheck` turns into an IndexError.
    let ptr = unsafe { b.build_gep(cg.ctx.i8_type(), view.ptr, &[offset], "element")? };
    Ok(View {
        ptr,
        owner: view.owner,
        shape: view.shape[index.len()..].to_vec(),
        strides: view.strides[index.len()..].to_vec(),
    })
}

/// Whether index `i` was read from memory (an element of an index array,
/// maybe converted), rather than computed.
fn loaded_from_memory(i: IntValue<'_>) -> bool {
    use inkwell::values::{BasicValue, InstructionOpcode as Opcode};
    let mut inst = i.as_instruction_value();
    while let Some(x) = inst {
        match x.get_opcode() {
            Opcode::Load => return true,
            Opcode::SExt | Opcode::ZExt | Opcode::Trunc => {
                inst = x
                    .get_operand(0)
                    .and_then(|o| o.value())
                    .and_then(|v| v.as_instruction_value());
            }
            _ => return false,
        }
    }
    false
}

/// `i + n` when `negative`, else `i`, as a branch marked rarely taken.
fn wrap_rarely_negative<'ctx>(
    cg: &Codegen<'ctx>,
    i: IntValue<'ctx>,
    n: IntValue<'ctx>,
    negative: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let b = &cg.builder;
    let here = b.get_insert_block().expect("positioned");
    let f = here
        .get_parent()
        .ok_or_else(|| CompileError::internal("an index outside a function"))?;
    let from_end = cg.ctx.append_basic_block(f, "index.from_end");
    let done = cg.ctx.append_basic_block(f, "index.done");
    let br = b.build_conditional_branch(negative, from_end, done)?;
    super::metadata::set_rarely_taken(cg, br);
    b.position_at_end(from_end);
    let shifted = b.build_int_add(i, n, "")?;
    b.build_unconditional_branch(done)?;
    b.position_at_end(done);
    let phi = b.build_phi(i.get_type(), "index")?;
    phi.add_incoming(&[(&shifted, from_end), (&i, here)]);
    Ok(phi.as_basic_value().into_int_value())
}

/// Under `boundscheck`: unless `0 <= wrapped < n`, reports an
/// `IndexError` (with the index as written, `original`) and returns from
/// the kernel with the error bit set.
fn check_index<'ctx>(
    cg: &Codegen<'ctx>,
    original: IntValue<'ctx>,
    wrapped: IntValue<'ctx>,
    axis: usize,
    n: IntValue<'ctx>,
) -> Result<()> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let inside = b.build_int_compare(IntPredicate::ULT, wrapped, n, "in.bounds")?;
    let context = b.build_global_string_ptr(&cg.func.access_context, "index.context")?;
    super::raise::raise_unless(
        cg,
        inside,
        "index",
        "jitufunc_rt_index_error",
        &[cg.ptr_type().into(), i64t.into(), i64t.into(), i64t.into()],
        &[
            context.as_pointer_value().into(),
            original.into(),
            i64t.const_int(axis as u64, false).into(),
            n.into(),
        ],
    )
}

/// `a[i, j]`: the element, or the view of the axes not indexed.
fn load<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    array: BasicValueEnum<'ctx>,
    index: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let at = array_type(t, "indexing")?;
    let view = View::unpack(cg, at, array)?;
    let rest = locate(cg, &view, index)?;
    if rest.shape.is_empty() {
        load_scalar(cg, at.dtype, rest.ptr)
    } else {
        rest.pack(cg)
    }
}

fn store<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    array: BasicValueEnum<'ctx>,
    index: &[BasicValueEnum<'ctx>],
    value: BasicValueEnum<'ctx>,
) -> Result<()> {
    let at = array_type(t, "storing")?;
    let view = View::unpack(cg, at, array)?;
    let rest = locate(cg, &view, index)?;
    store_scalar(cg, at.dtype, rest.ptr, value)
}

fn len<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let at = array_type(t, "len()")?;
    let view = View::unpack(cg, at, v)?;
    Ok(view.shape[0].into())
}

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
    let i32t = cg.ctx.i32_type();
    super::raise::raise_unless(
        cg,
        nonzero,
        "slice.step",
        "jitufunc_rt_value_error",
        &[i32t.into()],
        &[i32t
            .const_int(
                crate::engine::runtime::ValueErrorKind::ZeroStep as u64,
                false,
            )
            .into()],
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
fn subscript<'ctx>(
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

/// Nested counted loops over `shape` (outermost first); `body` gets the
/// index of each axis.
fn nd_loop<'ctx>(
    cg: &mut Codegen<'ctx>,
    shape: &[IntValue<'ctx>],
    body: &mut dyn FnMut(&mut Codegen<'ctx>, &[IntValue<'ctx>]) -> Result<()>,
) -> Result<()> {
    fn level<'ctx>(
        cg: &mut Codegen<'ctx>,
        shape: &[IntValue<'ctx>],
        index: &mut Vec<IntValue<'ctx>>,
        body: &mut dyn FnMut(&mut Codegen<'ctx>, &[IntValue<'ctx>]) -> Result<()>,
    ) -> Result<()> {
        let Some((&n, rest)) = shape.split_first() else {
            return body(cg, index);
        };
        let f = cg
            .builder
            .get_insert_block()
            .and_then(|bb| bb.get_parent())
            .ok_or_else(|| CompileError::internal("a loop outside a function"))?;
        super::counted_loop::counted_loop(cg, f, n, "axis", &[], |cg, i| {
            index.push(i);
            let r = level(cg, rest, index, body);
            index.pop();
            r
        })?;
        Ok(())
    }
    level(cg, shape, &mut vec![], body)
}

/// The address of element `index` of `view`.
fn element_at<'ctx>(
    cg: &Codegen<'ctx>,
    view: &View<'ctx>,
    index: &[IntValue<'ctx>],
) -> Result<PointerValue<'ctx>> {
    let b = &cg.builder;
    let mut offset = cg.ctx.i64_type().const_zero();
    for (i, s) in index.iter().zip(&view.strides) {
        offset = b.build_int_add(offset, b.build_int_mul(*i, *s, "")?, "")?;
    }
    // SAFETY: `index` is within the view's shape (loops over it).
    Ok(unsafe { b.build_gep(cg.ctx.i8_type(), view.ptr, &[offset], "")? })
}

/// `a[...] = value`: every element of the view `target` set from a scalar
/// of its dtype, or from an array broadcast to its shape (NumPy's rules:
/// trailing axes line up, size 1 repeats, anything else is a
/// `ValueError`). An array that may overlap the target is copied first.
fn assign<'ctx>(
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
    let i32t = cg.ctx.i32_type();
    let (n, m) = (view.shape.len(), source.shape.len());
    // The source's shape broadcast to the target's: its strides, 0 where it
    // repeats.
    let mut ok = cg.ctx.bool_type().const_int((m <= n) as u64, false);
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
    super::raise::raise_unless(
        cg,
        ok,
        "broadcast",
        "jitufunc_rt_value_error",
        &[i32t.into()],
        &[i32t
            .const_int(
                crate::engine::runtime::ValueErrorKind::Broadcast as u64,
                false,
            )
            .into()],
    )?;
    let broadcast = View {
        ptr: source.ptr,
        owner: source.owner,
        shape: view.shape.clone(),
        strides,
    };
    // Overlap: the byte ranges the two views span intersect (as NumPy, copy
    // the source first then).
    let (lo_t, hi_t) = extent(cg, &view, at.dtype.itemsize())?;
    let (lo_s, hi_s) = extent(cg, &broadcast, vt.dtype.itemsize())?;
    let b = &cg.builder;
    let disjoint = b.build_or(
        b.build_int_compare(IntPredicate::ULE, hi_t, lo_s, "")?,
        b.build_int_compare(IntPredicate::ULE, hi_s, lo_t, "")?,
        "",
    )?;
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
            let v = super::scalar::cast(cg, &Type::Scalar(from_type), &Type::Scalar(at.dtype), v)?;
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
        let v = super::scalar::cast(cg, &Type::Scalar(vt.dtype), &Type::Scalar(at.dtype), v)?;
        let dst = element_at(cg, &temp_view, idx)?;
        store_scalar(cg, at.dtype, dst, v)
    })?;
    copy_elements(cg, &temp_view, at.dtype)?;
    release(cg, &temp_type, temp)?;
    cg.builder.build_unconditional_branch(done)?;
    cg.builder.position_at_end(done);
    Ok(())
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

/// `np.arange(start, stop, step)` (bounds of type `bounds`: int64 or
/// float64): `ceil((stop - start) / step)` elements (none when negative),
/// element `i` being `start + i * step` converted to the result's dtype. A
/// zero step raises `ZeroDivisionError`, as NumPy does.
fn arange<'ctx>(
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
    super::raise::raise_unless(
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
    super::counted_loop::counted_loop(cg, f, len, "arange", &[], |cg, i| {
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
        let v = super::scalar::cast(cg, &bounds, &Type::Scalar(at.dtype), v)?;
        let p = element_ptr(cg, data, i, itemsize)?;
        store_scalar(cg, at.dtype, p, v)
    })?;
    Ok(array)
}

/// Elements of the last axis `np.nonzero` tests per block: the bits of
/// one mask.
const NONZERO_BLOCK: u64 = 64;

/// `np.nonzero(a)`: counts the non-zero elements, then fills one int64
/// array per axis with their indices, in C order.
fn nonzero<'ctx>(
    cg: &mut Codegen<'ctx>,
    t: &Type,
    rty: &Type,
    a: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(t, "np.nonzero")?;
    let view = View::unpack(cg, &at, a)?;
    let i64t = cg.ctx.i64_type();
    let counter = cg.entry_alloca(i64t, "nonzero.count")?;
    cg.builder.build_store(counter, i64t.const_zero())?;
    let shape = view.shape.clone();
    let test = |cg: &Codegen<'ctx>, idx: &[IntValue<'ctx>]| -> Result<IntValue<'ctx>> {
        let p = element_at(cg, &view, idx)?;
        let v = load_scalar(cg, at.dtype, p)?;
        Ok(super::scalar::truth(cg, &Type::Scalar(at.dtype), v)?.into_int_value())
    };
    nd_loop(cg, &shape, &mut |cg, idx| {
        let hit = test(cg, idx)?;
        let b = &cg.builder;
        let n = b.build_load(i64t, counter, "")?.into_int_value();
        let n = b.build_int_add(n, b.build_int_z_extend(hit, i64t, "")?, "")?;
        b.build_store(counter, n)?;
        Ok(())
    })?;
    let count = cg.builder.build_load(i64t, counter, "count")?;
    let Type::Tuple(items) = rty else {
        return Err(CompileError::internal("np.nonzero gives a tuple"));
    };
    let count = count.into_int_value();
    let mut outs = vec![];
    for item in items {
        let arr = empty(cg, item, &[count.into()])?;
        outs.push((
            View::unpack(cg, array_type(item, "np.nonzero")?, arr)?.ptr,
            arr,
        ));
    }
    cg.builder.build_store(counter, i64t.const_zero())?;
    // The last axis goes in blocks of 64 elements: a vectorizable scan
    // makes a bit mask of the block's hits, then one trip per set bit
    // writes an index, so zeros cost a scan and no branch depends on the
    // data element by element.
    let Some((&inner, outer)) = shape.split_last() else {
        return Err(CompileError::internal("np.nonzero of a 0-d array"));
    };
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("nonzero outside a function"))?;
    let block_mask = cg.entry_alloca(i64t, "nonzero.block")?;
    let eight = i64t.const_int(8, false);
    let block = i64t.const_int(NONZERO_BLOCK, false);
    let outer = outer.to_vec();
    nd_loop(cg, &outer, &mut |cg, idx| {
        let b = &cg.builder;
        let last = i64t.const_int(NONZERO_BLOCK - 1, false);
        let blocks = b.build_int_signed_div(b.build_int_add(inner, last, "")?, block, "blocks")?;
        counted_loop(cg, f, blocks, "nonzero.blocks", &[], |cg, k| {
            let b = &cg.builder;
            let first = b.build_int_mul(k, block, "")?;
            let left = b.build_int_sub(inner, first, "")?;
            let fewer = b.build_int_compare(IntPredicate::SLT, left, block, "")?;
            let len = b
                .build_select(fewer, left, block, "block.len")?
                .into_int_value();
            b.build_store(block_mask, i64t.const_zero())?;
            let at = |cg: &Codegen<'ctx>, j: IntValue<'ctx>| -> Result<Vec<IntValue<'ctx>>> {
                let mut full = idx.to_vec();
                full.push(cg.builder.build_int_add(first, j, "")?);
                Ok(full)
            };
            // Bit j of the mask: element `first + j` is non-zero.
            counted_loop(cg, f, len, "nonzero.scan", &[], |cg, j| {
                let hit = test(cg, &at(cg, j)?)?;
                let b = &cg.builder;
                let bit = b.build_left_shift(b.build_int_z_extend(hit, i64t, "")?, j, "")?;
                let mask = b.build_load(i64t, block_mask, "")?.into_int_value();
                b.build_store(block_mask, b.build_or(mask, bit, "")?)?;
                Ok(())
            })?;
            let b = &cg.builder;
            let mask = b.build_load(i64t, block_mask, "mask")?.into_int_value();
            // A block of hits only: its indices are a run, stored by a
            // vectorizable loop.
            let width = i64t.const_int(NONZERO_BLOCK, false);
            let all = b.build_right_shift(
                i64t.const_all_ones(),
                b.build_int_sub(width, len, "")?,
                false,
                "all",
            )?;
            let full = b.build_int_compare(IntPredicate::EQ, mask, all, "")?;
            let run = cg.ctx.append_basic_block(f, "nonzero.run");
            let sparse = cg.ctx.append_basic_block(f, "nonzero.sparse");
            let write = cg.ctx.append_basic_block(f, "nonzero.write");
            let next = cg.ctx.append_basic_block(f, "nonzero.next");
            b.build_conditional_branch(full, run, sparse)?;
            cg.builder.position_at_end(run);
            let n = cg.builder.build_load(i64t, counter, "")?.into_int_value();
            counted_loop(cg, f, len, "nonzero.run", &[], |cg, j| {
                let full = at(cg, j)?;
                let slot = cg.builder.build_int_add(n, j, "")?;
                for ((p, _), i) in outs.iter().zip(&full) {
                    let at_n = element_ptr(cg, *p, slot, eight)?;
                    cg.builder.build_store(at_n, *i)?;
                }
                Ok(())
            })?;
            let b = &cg.builder;
            b.build_store(counter, b.build_int_add(n, len, "")?)?;
            b.build_unconditional_branch(next)?;
            cg.builder.position_at_end(sparse);
            let b = &cg.builder;
            let any = b.build_int_compare(IntPredicate::NE, mask, i64t.const_zero(), "")?;
            let scanned = b.get_insert_block().expect("positioned");
            b.build_conditional_branch(any, write, next)?;
            // One trip per hit: the lowest set bit gives its index, then
            // is cleared.
            cg.builder.position_at_end(write);
            let cttz = inkwell::intrinsics::Intrinsic::find("llvm.cttz")
                .and_then(|i| i.get_declaration(&cg.module, &[i64t.into()]))
                .ok_or_else(|| CompileError::internal("no llvm.cttz"))?;
            let bits = cg.builder.build_phi(i64t, "bits")?;
            let m = bits.as_basic_value().into_int_value();
            let j = cg
                .call_value(
                    cttz,
                    &[m.into(), cg.ctx.bool_type().const_int(1, false).into()],
                )?
                .into_int_value();
            let full = at(cg, j)?;
            let n = cg.builder.build_load(i64t, counter, "")?.into_int_value();
            for ((p, _), i) in outs.iter().zip(&full) {
                let at_n = element_ptr(cg, *p, n, eight)?;
                cg.builder.build_store(at_n, *i)?;
            }
            let b = &cg.builder;
            b.build_store(counter, b.build_int_add(n, i64t.const_int(1, false), "")?)?;
            let lower = b.build_int_sub(m, i64t.const_int(1, false), "")?;
            let rest = b.build_and(m, lower, "rest")?;
            let more = b.build_int_compare(IntPredicate::NE, rest, i64t.const_zero(), "")?;
            let latch = b.get_insert_block().expect("positioned");
            bits.add_incoming(&[(&mask, scanned), (&rest, latch)]);
            b.build_conditional_branch(more, write, next)?;
            cg.builder.position_at_end(next);
            Ok(())
        })?;
        Ok(())
    })?;
    let ty = cg
        .llvm_type(rty)?
        .ok_or_else(|| CompileError::internal("nonzero tuple type"))?
        .into_struct_type();
    let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
    for (k, (_, arr)) in outs.iter().enumerate() {
        agg = cg.builder.build_insert_value(agg, *arr, k as u32, "")?;
    }
    Ok(agg.into_struct_value().into())
}
