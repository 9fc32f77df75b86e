//! Exact floating-point status flags.
//!
//! NumPy reports divide-by-zero, overflow and invalid operations by reading
//! the CPU's FP status flags after a loop (`np.errstate`). LLVM assumes those
//! flags are unobservable and freely speculates FP operations (if-converting
//! `x / y if y != 0 else 0`, computing both branches of a vectorized `if`),
//! and vector math libraries set flags of their own. Hardware flags after
//! an optimized loop therefore do not describe what the Python function
//! would have done.
//!
//! So kernels compute the flags themselves: every operation that can raise
//! one ORs its flag into a status word (an `i32` the kernel receives a
//! pointer to) when, on the path actually executed, IEEE arithmetic would
//! raise it:
//! - invalid: a NaN result from non-NaN operands (`0/0`, `inf-inf`,
//!   `sqrt(-1)`, `sin(inf)`), a float-to-int conversion out of range;
//! - divide-by-zero: `x / 0` for finite nonzero `x`, integer `// 0` and
//!   `% 0`, an infinite result of a pole (`log(0)`, `atanh(1)`);
//! - overflow: an infinite result from finite operands (`exp(1000)`,
//!   `1e308 * 10`, a narrowing cast), integer `MIN // -1`.
//!
//! The loop (`loops::elementwise`) then sets the hardware flags to exactly
//! those (keeping whatever was set before it ran; underflow is dropped).
//! Values use x86's `<fenv.h>` bits, which are also the MXCSR flag bits.

use inkwell::values::{BasicValueEnum, FloatValue, IntValue};
use inkwell::FloatPredicate;

use super::context::Codegen;
use crate::error::Result;

pub const INVALID: u64 = 0x01;
pub const DIVBYZERO: u64 = 0x04;
pub const OVERFLOW: u64 = 0x08;
/// Set by a `FlagMode::Taint` kernel when some float result was not
/// finite: the element's exact flags must be computed by the precise kernel.
pub const TAINT: u64 = 0x100;
/// Set when the kernel raised a Python exception (an `IndexError` under
/// `boundscheck`): the kernel returned early and the loop must stop.
pub const ERROR: u64 = 0x200;

/// How a kernel reports floating-point flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlagMode {
    /// Every operation computes its exact flags.
    #[default]
    Exact,
    /// Float operations report nothing; instead `TAINT` is recorded when a
    /// non-finite value reaches a place where it could vanish (a returned
    /// value, an unused result, the operand of a comparison, of `x / inf`,
    /// of `exp(-inf) == 0`, ...; see `codegen::function`). Every flag event
    /// of float arithmetic makes a non-finite float, so nothing is missed;
    /// integer operations and conversions still report exact flags. Loops
    /// re-run the exact kernel on the (rare) chunks that set `TAINT`.
    Taint,
    /// No flags at all: whole functions (`@jit`) report none, as Numba's
    /// do; only errors (`ERROR`) reach the status word.
    Off,
}

/// Whether the current function tracks flags (it does unless fast-math
/// lets LLVM assume there are no NaNs and infinities).
fn tracking(cg: &Codegen<'_>) -> bool {
    cg.func.status.is_some()
}

/// In taint mode, records `TAINT` if any result is not finite and returns
/// true (the caller is done); false in exact mode.
pub fn taint<'ctx>(cg: &Codegen<'ctx>, _results: &[FloatValue<'ctx>]) -> Result<bool> {
    // In taint mode the function emitter tests values where a non-finite
    // one could disappear (`taint_values`); individual operations report
    // nothing.
    Ok(cg.func.flag_mode == FlagMode::Taint)
}

