//! Rebuilding structured control flow from the graph of operations.
//!
//! One walk (`run`) goes through the blocks in control-flow order with a
//! symbolic stack (`stack::Sim`), turning straight-line operations into
//! statements, until it reaches its stop block. At a conditional jump:
//!
//! - a **condition** is put together first: blocks that only test (no
//!   statements) and whose predecessors all belong to it are absorbed, so
//!   `a and b`, `a or not b`, `x if c else y` and chained comparisons in an
//!   `if` or `while` test become one expression with two exits;
//! - if the exits carry values (the stack is above its base, or the jump
//!   keeps its operand) the branch is an **expression**: both arms are
//!   walked to the immediate post-dominator and their values merged into
//!   `a and b`, `a or b` or `x if c else y`;
//! - otherwise it is a **statement**: the then-branch is what follows the
//!   test in the bytecode, the else-branch exists when the then-branch ends
//!   with a forward jump over it. A branch that leaves (returns, breaks,
//!   continues) is followed by the rest, as written.
//!
//! Loops: a `FOR_ITER` block heads a `for` loop (a `break` pops the
//! iterator, then jumps); a test whose then-block heads a loop that ends
//! with the same test is a `while` loop (CPython repeats the test at the
//! bottom); any other loop header is `while True`. A `continue` is a jump
//! to the loop's header, a `break` a jump to the block after the loop.

use std::rc::Rc;

use super::cfg::Cfg;
use super::read::{Code, Op, When};
use super::stack::{fail, Sim, R};
use super::tree::{expr, same_block, same_expr, same_origin, ExprKind, Literal, Stmt, StmtKind, E};
use crate::error::Span;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Statements (a function body, a branch).
    Stmt,
    /// A value: no statements, ends at the stop block.
    Expr,
    /// A test: no statements, ends at the first statement-level branch.
    Cond,
}

/// One way out of a test: the block (its first `skip` operations
/// already done: pops of temporaries) and the stack there, and the
/// trivial blocks (jumps, pops) passed on the way.
#[derive(Clone)]
struct Edge {
    block: usize,
    skip: usize,
    stack: Vec<E>,
    through: Vec<usize>,
}

impl Edge {
    fn new(block: usize, stack: Vec<E>) -> Edge {
        Edge {
            block,
            skip: 0,
            stack,
            through: vec![],
        }
    }
}

/// A test with its two exits: `t` when it is true, `f` when false.
#[derive(Clone)]
pub struct Cond {
    test: E,
    t: Edge,
    f: Edge,
    /// The blocks it spans.
    blocks: Vec<usize>,
    /// Its last block in bytecode order, and where that block falls
    /// through to (the then-branch), through these trivial blocks.
    last: usize,
    fall: usize,
    fall_through: Vec<usize>,
}

pub enum Flow {
    /// Reached the stop block with this stack.
    Fell(Vec<E>),
    /// Left by a return, raise, break or continue.
    Ended,
    /// (`Mode::Cond`) the test.
    Branch(Cond),
}

enum LoopKind {
    For {
        iter: E,
    },
    /// `end`: the test at the bottom (test, body block, exit block).
    While {
        end: Option<(E, usize, usize)>,
    },
}

struct LoopCtx {
    kind: LoopKind,
    header: usize,
    continues: Vec<usize>,
    break_target: Option<usize>,
    /// (`for`) where breaks jumped.
    breaks: Vec<usize>,
    /// (`for`) the code CPython copied into a `break` instead of jumping
    /// to it (it ends with a return).
    exits: Vec<Vec<Stmt>>,
}

enum Next {
    Goto(usize),
    Ended,
    LoopEnd,
}

pub struct Rebuilder<'c> {
    code: &'c Code,
    cfg: Cfg,
    loops: Vec<LoopCtx>,
    /// Operations of its first block the next `run` starts after.
    pending_skip: usize,
    /// Blocks walked, to give up on runaway walks.
    budget: usize,
    /// Walks in progress (nested), to give up before the stack runs out.
    depth: usize,
    /// `NOP`s between statements are `pass` statements (see `Sim`).
    pub nops_as_pass: bool,
}

/// The stacks two arms of an expression leave merged: the same values
/// below, and the arms' values combined on top.
fn merge_stacks(c: &Cond, st: Vec<E>, sf: Vec<E>) -> R<Vec<E>> {
    let span = c.test.span;
    if st.len() != sf.len() || st.is_empty() {
        return fail(span, "an expression whose branches leave different values");
    }
    let n = st.len();
    if st[..n - 1]
        .iter()
        .zip(&sf[..n - 1])
        .any(|(a, b)| !Rc::ptr_eq(a, b))
    {
        return fail(span, "an expression whose branches leave different values");
    }
    let (vt, vf) = (st[n - 1].clone(), sf[n - 1].clone());
    // Code CPython shares between the arms (jumps threaded through
    // `a and b or c`, `(a or b) and c`) shows twice.
    let shared_last = |v: &E, and: bool, other: &E| match &v.kind {
        ExprKind::BoolOp(a, values) if *a == and => values
            .last()
            .filter(|x| same_origin(x, other))
            .map(|_| values[..values.len() - 1].to_vec()),
        _ => None,
    };
    let value = if let Some(rest) = shared_last(&vt, false, &vf) {
        // `c ? (r or X) : X` is `(c and r) or X`.
        let mut inner = vec![c.test.clone()];
        inner.extend(rest);
        let left = expr(ExprKind::BoolOp(true, inner), span);
        bool_op(false, left, vf)
    } else if let Some(rest) = shared_last(&vf, true, &vt) {
        // `c ? X : (r and X)` is `(c or r) and X`.
        let mut inner = vec![c.test.clone()];
        inner.extend(rest);
        let left = expr(ExprKind::BoolOp(false, inner), span);
        bool_op(true, left, vt)
    } else if Rc::ptr_eq(&vt, &c.test) {
        bool_op(false, c.test.clone(), vf)
    } else if Rc::ptr_eq(&vf, &c.test) {
        bool_op(true, c.test.clone(), vt)
    } else if c.fall == c.f.block && c.fall != c.t.block {
        // The arm after the test in the bytecode is the first arm.
        expr(
            ExprKind::IfExp {
                test: not(c.test.clone()),
                body: vf,
                orelse: vt,
            },
            span,
        )
    } else {
        expr(
            ExprKind::IfExp {
                test: c.test.clone(),
                body: vt,
                orelse: vf,
            },
            span,
        )
    };
    let mut stack = st;
    stack[n - 1] = value;
    Ok(stack)
}

/// Whether a return is among `stmts` (not inside loops).
fn contains_return(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::If { body, orelse, .. } => contains_return(body) || contains_return(orelse),
        _ => false,
    })
}

/// Whether `a` and `b` are the same code at the same lines (one copied
/// from the other).
fn same_lines(a: &[Stmt], b: &[Stmt]) -> bool {
    same_block(a, b) && a.iter().zip(b).all(|(x, y)| x.span.line == y.span.line)
}

