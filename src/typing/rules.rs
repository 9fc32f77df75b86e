//! Typing rules for operators, conversions, attributes, tuples and items.
//!
//! The reference semantics: a kernel computes what the Python function
//! computes when called with NumPy scalars. So NumPy scalars promote as
//! `np.result_type` does, Python literals are weak (NEP 50), operations on
//! two Python scalars follow Python (`True + True` is `2`, `1 / 2` is
//! `0.5`), and NumPy's quirks are kept (`np.True_ + np.True_` is `True`,
//! `np.True_ - np.True_` is an error, `np.int8 // np.int8` is int8).

use super::elementwise::{any_array, elementwise, ElemNode};
use super::emit::Emit;
use crate::error::Result;
use crate::ir::{Attr, Op, RangeOp};
use crate::syntax::{BinOp, CmpOp, Const, UnaryOp};
use crate::types::{promote, Kind, Scalar, Type, Weak};

/// Converts `v` to type `to` (no-op if it already has it).
pub fn cast<E: Emit>(e: &mut E, v: E::V, to: &Type) -> Result<E::V> {
    let from = e.ty(&v);
    if &from == to {
        return Ok(v);
    }
    if let Some(s) = to.storage().filter(|s| s.is_int()) {
        check_int_literal(e, &v, if to.is_weak() { Scalar::I64 } else { s })?;
    }
    match (&from, to) {
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => {
            let mut items = vec![];
            for (i, y) in ys.iter().enumerate() {
                let item = e.emit(Op::TupleGet(i as u32), vec![v.clone()], xs[i].clone())?;
                items.push(cast(e, item, y)?);
            }
            e.emit(Op::MakeTuple, items, to.clone())
        }
        (f, t) if f.is_scalar() && t.is_scalar() => e.emit(Op::Cast, vec![v], to.clone()),
        (Type::Array(f), Type::Array(t)) if crate::types::ty::view_converts(f, t) => {
            e.emit(Op::Cast, vec![v], to.clone())
        }
        _ => Err(e.error(format!("cannot convert a value of type {from} to {to}"))),
    }
}

/// A zero (or False) of a scalar type; tuples of zeros for tuple types.
pub fn zero<E: Emit>(e: &mut E, ty: &Type) -> Result<E::V> {
    match ty {
        Type::Tuple(items) => {
            let vs = items
                .iter()
                .map(|t| zero(e, t))
                .collect::<Result<Vec<_>>>()?;
            e.emit(Op::MakeTuple, vs, ty.clone())
        }
        t => {
            let c = match t.kind() {
                Some(Kind::Bool) => Const::Bool(false),
                Some(Kind::Int) => Const::Int(0),
                Some(Kind::Float) => Const::Float(0.0),
                Some(Kind::Complex) => Const::Complex(0.0, 0.0),
                None => return Err(e.error(format!("no zero value for type {t}"))),
            };
            e.constant(c, t.clone())
        }
    }
}

fn scalar_operands<E: Emit>(e: &E, what: &str, a: &Type, b: &Type) -> Result<()> {
    if a.is_scalar() && b.is_scalar() {
        Ok(())
    } else if matches!(a, Type::Str(_)) || matches!(b, Type::Str(_)) {
        Err(e.unsupported(format!(
            "'{what}' of a string: kernels support strings only as constants compared with ==, != and in ('{a}', '{b}')"
        )))
    } else {
        Err(e.error(format!(
            "unsupported operand types for {what}: '{a}' and '{b}'"
        )))
    }
}

/// NumPy raises OverflowError when a Python int literal does not fit the
/// NumPy integer type it meets (`np.int8(1) + 300`); so do we, at compile
/// time.
fn check_int_literal<E: Emit>(e: &E, v: &E::V, target: Scalar) -> Result<()> {
    if !target.is_int() || !e.ty(v).is_weak() {
        return Ok(());
    }
    if let Some(Const::Int(i)) = e.konst(v) {
        let (lo, hi) = target.int_range();
        if i < lo || i > hi {
            return Err(e.error(format!(
                "Python integer {i} out of bounds for {target} (NumPy raises OverflowError here)"
            )));
        }
    }
    Ok(())
}

