//! Fusion of array expressions: a map (`Op::Map`) whose array is used once,
//! by a later map or reduction of the same block (`np.sum(a * b)` makes no
//! array), with nothing between them that could
//! write memory, is computed inside that map instead: the two element
//! expressions become one (`ElemExpr::substitute`), so `t = a * b; u = t -
//! 4.1 * a` is one loop that never makes `t`. The intermediate's dtype is
//! kept by a conversion node, so results are exactly those of the separate
//! maps.
//!
//! Then a map whose array is only assigned to a view (`c[:] = a * b + 1`,
//! `out=` of a ufunc) becomes `Op::MapInto` that view: the results go
//! straight into it, with no temporary array.

use super::elementwise::{ElemExpr, ElemNode};
use super::ProgramBuilder;
use crate::error::Result;
use crate::ir::{Function, Op, Operands, Value};
use crate::types::Type;

/// Fuses the maps of `f` (typed) as far as they go.
pub fn fuse(f: &mut Function, ctx: &mut ProgramBuilder) -> Result<()> {
    while fuse_one(f, ctx)? {}
    while map_into_one(f, ctx)? {}
    Ok(())
}

/// Turns one `assign(view, map(...))` into `map_into(view, ...)`; whether
/// it found one. The map must be of the same block, used only there, with
/// nothing between them that writes memory, and have as many axes as the
/// view (other shapes keep the temporary).
fn map_into_one(f: &mut Function, ctx: &mut ProgramBuilder) -> Result<bool> {
    let uses = use_counts(f);
    for b in f.reverse_post_order() {
        let insts = f.block(b).insts.clone();
        for (pos, &consumer) in insts.iter().enumerate() {
            if !matches!(f.inst(consumer).op, Op::Array(crate::ir::ArrayOp::Assign)) {
                continue;
            }
            let [target, value] = f.inst(consumer).args[..] else {
                continue;
            };
            let Some((jpos, inner)) = foldable_map(f, &uses, &insts, pos, value) else {
                continue;
            };
            let producer = insts[jpos];
            let (Type::Array(made), Type::Array(view)) =
                (f.ty(value).clone(), f.ty(target).clone())
            else {
                continue;
            };
            if made.ndim != view.ndim {
                continue;
            }
            let Some(tree) = ctx.element_tree(inner).cloned() else {
                continue;
            };
            // The map's dtype, then the view's, as the assignment converts.
            let into = ElemExpr::Node(
                ElemNode::Cast(view.dtype),
                vec![ElemExpr::Node(ElemNode::Cast(made.dtype), vec![tree])],
            );
            let leaves = f.inst(producer).args.clone();
            let types: Vec<Type> = leaves.iter().map(|v| f.ty(*v).clone()).collect();
            let span = f.inst(consumer).span;
            let source = f.source.clone();
            let (id, _) = ctx.element_function(&into, &types, &source, span)?;
            let c = &mut f.insts[consumer.index()];
            c.op = Op::MapInto(id);
            c.args = std::iter::once(target).chain(leaves).collect();
            drop_folded(f, b, jpos, producer);
            return Ok(true);
        }
    }
    Ok(false)
}

/// How many times each value is used.
fn use_counts(f: &Function) -> Vec<usize> {
    let mut uses = vec![0; f.values.len()];
    for b in f.reverse_post_order() {
        let block = f.block(b);
        for i in &block.insts {
            for a in &f.inst(*i).args {
                uses[a.index()] += 1;
            }
        }
        for v in block.term.uses() {
            uses[v.index()] += 1;
        }
    }
    uses
}

/// The `Op::Map` making `value` (its position in `insts` and element
/// function) when it can be folded into the instruction at `pos`: made
/// earlier in the same block, used only there, with nothing between them
/// that may write memory.
fn foldable_map(
    f: &Function,
    uses: &[usize],
    insts: &[crate::ir::Inst],
    pos: usize,
    value: Value,
) -> Option<(usize, crate::ir::FuncId)> {
    if uses[value.index()] != 1 {
        return None;
    }
    let jpos = insts[..pos]
        .iter()
        .position(|j| f.inst(*j).result == Some(value))?;
    let Op::Map(inner) = f.inst(insts[jpos]).op else {
        return None;
    };
    if insts[jpos + 1..pos].iter().any(|i| barrier(&f.inst(*i).op)) {
        return None;
    }
    Some((jpos, inner))
}

/// Takes the folded map `producer` (at `jpos` of block `b`) out of every
/// block, leaving it inert for passes that walk all instructions.
fn drop_folded(f: &mut Function, b: crate::ir::Block, jpos: usize, producer: crate::ir::Inst) {
    f.block_mut(b).insts.remove(jpos);
    let gone = &mut f.insts[producer.index()];
    gone.op = Op::Const(crate::syntax::Const::None, Type::NoneType);
    gone.args.clear();
    gone.result = None;
}

/// Whether an operation may write memory or run code that does.
fn barrier(op: &Op) -> bool {
    matches!(op, Op::CallFunc(_) | Op::ParallelFor(..) | Op::Print(_))
        || op.effects().writes != Operands::None
}

/// Fuses one pair; whether it found one.
fn fuse_one(f: &mut Function, ctx: &mut ProgramBuilder) -> Result<bool> {
    let uses = use_counts(f);
    for b in f.reverse_post_order() {
        let insts = f.block(b).insts.clone();
        for (pos, &consumer) in insts.iter().enumerate() {
            let (Op::Map(outer) | Op::Reduce(_, outer) | Op::ReduceAxis(_, _, outer)) =
                f.inst(consumer).op
            else {
                continue;
            };
            let args = f.inst(consumer).args.clone();
            for (k, &arg) in args.iter().enumerate() {
                let Some((jpos, inner)) = foldable_map(f, &uses, &insts, pos, arg) else {
                    continue;
                };
                let producer = insts[jpos];
                let (Some(outer_tree), Some(inner_tree)) = (
                    ctx.element_tree(outer).cloned(),
                    ctx.element_tree(inner).cloned(),
                ) else {
                    continue;
                };
                let Type::Array(made) = f.ty(arg).clone() else {
                    continue;
                };
                // The consumer's operands without `arg`, then the
                // producer's; a value used by both is one operand.
                let inner_args = f.inst(producer).args.clone();
                let mut leaves: Vec<Value> = args
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != k)
                    .map(|(_, v)| *v)
                    .collect();
                let mut inner_map = vec![];
                for v in &inner_args {
                    inner_map.push(match leaves.iter().position(|l| l == v) {
                        Some(i) => i,
                        None => {
                            leaves.push(*v);
                            leaves.len() - 1
                        }
                    });
                }
                let inner_expr = ElemExpr::Node(
                    ElemNode::Cast(made.dtype),
                    vec![inner_tree.renumber(&|i| inner_map[i])],
                );
                let fused =
                    outer_tree.substitute(k, &inner_expr, &|i| if i > k { i - 1 } else { i });
                let types: Vec<Type> = leaves.iter().map(|v| f.ty(*v).clone()).collect();
                let span = f.inst(consumer).span;
                let source = f.source.clone();
                let (id, _) = ctx.element_function(&fused, &types, &source, span)?;
                let c = &mut f.insts[consumer.index()];
                c.op = match c.op {
                    Op::Reduce(r, _) => Op::Reduce(r, id),
                    Op::ReduceAxis(r, axis, _) => Op::ReduceAxis(r, axis, id),
                    _ => Op::Map(id),
                };
                c.args = leaves;
                drop_folded(f, b, jpos, producer);
                return Ok(true);
            }
        }
    }
    Ok(false)
}
