//! The inner loop of an elementwise ufunc, as NumPy calls it:
//! `void loop(char **args, npy_intp const *dims, npy_intp const *steps, void *data)`.
//!
//! It has two paths around the (always-inlined) kernel:
//! - vector: every output contiguous (stride == item size, checked for
//!   outputs too), every input contiguous or of stride 0 (a scalar
//!   broadcast against an array; its value is replicated once per call
//!   into a small stack buffer, so every input is read contiguously); the
//!   loop vectorizes, including calls into libmvec;
//! - strided: any strides (negative, zero, non-unit outputs), scalar.
//!
//! The kernels report floating-point flags into a status word
//! (`codegen::fpstatus`); at the end the loop sets the CPU's flags to
//! exactly what was set when it started plus that word,
//! dropping flags that speculation or vector math libraries raised.
//!
//! Exact flags cost a dozen vector instructions per float operation, so the
//! vector paths run in chunks: a *fast* kernel that only notes whether any
//! float result was not finite (one class test per operation) computes the
//! chunk into a stack buffer; only if it noted something does the exact
//! kernel run again over the chunk's inputs, which are intact because the
//! results went to the buffer (this also keeps in-place calls, `out=a`,
//! exact); then the buffer is copied out. The strided path and short
//! arrays run the exact kernel directly. Both reach it through one
//! out-of-line range function, which a fresh compile leaves to be compiled
//! when a call first needs it (`deferred`).

use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::{AddressSpace, IntPredicate};

use super::entry::{begin_loop, LoopEntry};
use super::fpflags::FpFlags;
use crate::codegen::context::FunctionState;
use crate::codegen::counted_loop::counted_loop;
use crate::codegen::fpstatus::{ERROR, TAINT};
use crate::codegen::masked::{self, MaskedKernel};
use crate::codegen::memory::{element_ptr, load_scalar, store_scalar};
use crate::codegen::metadata::{new_access_group, LoopHint};
use crate::codegen::Codegen;
use crate::error::Result;
use crate::types::{Kind, Scalar};

/// What one elementwise loop wraps.
pub struct ElementwiseLoop<'ctx> {
    pub name: String,
    pub inputs: Vec<Scalar>,
    pub outputs: Vec<Scalar>,
    /// The kernel: takes the FP status word and the inputs, returns the
    /// output (or a struct of the outputs when there are several). It
    /// reports exact flags (none under fast-math).
    pub kernel: FunctionValue<'ctx>,
    /// The same kernel in taint mode (`codegen::fpstatus::FlagMode`), used
    /// by the chunked vector paths; `None` when flags are not tracked.
    pub fast_kernel: Option<FunctionValue<'ctx>>,
    /// Whether the kernel can raise (`raise`, `assert`): the loop then
    /// stops at the first element that raised (`fpstatus::ERROR`).
    pub may_raise: bool,
    /// Whether the kernel has loops of its own (its control flow has a
    /// cycle): the vector path then asks for the masked-lane form
    /// (`codegen::masked`).
    pub has_loops: bool,
    /// The address of the loop's `deferred::DeferredExact` slot when its
    /// exact range function is compiled on first use; `None`: it is
    /// emitted into this module.
    pub deferred: Option<usize>,
    /// A driven loop's chunk function takes multiples of this many
    /// elements (`chunk_group`; 1: any count).
    pub group: u64,
    /// Whether a chunk may be run twice (the fast pass, then the exact
    /// redo when it met a non-finite value): the kernel repeats harmlessly
    /// (`typing::Program::rerun` is `ir::Rerun::Harmless`). A kernel that draws random numbers
    /// does not: with flags tracked it runs exact, once per element.
    pub redo: bool,
}

/// Elements per chunk on the vector path (and per exact redo).
pub const CHUNK: u64 = 256;
/// Arrays shorter than this take the strided path (no chunk set-up).
pub(super) const SHORT: u64 = 16;

/// NumPy's `args` and `steps` arrays, read into one base pointer and one
/// stride per operand (inputs, then outputs).
struct Operands<'ctx> {
    types: Vec<Scalar>,
    bases: Vec<PointerValue<'ctx>>,
    strides: Vec<IntValue<'ctx>>,
}

impl<'ctx> Operands<'ctx> {
    fn load(
        cg: &Codegen<'ctx>,
        types: Vec<Scalar>,
        args: PointerValue<'ctx>,
        steps: PointerValue<'ctx>,
    ) -> Result<Self> {
        let ptr = cg.ptr_type();
        let i64t = cg.ctx.i64_type();
        let mut bases = vec![];
        let mut strides = vec![];
        for k in 0..types.len() {
            let idx = i64t.const_int(k as u64, false);
            // SAFETY: NumPy passes nin + nout pointers and steps.
            let (pa, ps) = unsafe {
                (
                    cg.builder.build_gep(ptr, args, &[idx], "")?,
                    cg.builder.build_gep(i64t, steps, &[idx], "")?,
                )
            };
            bases.push(
                cg.builder
                    .build_load(ptr, pa, &format!("op{k}"))?
                    .into_pointer_value(),
            );
            strides.push(
                cg.builder
                    .build_load(i64t, ps, &format!("step{k}"))?
                    .into_int_value(),
            );
        }
        Ok(Operands {
            types,
            bases,
            strides,
        })
    }

