"""NumPy functions and array methods inside ``@jit``, written in Python.

These are ordinary ``@njit`` functions compiled by jitufunc's own core, per
call site and argument types like any other: a call of ``np.argmax(a)`` (or
``a.argmax()``) in a ``@jit`` function is a call of ``argmax`` below. The
compiler finds them through two tables at the end of this module:
``FUNCTIONS`` (NumPy function object -> implementation) and ``METHODS``
(array method name -> implementation, the receiver passed first).

Each follows NumPy's results (dtypes, NaN handling, errors) for what it
supports; what it does not support is refused with an exception naming the
function. Element-wise helpers are ``@vectorize`` kernels, so they
broadcast like NumPy's ufuncs and fuse into the caller's array expressions.
"""

import builtins
import math

import numpy as np

from . import _container_methods, _generator_methods, _numpy_random
from ._intrinsics import blas_matmul, is_typed_list, list_sort
from .decorators import njit, vectorize

# Where NumPy's results changed between the releases jitufunc supports,
# the running NumPy's are followed (a global is a constant when compiling).
_NUMPY_2_4 = tuple(int(p) for p in np.__version__.split(".")[:2]) >= (2, 4)


# --- along one axis of an n-d array ----------------------------------------
#
# A function along axis k of an n-d array works on the array as 3-d,
# (pre, n, post): pre is the product of the dimensions before k, n the
# length of axis k, post the product of those after it, so the (i, :, j)
# lanes of the 3-d array are the 1-d slices NumPy works on. That is
# ``a.reshape(pre, n, post)`` (``_lanes``), and for a 2-d array a view,
# ``a[None, :, :]`` or ``a[:, :, None]`` (no copy of a non-contiguous
# array; each its own call of the kernel, as one variable holding either
# would have the slower any-layout type). A fresh C-ordered result,
# np.empty(a.shape), reshaped the same way is a view of it, written lane by
# lane. A result of another shape is made 2-d or 3-d and then reshaped to
# NumPy's shape, a tuple whose length the compiler needs when compiling:
# ``_without`` and ``_replaced`` spell it out for arrays of up to 8
# dimensions (more are refused with NotImplementedError). The functions
# whose result has the array's shape (cumsum, cumprod, sort, argsort) take
# any number of dimensions.


@njit
def _axis_index(axis, ndim):
    """``axis`` (negative counts from the end) as an index of the array's
    dimensions; NumPy's AxisError (a ValueError) when out of bounds."""
    if axis < -ndim or axis >= ndim:
        raise ValueError("axis is out of bounds for the array's number of dimensions (NumPy's AxisError)")
    if axis < 0:
        return axis + ndim
    return axis


@njit
def _lanes(a, k):
    """``a`` as a 3-d array (before axis k, along it, after it): a view when
    ``a`` is C-contiguous, else a C-ordered copy (to read, not to write)."""
    pre = 1
    for d in range(k):
        pre *= a.shape[d]
    post = 1
    for d in range(k + 1, a.ndim):
        post *= a.shape[d]
    return a.reshape(pre, a.shape[k], post)


@njit
def _skip(s, i, k):
    if i >= k:
        return s[i + 1]
    return s[i]


@njit
def _without(s, k):
    """Shape ``s`` without its entry ``k``."""
    if len(s) == 1:
        return ()
    if len(s) == 2:
        return (_skip(s, 0, k),)
    if len(s) == 3:
        return (_skip(s, 0, k), _skip(s, 1, k))
    if len(s) == 4:
        return (_skip(s, 0, k), _skip(s, 1, k), _skip(s, 2, k))
    if len(s) == 5:
        return (_skip(s, 0, k), _skip(s, 1, k), _skip(s, 2, k), _skip(s, 3, k))
    if len(s) == 6:
        return (_skip(s, 0, k), _skip(s, 1, k), _skip(s, 2, k), _skip(s, 3, k), _skip(s, 4, k))
    if len(s) == 7:
        return (_skip(s, 0, k), _skip(s, 1, k), _skip(s, 2, k), _skip(s, 3, k), _skip(s, 4, k),
                _skip(s, 5, k))
    if len(s) == 8:
        return (_skip(s, 0, k), _skip(s, 1, k), _skip(s, 2, k), _skip(s, 3, k), _skip(s, 4, k),
                _skip(s, 5, k), _skip(s, 6, k))
    raise NotImplementedError("axis= supports arrays of up to 8 dimensions here")


@njit
def _put(s, i, k, m):
    if i == k:
        return m
    return s[i]


@njit
def _replaced(s, k, m):
    """Shape ``s`` with ``m`` for its entry ``k``."""
    if len(s) == 1:
        return (m,)
    if len(s) == 2:
        return (_put(s, 0, k, m), _put(s, 1, k, m))
    if len(s) == 3:
        return (_put(s, 0, k, m), _put(s, 1, k, m), _put(s, 2, k, m))
    if len(s) == 4:
        return (_put(s, 0, k, m), _put(s, 1, k, m), _put(s, 2, k, m), _put(s, 3, k, m))
    if len(s) == 5:
        return (_put(s, 0, k, m), _put(s, 1, k, m), _put(s, 2, k, m), _put(s, 3, k, m), _put(s, 4, k, m))
    if len(s) == 6:
        return (_put(s, 0, k, m), _put(s, 1, k, m), _put(s, 2, k, m), _put(s, 3, k, m), _put(s, 4, k, m),
                _put(s, 5, k, m))
    if len(s) == 7:
        return (_put(s, 0, k, m), _put(s, 1, k, m), _put(s, 2, k, m), _put(s, 3, k, m), _put(s, 4, k, m),
                _put(s, 5, k, m), _put(s, 6, k, m))
    if len(s) == 8:
        return (_put(s, 0, k, m), _put(s, 1, k, m), _put(s, 2, k, m), _put(s, 3, k, m), _put(s, 4, k, m),
                _put(s, 5, k, m), _put(s, 6, k, m), _put(s, 7, k, m))
    raise NotImplementedError("axis= supports arrays of up to 8 dimensions here")


# --- reductions to an index -------------------------------------------------


