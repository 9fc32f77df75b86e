//! Lazy ufuncs at the NumPy edge.
//!
//! A lazy ufunc is a real `np.ufunc` that starts with no loops. Its
//! `type_resolver` is `lazy_type_resolver`: NumPy calls it whenever no loop
//! it knows matches a call (any entry point: `__call__`, `reduce`,
//! `accumulate`, `reduceat`, `outer`, `at`, with or without `dtype=` and
//! `signature=`). It compiles the loop for the call's dtypes, appends it to
//! the ufunc's legacy loop tables and returns its dtypes; NumPy then finds
//! the loop in `ufunc.types`, wraps it like any loop given at creation
//! (identity and reorderability included) and caches the choice.
//!
//! NumPy only tries a legacy type resolver on ufuncs that have loops or
//! user loops, so a lazy ufunc gets an empty `userloops` dict.

use std::ffi::c_int;

use numpy::npyffi::objects::PyUFuncObject;
use numpy::npyffi::{PyArrayObject, PyArray_Descr, NPY_CASTING, PY_ARRAY_API};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::errors::IntoPy;
use super::ufunc::KernelLibrary;
use crate::driver::{CompiledLoops, EmitOptions, LoopInfo};
use crate::error::{CompileError, ErrorKind, Result};
use crate::types::{parse_signature, Scalar, Signature, Type, Weak};
use crate::typing::gufunc::lazy::{gufunc_signature, returned_dtypes};
use crate::typing::lazy::{elementwise_signature, loop_inputs, result_dtype, Operand};

/// NumPy's private marks on 0-d arrays made from Python scalars
/// (`NPY_ARRAY_WAS_PYTHON_INT` and friends, numpy/_core/src/multiarray/arrayobject.h),
/// checked for the NumPy versions `numpy_abi::require_private` accepts.
const WAS_PYTHON_INT: c_int = 1 << 30;
const WAS_PYTHON_FLOAT: c_int = 1 << 29;
const WAS_PYTHON_COMPLEX: c_int = 1 << 28;

/// Turns a new ufunc into a lazy one.
///
/// The resolver reads NumPy's private Python-scalar marks: the caller has
/// checked the NumPy version (`numpy_abi::require_private`).
pub fn make_lazy(ufunc: &Bound<'_, PyAny>) -> PyResult<()> {
    // SAFETY: `ufunc` was just made by `create_ufunc`, so it is a
    // PyUFuncObject; the GIL is held. NumPy owns and releases `userloops`.
    unsafe {
        let u = ufunc.as_ptr() as *mut PyUFuncObject;
        (*u).fields.type_resolver = Some(lazy_type_resolver);
        if (*u).fields.userloops.is_null() {
            let d = pyo3::ffi::PyDict_New();
            if d.is_null() {
                return Err(PyErr::fetch(ufunc.py()));
            }
            (*u).fields.userloops = d;
        }
    }
    Ok(())
}

/// Compiles `signature` for the library's kernel (not yet added).
pub fn compile_signature(
    lib: &KernelLibrary,
    signature: &str,
    emit: EmitOptions,
) -> Result<(Vec<LoopInfo>, CompiledLoops)> {
    let (loops, compiled) = lib.spec.compile(&[signature.to_string()], emit)?;
    for l in &loops {
        if l.inputs.len() != lib.nin || l.outputs.len() != lib.nout {
            return Err(CompileError::new(
                ErrorKind::Signature,
                format!(
                    "signature '{}' gives '{}' {} inputs and {} outputs, but it has {} and {}",
                    l.signature,
                    lib.def.name,
                    l.inputs.len(),
                    l.outputs.len(),
                    lib.nin,
                    lib.nout
                ),
            ));
        }
    }
    Ok((loops, compiled))
}

/// Whether a lazy compile may release the GIL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gil {
    /// Keep it: inside NumPy's type resolution, which relies on the GIL
    /// (it mutates operands around the resolver and fills its caches).
    Keep,
    /// Release it around the compile (`f.compile(...)` from Python).
    Release,
}

