//! Output snapshots for the gufunc fast path of kernels that read their
//! outputs (`guvectorize::rerun::reads_outputs`: `C[i, j] += ...`).
//!
//! Such a kernel cannot simply be run twice: its first run leaves values
//! behind that the second one reads. `loops::gufunc` therefore copies the
//! output blocks of a chunk of outer iterations into a stack buffer before
//! the fast (taint) kernel runs on the chunk, and copies them back before
//! the exact kernel redoes a chunk that noted a non-finite float, so the
//! redo starts from exactly the memory the chunk started from.
//!
//! Invariants: every snapshot of a chunk is taken before any kernel call of
//! that chunk, so even output blocks that overlap each other (or inputs)
//! hold their pre-chunk bytes in every copy, and restoring them in any
//! order gives back the pre-chunk memory. The chunk length is chosen so
//! the chunk's output blocks fit the buffer (`BUFFER_BYTES`); when one
//! outer iteration's blocks do not fit, the chunk length is 0 and the
//! caller runs the exact kernel alone.

use inkwell::values::{BasicValue, IntValue, PointerValue};
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
        Ok(Snapshot {
            buffer,
            outputs,
            block_bytes,
            chunk,
        })
    }

    /// Copies the output blocks of outer iterations `lo .. lo + count`
    /// (`count <= self.chunk`) into the buffer (`save`) or back.
    pub fn copy(
        &self,
        cg: &mut Codegen<'ctx>,
        f: inkwell::values::FunctionValue<'ctx>,
        lo: IntValue<'ctx>,
        count: IntValue<'ctx>,
        save: bool,
    ) -> Result<()> {
        let i64t = cg.ctx.i64_type();
        let i8t = cg.ctx.i8_type();
        let mut offset = i64t.const_zero();
        for (out, &bytes) in self.outputs.iter().zip(&self.block_bytes) {
            // SAFETY: `offset + count * bytes <= chunk * total <= BUFFER_BYTES`
            // (the chunk length was chosen so), inside the buffer.
            let region = unsafe {
                cg.builder
                    .build_gep(i8t, self.buffer, &[offset], "snap.region")?
            };
            let first = element_ptr(cg, out.base, lo, out.outer)?;
            // One copy when the chunk's blocks are one C-contiguous run.
            let contiguous = c_contiguous(cg, out, bytes)?;
            let whole = cg.ctx.append_basic_block(f, "snap.whole");
            let each = cg.ctx.append_basic_block(f, "snap.each");
            let done = cg.ctx.append_basic_block(f, "snap.done");
            cg.builder
                .build_conditional_branch(contiguous, whole, each)?;
            cg.builder.position_at_end(whole);
            let n = cg.builder.build_int_nsw_mul(count, bytes, "")?;
            let (dst, src) = if save {
                (region, first)
            } else {
                (first, region)
            };
            cg.builder.build_memcpy(dst, 1, src, 1, n)?;
            cg.builder.build_unconditional_branch(done)?;
            cg.builder.position_at_end(each);
            counted_loop(cg, f, count, "snap.iter", &[LoopHint::NoUnroll], |cg, i| {
                let r = cg.builder.build_int_nsw_add(lo, i, "")?;
                let block = element_ptr(cg, out.base, r, out.outer)?;
                let at = cg.builder.build_int_nsw_mul(i, bytes, "")?;
                // SAFETY: `i < count`, so `at + bytes` is inside the region.
                let dst = unsafe { cg.builder.build_gep(i8t, region, &[at], "")? };
                copy_block(cg, f, out, block, dst, 0, save)
            })?;
            cg.builder.build_unconditional_branch(done)?;
            cg.builder.position_at_end(done);
            let used = cg.builder.build_int_nsw_mul(self.chunk, bytes, "")?;
            offset = cg.builder.build_int_nsw_add(offset, used, "")?;
        }
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

fn unaligned(e: inkwell::values::InstructionValueError) -> crate::error::CompileError {
    crate::error::CompileError::internal(format!("snapshot copy alignment: {e:?}"))
}

/// Copies the block at `block` (axes from `axis` on) to or from `packed`,
/// its C-ordered copy.
fn copy_block<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: inkwell::values::FunctionValue<'ctx>,
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
