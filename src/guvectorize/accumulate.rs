//! Register accumulators for gufunc kernels that set a row of an output
//! and then accumulate into it: the textbook matrix product in i-k-j order
//!
//! ```python
//! for j in range(p):
//!     out[i, j] = 0.0
//! for k in range(n):
//!     aik = a[i, k]
//!     for j in range(p):
//!         out[i, j] += aik * b[k, j]
//! ```
//!
//! becomes, on the typed IR, the i-j-k form with the element in a register
//!
//! ```python
//! for j in range(p):
//!     acc = 0.0
//!     for k in range(n):
//!         aik = a[i, k]
//!         acc = acc + aik * b[k, j]
//!     out[i, j] = acc
//! ```
//!
//! Every element sees the same operations on the same values in the same
//! order, so results are bit-identical and the same FP flags are raised
//! (flags are a set: the order between elements does not matter). What
//! changes is only the order in which *different* elements are computed,
//! which is unobservable when
//! - the elements `out[i, j]` of different `j` are different memory: `j`
//!   indexes the innermost axis, and the rewritten kernel is only used with
//!   unit innermost strides (`loops::gufunc` checks them at run time);
//! - nothing else in the loops reads or writes the output, and the inputs
//!   they read are not the output's memory (NumPy copies gufunc operands
//!   that overlap an output before the loop runs);
//! - the code between the loops that now runs once per `j` (the `k` loop's
//!   set-up and the part of its body outside the `j` loop) only computes
//!   indices, shapes and loads from inputs: it raises no flag and no
//!   exception, so running it `p` times, or not at all when `p == 0`, is
//!   the same as running it once;
//! - no value computed inside the loops is used after them.
//!
//! The matcher accepts exactly the shapes `lower` builds for
//! `for x in range(...)` loops (a header with the trip count as its one
//! parameter, a latch advancing it with `range.next`) and gives up on
//! anything else. `promotes` also tells `guvectorize::door` whether a
//! kernel reads only output elements it wrote first in the same call (then
//! a redo needs no snapshot of the outputs).

use std::collections::HashSet;

use crate::ir::cleanup::remove_unreachable;
use crate::ir::{ArrayOp, Block, BlockCall, Function, Inst, Op, RangeOp, Terminator, Value};
use crate::syntax::{BinOp, CmpOp, Const};
use crate::types::{Type, Weak};

/// A loop as `lower` builds `for x in range(...)`.
struct Counted {
    /// The block entering the loop (`jump header(0)`).
    pre: Block,
    header: Block,
    /// The trip count: the header's only parameter.
    trip: Value,
    /// The number of trips (`range.len`).
    len: Value,
    /// The first block of the body (the header's `then`).
    body: Block,
    /// The header's `orelse`.
    exit: Block,
    /// The block advancing the trip count (`range.next trip, 1`).
    latch: Block,
}

fn is_int_const(f: &Function, v: Value, value: i128) -> bool {
    matches!(f.def_inst(v).map(|d| &d.op), Some(Op::Const(Const::Int(c), _)) if *c == value)
}

fn is_intlike(t: &Type) -> bool {
    match t {
        Type::Scalar(s) => s.is_int(),
        Type::Weak(w) => *w == Weak::Int,
        _ => false,
    }
}

fn counted(f: &Function, preds: &[Vec<Block>], header: Block) -> Option<Counted> {
    let h = f.block(header);
    let [trip] = h.params[..] else { return None };
    let [cmp] = h.insts[..] else { return None };
    let cmp = f.inst(cmp);
    if !matches!(cmp.op, Op::Compare(CmpOp::Lt)) || cmp.args.first() != Some(&trip) {
        return None;
    }
    let len = *cmp.args.get(1)?;
    let Terminator::Branch { cond, then, orelse } = &h.term else {
        return None;
    };
    if Some(*cond) != cmp.result || !then.args.is_empty() || !orelse.args.is_empty() {
        return None;
    }
    let [p0, p1] = preds[header.index()][..] else {
        return None;
    };
    let is_latch = |b: Block| {
        let d = f.block(b);
        let [one, next] = d.insts[..] else {
            return false;
        };
        let (one, next) = (f.inst(one), f.inst(next));
        let Some(one_v) = one.result else {
            return false;
        };
        matches!(one.op, Op::Const(Const::Int(1), _))
            && matches!(next.op, Op::Range(RangeOp::Next))
            && next.args == [trip, one_v]
            && matches!(&d.term, Terminator::Jump(c) if c.block == header
                && next.result.is_some_and(|n| c.args == [n]))
    };
    let is_pre = |b: Block| {
        matches!(&f.block(b).term, Terminator::Jump(c) if c.block == header
            && c.args.len() == 1 && is_int_const(f, c.args[0], 0))
    };
    let (pre, latch) = if is_latch(p1) && is_pre(p0) {
        (p0, p1)
    } else if is_latch(p0) && is_pre(p1) {
        (p1, p0)
    } else {
        return None;
    };
    Some(Counted {
        pre,
        header,
        trip,
        len,
        body: then.block,
        exit: orelse.block,
        latch,
    })
}