@njit
def _arg_extreme_lane(x, largest):
    """The index of the first largest (smallest) element of non-empty 1-d
    ``x``, or of its first NaN."""
    best = x[0]
    if best != best:
        return 0
    at = 0
    for i in range(1, x.shape[0]):
        v = x[i]
        if v != v:
            return i
        if largest:
            if v > best:
                best = v
                at = i
        elif v < best:
            best = v
            at = i
    return at


@njit
def _arg_extreme_flat(a, largest):
    flat = a.ravel()
    if flat.size == 0:
        raise ValueError("attempt to get argmax/argmin of an empty sequence")
    return _arg_extreme_lane(flat, largest)


@njit
def _arg_extreme_lanes(b, largest):
    """The argmax/argmin of each (i, :, j) lane of 3-d ``b``: (pre, post)."""
    pre, n, post = b.shape[0], b.shape[1], b.shape[2]
    if n == 0:
        raise ValueError("attempt to get argmax/argmin of an empty sequence")
    out = np.zeros((pre, post), dtype=np.int64)
    if post == 1:
        # Along the last axis: lane by lane.
        for i in range(pre):
            out[i, 0] = _arg_extreme_lane(b[i, :, 0], largest)
    elif pre * post > 0:
        # The best so far of each lane, walking along the axis with the
        # lanes side by side (the inner loop reads memory in order); a NaN
        # wins and stays.
        best = b[:, 0, :].copy()
        for i in range(pre):
            for t in range(1, n):
                for j in range(post):
                    cur = best[i, j]
                    if cur != cur:
                        continue
                    x = b[i, t, j]
                    if x != x:
                        best[i, j] = x
                        out[i, j] = t
                    elif largest:
                        if x > cur:
                            best[i, j] = x
                            out[i, j] = t
                    elif x < cur:
                        best[i, j] = x
                        out[i, j] = t
    return out


@njit
def _arg_extreme(a, axis, largest):
    if axis is None or a.ndim == 0:
        return _arg_extreme_flat(a, largest)
    k = _axis_index(axis, a.ndim)
    if a.ndim == 1:
        return _arg_extreme_flat(a, largest)
    if a.ndim == 2:
        if k == 0:
            return _arg_extreme_lanes(a[None, :, :], largest).ravel()
        return _arg_extreme_lanes(a[:, :, None], largest).ravel()
    if a.ndim > 8:
        raise NotImplementedError("np.argmax/np.argmin along an axis support arrays of up to 8 dimensions")
    return _arg_extreme_lanes(_lanes(a, k), largest).reshape(_without(a.shape, k))


@njit
def argmax(a, axis=None):
    return _arg_extreme(a, axis, True)


@njit
def argmin(a, axis=None):
    return _arg_extreme(a, axis, False)


# --- accumulations ----------------------------------------------------------


@njit
def _accumulate_flat(flat, out, product):
    n = flat.size
    if n == 0:
        return out
    # The running value has the result's dtype (int8 input, int64 sums).
    out[0] = flat[0]
    acc = out[0]
    for i in range(1, n):
        if product:
            acc = acc * flat[i]
        else:
            acc = acc + flat[i]
        out[i] = acc
    return out


@njit
def _accumulate_lanes(b, o, product):
    """The running sums (products) of each (i, :, j) lane of 3-d ``b``,
    into ``o`` (of b's shape and the result's dtype)."""
    pre, n, post = b.shape[0], b.shape[1], b.shape[2]
    if n == 0:
        return None
    if post == 1:
        # Along the last axis: lane by lane.
        for i in range(pre):
            _accumulate_flat(b[i, :, 0], o[i, :, 0], product)
        return None
    for i in range(pre):
        # Lanes side by side: the running values are the previous row.
        for j in range(post):
            o[i, 0, j] = b[i, 0, j]
        for t in range(1, n):
            for j in range(post):
                if product:
                    o[i, t, j] = o[i, t - 1, j] * b[i, t, j]
                else:
                    o[i, t, j] = o[i, t - 1, j] + b[i, t, j]
    return None


@njit
def _accumulate(a, axis, product):
    flat = a.ravel()
    # NumPy's accumulation dtype: that of the sum (product) of the array.
    if product:
        zero = np.prod(flat[:0])
    else:
        zero = np.sum(flat[:0])
    if axis is None or a.ndim == 0:
        out = np.empty(flat.size, dtype=zero.dtype)
        return _accumulate_flat(flat, out, product)
    k = _axis_index(axis, a.ndim)
    if a.ndim == 1:
        out = np.empty(flat.size, dtype=zero.dtype)
        return _accumulate_flat(flat, out, product)
    out = np.empty(a.shape, dtype=zero.dtype)
    # Views of the fresh C-ordered result.
    o = _lanes(out, k)
    if a.ndim == 2:
        if k == 0:
            _accumulate_lanes(a[None, :, :], o, product)
        else:
            _accumulate_lanes(a[:, :, None], o, product)
        return out
    _accumulate_lanes(_lanes(a, k), o, product)
    return out


@njit
def cumsum(a, axis=None):
    return _accumulate(a, axis, False)


@njit
def cumprod(a, axis=None):
    return _accumulate(a, axis, True)


# --- differences ------------------------------------------------------------


# A global array is a constant inside compiled code; its dtype tells
# booleans apart at compile time.
_BOOLS = np.zeros(0, dtype=np.bool_)
_F64 = np.zeros(0, dtype=np.float64)
_C64 = np.zeros(0, dtype=np.complex64)
_C128 = np.zeros(0, dtype=np.complex128)


@njit
def _step(x, y):
    # NumPy's diff subtracts, except for booleans, which it compares.
    if x.dtype == _BOOLS.dtype:
        return x != y
    return x - y


@njit
def _diff_once(a, axis):
    if a.ndim == 1:
        n = a.shape[0]
        m = max(n - 1, 0)
        out = np.empty(m, dtype=a.dtype)
        for i in range(m):
            out[i] = _step(a[i + 1], a[i])
        return out
    if a.ndim == 2:
        rows, cols = a.shape[0], a.shape[1]
        if axis == 1:
            m = max(cols - 1, 0)
            out = np.empty((rows, m), dtype=a.dtype)
            for i in range(rows):
                for j in range(m):
                    out[i, j] = _step(a[i, j + 1], a[i, j])
            return out
        m = max(rows - 1, 0)
        out = np.empty((m, cols), dtype=a.dtype)
        for i in range(m):
            for j in range(cols):
                out[i, j] = _step(a[i + 1, j], a[i, j])
        return out
    b = _lanes(a, axis)
    pre, n, post = b.shape[0], b.shape[1], b.shape[2]
    m = max(n - 1, 0)
    out = np.empty((pre, m, post), dtype=a.dtype)
    for i in range(pre):
        for t in range(m):
            for j in range(post):
                out[i, t, j] = _step(b[i, t + 1, j], b[i, t, j])
    return out.reshape(_replaced(a.shape, axis, m))