    fn itemsize(&self, cg: &Codegen<'ctx>, k: usize) -> IntValue<'ctx> {
        cg.ctx
            .i64_type()
            .const_int(self.types[k].itemsize() as u64, false)
    }
}

/// Output `j` of a kernel's result.
fn output<'ctx>(
    cg: &Codegen<'ctx>,
    nout: usize,
    result: BasicValueEnum<'ctx>,
    j: usize,
) -> Result<BasicValueEnum<'ctx>> {
    Ok(if nout == 1 {
        result
    } else {
        cg.builder
            .build_extract_value(result.into_struct_value(), j as u32, "")?
    })
}

/// The type of `emit_exact_range`'s function.
fn exact_range_type<'ctx>(cg: &Codegen<'ctx>) -> inkwell::types::FunctionType<'ctx> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    cg.ctx.void_type().fn_type(
        &[
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

/// Emits `name.exact(args, steps, lo, hi, status, slot)`: the exact kernel
/// over elements `lo..hi` with NumPy's strides, writing the outputs. It is
/// the strided path, and what the vector path calls for a chunk whose fast
/// pass met a non-finite value. Kept out of line (and scalar) so the exact
/// kernel is compiled once per signature. `slot` (the loop's
/// `deferred::DeferredExact`, or null) is not read. `exported`: the
/// function is a module of its own's entry (`deferred`), else internal to
/// the loop's module.
pub(super) fn emit_exact_range<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    exported: bool,
) -> Result<FunctionValue<'ctx>> {
    let ty = exact_range_type(cg);
    let linkage = if exported {
        inkwell::module::Linkage::External
    } else {
        inkwell::module::Linkage::Internal
    };
    let f = cg
        .module
        .add_function(&format!("{}.exact", spec.name), ty, Some(linkage));
    cg.add_host_attributes(f);
    cg.add_enum_attribute(f, "noinline");
    let saved = cg.builder.get_insert_block();
    cg.builder
        .position_at_end(cg.ctx.append_basic_block(f, "entry"));
    let param = |i: u32| f.get_nth_param(i).expect("declared parameter");
    let types: Vec<Scalar> = spec.inputs.iter().chain(&spec.outputs).copied().collect();
    let ops = Operands::load(
        cg,
        types,
        param(0).into_pointer_value(),
        param(1).into_pointer_value(),
    )?;
    let lo = param(2).into_int_value();
    let hi = param(3).into_int_value();
    // A local status word (kept in a register), merged into the caller's
    // once at the end.
    let caller_status = param(4).into_pointer_value();
    let i32t = cg.ctx.i32_type();
    let status = cg.builder.build_alloca(i32t, "status")?;
    cg.builder.build_store(status, i32t.const_zero())?;
    let count = cg.builder.build_int_sub(hi, lo, "")?;
    // With unknown strides, vectorizing means AVX-512 gathers and scatters,
    // which cost more compile time than they gained.
    let hints = [LoopHint::NoUnroll, LoopHint::NoVectorize];
    counted_loop(cg, f, count, "exact", &hints, |cg, i| {
        if spec.may_raise {
            // Once an element raised, the rest are skipped.
            let s = cg.builder.build_load(i32t, status, "")?.into_int_value();
            let raised = cg.builder.build_and(s, i32t.const_int(ERROR, false), "")?;
            let raised =
                cg.builder
                    .build_int_compare(IntPredicate::NE, raised, i32t.const_zero(), "")?;
            let run = cg.ctx.append_basic_block(f, "exact.run");
            let skip = cg.ctx.append_basic_block(f, "exact.skip");
            cg.builder.build_conditional_branch(raised, skip, run)?;
            cg.builder.position_at_end(run);
            exact_element(cg, spec, &ops, status, lo, i)?;
            cg.builder.build_unconditional_branch(skip)?;
            cg.builder.position_at_end(skip);
            return Ok(());
        }
        exact_element(cg, spec, &ops, status, lo, i)
    })?;
    let raised = cg.builder.build_load(i32t, status, "")?.into_int_value();
    let before = cg
        .builder
        .build_load(i32t, caller_status, "")?
        .into_int_value();
    let merged = cg.builder.build_or(before, raised, "")?;
    cg.builder.build_store(caller_status, merged)?;
    cg.builder.build_return(None)?;
    if let Some(b) = saved {
        cg.builder.position_at_end(b);
    }
    Ok(f)
}

