//! List and dict comprehensions, read as statements: `[f(x) for x in xs if
//! c(x)]` becomes, just before the statement that holds it,
//!
//! ```text
//! $comp0 = []
//! for $comp0.x in xs:
//!     if c($comp0.x):
//!         $comp0.append(f($comp0.x))
//! ```
//!
//! and the comprehension itself the name `$comp0` (`{k: v for ...}` the
//! same with `{}` and `$comp0[k] = v`). The loop variables are renamed, so
//! they stay local to the comprehension as in Python 3.
//!
//! Moving the loop before its statement keeps Python's order only where the
//! comprehension is evaluated exactly once, before anything else in the
//! statement that has an effect; a comprehension in a lazily evaluated
//! place (the right of `and`/`or`, a branch of `x if c else y`, a `while`
//! condition) is refused.

use std::cell::{Cell, RefCell};

use pyo3::prelude::*;

use super::convert::{kind, list, Converter, R};
use crate::syntax::{Expr, ExprKind, Stmt, StmtKind, Target};

/// What reading comprehensions needs while a function is converted.
#[derive(Default)]
pub struct Comprehensions {
    /// Statements to run before the statement being converted.
    hoisted: RefCell<Vec<Stmt>>,
    /// Comprehensions read so far (names `$comp{n}`).
    count: Cell<u32>,
    /// How many lazily evaluated places the converter is inside.
    lazy: Cell<u32>,
    /// Loop variables of the comprehensions being read, to their new names
    /// (innermost last).
    renames: RefCell<Vec<(String, String)>>,
}

impl Comprehensions {
    /// The name local `id` has here (a comprehension's loop variable is
    /// renamed inside it).
    pub fn renamed(&self, id: &str) -> Option<String> {
        self.renames
            .borrow()
            .iter()
            .rev()
            .find(|(from, _)| from == id)
            .map(|(_, to)| to.clone())
    }

    /// Runs `f` inside a lazily evaluated place.
    pub fn lazily<T>(&self, f: impl FnOnce() -> T) -> T {
        self.lazy.set(self.lazy.get() + 1);
        let out = f();
        self.lazy.set(self.lazy.get() - 1);
        out
    }

    /// Takes the statements hoisted so far (converting one statement),
    /// leaving `keep` in their place.
    pub fn swap_hoisted(&self, keep: Vec<Stmt>) -> Vec<Stmt> {
        self.hoisted.replace(keep)
    }
}

