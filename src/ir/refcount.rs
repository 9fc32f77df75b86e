//! Reference counting of the arrays compiled code allocates: a pass over
//! typed IR that inserts `array.incref` and `array.decref`.
//!
//! Values whose type holds allocated arrays (`counted`: an owned array, a
//! typed List or Dict, or a tuple holding one) follow one rule: every such value owns one
//! reference, dropped where the value dies.
//! - A result that shares an operand's memory (a row view, an element of a
//!   tuple, a cast, a tuple of arrays: `Effects::aliases`) takes a new
//!   reference right after its definition; fresh memory and the results of
//!   calls (`Effects::new_reference`) come with theirs.
//! - A block parameter owns the reference its incoming edge takes for the
//!   argument; a returned value hands one to the caller. A value that dies
//!   at that jump or return hands over its own.
//! - Parameters of the function are borrowed: the caller keeps them alive
//!   for the call, and the function never drops them.
//! - A value dies after its last use in a block it is not live out of; on
//!   an edge into a block where it is no longer live, it dies on that edge
//!   (a block inserted there, which also takes the edge's references when a
//!   branch has two successors).
//! - Where an instruction may raise, the references held at that point are
//!   recorded (`Function::held`) for the early return to drop.

use std::collections::BTreeSet;

use super::entities::{Block, Inst, Value};
use super::function::{BlockCall, Function, InstData, Terminator, ValueDef};
use super::op::{ArrayOp, Op};
use crate::error::Span;
use crate::types::{Memory, Type};

/// Whether values of type `t` hold references to allocated arrays.
pub fn counted(t: &Type) -> bool {
    match t {
        Type::Array(a) => a.memory == Memory::Owned,
        // A typed List is always counted (`engine::list`).
        Type::List(_) | Type::Dict(..) => true,
        Type::Tuple(items) => items.iter().any(counted),
        _ => false,
    }
}

/// A reference-count instruction on `v` (appended to the arena only).
fn refcount_inst(f: &mut Function, op: ArrayOp, v: Value, span: Span) -> Inst {
    let inst = Inst::from_index(f.insts.len());
    f.insts.push(InstData {
        op: Op::Array(op),
        args: vec![v],
        result: None,
        span,
    });
    inst
}

/// Inserts the reference counting of `f` (typed IR).
pub fn insert(f: &mut Function) {
    let counted_values: Vec<bool> = f.values.iter().map(|v| counted(&v.ty)).collect();
    if !counted_values.iter().any(|c| *c) {
        return;
    }
    let entry = f.entry;
    // Values that own a reference: not the function's parameters.
    let owned = |f: &Function, v: Value| {
        counted_values[v.index()] && !matches!(f.value(v).def, ValueDef::Param(b, _) if b == entry)
    };
    let rpo = f.reverse_post_order();
    let (live_in, live_out) = liveness(f, &rpo, &counted_values);
    let mut held: Vec<Vec<Value>> = vec![];
    for &b in &rpo {
        let data = f.block(b).clone();
        // Where each counted value is last used in this block.
        let term_pos = usize::MAX;
        let mut last_use: Vec<(Value, usize)> = vec![];
        let note = |v: Value, pos: usize, last: &mut Vec<(Value, usize)>| {
            if !counted_values[v.index()] {
                return;
            }
            match last.iter_mut().find(|(x, _)| *x == v) {
                Some(entry) => entry.1 = pos,
                None => last.push((v, pos)),
            }
        };
        for (pos, inst) in data.insts.iter().enumerate() {
            for a in f.inst(*inst).args.clone() {
                note(a, pos, &mut last_use);
            }
        }
        for v in data.term.uses() {
            note(v, term_pos, &mut last_use);
        }
        let dies_here = |f: &Function, v: Value| owned(f, v) && !live_out[b.index()].contains(&v);
        // The references held as the block runs: its owned parameters and
        // what flows in live.
        let mut holding: BTreeSet<Value> = data
            .params
            .iter()
            .chain(live_in[b.index()].iter())
            .copied()
            .filter(|v| owned(f, *v))
            .collect();
        let mut insts = vec![];
        let mut deaths_at_end = vec![];
        for (pos, &inst) in data.insts.iter().enumerate() {
            if !holding.is_empty() {
                if held.len() <= inst.index() {
                    held.resize(inst.index() + 1, vec![]);
                }
                held[inst.index()] = holding.iter().copied().collect();
            }
            insts.push(inst);
            let d = f.inst(inst).clone();
            if let Some(r) = d.result {
                if owned(f, r) {
                    holding.insert(r);
                    if !d.op.effects().new_reference {
                        insts.push(refcount_inst(f, ArrayOp::IncRef, r, d.span));
                    }
                }
                let used = last_use.iter().any(|(v, _)| *v == r);
                if dies_here(f, r) && !used {
                    insts.push(refcount_inst(f, ArrayOp::DecRef, r, d.span));
                    holding.remove(&r);
                }
            }
            for &(v, at) in &last_use {
                if at == pos && dies_here(f, v) {
                    insts.push(refcount_inst(f, ArrayOp::DecRef, v, d.span));
                    holding.remove(&v);
                }
            }
        }
        for &(v, at) in &last_use {
            if at == term_pos && dies_here(f, v) {
                deaths_at_end.push(v);
            }
        }
        let span = data.term_span;
        let mut term = data.term.clone();
        match &mut term {
            // A value that dies here hands its own reference on instead
            // of taking a new one and dropping its own.
            Terminator::Jump(t) => {
                for v in edge_references(f, t) {
                    match deaths_at_end.iter().position(|d| *d == v) {
                        Some(k) => {
                            deaths_at_end.swap_remove(k);
                        }
                        None => insts.push(refcount_inst(f, ArrayOp::IncRef, v, span)),
                    }
                }
            }
            Terminator::Branch { then, orelse, .. } => {
                for edge in [then, orelse] {
                    let dying: Vec<Value> = live_out[b.index()]
                        .iter()
                        .copied()
                        .filter(|v| owned(f, *v) && !live_in[edge.block.index()].contains(v))
                        .collect();
                    let references = edge_references(f, edge);
                    if dying.is_empty() && references.is_empty() {
                        continue;
                    }
                    // A block of its own on this edge.
                    let e = f.new_block();
                    let mut e_insts = vec![];
                    for v in references {
                        e_insts.push(refcount_inst(f, ArrayOp::IncRef, v, span));
                    }
                    for v in dying {
                        e_insts.push(refcount_inst(f, ArrayOp::DecRef, v, span));
                    }
                    let target = std::mem::replace(edge, BlockCall::new(e));
                    let ed = f.block_mut(e);
                    ed.insts = e_insts;
                    ed.term = Terminator::Jump(target);
                    ed.term_span = span;
                }
            }
            Terminator::Return(Some(v)) if counted_values[v.index()] => {
                match deaths_at_end.iter().position(|d| d == v) {
                    Some(k) => {
                        deaths_at_end.swap_remove(k);
                    }
                    None => insts.push(refcount_inst(f, ArrayOp::IncRef, *v, span)),
                }
            }
            Terminator::Return(_) | Terminator::Raise(_) | Terminator::None => {}
        }
        for v in deaths_at_end {
            insts.push(refcount_inst(f, ArrayOp::DecRef, v, span));
        }
        let bd = f.block_mut(b);
        bd.insts = insts;
        bd.term = term;
    }
    held.resize(f.insts.len(), vec![]);
    f.held = held;
}

