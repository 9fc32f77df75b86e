//! Items stored in typed containers (`typed_list`, `typed_dict`): a
//! Python number written as an item of a NumPy scalar type, with NumPy 2's
//! checks (an integer out of range is an `OverflowError`, a complex value
//! into a real item a `TypeError`), and an item read back as a Python
//! number (`int`, `float`, `complex`, `bool`); a typed List or Dict
//! written as a container item (the container takes a reference to it:
//! `engine::items`) and read back as a Python object sharing it; an array
//! written as a view record whose owner is a foreign block holding the
//! array (`engine::memory::foreign_block`), read back as that same array
//! object, or as a new array over the record's memory.

use numpy::npyffi::{PyArrayObject, PyArray_Check, NPY_ARRAY_C_CONTIGUOUS, NPY_ARRAY_WRITEABLE};
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyComplex;

use crate::engine::memory::{self, MemBlock};
use crate::types::{Item, ItemKind, Layout, Scalar};

/// How messages name the items of a typed List.
pub const LIST: &str = "a typed List";
/// How messages name the values of a typed Dict.
pub const DICT_VALUES: &str = "a typed Dict with values";

fn float16() -> PyErr {
    PyTypeError::new_err("typed containers do not hold float16")
}

/// How messages name the type of Python value `v` (`ListType[int64]` for
/// a typed List).
pub fn value_type_name(v: &Bound<'_, PyAny>) -> String {
    let typed = |h: Option<i64>| h.and_then(Item::from_code).map(|i| i.to_string());
    if let Some(h) = super::typed_list::header_of(v) {
        // SAFETY: null or a live header `v` holds a reference to.
        let item = typed(unsafe { h.as_ref() }.map(|h| h.item));
        return format!("ListType[{}]", item.unwrap_or_else(|| "Undefined".into()));
    }
    if let Some(h) = super::typed_dict::header_of(v) {
        // SAFETY: null or a live header `v` holds a reference to.
        return match unsafe { h.as_ref() } {
            Some(h) => format!(
                "DictType[{},{}]",
                typed(Some(h.key_typenum)).unwrap_or_default(),
                typed(Some(h.value_typenum)).unwrap_or_default()
            ),
            None => "DictType[Undefined]".into(),
        };
    }
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// Writes `v` as an item of type `item` at `p`; `what` names the
/// container in messages (`LIST`). A container item written holds a new
/// reference (an empty `List()`/`Dict()` without types gets the item's
/// types first).
///
/// # Safety
/// `p` has room for an item of type `item` (`item.itemsize()` bytes).
pub unsafe fn write_item(v: &Bound<'_, PyAny>, item: Item, what: &str, p: *mut u8) -> PyResult<()> {
    let h = match item.kind() {
        // SAFETY: the caller's contract.
        ItemKind::Scalar(s) => return unsafe { write_number(v, s, what, p) },
        // SAFETY: the caller's contract (room for the whole tuple).
        ItemKind::Tuple(_) => return unsafe { write_tuple(v, item, what, p) },
        // SAFETY: the caller's contract (room for a view record).
        ItemKind::Array(..) => return unsafe { write_array(v, item, what, p) },
        ItemKind::List(inner) => super::typed_list::header_for_item(v, inner).map(|h| h as *mut u8),
        ItemKind::Dict(k, val) => {
            super::typed_dict::header_for_item(v, k, val).map(|h| h as *mut u8)
        }
        ItemKind::Pending(_) => None,
    };
    let Some(h) = h else {
        return Err(PyTypeError::new_err(format!(
            "{what} of {item} takes {item} items, not {}",
            value_type_name(v)
        )));
    };
    // SAFETY: `p` has room for a pointer (the caller's); `h` is a live
    // header of the item's type, which the container now holds a
    // reference to.
    unsafe {
        (p as *mut *mut u8).write_unaligned(h);
        crate::engine::items::retain(item, p);
    }
    Ok(())
}

/// Writes tuple `v` as an item of tuple type `item` at `p`, each of its
/// items at its offset; nothing stays referenced if one is refused.
///
/// # Safety
/// `p` has room for an item of type `item`.
unsafe fn write_tuple(v: &Bound<'_, PyAny>, item: Item, what: &str, p: *mut u8) -> PyResult<()> {
    let fields = item.fields();
    let t = v
        .cast::<pyo3::types::PyTuple>()
        .ok()
        .filter(|t| t.len() == fields.len());
    let Some(t) = t else {
        return Err(PyTypeError::new_err(format!(
            "{what} of {item} takes tuples of {} items, not {}",
            fields.len(),
            value_type_name(v)
        )));
    };
    for (k, (at, field)) in fields.iter().enumerate() {
        // SAFETY: field `k` lies inside the item's bytes at `p`.
        let written = unsafe { write_item(&t.get_item(k)?, *field, what, p.add(*at)) };
        if let Err(e) = written {
            for (at, field) in &fields[..k] {
                // SAFETY: the references the fields written so far took.
                unsafe { crate::engine::items::release(*field, p.add(*at)) };
            }
            // "a typed List of int64 takes integers, not float" names the
            // element's type: say which container and which element.
            let py = v.py();
            if e.is_instance_of::<PyTypeError>(py) {
                let text = e.value(py).to_string();
                if let Some(at) = text.find(" takes ") {
                    return Err(PyTypeError::new_err(format!(
                        "{what} of {item}: element {k} {}",
                        &text[at + 1..]
                    )));
                }
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Writes array `v` as an item of array type `item` at `p`: its view
/// record, whose owner is a new foreign block holding a reference to `v`.
/// Its dtype and number of dimensions must be the item's, it must be
/// writable (as the item's type says compiled code may write it), and
/// C-contiguous for a C-contiguous item type.
///
/// # Safety
/// `p` has room for an item of type `item`.
unsafe fn write_array(v: &Bound<'_, PyAny>, item: Item, what: &str, p: *mut u8) -> PyResult<()> {
    let ItemKind::Array(dtype, ndim, layout) = item.kind() else {
        unreachable!("write_array of an array item")
    };
    let refuse = |why: String| PyTypeError::new_err(format!("{what} of {item} takes {why}"));
    let obj = v.as_ptr();
    // SAFETY: `obj` is a live object and the GIL is held; NumPy's struct
    // fields are read only after `PyArray_Check`; `p` has room for the
    // record (the caller's).
    unsafe {
        if PyArray_Check(v.py(), obj) == 0 {
            return Err(refuse(format!("NumPy arrays, not {}", value_type_name(v))));
        }
        let a = obj as *mut PyArrayObject;
        let f = &(*a).fields;
        let given = Scalar::from_typenum((*f.descr).fields.type_num);
        let native = (*f.descr).fields.byteorder as u8 != b'>';
        if given != Some(dtype) || !native || f.nd as u32 != ndim {
            let dt = v.getattr("dtype")?.str()?.to_string();
            return Err(refuse(format!(
                "arrays of {dtype} with {ndim} dimension{}, not an array of {dt} with {} dimension{}",
                if ndim == 1 { "" } else { "s" },
                f.nd,
                if f.nd == 1 { "" } else { "s" },
            )));
        }
        if f.flags & NPY_ARRAY_WRITEABLE == 0 {
            return Err(refuse(
                "writable arrays (compiled code may write them), not a read-only one".into(),
            ));
        }
        if layout == Layout::C && f.flags & NPY_ARRAY_C_CONTIGUOUS == 0 {
            return Err(refuse(
                "C-contiguous arrays, not one with other strides (use np.ascontiguousarray, or an item type such as types.float64[:])".into(),
            ));
        }
        ffi::Py_IncRef(obj);
        let block = memory::foreign_block(obj as usize, f.data as *mut u8);
        let w = p as *mut u64;
        let n = ndim as usize;
        w.write_unaligned(f.data as u64);
        w.add(1).write_unaligned(block as u64);
        for k in 0..n {
            w.add(2 + k).write_unaligned(*f.dimensions.add(k) as u64);
            w.add(2 + n + k).write_unaligned(*f.strides.add(k) as u64);
        }
    }
    Ok(())
}

/// The array item of type `item` at `p` as a NumPy array: the array
/// object stored there if the record is still exactly its view (so
/// `l.append(a); l[0] is a`), else a new array over the record's memory
/// holding a reference to its block.
///
/// # Safety
/// An array item of type `item` is stored at `p`.
unsafe fn read_array(py: Python<'_>, item: Item, p: *const u8) -> PyResult<Py<PyAny>> {
    let crate::types::Type::Array(a) = item.to_type() else {
        unreachable!("read_array of an array item")
    };
    let words = 2 + 2 * a.ndim as usize;
    // SAFETY: a view record of `words` words at `p` whose owner is a live
    // block the container holds (the caller's); the reference taken is
    // handed to the new array's base.
    unsafe {
        let w: Vec<u64> = (0..words)
            .map(|k| (p as *const u64).add(k).read_unaligned())
            .collect();
        let block = w[1] as *mut MemBlock;
        let object = memory::object_of(block);
        if object != 0 && super::dispatcher::is_view(object, &a, &w) {
            return Ok(pyo3::Bound::from_borrowed_ptr(py, object as *mut ffi::PyObject).unbind());
        }
        memory::jitufunc_rt_incref(block);
        super::dispatcher::array_object(py, &a, &w)
    }
}

/// How foreign blocks keep their arrays (`engine::memory::ObjectHandlers`):
/// a reference added or dropped with the GIL taken (compiled code may run
/// without it, in any thread).
pub fn object_handlers() -> memory::ObjectHandlers {
    fn retain(object: usize) {
        // SAFETY: `object` is a live Python object (an argument of the
        // running call); the GIL is taken (re-entrantly) around the count.
        unsafe {
            let gil = ffi::PyGILState_Ensure();
            ffi::Py_IncRef(object as *mut ffi::PyObject);
            ffi::PyGILState_Release(gil);
        }
    }
    fn release(object: usize) {
        // SAFETY: the block held one reference to `object`, dropped here
        // with the GIL taken; after the interpreter is finalized there is
        // nothing left to drop it from.
        unsafe {
            if ffi::Py_IsInitialized() == 0 {
                return;
            }
            let gil = ffi::PyGILState_Ensure();
            ffi::Py_DecRef(object as *mut ffi::PyObject);
            ffi::PyGILState_Release(gil);
        }
    }
    memory::ObjectHandlers { retain, release }
}

/// Writes number `v` as an item of type `s` at `p` (as `write_item`).
///
/// # Safety
/// `p` has room for an item of type `s` (`s.itemsize()` bytes).
unsafe fn write_number(v: &Bound<'_, PyAny>, s: Scalar, what: &str, p: *mut u8) -> PyResult<()> {
    macro_rules! int {
        ($t:ty) => {{
            let x: i128 = v.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{what} of {} takes integers, not {}",
                    s.name(),
                    v.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?;
            let x = <$t>::try_from(x).map_err(|_| {
                PyOverflowError::new_err(format!(
                    "Python integer {x} out of bounds for {}",
                    s.name()
                ))
            })?;
            // SAFETY: `p` has room for an item of type `s` (the caller's).
            unsafe { (p as *mut $t).write_unaligned(x) };
        }};
    }
    match s {
        Scalar::Bool => {
            let b = v.is_truthy()?;
            // SAFETY: one byte at `p`.
            unsafe { p.write(b as u8) };
        }
        Scalar::I8 => int!(i8),
        Scalar::U8 => int!(u8),
        Scalar::I16 => int!(i16),
        Scalar::U16 => int!(u16),
        Scalar::I32 => int!(i32),
        Scalar::U32 => int!(u32),
        Scalar::I64 => int!(i64),
        Scalar::U64 => int!(u64),
        Scalar::F32 | Scalar::F64 => {
            if v.cast::<PyComplex>().is_ok() {
                return Err(PyTypeError::new_err(format!(
                    "{what} of {} takes real numbers, not complex",
                    s.name()
                )));
            }
            let x: f64 = v.extract()?;
            // SAFETY: `p` has room for an item of type `s`.
            unsafe {
                if s == Scalar::F32 {
                    (p as *mut f32).write_unaligned(x as f32)
                } else {
                    (p as *mut f64).write_unaligned(x)
                }
            }
        }
        Scalar::C64 | Scalar::C128 => {
            let c = match v.cast::<PyComplex>() {
                Ok(c) => (c.real(), c.imag()),
                Err(_) => {
                    let c = v.py().get_type::<PyComplex>().call1((v,))?;
                    let c = c.cast::<PyComplex>()?;
                    (c.real(), c.imag())
                }
            };
            // SAFETY: `p` has room for an item of type `s`.
            unsafe {
                if s == Scalar::C64 {
                    (p as *mut f32).write_unaligned(c.0 as f32);
                    (p as *mut f32).add(1).write_unaligned(c.1 as f32);
                } else {
                    (p as *mut f64).write_unaligned(c.0);
                    (p as *mut f64).add(1).write_unaligned(c.1);
                }
            }
        }
        Scalar::F16 => return Err(float16()),
    }
    Ok(())
}

/// The item of type `item` at `p` as a Python object: a number, or a
/// typed List or Dict sharing the container's item (with a reference of
/// its own).
///
/// # Safety
/// An item of type `item` is stored at `p` (a container: a live header).
pub unsafe fn read_item(py: Python<'_>, item: Item, p: *const u8) -> PyResult<Py<PyAny>> {
    let s = match item.kind() {
        ItemKind::Scalar(s) => s,
        ItemKind::Pending(_) => return Err(PyTypeError::new_err("an item of unknown type")),
        ItemKind::Tuple(_) => {
            let mut items = vec![];
            for (at, field) in item.fields() {
                // SAFETY: field items at their offsets (the caller's).
                items.push(unsafe { read_item(py, field, p.add(at))? });
            }
            return Ok(pyo3::types::PyTuple::new(py, items)?.into_any().unbind());
        }
        // SAFETY: an array item at `p` (the caller's).
        ItemKind::Array(..) => return unsafe { read_array(py, item, p) },
        // SAFETY: a live header at `p` (the caller's); the reference taken
        // passes to the new object.
        ItemKind::List(_) => unsafe {
            crate::engine::items::retain(item, p);
            return super::typed_list::wrap(
                py,
                (p as *const *mut crate::engine::list::ListHeader).read_unaligned(),
            );
        },
        // SAFETY: as for a List.
        ItemKind::Dict(..) => unsafe {
            crate::engine::items::retain(item, p);
            return super::typed_dict::wrap(
                py,
                (p as *const *mut crate::engine::dict::DictHeader).read_unaligned(),
            );
        },
    };
    // SAFETY: an item of type `s` is stored at `p` (the caller's).
    unsafe {
        Ok(match s {
            Scalar::Bool => (*p != 0).into_pyobject(py)?.to_owned().into_any().unbind(),
            Scalar::I8 => (*(p as *const i8)).into_pyobject(py)?.into_any().unbind(),
            Scalar::U8 => (*p).into_pyobject(py)?.into_any().unbind(),
            Scalar::I16 => (p as *const i16)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::U16 => (p as *const u16)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::I32 => (p as *const i32)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::U32 => (p as *const u32)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::I64 => (p as *const i64)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::U64 => (p as *const u64)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::F32 => ((p as *const f32).read_unaligned() as f64)
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::F64 => (p as *const f64)
                .read_unaligned()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            Scalar::C64 => {
                let q = p as *const f32;
                PyComplex::from_doubles(
                    py,
                    q.read_unaligned() as f64,
                    q.add(1).read_unaligned() as f64,
                )
                .into_any()
                .unbind()
            }
            Scalar::C128 => {
                let q = p as *const f64;
                PyComplex::from_doubles(py, q.read_unaligned(), q.add(1).read_unaligned())
                    .into_any()
                    .unbind()
            }
            Scalar::F16 => return Err(float16()),
        })
    }
}

/// The item code (`types::Item::code`) of the container item type named
/// `text` (`"ListType[int64]"`, `"DictType[int64,float64]"`, `"float64"`),
/// for `jitufunc.typed`'s type objects.
#[pyfunction]
pub fn item_code(text: &str) -> PyResult<i64> {
    let t = crate::types::parse_type(text)
        .map_err(|e| PyTypeError::new_err(format!("{text:?} is not a type: {}", e.message)))?;
    Item::of_type(&t).map(Item::code).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "typed containers hold numbers (not float16), arrays, tuples and typed Lists and Dicts, not {t}"
        ))
    })
}

/// The name of the item type of code `code` (`ListType[int64]`).
#[pyfunction]
pub fn item_name(code: i64) -> PyResult<String> {
    Item::from_code(code)
        .map(|i| i.to_string())
        .ok_or_else(|| PyTypeError::new_err(format!("unknown item type number {code}")))
}
