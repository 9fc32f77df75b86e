//! The bytecode frontend: a function without source (made by `exec` of a
//! string, by `compile()` of a rewritten `ast` tree, typed into the plain
//! interactive interpreter) rebuilt as the `ast.FunctionDef` its bytecode
//! was compiled from, for the same `Converter` the source frontend uses.
//!
//! `read` decodes the instructions (Python 3.10 to 3.13) into version-
//! neutral operations, `cfg` finds blocks and loops, `stack` and
//! `structure` rebuild statements and control flow, `tidy` puts them in
//! the shape people write, `emit` makes `ast` nodes. `verify` compiles the
//! result again and requires the original operations back, so a rebuild
//! is either the same program or an error; never a different program.
//! Positions come from the bytecode's line table, so errors name the file
//! and line (no source text to quote).

mod cfg;
mod emit;
mod read;
mod stack;
mod structure;
mod tidy;
mod tree;
mod verify;

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::error::{CompileError, ErrorKind, Result, SourceInfo, Span};

/// The rebuilt definition node and where the function is.
pub struct Rebuilt<'py> {
    pub node: Bound<'py, PyAny>,
    pub info: SourceInfo,
}

fn signature(func: &Bound<'_, PyAny>, code: &Bound<'_, PyAny>) -> PyResult<emit::Signature> {
    let names: Vec<String> = code.getattr("co_varnames")?.extract()?;
    let argc: usize = code.getattr("co_argcount")?.extract()?;
    let posonly: usize = code.getattr("co_posonlyargcount")?.extract()?;
    let kwonly: usize = code.getattr("co_kwonlyargcount")?.extract()?;
    let flags: i64 = code.getattr("co_flags")?.extract()?;
    let mut k = argc + kwonly;
    let mut next = |present: bool| {
        if present {
            k += 1;
            names.get(k - 1).cloned()
        } else {
            None
        }
    };
    let vararg = next(flags & 0x04 != 0);
    let kwarg = next(flags & 0x08 != 0);
    let defaults = func.getattr("__defaults__")?;
    let defaults = if defaults.is_none() {
        0
    } else {
        defaults.len()?
    };
    Ok(emit::Signature {
        posonly: names[..posonly].to_vec(),
        args: names[posonly..argc].to_vec(),
        vararg,
        kwonly: names[argc..argc + kwonly].to_vec(),
        kwarg,
        defaults,
    })
}

/// The docstring, as the compiler keeps it (`co_consts[0]`).
fn docstring<'py>(func: &Bound<'py, PyAny>, code: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    let doc = func.getattr("__doc__").ok()?;
    if !doc.is_instance_of::<PyString>() {
        return None;
    }
    let first = code.getattr("co_consts").ok()?.get_item(0).ok()?;
    first.is(&doc).then_some(doc)
}

/// Whether the `FunctionDef` node `node`, parsed from the text found as
/// `func`'s source, compiles to `func`'s own bytecode: false when the file
/// changed after the function was made, or when the function was compiled
/// from a rewritten `ast` tree under its old name and file (its text then
/// says something else). `None` when the bytecode cannot be read.
pub fn source_matches<'py>(
    py: Python<'py>,
    func: &Bound<'py, PyAny>,
    node: &Bound<'py, PyAny>,
) -> PyResult<Option<bool>> {
    if compiles_to_same_bytes(py, node, func)? {
        return Ok(Some(true));
    }
    let code = func.getattr("__code__")?;
    match read::read(py, &code)? {
        Ok(ops) => compiles_to_same_operations(py, node, &code, &ops).map(Some),
        Err(_) => Ok(None),
    }
}

/// Whether the `FunctionDef` or `Lambda` node `node` (parsed from text
/// found for `func`) compiles to `func`'s bytecode: the text is really
/// the function's.
pub fn is_source_of(
    py: Python<'_>,
    node: &Bound<'_, PyAny>,
    func: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    if compiles_to_same_bytes(py, node, func)? {
        return Ok(true);
    }
    let code = func.getattr("__code__")?;
    match read::read(py, &code)? {
        Ok(ops) => compiles_to_same_operations(py, node, &code, &ops),
        Err(_) => Ok(false),
    }
}

/// The quick proof that `node` is `func`'s source: compiled in a module
/// that imports the modules `func`'s globals name, it gives `func`'s
/// bytes, names and constants exactly. Nothing is decoded, so this costs
/// a tenth of `compiles_to_same_operations`; when it fails (a module
/// bound otherwise than by `import`, a line-number `NOP` that moved) that
/// slower comparison decides.
fn compiles_to_same_bytes(
    py: Python<'_>,
    node: &Bound<'_, PyAny>,
    func: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let code = func.getattr("__code__")?;
    let imported = verify::module_globals(py, func, &code)?;
    match recompile_as(py, node, &code, &imported)? {
        Some(again) => verify::same_bytes(&code, &again),
        None => Ok(false),
    }
}

/// `node` compiled as `code`'s function (its name, file and free
/// variables) in a module that imports `imported`.
fn recompile_as<'py>(
    py: Python<'py>,
    node: &Bound<'py, PyAny>,
    code: &Bound<'py, PyAny>,
    imported: &[String],
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let name: String = code.getattr("co_name")?.extract()?;
    let filename: String = code.getattr("co_filename")?.extract()?;
    let freevars: Vec<String> = code.getattr("co_freevars")?.extract()?;
    verify::recompile(py, node, &name, &freevars, imported, &filename)
}

