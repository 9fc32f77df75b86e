"""Values @jit functions gained: ``None`` (as an argument, a default, a
return value and in ``is None`` tests the types decide), ``sum()`` of
ranges, arrays and tuples, ``a.dtype`` (as ``dtype=`` and in ``==``),
``locals=`` type declarations, and global NumPy arrays read as constants.

Every result is compared with the plain Python function called on the same
inputs: the value and its Python type (a NumPy scalar result of the Python
function is expected to come back as the Python number it holds), arrays by
value, shape and dtype.

Global arrays are frozen when the function is compiled, as Numba does: the
compiled code keeps the values the array had at the first call, so an
in-place change of the global afterwards is not seen (the Python function
sees it); writing to a global inside is a compile error, and a returned
global (or a view of one) is a fresh copy, never the global's memory.
"""

import cmath
import math

import numpy as np
import pytest

from conftest import ALL_DTYPES, make_function
from jitufunc import jit, njit
from jitufunc.errors import OptionError, TypingError, UnsupportedError

# ---------------------------------------------------------------------------
# helpers


def as_python(v):
    """What a compiled function gives for ``v`` (a NumPy scalar becomes the
    Python number it holds)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def assert_same(got, want):
    """``got`` equals ``want`` (the Python function's result) in value and
    type; arrays in value, shape and dtype; tuples item by item."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple), (got, want)
        assert len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert_same(g, w)
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), (got, want)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape, (got.shape, want.shape)
        np.testing.assert_array_equal(got, want)
        return
    if want is None:
        assert got is None, got
        return
    want = as_python(want)
    assert type(got) is type(want), f"{got!r} ({type(got).__name__}) vs {want!r} ({type(want).__name__})"
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want, (got, want)


def both(source, globals_=None, **options):
    """The Python function defined by ``source`` and its @njit version."""
    py = make_function(source, globals_)
    return py, njit(**options)(py)


def check(source, *args, globals_=None, **options):
    py, jf = both(source, globals_, **options)
    want = py(*args)
    got = jf(*args)
    assert_same(got, want)
    return jf


def compile_error(source, args, exc, pattern, globals_=None, **options):
    py = make_function(source, globals_)
    with pytest.raises(exc, match=pattern) as info:
        njit(**options)(py)(*args)
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"


def dt_id(dt):
    return np.dtype(dt).name


LAYOUTS = {
    "C": lambda a: a,
    "strided": lambda a: np.repeat(a, 2)[::2],
    "reversed": lambda a: a[::-1].copy()[::-1],
}


# ---------------------------------------------------------------------------
# 1. None

SCALARS_AND_NONE = [None, 0, 3, -7, 2.5, 0.0, -0.0, float("nan"), 1j, True, False]


@pytest.mark.parametrize("x", SCALARS_AND_NONE, ids=repr)
def test_is_none_and_eq_none_of_none_and_numbers(x):
    check("""
        def f(x):
            return x is None, x is not None, x == None, x != None, None is x, None == x
    """, x)


@pytest.mark.parametrize("x", [None, 0, 1, -2.5, 0.0, True, False], ids=repr)
def test_passing_none_or_a_number_to_the_same_function(x):
    check("""
        def f(x):
            if x is None:
                return -1.0
            return x * 2.0
    """, x)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.float64, np.complex128], ids=dt_id)
def test_is_none_of_arrays(dtype, layout):
    a = LAYOUTS[layout](np.arange(5).astype(dtype))
    check("""
        def f(a):
            return a is None, a is not None, None is a
    """, a)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_array_eq_none_is_refused_rather_than_answered_wrongly(shape):
    """NumPy compares `a == None` elementwise; until array comparisons are
    compiled, it is a clear error (never a single bool)."""
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    f = make_function("""
        def f(a):
            return a == None
    """)
    assert f(a).shape == shape
    with pytest.raises(UnsupportedError, match="compares elementwise in NumPy"):
        njit(f)(a)


OUT_SOURCE = """
    def f(a, out=None):
        if out is None:
            out = np.empty_like(a)
        for i in range(a.shape[0]):
            out[i] = a[i] * 2 + 1
        return out
"""


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.float64, np.complex128], ids=dt_id)
def test_default_out_none_allocates(dtype, layout):
    py, jf = both(OUT_SOURCE)
    a = LAYOUTS[layout](np.arange(6).astype(dtype))
    assert_same(jf(a), py(a))
    assert_same(jf(a, None), py(a, None))
    assert_same(jf(a, out=None), py(a, out=None))


