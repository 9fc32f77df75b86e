//! `print(...)` in compiled code (`engine::runtime::jitufunc_rt_print`):
//! the values become Python objects (Python numbers, NumPy scalars of
//! their dtype, arrays over the memory for the duration of the call) and
//! Python's own `print` writes them, so the output is Python's and goes
//! wherever `sys.stdout` goes.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use super::dispatcher::{array_object, leaf_object};
use crate::engine::runtime::PrintArg;
use crate::jit::abi::Leaf;
use crate::types::{ArrayType, Layout, Memory};

/// The handler compiled code's `print` calls (registered at import).
pub fn print_handler(args: &[PrintArg<'_>], sep: &str, end: &str) -> bool {
    Python::attach(|py| match print(py, args, sep, end) {
        Ok(()) => true,
        Err(e) => {
            e.restore(py);
            false
        }
    })
}

fn print(py: Python<'_>, args: &[PrintArg<'_>], sep: &str, end: &str) -> PyResult<()> {
    let numpy = py.import("numpy")?;
    let mut objects = vec![];
    for a in args {
        objects.push(match a {
            PrintArg::Text(t) => PyString::new(py, t).into_any().unbind(),
            PrintArg::Scalar {
                dtype,
                python,
                slot,
            } => {
                let number = leaf_object(py, Leaf::Scalar(*dtype), slot)?;
                if *python {
                    number
                } else {
                    // A NumPy scalar of its dtype prints as NumPy does
                    // (np.float32(0.1) as 0.1).
                    numpy
                        .getattr("dtype")?
                        .call1((dtype.name(),))?
                        .getattr("type")?
                        .call1((number,))?
                        .unbind()
                }
            }
            PrintArg::Array { dtype, record } => {
                // No owner: the array only lives for this call, and must
                // not take a reference to the memory.
                let mut words: Vec<u64> = record.iter().map(|w| *w as u64).collect();
                words[1] = 0;
                let t = ArrayType {
                    dtype: *dtype,
                    ndim: ((record.len() - 2) / 2) as u32,
                    layout: Layout::Any,
                    readonly: true,
                    memory: Memory::Borrowed,
                };
                array_object(py, &t, &words)?
            }
        });
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("sep", sep)?;
    kwargs.set_item("end", end)?;
    py.import("builtins")?
        .getattr("print")?
        .call(PyTuple::new(py, objects)?, Some(&kwargs))?;
    Ok(())
}
