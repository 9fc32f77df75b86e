"""Reshaping and array-making functions in @jit functions, compared with
the Python function run by NumPy: a.reshape / np.reshape (ints, tuples, one
-1; views of C-contiguous arrays, C-order values for any layout; NumPy's
ValueErrors), a.ravel / np.ravel / a.flatten, np.empty_like / zeros_like /
ones_like / full_like, np.eye / np.identity, np.linspace, np.array /
np.asarray of tuples, lists and arrays, and flat memory when all of these
run in long loops."""

import functools
import gc
import resource
import sys

import numpy as np
import pytest

from conftest import ALL_DTYPES, make_function
from jitufunc import _core, njit

DTYPE_IDS = lambda d: np.dtype(d).name  # noqa: E731


# ---------------------------------------------------------------- helpers


@functools.cache
def compiled(source):
    """(Python function, @njit dispatcher) for ``source``, built once per
    source text so parametrized cases share the compiled specialisations."""
    py = make_function(source)
    return py, njit(py)


def returning(expr, params):
    return compiled(f"def f({params}):\n    return {expr}\n")


def check_same(got, expected):
    """An ndarray with NumPy's dtype, shape and values."""
    assert type(got) is np.ndarray, type(got)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)


def values(shape, dtype=np.float64):
    """A C-contiguous array of distinct values (so any element-order
    mistake shows), or alternating ones for bool."""
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        v = i % 3 != 1
    elif dt.kind in "iu":
        v = i + 1
    elif dt.kind == "f":
        v = (i + 1) * 1.5
    else:
        v = (i + 1) * 1.5 - 0.5j * i
    return v.astype(dt).reshape(shape).copy()  # owns its data: views have it as base


def laid_out(base, layout):
    """An array equal to ``base`` in ``layout``: "C" (a fresh C-contiguous
    copy), "F" (Fortran order), "step" (every second element of a wider
    array on the last axis), "reversed" (negative strides on every axis),
    "swapped" (axes 0 and 1 of a C array swapped: neither C nor F)."""
    if layout == "C":
        return base.copy()
    if layout == "F":
        out = np.asfortranarray(base)
        assert out.ndim < 2 or not out.flags.c_contiguous
        return out
    if layout == "step":
        wide = np.zeros(base.shape[:-1] + (2 * base.shape[-1],), base.dtype)
        wide[..., ::2] = base
        return wide[..., ::2]
    if layout == "reversed":
        return np.flip(np.flip(base).copy())
    if layout == "swapped":
        return np.ascontiguousarray(base.swapaxes(0, 1)).swapaxes(0, 1)
    raise AssertionError(layout)


def input_ids(inputs):
    """Test ids such as "3x4-F" and "0d-C" for (shape, layout) pairs."""
    return ["x".join(map(str, shape)) + ("" if shape else "0d") + f"-{layout}" for shape, layout in inputs]


def live_blocks():
    gc.collect()
    s = _core.memory_stats()
    return s["allocated"] - s["freed"]


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------- reshape: values

# All of size 24; n = 4, m = 6 at run time.
RESHAPES = [
    "a.reshape(-1)", "a.reshape(24)", "a.reshape((24,))", "a.reshape(4, 6)", "a.reshape((4, 6))",
    "a.reshape(3, -1)", "a.reshape((-1, 2))", "a.reshape(2, 3, 4)", "a.reshape((2, -1, 3))",
    "a.reshape(1, 24)", "a.reshape(24, 1)", "a.reshape(2, 2, 2, 3)",
    "a.reshape(n, m)", "a.reshape((n, m))", "a.reshape((n, -1))", "a.reshape(-1, m)", "a.reshape(m, 2, -1)",
    "a.reshape(a.shape)", "a.reshape(a.size)", "a.reshape(len(a), -1)",
    "np.reshape(a, (6, 4))", "np.reshape(a, -1)", "np.reshape(a, (n, -1))",
    "np.reshape(a, (2, m, 2))",
]

