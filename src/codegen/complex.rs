//! Complex numbers: `{re, im}` structs of float32 or float64.
//!
//! Arithmetic follows NumPy's loops (Smith's algorithm for division,
//! lexicographic ordering for comparisons, small integer powers by repeated
//! multiplication); the elementary functions use the textbook identities on
//! the real functions of `math.rs`.

use inkwell::values::{BasicValueEnum, FloatValue, IntValue};
use inkwell::FloatPredicate;

use super::context::Codegen;
use super::fpstatus;
use super::math::{self, real};
use super::scalar::float_const;
use crate::builtins::MathFn;
use crate::error::{CompileError, Result};
use crate::syntax::{BinOp, CmpOp};
use crate::types::Scalar;

#[derive(Clone, Copy)]
pub struct Cx<'ctx> {
    pub re: FloatValue<'ctx>,
    pub im: FloatValue<'ctx>,
}

pub fn parts<'ctx>(
    cg: &Codegen<'ctx>,
    v: BasicValueEnum<'ctx>,
) -> Result<(FloatValue<'ctx>, FloatValue<'ctx>)> {
    let s = v.into_struct_value();
    let re = cg
        .builder
        .build_extract_value(s, 0, "re")?
        .into_float_value();
    let im = cg
        .builder
        .build_extract_value(s, 1, "im")?
        .into_float_value();
    Ok((re, im))
}

fn cx<'ctx>(cg: &Codegen<'ctx>, v: BasicValueEnum<'ctx>) -> Result<Cx<'ctx>> {
    let (re, im) = parts(cg, v)?;
    Ok(Cx { re, im })
}

pub fn make<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    re: FloatValue<'ctx>,
    im: FloatValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let ty = cg.complex_type(s);
    let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
    agg = cg.builder.build_insert_value(agg, re, 0, "")?;
    agg = cg.builder.build_insert_value(agg, im, 1, "")?;
    Ok(agg.into_struct_value().into())
}

fn pack<'ctx>(cg: &Codegen<'ctx>, s: Scalar, z: Cx<'ctx>) -> Result<BasicValueEnum<'ctx>> {
    make(cg, s, z.re, z.im)
}

/// Small arithmetic toolkit on float values of one type.
struct F<'a, 'ctx> {
    cg: &'a Codegen<'ctx>,
}

impl<'ctx> F<'_, 'ctx> {
    fn add(&self, a: FloatValue<'ctx>, b: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
        Ok(self.cg.builder.build_float_add(a, b, "")?)
    }
    fn sub(&self, a: FloatValue<'ctx>, b: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
        Ok(self.cg.builder.build_float_sub(a, b, "")?)
    }
    fn mul(&self, a: FloatValue<'ctx>, b: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
        Ok(self.cg.builder.build_float_mul(a, b, "")?)
    }
    fn div(&self, a: FloatValue<'ctx>, b: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
        Ok(self.cg.builder.build_float_div(a, b, "")?)
    }
    fn neg(&self, a: FloatValue<'ctx>) -> Result<FloatValue<'ctx>> {
        Ok(self.cg.builder.build_float_neg(a, "")?)
    }
    fn cmp(
        &self,
        p: FloatPredicate,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
    ) -> Result<IntValue<'ctx>> {
        Ok(self.cg.builder.build_float_compare(p, a, b, "")?)
    }
    fn select(
        &self,
        c: IntValue<'ctx>,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
    ) -> Result<FloatValue<'ctx>> {
        Ok(self
            .cg
            .builder
            .build_select(c, a, b, "")?
            .into_float_value())
    }
}

fn cmul<'ctx>(f: &F<'_, 'ctx>, a: Cx<'ctx>, b: Cx<'ctx>) -> Result<Cx<'ctx>> {
    Ok(Cx {
        re: f.sub(f.mul(a.re, b.re)?, f.mul(a.im, b.im)?)?,
        im: f.add(f.mul(a.re, b.im)?, f.mul(a.im, b.re)?)?,
    })
}

