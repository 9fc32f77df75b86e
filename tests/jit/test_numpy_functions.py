"""NumPy functions and array methods called inside @njit functions (the
implementations in ``jitufunc/_numpy_functions.py``: argmax/argmin,
cumsum/cumprod, diff, var/std, count_nonzero, isclose/allclose,
round/around, dot/matmul/``@``/outer/trace, argsort/sort/searchsorted/unique,
concatenate/stack/hstack/vstack, histogram and interp).

Every test is differential: a small Python function calling NumPy and its
``njit`` version run on the same inputs; the expected values always come
from NumPy. Results must agree in value (exactly, NaNs equal; within a
tight rtol where a float summation order may differ), dtype and shape. A
scalar result comes back from compiled code as the Python number, so the
functions return ``r, np.asarray(r)``: the number is compared by value and
kind, the 0-d array by dtype. Inputs are 1-d and 2-d, contiguous and not
(``a[::2]``, ``a[::-1]``, ``a.T``, ``a[:, 1:]``), and empty; where NumPy
raises (argmax of an empty array, mismatched shapes), the compiled
function must raise the same exception class.

Differences from NumPy are kept as strict xfails whose reason starts with
"BUG".
"""

import numpy as np
import pytest

from conftest import make_function, py_and_jit
from jitufunc import njit
from jitufunc.errors import UnsupportedError

# ---------------------------------------------------------------------------
# helpers

DTYPES = [np.bool_, np.int8, np.int32, np.int64, np.uint16, np.float32, np.float64, np.complex128]
NUMERIC_DTYPES = [d for d in DTYPES if d is not np.bool_]
REAL_DTYPES = [d for d in DTYPES if d is not np.complex128]


def dt_id(dt):
    return np.dtype(dt).name


def returning(call, params="a"):
    """A function returning ``call``'s result and ``np.asarray`` of it (for
    a scalar result: its dtype, as a 0-d array)."""
    return f"def f({params}):\n    r = {call}\n    return r, np.asarray(r)\n"


def returning_plain(call, params="a"):
    return f"def f({params}):\n    return {call}\n"


def scalar_kind(x):
    if isinstance(x, (bool, np.bool_)):
        return "b"
    if isinstance(x, (int, np.integer)):
        return "i"
    if isinstance(x, (float, np.floating)):
        return "f"
    if isinstance(x, (complex, np.complexfloating)):
        return "c"
    raise AssertionError(f"{x!r} ({type(x).__name__}) is not a number")


def assert_same(got, want, rtol=None, where="result"):
    """``got`` (compiled) equals ``want`` (NumPy): arrays in dtype, shape and
    value (exact with NaNs equal, or within ``rtol`` for float/complex),
    tuples item by item, scalars in kind (bool/int/float/complex) and value."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple), f"{where}: {got!r} is not a tuple"
        assert len(got) == len(want), f"{where}: {len(got)} items, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, rtol, f"{where}[{i}]")
        return
    if want is None:
        assert got is None, f"{where}: {got!r}, want None"
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), f"{where}: {got!r} is not an array"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, NumPy gives {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, NumPy gives {want.shape}"
        if want.dtype.kind == "c":
            # Part by part: NumPy's array comparison holds every complex
            # value with a NaN part equal to any other.
            assert_same(got.real.copy(), want.real.copy(), rtol, f"{where}.real")
            assert_same(got.imag.copy(), want.imag.copy(), rtol, f"{where}.imag")
        elif rtol is None or want.dtype.kind != "f":
            np.testing.assert_array_equal(got, want, err_msg=where, strict=True)
        else:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True, err_msg=where)
        return
    if isinstance(got, np.ndarray):
        assert got.shape == (), f"{where}: shape {got.shape}, NumPy gives a scalar"
        got = got[()]
    assert scalar_kind(got) == scalar_kind(want), f"{where}: {got!r} vs NumPy's {want!r}"
    g, w = complex(got), complex(want)
    if w != w:
        assert (g.real != g.real) == (w.real != w.real) and (g.imag != g.imag) == (w.imag != w.imag), \
            f"{where}: {got!r} vs NumPy's {want!r}"
    elif rtol is not None:
        assert g == w or abs(g - w) <= rtol * abs(w), f"{where}: {got!r} vs NumPy's {want!r}"
    else:
        assert g == w, f"{where}: {got!r} vs NumPy's {want!r}"


def arrays_in(x):
    if isinstance(x, tuple):
        for item in x:
            yield from arrays_in(item)
    elif isinstance(x, np.ndarray):
        yield x


def check(source, *args, rtol=None, reference=None):
    """Runs ``source``'s function with NumPy (or the function in
    ``reference``, when the NumPy call needs other arguments) and compiled
    on ``args``: the results must agree, the arguments stay unchanged and
    no result array shares memory with an argument."""
    py, jf = py_and_jit(source)
    if reference is not None:
        py = py_and_jit(reference)[0]
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(all="ignore"):
        want = py(*args)
    got = jf(*args)
    assert_same(got, want, rtol)
    for i, (a, b) in enumerate(zip(args, before)):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"argument {i} was modified", strict=True)
    for r in arrays_in(got):
        for a in args:
            if isinstance(a, np.ndarray):
                assert not np.shares_memory(r, a), "a result shares memory with an argument"
    return got


def check_raises(source, *args, exc=ValueError, match=None):
    """NumPy raises ``exc`` for these arguments; so must the compiled function."""
    py, jf = py_and_jit(source)
    with pytest.raises(exc), np.errstate(all="ignore"):
        py(*args)
    with pytest.raises(exc, match=match):
        jf(*args)


def rtol_for(*dtypes):
    """Float results whose summation order may differ from NumPy's."""
    kinds = [np.dtype(d) for d in dtypes]
    if any(d == np.float32 for d in kinds):
        return 2e-6
    return 1e-13


def xfail(reason):
    return pytest.mark.xfail(strict=True, reason="BUG: " + reason)


def ties(dtype, shape, seed=0, span=5):
    """Values of ``dtype`` from a small range (many ties); floats are
    multiples of 0.5 and complex numbers have small parts of both kinds."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dt)
    if dt.kind == "u":
        return rng.integers(0, 2 * span, size=shape).astype(dt)
    v = rng.integers(-span, span, size=shape)
    if dt.kind == "i":
        return v.astype(dt)
    if dt.kind == "f":
        return (v * 0.5).astype(dt)
    return (v + 0.5j * rng.integers(-span, span, size=shape)).astype(dt)


def spread(dtype, shape, seed=0):
    """Values of ``dtype`` with few ties (random floats, integers from a
    wider range)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dt)
    if dt.kind == "u":
        return rng.integers(0, 100, size=shape).astype(dt)
    if dt.kind == "i":
        return rng.integers(-60, 60, size=shape).astype(dt)
    if dt.kind == "f":
        return rng.uniform(-20, 20, size=shape).astype(dt)
    return (rng.uniform(-20, 20, size=shape) + 1j * rng.uniform(-20, 20, size=shape)).astype(dt)


# Views of a 1-d base of 41 and a 2-d base of (34, 6): each longer than the
# 16-element insertion runs of the merge sort, along both axes for most.
VIEWS_1D = {
    "contiguous": lambda a: a,
    "step2": lambda a: a[::2],
    "reversed": lambda a: a[::-1],
}
VIEWS_2D = {
    "contiguous": lambda a: a,
    "rows-step2": lambda a: a[::2],
    "reversed": lambda a: a[::-1, ::-1],
    "T": lambda a: a.T,
    "cols-1:": lambda a: a[:, 1:],
}
SHAPE_1D = (41,)
SHAPE_2D = (34, 6)


def view_params():
    return [pytest.param(1, name, id=f"1d-{name}") for name in VIEWS_1D] + \
           [pytest.param(2, name, id=f"2d-{name}") for name in VIEWS_2D]


def make_view(ndim, name, maker, dtype, seed=0):
    if ndim == 1:
        return VIEWS_1D[name](maker(dtype, SHAPE_1D, seed))
    return VIEWS_2D[name](maker(dtype, SHAPE_2D, seed))


# ---------------------------------------------------------------------------
# argmax / argmin

ARG_CALLS_1D = ["np.argmax(a)", "np.argmin(a)", "a.argmax()", "a.argmin()", "np.argmax(a, axis=0)",
                "np.argmin(a, axis=-1)", "a.argmax(axis=-1)"]
ARG_CALLS_2D = ["np.argmax(a)", "np.argmin(a)", "a.argmax()", "np.argmax(a, axis=0)", "np.argmax(a, axis=1)",
                "np.argmin(a, axis=-1)", "np.argmin(a, axis=-2)", "a.argmax(axis=0)", "a.argmin(1)"]


def calls_and_views(calls_1d, calls_2d):
    params = []
    for ndim, name in [(1, n) for n in VIEWS_1D] + [(2, n) for n in VIEWS_2D]:
        for call in (calls_1d if ndim == 1 else calls_2d):
            params.append(pytest.param(ndim, name, call, id=f"{ndim}d-{name}-{call}"))
    return params


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view, call", calls_and_views(ARG_CALLS_1D, ARG_CALLS_2D))
def test_argmax_argmin(ndim, view, call, dtype):
    # Many ties: NumPy returns the first of equal extremes.
    a = make_view(ndim, view, ties, dtype)
    check(returning(call), a)


