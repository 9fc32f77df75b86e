"""Array expressions in @jit functions: operators between arrays and
scalars, NumPy ufunc-style functions and user ``@vectorize`` kernels called
on whole arrays, elementwise with NumPy's broadcasting, producing new arrays
(chains of them fused into one loop).

Every test is differential: the plain Python function (running NumPy) and
its ``njit`` version are called on the same inputs, and the results must
agree in value (exactly, or within a few ulps for transcendental
functions), dtype and shape; inputs that the Python function leaves alone
must be left alone. NumPy's promotion rules are NEP 50's (a Python literal
does not upcast an array), integer division by zero gives 0 (floats inf or
nan) and never raises.

Differences from NumPy are kept as strict xfails whose reason starts with
"BUG".
"""

import gc
import resource

import numpy as np
import pytest

from conftest import ALL_DTYPES, COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_clear_error, make_function
from jitufunc import _core, guvectorize, njit, vectorize
from jitufunc.errors import CompileError, TypingError, UnsupportedError

# ---------------------------------------------------------------------------
# helpers


def dt_id(dt):
    return np.dtype(dt).name


def py_and_jit(source, globals_=None):
    py = make_function(source, globals_)
    return py, njit(py)


def snapshot(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def assert_same(got, want, rtol=None, where="result"):
    """``got`` (from the compiled function) equals ``want`` (from NumPy):
    arrays in dtype, shape and value (exactly, NaNs equal, unless ``rtol``),
    tuples item by item, NumPy scalars as the Python number they hold."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple), f"{where}: {got!r} is not a tuple"
        assert len(got) == len(want), f"{where}: {len(got)} items, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, rtol, f"{where}[{i}]")
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), f"{where}: {got!r} is not an array"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, NumPy gives {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, NumPy gives {want.shape}"
        if rtol is None or want.dtype.kind not in "fc":
            np.testing.assert_array_equal(got, want, err_msg=where, strict=True)
        else:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True, err_msg=where)
        return
    if isinstance(want, np.generic):
        # NumPy gives a scalar for a 0-d result; the compiled function may
        # give a 0-d array (see test_zero_d_result_is_a_numpy_scalar) or,
        # when an element was taken, the Python number.
        if isinstance(got, np.ndarray):
            assert got.shape == (), f"{where}: shape {got.shape}, NumPy gives a scalar"
            assert_same(got, np.asarray(want), rtol, where)
            return
        want = want.item()
    assert type(got) is type(want), f"{where}: {got!r} ({type(got).__name__}) vs {want!r} ({type(want).__name__})"
    if isinstance(want, float) and want != want:
        assert got != got, f"{where}: {got!r}, want nan"
    elif rtol is not None and isinstance(want, (float, complex)):
        assert abs(got - want) <= rtol * abs(want), f"{where}: {got!r} vs {want!r}"
    else:
        assert got == want, f"{where}: {got!r} vs {want!r}"


def arrays_in(x):
    if isinstance(x, tuple):
        for item in x:
            yield from arrays_in(item)
    elif isinstance(x, np.ndarray):
        yield x


def check(source, *args, globals_=None, rtol=None):
    """Calls the Python function and its @njit version on ``args``; the
    results must agree, the arguments must be left unchanged (both functions
    only read them), and every returned array is a new writable array that
    shares no memory with the arguments."""
    py, jf = py_and_jit(source, globals_)
    before = snapshot(args)
    with np.errstate(all="ignore"):
        want = py(*args)
    got = jf(*args)
    assert_same(got, want, rtol)
    for i, (a, b) in enumerate(zip(args, before)):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"argument {i} was modified", strict=True)
    for r in arrays_in(got):
        assert r.flags.writeable
        for a in args:
            if isinstance(a, np.ndarray):
                assert not np.shares_memory(r, a), "a result shares memory with an argument"
    return jf


def check_mutating(source, make_args, globals_=None):
    """For functions that write to their arguments: each side gets fresh
    arguments from ``make_args()``; results and the arguments afterwards
    must agree."""
    py, jf = py_and_jit(source, globals_)
    py_args, jit_args = make_args(), make_args()
    with np.errstate(all="ignore"):
        want = py(*py_args)
    got = jf(*jit_args)
    assert_same(got, want)
    for i, (g, w) in enumerate(zip(jit_args, py_args)):
        if isinstance(w, np.ndarray):
            assert_same(g, w, where=f"argument {i} after the call")


def numpy_outcome(py, args):
    """The Python function's result, or the exception it raises."""
    try:
        with np.errstate(all="ignore"):
            return py(*args), None
    except Exception as e:  # noqa: BLE001 - compared below
        return None, e


def check_or_same_error(source, *args, rtol=None):
    """As ``check``; where NumPy refuses (a TypeError: no loop for these
    dtypes), the compiled function must refuse too, with a TypeError raised
    when compiling (never a result, never a crash)."""
    py, jf = py_and_jit(source)
    want, err = numpy_outcome(py, args)
    if err is None:
        got = jf(*args)
        assert_same(got, want, rtol)
        return
    assert isinstance(err, TypeError), f"NumPy raised {type(err).__name__}: {err}"
    with pytest.raises(TypeError) as info:
        jf(*args)
    assert isinstance(info.value, CompileError), f"{type(info.value).__name__}: {info.value}"


# Values chosen per kind: zeros (division by zero), signs, the extremes of
# integer types (wrap-around, MIN // -1), and for floats signed zeros,
# infinities and NaN.

def values_a(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.array([0, 1, 1, 0, 1, 0, 1, 1], dtype=dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if dt.kind == "u":
            return np.array([info.max, 0, 1, 2, 7, 9, 100, info.max - 1], dtype=dt)
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
        return np.array([2.0, 0.0, -0.0, 1.5, -3.0, np.inf, 0.25, 2.0], dtype=dt)
    return np.array([2 - 1j, 0, 1j, 1.5, -3, 0.25 + 0.25j, 2, -1j], dtype=dt)


def exponents(dtype):
    """Non-negative integer exponents (NumPy refuses negative ones)."""
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        return np.array([3, 1, 2, 0, 7, 2, 1, 1], dtype=dt)
    return values_b(dtype)


BINARY_OPS = ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">", ">="]
COMPARISONS = ["<", "<=", "==", "!=", ">", ">="]

# ``**`` of floats goes through pow(), and complex division and power use
# algorithms that may round differently; everything else is exact.
POW_RTOL = 1e-12


def op_rtol(op, *dtypes):
    kinds = {np.dtype(d).kind for d in dtypes}
    if (op == "**" and kinds & {"f", "c"}) or (op == "/" and "c" in kinds):
        small = any(np.dtype(d).itemsize <= (8 if np.dtype(d).kind == "c" else 4) for d in dtypes)
        return 1e-5 if small else POW_RTOL
    return None


def operands(op, dt1, dt2):
    a = values_a(dt1)
    b = exponents(dt2) if op == "**" else values_b(dt2)
    return a, b


# ---------------------------------------------------------------------------
# 1. operators and dtypes


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_operator_same_dtype(op, dtype):
    a, b = operands(op, dtype, dtype)
    rtol = op_rtol(op, dtype)
    check_or_same_error(f"""
        def f(a, b):
            return a {op} b
    """, a, b, rtol=rtol)


MIXED_PAIRS = [
    (np.int8, np.int64), (np.uint8, np.int8), (np.float32, np.int16), (np.int32, np.float64),
    (np.complex64, np.float64), (np.bool_, np.int32), (np.uint64, np.int64), (np.float16, np.uint8),
    (np.complex64, np.int32),
]


@pytest.mark.parametrize("pair", MIXED_PAIRS, ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_operator_mixed_dtypes_both_orders(op, pair):
    d1, d2 = pair
    a, b = operands(op, d1, d2)
    c, d = operands(op, d2, d1)
    rtol = op_rtol(op, d1, d2)
    check_or_same_error(f"""
        def f(a, b):
            return a {op} b
    """, a, b, rtol=rtol)
    check_or_same_error(f"""
        def f(a, b):
            return a {op} b
    """, c, d, rtol=rtol)


# Python literals written in the function are "weak" (NEP 50): the array's
# dtype decides unless the literal is of a higher kind.

LITERAL_OPS = {
    "3": ["+", "-", "*", "/", "//", "%", "**", "&", "^", "<<", ">>", "<", "=="],
    "-2": ["+", "*", "//", "%", "<"],
    "2.5": ["+", "*", "/", "//", "**", ">="],
    "(1-2j)": ["+", "*", "/", "=="],
    "True": ["+", "&", "|", "<"],
    "0": ["//", "%", "/"],
}
LITERAL_DTYPES = [np.bool_, np.int8, np.uint8, np.uint32, np.int64, np.uint64, np.float16, np.float32,
                  np.complex64]


@pytest.mark.parametrize("dtype", LITERAL_DTYPES, ids=dt_id)
@pytest.mark.parametrize("literal", list(LITERAL_OPS))
def test_python_literal_operands_follow_nep50(literal, dtype):
    """``a OP lit`` and ``lit OP a`` for every operator NumPy accepts for
    this dtype, in one function; the literal never upcasts an array of its
    kind or a higher one (``uint8 + 3`` is uint8, ``float32 * 2.5`` float32,
    ``float16 + (1-2j)`` complex64)."""
    a = values_a(dtype)[1:-1]
    if np.dtype(dtype).kind == "i" and literal != "-2":
        a = np.abs(a)  # `3 ** a` with a negative `a` is NumPy's ValueError
    exprs = []
    for op in LITERAL_OPS[literal]:
        if literal == "-2" and np.dtype(dtype).kind == "u" and op in COMPARISONS:
            continue  # test_out_of_range_literals_in_comparisons_and_true_division
        for e in (f"a {op} {literal}", f"{literal} {op} a"):
            f = make_function(f"def f(a):\n    return {e}\n")
            _, err = numpy_outcome(f, (a,))
            if err is None:
                exprs.append(e)
            elif isinstance(err, OverflowError):
                # NumPy refuses a literal out of the array's range; so does
                # jitufunc, when compiling
                with pytest.raises(TypingError, match="out of bounds for " + np.dtype(dtype).name):
                    njit(f)(a)
            else:
                assert isinstance(err, (TypeError, ValueError)), err
    if not exprs:
        assert literal == "-2" and np.dtype(dtype).kind == "u"
        return
    src = "def f(a):\n    return (" + ", ".join(exprs) + ",)\n"
    py, jf = py_and_jit(src)
    with np.errstate(all="ignore"):
        want = py(a)
    got = jf(a)
    rtol = 1e-5 if np.dtype(dtype).itemsize <= 8 and np.dtype(dtype).kind in "fc" else POW_RTOL
    for e, g, w in zip(exprs, got, want):
        assert_same(g, w, rtol if "**" in e or "/" in e else None, where=e)


NUMPY_SCALARS = [np.int8(3), np.uint8(200), np.int64(-7), np.float32(1.5), np.float64(-0.5),
                 np.bool_(True), np.complex64(1 - 1j)]
SCALAR_ARRAY_DTYPES = [np.bool_, np.int8, np.uint16, np.float16, np.float32]


@pytest.mark.parametrize("dtype", SCALAR_ARRAY_DTYPES, ids=dt_id)
@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=repr)
def test_numpy_scalar_arguments(scalar, dtype):
    """NumPy scalars are "strong": they promote as 0-d arrays of their dtype."""
    a = values_a(dtype)[1:-1]
    exprs = []
    for op in ["+", "/", "//", "&", "<"]:
        for e in (f"a {op} s", f"s {op} a"):
            f = make_function(f"def f(a, s):\n    return {e}\n")
            _, err = numpy_outcome(f, (a, scalar))
            if err is None:
                exprs.append(e)
    src = "def f(a, s):\n    return (" + ", ".join(exprs) + ",)\n"
    py, jf = py_and_jit(src)
    with np.errstate(all="ignore"):
        want = py(a, scalar)
    got = jf(a, scalar)
    for e, g, w in zip(exprs, got, want):
        assert_same(g, w, 1e-6 if "/" in e else None, where=e)


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.complex128], ids=dt_id)
@pytest.mark.parametrize("scalar", [3, -2, 2.5, 1j, True, False], ids=repr)
def test_python_scalar_arguments_with_arrays_of_their_own_width(scalar, dtype):
    """A Python int/float/complex/bool passed as an argument, with arrays
    that its 64-bit type does not upcast."""
    a = values_a(dtype)[1:-1]
    for op in ["+", "<"]:
        for src in (f"def f(a, s):\n    return a {op} s\n", f"def f(a, s):\n    return s {op} a\n"):
            check_or_same_error(src, a, scalar)


