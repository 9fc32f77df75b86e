//! Values known from their types alone: dtypes (`a.dtype`, `np.float32`
//! used as a value), strings (`"f"`, a global string), and `np.finfo(t)` /
//! `np.iinfo(t)`. Their attributes are constants, comparisons between them
//! are decided here, so the branch a dtype test guards is pruned before the
//! other side is typed (`if out.dtype.kind == "f": ... else: ...`), and
//! `a.dtype.type(x)` converts as `np.float32(x)` does.

use super::emit::Emit;
use super::rules::{binary, cast, compare, truth};
use crate::error::Result;
use crate::ir::{ArrayOp, Op};
use crate::syntax::{BinOp, CmpOp, Const};
use crate::types::{intern, Scalar, Type};

/// Whether values of type `t` are only known from the type.
fn is_static(t: &Type) -> bool {
    matches!(t, Type::Str(_) | Type::DType(_) | Type::Info(_))
}

fn str_const<E: Emit>(e: &mut E, text: &str) -> Result<E::V> {
    e.constant(Const::None, Type::Str(intern(text)))
}

fn int_const<E: Emit>(e: &mut E, v: i128) -> Result<E::V> {
    if v > i64::MAX as i128 {
        // (a Python int is stored as int64: `np.iinfo(np.uint64).max`)
        e.constant(Const::Int(v), Type::Scalar(Scalar::U64))
    } else {
        e.constant(Const::Int(v), Type::PY_INT)
    }
}

/// `value.name` for attributes `Attr` does not name: of a dtype, of
/// `np.finfo`/`np.iinfo`, and `itemsize`/`nbytes` of numbers and arrays.
pub fn named_attr<E: Emit>(e: &mut E, name: &'static str, v: E::V) -> Result<E::V> {
    let t = e.ty(&v);
    let unsupported =
        |e: &E| e.unsupported(format!("attribute '.{name}' is not supported in kernels"));
    match &t {
        Type::DType(s) => dtype_attr(e, *s, name).unwrap_or_else(|| Err(unsupported(e))),
        Type::Info(s) if s.is_int() => {
            iinfo_attr(e, *s, name).unwrap_or_else(|| Err(unsupported(e)))
        }
        Type::Info(s) => finfo_attr(e, *s, name).unwrap_or_else(|| Err(unsupported(e))),
        Type::Scalar(s) if matches!(name, "itemsize" | "nbytes") => {
            int_const(e, s.itemsize() as i128)
        }
        Type::Array(a) if name == "itemsize" => int_const(e, a.dtype.itemsize() as i128),
        // `for x in a.flat`, `a.flat[i]`: the elements in C order. A 1-d
        // array is its own flat sequence and a C-contiguous one has a flat
        // view (writes go through); any other gives a read-only copy
        // (`a.flat[i] = v` there is refused, never lost).
        Type::Array(a) if name == "flat" => {
            if a.ndim == 1 {
                return Ok(v);
            }
            let flat = super::array_calls::array_call(
                e,
                crate::builtins::ArrayFn::Ravel,
                crate::builtins::DtypeArg::Default,
                vec![v],
            )?;
            match e.ty(&flat) {
                Type::Array(mut f) if a.layout != crate::types::Layout::C => {
                    f.readonly = true;
                    cast(e, flat, &Type::Array(f))
                }
                _ => Ok(flat),
            }
        }
        Type::Array(a) if name == "nbytes" => {
            let size = e.emit(Op::Array(ArrayOp::Size), vec![v], Type::PY_INT)?;
            let item = int_const(e, a.dtype.itemsize() as i128)?;
            binary(e, BinOp::Mul, size, item)
        }
        _ => Err(unsupported(e)),
    }
}

fn dtype_attr<E: Emit>(e: &mut E, s: Scalar, name: &str) -> Option<Result<E::V>> {
    Some(match name {
        "kind" => str_const(e, &s.kind_char().to_string()),
        "char" => str_const(e, &s.char_code().to_string()),
        "name" => str_const(e, s.name()),
        "str" => str_const(e, &s.dtype_str()),
        "byteorder" => str_const(e, if s.itemsize() == 1 { "|" } else { "=" }),
        "itemsize" => int_const(e, s.itemsize() as i128),
        "num" => int_const(e, s.typenum() as i128),
        "isnative" => e.constant(Const::Bool(true), Type::PY_BOOL),
        // The scalar type, as a value (`a.dtype.type(0)`): the same here.
        "type" => e.constant(Const::None, Type::DType(s)),
        _ => return None,
    })
}

fn iinfo_attr<E: Emit>(e: &mut E, s: Scalar, name: &str) -> Option<Result<E::V>> {
    let (lo, hi) = s.int_range();
    Some(match name {
        "min" => int_const(e, lo),
        "max" => int_const(e, hi),
        "bits" => int_const(e, s.bits() as i128),
        "kind" => str_const(e, &s.kind_char().to_string()),
        "dtype" => e.constant(Const::None, Type::DType(s)),
        _ => return None,
    })
}

