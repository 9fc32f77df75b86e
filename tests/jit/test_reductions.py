"""Reductions of whole arrays in @jit functions (np.sum, np.prod, np.min,
np.amin, np.max, np.amax, np.mean, np.any, np.all and the array methods),
reductions fused with an elementwise expression, NumPy's elementwise
functions called by name (np.where, np.clip, np.add ... np.negative,
np.maximum ... np.fmin) on arrays and on numbers, and reductions inside
@guvectorize kernels.

Every test is differential: the plain Python function (running NumPy) and
its ``njit`` version are called on the same inputs. A reduction returns a
Python number, as in Numba: its value must be NumPy's (integers and bools
exactly, with int64/uint64 wrap-around; float sums within a relative
tolerance, since the order of the additions differs from NumPy's pairwise
sum) and its Python type must be the kind of NumPy's result dtype (int for
signed and unsigned ints, float, complex, bool); a float32 or float16
result must moreover be a value of that dtype.

Differences from NumPy are kept as strict xfails whose reason starts with
"BUG".
"""

import warnings

import numpy as np
import pytest

from conftest import ALL_DTYPES, COMPLEX_DTYPES, FLOAT_DTYPES, assert_clear_error, make_function
from jitufunc import _core, guvectorize, njit
from jitufunc.errors import CompileError, TypingError, UnsupportedError

# ---------------------------------------------------------------------------
# helpers


def dt_id(dt):
    return np.dtype(dt).name


def py_and_jit(source, globals_=None):
    py = make_function(source, globals_)
    return py, njit(py)


def numpy_outcome(py, args):
    """The Python function's result, or the exception it raises (NumPy's
    warnings about empty means and division by zero are silenced)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return py(*args), None
    except Exception as e:  # noqa: BLE001 - compared below
        return None, e


PY_TYPE_OF_KIND = {"b": bool, "i": int, "u": int, "f": float, "c": complex}

#: Relative tolerance of inexact sums, by result dtype (the additions are
#: done in another order than NumPy's pairwise sum). float16 data is chosen
#: so that its sums are exact; its means round twice in NumPy (a float32
#: quotient rounded to float16), hence one float16 ulp.
RTOL = {
    np.dtype(np.float64): 1e-12, np.dtype(np.complex128): 1e-12,
    np.dtype(np.float32): 1e-5, np.dtype(np.complex64): 1e-5,
    np.dtype(np.float16): 1e-3,
}


def assert_number(got, want, rtol=None, where="result"):
    """``got`` (from the compiled function) is the Python number of NumPy's
    result ``want``: same kind, same value (ints and bools exactly, floats
    within ``rtol`` with NaNs in the same places)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"{where}: {got!r} vs {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_number(g, w, rtol, f"{where}[{i}]")
        return
    if isinstance(want, np.ndarray) and want.shape == ():
        want = want[()]
    assert isinstance(want, np.generic), f"{where}: NumPy gave {want!r}"
    dt = want.dtype
    expected_type = PY_TYPE_OF_KIND[dt.kind]
    assert type(got) is expected_type, (
        f"{where}: {got!r} is a {type(got).__name__}, NumPy's result {want!r} is {dt.name} "
        f"(a {expected_type.__name__})")
    w = want.item()
    if dt.kind in "biu":
        assert got == w, f"{where}: {got!r}, NumPy gives {w!r} ({dt.name})"
        return
    if dt in (np.float32, np.float16, np.complex64):
        # the result is a value of NumPy's result dtype
        same = dt.type(got)
        assert (same == got) or (got != got), f"{where}: {got!r} is not a {dt.name} value"
    if dt.kind == "f":
        if w != w:
            assert got != got, f"{where}: {got!r}, NumPy gives nan"
            return
        if rtol is None or abs(w) == float("inf"):
            assert got == w, f"{where}: {got!r}, NumPy gives {w!r} ({dt.name})"
        else:
            assert abs(got - w) <= rtol * abs(w), f"{where}: {got!r}, NumPy gives {w!r} ({dt.name}, rtol {rtol})"
        return
    for part_g, part_w in ((got.real, w.real), (got.imag, w.imag)):
        if part_w != part_w:
            assert part_g != part_g, f"{where}: {got!r}, NumPy gives {w!r}"
    if w == w:
        tol = 0.0 if rtol is None else rtol * abs(w)
        assert abs(got - w) <= tol, f"{where}: {got!r}, NumPy gives {w!r} ({dt.name}, rtol {rtol})"


def assert_same(got, want, rtol=None, where="result"):
    """Arrays: same dtype, shape and values (exact, NaNs equal, unless
    ``rtol``); NumPy scalars: see ``assert_number``; tuples item by item."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple), f"{where}: {got!r} is not a tuple"
        assert len(got) == len(want), f"{where}: {len(got)} items, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, rtol, f"{where}[{i}]")
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), f"{where}: {got!r} is not an array (NumPy gives {want!r})"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, NumPy gives {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, NumPy gives {want.shape}"
        if rtol is None or want.dtype.kind not in "fc":
            np.testing.assert_array_equal(got, want, err_msg=where, strict=True)
        else:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True, err_msg=where)
        return
    if isinstance(want, np.generic):
        assert_number(got, want, rtol, where)
        return
    assert type(got) is type(want) and (got == want or (want != want and got != got)), f"{where}: {got!r} vs {want!r}"


def check(source, *args, globals_=None, rtol=None):
    """Calls the Python function and its @njit version on ``args``: the
    results agree, the arguments are left unchanged and no returned array
    shares memory with an argument. Returns the compiled function."""
    py, jf = py_and_jit(source, globals_)
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    want, err = numpy_outcome(py, args)
    assert err is None, f"NumPy raised {type(err).__name__}: {err}"
    got = jf(*args)
    assert_same(got, want, rtol)
    for i, (a, b) in enumerate(zip(args, before)):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"argument {i} was modified", strict=True)
    results = got if isinstance(got, tuple) else (got,)
    for r in results:
        if isinstance(r, np.ndarray):
            for a in args:
                if isinstance(a, np.ndarray):
                    assert not np.shares_memory(r, a), "a result shares memory with an argument"
    return jf


def check_mutating(source, make_args, rtol=None):
    """For functions that write to their arguments: each side gets fresh
    arguments; the results and the arguments afterwards must agree."""
    py, jf = py_and_jit(source)
    py_args, jit_args = make_args(), make_args()
    want, err = numpy_outcome(py, py_args)
    assert err is None, err
    got = jf(*jit_args)
    assert_same(got, want, rtol)
    for i, (g, w) in enumerate(zip(jit_args, py_args)):
        if isinstance(w, np.ndarray):
            assert_same(g, w, where=f"argument {i} after the call")


def check_or_same_error(source, *args, rtol=None):
    """As ``check``; where NumPy refuses with a TypeError (no loop for these
    dtypes), the compiled function refuses too, when compiling."""
    py, jf = py_and_jit(source)
    want, err = numpy_outcome(py, args)
    if err is None:
        assert_same(jf(*args), want, rtol)
        return
    assert isinstance(err, TypeError), f"NumPy raised {type(err).__name__}: {err}"
    with pytest.raises(TypeError) as info:
        jf(*args)
    assert isinstance(info.value, CompileError), f"{type(info.value).__name__}: {info.value}"


def data(dtype, shape, rng, for_prod=False):
    """Values of ``dtype``: small ints (unsigned from 0); floats uniform, or
    for float16 multiples of 0.25 in [-8, 8] whose sums are exact in any
    order; for products, factors near 1 (powers of two for float16) so
    nothing overflows."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        return (rng.random(n) < 0.6).reshape(shape)
    if dt.kind == "u":
        return rng.integers(0, 50, n).astype(dt).reshape(shape)
    if dt.kind == "i":
        return rng.integers(-50, 50, n).astype(dt).reshape(shape)
    if dt == np.float16:
        if for_prod:
            return rng.choice([0.5, 1.0, 2.0, -1.0, -0.5, -2.0], n).astype(dt).reshape(shape)
        return (rng.integers(-32, 33, n) * 0.25).astype(dt).reshape(shape)
    if dt.kind == "f":
        x = rng.uniform(0.5, 1.5, n) * rng.choice([-1, 1], n) if for_prod else rng.uniform(-50, 50, n)
        return x.astype(dt).reshape(shape)
    if for_prod:
        x = np.exp(1j * rng.uniform(-3, 3, n)) * rng.uniform(0.8, 1.2, n)
    else:
        x = rng.uniform(-50, 50, n) + 1j * rng.uniform(-50, 50, n)
    return x.astype(dt).reshape(shape)