/// NumPy's complex division (Smith's algorithm).
fn cdiv<'ctx>(f: &F<'_, 'ctx>, s: Scalar, a: Cx<'ctx>, b: Cx<'ctx>) -> Result<Cx<'ctx>> {
    let cg = f.cg;
    let one = float_const(cg, s.component(), 1.0);
    let zero = float_const(cg, s.component(), 0.0);
    let abs_br = super::scalar::fabs(cg, b.re)?;
    let abs_bi = super::scalar::fabs(cg, b.im)?;
    let re_bigger = f.cmp(FloatPredicate::OGE, abs_br, abs_bi)?;
    // |b.re| >= |b.im|
    let rat1 = f.div(b.im, b.re)?;
    let scl1 = f.div(one, f.add(b.re, f.mul(b.im, rat1)?)?)?;
    let r1 = f.mul(f.add(a.re, f.mul(a.im, rat1)?)?, scl1)?;
    let i1 = f.mul(f.sub(a.im, f.mul(a.re, rat1)?)?, scl1)?;
    // both zero: a / |b.re| gives the infinities/NaNs NumPy gives.
    let both_zero = cg.builder.build_and(
        f.cmp(FloatPredicate::OEQ, abs_br, zero)?,
        f.cmp(FloatPredicate::OEQ, abs_bi, zero)?,
        "",
    )?;
    let r0 = f.div(a.re, abs_br)?;
    let i0 = f.div(a.im, abs_br)?;
    // |b.re| < |b.im|
    let rat2 = f.div(b.re, b.im)?;
    let scl2 = f.div(one, f.add(b.im, f.mul(b.re, rat2)?)?)?;
    let r2 = f.mul(f.add(f.mul(a.re, rat2)?, a.im)?, scl2)?;
    let i2 = f.mul(f.sub(f.mul(a.im, rat2)?, a.re)?, scl2)?;
    let re = f.select(re_bigger, f.select(both_zero, r0, r1)?, r2)?;
    let im = f.select(re_bigger, f.select(both_zero, i0, i1)?, i2)?;
    Ok(Cx { re, im })
}

pub fn binary<'ctx>(
    cg: &mut Codegen<'ctx>,
    op: BinOp,
    s: Scalar,
    a: BasicValueEnum<'ctx>,
    b: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let (x, y) = (cx(cg, a)?, cx(cg, b)?);
    let z = match op {
        BinOp::Pow => {
            let r = pow(cg, s, x, y)?;
            let rz = cx(cg, r)?;
            fpstatus::check(
                cg,
                &[x.re, x.im, y.re, y.im],
                &[rz.re, rz.im],
                fpstatus::OVERFLOW,
            )?;
            return Ok(r);
        }
        _ => {
            let f = F { cg };
            match op {
                BinOp::Add => Cx {
                    re: f.add(x.re, y.re)?,
                    im: f.add(x.im, y.im)?,
                },
                BinOp::Sub => Cx {
                    re: f.sub(x.re, y.re)?,
                    im: f.sub(x.im, y.im)?,
                },
                BinOp::Mul => cmul(&f, x, y)?,
                BinOp::TrueDiv => {
                    let q = cdiv(&f, s, x, y)?;
                    division_flags(cg, x, y, q)?;
                    return pack(cg, s, q);
                }
                other => {
                    return Err(CompileError::internal(format!(
                        "complex operator {} reached codegen",
                        other.symbol()
                    )))
                }
            }
        }
    };
    fpstatus::check(
        cg,
        &[x.re, x.im, y.re, y.im],
        &[z.re, z.im],
        fpstatus::OVERFLOW,
    )?;
    pack(cg, s, z)
}

