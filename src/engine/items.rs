//! Items of typed containers that are typed containers themselves (a List
//! of Lists, a Dict of Lists), arrays (whose view record's owner is a
//! memory block: `engine::memory::jitufunc_rt_view_own`), or tuples
//! holding some: a container holds one reference to each such item
//! (`types::Item::is_counted`), taken when the item is stored
//! and dropped when it is overwritten, removed without being handed on,
//! or freed with its container. Number items need nothing.
//!
//! Container item codes are numbered per process (`types::item`), so
//! compiled code, which may be cached on disk and loaded by another
//! process, asks for them by name (`jitufunc_rt_item_code`).

use super::dict::{jitufunc_rt_dict_decref, jitufunc_rt_dict_incref, DictHeader};
use super::list::{jitufunc_rt_list_decref, jitufunc_rt_list_incref, ListHeader};
use super::memory::{jitufunc_rt_decref, jitufunc_rt_incref, MemBlock};
use crate::types::{Item, ItemKind, Scalar};

/// Takes a reference to the item of type `item` stored at `p`.
///
/// # Safety
/// `p` holds an item of type `item` (for a container, null or a live
/// header of that type).
pub unsafe fn retain(item: Item, p: *const u8) {
    // SAFETY: per the contract, `p` holds a header pointer for containers.
    unsafe {
        match item.kind() {
            ItemKind::Scalar(_) | ItemKind::Pending(_) => {}
            ItemKind::List(_) => {
                jitufunc_rt_list_incref((p as *const *mut ListHeader).read_unaligned())
            }
            ItemKind::Dict(..) => {
                jitufunc_rt_dict_incref((p as *const *mut DictHeader).read_unaligned())
            }
            ItemKind::Array(..) => jitufunc_rt_incref(owner_of(p)),
            ItemKind::Tuple(_) => {
                for (at, field) in item.fields() {
                    retain(field, p.add(at));
                }
            }
        }
    }
}

/// Drops the reference the container held to the item of type `item`
/// stored at `p` (which must not be used afterwards).
///
/// # Safety
/// `p` holds an item of type `item` whose reference the container held.
pub unsafe fn release(item: Item, p: *const u8) {
    // SAFETY: per the contract, `p` holds a header pointer (or null) for
    // containers, with the reference handed to this function.
    unsafe {
        match item.kind() {
            ItemKind::Scalar(_) | ItemKind::Pending(_) => {}
            ItemKind::List(_) => {
                jitufunc_rt_list_decref((p as *const *mut ListHeader).read_unaligned())
            }
            ItemKind::Dict(..) => {
                jitufunc_rt_dict_decref((p as *const *mut DictHeader).read_unaligned())
            }
            ItemKind::Array(..) => jitufunc_rt_decref(owner_of(p)),
            ItemKind::Tuple(_) => {
                for (at, field) in item.fields() {
                    release(field, p.add(at));
                }
            }
        }
    }
}

/// The owner word (the second) of the array item's view record at `p`.
///
/// # Safety
/// `p` holds an array item.
unsafe fn owner_of(p: *const u8) -> *mut MemBlock {
    // SAFETY: per the contract, a view record of 8-byte words.
    unsafe { (p as *const *mut MemBlock).add(1).read_unaligned() }
}

/// Releases `n` items of type `item` stored `stride` bytes apart from `p`.
///
/// # Safety
/// As `release`, for each of the `n` items.
pub unsafe fn release_all(item: Item, p: *const u8, n: i64, stride: i64) {
    if !item.is_counted() {
        return;
    }
    for k in 0..n.max(0) {
        // SAFETY: per the contract, item `k` is at `p + k * stride`.
        unsafe { release(item, p.add((k * stride) as usize)) };
    }
}

/// A number item as Python compares it.
#[derive(Clone, Copy)]
enum Number {
    Int(i128),
    Float(f64),
    Complex(f64, f64),
}

