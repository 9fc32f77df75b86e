//! Arithmetic, bitwise and unary operators at one concrete type.
//!
//! Semantics are NumPy's: integers wrap; `//` and `%` floor (Python
//! semantics) and give 0 for a zero divisor while raising the
//! divide-by-zero flag (`fpstatus`), so `np.errstate` decides what happens,
//! exactly as for NumPy's own integer loops; `MIN // -1` gives MIN and
//! raises the overflow flag; shifts by the width or more give 0 (or -1 for
//! negative numbers shifted right); float `//` and `%` are NumPy's
//! `npy_divmod`. float16 arithmetic is done in float32 and rounded, as
//! NumPy does. Every float operation reports its flags to `fpstatus`.

use inkwell::values::{BasicValueEnum, FloatValue, FunctionValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

use super::complex;
use super::context::{Codegen, ErrorModel};
use super::fpstatus::{self, DIVBYZERO, OVERFLOW};
use super::math;
use super::scalar::{float_const, int_const};
use crate::error::{CompileError, Result};
use crate::syntax::{BinOp, UnaryOp};
use crate::types::{Kind, Scalar, Type};

fn storage(t: &Type) -> Result<Scalar> {
    t.storage()
        .ok_or_else(|| CompileError::internal(format!("{t} is not a scalar")))
}

pub fn binary<'ctx>(
    cg: &mut Codegen<'ctx>,
    op: BinOp,
    t: &Type,
    a: BasicValueEnum<'ctx>,
    b: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let s = storage(t)?;
    if cg.error_model == ErrorModel::Python
        && matches!(op, BinOp::TrueDiv | BinOp::FloorDiv | BinOp::Mod)
    {
        raise_zero_division(cg, op, s, b)?;
    }
    match s.kind() {
        Kind::Bool => bool_binary(cg, op, a.into_int_value(), b.into_int_value()),
        Kind::Int => int_binary(cg, op, s, a.into_int_value(), b.into_int_value()),
        Kind::Float if s == Scalar::F16 => {
            let f32t = cg.ctx.f32_type();
            let x = cg.builder.build_float_ext(a.into_float_value(), f32t, "")?;
            let y = cg.builder.build_float_ext(b.into_float_value(), f32t, "")?;
            let r = float_binary(cg, op, Scalar::F32, x, y)?.into_float_value();
            let r16 = cg.builder.build_float_trunc(r, cg.ctx.f16_type(), "")?;
            fpstatus::check(cg, &[r], &[r16], OVERFLOW)?;
            Ok(r16.into())
        }
        Kind::Float => float_binary(cg, op, s, a.into_float_value(), b.into_float_value()),
        Kind::Complex => complex::binary(cg, op, s, t.is_weak(), a, b),
    }
}

/// Python's error model: `ZeroDivisionError` when the divisor `b` (of
/// type `s`) is zero. NaN is not zero (`x / nan` is nan in Python too).
fn raise_zero_division<'ctx>(
    cg: &Codegen<'ctx>,
    op: BinOp,
    s: Scalar,
    b: BasicValueEnum<'ctx>,
) -> Result<()> {
    let bd = &cg.builder;
    let nonzero = match s.kind() {
        Kind::Bool | Kind::Int => {
            let b = b.into_int_value();
            bd.build_int_compare(IntPredicate::NE, b, b.get_type().const_zero(), "")?
        }
        Kind::Float => {
            let b = b.into_float_value();
            bd.build_float_compare(FloatPredicate::UNE, b, b.get_type().const_zero(), "")?
        }
        Kind::Complex => {
            let (re, im) = complex::parts(cg, b)?;
            let zero = re.get_type().const_zero();
            let re = bd.build_float_compare(FloatPredicate::UNE, re, zero, "")?;
            let im = bd.build_float_compare(FloatPredicate::UNE, im, zero, "")?;
            bd.build_or(re, im, "")?
        }
    };
    use crate::engine::runtime::ZeroDivision as Z;
    let what = match (op, s.kind()) {
        (BinOp::TrueDiv, Kind::Complex) => Z::Complex,
        (BinOp::TrueDiv, _) => Z::Division,
        (BinOp::FloorDiv, Kind::Float) => Z::FloatFloorDivision,
        (BinOp::FloorDiv, _) => Z::IntegerDivision,
        (BinOp::Mod, Kind::Float) => Z::FloatModulo,
        (_, _) => Z::IntegerModulo,
    };
    let code = what as u64;
    let i32t = cg.ctx.i32_type();
    super::raise::raise_unless(
        cg,
        nonzero,
        "zero.division",
        "jitufunc_rt_zero_division",
        &[i32t.into()],
        &[i32t.const_int(code, false).into()],
    )
}

