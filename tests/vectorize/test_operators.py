"""Python operators in kernels, over every dtype pair NumPy defines them for.

The rule: a compiled kernel returns what the Python function returns when it
is called with NumPy scalars of the signature's dtypes. Which dtype pairs are
valid, and the result dtype, are asked from NumPy at test time.
"""

import operator
import warnings

import numpy as np
import pytest

from jitufunc import vectorize
from conftest import ALL_DTYPES, INT_DTYPES, FLOAT_DTYPES, make_function, reference, assert_matches, dtype_name

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}
COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
UNARY = {
    "-": operator.neg,
    "+": operator.pos,
    "~": operator.invert,
    "not ": operator.not_,
}


def values(dtype):
    """Edge values of ``dtype``: negatives, zeros, extremes, NaN/inf."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        v = [False, True]
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        v = [0, 1, 2, 3, 7, 8, 63, 64, int(info.max) - 1, int(info.max)]
        if dt.kind == "i":
            v += [-1, -2, -7, -8, int(info.min), int(info.min) + 1]
        v = [x for x in v if info.min <= x <= info.max]
    elif dt.kind == "f":
        big = float(np.finfo(dt).max) / 2
        v = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.25, -7.0, big, -big, np.inf, -np.inf, np.nan]
    else:
        v = [0, 1, -1, 2j, -1 + 2j, 0.5 - 0.25j, 3 + 1j, -3 + 0j, 1.5 - 2j]
    return np.array(v, dtype=dt)


def pairs(dta, dtb, exponent=False):
    """Every combination of the edge values of the two dtypes, as contiguous
    arrays. With ``exponent``, negative right operands are left out (NumPy
    raises for integers to negative integer powers)."""
    a, b = values(dta), values(dtb)
    if exponent:
        b = b[~(b.real < 0)] if b.dtype.kind in "fc" else b[b >= 0] if b.dtype.kind in "iu" else b
    x, y = np.meshgrid(a, b, indexing="ij")
    return np.ascontiguousarray(x.ravel()), np.ascontiguousarray(y.ravel())


def numpy_result(op, dtypes):
    """The dtype NumPy gives ``op`` on scalars of ``dtypes``, or the TypeError
    it raises."""
    args = [dt(1) for dt in dtypes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                return np.dtype(type(op(*args))), None
            except TypeError as exc:
                return None, exc


def kernel(expr, nargs):
    params = ", ".join("xyzw"[:nargs])
    return make_function(f"""
        def kernel({params}):
            return {expr}
    """)


_groups = {}


def group(expr, op, dta):
    """The kernel ``expr`` compiled into one ufunc with a loop for every right
    dtype NumPy accepts with left dtype ``dta`` (compiling them together keeps
    the suite fast). Returns (function, ufunc or the exception)."""
    key = (expr, dta)
    if key not in _groups:
        sigs = []
        for dt in ALL_DTYPES:
            res, _ = numpy_result(op, [dta, dt])
            if res is not None:
                sigs.append(f"{res.name}({dtype_name(dta)}, {dtype_name(dt)})")
        f = kernel(expr, 2)
        try:
            _groups[key] = (f, vectorize(sigs)(f), sigs)
        except Exception as exc:
            _groups[key] = (f, exc, sigs)
    return _groups[key]


def compiled(expr, op, dta, dtb):
    """The kernel compiled for (dta, dtb): the shared ufunc of ``group``, or,
    if that one failed to compile, the single signature alone, so that each
    failure is reported against its own pair."""
    f, u, _ = group(expr, op, dta)
    if isinstance(u, Exception):
        res, _ = numpy_result(op, [dta, dtb])
        u = vectorize([f"{res.name}({dtype_name(dta)}, {dtype_name(dtb)})"])(f)
    return f, u


def check_binary(expr, op, dta, dtb, exponent=False):
    res, exc = numpy_result(op, [dta, dtb])
    if exc is not None:
        f = kernel(expr, 2)
        with pytest.raises(TypeError):
            vectorize([f"complex128({dtype_name(dta)}, {dtype_name(dtb)})"])(f)
        return
    f, u = compiled(expr, op, dta, dtb)
    x, y = pairs(dta, dtb, exponent=exponent and res.kind in "biu")
    expected = reference(f, [x, y], res)
    with np.errstate(all="ignore"):
        actual = u(x, y)
    assert_matches(actual, expected)


DTYPE_IDS = [dtype_name(d) for d in ALL_DTYPES]


@pytest.mark.parametrize("dtb", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("dta", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("sym", list(BINARY))
def test_binary_operator(sym, dta, dtb):
    check_binary(f"x {sym} y", BINARY[sym], dta, dtb, exponent=(sym == "**"))


GROUPS = [(sym, dta) for sym in BINARY for dta in ALL_DTYPES
          if any(numpy_result(BINARY[sym], [dta, dtb])[0] is not None for dtb in ALL_DTYPES)]


@pytest.mark.parametrize("sym,dta", GROUPS, ids=[f"{s}-{dtype_name(d)}" for s, d in GROUPS])
def test_binary_operator_loops_for_all_right_dtypes_in_one_ufunc(sym, dta):
    """The loops that compile one by one also compile together."""
    f, u, sigs = group(f"x {sym} y", BINARY[sym], dta)
    if isinstance(u, Exception):
        raise u
    assert u.ntypes == len(sigs)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("sym", list(COMPARISONS))
def test_comparison(sym, dt):
    f = kernel(f"x {sym} y", 2)
    res, _ = numpy_result(COMPARISONS[sym], [dt, dt])
    assert res == np.bool_
    u = vectorize([f"bool({dtype_name(dt)}, {dtype_name(dt)})"])(f)
    x, y = pairs(dt, dt)
    with np.errstate(all="ignore"):
        actual = u(x, y)
    assert_matches(actual, reference(f, [x, y], res))


ALL_COMPARISONS = "(x < y) * 1 + (x <= y) * 2 + (x > y) * 4 + (x >= y) * 8 + (x == y) * 16 + (x != y) * 32"


def _all_comparisons(x, y):
    return (x < y) * 1 + (x <= y) * 2 + (x > y) * 4 + (x >= y) * 8 + (x == y) * 16 + (x != y) * 32


@pytest.mark.parametrize("dtb", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("dta", ALL_DTYPES, ids=DTYPE_IDS)
def test_all_comparisons_on_mixed_dtypes(dta, dtb):
    """The six comparisons over every dtype pair, in one kernel (bit k of the
    result is comparison k) to keep compile time down."""
    check_binary(ALL_COMPARISONS, _all_comparisons, dta, dtb)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("sym", list(UNARY))
def test_unary_operator(sym, dt):
    op = UNARY[sym]
    expr = f"{sym}x"
    f = kernel(expr, 1)
    res, exc = numpy_result(op, [dt])
    if exc is not None:
        with pytest.raises(TypeError):
            vectorize([f"complex128({dtype_name(dt)})"])(f)
        return
    u = vectorize([f"{res.name}({dtype_name(dt)})"])(f)
    x = values(dt)
    with np.errstate(all="ignore"):
        actual = u(x)
    assert_matches(actual, reference(f, [x], res))


# --- Python scalar literals are weak (NEP 50) --------------------------------

LITERAL_EXPRS = [
    ("x + 1", lambda x: x + 1),
    ("1 - x", lambda x: 1 - x),
    ("x - 1", lambda x: x - 1),
    ("x * 2.5", lambda x: x * 2.5),
    ("x / 2", lambda x: x / 2),
    ("x // 3", lambda x: x // 3),
    ("x % 3", lambda x: x % 3),
    ("x ** 2", lambda x: x ** 2),
    ("2 ** x", lambda x: 2 ** x),
    ("x + 1j", lambda x: x + 1j),
    ("x << 1", lambda x: x << 1),
    ("x < 1.5", lambda x: x < 1.5),
    ("x == 3", lambda x: x == 3),
    ("x & 1", lambda x: x & 1),
    ("0.5 * x + 1", lambda x: 0.5 * x + 1),
]


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("expr,op", LITERAL_EXPRS, ids=[e for e, _ in LITERAL_EXPRS])
def test_python_literal_operands_are_weak(expr, op, dt):
    res, exc = numpy_result(op, [dt])
    f = kernel(expr, 1)
    if exc is not None:
        with pytest.raises(TypeError):
            vectorize([f"complex128({dtype_name(dt)})"])(f)
        return
    u = vectorize([f"{res.name}({dtype_name(dt)})"])(f)
    x = values(dt)
    if expr == "2 ** x" and res.kind in "iu":
        x = x[x >= 0]
    with np.errstate(all="ignore"):
        actual = u(x)
    assert_matches(actual, reference(f, [x], res))


@pytest.mark.parametrize("dt", INT_DTYPES, ids=[dtype_name(d) for d in INT_DTYPES])
@pytest.mark.parametrize("expr", ["x < -1", "x >= -129", "x == 1000", "x != 70000", "-40000 < x",
                                  "x <= 2**40", "x > 300"])
def test_comparison_with_an_out_of_range_literal_is_exact(expr, dt):
    # NumPy 2 compares an integer with any Python int exactly (no
    # OverflowError, which only arithmetic raises): uint16 x < -1 is False.
    f = kernel(expr, 1)
    u = vectorize([f"bool({dtype_name(dt)})"])(f)
    x = values(dt)
    assert_matches(u(x), reference(f, [x], np.dtype(bool)))


# --- integer division by zero and overflow flags -----------------------------

@pytest.mark.parametrize("dt", INT_DTYPES, ids=[dtype_name(d) for d in INT_DTYPES])
@pytest.mark.parametrize("sym", ["//", "%"])
def test_integer_division_by_zero(sym, dt):
    f = kernel(f"x {sym} y", 2)
    u = vectorize([f"{dtype_name(dt)}({dtype_name(dt)}, {dtype_name(dt)})"])(f)
    x = np.array([5, 0, 1, 7, 3, 2, 9, 4, 6, 8], dtype=dt)
    y = np.array([0, 0, 1, 0, 2, 0, 3, 0, 0, 0], dtype=dt)
    expected = reference(f, [x, y], dt)
    assert (expected[y == 0] == 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            assert_matches(u(x, y), expected)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            u(x, y)
    # The same with no zero divisor: no flag.
    with np.errstate(all="raise"):
        assert_matches(u(x[y != 0], y[y != 0]), expected[y != 0])


SIGNED = [np.int8, np.int16, np.int32, np.int64]


@pytest.mark.parametrize("dt", SIGNED, ids=[dtype_name(d) for d in SIGNED])
def test_integer_floor_division_overflow(dt):
    """NumPy: INT_MIN // -1 wraps to INT_MIN and sets the overflow flag."""
    f = kernel("x // y", 2)
    u = vectorize([f"{dtype_name(dt)}({dtype_name(dt)}, {dtype_name(dt)})"])(f)
    x = np.array([np.iinfo(dt).min, 6], dtype=dt)
    y = np.array([-1, -4], dtype=dt)
    with np.errstate(all="ignore"):
        assert_matches(u(x, y), np.floor_divide(x, y))
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            np.floor_divide(x, y)  # what NumPy does
        with pytest.raises(FloatingPointError):
            u(x, y)