/// The number of type `s` at `p`.
///
/// # Safety
/// `p` holds a number of type `s`.
unsafe fn number(s: Scalar, p: *const u8) -> Number {
    // SAFETY: per the contract.
    unsafe {
        match s {
            Scalar::Bool => Number::Int((*p != 0) as i128),
            Scalar::I8 => Number::Int((p as *const i8).read() as i128),
            Scalar::U8 => Number::Int(p.read() as i128),
            Scalar::I16 => Number::Int((p as *const i16).read_unaligned() as i128),
            Scalar::U16 => Number::Int((p as *const u16).read_unaligned() as i128),
            Scalar::I32 => Number::Int((p as *const i32).read_unaligned() as i128),
            Scalar::U32 => Number::Int((p as *const u32).read_unaligned() as i128),
            Scalar::I64 => Number::Int((p as *const i64).read_unaligned() as i128),
            Scalar::U64 => Number::Int((p as *const u64).read_unaligned() as i128),
            Scalar::F16 => Number::Float(f64::NAN),
            Scalar::F32 => Number::Float((p as *const f32).read_unaligned() as f64),
            Scalar::F64 => Number::Float((p as *const f64).read_unaligned()),
            Scalar::C64 => {
                let q = p as *const f32;
                Number::Complex(q.read_unaligned() as f64, q.add(1).read_unaligned() as f64)
            }
            Scalar::C128 => {
                let q = p as *const f64;
                Number::Complex(q.read_unaligned(), q.add(1).read_unaligned())
            }
        }
    }
}

/// Whether an integer equals a float exactly (Python's `2**53 + 1 !=
/// 2.0**53`).
fn int_equals_float(i: i128, f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && f.abs() < 2f64.powi(100) && f as i128 == i
}

/// `a == b` as Python compares numbers.
fn numbers_equal(a: Number, b: Number) -> bool {
    use Number::*;
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Int(i), Float(f)) | (Float(f), Int(i)) => int_equals_float(i, f),
        (Complex(r, i), Complex(s, j)) => r == s && i == j,
        (Complex(r, i), other) | (other, Complex(r, i)) => {
            i == 0.0 && numbers_equal(Float(r), other)
        }
    }
}

/// The number a Dict's key word is (`engine::dict::KeyKind`).
fn key_number(kind: super::dict::KeyKind, key: u64) -> Number {
    use super::dict::KeyKind;
    match kind {
        KeyKind::Signed => Number::Int(key as i64 as i128),
        KeyKind::Unsigned => Number::Int(key as i128),
        KeyKind::Bool => Number::Int((key != 0) as i128),
        KeyKind::Float => Number::Float(f64::from_bits(key)),
    }
}

/// `a == b` for item `pa` of type `a` and item `pb` of type `b`, as Python
/// compares them: numbers by value across types, typed Lists item by item,
/// typed Dicts by their keys and values, tuples field by field. Arrays
/// compare elementwise in NumPy, so never equal here (typing refuses
/// them).
///
/// # Safety
/// `pa` and `pb` hold items of types `a` and `b` (containers: null or
/// live headers).
pub unsafe fn equal(a: Item, pa: *const u8, b: Item, pb: *const u8) -> bool {
    // SAFETY: per the contract.
    unsafe {
        match (a.kind(), b.kind()) {
            (ItemKind::Scalar(x), ItemKind::Scalar(y)) => {
                numbers_equal(number(x, pa), number(y, pb))
            }
            (ItemKind::List(_), ItemKind::List(_)) => lists_equal(
                (pa as *const *const ListHeader).read_unaligned(),
                (pb as *const *const ListHeader).read_unaligned(),
            ),
            (ItemKind::Dict(..), ItemKind::Dict(..)) => dicts_equal(
                (pa as *const *const DictHeader).read_unaligned(),
                (pb as *const *const DictHeader).read_unaligned(),
            ),
            (ItemKind::Tuple(_), ItemKind::Tuple(_)) => {
                let (fa, fb) = (a.fields(), b.fields());
                fa.len() == fb.len()
                    && fa
                        .iter()
                        .zip(&fb)
                        .all(|((at, x), (bt, y))| equal(*x, pa.add(*at), *y, pb.add(*bt)))
            }
            _ => false,
        }
    }
}