INPUTS = [
    ((24,), "C"), ((24,), "step"), ((24,), "reversed"),
    ((4, 6), "C"), ((4, 6), "F"), ((4, 6), "step"), ((4, 6), "reversed"),
    ((2, 3, 4), "C"), ((2, 3, 4), "F"), ((2, 3, 4), "step"), ((2, 3, 4), "reversed"), ((2, 3, 4), "swapped"),
]


@pytest.mark.parametrize("shape, layout", INPUTS, ids=input_ids(INPUTS))
@pytest.mark.parametrize("expr", RESHAPES)
def test_reshape_matches_numpy(expr, shape, layout):
    """Values in NumPy's C order for every layout (a copy is allowed for
    non-contiguous inputs, so only values, dtype and shape are compared)."""
    py, f = returning(expr, "a, n, m")
    a = laid_out(values(shape), layout)
    before = a.copy()
    got = f(a, 4, 6)
    check_same(got, py(a, 4, 6))
    np.testing.assert_array_equal(a, before)
    if layout == "C":
        assert np.shares_memory(got, a), "a reshape of a C-contiguous array is a view"


DTYPE_INPUTS = [
    ((24,), "C"), ((24,), "reversed"), ((3, 8), "C"), ((3, 8), "F"), ((2, 3, 4), "C"), ((2, 3, 4), "step"),
]


@pytest.mark.parametrize("shape, layout", DTYPE_INPUTS, ids=input_ids(DTYPE_INPUTS))
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
def test_reshape_of_every_dtype(dtype, shape, layout):
    py, f = returning("a.reshape(4, 6), a.reshape(-1), np.reshape(a, (2, 3, -1)), a.reshape((12, 2))", "a")
    a = laid_out(values(shape, dtype), layout)
    got, expected = f(a), py(a)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        check_same(g, e)


@pytest.mark.parametrize("shape, expr, args", [
    ((0,), "a.reshape(-1, m)", (0, 5)),
    ((0,), "a.reshape(n, m)", (0, 3)),
    ((0,), "a.reshape(m, n, 2)", (0, 3)),
    ((0,), "a.reshape(-1)", (0, 0)),
    ((0, 4), "a.reshape(-1)", (0, 0)),
    ((0, 4), "a.reshape(m, 0)", (0, 2)),
    ((3, 0), "a.reshape(m, -1, 2)", (0, 2)),
    ((), "a.reshape(-1)", (0, 0)),
    ((), "a.reshape(1)", (0, 0)),
    ((), "a.reshape(1, 1)", (0, 0)),
    ((), "a.reshape(())", (0, 0)),
    ((1,), "a.reshape(())", (0, 0)),
    ((1, 1), "np.reshape(a, ())", (0, 0)),
    ((1, 1, 1), "a.reshape(n)", (1, 0)),
])
def test_reshape_of_empty_0d_and_size_1_arrays(shape, expr, args):
    py, f = returning(expr, "a, n, m")
    a = values(shape)
    check_same(f(a, *args), py(a, *args))


@pytest.mark.parametrize("expr, index", [
    ("a.reshape(4, 6)", "b[1, 2]"),
    ("a.reshape((3, -1))", "b[2, 7]"),
    ("a.reshape(-1)", "b[13]"),
    ("a.reshape(n, -1)", "b[3, 5]"),
    ("a.reshape(2, 3, 4)", "b[1, 2, 3]"),
    ("np.reshape(a, (-1, 12))", "b[1, 0]"),
    ("np.reshape(a, 24)", "b[-1]"),
    ("a.ravel()", "b[5]"),
    ("np.ravel(a)", "b[23]"),
    ("a.reshape(2, 12).reshape(-1, 3).ravel()", "b[7]"),
    ("np.asarray(a)", "b[1, 1, 1]"),
])
@pytest.mark.parametrize("shape", [(24,), (4, 6), (2, 3, 4)], ids=["1d", "2d", "3d"])
def test_reshape_and_ravel_of_a_c_contiguous_array_are_views(expr, index, shape):
    """Writing through the result writes the argument, as in NumPy, and the
    returned result shares the argument's memory."""
    if expr == "np.asarray(a)":
        index = {1: "b[9]", 2: "b[1, 3]", 3: "b[1, 2, 3]"}[len(shape)]
    py, f = compiled(f"""
def f(a, n):
    b = {expr}
    {index} = -99.0
    return b
""")
    a_py, a_jit = values(shape), values(shape)
    expected = py(a_py, 4)
    got = f(a_jit, 4)
    check_same(got, expected)
    np.testing.assert_array_equal(a_jit, a_py)  # the write reached the argument
    assert np.shares_memory(got, a_jit)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.complex64, np.bool_], ids=DTYPE_IDS)
