//! Typed dicts (`jitufunc.typed.Dict`): a reference-counted header that
//! owns an insertion-ordered, open-addressing hash table of numbers,
//! shared by Python and compiled code.
//!
//! The table is CPython's compact dict: an `entries` array in insertion
//! order (hash, key, value; a removed entry keeps its place with the hash
//! `DELETED` until the table is compacted) and an `index` table of `i32`
//! entry numbers (`EMPTY`, `DUMMY` for a removed one) probed from the
//! key's hash as CPython probes (`Probe`). Iteration walks `entries` after `jitufunc_rt_dict_compact`
//! has squeezed the removed ones out, so item `k` of a loop is entry `k`.
//!
//! Keys are passed as one 64-bit word (`KeyKind`): an integer sign- or
//! zero-extended, a bool as 0/1, a float as the bits of its float64 value.
//! Equal numbers are equal keys as in Python: float keys compare as floats
//! (`-0.0 == 0.0`, and NaN equals nothing, so each NaN is a new key, as in
//! Numba); the first key stored stays.
//!
//! Compiled code holds a pointer to the `DictHeader` and counts references
//! as it does for lists (`ir::refcount`, `jitufunc_rt_dict_incref`/
//! `decref`); the Python object (`python::typed_dict`) holds one.
//!
//! Layout (codegen reads fields by index, `codegen::dict`): see
//! `DictHeader`. Invariants: `len <= used <= entry_cap`; the index has
//! `mask + 1` slots (a power of two), more than `used` of them empty.

use std::alloc::{alloc, dealloc, Layout};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The header every holder points to.
#[repr(C)]
pub struct DictHeader {
    refcount: AtomicI64,
    /// Number of keys.
    pub len: i64,
    /// Entries written (keys and removed ones) since the last compaction.
    pub used: i64,
    /// `entry_cap` entries of `stride` bytes: hash, key, value.
    pub entries: *mut u8,
    pub entry_cap: i64,
    /// `mask + 1` entry numbers (`EMPTY`, `DUMMY` or an entry).
    index: *mut i32,
    mask: i64,
    /// NumPy's type number of the keys.
    pub key_typenum: i64,
    /// The values' type: `types::Item::code` (a number's NumPy type
    /// number, or a container type, whose reference the entry holds:
    /// `engine::items`).
    pub value_typenum: i64,
    /// Bytes per entry (`entry_stride`).
    pub stride: i64,
    /// How keys compare and print (`KeyKind`).
    pub key_kind: i64,
}

/// Field numbers codegen reads.
pub const FIELD_LEN: u32 = 1;
pub const FIELD_ENTRIES: u32 = 3;
/// Offsets of an entry's key and value.
pub const KEY_OFFSET: u64 = 8;
pub const VALUE_OFFSET: u64 = 16;

/// The hash of a removed entry (real hashes have the top bit clear).
const DELETED: u64 = u64::MAX;
const EMPTY: i32 = -1;
const DUMMY: i32 = -2;
/// Smallest index table.
const MIN_INDEX: i64 = 8;
const ALIGN: usize = 16;

/// How the 64-bit key words of a dict compare and print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i64)]
pub enum KeyKind {
    Signed = 0,
    Unsigned = 1,
    Float = 2,
    Bool = 3,
}

impl KeyKind {
    /// How keys of type `s` compare (booleans, integers, floats).
    pub fn of(s: crate::types::Scalar) -> KeyKind {
        use crate::types::Kind;
        match s.kind() {
            Kind::Bool => KeyKind::Bool,
            Kind::Float => KeyKind::Float,
            Kind::Int if s.is_signed() => KeyKind::Signed,
            _ => KeyKind::Unsigned,
        }
    }

    fn from_code(code: i64) -> KeyKind {
        match code {
            1 => KeyKind::Unsigned,
            2 => KeyKind::Float,
            3 => KeyKind::Bool,
            _ => KeyKind::Signed,
        }
    }

