//! Turning the rebuilt tree into the code a person writes (and the
//! source frontend reads): CPython compiles these forms to the same
//! bytecode, so the choice only changes how the kernel reads.
//!
//! - `a and b and c` flat, `a < b and b < c` (with one shared `b`) as
//!   `a < b < c`;
//! - `if not t: raise AssertionError(m)` as `assert t, m`;
//! - `return None` as `return`, and none at the end of the function;
//! - (`factor`) a return sequence CPython copied into the branches of an
//!   `if` once after it: `if c: A; S` + `B; S` as `if c: A else: B` + `S`;
//! - an `if`/`else` on one line that assigns (or returns) one value in
//!   each branch as `x = a if c else b`.

use std::rc::Rc;

use super::read::{Code, ConstDesc};
use super::tree::{expr, falls_through, same_stmt, Expr, ExprKind, Stmt, StmtKind, Target, E};

pub struct Tidy<'c> {
    pub code: &'c Code,
    pub factor: bool,
}

fn flatten(e: &E, and: bool, out: &mut Vec<E>) {
    match &e.kind {
        ExprKind::BoolOp(a, values) if *a == and => {
            for v in values {
                flatten(v, and, out);
            }
        }
        _ => out.push(e.clone()),
    }
}

fn negate(e: E) -> E {
    match &e.kind {
        ExprKind::Unary("Not", x) => x.clone(),
        _ => {
            let span = e.span;
            expr(ExprKind::Unary("Not", e), span)
        }
    }
}

pub fn tidy_expr(e: &E) -> E {
    use ExprKind::*;
    let t = |x: &E| tidy_expr(x);
    let opt = |x: &Option<E>| x.as_ref().map(tidy_expr);
    let kind = match &e.kind {
        BoolOp(and, _) => {
            let mut flat = vec![];
            flatten(e, *and, &mut flat);
            let mut merged: Vec<E> = vec![];
            for v in flat {
                if *and {
                    if let (Some(prev), Compare(l2, rest2)) = (merged.last(), &v.kind) {
                        if let Compare(l1, rest1) = &prev.kind {
                            if rest1.last().is_some_and(|(_, c)| Rc::ptr_eq(c, l2)) {
                                let mut ops = rest1.clone();
                                ops.extend(rest2.iter().cloned());
                                let chain = expr(Compare(l1.clone(), ops), prev.span);
                                *merged.last_mut().expect("checked") = chain;
                                continue;
                            }
                        }
                    }
                }
                merged.push(v);
            }
            let mut values: Vec<E> = merged.iter().map(tidy_expr).collect();
            if values.len() == 1 {
                return values.pop().expect("one");
            }
            BoolOp(*and, values)
        }
        Name(_)
        | Const(_)
        | Literal(_)
        | ConstItems(_)
        | Null
        | ForItem
        | AssertionError
        | Unpacked { .. } => return e.clone(),
        Attribute(v, n) => Attribute(t(v), n.clone()),
        Call {
            func,
            args,
            keywords,
        } => Call {
            func: t(func),
            args: args.iter().map(t).collect(),
            keywords: keywords.iter().map(|(n, v)| (n.clone(), t(v))).collect(),
        },
        Binary {
            op,
            left,
            right,
            inplace,
        } => Binary {
            op,
            left: t(left),
            right: t(right),
            inplace: *inplace,
        },
        Unary(op, v) => Unary(op, t(v)),
        Compare(l, rest) => Compare(t(l), rest.iter().map(|(o, c)| (*o, t(c))).collect()),
        IfExp { test, body, orelse } => IfExp {
            test: t(test),
            body: t(body),
            orelse: t(orelse),
        },
        Subscript(v, i) => Subscript(t(v), t(i)),
        Slice(a, b, c) => Slice(opt(a), opt(b), opt(c)),
        Tuple(v) => Tuple(v.iter().map(t).collect()),
        List(v) => List(v.iter().map(t).collect()),
        Iter(v) => Iter(t(v)),
    };
    Rc::new(Expr {
        kind,
        span: e.span,
        origin: e.origin,
    })
}

