//! The `@jit` dispatcher: a Python callable that finds (or compiles) the
//! specialisation of the function for its arguments' types and calls it
//! through the native entry point (`crate::jit::abi`).
//!
//! A call reads each argument's type into an `ArgKey` with exact type
//! checks and NumPy's C structs (no Python objects are made), looks the
//! keys up among the specialisations, writes the arguments into slots and
//! view records on the stack, calls the entry and turns the return slots
//! into Python objects. Compiling happens with the GIL released, one
//! compile at a time per function (`driver::library::Library`).

use std::ffi::{c_int, c_void};
use std::sync::{Arc, RwLock};

use numpy::npyffi::{
    get_type_object, NpyTypes, PyArrayObject, PyArray_Check, NPY_ARRAY_C_CONTIGUOUS,
    NPY_ARRAY_WRITEABLE, PY_ARRAY_API,
};
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::errors::{enter, IntoPy};
use crate::driver::library::Library;
use crate::driver::{self, CodegenOptions, EmitOptions, LoopInfo};
use crate::jit::abi::{canonical, return_leaves, view_words, Leaf, SLOT};
use crate::jit::args::{ArgKey, MAX_NDIM};
use crate::jit::Jit;
use crate::syntax::FunctionDef;
use crate::types::{Kind, Scalar, Signature, Type, Weak};

thread_local! {
    /// Dispatchers whose functions this thread is reading.
    static READING: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(vec![]) };
}

/// An entry point: `int32 entry(const u8 *const *args, u8 *ret)`.
type EntryFn = unsafe extern "C" fn(*const *const u8, *mut u8) -> i32;

/// One compiled specialisation, ready to call.
struct Specialisation {
    keys: Vec<ArgKey>,
    entry: EntryFn,
    /// The return type (strong) and its leaves.
    ret: Type,
    leaves: Vec<Leaf>,
}

/// How a call's arguments were bound to parameters.
enum Bound<'a, 'py> {
    /// `f(a, b)` with every parameter given positionally.
    Positional(&'a pyo3::Bound<'py, PyTuple>),
    /// Keywords or defaults were involved.
    Filled(Vec<pyo3::Bound<'py, PyAny>>),
}

impl<'py> Bound<'_, 'py> {
    fn get(&self, k: usize) -> *mut ffi::PyObject {
        match self {
            // SAFETY: `k` < the tuple's length (checked when binding).
            Bound::Positional(t) => unsafe { ffi::PyTuple_GET_ITEM(t.as_ptr(), k as isize) },
            Bound::Filled(v) => v[k].as_ptr(),
        }
    }
}

/// The compiled-function object behind `@jit` (Python subclasses it as
/// `jitufunc.dispatcher.Dispatcher`).
#[pyclass(module = "jitufunc._core", subclass, frozen, weakref)]
pub struct Dispatcher {
    /// The Python function.
    func: Py<PyAny>,
    /// `func.__name__`.
    name: String,
    /// The function as the frontend reads it: on the first compile (as
    /// Numba does, so that it may call functions defined after it).
    def: pyo3::sync::PyOnceLock<Arc<FunctionDef>>,
    options: CodegenOptions,
    emit: EmitOptions,
    /// Release the GIL while compiled code runs.
    nogil: bool,
    /// Keep compiled specialisations on disk (`cache=True`).
    cache: bool,
    /// `locals=`: variables of fixed types.
    locals: Vec<(String, Scalar)>,
    /// `parallel=True`: `prange` loops run on the thread pool.
    parallel: bool,
    /// Tells this dispatcher apart from every other of the process (the
    /// identity recursive calls refer to).
    serial: usize,
    /// Compile a specialisation for each new combination of argument types
    /// (no signatures were given).
    lazy: bool,
    params: Vec<String>,
    /// The function has `*args`, `**kwargs` or keyword-only parameters,
    /// which the frontend refuses: calls report that first.
    odd_params: bool,
    /// `func.__defaults__`: values of the last parameters.
    defaults: Vec<Py<PyAny>>,
    store: Library,
    /// Every specialisation; entries are never removed while the
    /// dispatcher lives (`last` points into them).
    specs: RwLock<Vec<Arc<Specialisation>>>,
    /// The specialisation the last call used (null before the first): a
    /// call with the same argument types finds it without a lock.
    last: std::sync::atomic::AtomicPtr<Specialisation>,
}

/// The key of a `@jit` function or jitufunc ufunc passed as an argument
/// (`None` for other objects). Each object is registered once and kept
/// alive, so that its address keeps naming it.
fn function_key(py: Python<'_>, obj: *mut ffi::PyObject) -> PyResult<Option<ArgKey>> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    /// By address: the object (kept alive) and its reference.
    type Seen = HashMap<usize, (Py<PyAny>, crate::types::FunctionRef)>;
    static SEEN: Mutex<Option<Seen>> = Mutex::new(None);
    if let Some((_, r)) = SEEN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .get(&(obj as usize))
    {
        return Ok(Some(ArgKey::function(*r)));
    }
    // SAFETY: a live object borrowed from the call's arguments; the GIL
    // is held.
    let bound = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
    let Some(target) = super::ufunc::kernel_definition(py, &bound)? else {
        return Ok(None);
    };
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashMap::new);
    let r = match seen.get(&(obj as usize)) {
        Some((_, r)) => *r,
        None => {
            let r = crate::syntax::function_value::register(target);
            seen.insert(obj as usize, (bound.unbind(), r));
            r
        }
    };
    Ok(Some(ArgKey::function(r)))
}

fn type_error(message: String) -> PyErr {
    PyTypeError::new_err(message)
}

impl Dispatcher {
    /// The function's definition, read on first use (also for calls from
    /// other functions).
    pub fn definition(&self, py: Python<'_>) -> PyResult<&Arc<FunctionDef>> {
        if let Some(def) = self.def.get(py) {
            return Ok(def);
        }
        // While it is read, a call of itself (on this thread) is a
        // `KernelTarget::Reading` (`reading`); other threads may read it
        // at the same time.
        let me = self.serial;
        READING.with(|r| r.borrow_mut().push(me));
        let read = self.def.get_or_try_init(py, || {
            let mut def = crate::frontend::read_function(
                py,
                self.func.bind(py),
                &super::ufunc::kernel_definition,
                Some(crate::syntax::Identity(me)),
            )?
            .py_err(py)?;
            if !self.locals.is_empty() || self.parallel {
                let def = Arc::get_mut(&mut def).expect("a definition just read has one owner");
                def.locals = self.locals.clone();
                def.parallel = self.parallel;
            }
            Ok(def)
        });
        READING.with(|r| r.borrow_mut().retain(|d| *d != me));
        read
    }