REDUCTIONS = ["np.sum", "np.prod", "np.min", "np.amin", "np.max", "np.amax", "np.mean", "np.any", "np.all"]
METHODS = ["sum", "prod", "min", "max", "mean", "any", "all"]
ORDERED = {"np.min", "np.amin", "np.max", "np.amax", "min", "max"}


def reduction_exprs(dtype, methods=False):
    """``(expression, reduction)`` for every reduction that applies to
    ``dtype`` (min and max of complex arrays are not supported, see
    test_min_and_max_of_complex_arrays_are_unsupported)."""
    complex_ = np.dtype(dtype).kind == "c"
    names = [f"a.{m}()" for m in METHODS] if methods else [f"{r}(a)" for r in REDUCTIONS]
    keys = METHODS if methods else REDUCTIONS
    return [(e, k) for e, k in zip(names, keys) if not (complex_ and k in ORDERED)]


# ---------------------------------------------------------------------------
# 1. reductions of whole arrays


@pytest.mark.parametrize("methods", [False, True], ids=["functions", "methods"])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
def test_reductions_match_numpy_in_value_and_kind(dtype, methods, rng):
    """Every reduction of a 3-d array: sum/prod of bools and small ints are
    int64 (unsigned: uint64), of floats and complex their own dtype; mean of
    bools and ints float64; min/max keep the dtype; any/all are bools."""
    exprs = reduction_exprs(dtype, methods)
    a = data(dtype, (3, 4, 5), rng)
    p = data(dtype, (2, 3, 4), rng, for_prod=True)
    src = "def f(a, p):\n    return (" + ", ".join(
        e.replace("(a)", "(p)").replace("a.", "p.") if "prod" in e else e for e, _ in exprs) + ",)\n"
    py, jf = py_and_jit(src)
    want, err = numpy_outcome(py, (a, p))
    assert err is None, err
    got = jf(a, p)
    assert isinstance(got, tuple) and len(got) == len(exprs)
    for (e, _), g, w in zip(exprs, got, want):
        assert_number(g, w, RTOL.get(w.dtype), where=f"{e} of {dt_id(dtype)}")


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES, ids=dt_id)
@pytest.mark.parametrize("values", [[0, 1j, 0], [1, 1j, -2 + 0j], [0j, -0.0 + 0j], [], [complex("nan+0j"), 0]],
                         ids=["one_imaginary", "all_nonzero", "zeros", "empty", "nan"])
def test_any_and_all_of_complex_arrays(values, dtype):
    """A complex element is true when its real or imaginary part is not 0."""
    check("""
        def f(a):
            return np.any(a), np.all(a), a.any(), a.all(), np.any(a * 2), np.all(a + 0)
    """, np.array(values, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint32, np.bool_], ids=dt_id)
def test_sum_and_prod_of_narrow_ints_accumulate_in_64_bits(dtype):
    """NumPy adds int8 ... int32 (and bools) in int64, unsigned ints in
    uint64: no wrap-around at the element's width."""
    info = np.iinfo(dtype) if np.dtype(dtype).kind != "b" else None
    a = np.full(300, True if info is None else info.max, dtype=dtype)
    check("""
        def f(a):
            return np.sum(a), a.sum(), np.prod(a[:5]), a[:5].prod(), np.mean(a)
    """, a)


@pytest.mark.parametrize("dtype", [np.int64, np.uint64], ids=dt_id)
def test_sum_and_prod_of_64_bit_ints_wrap_around(dtype):
    info = np.iinfo(dtype)
    a = np.array([info.max, info.max, 3, info.max], dtype=dtype)
    check("""
        def f(a):
            return np.sum(a), a.sum(), np.prod(a), a.prod(), np.sum(a[:1]) + 1
    """, a)


def test_int8_minimum_sum_and_prod():
    a = np.array([-128, -128, -128, 127], dtype=np.int8)
    check("""
        def f(a):
            return np.sum(a), np.prod(a), np.min(a), np.max(a), np.mean(a)
    """, a)


def test_mean_of_int64_is_computed_in_float64():
    """NumPy converts each element to float64 before adding: the mean of
    two int64 maxima is 9.2e18, not the wrapped int64 sum over 2."""
    a = np.array([2**63 - 1, 2**63 - 1, 2**62], dtype=np.int64)
    check("def f(a):\n    return np.mean(a), a.mean()\n", a)
    u = np.array([2**64 - 1, 2**64 - 1], dtype=np.uint64)
    check("def f(a):\n    return np.mean(a), a.mean()\n", u)


@pytest.mark.parametrize("expr,values", [
    ("np.sum(a)", [60000, 60000, -60000]),
    ("a.sum()", [60000, 60000, -60000]),
    ("np.prod(a)", [300, 300, 1 / 256]),
    ("np.mean(a)", [60000, 60000]),
    ("a.mean()", [60000, 60000]),
])
def test_float16_reductions_accumulate_in_float32_as_numpy(expr, values):
    check(f"def f(a):\n    return {expr}\n", np.array(values, dtype=np.float16))


@pytest.mark.parametrize("dtype", [np.float32, np.complex64], ids=dt_id)
def test_float32_sum_and_mean_keep_float32(dtype, rng):
    """The sums of single-precision arrays are single-precision values (a
    float64 accumulation would give a value float32 cannot hold)."""
    a = data(dtype, (1000,), rng)
    jf = check("def f(a):\n    return np.sum(a), np.mean(a), np.prod(a[:10] / 40)\n", a, rtol=1e-5)
    s = jf(a)[0]
    assert np.dtype(dtype).type(s) == s


def _big_then_ones(dtype, big):
    a = np.ones(1001, dtype=dtype)
    a[0] = big
    return a


@pytest.mark.parametrize("make", [
    lambda: np.broadcast_to(np.float32(1), (20_000_000,)),
    lambda: np.broadcast_to(np.float32(0.1), (4000, 5000)),
    lambda: _big_then_ones(np.float32, 2**24),
    lambda: _big_then_ones(np.float16, 2048),
], ids=["float32_ones_2e7", "float32_tenths_2e7", "float32_2**24_then_ones", "float16_2048_then_ones"])
def test_single_precision_sums_are_as_accurate_as_numpys(make):
    """As close to the exact (float64) sum as NumPy's, or within the
    tolerance of a different summation order (1e-5 for float32), also for
    long arrays (NumPy 2.2 sums 2e7 broadcast float32 tenths with a
    relative error of 2.3e-5, 2.4 with 2.5e-7)."""
    a = make()
    py = make_function("def f(a):\n    return np.sum(a), np.mean(a), a.sum()\n")
    exact = (np.sum(a, dtype=np.float64), np.mean(a, dtype=np.float64), np.sum(a, dtype=np.float64))
    for got, want, x in zip(njit(py)(a), py(a), exact):
        err, numpy_err = abs(float(got) - x), abs(float(want) - x)
        assert err <= max(numpy_err, 1e-5 * abs(x)), (got, want, x)


