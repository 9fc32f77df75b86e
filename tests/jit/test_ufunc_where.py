"""``out=`` on NumPy's math ufuncs (``np.exp(a, out=b)``, ``np.sqrt(a, b)``,
``np.maximum(a, b, out=c)``) and ``where=`` on every ufunc called by name
inside ``@njit``: differential against NumPy running the same Python
function on copies of the same arrays. ``out`` is written in place (NumPy's
same_kind casting, broadcast to its shape, views and overlap included) and
returned as the very same object; with ``where=`` the elements where the
mask is False keep ``out``'s values. Without ``out=`` NumPy leaves those
elements uninitialized; jitufunc makes them 0, so only the selected ones
are compared (and the zeros checked)."""

import numpy as np
import pytest

from conftest import py_and_jit
from jitufunc.errors import TypingError, UnsupportedError


def run_both(source, *args):
    """Runs NumPy and compiled on copies of ``args``; returns both results
    and both argument lists (after the call)."""
    py, jf = py_and_jit(source)
    mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    theirs = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(all="ignore"):
        want = py(*theirs)
        got = jf(*mine)
    return got, want, mine, theirs


def assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=1e-6 if want.dtype == np.float32 else 1e-14, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


MATH_OUT = [
    "np.exp(a, out=c)",
    "np.sqrt(a, c)",
    "np.sin(a, out=c)",
    "np.log1p(a, out=c)",
    "np.floor(a, out=c)",
    "np.absolute(a, out=c)",
    "np.maximum(a, b, out=c)",
    "np.fmin(a, b, c)",
    "np.hypot(a, b, out=c)",
    "np.arctan2(a, b, out=c)",
    "np.power(a, b, out=c)",
]


@pytest.mark.parametrize("out_dtype", [np.float64, np.float32, np.complex128], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("call", MATH_OUT)
def test_math_ufunc_out_is_written_and_returned(call, out_dtype, rng):
    if out_dtype == np.complex128 and any(f in call for f in ("maximum", "fmin", "arctan2", "hypot", "floor")):
        out_dtype = np.float64  # these have no complex loop for float inputs to cast into; keep float
    src = f"def f(a, b, c):\n    r = {call}\n    return r\n"
    a = rng.uniform(0.1, 3, (3, 4))
    b = rng.uniform(0.1, 3, (4,))
    c = np.full((3, 4), -7, out_dtype)
    got, want, mine, theirs = run_both(src, a, b, c)
    assert got is mine[2]
    assert_same(mine[2], theirs[2])


@pytest.mark.parametrize("call", ["np.exp(a, out=a)", "np.sqrt(a, a)", "np.maximum(a, 1.5, out=a)"])
def test_math_ufunc_in_place(call, rng):
    src = f"def f(a):\n    {call}\n    return a\n"
    a = rng.uniform(0.1, 3, 11)
    got, want, mine, theirs = run_both(src, a)
    assert got is mine[0]
    assert_same(mine[0], theirs[0])


@pytest.mark.parametrize("view", ["c[::2]", "c[::-1]", "c[:, 1]", "c.T", "c[1:, ::-2]"])
def test_math_ufunc_out_into_views(view, rng):
    src = f"def f(a, c):\n    np.exp(a, out={view})\n    return c\n"
    c = np.zeros((6, 6))
    a = rng.uniform(-1, 1, eval(view, {"c": c}).shape)
    got, want, mine, theirs = run_both(src, a, c)
    assert_same(mine[1], theirs[1])


def test_math_ufunc_out_of_a_narrower_kind_is_refused():
    _, jf = py_and_jit("def f(a, c):\n    return np.exp(a, out=c)\n")
    with pytest.raises(TypingError, match="same_kind"):
        jf(np.ones(3), np.zeros(3, np.int64))


def test_math_ufunc_bool_result_into_out(rng):
    a = rng.standard_normal(9)
    a[[1, 4]] = np.nan
    got, want, mine, theirs = run_both("def f(a, c):\n    return np.isnan(a, out=c)\n", a, np.zeros(9, bool))
    assert got is mine[1]
    assert_same(mine[1], theirs[1])


# --- where= ---------------------------------------------------------------

WHERE_CALLS = [
    "np.add(a, b, out=c, where=m)",
    "np.multiply(a, 2.0, out=c, where=m)",
    "np.divide(a, b, out=c, where=m)",
    "np.negative(a, out=c, where=m)",
    "np.exp(a, out=c, where=m)",
    "np.sqrt(a, c, where=m)",
    "np.maximum(a, b, out=c, where=m)",
    "np.clip(a, -0.5, 0.5, out=c, where=m)",
]


@pytest.mark.parametrize("mask", ["full", "row", "true", "false"])
@pytest.mark.parametrize("call", WHERE_CALLS)
def test_where_keeps_out_where_the_mask_is_false(call, mask, rng):
    a = rng.uniform(-2, 2, (3, 5))
    b = rng.uniform(-2, 2, (5,))
    b[1] = 0.0
    c = np.full((3, 5), 42.0)
    m = {
        "full": rng.random((3, 5)) > 0.4,
        "row": np.array([True, False, True, True, False]),
        "true": True,
        "false": False,
    }[mask]
    src = f"def f(a, b, c, m):\n    return {call}\n"
    got, want, mine, theirs = run_both(src, a, b, c, m)
    assert got is mine[2]
    assert_same(mine[2], theirs[2])


@pytest.mark.parametrize("out_dtype", [np.float32, np.int64, np.int8], ids=lambda d: np.dtype(d).name)
def test_where_casts_into_out_as_numpy(out_dtype, rng):
    a = rng.integers(-50, 50, 12)
    m = rng.random(12) > 0.5
    c = np.full(12, 3, out_dtype)
    got, want, mine, theirs = run_both("def f(a, c, m):\n    return np.add(a, 7, out=c, where=m)\n", a, c, m)
    assert_same(mine[1], theirs[1])


def test_where_with_overlapping_out_reads_before_writing():
    # out is a shifted view of the input: NumPy buffers, so must we.
    a = np.arange(10.0)
    m = np.arange(9) % 3 != 0
    src = "def f(a, m):\n    np.add(a[:-1], 100.0, out=a[1:], where=m)\n    return a\n"
    got, want, mine, theirs = run_both(src, a, m)
    assert_same(mine[0], theirs[0])


def test_where_without_out_gives_the_selected_elements_and_zeros(rng):
    a = rng.uniform(0.5, 2, (4, 6))
    m = rng.random((4, 6)) > 0.5
    py, jf = py_and_jit("def f(a, m):\n    return np.log(a, where=m)\n")
    got = jf(a, m)
    want = np.log(a)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got[m], want[m], rtol=1e-14)
    assert (got[~m] == 0).all()