/// Records `TAINT` if any of `values` (all of one float type) is not
/// finite (taint mode only). With `pack`, the values are packed into one
/// vector and tested with one class test (for the lanes of a jammed
/// kernel; scalar code the loop vectorizer will widen keeps one test per
/// value, which it turns into vector tests itself).
pub fn taint_values<'ctx>(
    cg: &Codegen<'ctx>,
    values: &[FloatValue<'ctx>],
    pack: bool,
) -> Result<()> {
    if cg.func.flag_mode != FlagMode::Taint || values.is_empty() {
        return Ok(());
    }
    if values.len() == 1 || !pack {
        let mut bad = cg.ctx.bool_type().const_zero();
        for v in values {
            let nonfinite = fpclass(cg, *v, CLASS_NAN | CLASS_INF)?;
            bad = cg.builder.build_or(bad, nonfinite, "")?;
        }
        return raise_if(cg, bad, TAINT);
    }
    let n = values.len().next_power_of_two() as u32;
    let vt = values[0].get_type().vec_type(n);
    let mut packed = vt.get_undef();
    let i32t = cg.ctx.i32_type();
    for k in 0..n as usize {
        // Pad with copies of the first value (they test the same).
        let v = values.get(k).unwrap_or(&values[0]);
        packed =
            cg.builder
                .build_insert_element(packed, *v, i32t.const_int(k as u64, false), "")?;
    }
    let classes = fpclass_vector(cg, packed, CLASS_NAN | CLASS_INF)?;
    let reduce = inkwell::intrinsics::Intrinsic::find("llvm.vector.reduce.or")
        .ok_or_else(|| crate::error::CompileError::internal("no llvm.vector.reduce.or"))?;
    let decl = reduce
        .get_declaration(&cg.module, &[classes.get_type().into()])
        .ok_or_else(|| crate::error::CompileError::internal("cannot declare vector.reduce.or"))?;
    let any = cg.call_value(decl, &[classes.into()])?.into_int_value();
    raise_if(cg, any, TAINT)
}

/// `status |= cond ? flag : 0`
pub fn raise_if<'ctx>(cg: &Codegen<'ctx>, cond: IntValue<'ctx>, flag: u64) -> Result<()> {
    let Some(status) = cg.func.status else {
        return Ok(());
    };
    let i32t = cg.ctx.i32_type();
    let b = &cg.builder;
    let old = b.build_load(i32t, status, "status")?.into_int_value();
    let bits = b.build_select(cond, i32t.const_int(flag, false), i32t.const_zero(), "")?;
    let new = b.build_or(old, bits.into_int_value(), "")?;
    b.build_store(status, new)?;
    Ok(())
}

/// Sets `ERROR` in the kernel's status word (a runtime error was reported).
pub fn raise_error(cg: &Codegen<'_>) -> Result<()> {
    let Some(status) = cg.func.error_status else {
        return Err(crate::error::CompileError::internal(
            "a runtime error outside a kernel",
        ));
    };
    let i32t = cg.ctx.i32_type();
    let b = &cg.builder;
    let old = b.build_load(i32t, status, "status")?.into_int_value();
    let new = b.build_or(old, i32t.const_int(ERROR, false), "")?;
    b.build_store(status, new)?;
    Ok(())
}

/// Whether the status word has `ERROR` set.
pub fn has_error<'ctx>(
    cg: &Codegen<'ctx>,
    status: inkwell::values::PointerValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let i32t = cg.ctx.i32_type();
    let b = &cg.builder;
    let word = b.build_load(i32t, status, "status")?.into_int_value();
    let bit = b.build_and(word, i32t.const_int(ERROR, false), "")?;
    Ok(b.build_int_compare(inkwell::IntPredicate::NE, bit, i32t.const_zero(), "failed")?)
}

/// `llvm.is.fpclass` class masks.
const CLASS_NAN: u64 = 0x003;
const CLASS_INF: u64 = 0x204;

/// `llvm.is.fpclass(x, mask)` for a float or a vector of floats: whether
/// (each lane of) `x` is in one of the classes of `mask` (one `vfpclass`
/// instruction on AVX-512).
fn fpclass_of<'ctx>(
    cg: &Codegen<'ctx>,
    x: BasicValueEnum<'ctx>,
    mask: u64,
) -> Result<BasicValueEnum<'ctx>> {
    let intrinsic = inkwell::intrinsics::Intrinsic::find("llvm.is.fpclass")
        .ok_or_else(|| crate::error::CompileError::internal("no llvm.is.fpclass"))?;
    let decl = intrinsic
        .get_declaration(&cg.module, &[x.get_type()])
        .ok_or_else(|| crate::error::CompileError::internal("cannot declare llvm.is.fpclass"))?;
    let mask = cg.ctx.i32_type().const_int(mask, false);
    cg.call_value(decl, &[x, mask.into()])
}

