//! Typing of typed Dicts (`Type::Dict`, `jitufunc.typed.Dict`):
//! `Dict.empty(k, v)`, `len(d)`, `d[k]`, `d[k] = v`, `k in d`,
//! `d.get(k, default)`, `d.pop(k)`, `d.pop(k, default)` and the loops
//! `for k in d`, `for k in d.keys()`, `for v in d.values()`,
//! `for k, v in d.items()` (a compaction giving the trip count, then the
//! entries in order), all as `Op::Dict`.
//!
//! Keys and values are converted to the dict's types as items of a typed
//! List are (`lists::item_of`): an integer key into a dict of float keys
//! is cast (`1` finds `1.0`), a float key into a dict of integer keys is
//! refused, as Numba refuses it.

use super::emit::Emit;
use super::lists::{dtype_arg, item_of, item_type_arg, item_value};
use super::literals;
use super::rules::{cast, make_tuple};
use crate::error::Result;
use crate::ir::{DictOp, Op};
use crate::types::{Item, ItemKind, Scalar, Type};

/// Which part of the entries a loop over a dict reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// `for k in d`, `for k in d.keys()`.
    Keys,
    /// `for v in d.values()`.
    Values,
    /// `for k, v in d.items()`.
    Items,
}

fn types<E: Emit>(e: &E, d: &E::V, what: &str) -> Result<(Scalar, Item)> {
    match e.ty(d) {
        Type::Dict(k, v) => Ok((k, v)),
        t => Err(e.unsupported(format!(
            "{what} is supported on typed Dicts (jitufunc.typed.Dict) only, not on a value of type {t}"
        ))),
    }
}

fn key<E: Emit>(e: &mut E, k: Scalar, v: Item, key: E::V) -> Result<E::V> {
    item_of(
        e,
        k,
        key,
        &format!("as a key of a typed Dict of {k} keys and {v} values"),
    )
}

fn value<E: Emit>(e: &mut E, k: Scalar, v: Item, value: E::V) -> Result<E::V> {
    item_value(
        e,
        v,
        value,
        &format!("as a value of a typed Dict of {k} keys and {v} values"),
    )
}

/// The literal a dict is, while its types are not known yet.
fn pending<E: Emit>(e: &E, d: &E::V) -> Option<u32> {
    match e.ty(d) {
        Type::Dict(_, v) => match v.kind() {
            ItemKind::Pending(origin) => Some(origin),
            _ => None,
        },
        _ => None,
    }
}

/// A value of type `t` read from a dict literal during inference (its
/// types as found so far; `Unknown` when not yet).
fn found<E: Emit>(e: &mut E, t: Option<Type>) -> Result<E::V> {
    e.emit(Op::Undef, vec![], t.unwrap_or(Type::Unknown))
}

/// `{k: v, ...}`, `{}` and a comprehension's dict (`Op::NewDict`; `items`
/// are keys and values in turn): a new dict of them; its types are what
/// `typing::literals` found.
pub fn literal<E: Emit>(e: &mut E, origin: u32, items: Vec<E::V>) -> Result<E::V> {
    for pair in items.chunks(2) {
        let (k, v) = (e.ty(&pair[0]), e.ty(&pair[1]));
        literals::note(e, origin, Some(&k), &v, "a dict")?;
    }
    if e.inferring() {
        return e.emit(
            Op::Dict(DictOp::New),
            vec![],
            Type::Dict(Scalar::I64, Item::pending(origin)),
        );
    }
    let found = e.literal(origin);
    let (Some(ks), Some(vs)) = (found.key, found.item) else {
        return Err(e.error(
            "cannot tell the key and value types of this empty dict: store an item in it in this function (d[k] = v), or make it with Dict.empty(types.int64, types.float64)",
        ));
    };
    let d = e.emit(Op::Dict(DictOp::New), vec![], Type::Dict(ks, vs))?;
    let mut items = items.into_iter();
    while let (Some(k), Some(v)) = (items.next(), items.next()) {
        let k = key(e, ks, vs, k)?;
        let v = value(e, ks, vs, v)?;
        e.emit_effect(Op::Dict(DictOp::Set), vec![d.clone(), k, v])?;
    }
    Ok(d)
}

/// `Dict.empty(key_type, value_type)`.
pub fn empty<E: Emit>(e: &mut E, args: Vec<E::V>) -> Result<E::V> {
    let [k, v] = args.as_slice() else {
        return Err(e.error("Dict.empty() takes two arguments: the key type and the value type"));
    };
    let k = dtype_arg(e, "Dict.empty()", "a key type", k)?;
    let v = item_type_arg(e, "Dict.empty()", "a value type", v)?;
    if k.is_complex() {
        return Err(e.unsupported(
            "typed Dicts take keys of booleans, integers or floats, not complex numbers",
        ));
    }
    e.emit(Op::Dict(DictOp::New), vec![], Type::Dict(k, v))
}

/// `len(d)`.
pub fn len<E: Emit>(e: &mut E, d: E::V) -> Result<E::V> {
    e.emit(Op::Dict(DictOp::Len), vec![d], Type::PY_INT)
}

/// The trip count of a loop over `d`.
pub fn compact<E: Emit>(e: &mut E, d: E::V) -> Result<E::V> {
    e.emit(Op::Dict(DictOp::Compact), vec![d], Type::PY_INT)
}