fn bool_binary<'ctx>(
    cg: &Codegen<'ctx>,
    op: BinOp,
    a: IntValue<'ctx>,
    b: IntValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let bd = &cg.builder;
    Ok(match op {
        // NumPy: True + True is True (logical or), True * False is False.
        BinOp::Add | BinOp::BitOr => bd.build_or(a, b, "")?.into(),
        BinOp::Mul | BinOp::BitAnd => bd.build_and(a, b, "")?.into(),
        BinOp::BitXor => bd.build_xor(a, b, "")?.into(),
        other => {
            return Err(CompileError::internal(format!(
                "bool operator {} reached codegen",
                other.symbol()
            )))
        }
    })
}

fn int_binary<'ctx>(
    cg: &mut Codegen<'ctx>,
    op: BinOp,
    s: Scalar,
    a: IntValue<'ctx>,
    b: IntValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let signed = s.is_signed();
    Ok(match op {
        BinOp::Add => cg.builder.build_int_add(a, b, "")?.into(),
        BinOp::Sub => cg.builder.build_int_sub(a, b, "")?.into(),
        BinOp::Mul => cg.builder.build_int_mul(a, b, "")?.into(),
        BinOp::BitAnd => cg.builder.build_and(a, b, "")?.into(),
        BinOp::BitOr => cg.builder.build_or(a, b, "")?.into(),
        BinOp::BitXor => cg.builder.build_xor(a, b, "")?.into(),
        BinOp::FloorDiv | BinOp::Mod => {
            let f = if op == BinOp::FloorDiv {
                int_floordiv_helper(cg, s)?
            } else {
                int_mod_helper(cg, s)?
            };
            let r = cg.call_value(f, &[a.into(), b.into()])?;
            let bd = &cg.builder;
            let zero = bd.build_int_compare(IntPredicate::EQ, b, b.get_type().const_zero(), "")?;
            fpstatus::raise_if(cg, zero, DIVBYZERO)?;
            if op == BinOp::FloorDiv && signed {
                let min = b.get_type().const_int(1u64 << (s.bits() - 1), false);
                let a_min = bd.build_int_compare(IntPredicate::EQ, a, min, "")?;
                let b_m1 =
                    bd.build_int_compare(IntPredicate::EQ, b, b.get_type().const_all_ones(), "")?;
                let overflow = bd.build_and(a_min, b_m1, "")?;
                fpstatus::raise_if(cg, overflow, OVERFLOW)?;
            }
            r
        }
        BinOp::Pow => {
            let f = int_pow_helper(cg, s)?;
            let r = cg.call_value(f, &[a.into(), b.into()])?;
            if signed {
                // NumPy raises ValueError for negative integer powers; a
                // loop cannot raise, so it reports an invalid operation.
                let negative = cg.builder.build_int_compare(
                    IntPredicate::SLT,
                    b,
                    b.get_type().const_zero(),
                    "",
                )?;
                fpstatus::raise_if(cg, negative, fpstatus::INVALID)?;
            }
            r
        }
        BinOp::LShift | BinOp::RShift => {
            let bd = &cg.builder;
            let width = int_const(cg, s, s.bits() as i128);
            // Compared as unsigned, so negative shift counts are too large.
            let in_range = bd.build_int_compare(IntPredicate::ULT, b, width, "")?;
            let zero = a.get_type().const_zero();
            let safe_b = bd.build_select(in_range, b, zero, "")?.into_int_value();
            if op == BinOp::LShift {
                let shifted = bd.build_left_shift(a, safe_b, "")?;
                bd.build_select(in_range, shifted, zero, "")?
            } else {
                let shifted = bd.build_right_shift(a, safe_b, signed, "")?;
                let fill = if signed {
                    let negative = bd.build_int_compare(IntPredicate::SLT, a, zero, "")?;
                    bd.build_select(negative, a.get_type().const_all_ones(), zero, "")?
                        .into_int_value()
                } else {
                    zero
                };
                bd.build_select(in_range, shifted, fill, "")?
            }
        }
        BinOp::TrueDiv => {
            return Err(CompileError::internal(
                "integer true division reached codegen",
            ))
        }
    })
}