    /// What a call of this function is while this thread reads it (a
    /// recursive call), if it does.
    pub fn reading(&self) -> Option<crate::syntax::KernelTarget> {
        let me = self.serial;
        READING.with(|r| r.borrow().contains(&me)).then(|| {
            crate::syntax::KernelTarget::Reading(crate::syntax::Identity(me), self.name.clone())
        })
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// Binds `args`/`kwargs` to the parameters the way Python would.
    fn bind<'a, 'py>(
        &self,
        py: Python<'py>,
        args: &'a pyo3::Bound<'py, PyTuple>,
        kwargs: Option<&pyo3::Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'a, 'py>> {
        let n = self.params.len();
        let nkw = kwargs.map_or(0, |k| k.len());
        if nkw == 0 && args.len() == n {
            return Ok(Bound::Positional(args));
        }
        if args.len() > n {
            return Err(type_error(format!(
                "{}() takes {n} positional argument{} but {} were given",
                self.name(),
                if n == 1 { "" } else { "s" },
                args.len()
            )));
        }
        let mut slots: Vec<Option<pyo3::Bound<'py, PyAny>>> = args.iter().map(Some).collect();
        slots.resize(n, None);
        if let Some(kw) = kwargs {
            for (key, value) in kw.iter() {
                let key: String = key.extract()?;
                let Some(k) = self.params.iter().position(|p| *p == key) else {
                    return Err(type_error(format!(
                        "{}() got an unexpected keyword argument '{key}'",
                        self.name()
                    )));
                };
                if slots[k].is_some() {
                    return Err(type_error(format!(
                        "{}() got multiple values for argument '{key}'",
                        self.name()
                    )));
                }
                slots[k] = Some(value);
            }
        }
        let first_default = n - self.defaults.len();
        let mut out = Vec::with_capacity(n);
        for (k, slot) in slots.into_iter().enumerate() {
            match slot {
                Some(v) => out.push(v),
                None if k >= first_default => {
                    out.push(self.defaults[k - first_default].bind(py).clone())
                }
                None => {
                    return Err(type_error(format!(
                        "{}() missing required argument: '{}'",
                        self.name(),
                        self.params[k]
                    )))
                }
            }
        }
        Ok(Bound::Filled(out))
    }

    /// The key of argument `k` (`obj`), or the `TypeError` naming it.
    fn key_of(&self, py: Python<'_>, k: usize, obj: *mut ffi::PyObject) -> PyResult<ArgKey> {
        // SAFETY: `obj` is a live object borrowed from the call's arguments;
        // the GIL is held. Only type checks and NumPy's struct fields of an
        // object that passed `PyArray_Check` are read.
        unsafe {
            if ffi::PyFloat_CheckExact(obj) != 0 {
                return Ok(ArgKey::python_number(Weak::Float));
            }
            if ffi::PyLong_CheckExact(obj) != 0 {
                return Ok(ArgKey::python_number(Weak::Int));
            }
            if ffi::PyBool_Check(obj) != 0 {
                return Ok(ArgKey::python_bool());
            }
            if ffi::PyComplex_CheckExact(obj) != 0 {
                return Ok(ArgKey::python_number(Weak::Complex));
            }
            if obj == ffi::Py_None() {
                return Ok(ArgKey::none());
            }
            if ffi::PyTuple_CheckExact(obj) != 0 {
                let n = ffi::PyTuple_GET_SIZE(obj);
                let mut items = Vec::with_capacity(n as usize);
                for i in 0..n {
                    let item = ffi::PyTuple_GET_ITEM(obj, i);
                    if item == ffi::Py_None() {
                        return Err(type_error(format!(
                            "{}() argument '{}' is a tuple holding None; @jit functions take None on its own, not inside tuples",
                            self.name(),
                            self.params[k]
                        )));
                    }
                    // Python numbers inside tuples take NumPy's default
                    // dtypes, so that `((1, 2), (3, np.int64(4)))` has
                    // items of one type a loop can run over.
                    items.push(self.key_of(py, k, item)?.strengthened());
                }
                return Ok(ArgKey::tuple(&items));
            }
            if PyArray_Check(py, obj) != 0 {
                let a = obj as *mut PyArrayObject;
                let descr = (*a).fields.descr;
                let num = (*descr).fields.type_num;
                let Some(dtype) = Scalar::from_typenum(num) else {
                    return Err(self.unsupported_arg(py, k, obj));
                };
                if (*descr).fields.byteorder as u8 == b'>' {
                    return Err(type_error(format!(
                        "{}() argument '{}': arrays in non-native byte order are not supported; convert with a.astype(a.dtype.newbyteorder('='))",
                        self.name(),
                        self.params[k]
                    )));
                }
                let ndim = (*a).fields.nd as u32;
                if ndim > MAX_NDIM {
                    return Err(self.unsupported_arg(py, k, obj));
                }
                let flags = (*a).fields.flags;
                return Ok(ArgKey::array(
                    dtype,
                    ndim,
                    flags & NPY_ARRAY_C_CONTIGUOUS != 0,
                    flags & NPY_ARRAY_WRITEABLE == 0,
                ));
            }
            if ffi::PyObject_TypeCheck(obj, get_type_object(py, NpyTypes::PyGenericArrType_Type))
                != 0
            {
                let descr = PY_ARRAY_API.PyArray_DescrFromScalar(py, obj);
                if descr.is_null() {
                    return Err(PyErr::fetch(py));
                }
                let num = (*descr).fields.type_num;
                ffi::Py_DECREF(descr as *mut ffi::PyObject);
                if let Some(s) = Scalar::from_typenum(num) {
                    return Ok(ArgKey::scalar(s));
                }
            }
            if let Some(key) = self.list_key(py, k, obj)? {
                return Ok(key);
            }
            if let Some(key) = self.dict_key(py, k, obj)? {
                return Ok(key);
            }
            if is_generator(py, obj)? {
                return Ok(ArgKey::generator());
            }
            if let Some(key) = function_key(py, obj)? {
                return Ok(key);
            }
            Err(self.unsupported_arg(py, k, obj))
        }
    }

    /// The key of a typed List argument (`jitufunc.typed.List`).
    fn list_key(
        &self,
        py: Python<'_>,
        k: usize,
        obj: *mut ffi::PyObject,
    ) -> PyResult<Option<ArgKey>> {
        // SAFETY: a live borrowed object; the GIL is held.
        let obj = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
        let Some(h) = super::typed_list::header_of(&obj) else {
            return Ok(None);
        };
        if h.is_null() {
            return Err(type_error(format!(
                "{}() argument '{}' is an empty List() whose item type is not known yet; make it with List.empty_list(types.float64) (or the item type it holds), or append to it first",
                self.name(),
                self.params[k]
            )));
        }
        // SAFETY: a live header the argument holds a reference to.
        Ok(Some(ArgKey::list(unsafe {
            super::typed_list::item_type(h)
        })))
    }

    /// The key of a typed Dict argument (`jitufunc.typed.Dict`).
    fn dict_key(
        &self,
        py: Python<'_>,
        k: usize,
        obj: *mut ffi::PyObject,
    ) -> PyResult<Option<ArgKey>> {
        // SAFETY: a live borrowed object; the GIL is held.
        let obj = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
        let Some(h) = super::typed_dict::header_of(&obj) else {
            return Ok(None);
        };
        if h.is_null() {
            return Err(type_error(format!(
                "{}() argument '{}' is an empty Dict() whose key and value types are not known yet; make it with Dict.empty(types.int64, types.float64) (or the types it holds), or store an item in it first",
                self.name(),
                self.params[k]
            )));
        }
        // SAFETY: a live header the argument holds a reference to.
        let (key, value) = unsafe { super::typed_dict::item_types(h) };
        Ok(Some(ArgKey::dict(key, value)))
    }

    fn unsupported_arg(&self, py: Python<'_>, k: usize, obj: *mut ffi::PyObject) -> PyErr {
        // SAFETY: a live borrowed object; the GIL is held.
        let obj = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
        if obj.is_exact_instance_of::<pyo3::types::PyList>() {
            return type_error(format!(
                "{}() argument '{}' is a list; @jit functions do not take Python lists (they are neither copied nor reflected): use a jitufunc.typed.List (from jitufunc.typed import List; List([1.0, 2.0])), which compiled code shares without copying, or a NumPy array (np.array(...))",
                self.name(),
                self.params[k]
            ));
        }
        if obj.is_exact_instance_of::<pyo3::types::PyDict>() {
            return type_error(format!(
                "{}() argument '{}' is a dict; @jit functions do not take Python dicts (they are neither copied nor reflected): use a jitufunc.typed.Dict (from jitufunc.typed import Dict; Dict({{1: 2.0}}), or Dict.empty(types.int64, types.float64)), which compiled code shares without copying",
                self.name(),
                self.params[k]
            ));
        }
        let what = match obj.getattr("dtype") {
            Ok(d) => format!(
                "{} of dtype {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                d.str().map(|s| s.to_string()).unwrap_or_default()
            ),
            Err(_) => obj
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default(),
        };
        type_error(format!(
            "{}() argument '{}' is a {what}; @jit functions take bool, int, float and complex numbers, NumPy scalars, arrays of booleans, integers, floats and complex numbers, tuples of these, None, and @jit functions or jitufunc ufuncs (plain Python functions and NumPy's ufuncs cannot be passed)",
            self.name(),
            self.params[k]
        ))
    }

    fn find(&self, keys: &[ArgKey]) -> Option<Arc<Specialisation>> {
        let specs = self.specs.read().unwrap_or_else(|e| e.into_inner());
        specs.iter().find(|s| s.keys == keys).cloned()
    }

    /// The specialisation for `keys` if the last call used it, or one the
    /// list has; no reference count is taken.
    fn find_fast(&self, keys: &[ArgKey]) -> Option<&Specialisation> {
        use std::sync::atomic::Ordering;
        let last = self.last.load(Ordering::Acquire);
        // SAFETY: `last` is null or points into an `Arc` in `specs`, which
        // keeps every entry for the dispatcher's lifetime (`&self` here).
        if let Some(s) = unsafe { last.as_ref() } {
            if s.keys == keys {
                return Some(s);
            }
        }
        let specs = self.specs.read().unwrap_or_else(|e| e.into_inner());
        let found = specs.iter().find(|s| s.keys == keys)?;
        let ptr = Arc::as_ptr(found) as *mut Specialisation;
        self.last.store(ptr, Ordering::Release);
        // SAFETY: as above: the entry outlives the lock guard.
        Some(unsafe { &*ptr })
    }

    /// The specialisation for `keys`: found, compiled (lazy dispatchers),
    /// or one whose argument types these convert to safely.
    fn specialisation(&self, py: Python<'_>, keys: &[ArgKey]) -> PyResult<Arc<Specialisation>> {
        if let Some(s) = self.find(keys) {
            return Ok(s);
        }
        if !self.lazy {
            // A Python number first matches its default dtype exactly
            // (`f(3, 4)` calls `int64(int64, int64)`, as in Numba).
            let strong: Vec<ArgKey> = keys.iter().map(|k| k.strengthened()).collect();
            if let Some(s) = self.find(&strong) {
                return Ok(s);
            }
            return self.converting(keys).ok_or_else(|| {
                let types: Vec<String> = keys.iter().map(|k| k.to_type().to_string()).collect();
                type_error(format!(
                    "no compiled signature of {}() matches the argument types ({}); its signatures are {:?}",
                    self.name(),
                    types.join(", "),
                    self.store.signatures()
                ))
            });
        }
        let sig = Signature {
            args: keys.iter().map(|k| k.to_type()).collect(),
            ret: None,
        };
        let def = self.definition(py)?.clone();
        let info = enter(py, || self.compile(&def, &sig))?;
        self.register(keys.to_vec(), &info).py_err(py)
    }

    /// A compiled specialisation the scalar arguments convert to safely
    /// (as NumPy's `can_cast`), with arrays matching exactly.
    fn converting(&self, keys: &[ArgKey]) -> Option<Arc<Specialisation>> {
        use crate::types::promote::can_cast_scalar;
        use crate::types::Casting;
        let specs = self.specs.read().unwrap_or_else(|e| e.into_inner());
        specs
            .iter()
            .find(|s| {
                s.keys.len() == keys.len()
                    && s.keys.iter().zip(keys).all(|(have, given)| {
                        have == given
                            || match (have.to_type(), given.to_type()) {
                                (Type::Array(h), Type::Array(g)) => {
                                    h.dtype == g.dtype
                                        && h.ndim == g.ndim
                                        && (h.layout == crate::types::Layout::Any
                                            || g.layout == h.layout)
                                        && (h.readonly || !g.readonly)
                                }
                                (Type::Array(_), _) | (_, Type::Array(_)) => false,
                                // Only scalars convert; tuples, None, typed
                                // containers, ... match only exactly.
                                (h, g) if !h.is_scalar() || !g.is_scalar() => false,
                                _ => can_cast_scalar(given.dtype(), have.dtype(), Casting::Safe),
                            }
                    })
            })
            .cloned()
    }

    /// Compiles (or finds) the entry for `sig`; needs no GIL.
    fn compile(&self, def: &Arc<FunctionDef>, sig: &Signature) -> crate::error::Result<LoopInfo> {
        let args = sig.args.clone();
        self.store.get_or_compile(
            &def.name,
            |l| l.signature.args == args,
            || {
                driver::prepare_signatures(
                    &Jit,
                    def,
                    std::slice::from_ref(sig),
                    &[sig.to_string()],
                    self.options,
                    self.emit,
                    // A function argument's type is a number of this
                    // process: such code is not kept on disk.
                    self.cache && !args.iter().any(|t| matches!(t, Type::Function(_))),
                )
            },
            |compiled, loops| {
                self.store.add(compiled, loops);
                Ok(())
            },
        )
    }

    /// Makes the compiled entry `info` callable for `keys`.
    fn register(
        &self,
        keys: Vec<ArgKey>,
        info: &LoopInfo,
    ) -> crate::error::Result<Arc<Specialisation>> {
        let ret = info.signature.ret.clone().unwrap_or(Type::NoneType);
        let leaves = return_leaves(&ret)?;
        // SAFETY: `address` is an entry compiled with the `abi` calling
        // convention and kept alive by `store` for the dispatcher's life.
        let entry = unsafe { std::mem::transmute::<usize, EntryFn>(info.address) };
        let spec = Arc::new(Specialisation {
            keys,
            entry,
            ret,
            leaves,
        });
        let mut specs = self.specs.write().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = specs.iter().find(|s| s.keys == spec.keys) {
            return Ok(s.clone());
        }
        specs.push(spec.clone());
        Ok(spec)
    }

    /// Calls `spec` with the bound arguments.
    fn call_with(
        &self,
        py: Python<'_>,
        spec: &Specialisation,
        keys: &[ArgKey],
        args: &Bound<'_, '_>,
    ) -> PyResult<Py<PyAny>> {
        let words: usize = spec.keys.iter().map(|k| k.words()).sum();
        let mut stack = [0u64; 32];
        let mut heap = vec![];
        let buffer: &mut [u64] = if words <= stack.len() {
            &mut stack[..words]
        } else {
            heap.resize(words, 0u64);
            &mut heap
        };
        let mut pointers = [std::ptr::null::<u8>(); 16];
        let mut pointers_heap = vec![];
        let pointers: &mut [*const u8] = if keys.len() <= pointers.len() {
            &mut pointers[..keys.len()]
        } else {
            pointers_heap.resize(keys.len(), std::ptr::null());
            &mut pointers_heap
        };
        let mut at = 0;
        for (k, (have, given)) in spec.keys.iter().zip(keys).enumerate() {
            let slot = &mut buffer[at..];
            pointers[k] = slot.as_ptr() as *const u8;
            at += write_arg(py, args.get(k), *have, *given, slot)?;
        }
        let ret_words: usize = spec.leaves.iter().map(|l| l.words()).sum();
        let mut ret = [0u64; 16];
        let mut ret_heap = vec![];
        let ret_buf: &mut [u64] = if ret_words <= ret.len() {
            &mut ret[..]
        } else {
            ret_heap.resize(ret_words, 0u64);
            &mut ret_heap
        };
        let (args_ptr, ret_ptr) = (pointers.as_ptr(), ret_buf.as_mut_ptr() as *mut u8);
        let entry = spec.entry;
        let call = move |a: usize, r: usize| {
            // SAFETY: the entry follows `abi`: one pointer per parameter to
            // a slot or view record written above (alive until the call
            // returns) and a return buffer of a slot per leaf. Arrays' data
            // outlive the call: the caller's arguments hold them.
            unsafe { entry(a as *const *const u8, r as *mut u8) }
        };
        let (a, r) = (args_ptr as usize, ret_ptr as usize);
        let rc = if self.nogil {
            py.detach(move || call(a, r))
        } else {
            call(a, r)
        };
        let flags = rc >> crate::jit::abi::FLAGS_SHIFT;
        if rc & 1 != 0 {
            let error = PyErr::take(py).unwrap_or_else(|| {
                PyRuntimeError::new_err(format!("{}() failed without an exception", self.name()))
            });
            // The flags raised before the exception are reported first, as
            // NumPy would have at the operation (a `FloatingPointError`
            // under `np.errstate(all="raise")` replaces the exception).
            super::ufunc::give_fp_errors(py, self.name(), flags)?;
            return Err(error);
        }
        let result = self.result(py, spec, ret_buf);
        if flags != 0 {
            // Reported after the result is taken over, so that an error
            // (`np.errstate(all="raise")`) drops it instead of leaking it.
            super::ufunc::give_fp_errors(py, self.name(), flags)?;
        }
        result
    }

    /// The Python object of the return value in `ret_buf`.
    fn result(
        &self,
        py: Python<'_>,
        spec: &Specialisation,
        ret_buf: &[u64],
    ) -> PyResult<Py<PyAny>> {
        if let (Type::Scalar(_) | Type::Weak(_), [leaf]) = (&spec.ret, spec.leaves.as_slice()) {
            return leaf_object(py, *leaf, ret_buf);
        }
        // Every leaf becomes an object first, so that each array's
        // reference is taken over even if another leaf fails.
        let mut word = 0;
        let objects: Vec<PyResult<Py<PyAny>>> = spec
            .leaves
            .iter()
            .map(|leaf| {
                let w = &ret_buf[word..word + leaf.words()];
                word += leaf.words();
                leaf_object(py, *leaf, w)
            })
            .collect();
        assemble(py, &spec.ret, &mut objects.into_iter())
    }
}

/// Writes argument `obj` (of key `given`) for a parameter of key `have`
/// into `slot` (`abi`); returns the words written.
fn write_arg(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    have: ArgKey,
    given: ArgKey,
    slot: &mut [u64],
) -> PyResult<usize> {
    if have.is_tuple() {
        // Tuples match exactly (`given == have`): the item keys agree.
        let mut at = 0;
        for (i, item) in have.items().into_iter().enumerate() {
            // SAFETY: the key says `obj` is an exact tuple of this many
            // items; the GIL is held.
            let x = unsafe { ffi::PyTuple_GET_ITEM(obj, i as isize) };
            at += write_arg(py, x, item, item, &mut slot[at..])?;
        }
        return Ok(at);
    }
    if have.is_none() || have.is_function() {
        return Ok(0);
    }
    if have.is_generator() {
        slot[0] = bitgen_of(py, obj)? as u64;
        return Ok(1);
    }
    if have.is_list() || have.is_dict() {
        // SAFETY: a live borrowed object (the key says it is a typed List
        // or Dict with a header); the GIL is held. The argument keeps the
        // header alive for the call.
        let obj = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
        let h = if have.is_list() {
            super::typed_list::header_of(&obj).map(|h| h as usize)
        } else {
            super::typed_dict::header_of(&obj).map(|h| h as usize)
        };
        slot[0] = h.unwrap_or(0) as u64;
        return Ok(1);
    }
    if have.is_array() {
        // SAFETY: the key says `obj` passed `PyArray_Check` with this
        // ndim; the record has `view_words(ndim)` words.
        unsafe { write_view(obj as *mut PyArrayObject, have.ndim(), slot) };
        return Ok(view_words(have.ndim()));
    }
    write_scalar(py, obj, given, have.dtype(), slot)?;
    Ok(SLOT / 8)
}

/// Whether `obj` is a `numpy.random.Generator` (`numpy.random` is imported
/// the first time an argument of no other kind is seen).
fn is_generator(py: Python<'_>, obj: *mut ffi::PyObject) -> PyResult<bool> {
    static GENERATOR: pyo3::sync::PyOnceLock<Py<pyo3::types::PyType>> =
        pyo3::sync::PyOnceLock::new();
    let ty = GENERATOR.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("numpy.random")?
            .getattr("Generator")?
            .cast_into::<pyo3::types::PyType>()?
            .unbind())
    })?;
    // SAFETY: a live borrowed object; the GIL is held.
    let obj = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
    obj.is_instance(ty.bind(py))
}

