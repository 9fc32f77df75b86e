//! CPython `ast` nodes to the `syntax` tree.
//!
//! Python decides statically which names are local (assigned anywhere in
//! the function); every other name is resolved against the closure, the
//! module globals and the builtins, and replaced by what it refers to.
//! Anything outside the supported subset is an `Unsupported` error naming
//! the construct, with its span.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::resolve::classify;
use crate::builtins::{Builtin, Callee};
use crate::error::{CompileError, ErrorKind, SourceInfo, Span};
use crate::syntax::{
    BinOp, BoolOp, CmpOp, Const, Expr, ExprKind, FunctionDef, Global, Param, Stmt, StmtKind,
    Target, UnaryOp,
};
use crate::types::Type;

/// An error while converting: a Python exception (a bug or a failing
/// attribute lookup) or a compile error for the user.
pub enum FrontError {
    Py(PyErr),
    Compile(CompileError),
}

impl From<PyErr> for FrontError {
    fn from(e: PyErr) -> Self {
        FrontError::Py(e)
    }
}

impl From<CompileError> for FrontError {
    fn from(e: CompileError) -> Self {
        FrontError::Compile(e)
    }
}

pub(super) type R<T> = Result<T, FrontError>;

pub struct Converter<'py, 'r> {
    pub py: Python<'py>,
    pub globals: Bound<'py, PyDict>,
    pub builtins: Bound<'py, PyAny>,
    pub closure: HashMap<String, Bound<'py, PyAny>>,
    pub locals: HashSet<String>,
    pub line_offset: u32,
    pub col_offset: u32,
    /// Recognises other jitufunc kernels (`super::KernelResolver`).
    pub kernels: super::KernelResolver<'r>,
    /// The `@jit` dispatcher reading this function, and the function's
    /// name: a call of that name that no global defines yet (an eager
    /// signature compiles before the decorator returns) is a call of
    /// itself.
    pub itself: Option<(crate::syntax::Identity, String)>,
    /// The Python function being read (a global that is this very
    /// function, undecorated, is a call of itself too).
    pub function: Bound<'py, PyAny>,
    /// Comprehensions being read (`super::comprehension`).
    pub comps: super::comprehension::Comprehensions,
}

pub(super) fn kind(node: &Bound<'_, PyAny>) -> R<String> {
    Ok(node.get_type().name()?.to_string())
}

pub(super) fn list<'py>(node: &Bound<'py, PyAny>, field: &str) -> R<Vec<Bound<'py, PyAny>>> {
    let l = node.getattr(field)?;
    Ok(l.cast::<PyList>().map_err(PyErr::from)?.iter().collect())
}

/// Describes an unsupported statement or expression node for messages.
fn describe(kind: &str) -> (&str, &str) {
    match kind {
        "Try" | "TryStar" => ("'try' statements", ""),
        "With" | "AsyncWith" => ("'with' statements", ""),
        "FunctionDef" | "AsyncFunctionDef" => ("nested function definitions", ""),
        "ClassDef" => ("class definitions", ""),
        "Import" | "ImportFrom" => ("import statements", " (import at module level instead)"),
        "Global" => ("'global' declarations", ""),
        "Nonlocal" => ("'nonlocal' declarations", ""),
        "Delete" => ("'del' statements", ""),
        "Match" => ("'match' statements", ""),
        "AsyncFor" => ("'async for' loops", ""),
        "Lambda" => (
            "lambda expressions",
            " (define a kernel with def and call it)",
        ),
        "ListComp" | "SetComp" | "DictComp" | "GeneratorExp" => ("comprehensions", ""),
        "List" => ("list literals", ""),
        "Dict" => ("dict literals", ""),
        "Set" => ("set literals", ""),
        "JoinedStr" | "FormattedValue" => ("f-strings", ""),
        "Await" => ("'await' expressions", ""),
        "Yield" | "YieldFrom" => ("generators ('yield')", ""),
        "NamedExpr" => ("assignment expressions (':=')", ""),
        "Starred" => ("starred expressions ('*args')", ""),
        other => (other, ""),
    }
}

/// "`construct` are not supported in kernels (hint)".
fn not_supported(kind: &str) -> String {
    let (what, hint) = describe(kind);
    format!("{what} are not supported in kernels{hint}")
}

