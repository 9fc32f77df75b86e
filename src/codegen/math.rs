//! Real math functions: LLVM intrinsics where LLVM has them (sqrt, exp,
//! log, sin, pow, ...), libm calls otherwise, and NumPy's definitions for
//! sign, maximum/minimum, degrees, reciprocal and the predicates.
//!
//! Every call of a function glibc's libmvec vectorizes carries the
//! `vector-function-abi-variant` attribute naming the SIMD variants the host
//! supports (`_ZGVeN8v_exp` for AVX-512, `_ZGVdN4v_exp` for AVX2, ...) so the
//! loop vectorizer calls them on whole vectors. The variants are declared in
//! the module and pinned by `llvm.compiler.used` until the vectorizer runs.

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::intrinsics::Intrinsic;
use inkwell::values::{BasicValueEnum, CallSiteValue, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

use super::arith::{raise_fp_flag, FE_DIVBYZERO};
use super::context::Codegen;
use super::scalar::{fabs, float_const};
use super::{complex, fastmath};
use crate::builtins::MathFn;
use crate::error::{CompileError, Result};
use crate::types::{Kind, Scalar, Type};

/// How a real function is emitted.
enum Impl {
    /// An LLVM intrinsic without vector library variants.
    Intrinsic(&'static str),
    /// An LLVM intrinsic that libmvec also provides (libm name).
    VectorIntrinsic(&'static str, &'static str),
    /// A libm function (double name; float adds `f`), vectorized by
    /// libmvec when `true`.
    Libm(&'static str, bool),
}

fn implementation(m: MathFn) -> Option<Impl> {
    use Impl::*;
    Some(match m {
        MathFn::Sqrt => Intrinsic("llvm.sqrt"),
        MathFn::Fabs | MathFn::Abs => Intrinsic("llvm.fabs"),
        MathFn::Floor => Intrinsic("llvm.floor"),
        MathFn::Ceil => Intrinsic("llvm.ceil"),
        MathFn::Trunc => Intrinsic("llvm.trunc"),
        MathFn::Rint => Intrinsic("llvm.rint"),
        MathFn::Copysign => Intrinsic("llvm.copysign"),
        MathFn::Exp => VectorIntrinsic("llvm.exp", "exp"),
        MathFn::Exp2 => VectorIntrinsic("llvm.exp2", "exp2"),
        MathFn::Log => VectorIntrinsic("llvm.log", "log"),
        MathFn::Log2 => VectorIntrinsic("llvm.log2", "log2"),
        MathFn::Log10 => VectorIntrinsic("llvm.log10", "log10"),
        MathFn::Sin => VectorIntrinsic("llvm.sin", "sin"),
        MathFn::Cos => VectorIntrinsic("llvm.cos", "cos"),
        MathFn::Pow => VectorIntrinsic("llvm.pow", "pow"),
        MathFn::Tan => Libm("tan", true),
        MathFn::Asin => Libm("asin", true),
        MathFn::Acos => Libm("acos", true),
        MathFn::Atan => Libm("atan", true),
        MathFn::Atan2 => Libm("atan2", true),
        MathFn::Sinh => Libm("sinh", true),
        MathFn::Cosh => Libm("cosh", true),
        MathFn::Tanh => Libm("tanh", true),
        MathFn::Asinh => Libm("asinh", true),
        MathFn::Acosh => Libm("acosh", true),
        MathFn::Atanh => Libm("atanh", true),
        MathFn::Expm1 => Libm("expm1", true),
        MathFn::Log1p => Libm("log1p", true),
        MathFn::Cbrt => Libm("cbrt", true),
        MathFn::Hypot => Libm("hypot", true),
        MathFn::Erf => Libm("erf", true),
        MathFn::Erfc => Libm("erfc", true),
        MathFn::Gamma => Libm("tgamma", false),
        MathFn::Lgamma => Libm("lgamma", false),
        _ => return None,
    })
}

/// A one-argument overloaded intrinsic such as `llvm.floor`.
pub fn intrinsic1<'ctx>(
    cg: &Codegen<'ctx>,
    name: &str,
    x: FloatValue<'ctx>,
) -> Result<FloatValue<'ctx>> {
    let v = intrinsic(cg, name, &[x])?;
    Ok(v.try_as_basic_value().unwrap_basic().into_float_value())
}

fn intrinsic<'ctx>(
    cg: &Codegen<'ctx>,
    name: &str,
    args: &[FloatValue<'ctx>],
) -> Result<CallSiteValue<'ctx>> {
    let i = Intrinsic::find(name)
        .ok_or_else(|| CompileError::internal(format!("no intrinsic {name}")))?;
    let decl = i
        .get_declaration(&cg.module, &[args[0].get_type().into()])
        .ok_or_else(|| CompileError::internal(format!("cannot declare {name}")))?;
    let args: Vec<BasicValueEnum> = args.iter().map(|a| (*a).into()).collect();
    cg.call(decl, &args)
}

