//! C functions among a kernel's globals: a ctypes function with declared
//! `argtypes` and `restype`, or a cffi function (`ffi.dlopen` cdata), read
//! as an address and scalar C types (`builtins::c_functions`), as Numba
//! reads them. Pointer, struct and variadic C types are refused with a
//! message naming the type.

use pyo3::prelude::*;

use crate::builtins::c_functions::{self, CFunction};
use crate::builtins::Callee;
use crate::syntax::Global;
use crate::types::Scalar;

/// ctypes' scalar types and what they are (`c_long` is `c_int64` and so on
/// on 64-bit Linux; the names are looked up, so aliases agree).
const CTYPES: &[(&str, Scalar)] = &[
    ("c_bool", Scalar::Bool),
    ("c_int8", Scalar::I8),
    ("c_byte", Scalar::I8),
    ("c_uint8", Scalar::U8),
    ("c_ubyte", Scalar::U8),
    ("c_int16", Scalar::I16),
    ("c_short", Scalar::I16),
    ("c_uint16", Scalar::U16),
    ("c_ushort", Scalar::U16),
    ("c_int32", Scalar::I32),
    ("c_int", Scalar::I32),
    ("c_uint32", Scalar::U32),
    ("c_uint", Scalar::U32),
    ("c_int64", Scalar::I64),
    ("c_long", Scalar::I64),
    ("c_longlong", Scalar::I64),
    ("c_ssize_t", Scalar::I64),
    ("c_uint64", Scalar::U64),
    ("c_ulong", Scalar::U64),
    ("c_ulonglong", Scalar::U64),
    ("c_size_t", Scalar::U64),
    ("c_float", Scalar::F32),
    ("c_double", Scalar::F64),
];

/// cffi's C type names of the scalar types.
const CFFI_TYPES: &[(&str, Scalar)] = &[
    ("_Bool", Scalar::Bool),
    ("int8_t", Scalar::I8),
    ("signed char", Scalar::I8),
    ("uint8_t", Scalar::U8),
    ("unsigned char", Scalar::U8),
    ("int16_t", Scalar::I16),
    ("short", Scalar::I16),
    ("uint16_t", Scalar::U16),
    ("unsigned short", Scalar::U16),
    ("int32_t", Scalar::I32),
    ("int", Scalar::I32),
    ("uint32_t", Scalar::U32),
    ("unsigned int", Scalar::U32),
    ("int64_t", Scalar::I64),
    ("long", Scalar::I64),
    ("long long", Scalar::I64),
    ("ssize_t", Scalar::I64),
    ("intptr_t", Scalar::I64),
    ("uint64_t", Scalar::U64),
    ("unsigned long", Scalar::U64),
    ("unsigned long long", Scalar::U64),
    ("size_t", Scalar::U64),
    ("uintptr_t", Scalar::U64),
    ("float", Scalar::F32),
    ("double", Scalar::F64),
];

fn unsupported(name: &str, what: String) -> Global {
    Global::Unsupported {
        name: name.into(),
        what,
    }
}

