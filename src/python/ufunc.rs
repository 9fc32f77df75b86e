//! Real NumPy ufuncs from compiled loops, through NumPy's C API.
//!
//! `PyUFunc_FromFuncAndDataAndSignatureAndIdentity` (slot 42 of the
//! `_UFUNC_API` capsule) keeps the `functions`, `data`, `types`, `name` and
//! `doc` pointers it is given without copying them. They live in a
//! `KernelLibrary`, which also owns the JIT'd machine code; the ufunc's
//! `obj` field holds a `UfuncOwner` of the library: NumPy drops that
//! reference when the ufunc is deallocated, so tables and code live as long
//! as the ufunc (and any Python object that keeps the library, such as a
//! kept `f.compile`, which then knows the ufunc is gone).

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use numpy::npyffi::objects::{PyUFuncGenericFunction, PyUFuncObject};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use super::errors::{enter, IntoPy};
use super::{numpy_abi, Request};
use crate::driver::library::Library;
use crate::driver::{self, CodegenOptions, CompiledLoops, EmitOptions, FrontDoor, LoopInfo};
use crate::error::CompileError;
use crate::guvectorize::Gufunc;
use crate::loops::parallel::{parallel_loop, LoopFn, ParallelLoop};
use crate::syntax::FunctionDef;
use crate::types::gufunc_layout::Layout;
use crate::types::Scalar;
use crate::vectorize::Elementwise;

/// NumPy's identity codes.
pub const PYUFUNC_ZERO: c_int = 0;
pub const PYUFUNC_ONE: c_int = 1;
pub const PYUFUNC_NONE: c_int = -1;
pub const PYUFUNC_REORDERABLE_NONE: c_int = -2;
pub const PYUFUNC_IDENTITY_VALUE: c_int = -3;

/// The loop tables NumPy reads (`functions`, `data`, `types`).
#[derive(Default, Clone)]
struct LoopTables {
    functions: Vec<PyUFuncGenericFunction>,
    data: Vec<*mut c_void>,
    types: Vec<c_char>,
}

/// NumPy's view of the library's loops, which grows with it (a lazy ufunc
/// compiles loops on first use).
///
/// Tables are never changed in place: adding a loop builds new vectors and
/// keeps the old ones (`retired`) alive for the ufunc's lifetime, because
/// NumPy reads the old pointers until `publish` switches the ufunc's fields
/// (under the GIL).
#[derive(Default)]
struct NumpyTables {
    tables: LoopTables,
    retired: Vec<LoopTables>,
    /// What the `data` entries of a parallel ufunc point to (boxed: NumPy
    /// keeps their addresses while this vector grows).
    #[allow(clippy::vec_box)]
    parallel: Vec<Box<ParallelLoop>>,
}

// SAFETY: the raw pointers in the tables are never written through; the
// `data` entries are null or point to the `ParallelLoop`s kept in `parallel`
// (Sync: read-only). All access goes through the mutex.
unsafe impl Send for NumpyTables {}

/// Which kind of ufunc, with the front door that compiles its loops.
pub enum UfuncKind {
    Elementwise(Elementwise),
    Gufunc(Gufunc),
}

impl UfuncKind {
    pub fn door(&self) -> &dyn FrontDoor {
        match self {
            UfuncKind::Elementwise(d) => d,
            UfuncKind::Gufunc(d) => d,
        }
    }

    /// The layout of a gufunc.
    pub fn layout(&self) -> Option<&Layout> {
        match self {
            UfuncKind::Elementwise(_) => None,
            UfuncKind::Gufunc(g) => Some(&g.layout),
        }
    }

    /// Inputs a gufunc kernel may write.
    pub fn writable(&self) -> &[usize] {
        match self {
            UfuncKind::Elementwise(_) => &[],
            UfuncKind::Gufunc(g) => &g.writable,
        }
    }
}

/// What a jitufunc ufunc is: its kernel, and how its loops are made.
pub struct KernelSpec {
    pub def: Arc<FunctionDef>,
    pub kind: UfuncKind,
    pub options: CodegenOptions,
    pub emit: EmitOptions,
    /// Compiles loops for new dtypes on first use.
    pub lazy: bool,
    /// Splits loops across the thread pool (`target="parallel"`).
    pub parallel: bool,
    /// Compiles go through the on-disk cache (`cache=True`).
    pub cache: bool,
    pub nin: usize,
    pub nout: usize,
}