fn int_helper_name(what: &str, s: Scalar) -> String {
    format!("jitufunc.{what}.{}", s.name())
}

/// Branches to a block that returns `value` when `cond`. (The helpers are
/// pure; callers raise the flags.)
fn early_return_if<'ctx>(
    cg: &Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    cond: IntValue<'ctx>,
    value: BasicValueEnum<'ctx>,
) -> Result<()> {
    let bail = cg.ctx.append_basic_block(f, "bail");
    let cont = cg.ctx.append_basic_block(f, "cont");
    cg.builder.build_conditional_branch(cond, bail, cont)?;
    cg.builder.position_at_end(bail);
    cg.builder.build_return(Some(&value))?;
    cg.builder.position_at_end(cont);
    Ok(())
}

fn int_floordiv_helper<'ctx>(cg: &mut Codegen<'ctx>, s: Scalar) -> Result<FunctionValue<'ctx>> {
    let it = cg.scalar_type(s).into_int_type();
    let name = int_helper_name("floordiv", s);
    cg.helper(
        &name,
        it.fn_type(&[it.into(), it.into()], false),
        |cg, f| {
            let a = f.get_nth_param(0).expect("a").into_int_value();
            let b = f.get_nth_param(1).expect("b").into_int_value();
            let zero = it.const_zero();
            let is_zero = cg
                .builder
                .build_int_compare(IntPredicate::EQ, b, zero, "")?;
            early_return_if(cg, f, is_zero, zero.into())?;
            if !s.is_signed() {
                let q = cg.builder.build_int_unsigned_div(a, b, "")?;
                cg.builder.build_return(Some(&q))?;
                return Ok(());
            }
            let min = it.const_int(1u64 << (s.bits() - 1), false);
            let bd = &cg.builder;
            let a_min = bd.build_int_compare(IntPredicate::EQ, a, min, "")?;
            let b_m1 = bd.build_int_compare(IntPredicate::EQ, b, it.const_all_ones(), "")?;
            let overflow = bd.build_and(a_min, b_m1, "")?;
            early_return_if(cg, f, overflow, min.into())?;
            let bd = &cg.builder;
            let q = bd.build_int_signed_div(a, b, "")?;
            let r = bd.build_int_signed_rem(a, b, "")?;
            let r_nonzero = bd.build_int_compare(IntPredicate::NE, r, zero, "")?;
            let signs_differ =
                bd.build_int_compare(IntPredicate::SLT, bd.build_xor(r, b, "")?, zero, "")?;
            let adjust = bd.build_and(r_nonzero, signs_differ, "")?;
            let adjust = bd.build_int_z_extend(adjust, it, "")?;
            let q = bd.build_int_sub(q, adjust, "")?;
            bd.build_return(Some(&q))?;
            Ok(())
        },
    )
}

