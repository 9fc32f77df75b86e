//! What global and closure names refer to, decided by looking at the Python
//! objects once, when the kernel is read.
//!
//! Functions are recognised by identity (a table built on first use from
//! `builtins`, `math`, `cmath` and `numpy`), so `from math import exp as e`
//! and `import numpy as xp` work. Numbers become constants (Python numbers
//! weak, NumPy scalars strong). Other jitufunc kernels are recognised by the
//! resolver the caller passes (`super::KernelResolver`).

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyComplex, PyFloat, PyInt, PyModule};

use crate::builtins::{
    Builtin, Callee, Flavour, MathFn, PyException, CMATH_FUNCTIONS, MATH_FUNCTIONS,
    NUMPY_ARRAY_FUNCTIONS, NUMPY_DTYPES, NUMPY_FUNCTIONS,
};
use crate::syntax::{Const, Global};
use crate::types::{Scalar, Type, Weak};

/// Known callables by object address; the objects are kept alive.
struct Registry {
    callees: HashMap<usize, Callee>,
    /// Builtin exception classes (`raise` takes them).
    exceptions: HashMap<usize, PyException>,
    _keep: Vec<Py<PyAny>>,
    np_generic: Py<PyAny>,
    np_ndarray: Py<PyAny>,
}

static REGISTRY: PyOnceLock<Registry> = PyOnceLock::new();

/// A module's function names and what they are.
type NameTable = &'static [(&'static str, MathFn)];

fn build_registry(py: Python<'_>) -> PyResult<Registry> {
    let mut callees = HashMap::new();
    let mut keep = vec![];
    let mut add = |obj: Bound<'_, PyAny>, c: Callee| {
        callees.entry(obj.as_ptr() as usize).or_insert(c);
        keep.push(obj.unbind());
    };
    let builtins = py.import("builtins")?;
    for (name, b) in Builtin::ALL {
        add(builtins.getattr(name)?, Callee::Builtin(b));
    }
    // Not `cmath`: importing it costs more than reading a kernel, and a
    // kernel that calls its functions has imported it (`cmath_function`).
    let tables: [(&str, NameTable, Flavour); 2] = [
        ("math", MATH_FUNCTIONS, Flavour::Math),
        ("numpy", NUMPY_FUNCTIONS, Flavour::Numpy),
    ];
    for (module, table, flavour) in tables {
        let m = py.import(module)?;
        for (name, f) in table {
            if let Ok(obj) = m.getattr(*name) {
                add(obj, Callee::Math(*f, flavour));
            }
        }
    }
    let np = py.import("numpy")?;
    add(np.getattr("finfo")?, Callee::Builtin(Builtin::Finfo));
    add(np.getattr("iinfo")?, Callee::Builtin(Builtin::Iinfo));
    add(np.getattr("dtype")?, Callee::Builtin(Builtin::NpDtype));
    for (name, f) in NUMPY_ARRAY_FUNCTIONS {
        if let Ok(obj) = np.getattr(*name) {
            add(obj, Callee::Array(*f, crate::builtins::DtypeArg::Default));
        }
    }
    add(
        py.import("jitufunc._prange")?.getattr("prange")?,
        Callee::Builtin(Builtin::Prange),
    );
    for (name, s) in NUMPY_DTYPES {
        if let Ok(obj) = np.getattr(*name) {
            add(obj, Callee::DType(*s));
        }
    }
    let mut exceptions = HashMap::new();
    for e in PyException::ALL {
        let class = builtins.getattr(e.name())?;
        exceptions.insert(class.as_ptr() as usize, e);
        keep.push(class.unbind());
    }
    Ok(Registry {
        callees,
        exceptions,
        _keep: keep,
        np_generic: np.getattr("generic")?.unbind(),
        np_ndarray: np.getattr("ndarray")?.unbind(),
    })
}

fn registry(py: Python<'_>) -> PyResult<&Registry> {
    REGISTRY.get_or_try_init(py, || build_registry(py))
}

/// `jitufunc._intrinsics`' functions (which jitufunc's own NumPy functions
/// call) by object address; the objects are kept alive.
struct Intrinsics {
    callees: HashMap<usize, Callee>,
    _keep: Vec<Py<PyAny>>,
}

static INTRINSICS: PyOnceLock<Intrinsics> = PyOnceLock::new();