impl KernelSpec {
    /// The layout of a gufunc.
    pub fn layout(&self) -> Option<&Layout> {
        self.kind.layout()
    }

    /// Compiles the loops for `signatures` (registration order), keeping
    /// the IR text `emit` asks for.
    pub fn compile(
        &self,
        signatures: &[String],
        emit: EmitOptions,
    ) -> crate::error::Result<(Vec<LoopInfo>, CompiledLoops)> {
        driver::prepare(
            self.kind.door(),
            &self.def,
            signatures,
            self.options,
            emit,
            self.cache,
        )
    }
}

/// Everything a jitufunc ufunc owns: the compiled code (`store`, the core
/// library) and NumPy's tables that point into it. Python sees it as the
/// ufunc's hidden owner object; `jitufunc` reads its introspection data
/// through the functions of `crate::python`.
#[pyclass(module = "jitufunc._core", frozen, weakref)]
pub struct KernelLibrary {
    /// The strings NumPy points to: name, doc, gufunc signature.
    name: CString,
    doc: CString,
    numpy_signature: Option<CString>,
    pub spec: KernelSpec,
    /// The compiled loops.
    pub store: Library,
    numpy: Mutex<NumpyTables>,
    /// The ufunc this library belongs to (which owns it). Only read while
    /// the ufunc is known to be alive (see `jitufunc.decorators._finish`).
    pub ufunc: AtomicPtr<PyUFuncObject>,
}

impl std::ops::Deref for KernelLibrary {
    type Target = KernelSpec;

    fn deref(&self) -> &KernelSpec {
        &self.spec
    }
}

impl KernelLibrary {
    fn numpy(&self) -> std::sync::MutexGuard<'_, NumpyTables> {
        self.numpy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loops in registration order.
    pub fn loops(&self) -> Vec<LoopInfo> {
        self.store.loops()
    }

    /// Adds compiled loops (appended after the existing ones) to the store
    /// and to NumPy's tables, together: a thread that sees a loop in the
    /// store and then publishes finds it in the tables. Needs no GIL.
    pub fn append(
        &self,
        compiled: CompiledLoops,
        loops: Vec<LoopInfo>,
    ) -> crate::error::Result<()> {
        let mut np = self.numpy();
        let mut tables = np.tables.clone();
        for l in &loops {
            if l.inputs.len() != self.nin || l.outputs.len() != self.nout {
                return Err(CompileError::internal(
                    "a loop has a different number of operands than the ufunc",
                ));
            }
            for s in l.inputs.iter().chain(&l.outputs) {
                tables.types.push(s.typenum() as c_char);
            }
            // SAFETY: `address` is a loop compiled with the ufunc loop ABI
            // and kept alive by the store (`Library::add` below).
            let inner = unsafe { std::mem::transmute::<usize, LoopFn>(l.address) };
            if self.parallel {
                let p = Box::new(ParallelLoop {
                    inner,
                    inner_data: l.data,
                    nin: self.nin,
                    itemsizes: l
                        .inputs
                        .iter()
                        .chain(&l.outputs)
                        .map(|s| s.itemsize())
                        .collect(),
                    ncore_dims: self.layout().map_or(0, |l| l.numpy_dims),
                    writes_inputs: !self.kind.writable().is_empty(),
                });
                tables.functions.push(Some(parallel_loop));
                tables.data.push(&*p as *const ParallelLoop as *mut c_void);
                np.parallel.push(p);
            } else {
                tables.functions.push(Some(inner));
                tables.data.push(l.data as *mut c_void);
            }
        }
        let old = std::mem::replace(&mut np.tables, tables);
        np.retired.push(old);
        self.store.add(compiled, loops);
        Ok(())
    }

