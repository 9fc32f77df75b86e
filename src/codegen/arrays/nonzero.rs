//! `np.nonzero`: a count, then the indices, in blocks of 64 elements.

use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

use super::create::empty;
use super::{array_type, element_at, nd_loop, View};
use crate::codegen::context::Codegen;
use crate::codegen::counted_loop::counted_loop;
use crate::codegen::memory::{element_ptr, load_scalar};
use crate::error::{CompileError, Result};
use crate::types::Type;

/// Elements of the last axis `np.nonzero` tests per block: the bits of
/// one mask.
const NONZERO_BLOCK: u64 = 64;

/// `np.nonzero(a)`: counts the non-zero elements, then fills one int64
/// array per axis with their indices, in C order.
pub(super) fn nonzero<'ctx>(
    cg: &mut Codegen<'ctx>,
    t: &Type,
    rty: &Type,
    a: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let at = *array_type(t, "np.nonzero")?;
    let view = View::unpack(cg, &at, a)?;
    let i64t = cg.ctx.i64_type();
    let counter = cg.entry_alloca(i64t, "nonzero.count")?;
    cg.builder.build_store(counter, i64t.const_zero())?;
    let shape = view.shape.clone();
    let test = |cg: &Codegen<'ctx>, idx: &[IntValue<'ctx>]| -> Result<IntValue<'ctx>> {
        let p = element_at(cg, &view, idx)?;
        let v = load_scalar(cg, at.dtype, p)?;
        Ok(crate::codegen::scalar::truth(cg, &Type::Scalar(at.dtype), v)?.into_int_value())
    };
    nd_loop(cg, &shape, &mut |cg, idx| {
        let hit = test(cg, idx)?;
        let b = &cg.builder;
        let n = b.build_load(i64t, counter, "")?.into_int_value();
        let n = b.build_int_add(n, b.build_int_z_extend(hit, i64t, "")?, "")?;
        b.build_store(counter, n)?;
        Ok(())
    })?;
    let count = cg.builder.build_load(i64t, counter, "count")?;
    let Type::Tuple(items) = rty else {
        return Err(CompileError::internal("np.nonzero gives a tuple"));
    };
    let count = count.into_int_value();
    let mut outs = vec![];
    for item in items {
        let arr = empty(cg, item, &[count.into()])?;
        outs.push((
            View::unpack(cg, array_type(item, "np.nonzero")?, arr)?.ptr,
            arr,
        ));
    }
    cg.builder.build_store(counter, i64t.const_zero())?;
    // The last axis goes in blocks of 64 elements: a vectorizable scan
    // makes a bit mask of the block's hits, then one trip per set bit
    // writes an index, so zeros cost a scan and no branch depends on the
    // data element by element.
    let Some((&inner, outer)) = shape.split_last() else {
        return Err(CompileError::internal("np.nonzero of a 0-d array"));
    };
    let f = cg
        .builder
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("nonzero outside a function"))?;
    let block_mask = cg.entry_alloca(i64t, "nonzero.block")?;
    let eight = i64t.const_int(8, false);
    let block = i64t.const_int(NONZERO_BLOCK, false);
    let outer = outer.to_vec();
    nd_loop(cg, &outer, &mut |cg, idx| {
        let b = &cg.builder;
        let last = i64t.const_int(NONZERO_BLOCK - 1, false);
        let blocks = b.build_int_signed_div(b.build_int_add(inner, last, "")?, block, "blocks")?;
        counted_loop(cg, f, blocks, "nonzero.blocks", &[], |cg, k| {
            let b = &cg.builder;
            let first = b.build_int_mul(k, block, "")?;
            let left = b.build_int_sub(inner, first, "")?;
            let fewer = b.build_int_compare(IntPredicate::SLT, left, block, "")?;
            let len = b
                .build_select(fewer, left, block, "block.len")?
                .into_int_value();
            b.build_store(block_mask, i64t.const_zero())?;
            let at = |cg: &Codegen<'ctx>, j: IntValue<'ctx>| -> Result<Vec<IntValue<'ctx>>> {
                let mut full = idx.to_vec();
                full.push(cg.builder.build_int_add(first, j, "")?);
                Ok(full)
            };
            // Bit j of the mask: element `first + j` is non-zero.
            counted_loop(cg, f, len, "nonzero.scan", &[], |cg, j| {
                let hit = test(cg, &at(cg, j)?)?;
                let b = &cg.builder;
                let bit = b.build_left_shift(b.build_int_z_extend(hit, i64t, "")?, j, "")?;
                let mask = b.build_load(i64t, block_mask, "")?.into_int_value();
                b.build_store(block_mask, b.build_or(mask, bit, "")?)?;
                Ok(())
            })?;
            let b = &cg.builder;
            let mask = b.build_load(i64t, block_mask, "mask")?.into_int_value();
            // A block of hits only: its indices are a run, stored by a
            // vectorizable loop.
            let width = i64t.const_int(NONZERO_BLOCK, false);
            let all = b.build_right_shift(
                i64t.const_all_ones(),
                b.build_int_sub(width, len, "")?,
                false,
                "all",
            )?;
            let full = b.build_int_compare(IntPredicate::EQ, mask, all, "")?;
            let run = cg.ctx.append_basic_block(f, "nonzero.run");
            let sparse = cg.ctx.append_basic_block(f, "nonzero.sparse");
            let write = cg.ctx.append_basic_block(f, "nonzero.write");
            let next = cg.ctx.append_basic_block(f, "nonzero.next");
            b.build_conditional_branch(full, run, sparse)?;
            cg.builder.position_at_end(run);
            let n = cg.builder.build_load(i64t, counter, "")?.into_int_value();
            counted_loop(cg, f, len, "nonzero.run", &[], |cg, j| {
                let full = at(cg, j)?;
                let slot = cg.builder.build_int_add(n, j, "")?;
                for ((p, _), i) in outs.iter().zip(&full) {
                    let at_n = element_ptr(cg, *p, slot, eight)?;
                    cg.builder.build_store(at_n, *i)?;
                }
                Ok(())
            })?;
            let b = &cg.builder;
            b.build_store(counter, b.build_int_add(n, len, "")?)?;
            b.build_unconditional_branch(next)?;
            cg.builder.position_at_end(sparse);
            let b = &cg.builder;
            let any = b.build_int_compare(IntPredicate::NE, mask, i64t.const_zero(), "")?;
            let scanned = b.get_insert_block().expect("positioned");
            b.build_conditional_branch(any, write, next)?;
            // One trip per hit: the lowest set bit gives its index, then
            // is cleared.
            cg.builder.position_at_end(write);
            let cttz = inkwell::intrinsics::Intrinsic::find("llvm.cttz")
                .and_then(|i| i.get_declaration(&cg.module, &[i64t.into()]))
                .ok_or_else(|| CompileError::internal("no llvm.cttz"))?;
            let bits = cg.builder.build_phi(i64t, "bits")?;
            let m = bits.as_basic_value().into_int_value();
            let j = cg
                .call_value(
                    cttz,
                    &[m.into(), cg.ctx.bool_type().const_int(1, false).into()],
                )?
                .into_int_value();
            let full = at(cg, j)?;
            let n = cg.builder.build_load(i64t, counter, "")?.into_int_value();
            for ((p, _), i) in outs.iter().zip(&full) {
                let at_n = element_ptr(cg, *p, n, eight)?;
                cg.builder.build_store(at_n, *i)?;
            }
            let b = &cg.builder;
            b.build_store(counter, b.build_int_add(n, i64t.const_int(1, false), "")?)?;
            let lower = b.build_int_sub(m, i64t.const_int(1, false), "")?;
            let rest = b.build_and(m, lower, "rest")?;
            let more = b.build_int_compare(IntPredicate::NE, rest, i64t.const_zero(), "")?;
            let latch = b.get_insert_block().expect("positioned");
            bits.add_incoming(&[(&mask, scanned), (&rest, latch)]);
            b.build_conditional_branch(more, write, next)?;
            cg.builder.position_at_end(next);
            Ok(())
        })?;
        Ok(())
    })?;
    let ty = cg
        .llvm_type(rty)?
        .ok_or_else(|| CompileError::internal("nonzero tuple type"))?
        .into_struct_type();
    let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
    for (k, (_, arr)) in outs.iter().enumerate() {
        agg = cg.builder.build_insert_value(agg, *arr, k as u32, "")?;
    }
    Ok(agg.into_struct_value().into())
}
