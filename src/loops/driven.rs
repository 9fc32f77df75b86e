//! The elementwise loop of a freshly compiled ufunc, driven from Rust.
//!
//! A loop compiled for this process only (`deferred`: not cached, no IR or
//! assembly kept) is one small piece of generated code driven from here:
//! `{name}`, the vector pass over one chunk of contiguous operands
//! (`elementwise::emit_chunk_function`). NumPy's loop function is
//! `elementwise_loop`, with the loop's `DeferredExact` slot as its data,
//! which holds the chunk function once it is linked. (A generated loop
//! function that only called the driver cost about 10% of a small
//! kernel's code generation: a second function through every pass of
//! LLVM's backend.) Everything else the
//! generated loop of `elementwise` does (choosing the vector or strided
//! path, replicating broadcast inputs, buffering in-place outputs, the
//! exact redo of a chunk that met a non-finite value, stopping after an
//! element raised, the CPU's FP flags) is done here the same way, once for
//! every kernel instead of being code-generated for each: it was about
//! half of a small kernel's code generation time.

use super::deferred::DeferredExact;
use super::elementwise::{CHUNK, SHORT};
use crate::codegen::fpstatus::{ERROR, TAINT};

/// `i32 chunk(char **inputs, char **outputs, i64 m)`: the vector pass over
/// `m` elements of contiguous operands; returns its status word.
type ChunkFn = unsafe extern "C" fn(*const *mut u8, *const *mut u8, i64) -> i32;

/// The most operands a driven loop has (NumPy's `NPY_MAXARGS`); loops
/// with more keep the generated loop.
pub const MAX_OPERANDS: usize = 64;

/// Operands whose pointers the driver keeps on the stack; more go to the
/// heap (zeroing 64 would cost a small call more than its loop).
const SMALL_OPERANDS: usize = 8;

/// Per-operand values: on the stack for up to `SMALL_OPERANDS` operands,
/// on the heap beyond.
struct PerOperand<T: Copy> {
    small: [T; SMALL_OPERANDS],
    large: Vec<T>,
    len: usize,
}

impl<T: Copy> PerOperand<T> {
    fn new(len: usize, fill: T) -> Self {
        PerOperand {
            small: [fill; SMALL_OPERANDS],
            large: if len > SMALL_OPERANDS {
                vec![fill; len]
            } else {
                vec![]
            },
            len,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        if self.len <= SMALL_OPERANDS {
            &mut self.small[..self.len]
        } else {
            &mut self.large
        }
    }
}

/// MXCSR exception flag bits (as `fpflags`).
const MXCSR_FLAGS: u32 = 0x3f;

/// Bytes of scratch on the stack: the tail slots, broadcast inputs and
/// in-place output buffers of up to 8 KiB (three float64 buffers and
/// their tails) use it, more go to the heap.
const SCRATCH: usize = 8 << 10;

/// Bytes of the direct path's tail slots (`DeferredExact::tail_bytes`; a
/// loop needing more takes the general path).
const DIRECT_TAIL: usize = 2 << 10;

#[repr(C, align(64))]
struct Scratch([std::mem::MaybeUninit<u8>; SCRATCH]);

fn read_csr() -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr stores the 4-byte MXCSR at a valid, writable
        // address; x86-64 always has SSE.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags));
        }
        csr
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        0
    }
}

fn write_csr(csr: u32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: ldmxcsr loads a value read from MXCSR with only its sticky
    // exception flags changed (no reserved bits set, so no #GP).
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, preserves_flags));
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = csr;
}

/// NumPy's inner loop function of every driven elementwise loop: `data`
/// is the loop's `DeferredExact` slot (`LoopInfo::data`).
///
/// # Safety
/// Called through NumPy's loop tables (or code calling a ufunc's loops as
/// NumPy does) only: NumPy's `args`, `dims` and `steps` for the loop's
/// operands, and the data NumPy keeps beside this function for the loop,
/// its slot, kept alive with its code, whose chunk function was set
/// (`DeferredExact::set_chunk`) before the loop was registered.
pub unsafe extern "C" fn elementwise_loop(
    args: *mut *mut u8,
    dims: *const isize,
    steps: *const isize,
    data: *mut std::ffi::c_void,
) {
    // SAFETY: per the contract, `data` is the loop's live slot.
    let d = unsafe { &*(data as *const DeferredExact) };
    let chunk = d.chunk();
    if chunk == 0 {
        eprintln!("jitufunc: internal error: a driven loop ran before its chunk function was set");
        std::process::abort();
    }
    // SAFETY: `set_chunk` stored the address of a function linked with
    // `ChunkFn`'s ABI, alive while the slot is.
    let chunk = unsafe { std::mem::transmute::<usize, ChunkFn>(chunk) };
    // SAFETY: NumPy's arguments for the loop, passed on.
    unsafe { drive(args, dims, steps, d, chunk) }
}

