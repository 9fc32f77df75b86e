//! Type inference: a forward fixpoint over the untyped function.
//!
//! Parameters of the entry block get the signature's types; a block
//! parameter gets the join (NumPy promotion) of the arguments arriving on
//! its edges; an instruction's result gets what its typing rule says for
//! its operands' current types. Types only grow, and the lattice is finite,
//! so iteration ends. Rule errors during iteration are not final (an operand
//! may still be growing); materialisation re-runs the rules and reports
//! them with the final types.
//!
//! Only live blocks are typed: a branch whose condition typing decides (a
//! constant, such as `x is None` for a parameter of type `none`) makes
//! only its taken edge live, so the other side may be ill-typed for these
//! argument types (`if out is None: out = np.empty(n)`), as Numba's
//! dead-branch pruning allows.

use super::emit::{Emit, TypedConst};
use super::literals::{Found, Literals};
use super::{type_inst, ProgramBuilder};
use crate::error::{CompileError, Result, Span};
use crate::ir::{Block, BlockCall, Function, Op, Terminator, Value};
use crate::syntax::{Const, KernelTarget};
use crate::types::{join, ItemKind, Type};

struct Inferring<'p> {
    ctx: &'p mut ProgramBuilder,
    span: Span,
    source: std::sync::Arc<crate::error::SourceInfo>,
    /// What the function's list and dict literals hold, found so far.
    literals: Literals,
    /// Whether `literals` changed in this round.
    literals_changed: bool,
}

impl Emit for Inferring<'_> {
    type V = TypedConst;

    fn ty(&self, v: &TypedConst) -> Type {
        v.ty.clone()
    }
    fn konst(&self, v: &TypedConst) -> Option<Const> {
        v.konst
    }
    fn emit(&mut self, op: Op, _args: Vec<TypedConst>, ty: Type) -> Result<TypedConst> {
        let konst = match op {
            Op::Const(c, _) => Some(c),
            _ => None,
        };
        Ok(TypedConst { ty, konst })
    }
    fn emit_effect(&mut self, _op: Op, _args: Vec<TypedConst>) -> Result<()> {
        Ok(())
    }
    fn call_kernel(&mut self, target: &KernelTarget, args: Vec<TypedConst>) -> Result<TypedConst> {
        // Callees see literals with the types found so far (not yet
        // found: typed in a later round).
        let types: Vec<Type> = args
            .into_iter()
            .map(|a| super::literals::resolve_type(&a.ty, &self.literals))
            .collect();
        if types.iter().any(super::literals::has_pending) {
            return Err(CompileError::internal("a literal's types not known yet"));
        }
        let (_, ret) = self.ctx.instantiate(target, &types)?;
        if !ret.is_known() {
            // A recursive call before its return type is known.
            return Err(CompileError::internal("return type not known yet"));
        }
        Ok(TypedConst {
            ty: ret,
            konst: None,
        })
    }
    fn parallel_for(
        &mut self,
        target: &KernelTarget,
        args: Vec<TypedConst>,
        reducers: std::sync::Arc<[crate::builtins::Reducer]>,
    ) -> Result<TypedConst> {
        let types = crate::ir::prange_body_types(args.into_iter().map(|a| a.ty).collect());
        let (_, ret) = self.ctx.instantiate(target, &types)?;
        super::emit::check_partials(&ret, &reducers)?;
        Ok(TypedConst {
            ty: ret,
            konst: None,
        })
    }
    fn gufunc(
        &mut self,
        g: &std::sync::Arc<crate::syntax::GufuncTarget>,
        types: &[Type],
    ) -> Result<(crate::ir::FuncId, std::sync::Arc<crate::ir::GufuncCall>)> {
        self.ctx.gufunc_instance(g, types)
    }
    fn map(
        &mut self,
        expr: super::elementwise::ElemExpr,
        leaves: Vec<TypedConst>,
        mode: super::elementwise::Mode,
    ) -> Result<TypedConst> {
        let types: Vec<Type> = leaves.into_iter().map(|l| l.ty).collect();
        let (_, ret) = self
            .ctx
            .element_function(&expr, &types, &self.source, self.span)?;
        let ty = super::elementwise::result_type(mode, &ret, &types)
            .ok_or_else(|| CompileError::internal("an array expression of no array"))?;
        Ok(TypedConst { ty, konst: None })
    }
    fn span(&self) -> Span {
        self.span
    }
    fn literal(&self, origin: u32) -> Found {
        self.literals.get(&origin).copied().unwrap_or_default()
    }
    fn note_literal(&mut self, origin: u32, found: Found) {
        if self.literal(origin) != found {
            self.literals.insert(origin, found);
            self.literals_changed = true;
        }
    }
    fn inferring(&self) -> bool {
        true
    }
}

