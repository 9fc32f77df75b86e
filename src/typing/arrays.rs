//! Typing rules for array views: attributes, element loads and stores, len.

use super::emit::Emit;
use crate::error::Result;
use crate::ir::Attr;
use crate::syntax::Const;
use crate::types::Type;

pub fn array_attr<E: Emit>(e: &mut E, attr: Attr, v: E::V) -> Result<E::V> {
    let t = e.ty(&v);
    Err(e.error(format!(
        "a value of type {t} has no attribute '.{}'",
        attr.name()
    )))
}

pub fn load<E: Emit>(e: &mut E, v: E::V, _index: Vec<E::V>) -> Result<E::V> {
    let t = e.ty(&v);
    Err(e.unsupported(format!("indexing a value of type {t} is not supported yet")))
}

pub fn store<E: Emit>(e: &mut E, v: E::V, _index: Vec<E::V>, _value: E::V) -> Result<()> {
    let t = e.ty(&v);
    Err(e.error(format!(
        "a value of type {t} does not support item assignment"
    )))
}

pub fn len<E: Emit>(e: &mut E, v: E::V) -> Result<E::V> {
    match e.ty(&v) {
        Type::Tuple(items) => e.constant(Const::Int(items.len() as i128), Type::PY_INT),
        t => Err(e.error(format!("a value of type {t} has no len()"))),
    }
}
