//! `Op::Random`: the generator of `engine::random` in compiled code.
//!
//! The thread's state pointer comes from `jitufunc_rt_random_state`, called
//! once at the entry of each function that draws (a `memory(none)` call,
//! so the copies inlining brings together merge into one). A uniform
//! double is xoshiro256++'s step emitted inline on that state (in a loop
//! LLVM keeps the four words in registers); the other draws call the
//! runtime with the pointer.
//!
//! A `numpy.random.Generator` argument's draws (`bitgen_double`,
//! `bitgen_uint64`) call its bit generator's own functions through the
//! `bitgen_t` pointer the argument is (NumPy's C API), so they advance its
//! state as `g.random()` does.

use inkwell::values::{BasicValueEnum, IntValue, PointerValue};

use super::context::Codegen;
use crate::builtins::RandomFn;
use crate::error::{CompileError, Result};

/// Emits one primitive; `None` for `Seed` (no result).
pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: RandomFn,
    vals: &[BasicValueEnum<'ctx>],
) -> Result<Option<BasicValueEnum<'ctx>>> {
    if matches!(f, RandomFn::BitgenDouble | RandomFn::BitgenUint64) {
        return bitgen(cg, f == RandomFn::BitgenDouble, vals[0]).map(Some);
    }
    let state = state_pointer(cg)?;
    let i64t = cg.ctx.i64_type();
    let f64t = cg.ctx.f64_type();
    let ptr = cg.ptr_type();
    let call = |cg: &Codegen<'ctx>,
                name: &str,
                ty: inkwell::types::FunctionType<'ctx>,
                extra: &[BasicValueEnum<'ctx>]|
     -> Result<BasicValueEnum<'ctx>> {
        let runtime = cg.external(name, ty);
        let mut args = vec![state.into()];
        args.extend_from_slice(extra);
        cg.call_value(runtime, &args)
    };
    Ok(Some(match f {
        RandomFn::Seed => {
            let ty = cg
                .ctx
                .void_type()
                .fn_type(&[ptr.into(), i64t.into()], false);
            let runtime = cg.external("jitufunc_rt_random_seed", ty);
            cg.call(runtime, &[state.into(), vals[0]])?;
            return Ok(None);
        }
        RandomFn::Double => double(cg, state)?.into(),
        RandomFn::Normal => call(
            cg,
            "jitufunc_rt_random_normal",
            f64t.fn_type(&[ptr.into()], false),
            &[],
        )?,
        RandomFn::Integer => call(
            cg,
            "jitufunc_rt_random_integer",
            i64t.fn_type(&[ptr.into(), i64t.into(), i64t.into()], false),
            vals,
        )?,
        RandomFn::Poisson => call(
            cg,
            "jitufunc_rt_random_poisson",
            i64t.fn_type(&[ptr.into(), f64t.into()], false),
            vals,
        )?,
        RandomFn::Binomial => call(
            cg,
            "jitufunc_rt_random_binomial",
            i64t.fn_type(&[ptr.into(), i64t.into(), f64t.into()], false),
            vals,
        )?,
        RandomFn::BitgenDouble | RandomFn::BitgenUint64 => unreachable!("handled above"),
    }))
}

/// Byte offsets in NumPy's `bitgen_t` (`numpy/random/bitgen.h`: `void
/// *state`, then the `next_uint64`, `next_uint32`, `next_double` and
/// `next_raw` function pointers).
const BITGEN_NEXT_UINT64: u64 = 8;
const BITGEN_NEXT_DOUBLE: u64 = 24;

/// `bitgen->next_double(bitgen->state)` (or `next_uint64`) of the
/// `bitgen_t` pointer `g`.
fn bitgen<'ctx>(
    cg: &Codegen<'ctx>,
    double: bool,
    g: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let g = g.into_pointer_value();
    let ptr = cg.ptr_type();
    let i8t = cg.ctx.i8_type();
    let state = cg.builder.build_load(ptr, g, "bitgen.state")?;
    let offset = if double {
        BITGEN_NEXT_DOUBLE
    } else {
        BITGEN_NEXT_UINT64
    };
    // SAFETY: `g` points to a `bitgen_t` (the dispatcher read it from the
    // bit generator's "BitGenerator" capsule), whose function pointers
    // lie at these offsets.
    let at = unsafe {
        cg.builder.build_gep(
            i8t,
            g,
            &[cg.ctx.i64_type().const_int(offset, false)],
            "bitgen.next",
        )?
    };
    let next = cg
        .builder
        .build_load(ptr, at, "bitgen.fn")?
        .into_pointer_value();
    let ty = if double {
        cg.ctx.f64_type().fn_type(&[ptr.into()], false)
    } else {
        cg.ctx.i64_type().fn_type(&[ptr.into()], false)
    };
    let call = cg
        .builder
        .build_indirect_call(ty, next, &[state.into()], "draw")?;
    match call.try_as_basic_value() {
        inkwell::values::ValueKind::Basic(v) => Ok(v),
        _ => Err(CompileError::internal("a bit generator's draw")),
    }
}

