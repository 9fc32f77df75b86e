//! The control flow graph of a code object's operations: basic blocks in
//! bytecode order, their dominators and post-dominators, and loops (a
//! back edge is an edge to a block that dominates its source).
//!
//! Blocks that never reach a return (an endless loop) are given an edge to
//! the virtual exit, so every block has an immediate post-dominator
//! (`None` is the exit).

use super::read::{Instr, Op};
use crate::graph::dominators;

#[derive(Debug)]
pub struct Block {
    /// Operations `start..end`, the last one the terminator if it jumps,
    /// returns or raises.
    pub start: usize,
    pub end: usize,
    /// The next block in bytecode order first (when control can fall
    /// into it), then the jump target.
    pub succs: Vec<usize>,
}

pub struct Cfg {
    pub blocks: Vec<Block>,
    /// The block starting at each operation that starts one.
    block_at: Vec<Option<usize>>,
    pub preds: Vec<Vec<usize>>,
    idom: Vec<Option<usize>>,
    ipdom: Vec<Option<usize>>,
    /// Blocks a back edge goes to.
    pub header: Vec<bool>,
}

impl Cfg {
    pub fn new(instrs: &[Instr]) -> Cfg {
        let n = instrs.len();
        let mut leader = vec![false; n + 1];
        leader[0] = true;
        for (k, ins) in instrs.iter().enumerate() {
            if let Some(t) = ins.op.jump_target() {
                leader[t] = true;
                leader[k + 1] = true;
            }
            if ins.op.ends_flow() {
                leader[k + 1] = true;
            }
        }
        let mut blocks = vec![];
        let mut block_at = vec![None; n + 1];
        let mut start = 0;
        for (k, &is_leader) in leader.iter().enumerate().take(n + 1).skip(1) {
            if is_leader {
                block_at[start] = Some(blocks.len());
                blocks.push(Block {
                    start,
                    end: k,
                    succs: vec![],
                });
                start = k;
            }
        }
        let count = blocks.len();
        for b in 0..count {
            let last = &instrs[blocks[b].end - 1].op;
            let next = (b + 1 < count).then_some(b + 1);
            let mut succs = vec![];
            if !last.ends_flow() {
                succs.extend(next);
            }
            if let Some(t) = last.jump_target() {
                if let Some(tb) = block_at[t] {
                    if !succs.contains(&tb) {
                        succs.push(tb);
                    }
                }
            }
            blocks[b].succs = succs;
        }
        let mut preds = vec![vec![]; count];
        for (b, block) in blocks.iter().enumerate() {
            for &s in &block.succs {
                preds[s].push(b);
            }
        }
        let succs: Vec<Vec<usize>> = blocks.iter().map(|b| b.succs.clone()).collect();
        let idom = dominators(&succs, 0);
        // Post-dominators: dominators of the reversed graph from a virtual
        // exit, which returns and raises reach, and so do blocks that
        // reach no exit.
        let exit = count;
        let mut reversed = vec![vec![]; count + 1];
        for (b, ss) in succs.iter().enumerate() {
            for &s in ss {
                reversed[s].push(b);
            }
            if ss.is_empty() {
                reversed[exit].push(b);
            }
        }
        let mut reaches = vec![false; count + 1];
        let mut work = vec![exit];
        reaches[exit] = true;
        while let Some(b) = work.pop() {
            for &p in &reversed[b] {
                if !reaches[p] {
                    reaches[p] = true;
                    work.push(p);
                }
            }
        }
        for (b, r) in reaches.iter().enumerate().take(count) {
            if !r {
                reversed[exit].push(b);
            }
        }
        let ipdom = dominators(&reversed, exit)
            .into_iter()
            .take(count)
            .map(|d| d.filter(|&d| d != exit))
            .collect();
        let mut cfg = Cfg {
            blocks,
            block_at,
            preds,
            idom,
            ipdom,
            header: vec![false; count],
        };
        for b in 0..count {
            for &s in &cfg.blocks[b].succs.clone() {
                if cfg.dominates(s, b) {
                    cfg.header[s] = true;
                }
            }
        }
        cfg
    }

    /// The block starting at operation `k`.
    pub fn block_at(&self, k: usize) -> Option<usize> {
        self.block_at.get(k).copied().flatten()
    }

    pub fn dominates(&self, a: usize, mut b: usize) -> bool {
        loop {
            if a == b {
                return true;
            }
            match self.idom[b] {
                Some(d) => b = d,
                None => return false,
            }
        }
    }

    /// The immediate post-dominator (`None`: the exit).
    pub fn ipdom(&self, b: usize) -> Option<usize> {
        self.ipdom[b]
    }

    /// The blocks of the loop headed by `h`: `h` and every block that
    /// reaches a back edge to it without passing through it.
    pub fn loop_body(&self, h: usize) -> Vec<bool> {
        let mut body = vec![false; self.blocks.len()];
        body[h] = true;
        let mut work: Vec<usize> = self.preds[h]
            .iter()
            .copied()
            .filter(|&p| self.dominates(h, p))
            .collect();
        while let Some(b) = work.pop() {
            if !body[b] {
                body[b] = true;
                work.extend(self.preds[b].iter().copied());
            }
        }
        body
    }

    /// Whether block `to` is reached from block `from` by forward edges
    /// (to blocks later in bytecode order) without passing through
    /// `avoid`.
    pub fn forward_reaches(&self, from: usize, to: usize, avoid: usize) -> bool {
        let mut seen = vec![false; self.blocks.len()];
        let mut work = vec![from];
        while let Some(b) = work.pop() {
            if b == to {
                return true;
            }
            if b == avoid || seen[b] {
                continue;
            }
            seen[b] = true;
            work.extend(self.blocks[b].succs.iter().copied().filter(|&n| n > b));
        }
        false
    }

    /// The terminating operation of block `b`, if it jumps, returns or
    /// raises (or is a `FOR_ITER`).
    pub fn terminator<'i>(&self, instrs: &'i [Instr], b: usize) -> Option<&'i Op> {
        let op = &instrs[self.blocks[b].end - 1].op;
        (op.jump_target().is_some() || op.ends_flow()).then_some(op)
    }
}