/// NumPy's `np.finfo` of float type `s`: (eps, epsneg, max, tiny,
/// smallest_subnormal, resolution) and (bits, precision, maxexp, minexp,
/// nmant, nexp, machep, negep).
fn finfo_table(s: Scalar) -> ([f64; 6], [i128; 8]) {
    match s {
        Scalar::F16 => (
            [
                2f64.powi(-10),
                2f64.powi(-11),
                65504.0,
                2f64.powi(-14),
                2f64.powi(-24),
                1e-3,
            ],
            [16, 3, 16, -14, 10, 5, -10, -11],
        ),
        Scalar::F32 => (
            [
                2f64.powi(-23),
                2f64.powi(-24),
                f32::MAX as f64,
                2f64.powi(-126),
                2f64.powi(-149),
                1e-6,
            ],
            [32, 6, 128, -126, 23, 8, -23, -24],
        ),
        _ => (
            [
                f64::EPSILON,
                2f64.powi(-53),
                f64::MAX,
                f64::MIN_POSITIVE,
                2f64.powi(-1074),
                1e-15,
            ],
            [64, 15, 1024, -1022, 52, 11, -52, -53],
        ),
    }
}

fn finfo_attr<E: Emit>(e: &mut E, s: Scalar, name: &str) -> Option<Result<E::V>> {
    let ([eps, epsneg, max, tiny, subnormal, resolution], ints) = finfo_table(s);
    let float = |e: &mut E, x: f64| e.constant(Const::Float(x), Type::Scalar(s));
    let int_names = [
        "bits",
        "precision",
        "maxexp",
        "minexp",
        "nmant",
        "nexp",
        "machep",
        "negep",
    ];
    if let Some(k) = int_names.iter().position(|n| *n == name) {
        return Some(int_const(e, ints[k]));
    }
    Some(match name {
        "eps" => float(e, eps),
        "epsneg" => float(e, epsneg),
        "max" => float(e, max),
        "min" => float(e, -max),
        "tiny" | "smallest_normal" => float(e, tiny),
        "smallest_subnormal" => float(e, subnormal),
        "resolution" => float(e, resolution),
        "iexp" => int_const(e, ints[5]),
        "dtype" => e.constant(Const::None, Type::DType(s)),
        _ => return None,
    })
}

/// The dtype a value names, as NumPy's `np.dtype(v)` reads it: a dtype or
/// scalar type, a dtype string, or a number (its own type).
fn dtype_of(t: &Type) -> Option<Scalar> {
    match t {
        Type::DType(s) => Some(*s),
        Type::Str(text) => Scalar::from_numpy_string(text),
        Type::Scalar(s) => Some(*s),
        Type::Weak(w) => Some(w.default_scalar()),
        _ => None,
    }
}

/// `np.dtype(t)` of a dtype, scalar type or dtype string (`float`, `int`,
/// `complex` and `bool` are Python's types, as NumPy reads them).
pub fn dtype_call<E: Emit>(e: &mut E, args: Vec<E::V>) -> Result<E::V> {
    if args.len() != 1 {
        return Err(e.error(format!(
            "numpy.dtype() takes 1 argument here ({} given)",
            args.len()
        )));
    }
    let t = e.ty(&args[0]);
    let s = match &t {
        Type::DType(s) => Some(*s),
        Type::Str(text) => Scalar::from_numpy_string(text),
        _ => None,
    };
    let Some(s) = s else {
        return Err(e.error(format!(
            "numpy.dtype() takes a dtype, a NumPy scalar type or a dtype string known when compiling, not a value of type {t}"
        )));
    };
    e.constant(Const::None, Type::DType(s))
}

/// `np.finfo(t)` (`int_info` false) and `np.iinfo(t)`.
pub fn info<E: Emit>(e: &mut E, int_info: bool, args: Vec<E::V>) -> Result<E::V> {
    let name = if int_info {
        "numpy.iinfo"
    } else {
        "numpy.finfo"
    };
    if args.len() != 1 {
        return Err(e.error(format!("{name}() takes 1 argument ({} given)", args.len())));
    }
    let t = e.ty(&args[0]);
    let Some(s) = dtype_of(&t) else {
        return Err(e.error(format!(
            "{name}() takes a dtype, a NumPy scalar type, a dtype string or a number known when compiling, not a value of type {t}"
        )));
    };
    if int_info && !s.is_int() {
        return Err(e.error(format!("Invalid integer data type '{}'.", s.kind_char())));
    }
    if !(int_info || s.is_float() || s.is_complex()) {
        return Err(e.error(format!("data type {} not inexact", s.name())));
    }
    e.constant(Const::None, Type::Info(s.component()))
}