/// The exact kernel on element `lo + i`, writing its outputs.
fn exact_element<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    ops: &Operands<'ctx>,
    status: PointerValue<'ctx>,
    lo: IntValue<'ctx>,
    i: IntValue<'ctx>,
) -> Result<()> {
    let nin = spec.inputs.len();
    let at = cg.builder.build_int_nsw_add(lo, i, "")?;
    let mut args = vec![status.into()];
    for k in 0..nin {
        let p = element_ptr(cg, ops.bases[k], at, ops.strides[k])?;
        args.push(load_scalar(cg, ops.types[k], p)?);
    }
    let result = cg.call_value(spec.kernel, &args)?;
    for j in 0..spec.outputs.len() {
        let k = nin + j;
        let p = element_ptr(cg, ops.bases[k], at, ops.strides[k])?;
        let v = output(cg, spec.outputs.len(), result, j)?;
        store_scalar(cg, ops.types[k], p, v)?;
    }
    Ok(())
}

/// How the loop reaches its exact range function.
#[derive(Clone, Copy)]
enum ExactRange<'ctx> {
    /// Emitted into the loop's module.
    Here(FunctionValue<'ctx>),
    /// Through the `deferred::DeferredExact` slot at this address.
    Deferred(usize),
}

impl<'ctx> ExactRange<'ctx> {
    /// Calls the range function on `lo..hi`, merging flags into `status`.
    fn call(
        self,
        cg: &Codegen<'ctx>,
        args: PointerValue<'ctx>,
        steps: PointerValue<'ctx>,
        lo: IntValue<'ctx>,
        hi: IntValue<'ctx>,
        status: PointerValue<'ctx>,
    ) -> Result<()> {
        let ptr = cg.ptr_type();
        match self {
            ExactRange::Here(f) => {
                let null = ptr.const_null();
                cg.call(
                    f,
                    &[
                        args.into(),
                        steps.into(),
                        lo.into(),
                        hi.into(),
                        status.into(),
                        null.into(),
                    ],
                )?;
            }
            ExactRange::Deferred(address) => {
                let (slot, target) = super::deferred::load_entry(cg, address)?;
                cg.builder.build_indirect_call(
                    exact_range_type(cg),
                    target,
                    &[
                        args.into(),
                        steps.into(),
                        lo.into(),
                        hi.into(),
                        status.into(),
                        slot.into(),
                    ],
                    "",
                )?;
            }
        }
        Ok(())
    }
}

/// What the vector path works with.
struct VectorPath<'ctx> {
    exact: ExactRange<'ctx>,
    /// The kernel the vector loop runs: the fast (taint) kernel, or under
    /// fast-math the only kernel.
    kernel: FunctionValue<'ctx>,
    /// Whether flags are tracked (there is a fast kernel to check).
    flags: bool,
    /// NumPy's `args` and `steps`, passed on to `exact`.
    args: PointerValue<'ctx>,
    steps: PointerValue<'ctx>,
    /// Per input: a chunk's worth of its value, used when its stride is 0.
    splats: Vec<PointerValue<'ctx>>,
    /// Per output: where an in-place chunk is computed.
    buffers: Vec<PointerValue<'ctx>>,
    /// The vector kernel's status word.
    fast_status: PointerValue<'ctx>,
    /// The loop's exact status word.
    status: PointerValue<'ctx>,
    /// Whether some output is also an input.
    in_place: IntValue<'ctx>,
    /// The masked-lane form of `kernel`, when requested.
    masked: Option<MaskedKernel<'ctx>>,
}