/// The item type and items of List header `h` (null: an empty List).
///
/// # Safety
/// `h` is null or a live header.
unsafe fn list_items(h: *const ListHeader) -> Option<(Item, *const u8, i64, i64)> {
    // SAFETY: per the contract.
    let h = unsafe { h.as_ref() }?;
    Some((Item::from_code(h.item)?, h.data, h.len, h.itemsize))
}

/// `a == b` for two typed Lists (null: empty).
///
/// # Safety
/// `a` and `b` are null or live headers.
pub unsafe extern "C" fn jitufunc_rt_list_equal(a: *const ListHeader, b: *const ListHeader) -> i8 {
    // SAFETY: per the contract.
    unsafe { lists_equal(a, b) as i8 }
}

unsafe fn lists_equal(a: *const ListHeader, b: *const ListHeader) -> bool {
    // SAFETY: null or live headers (the callers'); items `k < len` lie
    // `itemsize` bytes apart from `data`.
    unsafe {
        match (list_items(a), list_items(b)) {
            (None, None) => true,
            (Some((_, _, n, _)), None) | (None, Some((_, _, n, _))) => n == 0,
            (Some((ia, da, na, sa)), Some((ib, db, nb, sb))) => {
                na == nb
                    && (0..na).all(|k| {
                        equal(ia, da.add((k * sa) as usize), ib, db.add((k * sb) as usize))
                    })
            }
        }
    }
}

unsafe fn dicts_equal(a: *const DictHeader, b: *const DictHeader) -> bool {
    // SAFETY: null or live headers (the caller's); entries below `used`
    // that are live hold a key word and a value of the header's type.
    unsafe {
        let (Some(a), Some(b)) = (a.as_ref(), b.as_ref()) else {
            let n = |h: *const DictHeader| h.as_ref().map_or(0, |h| h.len);
            return n(a) == n(b);
        };
        if a.len != b.len {
            return false;
        }
        let (Some(va), Some(vb)) = (
            Item::from_code(a.value_typenum),
            Item::from_code(b.value_typenum),
        ) else {
            return false;
        };
        (0..a.used).filter(|&i| a.entry_live(i)).all(|i| {
            let key = a.entry_key(i);
            let j = if a.key_kind() == b.key_kind() {
                b.find(key)
            } else {
                let x = key_number(a.key_kind(), key);
                (0..b.used)
                    .find(|&j| {
                        b.entry_live(j)
                            && numbers_equal(x, key_number(b.key_kind(), b.entry_key(j)))
                    })
                    .unwrap_or(-1)
            };
            j >= 0 && equal(va, a.entry_value(i), vb, b.entry_value(j))
        })
    }
}

/// The first `k >= start` where List `h`'s item equals the item of type
/// `item` at `p` (`v in l` for items that are not numbers), or -1.
///
/// # Safety
/// `h` is null or a live header; `p` holds an item of type `item`'s code.
pub unsafe extern "C" fn jitufunc_rt_list_find(
    h: *const ListHeader,
    item: i64,
    p: *const u8,
    start: i64,
) -> i64 {
    let Some(item) = Item::from_code(item) else {
        return -1;
    };
    // SAFETY: per the contract.
    unsafe {
        let Some((ia, data, n, size)) = list_items(h) else {
            return -1;
        };
        (start.max(0)..n)
            .find(|&k| equal(ia, data.add((k * size) as usize), item, p))
            .unwrap_or(-1)
    }
}

/// The item code (`types::Item::code`) of the container type named by the
/// `len` UTF-8 bytes at `name` (`ListType[int64]`, `array(float64, 1d, A)`), entered in this
/// process's table; -1 if it names none (not made by codegen).
///
/// # Safety
/// `name` points to `len` readable bytes.
pub unsafe extern "C" fn jitufunc_rt_item_code(name: *const u8, len: i64) -> i64 {
    // SAFETY: per the contract.
    let bytes = unsafe { std::slice::from_raw_parts(name, len.max(0) as usize) };
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| crate::types::parse_type(text).ok())
        .and_then(|t| Item::of_type(&t))
        .map_or(-1, Item::code)
}
