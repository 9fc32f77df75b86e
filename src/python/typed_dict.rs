//! The Python side of typed Dicts: `TypedDictBase`, the base class of
//! `jitufunc.typed.Dict`, holding one reference to a dict header
//! (`engine::dict`). The Python class adds the mapping API on top of the
//! key-level methods here; `@jit` calls read the header pointer
//! (`dispatcher`) and compiled code works on the same table.
//!
//! A `Dict()` whose key and value types are not known yet has no header
//! (0); the first `d[k] = v` gives it one. Values are numbers or typed
//! containers (`types::Item`); the dict holds a reference to each
//! container value, released when it is overwritten or removed.

use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::exceptions::{PyKeyError, PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyComplex, PyFloat, PyInt, PyList, PyTuple, PyType};

use super::typed_items::{read_item, write_item, DICT_VALUES};
use crate::engine::dict::{jitufunc_rt_dict_decref, jitufunc_rt_dict_new, DictHeader, KeyKind};
use crate::engine::items::release;
use crate::types::{Item, Kind, Scalar};

/// The base class of `jitufunc.typed.Dict`.
#[pyclass(module = "jitufunc._core", subclass, frozen, name = "TypedDictBase")]
pub struct TypedDictBase {
    /// The header this object holds a reference to, or 0 (no types yet).
    header: AtomicUsize,
}

impl Drop for TypedDictBase {
    fn drop(&mut self) {
        let h = self.header.swap(0, Ordering::Relaxed) as *mut DictHeader;
        // SAFETY: null, or a live header this object holds a reference to.
        unsafe { jitufunc_rt_dict_decref(h) };
    }
}

/// `jitufunc.typed.Dict`, registered when `jitufunc.typed` is imported.
static DICT_CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers the Python class compiled code's returned dicts become.
#[pyfunction]
pub fn register_typed_dict(py: Python<'_>, cls: Bound<'_, PyType>) -> PyResult<()> {
    let _ = DICT_CLASS.set(py, cls.unbind());
    Ok(())
}

/// A new `jitufunc.typed.Dict` object taking over one reference to `h`.
///
/// # Safety
/// `h` is a live header whose reference the caller hands over.
pub unsafe fn wrap(py: Python<'_>, h: *mut DictHeader) -> PyResult<Py<PyAny>> {
    let obj = super::typed_list::new_registered(py, &DICT_CLASS, "jitufunc.typed.Dict");
    let obj = match obj {
        Ok(o) => o,
        Err(e) => {
            // SAFETY: the reference handed to this function.
            unsafe { jitufunc_rt_dict_decref(h) };
            return Err(e);
        }
    };
    let base = obj.cast::<TypedDictBase>()?;
    let old = base.get().header.swap(h as usize, Ordering::Relaxed) as *mut DictHeader;
    // SAFETY: null, or a header the new object held (`Dict()` has none).
    unsafe { jitufunc_rt_dict_decref(old) };
    Ok(obj.unbind())
}

/// The header of `obj` if it is a typed Dict (null when it has no types
/// yet); no reference is taken.
pub fn header_of(obj: &Bound<'_, PyAny>) -> Option<*mut DictHeader> {
    let base = obj.cast::<TypedDictBase>().ok()?;
    Some(base.get().header.load(Ordering::Relaxed) as *mut DictHeader)
}

/// The key and value types of dict header `h`.
///
/// # Safety
/// `h` is a live header.
pub unsafe fn item_types(h: *mut DictHeader) -> (Scalar, Item) {
    // SAFETY: per the contract; headers are made with supported types.
    let (k, v) = unsafe { ((*h).key_typenum, (*h).value_typenum) };
    (
        Scalar::from_typenum(k as i32).expect("made with a known type"),
        Item::from_code(v).expect("made with a known type"),
    )
}

/// The header of `obj` if it is a typed Dict of keys of type `k` and
/// values of type `v` (an empty `Dict()` without types gets those); no
/// reference is taken.
pub fn header_for_item(obj: &Bound<'_, PyAny>, k: Scalar, v: Item) -> Option<*mut DictHeader> {
    let base = obj.cast::<TypedDictBase>().ok()?;
    let base = base.get();
    if base.h().is_none() {
        base.set_types(k, v);
    }
    let h = base.h()? as *mut DictHeader;
    // SAFETY: a live header `obj` holds a reference to.
    (unsafe { item_types(h) } == (k, v)).then_some(h)
}