@pytest.mark.parametrize("dt", FLOAT_DTYPES, ids=[dtype_name(d) for d in FLOAT_DTYPES])
def test_float_division_by_zero_flags(dt):
    f = kernel("x / y", 2)
    u = vectorize([f"{dtype_name(dt)}({dtype_name(dt)}, {dtype_name(dt)})"])(f)
    one, zero = np.array([1.0, -2.0], dtype=dt), np.zeros(2, dtype=dt)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            u(one, zero)
    with np.errstate(invalid="raise", divide="ignore"):
        with pytest.raises(FloatingPointError):
            u(zero, zero)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            assert_matches(u(one, zero), np.array([np.inf, -np.inf], dtype=dt))


@pytest.mark.parametrize("dt", [np.int8, np.int32, np.int64, np.uint8, np.uint64],
                         ids=["int8", "int32", "int64", "uint8", "uint64"])
def test_integer_power_negative_exponent_reports_invalid(dt):
    """NumPy raises ValueError for integer ** negative integer. A ufunc loop
    cannot raise, so jitufunc reports an invalid operation instead (a
    RuntimeWarning by default, FloatingPointError under errstate) and gives
    1 / x**n truncated towards zero (documented in docs/supported.md)."""
    f = kernel("x ** y", 2)
    res, _ = numpy_result(operator.pow, [dt, np.int8])
    sig = f"{res.name}({dtype_name(dt)}, int8)"
    u = vectorize([sig])(f)
    x = np.array([2, 3, 1, 5], dtype=dt)
    y = np.array([1, -1, -3, 2], dtype=np.int8)
    if res.kind in "iu":
        with pytest.raises(ValueError):
            dt(2) ** np.int8(-1)  # NumPy's scalar rule, which a loop cannot follow
        expected = np.array([int(1 / (int(a) ** -int(b))) if b < 0 else int(a) ** int(b)
                             for a, b in zip(x, y)], dtype=res)
        with np.errstate(invalid="raise"):
            with pytest.raises(FloatingPointError):
                u(x, y)
        with np.errstate(invalid="ignore"):
            assert_matches(u(x, y), expected)
        with np.errstate(invalid="raise"):
            assert_matches(u(x[[0, 3]], y[[0, 3]]), expected[[0, 3]])  # no negative exponent: silent
    else:
        assert_matches(u(x, y), reference(f, [x, y], res))