/// The vector path: chunks of `CHUNK` elements, every input read
/// contiguously from its array or (stride 0) from its splat buffer (see
/// the module docs for the fast pass and the exact redo).
fn vector_path<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    ops: &Operands<'ctx>,
    n: IntValue<'ctx>,
    vp: &VectorPath<'ctx>,
) -> Result<()> {
    let nin = spec.inputs.len();
    let nout = spec.outputs.len();
    let i64t = cg.ctx.i64_type();
    let i32t = cg.ctx.i32_type();
    let chunk = i64t.const_int(CHUNK, false);
    // Fill the splat buffers of stride-0 inputs (min(n, CHUNK) copies).
    let first = cg
        .builder
        .build_int_compare(IntPredicate::SLT, n, chunk, "")?;
    let fill_count = cg
        .builder
        .build_select(first, n, chunk, "")?
        .into_int_value();
    let mut broadcast = vec![];
    for k in 0..nin {
        let zero = cg.builder.build_int_compare(
            IntPredicate::EQ,
            ops.strides[k],
            i64t.const_zero(),
            "",
        )?;
        broadcast.push(zero);
        let fill = cg.ctx.append_basic_block(f, &format!("splat{k}"));
        let after = cg.ctx.append_basic_block(f, &format!("splat{k}.done"));
        cg.builder.build_conditional_branch(zero, fill, after)?;
        cg.builder.position_at_end(fill);
        let ptr = cg.ctx.ptr_type(AddressSpace::default());
        let splat = cg.external(
            "jitufunc_rt_splat",
            cg.ctx
                .void_type()
                .fn_type(&[ptr.into(), ptr.into(), i64t.into(), i64t.into()], false),
        );
        let size = ops.itemsize(cg, k);
        cg.call(
            splat,
            &[
                vp.splats[k].into(),
                ops.bases[k].into(),
                size.into(),
                fill_count.into(),
            ],
        )?;
        cg.builder.build_unconditional_branch(after)?;
        cg.builder.position_at_end(after);
    }

    let pre = cg.builder.get_insert_block().expect("positioned");
    let header = cg.ctx.append_basic_block(f, "chunk");
    let exit = cg.ctx.append_basic_block(f, "chunks.done");
    cg.builder.build_unconditional_branch(header)?;
    cg.builder.position_at_end(header);
    let start_phi = cg.builder.build_phi(i64t, "chunk.start")?;
    let start = start_phi.as_basic_value().into_int_value();
    let left = cg.builder.build_int_sub(n, start, "")?;
    let full = cg
        .builder
        .build_int_compare(IntPredicate::SGE, left, chunk, "")?;
    let m = cg
        .builder
        .build_select(full, chunk, left, "m")?
        .into_int_value();
    let end = cg.builder.build_int_nsw_add(start, m, "")?;
    cg.builder.build_store(vp.fast_status, i32t.const_zero())?;
    let at_start = |cg: &Codegen<'ctx>, k: usize| -> Result<PointerValue<'ctx>> {
        let offset = cg
            .builder
            .build_int_nsw_mul(start, ops.itemsize(cg, k), "")?;
        // SAFETY: the operand holds n elements and start < n.
        Ok(unsafe {
            cg.builder
                .build_gep(cg.ctx.i8_type(), ops.bases[k], &[offset], "")?
        })
    };
    let mut inputs = vec![];
    for (k, (zero, splat)) in broadcast.iter().zip(&vp.splats).enumerate() {
        let p = at_start(cg, k)?;
        inputs.push(
            cg.builder
                .build_select(*zero, *splat, p, "")?
                .into_pointer_value(),
        );
    }
    // The vector kernel writes to the outputs, or, when flags are tracked
    // and an output is also an input, to the buffers (the exact kernel
    // may need those inputs again).
    let mut outputs = vec![];
    let mut targets = vec![];
    for j in 0..nout {
        let out = at_start(cg, nin + j)?;
        outputs.push(out);
        targets.push(if vp.flags {
            cg.builder
                .build_select(vp.in_place, vp.buffers[j], out, "")?
                .into_pointer_value()
        } else {
            out
        });
    }

    // 1. The vector kernel over the chunk.
    chunk_elements(
        cg,
        f,
        spec,
        &inputs,
        &targets,
        m,
        vp.fast_status,
        vp.kernel,
        vp.masked.as_ref(),
    )?;

    let latch = cg.ctx.append_basic_block(f, "chunk.next");
    if vp.flags {
        // 2. A non-finite value was met: the exact kernel redoes the chunk
        //    (writing the outputs). Otherwise the vector pass's integer
        //    flags count, and in place the buffers are copied out.
        let noted = cg
            .builder
            .build_load(i32t, vp.fast_status, "")?
            .into_int_value();
        let taint = cg
            .builder
            .build_and(noted, i32t.const_int(TAINT, false), "")?;
        let tainted =
            cg.builder
                .build_int_compare(IntPredicate::NE, taint, i32t.const_zero(), "")?;
        let redo = cg.ctx.append_basic_block(f, "chunk.redo");
        let clean = cg.ctx.append_basic_block(f, "chunk.clean");
        let copy = cg.ctx.append_basic_block(f, "chunk.copy");
        cg.builder.build_conditional_branch(tainted, redo, clean)?;
        cg.builder.position_at_end(redo);
        vp.exact
            .call(cg, vp.args, vp.steps, start, end, vp.status)?;
        cg.builder.build_unconditional_branch(latch)?;
        cg.builder.position_at_end(clean);
        let status = cg.builder.build_load(i32t, vp.status, "")?.into_int_value();
        let merged = cg.builder.build_or(status, noted, "")?;
        cg.builder.build_store(vp.status, merged)?;
        cg.builder
            .build_conditional_branch(vp.in_place, copy, latch)?;
        cg.builder.position_at_end(copy);
        for (j, (out, buf)) in outputs.iter().zip(&vp.buffers).enumerate() {
            let bytes = cg
                .builder
                .build_int_nsw_mul(m, ops.itemsize(cg, nin + j), "")?;
            cg.builder
                .build_memcpy(*out, 1, *buf, 16, bytes)
                .map_err(|e| crate::error::CompileError::internal(format!("memcpy: {e}")))?;
        }
    }
    cg.builder.build_unconditional_branch(latch)?;
    cg.builder.position_at_end(latch);
    let mut more = cg
        .builder
        .build_int_compare(IntPredicate::SLT, end, n, "")?;
    if spec.may_raise {
        // An element raised: no more chunks.
        let s = cg.builder.build_load(i32t, vp.status, "")?.into_int_value();
        let noted = cg
            .builder
            .build_load(i32t, vp.fast_status, "")?
            .into_int_value();
        let s = cg.builder.build_or(s, noted, "")?;
        let raised = cg.builder.build_and(s, i32t.const_int(ERROR, false), "")?;
        let clean =
            cg.builder
                .build_int_compare(IntPredicate::EQ, raised, i32t.const_zero(), "")?;
        more = cg.builder.build_and(more, clean, "")?;
    }
    cg.builder.build_conditional_branch(more, header, exit)?;
    start_phi.add_incoming(&[(&i64t.const_zero(), pre), (&end, latch)]);
    cg.builder.position_at_end(exit);
    Ok(())
}

