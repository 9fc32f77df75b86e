//! The control flow of an LLVM function as the masked form needs it: its
//! blocks and edges, its loops (natural loops of a reducible graph, one
//! latch each, as `loop-simplify` leaves them) and a *linear order* of the
//! blocks in which every block comes after all its predecessors except
//! through back edges, and every loop's blocks are contiguous, header
//! first and latch last.
//!
//! Works on indices into `blocks`; the entry block is 0. Blocks not
//! reachable from the entry are left out.

use llvm_sys::core::{
    LLVMGetBasicBlockTerminator, LLVMGetFirstBasicBlock, LLVMGetNextBasicBlock,
    LLVMGetNumSuccessors, LLVMGetSuccessor,
};
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use crate::graph::{dominators, reverse_post_order};

/// Why a function's control flow cannot take the masked form.
pub type Refusal = String;

/// One natural loop.
#[derive(Debug)]
pub struct Loop {
    pub header: usize,
    /// The one block with the back edge to `header`.
    pub latch: usize,
    /// Every block of the loop, inner loops' blocks included.
    pub body: Vec<bool>,
    /// The innermost loop containing this one.
    pub parent: Option<usize>,
}

#[derive(Debug)]
pub struct Cfg {
    pub blocks: Vec<LLVMBasicBlockRef>,
    pub succs: Vec<Vec<usize>>,
    pub loops: Vec<Loop>,
    /// The innermost loop of each block.
    pub innermost: Vec<Option<usize>>,
    /// The linear order (reachable blocks only).
    pub order: Vec<usize>,
}

impl Cfg {
    /// Reads the control flow of `function` (which has a body).
    pub fn read(function: LLVMValueRef) -> Result<Cfg, Refusal> {
        let mut blocks = vec![];
        // SAFETY: `function` is a defined function; its block list is
        // walked without being changed.
        unsafe {
            let mut b = LLVMGetFirstBasicBlock(function);
            while !b.is_null() {
                blocks.push(b);
                b = LLVMGetNextBasicBlock(b);
            }
        }
        let index = |b: LLVMBasicBlockRef| blocks.iter().position(|&x| x == b);
        let mut succs = vec![vec![]; blocks.len()];
        for (i, &b) in blocks.iter().enumerate() {
            // SAFETY: every block of a verified function ends with a
            // terminator; successors are blocks of the same function.
            unsafe {
                let term = LLVMGetBasicBlockTerminator(b);
                if term.is_null() {
                    return Err("a block without a terminator".into());
                }
                for k in 0..LLVMGetNumSuccessors(term) {
                    let s = index(LLVMGetSuccessor(term, k)).ok_or("a foreign successor")?;
                    succs[i].push(s);
                }
            }
        }
        let n = blocks.len();
        let rpo = reverse_post_order(&succs, 0);
        let mut reachable = vec![false; n];
        for &b in &rpo {
            reachable[b] = true;
        }
        let mut preds = vec![vec![]; n];
        for b in 0..n {
            if reachable[b] {
                for &s in &succs[b] {
                    preds[s].push(b);
                }
            }
        }
        let idom = dominators(&succs, 0);
        let dominates = |a: usize, mut b: usize| loop {
            if a == b {
                return true;
            }
            match idom[b] {
                Some(p) if p != b => b = p,
                _ => return false,
            }
        };
        let mut rank = vec![usize::MAX; n];
        for (i, &b) in rpo.iter().enumerate() {
            rank[b] = i;
        }
        // Back edges: to a block that dominates the source. Any other edge
        // to an earlier block in reverse post-order makes the graph
        // irreducible.
        let mut loops: Vec<Loop> = vec![];
        for &b in &rpo {
            for &s in &succs[b] {
                if rank[s] > rank[b] {
                    continue;
                }
                if !dominates(s, b) {
                    return Err("irreducible control flow".into());
                }
                if loops.iter().any(|l| l.header == s) {
                    return Err("a loop with several latches".into());
                }
                let mut body = vec![false; n];
                body[s] = true;
                let mut stack = vec![b];
                while let Some(x) = stack.pop() {
                    if body[x] {
                        continue;
                    }
                    body[x] = true;
                    stack.extend(preds[x].iter().copied());
                }
                loops.push(Loop {
                    header: s,
                    latch: b,
                    body,
                    parent: None,
                });
            }
        }
        let size = |l: &Loop| l.body.iter().filter(|&&x| x).count();
        let sizes: Vec<usize> = loops.iter().map(size).collect();
        for i in 0..loops.len() {
            loops[i].parent = (0..loops.len())
                .filter(|&j| j != i && loops[j].body[loops[i].header])
                .min_by_key(|&j| sizes[j]);
        }
        let innermost: Vec<Option<usize>> = (0..n)
            .map(|b| {
                (0..loops.len())
                    .filter(|&j| loops[j].body[b])
                    .min_by_key(|&j| sizes[j])
            })
            .collect();
        let mut cfg = Cfg {
            blocks,
            succs,
            loops,
            innermost,
            order: vec![],
        };
        cfg.order = cfg.region_order(None, &reachable);
        for l in &cfg.loops {
            let range: Vec<usize> = cfg.order.iter().copied().filter(|&b| l.body[b]).collect();
            let first = cfg.order.iter().position(|&b| b == l.header);
            let contiguous = first.is_some_and(|f| cfg.order[f..f + range.len()] == range[..]);
            if !contiguous || range.last() != Some(&l.latch) {
                return Err("a loop whose blocks cannot be laid out in one run".into());
            }
        }
        Ok(cfg)
    }