@pytest.mark.parametrize("dtype,scalar", [(np.uint8, 3), (np.float32, 2.5), (np.int16, -2), (np.complex64, 1j),
                                          (np.float32, 2)], ids=lambda v: dt_id(v) if isinstance(v, type) else repr(v))
def test_python_scalar_arguments_are_weak_as_in_numpy(dtype, scalar):
    check("""
        def f(a, s):
            return a + s, s * a
    """, values_a(dtype)[1:-1], scalar)


def test_python_bool_argument_is_weak():
    check("""
        def f(a, s):
            return a + s, s * a, a & s
    """, values_a(np.uint8), True)


def test_literals_through_local_variables_and_lengths_stay_weak():
    a = values_a(np.float32)
    check("""
        def f(a):
            x = 2.0
            k = 3
            return a * x, a + k, a * len(a), a - a.shape[0], a * math.pi
    """, a)


# NumPy 2 compares integers with any Python int exactly and truly divides
# them as float64: `uint8_array < -2` is all False, `int8_array == 300` all
# False, `int8_array / 300` float64.
@pytest.mark.parametrize("source", [
    "a < -2", "a >= -2", "a == 300", "a != 300", "-129 < a", "a / 300", "1000 / a",
])
def test_out_of_range_literals_in_comparisons_and_true_division(source):
    check(f"""
        def f(a):
            return {source}
    """, np.array([0, 1, 2, 200], dtype=np.uint8) if "-2" in source else np.array([-3, 0, 5], dtype=np.int8))


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=dt_id)
def test_out_of_range_literal_in_arithmetic_is_refused_as_numpy_does(dtype):
    info = np.iinfo(dtype)
    lit = info.max + 1
    f = make_function(f"def f(a):\n    return a + {lit}\n")
    with pytest.raises(OverflowError):
        f(np.zeros(2, dtype))
    with pytest.raises(TypingError, match=f"out of bounds for {dt_id(dtype)}"):
        njit(f)(np.zeros(2, dtype))


