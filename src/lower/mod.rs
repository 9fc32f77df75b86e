//! Lowering: the syntax tree of one function into untyped SSA IR.
//!
//! Structured control flow becomes blocks: `if` a branch and a merge block,
//! `while`/`for` a header, body, latch and exit, `and`/`or`/`x if c else y`
//! and chained comparisons branches whose results meet in a block
//! parameter. Variables become SSA values through `ssa::SsaBuilder`. All
//! operations are Python-level; types come later.

mod expr;
mod iteration;
mod parallel;
mod ssa;
mod stmt;

use crate::error::{Result, Span};
use crate::ir::cleanup::{remove_trivial_params, remove_unreachable};
use crate::ir::{verifier, Block, Function, Op, Stage, Value};
use crate::syntax::FunctionDef;
use crate::types::Type;

use ssa::SsaBuilder;

/// Where `break` and `continue` go inside the innermost loop.
#[derive(Clone, Copy)]
struct LoopTargets {
    continue_to: Block,
    break_to: Block,
}

pub(crate) struct Lowerer {
    ssa: SsaBuilder,
    /// The block new instructions go to.
    cur: Block,
    loops: Vec<LoopTargets>,
    counter: u32,
    /// Variables of fixed types (`FunctionDef::locals`).
    locals: Vec<(String, crate::types::Scalar)>,
    /// The function's name and source (for the body functions of its
    /// `prange` loops) and whether they run in parallel.
    outer: Outer,
    /// How many times the function assigns each variable (a parameter
    /// counts once).
    known_names: std::collections::HashMap<String, usize>,
}

/// What `lower::parallel` takes from the function being lowered.
struct Outer {
    name: String,
    source: std::sync::Arc<crate::error::SourceInfo>,
    parallel: bool,
}

impl Lowerer {
    fn emit(&mut self, op: Op, args: Vec<Value>, span: Span) -> Value {
        self.ssa
            .emit(self.cur, op, args, span)
            .expect("expression operations have results")
    }

    fn fresh_name(&mut self, what: &str) -> String {
        self.counter += 1;
        format!("${what}{}", self.counter)
    }

    /// Starts emitting into `block`.
    fn switch_to(&mut self, block: Block) {
        self.cur = block;
    }
}

/// Lowers a function definition into untyped IR.
pub fn lower_function(def: &FunctionDef) -> Result<Function> {
    let mut f = Function::new(def.name.clone(), def.source.clone(), def.span);
    f.elementwise = def.elementwise;
    let mut ssa = SsaBuilder::new(f);
    let entry = ssa.f.entry;
    for p in &def.params {
        let v = ssa.f.add_param(entry, Type::Unknown, Some(p.name.clone()));
        ssa.write_var(entry, &p.name, v);
    }
    let mut l = Lowerer {
        ssa,
        cur: entry,
        loops: vec![],
        counter: 0,
        locals: def.locals.clone(),
        outer: Outer {
            name: def.name.clone(),
            source: def.source.clone(),
            parallel: def.parallel,
        },
        known_names: assigned_names(def),
    };
    for p in &def.params {
        let v = l.ssa.read_var(entry, &p.name);
        l.assign(&crate::syntax::Target::Name(p.name.clone(), p.span), v)?;
    }
    l.lower_body(&def.body)?;
    // Falling off the end returns None.
    if !l.ssa.f.is_terminated(l.cur) {
        l.ssa.terminate(l.cur, crate::ir::Terminator::Return(None));
    }
    let mut f = l.ssa.finish();
    verifier::check(&f, Stage::Untyped, "lowering")?;
    remove_unreachable(&mut f);
    verifier::check(&f, Stage::Untyped, "remove_unreachable")?;
    remove_trivial_params(&mut f);
    verifier::check(&f, Stage::Untyped, "remove_trivial_params")?;
    Ok(f)
}

/// How many times `def` assigns each variable, its parameters counting
/// once (counted as `lower::parallel` counts a loop body's).
fn assigned_names(def: &FunctionDef) -> std::collections::HashMap<String, usize> {
    use crate::syntax::{StmtKind, Target};
    type Counts = std::collections::HashMap<String, usize>;
    fn target(t: &Target, out: &mut Counts) {
        match t {
            Target::Name(n, _) => {
                *out.entry(n.clone()).or_default() += 1;
            }
            Target::Tuple(items, _) => items.iter().for_each(|t| target(t, out)),
            Target::Subscript { .. } => {}
        }
    }
    fn stmts(body: &[crate::syntax::Stmt], out: &mut Counts) {
        for s in body {
            match &s.kind {
                StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| target(t, out)),
                StmtKind::AugAssign { target: t, .. } => target(t, out),
                StmtKind::For {
                    target: t,
                    body,
                    orelse,
                    ..
                } => {
                    target(t, out);
                    stmts(body, out);
                    stmts(orelse, out);
                }
                StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                    stmts(body, out);
                    stmts(orelse, out);
                }
                _ => {}
            }
        }
    }
    let mut out: Counts = def.params.iter().map(|p| (p.name.clone(), 1)).collect();
    stmts(&def.body, &mut out);
    out
}

#[cfg(test)]
mod tests;
