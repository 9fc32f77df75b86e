"""Reductions along one axis inside @jit (`a.sum(axis=1)`, `np.mean(a,
axis=0)`), fused with an elementwise expression, compared with NumPy
(value, dtype, shape), including negative axes, strided views, empty axes
and the errors."""

import numpy as np
import pytest

from conftest import make_function
from jitufunc import njit
from jitufunc.errors import TypingError, UnsupportedError

REDUCTIONS = ["sum", "prod", "min", "max", "mean", "any", "all"]
SHAPES = [(2, 3, 4), (5, 1), (1, 7), (3, 4)]


def compiled(body):
    return make_function(f"""
        def f(a):
            return {body}
    """)


def same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("spelling", ["method", "function"])
def test_every_axis_of_every_reduction(name, shape, spelling, rng):
    a = rng.standard_normal(shape)
    for axis in range(-len(shape), len(shape)):
        body = f"a.{name}(axis={axis})" if spelling == "method" else f"np.{name}(a, axis={axis})"
        f = compiled(body)
        same(njit(f)(a), f(a))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.int32, np.int64, np.float32, np.complex128])
def test_accumulator_dtypes_follow_numpy(dtype, rng):
    a = (rng.standard_normal((3, 5)) * 10).astype(dtype)
    for body in ["a.sum(axis=0)", "a.prod(axis=1)", "a.mean(axis=1)", "np.any(a, axis=0)"]:
        f = compiled(body)
        with np.errstate(all="ignore"):
            want = f(a)
        got = njit(f)(a)
        assert got.dtype == want.dtype, (body, got.dtype, want.dtype)
        if np.dtype(dtype).kind == "f" and np.dtype(dtype).itemsize == 4:
            np.testing.assert_allclose(got, want, rtol=1e-5)
        else:
            same(got, want)


def test_fused_expressions_and_views(rng):
    a = rng.standard_normal((4, 6))
    b = rng.standard_normal(6)
    for body in ["np.sum(a * a + 1, axis=1)", "(a - b).max(axis=0)", "np.mean(a > 0, axis=1)",
                 "a[::-1, ::2].sum(axis=1)", "a.T.min(axis=0)", "np.sum(a, 1)"]:
        f = make_function(f"""
            def f(a, b):
                return {body}
        """)
        same(njit(f)(a, b), f(a, b))


def test_one_dimensional_axis_gives_a_number(rng):
    a = rng.standard_normal(9)
    f = compiled("a.sum(axis=0)")
    assert njit(f)(a) == pytest.approx(f(a), rel=1e-12)
    assert isinstance(njit(f)(a), float)


def test_empty_axes():
    a = np.zeros((0, 3))
    same(njit(compiled("a.sum(axis=0)"))(a), a.sum(axis=0))
    same(njit(compiled("a.max(axis=1)"))(a), a.max(axis=1))
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
        njit(compiled("a.max(axis=0)"))(a)


def test_bad_axes_are_clear_errors(rng):
    a = rng.standard_normal((2, 3))
    with pytest.raises(TypingError, match="axis 2 is out of bounds for an array of dimension 2"):
        njit(compiled("a.sum(axis=2)"))(a)
    g = make_function("""
        def g(a, k):
            return a.sum(axis=k)
    """)
    with pytest.raises(TypingError, match="axis= takes an integer, a tuple of integers or None"):
        njit(g)(a, 0.5)
    with pytest.raises(ValueError, match="out of bounds"):
        njit(g)(a, 2)
    with pytest.raises(ValueError, match="out of bounds"):
        njit(g)(a, -3)
    with pytest.raises(np.exceptions.AxisError):
        g(a, 2)


TUPLE_AXES = {
    3: [(0, 1), (1, 2), (0, 2), (2, 0), (0, 1, 2), (-1, 0), (-1, -2), (0, -1), (1,), (-3, -1)],
    4: [(0, 3), (1, 2), (-1, -3), (0, 1, 2, 3), (3, 1, 0), (-4, 2)],
}


@pytest.mark.parametrize("ndim", [3, 4])
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int8, np.bool_], ids=lambda d: np.dtype(d).name)
def test_tuples_of_axes(name, ndim, dtype, rng):
    shape = (2, 3, 4, 5)[:ndim]
    a = (rng.standard_normal(shape) * 3).astype(dtype)
    if name in ("min", "max") and dtype == np.bool_:
        a = a.astype(np.int8)
    for axes in TUPLE_AXES[ndim]:
        for body in (f"np.{name}(a, axis={axes})", f"a.{name}(axis={axes})", f"np.{name}(a.T, {axes})"):
            f = compiled(body)
            got, want = njit(f)(a), f(a)
            if np.ndim(want) == 0:
                assert np.isclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12), body
            else:
                got, want = np.asarray(got), np.asarray(want)
                assert got.shape == want.shape and got.dtype == want.dtype, (body, got.dtype, want.dtype)
                # Means of means round differently from NumPy's one pass.
                np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-15)