ARG_SPECIAL = {
    "nan-middle": [1.0, np.nan, 3.0, np.nan, -2.0],
    "nan-first": [np.nan, 1.0, 5.0],
    "nan-last": [1.0, 5.0, -1.0, np.nan],
    "all-nan": [np.nan, np.nan],
    "infs": [0.0, -np.inf, np.inf, 2.0, np.inf, -np.inf],
    "signed-zeros": [-0.0, 0.0, -0.0],
    "single": [7.0],
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128], ids=dt_id)
@pytest.mark.parametrize("values", list(ARG_SPECIAL.values()), ids=list(ARG_SPECIAL))
@pytest.mark.parametrize("call", ["np.argmax(a)", "np.argmin(a)"])
def test_argmax_argmin_nan_and_inf(call, values, dtype):
    """NumPy returns the index of the first NaN."""
    check(returning(call), np.array(values, dtype=dtype))


@pytest.mark.parametrize("call", ["np.argmax(a)", "np.argmin(a)"])
@pytest.mark.parametrize("values", [
    [1 + 2j, 1 + 1j, 3 - 1j, 0 + 5j, 3 - 2j],
    [1 + np.nan * 1j, 2 + 0j, 0j],
    [2 + 0j, complex(np.nan, 0), 5 + 0j],
    [-1 + 0j, -1 - 1j, -1 + 1j],
], ids=["lexicographic", "nan-imag-first", "nan-real-middle", "real-ties"])
def test_argmax_argmin_complex_orders_lexicographically(values, call):
    check(returning(call), np.array(values, dtype=np.complex128))


@pytest.mark.parametrize("axis", [0, 1, -1, -2, None])
@pytest.mark.parametrize("call", ["np.argmax", "np.argmin"])
def test_argmax_argmin_2d_nans(call, axis):
    a = np.array([[1.0, np.nan, 3.0, 0.0],
                  [np.nan, 2.0, 9.0, 0.0],
                  [4.0, 5.0, np.nan, 0.0]])
    check(returning(f"{call}(a, axis={axis})"), a)


@pytest.mark.parametrize("shape, call", [
    ((0,), "np.argmax(a)"),
    ((0,), "np.argmin(a)"),
    ((0,), "a.argmax()"),
    ((0,), "np.argmax(a, axis=0)"),
    ((0, 3), "np.argmax(a)"),
    ((0, 3), "np.argmin(a, axis=0)"),
    ((3, 0), "np.argmax(a, axis=1)"),
    ((3, 0), "np.argmin(a, axis=-1)"),
], ids=str)
def test_argmax_argmin_of_empty_raises_value_error(shape, call):
    check_raises(returning(call), np.zeros(shape), match="empty sequence")


@pytest.mark.parametrize("shape, call", [
    ((0, 3), "np.argmax(a, axis=1)"),
    ((3, 0), "np.argmin(a, axis=0)"),
], ids=str)
def test_argmax_argmin_along_a_non_empty_axis_of_an_empty_array(shape, call):
    check(returning(call), np.zeros(shape))


@pytest.mark.parametrize("shape, call", [
    ((4,), "np.argmax(a, axis=1)"),
    ((4,), "np.argmin(a, axis=-2)"),
    ((2, 3), "np.argmax(a, axis=2)"),
    ((2, 3), "np.argmin(a, axis=-3)"),
], ids=str)
def test_argmax_argmin_axis_out_of_bounds(shape, call):
    # NumPy's AxisError is a ValueError.
    check_raises(returning(call), np.ones(shape))


# ---------------------------------------------------------------------------
# cumsum / cumprod

CUM_CALLS_1D = ["np.cumsum(a)", "np.cumprod(a)", "a.cumsum()", "a.cumprod()", "np.cumsum(a, axis=0)",
                "np.cumprod(a, axis=-1)"]
CUM_CALLS_2D = ["np.cumsum(a)", "np.cumprod(a)", "np.cumsum(a, axis=0)", "np.cumsum(a, axis=1)",
                "np.cumprod(a, axis=-1)", "np.cumprod(a, axis=-2)", "a.cumsum(axis=1)", "a.cumprod(0)",
                "a.cumsum(-2)"]


