//! What a `for` loop iterates over: `range(...)`, the items of a value (an
//! array's elements or rows, a tuple's items), `enumerate(...)` and
//! `zip(...)` of those, nested. Each gives a trip count and the item of
//! trip `k`; `Lowerer::lower_for` makes the loop.

use super::Lowerer;
use crate::bail;
use crate::builtins::{Builtin, Callee};
use crate::error::{Result, Span};
use crate::ir::{Op, RangeOp, Value};
use crate::syntax::{BinOp, Const, Expr, ExprKind, Global};
use crate::types::Type;

/// The iterable of a `for` loop, lowered.
pub(super) enum Iteration {
    /// `range(start, stop, step)`; `from_zero`: it counts 0, 1, 2, ...
    Range {
        start: Value,
        stop: Value,
        step: Value,
        from_zero: bool,
    },
    /// `v[0], v[1], ...`, `len(v)` of them: an array, a tuple, a List;
    /// the keys of a Dict.
    Items(Value),
    /// `d.keys()`, `d.values()`, `d.items()` of a typed Dict `d`: the
    /// entries of `d` in order (typing checks that `d` is a Dict).
    DictView(Value, Builtin),
    /// `enumerate(inner, start)`: `(start + k, item k of inner)`.
    Enumerate(Box<Iteration>, Value),
    /// `zip(a, b, ...)`: a tuple of the items, as many trips as the
    /// shortest.
    Zip(Vec<Iteration>),
}

/// A call's positional and keyword arguments.
type CallArgs<'a> = (&'a [Expr], &'a [(String, Expr)]);

/// `b(args...)` for a builtin `b`.
fn builtin_call(e: &Expr) -> Option<(Builtin, CallArgs<'_>)> {
    match &e.kind {
        ExprKind::Call {
            func,
            args,
            keywords,
        } => match &func.kind {
            ExprKind::Global(Global::Callee(Callee::Builtin(b))) => {
                Some((*b, (args.as_slice(), keywords.as_slice())))
            }
            _ => None,
        },
        _ => None,
    }
}

impl Lowerer {
    pub(super) fn iteration(&mut self, iter: &Expr) -> Result<Iteration> {
        let span = iter.span;
        match builtin_call(iter) {
            // Outside a `parallel=True` function (or inside another
            // prange loop), `prange` is `range`.
            Some((Builtin::Range | Builtin::Prange, ..)) => {
                let (start, stop, step, from_zero) = self.range_bounds(iter)?;
                Ok(Iteration::Range {
                    start,
                    stop,
                    step,
                    from_zero,
                })
            }
            Some((Builtin::Enumerate, (args, keywords))) => {
                let start = match (args, keywords) {
                    ([_], []) => None,
                    ([_, s], []) => Some(s),
                    ([_], [(key, s)]) if key == "start" => Some(s),
                    _ => bail!(
                        Typing,
                        span,
                        "enumerate() takes an iterable and a start (enumerate(a) or enumerate(a, 1))"
                    ),
                };
                let inner = self.iteration(&args[0])?;
                let start = match start {
                    Some(s) => self.lower_expr(s)?,
                    None => self.int(0, span),
                };
                Ok(Iteration::Enumerate(Box::new(inner), start))
            }
            Some((Builtin::Zip, (args, keywords))) => {
                if args.is_empty() || !keywords.is_empty() {
                    bail!(
                        Typing,
                        span,
                        "zip() takes one or more iterables (no keywords: strict= is not supported)"
                    );
                }
                let parts = args
                    .iter()
                    .map(|a| self.iteration(a))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Iteration::Zip(parts))
            }
            Some((b, _)) => bail!(
                Unsupported,
                span,
                "iterating over {}(...) is not supported; iterate over range(...), enumerate(...), zip(...), an array or a tuple",
                b.name()
            ),
            None => {
                if let ExprKind::Call {
                    func,
                    args,
                    keywords,
                } = &iter.kind
                {
                    if let ExprKind::Attribute(d, method) = &func.kind {
                        let view = match method.as_str() {
                            "keys" => Some(Builtin::DictKeys),
                            "values" => Some(Builtin::DictValues),
                            "items" => Some(Builtin::DictItems),
                            _ => None,
                        };
                        if let Some(view) = view {
                            if !args.is_empty() || !keywords.is_empty() {
                                bail!(Typing, span, ".{method}() takes no arguments");
                            }
                            return Ok(Iteration::DictView(self.lower_expr(d)?, view));
                        }
                    }
                }
                if let ExprKind::Call { func, .. } = &iter.kind {
                    if let ExprKind::Global(Global::Callee(c)) = &func.kind {
                        if !matches!(c, Callee::Array(..)) {
                            bail!(
                                Unsupported,
                                span,
                                "iterating over {}(...) is not supported; iterate over range(...), enumerate(...), zip(...), an array or a tuple",
                                c.describe()
                            );
                        }
                    }
                }
                Ok(Iteration::Items(self.lower_expr(iter)?))
            }
        }
    }

    pub(super) fn int(&mut self, i: i128, span: Span) -> Value {
        self.emit(Op::Const(Const::Int(i), Type::PY_INT), vec![], span)
    }

    /// How many trips `it` makes.
    pub(super) fn trips(&mut self, it: &Iteration, span: Span) -> Value {
        match it {
            Iteration::Range {
                start, stop, step, ..
            } => self.emit(Op::Range(RangeOp::Len), vec![*start, *stop, *step], span),
            Iteration::Items(v) | Iteration::DictView(v, _) => self.emit(Op::Len, vec![*v], span),
            Iteration::Enumerate(inner, _) => self.trips(inner, span),
            Iteration::Zip(parts) => {
                let mut n = self.trips(&parts[0], span);
                for p in &parts[1..] {
                    let m = self.trips(p, span);
                    n = self.emit(Op::Call(Callee::Builtin(Builtin::Min)), vec![n, m], span);
                }
                n
            }
        }
    }

    /// The item of trip `k` (counting from 0).
    pub(super) fn item(&mut self, it: &Iteration, k: Value, span: Span) -> Value {
        match it {
            Iteration::Range {
                start,
                step,
                from_zero,
                ..
            } => {
                if *from_zero {
                    k
                } else {
                    // In the range, so exact.
                    let offset = self.emit(Op::Binary(BinOp::Mul), vec![k, *step], span);
                    self.emit(Op::Binary(BinOp::Add), vec![*start, offset], span)
                }
            }
            Iteration::Items(v) => self.emit(Op::IterItem, vec![*v, k], span),
            Iteration::DictView(d, view) => {
                self.emit(Op::Call(Callee::Builtin(*view)), vec![*d, k], span)
            }
            Iteration::Enumerate(inner, start) => {
                let index = self.emit(Op::Range(RangeOp::Index), vec![*start, k], span);
                let item = self.item(inner, k, span);
                self.emit(Op::MakeTuple, vec![index, item], span)
            }
            Iteration::Zip(parts) => {
                let items = parts
                    .iter()
                    .map(|p| self.item(p, k, span))
                    .collect::<Vec<_>>();
                self.emit(Op::MakeTuple, items, span)
            }
        }
    }
}
