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
use crate::types::{Item, ItemKind};

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
