//! A function in SSA form with block parameters.
//!
//! Values, blocks and instructions live in arenas indexed by their handles.
//! Control flow passes values to blocks as arguments (`jump b2(v4, v7)`),
//! so there are no phi instructions. The entry block's parameters are the
//! function's parameters.

use std::sync::Arc;

use super::entities::{Block, Inst, KernelRef, Value};
use super::op::Op;
use crate::error::{SourceInfo, Span};
use crate::syntax::KernelTarget;
use crate::types::Type;

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    /// The n-th parameter of a block.
    Param(Block, u32),
    /// The result of an instruction.
    Inst(Inst),
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
    /// The Python variable this value was assigned to, for messages and the
    /// printer.
    pub name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct InstData {
    pub op: Op,
    pub args: Vec<Value>,
    pub result: Option<Value>,
    pub span: Span,
}

/// A block and the arguments passed to its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockCall {
    pub block: Block,
    pub args: Vec<Value>,
}

impl BlockCall {
    pub fn new(block: Block) -> Self {
        BlockCall {
            block,
            args: vec![],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// Not yet terminated (only while building).
    None,
    Jump(BlockCall),
    Branch {
        cond: Value,
        then: BlockCall,
        orelse: BlockCall,
    },
    /// `return v`; `return` alone is `Return(None)`.
    Return(Option<Value>),
    /// `raise ValueError("message")`, and the failing branch of `assert`:
    /// the function ends with the exception.
    Raise(Raise),
}

/// An exception a function raises: a builtin class and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raise {
    pub class: crate::builtins::PyException,
    pub message: Option<Arc<str>>,
}

impl Terminator {
    pub fn targets(&self) -> Vec<&BlockCall> {
        match self {
            Terminator::Jump(t) => vec![t],
            Terminator::Branch { then, orelse, .. } => vec![then, orelse],
            _ => vec![],
        }
    }

    pub fn targets_mut(&mut self) -> Vec<&mut BlockCall> {
        match self {
            Terminator::Jump(t) => vec![t],
            Terminator::Branch { then, orelse, .. } => vec![then, orelse],
            _ => vec![],
        }
    }

    /// Every value the terminator reads.
    pub fn uses(&self) -> Vec<Value> {
        let mut out = vec![];
        match self {
            Terminator::Branch { cond, .. } => out.push(*cond),
            Terminator::Return(Some(v)) => out.push(*v),
            _ => {}
        }
        for t in self.targets() {
            out.extend(&t.args);
        }
        out
    }
}

#[derive(Clone, Debug)]
pub struct BlockData {
    pub params: Vec<Value>,
    pub insts: Vec<Inst>,
    pub term: Terminator,
    /// Where the terminator comes from (a `return` statement's line), if
    /// anywhere.
    pub term_span: Span,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub entry: Block,
    pub blocks: Vec<BlockData>,
    pub insts: Vec<InstData>,
    pub values: Vec<ValueData>,
    /// The declared or inferred return type (typed IR); `Unknown` before.
    pub ret: Type,
    /// The other kernels `CallKernel` calls (untyped IR), by `KernelRef`.
    pub kernels: Vec<KernelTarget>,
    /// Per instruction (typed IR, by `Inst`): the references to allocated
    /// arrays the function holds when it runs, which it drops if the
    /// instruction raises. Filled by `ir::refcount`; empty when the
    /// function holds none.
    pub held: Vec<Vec<Value>>,
    pub span: Span,
    pub source: Arc<SourceInfo>,
    /// The scalar function of an array expression: NumPy's error model
    /// (`FunctionDef::elementwise`).
    pub elementwise: bool,
}

impl Function {
    /// Whether the function is one of jitufunc's own NumPy functions
    /// (`jitufunc._numpy_functions`, `jitufunc._numpy_random`): errors it
    /// raises name the line of the user's code that called it.
    pub fn is_numpy_library(&self) -> bool {
        let path = std::path::Path::new(&self.source.filename);
        let in_package = path
            .parent()
            .and_then(|d| d.file_name())
            .is_some_and(|d| d == "jitufunc");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        in_package && matches!(name, "_numpy_functions.py" | "_numpy_random.py")
    }

    pub fn new(name: impl Into<String>, source: Arc<SourceInfo>, span: Span) -> Self {
        let mut f = Function {
            name: name.into(),
            entry: Block(0),
            blocks: vec![],
            insts: vec![],
            values: vec![],
            ret: Type::Unknown,
            kernels: vec![],
            held: vec![],
            span,
            source,
            elementwise: false,
        };
        f.entry = f.new_block();
        f
    }

