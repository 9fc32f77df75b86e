//! The rebuilt tree as CPython `ast` nodes, the input the source frontend
//! reads (`super::super::convert`): a `FunctionDef` (or `Lambda`) with the
//! function's parameters and defaults (placeholders: the frontend reads
//! their values from the function), and every node placed at the line the
//! bytecode gives (columns too on Python 3.11+).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use super::stack::{fail, R};
use super::tree::{ExprKind, Literal, Stmt, StmtKind, Target, E};
use crate::error::Span;

/// An emission failure: a Python error, or a marker the rebuild left.
pub enum EmitError {
    Py(PyErr),
    Rebuild(super::stack::Fail),
}

impl From<PyErr> for EmitError {
    fn from(e: PyErr) -> Self {
        EmitError::Py(e)
    }
}

impl From<super::stack::Fail> for EmitError {
    fn from(e: super::stack::Fail) -> Self {
        EmitError::Rebuild(e)
    }
}

type ER<T> = Result<T, EmitError>;

fn rebuild_err<T>(span: Span, what: &str) -> ER<T> {
    let r: R<T> = fail(span, what);
    r.map_err(EmitError::Rebuild)
}

/// The parameters of a code object and its function.
pub struct Signature {
    pub posonly: Vec<String>,
    pub args: Vec<String>,
    pub vararg: Option<String>,
    pub kwonly: Vec<String>,
    pub kwarg: Option<String>,
    pub defaults: usize,
}

pub struct Emitter<'py> {
    pub py: Python<'py>,
    pub ast: Bound<'py, PyModule>,
    /// `co_consts`.
    pub consts: Vec<Bound<'py, PyAny>>,
    pub minor: u32,
}

impl<'py> Emitter<'py> {
    fn node(
        &self,
        kind: &str,
        fields: &[(&str, Bound<'py, PyAny>)],
        span: Option<Span>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(self.py);
        for (k, v) in fields {
            kwargs.set_item(k, v)?;
        }
        if let Some(s) = span {
            let end_line = s.end_line.max(s.line);
            let end_col = if end_line == s.line {
                s.end_col.max(s.col)
            } else {
                s.end_col
            };
            kwargs.set_item("lineno", s.line)?;
            kwargs.set_item("col_offset", s.col)?;
            kwargs.set_item("end_lineno", end_line)?;
            kwargs.set_item("end_col_offset", end_col)?;
        }
        self.ast.getattr(kind)?.call((), Some(&kwargs))
    }

    fn text(&self, s: &str) -> Bound<'py, PyAny> {
        pyo3::types::PyString::new(self.py, s).into_any()
    }

    fn leaf(&self, kind: &str) -> PyResult<Bound<'py, PyAny>> {
        self.ast.getattr(kind)?.call0()
    }

