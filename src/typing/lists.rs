//! Typing of typed Lists (`Type::List`, `jitufunc.typed.List`): `len(l)`,
//! `l[i]`, `l[i] = v`, `l.append(v)`, `l.pop()`, `for x in l` (a loop over
//! `len` and `l[k]`) and `List.empty_list(t)`, all as `Op::List`.
//!
//! Items are converted to the list's item type as NumPy casts a value
//! stored into an array of it; a complex value into a real list, or a
//! float into an integer list, is refused (it would lose its value).

use super::emit::Emit;
use super::literals;
use super::rules::cast;
use crate::error::Result;
use crate::ir::{ListOp, Op};
use crate::syntax::{CmpOp, Const};
use crate::types::{Item, ItemKind, Kind, Scalar, Type};

/// `len(l)`.
pub fn len<E: Emit>(e: &mut E, l: E::V) -> Result<E::V> {
    e.emit(Op::List(ListOp::Len), vec![l], Type::PY_INT)
}

/// An index of a list: an integer, as int64.
fn index<E: Emit>(e: &mut E, i: E::V) -> Result<E::V> {
    match e.ty(&i).kind() {
        Some(Kind::Int | Kind::Bool) => cast(e, i, &Type::I64),
        _ => Err(e.error(format!(
            "list indices must be integers or slices, not {}",
            e.ty(&i)
        ))),
    }
}

/// `v` as an item of type `s` of a container (`what`: "into a typed List
/// of float64", "as a key of a typed Dict of ..."): NumPy's cast, but a complex
/// value into a real item, or a float into an integer one, is refused (it
/// would lose its value).
pub(super) fn item_of<E: Emit>(e: &mut E, s: Scalar, v: E::V, what: &str) -> Result<E::V> {
    let t = e.ty(&v);
    let Some(kind) = t.kind() else {
        return Err(e.error(format!(
            "cannot store a value of type {t} {what}: typed containers hold numbers, arrays, tuples and typed Lists and Dicts"
        )));
    };
    let rank = |k: Kind| match k {
        Kind::Bool => 0,
        Kind::Int => 1,
        Kind::Float => 2,
        Kind::Complex => 3,
    };
    if rank(kind) > rank(s.kind()).max(1) {
        return Err(e.error(format!(
            "cannot store a value of type {t} {what} (it would lose its value)"
        )));
    }
    cast(e, v, &Type::Scalar(s))
}

/// `v` as an item of type `item` (`what` as for `item_of`): a number
/// converted as `item_of` converts it; a typed container must have the
/// item's type exactly.
pub(super) fn item_value<E: Emit>(e: &mut E, item: Item, v: E::V, what: &str) -> Result<E::V> {
    if let Some(s) = item.as_scalar() {
        return item_of(e, s, v, what);
    }
    let t = e.ty(&v);
    if let ItemKind::Tuple(fields) = item.kind() {
        let arity = match &t {
            Type::Tuple(ts) => ts.len(),
            _ => 0,
        };
        if arity != fields.len() {
            return Err(e.error(format!(
                "cannot store a value of type {t} {what}: it holds tuples of {} items ({item})",
                fields.len()
            )));
        }
        let mut parts = vec![];
        for (k, f) in fields.iter().enumerate() {
            let x = super::rules::tuple_get(e, v.clone(), k as i128)?;
            parts.push(item_value(e, *f, x, what)?);
        }
        return super::rules::make_tuple(e, parts);
    }
    if t == item.to_type() {
        return Ok(v);
    }
    if let (ItemKind::Array(..), Type::Array(from)) = (item.kind(), &t) {
        let Type::Array(to) = item.to_type() else {
            unreachable!("an array item's type is an array")
        };
        if crate::types::ty::view_converts(from, &to) {
            return super::rules::cast(e, v, &Type::Array(to));
        }
        let why = if from.dtype != to.dtype || from.ndim != to.ndim {
            "the dtype and number of dimensions must be the item's"
        } else if from.readonly {
            "the array is read-only"
        } else {
            "the array is not known to be C-contiguous"
        };
        return Err(e.error(format!("cannot store a value of type {t} {what}: {why}")));
    }
    // A literal stored as an item of a known type has that type (`row =
    // []; rows.append(row)`); inference only (materialisation sees the
    // literal's final type).
    let pending = match (&t, item.kind()) {
        (Type::List(p), ItemKind::List(inner)) if p.is_pending() => Some((*p, None, inner)),
        (Type::Dict(_, p), ItemKind::Dict(k, v)) if p.is_pending() => Some((*p, Some(k), v)),
        _ => None,
    };
    if let Some((p, key, inner)) = pending {
        if let ItemKind::Pending(origin) = p.kind() {
            let key = key.map(Type::Scalar);
            literals::note(e, origin, key.as_ref(), &inner.to_type(), "a literal")?;
            return Ok(v);
        }
    }
    Err(e.error(format!("cannot store a value of type {t} {what}")))
}