fn fpclass<'ctx>(cg: &Codegen<'ctx>, x: FloatValue<'ctx>, mask: u64) -> Result<IntValue<'ctx>> {
    Ok(fpclass_of(cg, x.into(), mask)?.into_int_value())
}

fn fpclass_vector<'ctx>(
    cg: &Codegen<'ctx>,
    x: inkwell::values::VectorValue<'ctx>,
    mask: u64,
) -> Result<inkwell::values::VectorValue<'ctx>> {
    Ok(fpclass_of(cg, x.into(), mask)?.into_vector_value())
}

// The exact checks run in scalar code (the strided path, the redo of a
// tainted chunk), where comparisons are cheaper than `llvm.is.fpclass`
// (which x86 lowers to integer bit tests for scalars); the vector taint
// tests use `fpclass` (one `vfpclass` per vector).

pub fn is_nan<'ctx>(cg: &Codegen<'ctx>, x: FloatValue<'ctx>) -> Result<IntValue<'ctx>> {
    Ok(cg
        .builder
        .build_float_compare(FloatPredicate::UNO, x, x, "")?)
}

fn not_nan<'ctx>(cg: &Codegen<'ctx>, x: FloatValue<'ctx>) -> Result<IntValue<'ctx>> {
    Ok(cg
        .builder
        .build_float_compare(FloatPredicate::ORD, x, x, "")?)
}

pub fn is_inf<'ctx>(cg: &Codegen<'ctx>, x: FloatValue<'ctx>) -> Result<IntValue<'ctx>> {
    let a = super::scalar::fabs(cg, x)?;
    let inf = x.get_type().const_float(f64::INFINITY);
    Ok(cg
        .builder
        .build_float_compare(FloatPredicate::OEQ, a, inf, "")?)
}

pub fn is_finite<'ctx>(cg: &Codegen<'ctx>, x: FloatValue<'ctx>) -> Result<IntValue<'ctx>> {
    let a = super::scalar::fabs(cg, x)?;
    let inf = x.get_type().const_float(f64::INFINITY);
    Ok(cg
        .builder
        .build_float_compare(FloatPredicate::OLT, a, inf, "")?)
}

