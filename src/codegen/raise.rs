//! Exceptions raised by generated code: when a condition holds, call a
//! runtime function that records the error (`engine::runtime`), set
//! `fpstatus::ERROR` in the function's status word and return from the
//! function at once (with a zero result). Callers of a function that may
//! raise check the status word after the call (`codegen::function`), and
//! whatever called the outermost function (a ufunc loop, a `@jit` entry)
//! turns the bit into the Python exception.

use inkwell::values::{BasicMetadataValueEnum, IntValue};

use super::Codegen;
use crate::error::{CompileError, Result};

/// Unless `ok` holds, calls the runtime function `name` (declared with
/// `params`) with `args`, marks the error and returns from the current
/// function. Leaves the builder where `ok` holds.
pub fn raise_unless<'ctx>(
    cg: &Codegen<'ctx>,
    ok: IntValue<'ctx>,
    what: &str,
    name: &str,
    params: &[inkwell::types::BasicMetadataTypeEnum<'ctx>],
    args: &[BasicMetadataValueEnum<'ctx>],
) -> Result<()> {
    fail_unless(cg, ok, what, |cg| {
        let runtime = cg.external(name, cg.ctx.void_type().fn_type(params, false));
        cg.builder.build_call(runtime, args, "")?;
        Ok(())
    })
}

/// Unless `ok` holds, NumPy's `ValueError` of kind `kind` (the runtime
/// has its message) and a return from the current function.
pub fn value_error_unless<'ctx>(
    cg: &Codegen<'ctx>,
    ok: IntValue<'ctx>,
    what: &str,
    kind: crate::engine::runtime::ValueErrorKind,
) -> Result<()> {
    let i32t = cg.ctx.i32_type();
    raise_unless(
        cg,
        ok,
        what,
        "jitufunc_rt_value_error",
        &[i32t.into()],
        &[i32t.const_int(kind as u64, false).into()],
    )
}

/// NumPy 2's `OverflowError` unless the Python int `v` (an int64) fits
/// integer type `to` (nothing to check for bool, int64 and non-integers).
pub fn python_int_fits<'ctx>(
    cg: &Codegen<'ctx>,
    to: crate::types::Scalar,
    v: IntValue<'ctx>,
) -> Result<()> {
    use inkwell::IntPredicate;
    if !to.is_int() || to == crate::types::Scalar::I64 {
        return Ok(());
    }
    let i64t = cg.ctx.i64_type();
    let b = &cg.builder;
    let ok = if to == crate::types::Scalar::U64 {
        b.build_int_compare(IntPredicate::SGE, v, i64t.const_zero(), "")?
    } else {
        // Types narrower than 64 bits: both limits fit an i64.
        let (lo, hi) = to.int_range();
        let (lo, hi) = (lo as i64, hi as i64);
        // lo <= v <= hi as one unsigned compare of v - lo.
        let shifted = b.build_int_sub(v, i64t.const_int(lo as u64, true), "")?;
        b.build_int_compare(
            IntPredicate::ULE,
            shifted,
            i64t.const_int((hi - lo) as u64, false),
            "",
        )?
    };
    let i32t = cg.ctx.i32_type();
    raise_unless(
        cg,
        ok,
        "int.fits",
        "jitufunc_rt_int_out_of_bounds",
        &[i64t.into(), i32t.into()],
        &[v.into(), i32t.const_int(to.typenum() as u64, true).into()],
    )
}

/// Drops the references the function holds (before an early return).
pub fn release_held(cg: &Codegen<'_>) -> Result<()> {
    for (t, v) in &cg.func.held {
        super::arrays::release(cg, t, *v)?;
    }
    Ok(())
}

/// Unless `ok` holds, runs `report` (which records the error; it may do
/// nothing when a runtime function already did), marks the error and
/// returns from the current function.
pub fn fail_unless<'ctx>(
    cg: &Codegen<'ctx>,
    ok: IntValue<'ctx>,
    what: &str,
    report: impl FnOnce(&Codegen<'ctx>) -> Result<()>,
) -> Result<()> {
    let b = &cg.builder;
    let f = b
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("raising outside a function"))?;
    let fail = cg.ctx.append_basic_block(f, &format!("{what}.error"));
    let cont = cg.ctx.append_basic_block(f, &format!("{what}.ok"));
    b.build_conditional_branch(ok, cont, fail)?;
    b.position_at_end(fail);
    report(cg)?;
    super::fpstatus::raise_error(cg)?;
    release_held(cg)?;
    match f.get_type().get_return_type() {
        Some(t) => b.build_return(Some(&t.const_zero()))?,
        None => b.build_return(None)?,
    };
    b.position_at_end(cont);
    Ok(())
}

/// `raise C("message")` (a terminator): reports the exception to the
/// runtime, marks the error and returns from `f` (whose references were
/// dropped before, as at any end of the function).
pub fn raise_now<'ctx>(
    cg: &Codegen<'ctx>,
    r: &crate::ir::Raise,
    f: inkwell::values::FunctionValue<'ctx>,
) -> Result<()> {
    let b = &cg.builder;
    let i32t = cg.ctx.i32_type();
    let message = match &r.message {
        Some(m) => b
            .build_global_string_ptr(m, "raise.message")?
            .as_pointer_value(),
        None => cg.ptr_type().const_null(),
    };
    let runtime = cg.external(
        "jitufunc_rt_raise",
        cg.ctx
            .void_type()
            .fn_type(&[i32t.into(), cg.ptr_type().into()], false),
    );
    b.build_call(
        runtime,
        &[i32t.const_int(r.class as u64, false).into(), message.into()],
        "",
    )?;
    super::fpstatus::raise_error(cg)?;
    match f.get_type().get_return_type() {
        Some(t) => b.build_return(Some(&t.const_zero()))?,
        None => b.build_return(None)?,
    };
    Ok(())
}
