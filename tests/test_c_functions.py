"""C functions called from kernels and ``@jit`` code (issue 12, item 10):
ctypes functions with declared ``argtypes``/``restype`` and cffi functions
(``ffi.dlopen``), as Numba allows. Expected values come from calling the
same Python function (which calls the C function through ctypes/cffi)."""

import ctypes
import ctypes.util
import math

import numpy as np
import pytest

from jitufunc import guvectorize, njit, vectorize
from jitufunc.errors import TypingError, UnsupportedError

LIBM = ctypes.CDLL(ctypes.util.find_library("m"))
c_cos = LIBM.cos
c_cos.argtypes = (ctypes.c_double,)
c_cos.restype = ctypes.c_double
c_powf = LIBM.powf
c_powf.argtypes = (ctypes.c_float, ctypes.c_float)
c_powf.restype = ctypes.c_float
c_ilogb = LIBM.ilogb
c_ilogb.argtypes = (ctypes.c_double,)
c_ilogb.restype = ctypes.c_int
c_ldexp = LIBM.ldexp
c_ldexp.argtypes = [ctypes.c_double, ctypes.c_int]  # (a list, as often written)
c_ldexp.restype = ctypes.c_double
c_undeclared = ctypes.CDLL(ctypes.util.find_library("m")).sin  # no argtypes
LIBC = ctypes.CDLL(None)
c_abs = LIBC.labs
c_abs.argtypes = (ctypes.c_long,)
c_abs.restype = ctypes.c_long


def k_cos(x):
    return c_cos(x) * 2.0 + 1.0


def k_mixed(x, n):
    return c_ldexp(x, n) + c_ilogb(x + 1.5) + c_powf(x, 2.0) + c_abs(n - 3)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_ctypes_function_in_a_vectorize_kernel(dtype):
    u = vectorize(["float64(float64)", "float64(float32)", "float64(int32)"])(k_cos)
    x = np.linspace(-4, 4, 33).astype(dtype)
    expected = np.array([k_cos(v) for v in x])
    np.testing.assert_array_equal(u(x), expected)
    np.testing.assert_array_equal(u(x[::-3]), expected[::-3])


def test_several_c_types_in_a_vectorize_kernel():
    u = vectorize(["float64(float64, int32)", "float64(float32, int64)"])(k_mixed)
    x = np.linspace(0.25, 6, 12)
    n = np.arange(-6, 6)
    for xt, nt in [(np.float64, np.int32), (np.float32, np.int64)]:
        xs, ns = x.astype(xt), n.astype(nt)
        expected = np.array([k_mixed(a, b) for a, b in zip(xs, ns)])
        np.testing.assert_array_equal(u(xs, ns), expected)


def _gu_cos_sum(a, out):
    s = 0.0
    for v in a:
        s += c_cos(v)
    out[0] = s


def test_ctypes_function_in_a_gufunc_and_in_jit():
    g = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(_gu_cos_sum)
    a = np.linspace(0, 3, 24).reshape(4, 6)
    expected = np.empty(4)
    for k in range(4):
        out = np.empty(1)
        _gu_cos_sum(a[k], out)
        expected[k] = out[0]
    np.testing.assert_array_equal(g(a), expected)

    def total(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += c_cos(a[i]) - c_abs(i - 2)
        return s

    x = np.linspace(-1, 1, 9)
    assert njit(total)(x) == total(x)


def test_results_are_python_numbers_as_ctypes_returns_them():
    """ctypes returns a Python float for c_float: float32 arithmetic with it
    promotes as a Python float does (weak)."""
    def f(x):
        return c_powf(x, 2.0) * x, c_ilogb(x) + np.int8(1)

    x = np.float32(1.1)
    got, expected = njit(f)(x), f(x)
    assert got[0] == expected[0]
    assert got[1] == expected[1]


def test_float_for_an_int_parameter_is_refused_as_ctypes_does():
    def f(x):
        return c_ldexp(1.0, x)

    with pytest.raises(ctypes.ArgumentError):
        f(2.5)
    with pytest.raises(TypingError, match=r"argument 2 of C function ldexp\(\) is a C int32"):
        vectorize(["float64(float64)"])(f)(np.ones(2))


def test_undeclared_argtypes_are_refused_with_a_clear_message():
    def f(x):
        return c_undeclared(x)

    with pytest.raises(UnsupportedError, match="without declared argtypes"):
        vectorize(["float64(float64)"])(f)(np.ones(2))


def test_pointer_arguments_are_refused():
    c_frexp = ctypes.CDLL(ctypes.util.find_library("m")).frexp
    c_frexp.argtypes = (ctypes.c_double, ctypes.POINTER(ctypes.c_int))
    c_frexp.restype = ctypes.c_double

    def f(x):
        return c_frexp(x, 0)

    with pytest.raises(UnsupportedError, match="taking a LP_c_int"):
        njit(f)(1.0)


def test_wrong_argument_count():
    def f(x):
        return c_cos(x, x)

    with pytest.raises(TypingError, match=r"cos\(\) takes 1 argument \(2 given\)"):
        njit(f)(1.0)


def test_many_calls_do_not_grow_memory():
    import resource

    u = vectorize(["float64(float64)"])(k_cos)
    x = np.linspace(0, 1, 1000)
    for _ in range(200):
        u(x)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3000):
        u(x)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 4096  # kB


cffi = pytest.importorskip("cffi", reason="cffi is not installed in this environment (JITUFUNC_TEST=1 setup installs it in .venv)")
FFI = cffi.FFI()
FFI.cdef("double cos(double); float hypotf(float, float); int abs(int); double nan(const char *);")
CFFI_M = FFI.dlopen(ctypes.util.find_library("m"))
CFFI_C = FFI.dlopen(None)
f_cos = CFFI_M.cos
f_hypotf = CFFI_M.hypotf
f_abs = CFFI_C.abs
f_nan = CFFI_M.nan


def k_cffi(x, n):
    return f_cos(x) + f_hypotf(x, 3.0) + f_abs(n)


def test_cffi_functions_in_a_vectorize_kernel():
    u = vectorize(["float64(float64, int32)"])(k_cffi)
    x = np.linspace(-2, 2, 11)
    n = np.arange(-5, 6).astype(np.int32)
    expected = np.array([k_cffi(a, b) for a, b in zip(x, n)])
    np.testing.assert_array_equal(u(x, n), expected)


def test_cffi_pointer_parameter_is_refused():
    def f(x):
        return f_nan(x)

    with pytest.raises(UnsupportedError, match="cffi function taking a C type other than"):
        njit(f)(1.0)
    assert math.isnan(CFFI_M.nan(b""))
