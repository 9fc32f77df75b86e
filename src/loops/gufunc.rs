//! The inner loop of a generalized ufunc, as NumPy calls it:
//! `void loop(char **args, npy_intp const *dims, npy_intp const *steps, void *data)`
//! with `dims[0]` the number of outer iterations, `dims[1..]` the core
//! dimension sizes (NumPy's numbering, see `types::gufunc_layout`), and
//! `steps` the outer stride of every operand followed by each operand's core
//! strides.
//!
//! Each outer iteration calls the (always-inlined) kernel with array views
//! of the operands' core blocks, or loaded scalars for `()` inputs, and
//! stores returned values into `()` outputs. Two versions of the kernel
//! are called: one compiled for unit innermost core strides (when every
//! view operand has them at run time, so loops over rows vectorize), one
//! for any strides.
//!
//! Broadcast dimensions (`n|1`) reach the kernel with the full size and a
//! zero stride on operands that have size 1 there. Optional dimensions
//! (`m?`) that are missing have size 1 and stride 0, as NumPy passes them.
//!
//! With FP flags tracked, chunks of outer iterations run a fast kernel that
//! only notes non-finite floats and are redone by the exact-flags kernel
//! when it noted one; a kernel that reads its outputs saves their blocks
//! before each fast call and puts them back before a redo
//! (`loops::snapshot`), unless every output element it reads was written
//! first in the same call (`guvectorize::accumulate`). Jammed kernels run several iterations at once only
//! when the output blocks of different iterations do not overlap.

use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::entry::{begin_loop, LoopEntry};
use super::fpflags::FpFlags;
use super::snapshot::{OutputBlocks, Snapshot};
use crate::codegen::arrays::{kernel_args, CoreOperand, View};
use crate::codegen::context::FunctionState;
use crate::codegen::counted_loop::counted_loop;
use crate::codegen::fpstatus::TAINT;
use crate::codegen::memory::{element_ptr, store_scalar};
use crate::codegen::metadata::LoopHint;
use crate::codegen::Codegen;
use crate::error::Result;
use crate::types::gufunc_layout::Layout;
use crate::types::gufunc_plan::{KernelPlan, Passing};

/// One kernel compiled for any strides and, if it takes array views, for
/// unit innermost strides.
#[derive(Clone, Copy)]
pub struct KernelSet<'ctx> {
    pub any: FunctionValue<'ctx>,
    pub unit: Option<FunctionValue<'ctx>>,
    /// `unit` compiled for several outer iterations at once
    /// (`guvectorize::jam`).
    pub unit_lanes: Option<LanesKernel<'ctx>>,
}

/// A kernel compiled for `count` outer iterations per call.
#[derive(Clone, Copy)]
pub struct LanesKernel<'ctx> {
    pub function: FunctionValue<'ctx>,
    pub count: usize,
    /// Used only when the first array operand's block has at most
    /// `SMALL_BLOCK` elements.
    pub small_blocks_only: bool,
}

/// Blocks up to this many elements count as small (`LanesKernel`).
const SMALL_BLOCK: u64 = 32;

/// The kernels one path calls: one per outer iteration, and optionally
/// one for several at once (the remainder runs one at a time).
#[derive(Clone, Copy)]
struct Kernel<'ctx> {
    single: FunctionValue<'ctx>,
    lanes: Option<LanesKernel<'ctx>>,
}

/// What one gufunc loop wraps.
pub struct GufuncLoop<'a, 'ctx> {
    pub name: String,
    pub layout: &'a Layout,
    pub plan: &'a KernelPlan,
    /// Kernels reporting exact FP flags (none under fast-math).
    pub exact: KernelSet<'ctx>,
    /// Kernels that only note non-finite floats (`FlagMode::Taint`), run
    /// first over chunks of outer iterations; a chunk where they noted one
    /// is redone by `exact.any`. `None` when flags are not tracked or the
    /// kernel writes its inputs (`guvectorize::rerun`).
    pub fast: Option<KernelSet<'ctx>>,
    /// The kernel reads its outputs: the fast path snapshots each chunk's
    /// output blocks and restores them before an exact redo
    /// (`loops::snapshot`).
    pub snapshot_outputs: bool,
    /// The address of the loop's `gufunc_deferred::DeferredGufuncPart`
    /// slot for its exact redo, when that is compiled on first use (`exact`
    /// is then not called in this module).
    pub deferred: Option<usize>,
    /// Likewise for the path of operands without unit innermost strides
    /// (`fast.any` is then not called in this module).
    pub deferred_general: Option<usize>,
}

