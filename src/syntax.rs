//! The Python subset the compiler accepts, as an owned Rust tree.
//!
//! The frontend builds it from CPython's `ast` and resolves every global,
//! builtin and closure name to a `Global` on the way, so nothing here refers
//! to a Python object: lowering, typing and codegen are pure Rust. Spans are
//! file lines and columns.

use std::sync::Arc;

use crate::builtins::{Callee, PyException};
use crate::error::{SourceInfo, Span};
use crate::types::{Scalar, Type};

/// A kernel function definition.
#[derive(Debug)]
pub struct FunctionDef {
    pub name: String,
    pub params: Vec<Param>,
    /// How many of the last parameters have default values (`def f(a,
    /// b=2)`: 1). Their values stay with the Python function; the `@jit`
    /// dispatcher fills them in.
    pub defaults: usize,
    /// The default values as constants (numbers and `None`), for calls
    /// from compiled code that leave them out; `None` where a default is
    /// something else (such calls must pass it).
    pub default_values: Vec<Option<(Const, Type)>>,
    pub body: Vec<Stmt>,
    pub span: Span,
    pub source: Arc<SourceInfo>,
    pub doc: Option<String>,
    /// The `@jit` dispatcher that read it, if one did: what a recursive
    /// call refers to (`KernelTarget::Reading`).
    pub identity: Option<Identity>,
    /// `@jit(locals={"x": np.float32})`: these variables keep these types;
    /// every assignment to one converts, as `x = np.float32(value)`.
    pub locals: Vec<(String, crate::types::Scalar)>,
    /// A scalar function made for an array expression
    /// (`typing::elementwise`): compiled with NumPy's error model.
    pub elementwise: bool,
    /// `@jit(parallel=True)`: its `prange` loops run on the thread pool
    /// (`lower::parallel`).
    pub parallel: bool,
}

/// The identity of a `@jit` dispatcher (its address while it lives). Its
/// debug text is `_`, so that a definition's text (the on-disk cache key)
/// does not depend on where things are in memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity(pub usize);

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("_")
    }
}

/// Another jitufunc kernel a function calls.
#[derive(Clone, Debug)]
pub enum KernelTarget {
    /// Its definition (a `@jit` function, a `@guvectorize` kernel).
    Def(Arc<FunctionDef>),
    /// A `@vectorize` kernel: its scalar function on scalars, applied
    /// element by element on arrays (as its ufunc).
    Ufunc(Arc<FunctionDef>),
    /// A `@jit` function still being read when the call was read: the
    /// function itself (recursion), found by identity when typing.
    Reading(Identity, String),
    /// A `@guvectorize` gufunc called on arrays inside `@jit`: its kernel
    /// runs once per loop index on views of the operands' core blocks
    /// (`typing::gufunc::call`).
    Gufunc(Arc<GufuncTarget>),
}

/// What typing needs to call a gufunc from compiled code: its kernel, its
/// layout, and the loops NumPy would choose from.
#[derive(Debug)]
pub struct GufuncTarget {
    /// The ufunc's name (`f.__name__`, for messages).
    pub name: String,
    pub def: Arc<FunctionDef>,
    pub layout: crate::types::gufunc_layout::Layout,
    /// An eager gufunc's loops in NumPy's search order: each signature
    /// (return type filled in) with its operand dtypes, inputs then
    /// outputs. Empty for a lazy gufunc, which is typed for the argument
    /// dtypes.
    pub loops: Vec<(crate::types::Signature, Vec<Scalar>)>,
    /// Inputs the kernel may write (`writable_args`).
    pub writable: Vec<usize>,
}

/// Functions passed as values (`Type::Function`): a process-wide,
/// append-only table, so a `FunctionRef` stays valid while the process
/// lives. The Python edge registers each function object once (and keeps
/// it alive, so that its identity is not reused).
pub mod function_value {
    use super::KernelTarget;
    use crate::types::FunctionRef;
    use std::sync::RwLock;