/// The loop for `sig`, compiled and added unless `existing` finds one; an
/// error if the compiled loop is not what `existing` asks for. One compile
/// at a time per ufunc (`Library::get_or_compile`'s lock, only ever taken
/// while nothing waits for the GIL under it).
fn ensure_loop(
    py: Python<'_>,
    lib: &KernelLibrary,
    sig: &Signature,
    existing: impl Fn(&LoopInfo) -> bool + Send + Sync,
    gil: Gil,
) -> PyResult<LoopInfo> {
    let text = sig.to_string();
    let work = || {
        lib.store.get_or_compile(
            &lib.def.name,
            &existing,
            || compile_signature(lib, &text, lib.emit),
            |compiled, loops| lib.append(compiled, loops),
        )
    };
    let found = match gil {
        Gil::Keep => work().py_err(py)?,
        Gil::Release => super::errors::enter(py, work)?,
    };
    // SAFETY: the GIL is held.
    unsafe { lib.publish() };
    Ok(found)
}

fn dtype_scalar(py: Python<'_>, name: &str, dtype: &Bound<'_, PyAny>) -> PyResult<Scalar> {
    let num: i32 = dtype.getattr("num")?.extract()?;
    Scalar::from_typenum(num).ok_or_else(|| {
        let shown = dtype.str().map(|s| s.to_string()).unwrap_or_default();
        let _ = py;
        PyTypeError::new_err(format!(
            "{name}: jitufunc kernels take booleans, integers, floats and complex numbers, not dtype {shown}"
        ))
    })
}

/// The dtypes of the loop for a call (inputs, then outputs).
///
/// # Safety
/// `operands` has `nin + nout` entries (NULL or arrays); `type_tup` is
/// NULL or a tuple; the GIL is held.
unsafe fn resolve(
    py: Python<'_>,
    ufunc: *mut PyUFuncObject,
    operands: *mut *mut PyArrayObject,
    type_tup: *mut pyo3::ffi::PyObject,
) -> PyResult<Vec<Scalar>> {
    // SAFETY: `obj` is the owner `create_ufunc` stored; GIL held.
    let Some(lib) = (unsafe { super::ufunc::library_from_owner(py, (*ufunc).fields.obj) }) else {
        return Err(PyTypeError::new_err("not a jitufunc ufunc"));
    };
    let lib = lib.get();
    let (nin, nout) = (lib.nin, lib.nout);
    let name = lib.def.name.clone();
    let mut fixed: Vec<Option<Scalar>> = vec![None; nin + nout];
    if !type_tup.is_null() {
        // SAFETY: a live object NumPy passes (a tuple of dtypes and None).
        let t = unsafe { Bound::from_borrowed_ptr(py, type_tup) };
        if let Ok(t) = t.cast::<PyTuple>() {
            for (k, item) in t.iter().enumerate().take(nin + nout) {
                if !item.is_none() {
                    fixed[k] = Some(dtype_scalar(py, &name, &item)?);
                }
            }
        }
    }
    let mut ops = Vec::with_capacity(nin);
    #[allow(clippy::needless_range_loop)]
    for k in 0..nin {
        // SAFETY: `operands` has at least `nin` entries.
        let op = unsafe { *operands.add(k) };
        if op.is_null() {
            ops.push(Operand::Missing);
            continue;
        }
        // SAFETY: a live array: its descriptor and flags are readable.
        let (num, flags) = unsafe { ((*(*op).fields.descr).fields.type_num, (*op).fields.flags) };
        let weak = if flags & WAS_PYTHON_INT != 0 {
            Some(Weak::Int)
        } else if flags & WAS_PYTHON_FLOAT != 0 {
            Some(Weak::Float)
        } else if flags & WAS_PYTHON_COMPLEX != 0 {
            Some(Weak::Complex)
        } else {
            None
        };
        ops.push(match weak {
            Some(w) => Operand::Weak(w),
            None => match Scalar::from_typenum(num) {
                Some(s) => Operand::Strong(s),
                None if fixed[k].is_some() => Operand::Missing,
                None => {
                    // SAFETY: as above; a borrowed reference for the message.
                    let d = unsafe {
                        Bound::from_borrowed_ptr(py, (*op).fields.descr as *mut pyo3::ffi::PyObject)
                    };
                    return Err(dtype_scalar(py, &name, &d).unwrap_err());
                }
            },
        });
    }
    let inputs = loop_inputs(&ops, &fixed[..nin], &fixed[nin..]).py_err(py)?;
    let outputs = &fixed[nin..];
    let same = |l: &LoopInfo| {
        l.inputs == inputs
            && l.outputs
                .iter()
                .zip(outputs)
                .all(|(o, f)| f.is_none_or(|f| *o == f))
    };
    let existing = lib.store.find(same);
    let found = match existing {
        Some(l) => l,
        None => {
            let sig = match lib.layout() {
                None if outputs.iter().any(|o| o.is_some())
                    && outputs.iter().any(|o| o.is_none()) =>
                {
                    // Some outputs fixed: the others as the kernel returns them.
                    let args = inputs.iter().map(|s| Type::Scalar(*s)).collect();
                    let returned = crate::typing::returned_dtypes(&lib.def, args)
                        .py_err(py)?
                        .unwrap_or_default();
                    let filled: Vec<Option<Scalar>> = outputs
                        .iter()
                        .enumerate()
                        .map(|(j, o)| o.or(returned.get(j).copied()))
                        .collect();
                    elementwise_signature(&inputs, &filled)
                }
                None => elementwise_signature(&inputs, outputs),
                Some(layout) => {
                    let returned = if outputs.iter().all(|o| o.is_some()) {
                        None
                    } else {
                        returned_dtypes(&lib.def, layout, &inputs).py_err(py)?
                    };
                    let common = result_dtype(&ops, &inputs);
                    let outs: Vec<Scalar> = outputs
                        .iter()
                        .enumerate()
                        .map(|(j, o)| {
                            o.or_else(|| returned.as_ref().map(|r| r[j]))
                                .unwrap_or(common)
                        })
                        .collect();
                    gufunc_signature(&lib.def, layout, &inputs, &outs)
                }
            };
            ensure_loop(py, lib, &sig, same, Gil::Keep)?
        }
    };
    // SAFETY: the GIL is held.
    unsafe { lib.publish() };
    Ok(found.inputs.iter().chain(&found.outputs).copied().collect())
}