def test_bad_tuples_of_axes_are_clear_errors(rng):
    a = rng.standard_normal((2, 3, 4))
    with pytest.raises(TypingError, match="duplicate value in 'axis'"):
        njit(compiled("a.sum(axis=(1, 1))"))(a)
    with pytest.raises(TypingError, match="out of bounds"):
        njit(compiled("np.sum(a, axis=(0, 3))"))(a)
    # The same axis spelled twice (0 and -3).
    with pytest.raises(TypingError, match="duplicate value in 'axis'"):
        njit(compiled("np.sum(a, axis=(0, -3))"))(a)
    g = make_function("""
        def g(a, ax):
            return a.sum(axis=ax)
    """)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        njit(g)(a, (1, -2))
    with pytest.raises(ValueError, match="out of bounds"):
        njit(g)(a, (0, 3))
    with pytest.raises(TypingError, match="4 axes given for an array of dimension 3"):
        njit(g)(a, (0, 1, 2, 0))
    with pytest.raises(UnsupportedError, match=r"axis=\(\)"):
        njit(g)(a, ())


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.bool_, np.complex128],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("view", ["plain", "reversed", "strided", "transposed"])
def test_axes_known_only_when_running(name, dtype, view, rng):
    # axis= from an argument, an int or a tuple (in a variable or written
    # with run-time items): the same results as NumPy for every axis.
    if name in ("min", "max") and dtype in (np.complex128, np.bool_):
        dtype = np.int16
    a = (rng.standard_normal((4, 6, 5)) * 3).astype(dtype)
    a = {"plain": a, "reversed": a[::-1, :, ::-1], "strided": a[:, ::2], "transposed": a.T}[view]
    one = make_function(f"""
        def one(a, k):
            return np.{name}(a, axis=k), a.{name}(axis=k)
    """)
    pair = make_function(f"""
        def pair(a, j, k):
            return np.{name}(a, axis=(j, k)), a.{name}(axis=(k, 0))
    """)
    held = make_function(f"""
        def held(a, ks):
            return np.{name}(a, axis=ks)
    """)
    tol = 1e-5 if dtype == np.float32 else 1e-12

    def check(got, want):
        if np.ndim(want) == 0:
            # A number (@jit returns numbers as Python's).
            assert np.ndim(got) == 0 and np.isclose(got, want, rtol=tol), (got, want)
            return
        got, want = np.asarray(got), np.asarray(want)
        assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype, got.shape)
        np.testing.assert_allclose(got, want, rtol=tol, atol=1e-13)

    for k in range(-3, 3):
        for g, w in zip(njit(one)(a, k), one(a, k)):
            check(g, w)
    for j, k in [(1, 2), (-1, 1), (0, -1)]:
        for g, w in zip(njit(pair)(a, j, k), pair(a, j, k)):
            check(g, w)
    for ks in [(0, 2), (2, 1), (-1,), (0, 1, 2), (1, -3, 2)]:
        check(njit(held)(a, ks), held(a, ks))


def _live_blocks():
    from jitufunc import _core

    stats = _core.memory_stats()
    return stats["allocated"] - stats["freed"]


def test_memory_stays_flat_over_many_axis_reductions_outs_and_evaluates():
    """Every array an axis reduction, a mean along an axis, an `out=` call,
    a 0-d np.where or `evaluate` makes is freed: the runtime's live blocks
    come back to where they were, and the peak RSS does not grow."""
    import resource

    import jitufunc

    f = njit(make_function("""
        def f(a, c, n):
            s = 0.0
            for i in range(n):
                s += a.sum(axis=0)[0] + np.mean(a * 2, axis=1)[0]
                np.add(a[0], 1.0, out=c)
                s += c[0] + np.where(a[0, 0] > 0, 1.0, 2.0)[()]
            return s
    """))
    a = np.arange(12.0).reshape(3, 4)
    c = np.zeros(4)
    f(a, c, 10)
    x = np.arange(100.0)
    jitufunc.evaluate("x * 2 + 1")
    before = _live_blocks()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    f(a, c, 200_000)
    for _ in range(20_000):
        jitufunc.evaluate("x * 2 + 1")
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _live_blocks() == before
    assert (rss1 - rss0) / 1024 < 16, f"RSS grew {(rss1 - rss0) / 1024:.1f} MB"


@pytest.mark.parametrize("shape, axis", [((1000, 37), 0), ((3, 1000), 0), ((40, 50, 60), 1),
                                         ((40, 50, 60), 0), ((7, 1, 5), 1), ((0, 5), 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sums_along_leading_axes_add_rows_in_order_as_numpy(shape, axis, dtype, rng):
    # Along an axis that is not the last, NumPy adds the slices one after
    # the other; a C-contiguous array takes the memory-order loop here,
    # which does the same additions, so the results are identical.
    a = rng.standard_normal(shape).astype(dtype)
    f = compiled(f"(a.sum(axis={axis}), np.mean(a, axis={axis}), a.max(axis={axis}) if a.size else a.sum(axis={axis}))")
    for got, want in zip(njit(f)(a), f(a)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