/// The `bitgen_t` of Generator `obj`'s bit generator: the pointer in its
/// `capsule` (named "BitGenerator", NumPy's C API for random numbers),
/// valid while the generator lives (the call's argument keeps it).
fn bitgen_of(py: Python<'_>, obj: *mut ffi::PyObject) -> PyResult<usize> {
    // SAFETY: a live borrowed object; the GIL is held.
    let obj = unsafe { pyo3::Bound::from_borrowed_ptr(py, obj) };
    let capsule = obj.getattr("bit_generator")?.getattr("capsule")?;
    // SAFETY: `capsule` is a live object; PyCapsule_GetPointer checks that
    // it is a capsule of that name (else it sets an error and gives null).
    let p = unsafe { ffi::PyCapsule_GetPointer(capsule.as_ptr(), c"BitGenerator".as_ptr()) };
    if p.is_null() {
        return Err(PyErr::fetch(py));
    }
    Ok(p as usize)
}

/// Writes the view record of array `a` (`abi`): data, owner (the array
/// object, tagged), shape, strides.
///
/// # Safety
/// `a` is a live ndarray with `ndim` dimensions; `slot` has
/// `view_words(ndim)` words.
unsafe fn write_view(a: *mut PyArrayObject, ndim: u32, slot: &mut [u64]) {
    // SAFETY: per the contract.
    unsafe {
        slot[0] = (*a).fields.data as u64;
        // The argument itself, tagged (`engine::memory`).
        slot[1] = a as u64 | 1;
        let n = ndim as usize;
        for d in 0..n {
            slot[2 + d] = *(*a).fields.dimensions.add(d) as u64;
            slot[2 + n + d] = *(*a).fields.strides.add(d) as u64;
        }
    }
}