    /// The key as Python's `repr` writes it (the message of a `KeyError`).
    pub fn repr(self, key: u64) -> String {
        match self {
            KeyKind::Signed => (key as i64).to_string(),
            KeyKind::Unsigned => key.to_string(),
            KeyKind::Bool => if key != 0 { "True" } else { "False" }.to_string(),
            KeyKind::Float => float_repr(f64::from_bits(key)),
        }
    }
}

/// Python's `repr` of a float.
fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust writes `1e16` and `1e-5`, Python `1e+16` and `1e-05`.
        let s = format!("{x:e}");
        let (m, e) = s.split_once('e').expect("exponent form");
        let e: i32 = e.parse().expect("an exponent");
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", e.abs());
    }
    format!("{x:?}")
}

/// Bytes per entry for values of `value_size` bytes.
pub fn entry_stride(value_size: i64) -> i64 {
    16 + (value_size.max(8) + 7) / 8 * 8
}

static LIVE: AtomicU64 = AtomicU64::new(0);

/// Number of dict headers alive in this process (for tests).
pub fn live() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

/// The hash of key word `key`, as Python's for numbers where it matters:
/// an integer is its own hash (so keys that follow each other sit next to
/// each other in the tables: runs of keys are cache-friendly), a float
/// with an integer value hashes as that integer (`-0.0` as `0.0`, `1.0` as
/// `1`), other floats by their bits, mixed. The top bit is clear.
#[inline]
fn hash(kind: i64, key: u64) -> u64 {
    let x = if kind == KeyKind::Float as i64 {
        let f = f64::from_bits(key);
        if f.trunc() == f && f.abs() < 9.2e18 {
            f as i64 as u64
        } else {
            // MurmurHash3's finalizer.
            let mut x = key;
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
            x ^ (x >> 33)
        }
    } else {
        key
    };
    x & (u64::MAX >> 1)
}

/// The index slots to try for hash `h`, in order: CPython's probe
/// (`i = 5 i + 1 + perturb`, `perturb` shifted down 5 bits a step), which
/// brings the hash's high bits in, so keys equal in their low bits (`k <<
/// 40`) do not pile up, and visits every slot.
struct Probe {
    slot: u64,
    perturb: u64,
    mask: u64,
}

impl Probe {
    #[inline]
    fn new(h: u64, mask: i64) -> Probe {
        let mask = mask as u64;
        Probe {
            slot: h & mask,
            perturb: h,
            mask,
        }
    }

    #[inline]
    fn slot(&self) -> usize {
        self.slot as usize
    }

    #[inline]
    fn next(&mut self) {
        self.perturb >>= 5;
        self.slot = (self.slot.wrapping_mul(5) + 1 + self.perturb) & self.mask;
    }
}

#[inline]
fn keys_equal(kind: i64, a: u64, b: u64) -> bool {
    if kind == KeyKind::Float as i64 {
        f64::from_bits(a) == f64::from_bits(b)
    } else {
        a == b
    }
}

fn entries_layout(cap: i64, stride: i64) -> Option<Layout> {
    let bytes = usize::try_from(cap).ok()?.checked_mul(stride as usize)?;
    Layout::from_size_align(bytes.max(1), ALIGN).ok()
}

fn index_layout(slots: i64) -> Option<Layout> {
    Layout::array::<i32>(usize::try_from(slots).ok()?).ok()
}

impl DictHeader {
    /// The entry `i` (`0 <= i < entry_cap`).
    #[inline]
    fn entry(&self, i: i64) -> *mut u8 {
        // SAFETY: callers keep `i` below `entry_cap`: inside the buffer.
        unsafe { self.entries.add((i * self.stride) as usize) }
    }

    /// The hash of entry `i`.
    #[inline]
    fn entry_hash(&self, i: i64) -> u64 {
        // SAFETY: an entry inside the buffer (8-aligned: strides are
        // multiples of 8 and the buffer 16-aligned).
        unsafe { *(self.entry(i) as *const u64) }
    }