/// The type a binary arithmetic/bitwise operation works at, or an error.
pub fn binary_type<E: Emit>(e: &E, op: BinOp, a: &E::V, b: &E::V) -> Result<Type> {
    let (ta, tb) = (e.ty(a), e.ty(b));
    scalar_operands(e, op.symbol(), &ta, &tb)?;
    let sym = op.symbol();
    if let (Type::Weak(wa), Type::Weak(wb)) = (&ta, &tb) {
        // Two Python scalars: Python's own rules.
        let k = (*wa).max(*wb);
        use BinOp::*;
        let t = match op {
            Add | Sub | Mul | Pow | FloorDiv | Mod => {
                if k == Weak::Complex && matches!(op, FloorDiv | Mod) {
                    return Err(e.error(format!(
                        "unsupported operand types for {sym}: complex numbers"
                    )));
                }
                if op == Pow && k <= Weak::Int {
                    if let Some(Const::Int(i)) = e.konst(b) {
                        if i < 0 {
                            // 2 ** -1 == 0.5 in Python.
                            return Ok(Type::Weak(Weak::Float));
                        }
                    }
                }
                k.max(Weak::Int)
            }
            TrueDiv => k.max(Weak::Float),
            LShift | RShift => {
                if k > Weak::Int {
                    return Err(e.error(format!("unsupported operand types for {sym}: '{ta}' and '{tb}' (shifts need integers)")));
                }
                Weak::Int
            }
            BitAnd | BitOr | BitXor => {
                if k > Weak::Int {
                    return Err(e.error(format!("unsupported operand types for {sym}: '{ta}' and '{tb}' (bitwise operators need integers or bools)")));
                }
                k
            }
        };
        return Ok(Type::Weak(t));
    }
    let t = match promote(&ta, &tb) {
        Some(Type::Scalar(s)) => s,
        _ => unreachable!("scalar operands promote to a scalar"),
    };
    // True division of integers converts both operands to float64 (a
    // Python int never meets the integer type, so never overflows it).
    if !(op == BinOp::TrueDiv && t.kind() <= Kind::Int) {
        check_int_literal(e, a, t)?;
        check_int_literal(e, b, t)?;
    }
    use BinOp::*;
    let result = match op {
        Add | Mul => t,
        Sub if t == Scalar::Bool => {
            return Err(e.error(
                "numpy boolean subtract, the `-` operator, is not supported; use `^` (bitwise_xor) instead",
            ))
        }
        Sub => t,
        TrueDiv if t.kind() <= Kind::Int => Scalar::F64,
        TrueDiv => t,
        FloorDiv | Mod | Pow if t == Scalar::Bool => Scalar::I8,
        FloorDiv | Mod if t.is_complex() => {
            return Err(e.error(format!(
                "unsupported operand types for {sym}: '{ta}' and '{tb}' (no floor division or modulo for complex numbers)"
            )))
        }
        FloorDiv | Mod | Pow => t,
        LShift | RShift if t == Scalar::Bool => Scalar::I8,
        LShift | RShift | BitAnd | BitOr | BitXor if t.kind() > Kind::Int => {
            let need = if matches!(op, LShift | RShift) {
                "shifts need integers"
            } else {
                "bitwise operators need integers or bools"
            };
            let why = if ta.kind() == Some(Kind::Int) && tb.kind() == Some(Kind::Int) {
                format!("{ta} and {tb} have no common integer type")
            } else {
                need.to_string()
            };
            return Err(e.error(format!(
                "unsupported operand types for {sym}: '{ta}' and '{tb}' ({why})"
            )));
        }
        LShift | RShift | BitAnd | BitOr | BitXor => t,
    };
    Ok(Type::Scalar(result))
}

pub fn binary<E: Emit>(e: &mut E, op: BinOp, a: E::V, b: E::V) -> Result<E::V> {
    if let Some(r) = super::lists::operator(e, op, a.clone(), b.clone(), false)? {
        return Ok(r);
    }
    if any_array(e, &[a.clone(), b.clone()]) {
        return elementwise(e, ElemNode::Binary(op), vec![a, b]);
    }
    if let Some(folded) = fold_python_ints(e, op, &a, &b)? {
        return Ok(folded);
    }
    let t = binary_type(e, op, &a, &b)?;
    if t == Type::PY_INT {
        // Python ints are computed as int64 at run time.
        check_int_literal(e, &a, Scalar::I64)?;
        check_int_literal(e, &b, Scalar::I64)?;
    }
    let a = cast(e, a, &t)?;
    let b = cast(e, b, &t)?;
    e.emit(Op::Binary(op), vec![a, b], t)
}

