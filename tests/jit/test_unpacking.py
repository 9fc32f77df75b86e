"""Unpacking assignments (``a, b = v``): of arrays along their first axis
(elements of a 1-d array, rows of a 2-d one), as Python and Numba do, with
Python's ValueError when the length differs; of tuples, whose length is
checked when compiling. Expected values and messages come from running the
Python function."""

import numpy as np
import pytest

from jitufunc import guvectorize, njit
from jitufunc.errors import TypingError


def four(q):
    w, x, y, z = q
    return w + 10 * x + 100 * y + 1000 * z


def rows(m):
    r0, r1 = m
    return r0.sum() - 2 * r1.sum(), r1[0]


def nested(p):
    (a, b), c = (p[0], p[1]), p[2]
    return a - b * c


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int16", "complex128"])
@pytest.mark.parametrize("view", ["contiguous", "reversed", "strided"])
def test_unpacking_a_1d_array_gives_its_elements(dtype, view):
    base = np.arange(1, 9).astype(dtype)
    q = {"contiguous": base[:4], "reversed": base[:4][::-1], "strided": base[::2]}[view]
    got, expected = njit(four)(q), four(q)
    assert got == expected


@pytest.mark.parametrize("view", ["contiguous", "reversed", "transposed"])
def test_unpacking_a_2d_array_gives_its_rows(view):
    base = np.arange(6.0).reshape(2, 3)
    m = {"contiguous": base, "reversed": base[::-1, ::-1], "transposed": np.arange(6.0).reshape(3, 2).T}[view]
    assert njit(rows)(m) == rows(m)


@pytest.mark.parametrize("n", [0, 3, 5])
def test_wrong_length_raises_pythons_value_error(n):
    q = np.arange(float(n))
    with pytest.raises(ValueError) as python:
        four(q)
    with pytest.raises(ValueError) as compiled:
        njit(four)(q)
    assert str(compiled.value) == str(python.value)


def test_tuple_length_is_checked_when_compiling():
    def f(t):
        a, b = t
        return a

    with pytest.raises(ValueError):
        f((1, 2, 3))
    with pytest.raises(TypingError, match=r"too many values to unpack \(expected 2, got 3\)"):
        njit(f)((1, 2, 3))
    with pytest.raises(TypingError, match=r"not enough values to unpack \(expected 2, got 1\)"):
        njit(f)((1,))


def test_nested_targets():
    p = np.array([3.0, 4.0, 5.0])
    assert njit(nested)(p) == nested(p)


def _qmul(p, q, out):
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q
    out[0] = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
    out[1] = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
    out[2] = w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2
    out[3] = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2


@pytest.mark.parametrize("layout", ["(4),(4)->(4)", "(n),(n)->(n)"])
def test_quaternion_product_gufunc_unpacks_its_operands(layout):
    g = guvectorize(["void(float64[:], float64[:], float64[:])"], layout)(_qmul)
    rng = np.random.default_rng(1)
    p, q = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    expected = np.empty_like(p)
    for k in range(5):
        _qmul(p[k], q[k], expected[k])
    np.testing.assert_array_equal(g(p, q), expected)
    np.testing.assert_array_equal(g(p[:, ::-1], q[::-1]), g(p[:, ::-1].copy(), q[::-1].copy()))


def test_gufunc_with_a_free_dimension_raises_for_a_wrong_length():
    g = guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->(n)")(_qmul)
    with pytest.raises(ValueError, match=r"not enough values to unpack \(expected 4, got 3\)"):
        g(np.ones(3), np.ones(3))


def _zero_then_sum(a, out):
    out[0] = np.zeros((), dtype=out.dtype)
    for x in a:
        out[0] += x


@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_a_0d_array_stored_into_an_element(dtype):
    """NumPy converts a 0-d array stored into an element (numbagg writes
    `out[0] = np.zeros((), dtype=out.dtype)`)."""
    g = guvectorize([f"void({dtype}[:], {dtype}[:])"], "(n)->()")(_zero_then_sum)
    a = np.arange(12).reshape(3, 4).astype(dtype)
    expected = np.empty(3, dtype)
    for k in range(3):
        out = np.empty(1, dtype)
        _zero_then_sum(a[k], out)
        expected[k] = out[0]
    np.testing.assert_array_equal(g(a), expected)
