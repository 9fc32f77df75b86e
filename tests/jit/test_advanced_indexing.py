"""Advanced indexing in @jit functions, compared with the Python function on
NumPy arrays: integer index arrays over the leading axes (`a[idx]`,
`a[i, j]`, any integer dtype, any shape, negative and repeated indices),
boolean masks (of the array's shape or of its leading axes), assignment
through both (scalars, broadcast arrays, overlapping values, dtype
conversions), `None`/`np.newaxis` and `...` in subscripts (views, reads and
writes), the clear compile errors of the unsupported forms (also in ufunc
kernels), and the runtime's memory over long loops.

Every comparison runs the Python function and the compiled one on separate
copies of the arguments (views rebuilt with the same strides) and compares
the results (values, dtypes, shapes), the arguments afterwards (writes) and
the exceptions (class, and NumPy's message where jitufunc promises it; it
may append context after NumPy's text, so the message must start with it).

Known differences with NumPy are asserted as such (index arrays of unequal,
broadcastable shapes are an IndexError; the message for a mask assignment
of the wrong number of values). Differences that look like bugs are
strict xfails whose reason starts with "bug:"."""

import functools
import gc
import math
import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ALL_DTYPES, INT_DTYPES, assert_clear_error, make_function, sample
from jitufunc import _core, guvectorize, njit
from jitufunc.errors import TypingError, UnsupportedError

DTYPE_IDS = lambda d: np.dtype(d).name  # noqa: E731


@functools.cache
def compiled(source):
    """The Python function of ``source`` and its dispatcher, made once per
    source text (the dispatcher keeps a specialisation per argument types)."""
    py = make_function(source)
    return py, njit(py)


# ---------------------------------------------------------------------------
# Helpers: arrays in given layouts, copies that keep strides, comparison


LAYOUTS = ["C", "F", "strided", "negative", "F-reversed"]


def place(values, layout):
    """An array equal to ``values`` (of its dtype and shape) laid out as
    ``layout``: C- or F-contiguous, every axis strided (step 2 inside a
    larger block), every axis reversed with step -2, or F-ordered with the
    first axis reversed."""
    values = np.asarray(values)
    shape = values.shape
    if layout == "C":
        return np.ascontiguousarray(values).copy()
    if layout == "F":
        return np.asfortranarray(values).copy()
    if layout == "strided":
        big = np.zeros(tuple(2 * s + 1 for s in shape), values.dtype)
        view = big[tuple(slice(1, None, 2) for _ in shape)]
    elif layout == "negative":
        big = np.zeros(tuple(2 * s for s in shape), values.dtype)
        view = big[tuple(slice(None, None, -2) for _ in shape)]
    elif layout == "F-reversed":
        big = np.zeros(shape, values.dtype, order="F")
        view = big[::-1] if shape else big
    else:
        raise ValueError(layout)
    view[...] = values
    assert view.shape == shape
    np.testing.assert_array_equal(view, values)
    return view


def make(dtype, shape, layout="C", seed=0):
    """Random values of ``dtype`` (see conftest.sample) in ``layout``."""
    return place(sample(dtype, shape, np.random.default_rng(seed)), layout)


def _copy_array(a):
    """A copy of ``a`` with the same shape, strides and writability: the
    contiguous block under it is copied and the view rebuilt over the copy
    (a reversed or strided view stays one)."""
    base = a
    while isinstance(base.base, np.ndarray):
        base = base.base
    if base.flags.c_contiguous or base.flags.f_contiguous:
        flat = base.reshape(-1, order="A").copy()
        offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        out = np.ndarray(a.shape, a.dtype, buffer=flat, offset=offset, strides=a.strides)
    else:
        out = a.copy(order="K")
    assert out.strides == a.strides
    out.flags.writeable = a.flags.writeable
    return out


def clone(x):
    """A deep copy of arguments (arrays keep their strides)."""
    if isinstance(x, np.ndarray):
        return _copy_array(x)
    if isinstance(x, tuple):
        return tuple(clone(v) for v in x)
    return x