/// Writes scalar argument `obj` (of type `given`) into `slot`, canonical
/// for the parameter type `to` (`abi::canonical`).
fn write_scalar(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    given: ArgKey,
    to: Scalar,
    slot: &mut [u64],
) -> PyResult<()> {
    let value = read_scalar(py, obj, given.dtype())?;
    let c = canonical(to);
    let v = value.convert(c);
    match v {
        Value::Bool(b) => slot[0] = b as u64,
        Value::Int(i) => slot[0] = i as u64,
        Value::UInt(u) => slot[0] = u,
        Value::Float(x) => slot[0] = x.to_bits(),
        Value::Complex(re, im) => {
            slot[0] = re.to_bits();
            slot[1] = im.to_bits();
        }
    }
    Ok(())
}

/// A scalar in canonical form.
#[derive(Clone, Copy, Debug)]
enum Value {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Complex(f64, f64),
}

impl Value {
    /// The value in the canonical form of `c` (a safe conversion: the
    /// dispatcher only converts arguments NumPy would cast safely).
    fn convert(self, c: Scalar) -> Value {
        let as_f64 = |v: Value| match v {
            Value::Bool(b) => b as u8 as f64,
            Value::Int(i) => i as f64,
            Value::UInt(u) => u as f64,
            Value::Float(x) => x,
            Value::Complex(re, _) => re,
        };
        match (c.kind(), self) {
            (Kind::Bool, Value::Bool(_)) => self,
            (Kind::Int, Value::Bool(b)) if c.is_signed() => Value::Int(b as i64),
            (Kind::Int, Value::Bool(b)) => Value::UInt(b as u64),
            (Kind::Int, Value::UInt(u)) if c.is_signed() => Value::Int(u as i64),
            (Kind::Int, Value::Int(i)) if !c.is_signed() => Value::UInt(i as u64),
            (Kind::Int, _) => self,
            (Kind::Float, v) => Value::Float(as_f64(v)),
            (Kind::Complex, Value::Complex(..)) => self,
            (Kind::Complex, v) => Value::Complex(as_f64(v), 0.0),
            (Kind::Bool, _) => self,
        }
    }
}