@pytest.mark.parametrize("out_layout", ["C", "strided"])
@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float64], ids=dt_id)
def test_out_given_is_written_in_place_and_returned(dtype, out_layout):
    py, jf = both(OUT_SOURCE)
    a = np.arange(6).astype(dtype)
    want_out = LAYOUTS[out_layout](np.zeros(6, dtype))
    want = py(a, want_out)
    got_out = LAYOUTS[out_layout](np.zeros(6, dtype))
    got = jf(a, got_out)
    np.testing.assert_array_equal(got_out, want_out)  # written in place
    assert got_out.dtype == want_out.dtype
    assert_same(got, want)
    assert np.shares_memory(got, got_out), "the returned array is not the out array"
    got[0] = 42
    assert got_out[0] == 42
    again = LAYOUTS[out_layout](np.zeros(6, dtype))
    assert_same(jf(a, out=again), want)
    np.testing.assert_array_equal(again, want_out)
    assert len(jf.signatures) == 1


def test_out_given_is_returned_as_the_same_object():
    _, jf = both(OUT_SOURCE)
    a = np.arange(4.0)
    out = np.zeros(4)
    assert jf(a, out) is out


@pytest.mark.parametrize("x", [-3, 0, 5, 2.5, None], ids=repr)
def test_return_none_explicit_bare_and_implicit(x):
    py, jf = both("""
        def f(x):
            if x is None:
                return
            if x > 0:
                return None
            elif x < 0:
                return
    """)
    assert py(x) is None
    assert jf(x) is None


@pytest.mark.parametrize("x", [1, 2.5, None])
def test_returning_none_on_every_path(x):
    for source in ("""
        def f(x):
            return None
    """, """
        def f(x):
            return
    """, """
        def f(x):
            y = x
    """):
        py, jf = both(source)
        assert py(x) is None
        assert jf(x) is None


@pytest.mark.parametrize("x", [None, 3, 2.5])
def test_print_none(x, capsys):
    py, jf = both("""
        def f(x):
            print(None)
            print(None, x, None)
            print(x is None, None)
            y = None
            print(y)
    """)
    py(x)
    want = capsys.readouterr().out
    jf(x)
    got = capsys.readouterr().out
    assert got == want
    assert "None" in got


@pytest.mark.parametrize("x", [None, 0, 3, 0.0, -1.5, True, False], ids=repr)
def test_truth_of_none_is_false(x):
    check("""
        def f(x):
            if x:
                r = 1
            else:
                r = 2
            return r, not x, bool(x)
    """, x)


def test_dead_branches_the_types_decide_give_two_specialisations():
    py, jf = both("""
        def f(x, y):
            if y is not None:
                return x + y
            return 1.5
    """)
    for x, y in [(1.0, None), (-3.5, None), (1.0, 2.0), (0.25, -8.0)]:
        assert_same(jf(x, y), py(x, y))
    assert len(jf.signatures) == 2, jf.signatures


@pytest.mark.parametrize("x", [None, 1.5, -3.0, 0.0], ids=repr)
def test_none_reassigned_in_a_pruned_branch(x):
    check("""
        def f(x):
            if x is None:
                x = 0.5
            return x * 4.0
    """, x)
    check("""
        def f(x):
            return x if x is not None else 0.5
    """, x)


@pytest.mark.parametrize("n", [0, 1, 7, 50, 1000])
def test_while_true_with_return_inside(n):
    check("""
        def f(n):
            i = 0
            while True:
                i += 1
                if i * i > n:
                    return i
    """, n)
    check("""
        def f(n):
            total = 0.0
            while True:
                for i in range(3):
                    total += i + n
                    if total > 100:
                        return total
                if n < 0:
                    return -1.0
    """, n)
    check("""
        def f(n):
            i = 0
            while True:
                if i >= n:
                    break
                i += 3
            return i
    """, n)


G_SOURCE = """
    def g(x, k=None):
        if k is None:
            return x * 2.0
        return x + k
"""


@pytest.mark.parametrize("x", [1.5, -2.0, 0.0])
def test_passing_none_to_another_njit_function(x):
    g_py = make_function(G_SOURCE)
    g_jit = njit(g_py)
    source = """
        def f(x):
            return g(x, None), g(x, 3.0), g(x, None) + g(x, 1.0)
    """
    want = make_function(source, {"g": g_py})(x)
    got = njit(make_function(source, {"g": g_jit}))(x)
    assert_same(got, want)


