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
        let wrapped = b.build_int_add(i, n, "")?;
        let wrapped = b
            .build_select(negative, wrapped, i, "index")?
            .into_int_value();
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
