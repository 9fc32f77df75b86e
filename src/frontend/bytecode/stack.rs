//! Symbolic execution of straight-line operations: the value stack holds
//! expressions instead of values, and stores become statements.
//!
//! A statement is complete when the stack is back at its base (what the
//! enclosing loops keep there: iterators). Stores made while other values
//! are still waiting form one assignment: copies of one value are
//! `a = b = v`, different values a parallel assignment `a, b = b, a` (the
//! compiler's `SWAP`s have already put each value with its target), and
//! the parts of an `UNPACK_SEQUENCE` a tuple target. An in-place operation
//! stored back into its own operand is `x += v`.

use std::rc::Rc;

use super::read::{CallForm, Code, ConstDesc, Op};
use super::tree::{expr, Expr, ExprKind, Literal, Stmt, StmtKind, Target, E};
use crate::error::Span;

/// Why the operations could not be rebuilt (a bug or an unusual compiler
/// output, never the user's fault; the caller reports the line).
#[derive(Debug)]
pub struct Fail {
    pub what: String,
    pub line: u32,
}

pub type R<T> = Result<T, Fail>;

pub fn fail<T>(span: Span, what: impl Into<String>) -> R<T> {
    if std::env::var("JITUFUNC_BYTECODE_TRACE").is_ok() {
        let what: String = what.into();
        eprintln!(
            "fail: {what} (line {})\n{}",
            span.line,
            std::backtrace::Backtrace::force_capture()
        );
        return Err(Fail {
            what,
            line: span.line,
        });
    }
    Err(Fail {
        what: what.into(),
        line: span.line,
    })
}

/// Whether `a` and `b` are copies of one value (a slice is rebuilt from
/// copies of its bounds).
fn same_copy(a: &E, b: &E) -> bool {
    let opt = |x: &Option<E>, y: &Option<E>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => Rc::ptr_eq(x, y),
        _ => false,
    };
    match (&a.kind, &b.kind) {
        (ExprKind::Slice(a1, b1, c1), ExprKind::Slice(a2, b2, c2)) => {
            opt(a1, a2) && opt(b1, b2) && opt(c1, c2)
        }
        _ => Rc::ptr_eq(a, b),
    }
}

/// The first operation that computed part of `e`.
fn first_origin(e: &E) -> usize {
    if e.origin != super::tree::NO_ORIGIN {
        return e.origin;
    }
    let mut first = e.origin;
    let mut visit = |x: &E| first = first.min(first_origin(x));
    match &e.kind {
        ExprKind::IfExp { test, body, orelse } => {
            visit(test);
            visit(body);
            visit(orelse);
        }
        ExprKind::BoolOp(_, values) | ExprKind::Tuple(values) | ExprKind::List(values) => {
            values.iter().for_each(visit)
        }
        ExprKind::Compare(l, _) | ExprKind::Unary(_, l) | ExprKind::Attribute(l, _) => visit(l),
        ExprKind::Binary { left, .. } => visit(left),
        ExprKind::Call { func, .. } => visit(func),
        ExprKind::Subscript(v, _) => visit(v),
        _ => {}
    }
    first
}

/// An `UNPACK_SEQUENCE` waiting for all its parts to be stored.
struct Group {
    source: E,
    slots: Vec<Option<Target>>,
    span: Span,
}

pub struct Sim<'c> {
    code: &'c Code,
    pub stack: Vec<E>,
    /// Stack depth between statements.
    pub base: usize,
    pub out: Vec<Stmt>,
    /// No statements allowed (rebuilding a value or a condition).
    pub expr_only: bool,
    pending: Vec<(Target, E)>,
    pending_span: Span,
    groups: Vec<Group>,
    /// The operation being run (the origin of what it pushes).
    pub origin: usize,
    /// Set when a `POP_TOP` removes an iterator: (the iterator, the stack
    /// depth after, the number of statements then).
    pub popped_iter: Option<(E, usize, usize)>,
    /// A `NOP` between statements is a `pass` (else nothing: CPython
    /// also keeps the `NOP`s of jumps it removed, for their lines).
    pub nops_as_pass: bool,
}

