"""Floating-point flags of array expressions in @njit functions, and large
element-wise maps run in chunks on the thread pool.

1. Array expressions report divide-by-zero, overflow and invalid (never
   underflow) as NumPy does after a ufunc: ``np.errstate`` decides between
   silence, a ``RuntimeWarning`` ("divide by zero encountered in f", f the
   @njit function's name), a ``FloatingPointError`` and a call of the
   handler. The flags are the union over the whole call, reported once,
   after the function returns; so every test compares the SET of flag kinds
   with the set NumPy reports evaluating the same Python function (NumPy
   may report a kind several times, once per ufunc). Values are compared
   with NumPy's too, for special values (zeros, infinities, NaN, numbers
   that overflow) at the beginning, the middle and the end of small and of
   large arrays (large ones run on several threads), contiguous, strided,
   reversed and broadcast.

2. Flat maps of at least 2**18 elements (2**13 when the elements call
   transcendental functions, pow or kernels) run in chunks on the thread
   pool: their values must be NumPy's for sizes around the thresholds and
   the chunk boundaries, for every result dtype (bool results of
   comparisons are 1 byte wide), with Python and NumPy scalars among the
   operands, and in loops that run a map many times.

NumPy's results are always the expected values. Differences from NumPy are
kept as strict xfails whose reason starts with "BUG".
"""

import contextlib
import functools
import gc
import io
import os
import re
import warnings

import numpy as np
import pytest

from conftest import make_function, run_together
from jitufunc import _core, njit, vectorize

# ---------------------------------------------------------------------------
# helpers


def dt_id(dt):
    return np.dtype(dt).name


@functools.cache
def py_and_jit(body, name="f", params="a, b"):
    """``def name(params): return body`` and its @njit version (one
    dispatcher per body, so each specialisation compiles once per module)."""
    py = make_function(f"def {name}({params}):\n    return {body}\n")
    return py, njit(py)


#: NumPy's names of the FP error kinds (the first argument of an
#: ``np.errstate(call=...)`` handler), the kinds these tests compare and
#: the NPY_FPE_* bit of each (in the handler's second argument).
FLAG_NAMES = {"divide by zero": "divide", "overflow": "overflow", "invalid value": "invalid", "underflow": None}
FLAG_BITS = {"divide": 1, "overflow": 2, "invalid": 8}


def flag_kind(text):
    assert text in FLAG_NAMES, f"unknown FP error kind {text!r}"
    return FLAG_NAMES[text]


def kinds_of(calls):
    """The set of flag kinds in the handler calls ``calls`` (underflow
    dropped: jitufunc does not report it, and NumPy ignores it by default);
    each call's flag bits contain its kind."""
    kinds = set()
    for text, bits in calls:
        kind = flag_kind(text)
        if kind is None:
            continue
        assert bits & FLAG_BITS[kind], f"handler called with {text!r} but bits {bits:#x}"
        kinds.add(kind)
    return frozenset(kinds)


def call_collecting_flags(fn, *args):
    """``fn(*args)`` under ``np.errstate(all="call")``: the result, and
    the set of flag kinds reported."""
    calls = []
    with np.errstate(all="call", call=lambda text, bits: calls.append((text, bits))):
        result = fn(*args)
    return result, kinds_of(calls)


def assert_values(got, want, rtol=None, where="result", atol=0.0):
    """``got`` equals NumPy's ``want``: arrays in dtype, shape and value
    (exactly, NaNs equal, the signs of zeros too; or within ``rtol`` and
    ``atol``);
    scalars (NumPy's reductions give NumPy scalars, the compiled function a
    Python number) in value."""
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), f"{where}: {got!r} is not an array"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, NumPy gives {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, NumPy gives {want.shape}"
    got, want = np.asarray(got), np.asarray(want)
    if rtol is None or want.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want, err_msg=where)
        if want.dtype.kind == "f" and want.shape:
            numbers = ~np.isnan(want)
            np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]),
                                          err_msg=f"{where}: signs of zeros")
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)


def _live_blocks():
    stats = _core.memory_stats()
    return stats["allocated"] - stats["freed"]


