//! The Python side of typed Lists: `TypedListBase`, the base class of
//! `jitufunc.typed.List`, holding one reference to a list header
//! (`engine::list`). The Python class adds the list API on top of the
//! item-level methods here; `@jit` calls read the header pointer
//! (`dispatcher`) and compiled code works on the same buffer.
//!
//! A `List()` whose item type is not known yet has no header (0); the
//! first append gives it one. Items are numbers or typed containers
//! (`types::Item`); the list holds a reference to each container item,
//! so every method that removes or overwrites an item releases it
//! (`engine::items`).

use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyType};

use super::typed_items::{read_item, write_item, LIST};
use crate::engine::items::{release, release_all};
use crate::engine::list::{
    jitufunc_rt_list_decref, jitufunc_rt_list_new, jitufunc_rt_list_reserve, ListHeader,
};
use crate::types::{Item, Scalar};

/// The base class of `jitufunc.typed.List`.
#[pyclass(module = "jitufunc._core", subclass, frozen, name = "TypedListBase")]
pub struct TypedListBase {
    /// The header this object holds a reference to, or 0 (no item type).
    header: AtomicUsize,
}

impl Drop for TypedListBase {
    fn drop(&mut self) {
        let h = self.header.swap(0, Ordering::Relaxed) as *mut ListHeader;
        // SAFETY: null, or a live header this object holds a reference to.
        unsafe { jitufunc_rt_list_decref(h) };
    }
}

/// `jitufunc.typed.List`, registered when `jitufunc.typed` is imported.
static LIST_CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers the Python class compiled code's returned lists become.
#[pyfunction]
pub fn register_typed_list(py: Python<'_>, cls: Bound<'_, PyType>) -> PyResult<()> {
    let _ = LIST_CLASS.set(py, cls.unbind());
    Ok(())
}

/// A new `jitufunc.typed.List` object taking over one reference to `h`.
///
/// # Safety
/// `h` is a live header whose reference the caller hands over.
pub unsafe fn wrap(py: Python<'_>, h: *mut ListHeader) -> PyResult<Py<PyAny>> {
    let obj = new_registered(py, &LIST_CLASS, "jitufunc.typed.List");
    let obj = match obj {
        Ok(o) => o,
        Err(e) => {
            // SAFETY: the reference handed to this function.
            unsafe { jitufunc_rt_list_decref(h) };
            return Err(e);
        }
    };
    let base = obj.cast::<TypedListBase>()?;
    let old = base.get().header.swap(h as usize, Ordering::Relaxed) as *mut ListHeader;
    // SAFETY: null, or a header the new object held (the class's `__init__`
    // made an empty list of no type: null).
    unsafe { jitufunc_rt_list_decref(old) };
    Ok(obj.unbind())
}

/// A new object of the class registered in `cell` by `jitufunc.typed`
/// (imported when it is not yet), made with no arguments; `name` is the
/// class's name for the error.
pub(super) fn new_registered<'py>(
    py: Python<'py>,
    cell: &PyOnceLock<Py<PyType>>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let cls = match cell.get(py) {
        Some(c) => Ok(c.clone_ref(py)),
        None => py.import("jitufunc.typed").and_then(|_| {
            cell.get(py)
                .map(|c| c.clone_ref(py))
                .ok_or_else(|| PyTypeError::new_err(format!("{name} is not registered")))
        }),
    };
    cls.and_then(|cls| cls.bind(py).call0())
}

/// The header of `obj` if it is a typed List (null when it has no item
/// type yet); no reference is taken.
pub fn header_of(obj: &Bound<'_, PyAny>) -> Option<*mut ListHeader> {
    let base = obj.cast::<TypedListBase>().ok()?;
    Some(base.get().header.load(Ordering::Relaxed) as *mut ListHeader)
}

/// The item type of list header `h`.
///
/// # Safety
/// `h` is a live header.
pub unsafe fn item_type(h: *mut ListHeader) -> Item {
    // SAFETY: per the contract; headers are made with a supported type.
    Item::from_code(unsafe { (*h).item }).expect("made with a known type")
}

/// The header of `obj` if it is a typed List of items of type `item` (an
/// empty `List()` without an item type gets that one); no reference is
/// taken.
pub fn header_for_item(obj: &Bound<'_, PyAny>, item: Item) -> Option<*mut ListHeader> {
    let base = obj.cast::<TypedListBase>().ok()?;
    let base = base.get();
    if base.h().is_none() {
        base.set_item(item);
    }
    let h = base.h()? as *mut ListHeader;
    // SAFETY: a live header `obj` holds a reference to.
    (unsafe { item_type(h) } == item).then_some(h)
}

fn index_error(message: &str) -> PyErr {
    PyIndexError::new_err(message.to_string())
}

impl TypedListBase {
    // The header is shared, mutable state (compiled code writes it too)
    // that the GIL guards, not data this object owns: a `&mut` made from
    // `&self` for the length of one method.
    #[allow(clippy::mut_from_ref)]
    fn h(&self) -> Option<&mut ListHeader> {
        let h = self.header.load(Ordering::Relaxed) as *mut ListHeader;
        // SAFETY: null, or a live header this object holds a reference to;
        // the GIL is held, so no other Python code uses it meanwhile.
        unsafe { h.as_mut() }
    }

