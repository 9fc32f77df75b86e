"""NumPy array functions and methods in @jit functions, compared with NumPy:
np.arange, np.nonzero / a.nonzero(), a.copy() / np.copy, a.astype(t),
a.T / a.transpose(), and the sieve of Eratosthenes that uses several."""

import numpy as np
import pytest

from conftest import ALL_DTYPES, make_function
from jitufunc import njit


@pytest.mark.parametrize("call", [
    "np.arange(a)", "np.arange(a, b)", "np.arange(a, b, c)", "np.arange(b, a, -c)",
    "np.arange(a, b, 100)", "np.arange(b, a)", "np.arange(0.5, b, 0.25)", "np.arange(a, b, 0.7)",
    "np.arange(b, dtype=np.float32)", "np.arange(a, b, dtype=np.int8)", "np.arange(-3.5, a)",
    "np.arange(0)",
])
@pytest.mark.parametrize("a, b, c", [(2, 9, 2), (0, 5, 3), (-4, 4, 1)])
def test_arange_matches_numpy(call, a, b, c):
    py = make_function(f"""
        def f(a, b, c):
            return {call}
    """)
    expected = py(a, b, c)
    got = njit(py)(a, b, c)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_array_equal(got, expected)


def test_arange_with_a_zero_step_raises_like_numpy():
    f = njit(make_function("""
        def f(s):
            return np.arange(0, 5, s)
    """))
    with pytest.raises(ZeroDivisionError):
        f(0)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2), (0, 3)])
def test_nonzero_matches_numpy(dtype, shape):
    py = make_function("""
        def f(a):
            return np.nonzero(a), a.nonzero()
    """)
    rng = np.random.default_rng(3)
    a = (rng.integers(0, 3, size=shape) * rng.integers(0, 2, size=shape)).astype(dtype)
    got_fn, got_method = njit(py)(a)
    expected = np.nonzero(a)
    for got in (got_fn, got_method):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.dtype == np.int64
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("n", [1, 63, 64, 65, 127, 128, 129, 1000])
@pytest.mark.parametrize("fill", ["zeros", "ones", "sparse", "half", "runs"])
@pytest.mark.parametrize("view", ["contiguous", "reversed", "step2", "2d-F"])
def test_nonzero_across_block_boundaries(n, fill, view):
    """np.nonzero goes through the last axis in blocks of 64 (full blocks,
    empty ones, mixed ones); lengths and views around that size."""
    rng = np.random.default_rng(n)
    base = {
        "zeros": np.zeros(2 * n),
        "ones": np.ones(2 * n),
        "sparse": (rng.random(2 * n) < 0.05).astype(float),
        "half": (rng.random(2 * n) < 0.5).astype(float),
        "runs": (np.arange(2 * n) // 70 % 2).astype(float),
    }[fill]
    base[base == 0] = -0.0  # negative zero is zero
    base[base != 0] *= np.array([1.0, np.nan, -2.0])[np.arange(int((base != 0).sum())) % 3]
    a = {
        "contiguous": base[:n],
        "reversed": base[:n][::-1],
        "step2": base[::2],
        "2d-F": np.asfortranarray(base.reshape(2, n)),
    }[view]
    f = njit(make_function("""
        def f(a):
            return np.nonzero(a)
    """))
    got, expected = f(a), np.nonzero(a)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_nonzero_of_a_0d_array_is_refused_as_in_numpy():
    from jitufunc.errors import TypingError

    f = njit(make_function("""
        def f(a):
            return np.nonzero(a)
    """))
    with pytest.raises(TypingError, match="0-d arrays"):
        f(np.array(3.0))


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_copy_astype_and_transpose(layout):
    py = make_function("""
        def f(a):
            b = a.copy()
            b[0, 0] = -1.0
            c = np.copy(a)
            return b, c, a.astype(np.int16), a.astype(np.complex64), a.T, a.transpose()
    """)
    base = np.arange(30.0).reshape(5, 6) * 1.5
    a = {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::-1]}[layout]
    got = njit(py)(a)
    expected = py(a)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_array_equal(g, e)
    b, c, _, _, t, _ = got
    assert b.flags.c_contiguous and not np.shares_memory(b, a)
    assert np.shares_memory(t, a) and not np.shares_memory(c, a)


def test_astype_of_complex_to_real_is_refused():
    from jitufunc.errors import TypingError

    f = njit(make_function("""
        def f(a):
            return a.astype(np.float64)
    """))
    with pytest.raises(TypingError, match="complex"):
        f(np.ones(3, dtype=np.complex128))


def test_the_sieve_of_eratosthenes():
    py = make_function("""
        def primes(max=100000):
            numbers = np.ones(max, dtype=np.uint8)
            for i in range(2, max):
                if numbers[i] == 0:
                    continue
                else:
                    x = i + i
                    while x < max:
                        numbers[x] = 0
                        x += i
            return np.nonzero(numbers)[0][2:]
    """)
    f = njit(py)
    np.testing.assert_array_equal(f(), py())
    for n in (0, 1, 2, 3, 30, 1000):
        np.testing.assert_array_equal(f(n), py(n))