/// `obj` as one of `jitufunc._intrinsics`' functions. The module is never
/// imported here: a kernel's globals can only hold its functions once
/// something has imported it (jitufunc's NumPy functions do), and not
/// importing it on the first compile saved about 0.4 ms of it.
fn intrinsic(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Option<Callee>> {
    if INTRINSICS.get(py).is_none()
        && !py
            .import("sys")?
            .getattr("modules")?
            .contains("jitufunc._intrinsics")?
    {
        return Ok(None);
    }
    let table = INTRINSICS.get_or_try_init(py, || -> PyResult<Intrinsics> {
        let module = py.import("jitufunc._intrinsics")?;
        let mut callees = HashMap::new();
        let mut keep = vec![];
        let mut add = |name: &str, c: Callee| -> PyResult<()> {
            let f = module.getattr(name)?;
            callees.insert(f.as_ptr() as usize, c);
            keep.push(f.unbind());
            Ok(())
        };
        add(
            "blas_matmul",
            Callee::Array(
                crate::builtins::ArrayFn::BlasMatmul,
                crate::builtins::DtypeArg::Default,
            ),
        )?;
        for (name, f) in crate::builtins::RandomFn::ALL {
            add(name, Callee::Random(f))?;
        }
        add("is_typed_list", Callee::Builtin(Builtin::IsTypedList))?;
        add("list_sort", Callee::Builtin(Builtin::ListSort))?;
        Ok(Intrinsics {
            callees,
            _keep: keep,
        })
    })?;
    Ok(table.callees.get(&(obj.as_ptr() as usize)).copied())
}

/// `obj` as a `cmath` function kernels can call: found by its name in
/// `CMATH_FUNCTIONS` and checked to be that attribute of the loaded `cmath`
/// module (which never gets imported here: a kernel's globals can only
/// hold its functions once something has imported it).
fn cmath_function(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Option<Callee>> {
    let module = obj.getattr_opt("__module__")?;
    if !module.is_some_and(|m| m.extract::<String>().is_ok_and(|m| m == "cmath")) {
        return Ok(None);
    }
    let Some(name) = obj.getattr_opt("__name__")? else {
        return Ok(None);
    };
    let name: String = name.extract()?;
    let Some((_, f)) = CMATH_FUNCTIONS.iter().find(|(n, _)| *n == name) else {
        return Ok(None);
    };
    let modules = py.import("sys")?.getattr("modules")?;
    let Some(cmath) = modules.get_item("cmath").ok() else {
        return Ok(None);
    };
    let same = cmath.getattr_opt(name.as_str())?.is_some_and(|o| o.is(obj));
    Ok(same.then_some(Callee::Math(*f, Flavour::Cmath)))
}

/// Whether `obj` is a NumPy array.
pub fn is_ndarray(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(registry(py)?.np_ndarray.bind(py))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A NumPy scalar's dtype and value.
fn numpy_scalar(obj: &Bound<'_, PyAny>) -> PyResult<Option<(Scalar, Const)>> {
    let dtype = obj.getattr("dtype")?;
    let num: i32 = dtype.getattr("num")?.extract()?;
    let Some(s) = Scalar::from_typenum(num) else {
        return Ok(None);
    };
    let item = obj.call_method0("item")?;
    Ok(python_number(&item)?.map(|(c, _)| (s, c)))
}

/// A global array, copied (C order) into the definition.
fn frozen_array(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Global> {
    let dtype = obj.getattr("dtype")?;
    let num: i32 = dtype.getattr("num")?.extract()?;
    let native = dtype.getattr("isnative")?.extract::<bool>()?;
    let Some(s) = Scalar::from_typenum(num).filter(|_| native) else {
        return Ok(Global::Unsupported {
            name: name.into(),
            what: format!(
                "an array of dtype {} (global arrays of booleans, integers, floats and complex numbers in native byte order are read as constants)",
                dtype.str()?
            ),
        });
    };
    let shape: Vec<usize> = obj.getattr("shape")?.extract()?;
    let bytes = obj.call_method0("tobytes")?;
    let bytes = bytes.cast::<pyo3::types::PyBytes>()?.as_bytes();
    Ok(Global::Array(std::sync::Arc::new(
        crate::syntax::FrozenArray {
            dtype: s,
            shape,
            bytes: bytes.into(),
        },
    )))
}

/// A Python number's value and weak type.
fn python_number(obj: &Bound<'_, PyAny>) -> PyResult<Option<(Const, Weak)>> {
    Ok(Some(if obj.is_instance_of::<PyBool>() {
        (Const::Bool(obj.extract()?), Weak::Bool)
    } else if obj.is_instance_of::<PyInt>() {
        match obj.extract::<i128>() {
            Ok(i) => (Const::Int(i), Weak::Int),
            Err(_) => return Ok(None),
        }
    } else if obj.is_instance_of::<PyFloat>() {
        (Const::Float(obj.extract()?), Weak::Float)
    } else if let Ok(c) = obj.cast::<PyComplex>() {
        (Const::Complex(c.real(), c.imag()), Weak::Complex)
    } else {
        return Ok(None);
    }))
}

/// The tables of NumPy functions and array methods that jitufunc
/// implements in Python, compiled like any `@jit` function
/// (`jitufunc._numpy_functions`).
static IMPLEMENTATIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The `@jit` function implementing `key` (a NumPy function object in
/// table `FUNCTIONS`, a method name in `METHODS`), if there is one.
pub fn numpy_implementation<'py>(
    py: Python<'py>,
    table: &str,
    key: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let module = IMPLEMENTATIONS.get_or_try_init(py, || {
        py.import("jitufunc._numpy_functions").map(Bound::unbind)
    })?;
    let table = module.bind(py).getattr(table)?;
    let table = table.cast::<pyo3::types::PyDict>()?;
    // Unhashable objects are in no table.
    if key.hash().is_err() {
        return Ok(None);
    }
    table.get_item(key)
}

/// Whether `obj` is `numba.prange` (found by its module and name, so that
/// Numba is never imported here).
fn is_numba_prange(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !obj.is_instance_of::<pyo3::types::PyType>() {
        return Ok(false);
    }
    let text = |attr: &str| -> PyResult<Option<String>> {
        match obj.getattr(attr) {
            Ok(v) => Ok(v.extract::<String>().ok()),
            Err(_) => Ok(None),
        }
    };
    Ok(text("__name__")?.as_deref() == Some("prange")
        && text("__module__")?.is_some_and(|m| m.starts_with("numba.")))
}

/// `List.empty_list` and `Dict.empty` (`jitufunc.typed`, marked by their attribute
/// `_jitufunc_builtin`) and the scalar type objects of `jitufunc.types`
/// (`types.float64`, which stand for their dtypes as `np.float64` does).
fn typed_container(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<Global>> {
    let ty = obj.get_type();
    let text = |attr: &str| -> Option<String> { ty.getattr(attr).ok()?.extract().ok() };
    let (module, class) = (text("__module__"), text("__name__"));
    if module.as_deref() == Some("jitufunc.types") && class.as_deref() == Some("Type") {
        let name: String = obj.getattr("name")?.extract()?;
        let s = if name == "bool" {
            Some(Scalar::Bool)
        } else {
            Scalar::from_numpy_string(&name)
        };
        return Ok(s.map(|s| Global::Callee(Callee::DType(s))));
    }
    if module.as_deref() == Some("jitufunc.types")
        && matches!(
            class.as_deref(),
            Some("ListType" | "DictType" | "Tuple" | "UniTuple")
        )
    {
        let name: String = obj.getattr("name")?.extract()?;
        let item = crate::types::parse_type(&name)
            .ok()
            .and_then(|t| crate::types::Item::of_type(&t));
        return Ok(item.map(|i| Global::Constant {
            value: crate::syntax::Const::None,
            ty: Type::ItemType(i),
        }));
    }
    if obj.is_instance_of::<pyo3::types::PyType>() {
        let class = obj
            .getattr("_jitufunc_class")
            .ok()
            .and_then(|t| t.extract::<String>().ok());
        let what = match class.as_deref() {
            Some("typed.List") => "jitufunc.typed.List: inside @jit, make a List with List() or [] (its item type found from what is stored), or List.empty_list(types.float64); List(iterable) works from Python only for now",
            Some("typed.Dict") => "jitufunc.typed.Dict: inside @jit, make a Dict with Dict() or {} (its types found from what is stored), or Dict.empty(types.int64, types.float64); Dict(mapping) works from Python only",
            _ => "",
        };
        if !what.is_empty() {
            return Ok(Some(Global::Unsupported {
                name: name.into(),
                what: what.into(),
            }));
        }
    }
    if class.as_deref() == Some("function") {
        if let Ok(tag) = obj.getattr("_jitufunc_builtin") {
            match tag.extract::<&str>().ok() {
                Some("typed.List.empty_list") => {
                    return Ok(Some(Global::Callee(Callee::Builtin(Builtin::EmptyList))))
                }
                Some("typed.Dict.empty") => {
                    return Ok(Some(Global::Callee(Callee::Builtin(Builtin::EmptyDict))))
                }
                _ => {}
            }
        }
    }
    Ok(None)
}

/// Classifies the object a global name (or attribute chain) refers to;
/// with `numpy_library` (`@jit` functions), NumPy functions jitufunc
/// implements in Python are those implementations.
pub fn classify(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    name: &str,
    kernels: super::KernelResolver<'_>,
    numpy_library: bool,
) -> PyResult<Global> {
    let reg = registry(py)?;
    if let Some(c) = reg.callees.get(&(obj.as_ptr() as usize)) {
        return Ok(Global::Callee(*c));
    }
    if let Some(e) = reg.exceptions.get(&(obj.as_ptr() as usize)) {
        return Ok(Global::Exception(*e));
    }
    if let Some(c) = cmath_function(py, obj)? {
        return Ok(Global::Callee(c));
    }
    if let Some(c) = intrinsic(py, obj)? {
        return Ok(Global::Callee(c));
    }
    if is_numba_prange(obj)? {
        return Ok(Global::Callee(Callee::Builtin(Builtin::Prange)));
    }
    if obj.is_instance(reg.np_generic.bind(py))? {
        return Ok(match numpy_scalar(obj)? {
            Some((s, value)) => Global::Constant {
                value,
                ty: Type::Scalar(s),
            },
            None => Global::Unsupported {
                name: name.into(),
                what: format!("a NumPy scalar of type {}", type_name(obj)),
            },
        });
    }
    if let Some((value, w)) = python_number(obj)? {
        return Ok(Global::Constant {
            value,
            ty: Type::Weak(w),
        });
    }
    if let Ok(text) = obj.cast::<pyo3::types::PyString>() {
        return Ok(Global::Constant {
            value: Const::None,
            ty: Type::Str(crate::types::intern(text.to_str()?)),
        });
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Global::Unsupported {
            name: name.into(),
            what: "an integer too large for 128 bits".into(),
        });
    }
    if let Ok(m) = obj.cast::<PyModule>() {
        return Ok(Global::Module(m.name()?.to_string()));
    }
    if is_ndarray(py, obj)? {
        return frozen_array(obj, name);
    }
    if let Some(g) = typed_container(obj, name)? {
        return Ok(g);
    }
    if let Some(target) = kernels(py, obj)? {
        return Ok(Global::Kernel(target));
    }
    if let Some(g) = super::cfunc::c_function(py, obj, name)? {
        return Ok(g);
    }
    let implementation = if numpy_library {
        numpy_implementation(py, "FUNCTIONS", obj)?
    } else {
        None
    };
    if let Some(implementation) = implementation {
        if let Some(target) = kernels(py, &implementation)? {
            return Ok(Global::Kernel(target));
        }
    }
    let from_numpy = obj
        .getattr("__module__")
        .ok()
        .and_then(|m| m.extract::<String>().ok())
        .is_some_and(|m| m == "numpy" || m.starts_with("numpy."));
    let module = obj
        .getattr("__module__")
        .ok()
        .and_then(|m| m.extract::<String>().ok());
    let ufunc_method = obj
        .getattr("__self__")
        .ok()
        .is_some_and(|s| s.get_type().name().is_ok_and(|n| n == "ufunc"));
    let what = if obj.is_none() {
        "None".to_string()
    } else if matches!(module.as_deref(), Some("math" | "cmath")) && obj.is_callable() {
        format!(
            "a {} function that jitufunc does not support (docs/supported.md lists the ones kernels can call)",
            module.unwrap_or_default()
        )
    } else if ufunc_method {
        "a ufunc method that kernels cannot call (they can call np.sum, np.prod, np.cumsum and the like, and the ufunc itself)".to_string()
    } else if from_numpy && obj.is_callable() {
        "a NumPy function that jitufunc does not support (yet; docs/arrays.md lists the NumPy functions compiled code can call)".to_string()
    } else if obj.is_callable() {
        match type_name(obj).as_str() {
            "builtin_function_or_method" => "a built-in function".to_string(),
            "function" => {
                "a plain Python function (decorate it with @vectorize to call it from a kernel)"
                    .to_string()
            }
            "type" => "a class".to_string(),
            other => format!("a {other} object"),
        }
    } else {
        format!("a {}", type_name(obj))
    };
    Ok(Global::Unsupported {
        name: name.into(),
        what,
    })
}
