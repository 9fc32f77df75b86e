"""Shared helpers for the ``@guvectorize`` tests.

``compile_kernel`` defines a kernel from source text and keeps the plain
Python function next to the gufunc (the decorator does not modify it), so
``loop_reference`` can run the original on NumPy views of each core block,
in a Python loop over the loop dimensions: that is what the compiled gufunc
must compute.
"""

import numpy as np

from conftest import make_function
from jitufunc import guvectorize


#: The textbook matrix product, ``(m,n),(n,p)->(m,p)``.
MATMUL = """
def matmul(a, b, out):
    m, n = a.shape
    p = b.shape[1]
    for i in range(m):
        for j in range(p):
            s = 0.0
            for k in range(n):
                s += a[i, k] * b[k, j]
            out[i, j] = s
"""


def compile_kernel(source, signatures, layout, globals_=None, **options):
    """``(pyfunc, gufunc)`` for the function defined by ``source``."""
    pyfunc = make_function(source, globals_)
    return pyfunc, guvectorize(signatures, layout, **options)(pyfunc)


def loop_reference(pyfunc, inputs, core_ndims, outputs, returns=False):
    """``pyfunc`` called once per loop index on the core blocks of ``inputs``.

    ``core_ndims`` gives each input's number of core dimensions (its
    trailing axes; 0 passes a NumPy scalar). ``outputs`` lists ``(core_shape,
    dtype)`` per output. A ``()`` output is passed as a one-element array
    (the ``out[0] = v`` idiom) unless ``returns`` is set: then ``pyfunc``
    takes only the inputs and returns the outputs (a tuple for several).
    Returns the list of output arrays.
    """
    arrays = [np.asarray(a) for a in inputs]
    loop_shape = np.broadcast_shapes(*(a.shape[: a.ndim - c] for a, c in zip(arrays, core_ndims)))
    # Arrays that need no broadcasting are used as they are, so a kernel
    # that writes an input (writable_args) writes into it.
    views = [a if a.shape == loop_shape + a.shape[a.ndim - c:] else np.broadcast_to(a, loop_shape + a.shape[a.ndim - c:])
             for a, c in zip(arrays, core_ndims)]
    results = []
    for shape, dtype in outputs:
        pad = (1,) if shape == () and not returns else ()
        results.append(np.zeros(loop_shape + tuple(shape) + pad, dtype=dtype))
    with np.errstate(all="ignore"):
        for idx in np.ndindex(loop_shape):
            args = [v[idx] for v in views]
            if returns:
                value = pyfunc(*args)
                values = value if isinstance(value, tuple) else (value,)
                for r, v in zip(results, values):
                    r[idx] = v
            else:
                pyfunc(*args, *(r[idx] for r in results))
    return [r[..., 0] if shape == () and not returns else r for r, (shape, _) in zip(results, outputs)]


def assert_close(actual, expected):
    """Same shape and dtype; exact for integers and bools, close for
    inexact types (tolerances fit sums of a few dozen products of values of
    magnitude ~1 added in a different order than NumPy's)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    if actual.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected)
        return
    single = actual.dtype in (np.float32, np.complex64)
    tol = 2e-5 if single else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol, equal_nan=True)


def uniform(dtype, shape, rng):
    """Values of ``dtype`` in [-1, 1) (complex: both parts), or small
    integers in [-20, 20) for integer dtypes."""
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        return rng.integers(-20 if dt.kind == "i" else 0, 20, size=shape).astype(dt)
    values = rng.uniform(-1, 1, size=shape)
    if dt.kind == "c":
        values = values + 1j * rng.uniform(-1, 1, size=shape)
    return values.astype(dt)