@pytest.mark.parametrize("dtype", INT_DTYPES + [np.bool_], ids=dt_id)
def test_integer_division_and_modulo_by_zero_give_zero(dtype):
    """NumPy gives 0 and raises nothing (the default error_model="python"
    applies to scalars only)."""
    a = values_a(dtype)
    zeros = np.zeros_like(a)
    check("""
        def f(a, z):
            return a // z, a % z, a / z, a // 0, a % 0, a // z[0]
    """, a, zeros)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + COMPLEX_DTYPES, ids=dt_id)
def test_float_division_by_zero_gives_inf_and_nan(dtype):
    a = values_a(dtype)
    z = np.zeros_like(a)
    if np.dtype(dtype).kind == "c":
        check("""
            def f(a, z):
                return a / z
        """, a, z)
        return
    check("""
        def f(a, z):
            return a / z, a // z, a % z, a / -z, a % -z, a / 0.0
    """, a, z)


def test_scalar_division_by_zero_still_raises_beside_array_division():
    f = njit(make_function("""
        def f(a, x):
            r = a // 0
            return r, x // 0
    """))
    with pytest.raises(ZeroDivisionError):
        f(np.arange(3), 5)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64], ids=dt_id)
def test_min_floor_divided_by_minus_one_wraps(dtype):
    a = np.array([np.iinfo(dtype).min, np.iinfo(dtype).min, 7], dtype=dtype)
    check("""
        def f(a):
            return a // -1, a % -1, -a, abs(a)
    """, a)


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=dt_id)
def test_shifts_by_the_width_and_beyond(dtype):
    bits = np.dtype(dtype).itemsize * 8
    a = np.array([1, 3, 5, np.iinfo(dtype).max, np.iinfo(dtype).min, 0, 2, 1], dtype=dtype)
    counts = np.array([0, 1, bits - 1, bits, bits + 1, 2, min(2 * bits, np.iinfo(dtype).max), bits - 1], dtype=dtype)
    check("""
        def f(a, n):
            return a << n, a >> n, n << a[0], a >> 1, 1 << n
    """, a, counts)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64], ids=dt_id)
def test_shifts_by_negative_counts(dtype):
    a = np.array([1, -8, 5, -1], dtype=dtype)
    n = np.array([-1, -1, -3, -100], dtype=dtype)
    check("""
        def f(a, n):
            return a << n, a >> n
    """, a, n)


def test_bitwise_on_bools_and_ints():
    p = np.array([True, False, True, False])
    q = np.array([True, True, False, False])
    i = np.array([6, -3, 0, 255], dtype=np.int16)
    check("""
        def f(p, q, i):
            return p & q, p | q, p ^ q, ~p, p & i, i | q, i ^ True, ~i, (i > 0) & p, p & True, False | q
    """, p, q, i)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.uint64, np.int64], ids=dt_id)
def test_integer_power_wraps_as_numpy(dtype):
    a = np.array([2, 3, 7, 0, 1, 10, 255 if np.dtype(dtype).kind == "u" else -3], dtype=dtype)
    e = np.array([3, 40, 5, 0, 100, 19, 3], dtype=dtype)
    check("""
        def f(a, e):
            return a ** e, a ** 2, 2 ** e, a ** 0
    """, a, e)


@pytest.mark.xfail(strict=True, raises=pytest.fail.Exception,
                   reason="BUG: integer ** negative integer array does not raise; NumPy raises "
                   "ValueError('Integers to negative integer powers are not allowed.'), jitufunc returns 1/x**n "
                   "truncated (the @vectorize behaviour, where a loop cannot raise)")