    /// The key word of entry `i`.
    #[inline]
    pub fn entry_key(&self, i: i64) -> u64 {
        // SAFETY: as `entry_hash`.
        unsafe { *(self.entry(i).add(KEY_OFFSET as usize) as *const u64) }
    }

    /// The address of entry `i`'s value.
    #[inline]
    pub fn entry_value(&self, i: i64) -> *mut u8 {
        // SAFETY: inside entry `i`.
        unsafe { self.entry(i).add(VALUE_OFFSET as usize) }
    }

    /// Whether entry `i` (below `used`) holds a key.
    #[inline]
    pub fn entry_live(&self, i: i64) -> bool {
        self.entry_hash(i) != DELETED
    }

    /// How keys compare and print.
    pub fn key_kind(&self) -> KeyKind {
        KeyKind::from_code(self.key_kind)
    }

    /// The index slot of `key` (holding its entry number, or `EMPTY`).
    #[inline]
    fn probe(&self, key: u64, h: u64) -> usize {
        let mut p = Probe::new(h, self.mask);
        loop {
            // SAFETY: slots are at most `mask`: inside the index table.
            let ix = unsafe { *self.index.add(p.slot()) };
            if ix == EMPTY {
                return p.slot();
            }
            if ix >= 0 {
                let ix = ix as i64;
                if self.entry_hash(ix) == h && keys_equal(self.key_kind, self.entry_key(ix), key) {
                    return p.slot();
                }
            }
            p.next();
        }
    }

    /// The first empty index slot for hash `h` (there is one: fewer
    /// entries than slots).
    fn empty_slot(&self, h: u64) -> usize {
        let mut p = Probe::new(h, self.mask);
        // SAFETY: slots are at most `mask`: inside the index table.
        while unsafe { *self.index.add(p.slot()) } != EMPTY {
            p.next();
        }
        p.slot()
    }

    /// The entry holding `key`, or -1.
    #[inline]
    pub fn find(&self, key: u64) -> i64 {
        if self.len == 0 {
            return -1;
        }
        let slot = self.probe(key, hash(self.key_kind, key));
        // SAFETY: a slot of the index table.
        unsafe { *self.index.add(slot) as i64 }
    }

    /// Rebuilds the index and squeezes removed entries out (order kept),
    /// into tables sized for `len` keys and room to grow; false when they
    /// cannot be allocated.
    fn rebuild(&mut self, grow: bool) -> bool {
        // As CPython: room for about `3 * len` index slots, two thirds of
        // them usable; a rebuild that only compacts keeps the size.
        let want = if grow {
            self.len * 3
        } else {
            (self.mask + 1).max(self.len * 3)
        };
        let mut slots = MIN_INDEX;
        while slots < want {
            slots *= 2;
        }
        let cap = slots * 2 / 3;
        let (Some(el), Some(il)) = (entries_layout(cap, self.stride), index_layout(slots)) else {
            return false;
        };
        // SAFETY: fresh buffers of the layouts computed; live entries are
        // copied from the old buffer (inside `used`), which is then freed
        // with the layout it was made with.
        unsafe {
            let entries = alloc(el);
            let index = alloc(il) as *mut i32;
            if entries.is_null() || index.is_null() {
                if !entries.is_null() {
                    dealloc(entries, el);
                }
                if !index.is_null() {
                    dealloc(index as *mut u8, il);
                }
                return false;
            }
            std::ptr::write_bytes(index, 0xff, slots as usize);
            let mut n = 0i64;
            for i in 0..self.used {
                if self.entry_live(i) {
                    std::ptr::copy_nonoverlapping(
                        self.entry(i),
                        entries.add((n * self.stride) as usize),
                        self.stride as usize,
                    );
                    n += 1;
                }
            }
            self.free_tables();
            self.entries = entries;
            self.entry_cap = cap;
            self.index = index;
            self.mask = slots - 1;
            self.used = n;
            for i in 0..n {
                let slot = self.empty_slot(self.entry_hash(i));
                *self.index.add(slot) = i as i32;
            }
        }
        true
    }