/// Python evaluates arithmetic on int literals exactly (`10**30`, `1 << 70`),
/// so constant operands are folded exactly here, and a zero divisor is the
/// ZeroDivisionError Python would raise. Results that do not fit where
/// they are used are reported by `check_int_literal` later.
fn fold_python_ints<E: Emit>(e: &mut E, op: BinOp, a: &E::V, b: &E::V) -> Result<Option<E::V>> {
    let weak_int = |t: &Type| matches!(t, Type::Weak(Weak::Int | Weak::Bool));
    if !weak_int(&e.ty(a)) || !weak_int(&e.ty(b)) {
        return Ok(None);
    }
    let (Some(x), Some(y)) = (const_int(e, a), const_int(e, b)) else {
        return Ok(None);
    };
    let too_large = |e: &E| {
        e.error(format!(
            "the integer constant {x} {} {y} is too large",
            op.symbol()
        ))
    };
    use BinOp::*;
    let v = match op {
        Add => x.checked_add(y),
        Sub => x.checked_sub(y),
        Mul => x.checked_mul(y),
        FloorDiv | Mod | TrueDiv if y == 0 => {
            return Err(e.error(format!(
                "{x} {} 0 divides by zero (Python raises ZeroDivisionError)",
                op.symbol()
            )))
        }
        FloorDiv => Some(x.div_euclid(y) - if y < 0 && x.rem_euclid(y) != 0 { 1 } else { 0 }),
        Mod => Some(x - y * (x.div_euclid(y) - if y < 0 && x.rem_euclid(y) != 0 { 1 } else { 0 })),
        TrueDiv => {
            return Ok(Some(
                e.constant(Const::Float(x as f64 / y as f64), Type::PY_FLOAT)?,
            ))
        }
        Pow if y < 0 => {
            return Ok(Some(e.constant(
                Const::Float((x as f64).powi(y as i32)),
                Type::PY_FLOAT,
            )?))
        }
        Pow => u32::try_from(y).ok().and_then(|y| x.checked_pow(y)),
        LShift if y < 0 => return Err(e.error("negative shift count (Python raises ValueError)")),
        LShift => u32::try_from(y)
            .ok()
            .filter(|y| *y < 127)
            .and_then(|y| x.checked_mul(1i128 << y)),
        RShift if y < 0 => return Err(e.error("negative shift count (Python raises ValueError)")),
        RShift => Some(x >> y.min(127)),
        BitAnd => Some(x & y),
        BitOr => Some(x | y),
        BitXor => Some(x ^ y),
    };
    let v = v.ok_or_else(|| too_large(e))?;
    Ok(Some(e.constant(Const::Int(v), Type::PY_INT)?))
}