@njit
def diff(a, n=1, axis=-1):
    if n < 0:
        raise ValueError("order must be non-negative")
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = _axis_index(axis, a.ndim)
    if a.ndim > 8:
        raise NotImplementedError("np.diff supports arrays of up to 8 dimensions")
    out = a.copy()
    for _ in range(n):
        out = _diff_once(out, axis)
    return out


# --- statistics ---------------------------------------------------------------


@njit
def _var_rows(x, ddof):
    """The variance of each row of 2-d ``x``."""
    rows, n = x.shape[0], x.shape[1]
    m = np.sum(x * 1.0, axis=1) / n
    d = x - m.reshape(rows, 1)
    s = np.sum(np.real(d * np.conj(d)), axis=1)
    return np.divide(s, float(max(n - ddof, 0)))


@njit
def _var_lanes(b, ddof):
    """The variance of each (i, :, j) lane of 3-d ``b``: (pre, post)."""
    pre, n, post = b.shape[0], b.shape[1], b.shape[2]
    if post == 1:
        # Along the last axis: rows of a 2-d view (faster sums).
        return _var_rows(b[:, :, 0], ddof).reshape(pre, 1)
    # As NumPy: integers and booleans are summed as float64 (``* 1.0``
    # keeps float32 and complex as they are), the mean of each lane
    # subtracted from it, |d|**2 summed and divided by n - ddof (none left:
    # nan or inf, as NumPy; a Python float: float32 stays float32 whatever
    # ddof's type).
    m = np.sum(b * 1.0, axis=1) / n
    d = b - m.reshape(pre, 1, post)
    s = np.sum(np.real(d * np.conj(d)), axis=1)
    return np.divide(s, float(max(n - ddof, 0)))


@njit
def var(a, axis=None, ddof=0):
    if axis is None or a.ndim <= 1:
        if axis is not None:
            _axis_index(axis, a.ndim)
        m = np.mean(a)
        d = a - m
        # |d|**2 as NumPy computes it: d * conj(d), real part.
        s = np.sum(np.real(d * np.conj(d)))
        # NumPy's division: no degrees of freedom give nan or inf.
        return np.divide(s, float(max(a.size - ddof, 0)))
    k = _axis_index(axis, a.ndim)
    if a.ndim == 2:
        if k == 0:
            return _var_lanes(a[None, :, :], ddof).ravel()
        return _var_lanes(a[:, :, None], ddof).ravel()
    if a.ndim > 8:
        raise NotImplementedError("np.var/np.std along an axis support arrays of up to 8 dimensions")
    return _var_lanes(_lanes(a, k), ddof).reshape(_without(a.shape, k))


@njit
def std(a, axis=None, ddof=0):
    return np.sqrt(var(a, axis, ddof))


@njit
def count_nonzero(a, axis=None):
    if axis is None:
        return np.sum(a != 0)
    if a.ndim <= 1:
        _axis_index(axis, 1)
        return np.sum(a != 0)
    k = _axis_index(axis, a.ndim)
    if a.ndim == 2:
        if k == 0:
            return np.sum(a != 0, axis=0)
        return np.sum(a != 0, axis=1)
    if a.ndim > 8:
        raise NotImplementedError("np.count_nonzero along an axis supports arrays of up to 8 dimensions")
    b = _lanes(a, k)
    if b.shape[2] == 1:
        # Along the last axis: rows of a 2-d view (faster sums).
        return np.sum(b[:, :, 0] != 0, axis=1).reshape(_without(a.shape, k))
    return np.sum(b != 0, axis=1).reshape(_without(a.shape, k))


# --- element-wise -------------------------------------------------------------


@vectorize
def _isclose(x, y, rtol, atol, equal_nan):
    if x == y:
        return True
    if x != x or y != y:
        return equal_nan and x != x and y != y
    if abs(x) == math.inf or abs(y) == math.inf:
        return False
    return abs(x - y) <= atol + rtol * abs(y)


@njit
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    # As NumPy: integers and booleans compare as floats.
    return _isclose(a + 0.0, b + 0.0, rtol, atol, equal_nan)


@njit
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = isclose(a, b, rtol, atol, equal_nan)
    if close.ndim == 0:
        return bool(close)
    return bool(np.all(close))


@vectorize
def _round_scaled(x, scale):
    return np.rint(x * scale) / scale


@vectorize
def _round_divided(x, scale):
    return np.rint(x / scale) * scale


@vectorize
def _complex_of(re, im):
    return complex(re, im)


@njit
def _power_of_ten(n):
    # NumPy's power_of_ten: exact up to 1e22, then multiplied by ten.
    if n <= 22:
        return 10.0**n
    p = 1e9
    for _ in range(n - 9):
        p *= 10.0
    return p


@njit
def _round_real(a, decimals):
    if decimals == 0:
        return np.rint(a)
    if decimals > 0:
        return _round_scaled(a, _power_of_ten(decimals))
    return _round_divided(a, _power_of_ten(-decimals))