pub fn copysign<'ctx>(
    cg: &Codegen<'ctx>,
    x: FloatValue<'ctx>,
    y: FloatValue<'ctx>,
) -> Result<FloatValue<'ctx>> {
    let c = intrinsic(cg, "llvm.copysign", &[x, y])?;
    Ok(c.try_as_basic_value().unwrap_basic().into_float_value())
}

/// `(isa letter, lanes for f64)` of the libmvec ABIs the host can run.
fn host_vector_isas(cg: &Codegen<'_>) -> Vec<(char, u32)> {
    let has = |f: &str| cg.host.features.split(',').any(|x| x == format!("+{f}"));
    let mut isas = vec![];
    if has("avx512f") {
        isas.push(('e', 8));
    }
    if has("avx2") {
        isas.push(('d', 4));
    }
    if has("sse2") {
        isas.push(('b', 2));
    }
    isas
}

/// Attaches libmvec variants of `libm` (at precision `s`) to `call`, whose
/// callee is named `scalar_name`.
fn add_vector_variants<'ctx>(
    cg: &mut Codegen<'ctx>,
    call: CallSiteValue<'ctx>,
    libm: &str,
    scalar_name: &str,
    s: Scalar,
    nargs: usize,
) {
    if !cg.vector_math {
        return;
    }
    let suffix = if s == Scalar::F32 { "f" } else { "" };
    let params = "v".repeat(nargs);
    let mut mappings = vec![];
    for (isa, lanes64) in host_vector_isas(cg) {
        let lanes = if s == Scalar::F32 {
            lanes64 * 2
        } else {
            lanes64
        };
        let vector_name = format!("_ZGV{isa}N{lanes}{params}_{libm}{suffix}");
        let vt = cg.float_type(s).vec_type(lanes);
        let args: Vec<_> = (0..nargs).map(|_| vt.into()).collect();
        if cg.module.get_function(&vector_name).is_none() {
            let decl = cg.external(&vector_name, vt.fn_type(&args, false));
            cg.vector_decls.push(decl);
        }
        mappings.push(format!(
            "_ZGV{isa}N{lanes}{params}_{scalar_name}({vector_name})"
        ));
    }
    call.add_attribute(
        AttributeLoc::Function,
        cg.ctx
            .create_string_attribute("vector-function-abi-variant", &mappings.join(",")),
    );
}

fn libm_call<'ctx>(
    cg: &mut Codegen<'ctx>,
    name: &str,
    vectorized: bool,
    s: Scalar,
    args: &[FloatValue<'ctx>],
) -> Result<FloatValue<'ctx>> {
    let full = if s == Scalar::F32 {
        format!("{name}f")
    } else {
        name.to_string()
    };
    let ft = cg.float_type(s);
    let params: Vec<_> = args.iter().map(|_| ft.into()).collect();
    let f = cg.external(&full, ft.fn_type(&params, false));
    let argv: Vec<BasicValueEnum> = args.iter().map(|a| (*a).into()).collect();
    let call = cg.call(f, &argv)?;
    // errno is never read: the call is a pure function of its arguments.
    call.add_attribute(
        AttributeLoc::Function,
        cg.ctx
            .create_enum_attribute(Attribute::get_named_enum_kind_id("memory"), 0),
    );
    for attr in ["nounwind", "willreturn"] {
        call.add_attribute(
            AttributeLoc::Function,
            cg.ctx
                .create_enum_attribute(Attribute::get_named_enum_kind_id(attr), 0),
        );
    }
    if vectorized {
        add_vector_variants(cg, call, name, &full, s, args.len());
    }
    fastmath::apply(cg, call);
    Ok(call.try_as_basic_value().unwrap_basic().into_float_value())
}

/// `x ** y` on floats of type `s` (float32 or float64).
pub fn pow<'ctx>(
    cg: &mut Codegen<'ctx>,
    s: Scalar,
    x: FloatValue<'ctx>,
    y: FloatValue<'ctx>,
) -> Result<FloatValue<'ctx>> {
    real(cg, MathFn::Pow, s, &[x, y])
}

