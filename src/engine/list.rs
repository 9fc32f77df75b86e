//! Typed lists (`jitufunc.typed.List`): a reference-counted header that
//! owns a growable buffer of numbers, shared by Python and compiled code.
//!
//! Compiled code holds a pointer to the `ListHeader` (never to the buffer),
//! so an append that reallocates the buffer is seen by every holder. The
//! Python object (`python::typed_list`) holds one reference; compiled code
//! counts the others as it counts arrays (`ir::refcount`, with
//! `jitufunc_rt_list_incref`/`decref`). The last reference frees the buffer
//! and the header.
//!
//! Layout (codegen reads fields by index, `codegen::list`): refcount, len,
//! cap, data, itemsize, item. Invariants: `0 <= len <= cap`; `data`
//! holds `cap * itemsize` bytes (null when `cap` is 0). Items that are
//! containers are header pointers the list holds a reference to
//! (`engine::items`); the last reference to the list drops them.

use std::alloc::{alloc, dealloc, realloc, Layout};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The header every holder points to.
#[repr(C)]
pub struct ListHeader {
    refcount: AtomicI64,
    /// Number of items.
    pub len: i64,
    /// Number of items the buffer has room for.
    pub cap: i64,
    /// The items, `itemsize` bytes each, in native order.
    pub data: *mut u8,
    /// Bytes per item.
    pub itemsize: i64,
    /// The items' type: `types::Item::code` (a number's NumPy type
    /// number, or a container type).
    pub item: i64,
}

/// Field numbers codegen reads.
pub const FIELD_LEN: u32 = 1;
pub const FIELD_CAP: u32 = 2;
pub const FIELD_DATA: u32 = 3;

/// Alignment of the buffer (complex128 items, vector loads).
const ALIGN: usize = 16;

static LIVE: AtomicU64 = AtomicU64::new(0);

/// Number of list headers alive in this process (for tests).
pub fn live() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

fn buffer_layout(cap: i64, itemsize: i64) -> Option<Layout> {
    let bytes = usize::try_from(cap).ok()?.checked_mul(itemsize as usize)?;
    Layout::from_size_align(bytes.max(1), ALIGN).ok()
}

/// A new empty list of items of `itemsize` bytes and type `item`
/// (`types::Item::code`), with one reference.
pub extern "C" fn jitufunc_rt_list_new(itemsize: i64, item: i64) -> *mut ListHeader {
    LIVE.fetch_add(1, Ordering::Relaxed);
    Box::into_raw(Box::new(ListHeader {
        refcount: AtomicI64::new(1),
        len: 0,
        cap: 0,
        data: std::ptr::null_mut(),
        itemsize,
        item,
    }))
}

/// Adds a reference to list `h` (null is ignored).
///
/// # Safety
/// `h` is null or a live header.
pub unsafe extern "C" fn jitufunc_rt_list_incref(h: *mut ListHeader) {
    if !h.is_null() {
        // SAFETY: a live header, per the contract.
        unsafe { (*h).refcount.fetch_add(1, Ordering::Relaxed) };
    }
}

/// Drops a reference to list `h`, freeing it with the last one (null is
/// ignored).
///
/// # Safety
/// `h` is null or a live header whose reference the caller holds.
pub unsafe extern "C" fn jitufunc_rt_list_decref(h: *mut ListHeader) {
    if h.is_null() {
        return;
    }
    // SAFETY: a live header, per the contract; the last reference frees
    // it once (Release/Acquire orders every earlier use before the free).
    unsafe {
        if (*h).refcount.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        std::sync::atomic::fence(Ordering::Acquire);
        let header = Box::from_raw(h);
        if let Some(item) = crate::types::Item::from_code(header.item) {
            super::items::release_all(item, header.data, header.len, header.itemsize);
        }
        if !header.data.is_null() {
            let layout = buffer_layout(header.cap, header.itemsize).expect("allocated with it");
            dealloc(header.data, layout);
        }
    }
    LIVE.fetch_sub(1, Ordering::Relaxed);
}