    /// The loop whose header is `b`, if any.
    pub fn loop_of_header(&self, b: usize) -> Option<usize> {
        self.loops.iter().position(|l| l.header == b)
    }

    /// The node standing for block `b` inside `region`: the block itself
    /// when its innermost loop is the region's, else the outermost loop
    /// inside the region containing it (by its header).
    fn node_in(&self, region: Option<usize>, b: usize) -> usize {
        let mut l = self.innermost[b];
        let mut node = b;
        while l != region {
            let Some(li) = l else { break };
            node = self.loops[li].header;
            l = self.loops[li].parent;
        }
        node
    }

    fn in_region(&self, region: Option<usize>, b: usize) -> bool {
        region.is_none_or(|r| self.loops[r].body[b])
    }

    /// A topological order of `region` (a loop, or the whole function),
    /// with inner loops expanded in place.
    fn region_order(&self, region: Option<usize>, reachable: &[bool]) -> Vec<usize> {
        let entry = region.map_or(0, |r| self.loops[r].header);
        // The nodes' successors inside the region (back edges to the
        // region's header left out).
        let node_succs = |node: usize| -> Vec<usize> {
            let members: Vec<usize> = match self.loop_of_header(node) {
                Some(l) if Some(l) != region => (0..self.blocks.len())
                    .filter(|&b| self.loops[l].body[b])
                    .collect(),
                _ => vec![node],
            };
            let mut out = vec![];
            for b in members {
                for &s in &self.succs[b] {
                    if s == entry || !self.in_region(region, s) {
                        continue;
                    }
                    let t = self.node_in(region, s);
                    if t != node && !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
            out
        };
        // Depth-first post-order from the entry, reversed.
        let mut post = vec![];
        let mut seen = vec![false; self.blocks.len()];
        let mut stack = vec![(entry, node_succs(entry), 0usize)];
        seen[entry] = true;
        while let Some((node, next, k)) = stack.last_mut() {
            if *k < next.len() {
                let s = next[*k];
                *k += 1;
                if !seen[s] && reachable[s] {
                    seen[s] = true;
                    let ss = node_succs(s);
                    stack.push((s, ss, 0));
                }
            } else {
                post.push(*node);
                stack.pop();
            }
        }
        post.reverse();
        let mut order = vec![];
        for node in post {
            match self.loop_of_header(node) {
                Some(l) if Some(l) != region => {
                    order.extend(self.region_order(Some(l), reachable));
                }
                _ => order.push(node),
            }
        }
        order
    }
}