/// The vector kernel over `m` elements of a chunk (contiguous `inputs`,
/// results to `targets`), noting flags in `fast_status`: in masked lanes
/// when the kernel has that form, else the loop LLVM vectorizes.
#[allow(clippy::too_many_arguments)]
fn chunk_elements<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    inputs: &[PointerValue<'ctx>],
    targets: &[PointerValue<'ctx>],
    m: IntValue<'ctx>,
    fast_status: PointerValue<'ctx>,
    kernel: FunctionValue<'ctx>,
    masked: Option<&MaskedKernel<'ctx>>,
) -> Result<()> {
    let nin = spec.inputs.len();
    let nout = spec.outputs.len();
    let i64t = cg.ctx.i64_type();
    let types: Vec<Scalar> = spec.inputs.iter().chain(&spec.outputs).copied().collect();
    let itemsize = |k: usize| i64t.const_int(types[k].itemsize() as u64, false);
    let element_loop = |cg: &mut Codegen<'ctx>, count: IntValue<'ctx>, from: IntValue<'ctx>| {
        let group = new_access_group(cg)?;
        cg.func.access_group = Some(group);
        let hints = [LoopHint::NoUnroll, LoopHint::Parallel(group)];
        let vector_loop = counted_loop(cg, f, count, "vector", &hints, |cg, i| {
            let i = cg.builder.build_int_nsw_add(from, i, "")?;
            let mut args = vec![fast_status.into()];
            for (k, input) in inputs.iter().enumerate() {
                let p = element_ptr(cg, *input, i, itemsize(k))?;
                args.push(load_scalar(cg, types[k], p)?);
            }
            let result = cg.call_value(kernel, &args)?;
            for (j, target) in targets.iter().enumerate() {
                let p = element_ptr(cg, *target, i, itemsize(nin + j))?;
                let v = output(cg, nout, result, j)?;
                store_scalar(cg, types[nin + j], p, v)?;
            }
            Ok(())
        });
        cg.func.access_group = None;
        vector_loop.map(|_| ())
    };
    let zero = i64t.const_zero();
    match masked {
        None => element_loop(cg, m, zero)?,
        Some(masked) => {
            let form = cg
                .builder
                .build_load(cg.ctx.i8_type(), masked.form.as_pointer_value(), "")?
                .into_int_value();
            let refill_bb = cg.ctx.append_basic_block(f, "masked.refill");
            let lockstep_bb = cg.ctx.append_basic_block(f, "masked.lockstep");
            let plain_bb = cg.ctx.append_basic_block(f, "unmasked");
            let join = cg.ctx.append_basic_block(f, "elements.done");
            let i8t = cg.ctx.i8_type();
            cg.builder.build_switch(
                form,
                plain_bb,
                &[
                    (i8t.const_int(masked::FORM_REFILL, false), refill_bb),
                    (i8t.const_int(masked::FORM_LOCKSTEP, false), lockstep_bb),
                ],
            )?;
            cg.builder.position_at_end(plain_bb);
            element_loop(cg, m, zero)?;
            cg.builder.build_unconditional_branch(join)?;
            // Refill: the whole chunk in one call.
            cg.builder.position_at_end(refill_bb);
            let mut args: Vec<BasicValueEnum<'ctx>> = inputs.iter().map(|p| (*p).into()).collect();
            args.extend(targets.iter().map(|p| BasicValueEnum::from(*p)));
            args.push(fast_status.into());
            args.push(m.into());
            cg.call(masked.chunk, &args)?;
            cg.builder.build_unconditional_branch(join)?;
            // Lockstep: whole groups, then the rest one at a time.
            cg.builder.position_at_end(lockstep_bb);
            let lanes = i64t.const_int(masked.lanes as u64, false);
            let groups = cg.builder.build_int_unsigned_div(m, lanes, "groups")?;
            let hints = [LoopHint::NoUnroll, LoopHint::NoVectorize];
            counted_loop(cg, f, groups, "masked", &hints, |cg, g| {
                let at = cg.builder.build_int_nsw_mul(g, lanes, "")?;
                let mut args = vec![];
                for (k, input) in inputs.iter().enumerate() {
                    args.push(element_ptr(cg, *input, at, itemsize(k))?.into());
                }
                for (j, target) in targets.iter().enumerate() {
                    args.push(element_ptr(cg, *target, at, itemsize(nin + j))?.into());
                }
                args.push(fast_status.into());
                cg.call(masked.group, &args)?;
                Ok(())
            })?;
            let done = cg.builder.build_int_nsw_mul(groups, lanes, "")?;
            let rest = cg.builder.build_int_sub(m, done, "")?;
            element_loop(cg, rest, done)?;
            cg.builder.build_unconditional_branch(join)?;
            cg.builder.position_at_end(join);
        }
    }

    Ok(())
}

