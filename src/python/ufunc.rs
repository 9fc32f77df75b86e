//! Real NumPy ufuncs from compiled loops, through NumPy's C API.
//!
//! `PyUFunc_FromFuncAndDataAndSignatureAndIdentity` (slot 42 of the
//! `_UFUNC_API` capsule) keeps the `functions`, `data`, `types`, `name` and
//! `doc` pointers it is given without copying them. They live in a
//! `KernelLibrary`, which also owns the JIT'd machine code, and which is put
//! into the ufunc's `obj` field: NumPy drops that reference when the ufunc is
//! deallocated, so tables and code live exactly as long as the ufunc.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Arc;

use numpy::npyffi::objects::{PyUFuncGenericFunction, PyUFuncObject};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::guvectorize::layout::Layout;
use crate::jit::engine::LoadedCode;
use crate::syntax::FunctionDef;
use crate::types::Scalar;
use crate::vectorize::compile::LoopInfo;

/// NumPy's identity codes.
pub const PYUFUNC_ZERO: c_int = 0;
pub const PYUFUNC_ONE: c_int = 1;
pub const PYUFUNC_NONE: c_int = -1;
pub const PYUFUNC_REORDERABLE_NONE: c_int = -2;
pub const PYUFUNC_IDENTITY_VALUE: c_int = -3;

/// Tables NumPy points into, and the code the tables point to.
struct Tables {
    functions: Vec<PyUFuncGenericFunction>,
    data: Vec<*mut c_void>,
    types: Vec<c_char>,
    name: CString,
    doc: CString,
    signature: Option<CString>,
}

// SAFETY: the raw pointers are never mutated after construction; the `data`
// entries are all null.
unsafe impl Send for Tables {}
// SAFETY: as above, shared access is read-only.
unsafe impl Sync for Tables {}

/// Everything a jitufunc ufunc owns. Python sees it as `ufunc`'s hidden
/// owner object; `jitufunc` reads its introspection data through the
/// functions of `crate::python`.
#[pyclass(module = "jitufunc._core", frozen, weakref)]
pub struct KernelLibrary {
    tables: Tables,
    _code: LoadedCode,
    pub def: Arc<FunctionDef>,
    /// Loops in registration order.
    pub loops: Vec<LoopInfo>,
    pub llvm_ir: Option<String>,
    pub asm: Option<String>,
    /// The layout of a gufunc.
    pub layout: Option<Layout>,
}

#[pymethods]
impl KernelLibrary {
    /// Signatures of the compiled loops, in registration order.
    #[getter]
    fn signatures(&self) -> Vec<String> {
        self.loops.iter().map(|l| l.signature.to_string()).collect()
    }

    /// Typed IR of each loop's kernel, keyed by signature.
    fn typed_ir(&self) -> Vec<(String, String)> {
        self.loops
            .iter()
            .map(|l| (l.signature.to_string(), l.typed_ir.clone()))
            .collect()
    }

    #[getter]
    fn llvm_ir(&self) -> Option<String> {
        self.llvm_ir.clone()
    }

    #[getter]
    fn asm(&self) -> Option<String> {
        self.asm.clone()
    }
}

/// What a new ufunc is made of.
pub struct UfuncParts {
    pub name: String,
    pub doc: String,
    pub nin: usize,
    pub nout: usize,
    pub signature: Option<String>,
    pub def: Arc<FunctionDef>,
    /// Loops in registration order.
    pub loops: Vec<LoopInfo>,
    pub code: LoadedCode,
    pub llvm_ir: Option<String>,
    pub asm: Option<String>,
    /// For a gufunc: its layout (`signature` is the layout as NumPy gets it).
    pub layout: Option<Layout>,
}

type FromFuncAndDataAndSignatureAndIdentity = unsafe extern "C" fn(
    *mut PyUFuncGenericFunction,
    *const *mut c_void,
    *const c_char,
    c_int,
    c_int,
    c_int,
    c_int,
    *const c_char,
    *const c_char,
    c_int,
    *const c_char,
    *mut pyo3::ffi::PyObject,
) -> *mut pyo3::ffi::PyObject;

/// The `_UFUNC_API` function table.
static UFUNC_API: PyOnceLock<usize> = PyOnceLock::new();

fn ufunc_api(py: Python<'_>) -> PyResult<*const *const c_void> {
    let addr = UFUNC_API.get_or_try_init(py, || -> PyResult<usize> {
        let module = py.import("numpy._core._multiarray_umath")?;
        let capsule = module.getattr("_UFUNC_API")?;
        // SAFETY: `_UFUNC_API` is a PyCapsule created by NumPy; reading its
        // pointer with its own name is the documented way to get the table.
        let ptr = unsafe {
            let raw = capsule.as_ptr();
            let name = pyo3::ffi::PyCapsule_GetName(raw);
            pyo3::ffi::PyCapsule_GetPointer(raw, name)
        };
        if ptr.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(ptr as usize)
    })?;
    Ok(*addr as *const *const c_void)
}

