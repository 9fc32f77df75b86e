"""`out=` of NumPy's ufuncs called by name inside @jit (np.add(a, b,
out=c), np.clip(a, lo, hi, out=c), np.negative(x, out=x)): the result is
written into `out` (broadcast to its shape, NumPy's same_kind casting) and
`out` itself is returned, as in NumPy."""

import numpy as np
import pytest

from conftest import make_function
from jitufunc import njit
from jitufunc.errors import TypingError

CASES = [
    ("np.add(a, b, out=c)", (3, 4), (4,), (3, 4)),
    ("np.multiply(a, 2, out=c)", (5,), None, (5,)),
    ("np.subtract(a, b, out=c)", (2, 1), (3,), (2, 3)),
    ("np.less(a, b, out=c)", (4,), (4,), (4,)),
    ("np.negative(a, out=c)", (6,), None, (6,)),
    ("np.clip(a, -0.5, 0.5, out=c)", (7,), None, (7,)),
    ("np.logical_and(a > 0, b > 0, out=c)", (3,), (3,), (3,)),
    ("np.add(a, b, c)", (3,), (3,), (3,)),
]


@pytest.mark.parametrize("expr, sa, sb, sc", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("out_dtype", [np.float64, np.float32, np.complex128])
def test_out_is_written_and_returned(expr, sa, sb, sc, out_dtype, rng):
    f = make_function(f"""
        def f(a, b, c):
            r = {expr}
            return r
    """)
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb) if sb else rng.standard_normal(sa)
    want_c = np.zeros(sc, out_dtype)
    if "less" in expr or "logical" in expr:
        want_c = np.zeros(sc, np.bool_)
    got_c = want_c.copy()
    want = f(a, b, want_c)
    got = njit(f)(a, b, got_c)
    assert got is got_c and want is want_c
    np.testing.assert_array_equal(got_c, want_c)


def test_out_of_a_narrower_kind_is_refused_as_numpy():
    f = make_function("""
        def f(a, c):
            return np.add(a, 1.5, out=c)
    """)
    with pytest.raises(Exception):
        f(np.arange(3), np.zeros(3, np.int64))
    with pytest.raises(TypingError, match="same_kind"):
        njit(f)(np.arange(3), np.zeros(3, np.int64))


def test_out_of_numbers_fills_the_array():
    f = make_function("""
        def f(c):
            return np.add(1, 2, out=c)
    """)
    np.testing.assert_array_equal(njit(f)(np.zeros(2)), f(np.zeros(2)))
