//! The types of the items typed containers hold (`Item`): a number, or a
//! typed container itself (a List of Lists, a Dict of Lists, ...).
//!
//! An `Item` is a small `Copy` handle whose number is also what a
//! container's header stores as its item type (`engine::list`'s
//! `typenum`, `engine::dict`'s `value_typenum`): a number's NumPy type
//! number, below `CONTAINER_BASE`, or `CONTAINER_BASE` plus the position of
//! a container type in a process-wide table. So the runtime, the Python
//! classes and the dispatcher all read a container's full type from its
//! header, and a header made by compiled code comes back to Python knowing
//! its type.

use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, RwLock};

use super::Scalar;

/// Codes from here on are container types in the table.
const CONTAINER_BASE: u32 = 256;
/// Codes must fit the dispatcher's argument keys (`jit::args`: 13 bits
/// for a Dict's value).
const MAX_CODE: u32 = 1 << 13;

/// The type of a container's items (a List's items, a Dict's values).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Item(u32);

/// What an `Item` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A number (not float16).
    Scalar(Scalar),
    /// A typed List: the item is a pointer to its header, holding one
    /// reference.
    List(Item),
    /// A typed Dict (keys, values): a pointer to its header, holding one
    /// reference.
    Dict(Scalar, Item),
}

struct Table {
    kinds: Vec<ItemKind>,
    index: HashMap<ItemKind, u32>,
}

fn table() -> &'static RwLock<Table> {
    static TABLE: OnceLock<RwLock<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        RwLock::new(Table {
            kinds: vec![],
            index: HashMap::new(),
        })
    })
}

impl Item {
    /// A number item.
    pub fn scalar(s: Scalar) -> Item {
        Item(s.typenum() as u32)
    }

    /// The item of `kind` (containers are entered in the table once).
    pub fn of(kind: ItemKind) -> Item {
        if let ItemKind::Scalar(s) = kind {
            return Item::scalar(s);
        }
        if let Some(&k) = table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .get(&kind)
        {
            return Item(k);
        }
        let mut t = table().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&k) = t.index.get(&kind) {
            return Item(k);
        }
        let code = CONTAINER_BASE + t.kinds.len() as u32;
        assert!(code < MAX_CODE, "too many typed container types");
        t.kinds.push(kind);
        t.index.insert(kind, code);
        Item(code)
    }

    /// A List of `item`s as an item.
    pub fn list(item: Item) -> Item {
        Item::of(ItemKind::List(item))
    }

    /// A Dict as an item.
    pub fn dict(key: Scalar, value: Item) -> Item {
        Item::of(ItemKind::Dict(key, value))
    }

    /// The item a header's code names, if it names one.
    pub fn from_code(code: i64) -> Option<Item> {
        let code = u32::try_from(code).ok()?;
        if code < CONTAINER_BASE {
            return Scalar::from_typenum(code as i32).map(Item::scalar);
        }
        let t = table().read().unwrap_or_else(|e| e.into_inner());
        t.kinds
            .get((code - CONTAINER_BASE) as usize)
            .map(|_| Item(code))
    }

    /// The number headers store.
    pub fn code(self) -> i64 {
        self.0 as i64
    }

    pub fn kind(self) -> ItemKind {
        if self.0 < CONTAINER_BASE {
            return ItemKind::Scalar(
                Scalar::from_typenum(self.0 as i32).expect("made from a scalar"),
            );
        }
        table().read().unwrap_or_else(|e| e.into_inner()).kinds[(self.0 - CONTAINER_BASE) as usize]
    }

    /// The number type, for a number item.
    pub fn as_scalar(self) -> Option<Scalar> {
        match self.kind() {
            ItemKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the item is a reference-counted container (a pointer).
    pub fn is_container(self) -> bool {
        self.0 >= CONTAINER_BASE
    }

    /// Bytes one item takes in a container.
    pub fn itemsize(self) -> usize {
        match self.kind() {
            ItemKind::Scalar(s) => s.itemsize(),
            ItemKind::List(_) | ItemKind::Dict(..) => std::mem::size_of::<usize>(),
        }
    }

    /// The type of a value of this item in compiled code.
    pub fn to_type(self) -> super::Type {
        match self.kind() {
            ItemKind::Scalar(s) => super::Type::Scalar(s),
            ItemKind::List(i) => super::Type::List(i),
            ItemKind::Dict(k, v) => super::Type::Dict(k, v),
        }
    }

    /// The item a value of type `t` is, if containers hold such values.
    pub fn of_type(t: &super::Type) -> Option<Item> {
        match t {
            super::Type::Scalar(s) if *s != Scalar::F16 => Some(Item::scalar(*s)),
            super::Type::List(i) => Some(Item::list(*i)),
            super::Type::Dict(k, v) => Some(Item::dict(*k, *v)),
            _ => None,
        }
    }
}

impl fmt::Display for Item {
    /// Numba's spelling: `int64`, `ListType[int64]`,
    /// `DictType[int64,ListType[float64]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            ItemKind::Scalar(s) => write!(f, "{s}"),
            ItemKind::List(i) => write!(f, "ListType[{i}]"),
            ItemKind::Dict(k, v) => write!(f, "DictType[{k},{v}]"),
        }
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Item({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_through_their_codes() {
        let f = Item::scalar(Scalar::F64);
        assert_eq!(f.code(), Scalar::F64.typenum() as i64);
        assert_eq!(f.as_scalar(), Some(Scalar::F64));
        let lf = Item::list(f);
        let llf = Item::list(lf);
        let d = Item::dict(Scalar::I64, llf);
        assert!(lf.code() >= CONTAINER_BASE as i64);
        assert_eq!(Item::list(Item::scalar(Scalar::F64)), lf);
        assert_eq!(Item::from_code(d.code()), Some(d));
        assert_eq!(d.to_string(), "DictType[int64,ListType[ListType[float64]]]");
        assert_eq!(Item::of_type(&llf.to_type()), Some(llf));
        assert_eq!(lf.itemsize(), 8);
        assert!(Item::from_code(MAX_CODE as i64).is_none());
        assert!(Item::from_code(-1).is_none());
    }
}