/// The global `obj` names, if it is a ctypes or cffi function.
pub fn c_function(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<Global>> {
    if let Some(g) = ctypes_function(py, obj, name)? {
        return Ok(Some(g));
    }
    cffi_function(py, obj, name)
}

fn ctypes_function(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<Global>> {
    // (ctypes is imported only when the kernel's globals use it)
    let Some(ctypes) = py
        .import("sys")?
        .getattr("modules")?
        .get_item("ctypes")
        .ok()
    else {
        return Ok(None);
    };
    if !obj.is_instance(&ctypes.getattr("_CFuncPtr")?)? {
        return Ok(None);
    }
    let scalar = |t: &Bound<'_, PyAny>| -> PyResult<Option<Scalar>> {
        for (n, s) in CTYPES {
            if let Ok(c) = ctypes.getattr(*n) {
                if c.is(t) {
                    return Ok(Some(*s));
                }
            }
        }
        Ok(None)
    };
    let type_name = |t: &Bound<'_, PyAny>| -> String {
        t.getattr("__name__")
            .and_then(|n| n.extract::<String>())
            .unwrap_or_else(|_| "this type".into())
    };
    let argtypes = obj.getattr("argtypes")?;
    if argtypes.is_none() {
        return Ok(Some(unsupported(
            name,
            "a ctypes function without declared argtypes (set f.argtypes and f.restype to call it from a kernel)".into(),
        )));
    }
    let mut params = vec![];
    for t in argtypes.try_iter()? {
        let t = t?;
        match scalar(&t)? {
            Some(s) => params.push(s),
            None => {
                return Ok(Some(unsupported(
                    name,
                    format!(
                        "a ctypes function taking a {} (kernels pass numbers: ctypes' integer, float and bool types)",
                        type_name(&t)
                    ),
                )))
            }
        }
    }
    let restype = obj.getattr("restype")?;
    let ret = if restype.is_none() {
        None
    } else {
        match scalar(&restype)? {
            Some(s) => Some(s),
            None => {
                return Ok(Some(unsupported(
                    name,
                    format!(
                        "a ctypes function returning a {} (kernels take numbers: ctypes' integer, float and bool types, or None)",
                        type_name(&restype)
                    ),
                )))
            }
        }
    };
    let pointer = ctypes
        .getattr("cast")?
        .call1((obj, ctypes.getattr("c_void_p")?))?
        .getattr("value")?;
    let address: usize = if pointer.is_none() {
        0
    } else {
        pointer.extract()?
    };
    if address == 0 {
        return Ok(Some(unsupported(
            name,
            "a null ctypes function pointer".into(),
        )));
    }
    let fname = obj
        .getattr("__name__")
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| name.to_string());
    Ok(Some(registered(fname, address, params, ret)))
}

fn cffi_function(py: Python<'_>, obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<Global>> {
    let Some(backend) = py
        .import("sys")?
        .getattr("modules")?
        .get_item("_cffi_backend")
        .ok()
    else {
        return Ok(None);
    };
    // cdata function pointers (`ffi.dlopen(...).f`, `ffi.cast(...)`).
    if !obj.is_instance(&backend.getattr("_CDataBase")?)? {
        return Ok(None);
    }
    let ffi = backend.getattr("FFI")?.call0()?;
    let t = ffi.call_method1("typeof", (obj,))?;
    if t.getattr("kind")?.extract::<String>()? != "function" {
        return Ok(None);
    }
    if t.getattr("ellipsis")?.extract::<bool>()? {
        return Ok(Some(unsupported(name, "a variadic cffi function".into())));
    }
    let scalar = |c: &Bound<'_, PyAny>| -> PyResult<Result<Option<Scalar>, String>> {
        let cname: String = c.getattr("cname")?.extract()?;
        if cname == "void" {
            return Ok(Ok(None));
        }
        Ok(CFFI_TYPES
            .iter()
            .find(|(n, _)| *n == cname)
            .map(|(_, s)| Some(*s))
            .ok_or(cname))
    };
    let mut params = vec![];
    for a in t.getattr("args")?.try_iter()? {
        match scalar(&a?)? {
            Ok(Some(s)) => params.push(s),
            Ok(None) | Err(_) => {
                return Ok(Some(unsupported(
                    name,
                    "a cffi function taking a C type other than an integer, float, double or _Bool"
                        .into(),
                )))
            }
        }
    }
    let ret = match scalar(&t.getattr("result")?)? {
        Ok(r) => r,
        Err(cname) => {
            return Ok(Some(unsupported(
                name,
                format!("a cffi function returning '{cname}' (kernels take numbers or void)"),
            )))
        }
    };
    let address: usize = ffi
        .call_method1("cast", ("uintptr_t", obj))?
        .call_method0("__int__")?
        .extract()?;
    Ok(Some(registered(name.to_string(), address, params, ret)))
}

fn registered(name: String, address: usize, params: Vec<Scalar>, ret: Option<Scalar>) -> Global {
    Global::Callee(Callee::C(c_functions::register(CFunction {
        name,
        address,
        params,
        ret,
    })))
}
