//! Numbers stored in typed containers (`typed_list`, `typed_dict`): a
//! Python number written as an item of a NumPy scalar type, with NumPy 2's
//! checks (an integer out of range is an `OverflowError`, a complex value
//! into a real item a `TypeError`), and an item read back as a Python
//! number (`int`, `float`, `complex`, `bool`).

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyComplex;

use crate::types::Scalar;

/// How messages name the items of a typed List.
pub const LIST: &str = "a typed List";
/// How messages name the values of a typed Dict.
pub const DICT_VALUES: &str = "a typed Dict with values";

fn float16() -> PyErr {
    PyTypeError::new_err("typed containers do not hold float16")
}

/// Writes `v` as an item of type `s` at `p`; `what` names the container
/// in messages (`LIST`).
///
/// # Safety
/// `p` has room for an item of type `s` (`s.itemsize()` bytes).
pub unsafe fn write_item(v: &Bound<'_, PyAny>, s: Scalar, what: &str, p: *mut u8) -> PyResult<()> {
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

/// The item of type `s` at `p` as a Python number.
///
/// # Safety
/// An item of type `s` is stored at `p`.
pub unsafe fn read_item(py: Python<'_>, s: Scalar, p: *const u8) -> PyResult<Py<PyAny>> {
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
