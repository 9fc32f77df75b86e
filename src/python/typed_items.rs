//! Items stored in typed containers (`typed_list`, `typed_dict`): a
//! Python number written as an item of a NumPy scalar type, with NumPy 2's
//! checks (an integer out of range is an `OverflowError`, a complex value
//! into a real item a `TypeError`), and an item read back as a Python
//! number (`int`, `float`, `complex`, `bool`); a typed List or Dict
//! written as a container item (the container takes a reference to it:
//! `engine::items`) and read back as a Python object sharing it.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyComplex;

use crate::types::{Item, ItemKind, Scalar};

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
            return Err(e);
        }
    }
    Ok(())
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
            "typed containers hold numbers (not float16) and typed Lists and Dicts, not {t}"
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