/// Flags of a complex division: divide-by-zero for a nonzero finite
/// numerator over zero, then the generic NaN/overflow rules.
fn division_flags<'ctx>(cg: &Codegen<'ctx>, a: Cx<'ctx>, b: Cx<'ctx>, q: Cx<'ctx>) -> Result<()> {
    if cg.func.status.is_none() || fpstatus::taint(cg, &[q.re, q.im])? {
        return Ok(());
    }
    let f = F { cg };
    let zero = b.re.get_type().const_zero();
    let b_zero = cg.builder.build_and(
        f.cmp(FloatPredicate::OEQ, b.re, zero)?,
        f.cmp(FloatPredicate::OEQ, b.im, zero)?,
        "",
    )?;
    let a_nonzero = cg.builder.build_or(
        f.cmp(FloatPredicate::ONE, a.re, zero)?,
        f.cmp(FloatPredicate::ONE, a.im, zero)?,
        "",
    )?;
    let a_finite = cg.builder.build_and(
        fpstatus::is_finite(cg, a.re)?,
        fpstatus::is_finite(cg, a.im)?,
        "",
    )?;
    let div0 = cg
        .builder
        .build_and(cg.builder.build_and(b_zero, a_nonzero, "")?, a_finite, "")?;
    fpstatus::raise_if(cg, div0, fpstatus::DIVBYZERO)?;
    let nan_out =
        cg.builder
            .build_or(fpstatus::is_nan(cg, q.re)?, fpstatus::is_nan(cg, q.im)?, "")?;
    let mut no_nan_in = cg.ctx.bool_type().const_int(1, false);
    for v in [a.re, a.im, b.re, b.im] {
        no_nan_in = cg
            .builder
            .build_and(no_nan_in, f.cmp(FloatPredicate::ORD, v, v)?, "")?;
    }
    let invalid = cg.builder.build_and(nan_out, no_nan_in, "")?;
    fpstatus::raise_if(cg, invalid, fpstatus::INVALID)?;
    let inf_out =
        cg.builder
            .build_or(fpstatus::is_inf(cg, q.re)?, fpstatus::is_inf(cg, q.im)?, "")?;
    let b_finite = cg.builder.build_and(
        fpstatus::is_finite(cg, b.re)?,
        fpstatus::is_finite(cg, b.im)?,
        "",
    )?;
    let b_nonzero = cg.builder.build_not(b_zero, "")?;
    let overflow = cg.builder.build_and(
        cg.builder.build_and(inf_out, a_finite, "")?,
        cg.builder.build_and(b_finite, b_nonzero, "")?,
        "",
    )?;
    fpstatus::raise_if(cg, overflow, fpstatus::OVERFLOW)
}