impl<'c> Sim<'c> {
    pub fn new(code: &'c Code, stack: Vec<E>, base: usize, expr_only: bool) -> Sim<'c> {
        Sim {
            code,
            stack,
            base,
            out: vec![],
            expr_only,
            pending: vec![],
            pending_span: Span::default(),
            groups: vec![],
            origin: super::tree::NO_ORIGIN,
            popped_iter: None,
            nops_as_pass: true,
        }
    }

    pub fn pop(&mut self, span: Span) -> R<E> {
        match self.stack.pop() {
            Some(e) => Ok(e),
            None => fail(span, "the value stack ran empty"),
        }
    }

    fn pop_n(&mut self, n: usize, span: Span) -> R<Vec<E>> {
        if self.stack.len() < n {
            return fail(span, "the value stack ran empty");
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    pub fn push(&mut self, kind: ExprKind, span: Span) {
        self.stack.push(Rc::new(Expr {
            kind,
            span,
            origin: self.origin,
        }));
    }

    /// Whether a statement is still being put together.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty() || !self.groups.is_empty()
    }

    pub fn emit(&mut self, kind: StmtKind, span: Span) -> R<()> {
        if self.expr_only {
            return fail(span, "a statement inside an expression");
        }
        self.out.push(Stmt { kind, span });
        Ok(())
    }

    fn is_none_const(&self, e: &E) -> bool {
        matches!(e.kind, ExprKind::Const(k) if self.code.consts.get(k) == Some(&ConstDesc::None))
            || matches!(e.kind, ExprKind::Literal(Literal::None))
    }

    /// Runs one straight-line operation (not a jump, return or raise).
    pub fn step(&mut self, op: &Op, span: Span) -> R<()> {
        let null_first = self.code.call_null_first();
        match op {
            Op::LoadFast(n) => self.push(ExprKind::Name(n.clone()), span),
            Op::LoadConst(k) => self.push(ExprKind::Const(*k), span),
            Op::LoadGlobal { name, null } => {
                if *null && null_first {
                    self.push(ExprKind::Null, span);
                }
                self.push(ExprKind::Name(name.clone()), span);
                if *null && !null_first {
                    self.push(ExprKind::Null, span);
                }
            }
            Op::LoadAttr { name, method } => {
                let v = self.pop(span)?;
                let a = expr(ExprKind::Attribute(v, name.clone()), span);
                if *method && null_first {
                    self.push(ExprKind::Null, span);
                }
                self.stack.push(a);
                if *method && !null_first {
                    self.push(ExprKind::Null, span);
                }
            }
            Op::PushNull => self.push(ExprKind::Null, span),
            // `pass` (its line is kept); nothing inside an expression.
            Op::Nop => {
                if self.nops_as_pass
                    && !self.expr_only
                    && self.stack.len() == self.base
                    && !self.busy()
                {
                    self.emit(StmtKind::Pass, span)?;
                }
            }
            Op::Call { argc, kw, form } => {
                let mut args = self.pop_n(*argc, span)?;
                let func = match form {
                    CallForm::Plain => self.pop(span)?,
                    CallForm::NullFirst => {
                        let y = self.pop(span)?;
                        let x = self.pop(span)?;
                        if matches!(x.kind, ExprKind::Null) {
                            y
                        } else {
                            args.insert(0, y);
                            x
                        }
                    }
                    CallForm::NullAfter => {
                        let y = self.pop(span)?;
                        let x = self.pop(span)?;
                        if !matches!(y.kind, ExprKind::Null) {
                            args.insert(0, y);
                        }
                        x
                    }
                };
                if matches!(func.kind, ExprKind::Null) || args.len() < kw.len() {
                    return fail(span, "a call without a callable");
                }
                let values = args.split_off(args.len() - kw.len());
                let keywords = kw.iter().cloned().zip(values).collect();
                self.push(
                    ExprKind::Call {
                        func,
                        args,
                        keywords,
                    },
                    span,
                );
            }
            Op::Binary { op, inplace } => {
                let right = self.pop(span)?;
                let left = self.pop(span)?;
                self.push(
                    ExprKind::Binary {
                        op,
                        left,
                        right,
                        inplace: *inplace,
                    },
                    span,
                );
            }
            Op::Unary(op) => {
                let v = self.pop(span)?;
                self.push(ExprKind::Unary(op, v), span);
            }
            Op::Compare(op) => {
                let right = self.pop(span)?;
                let left = self.pop(span)?;
                self.push(ExprKind::Compare(left, vec![(*op, right)]), span);
            }
            Op::Subscr => {
                let index = self.pop(span)?;
                let value = self.pop(span)?;
                self.push(ExprKind::Subscript(value, index), span);
            }
            Op::BinarySlice => {
                let upper = self.pop(span)?;
                let lower = self.pop(span)?;
                let value = self.pop(span)?;
                let slice = self.slice(Some(lower), Some(upper), None, span);
                self.push(ExprKind::Subscript(value, slice), span);
            }
            Op::StoreSubscr => {
                let index = self.pop(span)?;
                let container = self.pop(span)?;
                let value = self.pop(span)?;
                self.store(Target::Subscript(container, index, span), value, span)?;
            }
            Op::StoreSlice => {
                let upper = self.pop(span)?;
                let lower = self.pop(span)?;
                let container = self.pop(span)?;
                let value = self.pop(span)?;
                let slice = self.slice(Some(lower), Some(upper), None, span);
                self.store(Target::Subscript(container, slice, span), value, span)?;
            }
            Op::BuildTuple(n) => {
                let items = self.pop_n(*n, span)?;
                self.push(ExprKind::Tuple(items), span);
            }
            Op::BuildList(n) => {
                let items = self.pop_n(*n, span)?;
                self.push(ExprKind::List(items), span);
            }
            Op::ListExtend(n) => {
                let items = self.pop(span)?;
                let at = self.stack.len().checked_sub(*n);
                let list = at.and_then(|k| self.stack.get(k)).cloned();
                match (list.as_deref().map(|l| &l.kind), &items.kind) {
                    (Some(ExprKind::List(elts)), ExprKind::Const(k)) => {
                        let mut elts = elts.clone();
                        elts.push(expr(ExprKind::ConstItems(*k), items.span));
                        let k = at.expect("checked");
                        self.stack[k] = expr(ExprKind::List(elts), list.expect("checked").span);
                    }
                    _ => return fail(span, "a list built from something other than constants"),
                }
            }
            Op::BuildSlice(n) => {
                let step = if *n == 3 { Some(self.pop(span)?) } else { None };
                let upper = self.pop(span)?;
                let lower = self.pop(span)?;
                let slice = self.slice(Some(lower), Some(upper), step, span);
                self.stack.push(slice);
            }
            Op::Unpack(n) => {
                let source = self.pop(span)?;
                let group = self.groups.len();
                self.groups.push(Group {
                    source,
                    slots: (0..*n).map(|_| None).collect(),
                    span,
                });
                for index in (0..*n).rev() {
                    self.push(ExprKind::Unpacked { group, index }, span);
                }
            }
            Op::GetIter => {
                let v = self.pop(span)?;
                self.push(ExprKind::Iter(v), span);
            }
            Op::LoadAssertionError => self.push(ExprKind::AssertionError, span),
            Op::PopTop => {
                let v = self.pop(span)?;
                match &v.kind {
                    ExprKind::Iter(_) => {
                        self.popped_iter = Some((v.clone(), self.stack.len(), self.out.len()))
                    }
                    ExprKind::Null => {}
                    // A copy still in use elsewhere (`a and b` keeps `a`).
                    _ if Rc::strong_count(&v) > 1 => {}
                    _ if !self.expr_only && self.stack.len() == self.base && !self.busy() => {
                        let s = v.span;
                        self.emit(StmtKind::Expr(v), s)?;
                    }
                    _ => return fail(span, "a value computed and dropped"),
                }
            }
            Op::Copy(n) => match self.stack.len().checked_sub(*n) {
                Some(k) => {
                    let v = self.stack[k].clone();
                    self.stack.push(v);
                }
                None => return fail(span, "the value stack ran empty"),
            },
            Op::Swap(n) => {
                let len = self.stack.len();
                if *n > len {
                    return fail(span, "the value stack ran empty");
                }
                self.stack.swap(len - 1, len - n);
            }
            Op::StoreFast(n) => {
                let v = self.pop(span)?;
                self.store(Target::Name(n.clone(), span), v, span)?;
            }
            Op::ForIter { .. } | Op::Jump(_) | Op::CondJump { .. } | Op::Return | Op::Raise(_) => {
                return fail(span, "a jump in straight-line code")
            }
        }
        Ok(())
    }

    /// A slice; `None` bounds are left out, as written.
    fn slice(&self, lower: Option<E>, upper: Option<E>, step: Option<E>, span: Span) -> E {
        let keep = |e: Option<E>| e.filter(|e| !self.is_none_const(e));
        expr(ExprKind::Slice(keep(lower), keep(upper), keep(step)), span)
    }

    /// Stores `value` into `target`.
    fn store(&mut self, target: Target, value: E, span: Span) -> R<()> {
        if self.expr_only {
            return fail(span, "an assignment inside an expression");
        }
        match &value.kind {
            ExprKind::ForItem => {
                if self.busy() {
                    return fail(span, "a loop target among other assignments");
                }
                return self.emit(StmtKind::ForTarget(target), span);
            }
            ExprKind::Unpacked { group, index } => {
                let (group, index) = (*group, *index);
                // Parts are stored innermost unpacking first.
                if group + 1 != self.groups.len() {
                    return fail(span, "an unpacking out of order");
                }
                let g = &mut self.groups[group];
                g.slots[index] = Some(target);
                if g.slots.iter().all(|s| s.is_some()) {
                    let g = self.groups.pop().expect("exists");
                    let targets = g.slots.into_iter().map(|s| s.expect("all set")).collect();
                    return self.store(Target::Tuple(targets, g.span), g.source, g.span);
                }
                return Ok(());
            }
            ExprKind::Binary {
                op,
                left,
                right,
                inplace: true,
            } => {
                let own_operand = match (&target, &left.kind) {
                    (Target::Name(t, _), ExprKind::Name(l)) => t == l,
                    (Target::Subscript(c, i, _), ExprKind::Subscript(lc, li)) => {
                        Rc::ptr_eq(c, lc) && same_copy(i, li)
                    }
                    _ => false,
                };
                if !own_operand || self.busy() || self.stack.len() != self.base {
                    return fail(span, "an in-place operation that is not 'x op= y'");
                }
                let kind = StmtKind::AugAssign {
                    target,
                    op,
                    value: right.clone(),
                };
                return self.emit(kind, span);
            }
            _ => {}
        }
        if self.pending.is_empty() {
            self.pending_span = span;
        }
        self.pending.push((target, value));
        if self.stack.len() > self.base || !self.groups.is_empty() {
            return Ok(()); // more stores to come
        }
        let mut pending = std::mem::take(&mut self.pending);
        let span = self.pending_span;
        // `a, b = x, y`: the values in the order they were computed (the
        // compiler may store in any order).
        pending.sort_by_key(|(_, v)| first_origin(v));
        let first = pending[0].1.clone();
        let kind = if pending.iter().all(|(_, v)| Rc::ptr_eq(v, &first)) {
            StmtKind::Assign {
                targets: pending.into_iter().map(|(t, _)| t).collect(),
                value: first,
            }
        } else {
            let (targets, values): (Vec<Target>, Vec<E>) = pending.into_iter().unzip();
            let tspan = targets[0].span();
            StmtKind::Assign {
                targets: vec![Target::Tuple(targets, tspan)],
                value: expr(ExprKind::Tuple(values), first.span),
            }
        };
        self.emit(kind, span)
    }
}