/// Reads scalar `obj` whose type is `s` (a Python number or a NumPy scalar).
fn read_scalar(py: Python<'_>, obj: *mut ffi::PyObject, s: Scalar) -> PyResult<Value> {
    // SAFETY: `obj` is live and borrowed; the GIL is held. Python numbers
    // are read with their own accessors after exact type checks; NumPy
    // scalars are copied into a buffer of at least their item size by
    // `PyArray_ScalarAsCtype`, whose dtype `key_of` read.
    unsafe {
        if ffi::PyFloat_CheckExact(obj) != 0 {
            return Ok(Value::Float(ffi::PyFloat_AS_DOUBLE(obj)));
        }
        if ffi::PyBool_Check(obj) != 0 {
            return Ok(Value::Bool(obj == ffi::Py_True()));
        }
        if ffi::PyLong_CheckExact(obj) != 0 {
            let mut overflow: c_int = 0;
            let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
            if overflow != 0 {
                return Err(PyOverflowError::new_err(
                    "Python int too large to convert to int64",
                ));
            }
            return Ok(Value::Int(v));
        }
        if ffi::PyComplex_CheckExact(obj) != 0 {
            return Ok(Value::Complex(
                ffi::PyComplex_RealAsDouble(obj),
                ffi::PyComplex_ImagAsDouble(obj),
            ));
        }
        let mut raw = [0u8; 16];
        PY_ARRAY_API.PyArray_ScalarAsCtype(py, obj, raw.as_mut_ptr() as *mut c_void);
        Ok(from_bytes(s, &raw))
    }
}