/// NumPy's `PyUFunc_TypeResolutionFunc` for lazy ufuncs.
///
/// # Safety
/// Called by NumPy with the GIL held, with `nargs` operands and
/// `out_dtypes` slots.
unsafe extern "C" fn lazy_type_resolver(
    ufunc: *mut PyUFuncObject,
    _casting: NPY_CASTING,
    operands: *mut *mut PyArrayObject,
    type_tup: *mut pyo3::ffi::PyObject,
    out_dtypes: *mut *mut PyArray_Descr,
) -> c_int {
    // SAFETY: NumPy calls type resolvers with the GIL held.
    let py = unsafe { Python::assume_attached() };
    // A panic must not unwind into NumPy (it would abort the process).
    let resolved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: per this function's contract.
        unsafe { resolve(py, ufunc, operands, type_tup) }
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "internal error in jitufunc while compiling a loop: {what}"
        )))
    });
    match resolved {
        Ok(types) => {
            for (k, s) in types.iter().enumerate() {
                // SAFETY: `s` is one of NumPy's builtin type numbers
                // (checked by `check_typenums` before the ufunc was made);
                // `out_dtypes` has `nargs` slots and takes new references.
                unsafe {
                    let d = PY_ARRAY_API.PyArray_DescrFromType(py, s.typenum());
                    if d.is_null() {
                        return -1;
                    }
                    *out_dtypes.add(k) = d;
                }
            }
            0
        }
        Err(e) => {
            e.restore(py);
            -1
        }
    }
}

/// `f.compile(signature)`: compiles and adds a loop ahead of time.
pub fn add_signature(py: Python<'_>, lib: &KernelLibrary, text: &str) -> PyResult<String> {
    if !lib.lazy {
        return Err(super::option_error(
            py,
            format!(
                "'{}' was made with signatures, so its loops are fixed; make it without signatures (@vectorize or @guvectorize(layout)) to add loops",
                lib.def.name
            ),
        ));
    }
    let sig = parse_signature(text).py_err(py)?;
    let wanted = sig.clone();
    let same = move |l: &LoopInfo| {
        l.signature.args == wanted.args
            && wanted
                .ret
                .as_ref()
                .is_none_or(|r| Some(r) == l.signature.ret.as_ref())
    };
    if lib
        .ufunc
        .load(std::sync::atomic::Ordering::Acquire)
        .is_null()
    {
        return Err(pyo3::exceptions::PyReferenceError::new_err(
            "the ufunc no longer exists",
        ));
    }
    let l = ensure_loop(py, lib, &sig, same, Gil::Release)?;
    Ok(l.signature.to_string())
}
