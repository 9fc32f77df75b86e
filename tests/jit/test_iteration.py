"""Loops over enumerate(...), zip(...) and tuples in @jit functions, and
tuple arguments, compared with the plain Python function: enumerate of
arrays (1-d of every dtype, 2-d rows that are views), ranges and tuples,
with a start; zip of 1 to 3 iterables of different lengths (arrays of any
strides, ranges, tuples); break/continue/else and the loop variable after
the loop; tuple variables of one kind (runtime `t[i]` too) and tuples
written in the `for` statement (items of their own types, arrays among
them); tuple arguments (nested, with arrays shared with the caller, as
shapes, one specialisation per item types) and the compile errors of the
unsupported forms."""

import functools
import gc
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ALL_DTYPES, assert_clear_error, make_function, sample
from jitufunc import njit
from jitufunc.errors import TypingError, UnsupportedError


@functools.cache
def compiled(source):
    """The Python function of ``source`` and its dispatcher, made once per
    source text (the dispatcher keeps a specialisation per argument types)."""
    py = make_function(source)
    return py, njit(py)


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
    out.flags.writeable = a.flags.writeable
    return out


def clone(x):
    """A deep copy of arguments (arrays keep their strides)."""
    if isinstance(x, np.ndarray):
        return _copy_array(x)
    if isinstance(x, tuple):
        return tuple(clone(v) for v in x)
    if isinstance(x, list):
        return [clone(v) for v in x]
    return x


def assert_same(got, expected, path="result"):
    """``got`` (from jitufunc) equals ``expected`` (from Python): tuples item
    by item, arrays by dtype, shape and values, scalars as the Python
    scalar jitufunc returns for them (NumPy scalars become bool, int, float
    or complex, as Numba returns them)."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple), (path, got, expected)
        assert len(got) == len(expected), (path, got, expected)
        for k, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{path}[{k}]")
        return
    if expected is None:
        assert got is None, (path, got)
        return
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), (path, got, expected)
        assert got.dtype == expected.dtype, (path, got.dtype, expected.dtype)
        assert got.shape == expected.shape, (path, got.shape, expected.shape)
        np.testing.assert_array_equal(got, expected, err_msg=path)
        return
    if isinstance(expected, (bool, np.bool_)):
        kind = bool
    elif isinstance(expected, (int, np.integer)):
        kind = int
    elif isinstance(expected, (float, np.floating)):
        kind = float
    else:
        kind = complex
    assert type(got) is kind, (path, type(got), got, expected)
    if isinstance(expected, np.generic):
        # Compare exactly (np.float32(0.3) == 0.30000000447 is True in NumPy 2).
        expected = expected.item()
    if kind is float and math.isnan(expected):
        assert math.isnan(got), (path, got, expected)
    else:
        assert got == expected, (path, got, expected)


def assert_args_same(got, expected, path="arguments"):
    """The arguments after the call: arrays with the same values (writes
    through views included), everything else unchanged."""
    if isinstance(expected, (tuple, list)):
        for k, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_args_same(g, e, f"{path}[{k}]")
    elif isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and got.strides == expected.strides, path
        np.testing.assert_array_equal(got, expected, err_msg=path)
    else:
        assert type(got) is type(expected) and (got == expected or got != got), (path, got, expected)


def check(source, *args):
    """Calls the Python function and the compiled one, each on its own copy
    of ``args``: same result (or the same exception class and message), and
    the arguments end up the same (writes through views included)."""
    py, jf = compiled(source)
    py_args, jit_args = clone(args), clone(args)
    with np.errstate(all="ignore"):
        try:
            expected = py(*py_args)
        except Exception as e:  # noqa: BLE001 - compared below
            expected = e
    if isinstance(expected, Exception):
        with pytest.raises(type(expected)) as info:
            jf(*jit_args)
        assert str(info.value) == str(expected)
    else:
        got = jf(*jit_args)
        assert_same(got, expected)
    assert_args_same(jit_args, py_args)
    return jf, jit_args


def run_jit(jf, *args):
    """Calls ``jf``; a Rust panic (a BaseException) becomes an AssertionError
    so that an xfail test records it instead of aborting the run."""
    try:
        return jf(*args)
    except Exception:
        raise
    except BaseException as e:  # pyo3's PanicException
        raise AssertionError(f"jitufunc panicked: {type(e).__name__}: {e}") from None


DTYPE_IDS = lambda d: np.dtype(d).name  # noqa: E731


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def layouts_1d(dtype, n=9, seed=0):
    rng = np.random.default_rng(seed)
    base = sample(dtype, (2 * n,), rng)
    return {
        "contiguous": base[:n],
        "reversed": base[:n][::-1],
        "step-3": base[::-3],
        "column": base[: 2 * (n // 2)].reshape(n // 2, 2)[:, 1],
        "readonly": _readonly(base[1 : n + 1]),
    }


# ---------------------------------------------------------------------------
# 1. enumerate


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("start", ["", ", 3", ", start=-2", ", -7"])
@pytest.mark.parametrize("layout", ["contiguous", "reversed", "step-3", "column", "readonly"])
def test_enumerate_1d_arrays_of_every_dtype(dtype, start, layout):
    a = layouts_1d(dtype)[layout]
    source = f"""
        def f(a, out):
            idx = np.zeros(len(a), dtype=np.int64)
            i = 100
            n = 0
            for i, x in enumerate(a{start}):
                idx[n] = i
                out[n] = x
                n += 1
            return idx, out, n, i
    """
    check(source, a, np.zeros(len(a), dtype=dtype))


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int64, np.float16, np.complex64])
@pytest.mark.parametrize("start", ["", ", 5", ", start=-1"])
def test_enumerate_of_an_empty_array_makes_no_trips(dtype, start):
    check(f"""
        def f(a):
            n = 0
            i = -100
            for i, x in enumerate(a{start}):
                n += 1
            else:
                n -= 10
            return n, i
    """, np.zeros(0, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.float32, np.float64, np.complex128])
def test_enumerate_item_arithmetic_keeps_the_item_type(dtype):
    """``i`` is a Python int, ``x`` an element of the array's dtype: their
    products follow NumPy's rules for a Python int with a NumPy scalar."""
    a = layouts_1d(dtype, n=7, seed=2)["reversed"]
    check("""
        def f(a, out):
            for i, x in enumerate(a):
                out[i] = x * 2 + i
            return out
    """, a, np.zeros(len(a), dtype=dtype))


