//! Output snapshots for the gufunc fast path of kernels that read their
//! outputs (`guvectorize::rerun::reads_outputs`: `C[i, j] += ...`).
//!
//! Such a kernel cannot simply be run twice: its first run leaves values
//! behind that the second one reads. `loops::gufunc` therefore keeps an
//! undo log of each chunk of outer iterations on the fast path: right
//! before a fast (taint) kernel call runs some iterations, their output
//! blocks are copied into a stack buffer (`save`); when the chunk noted a
//! non-finite float, the blocks are put back, latest iteration first
//! (`restore`), and the exact kernel redoes the chunk from exactly the
//! memory it started from. Saving next to each call rather than the whole
//! chunk up front lets the copy overlap the kernel's work (batched 4x4
//! matmul in i-k-j order: 3.86 ms with a chunk-wide `memcpy`, 3.52 ms
//! interleaved with inline 64-byte copies, 3.17 ms with no snapshot).
//!
//! Invariants: a saved block holds the memory as it was right before its
//! iteration ran, and only the kernel's output blocks are written (kernels
//! writing their inputs never take the fast path), so undoing iterations
//! in reverse order restores the chunk's starting memory even where output
//! blocks overlap each other or inputs. The chunk length is chosen so the
//! chunk's output blocks fit the buffer (`BUFFER_BYTES`); when one outer
//! iteration's blocks do not fit, the chunk length is 0 and the caller
//! runs the exact kernel alone.

use inkwell::types::BasicType;
use inkwell::values::{BasicValue, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use crate::codegen::counted_loop::counted_loop;
use crate::codegen::memory::element_ptr;
use crate::codegen::metadata::LoopHint;
use crate::codegen::Codegen;
use crate::error::Result;

/// Bytes of the stack buffer a chunk's output blocks are copied into:
/// 64 outer iterations of 4x4 float64 blocks take 8 KiB; the buffer stays
/// in L1 while it is reused chunk after chunk.
pub const BUFFER_BYTES: u64 = 16 * 1024;

/// One output operand: its data pointer, outer stride, core axes
/// ((size, stride) per axis) and element size.
pub struct OutputBlocks<'ctx> {
    pub base: PointerValue<'ctx>,
    pub outer: IntValue<'ctx>,
    pub axes: Vec<(IntValue<'ctx>, IntValue<'ctx>)>,
    pub itemsize: u64,
}

/// The snapshot buffer of one loop call and how its chunks are cut.
pub struct Snapshot<'ctx> {
    buffer: PointerValue<'ctx>,
    outputs: Vec<OutputBlocks<'ctx>>,
    /// Bytes of one outer iteration's block, per output.
    block_bytes: Vec<IntValue<'ctx>>,
    /// Per output, whether its blocks of consecutive outer iterations form
    /// one C-contiguous run (`c_contiguous`).
    contiguous: Vec<IntValue<'ctx>>,
    /// Outer iterations per chunk (0: one iteration does not fit).
    pub chunk: IntValue<'ctx>,
}

