//! The inner loop of an elementwise ufunc, as NumPy calls it:
//! `void loop(char **args, npy_intp const *dims, npy_intp const *steps, void *data)`.
//!
//! It has three kinds of paths around the (always-inlined) kernel:
//! - contiguous: every input *and output* stride equals its item size, so
//!   addresses are `base + i * itemsize` with constant scale and the loop
//!   vectorizes (including calls into libmvec);
//! - broadcast: one input has stride 0 (a scalar against an array) and
//!   everything else is contiguous; that input is loaded once;
//! - strided: any strides (negative, zero, non-unit outputs).
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
//! arrays run the exact kernel directly.

use inkwell::basic_block::BasicBlock;
use inkwell::values::{BasicValue, BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::metadata::{add_to_access_group, new_access_group, set_loop_hints, LoopHint};
use crate::codegen::complex;
use crate::codegen::fpstatus::TAINT;
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
}

/// Loads a scalar of type `s` stored at `p` (bool is a byte).
pub fn load_scalar<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    p: PointerValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let b = &cg.builder;
    let load = |ty: inkwell::types::BasicTypeEnum<'ctx>,
                p: PointerValue<'ctx>|
     -> Result<BasicValueEnum<'ctx>> {
        let v = b.build_load(ty, p, "")?;
        if let Some(i) = v.as_instruction_value() {
            // NumPy data is not guaranteed to be naturally aligned.
            let _ = i.set_alignment(1);
            if let Some(group) = cg.access_group {
                add_to_access_group(cg, i, group);
            }
        }
        Ok(v)
    };
    Ok(match s.kind() {
        Kind::Bool => {
            let byte = load(cg.ctx.i8_type().into(), p)?.into_int_value();
            b.build_int_compare(IntPredicate::NE, byte, cg.ctx.i8_type().const_zero(), "")?
                .into()
        }
        Kind::Complex => {
            let c = s.component();
            let ft = cg.float_type(c);
            // SAFETY: the imaginary part follows the real part in memory.
            let pi = unsafe {
                b.build_gep(
                    cg.ctx.i8_type(),
                    p,
                    &[cg.ctx.i64_type().const_int(c.itemsize() as u64, false)],
                    "",
                )?
            };
            let re = load(ft.into(), p)?.into_float_value();
            let im = load(ft.into(), pi)?.into_float_value();
            complex::make(cg, s, re, im)?
        }
        _ => load(cg.scalar_type(s), p)?,
    })
}

/// Stores a scalar of type `s` at `p`.
pub fn store_scalar<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    p: PointerValue<'ctx>,
    v: BasicValueEnum<'ctx>,
) -> Result<()> {
    let b = &cg.builder;
    let store = |p: PointerValue<'ctx>, v: BasicValueEnum<'ctx>| -> Result<()> {
        let i = b.build_store(p, v)?;
        let _ = i.set_alignment(1);
        if let Some(group) = cg.access_group {
            add_to_access_group(cg, i, group);
        }
        Ok(())
    };
    match s.kind() {
        Kind::Bool => {
            let byte = b.build_int_z_extend(v.into_int_value(), cg.ctx.i8_type(), "")?;
            store(p, byte.into())
        }
        Kind::Complex => {
            let c = s.component();
            let (re, im) = complex::parts(cg, v)?;
            // SAFETY: the imaginary part follows the real part in memory.
            let pi = unsafe {
                b.build_gep(
                    cg.ctx.i8_type(),
                    p,
                    &[cg.ctx.i64_type().const_int(c.itemsize() as u64, false)],
                    "",
                )?
            };
            store(p, re.into())?;
            store(pi, im.into())
        }
        _ => store(p, v),
    }
}

/// `base + i * stride` (bytes).
pub fn element_ptr<'ctx>(
    cg: &Codegen<'ctx>,
    base: PointerValue<'ctx>,
    i: IntValue<'ctx>,
    stride: IntValue<'ctx>,
) -> Result<PointerValue<'ctx>> {
    let offset = cg.builder.build_int_nsw_mul(i, stride, "")?;
    // SAFETY: NumPy guarantees base + i * stride is inside the operand for
    // 0 <= i < n.
    Ok(unsafe {
        cg.builder
            .build_gep(cg.ctx.i8_type(), base, &[offset], "")?
    })
}