/// The thread's state, fetched at the entry of the current function the
/// first time it is needed there.
fn state_pointer<'ctx>(cg: &mut Codegen<'ctx>) -> Result<PointerValue<'ctx>> {
    let current = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("random draw outside a function"))?;
    if let Some((f, p)) = cg.func.random_state {
        if f == current {
            return Ok(p);
        }
    }
    let entry = current
        .get_first_basic_block()
        .ok_or_else(|| CompileError::internal("function without an entry block"))?;
    let at_entry = cg.ctx.create_builder();
    match entry.get_first_instruction() {
        Some(first) => at_entry.position_before(&first),
        None => at_entry.position_at_end(entry),
    }
    let runtime = cg.external(
        "jitufunc_rt_random_state",
        cg.ptr_type().fn_type(&[], false),
    );
    let call = at_entry.build_call(runtime, &[], "random.state")?;
    // The call reads and writes nothing compiled code can see (its lazy
    // seeding touches only the state it returns, which is this thread's
    // for good): calls merge and hoist.
    super::math::mark_pure_call(cg, call);
    let p = match call.try_as_basic_value() {
        inkwell::values::ValueKind::Basic(v) => v.into_pointer_value(),
        _ => return Err(CompileError::internal("random state is a pointer")),
    };
    cg.func.random_state = Some((current, p));
    Ok(p)
}

/// xoshiro256++'s step on `state` (`engine::random::State::next_u64`,
/// word for word), scaled to a double in [0, 1) from its top 53 bits.
fn double<'ctx>(
    cg: &Codegen<'ctx>,
    state: PointerValue<'ctx>,
) -> Result<inkwell::values::FloatValue<'ctx>> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let word = |k: u64| -> Result<PointerValue<'ctx>> {
        // SAFETY: `state` points to an `engine::random::State`, whose
        // first field is `[u64; 4]`; k < 4.
        Ok(unsafe { b.build_in_bounds_gep(i64t, state, &[i64t.const_int(k, false)], "") }?)
    };
    let mut s = [i64t.const_zero(); 4];
    for (k, slot) in s.iter_mut().enumerate() {
        *slot = b
            .build_load(i64t, word(k as u64)?, "random.s")?
            .into_int_value();
    }
    let fshl = inkwell::intrinsics::Intrinsic::find("llvm.fshl")
        .and_then(|i| i.get_declaration(&cg.module, &[i64t.into()]))
        .ok_or_else(|| CompileError::internal("cannot declare llvm.fshl.i64"))?;
    let rotl = |x: IntValue<'ctx>, k: u64| -> Result<IntValue<'ctx>> {
        let amount = i64t.const_int(k, false);
        Ok(cg
            .call_value(fshl, &[x.into(), x.into(), amount.into()])?
            .into_int_value())
    };
    let sum = b.build_int_add(s[0], s[3], "")?;
    let result = b.build_int_add(rotl(sum, 23)?, s[0], "")?;
    let t = b.build_left_shift(s[1], i64t.const_int(17, false), "")?;
    s[2] = b.build_xor(s[2], s[0], "")?;
    s[3] = b.build_xor(s[3], s[1], "")?;
    s[1] = b.build_xor(s[1], s[2], "")?;
    s[0] = b.build_xor(s[0], s[3], "")?;
    s[2] = b.build_xor(s[2], t, "")?;
    s[3] = rotl(s[3], 45)?;
    for (k, v) in s.iter().enumerate() {
        b.build_store(word(k as u64)?, *v)?;
    }
    let top = b.build_right_shift(result, i64t.const_int(11, false), false, "")?;
    let f64t = cg.ctx.f64_type();
    let x = b.build_unsigned_int_to_float(top, f64t, "")?;
    Ok(b.build_float_mul(
        x,
        f64t.const_float(1.0 / (1u64 << 53) as f64),
        "random.double",
    )?)
}