/// Whether `node` compiles to the operations `ops` read from `code`.
fn compiles_to_same_operations(
    py: Python<'_>,
    node: &Bound<'_, PyAny>,
    code: &Bound<'_, PyAny>,
    ops: &read::Code,
) -> PyResult<bool> {
    let imported = verify::imported_names(ops);
    match recompile_as(py, node, code, &imported)? {
        Some(again) => verify::same_code(py, code, &again),
        None => Ok(false),
    }
}

/// Rebuilds `func` from its bytecode. `why`: why its source was not used
/// (for the message if this fails too).
///
/// `quote`: the function has source after all (the bytecode frontend was
/// asked for): messages quote its lines, as from the source frontend.
pub fn rebuild<'py>(
    py: Python<'py>,
    func: &Bound<'py, PyAny>,
    why: &str,
    quote: bool,
) -> PyResult<Result<Rebuilt<'py>>> {
    let code = func.getattr("__code__")?;
    let name: String = code.getattr("co_name")?.extract()?;
    let filename: String = code.getattr("co_filename")?.extract()?;
    let first_line: u32 = code.getattr("co_firstlineno")?.extract()?;
    let mut info = SourceInfo {
        filename: filename.clone(),
        function: name.clone(),
        first_line,
        lines: vec![],
    };
    if quote {
        if let Ok(found) = py
            .import("inspect")?
            .call_method1("getsourcelines", (func,))
        {
            let (lines, start): (Vec<String>, u32) = found.extract()?;
            info.first_line = start.max(1);
            info.lines = lines
                .iter()
                .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
                .collect();
        }
    }
    let ops = match read::read(py, &code)? {
        Ok(ops) => ops,
        Err(u) => {
            return Ok(Err(CompileError::at(
                ErrorKind::Unsupported,
                Span::line(u.line),
                u.what,
            )
            .with_source(&info)))
        }
    };
    let sig = signature(func, &code)?;
    let freevars: Vec<String> = code.getattr("co_freevars")?.extract()?;
    let imported = verify::imported_names(&ops);
    let emitter = emit::Emitter {
        py,
        ast: py.import("ast")?,
        consts: code
            .getattr("co_consts")?
            .try_iter()?
            .collect::<PyResult<_>>()?,
        minor: ops.minor,
    };
    // Why the attempts failed (a rebuilt tree that compiles to other
    // bytecode gives no reason): the last reason with `pass`, else the
    // first without.
    let mut problem: Option<stack::Fail> = None;
    let note = |problem: &mut Option<stack::Fail>, f: stack::Fail, nops_as_pass: bool| {
        if nops_as_pass || problem.is_none() {
            *problem = Some(f);
        }
    };
    // `NOP`s as `pass` statements (CPython keeps the `NOP` of a `pass`
    // on a line of its own, and `pass` may change the layout), then as
    // nothing (the `NOP` of a jump CPython removed, kept for its line:
    // the end of a chained comparison in an `if` test on 3.13).
    let has_nops = ops.instrs.iter().any(|i| i.op == read::Op::Nop);
    for nops_as_pass in [true, false] {
        if !nops_as_pass && !has_nops {
            break;
        }
        let mut rebuilder = structure::Rebuilder::new(&ops);
        rebuilder.nops_as_pass = nops_as_pass;
        let body = match rebuilder.body() {
            Ok(b) => b,
            Err(f) => {
                note(&mut problem, f, nops_as_pass);
                continue;
            }
        };
        // With and without un-copying return sequences (see `tidy`).
        for factor in [true, false] {
            let body = tidy::Tidy { code: &ops, factor }.body(body.clone());
            let node =
                match emitter.function(&name, &sig, docstring(func, &code), &body, first_line) {
                    Ok(n) => n,
                    Err(emit::EmitError::Py(e)) => return Err(e),
                    Err(emit::EmitError::Rebuild(f)) => {
                        note(&mut problem, f, nops_as_pass);
                        continue;
                    }
                };
            if std::env::var("JITUFUNC_BYTECODE_DEBUG").is_ok() {
                let text = py.import("ast")?.call_method1("unparse", (&node,))?;
                eprintln!("== rebuilt (factor={factor}, nops_as_pass={nops_as_pass}):\n{text}");
            }
            if let Some(again) =
                verify::recompile(py, &node, &name, &freevars, &imported, &filename)?
            {
                if verify::same_code(py, &code, &again)? {
                    return Ok(Ok(Rebuilt { node, info }));
                }
            }
        }
    }
    let problem = problem.unwrap_or(stack::Fail {
        what: "its bytecode differs from that of the rebuilt code".into(),
        line: first_line,
    });
    let at = if problem.line > 0 {
        format!(" (at line {})", problem.line)
    } else {
        String::new()
    };
    Ok(Err(CompileError::new(
        ErrorKind::Source,
        format!(
            "cannot read the source of '{name}' (File \"{filename}\", line {first_line}): {why}; and rebuilding it from its bytecode failed: {}{at}. Define the kernel in a file, or keep its source in linecache",
            problem.what
        ),
    )))
}
