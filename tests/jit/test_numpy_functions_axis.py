"""NumPy functions along one axis of n-d arrays inside @njit: argmax/argmin,
cumsum/cumprod, diff, var/std (``ddof=``), count_nonzero, sort/argsort and
``a.sort()`` (the implementations in ``jitufunc/_numpy_functions.py``).

Differential, as ``test_numpy_functions.py`` (whose helpers these tests
use): the expected values always come from NumPy, and results agree in
value, dtype and shape. Inputs are 3-d and 4-d (a few of up to 8
dimensions), contiguous and not (``a.T``, ``a[::2]``, ``a[:, ::-1]``), with
empty axes, NaNs and every axis, negative ones too. The axis is mostly
passed as an argument (known only when running), so that one compiled
specialisation (per dtype, number of dimensions and layout) serves every
axis; a few calls write it in the code. An axis out of bounds raises what
NumPy raises (its AxisError is a ValueError).

Differences from NumPy are kept as strict xfails whose reason starts with
"BUG".
"""

import numpy as np
import pytest

from test_numpy_functions import (
    DTYPES,
    assert_same,
    check,
    check_raises,
    dt_id,
    py_and_jit,
    rtol_for,
    small_values,
    sort_values,
    spread,
    ties,
    xfail,
)

# ---------------------------------------------------------------------------
# inputs

# Lanes of 17 and 18 along one axis: longer than the merge sort's
# 16-element insertion runs.
SHAPES = {3: (5, 17, 4), 4: (3, 2, 18, 2)}
VIEWS = {
    "contiguous": lambda a: a,
    "T": lambda a: a.T,
    "step2": lambda a: a[::2],
    "reversed1": lambda a: a[:, ::-1],
}
# 4-d inputs in fewer dtypes (each dtype, number of dimensions and layout
# compiles once per function).
DTYPES_4D = [np.bool_, np.int32, np.float64, np.complex128]


def nd_params():
    params = []
    for ndim, dtypes in ((3, DTYPES), (4, DTYPES_4D)):
        for dtype in dtypes:
            for view in VIEWS:
                params.append(pytest.param(ndim, view, dtype, id=f"{ndim}d-{view}-{dt_id(dtype)}"))
    return params


def make(maker, dtype, ndim, view, seed=0):
    return VIEWS[view](maker(dtype, SHAPES[ndim], seed))