/// Whether typed Dicts take keys of type `s` (booleans, integers, floats).
pub fn key_type_ok(s: Scalar) -> bool {
    !matches!(s, Scalar::F16 | Scalar::C64 | Scalar::C128)
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// The key word (`engine::dict`) of Python key `v` in a dict of keys of
/// type `s`. A lookup (`insert` false) of a number no key of that type can
/// equal (`1.5` or `300` in a dict of int8 keys) gives None, as Python's
/// dict finds nothing; storing one is an error. Non-numbers are refused.
pub fn key_word(v: &Bound<'_, PyAny>, s: Scalar, insert: bool) -> PyResult<Option<u64>> {
    if v.cast::<PyList>().is_ok() || v.hash().is_err() {
        return Err(PyTypeError::new_err(format!(
            "unhashable type: '{}'",
            type_name(v)
        )));
    }
    let is_complex = v.cast::<PyComplex>().is_ok() || type_name(v).starts_with("complex");
    let wrong = || {
        PyTypeError::new_err(format!(
            "a typed Dict with keys of {} takes {} keys, not {}",
            s.name(),
            match s.kind() {
                Kind::Bool => "boolean",
                Kind::Int => "integer",
                _ => "real number",
            },
            type_name(v)
        ))
    };
    if s == Scalar::Bool && type_name(v) == "bool" {
        return Ok(Some(v.is_truthy()? as u64));
    }
    let integral = v.cast::<PyInt>().is_ok() || v.hasattr("__index__")?;
    match s.kind() {
        Kind::Float => {
            if is_complex || !(integral || v.cast::<PyFloat>().is_ok() || v.hasattr("__float__")?) {
                return Err(wrong());
            }
            let x: f64 = v.extract().map_err(|_| wrong())?;
            let x = if s == Scalar::F32 { x as f32 as f64 } else { x };
            Ok(Some(x.to_bits()))
        }
        Kind::Int | Kind::Bool => {
            if integral {
                let x: i128 = v.extract().map_err(|_| wrong())?;
                let fits = int_fits(s, x);
                if !fits {
                    if insert {
                        return Err(PyOverflowError::new_err(format!(
                            "Python integer {x} out of bounds for {}",
                            s.name()
                        )));
                    }
                    return Ok(None);
                }
                // Two's complement: negative keys sign-extended.
                return Ok(Some(x as u64));
            }
            if !insert && !is_complex && (v.cast::<PyFloat>().is_ok() || v.hasattr("__float__")?) {
                // `1.0 in d` finds the key 1, as Python's dict does.
                let x: f64 = v.extract()?;
                if x.fract() == 0.0 && x.is_finite() {
                    return key_word(&(x as i128).into_pyobject(v.py())?.into_any(), s, false);
                }
                return Ok(None);
            }
            Err(wrong())
        }
        Kind::Complex => Err(PyTypeError::new_err("typed Dicts do not take complex keys")),
    }
}

/// Whether integer `x` is a value of integer (or bool) type `s`.
fn int_fits(s: Scalar, x: i128) -> bool {
    let (lo, hi) = s.int_range();
    lo <= x && x <= hi
}

/// Key word `w` of a dict of keys of type `s` as a Python number.
fn key_object(py: Python<'_>, s: Scalar, w: u64) -> PyResult<Py<PyAny>> {
    match KeyKind::of(s) {
        KeyKind::Float => Ok(f64::from_bits(w).into_pyobject(py)?.into_any().unbind()),
        KeyKind::Bool => Ok(PyBool::new(py, w != 0).to_owned().into_any().unbind()),
        KeyKind::Signed => Ok((w as i64).into_pyobject(py)?.into_any().unbind()),
        KeyKind::Unsigned => Ok(w.into_pyobject(py)?.into_any().unbind()),
    }
}

fn key_error(k: &Bound<'_, PyAny>) -> PyErr {
    PyKeyError::new_err(k.clone().unbind())
}

impl TypedDictBase {
    // The header is shared, mutable state (compiled code writes it too)
    // that the GIL guards, not data this object owns: a `&mut` made from
    // `&self` for the length of one method.
    #[allow(clippy::mut_from_ref)]
    fn h(&self) -> Option<&mut DictHeader> {
        let h = self.header.load(Ordering::Relaxed) as *mut DictHeader;
        // SAFETY: null, or a live header this object holds a reference to;
        // the GIL is held, so no other Python code uses it meanwhile.
        unsafe { h.as_mut() }
    }

    /// Gives the dict a header of these types (it has none).
    fn set_types(&self, k: Scalar, v: Item) {
        let h = jitufunc_rt_dict_new(
            k.typenum() as i64,
            KeyKind::of(k) as i64,
            v.code(),
            v.itemsize() as i64,
        );
        self.header.store(h as usize, Ordering::Relaxed);
    }

    fn types(h: &DictHeader) -> (Scalar, Item) {
        // SAFETY: a live header.
        unsafe { item_types(h as *const DictHeader as *mut DictHeader) }
    }

    /// The entry of key `k`, or None (no types yet, or missing).
    fn find(&self, k: &Bound<'_, PyAny>) -> PyResult<Option<(&mut DictHeader, i64)>> {
        let Some(h) = self.h() else {
            if k.hash().is_err() {
                return Err(PyTypeError::new_err(format!(
                    "unhashable type: '{}'",
                    type_name(k)
                )));
            }
            return Ok(None);
        };
        let Some(w) = key_word(k, Self::types(h).0, false)? else {
            return Ok(None);
        };
        let i = h.find(w);
        Ok((i >= 0).then_some((h, i)))
    }

    fn value(py: Python<'_>, h: &DictHeader, i: i64) -> PyResult<Py<PyAny>> {
        // SAFETY: `i` is a live entry (the callers'), whose value has the
        // dict's value type.
        unsafe { read_item(py, Self::types(h).1, h.entry_value(i)) }
    }

    fn typed(&self) -> PyResult<&mut DictHeader> {
        self.h()
            .ok_or_else(|| PyTypeError::new_err("this Dict has no key and value types yet"))
    }
}

#[pymethods]
impl TypedDictBase {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> Self {
        TypedDictBase {
            header: AtomicUsize::new(0),
        }
    }

    /// Gives the dict its key and value types (a NumPy type number; the
    /// value's `types::Item::code`), if it has none.
    fn _set_types(&self, key: i32, value: i64) -> PyResult<()> {
        if self.h().is_some() {
            return Ok(());
        }
        let k = Scalar::from_typenum(key)
            .filter(|s| key_type_ok(*s))
            .ok_or_else(|| {
                PyTypeError::new_err(
                    "typed Dict keys are booleans, integers or floats (32 and 64 bits)",
                )
            })?;
        let v = Item::from_code(value)
            .filter(|i| i.as_scalar() != Some(Scalar::F16))
            .ok_or_else(|| {
                PyTypeError::new_err(
                    "typed Dict values are booleans, integers, floats (32 and 64 bits), complex numbers, arrays, tuples and typed Lists and Dicts",
                )
            })?;
        self.set_types(k, v);
        Ok(())
    }

    /// The key's NumPy type number and the value type's code, or None.
    fn _typenums(&self) -> Option<(i32, i64)> {
        self.h().map(|h| (h.key_typenum as i32, h.value_typenum))
    }

    /// The value type as Numba prints it (`float64`, `ListType[int64]`),
    /// or None.
    fn _value_name(&self) -> Option<String> {
        self.h().map(|h| Self::types(h).1.to_string())
    }

    /// The header's address (two Dicts sharing one table have the same).
    fn _address(&self) -> usize {
        self.header.load(Ordering::Relaxed)
    }

    fn __len__(&self) -> usize {
        self.h().map_or(0, |h| h.len as usize)
    }

    fn __contains__(&self, k: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.find(k)?.is_some())
    }

    /// `d[k]`.
    fn _getitem(&self, py: Python<'_>, k: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match self.find(k)? {
            Some((h, i)) => Self::value(py, h, i),
            None => Err(key_error(k)),
        }
    }

    /// `d.get(k, default)`.
    fn _get(
        &self,
        py: Python<'_>,
        k: &Bound<'_, PyAny>,
        default: Py<PyAny>,
    ) -> PyResult<Py<PyAny>> {
        match self.find(k)? {
            Some((h, i)) => Self::value(py, h, i),
            None => Ok(default),
        }
    }

    /// `d[k] = v` of a dict with types.
    fn _setitem(&self, k: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        let h = self.typed()?;
        let (ks, vs) = Self::types(h);
        let w = key_word(k, ks, true)?.expect("insert gives a key or an error");
        // The value first: a bad value leaves the dict as it was.
        let mut item = vec![0u8; vs.itemsize()];
        // SAFETY: room for a value of type `vs`.
        unsafe { write_item(v, vs, DICT_VALUES, item.as_mut_ptr())? };
        let p = h.slot(w);
        if p.is_null() {
            return Err(pyo3::exceptions::PyMemoryError::new_err(
                "cannot grow a typed Dict",
            ));
        }
        // SAFETY: the value slot has room for an item of type `vs`; it
        // holds the old value (zeroed, a null container, for a new key),
        // released as it is replaced.
        unsafe {
            release(vs, p);
            std::ptr::copy_nonoverlapping(item.as_ptr(), p, vs.itemsize());
        }
        Ok(())
    }

    /// `del d[k]`.
    fn _delitem(&self, k: &Bound<'_, PyAny>) -> PyResult<()> {
        match self.find(k)? {
            Some((h, i)) => {
                // SAFETY: a live entry's value, which the dict drops.
                unsafe { release(Self::types(h).1, h.entry_value(i)) };
                h.remove(i);
                Ok(())
            }
            None => Err(key_error(k)),
        }
    }

    /// `d.pop(k)` (`default` None: `KeyError` when missing) and
    /// `d.pop(k, default)` (`default` a 1-tuple).
    #[pyo3(signature = (k, default=None))]
    fn _pop(
        &self,
        py: Python<'_>,
        k: &Bound<'_, PyAny>,
        default: Option<&Bound<'_, PyTuple>>,
    ) -> PyResult<Py<PyAny>> {
        match self.find(k)? {
            Some((h, i)) => {
                let v = Self::value(py, h, i)?;
                // SAFETY: a live entry's value, which the dict drops.
                unsafe { release(Self::types(h).1, h.entry_value(i)) };
                h.remove(i);
                Ok(v)
            }
            None => match default {
                Some(d) => Ok(d.get_item(0)?.unbind()),
                None => Err(key_error(k)),
            },
        }
    }

    /// `d.popitem()`: the last key and its value, removed.
    fn _popitem(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let Some(h) = self.h().filter(|h| h.len > 0) else {
            return Err(PyKeyError::new_err("popitem(): dictionary is empty"));
        };
        let i = h.last();
        let k = key_object(py, Self::types(h).0, h.entry_key(i))?;
        let v = Self::value(py, h, i)?;
        // SAFETY: a live entry's value, which the dict drops.
        unsafe { release(Self::types(h).1, h.entry_value(i)) };
        h.remove(i);
        Ok((k, v))
    }

    /// The keys, values or items (`what`: 0, 1, 2) in insertion order.
    fn _snapshot<'py>(&self, py: Python<'py>, what: u8) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let Some(h) = self.h() else {
            return Ok(out);
        };
        let (ks, _) = Self::types(h);
        for i in 0..h.used {
            if !h.entry_live(i) {
                continue;
            }
            match what {
                0 => out.append(key_object(py, ks, h.entry_key(i))?)?,
                1 => out.append(Self::value(py, h, i)?)?,
                _ => out.append((key_object(py, ks, h.entry_key(i))?, Self::value(py, h, i)?))?,
            }
        }
        Ok(out)
    }

    /// Removes every key.
    fn _clear(&self) {
        if let Some(h) = self.h() {
            h.clear();
        }
    }
}