    /// Gives the list a header of items of type `item` (it has none).
    fn set_item(&self, item: Item) {
        let h = jitufunc_rt_list_new(item.itemsize() as i64, item.code());
        self.header.store(h as usize, Ordering::Relaxed);
    }

    /// The header, checked to hold numbers (for the byte-level methods);
    /// shared state guarded by the GIL, as `h`.
    #[allow(clippy::mut_from_ref)]
    fn numbers(&self) -> PyResult<&mut ListHeader> {
        let h = self.typed()?;
        // SAFETY: a live header.
        if !unsafe { item_type(h) }.is_number() {
            return Err(PyTypeError::new_err(
                "the items of this List are containers, not numbers",
            ));
        }
        Ok(h)
    }

    fn typed(&self) -> PyResult<&mut ListHeader> {
        self.h()
            .ok_or_else(|| PyTypeError::new_err("this List has no item type yet"))
    }

    fn slot(h: &ListHeader, i: i64) -> *mut u8 {
        // SAFETY: callers check `0 <= i < cap`.
        unsafe { h.data.add((i * h.itemsize) as usize) }
    }
}

fn grow(h: &mut ListHeader, need: i64) -> PyResult<()> {
    // SAFETY: a live header.
    if unsafe { jitufunc_rt_list_reserve(h, need) } == 0 {
        // The runtime reported the error to its handler; raise it here.
        return Err(pyo3::exceptions::PyMemoryError::new_err(format!(
            "cannot grow a typed List to {need} items"
        )));
    }
    Ok(())
}

#[pymethods]
impl TypedListBase {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> Self {
        TypedListBase {
            header: AtomicUsize::new(0),
        }
    }

    /// Gives the list its item type (`types::Item::code`: a NumPy type
    /// number, or `_core.item_code`'s number of a container type), if it
    /// has none.
    fn _set_item_type(&self, code: i64) -> PyResult<()> {
        if self.h().is_some() {
            return Ok(());
        }
        let item = Item::from_code(code)
            .filter(|i| i.as_scalar() != Some(Scalar::F16))
            .ok_or_else(|| {
                PyTypeError::new_err(
                    "typed Lists hold booleans, integers, floats (32 and 64 bits), complex numbers, arrays, tuples and typed Lists and Dicts",
                )
            })?;
        self.set_item(item);
        Ok(())
    }

    /// The item type's code (a NumPy type number for numbers), or None.
    fn _item_typenum(&self) -> Option<i64> {
        self.h().map(|h| h.item)
    }

    /// The item type as Numba prints it (`float64`, `ListType[int64]`),
    /// or None.
    fn _item_name(&self) -> Option<String> {
        // SAFETY: a live header.
        self.h().map(|h| unsafe { item_type(h) }.to_string())
    }

    /// Whether the items are numbers (not containers); None without an
    /// item type.
    fn _holds_numbers(&self) -> Option<bool> {
        // SAFETY: a live header.
        self.h().map(|h| unsafe { item_type(h) }.is_number())
    }

    /// The header's address (two Lists sharing one buffer have the same).
    fn _address(&self) -> usize {
        self.header.load(Ordering::Relaxed)
    }

    fn __len__(&self) -> usize {
        self.h().map_or(0, |h| h.len as usize)
    }

    /// `l[i]` for an int `i` (negative counts from the end).
    fn _getitem(&self, py: Python<'_>, i: i64) -> PyResult<Py<PyAny>> {
        let Some(h) = self.h() else {
            return Err(index_error("list index out of range"));
        };
        let i = if i < 0 { i + h.len } else { i };
        if !(0..h.len).contains(&i) {
            return Err(index_error("list index out of range"));
        }
        // SAFETY: a live header whose typenum it was made with.
        let s = unsafe { item_type(h) };
        // SAFETY: `0 <= i < len`: an item of the list's type.
        unsafe { read_item(py, s, Self::slot(h, i)) }
    }

    /// `l[i] = v` for an int `i`.
    fn _setitem(&self, i: i64, v: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(h) = self.h() else {
            return Err(index_error("list assignment index out of range"));
        };
        let i = if i < 0 { i + h.len } else { i };
        if !(0..h.len).contains(&i) {
            return Err(index_error("list assignment index out of range"));
        }
        // SAFETY: a live header.
        let s = unsafe { item_type(h) };
        let mut item = vec![0u8; s.itemsize()];
        // SAFETY: room for an item of type `s`; then `0 <= i < len`: the
        // old item is released and replaced by the new one.
        unsafe {
            write_item(v, s, LIST, item.as_mut_ptr())?;
            release(s, Self::slot(h, i));
            std::ptr::copy_nonoverlapping(item.as_ptr(), Self::slot(h, i), s.itemsize());
        }
        Ok(())
    }