/// NumPy's arguments, read once at loop entry.
struct Operands<'ctx> {
    bases: Vec<PointerValue<'ctx>>,
    outer: Vec<IntValue<'ctx>>,
    /// Per operand, per core axis: (size, stride).
    axes: Vec<Vec<(IntValue<'ctx>, IntValue<'ctx>)>>,
    /// Whether the first operand with core dimensions has a small block
    /// (`SMALL_BLOCK`).
    small_block: IntValue<'ctx>,
    /// Whether the output blocks of different outer iterations are apart
    /// (`outputs_apart`): jammed kernels interleave iterations, which gives
    /// the sequential result only then.
    outputs_apart: IntValue<'ctx>,
}

fn load_i64<'ctx>(
    cg: &Codegen<'ctx>,
    base: PointerValue<'ctx>,
    index: usize,
    name: &str,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    // SAFETY: NumPy passes arrays of at least `index + 1` entries (checked
    // by construction: counts come from the same layout NumPy was given).
    let p = unsafe {
        cg.builder
            .build_gep(i64t, base, &[i64t.const_int(index as u64, false)], "")?
    };
    Ok(cg.builder.build_load(i64t, p, name)?.into_int_value())
}

fn read_operands<'ctx>(
    cg: &Codegen<'ctx>,
    layout: &Layout,
    args: PointerValue<'ctx>,
    dims: PointerValue<'ctx>,
    steps: PointerValue<'ctx>,
) -> Result<Operands<'ctx>> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let nops = layout.nin() + layout.nout();
    let numpy_dims = (0..layout.numpy_dims)
        .map(|j| load_i64(cg, dims, 1 + j, &format!("dim{j}")))
        .collect::<Result<Vec<_>>>()?;
    // The size of each logical dimension: its NumPy dimensions agree or
    // are 1 (broadcast, checked when the ufunc is called), so the size is
    // the one that is not 1, if any (0 included, as NumPy broadcasts).
    let mut logical: Vec<Option<IntValue<'ctx>>> = vec![None; layout.dims.len()];
    for (j, &owner) in layout.numpy_dim_owner.iter().enumerate() {
        logical[owner] = Some(match logical[owner] {
            None => numpy_dims[j],
            Some(size) => {
                let b = &cg.builder;
                let not_one = b.build_int_compare(
                    IntPredicate::NE,
                    numpy_dims[j],
                    i64t.const_int(1, false),
                    "",
                )?;
                b.build_select(not_one, numpy_dims[j], size, "")?
                    .into_int_value()
            }
        });
    }
    let mut bases = vec![];
    let mut outer = vec![];
    let mut axes = vec![];
    let mut step_index = nops;
    for k in 0..nops {
        // SAFETY: NumPy passes `nargs` data pointers.
        let pa = unsafe {
            cg.builder
                .build_gep(ptr, args, &[i64t.const_int(k as u64, false)], "")?
        };
        bases.push(
            cg.builder
                .build_load(ptr, pa, &format!("op{k}"))?
                .into_pointer_value(),
        );
        outer.push(load_i64(cg, steps, k, &format!("step{k}"))?);
        let mut op_axes = vec![];
        for d in layout.operand(k) {
            let mut stride = load_i64(cg, steps, step_index, "")?;
            step_index += 1;
            let size = logical[d.dim].expect("every dimension has a NumPy dimension");
            if d.broadcast {
                let b = &cg.builder;
                let one = b.build_int_compare(
                    IntPredicate::EQ,
                    numpy_dims[d.numpy],
                    i64t.const_int(1, false),
                    "",
                )?;
                stride = b
                    .build_select(one, i64t.const_zero(), stride, "")?
                    .into_int_value();
            }
            op_axes.push((size, stride));
        }
        axes.push(op_axes);
    }
    let block_size = axes
        .iter()
        .find(|a| !a.is_empty())
        .map(|a| {
            a.iter()
                .try_fold(i64t.const_int(1, false), |acc, (size, _)| {
                    cg.builder.build_int_mul(acc, *size, "")
                })
        })
        .transpose()?
        .unwrap_or(i64t.const_int(1, false));
    let small_block = cg.builder.build_int_compare(
        IntPredicate::ULE,
        block_size,
        i64t.const_int(SMALL_BLOCK, false),
        "small.block",
    )?;
    Ok(Operands {
        bases,
        outer,
        axes,
        small_block,
        outputs_apart: cg.ctx.bool_type().const_all_ones(),
    })
}