def assert_same(got, expected, path="result"):
    """``got`` (from jitufunc) equals ``expected`` (from Python): tuples item
    by item, arrays by type, dtype, shape and values (NaNs in the same
    places), scalars as the Python scalar jitufunc returns for them."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), (path, got, expected)
        for k, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{path}[{k}]")
        return
    if expected is None:
        assert got is None, (path, got)
        return
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), (path, type(got), got, expected)
        assert got.dtype == expected.dtype, (path, got.dtype, expected.dtype)
        assert got.shape == expected.shape, (path, got.shape, expected.shape)
        np.testing.assert_array_equal(got, expected, err_msg=path)
        return
    kind = (bool if isinstance(expected, (bool, np.bool_)) else
            int if isinstance(expected, (int, np.integer)) else
            float if isinstance(expected, (float, np.floating)) else complex)
    assert type(got) is kind, (path, type(got), got, expected)
    if isinstance(expected, np.generic):
        expected = expected.item()
    assert got == expected or (kind is float and math.isnan(got) and math.isnan(expected)), (path, got, expected)


def assert_args_same(got, expected):
    """The arguments after the call: arrays with the same strides and
    values (writes included), everything else unchanged."""
    for k, (g, e) in enumerate(zip(got, expected, strict=True)):
        path = f"argument {k}"
        if isinstance(e, np.ndarray):
            assert g.dtype == e.dtype and g.strides == e.strides, path
            np.testing.assert_array_equal(g, e, err_msg=path)
        else:
            assert type(g) is type(e) and (g == e or g != g), (path, g, e)


def _arrays(x):
    if isinstance(x, np.ndarray):
        yield x
    elif isinstance(x, tuple):
        for v in x:
            yield from _arrays(v)


def run_jit(jf, *args):
    """Calls ``jf``; a Rust panic (a BaseException) becomes an
    AssertionError so that it fails (or xfails) the test cleanly."""
    try:
        return jf(*args)
    except Exception:
        raise
    except BaseException as e:  # pyo3's PanicException
        raise AssertionError(f"jitufunc panicked: {type(e).__name__}: {e}") from None


def check(source, *args, message="numpy", result="copy", write_through=False):
    """Calls the Python function and the compiled one, each on its own copy
    of ``args``: the same result or the same exception, and the arguments
    end up the same.

    ``message``: "numpy" (jitufunc's message starts with NumPy's), None
    (the class only: a documented difference of wording) or a regex that
    jitufunc's message must contain.
    ``result``: "copy" (result arrays share no memory with the arguments
    and are writeable), "view" (they share memory with an argument
    whenever NumPy's do, and have NumPy's strides on every axis longer than
    1), None (not checked).
    ``write_through``: also write through the returned arrays (both sides)
    and compare the arguments again: writes to views reach the argument,
    writes to copies do not."""
    py, jf = compiled(source)
    py_args, jit_args = clone(args), clone(args)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = py(*py_args)
        except Exception as e:  # noqa: BLE001 - compared below
            expected = e
    if isinstance(expected, Exception):
        with pytest.raises(Exception) as info:
            run_jit(jf, *jit_args)
        assert type(info.value) is type(expected), (type(info.value), info.value, expected)
        if message == "numpy":
            assert str(info.value).startswith(str(expected)), (str(info.value), str(expected))
        elif message is not None:
            assert re.search(message, str(info.value)), (message, str(info.value))
        assert_args_same(jit_args, py_args)
        return None
    got = run_jit(jf, *jit_args)
    assert_same(got, expected)
    assert_args_same(jit_args, py_args)
    for g, e in zip(_arrays(got), _arrays(expected)):
        if result == "copy":
            assert not any(np.shares_memory(g, a) for a in _arrays(jit_args)), "result is not a copy"
            assert g.flags.writeable
        elif result == "view" and e.size:
            for pa, ja in zip(_arrays(py_args), _arrays(jit_args)):
                assert np.shares_memory(g, ja) == np.shares_memory(e, pa), "view/copy differs from NumPy"
            # The stride of an axis of length 1 never moves the pointer:
            # NumPy gives a new axis stride 0 today but makes no promise
            # (it has changed between versions), and jitufunc may keep any
            # value there; only strides of longer axes are compared.
            for axis, n in enumerate(e.shape):
                if n > 1:
                    assert g.strides[axis] == e.strides[axis], (axis, g.strides, e.strides)
    if write_through:
        for g, e in zip(_arrays(got), _arrays(expected)):
            g[...] = 3
            e[...] = 3
        assert_args_same(jit_args, py_args)
    return got


def scalar_for(dtype):
    """A Python scalar to store into an array of ``dtype``."""
    return {"b": True, "i": -7, "u": 7, "f": 2.5, "c": 1.5 - 2j}[np.dtype(dtype).kind]


READ = """
    def f(a, i):
        return a[i]
"""
READ2 = """
    def f(a, i, j):
        return a[i, j]
"""
READ3 = """
    def f(a, i, j, k):
        return a[i, j, k]
