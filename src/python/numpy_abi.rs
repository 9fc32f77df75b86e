//! Which NumPy is running, checked before the edge uses anything whose
//! layout depends on it.
//!
//! Three kinds of use, three checks:
//! - the public C API (slot 42 of `_UFUNC_API`, the fields of
//!   `PyUFuncObject` that rust-numpy declares): NumPy's C ABI 2 and a C API
//!   feature version that has the slot (`require_ufunc_api`);
//! - private details read from NumPy's own headers (the marks on 0-d arrays
//!   made from Python scalars, `arrayobject.h`; the fields of NumPy 2.1's
//!   `PyUFuncObject` past rust-numpy's struct, `ufuncobject.h`): only the C
//!   API feature versions they were checked against (`require_private`).
//!   A NumPy with a newer feature version gets a clear error instead of a
//!   guess; the range grows when the headers are checked again.

use numpy::npyffi::PY_ARRAY_API;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::error::{CompileError, ErrorKind};

/// A jitufunc `UnsupportedError` (also a `NotImplementedError`).
fn unsupported(py: Python<'_>, message: String) -> PyErr {
    super::errors::to_pyerr(py, CompileError::new(ErrorKind::Unsupported, message))
}

/// NumPy 2's C ABI version (`NPY_ABI_VERSION`).
const ABI_2: u32 = 0x0200_0000;
/// `NPY_1_16_API_VERSION`: `PyUFunc_FromFuncAndDataAndSignatureAndIdentity`
/// (slot 42) exists from here on.
const FEATURE_UFUNC_IDENTITY: u32 = 0x0d;
/// `NPY_2_1_API_VERSION`: `PyUFuncObject.process_core_dims_func`.
pub const FEATURE_2_1: u32 = 0x13;
/// The C API feature versions whose private details were checked against
/// NumPy's headers: `NPY_2_0_API_VERSION` (0x12) to `NPY_2_5_API_VERSION`
/// (0x16). Extend it for each new NumPy release after checking
/// `NPY_ARRAY_WAS_PYTHON_*` in `arrayobject.h` and `PyUFuncObject` in
/// `ufuncobject.h` (and running the test suite on it). NumPy 2.5 keeps
/// both; its `PyUFuncObject._loops` is a dict where 2.0-2.4 have a list
/// (`crate::python::gufunc::configure` accepts either).
const CHECKED_PRIVATE: std::ops::RangeInclusive<u32> = 0x12..=0x16;
/// `NPY_2_5_API_VERSION`: `PyUFuncObject._loops` became a dict.
pub const FEATURE_2_5: u32 = 0x16;

/// The running NumPy's C ABI and C API feature versions.
#[derive(Clone, Copy, Debug)]
pub struct NumpyVersions {
    pub abi: u32,
    pub feature: u32,
}

static VERSIONS: PyOnceLock<NumpyVersions> = PyOnceLock::new();

/// The running NumPy's versions (read once).
pub fn versions(py: Python<'_>) -> PyResult<NumpyVersions> {
    VERSIONS
        .get_or_try_init(py, || {
            // SAFETY: both are the first functions of NumPy's array API
            // table (slots 0 and 211), which rust-numpy reads after
            // checking the table's own ABI version; they take no arguments.
            let (abi, feature) = unsafe {
                (
                    PY_ARRAY_API.PyArray_GetNDArrayCVersion(py),
                    PY_ARRAY_API.PyArray_GetNDArrayCFeatureVersion(py),
                )
            };
            Ok(NumpyVersions { abi, feature })
        })
        .copied()
}

/// NumPy's ufunc C API as the edge uses it: `PyUFuncObject` fields and
/// slot 42 of `_UFUNC_API`.
pub fn require_ufunc_api(py: Python<'_>) -> PyResult<()> {
    let v = versions(py)?;
    if v.abi != ABI_2 || v.feature < FEATURE_UFUNC_IDENTITY {
        return Err(unsupported(
            py,
            format!(
                "jitufunc needs NumPy 2 (C ABI version 0x{ABI_2:x}); the running NumPy has C ABI version 0x{:x} and C API feature version 0x{:x}",
                v.abi, v.feature
            ),
        ));
    }
    Ok(())
}

/// A private detail of NumPy (`what`, for the message) that was checked
/// only for the feature versions in `CHECKED_PRIVATE`.
pub fn require_private(py: Python<'_>, what: &str) -> PyResult<()> {
    require_ufunc_api(py)?;
    let v = versions(py)?;
    if !CHECKED_PRIVATE.contains(&v.feature) {
        return Err(unsupported(
            py,
            format!(
                "{what} relies on a private detail of NumPy that jitufunc has checked for NumPy 2.0 to 2.5 (C API feature versions 0x{:x} to 0x{:x}); the running NumPy reports 0x{:x}. Give the kernel signatures, or use NumPy 2.0 to 2.5",
                CHECKED_PRIVATE.start(),
                CHECKED_PRIVATE.end(),
                v.feature
            ),
        ));
    }
    Ok(())
}

/// Lets `engine::blas` find NumPy's BLAS in NumPy's already-loaded
/// `_multiarray_umath` (no BLAS, and jitufunc's own matrix-product loop,
/// when that fails for any reason).
pub fn load_blas(py: Python<'_>) {
    let path = py
        .import("numpy._core._multiarray_umath")
        .and_then(|m| m.getattr("__file__"))
        .and_then(|f| f.extract::<String>());
    if let Ok(Ok(path)) = path.map(std::ffi::CString::new) {
        crate::engine::blas::load(&path);
    }
}