def test_default_none_left_out_in_a_call_from_another_njit_function():
    g_py = make_function(G_SOURCE)
    source = """
        def f(x):
            return g(x)
    """
    want = make_function(source, {"g": g_py})(1.5)
    got = njit(make_function(source, {"g": njit(g_py)}))(1.5)
    assert_same(got, want)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_is_with_a_number_is_refused():
    compile_error("""
        def f(x):
            return x is 3
    """, (1,), UnsupportedError, "only supported with None")


def test_none_and_float_on_two_paths_cannot_be_combined():
    compile_error("""
        def f(c):
            if c > 0:
                y = None
            else:
                y = 1.5
            return y
    """, (1,), TypingError, "cannot be combined")


@pytest.mark.parametrize("body", ["t = (x, None)\n    return x", "return x, None", "return (None,)"])
def test_tuple_holding_none_inside_is_refused(body):
    compile_error(f"""
def f(x):
    {body}
""", (1,), UnsupportedError, "tuple holding None")


@pytest.mark.parametrize("arg", [(1, None), (None,), (None, 2.5, None)], ids=repr)
def test_tuple_argument_holding_none_is_refused(arg):
    _, jf = both("""
        def f(t):
            return 1
    """)
    with pytest.raises(TypeError, match="tuple holding None"):
        jf(arg)


# ---------------------------------------------------------------------------
# 2. sum()


@pytest.mark.parametrize("n", [0, 1, 10, 1000, -5])
def test_sum_of_range(n):
    py, jf = both("""
        def f(n):
            return sum(range(n))
    """)
    assert_same(jf(n), py(n))


@pytest.mark.parametrize("abs_", [
    (0, 10, 3), (10, 0, -1), (10, -5, -3), (5, 5, 1), (0, 5, -1), (-50, 50, 7), (50, -50, -7),
    (3, 4, 100), (100, 0, -100),
], ids=repr)
def test_sum_of_range_with_step(abs_):
    check("""
        def f(a, b, s):
            return sum(range(a, b, s))
    """, *abs_)


SUM_DTYPES = [np.int32, np.int64, np.float32, np.float64, np.complex128, np.bool_]


@pytest.mark.parametrize("view", ["contiguous", "strided", "reversed", "empty"])
@pytest.mark.parametrize("dtype", SUM_DTYPES, ids=dt_id)
def test_sum_of_1d_array(dtype, view, rng):
    if np.dtype(dtype).kind == "b":
        base = rng.integers(0, 2, 11).astype(dtype)
    else:
        base = rng.uniform(-20, 20, 11).astype(dtype)
        if np.dtype(dtype).kind == "c":
            base = base + 1j * np.arange(11)
    a = {"contiguous": base, "strided": base[::2], "reversed": base[::-1], "empty": base[:0]}[view]
    py, jf = both("""
        def f(a):
            return sum(a)
    """)
    want, got = py(a), jf(a)
    assert got == as_python(want), (got, want)  # Python's own NumPy scalar arithmetic, exactly
    if len(a):
        assert type(got) is type(as_python(want)), (got, want)


@pytest.mark.parametrize("a", [
    np.full(10, 100, np.int8), np.full(10, 100, np.uint8), np.full(3, 2**30, np.int32),
    np.array([1e8, 1, 1, 1, 1], np.float32), np.ones(300, np.bool_), np.full(5, 0.1, np.float16),
], ids=lambda a: a.dtype.name)
def test_sum_of_array_accumulates_in_the_dtype_like_python(a):
    """Python's sum adds NumPy scalars: small ints wrap, float32 rounds."""
    py, jf = both("""
        def f(a):
            return sum(a)
    """)
    with np.errstate(over="ignore"):
        want = py(a)
    assert_same(jf(a), want)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.float64], ids=dt_id)
def test_sum_with_start(dtype):
    a = np.arange(6).astype(dtype)
    for source in ("""
        def f(a):
            return sum(a, 1.5)
    """, """
        def f(a):
            return sum(a, 2)
    """, """
        def f(a):
            return sum(a, start=1j)
    """):
        check(source, a)
    py, jf = both("""
        def f(a):
            return sum(a, 1.5)
    """)
    assert jf(a[:0]) == py(a[:0]) == 1.5


