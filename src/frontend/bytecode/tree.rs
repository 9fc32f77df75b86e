//! The function rebuilt from bytecode, before it becomes a Python `ast`
//! tree: the statements and expressions of the kernel subset, plus the
//! markers the symbolic stack holds while rebuilding (a `NULL`, an
//! iterator, a loop's next item, a part of an unpacked value), which never
//! reach the emitted tree.
//!
//! Expressions are shared (`Rc`): an instruction that copies a stack entry
//! copies the pointer, and identity is how a copy is recognised (the
//! middle operand of a chained comparison, the left operand of `a and b`).
//! Operators are named by their `ast` class (`"Add"`, `"Lt"`, `"USub"`).

use std::rc::Rc;

use crate::error::Span;

pub type E = Rc<Expr>;

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// The operation that computed it (`NO_ORIGIN`: made while rebuilding
    /// control flow). Two values with one origin come from code CPython
    /// shares between branches.
    pub origin: usize,
}

pub const NO_ORIGIN: usize = usize::MAX;

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A local, global or closure variable (the frontend resolves it).
    Name(String),
    /// `co_consts[i]` (a tuple is emitted as a tuple of constants).
    Const(usize),
    /// `None` or `True` written where the bytecode has no constant for
    /// it (`x is None` tested by `POP_JUMP_IF_NONE`, `while True`).
    Literal(Literal),
    Attribute(E, String),
    Call {
        func: E,
        args: Vec<E>,
        keywords: Vec<(String, E)>,
    },
    /// `left op right`; `inplace` for the operation of `x op= y`.
    Binary {
        op: &'static str,
        left: E,
        right: E,
        inplace: bool,
    },
    Unary(&'static str, E),
    Compare(E, Vec<(&'static str, E)>),
    /// `and` (true) or `or` (false) of the values.
    BoolOp(bool, Vec<E>),
    IfExp {
        test: E,
        body: E,
        orelse: E,
    },
    Subscript(E, E),
    Slice(Option<E>, Option<E>, Option<E>),
    Tuple(Vec<E>),
    /// A list literal; `ConstItems` elements stand for the items of a
    /// constant tuple (`[1, 2, 3]` is `BUILD_LIST` + `LIST_EXTEND`).
    List(Vec<E>),
    /// The items of the constant tuple `co_consts[i]`, inside a list.
    ConstItems(usize),
    // Markers (never emitted).
    /// The `NULL` of a call sequence.
    Null,
    /// `iter(x)`, a `for` loop's iterator.
    Iter(E),
    /// The value `FOR_ITER` pushes: a loop's next item.
    ForItem,
    /// Part `index` of an `UNPACK_SEQUENCE` (`group` numbers it).
    Unpacked {
        group: usize,
        index: usize,
    },
    /// `AssertionError` as `assert` loads it.
    AssertionError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Literal {
    None,
    True,
    False,
}

pub fn expr(kind: ExprKind, span: Span) -> E {
    Rc::new(Expr {
        kind,
        span,
        origin: NO_ORIGIN,
    })
}

/// Whether `a` and `b` are the same code at the same place.
pub fn same_origin(a: &E, b: &E) -> bool {
    a.origin != NO_ORIGIN && a.origin == b.origin && same_expr(a, b)
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `t1 = t2 = value` (one target: `t = value`).
    Assign {
        targets: Vec<Target>,
        value: E,
    },
    AugAssign {
        target: Target,
        op: &'static str,
        value: E,
    },
    Expr(E),
    Return(Option<E>),
    If {
        test: E,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: E,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        target: Target,
        iter: E,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    Break,
    Continue,
    Pass,
    /// `raise exc from cause`.
    Raise(Option<E>, Option<E>),
    Assert {
        test: E,
        msg: Option<E>,
    },
    /// Marker: the loop's next item is stored into the target (the first
    /// statement of a `for` body; never emitted).
    ForTarget(Target),
    /// Marker: the `k`th code a `for` loop's body ran after dropping the
    /// iterator, ending with a return (a `break` to copied code, or a
    /// return from the loop; never emitted).
    Exit(usize),
}

#[derive(Clone, Debug)]
pub enum Target {
    Name(String, Span),
    Tuple(Vec<Target>, Span),
    Subscript(E, E, Span),
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Name(_, s) | Target::Tuple(_, s) | Target::Subscript(_, _, s) => *s,
        }
    }
}

/// Whether two expressions are the same code (positions aside).
pub fn same_expr(a: &E, b: &E) -> bool {
    use ExprKind::*;
    if Rc::ptr_eq(a, b) {
        return true;
    }
    let all =
        |x: &[E], y: &[E]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_expr(p, q));
    let opt = |x: &Option<E>, y: &Option<E>| match (x, y) {
        (None, None) => true,
        (Some(p), Some(q)) => same_expr(p, q),
        _ => false,
    };
    match (&a.kind, &b.kind) {
        (Name(x), Name(y)) => x == y,
        (Const(x), Const(y)) | (ConstItems(x), ConstItems(y)) => x == y,
        (Literal(x), Literal(y)) => x == y,
        (Attribute(v, n), Attribute(w, m)) => n == m && same_expr(v, w),
        (
            Call {
                func: f,
                args: a1,
                keywords: k1,
            },
            Call {
                func: g,
                args: a2,
                keywords: k2,
            },
        ) => {
            same_expr(f, g)
                && all(a1, a2)
                && k1.len() == k2.len()
                && k1
                    .iter()
                    .zip(k2)
                    .all(|((n, v), (m, w))| n == m && same_expr(v, w))
        }
        (
            Binary {
                op: o1,
                left: l1,
                right: r1,
                inplace: i1,
            },
            Binary {
                op: o2,
                left: l2,
                right: r2,
                inplace: i2,
            },
        ) => o1 == o2 && i1 == i2 && same_expr(l1, l2) && same_expr(r1, r2),
        (Unary(o1, x), Unary(o2, y)) => o1 == o2 && same_expr(x, y),
        (Compare(l1, r1), Compare(l2, r2)) => {
            same_expr(l1, l2)
                && r1.len() == r2.len()
                && r1
                    .iter()
                    .zip(r2)
                    .all(|((o, x), (p, y))| o == p && same_expr(x, y))
        }
        (BoolOp(o1, v1), BoolOp(o2, v2)) => o1 == o2 && all(v1, v2),
        (
            IfExp {
                test: t1,
                body: b1,
                orelse: e1,
            },
            IfExp {
                test: t2,
                body: b2,
                orelse: e2,
            },
        ) => same_expr(t1, t2) && same_expr(b1, b2) && same_expr(e1, e2),
        (Subscript(v1, i1), Subscript(v2, i2)) => same_expr(v1, v2) && same_expr(i1, i2),
        (Slice(a1, b1, c1), Slice(a2, b2, c2)) => opt(a1, a2) && opt(b1, b2) && opt(c1, c2),
        (Tuple(x), Tuple(y)) | (List(x), List(y)) => all(x, y),
        (AssertionError, AssertionError) => true,
        _ => false,
    }
}

fn same_target(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Name(x, _), Target::Name(y, _)) => x == y,
        (Target::Tuple(x, _), Target::Tuple(y, _)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_target(p, q))
        }
        (Target::Subscript(v, i, _), Target::Subscript(w, j, _)) => {
            same_expr(v, w) && same_expr(i, j)
        }
        _ => false,
    }
}

