//! The runtime of `prange` loops (`codegen::parallel_for`): a loop's trips
//! cut into chunks, run on the thread pool, each chunk's partial results
//! (reductions) in a slot of its own.
//!
//! How the trips are cut depends only on the trip count and the pool's
//! size, so a loop's results (a float sum's rounding) are the same from
//! call to call. Whether the chunks then run on the pool or one after the
//! other on the calling thread is decided by timing the first chunk: a
//! loop whose whole run would take less than `MIN_PARALLEL_NANOS` stays on
//! the calling thread, where it costs what a serial loop costs.
//!
//! FP flags and errors: each chunk has a status record of its own; their
//! status words are ORed into the caller's, and the first error in chunk
//! order is reported on the calling thread. Once an iteration has raised,
//! chunks not yet started are skipped (their slots stay unwritten, and the
//! caller returns without reading them).

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::parallel::{pool, ChunkResults};

/// A `prange` loop's chunk function: runs trips `lo..hi` of the loop
/// described by `context`, writes its partials to `slot` and reports FP
/// flags and errors into `status` (a `StatusRecord`).
pub type ForChunkFn = unsafe extern "C" fn(*mut c_void, i64, i64, *mut c_void, *mut c_void);

/// Below this estimated run time (the first chunk's time times the number
/// of chunks), the chunks run on the calling thread: waking the pool costs
/// a few microseconds per thread.
const MIN_PARALLEL_NANOS: u128 = 40_000;

/// Chunks per pool thread: uneven iterations (a triangular loop, data-
/// dependent work) balance across threads by work stealing.
const CHUNKS_PER_THREAD: usize = 8;

/// How many chunks `n` trips are cut into with `threads` threads and at
/// most `max_chunks` slots: at least one (an empty loop runs one empty
/// chunk, which gives the reductions' identities).
fn chunk_count(n: usize, threads: usize, max_chunks: usize) -> usize {
    n.min(threads * CHUNKS_PER_THREAD).min(max_chunks).max(1)
}

/// The trips of chunk `c` of `chunks` over `0..n`: sizes differ by at most
/// one.
fn chunk_range(c: usize, chunks: usize, n: usize) -> (usize, usize) {
    let (base, extra) = (n / chunks, n % chunks);
    let start = c * base + c.min(extra);
    (start, start + base + usize::from(c < extra))
}

/// Runs `chunk` over trips `0..n`; returns how many chunks (slots) it
/// used, at least 1. Called by generated code for a `prange` loop.
///
/// # Safety
/// `chunk` must be safe to call with `context` on any sub-range of `0..n`
/// from any thread at once (the programmer's promise, as for Numba's and
/// OpenMP's parallel loops); `slots` must hold `max_chunks` slots of
/// `slot_size` bytes (or be unused: `slot_size` 0); `status` must point to
/// the caller's status record.
pub unsafe extern "C" fn jitufunc_rt_parallel_for(
    chunk: ForChunkFn,
    context: *mut c_void,
    n: i64,
    slots: *mut c_void,
    slot_size: i64,
    max_chunks: i64,
    status: *mut c_void,
) -> i64 {
    let n = n.max(0) as usize;
    let threads = pool().map_or(1, |p| p.current_num_threads());
    let chunks = chunk_count(n, threads, max_chunks.max(1) as usize);
    let slot_at = |c: usize| {
        // Only an address: the chunk function writes there.
        slots.cast::<u8>().wrapping_add(c * slot_size as usize)
    };
    let run = |c: usize, record: *mut c_void| {
        let (lo, hi) = chunk_range(c, chunks, n);
        // SAFETY: a sub-range of `0..n` with its own slot and a status
        // record (the caller's contract).
        unsafe { chunk(context, lo as i64, hi as i64, slot_at(c).cast(), record) }
    };
    let failed = |status: *mut c_void| {
        // SAFETY: `status` points to a status record (the contract).
        let word = unsafe { *status.cast::<i32>() };
        word & (crate::codegen::fpstatus::ERROR as i32) != 0
    };
    // The first chunk on this thread, timed.
    let started = Instant::now();
    run(0, status);
    if chunks == 1 || failed(status) {
        return chunks as i64;
    }
    let serial = match pool() {
        None => true,
        Some(_) if threads < 2 => true,
        Some(_) => started.elapsed().as_nanos() * (chunks as u128) < MIN_PARALLEL_NANOS,
    };
    if serial {
        for c in 1..chunks {
            run(c, status);
            if failed(status) {
                return chunks as i64;
            }
        }
        return chunks as i64;
    }
    let pool = pool().expect("checked above");
    let stop = AtomicBool::new(false);
    let results = ChunkResults::default();
    // Raw pointers are not Send; the chunks only pass these on.
    let (context_addr, slots_addr, chunk_addr) = (context as usize, slots as usize, chunk as usize);
    let slot_size = slot_size as usize;
    pool.install(|| {
        (1..chunks).into_par_iter().for_each(|c| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let (lo, hi) = chunk_range(c, chunks, n);
            let word = results.run(c, |record| {
                // SAFETY: `chunk_addr` is the `ForChunkFn` the caller
                // passed; trips `lo..hi` and slot `c` are this chunk's
                // alone, with a record of its own (the caller's contract).
                unsafe {
                    let chunk: ForChunkFn = std::mem::transmute::<usize, ForChunkFn>(chunk_addr);
                    chunk(
                        context_addr as *mut c_void,
                        lo as i64,
                        hi as i64,
                        (slots_addr as *mut u8).wrapping_add(c * slot_size).cast(),
                        record,
                    );
                }
            });
            if word & (crate::codegen::fpstatus::ERROR as i32) != 0 {
                stop.store(true, Ordering::Relaxed);
            }
        })
    });
    // SAFETY: `status` points to the caller's status record (the contract).
    unsafe { results.finish(status) };
    chunks as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_trips_once_in_order() {
        for n in [0usize, 1, 2, 7, 100, 1001] {
            for threads in [1usize, 2, 3, 16] {
                let chunks = chunk_count(n, threads, 128);
                assert!((1..=128).contains(&chunks));
                let mut next = 0;
                for c in 0..chunks {
                    let (lo, hi) = chunk_range(c, chunks, n);
                    assert_eq!(lo, next);
                    assert!(hi >= lo);
                    next = hi;
                }
                assert_eq!(next, n);
            }
        }
        // Sizes differ by at most one.
        let sizes: Vec<usize> = (0..16)
            .map(|c| {
                let (lo, hi) = chunk_range(c, 16, 1001);
                hi - lo
            })
            .collect();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    }
}