/// A real function returning a float, at float32 or float64.
pub fn real<'ctx>(
    cg: &mut Codegen<'ctx>,
    m: MathFn,
    s: Scalar,
    args: &[FloatValue<'ctx>],
) -> Result<FloatValue<'ctx>> {
    let bd = &cg.builder;
    let zero = float_const(cg, s, 0.0);
    let one = float_const(cg, s, 1.0);
    let v = match (m, implementation(m)) {
        (_, Some(Impl::Intrinsic(name))) => intrinsic(cg, name, args)?
            .try_as_basic_value()
            .unwrap_basic()
            .into_float_value(),
        (_, Some(Impl::VectorIntrinsic(name, libm))) => {
            let call = intrinsic(cg, name, args)?;
            let mangled = format!("{name}.{}", if s == Scalar::F32 { "f32" } else { "f64" });
            add_vector_variants(cg, call, libm, &mangled, s, args.len());
            fastmath::apply(cg, call);
            call.try_as_basic_value().unwrap_basic().into_float_value()
        }
        (_, Some(Impl::Libm(name, vectorized))) => libm_call(cg, name, vectorized, s, args)?,
        (MathFn::Fmod, _) => bd.build_float_rem(args[0], args[1], "")?,
        (MathFn::Degrees, _) => bd.build_float_mul(
            args[0],
            float_const(cg, s, 180.0 / std::f64::consts::PI),
            "",
        )?,
        (MathFn::Radians, _) => bd.build_float_mul(
            args[0],
            float_const(cg, s, std::f64::consts::PI / 180.0),
            "",
        )?,
        (MathFn::Reciprocal, _) => bd.build_float_div(one, args[0], "")?,
        (MathFn::Phase, _) => return real(cg, MathFn::Atan2, s, &[zero, args[0]]),
        (MathFn::Sign, _) => {
            // NumPy: 1 if x > 0, -1 if x < 0, 0 if x == 0, nan if nan.
            let x = args[0];
            let minus = float_const(cg, s, -1.0);
            let pos = bd.build_float_compare(FloatPredicate::OGT, x, zero, "")?;
            let neg = bd.build_float_compare(FloatPredicate::OLT, x, zero, "")?;
            let is_zero = bd.build_float_compare(FloatPredicate::OEQ, x, zero, "")?;
            let r = bd.build_select(is_zero, zero, x, "")?;
            let r = bd.build_select(neg, minus.into(), r, "")?;
            bd.build_select(pos, one.into(), r, "")?.into_float_value()
        }
        (MathFn::Maximum | MathFn::Minimum | MathFn::Fmax | MathFn::Fmin, _) => {
            // maximum: (a >= b or isnan(a)) ? a : b       (NaN propagates)
            // fmax:    (a >= b or isnan(b)) ? a : b       (NaN ignored)
            let (a, b) = (args[0], args[1]);
            let pred = if matches!(m, MathFn::Maximum | MathFn::Fmax) {
                FloatPredicate::OGE
            } else {
                FloatPredicate::OLE
            };
            let ordered = bd.build_float_compare(pred, a, b, "")?;
            let nan_side = if matches!(m, MathFn::Maximum | MathFn::Minimum) {
                a
            } else {
                b
            };
            let is_nan = bd.build_float_compare(FloatPredicate::UNO, nan_side, nan_side, "")?;
            let take_a = bd.build_or(ordered, is_nan, "")?;
            bd.build_select(take_a, a, b, "")?.into_float_value()
        }
        (other, _) => {
            return Err(CompileError::internal(format!(
                "real {other:?} reached codegen"
            )))
        }
    };
    fastmath::apply(cg, v);
    Ok(v)
}

/// `isnan`, `isinf`, `isfinite` on a float.
pub fn predicate<'ctx>(
    cg: &Codegen<'ctx>,
    m: MathFn,
    x: FloatValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let bd = &cg.builder;
    let inf = x.get_type().const_float(f64::INFINITY);
    Ok(match m {
        MathFn::IsNan => bd.build_float_compare(FloatPredicate::UNO, x, x, "")?,
        MathFn::IsInf => bd.build_float_compare(FloatPredicate::OEQ, fabs(cg, x)?, inf, "")?,
        _ => bd.build_float_compare(FloatPredicate::OLT, fabs(cg, x)?, inf, "")?,
    })
}