/// Whether two statement lists are the same code (positions aside).
pub fn same_block(a: &[Stmt], b: &[Stmt]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_stmt(x, y))
}

pub fn same_stmt(a: &Stmt, b: &Stmt) -> bool {
    use StmtKind::*;
    let opt = |x: &Option<E>, y: &Option<E>| match (x, y) {
        (None, None) => true,
        (Some(p), Some(q)) => same_expr(p, q),
        _ => false,
    };
    match (&a.kind, &b.kind) {
        (
            Assign {
                targets: t1,
                value: v1,
            },
            Assign {
                targets: t2,
                value: v2,
            },
        ) => {
            t1.len() == t2.len()
                && t1.iter().zip(t2).all(|(x, y)| same_target(x, y))
                && same_expr(v1, v2)
        }
        (
            AugAssign {
                target: t1,
                op: o1,
                value: v1,
            },
            AugAssign {
                target: t2,
                op: o2,
                value: v2,
            },
        ) => o1 == o2 && same_target(t1, t2) && same_expr(v1, v2),
        (Expr(x), Expr(y)) => same_expr(x, y),
        (Return(x), Return(y)) => opt(x, y),
        (
            If {
                test: t1,
                body: b1,
                orelse: e1,
            },
            If {
                test: t2,
                body: b2,
                orelse: e2,
            },
        )
        | (
            While {
                test: t1,
                body: b1,
                orelse: e1,
            },
            While {
                test: t2,
                body: b2,
                orelse: e2,
            },
        ) => same_expr(t1, t2) && same_block(b1, b2) && same_block(e1, e2),
        (
            For {
                target: t1,
                iter: i1,
                body: b1,
                orelse: e1,
            },
            For {
                target: t2,
                iter: i2,
                body: b2,
                orelse: e2,
            },
        ) => same_target(t1, t2) && same_expr(i1, i2) && same_block(b1, b2) && same_block(e1, e2),
        (Break, Break) | (Continue, Continue) | (Pass, Pass) => true,
        (Raise(x1, c1), Raise(x2, c2)) => opt(x1, x2) && opt(c1, c2),
        (Assert { test: t1, msg: m1 }, Assert { test: t2, msg: m2 }) => {
            same_expr(t1, t2) && opt(m1, m2)
        }
        _ => false,
    }
}

/// Whether control can leave the end of `stmts` to what follows.
pub fn falls_through(stmts: &[Stmt]) -> bool {
    match stmts.last().map(|s| &s.kind) {
        None => true,
        Some(StmtKind::Return(_) | StmtKind::Raise(..) | StmtKind::Break | StmtKind::Continue) => {
            false
        }
        Some(StmtKind::If { body, orelse, .. }) => falls_through(body) || falls_through(orelse),
        _ => true,
    }
}