/// `stmts` with each `Exit(k)` marker replaced by `code(k)` (not inside
/// nested loops: theirs are theirs).
fn fill_exits(stmts: Vec<Stmt>, code: &dyn Fn(usize) -> Vec<Stmt>) -> Vec<Stmt> {
    let mut out = vec![];
    for s in stmts {
        match s.kind {
            StmtKind::Exit(k) => out.extend(code(k)),
            StmtKind::If { test, body, orelse } => out.push(Stmt {
                kind: StmtKind::If {
                    test,
                    body: fill_exits(body, code),
                    orelse: fill_exits(orelse, code),
                },
                span: s.span,
            }),
            _ => out.push(s),
        }
    }
    out
}

/// `stmts` with every ending that is `rest`'s ending, at the same lines
/// (code CPython copied into a `break`), replaced by `break`; `copied`
/// becomes the longest such ending.
fn replace_copies(mut stmts: Vec<Stmt>, rest: &[Stmt], copied: &mut usize) -> Vec<Stmt> {
    for k in (1..=stmts.len().min(rest.len())).rev() {
        if same_lines(&stmts[stmts.len() - k..], &rest[rest.len() - k..]) {
            let span = stmts[stmts.len() - k].span;
            stmts.truncate(stmts.len() - k);
            stmts.push(Stmt {
                kind: StmtKind::Break,
                span,
            });
            *copied = (*copied).max(k);
            return stmts;
        }
    }
    stmts
        .into_iter()
        .map(|s| match s.kind {
            StmtKind::If { test, body, orelse } => Stmt {
                kind: StmtKind::If {
                    test,
                    body: replace_copies(body, rest, copied),
                    orelse: replace_copies(orelse, rest, copied),
                },
                span: s.span,
            },
            _ => s,
        })
        .collect()
}

/// The outcome of an expression's branch.
enum Merged {
    /// The stack where the arms meet, and that block.
    Joined(Vec<E>, usize),
    /// Both arms return: the value.
    Returned(E),
}

/// The `not` operators of a test's `and`/`or` structure.
fn count_nots(e: &E) -> usize {
    match &e.kind {
        ExprKind::Unary("Not", x) => 1 + count_nots(x),
        ExprKind::BoolOp(_, values) => values.iter().map(count_nots).sum(),
        _ => 0,
    }
}

/// Whether `a` ends with the value `b` starts with (`a < b and b < c`).
fn chained(a: &E, b: &E) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Compare(_, rest), ExprKind::Compare(left, _)) => {
            rest.last().is_some_and(|(_, c)| Rc::ptr_eq(c, left))
        }
        _ => false,
    }
}

/// `not e`, with as few `not`s as De Morgan allows (both forms compile
/// to the same jumps).
fn not(e: E) -> E {
    let span = e.span;
    match &e.kind {
        ExprKind::Unary("Not", x) => return x.clone(),
        ExprKind::BoolOp(and, values) if !values.windows(2).any(|w| chained(&w[0], &w[1])) => {
            let flipped = expr(
                ExprKind::BoolOp(!and, values.iter().cloned().map(not).collect()),
                span,
            );
            if count_nots(&flipped) < 1 + count_nots(&e) {
                return flipped;
            }
        }
        _ => {}
    }
    expr(ExprKind::Unary("Not", e), span)
}

fn bool_op(and: bool, a: E, b: E) -> E {
    let span = a.span;
    expr(ExprKind::BoolOp(and, vec![a, b]), span)
}

