//! Argument types as the dispatcher reads them from Python objects, packed
//! into one `u32` each (`ArgKey`) so that finding the specialisation for a
//! call compares a few integers and creates no Python objects. A tuple's
//! key is the number of its item keys in a process-wide table.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::abi::{view_words, SLOT};
use crate::types::{ArrayType, Item, Layout, Memory, Scalar, Type};

/// One argument's type: a scalar dtype, or an array's dtype, number of
/// dimensions, layout and writability.
///
/// Bits 0-7: the dtype's NumPy type number; bit 8: an array; bits 9-15: its
/// number of dimensions; bit 16: C-contiguous; bit 17: read-only; bit 18: a
/// Python number (`bool`, `int`, `float`, `complex`; not a NumPy scalar),
/// typed weak as NEP 50 says: `True + True` is 2, `float32_array * x` for a
/// Python float `x` stays float32. With bit
/// 19 set, a tuple: bits 0-18 number its item keys in `tuple_table`. Bit
/// 20 alone: `None`; bits 20 and 0: a `numpy.random.Generator`. With bit 21 set, a function passed as a value: bits
/// 0-20 are its `FunctionRef`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArgKey(pub u32);

const ARRAY: u32 = 1 << 8;
const C_CONTIGUOUS: u32 = 1 << 16;
const READONLY: u32 = 1 << 17;
const PYTHON_NUMBER: u32 = 1 << 18;
const TUPLE: u32 = 1 << 19;
const NONE: u32 = 1 << 20;
const GENERATOR: u32 = NONE | 1;
const FUNCTION: u32 = 1 << 21;
/// A typed List (`jitufunc.typed.List`): bits 0-12 are its item type
/// (`types::Item::code`).
const LIST: u32 = 1 << 22;
/// A typed Dict (`jitufunc.typed.Dict`): the key's dtype in the low byte,
/// the value's `types::Item::code` in bits 9-21.
const DICT: u32 = 1 << 23;
/// The container bits: a key with one of them is a container's, whatever
/// its other bits (which other kinds give other meanings).
const CONTAINER: u32 = LIST | DICT;
/// Item codes take 13 bits (`types::item`).
const ITEM_BITS: u32 = 0x1fff;

/// The item keys of every tuple type seen, both ways.
struct TupleTable {
    items: Vec<Vec<ArgKey>>,
    index: HashMap<Vec<ArgKey>, u32>,
}

fn tuple_table() -> &'static RwLock<TupleTable> {
    static TABLE: OnceLock<RwLock<TupleTable>> = OnceLock::new();
    TABLE.get_or_init(|| {
        RwLock::new(TupleTable {
            items: vec![],
            index: HashMap::new(),
        })
    })
}
/// Arrays of more dimensions than this are refused (NumPy's limit is 64).
pub const MAX_NDIM: u32 = 64;

impl ArgKey {
    pub fn scalar(s: Scalar) -> ArgKey {
        ArgKey(s.typenum() as u32)
    }

    /// A Python `bool`: typed as Python's bool (weak), so that arithmetic
    /// on it is Python's (`True + True == 2`), as Numba's is.
    pub fn python_bool() -> ArgKey {
        ArgKey::python_number(crate::types::Weak::Bool)
    }

    /// A Python number, typed weak (NEP 50): it takes the other operand's
    /// dtype in arithmetic with arrays and NumPy scalars of its kind, as
    /// in NumPy 2. Stored as Python's own width (int64, float64,
    /// complex128).
    pub fn python_number(w: crate::types::Weak) -> ArgKey {
        use crate::types::Weak;
        let s = match w {
            Weak::Bool => Scalar::Bool,
            Weak::Int => Scalar::I64,
            Weak::Float => Scalar::F64,
            Weak::Complex => Scalar::C128,
        };
        ArgKey(s.typenum() as u32 | PYTHON_NUMBER)
    }