/// Whether no output block of one outer iteration overlaps that of
/// another: `|outer stride| >= extent of a block` for every output (or at
/// most one iteration, or empty blocks). NumPy copies outputs that overlap
/// inputs, but not an output view whose blocks overlap each other
/// (`as_strided`); such views run one iteration at a time, in order.
fn outputs_apart<'ctx>(
    cg: &Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
    n: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let b = &cg.builder;
    let zero = i64t.const_zero();
    let abs = |v: IntValue<'ctx>| -> Result<IntValue<'ctx>> {
        let neg = b.build_int_compare(IntPredicate::SLT, v, zero, "")?;
        let minus = b.build_int_neg(v, "")?;
        Ok(b.build_select(neg, minus, v, "")?.into_int_value())
    };
    let mut apart = b.build_int_compare(IntPredicate::SLE, n, i64t.const_int(1, false), "")?;
    let mut all = cg.ctx.bool_type().const_all_ones();
    for k in spec.layout.nin()..spec.plan.operands.len() {
        let itemsize = spec.plan.operands[k].dtype.itemsize() as u64;
        let mut extent = i64t.const_int(itemsize, false);
        let mut empty = cg.ctx.bool_type().const_zero();
        for (size, stride) in &ops.axes[k] {
            let last = b.build_int_sub(*size, i64t.const_int(1, false), "")?;
            let span = b.build_int_mul(last, abs(*stride)?, "")?;
            extent = b.build_int_add(extent, span, "")?;
            let none = b.build_int_compare(IntPredicate::SLE, *size, zero, "")?;
            empty = b.build_or(empty, none, "")?;
        }
        let far = b.build_int_compare(IntPredicate::SGE, abs(ops.outer[k])?, extent, "")?;
        let ok = b.build_or(far, empty, "")?;
        all = b.build_and(all, ok, "")?;
    }
    apart = b.build_or(apart, all, "outputs.apart")?;
    Ok(apart)
}

/// Whether every view operand with core axes has a unit innermost stride.
fn unit_strides<'ctx>(
    cg: &Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let mut all = cg.ctx.bool_type().const_all_ones();
    for (k, op) in spec.plan.operands.iter().enumerate() {
        if !matches!(op.passing, Passing::View { .. }) {
            continue;
        }
        if let Some((_, stride)) = ops.axes[k].last() {
            let unit = cg.builder.build_int_compare(
                IntPredicate::EQ,
                *stride,
                i64t.const_int(op.dtype.itemsize() as u64, false),
                "",
            )?;
            all = cg.builder.build_and(all, unit, "")?;
        }
    }
    Ok(all)
}

/// The kernel's arguments for outer iteration `r`, and each operand's
/// block address there.
fn iteration_args<'ctx>(
    cg: &Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
    r: IntValue<'ctx>,
    opaque: bool,
) -> Result<(Vec<BasicValueEnum<'ctx>>, Vec<PointerValue<'ctx>>)> {
    let plan = spec.plan;
    let mut blocks = vec![];
    for k in 0..plan.operands.len() {
        let block = element_ptr(cg, ops.bases[k], r, ops.outer[k])?;
        blocks.push(if opaque {
            opaque_pointer(cg, block)?
        } else {
            block
        });
    }
    let operands: Vec<CoreOperand<'ctx>> = blocks
        .iter()
        .zip(&ops.axes)
        .map(|(&ptr, axes)| {
            let (shape, strides) = axes.iter().copied().unzip();
            CoreOperand::Block(View {
                ptr,
                // NumPy's operands: the caller owns the memory.
                owner: cg.ptr_type().const_null(),
                shape,
                strides,
            })
        })
        .collect();
    Ok((kernel_args(cg, plan, &operands)?, blocks))
}

