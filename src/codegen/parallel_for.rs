//! `Op::ParallelFor`: a `prange` loop of a `parallel=True` function, run
//! by `jitufunc_rt_parallel_for` (`loops::parallel`) on the thread pool.
//!
//! The loop's body function (`lower::parallel`) is called from a *chunk
//! function* of its own, `chunk(context, lo, hi, slot, status)`, which
//! reads the body's other arguments (start, step, captured variables,
//! reductions' values before the loop) from a context record, runs trips
//! `lo..hi` and stores the body's partial results into `slot`. The runtime
//! gives every chunk a slot of a buffer on this function's stack; back
//! here, the slots the chunks filled are combined in chunk order by the
//! reducers, so the result depends only on the trip count and the number
//! of threads, never on timing.

use inkwell::types::{BasicType, BasicTypeEnum};
use inkwell::values::{BasicValueEnum, FunctionValue, PointerValue};

use super::Codegen;
use crate::builtins::Reducer;
use crate::error::{CompileError, Result};
use crate::syntax::CmpOp;
use crate::types::Type;

/// The most chunks a loop is split into (the slots reserved on the
/// stack); `loops::parallel::jitufunc_rt_parallel_for` uses at most this
/// many.
pub const MAX_CHUNKS: u32 = 128;

/// Emits `Op::ParallelFor(body, reducers)` with operand values `vals`
/// (the trip count, then the body's arguments after `lo` and `hi`); the
/// combined partials (of type `rty`) if there are reductions. Leaves the
/// status word with `ERROR` set when an iteration raised (the caller
/// returns on it).
pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    body: FunctionValue<'ctx>,
    status: PointerValue<'ctx>,
    reducers: &[Reducer],
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<Option<BasicValueEnum<'ctx>>> {
    let ptr_t = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let (trips, fields) = vals
        .split_first()
        .ok_or_else(|| CompileError::internal("parallel_for without a trip count"))?;
    // The context record.
    let field_types: Vec<BasicTypeEnum<'ctx>> = fields.iter().map(|v| v.get_type()).collect();
    let record_t = cg.ctx.struct_type(&field_types, false);
    let record = cg.entry_alloca(record_t, "prange.context")?;
    for (k, v) in fields.iter().enumerate() {
        let p = cg
            .builder
            .build_struct_gep(record_t, record, k as u32, "")?;
        cg.builder.build_store(p, *v)?;
    }
    // The slots of the partials.
    let partial_t = cg.llvm_type(rty)?;
    let slots = match partial_t {
        Some(t) => Some((
            t,
            cg.entry_alloca(t.array_type(MAX_CHUNKS), "prange.partials")?,
        )),
        None => None,
    };
    let caller = cg.builder.get_insert_block().expect("positioned");
    let chunk = chunk_function(cg, body, record_t, &field_types, partial_t)?;
    cg.builder.position_at_end(caller);
    let runtime = cg.external(
        "jitufunc_rt_parallel_for",
        i64t.fn_type(
            &[
                ptr_t.into(),
                ptr_t.into(),
                i64t.into(),
                ptr_t.into(),
                i64t.into(),
                i64t.into(),
                ptr_t.into(),
            ],
            false,
        ),
    );
    let (slots_ptr, slot_size) = match slots {
        Some((t, p)) => (
            p,
            t.size_of()
                .ok_or_else(|| CompileError::internal("a partial without a size"))?,
        ),
        None => (ptr_t.const_null(), i64t.const_zero()),
    };
    let used = cg
        .call(
            runtime,
            &[
                chunk.as_global_value().as_pointer_value().into(),
                record.into(),
                *trips,
                slots_ptr.into(),
                slot_size.into(),
                i64t.const_int(MAX_CHUNKS as u64, false).into(),
                status.into(),
            ],
        )?
        .try_as_basic_value()
        .basic()
        .ok_or_else(|| CompileError::internal("jitufunc_rt_parallel_for returns the chunks"))?
        .into_int_value();
    // An iteration raised: return (there is nothing to combine: the slots
    // of the chunks that did not run hold nothing).
    if cg.may_raise() {
        super::function::return_if_failed(cg, status)?;
    }
    let Some((t, slots)) = slots else {
        return Ok(None);
    };
    let items: Vec<Type> = match rty {
        Type::Tuple(items) => items.to_vec(),
        _ => return Err(CompileError::internal("prange partials are a tuple")),
    };
    let slot = |cg: &Codegen<'ctx>, c| -> Result<PointerValue<'ctx>> {
        // SAFETY: an in-bounds GEP into the slots array: `c` is below the
        // number of chunks the runtime used, at most `MAX_CHUNKS`.
        Ok(unsafe {
            cg.builder.build_in_bounds_gep(
                t.array_type(MAX_CHUNKS),
                slots,
                &[i64t.const_zero(), c],
                "",
            )?
        })
    };
    let acc = cg.entry_alloca(t, "prange.combined")?;
    let first = cg.builder.build_load(t, slot(cg, i64t.const_zero())?, "")?;
    cg.builder.build_store(acc, first)?;
    let rest = cg
        .builder
        .build_int_nsw_sub(used, i64t.const_int(1, false), "")?;
    let f = caller
        .get_parent()
        .ok_or_else(|| CompileError::internal("a prange outside a function"))?;
    super::counted_loop::counted_loop(cg, f, rest, "prange.combine", &[], |cg, k| {
        let c = cg
            .builder
            .build_int_nsw_add(k, i64t.const_int(1, false), "")?;
        let part = cg
            .builder
            .build_load(t, slot(cg, c)?, "")?
            .into_struct_value();
        let mut now = cg.builder.build_load(t, acc, "")?.into_struct_value();
        for (j, (r, ty)) in reducers.iter().zip(&items).enumerate() {
            let a = cg.builder.build_extract_value(now, j as u32, "")?;
            let b = cg.builder.build_extract_value(part, j as u32, "")?;
            let v = combine(cg, *r, ty, a, b)?;
            now = cg
                .builder
                .build_insert_value(now, v, j as u32, "")?
                .into_struct_value();
        }
        cg.builder.build_store(acc, now)?;
        Ok(())
    })?;
    Ok(Some(cg.builder.build_load(t, acc, "")?))
}

