//! `for i in prange(start, stop, step): body` in a `parallel=True`
//! function: the body becomes a function of its own (the *body
//! function*), which `Op::Prange` runs over chunks of the trips on the
//! thread pool (`codegen::parallel_for`).
//!
//! The body function, written as syntax and compiled like any called
//! function (typed for its arguments), is
//!
//! ```python
//! def body(lo, hi, start, step, captured..., reduced...):
//!     s = identity(s)            # per reduction: 0 for +=, 1 for *=, ...
//!     for k in range(lo, hi):
//!         i = start + k * step
//!         <the loop's body>
//!     return (s, ...)            # the chunk's partial results
//! ```
//!
//! Which variables are what, from the loop's syntax (as Numba decides):
//! - a *reduction* is a variable defined before the loop that the body
//!   only updates, each time with the same operation: `s += x`, `s -= x`,
//!   `s *= x`, `s = s + x`, `s = min(s, x)`, `s = max(s, x)`, `s |= x`,
//!   `s &= x`, `s ^= x`. The chunks' partials are combined in chunk order,
//!   then into the variable. The body may not read it otherwise.
//! - every other variable the body reads and the function defined before
//!   the loop is *captured*: passed in by value (arrays are shared, so
//!   `out[i] = ...` writes the caller's array).
//! - every other variable the body assigns is *private* to the iteration:
//!   after the loop it keeps its value from before the loop.
//!
//! `break` and `return` cannot leave a prange loop (the iterations do not
//! run in order); `raise` can.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::Lowerer;
use crate::bail;
use crate::builtins::{Builtin, Callee, Reducer};
use crate::error::{Result, Span};
use crate::ir::{Op, RangeOp, ValueDef};
use crate::syntax::{
    BinOp, Expr, ExprKind, FunctionDef, Global, KernelTarget, Param, Stmt, StmtKind, Target,
};

/// Whether `iter` is `prange(...)`.
pub(super) fn is_prange(iter: &Expr) -> bool {
    matches!(&iter.kind, ExprKind::Call { func, .. }
        if matches!(func.kind, ExprKind::Global(Global::Callee(Callee::Builtin(Builtin::Prange)))))
}

/// How the body of a prange loop uses one variable.
#[derive(Default)]
struct Use {
    /// Read (outside its own reduction updates).
    read: bool,
    /// Read before any assignment, in the order the body runs (as far as
    /// the syntax shows: a read inside a branch or nested loop counts).
    read_first: bool,
    /// The reduction operation of each update that is one; `None` for any
    /// other assignment.
    updates: Vec<Option<Reducer>>,
    /// Where it was first assigned or updated (for messages).
    span: Option<Span>,
}

/// The variables of a prange loop's body, by name.
#[derive(Default)]
struct Uses {
    vars: BTreeMap<String, Use>,
    /// Names assigned so far in the walk (for `read_first`).
    assigned: HashSet<String>,
}

impl Uses {
    fn read(&mut self, e: &Expr) {
        crate::syntax::walk_expr(e, &mut |x| {
            if let ExprKind::Name(n) = &x.kind {
                let first = !self.assigned.contains(n);
                let u = self.vars.entry(n.clone()).or_default();
                u.read = true;
                u.read_first |= first;
            }
        });
    }

    fn assign(&mut self, name: &str, how: Option<Reducer>, span: Span) {
        let u = self.vars.entry(name.to_string()).or_default();
        u.updates.push(how);
        u.span.get_or_insert(span);
        self.assigned.insert(name.to_string());
    }

    fn target(&mut self, t: &Target) {
        match t {
            Target::Name(n, span) => self.assign(n, None, *span),
            Target::Tuple(items, _) => items.iter().for_each(|t| self.target(t)),
            Target::Subscript { value, index, .. } => {
                self.read(value);
                index.iter().for_each(|i| self.read(i));
            }
        }
    }