/// A block that only jumps on: no parameters, no instructions, one
/// predecessor.
fn jump_only(f: &Function, preds: &[Vec<Block>], b: Block) -> Option<Block> {
    let d = f.block(b);
    match &d.term {
        Terminator::Jump(c)
            if d.params.is_empty()
                && d.insts.is_empty()
                && c.args.is_empty()
                && preds[b.index()].len() == 1 =>
        {
            Some(c.block)
        }
        _ => None,
    }
}

/// Follows jump-only blocks from `start`: the blocks passed and the first
/// block that is not one.
fn follow(f: &Function, preds: &[Vec<Block>], start: Block) -> (Vec<Block>, Block) {
    let mut passed = vec![];
    let mut b = start;
    while let Some(next) = jump_only(f, preds, b) {
        if passed.contains(&b) || passed.len() > 16 {
            break;
        }
        passed.push(b);
        b = next;
    }
    (passed, b)
}

/// `v` after looking through `tuple_get k (tuple ...)`.
fn resolve(f: &Function, mut v: Value) -> Value {
    for _ in 0..8 {
        let Some(d) = f.def_inst(v) else { break };
        let Op::TupleGet(k) = d.op else { break };
        let Some(t) = d.args.first().and_then(|t| f.def_inst(*t)) else {
            break;
        };
        if !matches!(t.op, Op::MakeTuple) {
            break;
        }
        match t.args.get(k as usize) {
            Some(a) => v = *a,
            None => break,
        }
    }
    v
}

/// Whether `a` and `b` are certainly the same value: the same SSA value,
/// equal constants, or the same pure index computation of such values.
fn equiv(f: &Function, a: Value, b: Value, depth: u32) -> bool {
    let (a, b) = (resolve(f, a), resolve(f, b));
    if a == b {
        return true;
    }
    if depth == 0 || f.ty(a) != f.ty(b) {
        return false;
    }
    let (Some(da), Some(db)) = (f.def_inst(a), f.def_inst(b)) else {
        return false;
    };
    let same_op = match (&da.op, &db.op) {
        (Op::Const(x, _), Op::Const(y, _)) => return x.same(y),
        (Op::Cast, Op::Cast)
        | (Op::Range(RangeOp::Len), Op::Range(RangeOp::Len))
        | (Op::Array(ArrayOp::Shape), Op::Array(ArrayOp::Shape))
        | (Op::Array(ArrayOp::Len), Op::Array(ArrayOp::Len)) => true,
        (Op::Binary(x), Op::Binary(y)) => x == y,
        (Op::TupleGet(x), Op::TupleGet(y)) => x == y,
        _ => false,
    };
    same_op
        && da.args.len() == db.args.len()
        && da
            .args
            .iter()
            .zip(&db.args)
            .all(|(x, y)| equiv(f, *x, *y, depth - 1))
}

/// `v` is the loop variable of a loop with trip count `trip` starting at
/// 0 with step 1: the trip count itself or an integer cast of it.
fn is_trip_index(f: &Function, v: Value, trip: Value) -> bool {
    v == trip
        || f.def_inst(v)
            .is_some_and(|d| matches!(d.op, Op::Cast) && d.args == [trip] && is_intlike(f.ty(v)))
}

/// What the instructions of one block may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Allowed {
    /// Index arithmetic, shapes and loads from inputs: nothing that raises
    /// a flag or an exception (code that may run more or fewer times).
    Index,
    /// Also float arithmetic and conversions (code that runs exactly as
    /// often as before).
    Compute,
}