def test_views_of_arrays_made_inside_share_their_memory(dtype):
    py, f = compiled("""
def f(n):
    a = np.zeros(n * 6, DT)
    b = a.reshape(n, 6)
    b[1, 2] = 1
    c = np.reshape(b, (2, -1))
    c[1, 0] = 1
    d = c.ravel()
    d[-1] = 1
    return a, b, c, d
""".replace("DT", f"np.{np.dtype(dtype).name}"))
    got, expected = f(4), py(4)
    for g, e in zip(got, expected):
        check_same(g, e)
    a, b, c, d = got
    assert np.shares_memory(a, b) and np.shares_memory(a, c) and np.shares_memory(a, d)
    b[0, 0] = 1  # and still after they are returned
    assert a[0] == 1 and d[0] == 1


def test_reshape_chains_on_arange_and_loops_over_rows():
    py, f = compiled("""
def f(n, k):
    m = np.arange(n * k).reshape(n, k)
    s = 0
    for row in m.reshape(k, -1):
        for x in row:
            s += x * len(row)
    t = np.arange(2.0 * n * k).reshape((2, n, k)).reshape(-1, 2)
    return s, t, m.T.reshape(-1)
""")
    for n, k in [(3, 4), (1, 5), (6, 1), (0, 3)]:
        got, expected = f(n, k), py(n, k)
        assert got[0] == expected[0]
        check_same(got[1], expected[1])
        check_same(got[2], expected[2])


@pytest.mark.parametrize("expr", ["a.reshape(-1)", "a.ravel()", "np.asarray(a)", "np.reshape(a, (2, 12))"])
def test_returned_views_of_arguments_hold_a_reference_and_stay_read_only(expr):
    py, f = returning(expr, "a")
    a = values((4, 6))
    refs = sys.getrefcount(a)
    view = f(a)
    check_same(view, py(a))
    assert sys.getrefcount(a) > refs  # the view keeps its argument alive
    del view
    gc.collect()
    assert sys.getrefcount(a) == refs
    ro = values((4, 6))
    ro.flags.writeable = False
    assert not f(ro).flags.writeable


# ----------------------------------------------------- reshape: errors


SIZE = "cannot reshape array of size 24"
UNKNOWN = "can only specify one unknown dimension"


@pytest.mark.parametrize("expr, args, good, pattern", [
    ("a.reshape(n, m)", (5, 5), (4, 6), SIZE),
    ("a.reshape((n, m))", (7, 3), (8, 3), SIZE),
    ("np.reshape(a, (n, m))", (4, 7), (12, 2), SIZE),
    ("a.reshape(n)", (25, 0), (24, 0), SIZE),
    ("a.reshape(n, m)", (0, 24), (1, 24), SIZE),
    ("a.reshape(n, -1)", (5, 0), (3, 0), SIZE),
    ("a.reshape(-1, m)", (0, 0), (0, 2), SIZE),
    ("a.reshape(5, -1)", (0, 0), None, SIZE),
    ("a.reshape(2, 3, 5)", (0, 0), None, SIZE),
    ("a.reshape(n, m)", (-1, -1), (-1, 3), UNKNOWN),
    ("a.reshape((n, 2, m))", (-1, -1), (2, -1), UNKNOWN),
    ("np.reshape(a, (n, m))", (-1, -1), (-1, 1), UNKNOWN),
    ("a.reshape(-1, -1)", (0, 0), None, UNKNOWN),
])
def test_bad_reshapes_raise_numpys_value_error(expr, args, good, pattern):
    """Raised when called (the shape is known then), with NumPy's message;
    the function still works for a shape that fits."""
    py, f = returning(expr, "a, n, m")
    a = values((4, 6))
    with pytest.raises(ValueError, match=pattern):
        py(a, *args)  # the test's premise: NumPy says so
    with pytest.raises(ValueError, match=pattern):
        f(a, *args)
    if good is not None:
        check_same(f(a, *good), py(a, *good))