/// `z ** w` as NumPy's `npy_cpow`: `z ** 0` is 1; `0 ** w` is 0 when
/// `re(w) > 0` and nan otherwise; integral real exponents `|n| < 100` use
/// repeated multiplication (`n` = 1, 2, 3 unrolled); anything else is
/// `exp(w * log(z))` (which is how glibc's `cpow` computes it).
fn pow<'ctx>(
    cg: &mut Codegen<'ctx>,
    s: Scalar,
    z: Cx<'ctx>,
    w: Cx<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let c = s.component();
    let name = format!("jitufunc.cpow.{}", s.name());
    let ct = cg.complex_type(s);
    let helper = cg.helper(
        &name,
        ct.fn_type(&[ct.into(), ct.into()], false),
        |cg, func| {
            let z = cx(cg, func.get_nth_param(0).expect("z"))?;
            let w = cx(cg, func.get_nth_param(1).expect("w"))?;
            let zero = float_const(cg, c, 0.0);
            let one = float_const(cg, c, 1.0);
            let nan = float_const(cg, c, f64::NAN);
            let ret = |cg: &Codegen<'ctx>, v: Cx<'ctx>| -> Result<()> {
                let r = pack(cg, s, v)?;
                cg.builder.build_return(Some(&r))?;
                Ok(())
            };
            // Branches on `cond` into a new block (where the caller returns)
            // and gives back the block to continue in.
            let branch = |cg: &Codegen<'ctx>,
                          cond: IntValue<'ctx>,
                          label: &str|
             -> Result<inkwell::basic_block::BasicBlock<'ctx>> {
                let yes = cg.ctx.append_basic_block(func, label);
                let no = cg.ctx.append_basic_block(func, &format!("not.{label}"));
                cg.builder.build_conditional_branch(cond, yes, no)?;
                cg.builder.position_at_end(yes);
                Ok(no)
            };
            let f = F { cg };
            // z ** 0 == 1
            let w_zero = cg.builder.build_and(
                f.cmp(FloatPredicate::OEQ, w.re, zero)?,
                f.cmp(FloatPredicate::OEQ, w.im, zero)?,
                "",
            )?;
            let after = branch(cg, w_zero, "w_zero")?;
            ret(cg, Cx { re: one, im: zero })?;
            cg.builder.position_at_end(after);
            // 0 ** w
            let f = F { cg };
            let z_zero = cg.builder.build_and(
                f.cmp(FloatPredicate::OEQ, z.re, zero)?,
                f.cmp(FloatPredicate::OEQ, z.im, zero)?,
                "",
            )?;
            let after = branch(cg, z_zero, "z_zero")?;
            let f = F { cg };
            let positive = f.cmp(FloatPredicate::OGT, w.re, zero)?;
            let v = f.select(positive, zero, nan)?;
            ret(cg, Cx { re: v, im: v })?;
            cg.builder.position_at_end(after);
            // Integral real exponent with |n| < 100.
            let f = F { cg };
            let rounded = math::intrinsic1(cg, "llvm.rint", w.re)?;
            let abs_n = super::scalar::fabs(cg, w.re)?;
            let is_int = cg.builder.build_and(
                cg.builder.build_and(
                    f.cmp(FloatPredicate::OEQ, rounded, w.re)?,
                    f.cmp(FloatPredicate::OEQ, w.im, zero)?,
                    "",
                )?,
                f.cmp(FloatPredicate::OLT, abs_n, float_const(cg, c, 100.0))?,
                "",
            )?;
            let after_int = branch(cg, is_int, "integral")?;
            let i32t = cg.ctx.i32_type();
            let n = cg.builder.build_float_to_signed_int(w.re, i32t, "")?;
            for (k, label) in [(1u64, "n1"), (2, "n2"), (3, "n3")] {
                let is_k = cg.builder.build_int_compare(
                    inkwell::IntPredicate::EQ,
                    n,
                    i32t.const_int(k, false),
                    "",
                )?;
                let after = branch(cg, is_k, label)?;
                let f = F { cg };
                let v = match k {
                    1 => z,
                    2 => cmul(&f, z, z)?,
                    _ => cmul(&f, z, cmul(&f, z, z)?)?,
                };
                ret(cg, v)?;
                cg.builder.position_at_end(after);
            }
            let m = cg.builder.build_int_cast_sign_flag(
                cg.builder.build_float_to_signed_int(abs_n, i32t, "")?,
                i32t,
                true,
                "",
            )?;
            let mut acc = Cx { re: one, im: zero };
            let mut base = z;
            for bit in 0..7 {
                let f = F { cg };
                let set = cg.builder.build_int_compare(
                    inkwell::IntPredicate::NE,
                    cg.builder
                        .build_and(m, i32t.const_int(1 << bit, false), "")?,
                    i32t.const_zero(),
                    "",
                )?;
                let prod = cmul(&f, acc, base)?;
                acc = Cx {
                    re: f.select(set, prod.re, acc.re)?,
                    im: f.select(set, prod.im, acc.im)?,
                };
                base = cmul(&f, base, base)?;
            }
            let f = F { cg };
            let negative = f.cmp(FloatPredicate::OLT, w.re, zero)?;
            let inv = cdiv(&f, s, Cx { re: one, im: zero }, acc)?;
            ret(
                cg,
                Cx {
                    re: f.select(negative, inv.re, acc.re)?,
                    im: f.select(negative, inv.im, acc.im)?,
                },
            )?;
            cg.builder.position_at_end(after_int);
            // General case, as glibc's cpow: cexp(w * clog(z)).
            let lz = clog(cg, c, z)?;
            let f = F { cg };
            let product = cmul(&f, w, lz)?;
            let general = cexp(cg, c, product)?;
            ret(cg, general)
        },
    )?;
    let zv = pack(cg, s, z)?;
    let wv = pack(cg, s, w)?;
    cg.call_value(helper, &[zv, wv])
}