/// Two chunks' partial results of reducer `r` (of type `ty`) combined, the
/// earlier chunk's first: `a + b`, `min(a, b)` (the later one only if it
/// is smaller, as Python's `min`), ...
fn combine<'ctx>(
    cg: &mut Codegen<'ctx>,
    r: Reducer,
    ty: &Type,
    a: BasicValueEnum<'ctx>,
    b: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    if let Some(op) = r.combining_op() {
        return super::arith::binary(cg, op, ty, a, b);
    }
    let op = if r == Reducer::Min {
        CmpOp::Lt
    } else {
        CmpOp::Gt
    };
    let better = super::scalar::compare(cg, op, ty, b, a)?.into_int_value();
    Ok(cg.builder.build_select(better, b, a, "")?)
}

/// The chunk function (`loops::parallel::ForChunkFn`): loads the body's
/// arguments from the context record, calls the body for trips `lo..hi`
/// with the chunk's status record, and stores its partials into the slot.
fn chunk_function<'ctx>(
    cg: &mut Codegen<'ctx>,
    body: FunctionValue<'ctx>,
    record_t: inkwell::types::StructType<'ctx>,
    field_types: &[BasicTypeEnum<'ctx>],
    partial_t: Option<BasicTypeEnum<'ctx>>,
) -> Result<FunctionValue<'ctx>> {
    let ptr_t = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let chunk_t = cg.ctx.void_type().fn_type(
        &[
            ptr_t.into(),
            i64t.into(),
            i64t.into(),
            ptr_t.into(),
            ptr_t.into(),
        ],
        false,
    );
    let chunk = cg.module.add_function(
        "prange.chunk",
        chunk_t,
        Some(inkwell::module::Linkage::Private),
    );
    cg.add_host_attributes(chunk);
    cg.align_stack_for_vectors(chunk);
    cg.add_enum_attribute(chunk, "noinline");
    // The chunk's status record is its own (`loops::prange`): nothing the
    // chunk reaches otherwise (arrays, the random generator's state) is
    // it, so a status check after a call does not make LLVM reload or
    // store everything else around it.
    chunk.add_attribute(
        inkwell::attributes::AttributeLoc::Param(4),
        cg.ctx.create_enum_attribute(
            inkwell::attributes::Attribute::get_named_enum_kind_id("noalias"),
            0,
        ),
    );
    let param = |k: u32| chunk.get_nth_param(k).expect("declared above");
    let (context, lo, hi, slot, chunk_status) = (
        param(0).into_pointer_value(),
        param(1),
        param(2),
        param(3).into_pointer_value(),
        param(4).into_pointer_value(),
    );
    cg.builder
        .position_at_end(cg.ctx.append_basic_block(chunk, "entry"));
    // The runtime passes `0 <= lo <= hi`: with a loop counting from zero,
    // the item is never negative, so indexing with it needs no wrap-around
    // (which would turn the vectorized loop's stores into scatters).
    let assume = inkwell::intrinsics::Intrinsic::find("llvm.assume")
        .and_then(|i| i.get_declaration(&cg.module, &[]))
        .ok_or_else(|| CompileError::internal("no llvm.assume"))?;
    let (lo_int, hi_int) = (lo.into_int_value(), hi.into_int_value());
    let lo_ok =
        cg.builder
            .build_int_compare(inkwell::IntPredicate::SGE, lo_int, i64t.const_zero(), "")?;
    let hi_ok = cg
        .builder
        .build_int_compare(inkwell::IntPredicate::SGE, hi_int, lo_int, "")?;
    cg.call(assume, &[lo_ok.into()])?;
    cg.call(assume, &[hi_ok.into()])?;
    let mut args: Vec<BasicValueEnum<'ctx>> = vec![chunk_status.into(), lo, hi];
    for (k, t) in field_types.iter().enumerate() {
        let p = cg
            .builder
            .build_struct_gep(record_t, context, k as u32, "")?;
        args.push(cg.builder.build_load(*t, p, "")?);
    }
    let call = cg.call(body, &args)?;
    if let (Some(_), Some(v)) = (partial_t, call.try_as_basic_value().basic()) {
        cg.builder.build_store(slot, v)?;
    }
    cg.builder.build_return(None)?;
    Ok(chunk)
}