/// When a block parameter joins a literal whose items are not known yet
/// (`at`) with a container of known types (`joined`), the literal holds
/// those (`if c: l = [] else: l = other`).
fn unify_literal(cx: &mut Inferring<'_>, at: &Type, joined: &Type) {
    let (origin, found) = match (at, joined) {
        (Type::List(p), Type::List(i)) if !i.is_pending() => (
            p,
            Found {
                key: None,
                item: Some(*i),
            },
        ),
        (Type::Dict(_, p), Type::Dict(k, v)) if !v.is_pending() => (
            p,
            Found {
                key: Some(*k),
                item: Some(*v),
            },
        ),
        _ => return,
    };
    if let ItemKind::Pending(origin) = origin.kind() {
        cx.note_literal(origin, found);
    }
}

/// What inference found: every value's type, which blocks can run, and
/// the branches whose direction the types decide.
pub struct Inferred {
    pub types: Vec<Type>,
    pub live: Vec<bool>,
    /// For a block ending in a branch on a constant: whether it goes to
    /// `then`.
    pub decided: Vec<Option<bool>>,
    /// What each list and dict literal holds (`typing::literals`).
    pub literals: Literals,
}

/// The edges of `b`'s terminator that can be taken.
fn live_targets<'f>(decided: &[Option<bool>], f: &'f Function, b: Block) -> Vec<&'f BlockCall> {
    match (&f.block(b).term, decided[b.index()]) {
        (Terminator::Branch { then, .. }, Some(true)) => vec![then],
        (Terminator::Branch { orelse, .. }, Some(false)) => vec![orelse],
        (term, _) => term.targets(),
    }
}

