"""Signatures in the text Numba's type objects print (issue: code that
builds signatures from ``numba.float64[:]``, ``numba.types.*`` or
``Signature`` objects moves over unchanged). The strings below are what
Numba 0.68 prints (``str``/``repr`` of its types and signatures); when
Numba is installed the objects themselves are passed too."""

import numpy as np
import pytest

from jitufunc import guvectorize, vectorize
from jitufunc.errors import SignatureError


def scale(a, out):
    for i in range(a.shape[0]):
        out[i] = 2.0 * a[i]


def mul(x, n):
    return x * n


def row_sums(a, out):
    for i in range(a.shape[0]):
        s = 0.0
        for j in range(a.shape[1]):
            s += a[i, j]
        out[i] = s


ARRAY_1D = "Array(float64, 1, 'A', False, aligned=True)"


@pytest.mark.parametrize("sig", [
    f"({ARRAY_1D}, {ARRAY_1D}) -> none",       # str(numba.void(f8[:], f8[:]))
    f"({ARRAY_1D}, {ARRAY_1D})",               # str((f8[:], f8[:]))
    "void(array(float64, 1d, A), array(float64, 1d, A))",
    "void(readonly array(float64, 1d, C), array(float64, 1d, C))",
    "f8[:], f8[:]",                            # argument types only, as Numba takes them
    "array(float64, 1d, A), array(float64, 1d, A)",
])
def test_gufunc_signatures_in_numba_text(sig):
    g = guvectorize([sig], "(n)->(n)")(scale)
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(g(a), 2.0 * a)
    np.testing.assert_array_equal(g(a[:, ::-2]), 2.0 * a[:, ::-2])


@pytest.mark.parametrize("sig", [
    "(float64, int64) -> float64",                # str(numba.float64(float64, int64))
    "float64(float64, int64)",
])
def test_ufunc_signatures_in_numba_text(sig):
    u = vectorize([sig])(mul)
    x, n = np.linspace(-2, 2, 9), np.arange(9)
    np.testing.assert_array_equal(u(x, n), x * n)
    assert u.types == ["dl->d"]


@pytest.mark.parametrize("layout_sig", [
    "void(float64[::1, :], float64[:])",          # F order: unit stride first
    "void(array(float64, 2d, F), array(float64, 1d, A))",
    "void(Array(float64, 2, 'C', False, aligned=True), Array(float64, 1, 'C', False, aligned=True))",
])
def test_two_dimensional_layouts(layout_sig):
    g = guvectorize([layout_sig], "(m,n)->(m)")(row_sums)
    a = np.asfortranarray(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(g(a), a.sum(axis=2))
    np.testing.assert_array_equal(g(np.ascontiguousarray(a)), a.sum(axis=2))


@pytest.mark.parametrize("bad, message", [
    ("void(array(float64, 2d, X))", "layout C, F or A"),
    ("void(array(float64, two, C))", "number of dimensions"),
    ("void(Array(float64, 1, 'C', maybe))", "True or False"),
    ("void(readonly float64)", "'array' after 'readonly'"),
    ("void(array(floot64, 1d, C))", "number type"),
    ("f8", "expected '\\('"),
])
def test_mistakes_in_numba_spellings_are_clear(bad, message):
    with pytest.raises(SignatureError, match=message):
        guvectorize([bad], "(n)->(n)")(scale)


def test_numba_type_objects():
    numba = pytest.importorskip("numba", reason="Numba is not installed (JITUFUNC_BENCH=1 scripts/setup.sh installs it)")
    f8, i8 = numba.float64, numba.int64
    for sig in [numba.void(f8[:], f8[:]), (f8[:], f8[:]), str(numba.void(f8[::1], f8[::1]))]:
        g = guvectorize([sig], "(n)->(n)")(scale)
        np.testing.assert_array_equal(g(np.arange(5.0)), 2.0 * np.arange(5.0))
    u = vectorize([f8(f8, i8), numba.types.float32(numba.types.float32, numba.types.int32)])(mul)
    assert sorted(u.types) == ["dl->d", "fi->f"]
    g = guvectorize([numba.void(f8[::1, :], f8[:])], "(m,n)->(m)")(row_sums)
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(g(a), a.sum(axis=1))
