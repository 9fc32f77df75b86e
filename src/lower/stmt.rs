//! Statements: assignments, `if`, `while`, `for ... in range(...)`,
//! `break`, `continue`, `return`.

use super::iteration::Iteration;
use super::{LoopTargets, Lowerer};
use crate::bail;
use crate::builtins::PyException;
use crate::builtins::{Builtin, Callee};
use crate::error::{Result, Span};
use crate::ir::{BlockCall, Op, RangeOp, Terminator, Value};
use crate::syntax::{BinOp, CmpOp, Const, Expr, ExprKind, Stmt, StmtKind, Target};

/// The truth value of a literal condition, if it is one (`while True:`).
fn constant_truth(e: &Expr) -> Option<bool> {
    match &e.kind {
        ExprKind::Const(Const::Bool(b)) => Some(*b),
        ExprKind::Const(Const::Int(i)) => Some(*i != 0),
        _ => None,
    }
}

impl Lowerer {
    pub(super) fn lower_body(&mut self, body: &[Stmt]) -> Result<()> {
        for s in body {
            if self.ssa.f.is_terminated(self.cur) {
                // Code after return/break/continue: lower it into a block
                // nothing reaches, so its errors are still reported.
                let dead = self.ssa.new_block();
                self.ssa.seal(dead);
                self.switch_to(dead);
            }
            self.lower_stmt(s)?;
        }
        Ok(())
    }

    /// Ends the current block raising `class(message)`.
    fn raise(&mut self, class: PyException, message: &Option<String>, span: Span) {
        if !self.ssa.f.is_terminated(self.cur) {
            self.ssa.f.block_mut(self.cur).term_span = span;
        }
        let raise = crate::ir::Raise {
            class,
            message: message.as_deref().map(Into::into),
        };
        self.ssa.terminate(self.cur, Terminator::Raise(raise));
    }