@pytest.mark.parametrize("n", [0, 1, 4, 100])
def test_sum_of_range_with_float_start(n):
    py, jf = both("""
        def f(n):
            return sum(range(n), start=0.5)
    """)
    assert_same(jf(n), py(n))
    check("""
        def f(n):
            return sum(range(n), 2**40)
    """, n)


def test_sum_of_tuple_literals():
    check("""
        def f(n):
            return sum((1, 2, 3)), sum((1.0, 2.5)), sum((1, 2.5)), sum((True, True)), sum((n, n, 1)), sum((1j, 2.0))
    """, 4)


@pytest.mark.parametrize("t", [(1, 2, 3), (1.5, 2.0), (True, True, False), (1j, 2.5j), (7,), (2**62, 2**62 - 1)],
                         ids=repr)
def test_sum_of_homogeneous_tuple_argument(t):
    check("""
        def f(t):
            return sum(t), sum(t, 0.5)
    """, t)


@pytest.mark.parametrize("call", ["sum()", "sum(a, 1, 2)"])
def test_sum_with_wrong_arguments_is_a_typing_error(call):
    compile_error(f"""
def f(a):
    return {call}
""", (np.arange(3.0),), TypingError, r"sum\(\) takes an iterable")


def test_sum_of_generator_expression_is_refused():
    compile_error("""
        def f(n):
            return sum(i for i in range(n))
    """, (4,), UnsupportedError, "comprehensions")


# ---------------------------------------------------------------------------
# 3. a.dtype


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
def test_dtype_of_array_in_allocations(dtype):
    a = (np.arange(3) % 2).astype(dtype)
    b = np.arange(4, dtype=np.float32)
    check("""
        def f(a):
            return (np.zeros(3, a.dtype), np.zeros(3, dtype=a.dtype), np.ones((2, 2), a.dtype),
                    np.full(3, 7, a.dtype), np.zeros((2, 3), dtype=a.dtype))
    """, a)
    py, jf = both("""
        def f(a, b):
            return np.empty_like(b, dtype=a.dtype), np.empty_like(a, dtype=b.dtype)
    """)
    for got, want in zip(jf(a, b), py(a, b)):
        assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)


@pytest.mark.parametrize("src", ALL_DTYPES, ids=dt_id)
def test_astype_other_arrays_dtype(src):
    a = np.arange(5).astype(src)
    for dst in ALL_DTYPES:
        if np.dtype(src).kind == "c" and np.dtype(dst).kind != "c":
            continue  # complex to real is refused (NumPy warns and drops the imaginary part)
        b = np.zeros(2, dst)
        check("""
            def f(a, b):
                return a.astype(b.dtype)
        """, a, b)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
def test_dtype_equality(dtype):
    py, jf = both("""
        def f(a, b):
            return a.dtype == b.dtype, a.dtype != b.dtype, a.dtype == a.dtype, b.dtype != b.dtype
    """)
    a = np.zeros(3, dtype)
    for other in ALL_DTYPES:
        b = np.zeros((2, 2), other)[:, ::-1]
        assert_same(jf(a, b), py(a, b))


def test_returning_a_dtype_is_refused():
    for source in ("""
        def f(a):
            return a.dtype
    """, """
        def f(a):
            return (a.dtype,)
    """):
        compile_error(source, (np.zeros(3),), UnsupportedError, "cannot return a dtype")


@pytest.mark.parametrize("x", [np.float32(1.0), np.int16(-3), np.complex64(1j), np.bool_(True), np.uint64(5)],
                         ids=lambda x: type(x).__name__)
def test_dtype_of_a_numpy_scalar_argument(x):
    check("""
        def f(x):
            return np.zeros(3, dtype=x.dtype), np.full(2, 1, x.dtype)
    """, x)
    check("""
        def f(x, a):
            d = x.dtype
            return a.astype(d), a.dtype == x.dtype
    """, x, np.arange(3, dtype=np.int16))


# ---------------------------------------------------------------------------
# 4. locals=


@pytest.mark.parametrize("x", [0, 3, -7, 0.1, 1e10 + 0.3, 2**40 + 1, -2.675])
def test_locals_float32(x):
    py = make_function("""
        def f(x):
            y = x + 1
            return y
    """)
    got = njit(locals={"y": np.float32})(py)(x)
    assert type(got) is float
    assert got == float(np.float32(x + 1))