/// The names bound by a comprehension's `for` target.
fn target_names(node: &Bound<'_, PyAny>, out: &mut Vec<String>) -> R<()> {
    match kind(node)?.as_str() {
        "Name" => out.push(node.getattr("id")?.extract()?),
        "Tuple" | "List" => {
            for t in list(node, "elts")? {
                target_names(&t, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

impl<'py> Converter<'py, '_> {
    /// `[elt for ...]` (`dict` false) or `{key: value for ...}` (`dict`
    /// true): the hoisted loop, and the name of the container it fills.
    pub(super) fn comprehension(&self, node: &Bound<'py, PyAny>, dict: bool) -> R<ExprKind> {
        let span = self.span(node)?;
        let what = if dict {
            "dict comprehensions"
        } else {
            "list comprehensions"
        };
        if self.comps.lazy.get() > 0 {
            return Err(self.unsupported(
                node,
                format!("{what} are supported where they are evaluated once (not inside 'and'/'or', a conditional expression or a 'while' condition): assign it to a variable first"),
            ));
        }
        let n = self.comps.count.get();
        self.comps.count.set(n + 1);
        let name = format!("$comp{n}");
        let generators = list(node, "generators")?;
        // The loop variables, renamed for the whole comprehension.
        let mut bound = vec![];
        for g in &generators {
            if g.getattr("is_async")?.extract::<i64>()? != 0 {
                return Err(self.unsupported(node, "asynchronous comprehensions"));
            }
            target_names(&g.getattr("target")?, &mut bound)?;
        }
        let depth = self.comps.renames.borrow().len();
        // The first iterable is evaluated outside the comprehension's scope.
        let first_iter = self.expr(&generators[0].getattr("iter")?)?;
        self.comps
            .renames
            .borrow_mut()
            .extend(bound.iter().map(|b| (b.clone(), format!("{name}.{b}"))));
        let body = self.comprehension_body(node, &generators, first_iter, &name, dict);
        self.comps.renames.borrow_mut().truncate(depth);
        let body = body?;
        let empty = if dict {
            ExprKind::Dict(vec![])
        } else {
            ExprKind::List(vec![])
        };
        let mut hoisted = self.comps.hoisted.borrow_mut();
        hoisted.push(Stmt {
            kind: StmtKind::Assign {
                targets: vec![Target::Name(name.clone(), span)],
                value: Expr::new(empty, span),
            },
            span,
        });
        hoisted.push(body);
        Ok(ExprKind::Name(name))
    }

    /// The nest of loops and `if`s of a comprehension, innermost storing
    /// into `name`.
    fn comprehension_body(
        &self,
        node: &Bound<'py, PyAny>,
        generators: &[Bound<'py, PyAny>],
        first_iter: Expr,
        name: &str,
        dict: bool,
    ) -> R<Stmt> {
        let span = self.span(node)?;
        // The innermost statement, converted with its own hoisted
        // statements (a comprehension inside the element) in front.
        let outer = self.comps.swap_hoisted(vec![]);
        let store = self.comprehension_store(node, name, dict, span);
        let mut inner = self.comps.swap_hoisted(outer);
        inner.push(store?);
        for (k, g) in generators.iter().enumerate().rev() {
            for cond in list(g, "ifs")?.iter().rev() {
                let outer = self.comps.swap_hoisted(vec![]);
                let test = self.expr(cond);
                let mut pre = self.comps.swap_hoisted(outer);
                let test = test?;
                let cspan = self.span(cond)?;
                pre.push(Stmt {
                    kind: StmtKind::If {
                        test,
                        body: inner,
                        orelse: vec![],
                    },
                    span: cspan,
                });
                inner = pre;
            }
            let outer = self.comps.swap_hoisted(vec![]);
            let iter = if k == 0 {
                Ok(first_iter.clone())
            } else {
                self.expr(&g.getattr("iter")?)
            };
            let target = self.target(&g.getattr("target")?);
            let mut pre = self.comps.swap_hoisted(outer);
            pre.push(Stmt {
                kind: StmtKind::For {
                    target: target?,
                    iter: iter?,
                    body: inner,
                    orelse: vec![],
                },
                span: self.span(g.getattr("target")?.as_any())?,
            });
            inner = pre;
        }
        // `inner` is now the outermost loop (with nothing in front: the
        // first iterable was read outside).
        Ok(match inner.len() {
            1 => inner.pop().expect("one statement"),
            _ => Stmt {
                kind: StmtKind::If {
                    test: Expr::new(ExprKind::Const(crate::syntax::Const::Bool(true)), span),
                    body: inner,
                    orelse: vec![],
                },
                span,
            },
        })
    }

    /// `name.append(elt)` or `name[key] = value`.
    fn comprehension_store(
        &self,
        node: &Bound<'py, PyAny>,
        name: &str,
        dict: bool,
        span: crate::error::Span,
    ) -> R<Stmt> {
        let container = || Expr::new(ExprKind::Name(name.to_string()), span);
        if dict {
            let key = self.expr(&node.getattr("key")?)?;
            let value = self.expr(&node.getattr("value")?)?;
            return Ok(Stmt {
                kind: StmtKind::Assign {
                    targets: vec![Target::Subscript {
                        value: container(),
                        index: vec![key],
                        span,
                    }],
                    value,
                },
                span,
            });
        }
        let elt = self.expr(&node.getattr("elt")?)?;
        let append = Expr::new(
            ExprKind::Attribute(Box::new(container()), "append".into()),
            span,
        );
        Ok(Stmt {
            kind: StmtKind::Expr(Expr::new(
                ExprKind::Call {
                    func: Box::new(append),
                    args: vec![elt],
                    keywords: vec![],
                },
                span,
            )),
            span,
        })
    }
}