/// The masked-lane form of `kernel` (`codegen::masked`), for a kernel with
/// loops of its own whose operands are real numbers and which cannot
/// raise: declared here, built (or not) when the module is optimised.
fn masked_form<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    kernel: FunctionValue<'ctx>,
) -> Result<Option<MaskedKernel<'ctx>>> {
    let operands: Vec<Scalar> = spec.inputs.iter().chain(&spec.outputs).copied().collect();
    if !spec.has_loops || spec.may_raise || operands.iter().any(|s| s.kind() == Kind::Complex) {
        return Ok(None);
    }
    let widest = operands
        .iter()
        .map(|s| 8 * s.itemsize() as u32)
        .max()
        .unwrap_or(64);
    let lanes = masked::lane_count(cg, widest);
    if lanes < 2 {
        return Ok(None);
    }
    let scalar = emit_scalar_form(cg, spec, kernel)?;
    Ok(Some(masked::request(
        cg,
        scalar,
        spec.inputs.len(),
        spec.outputs.len(),
        lanes,
    )))
}

/// A number's type as NumPy stores it (bool as a byte).
fn stored_type<'ctx>(cg: &Codegen<'ctx>, s: Scalar) -> Result<BasicTypeEnum<'ctx>> {
    Ok(if s.kind() == Kind::Bool {
        cg.ctx.i8_type().into()
    } else {
        cg.scalar_type(s)
    })
}

/// `name.scalar(x_0, ...) -> {y_0, ..., status}`: the kernel on stored
/// values (bool as a byte), its status word returned instead of updated
/// in memory, the form `masked::request` takes.
fn emit_scalar_form<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    kernel: FunctionValue<'ctx>,
) -> Result<FunctionValue<'ctx>> {
    let i32t = cg.ctx.i32_type();
    let params = spec
        .inputs
        .iter()
        .map(|s| stored_type(cg, *s).map(Into::into))
        .collect::<Result<Vec<_>>>()?;
    let mut fields = spec
        .outputs
        .iter()
        .map(|s| stored_type(cg, *s))
        .collect::<Result<Vec<_>>>()?;
    fields.push(i32t.into());
    let ret = cg.ctx.struct_type(&fields, false);
    let f = cg.module.add_function(
        &format!("{}.scalar", spec.name),
        ret.fn_type(&params, false),
        Some(inkwell::module::Linkage::Internal),
    );
    cg.add_host_attributes(f);
    let saved = cg.builder.get_insert_block();
    cg.builder
        .position_at_end(cg.ctx.append_basic_block(f, "entry"));
    let status = cg.builder.build_alloca(i32t, "status")?;
    cg.builder.build_store(status, i32t.const_zero())?;
    let mut args = vec![status.into()];
    for (k, s) in spec.inputs.iter().enumerate() {
        let p = f.get_nth_param(k as u32).expect("declared parameter");
        args.push(if s.kind() == Kind::Bool {
            let zero = cg.ctx.i8_type().const_zero();
            cg.builder
                .build_int_compare(IntPredicate::NE, p.into_int_value(), zero, "")?
                .into()
        } else {
            p
        });
    }
    let result = cg.call_value(kernel, &args)?;
    let mut value = ret.get_undef();
    for (j, s) in spec.outputs.iter().enumerate() {
        let mut v = output(cg, spec.outputs.len(), result, j)?;
        if s.kind() == Kind::Bool {
            v = cg
                .builder
                .build_int_z_extend(v.into_int_value(), cg.ctx.i8_type(), "")?
                .into();
        }
        value = cg
            .builder
            .build_insert_value(value, v, j as u32, "")?
            .into_struct_value();
    }
    let s = cg.builder.build_load(i32t, status, "")?;
    value = cg
        .builder
        .build_insert_value(value, s, spec.outputs.len() as u32, "")?
        .into_struct_value();
    cg.builder.build_return(Some(&value))?;
    if let Some(b) = saved {
        cg.builder.position_at_end(b);
    }
    Ok(f)
}

/// The number of elements a driven loop's chunk function takes a
/// multiple of (`driven::run_chunk` pads the rest): a vector register's
/// worth of the narrowest operand (at least 4), which is what LLVM's loop
/// vectorizer takes per trip here, so the vectorized loop needs no
/// remainder loop (a third of its compile time). 1 (no padding) unless
/// the kernel repeats harmlessly (`ir::Rerun::Harmless`): padding runs it on copies of an
/// element, which must change nothing anyone can see.
pub fn chunk_group(
    cg: &Codegen<'_>,
    inputs: &[Scalar],
    outputs: &[Scalar],
    repeats_harmlessly: bool,
) -> u64 {
    if !repeats_harmlessly {
        return 1;
    }
    let features = &cg.host.features;
    let register: u64 = if features.contains("+avx512f") {
        64
    } else if features.contains("+avx") {
        32
    } else {
        16
    };
    let narrowest = inputs
        .iter()
        .chain(outputs)
        .map(|s| s.itemsize() as u64)
        .min()
        .unwrap_or(8)
        .max(1);
    (register / narrowest).max(4).next_power_of_two()
}

