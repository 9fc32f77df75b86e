//! NumPy 2 type promotion (`np.result_type`) and casting rules (`np.can_cast`),
//! including NEP 50 weak Python scalars.
//!
//! These functions are pure tables; `tests/types/test_promotion.py` checks
//! them against the running NumPy for every pair of types.

use super::scalar::{Kind, Scalar};
use super::ty::{Type, Weak};

/// The smallest float type that holds every value of `s` safely
/// (bool and 8-bit ints -> float16, 16-bit -> float32, wider -> float64).
pub fn min_float_for(s: Scalar) -> Scalar {
    use Scalar::*;
    match s {
        Bool | I8 | U8 => F16,
        I16 | U16 => F32,
        I32 | U32 | I64 | U64 => F64,
        F16 | F32 | F64 => s,
        C64 => F32,
        C128 => F64,
    }
}

/// The smallest complex type that holds every value of `s` safely.
pub fn min_complex_for(s: Scalar) -> Scalar {
    if s.is_complex() {
        s
    } else {
        min_float_for(s).complex_of()
    }
}

/// `np.result_type` of two NumPy scalar types.
pub fn promote_scalars(a: Scalar, b: Scalar) -> Scalar {
    use Scalar::*;
    if a == b {
        return a;
    }
    let (ka, kb) = (a.kind(), b.kind());
    if ka == Kind::Bool {
        return b;
    }
    if kb == Kind::Bool {
        return a;
    }
    match (ka, kb) {
        (Kind::Int, Kind::Int) => {
            if a.is_signed() == b.is_signed() {
                if a.itemsize() >= b.itemsize() {
                    a
                } else {
                    b
                }
            } else {
                let (s, u) = if a.is_signed() { (a, b) } else { (b, a) };
                if s.itemsize() > u.itemsize() {
                    s
                } else {
                    Scalar::int_of_bits(u.bits() * 2, true).unwrap_or(F64)
                }
            }
        }
        (Kind::Float, Kind::Float) | (Kind::Complex, Kind::Complex) => {
            if a.itemsize() >= b.itemsize() {
                a
            } else {
                b
            }
        }
        (Kind::Int, Kind::Float) => wider_float(min_float_for(a), b),
        (Kind::Float, Kind::Int) => wider_float(a, min_float_for(b)),
        (Kind::Complex, _) => wider_complex(a, min_complex_for(b)),
        (_, Kind::Complex) => wider_complex(min_complex_for(a), b),
        _ => unreachable!("bool handled above"),
    }
}

fn wider_float(a: Scalar, b: Scalar) -> Scalar {
    if a.itemsize() >= b.itemsize() {
        a
    } else {
        b
    }
}

fn wider_complex(a: Scalar, b: Scalar) -> Scalar {
    if a == Scalar::C128 || b == Scalar::C128 {
        Scalar::C128
    } else {
        Scalar::C64
    }
}

/// NEP 50: a Python scalar of kind `w` meeting the NumPy type `s`.
pub fn promote_weak_with(w: Weak, s: Scalar) -> Scalar {
    if w.kind() <= s.kind() {
        // The weak value adopts the strong type when its kind fits.
        s
    } else {
        match w {
            Weak::Bool => s,
            Weak::Int => Scalar::I64,
            Weak::Float => Scalar::F64,
            Weak::Complex if s.is_float() => s.complex_of(),
            Weak::Complex => Scalar::C128,
        }
    }
}

/// Promotion of two values' types as NumPy does it for a binary operation
/// (weak scalars per NEP 50). Two weak types stay weak (Python semantics).
/// Returns `None` for non-scalar types.
pub fn promote(a: &Type, b: &Type) -> Option<Type> {
    Some(match (a, b) {
        (Type::Scalar(x), Type::Scalar(y)) => Type::Scalar(promote_scalars(*x, *y)),
        (Type::Weak(w), Type::Scalar(s)) | (Type::Scalar(s), Type::Weak(w)) => {
            Type::Scalar(promote_weak_with(*w, *s))
        }
        (Type::Weak(x), Type::Weak(y)) => Type::Weak((*x).max(*y)),
        _ => return None,
    })
}