/// Emits `for i in 0..n { body(i) }` starting in the current block, which
/// it leaves positioned at the exit. The loop is in rotated form (guard,
/// then a bottom-tested body), the shape the vectorizer expects.
pub fn counted_loop<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    n: IntValue<'ctx>,
    name: &str,
    hints: &[LoopHint],
    body: impl FnOnce(&mut Codegen<'ctx>, IntValue<'ctx>) -> Result<()>,
) -> Result<BasicBlock<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let pre = cg.builder.get_insert_block().expect("positioned");
    let header = cg.ctx.append_basic_block(f, &format!("{name}.body"));
    let exit = cg.ctx.append_basic_block(f, &format!("{name}.exit"));
    let nonempty = cg
        .builder
        .build_int_compare(IntPredicate::SGT, n, i64t.const_zero(), "")?;
    cg.builder
        .build_conditional_branch(nonempty, header, exit)?;
    cg.builder.position_at_end(header);
    let phi = cg.builder.build_phi(i64t, "i")?;
    let i = phi.as_basic_value().into_int_value();
    body(cg, i)?;
    let latch = cg.builder.get_insert_block().expect("positioned");
    let next = cg
        .builder
        .build_int_nsw_add(i, i64t.const_int(1, false), "")?;
    let more = cg
        .builder
        .build_int_compare(IntPredicate::SLT, next, n, "")?;
    let branch = cg.builder.build_conditional_branch(more, header, exit)?;
    set_loop_hints(cg, branch, hints);
    phi.add_incoming(&[(&i64t.const_zero(), pre), (&next, latch)]);
    cg.builder.position_at_end(exit);
    Ok(exit)
}

/// How an operand is addressed on one path.
#[derive(Clone, Copy)]
enum Access<'ctx> {
    /// `base + i * stride`, `stride` a constant or the runtime step.
    Strided(IntValue<'ctx>),
    /// Loaded once before the loop (stride 0).
    Hoisted,
}

/// Elements per chunk on the vector paths.
const CHUNK: u64 = 256;
/// Arrays shorter than this take the strided path (no chunk set-up).
const SHORT: u64 = 16;

/// What every path of one loop function shares.
struct Frame<'ctx, 'a> {
    f: FunctionValue<'ctx>,
    spec: &'a ElementwiseLoop<'ctx>,
    /// Input types, then output types.
    operands: Vec<Scalar>,
    bases: Vec<PointerValue<'ctx>>,
    n: IntValue<'ctx>,
    /// The loop's exact FP status word.
    status: PointerValue<'ctx>,
    /// Chunk buffers (one per output) and the fast kernel's status word.
    chunk: Option<(Vec<PointerValue<'ctx>>, PointerValue<'ctx>)>,
}

