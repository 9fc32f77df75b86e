//! `target="parallel"`: the outer loop of a ufunc split across a thread pool.
//!
//! NumPy calls `parallel_loop` (without the GIL for any loop big enough to
//! split) with a `ParallelLoop` as its `data`. Small loops, and loops whose
//! chunks would not be independent (a reduction's zero-stride output,
//! `accumulate`'s output overlapping its input, a gufunc that writes its
//! inputs) run on the calling thread, exactly as `target="cpu"`. Otherwise
//! the outer range is cut into chunks that pool threads run through the
//! same compiled loop, so every element is computed by the same code as on
//! the cpu target and results are identical.
//!
//! FP exception flags live in each thread's MXCSR, and NumPy reads the
//! caller's after the loop: every chunk clears its thread's flags, runs, and
//! ORs what it raised into one word the caller raises at the end. Runtime
//! errors (`boundscheck`) are kept per chunk and the first one in loop order
//! is reported on the calling thread, as the serial loop would.
//!
//! Chunks start at multiples of the loops' own redo blocks (256 elements,
//! 64 gufunc iterations, counted from where a loop starts), so the blocks a
//! chunk redoes exactly are the cpu target's and results are the same.

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU8, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::engine::runtime::{collect_errors, reraise, RuntimeError};

/// A compiled loop with NumPy's ufunc loop ABI.
pub type LoopFn = unsafe extern "C" fn(*mut *mut c_char, *mut isize, *mut isize, *mut c_void);

/// What `parallel_loop` needs to split a loop.
pub struct ParallelLoop {
    pub inner: LoopFn,
    /// The data NumPy would pass `inner` (`LoopInfo::data`).
    pub inner_data: usize,
    pub nin: usize,
    /// Bytes per element of each operand (a gufunc: of one core block's
    /// element, used only for the overlap test of elementwise loops).
    pub itemsizes: Vec<usize>,
    /// Core dimensions NumPy passes after the outer count (gufuncs).
    pub ncore_dims: usize,
    /// A gufunc that writes some of its inputs (never split).
    pub writes_inputs: bool,
}

/// Below this much work (outer count times core sizes), threads cost more
/// than they bring; measured in `benchmarks/run.py --only parallel`.
const MIN_PARALLEL_WORK: usize = 1 << 15;

extern "C" {
    fn feclearexcept(excepts: c_int) -> c_int;
    fn fetestexcept(excepts: c_int) -> c_int;
    fn feraiseexcept(excepts: c_int) -> c_int;
}
/// FE_ALL_EXCEPT (invalid, divide, overflow, underflow, inexact).
#[cfg(target_arch = "x86_64")]
const FE_ALL_EXCEPT: c_int = 0x3d;
#[cfg(target_arch = "aarch64")]
const FE_ALL_EXCEPT: c_int = 0x1f;

