"""An array expression assigned to a view (``c[:] = a * b + 1``, ``c[::2]
= np.sqrt(a)``, ``np.exp(a, out=c)``) is written straight into the view
(``Op::MapInto``): no temporary, unless the view overlaps an operand or
does not have the operands' broadcast shape, where it goes through a
temporary as NumPy buffers. Differential against NumPy running the same
Python function on copies of the same arrays: contiguous, strided,
reversed and transposed targets; operands broadcast to the target; every
kind of overlap (in place, shifted, reversed); dtype conversion into the
target; shapes that do not fit (ValueError); FP warnings; and memory (no
array is allocated on the direct path, RSS flat over many calls)."""

import os
import warnings

import numpy as np
import pytest

from conftest import py_and_jit
from jitufunc import _core


def same(source, *args, rtol=1e-15):
    py, jf = py_and_jit(source)
    mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    theirs = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            py(*theirs)
    except Exception as e:  # noqa: BLE001 - the compiled function must raise the same class
        with pytest.raises(type(e)):
            jf(*mine)
        return
    with np.errstate(all="ignore"):
        jf(*mine)
    for m, t in zip(mine, theirs):
        if isinstance(m, np.ndarray):
            assert m.dtype == t.dtype
            np.testing.assert_allclose(m, t, rtol=rtol, equal_nan=True)


TARGETS = {
    "whole": "c[:] = {}",
    "ellipsis": "c[...] = {}",
    "strided": "c[::2] = {}",
    "reversed": "c[::-1] = {}",
    "column": "d[:, 1] = {}",
    "transposed": "d.T[:] = {}",
}


def operand_for(target, rng):
    n = {"whole": 12, "ellipsis": 12, "strided": 6, "reversed": 12, "column": 4, "transposed": None}[target]
    return rng.uniform(0.5, 2.0, n if n else (3, 4))


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("expr", ["a * b + 1", "np.sqrt(a) - b * 2.5", "np.where(a > 1, a, -b)", "a / b > 1.2"])
def test_expression_into_a_view(target, expr, rng):
    a = operand_for(target, rng)
    b = operand_for(target, rng)
    stmt = TARGETS[target].format(expr)
    same(f"def f(c, d, a, b):\n    {stmt}\n    return c, d\n", np.zeros(12), np.zeros((4, 3)), a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int8, np.complex128], ids=lambda d: np.dtype(d).name)
def test_conversion_into_the_views_dtype(dtype, rng):
    a = rng.uniform(-50, 50, 10)
    same("def f(c, a):\n    c[:] = a * 3.5\n    return c\n", np.zeros(10, dtype), a, rtol=1e-6)


@pytest.mark.parametrize("stmt", [
    "a[:] = a * 2 + 1",                 # in place: identical views
    "a[1:] = a[:-1] + 1",               # shifted forward
    "a[:-1] = a[1:] * 2",               # shifted backward
    "a[:] = a[::-1] * 2",               # reversed
    "a[::2] = a[1::2] + a[::2]",        # interleaved
    "a[:5] = np.exp(a[5:])",            # disjoint halves
])
def test_overlapping_operands_read_before_writing(stmt):
    same(f"def f(a):\n    {stmt}\n    return a\n", np.arange(10.0))


@pytest.mark.parametrize("shapes", [((5,), (1,)), ((2, 3), (3,)), ((2, 3), (2, 1)), ((4, 1), (4, 1))], ids=str)
def test_operands_broadcast_to_the_view(shapes, rng):
    target, operand = shapes
    same("def f(c, a):\n    c[...] = a * 2.0 + a\n    return c\n", np.zeros(target), rng.uniform(size=operand))


@pytest.mark.parametrize("shapes", [((1,), (5,)), ((3,), (4,)), ((2, 3), (3, 3))], ids=str)
def test_operands_larger_than_the_view_raise_value_error(shapes, rng):
    target, operand = shapes
    same("def f(c, a):\n    c[...] = a * 2.0\n    return c\n", np.zeros(target), rng.uniform(size=operand))


def test_empty_views(rng):
    same("def f(c, a):\n    c[2:2] = a[:0] * 2.0\n    return c\n", np.zeros(5), rng.uniform(size=5))


def test_fp_warnings_are_numpys():
    py, jf = py_and_jit("def f(c, a, b):\n    c[:] = a / b\n    return c\n")
    a, b = np.ones(20000), np.zeros(20000)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        jf(np.zeros(20000), a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jf(np.zeros(20000), a, b + 1)


def test_large_views_direct_and_on_threads(rng):
    # Large enough for the thread pool; contiguous and strided targets.
    a, b = rng.uniform(size=600_000), rng.uniform(size=600_000)
    same("def f(c, a, b):\n    c[:] = np.sin(a) * b + 1\n    return c\n", np.zeros(600_000), a, b)
    same("def f(c, a, b):\n    c[::2] = np.sin(a[::2]) * b[::2]\n    return c\n", np.zeros(600_000), a, b)


def test_direct_path_allocates_nothing(rng):
    _, jf = py_and_jit("def f(c, a, b):\n    c[:] = a * b - 4.1 * a\n    np.exp(a, out=c)\n    return c\n")
    a, b, c = rng.uniform(size=1000), rng.uniform(size=1000), np.zeros(1000)
    jf(c, a, b)
    before = _core.memory_stats()
    for _ in range(100):
        jf(c, a, b)
    after = _core.memory_stats()
    assert after == before, (before, after)


def test_rss_stays_flat_over_many_calls(rng):
    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    _, jf = py_and_jit("def f(a):\n    a[1:] = a[:-1] * 0.5 + 1\n    return a\n")
    a = rng.uniform(size=100_000)
    for _ in range(50):
        jf(a)
    before = rss_mb()
    for _ in range(2000):
        jf(a)
    assert rss_mb() - before < 20