    static TABLE: RwLock<Vec<KernelTarget>> = RwLock::new(Vec::new());

    /// Adds `target`; its reference.
    pub fn register(target: KernelTarget) -> FunctionRef {
        let mut t = TABLE.write().unwrap_or_else(|e| e.into_inner());
        t.push(target);
        FunctionRef((t.len() - 1) as u32)
    }

    /// The function `r` refers to.
    pub fn get(r: FunctionRef) -> KernelTarget {
        TABLE.read().unwrap_or_else(|e| e.into_inner())[r.0 as usize].clone()
    }
}

impl KernelTarget {
    pub fn name(&self) -> &str {
        match self {
            KernelTarget::Def(d) | KernelTarget::Ufunc(d) => &d.name,
            KernelTarget::Reading(_, name) => name,
            KernelTarget::Gufunc(g) => &g.name,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `a = b = value`
    Assign { targets: Vec<Target>, value: Expr },
    /// `target op= value`
    AugAssign {
        target: Target,
        op: BinOp,
        value: Expr,
    },
    /// `if test: body else: orelse` (`elif` is an `If` in `orelse`).
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `while test: body else: orelse`
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `for target in iter: body else: orelse` (`iter` is `range(...)` or
    /// an array).
    For {
        target: Target,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// `return value`; `return` alone is `Return(None)`.
    Return(Option<Expr>),
    /// `raise ValueError("message")`, `raise ValueError`: a builtin
    /// exception class and a literal message.
    Raise {
        class: PyException,
        message: Option<String>,
    },
    /// `assert test, "message"`
    Assert { test: Expr, message: Option<String> },
    /// An expression evaluated for its effect (`a[i] = ...` is an Assign).
    Expr(Expr),
    /// `print(a, "text", b, sep=" ", end="\n")` as a statement: string
    /// literals and values, in order.
    Print {
        items: Vec<PrintItem>,
        sep: String,
        end: String,
    },
    /// `pass`
    Pass,
}

/// One argument of `print(...)`.
#[derive(Clone, Debug)]
pub enum PrintItem {
    /// A string literal, printed as it is.
    Text(String),
    /// A value, printed as Python's `print` prints it.
    Value(Expr),
}

#[derive(Clone, Debug)]
pub enum Target {
    Name(String, Span),
    Tuple(Vec<Target>, Span),
    /// `a[i, j] = v`
    Subscript {
        value: Expr,
        index: Vec<Expr>,
        span: Span,
    },
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Name(_, s) | Target::Tuple(_, s) => *s,
            Target::Subscript { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            TrueDiv => "/",
            FloorDiv => "//",
            Mod => "%",
            Pow => "**",
            LShift => "<<",
            RShift => ">>",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    /// `x is y`: only with `None` on one side, decided by the types (a
    /// value of type `none` is None, any other value is not).
    Is,
    /// `x is not y`, as `Is`.
    IsNot,
    /// `x in t`: an item of a tuple (compared with `==`) or a substring of
    /// a string known when compiling; typing expands or decides it.
    In,
    /// `x not in t`, as `In`.
    NotIn,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoolOp {
    And,
    Or,
}

/// A literal or a numeric constant read from a global at compile time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Const {
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
    None,
    /// `...` (only as an index: every axis not otherwise indexed).
    Ellipsis,
}

impl Const {
    /// Whether two constants are the same value, bit for bit (so a NaN
    /// is the same as itself, which `==` denies, and -0.0 differs from 0.0).
    pub fn same(&self, other: &Const) -> bool {
        match (self, other) {
            (Const::Float(x), Const::Float(y)) => x.to_bits() == y.to_bits(),
            (Const::Complex(a, b), Const::Complex(c, d)) => {
                a.to_bits() == c.to_bits() && b.to_bits() == d.to_bits()
            }
            (x, y) => x == y,
        }
    }

    /// `same` for optional constants.
    pub fn same_option(a: &Option<Const>, b: &Option<Const>) -> bool {
        match (a, b) {
            (Some(x), Some(y)) => x.same(y),
            (None, None) => true,
            _ => false,
        }
    }
}

/// What a global, builtin or closure name refers to, resolved by the
/// frontend when the kernel is read.
#[derive(Clone, Debug)]
pub enum Global {
    /// A number: a Python scalar (weak) or a NumPy scalar (strong); or a
    /// string (`Const::None` of type `Type::Str`).
    Constant { value: Const, ty: Type },
    /// `math`, `cmath` or `numpy` itself (only useful for attribute access,
    /// which the frontend resolves).
    Module(String),
    /// A function the compiler knows.
    Callee(Callee),
    /// Another jitufunc kernel; calls to it are compiled and inlined.
    Kernel(KernelTarget),
    /// A builtin exception class (only `raise` takes it).
    Exception(PyException),
    /// A global NumPy array, frozen when the function is read.
    Array(Arc<FrozenArray>),
    /// Something kernels cannot use; an error if it is used.
    Unsupported { name: String, what: String },
}

/// A global NumPy array as a function saw it when it was read (as Numba
/// does, later changes to the array are not seen): its elements in C order
/// and native byte order. Compiled code reads it as a read-only array.
#[derive(Clone, PartialEq, Eq)]
pub struct FrozenArray {
    pub dtype: Scalar,
    pub shape: Vec<usize>,
    pub bytes: Arc<[u8]>,
}

impl FrozenArray {
    /// A digest of the elements (FNV-1a, 64 bits), which names the array in
    /// printed IR and in the on-disk cache key.
    pub fn digest(&self) -> u64 {
        self.bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
}

impl std::fmt::Debug for FrozenArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "frozen {}{:?} #{:016x}",
            self.dtype,
            self.shape,
            self.digest()
        )
    }
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A local variable or parameter.
    Name(String),
    /// A resolved global name or attribute chain (`math.pi`, `np.exp`, `K`).
    Global(Global),
    /// A literal: `1`, `2.5`, `True`, `1j`, `None`.
    Const(Const),
    /// `a + b`, `a ** b`, `a & b`, ... (`ast.BinOp`).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `-a`, `+a`, `~a`, `not a` (`ast.UnaryOp`).
    Unary(UnaryOp, Box<Expr>),
    /// `a and b and c`
    BoolOp(BoolOp, Vec<Expr>),
    /// `a < b <= c`
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `body if test else orelse`
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    /// `f(a, b, key=c)` (`ast.Call`).
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<(String, Expr)>,
    },
    /// `value.attr` on a local value (`z.real`, `a.shape`).
    Attribute(Box<Expr>, String),
    /// `value[i]`, `value[i, j]`, `value[1:n, ::2]`: one index per axis,
    /// each an expression or a `Slice`.
    Subscript(Box<Expr>, Vec<Expr>),
    /// `lower:upper:step` inside a subscript, any part omitted
    /// (`ast.Slice`): `a[1:n]`, `a[::2]`, `a[:, 0]`.
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    /// `(a, b)`, `a, b` (`ast.Tuple`).
    Tuple(Vec<Expr>),
    /// `[a, b]`, `[]` (`ast.List`): a new typed List; a list
    /// comprehension is read as `[]` and a loop appending to it
    /// (`frontend::comprehension`).
    List(Vec<Expr>),
    /// `{k: v, ...}`, `{}` (`ast.Dict`): a new typed Dict; a dict
    /// comprehension is read as `{}` and a loop storing into it.
    Dict(Vec<(Expr, Expr)>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }
}

/// Calls `visit` on `e` and every expression inside it, outer ones first.
pub fn walk_expr(e: &Expr, visit: &mut impl FnMut(&Expr)) {
    visit(e);
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Global(_) | ExprKind::Const(_) => {}
        ExprKind::Binary(_, a, b) => {
            walk_expr(a, visit);
            walk_expr(b, visit);
        }
        ExprKind::Unary(_, a) | ExprKind::Attribute(a, _) => walk_expr(a, visit),
        ExprKind::BoolOp(_, items) | ExprKind::Tuple(items) | ExprKind::List(items) => {
            items.iter().for_each(|i| walk_expr(i, visit))
        }
        ExprKind::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
            walk_expr(k, visit);
            walk_expr(v, visit);
        }),
        ExprKind::Compare(first, rest) => {
            walk_expr(first, visit);
            rest.iter().for_each(|(_, e)| walk_expr(e, visit));
        }
        ExprKind::IfExp { test, body, orelse } => {
            walk_expr(test, visit);
            walk_expr(body, visit);
            walk_expr(orelse, visit);
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            walk_expr(func, visit);
            args.iter().for_each(|a| walk_expr(a, visit));
            keywords.iter().for_each(|(_, k)| walk_expr(k, visit));
        }
        ExprKind::Subscript(value, index) => {
            walk_expr(value, visit);
            index.iter().for_each(|i| walk_expr(i, visit));
        }
        ExprKind::Slice { lower, upper, step } => {
            for part in [lower, upper, step].into_iter().flatten() {
                walk_expr(part, visit);
            }
        }
    }
}