fn int_function<'ctx>(
    cg: &mut Codegen<'ctx>,
    m: MathFn,
    s: Scalar,
    args: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let a = args[0].into_int_value();
    let zero = a.get_type().const_zero();
    let signed = s.is_signed();
    let bd = &cg.builder;
    Ok(match m {
        MathFn::Abs if !signed => a.into(),
        MathFn::Abs => {
            let neg = bd.build_int_compare(IntPredicate::SLT, a, zero, "")?;
            let minus = bd.build_int_neg(a, "")?;
            bd.build_select(neg, minus, a, "")?
        }
        MathFn::Maximum | MathFn::Minimum | MathFn::Fmax | MathFn::Fmin => {
            let b = args[1].into_int_value();
            let pred = match (matches!(m, MathFn::Maximum | MathFn::Fmax), signed) {
                (true, true) => IntPredicate::SGE,
                (true, false) => IntPredicate::UGE,
                (false, true) => IntPredicate::SLE,
                (false, false) => IntPredicate::ULE,
            };
            let take_a = bd.build_int_compare(pred, a, b, "")?;
            bd.build_select(take_a, a, b, "")?
        }
        MathFn::Reciprocal => {
            // 1 / x truncated: x for |x| == 1, 0 otherwise; x == 0 raises
            // divide-by-zero and gives 0.
            let one = a.get_type().const_int(1, false);
            let is_one = bd.build_int_compare(IntPredicate::EQ, a, one, "")?;
            let is_m1 =
                bd.build_int_compare(IntPredicate::EQ, a, a.get_type().const_all_ones(), "")?;
            let keep = if signed {
                bd.build_or(is_one, is_m1, "")?
            } else {
                is_one
            };
            let r = bd.build_select(keep, a, zero, "")?;
            let is_zero = bd.build_int_compare(IntPredicate::EQ, a, zero, "")?;
            with_flag_if(cg, is_zero, FE_DIVBYZERO)?;
            r
        }
        MathFn::Fmod => {
            // C remainder (sign of the dividend); x % 0 gives 0 and raises
            // divide-by-zero.
            let b = args[1].into_int_value();
            let is_zero = bd.build_int_compare(IntPredicate::EQ, b, zero, "")?;
            let minus1 =
                bd.build_int_compare(IntPredicate::EQ, b, a.get_type().const_all_ones(), "")?;
            let unsafe_div = if signed {
                bd.build_or(is_zero, minus1, "")?
            } else {
                is_zero
            };
            let one = a.get_type().const_int(1, false);
            let safe_b = bd.build_select(unsafe_div, one, b, "")?.into_int_value();
            let r = if signed {
                bd.build_int_signed_rem(a, safe_b, "")?
            } else {
                bd.build_int_unsigned_rem(a, safe_b, "")?
            };
            let r = bd.build_select(unsafe_div, zero, r, "")?;
            with_flag_if(cg, is_zero, FE_DIVBYZERO)?;
            r
        }
        other => {
            return Err(CompileError::internal(format!(
                "integer {other:?} reached codegen"
            )))
        }
    })
}

/// Raises `flag` when `cond` holds (in a cold branch).
fn with_flag_if<'ctx>(cg: &Codegen<'ctx>, cond: IntValue<'ctx>, flag: u64) -> Result<()> {
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|b| b.get_parent())
        .ok_or_else(|| CompileError::internal("no current function"))?;
    let raise = cg.ctx.append_basic_block(f, "raise");
    let cont = cg.ctx.append_basic_block(f, "cont");
    cg.builder.build_conditional_branch(cond, raise, cont)?;
    cg.builder.position_at_end(raise);
    raise_fp_flag(cg, flag)?;
    cg.builder.build_unconditional_branch(cont)?;
    cg.builder.position_at_end(cont);
    Ok(())
}

/// Emits `m` applied to `args` (all of type `arg_ty`), giving `rty`.
pub fn call<'ctx>(
    cg: &mut Codegen<'ctx>,
    m: MathFn,
    arg_ty: &Type,
    rty: &Type,
    args: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let s = arg_ty
        .storage()
        .ok_or_else(|| CompileError::internal("math on a non-scalar"))?;
    match s.kind() {
        Kind::Complex => complex::function(cg, m, s, args),
        Kind::Bool | Kind::Int => int_function(cg, m, s, args),
        Kind::Float => {
            if m.is_predicate() {
                return Ok(predicate(cg, m, args[0].into_float_value())?.into());
            }
            if s == Scalar::F16 {
                // NumPy computes float16 functions in float32.
                let f32t = cg.ctx.f32_type();
                let mut wide = vec![];
                for a in args {
                    wide.push(cg.builder.build_float_ext(a.into_float_value(), f32t, "")?);
                }
                let r = real(cg, m, Scalar::F32, &wide)?;
                return Ok(cg
                    .builder
                    .build_float_trunc(r, cg.ctx.f16_type(), "")?
                    .into());
            }
            let fargs: Vec<FloatValue> = args.iter().map(|a| a.into_float_value()).collect();
            let _ = rty;
            Ok(real(cg, m, s, &fargs)?.into())
        }
    }
}