@njit
def round(a, decimals=0):
    if a.dtype == _BOOLS.dtype:
        # NumPy's rint of booleans gives float16; with decimals its
        # multiply (divide) cannot cast the float64 result to bool.
        if decimals != 0:
            raise TypeError("Cannot cast ufunc 'multiply' (or 'divide') output from dtype('float64') "
                            "to dtype('bool') with casting rule 'same_kind'")
        return np.rint(a)
    # Integers divide into floats; inexact numbers do not. (Asked of an
    # empty array of a's dtype: the test costs nothing.)
    kind = np.zeros(0, dtype=a.dtype) * 1
    if (kind / 1).dtype != kind.dtype:
        if decimals >= 0:
            return a * 1
        return _round_divided(a, _power_of_ten(-decimals)).astype(kind.dtype)
    if a.dtype == _C128.dtype or a.dtype == _C64.dtype:
        if decimals == 0:
            return np.rint(a)
        # As NumPy: the real and imaginary parts rounded as floats (a
        # complex product or quotient would round differently).
        z = _complex_of(_round_real(np.real(a), decimals), _round_real(np.imag(a), decimals))
        if a.dtype == _C128.dtype:
            return z
        return z.astype(a.dtype)
    if decimals == 0:
        return np.rint(a)
    if decimals > 0:
        return _round_scaled(a, _power_of_ten(decimals))
    return _round_divided(a, _power_of_ten(-decimals))


# --- products -----------------------------------------------------------------


@njit
def _dot_1d(a, b):
    n = a.shape[0]
    if b.shape[0] != n:
        raise ValueError("shapes are not aligned for dot")
    # A 1 x n by n x 1 product: NumPy's BLAS (and its rounding) for floats,
    # NumPy's result dtype for the rest.
    return _matmul_2d(a[None, :], b[:, None])[0, 0]


@njit
def _matmul_rows(a, b, out, i, k, p):
    """``out[i:i+4] += a[i:i+4] @ b``: four rows of the result at once, two
    rows of ``b`` at a time, so each element of ``out`` is loaded and stored
    once per two products and the inner loop (over a row) vectorizes."""
    o0, o1, o2, o3 = out[i], out[i + 1], out[i + 2], out[i + 3]
    kk = 0
    while kk + 2 <= k:
        b0, b1 = b[kk], b[kk + 1]
        x00, x01 = a[i, kk], a[i, kk + 1]
        x10, x11 = a[i + 1, kk], a[i + 1, kk + 1]
        x20, x21 = a[i + 2, kk], a[i + 2, kk + 1]
        x30, x31 = a[i + 3, kk], a[i + 3, kk + 1]
        for j in range(p):
            u, v = b0[j], b1[j]
            o0[j] += x00 * u + x01 * v
            o1[j] += x10 * u + x11 * v
            o2[j] += x20 * u + x21 * v
            o3[j] += x30 * u + x31 * v
        kk += 2
    if kk < k:
        b0 = b[kk]
        x0, x1, x2, x3 = a[i, kk], a[i + 1, kk], a[i + 2, kk], a[i + 3, kk]
        for j in range(p):
            u = b0[j]
            o0[j] += x0 * u
            o1[j] += x1 * u
            o2[j] += x2 * u
            o3[j] += x3 * u


@njit
def _matmul_2d(a, b):
    m, k = a.shape[0], a.shape[1]
    if b.shape[0] != k:
        raise ValueError("matmul: mismatch in its core dimension (n,k),(k,m)->(n,m)")
    p = b.shape[1]
    # NumPy's result dtype: that of the product of two elements.
    out = np.zeros((m, p), dtype=(a[:0, :0] * b[:0, :0]).dtype)
    # NumPy's BLAS for float and complex operands it can read as they are;
    # otherwise (integers, mixed dtypes, no BLAS) a loop four rows at a time.
    if blas_matmul(out, a, b):
        return out
    i = 0
    while i + 4 <= m:
        _matmul_rows(a, b, out, i, k, p)
        i += 4
    while i < m:
        row = out[i]
        for kk in range(k):
            x = a[i, kk]
            b0 = b[kk]
            for j in range(p):
                row[j] += x * b0[j]
        i += 1
    return out