    fn free_tables(&mut self) {
        // SAFETY: the buffers were made with these layouts (or are null).
        unsafe {
            if !self.entries.is_null() {
                dealloc(
                    self.entries,
                    entries_layout(self.entry_cap, self.stride).expect("allocated with it"),
                );
            }
            if !self.index.is_null() {
                dealloc(
                    self.index as *mut u8,
                    index_layout(self.mask + 1).expect("allocated with it"),
                );
            }
        }
        self.entries = std::ptr::null_mut();
        self.index = std::ptr::null_mut();
    }

    /// The value address of `key`, inserted (value zeroed, at the end of
    /// the order) when it is missing; null when the table cannot grow.
    pub fn slot(&mut self, key: u64) -> *mut u8 {
        let h = hash(self.key_kind, key);
        if !self.index.is_null() {
            let slot = self.probe(key, h);
            // SAFETY: a slot of the index table.
            let ix = unsafe { *self.index.add(slot) };
            if ix >= 0 {
                return self.entry_value(ix as i64);
            }
        }
        if self.used >= self.entry_cap && !self.rebuild(self.len * 3 >= self.used * 2) {
            return std::ptr::null_mut();
        }
        if self.len >= i32::MAX as i64 {
            return std::ptr::null_mut();
        }
        // A fresh probe: the table may have been rebuilt, and a removed
        // key's slot (`DUMMY`) is not reused, so the probe ends at an
        // empty one.
        let slot = self.empty_slot(h);
        // SAFETY: a slot of the index; the new entry is below `entry_cap`
        // (`used < entry_cap` after the rebuild).
        unsafe {
            let i = self.used;
            *self.index.add(slot) = i as i32;
            let e = self.entry(i);
            *(e as *mut u64) = h;
            *(e.add(KEY_OFFSET as usize) as *mut u64) = key;
            std::ptr::write_bytes(e.add(VALUE_OFFSET as usize), 0, (self.stride - 16) as usize);
            self.used += 1;
            self.len += 1;
            e.add(VALUE_OFFSET as usize)
        }
    }

    /// Removes entry `i` (a live one, found by `find`); a container value's
    /// reference passes to the caller.
    pub fn remove(&mut self, i: i64) {
        let key = self.entry_key(i);
        let slot = self.probe(key, self.entry_hash(i));
        // SAFETY: the slot of entry `i` in the index; the entry's hash word.
        unsafe {
            *self.index.add(slot) = DUMMY;
            *(self.entry(i) as *mut u64) = DELETED;
        }
        self.len -= 1;
        if self.len == 0 {
            // Start over: nothing to keep, and probes stay short.
            self.used = 0;
            // SAFETY: the whole index table.
            unsafe { std::ptr::write_bytes(self.index, 0xff, (self.mask + 1) as usize) };
        }
    }

    /// Squeezes removed entries out so that key `k` of the order is entry
    /// `k`; false when the tables cannot be allocated.
    pub fn compact(&mut self) -> bool {
        self.used == self.len || self.rebuild(false)
    }

    /// The last live entry, or -1.
    pub fn last(&self) -> i64 {
        (0..self.used)
            .rev()
            .find(|&i| self.entry_live(i))
            .unwrap_or(-1)
    }

    /// Drops the references live entries' values hold (container values).
    fn release_values(&mut self) {
        let Some(item) = crate::types::Item::from_code(self.value_typenum) else {
            return;
        };
        if !item.is_counted() {
            return;
        }
        for i in 0..self.used {
            if self.entry_live(i) {
                // SAFETY: a live entry's value, of the dict's value type.
                unsafe { super::items::release(item, self.entry_value(i)) };
            }
        }
    }