@pytest.mark.parametrize("layout", ["flat", "rows", "strided_rows", "transposed", "axis1", "axis1_strided"])
def test_float32_sums_are_pairwise(layout, rng):
    """The error of a long float32 sum grows with log2 of its length (as
    NumPy's pairwise sum), not with its length: within 4x NumPy's own error
    (or a few float32 ulps) of the float64 sum, where adding block after
    block was 1000x worse."""
    base = rng.random((8, 1_000_000)).astype(np.float32)
    a = {"flat": base.ravel(), "rows": base, "strided_rows": base[:, ::2], "transposed": base.T,
         "axis1": base, "axis1_strided": base[:, ::3]}[layout]
    body = "a.sum(axis=1)" if layout.startswith("axis1") else "np.sum(a)"
    py = make_function(f"def f(a):\n    return {body}\n")
    jf = njit(py)
    exact = np.asarray(eval(body, {"np": np, "a": a.astype(np.float64)}))
    got, want = np.asarray(jf(a), np.float64), np.asarray(py(a), np.float64)
    err, numpy_err = np.abs(got - exact) / exact, np.abs(want - exact) / exact
    assert np.all(err <= np.maximum(4 * numpy_err, 4 * np.finfo(np.float32).eps)), (err, numpy_err)


def test_large_float_sums_stay_within_tolerance(rng):
    a = rng.uniform(0, 1, 100_001)
    check("def f(a):\n    return np.sum(a), np.mean(a), a.sum(), a.mean()\n", a, rtol=1e-12)
    b = a.astype(np.float32)
    check("def f(a):\n    return np.sum(a), np.mean(a)\n", b, rtol=1e-5)


def ar(*shape, dtype=np.float64):
    return (np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 1.5 - 7).astype(dtype)


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


LAYOUTS = {
    "C_2d": lambda m: m(4, 6),
    "fortran": lambda m: np.asfortranarray(m(4, 6)),
    "transposed": lambda m: m(6, 4).T,
    "rows_strided": lambda m: m(8, 6)[::2],
    "cols_strided": lambda m: m(4, 12)[:, 1::2],
    "reversed_2d": lambda m: m(4, 6)[::-1, ::-1],
    "reversed_1d": lambda m: m(9)[::-1],
    "strided_1d": lambda m: m(20)[3::3],
    "negative_step_3d": lambda m: m(4, 3, 6)[::-2, :, ::-3],
    "fortran_3d": lambda m: np.asfortranarray(m(2, 3, 4)),
    "4d": lambda m: m(2, 3, 2, 2),
    "zero_strides": lambda m: np.broadcast_to(m(6), (4, 6)),
    "scalar_broadcast": lambda m: np.broadcast_to(m(1)[0], (3, 5)),
    "readonly": lambda m: _readonly(m(3, 4)),
    "one_element": lambda m: m(1, 1, 1),
    "0d": lambda m: m(1).reshape(()),
}


@pytest.mark.parametrize("dtype", [np.float64, np.bool_], ids=dt_id)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_reductions_of_any_layout_and_dimension(layout, dtype):
    def make(*shape):
        x = ar(*shape)[::-1].reshape(shape)  # starts with large values: min/max/any are not at index 0
        return x > 0 if dtype == np.bool_ else x.astype(dtype)

    a = LAYOUTS[layout](make)
    exprs = [e for e, _ in reduction_exprs(dtype)] + [e for e, _ in reduction_exprs(dtype, methods=True)]
    check("def f(a):\n    return (" + ", ".join(exprs) + ",)\n", a, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.uint8, np.bool_, np.complex128], ids=dt_id)
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4, 2)], ids=str)
def test_reductions_of_empty_arrays(shape, dtype):
    """sum of nothing is 0, prod 1, any False, all True, mean nan (NumPy
    warns; the compiled function need not)."""
    a = np.zeros(shape, dtype=dtype)
    check("""
        def f(a):
            return np.sum(a), np.prod(a), np.any(a), np.all(a), a.sum(), a.prod(), a.any(), a.all()
    """ if np.dtype(dtype).kind == "c" else """
        def f(a):
            return np.sum(a), np.prod(a), np.any(a), np.all(a), np.mean(a), a.sum(), a.prod(), a.mean()
    """, a)
    if np.dtype(dtype).kind == "c":
        check("def f(a):\n    return np.mean(a), a.mean()\n", a)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int8, np.uint64, np.bool_], ids=dt_id)
@pytest.mark.parametrize("expr,op", [
    ("np.min(a)", "minimum"), ("np.amin(a)", "minimum"), ("a.min()", "minimum"),
    ("np.max(a)", "maximum"), ("np.amax(a)", "maximum"), ("a.max()", "maximum"),
])
def test_min_and_max_of_empty_arrays_raise_numpys_value_error(expr, op, dtype):
    message = f"zero-size array to reduction operation {op} which has no identity"
    py, jf = py_and_jit(f"def f(a):\n    return {expr}\n")
    for shape in [(0,), (2, 0)]:
        a = np.zeros(shape, dtype=dtype)
        with pytest.raises(ValueError, match=message):
            py(a)
        with pytest.raises(ValueError) as info:
            jf(a)
        assert str(info.value) == message
        assert not isinstance(info.value, CompileError)


def test_empty_array_error_is_raised_each_call_and_other_calls_work():
    jf = njit(make_function("def f(a):\n    return np.max(a) + np.min(a)\n"))
    for _ in range(3):
        with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
            jf(np.zeros(0))
        assert jf(np.array([2.0, -1.0])) == 1.0


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dt_id)
@pytest.mark.parametrize("where", ["first", "middle", "last", "all", "beside_inf"])
def test_min_and_max_propagate_nan(where, dtype):
    a = np.array([3.0, -1.0, 7.0, 0.5, -2.0, 4.0], dtype=dtype)
    if where == "first":
        a[0] = np.nan
    elif where == "middle":
        a[3] = np.nan
    elif where == "last":
        a[-1] = np.nan
    elif where == "all":
        a[:] = np.nan
    else:
        a[:] = [np.inf, -np.inf, np.nan, 1, np.inf, -np.inf]
    check("""
        def f(a):
            return (np.min(a), np.max(a), np.amin(a), np.amax(a), a.min(), a.max(),
                    np.min(a[::-1]), np.max(a.reshape(2, 3).T), np.sum(a), np.mean(a), np.prod(a),
                    np.any(a), np.all(a))
    """, a)


def test_min_and_max_of_infinities_and_extremes():
    check("""
        def f(a, b, c):
            return np.min(a), np.max(a), np.min(b), np.max(b), np.min(c), np.max(c)
    """, np.array([np.inf, -np.inf, 0.0]), np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max]),
        np.array([np.iinfo(np.uint64).max, 0], dtype=np.uint64))


def test_any_and_all_of_nan_and_signed_zero():
    check("""
        def f(a, b):
            return np.any(a), np.all(a), np.any(b), np.all(b), a.any(), b.all()
    """, np.array([np.nan, 0.0]), np.array([-0.0, 0.0]))


@pytest.mark.parametrize("expr", ["np.sum(a)", "np.prod(a)", "np.min(a)", "np.max(a)", "np.mean(a)", "np.any(a)",
                                  "np.all(a)", "a.sum()", "a.max()", "a.mean()"])