@njit
def dot(a, b):
    if a.ndim == 1 and b.ndim == 1:
        return _dot_1d(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return _matmul_2d(a, b)
    if a.ndim == 2 and b.ndim == 1:
        return _matmul_2d(a, b[:, None])[:, 0]
    if a.ndim == 1 and b.ndim == 2:
        return _matmul_2d(a[None, :], b)[0]
    raise NotImplementedError("np.dot supports 1-d and 2-d arrays")


@njit
def matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: an operand is 0-dimensional")
    return dot(a, b)


@njit
def outer(a, b):
    return a.ravel()[:, None] * b.ravel()[None, :]


@njit
def trace(a, offset=0):
    if a.ndim != 2:
        raise NotImplementedError("np.trace supports 2-d arrays")
    rows, cols = a.shape[0], a.shape[1]
    acc = np.sum(a[:0, :0])
    i = 0
    j = offset
    if offset < 0:
        i = -offset
        j = 0
    while i < rows and j < cols:
        acc += a[i, j]
        i += 1
        j += 1
    return acc


# --- sorting and searching ------------------------------------------------------


@njit
def _less(x, y):
    # NumPy's order: NaN last; complex numbers lexicographically, a NaN
    # part ordering as NumPy's sorts do: R + Rj < R + nanj < nan + Rj <
    # nan + nanj. (For real numbers the imaginary parts are constant zeros
    # and this is x < y or (y != y and x == x).)
    xr = x.real
    xi = x.imag
    yr = y.real
    yi = y.imag
    if xr < yr:
        return xi == xi or yi != yi
    if xr > yr:
        return yi != yi and xi == xi
    if xr == yr or (xr != xr and yr != yr):
        return xi < yi or (yi != yi and xi == xi)
    return yr != yr


@njit
def _merge_sort(keys, order, buffer):
    """Sorts `order` (indices into `keys`) stably by key, bottom-up."""
    n = order.shape[0]
    # Short runs by insertion.
    run = 16
    for start in range(0, n, run):
        end = min(start + run, n)
        for i in range(start + 1, end):
            v = order[i]
            j = i - 1
            while j >= start and _less(keys[v], keys[order[j]]):
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = v
    width = run
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            if mid >= hi:
                continue
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if _less(keys[order[j]], keys[order[i]]):
                    buffer[k] = order[j]
                    j += 1
                else:
                    buffer[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                buffer[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                buffer[k] = order[j]
                j += 1
                k += 1
            for t in range(lo, hi):
                order[t] = buffer[t]
        width *= 2
    return order


@njit
def _argsort_1d(a):
    n = a.shape[0]
    order = np.arange(n)
    buffer = np.empty(n, dtype=np.int64)
    return _merge_sort(a, order, buffer)


@njit
def _lane_order(keys, order, buffer):
    for t in range(order.shape[0]):
        order[t] = t
    return _merge_sort(keys, order, buffer)


@njit
def _argsort_lanes(a, k):
    """np.argsort along axis k of an n-d array."""
    b = _lanes(a, k)
    pre, n, post = b.shape[0], b.shape[1], b.shape[2]
    out = np.empty(a.shape, dtype=np.int64)
    o = _lanes(out, k)
    order = np.empty(n, dtype=np.int64)
    buffer = np.empty(n, dtype=np.int64)
    for i in range(pre):
        for j in range(post):
            _lane_order(b[i, :, j], order, buffer)
            lane = o[i, :, j]
            for t in range(n):
                lane[t] = order[t]
    return out


@njit
def _sort_lanes(a, k):
    """np.sort along axis k of an n-d array: a new C-ordered array."""
    b = _lanes(a, k)
    pre, n, post = b.shape[0], b.shape[1], b.shape[2]
    out = np.empty(a.shape, dtype=a.dtype)
    o = _lanes(out, k)
    order = np.empty(n, dtype=np.int64)
    buffer = np.empty(n, dtype=np.int64)
    for i in range(pre):
        for j in range(post):
            keys = b[i, :, j]
            _lane_order(keys, order, buffer)
            lane = o[i, :, j]
            for t in range(n):
                lane[t] = keys[order[t]]
    return out


@njit
def argsort(a, axis=-1):
    if axis is None or a.ndim == 0:
        return _argsort_1d(a.ravel())
    if a.ndim == 1:
        _axis_index(axis, 1)
        return _argsort_1d(a)
    k = _axis_index(axis, a.ndim)
    if a.ndim == 2:
        out = np.empty((a.shape[0], a.shape[1]), dtype=np.int64)
        if k == 1:
            for i in range(a.shape[0]):
                out[i] = _argsort_1d(a[i])
        else:
            for j in range(a.shape[1]):
                out[:, j] = _argsort_1d(a[:, j])
        return out
    return _argsort_lanes(a, k)


@njit
def _sorted_1d(a, out):
    order = _argsort_1d(a)
    values = a.copy()
    for i in range(order.shape[0]):
        out[i] = values[order[i]]
    return out


@njit
def sort(a, axis=-1):
    if axis is None:
        flat = a.ravel()
        return _sorted_1d(flat, np.empty(flat.size, dtype=a.dtype))
    if a.ndim >= 3:
        return _sort_lanes(a, _axis_index(axis, a.ndim))
    out = a.copy()
    _sort_in_place(out, axis)
    return out


@njit
def _sort_in_place(a, axis=-1):
    if a.ndim == 0:
        raise ValueError("axis is out of bounds for the array's number of dimensions (NumPy's AxisError)")
    k = _axis_index(axis, a.ndim)
    if a.ndim == 1:
        _sorted_1d(a, a)
        return None
    if a.ndim == 2:
        if k == 1:
            for i in range(a.shape[0]):
                _sorted_1d(a[i], a[i])
        else:
            for j in range(a.shape[1]):
                _sorted_1d(a[:, j], a[:, j])
        return None
    # A sorted copy written back: `a` may be a view that reshapes only
    # to a copy.
    a[...] = _sort_lanes(a, k)
    return None


@njit
def _search_left(a, x):
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if _less(a[mid], x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def searchsorted(a, v):
    if a.ndim != 1:
        raise ValueError("object too deep for desired array")
    if v.ndim == 0:
        return _search_left(a, v)
    flat = v.ravel()
    out = np.empty(flat.size, dtype=np.int64)
    for i in range(flat.size):
        out[i] = _search_left(a, flat[i])
    return out.reshape(v.shape)


@njit
def unique(a):
    s = sort(a, None)
    n = s.shape[0]
    if n == 0:
        return s
    keep = np.empty(n, dtype=np.bool_)
    keep[0] = True
    for i in range(1, n):
        # NaNs are one value, as NumPy's equal_nan=True.
        keep[i] = not (s[i] == s[i - 1] or (s[i] != s[i] and s[i - 1] != s[i - 1]))
    r = s[keep]
    last = r[r.shape[0] - 1]
    if _NUMPY_2_4 and (a.dtype == _C128.dtype or a.dtype == _C64.dtype) and last != last:
        # The complex values with a NaN part (sorted last) are one value,
        # as NumPy's unique: from NumPy 2.4 the first of them in the
        # array's order (before, the first in sorted order: `last`).
        flat = a.ravel()
        for i in range(flat.size):
            x = flat[i]
            if x != x:
                r[r.shape[0] - 1] = x
                break
    return r


# --- joining ------------------------------------------------------------------
#
# The arrays of a tuple may differ in dtype and memory layout, and a tuple
# of items of different types takes only constant indices: ``_join_each``
# goes through the first 16 items one constant index at a time (the steps
# for items a shorter tuple does not have are not compiled: ``len(t) > i``
# is known when compiling), each step working on its array with the
# array's own type, and through the items of a longer tuple after them in
# a loop (those must then be of one type). How a function sees each array
# (as it is, at least 1-d or 2-d, with a new axis, flattened) is told by
# one of these empty arrays, apart by their number of dimensions when
# compiling.

_AS_IS = np.zeros((0,))
_AT_LEAST_1D = np.zeros((0, 0))
_AT_LEAST_2D = np.zeros((0, 0, 0))
_STACKED = np.zeros((0, 0, 0, 0))
_FLAT = np.zeros((0, 0, 0, 0, 0))


@njit
def _ins(s, i, k, m):
    if i < k:
        return s[i]
    if i == k:
        return m
    return s[i - 1]


@njit
def _inserted(s, k, m):
    """Shape ``s`` with ``m`` inserted before its entry ``k``."""
    if len(s) == 0:
        return (m,)
    if len(s) == 1:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m))
    if len(s) == 2:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m), _ins(s, 2, k, m))
    if len(s) == 3:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m), _ins(s, 2, k, m), _ins(s, 3, k, m))
    if len(s) == 4:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m), _ins(s, 2, k, m), _ins(s, 3, k, m), _ins(s, 4, k, m))
    if len(s) == 5:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m), _ins(s, 2, k, m), _ins(s, 3, k, m), _ins(s, 4, k, m),
                _ins(s, 5, k, m))
    if len(s) == 6:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m), _ins(s, 2, k, m), _ins(s, 3, k, m), _ins(s, 4, k, m),
                _ins(s, 5, k, m), _ins(s, 6, k, m))
    if len(s) == 7:
        return (_ins(s, 0, k, m), _ins(s, 1, k, m), _ins(s, 2, k, m), _ins(s, 3, k, m), _ins(s, 4, k, m),
                _ins(s, 5, k, m), _ins(s, 6, k, m), _ins(s, 7, k, m))
    raise NotImplementedError("np.stack supports arrays of up to 7 dimensions here")


