"""math, cmath and NumPy functions, builtins and scalar casts in kernels.

Each case is checked against the Python function called on NumPy scalars
(``reference``); which dtypes a function accepts and the dtype it returns
are asked from Python/NumPy at test time. Transcendental functions use
vector math (libmvec, up to 4 ulp), hence the tolerances in ``RTOL``.
"""

import cmath  # noqa: F401  (kernels use it)
import math
import warnings

import numpy as np
import pytest

from jitufunc import vectorize
from conftest import make_function, reference, assert_matches, dtype_name

RTOL = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-13, "complex64": 1e-5, "complex128": 1e-13}


def check(actual, expected, atol=0.0, signed_zero=True):
    """assert_matches with the tolerance of the output dtype, plus the sign
    of zero results."""
    expected = np.asarray(expected)
    assert_matches(actual, expected, rtol=RTOL.get(expected.dtype.name), atol=atol)
    if signed_zero and expected.dtype.kind == "f":
        zero = expected == 0
        np.testing.assert_array_equal(np.signbit(np.asarray(actual)[zero]), np.signbit(expected[zero]),
                                      err_msg="sign of zero results differs")


def kernel(expr, nargs=1):
    params = ", ".join("xyz"[:nargs])
    return make_function(f"""
        def kernel({params}):
            return {expr}
    """)


def result_dtype(f, arrays):
    """The promoted dtype of what ``f`` returns on the NumPy scalars of
    ``arrays``, or the TypeError Python/NumPy raises for these types."""
    dts = set()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in zip(*[np.broadcast_to(a, np.broadcast_shapes(*(b.shape for b in arrays))).ravel() for a in arrays]):
            try:
                r = f(*args)
            except TypeError as exc:
                return None, exc
            dts.add(np.asarray(r).dtype)
    assert dts, "no in-domain input values (test bug)"
    return np.result_type(*dts), None


_groups = {}


def compiled(expr, nargs, input_dtypes, arrays_for, fp=True):
    """``expr`` compiled once with one loop per valid input-dtype tuple in
    ``input_dtypes`` (all loops in one ufunc, to keep the suite fast).
    Returns (f, ufunc or exception, {dtypes: result dtype or TypeError})."""
    key = (expr, tuple(input_dtypes))
    if key not in _groups:
        f = kernel(expr, nargs)
        results, sigs = {}, []
        for dts in input_dtypes:
            res, exc = result_dtype(f, in_domain(f, arrays_for(dts), fp))
            if exc is None and expr.startswith(("min(", "max(")):
                # min/max return one of their arguments: the loop's output
                # holds any of them.
                res = np.result_type(res, *dts)
            results[dts] = res if exc is None else exc
            if exc is None:
                sigs.append(f"{res.name}({', '.join(dtype_name(d) for d in dts)})")
        try:
            u = vectorize(sigs)(f) if sigs else None
        except Exception as exc:
            u = exc
        _groups[key] = (f, u, results)
    return _groups[key]


