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
//! The data of the last two large blocks freed (`Spare`) is kept for the
//! next block of the same size: a function called in a loop gets its
//! result's memory back instead of fresh pages from the kernel, whose page
//! faults and zeroing cost more than computing a cheap expression.

use std::alloc::{alloc, dealloc, Layout};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The header compiled code sees: a count and the data pointer (field 1,
/// which codegen reads).
#[repr(C)]
pub struct MemBlock {
    refcount: AtomicI64,
    data: *mut u8,
    size: usize,
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
        free_data(block.data, block.size);
    }
    FREED.fetch_add(1, Ordering::Relaxed);
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