/// Threads in the pool: `JITUFUNC_NUM_THREADS`, else the CPUs this process
/// may run on.
pub fn thread_count() -> usize {
    std::env::var("JITUFUNC_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

type PoolSlot = Option<(u32, Option<&'static rayon::ThreadPool>)>;

/// The pool of the process that built it (see `pool`).
static POOL: Mutex<PoolSlot> = Mutex::new(None);

fn pool_of_this_process() -> Option<Option<&'static rayon::ThreadPool>> {
    let slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
    slot.and_then(|(owner, pool)| (owner == std::process::id()).then_some(pool))
}

/// Threads `target="parallel"` uses: the pool's, or what it will have.
pub fn pool_size() -> usize {
    match pool_of_this_process() {
        Some(pool) => pool.map_or(1, |p| p.current_num_threads()),
        None => thread_count(),
    }
}

/// The pool, built on first use by this process. A child made by `fork()`
/// inherits the parent's pool without its threads (rayon does not survive
/// fork), so a process whose id changed builds its own; the inherited one is
/// leaked, as its threads are not there to be joined. The pool is built
/// with no lock held (a fork meanwhile must not leave a child a locked
/// mutex).
pub(crate) fn pool() -> Option<&'static rayon::ThreadPool> {
    // The fast path: what this process found before (`getpid` is a system
    // call, and a prange loop asks for the pool on every call).
    match KNOWN.load(Ordering::Acquire) {
        KNOWN_NONE => return None,
        KNOWN_POOL => {
            let p = KNOWN_AT.load(Ordering::Acquire);
            if !p.is_null() {
                // SAFETY: a pool leaked when it was built (never freed).
                return Some(unsafe { &*p });
            }
        }
        _ => {}
    }
    if let Some(pool) = pool_of_this_process() {
        remember(pool);
        return pool;
    }
    let n = thread_count();
    let built = if n <= 1 {
        None
    } else {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("jitufunc-{i}"))
            .build()
            .ok()
            .map(|p| &*Box::leak(Box::new(p)))
    };
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let pool = match *slot {
        // Another thread built one first: use it (ours stays idle).
        Some((owner, pool)) if owner == pid => pool,
        _ => {
            *slot = Some((pid, built));
            built
        }
    };
    drop(slot);
    remember(pool);
    pool
}

/// What `pool` found in this process: `KNOWN_NONE` (no pool: one thread),
/// `KNOWN_POOL` (the pool at `KNOWN_AT`), or not looked up yet (also in a
/// child made by `fork()`: `forgotten` clears it there).
static KNOWN: AtomicU8 = AtomicU8::new(0);
static KNOWN_AT: AtomicPtr<rayon::ThreadPool> = AtomicPtr::new(std::ptr::null_mut());
const KNOWN_NONE: u8 = 1;
const KNOWN_POOL: u8 = 2;

/// Keeps `pool` for `pool`'s fast path, forgotten in a forked child.
fn remember(pool: Option<&'static rayon::ThreadPool>) {
    static ATFORK: std::sync::Once = std::sync::Once::new();
    ATFORK.call_once(|| {
        extern "C" fn forgotten() {
            KNOWN.store(0, Ordering::Release);
        }
        // SAFETY: registers a child handler that only stores an atomic
        // (async-signal-safe, as a handler run in the child must be).
        unsafe { libc::pthread_atfork(None, None, Some(forgotten)) };
    });
    match pool {
        Some(p) => {
            KNOWN_AT.store(p as *const _ as *mut _, Ordering::Release);
            KNOWN.store(KNOWN_POOL, Ordering::Release);
        }
        None => KNOWN.store(KNOWN_NONE, Ordering::Release),
    }
}

/// Whether chunks of the outer loop are independent: no output is written
/// twice (zero stride) and none overlaps an input other than exactly
/// (same start and stride: in place).
fn chunks_are_independent(
    p: &ParallelLoop,
    args: &[*mut c_char],
    steps: &[isize],
    n: usize,
) -> bool {
    if p.writes_inputs {
        return false;
    }
    let nargs = args.len();
    let range = |k: usize| {
        let start = args[k] as isize;
        let end = start + (n as isize - 1) * steps[k];
        let (lo, hi) = if end < start {
            (end, start)
        } else {
            (start, end)
        };
        (lo, hi + p.itemsizes[k] as isize)
    };
    for out in p.nin..nargs {
        if steps[out] == 0 {
            return false;
        }
        if p.ncore_dims > 0 {
            // NumPy copies gufunc outputs that overlap inputs (the output
            // operand flags), so only the outer stride matters.
            continue;
        }
        let (olo, ohi) = range(out);
        for inp in 0..nargs {
            if inp == out {
                continue;
            }
            let same = args[inp] == args[out] && steps[inp] == steps[out];
            let (ilo, ihi) = range(inp);
            if !same && ilo < ohi && olo < ihi {
                return false;
            }
        }
    }
    true
}