/// The item of trip `i` of a loop over `d` (`view`).
pub fn entry<E: Emit>(e: &mut E, view: View, d: E::V, i: E::V) -> Result<E::V> {
    let what = match view {
        View::Keys => "iterating over keys (for k in d.keys())",
        View::Values => "iterating over values (for v in d.values())",
        View::Items => "iterating over items (for k, v in d.items())",
    };
    if let Some(origin) = pending(e, &d) {
        let f = e.literal(origin);
        let key = f.key.map(Type::Scalar);
        let value = f.item.map(|i| i.to_type());
        let t = match view {
            View::Keys => key,
            View::Values => value,
            View::Items => key.zip(value).map(|(k, v)| Type::Tuple(vec![k, v])),
        };
        return found(e, t);
    }
    let (k, v) = types(e, &d, what)?;
    let i = cast(e, i, &Type::I64)?;
    let key = |e: &mut E| {
        e.emit(
            Op::Dict(DictOp::Key),
            vec![d.clone(), i.clone()],
            Type::Scalar(k),
        )
    };
    let value = |e: &mut E| {
        e.emit(
            Op::Dict(DictOp::Value),
            vec![d.clone(), i.clone()],
            v.to_type(),
        )
    };
    match view {
        View::Keys => key(e),
        View::Values => value(e),
        View::Items => {
            let (a, b) = (key(e)?, value(e)?);
            make_tuple(e, vec![a, b])
        }
    }
}

/// `d[k]`.
pub fn get<E: Emit>(e: &mut E, d: E::V, index: Vec<E::V>) -> Result<E::V> {
    if let Some(origin) = pending(e, &d) {
        let t = e.literal(origin).item.map(|i| i.to_type());
        return found(e, t);
    }
    let (ks, vs) = types(e, &d, "d[k]")?;
    let [k] = <[E::V; 1]>::try_from(index).map_err(|_| e.error("a typed Dict takes one key"))?;
    let k = key(e, ks, vs, k)?;
    e.emit(Op::Dict(DictOp::Get), vec![d, k], vs.to_type())
}

/// `d[k] = v`.
pub fn set<E: Emit>(e: &mut E, d: E::V, index: Vec<E::V>, v: E::V) -> Result<()> {
    let (ks, vs) = types(e, &d, "d[k] = v")?;
    let [k] = <[E::V; 1]>::try_from(index).map_err(|_| e.error("a typed Dict takes one key"))?;
    if let Some(origin) = pending(e, &d) {
        let (kt, vt) = (e.ty(&k), e.ty(&v));
        return literals::note(e, origin, Some(&kt), &vt, "a dict");
    }
    let k = key(e, ks, vs, k)?;
    let v = value(e, ks, vs, v)?;
    e.emit_effect(Op::Dict(DictOp::Set), vec![d, k, v])
}

/// `k in d` (a Python bool).
pub fn contains<E: Emit>(e: &mut E, d: E::V, k: E::V) -> Result<E::V> {
    if pending(e, &d).is_some() {
        return e.emit(Op::Dict(DictOp::Contains), vec![d, k], Type::PY_BOOL);
    }
    let (ks, vs) = types(e, &d, "'in'")?;
    let k = key(e, ks, vs, k)?;
    e.emit(Op::Dict(DictOp::Contains), vec![d, k], Type::PY_BOOL)
}

/// `d.get(k)`, `d.get(k, default)`, `d.pop(k)`, `d.pop(k, default)`:
/// `args` starts with the receiver. `d.get(k)` without a default is
/// refused (its `None` has no value type).
pub fn method<E: Emit>(e: &mut E, pop: bool, args: Vec<E::V>) -> Result<E::V> {
    let name = if pop { "pop" } else { "get" };
    let mut args = args.into_iter();
    let d = args.next().expect("the receiver");
    if let Some(origin) = pending(e, &d) {
        // Before a value is found, `d.get(k, default)` has the default's
        // type (`d[k] = d.get(k, 0) + 1` counts in int64).
        let default = args.as_slice().get(1).map(|v| e.ty(v));
        let t = e.literal(origin).item.map(|i| i.to_type()).or(default);
        return found(e, t);
    }
    let (ks, vs) = types(e, &d, &format!("method '.{name}()'"))?;
    let rest: Vec<E::V> = args.collect();
    match <[E::V; 2]>::try_from(rest) {
        Ok([k, default]) => {
            let k = key(e, ks, vs, k)?;
            let default = value(e, ks, vs, default)?;
            let op = if pop { DictOp::PopOr } else { DictOp::GetOr };
            e.emit(Op::Dict(op), vec![d, k, default], vs.to_type())
        }
        Err(rest) => match <[E::V; 1]>::try_from(rest) {
            Ok([k]) if pop => {
                let k = key(e, ks, vs, k)?;
                e.emit(Op::Dict(DictOp::Pop), vec![d, k], vs.to_type())
            }
            Ok(_) => Err(e.unsupported(
                "d.get(k) without a default is not supported in compiled code (its None has no value type): write d.get(k, default)",
            )),
            Err(_) => Err(e.error(format!("{name}() takes a key and an optional default"))),
        },
    }
}
