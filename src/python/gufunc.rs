//! What a generalized ufunc needs beyond `create_ufunc`, set on the
//! `PyUFuncObject` right after it is made:
//!
//! - `op_flags`: inputs listed in `writable_args` are opened read-write by
//!   NumPy's iterator, so NumPy itself refuses read-only arrays for them
//!   ("operand array with iterator write flag set is read-only") and writes
//!   back through any casting copy. Outputs get NumPy's gufunc output flags
//!   explicitly: without them NumPy assumes an output that *is* an input
//!   (`f(a, out=a)`) is only read and written element by element, which a
//!   kernel over whole blocks does not do, and hands the same memory to
//!   both; with them it copies the input first.
//! - `process_core_dims_func` (NumPy >= 2.1): for layouts with broadcast
//!   dimensions (`n|1`), which NumPy's grammar lacks, checks that each such
//!   dimension is 1 or the common size and derives output sizes from it.

use std::ffi::{c_int, c_void, CString};

use numpy::npyffi::objects::PyUFuncObject;
use numpy::npyffi::{
    npy_intp, NPY_ITER_ALLOCATE, NPY_ITER_READONLY, NPY_ITER_READWRITE, NPY_ITER_UPDATEIFCOPY,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::types::gufunc_layout::Layout;

type ProcessCoreDims = unsafe extern "C" fn(*mut PyUFuncObject, *mut npy_intp) -> c_int;

/// NumPy 2.1's `PyUFuncObject`: rust-numpy's struct, then the fields it
/// does not declare.
#[repr(C)]
struct UfuncObject2 {
    base: PyUFuncObject,
    core_dim_sizes: *mut npy_intp,
    core_dim_flags: *mut u32,
    identity_value: *mut pyo3::ffi::PyObject,
    dispatch_cache: *mut c_void,
    loops: *mut pyo3::ffi::PyObject,
    process_core_dims_func: Option<ProcessCoreDims>,
}

/// Whether the running NumPy can make a gufunc with `layout`: broadcast
/// dimensions (`n|1`) need NumPy 2.1's core-dimension hook, a field past
/// rust-numpy's `PyUFuncObject` (a private detail, `numpy_abi`).
pub fn check_numpy(py: Python<'_>, layout: &Layout) -> PyResult<()> {
    if !layout.has_broadcast_dims() {
        return Ok(());
    }
    if super::numpy_abi::versions(py)?.feature < super::numpy_abi::FEATURE_2_1 {
        return Err(super::option_error(
            py,
            format!(
                "layout {:?} has broadcast dimensions (n|1), which need NumPy 2.1 or later",
                layout.text
            ),
        ));
    }
    super::numpy_abi::require_private(py, "a layout with broadcast dimensions (n|1)")
}

/// Sets the operand flags and core-dimension hook of a new gufunc.
pub fn configure(
    py: Python<'_>,
    ufunc: &Bound<'_, PyAny>,
    layout: &Layout,
    writable: &[usize],
) -> PyResult<()> {
    let nargs = layout.nin() + layout.nout();
    // SAFETY: `ufunc` was just created by `create_ufunc` with `nargs`
    // operands, so it is a PyUFuncObject whose `op_flags` (allocated by
    // NumPy, zeroed) has `nargs` entries; indices are checked below.
    unsafe {
        let u = ufunc.as_ptr() as *mut PyUFuncObject;
        let flags = (*u).fields.op_flags;
        if flags.is_null() {
            return Err(PyRuntimeError::new_err(
                "this NumPy has no per-operand flags; gufuncs need them",
            ));
        }
        for k in 0..nargs {
            let f = flags.add(k);
            if k >= layout.nin() {
                *f = NPY_ITER_READWRITE | NPY_ITER_UPDATEIFCOPY | NPY_ITER_ALLOCATE;
            } else if writable.contains(&k) {
                *f = (*f & !NPY_ITER_READONLY) | NPY_ITER_READWRITE | NPY_ITER_UPDATEIFCOPY;
            }
        }
    }
    if !layout.has_broadcast_dims() {
        return Ok(());
    }
    check_numpy(py, layout)?;
    let dict_loops = super::numpy_abi::versions(py)?.feature >= super::numpy_abi::FEATURE_2_5;
    // SAFETY: C API feature version 0x13 (NumPy 2.1) or later, and one whose
    // `PyUFuncObject` was checked to have the fields of UfuncObject2
    // (`check_numpy`). The offsets are checked once more on `_loops`,
    // which NumPy keeps as a list (2.1-2.4) or a dict (2.5), before the
    // hook is written.
    unsafe {
        let u = ufunc.as_ptr() as *mut UfuncObject2;
        let loops = (*u).loops;
        let expected = match dict_loops {
            true => !loops.is_null() && pyo3::ffi::PyDict_Check(loops) != 0,
            false => !loops.is_null() && pyo3::ffi::PyList_Check(loops) != 0,
        };
        if !expected {
            return Err(PyRuntimeError::new_err(
                "unexpected PyUFuncObject layout; broadcast dimensions (n|1) are not available with this NumPy",
            ));
        }
        (*u).process_core_dims_func = Some(process_core_dims);
    }
    Ok(())
}

/// NumPy's `process_core_dims_func` for layouts with `n|1` dimensions.
///
/// # Safety
/// Called by NumPy with the GIL held, a live jitufunc gufunc and its
/// `core_num_dim_ix` core sizes.
unsafe extern "C" fn process_core_dims(ufunc: *mut PyUFuncObject, sizes: *mut npy_intp) -> c_int {
    // SAFETY: NumPy calls this with the GIL held.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `obj` is the owner `create_ufunc` stored (or null); GIL held.
    let Some(lib) = (unsafe { super::ufunc::library_from_owner(py, (*ufunc).fields.obj) }) else {
        return 0;
    };
    let lib = lib.get();
    let Some(layout) = lib.layout() else {
        return 0;
    };
    // SAFETY: NumPy passes one size per distinct core dimension, which is
    // `numpy_dims` for the signature we gave it.
    let sizes = unsafe { std::slice::from_raw_parts_mut(sizes, layout.numpy_dims) };
    match crate::types::gufunc_layout::check_broadcast_dims(layout, sizes, &lib.def.name) {
        Ok(()) => 0,
        Err(message) => {
            let text = CString::new(message.replace('\0', "")).unwrap_or_default();
            // SAFETY: GIL held; sets the pending exception NumPy reports.
            unsafe { pyo3::ffi::PyErr_SetString(pyo3::ffi::PyExc_ValueError, text.as_ptr()) };
            -1
        }
    }
}