/// Calls `visit` on every expression of `stmts`, outer expressions before
/// the ones inside them (assignment targets' subscripts included).
pub fn walk_exprs(stmts: &[Stmt], visit: &mut impl FnMut(&Expr)) {
    fn target(t: &Target, visit: &mut impl FnMut(&Expr)) {
        match t {
            Target::Name(..) => {}
            Target::Tuple(items, _) => items.iter().for_each(|t| target(t, visit)),
            Target::Subscript { value, index, .. } => {
                walk_expr(value, visit);
                index.iter().for_each(|i| walk_expr(i, visit));
            }
        }
    }
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                targets.iter().for_each(|t| target(t, visit));
                walk_expr(value, visit);
            }
            StmtKind::AugAssign {
                target: t, value, ..
            } => {
                target(t, visit);
                walk_expr(value, visit);
            }
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                walk_expr(test, visit);
                walk_exprs(body, visit);
                walk_exprs(orelse, visit);
            }
            StmtKind::For {
                target: t,
                iter,
                body,
                orelse,
            } => {
                target(t, visit);
                walk_expr(iter, visit);
                walk_exprs(body, visit);
                walk_exprs(orelse, visit);
            }
            StmtKind::Return(Some(e)) | StmtKind::Expr(e) | StmtKind::Assert { test: e, .. } => {
                walk_expr(e, visit)
            }
            StmtKind::Print { items, .. } => {
                for item in items {
                    if let PrintItem::Value(e) = item {
                        walk_expr(e, visit);
                    }
                }
            }
            StmtKind::Return(None)
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Pass
            | StmtKind::Raise { .. } => {}
        }
    }
}