/// `p`, through an empty inline-asm statement: a value LLVM cannot relate
/// to any other. The lanes' blocks are `base + (r + l) * step`; seeing
/// that, LLVM's loop strength reduction computes lane l's address from lane
/// l-1's inside the kernel's loops, a serial chain of 16 additions per
/// iteration for 16 lanes (row norms 1e4 x 1e3: 2.9-3.6 ms with the chain,
/// 2.9-3.1 ms without). Used from 8 lanes on; with 4 the chain is short and
/// sharing address arithmetic between lanes wins (batched 4x4 matmul 2.68
/// vs 2.77 ms).
fn opaque_pointer<'ctx>(cg: &Codegen<'ctx>, p: PointerValue<'ctx>) -> Result<PointerValue<'ctx>> {
    let ptr = cg.ptr_type();
    let ty = ptr.fn_type(&[ptr.into()], false);
    let asm = cg.ctx.create_inline_asm(
        ty,
        String::new(),
        "=r,0".to_string(),
        false,
        false,
        None,
        false,
    );
    let call = cg
        .builder
        .build_indirect_call(ty, asm, &[p.into()], "lane.block")?;
    match call.try_as_basic_value() {
        inkwell::values::ValueKind::Basic(v) => Ok(v.into_pointer_value()),
        _ => Err(crate::error::CompileError::internal(
            "inline asm without a result",
        )),
    }
}

/// Outer iterations `r .. r + lanes` by one call of `kernel` (compiled for
/// that many lanes). Returns whether the kernel reported an error.
fn call_kernel<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
    kernel: FunctionValue<'ctx>,
    lanes: usize,
    status: PointerValue<'ctx>,
    r: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let plan = spec.plan;
    let i64t = cg.ctx.i64_type();
    let mut call_args = vec![status.into()];
    let mut lane_blocks = vec![];
    for lane in 0..lanes {
        let rl = cg
            .builder
            .build_int_nsw_add(r, i64t.const_int(lane as u64, false), "")?;
        let (args, blocks) = iteration_args(cg, spec, ops, rl, lanes >= 8)?;
        call_args.extend(args);
        lane_blocks.push(blocks);
    }
    let call = cg.call(kernel, &call_args)?;
    if !plan.returned.is_empty() {
        let result = match call.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => v,
            _ => {
                return Err(crate::error::CompileError::internal(
                    "gufunc kernel returns nothing",
                ))
            }
        };
        for (lane, blocks) in lane_blocks.iter().enumerate() {
            let lane_result = if lanes == 1 {
                result
            } else {
                cg.builder
                    .build_extract_value(result.into_struct_value(), lane as u32, "")?
            };
            for (j, &k) in plan.returned.iter().enumerate() {
                let v = if plan.returned.len() == 1 {
                    lane_result
                } else {
                    cg.builder
                        .build_extract_value(lane_result.into_struct_value(), j as u32, "")?
                };
                store_scalar(cg, plan.operands[k].dtype, blocks[k], v)?;
            }
        }
    }
    crate::codegen::fpstatus::has_error(cg, status)
}

/// Outer iterations per chunk on the fast path (and per exact redo).
pub const CHUNK: u64 = 64;

/// The loop's state shared by its paths.
struct LoopState<'a, 'ctx> {
    f: FunctionValue<'ctx>,
    spec: &'a GufuncLoop<'a, 'ctx>,
    /// NumPy's `args`, `dims` and `steps`, passed on to a deferred redo.
    numpy: [PointerValue<'ctx>; 3],
    ops: Operands<'ctx>,
    /// The status word the loop reports (`FpFlags`).
    status: PointerValue<'ctx>,
    /// Where the loop goes when a kernel raised an error.
    failed: inkwell::basic_block::BasicBlock<'ctx>,
    /// Output snapshots of the fast path (`GufuncLoop::snapshot_outputs`).
    snapshot: Option<Snapshot<'ctx>>,
}

/// Where a run of outer iterations reports its flags, and whether it
/// saves output blocks before each kernel call (`loops::snapshot`).
#[derive(Clone, Copy)]
struct Run<'ctx> {
    status: PointerValue<'ctx>,
    /// With snapshots: the chunk's first iteration (kept in slot 0).
    snapshot_from: Option<IntValue<'ctx>>,
}