/// Makes room for at least `need` items in `h` (the buffer grows by half
/// again, at least to 4 items). Returns 1, or 0 after reporting a
/// `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_list_reserve(h: *mut ListHeader, need: i64) -> i32 {
    // SAFETY: a live header, per the contract; the buffer is (re)allocated
    // with the layout of its capacity, as `decref` frees it.
    unsafe {
        let header = &mut *h;
        if need <= header.cap {
            return 1;
        }
        let cap = need.max(header.cap + header.cap / 2 + 4);
        let Some(layout) = buffer_layout(cap, header.itemsize) else {
            return memory_error(cap, header.itemsize);
        };
        let data = if header.data.is_null() {
            alloc(layout)
        } else {
            let old = buffer_layout(header.cap, header.itemsize).expect("allocated with it");
            realloc(header.data, old, layout.size())
        };
        if data.is_null() {
            return memory_error(cap, header.itemsize);
        }
        header.data = data;
        header.cap = cap;
    }
    1
}

fn memory_error(cap: i64, itemsize: i64) -> i32 {
    super::runtime::report(super::runtime::RuntimeError::Memory(format!(
        "cannot grow a typed List to {cap} items of {itemsize} bytes"
    )));
    0
}

/// Removes every item of `h` (releasing container items).
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_list_clear(h: *mut ListHeader) {
    // SAFETY: a live header whose `len` items have its item type.
    unsafe {
        let header = &mut *h;
        if let Some(item) = crate::types::Item::from_code(header.item) {
            super::items::release_all(item, header.data, header.len, header.itemsize);
        }
        header.len = 0;
    }
}

/// A new list of the items of `h` (container items shared, each with a
/// reference of the new list's own), with one reference; null after
/// reporting a `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_list_copy(h: *mut ListHeader) -> *mut ListHeader {
    // SAFETY: a live header; the new one gets room for its `len` items
    // before they are copied and retained.
    unsafe {
        let old = &*h;
        let new = jitufunc_rt_list_new(old.itemsize, old.item);
        if old.len > 0 {
            if jitufunc_rt_list_reserve(new, old.len) == 0 {
                jitufunc_rt_list_decref(new);
                return std::ptr::null_mut();
            }
            std::ptr::copy_nonoverlapping(old.data, (*new).data, (old.len * old.itemsize) as usize);
            (*new).len = old.len;
            if let Some(item) = crate::types::Item::from_code(old.item) {
                if item.is_counted() {
                    for k in 0..old.len {
                        super::items::retain(item, (*new).data.add((k * old.itemsize) as usize));
                    }
                }
            }
        }
        new
    }
}

/// A new list of the items `l[start:stop:step]` of `h` (each part
/// `i64::MIN` when omitted; Python's `slice.indices`), container items
/// shared; null after reporting a `ValueError` (a zero step) or a
/// `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_list_slice(
    h: *mut ListHeader,
    start: i64,
    stop: i64,
    step: i64,
) -> *mut ListHeader {
    // SAFETY: a live header (the contract).
    let old = unsafe { &*h };
    let omitted = crate::types::Type::SLICE_OMITTED;
    let step = if step == omitted { 1 } else { step };
    if step == 0 {
        super::runtime::report(super::runtime::RuntimeError::Value(
            "slice step cannot be zero".into(),
        ));
        return std::ptr::null_mut();
    }
    let n = old.len;
    // Python's PySlice_AdjustIndices.
    let adjust = |x: i64, default: i64| -> i64 {
        if x == omitted {
            return default;
        }
        let x = if x < 0 { x.saturating_add(n) } else { x };
        if step > 0 {
            x.clamp(0, n)
        } else {
            x.clamp(-1, n - 1)
        }
    };
    let (start, stop) = if step > 0 {
        (adjust(start, 0), adjust(stop, n))
    } else {
        (adjust(start, n - 1), adjust(stop, -1))
    };
    let count = if step > 0 {
        if stop > start {
            (stop - start - 1) / step + 1
        } else {
            0
        }
    } else if start > stop {
        (start - stop - 1) / step.saturating_neg() + 1
    } else {
        0
    };
    let new = jitufunc_rt_list_new(old.itemsize, old.item);
    // SAFETY: `new` gets room for `count` items, each copied from a
    // valid index of `h` (`start + k * step` lies in `0..n`) and retained.
    unsafe {
        if count > 0 && jitufunc_rt_list_reserve(new, count) == 0 {
            jitufunc_rt_list_decref(new);
            return std::ptr::null_mut();
        }
        let item = crate::types::Item::from_code(old.item);
        let size = old.itemsize as usize;
        for k in 0..count {
            let from = old.data.add(((start + k * step) * old.itemsize) as usize);
            let to = (*new).data.add(k as usize * size);
            std::ptr::copy_nonoverlapping(from, to, size);
            if let Some(item) = item {
                super::items::retain(item, to);
            }
        }
        (*new).len = count;
    }
    new
}