def test_enumerate_items_as_one_tuple():
    check("""
        def f(a):
            s = 0
            p = (0, a[0])
            for p in enumerate(a, 10):
                s = s * 7 + p[0] - p[1]
            return s, p
    """, np.arange(6, dtype=np.int32)[::-1])


@pytest.mark.parametrize("dtype", [np.int16, np.float64, np.complex64, np.bool_])
@pytest.mark.parametrize("layout", ["C", "F", "reversed-rows", "strided", "one-row"])
@pytest.mark.parametrize("start", ["", ", 1", ", start=-3"])
def test_enumerate_2d_rows_are_views_written_through(dtype, layout, start):
    base = sample(dtype, (6, 8), np.random.default_rng(5))
    a = {
        "C": base[:4, :5],
        "F": np.asfortranarray(base[:4, :5]),
        "reversed-rows": base[::-1, 1:6],
        "strided": base[::2, ::-3],
        "one-row": base[2:3],
    }[layout]
    check(f"""
        def f(a):
            n = 0
            for i, row in enumerate(a{start}):
                for j in range(len(row)):
                    row[j] = row[j] + row[-1 - j]
                row[0] = i
                n += 1
            return n, a
    """, a)


def test_enumerate_rows_returned_share_the_argument():
    py, jf = compiled("""
        def f(a):
            last = a[0]
            for i, row in enumerate(a):
                row[1] = i * 10
                last = row
            return last
    """)
    a, b = np.zeros((3, 4)), np.zeros((3, 4))
    got, expected = jf(a), py(b)
    assert_same(got, expected)
    assert_same(a, b)
    assert np.shares_memory(got, a)
    got[0] = 99.0  # the returned row is a view of the argument
    assert a[2, 0] == 99.0


@pytest.mark.parametrize("layout", ["C", "F", "reversed"])
def test_enumerate_nested_over_a_3d_array(layout):
    base = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    a = {"C": base, "F": np.asfortranarray(base), "reversed": base[::-1, :, ::-1]}[layout]
    check("""
        def f(a):
            s = 0
            for i, m in enumerate(a):
                for j, row in enumerate(m, 1):
                    for k, v in enumerate(row, start=2):
                        s += v * (i + 5 * j + 25 * k)
                        row[k - 2] = i - j
            return s, a
    """, a)


BIG = 2 ** 63 - 1
RANGES = [
    (0, 10, 1), (10, 0, -1), (3, 17, 4), (17, 3, -4), (5, 5, 1), (5, 4, 1), (4, 5, -1),
    (-10, 10, 3), (10, -10, -3), (-3, -20, -5), (0, 1, 100), (7, 8, -1), (-1, 0, 1),
    # Near the int64 limits: Python's trip count, no wrapping.
    (BIG - 10, BIG, 3), (-BIG + 10, -BIG - 1, -3), (0, BIG, 2 ** 61),
]


@pytest.mark.parametrize("start, stop, step", RANGES)
@pytest.mark.parametrize("k", ["", ", 4", ", start=-9", ", k"])
def test_enumerate_of_ranges(start, stop, step, k):
    check(f"""
        def f(start, stop, step, k):
            s = 0
            n = 0
            i = -1
            x = -1
            for i, x in enumerate(range(start, stop, step){k}):
                s = (s * 31 + i * 7 + x % 1000) % 1000003
                n += 1
            return s, n, i, x
    """, start, stop, step, -5)


@given(
    start=st.integers(-50, 50), stop=st.integers(-50, 50),
    step=st.integers(-7, 7).filter(bool), k=st.integers(-100, 100),
)
def test_enumerate_of_random_ranges(start, stop, step, k):
    check("""
        def f(start, stop, step, k):
            idx = np.full(120, -999, dtype=np.int64)
            vals = np.full(120, -999, dtype=np.int64)
            n = 0
            for i, x in enumerate(range(start, stop, step), k):
                idx[n] = i
                vals[n] = x
                n += 1
            return idx, vals, n
    """, start, stop, step, k)


@pytest.mark.parametrize("form", ["range(n)", "range(2, n)", "range(n, -n, -2)"])
@pytest.mark.parametrize("n", [0, 1, 6])
def test_enumerate_of_range_forms(form, n):
    check(f"""
        def f(n):
            s = 0
            for i, x in enumerate({form}, 2):
                s = s * 10 + i * x
            return s
    """, n)


@pytest.mark.parametrize("t", [
    (1, 2, 3), (1, np.int64(-2), 3, np.int64(40)), (2.5, -1.0, np.float64(0.25)), (1j, 2 + 1j),
    (np.float32(1.5), np.float32(-2.0)), (np.int8(3), np.int8(-4), np.int8(5)), (True, False, True),
    (7,), (np.uint16(9), np.uint16(3)),
], ids=repr)
@pytest.mark.parametrize("start", ["", ", 2", ", start=-4"])
def test_enumerate_of_tuple_arguments(t, start):
    check(f"""
        def f(t):
            idx = np.zeros(len(t), dtype=np.int64)
            out = np.zeros(len(t), dtype=np.complex128)
            n = 0
            for i, x in enumerate(t{start}):
                idx[n] = i
                out[n] = x * 3
                n += 1
            return idx, out, n
    """, t)