    fn lower_stmt(&mut self, s: &Stmt) -> Result<()> {
        match &s.kind {
            StmtKind::Pass => Ok(()),
            StmtKind::Expr(e) => {
                self.lower_expr(e)?;
                Ok(())
            }
            StmtKind::Print { items, sep, end } => {
                let mut texts = vec![];
                let mut values = vec![];
                for item in items {
                    match item {
                        crate::syntax::PrintItem::Text(t) => texts.push(Some(t.as_str().into())),
                        crate::syntax::PrintItem::Value(e) => {
                            texts.push(None);
                            values.push(self.lower_expr(e)?);
                        }
                    }
                }
                let format = crate::ir::PrintFormat {
                    items: texts,
                    sep: sep.as_str().into(),
                    end: end.as_str().into(),
                };
                self.ssa.emit(
                    self.cur,
                    Op::Print(std::sync::Arc::new(format)),
                    values,
                    s.span,
                );
                Ok(())
            }
            StmtKind::Assign { targets, value } => {
                if let [Target::Tuple(items, span)] = targets.as_slice() {
                    if let ExprKind::Tuple(values) = &value.kind {
                        return self.assign_parallel(items, values, *span);
                    }
                }
                let v = self.lower_expr(value)?;
                for t in targets {
                    self.assign(t, v)?;
                }
                Ok(())
            }
            StmtKind::AugAssign { target, op, value } => {
                self.lower_aug_assign(target, *op, value, s.span)
            }
            StmtKind::Return(value) => {
                let v = match value {
                    Some(e) => Some(self.lower_expr(e)?),
                    None => None,
                };
                if !self.ssa.f.is_terminated(self.cur) {
                    self.ssa.f.block_mut(self.cur).term_span = s.span;
                }
                self.ssa.terminate(self.cur, Terminator::Return(v));
                Ok(())
            }
            StmtKind::Raise { class, message } => {
                self.raise(*class, message, s.span);
                Ok(())
            }
            StmtKind::Assert { test, message } => {
                let c = self.lower_condition(test)?;
                let (ok, fail) = (self.ssa.new_block(), self.ssa.new_block());
                self.ssa.terminate(
                    self.cur,
                    Terminator::Branch {
                        cond: c,
                        then: BlockCall::new(ok),
                        orelse: BlockCall::new(fail),
                    },
                );
                self.ssa.seal(ok);
                self.ssa.seal(fail);
                self.switch_to(fail);
                self.raise(PyException::AssertionError, message, s.span);
                self.switch_to(ok);
                Ok(())
            }
            StmtKind::If { test, body, orelse } => self.lower_if(test, body, orelse),
            StmtKind::While { test, body, orelse } => self.lower_while(test, body, orelse),
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => self.lower_for(target, iter, body, orelse, s.span),
            StmtKind::Break | StmtKind::Continue => {
                let Some(targets) = self.loops.last().copied() else {
                    let word = if matches!(s.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    bail!(Unsupported, s.span, "'{word}' outside a loop");
                };
                let to = if matches!(s.kind, StmtKind::Break) {
                    targets.break_to
                } else {
                    targets.continue_to
                };
                self.ssa.jump(self.cur, BlockCall::new(to));
                Ok(())
            }
        }
    }

    /// `a, b = x, y`: every right-hand side is evaluated before any target
    /// is assigned, so `a, b = b, a` swaps.
    fn assign_parallel(&mut self, targets: &[Target], values: &[Expr], span: Span) -> Result<()> {
        if targets.len() != values.len() {
            bail!(
                Typing,
                span,
                "cannot unpack {} values into {} targets",
                values.len(),
                targets.len()
            );
        }
        let vs = values
            .iter()
            .map(|e| self.lower_expr(e))
            .collect::<Result<Vec<_>>>()?;
        for (t, v) in targets.iter().zip(vs) {
            self.assign(t, v)?;
        }
        Ok(())
    }

    pub(super) fn assign(&mut self, target: &Target, v: Value) -> Result<()> {
        match target {
            Target::Name(name, span) => {
                // A variable of a fixed type converts what it is given.
                let v = match self.locals.iter().find(|(n, _)| n == name) {
                    Some((_, s)) => {
                        self.emit(Op::Call(crate::builtins::Callee::DType(*s)), vec![v], *span)
                    }
                    None => v,
                };
                self.ssa.write_var(self.cur, name, v);
                Ok(())
            }
            Target::Tuple(items, span) => {
                self.ssa
                    .emit(self.cur, Op::Unpack(items.len() as u32), vec![v], *span);
                for (i, t) in items.iter().enumerate() {
                    let item = self.emit(Op::TupleGet(i as u32), vec![v], *span);
                    self.assign(t, item)?;
                }
                Ok(())
            }
            Target::Subscript { value, index, span } => {
                let mut args = vec![self.lower_expr(value)?];
                for i in index {
                    args.push(self.lower_index(i)?);
                }
                args.push(v);
                self.ssa.emit(self.cur, Op::SetItem, args, *span);
                Ok(())
            }
        }
    }

    fn lower_aug_assign(
        &mut self,
        target: &Target,
        op: BinOp,
        value: &Expr,
        span: Span,
    ) -> Result<()> {
        match target {
            Target::Name(name, tspan) => {
                let old = self.read_local(name, *tspan)?;
                let rhs = self.lower_expr(value)?;
                // In place on an array (as NumPy), `name = name op value`
                // on a number (a variable of fixed type converts).
                let new = self.emit(Op::InPlace(op), vec![old, rhs], span);
                self.assign(target, new)
            }
            Target::Subscript {
                value: array,
                index,
                span: tspan,
            } => {
                let a = self.lower_expr(array)?;
                let mut idx = vec![];
                for i in index {
                    idx.push(self.lower_index(i)?);
                }
                let mut load_args = vec![a];
                load_args.extend(&idx);
                let old = self.emit(Op::GetItem, load_args.clone(), *tspan);
                let rhs = self.lower_expr(value)?;
                let new = self.emit(Op::Binary(op), vec![old, rhs], span);
                load_args.push(new);
                self.ssa.emit(self.cur, Op::SetItem, load_args, *tspan);
                Ok(())
            }
            Target::Tuple(_, tspan) => {
                bail!(
                    Unsupported,
                    *tspan,
                    "augmented assignment to a tuple is not valid Python"
                )
            }
        }
    }

    fn lower_if(&mut self, test: &Expr, body: &[Stmt], orelse: &[Stmt]) -> Result<()> {
        if let Some(truth) = constant_truth(test) {
            return self.lower_body(if truth { body } else { orelse });
        }
        let cond = self.lower_condition(test)?;
        let then_block = self.ssa.new_block();
        let else_block = self.ssa.new_block();
        let merge = self.ssa.new_block();
        self.ssa.terminate(
            self.cur,
            Terminator::Branch {
                cond,
                then: BlockCall::new(then_block),
                orelse: BlockCall::new(else_block),
            },
        );
        self.ssa.seal(then_block);
        self.ssa.seal(else_block);
        self.switch_to(then_block);
        self.lower_body(body)?;
        self.ssa.jump(self.cur, BlockCall::new(merge));
        self.switch_to(else_block);
        self.lower_body(orelse)?;
        self.ssa.jump(self.cur, BlockCall::new(merge));
        self.ssa.seal(merge);
        self.switch_to(merge);
        Ok(())
    }

    fn lower_while(&mut self, test: &Expr, body: &[Stmt], orelse: &[Stmt]) -> Result<()> {
        let header = self.ssa.new_block();
        let exit = self.ssa.new_block();
        self.ssa.jump(self.cur, BlockCall::new(header));
        self.switch_to(header);
        let always = constant_truth(test);
        let body_block = if always == Some(true) {
            header
        } else {
            let cond = self.lower_condition(test)?;
            let body_block = self.ssa.new_block();
            let else_block = self.ssa.new_block();
            self.ssa.terminate(
                self.cur,
                Terminator::Branch {
                    cond,
                    then: BlockCall::new(body_block),
                    orelse: BlockCall::new(else_block),
                },
            );
            self.ssa.seal(body_block);
            self.ssa.seal(else_block);
            let after_test = self.cur;
            self.switch_to(else_block);
            self.lower_body(orelse)?;
            self.ssa.jump(self.cur, BlockCall::new(exit));
            self.cur = after_test;
            body_block
        };
        self.switch_to(body_block);
        self.loops.push(LoopTargets {
            continue_to: header,
            break_to: exit,
        });
        self.lower_body(body)?;
        self.loops.pop();
        self.ssa.jump(self.cur, BlockCall::new(header));
        self.ssa.seal(header);
        self.ssa.seal(exit);
        self.switch_to(exit);
        Ok(())
    }

    pub(super) fn lower_for(
        &mut self,
        target: &Target,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<()> {
        if let ExprKind::Tuple(items) = &iter.kind {
            return self.lower_unrolled_for(target, items, body, orelse);
        }
        // A trip counter `k` runs 0..trips; a range not counting from zero
        // keeps its loop variable beside it, advanced by its step (see
        // `RangeOp`); anything else computes its item from `k`.
        let source = self.iteration(iter)?;
        let trips = self.trips(&source, iter.span);
        let trip = self.fresh_name("trip");
        let zero = self.int(0, iter.span);
        self.ssa.write_var(self.cur, &trip, zero);
        let stepped = match &source {
            Iteration::Range {
                start,
                step,
                from_zero: false,
                ..
            } => {
                let var = self.fresh_name("range");
                self.ssa.write_var(self.cur, &var, *start);
                Some((var, *step))
            }
            _ => None,
        };
        let header = self.ssa.new_block();
        let latch = self.ssa.new_block();
        let body_block = self.ssa.new_block();
        let else_block = self.ssa.new_block();
        let exit = self.ssa.new_block();
        self.ssa.jump(self.cur, BlockCall::new(header));

        self.switch_to(header);
        let k = self.ssa.read_var(header, &trip);
        let cond = self.emit(Op::Compare(CmpOp::Lt), vec![k, trips], iter.span);
        self.ssa.terminate(
            header,
            Terminator::Branch {
                cond,
                then: BlockCall::new(body_block),
                orelse: BlockCall::new(else_block),
            },
        );
        self.ssa.seal(body_block);
        self.ssa.seal(else_block);

        self.switch_to(body_block);
        let item = match &stepped {
            Some((var, _)) => self.ssa.read_var(body_block, var),
            None => self.item(&source, k, iter.span),
        };
        self.assign(target, item)?;
        self.loops.push(LoopTargets {
            continue_to: latch,
            break_to: exit,
        });
        self.lower_body(body)?;
        self.loops.pop();
        self.ssa.jump(self.cur, BlockCall::new(latch));
        self.ssa.seal(latch);

        self.switch_to(latch);
        if let Some((var, step)) = &stepped {
            let current = self.ssa.read_var(latch, var);
            let next = self.emit(Op::Range(RangeOp::Next), vec![current, *step], span);
            self.ssa.write_var(latch, var, next);
        }
        let current = self.ssa.read_var(latch, &trip);
        let one = self.int(1, span);
        let next = self.emit(Op::Range(RangeOp::Next), vec![current, one], span);
        self.ssa.write_var(latch, &trip, next);
        self.ssa.jump(latch, BlockCall::new(header));
        self.ssa.seal(header);

        self.switch_to(else_block);
        self.lower_body(orelse)?;
        self.ssa.jump(self.cur, BlockCall::new(exit));
        self.ssa.seal(exit);
        self.switch_to(exit);
        Ok(())
    }

    /// `for x in (a, b, c)` with the tuple written in the loop: the body
    /// once per item, each with the item's own type (the items may mix
    /// ints, floats and arrays); `continue` goes to the next copy, `break`
    /// past the `else`.
    fn lower_unrolled_for(
        &mut self,
        target: &Target,
        items: &[Expr],
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<()> {
        let values = items
            .iter()
            .map(|e| self.lower_expr(e))
            .collect::<Result<Vec<_>>>()?;
        let exit = self.ssa.new_block();
        for v in values {
            let next = self.ssa.new_block();
            self.assign(target, v)?;
            self.loops.push(LoopTargets {
                continue_to: next,
                break_to: exit,
            });
            self.lower_body(body)?;
            self.loops.pop();
            self.ssa.jump(self.cur, BlockCall::new(next));
            self.ssa.seal(next);
            self.switch_to(next);
        }
        self.lower_body(orelse)?;
        self.ssa.jump(self.cur, BlockCall::new(exit));
        self.ssa.seal(exit);
        self.switch_to(exit);
        Ok(())
    }

    /// The start, stop and step values of `range(...)` (a constant zero
    /// step is an error here, a variable one when the loop starts), and
    /// whether it counts 0, 1, 2, ... (no start, or 0; no step, or 1).
    pub(super) fn range_bounds(&mut self, iter: &Expr) -> Result<(Value, Value, Value, bool)> {
        let ExprKind::Call { args, keywords, .. } = &iter.kind else {
            unreachable!("checked by the caller");
        };
        if !keywords.is_empty() || args.is_empty() || args.len() > 3 {
            bail!(
                Typing,
                iter.span,
                "range() takes 1 to 3 positional arguments, got {}",
                args.len()
            );
        }
        // range(stop) | range(start, stop) | range(start, stop, step)
        let values = args
            .iter()
            .map(|a| self.lower_expr(a))
            .collect::<Result<Vec<_>>>()?;
        let step_const = match args.get(2).map(|e| &e.kind) {
            None => Some(1),
            Some(ExprKind::Const(Const::Int(i))) => Some(*i),
            Some(ExprKind::Unary(crate::syntax::UnaryOp::Neg, inner)) => match inner.kind {
                ExprKind::Const(Const::Int(i)) => Some(-i),
                _ => None,
            },
            Some(_) => None,
        };
        if step_const == Some(0) {
            bail!(Typing, iter.span, "range() arg 3 must not be zero");
        }
        let rng = self.emit(Op::Call(Callee::Builtin(Builtin::Range)), values, iter.span);
        let start = self.emit(Op::TupleGet(0), vec![rng], iter.span);
        let stop = self.emit(Op::TupleGet(1), vec![rng], iter.span);
        let step = self.emit(Op::TupleGet(2), vec![rng], iter.span);
        let starts_at_zero =
            args.len() == 1 || matches!(args[0].kind, ExprKind::Const(Const::Int(0)));
        Ok((start, stop, step, starts_at_zero && step_const == Some(1)))
    }
}