/// A value of dtype `s` stored in native order at the start of `raw`.
fn from_bytes(s: Scalar, raw: &[u8; 16]) -> Value {
    let b8 = |o: usize| -> [u8; 8] { raw[o..o + 8].try_into().expect("8 bytes") };
    let b4 = |o: usize| -> [u8; 4] { raw[o..o + 4].try_into().expect("4 bytes") };
    let b2 = |o: usize| -> [u8; 2] { raw[o..o + 2].try_into().expect("2 bytes") };
    match s {
        Scalar::Bool => Value::Bool(raw[0] != 0),
        Scalar::I8 => Value::Int(raw[0] as i8 as i64),
        Scalar::U8 => Value::UInt(raw[0] as u64),
        Scalar::I16 => Value::Int(i16::from_ne_bytes(b2(0)) as i64),
        Scalar::U16 => Value::UInt(u16::from_ne_bytes(b2(0)) as u64),
        Scalar::I32 => Value::Int(i32::from_ne_bytes(b4(0)) as i64),
        Scalar::U32 => Value::UInt(u32::from_ne_bytes(b4(0)) as u64),
        Scalar::I64 => Value::Int(i64::from_ne_bytes(b8(0))),
        Scalar::U64 => Value::UInt(u64::from_ne_bytes(b8(0))),
        Scalar::F16 => Value::Float(f16_to_f64(u16::from_ne_bytes(b2(0)))),
        Scalar::F32 => Value::Float(f32::from_ne_bytes(b4(0)) as f64),
        Scalar::F64 => Value::Float(f64::from_ne_bytes(b8(0))),
        Scalar::C64 => Value::Complex(
            f32::from_ne_bytes(b4(0)) as f64,
            f32::from_ne_bytes(b4(4)) as f64,
        ),
        Scalar::C128 => Value::Complex(f64::from_ne_bytes(b8(0)), f64::from_ne_bytes(b8(8))),
    }
}

/// IEEE half precision to double (exact).
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// The Python object of one returned leaf (as Numba returns them: Python
/// `bool`, `int`, `float`, `complex`; arrays as NumPy arrays over the
/// same memory).
pub(super) fn leaf_object(py: Python<'_>, leaf: Leaf, w: &[u64]) -> PyResult<Py<PyAny>> {
    let s = match leaf {
        Leaf::Scalar(s) => s,
        Leaf::Array(a) => return array_object(py, &a, w),
        // SAFETY: compiled code returned a live header with one reference
        // for the caller (`abi`), which the new object takes over.
        Leaf::List(_) => return unsafe { super::typed_list::wrap(py, w[0] as *mut _) },
        // SAFETY: as for a List.
        Leaf::Dict(..) => return unsafe { super::typed_dict::wrap(py, w[0] as *mut _) },
    };
    Ok(match canonical(s) {
        Scalar::Bool => (w[0] as u8 != 0)
            .into_pyobject(py)?
            .to_owned()
            .into_any()
            .unbind(),
        Scalar::I64 => (w[0] as i64).into_pyobject(py)?.into_any().unbind(),
        Scalar::U64 => w[0].into_pyobject(py)?.into_any().unbind(),
        Scalar::F64 => f64::from_bits(w[0]).into_pyobject(py)?.into_any().unbind(),
        _ => pyo3::types::PyComplex::from_doubles(py, f64::from_bits(w[0]), f64::from_bits(w[1]))
            .into_any()
            .unbind(),
    })
}