/// `v` as an item of a list of `s`; for a list literal whose items are
/// not known yet, `v`'s type is recorded as one of its items' types.
fn item<E: Emit>(e: &mut E, s: Item, v: E::V) -> Result<E::V> {
    if let ItemKind::Pending(origin) = s.kind() {
        let t = e.ty(&v);
        literals::note(e, origin, None, &t, "a list")?;
        return Ok(v);
    }
    item_value(e, s, v, &format!("into a typed List of {s}"))
}

/// `[a, b]`, `[]` and a comprehension's list (`Op::NewList`): a new list
/// of the items; its item type is what `typing::literals` found.
pub fn literal<E: Emit>(e: &mut E, origin: u32, items: Vec<E::V>) -> Result<E::V> {
    for v in &items {
        let t = e.ty(v);
        literals::note(e, origin, None, &t, "a list")?;
    }
    if e.inferring() {
        return e.emit(
            Op::List(ListOp::New),
            vec![],
            Type::List(Item::pending(origin)),
        );
    }
    let Some(item) = e.literal(origin).item else {
        return Err(e.error(
            "cannot tell the item type of this empty list: store an item in it in this function (l.append(x)), or make it with List.empty_list(types.float64)",
        ));
    };
    let l = e.emit(Op::List(ListOp::New), vec![], Type::List(item))?;
    for v in items {
        let v = item_value(e, item, v, &format!("into a typed List of {item}"))?;
        e.emit_effect(Op::List(ListOp::Append), vec![l.clone(), v])?;
    }
    Ok(l)
}

/// `l[i]`.
pub fn get<E: Emit>(e: &mut E, l: E::V, s: Item, idx: Vec<E::V>) -> Result<E::V> {
    let [i] = <[E::V; 1]>::try_from(idx).map_err(|_| e.error("a typed List takes one index"))?;
    if e.ty(&i) == Type::Slice {
        // `l[a:b:c]`: a new List of those items.
        let t = e.ty(&l);
        return e.emit(Op::List(ListOp::Slice), vec![l, i], t);
    }
    let i = index(e, i)?;
    let t = literals::resolved(e, s).to_type();
    e.emit(Op::List(ListOp::Get), vec![l, i], t)
}

/// `l[i] = v`.
pub fn set<E: Emit>(e: &mut E, l: E::V, s: Item, idx: Vec<E::V>, v: E::V) -> Result<()> {
    let [i] = <[E::V; 1]>::try_from(idx).map_err(|_| e.error("a typed List takes one index"))?;
    let i = index(e, i)?;
    let v = item(e, s, v)?;
    if s.is_pending() {
        return Ok(());
    }
    e.emit_effect(Op::List(ListOp::Set), vec![l, i, v])
}

/// `l.append(v)` and `l.pop(i=-1)`: `args` starts with the receiver.
pub fn method<E: Emit>(e: &mut E, append: bool, args: Vec<E::V>) -> Result<E::V> {
    let name = if append { "append" } else { "pop" };
    let mut args = args.into_iter();
    let l = args.next().expect("the receiver");
    let Type::List(s) = e.ty(&l) else {
        return Err(e.unsupported(format!(
            "method '.{name}()' is supported on typed Lists (jitufunc.typed.List) only, not on a value of type {}",
            e.ty(&l)
        )));
    };
    let rest: Vec<E::V> = args.collect();
    if append {
        let [v] = <[E::V; 1]>::try_from(rest)
            .map_err(|_| e.error("append() takes exactly one argument"))?;
        let v = item(e, s, v)?;
        if !s.is_pending() {
            e.emit_effect(Op::List(ListOp::Append), vec![l, v])?;
        }
        return e.constant(Const::None, Type::NoneType);
    }
    let i = match <[E::V; 1]>::try_from(rest) {
        Ok([i]) => index(e, i)?,
        Err(rest) if rest.is_empty() => e.constant(Const::Int(-1), Type::I64)?,
        Err(_) => return Err(e.error("pop() takes at most one argument")),
    };
    let t = literals::resolved(e, s).to_type();
    e.emit(Op::List(ListOp::Pop), vec![l, i], t)
}