/// The driver of one call of a driven loop.
///
/// # Safety
/// NumPy's `args`, `dims` and `steps` for the operands of the loop whose
/// slot is `d`, and its chunk function.
unsafe fn drive(
    args: *mut *mut u8,
    dims: *const isize,
    steps: *const isize,
    d: &DeferredExact,
    chunk: ChunkFn,
) {
    // SAFETY: per the contract, NumPy passes one pointer and one step per
    // operand and the length first.
    let n = unsafe { *dims as i64 };
    let nops = d.itemsizes.len();
    // SAFETY: as above.
    let (args, steps) = unsafe {
        (
            std::slice::from_raw_parts(args, nops),
            std::slice::from_raw_parts(steps, nops),
        )
    };
    let csr = d.flags.then(read_csr);
    let mut status: i32 = 0;
    let exact = |lo: i64, hi: i64, status: &mut i32| {
        let f = d.current();
        // SAFETY: the range function of this loop, on NumPy's own
        // arguments and a range within the call's elements.
        unsafe {
            f(
                args.as_ptr() as *mut *mut u8,
                steps.as_ptr(),
                lo,
                hi,
                status,
                d as *const DeferredExact,
            )
        }
    };
    let layout = if d.flags && !d.redo {
        None
    } else {
        vector_layout(d, n, args, steps)
    };
    match layout {
        None => exact(0, n, &mut status),
        Some(in_place) => {
            // SAFETY: `vector_layout` checked the strides and overlaps the
            // vector pass needs; the rest is the contract.
            unsafe {
                if nops <= SMALL_OPERANDS
                    && d.tail_bytes <= DIRECT_TAIL
                    && !(d.flags && in_place)
                    && !steps[..d.nin].contains(&0)
                {
                    direct_path(d, n, args, chunk, in_place, &mut status, &exact)
                } else {
                    vector_path(d, n, args, steps, in_place, chunk, &mut status, &exact)
                }
            }
        }
    }
    if let Some(entry) = csr {
        let now = read_csr();
        let raised = status as u32 & MXCSR_FLAGS;
        write_csr((now & !MXCSR_FLAGS) | (entry & MXCSR_FLAGS) | raised);
    }
}

/// Whether the call can take the vector path, and if so whether some
/// output is also an input (in place). The vector path needs: at least
/// `SHORT` elements, every output contiguous, every input contiguous or of
/// stride 0, and every output either an input (element i to element i) or
/// apart from it (`accumulate` calls loops with an output one element
/// ahead of an input, which must run sequentially).
fn vector_layout(d: &DeferredExact, n: i64, args: &[*mut u8], steps: &[isize]) -> Option<bool> {
    if n < SHORT as i64 {
        return None;
    }
    let nin = d.nin;
    for (k, (&step, &size)) in steps.iter().zip(&d.itemsizes).enumerate() {
        if step != size as isize && !(k < nin && step == 0) {
            return None;
        }
    }
    // The bytes an operand spans: `n` elements, or one when of stride 0 (a
    // broadcast scalar next to the output must not send the call down the
    // strided path: the result would depend on where the allocator put it).
    let span = |k: usize| {
        let start = args[k] as usize;
        let count = if steps[k] == 0 { 1 } else { n as usize };
        (start, start.wrapping_add(count * d.itemsizes[k]))
    };
    let mut in_place = false;
    for j in nin..args.len() {
        let (o0, o1) = span(j);
        for k in 0..nin {
            let (i0, i1) = span(k);
            let same = o0 == i0;
            if !(same || o1 <= i0 || i1 <= o0) {
                return None;
            }
            in_place |= same;
        }
    }
    Some(in_place)
}

/// Runs the chunk function on `m` elements at `pointers` (inputs, then
/// outputs) and returns what it noted. The chunk function only takes
/// whole groups of `DeferredExact::group` elements. The rest (`run_tail`):
/// when `overlap` (no output is an input read in place) and the chunk has
/// a whole group, the chunk's last group is run again, which recomputes
/// a few elements from the same inputs (same values, same flags); else
/// through the tail slots, a group's worth per operand, the inputs' last
/// item repeated in the padding, only the real results copied out.
///
/// # Safety
/// `pointers` are contiguous for `m` elements; `tail` holds
/// `DeferredExact::tail_bytes` bytes.
#[inline(always)]
unsafe fn run_chunk(
    d: &DeferredExact,
    chunk: ChunkFn,
    pointers: &[*mut u8],
    m: usize,
    tail: *mut u8,
    overlap: bool,
) -> i32 {
    let nin = d.nin;
    let group = d.group;
    let full = m & !(group - 1);
    let mut noted = 0;
    if full > 0 {
        // SAFETY: per the contract.
        noted = unsafe { chunk(pointers.as_ptr(), pointers[nin..].as_ptr(), full as i64) };
    }
    let rest = m - full;
    if rest == 0 {
        return noted;
    }
    // SAFETY: per the contract.
    noted | unsafe { run_tail(d, chunk, pointers, full, rest, tail, overlap) }
}