@pytest.mark.parametrize("x", [3.7, -3.7, 5, 2.0, 0.999])
def test_locals_converts_a_parameter_at_entry(x):
    py = make_function("""
        def f(x):
            return x * 2
    """)
    got = njit(locals={"x": np.int32})(py)(x)
    assert type(got) is int
    assert got == int(np.int32(x)) * 2


@pytest.mark.parametrize("t, want_type", [
    (np.float64, float), ("float64", float), (float, float), ("complex128", complex), (complex, complex),
    (np.float32, float),
], ids=repr)
def test_locals_accumulator(t, want_type):
    py = make_function("""
        def f(a):
            s = 0
            for v in a:
                s += v
            return s
    """)
    for a in (np.arange(5), np.arange(0), np.array([-3, 7, 11], np.int32)):
        got = njit(locals={"s": t})(py)(a)
        want = py(a)
        assert type(got) is want_type, (got, t)
        assert got == want


@pytest.mark.parametrize("t", [np.int8, np.uint8, np.int16, bool, np.float16, np.float32], ids=repr)
def test_locals_narrowing_plain_assignment(t):
    py = make_function("""
        def f(a):
            s = 0
            for v in a:
                s = s + v
            return s
    """)
    a = np.array([100, 100, 100, 100, 0.5, 1e-4])
    want = np.dtype(t).type(0)
    with np.errstate(over="ignore"):
        for v in a:
            want = np.dtype(t).type(want + v) if t is not bool else bool(want + v)
    assert_same(njit(locals={"s": t})(py)(a), want)


@pytest.mark.parametrize("t", [np.int8, bool, np.float32], ids=repr)
def test_locals_narrowing_augmented_assignment(t):
    py = make_function("""
        def f(a):
            s = 0
            for v in a:
                s += v
            return s
    """)
    a = np.array([100, 100, 100, 100, 0.5, 1e-4])
    want = np.dtype(t).type(0)
    with np.errstate(over="ignore"):
        for v in a:
            want = np.dtype(t).type(want + v) if t is not bool else bool(want + v)
    assert_same(njit(locals={"s": t})(py)(a), want)


def test_locals_not_a_dict():
    with pytest.raises(OptionError, match="locals is a dict"):
        jit(locals=[("s", float)])
    with pytest.raises(OptionError, match="locals is a dict"):
        njit(locals=("s",))


def test_locals_unknown_variable():
    py = make_function("""
        def f(x):
            y = x + 1
            return y
    """)
    with pytest.raises(OptionError, match="not a variable of"):
        njit(locals={"q": np.float32})(py)
    with pytest.raises(OptionError, match="not a variable of"):
        njit(locals={"y": np.float32, "zz": float})(py)


@pytest.mark.parametrize("t", ["float64[:]", "int32[:, :]", "nonsense"])
def test_locals_array_or_unknown_type(t):
    py = make_function("""
        def f(x):
            y = x + 1
            return y
    """)
    with pytest.raises(OptionError, match="locals take NumPy scalar types"):
        njit(locals={"y": t})(py)(1.0)


# ---------------------------------------------------------------------------
# 5. global NumPy arrays

GRID = np.arange(12.0).reshape(3, 4)
VEC = np.array([3, -1, 4, 1, -5, 9], dtype=np.int32)


def module_reader(i, j):
    return GRID[i, j] + VEC[j]


def module_looper():
    s = 0
    for v in VEC:
        s += v
    return s


@pytest.mark.parametrize("ij", [(0, 0), (1, 2), (2, 3), (-1, -2)], ids=repr)
def test_module_global_arrays(ij):
    assert_same(njit(module_reader)(*ij), module_reader(*ij))
    assert_same(njit(module_looper)(), module_looper())


@pytest.mark.parametrize("ij", [(0, 0), (1, 2), (2, 3), (-1, -4)], ids=repr)
def test_global_read_index_loop_and_slice(ij):
    g = {"G": np.arange(12.0).reshape(3, 4) ** 1.5, "V": np.arange(5, dtype=np.int32) * 3}
    check("""
        def f(i, j):
            s = 0
            for v in V:
                s += v
            return G[i, j], s, G[1:], G[i], G[:, j], V[::2], len(G), G.size, G.ndim, G.T[j, i]
    """, *ij, globals_=g)


