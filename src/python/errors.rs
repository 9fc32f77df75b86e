//! The one place compile errors become Python exceptions.
//!
//! Classes live in `jitufunc.errors` (Python, so that each can derive from
//! two bases), each deriving from the builtin exception that fits:
//! `UnsupportedError(NotImplementedError)`, `TypingError(TypeError)`,
//! `UnknownNameError(TypingError)`, `SignatureError(TypeError)`,
//! `LayoutError(ValueError)`, `SourceError(OSError)`,
//! `OptionError(ValueError)`, `InternalError(RuntimeError)`. They are
//! looked up once, when `_core` is initialised (`init`). An exception for a
//! problem in the kernel's source carries `filename` and `lineno`.

use pyo3::exceptions::{PyNotImplementedError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

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

/// The exception classes, in the order of `ErrorKind::ALL`.
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// The classes, looked up in `jitufunc.errors` the first time.
fn classes(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    CLASSES.get_or_try_init(py, || {
        let module = py.import("jitufunc.errors")?;
        ErrorKind::ALL
            .iter()
            .map(|k| {
                Ok(module
                    .getattr(class_name(*k))?
                    .cast_into::<PyType>()?
                    .unbind())
            })
            .collect()
    })
}

/// Looks the classes up (at module initialisation, so a missing class is
/// an import error rather than a surprise at the first compile error).
pub fn init(py: Python<'_>) -> PyResult<()> {
    classes(py).map(|_| ())
}

/// Converts a compile error into the matching `jitufunc.errors` exception,
/// with `filename` and `lineno` when the error points into the kernel.
pub fn to_pyerr(py: Python<'_>, e: CompileError) -> PyErr {
    let Ok(classes) = classes(py) else {
        // Only if `jitufunc.errors` cannot be imported: the builtin bases.
        return match e.kind {
            ErrorKind::Internal => PyRuntimeError::new_err(e.to_string()),
            ErrorKind::Unsupported => PyNotImplementedError::new_err(e.to_string()),
            _ => PyValueError::new_err(e.to_string()),
        };
    };
    let index = ErrorKind::ALL
        .iter()
        .position(|k| *k == e.kind)
        .unwrap_or(ErrorKind::ALL.len() - 1);
    let made = classes[index]
        .bind(py)
        .call1((e.to_string(),))
        .and_then(|exc| {
            exc.setattr("filename", e.filename.clone())?;
            exc.setattr("lineno", e.lineno())?;
            Ok(exc)
        });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
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

/// The exception `raise C("message")` in compiled code makes.
fn raised(py: Python<'_>, class: u32, message: Option<String>) -> PyErr {
    use crate::builtins::PyException as E;
    use pyo3::exceptions as x;
    let Some(class) = E::from_code(class) else {
        return PyRuntimeError::new_err(format!("an exception of unknown class {class}"));
    };
    let ty = match class {
        E::Exception => py.get_type::<x::PyException>(),
        E::ArithmeticError => py.get_type::<x::PyArithmeticError>(),
        E::AssertionError => py.get_type::<x::PyAssertionError>(),
        E::IndexError => py.get_type::<x::PyIndexError>(),
        E::KeyError => py.get_type::<x::PyKeyError>(),
        E::LookupError => py.get_type::<x::PyLookupError>(),
        E::MemoryError => py.get_type::<x::PyMemoryError>(),
        E::NotImplementedError => py.get_type::<x::PyNotImplementedError>(),
        E::OverflowError => py.get_type::<x::PyOverflowError>(),
        E::RuntimeError => py.get_type::<x::PyRuntimeError>(),
        E::TypeError => py.get_type::<x::PyTypeError>(),
        E::ValueError => py.get_type::<x::PyValueError>(),
        E::ZeroDivisionError => py.get_type::<x::PyZeroDivisionError>(),
        E::RecursionError => py.get_type::<x::PyRecursionError>(),
    };
    let made = match message {
        Some(m) => ty.call1((m,)),
        None => ty.call0(),
    };
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Appends `context` (where a call of one of jitufunc's NumPy functions
/// is) to the message of the pending exception that call raised.
pub fn add_runtime_error_context(context: &str) {
    Python::attach(|py| {
        let Some(err) = PyErr::take(py) else {
            return;
        };
        let value = err.value(py);
        if let Ok(args) = value.getattr("args") {
            let message = match args.extract::<(String,)>() {
                Ok((m,)) => Some(format!("{m}{context}")),
                Err(_) if args.len().is_ok_and(|n| n == 0) => {
                    Some(context.trim_start().to_string())
                }
                Err(_) => None,
            };
            if let Some(m) = message {
                let _ = value.setattr("args", (m,));
            }
        }
        err.restore(py);
    });
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
            crate::engine::runtime::RuntimeError::ZeroDivision(message) => {
                pyo3::exceptions::PyZeroDivisionError::new_err(message).restore(py)
            }
            crate::engine::runtime::RuntimeError::Value(message) => {
                PyValueError::new_err(message).restore(py)
            }
            crate::engine::runtime::RuntimeError::Memory(message) => {
                pyo3::exceptions::PyMemoryError::new_err(message).restore(py)
            }
            crate::engine::runtime::RuntimeError::Key(message) => {
                pyo3::exceptions::PyKeyError::new_err(message).restore(py)
            }
            crate::engine::runtime::RuntimeError::Raise(class, message) => {
                raised(py, class, message).restore(py)
            }
        }
    });
}