def test_enumerate_of_a_tuple_built_inside():
    for args in [(1, 2), (-3, 7)]:
        check("""
            def f(a, b):
                t = (a, b, a + b, 4)
                s = 0
                for i, x in enumerate(t, 1):
                    s = s * 10 + i * x
                return s
        """, *args)


@pytest.mark.parametrize("start", ["", ", 1", ", start=100"])
def test_enumerate_of_zip_with_nested_targets(start):
    source = f"""
        def f(x, y):
            s = 0.0
            i = -1
            a = b = 0.0
            for i, (a, b) in enumerate(zip(x, y){start}):
                s = s * 2 + i * a - b
            return s, i, a, b
    """
    x = np.arange(10.0)[::-2]
    y = np.arange(12.0).reshape(3, 4)[:, 1]
    check(source, x, y)
    check(source, x, y[:0])
    check(source, x[:2], np.arange(7, dtype=np.float64))


def test_zip_of_enumerates_with_nested_targets():
    check("""
        def f(a, b):
            s = 0
            for (i, x), (j, y) in zip(enumerate(a, 1), enumerate(b, start=-1)):
                s = s * 10 + i * x + j * y
            return s
    """, np.arange(5), (3, 1, 4, 1))
    check("""
        def f(a, b):
            s = 0
            for k, ((i, x), y) in enumerate(zip(enumerate(a), b)):
                s = s * 10 + k + i * x - y
            return s
    """, np.arange(4, dtype=np.int16)[::-1], np.arange(6))


ENUMERATE_START = """
    def f(a, k):
        idx = np.zeros(len(a), dtype=np.int64)
        n = 0
        for i, x in enumerate(a, k):
            idx[n] = i
            n += 1
        return idx
"""


@pytest.mark.parametrize("k", [True, False, np.int64(-4), np.uint64(3), np.int32(7)], ids=repr)
def test_enumerate_start_of_other_integer_types(k):
    check(ENUMERATE_START, np.arange(3), k)


@pytest.mark.parametrize("k", [np.int8(126), np.uint8(254), np.int16(32766)], ids=repr)
def test_enumerate_start_of_a_narrow_integer_type_counts_in_python_ints(k):
    check(ENUMERATE_START, np.arange(3), k)


@pytest.mark.parametrize("k", [1.5, 2 + 1j, np.float32(1.0)], ids=repr)
def test_enumerate_with_a_non_integer_start_is_a_type_error(k):
    py, jf = compiled("""
        def f(a, k):
            s = 0
            for i, x in enumerate(a, k):
                s = s * 1000 + i
            return s
    """)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        py(np.arange(3), k)
    with pytest.raises(TypeError):  # a compile error (TypingError) would do
        jf(np.arange(3), k)


# ---------------------------------------------------------------------------
# 2. zip


def _arr(n, dtype, view, seed):
    base = sample(dtype, (3 * n + 3,), np.random.default_rng(seed))
    return {
        "C": base[:n],
        "reversed": base[:n][::-1],
        "step3": base[: 3 * n : 3],
        "neg-step2": base[2 * n - 1 :: -2] if n else base[:0],
        "column": base[: 3 * n].reshape(n, 3)[:, 2] if n else base[:0],
    }[view]


ITERABLES = {
    "array": lambda n, seed: _arr(n, [np.int64, np.float32, np.int8][seed % 3], ["C", "reversed", "column"][seed % 3], seed),
    "strided": lambda n, seed: _arr(n, [np.float64, np.uint8, np.int32][seed % 3], ["neg-step2", "step3", "reversed"][seed % 3], seed),
    "range": lambda n, seed: ("range", 3 - seed, 3 - seed + 2 * n * (1 if seed % 2 else -1), 2 if seed % 2 else -2),
    "tuple": lambda n, seed: tuple(range(seed, seed + n)) if seed % 2 else tuple(0.5 * k - seed for k in range(n)),
}


def _zip_case(kinds, lengths):
    """Source and arguments for a zip of these kinds of iterables; a range
    is written in the zip from int arguments."""
    params, parts, args = [], [], []
    for k, (kind, n) in enumerate(zip(kinds, lengths)):
        value = ITERABLES[kind](n, k + 1)
        if kind == "range":
            _, start, stop, step = value
            params += [f"r{k}a", f"r{k}b", f"r{k}c"]
            parts.append(f"range(r{k}a, r{k}b, r{k}c)")
            args += [start, stop, step]
        else:
            params.append(f"x{k}")
            parts.append(f"x{k}")
            args.append(value)
    names = ", ".join(f"v{k}" for k in range(len(kinds)))
    stores = "\n".join(f"                out[{k}, n] = v{k}" for k in range(len(kinds)))
    source = f"""
        def f(out, {", ".join(params)}):
            n = 0
            for {names}{"," if len(kinds) == 1 else ""} in zip({", ".join(parts)}):
{stores}
                n += 1
            return out, n
    """
    return source, [np.zeros((len(kinds), 10))] + args


ZIP_KINDS = [
    ("array",), ("range",), ("tuple",), ("strided",),
    ("array", "array"), ("array", "range"), ("range", "tuple"), ("tuple", "array"), ("strided", "array"),
    ("array", "range", "tuple"), ("tuple", "strided", "range"), ("strided", "strided", "array"),
    ("range", "range", "range"),
]
ZIP_LENGTHS = [(5, 3, 4), (0, 4, 2), (3, 6, 0), (4, 4, 4), (1, 7, 2), (6, 2, 9)]


EMPTY_TUPLE_BUG = pytest.mark.xfail(strict=True, reason="not supported: a loop over an empty tuple variable "
                                     "is a compile error (its items have no type), where Python makes no trips")