def small_values(dtype, shape, seed=0):
    """Values in -2..2 (0..3 unsigned; -1..1 for int8): running sums and
    products stay in the input dtype's range (see
    test_cumsum_cumprod_accumulate_in_the_result_dtype for overflow)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind in "bu":
        v = rng.integers(0, 2 if dt.kind == "b" else 3, size=shape)
    elif dt == np.int8:
        v = rng.choice([-1, 1, 1, 0], size=shape, p=[0.3, 0.3, 0.38, 0.02])
    else:
        v = rng.choice([-2, -1, 1, 1, 2, 0], size=shape, p=[0.1, 0.3, 0.3, 0.2, 0.08, 0.02])
    if dt.kind == "c":
        return (v + 1j * rng.choice([-1, 0, 1], size=shape)).astype(dt) * 0.75
    if dt.kind == "f":
        return v.astype(dt) * 0.75
    return v.astype(dt)



def cum_params():
    params = []
    for p in calls_and_views(CUM_CALLS_1D, CUM_CALLS_2D):
        for dtype in DTYPES:
            ndim, view, call = p.values
            marks = []
            params.append(pytest.param(ndim, view, call, dtype, marks=marks, id=f"{p.id}-{dt_id(dtype)}"))
    return params


@pytest.mark.parametrize("ndim, view, call, dtype", cum_params())
def test_cumsum_cumprod(ndim, view, call, dtype):
    # Small ints accumulate as int64, uint16 as uint64, bools as int64.
    a = make_view(ndim, view, small_values, dtype)
    check(returning_plain(call), a, rtol=rtol_for(dtype))


@pytest.mark.parametrize("shape, call", [
    ((0,), "np.cumsum(a)"), ((0,), "np.cumprod(a)"), ((0, 3), "np.cumsum(a, axis=0)"),
    ((0, 3), "np.cumprod(a, axis=1)"), ((3, 0), "np.cumsum(a, axis=1)"), ((3, 0), "np.cumsum(a)"),
], ids=str)
@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.float32], ids=dt_id)
def test_cumsum_cumprod_of_empty(dtype, shape, call):
    check(returning_plain(call), np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("values", [[np.nan, 1.0, 2.0], [1.0, np.inf, -np.inf, 2.0], [0.0, -0.0, -0.0]],
                         ids=["nan", "infs", "signed-zeros"])
@pytest.mark.parametrize("call", ["np.cumsum(a)", "np.cumprod(a)"])
def test_cumsum_cumprod_special_values(call, values):
    check(returning_plain(call), np.array(values))



@pytest.mark.parametrize("call, values, dtype", [
    pytest.param("np.cumsum(a)", [100, 100, 100], np.int8),
    pytest.param("np.cumsum(a)", [60000, 60000], np.uint16),
    pytest.param("np.cumsum(a)", [2**31 - 1, 1], np.int32),
    pytest.param("np.cumsum(a)", [True, True, True], np.bool_),
    pytest.param("np.cumprod(a)", [16, 16, 2], np.int8),
    pytest.param("np.cumsum(a, axis=0)", [[100, 1], [100, 2]], np.int8),
    pytest.param("np.cumsum(a)", [2**62, 2**62], np.int64, id="int64-wraps-as-numpy"),
    pytest.param("np.cumprod(a)", [2.0**600, 2.0**600, 0.0], np.float64, id="float-overflow-inf-then-nan"),
], ids=str)
def test_cumsum_cumprod_accumulate_in_the_result_dtype(call, values, dtype):
    check(returning_plain(call), np.array(values, dtype=dtype))


def test_cumsum_cumprod_axis_out_of_bounds():
    check_raises(returning_plain("np.cumsum(a, axis=1)"), np.ones(3))
    check_raises(returning_plain("np.cumprod(a, axis=2)"), np.ones((2, 3)))


# ---------------------------------------------------------------------------
# diff

DIFF_CALLS_1D = ["np.diff(a)", "np.diff(a, 2)", "np.diff(a, n=3)", "np.diff(a, n=0)", "np.diff(a, axis=0)",
                 "np.diff(a, n=2, axis=-1)", "np.diff(a, n=50)"]
DIFF_CALLS_2D = ["np.diff(a)", "np.diff(a, axis=0)", "np.diff(a, n=2, axis=0)", "np.diff(a, n=2, axis=1)",
                 "np.diff(a, axis=-2)", "np.diff(a, n=40, axis=0)", "np.diff(a, n=3)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view, call", calls_and_views(DIFF_CALLS_1D, DIFF_CALLS_2D))
def test_diff(ndim, view, call, dtype):
    # Booleans are compared (not_equal), everything else subtracted in its
    # own dtype; n beyond the length gives an empty result.
    a = make_view(ndim, view, ties, dtype)
    check(returning_plain(call), a)


@pytest.mark.parametrize("values, dtype", [
    ([-128, 127, -128, 0], np.int8),
    ([5, 2, 0, 65535], np.uint16),
    ([np.inf, np.inf, np.nan, 1.0, -np.inf], np.float64),
], ids=["int8-wraps", "uint16-wraps", "float-inf-nan"])
@pytest.mark.parametrize("n", [1, 2])
def test_diff_wraps_and_special_values(values, dtype, n):
    check(returning_plain(f"np.diff(a, n={n})"), np.array(values, dtype=dtype))


@pytest.mark.parametrize("call, shape", [
    ("np.diff(a, n=-1)", (4,)),
    ("np.diff(a, axis=1)", (4,)),
    ("np.diff(a, axis=-2)", (4,)),
    ("np.diff(a, axis=2)", (2, 3)),
    ("np.diff(a)", ()),
], ids=str)
def test_diff_errors(call, shape):
    # n < 0, an axis out of bounds (NumPy's AxisError) and a 0-d input.
    check_raises(returning_plain(call), np.ones(shape))


# ---------------------------------------------------------------------------
# var / std

STAT_CALLS = ["np.var(a)", "np.std(a)", "np.var(a, ddof=2)", "a.var()", "a.std(ddof=1)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view, call", calls_and_views(STAT_CALLS, STAT_CALLS))
def test_var_std(ndim, view, call, dtype):
    # bool and int give float64, float32 float32, complex128 float64.
    a = make_view(ndim, view, spread, dtype)
    check(returning(call), a, rtol=rtol_for(dtype))


@pytest.mark.parametrize("values", [[1.0, np.nan, 2.0], [1.0, np.inf], [5.0], [3.0, 3.0, 3.0]],
                         ids=["nan", "inf", "single", "constant"])
@pytest.mark.parametrize("call", ["np.var(a)", "np.std(a)"])
def test_var_std_special_values(call, values):
    check(returning(call), np.array(values), rtol=1e-15)



@pytest.mark.parametrize("call, values", [
    pytest.param("np.var(a)", []),
    pytest.param("np.std(a)", []),
    pytest.param("np.var(a, ddof=1)", [2.0]),
    pytest.param("np.var(a, ddof=3)", [1.0, 2.0, 4.0]),
    pytest.param("np.std(a, ddof=5)", [1.0, 2.0, 4.0]),
], ids=str)
def test_var_std_without_degrees_of_freedom(call, values):
    check(returning(call), np.array(values, dtype=np.float64))


# ---------------------------------------------------------------------------
# count_nonzero

@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view", view_params())
def test_count_nonzero(ndim, view, dtype):
    a = make_view(ndim, view, ties, dtype)
    check(returning("np.count_nonzero(a)"), a)


@pytest.mark.parametrize("values, dtype", [
    ([0.0, -0.0, np.nan, 1e-300, -np.inf, 0.0], np.float64),
    ([-0.0, np.nan, 0.0], np.float32),
    ([0j, complex(-0.0, 0.0), 1j, complex(np.nan, 0), complex(0, -0.0), 2], np.complex128),
    ([True, False, True, True], np.bool_),
    ([0, -128, 127, 0], np.int8),
    ([], np.float64),
    ([], np.bool_),
], ids=["float64-zeros-nan", "float32-zeros-nan", "complex", "bool", "int8", "empty-float", "empty-bool"])
def test_count_nonzero_special_values(values, dtype):
    # -0.0 is zero, NaN is not.
    check(returning("np.count_nonzero(a)"), np.array(values, dtype=dtype))


# ---------------------------------------------------------------------------
# isclose / allclose

CLOSE_A = [1.0, 1.0 + 1e-6, 1.1, np.inf, -np.inf, np.inf, np.nan, np.nan, 0.0, 1e-9, -0.0, 5.0, 100.0]
CLOSE_B = [1.0, 1.0, 1.0, np.inf, -np.inf, -np.inf, np.nan, 1.0, 1e-9, 0.0, 0.0, np.inf, 100.001]
CLOSE_CALLS = [
    "np.isclose(a, b)",
    "np.isclose(a, b, equal_nan=True)",
    "np.isclose(a, b, rtol=1e-3)",
    "np.isclose(a, b, rtol=0.0, atol=1e-8)",
    "np.isclose(a, b, rtol=1e-2, atol=0.5, equal_nan=True)",
    "np.isclose(b, a, 1e-5, 1e-8, True)",
    "np.allclose(a, b)",
    "np.allclose(a, b, equal_nan=True)",
    "np.allclose(a, b, rtol=0.2, atol=2.0, equal_nan=True)",
]


@pytest.mark.parametrize("call", CLOSE_CALLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128], ids=dt_id)
def test_isclose_allclose_with_inf_and_nan(dtype, call):
    a = np.array(CLOSE_A, dtype=dtype)
    b = np.array(CLOSE_B, dtype=dtype)
    check(returning(call, "a, b"), a, b)


@pytest.mark.parametrize("call", CLOSE_CALLS)
def test_isclose_allclose_same_nans_and_infs(call):
    # allclose is True here only with equal_nan=True.
    a = np.array([1.0, np.nan, np.inf, -np.inf, 2.0])
    check(returning(call, "a, b"), a, a.copy() + np.array([0, 0, 0, 0, 1e-7]))


def test_isclose_complex_values():
    a = np.array([1 + 1j, complex(np.inf, 0), complex(0, np.inf), complex(np.nan, 1), 1j, 3 + 4j])
    b = np.array([1 + 1.000001j, complex(np.inf, 0), complex(0, -np.inf), complex(1, np.nan), 1.0, 3 + 4.00001j])
    for call in ["np.isclose(a, b)", "np.isclose(a, b, equal_nan=True)", "np.allclose(a, a)"]:
        check(returning(call, "a, b"), a, b)


INT_CLOSE_DTYPES = [np.int8, np.int32, np.int64, np.uint16]



def int_close_params():
    params = []
    for dtype in INT_CLOSE_DTYPES:
        for call in CLOSE_CALLS:
            params.append(pytest.param(dtype, call, id=f"{dt_id(dtype)}-{call}"))
    return params


@pytest.mark.parametrize("dtype, call", int_close_params())
def test_isclose_allclose_int_arrays(dtype, call):
    a = np.array([0, 1, 5, 100, 100, 7, 0], dtype=dtype)
    b = np.array([0, 2, 5, 101, 99, 70, 1], dtype=dtype)
    check(returning(call, "a, b"), a, b)


@pytest.mark.parametrize("a, b, call", [
    pytest.param(np.array([-128, 100], dtype=np.int8), np.array([127, 100], dtype=np.int8),
                 "np.isclose(a, b, rtol=0.01)", id="int8-difference-overflows"),
    pytest.param(np.array([0, 3], dtype=np.uint16), np.array([65535, 2], dtype=np.uint16),
                 "np.isclose(a, b, rtol=1e-4)", id="uint16-difference-wraps"),
    pytest.param(np.array([0, 3], dtype=np.uint16), np.array([65535, 2], dtype=np.uint16),
                 "np.allclose(a, b, rtol=1e-4)", id="uint16-allclose"),
    pytest.param(np.array([np.iinfo(np.int64).min, 0]), np.array([np.iinfo(np.int64).max, 0]),
                 "np.isclose(a, b, rtol=0.1)", id="int64-difference-overflows"),
])
def test_isclose_int_differences_do_not_wrap(a, b, call):
    # NumPy computes |a - b| in float64 (it converts b, and then a, to a
    # float type), so the difference of two ints never wraps around.
    check(returning(call, "a, b"), a, b)


@pytest.mark.parametrize("a, b", [
    pytest.param(np.array([1, 2, 3]), np.array([1.0, 2.00001, 3.1]), id="int64-float64"),
    pytest.param(np.array([1.0, 2.0], dtype=np.float32), np.array([1, 3], dtype=np.int8), id="float32-int8"),
    pytest.param(np.array([1.0, 2.0]), np.array([1 + 0j, 2 + 1e-9j]), id="float64-complex128"),
])
@pytest.mark.parametrize("call", ["np.isclose(a, b)", "np.allclose(a, b)"])
def test_isclose_allclose_mixed_dtypes(a, b, call):
    check(returning(call, "a, b"), a, b)


@pytest.mark.parametrize("call", ["np.isclose(a, b)", "np.allclose(a, b)"])
def test_isclose_allclose_bool_arrays(call):
    a = np.array([True, False, True])
    b = np.array([True, True, False])
    check(returning(call, "a, b"), a, b)


@pytest.mark.parametrize("call", CLOSE_CALLS)
def test_isclose_allclose_broadcast_2d_against_1d(call):
    a = np.array(CLOSE_A[:12]).reshape(3, 4)
    b = np.array([1.0, np.nan, np.inf, 1e-9])
    check(returning(call, "a, b"), a, b)
    check(returning(call, "a, b"), b, a.T[:, ::-1].T)


@pytest.mark.parametrize("call", [
    "np.isclose(a, b)", "np.isclose(a, b, equal_nan=True)", "np.isclose(a, 1.0)", "np.isclose(2, b)",
    "np.allclose(a, b)",
])
@pytest.mark.parametrize("a, b", [(1.0, 1.0 + 1e-9), (np.nan, np.nan), (np.inf, np.inf), (1.0, 2.0), (3, 3.0)],
                         ids=["close", "nan", "inf", "far", "int-float"])
def test_isclose_allclose_of_scalars(a, b, call):
    check(returning(call, "a, b"), a, b)


@pytest.mark.parametrize("call", ["np.isclose(a, b)", "np.allclose(a, b)"])
def test_isclose_allclose_non_contiguous(call):
    base = spread(np.float64, (6, 8), seed=3)
    a, b = base[::2, ::-1], base[1::2, :] + 1e-7
    check(returning(call, "a, b"), a, b)
    check(returning(call, "a, b"), base[:, 1:], base[:, :-1])


def test_isclose_shape_mismatch_raises_value_error():
    check_raises(returning("np.isclose(a, b)", "a, b"), np.ones(3), np.ones(4))


# ---------------------------------------------------------------------------
# round / around

ROUND_CALLS = ["np.round(a)", "np.round(a, 2)", "np.around(a, decimals=3)", "np.round(a, decimals=-2)",
               "a.round()", "a.round(1)", "a.round(decimals=-1)"]


def round_values(dtype, shape, seed=0):
    """Halves (NumPy rounds half to even) and random floats; integers with
    fives in the last digit."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        v = rng.integers(0 if dt.kind == "u" else -120, 120, size=shape)
        v.flat[:6] = [15, 25, 150, 5, 45, 115]
        return v.astype(dt)
    v = rng.uniform(-300, 300, size=shape)
    v.flat[:10] = [0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375, 15.0, 25.0, 250.0]
    if dt.kind == "c":
        return (v + 1j * rng.uniform(-300, 300, size=shape)).astype(dt)
    return v.astype(dt)