    pub fn array(dtype: Scalar, ndim: u32, c_contiguous: bool, readonly: bool) -> ArgKey {
        let mut k = dtype.typenum() as u32 | ARRAY | (ndim.min(MAX_NDIM) << 9);
        if c_contiguous && ndim > 0 {
            k |= C_CONTIGUOUS;
        }
        if readonly {
            k |= READONLY;
        }
        ArgKey(k)
    }

    /// The key with each Python number (also inside tuples) replaced by
    /// its default NumPy dtype (`int64`, `float64`, `complex128`; a
    /// Python bool stays a Python bool): how explicit signatures are
    /// matched.
    pub fn strengthened(self) -> ArgKey {
        if self.is_tuple() {
            let items: Vec<ArgKey> = self.items().iter().map(|k| k.strengthened()).collect();
            return ArgKey::tuple(&items);
        }
        if self.0 & CONTAINER == 0 && self.0 & PYTHON_NUMBER != 0 && self.dtype() != Scalar::Bool {
            return ArgKey::scalar(self.dtype());
        }
        self
    }

    /// `None`: typed `none`, passed as nothing.
    /// A typed List of items of type `item`.
    pub fn list(item: Item) -> ArgKey {
        ArgKey(item.code() as u32 | LIST)
    }

    pub fn is_list(self) -> bool {
        self.0 & LIST != 0
    }

    /// A typed Dict of keys of type `k` and values of type `v`.
    pub fn dict(k: Scalar, v: Item) -> ArgKey {
        ArgKey(k.typenum() as u32 | (v.code() as u32) << 9 | DICT)
    }

    pub fn is_dict(self) -> bool {
        self.0 & DICT != 0
    }

    pub fn none() -> ArgKey {
        ArgKey(NONE)
    }

    pub fn is_none(self) -> bool {
        self.0 == NONE
    }

    /// A `numpy.random.Generator`: passed as its `bitgen_t` pointer.
    pub fn generator() -> ArgKey {
        ArgKey(GENERATOR)
    }

    pub fn is_generator(self) -> bool {
        self.0 == GENERATOR
    }

    /// A `@jit` function or jitufunc ufunc: typed by which one it is,
    /// passed as nothing.
    pub fn function(r: crate::types::FunctionRef) -> ArgKey {
        assert!(r.0 < NONE, "too many functions passed as values");
        ArgKey(FUNCTION | r.0)
    }

    pub fn is_function(self) -> bool {
        self.0 & CONTAINER == 0 && self.0 & FUNCTION != 0
    }

    /// A tuple of items of these keys.
    pub fn tuple(items: &[ArgKey]) -> ArgKey {
        let table = tuple_table();
        if let Some(i) = table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .get(items)
        {
            return ArgKey(TUPLE | i);
        }
        let mut t = table.write().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = t.index.get(items) {
            return ArgKey(TUPLE | i);
        }
        let i = t.items.len() as u32;
        assert!(i < TUPLE, "too many distinct tuple argument types");
        t.items.push(items.to_vec());
        t.index.insert(items.to_vec(), i);
        ArgKey(TUPLE | i)
    }

    pub fn is_tuple(self) -> bool {
        self.0 & CONTAINER == 0 && self.0 & TUPLE != 0
    }

    /// The item keys of a tuple key.
    pub fn items(self) -> Vec<ArgKey> {
        let t = tuple_table().read().unwrap_or_else(|e| e.into_inner());
        t.items[(self.0 & (TUPLE - 1)) as usize].clone()
    }

    /// The 64-bit words the argument takes in the call's buffer (`abi`):
    /// a scalar slot, a view record, or a tuple's leaves.
    pub fn words(self) -> usize {
        if self.is_tuple() {
            self.items().iter().map(|k| k.words()).sum()
        } else if self.is_none() || self.is_function() {
            0
        } else if self.is_list() || self.is_dict() || self.is_generator() {
            1
        } else if self.is_array() {
            view_words(self.ndim())
        } else {
            SLOT / 8
        }
    }

