//! Whether a gufunc kernel may be run twice on the same blocks with the same
//! result, which the fast path needs: it runs a kernel that only notes
//! non-finite floats, and redoes a chunk of outer iterations with the
//! exact-flags kernel when it noted one (see `loops::gufunc`).
//!
//! A second run gives the same result unless the first run changed what the
//! kernel reads: it writes an input (`writable_args`), or reads an output
//! (`out[0] += x`, whose first run left its value behind). Reading an
//! output is found on the typed IR: a load through a view derived from an
//! output parameter (the parameter itself, a row of it, a tuple or block
//! parameter carrying it), or an output view passed to another kernel.
//! A kernel that reads its outputs still takes the fast path, rerun from
//! snapshots of each chunk's output blocks (`loops::snapshot`); one that
//! writes its inputs runs with exact flags only. `guvectorize::door` asks
//! this of the kernel as `guvectorize::accumulate` rewrites it: output
//! elements set and then accumulated into are no reads of what a first
//! run left behind, so such a kernel needs no snapshots.

use crate::ir::{Function, Value};
use crate::types::Type;

/// Whether `f`, whose parameters `outputs` are output views, may read an
/// output: an instruction reads memory through a value derived from one
/// (`Effects::reads`), where values derive from outputs through
/// `Effects::aliases` (views, tuples) and block arguments.
pub fn reads_outputs(f: &Function, outputs: &[usize]) -> bool {
    let mut derived = vec![false; f.values.len()];
    for &p in outputs {
        if let Some(v) = f.params().get(p) {
            derived[v.index()] = true;
        }
    }
    let carries = |t: &Type| matches!(t, Type::Array(_) | Type::Tuple(_));
    loop {
        let mut changed = false;
        let mut mark = |v: Value, derived: &mut Vec<bool>| {
            if !derived[v.index()] {
                derived[v.index()] = true;
                changed = true;
            }
        };
        // Instructions in blocks only: a rewrite may leave dead ones in the
        // arena (`accumulate`).
        for inst in f.blocks.iter().flat_map(|b| &b.insts) {
            let inst = f.inst(*inst);
            let effects = inst.op.effects();
            for (k, a) in inst.args.iter().enumerate() {
                if !derived[a.index()] {
                    continue;
                }
                if effects.reads.contains(k) {
                    return true;
                }
                if let Some(r) = inst.result {
                    if effects.aliases.contains(k) && carries(f.ty(r)) {
                        mark(r, &mut derived);
                    }
                }
            }
        }
        for b in &f.blocks {
            for edge in b.term.targets() {
                let params = &f.block(edge.block).params;
                for (p, a) in params.iter().zip(&edge.args) {
                    if derived[a.index()] {
                        mark(*p, &mut derived);
                    }
                }
            }
        }
        if !changed {
            return false;
        }
    }
}