/// The type a variable gets where paths with types `a` and `b` meet.
/// `Unknown` (a path where the variable is unassigned) joins as identity.
pub fn join(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Unknown, t) | (t, Type::Unknown) => Some(t.clone()),
        (x, y) if x == y => Some(x.clone()),
        // A list or dict literal whose item types typing has not found yet
        // (`Item::pending`) takes the other side's.
        (Type::List(x), Type::List(_)) | (Type::Dict(_, x), Type::Dict(..)) if x.is_pending() => {
            Some(b.clone())
        }
        (Type::List(_), Type::List(y)) | (Type::Dict(_, y), Type::Dict(..)) if y.is_pending() => {
            Some(a.clone())
        }
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Some(Type::Tuple(
            xs.iter()
                .zip(ys)
                .map(|(x, y)| join(x, y))
                .collect::<Option<Vec<_>>>()?,
        )),
        (Type::Array(x), Type::Array(y)) if x.dtype == y.dtype && x.ndim == y.ndim => {
            let mut t = *x;
            t.readonly = x.readonly || y.readonly;
            if x.layout != y.layout {
                t.layout = super::ty::Layout::Any;
            }
            // An argument on one path and a new array on another: counted
            // (counting a borrowed view's reference does nothing).
            if x.memory != y.memory {
                t.memory = super::ty::Memory::Owned;
            }
            Some(Type::Array(t))
        }
        _ => promote(a, b),
    }
}

/// Casting levels, as `np.can_cast(from, to, casting)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Casting {
    Safe,
    SameKind,
}

/// Order of kinds for `same_kind` casting: bool < unsigned < signed < float < complex.
fn same_kind_rank(s: Scalar) -> u8 {
    match s.kind() {
        Kind::Bool => 0,
        Kind::Int if s.is_unsigned() => 1,
        Kind::Int => 2,
        Kind::Float => 3,
        Kind::Complex => 4,
    }
}

pub fn can_cast_scalar(from: Scalar, to: Scalar, casting: Casting) -> bool {
    if from == to || promote_scalars(from, to) == to {
        return true;
    }
    match casting {
        Casting::Safe => false,
        Casting::SameKind => same_kind_rank(from) <= same_kind_rank(to),
    }
}

/// Whether a value of type `from` may be stored as `to` (a ufunc output or
/// a typed variable) at the given casting level. Weak values cast by kind.
pub fn can_cast(from: &Type, to: Scalar, casting: Casting) -> bool {
    match from {
        Type::Scalar(s) => can_cast_scalar(*s, to, casting),
        Type::Weak(w) => w.kind() <= to.kind(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Scalar::*;

    #[test]
    fn mixed_sign_ints_widen_or_go_to_float() {
        assert_eq!(promote_scalars(U8, I8), I16);
        assert_eq!(promote_scalars(U32, I64), I64);
        assert_eq!(promote_scalars(U64, I64), F64);
        assert_eq!(promote_scalars(I16, F16), F32);
        assert_eq!(promote_scalars(I32, C64), C128);
        assert_eq!(promote_scalars(F16, C64), C64);
    }

    #[test]
    fn weak_scalars_follow_nep50() {
        assert_eq!(promote_weak_with(Weak::Int, I8), I8);
        assert_eq!(promote_weak_with(Weak::Int, Bool), I64);
        assert_eq!(promote_weak_with(Weak::Float, I8), F64);
        assert_eq!(promote_weak_with(Weak::Float, F16), F16);
        assert_eq!(promote_weak_with(Weak::Complex, F16), C64);
        assert_eq!(promote_weak_with(Weak::Complex, F64), C128);
        assert_eq!(promote_weak_with(Weak::Complex, I8), C128);
        assert_eq!(promote_weak_with(Weak::Bool, I8), I8);
    }

    #[test]
    fn same_kind_allows_unsigned_to_signed_only() {
        assert!(can_cast_scalar(U64, I8, Casting::SameKind));
        assert!(!can_cast_scalar(I64, U8, Casting::SameKind));
        assert!(!can_cast_scalar(F64, I64, Casting::SameKind));
        assert!(can_cast_scalar(I64, F16, Casting::SameKind));
        assert!(!can_cast_scalar(I64, F16, Casting::Safe));
        assert!(can_cast_scalar(I64, F64, Casting::Safe));
    }
}