def in_domain(f, arrays, fp):
    """The elements of ``arrays`` (broadcast, flattened) on which ``f`` on
    NumPy scalars raises no Python error (math domain errors, round(nan),
    ...) and, with ``fp``, no floating-point flag either."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    flat = [np.broadcast_to(a, shape).ravel() for a in arrays]
    keep = np.zeros(flat[0].shape, bool)
    errors = (ValueError, OverflowError, ZeroDivisionError) + ((FloatingPointError, RuntimeWarning) if fp else ())
    for i in range(len(keep)):
        with np.errstate(all="raise" if fp else "ignore"), warnings.catch_warnings():
            warnings.simplefilter("error" if fp else "ignore")
            try:
                f(*(a[i] for a in flat))
                keep[i] = True
            except TypeError:
                keep[i] = True  # a type error, checked by the caller
            except errors:
                pass
    return [a[keep] for a in flat]


def run_case(expr, nargs, dts, input_dtypes, arrays_for, atol=0.0, flags=True, signed_zero=True):
    """Compiles (or expects a TypeError), runs on the in-domain part of
    ``arrays_for(dts)`` and compares with ``reference``; with ``flags``,
    also runs under np.errstate(all='raise'): in-domain inputs must raise
    nothing."""
    f, u, results = compiled(expr, nargs, input_dtypes, arrays_for, flags)
    res = results[dts]
    sig_in = ", ".join(dtype_name(d) for d in dts)
    if isinstance(res, Exception):
        with pytest.raises(TypeError):
            vectorize([f"complex128({sig_in})"])(f)
        return
    if u is None or isinstance(u, Exception):
        u = vectorize([f"{res.name}({sig_in})"])(f)
    arrays = in_domain(f, arrays_for(dts), flags)
    assert len(arrays[0]) > 0, "no in-domain input values (test bug)"
    expected = reference(f, arrays, res)
    with np.errstate(all="ignore"):
        actual = u(*arrays)
    check(actual, expected, atol=atol, signed_zero=signed_zero)
    if flags:
        with np.errstate(all="raise"):
            u(*arrays)


def group_compiles(expr, nargs, input_dtypes, arrays_for):
    f, u, results = compiled(expr, nargs, input_dtypes, arrays_for)
    if isinstance(u, Exception):
        raise u


# --- input values --------------------------------------------------------------

WIDE = [-100.0, -7.25, -3.0, -1.2, -0.5, -0.0, 0.0, 0.3, 1.0, 2.5, 6.0, 10.0, 100.0]
DOMAINS = {
    # name: (real values, keep integral ones for integer dtypes)
    "sqrt": [0.0, 0.25, 1.0, 2.0, 9.0, 50.0, 1e10],
    "cbrt": WIDE,
    "exp": [-20.0, -3.0, -0.5, 0.0, 0.5, 1.0, 3.0, 8.0, 20.0],
    "exp2": [-20.0, -3.0, -0.5, 0.0, 0.5, 1.0, 3.0, 8.0, 20.0],
    "expm1": [-5.0, -1e-8, 0.0, 1e-8, 0.5, 3.0, 8.0, 20.0],
    "log": [1e-10, 0.1, 0.5, 2.0, 3.0, 10.0, 1e10],
    "log2": [1e-10, 0.1, 0.5, 2.0, 3.0, 10.0, 1e10],
    "log10": [1e-10, 0.1, 0.5, 2.0, 3.0, 10.0, 1e10],
    "log1p": [-0.9, -1e-8, 0.0, 1e-6, 0.5, 5.0, 1e8],
    "sin": WIDE,
    "cos": WIDE,
    "tan": WIDE,
    "asin": [-1.0, -0.7, -0.1, 0.0, 0.2, 0.9, 1.0],
    "acos": [-1.0, -0.7, -0.1, 0.0, 0.2, 0.9, 1.0],
    "atan": WIDE,
    "sinh": [-10.0, -2.0, -0.5, 0.0, 0.3, 1.0, 5.0, 10.0],
    "cosh": [-10.0, -2.0, -0.5, 0.0, 0.3, 1.0, 5.0, 10.0],
    "tanh": [-20.0, -2.0, -0.5, 0.0, 0.3, 1.0, 5.0, 20.0],
    "asinh": WIDE,
    "acosh": [1.0, 1.5, 2.0, 10.0, 1e5],
    "atanh": [-0.99, -0.5, 0.0, 0.25, 0.9],
    "fabs": WIDE,
    "floor": WIDE,
    "ceil": WIDE,
    "trunc": WIDE,
    "rint": [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7, -3.7],
    "isnan": WIDE + [np.nan, np.inf, -np.inf],
    "isinf": WIDE + [np.nan, np.inf, -np.inf],
    "isfinite": WIDE + [np.nan, np.inf, -np.inf],
    "erf": [-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 3.0],
    "erfc": [-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0],
    "gamma": [-1.5, -0.5, 0.5, 1.5, 2.5, 5.0, 10.0, 20.0],
    "lgamma": [-1.5, -0.5, 0.5, 3.5, 5.0, 10.0, 100.0],
    "degrees": WIDE,
    "radians": WIDE,
    "abs": WIDE,
    "sign": WIDE + [np.nan],
    "square": WIDE,
    "reciprocal": [-7.25, -3.0, -0.5, 0.3, 1.0, 2.5, 6.0],
    "conj": WIDE,
    "real": WIDE,
    "imag": WIDE,
    "angle": WIDE,
}
NP_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
            "acosh": "arccosh", "atanh": "arctanh"}
COMPLEX_VALUES = [0.5 + 0.5j, -1 + 2j, 3 - 1j, -0.25 - 0.75j, 2j, 0.3 + 0j, -2 - 3j]


def real_values(name, dt):
    """The values of DOMAINS[name] representable in ``dt`` (integral ones
    for integer dtypes; COMPLEX_VALUES for complex dtypes). Values on which
    the function raises or sets a floating-point flag are dropped later
    (``in_domain``)."""
    dt = np.dtype(dt)
    vals = list(DOMAINS[name])
    if dt.kind == "c":
        return np.array(COMPLEX_VALUES, dtype=dt)
    if dt.kind in "iub":
        vals = [v for v in vals if np.isfinite(v) and v == int(v)]
        if dt.kind == "b":
            vals = [v for v in vals if v in (0.0, 1.0)]
        else:
            info = np.iinfo(dt)
            vals = [v for v in vals if info.min <= v <= info.max]
        return np.array(vals or [1], dtype=dt)
    fin = np.finfo(dt)
    vals = [v for v in vals if not np.isfinite(v) or v == 0 or float(fin.tiny) <= abs(v) <= float(fin.max)]
    return np.array(vals, dtype=dt)


# --- math module, one argument -----------------------------------------------

MATH_UNARY = ["sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin",
              "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fabs", "floor",
              "ceil", "trunc", "isnan", "isinf", "isfinite", "erf", "erfc", "gamma", "lgamma",
              "degrees", "radians"]
# Not complex: math.f(complex scalar) makes NumPy warn (ComplexWarning) and
# use the real part, which is no TypeError to compare against.
MATH_DTYPES = [(np.float16,), (np.float32,), (np.float64,), (np.int16,), (np.bool_,)]
ATOL = {"lgamma": 1e-14, "sin": 1e-15, "tan": 1e-15}


@pytest.mark.parametrize("dts", MATH_DTYPES, ids=lambda d: dtype_name(d[0]))
@pytest.mark.parametrize("name", MATH_UNARY)
def test_math_function(name, dts):
    run_case(f"math.{name}(x)", 1, dts, MATH_DTYPES, lambda d: [real_values(name, d[0])], atol=ATOL.get(name, 0.0))


@pytest.mark.parametrize("name", MATH_UNARY)
def test_math_function_loops_compile_together(name):
    group_compiles(f"math.{name}(x)", 1, MATH_DTYPES, lambda d: [real_values(name, d[0])])


MATH_BINARY = {
    "atan2": ([-2.0, -0.0, 0.0, 1.0, 3.5, -1.0], [-1.0, 0.0, -0.0, 2.0, 0.5, -3.0]),
    "hypot": ([-3.0, 0.0, 4.0, 1e-3, 1e10], [4.0, 0.0, -3.0, 2.0, 1.0]),
    "pow": ([0.5, 2.0, 3.0, -2.0, 1.0, 10.0], [2.0, -1.0, 0.5, 3.0, 0.0, -2.5]),
    "copysign": ([1.0, -2.0, 0.0, 3.5, -0.0], [-1.0, 0.0, -0.0, 2.0, -3.0]),
    "fmod": ([7.0, -7.0, 5.5, -0.5, 0.0, 1e10], [3.0, 3.0, -2.0, 0.25, 1.0, 7.0]),
}
MATH_BINARY_DTYPES = [(np.float64, np.float64), (np.float32, np.float32), (np.int32, np.float64), (np.float16, np.int8)]


def binary_arrays(table, name, dts, nonneg_exponent=False):
    xs, ys = table[name]
    x, y = np.meshgrid(xs, ys, indexing="ij")
    x, y = x.ravel(), y.ravel()
    ok = np.ones(x.shape, bool)
    for v, dt in ((x, dts[0]), (y, dts[1])):
        if np.dtype(dt).kind in "iu":
            info = np.iinfo(dt)
            with np.errstate(invalid="ignore"):
                ok &= np.isfinite(v) & (v == np.round(v)) & (v >= info.min) & (v <= info.max)
    if name == "pow":  # math.pow: negative base needs an integral exponent
        ok &= (x > 0) | (y == np.round(y))
    if nonneg_exponent:
        ok &= y >= 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [x[ok].astype(dts[0]), y[ok].astype(dts[1])]


@pytest.mark.parametrize("dts", MATH_BINARY_DTYPES, ids=lambda d: "-".join(dtype_name(t) for t in d))
@pytest.mark.parametrize("name", list(MATH_BINARY))
def test_math_binary_function(name, dts):
    run_case(f"math.{name}(x, y)", 2, dts, MATH_BINARY_DTYPES, lambda d: binary_arrays(MATH_BINARY, name, d))


def test_math_constants():
    f = kernel("x * math.pi + math.e + (math.inf if x > 1 else 0.0) + (math.nan if x < -1 else 0.0)")
    u = vectorize(["float64(float64)", "float32(float32)"])(f)
    for dt in (np.float64, np.float32):
        x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dt)
        res, _ = result_dtype(f, [x])
        assert res == dt  # math constants are Python floats: weak
        check(u(x), reference(f, [x], dt))


def test_math_constants_values():
    f = kernel("x + math.pi * 0 + (math.pi if x == 0 else math.e if x == 1 else math.inf if x == 2 else math.nan)")
    u = vectorize(["float64(float64)"])(f)
    x = np.array([0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(u(x), [math.pi, 1 + math.e, math.inf, math.nan])


# --- NumPy functions -----------------------------------------------------------

NP_UNARY = ["sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
            "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fabs",
            "floor", "ceil", "trunc", "rint", "isnan", "isinf", "isfinite", "degrees", "radians",
            "abs", "sign", "square", "reciprocal", "conj", "real", "imag", "angle"]
NP_DTYPES = [(np.bool_,), (np.int8,), (np.int32,), (np.uint16,), (np.float16,), (np.float32,), (np.float64,),
             (np.complex64,), (np.complex128,)]


def np_name(name):
    return NP_NAMES.get(name, name)


@pytest.mark.parametrize("dts", NP_DTYPES, ids=lambda d: dtype_name(d[0]))
@pytest.mark.parametrize("name", NP_UNARY)
def test_numpy_function(name, dts):
    atol = 0.0
    if np.dtype(dts[0]).kind == "c" and name in ("tan", "sin", "cos", "tanh"):
        atol = 1e-6 if dts[0] == np.complex64 else 1e-15
    run_case(f"np.{np_name(name)}(x)", 1, dts, NP_DTYPES, lambda d: [real_values(name, d[0])], atol=atol)


@pytest.mark.parametrize("name", NP_UNARY)
def test_numpy_function_loops_compile_together(name):
    group_compiles(f"np.{np_name(name)}(x)", 1, NP_DTYPES, lambda d: [real_values(name, d[0])])


def test_numpy_arc_aliases():
    """np.asin etc. (NumPy 2 aliases) are the same functions as np.arcsin."""
    f = kernel("np.asin(x) + np.acos(x) + np.atan(x)")
    g = kernel("np.arcsin(x) + np.arccos(x) + np.arctan(x)")
    x = np.linspace(-1, 1, 9)
    check(vectorize(["float64(float64)"])(f)(x), reference(g, [x], np.float64))


NP_BINARY = {
    "arctan2": ([-2.0, -0.0, 0.0, 1.0, 3.5, -1.0], [-1.0, 0.0, -0.0, 2.0, 0.5, -3.0]),
    "hypot": ([-3.0, 0.0, 4.0, 1e-3, 100.0], [4.0, 0.0, -3.0, 2.0, 1.0]),
    "power": ([0.5, 2.0, 3.0, 1.0, 10.0, 0.0], [2.0, 0.5, 3.0, 0.0, 1.5, 1.0]),
    "copysign": ([1.0, -2.0, 0.0, 3.5, -0.0], [-1.0, 0.0, -0.0, 2.0, -3.0]),
    "fmod": ([7.0, -7.0, 5.5, -0.5, 0.0, 100.0], [3.0, 3.0, -2.0, 0.25, 1.0, 7.0]),
    "maximum": ([np.nan, -1.0, 0.0, -0.0, 2.5, np.inf], [1.0, np.nan, -0.0, 0.0, -3.0, np.nan]),
    "minimum": ([np.nan, -1.0, 0.0, -0.0, 2.5, -np.inf], [1.0, np.nan, -0.0, 0.0, -3.0, np.nan]),
    "fmax": ([np.nan, -1.0, 0.0, -0.0, 2.5, np.inf], [1.0, np.nan, -0.0, 0.0, -3.0, np.nan]),
    "fmin": ([np.nan, -1.0, 0.0, -0.0, 2.5, -np.inf], [1.0, np.nan, -0.0, 0.0, -3.0, np.nan]),
}
NP_BINARY_DTYPES = [(np.float64, np.float64), (np.float32, np.float32), (np.float16, np.float16),
                    (np.int32, np.int32), (np.int8, np.uint8), (np.float32, np.int64),
                    (np.complex128, np.complex128)]


def np_binary_arrays(name, dts):
    if np.dtype(dts[0]).kind == "c":
        x = np.array(COMPLEX_VALUES, dts[0])
        y = np.array(COMPLEX_VALUES[::-1], dts[1])
        if name in ("maximum", "minimum", "fmax", "fmin"):
            x[1] = complex(np.nan, 1)
        return [x, y]
    arrays = binary_arrays(NP_BINARY, name, dts, nonneg_exponent=(name == "power"))
    if all(np.dtype(d).kind in "iu" for d in dts) and name == "fmod":
        arrays = [a[arrays[1] != 0] for a in arrays]
    return arrays


@pytest.mark.parametrize("dts", NP_BINARY_DTYPES, ids=lambda d: "-".join(dtype_name(t) for t in d))
@pytest.mark.parametrize("name", list(NP_BINARY))
def test_numpy_binary_function(name, dts):
    flags = name not in ("maximum", "minimum", "fmax", "fmin") or np.dtype(dts[0]).kind != "c"
    # NumPy's own fmax/fmin give different signs of zero for (0.0, -0.0) on
    # arrays and on scalars, so the sign of zero is not compared for them.
    run_case(f"np.{name}(x, y)", 2, dts, NP_BINARY_DTYPES, lambda d: np_binary_arrays(name, d), flags=flags,
             signed_zero=name not in ("fmax", "fmin"))


@pytest.mark.parametrize("name", list(NP_BINARY))
def test_numpy_binary_function_loops_compile_together(name):
    group_compiles(f"np.{name}(x, y)", 2, NP_BINARY_DTYPES, lambda d: np_binary_arrays(name, d))


# --- floating-point flags: errstate(all='raise') -----------------------------

FLAG_CASES = [
    ("log", [0.0]), ("log", [-1.0]), ("log2", [0.0]), ("log10", [-2.0]), ("log1p", [-1.0]),
    ("log1p", [-2.0]), ("sqrt", [-1.0]), ("arcsin", [2.0]), ("arccos", [-1.5]),
    ("arccosh", [0.5]), ("arctanh", [1.0]), ("arctanh", [3.0]), ("exp", [1000.0]),
    ("exp", [-1000.0]), ("expm1", [1000.0]), ("cosh", [1000.0]), ("sinh", [-1000.0]),
    ("reciprocal", [0.0]), ("sin", [np.inf]), ("cos", [-np.inf]), ("tan", [np.inf]),
    ("sqrt", [np.nan]), ("log", [np.nan]), ("exp", [np.nan]), ("sin", [np.nan]),
    ("exp2", [2000.0]), ("square", [1e200]),
]


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name,vals", FLAG_CASES, ids=[f"{n}({v[0]})" for n, v in FLAG_CASES])
def test_floating_point_flags_match_numpy(name, vals, dt):
    """Each flag category raises under errstate(<category>='raise') exactly
    when NumPy's own function raises it for the same input. Underflow is
    not compared: jitufunc deliberately never reports it (see
    docs/supported.md), and a separate test checks that it stays silent."""
    f = kernel(f"np.{name}(x)")
    u = vectorize([f"{dtype_name(dt)}({dtype_name(dt)})"])(f)
    with np.errstate(over="ignore"):
        x = np.array(vals * 8, dtype=dt)  # long enough for the vector path
    npf = getattr(np, name)
    with np.errstate(all="ignore"):
        check(u(x), npf(x))
    for category in ("divide", "over", "invalid"):
        settings = {"all": "ignore", category: "raise"}
        with np.errstate(**settings):
            try:
                npf(x)
                numpy_raises = False
            except FloatingPointError:
                numpy_raises = True
            if numpy_raises:
                with pytest.raises(FloatingPointError):
                    u(x)
            else:
                u(x)  # must not raise


MATH_FLAG_CASES = [
    # (math function, NumPy function with the IEEE result, input)
    ("log", "log", 0.0), ("log", "log", -1.0), ("sqrt", "sqrt", -1.0), ("exp", "exp", 1000.0),
    ("log10", "log10", 0.0), ("log2", "log2", -2.0), ("log1p", "log1p", -1.0), ("acos", "arccos", 2.0),
    ("asin", "arcsin", -2.0), ("acosh", "arccosh", 0.5), ("atanh", "arctanh", 1.0), ("cosh", "cosh", 1000.0),
    ("fmod", "fmod", (1.0, 0.0)), ("pow", "power", (0.0, -1.0)), ("pow", "power", (-2.0, 0.5)),
]


@pytest.mark.parametrize("name,npname,value", MATH_FLAG_CASES,
                         ids=[f"{n}({v})" for n, _, v in MATH_FLAG_CASES])
def test_math_out_of_domain_sets_the_flags_numpy_sets(name, npname, value):
    """Python's math raises ValueError/OverflowError here; a ufunc loop
    cannot, so the kernel gives the IEEE result and flags, like NumPy's
    function of the same name."""
    args = value if isinstance(value, tuple) else (value,)
    f = kernel(f"math.{name}({', '.join('xyz'[:len(args)])})", len(args))
    u = vectorize([f"float64({', '.join(['float64'] * len(args))})"])(f)
    xs = [np.full(8, a) for a in args]
    npf = getattr(np, npname)
    with np.errstate(all="ignore"):
        check(u(*xs), npf(*xs))
    for category in ("divide", "over", "invalid"):
        with np.errstate(**{"all": "ignore", category: "raise"}):
            try:
                npf(*xs)
                numpy_raises = False
            except FloatingPointError:
                numpy_raises = True
            if numpy_raises:
                with pytest.raises(FloatingPointError):
                    u(*xs)
            else:
                u(*xs)


def test_flags_do_not_leak_between_calls():
    f = kernel("np.log(x)")
    u = vectorize(["float64(float64)"])(f)
    with np.errstate(all="ignore"):
        u(np.array([0.0, -1.0]))
    with np.errstate(all="raise"):
        check(u(np.array([1.0, 2.0])), np.log(np.array([1.0, 2.0])))
        with pytest.raises(FloatingPointError):
            u(np.array([1.0, 0.0]))


def test_flag_warnings_under_default_errstate():
    f = kernel("np.sqrt(x)")
    u = vectorize(["float64(float64)"])(f)
    with np.errstate(invalid="warn"):
        with pytest.warns(RuntimeWarning):
            u(np.array([-1.0, 4.0]))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            u(np.array([1.0, 4.0]))


# --- cmath -------------------------------------------------------------------

CMATH = ["exp", "log", "log10", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
         "tanh", "asinh", "acosh", "atanh", "phase", "isnan", "isinf", "isfinite"]
CMATH_DTYPES = [(np.complex128,), (np.complex64,), (np.float64,), (np.int32,)]


def cmath_values(d):
    dt = np.dtype(d[0])
    if dt.kind == "c":
        return [np.array(COMPLEX_VALUES, dt)]
    if dt.kind == "f":
        return [np.array([0.5, -0.5, 2.0, -3.0, 0.25], dt)]
    return [np.array([1, 2, -3, 5], dt)]


@pytest.mark.parametrize("dts", CMATH_DTYPES, ids=lambda d: dtype_name(d[0]))
@pytest.mark.parametrize("name", CMATH)
def test_cmath_function(name, dts):
    run_case(f"cmath.{name}(x)", 1, dts, CMATH_DTYPES, cmath_values, atol=1e-15)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_cmath_predicates_on_special_values(name):
    f = kernel(f"cmath.{name}(x)")
    u = vectorize(["bool(complex128)"])(f)
    x = np.array([complex(np.nan, 0), complex(0, np.nan), complex(np.inf, 1), complex(1, -np.inf), 1 + 1j])
    check(u(x), reference(f, [x], np.bool_))


BRANCH_CUT_VALUES = [complex(2.0, 0.0), complex(2.0, -0.0), complex(-2.0, 0.0), complex(-2.0, -0.0),
                     complex(0.0, 2.0), complex(-0.0, 2.0), complex(0.0, -2.0), complex(-0.0, -2.0),
                     complex(-1.5, 0.0), complex(-1.5, -0.0), complex(0.5, -0.0), complex(-3.0, 0.0)]
BRANCH_CUT_CASES = ([f"cmath.{n}(x)" for n in ("sqrt", "log", "log10", "asin", "acos", "atan", "asinh", "acosh", "atanh")]
                    + [f"np.{n}(x)" for n in ("sqrt", "log", "log10", "log2", "arcsin", "arccos", "arctan",
                                              "arcsinh", "arccosh", "arctanh")])


@pytest.mark.parametrize("expr", BRANCH_CUT_CASES)
def test_complex_functions_on_branch_cuts_follow_the_sign_of_zero(expr):
    """On a branch cut the side is chosen by the sign of the zero real or
    imaginary part (C99 Annex G, which cmath and NumPy follow)."""
    f = kernel(expr)
    u = vectorize(["complex128(complex128)"])(f)
    x = np.array(BRANCH_CUT_VALUES, np.complex128)
    check(u(x), reference(f, [x], np.complex128))


# --- builtins, attributes and methods, casts ---------------------------------

def builtin_values(d):
    out = []
    for i, dt in enumerate(d):
        dt = np.dtype(dt)
        if dt.kind == "b":
            out.append(np.array([True, False, True, True, False, False, True][i:] + [True] * i, dt))
        elif dt.kind == "u":
            out.append(np.array([0, 1, 7, 200, 3, 15, 255][i:] + [4] * i, dt) if dt.itemsize == 1
                       else np.array([0, 1, 7, 200, 3, 15, 60000][i:] + [4] * i, dt))
        elif dt.kind == "i":
            info = np.iinfo(dt)
            out.append(np.array([0, -1, 7, -100, int(info.min), int(info.max), 15][i:] + [-4] * i, dt))
        elif dt.kind == "f":
            out.append(np.array([-2.5, 0.5, -0.0, 3.75, 1.5, 2.675, -7.0][i:] + [9.25] * i, dt))
        else:
            out.append(np.array([1 + 2j, -0.5j, 0, 3.5 - 1j, -2 + 0j, 2.5 + 2.5j, 1j][i:] + [2] * i, dt))
    return out


def nan_values(d):
    """Like builtin_values, with NaNs in float inputs (for min/max)."""
    out = builtin_values(d)
    for a in out:
        if a.dtype.kind == "f":
            a[1::3] = np.nan
    return out


def moderate_values(d):
    """builtin_values without the integer extremes (round(x, -1) of INT_MAX
    overflows, and NumPy's result there is an undefined float->int cast)."""
    out = builtin_values(d)
    for a in out:
        if a.dtype.kind in "iu":
            info = np.iinfo(a.dtype)
            a[(a == info.min) | (a == info.max)] = 42
    return out


NUMERIC = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64, np.uint64,
           np.float16, np.float32, np.float64, np.complex64, np.complex128]