    /// Walks `stmts`; `depth` counts the loops inside the prange loop.
    fn stmts(&mut self, stmts: &[Stmt], depth: usize) -> Result<()> {
        for s in stmts {
            self.stmt(s, depth)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt, depth: usize) -> Result<()> {
        if let Some((name, r, other)) = reduction_update(s) {
            self.read(other);
            self.assign(name, Some(r), s.span);
            return Ok(());
        }
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                self.read(value);
                targets.iter().for_each(|t| self.target(t));
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.read(value);
                if let Target::Name(n, _) = target {
                    self.read(&Expr::new(ExprKind::Name(n.clone()), s.span));
                }
                self.target(target);
            }
            StmtKind::If { test, body, orelse } => {
                self.read(test);
                self.stmts(body, depth)?;
                self.stmts(orelse, depth)?;
            }
            StmtKind::While { test, body, orelse } => {
                self.read(test);
                self.stmts(body, depth + 1)?;
                self.stmts(orelse, depth)?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.read(iter);
                self.target(target);
                self.stmts(body, depth + 1)?;
                self.stmts(orelse, depth)?;
            }
            StmtKind::Break if depth == 0 => bail!(
                Unsupported,
                s.span,
                "'break' cannot leave a prange loop (its iterations run in parallel, in no order); use range() for a loop that stops early"
            ),
            StmtKind::Return(_) => bail!(
                Unsupported,
                s.span,
                "'return' inside a prange loop is not supported (its iterations run in parallel, in no order); use range() for a loop that returns early"
            ),
            StmtKind::Assert { test, .. } => self.read(test),
            StmtKind::Expr(e) => self.read(e),
            StmtKind::Print { items, .. } => {
                for item in items {
                    if let crate::syntax::PrintItem::Value(e) = item {
                        self.read(e);
                    }
                }
            }
            StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Raise { .. }
            | StmtKind::Pass => {}
        }
        Ok(())
    }
}