/// The loop NumPy calls for a parallel ufunc.
///
/// # Safety
/// NumPy's ufunc loop contract: `args` and `steps` have an entry per
/// operand (gufuncs: plus core strides), `dims` the outer count (gufuncs:
/// plus `ncore_dims` core sizes), and `data` is the `ParallelLoop` this
/// loop was registered with.
pub unsafe extern "C" fn parallel_loop(
    args: *mut *mut c_char,
    dims: *mut isize,
    steps: *mut isize,
    data: *mut c_void,
) {
    // SAFETY: `data` is the ParallelLoop registered with this loop, owned by
    // the ufunc's library.
    let p = unsafe { &*(data as *const ParallelLoop) };
    let nargs = p.itemsizes.len();
    // SAFETY: per the contract, `dims[0]` is the outer count.
    let n = unsafe { *dims }.max(0) as usize;
    // SAFETY: per the contract, `dims` has 1 + ncore_dims entries.
    let core: usize = (1..=p.ncore_dims)
        .map(|k| unsafe { *dims.add(k) }.max(1) as usize)
        .product();
    let serial = || {
        // SAFETY: forwarding NumPy's own arguments.
        unsafe { (p.inner)(args, dims, steps, p.inner_data as *mut c_void) }
    };
    if n < 2 || n.saturating_mul(core) < MIN_PARALLEL_WORK {
        return serial();
    }
    let Some(pool) = pool() else {
        return serial();
    };
    // SAFETY: per the contract, `args` and `steps` have `nargs` entries.
    let (arg_list, step_list) = unsafe {
        (
            std::slice::from_raw_parts(args, nargs).to_vec(),
            std::slice::from_raw_parts(steps, nargs).to_vec(),
        )
    };
    if !chunks_are_independent(p, &arg_list, &step_list, n) {
        return serial();
    }
    // A few chunks per thread balance uneven work; each at least the
    // minimum, and whole cache lines of contiguous data where possible.
    let threads = pool.current_num_threads();
    let per_chunk_min = MIN_PARALLEL_WORK.div_ceil(core).max(1);
    let nchunks = (threads * 4).min(n / per_chunk_min).max(1);
    // Chunk starts are multiples of the loop's redo block (module doc).
    let align = if p.ncore_dims > 0 {
        super::gufunc::CHUNK
    } else {
        super::elementwise::CHUNK
    } as usize;
    let chunk = n.div_ceil(nchunks).next_multiple_of(align).min(n);
    if chunk >= n {
        return serial();
    }
    let flags = AtomicI32::new(0);
    let first_error: std::sync::Mutex<Option<(usize, RuntimeError)>> = std::sync::Mutex::new(None);
    let ndims = 1 + p.ncore_dims;
    // SAFETY: per the contract, `dims` has `ndims` entries.
    let dims_list = unsafe { std::slice::from_raw_parts(dims, ndims).to_vec() };
    // Raw pointers are not Send; the chunks only read these copies.
    let args_addr: Vec<usize> = arg_list.iter().map(|a| *a as usize).collect();
    let steps_ptr = steps as usize;
    pool.install(|| {
        (0..n.div_ceil(chunk)).into_par_iter().for_each(|c| {
            let start = c * chunk;
            let len = chunk.min(n - start);
            let mut local_args: Vec<*mut c_char> = args_addr
                .iter()
                .zip(&step_list)
                .map(|(a, s)| (*a as isize + start as isize * s) as *mut c_char)
                .collect();
            let mut local_dims = dims_list.clone();
            local_dims[0] = len as isize;
            let errors = collect_errors(|| {
                // Compiled code does not panic; nothing here unwinds.
                // SAFETY: the chunk is a sub-range of the outer loop NumPy
                // handed us; chunks write disjoint outputs
                // (`chunks_are_independent`). FP flags are this thread's.
                unsafe {
                    feclearexcept(FE_ALL_EXCEPT);
                    (p.inner)(
                        local_args.as_mut_ptr(),
                        local_dims.as_mut_ptr(),
                        steps_ptr as *mut isize,
                        p.inner_data as *mut c_void,
                    );
                    flags.fetch_or(fetestexcept(FE_ALL_EXCEPT), Ordering::Relaxed);
                }
            });
            if let Some(e) = errors.into_iter().next() {
                let mut first = first_error.lock().unwrap_or_else(|e| e.into_inner());
                if first.as_ref().is_none_or(|(k, _)| c < *k) {
                    *first = Some((c, e));
                }
            }
        })
    });
    if let Some((_, e)) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        reraise(e);
    }
    let raised = flags.load(Ordering::Relaxed);
    if raised != 0 {
        // SAFETY: sets the calling thread's FP flags, which NumPy checks.
        unsafe { feraiseexcept(raised) };
    }
}

