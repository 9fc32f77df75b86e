//! Memory for arrays that compiled code creates: reference-counted blocks,
//! 64-byte aligned, freed when their count drops to zero.
//!
//! An array view's *owner* word (`codegen::arrays::View`) is one of:
//! - null: memory nobody counts (a ufunc operand);
//! - a `MemBlock` pointer: memory from `jitufunc_rt_alloc`, one reference
//!   per holder;
//! - a Python object pointer with its lowest bit set: an array argument of
//!   a `@jit` call, kept alive by the caller for the call.
//!
//! `jitufunc_rt_incref` and `jitufunc_rt_decref` act on blocks only and
//! ignore the other two, so compiled code counts every owner the same way.
//!
//! A block may also stand for a Python object's memory (a *foreign*
//! block, `foreign_block`): an array stored in a typed container keeps its
//! memory alive through a block, whichever owner its view had
//! (`jitufunc_rt_view_own`). The last reference to a foreign block drops
//! the object's reference through the Python layer's handlers
//! (`set_object_handlers`), which take the GIL.
//!
//! The data of the last two large blocks freed (`Spare`) is kept for the
//! next block of the same size: a function called in a loop gets its
//! result's memory back instead of fresh pages from the kernel, whose page
//! faults and zeroing cost more than computing a cheap expression.

use std::alloc::{alloc, dealloc, Layout};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::OnceLock;

/// The header compiled code sees: a count and the data pointer (field 1,
/// which codegen reads).
#[repr(C)]
pub struct MemBlock {
    refcount: AtomicI64,
    data: *mut u8,
    size: usize,
    /// The Python object whose memory `data` is (a foreign block), or 0:
    /// the block allocated `data` itself.
    object: usize,
}

/// How the engine keeps a Python object alive: `retain` and `release`
/// add and drop one reference, taking the GIL when the calling thread
/// does not hold it (`python` sets them when `_core` loads).
#[derive(Clone, Copy)]
pub struct ObjectHandlers {
    pub retain: fn(usize),
    pub release: fn(usize),
}

static OBJECT_HANDLERS: OnceLock<ObjectHandlers> = OnceLock::new();

/// Sets how foreign blocks keep their objects (once per process).
pub fn set_object_handlers(handlers: ObjectHandlers) {
    let _ = OBJECT_HANDLERS.set(handlers);
}

/// A foreign block for Python object `object` whose memory starts at
/// `data`, with one reference; it takes over one reference to `object`
/// the caller holds.
pub fn foreign_block(object: usize, data: *mut u8) -> *mut MemBlock {
    ALLOCATED.fetch_add(1, Ordering::Relaxed);
    Box::into_raw(Box::new(MemBlock {
        refcount: AtomicI64::new(1),
        data,
        size: 0,
        object,
    }))
}

/// The Python object of a foreign block (0 for a block of its own data).
///
/// # Safety
/// `owner` is a live block.
pub unsafe fn object_of(owner: *mut MemBlock) -> usize {
    // SAFETY: per the contract.
    unsafe { (*owner).object }
}

/// Alignment of array data (a cache line; AVX-512 vectors).
pub const ALIGN: usize = 64;

static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

/// (blocks allocated, blocks freed) by this process so far.
pub fn stats() -> (u64, u64) {
    (
        ALLOCATED.load(Ordering::Relaxed),
        FREED.load(Ordering::Relaxed),
    )
}

fn is_block(owner: *mut MemBlock) -> bool {
    !owner.is_null() && (owner as usize) & 1 == 0
}