    /// The table entry for kernel `target` (added on first use).
    pub fn kernel_ref(&mut self, target: &KernelTarget) -> KernelRef {
        let same = |t: &KernelTarget| match (t, target) {
            (KernelTarget::Def(a), KernelTarget::Def(b))
            | (KernelTarget::Ufunc(a), KernelTarget::Ufunc(b)) => Arc::ptr_eq(a, b),
            (KernelTarget::Reading(a, _), KernelTarget::Reading(b, _)) => a == b,
            (KernelTarget::Gufunc(a), KernelTarget::Gufunc(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let k = match self.kernels.iter().position(same) {
            Some(k) => k,
            None => {
                self.kernels.push(target.clone());
                self.kernels.len() - 1
            }
        };
        KernelRef::from_index(k)
    }

    /// The kernel a `KernelRef` names.
    pub fn kernel(&self, k: KernelRef) -> &KernelTarget {
        &self.kernels[k.index()]
    }

    pub fn params(&self) -> &[Value] {
        &self.blocks[self.entry.index()].params
    }

    pub fn new_block(&mut self) -> Block {
        let b = Block::from_index(self.blocks.len());
        self.blocks.push(BlockData {
            params: vec![],
            insts: vec![],
            term: Terminator::None,
            term_span: Span::default(),
        });
        b
    }

    pub fn block(&self, b: Block) -> &BlockData {
        &self.blocks[b.index()]
    }

    pub fn block_mut(&mut self, b: Block) -> &mut BlockData {
        &mut self.blocks[b.index()]
    }

    pub fn inst(&self, i: Inst) -> &InstData {
        &self.insts[i.index()]
    }

    pub fn value(&self, v: Value) -> &ValueData {
        &self.values[v.index()]
    }

    pub fn ty(&self, v: Value) -> &Type {
        &self.values[v.index()].ty
    }

    pub fn add_param(&mut self, b: Block, ty: Type, name: Option<String>) -> Value {
        let index = self.blocks[b.index()].params.len() as u32;
        let v = Value::from_index(self.values.len());
        self.values.push(ValueData {
            ty,
            def: ValueDef::Param(b, index),
            name,
        });
        self.blocks[b.index()].params.push(v);
        v
    }

    /// Appends an instruction to `b`; returns its result value (if the
    /// operation has one).
    pub fn push(
        &mut self,
        b: Block,
        op: Op,
        args: Vec<Value>,
        ty: Type,
        span: Span,
    ) -> Option<Value> {
        let inst = Inst::from_index(self.insts.len());
        let result = op.has_result().then(|| {
            let v = Value::from_index(self.values.len());
            self.values.push(ValueData {
                ty,
                def: ValueDef::Inst(inst),
                name: None,
            });
            v
        });
        self.insts.push(InstData {
            op,
            args,
            result,
            span,
        });
        self.blocks[b.index()].insts.push(inst);
        result
    }

    pub fn set_term(&mut self, b: Block, term: Terminator) {
        self.blocks[b.index()].term = term;
    }

    pub fn is_terminated(&self, b: Block) -> bool {
        self.blocks[b.index()].term != Terminator::None
    }

    /// The instruction defining `v`, if it is an instruction result.
    pub fn def_inst(&self, v: Value) -> Option<&InstData> {
        match self.values[v.index()].def {
            ValueDef::Inst(i) => Some(&self.insts[i.index()]),
            ValueDef::Param(..) => None,
        }
    }

    /// Predecessor lists; a block reached by both edges of one branch is
    /// listed twice.
    pub fn predecessors(&self) -> Vec<Vec<Block>> {
        let mut preds = vec![vec![]; self.blocks.len()];
        for (i, b) in self.blocks.iter().enumerate() {
            for t in b.term.targets() {
                preds[t.block.index()].push(Block::from_index(i));
            }
        }
        preds
    }

    /// Whether the reachable control flow has a cycle (a loop): some edge
    /// goes to a block not after its source in reverse post-order.
    pub fn has_cycle(&self) -> bool {
        let order = self.reverse_post_order();
        let mut rank = vec![usize::MAX; self.blocks.len()];
        for (i, b) in order.iter().enumerate() {
            rank[b.index()] = i;
        }
        order.iter().any(|&b| {
            self.block(b)
                .term
                .targets()
                .iter()
                .any(|t| rank[t.block.index()] <= rank[b.index()])
        })
    }

    /// Blocks reachable from the entry, in reverse post-order.
    pub fn reverse_post_order(&self) -> Vec<Block> {
        let mut visited = vec![false; self.blocks.len()];
        let mut post = vec![];
        // Iterative DFS: (block, next successor index).
        let mut stack = vec![(self.entry, 0usize)];
        visited[self.entry.index()] = true;
        while let Some((b, next)) = stack.pop() {
            let succs: Vec<Block> = self
                .block(b)
                .term
                .targets()
                .iter()
                .map(|t| t.block)
                .collect();
            if next < succs.len() {
                stack.push((b, next + 1));
                let s = succs[next];
                if !visited[s.index()] {
                    visited[s.index()] = true;
                    stack.push((s, 0));
                }
            } else {
                post.push(b);
            }
        }
        post.reverse();
        post
    }
}