fn int_mod_helper<'ctx>(cg: &mut Codegen<'ctx>, s: Scalar) -> Result<FunctionValue<'ctx>> {
    let it = cg.scalar_type(s).into_int_type();
    let name = int_helper_name("mod", s);
    cg.helper(
        &name,
        it.fn_type(&[it.into(), it.into()], false),
        |cg, f| {
            let a = f.get_nth_param(0).expect("a").into_int_value();
            let b = f.get_nth_param(1).expect("b").into_int_value();
            let zero = it.const_zero();
            let is_zero = cg
                .builder
                .build_int_compare(IntPredicate::EQ, b, zero, "")?;
            early_return_if(cg, f, is_zero, zero.into())?;
            if !s.is_signed() {
                let r = cg.builder.build_int_unsigned_rem(a, b, "")?;
                cg.builder.build_return(Some(&r))?;
                return Ok(());
            }
            // x % -1 == 0; also avoids the trapping MIN % -1.
            let b_m1 =
                cg.builder
                    .build_int_compare(IntPredicate::EQ, b, it.const_all_ones(), "")?;
            early_return_if(cg, f, b_m1, zero.into())?;
            let bd = &cg.builder;
            let r = bd.build_int_signed_rem(a, b, "")?;
            let r_nonzero = bd.build_int_compare(IntPredicate::NE, r, zero, "")?;
            let signs_differ =
                bd.build_int_compare(IntPredicate::SLT, bd.build_xor(r, b, "")?, zero, "")?;
            let adjust = bd.build_and(r_nonzero, signs_differ, "")?;
            let fixed = bd.build_int_add(r, b, "")?;
            let r = bd.build_select(adjust, fixed, r, "")?;
            bd.build_return(Some(&r))?;
            Ok(())
        },
    )
}

/// Integer power by squaring. A negative exponent (an error in NumPy) gives
/// 1/a**|b| truncated: 1 for a == 1, +-1 for a == -1, 0 otherwise.
fn int_pow_helper<'ctx>(cg: &mut Codegen<'ctx>, s: Scalar) -> Result<FunctionValue<'ctx>> {
    let it = cg.scalar_type(s).into_int_type();
    let name = int_helper_name("pow", s);
    cg.helper(
        &name,
        it.fn_type(&[it.into(), it.into()], false),
        |cg, f| {
            let a = f.get_nth_param(0).expect("a").into_int_value();
            let b = f.get_nth_param(1).expect("b").into_int_value();
            let zero = it.const_zero();
            let one = it.const_int(1, false);
            let entry = cg.builder.get_insert_block().expect("entry");
            if s.is_signed() {
                let bd = &cg.builder;
                let negative = bd.build_int_compare(IntPredicate::SLT, b, zero, "")?;
                let a_one = bd.build_int_compare(IntPredicate::EQ, a, one, "")?;
                let a_m1 = bd.build_int_compare(IntPredicate::EQ, a, it.const_all_ones(), "")?;
                let odd =
                    bd.build_int_compare(IntPredicate::NE, bd.build_and(b, one, "")?, zero, "")?;
                let m1_result = bd.build_select(odd, it.const_all_ones(), one, "")?;
                let r = bd.build_select(a_m1, m1_result, zero.into(), "")?;
                let r = bd.build_select(a_one, one.into(), r, "")?;
                early_return_if(cg, f, negative, r)?;
            }
            let pre = cg.builder.get_insert_block().unwrap_or(entry);
            let header = cg.ctx.append_basic_block(f, "pow.header");
            let body = cg.ctx.append_basic_block(f, "pow.body");
            let exit = cg.ctx.append_basic_block(f, "pow.exit");
            cg.builder.build_unconditional_branch(header)?;
            cg.builder.position_at_end(header);
            let bd = &cg.builder;
            let r = bd.build_phi(it, "r")?;
            let base = bd.build_phi(it, "base")?;
            let e = bd.build_phi(it, "e")?;
            let (rv, bv, ev) = (
                r.as_basic_value().into_int_value(),
                base.as_basic_value().into_int_value(),
                e.as_basic_value().into_int_value(),
            );
            let more = bd.build_int_compare(IntPredicate::NE, ev, zero, "")?;
            bd.build_conditional_branch(more, body, exit)?;
            bd.position_at_end(body);
            let odd =
                bd.build_int_compare(IntPredicate::NE, bd.build_and(ev, one, "")?, zero, "")?;
            let times = bd.build_int_mul(rv, bv, "")?;
            let r2 = bd.build_select(odd, times, rv, "")?.into_int_value();
            let b2 = bd.build_int_mul(bv, bv, "")?;
            let e2 = bd.build_right_shift(ev, one, false, "")?;
            bd.build_unconditional_branch(header)?;
            r.add_incoming(&[(&one, pre), (&r2, body)]);
            base.add_incoming(&[(&a, pre), (&b2, body)]);
            e.add_incoming(&[(&b, pre), (&e2, body)]);
            bd.position_at_end(exit);
            bd.build_return(Some(&rv))?;
            Ok(())
        },
    )
}