    pub fn dtype(self) -> Scalar {
        Scalar::from_typenum((self.0 & 0xff) as i32).expect("keys are made from scalars")
    }

    pub fn is_array(self) -> bool {
        self.0 & CONTAINER == 0 && self.0 & ARRAY != 0
    }

    pub fn ndim(self) -> u32 {
        (self.0 >> 9) & 0x7f
    }

    /// The type the function is compiled for.
    pub fn to_type(self) -> Type {
        if self.is_tuple() {
            return Type::Tuple(self.items().iter().map(|k| k.to_type()).collect());
        }
        if self.is_none() {
            return Type::NoneType;
        }
        if self.is_generator() {
            return Type::Generator;
        }
        if self.is_function() {
            return Type::Function(crate::types::FunctionRef(self.0 & (FUNCTION - 1)));
        }
        if self.is_list() {
            let item = Item::from_code((self.0 & ITEM_BITS) as i64);
            return Type::List(item.expect("keys are made from items"));
        }
        if self.is_dict() {
            let value = Item::from_code(((self.0 >> 9) & ITEM_BITS) as i64);
            return Type::Dict(self.dtype(), value.expect("keys are made from items"));
        }
        if self.0 & PYTHON_NUMBER != 0 {
            use crate::types::Weak;
            return Type::Weak(match self.dtype() {
                Scalar::Bool => Weak::Bool,
                Scalar::I64 => Weak::Int,
                Scalar::F64 => Weak::Float,
                _ => Weak::Complex,
            });
        }
        if !self.is_array() {
            return Type::Scalar(self.dtype());
        }
        Type::Array(ArrayType {
            dtype: self.dtype(),
            ndim: self.ndim(),
            layout: if self.0 & C_CONTIGUOUS != 0 {
                Layout::C
            } else {
                Layout::Any
            },
            readonly: self.0 & READONLY != 0,
            memory: Memory::Borrowed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_to_types() {
        assert_eq!(ArgKey::scalar(Scalar::F64).to_type(), Type::F64);
        let a = ArgKey::array(Scalar::I16, 3, true, true);
        assert!(a.is_array());
        assert_eq!(
            a.to_type(),
            Type::Array(ArrayType {
                dtype: Scalar::I16,
                ndim: 3,
                layout: Layout::C,
                readonly: true,
                memory: Memory::Borrowed,
            })
        );
        // A 0-d array has no contiguous axis to exploit.
        assert_eq!(
            ArgKey::array(Scalar::F32, 0, true, false),
            ArgKey::array(Scalar::F32, 0, false, false)
        );
        assert_ne!(
            ArgKey::array(Scalar::F64, 1, true, false),
            ArgKey::scalar(Scalar::F64)
        );
    }

    #[test]
    fn tuple_keys_are_interned_and_nest() {
        let inner = ArgKey::tuple(&[ArgKey::scalar(Scalar::I64), ArgKey::python_bool()]);
        let outer = ArgKey::tuple(&[inner, ArgKey::array(Scalar::F32, 2, false, false)]);
        assert_eq!(
            outer,
            ArgKey::tuple(&[inner, ArgKey::array(Scalar::F32, 2, false, false)])
        );
        assert_ne!(inner, outer);
        assert_eq!(outer.words(), 2 + 2 + view_words(2));
        assert_eq!(
            outer.to_type().to_string(),
            "((int64, pybool), float32[:, :])"
        );
        assert_eq!(ArgKey::tuple(&[]).to_type(), Type::Tuple(vec![]));
        assert_eq!(ArgKey::none().to_type(), Type::NoneType);
        assert_eq!(ArgKey::none().words(), 0);
        assert!(!ArgKey::scalar(Scalar::Bool).is_none());
        let f = ArgKey::function(crate::types::FunctionRef(5));
        assert_eq!(f.to_type(), Type::Function(crate::types::FunctionRef(5)));
        assert_eq!(f.words(), 0);
        assert!(!f.is_tuple() && !f.is_array() && !f.is_none());
    }
}
