//! On-the-fly SSA construction (Braun et al., "Simple and Efficient
//! Construction of Static Single Assignment Form", 2013) with block
//! parameters in place of phis.
//!
//! A block is *sealed* once all its predecessors are known; reading a
//! variable in an unsealed block creates a parameter whose arguments are
//! filled in when the block is sealed. Edges into an unsealed block carry
//! only the explicit arguments given when the edge was made; sealing appends
//! the variable arguments, in parameter order, to every incoming edge.

use std::collections::HashMap;

use crate::error::Span;
use crate::ir::{Block, BlockCall, Function, Op, Terminator, Value};
use crate::types::Type;

pub struct SsaBuilder {
    pub f: Function,
    defs: Vec<HashMap<String, Value>>,
    sealed: Vec<bool>,
    incomplete: Vec<Vec<(String, Value)>>,
    preds: Vec<Vec<Block>>,
}

impl SsaBuilder {
    pub fn new(f: Function) -> Self {
        let n = f.blocks.len();
        let mut b = SsaBuilder {
            f,
            defs: vec![HashMap::new(); n],
            sealed: vec![false; n],
            incomplete: vec![vec![]; n],
            preds: vec![vec![]; n],
        };
        let entry = b.f.entry;
        b.seal(entry);
        b
    }

    pub fn new_block(&mut self) -> Block {
        let block = self.f.new_block();
        self.defs.push(HashMap::new());
        self.sealed.push(false);
        self.incomplete.push(vec![]);
        self.preds.push(vec![]);
        block
    }

    pub fn emit(&mut self, block: Block, op: Op, args: Vec<Value>, span: Span) -> Option<Value> {
        self.f.push(block, op, args, Type::Unknown, span)
    }

    /// Ends `block` with `term` (unless it already ended) and records edges.
    pub fn terminate(&mut self, block: Block, term: Terminator) {
        if self.f.is_terminated(block) {
            return;
        }
        for t in term.targets() {
            debug_assert!(!self.sealed[t.block.index()], "edge into a sealed block");
            self.preds[t.block.index()].push(block);
        }
        self.f.set_term(block, term);
    }

    pub fn jump(&mut self, from: Block, to: BlockCall) {
        self.terminate(from, Terminator::Jump(to));
    }

    pub fn write_var(&mut self, block: Block, name: &str, v: Value) {
        let data = &mut self.f.values[v.index()];
        if data.name.is_none() && !name.starts_with('$') {
            data.name = Some(name.to_string());
        }
        self.defs[block.index()].insert(name.to_string(), v);
    }

    pub fn read_var(&mut self, block: Block, name: &str) -> Value {
        if let Some(v) = self.defs[block.index()].get(name) {
            return *v;
        }
        let v = if !self.sealed[block.index()] {
            let p = self
                .f
                .add_param(block, Type::Unknown, Some(name.to_string()));
            self.incomplete[block.index()].push((name.to_string(), p));
            p
        } else if self.preds[block.index()].is_empty() {
            let v = self
                .emit(block, Op::Undef, vec![], Span::default())
                .expect("undef has a result");
            self.f.values[v.index()].name = Some(name.to_string());
            v
        } else if self.preds[block.index()].len() == 1 {
            let pred = self.preds[block.index()][0];
            self.read_var(pred, name)
        } else {
            let p = self
                .f
                .add_param(block, Type::Unknown, Some(name.to_string()));
            self.write_var(block, name, p);
            self.add_param_args(block, name);
            p
        };
        self.write_var(block, name, v);
        v
    }

    /// Appends the value of `name` in each predecessor to its edges into
    /// `block` (for the parameter just created for `name`).
    fn add_param_args(&mut self, block: Block, name: &str) {
        let mut preds = self.preds[block.index()].clone();
        preds.sort();
        preds.dedup();
        for pred in preds {
            let v = self.read_var(pred, name);
            let mut term = std::mem::replace(&mut self.f.block_mut(pred).term, Terminator::None);
            for t in term.targets_mut() {
                if t.block == block {
                    t.args.push(v);
                }
            }
            self.f.block_mut(pred).term = term;
        }
    }

    /// Declares that every predecessor of `block` is known.
    pub fn seal(&mut self, block: Block) {
        if self.sealed[block.index()] {
            return;
        }
        let pending = std::mem::take(&mut self.incomplete[block.index()]);
        self.sealed[block.index()] = true;
        for (name, _param) in pending {
            self.add_param_args(block, &name);
        }
    }

    pub fn finish(self) -> Function {
        self.f
    }
}