def test_global_shape_through_a_variable():
    g = {"G": np.zeros((3, 4, 5))}
    check("""
        def f():
            a = G
            return a.shape, a.shape[1]
    """, globals_=g)


def test_global_shape_directly():
    g = {"G": np.zeros((3, 4, 5))}
    check("""
        def f():
            n, m, k = G.shape
            return G.shape, G.shape[0], n * m * k
    """, globals_=g)


def test_global_dtype_directly():
    g = {"G": np.zeros(3, np.float32)}
    check("""
        def f(a):
            return np.zeros(2, G.dtype), a.dtype == G.dtype
    """, np.zeros(2), globals_=g)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)], ids=repr)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
def test_global_of_every_dtype_and_rank(dtype, shape):
    n = int(np.prod(shape))
    A = ((np.arange(n) * 7) % 5 - 2).astype(dtype).reshape(shape)
    if np.dtype(dtype).kind == "c":
        A = np.asarray(A + np.asarray(1j, dtype) * np.arange(n).reshape(shape).astype(dtype), dtype)
    first = (0,) * len(shape)
    last = tuple(-1 for _ in shape)
    check(f"""
        def f():
            return A, A[{first!r}], A[{last!r}]
    """, globals_={"A": A})


@pytest.mark.parametrize("name", ["reversed-step", "fortran", "transposed", "column"])
def test_non_contiguous_globals(name):
    A = {
        "reversed-step": np.arange(10)[::-2],
        "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "transposed": np.arange(24, dtype=np.int16).reshape(2, 3, 4).T,
        "column": np.arange(12.0).reshape(3, 4)[:, 1],
    }[name]
    first = "A[k]" if A.ndim == 1 else "A[k, 0]" if A.ndim == 2 else "A[k, 0, 1]"
    check(f"""
        def f(i):
            s = 0.0
            for k in range(len(A)):
                s += {first}
            return A, A[i], A[-1], s, A[1:], A[::-1]
    """, 1, globals_={"A": A})


@pytest.mark.parametrize("body", ["G", "G[1]", "G[:, ::2]", "G.T"])
def test_returned_global_is_a_copy(body):
    G = np.arange(12.0).reshape(3, 4)
    py, jf = both(f"""
        def f():
            return {body}
    """, {"G": G})
    r1, r2 = jf(), jf()
    want = py()
    assert_same(r1, want)
    assert not np.shares_memory(r1, G)
    assert r1 is not r2
    assert not np.shares_memory(r1, r2)
    r1[...] = -1
    np.testing.assert_array_equal(G, np.arange(12.0).reshape(3, 4))
    assert_same(jf(), want)


def test_global_is_frozen_at_compile_time():
    """Numba's behaviour: a global array is a constant of the compiled code,
    so changing it in place (or rebinding the name) after the first call is
    not seen by the compiled function, while the Python function sees it."""
    G = np.arange(5.0)
    py, jf = both("""
        def f(i):
            return G[i], G
    """, {"G": G})
    assert_same(jf(0), py(0))
    before = G.copy()
    G[0] = 99
    assert py(0)[0] == 99.0
    got = jf(0)
    assert got[0] == 0.0
    np.testing.assert_array_equal(got[1], before)
    py.__globals__["G"] = np.full(5, -1.0)
    assert jf(0)[0] == 0.0


@pytest.mark.parametrize("body", [
    "G[0, 0] = 1.0", "G[0, 0] += 1.0", "G[:] = 0", "G[1] = G[0]", "x = G\n    x[0, 0] = 1.0",
    "x = G[0]\n    x[0] = 1.0", "x = G[:, ::2]\n    x[1, 1] = 2.0",
])
def test_writing_to_a_global_is_refused(body):
    compile_error(f"""
def f():
    {body}
""", (), TypingError, "read-only", globals_={"G": np.arange(12.0).reshape(3, 4)})


@pytest.mark.parametrize("arr, use", [
    (np.array([1, None], dtype=object), "return A[0]"),
    (np.array([1.5, 2.5], dtype=object), "return len(A)"),
    (np.array(["a", "bc"]), "return A[0]"),
    (np.array([b"a", b"bc"]), "return len(A)"),
    (np.arange(3, dtype=">f8"), "return A[1]"),
], ids=["object-None", "object-float", "str", "bytes", "big-endian"])
def test_unsupported_global_arrays(arr, use):
    compile_error(f"""
def f():
    {use}
""", (), UnsupportedError, "array of dtype", globals_={"A": arr})