def _zip_params():
    for lengths in ZIP_LENGTHS:
        for kinds in ZIP_KINDS:
            lengths_used = lengths[: len(kinds)]
            # A lone empty tuple makes no trips (its loop test is decided
            # at typing time); zipped with others it is still refused.
            empty_tuple = len(kinds) > 1 and any(
                k == "tuple" and n == 0 for k, n in zip(kinds, lengths_used))
            yield pytest.param(kinds, lengths_used, marks=[EMPTY_TUPLE_BUG] if empty_tuple else [],
                               id="-".join(kinds) + "-" + "x".join(map(str, lengths_used)))


@pytest.mark.parametrize("kinds, lengths", list(_zip_params()))
def test_zip_stops_at_the_shortest(kinds, lengths):
    source, args = _zip_case(kinds, lengths)
    check(source, *args)


@pytest.mark.parametrize("a_view", ["C", "reversed", "step3", "neg-step2", "column"])
@pytest.mark.parametrize("b_view", ["C", "neg-step2", "column"])
@pytest.mark.parametrize("dtypes", [(np.float64, np.int16), (np.complex64, np.uint32), (np.bool_, np.float16)],
                         ids=lambda d: "-".join(map(DTYPE_IDS, d)))
def test_zip_of_strided_arrays_of_different_dtypes(a_view, b_view, dtypes):
    a = _arr(7, dtypes[0], a_view, 1)
    b = _arr(5, dtypes[1], b_view, 2)
    check("""
        def f(a, b, out):
            n = 0
            for x, y in zip(a, b):
                out[n] = x
                n += 1
            for k, (x, y) in enumerate(zip(b, a)):
                out[k] = out[k] + y
            return out, n
    """, a, b, np.zeros(5, dtype=dtypes[0]))


@pytest.mark.parametrize("layout", ["C", "F", "reversed"])
def test_zip_of_2d_arrays_gives_row_views(layout):
    base = np.arange(24.0).reshape(4, 6)
    a = {"C": base[:, :3].copy(), "F": np.asfortranarray(base[:, :3]), "reversed": base[::-1, ::-2]}[layout]
    b = np.arange(10, dtype=np.int32).reshape(5, 2).T  # 2 rows, non-contiguous
    check("""
        def f(a, b):
            n = 0
            for r, q in zip(a, b):
                r[0] = q[1] * 100
                r[-1] = r[-1] + q[-1]
                n += 1
            return a, n
    """, a, b)


@given(
    la=st.integers(0, 12), lb=st.integers(0, 12), nt=st.integers(1, 6),
    sa=st.sampled_from([1, 2, -1, -3]), r=st.tuples(st.integers(-20, 20), st.integers(-20, 20), st.integers(-4, 4).filter(bool)),
)
def test_zip_of_random_lengths(la, lb, nt, sa, r):
    a = np.arange(100, 100 + abs(sa) * la, dtype=np.int32)[:: sa]
    b = np.linspace(0.0, 1.0, lb)
    t = tuple(range(7, 7 + nt))
    check("""
        def f(a, b, t, r0, r1, r2, out):
            n = 0
            for x, (k, (y, (z, w))) in zip(a, enumerate(zip(b, zip(t, range(r0, r1, r2))), 3)):
                out[0, n] = x
                out[1, n] = k
                out[2, n] = y
                out[3, n] = z
                out[4, n] = w
                n += 1
            return out, n
    """, a, b, t, *r, np.zeros((5, 13)))


def test_zip_of_one_iterable_gives_one_tuples():
    check("""
        def f(a):
            s = 0
            p = (0,)
            for p in zip(a):
                s = s * 10 + p[0]
            return s, p
    """, np.arange(1, 5))


# ---------------------------------------------------------------------------
# 3. break, continue, else; the loop variable after the loop

BREAK_CASES = {
    "enumerate-array": ("""
        def f(a, stop, skip):
            s = 0
            i = -1
            x = a[0]
            for i, x in enumerate(a, 1):
                if i == skip:
                    continue
                if i == stop:
                    break
                s = s * 3 + x
            else:
                s = -s
            return s, i, x
    """, lambda: [np.arange(1, 8, dtype=np.int32)[::-1]]),
    "zip-mixed": ("""
        def f(a, stop, skip):
            s = 0.0
            x = 0.0
            y = 0
            for x, y in zip(a, range(1, 100, 3)):
                if y == skip:
                    continue
                if y == stop:
                    break
                s = s * 2 + x * y
            else:
                s = s + 1000
            return s, x, y
    """, lambda: [np.linspace(0.0, 3.0, 6)[::-1]]),
    "enumerate-zip-tuple": ("""
        def f(t, stop, skip):
            s = 0
            k = -1
            u = v = 0
            for k, (u, v) in enumerate(zip(t, range(9, 0, -2))):
                if k == skip:
                    continue
                if u == stop:
                    break
                s = s * 10 + u - v + k
            else:
                s = -1 - s
            return s, k, u, v
    """, lambda: [(1, 2, 4, 7, 10)]),
    "tuple-variable": ("""
        def f(t, stop, skip):
            s = 0
            x = 0
            for x in t:
                if x == skip:
                    continue
                if x == stop:
                    break
                s = s * 10 + x
            else:
                s = s * 100
            return s, x
    """, lambda: [(1, np.int64(2), 4, np.int64(7), 10)]),
    "nested-loops": ("""
        def f(a, stop, skip):
            s = 0
            for i, row in enumerate(a):
                for j, x in enumerate(row):
                    if j == skip:
                        continue
                    if x == stop:
                        break
                    s = s * 3 + x + i
                else:
                    s = s + 1
                if i == stop:
                    break
            return s
    """, lambda: [np.arange(12).reshape(3, 4)]),
}