@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.bool_], ids=dt_id)
def test_reductions_of_0d_arrays(expr, dtype):
    check(f"def f(a):\n    return {expr}\n", np.array(3, dtype=dtype))


def test_reductions_used_in_arithmetic_and_loops():
    check("""
        def f(a, b):
            s = 0.0
            for i in range(a.shape[0]):
                s += np.sum(a[i]) * np.max(b) - a[i].min()
            n = a / np.sum(a)
            v = np.sum((a - a.mean()) ** 2) / a.size
            return s, n, v, a - np.mean(a), np.max(a) - np.min(a) + np.prod(b[:3])
    """, ar(4, 5) + 20, ar(6), rtol=1e-12)


def test_reductions_of_views_made_inside():
    check("""
        def f(a):
            return (np.sum(a[1:, ::2]), a[:, 0].max(), np.min(a.T[::-1]), np.mean(a[None, :, None, :]),
                    np.any(a[2] > 100), np.all(a[:, 1:] > a[:, :-1]), a.reshape(6, 4).sum(), np.prod(a[0, :3]))
    """, ar(4, 6), rtol=1e-12)


def test_reductions_of_arrays_made_inside():
    check("""
        def f(n):
            x = np.arange(n)
            z = np.zeros((n, 2))
            o = np.ones(n, dtype=np.int8)
            return np.sum(x), np.mean(x), np.max(x), np.sum(z), np.sum(o), np.prod(o), np.all(o)
    """, 300)


# ---------------------------------------------------------------------------
# 2. reductions fused with an elementwise expression


FUSED = [
    "np.sum(a * b)",
    "(a * a + b * b).sum()",
    "np.max(np.abs(a - b))",
    "np.min(np.abs(a - b))",
    "np.mean(a > 0)",
    "np.sum(a > 0)",
    "np.any(a > 3)",
    "np.any(a > 1000)",
    "np.all(a == a)",
    "np.all(a < 1000)",
    "np.prod(a * 0.1 + 1)",
    "np.mean(np.sqrt(np.abs(a)) * b)",
    "(a - b).max()",
    "(a / (b + 100)).mean()",
    "np.sum(a[:, None] * b[None, :])",
    "np.sum(a[::2] - b[::-2])",
    "np.max(a[::-1] * b)",
    "np.sum(np.where(a > 0, a, 0.0))",
    "np.sum(np.clip(a, -2, 2))",
    "np.sum(np.maximum(a, b))",
    "np.sum(a * 2.5) + np.sum(b)",
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32], ids=dt_id)
@pytest.mark.parametrize("expr", FUSED)
def test_reduction_of_an_expression(expr, dtype):
    a = ar(7, dtype=dtype)
    b = ar(7, dtype=dtype)[::-1] * 2 - 1
    check(f"def f(a, b):\n    return {expr}\n", a, b, rtol=RTOL[np.dtype(np.float64)] if dtype == np.float64 else 1e-5)


def test_all_of_a_equal_a_is_false_with_nan():
    check("def f(a):\n    return np.all(a == a), np.any(a != a), np.sum(a == a)\n", np.array([1.0, np.nan, 2.0]))


@pytest.mark.parametrize("source,args", [
    ("np.sum(a * a)", [np.array([100, 100, 100], np.int8)]),
    ("np.sum(a + b)", [np.array([200, 255], np.uint8), np.array([100, 1], np.uint8)]),
    ("np.max(a + 100)", [np.array([27, 28, -100], np.int8)]),
    ("np.mean(a * a)", [np.array([16, 16], np.int8)]),
    ("np.prod(a * 2)", [np.array([100, 3], np.int8)]),
    ("np.sum(a * b)", [np.array([300, 300], np.float16), np.array([300, 1], np.float16)]),
    ("np.sum(a - b)", [np.array([0, 1], np.uint16), np.array([1, 0], np.uint16)]),
    ("np.sum(-a)", [np.array([-128, 5], np.int8)]),
    ("np.sum(a // b)", [np.array([7, -7, 1], np.int16), np.array([2, 2, 0], np.int16)]),
], ids=["int8_square", "uint8_add", "int8_max", "int8_mean", "int8_prod", "float16_product", "uint16_sub",
        "int8_neg", "int16_floordiv_zero"])
def test_fused_elements_wrap_at_their_own_dtype(source, args):
    """The elementwise result has NumPy's dtype before it is reduced:
    ``int8 * int8`` wraps in int8, then the sum adds int64s."""
    names = "ab"[:len(args)]
    check(f"def f({', '.join(names)}):\n    return {source}\n", *args)


@pytest.mark.parametrize("pair", [(np.int8, np.uint8), (np.float32, np.int16), (np.int32, np.float64),
                                  (np.bool_, np.int8), (np.complex64, np.float64), (np.uint64, np.int64)],
                         ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
def test_fused_reductions_of_mixed_dtypes(pair):
    a = ar(6).astype(pair[0]) if pair[0] != np.bool_ else ar(6) > 0
    b = np.abs(ar(6))[::-1].astype(pair[1])
    exprs = ["np.sum(a * b)", "np.mean(a + b)", "np.any(a == b)", "np.sum(a * 3)"]
    if np.dtype(pair[0]).kind != "c":
        exprs += ["np.max(a - b)", "np.min(a + b)"]
    check("def f(a, b):\n    return (" + ", ".join(exprs) + ",)\n", a, b, rtol=1e-5)


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((0,), (4,)), ((3,), (0,)), ((1,), (5,))], ids=str)
def test_fused_outer_product_sum(shapes):
    a, b = ar(*shapes[0]), ar(*shapes[1]) + 0.5
    check("""
        def f(a, b):
            return np.sum(a[:, None] * b[None, :]), np.mean(a[:, None] + b), np.all(a[:, None] < b + 100)
    """, a, b, rtol=1e-12)


def test_fused_broadcasting_of_three_operands():
    check("""
        def f(a, b, c):
            return np.sum(a * b + c), np.max(a * b - c), (a + b + c).mean()
    """, ar(3, 1), ar(1, 4), ar(3, 4), rtol=1e-12)


def test_fused_reduction_of_incompatible_shapes_raises_value_error():
    py, jf = py_and_jit("def f(a, b):\n    return np.sum(a * b)\n")
    with pytest.raises(ValueError, match="broadcast"):
        py(ar(3), ar(4))
    with pytest.raises(ValueError, match="broadcast"):
        jf(ar(3), ar(4))


