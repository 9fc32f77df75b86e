"""Basic slicing in @jit functions: views with Python's slice semantics on
any axis (negative, omitted and out-of-range bounds, negative steps),
returned as NumPy views of the argument, and slice assignment with NumPy's
broadcasting (overlapping source and target included), all compared with
the Python function on NumPy arrays."""

import gc

import numpy as np
import pytest

from conftest import make_function
from jitufunc import _core, njit
from jitufunc.errors import TypingError

READS_1D = [
    "a[1:5]", "a[:3]", "a[4:]", "a[:]", "a[::2]", "a[1::3]", "a[::-1]", "a[::-3]", "a[8:2:-2]",
    "a[-3:]", "a[:-2]", "a[-100:100]", "a[5:1]", "a[100:]", "a[-1:-5:-1]", "a[3:3]",
    "a[i:j]", "a[i:j:k]", "a[j:i:-k]",
]
READS_2D = [
    "a[1:3]", "a[:, 1]", "a[1, :]", "a[:, ::-1]", "a[::2, 1:4]", "a[-1, ::2]", "a[i, j:]",
    "a[:, i:j:k]", "a[1:, -1]", "a[::-1, ::-1]",
]
READS_3D = ["a[:, 1]", "a[1:, :, ::2]", "a[i, :, j]", "a[::-1, 0, 1:]"]


def _check_read(expr, a, i=1, j=7, k=2):
    py = make_function(f"""
        def f(a, i, j, k):
            return {expr}
    """)
    expected = py(a, i, j, k)
    got = njit(py)(a, i, j, k)
    assert got.shape == expected.shape and got.dtype == expected.dtype, (expr, got, expected)
    np.testing.assert_array_equal(got, expected)
    if got.size:
        # A view of the argument, not a copy.
        assert np.shares_memory(got, a), expr


@pytest.mark.parametrize("expr", READS_1D)
def test_1d_slices(expr):
    _check_read(expr, np.arange(10.0))
    _check_read(expr, np.arange(20, dtype=np.int16)[::-2])


@pytest.mark.parametrize("expr", READS_2D)
def test_2d_slices(expr):
    a = np.arange(40.0).reshape(5, 8)
    _check_read(expr, a, i=2, j=6, k=2)
    _check_read(expr, np.asfortranarray(a), i=2, j=6, k=2)
    _check_read(expr, a[::-1, 1:], i=0, j=5, k=3)


@pytest.mark.parametrize("expr", READS_3D)
def test_3d_slices(expr):
    _check_read(expr, np.arange(60).reshape(3, 4, 5), i=1, j=2)


def test_slices_of_slices_and_loops_over_them():
    py = make_function("""
        def f(a):
            s = 0.0
            b = a[1:-1]
            for row in b[::2]:
                for v in row[1:]:
                    s += v
            return s, b[0, :2]
    """)
    a = np.arange(30.0).reshape(6, 5)
    total, head = njit(py)(a)
    e_total, e_head = py(a)
    assert total == e_total
    np.testing.assert_array_equal(head, e_head)
    assert head.base is a or np.shares_memory(head, a)


ASSIGNMENTS = [
    ("a[1:4] = 7", np.arange(10.0)),
    ("a[::2] = -1", np.arange(10)),
    ("a[::-3] = b[:4]", np.arange(10.0)),
    ("a[:, 0] = b[:3]", np.arange(12.0).reshape(3, 4)),
    ("a[1] = b[:4]", np.arange(12.0).reshape(3, 4)),
    ("a[1] = 0", np.arange(12.0).reshape(3, 4)),
    ("a[:, 1:3] = b[:2]", np.arange(12.0).reshape(3, 4)),
    ("a[1:] = a[:-1]", np.arange(10.0)),
    ("a[:-1] = a[1:]", np.arange(10.0)),
    ("a[::-1] = a", np.arange(10.0)),
    ("a[1:3, :] = a[0]", np.arange(12.0).reshape(3, 4)),
    ("a[:] = b[:10]", np.arange(10, dtype=np.int32)),
    ("a[2:2] = b[:0]", np.arange(10.0)),
]


@pytest.mark.parametrize("stmt, start", ASSIGNMENTS, ids=[s for s, _ in ASSIGNMENTS])
def test_slice_assignment_with_broadcasting(stmt, start):
    py = make_function(f"""
        def f(a, b):
            {stmt}
    """)
    b = np.linspace(-5, 5, 10)
    expected, got = start.copy(), start.copy()
    py(expected, b)
    njit(py)(got, b)
    np.testing.assert_array_equal(got, expected)