fn all<'ctx>(cg: &Codegen<'ctx>, conds: &[IntValue<'ctx>]) -> Result<IntValue<'ctx>> {
    let mut acc = cg.ctx.bool_type().const_int(1, false);
    for c in conds {
        acc = cg.builder.build_and(acc, *c, "")?;
    }
    Ok(acc)
}

/// Flags of an operation with float `inputs` and `results`: invalid for a
/// NaN result from non-NaN inputs; `inf_flag` (overflow, or divide-by-zero
/// for poles) for an infinite result from finite inputs.
pub fn check<'ctx>(
    cg: &Codegen<'ctx>,
    inputs: &[FloatValue<'ctx>],
    results: &[FloatValue<'ctx>],
    inf_flag: u64,
) -> Result<()> {
    if !tracking(cg) || taint(cg, results)? {
        return Ok(());
    }
    if_not_finite(cg, results, |cg| {
        check_detailed(cg, inputs, results, inf_flag)
    })
}

fn check_detailed<'ctx>(
    cg: &Codegen<'ctx>,
    inputs: &[FloatValue<'ctx>],
    results: &[FloatValue<'ctx>],
    inf_flag: u64,
) -> Result<()> {
    let mut no_nan_in = vec![];
    let mut finite_in = vec![];
    for x in inputs {
        no_nan_in.push(not_nan(cg, *x)?);
        finite_in.push(is_finite(cg, *x)?);
    }
    let no_nan_in = all(cg, &no_nan_in)?;
    let finite_in = all(cg, &finite_in)?;
    let mut nan_out = cg.ctx.bool_type().const_zero();
    let mut inf_out = cg.ctx.bool_type().const_zero();
    for r in results {
        nan_out = cg.builder.build_or(nan_out, is_nan(cg, *r)?, "")?;
        inf_out = cg.builder.build_or(inf_out, is_inf(cg, *r)?, "")?;
    }
    let invalid = cg.builder.build_and(nan_out, no_nan_in, "")?;
    raise_if(cg, invalid, INVALID)?;
    let overflow = cg.builder.build_and(inf_out, finite_in, "")?;
    raise_if(cg, overflow, inf_flag)
}

/// Flags of `a / b` (real): divide-by-zero for a finite nonzero `a` over
/// zero, invalid for `0/0` and `inf/inf`, overflow for a finite quotient
/// too large.
pub fn check_division<'ctx>(
    cg: &Codegen<'ctx>,
    a: FloatValue<'ctx>,
    b: FloatValue<'ctx>,
    q: FloatValue<'ctx>,
) -> Result<()> {
    if !tracking(cg) || taint(cg, &[q])? {
        return Ok(());
    }
    if_not_finite(cg, &[q], |cg| check_division_detailed(cg, a, b, q))
}

fn check_division_detailed<'ctx>(
    cg: &Codegen<'ctx>,
    a: FloatValue<'ctx>,
    b: FloatValue<'ctx>,
    q: FloatValue<'ctx>,
) -> Result<()> {
    let zero = b.get_type().const_zero();
    let bd = &cg.builder;
    let b_zero = bd.build_float_compare(FloatPredicate::OEQ, b, zero, "")?;
    let a_nonzero = bd.build_float_compare(FloatPredicate::ONE, a, zero, "")?;
    let a_finite = is_finite(cg, a)?;
    let div0 = all(cg, &[b_zero, a_nonzero, a_finite])?;
    raise_if(cg, div0, DIVBYZERO)?;
    let b_nonzero = cg.builder.build_not(b_zero, "")?;
    let b_finite = is_finite(cg, b)?;
    let q_inf = is_inf(cg, q)?;
    let overflow = all(cg, &[q_inf, a_finite, b_finite, b_nonzero])?;
    raise_if(cg, overflow, OVERFLOW)?;
    let q_nan = is_nan(cg, q)?;
    let ord = cg
        .builder
        .build_float_compare(FloatPredicate::ORD, a, b, "")?;
    let invalid = cg.builder.build_and(q_nan, ord, "")?;
    raise_if(cg, invalid, INVALID)
}

/// Runs `detailed` (which classifies flags) only when some of `results`
/// is not finite. Every flag event of float arithmetic makes a non-finite
/// result, and exact kernels run in scalar code, where this well-predicted
/// branch is much cheaper than classifying every result.
pub fn if_not_finite<'ctx>(
    cg: &Codegen<'ctx>,
    results: &[FloatValue<'ctx>],
    detailed: impl FnOnce(&Codegen<'ctx>) -> Result<()>,
) -> Result<()> {
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|b| b.get_parent())
        .ok_or_else(|| crate::error::CompileError::internal("flags outside a function"))?;
    let mut bad = cg.ctx.bool_type().const_zero();
    for r in results {
        let a = super::scalar::fabs(cg, *r)?;
        let inf = r.get_type().const_float(f64::INFINITY);
        // Unordered-or-equal: NaN or infinite.
        let nonfinite = cg
            .builder
            .build_float_compare(FloatPredicate::UEQ, a, inf, "")?;
        bad = cg.builder.build_or(bad, nonfinite, "")?;
    }
    let cold = cg.ctx.append_basic_block(f, "flags");
    let done = cg.ctx.append_basic_block(f, "flags.done");
    cg.builder.build_conditional_branch(bad, cold, done)?;
    cg.builder.position_at_end(cold);
    detailed(cg)?;
    cg.builder.build_unconditional_branch(done)?;
    cg.builder.position_at_end(done);
    Ok(())
}