def test_reshape_of_an_empty_array_with_an_unknown_dimension_raises():
    py, f = returning("a.reshape(n, -1)", "a, n")
    a = np.zeros(0)
    with pytest.raises(ValueError, match="cannot reshape array of size 0"):
        py(a, 0)
    with pytest.raises(ValueError, match="cannot reshape array of size 0"):
        f(a, 0)


def test_a_failed_reshape_releases_the_arrays_made_before_it():
    py, f = compiled("""
def f(n, m):
    a = np.ones(12)
    b = a.reshape(3, 4)
    c = b.reshape(n, m)
    return a, c
""")
    before = live_blocks()
    for _ in range(100):
        with pytest.raises(ValueError, match="cannot reshape array of size 12"):
            f(5, 5)
    assert live_blocks() == before
    a, c = f(2, 6)
    check_same(c, py(2, 6)[1])
    del a, c
    assert live_blocks() == before


# ----------------------------------------------------- ravel / flatten

RAVELS = ["a.ravel()", "np.ravel(a)", "a.flatten()"]
RAVEL_INPUTS = [
    ((), "C"), ((7,), "C"), ((7,), "step"), ((7,), "reversed"), ((0,), "C"),
    ((3, 5), "C"), ((3, 5), "F"), ((3, 5), "step"), ((3, 5), "reversed"), ((0, 4), "C"),
    ((2, 3, 4), "C"), ((2, 3, 4), "F"), ((2, 3, 4), "swapped"), ((2, 3, 4), "step"),
]


@pytest.mark.parametrize("shape, layout", RAVEL_INPUTS, ids=input_ids(RAVEL_INPUTS))
@pytest.mark.parametrize("expr", RAVELS)
def test_ravel_and_flatten_give_c_order(expr, shape, layout):
    py, f = returning(expr, "a")
    a = laid_out(values(shape), layout)
    got = f(a)
    check_same(got, py(a))
    if expr == "a.flatten()" and a.size:
        assert not np.shares_memory(got, a)
    elif layout == "C" and a.size:
        assert np.shares_memory(got, a), "a ravel of a C-contiguous array is a view"


@pytest.mark.parametrize("layout", ["C", "F", "reversed"])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
def test_ravel_and_flatten_of_every_dtype(dtype, layout):
    py, f = returning("a.ravel(), np.ravel(a), a.flatten()", "a")
    a = laid_out(values((3, 4), dtype), layout)
    for g, e in zip(f(a), py(a)):
        check_same(g, e)


@pytest.mark.parametrize("layout", ["C", "F", "step", "reversed"])
@pytest.mark.parametrize("shape", [(12,), (3, 4), (2, 3, 2)], ids=["1d", "2d", "3d"])
def test_flatten_is_always_a_copy(shape, layout):
    py, f = compiled("""
def f(a):
    b = a.flatten()
    b[0] = -1.0
    b[-1] = -2.0
    return b
""")
    a_py, a_jit = laid_out(values(shape), layout), laid_out(values(shape), layout)
    expected = py(a_py)
    got = f(a_jit)
    check_same(got, expected)
    np.testing.assert_array_equal(a_jit, values(shape))  # the argument is unchanged
    assert not np.shares_memory(got, a_jit)
    assert got.flags.c_contiguous and got.flags.writeable


def test_flatten_of_an_array_made_inside_is_a_copy():
    py, f = compiled("""
def f(n):
    a = np.ones((n, 3))
    b = a.flatten()
    b[1] = 5.0
    c = a.ravel()
    c[0] = 7.0
    return a, b, c
""")
    got, expected = f(4), py(4)
    for g, e in zip(got, expected):
        check_same(g, e)
    a, b, c = got
    assert not np.shares_memory(a, b) and np.shares_memory(a, c)


# ----------------------------------------------------- *_like