impl<'ctx> Frame<'ctx, '_> {
    fn nin(&self) -> usize {
        self.spec.inputs.len()
    }

    fn itemsize(&self, cg: &Codegen<'ctx>, k: usize) -> IntValue<'ctx> {
        cg.ctx
            .i64_type()
            .const_int(self.operands[k].itemsize() as u64, false)
    }

    /// Loads the hoisted (stride-0) inputs of a path.
    fn hoist(
        &self,
        cg: &Codegen<'ctx>,
        access: &[Access<'ctx>],
    ) -> Result<Vec<Option<BasicValueEnum<'ctx>>>> {
        (0..self.nin())
            .map(|k| match access[k] {
                Access::Hoisted => load_scalar(cg, self.operands[k], self.bases[k]).map(Some),
                Access::Strided(_) => Ok(None),
            })
            .collect()
    }

    /// The kernel arguments for element `i`: the status word, then inputs.
    fn arguments(
        &self,
        cg: &Codegen<'ctx>,
        status: PointerValue<'ctx>,
        access: &[Access<'ctx>],
        hoisted: &[Option<BasicValueEnum<'ctx>>],
        i: IntValue<'ctx>,
    ) -> Result<Vec<BasicValueEnum<'ctx>>> {
        let mut args = vec![status.into()];
        for k in 0..self.nin() {
            args.push(match (access[k], hoisted[k]) {
                (_, Some(v)) => v,
                (Access::Strided(stride), None) => {
                    let p = element_ptr(cg, self.bases[k], i, stride)?;
                    load_scalar(cg, self.operands[k], p)?
                }
                (Access::Hoisted, None) => unreachable!("hoisted before the loop"),
            });
        }
        Ok(args)
    }

    /// Output `j` of a kernel's result.
    fn output(
        &self,
        cg: &Codegen<'ctx>,
        result: BasicValueEnum<'ctx>,
        j: usize,
    ) -> Result<BasicValueEnum<'ctx>> {
        Ok(if self.spec.outputs.len() == 1 {
            result
        } else {
            cg.builder
                .build_extract_value(result.into_struct_value(), j as u32, "")?
        })
    }

    /// `for i in 0..n: out[i] = kernel(in[i])`, the exact kernel writing
    /// straight to the outputs (strided path, short arrays, fast-math).
    fn plain_path(
        &self,
        cg: &mut Codegen<'ctx>,
        access: &[Access<'ctx>],
        name: &str,
    ) -> Result<()> {
        let hoisted = self.hoist(cg, access)?;
        let mut hints = loop_hints(access);
        let vectorize = !hints.iter().any(|h| matches!(h, LoopHint::NoVectorize));
        if vectorize {
            let group = new_access_group(cg)?;
            hints.push(LoopHint::Parallel(group));
            cg.access_group = Some(group);
        }
        let result = counted_loop(cg, self.f, self.n, name, &hints, |cg, i| {
            let args = self.arguments(cg, self.status, access, &hoisted, i)?;
            let result = cg.call_value(self.spec.kernel, &args)?;
            for j in 0..self.spec.outputs.len() {
                let k = self.nin() + j;
                let Access::Strided(stride) = access[k] else {
                    unreachable!("outputs are never hoisted")
                };
                let p = element_ptr(cg, self.bases[k], i, stride)?;
                let v = self.output(cg, result, j)?;
                store_scalar(cg, self.operands[k], p, v)?;
            }
            Ok(())
        });
        cg.access_group = None;
        result.map(|_| ())
    }

    /// The chunked vector path (see the module docs).
    fn chunked_path(
        &self,
        cg: &mut Codegen<'ctx>,
        access: &[Access<'ctx>],
        name: &str,
    ) -> Result<()> {
        let (buffers, fast_status) = self.chunk.clone().expect("chunk buffers exist");
        let fast = self.spec.fast_kernel.expect("fast kernel exists");
        let i64t = cg.ctx.i64_type();
        let i32t = cg.ctx.i32_type();
        let hoisted = self.hoist(cg, access)?;
        let pre = cg.builder.get_insert_block().expect("positioned");
        let header = cg.ctx.append_basic_block(self.f, &format!("{name}.chunk"));
        let exit = cg.ctx.append_basic_block(self.f, &format!("{name}.done"));
        cg.builder.build_unconditional_branch(header)?;
        cg.builder.position_at_end(header);
        let start_phi = cg.builder.build_phi(i64t, "chunk.start")?;
        let start = start_phi.as_basic_value().into_int_value();
        let left = cg.builder.build_int_sub(self.n, start, "")?;
        let chunk = i64t.const_int(CHUNK, false);
        let full = cg
            .builder
            .build_int_compare(IntPredicate::SGE, left, chunk, "")?;
        let m = cg
            .builder
            .build_select(full, chunk, left, "m")?
            .into_int_value();
        cg.builder.build_store(fast_status, i32t.const_zero())?;

        // 1. The fast kernel over the chunk, into the buffers.
        let group = new_access_group(cg)?;
        cg.access_group = Some(group);
        let hints = [LoopHint::NoUnroll, LoopHint::Parallel(group)];
        let fast_loop = counted_loop(cg, self.f, m, &format!("{name}.fast"), &hints, |cg, i| {
            let at = cg.builder.build_int_nsw_add(start, i, "")?;
            let args = self.arguments(cg, fast_status, access, &hoisted, at)?;
            let result = cg.call_value(fast, &args)?;
            for (j, buf) in buffers.iter().enumerate() {
                let k = self.nin() + j;
                let p = element_ptr(cg, *buf, i, self.itemsize(cg, k))?;
                let v = self.output(cg, result, j)?;
                store_scalar(cg, self.operands[k], p, v)?;
            }
            Ok(())
        });
        cg.access_group = None;
        fast_loop?;

        // 2. Exact flags: the fast kernel's integer flags, or, if a float
        //    result was not finite, the exact kernel over the chunk again.
        let noted = cg
            .builder
            .build_load(i32t, fast_status, "")?
            .into_int_value();
        let taint = cg
            .builder
            .build_and(noted, i32t.const_int(TAINT, false), "")?;
        let tainted =
            cg.builder
                .build_int_compare(IntPredicate::NE, taint, i32t.const_zero(), "")?;
        let redo = cg.ctx.append_basic_block(self.f, &format!("{name}.redo"));
        let clean = cg.ctx.append_basic_block(self.f, &format!("{name}.clean"));
        let copy = cg.ctx.append_basic_block(self.f, &format!("{name}.copy"));
        cg.builder.build_conditional_branch(tainted, redo, clean)?;
        cg.builder.position_at_end(clean);
        let status = cg
            .builder
            .build_load(i32t, self.status, "")?
            .into_int_value();
        let merged = cg.builder.build_or(status, noted, "")?;
        cg.builder.build_store(self.status, merged)?;
        cg.builder.build_unconditional_branch(copy)?;
        cg.builder.position_at_end(redo);
        let scalar = [LoopHint::NoUnroll, LoopHint::NoVectorize];
        counted_loop(cg, self.f, m, &format!("{name}.exact"), &scalar, |cg, i| {
            let at = cg.builder.build_int_nsw_add(start, i, "")?;
            let args = self.arguments(cg, self.status, access, &hoisted, at)?;
            cg.call_value(self.spec.kernel, &args)?;
            Ok(())
        })?;
        cg.builder.build_unconditional_branch(copy)?;

        // 3. The buffers to the outputs.
        cg.builder.position_at_end(copy);
        for (j, buf) in buffers.iter().enumerate() {
            let k = self.nin() + j;
            let size = self.itemsize(cg, k);
            let offset = cg.builder.build_int_nsw_mul(start, size, "")?;
            // SAFETY: the output holds n elements and start + m <= n.
            let dst = unsafe {
                cg.builder
                    .build_gep(cg.ctx.i8_type(), self.bases[k], &[offset], "")?
            };
            let bytes = cg.builder.build_int_nsw_mul(m, size, "")?;
            cg.builder
                .build_memcpy(dst, 1, *buf, 16, bytes)
                .map_err(|e| crate::error::CompileError::internal(format!("memcpy: {e}")))?;
        }
        let next = cg.builder.build_int_nsw_add(start, m, "")?;
        let more = cg
            .builder
            .build_int_compare(IntPredicate::SLT, next, self.n, "")?;
        let latch = cg.builder.get_insert_block().expect("positioned");
        cg.builder.build_conditional_branch(more, header, exit)?;
        start_phi.add_incoming(&[(&i64t.const_zero(), pre), (&next, latch)]);
        cg.builder.position_at_end(exit);
        Ok(())
    }
}

/// Emits the loop function.
pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
) -> Result<FunctionValue<'ctx>> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let fn_type = cg
        .ctx
        .void_type()
        .fn_type(&[ptr.into(), ptr.into(), ptr.into(), ptr.into()], false);
    let f = cg.module.add_function(&spec.name, fn_type, None);
    cg.add_host_attributes(f);
    let entry = cg.ctx.append_basic_block(f, "entry");
    cg.builder.position_at_end(entry);
    let args = f.get_nth_param(0).expect("args").into_pointer_value();
    let dims = f.get_nth_param(1).expect("dims").into_pointer_value();
    let steps = f.get_nth_param(2).expect("steps").into_pointer_value();
    let n = cg.builder.build_load(i64t, dims, "n")?.into_int_value();
    let fp = FpFlags::begin(cg)?;
    let operands: Vec<Scalar> = spec.inputs.iter().chain(&spec.outputs).copied().collect();
    let mut bases = vec![];
    let mut strides = vec![];
    for k in 0..operands.len() {
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
    let chunk = match spec.fast_kernel {
        Some(_) => {
            let mut buffers = vec![];
            for s in &spec.outputs {
                let ty = cg
                    .ctx
                    .i8_type()
                    .array_type((CHUNK as usize * s.itemsize()) as u32);
                let buf = cg.builder.build_alloca(ty, "chunk.buffer")?;
                if let Some(i) = buf.as_instruction() {
                    let _ = i.set_alignment(16);
                }
                buffers.push(buf);
            }
            Some((
                buffers,
                cg.builder.build_alloca(cg.ctx.i32_type(), "chunk.status")?,
            ))
        }
        None => None,
    };
    let frame = Frame {
        f,
        spec,
        operands,
        bases,
        n,
        status: fp.status,
        chunk,
    };
    let nin = spec.inputs.len();
    let is_contiguous = |cg: &Codegen<'ctx>, k: usize| -> Result<IntValue<'ctx>> {
        Ok(cg
            .builder
            .build_int_compare(IntPredicate::EQ, strides[k], frame.itemsize(cg, k), "")?)
    };
    let all_but = |cg: &Codegen<'ctx>, skip: Option<usize>| -> Result<IntValue<'ctx>> {
        let mut cond = cg.ctx.bool_type().const_int(1, false);
        for k in 0..frame.operands.len() {
            if Some(k) != skip {
                let c = is_contiguous(cg, k)?;
                cond = cg.builder.build_and(cond, c, "")?;
            }
        }
        Ok(cond)
    };
    // The vector paths claim iterations are independent. That holds when
    // every output either is an input (in-place, element i to element i)
    // or does not overlap it; `accumulate` calls loops with an output one
    // element ahead of an input, which must take the (sequential) strided
    // path. Short arrays also take the strided path.
    let independent = {
        let bytes = |cg: &Codegen<'ctx>, k: usize| -> Result<(IntValue<'ctx>, IntValue<'ctx>)> {
            let start = cg.builder.build_ptr_to_int(frame.bases[k], i64t, "")?;
            let len = cg.builder.build_int_mul(n, frame.itemsize(cg, k), "")?;
            Ok((start, cg.builder.build_int_add(start, len, "")?))
        };
        let mut ok = cg.builder.build_int_compare(
            IntPredicate::SGE,
            n,
            i64t.const_int(if frame.chunk.is_some() { SHORT } else { 0 }, false),
            "",
        )?;
        for j in nin..frame.operands.len() {
            let (o0, o1) = bytes(cg, j)?;
            for k in 0..nin {
                let (i0, i1) = bytes(cg, k)?;
                let b = &cg.builder;
                let same = b.build_int_compare(IntPredicate::EQ, o0, i0, "")?;
                let before = b.build_int_compare(IntPredicate::ULE, o1, i0, "")?;
                let after = b.build_int_compare(IntPredicate::ULE, i1, o0, "")?;
                let fine = b.build_or(same, b.build_or(before, after, "")?, "")?;
                ok = b.build_and(ok, fine, "")?;
            }
        }
        ok
    };
    let ret = cg.ctx.append_basic_block(f, "return");

    // Paths, tried in order: contiguous, each single broadcast input, strided.
    let mut paths: Vec<(String, Vec<Access<'ctx>>, Option<IntValue<'ctx>>)> = vec![];
    let contiguous: Vec<Access> = (0..frame.operands.len())
        .map(|k| Access::Strided(frame.itemsize(cg, k)))
        .collect();
    let contiguous_cond = cg.builder.build_and(all_but(cg, None)?, independent, "")?;
    paths.push(("contig".into(), contiguous.clone(), Some(contiguous_cond)));
    if (2..=3).contains(&nin) {
        for k in 0..nin {
            let mut access = contiguous.clone();
            access[k] = Access::Hoisted;
            let zero_step = cg.builder.build_int_compare(
                IntPredicate::EQ,
                strides[k],
                i64t.const_zero(),
                "",
            )?;
            let cond = cg.builder.build_and(zero_step, all_but(cg, Some(k))?, "")?;
            let cond = cg.builder.build_and(cond, independent, "")?;
            paths.push((format!("bcast{k}"), access, Some(cond)));
        }
    }
    let strided: Vec<Access> = strides.iter().map(|s| Access::Strided(*s)).collect();
    paths.push(("strided".into(), strided, None));

    for (name, access, cond) in paths {
        let path_block = cg.ctx.append_basic_block(f, &name);
        let next = match cond {
            Some(c) => {
                let next = cg.ctx.append_basic_block(f, &format!("after.{name}"));
                cg.builder.build_conditional_branch(c, path_block, next)?;
                Some(next)
            }
            None => {
                cg.builder.build_unconditional_branch(path_block)?;
                None
            }
        };
        cg.builder.position_at_end(path_block);
        if next.is_some() && frame.chunk.is_some() {
            frame.chunked_path(cg, &access, &name)?;
        } else {
            frame.plain_path(cg, &access, &name)?;
        }
        cg.builder.build_unconditional_branch(ret)?;
        if let Some(next) = next {
            cg.builder.position_at_end(next);
        }
    }
    cg.builder.position_at_end(ret);
    fp.finish(cg)?;
    cg.builder.build_return(None)?;
    Ok(f)
}