@njit
def _join_shape(x, how, k):
    """The shape of array ``x`` as the joining sees it (``_join_view``)."""
    if how.ndim == _AT_LEAST_1D.ndim:
        if x.ndim == 0:
            return (1,)
        return x.shape
    if how.ndim == _AT_LEAST_2D.ndim:
        if x.ndim == 0:
            return (1, 1)
        if x.ndim == 1:
            return (1, x.shape[0])
        return x.shape
    if how.ndim == _STACKED.ndim:
        return _inserted(x.shape, k, 1)
    return x.shape


@njit
def _join_view(x, how, k):
    """Array ``x`` as the joining sees it: at least 1-d or 2-d (NumPy's
    atleast_1d, atleast_2d) or with a new axis k of length 1 (stacked); a
    view, but of a non-contiguous array of 3 or more dimensions stacked."""
    if how.ndim == _AT_LEAST_1D.ndim:
        if x.ndim == 0:
            return x.reshape(1)
        return x
    if how.ndim == _AT_LEAST_2D.ndim:
        if x.ndim == 0:
            return x.reshape(1, 1)
        if x.ndim == 1:
            return x[None, :]
        return x
    if how.ndim == _STACKED.ndim:
        if x.ndim == 0:
            return x.reshape(1)
        if x.ndim == 1:
            if k == 0:
                return x[None, :]
            return x[:, None]
        if x.ndim == 2:
            if k == 0:
                return x[None, :, :]
            if k == 1:
                return x[:, None, :]
            return x[:, :, None]
        return x.reshape(_inserted(x.shape, k, 1))
    return x


@njit
def _join_length(s, first, k, how):
    """The length along the joining axis ``k`` of an array of shape ``s``,
    after NumPy's checks of it against the first array's shape (of as
    many dimensions)."""
    for d in range(len(s)):
        if d != k and s[d] != first[d]:
            if how.ndim == _STACKED.ndim:
                raise ValueError("all input arrays must have the same shape")
            raise ValueError("all the input array dimensions except for the concatenation axis must match exactly")
    return s[k]


@njit
def _check_ndims(differ, stacked):
    # Known when compiling, but raised from here: a caller raising it
    # itself would not compile the rest (nor return a value).
    if differ:
        if stacked:
            raise ValueError("all input arrays must have the same shape")
        raise ValueError("all the input arrays must have same number of dimensions")


@njit
def _join_put(x, out, k, at):
    """Copies ``x`` into ``out`` from ``at`` along axis ``k``; the next
    offset."""
    if x.ndim != out.ndim:
        # Flattened (axis=None): x's elements in C order.
        n = x.size
        out[at:at + n].reshape(x.shape)[...] = x
        return at + n
    n = x.shape[k]
    if out.ndim == 1:
        out[at:at + n] = x
    elif out.ndim == 2:
        if k == 0:
            out[at:at + n, :] = x
        else:
            out[:, at:at + n] = x
    else:
        # Both as (before k, along k, after k): a view of the C-ordered
        # result.
        o = _lanes(out, k)
        o[:, at:at + n, :] = _lanes(x, k)
    return at + n


@njit
def _promoted(p, x):
    """An array of the dtype NumPy gives to joining arrays of p's and x's
    dtypes (p itself when they are the same; only its dtype is used)."""
    if x.dtype == p.dtype:
        return p
    return np.empty(0, dtype=p.dtype) + np.empty(0, dtype=x.dtype)


@njit
def _stack_put(x, out, k, at):
    """Copies 1-d or 2-d ``x`` into ``out`` as its entry ``at`` along the
    new axis ``k``."""
    if x.ndim == 1:
        if k == 0:
            out[at] = x
        else:
            out[:, at] = x
    elif k == 0:
        out[at] = x
    elif k == 1:
        out[:, at] = x
    else:
        out[:, :, at] = x
    return at + 1


@njit
def _join_step(x, first, k, how, out, p, at):
    """One array of the tuple: with ``out`` None, its dtype joined into
    ``p``'s and its length along axis ``k`` added to ``at``; else copied
    into ``out`` from ``at``."""
    stacked = how.ndim == _STACKED.ndim
    if out is None:
        if how.ndim == _FLAT.ndim:
            return _promoted(p, x), at + x.size
        _check_ndims(x.ndim + stacked != len(first) and stacked, stacked)
        s = _join_shape(x, how, k)
        _check_ndims(len(s) != len(first), stacked)
        return _promoted(p, x), at + _join_length(s, first, k, how)
    if how.ndim == _FLAT.ndim:
        return p, _join_put(x, out, k, at)
    # Straight into the result where a view of x would be slower to read.
    if stacked and x.ndim >= 1 and x.ndim <= 2 and out.ndim == x.ndim + 1:
        return p, _stack_put(x, out, k, at)
    if how.ndim == _AT_LEAST_2D.ndim and x.ndim == 1 and out.ndim == 2:
        out[at] = x
        return p, at + 1
    return p, _join_put(_join_view(x, how, k), out, k, at)