impl<'c> Rebuilder<'c> {
    pub fn new(code: &'c Code) -> Rebuilder<'c> {
        let cfg = Cfg::new(&code.instrs);
        let budget = 50 * (cfg.blocks.len() + 1) * (cfg.blocks.len() + 1);
        Rebuilder {
            code,
            cfg,
            loops: vec![],
            pending_skip: 0,
            depth: 0,
            budget,
            nops_as_pass: true,
        }
    }

    /// The function body.
    pub fn body(&mut self) -> R<Vec<Stmt>> {
        if self.code.instrs.is_empty() {
            return fail(Span::default(), "no instructions");
        }
        let (out, flow) = self.run(0, vec![], 0, None, Mode::Stmt, false)?;
        match flow {
            Flow::Ended => Ok(out),
            _ => fail(Span::default(), "the function does not end with a return"),
        }
    }

    fn span_of(&self, b: usize) -> Span {
        self.code.instrs[self.cfg.blocks[b].start].span
    }

    fn block_at(&self, k: usize, span: Span) -> R<usize> {
        match self.cfg.block_at(k) {
            Some(b) => Ok(b),
            None => fail(span, "a jump outside the function"),
        }
    }

    fn active(&self, b: usize) -> bool {
        self.loops.iter().any(|l| l.header == b)
    }

    fn is_for_header(&self, b: usize) -> bool {
        matches!(
            self.cfg.terminator(&self.code.instrs, b),
            Some(Op::ForIter { .. })
        ) && self.cfg.blocks[b].end - self.cfg.blocks[b].start == 1
    }

    /// Walks from block `start` with `stack` until `stop` (see `Mode`).
    fn run(
        &mut self,
        start: usize,
        stack: Vec<E>,
        base: usize,
        stop: Option<usize>,
        mode: Mode,
        entry: bool,
    ) -> R<(Vec<Stmt>, Flow)> {
        if self.depth > 200 {
            return fail(self.span_of(start), "the control flow is nested too deeply");
        }
        if self.depth > 180 && std::env::var("JITUFUNC_BYTECODE_TRACE").is_ok() {
            eprintln!("deep run: depth {} start {start} stop {stop:?} mode {mode:?} entry {entry} loops {:?}", self.depth, self.loops.iter().map(|l| l.header).collect::<Vec<_>>());
        }
        self.depth += 1;
        let r = self.walk(start, stack, base, stop, mode, entry);
        self.depth -= 1;
        r
    }

    fn walk(
        &mut self,
        start: usize,
        stack: Vec<E>,
        base: usize,
        stop: Option<usize>,
        mode: Mode,
        entry: bool,
    ) -> R<(Vec<Stmt>, Flow)> {
        let code = self.code;
        let mut sim = Sim::new(code, stack, base, mode != Mode::Stmt);
        sim.nops_as_pass = self.nops_as_pass;
        let mut cur = start;
        let mut first = true;
        let mut skip = std::mem::take(&mut self.pending_skip);
        // The jump that led to the current block (none at the start: the
        // enclosing statement's).
        let mut came_by = Span::default();
        loop {
            if self.budget == 0 {
                return fail(self.span_of(cur), "the control flow is too involved");
            }
            self.budget -= 1;
            let span = self.span_of(cur);
            let skip_checks = first && (entry || skip > 0);
            let from = std::mem::take(&mut skip);
            first = false;
            if Some(cur) == stop && !skip_checks {
                if sim.busy() {
                    return fail(span, "an assignment split across branches");
                }
                return Ok((sim.out, Flow::Fell(sim.stack)));
            }
            if mode == Mode::Stmt && !skip_checks {
                if let Some(l) = self.loops.last() {
                    let kind = if l.continues.contains(&cur) {
                        Some(StmtKind::Continue)
                    } else if l.break_target == Some(cur) {
                        Some(StmtKind::Break)
                    } else {
                        None
                    };
                    if let Some(kind) = kind {
                        if sim.busy() || sim.stack.len() != base {
                            return fail(span, "a jump out of a loop inside an expression");
                        }
                        // At the line of the jump that got here (a
                        // `continue` statement's own, or the end of a
                        // branch CPython jumps from).
                        sim.emit(kind, Span::line(came_by.line))?;
                        return Ok((sim.out, Flow::Ended));
                    }
                }
                // Only `continue` goes to an enclosing loop's header.
                if self.active(cur) {
                    return fail(span, "a jump to an enclosing loop's start");
                }
                let next = if self.is_for_header(cur) {
                    Some(self.for_loop(cur, &mut sim, stop)?)
                } else if self.cfg.header[cur]
                    && !self.active(cur)
                    && !self.starts_while_test(cur, &sim)
                {
                    Some(self.while_true(cur, &mut sim)?)
                } else {
                    None
                };
                match next {
                    Some(Next::Goto(b)) => {
                        cur = b;
                        continue;
                    }
                    Some(Next::Ended) => return Ok((sim.out, Flow::Ended)),
                    Some(Next::LoopEnd) => return fail(span, "a loop ended twice"),
                    None => {}
                }
            }
            let block = &self.cfg.blocks[cur];
            let term = self.cfg.terminator(&code.instrs, cur);
            let body_end = if term.is_some() {
                block.end - 1
            } else {
                block.end
            };
            for k in block.start + from..body_end {
                sim.origin = k;
                sim.step(&code.instrs[k].op, code.instrs[k].span)?;
            }
            let breaking = self.take_break(&mut sim);
            let term_span = code.instrs[block.end - 1].span;
            came_by = term_span;
            let next = match term {
                None => match (cur + 1 < self.cfg.blocks.len()).then_some(cur + 1) {
                    Some(n) => n,
                    None => return fail(term_span, "control falls off the end"),
                },
                Some(Op::Jump(t)) => self.block_at(*t, term_span)?,
                Some(Op::Return) => {
                    let v = sim.pop(term_span)?;
                    if sim.expr_only {
                        return fail(term_span, "a return inside an expression");
                    }
                    let ret = Stmt {
                        kind: StmtKind::Return(Some(v.clone())),
                        span: term_span,
                    };
                    if let Some(at) = breaking {
                        // A `break` to code ending with a return, copied
                        // here; or a return of a constant from the loop.
                        // Decided with the code after the loop (`for_loop`).
                        let mut tail = sim.out.split_off(at);
                        tail.push(ret);
                        let l = self.loops.last_mut().expect("breaking in a loop");
                        l.exits.push(tail);
                        sim.emit(StmtKind::Exit(l.exits.len() - 1), term_span)?;
                    } else {
                        sim.out.push(ret);
                    }
                    return Ok((sim.out, Flow::Ended));
                }
                Some(Op::Raise(n)) => {
                    let (exc, cause) = match n {
                        0 => (None, None),
                        1 => (Some(sim.pop(term_span)?), None),
                        _ => {
                            let cause = sim.pop(term_span)?;
                            (Some(sim.pop(term_span)?), Some(cause))
                        }
                    };
                    let span = exc.as_ref().map_or(term_span, |e| e.span);
                    sim.emit(StmtKind::Raise(exc, cause), Span::line(span.line))?;
                    return Ok((sim.out, Flow::Ended));
                }
                Some(Op::ForIter { .. }) => return fail(term_span, "a loop inside an expression"),
                Some(Op::CondJump { target, when, keep }) => {
                    if breaking.is_some() {
                        return fail(term_span, "a test after leaving a loop");
                    }
                    let tb = self.block_at(*target, term_span)?;
                    let fb = cur + 1;
                    let test = if *keep {
                        match sim.stack.last() {
                            Some(t) => t.clone(),
                            None => return fail(term_span, "the value stack ran empty"),
                        }
                    } else {
                        sim.pop(term_span)?
                    };
                    let mut jstack = sim.stack.clone();
                    let mut fstack = sim.stack.clone();
                    if *keep {
                        fstack.pop();
                    }
                    let jump = Edge::new(tb, std::mem::take(&mut jstack));
                    let fall = Edge::new(fb, std::mem::take(&mut fstack));
                    let cond = if *keep {
                        self.simple_cond(cur, test, *when, jump, fall)
                    } else {
                        self.condition(cur, test, *when, jump, fall, base)?
                    };
                    let at_base = cond.t.stack.len() == base && cond.f.stack.len() == base;
                    if *keep || !at_base || mode == Mode::Expr {
                        match self.value_branch(cur, &cond, base, false)? {
                            Merged::Joined(stack, next) => {
                                sim.stack = stack;
                                cur = next;
                                continue;
                            }
                            Merged::Returned(v) => {
                                if mode != Mode::Stmt {
                                    return fail(term_span, "a return inside an expression");
                                }
                                sim.emit(StmtKind::Return(Some(v)), Span::line(term_span.line))?;
                                return Ok((sim.out, Flow::Ended));
                            }
                        }
                    }
                    if sim.busy() {
                        return fail(term_span, "an assignment split across branches");
                    }
                    if let Ok(Merged::Joined(stack, next)) =
                        self.value_branch(cur, &cond, base, true)
                    {
                        if mode == Mode::Cond {
                            // A value if the test goes on after it
                            // (`(x if c else y) > 0`); else this is the
                            // test (`a and c` in `x if (a and c) else y`).
                            let after = self.run(next, stack, base, None, Mode::Cond, false);
                            let found = match after {
                                Ok((out, Flow::Branch(c))) if out.is_empty() => c,
                                _ => cond,
                            };
                            return Ok((sim.out, Flow::Branch(found)));
                        }
                        sim.stack = stack;
                        cur = next;
                        continue;
                    }
                    if mode == Mode::Cond {
                        return Ok((sim.out, Flow::Branch(cond)));
                    }
                    match self.statement_branch(cur, cond, &mut sim, stop)? {
                        Next::Goto(b) => {
                            skip = std::mem::take(&mut self.pending_skip);
                            b
                        }
                        Next::Ended => return Ok((sim.out, Flow::Ended)),
                        Next::LoopEnd => return Ok((sim.out, Flow::Fell(sim.stack))),
                    }
                }
                Some(_) => return fail(term_span, "an unexpected jump"),
            };
            // A test does not go on into code other paths reach too.
            if mode == Mode::Cond && self.cfg.preds[next] != [cur] {
                return fail(term_span, "a test that joins other code");
            }
            if let Some(at) = breaking {
                if at != sim.out.len() {
                    return fail(term_span, "statements after leaving a loop");
                }
                let l = self.loops.last_mut().expect("breaking in a loop");
                l.breaks.push(next);
                sim.emit(StmtKind::Break, term_span)?;
                return Ok((sim.out, Flow::Ended));
            }
            cur = next;
        }
    }

    /// Whether the innermost `for` loop's iterator was just popped with
    /// nothing above it (a `break`): the statement count then.
    fn take_break(&self, sim: &mut Sim<'_>) -> Option<usize> {
        let (it, depth, at) = sim.popped_iter.take()?;
        match self.loops.last().map(|l| &l.kind) {
            Some(LoopKind::For { iter }) if Rc::ptr_eq(iter, &it) && depth + 1 == sim.base => {
                Some(at)
            }
            _ => None,
        }
    }

    /// A test whose jump keeps its operand: no absorbing.
    fn simple_cond(&self, cur: usize, test: E, when: When, jump: Edge, fall: Edge) -> Cond {
        let fall_block = fall.block;
        let (t, f) = if when == When::False {
            (fall, jump)
        } else {
            (jump, fall)
        };
        Cond {
            test,
            t,
            f,
            blocks: vec![cur],
            last: cur,
            fall: fall_block,
            fall_through: vec![],
        }
    }

    /// Follows an exit through blocks that only jump or drop temporaries
    /// on the test's `line` (a jump on a line of its own is a statement:
    /// `pass`, `continue`, `break`).
    fn resolve(&self, mut edge: Edge, base: usize, line: u32) -> Edge {
        let code = self.code;
        for _ in 0..self.cfg.blocks.len() {
            let b = edge.block;
            if self.cfg.header[b] || self.is_for_header(b) {
                break;
            }
            let block = &self.cfg.blocks[b];
            let first = &code.instrs[block.start + edge.skip];
            if first.span.line != line && first.span.line != 0 {
                break;
            }
            let term = self.cfg.terminator(&code.instrs, b);
            let body_end = if term.is_some() {
                block.end - 1
            } else {
                block.end
            };
            let next = match term {
                None => Some(b + 1),
                Some(Op::Jump(t)) => self.cfg.block_at(*t),
                Some(_) => None,
            }
            .filter(|&n| n < self.cfg.blocks.len());
            let mut stack = edge.stack.clone();
            let mut done = 0;
            for ins in &code.instrs[block.start + edge.skip..body_end] {
                match ins.op {
                    Op::PopTop if stack.len() > base => {
                        stack.pop();
                    }
                    Op::Swap(n) if n <= stack.len() && stack.len() - n >= base => {
                        let len = stack.len();
                        stack.swap(len - 1, len - n);
                    }
                    _ => break,
                }
                done += 1;
            }
            let Some(next) = next.filter(|_| edge.skip + done == body_end - block.start) else {
                // The pops, then other code (CPython copied code after a
                // chained comparison's cleanup).
                if done > 0 {
                    edge.skip += done;
                    edge.stack = stack;
                }
                break;
            };
            edge.through.push(b);
            edge.block = next;
            edge.skip = 0;
            edge.stack = stack;
        }
        edge
    }

    /// Whether two exits go the same way: to one place with as many
    /// values, or to copies of one returning sequence.
    fn same_exit(&self, a: &Edge, b: &Edge) -> bool {
        if a.stack.len() != b.stack.len() {
            return false;
        }
        if a.block == b.block && a.skip == b.skip {
            return true;
        }
        match (
            self.path_to_return(a.block, a.skip),
            self.path_to_return(b.block, b.skip),
        ) {
            // Copies, not one sequence reached two ways.
            (Some(x), Some(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(&y)
                        .all(|(&i, &j)| i != j && self.same_op(i, j))
            }
            _ => false,
        }
    }

    /// Of two exits that go the same way, the one to keep (not one that
    /// starts inside a block).
    fn keep(a: &Edge, b: &Edge) -> Edge {
        if a.skip > 0 && b.skip == 0 {
            b.clone()
        } else {
            a.clone()
        }
    }

    /// Whether operations `i` and `j` are copies of one another.
    fn same_op(&self, i: usize, j: usize) -> bool {
        let instrs = &self.code.instrs;
        // Python 3.10 has lines only (`read` makes up the columns).
        instrs[i].op == instrs[j].op
            && if self.code.minor < 11 {
                instrs[i].span.line == instrs[j].span.line
            } else {
                instrs[i].span == instrs[j].span
            }
    }

    /// `run` from an edge.
    fn run_edge(
        &mut self,
        e: &Edge,
        base: usize,
        stop: Option<usize>,
        mode: Mode,
    ) -> R<(Vec<Stmt>, Flow)> {
        self.pending_skip = e.skip;
        self.run(e.block, e.stack.clone(), base, stop, mode, false)
    }

    /// The test ending block `cur`, with the blocks after it that only
    /// extend it.
    fn condition(
        &mut self,
        cur: usize,
        test: E,
        when: When,
        jump: Edge,
        fall: Edge,
        base: usize,
    ) -> R<Cond> {
        let span = test.span;
        // `x is None` jumps as `POP_JUMP_IF_NOT_NONE`: the test is what
        // falls through, written without `not`.
        let (test, when) = match when {
            When::True | When::False => (test, when),
            When::None | When::NotNone => {
                let op = if when == When::None { "IsNot" } else { "Is" };
                let none = expr(ExprKind::Literal(Literal::None), span);
                (
                    expr(ExprKind::Compare(test, vec![(op, none)]), span),
                    When::False,
                )
            }
        };
        let line = self.code.instrs[self.cfg.blocks[cur].end - 1].span.line;
        let fall = self.resolve(fall, base, line);
        let jump = self.resolve(jump, base, line);
        let mut blocks = vec![cur];
        blocks.extend(fall.through.iter().copied());
        blocks.extend(jump.through.iter().copied());
        let fall_block = fall.block;
        let fall_through = fall.through.clone();
        let (t, f) = if when == When::False {
            (fall, jump)
        } else {
            (jump, fall)
        };
        let mut c = Cond {
            test,
            t,
            f,
            blocks,
            last: cur,
            fall: fall_block,
            fall_through,
        };
        loop {
            if let Some(n) = self.absorb(&c, base) {
                c = n;
            } else {
                return Ok(c);
            }
        }
    }

    /// Whether all of `b`'s predecessors are in `blocks`.
    fn only_from(&self, b: usize, blocks: &[usize]) -> bool {
        !blocks.contains(&b) && self.cfg.preds[b].iter().all(|p| blocks.contains(p))
    }

    /// The test that block `b` is, if it only tests.
    fn pure_cond(&mut self, e: &Edge, base: usize) -> Option<Cond> {
        let saved = self.budget;
        let r = self.run_edge(e, base, None, Mode::Cond);
        if self.budget == 0 {
            self.budget = saved / 2;
        }
        match r {
            Ok((out, Flow::Branch(c))) if out.is_empty() => Some(c),
            _ => None,
        }
    }

    /// `c` extended by one of the tests it leads to, if one fits.
    fn absorb(&mut self, c: &Cond, base: usize) -> Option<Cond> {
        // The tests it may absorb start where its exits are (above the
        // statement level inside an expression: `f(x if a and b else y)`).
        let base = base.max(c.t.stack.len().min(c.f.stack.len()));
        let joined = |c: &Cond, y: &Cond, test: E, t: Edge, f: Edge| {
            let mut blocks = c.blocks.clone();
            blocks.extend(y.blocks.iter().copied());
            let (last, fall, fall_through) = if y.last > c.last {
                (y.last, y.fall, y.fall_through.clone())
            } else {
                (c.last, c.fall, c.fall_through.clone())
            };
            Cond {
                test,
                t,
                f,
                blocks,
                last,
                fall,
                fall_through,
            }
        };
        let yt = if self.only_from(c.t.block, &c.blocks) {
            self.pure_cond(&c.t, base)
        } else {
            None
        };
        if let Some(y) = &yt {
            if self.same_exit(&y.f, &c.f) {
                let test = bool_op(true, c.test.clone(), y.test.clone());
                return Some(joined(c, y, test, y.t.clone(), Self::keep(&c.f, &y.f)));
            }
            if self.same_exit(&y.t, &c.f) {
                let test = bool_op(true, c.test.clone(), not(y.test.clone()));
                return Some(joined(c, y, test, y.f.clone(), Self::keep(&c.f, &y.t)));
            }
        }
        let yf = if self.only_from(c.f.block, &c.blocks) {
            self.pure_cond(&c.f, base)
        } else {
            None
        };
        if let Some(y) = &yf {
            if self.same_exit(&y.t, &c.t) {
                let test = bool_op(false, c.test.clone(), y.test.clone());
                return Some(joined(c, y, test, Self::keep(&c.t, &y.t), y.f.clone()));
            }
            if self.same_exit(&y.f, &c.t) {
                let test = bool_op(false, c.test.clone(), not(y.test.clone()));
                return Some(joined(c, y, test, Self::keep(&c.t, &y.f), y.t.clone()));
            }
        }
        // `if (a if c else b):`
        if let (Some(y), Some(z)) = (&yt, &yf) {
            // `y` as a test for `z`'s true exit.
            let y_test = if self.same_exit(&y.t, &z.t) && self.same_exit(&y.f, &z.f) {
                Some(y.test.clone())
            } else if self.same_exit(&y.f, &z.t) && self.same_exit(&y.t, &z.f) {
                Some(not(y.test.clone()))
            } else {
                None
            };
            if let Some(y_test) = y_test {
                let span = c.test.span;
                // The arm after the test in the bytecode is the first.
                let (test, body, orelse) = if c.fall == c.f.block {
                    (not(c.test.clone()), z.test.clone(), y_test)
                } else {
                    (c.test.clone(), y_test, z.test.clone())
                };
                let test = expr(ExprKind::IfExp { test, body, orelse }, span);
                let mut n = joined(c, y, test, z.t.clone(), z.f.clone());
                n.blocks.extend(z.blocks.iter().copied());
                if z.last > n.last {
                    n.last = z.last;
                    n.fall = z.fall;
                    n.fall_through = z.fall_through.clone();
                }
                return Some(n);
            }
        }
        None
    }

    /// Merges a branch whose arms compute a value: the stack at the join
    /// and the join block. `new_value`: the arms must push one value
    /// (the test was at statement level).
    fn value_branch(&mut self, cur: usize, c: &Cond, base: usize, new_value: bool) -> R<Merged> {
        let span = c.test.span;
        let Some(join) = self.cfg.ipdom(cur) else {
            if new_value {
                return fail(span, "an expression whose branches do not meet");
            }
            return Ok(Merged::Returned(self.returning_arms(c, base)?));
        };
        let (_, ft) = self.run_edge(&c.t, base, Some(join), Mode::Expr)?;
        let (_, ff) = self.run_edge(&c.f, base, Some(join), Mode::Expr)?;
        let (Flow::Fell(st), Flow::Fell(sf)) = (ft, ff) else {
            return fail(span, "an expression whose branches do not meet");
        };
        if new_value && st.len() != base + 1 {
            return fail(span, "an expression whose branches leave different values");
        }
        Ok(Merged::Joined(merge_stacks(c, st, sf)?, join))
    }

    /// The operations from block `b` (after its first `skip`) to a
    /// return, if there is one path; without `nops_as_pass`, `NOP`s left
    /// out (a copy has none of the original's removed jumps).
    fn path_to_return(&self, mut b: usize, mut skip: usize) -> Option<Vec<usize>> {
        let mut ops = vec![];
        for _ in 0..self.cfg.blocks.len() {
            let block = &self.cfg.blocks[b];
            let term = self.cfg.terminator(&self.code.instrs, b);
            let body_end = if term.is_some() {
                block.end - 1
            } else {
                block.end
            };
            ops.extend(
                (block.start + std::mem::take(&mut skip)..body_end)
                    .filter(|&i| self.nops_as_pass || self.code.instrs[i].op != Op::Nop),
            );
            match term {
                None => b += 1,
                Some(Op::Jump(t)) => b = self.cfg.block_at(*t)?,
                Some(Op::Return) => {
                    ops.push(block.end - 1);
                    return Some(ops);
                }
                _ => return None,
            }
        }
        None
    }

    /// An expression whose arms each end with a copy of the code that
    /// returns it (CPython copies small returning blocks into jumps): the
    /// returned value.
    fn returning_arms(&mut self, c: &Cond, base: usize) -> R<E> {
        let span = c.test.span;
        let (st0, at) = self.arm_to_return(&c.t, base, span)?;
        let (sf0, af) = self.arm_to_return(&c.f, base, span)?;
        let mut k = 0;
        while k < at.len()
            && k < af.len()
            && self.same_op(at[at.len() - 1 - k], af[af.len() - 1 - k])
        {
            k += 1;
        }
        let code = self.code;
        let prefix = |stack: &[E], ops: &[usize]| -> R<Vec<E>> {
            let mut sim = Sim::new(code, stack.to_vec(), base, true);
            for &i in ops {
                sim.origin = i;
                sim.step(&code.instrs[i].op, code.instrs[i].span)?;
            }
            Ok(sim.stack)
        };
        // Where each arm's value is complete: the longest shared ending
        // after which both arms have pushed one value on what was there
        // (Python 3.10 has no columns to tell `d - e` from `e - d`, so
        // the ending that looks shared may start inside the arms).
        let below = c.t.stack.len().min(c.f.stack.len());
        let split = |k: usize| -> R<Vec<E>> {
            let st = prefix(&st0, &at[..at.len() - k])?;
            let sf = prefix(&sf0, &af[..af.len() - k])?;
            if st.len() != below + 1 || sf.len() != below + 1 {
                return fail(span, "an expression whose branches leave different values");
            }
            merge_stacks(c, st, sf)
        };
        let mut found = None;
        for k in (1..=k).rev() {
            if let Ok(stack) = split(k) {
                found = Some((k, stack));
                break;
            }
        }
        let Some((k, stack)) = found else {
            return fail(span, "an expression whose branches do not meet");
        };
        let tail = &af[af.len() - k..af.len() - 1];
        let mut sim = Sim::new(code, stack, base, true);
        for &i in tail {
            sim.origin = i;
            sim.step(&code.instrs[i].op, code.instrs[i].span)?;
        }
        sim.pop(span)
    }

    /// One arm of an expression that returns: the stack where the arm's
    /// own branches (`a and b`, `x if c else y` inside it) have met, and
    /// the operations from there to the return (one path).
    fn arm_to_return(&mut self, e: &Edge, base: usize, span: Span) -> R<(Vec<E>, Vec<usize>)> {
        if let Some(ops) = self.path_to_return(e.block, e.skip) {
            return Ok((e.stack.clone(), ops));
        }
        let mut b = e.block;
        for _ in 0..self.cfg.blocks.len() {
            let Some(next) = self.cfg.ipdom(b) else { break };
            b = next;
            if let Some(ops) = self.path_to_return(b, 0) {
                let (_, flow) = self.run_edge(e, base, Some(b), Mode::Expr)?;
                let Flow::Fell(stack) = flow else { break };
                return Ok((stack, ops));
            }
        }
        fail(span, "an expression whose branches do not meet")
    }

    /// The test of `c` for reaching block `b` (`None`: it does not lead
    /// there).
    fn test_towards(c: &Cond, b: usize) -> Option<E> {
        if c.t.block == b {
            Some(c.test.clone())
        } else if c.f.block == b {
            Some(not(c.test.clone()))
        } else {
            None
        }
    }

    /// An `if` statement (or a `while` loop) at the test `c` ending block
    /// `cur`.
    fn statement_branch(
        &mut self,
        cur: usize,
        c: Cond,
        sim: &mut Sim<'_>,
        stop: Option<usize>,
    ) -> R<Next> {
        let span = c.test.span;
        let base = sim.base;
        // The test at the bottom of the `while` loop being walked.
        if let Some(LoopCtx {
            kind: LoopKind::While {
                end: Some((test, body, exit)),
            },
            ..
        }) = self.loops.last()
        {
            let (other, there) = if c.t.block == *body {
                (c.f.block, Self::test_towards(&c, *body))
            } else {
                (c.t.block, Self::test_towards(&c, *body))
            };
            if other == *exit && there.is_some_and(|t| same_expr(&t, test)) {
                return Ok(Next::LoopEnd);
            }
        }
        let (mut then_e, mut else_e) = if c.fall == c.f.block && c.fall != c.t.block {
            (c.f.clone(), c.t.clone())
        } else {
            (c.t.clone(), c.f.clone())
        };
        if self.jumps_over_back(&c, &then_e, &else_e) {
            std::mem::swap(&mut then_e, &mut else_e);
        }
        let test = Self::test_towards(&c, then_e.block).expect("an exit of the test");
        // A loop starting at the then-block, entered only by this test.
        if self.cfg.header[then_e.block] && then_e.block > cur && !self.active(then_e.block) {
            let saved = (self.loops.len(), sim.out.len());
            match self.while_cond(cur, &test, &then_e, &else_e, sim, stop) {
                Ok(next) => return Ok(next),
                Err(e) => {
                    if std::env::var("JITUFUNC_BYTECODE_TRACE").is_ok() {
                        eprintln!("while_cond at {cur} body {} failed: {e:?}", then_e.block);
                    }
                    self.loops.truncate(saved.0);
                    sim.out.truncate(saved.1);
                }
            }
        }
        if then_e.block == else_e.block {
            // `if c: pass`; `if c: pass else: pass` jumps over the else.
            let orelse = if then_e.through.is_empty() {
                vec![]
            } else {
                vec![Stmt {
                    kind: StmtKind::Pass,
                    span,
                }]
            };
            sim.emit(
                StmtKind::If {
                    test,
                    body: vec![],
                    orelse,
                },
                span,
            )?;
            sim.stack = then_e.stack;
            self.pending_skip = then_e.skip;
            return Ok(Next::Goto(then_e.block));
        }
        // `if c: continue`, `if c: break`.
        let target = self.through_jumps(then_e.block);
        let control = self.loops.last().and_then(|l| {
            if l.continues.contains(&target) || l.header == target {
                Some(StmtKind::Continue)
            } else if l.break_target == Some(target) {
                Some(StmtKind::Break)
            } else {
                None
            }
        });
        if let Some(kind) = control {
            // At the jump's line (the statement's own).
            let at = self.code.instrs[self.cfg.blocks[then_e.block].start].span;
            let body = vec![Stmt {
                kind,
                span: Span::line(if at.line > 0 { at.line } else { span.line }),
            }];
            sim.emit(
                StmtKind::If {
                    test,
                    body,
                    orelse: vec![],
                },
                span,
            )?;
            sim.stack = else_e.stack;
            self.pending_skip = else_e.skip;
            return Ok(Next::Goto(else_e.block));
        }
        let join = self.else_join(&then_e, &else_e).or_else(|| {
            // A then-branch that never falls into the else-branch but
            // reaches the enclosing statement's end: CPython jumped there
            // from inside it (`if a: (if b: return) elif c: ...`, the
            // jump of the inner test threaded past the else-branch).
            stop.filter(|&s| {
                s > else_e.block
                    && then_e.block < else_e.block
                    && !self.cfg.forward_reaches(then_e.block, else_e.block, s)
                    && self.cfg.forward_reaches(then_e.block, s, usize::MAX)
            })
        });
        let (body, flow) = self.run_edge(
            &then_e,
            base,
            Some(join.unwrap_or(else_e.block)),
            Mode::Stmt,
        )?;
        let Some(join) = join else {
            // No else: the rest follows (also after a branch that left).
            sim.emit(
                StmtKind::If {
                    test,
                    body,
                    orelse: vec![],
                },
                span,
            )?;
            sim.stack = match flow {
                Flow::Fell(stack) => stack,
                _ => else_e.stack,
            };
            self.pending_skip = else_e.skip;
            return Ok(Next::Goto(else_e.block));
        };
        let (mut orelse, flow2) = self.run_edge(&else_e, base, Some(join), Mode::Stmt)?;
        if orelse.is_empty() {
            // `else: pass`: the else-block only jumps on (on the line of
            // the `pass`).
            let at = self.code.instrs[self.cfg.blocks[else_e.block].start].span;
            orelse.push(Stmt {
                kind: StmtKind::Pass,
                span: Span::line(at.line),
            });
        }
        sim.emit(StmtKind::If { test, body, orelse }, span)?;
        match (flow, flow2) {
            (Flow::Fell(stack), _) | (_, Flow::Fell(stack)) => {
                sim.stack = stack;
                Ok(Next::Goto(join))
            }
            _ => Ok(Next::Ended),
        }
    }

    /// Python 3.12+ jumps forward only: `if c: A` that would jump back
    /// to the loop's header when false is `if c` jumping to A over a jump
    /// back (on the test's line; a `continue` has its own). Whether
    /// `then_e` (what falls through) is that jump back and `else_e` is A.
    fn jumps_over_back(&self, c: &Cond, then_e: &Edge, else_e: &Edge) -> bool {
        let ([j], true) = (&c.fall_through[..], then_e.block == c.fall) else {
            return false;
        };
        let block = &self.cfg.blocks[*j];
        let jump = &self.code.instrs[block.start];
        let back = matches!(jump.op, Op::Jump(t) if t <= block.start)
            && jump.span.line == c.test.span.line;
        back && block.end - block.start == 1 && else_e.block == j + 1 && else_e.skip == 0
    }

    /// Where the branches of an `if` with an else-branch meet: the
    /// then-branch ends with a jump over the else-branch (`None`: no
    /// else-branch).
    fn else_join(&self, then_e: &Edge, else_e: &Edge) -> Option<usize> {
        let (tb, eb) = (then_e.block, else_e.block);
        let l = self.loops.last();
        // Where a `continue` goes is where the body ends, unless the loop
        // tests at the bottom (`while` with a test).
        let is_continue = |b: usize| {
            l.is_some_and(|l| {
                !matches!(l.kind, LoopKind::While { end: Some(_) })
                    && (l.continues.contains(&b) || l.header == b)
            })
        };
        let is_break = |b: usize| l.is_some_and(|l| l.break_target == Some(b));
        if eb <= tb || is_continue(eb) {
            return None;
        }
        let last = eb - 1;
        match self.cfg.terminator(&self.code.instrs, last) {
            Some(Op::Jump(t)) => {
                let y = self.cfg.block_at(*t)?;
                // A `break` pops the iterator first.
                let pops = {
                    let b = &self.cfg.blocks[last];
                    b.end - b.start >= 2 && self.code.instrs[b.end - 2].op == Op::PopTop
                };
                let for_loop = l.is_some_and(|l| matches!(l.kind, LoopKind::For { .. }));
                if (y > eb || is_continue(y)) && !is_break(y) && !(for_loop && pops) {
                    Some(y)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Whether block `b` starts the test of a `while` loop (its header
    /// for `continue`).
    fn starts_while_test(&mut self, b: usize, sim: &Sim<'_>) -> bool {
        match self.pure_cond(&Edge::new(b, sim.stack.clone()), sim.base) {
            Some(c) => {
                let (then_e, else_e) = if c.fall == c.f.block {
                    (&c.f, &c.t)
                } else {
                    (&c.t, &c.f)
                };
                let then_b = if self.jumps_over_back(&c, then_e, else_e) {
                    else_e.block
                } else {
                    then_e.block
                };
                self.cfg.header[then_b] && then_b > b && !self.active(then_b)
            }
            None => false,
        }
    }

    /// The line of block `b` if it is one jump with a line.
    fn lone_jump_line(&self, b: usize) -> Option<u32> {
        let block = &self.cfg.blocks[b];
        let ins = &self.code.instrs[block.start];
        (block.end - block.start == 1 && matches!(ins.op, Op::Jump(_)) && ins.span.line > 0)
            .then_some(ins.span.line)
    }

    /// Where block `b` leads if it only jumps.
    fn through_jumps(&self, mut b: usize) -> usize {
        for _ in 0..self.cfg.blocks.len() {
            let block = &self.cfg.blocks[b];
            match &self.code.instrs[block.start].op {
                Op::Jump(t) if block.end - block.start == 1 => match self.cfg.block_at(*t) {
                    Some(n) if n != b => b = n,
                    _ => break,
                },
                _ => break,
            }
        }
        b
    }

    /// The first block after a loop's body that its body jumps to (other
    /// than `exit`): the target of `break`.
    fn break_target(&self, body: &[bool], after: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (u, inside) in body.iter().enumerate() {
            if !inside {
                continue;
            }
            for &s in &self.cfg.blocks[u].succs {
                let s = self.through_jumps(s);
                if !body[s] && s > after {
                    best = Some(best.map_or(s, |b: usize| b.min(s)));
                }
            }
        }
        best
    }

    /// `while test:` with the body starting at `body_e`.
    fn while_cond(
        &mut self,
        cur: usize,
        test: &E,
        body_e: &Edge,
        exit_e: &Edge,
        sim: &mut Sim<'_>,
        stop: Option<usize>,
    ) -> R<Next> {
        let span = test.span;
        let (b, e) = (body_e.block, exit_e.block);
        // The exit is after the loop, or (at the end of an enclosing
        // loop's body) that loop's header.
        // (Python 3.12 jumps there by a jump back on the test's line.)
        let enclosing = self.loops.last().is_some_and(|l| {
            let t = self.through_jumps(e);
            l.header == t || l.continues.contains(&e) || l.continues.contains(&t)
        });
        if e <= b && !enclosing {
            return fail(span, "a loop whose exit comes first");
        }
        let body = self.cfg.loop_body(b);
        let last = body.iter().rposition(|&x| x).unwrap_or(b);
        let x = self
            .break_target(&body, last.max(e))
            .filter(|&x| x > e)
            .or_else(|| {
                // At the end of an enclosing loop's body, breaks jump to
                // that loop's start (CPython threads the jump through the
                // `else` and the enclosing loop's jump back).
                let l = self.loops.last()?;
                let starts = |t: usize| l.header == t || l.continues.contains(&t);
                let leaves = |u: usize| {
                    self.cfg.blocks[u]
                        .succs
                        .iter()
                        .filter(|&&s| !body[s] && s != e)
                        .map(|&s| self.through_jumps(s))
                        .find(|&t| starts(t))
                };
                if l.header == e || l.continues.contains(&e) {
                    return None;
                }
                (0..body.len()).filter(|&u| body[u]).find_map(leaves)
            });
        // `continue` goes back to the test (when something in the body
        // jumps there).
        let mut continues = vec![];
        // (The exit may be an enclosing loop's start, before the body.)
        if cur < b
            && self.cfg.preds[cur]
                .iter()
                .any(|&p| b <= p && (p < e || self.cfg.dominates(b, p)))
        {
            continues.push(cur);
        }
        self.loops.push(LoopCtx {
            kind: LoopKind::While {
                end: Some((test.clone(), b, e)),
            },
            header: b,
            continues,
            break_target: Some(x.unwrap_or(e)),
            breaks: vec![],
            exits: vec![],
        });
        let r = self.run(b, body_e.stack.clone(), sim.base, None, Mode::Stmt, true);
        self.loops.pop();
        let (stmts, flow) = r?;
        if !matches!(flow, Flow::Fell(_)) {
            return fail(span, "a while loop without its test at the end");
        }
        let (orelse, next) = match x {
            Some(x) => {
                let (orelse, flow) = self.run(
                    e,
                    exit_e.stack.clone(),
                    sim.base,
                    Some(x),
                    Mode::Stmt,
                    false,
                )?;
                (
                    orelse,
                    if matches!(flow, Flow::Fell(_)) {
                        Some(x)
                    } else {
                        None
                    },
                )
            }
            None if contains_return(&stmts) => {
                // Returns in the body may be `break`s to the code after
                // the loop, copied (with its lines) where they jumped.
                let (rest, flow) =
                    self.run(e, exit_e.stack.clone(), sim.base, stop, Mode::Stmt, false)?;
                let mut copied = 0;
                let body = replace_copies(stmts, &rest, &mut copied);
                // With copies, what the copied code follows is the loop's
                // `else`; without, all of it follows the loop.
                let (orelse, after) = if copied == 0 {
                    (vec![], rest)
                } else {
                    let mut rest = rest;
                    let after = rest.split_off(rest.len() - copied);
                    (rest, after)
                };
                sim.emit(
                    StmtKind::While {
                        test: test.clone(),
                        body,
                        orelse,
                    },
                    span,
                )?;
                sim.out.extend(after);
                return match (flow, stop) {
                    (Flow::Fell(stack), Some(stop)) => {
                        sim.stack = stack;
                        Ok(Next::Goto(stop))
                    }
                    // The rest of an enclosing `while` loop's body.
                    (Flow::Fell(stack), None) => {
                        sim.stack = stack;
                        Ok(Next::LoopEnd)
                    }
                    (Flow::Ended, _) => Ok(Next::Ended),
                    _ => fail(span, "a loop followed by unexpected code"),
                };
            }
            None => (vec![], Some(e)),
        };
        let mut orelse = orelse;
        // At the end of an enclosing loop's body, `else: pass` leaves the
        // jump back on a line of its own (the loop's exit, which breaks
        // skip).
        if let Some(line) = self.lone_jump_line(e) {
            let back = self
                .loops
                .last()
                .is_some_and(|l| l.header == self.through_jumps(e));
            if orelse.is_empty() && line != span.line && x.is_some() && back {
                orelse.push(Stmt {
                    kind: StmtKind::Pass,
                    span: Span::line(line),
                });
            }
        }
        sim.emit(
            StmtKind::While {
                test: test.clone(),
                body: stmts,
                orelse,
            },
            span,
        )?;
        sim.stack = exit_e.stack.clone();
        Ok(next.map_or(Next::Ended, Next::Goto))
    }

    /// `while True:` headed by block `h`.
    fn while_true(&mut self, h: usize, sim: &mut Sim<'_>) -> R<Next> {
        let span = self.span_of(h);
        let body = self.cfg.loop_body(h);
        let last = body.iter().rposition(|&x| x).unwrap_or(h);
        // Breaks jump after the loop, or (at the end of an enclosing
        // loop's body) to that loop's header.
        let enclosing = self.loops.last().map(|l| l.header);
        let x = self.break_target(&body, last).or_else(|| {
            let leaves = |u: usize| {
                self.cfg.blocks[u]
                    .succs
                    .iter()
                    .any(|&s| Some(self.through_jumps(s)) == enclosing && !body[s])
            };
            enclosing.filter(|_| (0..body.len()).any(|u| body[u] && leaves(u)))
        });
        self.loops.push(LoopCtx {
            kind: LoopKind::While { end: None },
            header: h,
            continues: vec![h],
            break_target: x,
            breaks: vec![],
            exits: vec![],
        });
        let r = self.run(h, sim.stack.clone(), sim.base, None, Mode::Stmt, true);
        self.loops.pop();
        let (mut stmts, flow) = r?;
        if !matches!(flow, Flow::Ended) {
            return fail(span, "a loop that falls out of its body");
        }
        if matches!(stmts.last().map(|s| &s.kind), Some(StmtKind::Continue)) {
            stmts.pop();
        }
        let test = expr(ExprKind::Literal(Literal::True), span);
        sim.emit(
            StmtKind::While {
                test,
                body: stmts,
                orelse: vec![],
            },
            span,
        )?;
        Ok(x.map_or(Next::Ended, Next::Goto))
    }

    /// A `for` loop headed by the `FOR_ITER` block `h`.
    fn for_loop(&mut self, h: usize, sim: &mut Sim<'_>, stop: Option<usize>) -> R<Next> {
        let span = self.span_of(h);
        let iter = match sim.stack.last() {
            Some(it) if matches!(it.kind, ExprKind::Iter(_)) => it.clone(),
            _ => return fail(span, "a loop without an iterator"),
        };
        let ExprKind::Iter(iterable) = &iter.kind else {
            unreachable!()
        };
        let Some(Op::ForIter { exit }) = self.cfg.terminator(&self.code.instrs, h) else {
            return fail(span, "a loop without FOR_ITER");
        };
        let exit_b = self.block_at(*exit, span)?;
        self.loops.push(LoopCtx {
            kind: LoopKind::For { iter: iter.clone() },
            header: h,
            continues: vec![h],
            break_target: None,
            breaks: vec![],
            exits: vec![],
        });
        let mut stack = sim.stack.clone();
        let body_base = stack.len();
        stack.push(expr(ExprKind::ForItem, span));
        let r = self.run(h + 1, stack, body_base, Some(h), Mode::Stmt, false);
        let ctx = self.loops.pop().expect("pushed");
        let (mut stmts, _) = r?;
        let target = match stmts.first().map(|s| &s.kind) {
            Some(StmtKind::ForTarget(_)) => match stmts.remove(0).kind {
                StmtKind::ForTarget(t) => t,
                _ => unreachable!(),
            },
            _ => return fail(span, "a loop whose item is not stored first"),
        };
        let mut exit_stack = sim.stack.clone();
        exit_stack.pop();
        let for_span = Span::line(iterable.span.line);
        let make = |body: Vec<Stmt>, orelse: Vec<Stmt>| StmtKind::For {
            target,
            iter: iterable.clone(),
            body,
            orelse,
        };
        if let Some(&x) = ctx.breaks.first() {
            if ctx.breaks.iter().any(|&b| b != x) {
                return fail(span, "breaks to different places");
            }
            // Copied code is not what breaks jump to: returns.
            let exits = ctx.exits;
            stmts = fill_exits(stmts, &|k| exits[k].clone());
            let (orelse, flow) = if x == exit_b {
                (vec![], Flow::Fell(exit_stack.clone()))
            } else {
                self.run(
                    exit_b,
                    exit_stack.clone(),
                    sim.base,
                    Some(x),
                    Mode::Stmt,
                    false,
                )?
            };
            sim.emit(make(stmts, orelse), for_span)?;
            sim.stack = exit_stack;
            return Ok(match flow {
                Flow::Fell(_) => Next::Goto(x),
                _ => Next::Ended,
            });
        }
        if !ctx.exits.is_empty() {
            // Code run after dropping the iterator is a copy of the code
            // after the loop (at its lines: a `break` CPython replaced by
            // it), or a return from the loop.
            let (mut rest, flow) =
                self.run(exit_b, exit_stack, sim.base, stop, Mode::Stmt, false)?;
            let k = ctx.exits.iter().map(|e| e.len()).max().unwrap_or(0);
            let copies = matches!(flow, Flow::Ended)
                && ctx.exits.iter().all(|e| {
                    e.len() == k && rest.len() >= k && same_lines(&rest[rest.len() - k..], e)
                });
            if copies {
                let body = fill_exits(stmts, &|_| {
                    vec![Stmt {
                        kind: StmtKind::Break,
                        span,
                    }]
                });
                let after = rest.split_off(rest.len() - k);
                sim.emit(make(body, rest), for_span)?;
                sim.out.extend(after);
                return Ok(Next::Ended);
            }
            let exits = ctx.exits;
            let body = fill_exits(stmts, &|k| exits[k].clone());
            sim.emit(make(body, vec![]), for_span)?;
            sim.out.extend(rest);
            return match (flow, stop) {
                (Flow::Fell(stack), Some(stop)) => {
                    sim.stack = stack;
                    Ok(Next::Goto(stop))
                }
                (Flow::Fell(stack), None) => {
                    sim.stack = stack;
                    Ok(Next::LoopEnd)
                }
                (Flow::Ended, _) => Ok(Next::Ended),
                _ => fail(span, "a loop followed by unexpected code"),
            };
        }
        sim.emit(make(stmts, vec![]), for_span)?;
        sim.stack = exit_stack;
        Ok(Next::Goto(exit_b))
    }
}
