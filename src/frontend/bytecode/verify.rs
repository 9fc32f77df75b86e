//! The check that makes a rebuilt function trustworthy: compiled again by
//! the running Python, it must give the operations of the original code
//! (`read::Op`, which leaves out line numbers, `NOP`s and the choice
//! between equivalent superinstructions). Equal bytecode is equal
//! behaviour, so a rebuild that passes cannot be a different program.

use pyo3::prelude::*;
use pyo3::types::{PyCode, PyDict, PyList, PyTuple};

use super::read;

/// The global names the original module imported, as far as the code
/// shows: CPython 3.11+ calls `m.f(x)` as a method (`LOAD_ATTR` with the
/// method bit, or `LOAD_METHOD`) unless `m` is imported at module level.
pub fn imported_names(code: &read::Code) -> Vec<String> {
    let mut names = vec![];
    for w in code.instrs.windows(3) {
        if let (read::Op::LoadGlobal { name, null }, read::Op::LoadAttr { method: false, .. }) =
            (&w[0].op, &w[1].op)
        {
            if (*null || w[2].op == read::Op::PushNull) && !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The global names `code` uses that name modules in `func`'s globals:
/// the names its module most likely imported (`imported_names` without
/// decoding the bytecode; a guess that `same_bytes` then confirms).
pub fn module_globals(
    py: Python<'_>,
    func: &Bound<'_, PyAny>,
    code: &Bound<'_, PyAny>,
) -> PyResult<Vec<String>> {
    let globals = func.getattr("__globals__")?;
    let globals = globals.cast::<PyDict>()?;
    let module = py.import("types")?.getattr("ModuleType")?;
    let mut names = vec![];
    for name in code.getattr("co_names")?.try_iter()? {
        let name = name?;
        if let Some(value) = globals.get_item(&name)? {
            if value.is_instance(&module)? {
                names.push(name.extract::<String>()?);
            }
        }
    }
    Ok(names)
}

/// Whether `a` and `b` are the same bytecode: the same instruction bytes,
/// flags, names and constants (told apart as `const_keys` does). Line
/// numbers and positions may differ. Enough for `same_code` to hold.
pub fn same_bytes(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    for field in [
        "co_code",
        "co_flags",
        "co_names",
        "co_varnames",
        "co_freevars",
        "co_cellvars",
        "co_argcount",
        "co_posonlyargcount",
        "co_kwonlyargcount",
    ] {
        if !a.getattr(field)?.eq(b.getattr(field)?)? {
            return Ok(false);
        }
    }
    Ok(const_keys(a)? == const_keys(b)?)
}

/// Compiles the `FunctionDef` or `Lambda` node `node` as the code object
/// of a function named `name` whose free variables are `freevars`, in a
/// module that imports `imported`.
pub fn recompile<'py>(
    py: Python<'py>,
    node: &Bound<'py, PyAny>,
    name: &str,
    freevars: &[String],
    imported: &[String],
    filename: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let ast = py.import("ast")?;
    let minor = read::python_minor(py)?;
    let call = |kind: &str, kw: &[(&str, Bound<'py, PyAny>)]| -> PyResult<Bound<'py, PyAny>> {
        let d = PyDict::new(py);
        for (k, v) in kw {
            d.set_item(k, v)?;
        }
        ast.getattr(kind)?.call((), Some(&d))
    };
    let name_node = |id: &str, ctx: &str| -> PyResult<Bound<'py, PyAny>> {
        call(
            "Name",
            &[
                ("id", id.into_pyobject(py)?.into_any()),
                ("ctx", ast.getattr(ctx)?.call0()?),
            ],
        )
    };
    let list = |items: Vec<Bound<'py, PyAny>>| -> PyResult<Bound<'py, PyAny>> {
        Ok(PyList::new(py, items)?.into_any())
    };
    let is_lambda = node.get_type().name()? == "Lambda";
    let def = if is_lambda {
        call(
            "Assign",
            &[
                (
                    "targets",
                    list(vec![name_node("__jitufunc_rebuilt__", "Store")?])?,
                ),
                ("value", node.clone()),
            ],
        )?
    } else {
        node.clone()
    };
    let mut body = vec![def];
    if !freevars.is_empty() {
        // The free variables as locals of an enclosing function.
        let mut outer = vec![];
        for v in freevars {
            outer.push(call(
                "Assign",
                &[
                    ("targets", list(vec![name_node(v, "Store")?])?),
                    (
                        "value",
                        call("Constant", &[("value", py.None().into_bound(py))])?,
                    ),
                ],
            )?);
        }
        outer.extend(body);
        let args = call(
            "arguments",
            &[
                ("posonlyargs", list(vec![])?),
                ("args", list(vec![])?),
                ("kwonlyargs", list(vec![])?),
                ("kw_defaults", list(vec![])?),
                ("defaults", list(vec![])?),
            ],
        )?;
        let mut fields = vec![
            ("name", "__jitufunc_outer__".into_pyobject(py)?.into_any()),
            ("args", args),
            ("body", list(outer)?),
            ("decorator_list", list(vec![])?),
        ];
        if minor >= 12 {
            fields.push(("type_params", list(vec![])?));
        }
        body = vec![call("FunctionDef", &fields)?];
    }
    for m in imported {
        let alias = call("alias", &[("name", m.into_pyobject(py)?.into_any())])?;
        body.insert(0, call("Import", &[("names", list(vec![alias])?)])?);
    }
    let module = call(
        "Module",
        &[("body", list(body)?), ("type_ignores", list(vec![])?)],
    )?;
    ast.call_method1("fix_missing_locations", (&module,))?;
    let compiled = match py
        .import("builtins")?
        .call_method1("compile", (&module, filename, "exec"))
    {
        Ok(c) => c,
        Err(_) => return Ok(None),
    };
    find_code(&compiled, name)
}

fn find_code<'py>(code: &Bound<'py, PyAny>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    for c in code.getattr("co_consts")?.cast::<PyTuple>()?.iter() {
        if c.is_instance_of::<PyCode>() {
            if c.getattr("co_name")?.extract::<String>()? == name {
                return Ok(Some(c));
            }
            if let Some(found) = find_code(&c, name)? {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// A constant as text that tells apart what `==` does not (`1`, `1.0`,
/// `True`; `0.0`, `-0.0`).
fn const_keys(code: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    code.getattr("co_consts")?
        .try_iter()?
        .map(|c| {
            let c = c?;
            Ok(format!("{}:{}", c.get_type().name()?, c.repr()?))
        })
        .collect()
}

/// The operations without `NOP`s (which only carry line numbers), jump
/// targets moved to what follows a dropped one.
fn without_nops(instrs: Vec<read::Instr>) -> Vec<read::Op> {
    let mut index = Vec::with_capacity(instrs.len() + 1);
    let mut kept = 0;
    for i in &instrs {
        index.push(kept);
        if i.op != read::Op::Nop {
            kept += 1;
        }
    }
    index.push(kept);
    instrs
        .into_iter()
        .filter(|i| i.op != read::Op::Nop)
        .map(|i| {
            let mut op = i.op;
            match &mut op {
                read::Op::ForIter { exit: t }
                | read::Op::Jump(t)
                | read::Op::CondJump { target: t, .. } => *t = index[*t],
                _ => {}
            }
            op
        })
        .collect()
}

/// Whether `a` and `b` have the same operations.
pub fn same_code(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    let (Ok(x), Ok(y)) = (read::read(py, a)?, read::read(py, b)?) else {
        return Ok(false);
    };
    let (x, y) = (without_nops(x.instrs), without_nops(y.instrs));
    let (ka, kb) = (const_keys(a)?, const_keys(b)?);
    if std::env::var("JITUFUNC_BYTECODE_DEBUG").is_ok() {
        for k in 0..x.len().max(y.len()) {
            let p = x.get(k).map(|op| format!("{op:?}")).unwrap_or_default();
            let q = y.get(k).map(|op| format!("{op:?}")).unwrap_or_default();
            eprintln!("{} {k:3} {p:50} {q}", if p == q { " " } else { "*" });
        }
    }
    Ok(x.len() == y.len()
        && x.iter().zip(&y).all(|(p, q)| match (p, q) {
            (read::Op::LoadConst(i), read::Op::LoadConst(j)) => ka.get(*i) == kb.get(*j),
            (p, q) => p == q,
        }))
}