def test_min_of_an_empty_expression_raises_value_error():
    jf = njit(make_function("def f(a, b):\n    return np.min(a * b)\n"))
    with pytest.raises(ValueError, match="zero-size array to reduction operation minimum which has no identity"):
        jf(np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("source", [
    "t = a * 2\na[0] = 100.0\nreturn np.sum(t)",
    "t = a * 2\na[:] = 0.0\nreturn np.max(t), np.min(t)",
    "t = a * 2\na[0] = 100.0\nreturn np.sum(t + a)",
    "t = a * 2\ns = np.sum(t)\nt[0] = 1000.0\nreturn s, np.sum(t)",
    "t = a * 2\nu = np.sum(t)\na[1] = 50.0\nreturn u + np.sum(t) + np.sum(a)",
    "t = a + 0\nv = a[1:]\nv[0] = -99.0\nreturn np.mean(t), np.mean(a)",
    "t = a * 2\nfor i in range(a.shape[0]):\n    a[i] = -1.0\nreturn np.sum(t), np.any(t < 0)",
    "t = a > 0\na[:] = -5.0\nreturn np.sum(t), np.all(t)",
    "s = np.sum(a)\na[0] = 100.0\nreturn s, np.sum(a)",
    "t = a * a\nreturn np.sum(t), np.max(t), t",
])
def test_operand_modified_before_the_reduction(source):
    """NumPy computes ``t`` when its statement runs; a reduction fused with
    ``t``'s expression must not read the values written afterwards."""
    body = "\n".join("    " + line for line in source.splitlines())
    check_mutating(f"def f(a):\n{body}\n", lambda: [ar(5) + 1])




@pytest.mark.parametrize("expr", [
    "np.sum(a * b)", "(a * a + b * b).sum()", "np.max(np.abs(a - b))", "np.sum(a > 0)", "np.any(a > 3)",
    "np.all(a == a)", "np.sum(a[:, None] * b[None, :])", "np.prod(a > 0)", "np.min(np.abs(a))",
    "np.sum(np.where(a > 0, a, 0.0))", "np.sum(np.clip(a, -1, 1))", "np.sum(a * b), np.max(a - b)",
    "np.mean(a > 0)",
    "np.mean(a * b)",
    "(a - b).mean()",
])
def test_fused_reduction_allocates_no_array(expr):
    """A reduction of an expression reads the operands once and makes no
    array (a reduction of an argument neither)."""
    jf = check(f"def f(a, b):\n    return {expr}\n", ar(1000), ar(1000)[::-1], rtol=1e-12)
    a, b = ar(1000), ar(1000)[::-1]
    before = _core.memory_stats()["allocated"]
    jf(a, b)
    assert _core.memory_stats()["allocated"] - before == 0


# ---------------------------------------------------------------------------
# 3. NumPy's elementwise functions by name


def values_a(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.array([0, 1, 1, 0, 1, 0, 1, 1], dtype=dt)
    if dt.kind == "u":
        info = np.iinfo(dt)
        return np.array([info.max, 0, 1, 2, 7, 9, 100, info.max - 1], dtype=dt)
    if dt.kind == "i":
        info = np.iinfo(dt)
        return np.array([info.min, -3, -1, 0, 1, 5, info.max, info.min + 1], dtype=dt)
    if dt.kind == "f":
        return np.array([-np.inf, -2.5, -1.0, -0.0, 0.0, 0.5, 3.0, np.nan], dtype=dt)
    return np.array([1 + 2j, -2.5, 0, 0.5j, -1 - 1j, 3 - 2j, 4.25, 2 + 0.5j], dtype=dt)


def values_b(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.array([1, 1, 0, 0, 1, 1, 0, 1], dtype=dt)
    if dt.kind == "u":
        return np.array([3, 0, 2, 0, 7, 9, 1, 1], dtype=dt)
    if dt.kind == "i":
        return np.array([-1, -1, 2, 0, 7, -2, 1, 3], dtype=dt)
    if dt.kind == "f":
        return np.array([2.0, 0.0, -0.0, 1.5, -3.0, np.inf, 0.25, np.nan], dtype=dt)
    return np.array([2 - 1j, 0, 1j, 1.5, -3, 0.25 + 0.25j, 2, -1j], dtype=dt)


BINARY_UFUNCS = ("add subtract multiply divide true_divide floor_divide remainder mod bitwise_and bitwise_or "
                 "bitwise_xor left_shift right_shift less less_equal greater greater_equal equal not_equal "
                 "logical_and logical_or maximum minimum fmax fmin").split()
UNARY_UFUNCS = ["logical_not", "negative"]


def ufunc_rtol(name, *dtypes):
    """Complex division may round differently from NumPy's algorithm."""
    if name in ("divide", "true_divide") and any(np.dtype(d).kind == "c" for d in dtypes):
        return 1e-6 if any(np.dtype(d) == np.complex64 for d in dtypes) else 1e-15
    return None


def xfail_complex_logical(request, name, *dtypes):
    """np.logical_and/or of complex operands test each against 0, as NumPy
    (fixed; kept as a hook for the tests that call it)."""


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
@pytest.mark.parametrize("name", BINARY_UFUNCS + UNARY_UFUNCS)
def test_ufuncs_by_name_on_arrays_of_one_dtype(name, dtype, request):
    xfail_complex_logical(request, name, dtype)
    a, b = values_a(dtype), values_b(dtype)
    if name in UNARY_UFUNCS:
        check_or_same_error(f"def f(a, b):\n    return np.{name}(a)\n", a, b)
    else:
        check_or_same_error(f"def f(a, b):\n    return np.{name}(a, b)\n", a, b, rtol=ufunc_rtol(name, dtype))


MIXED_PAIRS = [
    (np.int8, np.uint8), (np.float32, np.int16), (np.complex64, np.float64),
    (np.bool_, np.int32), (np.uint64, np.int64), (np.float16, np.uint8),
]


@pytest.mark.parametrize("pair", MIXED_PAIRS, ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_ufuncs_by_name_on_arrays_of_mixed_dtypes(name, pair, request):
    d1, d2 = pair
    xfail_complex_logical(request, name, d1, d2)
    check_or_same_error(f"def f(a, b):\n    return np.{name}(a, b)\n", values_a(d1), values_b(d2),
                        rtol=ufunc_rtol(name, d1, d2))


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.bool_, np.complex64], ids=dt_id)
@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_ufuncs_by_name_with_literals_follow_nep50(name, dtype, request):
    """``np.add(a, 3)``: a Python literal does not upcast an array of its
    kind (uint8 + 3 is uint8, float32 * 2.5 float32)."""
    xfail_complex_logical(request, name, dtype)
    a = values_a(dtype)[1:-1]
    exprs = []
    for lit in ["3", "2.5", "True"]:
        for e in (f"np.{name}(a, {lit})", f"np.{name}({lit}, a)"):
            f = make_function(f"def f(a):\n    return {e}\n")
            _, err = numpy_outcome(f, (a,))
            if err is None:
                exprs.append(e)
    if not exprs:
        # NumPy refuses every literal (bitwise operators and shifts of floats, // and % of complex): so does
        # jitufunc, when compiling
        with pytest.raises(TypeError) as info:
            njit(make_function(f"def f(a):\n    return np.{name}(a, 3)\n"))(a)
        assert isinstance(info.value, CompileError)
        return
    src = "def f(a):\n    return (" + ", ".join(exprs) + ",)\n"
    py, jf = py_and_jit(src)
    want, _ = numpy_outcome(py, (a,))
    got = jf(a)
    for e, g, w in zip(exprs, got, want):
        assert_same(g, w, 1e-6 if "divide" in e and np.dtype(dtype).kind == "c" else None, where=e)


def test_ufuncs_by_name_broadcast_and_on_layouts():
    check("""
        def f(a, b):
            return (np.add(a[:3, None], b), np.less(a.T, b[0]), np.maximum(a[::-1], b[::2, None]),
                    np.logical_and(a > 0, b[:, :1] < 3), np.negative(a.T), np.floor_divide(b, a[:3, None]),
                    np.fmin(a, np.nan), np.remainder(a[:3, None], b))
    """, np.asfortranarray(ar(4)), ar(3, 4)[:, ::-1])


def test_ufuncs_by_name_fuse_with_operators():
    check("""
        def f(a, b):
            t = np.multiply(a, b) + np.subtract(a, 1)
            return np.divide(t, np.add(b, 10)), np.sum(np.multiply(a, b)), np.logical_not(np.greater(t, 0))
    """, ar(6), ar(6)[::-1], rtol=1e-12)


# Numbers only: NumPy returns a NumPy scalar; the compiled function returns
# the Python number of the same kind.

NUMBER_ARGS = [(-7, 2), (7, 0), (2.5, -0.0), (3, 2.5), (1 + 2j, 2), (1, 70)]


@pytest.mark.parametrize("args", NUMBER_ARGS, ids=repr)
@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_ufuncs_by_name_on_numbers(name, args, request):
    xfail_complex_logical(request, name, *(np.asarray(x).dtype for x in args))
    check_or_same_error(f"def f(x, y):\n    return np.{name}(x, y)\n", *args, rtol=1e-15)


# Operator ufuncs by name whose operands are all "weak" Python numbers
# (literals, Python bool arguments): NumPy's arithmetic once.


@pytest.mark.parametrize("literals", ["7, -2", "2.5, 1", "3, True"])
@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_ufuncs_by_name_on_literal_numbers(name, literals, request):
    check_or_same_error(f"def f():\n    return np.{name}({literals})\n", rtol=1e-15)


@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_ufuncs_by_name_on_two_bools(name):
    """NumPy's bool loops: add is or, multiply and, floor_divide/remainder/
    shifts use int8, subtract is refused (a TypeError, which must not be an
    InternalError either)."""
    check_or_same_error(f"def f(x, y):\n    return np.{name}(x, y)\n", True, False)


@pytest.mark.parametrize("x", [0, 5, -3, 2.5, -0.0, float("nan"), 1j], ids=repr)
def test_negative_on_numbers(x):
    check("def f(x):\n    return np.negative(x)\n", x)


@pytest.mark.parametrize("x", [0, 5, 2.5, float("nan"), 1j, True], ids=repr)
def test_logical_not_on_numbers(x):
    check_or_same_error("def f(x):\n    return np.logical_not(x)\n", x)


def test_negative_of_a_bool_is_refused():
    check_or_same_error("def f(x):\n    return np.negative(x)\n", True)


def test_ufuncs_by_name_on_bools_and_arrays_of_bools():
    """Bool arrays: add is or, multiply and; floor_divide, remainder and
    shifts use NumPy's int8 loop."""
    p = np.array([True, False, True, False])
    q = np.array([True, True, False, False])
    check("""
        def f(p, q):
            return (np.add(p, q), np.multiply(p, q), np.floor_divide(p, q), np.remainder(p, q), np.left_shift(p, q),
                    np.right_shift(p, q), np.maximum(p, q), np.fmin(p, q), np.divide(p, q), np.add(p, True),
                    np.add(p, 2), np.multiply(True, q))
    """, p, q)


@pytest.mark.parametrize("expr", ["np.add(x, 1) * a", "np.maximum(x, 1.5) + a", "np.less(x, 2) | (a > 0)",
                                  "np.multiply(x, a)", "np.where(x > 2, a, -a)", "np.clip(a, x - 5, x)"])
def test_ufuncs_by_name_mixing_numbers_and_arrays_inside_expressions(expr):
    check(f"def f(x, a):\n    return {expr}, np.sum({expr})\n", 3, ar(4))


def test_nan_rules_of_maximum_minimum_fmax_fmin():
    a = np.array([1.0, np.nan, 3.0, np.nan, -0.0, np.inf])
    b = np.array([np.nan, 2.0, 1.0, np.nan, 0.0, -np.inf])
    check("""
        def f(a, b):
            return (np.maximum(a, b), np.minimum(a, b), np.fmax(a, b), np.fmin(a, b),
                    np.maximum(a, np.nan), np.fmax(np.nan, b), np.fmin(a, 0.5), np.minimum(b, 0.5))
    """, a, b)
    check("""
        def f(a, b):
            return np.maximum(a, b), np.minimum(a, b), np.fmax(a, b), np.fmin(a, b)
    """, a.astype(np.float32), b.astype(np.float16))


@pytest.mark.parametrize("args", [(1.0, float("nan")), (float("nan"), 1.0), (float("nan"), float("nan")),
                                  (2, 3.5), (-1, 4)], ids=repr)
def test_nan_rules_of_maximum_minimum_fmax_fmin_on_numbers(args):
    check("""
        def f(x, y):
            return np.maximum(x, y), np.minimum(x, y), np.fmax(x, y), np.fmin(x, y)
    """, *args)


# np.where


WHERE_PAIRS = [
    (np.float64, np.float64), (np.int8, np.uint8), (np.float32, np.int8), (np.float32, np.int16),
    (np.int64, np.uint64), (np.bool_, np.int8), (np.complex64, np.float64), (np.float16, np.int8),
    (np.uint32, np.int32), (np.bool_, np.bool_), (np.complex128, np.complex64),
]


@pytest.mark.parametrize("pair", WHERE_PAIRS, ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
def test_where_result_dtype_is_numpys_result_type(pair):
    x, y = values_a(pair[0]), values_b(pair[1])
    c = np.array([True, False, True, True, False, False, True, False])
    check("""
        def f(c, x, y):
            return np.where(c, x, y), np.where(c, y, x), np.where(~c, x, x)
    """, c, x, y)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float16, np.bool_, np.complex64], ids=dt_id)
def test_where_with_literals_follows_nep50(dtype):
    x = values_a(dtype)
    c = x != 0 if np.dtype(dtype).kind != "f" else ~np.isnan(x)
    check("""
        def f(c, x):
            return (np.where(c, x, 2), np.where(c, 1, x), np.where(c, x, 2.5), np.where(c, 0.5, x),
                    np.where(c, x, True), np.where(c, x, 1j), np.where(c, 1, 2), np.where(c, 1.5, 2),
                    np.where(c, x, -0.0))
    """, c, x)


@pytest.mark.parametrize("cond", [
    np.array([0, 3, -1, 0], dtype=np.int8),
    np.array([0.0, np.nan, -0.0, 2.5]),
    np.array([0j, 1j, 0, 2], dtype=np.complex64),
    np.array([1, 0, 2, 0], dtype=np.uint64),
], ids=lambda c: c.dtype.name)
def test_where_condition_of_any_dtype_is_its_truth(cond):
    check("def f(c, x, y):\n    return np.where(c, x, y)\n", cond, ar(4), ar(4) * -1)


def test_where_broadcasts_condition_and_values():
    c = np.array([True, False, True])
    check("""
        def f(c, x, y):
            return (np.where(c, x, y), np.where(c[:, None], x.T, y[0].T), np.where(c[0], x, y),
                    np.where(x > 0, x, 0.0), np.where(c, 1.0, y), np.where(c, x[0, 0], y[0]))
    """, c, ar(4, 1), ar(2, 1, 3) * -1)


def test_where_on_layouts_and_inside_expressions():
    x = np.asfortranarray(ar(3, 4))
    y = ar(4, 3)[::-1].T
    check("""
        def f(x, y):
            t = np.where(x > y, x - y, y * 2)
            return t, np.where(x[::-1] > 0, np.sqrt(np.abs(x)), -y) + 1, np.sum(np.where(x > 0, 1, 0))
    """, x, y, rtol=1e-12)


def test_where_result_is_a_new_array_even_when_it_picks_only_one_argument():
    check_mutating("""
        def f(c, x, y):
            r = np.where(c, x, y)
            r[0] = 99.0
            s = np.where(c, x, x)
            s[1] = -99.0
            return r, s, x, y
    """, lambda: [np.ones(3, bool), ar(3), ar(3) + 1])


def test_where_written_back_into_its_argument():
    check_mutating("""
        def f(a):
            a[:] = np.where(a > 0, a, 0.0)
            a[1:] = np.where(a[:-1] > a[1:], a[:-1], a[1:])
            return a
    """, lambda: [ar(7)])


@pytest.mark.parametrize("args", [(True, 1, 2), (False, 1, 2.5), (0.0, 1j, 2), (3, np.int8(1), np.uint8(2)),
                                  (1, 2.5, np.float32(1)), (float("nan"), -1, 1)], ids=repr)
def test_where_on_numbers(args):
    """NumPy returns a 0-d array, and so does the compiled function: its
    value and kind are compared (Python number arguments are int64/float64
    in compiled code, so the dtype may be wider)."""
    py, jf = py_and_jit("def f(c, x, y):\n    return np.where(c, x, y)\n")
    want = py(*args)
    got = jf(*args)
    assert isinstance(want, np.ndarray) and want.shape == ()
    assert isinstance(got, np.ndarray) and got.shape == (), got
    assert_number(got[()].item() if got.dtype.kind != "b" else bool(got[()]), want[()])


@pytest.mark.parametrize("expr", ["np.where(x > 1, 1, 2)", "np.where(x > 1, 1.5, 2)", "np.where(True, 1, 2)"])
def test_where_on_literal_numbers(expr):
    py, jf = py_and_jit(f"def f(x):\n    return {expr}\n")
    got, want = jf(3), py(3)
    # np.where always makes an array (0-d here).
    assert isinstance(got, np.ndarray) and got.shape == () and got.dtype == want.dtype, (got, want)
    assert got[()] == want[()]


@pytest.mark.parametrize("source", ["np.where(a > 2, 1, 0)", "np.where(a, a, 0)"])
def test_where_of_a_0d_array(source):
    check(f"def f(a):\n    return {source}\n", np.array(3.0))


@pytest.mark.parametrize("dtype,scalar", [(np.float32, 2.5), (np.uint8, 3), (np.int16, -1)],
                         ids=lambda v: dt_id(v) if isinstance(v, type) else repr(v))
def test_where_with_python_scalar_arguments_is_weak(dtype, scalar):
    x = values_a(dtype)
    check("def f(c, x, s):\n    return np.where(c, x, s)\n", x > 0, x, scalar)


# np.clip


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.uint64, np.int64, np.float16, np.float32,
                                   np.float64, np.bool_], ids=dt_id)
