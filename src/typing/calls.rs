//! Typing rules for calls: Python builtins, `math`/`cmath`/NumPy functions
//! and NumPy dtype constructors.
//!
//! `math.f` takes and returns Python floats (so `math.exp` of a float32
//! computes in double and the result is weak); `cmath.f` works on Python
//! complex; `np.f` picks NumPy's loop for the argument dtype (an int8
//! argument of `np.sqrt` computes in float16, a float32 stays float32).

use super::elementwise::{any_array, elementwise, ElemNode};
use super::emit::Emit;
use super::rules::{binary, cast, compare, component, const_int, make_tuple, truth, zero};
use crate::builtins::{Builtin, Callee, Flavour, MathFn, RandomFn};
use crate::error::Result;
use crate::ir::Op;
use crate::syntax::{BinOp, CmpOp, Const};
use crate::types::promote::min_float_for;
use crate::types::{promote, Kind, Scalar, Type, Weak};

pub fn call<E: Emit>(e: &mut E, callee: Callee, args: Vec<E::V>) -> Result<E::V> {
    match callee {
        Callee::Builtin(Builtin::Abs) if any_array(e, &args) => {
            elementwise(e, ElemNode::Math(MathFn::Abs, Flavour::Numpy), args)
        }
        Callee::Builtin(b) => builtin(e, b, args),
        // NumPy's functions work element by element on arrays.
        Callee::Math(f, Flavour::Numpy) if any_array(e, &args) => {
            elementwise(e, ElemNode::Math(f, Flavour::Numpy), args)
        }
        Callee::Math(f, flavour) => math(e, f, flavour, args, callee),
        Callee::DType(s) => dtype(e, s, args),
        Callee::C(r) => c_call(e, r, args),
        Callee::Array(f, dtype) => super::array_calls::array_call(e, f, dtype, args),
        Callee::Random(f) => random(e, f, args),
    }
}

/// A primitive of the random generator (`RandomFn`): the arguments
/// converted to its operand types (integers where it takes integers).
fn random<E: Emit>(e: &mut E, f: RandomFn, args: Vec<E::V>) -> Result<E::V> {
    let (params, ret) = f.signature();
    arity(e, f.name(), args.len(), params.len(), params.len())?;
    let mut vs = Vec::with_capacity(args.len());
    for (a, p) in args.into_iter().zip(&params) {
        if *p == Type::Generator {
            if e.ty(&a) != Type::Generator {
                return Err(e.error(format!(
                    "{}() takes a numpy.random.Generator, got {}",
                    f.name(),
                    e.ty(&a)
                )));
            }
            vs.push(a);
            continue;
        }
        let t = real_scalar(e, f.name(), &a)?;
        if p.kind() == Some(Kind::Int) && !matches!(t.kind(), Some(Kind::Int | Kind::Bool)) {
            return Err(e.error(format!("{}() takes integers, got {t}", f.name())));
        }
        vs.push(cast(e, a, p)?);
    }
    match ret {
        Some(t) => e.emit(Op::Random(f), vs, t),
        None => {
            e.emit_effect(Op::Random(f), vs)?;
            e.constant(Const::None, Type::NoneType)
        }
    }
}

