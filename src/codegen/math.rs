//! Real math functions: LLVM intrinsics for what the CPU does natively
//! (sqrt, fabs, floor, ...), libm calls for the transcendental functions,
//! and NumPy's definitions for sign, maximum/minimum, degrees, reciprocal
//! and the predicates.
//!
//! libm calls are `memory(none)` so they vectorize; they are never
//! speculated out of untaken branches (the declarations are not
//! `speculatable`). Every call of a function glibc's
//! libmvec provides carries the `vector-function-abi-variant` attribute
//! naming the SIMD variants the host supports (`_ZGVeN8v_exp` for AVX-512,
//! `_ZGVdN4v_exp` for AVX2, ...) so the loop vectorizer calls them on whole
//! vectors, plus *masked* variants for calls under a condition: small
//! wrappers that replace the inactive lanes' arguments by a harmless value
//! before calling the unmasked variant (libmvec has no masked entry points,
//! and evaluating `log1p` on out-of-domain lanes sends it down a slow path).
//! Every function reports its floating-point flags to `fpstatus`.

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::intrinsics::Intrinsic;
use inkwell::module::Linkage;
use inkwell::values::{BasicValueEnum, CallSiteValue, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

use super::context::Codegen;
use super::fpstatus::{self, DIVBYZERO, INVALID, OVERFLOW};
use super::scalar::{fabs, float_const};
use super::{complex, fastmath};
use crate::builtins::MathFn;
use crate::error::{CompileError, Result};
use crate::types::{Kind, Scalar, Type};

/// How a real function is emitted.
enum Impl {
    /// An LLVM intrinsic (a native instruction; raises no flags we track).
    Intrinsic(&'static str),
    /// A libm function (double name; float adds `f`), vectorized by libmvec
    /// when `true`.
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
        MathFn::Exp => Libm("exp", true),
        MathFn::Exp2 => Libm("exp2", true),
        MathFn::Log => Libm("log", true),
        MathFn::Log2 => Libm("log2", true),
        MathFn::Log10 => Libm("log10", true),
        MathFn::Sin => Libm("sin", true),
        MathFn::Cos => Libm("cos", true),
        MathFn::Pow => Libm("pow", true),
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

/// Functions whose infinite results from finite arguments are poles
/// (divide-by-zero, as NumPy reports `log(0)`) rather than overflow.
fn pole_function(m: MathFn) -> bool {
    matches!(
        m,
        MathFn::Log
            | MathFn::Log2
            | MathFn::Log10
            | MathFn::Log1p
            | MathFn::Atanh
            | MathFn::Lgamma
            | MathFn::Gamma
    )
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

/// `x * y + z` with one rounding (`llvm.fma`).
pub fn fma<'ctx>(
    cg: &Codegen<'ctx>,
    x: FloatValue<'ctx>,
    y: FloatValue<'ctx>,
    z: FloatValue<'ctx>,
) -> Result<FloatValue<'ctx>> {
    let v = intrinsic(cg, "llvm.fma", &[x, y, z])?;
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
    if isas.is_empty() && has("sse2") {
        isas.push(('b', 2));
    }
    isas
}

/// An argument value inside every libmvec function's domain, used for the
/// inactive lanes of masked calls.
fn harmless_argument(libm: &str) -> f64 {
    match libm {
        "acosh" => 1.5,
        _ => 0.5,
    }
}

/// Defines (once) the masked variant of `unmasked`: it blends the inactive
/// lanes' arguments with a harmless value and calls `unmasked`.
fn masked_variant<'ctx>(
    cg: &mut Codegen<'ctx>,
    name: &str,
    unmasked: inkwell::values::FunctionValue<'ctx>,
    vt: inkwell::types::VectorType<'ctx>,
    nargs: usize,
    harmless: f64,
) -> Result<()> {
    if cg.module.get_function(name).is_some() {
        return Ok(());
    }
    let lanes = vt.get_size();
    let mask_t = cg.ctx.bool_type().vec_type(lanes);
    let mut params: Vec<_> = (0..nargs).map(|_| vt.into()).collect();
    params.push(mask_t.into());
    let f = cg
        .module
        .add_function(name, vt.fn_type(&params, false), Some(Linkage::Internal));
    cg.add_host_attributes(f);
    cg.add_enum_attribute(f, "alwaysinline");
    let saved = cg.builder.get_insert_block();
    cg.builder
        .position_at_end(cg.ctx.append_basic_block(f, "entry"));
    let mask = f
        .get_nth_param(nargs as u32)
        .expect("mask")
        .into_vector_value();
    let elem = vt.get_element_type().into_float_type();
    let safe =
        inkwell::types::VectorType::const_vector(&vec![elem.const_float(harmless); lanes as usize]);
    let mut args = vec![];
    for i in 0..nargs {
        let x = f.get_nth_param(i as u32).expect("arg").into_vector_value();
        args.push(cg.builder.build_select(mask, x, safe, "")?);
    }
    let r = cg.call_value(unmasked, &args)?;
    cg.builder.build_return(Some(&r))?;
    if let Some(b) = saved {
        cg.builder.position_at_end(b);
    }
    Ok(())
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
) -> Result<()> {
    if !cg.vector_math {
        return Ok(());
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
        let unmasked = match cg.module.get_function(&vector_name) {
            Some(f) => f,
            None => {
                let decl = cg.external(&vector_name, vt.fn_type(&args, false));
                cg.vector_decls.push(decl);
                decl
            }
        };
        mappings.push(format!(
            "_ZGV{isa}N{lanes}{params}_{scalar_name}({vector_name})"
        ));
        let masked_name = format!("jitufunc.masked.{isa}{lanes}.{libm}{suffix}");
        masked_variant(
            cg,
            &masked_name,
            unmasked,
            vt,
            nargs,
            harmless_argument(libm),
        )?;
        if let Some(m) = cg.module.get_function(&masked_name) {
            if !cg.vector_decls.contains(&m) {
                cg.vector_decls.push(m);
            }
        }
        mappings.push(format!(
            "_ZGV{isa}M{lanes}{params}_{scalar_name}({masked_name})"
        ));
    }
    call.add_attribute(
        AttributeLoc::Function,
        cg.ctx
            .create_string_attribute("vector-function-abi-variant", &mappings.join(",")),
    );
    Ok(())
}

/// Marks a C library call as a pure function of its arguments (errno is
/// never read): `memory(none) nounwind willreturn`. LLVM still never
/// speculates it out of an untaken branch, since the declaration is not
/// `speculatable`.
pub fn mark_pure_call<'ctx>(cg: &Codegen<'ctx>, call: CallSiteValue<'ctx>) {
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
    // (No `nobuiltin`: it would keep the vectorizer from using the
    // variants.)
    mark_pure_call(cg, call);
    if vectorized {
        add_vector_variants(cg, call, name, &full, s, args.len())?;
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
    // x ** 2.0 is exactly x * x (pow is correctly rounded there).
    if y.get_constant().map(|(c, _)| c) == Some(2.0) {
        let v = cg.builder.build_float_mul(x, x, "")?;
        fpstatus::check(cg, &[x], &[v], OVERFLOW)?;
        return Ok(v);
    }
    real(cg, MathFn::Pow, s, &[x, y])
}

/// Reports the flags of `m(args) = r`.
fn function_flags<'ctx>(
    cg: &Codegen<'ctx>,
    m: MathFn,
    args: &[FloatValue<'ctx>],
    r: FloatValue<'ctx>,
) -> Result<()> {
    if cg.func.status.is_none() || fpstatus::taint(cg, &[r])? {
        return Ok(());
    }
    fpstatus::if_not_finite(cg, &[r], |cg| function_flags_detailed(cg, m, args, r))
}

fn function_flags_detailed<'ctx>(
    cg: &Codegen<'ctx>,
    m: MathFn,
    args: &[FloatValue<'ctx>],
    r: FloatValue<'ctx>,
) -> Result<()> {
    let x = args[0];
    let zero = x.get_type().const_zero();
    let one = x.get_type().const_float(1.0);
    let minus_one = x.get_type().const_float(-1.0);
    match m {
        MathFn::Pow => {
            // pow(0, y < 0) is a pole; other infinities from finite
            // arguments are overflow.
            let (x, y) = (args[0], args[1]);
            let zero = x.get_type().const_zero();
            let bd = &cg.builder;
            let x_zero = bd.build_float_compare(FloatPredicate::OEQ, x, zero, "")?;
            let y_neg = bd.build_float_compare(FloatPredicate::OLT, y, zero, "")?;
            let pole = bd.build_and(x_zero, y_neg, "")?;
            fpstatus::raise_if(cg, pole, DIVBYZERO)?;
            let not_pole = cg.builder.build_not(pole, "")?;
            let r_inf = fpstatus::is_inf(cg, r)?;
            let finite = cg.builder.build_and(
                fpstatus::is_finite(cg, x)?,
                fpstatus::is_finite(cg, y)?,
                "",
            )?;
            let overflow =
                cg.builder
                    .build_and(cg.builder.build_and(r_inf, finite, "")?, not_pole, "")?;
            fpstatus::raise_if(cg, overflow, OVERFLOW)?;
            let invalid = cg.builder.build_and(
                fpstatus::is_nan(cg, r)?,
                cg.builder
                    .build_float_compare(FloatPredicate::ORD, x, y, "")?,
                "",
            )?;
            fpstatus::raise_if(cg, invalid, fpstatus::INVALID)
        }
        // Exact rules for the common functions, mostly on the argument
        // (cheaper than classifying the result, and independent of it).
        MathFn::Exp | MathFn::Exp2 | MathFn::Expm1 => {
            // Only overflow: +inf from a finite argument.
            let inf = x.get_type().const_float(f64::INFINITY);
            let r_inf = cmp(cg, FloatPredicate::OEQ, r, inf)?;
            let x_fin = cmp(cg, FloatPredicate::OLT, x, inf)?;
            fpstatus::raise_if(cg, cg.builder.build_and(r_inf, x_fin, "")?, OVERFLOW)
        }
        MathFn::Sqrt => fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OLT, x, zero)?, INVALID),
        MathFn::Log | MathFn::Log2 | MathFn::Log10 | MathFn::Log1p => {
            let edge = if m == MathFn::Log1p { minus_one } else { zero };
            fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OLT, x, edge)?, INVALID)?;
            fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OEQ, x, edge)?, DIVBYZERO)
        }
        MathFn::Sin | MathFn::Cos | MathFn::Tan => {
            fpstatus::raise_if(cg, fpstatus::is_inf(cg, x)?, INVALID)
        }
        MathFn::Asin | MathFn::Acos => {
            let a = fabs(cg, x)?;
            fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OGT, a, one)?, INVALID)
        }
        MathFn::Acosh => fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OLT, x, one)?, INVALID),
        MathFn::Atanh => {
            let a = fabs(cg, x)?;
            fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OGT, a, one)?, INVALID)?;
            fpstatus::raise_if(cg, cmp(cg, FloatPredicate::OEQ, a, one)?, DIVBYZERO)
        }
        MathFn::Copysign
        | MathFn::Maximum
        | MathFn::Minimum
        | MathFn::Fmax
        | MathFn::Fmin
        | MathFn::Sign
        | MathFn::Atan
        | MathFn::Atan2
        | MathFn::Asinh
        | MathFn::Tanh
        | MathFn::Erf
        | MathFn::Erfc
        | MathFn::Cbrt
        | MathFn::Floor
        | MathFn::Ceil
        | MathFn::Trunc
        | MathFn::Rint
        | MathFn::Fabs
        | MathFn::Abs
        | MathFn::Radians => Ok(()),
        m => fpstatus::check(
            cg,
            args,
            &[r],
            if pole_function(m) {
                DIVBYZERO
            } else {
                OVERFLOW
            },
        ),
    }
}