LIKES = [
    "np.zeros_like(a)", "np.ones_like(a)", "np.full_like(a, 7)", "np.full_like(a, 2.5)",
    "np.full_like(a, v)", "np.full_like(a, True)",
]
LIKES_WITH_DTYPE = [
    "np.zeros_like(a, dtype=np.float32)", "np.ones_like(a, dtype=np.int8)", "np.ones_like(a, np.uint32)",
    "np.full_like(a, 3, dtype=np.complex64)", "np.full_like(a, v, dtype=np.int16)",
    "np.full_like(a, 7, np.uint16)", "np.zeros_like(a, dtype=bool)", "np.ones_like(a, dtype=float)",
    "np.full_like(a, v, dtype=complex)",
]
LIKE_INPUTS = [
    ((), "C"), ((5,), "C"), ((5,), "reversed"), ((0,), "C"), ((3, 4), "C"), ((3, 4), "F"),
    ((3, 4), "step"), ((0, 3), "C"), ((2, 3, 4), "F"), ((2, 3, 4), "swapped"),
]


def _check_like(expr, a, v=2.75):
    py, f = returning(expr, "a, v")
    expected = py(a, v)
    got = f(a, v)
    check_same(got, expected)
    assert got.flags.writeable
    if a.size:
        assert not np.shares_memory(got, a)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("expr", LIKES)
def test_like_functions_keep_the_dtype(expr, dtype):
    _check_like(expr, values((3, 4), dtype))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.float32, np.complex128], ids=DTYPE_IDS)
@pytest.mark.parametrize("expr", LIKES_WITH_DTYPE)
def test_like_functions_with_a_dtype(expr, dtype):
    _check_like(expr, values((3, 4), dtype))


@pytest.mark.parametrize("shape, layout", LIKE_INPUTS, ids=input_ids(LIKE_INPUTS))
@pytest.mark.parametrize("expr", LIKES + LIKES_WITH_DTYPE[:4])
def test_like_functions_keep_the_shape(expr, shape, layout):
    _check_like(expr, laid_out(values(shape, np.float64), layout))


@pytest.mark.parametrize("shape, layout", LIKE_INPUTS, ids=input_ids(LIKE_INPUTS))
@pytest.mark.parametrize("expr", [
    "np.empty_like(a)", "np.empty_like(a, dtype=np.float32)", "np.empty_like(a, np.int8)",
])
@pytest.mark.parametrize("dtype", [np.float64, np.complex64], ids=DTYPE_IDS)
def test_empty_like_has_the_shape_and_dtype(expr, shape, layout, dtype):
    py, f = returning(expr, "a")
    a = laid_out(values(shape, dtype), layout)
    got, expected = f(a), py(a)
    assert type(got) is np.ndarray
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got, expected)
    assert got.flags.writeable
    if a.size:
        assert not np.shares_memory(got, a)


def test_like_arrays_are_new_arrays_that_can_be_written():
    py, f = compiled("""
def f(a):
    z = np.zeros_like(a)
    o = np.ones_like(a)
    e = np.empty_like(a)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            z[i, j] = a[i, j] * 2
            e[i, j] = z[i, j] + o[i, j]
    o[0, 0] = -1.0
    return z, o, e, a
""")
    a = laid_out(values((3, 4)), "F")
    got, expected = f(a), py(a)
    for g, e in zip(got, expected):
        check_same(g, e)


# ----------------------------------------------------- eye / identity

EYES = [
    "np.eye(n)", "np.eye(n, m)", "np.eye(n, m, k)", "np.eye(n, k=k)", "np.eye(n, m, k=k)", "np.eye(n, M=m)",
    "np.eye(n, M=m, k=k)", "np.eye(n, dtype=np.int32)", "np.eye(n, m, k, dtype=np.bool_)",
    "np.eye(n, m, k, np.uint8)", "np.eye(n, m, dtype=np.complex64)", "np.eye(n, dtype=int)",
    "np.identity(n)", "np.identity(n, dtype=np.int8)", "np.identity(n, np.float32)", "np.identity(n, dtype=bool)",
]
NMK = [
    (0, 0, 0), (0, 3, 1), (2, 0, 0), (1, 1, 0), (1, 4, 2), (3, 3, 0), (3, 5, 1), (3, 5, -1), (5, 3, 2), (5, 3, -2),
    (4, 4, 3), (4, 4, -3), (4, 4, 4), (4, 4, -4), (3, 5, 7), (3, 5, -7), (2, 6, 5), (6, 2, -5),
]