@pytest.mark.parametrize("case", sorted(BREAK_CASES))
@pytest.mark.parametrize("stop, skip", [(-5, -5), (2, -5), (1, 0), (4, 2), (7, 7), (10, 1), (1, 1)])
def test_break_continue_and_else(case, stop, skip):
    source, make = BREAK_CASES[case]
    check(source, *make(), stop, skip)


def test_loop_variables_keep_their_last_values():
    source = """
        def f(a, b, t):
            i = j = -1
            x = y = 0.0
            u = 0
            for i, x in enumerate(a):
                pass
            for j, (y, u) in enumerate(zip(b, t), 5):
                pass
            w = 0
            for w in t:
                pass
            return i, x, j, y, u, w
    """
    check(source, np.arange(4.0), np.arange(3.0)[::-1], (7, 8, 9, 10))
    check(source, np.arange(0.0), np.arange(3.0)[:0], (7,))


def test_an_exception_raised_inside_a_zip_loop():
    source = """
        def f(a, t, bad):
            s = 0
            for x, y in zip(a, t):
                if x == bad:
                    raise ValueError("bad item")
                s += x * y
            return s
    """
    check(source, np.arange(5), (1, 2, 3, 4), 2)
    check(source, np.arange(5), (1, 2, 3, 4), 4)  # zip stops before 4


# ---------------------------------------------------------------------------
# 4. tuple variables of one kind; t[i] with a runtime i

ONE_KIND_TUPLES = {
    "ints": (3, 1, 4, 1, 5),
    "ints-and-int64": (3, np.int64(-1), 4, np.int64(2 ** 40), -9),
    "floats": (0.5, -1.25, 3.0),
    "floats-and-float64": (np.float64(0.1), 2.5, np.float64(-0.0)),
    "complex": (1j, 2.5 + 0j, -1 - 1j),
    "int32s": (np.int32(7), np.int32(-8)),
    "float32s": (np.float32(0.1), np.float32(2.5), np.float32(-3.75)),
    "bools": (True, False, True),
    "numpy-bools": (np.True_, np.False_),
    "one": (42,),
}


@pytest.mark.parametrize("name", sorted(ONE_KIND_TUPLES))
def test_loop_over_a_tuple_argument(name):
    check("""
        def f(t):
            out = np.zeros(len(t), dtype=np.complex128)
            k = 0
            x = t[-1]
            for x in t:
                out[k] = x * 2
                k += 1
            return out, k, x
    """, ONE_KIND_TUPLES[name])
    check("""
        def f(t):
            s = t[0] * 0
            for x in t:
                s = s * 3 + x
            return s
    """, ONE_KIND_TUPLES[name])


@pytest.mark.parametrize("name", sorted(ONE_KIND_TUPLES))
def test_runtime_tuple_index_in_range(name):
    t = ONE_KIND_TUPLES[name]
    py, jf = compiled("""
        def f(t, i):
            return t[i]
    """)
    for i in range(-len(t), len(t)):
        assert_same(jf(t, i), py(t, i), f"t[{i}]")
    # Index types other than a Python int.
    assert_same(jf(t, np.int8(-1)), py(t, np.int8(-1)))
    assert_same(jf(t, np.uint8(0)), py(t, np.uint8(0)))


@pytest.mark.parametrize("n", [-2, 0, 3, 11])
def test_loop_over_a_tuple_built_inside(n):
    check("""
        def f(n):
            t = (n, 2, np.int64(3), n * n)
            s = 0
            for x in t:
                s = s * 10 + x
            for i in range(-4, 4):
                s = s * 10 + t[i]
            return s
    """, n)
    check("""
        def f(n):
            t = (n * 0.5, 1.5)
            s = 0.0
            for x in t:
                s = s * 2 + x
            return s, t[n % 2], t[-1 - n % 2]
    """, n)


def test_loop_over_a_tuple_of_arrays_of_one_type():
    a = np.arange(6.0)
    b = np.arange(10.0, 16.0)
    check("""
        def f(a, b):
            t = (a, b, a)
            s = 0.0
            for x in t:
                x[0] = x[0] + 1
                s = s * 10 + x[1]
            return s, t[-2]
    """, a, b)
    _, jf = compiled("""
        def f(t, i):
            return t[i]
    """)
    got = jf((a, b), -1)
    assert got.dtype == b.dtype and np.shares_memory(got, b)


def test_loop_over_tuple_pairs():
    check("""
        def f(t):
            s = 0
            for a, b in t:
                s = s * 10 + a * b
            return s
    """, ((1, 2), (3, np.int64(4)), (5, 0)))


@pytest.mark.parametrize("i", [3, 5, -4, 100])
def test_runtime_tuple_index_out_of_range_raises_index_error(i):
    check("""
        def f(t, i):
            return t[i]
    """, (1.5, 2.5, 3.5), i)


@pytest.mark.parametrize("source, args", [
    ("""
        def f(t):
            n = 0
            for x in t:
                n += 1
            else:
                n -= 1
            return n
    """, ((),)),
    ("""
        def f(n):
            t = ()
            for x in t:
                n += 1
            return n
    """, (5,)),
], ids=["argument", "variable"])
def test_loop_over_an_empty_tuple_makes_no_trips(source, args):
    py, jf = compiled(source)
    assert_same(run_jit(jf, *args), py(*args))


def test_loop_over_an_empty_tuple_literal_makes_no_trips():
    check("""
        def f(n):
            for x in ():
                n += 1
            else:
                n = n * 10
            return n
    """, 3)


@pytest.mark.xfail(strict=True, reason="not supported: a runtime index into an empty tuple variable is a "
                   "compile error, where Python raises IndexError when it runs")