ONE = [(d,) for d in NUMERIC]
REAL_ONE = [(d,) for d in NUMERIC if np.dtype(d).kind != "c"]
FLOAT_ONE = [(d,) for d in (np.float16, np.float32, np.float64)]
PAIRS = [(np.int8, np.uint8), (np.int32, np.float32), (np.float64, np.float64), (np.float32, np.float16),
         (np.int64, np.uint64), (np.bool_, np.int16), (np.float64, np.int8), (np.complex64, np.float32)]
# int()/float() of a complex NumPy scalar warns (ComplexWarning) and drops the
# imaginary part: no TypeError to compare against, so not parametrized.
NON_COMPLEX_ONE = [(d,) for d in NUMERIC if np.dtype(d).kind != "c"]
TRIPLES = [(np.int8, np.float32, np.int64), (np.float64, np.float64, np.float64), (np.uint8, np.int8, np.bool_)]

BUILTIN_CASES = [
    # (expression, nargs, dtype tuples, values)
    ("abs(x)", 1, ONE, builtin_values),
    ("int(x)", 1, NON_COMPLEX_ONE, builtin_values),
    ("float(x)", 1, NON_COMPLEX_ONE, builtin_values),
    ("bool(x)", 1, ONE, builtin_values),
    ("complex(x)", 1, ONE, builtin_values),
    ("round(x)", 1, REAL_ONE, builtin_values),
    ("round(x, 1)", 1, REAL_ONE, builtin_values),
    ("round(x, 2)", 1, FLOAT_ONE, builtin_values),
    ("round(x, -1)", 1, REAL_ONE, moderate_values),
    ("round(x, 0)", 1, FLOAT_ONE, builtin_values),
    ("x.real", 1, ONE, builtin_values),
    ("x.imag", 1, ONE, builtin_values),
    ("x.conjugate()", 1, ONE, builtin_values),
    ("min(x, y)", 2, PAIRS, nan_values),
    ("max(x, y)", 2, PAIRS, nan_values),
    ("min(x, y, z)", 3, TRIPLES, nan_values),
    ("max(x, y, z)", 3, TRIPLES, nan_values),
    ("complex(x, y)", 2, [p for p in PAIRS if np.dtype(p[0]).kind != "c"], builtin_values),
]