@pytest.mark.parametrize("n, m, k", NMK, ids=[f"{n}x{m}k{k}" for n, m, k in NMK])
@pytest.mark.parametrize("expr", EYES)
def test_eye_and_identity_match_numpy(expr, n, m, k):
    py, f = returning(expr, "n, m, k")
    check_same(f(n, m, k), py(n, m, k))


@pytest.mark.parametrize("expr", ["np.eye(3)", "np.eye(3, 5, -1)", "np.eye(4, 2, k=1)", "np.identity(0)",
                                  "np.eye(2, 3, 1, np.int16)", "np.identity(3, np.complex128)"])
def test_eye_and_identity_with_constant_arguments(expr):
    py, f = returning(expr, "")
    got = f()
    check_same(got, py())
    assert got.flags.writeable


def test_eye_with_a_negative_size_raises_value_error():
    py, f = returning("np.eye(n), np.identity(n)", "n")
    with pytest.raises(ValueError):
        py(-1)
    with pytest.raises(ValueError, match="negative dimensions"):
        f(-1)


# ----------------------------------------------------- linspace

LINSPACES = [
    "np.linspace(a, b, n)", "np.linspace(a, b, num=n)", "np.linspace(a, b, n, endpoint=False)",
    "np.linspace(a, b, n, endpoint=True)", "np.linspace(a, b, num=n, endpoint=False)",
]
BOUNDS = [(0, 1), (2, 10), (10, -2), (-3.5, 7.25), (0.1, 0.7), (5.0, -5.0), (2, 7.5), (3.0, 3.0)]
NUMS = [0, 1, 2, 5, 50]


def _check_linspace(got, expected, endpoint):
    assert type(got) is np.ndarray
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    # NumPy computes start + i * step; a value that cancels to ~0 must too.
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    if got.size:
        assert got[0] == expected[0]
        if endpoint:
            assert got[-1] == expected[-1]


@pytest.mark.parametrize("num", NUMS)
@pytest.mark.parametrize("a, b", BOUNDS)
@pytest.mark.parametrize("expr", LINSPACES)
def test_linspace_matches_numpy(expr, a, b, num):
    py, f = returning(expr, "a, b, n")
    _check_linspace(f(a, b, num), py(a, b, num), "endpoint=False" not in expr)


@pytest.mark.parametrize("a, b", BOUNDS)
def test_linspace_defaults_to_50_points(a, b):
    py, f = returning("np.linspace(a, b)", "a, b")
    got = f(a, b)
    assert got.shape == (50,)
    _check_linspace(got, py(a, b), True)


@pytest.mark.parametrize("num", NUMS)
@pytest.mark.parametrize("a, b", BOUNDS)
@pytest.mark.parametrize("expr", ["np.linspace(a, b, n, dtype=np.int64)",
                                  "np.linspace(a, b, n, endpoint=False, dtype=np.int64)"])
def test_linspace_to_int64_floors_like_numpy(expr, a, b, num):
    py, f = returning(expr, "a, b, n")
    check_same(f(a, b, num), py(a, b, num))


@pytest.mark.parametrize("expr, endpoint", [
    ("np.linspace(0, 1, 11)", True), ("np.linspace(-1.0, 1.0, 3, endpoint=False)", False),
    ("np.linspace(2, 3, 0)", True), ("np.linspace(1, 0)", True), ("np.linspace(0.0, 1e6, 7)", True),
])
def test_linspace_with_constant_arguments(expr, endpoint):
    py, f = returning(expr, "")
    _check_linspace(f(), py(), endpoint)


def test_linspace_with_a_negative_num_raises_value_error():
    py, f = returning("np.linspace(a, b, n)", "a, b, n")
    with pytest.raises(ValueError, match="must be non-negative"):
        py(0.0, 1.0, -1)
    with pytest.raises(ValueError, match="must be non-negative"):
        f(0.0, 1.0, -1)


