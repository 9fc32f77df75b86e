"""Numba code moving over: ``numba.njit`` helpers called from jitufunc
kernels and ``@jit`` functions (compiled from their ``py_func`` on our
core), and Numba ``@njit`` dispatchers passed to ``vectorize`` /
``guvectorize`` as the kernel itself. Expected values come from the Python
functions."""

import math

import numpy as np
import pytest

import jitufunc

numba = pytest.importorskip("numba", reason="Numba is not installed (JITUFUNC_TEST=1 scripts/setup.sh installs it)")


def test_njit_helpers_in_ufunc_kernels():
    h = numba.njit(lambda x: 2.0 * x)

    @numba.njit(error_model="numpy")
    def hyp(x, y):
        return math.hypot(x, y)

    def k(x):
        return h(x) + hyp(x, 1.0)

    u = jitufunc.vectorize(["f8(f8)", "f4(f4)"])(k)
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(u(x), [k(v) for v in x], rtol=1e-15)
    assert u(x.astype(np.float32)).dtype == np.float32


def test_njit_helpers_in_gufunc_kernels_and_jit_functions():
    h = numba.njit(lambda x: x * x)

    def gk(a, out):
        for i in range(a.shape[0]):
            out[i] = h(a[i]) + 1.0

    g = jitufunc.guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(gk)
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(g(a), a * a + 1.0)

    @jitufunc.njit
    def j(x, n):
        return h(x) + h(n)

    assert j(1.5, 3) == h.py_func(1.5) + h.py_func(3)
    assert type(j(1.5, 3)) is float and type(j(2, 3)) is int


def test_njit_dispatchers_as_kernels():
    @numba.njit
    def kern(x):
        return x * 3 + 1

    u = jitufunc.vectorize(["f8(f8)", "i8(i8)"])(kern)
    assert isinstance(u, np.ufunc) and u.__name__ == "kern"
    np.testing.assert_array_equal(u(np.arange(4)), np.arange(4) * 3 + 1)
    lazy = jitufunc.vectorize(kern)
    np.testing.assert_array_equal(lazy(np.arange(4.0)), np.arange(4.0) * 3 + 1)

    @numba.njit
    def gk(a, out):
        s = 0.0
        for v in a:
            s += v
        out[0] = s

    g = jitufunc.guvectorize(["void(f8[:], f8[:])"], "(n)->()")(gk)
    np.testing.assert_array_equal(g(np.arange(12.0).reshape(3, 4)), np.arange(12.0).reshape(3, 4).sum(1))


PLUS_ONE = numba.njit(lambda x: x + 1.0)
BAD = numba.njit(lambda x: x.nope)


def uses_plus_one(x):
    return PLUS_ONE(x) * 2.0


def uses_bad(x):
    return BAD(x)


def test_each_helper_is_compiled_once_and_errors_name_the_helper():
    from jitufunc import decorators

    u = jitufunc.vectorize(["f8(f8)"])(uses_plus_one)
    np.testing.assert_array_equal(u(np.arange(3.0)), (np.arange(3.0) + 1) * 2)
    first = decorators._from_numba(PLUS_ONE)
    assert decorators._from_numba(PLUS_ONE) is first
    with pytest.raises(jitufunc.errors.UnsupportedError, match="nope"):
        jitufunc.vectorize(["f8(f8)"])(uses_bad)