/// Whether instruction `d` may stand in a block allowing `allowed`, in a
/// kernel whose parameters `inputs` are input arrays.
fn allowed_inst(f: &Function, inst: Inst, allowed: Allowed, inputs: &[Value]) -> bool {
    let d = f.inst(inst);
    match &d.op {
        Op::Const(..) | Op::MakeTuple | Op::TupleGet(_) => true,
        Op::Array(ArrayOp::Shape | ArrayOp::Len | ArrayOp::Size) => true,
        Op::Array(ArrayOp::Load) => d.args.first().is_some_and(|a| inputs.contains(a)),
        // `range.len` raises only for a zero step.
        Op::Range(RangeOp::Len) => d.args.get(2).is_some_and(|s| {
            let s = resolve(f, *s);
            matches!(f.def_inst(s).map(|d| &d.op), Some(Op::Const(Const::Int(c), _)) if *c != 0)
        }),
        Op::Cast => match allowed {
            Allowed::Index => {
                d.args.len() == 1
                    && is_intlike(f.ty(d.args[0]))
                    && d.result.is_some_and(|r| is_intlike(f.ty(r)))
            }
            Allowed::Compute => true,
        },
        Op::Binary(op) => {
            allowed == Allowed::Compute
                && d.result.is_some_and(|r| {
                    let t = f.ty(r);
                    !is_intlike(t) || matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul)
                })
        }
        Op::Unary(_) | Op::Math(_) | Op::Compare(_) | Op::Select => allowed == Allowed::Compute,
        _ => false,
    }
}

/// One matched `zero, then accumulate` pattern (see the module doc).
struct Pattern {
    z: Counted,
    k: Counted,
    j: Counted,
    /// The store in the `z` body that sets the element, and its value.
    init_store: Inst,
    init: Value,
    /// The load of the element and the store of the new value in the `j`
    /// body.
    load: Inst,
    loaded: Value,
    store: Inst,
    stored: Value,
    /// The edge entering the `k` loop's set-up block from the `z` loop's
    /// exit: the block whose terminator targets `k.pre`.
    z_exit_edge: Block,
}

/// Index arguments of a load or store of `out`: everything but the array
/// (and, for a store, the value).
fn indices(d: &crate::ir::InstData, store: bool) -> &[Value] {
    let end = d.args.len() - usize::from(store);
    &d.args[1..end]
}