/// `List.empty_list(item_type)`.
pub fn empty_list<E: Emit>(e: &mut E, args: Vec<E::V>) -> Result<E::V> {
    let [t] = args.as_slice() else {
        return Err(e.error("List.empty_list() takes one argument: the item type"));
    };
    let item = item_type_arg(e, "List.empty_list()", "an item type", t)?;
    e.emit(Op::List(ListOp::New), vec![], Type::List(item))
}

/// An item type argument (`List.empty_list()`, `Dict.empty()`'s value):
/// a dtype as `dtype_arg` takes it, or a container type
/// (`types.ListType(types.int64)` from a global).
pub(super) fn item_type_arg<E: Emit>(e: &mut E, what: &str, role: &str, t: &E::V) -> Result<Item> {
    match e.ty(t) {
        Type::ItemType(i) => Ok(i),
        _ => dtype_arg(e, what, role, t).map(Item::scalar),
    }
}

/// A type argument of `what` (`List.empty_list()`, `Dict.empty()`): a
/// dtype known when compiling (`types.float64`, `np.int64`, `"float32"`),
/// not float16.
pub(super) fn dtype_arg<E: Emit>(e: &mut E, what: &str, role: &str, t: &E::V) -> Result<Scalar> {
    let t = e.ty(t);
    let s = match &t {
        Type::DType(s) => *s,
        Type::Str(text) => Scalar::from_numpy_string(text)
            .ok_or_else(|| e.error(format!("{what}: unknown type {text:?}")))?,
        _ => {
            return Err(e.error(format!(
                "{what} takes {role} known when compiling (types.float64, np.int64, ...), not a value of type {t}"
            )))
        }
    };
    if s == Scalar::F16 {
        return Err(e.unsupported("typed containers of float16"));
    }
    Ok(s)
}

/// `l * n` and `n * l` (a new List of the items repeated), `a + b` (a new
/// List of both's items) and, with `in_place`, `a += b` (`b`'s items
/// appended to `a`, which is the result) for typed Lists, as Python's list
/// operators; `None` when no operand is a List (the caller's rules).
/// Both Lists of `+` must hold one item type; a literal takes the other
/// List's item type (`l += [x]`).
pub fn operator<E: Emit>(
    e: &mut E,
    op: crate::syntax::BinOp,
    a: E::V,
    b: E::V,
    in_place: bool,
) -> Result<Option<E::V>> {
    use crate::syntax::BinOp;
    let (ta, tb) = (e.ty(&a), e.ty(&b));
    let count = |t: &Type| matches!(t.kind(), Some(Kind::Int | Kind::Bool));
    match (op, &ta, &tb) {
        (BinOp::Mul, Type::List(_), t) | (BinOp::Mul, t, Type::List(_)) if count(t) => {
            if in_place {
                return Err(e.unsupported("'l *= n' on a typed List (write l = l * n)"));
            }
            let (l, n) = if matches!(ta, Type::List(_)) {
                (a, b)
            } else {
                (b, a)
            };
            let t = e.ty(&l);
            let n = cast(e, n, &Type::I64)?;
            e.emit(Op::List(ListOp::Repeat), vec![l, n], t).map(Some)
        }
        (BinOp::Add, Type::List(x), Type::List(y)) => {
            // A literal's items join the other List's (found so far).
            for (to, from) in [(*x, *y), (*y, *x)] {
                let from = literals::resolved(e, from);
                if let (ItemKind::Pending(origin), false) = (to.kind(), from.is_pending()) {
                    literals::note(e, origin, None, &from.to_type(), "a list")?;
                }
            }
            let (x, y) = (literals::resolved(e, *x), literals::resolved(e, *y));
            if !e.inferring() && x != y {
                return Err(e.error(format!(
                    "'{}' between typed Lists of {x} and {y}: their items must have one type",
                    if in_place { "+=" } else { "+" }
                )));
            }
            if in_place {
                e.emit_effect(Op::List(ListOp::Extend), vec![a.clone(), b])?;
                return Ok(Some(a));
            }
            e.emit(Op::List(ListOp::Concat), vec![a, b], ta).map(Some)
        }
        _ => Ok(None),
    }
}