/// Appends `times` copies of the `count` items at `from` (each `itemsize`
/// bytes, of `new`'s item type) to `new`, retained; 0 after reporting a
/// `MemoryError`.
///
/// # Safety
/// `new` is a live header; `from` holds `count` items of its type that
/// stay valid while `new` grows (not `new`'s own buffer).
unsafe fn append_copies(new: *mut ListHeader, from: *const u8, count: i64, times: i64) -> i32 {
    // SAFETY: per the contract; `new` gets room for all the items before
    // they are copied in.
    unsafe {
        let len = (*new).len;
        let Some(total) = count
            .checked_mul(times.max(0))
            .and_then(|n| n.checked_add(len))
        else {
            super::runtime::report(super::runtime::RuntimeError::Memory(
                "cannot make a list that long".into(),
            ));
            return 0;
        };
        if total > len && jitufunc_rt_list_reserve(new, total) == 0 {
            return 0;
        }
        let size = (*new).itemsize as usize;
        let item = crate::types::Item::from_code((*new).item).filter(|i| i.is_counted());
        let mut at = (*new).data.add(len as usize * size);
        for _ in 0..times.max(0) {
            std::ptr::copy_nonoverlapping(from, at, count as usize * size);
            if let Some(item) = item {
                for k in 0..count as usize {
                    super::items::retain(item, at.add(k * size));
                }
            }
            at = at.add(count as usize * size);
        }
        (*new).len = total;
        1
    }
}

/// `l * n` (and `n * l`): a new list of `h`'s items repeated `n` times
/// (none for `n <= 0`), container items shared; null after reporting a
/// `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_list_repeat(h: *mut ListHeader, n: i64) -> *mut ListHeader {
    // SAFETY: a live header (the contract); `h`'s buffer is not `new`'s.
    unsafe {
        let new = jitufunc_rt_list_new((*h).itemsize, (*h).item);
        if append_copies(new, (*h).data, (*h).len, n) == 0 {
            jitufunc_rt_list_decref(new);
            return std::ptr::null_mut();
        }
        new
    }
}

/// `a + b` of two lists of one item type: a new list of `a`'s items then
/// `b`'s; null after reporting a `MemoryError`.
///
/// # Safety
/// `a` and `b` are live headers of one item type.
pub unsafe extern "C" fn jitufunc_rt_list_concat(
    a: *mut ListHeader,
    b: *mut ListHeader,
) -> *mut ListHeader {
    // SAFETY: live headers (the contract), neither of them `new`.
    unsafe {
        let new = jitufunc_rt_list_new((*a).itemsize, (*a).item);
        if append_copies(new, (*a).data, (*a).len, 1) == 0
            || append_copies(new, (*b).data, (*b).len, 1) == 0
        {
            jitufunc_rt_list_decref(new);
            return std::ptr::null_mut();
        }
        new
    }
}

/// `a += b` (`a.extend(b)`) of two lists of one item type, `a is b`
/// included (the list doubles, as Python's); 0 after reporting a
/// `MemoryError`.
///
/// # Safety
/// `a` and `b` are live headers of one item type.
pub unsafe extern "C" fn jitufunc_rt_list_extend(a: *mut ListHeader, b: *mut ListHeader) -> i32 {
    // SAFETY: live headers (the contract). When `b` is `a`, its items are
    // copied first (growing `a` may move its buffer).
    unsafe {
        if a == b {
            let copy = jitufunc_rt_list_copy(b);
            if copy.is_null() {
                return 0;
            }
            let ok = append_copies(a, (*copy).data, (*copy).len, 1);
            jitufunc_rt_list_decref(copy);
            return ok;
        }
        append_copies(a, (*b).data, (*b).len, 1)
    }
}

