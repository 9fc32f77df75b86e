//! Scalar constants, conversions, truth values and comparisons.
//!
//! Conversions follow NumPy's C casts: float to integer truncates (through
//! a saturating conversion, so NaN and out-of-range values are defined
//! rather than poison), narrow integer targets go through int32/int64 and
//! wrap as NumPy's casts do on x86, float64 to float16 rounds once
//! (round-to-odd through float32, then to nearest).

use inkwell::values::{BasicValueEnum, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

use super::complex;
use super::context::Codegen;
use super::fpstatus;
use crate::error::{CompileError, Result};
use crate::syntax::{CmpOp, Const};
use crate::types::{Kind, Scalar, Type};

fn storage(t: &Type) -> Result<Scalar> {
    t.storage()
        .ok_or_else(|| CompileError::internal(format!("{t} is not a scalar")))
}

pub fn int_const<'ctx>(cg: &Codegen<'ctx>, s: Scalar, value: i128) -> IntValue<'ctx> {
    let t = cg.scalar_type(s).into_int_type();
    // Wrap to the type's width, as NumPy's integer types do.
    t.const_int(value as u64, s.is_signed())
}

pub fn float_const<'ctx>(cg: &Codegen<'ctx>, s: Scalar, value: f64) -> FloatValue<'ctx> {
    cg.float_type(s).const_float(value)
}

pub fn constant<'ctx>(cg: &Codegen<'ctx>, c: &Const, t: &Type) -> Result<BasicValueEnum<'ctx>> {
    let s = storage(t)?;
    let (re, im, int) = match *c {
        Const::Bool(b) => (b as u8 as f64, 0.0, b as i128),
        Const::Int(i) => (i as f64, 0.0, i),
        Const::Float(x) => (x, 0.0, x as i128),
        Const::Complex(r, i) => (r, i, r as i128),
        Const::None | Const::Ellipsis => {
            return Err(CompileError::internal("None or Ellipsis constant"))
        }
    };
    Ok(match s.kind() {
        Kind::Bool => cg
            .ctx
            .bool_type()
            .const_int((re != 0.0 || im != 0.0) as u64, false)
            .into(),
        Kind::Int => int_const(cg, s, int).into(),
        Kind::Float => float_const(cg, s, re).into(),
        Kind::Complex => {
            let c = s.component();
            cg.complex_type(s)
                .const_named_struct(&[float_const(cg, c, re).into(), float_const(cg, c, im).into()])
                .into()
        }
    })
}

fn float_to_float<'ctx>(
    cg: &Codegen<'ctx>,
    v: FloatValue<'ctx>,
    from: Scalar,
    to: Scalar,
) -> Result<FloatValue<'ctx>> {
    let b = &cg.builder;
    let (fs, ts) = (from.itemsize(), to.itemsize());
    if fs == ts {
        return Ok(v);
    }
    if fs < ts {
        return Ok(b.build_float_ext(v, cg.float_type(to), "")?);
    }
    let r = if from == Scalar::F64 && to == Scalar::F16 {
        f64_to_f16(cg, v)?
    } else {
        b.build_float_trunc(v, cg.float_type(to), "")?
    };
    // A finite value too large for the narrower type overflows.
    fpstatus::check(cg, &[v], &[r], fpstatus::OVERFLOW)?;
    Ok(r)
}

/// float64 -> float16 with a single rounding: convert to float32 rounding
/// to odd (truncate, then set the lowest bit if inexact), then to half with
/// round-to-nearest-even. Avoids a libgcc call and double rounding.
fn f64_to_f16<'ctx>(cg: &Codegen<'ctx>, v: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
    let b = &cg.builder;
    let f32t = cg.ctx.f32_type();
    let i32t = cg.ctx.i32_type();
    let nearest = b.build_float_trunc(v, f32t, "")?;
    let back = b.build_float_ext(nearest, cg.ctx.f64_type(), "")?;
    let bits = b.build_bit_cast(nearest, i32t, "")?.into_int_value();
    // |nearest| > |v|: step one ulp toward zero (bits - 1 for both signs,
    // since the sign is in the top bit and magnitudes are monotone in bits).
    let abs_back = fabs(cg, back)?;
    let abs_v = fabs(cg, v)?;
    let too_far = b.build_float_compare(FloatPredicate::OGT, abs_back, abs_v, "")?;
    let stepped = b.build_int_sub(bits, i32t.const_int(1, false), "")?;
    let truncated = b.build_select(too_far, stepped, bits, "")?.into_int_value();
    let inexact = b.build_float_compare(FloatPredicate::ONE, back, v, "")?;
    let odd = b.build_or(truncated, i32t.const_int(1, false), "")?;
    let fixed = b.build_select(inexact, odd, bits, "")?.into_int_value();
    let fixed = b.build_bit_cast(fixed, f32t, "")?.into_float_value();
    // Infinities and NaN need no care (and must not be bit-twiddled).
    let finite = b.build_float_compare(
        FloatPredicate::OLT,
        abs_v,
        cg.ctx.f64_type().const_float(f64::INFINITY),
        "",
    )?;
    let chosen = b
        .build_select(finite, fixed, nearest, "")?
        .into_float_value();
    Ok(b.build_float_trunc(chosen, cg.ctx.f16_type(), "")?)
}