fn arity<E: Emit>(e: &E, name: &str, args: usize, min: usize, max: usize) -> Result<()> {
    if args < min || args > max {
        let expected = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(e.error(format!(
            "{name}() takes {expected} argument{} ({args} given)",
            if max == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

fn real_scalar<E: Emit>(e: &E, name: &str, v: &E::V) -> Result<Type> {
    let t = e.ty(v);
    match t.kind() {
        Some(Kind::Complex) => Err(e.error(format!(
            "{name}() does not accept complex numbers (got {t})"
        ))),
        Some(_) => Ok(t),
        None => Err(e.error(format!("{name}() needs a number, got {t}"))),
    }
}

fn scalar<E: Emit>(e: &E, name: &str, v: &E::V) -> Result<Type> {
    let t = e.ty(v);
    if t.is_scalar() {
        Ok(t)
    } else {
        Err(e.error(format!("{name}() needs a number, got {t}")))
    }
}

/// `abs(x)`: bool stays bool, ints wrap, complex gives its magnitude.
fn abs_value<E: Emit>(e: &mut E, v: E::V) -> Result<E::V> {
    let t = scalar(e, "abs", &v)?;
    match t {
        Type::Scalar(Scalar::Bool) => Ok(v),
        Type::Weak(Weak::Bool) => {
            let v = cast(e, v, &Type::PY_INT)?;
            e.emit(Op::Math(MathFn::Abs), vec![v], Type::PY_INT)
        }
        t => {
            let rt = if t.kind() == Some(Kind::Complex) {
                component(&t)
            } else {
                t
            };
            e.emit(Op::Math(MathFn::Abs), vec![v], rt)
        }
    }
}

/// `min`/`max` as Python defines them: the first extreme argument wins, and
/// a later argument replaces it only if it compares strictly smaller
/// (larger), so `min(nan, 1.0)` is nan and `min(1.0, nan)` is 1.0.
fn min_max<E: Emit>(e: &mut E, is_min: bool, args: Vec<E::V>) -> Result<E::V> {
    let name = if is_min { "min" } else { "max" };
    if args.len() < 2 {
        return Err(e.error(format!(
            "{name}() needs at least two arguments in kernels (iterables are not supported)"
        )));
    }
    let mut t = scalar(e, name, &args[0])?;
    for a in &args[1..] {
        let ta = scalar(e, name, a)?;
        t = promote(&t, &ta).expect("scalars");
    }
    let mut it = args.into_iter();
    let mut best = cast(e, it.next().expect("two args"), &t)?;
    for a in it {
        let a = cast(e, a, &t)?;
        let op = if is_min { CmpOp::Lt } else { CmpOp::Gt };
        let better = compare(e, op, a.clone(), best.clone())?;
        best = e.emit(Op::Select, vec![better, a, best], t.clone())?;
    }
    Ok(best)
}

/// `Builtin::Identity(r)` of a value: the identity of reduction `r` at
/// the value's type, where a `prange` loop's chunk starts a reduction
/// variable (`lower::parallel`).
fn reduction_identity<E: Emit>(
    e: &mut E,
    r: crate::builtins::Reducer,
    args: Vec<E::V>,
) -> Result<E::V> {
    use crate::builtins::Reducer as R;
    let t = e.ty(&args[0]);
    let (kind, storage) = match (t.kind(), t.storage()) {
        (Some(k), Some(s)) if matches!(t, Type::Scalar(_) | Type::Weak(_)) => (k, s),
        _ => {
            let name = e
                .value_name(&args[0])
                .map(|n| format!("'{n}'"))
                .unwrap_or_else(|| "a variable".into());
            return Err(e.error(format!(
                "{name} is a reduction variable of this prange loop ({}), which must be a number, not {t}",
                r.spelling()
            )));
        }
    };
    let bad = || {
        e.error(format!(
            "a prange reduction with {} on {t} is not supported",
            r.spelling()
        ))
    };
    // Idempotent reductions start each chunk at the value before the loop
    // (`min(m, min(m, x)) == min(m, x)`): no constant of the variable's
    // type (a Python int's `min` would need int64's largest, which an
    // int32 update cannot take).
    if matches!(
        (r, kind),
        (R::Min | R::Max, Kind::Int | Kind::Float) | (R::BitOr | R::BitAnd, Kind::Int | Kind::Bool)
    ) {
        return Ok(args.into_iter().next().expect("checked above"));
    }
    let c = match (r, kind) {
        (R::Add | R::BitOr | R::BitXor, Kind::Bool) => Const::Bool(false),
        (R::BitAnd, Kind::Bool) => Const::Bool(true),
        (R::Add | R::BitOr | R::BitXor, Kind::Int) => Const::Int(0),
        (R::BitAnd, Kind::Int) => Const::Int(if storage.is_signed() {
            -1
        } else {
            storage.int_range().1
        }),
        (R::Mul, Kind::Bool | Kind::Int) => Const::Int(1),
        (R::Min, Kind::Int) => Const::Int(storage.int_range().1),
        (R::Max, Kind::Int) => Const::Int(storage.int_range().0),
        (R::Add, Kind::Float) => Const::Float(0.0),
        (R::Mul, Kind::Float) => Const::Float(1.0),
        (R::Min, Kind::Float) => Const::Float(f64::INFINITY),
        (R::Max, Kind::Float) => Const::Float(f64::NEG_INFINITY),
        (R::Add, Kind::Complex) => Const::Complex(0.0, 0.0),
        (R::Mul, Kind::Complex) => Const::Complex(1.0, 0.0),
        (R::Min | R::Max, Kind::Bool) => return Err(bad()),
        (R::BitOr | R::BitAnd | R::BitXor, Kind::Float | Kind::Complex) => return Err(bad()),
        (R::Min | R::Max, Kind::Complex) => return Err(bad()),
    };
    // `s *= x` on a bool makes an int, as in Python.
    let ty = if r == R::Mul && kind == Kind::Bool {
        Type::PY_INT
    } else {
        t
    };
    e.constant(c, ty)
}

fn power_of_ten(n: i128) -> f64 {
    10f64.powi(n as i32)
}

/// `round(x)` (to a Python int, half to even) and `round(x, n)`.
fn round<E: Emit>(e: &mut E, args: Vec<E::V>) -> Result<E::V> {
    arity(e, "round", args.len(), 1, 2)?;
    let t = real_scalar(e, "round", &args[0])?;
    if t == Type::BOOL {
        return Err(
            e.error("round() is not defined for numpy.bool scalars (they have no __round__)")
        );
    }
    let mut args = args.into_iter();
    let x = args.next().expect("one arg");
    let Some(nd) = args.next() else {
        if t.kind() == Some(Kind::Float) {
            let r = e.emit(Op::Math(MathFn::Rint), vec![x], t)?;
            return cast(e, r, &Type::PY_INT);
        }
        return cast(e, x, &Type::PY_INT);
    };
    let Some(n) = const_int(e, &nd) else {
        return Err(e.error("round(x, ndigits) needs ndigits to be a constant integer in kernels"));
    };
    if n.abs() > 308 {
        return Err(e.error("round(x, ndigits): ndigits is out of range"));
    }
    let is_float = t.kind() == Some(Kind::Float);
    if !is_float && n >= 0 {
        return Ok(x);
    }
    // NumPy's algorithm: y = rint(x * 10**n) / 10**n (or with the factor
    // inverted for negative n), in the float type of x.
    let ft = if is_float { t.clone() } else { Type::F64 };
    let xf = cast(e, x, &ft)?;
    let factor = e.constant(Const::Float(power_of_ten(n.abs())), ft.clone())?;
    let (first, second) = if n >= 0 {
        (BinOp::Mul, BinOp::TrueDiv)
    } else {
        (BinOp::TrueDiv, BinOp::Mul)
    };
    let scaled = e.emit(Op::Binary(first), vec![xf, factor.clone()], ft.clone())?;
    let rounded = e.emit(Op::Math(MathFn::Rint), vec![scaled], ft.clone())?;
    let y = e.emit(Op::Binary(second), vec![rounded, factor], ft)?;
    cast(e, y, &t)
}

fn builtin<E: Emit>(e: &mut E, b: Builtin, args: Vec<E::V>) -> Result<E::V> {
    let n = args.len();
    match b {
        // Lowering makes them loops; a call never reaches typing.
        Builtin::Enumerate | Builtin::Zip | Builtin::Sum => Err(e.error(format!(
            "{}() is only supported as the iterable of a for loop",
            b.name()
        ))),
        Builtin::Finfo | Builtin::Iinfo => super::statics::info(e, b == Builtin::Iinfo, args),
        Builtin::NpDtype => super::statics::dtype_call(e, args),
        Builtin::Identity(r) => reduction_identity(e, r, args),
        Builtin::EmptyList => super::lists::empty_list(e, args),
        Builtin::EmptyDict => super::dicts::empty(e, args),
        Builtin::DictGet => super::dicts::method(e, false, args),
        // `del d[k]` is `d.pop(k)` whose value is dropped.
        Builtin::DelItem => match args.first().map(|v| e.ty(v)) {
            Some(Type::Dict(..)) => super::dicts::method(e, true, args),
            other => Err(e.unsupported(format!(
                "'del' is supported on typed Dicts (del d[k]; for a typed List, l.pop(i)), not on a value of type {}",
                other.map(|t| t.to_string()).unwrap_or_default()
            ))),
        },
        Builtin::ListPop if matches!(args.first().map(|d| e.ty(d)), Some(Type::Dict(..))) => {
            super::dicts::method(e, true, args)
        }
        Builtin::DictKeys | Builtin::DictValues | Builtin::DictItems => {
            let view = match b {
                Builtin::DictKeys => super::dicts::View::Keys,
                Builtin::DictValues => super::dicts::View::Values,
                _ => super::dicts::View::Items,
            };
            let [d, i] = <[E::V; 2]>::try_from(args)
                .map_err(|_| e.error(format!("{}() takes no arguments", b.name())))?;
            super::dicts::entry(e, view, d, i)
        }
        Builtin::ListAppend | Builtin::ListPop => {
            super::lists::method(e, b == Builtin::ListAppend, args)
        }
        Builtin::ContainerClear => {
            let [c] = <[E::V; 1]>::try_from(args)
                .map_err(|_| e.error("clear() takes no arguments"))?;
            match e.ty(&c) {
                Type::List(_) => e.emit_effect(Op::List(crate::ir::ListOp::Clear), vec![c])?,
                Type::Dict(..) => e.emit_effect(Op::Dict(crate::ir::DictOp::Clear), vec![c])?,
                t => {
                    return Err(e.unsupported(format!(
                        "method '.clear()' is supported on typed Lists and Dicts only, not on a value of type {t}"
                    )))
                }
            }
            e.constant(crate::syntax::Const::None, Type::NoneType)
        }
        Builtin::IsTypedList => {
            let [x] = <[E::V; 1]>::try_from(args)
                .map_err(|_| e.error("is_typed_list() takes one argument"))?;
            let is = matches!(e.ty(&x), Type::List(_));
            e.constant(crate::syntax::Const::Bool(is), Type::PY_BOOL)
        }
        Builtin::ListSort => {
            let [l] = <[E::V; 1]>::try_from(args)
                .map_err(|_| e.error("list_sort() takes one argument"))?;
            match e.ty(&l) {
                Type::List(i) if i.is_number() => {
                    e.emit_effect(Op::List(crate::ir::ListOp::Sort), vec![l])?
                }
                t => {
                    return Err(e.unsupported(format!(
                        "sort() inside @jit is supported on typed Lists of numbers, not on {t}"
                    )))
                }
            }
            e.constant(crate::syntax::Const::None, Type::NoneType)
        }
        Builtin::Prange => Err(e.error("prange() is only supported as the iterable of a for loop")),
        Builtin::Print => {
            Err(e.error("print() is only supported as a statement of its own (its result is None)"))
        }
        Builtin::Abs => {
            arity(e, "abs", n, 1, 1)?;
            abs_value(e, args.into_iter().next().expect("arity"))
        }
        Builtin::Min | Builtin::Max => min_max(e, b == Builtin::Min, args),
        Builtin::Int | Builtin::Float | Builtin::Bool => {
            let name = b.name();
            arity(e, name, n, 0, 1)?;
            let target = match b {
                Builtin::Int => Type::PY_INT,
                Builtin::Float => Type::PY_FLOAT,
                _ => Type::PY_BOOL,
            };
            let Some(x) = args.into_iter().next() else {
                return zero(e, &target);
            };
            if b == Builtin::Bool {
                let t = truth(e, x)?;
                return cast(e, t, &target);
            }
            // `float("nan")`, `float("-inf")`, `float("1.5")`: a string
            // known when compiling, read as Python reads it.
            if let (Builtin::Float, Type::Str(text)) = (b, e.ty(&x)) {
                let cleaned = text.trim().replace('_', "");
                let value: f64 = cleaned.parse().map_err(|_| {
                    e.error(format!("could not convert string to float: {text:?}"))
                })?;
                return e.constant(crate::syntax::Const::Float(value), Type::PY_FLOAT);
            }
            real_scalar(e, name, &x)?;
            cast(e, x, &target)
        }
        Builtin::Complex => {
            arity(e, "complex", n, 0, 2)?;
            let target = Type::Weak(Weak::Complex);
            match args.len() {
                0 => zero(e, &target),
                1 => {
                    let x = args.into_iter().next().expect("arity");
                    scalar(e, "complex", &x)?;
                    cast(e, x, &target)
                }
                _ => {
                    let mut it = args.into_iter();
                    let (re, im) = (it.next().expect("2"), it.next().expect("2"));
                    real_scalar(e, "complex", &re)?;
                    real_scalar(e, "complex", &im)?;
                    let re = cast(e, re, &Type::PY_FLOAT)?;
                    let im = cast(e, im, &Type::PY_FLOAT)?;
                    e.emit(Op::MakeComplex, vec![re, im], target)
                }
            }
        }
        Builtin::Round => round(e, args),
        Builtin::Range => {
            arity(e, "range", n, 1, 3)?;
            for a in &args {
                let t = e.ty(a);
                if !matches!(t.kind(), Some(Kind::Bool | Kind::Int)) {
                    return Err(e.error(format!(
                        "range() needs integers, got {t} ('float' object cannot be interpreted as an integer)"
                    )));
                }
            }
            let mut vs = vec![];
            for a in args {
                vs.push(cast(e, a, &Type::PY_INT)?);
            }
            let (start, stop, step) = match vs.len() {
                1 => (e.constant(Const::Int(0), Type::PY_INT)?, vs.remove(0), None),
                2 => {
                    let stop = vs.remove(1);
                    (vs.remove(0), stop, None)
                }
                _ => {
                    let step = vs.remove(2);
                    let stop = vs.remove(1);
                    (vs.remove(0), stop, Some(step))
                }
            };
            let step = match step {
                Some(s) => s,
                None => e.constant(Const::Int(1), Type::PY_INT)?,
            };
            make_tuple(e, vec![start, stop, step])
        }
        Builtin::Len => {
            arity(e, "len", n, 1, 1)?;
            super::arrays::len(e, args.into_iter().next().expect("arity"))
        }
        Builtin::Divmod => {
            arity(e, "divmod", n, 2, 2)?;
            let mut it = args.into_iter();
            let (a, b) = (it.next().expect("2"), it.next().expect("2"));
            let q = binary(e, BinOp::FloorDiv, a.clone(), b.clone())?;
            let r = binary(e, BinOp::Mod, a, b)?;
            make_tuple(e, vec![q, r])
        }
        Builtin::Pow => {
            if n == 3 {
                return Err(e.unsupported("pow() with a modulus is not supported in kernels"));
            }
            arity(e, "pow", n, 2, 2)?;
            let mut it = args.into_iter();
            binary(e, BinOp::Pow, it.next().expect("2"), it.next().expect("2"))
        }
    }
}

/// NumPy's loop type for a float function: ints and bools go to the
/// smallest float that holds them, floats and complex stay.
fn float_loop(t: Scalar) -> Scalar {
    match t.kind() {
        Kind::Bool | Kind::Int => min_float_for(t),
        _ => t,
    }
}

fn math<E: Emit>(
    e: &mut E,
    f: MathFn,
    flavour: Flavour,
    args: Vec<E::V>,
    callee: Callee,
) -> Result<E::V> {
    let name = callee.describe();
    let two_arg_log = matches!(f, MathFn::Log) && flavour != Flavour::Numpy && args.len() == 2;
    if !two_arg_log {
        arity(e, &name, args.len(), f.arity(), f.arity())?;
    }
    if two_arg_log {
        // math.log(x, base) == log(x) / log(base)
        let mut it = args.into_iter();
        let (x, base) = (it.next().expect("2"), it.next().expect("2"));
        let lx = math(e, f, flavour, vec![x], callee)?;
        let lb = math(e, f, flavour, vec![base], callee)?;
        return binary(e, BinOp::TrueDiv, lx, lb);
    }
    match flavour {
        Flavour::Math => {
            for a in &args {
                let t = e.ty(a);
                if t.kind() == Some(Kind::Complex) {
                    return Err(e.error(format!(
                        "{name}() does not accept complex numbers (got {t}); use cmath or numpy"
                    )));
                }
                real_scalar(e, &name, a)?;
            }
            if matches!(f, MathFn::Floor | MathFn::Ceil | MathFn::Trunc) {
                let x = args.into_iter().next().expect("arity");
                let t = e.ty(&x);
                if f == MathFn::Trunc && !(t.is_weak() || t == Type::F64) {
                    // Python: only float, int and np.float64 define __trunc__.
                    return Err(e.error(format!(
                        "math.trunc() is not defined for numpy.{t} scalars (they have no __trunc__); use np.trunc(x) or int(x)"
                    )));
                }
                if e.ty(&x).kind() <= Some(Kind::Int) {
                    return cast(e, x, &Type::PY_INT);
                }
                let x = cast(e, x, &Type::PY_FLOAT)?;
                let r = e.emit(Op::Math(f), vec![x], Type::PY_FLOAT)?;
                return cast(e, r, &Type::PY_INT);
            }
            let mut vs = vec![];
            for a in args {
                vs.push(cast(e, a, &Type::PY_FLOAT)?);
            }
            let rt = if f.is_predicate() {
                Type::PY_BOOL
            } else {
                Type::PY_FLOAT
            };
            e.emit(Op::Math(f), vs, rt)
        }
        Flavour::Cmath => {
            let ct = Type::Weak(Weak::Complex);
            let mut vs = vec![];
            for a in args {
                scalar(e, &name, &a)?;
                vs.push(cast(e, a, &ct)?);
            }
            let rt = match f {
                MathFn::Phase => Type::PY_FLOAT,
                f if f.is_predicate() => Type::PY_BOOL,
                _ => ct,
            };
            e.emit(Op::Math(f), vs, rt)
        }
        Flavour::Numpy => numpy_math(e, f, &name, args),
        Flavour::Method => {
            // x.conjugate(): the scalar itself for real types (a bool stays
            // a bool), the conjugate for complex ones.
            let x = args.into_iter().next().expect("arity");
            let t = scalar(e, &name, &x)?;
            if t.kind() == Some(Kind::Complex) {
                e.emit(Op::Math(f), vec![x], t)
            } else {
                Ok(x)
            }
        }
    }
}

fn numpy_math<E: Emit>(e: &mut E, f: MathFn, name: &str, args: Vec<E::V>) -> Result<E::V> {
    // NumPy functions see NumPy scalars: Python scalars become their default
    // dtype, except when meeting a NumPy scalar (NEP 50).
    let mut t = scalar(e, name, &args[0])?;
    for a in &args[1..] {
        let ta = scalar(e, name, a)?;
        t = promote(&t, &ta).expect("scalars");
    }
    let Some(Type::Scalar(s)) = Some(t.strong()) else {
        unreachable!("strong scalar")
    };
    let st = Type::Scalar(s);
    let not_for = |e: &E, what: &str| -> crate::error::CompileError {
        e.error(format!(
            "{name}() is not supported for {what} arguments (got {s})"
        ))
    };
    if f == MathFn::Pow {
        let mut it = args.into_iter();
        let a = it.next().expect("2");
        let b = it.next().expect("2");
        let a = cast(e, a, &st)?;
        let b = cast(e, b, &st)?;
        return binary(e, BinOp::Pow, a, b);
    }
    let bool_to_i8 = |s: Scalar| if s == Scalar::Bool { Scalar::I8 } else { s };
    let x = args[0].clone();
    match f {
        MathFn::Floor | MathFn::Ceil | MathFn::Trunc => {
            if s.is_complex() {
                return Err(not_for(e, "complex"));
            }
            let x = cast(e, x, &st)?;
            if s.kind() <= Kind::Int {
                Ok(x)
            } else {
                e.emit(Op::Math(f), vec![x], st)
            }
        }
        MathFn::Abs => {
            let x = cast(e, x, &st)?;
            abs_value(e, x)
        }
        MathFn::Sign => {
            if s == Scalar::Bool {
                return Err(not_for(e, "bool"));
            }
            let x = cast(e, x, &st)?;
            if s.is_int() {
                // (x > 0) - (x < 0)
                let z = zero(e, &st)?;
                let pos = compare(e, CmpOp::Gt, x.clone(), z.clone())?;
                let neg = compare(e, CmpOp::Lt, x, z)?;
                let pos = cast(e, pos, &st)?;
                let neg = cast(e, neg, &st)?;
                e.emit(Op::Binary(BinOp::Sub), vec![pos, neg], st)
            } else {
                e.emit(Op::Math(f), vec![x], st)
            }
        }
        MathFn::Square => {
            let t = Type::Scalar(bool_to_i8(s));
            let x = cast(e, x, &t)?;
            e.emit(Op::Binary(BinOp::Mul), vec![x.clone(), x], t)
        }
        MathFn::Reciprocal | MathFn::Conj => {
            let t = Type::Scalar(bool_to_i8(s));
            let x = cast(e, x, &t)?;
            if f == MathFn::Conj && !s.is_complex() {
                return Ok(x);
            }
            e.emit(Op::Math(f), vec![x], t)
        }
        MathFn::Real | MathFn::Imag => {
            let x = cast(e, x, &st)?;
            if s.is_complex() {
                e.emit(Op::Math(f), vec![x], Type::Scalar(s.component()))
            } else if f == MathFn::Real {
                Ok(x)
            } else {
                zero(e, &st)
            }
        }
        MathFn::Phase => {
            if s.is_complex() {
                let x = cast(e, x, &st)?;
                e.emit(Op::Math(f), vec![x], Type::Scalar(s.component()))
            } else {
                let ft = Type::Scalar(if s == Scalar::Bool {
                    Scalar::F64
                } else {
                    float_loop(s)
                });
                let x = cast(e, x, &ft)?;
                e.emit(Op::Math(f), vec![x], ft)
            }
        }
        MathFn::IsNan | MathFn::IsInf | MathFn::IsFinite => {
            if s.kind() <= Kind::Int {
                return e.constant(Const::Bool(f == MathFn::IsFinite), Type::BOOL);
            }
            let x = cast(e, x, &st)?;
            e.emit(Op::Math(f), vec![x], Type::BOOL)
        }
        MathFn::Maximum | MathFn::Minimum | MathFn::Fmax | MathFn::Fmin => {
            let mut vs = vec![];
            for a in args {
                vs.push(cast(e, a, &st)?);
            }
            e.emit(Op::Math(f), vs, st)
        }
        MathFn::Fmod => {
            if s.is_complex() {
                return Err(not_for(e, "complex"));
            }
            let t = Type::Scalar(bool_to_i8(s));
            let mut vs = vec![];
            for a in args {
                vs.push(cast(e, a, &t)?);
            }
            e.emit(Op::Math(f), vs, t)
        }
        _ => {
            // Float functions: NumPy's loop for ints is the smallest float
            // that holds them; complex only where NumPy has a complex loop.
            let ft = float_loop(s);
            if ft.is_complex() && !f.takes_complex() {
                return Err(not_for(e, "complex"));
            }
            let t = Type::Scalar(ft);
            let mut vs = vec![];
            for a in args {
                vs.push(cast(e, a, &t)?);
            }
            e.emit(Op::Math(f), vs, t)
        }
    }
}

/// `np.float32(x)`, `np.int8(x)`, `np.complex64(re, im)`, `np.bool_(x)`.
fn dtype<E: Emit>(e: &mut E, s: Scalar, args: Vec<E::V>) -> Result<E::V> {
    let t = Type::Scalar(s);
    let name = format!("numpy.{s}");
    let max = if s.is_complex() { 2 } else { 1 };
    arity(e, &name, args.len(), 0, max)?;
    let mut it = args.into_iter();
    let Some(x) = it.next() else {
        return zero(e, &t);
    };
    let xt = scalar(e, &name, &x)?;
    if let Some(im) = it.next() {
        real_scalar(e, &name, &x)?;
        real_scalar(e, &name, &im)?;
        let ct = Type::Scalar(s.component());
        let re = cast(e, x, &ct)?;
        let im = cast(e, im, &ct)?;
        return e.emit(Op::MakeComplex, vec![re, im], t);
    }
    if xt.kind() == Some(Kind::Complex) && !s.is_complex() {
        return Err(e.error(format!(
            "{name}() of a complex value would discard the imaginary part; use .real"
        )));
    }
    if s == Scalar::Bool {
        let b = truth(e, x)?;
        return cast(e, b, &t);
    }
    cast(e, x, &t)
}

/// A C function called with `args`: each converted to its parameter's C
/// type as ctypes converts Python numbers (an int for a `double`; a float
/// for an integer parameter is ctypes' TypeError, so a compile error); the
/// result a Python number, as ctypes and cffi return it.
fn c_call<E: Emit>(e: &mut E, r: crate::builtins::CFuncRef, args: Vec<E::V>) -> Result<E::V> {
    let c = crate::builtins::c_functions::get(r);
    arity(e, &c.name, args.len(), c.params.len(), c.params.len())?;
    let mut converted = vec![];
    for (k, (a, p)) in args.into_iter().zip(&c.params).enumerate() {
        let t = e.ty(&a);
        let ok = match t.kind() {
            Some(Kind::Complex) | None => false,
            Some(Kind::Float) => p.is_float(),
            Some(_) => true,
        };
        if !ok {
            return Err(e.error(format!(
                "argument {} of C function {}() is a C {}, which a value of type {t} cannot be passed as",
                k + 1,
                c.name,
                p.name()
            )));
        }
        converted.push(cast(e, a, &Type::Scalar(*p))?);
    }
    let Some(ret) = c.ret else {
        return e.emit(Op::CallC(r), converted, Type::NoneType);
    };
    let v = e.emit(Op::CallC(r), converted, Type::Scalar(ret))?;
    cast(e, v, &Type::Weak(Weak::of_kind(ret.kind())))
}