fn float_binary<'ctx>(
    cg: &mut Codegen<'ctx>,
    op: BinOp,
    s: Scalar,
    a: FloatValue<'ctx>,
    b: FloatValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let bd = &cg.builder;
    let v = match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul => {
            let v = match op {
                BinOp::Add => bd.build_float_add(a, b, "")?,
                BinOp::Sub => bd.build_float_sub(a, b, "")?,
                _ => bd.build_float_mul(a, b, "")?,
            };
            fpstatus::check(cg, &[a, b], &[v], OVERFLOW)?;
            v
        }
        BinOp::TrueDiv => {
            let v = bd.build_float_div(a, b, "")?;
            fpstatus::check_division(cg, a, b, v)?;
            v
        }
        BinOp::Pow => math::pow(cg, s, a, b)?,
        BinOp::FloorDiv | BinOp::Mod => {
            let f = float_divmod_helper(cg, s)?;
            let pair = cg.call_value(f, &[a.into(), b.into()])?.into_struct_value();
            let index = if op == BinOp::FloorDiv { 0 } else { 1 };
            let v = cg
                .builder
                .build_extract_value(pair, index, "")?
                .into_float_value();
            if op == BinOp::FloorDiv {
                fpstatus::check_division(cg, a, b, v)?;
            } else {
                fpstatus::check(cg, &[a, b], &[v], OVERFLOW)?;
            }
            v
        }
        other => {
            return Err(CompileError::internal(format!(
                "float operator {} reached codegen",
                other.symbol()
            )))
        }
    };
    super::fastmath::apply(cg, v);
    Ok(v.into())
}