impl<'ctx> Run<'ctx> {
    fn exact(status: PointerValue<'ctx>) -> Run<'ctx> {
        Run {
            status,
            snapshot_from: None,
        }
    }
}

/// `for r in lo..lo+count: kernel(r)`, leaving for `state.failed` on an
/// error; with a lanes kernel, `lanes` iterations per call first.
fn outer_range<'ctx>(
    cg: &mut Codegen<'ctx>,
    state: &LoopState<'_, 'ctx>,
    kernel: Kernel<'ctx>,
    run: Run<'ctx>,
    lo: IntValue<'ctx>,
    count: IntValue<'ctx>,
    name: &str,
) -> Result<()> {
    let Run {
        status,
        snapshot_from,
    } = run;
    let i64t = cg.ctx.i64_type();
    let mut lo = lo;
    let mut count = count;
    let call = |cg: &mut Codegen<'ctx>,
                f: FunctionValue<'ctx>,
                lanes: usize,
                r: IntValue<'ctx>|
     -> Result<()> {
        if let (Some(chunk_lo), Some(snapshot)) = (snapshot_from, &state.snapshot) {
            let slot = cg.builder.build_int_nsw_sub(r, chunk_lo, "slot")?;
            let n = i64t.const_int(lanes as u64, false);
            snapshot.save(cg, state.f, r, slot, n)?;
        }
        let failed = call_kernel(cg, state.spec, &state.ops, f, lanes, status, r)?;
        let next = cg.ctx.append_basic_block(state.f, "");
        cg.builder
            .build_conditional_branch(failed, state.failed, next)?;
        cg.builder.position_at_end(next);
        Ok(())
    };
    if let Some(LanesKernel {
        function: jammed,
        count: lanes,
        small_blocks_only,
    }) = kernel.lanes
    {
        let k = i64t.const_int(lanes as u64, false);
        let mut groups = cg.builder.build_int_unsigned_div(count, k, "groups")?;
        let mut allowed = state.ops.outputs_apart;
        if small_blocks_only {
            allowed = cg.builder.build_and(allowed, state.ops.small_block, "")?;
        }
        groups = cg
            .builder
            .build_select(allowed, groups, i64t.const_zero(), "")?
            .into_int_value();
        counted_loop(
            cg,
            state.f,
            groups,
            &format!("{name}.lanes"),
            &[LoopHint::NoUnroll],
            |cg, g| {
                let b = &cg.builder;
                let r = b.build_int_nsw_add(lo, b.build_int_nsw_mul(g, k, "")?, "r")?;
                call(cg, jammed, lanes, r)
            },
        )?;
        let done = cg.builder.build_int_nsw_mul(groups, k, "")?;
        lo = cg.builder.build_int_nsw_add(lo, done, "")?;
        count = cg.builder.build_int_sub(count, done, "")?;
    }
    counted_loop(cg, state.f, count, name, &[LoopHint::NoUnroll], |cg, i| {
        let r = cg.builder.build_int_nsw_add(lo, i, "r")?;
        call(cg, kernel.single, 1, r)
    })?;
    Ok(())
}

/// All outer iterations with one kernel that reports exact flags.
fn exact_path<'ctx>(
    cg: &mut Codegen<'ctx>,
    state: &LoopState<'_, 'ctx>,
    kernel: Kernel<'ctx>,
    n: IntValue<'ctx>,
    name: &str,
) -> Result<()> {
    let zero = cg.ctx.i64_type().const_zero();
    outer_range(cg, state, kernel, Run::exact(state.status), zero, n, name)
}

/// Outer iterations `lo..lo+count` again with `spec.exact.any`, flags into
/// the loop's status: the redo of a chunk where the fast kernel noted a
/// non-finite float.
fn exact_redo<'ctx>(
    cg: &mut Codegen<'ctx>,
    state: &LoopState<'_, 'ctx>,
    lo: IntValue<'ctx>,
    count: IntValue<'ctx>,
    name: &str,
) -> Result<()> {
    let exact = Kernel {
        single: state.spec.exact.any,
        lanes: None,
    };
    outer_range(cg, state, exact, Run::exact(state.status), lo, count, name)
}