    /// Points the ufunc's loop fields at the current tables (nothing if the
    /// ufunc is gone). Table entries are never replaced or freed while the
    /// library lives: NumPy may keep `functions[i]`/`data[i]` values.
    ///
    /// # Safety
    /// The GIL is held (the ufunc cannot be freed meanwhile).
    pub unsafe fn publish(&self) {
        let ufunc = self.ufunc.load(Ordering::Acquire);
        if ufunc.is_null() {
            return;
        }
        let np = self.numpy();
        // SAFETY: per the contract; the tables stay allocated for the
        // library's (so the ufunc's) lifetime, as `retired` keeps old ones.
        unsafe {
            (*ufunc).fields.functions = np.tables.functions.as_ptr() as *mut PyUFuncGenericFunction;
            (*ufunc).fields.data = np.tables.data.as_ptr() as *mut *mut c_void;
            (*ufunc).fields.types = np.tables.types.as_ptr() as *mut c_char;
            (*ufunc).fields.ntypes = np.tables.functions.len() as c_int;
        }
    }
}

#[pymethods]
impl KernelLibrary {
    /// Signatures of the compiled loops, in registration order.
    #[getter]
    fn signatures(&self) -> Vec<String> {
        self.store.signatures()
    }

    /// Typed IR of each loop's kernel, keyed by signature.
    pub fn typed_ir(&self) -> Vec<(String, String)> {
        self.store.typed_ir()
    }

    /// LLVM IR kept by `keep_ir=True` compiles.
    #[getter]
    fn llvm_ir(&self) -> Option<String> {
        self.store.llvm_ir()
    }

    /// Assembly kept by `keep_ir=True` compiles.
    #[getter]
    fn asm(&self) -> Option<String> {
        self.store.asm()
    }

    #[getter]
    fn lazy(&self) -> bool {
        self.lazy
    }

    /// `(operand type numbers, loop function address, loop data address)`
    /// of every loop NumPy has, in registration order: the loop and data
    /// pointers NumPy itself calls, for code compiled elsewhere that calls
    /// this ufunc (`jitufunc._numba_bridge`). They stay valid as long as the
    /// library.
    #[getter]
    fn loop_entries(&self) -> Vec<(Vec<i32>, usize, usize)> {
        // (The tables and the store grow together under this lock.)
        let np = self.numpy();
        self.loops()
            .iter()
            .zip(np.tables.functions.iter().zip(&np.tables.data))
            .map(|(l, (f, d))| {
                let types = l
                    .inputs
                    .iter()
                    .chain(&l.outputs)
                    .map(|s| s.typenum())
                    .collect();
                (types, f.map_or(0, |f| f as usize), *d as usize)
            })
            .collect()
    }

    /// The source the kernel was compiled from: (file name, first line,
    /// lines).
    #[getter]
    fn source(&self) -> (String, u32, Vec<String>) {
        let s = &self.def.source;
        (s.filename.clone(), s.first_line, s.lines.clone())
    }
}

/// The object in the ufunc's `obj` field: the ufunc's only reference to
/// its library besides Python-level ones. NumPy drops it when the ufunc is
/// deallocated (under the GIL), and dropping it tells the library that its
/// ufunc is gone, so code holding the library (`f.compile` kept after `f`
/// is deleted) never writes into a freed ufunc. This assumes nothing else
/// keeps the owner (only `gc.get_referents(ufunc)` can reach it).
#[pyclass(module = "jitufunc._core", frozen)]
pub struct UfuncOwner {
    pub library: Py<KernelLibrary>,
}

impl Drop for UfuncOwner {
    fn drop(&mut self) {
        self.library
            .get()
            .ufunc
            .store(std::ptr::null_mut(), Ordering::Release);
    }
}

/// The library of the ufunc whose `obj` field is `owner` (borrowed), if it
/// is a jitufunc ufunc.
///
/// # Safety
/// `owner` is null or a live object; the GIL is held.
pub unsafe fn library_from_owner<'py>(
    py: Python<'py>,
    owner: *mut pyo3::ffi::PyObject,
) -> Option<Bound<'py, KernelLibrary>> {
    if owner.is_null() {
        return None;
    }
    // SAFETY: per the contract.
    let owner = unsafe { Bound::from_borrowed_ptr(py, owner) };
    let owner = owner.cast_into::<UfuncOwner>().ok()?;
    Some(owner.get().library.bind(py).clone())
}