def round_params():
    params = []
    for p in calls_and_views(ROUND_CALLS, ROUND_CALLS):
        ndim, view, call = p.values
        for dtype in NUMERIC_DTYPES:
            params.append(pytest.param(ndim, view, call, dtype, id=f"{p.id}-{dt_id(dtype)}"))
    return params


@pytest.mark.parametrize("ndim, view, call, dtype", round_params())
def test_round(ndim, view, call, dtype):
    # Integers keep their dtype (decimals >= 0 is a copy; negative decimals
    # round to tens through float64), floats and complex keep theirs
    # (complex: the real and imaginary parts rounded as floats).
    a = make_view(ndim, view, round_values, dtype)
    check(returning_plain(call), a)


@pytest.mark.parametrize("decimals", [0, 1, 2, 5, 9, 23, 25, 30, -1, -3, -23, -25])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.complex64, np.complex128, np.int16,
                                   np.uint8, np.int64], ids=dt_id)
def test_round_decimals_and_dtypes(dtype, decimals):
    # NumPy's powers of ten (exact up to 1e22, then multiplied by ten) and
    # the dtype's own arithmetic (float16, float32, complex64 parts).
    a = round_values(dtype, (200,), seed=decimals % 7)
    check(returning_plain(f"np.round(a, {decimals})"), a)


@pytest.mark.parametrize("call", ["np.round(a)", "np.round(a, 2)", "np.round(a, -1)"])
@pytest.mark.parametrize("values", [[np.nan, np.inf, -np.inf, -0.0, 0.49999999999999994, -1.5, 1e300, 2.675]],
                         ids=["special"])
def test_round_special_values(values, call):
    check(returning_plain(call), np.array(values))


@pytest.mark.parametrize("call", ["np.round(a)", "a.round()", "np.around(a, 0)"])
def test_round_bool(call):
    # NumPy's rint of booleans: float16.
    check(returning_plain(call), np.array([True, False, True]))
    check(returning_plain(call), np.array([[True, False], [False, False]]).T)


@pytest.mark.parametrize("call", ["np.round(a, 2)", "np.round(a, -1)", "a.round(1)"])
def test_round_bool_with_decimals_raises_type_error(call):
    # NumPy's multiply (divide) cannot cast its float64 result to bool.
    check_raises(returning_plain(call), np.array([True, False, True]), exc=TypeError)


# ---------------------------------------------------------------------------
# dot / matmul / @ / outer


def product_operands(shape_a, shape_b, dtype_a, dtype_b, layout):
    """Operands with small values (no overflow in int8); ``strided`` makes
    each a non-contiguous view (every other row or column, reversed or
    transposed)."""
    def one(shape, dtype, seed, flip):
        if layout == "contiguous":
            return ties(dtype, shape, seed, span=3)
        if len(shape) == 1:
            return ties(dtype, (2 * shape[0],), seed, span=3)[::-2 if flip else 2]
        if flip:
            return ties(dtype, shape[::-1], seed, span=3).T
        return ties(dtype, (shape[0], 2 * shape[1]), seed, span=3)[:, ::2]
    return one(shape_a, dtype_a, 1, False), one(shape_b, dtype_b, 2, True)


PRODUCT_SHAPES = {
    "2d@2d": ((3, 4), (4, 2)),
    "2d@1d": ((3, 4), (4,)),
    "1d@2d": ((3,), (3, 4)),
    "1d@1d": ((5,), (5,)),
}
PRODUCT_CALLS = ["np.dot(a, b)", "a.dot(b)", "np.matmul(a, b)", "a @ b"]

def product_params():
    # NumPy's dot and matmul keep the operands' dtype (bool stays bool: "or"
    # of "and"s; int8 and int32 do not widen), and so does jitufunc.
    return [pytest.param(shapes, call, dtype, id=f"{shapes}-{call}-{dt_id(dtype)}")
            for shapes in PRODUCT_SHAPES for call in PRODUCT_CALLS for dtype in DTYPES]


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("shapes, call, dtype", product_params())
def test_dot_matmul(shapes, call, dtype, layout):
    a, b = product_operands(*PRODUCT_SHAPES[shapes], dtype, dtype, layout)
    check(returning(call, "a, b"), a, b, rtol=rtol_for(dtype))


@pytest.mark.parametrize("dtypes", [
    (np.int64, np.float64), (np.float32, np.int64), (np.float32, np.complex128), (np.int64, np.float32),
    (np.float32, np.float64),
], ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
@pytest.mark.parametrize("shapes", list(PRODUCT_SHAPES))
@pytest.mark.parametrize("call", ["np.dot(a, b)", "a @ b"])
def test_dot_matmul_mixed_dtypes(call, shapes, dtypes):
    a, b = product_operands(*PRODUCT_SHAPES[shapes], *dtypes, "contiguous")
    check(returning(call, "a, b"), a, b, rtol=rtol_for(*dtypes))


@pytest.mark.parametrize("shape_a, shape_b", [((3, 0), (0, 2)), ((0,), (0,)), ((0, 3), (3,)), ((2,), (2, 0))],
                         ids=str)
@pytest.mark.parametrize("call", ["np.dot(a, b)", "a @ b"])
def test_dot_matmul_empty(call, shape_a, shape_b):
    check(returning(call, "a, b"), np.ones(shape_a), np.ones(shape_b))


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (3, 2)), ((3, 4), (3,)), ((3,), (4, 2)), ((3,), (4,))],
                         ids=str)
@pytest.mark.parametrize("call", PRODUCT_CALLS)
def test_dot_matmul_mismatched_shapes_raise_value_error(call, shape_a, shape_b):
    check_raises(returning(call, "a, b"), np.ones(shape_a), np.ones(shape_b))


@pytest.mark.parametrize("call", ["np.matmul(a, b)", "a @ b"])
def test_matmul_of_a_0d_operand_raises_value_error(call):
    check_raises(returning_plain(call, "a, b"), np.array(2.0), np.ones(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128], ids=dt_id)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("call", ["a @ b", "np.dot(a, b)", "np.dot(a[0], b[:, 0])"])
def test_dot_matmul_long_inner_dimension(call, layout, dtype):
    # Inexact values over 37 terms: the summation order may differ from
    # NumPy's (BLAS), so within a tight rtol.
    a, b = product_operands((5, 37), (37, 3), dtype, dtype, layout)
    a = (a * np.pi).astype(dtype)
    check(returning(call, "a, b"), a, b, rtol=2e-5 if dtype is np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("shapes", [((4,), (3,)), ((2, 3), (3,)), ((3,), (2, 2)), ((0,), (3,))], ids=str)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_outer(shapes, layout, dtype):
    # 2-d operands are flattened; bool * bool stays bool.
    a, b = product_operands(*shapes, dtype, dtype, layout)
    check(returning_plain("np.outer(a, b)", "a, b"), a, b)


@pytest.mark.parametrize("dtypes", [(np.int8, np.float32), (np.bool_, np.int32), (np.uint16, np.int8),
                                    (np.float64, np.complex128)],
                         ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
def test_outer_mixed_dtypes(dtypes):
    a, b = product_operands((4,), (3,), *dtypes, "contiguous")
    check(returning_plain("np.outer(a, b)", "a, b"), a, b)


# ---------------------------------------------------------------------------
# trace

TRACE_CALLS = ["np.trace(a)", "np.trace(a, 1)", "np.trace(a, offset=-1)", "np.trace(a, offset=3)",
               "np.trace(a, offset=-5)", "np.trace(a, 40)", "np.trace(a, -40)", "a.trace()", "a.trace(1)",
               "a.trace(offset=-2)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("view", list(VIEWS_2D))
@pytest.mark.parametrize("call", TRACE_CALLS)
def test_trace(call, view, dtype):
    # Sums with the dtype of np.sum: bool and small ints give int64,
    # uint16 uint64; an offset past the edge gives 0.
    a = VIEWS_2D[view](spread(dtype, (7, 5)))
    check(returning(call), a, rtol=rtol_for(dtype))


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0)], ids=str)
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.float32, np.complex128], ids=dt_id)
def test_trace_empty(dtype, shape):
    check(returning("np.trace(a)"), np.zeros(shape, dtype=dtype))


# ---------------------------------------------------------------------------
# argsort / sort / a.sort()


def with_stable_kind(call):
    """The NumPy reference of an argsort call: ours is a stable merge sort,
    so among ties it gives the indices in order, as NumPy's kind="stable"
    (NumPy's default quicksort may order ties differently)."""
    return call[:-1] + (", " if call[-2] != "(" else "") + 'kind="stable")'