fn tidy_target(t: Target) -> Target {
    match t {
        Target::Name(..) => t,
        Target::Tuple(items, s) => Target::Tuple(items.into_iter().map(tidy_target).collect(), s),
        Target::Subscript(v, i, s) => Target::Subscript(tidy_expr(&v), tidy_expr(&i), s),
    }
}

/// `raise AssertionError` or `raise AssertionError(msg)` as `assert` makes
/// it: the message.
fn assertion(stmts: &[Stmt]) -> Option<Option<E>> {
    let [Stmt {
        kind: StmtKind::Raise(Some(exc), None),
        ..
    }] = stmts
    else {
        return None;
    };
    assertion_of(exc)
}

/// The message of the exception `assert` raises, if `exc` is one.
fn assertion_of(exc: &E) -> Option<Option<E>> {
    match &exc.kind {
        ExprKind::AssertionError => Some(None),
        ExprKind::Call {
            func,
            args,
            keywords,
        } if matches!(func.kind, ExprKind::AssertionError) && keywords.is_empty() => {
            match args.as_slice() {
                [m] => Some(Some(m.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The only statement of `stmts` if it assigns to one target.
fn single_assign(stmts: &[Stmt]) -> Option<(&Target, &E, u32)> {
    match stmts {
        [Stmt {
            kind: StmtKind::Assign { targets, value },
            span,
        }] if targets.len() == 1 => Some((&targets[0], value, span.line)),
        _ => None,
    }
}

fn single_return(stmts: &[Stmt]) -> Option<(&E, u32)> {
    match stmts {
        [Stmt {
            kind: StmtKind::Return(Some(v)),
            span,
        }] => Some((v, span.line)),
        _ => None,
    }
}

fn same_target(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Name(x, _), Target::Name(y, _)) => x == y,
        _ => false,
    }
}

impl Tidy<'_> {
    fn is_none(&self, e: &E) -> bool {
        matches!(e.kind, ExprKind::Const(k) if self.code.consts.get(k) == Some(&ConstDesc::None))
    }

    /// The function body.
    pub fn body(&self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        let mut out = self.block(stmts);
        if matches!(out.last().map(|s| &s.kind), Some(StmtKind::Return(None))) {
            out.pop();
        }
        out
    }

    fn block(&self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        let mut out: Vec<Stmt> = stmts.into_iter().map(|s| self.stmt(s)).collect();
        if self.factor {
            self.factor_exits(&mut out);
        }
        self.conditional_values(&mut out);
        out
    }

    fn stmt(&self, s: Stmt) -> Stmt {
        use StmtKind::*;
        let span = s.span;
        let kind = match s.kind {
            Assign { targets, value } => Assign {
                targets: targets.into_iter().map(tidy_target).collect(),
                value: tidy_expr(&value),
            },
            AugAssign { target, op, value } => AugAssign {
                target: tidy_target(target),
                op,
                value: tidy_expr(&value),
            },
            Expr(e) => Expr(tidy_expr(&e)),
            Return(Some(v)) if self.is_none(&v) => Return(None),
            Return(v) => Return(v.as_ref().map(tidy_expr)),
            If { test, body, orelse } => {
                if orelse.is_empty() {
                    if let Some(msg) = assertion(&body) {
                        let test = tidy_expr(&negate(test));
                        return Stmt {
                            kind: Assert {
                                test,
                                msg: msg.as_ref().map(tidy_expr),
                            },
                            span,
                        };
                    }
                }
                If {
                    test: tidy_expr(&test),
                    body: self.block(body),
                    orelse: self.block(orelse),
                }
            }
            While { test, body, orelse } => While {
                test: tidy_expr(&test),
                body: self.block(body),
                orelse: self.block(orelse),
            },
            For {
                target,
                iter,
                body,
                orelse,
            } => For {
                target: tidy_target(target),
                iter: tidy_expr(&iter),
                body: self.block(body),
                orelse: self.block(orelse),
            },
            // `assert <false constant>, m` raises without a test.
            Raise(Some(e), None) if assertion_of(&e).is_some() => Assert {
                test: expr(ExprKind::Literal(super::tree::Literal::False), span),
                msg: assertion_of(&e).flatten().as_ref().map(tidy_expr),
            },
            Raise(e, c) => Raise(e.as_ref().map(tidy_expr), c.as_ref().map(tidy_expr)),
            Assert { test, msg } => Assert {
                test: tidy_expr(&test),
                msg: msg.as_ref().map(tidy_expr),
            },
            k @ (Break | Continue | Pass | ForTarget(_) | Exit(_)) => k,
        };
        Stmt { kind, span }
    }

    /// `if c: A; S` + `B; S` (S ending with a return) as
    /// `if c: A else: B` + `S`, innermost first.
    fn factor_exits(&self, out: &mut Vec<Stmt>) {
        let mut i = out.len();
        while i > 0 {
            i -= 1;
            let k = match &out[i].kind {
                StmtKind::If { body, orelse, .. } if orelse.is_empty() => {
                    let rest = &out[i + 1..];
                    let mut k = 0;
                    while k < body.len()
                        && k < rest.len()
                        && same_stmt(&body[body.len() - 1 - k], &rest[rest.len() - 1 - k])
                    {
                        k += 1;
                    }
                    // The common part must end the function's path and
                    // leave something before it on at least one side.
                    if k == 0 || k == body.len() || falls_through(&rest[rest.len() - k..]) {
                        0
                    } else {
                        k
                    }
                }
                _ => 0,
            };
            if k == 0 {
                continue;
            }
            let tail = out.split_off(out.len() - k);
            let middle = out.split_off(i + 1);
            let stmt = out.pop().expect("the if");
            let StmtKind::If { test, mut body, .. } = stmt.kind else {
                unreachable!("matched above")
            };
            body.truncate(body.len() - k);
            out.push(Stmt {
                kind: StmtKind::If {
                    test,
                    body,
                    orelse: middle,
                },
                span: stmt.span,
            });
            out.extend(tail);
        }
    }

    /// One-line `if`/`else` assigning or returning one value per branch
    /// as a conditional expression.
    fn conditional_values(&self, out: &mut Vec<Stmt>) {
        // Last first: `return a if c else (b if d else e)`.
        let mut i = out.len();
        while i > 0 {
            i -= 1;
            let line = out[i].span.line;
            let replacement = match &out[i].kind {
                StmtKind::If { test, body, orelse } => {
                    let assign = single_assign(body).zip(single_assign(orelse)).filter(
                        |((t1, _, l1), (t2, _, l2))| {
                            *l1 == line && *l2 == line && same_target(t1, t2)
                        },
                    );
                    let ret = single_return(body).zip(if orelse.is_empty() {
                        out.get(i + 1)
                            .and_then(|s| single_return(std::slice::from_ref(s)))
                    } else {
                        single_return(orelse)
                    });
                    if let Some(((target, v1, _), (_, v2, _))) = assign {
                        let value = expr(
                            ExprKind::IfExp {
                                test: test.clone(),
                                body: v1.clone(),
                                orelse: v2.clone(),
                            },
                            test.span,
                        );
                        let target = match target {
                            Target::Name(n, s) => Target::Name(n.clone(), *s),
                            _ => unreachable!(),
                        };
                        Some((
                            StmtKind::Assign {
                                targets: vec![target],
                                value,
                            },
                            orelse.is_empty(),
                        ))
                    } else if let Some(((v1, _), (v2, _))) =
                        ret.filter(|((_, l1), (_, l2))| *l1 == line && *l2 == line)
                    {
                        let value = expr(
                            ExprKind::IfExp {
                                test: test.clone(),
                                body: v1.clone(),
                                orelse: v2.clone(),
                            },
                            test.span,
                        );
                        Some((StmtKind::Return(Some(value)), orelse.is_empty()))
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some((kind, hoisted)) = replacement {
                let span = match &kind {
                    StmtKind::Assign { targets, .. } => targets[0].span(),
                    _ => out[i].span,
                };
                out[i] = Stmt { kind, span };
                if hoisted {
                    out.remove(i + 1);
                }
            }
        }
    }
}