impl<'py> Converter<'py, '_> {
    pub fn span(&self, node: &Bound<'py, PyAny>) -> R<Span> {
        let get = |field: &str| -> R<u32> {
            Ok(match node.getattr(field) {
                Ok(v) if !v.is_none() => v.extract::<u32>()?,
                _ => 0,
            })
        };
        let line = get("lineno")?;
        let end_line = get("end_lineno")?;
        Ok(Span::new(
            line + self.line_offset,
            get("col_offset")? + self.col_offset,
            end_line + self.line_offset,
            get("end_col_offset")? + self.col_offset,
        ))
    }

    pub(super) fn unsupported(
        &self,
        node: &Bound<'py, PyAny>,
        what: impl Into<String>,
    ) -> FrontError {
        match self.span(node) {
            Ok(span) => CompileError::at(ErrorKind::Unsupported, span, what).into(),
            Err(e) => e,
        }
    }

    /// Collects the names Python treats as local to the function.
    pub fn collect_locals(
        &mut self,
        func: &Bound<'py, PyAny>,
        ast: &Bound<'py, PyModule>,
    ) -> R<()> {
        for node in ast.call_method1("walk", (func,))?.try_iter()? {
            let node = node?;
            match kind(&node)?.as_str() {
                "Name" if kind(&node.getattr("ctx")?)? == "Store" => {
                    self.locals.insert(node.getattr("id")?.extract()?);
                }
                "arg" => {
                    self.locals.insert(node.getattr("arg")?.extract()?);
                }
                "Global" | "Nonlocal" => {
                    return Err(self.unsupported(&node, not_supported(&kind(&node)?)))
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub fn function(&self, node: &Bound<'py, PyAny>, source: Arc<SourceInfo>) -> R<FunctionDef> {
        let node_kind = kind(node)?;
        if node_kind == "AsyncFunctionDef" {
            return Err(self.unsupported(node, "async functions cannot be kernels"));
        }
        let args = node.getattr("args")?;
        if !list(&args, "kwonlyargs")?.is_empty() {
            return Err(
                self.unsupported(node, "keyword-only parameters are not supported in kernels")
            );
        }
        let defaults = list(&args, "defaults")?.len();
        for (field, what) in [("vararg", "*args"), ("kwarg", "**kwargs")] {
            if !args.getattr(field)?.is_none() {
                return Err(self.unsupported(
                    node,
                    format!("{what} parameters are not supported in kernels"),
                ));
            }
        }
        let mut params = vec![];
        for a in list(&args, "posonlyargs")?
            .into_iter()
            .chain(list(&args, "args")?)
        {
            params.push(Param {
                name: a.getattr("arg")?.extract()?,
                span: self.span(&a)?,
            });
        }
        let span = self.span(node)?;
        let (body, doc, name) = if node_kind == "Lambda" {
            let e = self.expr(&node.getattr("body")?)?;
            let s = Stmt {
                span: e.span,
                kind: StmtKind::Return(Some(e)),
            };
            (vec![s], None, "<lambda>".to_string())
        } else {
            let stmts = list(node, "body")?;
            let mut doc = None;
            let mut start = 0;
            if let Some(first) = stmts.first() {
                if kind(first)? == "Expr" {
                    let v = first.getattr("value")?;
                    if kind(&v)? == "Constant" {
                        if let Ok(s) = v.getattr("value")?.extract::<String>() {
                            doc = Some(s);
                            start = 1;
                        }
                    }
                }
            }
            (
                self.block(&stmts[start..])?,
                doc,
                node.getattr("name")?.extract()?,
            )
        };
        Ok(FunctionDef {
            name,
            params,
            defaults,
            default_values: self.default_values()?,
            body,
            span,
            source,
            doc,
            identity: self.itself.as_ref().map(|(identity, _)| *identity),
            locals: vec![],
            elementwise: false,
            parallel: false,
        })
    }

    /// `raise C`, `raise C("message")`: a builtin exception class and a
    /// literal message.
    fn raise(&self, node: &Bound<'py, PyAny>) -> R<StmtKind> {
        let exc = node.getattr("exc")?;
        if exc.is_none() {
            return Err(self.unsupported(node, "a bare 'raise' (re-raising) is not supported"));
        }
        if !node.getattr("cause")?.is_none() {
            return Err(self.unsupported(node, "'raise ... from ...' is not supported"));
        }
        let (class_node, message) = if kind(&exc)? == "Call" {
            if !list(&exc, "keywords")?.is_empty() {
                return Err(self.unsupported(
                    &exc,
                    "keyword arguments of a raised exception are not supported",
                ));
            }
            let args = list(&exc, "args")?;
            let message = match args.as_slice() {
                [] => None,
                [m] => Some(self.message(m)?),
                _ => {
                    return Err(self.unsupported(
                        &exc,
                        "a raised exception takes one message (a string literal) or none",
                    ))
                }
            };
            (exc.getattr("func")?, message)
        } else {
            (exc.clone(), None)
        };
        match self.expr(&class_node)?.kind {
            ExprKind::Global(Global::Exception(class)) => Ok(StmtKind::Raise { class, message }),
            _ => Err(self.unsupported(
                &class_node,
                "only builtin exception classes can be raised (ValueError, TypeError, IndexError, ZeroDivisionError, RuntimeError, ...)",
            )),
        }
    }

    /// The message of `raise C("...")` or `assert c, "..."`: a string
    /// literal.
    fn message(&self, node: &Bound<'py, PyAny>) -> R<String> {
        if kind(node)? == "Constant" {
            if let Ok(s) = node.getattr("value")?.extract::<String>() {
                return Ok(s);
            }
        }
        Err(self.unsupported(
            node,
            "the message of a raised exception must be a string literal",
        ))
    }

    /// The statements of a block; a comprehension inside one runs as
    /// statements just before it (`super::comprehension`).
    fn block(&self, stmts: &[Bound<'py, PyAny>]) -> R<Vec<Stmt>> {
        let mut out = vec![];
        for s in stmts {
            let outer = self.comps.swap_hoisted(vec![]);
            let stmt = self.stmt(s);
            out.extend(self.comps.swap_hoisted(outer));
            out.push(stmt?);
        }
        Ok(out)
    }

    fn stmt(&self, node: &Bound<'py, PyAny>) -> R<Stmt> {
        let span = self.span(node)?;
        let k = kind(node)?;
        let kind = match k.as_str() {
            "Pass" => StmtKind::Pass,
            "Break" => StmtKind::Break,
            "Continue" => StmtKind::Continue,
            "Return" => {
                let v = node.getattr("value")?;
                StmtKind::Return(if v.is_none() {
                    None
                } else {
                    Some(self.expr(&v)?)
                })
            }
            // `del d[k]`: a call of the builtin `DelItem` (typing allows
            // it on typed Dicts).
            "Delete" => match list(node, "targets")?.as_slice() {
                [t] if kind(t)? == "Subscript" => {
                    let mut args = vec![self.expr(&t.getattr("value")?)?];
                    args.extend(self.index(&t.getattr("slice")?)?);
                    let func = ExprKind::Global(Global::Callee(Callee::Builtin(Builtin::DelItem)));
                    StmtKind::Expr(Expr::new(
                        ExprKind::Call {
                            func: Box::new(Expr::new(func, span)),
                            args,
                            keywords: vec![],
                        },
                        span,
                    ))
                }
                _ => {
                    return Err(self.unsupported(
                        node,
                        "'del' statements are supported on one key of a typed Dict (del d[k]), not on names or several targets",
                    ))
                }
            },
            "Expr" => {
                let v = node.getattr("value")?;
                if kind(&v)? == "Constant" && v.getattr("value")?.extract::<String>().is_ok() {
                    StmtKind::Pass // a stray string (comment-like)
                } else if let Some(print) = self.print_statement(&v)? {
                    print
                } else {
                    StmtKind::Expr(self.expr(&v)?)
                }
            }
            "Assign" => {
                let targets = list(node, "targets")?
                    .iter()
                    .map(|t| self.target(t))
                    .collect::<R<Vec<_>>>()?;
                StmtKind::Assign {
                    targets,
                    value: self.expr(&node.getattr("value")?)?,
                }
            }
            "AnnAssign" => {
                let v = node.getattr("value")?;
                if v.is_none() {
                    StmtKind::Pass
                } else {
                    StmtKind::Assign {
                        targets: vec![self.target(&node.getattr("target")?)?],
                        value: self.expr(&v)?,
                    }
                }
            }
            "AugAssign" => StmtKind::AugAssign {
                target: self.target(&node.getattr("target")?)?,
                op: self.binop(&node.getattr("op")?, node)?,
                value: self.expr(&node.getattr("value")?)?,
            },
            "If" => StmtKind::If {
                test: self.expr(&node.getattr("test")?)?,
                body: self.block(&list(node, "body")?)?,
                orelse: self.block(&list(node, "orelse")?)?,
            },
            "While" => StmtKind::While {
                test: self.comps.lazily(|| self.expr(&node.getattr("test")?))?,
                body: self.block(&list(node, "body")?)?,
                orelse: self.block(&list(node, "orelse")?)?,
            },
            "For" => StmtKind::For {
                target: self.target(&node.getattr("target")?)?,
                iter: self.expr(&node.getattr("iter")?)?,
                body: self.block(&list(node, "body")?)?,
                orelse: self.block(&list(node, "orelse")?)?,
            },
            "Raise" => self.raise(node)?,
            "Assert" => {
                let msg = node.getattr("msg")?;
                StmtKind::Assert {
                    test: self.expr(&node.getattr("test")?)?,
                    message: if msg.is_none() {
                        None
                    } else {
                        Some(self.message(&msg)?)
                    },
                }
            }
            other => return Err(self.unsupported(node, not_supported(other))),
        };
        Ok(Stmt { kind, span })
    }

    pub(super) fn target(&self, node: &Bound<'py, PyAny>) -> R<Target> {
        let span = self.span(node)?;
        Ok(match kind(node)?.as_str() {
            "Name" => {
                let id: String = node.getattr("id")?.extract()?;
                Target::Name(self.comps.renamed(&id).unwrap_or(id), span)
            }
            "Tuple" | "List" => Target::Tuple(
                list(node, "elts")?
                    .iter()
                    .map(|t| self.target(t))
                    .collect::<R<Vec<_>>>()?,
                span,
            ),
            "Subscript" => Target::Subscript {
                value: self.expr(&node.getattr("value")?)?,
                index: self.index(&node.getattr("slice")?)?,
                span,
            },
            "Attribute" => {
                return Err(self.unsupported(
                    node,
                    "assigning to an attribute is not supported in kernels",
                ))
            }
            other => {
                return Err(
                    self.unsupported(node, format!("cannot assign to {}", describe(other).0))
                )
            }
        })
    }

    fn index(&self, node: &Bound<'py, PyAny>) -> R<Vec<Expr>> {
        if kind(node)? == "Tuple" {
            list(node, "elts")?
                .iter()
                .map(|e| self.index_item(e))
                .collect()
        } else {
            Ok(vec![self.index_item(node)?])
        }
    }

    /// One index: `np.newaxis` (a global that is `None`) is `None`.
    fn index_item(&self, node: &Bound<'py, PyAny>) -> R<Expr> {
        if let Some((obj, _)) = self.global_object(node)? {
            if obj.is_none() {
                return Ok(Expr::new(ExprKind::Const(Const::None), self.span(node)?));
            }
        }
        self.expr(node)
    }

    fn binop(&self, op: &Bound<'py, PyAny>, at: &Bound<'py, PyAny>) -> R<BinOp> {
        Ok(match kind(op)?.as_str() {
            "Add" => BinOp::Add,
            "Sub" => BinOp::Sub,
            "Mult" => BinOp::Mul,
            "Div" => BinOp::TrueDiv,
            "FloorDiv" => BinOp::FloorDiv,
            "Mod" => BinOp::Mod,
            "Pow" => BinOp::Pow,
            "LShift" => BinOp::LShift,
            "RShift" => BinOp::RShift,
            "BitOr" => BinOp::BitOr,
            "BitXor" => BinOp::BitXor,
            "BitAnd" => BinOp::BitAnd,
            "MatMult" => {
                return Err(self.unsupported(
                    at,
                    "the matrix multiplication operator '@' is not supported in scalar kernels",
                ))
            }
            other => return Err(self.unsupported(at, format!("operator {other} is not supported"))),
        })
    }

    fn lookup(&self, name: &str) -> R<Option<Bound<'py, PyAny>>> {
        if let Some(v) = self.closure.get(name) {
            return Ok(Some(v.clone()));
        }
        if let Some(v) = self.globals.get_item(name)? {
            return Ok(Some(v));
        }
        if let Ok(d) = self.builtins.cast::<PyDict>() {
            return Ok(d.get_item(name)?);
        }
        Ok(self.builtins.getattr(name).ok())
    }

    /// The Python object a global name or attribute chain on one denotes,
    /// with its dotted path; `None` for expressions on local values.
    fn global_object(&self, node: &Bound<'py, PyAny>) -> R<Option<(Bound<'py, PyAny>, String)>> {
        match kind(node)?.as_str() {
            "Name" => {
                let id: String = node.getattr("id")?.extract()?;
                if self.comps.renamed(&id).is_some() || self.locals.contains(&id) {
                    return Ok(None);
                }
                match self.lookup(&id)? {
                    Some(obj) => Ok(Some((obj, id))),
                    None => Err(CompileError::at(
                        ErrorKind::UnknownName,
                        self.span(node)?,
                        format!("name '{id}' is not defined"),
                    )
                    .into()),
                }
            }
            "Attribute" => {
                let Some((obj, path)) = self.global_object(&node.getattr("value")?)? else {
                    return Ok(None);
                };
                // `G.shape` of a global array is read from the frozen
                // array, as of a local one.
                if super::resolve::is_ndarray(self.py, &obj)? {
                    return Ok(None);
                }
                let attr: String = node.getattr("attr")?.extract()?;
                match obj.getattr(attr.as_str()) {
                    Ok(v) => Ok(Some((v, format!("{path}.{attr}")))),
                    Err(_) => Err(CompileError::at(
                        ErrorKind::UnknownName,
                        self.span(node)?,
                        format!("'{path}' has no attribute '{attr}'"),
                    )
                    .into()),
                }
            }
            _ => Ok(None),
        }
    }

    /// The function's default values that are numbers or `None`.
    fn default_values(&self) -> R<Vec<Option<(Const, crate::types::Type)>>> {
        let defaults = self.function.getattr("__defaults__")?;
        if defaults.is_none() {
            return Ok(vec![]);
        }
        let mut out = vec![];
        for d in defaults.try_iter()? {
            let d = d?;
            out.push(if d.is_none() {
                Some((Const::None, crate::types::Type::NoneType))
            } else {
                match self.global(&d, "default")? {
                    Global::Constant { value, ty } => Some((value, ty)),
                    _ => None,
                }
            });
        }
        Ok(out)
    }

    fn global(&self, obj: &Bound<'py, PyAny>, path: &str) -> R<Global> {
        Ok(classify(
            self.py,
            obj,
            path,
            self.kernels,
            // (NumPy functions jitufunc implements in Python: in every
            // kernel, as arrays work in every kernel)
            true,
        )?)
    }

    pub(super) fn expr(&self, node: &Bound<'py, PyAny>) -> R<Expr> {
        let span = self.span(node)?;
        let k = kind(node)?;
        let b = |e: Expr| Box::new(e);
        let kind = match k.as_str() {
            "Name" => {
                let id: String = node.getattr("id")?.extract()?;
                if let Some(renamed) = self.comps.renamed(&id) {
                    ExprKind::Name(renamed)
                } else if self.locals.contains(&id) {
                    ExprKind::Name(id)
                } else if let Some((identity, name)) = self
                    .itself
                    .as_ref()
                    .filter(|(_, name)| *name == id)
                    .filter(|_| match self.lookup(&id) {
                        Ok(None) => true,
                        Ok(Some(obj)) => obj.is(&self.function),
                        Err(_) => false,
                    })
                {
                    ExprKind::Global(Global::Kernel(crate::syntax::KernelTarget::Reading(
                        *identity,
                        name.clone(),
                    )))
                } else {
                    let (obj, path) = self.global_object(node)?.expect("non-local name resolves");
                    ExprKind::Global(self.global(&obj, &path)?)
                }
            }
            "Attribute" => match self.global_object(node)? {
                Some((obj, path)) => ExprKind::Global(self.global(&obj, &path)?),
                None => ExprKind::Attribute(
                    b(self.expr(&node.getattr("value")?)?),
                    node.getattr("attr")?.extract()?,
                ),
            },
            "Constant" => {
                let v = node.getattr("value")?;
                match v.extract::<String>() {
                    // A string: known when compiling (`kind == "f"`).
                    Ok(text) => ExprKind::Global(Global::Constant {
                        value: Const::None,
                        ty: Type::Str(crate::types::intern(&text)),
                    }),
                    Err(_) => ExprKind::Const(self.constant(&v, node)?),
                }
            }
            // `a @ b` is `np.matmul(a, b)` (`jitufunc._numpy_functions`).
            "BinOp" if kind(&node.getattr("op")?)? == "MatMult" => {
                let matmul = self.py.import("numpy")?.getattr("matmul")?;
                let target =
                    match super::resolve::numpy_implementation(self.py, "FUNCTIONS", &matmul)? {
                        Some(imp) => (self.kernels)(self.py, &imp)?,
                        None => None,
                    };
                let Some(target) = target else {
                    return Err(self.unsupported(
                        node,
                        "the matrix multiplication operator '@' is not supported here",
                    ));
                };
                let span = self.span(node)?;
                ExprKind::Call {
                    func: b(Expr::new(ExprKind::Global(Global::Kernel(target)), span)),
                    args: vec![
                        self.expr(&node.getattr("left")?)?,
                        self.expr(&node.getattr("right")?)?,
                    ],
                    keywords: vec![],
                }
            }
            "BinOp" => ExprKind::Binary(
                self.binop(&node.getattr("op")?, node)?,
                b(self.expr(&node.getattr("left")?)?),
                b(self.expr(&node.getattr("right")?)?),
            ),
            "UnaryOp" => {
                let op = match kind(&node.getattr("op")?)?.as_str() {
                    "USub" => UnaryOp::Neg,
                    "UAdd" => UnaryOp::Pos,
                    "Invert" => UnaryOp::Invert,
                    _ => UnaryOp::Not,
                };
                let operand = node.getattr("operand")?;
                // Fold -<literal> so `-128` is one int8-compatible literal.
                if op == UnaryOp::Neg && kind(&operand)? == "Constant" {
                    match self.constant(&operand.getattr("value")?, node)? {
                        Const::Int(i) => {
                            return Ok(Expr::new(ExprKind::Const(Const::Int(-i)), span))
                        }
                        Const::Float(x) => {
                            return Ok(Expr::new(ExprKind::Const(Const::Float(-x)), span))
                        }
                        _ => {}
                    }
                }
                ExprKind::Unary(op, b(self.expr(&operand)?))
            }
            "BoolOp" => {
                let op = if kind(&node.getattr("op")?)? == "And" {
                    BoolOp::And
                } else {
                    BoolOp::Or
                };
                ExprKind::BoolOp(
                    op,
                    list(node, "values")?
                        .iter()
                        .enumerate()
                        .map(|(k, v)| match k {
                            0 => self.expr(v),
                            _ => self.comps.lazily(|| self.expr(v)),
                        })
                        .collect::<R<_>>()?,
                )
            }
            "Compare" => {
                let ops = list(node, "ops")?;
                let comparators = list(node, "comparators")?;
                let mut rest = vec![];
                for (op, c) in ops.iter().zip(&comparators) {
                    let op = match kind(op)?.as_str() {
                        "Lt" => CmpOp::Lt,
                        "LtE" => CmpOp::Le,
                        "Gt" => CmpOp::Gt,
                        "GtE" => CmpOp::Ge,
                        "Eq" => CmpOp::Eq,
                        "NotEq" => CmpOp::Ne,
                        "Is" => CmpOp::Is,
                        "IsNot" => CmpOp::IsNot,
                        "In" => CmpOp::In,
                        _ => CmpOp::NotIn,
                    };
                    rest.push((op, self.expr(c)?));
                }
                ExprKind::Compare(b(self.expr(&node.getattr("left")?)?), rest)
            }
            "IfExp" => ExprKind::IfExp {
                test: b(self.expr(&node.getattr("test")?)?),
                body: b(self.comps.lazily(|| self.expr(&node.getattr("body")?))?),
                orelse: b(self.comps.lazily(|| self.expr(&node.getattr("orelse")?))?),
            },
            "List" => ExprKind::List(
                list(node, "elts")?
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<R<_>>()?,
            ),
            "Dict" => {
                let keys = list(node, "keys")?;
                let values = list(node, "values")?;
                let mut pairs = vec![];
                for (k, v) in keys.iter().zip(&values) {
                    if k.is_none() {
                        return Err(self.unsupported(node, "'**' unpacking in dict literals"));
                    }
                    pairs.push((self.expr(k)?, self.expr(v)?));
                }
                ExprKind::Dict(pairs)
            }
            "ListComp" => self.comprehension(node, false)?,
            "DictComp" => self.comprehension(node, true)?,
            "Call" => {
                if let Some(empty) = self.untyped_container(node)? {
                    return Ok(Expr::new(empty, span));
                }
                let mut func = self.expr(&node.getattr("func")?)?;
                // An array method jitufunc implements in Python
                // (`a.argmax()`): a call of that function with the
                // receiver first.
                let mut receiver_arg = None;
                if let ExprKind::Attribute(value, m) = &func.kind {
                    if crate::builtins::ArrayFn::method(m).is_none() && m != "conjugate" {
                        let name = pyo3::types::PyString::new(self.py, m);
                        if let Some(imp) =
                            super::resolve::numpy_implementation(self.py, "METHODS", &name)?
                        {
                            if let Some(target) = (self.kernels)(self.py, &imp)? {
                                receiver_arg = Some((**value).clone());
                                func =
                                    Expr::new(ExprKind::Global(Global::Kernel(target)), func.span);
                            }
                        }
                    }
                }
                // NumPy's array functions take lists (as tuples: they are
                // only read) and dtype strings.
                // A method (`a.astype("f4")`) takes the receiver as its
                // first parameter.
                let (array_fn, receiver) = match &func.kind {
                    ExprKind::Global(Global::Callee(Callee::Array(f, _))) => (Some(*f), 0),
                    ExprKind::Attribute(_, m) => (crate::builtins::ArrayFn::method(m), 1),
                    _ => (None, 0),
                };
                let dtype_at = array_fn
                    .and_then(|f| f.params().iter().position(|p| *p == "dtype"))
                    .and_then(|k| k.checked_sub(receiver));
                let mut args: Vec<Expr> = receiver_arg.into_iter().collect();
                for (k, a) in list(node, "args")?.iter().enumerate() {
                    if kind(a)? == "Starred" {
                        return Err(self.unsupported(
                            a,
                            "starred arguments ('*args') are not supported in kernels",
                        ));
                    }
                    args.push(match array_fn {
                        Some(_) => self.array_argument(a, dtype_at == Some(k))?,
                        None => self.expr(a)?,
                    });
                }
                let mut keywords = vec![];
                for kw in list(node, "keywords")? {
                    let arg = kw.getattr("arg")?;
                    if arg.is_none() {
                        return Err(self.unsupported(
                            &kw,
                            "'**kwargs' arguments are not supported in kernels",
                        ));
                    }
                    let name: String = arg.extract()?;
                    let value = kw.getattr("value")?;
                    let value = match array_fn {
                        Some(_) => self.array_argument(&value, name == "dtype")?,
                        None => self.expr(&value)?,
                    };
                    keywords.push((name, value));
                }
                ExprKind::Call {
                    func: b(func),
                    args,
                    keywords,
                }
            }
            "Subscript" => ExprKind::Subscript(
                b(self.expr(&node.getattr("value")?)?),
                self.index(&node.getattr("slice")?)?,
            ),
            "Slice" => {
                let part = |field: &str| -> R<Option<Box<Expr>>> {
                    let v = node.getattr(field)?;
                    Ok(if v.is_none() {
                        None
                    } else {
                        Some(b(self.expr(&v)?))
                    })
                };
                ExprKind::Slice {
                    lower: part("lower")?,
                    upper: part("upper")?,
                    step: part("step")?,
                }
            }
            "Tuple" => ExprKind::Tuple(
                list(node, "elts")?
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<R<_>>()?,
            ),
            other => return Err(self.unsupported(node, not_supported(other))),
        };
        Ok(Expr::new(kind, span))
    }

    /// `print(...)` as a statement: its string literals kept as text,
    /// `sep=` and `end=` string literals; `None` if `node` is not a call
    /// of the builtin `print`.
    fn print_statement(&self, node: &Bound<'py, PyAny>) -> R<Option<StmtKind>> {
        if kind(node)? != "Call" {
            return Ok(None);
        }
        let func = self.expr(&node.getattr("func")?)?;
        if !matches!(
            func.kind,
            ExprKind::Global(Global::Callee(Callee::Builtin(
                crate::builtins::Builtin::Print
            )))
        ) {
            return Ok(None);
        }
        let text = |n: &Bound<'py, PyAny>| -> R<Option<String>> {
            if kind(n)? == "Constant" {
                if let Ok(t) = n.getattr("value")?.extract::<String>() {
                    return Ok(Some(t));
                }
            }
            Ok(None)
        };
        let mut items = vec![];
        for a in list(node, "args")? {
            if kind(&a)? == "Starred" {
                return Err(self.unsupported(&a, "print(*args) is not supported"));
            }
            items.push(match text(&a)? {
                Some(t) => crate::syntax::PrintItem::Text(t),
                None => crate::syntax::PrintItem::Value(self.expr(&a)?),
            });
        }
        let (mut sep, mut end) = (" ".to_string(), "\n".to_string());
        for kw in list(node, "keywords")? {
            let name: Option<String> = kw.getattr("arg")?.extract()?;
            let value = kw.getattr("value")?;
            let slot = match name.as_deref() {
                Some("sep") => &mut sep,
                Some("end") => &mut end,
                other => {
                    return Err(self.unsupported(
                        &kw,
                        format!(
                            "print() keyword {}= is not supported (only sep= and end=, as string literals)",
                            other.unwrap_or("**")
                        ),
                    ))
                }
            };
            *slot = text(&value)?.ok_or_else(|| {
                self.unsupported(&value, "print()'s sep= and end= must be string literals")
            })?;
        }
        Ok(Some(StmtKind::Print { items, sep, end }))
    }

    /// `List()` and `Dict()` (`jitufunc.typed`) without arguments: read as
    /// `[]` and `{}`, whose types typing finds from what is stored.
    fn untyped_container(&self, node: &Bound<'py, PyAny>) -> R<Option<ExprKind>> {
        if !list(node, "args")?.is_empty() || !list(node, "keywords")?.is_empty() {
            return Ok(None);
        }
        let Some((obj, _)) = self.global_object(&node.getattr("func")?)? else {
            return Ok(None);
        };
        if !obj.is_instance_of::<pyo3::types::PyType>() {
            return Ok(None);
        }
        let class = obj
            .getattr("_jitufunc_class")
            .ok()
            .and_then(|c| c.extract::<String>().ok());
        Ok(match class.as_deref() {
            Some("typed.List") => Some(ExprKind::List(vec![])),
            Some("typed.Dict") => Some(ExprKind::Dict(vec![])),
            _ => None,
        })
    }

    /// An argument of a NumPy array function: a list literal is read as a
    /// tuple (nested lists too), and a string where the dtype goes names
    /// the dtype (`dtype="float32"`, as `np.dtype("float32")` reads it).
    fn array_argument(&self, node: &Bound<'py, PyAny>, is_dtype: bool) -> R<Expr> {
        match kind(node)?.as_str() {
            "List" | "Tuple" => {
                let items = list(node, "elts")?
                    .iter()
                    .map(|e| self.array_argument(e, false))
                    .collect::<R<Vec<_>>>()?;
                Ok(Expr::new(ExprKind::Tuple(items), self.span(node)?))
            }
            "Constant" if is_dtype => {
                let value = node.getattr("value")?;
                let Ok(name) = value.extract::<String>() else {
                    return self.expr(node);
                };
                let numpy = self.py.import("numpy")?;
                let scalar_type = match numpy.getattr("dtype")?.call1((name.as_str(),)) {
                    Ok(dtype) => dtype.getattr("type")?,
                    Err(_) => {
                        return Err(self.unsupported(node, format!("'{name}' is not a NumPy dtype")))
                    }
                };
                match self.global(&scalar_type, &name)? {
                    g @ Global::Callee(Callee::DType(_)) => {
                        Ok(Expr::new(ExprKind::Global(g), self.span(node)?))
                    }
                    _ => Err(self.unsupported(
                        node,
                        format!("dtype '{name}' is not supported in kernels (numbers only: bool, integers, floats, complex)"),
                    )),
                }
            }
            _ => self.expr(node),
        }
    }

    fn constant(&self, v: &Bound<'py, PyAny>, node: &Bound<'py, PyAny>) -> R<Const> {
        if v.is_none() {
            return Ok(Const::None);
        }
        if v.is(self.py.Ellipsis()) {
            return Ok(Const::Ellipsis);
        }
        match super::resolve::classify(self.py, v, "literal", self.kernels, self.itself.is_some())?
        {
            Global::Constant { value, .. } => Ok(value),
            _ => {
                let what = if v.extract::<String>().is_ok() {
                    "string literals".to_string()
                } else {
                    format!("literals of type {}", v.get_type().name()?)
                };
                Err(self.unsupported(node, format!("{what} are not supported in kernels")))
            }
        }
    }
}