/// Whether the loop of `spec` is driven (`driven`): compiled for this
/// process (its exact part deferred), on x86-64 (the driver keeps the
/// CPU's FP flags in MXCSR), with at most `driven::MAX_OPERANDS` operands.
/// Its symbol is then its chunk function (`emit_chunk_function`), and
/// NumPy calls `driven::elementwise_loop` with the loop's slot.
pub fn is_driven(cg: &Codegen<'_>, spec: &ElementwiseLoop<'_>) -> bool {
    spec.deferred.is_some()
        && cg.host.triple.starts_with("x86_64")
        && spec.inputs.len() + spec.outputs.len() <= super::driven::MAX_OPERANDS
}

/// `i32 {name}(char **inputs, char **outputs, i64 m)`: the vector kernel
/// over `m` elements of contiguous operands (the driver's chunk),
/// returning the status word it noted; exported as `name`.
fn emit_chunk_function<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    name: &str,
) -> Result<FunctionValue<'ctx>> {
    let ptr = cg.ptr_type();
    let i32t = cg.ctx.i32_type();
    let i64t = cg.ctx.i64_type();
    let kernel = spec.fast_kernel.unwrap_or(spec.kernel);
    let masked = masked_form(cg, spec, kernel)?;
    let f = cg.module.add_function(
        name,
        i32t.fn_type(&[ptr.into(), ptr.into(), i64t.into()], false),
        None,
    );
    cg.add_host_attributes(f);
    // Vector values spilled around calls (libmvec) then sit in aligned
    // slots: unaligned 32-byte spills that split a cache line made the
    // exp(-x*x) loop 9% slower.
    cg.align_stack_for_vectors(f);
    cg.builder
        .position_at_end(cg.ctx.append_basic_block(f, "entry"));
    let param = |i: u32| f.get_nth_param(i).expect("declared parameter");
    let pointers = |array: PointerValue<'ctx>, count: usize| -> Result<Vec<PointerValue<'ctx>>> {
        (0..count)
            .map(|k| {
                let idx = i64t.const_int(k as u64, false);
                // SAFETY: the driver passes one pointer per operand.
                let p = unsafe { cg.builder.build_gep(ptr, array, &[idx], "")? };
                Ok(cg.builder.build_load(ptr, p, "")?.into_pointer_value())
            })
            .collect()
    };
    let inputs = pointers(param(0).into_pointer_value(), spec.inputs.len())?;
    let outputs = pointers(param(1).into_pointer_value(), spec.outputs.len())?;
    let mut m = param(2).into_int_value();
    let group = spec.group;
    if group > 1 {
        // Tells LLVM the count is a multiple of the group and at least one
        // group (the driver only passes such counts), so the vectorized
        // loop needs neither a remainder nor a short-count check.
        let mask = i64t.const_int(!(group - 1), false);
        let whole = cg.builder.build_and(m, mask, "")?;
        let umax = inkwell::intrinsics::Intrinsic::find("llvm.umax")
            .and_then(|i| i.get_declaration(&cg.module, &[i64t.into()]))
            .ok_or_else(|| crate::error::CompileError::internal("no intrinsic llvm.umax"))?;
        m = cg
            .call_value(umax, &[whole.into(), i64t.const_int(group, false).into()])?
            .into_int_value();
    }
    let status = cg.builder.build_alloca(i32t, "vector.status")?;
    cg.builder.build_store(status, i32t.const_zero())?;
    chunk_elements(
        cg,
        f,
        spec,
        &inputs,
        &outputs,
        m,
        status,
        kernel,
        masked.as_ref(),
    )?;
    let noted = cg.builder.build_load(i32t, status, "")?;
    cg.builder.build_return(Some(&noted))?;
    Ok(f)
}

/// Emits the loop function.
pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
) -> Result<FunctionValue<'ctx>> {
    // The loop is a function of its own: it starts from a fresh state.
    cg.in_function(FunctionState::default(), |cg| emit_loop(cg, spec))
}

