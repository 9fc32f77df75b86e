//! The one place compile errors become Python exceptions.
//!
//! Classes live in `jitufunc.errors` (Python), each deriving from the
//! builtin exception that fits: `UnsupportedError(NotImplementedError)`,
//! `TypingError(TypeError)`, `UnknownNameError(TypingError)`,
//! `SignatureError(TypeError)`, `LayoutError(ValueError)`,
//! `SourceError(OSError)`, `InternalError(RuntimeError)`.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::error::{CompileError, ErrorKind};

fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unsupported => "UnsupportedError",
        ErrorKind::UnknownName => "UnknownNameError",
        ErrorKind::Typing => "TypingError",
        ErrorKind::Signature => "SignatureError",
        ErrorKind::Value => "OptionError",
        ErrorKind::Layout => "LayoutError",
        ErrorKind::Source => "SourceError",
        ErrorKind::Internal => "InternalError",
    }
}

/// Converts a compile error into the matching `jitufunc.errors` exception.
pub fn to_pyerr(py: Python<'_>, e: CompileError) -> PyErr {
    let message = e.to_string();
    let class = py
        .import("jitufunc.errors")
        .and_then(|m| m.getattr(class_name(e.kind)));
    match class {
        Ok(cls) => match cls.call1((message.clone(),)) {
            Ok(exc) => PyErr::from_value(exc),
            Err(err) => err,
        },
        Err(_) => match e.kind {
            ErrorKind::Internal => PyRuntimeError::new_err(message),
            _ => PyValueError::new_err(message),
        },
    }
}

/// `?` for core results inside pyo3 functions.
pub trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, CompileError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, e))
    }
}

/// Runs core work `f` with the GIL released and maps its error: the way
/// the edge calls into the compiler (compiles and anything else that may
/// take long).
pub fn enter<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, CompileError> + Send,
) -> PyResult<T> {
    py.detach(f).py_err(py)
}

/// Sets the pending Python exception for an error raised by compiled code
/// (called from inside a ufunc loop, possibly without the GIL). The first
/// error wins: NumPy reports it when the loop returns.
pub fn raise_runtime_error(error: crate::engine::runtime::RuntimeError) {
    Python::attach(|py| {
        if PyErr::occurred(py) {
            return;
        }
        match error {
            crate::engine::runtime::RuntimeError::Index(message) => {
                pyo3::exceptions::PyIndexError::new_err(message).restore(py)
            }
        }
    });
}