    /// Removes every key (dropping container values' references).
    pub fn clear(&mut self) {
        self.release_values();
        self.free_tables();
        self.len = 0;
        self.used = 0;
        self.entry_cap = 0;
        self.mask = -1;
    }
}

/// A new empty dict with one reference: keys of type number `key_typenum`
/// compared as `key_kind` (`KeyKind`), values of `value_size` bytes and
/// type number `value_typenum`.
pub extern "C" fn jitufunc_rt_dict_new(
    key_typenum: i64,
    key_kind: i64,
    value_typenum: i64,
    value_size: i64,
) -> *mut DictHeader {
    LIVE.fetch_add(1, Ordering::Relaxed);
    Box::into_raw(Box::new(DictHeader {
        refcount: AtomicI64::new(1),
        len: 0,
        used: 0,
        entries: std::ptr::null_mut(),
        entry_cap: 0,
        index: std::ptr::null_mut(),
        mask: -1,
        key_typenum,
        value_typenum,
        stride: entry_stride(value_size),
        key_kind,
    }))
}

/// Adds a reference to dict `h` (null is ignored).
///
/// # Safety
/// `h` is null or a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_incref(h: *mut DictHeader) {
    if !h.is_null() {
        // SAFETY: a live header, per the contract.
        unsafe { (*h).refcount.fetch_add(1, Ordering::Relaxed) };
    }
}

/// Drops a reference to dict `h`, freeing it with the last one (null is
/// ignored).
///
/// # Safety
/// `h` is null or a live header whose reference the caller holds.
pub unsafe extern "C" fn jitufunc_rt_dict_decref(h: *mut DictHeader) {
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
        let mut header = Box::from_raw(h);
        header.release_values();
        header.free_tables();
    }
    LIVE.fetch_sub(1, Ordering::Relaxed);
}

/// The entry of `key` in `h`, or -1.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_find(h: *const DictHeader, key: u64) -> i64 {
    // SAFETY: a live header, per the contract.
    unsafe { (*h).find(key) }
}

/// The address of `key`'s value in `h`, the key inserted (value zeroed)
/// when missing; null after reporting a `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_slot(h: *mut DictHeader, key: u64) -> *mut u8 {
    // SAFETY: a live header, per the contract.
    let p = unsafe { (*h).slot(key) };
    if p.is_null() {
        super::runtime::report(super::runtime::RuntimeError::Memory(
            "cannot grow a typed Dict".into(),
        ));
    }
    p
}

/// Removes entry `i` of `h` (found by `jitufunc_rt_dict_find`).
///
/// # Safety
/// `h` is a live header and `i` one of its live entries.
pub unsafe extern "C" fn jitufunc_rt_dict_remove(h: *mut DictHeader, i: i64) {
    // SAFETY: per the contract.
    unsafe { (*h).remove(i) }
}

/// A new dict of the keys and values of `h` in their order (container
/// values shared, each with a reference of the new dict's own), with one
/// reference; null after reporting a `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_copy(h: *mut DictHeader) -> *mut DictHeader {
    // SAFETY: a live header (the contract); each value is copied into the
    // new entry of its key and retained.
    unsafe {
        let old = &*h;
        let new = jitufunc_rt_dict_new(
            old.key_typenum,
            old.key_kind,
            old.value_typenum,
            old.stride - 16,
        );
        let item = crate::types::Item::from_code(old.value_typenum);
        let size = (old.stride - 16) as usize;
        for i in 0..old.used {
            if !old.entry_live(i) {
                continue;
            }
            let p = (*new).slot(old.entry_key(i));
            if p.is_null() {
                jitufunc_rt_dict_decref(new);
                super::runtime::report(super::runtime::RuntimeError::Memory(
                    "cannot grow a typed Dict".into(),
                ));
                return std::ptr::null_mut();
            }
            std::ptr::copy_nonoverlapping(old.entry_value(i), p, size);
            if let Some(item) = item {
                super::items::retain(item, p);
            }
        }
        new
    }
}