/// Infers the type of every value of `f` for parameter types `params`.
/// Values that stay `Unknown` are only reachable through unassigned
/// variables or dead blocks (or rules that fail; materialisation reports
/// those).
pub fn infer(f: &Function, params: &[Type], ctx: &mut ProgramBuilder) -> Result<Inferred> {
    let mut types = vec![Type::Unknown; f.values.len()];
    let mut konsts: Vec<Option<Const>> = vec![None; f.values.len()];
    for inst in &f.insts {
        if let (Op::Const(c, _), Some(r)) = (&inst.op, inst.result) {
            konsts[r.index()] = Some(*c);
        }
    }
    for (p, t) in f.params().iter().zip(params) {
        types[p.index()] = t.clone();
    }
    let rpo = f.reverse_post_order();
    let preds = f.predecessors();
    let mut cx = Inferring {
        ctx,
        span: f.span,
        source: f.source.clone(),
        literals: Literals::default(),
        literals_changed: false,
    };
    let mut live = vec![false; f.blocks.len()];
    let mut decided: Vec<Option<bool>> = vec![None; f.blocks.len()];
    live[f.entry.index()] = true;
    for _round in 0..64 {
        let mut changed = false;
        for &b in &rpo {
            if !live[b.index()] {
                continue;
            }
            if b != f.entry {
                let mut seen_preds = preds[b.index()].clone();
                seen_preds.sort();
                seen_preds.dedup();
                seen_preds.retain(|p| live[p.index()]);
                for (k, &p) in f.block(b).params.iter().enumerate() {
                    let mut t = Type::Unknown;
                    // A constant every edge passes (`x and y` of constants
                    // decided at typing time) is one here too.
                    let mut konst: Option<Option<Const>> = None;
                    for &pred in &seen_preds {
                        for edge in live_targets(&decided, f, pred) {
                            if edge.block != b {
                                continue;
                            }
                            let arg = edge.args[k].index();
                            let passed = konsts[arg].filter(|_| types[arg].is_known());
                            konst = match konst {
                                None => Some(passed),
                                Some(c) if Const::same_option(&c, &passed) => Some(c),
                                Some(_) => Some(None),
                            };
                            let at = &types[edge.args[k].index()];
                            t = join(&t, at).ok_or_else(|| {
                                let what = match &f.value(p).name {
                                    Some(name) => format!("variable '{name}'"),
                                    None => "this value".to_string(),
                                };
                                CompileError::typing(
                                    f.def_inst(edge.args[k]).map(|i| i.span).unwrap_or(f.span),
                                    format!(
                                        "{what} is {t} on one path and {at} on another, and the two types cannot be combined"
                                    ),
                                )
                            })?;
                        }
                    }
                    for &pred in &seen_preds {
                        for edge in live_targets(&decided, f, pred) {
                            if edge.block == b {
                                unify_literal(&mut cx, &types[edge.args[k].index()], &t);
                            }
                        }
                    }
                    if t != types[p.index()] {
                        types[p.index()] = t;
                        changed = true;
                    }
                    let konst = konst.flatten();
                    if !Const::same_option(&konst, &konsts[p.index()]) {
                        konsts[p.index()] = konst;
                        changed = true;
                    }
                }
            }
            for &inst in &f.block(b).insts {
                let data = f.inst(inst);
                if matches!(data.op, Op::Undef) {
                    continue;
                }
                if data.args.iter().any(|a| !types[a.index()].is_known()) {
                    continue;
                }
                let args: Vec<TypedConst> = data
                    .args
                    .iter()
                    .map(|a: &Value| TypedConst {
                        ty: types[a.index()].clone(),
                        konst: konsts[a.index()],
                    })
                    .collect();
                cx.span = data.span;
                let Ok(result) = type_inst(&mut cx, f, &data.op, args) else {
                    continue;
                };
                if let (Some(r), Some(v)) = (data.result, result) {
                    konsts[r.index()] = v.konst;
                    if v.ty != types[r.index()] {
                        types[r.index()] = v.ty;
                        changed = true;
                    }
                }
            }
            // Which way a branch goes, when typing made its condition a
            // constant; then the edges that can be taken.
            decided[b.index()] = match &f.block(b).term {
                Terminator::Branch { cond, .. } => match konsts[cond.index()] {
                    Some(Const::Bool(x)) => Some(x),
                    _ => None,
                },
                _ => None,
            };
            let targets: Vec<Block> = live_targets(&decided, f, b)
                .iter()
                .map(|t| t.block)
                .collect();
            for t in targets {
                if !live[t.index()] {
                    live[t.index()] = true;
                    changed = true;
                }
            }
        }
        // A function that calls itself: the return type found so far
        // types those calls in the next round.
        if let Some(key) = cx.ctx.current().cloned() {
            let mut ret = Type::Unknown;
            for b in rpo.iter().filter(|b| live[b.index()]) {
                let returned = match &f.block(*b).term {
                    Terminator::Return(Some(v)) => types[v.index()].clone(),
                    Terminator::Return(None) => Type::NoneType,
                    _ => continue,
                };
                if let Some(t) = join(&ret, &returned) {
                    ret = t;
                }
            }
            if ret.is_known() && cx.ctx.settle_return(&key, ret) {
                changed = true;
            }
        }
        if std::mem::take(&mut cx.literals_changed) {
            changed = true;
        }
        if !changed {
            // Literals' values keep their origins while inference runs;
            // from here on they have the types found.
            let types = types
                .iter()
                .map(|t| super::literals::resolve_type(t, &cx.literals))
                .collect();
            let literals = cx
                .literals
                .iter()
                .map(|(&origin, f)| {
                    let item = f.item.map(|i| {
                        let t = super::literals::resolve_type(&i.to_type(), &cx.literals);
                        crate::types::Item::of_type(&t).unwrap_or(i)
                    });
                    (origin, Found { key: f.key, item })
                })
                .collect();
            return Ok(Inferred {
                types,
                live,
                decided,
                literals,
            });
        }
    }
    Err(CompileError::internal(format!(
        "type inference of '{}' did not converge",
        f.name
    )))
}