/// Blocks of at least this many bytes ask for transparent huge pages.
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// Asks the kernel to back the 2 MiB-aligned part of a large block with
/// huge pages (as NumPy does for its large arrays): a fresh 80 MB array
/// then takes 40 page faults instead of 20 000, which is most of the cost
/// of writing it once.
fn advise_huge_pages(data: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if size >= HUGE_PAGE_THRESHOLD {
        let start = (data as usize).div_ceil(HUGE_PAGE) * HUGE_PAGE;
        let end = (data as usize + size) / HUGE_PAGE * HUGE_PAGE;
        if end > start {
            // SAFETY: [start, end) lies inside the block just allocated
            // (`size` bytes from `data`), which this process owns; the
            // advice changes only how the kernel backs it, never its
            // contents or validity. A failure (no THP) is ignored.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (data, size);
}

/// Freed data kept for reuse: at most `SPARE_SLOTS` regions of
/// `SPARE_MIN`..=`SPARE_MAX` bytes each, the most recently freed last.
struct Spare {
    regions: Vec<(usize, usize)>,
}

const SPARE_SLOTS: usize = 2;
const SPARE_MIN: usize = 1 << 20;
const SPARE_MAX: usize = 1 << 30;

static SPARE: std::sync::Mutex<Spare> = std::sync::Mutex::new(Spare {
    regions: Vec::new(),
});

fn data_layout(size: usize) -> Layout {
    Layout::from_size_align(size.max(1), ALIGN).expect("checked when allocated")
}

/// Kept data of exactly `size` bytes, if there is one.
fn take_spare(size: usize) -> Option<*mut u8> {
    if !(SPARE_MIN..=SPARE_MAX).contains(&size) {
        return None;
    }
    let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
    let k = spare.regions.iter().rposition(|(s, _)| *s == size)?;
    Some(spare.regions.remove(k).1 as *mut u8)
}

/// Keeps `data` (of `size` bytes) for reuse, freeing what no longer fits.
///
/// # Safety
/// `data` was allocated with `data_layout(size)` and is used no more.
unsafe fn free_data(data: *mut u8, size: usize) {
    let evicted = if (SPARE_MIN..=SPARE_MAX).contains(&size) {
        let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
        spare.regions.push((size, data as usize));
        if spare.regions.len() > SPARE_SLOTS {
            Some(spare.regions.remove(0))
        } else {
            None
        }
    } else {
        Some((size, data as usize))
    };
    if let Some((size, data)) = evicted {
        // SAFETY: every kept region was allocated with `data_layout` of
        // its size and is owned by nobody else (per the contract, or
        // removed from the spare list under its lock).
        unsafe { dealloc(data as *mut u8, data_layout(size)) };
    }
}

/// A block of `nbytes` bytes (zero allowed) with one reference, or null
/// when the memory cannot be had (a `MemoryError` is reported).
pub extern "C" fn jitufunc_rt_alloc(nbytes: i64) -> *mut MemBlock {
    let fail = || {
        super::runtime::report(super::runtime::RuntimeError::Memory(format!(
            "cannot allocate an array of {nbytes} bytes"
        )));
        std::ptr::null_mut()
    };
    let Ok(size) = usize::try_from(nbytes) else {
        return fail();
    };
    let Ok(layout) = Layout::from_size_align(size.max(1), ALIGN) else {
        return fail();
    };
    let data = match take_spare(size) {
        Some(data) => data,
        None => {
            // SAFETY: `layout` has a non-zero size.
            let data = unsafe { alloc(layout) };
            if data.is_null() {
                return fail();
            }
            advise_huge_pages(data, size);
            data
        }
    };
    ALLOCATED.fetch_add(1, Ordering::Relaxed);
    Box::into_raw(Box::new(MemBlock {
        refcount: AtomicI64::new(1),
        data,
        size,
        object: 0,
    }))
}

/// Adds a reference to `owner` if it is a block.
///
/// # Safety
/// `owner` is null, a tagged object pointer, or a live block.
pub unsafe extern "C" fn jitufunc_rt_incref(owner: *mut MemBlock) {
    if is_block(owner) {
        // SAFETY: a live block, per the contract.
        unsafe { (*owner).refcount.fetch_add(1, Ordering::Relaxed) };
    }
}

/// Drops a reference to `owner` if it is a block, freeing the block and
/// its data with the last one.
///
/// # Safety
/// `owner` is null, a tagged object pointer, or a live block this caller
/// holds a reference to.
pub unsafe extern "C" fn jitufunc_rt_decref(owner: *mut MemBlock) {
    if !is_block(owner) {
        return;
    }
    // SAFETY: a live block, per the contract; the last reference frees it
    // once (Release/Acquire orders every earlier use before the free).
    unsafe {
        if (*owner).refcount.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        std::sync::atomic::fence(Ordering::Acquire);
        let block = Box::from_raw(owner);
        if block.object != 0 {
            if let Some(h) = OBJECT_HANDLERS.get() {
                (h.release)(block.object);
            }
        } else {
            free_data(block.data, block.size);
        }
    }
    FREED.fetch_add(1, Ordering::Relaxed);
}

/// Makes the view record at `rec` (`codegen::arrays::View`: data, owner,
/// `ndim` sizes, `ndim` strides in bytes, of items of `itemsize` bytes)
/// one whose owner is a block holding a reference for it, as a typed
/// container stores an array: a block gets one more reference; an
/// argument's object (a tagged owner) a foreign block of its own; memory
/// nobody counts (a global array frozen into compiled code) is copied into
/// a new block, C-contiguous. Returns 0, with a `MemoryError` reported,
/// when the copy cannot be had.
///
/// # Safety
/// `rec` points to a writable view record of `ndim` dimensions whose
/// owner is null, a tagged live object, or a live block, and whose data
/// spans its shape and strides.
pub unsafe extern "C" fn jitufunc_rt_view_own(rec: *mut i64, ndim: i64, itemsize: i64) -> i32 {
    // SAFETY: per the contract, `rec` holds `2 + 2 * ndim` words.
    unsafe {
        let owner = *rec.add(1) as *mut MemBlock;
        if is_block(owner) {
            jitufunc_rt_incref(owner);
            return 1;
        }
        if !owner.is_null() {
            let object = owner as usize & !1;
            let Some(h) = OBJECT_HANDLERS.get() else {
                super::runtime::report(super::runtime::RuntimeError::Memory(
                    "cannot keep an argument array alive outside Python".into(),
                ));
                return 0;
            };
            (h.retain)(object);
            *rec.add(1) = foreign_block(object, *rec as *mut u8) as i64;
            return 1;
        }
        let n = ndim.max(0) as usize;
        let shape: Vec<i64> = (0..n).map(|k| *rec.add(2 + k)).collect();
        let strides: Vec<i64> = (0..n).map(|k| *rec.add(2 + n + k)).collect();
        let count = shape
            .iter()
            .try_fold(1i64, |c, d| c.checked_mul((*d).max(0)));
        let Some(nbytes) = count.and_then(|c| c.checked_mul(itemsize)) else {
            super::runtime::report(super::runtime::RuntimeError::Memory(
                "an array too large to copy".into(),
            ));
            return 0;
        };
        let block = jitufunc_rt_alloc(nbytes);
        if block.is_null() {
            return 0;
        }
        let to = data_of(block);
        let from = *rec as *const u8;
        let size = itemsize as usize;
        if nbytes > 0 {
            // Every element in C order (an odometer over the indices).
            let mut index = vec![0i64; n];
            for k in 0..(nbytes as usize / size.max(1)) {
                let offset: i64 = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
                std::ptr::copy_nonoverlapping(from.offset(offset as isize), to.add(k * size), size);
                for axis in (0..n).rev() {
                    index[axis] += 1;
                    if index[axis] < shape[axis] {
                        break;
                    }
                    index[axis] = 0;
                }
            }
        }
        *rec = to as i64;
        *rec.add(1) = block as i64;
        let mut step = itemsize;
        for axis in (0..n).rev() {
            *rec.add(2 + n + axis) = step;
            step *= shape[axis].max(1);
        }
        1
    }
}

/// The data of block `owner`.
///
/// # Safety
/// `owner` is a live block.
pub unsafe fn data_of(owner: *mut MemBlock) -> *mut u8 {
    // SAFETY: per the contract.
    unsafe { (*owner).data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_freed_data_is_reused_for_the_same_size() {
        let size = (SPARE_MIN + 4096) as i64;
        let a = jitufunc_rt_alloc(size);
        // SAFETY: `a` is live until its decref.
        let first = unsafe { data_of(a) };
        // SAFETY: the only reference.
        unsafe { jitufunc_rt_decref(a) };
        let b = jitufunc_rt_alloc(size);
        // SAFETY: `b` is live until its decref (another test may have
        // taken the region first: then it is merely fresh memory).
        let again = unsafe { data_of(b) };
        assert_eq!(again as usize % ALIGN, 0);
        // SAFETY: the only reference.
        unsafe { jitufunc_rt_decref(b) };
        let _ = (first, again);
        // At most SPARE_SLOTS regions stay kept.
        let blocks: Vec<_> = (0..5).map(|k| jitufunc_rt_alloc(size + k * 64)).collect();
        for b in blocks {
            // SAFETY: the only reference of each.
            unsafe { jitufunc_rt_decref(b) };
        }
        let kept = SPARE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .regions
            .len();
        assert!(kept <= SPARE_SLOTS, "{kept} regions kept");
    }

    #[test]
    fn a_view_nobody_counts_is_copied_c_contiguous_into_a_block() {
        // A 2x3 view of int32 taken every other column of a 2x6 array,
        // rows in reverse.
        let base: Vec<i32> = (0..12).collect();
        let data = base.as_ptr() as i64 + 6 * 4;
        let mut rec = [data, 0, 2, 3, -6 * 4, 2 * 4];
        // SAFETY: the record views `base`, which outlives the call.
        let ok = unsafe { jitufunc_rt_view_own(rec.as_mut_ptr(), 2, 4) };
        assert_eq!(ok, 1);
        assert_eq!(&rec[2..], &[2, 3, 12, 4]);
        let block = rec[1] as *mut MemBlock;
        // SAFETY: the new block holds 6 int32 at `rec[0]`.
        unsafe {
            assert_eq!(data_of(block) as i64, rec[0]);
            let copy = std::slice::from_raw_parts(rec[0] as *const i32, 6);
            assert_eq!(copy, &[6, 8, 10, 0, 2, 4]);
            // A block owner gets one more reference.
            assert_eq!(jitufunc_rt_view_own(rec.as_mut_ptr(), 2, 4), 1);
            jitufunc_rt_decref(block);
            jitufunc_rt_decref(block);
        }
    }

    #[test]
    fn blocks_are_aligned_counted_and_freed_once() {
        let (a0, f0) = stats();
        let b = jitufunc_rt_alloc(100);
        assert!(!b.is_null());
        // SAFETY: `b` is live until the last decref below.
        unsafe {
            assert_eq!(data_of(b) as usize % ALIGN, 0);
            jitufunc_rt_incref(b);
            jitufunc_rt_decref(b);
            assert_eq!(stats().1, f0);
            // Null and tagged owners are not blocks.
            jitufunc_rt_incref(std::ptr::null_mut());
            jitufunc_rt_decref(0x1001 as *mut MemBlock);
            jitufunc_rt_decref(b);
        }
        let (a1, f1) = stats();
        assert_eq!((a1 - a0, f1 - f0), (1, 1));
        let z = jitufunc_rt_alloc(0);
        // SAFETY: `z` was just allocated.
        unsafe { jitufunc_rt_decref(z) };
    }
}