pub fn compare<E: Emit>(e: &mut E, op: CmpOp, a: E::V, b: E::V) -> Result<E::V> {
    if matches!(op, CmpOp::In | CmpOp::NotIn) {
        return super::statics::contains(e, op, a, b);
    }
    if let Some(r) = super::statics::compare_static(e, op, &a, &b)? {
        return Ok(r);
    }
    let (ta, tb) = (e.ty(&a), e.ty(&b));
    if let Some(same) = none_identity(e, op, &ta, &tb)? {
        return e.constant(Const::Bool(same), Type::PY_BOOL);
    }
    if matches!(op, CmpOp::Eq | CmpOp::Ne) {
        match (&ta, &tb) {
            (Type::List(_), Type::List(_)) => {
                return super::lists::equal(e, op == CmpOp::Eq, a, b);
            }
            (Type::Tuple(_), Type::Tuple(_)) => return tuple_equal(e, op == CmpOp::Eq, a, b),
            _ => {}
        }
    }
    if any_array(e, &[a.clone(), b.clone()]) {
        return elementwise(e, ElemNode::Compare(op), vec![a, b]);
    }
    // Integers known when the function is typed (`a.ndim == 1`, a global
    // constant): the comparison is a constant, so the branch it decides is
    // pruned and the other one need not type (`a[i, j]` of a 1-d array).
    if let (Some(x), Some(y), Type::Weak(_), Type::Weak(_)) =
        (const_int(e, &a), const_int(e, &b), &ta, &tb)
    {
        let r = match op {
            CmpOp::Eq => Some(x == y),
            CmpOp::Ne => Some(x != y),
            CmpOp::Lt => Some(x < y),
            CmpOp::Le => Some(x <= y),
            CmpOp::Gt => Some(x > y),
            CmpOp::Ge => Some(x >= y),
            CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn => None,
        };
        if let Some(r) = r {
            return e.constant(Const::Bool(r), Type::PY_BOOL);
        }
    }
    scalar_operands(e, op.symbol(), &ta, &tb)?;
    if let Some(r) = decided_int_comparison(e, op, &a, &b) {
        return e.constant(Const::Bool(r), Type::BOOL);
    }
    if let Some(r) = uint64_against_python_int(e, op, &a, &b)? {
        return Ok(r);
    }
    let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
    let (t, result) = match (&ta, &tb) {
        (Type::Weak(x), Type::Weak(y)) => {
            let k = (*x).max(*y);
            if k == Weak::Complex && ordering {
                return Err(e.error(format!(
                    "'{}' is not supported between Python complex numbers",
                    op.symbol()
                )));
            }
            (Type::Weak(k), Type::PY_BOOL)
        }
        _ => {
            let t = exact_int_comparison(e, &a, &b)
                .unwrap_or_else(|| promote(&ta, &tb).expect("scalars"));
            (t, Type::BOOL)
        }
    };
    let a = cast(e, a, &t)?;
    let b = cast(e, b, &t)?;
    e.emit(Op::Compare(op), vec![a, b], result)
}