/// The loop's FP status word and the MXCSR it found on entry.
struct FpFlags<'ctx> {
    status: PointerValue<'ctx>,
    csr: Option<(PointerValue<'ctx>, IntValue<'ctx>)>,
}

/// MXCSR exception flag bits. Everything the loop's own instructions set
/// is dropped (underflow included: it cannot be told apart from the
/// spurious underflow of speculated operations and conversions).
const MXCSR_FLAGS: u64 = 0x3f;

fn mxcsr_intrinsic<'ctx>(cg: &Codegen<'ctx>, name: &str) -> Result<FunctionValue<'ctx>> {
    inkwell::intrinsics::Intrinsic::find(name)
        .and_then(|i| i.get_declaration(&cg.module, &[]))
        .ok_or_else(|| crate::error::CompileError::internal(format!("no intrinsic {name}")))
}

impl<'ctx> FpFlags<'ctx> {
    fn begin(cg: &Codegen<'ctx>) -> Result<Self> {
        let i32t = cg.ctx.i32_type();
        let status = cg.builder.build_alloca(i32t, "fpstatus")?;
        cg.builder.build_store(status, i32t.const_zero())?;
        let exact = cg.fast_math.0 == 0 && cg.host.triple.starts_with("x86_64");
        let csr = if exact {
            let slot = cg.builder.build_alloca(i32t, "mxcsr")?;
            cg.call(mxcsr_intrinsic(cg, "llvm.x86.sse.stmxcsr")?, &[slot.into()])?;
            let entry = cg
                .builder
                .build_load(i32t, slot, "mxcsr.entry")?
                .into_int_value();
            Some((slot, entry))
        } else {
            None
        };
        Ok(FpFlags { status, csr })
    }

