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
    with pytest.raises(UnsupportedError, match="axis= takes an integer written in the code"):
        njit(g)(a, 0)