fn emit_loop<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
) -> Result<FunctionValue<'ctx>> {
    if is_driven(cg, spec) {
        return emit_chunk_function(cg, spec, &spec.name);
    }
    let exact = match spec.deferred {
        Some(address) => ExactRange::Deferred(address),
        None => ExactRange::Here(emit_exact_range(cg, spec, false)?),
    };
    let LoopEntry {
        function: f,
        args,
        dims: _,
        steps,
        n,
    } = begin_loop(cg, &spec.name)?;
    let i64t = cg.ctx.i64_type();
    let fp = FpFlags::begin(cg)?;
    let types: Vec<Scalar> = spec.inputs.iter().chain(&spec.outputs).copied().collect();
    let ops = Operands::load(cg, types, args, steps)?;
    let nin = spec.inputs.len();
    let nops = ops.types.len();
    let flags = spec.fast_kernel.is_some();

    // The vector path needs: every output contiguous, every input
    // contiguous or of stride 0, and iterations independent: every output
    // either is an input (in-place, element i to element i) or does not
    // overlap it (`accumulate` calls loops with an output one element
    // ahead of an input, which must run sequentially). Short arrays take
    // the strided path too.
    let mut in_place = cg.ctx.bool_type().const_zero();
    let mut vectorizable =
        cg.builder
            .build_int_compare(IntPredicate::SGE, n, i64t.const_int(SHORT, false), "")?;
    if flags && !spec.redo {
        vectorizable = cg.ctx.bool_type().const_zero();
    }
    // The bytes an operand of the vector path spans: `n` elements when
    // contiguous, one element when of stride 0 (a broadcast scalar next to
    // the output must not send the loop down the scalar path: the result
    // would then depend on where the allocator put it).
    let bytes = |cg: &Codegen<'ctx>, k: usize| -> Result<(IntValue<'ctx>, IntValue<'ctx>)> {
        let b = &cg.builder;
        let start = b.build_ptr_to_int(ops.bases[k], i64t, "")?;
        let itemsize = ops.itemsize(cg, k);
        let zero = b.build_int_compare(IntPredicate::EQ, ops.strides[k], i64t.const_zero(), "")?;
        let count = b
            .build_select(zero, i64t.const_int(1, false), n, "")?
            .into_int_value();
        let len = b.build_int_mul(count, itemsize, "")?;
        Ok((start, b.build_int_add(start, len, "")?))
    };
    for k in 0..nops {
        let b = &cg.builder;
        let contiguous =
            b.build_int_compare(IntPredicate::EQ, ops.strides[k], ops.itemsize(cg, k), "")?;
        let ok = if k < nin {
            let zero =
                b.build_int_compare(IntPredicate::EQ, ops.strides[k], i64t.const_zero(), "")?;
            b.build_or(contiguous, zero, "")?
        } else {
            contiguous
        };
        vectorizable = b.build_and(vectorizable, ok, "")?;
    }
    for j in nin..nops {
        let (o0, o1) = bytes(cg, j)?;
        for k in 0..nin {
            let (i0, i1) = bytes(cg, k)?;
            let b = &cg.builder;
            let same = b.build_int_compare(IntPredicate::EQ, o0, i0, "")?;
            let before = b.build_int_compare(IntPredicate::ULE, o1, i0, "")?;
            let after = b.build_int_compare(IntPredicate::ULE, i1, o0, "")?;
            let fine = b.build_or(same, b.build_or(before, after, "")?, "")?;
            vectorizable = b.build_and(vectorizable, fine, "")?;
            in_place = b.build_or(in_place, same, "")?;
        }
    }
    let stack_buffer = |cg: &Codegen<'ctx>, s: &Scalar, name: &str| -> Result<PointerValue<'ctx>> {
        let ty = cg
            .ctx
            .i8_type()
            .array_type((CHUNK as usize * s.itemsize()) as u32);
        let buf = cg.builder.build_alloca(ty, name)?;
        if let Some(i) = buf.as_instruction() {
            let _ = i.set_alignment(16);
        }
        Ok(buf)
    };
    let splats = spec
        .inputs
        .iter()
        .map(|s| stack_buffer(cg, s, "splat"))
        .collect::<Result<Vec<_>>>()?;
    let buffers = if flags {
        spec.outputs
            .iter()
            .map(|s| stack_buffer(cg, s, "chunk.buffer"))
            .collect::<Result<Vec<_>>>()?
    } else {
        vec![]
    };
    let masked = masked_form(cg, spec, spec.fast_kernel.unwrap_or(spec.kernel))?;
    let vp = VectorPath {
        masked,
        exact,
        kernel: spec.fast_kernel.unwrap_or(spec.kernel),
        flags,
        args,
        steps,
        splats,
        buffers,
        fast_status: cg
            .builder
            .build_alloca(cg.ctx.i32_type(), "vector.status")?,
        status: fp.status,
        in_place,
    };
    let ret = cg.ctx.append_basic_block(f, "return");
    let vector = cg.ctx.append_basic_block(f, "vector.path");
    let strided = cg.ctx.append_basic_block(f, "strided.path");
    cg.builder
        .build_conditional_branch(vectorizable, vector, strided)?;
    cg.builder.position_at_end(vector);
    vector_path(cg, f, spec, &ops, n, &vp)?;
    cg.builder.build_unconditional_branch(ret)?;
    // Anything else: the exact kernel with NumPy's strides.
    cg.builder.position_at_end(strided);
    exact.call(cg, args, steps, i64t.const_zero(), n, fp.status)?;
    cg.builder.build_unconditional_branch(ret)?;
    cg.builder.position_at_end(ret);
    fp.finish(cg)?;
    cg.builder.build_return(None)?;
    Ok(f)
}