    fn list(&self, items: Vec<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyList::new(self.py, items)?.into_any())
    }

    fn none(&self) -> Bound<'py, PyAny> {
        self.py.None().into_bound(self.py)
    }

    /// `span`, or `parent` where the bytecode gave no line.
    fn at(span: Span, parent: Span) -> Span {
        if span.line == 0 {
            parent
        } else {
            span
        }
    }

    fn constant(&self, value: &Bound<'py, PyAny>, span: Span) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(t) = value.cast::<PyTuple>() {
            let elts = t
                .iter()
                .map(|v| self.constant(&v, span))
                .collect::<PyResult<Vec<_>>>()?;
            return self.node(
                "Tuple",
                &[("elts", self.list(elts)?), ("ctx", self.leaf("Load")?)],
                Some(span),
            );
        }
        self.node("Constant", &[("value", value.clone())], Some(span))
    }

    fn const_at(&self, k: usize, span: Span) -> ER<&Bound<'py, PyAny>> {
        match self.consts.get(k) {
            Some(c) => Ok(c),
            None => rebuild_err(span, "a constant out of range"),
        }
    }

    pub fn expr(&self, e: &E, parent: Span) -> ER<Bound<'py, PyAny>> {
        let span = Self::at(e.span, parent);
        let x = |v: &E| self.expr(v, span);
        let load = || self.leaf("Load");
        let node = match &e.kind {
            ExprKind::Name(n) => self.node(
                "Name",
                &[("id", self.text(n)), ("ctx", load()?)],
                Some(span),
            )?,
            ExprKind::Const(k) => self.constant(self.const_at(*k, span)?, span)?,
            ExprKind::Literal(l) => {
                let v = match l {
                    Literal::None => self.none(),
                    Literal::True | Literal::False => {
                        pyo3::types::PyBool::new(self.py, *l == Literal::True)
                            .to_owned()
                            .into_any()
                    }
                };
                self.node("Constant", &[("value", v)], Some(span))?
            }
            ExprKind::Attribute(v, n) => self.node(
                "Attribute",
                &[("value", x(v)?), ("attr", self.text(n)), ("ctx", load()?)],
                Some(span),
            )?,
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                let args = args.iter().map(x).collect::<ER<Vec<_>>>()?;
                let mut kws = vec![];
                for (name, v) in keywords {
                    let value = x(v)?;
                    kws.push(self.node(
                        "keyword",
                        &[("arg", self.text(name)), ("value", value)],
                        Some(Self::at(v.span, span)),
                    )?);
                }
                self.node(
                    "Call",
                    &[
                        ("func", x(func)?),
                        ("args", self.list(args)?),
                        ("keywords", self.list(kws)?),
                    ],
                    Some(span),
                )?
            }
            ExprKind::Binary {
                op,
                left,
                right,
                inplace: false,
            } => self.node(
                "BinOp",
                &[
                    ("left", x(left)?),
                    ("op", self.leaf(op)?),
                    ("right", x(right)?),
                ],
                Some(span),
            )?,
            ExprKind::Unary(op, v) => self.node(
                "UnaryOp",
                &[("op", self.leaf(op)?), ("operand", x(v)?)],
                Some(span),
            )?,
            ExprKind::Compare(l, rest) => {
                let mut ops = vec![];
                let mut comparators = vec![];
                for (op, c) in rest {
                    ops.push(self.leaf(op)?);
                    comparators.push(x(c)?);
                }
                self.node(
                    "Compare",
                    &[
                        ("left", x(l)?),
                        ("ops", self.list(ops)?),
                        ("comparators", self.list(comparators)?),
                    ],
                    Some(span),
                )?
            }
            ExprKind::BoolOp(and, values) => {
                let values = values.iter().map(x).collect::<ER<Vec<_>>>()?;
                self.node(
                    "BoolOp",
                    &[
                        ("op", self.leaf(if *and { "And" } else { "Or" })?),
                        ("values", self.list(values)?),
                    ],
                    Some(span),
                )?
            }
            ExprKind::IfExp { test, body, orelse } => self.node(
                "IfExp",
                &[
                    ("test", x(test)?),
                    ("body", x(body)?),
                    ("orelse", x(orelse)?),
                ],
                Some(span),
            )?,
            ExprKind::Subscript(v, i) => self.node(
                "Subscript",
                &[("value", x(v)?), ("slice", x(i)?), ("ctx", load()?)],
                Some(span),
            )?,
            ExprKind::Slice(a, b, c) => {
                let part = |p: &Option<E>| -> ER<Bound<'py, PyAny>> {
                    match p {
                        Some(p) => x(p),
                        None => Ok(self.none()),
                    }
                };
                self.node(
                    "Slice",
                    &[("lower", part(a)?), ("upper", part(b)?), ("step", part(c)?)],
                    Some(span),
                )?
            }
            ExprKind::Tuple(items) => {
                let elts = items.iter().map(x).collect::<ER<Vec<_>>>()?;
                self.node(
                    "Tuple",
                    &[("elts", self.list(elts)?), ("ctx", load()?)],
                    Some(span),
                )?
            }
            ExprKind::List(items) => {
                let mut elts = vec![];
                for item in items {
                    if let ExprKind::ConstItems(k) = item.kind {
                        let t = self.const_at(k, span)?;
                        for v in t.try_iter()? {
                            elts.push(self.constant(&v?, Self::at(item.span, span))?);
                        }
                    } else {
                        elts.push(x(item)?);
                    }
                }
                self.node(
                    "List",
                    &[("elts", self.list(elts)?), ("ctx", load()?)],
                    Some(span),
                )?
            }
            ExprKind::Binary { inplace: true, .. } => {
                return rebuild_err(span, "an in-place operation inside an expression")
            }
            ExprKind::ConstItems(_)
            | ExprKind::Null
            | ExprKind::Iter(_)
            | ExprKind::ForItem
            | ExprKind::Unpacked { .. }
            | ExprKind::AssertionError => {
                return rebuild_err(span, "a value the bytecode does not show how to compute")
            }
        };
        Ok(node)
    }

    fn target(&self, t: &Target, parent: Span) -> ER<Bound<'py, PyAny>> {
        let store = || self.leaf("Store");
        Ok(match t {
            Target::Name(n, s) => self.node(
                "Name",
                &[("id", self.text(n)), ("ctx", store()?)],
                Some(Self::at(*s, parent)),
            )?,
            Target::Tuple(items, s) => {
                let span = Self::at(*s, parent);
                let elts = items
                    .iter()
                    .map(|i| self.target(i, span))
                    .collect::<ER<Vec<_>>>()?;
                self.node(
                    "Tuple",
                    &[("elts", self.list(elts)?), ("ctx", store()?)],
                    Some(span),
                )?
            }
            Target::Subscript(v, i, s) => {
                let span = Self::at(*s, parent);
                self.node(
                    "Subscript",
                    &[
                        ("value", self.expr(v, span)?),
                        ("slice", self.expr(i, span)?),
                        ("ctx", store()?),
                    ],
                    Some(span),
                )?
            }
        })
    }

    pub fn block(&self, stmts: &[Stmt], parent: Span) -> ER<Bound<'py, PyAny>> {
        let mut out = vec![];
        for s in stmts {
            out.push(self.stmt(s, parent)?);
        }
        if out.is_empty() {
            out.push(self.node("Pass", &[], Some(parent))?);
        }
        Ok(self.list(out)?)
    }

    fn stmt(&self, s: &Stmt, parent: Span) -> ER<Bound<'py, PyAny>> {
        let span = Self::at(s.span, parent);
        let x = |v: &E| self.expr(v, span);
        let opt = |v: &Option<E>| -> ER<Bound<'py, PyAny>> {
            match v {
                Some(v) => x(v),
                None => Ok(self.none()),
            }
        };
        let node = match &s.kind {
            StmtKind::Assign { targets, value } => {
                let targets = targets
                    .iter()
                    .map(|t| self.target(t, span))
                    .collect::<ER<Vec<_>>>()?;
                self.node(
                    "Assign",
                    &[("targets", self.list(targets)?), ("value", x(value)?)],
                    Some(span),
                )?
            }
            StmtKind::AugAssign { target, op, value } => self.node(
                "AugAssign",
                &[
                    ("target", self.target(target, span)?),
                    ("op", self.leaf(op)?),
                    ("value", x(value)?),
                ],
                Some(span),
            )?,
            StmtKind::Expr(e) => self.node("Expr", &[("value", x(e)?)], Some(span))?,
            StmtKind::Return(v) => self.node("Return", &[("value", opt(v)?)], Some(span))?,
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                let kind = if matches!(s.kind, StmtKind::If { .. }) {
                    "If"
                } else {
                    "While"
                };
                let orelse = if orelse.is_empty() {
                    self.list(vec![])?
                } else {
                    self.block(orelse, span)?
                };
                self.node(
                    kind,
                    &[
                        ("test", x(test)?),
                        ("body", self.block(body, span)?),
                        ("orelse", orelse),
                    ],
                    Some(span),
                )?
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let orelse = if orelse.is_empty() {
                    self.list(vec![])?
                } else {
                    self.block(orelse, span)?
                };
                self.node(
                    "For",
                    &[
                        ("target", self.target(target, span)?),
                        ("iter", x(iter)?),
                        ("body", self.block(body, span)?),
                        ("orelse", orelse),
                    ],
                    Some(span),
                )?
            }
            StmtKind::Break => self.node("Break", &[], Some(span))?,
            StmtKind::Continue => self.node("Continue", &[], Some(span))?,
            StmtKind::Pass => self.node("Pass", &[], Some(span))?,
            StmtKind::Raise(exc, cause) => self.node(
                "Raise",
                &[("exc", opt(exc)?), ("cause", opt(cause)?)],
                Some(span),
            )?,
            StmtKind::Assert { test, msg } => self.node(
                "Assert",
                &[("test", x(test)?), ("msg", opt(msg)?)],
                Some(span),
            )?,
            StmtKind::ForTarget(_) | StmtKind::Exit(_) => {
                return rebuild_err(span, "a loop target outside its loop")
            }
        };
        Ok(node)
    }

    fn arguments(&self, sig: &Signature, span: Span) -> PyResult<Bound<'py, PyAny>> {
        let arg = |name: &String| -> PyResult<Bound<'py, PyAny>> {
            self.node("arg", &[("arg", self.text(name))], Some(span))
        };
        let many = |names: &[String]| -> PyResult<Bound<'py, PyAny>> {
            self.list(names.iter().map(arg).collect::<PyResult<Vec<_>>>()?)
        };
        let one = |name: &Option<String>| -> PyResult<Bound<'py, PyAny>> {
            match name {
                Some(n) => arg(n),
                None => Ok(self.none()),
            }
        };
        // The values stay with the function; the frontend reads them there.
        let defaults = (0..sig.defaults)
            .map(|_| self.node("Constant", &[("value", self.none())], Some(span)))
            .collect::<PyResult<Vec<_>>>()?;
        let kw_defaults = sig.kwonly.iter().map(|_| self.none()).collect();
        self.node(
            "arguments",
            &[
                ("posonlyargs", many(&sig.posonly)?),
                ("args", many(&sig.args)?),
                ("vararg", one(&sig.vararg)?),
                ("kwonlyargs", many(&sig.kwonly)?),
                ("kw_defaults", self.list(kw_defaults)?),
                ("kwarg", one(&sig.kwarg)?),
                ("defaults", self.list(defaults)?),
            ],
            None,
        )
    }

    /// The function: a `Lambda` if it is one, else a `FunctionDef`.
    pub fn function(
        &self,
        name: &str,
        sig: &Signature,
        doc: Option<Bound<'py, PyAny>>,
        body: &[Stmt],
        line: u32,
    ) -> ER<Bound<'py, PyAny>> {
        let span = Span::line(line);
        let args = self.arguments(sig, span)?;
        if name == "<lambda>" {
            if let [Stmt {
                kind: StmtKind::Return(Some(v)),
                ..
            }] = body
            {
                return Ok(self.node(
                    "Lambda",
                    &[("args", args), ("body", self.expr(v, span)?)],
                    Some(span),
                )?);
            }
        }
        let mut stmts = vec![];
        if let Some(doc) = doc {
            let c = self.node("Constant", &[("value", doc)], Some(span))?;
            stmts.push(self.node("Expr", &[("value", c)], Some(span))?);
        }
        for s in body {
            stmts.push(self.stmt(s, span)?);
        }
        if stmts.is_empty() {
            stmts.push(self.node("Pass", &[], Some(span))?);
        }
        let mut fields = vec![
            ("name", self.text(name)),
            ("args", args),
            ("body", self.list(stmts)?),
            ("decorator_list", self.list(vec![])?),
            ("returns", self.none()),
        ];
        if self.minor >= 12 {
            fields.push(("type_params", self.list(vec![])?));
        }
        Ok(self.node("FunctionDef", &fields, Some(span))?)
    }
}
