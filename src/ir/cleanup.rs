//! Clean-ups after SSA construction: drop unreachable blocks and remove
//! block parameters that always receive the same value.

use std::collections::HashMap;

use super::entities::{Block, Value};
use super::function::{Function, Terminator, ValueDef};

/// Empties blocks that cannot be reached from the entry (dead code after a
/// `return`, a `while True:` exit) so they stop being predecessors.
pub fn remove_unreachable(f: &mut Function) {
    let mut reachable = vec![false; f.blocks.len()];
    for b in f.reverse_post_order() {
        reachable[b.index()] = true;
    }
    for (i, data) in f.blocks.iter_mut().enumerate() {
        if !reachable[i] {
            data.insts.clear();
            data.term = Terminator::Return(None);
        }
    }
}

fn replace_uses(f: &mut Function, map: &HashMap<Value, Value>) {
    let resolve = |mut v: Value| {
        while let Some(n) = map.get(&v) {
            v = *n;
        }
        v
    };
    for inst in &mut f.insts {
        for a in &mut inst.args {
            *a = resolve(*a);
        }
    }
    for block in &mut f.blocks {
        match &mut block.term {
            Terminator::Branch { cond, .. } => *cond = resolve(*cond),
            Terminator::Return(Some(v)) => *v = resolve(*v),
            _ => {}
        }
        for t in block.term.targets_mut() {
            for a in &mut t.args {
                *a = resolve(*a);
            }
        }
    }
}

/// Removes parameters whose incoming arguments are all one value (or the
/// parameter itself), replacing their uses by that value.
pub fn remove_trivial_params(f: &mut Function) {
    loop {
        let mut replaced: HashMap<Value, Value> = HashMap::new();
        let mut removal: Vec<(Block, usize)> = vec![];
        let preds = f.predecessors();
        for b in f.reverse_post_order() {
            if b == f.entry {
                continue;
            }
            for (index, &p) in f.block(b).params.iter().enumerate() {
                let mut unique: Option<Value> = None;
                let mut trivial = true;
                for &pred in &preds[b.index()] {
                    for t in f.block(pred).term.targets() {
                        if t.block != b {
                            continue;
                        }
                        let a = t.args[index];
                        if a == p || Some(a) == unique {
                            continue;
                        }
                        if unique.is_some() {
                            trivial = false;
                        }
                        unique = Some(a);
                    }
                }
                if let (true, Some(v)) = (trivial, unique) {
                    replaced.insert(p, v);
                    removal.push((b, index));
                    break; // one per block per round keeps indices simple
                }
            }
        }
        if removal.is_empty() {
            return;
        }
        for &(b, index) in &removal {
            f.block_mut(b).params.remove(index);
            for data in &mut f.blocks {
                for t in data.term.targets_mut() {
                    if t.block == b {
                        t.args.remove(index);
                    }
                }
            }
            let params = f.block(b).params.clone();
            for (i, p) in params.iter().enumerate() {
                f.values[p.index()].def = ValueDef::Param(b, i as u32);
            }
        }
        replace_uses(f, &replaced);
    }
}