    fn finish(&self, cg: &Codegen<'ctx>) -> Result<()> {
        let Some((slot, entry)) = self.csr else {
            return Ok(());
        };
        let i32t = cg.ctx.i32_type();
        let b = &cg.builder;
        let raised = b.build_load(i32t, self.status, "")?.into_int_value();
        cg.call(mxcsr_intrinsic(cg, "llvm.x86.sse.stmxcsr")?, &[slot.into()])?;
        let now = b.build_load(i32t, slot, "")?.into_int_value();
        let flags = i32t.const_int(MXCSR_FLAGS, false);
        let control = b.build_and(now, i32t.const_int(!MXCSR_FLAGS & 0xffff_ffff, false), "")?;
        let before = b.build_and(entry, flags, "")?;
        let raised = b.build_and(raised, flags, "")?;
        let new = b.build_or(control, b.build_or(before, raised, "")?, "")?;
        b.build_store(slot, new)?;
        cg.call(mxcsr_intrinsic(cg, "llvm.x86.sse.ldmxcsr")?, &[slot.into()])?;
        Ok(())
    }
}

/// Loop hints per path. No loop is unrolled: the vectorizer interleaves
/// vector loops itself, and unrolling the scalar loops doubled compile time
/// for no measurable gain. The strided path is not vectorized: with
/// unknown strides that means AVX-512 gathers and scatters, which cost more
/// compile time than they gained (about 5% on a strided exp kernel).
fn loop_hints(access: &[Access<'_>]) -> Vec<LoopHint> {
    let runtime_strides = access
        .iter()
        .any(|a| matches!(a, Access::Strided(s) if !s.is_const()));
    let mut hints = vec![LoopHint::NoUnroll];
    if runtime_strides {
        hints.push(LoopHint::NoVectorize);
    }
    hints
}