def test_clip_with_literal_bounds(dtype):
    a = values_a(dtype)
    check("""
        def f(a):
            return np.clip(a, 0, 5), np.clip(a, 1, 2), np.clip(a, 5, 1), np.clip(a, 0, 2.5), np.clip(a, 0.5, 1)
    """, a)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.float32, np.float64], ids=dt_id)
def test_clip_with_negative_literal_bounds(dtype):
    check("def f(a):\n    return np.clip(a, -2, 5), np.clip(a, -3, -1), np.clip(a, -2.5, 0)\n", values_a(dtype))


@pytest.mark.parametrize("source", ["np.clip(a, 0, 300)", "np.clip(a, -1, 3)", "np.clip(a, -1000, 1000)"])
def test_clip_with_out_of_range_literal_bounds(source):
    check(f"def f(a):\n    return {source}\n", np.array([1, 2, 250], dtype=np.uint8))


def test_clip_with_array_bounds_broadcast():
    a = ar(3, 4)
    check("""
        def f(a, lo, hi):
            return np.clip(a, lo[:, None], hi), np.clip(a, lo[:, None], 3.0), np.clip(a.T, -1.0, lo)
    """, a, np.array([-1.0, 0.0, 1.0]), np.array([0.0, 5.0, 2.0, 9.0]))