@njit
def _join_each(t, k, how, out):
    """With ``out`` None: (an empty array of the result dtype, the total
    length along axis ``k``) of joining the arrays of tuple ``t``, their
    shapes checked; else copies them into ``out``."""
    first = _join_shape(t[0], how, k)
    p, at = _join_step(t[0], first, k, how, out, t[0], 0)
    if len(t) > 1:
        p, at = _join_step(t[1], first, k, how, out, p, at)
    if len(t) > 2:
        p, at = _join_step(t[2], first, k, how, out, p, at)
    if len(t) > 3:
        p, at = _join_step(t[3], first, k, how, out, p, at)
    if len(t) > 4:
        p, at = _join_step(t[4], first, k, how, out, p, at)
    if len(t) > 5:
        p, at = _join_step(t[5], first, k, how, out, p, at)
    if len(t) > 6:
        p, at = _join_step(t[6], first, k, how, out, p, at)
    if len(t) > 7:
        p, at = _join_step(t[7], first, k, how, out, p, at)
    if len(t) > 8:
        p, at = _join_step(t[8], first, k, how, out, p, at)
    if len(t) > 9:
        p, at = _join_step(t[9], first, k, how, out, p, at)
    if len(t) > 10:
        p, at = _join_step(t[10], first, k, how, out, p, at)
    if len(t) > 11:
        p, at = _join_step(t[11], first, k, how, out, p, at)
    if len(t) > 12:
        p, at = _join_step(t[12], first, k, how, out, p, at)
    if len(t) > 13:
        p, at = _join_step(t[13], first, k, how, out, p, at)
    if len(t) > 14:
        p, at = _join_step(t[14], first, k, how, out, p, at)
    if len(t) > 15:
        p, at = _join_step(t[15], first, k, how, out, p, at)
    if len(t) > 16:
        for i in range(16, len(t)):
            p, at = _join_step(t[i], first, k, how, out, p, at)
    return p, at


@njit
def _join(t, k, how):
    p, total = _join_each(t, k, how, None)
    if how.ndim == _FLAT.ndim:
        out = np.empty(total, dtype=p.dtype)
    else:
        out = np.empty(_replaced(_join_shape(t[0], how, k), k, total), dtype=p.dtype)
    _join_each(t, k, how, out)
    return out


@njit
def concatenate(arrays, axis=0):
    if len(arrays) == 0:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        return _join(arrays, 0, _FLAT)
    if arrays[0].ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    return _join(arrays, _axis_index(axis, arrays[0].ndim), _AS_IS)


@njit
def stack(arrays, axis=0):
    if len(arrays) == 0:
        raise ValueError("need at least one array to stack")
    return _join(arrays, _axis_index(axis, arrays[0].ndim + 1), _STACKED)


@njit
def hstack(arrays):
    if len(arrays) == 0:
        raise ValueError("need at least one array to concatenate")
    # NumPy's atleast_1d, then along the first axis of 1-d arrays, the
    # second of others.
    if arrays[0].ndim <= 1:
        return _join(arrays, 0, _AT_LEAST_1D)
    return _join(arrays, 1, _AT_LEAST_1D)


@njit
def vstack(arrays):
    if len(arrays) == 0:
        raise ValueError("need at least one array to concatenate")
    # NumPy's atleast_2d, then along the first axis.
    return _join(arrays, 0, _AT_LEAST_2D)


# --- binning and interpolation ------------------------------------------------


@njit
def _check_edges(edges):
    for i in range(edges.shape[0] - 1):
        if edges[i] >= edges[i + 1]:
            raise ValueError("Too many bins for data range. Cannot create finite-sized bins.")


@njit
def _linspace_into(out, first, last):
    """NumPy's linspace(first, last, out.size) computed in out's dtype
    (that of ``first`` and ``last``): i * step + first, the last one
    ``last``."""
    num = out.shape[0]
    out[0] = num - 1
    div = out[0]
    delta = last - first
    step = delta / div
    if step == 0:
        # NumPy's way for subnormal steps.
        for i in range(num):
            out[i] = i
            out[i] = out[i] / div * delta + first
    else:
        for i in range(num):
            out[i] = i
            out[i] = out[i] * step + first
    out[num - 1] = last
    return out


@njit
def _bin_counts(flat, first, last, edges, bins):
    """NumPy's counts for equal bins: each value's bin from its offset,
    moved by one where rounding put it past an edge; the last edge belongs
    to the last bin."""
    counts = np.zeros(bins, dtype=np.int64)
    norm_denominator = last - first
    # The number of bins as a number of the edges' dtype.
    scale = edges[:1].copy()
    scale[0] = bins
    norm_numerator = scale[0]
    for i in range(flat.size):
        x = flat[i]
        if x < first or x > last:
            continue
        k = int((x - first) / norm_denominator * norm_numerator)
        if k == bins:
            k -= 1
        if x < edges[k]:
            k -= 1
        elif x >= edges[k + 1] and k != bins - 1:
            k += 1
        counts[k] += 1
    return counts


@njit
def histogram(a, bins=10):
    if bins < 1:
        raise ValueError("`bins` must be positive, when an integer")
    flat = a.ravel()
    # NumPy's edges: float64 for integer and boolean data, else the data's
    # dtype (float32 data: edges and bin arithmetic in float32).
    if (flat[:0] * 1.0).dtype != _F64.dtype:
        if flat.size == 0:
            # NumPy's range [0, 1] of Python ints: edges computed in
            # float64.
            return np.zeros(bins, dtype=np.int64), np.linspace(0.0, 1.0, bins + 1).astype(a.dtype)
        ends = np.empty(2, dtype=a.dtype)
        ends[0] = flat.min()
        ends[1] = flat.max()
        if not (math.isfinite(ends[0]) and math.isfinite(ends[1])):
            raise ValueError("autodetected range of [nan, nan] is not finite")
        if ends[0] == ends[1]:
            ends[0] = ends[0] - 0.5
            ends[1] = ends[1] + 0.5
        first = ends[0]
        last = ends[1]
        edges = _linspace_into(np.empty(bins + 1, dtype=a.dtype), first, last)
        _check_edges(edges)
        return _bin_counts(flat, first, last, edges, bins), edges
    if flat.size == 0:
        first = 0.0
        last = 1.0
    else:
        first = float(flat.min())
        last = float(flat.max())
        if not (math.isfinite(first) and math.isfinite(last)):
            raise ValueError("autodetected range of [nan, nan] is not finite")
    if first == last:
        first -= 0.5
        last += 0.5
    edges = np.linspace(first, last, bins + 1)
    _check_edges(edges)
    counts = np.zeros(bins, dtype=np.int64)
    norm_numerator = bins
    norm_denominator = last - first
    for i in range(flat.size):
        x = float(flat[i])
        if x < first or x > last:
            continue
        k = int((x - first) / norm_denominator * norm_numerator)
        if k == bins:
            k -= 1
        if x < edges[k]:
            k -= 1
        elif x >= edges[k + 1] and k != bins - 1:
            k += 1
        counts[k] += 1
    return counts, edges