/// `s += x`, `s = s * x`, `s = min(s, x)`, ...: the variable, the
/// reduction and the other operand, if `s` is one (and the other operand
/// does not read the variable).
fn reduction_update(s: &Stmt) -> Option<(&str, Reducer, &Expr)> {
    let by_op = |op: BinOp| match op {
        BinOp::Add | BinOp::Sub => Some(Reducer::Add),
        BinOp::Mul => Some(Reducer::Mul),
        BinOp::BitOr => Some(Reducer::BitOr),
        BinOp::BitAnd => Some(Reducer::BitAnd),
        BinOp::BitXor => Some(Reducer::BitXor),
        _ => None,
    };
    let is = |e: &Expr, n: &str| matches!(&e.kind, ExprKind::Name(m) if m == n);
    let (name, r, other) = match &s.kind {
        StmtKind::AugAssign {
            target: Target::Name(n, _),
            op,
            value,
        } => (n.as_str(), by_op(*op)?, value),
        StmtKind::Assign { targets, value } => {
            let [Target::Name(n, _)] = targets.as_slice() else {
                return None;
            };
            match &value.kind {
                // `s = s - x`, but not `s = x - s`.
                ExprKind::Binary(op, a, b) if is(a, n) => (n.as_str(), by_op(*op)?, &**b),
                ExprKind::Binary(op, a, b) if is(b, n) && *op != BinOp::Sub => {
                    (n.as_str(), by_op(*op)?, &**a)
                }
                ExprKind::Call {
                    func,
                    args,
                    keywords,
                } if keywords.is_empty() && args.len() == 2 => {
                    let r = match func.kind {
                        ExprKind::Global(Global::Callee(Callee::Builtin(Builtin::Min))) => {
                            Reducer::Min
                        }
                        ExprKind::Global(Global::Callee(Callee::Builtin(Builtin::Max))) => {
                            Reducer::Max
                        }
                        _ => return None,
                    };
                    if is(&args[0], n) {
                        (n.as_str(), r, &args[1])
                    } else if is(&args[1], n) {
                        (n.as_str(), r, &args[0])
                    } else {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    let mut reads_itself = false;
    crate::syntax::walk_expr(other, &mut |x| reads_itself |= is(x, name));
    (!reads_itself).then_some((name, r, other))
}

/// How a prange loop counts (what its body function computes `i` from).
#[derive(Clone, Copy)]
enum Counting {
    /// `prange(n)`, `prange(0, n)`: `i` is the trip number.
    FromZero,
    /// `prange(a, b)`: `start + k`.
    ByOne,
    /// `start + k * step`.
    Stepped,
}

/// Whether `prange(...)` has no step or the literal step 1.
fn step_is_one(iter: &Expr) -> bool {
    match &iter.kind {
        ExprKind::Call { args, .. } => match args.get(2).map(|e| &e.kind) {
            None => true,
            Some(ExprKind::Const(crate::syntax::Const::Int(1))) => true,
            Some(_) => false,
        },
        _ => false,
    }
}

fn name(n: &str, span: Span) -> Expr {
    Expr::new(ExprKind::Name(n.to_string()), span)
}

fn call(callee: Callee, args: Vec<Expr>, span: Span) -> Expr {
    Expr::new(
        ExprKind::Call {
            func: Box::new(Expr::new(ExprKind::Global(Global::Callee(callee)), span)),
            args,
            keywords: vec![],
        },
        span,
    )
}

impl Lowerer {
    /// Whether variable `n` has a value here (defined before the loop on
    /// some path), without making one up: `in_body` of the function's
    /// assignments to it are in the loop's body.
    fn defined_here(&mut self, n: &str, in_body: usize) -> bool {
        if self.known_names.get(n).copied().unwrap_or(0) <= in_body {
            return false;
        }
        let v = self.ssa.read_var(self.cur, n);
        !matches!(self.ssa.f.value(v).def,
            ValueDef::Inst(i) if matches!(self.ssa.f.inst(i).op, Op::Undef))
    }

    /// Whether `n`'s value here is an instruction's result or a parameter
    /// of the function (not a merge of paths, some of which may not have
    /// defined it). Call after `defined_here`.
    fn surely_defined(&mut self, n: &str) -> bool {
        let v = self.ssa.read_var(self.cur, n);
        match self.ssa.f.value(v).def {
            ValueDef::Inst(_) => true,
            ValueDef::Param(b, _) => b == self.ssa.f.entry,
        }
    }

    /// Lowers `for target in prange(...)` of a `parallel=True` function
    /// (see the module documentation).
    pub(super) fn lower_prange(
        &mut self,
        target: &Target,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<()> {
        let Target::Name(var, var_span) = target else {
            bail!(
                Unsupported,
                span,
                "a prange loop's variable must be a name (for i in prange(n):)"
            );
        };
        let mut uses = Uses::default();
        uses.assigned.insert(var.clone());
        uses.stmts(body, 0)?;
        // Reductions: defined before, only updated, by one operation.
        let mut reductions: Vec<(String, Reducer)> = vec![];
        let mut captured: Vec<String> = vec![];
        for (n, u) in &uses.vars {
            if n == var || n.starts_with('$') {
                continue;
            }
            let updates: Option<Vec<Reducer>> = u.updates.iter().copied().collect();
            match updates {
                Some(rs) if !rs.is_empty() && self.defined_here(n, u.updates.len()) => {
                    let r = rs[0];
                    let at = u.span.unwrap_or(span);
                    if let Some(other) = rs.iter().find(|o| **o != r) {
                        bail!(
                            Unsupported,
                            at,
                            "'{n}' is a reduction of this prange loop updated both with {} and with {}; a reduction uses one operation",
                            r.spelling(),
                            other.spelling()
                        );
                    }
                    if u.read {
                        bail!(
                            Unsupported,
                            at,
                            "'{n}' is a reduction of this prange loop ({}): the loop may only update it, not read it (each thread has a partial value until the loop ends)",
                            r.spelling()
                        );
                    }
                    reductions.push((n.clone(), r));
                }
                // Read before the body assigns it: the value from before
                // the loop. Read only after the body assigns it (as far as
                // the syntax shows): passed in too when it surely has a
                // value, which a path through a branch may still read.
                _ if u.read
                    && self.defined_here(n, u.updates.len())
                    && (u.read_first || self.surely_defined(n)) =>
                {
                    captured.push(n.clone());
                }
                _ => {}
            }
        }
        let (start, stop, step, from_zero) = self.range_bounds(iter)?;
        let count = if from_zero {
            Counting::FromZero
        } else if step_is_one(iter) {
            Counting::ByOne
        } else {
            Counting::Stepped
        };
        let trips = self.emit(Op::Range(RangeOp::Len), vec![start, stop, step], iter.span);
        let mut args = vec![trips, start, step];
        for n in captured.iter().chain(reductions.iter().map(|(n, _)| n)) {
            let v = self.ssa.read_var(self.cur, n);
            args.push(v);
        }
        let def = self.body_function(var, *var_span, count, &captured, &reductions, body, span);
        let k = self.ssa.f.kernel_ref(&KernelTarget::Def(Arc::new(def)));
        let reducers: Arc<[Reducer]> = reductions.iter().map(|(_, r)| *r).collect();
        let partials = self.emit(Op::Prange(k, reducers), args, span);
        for (j, (n, r)) in reductions.iter().enumerate() {
            let part = self.emit(Op::TupleGet(j as u32), vec![partials], span);
            let before = self.ssa.read_var(self.cur, n);
            let op = match r.combining_op() {
                Some(op) => Op::Binary(op),
                None if *r == Reducer::Min => Op::Call(Callee::Builtin(Builtin::Min)),
                None => Op::Call(Callee::Builtin(Builtin::Max)),
            };
            let after = self.emit(op, vec![before, part], span);
            self.assign(&Target::Name(n.clone(), span), after)?;
        }
        // No `break` can skip it.
        self.lower_body(orelse)
    }

    /// The body function of a prange loop (module documentation).
    #[allow(clippy::too_many_arguments)]
    fn body_function(
        &mut self,
        var: &str,
        var_span: Span,
        count: Counting,
        captured: &[String],
        reductions: &[(String, Reducer)],
        body: &[Stmt],
        span: Span,
    ) -> FunctionDef {
        let param = |n: &str| Param {
            name: n.to_string(),
            span,
        };
        let mut params: Vec<Param> = ["$lo", "$hi", "$start", "$step"]
            .into_iter()
            .map(param)
            .collect();
        params.extend(captured.iter().map(|n| param(n)));
        params.extend(reductions.iter().map(|(n, _)| param(n)));
        let mut stmts: Vec<Stmt> = reductions
            .iter()
            .map(|(n, r)| Stmt {
                kind: StmtKind::Assign {
                    targets: vec![Target::Name(n.clone(), span)],
                    value: call(
                        Callee::Builtin(Builtin::Identity(*r)),
                        vec![name(n, span)],
                        span,
                    ),
                },
                span,
            })
            .collect();
        // i = start + k * step; `k` itself from 0 by 1, `start + k` by 1:
        // a step known to be 1 keeps the loop's accesses unit-stride, so
        // LLVM vectorizes the chunk's loop as the serial one.
        let k = name("$k", span);
        let binary = |op, a, b| Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), span);
        let item = match count {
            Counting::FromZero => k,
            Counting::ByOne => binary(BinOp::Add, name("$start", span), k),
            Counting::Stepped => binary(
                BinOp::Add,
                name("$start", span),
                binary(BinOp::Mul, k, name("$step", span)),
            ),
        };
        let mut loop_body = vec![Stmt {
            kind: StmtKind::Assign {
                targets: vec![Target::Name(var.to_string(), var_span)],
                value: item,
            },
            span,
        }];
        loop_body.extend(body.iter().cloned());
        stmts.push(Stmt {
            kind: StmtKind::For {
                target: Target::Name("$k".into(), span),
                iter: call(
                    Callee::Builtin(Builtin::Range),
                    vec![name("$lo", span), name("$hi", span)],
                    span,
                ),
                body: loop_body,
                orelse: vec![],
            },
            span,
        });
        let ret = (!reductions.is_empty()).then(|| {
            Expr::new(
                ExprKind::Tuple(reductions.iter().map(|(n, _)| name(n, span)).collect()),
                span,
            )
        });
        stmts.push(Stmt {
            kind: StmtKind::Return(ret),
            span,
        });
        FunctionDef {
            name: self.outer.name.clone(),
            params,
            defaults: 0,
            default_values: vec![],
            body: stmts,
            span,
            source: self.outer.source.clone(),
            doc: None,
            identity: None,
            locals: self.locals.clone(),
            elementwise: false,
            // A prange inside is a range.
            parallel: false,
        }
    }
}