"""

# ---------------------------------------------------------------------------
# 1. Integer index arrays

SHAPES = {1: (4,), 2: (4, 3), 3: (4, 2, 3)}

TAKE_INDICES = {
    "list": [1, 3, 0],
    "negative": [-1, -4, 2],
    "repeated": [2, 2, -2, 2],
    "one": [3],
    "empty": np.zeros(0, np.int64),
    "2d": [[0, -1], [3, 1], [2, 2]],
    "3d": [[[0], [1]], [[-1], [2]]],
}


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_take_every_dtype_and_layout(dtype, layout, ndim):
    a = make(dtype, SHAPES[ndim], layout)
    for name, idx in TAKE_INDICES.items():
        got = check(READ, a, np.array(idx, np.int64))
        assert got is not None, name


@pytest.mark.parametrize("idx_dtype", INT_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("idx_layout", ["C", "strided", "negative", "F"])
@pytest.mark.parametrize("a_dtype", [np.float64, np.int16, np.complex64])
def test_index_arrays_of_every_integer_dtype_and_layout(idx_dtype, idx_layout, a_dtype):
    signed = np.dtype(idx_dtype).kind == "i"
    a = make(a_dtype, (5, 3), "strided")
    cases = [[[3, 0], [4, 1], [0, 0]], [[1, 2, 2]]]
    if signed:
        cases += [[[-1, -5], [0, -2]]]
    for values in cases:
        idx = place(np.array(values, idx_dtype), idx_layout)
        check(READ, a, idx)
        check(READ, a, idx[0])  # 1-d (a view of the 2-d index array)
        check(READ2, a, idx, idx[::-1] % np.array(3, idx_dtype))


@pytest.mark.parametrize("values, idx_dtype", [
    ([2**64 - 1, 0], np.uint64),   # cast to intp as NumPy does: -1
    ([2**63], np.uint64),           # -2**63: out of bounds with NumPy's number
    ([255], np.uint8),
    ([2**32 - 1], np.uint32),
    ([-128], np.int8),
    ([127], np.int8),
], ids=["u64-max", "u64-2**63", "u8-255", "u32-max", "i8-min", "i8-max"])
def test_extreme_index_values_are_cast_and_checked_as_numpy_does(values, idx_dtype):
    check(READ, np.arange(10.0), np.array(values, idx_dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_two_index_arrays_on_2d(dtype, layout):
    a = make(dtype, (4, 5), layout)
    check(READ2, a, np.array([0, 3, -1, 3]), np.array([4, -5, 2, 4]))
    check(READ2, a, np.array([[0, 1], [2, 3]], np.int8), np.array([[4, 3], [2, 1]], np.uint16))
    check(READ2, a, np.zeros(0, np.int32), np.zeros(0, np.int32))
    check(READ2, a, np.zeros((2, 0), np.int64), np.zeros((2, 0), np.int64))


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int64, np.float16, np.float32, np.complex128],
                         ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_two_and_three_index_arrays_on_3d(dtype, layout):
    a = make(dtype, (3, 4, 5), layout)
    i, j, k = np.array([0, 2, -1, 0]), np.array([3, -4, 1, 3]), np.array([4, 0, -1, 2])
    check(READ2, a, i, j)
    check(READ2, a, i.reshape(2, 2), j.reshape(2, 2))
    check(READ3, a, i, j, k)
    check(READ3, a, i[::-1], j[::-1].astype(np.uint8), k.astype(np.int16).reshape(2, 2)[::-1].ravel())
    check(READ3, a, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


@pytest.mark.parametrize("source, args", [
    pytest.param(READ, (np.arange(10.0), np.array([10])), id="10-of-10"),
    pytest.param(READ, (np.arange(10.0), np.array([0, 3, -11, 2])), id="-11-of-10"),
    pytest.param(READ, (np.arange(10.0), np.array([[1, 2], [3, 12]], np.int16)), id="2d-index"),
    pytest.param(READ, (np.arange(10.0), np.array([200], np.uint8)), id="uint8"),
    pytest.param(READ, (np.arange(12).reshape(4, 3), np.array([4], np.int8)), id="rows"),
    pytest.param(READ, (np.zeros((0, 3)), np.array([0])), id="empty-axis"),
    pytest.param(READ2, (np.zeros((3, 4)), np.array([0, 1]), np.array([1, 4])), id="axis-1"),
    pytest.param(READ2, (np.zeros((3, 4)), np.array([0, -4]), np.array([1, 2])), id="axis-0-negative"),
    pytest.param(READ3, (np.zeros((3, 4, 5)), np.array([0]), np.array([1]), np.array([-6])), id="axis-2"),
])
def test_out_of_range_indices_raise_numpys_index_error(source, args):
    check(source, *args)
    py, jf = compiled(source)
    with pytest.raises(IndexError, match=r"^index -?\d+ is out of bounds for axis \d with size \d+"):
        jf(*args)


def test_out_of_range_in_two_index_arrays_reports_numpys_first_axis():
    check(READ2, np.zeros((3, 4)), np.array([0, 0, 0, 5]), np.array([9, 0, 0, 0]))


def test_index_arrays_of_different_shapes_raise_index_error():
    # NumPy: "shape mismatch: indexing arrays could not be broadcast together
    # with shapes (2,) (3,) "; jitufunc words the rest differently.
    check(READ2, np.zeros((3, 4)), np.array([0, 1]), np.array([1, 2, 3]), message=r"^shape mismatch")
    check(READ2, np.zeros((3, 4)), np.array([[0, 1], [1, 2]]), np.array([1, 2, 3]), message=r"^shape mismatch")
    check(READ3, np.zeros((3, 4, 5)), np.array([0, 1]), np.array([1, 2]), np.array([1, 2, 3]),
          message=r"^shape mismatch")
    check(PUT2, np.zeros((3, 4)), np.array([0, 1]), np.array([1, 2, 3]), 1.0, message=r"^shape mismatch")


@pytest.mark.parametrize("i, j", [
    (np.array([[0], [1]]), np.array([1, 2, 3])),
    (np.array([1]), np.array([1, 2, 3])),
    (np.array(1), np.array([1, 2, 3])),
    (np.array([[0, 1]]), np.array([1, 2])),
], ids=["(2,1)-(3,)", "(1,)-(3,)", "()-(3,)", "(1,2)-(2,)"])
def test_broadcastable_index_shapes_are_a_documented_difference(i, j):
    """NumPy broadcasts the index arrays together; jitufunc supports index
    arrays of one shape only and raises IndexError (documented)."""
    a = np.arange(12.0).reshape(3, 4)
    a[i, j]  # NumPy succeeds
    _, jf = compiled(READ2)
    with pytest.raises(IndexError, match="shape mismatch"):
        jf(a, i, j)
    with pytest.raises(IndexError, match="shape mismatch"):
        jf(a, j % 3, i)


def test_the_result_is_a_new_array():
    src = """
        def f(a, i):
            b = a[i]
            b[0] = 99
            c = a[i]
            c[...] = -1
            return b, a[i]
    """
    for layout in LAYOUTS:
        check(src, make(np.float64, (4, 3), layout), np.array([1, 1, 0]))
        check(src, make(np.int32, (4,), layout), np.array([1, -1, 0]))
    # From a read-only array, a writeable copy.
    ro = np.arange(6.0)
    ro.flags.writeable = False
    check(READ, ro, np.array([0, 5]), write_through=True)
    check(READ, ro, np.array([True, False, True, False, False, True]), write_through=True)
    # Read-only index arrays and masks are fine for reads and writes.
    idx, mask = np.array([2, 0]), np.array([False, True, True, False, False, True])
    idx.flags.writeable = mask.flags.writeable = False
    check(READ, np.arange(6.0), idx)
    check(READ, np.arange(6.0), mask)
    check(PUT_SCALAR, np.arange(6.0), idx, 1.5, result=None)
    check(PUT_SCALAR, np.arange(6.0), mask, np.array([1.0, 2.0, 3.0]), result=None)


def test_index_arrays_made_and_used_inside_the_function():
    check("""
        def f(a, m):
            idx = np.arange(len(a))[::-1]
            b = a[idx]
            b2 = a[idx[::2], idx[1::2]]
            rows, cols = np.nonzero(m)
            return b, b2, a[rows, cols], a[m], a[m[:, 0]], a[m[0]]
    """, make(np.float64, (6, 6), "negative"), make(np.bool_, (6, 6), "strided"))


@pytest.mark.parametrize("source, args", [
    pytest.param(READ, (np.arange(12.0).reshape(3, 4), np.array(1)), id="2d-array"),
    pytest.param(READ, (np.arange(24).reshape(2, 3, 4), np.array(1, np.uint8)), id="3d-array"),
    pytest.param(READ2, (np.arange(24).reshape(2, 3, 4), np.array(1), np.array(-2)), id="3d-pair"),
    pytest.param(READ, (np.arange(10.0), np.array(2)), id="1d-element"),
    pytest.param(READ2, (np.arange(12.0).reshape(3, 4), np.array(1), np.array(2)), id="2d-element"),
])
def test_zero_dimensional_index_arrays(source, args):
    """NumPy treats a 0-d integer array as an index array (a copy), and
    returns a scalar when nothing is left."""
    check(source, *args)


@given(
    st.lists(st.integers(-8, 7), max_size=12),
    st.sampled_from(LAYOUTS),
    st.sampled_from([np.int8, np.int32, np.int64]),
)
def test_random_index_lists_match_numpy(values, layout, idx_dtype):
    check(READ, make(np.float32, (7, 2), layout), np.array(values, idx_dtype))


# ---------------------------------------------------------------------------
# 2. Boolean masks


def _masks(shape, seed=1):
    rng = np.random.default_rng(seed)
    return {
        "random": rng.integers(0, 2, size=shape).astype(bool),
        "none": np.zeros(shape, bool),
        "all": np.ones(shape, bool),
    }


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_masks_of_the_arrays_shape(dtype, layout, ndim):
    a = make(dtype, SHAPES[ndim], layout)
    for name, mask in _masks(a.shape).items():
        for mask_layout in ["C", "F", "strided", "negative"]:
            check(READ, a, place(mask, mask_layout))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shapes", [((4, 3), 1), ((4, 2, 3), 1), ((4, 2, 3), 2)], ids=["1d-of-2d", "1d-of-3d", "2d-of-3d"])
def test_masks_over_the_leading_axes(dtype, layout, shapes):
    shape, k = shapes
    a = make(dtype, shape, layout)
    for name, mask in _masks(shape[:k], seed=k).items():
        for mask_layout in ["C", "strided", "negative"]:
            check(READ, a, place(mask, mask_layout))


def test_masks_of_empty_arrays_and_masks_computed_inside():
    check(READ, np.zeros((0, 3)), np.zeros(0, bool))
    check(READ, np.zeros(0, np.int8), np.zeros(0, bool))
    check(READ, np.zeros((2, 0)), np.ones((2, 0), bool))
    check(READ, np.zeros((2, 0)), np.ones(2, bool))
    check("""
        def f(a):
            m = np.zeros(a.shape, dtype=np.bool_)
            for i in range(a.shape[0]):
                for j in range(a.shape[1]):
                    m[i, j] = a[i, j] > 0
            return a[m], m
    """, make(np.float64, (5, 4), "F-reversed"))


def test_the_masked_result_is_a_new_array():
    check("""
        def f(a, m):
            b = a[m]
            b[...] = 0
            return b, a
    """, make(np.int64, (4, 3), "strided"), np.array([True, False, True, True]), result=None)
    check(READ, make(np.float32, (3, 3), "negative"), np.eye(3, dtype=bool), write_through=True)


@pytest.mark.parametrize("a, mask", [
    pytest.param(np.arange(10.0), np.ones(4, bool), id="1d-10-vs-4"),
    pytest.param(np.zeros((3, 4)), np.zeros((3, 5), bool), id="axis-1"),
    pytest.param(np.zeros((3, 4)), np.zeros((2, 4), bool), id="axis-0-of-2d"),
    pytest.param(np.zeros((3, 4)), np.zeros(2, bool), id="leading-1d"),
    pytest.param(np.zeros((3, 4, 5)), np.zeros((3, 2), bool), id="leading-2d-axis-1"),
    pytest.param(np.zeros((3, 4))[::-1, ::2], np.zeros((3, 4), bool), id="view"),
])
def test_mask_shape_mismatch_raises_numpys_index_error(a, mask):
    check(READ, a, mask)
    check("""
        def f(a, m):
            a[m] = 1
    """, a, mask)
    check("""
        def f(a, m, v):
            a[m] = v
    """, a, mask, np.ones(1))


def test_mask_message_example_from_numpy():
    _, jf = compiled(READ)
    with pytest.raises(IndexError, match=(
            r"^boolean index did not match indexed array along axis 0; size of axis is 10 "
            r"but size of corresponding boolean axis is 4")):
        jf(np.arange(10.0), np.ones(4, bool))


# ---------------------------------------------------------------------------
# 3. Assignment

PUT_SCALAR = """
    def f(a, i, v):
        a[i] = v
        return a