@njit
def _interp_index(x, xp):
    """For x not NaN: -1 left of xp[0], n right of xp[-1], else the last j
    with xp[j] <= x."""
    n = xp.shape[0]
    if x < xp[0]:
        return -1
    if x > xp[n - 1]:
        return n
    lo = 0
    hi = n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@njit
def _interp_one(x, xp, fp, left, right):
    n = xp.shape[0]
    if n == 1:
        # NumPy's single sample point: fp[0] unless x is left or right of
        # it (NaN is neither).
        if x < xp[0]:
            return left
        if x > xp[0]:
            return right
        return fp[0]
    if x != x:
        return x
    j = _interp_index(x, xp)
    if j == -1:
        return left
    if j == n:
        return right
    if j == n - 1:
        return fp[j]
    if x == xp[j]:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    r = slope * (x - xp[j]) + fp[j]
    if r != r:
        r = slope * (x - xp[j + 1]) + fp[j + 1]
        if r != r and fp[j] == fp[j + 1]:
            r = fp[j]
    return r


@njit
def _interp_part(x, xp, j, inv_dx, lo, hi):
    """One part (real or imaginary) of NumPy's complex interpolation between
    values lo and hi."""
    slope = (hi - lo) * inv_dx
    r = slope * (x - xp[j]) + lo
    if r != r:
        r = slope * (x - xp[j + 1]) + hi
        if r != r and lo == hi:
            r = lo
    return r


@njit
def _interp_one_complex(x, xp, fp, left, right):
    n = xp.shape[0]
    if n == 1:
        if x < xp[0]:
            return left
        if x > xp[0]:
            return right
        return fp[0]
    if x != x:
        return complex(x, 0.0)
    j = _interp_index(x, xp)
    if j == -1:
        return left
    if j == n:
        return right
    if j == n - 1:
        return fp[j]
    if x == xp[j]:
        return fp[j]
    # As NumPy: both parts by the reciprocal of the step.
    inv_dx = 1.0 / (xp[j + 1] - xp[j])
    a = fp[j]
    b = fp[j + 1]
    return complex(_interp_part(x, xp, j, inv_dx, a.real, b.real), _interp_part(x, xp, j, inv_dx, a.imag, b.imag))


@njit
def interp(x, xp, fp):
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError("xp and fp must be 1-d sequences")
    n = xp.shape[0]
    if n == 0:
        raise ValueError("array of sample points is empty")
    if fp.shape[0] != n:
        raise ValueError("fp and xp are not of the same length.")
    xpf = xp.astype(np.float64)
    if fp.dtype == _C128.dtype or fp.dtype == _C64.dtype:
        # NumPy's complex interpolation: complex128.
        fpc = fp.astype(np.complex128)
        if x.ndim == 0:
            return _interp_one_complex(float(x), xpf, fpc, fpc[0], fpc[n - 1])
        flat = x.ravel()
        out = np.empty(flat.size, dtype=np.complex128)
        for i in range(flat.size):
            out[i] = _interp_one_complex(float(flat[i]), xpf, fpc, fpc[0], fpc[n - 1])
        return out.reshape(x.shape)
    fpf = fp.astype(np.float64)
    left = fpf[0]
    right = fpf[n - 1]
    if x.ndim == 0:
        return _interp_one(float(x), xpf, fpf, left, right)
    flat = x.ravel()
    out = np.empty(flat.size, dtype=np.float64)
    for i in range(flat.size):
        out[i] = _interp_one(float(flat[i]), xpf, fpf, left, right)
    return out.reshape(x.shape)


# --- the tables the compiler reads --------------------------------------------

FUNCTIONS = {
    np.argmax: argmax,
    np.argmin: argmin,
    np.cumsum: cumsum,
    np.cumprod: cumprod,
    np.diff: diff,
    np.var: var,
    np.std: std,
    np.count_nonzero: count_nonzero,
    np.isclose: isclose,
    np.allclose: allclose,
    np.round: round,
    np.around: round,
    np.dot: dot,
    np.matmul: matmul,
    np.outer: outer,
    np.trace: trace,
    np.argsort: argsort,
    np.sort: sort,
    np.searchsorted: searchsorted,
    np.unique: unique,
    np.concatenate: concatenate,
    np.stack: stack,
    np.hstack: hstack,
    np.vstack: vstack,
    np.histogram: histogram,
    np.interp: interp,
}

# ``np.random.*`` (``_numpy_random``).
FUNCTIONS.update(_numpy_random.FUNCTIONS)

@njit
def _sort_method(a, axis=-1, reverse=False):
    """``a.sort()``: an array's in place along ``axis``, or a typed List's
    (``l.sort()``, numbers ascending; ``reverse=True`` descending)."""
    if is_typed_list(a):
        list_sort(a)
        if reverse:
            a.reverse()
        return None
    if reverse:
        raise TypeError("'reverse' is an invalid keyword argument for ndarray.sort()")
    _sort_in_place(a, axis)
    return None


@njit
def _sorted(a, reverse=False):
    """``sorted(x)`` of a typed List, an array (its first axis) or a
    range of numbers: a new typed List, ascending (NaN last, as
    ``l.sort()``); ``reverse=True`` descending."""
    out = [x for x in a]
    list_sort(out)
    if reverse:
        out.reverse()
    return out


# Python's ``sorted`` (a typed List, as Numba gives a list).
FUNCTIONS[builtins.sorted] = _sorted


METHODS = {
    "argmax": argmax,
    "argmin": argmin,
    "cumsum": cumsum,
    "cumprod": cumprod,
    "var": var,
    "std": std,
    "round": round,
    "dot": dot,
    "trace": trace,
    "argsort": argsort,
    "sort": _sort_method,
    "searchsorted": searchsorted,
}

# Typed List and Dict methods (not NumPy array methods):
# ``_container_methods``.
METHODS.update(_container_methods.METHODS)
# A numpy.random.Generator argument's methods (``_generator_methods``).
METHODS.update(_generator_methods.METHODS)