/// `op` with its operands swapped (`a < b` is `b > a`).
fn swapped(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// A NumPy integer compared with a Python int constant outside its type's
/// range: NumPy 2 compares exactly, so the answer is the same for every
/// value (`uint8_x < -1` is False, `int64_x < 2**70` True).
fn decided_int_comparison<E: Emit>(e: &E, op: CmpOp, a: &E::V, b: &E::V) -> Option<bool> {
    let (ta, tb) = (e.ty(a), e.ty(b));
    // `x op k`, with the Python int on the right (flipped when it is left).
    let (k, s, op) = match (&ta, &tb) {
        (Type::Scalar(s), Type::Weak(Weak::Int)) => (e.konst(b)?, *s, op),
        (Type::Weak(Weak::Int), Type::Scalar(s)) => (e.konst(a)?, *s, swapped(op)),
        _ => return None,
    };
    let Const::Int(k) = k else { return None };
    if !s.is_int() {
        return None;
    }
    let (lo, hi) = s.int_range();
    let above = if k > hi {
        true
    } else if k < lo {
        false
    } else {
        return None;
    };
    // Every x is below k (`above`) or above it.
    match op {
        CmpOp::Lt | CmpOp::Le => Some(above),
        CmpOp::Gt | CmpOp::Ge => Some(!above),
        CmpOp::Eq => Some(false),
        CmpOp::Ne => Some(true),
        CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn => None,
    }
}

/// `a == b` and `a != b` of two tuples: Python's (equal lengths and equal
/// items, compared pairwise as `==` compares them); refused when an item
/// comparison is not one truth value (arrays compare elementwise).
fn tuple_equal<E: Emit>(e: &mut E, equal: bool, a: E::V, b: E::V) -> Result<E::V> {
    let (Type::Tuple(xs), Type::Tuple(ys)) = (e.ty(&a), e.ty(&b)) else {
        unreachable!("two tuples")
    };
    let mut all = e.constant(Const::Bool(xs.len() == ys.len()), Type::PY_BOOL)?;
    if xs.len() == ys.len() {
        for (k, (x, y)) in xs.iter().zip(&ys).enumerate().rev() {
            let ak = e.emit(Op::TupleGet(k as u32), vec![a.clone()], x.clone())?;
            let bk = e.emit(Op::TupleGet(k as u32), vec![b.clone()], y.clone())?;
            let same = compare(e, CmpOp::Eq, ak, bk)?;
            if !e.ty(&same).is_scalar() {
                return Err(e.unsupported(format!(
                    "'==' between tuples holding {x} and {y} (arrays compare elementwise)"
                )));
            }
            let same = truth(e, same)?;
            let no = e.constant(Const::Bool(false), Type::PY_BOOL)?;
            all = e.emit(Op::Select, vec![same, all, no], Type::PY_BOOL)?;
        }
    }
    if equal {
        return Ok(all);
    }
    e.emit(Op::Unary(UnaryOp::Not), vec![all], Type::PY_BOOL)
}

/// A uint64 compared with a Python int known only at run time (an int64):
/// exactly, as NumPy 2 does (`np.uint64(3) == -1` is False, `> -1` True):
/// a negative Python int is below every uint64, any other is compared as a
/// uint64. `None` for other operands.
fn uint64_against_python_int<E: Emit>(
    e: &mut E,
    op: CmpOp,
    a: &E::V,
    b: &E::V,
) -> Result<Option<E::V>> {
    let (ta, tb) = (e.ty(a), e.ty(b));
    // `x op w`, with the Python int on the right (flipped when it is left).
    let (x, w, op) = match (&ta, &tb) {
        (Type::Scalar(Scalar::U64), Type::Weak(Weak::Int)) => (a, b, op),
        (Type::Weak(Weak::Int), Type::Scalar(Scalar::U64)) => (b, a, swapped(op)),
        _ => return Ok(None),
    };
    // Constants are decided or fit (`decided_int_comparison`).
    if e.konst(w).is_some() {
        return Ok(None);
    }
    let below_all = match op {
        CmpOp::Gt | CmpOp::Ge | CmpOp::Ne => true,
        CmpOp::Lt | CmpOp::Le | CmpOp::Eq => false,
        CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn => return Ok(None),
    };
    let w64 = cast(e, w.clone(), &Type::I64)?;
    let zero = e.constant(Const::Int(0), Type::I64)?;
    let negative = e.emit(Op::Compare(CmpOp::Lt), vec![w64.clone(), zero], Type::BOOL)?;
    // A wrapping conversion (int64 to uint64), used only when w >= 0.
    let wu = e.emit(Op::Cast, vec![w64], Type::Scalar(Scalar::U64))?;
    let compared = e.emit(Op::Compare(op), vec![x.clone(), wu], Type::BOOL)?;
    let decided = e.constant(Const::Bool(below_all), Type::BOOL)?;
    e.emit(Op::Select, vec![negative, decided, compared], Type::BOOL)
        .map(Some)
}

/// NumPy 2 compares a NumPy integer with a Python int exactly, whatever the
/// Python int's value (`uint8_value < -1` is False, `int8_value == 1000`
/// False; only arithmetic raises `OverflowError`). So unless the Python int
/// is a constant that fits the integer's type (the common case, compared
/// at the integer's own width), both are compared as int64. (Constants out
/// of range are decided by `decided_int_comparison`; a uint64 against a
/// Python int known only at run time by `uint64_against_python_int`.)
fn exact_int_comparison<E: Emit>(e: &E, a: &E::V, b: &E::V) -> Option<Type> {
    let (ta, tb) = (e.ty(a), e.ty(b));
    let (python, other) = match (&ta, &tb) {
        (Type::Weak(Weak::Int), Type::Scalar(s)) => (a, *s),
        (Type::Scalar(s), Type::Weak(Weak::Int)) => (b, *s),
        _ => return None,
    };
    if !other.is_int() || matches!(other, Scalar::I64 | Scalar::U64) {
        return None;
    }
    let fits = match e.konst(python) {
        Some(Const::Int(i)) => {
            let (lo, hi) = other.int_range();
            (lo..=hi).contains(&i)
        }
        _ => false,
    };
    (!fits).then_some(Type::I64)
}

/// `x is None`, `x is not None`, `x == None` and `x != None`: decided by
/// the types, since a value of type `none` is always None and a value of
/// any other type never is (there is no optional type). `None` when
/// neither side is None; `is` between other values is refused.
fn none_identity<E: Emit>(e: &E, op: CmpOp, a: &Type, b: &Type) -> Result<Option<bool>> {
    let (a_none, b_none) = (*a == Type::NoneType, *b == Type::NoneType);
    let identity = matches!(op, CmpOp::Is | CmpOp::IsNot);
    if !a_none && !b_none {
        if identity {
            return Err(e.unsupported(format!(
                "'{}' is only supported with None on one side (x is None); compare numbers with == and !=",
                op.symbol()
            )));
        }
        return Ok(None);
    }
    let same = a_none && b_none;
    if !identity && (matches!(a, Type::Array(_)) || matches!(b, Type::Array(_))) {
        return Err(e.unsupported(format!(
            "'{}' between an array and None compares elementwise in NumPy, which is not supported; test the array with 'is None' / 'is not None'",
            op.symbol()
        )));
    }
    match op {
        CmpOp::Is | CmpOp::Eq => Ok(Some(same)),
        CmpOp::IsNot | CmpOp::Ne => Ok(Some(!same)),
        _ => Err(e.error(format!(
            "'{}' is not supported between '{a}' and '{b}'",
            op.symbol()
        ))),
    }
}

/// The truth value of `v` as a bool (`if v:`, `bool(v)`).
pub fn truth<E: Emit>(e: &mut E, v: E::V) -> Result<E::V> {
    let t = e.ty(&v);
    if let Some(r) = super::statics::static_truth(e, &t) {
        return r;
    }
    match t.kind() {
        Some(Kind::Bool) => Ok(v),
        Some(_) => e.emit(Op::Truth, vec![v], Type::PY_BOOL),
        None => Err(match t {
            Type::Array(_) => e.error(
                "the truth value of an array is ambiguous; use a comparison on its elements",
            ),
            Type::NoneType => return e.constant(Const::Bool(false), Type::PY_BOOL),
            _ => e.error(format!("a value of type {t} has no truth value in kernels")),
        }),
    }
}

pub fn unary<E: Emit>(e: &mut E, op: UnaryOp, a: E::V) -> Result<E::V> {
    if op == UnaryOp::Not {
        let t = truth(e, a)?;
        let t = cast(e, t, &Type::PY_BOOL)?;
        return e.emit(Op::Unary(UnaryOp::Not), vec![t], Type::PY_BOOL);
    }
    let t = e.ty(&a);
    if matches!(t, Type::Array(_)) {
        return elementwise(e, ElemNode::Unary(op), vec![a]);
    }
    if !t.is_scalar() {
        return Err(e.error(format!("bad operand type for unary operator: '{t}'")));
    }
    let t =
        match (&t, op) {
            (Type::Weak(Weak::Bool), _) => Type::PY_INT,
            (Type::Scalar(Scalar::Bool), UnaryOp::Neg) => return Err(e.error(
                "the numpy boolean negative, the `-` operator, is not supported; use `~` or `not`",
            )),
            (Type::Scalar(Scalar::Bool), UnaryOp::Pos) => {
                return Err(e.error("unary `+` is not supported for numpy booleans"))
            }
            (t, UnaryOp::Invert) if t.kind() > Some(Kind::Int) => {
                return Err(e.error(format!("bad operand type for unary ~: '{t}'")))
            }
            (t, _) => t.clone(),
        };
    let a = cast(e, a, &t)?;
    e.emit(Op::Unary(op), vec![a], t)
}

/// The component type of a complex type (weak complex -> Python float).
pub fn component(t: &Type) -> Type {
    match t {
        Type::Weak(Weak::Complex) => Type::PY_FLOAT,
        Type::Scalar(s) => Type::Scalar(s.component()),
        other => other.clone(),
    }
}

pub fn attr<E: Emit>(e: &mut E, attr: Attr, v: E::V) -> Result<E::V> {
    let t = e.ty(&v);
    match attr {
        // Numbers have `ndim` 0, as NumPy scalars do (so that code tells
        // them from arrays at compile time).
        Attr::Ndim if matches!(t, Type::Scalar(_) | Type::Weak(_)) => {
            e.constant(Const::Int(0), Type::PY_INT)
        }
        Attr::Dtype if matches!(t, Type::Scalar(_)) => {
            let s = t.storage().expect("a scalar");
            e.constant(Const::None, Type::DType(s))
        }
        Attr::Real | Attr::Imag if t.is_scalar() => {
            if t.kind() == Some(Kind::Complex) {
                let m = if attr == Attr::Real {
                    crate::builtins::MathFn::Real
                } else {
                    crate::builtins::MathFn::Imag
                };
                e.emit(Op::Math(m), vec![v], component(&t))
            } else if attr == Attr::Real {
                Ok(v)
            } else {
                // Python's int.imag and bool.imag are int 0.
                let zt = if t == Type::PY_BOOL { Type::PY_INT } else { t };
                zero(e, &zt)
            }
        }
        Attr::Named(name) => super::statics::named_attr(e, name, v),
        _ => super::arrays::array_attr(e, attr, v),
    }
}

/// The constant integer a value holds (for tuple indices and the like).
pub fn const_int<E: Emit>(e: &E, v: &E::V) -> Option<i128> {
    match e.konst(v)? {
        Const::Int(i) => Some(i),
        Const::Bool(b) => Some(b as i128),
        _ => None,
    }
}

/// `a, b = v`: a tuple's length is checked now; an array's first axis when
/// running. Python's messages.
pub fn unpack<E: Emit>(e: &mut E, v: E::V, n: u32) -> Result<()> {
    let t = e.ty(&v);
    match &t {
        Type::Tuple(items) if items.len() > n as usize => Err(e.error(format!(
            "too many values to unpack (expected {n}, got {})",
            items.len()
        ))),
        Type::Tuple(items) if items.len() < n as usize => Err(e.error(format!(
            "not enough values to unpack (expected {n}, got {})",
            items.len()
        ))),
        Type::Tuple(_) => Ok(()),
        Type::Array(a) if a.ndim >= 1 => {
            let count = e.constant(Const::Int(n as i128), Type::I64)?;
            e.emit_effect(Op::Array(crate::ir::ArrayOp::CheckUnpack), vec![v, count])
        }
        _ => Err(e.error(format!("cannot unpack a value of type {t}"))),
    }
}

pub fn tuple_get<E: Emit>(e: &mut E, v: E::V, index: i128) -> Result<E::V> {
    let t = e.ty(&v);
    if let Type::Array(a) = &t {
        if a.ndim >= 1 {
            // One target of `a, b = arr` (its length checked by `unpack`).
            let i = e.constant(Const::Int(index), Type::I64)?;
            return super::arrays::load(e, v, vec![i]);
        }
    }
    let Type::Tuple(items) = &t else {
        return Err(e.error(format!(
            "cannot unpack or index a value of type {t} as a tuple"
        )));
    };
    let n = items.len() as i128;
    let i = if index < 0 { index + n } else { index };
    if i < 0 || i >= n {
        return Err(e.error(format!(
            "tuple index {index} out of range for a tuple of {n} items"
        )));
    }
    let ty = items[i as usize].clone();
    e.emit(Op::TupleGet(i as u32), vec![v], ty)
}

pub fn get_item<E: Emit>(e: &mut E, v: E::V, index: Vec<E::V>) -> Result<E::V> {
    let t = e.ty(&v);
    match &t {
        Type::Tuple(_) => {
            if index.len() != 1 {
                return Err(e.error("a tuple takes one index"));
            }
            match const_int(e, &index[0]) {
                Some(i) => tuple_get(e, v, i),
                None => tuple_item_at(e, v, index.into_iter().next().expect("one index")),
            }
        }
        Type::Array(_) => super::arrays::load(e, v, index),
        Type::List(s) => super::lists::get(e, v, *s, index),
        Type::Dict(..) => super::dicts::get(e, v, index),
        _ => Err(e.error(format!("a value of type {t} is not subscriptable"))),
    }
}

/// `t[i]` with `i` known only when it runs (`for x in t`, a loop over a
/// tuple): the items must all have one type, each keeping Python's
/// meaning (a loop over a tuple written in the `for` statement may mix
/// types: lowering unrolls it).
fn tuple_item_at<E: Emit>(e: &mut E, v: E::V, i: E::V) -> Result<E::V> {
    let Type::Tuple(items) = e.ty(&v) else {
        unreachable!("the caller checks")
    };
    let Some(first) = items.first().cloned() else {
        return Err(e.error(
            "indexing or looping over an empty tuple variable is not supported (it has no items to give)",
        ));
    };
    // One type for every item, so each keeps Python's meaning; a Python
    // number meets the type Python numbers are passed as (an int with
    // int64, a float with float64).
    let same = |a: &Type, b: &Type| -> Option<Type> {
        match (a, b) {
            _ if a == b => Some(a.clone()),
            // Not bools: Python's True + True is 2, NumPy's is True.
            (Type::Weak(w), Type::Scalar(s)) | (Type::Scalar(s), Type::Weak(w))
                if w.default_scalar() == *s && *w != crate::types::Weak::Bool =>
            {
                Some(Type::Scalar(*s))
            }
            _ => None,
        }
    };
    let mut item = first;
    for other in &items[1..] {
        item = same(&item, other).ok_or_else(|| {
            e.error(format!(
                "a tuple of items of different types ({item} and {other}) takes only constant indices; a loop over a tuple variable needs items of one type (a tuple written in the loop, 'for x in (1, 2.5)', may mix them)"
            ))
        })?;
    }
    if items.iter().any(|t| *t != item) {
        let converted = items
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let x = e.emit(Op::TupleGet(k as u32), vec![v.clone()], t.clone())?;
                cast(e, x, &item)
            })
            .collect::<Result<Vec<_>>>()?;
        let ty = Type::Tuple(vec![item.clone(); items.len()]);
        let v2 = e.emit(Op::MakeTuple, converted, ty)?;
        return tuple_item_at(e, v2, i);
    }
    if !matches!(e.ty(&i).kind(), Some(Kind::Int | Kind::Bool)) {
        return Err(e.error(format!(
            "a tuple index must be an integer, not {}",
            e.ty(&i)
        )));
    }
    let i = cast(e, i, &Type::I64)?;
    e.emit(Op::TupleItem, vec![v, i], item)
}