def sort_values(dtype, shape, seed=0):
    """Many ties; floats also hold NaNs, infinities and signed zeros (equal,
    so a stable sort keeps their order)."""
    a = ties(dtype, shape, seed)
    dt = np.dtype(dtype)
    if dt.kind in "fc":
        flat = a.reshape(-1)
        rng = np.random.default_rng(seed + 100)
        special = [np.nan, np.inf, -np.inf, -0.0, 0.0, np.nan, -0.0]
        where = rng.choice(flat.size, size=len(special), replace=False)
        flat[where] = special
    return a


ARGSORT_CALLS_1D = ["np.argsort(a)", "a.argsort()", "np.argsort(a, axis=0)", "np.argsort(a, axis=-1)",
                    "a.argsort(axis=-1)"]
ARGSORT_CALLS_2D = ["np.argsort(a)", "a.argsort()", "np.argsort(a, axis=0)", "np.argsort(a, axis=1)",
                    "np.argsort(a, axis=-1)", "a.argsort(axis=0)", "a.argsort(0)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view, call", calls_and_views(ARGSORT_CALLS_1D, ARGSORT_CALLS_2D))
def test_argsort_is_stable_with_nans_last(ndim, view, call, dtype):
    a = make_view(ndim, view, sort_values, dtype)
    check(returning_plain(call), a, reference=returning_plain(with_stable_kind(call)))


@pytest.mark.parametrize("call", ["np.argsort(a, axis=-2)", "a.argsort(axis=-2)", "np.argsort(a, axis=None)"])
def test_argsort_2d_other_axes(call):
    a = sort_values(np.float64, (20, 3))
    check(returning_plain(call), a, reference=returning_plain(with_stable_kind(call)))


@pytest.mark.parametrize("call", [
    "np.argsort(a, axis=1)", "np.sort(a, axis=1)", "np.argsort(a, axis=-2)", "a.sort(axis=1)", "np.sort(a, axis=2)",
])
def test_sort_argsort_axis_out_of_bounds(call):
    # NumPy's AxisError is a ValueError.
    check_raises(returning_plain(call), np.array([3.0, 1.0, 2.0]) if "=2" not in call else np.ones((2, 2)))


def test_argsort_1d_axis_none():
    a = sort_values(np.float64, (30,))
    call = "np.argsort(a, axis=None)"
    check(returning_plain(call), a, reference=returning_plain(with_stable_kind(call)))


@pytest.mark.parametrize("n", [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 257])
@pytest.mark.parametrize("order", ["random", "ascending", "descending", "constant"])
def test_argsort_lengths_around_the_merge_runs(order, n):
    rng = np.random.default_rng(n)
    a = {"random": rng.integers(0, 7, size=n), "ascending": np.arange(n), "descending": np.arange(n)[::-1],
         "constant": np.full(n, 3)}[order].astype(np.float64)
    check(returning_plain("np.argsort(a)"), a, reference=returning_plain('np.argsort(a, kind="stable")'))
    check(returning_plain("np.sort(a)"), a)


def complex_with_nans(n, seed):
    """Complex values whose parts are drawn from a few numbers, infinities
    and NaNs (many ties, NaNs in either part or both)."""
    rng = np.random.default_rng(seed)
    parts = np.array([0.0, 1.0, -1.0, 2.5, np.nan, np.inf, -np.inf])
    out = np.empty(n, dtype=np.complex128)
    out.real = rng.choice(parts, n)
    out.imag = rng.choice(parts, n)
    return out


@pytest.mark.parametrize("values", [
    pytest.param([complex(np.nan, 0), complex(1, np.nan), 1 + 1j, complex(np.nan, np.nan), 0j],
                 id="nan-real-before-nan-imag"),
    pytest.param([complex(1, np.nan), complex(np.nan, 0), 1 + 1j, 0j], id="already-in-numpy-order"),
    pytest.param([2 + 1j, 1 + 3j, 2 - 1j, 1 + 3j, -1 + 0j], id="lexicographic-with-ties"),
    pytest.param([complex(np.nan, 2), complex(np.nan, -1), complex(3, np.nan), complex(-3, np.nan),
                  complex(np.nan, np.nan), complex(np.inf, np.nan), complex(np.nan, np.inf), 1j],
                 id="nan-parts-ordered-by-the-other-part"),
    pytest.param(complex_with_nans(60, 1), id="random-nans-and-infinities"),
    pytest.param(complex_with_nans(200, 2), id="random-nans-and-infinities-200"),
])
@pytest.mark.parametrize("call", ["np.argsort(a)", "np.sort(a)"])
def test_sort_argsort_complex(call, values):
    # NumPy orders complex numbers lexicographically with NaN parts last:
    # R + Rj < R + nanj < nan + Rj < nan + nanj (ties by the other part).
    check(returning_plain(call), np.array(values), reference=returning_plain(with_stable_kind(call)))


@pytest.mark.parametrize("seed", [3, 4])
def test_sort_searchsorted_unique_complex_with_nans(seed):
    a = complex_with_nans(80, seed)
    check(returning_plain("np.sort(a, axis=0)"), a.reshape(20, 4))
    check(returning_plain("np.unique(a)"), a)
    check(returning_plain("np.searchsorted(s, v)", "s, v"), np.sort(a), complex_with_nans(30, seed + 10))


SORT_CALLS_1D = ["np.sort(a)", "np.sort(a, axis=0)", "np.sort(a, axis=-1)", "np.sort(a, axis=None)"]
SORT_CALLS_2D = ["np.sort(a)", "np.sort(a, axis=0)", "np.sort(a, axis=1)", "np.sort(a, axis=-1)",
                 "np.sort(a, axis=None)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view, call", calls_and_views(SORT_CALLS_1D, SORT_CALLS_2D))
def test_sort(ndim, view, call, dtype):
    a = make_view(ndim, view, sort_values, dtype)
    check(returning_plain(call), a)


def test_sort_2d_axis_minus_2():
    check(returning_plain("np.sort(a, axis=-2)"), sort_values(np.float64, (20, 3)))


def check_sorted_in_place(call, dtype, ndim, view):
    """``a.sort(...)`` on a view of a fresh base, in NumPy and compiled: the
    return values (None) agree, and so do the bases afterwards (the view's
    elements sorted, the rest untouched)."""
    py, jf = py_and_jit(f"def f(a):\n    r = {call}\n    return r\n")
    make = sort_values
    base_np = make(dtype, SHAPE_1D if ndim == 1 else SHAPE_2D)
    base_jit = base_np.copy()
    views = VIEWS_1D if ndim == 1 else VIEWS_2D
    want = py(views[view](base_np))
    got = jf(views[view](base_jit))
    assert got is None and want is None
    assert_same(base_jit, base_np, where="the array after the call")


SORT_METHOD_1D = ["a.sort()", "a.sort(axis=0)", "a.sort(axis=-1)", "a.sort(0)"]
SORT_METHOD_2D = ["a.sort()", "a.sort(axis=0)", "a.sort(axis=1)", "a.sort(-1)", "a.sort(0)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view, call", calls_and_views(SORT_METHOD_1D, SORT_METHOD_2D))
def test_sort_method_sorts_in_place(ndim, view, call, dtype):
    check_sorted_in_place(call, dtype, ndim, view)


@pytest.mark.parametrize("view", ["contiguous", "T"])
def test_sort_method_axis_minus_2(view):
    check_sorted_in_place("a.sort(axis=-2)", np.float64, 2, view)


def test_sort_method_on_a_local_array_and_on_empty():
    check(returning_plain("np.sort(a)"), np.zeros(0))
    check(returning_plain("np.sort(a, axis=0)"), np.zeros((0, 3)))
    check_sorted_in_place("a.sort()", np.int32, 1, "contiguous")
    py, jf = py_and_jit("def f(n):\n    a = np.arange(n)[::-1] * 1.5\n    a.sort()\n    return a\n")
    assert_same(jf(9), py(9))


# ---------------------------------------------------------------------------
# searchsorted


def sorted_with_nans(dtype, n=25, seed=0):
    a = np.sort(ties(dtype, (n,), seed), kind="stable")
    if np.dtype(dtype).kind in "fc":
        a[-3:] = np.nan
    return a


