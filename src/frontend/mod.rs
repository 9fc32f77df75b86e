//! The frontend: a Python function object to the `syntax` tree.
//!
//! This is the only part of the compiler that looks at Python objects
//! (besides the pyo3 edge in `crate::python`). It reads the function's
//! source, parses it with the running Python's `ast` module (a function
//! without source is rebuilt as an `ast` tree from its bytecode, see
//! `bytecode`), converts the tree, and resolves every non-local name to a
//! `syntax::Global`.

mod bytecode;
mod cfunc;
mod comprehension;
mod convert;
mod resolve;
mod source;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::error::{CompileError, ErrorKind, Result};
use crate::syntax::FunctionDef;

use convert::{Converter, FrontError};

/// Recognises other jitufunc kernels among the objects a kernel refers to:
/// the definition behind `obj` if it is one. The Python edge supplies it
/// (it knows what a jitufunc ufunc looks like; the frontend does not).
pub type KernelResolver<'r> =
    &'r dyn Fn(Python<'_>, &Bound<'_, PyAny>) -> PyResult<Option<crate::syntax::KernelTarget>>;

/// Reads `func` into a `FunctionDef`, resolving calls of other kernels with
/// `kernels`. Python errors (which would be bugs) come back as `Err` of the
/// outer result; problems with the user's code as `Ok(Err(CompileError))`
/// with the source location filled in.
pub fn read_function(
    py: Python<'_>,
    func: &Bound<'_, PyAny>,
    kernels: KernelResolver<'_>,
    identity: Option<crate::syntax::Identity>,
) -> PyResult<Result<Arc<FunctionDef>>> {
    read_function_from(py, func, kernels, identity, bytecode_forced())
}

/// Whether `JITUFUNC_FRONTEND=bytecode` asks for every kernel to be read
/// from its bytecode, as if it had no source (for tests; read once).
pub fn bytecode_forced() -> bool {
    static FORCED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| std::env::var("JITUFUNC_FRONTEND").is_ok_and(|v| v == "bytecode"))
}

/// `read_function`, from the bytecode (as without source) if `bytecode`.
pub fn read_function_from(
    py: Python<'_>,
    func: &Bound<'_, PyAny>,
    kernels: KernelResolver<'_>,
    identity: Option<crate::syntax::Identity>,
    bytecode: bool,
) -> PyResult<Result<Arc<FunctionDef>>> {
    if !func.hasattr("__code__")? || !func.hasattr("__globals__")? {
        let t = func.get_type().name()?.to_string();
        return Ok(Err(CompileError::new(
            ErrorKind::Typing,
            format!("jitufunc compiles Python functions (def or lambda), not a {t}"),
        )));
    }
    let parsed = match source::parse_function(py, func, bytecode)? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let globals = func.getattr("__globals__")?.cast_into::<PyDict>()?;
    let builtins = match globals.get_item("__builtins__")? {
        Some(b) => b,
        None => py.import("builtins")?.into_any(),
    };
    let code = func.getattr("__code__")?;
    let freevars: Vec<String> = code.getattr("co_freevars")?.extract()?;
    let mut closure = HashMap::new();
    let cells = func.getattr("__closure__")?;
    if !cells.is_none() {
        let cells = cells.cast_into::<PyTuple>()?;
        for (name, cell) in freevars.into_iter().zip(cells.iter()) {
            if let Ok(v) = cell.getattr("cell_contents") {
                closure.insert(name, v);
            }
        }
    }
    let mut conv = Converter {
        py,
        globals,
        builtins,
        closure,
        locals: HashSet::new(),
        line_offset: parsed.line_offset,
        col_offset: parsed.col_offset,
        kernels,
        itself: match identity {
            Some(i) => Some((i, func.getattr("__name__")?.extract()?)),
            None => None,
        },
        function: func.clone(),
        comps: Default::default(),
    };
    let source = Arc::new(parsed.info);
    let ast = py.import("ast")?;
    let result = conv
        .collect_locals(&parsed.node, &ast)
        .and_then(|_| conv.function(&parsed.node, source.clone()));
    match result {
        Ok(def) => Ok(Ok(Arc::new(def))),
        Err(FrontError::Py(e)) => Err(e),
        Err(FrontError::Compile(e)) => Ok(Err(e.with_source(&source))),
    }
}