/// Lexicographic comparison (NumPy orders complex numbers by real part,
/// then imaginary part).
pub fn compare<'ctx>(
    cg: &Codegen<'ctx>,
    op: CmpOp,
    a: BasicValueEnum<'ctx>,
    b: BasicValueEnum<'ctx>,
) -> Result<IntValue<'ctx>> {
    let (x, y) = (cx(cg, a)?, cx(cg, b)?);
    let f = F { cg };
    let bd = &cg.builder;
    Ok(match op {
        CmpOp::Eq | CmpOp::Is => bd.build_and(
            f.cmp(FloatPredicate::OEQ, x.re, y.re)?,
            f.cmp(FloatPredicate::OEQ, x.im, y.im)?,
            "",
        )?,
        CmpOp::Ne | CmpOp::IsNot => bd.build_or(
            f.cmp(FloatPredicate::UNE, x.re, y.re)?,
            f.cmp(FloatPredicate::UNE, x.im, y.im)?,
            "",
        )?,
        _ => {
            let strict = super::scalar::float_predicate(op);
            let real_strict = match op {
                CmpOp::Lt | CmpOp::Le => FloatPredicate::OLT,
                _ => FloatPredicate::OGT,
            };
            let first = f.cmp(real_strict, x.re, y.re)?;
            let tie = f.cmp(FloatPredicate::OEQ, x.re, y.re)?;
            let second = f.cmp(strict, x.im, y.im)?;
            bd.build_or(first, bd.build_and(tie, second, "")?, "")?
        }
    })
}

fn cexp<'ctx>(cg: &mut Codegen<'ctx>, c: Scalar, z: Cx<'ctx>) -> Result<Cx<'ctx>> {
    let e = real(cg, MathFn::Exp, c, &[z.re])?;
    let cos = real(cg, MathFn::Cos, c, &[z.im])?;
    let sin = real(cg, MathFn::Sin, c, &[z.im])?;
    let f = F { cg };
    // exp(x + 0j) is exactly (exp(x), 0) even when exp(x) is inf.
    let zero = float_const(cg, c, 0.0);
    let nan = float_const(cg, c, f64::NAN);
    let im_zero = f.cmp(FloatPredicate::OEQ, z.im, zero)?;
    let re = f.select(im_zero, e, f.mul(e, cos)?)?;
    let im = f.select(im_zero, z.im, f.mul(e, sin)?)?;
    // C99 Annex G special values for an infinite real part (as NumPy's
    // npy_cexp and glibc): exp(-inf + iy) is 0 (signed like cis(y) when y
    // is finite, +0 otherwise); exp(+inf + iy) is inf * cis(y) for finite
    // y, and (inf, nan) when y is not finite.
    let y_finite = fpstatus::is_finite(cg, z.im)?;
    let inf = float_const(cg, c, f64::INFINITY);
    let minus_inf = f.cmp(FloatPredicate::OEQ, z.re, f.neg(inf)?)?;
    let plus_inf = f.cmp(FloatPredicate::OEQ, z.re, inf)?;
    let neg_re = f.select(y_finite, f.mul(zero, cos)?, zero)?;
    let neg_im = f.select(y_finite, f.mul(zero, sin)?, zero)?;
    let pos_re = f.select(y_finite, re, inf)?;
    let pos_im = f.select(y_finite, im, nan)?;
    Ok(Cx {
        re: f.select(minus_inf, neg_re, f.select(plus_inf, pos_re, re)?)?,
        im: f.select(minus_inf, neg_im, f.select(plus_inf, pos_im, im)?)?,
    })
}

fn cabs<'ctx>(cg: &mut Codegen<'ctx>, c: Scalar, z: Cx<'ctx>) -> Result<FloatValue<'ctx>> {
    real(cg, MathFn::Hypot, c, &[z.re, z.im])
}

fn clog<'ctx>(cg: &mut Codegen<'ctx>, c: Scalar, z: Cx<'ctx>) -> Result<Cx<'ctx>> {
    let r = cabs(cg, c, z)?;
    Ok(Cx {
        re: real(cg, MathFn::Log, c, &[r])?,
        im: real(cg, MathFn::Atan2, c, &[z.im, z.re])?,
    })
}