/// The chunk function of a map a `@jit` function splits
/// (`codegen::arrays::map`): it computes elements `start..end` of the map
/// described by `context`, reporting FP flags and errors into `status`
/// (a `StatusRecord`).
pub type ChunkFn = unsafe extern "C" fn(*mut c_void, i64, i64, *mut c_void);

/// Chunk starts are multiples of this many elements, so every chunk starts
/// on a cache line (and a page for 8-byte elements) and the vector loop
/// runs from the first element.
const MAP_CHUNK_ALIGN: usize = 512;

/// A `@jit` entry's status record (`codegen::function::
/// status_record_type`): the status word, padding, and the stack limit of
/// the thread it is on.
#[repr(C)]
pub(crate) struct StatusRecord {
    pub(crate) status: i32,
    _pad: i32,
    stack_limit: u64,
}

/// What the chunks of a `@jit` loop split over the pool report: their
/// status words ORed together, and the first error in chunk order.
#[derive(Default)]
pub(crate) struct ChunkResults {
    flags: AtomicI32,
    first_error: Mutex<Option<(usize, RuntimeError)>>,
}

impl ChunkResults {
    /// Runs chunk `c` (`run` gets its status record) on this pool thread,
    /// collecting its errors; returns its status word.
    pub(crate) fn run(&self, c: usize, run: impl FnOnce(*mut c_void)) -> i32 {
        let mut record = StatusRecord::for_this_thread();
        let errors = collect_errors(|| run((&raw mut record).cast()));
        self.flags.fetch_or(record.status, Ordering::Relaxed);
        if let Some(e) = errors.into_iter().next() {
            let mut first = self.first_error.lock().unwrap_or_else(|e| e.into_inner());
            if first.as_ref().is_none_or(|(k, _)| c < *k) {
                *first = Some((c, e));
            }
            return record.status | crate::codegen::fpstatus::ERROR as i32;
        }
        record.status
    }

    /// ORs the chunks' status words into the caller's (`status`) and
    /// reports the first error on the calling thread.
    ///
    /// # Safety
    /// `status` must point to the caller's status word.
    pub(crate) unsafe fn finish(self, status: *mut c_void) {
        // SAFETY: the caller's contract.
        unsafe { *status.cast::<i32>() |= self.flags.load(Ordering::Relaxed) };
        if let Some((_, e)) = self
            .first_error
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
        {
            crate::engine::runtime::report(e);
        }
    }
}

impl StatusRecord {
    /// A clear record for the calling thread.
    pub(crate) fn for_this_thread() -> Self {
        StatusRecord {
            status: 0,
            _pad: 0,
            stack_limit: crate::engine::runtime::jitufunc_rt_stack_limit(),
        }
    }
}