/// Calls `visit` on every statement of `stmts`, nested ones included.
pub fn walk_stmts(stmts: &[Stmt], visit: &mut impl FnMut(&Stmt)) {
    for s in stmts {
        visit(s);
        match &s.kind {
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                walk_stmts(body, visit);
                walk_stmts(orelse, visit);
            }
            StmtKind::Assign { .. }
            | StmtKind::AugAssign { .. }
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Return(_)
            | StmtKind::Raise { .. }
            | StmtKind::Assert { .. }
            | StmtKind::Expr(_)
            | StmtKind::Print { .. }
            | StmtKind::Pass => {}
        }
    }
}

/// A strong constant of a NumPy type, for globals such as `np.float32(2)`.
pub fn typed_const(value: Const, dtype: Scalar) -> Global {
    Global::Constant {
        value,
        ty: Type::Scalar(dtype),
    }
}

/// Helpers to write syntax trees by hand in Rust tests.
#[cfg(test)]
pub mod build {
    use super::*;
    use crate::builtins::Builtin;

    fn sp() -> Span {
        Span::line(1)
    }

    fn e(kind: ExprKind) -> Expr {
        Expr::new(kind, sp())
    }

    fn s(kind: StmtKind) -> Stmt {
        Stmt { kind, span: sp() }
    }