/// The arguments of edge `t` that go to counted parameters: each takes a
/// reference on the edge.
fn edge_references(f: &Function, t: &BlockCall) -> Vec<Value> {
    f.block(t.block)
        .params
        .iter()
        .zip(&t.args)
        .filter(|(p, _)| counted(f.ty(**p)))
        .map(|(_, a)| *a)
        .collect()
}

/// Live-in and live-out sets of counted values per block.
fn liveness(
    f: &Function,
    rpo: &[Block],
    counted_values: &[bool],
) -> (Vec<BTreeSet<Value>>, Vec<BTreeSet<Value>>) {
    let n = f.blocks.len();
    let mut uses: Vec<BTreeSet<Value>> = vec![BTreeSet::new(); n];
    let mut defs: Vec<BTreeSet<Value>> = vec![BTreeSet::new(); n];
    for &b in rpo {
        let data = f.block(b);
        let (u, d) = (&mut uses[b.index()], &mut defs[b.index()]);
        d.extend(data.params.iter().copied());
        for inst in &data.insts {
            let i = f.inst(*inst);
            for a in &i.args {
                if counted_values[a.index()] && !d.contains(a) {
                    u.insert(*a);
                }
            }
            if let Some(r) = i.result {
                d.insert(r);
            }
        }
        for v in data.term.uses() {
            if counted_values[v.index()] && !d.contains(&v) {
                u.insert(v);
            }
        }
    }
    let mut live_in: Vec<BTreeSet<Value>> = vec![BTreeSet::new(); n];
    let mut live_out: Vec<BTreeSet<Value>> = vec![BTreeSet::new(); n];
    loop {
        let mut changed = false;
        for &b in rpo.iter().rev() {
            let mut out = BTreeSet::new();
            for t in f.block(b).term.targets() {
                out.extend(live_in[t.block.index()].iter().copied());
            }
            let mut inn: BTreeSet<Value> = out.difference(&defs[b.index()]).copied().collect();
            inn.extend(uses[b.index()].iter().copied());
            if out != live_out[b.index()] || inn != live_in[b.index()] {
                live_out[b.index()] = out;
                live_in[b.index()] = inn;
                changed = true;
            }
        }
        if !changed {
            return (live_in, live_out);
        }
    }
}