fn cstring(s: &str) -> PyResult<CString> {
    CString::new(s.replace('\0', "")).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Creates the ufunc. `identity` is one of NumPy's codes; with
/// `PYUFUNC_IDENTITY_VALUE`, `identity_value` is the value.
pub fn create_ufunc<'py>(
    py: Python<'py>,
    parts: UfuncParts,
    identity: c_int,
    identity_value: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let nargs = parts.nin + parts.nout;
    let mut types = Vec::with_capacity(parts.loops.len() * nargs);
    let mut functions = Vec::with_capacity(parts.loops.len());
    for l in &parts.loops {
        if l.inputs.len() != parts.nin || l.outputs.len() != parts.nout {
            return Err(PyRuntimeError::new_err(
                "internal error: a loop has a different number of operands than the ufunc",
            ));
        }
        for s in l.inputs.iter().chain(&l.outputs) {
            types.push(checked_typenum(*s)? as c_char);
        }
        // SAFETY: `address` is a loop compiled with the ufunc loop ABI.
        functions.push(Some(unsafe {
            std::mem::transmute::<
                usize,
                unsafe extern "C" fn(*mut *mut c_char, *mut isize, *mut isize, *mut c_void),
            >(l.address)
        }));
    }
    let tables = Tables {
        data: vec![std::ptr::null_mut(); functions.len()],
        functions,
        types,
        name: cstring(&parts.name)?,
        doc: cstring(&parts.doc)?,
        signature: parts.signature.as_deref().map(cstring).transpose()?,
    };
    let ntypes = tables.functions.len() as c_int;
    let library = Bound::new(
        py,
        KernelLibrary {
            tables,
            _code: parts.code,
            def: parts.def,
            loops: parts.loops,
            llvm_ir: parts.llvm_ir,
            asm: parts.asm,
            layout: parts.layout,
        },
    )?;
    let lib = library.get();
    let api = ufunc_api(py)?;
    // SAFETY: slot 42 of the ufunc API table is
    // PyUFunc_FromFuncAndDataAndSignatureAndIdentity (NumPy >= 1.16). Every
    // table pointer stays valid for the ufunc's lifetime because the library
    // owning them is stored in the ufunc's `obj` below. Type numbers were
    // checked by `checked_typenum`, counts match `nin`/`nout`/`ntypes`.
    unsafe {
        let f: FromFuncAndDataAndSignatureAndIdentity = std::mem::transmute(*api.offset(42));
        let ufunc = f(
            lib.tables.functions.as_ptr() as *mut PyUFuncGenericFunction,
            lib.tables.data.as_ptr(),
            lib.tables.types.as_ptr(),
            ntypes,
            parts.nin as c_int,
            parts.nout as c_int,
            identity,
            lib.tables.name.as_ptr(),
            lib.tables.doc.as_ptr(),
            0,
            lib.tables
                .signature
                .as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr()),
            identity_value
                .as_ref()
                .map_or(std::ptr::null_mut(), |v| v.as_ptr()),
        );
        if ufunc.is_null() {
            return Err(PyErr::fetch(py));
        }
        let u = ufunc as *mut PyUFuncObject;
        (*u).fields.obj = library.clone().into_any().unbind().into_ptr();
        Ok(Bound::from_owned_ptr(py, ufunc))
    }
}

/// NumPy type numbers for our scalars, checked against the running NumPy
/// at import (`check_typenums`).
fn checked_typenum(s: Scalar) -> PyResult<i32> {
    Ok(s.typenum())
}

/// Verifies that our type numbers are the running NumPy's.
pub fn check_typenums(py: Python<'_>) -> PyResult<()> {
    let np = py.import("numpy")?;
    for s in Scalar::ALL {
        let num: i32 = np
            .call_method1("dtype", (s.name(),))?
            .getattr("num")?
            .extract()?;
        let same = num == s.typenum() || Scalar::from_typenum(num) == Some(s);
        if !same {
            return Err(PyRuntimeError::new_err(format!(
                "NumPy's type number for {} is {num}, not {}; this NumPy build is not supported",
                s.name(),
                s.typenum()
            )));
        }
    }
    Ok(())
}

/// The library behind a ufunc made by jitufunc, if `obj` is one.
pub fn library_of<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, KernelLibrary>>> {
    let np = py.import("numpy")?;
    if !obj.is_instance(&np.getattr("ufunc")?)? {
        return Ok(None);
    }
    // SAFETY: `obj` is an np.ufunc instance, so it has PyUFuncObject's
    // layout; `obj` (the owner field) is either null or a live reference.
    let owner = unsafe {
        let u = obj.as_ptr() as *mut PyUFuncObject;
        let owner = (*u).fields.obj;
        if owner.is_null() {
            return Ok(None);
        }
        Bound::from_borrowed_ptr(py, owner)
    };
    Ok(owner.cast_into::<KernelLibrary>().ok())
}

/// The definition of a kernel made by `@vectorize`, for calls from other
/// kernels.
pub fn kernel_definition(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Option<Arc<FunctionDef>>> {
    Ok(library_of(py, obj)?.map(|lib| lib.get().def.clone()))
}