def test_runtime_index_into_an_empty_tuple():
    py, jf = compiled("""
        def f(t, i):
            return t[i]
    """)
    with pytest.raises(IndexError, match="tuple index out of range"):
        py((), 0)
    with pytest.raises(IndexError, match="tuple index out of range"):
        run_jit(jf, (), 0)


@pytest.mark.parametrize("t, expr", [
    ((np.int64(1), np.uint64(2 ** 64 - 1)), "x"),
    ((1, np.int8(100)), "x * x"),
    ((np.int16(1), np.int8(100)), "x * x"),
    ((0.1, np.float32(0.1)), "x * 3"),
], ids=["int64-uint64", "pyint-int8", "int16-int8", "float-float32"])
def test_tuple_variables_of_different_widths_are_refused_not_converted(t, expr):
    """Python gives each item its own type; jitufunc refuses to loop over a
    tuple variable whose items differ (beyond a Python number with the type
    it is passed as) rather than convert them to one type."""
    py, jf = compiled(f"""
        def f(t):
            r = t[0]
            for x in t:
                r = {expr}
            return r
    """)
    py(t)
    with pytest.raises(TypingError, match="items of one type"):
        jf(t)


@pytest.mark.parametrize("t", [(1, np.int64(2), 3), (1.5, 2.5, np.float64(3.0)), (1j, np.complex128(2))],
                         ids=["int", "float", "complex"])
def test_python_numbers_meet_the_type_they_are_passed_as(t):
    check("""
        def f(t, n):
            s = t[0]
            for x in t:
                s = s + x
            return s, t[n], t[-n]
    """, t, 1)


# ---------------------------------------------------------------------------
# 5. a tuple written in the for statement: items of their own types


@pytest.mark.parametrize("n", [3, -2.5, 1j])
@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.uint16, np.complex64])
def test_tuple_literal_items_keep_their_types(n, dtype):
    arr = np.arange(1, 4, dtype=dtype)[::-1]
    check("""
        def f(n, arr):
            out = np.zeros(7, dtype=np.complex128)
            k = 0
            r = 0
            for x in (1, 2.5, n, arr[0], True, np.float32(0.5), 2 ** 40):
                y = x * 2
                out[k] = y
                r = y
                k += 1
            return out, r
    """, n, arr)
    # The type of each item decides its arithmetic: int8/uint16 elements wrap.
    check("""
        def f(n, arr):
            out = np.zeros(3, dtype=np.complex128)
            k = 0
            for x in (arr[0], arr[1], n):
                out[k] = x * x * 100
                k += 1
            return out
    """, n, arr * 20 if np.dtype(dtype).kind in "iu" else arr)


def test_tuple_literal_with_arrays_among_the_items():
    check("""
        def f(n, arr, m):
            k = 0
            for x in (1, 2.5, n, arr[0], arr, m[1], True):
                m[k, :] = x
                k += 1
            return m, k
    """, 3, np.arange(3.0)[::-1], np.zeros((7, 3), dtype=np.float32))
    check("""
        def f(a, b):
            s = 0
            for x in (a, b, a[::-1], 7):
                for y in (x, 1):
                    s = s * 2 + np.asarray(y).size
            return s
    """, np.arange(4), np.ones((2, 3)))


@pytest.mark.parametrize("stop", [0, 1, 2, 3, 5, 6, 7, 9])
def test_tuple_literal_with_break_continue_else(stop):
    check("""
        def f(n, arr, stop, m):
            k = 0
            s = 0.0
            for x in (1, 2.5, n, arr[0], arr, True):
                k += 1
                if k == stop:
                    break
                if k == 2:
                    continue
                m[k, :] = x
                s = s + k
            else:
                s = -s
            return m, s, k
    """, 3, np.arange(3.0)[::-1], stop, np.zeros((7, 3)))


def test_tuple_literal_items_are_evaluated_before_the_loop():
    """Python builds the tuple once: a body that changes ``n`` or ``a[1]``
    does not change the later items."""
    check("""
        def f(n, a):
            s = 0.0
            for x in (n, a[0], a[1], n + 1, 2.5):
                a[1] = 100.0
                a[0] = -1.0
                n = 77
                s = s * 10 + x
            return s, n
    """, 3, np.arange(1.0, 4.0))


def test_rebinding_the_iterable_inside_the_loop():
    """The loop iterates the object it started with."""
    check("""
        def f(a, b, t):
            s = 0
            for i, x in enumerate(a):
                a = b
                s = s * 10 + x
            for x in t:
                t = (9, 9, 9)
                s = s * 10 + x
            for i, x in enumerate(range(len(b))):
                b = a
                s = s * 10 + x
            return s, len(a), len(b)
    """, np.arange(3), np.arange(5, 9), (1, 2, 3))


def test_tuple_literal_loop_variable_after_the_loop():
    source = """
        def f(n, k):
            x = 0
            for x in (1, 2, n, 4):
                if x == k:
                    break
            return x
    """
    for args in [(3, 3), (3, 1), (3, 99), (-1, -1)]:
        check(source, *args)


def test_tuple_literal_inside_enumerate_and_zip_of_one_kind():
    check("""
        def f(n):
            s = 0
            for i, x in enumerate((n, 2, 3), 1):
                s = s * 10 + i * x
            for x, y in zip((1, 2, n), (4.5, n * 0.5)):
                s = s + x * y
            return s
    """, 5)


# ---------------------------------------------------------------------------
# 6. tuple arguments


@pytest.mark.parametrize("p", [
    (1, 2.5), (1, 2), (True, 1j), (np.float32(1.5), np.int8(-3), np.uint64(2 ** 63 + 5)),
    ((1, 2), (3.5, (True,))), (), ((),), (np.float16(0.5),),
], ids=repr)
def test_tuple_arguments_are_returned_as_given(p):
    check("""
        def f(p):
            return p
    """, p)


