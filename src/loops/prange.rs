//! The runtime of `prange` loops (`codegen::parallel_for`): a loop's trips
//! cut into chunks, run on the thread pool, each chunk's partial results
//! (reductions) in a slot of its own.
//!
//! How the trips are cut (`Partition`) depends only on the trip count and
//! the pool's size, so a loop's results (a float sum's rounding) are the
//! same from call to call. The calling thread first runs a small probe
//! chunk (about 1/8 of the others) and times it: a loop whose whole run
//! would take less than `MIN_PARALLEL_NANOS` stays on the calling thread
//! (without reductions, the rest in one call), where it costs what a
//! serial loop costs; otherwise the other chunks go to the pool.
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

/// Below this estimated run time (the probe's time scaled to all the
/// trips), the chunks run on the calling thread: waking the pool costs a
/// few microseconds per thread.
const MIN_PARALLEL_NANOS: u128 = 40_000;

/// Chunks per pool thread: uneven iterations (a triangular loop, data-
/// dependent work) balance across threads by work stealing.
const CHUNKS_PER_THREAD: usize = 8;

/// Fewer chunks for short loops: about this many trips each, but at least
/// two chunks per thread. A chunk is a call with its own loop set-up, so
/// 1000 cheap trips in 16 chunks cost a third more than the serial loop.
const MIN_CHUNK_TRIPS: usize = 256;

/// How a loop's trips `0..n` are cut: chunk 0 is a small *probe* the
/// calling thread runs first and times, the others (`rest` of them,
/// sizes differing by at most one) cover the remaining trips. It depends
/// only on `n`, the pool's size and the slots available, so a float
/// reduction's partials are added in the same order on every call.
#[derive(Clone, Copy, Debug)]
struct Partition {
    n: usize,
    probe: usize,
    rest: usize,
}

impl Partition {
    fn new(n: usize, threads: usize, max_chunks: usize) -> Self {
        let per_thread = threads.max(1) * CHUNKS_PER_THREAD;
        // About 1/8 of a chunk: the part that runs before the pool starts.
        let probe = if n == 0 {
            0
        } else {
            (n / (per_thread * 8)).max(1)
        };
        let wanted = (n / MIN_CHUNK_TRIPS).clamp(2 * threads.max(1), per_thread.max(2));
        let rest = (n - probe).min(wanted).min(max_chunks.max(2) - 1);
        Partition { n, probe, rest }
    }

    /// How many chunks (slots): at least one (an empty loop runs one empty
    /// chunk, which gives the reductions' identities).
    fn chunks(self) -> usize {
        1 + self.rest
    }

    /// The trips of chunk `c`.
    fn range(self, c: usize) -> (usize, usize) {
        if c == 0 {
            return (0, self.probe);
        }
        let len = self.n - self.probe;
        let (base, extra) = (len / self.rest, len % self.rest);
        let k = c - 1;
        let start = self.probe + k * base + k.min(extra);
        (start, start + base + usize::from(k < extra))
    }
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
    let cut = Partition::new(n, threads, max_chunks.max(1) as usize);
    let chunks = cut.chunks();
    let slot_at = |c: usize| {
        // Only an address: the chunk function writes there.
        slots.cast::<u8>().wrapping_add(c * slot_size as usize)
    };
    let run = |c: usize, record: *mut c_void| {
        let (lo, hi) = cut.range(c);
        // SAFETY: a sub-range of `0..n` with its own slot and a status
        // record (the caller's contract).
        unsafe { chunk(context, lo as i64, hi as i64, slot_at(c).cast(), record) }
    };
    let failed = |status: *mut c_void| {
        // SAFETY: `status` points to a status record (the contract).
        let word = unsafe { *status.cast::<i32>() };
        word & (crate::codegen::fpstatus::ERROR as i32) != 0
    };
    // The probe on this thread, timed.
    let started = Instant::now();
    run(0, status);
    if chunks == 1 || failed(status) {
        return chunks as i64;
    }
    // The whole loop's time estimated from `trips` trips taking `t`.
    let estimate =
        |t: std::time::Duration, trips: usize| t.as_nanos() * (n as u128) / (trips.max(1) as u128);
    // The first chunk not run yet.
    let mut next = 1;
    let serial = match pool() {
        None => true,
        Some(_) if threads < 2 => true,
        Some(_) => {
            let mut guess = estimate(started.elapsed(), cut.probe);
            if (MIN_PARALLEL_NANOS..10 * MIN_PARALLEL_NANOS).contains(&guess) && chunks > 2 {
                // Near the line: the probe (a few trips) may have been
                // preempted, so chunk 1 is timed too and the faster rate
                // decides (waking the pool for a short loop costs more
                // than the loop).
                let again = Instant::now();
                run(1, status);
                next = 2;
                if failed(status) {
                    return chunks as i64;
                }
                let (lo, hi) = cut.range(1);
                guess = guess.min(estimate(again.elapsed(), hi - lo));
            }
            guess < MIN_PARALLEL_NANOS
        }
    };
    if serial && slot_size == 0 {
        // No partials to keep apart: the rest in one call.
        let (lo, hi) = (cut.range(next).0, n);
        // SAFETY: a sub-range of `0..n` on this thread, with the caller's
        // record (the caller's contract); no slot is written.
        unsafe { chunk(context, lo as i64, hi as i64, slot_at(1).cast(), status) };
        return chunks as i64;
    }
    if serial {
        for c in next..chunks {
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
        (next..chunks).into_par_iter().for_each(|c| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let (lo, hi) = cut.range(c);
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
        for n in [0usize, 1, 2, 7, 100, 1001, 400_000] {
            for threads in [1usize, 2, 3, 16] {
                for max in [2usize, 16, 128] {
                    let cut = Partition::new(n, threads, max);
                    let chunks = cut.chunks();
                    assert!((1..=max).contains(&chunks));
                    let mut next = 0;
                    for c in 0..chunks {
                        let (lo, hi) = cut.range(c);
                        assert_eq!(lo, next);
                        assert!(hi >= lo);
                        next = hi;
                    }
                    assert_eq!(next, n);
                }
            }
        }
        // The probe is small; the other chunks' sizes differ by at most one.
        let cut = Partition::new(400_000, 2, 128);
        assert_eq!(cut.range(0), (0, 3125));
        let sizes: Vec<usize> = (1..cut.chunks())
            .map(|c| {
                let (lo, hi) = cut.range(c);
                hi - lo
            })
            .collect();
        assert_eq!(sizes.len(), 16);
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    }

    #[test]
    fn short_loops_take_fewer_chunks_but_two_per_thread() {
        // 1000 trips on 2 threads: 4 chunks after the probe (not 16).
        assert_eq!(Partition::new(1000, 2, 128).chunks(), 5);
        assert_eq!(Partition::new(100, 4, 128).chunks(), 9);
        // Long loops keep CHUNKS_PER_THREAD per thread.
        assert_eq!(Partition::new(1 << 20, 2, 128).chunks(), 17);
    }
}