/// Removes every key of `h` (releasing container values).
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_clear(h: *mut DictHeader) {
    // SAFETY: per the contract.
    unsafe { (*h).clear() }
}

/// Squeezes removed entries out of `h` (so a loop's item `k` is entry
/// `k`) and returns its length; -1 after reporting a `MemoryError`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_compact(h: *mut DictHeader) -> i64 {
    // Loops over one dict may start at once on several threads (a `prange`
    // body that only reads it): one compacts while the others wait, then
    // find nothing to do, so none reads entries being moved.
    static COMPACTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = COMPACTING.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: a live header, per the contract; compactions are serialized.
    let h = unsafe { &mut *h };
    if !h.compact() {
        super::runtime::report(super::runtime::RuntimeError::Memory(
            "cannot compact a typed Dict".into(),
        ));
        return -1;
    }
    h.len
}

/// Called by generated code for a missing key: Python's `KeyError(key)`.
///
/// # Safety
/// `h` is a live header.
pub unsafe extern "C" fn jitufunc_rt_dict_key_error(h: *const DictHeader, key: u64) {
    // SAFETY: a live header, per the contract.
    let kind = unsafe { (*h).key_kind() };
    super::runtime::report(super::runtime::RuntimeError::Key(kind.repr(key)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(h: &DictHeader, key: u64) -> Option<i64> {
        let i = h.find(key);
        // SAFETY: a live entry's value is an int64.
        (i >= 0).then(|| unsafe { *(h.entry_value(i) as *const i64) })
    }

    #[test]
    fn inserts_removes_and_keeps_insertion_order() {
        let p = jitufunc_rt_dict_new(7, KeyKind::Signed as i64, 7, 8);
        // SAFETY: `p` is live until its last decref.
        let h = unsafe { &mut *p };
        for k in 0..1000u64 {
            // SAFETY: the value slot of an int64.
            unsafe { *(h.slot(k * 7) as *mut i64) = k as i64 };
        }
        assert_eq!(h.len, 1000);
        for k in (0..1000u64).step_by(2) {
            let i = h.find(k * 7);
            h.remove(i);
        }
        assert_eq!(h.len, 500);
        assert_eq!(value(h, 14), None);
        assert_eq!(value(h, 21), Some(3));
        assert!(h.compact());
        let keys: Vec<u64> = (0..h.len).map(|i| h.entry_key(i)).collect();
        let want: Vec<u64> = (1..1000u64).step_by(2).map(|k| k * 7).collect();
        assert_eq!(keys, want);
        // SAFETY: the value slot of an int64.
        unsafe { *(h.slot(14) as *mut i64) = -1 };
        assert_eq!(h.entry_key(h.last()), 14);
        // SAFETY: the one reference.
        unsafe { jitufunc_rt_dict_decref(p) };
    }

    #[test]
    fn float_keys_compare_as_floats() {
        let p = jitufunc_rt_dict_new(12, KeyKind::Float as i64, 7, 8);
        // SAFETY: `p` is live until its decref.
        let h = unsafe { &mut *p };
        h.slot((-0.0f64).to_bits());
        assert!(h.find(0.0f64.to_bits()) >= 0);
        h.slot(f64::NAN.to_bits());
        h.slot(f64::NAN.to_bits());
        assert_eq!(h.len, 3);
        assert_eq!(h.find(f64::NAN.to_bits()), -1);
        // SAFETY: the one reference.
        unsafe { jitufunc_rt_dict_decref(p) };
    }

    #[test]
    fn key_reprs_are_pythons() {
        assert_eq!(KeyKind::Float.repr(1e16f64.to_bits()), "1e+16");
        assert_eq!(KeyKind::Float.repr(1.5e-5f64.to_bits()), "1.5e-05");
        assert_eq!(KeyKind::Float.repr(2.0f64.to_bits()), "2.0");
        assert_eq!(KeyKind::Signed.repr((-3i64) as u64), "-3");
        assert_eq!(KeyKind::Bool.repr(1), "True");
    }
}
