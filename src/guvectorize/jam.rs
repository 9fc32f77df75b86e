//! Running several outer iterations of a gufunc in one kernel call
//! ("unroll and jam" of the outer loop into the kernel; see
//! `codegen::function::Lanes`).
//!
//! A kernel can run K outer iterations in lockstep when its control flow is
//! the same in all of them: every branch depends only on *uniform* values.
//! Uniform are constants and everything computed from uniform values only,
//! and the shapes of arrays (`a.shape`, `len(a)`, `a.size`): all outer
//! iterations of a gufunc call see the same core dimensions. Parameters
//! themselves (the blocks' addresses, scalar inputs) and anything loaded
//! from memory differ between iterations. A loop `for i in range(n)` over a
//! core dimension is uniform; `if x[i] > 0` is not, and such kernels are
//! not jammed.

use crate::codegen::function::Lanes;
use crate::ir::{Block, Function, Op, Operands, Terminator, Value};
use crate::types::Type;

fn is_array(f: &Function, v: Value) -> bool {
    matches!(f.ty(v), Type::Array(_))
}

/// Blocks that are part of some loop (on a cycle of the CFG).
fn loop_blocks(f: &Function) -> Vec<bool> {
    let preds = f.predecessors();
    let order = f.reverse_post_order();
    let mut rank = vec![usize::MAX; f.blocks.len()];
    for (i, b) in order.iter().enumerate() {
        rank[b.index()] = i;
    }
    let mut in_loop = vec![false; f.blocks.len()];
    // Each back edge latch -> header: the body is what reaches the latch
    // backwards without passing the header.
    for &header in &order {
        for &latch in &preds[header.index()] {
            if rank[latch.index()] < rank[header.index()] {
                continue;
            }
            in_loop[header.index()] = true;
            let mut stack: Vec<Block> = vec![latch];
            while let Some(b) = stack.pop() {
                if in_loop[b.index()] && b != latch {
                    continue;
                }
                in_loop[b.index()] = true;
                if b == header {
                    continue;
                }
                for &p in &preds[b.index()] {
                    if !in_loop[p.index()] {
                        stack.push(p);
                    }
                }
            }
        }
    }
    in_loop
}

/// When jamming pays: always for kernels whose loops carry a value from
/// one iteration to the next (a strict-IEEE sum is one long dependency
/// chain, which lanes run side by side); otherwise only for small blocks
/// (the loop vectorizer widens a loop over a long row better than lanes
/// do, but has nothing to widen in a loop of a few iterations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JamWhen {
    Always,
    SmallBlocks,
}

/// How many outer iterations to run at once: as many as registers allow.
/// Each lane keeps its own array addresses and loop-carried values live
/// through the kernel's loops, so the count is bounded by the arrays
/// accessed inside loops (x86-64 has 16 general registers) and the varying
/// values carried around loops (32 vector registers), and the size of the
/// kernel (compile time grows with lanes times varying instructions).
pub fn choose_lane_count(f: &Function, lanes: &Lanes) -> (usize, JamWhen) {
    let in_loop = loop_blocks(f);
    let param_of = |v: Value| f.params().iter().position(|p| *p == v);
    // Parameters accessed (through views derived from them) inside loops.
    let mut root: Vec<Option<usize>> = vec![None; f.values.len()];
    for (i, p) in f.params().iter().enumerate() {
        root[p.index()] = Some(i);
    }
    let mut arrays_in_loops = std::collections::BTreeSet::new();
    let mut carried = 0usize;
    let mut varying_insts = 0usize;
    for (bi, b) in f.blocks.iter().enumerate() {
        for &inst in &b.insts {
            let d = f.inst(inst);
            if !lanes.uniform_insts[inst.index()] {
                varying_insts += 1;
            }
            let e = d.op.effects();
            let through_first = [e.reads, e.writes, e.aliases].contains(&Operands::First);
            if through_first && d.args.first().is_some_and(|a| is_array(f, *a)) {
                let array = d.args[0];
                let r = root[array.index()].or_else(|| param_of(array));
                if let (Some(res), Some(r)) = (d.result, r) {
                    if matches!(f.ty(res), Type::Array(_)) {
                        root[res.index()] = Some(r);
                    }
                }
                if in_loop[bi] {
                    arrays_in_loops.insert(r.unwrap_or(usize::MAX));
                }
            }
        }
        if in_loop[bi] {
            carried += b
                .params
                .iter()
                .filter(|p| {
                    !lanes.uniform_values[p.index()] && !matches!(f.ty(**p), Type::Array(_))
                })
                .count();
        }
    }
    let arrays = arrays_in_loops.len().max(1);
    let count = [16, 8, 4, 2]
        .into_iter()
        .find(|&k| k * arrays <= 16 && k * carried <= 24 && k * varying_insts <= 1024)
        .unwrap_or(1);
    let when = if carried > 0 {
        JamWhen::Always
    } else {
        JamWhen::SmallBlocks
    };
    (count, when)
}

/// The lanes for running `count` calls of `f` at once, if its control
/// flow is uniform.
pub fn lanes(f: &Function, count: usize) -> Option<Lanes> {
    let mut uniform_values = vec![true; f.values.len()];
    for p in f.params() {
        uniform_values[p.index()] = false;
    }
    let mut uniform_insts = vec![true; f.insts.len()];
    loop {
        let mut changed = false;
        for (i, inst) in f.insts.iter().enumerate() {
            let e = inst.op.effects();
            let touches_arrays = inst
                .args
                .iter()
                .enumerate()
                .any(|(k, a)| (e.reads.contains(k) || e.writes.contains(k)) && is_array(f, *a));
            // Arrays are never uniform: every one is (a view of) a
            // parameter, whose block differs between lanes. (Arrays that
            // compiled code allocates will need their own rule here.)
            let uniform = if matches!(inst.op, Op::Random(_)) {
                // Every lane draws numbers of its own.
                false
            } else if e.shape_only {
                // Shapes are the same in every outer iteration.
                true
            } else if touches_arrays {
                // Each lane's arrays differ: so do loads, and stores happen
                // once per lane.
                false
            } else {
                inst.args.iter().all(|a| uniform_values[a.index()])
            };
            if !uniform && uniform_insts[i] {
                uniform_insts[i] = false;
                changed = true;
            }
            if let Some(r) = inst.result {
                if !uniform && uniform_values[r.index()] {
                    uniform_values[r.index()] = false;
                    changed = true;
                }
            }
        }
        for b in &f.blocks {
            for edge in b.term.targets() {
                let params = &f.block(edge.block).params;
                for (p, a) in params.iter().zip(&edge.args) {
                    if !uniform_values[a.index()] && uniform_values[p.index()] {
                        uniform_values[p.index()] = false;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let branches_uniform = f.blocks.iter().all(|b| match &b.term {
        Terminator::Branch { cond, .. } => uniform_values[cond.index()],
        _ => true,
    });
    branches_uniform.then_some(Lanes {
        count,
        uniform_values,
        uniform_insts,
    })
}