"""
PUT2 = """
    def f(a, i, j, v):
        a[i, j] = v
"""


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_put_a_scalar_through_index_arrays_and_masks(dtype, layout, ndim):
    a = make(dtype, SHAPES[ndim], layout)
    v = scalar_for(dtype)
    for idx in TAKE_INDICES.values():
        check(PUT_SCALAR, a, np.array(idx, np.int64), v, result=None)
    for mask in _masks(a.shape).values():
        check(PUT_SCALAR, a, place(mask, "negative"), v, result=None)
    check(PUT_SCALAR, a, _masks(a.shape[:1])["random"], v, result=None)
    if ndim >= 2:
        check(PUT2, a, np.array([0, -1, 2]), np.array([1, 0, 1], np.uint8), v)


# Every dtype is stored through by the scalar test above; array values of
# these (one per kind and size class) keep the compile count down.
PUT_ARRAY_DTYPES = [np.bool_, np.int8, np.uint16, np.int64, np.uint64, np.float16, np.float64, np.complex64]


@pytest.mark.parametrize("dtype", PUT_ARRAY_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_put_arrays_broadcast_to_the_picked_shape(dtype, layout):
    a = make(dtype, (5, 3), layout)
    i = np.array([0, 4, -2])
    rows = make(dtype, (3, 3), "negative", seed=7)
    for value in [
        rows[0],            # one row broadcast to every picked row
        rows,               # one row each
        rows[:, :1],        # a column broadcast along each row
        rows[0, 0:1],       # a 1-element array
        np.array(rows[1, 1]),  # a 0-d array
    ]:
        check(PUT_SCALAR, a, i, value, result=None)
        check(PUT_SCALAR, a, i.reshape(3, 1), value[..., None, :] if value.ndim == 2 else value, result=None)
    mask = np.array([True, False, True, True, False])
    check(PUT_SCALAR, a, mask, rows[2], result=None)   # a row into each selected row
    check(PUT_SCALAR, a, mask, rows, result=None)      # one row each
    full = _masks(a.shape)["random"]
    check(PUT_SCALAR, a, full, make(dtype, (int(full.sum()),), "negative", seed=3), result=None)
    check(PUT2, a, np.array([[0, 1], [4, -1]]), np.array([[2, 1], [0, 0]]), rows[:2, :2])


def test_repeated_indices_keep_the_last_value():
    check(PUT_SCALAR, np.zeros(5), np.array([1, 1, 1]), np.array([1.0, 2.0, 3.0]), result=None)
    check(PUT_SCALAR, np.zeros(5), np.array([1, -4, 3, 3, 1]), np.arange(5.0), result=None)
    check(PUT_SCALAR, np.zeros((3, 2), np.int16), np.array([2, 0, 2]), np.arange(6, dtype=np.int16).reshape(3, 2),
          result=None)
    check(PUT2, np.zeros((3, 3)), np.array([1, 1, 2, 1]), np.array([0, 0, 1, 0]), np.arange(4.0))


@given(
    st.lists(st.integers(-6, 5), max_size=10),
    st.sampled_from(LAYOUTS),
    st.booleans(),
)
def test_random_index_assignments_match_numpy(values, layout, scalar):
    """In-range indices (repeats included: the last value stays) with a
    scalar or one value per index."""
    a = make(np.int32, (6, 2), layout)
    idx = np.array(values, np.int64)
    v = 9 if scalar else np.arange(len(values) * 2, dtype=np.int32).reshape(-1, 2)
    check(PUT_SCALAR, a, idx, v, result=None)


@pytest.mark.parametrize("stmt", [
    "a[i] = a[::-1][:3]",
    "a[i] = a[i[::-1]]",
    "a[i] = a[:3]",
    "a[m] = a[m][::-1]",
    "a[m] = a[::-1][m]",
    "a[i, i[::-1]] = a[i[::-1], i]",
])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_values_that_overlap_the_array_are_read_before_any_write(stmt, layout):
    src = f"""
        def f(a, i, m):
            {stmt}
    """
    a = make(np.float64, (5, 5), layout)
    check(src, a, np.array([4, 0, 2]), np.array([True, True, False, True, False]))
    check(src, a, np.array([1, 1, 3]), np.array([False, True, True, True, True]))


@pytest.mark.parametrize("a_dtype, v_dtype", [
    (np.float64, np.int64), (np.float32, np.int16), (np.float16, np.uint8),
    (np.int64, np.float64), (np.int32, np.float32), (np.int8, np.float64), (np.uint16, np.float64),
    (np.int64, np.bool_), (np.bool_, np.int32), (np.bool_, np.float64),
    (np.int8, np.int64), (np.uint8, np.int16), (np.float16, np.float64), (np.complex64, np.float64),
    (np.complex128, np.int32), (np.uint64, np.int64),
], ids=lambda d: np.dtype(d).name)
def test_value_dtype_conversions(a_dtype, v_dtype):
    """Array values are cast as NumPy casts (unsafe): floats truncate toward
    zero, integers wrap, anything nonzero is True."""
    a = make(a_dtype, (6,), "strided")
    rng = np.random.default_rng(5)
    if np.dtype(a_dtype).kind == "u" and np.dtype(v_dtype).kind == "f":
        raw = rng.uniform(0, 60, 3)
    else:
        raw = rng.uniform(-60, 60, 3)
    if np.dtype(v_dtype).kind == "u" or np.dtype(a_dtype).kind == "u" and np.dtype(v_dtype).kind == "i":
        raw = np.abs(raw)
    v = raw.astype(v_dtype)
    if np.dtype(v_dtype).kind in "iu":
        v = (raw * 7).astype(np.int64).astype(v_dtype)  # also values that wrap into small types
    check(PUT_SCALAR, a, np.array([5, 0, 2]), v, result=None)
    check(PUT_SCALAR, a, np.array([True, False, True, False, False, True]), v, result=None)


@pytest.mark.parametrize("a_dtype, value", [
    (np.int64, 2.7), (np.int64, -2.7), (np.int16, 3.999), (np.uint8, 200.5), (np.float32, 3),
    (np.float64, True), (np.bool_, 2), (np.bool_, 0.0), (np.int8, -128), (np.complex64, 2.5),
    (np.float16, 1e-3), (np.uint64, np.uint64(2**63 + 5)), (np.int8, np.int8(-3)),
], ids=lambda x: repr(x) if not isinstance(x, type) else np.dtype(x).name)
def test_scalar_value_conversions(a_dtype, value):
    a = make(a_dtype, (4, 2), "negative")
    check(PUT_SCALAR, a, np.array([3, 1]), value, result=None)
    check(PUT_SCALAR, a, np.array([True, False, True, True]), value, result=None)


def test_the_wrong_number_of_values_for_a_mask_is_a_value_error():
    """NumPy: "NumPy boolean array indexing assignment cannot assign 2 input
    values to the 3 output values where the mask is true"; jitufunc says it
    cannot broadcast (same class, documented wording)."""
    mask = np.array([True, False, True, False, True])
    check(PUT_SCALAR, np.zeros(5), mask, np.ones(2), message=None)
    check(PUT_SCALAR, np.zeros(5), mask, np.ones(4), message=None)
    check(PUT_SCALAR, np.zeros((5, 2)), mask, np.ones((3, 3)), message=None)
    check(PUT_SCALAR, np.zeros((5, 2)), np.array([0, 1]), np.ones((3, 2)), message=None)


def test_assignment_out_of_range_raises_numpys_index_error():
    _, jf = compiled(PUT_SCALAR)
    for a, idx in [(np.zeros(6), np.array([0, 1, 10])), (np.zeros((3, 4)), np.array([-4, 0]))]:
        with pytest.raises(IndexError) as info:
            a.copy()[idx] = 5.0
        with pytest.raises(IndexError) as jit_info:
            jf(a.copy(), idx, 5.0)
        assert str(jit_info.value).startswith(str(info.value))


@pytest.mark.parametrize("value", [5.0, np.array([1.0, 2.0, 3.0])], ids=["scalar", "array"])
def test_assignment_out_of_range_leaves_the_array_unchanged(value):
    check(PUT_SCALAR, np.zeros(6), np.array([0, 1, 10]), value)


def test_values_with_extra_leading_length_one_axes():
    check(PUT_SCALAR, np.zeros(5), np.array([1, 2]), np.arange(2.0).reshape(1, 2), result=None)


def test_writing_through_an_index_into_a_read_only_array_is_a_typing_error():
    ro = np.zeros(4)
    ro.flags.writeable = False
    _, jf = compiled(PUT_SCALAR)
    with pytest.raises(TypingError, match="cannot write to 'a'"):
        jf(ro, np.array([0]), 1.0)
    with pytest.raises(TypingError, match="cannot write to 'a'"):
        jf(ro, np.ones(4, bool), 1.0)


# ---------------------------------------------------------------------------
# 4. None / np.newaxis and ... (views)

NEWAXIS_READS = {
    1: ["a[None]", "a[:, None]", "a[..., None]", "a[..., 1]", "a[None, ..., 1:]", "a[0, ...]", "a[...]",
        "a[-1, None]", "a[None, ::-2]", "a[..., -2:, None]", "a[None, None, ..., np.newaxis]",
        "a[np.newaxis, -3]", "a[..., ::-1][None]"],
    2: ["a[None]", "a[:, None]", "a[..., None]", "a[..., 1]", "a[None, ..., 1:]", "a[0, ...]",
        "a[-1, None, ::-1]", "a[..., None, -2]", "a[1:, ..., None]", "a[None, -1]", "a[..., -1, None]",
        "a[::-2, None, :]", "a[-2, ..., -1]", "a[None, :, np.newaxis, 1:3]"],
    3: ["a[None]", "a[:, None]", "a[..., None]", "a[..., 1]", "a[None, ..., 1:]", "a[0, ...]",
        "a[:, None, ..., -1]", "a[-1, ..., None, 0]", "a[..., None, ::2]", "a[1, None, ..., ::-1]",
        "a[None, 0, ..., None]", "a[..., -1, :, None]"],
}


@pytest.mark.parametrize("ndim, expr", [(n, e) for n, exprs in NEWAXIS_READS.items() for e in exprs])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_none_and_ellipsis_give_numpys_views(ndim, expr, layout):
    src = f"""
        def f(a):
            return {expr}
    """
    for dtype in [np.float64, np.int16, np.complex64, np.bool_]:
        a = make(dtype, {1: (5,), 2: (4, 5), 3: (3, 4, 5)}[ndim], layout)
        check(src, a, result="view", write_through=True)


@pytest.mark.parametrize("stmt", [
    "a[..., 0] = 7", "a[None] = 3", "a[None, ..., 1:] = -1", "a[0, ...] = a[-1, ...]",
    "a[..., -1] = a[..., 0]", "a[:, None] = a[::-1, None]", "a[..., None] = v[..., None]",
    "a[None, -1] = v[0]", "a[..., ::-1] = a", "a[1:, None, ...] = a[:-1, None]",
    "a[-1, ..., None] = 5", "a[np.newaxis, ...][0, 0] = a[1]",
])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("ndim", [2, 3])
def test_assignment_through_none_and_ellipsis(stmt, layout, ndim):
    src = f"""
        def f(a, v):
            {stmt}
            return a
    """
    shape = (3, 4) if ndim == 2 else (3, 4, 2)
    a = make(np.float64, shape, layout)
    check(src, a, make(np.float64, shape, "negative", seed=2), result="view")


@pytest.mark.parametrize("stmt", ["a[None] = 3", "a[..., None] = v[:, None]", "a[0, ...] = 5",
                                  "a[..., ::-1] = a", "a[None, 1:] = v[:-1]"])
@pytest.mark.parametrize("layout", ["C", "strided", "negative"])
def test_assignment_through_none_and_ellipsis_1d(stmt, layout):
    src = f"""
        def f(a, v):
            {stmt}
    """
    check(src, make(np.int32, (6,), layout), make(np.int32, (6,), "strided", seed=4))


@pytest.mark.parametrize("source, line", [
    ("""
        def f(a):
            return a[..., ...]
    """, 2),
    ("""
        def f(a):
            b = a[::-1]
            b[..., 0, ...] = 0
            return b
    """, 3),
])
def test_two_ellipses_are_a_clear_error(source, line):
    py = make_function(source)
    with pytest.raises(IndexError, match="an index can only have a single ellipsis"):
        py(np.zeros((2, 2)))
    f = njit(py)
    with pytest.raises(Exception) as info:
        f(np.zeros((2, 2)))
    assert_clear_error(info.value, TypingError, r"an index can only have a single ellipsis \('\.\.\.'\)",
                       f.py_func, source, line)


# ---------------------------------------------------------------------------
# 5. Clear compile errors

ERRORS = [
    pytest.param(READ, (np.zeros(4), np.array([1.0])), TypingError,
                 r"arrays used as indices must be of integer \(or boolean\) type, not float64", 2, id="float-index"),
    pytest.param(READ2, (np.zeros((2, 2)), np.array([1]), np.array([1.0], np.float32)), TypingError,
                 r"integer \(or boolean\) type, not float32", 2, id="float-second-index"),
    pytest.param(PUT_SCALAR, (np.zeros(4), np.array([0.5]), 1.0), TypingError,
                 r"integer \(or boolean\) type", 2, id="float-index-store"),
    pytest.param(READ, (np.zeros(4), np.array([1j])), TypingError, r"integer \(or boolean\) type", 2,
                 id="complex-index"),
    pytest.param("""
        def f(a, idx):
            return a[idx, 0]
    """, (np.zeros((3, 3)), np.array([0, 1])), UnsupportedError,
                 r"array index mixed with integers, slices, None or \.\.\. is not supported yet", 2,
                 id="array-and-int"),
    pytest.param("""
        def f(a, idx):
            return a[1:, idx]
    """, (np.zeros((3, 3)), np.array([0, 1])), UnsupportedError, r"mixed with integers, slices", 2,
                 id="slice-and-array"),
    pytest.param("""
        def f(a, idx):
            x = 0
            a[idx, 1:] = x
    """, (np.zeros((3, 3)), np.array([0, 1])), UnsupportedError, r"mixed with integers, slices", 3,
                 id="store-array-and-slice"),
    pytest.param("""
        def f(a, m):
            return a[m, None]
    """, (np.zeros((3, 3)), np.ones(3, bool)), UnsupportedError, r"mixed with integers, slices, None", 2,
                 id="mask-and-none"),
    pytest.param("""
        def f(a, idx):
            return a[..., idx]
    """, (np.zeros((3, 3)), np.array([0, 1])), UnsupportedError, r"mixed with", 2, id="ellipsis-and-array"),
    pytest.param(READ, (np.zeros(4), np.array(True)), TypingError,
                 r"boolean mask of 0 dimensions cannot index a 1-dimensional array", 2, id="0d-mask"),
    pytest.param(PUT_SCALAR, (np.zeros(4), np.array(False), 1.0), TypingError,
                 r"boolean mask of 0 dimensions", 2, id="0d-mask-store"),
    pytest.param(READ, (np.zeros(4), np.ones((4, 1), bool)), TypingError,
                 r"boolean mask of 2 dimensions cannot index a 1-dimensional array", 2, id="mask-too-many-dims"),
    pytest.param(READ, (np.zeros((2, 2)), np.ones((2, 2, 2), bool)), TypingError,
                 r"boolean mask of 3 dimensions cannot index a 2-dimensional array", 2, id="mask-3d-on-2d"),
    pytest.param(READ2, (np.zeros(3), np.array([0]), np.array([0])), TypingError,
                 r"too many indices for array: array is 1-dimensional, but 2 were indexed", 2,
                 id="too-many-index-arrays"),
    pytest.param(PUT_SCALAR, (np.zeros(4), np.array([0]), 1 + 2j), TypingError,
                 r"cannot store a complex value into a float64 array", 2, id="complex-scalar-into-float"),
    pytest.param(PUT_SCALAR, (np.zeros(4, np.int32), np.ones(4, bool), np.complex64(1j)), TypingError,
                 r"complex", 2, id="complex-scalar-into-int-mask"),
    pytest.param(PUT_SCALAR, (np.zeros(4), np.array([0, 1]), np.array([1j, 2j])), (TypingError, UnsupportedError),
                 r"complex", 2, id="complex-array-into-float"),
    pytest.param(PUT_SCALAR, (np.zeros(4, np.int64), np.ones(4, bool), np.ones(4, np.complex64)),
                 (TypingError, UnsupportedError), r"complex", 2, id="complex-array-into-int-mask"),
]


@pytest.mark.parametrize("source, args, exc, pattern, line", ERRORS)
def test_compile_errors_name_the_construct_and_the_line(source, args, exc, pattern, line):
    f = njit(make_function(source))
    with pytest.raises(Exception) as info:
        run_jit(f, *args)
    if isinstance(exc, tuple):
        exc = type(info.value) if type(info.value) in exc else exc[0]
    assert_clear_error(info.value, exc, pattern, f.py_func, source, line)
    assert f.signatures == []


# (id, signature, layout, source, the rows' inputs): advanced indexing, None
# and ... inside gufunc kernels, compared with the kernel run in Python on
# each row.
_X = np.arange(12.0).reshape(3, 4) - 5
_I = np.array([[0, 3], [1, 1], [2, 0]])
_M = _X > -1
UFUNC_CASES = [
    ("put-index", "void(float64[:], int64[:], float64[:])", "(n),(m)->(n)", """
        def k(x, i, out):
            out[:] = x
            out[i] = 0.0
    """, (_X, _I)),
    ("take-index", "void(float64[:], int64[:], float64[:])", "(n),(m)->()", """
        def k(x, i, out):
            out[0] = x[i][0] + x[i].sum()
    """, (_X, _I)),
    ("take-mask", "void(float64[:], boolean[:], float64[:])", "(n),(n)->()", """
        def k(x, m, out):
            out[0] = x[m].sum()
    """, (_X, _M)),
    ("put-mask", "void(float64[:], boolean[:], float64[:])", "(n),(n)->(n)", """
        def k(x, m, out):
            out[:] = x
            out[m] = 0.0
    """, (_X, _M)),
    ("ellipsis-read", "void(float64[:, :], float64[:])", "(n,m)->()", """
        def k(x, out):
            out[0] = x[..., 0][0] + x[..., 1].sum()
    """, (np.arange(24.0).reshape(2, 3, 4),)),
    ("none-read", "void(float64[:], float64[:])", "(n)->()", """
        def k(x, out):
            s = 0.0
            out[0] = x[None][0, 1] + s
    """, (_X,)),
    ("ellipsis-write", "void(float64[:, :], float64[:, :])", "(n,m)->(n,m)", """
        def k(x, out):
            out[...] = x
            out[..., 0] = 1.0
    """, (np.arange(24.0).reshape(2, 3, 4),)),
    ("none-write", "void(float64[:], float64[:])", "(n)->(n)", """
        def k(x, out):
            out[None] = 1.0
            out[1] = x[0]
    """, (_X,)),
]


@pytest.mark.parametrize("signature, layout, source, inputs", [c[1:] for c in UFUNC_CASES],
                         ids=[c[0] for c in UFUNC_CASES])
def test_ufunc_kernels_index_with_arrays_masks_none_and_ellipsis(signature, layout, source, inputs):
    py = make_function(source)
    g = guvectorize([signature], layout)(py)
    got = g(*inputs)
    out_core = layout.split("->")[1]
    first = inputs[0]
    core = {"(n)": first.shape[-1:], "()": (1,), "(n,m)": first.shape[-2:]}[out_core]
    loop = first.shape[:first.ndim - (2 if layout.startswith("(n,m)") else 1)]
    expected = np.zeros(loop + core)
    for idx in np.ndindex(*loop):
        py(*(a[idx] for a in inputs), expected[idx])
    if out_core == "()":
        expected = expected[..., 0]
    np.testing.assert_array_equal(got, expected)


def test_vectorize_kernels_cannot_subscript_their_scalars():
    from jitufunc import vectorize

    source = """
        def k(x, i):
            return x[i]
    """
    py = make_function(source)
    with pytest.raises(Exception) as info:
        vectorize(["float64(float64, int64)"])(py)
    assert_clear_error(info.value, TypingError, r"not subscriptable", py, source, 2)


# ---------------------------------------------------------------------------
# 6. Memory


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_long_loops_of_takes_and_masked_stores_free_their_memory():
    py, f = compiled("""
        def f(a, idx, mask, v, n):
            s = 0.0
            for _ in range(n):
                b = a[idx]
                s += b[0, 0]
                a[mask] = 0
                c = a[mask]
                s += c.size
                a[idx] = v
                a[idx, idx] = a[idx[::-1], idx]
                d = a[None, ..., 1:]
                s += d[0, 0, 0]
            return s
    """)
    rng = np.random.default_rng(3)
    a = rng.uniform(size=(64, 8))
    idx = np.array([3, 1, 4, 1, 5, 7, 2, 6])
    mask = rng.integers(0, 2, 64).astype(bool)
    v = rng.uniform(size=8)
    ref = a.copy()
    assert f(a, idx, mask, v, 3) == py(ref, idx, mask, v, 3)
    np.testing.assert_array_equal(a, ref)
    gc.collect()
    before = _core.memory_stats()
    rss_before = _rss_bytes()
    for _ in range(3):
        f(a, idx, mask, v, 100_000)
    gc.collect()
    after = _core.memory_stats()
    rss_after = _rss_bytes()
    assert after["allocated"] - after["freed"] == before["allocated"] - before["freed"], (before, after)
    assert after["allocated"] - before["allocated"] >= 300_000  # the blocks were counted
    # A leak of one small block per iteration would be tens of megabytes.
    assert rss_after - rss_before < 8 * 2**20, (rss_before, rss_after)


def test_results_of_takes_outlive_the_call_and_are_freed_once():
    _, f = compiled("""
        def f(a, i, m):
            return a[i], a[m], a[i][::-1], a[..., None]
    """)
    a = np.arange(12.0).reshape(4, 3)
    gc.collect()
    before = _core.memory_stats()
    out = f(a, np.array([1, 3]), np.array([True, False, False, True]))
    np.testing.assert_array_equal(out[0], a[[1, 3]])
    np.testing.assert_array_equal(out[1], a[[0, 3]])
    np.testing.assert_array_equal(out[2], a[[1, 3]][::-1])
    del out
    gc.collect()
    after = _core.memory_stats()
    assert after["allocated"] - after["freed"] == before["allocated"] - before["freed"]