fn match_at(
    f: &Function,
    preds: &[Vec<Block>],
    k_header: Block,
    outputs: &[Value],
    inputs: &[Value],
) -> Option<Pattern> {
    let k = counted(f, preds, k_header)?;
    let bk = f.block(k.body);
    if preds[k.body.index()].len() != 1 || !bk.params.is_empty() {
        return None;
    }
    // The `k` body: index work, then the `j` loop.
    let Terminator::Jump(to_j) = &bk.term else {
        return None;
    };
    let j = counted(f, preds, to_j.block)?;
    if j.pre != k.body
        || !bk
            .insts
            .iter()
            .all(|i| allowed_inst(f, *i, Allowed::Index, inputs))
    {
        return None;
    }
    // The `j` body: one block going straight to the latch.
    let bj = f.block(j.body);
    if preds[j.body.index()].len() != 1
        || !bj.params.is_empty()
        || !matches!(&bj.term, Terminator::Jump(c) if c.block == j.latch && c.args.is_empty())
    {
        return None;
    }
    // The `j` loop's exit leads straight to the `k` latch.
    let (_, after_j) = follow(f, preds, j.exit);
    if after_j != k.latch || preds[j.exit.index()].len() != 1 {
        return None;
    }
    // In the `j` body: `x = out[I, j]`, computation, `out[I, j] = y`.
    let mut load = None;
    let mut store = None;
    for &inst in &bj.insts {
        let d = f.inst(inst);
        let touches_out = d.args.iter().any(|a| outputs.contains(a));
        match d.op {
            Op::Array(ArrayOp::Load) if touches_out => {
                if load.is_some() || store.is_some() || !outputs.contains(&d.args[0]) {
                    return None;
                }
                load = Some(inst);
            }
            Op::Array(ArrayOp::Store) if touches_out => {
                if store.is_some() || load.is_none() || !outputs.contains(&d.args[0]) {
                    return None;
                }
                store = Some(inst);
            }
            _ if touches_out => return None,
            _ if !allowed_inst(f, inst, Allowed::Compute, inputs) => return None,
            _ => {}
        }
    }
    let (load, store) = (load?, store?);
    // Nothing in the `j` body uses the `j` header's comparison.
    let cond = f
        .block(j.header)
        .insts
        .first()
        .and_then(|i| f.inst(*i).result);
    if bj
        .insts
        .iter()
        .any(|i| f.inst(*i).args.iter().any(|a| Some(*a) == cond))
    {
        return None;
    }
    let (ld, st) = (f.inst(load), f.inst(store));
    let out = ld.args[0];
    let loaded = ld.result?;
    let stored = *st.args.last()?;
    let (li, si) = (indices(ld, false), indices(st, true));
    if st.args[0] != out
        || li.len() != si.len()
        || li.is_empty()
        || !is_trip_index(f, *li.last()?, j.trip)
        || !is_trip_index(f, *si.last()?, j.trip)
        || f.ty(*li.last()?) != f.ty(*si.last()?)
        || !li.iter().zip(si).all(|(a, b)| equiv(f, *a, *b, 8))
        || f.ty(stored) != f.ty(loaded)
    {
        return None;
    }
    // The loaded value is used only in the `j` body (after the load), and
    // never as an index or array of the store.
    if si.contains(&loaded) || st.args[0] == loaded {
        return None;
    }
    // The `k` loop's set-up runs once per `j` after the rewrite.
    let pk = f.block(k.pre);
    if preds[k.pre.index()].len() != 1
        || !pk.params.is_empty()
        || !pk
            .insts
            .iter()
            .all(|i| allowed_inst(f, *i, Allowed::Index, inputs))
    {
        return None;
    }
    let z_exit_edge = preds[k.pre.index()][0];
    // The `z` loop, whose exit leads (through jump-only blocks) to the
    // `k` loop's set-up.
    let z_header = {
        let mut b = z_exit_edge;
        let mut steps = 0;
        loop {
            if let Some(z) = counted(f, preds, b) {
                if follow(f, preds, z.exit).1 == k.pre {
                    break b;
                }
            }
            if jump_only(f, preds, b).is_none() || steps > 16 {
                return None;
            }
            b = preds[b.index()][0];
            steps += 1;
        }
    };
    let z = counted(f, preds, z_header)?;
    if preds[z.exit.index()].len() != 1
        || !equiv(f, z.len, j.len, 8)
        || f.ty(z.trip) != f.ty(j.trip)
    {
        return None;
    }
    let bz = f.block(z.body);
    if preds[z.body.index()].len() != 1
        || !bz.params.is_empty()
        || !matches!(&bz.term, Terminator::Jump(c) if c.block == z.latch && c.args.is_empty())
    {
        return None;
    }
    let mut init_store = None;
    for &inst in &bz.insts {
        let d = f.inst(inst);
        let touches_out = d.args.iter().any(|a| outputs.contains(a));
        match d.op {
            Op::Array(ArrayOp::Store) if touches_out && d.args[0] == out => {
                if init_store.is_some() || d.args[1..].contains(&out) {
                    return None;
                }
                init_store = Some(inst);
            }
            _ if touches_out => return None,
            _ if !allowed_inst(f, inst, Allowed::Compute, inputs) => return None,
            _ => {}
        }
    }
    let init_store = init_store?;
    let zs = f.inst(init_store);
    let zi = indices(zs, true);
    let init = *zs.args.last()?;
    if zi.len() != li.len()
        || !is_trip_index(f, *zi.last()?, z.trip)
        || f.ty(*zi.last()?) != f.ty(*li.last()?)
        || !zi[..zi.len() - 1]
            .iter()
            .zip(li)
            .all(|(a, b)| equiv(f, *a, *b, 8))
        || f.ty(init) != f.ty(loaded)
    {
        return None;
    }
    // The `k` loop's exit is reached only from its header.
    if preds[k.exit.index()].len() != 1 {
        return None;
    }
    let pattern = Pattern {
        z,
        k,
        j,
        init_store,
        init,
        load,
        loaded,
        store,
        stored,
        z_exit_edge,
    };
    values_stay_inside(f, preds, &pattern).then_some(pattern)
}

/// The blocks the rewrite moves code between.
fn region(f: &Function, preds: &[Vec<Block>], p: &Pattern) -> HashSet<Block> {
    let mut r: HashSet<Block> = [
        p.z.header, p.z.body, p.z.latch, p.k.pre, p.k.header, p.k.body, p.k.latch, p.j.header,
        p.j.body, p.j.latch,
    ]
    .into_iter()
    .collect();
    r.extend(follow(f, preds, p.j.exit).0);
    r.extend(follow(f, preds, p.z.exit).0);
    r
}