# ----------------------------------------------------- np.array / np.asarray

ARRAY_LITERALS = [
    "np.array((1, 2, 3))", "np.array((1.0, 2.0, 3.5))", "np.array(((1.0, 2.0), (3.0, 4.0)))",
    "np.array([1, 2, 3])", "np.array([[1, 2], [3, 4]])", "np.array([1, 2.5, 3])", "np.array([[1, 2.5], [3, 4]])",
    "np.array((True, False, True))", "np.array([True, 2])", "np.array([1, 2j])", "np.array((7,))",
    "np.array((((1, 2), (3, 4)), ((5, 6), (7, 8))))", "np.array([(1, 2), (3, 4), (5, 6)])",
    "np.array((1, 2, 3), dtype=np.float32)", "np.array([[1, 2], [3, 4]], dtype=np.int8)",
    "np.array([1.5, 2.5, -3.5], dtype=np.int32)", "np.array(((1, 0), (2, 3)), dtype=np.bool_)",
    "np.array([1, 2], dtype=complex)", "np.array([-1, 2.5], dtype=np.float16)", "np.array((1, 2), np.uint64)",
    "np.asarray((1, 2, 3))", "np.asarray([[1.0, 2.0]])", "np.asarray([1, 2], dtype=np.uint16)",
    "np.asarray(((1, 2), (3, 4)), dtype=np.complex64)",
]


@pytest.mark.parametrize("expr", ARRAY_LITERALS)
def test_array_of_constant_tuples_and_lists(expr):
    py, f = returning(expr, "")
    got = f()
    check_same(got, py())
    assert got.flags.writeable and got.flags.c_contiguous


# Arguments: i, j Python ints, x a float, z a complex, p a bool, s a
# np.float32 and t a np.int8.
ARRAY_OF_VALUES = [
    "np.array((i, j))", "np.array([i, x])", "np.array([[x, x], [i, j]])", "np.array((i, j), dtype=np.float32)",
    "np.array([x, z])", "np.array((p, p))", "np.array((p, i))", "np.asarray([x, 2 * x, x + i])",
    "np.array((s, s))", "np.array((t, t, t))", "np.array((s, 1))", "np.array((t, 1))", "np.array((s, x))",
    "np.array([[i, j, i], [j, i, j]], dtype=np.int16)", "np.asarray((x, x), dtype=np.int64)",
    "np.array(((z, x), (i, p)))",
]


@pytest.mark.parametrize("expr", ARRAY_OF_VALUES)
def test_array_of_tuples_and_lists_of_values(expr):
    """NumPy's dtype discovery: Python ints are int64, floats float64,
    NumPy scalars keep their dtype (np.array((np.float32(1), 1)) is
    float64: Python ints are not weak here)."""
    py, f = returning(expr, "i, j, x, z, p, s, t")
    for args in [(3, -4, 2.5, 1 - 2j, True, np.float32(1.25), np.int8(-7)),
                 (0, 1, -0.5, 3j, False, np.float32(-2.0), np.int8(100))]:
        check_same(f(*args), py(*args))


def test_arrays_of_tuples_are_new_arrays_each_call():
    py, f = compiled("""
def f(x):
    a = np.array((x, 2.0, 3.0))
    a[0] += 1.0
    b = np.asarray([[x, x], [x, x]])
    b[1, 1] = a[0]
    return a, b
""")
    first = f(1.0)
    second = f(1.0)
    for g, e in zip(second, py(1.0)):
        check_same(g, e)
    assert not np.shares_memory(first[0], second[0])


ARRAY_INPUTS = [
    ((6,), "C"), ((6,), "step"), ((6,), "reversed"), ((3, 4), "C"), ((3, 4), "F"), ((3, 4), "step"),
    ((3, 4), "reversed"), ((2, 3, 4), "C"), ((2, 3, 4), "F"), ((2, 3, 4), "swapped"), ((2, 3, 4), "reversed"),
]