@pytest.mark.parametrize("expr,nargs,dtypes,values,dts", [
    pytest.param(e, n, dtl, v, dts, id=f"{e}-{'-'.join(dtype_name(t) for t in dts)}")
    for e, n, dtl, v in BUILTIN_CASES for dts in dtl
])
def test_builtin(expr, nargs, dtypes, values, dts):
    run_case(expr, nargs, dts, dtypes, values, flags=False)


CASTS = ["bool_", "int8", "uint8", "int16", "int32", "uint32", "int64", "uint64", "float16", "float32",
         "float64", "complex64", "complex128"]


def cast_values(d):
    """Values every target dtype can represent exactly enough: float to int
    conversions of out-of-range values are undefined in C, so only
    non-negative values below 128 are used for float inputs; integers wrap
    (NumPy scalar conversions of NumPy integers wrap)."""
    dt = np.dtype(d[0])
    if dt.kind == "f":
        return [np.array([0.0, 1.5, 2.75, 127.0, 100.25, 3.0, -0.0], dt)]
    return builtin_values(d)


def cast_allowed(target, d):
    # NumPy warns (ComplexWarning) on complex -> real and drops the imaginary
    # part; there is no TypeError to compare against, so those casts are not
    # parametrized.
    return not (np.dtype(d[0]).kind == "c" and np.dtype(target).kind != "c")


@pytest.mark.parametrize("target,dts", [
    pytest.param(t, d, id=f"{t}-{dtype_name(d[0])}") for t in CASTS for d in ONE if cast_allowed(t, d)
])
def test_numpy_scalar_cast(target, dts):
    run_case(f"np.{target}(x)", 1, dts, [d for d in ONE if cast_allowed(target, d)], cast_values, flags=False)


def test_underflow_is_never_reported():
    """Exact underflow would need every tiny result classified (and
    speculated operations underflow spuriously), so jitufunc drops the flag
    rather than report it wrongly; NumPy ignores underflow by default."""
    f = kernel("np.exp(x)")
    u = vectorize(["float64(float64)"])(f)
    x = np.full(64, -1000.0)
    with np.errstate(all="raise"):
        assert_matches(u(x), np.zeros(64))