pub fn fabs<'ctx>(cg: &Codegen<'ctx>, v: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
    super::math::intrinsic1(cg, "llvm.fabs", v)
}

fn saturating_fp_to_int<'ctx>(
    cg: &Codegen<'ctx>,
    v: FloatValue<'ctx>,
    bits: u32,
    signed: bool,
) -> Result<IntValue<'ctx>> {
    let name = if signed {
        "llvm.fptosi.sat"
    } else {
        "llvm.fptoui.sat"
    };
    let it = cg.int_type(bits);
    let intrinsic = inkwell::intrinsics::Intrinsic::find(name)
        .ok_or_else(|| CompileError::internal(format!("no intrinsic {name}")))?;
    let decl = intrinsic
        .get_declaration(&cg.module, &[it.into(), v.get_type().into()])
        .ok_or_else(|| CompileError::internal(format!("cannot declare {name}")))?;
    Ok(cg.call_value(decl, &[v.into()])?.into_int_value())
}

fn float_to_int<'ctx>(
    cg: &Codegen<'ctx>,
    v: FloatValue<'ctx>,
    from: Scalar,
    to: Scalar,
) -> Result<IntValue<'ctx>> {
    let b = &cg.builder;
    let v = if from == Scalar::F16 {
        b.build_float_ext(v, cg.ctx.f32_type(), "")?
    } else {
        v
    };
    let target = cg.scalar_type(to).into_int_type();
    // Invalid when the value does not fit the intermediate integer (NaN
    // included), as the hardware conversion NumPy uses reports it.
    let bits = if matches!(to, Scalar::U32 | Scalar::I64 | Scalar::U64) {
        64
    } else {
        32
    };
    let limit = 2f64.powi(bits - 1);
    let lo = v.get_type().const_float(-limit);
    let hi = v.get_type().const_float(if to == Scalar::U64 {
        2.0 * limit
    } else {
        limit
    });
    let in_range = b.build_and(
        b.build_float_compare(FloatPredicate::OGE, v, lo, "")?,
        b.build_float_compare(FloatPredicate::OLT, v, hi, "")?,
        "",
    )?;
    fpstatus::raise_if(cg, b.build_not(in_range, "")?, fpstatus::INVALID)?;
    Ok(match to {
        // Like (npy_byte)(double) on x86: convert to int32, then wrap.
        Scalar::I8 | Scalar::U8 | Scalar::I16 | Scalar::U16 | Scalar::I32 => {
            let wide = saturating_fp_to_int(cg, v, 32, true)?;
            b.build_int_truncate_or_bit_cast(wide, target, "")?
        }
        Scalar::U32 => {
            let wide = saturating_fp_to_int(cg, v, 64, true)?;
            b.build_int_truncate(wide, target, "")?
        }
        Scalar::I64 => saturating_fp_to_int(cg, v, 64, true)?,
        _ => {
            // uint64: negative values wrap as they do through int64.
            let neg =
                b.build_float_compare(FloatPredicate::OLT, v, v.get_type().const_zero(), "")?;
            let s = saturating_fp_to_int(cg, v, 64, true)?;
            let u = saturating_fp_to_int(cg, v, 64, false)?;
            b.build_select(neg, s, u, "")?.into_int_value()
        }
    })
}