# --- chained comparisons, and/or, conditional expressions --------------------

def mixed_values(dtypes, n=40, seed=7):
    rng = np.random.default_rng(seed)
    out = []
    for dt in dtypes:
        dt = np.dtype(dt)
        if dt.kind == "b":
            a = rng.integers(0, 2, n).astype(dt)
        elif dt.kind == "u":
            a = rng.integers(0, 5, n).astype(dt)
        elif dt.kind == "i":
            a = rng.integers(-4, 5, n).astype(dt)
        elif dt.kind == "f":
            a = rng.integers(-4, 5, n).astype(dt) / dt.type(2)
            a[::9] = np.nan
            a[1::11] = 0.0
        else:
            a = (rng.integers(-2, 3, n) + 1j * rng.integers(-2, 3, n)).astype(dt)
        out.append(a)
    return out


LOGIC_CASES = [
    # (expression, input dtypes)
    ("x < y < z", (np.float64, np.float64, np.float64)),
    ("x < y < z", (np.int8, np.float32, np.int64)),
    ("x <= y < z", (np.uint8, np.int8, np.uint8)),
    ("x == y != z", (np.int32, np.float64, np.int16)),
    ("x > y >= z", (np.float32, np.int64, np.uint16)),
    ("x < y < z < w", (np.int16, np.int16, np.float16, np.int16)),
    ("x == y == z", (np.complex128, np.float64, np.int8)),
    ("x and y", (np.int32, np.int32)),
    ("x and y", (np.int8, np.float64)),
    ("x or y", (np.float32, np.float32)),
    ("x or y", (np.uint8, np.int16)),
    ("x or y", (np.bool_, np.int64)),
    ("x and y or z", (np.int16, np.float32, np.int8)),
    ("not x and y", (np.float64, np.int32)),
    ("not (x or y)", (np.complex64, np.float32)),
    ("x > 0 and y > 0", (np.float64, np.int8)),
    ("x > 0 or y < 0", (np.int64, np.uint8)),
    ("(x < y) and (y < z)", (np.float32, np.float32, np.float32)),
    ("x if x > y else y", (np.float64, np.float64)),
    ("x if x > y else y", (np.int8, np.uint8)),
    ("x if y else -x", (np.float32, np.bool_)),
    ("x if y else z", (np.int16, np.float64, np.uint32)),
    ("x if x < 0 else (y if y < 0 else z)", (np.int32, np.float32, np.int64)),
    ("1 if x else 2.5", (np.int8,)),
    ("x if x == x else 0", (np.float64,)),
    ("(x if x > 0 else 0) + (y if y > 0 else 0)", (np.int8, np.float16)),
]