impl<'ctx> Snapshot<'ctx> {
    /// Allocates the buffer (in the entry block) and computes the chunk
    /// length: at most `max_chunk`, as many iterations as fit the buffer.
    pub fn begin(
        cg: &Codegen<'ctx>,
        outputs: Vec<OutputBlocks<'ctx>>,
        max_chunk: u64,
    ) -> Result<Snapshot<'ctx>> {
        let i64t = cg.ctx.i64_type();
        let b = &cg.builder;
        let buffer =
            cg.entry_alloca(cg.ctx.i8_type().array_type(BUFFER_BYTES as u32), "snapshot")?;
        let mut block_bytes = vec![];
        let mut total = i64t.const_zero();
        for out in &outputs {
            let mut bytes = i64t.const_int(out.itemsize, false);
            for (size, _) in &out.axes {
                bytes = b.build_int_nsw_mul(bytes, *size, "")?;
            }
            total = b.build_int_nsw_add(total, bytes, "")?;
            block_bytes.push(bytes);
        }
        // Empty blocks need no room; count them as one byte.
        let one = i64t.const_int(1, false);
        let is_zero = b.build_int_compare(IntPredicate::EQ, total, i64t.const_zero(), "")?;
        let total = b.build_select(is_zero, one, total, "")?.into_int_value();
        let fit = b.build_int_unsigned_div(i64t.const_int(BUFFER_BYTES, false), total, "fit")?;
        let max = i64t.const_int(max_chunk, false);
        let more = b.build_int_compare(IntPredicate::UGT, fit, max, "")?;
        let chunk = b
            .build_select(more, max, fit, "snapshot.chunk")?
            .into_int_value();
        let contiguous = outputs
            .iter()
            .zip(&block_bytes)
            .map(|(out, &bytes)| c_contiguous(cg, out, bytes))
            .collect::<Result<Vec<_>>>()?;
        Ok(Snapshot {
            buffer,
            outputs,
            block_bytes,
            contiguous,
            chunk,
        })
    }

    /// Where the blocks of `output` for slot `slot` are kept.
    fn slot_ptr(
        &self,
        cg: &Codegen<'ctx>,
        output: usize,
        slot: IntValue<'ctx>,
    ) -> Result<PointerValue<'ctx>> {
        let b = &cg.builder;
        let mut offset = cg.ctx.i64_type().const_zero();
        for bytes in &self.block_bytes[..output] {
            let used = b.build_int_nsw_mul(self.chunk, *bytes, "")?;
            offset = b.build_int_nsw_add(offset, used, "")?;
        }
        let at = b.build_int_nsw_mul(slot, self.block_bytes[output], "")?;
        let offset = b.build_int_nsw_add(offset, at, "")?;
        // SAFETY: `slot < chunk`, and the regions of all outputs, `chunk`
        // blocks each, fit the buffer (`begin` chose `chunk` so).
        Ok(unsafe { b.build_gep(cg.ctx.i8_type(), self.buffer, &[offset], "snap.slot")? })
    }

    /// Saves the output blocks of outer iterations `r .. r + n` into slots
    /// `slot .. slot + n` (`slot + n <= chunk`), right before a kernel call
    /// runs those iterations.
    pub fn save(
        &self,
        cg: &mut Codegen<'ctx>,
        f: FunctionValue<'ctx>,
        r: IntValue<'ctx>,
        slot: IntValue<'ctx>,
        n: IntValue<'ctx>,
    ) -> Result<()> {
        for (k, out) in self.outputs.iter().enumerate() {
            let whole = cg.ctx.append_basic_block(f, "snap.save.whole");
            let each = cg.ctx.append_basic_block(f, "snap.save.each");
            let done = cg.ctx.append_basic_block(f, "snap.save.done");
            cg.builder
                .build_conditional_branch(self.contiguous[k], whole, each)?;
            cg.builder.position_at_end(whole);
            let first = element_ptr(cg, out.base, r, out.outer)?;
            let packed = self.slot_ptr(cg, k, slot)?;
            let bytes = cg.builder.build_int_nsw_mul(n, self.block_bytes[k], "")?;
            copy_bytes(cg, f, packed, first, bytes)?;
            cg.builder.build_unconditional_branch(done)?;
            cg.builder.position_at_end(each);
            counted_loop(cg, f, n, "snap.save", &[], |cg, i| {
                let b = &cg.builder;
                let block = element_ptr(cg, out.base, b.build_int_nsw_add(r, i, "")?, out.outer)?;
                let packed = self.slot_ptr(cg, k, cg.builder.build_int_nsw_add(slot, i, "")?)?;
                copy_block(cg, f, out, block, packed, 0, true)
            })?;
            cg.builder.build_unconditional_branch(done)?;
            cg.builder.position_at_end(done);
        }
        Ok(())
    }

    /// Puts back the blocks saved for outer iterations `lo .. lo + count`
    /// (slots `0 .. count`), latest iteration first: each saved block holds
    /// the memory as it was right before its iteration ran, so undoing the
    /// iterations in reverse order gives back the memory before `lo`, even
    /// where blocks overlap.
    pub fn restore(
        &self,
        cg: &mut Codegen<'ctx>,
        f: FunctionValue<'ctx>,
        lo: IntValue<'ctx>,
        count: IntValue<'ctx>,
    ) -> Result<()> {
        let i64t = cg.ctx.i64_type();
        let each = cg.ctx.append_basic_block(f, "snap.each");
        let done = cg.ctx.append_basic_block(f, "snap.done");
        if let [out] = &self.outputs[..] {
            // One output whose blocks are one C-contiguous run: the blocks
            // do not overlap, one copy puts them all back.
            let bytes = self.block_bytes[0];
            let contiguous = self.contiguous[0];
            let whole = cg.ctx.append_basic_block(f, "snap.whole");
            cg.builder
                .build_conditional_branch(contiguous, whole, each)?;
            cg.builder.position_at_end(whole);
            let first = element_ptr(cg, out.base, lo, out.outer)?;
            let n = cg.builder.build_int_nsw_mul(count, bytes, "")?;
            let saved = self.slot_ptr(cg, 0, i64t.const_zero())?;
            cg.builder.build_memcpy(first, 1, saved, 1, n)?;
            cg.builder.build_unconditional_branch(done)?;
        } else {
            cg.builder.build_unconditional_branch(each)?;
        }
        cg.builder.position_at_end(each);
        counted_loop(
            cg,
            f,
            count,
            "snap.restore",
            &[LoopHint::NoUnroll],
            |cg, i| {
                let b = &cg.builder;
                let last = b.build_int_sub(count, i64t.const_int(1, false), "")?;
                let slot = b.build_int_sub(last, i, "")?;
                let r = b.build_int_nsw_add(lo, slot, "")?;
                for (k, out) in self.outputs.iter().enumerate() {
                    let block = element_ptr(cg, out.base, r, out.outer)?;
                    let packed = self.slot_ptr(cg, k, slot)?;
                    copy_block(cg, f, out, block, packed, 0, false)?;
                }
                Ok(())
            },
        )?;
        cg.builder.build_unconditional_branch(done)?;
        cg.builder.position_at_end(done);
        Ok(())
    }
}