@pytest.mark.parametrize("source,dtype", [
    ("a ** b", np.int64), ("a ** b", np.int8), ("a ** -2", np.int32), ("2 ** b", np.int16),
    ("np.power(a, b)", np.int64), ("a ** np.int64(-1)", np.int32),
], ids=lambda v: dt_id(v) if isinstance(v, type) else v)
def test_integer_power_with_negative_exponents_raises_value_error(source, dtype):
    py, jf = py_and_jit(f"""
        def f(a, b):
            return {source}
    """)
    a = np.array([2, 3, 1], dtype=dtype)
    b = np.array([1, -1, 2], dtype=dtype)
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        py(a, b)
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        jf(a, b)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
def test_unary_operators(dtype):
    a = values_a(dtype)
    exprs = []
    for e in ["-a", "+a", "~a", "abs(a)", "-(-a)", "abs(-a)"]:
        f = make_function(f"def f(a):\n    return {e}\n")
        _, err = numpy_outcome(f, (a,))
        if err is None:
            exprs.append(e)
        else:
            assert isinstance(err, TypeError), err
            with pytest.raises(TypeError) as info:
                njit(f)(a)
            assert isinstance(info.value, CompileError)
    src = "def f(a):\n    return (" + ", ".join(exprs) + ",)\n"
    # abs of a complex may differ from NumPy's hypot by an ulp
    check(src, a, rtol=1e-15 if np.dtype(dtype).kind == "c" else None)


def test_unary_results_are_copies():
    """``+a`` and ``abs(a)`` of unsigned ints are new arrays in NumPy;
    writing to them leaves ``a`` alone."""
    check_mutating("""
        def f(a, u):
            p = +a
            p[0] = 99.0
            q = abs(u)
            q[0] = 99
            r = np.conj(a)
            r[1] = -1.0
            return a, p, u, q, r
    """, lambda: [np.arange(4.0), np.arange(4, dtype=np.uint8)])


def test_bool_negative_is_refused_with_numpys_hint():
    f = make_function("def f(a):\n    return -a\n")
    with pytest.raises(TypeError, match="boolean negative"):
        f(np.array([True]))
    with pytest.raises(TypingError, match="boolean negative.*`~`"):
        njit(f)(np.array([True]))


# ---------------------------------------------------------------------------
# 2. broadcasting


def ar(*shape, dtype=np.float64):
    return (np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 1.5 - 2).astype(dtype)


BROADCAST_CASES = [
    ((3,), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((1, 5), (4, 1)), ((2, 1, 3), (4, 3)),
    ((4, 3), (2, 1, 3)), ((), (4,)), ((4,), ()), ((0,), (0,)), ((0, 3), (3,)), ((3,), (0, 3)),
    ((0, 3), (1,)), ((1,), (0,)), ((1, 1, 1), (5,)), ((2, 1, 1, 3), (1, 4, 1)), ((1,), (1,)),
    ((5, 1), (1,)), ((2, 0), (2, 1)),
]


@pytest.mark.parametrize("shapes", BROADCAST_CASES, ids=str)
def test_broadcasting_shapes(shapes):
    s1, s2 = shapes
    a = ar(*s1) if s1 else np.array(2.0)
    b = ar(*s2, dtype=np.int32) if s2 else np.array(3, dtype=np.int32)
    check("""
        def f(a, b):
            return a * b + a, b - 1, (a < b) | (b == 0)
    """, a, b)


def test_three_operands_broadcast_together():
    check("""
        def f(a, b, c):
            return a * b + c, np.hypot(a, c) - b
    """, ar(3, 1), ar(1, 4), ar(3, 4))


def test_intermediate_broadcast_then_combined():
    check("""
        def f(a, b, c):
            t = a + b
            return t * c, t.shape[0], t.shape[1]
    """, ar(3, 1), ar(4), ar(1, 4))


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((2, 3), (3, 2)), ((0,), (3,)), ((2, 1, 3), (2, 4)),
                                    ((5, 2), (2, 5))], ids=str)
def test_incompatible_shapes_raise_value_error(shapes):
    py, jf = py_and_jit("""
        def f(a, b):
            t = a * 2
            return t + b
    """)
    a, b = ar(*shapes[0]), ar(*shapes[1])
    with pytest.raises(ValueError, match="broadcast"):
        py(a, b)
    with pytest.raises(ValueError, match="broadcast"):
        jf(a, b)


def test_incompatible_third_operand_raises_value_error():
    py, jf = py_and_jit("""
        def f(a, b, c):
            return a * b + c
    """)
    args = ar(3, 1), ar(1, 4), ar(5)
    with pytest.raises(ValueError, match="broadcast"):
        py(*args)
    with pytest.raises(ValueError, match="broadcast"):
        jf(*args)


def test_assigning_an_expression_of_the_wrong_shape_raises_value_error():
    py, jf = py_and_jit("""
        def f(a, out):
            out[:] = a + 1
            return out
    """)
    with pytest.raises(ValueError, match="broadcast"):
        py(ar(4), np.zeros(5))
    with pytest.raises(ValueError, match="broadcast"):
        jf(ar(4), np.zeros(5))


def test_zero_d_arrays_combined():
    check("""
        def f(a, b):
            return a * b + a
    """, np.array(2.0), np.array(3.0))


def test_zero_d_result_is_a_numpy_scalar():
    py, jf = py_and_jit("""
        def f(a, b):
            return a * b + 1
    """)
    want = py(np.array(2.0), np.array(3.0))
    got = jf(np.array(2.0), np.array(3.0))
    assert not isinstance(got, np.ndarray) and got == want


# ---------------------------------------------------------------------------
# 3. layouts


def _broadcast_view(a):
    return np.broadcast_to(a[0], a.shape)


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


LAYOUTS = {
    "C": lambda a: a,
    "fortran": np.asfortranarray,
    "rows_strided": lambda a: np.repeat(a, 2, axis=0)[::2],
    "cols_strided": lambda a: np.repeat(a, 3, axis=1)[:, ::3],
    "reversed": lambda a: a[::-1, ::-1].copy()[::-1, ::-1],
    "transposed": lambda a: a.T.copy().T,
    "zero_strides": _broadcast_view,
    "readonly": _readonly,
}


@pytest.mark.parametrize("layout_b", ["C", "fortran", "zero_strides"])
@pytest.mark.parametrize("layout_a", list(LAYOUTS))
def test_layouts(layout_a, layout_b):
    base = ar(4, 6)
    a = LAYOUTS[layout_a](base)
    b = LAYOUTS[layout_b](base[::-1].copy())
    np.testing.assert_array_equal(a, base if layout_a != "zero_strides" else _broadcast_view(base))
    check("""
        def f(a, b):
            return a * b - 2.5 * a, np.sqrt(np.abs(a)) + b[0], a.T + b.T, -a
    """, a, b)