/// The value of type `t` from its leaves' objects (tuples rebuilt).
fn assemble(
    py: Python<'_>,
    t: &Type,
    objects: &mut impl Iterator<Item = PyResult<Py<PyAny>>>,
) -> PyResult<Py<PyAny>> {
    match t {
        Type::NoneType => Ok(py.None()),
        Type::Tuple(items) => {
            let mut out = vec![];
            let mut first_error = None;
            for i in items {
                match assemble(py, i, objects) {
                    Ok(o) => out.push(o),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            match first_error {
                Some(e) => Err(e),
                None => Ok(PyTuple::new(py, out)?.into_any().unbind()),
            }
        }
        _ => objects
            .next()
            .unwrap_or_else(|| Err(PyRuntimeError::new_err("missing return value"))),
    }
}

/// What keeps the memory of an array compiled code allocated alive: one
/// reference to its block (`engine::memory`), dropped with the last NumPy
/// array that has it as base.
#[pyclass(module = "jitufunc._core", frozen)]
pub struct ArrayMemory {
    block: usize,
}

impl Drop for ArrayMemory {
    fn drop(&mut self) {
        // SAFETY: `block` is a live block this object holds one reference to.
        unsafe { crate::engine::memory::jitufunc_rt_decref(self.block as *mut _) };
    }
}

/// Whether ndarray `object` is exactly the view record `w` of type `a`
/// (its data, dtype, shape and strides).
///
/// # Safety
/// `object` is a live ndarray; only its fields are read.
pub(super) unsafe fn is_view(object: usize, a: &crate::types::ArrayType, w: &[u64]) -> bool {
    let n = a.ndim as usize;
    // SAFETY: per the contract.
    unsafe {
        let f = &(*(object as *mut PyArrayObject)).fields;
        f.data as u64 == w[0]
            && f.nd as usize == n
            && Scalar::from_typenum((*f.descr).fields.type_num) == Some(a.dtype)
            && (0..n).all(|k| {
                *f.dimensions.add(k) as u64 == w[2 + k] && *f.strides.add(k) as u64 == w[2 + n + k]
            })
    }
}

/// A NumPy array over a returned view record `w` of type `a`, whose owner
/// reference it takes over: a block becomes its base through
/// `ArrayMemory`; a tagged argument becomes its base itself.
pub(super) fn array_object(
    py: Python<'_>,
    a: &crate::types::ArrayType,
    w: &[u64],
) -> PyResult<Py<PyAny>> {
    let owner = w[1] as usize;
    let base: Option<Py<PyAny>> = if owner == 0 {
        None
    } else if owner & 1 == 0 {
        Some(Py::new(py, ArrayMemory { block: owner })?.into_any())
    } else {
        // SAFETY: a tagged owner is an argument of this call, alive.
        Some(
            unsafe { pyo3::Bound::from_borrowed_ptr(py, (owner & !1) as *mut ffi::PyObject) }
                .unbind(),
        )
    };
    let n = a.ndim as usize;
    let mut dims: Vec<isize> = w[2..2 + n].iter().map(|d| *d as isize).collect();
    let mut strides: Vec<isize> = w[2 + n..2 + 2 * n].iter().map(|d| *d as isize).collect();
    if owner & 1 == 1 {
        // SAFETY: a tagged owner is an argument of this call, an ndarray
        // (its key passed `PyArray_Check`), alive.
        if unsafe { is_view(owner & !1, a, w) } {
            // The argument itself (`return out`): the same object, as
            // Python returns it.
            return Ok(base.expect("a tagged owner is a base"));
        }
    }
    let flags = if a.readonly { 0 } else { NPY_ARRAY_WRITEABLE };
    // SAFETY: the type number is one of NumPy's builtin ones (checked when
    // jitufunc was first used); `dims`/`strides` have `n` entries and
    // describe memory the base keeps alive; NewFromDescr steals `descr`,
    // SetBaseObject steals the base reference.
    unsafe {
        let descr = PY_ARRAY_API.PyArray_DescrFromType(py, a.dtype.typenum());
        if descr.is_null() {
            return Err(PyErr::fetch(py));
        }
        let array = PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            get_type_object(py, NpyTypes::PyArray_Type),
            descr,
            n as c_int,
            dims.as_mut_ptr(),
            strides.as_mut_ptr(),
            w[0] as *mut c_void,
            flags,
            std::ptr::null_mut(),
        );
        if array.is_null() {
            return Err(PyErr::fetch(py));
        }
        if let Some(base) = base {
            if PY_ARRAY_API.PyArray_SetBaseObject(py, array as *mut PyArrayObject, base.into_ptr())
                != 0
            {
                ffi::Py_DECREF(array);
                return Err(PyErr::fetch(py));
            }
        } else {
            // No owner: a global array frozen into the compiled code (or a
            // view of one), which may be unloaded before the result dies.
            let copy = PY_ARRAY_API.PyArray_NewCopy(
                py,
                array as *mut PyArrayObject,
                numpy::npyffi::NPY_ORDER::NPY_KEEPORDER,
            );
            ffi::Py_DECREF(array);
            if copy.is_null() {
                return Err(PyErr::fetch(py));
            }
            return Ok(pyo3::Bound::from_owned_ptr(py, copy).unbind());
        }
        Ok(pyo3::Bound::from_owned_ptr(py, array).unbind())
    }
}

#[pymethods]
impl Dispatcher {
    /// Reads `func` and compiles `signatures` now (none: on first use).
    #[new]
    #[pyo3(signature = (func, signatures, fastmath=None, boundscheck=false, error_model="python", nogil=false, cache=false, keep_ir=false, locals=vec![], parallel=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        func: pyo3::Bound<'_, PyAny>,
        signatures: Vec<String>,
        fastmath: Option<pyo3::Bound<'_, PyAny>>,
        boundscheck: bool,
        error_model: &str,
        nogil: bool,
        cache: bool,
        keep_ir: bool,
        locals: Vec<(String, String)>,
        parallel: bool,
    ) -> PyResult<Self> {
        let locals = locals
            .into_iter()
            .map(|(name, t)| match Scalar::parse(&t) {
                Some(s) => Ok((name, s)),
                None => Err(super::option_error(
                    py,
                    format!("jit(locals={{{name:?}: {t}}}): locals take NumPy scalar types (np.float32, 'int64', float, ...); {t} is not one"),
                )),
            })
            .collect::<PyResult<Vec<_>>>()?;
        let fast_math = match &fastmath {
            Some(v) => super::fast_math_option(v)?,
            None => crate::codegen::FastMath::default(),
        };
        let error_model = match error_model {
            "python" => crate::codegen::ErrorModel::Python,
            "numpy" => crate::codegen::ErrorModel::Numpy,
            other => {
                return Err(super::option_error(
                    py,
                    format!("error_model={other:?} is not valid; use \"python\" or \"numpy\""),
                ))
            }
        };
        let code = func.getattr("__code__")?;
        let argcount: usize = code.getattr("co_argcount")?.extract()?;
        let names: Vec<String> = code.getattr("co_varnames")?.extract()?;
        let params: Vec<String> = names.into_iter().take(argcount).collect();
        let flags: u32 = code.getattr("co_flags")?.extract()?;
        let kwonly: usize = code.getattr("co_kwonlyargcount")?.extract()?;
        // CO_VARARGS | CO_VARKEYWORDS
        let odd_params = flags & 0x0c != 0 || kwonly > 0;
        let defaults = match func.getattr("__defaults__")? {
            d if d.is_none() => vec![],
            d => d
                .cast_into::<PyTuple>()?
                .iter()
                .map(|v| v.unbind())
                .collect(),
        };
        let name: String = func.getattr("__name__")?.extract()?;
        let d = Dispatcher {
            func: func.clone().unbind(),
            name,
            def: pyo3::sync::PyOnceLock::new(),
            options: CodegenOptions {
                fast_math,
                boundscheck,
                error_model,
            },
            emit: EmitOptions {
                keep_llvm_ir: keep_ir,
                keep_asm: keep_ir,
            },
            // The pool's threads run while the caller waits: never with the
            // GIL held.
            nogil: nogil || parallel,
            cache,
            locals,
            parallel,
            serial: {
                static SERIAL: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(1);
                SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
            lazy: signatures.is_empty(),
            params,
            odd_params,
            defaults,
            store: Library::new(),
            specs: RwLock::new(vec![]),
            last: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
        };
        if !signatures.is_empty() {
            let def = d.definition(py)?.clone();
            let (loops, compiled) = enter(py, || {
                driver::prepare(&Jit, &def, &signatures, d.options, d.emit, d.cache)
            })?;
            let infos = loops.clone();
            d.store.add(compiled, loops);
            for info in &infos {
                let keys = keys_of(&info.signature).py_err(py)?;
                d.register(keys, info).py_err(py)?;
            }
        }
        Ok(d)
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &pyo3::Bound<'_, PyTuple>,
        kwargs: Option<&pyo3::Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let bound = match self.bind(py, args, kwargs) {
            Ok(b) => b,
            Err(e) => {
                if self.odd_params {
                    // The frontend's error names the parameter and its line.
                    self.definition(py)?;
                }
                return Err(e);
            }
        };
        let n = self.params.len();
        let mut keys_stack = [ArgKey(0); 8];
        let mut keys_heap = vec![];
        let keys: &mut [ArgKey] = if n <= keys_stack.len() {
            &mut keys_stack[..n]
        } else {
            keys_heap.resize(n, ArgKey(0));
            &mut keys_heap
        };
        for (k, key) in keys.iter_mut().enumerate() {
            *key = self.key_of(py, k, bound.get(k))?;
        }
        if let Some(spec) = self.find_fast(keys) {
            return self.call_with(py, spec, keys, &bound);
        }
        let spec = self.specialisation(py, keys)?;
        self.call_with(py, &spec, keys, &bound)
    }

    /// The source the function is compiled from: (file name, first line,
    /// lines); reads the function if no call has yet.
    fn source(&self, py: Python<'_>) -> PyResult<(String, u32, Vec<String>)> {
        let s = &self.definition(py)?.source;
        Ok((s.filename.clone(), s.first_line, s.lines.clone()))
    }

    /// Signatures compiled so far (argument types and return type).
    fn signatures(&self) -> Vec<String> {
        self.store.signatures()
    }

    /// Compiles `signature` now; returns it with the return type filled in.
    fn add_signature(&self, py: Python<'_>, signature: &str) -> PyResult<String> {
        let sig = crate::types::parse_signature(signature).py_err(py)?;
        let def = self.definition(py)?.clone();
        let info = enter(py, || self.compile(&def, &sig))?;
        let keys = keys_of(&info.signature).py_err(py)?;
        self.register(keys, &info).py_err(py)?;
        Ok(info.signature.to_string())
    }

    /// `(signature, text)` per specialisation: `kind` is "types" (typed
    /// IR), "llvm" (optimised LLVM IR) or "asm"; LLVM IR and assembly come
    /// from compiling each signature again with them kept.
    fn inspect(&self, py: Python<'_>, kind: &str) -> PyResult<Vec<(String, String)>> {
        let Some(emit) = super::inspect_emit(py, kind)? else {
            return Ok(self.store.typed_ir());
        };
        let mut out = vec![];
        let def = self.definition(py)?.clone();
        for l in self.store.loops() {
            let (_, compiled) = enter(py, || {
                driver::prepare_signatures(
                    &Jit,
                    &def,
                    std::slice::from_ref(&l.signature),
                    &[l.signature.to_string()],
                    self.options,
                    emit,
                    false,
                )
            })?;
            let text = if kind == "llvm" {
                compiled.llvm_ir
            } else {
                compiled.asm
            };
            out.push((l.signature.to_string(), text.unwrap_or_default()));
        }
        Ok(out)
    }
}

/// The argument keys a compiled signature is called with.
fn keys_of(sig: &Signature) -> crate::error::Result<Vec<ArgKey>> {
    sig.args
        .iter()
        .map(|t| match t {
            Type::Scalar(s) => Ok(ArgKey::scalar(*s)),
            Type::Weak(w) => Ok(ArgKey::python_number(*w)),
            Type::NoneType => Ok(ArgKey::none()),
            Type::Generator => Ok(ArgKey::generator()),
            Type::Function(r) => Ok(ArgKey::function(*r)),
            Type::List(s) => Ok(ArgKey::list(*s)),
            Type::Dict(k, v) => Ok(ArgKey::dict(*k, *v)),
            Type::Array(a) => Ok(ArgKey::array(
                a.dtype,
                a.ndim,
                a.layout == crate::types::Layout::C,
                a.readonly,
            )),
            Type::Tuple(items) => {
                let keys = keys_of(&Signature {
                    args: items.clone(),
                    ret: None,
                })?;
                Ok(ArgKey::tuple(&keys))
            }
            other => Err(crate::error::CompileError::new(
                crate::error::ErrorKind::Signature,
                format!("a @jit argument of type {other}"),
            )),
        })
        .collect()
}