/// No value defined in the loops is used after them.
fn values_stay_inside(f: &Function, preds: &[Vec<Block>], p: &Pattern) -> bool {
    let r = region(f, preds, p);
    let mut defined = HashSet::new();
    for b in &r {
        let d = f.block(*b);
        defined.extend(d.params.iter().copied());
        defined.extend(d.insts.iter().filter_map(|i| f.inst(*i).result));
    }
    f.blocks.iter().enumerate().all(|(i, d)| {
        r.contains(&Block::from_index(i))
            || (d
                .insts
                .iter()
                .all(|inst| f.inst(*inst).args.iter().all(|a| !defined.contains(a)))
                && d.term.uses().iter().all(|a| !defined.contains(a)))
    })
}

fn retarget(term: &mut Terminator, from: Block, to: Block) {
    for t in term.targets_mut() {
        if t.block == from {
            t.block = to;
        }
    }
}

/// Rewrites one matched pattern in place (see the module doc).
fn rewrite(f: &mut Function, p: Pattern) {
    let acc_ty = f.ty(p.loaded).clone();
    let acc = f.add_param(p.k.header, acc_ty, Some("acc".into()));
    // The `k` loop starts each `j` with the element's first value.
    if let Terminator::Jump(c) = &mut f.block_mut(p.k.pre).term {
        c.args.push(p.init);
    }
    // The `z` body sets the accumulator instead of the element, then runs
    // the `k` loop; the element is stored when it ends.
    let span = f.block(p.z.body).term_span;
    f.block_mut(p.z.body).insts.retain(|i| *i != p.init_store);
    f.block_mut(p.z.body).term = Terminator::Jump(BlockCall::new(p.k.pre));
    if let Some(last) = f.insts[p.init_store.index()].args.last_mut() {
        *last = acc;
    }
    let store_block = f.new_block();
    f.block_mut(store_block).insts.push(p.init_store);
    f.block_mut(store_block).term = Terminator::Jump(BlockCall::new(p.z.latch));
    f.block_mut(store_block).term_span = span;
    if let Terminator::Branch { orelse, .. } = &mut f.block_mut(p.k.header).term {
        orelse.block = store_block;
    }
    // After the `z` loop, straight to what followed the `k` loop.
    retarget(&mut f.block_mut(p.z_exit_edge).term, p.k.pre, p.k.exit);
    // The `j` body joins the `k` body, at the `z` loop's `j`, on the
    // accumulator.
    let moved: Vec<Inst> = std::mem::take(&mut f.block_mut(p.j.body).insts)
        .into_iter()
        .filter(|i| *i != p.load && *i != p.store)
        .collect();
    let map = |v: Value| {
        if v == p.j.trip {
            p.z.trip
        } else if v == p.loaded {
            acc
        } else {
            v
        }
    };
    for &inst in &moved {
        for a in &mut f.insts[inst.index()].args {
            *a = map(*a);
        }
    }
    let next = map(p.stored);
    f.block_mut(p.k.body).insts.extend(moved);
    f.block_mut(p.k.body).term = Terminator::Jump(BlockCall::new(p.j.exit));
    if let Terminator::Jump(c) = &mut f.block_mut(p.k.latch).term {
        c.args.push(next);
    }
    remove_unreachable(f);
}

/// Rewrites every `zero, then accumulate` pattern of `f` whose output is
/// one of the parameters `outputs` (the others are inputs); returns how
/// many. Kernels holding allocated arrays are left alone.
pub fn promote(f: &mut Function, outputs: &[usize]) -> usize {
    if f.held.iter().any(|h| !h.is_empty()) {
        return 0;
    }
    let params = f.params().to_vec();
    let outs: Vec<Value> = outputs
        .iter()
        .filter_map(|i| params.get(*i).copied())
        .collect();
    let ins: Vec<Value> = params
        .iter()
        .enumerate()
        .filter(|(i, v)| !outputs.contains(i) && matches!(f.ty(**v), Type::Array(_)))
        .map(|(_, v)| *v)
        .collect();
    let mut count = 0;
    'search: loop {
        let preds = f.predecessors();
        for b in f.reverse_post_order() {
            if let Some(p) = match_at(f, &preds, b, &outs, &ins) {
                rewrite(f, p);
                count += 1;
                continue 'search;
            }
        }
        return count;
    }
}