/// NumPy's `npy_floor_divide` and `npy_remainder` together: returns
/// `{a // b, a % b}`.
fn float_divmod_helper<'ctx>(cg: &mut Codegen<'ctx>, s: Scalar) -> Result<FunctionValue<'ctx>> {
    let ft = cg.float_type(s);
    let pair = cg.ctx.struct_type(&[ft.into(), ft.into()], false);
    let name = format!("jitufunc.divmod.{}", s.name());
    cg.helper(
        &name,
        pair.fn_type(&[ft.into(), ft.into()], false),
        |cg, f| {
            let a = f.get_nth_param(0).expect("a").into_float_value();
            let b = f.get_nth_param(1).expect("b").into_float_value();
            let zero = ft.const_zero();
            let one = float_const(cg, s, 1.0);
            let half = float_const(cg, s, 0.5);
            let bd = &cg.builder;
            let fmod = bd.build_float_rem(a, b, "")?;
            let b_zero = bd.build_float_compare(FloatPredicate::OEQ, b, zero, "")?;
            let by_zero = cg.ctx.append_basic_block(f, "by_zero");
            let normal = cg.ctx.append_basic_block(f, "normal");
            bd.build_conditional_branch(b_zero, by_zero, normal)?;
            // b == 0: a / b (sets divide-by-zero or invalid) and fmod (nan).
            bd.position_at_end(by_zero);
            let q = bd.build_float_div(a, b, "")?;
            let mut agg: inkwell::values::AggregateValueEnum = pair.get_undef().into();
            agg = bd.build_insert_value(agg, q, 0, "")?;
            agg = bd.build_insert_value(agg, fmod, 1, "")?;
            bd.build_return(Some(&agg.into_struct_value()))?;
            bd.position_at_end(normal);
            let div = bd.build_float_div(bd.build_float_sub(a, fmod, "")?, b, "")?;
            // Python's sign convention for the remainder.
            let mod_nonzero = bd.build_float_compare(FloatPredicate::UNE, fmod, zero, "")?;
            let b_neg = bd.build_float_compare(FloatPredicate::OLT, b, zero, "")?;
            let m_neg = bd.build_float_compare(FloatPredicate::OLT, fmod, zero, "")?;
            let differ = bd.build_xor(b_neg, m_neg, "")?;
            let fix = bd.build_and(mod_nonzero, differ, "")?;
            let m_fixed = bd.build_float_add(fmod, b, "")?;
            let d_fixed = bd.build_float_sub(div, one, "")?;
            let signed_zero_b = math::copysign(cg, zero, b)?;
            let bd = &cg.builder;
            let m = bd.build_select(fix, m_fixed, fmod, "")?.into_float_value();
            let m = bd
                .build_select(mod_nonzero, m, signed_zero_b, "")?
                .into_float_value();
            let div = bd.build_select(fix, d_fixed, div, "")?.into_float_value();
            // Snap the quotient to the nearest integer.
            let floor = math::intrinsic1(cg, "llvm.floor", div)?;
            let bd = &cg.builder;
            let frac = bd.build_float_sub(div, floor, "")?;
            let round_up = bd.build_float_compare(FloatPredicate::OGT, frac, half, "")?;
            let floor_up = bd.build_float_add(floor, one, "")?;
            let snapped = bd
                .build_select(round_up, floor_up, floor, "")?
                .into_float_value();
            let div_nonzero = bd.build_float_compare(FloatPredicate::UNE, div, zero, "")?;
            let a_over_b = bd.build_float_div(a, b, "")?;
            let signed_zero_q = math::copysign(cg, zero, a_over_b)?;
            let bd = &cg.builder;
            let q = bd.build_select(div_nonzero, snapped, signed_zero_q, "")?;
            let mut agg: inkwell::values::AggregateValueEnum = pair.get_undef().into();
            agg = bd.build_insert_value(agg, q, 0, "")?;
            agg = bd.build_insert_value(agg, m, 1, "")?;
            bd.build_return(Some(&agg.into_struct_value()))?;
            Ok(())
        },
    )
}

pub fn unary<'ctx>(
    cg: &mut Codegen<'ctx>,
    op: UnaryOp,
    t: &Type,
    a: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let s = storage(t)?;
    let bd = &cg.builder;
    Ok(match (op, s.kind()) {
        (UnaryOp::Pos, _) => a,
        (UnaryOp::Not | UnaryOp::Invert, Kind::Bool) => {
            bd.build_not(a.into_int_value(), "")?.into()
        }
        (UnaryOp::Invert, Kind::Int) => bd.build_not(a.into_int_value(), "")?.into(),
        (UnaryOp::Neg, Kind::Int) => bd.build_int_neg(a.into_int_value(), "")?.into(),
        (UnaryOp::Neg, Kind::Float) => bd.build_float_neg(a.into_float_value(), "")?.into(),
        (UnaryOp::Neg, Kind::Complex) => {
            let (re, im) = complex::parts(cg, a)?;
            let re = cg.builder.build_float_neg(re, "")?;
            let im = cg.builder.build_float_neg(im, "")?;
            complex::make(cg, s, re, im)?
        }
        (op, kind) => {
            return Err(CompileError::internal(format!(
                "unary {op:?} on {kind:?} reached codegen"
            )))
        }
    })
}
