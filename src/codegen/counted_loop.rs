//! The counted loop every generated loop is built from: `for i in 0..n` in
//! rotated form (a guard, then a body tested at the bottom), the shape
//! LLVM's loop vectorizer expects, with loop hints (`metadata`) on its
//! latch. The ufunc loops use it, and so will loops over arrays in `@jit`
//! functions.

use inkwell::basic_block::BasicBlock;
use inkwell::values::{FunctionValue, IntValue};
use inkwell::IntPredicate;

use super::metadata::{set_loop_hints, LoopHint};
use super::Codegen;
use crate::error::Result;

/// Emits `for i in 0..n { body(i) }` starting in the current block, which
/// it leaves positioned at the exit. The loop is in rotated form (guard,
/// then a bottom-tested body), the shape the vectorizer expects.
pub fn counted_loop<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    n: IntValue<'ctx>,
    name: &str,
    hints: &[LoopHint],
    body: impl FnOnce(&mut Codegen<'ctx>, IntValue<'ctx>) -> Result<()>,
) -> Result<BasicBlock<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let pre = cg.builder.get_insert_block().expect("positioned");
    let header = cg.ctx.append_basic_block(f, &format!("{name}.body"));
    let exit = cg.ctx.append_basic_block(f, &format!("{name}.exit"));
    let nonempty = cg
        .builder
        .build_int_compare(IntPredicate::SGT, n, i64t.const_zero(), "")?;
    cg.builder
        .build_conditional_branch(nonempty, header, exit)?;
    cg.builder.position_at_end(header);
    let phi = cg.builder.build_phi(i64t, "i")?;
    let i = phi.as_basic_value().into_int_value();
    body(cg, i)?;
    let latch = cg.builder.get_insert_block().expect("positioned");
    let next = cg
        .builder
        .build_int_nsw_add(i, i64t.const_int(1, false), "")?;
    let more = cg
        .builder
        .build_int_compare(IntPredicate::SLT, next, n, "")?;
    let branch = cg.builder.build_conditional_branch(more, header, exit)?;
    set_loop_hints(cg, branch, hints);
    phi.add_incoming(&[(&i64t.const_zero(), pre), (&next, latch)]);
    cg.builder.position_at_end(exit);
    Ok(exit)
}