/// `run_chunk`'s last `rest` elements (fewer than a group), from `full`:
/// by running the chunk's last whole group again, or through the tail
/// slots (see `run_chunk`).
///
/// # Safety
/// As `run_chunk`, with `full + rest` the chunk's `m`.
#[inline(never)]
unsafe fn run_tail(
    d: &DeferredExact,
    chunk: ChunkFn,
    pointers: &[*mut u8],
    full: usize,
    rest: usize,
    tail: *mut u8,
    overlap: bool,
) -> i32 {
    let nin = d.nin;
    let group = d.group;
    let mut padded = PerOperand::new(pointers.len(), std::ptr::null_mut::<u8>());
    let padded = padded.as_mut_slice();
    if overlap && full > 0 {
        let from = full + rest - group;
        for (k, (&p, q)) in pointers.iter().zip(padded.iter_mut()).enumerate() {
            // SAFETY: `from + group` is the chunk's `m`.
            *q = unsafe { p.add(from * d.itemsizes[k]) };
        }
        // SAFETY: each pointer has `group` elements left in the chunk.
        return unsafe { chunk(padded.as_ptr(), padded[nin..].as_ptr(), group as i64) };
    }
    let mut offset = 0;
    for (k, (&p, q)) in pointers.iter().zip(padded.iter_mut()).enumerate() {
        let size = d.itemsizes[k];
        // SAFETY: the slots (group items each, rounded up to 64 bytes) add
        // up to `tail_bytes`.
        *q = unsafe { tail.add(offset) };
        offset += (group * size).next_multiple_of(64);
        if k < nin {
            // SAFETY: the input holds `m` items, the slot `group`; the
            // padding repeats the slot's last real item.
            unsafe {
                std::ptr::copy_nonoverlapping(p.add(full * size), *q, rest * size);
                crate::engine::runtime::jitufunc_rt_splat(
                    q.add(rest * size),
                    q.add((rest - 1) * size),
                    size as u64,
                    (group - rest) as u64,
                );
            }
        }
    }
    // SAFETY: every slot holds `group` items.
    let noted = unsafe { chunk(padded.as_ptr(), padded[nin..].as_ptr(), group as i64) };
    for k in nin..pointers.len() {
        let size = d.itemsizes[k];
        // SAFETY: the output holds `m` items; the slot the tail's results.
        unsafe {
            std::ptr::copy_nonoverlapping(padded[k], pointers[k].add(full * size), rest * size)
        };
    }
    noted
}

/// Accounts for a chunk's pass over `start..end`, which noted `noted`:
/// with flags tracked, a chunk that met a non-finite value is redone by
/// the exact range function, otherwise its flags join `status`. Returns
/// whether the pass's results stand (they must then be copied out of any
/// buffer).
fn settle(
    d: &DeferredExact,
    noted: i32,
    start: i64,
    end: i64,
    status: &mut i32,
    exact: &dyn Fn(i64, i64, &mut i32),
) -> bool {
    if !d.flags {
        return true;
    }
    if noted as u64 & TAINT != 0 {
        exact(start, end, status);
        return false;
    }
    *status |= noted;
    true
}

/// Whether an element raised (the loop then stops after this chunk).
fn raised(d: &DeferredExact, status: i32, noted: i32) -> bool {
    d.may_raise && (status | noted) as u64 & ERROR != 0
}