def _rss_mb():
    with open("/proc/self/statm") as fh:
        resident_pages = int(fh.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# ---------------------------------------------------------------------------
# 1. FP flags of array expressions, compared with NumPy's
#
# Each expression is the body of ``def f(a, b)``. The data is "clean"
# (values in [0.5, 2), or integers 1..99, which raise no flag anywhere)
# except for the special values a scenario places: a tuple of (a value,
# b value) pairs at consecutive positions along the reduced axis (the next
# row for 2-d operands), starting at the first element, the middle one, or
# ending at the last. Small arrays get every pair of special values; large
# ones the scenarios listed with the expression.

INF, NAN = np.inf, np.nan
# Symbolic values, per dtype: a finite number whose product with 1000
# overflows, and a tiny one (subnormal in float32) a huge one divided by
# which overflows.
HUGE, TINY, NEG_HUGE = "huge", "tiny", "-huge"
INT_MIN, INT_MAX = "min", "max"


def concrete(value, dtype):
    dt = np.dtype(dtype)
    if value == HUGE:
        return 1e308 if dt == np.float64 else 3e38
    if value == NEG_HUGE:
        return -1e308 if dt == np.float64 else -3e38
    if value == TINY:
        return 1e-300 if dt == np.float64 else 1e-38
    if value == INT_MIN:
        return np.iinfo(dt).min
    if value == INT_MAX:
        return np.iinfo(dt).max
    return value


FLOAT_SPECIALS = [0.0, -0.0, INF, -INF, NAN, HUGE, NEG_HUGE, 1000.0, -1.0, TINY]
INT_SPECIALS = [0, 1, -1, 7, -7, INT_MIN, INT_MAX]


def division_flags(va, vb, dtype):
    """The flags NumPy reports for ``va / vb`` in ``dtype``."""
    a, b = np.array([concrete(va, dtype)], dtype), np.array([concrete(vb, dtype)], dtype)
    return call_collecting_flags(np.divide, a, b)[1]


class Expr:
    def __init__(self, body, large, unary=False, axis0=False, transcendental=False, element=None,
                 integer=False, keep=None):
        self.body = body
        self.element = element  # the element expression of a reduction
        self.reduction = element is not None
        self.keep = keep  # which pairs of special values small arrays get (default: all)
        self.large = large  # the scenarios for large arrays
        self.unary = unary  # b is not used
        self.axis0 = axis0  # needs 2-d operands
        self.transcendental = transcendental
        self.integer = integer

    def rtol(self, dtype):
        if not (self.transcendental or self.reduction):
            return None
        if np.dtype(dtype) == np.float32:
            # float32 sums of many elements: NumPy adds pairwise, jitufunc
            # blocks of 128 pairwise and then the blocks in order
            return 1e-4 if self.reduction else 2e-6
        return 1e-12

    def specials(self):
        return INT_SPECIALS if self.integer else FLOAT_SPECIALS

    def small_scenarios(self, dtype):
        values = self.specials()
        pairs = [((va, None),) for va in values] if self.unary else [((va, vb),) for va in values for vb in values]
        if self.keep is not None:
            pairs = [p for p in pairs if self.keep(*p[0], dtype)]
        return pairs + list(self.large)


EXPRESSIONS = {
    "div": Expr("a / b", [
        ((1.0, 0.0),), ((0.0, 0.0),), ((-0.0, 0.0),), ((INF, INF),), ((HUGE, TINY),),
        ((NAN, 0.0),), ((INF, 0.0),), ((INF, 1.0),), ((1.0, 0.0), (0.0, 0.0), (HUGE, TINY)),
    ]),
    "mul": Expr("a * b", [
        ((HUGE, 1000.0),), ((0.0, INF),), ((INF, -1.0),), ((NAN, 0.0),), ((TINY, TINY),),
    ]),
    "sub": Expr("a - b", [
        ((INF, INF),), ((HUGE, NEG_HUGE),), ((INF, 1.0),), ((NAN, NAN),), ((-INF, -INF),),
    ]),
    "log": Expr("np.log(a)", [
        ((0.0, None),), ((-0.0, None),), ((-1.0, None),), ((-INF, None),), ((INF, None),), ((NAN, None),),
        ((0.0, None), (-1.0, None)),
    ], unary=True, transcendental=True),
    "sqrt": Expr("np.sqrt(a)", [
        ((-1.0, None),), ((-INF, None),), ((-0.0, None),), ((INF, None),), ((NAN, None),),
    ], unary=True),
    "exp": Expr("np.exp(a)", [
        ((1000.0, None),), ((HUGE, None),), ((INF, None),), ((-INF, None),), ((NAN, None),),
        ((NEG_HUGE, None),),
    ], unary=True, transcendental=True),
    # (the flags of the sums themselves: test_flags_of_the_accumulation_of_reductions)
    "sum": Expr("np.sum(a / b)", [
        ((1.0, 0.0),), ((0.0, 0.0),), ((INF, 1.0),), ((INF, 1.0), (NAN, 1.0)), ((HUGE, 0.5), (HUGE, 0.5)),
        ((NAN, 1.0),), ((HUGE, TINY), (0.0, 0.0)),
    ], element="a / b"),
    "sum_axis0": Expr("(a / b).sum(axis=0)", [
        ((1.0, 0.0),), ((0.0, 0.0),), ((INF, 1.0),), ((INF, 1.0), (NAN, 1.0)), ((HUGE, 0.5), (HUGE, 0.5)),
        ((NAN, 1.0),), ((HUGE, TINY), (0.0, 0.0)),
    ], axis0=True, element="a / b"),
    "max_abs": Expr("np.max(np.abs(a - b))", [
        ((INF, INF),), ((HUGE, NEG_HUGE),), ((NAN, 1.0),), ((INF, 1.0),), ((-INF, 1.0),),
    ]),
    # the elements np.where selects from a / b (a > 0), and those whose
    # a / b raises nothing (the others:
    # test_where_reports_the_flags_of_elements_it_does_not_select)
    "where": Expr("np.where(a > 0, a / b, 0.0)", [
        ((1.0, 0.0),), ((INF, INF),), ((NAN, 0.0),), ((-1.0, INF),), ((HUGE, TINY),), ((1.0, 0.0), (-1.0, 1.0)),
    ], keep=lambda va, vb, dtype: concrete(va, dtype) > 0 or not division_flags(va, vb, dtype)),
    "floordiv": Expr("a // b", [
        ((1, 0),), ((0, 0),), ((-7, 0),), ((INT_MIN, -1),), ((INT_MIN, 0), (INT_MIN, -1)),
    ], integer=True),
    "mod": Expr("a % b", [
        ((1, 0),), ((0, 0),), ((INT_MIN, -1),), ((-7, 0),),
    ], integer=True),
}

ONE_D_LAYOUTS = ["contiguous", "strided", "reversed", "broadcast"]
TWO_D_LAYOUTS = ["contiguous2d", "strided2d", "broadcast"]
SIZES = {"small": (7, (3, 7)), "large": (1_000_003, (997, 1003))}
POSITIONS = ["first", "middle", "last"]


def clean(shape, dtype, rng):
    if np.dtype(dtype).kind == "i":
        return rng.integers(1, 100, size=shape).astype(dtype)
    return rng.uniform(0.5, 2.0, size=shape).astype(dtype)


def make_operands(layout, size, dtype, rng):
    """``a`` and ``b`` for the layout: ``strided`` views every other
    element, ``reversed`` reverses ``a`` only, ``broadcast`` combines a 2-d
    ``a`` with a 1-d ``b`` (a row), ``strided2d`` is ``x[::2, ::-1]``."""
    n, shape2d = SIZES[size]
    if layout == "contiguous":
        return clean(n, dtype, rng), clean(n, dtype, rng)
    if layout == "strided":
        return clean(2 * n, dtype, rng)[::2], clean(2 * n, dtype, rng)[::2]
    if layout == "reversed":
        return clean(n, dtype, rng)[::-1], clean(n, dtype, rng)
    if layout == "broadcast":
        return clean(shape2d, dtype, rng), clean(shape2d[1], dtype, rng)
    if layout == "contiguous2d":
        return clean(shape2d, dtype, rng), clean(shape2d, dtype, rng)
    assert layout == "strided2d"
    rows, cols = shape2d
    return clean((2 * rows, cols), dtype, rng)[::2, ::-1], clean((2 * rows, cols), dtype, rng)[::2, ::-1]


@contextlib.contextmanager
def placed(a, b, position, scenario):
    """Writes the scenario's special values into ``a`` and ``b`` (views
    included) and restores the clean values afterwards."""
    step = a.shape[1] if a.ndim == 2 else 1  # along axis 0 of 2-d operands
    k = len(scenario)
    last = a.size - 1 - (k - 1) * step
    first = {"first": 0, "middle": min(a.size // 2, last), "last": last}[position]
    saved = []
    try:
        for j, (va, vb) in enumerate(scenario):
            index = np.unravel_index(first + j * step, a.shape)
            b_index = index if b.shape == a.shape else index[-1]
            saved.append((index, a[index], b_index, b[b_index]))
            a[index] = concrete(va, a.dtype)
            if vb is not None:
                b[b_index] = concrete(vb, b.dtype)
        yield
    finally:
        for index, old_a, b_index, old_b in reversed(saved):
            a[index] = old_a
            b[b_index] = old_b


def describe(scenario):
    return " ".join(f"(a={va!r}, b={vb!r})" if vb is not None else f"(a={va!r})" for va, vb in scenario)


def flag_params():
    params = []
    for expr_id, expr in EXPRESSIONS.items():
        dtypes = [np.int64] if expr.integer else [np.float32, np.float64]
        layouts = TWO_D_LAYOUTS if expr.axis0 else ONE_D_LAYOUTS
        for size in SIZES:
            for dtype in dtypes:
                for layout in layouts:
                    params.append(pytest.param(expr_id, dtype, layout, size,
                                               id=f"{expr_id}-{dt_id(dtype)}-{layout}-{size}"))
    return params


@pytest.mark.parametrize("expr_id,dtype,layout,size", flag_params())
def test_flags_and_values_follow_numpy(expr_id, dtype, layout, size, rng):
    """The set of flag kinds reported, and the values, are NumPy's for each
    scenario at each position; clean data reports nothing (no exception
    under ``np.errstate(all="raise")``). Where NumPy's sum itself adds a
    flag to those of its element expression (inf + -inf in a broadcast
    column), only the values are compared: see
    test_flags_of_the_accumulation_of_reductions."""
    expr = EXPRESSIONS[expr_id]
    py, jf = py_and_jit(expr.body)
    py_element = py_and_jit(expr.element)[0] if expr.reduction else None
    a, b = make_operands(layout, size, dtype, rng)
    rtol = expr.rtol(dtype)
    with np.errstate(all="raise"):
        want = py(a, b)
        got = jf(a, b)
    assert_values(got, want, rtol, "clean data")
    scenarios = expr.small_scenarios(dtype) if size == "small" else expr.large
    mismatches = []
    for scenario in scenarios:
        for position in POSITIONS:
            with placed(a, b, position, scenario):
                want, want_flags = call_collecting_flags(py, a, b)
                got, got_flags = call_collecting_flags(jf, a, b)
                if py_element is not None and call_collecting_flags(py_element, a, b)[1] != want_flags:
                    want_flags = None  # the sum's own flags
            where = f"{describe(scenario)} at the {position} element"
            if want_flags is not None and got_flags != want_flags:
                mismatches.append(f"{where}: flags {sorted(got_flags)}, NumPy {sorted(want_flags)}")
            try:
                assert_values(got, want, rtol, where)
            except AssertionError as e:
                mismatches.append(str(e).strip())
    assert not mismatches, f"{len(mismatches)} differences from NumPy:\n" + "\n".join(mismatches[:20])


def check_accumulation_flags(body, values):
    py, jf = py_and_jit(body)
    a = np.array(values)
    b = np.ones_like(a)
    want, want_flags = call_collecting_flags(py, a, b)
    got, got_flags = call_collecting_flags(jf, a, b)
    assert_values(got, want, 1e-12)
    assert want_flags, "NumPy reports a flag here"
    assert got_flags == want_flags


# The accumulation of finite elements overflowing: inf (overflow), or inf -
# inf of overflowed partial sums (overflow and invalid).
@pytest.mark.parametrize("body,values", [
    ("np.sum(a / b)", [1e308, 1e308]),
    ("np.sum(a)", [1e308, 1e308, -1e308, -1e308]),
    ("np.sum(a)", [-1e308] * 3),
    ("np.mean(a, axis=0)", [[1e308], [1e308]]),
    ("a.sum(axis=1)", [[1e308, 1e308], [1.0, 2.0]]),
    ("np.prod(a * b)", [1e200, 1e200]),
    ("a.prod(axis=0)", [[1e200, 2.0], [1e200, 3.0]]),
    ("a.mean()", [1.5e308, 1.5e308]),
], ids=str)
def test_flags_of_the_accumulation_of_reductions(body, values):
    check_accumulation_flags(body, values)


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="BUG: a reduction of non-finite elements reports their flags but not those of the "
                   "accumulation itself: np.sum/np.mean/a.sum(axis=0) of [inf, -inf] give nan without "
                   "'invalid' (NumPy reports it from add.reduce)")
@pytest.mark.parametrize("body,values", [
    ("np.sum(a / b)", [INF, -INF]),
    ("np.sum(a)", [INF, -INF, 1.0]),
    ("(a / b).sum(axis=0)", [[INF, 1.0], [-INF, 2.0]]),
    ("a.mean()", [INF, -INF]),
], ids=str)
def test_flags_of_the_accumulation_of_non_finite_elements(body, values):
    check_accumulation_flags(body, values)


# NumPy evaluates x and y whole: np.where(a > 0, a / b, 0.0) with a = -1,
# b = 0 reports divide by zero although that element takes 0.0.
@pytest.mark.parametrize("body,a,b", [
    ("np.where(a > 0, a / b, 0.0)", -1.0, 0.0),
    ("np.where(a > 0, a / b, 0.0)", 0.0, 0.0),
    ("np.where(a > 0, a / b, 0.0)", -1e308, 1e-10),
    ("np.where(a > 0, np.log(a), b)", -1.0, 1.0),
    ("np.where(a < 0, b, np.sqrt(a))", -1.0, 1.0),
], ids=str)
def test_where_reports_the_flags_of_elements_it_does_not_select(body, a, b):
    py, jf = py_and_jit(body)
    a, b = np.array([2.0, a, 3.0]), np.array([1.0, b, 1.0])
    want, want_flags = call_collecting_flags(py, a, b)
    got, got_flags = call_collecting_flags(jf, a, b)
    assert_values(got, want)
    assert want_flags, "NumPy reports a flag here"
    assert got_flags == want_flags


# --- how the flags are reported: np.errstate's modes, names, once per call

RATIO = "a / b"
#: a / b data that raises exactly these flags, in NumPy and in jitufunc.
RATIO_DATA = {
    "divide": ([1.0, 2.0], [0.0, 1.0]),
    "invalid": ([0.0, 2.0], [0.0, 1.0]),
    "overflow": ([1e308, 2.0], [1e-10, 1.0]),
    "divide+invalid+overflow": ([1.0, 0.0, 1e308, 2.0], [0.0, 0.0, 1e-10, 1.0]),
    "none": ([np.inf, np.nan, 2.0], [1.0, 0.0, 1.0]),
}

ERRSTATES = [
    dict(all="ignore"),
    dict(all="warn"),
    dict(all="raise"),
    dict(all="print"),
    dict(all="call"),
    dict(all="log"),
    dict(divide="raise", invalid="ignore", over="ignore"),
    dict(divide="ignore", invalid="raise", over="warn"),
    dict(divide="warn", invalid="ignore", over="raise"),
    dict(divide="ignore", over="ignore", invalid="warn"),
    dict(divide="call", over="print", invalid="ignore"),
]

SUFFIX = re.compile(r" encountered in (\w+)$")


def outcome(fn, args, settings, name):
    """What ``fn(*args)`` does under ``np.errstate(**settings)``: the
    exception it raises, the warnings it gives, what it prints or logs and
    the handler calls, with " encountered in NAME" replaced by
    " encountered in <name>" (NAME must be ``name``)."""

    def strip(message):
        m = SUFFIX.search(message)
        assert m and m.group(1) == name, f"{message!r} does not end with 'encountered in {name}'"
        return message[:m.start()] + " encountered in <name>"

    calls, logged = [], []

    class Log:
        def write(self, message):
            logged.append(strip(message.strip()))

    handler = Log() if "log" in settings.values() else (lambda text, bits: calls.append((text, bits)))
    printed = io.StringIO()
    error = None
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed):
        warnings.simplefilter("always")
        with np.errstate(call=handler, **settings):
            try:
                fn(*args)
            except FloatingPointError as e:
                error = ("FloatingPointError", strip(str(e)))
            except Exception as e:  # noqa: BLE001 - compared with NumPy's
                error = (type(e).__name__, str(e))
    return {
        "error": error,
        "warnings": [(w.category.__name__, strip(str(w.message))) for w in caught],
        "printed": [strip(line) for line in printed.getvalue().splitlines()],
        "calls": sorted(kinds_of(calls)),
        "logged": logged,
    }


@pytest.mark.parametrize("settings", ERRSTATES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("data", list(RATIO_DATA))
def test_errstate_modes_as_numpy(settings, data):
    """Under each ``np.errstate``, the function warns, raises, prints, logs
    or calls the handler as NumPy's ``np.divide`` does, with the function's
    name where NumPy names the ufunc."""
    py, jf = py_and_jit(RATIO, name="ratio")
    a, b = (np.array(x) for x in RATIO_DATA[data])
    want = outcome(py, (a, b), settings, "divide")
    got = outcome(jf, (a, b), settings, "ratio")
    assert got == want


def test_warning_is_a_runtime_warning_naming_the_function():
    _, jf = py_and_jit(RATIO, name="ratio_of_arrays")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            r = jf(np.array([1.0, 0.0, 3.0]), np.array([0.0, 0.0, 2.0]))
    np.testing.assert_array_equal(r, [np.inf, np.nan, 1.5])
    assert [(w.category, str(w.message)) for w in caught] == [
        (RuntimeWarning, "divide by zero encountered in ratio_of_arrays"),
        (RuntimeWarning, "invalid value encountered in ratio_of_arrays"),
    ]


def test_default_errstate_warns():
    """NumPy's default is "warn" for divide, overflow and invalid."""
    _, jf = py_and_jit("np.exp(a) - np.exp(a)", name="exp_diff", params="a")
    assert np.geterr() == {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jf(np.array([1.0, 1000.0]))
    assert sorted(str(w.message) for w in caught) == [
        "invalid value encountered in exp_diff", "overflow encountered in exp_diff"]


@pytest.mark.parametrize("data", ["divide", "invalid", "overflow", "divide+invalid+overflow"])
def test_ignore_gives_no_warning_and_numpys_values(data):
    py, jf = py_and_jit(RATIO)
    a, b = (np.array(x) for x in RATIO_DATA[data])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            got = jf(a, b)
            want = py(a, b)
    assert caught == []
    assert_values(got, want)


def test_raise_names_the_function_and_first_kind_in_numpys_order():
    """NumPy checks divide, overflow, underflow, invalid in that order and
    raises for the first one set."""
    _, jf = py_and_jit(RATIO, name="ratio")
    a, b = np.array([0.0, 1e308, 5.0]), np.array([0.0, 1e-10, 1.0])  # invalid and overflow
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match=r"^overflow encountered in ratio$"):
            jf(a, b)
    with np.errstate(all="raise", over="ignore"):
        with pytest.raises(FloatingPointError, match=r"^invalid value encountered in ratio$"):
            jf(a, b)


@pytest.mark.parametrize("mode", ["warn", "call", "raise"])
def test_flags_before_an_exception_are_reported(mode):
    py = make_function("""
        def g(a, b):
            r = a / b
            if r[0] > 0:
                raise ValueError("r[0] > 0")
            return r
    """)
    jf = njit(py)
    a, b = np.ones(3), np.zeros(3)
    want = outcome(py, (a, b), {"all": mode}, "divide")
    got = outcome(jf, (a, b), {"all": mode}, "g")
    assert got == want


def test_flags_are_the_union_over_the_call_reported_once():
    """A map run 50 times dividing by zero, and another making a NaN,
    report each kind once, after the function returned."""
    f = make_function("""
        def repeated(a, b, n):
            s = 0.0
            for i in range(n):
                s += np.sum(a / b)
            t = np.sqrt(a - 2.0)
            return s, t
    """)
    jf = njit(f)
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 2.0])
    calls = []
    with np.errstate(all="call", call=lambda text, bits: calls.append(text)):
        want = f(a, b, 50)
    assert calls.count("divide by zero") == 50 and calls.count("invalid value") == 1  # NumPy: once per ufunc
    calls.clear()
    with np.errstate(all="call", call=lambda text, bits: calls.append(text)):
        got = jf(a, b, 50)
    assert sorted(calls) == ["divide by zero", "invalid value"]
    assert got[0] == want[0]
    assert_values(got[1], want[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jf(a, b, 50)
    assert sorted(str(w.message) for w in caught) == [
        "divide by zero encountered in repeated", "invalid value encountered in repeated"]


def test_flags_are_reported_after_the_function_returns():
    """Under "raise" the whole function has run (its later writes are
    done) when FloatingPointError comes; the handler of "call" sees them."""
    jf = njit(make_function("""
        def g(a, b, log):
            r = a / b
            log[0] = 7.0
            return r
    """))
    a, b = np.ones(4), np.zeros(4)
    log = np.zeros(1)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="divide by zero encountered in g"):
        jf(a, b, log)
    assert log[0] == 7.0
    seen = []
    log[0] = 0.0
    with np.errstate(all="call", call=lambda text, bits: seen.append((text, log[0]))):
        jf(a, b, log)
    assert seen == [("divide by zero", 7.0)]


def test_calls_after_a_raise_report_afresh():
    """Flags do not linger: a clean call after a raising one raises
    nothing, and the next flagged call raises again."""
    _, jf = py_and_jit(RATIO)
    ones, zeros = np.ones(5), np.zeros(5)
    with np.errstate(all="raise"):
        for _ in range(3):
            with pytest.raises(FloatingPointError):
                jf(ones, zeros)
            np.testing.assert_array_equal(jf(ones, ones), ones)


def test_flags_of_nested_jit_calls_reach_the_caller():
    """Array expressions in a called @jit function report their flags too
    (NumPy would report them from the inner function's ufunc)."""
    inner = njit(make_function("def inner(a, b):\n    return a / b\n"))
    outer_py = make_function("""
        def outer(a, b):
            return inner(a, b) + 1.0
    """, {"inner": inner})
    outer = njit(outer_py)
    a, b = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    got, got_flags = call_collecting_flags(outer, a, b)
    want, want_flags = call_collecting_flags(lambda a, b: a / b + 1.0, a, b)
    assert got_flags == want_flags == {"divide"}
    assert_values(got, want)


def _raising_calls(fn, args, count, expected):
    for _ in range(count):
        try:
            fn(*args)
        except expected:
            pass
        else:
            raise AssertionError(f"{fn} did not raise {expected.__name__}")


def test_raising_does_not_leak():
    """Results of calls that end in FloatingPointError (or in a
    RuntimeWarning made an error) are freed: 20000 calls on 1000-element
    arrays leave the runtime's live blocks where they were and the RSS
    (which an 8 kB result per call would grow by 160 MB) flat."""
    _, ratio = py_and_jit(RATIO)
    both = njit(make_function("""
        def both(a, b):
            t = a / b
            return t, t + np.sqrt(a - 2.0)
    """))
    a, b = np.linspace(1.0, 2.0, 1000), np.zeros(1000)

    def run(count):
        with np.errstate(all="raise"):
            _raising_calls(ratio, (a, b), count, FloatingPointError)
            _raising_calls(both, (a, b), count, FloatingPointError)
        with np.errstate(all="warn"), warnings.catch_warnings():
            warnings.simplefilter("error")
            _raising_calls(ratio, (a, b), count, RuntimeWarning)

    run(200)
    gc.collect()
    before = _live_blocks()
    rss0 = _rss_mb()
    run(20_000)
    gc.collect()
    rss1 = _rss_mb()
    assert _live_blocks() == before
    assert rss1 - rss0 < 20, f"RSS grew {rss1 - rss0:.1f} MB"


def test_flags_from_concurrent_callers_stay_with_their_call():
    """Four threads call at once, two with clean data and two dividing by
    zero (large arrays, on the pool): only the latter see the flag."""
    _, jf = py_and_jit(RATIO)
    n = 2**19
    ones, one_zero = np.ones(n), np.ones(n)
    one_zero[n // 3] = 0.0

    def work(i):
        out = []
        for _ in range(10):
            _, flags = call_collecting_flags(jf, ones, one_zero if i % 2 else ones)
            out.append(flags)
        return out

    results = run_together(4, work)
    for i, flags in enumerate(results):
        assert flags == [frozenset({"divide"}) if i % 2 else frozenset()] * 10, i


# ---------------------------------------------------------------------------
# 2. Large maps in chunks on the thread pool: NumPy's values

MAP_SIZES = [2**13 - 1, 2**13, 2**13 + 1, 2**18 - 1, 2**18, 2**18 + 1, 2**18 + 511, 3 * 2**18 + 7, 1_000_003]
MAP_DTYPES = [np.int8, np.int32, np.int64, np.float32, np.float64, np.complex128]

#: Cheap maps (threads from 2**18 elements): the body of ``def f(a, b, s)``
#: (``s`` a NumPy scalar of the arrays' dtype).
CHEAP_MAPS = {
    "mask": "a * b - 4.1 * a > 2.5 * b",
    "equal": "a == b",
    "not_equal_scalar": "a != s",
    "arith": "a * b + 3 * a - b",
    "scalar_arg": "(a - b) * s + 1",
    "where": "np.where(a > b, a - s, b)",
    "negate": "-a",
}

#: Costly maps (threads from 2**13 elements), and whether their values
#: may differ from NumPy's in the last bits: transcendental functions, and
#: ``**`` of floats (pow; NumPy's SIMD pow rounds differently from libm).
COSTLY_MAPS = {
    "exp_cos": ("np.exp(a * 0.01) * np.cos(b * 0.5)", True),
    "sqrt": ("np.sqrt(np.abs(a) * 1.0) + b", False),
    "power_float": ("np.abs(a * 1.0) ** 1.5 * b", True),
    "power_int": ("a ** 3 * b", True),
    "kernel": ("axpy(a, b) - s", False),
}


@vectorize
def axpy(x, y):
    return x * 2 + y


def axpy_in_numpy(x, y):
    """``axpy`` as NumPy computes it (the expected values)."""
    return x * 2 + y


def _sample(dtype, n, rng):
    dt = np.dtype(dtype)
    if dt.kind == "i":
        return rng.integers(-50, 50, size=n).astype(dt)
    if dt.kind == "f":
        return rng.uniform(-50, 50, size=n).astype(dt)
    return (rng.uniform(-50, 50, size=n) + 1j * rng.uniform(-50, 50, size=n)).astype(dt)


def _numpy_accepts(body, dtype):
    f = make_function(f"def f(a, b, s):\n    return {body}\n", {"axpy": axpy_in_numpy})
    a = _sample(dtype, 3, np.random.default_rng(0))
    try:
        with np.errstate(all="ignore"):
            f(a, a, a[0])
    except TypeError:
        return False
    return True


def map_params(maps):
    return [pytest.param(name, dtype, id=f"{name}-{dt_id(dtype)}")
            for name, body in maps.items() for dtype in MAP_DTYPES
            if _numpy_accepts(body if isinstance(body, str) else body[0], dtype)]


def map_tolerance(want, transcendental):
    """``rtol`` and ``atol`` for ``assert_values``: exact for integers,
    bools and float arithmetic. Complex results are compared within a few
    ulps of the operands' products (|operands| <= 71 here): NumPy's complex
    multiply fuses multiply-adds on AVX-512 machines (jitufunc rounds each
    product, as Python's complex does), and its ``np.abs`` of complex
    numbers rounds differently from libm's hypot."""
    if want.dtype.kind not in "fc":
        return {}
    if transcendental:
        return {"rtol": 1e-5 if want.dtype.itemsize == (8 if want.dtype.kind == "c" else 4) else 1e-12}
    return {"rtol": 1e-14, "atol": 1e-11} if want.dtype.kind == "c" else {}


def check_map_sizes(body, dtype, rng, transcendental=False):
    source = f"def f(a, b, s):\n    return {body}\n"
    py = make_function(source, {"axpy": axpy_in_numpy})
    jf = njit(make_function(source, {"axpy": axpy}))
    a_all = _sample(dtype, MAP_SIZES[-1], rng)
    b_all = _sample(dtype, MAP_SIZES[-1], rng)
    b_all[::7] = a_all[::7]  # some equal elements for the comparisons
    s = np.dtype(dtype).type(3)
    for n in MAP_SIZES:
        a, b = a_all[:n], b_all[:n]
        with np.errstate(all="ignore"):
            want = py(a, b, s)
            got = jf(a, b, s)
        assert_values(got, want, where=f"{body} with {n} elements", **map_tolerance(want, transcendental))


@pytest.mark.parametrize("name,dtype", map_params(CHEAP_MAPS))
def test_cheap_maps_around_the_thresholds(name, dtype, rng):
    check_map_sizes(CHEAP_MAPS[name], dtype, rng)


@pytest.mark.parametrize("name,dtype", map_params(COSTLY_MAPS))
def test_costly_maps_around_the_thresholds(name, dtype, rng):
    body, transcendental = COSTLY_MAPS[name]
    check_map_sizes(body, dtype, rng, transcendental)


@pytest.mark.parametrize("dtype,x,y", [
    (np.int64, 3, -7), (np.float64, 2.5, -0.75), (np.complex128, 1.5 - 2j, 0.5j), (np.float64, 3, True),
], ids=lambda v: dt_id(v) if isinstance(v, type) else repr(v))
def test_python_scalar_arguments_in_large_maps(dtype, x, y, rng):
    """Python numbers passed as arguments (with arrays they do not upcast)
    and written in the code, mixed with arrays."""
    py = make_function("""
        def f(a, b, x, y):
            return a * x + y - b * 2, x * a > b + y, a - 0.5 * b
    """)
    jf = njit(py)
    a_all, b_all = _sample(dtype, MAP_SIZES[-1], rng), _sample(dtype, MAP_SIZES[-1], rng)
    for n in MAP_SIZES:
        a, b = a_all[:n], b_all[:n]
        want = py(a, b, x, y)
        got = jf(a, b, x, y)
        for k, (g, w) in enumerate(zip(got, want)):
            assert_values(g, w, where=f"result {k} with {n} elements", **map_tolerance(w, False))


def test_bool_operands_in_large_maps(rng):
    py = make_function("""
        def f(a, b):
            return (a & b) ^ (a | ~b), a > b, a == True
    """)
    jf = njit(py)
    a_all, b_all = rng.integers(0, 2, MAP_SIZES[-1]).astype(bool), rng.integers(0, 2, MAP_SIZES[-1]).astype(bool)
    for n in MAP_SIZES:
        for k, (g, w) in enumerate(zip(jf(a_all[:n], b_all[:n]), py(a_all[:n], b_all[:n]))):
            assert_values(g, w, where=f"result {k} with {n} elements")


@pytest.mark.parametrize("shapes", [
    ((513, 1023), (513, 1023)),
    ((513, 1023), (1023,)),
    ((1, 2**19 + 3), (2**19 + 3,)),
    ((2**18 + 1, 1), (2**18 + 1, 1)),
], ids=str)
def test_large_two_dimensional_maps(shapes, rng):
    """2-d C-contiguous operands of the same shape (flat) and broadcast
    ones, cheap and costly."""
    py = make_function("""
        def f(a, b):
            return a * b - 4.1 * a > 2.5 * b, a * 2 + b, np.exp(a * 0.01) * b
    """)
    jf = njit(py)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    for k, (g, w) in enumerate(zip(jf(a, b), py(a, b))):
        assert_values(g, w, 1e-12 if k == 2 else None, f"result {k}")


def test_fortran_ordered_and_strided_large_operands(rng):
    py = make_function("""
        def f(a, b):
            return a * b + 1.0, np.sqrt(np.abs(a)) - b
    """)
    jf = njit(py)
    a = np.asfortranarray(rng.standard_normal((700, 800)))
    b = rng.standard_normal((800, 1400))[:, ::2].T
    for k, (g, w) in enumerate(zip(jf(a, b), py(a, b))):
        np.testing.assert_array_equal(g, w, err_msg=f"result {k}")
        assert g.dtype == w.dtype and g.shape == w.shape


def test_maps_in_a_loop():
    """200 iterations, each running maps over 2**19 elements (on the
    pool), accumulate NumPy's values exactly (float64 sums, int64 counts
    of a comparison)."""
    py = make_function("""
        def f(a, b, n):
            acc = a * 0.0
            count = (a > 10.0) + 0
            for i in range(n):
                acc = acc + (a * b - i)
                count = count + (a * i > b)
                acc = acc - np.sqrt(a * i)
            return acc, count
    """)
    jf = njit(py)
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.0, 2.0, 2**19), rng.uniform(0.0, 100.0, 2**19)
    want = py(a, b, 200)
    got = jf(a, b, 200)
    assert_values(got[0], want[0], where="acc")
    assert_values(got[1], want[1], where="count")
    assert want[1].dtype == np.int64 and 0 < want[1].sum() < 200 * a.size


def test_concurrent_callers_of_large_maps(rng):
    """Several Python threads running large maps at once share the pool;
    each gets NumPy's values."""
    py = make_function("""
        def f(a, b, k):
            return a * b + k, np.exp(a * 0.001 * k) > b
    """)
    jf = njit(py)
    a, b = rng.standard_normal(3 * 2**18 + 7), rng.standard_normal(3 * 2**18 + 7)
    wants = [py(a, b, float(i)) for i in range(4)]

    def work(i):
        for _ in range(5):
            got = jf(a, b, float(i))
            np.testing.assert_array_equal(got[0], wants[i][0])
            # exp's last bit may differ from NumPy's, so compare where it
            # cannot change the comparison
            close = np.isclose(np.exp(a * 0.001 * i), b, rtol=1e-12, atol=0)
            np.testing.assert_array_equal(got[1][~close], wants[i][1][~close])
        return True

    assert run_together(4, work) == [True] * 4