@pytest.mark.parametrize("layout", ["C", "strided", "reversed", "zero_strides", "readonly"])
def test_one_dimensional_layouts(layout):
    base = ar(7)
    a = {
        "C": base,
        "strided": np.repeat(base, 2)[::2],
        "reversed": base[::-1],
        "zero_strides": np.broadcast_to(base[:1], (7,)),
        "readonly": _readonly(base),
    }[layout]
    check("""
        def f(a):
            return a * 2 + 1, a[1:] + a[:-1], a[:-1:2] * a[1::2], a[::-1] - a
    """, a)


def test_broadcast_to_scalar_view():
    """np.broadcast_to of a scalar: every stride is 0 and the array is
    read-only."""
    a = np.broadcast_to(np.float64(3.0), (4, 6))
    check("""
        def f(a, b):
            return a * b + a
    """, a, ar(4, 6))


@pytest.mark.parametrize("source", [
    "a[1:] + a[:-1]",
    "a.T * 2",
    "a[::2, 1:] - a[1::2, :-1]",
    "a[:, ::-1] * a",
    "a[0] + a",
    "a[:, 0] + a.T",
    "a[:, None, :] * a[None, :, :]",
    "a[..., 1] - a[:, 2]",
    "a.reshape(3, 8) + 1",
    "np.transpose(a) * a.T",
])
def test_views_made_inside(source):
    check(f"""
        def f(a):
            return {source}
    """, ar(4, 6))


def test_result_is_a_fresh_c_contiguous_array():
    f = njit(make_function("def f(a):\n    return a * 2\n"))
    r = f(np.asfortranarray(ar(3, 4)))
    assert r.flags.c_contiguous and r.flags.writeable
    assert type(r.base) is _core.ArrayMemory


# ---------------------------------------------------------------------------
# 4. chains, fusion and aliasing


@pytest.mark.parametrize("source", [
    # multi-statement chains (fused)
    "t = a * b\nu = t - 4.1 * a\nreturn u > 2.5 * b",
    "t = a * b\nreturn t + t",
    "t = a * b\nreturn t * t - t / (t + 1)",
    "t = a + 1\nreturn t, t * 2",
    "t = a + 1\nu = t * b\nreturn u, t, u - t",
    "t = a * 2\nu = a * 3\nt, u = u, t\nreturn t - u",
    "t = a * 2\nreturn t[1:] + t[:-1]",
    "t = a * 2\nreturn (t * 3)[::2]",
    "t = a * 2\nreturn t[0], t[-1] + 1",
    "x = a * 2\nif a.shape[0] > 3:\n    x = x + 1\nreturn x * a",
    "x = a * 1\nfor k in range(3):\n    x = x * 2 + k\nreturn x",
    "x = a * 1\ni = 0\nwhile i < 3:\n    x = x + x\n    i += 1\nreturn x",
    "s = 0.0\nfor i in range(3):\n    t = a * i + b\n    s += t[i]\nreturn s",
    "t = a + b\ns = 0.0\nfor v in t:\n    s += v\nreturn s, t",
    "t = -a\nreturn abs(t) + +t - np.abs(a)",
    "t = a * 2\nu = t\nreturn u + t",
    "t = (a < b) & (b < 3.0) | ~(a == b)\nreturn t, t * 2, a * t",
])
def test_chains(source):
    body = "\n".join("    " + line for line in source.splitlines())
    check(f"def f(a, b):\n{body}\n", ar(6), ar(6)[::-1].copy() + 0.25)


@pytest.mark.parametrize("source", [
    "t = a * b\nu = t - 4.1 * a\nreturn u > 2.5 * b",
    "return np.sqrt(a * b) + np.exp(-a) * 2",
    "t = a[1:] * b[:-1]\nreturn np.hypot(t, a[:-1]) - abs(b[1:])",
])
def test_chains_are_fused_into_one_loop(source):
    """A chain whose intermediates are used once, across statements too,
    allocates only its result (no temporary arrays)."""
    body = "\n".join("    " + line for line in source.splitlines())
    jf = check(f"def f(a, b):\n{body}\n", ar(6), ar(6)[::-1].copy() + 0.25, rtol=1e-12)
    a, b = ar(6), ar(6) + 1
    before = _core.memory_stats()["allocated"]
    jf(a, b)
    assert _core.memory_stats()["allocated"] - before == 1


def test_intermediate_modified_before_use():
    check_mutating("""
        def f(a):
            t = a * 2
            t[0] = 100.0
            return t + 1
    """, lambda: [ar(5)])


def test_input_modified_after_the_intermediate_is_computed():
    """NumPy computes ``t`` before the write: fusing ``t`` into the final
    expression must not read the new ``a[0]``."""
    check_mutating("""
        def f(a):
            t = a * 2
            a[0] = 100.0
            return t + a
    """, lambda: [ar(5)])


@pytest.mark.parametrize("source", [
    "t = a * 2\na[:] = 7.0\nreturn t + a",
    "t = a * 2\nb = a\nb[1] = -5.0\nreturn t - a",
    "t = a * 2\nv = a[1:]\nv[0] = -5.0\nreturn t - a",
    "t = a * 2\nc = a[::-1]\nc[:] = 0.0\nreturn t + a",
    "t = a * 2\na.reshape(5)[0] = -3.0\nreturn t * a",
    "t = a * 2\na[a > 2] = -3.0\nreturn t * a",
    "t = a * 2\nidx = np.array([0, 2])\na[idx] = -3.0\nreturn t * a",
    "t = a * 2\nfor i in range(a.shape[0]):\n    a[i] = -1.0\nreturn t",
    "t = a * 2\na[:] = t + 1\nreturn t, a",
    "t = a * 2\nu = t + a\na[0] = 50.0\nt[1] = 60.0\nreturn u, t",
    "t = a * 2\nfor k in range(1, a.shape[0]):\n    a[k] = t[k - 1]\nreturn t, a",
    "t = (a * 2)[::-1]\na[0] = 99.0\nreturn t",
    "t = a * 2\nv = t[1:]\na[1] = 99.0\nreturn v",
    "r = (a + 1, a * 2)\na[0] = 99.0\nreturn r[0] + r[1]",
    "t = a * 2\na[0] = 99.0\nu = t + a\na[1] = -99.0\nreturn u + t",
    "x = a\nx = x * 2\na[0] = 99.0\nreturn x",
    "t = a + 0\nwhile a[0] < 3:\n    a[0] += 1.0\nreturn t - a",
    "t = a * 2\na[1:] += a[:-1]\nreturn t, a",
    "s = 0.0\nt = a * 2\nfor k in range(a.shape[0]):\n    a[(k + 1) % a.shape[0]] = 0.0\n    s += t[k]\nreturn s",
])
def test_writes_between_statements_are_seen_as_numpy_sees_them(source):
    body = "\n".join("    " + line for line in source.splitlines())
    check_mutating(f"def f(a):\n{body}\n", lambda: [ar(5)])