def test_clip_propagates_nan_of_the_array_and_of_the_bounds():
    a = np.array([1.0, np.nan, 3.0, -5.0])
    check("""
        def f(a, lo, hi):
            return (np.clip(a, 0.0, 2.0), np.clip(a, np.nan, 2.0), np.clip(a, 0.0, np.nan), np.clip(a, lo, hi),
                    np.clip(a.astype(np.float32), lo, 2.0))
    """, a, np.array([np.nan, 0.0, 0.0, 0.0]), np.array([2.0, 2.0, np.nan, 2.0]))


def test_clip_mixed_dtypes():
    check("""
        def f(a, b, c):
            return (np.clip(a, b, c), np.clip(b, a, 10), np.clip(a, np.float64(0.5), 3), np.clip(c, a[0], 9),
                    np.clip(a, np.int8(1), np.int16(3)), np.clip(b, a, c))
    """, np.array([1, -2, 7], np.int8), np.array([0.5, 1.5, 2.5], np.float32), np.array([4, 0, 5], np.uint16))


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="BUG: np.clip promotes its three dtypes pairwise from the left: np.clip(uint16, int8, "
                   "float32) is float64 (uint16+int8 -> int32, int32+float32 -> float64), np.clip(int8, uint16, "
                   "float32) float64 too; NumPy's result_type of the three is float32")
@pytest.mark.parametrize("order", ["c, a, b", "a, c, b", "c, a[0], b"])
def test_clip_promotes_its_three_dtypes_together(order):
    check(f"def f(a, b, c):\n    return np.clip({order})\n",
          np.array([1, -2, 7], np.int8), np.array([0.5, 1.5, 2.5], np.float32), np.array([4, 0, 5], np.uint16))


@pytest.mark.parametrize("args", [(3, 0, 2), (-1, 0, 2), (3.5, 0, 2), (1.5, 0.0, 2), (float("nan"), 0, 1),
                                  (1.0, float("nan"), 2.0), (5, 3, 1), (True, 0, 1)], ids=repr)
def test_clip_on_numbers(args):
    check_or_same_error("def f(x, lo, hi):\n    return np.clip(x, lo, hi)\n", *args)


def test_clip_of_an_expression_in_a_sum_and_in_place():
    check_mutating("""
        def f(a):
            s = np.sum(np.clip(a * 2, -3.0, 3.0))
            a[:] = np.clip(a, -1.0, 1.0)
            return s, a
    """, lambda: [ar(6)])


# ---------------------------------------------------------------------------
# 4. reductions inside @guvectorize kernels


def test_gufunc_dot_product_by_a_fused_sum_matches_einsum(rng):
    @guvectorize(["void(float64[:], float64[:], float64[:])", "void(float32[:], float32[:], float32[:])"],
                 "(n),(n)->()")
    def dot(x, y, out):
        out[0] = np.sum(x * y)

    x, y = rng.uniform(-1, 1, (5, 17)), rng.uniform(-1, 1, (5, 17))
    np.testing.assert_allclose(dot(x, y), np.einsum("ij,ij->i", x, y), rtol=1e-12)
    np.testing.assert_allclose(dot(x, y[0]), x @ y[0], rtol=1e-12)
    r32 = dot(x.astype(np.float32), y.astype(np.float32))
    assert r32.dtype == np.float32
    np.testing.assert_allclose(r32, np.einsum("ij,ij->i", x, y), rtol=1e-5)
    # strided and reversed core dimensions
    np.testing.assert_allclose(dot(x[:, ::-2], y[::-1, ::2]), np.einsum("ij,ij->i", x[:, ::-2], y[::-1, ::2]),
                               rtol=1e-12)
    # empty core dimension: the sum of nothing is 0
    np.testing.assert_array_equal(dot(np.zeros((3, 0)), np.zeros((3, 0))), np.zeros(3))


def test_gufunc_rows_of_a_matrix_product_match_matmul(rng):
    """``out[j] = np.sum(x * m[j])``: a fused sum of a row of ``x`` times
    a row of ``b.T``, against ``a @ b``."""
    @guvectorize(["void(float64[:], float64[:, :], float64[:])"], "(n),(p,n)->(p)")
    def row_times(x, m, out):
        for j in range(m.shape[0]):
            out[j] = np.sum(x * m[j])

    a, b = rng.uniform(-1, 1, (4, 6)), rng.uniform(-1, 1, (6, 3))
    np.testing.assert_allclose(row_times(a, b.T), a @ b, rtol=1e-12)
    np.testing.assert_allclose(row_times(a[::-1], np.ascontiguousarray(b.T)), a[::-1] @ b, rtol=1e-12)