/// Principal square root (C99 csqrt without the special-value table).
fn csqrt<'ctx>(cg: &mut Codegen<'ctx>, c: Scalar, z: Cx<'ctx>) -> Result<Cx<'ctx>> {
    let zero = float_const(cg, c, 0.0);
    let half = float_const(cg, c, 0.5);
    let ax = super::scalar::fabs(cg, z.re)?;
    let ay = super::scalar::fabs(cg, z.im)?;
    let h = real(cg, MathFn::Hypot, c, &[ax, ay])?;
    let f = F { cg };
    let inner = f.mul(f.add(ax, h)?, half)?;
    let t = real(cg, MathFn::Sqrt, c, &[inner])?;
    let f = F { cg };
    let two_t = f.add(t, t)?;
    let is_zero = cg.builder.build_and(
        f.cmp(FloatPredicate::OEQ, z.re, zero)?,
        f.cmp(FloatPredicate::OEQ, z.im, zero)?,
        "",
    )?;
    let re_nonneg = f.cmp(FloatPredicate::OGE, z.re, zero)?;
    // re >= 0: (t, y / 2t); re < 0: (|y| / 2t, copysign(t, y))
    let pos = Cx {
        re: t,
        im: f.div(z.im, two_t)?,
    };
    let neg_im = math::copysign(cg, t, z.im)?;
    let f = F { cg };
    let neg = Cx {
        re: f.div(ay, two_t)?,
        im: neg_im,
    };
    let re = f.select(re_nonneg, pos.re, neg.re)?;
    let im = f.select(re_nonneg, pos.im, neg.im)?;
    Ok(Cx {
        re: f.select(is_zero, zero, re)?,
        im: f.select(is_zero, z.im, im)?,
    })
}

fn scale<'ctx>(cg: &Codegen<'ctx>, z: Cx<'ctx>, k: FloatValue<'ctx>) -> Result<Cx<'ctx>> {
    let f = F { cg };
    Ok(Cx {
        re: f.mul(z.re, k)?,
        im: f.mul(z.im, k)?,
    })
}

fn cadd_real<'ctx>(cg: &Codegen<'ctx>, z: Cx<'ctx>, k: FloatValue<'ctx>) -> Result<Cx<'ctx>> {
    Ok(Cx {
        re: F { cg }.add(z.re, k)?,
        im: z.im,
    })
}

/// i * z
fn times_i<'ctx>(cg: &Codegen<'ctx>, z: Cx<'ctx>) -> Result<Cx<'ctx>> {
    Ok(Cx {
        re: F { cg }.neg(z.im)?,
        im: z.re,
    })
}

fn cadd<'ctx>(cg: &Codegen<'ctx>, a: Cx<'ctx>, b: Cx<'ctx>) -> Result<Cx<'ctx>> {
    let f = F { cg };
    Ok(Cx {
        re: f.add(a.re, b.re)?,
        im: f.add(a.im, b.im)?,
    })
}