@pytest.mark.parametrize("make", [
    lambda: [np.arange(5.0)] * 2,
    lambda: (lambda x: [x[1:], x[:-1]])(np.arange(6.0)),
    lambda: (lambda x: [x[:-1], x[1:]])(np.arange(6.0)),
    lambda: (lambda x: [x, x[::-1]])(np.arange(5.0)),
], ids=["same", "view_ahead", "view_behind", "reversed"])
@pytest.mark.parametrize("source", [
    "t = a * 2\nb[0] = 100.0\nreturn t + a",
    "t = a * 2\nb[1] = 100.0\nreturn t + a",
    "t = a + b\nb[:] = -1.0\nreturn t * a",
    "b[:] = a * 2 + 1\nreturn b",
    "a[:] = b * 2 + a\nreturn a",
    "b[1:] = a[:-1] * 2 + b[1:]\nreturn a, b",
])
def test_aliased_arguments(source, make):
    """The arguments may be the same array or overlapping views."""
    body = "\n".join("    " + line for line in source.splitlines())
    check_mutating(f"def f(a, b):\n{body}\n", make)


def test_write_through_a_called_function_between_statements():
    g = njit(make_function("""
        def g(x):
            x[0] = 1000.0
    """))
    check_mutating("""
        def f(a):
            t = a * 2
            g(a)
            return t + a
    """, lambda: [ar(5)], globals_={"g": g})


@pytest.mark.parametrize("source", [
    "out[:] = a * b + 1\nreturn out",
    "out[1:] = out[:-1] * 2\nreturn out",
    "out[:-1] = out[1:] * 2 + out[:-1]\nreturn out",
    "out[:] = out[::-1] + 1\nreturn out",
    "out[::2] = a[::2] * b[1::2]\nreturn out",
    "out[0] = (a * b)[2]\nreturn out",
    "out[:] = np.sqrt(np.abs(out)) + a\nreturn out",
])
def test_results_assigned_into_slices(source):
    body = "\n".join("    " + line for line in source.splitlines())
    check_mutating(f"def f(a, b, out):\n{body}\n", lambda: [ar(6), ar(6) + 1, ar(6)[::-1].copy()])


def test_expression_assigned_into_2d_slices_and_transposes():
    check_mutating("""
        def f(a, out):
            out[:, :] = a.T + a[0]
            a[1:, :] = a[:-1, :] * 2
            out[0] = out[:, 0] * 1
            return out, a
    """, lambda: [ar(3, 3), np.zeros((3, 3))])


def test_expression_stored_into_an_array_of_another_dtype():
    check_mutating("""
        def f(a, out, out2):
            out[:] = a * 1.5 + 0.25
            out2[:, :] = a * 2
            return out, out2
    """, lambda: [ar(4), np.zeros(4, np.int32), np.zeros((2, 4), np.float32)])


@pytest.mark.parametrize("source", [
    "x = a\nfor k in range(3):\n    x = x * 2 + k\nreturn x",
    "for k in range(3):\n    a = a * 2 + k\nreturn a",
    "if a[0] > -10.0:\n    a = a * 2\nreturn a",
    "x = a[::2]\nfor k in range(3):\n    x = x * 2 + k\nreturn x",
    "r = a\nfor i in range(3):\n    r = r + a\n    a[0] = 1000.0\nreturn r",
], ids=["alias_in_loop", "argument_in_loop", "argument_in_branch", "view_in_loop", "alias_accumulated"])
def test_argument_variable_rebound_to_an_expression_in_a_loop_or_branch(source):
    body = "\n".join("    " + line for line in source.splitlines())
    check_mutating(f"def f(a):\n{body}\n", lambda: [ar(5)])


@pytest.mark.parametrize("source,make", [
    ("a += 1", lambda: [ar(3)]),
    ("a *= 2\na -= 1", lambda: [np.arange(3, dtype=np.uint8)]),
    ("a //= 2", lambda: [np.arange(-3, 3, dtype=np.int8)]),
    ("t = a\nt += 1", lambda: [ar(3)]),
    ("t = a[1:]\nt *= 2", lambda: [ar(3)]),
    ("x = a[0]\nx += 1", lambda: [ar(2, 2)]),
    ("for row in a:\n    row += 1", lambda: [ar(2, 2)]),
    ("a += np.sqrt(np.abs(a))", lambda: [ar(3)]),
    ("t = a * 1\nu = t\nu += 1\nreturn t", lambda: [ar(3)]),
], ids=["a+=1", "uint8*=-=", "int8//=", "alias+=", "view*=", "row_view+=", "for_row+=", "a+=sqrt", "local_alias+="])
def test_augmented_assignment_to_an_array_writes_in_place(source, make):
    body = "\n".join("    " + line for line in source.splitlines())
    check_mutating(f"def f(a):\n{body}\n", make)


@pytest.mark.parametrize("source,make,exc", [
    ("a *= 2.5", lambda: [np.arange(3)], TypeError),
    ("a /= 2", lambda: [np.arange(3, dtype=np.int8)], TypeError),
    ("a += np.sqrt(a)", lambda: [np.arange(3)], TypeError),
    ("a += b", lambda: [ar(3), ar(2, 3)], ValueError),
], ids=["int*=float", "int/=", "int+=sqrt", "broadcast_into_smaller"])
def test_augmented_assignment_that_numpy_refuses(source, make, exc):
    """NumPy's casting rule for in-place operators is 'same_kind' (a
    TypeError, raised by jitufunc when compiling); an output smaller than
    the broadcast shape is a ValueError. Nothing is written."""
    n = len(make())
    py, jf = py_and_jit(f"def f({', '.join('ab'[:n])}):\n    {source}\n")
    with pytest.raises(exc):
        py(*make())
    args = make()
    before = snapshot(args)
    with pytest.raises(exc):
        jf(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b, strict=True)