/// Chunks of outer iterations with a taint-mode kernel; a chunk that noted
/// a non-finite float is redone with the exact kernel.
fn fast_path<'ctx>(
    cg: &mut Codegen<'ctx>,
    state: &LoopState<'_, 'ctx>,
    fast: Kernel<'ctx>,
    n: IntValue<'ctx>,
    name: &str,
) -> Result<()> {
    let i64t = cg.ctx.i64_type();
    let i32t = cg.ctx.i32_type();
    let f = state.f;
    let chunk = match &state.snapshot {
        Some(s) => s.chunk,
        None => i64t.const_int(CHUNK, false),
    };
    let chunks = cg.builder.build_int_add(n, chunk, "")?;
    let chunks = cg
        .builder
        .build_int_sub(chunks, i64t.const_int(1, false), "")?;
    let chunks = cg.builder.build_int_unsigned_div(chunks, chunk, "chunks")?;
    let fast_status = cg.builder.build_alloca(i32t, "fast.status")?;
    counted_loop(
        cg,
        f,
        chunks,
        &format!("{name}.chunk"),
        &[LoopHint::NoUnroll],
        |cg, c| {
            let b = &cg.builder;
            let lo = b.build_int_nsw_mul(c, chunk, "lo")?;
            let left = b.build_int_sub(n, lo, "")?;
            let full = b.build_int_compare(IntPredicate::SGT, left, chunk, "")?;
            let count = b.build_select(full, chunk, left, "count")?.into_int_value();
            b.build_store(fast_status, i32t.const_zero())?;
            outer_range(
                cg,
                state,
                fast,
                Run {
                    status: fast_status,
                    snapshot_from: Some(lo),
                },
                lo,
                count,
                &format!("{name}.fast"),
            )?;
            let b = &cg.builder;
            let noted = b.build_load(i32t, fast_status, "")?.into_int_value();
            let taint = b.build_and(noted, i32t.const_int(TAINT, false), "")?;
            let tainted = b.build_int_compare(IntPredicate::NE, taint, i32t.const_zero(), "")?;
            let redo = cg.ctx.append_basic_block(f, "chunk.redo");
            let clean = cg.ctx.append_basic_block(f, "chunk.clean");
            let next = cg.ctx.append_basic_block(f, "chunk.next");
            b.build_conditional_branch(tainted, redo, clean)?;
            // The exact kernel recomputes the chunk and every flag of it.
            cg.builder.position_at_end(redo);
            if let Some(snapshot) = &state.snapshot {
                snapshot.restore(cg, f, lo, count)?;
            }
            match state.spec.deferred {
                Some(address) => call_deferred(cg, state, address, lo, count, next)?,
                None => {
                    exact_redo(cg, state, lo, count, &format!("{name}.redo"))?;
                    cg.builder.build_unconditional_branch(next)?;
                }
            }
            // No float event: the integer flags the fast kernel reported count.
            cg.builder.position_at_end(clean);
            let b = &cg.builder;
            let old = b.build_load(i32t, state.status, "")?.into_int_value();
            let merged = b.build_or(old, noted, "")?;
            b.build_store(state.status, merged)?;
            b.build_unconditional_branch(next)?;
            cg.builder.position_at_end(next);
            Ok(())
        },
    )?;
    Ok(())
}

/// `i32 part(char **args, npy_intp *dims, npy_intp *steps, i64 lo,
/// i64 count, i32 *status, void *slot)`: a deferred part of the loop run
/// on outer iterations `lo..lo+count` (`emit_exact_range`,
/// `emit_general_range`), nonzero when a kernel raised. `slot` is only
/// read by the trampoline.
pub(super) fn range_type<'ctx>(cg: &Codegen<'ctx>) -> inkwell::types::FunctionType<'ctx> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    cg.ctx.i32_type().fn_type(
        &[
            ptr.into(),
            ptr.into(),
            ptr.into(),
            i64t.into(),
            i64t.into(),
            ptr.into(),
            ptr.into(),
        ],
        false,
    )
}