def test_nested_tuple_argument_with_an_array_is_the_callers_array():
    source = """
        def f(p):
            a, (b, c) = p
            a[0] = b * 10 + c
            return p, a, (c, b)
    """
    py, jf = compiled(source)
    a, a_py = np.arange(5.0), np.arange(5.0)
    got, expected = jf((a, (2, True))), py((a_py, (2, True)))
    assert_same(got, expected)
    assert_same(a, a_py)  # the write inside reached the argument
    assert np.shares_memory(got[0][0], a) and np.shares_memory(got[1], a)
    got[1][4] = -1.0  # writes through the returned array reach the argument
    assert a[4] == -1.0
    check(source, (np.arange(5.0)[::-1], (np.int16(3), 2.5)))


LAYOUTS = {
    "C": lambda base: base,
    "F": lambda base: np.asfortranarray(base),
    "reversed": lambda base: base[::-1, ::-1],
    "strided": lambda base: base[::2, 1::2],
    "row": lambda base: base[1],
}


@pytest.mark.parametrize("la", sorted(LAYOUTS))
@pytest.mark.parametrize("lb", ["C", "reversed", "row"])
@pytest.mark.parametrize("dtypes", [(np.float64, np.int32), (np.uint8, np.complex64), (np.bool_, np.float32)],
                         ids=lambda d: "-".join(map(DTYPE_IDS, d)))
def test_tuple_of_arrays_of_different_dtypes_and_layouts(la, lb, dtypes):
    rng = np.random.default_rng(11)
    a = LAYOUTS[la](sample(dtypes[0], (4, 6), rng, low=0, high=5))
    b = LAYOUTS[lb](sample(dtypes[1], (4, 6), rng, low=0, high=5))
    jf, _ = check("""
        def f(p, k):
            a, b = p
            return a, b[-1], p[1], k, a.shape, b.ndim, len(p)
    """, (a, b), 3)
    got = jf((a, b), 3)
    assert np.shares_memory(got[0], a) and np.shares_memory(got[2], b)


@pytest.mark.parametrize("ndim_b", [1, 2])
def test_writes_through_tuple_items_reach_the_arguments(ndim_b):
    x = np.zeros(4, dtype=np.int16)[::-1]
    y = np.asfortranarray(np.ones((3, 2), np.float32)) if ndim_b == 2 else np.ones(5, np.float32)[::2]
    source = """
        def f(p):
            x, y = p
            x[1] = 7
            y[0] = 8
            return x[1] + y[-1{}]
    """.format(", -1" if ndim_b == 2 else "")
    check(source, (x, y))
    _, jf = compiled(source)
    jf((x, y))
    assert x[1] == 7 and np.all(y[0] == 8)


def test_many_items_in_a_tuple_argument():
    """More argument words than the dispatcher's stack buffer holds."""
    arrs = tuple(np.arange(6.0).reshape(2, 3)[:, ::-1] + k for k in range(12))
    check("""
        def f(t):
            s = 0.0
            for x in t:
                s = s * 0.5 + x[0, 1]
                x[1, 0] = s
            return s, t
    """, arrs)
    check("""
        def f(t):
            s = 0
            for i, x in enumerate(t):
                s = (s * 3 + x * i) % 1000003
            return s, t, t[17], t[-3]
    """, tuple(range(40)))


def test_a_returned_tuple_item_outlives_the_argument_tuple():
    _, jf = compiled("""
        def f(p):
            a, k = p
            return a, k
    """)
    got, k = jf((np.arange(5.0) * 2, 1))
    gc.collect()
    np.testing.assert_array_equal(got, np.arange(5.0) * 2)
    assert k == 1


def test_tuples_passed_between_jit_functions():
    inner = njit(make_function("""
        def inner(t):
            a, (b, c) = t
            return a * b + c
    """))
    source = """
        def outer(x, y):
            s = 0.0
            for i, (v, w) in enumerate(zip(x, y)):
                s += inner((i, (v, w)))
            return s
    """
    py = make_function(source, {"inner": inner.py_func})
    jf = njit(make_function(source, {"inner": inner}))
    x, y = np.arange(4), np.linspace(0, 1, 5)
    assert_same(jf(x, y), py(x, y))


def test_readonly_array_in_a_tuple_is_read():
    ro = np.arange(6.0)
    ro.flags.writeable = False
    check("""
        def f(p):
            a, n = p
            s = 0.0
            for x in a:
                s += x * n
            return s, a
    """, (ro, 2))


@pytest.mark.parametrize("shape", [(2, 3), (0, 4), (5,), (2, np.int64(3), 1), (np.int32(2), 2)], ids=repr)
@pytest.mark.parametrize("fn", ["np.zeros(shape)", "np.ones(shape, dtype=np.int8)", "np.empty(shape).shape",
                                "np.full(shape, 2.5)"])
def test_tuple_argument_as_a_shape(shape, fn):
    check(f"""
        def f(shape):
            return {fn}
    """, shape)


def test_empty_tuple_argument_as_a_shape():
    check("""
        def f(shape):
            return np.zeros(shape), len(shape)
    """, ())


@pytest.mark.parametrize("p", [(1, (2.5, 3)), (np.arange(3), (np.float32(2), True))], ids=["numbers", "array"])
def test_unpacking_nested_tuple_arguments(p):
    check("""
        def f(p):
            a, (b, c) = p
            (x, y), z = (b, c), a
            return z, x, y, len(p), len(p[1])
    """, p)