/// What a new ufunc is made of.
pub struct UfuncParts {
    pub spec: KernelSpec,
    /// Loops in registration order (none for a lazy ufunc).
    pub loops: Vec<LoopInfo>,
    pub compiled: Option<CompiledLoops>,
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

/// `PyUFunc_GiveFloatingpointErrors` (slot 46 of `_UFUNC_API`, NumPy 2).
type GiveFpErrors = unsafe extern "C" fn(*const c_char, c_int) -> c_int;

/// Reports FP flags (`codegen::fpstatus` bits) the way NumPy does after a
/// ufunc: as `np.errstate` says (warn, raise, call, ...), naming `name`.
pub fn give_fp_errors(py: Python<'_>, name: &str, flags: i32) -> PyResult<()> {
    use crate::codegen::fpstatus::{DIVBYZERO, INVALID, OVERFLOW};
    // NumPy's NPY_FPE_* bits.
    let mut npy = 0;
    for (ours, theirs) in [(DIVBYZERO, 1), (OVERFLOW, 2), (INVALID, 8)] {
        if flags as u64 & ours != 0 {
            npy |= theirs;
        }
    }
    if npy == 0 {
        return Ok(());
    }
    numpy_abi::require_ufunc_api(py)?;
    let api = ufunc_api(py)?;
    let name = cstring(name)?;
    // SAFETY: NumPy 2's C ABI was checked (`require_ufunc_api`); slot 46 of
    // its ufunc API table is `int PyUFunc_GiveFloatingpointErrors(const
    // char *, int)` in every NumPy 2 release; the GIL is held.
    let rc = unsafe {
        let give: GiveFpErrors = std::mem::transmute(*api.add(46));
        give(name.as_ptr(), npy)
    };
    if rc < 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(())
}

fn cstring(s: &str) -> PyResult<CString> {
    CString::new(s.replace('\0', "")).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The ufunc a decorator asked for: its loops compiled (none for a lazy
/// ufunc, which compiles them on first use), the ufunc created, and what a
/// gufunc or a lazy ufunc sets on it after that.
pub fn make_ufunc<'py>(py: Python<'py>, r: Request<'py>) -> PyResult<Bound<'py, PyAny>> {
    let mut spec = r.spec;
    // Everything that can be refused is refused before compiling.
    numpy_abi::require_ufunc_api(py)?;
    if spec.lazy {
        numpy_abi::require_private(py, "a lazy ufunc (made without signatures)")?;
    }
    if let Some(layout) = spec.layout() {
        super::gufunc::check_numpy(py, layout)?;
    }
    spec.kind.door().check_kernel(&spec.def).py_err(py)?;
    let (loops, compiled) = if spec.lazy {
        (vec![], None)
    } else {
        let (loops, compiled) = enter(py, || spec.compile(&r.signatures, spec.emit))?;
        (loops, Some(compiled))
    };
    (spec.nin, spec.nout) = match (&spec.kind, loops.first()) {
        (UfuncKind::Gufunc(g), _) => (g.layout.nin(), g.layout.nout()),
        (UfuncKind::Elementwise(_), Some(l)) => (l.inputs.len(), l.outputs.len()),
        (UfuncKind::Elementwise(_), None) => {
            if spec.def.params.is_empty() {
                return Err(super::option_error(
                    py,
                    format!(
                        "'{}' takes no arguments, so there are no dtypes to compile it for on first use; give it a signature such as \"int64()\"",
                        spec.def.name
                    ),
                ));
            }
            (
                spec.def.params.len(),
                crate::typing::lazy::output_count(&spec.def),
            )
        }
    };
    let lazy = spec.lazy;
    let parts = UfuncParts {
        spec,
        loops,
        compiled,
    };
    let (identity, identity_value) = r.identity;
    let u = create_ufunc(py, parts, identity, identity_value)?;
    let lib =
        library_of(py, &u)?.ok_or_else(|| PyRuntimeError::new_err("ufunc without library"))?;
    if let Some(layout) = lib.get().layout() {
        super::gufunc::configure(py, &u, layout, lib.get().kind.writable())?;
    }
    if lazy {
        super::lazy::make_lazy(&u)?;
    }
    Ok(u)
}

/// Creates the ufunc. `identity` is one of NumPy's codes; with
/// `PYUFUNC_IDENTITY_VALUE`, `identity_value` is the value.
pub fn create_ufunc<'py>(
    py: Python<'py>,
    parts: UfuncParts,
    identity: c_int,
    identity_value: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let library = KernelLibrary {
        name: cstring(&parts.spec.def.name)?,
        doc: cstring(parts.spec.def.doc.as_deref().unwrap_or_default())?,
        numpy_signature: parts
            .spec
            .layout()
            .map(|l| cstring(&l.numpy_signature()))
            .transpose()?,
        spec: parts.spec,
        store: Library::new(),
        numpy: Mutex::new(NumpyTables::default()),
        ufunc: AtomicPtr::new(std::ptr::null_mut()),
    };
    if let Some(compiled) = parts.compiled {
        library.append(compiled, parts.loops).py_err(py)?;
    }
    let library = Bound::new(py, library)?;
    let lib = library.get();
    numpy_abi::require_ufunc_api(py)?;
    let api = ufunc_api(py)?;
    let np = lib.numpy();
    // SAFETY: slot 42 of the ufunc API table is
    // PyUFunc_FromFuncAndDataAndSignatureAndIdentity in NumPy's C ABI 2
    // from C API feature version 0x0d (NumPy 1.16) on, which
    // `require_ufunc_api` just checked. Every table pointer stays valid for
    // the ufunc's lifetime because the library owning them is stored in the
    // ufunc's `obj` below. Type numbers were checked against the running
    // NumPy by `check_typenums` (in `python::request`, before any ufunc is
    // made); counts match `nin`/`nout`/`ntypes` (`KernelLibrary::append`).
    unsafe {
        let f: FromFuncAndDataAndSignatureAndIdentity = std::mem::transmute(*api.offset(42));
        let ufunc = f(
            np.tables.functions.as_ptr() as *mut PyUFuncGenericFunction,
            np.tables.data.as_ptr(),
            np.tables.types.as_ptr(),
            np.tables.functions.len() as c_int,
            lib.nin as c_int,
            lib.nout as c_int,
            identity,
            lib.name.as_ptr(),
            lib.doc.as_ptr(),
            0,
            lib.numpy_signature
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
        let owner = Bound::new(
            py,
            UfuncOwner {
                library: library.clone().unbind(),
            },
        )?;
        (*u).fields.obj = owner.into_any().unbind().into_ptr();
        lib.ufunc.store(u, Ordering::Release);
        Ok(Bound::from_owned_ptr(py, ufunc))
    }
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
    Ok(unsafe { library_from_owner(py, (*(obj.as_ptr() as *mut PyUFuncObject)).fields.obj) })
}

/// The definition of a kernel made by `@vectorize` or a function made by
/// `@jit`, for calls from other kernels and functions (the frontend's
/// kernel resolver).
pub fn kernel_definition(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Option<crate::syntax::KernelTarget>> {
    use crate::syntax::KernelTarget;
    if let Ok(d) = obj.cast::<super::dispatcher::Dispatcher>() {
        // A dispatcher this thread is reading calls itself (recursion).
        if let Some(reading) = d.get().reading() {
            return Ok(Some(reading));
        }
        return Ok(Some(KernelTarget::Def(d.get().definition(py)?.clone())));
    }
    // A Numba `@njit` function: its Python function, compiled as a jitufunc
    // `@jit` function (made once per Numba dispatcher, in Python).
    let ty = obj.get_type();
    if ty.name()? == "CPUDispatcher"
        && ty.module()?.to_string().starts_with("numba")
        && obj.hasattr("py_func")?
    {
        let ours = py
            .import("jitufunc.decorators")?
            .call_method1("_from_numba", (obj,))?;
        return kernel_definition(py, &ours);
    }
    Ok(library_of(py, obj)?.map(|lib| {
        let lib = lib.get();
        match lib.layout() {
            None => KernelTarget::Ufunc(lib.def.clone()),
            Some(layout) => KernelTarget::Gufunc(Arc::new(crate::syntax::GufuncTarget {
                name: lib.name.to_string_lossy().into_owned(),
                def: lib.def.clone(),
                layout: layout.clone(),
                loops: if lib.lazy {
                    vec![]
                } else {
                    lib.loops()
                        .into_iter()
                        .map(|l| {
                            let dtypes = l.inputs.iter().chain(&l.outputs).copied().collect();
                            (l.signature, dtypes)
                        })
                        .collect()
                },
                writable: lib.kind.writable().to_vec(),
            })),
        }
    }))
}