/// Runs outer iterations `lo..lo+count` through the slot at `address` (a
/// deferred part, or the trampoline that compiles it); then `next`, or the
/// loop's `failed` when a kernel raised.
fn call_deferred<'ctx>(
    cg: &mut Codegen<'ctx>,
    state: &LoopState<'_, 'ctx>,
    address: usize,
    lo: IntValue<'ctx>,
    count: IntValue<'ctx>,
    next: inkwell::basic_block::BasicBlock<'ctx>,
) -> Result<()> {
    let i32t = cg.ctx.i32_type();
    let (slot, target) = super::deferred::load_entry(cg, address)?;
    let [args, dims, steps] = state.numpy;
    let raised = cg
        .builder
        .build_indirect_call(
            range_type(cg),
            target,
            &[
                args.into(),
                dims.into(),
                steps.into(),
                lo.into(),
                count.into(),
                state.status.into(),
                slot.into(),
            ],
            "raised",
        )?
        .try_as_basic_value()
        .unwrap_basic()
        .into_int_value();
    let failed = cg
        .builder
        .build_int_compare(IntPredicate::NE, raised, i32t.const_zero(), "")?;
    cg.builder
        .build_conditional_branch(failed, state.failed, next)?;
    Ok(())
}

/// Emits `name`, the exact redo of a range of outer iterations with
/// `spec.exact.any` (`range_type`), exported: the entry of a module of its
/// own, compiled when a loop first redoes a chunk (`gufunc_deferred`). It
/// runs exactly what the loop's inline redo runs.
pub fn emit_exact_range<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    name: &str,
) -> Result<FunctionValue<'ctx>> {
    emit_range(cg, spec, name, |cg, state, lo, count| {
        exact_redo(cg, state, lo, count, "redo")
    })
}

/// Emits `name`, every outer iteration (`count` of them, `lo` is 0) with
/// `spec.fast.any` in chunks redone through `spec.deferred` (`range_type`),
/// exported: the entry of a module of its own, compiled when a loop first
/// meets operands without unit innermost strides (`gufunc_deferred`). It
/// runs exactly what the loop's general path runs.
pub fn emit_general_range<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    name: &str,
) -> Result<FunctionValue<'ctx>> {
    let fast = spec.fast.ok_or_else(|| {
        crate::error::CompileError::internal("a general path without a fast kernel")
    })?;
    emit_range(cg, spec, name, |cg, state, _lo, count| {
        let kernel = Kernel {
            single: fast.any,
            lanes: None,
        };
        fast_path(cg, state, kernel, count, "outer")
    })
}

/// A deferred part (`range_type`): reads the operands, runs `body` on the
/// range, returns 0, or 1 when a kernel raised.
fn emit_range<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    name: &str,
    body: impl FnOnce(
        &mut Codegen<'ctx>,
        &LoopState<'_, 'ctx>,
        IntValue<'ctx>,
        IntValue<'ctx>,
    ) -> Result<()>,
) -> Result<FunctionValue<'ctx>> {
    cg.in_function(FunctionState::default(), |cg| {
        let f = cg.module.add_function(name, range_type(cg), None);
        cg.add_host_attributes(f);
        cg.align_stack_for_vectors(f);
        let entry = cg.ctx.append_basic_block(f, "entry");
        cg.builder.position_at_end(entry);
        let param = |i: u32| f.get_nth_param(i).expect("declared parameter");
        let [args, dims, steps] = [0, 1, 2].map(|i| param(i).into_pointer_value());
        let (lo, count) = (param(3).into_int_value(), param(4).into_int_value());
        let status = param(5).into_pointer_value();
        let mut ops = read_operands(cg, spec.layout, args, dims, steps)?;
        // No jammed kernel runs here.
        ops.outputs_apart = cg.ctx.bool_type().const_zero();
        let failed = cg.ctx.append_basic_block(f, "failed");
        let state = LoopState {
            f,
            spec,
            numpy: [args, dims, steps],
            ops,
            status,
            failed,
            snapshot: None,
        };
        body(cg, &state, lo, count)?;
        let i32t = cg.ctx.i32_type();
        cg.builder.build_return(Some(&i32t.const_zero()))?;
        cg.builder.position_at_end(failed);
        cg.builder.build_return(Some(&i32t.const_int(1, false)))?;
        Ok(f)
    })
}