def logic_result_dtype(expr, dtypes):
    """The result dtype of all values the expression can produce: the
    NumPy promotion of the values it may return (the test evaluates it
    on all inputs and promotes the dtypes seen)."""
    f = kernel(expr, len(dtypes))
    arrays = mixed_values(dtypes)
    seen = set()
    with np.errstate(all="ignore"):
        for args in zip(*arrays):
            r = f(*args)
            seen.add(r.dtype if isinstance(r, np.generic) else None)
    seen.discard(None)
    return f, arrays, np.result_type(*seen) if seen else np.dtype(np.float64)


@pytest.mark.parametrize("expr,dtypes", LOGIC_CASES,
                         ids=[f"{e}-{','.join(dtype_name(d) for d in dts)}" for e, dts in LOGIC_CASES])
def test_chained_comparisons_boolean_operators_conditionals(expr, dtypes):
    f, arrays, res = logic_result_dtype(expr, dtypes)
    sig = f"{res.name}({', '.join(dtype_name(d) for d in dtypes)})"
    u = vectorize([sig])(f)
    with np.errstate(all="ignore"):
        actual = u(*arrays)
    assert_matches(actual, reference(f, arrays, res))


def test_chained_comparison_short_circuits():
    """``0 < y < x // y`` must not evaluate ``x // y`` when ``0 < y`` is
    False (so no division-by-zero flag)."""
    f = kernel("0 < y < x // y", 2)
    u = vectorize(["bool(int64, int64)"])(f)
    x = np.array([10, 10, 10, -3, 4], dtype=np.int64)
    y = np.array([0, 3, -2, 0, 1], dtype=np.int64)
    with np.errstate(all="raise"):
        assert_matches(u(x, y), reference(f, [x, y], np.bool_))


@pytest.mark.parametrize("expr", [
    "x // y if y != 0 else 0",
    "y != 0 and x // y",
    "y == 0 or x % y",
])
@pytest.mark.parametrize("dt", [np.int32, np.uint8, np.float64], ids=["int32", "uint8", "float64"])
def test_untaken_branches_raise_no_floating_point_flags(expr, dt):
    f, _, res = logic_result_dtype(expr, (dt, dt))
    arrays = [np.array([7, 8, 0, 5, 9], dtype=dt), np.array([0, 3, 0, 2, 0], dtype=dt)]
    u = vectorize([f"{res.name}({dtype_name(dt)}, {dtype_name(dt)})"])(f)
    expected = reference(f, arrays, res)
    with np.errstate(all="raise"):
        assert_matches(u(*arrays), expected)