/// Converts `v` from `from` to `to` (both scalars, or equal tuples).
pub fn cast<'ctx>(
    cg: &Codegen<'ctx>,
    from: &Type,
    to: &Type,
    v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let (f, t) = (storage(from)?, storage(to)?);
    if f == t {
        return Ok(v);
    }
    let b = &cg.builder;
    Ok(match (f.kind(), t.kind()) {
        (_, Kind::Bool) => truth(cg, from, v)?,
        (Kind::Bool, Kind::Int) => b
            .build_int_z_extend(v.into_int_value(), cg.scalar_type(t).into_int_type(), "")?
            .into(),
        (Kind::Bool, Kind::Float) => b
            .build_unsigned_int_to_float(v.into_int_value(), cg.float_type(t), "")?
            .into(),
        (Kind::Int, Kind::Int) => b
            .build_int_cast_sign_flag(
                v.into_int_value(),
                cg.scalar_type(t).into_int_type(),
                f.is_signed(),
                "",
            )?
            .into(),
        (Kind::Int, Kind::Float) => {
            let ft = cg.float_type(t);
            if f.is_signed() {
                b.build_signed_int_to_float(v.into_int_value(), ft, "")?
                    .into()
            } else {
                b.build_unsigned_int_to_float(v.into_int_value(), ft, "")?
                    .into()
            }
        }
        (Kind::Float, Kind::Int) => float_to_int(cg, v.into_float_value(), f, t)?.into(),
        (Kind::Float, Kind::Float) => float_to_float(cg, v.into_float_value(), f, t)?.into(),
        (Kind::Complex, Kind::Complex) => {
            let (re, im) = complex::parts(cg, v)?;
            let re = float_to_float(cg, re, f.component(), t.component())?;
            let im = float_to_float(cg, im, f.component(), t.component())?;
            complex::make(cg, t, re, im)?
        }
        (Kind::Complex, _) => {
            let (re, _) = complex::parts(cg, v)?;
            return cast(cg, &Type::Scalar(f.component()), to, re.into());
        }
        (_, Kind::Complex) => {
            let c = t.component();
            let re = cast(cg, from, &Type::Scalar(c), v)?.into_float_value();
            let zero = float_const(cg, c, 0.0);
            complex::make(cg, t, re, zero)?
        }
    })
}

/// `bool(v)`: nonzero numbers (and NaN) are true.
pub fn truth<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let s = storage(t)?;
    let b = &cg.builder;
    Ok(match s.kind() {
        Kind::Bool => v,
        Kind::Int => b
            .build_int_compare(
                IntPredicate::NE,
                v.into_int_value(),
                v.into_int_value().get_type().const_zero(),
                "",
            )?
            .into(),
        Kind::Float => {
            let x = v.into_float_value();
            b.build_float_compare(FloatPredicate::UNE, x, x.get_type().const_zero(), "")?
                .into()
        }
        Kind::Complex => {
            let (re, im) = complex::parts(cg, v)?;
            let zero = re.get_type().const_zero();
            let a = b.build_float_compare(FloatPredicate::UNE, re, zero, "")?;
            let c = b.build_float_compare(FloatPredicate::UNE, im, zero, "")?;
            b.build_or(a, c, "")?.into()
        }
    })
}

pub fn float_predicate(op: CmpOp) -> FloatPredicate {
    match op {
        CmpOp::Lt => FloatPredicate::OLT,
        CmpOp::Le => FloatPredicate::OLE,
        CmpOp::Gt => FloatPredicate::OGT,
        CmpOp::Ge => FloatPredicate::OGE,
        // `is`/`is not` are folded to constants by typing, which expands
        // `in`/`not in` into `==` (these arms are not reached).
        CmpOp::Eq | CmpOp::Is | CmpOp::In => FloatPredicate::OEQ,
        CmpOp::Ne | CmpOp::IsNot | CmpOp::NotIn => FloatPredicate::UNE,
    }
}

pub fn int_predicate(op: CmpOp, signed: bool) -> IntPredicate {
    match (op, signed) {
        (CmpOp::Lt, true) => IntPredicate::SLT,
        (CmpOp::Le, true) => IntPredicate::SLE,
        (CmpOp::Gt, true) => IntPredicate::SGT,
        (CmpOp::Ge, true) => IntPredicate::SGE,
        (CmpOp::Lt, false) => IntPredicate::ULT,
        (CmpOp::Le, false) => IntPredicate::ULE,
        (CmpOp::Gt, false) => IntPredicate::UGT,
        (CmpOp::Ge, false) => IntPredicate::UGE,
        (CmpOp::Eq | CmpOp::Is | CmpOp::In, _) => IntPredicate::EQ,
        (CmpOp::Ne | CmpOp::IsNot | CmpOp::NotIn, _) => IntPredicate::NE,
    }
}

/// Compares two values of type `t` (complex: lexicographically, as NumPy).
pub fn compare<'ctx>(
    cg: &Codegen<'ctx>,
    op: CmpOp,
    t: &Type,
    a: BasicValueEnum<'ctx>,
    b_: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let s = storage(t)?;
    let b = &cg.builder;
    Ok(match s.kind() {
        Kind::Bool | Kind::Int => b
            .build_int_compare(
                int_predicate(op, s.is_signed()),
                a.into_int_value(),
                b_.into_int_value(),
                "",
            )?
            .into(),
        Kind::Float => b
            .build_float_compare(
                float_predicate(op),
                a.into_float_value(),
                b_.into_float_value(),
                "",
            )?
            .into(),
        Kind::Complex => complex::compare(cg, op, a, b_)?.into(),
    })
}