def test_augmented_assignment_through_subscripts_writes_in_place():
    check_mutating("""
        def f(a, b):
            a[0] += 5.0
            a[1:] *= 3.0
            b[:, 0] -= a[:2]
            b[1] += b[0]
    """, lambda: [ar(3), ar(2, 2)])


# ---------------------------------------------------------------------------
# 5. math functions and @vectorize kernels on arrays

UNARY_FUNCS = ("sqrt exp expm1 log log1p log2 log10 exp2 cbrt sin cos tan arcsin arccos arctan sinh cosh tanh "
               "arcsinh arccosh arctanh abs absolute fabs sign square reciprocal floor ceil trunc rint isnan isinf "
               "isfinite degrees radians deg2rad rad2deg real imag conj conjugate angle").split()
BINARY_FUNCS = "copysign fmod hypot arctan2 power maximum minimum fmax fmin".split()
FUNC_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5, np.dtype(np.float16): 1e-3,
             np.dtype(np.complex128): 1e-12, np.dtype(np.complex64): 1e-5}


def math_values(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return np.array([-2.5, -1.0, -0.0, 0.0, 0.3, 0.75, 1.0, 2.0, 10.0, np.inf, -np.inf, np.nan], dtype=dt)
    if dt.kind == "c":
        return np.array([0.3 + 0.4j, -1.5 + 2j, 2 - 0.5j, -0.25 - 0.75j, 1.0, 3j], dtype=dt)
    if dt.kind == "b":
        return np.array([True, False, True])
    if dt.kind == "u":
        return np.array([1, 2, 9, 100], dtype=dt)
    return np.array([-3, -1, 1, 2, 9, 100], dtype=dt)


def check_func(source, args):
    py, jf = py_and_jit(source)
    want, err = numpy_outcome(py, args)
    if err is not None:
        assert isinstance(err, TypeError), err
        with pytest.raises(TypeError):
            jf(*args)
        return
    rtol = FUNC_RTOL.get(np.asarray(want).dtype) if isinstance(want, np.ndarray) else None
    assert_same(jf(*args), want, rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64], ids=dt_id)
@pytest.mark.parametrize("func", UNARY_FUNCS)
def test_unary_math_functions(func, dtype):
    check_func(f"def f(a):\n    return np.{func}(a)\n", (math_values(dtype),))


PROMOTION_FUNCS = ["sqrt", "exp", "sin", "arctan", "floor", "abs", "sign", "square", "reciprocal", "isnan", "rint"]


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
                                   np.int64, np.uint64, np.float16], ids=dt_id)
def test_math_function_promotion_of_ints_bools_and_float16(dtype):
    """NumPy's loop types: sqrt of bool/int8/uint8 is float16, of
    int16/uint16 float32, of wider ints float64; floor of an int keeps its
    dtype (NumPy 2); np.sign of a bool is a TypeError."""
    a = math_values(dtype)
    for func in PROMOTION_FUNCS:
        check_func(f"def f(a):\n    return np.{func}(a)\n", (a,))


@pytest.mark.parametrize("pair", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64),
                                  (np.int32, np.float32), (np.int8, np.int8), (np.int64, np.uint8),
                                  (np.float16, np.int16)], ids=lambda p: f"{dt_id(p[0])}-{dt_id(p[1])}")
@pytest.mark.parametrize("func", BINARY_FUNCS)
def test_binary_math_functions(func, pair):
    a = math_values(pair[0])
    b = math_values(pair[1])[::-1].copy()
    n = min(a.shape[0], b.shape[0])
    a, b = a[:n], b[:n]
    if func == "power" and np.dtype(pair[1]).kind in "iu":
        b = np.abs(b) % 5
    check_func(f"def f(a, b):\n    return np.{func}(a, b)\n", (a, b))


def test_binary_math_functions_with_scalars_and_broadcasting():
    check("""
        def f(a, b):
            return (np.maximum(a, 2), np.minimum(2.5, a), np.fmax(a, np.nan), np.power(a, 2),
                    np.copysign(a, -1), np.hypot(a[:, None], b), np.arctan2(b, a[:, None]), np.fmod(a, 1.5))
    """, math_values(np.float64)[:-1], np.array([1.0, -2.0, 0.5]), rtol=1e-12)


def test_nan_propagation_of_maximum_and_fmax():
    check("""
        def f(a, b):
            return np.maximum(a, b), np.minimum(a, b), np.fmax(a, b), np.fmin(a, b)
    """, np.array([1.0, np.nan, 3.0, np.nan]), np.array([np.nan, 2.0, 1.0, np.nan]))


def test_math_functions_combined_with_operators():
    a, b = ar(8) + 5, ar(8)[::-1] + 3
    check("""
        def f(a, b):
            t = np.sqrt(a) + np.hypot(a, b) * np.arctan2(b, a) - np.maximum(a, 2.5)
            return t, np.exp(-t * t) / (1 + np.abs(b)), np.floor(a / b) == a // b, np.isnan(np.log(b))
    """, a, b, rtol=1e-12)
    check("""
        def f(a, b):
            return np.sin(a) * np.cos(b) + 2.5, np.sqrt(a) * np.float32(2) + 1
    """, a.astype(np.float32), b.astype(np.float32), rtol=1e-5)


def test_math_functions_of_scalars_inside_array_expressions():
    check("""
        def f(a):
            return np.sqrt(2.0) * a, np.sqrt(2) * a, math.sqrt(2.0) * a, np.sqrt(a[0]) + a, np.float32(2.5) * a
    """, ar(4, dtype=np.float32), rtol=1e-6)


KERNELS = '''
@vectorize
def clipdiff(x, y):
    if x > y:
        return x - y
    return y * 2.0

@vectorize
def twice(x):
    return x + x

@vectorize(["float64(float64)", "float32(float32)"])
def sq1(x):
    return x * x + 1

@vectorize(["int64(int64, int64)", "float64(float64, float64)"])
def add2(x, y):
    return x + y
'''


def kernel_check(body, *args, rtol=None):
    src = KERNELS + "\ndef f(a, b):\n" + "\n".join("    " + line for line in body.splitlines()) + "\n"
    check(src, *args, globals_={"vectorize": vectorize}, rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64, np.uint8], ids=dt_id)
def test_lazy_vectorize_kernels_on_arrays(dtype):
    a = ar(6, dtype=dtype)
    b = ar(6, dtype=dtype)[::-1].copy()
    kernel_check("return clipdiff(a, b) * 2 + twice(a) - clipdiff(a, 1.5), twice(b)", a, b)