def test_one_specialisation_per_tuple_item_types():
    f = njit(make_function("""
        def f(p):
            a, b = p
            return b, a
    """))
    assert f((1, 2.5)) == (2.5, 1)
    assert f((3, 4.5)) == (4.5, 3)
    assert len(f.signatures) == 1
    assert f((1, 2)) == (2, 1)
    assert len(f.signatures) == 2
    assert f((1.5, 2)) == (2, 1.5)
    assert len(f.signatures) == 3
    assert f(((1, 2), 3)) == (3, (1, 2))
    assert len(f.signatures) == 4
    assert f((np.int32(1), 2.5)) == (2.5, 1)
    assert len(f.signatures) == 5
    assert f((True, 2.5)) == (2.5, True)
    assert len(f.signatures) == 6
    a, b = np.arange(3.0), np.arange(4.0)
    f((a, 1))
    assert len(f.signatures) == 7
    f((b, 2))  # the same types again
    assert len(f.signatures) == 7
    f((a[::-1], 1))  # another layout
    assert len(f.signatures) == 8
    f((a.astype(np.float32), 1))  # another dtype
    assert len(f.signatures) == 9
    f(((1, 2), 3))
    f((1, 2.5))
    f((np.int64(7), 8))  # np.int64 and int are both int64
    assert len(f.signatures) == 9, f.signatures


@pytest.mark.parametrize("p, what", [
    ((1, "a"), "str"), (("a",), "str"), ((1, [1, 2]), "list"), ((None,), "tuple holding None"),
    ((np.arange(2), (1, None)), "tuple holding None"), (((1, 2), {}), "dict"),
], ids=["str", "only-str", "list", "None", "nested-None", "dict"])
def test_tuple_with_an_unsupported_object_is_a_type_error_naming_the_parameter(p, what):
    py, jf = compiled("""
        def f(x, param):
            return x
    """)
    assert py(1, p) == 1
    with pytest.raises(TypeError, match=rf"argument 'param' is a {what}"):
        jf(1, p)
    assert jf.signatures == []


# ---------------------------------------------------------------------------
# 7. compile errors

ERRORS = [
    pytest.param("""
        def f(a):
            e = enumerate(a)
            return 1
    """, (np.arange(3),), UnsupportedError, r"enumerate\(\) is only supported as the iterable of a for loop", 2,
        id="enumerate-outside-for"),
    pytest.param("""
        def f(a):
            n = 0
            for x in a:
                it = enumerate(a)
                n += 1
            return n
    """, (np.arange(3),), UnsupportedError, r"enumerate\(\) is only supported as the iterable of a for loop", 4,
        id="enumerate-in-loop-body"),
    pytest.param("""
        def f(a):
            z = zip(a, a)
            return 1
    """, (np.arange(3),), UnsupportedError, r"zip\(\) is only supported as the iterable of a for loop", 2,
        id="zip-outside-for"),
    pytest.param("""
        def f(a):
            n = 0
            for x in zip():
                n += 1
            return n
    """, (np.arange(3),), TypingError, r"zip\(\) takes one or more iterables", 3, id="zip-no-arguments"),
    pytest.param("""
        def f(a, b):
            s = 0
            for x, y in zip(a, b, strict=True):
                s += x * y
            return s
    """, (np.arange(3), np.arange(3)), TypingError, r"strict= is not supported", 3, id="zip-strict"),
    pytest.param("""
        def f(a):
            s = 0
            for i, x in enumerate(a, 1, 2):
                s += i
            return s
    """, (np.arange(3),), TypingError, r"enumerate\(\) takes an iterable and a start", 3,
        id="enumerate-three-arguments"),
    pytest.param("""
        def f(a):
            s = 0
            for i, x in enumerate(a, begin=1):
                s += i
            return s
    """, (np.arange(3),), TypingError, r"enumerate\(\) takes an iterable and a start", 3,
        id="enumerate-bad-keyword"),
    pytest.param("""
        def f(t):
            s = 0.0
            for x in t:
                s += x
            return s
    """, ((1, 2.5),), TypingError, r"different types \(int64 and float64\).*loop over a tuple variable", 3,
        id="loop-over-mixed-tuple-argument"),
    pytest.param("""
        def f(n):
            t = (n, 2.5)
            s = 0.0
            for x in t:
                s += x
            return s
    """, (1,), TypingError, r"different types.*loop over a tuple variable", 4, id="loop-over-mixed-tuple-built-inside"),
    pytest.param("""
        def f(t, a):
            s = 0.0
            for x in t:
                s += x
            return s
    """, ((1, np.arange(2)), 0), TypingError, r"different types", 3, id="loop-over-number-and-array"),
    pytest.param("""
        def f(t, i):
            return t[i]
    """, ((1, 2.5), 0), TypingError, r"different types \(int64 and float64\) takes only constant indices", 2,
        id="runtime-index-mixed-tuple"),
    pytest.param("""
        def f(n, i):
            t = (n, 1j)
            return t[i]
    """, (1, 0), TypingError, r"takes only constant indices", 3, id="runtime-index-mixed-tuple-built-inside"),
    pytest.param("""
        def f(t, a):
            s = 0.0
            for i, x in enumerate(t):
                s += x
            return s
    """, ((1, 2.5), 0), TypingError, r"different types", 3, id="enumerate-of-mixed-tuple-variable"),
    pytest.param("""
        def f(t, u):
            s = 0.0
            for x, y in zip(t, u):
                s += x * y
            return s
    """, ((1, 2), (1.5, 2)), TypingError, r"different types", 3, id="zip-of-mixed-tuple-variable"),
    pytest.param("""
        def f(t, x):
            return t[x]
    """, ((1, 2), 0.5), TypingError, r"tuple index must be an integer", 2, id="float-tuple-index"),
]


@pytest.mark.parametrize("source, args, exc, pattern, line", ERRORS)
def test_compile_errors_name_the_construct_and_the_line(source, args, exc, pattern, line):
    f = njit(make_function(source))
    with pytest.raises(Exception) as info:
        f(*args)
    assert_clear_error(info.value, exc, pattern, f.py_func, source, line)
    assert f.signatures == []