/// Whether the blocks of consecutive outer iterations of `out` form one
/// C-contiguous run of `bytes` each (outer stride = block bytes, every core
/// stride that of a C-ordered block).
fn c_contiguous<'ctx>(
    cg: &Codegen<'ctx>,
    out: &OutputBlocks<'ctx>,
    bytes: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let b = &cg.builder;
    let mut all = b.build_int_compare(IntPredicate::EQ, out.outer, bytes, "")?;
    let mut expected = i64t.const_int(out.itemsize, false);
    for (size, stride) in out.axes.iter().rev() {
        let same = b.build_int_compare(IntPredicate::EQ, *stride, expected, "")?;
        all = b.build_and(all, same, "")?;
        expected = b.build_int_nsw_mul(expected, *size, "")?;
    }
    Ok(all)
}

/// Copies `n` bytes from `src` to `dst` (not overlapping) inline: 64
/// bytes per step, then 8, then 1. A few hundred bytes per kernel call are
/// copied this way, where a call of `memcpy` would cost more than the copy
/// (the accesses are volatile so that LLVM does not turn the loops back
/// into such a call).
fn copy_bytes<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    dst: PointerValue<'ctx>,
    src: PointerValue<'ctx>,
    n: IntValue<'ctx>,
) -> Result<()> {
    let i64t = cg.ctx.i64_type();
    let units = [
        (64u64, i64t.vec_type(8).as_basic_type_enum()),
        (8, i64t.as_basic_type_enum()),
        (1, cg.ctx.i8_type().as_basic_type_enum()),
    ];
    let mut done = i64t.const_zero();
    for (size, ty) in units {
        let b = &cg.builder;
        let left = b.build_int_sub(n, done, "")?;
        let steps = b.build_int_unsigned_div(left, i64t.const_int(size, false), "")?;
        let from = done;
        counted_loop(cg, f, steps, "snap.bytes", &[], |cg, i| {
            let b = &cg.builder;
            let at = b.build_int_nsw_add(
                from,
                b.build_int_nsw_mul(i, i64t.const_int(size, false), "")?,
                "",
            )?;
            let i8t = cg.ctx.i8_type();
            // SAFETY: `at + size <= n`: inside both `n`-byte ranges.
            let (s, d) = unsafe {
                (
                    b.build_gep(i8t, src, &[at], "")?,
                    b.build_gep(i8t, dst, &[at], "")?,
                )
            };
            let value = b.build_load(ty, s, "")?;
            if let Some(load) = value.as_instruction_value() {
                load.set_alignment(1).map_err(unaligned)?;
                load.set_volatile(true).map_err(unaligned)?;
            }
            let store = b.build_store(d, value)?;
            store.set_alignment(1).map_err(unaligned)?;
            store.set_volatile(true).map_err(unaligned)?;
            Ok(())
        })?;
        let b = &cg.builder;
        let copied = b.build_int_nsw_mul(steps, i64t.const_int(size, false), "")?;
        done = b.build_int_nsw_add(done, copied, "")?;
    }
    Ok(())
}

fn unaligned(e: inkwell::values::InstructionValueError) -> crate::error::CompileError {
    crate::error::CompileError::internal(format!("snapshot copy alignment: {e:?}"))
}

/// Copies the block at `block` (axes from `axis` on) to or from `packed`,
/// its C-ordered copy.
fn copy_block<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    out: &OutputBlocks<'ctx>,
    block: PointerValue<'ctx>,
    packed: PointerValue<'ctx>,
    axis: usize,
    save: bool,
) -> Result<()> {
    let i8t = cg.ctx.i8_type();
    let Some(&(size, stride)) = out.axes.get(axis) else {
        let item = match out.itemsize {
            1 => cg.ctx.i8_type(),
            2 => cg.ctx.i16_type(),
            4 => cg.ctx.i32_type(),
            8 => cg.ctx.i64_type(),
            _ => cg.ctx.i128_type(),
        };
        let (dst, src) = if save {
            (packed, block)
        } else {
            (block, packed)
        };
        let value = cg.builder.build_load(item, src, "")?;
        // NumPy may pass unaligned blocks: copy with byte alignment.
        if let Some(load) = value.as_instruction_value() {
            load.set_alignment(1).map_err(unaligned)?;
        }
        let store = cg.builder.build_store(dst, value)?;
        store.set_alignment(1).map_err(unaligned)?;
        return Ok(());
    };
    // Bytes of one step along `axis` in the packed copy.
    let mut inner = cg.ctx.i64_type().const_int(out.itemsize, false);
    for (s, _) in &out.axes[axis + 1..] {
        inner = cg.builder.build_int_nsw_mul(inner, *s, "")?;
    }
    counted_loop(cg, f, size, "snap.axis", &[], |cg, j| {
        let src = element_ptr(cg, block, j, stride)?;
        let at = cg.builder.build_int_nsw_mul(j, inner, "")?;
        // SAFETY: `j < size`: inside the block's packed copy.
        let dst = unsafe { cg.builder.build_gep(i8t, packed, &[at], "")? };
        copy_block(cg, f, out, src, dst, axis + 1, save)
    })?;
    Ok(())
}