@pytest.mark.parametrize("shape, layout", ARRAY_INPUTS, ids=input_ids(ARRAY_INPUTS))
def test_asarray_of_an_array_is_that_array(shape, layout):
    index = {1: "b[1]", 2: "b[1, 2]", 3: "b[1, 2, 3]"}[len(shape)]
    py, f = compiled(f"""
def f(a):
    b = np.asarray(a)
    {index} = -99.0
    return b
""")
    a_py, a_jit = laid_out(values(shape), layout), laid_out(values(shape), layout)
    expected = py(a_py)
    got = f(a_jit)
    check_same(got, expected)
    np.testing.assert_array_equal(a_jit, a_py)  # the write reached the argument
    assert np.shares_memory(got, a_jit)


@pytest.mark.parametrize("shape, layout", ARRAY_INPUTS, ids=input_ids(ARRAY_INPUTS))
def test_array_of_an_array_is_a_copy(shape, layout):
    index = {1: "b[1]", 2: "b[1, 2]", 3: "b[1, 2, 3]"}[len(shape)]
    py, f = compiled(f"""
def f(a):
    b = np.array(a)
    {index} = -99.0
    return b
""")
    a_py, a_jit = laid_out(values(shape), layout), laid_out(values(shape), layout)
    expected = py(a_py)
    got = f(a_jit)
    check_same(got, expected)
    np.testing.assert_array_equal(a_jit, values(shape))  # the argument is unchanged
    assert not np.shares_memory(got, a_jit)


@pytest.mark.parametrize("expr", ["np.array(a)", "np.asarray(a)", "np.array(a, dtype=np.float32)",
                                  "np.asarray(a, dtype=np.complex128)", "np.array(a, dtype=np.int16)"])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.float16, np.float64], ids=DTYPE_IDS)
def test_array_and_asarray_of_arrays_of_every_kind(expr, dtype):
    py, f = returning(expr, "a")
    for layout in ("C", "F"):
        a = laid_out(values((3, 4), dtype), layout)
        check_same(f(a), py(a))


# ----------------------------------------------------- memory

LOOPS = {
    "reshape-ravel": """
def f(a, n):
    s = 0.0
    for i in range(n):
        b = a.reshape(-1)
        c = np.reshape(a, (2, -1))
        d = a.ravel()
        e = a.flatten()
        t = np.arange(12.0).reshape(3, 4)
        r = t.ravel().reshape((2, 6))
        s += b[i % 12] + c[1, 0] + d[i % 5] + e[1] + t[2, 3] + r[1, i % 6]
    return s
""",
    "like": """
def f(a, n):
    s = 0.0
    for i in range(n):
        z = np.zeros_like(a)
        o = np.ones_like(a, dtype=np.int32)
        u = np.full_like(a, 2.0)
        e = np.empty_like(a)
        e[0, 0] = 1.0
        s += z[i % 3, 0] + o[1, 1] + u[0, i % 4] + e[0, 0]
    return s
""",
    "create": """
def f(a, n):
    s = 0.0
    for i in range(n):
        e = np.eye(3, 4, 1)
        d = np.identity(2)
        g = np.linspace(0.0, 1.0, 5)
        t = np.array((1.0, 2.0, a[0, 0]))
        u = np.asarray([[1, 2], [3, 4]])
        v = np.array(a)
        w = np.asarray(a)
        s += e[0, 1] + d[1, 1] + g[i % 5] + t[i % 3] + u[1, 0] + v[0, 1] + w[2, 3]
    return s
""",
}


@pytest.mark.parametrize("layout", ["C", "step"])
@pytest.mark.parametrize("body", list(LOOPS))
def test_memory_stays_flat_in_long_loops(body, layout):
    """200000 iterations: every temporary freed in its iteration (runtime
    block counts and RSS flat), no reference to the argument leaked."""
    py, f = compiled(LOOPS[body])
    a = laid_out(values((3, 4)), layout)
    assert f(a, 50) == py(a, 50)
    blocks = live_blocks()
    refs = sys.getrefcount(a)
    rss0 = max_rss_mb()
    s = f(a, 200_000)
    rss1 = max_rss_mb()
    assert live_blocks() == blocks
    assert sys.getrefcount(a) == refs
    assert rss1 - rss0 < 16, f"RSS grew {rss1 - rss0:.1f} MB"
    assert s == f(a, 200_000)  # the same again: nothing was freed too early