/// Sorts a list of numbers in place, ascending: NaN last and complex
/// numbers by real then imaginary part, as `np.sort`; equal items keep
/// their order. Lists of other items are left as they are (typing only
/// sorts numbers).
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_list_sort(h: *mut ListHeader) {
    use crate::types::Scalar;
    // SAFETY: a live header: `len` items of its type at `data`.
    let header = unsafe { &mut *h };
    if header.len < 2 {
        return;
    }
    let n = header.len as usize;
    macro_rules! sort_as {
        ($t:ty) => {{
            // SAFETY: `n` items of type `$t` (the list's item type).
            let items = unsafe { std::slice::from_raw_parts_mut(header.data as *mut $t, n) };
            items.sort();
        }};
    }
    macro_rules! sort_float {
        ($t:ty, $parts:expr) => {{
            let data = header.data as *mut [$t; $parts];
            // SAFETY: `n * parts` floats (the list's item type).
            let items = unsafe { std::slice::from_raw_parts_mut(data, n) };
            items.sort_by(|a, b| {
                a.iter()
                    .zip(b.iter())
                    .map(|(x, y)| nan_last(*x as f64, *y as f64))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }};
    }
    match crate::types::Item::from_code(header.item).and_then(|i| i.as_scalar()) {
        Some(Scalar::Bool | Scalar::U8) => sort_as!(u8),
        Some(Scalar::I8) => sort_as!(i8),
        Some(Scalar::I16) => sort_as!(i16),
        Some(Scalar::U16) => sort_as!(u16),
        Some(Scalar::I32) => sort_as!(i32),
        Some(Scalar::U32) => sort_as!(u32),
        Some(Scalar::I64) => sort_as!(i64),
        Some(Scalar::U64) => sort_as!(u64),
        Some(Scalar::F32) => sort_float!(f32, 1),
        Some(Scalar::F64) => sort_float!(f64, 1),
        Some(Scalar::C64) => sort_float!(f32, 2),
        Some(Scalar::C128) => sort_float!(f64, 2),
        Some(Scalar::F16) | None => {}
    }
}

/// NumPy's order of floats: ascending, NaN after everything.
fn nan_last(x: f64, y: f64) -> std::cmp::Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        (false, false) => x.partial_cmp(&y).expect("not NaN"),
    }
}

/// The errors list operations raise (the `i32` of `jitufunc_rt_list_error`),
/// with Python's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ListError {
    /// `l[i]` out of range.
    Index = 0,
    /// `l[i] = v` out of range.
    Assignment = 1,
    /// `l.pop()` of an empty list.
    PopEmpty = 2,
    /// `l.pop(i)` out of range.
    PopIndex = 3,
}

impl ListError {
    pub fn message(self) -> &'static str {
        match self {
            ListError::Index => "list index out of range",
            ListError::Assignment => "list assignment index out of range",
            ListError::PopEmpty => "pop from empty list",
            ListError::PopIndex => "pop index out of range",
        }
    }

    fn from_code(code: i32) -> ListError {
        match code {
            1 => ListError::Assignment,
            2 => ListError::PopEmpty,
            3 => ListError::PopIndex,
            _ => ListError::Index,
        }
    }
}

/// Called by generated code for a list `IndexError` (`code`: `ListError`;
/// `context`: where, a NUL-terminated string or null).
///
/// # Safety
/// `context` is null or a NUL-terminated string.
pub unsafe extern "C" fn jitufunc_rt_list_error(code: i32, context: *const std::ffi::c_char) {
    // SAFETY: null or a NUL-terminated string (the contract).
    let context = unsafe { super::runtime::context_text(context) };
    super::runtime::report(super::runtime::RuntimeError::Index(format!(
        "{}{context}",
        ListError::from_code(code).message()
    )));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_grow_and_are_freed_once() {
        let h = jitufunc_rt_list_new(8, 12);
        // SAFETY: `h` is live until its last decref.
        unsafe {
            for k in 0..1000i64 {
                assert_eq!(jitufunc_rt_list_reserve(h, k + 1), 1);
                let p = (*h).data as *mut f64;
                *p.add(k as usize) = k as f64;
                (*h).len = k + 1;
            }
            assert!((*h).cap >= 1000);
            assert_eq!(*((*h).data as *mut f64).add(999), 999.0);
            jitufunc_rt_list_incref(h);
            jitufunc_rt_list_decref(h);
            jitufunc_rt_list_decref(h);
            jitufunc_rt_list_decref(std::ptr::null_mut());
        }
    }
}