/// Runs `path` with the unit-stride kernel when the strides allow it and
/// the general kernel otherwise (through the deferred part at `general`
/// when there is one and a unit-stride kernel).
fn by_strides<'ctx>(
    cg: &mut Codegen<'ctx>,
    state: &LoopState<'_, 'ctx>,
    set: KernelSet<'ctx>,
    n: IntValue<'ctx>,
    done: inkwell::basic_block::BasicBlock<'ctx>,
    path: fn(
        &mut Codegen<'ctx>,
        &LoopState<'_, 'ctx>,
        Kernel<'ctx>,
        IntValue<'ctx>,
        &str,
    ) -> Result<()>,
    general: Option<usize>,
) -> Result<()> {
    let f = state.f;
    if let Some(unit) = set.unit {
        let is_unit = unit_strides(cg, state.spec, &state.ops)?;
        let fast = cg.ctx.append_basic_block(f, "unit.strides");
        let general = cg.ctx.append_basic_block(f, "any.strides");
        cg.builder
            .build_conditional_branch(is_unit, fast, general)?;
        cg.builder.position_at_end(fast);
        let kernel = Kernel {
            single: unit,
            lanes: set.unit_lanes,
        };
        path(cg, state, kernel, n, "outer.unit")?;
        cg.builder.build_unconditional_branch(done)?;
        cg.builder.position_at_end(general);
    }
    match general {
        Some(address) if set.unit.is_some() => {
            let zero = cg.ctx.i64_type().const_zero();
            call_deferred(cg, state, address, zero, n, done)?;
        }
        _ => {
            let kernel = Kernel {
                single: set.any,
                lanes: None,
            };
            path(cg, state, kernel, n, "outer")?;
            cg.builder.build_unconditional_branch(done)?;
        }
    }
    Ok(())
}

/// Emits the gufunc loop `spec.name` (exported, NumPy's loop ABI).
pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
) -> Result<FunctionValue<'ctx>> {
    // The loop is a function of its own: it starts from a fresh state.
    cg.in_function(FunctionState::default(), |cg| emit_loop(cg, spec))
}

fn emit_loop<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
) -> Result<FunctionValue<'ctx>> {
    let LoopEntry {
        function: f,
        args,
        dims,
        steps,
        n,
    } = begin_loop(cg, &spec.name)?;
    let fp = FpFlags::begin(cg)?;
    let mut ops = read_operands(cg, spec.layout, args, dims, steps)?;
    ops.outputs_apart = outputs_apart(cg, spec, &ops, n)?;
    let ret = cg.ctx.append_basic_block(f, "return");
    // A kernel raised an exception (already set): stop, report nothing else.
    let failed = cg.ctx.append_basic_block(f, "failed");
    let snapshot = match spec.fast {
        Some(_) if spec.snapshot_outputs => {
            let nin = spec.layout.nin();
            let outputs = (nin..spec.plan.operands.len())
                .map(|k| OutputBlocks {
                    base: ops.bases[k],
                    outer: ops.outer[k],
                    axes: ops.axes[k].clone(),
                    itemsize: spec.plan.operands[k].dtype.itemsize() as u64,
                })
                .collect();
            Some(Snapshot::begin(cg, outputs, CHUNK)?)
        }
        _ => None,
    };
    let fits = snapshot.as_ref().map(|s| s.chunk);
    let state = LoopState {
        f,
        spec,
        numpy: [args, dims, steps],
        ops,
        status: fp.status,
        failed,
        snapshot,
    };
    match (spec.fast, fits) {
        (Some(set), Some(chunk)) => {
            // Blocks too big for the snapshot buffer run exactly.
            let i64t = cg.ctx.i64_type();
            let fit =
                cg.builder
                    .build_int_compare(IntPredicate::NE, chunk, i64t.const_zero(), "fits")?;
            let fast = cg.ctx.append_basic_block(f, "snapshot.fast");
            let exact = cg.ctx.append_basic_block(f, "snapshot.exact");
            cg.builder.build_conditional_branch(fit, fast, exact)?;
            cg.builder.position_at_end(fast);
            by_strides(cg, &state, set, n, ret, fast_path, None)?;
            cg.builder.position_at_end(exact);
            by_strides(cg, &state, spec.exact, n, ret, exact_path, None)?;
        }
        (Some(set), None) => by_strides(cg, &state, set, n, ret, fast_path, spec.deferred_general)?,
        (None, _) => by_strides(cg, &state, spec.exact, n, ret, exact_path, None)?,
    }
    cg.builder.position_at_end(failed);
    cg.builder.build_unconditional_branch(ret)?;
    cg.builder.position_at_end(ret);
    fp.finish(cg)?;
    cg.builder.build_return(None)?;
    Ok(f)
}
