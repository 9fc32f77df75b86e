//! The types of the items typed containers hold (`Item`): a number, a
//! typed container itself (a List of Lists, a Dict of Lists, ...), an
//! array (a view record whose owner the container counts), or a tuple of
//! those (a List of `(int64, float64)`), stored in place with C's
//! layout (`Item::fields`).
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
use std::sync::{Arc, OnceLock, RwLock};

use super::{ArrayType, Layout, Memory, Scalar};

/// Codes from here on are container types in the table.
const CONTAINER_BASE: u32 = 256;
/// Codes must fit the dispatcher's argument keys (`jit::args`: 13 bits
/// for a Dict's value).
const MAX_CODE: u32 = 1 << 13;
/// From here on, the items of a list or dict literal whose types type
/// inference has not found yet (`ItemKind::Pending`): never in a header.
const PENDING_BASE: u32 = 1 << 24;

/// The type of a container's items (a List's items, a Dict's values).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Item(u32);

/// What an `Item` is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A number (not float16).
    Scalar(Scalar),
    /// A typed List: the item is a pointer to its header, holding one
    /// reference.
    List(Item),
    /// A typed Dict (keys, values): a pointer to its header, holding one
    /// reference.
    Dict(Scalar, Item),
    /// A tuple of items (at least one), stored one after the other with
    /// C's alignment (`Item::fields`).
    Tuple(Arc<[Item]>),
    /// A writable array of a dtype (not float16) and a number of
    /// dimensions, C-contiguous or with any strides (`Layout`): stored as
    /// a view record (`codegen::arrays::View`: data, owner, shape,
    /// strides), whose owner is always a memory block (`engine::memory`)
    /// the container holds one reference to (`engine::items`).
    Array(Scalar, u32, Layout),
    /// The items of the list or dict literal numbered `origin` in its
    /// function (`ir::Op::NewList`) while type inference is still finding
    /// them (`typing::lists::literal`); never in typed IR.
    Pending(u32),
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
        t.kinds.push(kind.clone());
        t.index.insert(kind, code);
        Item(code)
    }

    /// The items of literal `origin` while inference finds them.
    pub fn pending(origin: u32) -> Item {
        Item(PENDING_BASE + origin)
    }

    /// Whether this stands for a literal's items not found yet.
    pub fn is_pending(self) -> bool {
        self.0 >= PENDING_BASE
    }

    /// A List of `item`s as an item.
    pub fn list(item: Item) -> Item {
        Item::of(ItemKind::List(item))
    }

    /// A Dict as an item.
    pub fn dict(key: Scalar, value: Item) -> Item {
        Item::of(ItemKind::Dict(key, value))
    }

    /// An array of `dtype` with `ndim` dimensions as an item.
    pub fn array(dtype: Scalar, ndim: u32, layout: Layout) -> Item {
        Item::of(ItemKind::Array(dtype, ndim, layout))
    }

    /// A tuple of `items` (at least one) as an item.
    pub fn tuple(items: &[Item]) -> Item {
        Item::of(ItemKind::Tuple(items.into()))
    }

    /// The item a header's code names, if it names one.
    pub fn from_code(code: i64) -> Option<Item> {
        let code = u32::try_from(code).ok().filter(|c| *c < MAX_CODE)?;
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
        if self.is_pending() {
            return ItemKind::Pending(self.0 - PENDING_BASE);
        }
        if self.0 < CONTAINER_BASE {
            return ItemKind::Scalar(
                Scalar::from_typenum(self.0 as i32).expect("made from a scalar"),
            );
        }
        table().read().unwrap_or_else(|e| e.into_inner()).kinds[(self.0 - CONTAINER_BASE) as usize]
            .clone()
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
        matches!(self.kind(), ItemKind::List(_) | ItemKind::Dict(..))
    }

    /// Whether the item is a number (its bytes are all there is to it).
    pub fn is_number(self) -> bool {
        self.0 < CONTAINER_BASE
    }

    /// Whether the item's code is numbered per process (not a NumPy type
    /// number): compiled code looks it up by name.
    pub fn is_numbered_per_process(self) -> bool {
        (CONTAINER_BASE..MAX_CODE).contains(&self.0)
    }

    /// Whether the item holds references (a container, or a tuple holding
    /// one).
    pub fn is_counted(self) -> bool {
        match self.kind() {
            ItemKind::List(_) | ItemKind::Dict(..) | ItemKind::Array(..) => true,
            ItemKind::Tuple(items) => items.iter().any(|i| i.is_counted()),
            ItemKind::Scalar(_) | ItemKind::Pending(_) => false,
        }
    }

    /// Bytes one item takes in a container (a tuple's padded to its
    /// alignment, as a C struct).
    pub fn itemsize(self) -> usize {
        match self.kind() {
            ItemKind::Scalar(s) => s.itemsize(),
            ItemKind::List(_) | ItemKind::Dict(..) => std::mem::size_of::<usize>(),
            ItemKind::Array(_, ndim, _) => 8 * (2 + 2 * ndim as usize),
            ItemKind::Tuple(_) => {
                let end = self.fields().last().map_or(0, |(at, i)| at + i.itemsize());
                end.next_multiple_of(self.align())
            }
            ItemKind::Pending(_) => 0,
        }
    }

    /// The alignment of an item (a complex number's is its parts').
    pub fn align(self) -> usize {
        match self.kind() {
            ItemKind::Scalar(s) if s.kind() == super::Kind::Complex => s.itemsize() / 2,
            ItemKind::Scalar(s) => s.itemsize(),
            ItemKind::List(_) | ItemKind::Dict(..) | ItemKind::Array(..) => 8,
            ItemKind::Tuple(items) => items.iter().map(|i| i.align()).max().unwrap_or(1),
            ItemKind::Pending(_) => 1,
        }
    }

    /// A tuple's items and their byte offsets (C's layout: each at the
    /// next multiple of its alignment); empty for other items.
    pub fn fields(self) -> Vec<(usize, Item)> {
        let ItemKind::Tuple(items) = self.kind() else {
            return vec![];
        };
        let mut at: usize = 0;
        items
            .iter()
            .map(|&i| {
                at = usize::next_multiple_of(at, i.align());
                let field = (at, i);
                at += i.itemsize();
                field
            })
            .collect()
    }

    /// The type of a value of this item in compiled code.
    pub fn to_type(self) -> super::Type {
        match self.kind() {
            ItemKind::Scalar(s) => super::Type::Scalar(s),
            ItemKind::List(i) => super::Type::List(i),
            ItemKind::Dict(k, v) => super::Type::Dict(k, v),
            ItemKind::Tuple(items) => {
                super::Type::Tuple(items.iter().map(|i| i.to_type()).collect())
            }
            ItemKind::Array(dtype, ndim, layout) => super::Type::Array(ArrayType {
                dtype,
                ndim,
                layout,
                readonly: false,
                memory: Memory::Owned,
            }),
            ItemKind::Pending(_) => super::Type::Unknown,
        }
    }

    /// The item a value of type `t` is, if containers hold such values.
    pub fn of_type(t: &super::Type) -> Option<Item> {
        match t {
            super::Type::Scalar(s) if *s != Scalar::F16 => Some(Item::scalar(*s)),
            super::Type::List(i) => Some(Item::list(*i)),
            super::Type::Dict(k, v) => Some(Item::dict(*k, *v)),
            // A read-only view is typed as the writable item it would be
            // stored as; storing it is refused where it is converted.
            super::Type::Array(a) if a.dtype != Scalar::F16 => {
                Some(Item::array(a.dtype, a.ndim, a.layout))
            }
            super::Type::Tuple(items) if !items.is_empty() => {
                let items = items
                    .iter()
                    .map(Item::of_type)
                    .collect::<Option<Vec<_>>>()?;
                Some(Item::tuple(&items))
            }
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
            ItemKind::Tuple(items) if items.iter().all(|i| *i == items[0]) => {
                write!(f, "UniTuple({} x {})", items[0], items.len())
            }
            ItemKind::Tuple(items) => {
                let names: Vec<String> = items.iter().map(|i| i.to_string()).collect();
                write!(f, "Tuple({})", names.join(", "))
            }
            ItemKind::Array(dtype, ndim, layout) => {
                let l = if layout == Layout::C { "C" } else { "A" };
                write!(f, "array({dtype}, {ndim}d, {l})")
            }
            ItemKind::Pending(origin) => write!(f, "literal{origin}?"),
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
        let t = Item::tuple(&[Item::scalar(Scalar::I8), Item::scalar(Scalar::F64), lf]);
        assert_eq!(
            t.fields().iter().map(|f| f.0).collect::<Vec<_>>(),
            vec![0, 8, 16]
        );
        assert_eq!((t.itemsize(), t.align()), (24, 8));
        assert_eq!(t.to_string(), "Tuple(int8, float64, ListType[float64])");
        assert!(t.is_counted() && !t.is_container() && !t.is_number());
        let c = Item::tuple(&[Item::scalar(Scalar::C64), Item::scalar(Scalar::Bool)]);
        assert_eq!((c.itemsize(), c.align()), (12, 4));
        assert_eq!(Item::of_type(&c.to_type()), Some(c));
        let a = Item::array(Scalar::F32, 2, Layout::C);
        assert_eq!(a.to_string(), "array(float32, 2d, C)");
        assert_eq!((a.itemsize(), a.align()), (48, 8));
        assert!(a.is_counted() && !a.is_container());
        assert_eq!(Item::of_type(&a.to_type()), Some(a));
        let parsed = crate::types::parse_type(&a.to_string()).unwrap();
        assert_eq!(Item::of_type(&parsed), Some(a));
        let t = Item::tuple(&[Item::scalar(Scalar::I8), a]);
        assert_eq!(t.fields()[1].0, 8);
        assert!(Item::from_code(MAX_CODE as i64).is_none());
        assert!(Item::from_code(-1).is_none());
    }
}
