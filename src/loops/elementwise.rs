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
//! exactly what was set when it started plus that word (keeping underflow),
//! dropping flags that speculation or vector math libraries raised.

use inkwell::basic_block::BasicBlock;
use inkwell::values::{BasicValue, BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::metadata::{add_to_access_group, new_access_group, set_loop_hints, LoopHint};
use crate::codegen::complex;
use crate::codegen::Codegen;
use crate::error::Result;
use crate::types::{Kind, Scalar};

/// What one elementwise loop wraps.
pub struct ElementwiseLoop<'ctx> {
    pub name: String,
    pub inputs: Vec<Scalar>,
    pub outputs: Vec<Scalar>,
    /// The kernel: takes the inputs, returns the output (or a struct of the
    /// outputs when there are several).
    pub kernel: FunctionValue<'ctx>,
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
    let itemsize = |k: usize| i64t.const_int(operands[k].itemsize() as u64, false);
    let is_contiguous = |cg: &Codegen<'ctx>, k: usize| -> Result<IntValue<'ctx>> {
        Ok(cg
            .builder
            .build_int_compare(IntPredicate::EQ, strides[k], itemsize(k), "")?)
    };
    let nin = spec.inputs.len();
    let all_but = |cg: &Codegen<'ctx>, skip: Option<usize>| -> Result<IntValue<'ctx>> {
        let mut cond = cg.ctx.bool_type().const_int(1, false);
        for k in 0..operands.len() {
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
    // path.
    let independent = {
        let bytes = |cg: &Codegen<'ctx>, k: usize| -> Result<(IntValue<'ctx>, IntValue<'ctx>)> {
            let start = cg.builder.build_ptr_to_int(bases[k], i64t, "")?;
            let len = cg.builder.build_int_mul(n, itemsize(k), "")?;
            Ok((start, cg.builder.build_int_add(start, len, "")?))
        };
        let mut ok = cg.ctx.bool_type().const_int(1, false);
        for j in nin..operands.len() {
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
    let contiguous: Vec<Access> = (0..operands.len())
        .map(|k| Access::Strided(itemsize(k)))
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
        match cond {
            Some(c) => {
                let next = cg.ctx.append_basic_block(f, &format!("after.{name}"));
                cg.builder.build_conditional_branch(c, path_block, next)?;
                cg.builder.position_at_end(path_block);
                emit_path(cg, f, spec, &operands, &bases, &access, n, &name, fp.status)?;
                cg.builder.build_unconditional_branch(ret)?;
                cg.builder.position_at_end(next);
            }
            None => {
                cg.builder.build_unconditional_branch(path_block)?;
                cg.builder.position_at_end(path_block);
                emit_path(cg, f, spec, &operands, &bases, &access, n, &name, fp.status)?;
                cg.builder.build_unconditional_branch(ret)?;
            }
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

/// MXCSR exception flag bits (bit 4 is underflow, which is kept).
const MXCSR_FLAGS: u64 = 0x3f;
const MXCSR_UNDERFLOW: u64 = 0x10;

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
        let control = b.build_and(now, i32t.const_int(!MXCSR_FLAGS & 0xffff_ffff, false), "")?;
        let underflow = b.build_and(now, i32t.const_int(MXCSR_UNDERFLOW, false), "")?;
        let before = b.build_and(entry, i32t.const_int(MXCSR_FLAGS, false), "")?;
        let new = b.build_or(
            b.build_or(control, underflow, "")?,
            b.build_or(before, raised, "")?,
            "",
        )?;
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

#[allow(clippy::too_many_arguments)]
fn emit_path<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    spec: &ElementwiseLoop<'ctx>,
    operands: &[Scalar],
    bases: &[PointerValue<'ctx>],
    access: &[Access<'ctx>],
    n: IntValue<'ctx>,
    name: &str,
    status: PointerValue<'ctx>,
) -> Result<()> {
    let nin = spec.inputs.len();
    let mut hoisted: Vec<Option<BasicValueEnum<'ctx>>> = vec![None; nin];
    for k in 0..nin {
        if let Access::Hoisted = access[k] {
            hoisted[k] = Some(load_scalar(cg, operands[k], bases[k])?);
        }
    }
    let kernel = spec.kernel;
    let mut hints = loop_hints(access);
    let parallel = hints.iter().all(|h| !matches!(h, LoopHint::NoVectorize));
    if parallel {
        let group = new_access_group(cg)?;
        hints.push(LoopHint::Parallel(group));
        cg.access_group = Some(group);
    }
    let result = counted_loop(cg, f, n, name, &hints, |cg, i| {
        let mut inputs = vec![status.into()];
        for k in 0..nin {
            let v = match (access[k], hoisted[k]) {
                (_, Some(v)) => v,
                (Access::Strided(stride), None) => {
                    let p = element_ptr(cg, bases[k], i, stride)?;
                    load_scalar(cg, operands[k], p)?
                }
                (Access::Hoisted, None) => unreachable!("hoisted above"),
            };
            inputs.push(v);
        }
        let result = cg.call_value(kernel, &inputs)?;
        let nout = spec.outputs.len();
        for j in 0..nout {
            let k = nin + j;
            let Access::Strided(stride) = access[k] else {
                unreachable!("outputs are never hoisted")
            };
            let p = element_ptr(cg, bases[k], i, stride)?;
            let v = if nout == 1 {
                result
            } else {
                cg.builder
                    .build_extract_value(result.into_struct_value(), j as u32, "")?
            };
            store_scalar(cg, operands[k], p, v)?;
        }
        Ok(())
    });
    cg.access_group = None;
    result.map(|_| ())
}
