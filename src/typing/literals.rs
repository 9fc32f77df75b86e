//! The types of list and dict literals (`Op::NewList`, `Op::NewDict`):
//! `[]`, `[1, 2.5]`, `{}`, `{k: v}` and comprehensions. A literal's item
//! type (a dict's key and value types) is the join of the types of its
//! own items and of every value the function stores into it (`append`,
//! `l[i] = v`, `d[k] = v`), as Numba infers a list's type from its uses.
//!
//! Inference types every literal as a List (or Dict) of
//! `Item::pending(origin)`, so the literal's value keeps its origin through
//! variables, phis and tuples: a store into it records the stored value's
//! type here (`Emit::note_literal`) instead of being checked against what
//! was found so far, and reading an item gives the type found so far
//! (`resolved`). When inference settles, its types are resolved to what
//! was found (`resolve_type`); materialisation types every literal with
//! that, or reports a literal whose items were never found.

use std::collections::HashMap;

use super::emit::Emit;
use crate::error::Result;
use crate::types::{join, Item, ItemKind, Kind, Scalar, Type};

/// What typing has found a literal holds (a list's items: `item`; a
/// dict's keys and values: `key` and `item`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub key: Option<Scalar>,
    pub item: Option<Item>,
}

/// What typing has found about each literal of a function, by number.
pub type Literals = HashMap<u32, Found>;

/// `item`, or what was found for a literal's pending items.
pub fn resolved<E: Emit>(e: &E, item: Item) -> Item {
    match item.kind() {
        ItemKind::Pending(origin) => e.literal(origin).item.unwrap_or(item),
        _ => item,
    }
}

/// `t` with the pending items of literals (in containers, tuples, and
/// containers' items) replaced by what `found` says they are.
pub fn resolve_type(t: &Type, found: &Literals) -> Type {
    resolve_with(t, &|origin| found.get(&origin).copied().unwrap_or_default())
}

/// `resolve_type` with the findings read by `found`.
fn resolve_with(t: &Type, found: &dyn Fn(u32) -> Found) -> Type {
    let item = |i: Item| -> Item {
        let i = match i.kind() {
            ItemKind::Pending(origin) => match found(origin).item {
                Some(found_item) => found_item,
                None => return i,
            },
            _ => i,
        };
        match resolve_with(&i.to_type(), found) {
            t @ (Type::List(_) | Type::Dict(..) | Type::Tuple(_)) => Item::of_type(&t).unwrap_or(i),
            _ => i,
        }
    };
    match t {
        Type::List(i) => Type::List(item(*i)),
        Type::Dict(k, v) => {
            let key = match v.kind() {
                ItemKind::Pending(origin) => found(origin).key.unwrap_or(*k),
                _ => *k,
            };
            Type::Dict(key, item(*v))
        }
        Type::Tuple(items) => Type::Tuple(items.iter().map(|t| resolve_with(t, found)).collect()),
        _ => t.clone(),
    }
}

/// The item type values of type `t` are stored as (a Python number as its
/// default dtype), if containers hold them.
fn stored_item(t: &Type) -> Option<Item> {
    if has_pending(t) {
        return None;
    }
    match t {
        Type::Weak(w) => Some(Item::scalar(w.default_scalar())),
        Type::Tuple(items) if !items.is_empty() => {
            let items = items.iter().map(stored_item).collect::<Option<Vec<_>>>()?;
            Some(Item::tuple(&items))
        }
        _ => Item::of_type(t),
    }
}

/// Whether `t` holds a literal whose items are not known yet.
pub fn has_pending(t: &Type) -> bool {
    match t {
        Type::List(i) | Type::Dict(_, i) => i.is_pending() || has_pending(&i.to_type()),
        Type::Tuple(items) => items.iter().any(has_pending),
        _ => false,
    }
}

/// The join of two item types: numbers by NumPy's promotion, arrays of
/// one dtype and rank, containers only with themselves.
fn join_items(a: Item, b: Item) -> Option<Item> {
    if a == b {
        return Some(a);
    }
    if let (ItemKind::Tuple(xs), ItemKind::Tuple(ys)) = (a.kind(), b.kind()) {
        if xs.len() != ys.len() {
            return None;
        }
        let joined = xs
            .iter()
            .zip(ys.iter())
            .map(|(x, y)| join_items(*x, *y))
            .collect::<Option<Vec<_>>>()?;
        return Some(Item::tuple(&joined));
    }
    if let (ItemKind::Array(dx, nx, lx), ItemKind::Array(dy, ny, ly)) = (a.kind(), b.kind()) {
        // Arrays of one dtype and rank: C-contiguous if both are.
        let layout = if lx == ly {
            lx
        } else {
            crate::types::Layout::Any
        };
        return (dx == dy && nx == ny).then(|| Item::array(dx, nx, layout));
    }
    let (Some(x), Some(y)) = (a.as_scalar(), b.as_scalar()) else {
        return None;
    };
    match join(&Type::Scalar(x), &Type::Scalar(y))? {
        Type::Scalar(s) => Some(Item::scalar(s)),
        _ => None,
    }
}

/// What `found` becomes when the literal also holds `key` (a dict's) and
/// an item of type `t`; an error when they cannot be one type.
pub fn with_value<E: Emit>(
    e: &E,
    found: Found,
    key: Option<&Type>,
    t: &Type,
    what: &str,
) -> Result<Found> {
    let t = &resolve_one(e, t);
    let mut out = found;
    if let Some(k) = key {
        let Some(k) = stored_item(k).and_then(Item::as_scalar) else {
            return Err(e.error(format!("{what} takes numbers as keys, not {k}")));
        };
        if k.kind() == Kind::Complex {
            return Err(e.error(format!(
                "{what} takes booleans, integers or floats as keys, not {k}"
            )));
        }
        out.key = Some(match found.key {
            None => k,
            Some(old) => join_items(Item::scalar(old), Item::scalar(k))
                .and_then(Item::as_scalar)
                .ok_or_else(|| {
                    e.error(format!(
                        "{what} holds keys of type {old} and {k}, which cannot be one type"
                    ))
                })?,
        });
    }
    let Some(item) = stored_item(t) else {
        if has_pending(t) {
            // A literal stored into a literal before its own items are
            // known: the next round knows more.
            return Ok(out);
        }
        return Err(e.error(format!(
            "{what} holds numbers, arrays, tuples and typed Lists and Dicts, not a value of type {t}"
        )));
    };
    out.item = Some(match found.item {
        None => item,
        Some(old) => join_items(old, item).ok_or_else(|| {
            e.error(format!(
                "{what} holds items of type {old} and {item}, which cannot be one type"
            ))
        })?,
    });
    Ok(out)
}

/// `t` with literals' pending items replaced by what was found so far.
fn resolve_one<E: Emit>(e: &E, t: &Type) -> Type {
    resolve_with(t, &|origin| e.literal(origin))
}

/// Records that literal `origin` holds `key` (a dict's) and a value of
/// type `t`.
pub fn note<E: Emit>(
    e: &mut E,
    origin: u32,
    key: Option<&Type>,
    t: &Type,
    what: &str,
) -> Result<()> {
    let found = with_value(e, e.literal(origin), key, t, what)?;
    e.note_literal(origin, found);
    Ok(())
}