/// Runs `chunk` over `0..n` on the pool: called by generated code for the
/// element loop of a large array expression. Maps of fewer than
/// `min_elements` elements (the caller's estimate of where threads start
/// to pay), and any map when
/// there is no pool, run on the calling thread in one call. Each chunk has
/// a status record of its own; their status words are ORed into
/// `status`, and the first error in element order is reported on the
/// calling thread.
///
/// # Safety
/// `chunk` must be safe to call with `context` on any sub-range of `0..n`
/// from any thread at once (chunks write disjoint elements), and `status`
/// must point to a status word.
pub unsafe extern "C" fn jitufunc_rt_parallel_map(
    chunk: ChunkFn,
    context: *mut c_void,
    n: i64,
    min_elements: i64,
    status: *mut c_void,
) {
    let serial = || {
        // SAFETY: the whole range on the calling thread, with its record.
        unsafe { chunk(context, 0, n, status) }
    };
    if n < min_elements.max(2) {
        return serial();
    }
    let Some(pool) = pool() else {
        return serial();
    };
    let threads = pool.current_num_threads();
    if threads < 2 {
        return serial();
    }
    let n = n as usize;
    let per_chunk = n
        .div_ceil(threads * 2)
        .max(min_elements as usize / 2)
        .next_multiple_of(MAP_CHUNK_ALIGN);
    if per_chunk >= n {
        return serial();
    }
    let results = ChunkResults::default();
    // Raw pointers are not Send; the chunks only pass these on.
    let (context_addr, chunk_addr) = (context as usize, chunk as usize);
    pool.install(|| {
        (0..n.div_ceil(per_chunk)).into_par_iter().for_each(|c| {
            let start = c * per_chunk;
            let end = (start + per_chunk).min(n);
            results.run(c, |record| {
                // SAFETY: `chunk_addr` is the `ChunkFn` the caller passed;
                // the chunk is a sub-range of `0..n` no other chunk writes
                // (the caller's contract), with a record of its own.
                unsafe {
                    let chunk: ChunkFn = std::mem::transmute::<usize, ChunkFn>(chunk_addr);
                    chunk(
                        context_addr as *mut c_void,
                        start as i64,
                        end as i64,
                        record,
                    );
                }
            });
        })
    });
    // SAFETY: `status` points to the caller's status word (the contract).
    unsafe { results.finish(status) };
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn noop(_: *mut *mut c_char, _: *mut isize, _: *mut isize, _: *mut c_void) {}

    fn elementwise() -> ParallelLoop {
        ParallelLoop {
            inner: noop,
            inner_data: 0,
            nin: 2,
            itemsizes: vec![8, 8, 8],
            ncore_dims: 0,
            writes_inputs: false,
        }
    }

    #[test]
    fn only_independent_chunks_are_split() {
        let p = elementwise();
        let buf = vec![0u8; 8 * 4000];
        let base = buf.as_ptr() as *mut c_char;
        // Only addresses are compared, never dereferenced; `wrapping_add`
        // keeps even those computed past the buffer well-defined.
        let at = |k: usize| base.wrapping_add(k);
        let n = 1000;
        // Separate arrays.
        assert!(chunks_are_independent(
            &p,
            &[at(0), at(8000), at(16000)],
            &[8, 8, 8],
            n
        ));
        // In place: output is exactly the first input.
        assert!(chunks_are_independent(
            &p,
            &[at(0), at(8000), at(0)],
            &[8, 8, 8],
            n
        ));
        // A reduction: the output does not move.
        assert!(!chunks_are_independent(
            &p,
            &[at(0), at(8000), at(0)],
            &[0, 8, 0],
            n
        ));
        // accumulate: out[i] = out[i-1] op in[i] (overlap, shifted).
        assert!(!chunks_are_independent(
            &p,
            &[at(0), at(8000), at(8)],
            &[8, 8, 8],
            n
        ));
        // Negative strides that overlap another input.
        assert!(!chunks_are_independent(
            &p,
            &[at(0), at(8000), at(7992)],
            &[8, 8, -8],
            n
        ));
        // A gufunc writing its inputs is never split.
        let q = ParallelLoop {
            writes_inputs: true,
            ..elementwise()
        };
        assert!(!chunks_are_independent(
            &q,
            &[at(0), at(8000), at(16000)],
            &[8, 8, 8],
            n
        ));
    }
}