def test_where_reports_fp_flags_of_the_selected_elements_only():
    # Division by zero only where the mask is False: NumPy computes
    # nothing there and warns about nothing; so must jitufunc.
    import warnings

    a, b = np.ones(8), np.array([1.0, 0.0] * 4)
    m = b != 0
    for fn in (py_and_jit("def f(a, b, c, m):\n    return np.divide(a, b, out=c, where=m)\n")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="warn"):
                c = fn(a, b, np.zeros(8), m)
        np.testing.assert_array_equal(c, np.where(m, 1.0, 0.0))
    # Selected: both warn.
    for fn in (py_and_jit("def f(a, b, c, m):\n    return np.divide(a, b, out=c, where=m)\n")):
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            with np.errstate(all="warn"):
                fn(a, b, np.zeros(8), np.ones(8, bool))


def test_where_takes_only_booleans():
    _, jf = py_and_jit("def f(a, c, m):\n    return np.add(a, 1.0, out=c, where=m)\n")
    with pytest.raises(TypingError, match="where= takes a boolean"):
        jf(np.ones(3), np.zeros(3), np.ones(3))


def test_where_is_keyword_only():
    _, jf = py_and_jit("def f(a, c, m):\n    return np.add(a, 1.0, c, m)\n")
    with pytest.raises(TypingError, match="keyword-only"):
        jf(np.ones(3), np.zeros(3), np.ones(3, bool))


def test_where_without_out_on_numbers_is_refused():
    _, jf = py_and_jit("def f(x, m):\n    return np.exp(x, where=m)\n")
    with pytest.raises(UnsupportedError, match="pass out="):
        jf(1.0, np.ones(3, bool))


def test_out_and_where_in_a_loop_do_not_leak(rng):
    import os

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    _, jf = py_and_jit("def f(a, c, m):\n    np.exp(a, out=c, where=m)\n    return np.maximum(a, c, out=c)\n")
    a, c, m = rng.standard_normal(10000), np.zeros(10000), rng.random(10000) > 0.5
    for _ in range(100):
        jf(a, c, m)
    before = rss_mb()
    for _ in range(3000):
        jf(a, c, m)
    assert rss_mb() - before < 20