    pub fn function(name: &str, params: &[&str], body: Vec<Stmt>) -> FunctionDef {
        FunctionDef {
            name: name.into(),
            params: params
                .iter()
                .map(|p| Param {
                    name: p.to_string(),
                    span: sp(),
                })
                .collect(),
            defaults: 0,
            default_values: vec![],
            body,
            span: sp(),
            source: Arc::new(SourceInfo {
                filename: "<test>".into(),
                function: name.into(),
                first_line: 1,
                lines: vec![],
            }),
            doc: None,
            identity: None,
            locals: vec![],
            elementwise: false,
            parallel: false,
        }
    }

    pub fn name(n: &str) -> Expr {
        e(ExprKind::Name(n.into()))
    }
    pub fn int(i: i128) -> Expr {
        e(ExprKind::Const(Const::Int(i)))
    }
    pub fn float(x: f64) -> Expr {
        e(ExprKind::Const(Const::Float(x)))
    }
    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        e(ExprKind::Binary(op, Box::new(a), Box::new(b)))
    }
    pub fn neg(a: Expr) -> Expr {
        e(ExprKind::Unary(UnaryOp::Neg, Box::new(a)))
    }
    pub fn cmp(a: Expr, op: CmpOp, b: Expr) -> Expr {
        e(ExprKind::Compare(Box::new(a), vec![(op, b)]))
    }
    pub fn call(callee: Callee, args: Vec<Expr>) -> Expr {
        e(ExprKind::Call {
            func: Box::new(e(ExprKind::Global(Global::Callee(callee)))),
            args,
            keywords: vec![],
        })
    }
    pub fn subscript(value: Expr, index: Vec<Expr>) -> Expr {
        e(ExprKind::Subscript(Box::new(value), index))
    }
    pub fn attribute(value: Expr, attr: &str) -> Expr {
        e(ExprKind::Attribute(Box::new(value), attr.into()))
    }
    pub fn set_item(array: &str, index: Vec<Expr>, value: Expr) -> Stmt {
        s(StmtKind::Assign {
            targets: vec![Target::Subscript {
                value: name(array),
                index,
                span: sp(),
            }],
            value,
        })
    }
    pub fn assign(target: &str, value: Expr) -> Stmt {
        s(StmtKind::Assign {
            targets: vec![Target::Name(target.into(), sp())],
            value,
        })
    }
    pub fn aug(target: &str, op: BinOp, value: Expr) -> Stmt {
        s(StmtKind::AugAssign {
            target: Target::Name(target.into(), sp()),
            op,
            value,
        })
    }
    pub fn ret(value: Expr) -> Stmt {
        s(StmtKind::Return(Some(value)))
    }
    pub fn brk() -> Stmt {
        s(StmtKind::Break)
    }
    pub fn if_else(test: Expr, body: Vec<Stmt>, orelse: Vec<Stmt>) -> Stmt {
        s(StmtKind::If { test, body, orelse })
    }
    pub fn while_true(body: Vec<Stmt>) -> Stmt {
        s(StmtKind::While {
            test: e(ExprKind::Const(Const::Bool(true))),
            body,
            orelse: vec![],
        })
    }
    pub fn for_range(var: &str, args: Vec<Expr>, body: Vec<Stmt>) -> Stmt {
        s(StmtKind::For {
            target: Target::Name(var.into(), sp()),
            iter: call(Callee::Builtin(Builtin::Range), args),
            body,
            orelse: vec![],
        })
    }
}