def test_slices_of_arrays_made_inside_keep_their_memory_alive():
    f = njit(make_function("""
        def f(n):
            a = np.zeros((n, n))
            for i in range(n):
                a[i, i:] = i + 1
            return a[1:, ::-1], a[0]
    """))
    gc.collect()
    before = _core.memory_stats()
    lower, first = f(4)
    ref = np.zeros((4, 4))
    for i in range(4):
        ref[i, i:] = i + 1
    np.testing.assert_array_equal(lower, ref[1:, ::-1])
    np.testing.assert_array_equal(first, ref[0])
    del lower
    gc.collect()
    np.testing.assert_array_equal(first, ref[0])  # still alive through `first`
    del first
    gc.collect()
    after = _core.memory_stats()
    assert after["allocated"] - after["freed"] == before["allocated"] - before["freed"]


def test_zero_step_and_bad_broadcasts_raise_value_error():
    step = njit(make_function("""
        def f(a, k):
            return a[::k]
    """))
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        step(np.arange(5.0), 0)
    bad = njit(make_function("""
        def f(a, b):
            a[0:3] = b
    """))
    with pytest.raises(ValueError, match="could not broadcast"):
        bad(np.zeros(5), np.ones(4))
    with pytest.raises(ValueError, match="could not broadcast"):
        bad(np.zeros(5), np.ones((2, 3)))


def test_slice_bounds_must_be_integers_and_read_only_views_stay_read_only():
    f = njit(make_function("""
        def f(a, x):
            return a[x:]
    """))
    with pytest.raises(TypingError, match="slice start must be an integer or None"):
        f(np.zeros(3), 1.5)
    g = njit(make_function("""
        def g(a):
            a[1:] = 0
    """))
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(TypingError, match="cannot write to 'a'"):
        g(ro)
    h = njit(make_function("""
        def h(a):
            return a[1:]
    """))
    assert not h(ro).flags.writeable


def test_slices_work_in_ufunc_kernels():
    from jitufunc import guvectorize

    py = make_function("""
        def k(x, out):
            out[0] = x[1:][0] + x[::-2].sum()
    """)
    g = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(py)
    x = np.arange(15.0).reshape(3, 5)
    np.testing.assert_array_equal(g(x), [py(r, o := np.zeros(1)) or o[0] for r in x])


NEWAXIS_READS = [
    "a[None]", "a[:, None]", "a[..., None]", "a[None, 1, np.newaxis, ::2]", "a[..., 1]",
    "a[1, ...]", "a[...]", "a[0, 1, ...]", "a[i, None]", "a[None, ..., None]", "a[::-1, None, j:]",
    "a[np.newaxis, np.newaxis]", "a[..., ::-2][None]",
]


@pytest.mark.parametrize("expr", NEWAXIS_READS)
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_none_and_ellipsis_make_the_views_numpy_makes(expr, layout):
    base = np.arange(3.0 * 4 * 5).reshape(3, 4, 5)[:, :, 1]
    a = {"C": np.ascontiguousarray(base), "F": np.asfortranarray(base), "strided": base}[layout]
    _check_read(expr, a, i=1, j=2, k=1)


@pytest.mark.parametrize("stmt", [
    "a[..., 0] = 7", "a[None, 1] = 5", "a[..., ::2] = a[..., 1::2]", "a[0, ...] = -1",
    "a[:, None] = a[:, 1:2, None]",
])
def test_assignment_through_none_and_ellipsis(stmt):
    py = make_function(f"""
        def f(a):
            {stmt}
            return a
    """)
    a = np.arange(12.0).reshape(3, 4)
    expected = py(a.copy())
    got = njit(py)(a.copy())
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("expr, pattern", [
    ("a[..., ...]", "single ellipsis"),
    ("a[0, 1, 2, None]", "too many indices"),
])
def test_bad_none_and_ellipsis_indices_are_clear_errors(expr, pattern):
    f = njit(make_function(f"""
        def f(a):
            return {expr}
    """))
    with pytest.raises(TypingError, match=pattern):
        f(np.zeros((2, 2)))


def test_none_and_ellipsis_work_in_ufunc_kernels():
    from jitufunc import guvectorize

    py = make_function("""
        def g(x, out):
            out[0] = x[None][0, 0] + x[..., 1]
    """)
    g = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(py)
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(g(x), [py(r, o := np.zeros(1)) or o[0] for r in x])