def test_vectorize_kernels_broadcast_and_fuse_with_operators():
    kernel_check("t = clipdiff(a[:, None], b)\nreturn t, twice(t) + a[:, None], sq1(t * 0.5) - 1", ar(3), ar(4))


def test_vectorize_kernels_on_strided_views_and_scalars():
    kernel_check("return clipdiff(a[::2], b[0]), clipdiff(a[0], b), twice(a.T), sq1(a[::-1])", ar(6), ar(3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=dt_id)
def test_vectorize_kernels_with_signatures_on_arrays_of_a_declared_type(dtype):
    a = ar(5, dtype=dtype)
    kernel_check("return sq1(a) * a, sq1(a + 1)", a, a)
    b = ar(2, 3)
    kernel_check("return add2(a, b), add2(b, 1.0) * 2", ar(3), b)


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="BUG: a @vectorize kernel with signatures called on an array of an undeclared "
                   "dtype is compiled for that dtype (sq1(int32 array) is int32); NumPy picks the first loop the "
                   "input casts to safely (float64 for int32/int64, float32 for int8/bool/float16)")
@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.float16, np.bool_], ids=dt_id)
def test_vectorize_kernels_with_signatures_use_numpys_loop_selection(dtype):
    a = ar(5).astype(dtype)
    kernel_check("return sq1(a)", a, a)


# ---------------------------------------------------------------------------
# 6. memory


def live_blocks():
    gc.collect()
    s = _core.memory_stats()
    return s["allocated"] - s["freed"]


def test_memory_flat_over_a_loop_of_temporaries():
    f = njit(make_function("""
        def f(a, n):
            s = 0.0
            for i in range(n):
                s += (a * 2 + 1)[0]
                t = np.sqrt(a) * a
                s += t[1] - (t - a)[1]
            return s
    """))
    a = np.ones(1000)
    assert f(a, 10) == 40.0
    before = live_blocks()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert f(a, 100_000) == 400_000.0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert live_blocks() == before
    # a leak would be 100_000 arrays of 8 KB
    assert (rss1 - rss0) / 1024 < 16, f"RSS grew {(rss1 - rss0) / 1024:.1f} MB"


def test_returned_results_and_intermediates_are_freed_when_dropped():
    f = njit(make_function("""
        def f(a):
            t = a + 1
            u = t * a
            return t, u * 2, u[0]
    """))
    a = ar(100)
    f(a)
    before = live_blocks()
    r = f(a)
    assert live_blocks() > before
    del r
    assert live_blocks() == before


def test_raising_after_temporaries_frees_them():
    f = njit(make_function("""
        def f(a, b):
            t = a * 2
            return t + b
    """))
    f(ar(3), ar(3))
    before = live_blocks()
    for _ in range(3):
        with pytest.raises(ValueError, match="broadcast"):
            f(ar(3), ar(4))
    assert live_blocks() == before


# ---------------------------------------------------------------------------
# 7. errors


def test_math_function_of_an_array_is_a_clear_error():
    source = """
        def f(a):
            return math.sqrt(a)
    """
    py = make_function(source)
    with pytest.raises(TypeError):
        py(np.array([4.0, 9.0]))
    with pytest.raises(TypingError) as info:
        njit(py)(np.array([4.0, 9.0]))
    assert_clear_error(info.value, TypingError, r"math\.sqrt\(\) needs a number, got float64\[", py, source, 2)


@pytest.mark.parametrize("source,line", [
    ("return not a", 2),
    ("if a > 0:\n    return 1\nreturn 0", 2),
    ("while a < 5:\n    return 1\nreturn 0", 2),
    ("return a and a", 2),
    ("return 1 if a else 0", 2),
    ("return 0 < a < 5", 2),
    ("return bool(a)", 2),
    ("x = a + 1\nif x:\n    return 1\nreturn 0", 3),
])
def test_truth_value_of_an_array_is_ambiguous(source, line):
    body = "\n".join("    " + s for s in source.splitlines())
    full = f"def f(a):\n{body}\n"
    py = make_function(full)
    with pytest.raises(ValueError, match="truth value of an array"):
        py(np.array([3.0, 2.0]))
    with pytest.raises(TypingError) as info:
        njit(py)(np.array([3.0, 2.0]))
    assert_clear_error(info.value, TypingError, "truth value of an array is ambiguous", py, full, line)


@pytest.mark.parametrize("body", [
    "t = a * 2.0\n    out[0] = t[0]",
    "out[0] = (a + a)[1]",
    "out[0] = np.sqrt(a)[0]",
    "b = -a\n    out[0] = b[0]",
    "out[0] = twice(a)[0]",
])
def test_array_expressions_work_in_gufunc_kernels(body):
    twice = vectorize(make_function("def twice(x):\n    return x + x\n"))
    k = make_function(f"def k(a, out):\n    {body}\n", {"twice": twice})
    a = np.arange(12.0).reshape(3, 4) + 1
    expected = np.zeros_like(a)
    for r, o in zip(a, expected):
        k(r, o)
    got = guvectorize(["void(float64[:], float64[:])"], "(n)->(n)")(k)(a, out=np.zeros_like(a))
    np.testing.assert_array_equal(got, expected)
    lazy = guvectorize("(n)->(n)")(k)(a, out=np.zeros_like(a))
    np.testing.assert_array_equal(lazy, expected)


def test_invalid_operand_dtypes_are_type_errors_naming_the_operator():
    f = make_function("def f(a, b):\n    return a & b\n")
    with pytest.raises(TypeError):
        f(np.ones(2), np.ones(2))
    with pytest.raises(TypingError, match="&"):
        njit(f)(np.ones(2), np.ones(2))


@pytest.mark.parametrize("expr", ["(G * x)[0]", "np.sqrt(G)[1] + x", "(G > x)[2] * 1.0"])
@pytest.mark.parametrize("lazy", [False, True], ids=["signature", "lazy"])
def test_array_expressions_on_global_arrays_in_vectorize_kernels(expr, lazy):
    k = make_function(f"def k(x):\n    return {expr}\n", {"G": np.arange(3.0)})
    u = vectorize(k) if lazy else vectorize(["float64(float64)"])(k)
    x = np.linspace(-1, 3, 9)
    np.testing.assert_array_equal(u(x), [k(v) for v in x])