/// `range.len` and `range.next`: Python ints in, a Python int out (the
/// lowering gives them the int bounds `range(...)` was typed with, or a
/// length and constants).
pub fn range_op<E: Emit>(e: &mut E, op: RangeOp, args: Vec<E::V>) -> Result<E::V> {
    let mut ints = vec![];
    for a in args {
        let t = e.ty(&a);
        if !matches!(t.kind(), Some(Kind::Bool | Kind::Int)) {
            let what = if op == RangeOp::Index {
                "enumerate() counts from an integer start"
            } else {
                "a loop counts with integers"
            };
            return Err(e.error(format!(
                "{what}, not {t} ('{}' object cannot be interpreted as an integer)",
                match t.kind() {
                    Some(Kind::Float) => "float",
                    Some(Kind::Complex) => "complex",
                    _ => "object",
                }
            )));
        }
        ints.push(cast(e, a, &Type::PY_INT)?);
    }
    e.emit(Op::Range(op), ints, Type::PY_INT)
}

/// `print(...)`: numbers and arrays (a tuple or another value is a
/// compile error naming it).
pub fn print<E: Emit>(
    e: &mut E,
    format: &std::sync::Arc<crate::ir::PrintFormat>,
    args: Vec<E::V>,
) -> Result<()> {
    // `None` prints as its text, a literal of the format.
    if args.iter().any(|a| e.ty(a) == Type::NoneType) {
        let mut values = args.into_iter();
        let mut kept = vec![];
        let mut items = vec![];
        for item in &format.items {
            match item {
                Some(text) => items.push(Some(text.clone())),
                None => {
                    let v = values.next().expect("one value per operand");
                    if e.ty(&v) == Type::NoneType {
                        items.push(Some("None".into()));
                    } else {
                        items.push(None);
                        kept.push(v);
                    }
                }
            }
        }
        let format = std::sync::Arc::new(crate::ir::PrintFormat {
            items,
            ..(**format).clone()
        });
        return print(e, &format, kept);
    }
    for a in &args {
        let t = e.ty(a);
        if !crate::ir::PrintFormat::printable(&t) {
            return Err(e.error(format!(
                "print() of a value of type {t} is not supported; print numbers, arrays and string literals"
            )));
        }
    }
    e.emit_effect(Op::Print(format.clone()), args)
}

pub fn make_tuple<E: Emit>(e: &mut E, items: Vec<E::V>) -> Result<E::V> {
    if items.iter().any(|i| e.ty(i) == Type::NoneType) {
        return Err(e.unsupported(
            "a tuple holding None is not supported in @jit functions; use a separate variable",
        ));
    }
    let ty = Type::Tuple(items.iter().map(|i| e.ty(i)).collect());
    e.emit(Op::MakeTuple, items, ty)
}