def with_nans(a, seed=0):
    """``a`` (float or complex) with a few NaNs: some lanes get one, one lane
    along every axis starts with one."""
    if a.dtype.kind not in "fc":
        return a
    a = a.copy()
    flat = a.reshape(-1)
    rng = np.random.default_rng(seed + 7)
    flat[rng.choice(flat.size, size=max(flat.size // 20, 1), replace=False)] = np.nan
    a[(0,) * a.ndim] = np.nan
    return a


def all_axes(ndim):
    return list(range(-ndim, ndim))


def check_axes(source, a, *extra, rtol=None, reference=None, axes=None):
    """``check`` of ``source``'s f(a, axis, *extra) along each axis of ``a``."""
    for axis in all_axes(a.ndim) if axes is None else axes:
        try:
            check(source, a, axis, *extra, rtol=rtol, reference=reference)
        except AssertionError as e:
            raise AssertionError(f"axis={axis} {extra or ''}: {e}") from None


def plain(body, params="a, axis"):
    return f"def f({params}):\n    return {body}\n"


# ---------------------------------------------------------------------------
# argmax / argmin

ARG = plain("np.argmax(a, axis=axis), np.argmin(a, axis=axis)")


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_argmax_argmin(ndim, view, dtype):
    # Many ties (NumPy gives the first of equal extremes); NaN wins.
    check_axes(ARG, with_nans(make(ties, dtype, ndim, view)))


@pytest.mark.parametrize("call", ["a.argmax(axis=-2)", "a.argmin(axis=1)", "np.argmax(a, 0)", "np.argmin(a, -1)"])
def test_argmax_argmin_axis_in_the_code(call):
    check(plain(call, "a"), with_nans(ties(np.float64, (4, 5, 6))))
    check(plain(call, "a"), ties(np.int8, (4, 5, 6)).T)


@pytest.mark.parametrize("shape", [(3, 0, 4), (0, 3, 4), (2, 3, 0), (2, 0, 0, 3)], ids=str)
def test_argmax_argmin_of_empty_axes(shape):
    # Along an empty axis NumPy raises ValueError; along another, an empty
    # result.
    a = np.zeros(shape)
    for axis in all_axes(a.ndim):
        if shape[axis] == 0:
            check_raises(ARG, a, axis)
        else:
            check(ARG, a, axis)


# ---------------------------------------------------------------------------
# cumsum / cumprod

CUM = plain("np.cumsum(a, axis=axis), np.cumprod(a, axis=axis)")


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_cumsum_cumprod(ndim, view, dtype):
    # NumPy's accumulator dtypes: small ints and bools give int64, uint16
    # uint64; values stay small, so nothing overflows.
    check_axes(CUM, make(small_values, dtype, ndim, view), rtol=rtol_for(dtype))


def test_cumsum_cumprod_nans_and_wrapping():
    check_axes(CUM, with_nans(np.arange(1.0, 25.0).reshape(2, 3, 4)))
    check_axes(CUM, np.full((3, 4, 5), 100, dtype=np.int8))


@pytest.mark.parametrize("call", ["a.cumsum(axis=-2)", "a.cumprod(1)", "np.cumsum(a, 0)", "np.cumprod(a, axis=-1)"])
def test_cumsum_cumprod_axis_in_the_code(call):
    check(plain(call, "a"), small_values(np.float64, (4, 5, 6)))
    check(plain(call, "a"), small_values(np.int8, (4, 5, 6))[:, ::-1])


@pytest.mark.parametrize("shape", [(3, 0, 4), (0, 3, 4), (2, 3, 0)], ids=str)
@pytest.mark.parametrize("dtype", [np.int8, np.float32], ids=dt_id)
def test_cumsum_cumprod_of_empty_axes(shape, dtype):
    check_axes(CUM, np.zeros(shape, dtype=dtype))


# ---------------------------------------------------------------------------
# diff

DIFF = plain("np.diff(a, n=n, axis=axis)", "a, axis, n")


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_diff(ndim, view, dtype):
    # Booleans compare, the rest subtract in their own dtype (ints wrap);
    # n beyond the axis's length gives an empty axis.
    a = make(ties, dtype, ndim, view)
    for n in (0, 1, 2, 5):
        check_axes(DIFF, a, n)


@pytest.mark.parametrize("call", ["np.diff(a, axis=0)", "np.diff(a, 2, axis=-2)", "np.diff(a)", "np.diff(a, n=3, axis=1)"])
def test_diff_axis_in_the_code(call):
    check(plain(call, "a"), with_nans(ties(np.float64, (4, 5, 6))))
    check(plain(call, "a"), ties(np.uint16, (4, 5, 6)).T)


def test_diff_of_empty_axes_and_long_orders():
    for shape in [(3, 0, 4), (0, 3, 4), (2, 3, 0)]:
        check_axes(DIFF, np.zeros(shape), 1)
    check_axes(DIFF, ties(np.int64, (3, 4, 5)), 9)


# ---------------------------------------------------------------------------
# var / std

STATS = plain("np.var(a, axis=axis, ddof=ddof), np.std(a, axis=axis, ddof=ddof)", "a, axis, ddof")


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_var_std(ndim, view, dtype):
    # bool and int give float64, float32 float32, complex128 float64.
    a = make(spread, dtype, ndim, view)
    for ddof in (0, 1, 3):
        check_axes(STATS, a, ddof, rtol=rtol_for(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.complex128], ids=dt_id)
def test_var_std_without_degrees_of_freedom(dtype):
    # ddof >= the axis's length: NumPy divides by 0 (inf, or nan for lanes
    # of equal values and for empty lanes).
    a = spread(dtype, (3, 4, 2))
    a[0] = a[0, :1]  # lanes of equal values along axes 1 and 2
    for ddof in (2, 4, 5):
        check_axes(STATS, a, ddof, rtol=rtol_for(dtype))
    for shape in [(3, 0, 4), (0, 3, 4)]:
        check_axes(STATS, np.zeros(shape, dtype=dtype), 0)


def test_var_std_nans_and_infs():
    a = with_nans(spread(np.float64, (3, 4, 5)))
    a[1, 2, 3] = np.inf
    check_axes(STATS, a, 0, rtol=1e-13)
    check_axes(STATS, with_nans(spread(np.complex128, (3, 4, 5))), 1, rtol=1e-13)


@pytest.mark.parametrize("call", [
    "np.var(a, axis=0)", "np.std(a, axis=-1)", "a.var(axis=1, ddof=1)", "a.std(2)", "a.var(-2, ddof=2)",
    "np.var(a, 1)",
])
def test_var_std_axis_in_the_code(call):
    check(plain(call, "a"), spread(np.float64, (4, 5, 6)), rtol=1e-13)
    check(plain(call, "a"), spread(np.int8, (4, 5, 6))[::2], rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.complex128], ids=dt_id)
def test_var_std_of_1d_and_2d_along_an_axis(dtype):
    # 1-d along its axis: a number, as NumPy (and so is axis=None, with a
    # ddof known only when running: float32 stays float32).
    for a in (spread(dtype, (9,)), spread(dtype, (9,))[::-2], spread(dtype, (3, 4, 2))):
        for ddof in (0, 1, 30):
            check_axes(STATS, a, ddof, rtol=rtol_for(dtype), axes=[None] + all_axes(a.ndim))
    for a in (spread(dtype, (7, 5)), spread(dtype, (7, 5)).T, spread(dtype, (7, 5))[::2, ::-1]):
        for ddof in (0, 1, 7):
            check_axes(STATS, a, ddof, rtol=rtol_for(dtype))


# ---------------------------------------------------------------------------
# count_nonzero

COUNT = plain("np.count_nonzero(a, axis=axis)")


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_count_nonzero(ndim, view, dtype):
    # intp (int64) counts; NaN is not zero, -0.0 is.
    a = with_nans(make(ties, dtype, ndim, view))
    if a.dtype.kind == "f":
        a[a == 0.5] = -0.0
    check_axes(COUNT, a)


def test_count_nonzero_of_1d_2d_and_empty_axes():
    check_axes(COUNT, ties(np.float64, (9,)))  # a number along the only axis
    check_axes(COUNT, ties(np.int8, (6, 5)).T)
    for shape in [(3, 0, 4), (0, 3, 4), (2, 3, 0)]:
        check_axes(COUNT, np.zeros(shape, dtype=np.bool_))


# ---------------------------------------------------------------------------
# sort / argsort / a.sort()

# Ours is a stable merge sort: among ties it gives NumPy's kind="stable"
# order (NumPy's default quicksort may order ties differently).
SORTS = plain("np.sort(a, axis=axis), np.argsort(a, axis=axis)")
SORTS_NUMPY = plain('np.sort(a, axis=axis), np.argsort(a, axis=axis, kind="stable")')


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_sort_argsort(ndim, view, dtype):
    # Many ties; floats with NaNs (last), infinities and signed zeros.
    a = make(sort_values, dtype, ndim, view)
    check_axes(SORTS, a, reference=SORTS_NUMPY)


@pytest.mark.parametrize("dtype", [np.int8, np.float64, np.complex128], ids=dt_id)
@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_sort_argsort_axis_none_flattens(ndim, dtype):
    shape = {1: (40,), 2: (7, 6), 3: (3, 4, 5), 4: (2, 3, 2, 3)}[ndim]
    for a in (sort_values(dtype, shape), sort_values(dtype, shape).T):
        check(plain("np.sort(a, axis=None), np.argsort(a, axis=None)", "a"), a,
              reference=plain('np.sort(a, axis=None), np.argsort(a, axis=None, kind="stable")', "a"))


@pytest.mark.parametrize("call", ["np.sort(a, axis=0)", "np.sort(a)", "np.argsort(a, axis=-2)", "a.argsort(1)",
                                  "np.argsort(a, -3)"])
def test_sort_argsort_axis_in_the_code(call):
    reference = call if "argsort" not in call else call[:-1] + ', kind="stable")'
    check(plain(call, "a"), sort_values(np.float64, (4, 18, 3)), reference=plain(reference, "a"))
    check(plain(call, "a"), sort_values(np.int32, (4, 18, 3)).T, reference=plain(reference, "a"))


def test_sort_argsort_of_empty_axes():
    for shape in [(3, 0, 4), (0, 3, 4), (2, 3, 0)]:
        check_axes(SORTS, np.zeros(shape), reference=SORTS_NUMPY)


SORT_IN_PLACE = "def f(a, axis):\n    r = a.sort(axis=axis)\n    return r\n"


@pytest.mark.parametrize("ndim, view, dtype", nd_params())
def test_sort_method_sorts_in_place(ndim, view, dtype):
    """``a.sort(axis)`` on a view of a fresh base, in NumPy and compiled:
    both return None, and the bases agree afterwards (the view's elements
    sorted, the rest untouched)."""
    py, jf = py_and_jit(SORT_IN_PLACE)
    for axis in all_axes(ndim):
        base_np = sort_values(dtype, SHAPES[ndim])
        base_jit = base_np.copy()
        assert py(VIEWS[view](base_np), axis) is None
        assert jf(VIEWS[view](base_jit), axis) is None
        assert_same(base_jit, base_np, where=f"the array after a.sort(axis={axis})")


def test_sort_method_axis_in_the_code():
    for call in ["a.sort()", "a.sort(axis=0)", "a.sort(-2)"]:
        py, jf = py_and_jit(f"def f(a):\n    r = {call}\n    return r\n")
        base_np = sort_values(np.float64, (4, 18, 3))
        base_jit = base_np.copy()
        py(base_np.T)
        jf(base_jit.T)
        assert_same(base_jit, base_np, where=f"the array after {call}")


# ---------------------------------------------------------------------------
# more dimensions

MANY = plain("np.argmax(a, axis=axis), np.count_nonzero(a, axis=axis), np.var(a, axis=axis), "
             "np.cumsum(a, axis=axis), np.diff(a, axis=axis), np.sort(a, axis=axis)")


@pytest.mark.parametrize("ndim", [5, 8])
def test_up_to_8_dimensions(ndim):
    shape = (2, 3, 1, 2, 3, 1, 2, 2)[:ndim]
    a = ties(np.float64, shape)
    check_axes(MANY, a, rtol=1e-13)
    check_axes(MANY, a.T, rtol=1e-13, axes=[0, -1, 2])


def test_more_than_8_dimensions():
    """The functions whose result has the array's shape take any number of
    dimensions; a reduction (or diff) along an axis of more than 8 is
    refused (documented), never a wrong result."""
    a = ties(np.float64, (2, 1, 2, 1, 2, 1, 2, 1, 2))
    check_axes(plain("np.cumprod(a, axis=axis), np.sort(a, axis=axis), np.argsort(a, axis=axis)"), a,
               reference=plain('np.cumprod(a, axis=axis), np.sort(a, axis=axis), '
                               'np.argsort(a, axis=axis, kind="stable")'), axes=[0, 4, -1])
    check(plain("np.var(a), np.argmax(a), np.count_nonzero(a)", "a"), a, rtol=1e-13)
    for call in ["np.argmax(a, axis=axis)", "np.var(a, axis=axis)", "np.count_nonzero(a, axis=axis)",
                 "np.diff(a, axis=axis)"]:
        _, jf = py_and_jit(plain(call))
        with pytest.raises(NotImplementedError, match="up to 8 dimensions"):
            jf(a, 1)


# ---------------------------------------------------------------------------
# axes out of bounds

BAD_AXIS_CALLS = [
    ARG, CUM, plain("np.diff(a, axis=axis)"), plain("np.var(a, axis=axis), np.std(a, axis=axis)"), COUNT,
    plain("np.sort(a, axis=axis)"), plain("np.argsort(a, axis=axis)"), SORT_IN_PLACE,
]
BAD_AXIS_IDS = ["argmax-argmin", "cumsum-cumprod", "diff", "var-std", "count_nonzero", "sort", "argsort",
                "a.sort"]


@pytest.mark.parametrize("source", BAD_AXIS_CALLS, ids=BAD_AXIS_IDS)
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 1, 3, 2)], ids=str)
def test_axis_out_of_bounds_raises_value_error(shape, source):
    # NumPy's AxisError is a ValueError (and an IndexError, below).
    a = np.ones(shape)
    for axis in (len(shape), -len(shape) - 1, 7):
        check_raises(source, a, axis)


@xfail("an axis out of bounds raises ValueError; NumPy raises numpy.exceptions.AxisError, a subclass of both "
       "ValueError and IndexError, so `except IndexError` (or `except np.exceptions.AxisError`) does not "
       "catch ours (compiled code raises builtin exception classes only)")
@pytest.mark.parametrize("source", [ARG, plain("np.sort(a, axis=axis)")], ids=["argmax-argmin", "sort"])
def test_axis_out_of_bounds_is_an_index_error_too(source):
    check_raises(source, np.ones((2, 3, 4)), 3, exc=IndexError)