/// Whether items of type `item` are or hold arrays.
fn holds_array(item: Item) -> bool {
    match item.kind() {
        ItemKind::Array(..) => true,
        ItemKind::Tuple(items) => items.iter().any(|i| holds_array(*i)),
        ItemKind::List(i) | ItemKind::Dict(_, i) => holds_array(i),
        ItemKind::Scalar(_) | ItemKind::Pending(_) => false,
    }
}

/// `a == b` and `a != b` of two typed Lists (Python's: equal lengths and
/// equal items); refused for Lists holding arrays, which compare
/// elementwise.
pub fn equal<E: Emit>(e: &mut E, equal: bool, a: E::V, b: E::V) -> Result<E::V> {
    for v in [&a, &b] {
        if let Type::List(s) = e.ty(v) {
            let s = literals::resolved(e, s);
            if holds_array(s) {
                return Err(e.unsupported(format!(
                    "'==' between typed Lists of {s} (arrays compare elementwise)"
                )));
            }
        }
    }
    let eq = e.emit(Op::List(ListOp::Equal), vec![a, b], Type::PY_BOOL)?;
    if equal {
        return Ok(eq);
    }
    e.emit(
        Op::Unary(crate::syntax::UnaryOp::Not),
        vec![eq],
        Type::PY_BOOL,
    )
}

/// `v in l` for a List of numbers: each item compared with `v` by `==`,
/// in their common type (`1 in l` finds `1.0`; `1.5` is in no List of
/// integers).
pub fn contains<E: Emit>(e: &mut E, l: E::V, v: E::V) -> Result<E::V> {
    let Type::List(s) = e.ty(&l) else {
        return Err(e.error("'in' takes a typed List here"));
    };
    if s.is_pending() {
        return e.emit(Op::List(ListOp::Contains), vec![l, v], Type::PY_BOOL);
    }
    let t = e.ty(&v);
    let Some(item) = s.as_scalar() else {
        if holds_array(s) {
            return Err(e.unsupported(format!(
                "'in' on a typed List of {s} (arrays compare elementwise)"
            )));
        }
        // Tuples and containers: compared as `==` compares them.
        let v = item_value(e, s, v, &format!("to look for in a typed List of {s}"))?;
        return e.emit(Op::List(ListOp::Contains), vec![l, v], Type::PY_BOOL);
    };
    // A negative Python int is in no List of unsigned integers (NumPy's
    // cast of it to the items' type would overflow).
    if let (Type::Weak(crate::types::Weak::Int), Some(Const::Int(x))) = (&t, e.konst(&v)) {
        if x < 0 && item.is_unsigned() {
            return e.constant(Const::Bool(false), Type::PY_BOOL);
        }
    }
    let common = match t
        .storage()
        .and_then(|_| crate::types::promote(&Type::Scalar(item), &t))
    {
        Some(Type::Scalar(c)) => c,
        Some(Type::Weak(w)) => w.default_scalar(),
        _ => {
            return Err(e.error(format!(
                "'in' on a typed List of {s} compares numbers, not a value of type {t}"
            )))
        }
    };
    if item.is_int() && item != Scalar::I64 && t == Type::Weak(crate::types::Weak::Int) {
        // A Python int known at run time: in no List of integers whose
        // type cannot hold it (NumPy compares exactly; the cast to the
        // items' type would overflow), else compared at the items' type.
        let (lo, hi) = item.int_range();
        let v64 = cast(e, v, &Type::I64)?;
        let no = e.constant(Const::Bool(false), Type::PY_BOOL)?;
        let mut fits = vec![];
        for (bound, op) in [(lo, CmpOp::Ge), (hi, CmpOp::Le)] {
            if let Ok(bound) = i64::try_from(bound) {
                if bound != i64::MIN && bound != i64::MAX {
                    let k = e.constant(Const::Int(bound as i128), Type::I64)?;
                    fits.push(e.emit(Op::Compare(op), vec![v64.clone(), k], Type::PY_BOOL)?);
                }
            }
        }
        let wrapped = e.emit(Op::Cast, vec![v64], Type::Scalar(item))?;
        let mut found = e.emit(Op::List(ListOp::Contains), vec![l, wrapped], Type::PY_BOOL)?;
        for fit in fits {
            found = e.emit(Op::Select, vec![fit, found, no.clone()], Type::PY_BOOL)?;
        }
        return Ok(found);
    }
    let v = cast(e, v, &Type::Scalar(common))?;
    e.emit(Op::List(ListOp::Contains), vec![l, v], Type::PY_BOOL)
}