/// The vector path when every operand is read or written in place (no
/// broadcast input, no buffered output) and there are at most
/// `SMALL_OPERANDS`: the common call, kept free of the buffers' set-up.
///
/// # Safety
/// As `vector_path`.
unsafe fn direct_path(
    d: &DeferredExact,
    n: i64,
    args: &[*mut u8],
    chunk: ChunkFn,
    in_place: bool,
    status: &mut i32,
    exact: &dyn Fn(i64, i64, &mut i32),
) {
    let nops = args.len();
    let mut pointers = [std::ptr::null_mut::<u8>(); SMALL_OPERANDS];
    pointers[..nops].copy_from_slice(args);
    let mut tail = std::mem::MaybeUninit::<[u8; DIRECT_TAIL]>::uninit();
    let mut start: i64 = 0;
    loop {
        let m = (n - start).min(CHUNK as i64);
        let end = start + m;
        // SAFETY: every operand is contiguous for the call's `n` elements
        // (`vector_layout`), so for the chunk's `m` from its pointer.
        let noted = unsafe {
            run_chunk(
                d,
                chunk,
                &pointers[..nops],
                m as usize,
                tail.as_mut_ptr() as *mut u8,
                !in_place,
            )
        };
        settle(d, noted, start, end, status, exact);
        if end >= n || raised(d, *status, noted) {
            break;
        }
        for (p, &size) in pointers[..nops].iter_mut().zip(&d.itemsizes) {
            *p = p.wrapping_add(m as usize * size);
        }
        start = end;
    }
}

/// The vector path: chunks of `CHUNK` elements through the chunk function,
/// every input read contiguously from its array or (stride 0) from a
/// buffer holding its value; with flags tracked, a chunk whose pass noted
/// a non-finite value is redone by the exact range function, and in-place
/// outputs go through buffers so that the redo still sees its inputs.
///
/// # Safety
/// `args`/`steps` as NumPy passes them for `n` elements, laid out as
/// `vector_layout` accepted; `chunk` is the loop's chunk function.
#[allow(clippy::too_many_arguments)]
unsafe fn vector_path(
    d: &DeferredExact,
    n: i64,
    args: &[*mut u8],
    steps: &[isize],
    in_place: bool,
    chunk: ChunkFn,
    status: &mut i32,
    exact: &dyn Fn(i64, i64, &mut i32),
) {
    let nin = d.nin;
    let nops = args.len();
    let buffered = d.flags && in_place;
    let buffer_of = |k: usize| if k < nin { steps[k] == 0 } else { buffered };
    // A buffer holds the first chunk's worth of items (all of a short call).
    let fill = (n as u64).min(CHUNK) as usize;
    let slot = |k: usize| (fill * d.itemsizes[k]).next_multiple_of(64);
    let tail_bytes = d.tail_bytes;
    let needed: usize = (0..nops).filter(|&k| buffer_of(k)).map(slot).sum::<usize>() + tail_bytes;
    let mut stack = std::mem::MaybeUninit::<Scratch>::uninit();
    let mut heap = vec![];
    let scratch: *mut u8 = if needed <= SCRATCH {
        stack.as_mut_ptr() as *mut u8
    } else {
        heap.resize(needed, 0u8);
        heap.as_mut_ptr()
    };
    // Per operand: where the chunk function reads or writes the current
    // chunk, and how far that moves per element (0 for a buffer).
    let mut bases = PerOperand::new(nops, (std::ptr::null_mut::<u8>(), 0usize));
    let bases = bases.as_mut_slice();
    let tail = scratch;
    let mut used = tail_bytes;
    for k in 0..nops {
        let size = d.itemsizes[k];
        bases[k] = if buffer_of(k) {
            // SAFETY: `needed` bytes are reserved; the slots add up to it.
            let buffer = unsafe { scratch.add(used) };
            used += slot(k);
            if k < nin {
                // SAFETY: the buffer holds `fill` items; the operand's one
                // item is readable and outside the scratch.
                unsafe {
                    crate::engine::runtime::jitufunc_rt_splat(
                        buffer,
                        args[k],
                        size as u64,
                        fill as u64,
                    )
                };
            }
            (buffer, 0)
        } else {
            (args[k], size)
        };
    }
    let mut pointers = PerOperand::new(nops, std::ptr::null_mut::<u8>());
    let pointers = pointers.as_mut_slice();
    let mut start: i64 = 0;
    loop {
        let m = (n - start).min(CHUNK as i64);
        let end = start + m;
        for (p, &(base, step)) in pointers.iter_mut().zip(bases.iter()) {
            *p = base.wrapping_add(start as usize * step);
        }
        // Outputs read in place are buffered here when flags are tracked;
        // the inputs are then intact.
        let overlap = !in_place || buffered;
        // SAFETY: every pointer is contiguous for `m` elements (checked by
        // `vector_layout`, or a scratch buffer of `fill` >= m items).
        let noted = unsafe { run_chunk(d, chunk, pointers, m as usize, tail, overlap) };
        if settle(d, noted, start, end, status, exact) && buffered {
            for k in nin..nops {
                let size = d.itemsizes[k];
                // SAFETY: the buffer holds the chunk's `m` results;
                // the output is contiguous for them.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        pointers[k],
                        args[k].add(start as usize * size),
                        m as usize * size,
                    )
                };
            }
        }
        if end >= n || raised(d, *status, noted) {
            break;
        }
        start = end;
    }
}