    /// `l.append(v)` of a list with an item type.
    fn _append(&self, v: &Bound<'_, PyAny>) -> PyResult<()> {
        let h = self.typed()?;
        // SAFETY: a live header.
        let s = unsafe { item_type(h) };
        grow(h, h.len + 1)?;
        // SAFETY: the buffer has room for `len + 1` items.
        unsafe { write_item(v, s, LIST, Self::slot(h, h.len))? };
        h.len += 1;
        Ok(())
    }

    /// `l.insert(i, v)` (`i` clipped to the list as Python does).
    fn _insert(&self, i: i64, v: &Bound<'_, PyAny>) -> PyResult<()> {
        let h = self.typed()?;
        // SAFETY: a live header.
        let s = unsafe { item_type(h) };
        let i = if i < 0 {
            (i + h.len).max(0)
        } else {
            i.min(h.len)
        };
        grow(h, h.len + 1)?;
        let mut item = vec![0u8; s.itemsize()];
        // SAFETY: room for an item of type `s`.
        unsafe { write_item(v, s, LIST, item.as_mut_ptr())? };
        let size = h.itemsize as usize;
        // SAFETY: room for len + 1 items; the moved range is inside it.
        unsafe {
            std::ptr::copy(
                Self::slot(h, i),
                Self::slot(h, i + 1),
                (h.len - i) as usize * size,
            );
            std::ptr::copy_nonoverlapping(item.as_ptr(), Self::slot(h, i), size);
        }
        h.len += 1;
        Ok(())
    }

    /// `l.pop(i)`.
    fn _pop(&self, py: Python<'_>, i: i64) -> PyResult<Py<PyAny>> {
        let Some(h) = self.h().filter(|h| h.len > 0) else {
            return Err(index_error("pop from empty list"));
        };
        let i = if i < 0 { i + h.len } else { i };
        if !(0..h.len).contains(&i) {
            return Err(index_error("pop index out of range"));
        }
        // SAFETY: a live header.
        let s = unsafe { item_type(h) };
        // SAFETY: `0 <= i < len`: an item of the list's type, whose
        // reference (a container's) the list drops as it removes it.
        let item = unsafe { read_item(py, s, Self::slot(h, i))? };
        // SAFETY: as above.
        unsafe { release(s, Self::slot(h, i)) };
        let size = h.itemsize as usize;
        // SAFETY: the moved range is inside the list.
        unsafe {
            std::ptr::copy(
                Self::slot(h, i + 1),
                Self::slot(h, i),
                (h.len - i - 1) as usize * size,
            );
        }
        h.len -= 1;
        Ok(item)
    }

    /// The items as bytes (native order), for NumPy (`np.frombuffer`);
    /// numbers only.
    fn _to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        if self.h().is_none() {
            return Ok(PyBytes::new(py, b""));
        }
        Ok(match self.numbers()? {
            h if h.len > 0 => {
                // SAFETY: `len * itemsize` initialised bytes at `data`.
                let bytes =
                    unsafe { std::slice::from_raw_parts(h.data, (h.len * h.itemsize) as usize) };
                PyBytes::new(py, bytes)
            }
            _ => PyBytes::new(py, b""),
        })
    }

    /// Removes every item (releasing container items).
    fn _clear(&self) {
        if let Some(h) = self.h() {
            // SAFETY: the list's `len` items, of its item type.
            unsafe { release_all(item_type(h), h.data, h.len, h.itemsize) };
            h.len = 0;
        }
    }

    /// Reverses the items in place.
    fn _reverse(&self) {
        let Some(h) = self.h() else { return };
        let size = h.itemsize as usize;
        let (mut a, mut b) = (0, h.len - 1);
        while a < b {
            // SAFETY: `0 <= a < b < len`: two distinct items.
            unsafe { std::ptr::swap_nonoverlapping(Self::slot(h, a), Self::slot(h, b), size) };
            a += 1;
            b -= 1;
        }
    }

    /// Replaces the items with `data` (native-order bytes of the item
    /// type, as `ndarray.tobytes()` gives).
    fn _set_bytes(&self, data: &[u8]) -> PyResult<()> {
        let h = self.numbers()?;
        let size = h.itemsize as usize;
        if data.len() % size != 0 {
            return Err(PyValueError::new_err("bytes are not whole items"));
        }
        let n = (data.len() / size) as i64;
        grow(h, n)?;
        // SAFETY: room for `n` items.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), h.data, data.len()) };
        h.len = n;
        Ok(())
    }

    /// Adds `data` (bytes of the item type) at the end.
    fn _extend_bytes(&self, data: &[u8]) -> PyResult<()> {
        let h = self.numbers()?;
        let size = h.itemsize as usize;
        if data.len() % size != 0 {
            return Err(PyValueError::new_err("bytes are not whole items"));
        }
        let n = (data.len() / size) as i64;
        grow(h, h.len + n)?;
        // SAFETY: room for `len + n` items.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), Self::slot(h, h.len), data.len()) };
        h.len += n;
        Ok(())
    }
}