def test_gufunc_lazy_reductions_match_numpy_along_the_last_axis(rng):
    @guvectorize("(n)->()")
    def stat(x, out):
        out[0] = np.mean(x) + x.max() - np.min(np.abs(x)) + np.prod(x * 0 + 1)

    x = rng.uniform(-5, 5, (3, 4, 7))
    want = np.mean(x, -1) + x.max(-1) - np.abs(x).min(-1) + 1
    np.testing.assert_allclose(stat(x), want, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.int16, np.uint8, np.bool_], ids=dt_id)
def test_gufunc_returning_reductions_of_rows(dtype, rng):
    """A lazy gufunc returning its outputs: their dtypes are the
    reductions' (sum of int16 is int64, mean of ints float64, max keeps the
    dtype), the values NumPy's along the last axis."""
    @guvectorize("(n)->(),(),(),(),()")
    def stats(x):
        return np.max(x), x.min(), np.sum(x), np.any(x > 10), x.mean()

    x = data(dtype, (6, 9), rng)
    got = stats(x)
    want = (x.max(axis=1), x.min(axis=1), x.sum(axis=1), (x > 10).any(axis=1), x.mean(axis=1))
    for g, w in zip(got, want):
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_gufunc_max_with_a_signature():
    @guvectorize(["void(float64[:], float64[:])", "void(int32[:], int32[:])"], "(n)->()")
    def rowmax(x, out):
        out[0] = np.max(x)

    x = np.array([[1.0, np.nan, 3.0], [-1.0, -5.0, -0.5], [np.inf, 1.0, 2.0]])
    np.testing.assert_array_equal(rowmax(x), np.max(x, axis=1))
    xi = np.array([[1, 9, 3], [-7, -5, -8]], dtype=np.int32)
    r = rowmax(xi)
    assert r.dtype == np.int32
    np.testing.assert_array_equal(r, xi.max(axis=1))
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum which has no identity"):
        rowmax(np.zeros((2, 0)))


def test_gufunc_fused_expression_across_statements():
    """``t = x * y`` used once, by the reduction: fused, so no array is
    made and the kernel compiles."""
    @guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->()")
    def k(x, y, out):
        t = x * y
        out[0] = np.sum(t) + np.max(np.abs(x - y))

    x, y = ar(3, 4), ar(3, 4)[::-1] + 0.5
    np.testing.assert_allclose(k(x, y), (x * y).sum(1) + np.abs(x - y).max(1), rtol=1e-12)


@pytest.mark.parametrize("body", [
    "t = x * 2\n    out[0] = t[0] + np.sum(t)",
    "t = x * 2\n    out[0] = np.sum(t) + np.max(t)",
    "t = np.sqrt(x)\n    out[0] = np.sum(t) * t[1]",
])
def test_gufunc_array_temporaries(body):
    k = make_function(f"def k(x, out):\n    {body}\n")
    x = np.arange(12.0).reshape(3, 4) + 0.5
    expected = np.zeros((3, 1))
    for r, o in zip(x, expected):
        k(r, o)
    np.testing.assert_allclose(guvectorize(["void(float64[:], float64[:])"], "(n)->()")(k)(x), expected[:, 0],
                               rtol=1e-15)
    np.testing.assert_allclose(guvectorize("(n)->()")(k)(x), expected[:, 0], rtol=1e-15)


# ---------------------------------------------------------------------------
# 5. errors


def check_axis_or_clear_error(call):
    """``axis=`` is either supported (the result is NumPy's) or a compile
    error (UnsupportedError or TypingError) that says "axis" at the line."""
    source = f"def f(a):\n    return {call}\n"
    py = make_function(source)
    a = ar(2, 3)
    try:
        got = njit(py)(a)
    except CompileError as e:
        assert type(e) in (UnsupportedError, TypingError), f"{type(e).__name__}: {e}"
        assert_clear_error(e, type(e), r"axis", py, source, 2)
        return
    assert_same(got, py(a), rtol=1e-12)


@pytest.mark.parametrize("call", ["np.sum(a, axis=0)", "np.max(a, axis=1)", "np.mean(a, axis=-1)",
                                  "np.any(a, axis=0)", "np.prod(a, axis=None)"])
def test_axis_keyword_works_or_is_a_clear_error(call):
    check_axis_or_clear_error(call)


@pytest.mark.parametrize("call", ["a.sum(axis=0)", "a.max(axis=1)", "a.mean(axis=0)"])
def test_axis_keyword_of_methods_works_or_is_a_clear_error(call):
    check_axis_or_clear_error(call)


@pytest.mark.parametrize("call", ["np.sum(a, 0)", "np.max(a, 1)", "np.mean(a, 0)"])
def test_axis_by_position_works_or_is_an_error_mentioning_axis(call):
    check_axis_or_clear_error(call)


@pytest.mark.parametrize("call", ["np.min(a, axis=2)", "a.sum(axis=-3)"])
def test_axis_out_of_bounds_is_an_error_naming_the_axis(call):
    """NumPy raises AxisError; jitufunc may refuse when compiling (the
    number of dimensions is part of the type) or raise NumPy's error."""
    py = make_function(f"def f(a):\n    return {call}\n")
    with pytest.raises(np.exceptions.AxisError):
        py(ar(2, 3))
    with pytest.raises((CompileError, np.exceptions.AxisError)) as info:
        njit(py)(ar(2, 3))
    assert "axis" in str(info.value) and "out of bounds" in str(info.value), str(info.value)


@pytest.mark.parametrize("call", ["np.min(a)", "np.amin(a)", "np.max(a)", "np.amax(a)", "a.min()", "a.max()",
                                  "np.max(a * 2)"])
@pytest.mark.parametrize("dtype", COMPLEX_DTYPES, ids=dt_id)
def test_min_and_max_of_complex_arrays_are_unsupported(call, dtype):
    source = f"def f(a):\n    return {call}\n"
    py = make_function(source)
    with pytest.raises(UnsupportedError) as info:
        njit(py)(np.array([1 + 1j, 2 - 1j], dtype=dtype))
    assert_clear_error(info.value, UnsupportedError, r"(min|max)\(\) of a complex array is not supported",
                       py, source, 2)


@pytest.mark.parametrize("call", ["np.where(a)", "np.where(a > 0)"])
def test_where_with_one_argument_is_a_clear_error(call):
    source = f"def f(a):\n    return {call}\n"
    py = make_function(source)
    with pytest.raises(CompileError) as info:
        njit(py)(ar(3))
    assert isinstance(info.value, TypingError)
    assert_clear_error(info.value, TypingError, r"numpy\.where\(\).*argument", py, source, 2)


@pytest.mark.parametrize("call", ["np.where(a, a)", "np.clip(a, 1)", "np.add(a)", "np.negative(a, a, a)"])
def test_wrong_number_of_arguments_is_a_typing_error(call):
    source = f"def f(a):\n    return {call}\n"
    py = make_function(source)
    with pytest.raises(TypingError) as info:
        njit(py)(ar(3))
    assert call.split("(")[0].replace("np.", "") in str(info.value)
    assert info.value.lineno == 2


@pytest.mark.parametrize("call", ["np.bitwise_and(a, 1)", "np.left_shift(a, 2)", "np.negative(a > 0)"])
def test_ufunc_by_name_on_a_wrong_dtype_is_a_typing_error(call):
    source = f"def f(a):\n    return {call}\n"
    py = make_function(source)
    with pytest.raises(TypeError):
        py(ar(3))
    with pytest.raises(TypingError) as info:
        njit(py)(ar(3))
    assert info.value.lineno == 2
