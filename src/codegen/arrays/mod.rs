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
//! Submodules: `create` (new arrays: `np.empty` and fills, `np.arange`,
//! `np.eye`, `np.linspace`), `slicing` (slice views and slice
//! assignment), `reshape`, `nonzero`, `blas` (matrix products by NumPy's
//! BLAS), `gufunc` (a gufunc's kernel over loop dimensions).
//!
//! A view whose type is C-layout (`float64[:, ::1]`) has a last-axis stride
//! equal to its item size; codegen uses that constant instead of the
//! stored stride so loops over it vectorize.

use inkwell::types::StructType;
use inkwell::values::{BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

mod blas;
mod create;
mod fancy;
mod gufunc;
mod map;
mod nonzero;
mod reshape;
mod slicing;

pub use gufunc::{gufunc, kernel_args, CoreOperand};
pub use map::{map, map_into, reduce, reduce_axis};
pub use slicing::slice_value;

use super::context::Codegen;
use super::memory::{load_scalar, store_scalar};
use crate::error::{CompileError, Result};
use crate::ir::ArrayOp;
use crate::types::{ArrayType, Layout, Type};
use create::{arange, empty, eye, fill, linspace};
use nonzero::nonzero;
use slicing::{assign, subscript};

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

/// A global array (`Op::Frozen`): its bytes as a private constant of the
/// module, 64-byte aligned, viewed C-contiguous with no owner (the memory
/// lives as long as the compiled code; the dispatcher copies an array
/// without owner that a function returns).
pub fn frozen<'ctx>(
    cg: &Codegen<'ctx>,
    a: &crate::syntax::FrozenArray,
) -> Result<BasicValueEnum<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let data = cg.ctx.const_string(&a.bytes, false);
    let global = cg.module.add_global(
        data.get_type(),
        None,
        &format!("frozen.{:016x}", a.digest()),
    );
    global.set_initializer(&data);
    global.set_constant(true);
    global.set_linkage(inkwell::module::Linkage::Private);
    global.set_unnamed_addr(true);
    global.set_alignment(64);
    let itemsize = a.dtype.itemsize() as u64;
    let mut strides = vec![];
    let mut step = itemsize;
    for d in a.shape.iter().rev() {
        strides.push(i64t.const_int(step, false));
        step *= (*d as u64).max(1);
    }
    strides.reverse();
    View {
        ptr: global.as_pointer_value(),
        owner: cg.ptr_type().const_null(),
        shape: a
            .shape
            .iter()
            .map(|d| i64t.const_int(*d as u64, false))
            .collect(),
        strides,
    }
    .pack(cg)
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

pub(super) fn array_type<'a>(t: &'a Type, what: &str) -> Result<&'a ArrayType> {
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
        ArrayOp::MoveAxesToEnd => {
            let at = array_type(&types[0], "move_axes_to_end")?;
            let axes: Vec<IntValue<'ctx>> = vals[1..].iter().map(|v| v.into_int_value()).collect();
            reshape::move_axes_to_end(cg, at, vals[0], &axes)?
        }
        ArrayOp::NewAxis => {
            let mut view = View::unpack(cg, array_type(&types[0], "newaxis")?, vals[0])?;
            let k = vals[1]
                .into_int_value()
                .get_zero_extended_constant()
                .ok_or_else(|| CompileError::internal("newaxis at a variable axis"))?
                as usize;
            let i64t = cg.ctx.i64_type();
            view.shape.insert(k, i64t.const_int(1, false));
            view.strides.insert(k, i64t.const_zero());
            view.pack(cg)?
        }
        ArrayOp::Arange => arange(cg, &types[0], rty, vals)?,
        ArrayOp::Take => fancy::take(cg, types, rty, vals)?,
        ArrayOp::Put => {
            fancy::put(cg, types, vals)?;
            return Ok(None);
        }
        ArrayOp::CheckMask => {
            fancy::check_mask(cg, types, vals)?;
            return Ok(None);
        }
        ArrayOp::CheckUnpack => {
            check_unpack(cg, &types[0], vals)?;
            return Ok(None);
        }
        ArrayOp::Nonzero => nonzero(cg, &types[0], rty, vals[0])?,
        ArrayOp::Reshape => reshape::reshape(cg, &types[0], rty, vals[0], &vals[1..])?,
        ArrayOp::Eye => eye(cg, rty, vals)?,
        ArrayOp::Linspace => linspace(cg, rty, vals)?,
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
        ArrayOp::BlasMatmul => blas::blas_matmul(cg, types, vals)?,
    }))
}

/// Adds a reference to `v` (of type `t`), as `array.incref` does.
pub fn retain<'ctx>(cg: &Codegen<'ctx>, t: &Type, v: BasicValueEnum<'ctx>) -> Result<()> {
    refcount(cg, true, t, v)
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
        Type::List(_) => crate::codegen::list::refcount(cg, increment, v)?,
        Type::Dict(..) => crate::codegen::dict::refcount(cg, increment, v)?,
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
pub(super) fn locate<'ctx>(
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
pub(super) fn check_index<'ctx>(
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

/// Nested counted loops over `shape` (outermost first); `body` gets the
/// index of each axis.
pub(super) fn nd_loop<'ctx>(
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
pub(super) fn element_at<'ctx>(
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

/// `a, b = arr`: Python's `ValueError` unless the array has exactly
/// `vals[1]` items along its first axis.
fn check_unpack<'ctx>(cg: &Codegen<'ctx>, t: &Type, vals: &[BasicValueEnum<'ctx>]) -> Result<()> {
    let a = View::unpack(cg, array_type(t, "an unpacked array")?, vals[0])?;
    let expected = vals[1].into_int_value();
    let same = cg
        .builder
        .build_int_compare(IntPredicate::EQ, a.shape[0], expected, "")?;
    let i64t = cg.ctx.i64_type();
    crate::codegen::raise::raise_unless(
        cg,
        same,
        "unpack",
        "jitufunc_rt_unpack_error",
        &[i64t.into(), i64t.into()],
        &[expected.into(), a.shape[0].into()],
    )
}