fn cmp<'ctx>(
    cg: &Codegen<'ctx>,
    p: FloatPredicate,
    a: FloatValue<'ctx>,
    b: FloatValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    Ok(cg.builder.build_float_compare(p, a, b, "")?)
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
        (MathFn::Reciprocal, _) => {
            let v = bd.build_float_div(one, args[0], "")?;
            fpstatus::check_division(cg, one, args[0], v)?;
            fastmath::apply(cg, v);
            return Ok(v);
        }
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
            // maximum: (a > b or isnan(a)) ? a : b   (NaN propagates; ties,
            //                                         such as 0.0 and -0.0,
            //                                         give b, as NumPy)
            // fmax:    (a >= b or isnan(b)) ? a : b  (NaN ignored)
            let (a, b) = (args[0], args[1]);
            let pred = match m {
                MathFn::Maximum => FloatPredicate::OGT,
                MathFn::Minimum => FloatPredicate::OLT,
                MathFn::Fmax => FloatPredicate::OGE,
                _ => FloatPredicate::OLE,
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
    function_flags(cg, m, args, v)?;
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
            fpstatus::raise_if(cg, is_zero, DIVBYZERO)?;
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
            fpstatus::raise_if(cg, is_zero, DIVBYZERO)?;
            r
        }
        other => {
            return Err(CompileError::internal(format!(
                "integer {other:?} reached codegen"
            )))
        }
    })
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
            if s == Scalar::F16 && matches!(m, MathFn::Maximum | MathFn::Minimum) {
                // NumPy's float16 loops take the first operand on ties
                // (npy_half_ge), unlike its float32/float64 loops.
                let (a, b) = (args[0].into_float_value(), args[1].into_float_value());
                let pred = if m == MathFn::Maximum {
                    FloatPredicate::OGE
                } else {
                    FloatPredicate::OLE
                };
                let bd = &cg.builder;
                let ordered = bd.build_float_compare(pred, a, b, "")?;
                let nan = bd.build_float_compare(FloatPredicate::UNO, a, a, "")?;
                let take_a = bd.build_or(ordered, nan, "")?;
                return Ok(bd.build_select(take_a, a, b, "")?);
            }
            if s == Scalar::F16 {
                // NumPy computes float16 functions in float32.
                let f32t = cg.ctx.f32_type();
                let mut wide = vec![];
                for a in args {
                    wide.push(cg.builder.build_float_ext(a.into_float_value(), f32t, "")?);
                }
                let r = real(cg, m, Scalar::F32, &wide)?;
                let r16 = cg.builder.build_float_trunc(r, cg.ctx.f16_type(), "")?;
                fpstatus::check(cg, &[r], &[r16], OVERFLOW)?;
                return Ok(r16.into());
            }
            let fargs: Vec<FloatValue> = args.iter().map(|a| a.into_float_value()).collect();
            let _ = rty;
            Ok(real(cg, m, s, &fargs)?.into())
        }
    }
}