/// A complex function at complex type `s`; `args` are complex values.
pub fn function<'ctx>(
    cg: &mut Codegen<'ctx>,
    m: MathFn,
    s: Scalar,
    args: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let c = s.component();
    let z = cx(cg, args[0])?;
    let one = float_const(cg, c, 1.0);
    let zero = float_const(cg, c, 0.0);
    let half = float_const(cg, c, 0.5);
    let result = match m {
        MathFn::Abs => return Ok(cabs(cg, c, z)?.into()),
        MathFn::Real => return Ok(z.re.into()),
        MathFn::Imag => return Ok(z.im.into()),
        MathFn::Phase => return Ok(real(cg, MathFn::Atan2, c, &[z.im, z.re])?.into()),
        MathFn::IsNan | MathFn::IsInf | MathFn::IsFinite => {
            let a = math::predicate(cg, m, z.re)?;
            let b = math::predicate(cg, m, z.im)?;
            let v = if m == MathFn::IsFinite {
                cg.builder.build_and(a, b, "")?
            } else {
                cg.builder.build_or(a, b, "")?
            };
            return Ok(v.into());
        }
        MathFn::Conj => Cx {
            re: z.re,
            im: F { cg }.neg(z.im)?,
        },
        MathFn::Rint => Cx {
            re: math::intrinsic1(cg, "llvm.rint", z.re)?,
            im: math::intrinsic1(cg, "llvm.rint", z.im)?,
        },
        MathFn::Exp => cexp(cg, c, z)?,
        MathFn::Exp2 => {
            let k = float_const(cg, c, std::f64::consts::LN_2);
            cexp(cg, c, scale(cg, z, k)?)?
        }
        MathFn::Expm1 => {
            let e = cexp(cg, c, z)?;
            Cx {
                re: F { cg }.sub(e.re, one)?,
                im: e.im,
            }
        }
        MathFn::Log => clog(cg, c, z)?,
        MathFn::Log2 | MathFn::Log10 => {
            let k = if m == MathFn::Log2 {
                std::f64::consts::LOG2_E
            } else {
                std::f64::consts::LOG10_E
            };
            let l = clog(cg, c, z)?;
            scale(cg, l, float_const(cg, c, k))?
        }
        MathFn::Log1p => {
            let w = cadd_real(cg, z, one)?;
            clog(cg, c, w)?
        }
        MathFn::Sqrt => csqrt(cg, c, z)?,
        MathFn::Sin | MathFn::Cos | MathFn::Sinh | MathFn::Cosh => {
            let (sr, cr) = (
                real(cg, MathFn::Sin, c, &[z.re])?,
                real(cg, MathFn::Cos, c, &[z.re])?,
            );
            let (si, ci) = (
                real(cg, MathFn::Sin, c, &[z.im])?,
                real(cg, MathFn::Cos, c, &[z.im])?,
            );
            let (shr, chr) = (
                real(cg, MathFn::Sinh, c, &[z.re])?,
                real(cg, MathFn::Cosh, c, &[z.re])?,
            );
            let (shi, chi) = (
                real(cg, MathFn::Sinh, c, &[z.im])?,
                real(cg, MathFn::Cosh, c, &[z.im])?,
            );
            let f = F { cg };
            match m {
                MathFn::Sin => Cx {
                    re: f.mul(sr, chi)?,
                    im: f.mul(cr, shi)?,
                },
                MathFn::Cos => Cx {
                    re: f.mul(cr, chi)?,
                    im: f.neg(f.mul(sr, shi)?)?,
                },
                MathFn::Sinh => Cx {
                    re: f.mul(shr, ci)?,
                    im: f.mul(chr, si)?,
                },
                _ => Cx {
                    re: f.mul(chr, ci)?,
                    im: f.mul(shr, si)?,
                },
            }
        }
        MathFn::Tan | MathFn::Tanh => {
            let (num, den) = if m == MathFn::Tan {
                (MathFn::Sin, MathFn::Cos)
            } else {
                (MathFn::Sinh, MathFn::Cosh)
            };
            let n = function(cg, num, s, args)?;
            let d = function(cg, den, s, args)?;
            let (n, d) = (cx(cg, n)?, cx(cg, d)?);
            cdiv(&F { cg }, s, n, d)?
        }
        MathFn::Asinh | MathFn::Asin => {
            // asinh(z) = log(z + sqrt(z*z + 1)); asin(z) = -i asinh(i z)
            let w = if m == MathFn::Asin {
                times_i(cg, z)?
            } else {
                z
            };
            let sq = cmul(&F { cg }, w, w)?;
            let r = csqrt(cg, c, cadd_real(cg, sq, one)?)?;
            let l = clog(cg, c, cadd(cg, w, r)?)?;
            if m == MathFn::Asin {
                Cx {
                    re: l.im,
                    im: F { cg }.neg(l.re)?,
                }
            } else {
                l
            }
        }
        MathFn::Acosh => {
            // acosh(z) = log(z + sqrt(z + 1) * sqrt(z - 1))
            let a = csqrt(cg, c, cadd_real(cg, z, one)?)?;
            let b = csqrt(cg, c, cadd_real(cg, z, F { cg }.neg(one)?)?)?;
            let p = cmul(&F { cg }, a, b)?;
            clog(cg, c, cadd(cg, z, p)?)?
        }
        MathFn::Acos => {
            // acos(z) = pi/2 - asin(z)
            let a = function(cg, MathFn::Asin, s, args)?;
            let a = cx(cg, a)?;
            let f = F { cg };
            Cx {
                re: f.sub(float_const(cg, c, std::f64::consts::FRAC_PI_2), a.re)?,
                im: f.neg(a.im)?,
            }
        }
        MathFn::Atanh | MathFn::Atan => {
            // atan(z) = -i atanh(i z). atanh as CPython's cmath computes it
            // (so the branch cuts follow the sign of a zero imaginary
            // part): for re(z) >= 0,
            //   re = log1p(4x / ((1-x)^2 + y^2)) / 4
            //   im = -atan2(-2y, (1-x)(1+x) - y^2) / 2
            // and atanh(z) = -atanh(-z) otherwise.
            let w = if m == MathFn::Atan {
                times_i(cg, z)?
            } else {
                z
            };
            let f = F { cg };
            let negative = f.cmp(FloatPredicate::OLT, w.re, zero)?;
            let x = f.select(negative, f.neg(w.re)?, w.re)?;
            let y = f.select(negative, f.neg(w.im)?, w.im)?;
            let one_minus = f.sub(one, x)?;
            let y2 = f.mul(y, y)?;
            let den = f.add(f.mul(one_minus, one_minus)?, y2)?;
            let four = float_const(cg, c, 4.0);
            let ratio = f.div(f.mul(four, x)?, den)?;
            let re = real(cg, MathFn::Log1p, c, &[ratio])?;
            let f = F { cg };
            let re = f.div(re, four)?;
            let two = float_const(cg, c, 2.0);
            let num = f.neg(f.mul(two, y)?)?;
            let dd = f.sub(f.mul(one_minus, f.add(one, x)?)?, y2)?;
            let angle = real(cg, MathFn::Atan2, c, &[num, dd])?;
            let f = F { cg };
            let im = f.neg(f.mul(angle, half)?)?;
            let d = Cx {
                re: f.select(negative, f.neg(re)?, re)?,
                im: f.select(negative, f.neg(im)?, im)?,
            };
            if m == MathFn::Atan {
                Cx {
                    re: d.im,
                    im: F { cg }.neg(d.re)?,
                }
            } else {
                d
            }
        }
        MathFn::Sign => {
            // NumPy 2: z / |z|, and 0 for 0.
            let r = cabs(cg, c, z)?;
            let f = F { cg };
            let is_zero = f.cmp(FloatPredicate::OEQ, r, zero)?;
            Cx {
                re: f.select(is_zero, zero, f.div(z.re, r)?)?,
                im: f.select(is_zero, zero, f.div(z.im, r)?)?,
            }
        }
        MathFn::Reciprocal => cdiv(&F { cg }, s, Cx { re: one, im: zero }, z)?,
        MathFn::Maximum | MathFn::Minimum | MathFn::Fmax | MathFn::Fmin => {
            // NumPy: maximum takes z when z >= w (lexicographically) or z
            // has a NaN; fmax when z >= w or w has a NaN.
            let w = cx(cg, args[1])?;
            let op = if matches!(m, MathFn::Maximum | MathFn::Fmax) {
                CmpOp::Ge
            } else {
                CmpOp::Le
            };
            let ordered = compare(cg, op, args[0], args[1])?;
            let nan_side = if matches!(m, MathFn::Maximum | MathFn::Minimum) {
                z
            } else {
                w
            };
            let has_nan = cg.builder.build_or(
                fpstatus::is_nan(cg, nan_side.re)?,
                fpstatus::is_nan(cg, nan_side.im)?,
                "",
            )?;
            let take_first = cg.builder.build_or(ordered, has_nan, "")?;
            let f = F { cg };
            Cx {
                re: f.select(take_first, z.re, w.re)?,
                im: f.select(take_first, z.im, w.im)?,
            }
        }
        MathFn::Pow => {
            let w = cx(cg, args[1])?;
            return pow(cg, s, z, w);
        }
        other => {
            return Err(CompileError::internal(format!(
                "complex {other:?} reached codegen"
            )))
        }
    };
    pack(cg, s, result)
}