def probes(dtype):
    """Below, between, equal to, above the sorted values (and NaN)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.array([False, True, True], dtype=dt)
    if dt.kind == "u":
        return np.array([0, 3, 4, 9, 100, 65535], dtype=dt)
    if dt.kind == "i":
        return np.array([-100, -5, -3, 0, 2, 4, 100], dtype=dt)
    if dt.kind == "f":
        return np.array([-np.inf, -2.5, -0.75, 0.0, -0.0, 1.0, 2.0, 2.25, np.inf, np.nan], dtype=dt)
    return np.array([-3 - 3j, -2.5 + 0j, 0.5j, 1 + 1j, 2 - 2.5j, 5 + 0j, complex(np.nan, 0)], dtype=dt)


SEARCH_CALLS = ["np.searchsorted(a, v)", "a.searchsorted(v)"]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("layout", ["contiguous", "step2", "reversed-of-descending"])
@pytest.mark.parametrize("call", SEARCH_CALLS)
def test_searchsorted(call, layout, dtype):
    # side="left": the first index where v fits; NaN sorts last.
    a = sorted_with_nans(dtype, 50 if layout == "step2" else 25)
    if layout == "step2":
        a = a[::2]
    elif layout == "reversed-of-descending":
        a = a[::-1].copy()[::-1]
    v = probes(dtype)
    src = returning(call, "a, v")
    check(src, a, v)
    check(src, a, v[::-1])
    check(src, a, np.resize(v, (3, 4)).T)
    for x in v[:4]:
        check(src, a, x)


@pytest.mark.parametrize("call", SEARCH_CALLS)
def test_searchsorted_python_scalars_and_literals(call):
    a = np.array([1.0, 2.0, 2.0, 3.0, np.nan, np.nan])
    src = returning(call, "a, v")
    for v in [2.0, 2.5, 0.0, 10.0, float("nan"), 2]:
        check(src, a, v)
    check(returning(call.replace("v", "2.0")), a)
    check(returning(call.replace("v", "2")), np.array([1, 2, 2, 3]))


@pytest.mark.parametrize("a, v", [
    (np.array([1, 2, 2, 3]), 2.5),
    (np.array([1, 2, 2, 3]), np.array([1.5, 2.0, -1.0])),
    (np.array([1.0, 2.0, 2.5]), np.array([2, 3], dtype=np.int8)),
    (np.array([0, 200, 60000], dtype=np.uint16), np.array([-1, 199, 70000])),
], ids=["int-array-float-scalar", "int-array-float-array", "float-array-int8", "uint16-int64"])
def test_searchsorted_mixed_dtypes(a, v):
    check(returning("np.searchsorted(a, v)", "a, v"), a, v)


def test_searchsorted_empty():
    src = returning("np.searchsorted(a, v)", "a, v")
    check(src, np.zeros(0), np.array([1.0, np.nan]))
    check(src, np.zeros(0), 1.0)
    check(src, np.arange(3.0), np.zeros(0))
    check(src, np.arange(3.0), np.zeros((0, 2)))


def test_searchsorted_of_a_2d_array_raises_value_error():
    check_raises(returning_plain("np.searchsorted(a, v)", "a, v"), np.ones((2, 3)), 1.0)


# ---------------------------------------------------------------------------
# unique


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("ndim, view", view_params())
def test_unique(ndim, view, dtype):
    # Sorted, flattened; all NaNs collapse into one (NumPy's equal_nan=True).
    a = make_view(ndim, view, sort_values if dtype is not np.complex128 else ties, dtype)
    check(returning_plain("np.unique(a)"), a)


@pytest.mark.parametrize("values, dtype", [
    ([3, 1, 3, 3, 2, 1, 1], np.int64),
    ([-128, 127, -128, 0], np.int8),
    ([65535, 0, 65535], np.uint16),
    ([np.nan, 1.0, np.nan, -np.inf, 1.0, np.nan], np.float64),
    ([np.nan, np.nan], np.float32),
    ([-0.0, 0.0, 1.5, -0.0], np.float64),
    ([True, True], np.bool_),
    ([1 + 1j, 1 - 1j, 1 + 1j, -2 + 0j], np.complex128),
    ([], np.float64),
    ([], np.int32),
    ([5], np.int8),
], ids=["int64-repeats", "int8-extremes", "uint16", "float64-nans", "float32-all-nan", "signed-zeros",
        "bool-one-value", "complex", "empty-float", "empty-int", "single"])
def test_unique_values(values, dtype):
    check(returning_plain("np.unique(a)"), np.array(values, dtype=dtype))


@pytest.mark.parametrize("values", [
    [complex(np.nan, 0), 1 + 0j, complex(1, np.nan), complex(np.nan, 0)],
    [complex(np.nan, 0), complex(1, np.nan), 0j],
    [complex(np.nan, 1), complex(np.nan, 0), complex(2, np.nan), 0j],
], ids=["nan-real-first", "nan-real-before-nan-imag", "two-nan-reals"])
def test_unique_complex_nans(values):
    # All complex values with a NaN part collapse into one: the first one
    # met (NumPy 2.x keeps the first occurrence too).
    check(returning_plain("np.unique(a)"), np.array(values))


# ---------------------------------------------------------------------------
# concatenate / stack / hstack / vstack

JOIN_1D = ["np.concatenate((a, b))", "np.concatenate((a, b, c))", "np.concatenate((a, b), axis=0)",
           "np.concatenate((a, b, c), axis=-1)", "np.stack((a, b))", "np.stack((a, b, c), axis=1)",
           "np.stack((a, b), axis=-1)", "np.stack((a, b, c), axis=-2)", "np.hstack((a, b))",
           "np.hstack((a, b, c))", "np.vstack((a, b))", "np.vstack((a, b, c))"]
JOIN_2D = ["np.concatenate((a, b))", "np.concatenate((a, b, c), axis=1)", "np.concatenate((a, b), axis=-1)",
           "np.concatenate((a, b, c), axis=-2)", "np.hstack((a, b))", "np.hstack((a, b, c))",
           "np.vstack((a, b))", "np.vstack((a, b, c))"]


def join_operands(ndim, layout, dtype):
    """Three operands of one shape ((7,) or (3, 4)): all contiguous, all
    non-contiguous views (steps, reversed, transposed), or ``mixed`` (a
    contiguous, b and c views)."""
    if ndim == 1:
        a, b, c = (ties(dtype, (14,), s) for s in (1, 2, 3))
        contiguous = a[:7].copy(), b[:7].copy(), c[:7].copy()
        strided = a[1::2], b[::2], c[::-2]
    else:
        a, b, c = (ties(dtype, (6, 8), s) for s in (1, 2, 3))
        contiguous = a[:3, :4].copy(), b[:3, :4].copy(), c[:3, :4].copy()
        strided = a[::2, 1:5], b[:4, :3].T, c[::-2, ::-2]
    if layout == "contiguous":
        return contiguous
    if layout == "strided":
        return strided
    return contiguous[0], strided[1], strided[2]


def join_params():
    return [pytest.param(1, call, id=f"1d-{call}") for call in JOIN_1D] + \
           [pytest.param(2, call, id=f"2d-{call}") for call in JOIN_2D]


@pytest.mark.parametrize("dtype", DTYPES, ids=dt_id)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("ndim, call", join_params())
def test_join(ndim, call, layout, dtype):
    a, b, c = join_operands(ndim, layout, dtype)
    check(returning_plain(call, "a, b, c"), a, b, c)


@pytest.mark.parametrize("dtype", [np.float64, np.int8], ids=dt_id)
@pytest.mark.parametrize("ndim, call", join_params())
def test_join_contiguous_with_non_contiguous(ndim, call, dtype):
    a, b, c = join_operands(ndim, "mixed", dtype)
    check(returning_plain(call, "a, b, c"), a, b, c)


@pytest.mark.parametrize("call, shapes", [
    ("np.concatenate((a, b, c))", [(3,), (0,), (5,)]),
    ("np.hstack((a, b, c))", [(1,), (4,), (2,)]),
    ("np.concatenate((a, b, c))", [(2, 3), (0, 3), (4, 3)]),
    ("np.concatenate((a, b, c), axis=1)", [(2, 3), (2, 1), (2, 0)]),
    ("np.hstack((a, b, c))", [(2, 3), (2, 5), (2, 1)]),
    ("np.vstack((a, b, c))", [(1, 3), (4, 3), (2, 3)]),
    ("np.stack((a, b, c))", [(0,), (0,), (0,)]),
    ("np.vstack((a, b, c))", [(0,), (0,), (0,)]),
], ids=str)
def test_join_different_lengths_along_the_axis(call, shapes):
    a, b, c = (ties(np.float64, s, i) for i, s in enumerate(shapes))
    check(returning_plain(call, "a, b, c"), a, b, c)


@pytest.mark.parametrize("call, shapes", [
    ("np.concatenate((a, b))", [(3, 4), (3, 5)]),
    ("np.concatenate((a, b), axis=0)", [(3, 4), (2, 3)]),
    ("np.concatenate((a, b), axis=1)", [(3, 4), (2, 4)]),
    ("np.concatenate((a, b), axis=-1)", [(3, 4), (2, 4)]),
    ("np.stack((a, b))", [(3,), (4,)]),
    ("np.stack((a, b), axis=1)", [(3,), (4,)]),
    ("np.vstack((a, b))", [(3,), (4,)]),
    ("np.vstack((a, b))", [(3, 4), (3, 5)]),
    ("np.hstack((a, b))", [(3, 4), (2, 4)]),
    ("np.concatenate((a, b), axis=1)", [(3,), (3,)]),
    ("np.concatenate((a, b), axis=2)", [(3, 4), (3, 4)]),
    ("np.stack((a, b), axis=2)", [(3,), (3,)]),
    ("np.stack((a, b), axis=-3)", [(3,), (3,)]),
], ids=str)
def test_join_mismatched_shapes_and_bad_axes_raise_value_error(call, shapes):
    a, b = (np.ones(s) for s in shapes)
    check_raises(returning_plain(call, "a, b"), a, b)


@pytest.mark.parametrize("call, a, b", [
    pytest.param("np.concatenate((a, b))", np.ones(3), np.arange(2, dtype=np.int32), id="concatenate-float64-int32"),
    pytest.param("np.vstack((a, b))", np.ones((1, 2), dtype=np.int8), np.ones((1, 2), dtype=np.int64),
                 id="vstack-int8-int64"),
    pytest.param("np.concatenate((a, b), axis=None)", np.ones((2, 2)), np.zeros((1, 3)), id="concatenate-axis-none"),
])
def test_join_beyond_one_dtype(call, a, b):
    check(returning_plain(call, "a, b"), a, b)


JOIN_MIXED_1D = ["np.concatenate((a, b, c))", "np.concatenate((a, b, c), axis=None)", "np.stack((a, b, c))",
                 "np.stack((a, b, c), axis=-1)", "np.hstack((a, b, c))", "np.vstack((a, b, c))"]
JOIN_MIXED_2D = ["np.concatenate((a, b, c))", "np.concatenate((a, b, c), axis=1)",
                 "np.concatenate((a, b, c), axis=None)", "np.stack((a, b, c))", "np.stack((a, b, c), axis=1)",
                 "np.stack((a, b, c), axis=-1)", "np.hstack((a, b, c))", "np.vstack((a, b, c))"]


@pytest.mark.parametrize("dtypes", [(np.bool_, np.int8, np.uint16), (np.float32, np.int64, np.bool_),
                                    (np.int8, np.uint8, np.float32), (np.complex128, np.float32, np.int32),
                                    (np.uint64, np.int64, np.int8), (np.float16, np.int16, np.float16)],
                         ids=lambda ds: "-".join(dt_id(d) for d in ds))
@pytest.mark.parametrize("layout", ["contiguous", "mixed"])
@pytest.mark.parametrize("ndim, call", [(1, c) for c in JOIN_MIXED_1D] + [(2, c) for c in JOIN_MIXED_2D],
                         ids=lambda x: str(x))
def test_join_mixed_dtypes(ndim, call, layout, dtypes):
    # NumPy's result dtype is the promotion of all the arrays' dtypes.
    a, b, c = join_operands(ndim, layout, np.int8)
    check(returning_plain(call, "a, b, c"), a.astype(dtypes[0]), b.astype(dtypes[1]), c.astype(dtypes[2]))


def nd_operands(shape, axis, seed, layout):
    """Three arrays (float64, int32, float64) of ``shape`` but for their
    lengths along ``axis`` (1, 2 and 3; None: all of ``shape``): all
    contiguous, all strided views (every other element, the last one
    reversed too), or ``mixed`` (the first contiguous)."""
    out = []
    for i, dtype in enumerate([np.float64, np.int32, np.float64]):
        s = list(shape)
        if axis is not None:
            s[axis] = i + 1
        view = ties(dtype, tuple(2 * n for n in s), seed + i)[tuple(slice(None, None, 2) for _ in s)]
        if layout == "contiguous" or (layout == "mixed" and i == 0):
            view = view.copy()
        elif i == 2:
            view = view[::-1]
        out.append(view)
    return out


@pytest.mark.parametrize("layout", ["contiguous", "strided", "mixed"])
@pytest.mark.parametrize("shape, axis", [((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), 2), ((2, 3, 4), -1),
                                         ((3, 2, 2, 3), 2), ((2, 1, 2, 1, 2), 4)], ids=str)
def test_concatenate_nd(shape, axis, layout):
    a, b, c = nd_operands(shape, axis % len(shape), 5, layout)
    check(returning_plain(f"np.concatenate((a, b, c), axis={axis})", "a, b, c"), a, b, c)
    check(returning_plain("np.concatenate((a, b, c), axis=None)", "a, b, c"), a, b, c)
    if axis == 0:
        check(returning_plain("np.vstack((a, b, c))", "a, b, c"), a, b, c)
    if axis == 1:
        check(returning_plain("np.hstack((a, b, c))", "a, b, c"), a, b, c)


@pytest.mark.parametrize("layout", ["contiguous", "strided", "mixed"])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4), (2, 1, 3, 2)], ids=str)
def test_stack_nd(shape, layout):
    a, b, c = nd_operands(shape, None, 6, layout)
    for axis in range(-len(shape) - 1, len(shape) + 1):
        check(returning_plain(f"np.stack((a, b, c), axis={axis})", "a, b, c"), a, b, c)


@pytest.mark.parametrize("call, shapes", [
    ("np.vstack((a, b))", [(3,), (2, 3)]),
    ("np.vstack((a, b))", [(2, 3), (3,)]),
    ("np.vstack((a, b, c))", [(1,), (1, 1), (4, 1)]),
    ("np.concatenate((a, b), axis=None)", [(2, 3), (4,)]),
    ("np.concatenate((a, b, c), axis=None)", [(2, 3, 2), (0,), (3, 1)]),
], ids=str)
def test_join_arrays_of_different_ndims(call, shapes):
    # vstack makes 1-d arrays rows (NumPy's atleast_2d); axis=None
    # flattens every array.
    a, b, c = (ties(np.float64, s, i) for i, s in enumerate(shapes + [(1,)] * (3 - len(shapes))))
    check(returning_plain(call, "a, b, c"), a[::-1] if a.ndim == 1 else a, b, c)


@pytest.mark.parametrize("call, shapes", [
    ("np.concatenate((a, b))", [(2, 3), (3,)]),
    ("np.concatenate((a, b), axis=1)", [(2, 3), (2, 3, 1)]),
    ("np.stack((a, b))", [(3,), (1, 3)]),
    ("np.stack((a, b), axis=-1)", [(2, 2), (2,)]),
    ("np.stack((a, b), axis=2)", [(2, 2), (2, 2, 1)]),
    ("np.hstack((a, b))", [(3,), (2, 3)]),
    ("np.hstack((a, b))", [(2, 3), (3,)]),
    ("np.vstack((a, b))", [(2, 3), (1, 2, 3)]),
], ids=str)
def test_join_different_ndims_raises_value_error(call, shapes):
    a, b = (np.ones(s) for s in shapes)
    check_raises(returning_plain(call, "a, b"), a, b.astype(np.int16))


def test_concatenate_different_ndims_raises_value_error():
    check_raises(returning_plain("np.concatenate((a, b))", "a, b"), np.ones((2, 3)), np.ones(3))


def test_join_many_arrays():
    # The first 16 arrays of a tuple may differ in dtype and layout; more
    # must be of one type.
    names = [f"x{i}" for i in range(16)]
    mixed = [ties([np.float32, np.int64, np.bool_][i % 3], (2 + i % 3,), i)[::1 + i % 2] for i in range(16)]
    check(returning_plain(f"np.concatenate(({', '.join(names)},))", ", ".join(names)), *mixed)
    check(returning_plain(f"np.hstack(({', '.join(names)},))", ", ".join(names)), *mixed)
    names = [f"x{i}" for i in range(21)]
    same = [ties(np.float64, (3,), i) for i in range(21)]
    for call in ["np.concatenate", "np.stack", "np.vstack"]:
        check(returning_plain(f"{call}(({', '.join(names)},))", ", ".join(names)), *same)


# ---------------------------------------------------------------------------
# histogram

HIST_CALLS = ["np.histogram(a)", "np.histogram(a, 1)", "np.histogram(a, bins=5)", "np.histogram(a, bins=10)",
              "np.histogram(a, 7)"]
def hist_params():
    params = []
    for ndim, name in [(1, n) for n in VIEWS_1D] + [(2, n) for n in VIEWS_2D]:
        for dtype in REAL_DTYPES:
            params.append(pytest.param(ndim, name, dtype, id=f"{ndim}d-{name}-{dt_id(dtype)}"))
    return params


@pytest.mark.filterwarnings("ignore:Converting input from bool:RuntimeWarning")
@pytest.mark.parametrize("call", HIST_CALLS)
@pytest.mark.parametrize("ndim, view, dtype", hist_params())
def test_histogram(ndim, view, dtype, call):
    # Counts are int64, edges float64 for integer data, else of the data's
    # dtype (float32 edges and bin arithmetic for float32 data). NumPy's
    # bool data is converted to uint8 (with a warning).
    a = make_view(ndim, view, spread, dtype)
    check(returning_plain(call), a)


@pytest.mark.parametrize("call", HIST_CALLS)
@pytest.mark.parametrize("values", [
    [3.0] * 5, [0.0], [-2.5, -2.5], [1e10, 1e10, 1e10],
], ids=["constant", "single-zero", "negative-constant", "large-constant"])
def test_histogram_constant_data(values, call):
    # The range widens to [x - 0.5, x + 0.5].
    check(returning_plain(call), np.array(values))
    check(returning_plain(call), np.array(values).astype(np.int64))


@pytest.mark.parametrize("call", ["np.histogram(a, bins=1)", "np.histogram(a, bins=5)",
                                  "np.histogram(a, bins=10)", "np.histogram(a, 3)"])
@pytest.mark.parametrize("values", [
    np.arange(11.0),
    np.linspace(0.0, 1.0, 11),
    np.linspace(-3.3, 7.1, 31),
    np.linspace(0.0, 1.0, 6)[::-1],
    np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.0]),
    np.arange(0, 101, 10),
    np.array([-128, 127, 0, -1, 64], dtype=np.int8),
    np.array([0, 65535, 13107, 26214], dtype=np.uint16),
], ids=["arange", "linspace01", "linspace-neg", "reversed", "tenths", "int-tens", "int8-extremes", "uint16"])
def test_histogram_values_at_the_edges(values, call):
    # Values equal to (or within rounding of) the bin edges: each goes into
    # the bin whose left edge it equals; the last edge belongs to the last
    # bin.
    check(returning_plain(call), values)


@pytest.mark.parametrize("call", HIST_CALLS + ["np.histogram(a, 100)", "np.histogram(a, 13)"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=dt_id)
def test_histogram_float32_and_float16(dtype, call):
    # Edges from NumPy's linspace in the data's dtype, bins found in it.
    rng = np.random.default_rng(9)
    cases = [rng.uniform(-20, 20, 300), rng.integers(-10, 10, 300) * 0.1, np.linspace(-3.3, 7.1, 31),
             rng.uniform(50, 60, 50), [2.5] * 4, [0.0]]
    if dtype is np.float32:
        cases.append(rng.uniform(1e4, 1e4 + 3, 50))
    for values in cases:
        check(returning_plain(call), np.asarray(values).astype(dtype))


def test_histogram_of_empty():
    # NumPy uses the range [0, 1].
    for call in HIST_CALLS:
        check(returning_plain(call), np.zeros(0))
        check(returning_plain(call), np.zeros((0, 3), dtype=np.int32))
        check(returning_plain(call), np.zeros(0, dtype=np.float32))
        check(returning_plain(call), np.zeros(0, dtype=np.float16))


@pytest.mark.parametrize("values", [[1.0, np.nan, 2.0], [np.inf, 1.0], [-np.inf, 0.0]],
                         ids=["nan", "inf", "-inf"])
def test_histogram_of_non_finite_data_raises_value_error(values):
    check_raises(returning_plain("np.histogram(a)"), np.array(values), match="range")


def test_histogram_with_no_bins_raises_value_error():
    check_raises(returning_plain("np.histogram(a, bins=0)"), np.ones(3))
    check_raises(returning_plain("np.histogram(a, -2)"), np.ones(3))


@pytest.mark.parametrize("values", [np.full(3, 1e10, dtype=np.float32), np.full(2, 1e17), np.array([1.0, 1.0 + 2e-16]),
                                    np.array([1.0, 1.0000001], dtype=np.float32)], ids=repr)
def test_histogram_with_bins_too_narrow_raises_value_error(values):
    # NumPy's "Too many bins for data range" (edges that do not increase).
    check_raises(returning_plain("np.histogram(a, 10)"), values, match="bins")


# ---------------------------------------------------------------------------
# interp

XP = np.array([-1.0, 0.0, 0.5, 2.0, 10.0])
FP = np.array([3.0, -1.0, 4.0, 4.0, 0.5])
X_PROBES = np.array([-5.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 9.99, 10.0, 11.0, np.nan, np.inf, -np.inf,
                     -0.0])


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("x_dtype", [np.float64, np.float32, np.int64], ids=dt_id)
def test_interp_arrays(x_dtype, layout):
    # Left of xp[0] gives fp[0], right of xp[-1] fp[-1], x on a sample
    # point its fp, NaN gives NaN; the result is float64.
    with np.errstate(invalid="ignore"):
        x = X_PROBES.astype(x_dtype) if x_dtype is not np.int64 else np.arange(-3, 13)
    xp, fp = XP, FP
    if layout == "strided":
        x = np.repeat(x, 2)[::-2]
        xp = np.repeat(XP, 2)[::2]
        fp = FP[::-1].copy()[::-1]
    src = returning("np.interp(x, xp, fp)", "x, xp, fp")
    check(src, x, xp, fp)
    check(src, x[: x.size // 2 * 2].reshape(2, -1), xp, fp)
    check(src, x[: x.size // 2 * 2].reshape(2, -1).T, xp, fp)


@pytest.mark.parametrize("x", [-5.0, -1.0, 0.3, 0.5, 2.0, 10.0, 12.0, float("nan"), 3, np.float32(0.75),
                               np.int8(1)], ids=repr)
def test_interp_scalar_x(x):
    check(returning("np.interp(x, xp, fp)", "x, xp, fp"), x, XP, FP)


def test_interp_literal_x_and_integer_samples():
    check(returning("np.interp(1.5, xp, fp)", "xp, fp"), np.array([0, 1, 2, 3]), np.array([0, 10, 5, 5]))
    check(returning("np.interp(x, xp, fp)", "x, xp, fp"), np.array([0.5, 2.5]), np.array([0, 1, 2, 3],
          dtype=np.int32), np.array([0, 10, 5, 5], dtype=np.uint16))
    check(returning("np.interp(x, xp, fp)", "x, xp, fp"), np.array([0.5, 2.5], dtype=np.float32),
          np.array([0, 1, 2, 3], dtype=np.float32), np.array([0, 10, 5, 5], dtype=np.float32))


@pytest.mark.parametrize("xp, fp", [
    ([1.0], [7.0]),
    ([0.0, 1.0, 2.0], [0.0, np.inf, 1.0]),
    ([0.0, 1.0, 2.0], [np.inf, np.inf, 1.0]),
    ([0.0, 1.0, 2.0], [np.nan, 1.0, 2.0]),
    ([0.0, 1e-300, 1.0], [0.0, 1.0, 2.0]),
], ids=["single-point", "inf-middle", "inf-run", "nan-fp", "tiny-step"])
def test_interp_special_samples(xp, fp):
    x = [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, np.inf, -np.inf]
    if len(xp) > 1:
        x.append(np.nan)  # single point: test_interp_nan_with_a_single_sample_point
    check(returning("np.interp(x, xp, fp)", "x, xp, fp"), np.array(x), np.array(xp), np.array(fp))


def test_interp_nan_with_a_single_sample_point():
    # NumPy returns fp[0] unless x < xp[0] or x > xp[0], and NaN is neither.
    check(returning("np.interp(x, xp, fp)", "x, xp, fp"), np.array([np.nan, 0.0]), np.array([1.0]),
          np.array([7.0]))
    check(returning("np.interp(x, xp, fp)", "x, xp, fp"), np.nan, np.array([1.0]), np.array([7.0]))


@pytest.mark.parametrize("xp, fp", [([], []), ([1.0, 2.0], [1.0]), ([[1.0, 2.0]], [[1.0, 2.0]])],
                         ids=["empty", "lengths-differ", "2d"])
def test_interp_bad_samples_raise_value_error(xp, fp):
    check_raises(returning_plain("np.interp(x, xp, fp)", "x, xp, fp"), np.ones(3), np.array(xp), np.array(fp))


def test_interp_complex_fp():
    # NumPy interpolates the real and imaginary parts (by the reciprocal of
    # the step); complex128, a NaN x gives complex(nan, 0).
    src = returning("np.interp(x, xp, fp)", "x, xp, fp")
    check(src, np.array([0.5, 1.5]), np.arange(3.0), np.array([1j, 2 + 0j, 3 - 1j]))
    x = np.array([-1.0, 0.0, 0.3, 1.0, 1.7, 2.0, 2.5, 9.0, np.nan, np.inf, -np.inf]).reshape(1, 11)
    xp = np.array([0.0, 0.1, 1.0, 2.0, 2.0, 3.0])
    fp = np.array([1 + 1j, complex(np.inf, 0), 2 - 1j, complex(np.nan, 1), 3 + 3j, complex(5, np.inf)])
    check(src, x, xp, fp)
    check(src, x.T, xp[::-1].copy()[::-1], fp.astype(np.complex64))
    check(src, np.array([0.5, np.nan, 2.0]), np.array([1.0]), np.array([2 - 3j]))
    for scalar in [0.3, np.nan, -1.0, 7]:
        check(src, scalar, xp, fp)


# ---------------------------------------------------------------------------
# NumPy functions that are not implemented


@pytest.mark.parametrize("call", ["np.median(a)", "np.percentile(a, 50)", "np.quantile(a, 0.5)"])
def test_unimplemented_numpy_function_is_refused(call):
    py, jf = py_and_jit(returning_plain(call))
    assert np.isfinite(py(np.arange(5.0)))  # NumPy has it
    with pytest.raises(UnsupportedError, match="NumPy function that jitufunc does not support"):
        jf(np.arange(5.0))


# ---------------------------------------------------------------------------
# memory


def _live_blocks():
    from jitufunc import _core

    stats = _core.memory_stats()
    return stats["allocated"] - stats["freed"]


def test_memory_stays_flat_over_many_calls_and_threaded_maps():
    """Every array the NumPy functions make (sorts, joins, histograms,
    products, accumulations) and every large map run on the thread pool is
    freed: the runtime's live blocks come back to where they were and the
    peak RSS does not grow."""
    import resource

    f = njit(make_function("""
        def f(a, b, m, n):
            s = 0.0
            for i in range(n):
                s += np.sort(a)[0] + np.argsort(a)[0] + np.unique(a)[0]
                s += np.concatenate((a, b))[0] + np.vstack((a, b))[1, 0]
                s += np.histogram(a, 5)[0][0] + np.cumsum(a)[-1] + np.diff(a)[0]
                s += (m @ m)[0, 0] + np.outer(a, b)[0, 0] + np.interp(b, np.sort(a), a)[0]
            return s
    """))
    g = njit(make_function("""
        def g(x, n):
            s = 0.0
            for i in range(n):
                s += (x * 2.0 + 1.0)[0] + np.exp(x)[0]
            return s
    """))
    rng = np.random.default_rng(5)
    a, b, m = rng.standard_normal(64), rng.standard_normal(64), rng.standard_normal((8, 8))
    x = rng.standard_normal(2**19)  # above both thread thresholds
    want_g = 3 * (x[0] * 2.0 + 1.0 + np.exp(x[0]))
    f(a, b, m, 10)
    assert np.isclose(g(x, 3), want_g, rtol=1e-13, atol=0)
    before = _live_blocks()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    f(a, b, m, 20_000)
    g(x, 300)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _live_blocks() == before
    assert (rss1 - rss0) / 1024 < 16, f"RSS grew {(rss1 - rss0) / 1024:.1f} MB"