/// A comparison with a value known from its type on either side, decided
/// now; `None` when neither side is one (and for `in`, see `contains`).
pub fn compare_static<E: Emit>(e: &mut E, op: CmpOp, a: &E::V, b: &E::V) -> Result<Option<E::V>> {
    let (ta, tb) = (e.ty(a), e.ty(b));
    if !is_static(&ta) && !is_static(&tb) {
        return Ok(None);
    }
    let same = match (&ta, &tb) {
        (Type::Str(x), Type::Str(y)) => Some(x == y),
        // `a.dtype == np.float64`, `a.dtype == "float64"` (NumPy reads the
        // string as a dtype; one it cannot read is unequal).
        (Type::DType(x), Type::DType(y)) => Some(x == y),
        (Type::DType(x), Type::Str(text)) | (Type::Str(text), Type::DType(x)) => {
            Some(Scalar::from_numpy_string(text) == Some(*x))
        }
        (Type::Info(x), Type::Info(y)) => Some(x == y),
        _ => None,
    };
    let r = match (op, same) {
        (CmpOp::Eq, Some(s)) => s,
        (CmpOp::Ne, Some(s)) => !s,
        // A string or dtype is never None, nor a number.
        (CmpOp::Eq | CmpOp::Is, None) => false,
        (CmpOp::Ne | CmpOp::IsNot, None) => true,
        (CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge, _) => match (&ta, &tb) {
            (Type::Str(x), Type::Str(y)) => match op {
                CmpOp::Lt => x < y,
                CmpOp::Le => x <= y,
                CmpOp::Gt => x > y,
                _ => x >= y,
            },
            _ => {
                return Err(e.error(format!(
                    "'{}' is not supported between '{ta}' and '{tb}'",
                    op.symbol()
                )))
            }
        },
        (CmpOp::Is | CmpOp::IsNot, Some(_)) => {
            return Err(e.unsupported(format!(
                "'{}' between values known when compiling is not supported; compare them with == and !=",
                op.symbol()
            )))
        }
        (CmpOp::In | CmpOp::NotIn, _) => return Ok(None),
    };
    Ok(Some(e.constant(Const::Bool(r), Type::PY_BOOL)?))
}

/// `a in b` and `a not in b`: a substring of a string known when
/// compiling, or an item of a tuple (each item compared with `==`, as
/// Python does; decided now when the values are known from their types).
pub fn contains<E: Emit>(e: &mut E, op: CmpOp, a: E::V, b: E::V) -> Result<E::V> {
    let negate = op == CmpOp::NotIn;
    let (ta, tb) = (e.ty(&a), e.ty(&b));
    let found = match (&ta, &tb) {
        (Type::Str(x), Type::Str(y)) => e.constant(Const::Bool(y.contains(x)), Type::PY_BOOL)?,
        (_, Type::Dict(..)) => super::dicts::contains(e, b, a)?,
        (_, Type::List(_)) => super::lists::contains(e, b, a)?,
        (_, Type::Tuple(items)) => {
            let n = items.len();
            let mut found = e.constant(Const::Bool(false), Type::PY_BOOL)?;
            for k in 0..n {
                let item = super::rules::tuple_get(e, b.clone(), k as i128)?;
                let eq = compare(e, CmpOp::Eq, a.clone(), item)?;
                let eq = truth(e, eq)?;
                let eq = cast(e, eq, &Type::PY_BOOL)?;
                found = match (e.konst(&found), e.konst(&eq)) {
                    (Some(Const::Bool(true)), _) => found,
                    (Some(Const::Bool(false)), _) => eq,
                    (_, Some(Const::Bool(true))) => eq,
                    (_, Some(Const::Bool(false))) => found,
                    _ => e.emit(Op::Binary(BinOp::BitOr), vec![found, eq], Type::PY_BOOL)?,
                };
            }
            found
        }
        _ => {
            return Err(e.unsupported(format!(
                "'{}' is supported with a tuple on the right (x in (1, 2)) or between strings, not between '{ta}' and '{tb}'",
                op.symbol()
            )))
        }
    };
    if !negate {
        return Ok(found);
    }
    match e.konst(&found) {
        Some(Const::Bool(x)) => e.constant(Const::Bool(!x), Type::PY_BOOL),
        _ => e.emit(
            Op::Unary(crate::syntax::UnaryOp::Not),
            vec![found],
            Type::PY_BOOL,
        ),
    }
}

/// The truth of a value known from its type: a string is true unless
/// empty; a dtype or an `np.finfo` object is always true.
pub fn static_truth<E: Emit>(e: &mut E, t: &Type) -> Option<Result<E::V>> {
    let value = match t {
        Type::Str(text) => !text.is_empty(),
        Type::DType(_) | Type::Info(_) => true,
        _ => return None,
    };
    Some(e.constant(Const::Bool(value), Type::PY_BOOL))
}
