"""@jit on functions of scalars: results (and exceptions) equal the Python
function's, for Python numbers and NumPy scalars of every dtype, one
specialisation per argument types, Python scalar results as Numba returns
them."""

import math

import numpy as np
import pytest

from conftest import ALL_DTYPES, make_function
from jitufunc import jit, njit

# (source, argument tuples): every case is called on each argument tuple
# and must return what the Python function returns.
CASES = {
    "arith": ("""
        def f(a, b):
            return a * b + a - b * 3
    """, [(1, 2), (-7, 3), (1.5, -2.25), (2.0, 3), (1j, 2.5), (3, 1 + 2j), (True, 5), (7, 0.5)]),
    "division": ("""
        def f(a, b):
            return a / b, a // b, a % b
    """, [(7, 2), (-7, 2), (7, -2), (-7.5, 2.0), (7.25, -0.5), (1, 3.0), (0, 5)]),
    "power": ("""
        def f(a, b):
            return a ** b
    """, [(2, 10), (3, 0), (2.0, -2), (2.0, 0.5), (-8.0, 3), (1j, 2)]),
    "compare_logic": ("""
        def f(a, b):
            return (a < b and b < 10) or a == b, not a, a != b
    """, [(1, 2), (5, 5), (3.5, 2.0), (0, 1), (-1.0, 20.0)]),
    "python_bools": ("""
        def f(a, b):
            return a + b, a & b, a | b, a ^ b, -a, a * 3
    """, [(True, True), (True, False), (False, False)]),
    "branches": ("""
        def f(x):
            if x < 0:
                y = -x
            elif x < 10:
                y = x * x
            else:
                y = 100
            return y
    """, [(-3,), (4,), (12,), (-2.5,), (9.5,)]),
    "while_break_continue": ("""
        def f(n):
            steps = 0
            while n != 1:
                if steps > 500:
                    break
                steps += 1
                if n % 2 == 0:
                    n = n // 2
                    continue
                n = 3 * n + 1
            return steps
    """, [(1,), (6,), (27,), (97,)]),
    "for_range_else": ("""
        def f(n, k):
            total = 0
            for i in range(2, n, 3):
                if i == k:
                    break
                total += i
            else:
                total = -total
            return total
    """, [(20, 11), (20, 7), (1, 0), (30, 100)]),
    "math_functions": ("""
        def f(x):
            return math.sqrt(abs(x)) + math.exp(-x * x) - math.log1p(abs(x)) + math.cos(x) ** 2
    """, [(0.5,), (-2.0,), (3,), (0,)]),
    "complex_parts": ("""
        def f(x, y):
            c = complex(x, y)
            z = c * c + 1.0
            return z.real, z.imag, abs(z), z.conjugate()
    """, [(1.0, 2.0), (-0.5, 0.25), (3, 4)]),
    "min_max_round": ("""
        def f(a, b):
            return min(a, b), max(a, b, 0), abs(a - b), round(a * 0.5)
    """, [(3, 8), (-4, -9), (2.5, -1.5)]),
    "tuples": ("""
        def f(a, b):
            t = (b, a)
            x, y = t
            return (x, (y, x + y)), len(t)
    """, [(1, 2.5), (3, 4)]),
    "early_returns": ("""
        def f(x):
            for i in range(100):
                if i * i > x:
                    return i
            return -1
    """, [(0,), (50,), (99,), (100000,)]),
    "returns_none": ("""
        def f(x):
            y = x + 1
    """, [(1,), (2.0,)]),
    "mandel": ("""
        def f(x, y, max_iters):
            c = complex(x, y)
            z = 0.0j
            for i in range(max_iters):
                z = z * z + c
                if (z.real * z.real + z.imag * z.imag) >= 4:
                    return i
            return 255
    """, [(0.0, 0.0, 50), (1.0, 1.0, 50), (-0.75, 0.1, 100), (0.3, 0.5, 20)]),
}


def _same(actual, expected):
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), (actual, expected)
        for a, e in zip(actual, expected):
            _same(a, e)
        return
    if expected is None:
        assert actual is None
        return
    # Python scalar results, as Numba returns them.
    expected_type = {np.bool_: bool, bool: bool}.get(type(expected))
    if isinstance(expected, (bool, np.bool_)):
        assert type(actual) is bool, (actual, expected)
    elif isinstance(expected, (int, np.integer)):
        assert type(actual) is int, (actual, expected)
    elif isinstance(expected, (float, np.floating)):
        assert type(actual) is float, (actual, expected)
    else:
        assert type(actual) is complex, (actual, expected)
    del expected_type
    if isinstance(expected, (complex, np.complexfloating)):
        assert cmath_close(actual, complex(expected)), (actual, expected)
    elif isinstance(expected, (float, np.floating)) and not math.isfinite(expected):
        assert (math.isnan(actual) and math.isnan(expected)) or actual == expected, (actual, expected)
    else:
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-300), (actual, expected)


def cmath_close(a, b):
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


@pytest.mark.parametrize("name", sorted(CASES))
def test_results_equal_the_python_function(name):
    source, calls = CASES[name]
    py = make_function(source)
    compiled = njit(py)
    for args in calls:
        _same(compiled(*args), py(*args))


def test_each_argument_type_combination_gets_one_specialisation():
    f = njit(make_function("""
        def f(a, b):
            return a + b
    """))
    assert f(1, 2) == 3 and f(1.5, 2) == 3.5 and f(1, 2) == 3
    assert f.signatures == ["int64(pyint, pyint)", "float64(pyfloat, pyint)"]
    f(np.float32(1.5), np.float32(2))
    assert "float32(float32, float32)" in f.signatures
    assert len(f.signatures) == 3


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_scalars_keep_their_dtype(dtype):
    py = make_function("""
        def f(a, b):
            return a * b + a
    """)
    f = njit(py)
    a, b = np.array([3, 2]).astype(dtype)
    with np.errstate(all="ignore"):
        expected = py(a, b)
    got = f(a, b)
    if np.dtype(dtype).kind == "c":
        assert got == complex(expected)
    elif np.dtype(dtype).kind == "f":
        assert got == float(expected)
    else:
        assert got == expected.item()
    # NumPy's promotion inside: the specialisation is for the dtype.
    assert f.signatures[0].endswith(f"({np.dtype(dtype).name}, {np.dtype(dtype).name})")


def test_numpy_bools_follow_numpy_and_python_bools_follow_python():
    f = njit(make_function("""
        def f(a, b):
            return a + b
    """))
    assert f(True, True) == 2 and type(f(True, True)) is int
    assert f(np.True_, np.True_) is True


@pytest.mark.parametrize("args, message", [
    ((1, 0), "division by zero"),
    ((1.0, 0.0), "division by zero"),
    ((-0.0, -0.0), "division by zero"),
])
def test_true_division_by_zero_raises_like_python(args, message):
    f = njit(make_function("""
        def f(a, b):
            return a / b
    """))
    with pytest.raises(ZeroDivisionError, match=message):
        f(*args)


@pytest.mark.parametrize("op", ["//", "%"])
@pytest.mark.parametrize("args", [(7, 0), (7.5, 0.0), (np.int8(3), np.int8(0)), (np.uint32(3), np.uint32(0))])
def test_floor_division_and_modulo_by_zero_raise(op, args):
    py = make_function(f"""
        def f(a, b):
            return a {op} b
    """)
    f = njit(py)
    with pytest.raises(ZeroDivisionError):
        f(*args)
    # From a loop inside too, after work was done.
    g = njit(make_function(f"""
        def g(n, d):
            s = 0
            for i in range(n):
                s += i {op} (d - i + 3)
            return s
    """))
    with pytest.raises(ZeroDivisionError):
        g(10, 5)
    assert g(2, 5) == 0 + (1 // 7 if op == "//" else 1 % 7)


def test_error_model_numpy_gives_inf_and_zero():
    f = jit(error_model="numpy")(make_function("""
        def f(a, b):
            return a / b, a // b
    """))
    with np.errstate(all="ignore"):
        assert f(1.0, 0.0)[0] == math.inf
        assert f(7, 0)[1] == 0


def test_a_zero_division_in_a_called_function_propagates():
    inner = njit(make_function("""
        def inner(a, b):
            return a // b
    """))
    outer = njit(make_function("""
        def outer(n):
            s = 0
            for i in range(n):
                s += inner(10, 3 - i)
            return s + 1000
    """, {"inner": inner}))
    assert outer(3) == 10 // 3 + 10 // 2 + 10 // 1 + 1000
    with pytest.raises(ZeroDivisionError):
        outer(5)


def test_calls_between_jit_functions_are_specialised():
    square = njit(make_function("""
        def square(v):
            return v * v
    """))
    f = njit(make_function("""
        def f(x):
            return square(x) + square(2 * x)
    """, {"square": square}))
    assert f(3) == 45 and type(f(3)) is int
    assert f(1.5) == 11.25


def test_keyword_and_default_arguments_bind_like_python():
    py = make_function("""
        def f(a, b=3, c=0.5):
            return a * b + c
    """)
    f = njit(py)
    for args, kwargs in [((2,), {}), ((2, 5), {}), ((2,), {"c": 1.0}), ((), {"a": 1, "b": 2, "c": 3.0})]:
        assert f(*args, **kwargs) == py(*args, **kwargs)
    with pytest.raises(TypeError, match="missing required argument: 'a'"):
        f(b=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'd'"):
        f(1, d=2)
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        f(1, a=2)
    with pytest.raises(TypeError, match="takes 3 positional arguments but 4 were given"):
        f(1, 2, 3, 4)


def test_python_int_out_of_int64_range_is_an_overflow_error():
    f = njit(make_function("""
        def f(a):
            return a + 1
    """))
    with pytest.raises(OverflowError):
        f(2 ** 63)
    assert f(2 ** 63 - 2) == 2 ** 63 - 1


def test_int64_arithmetic_wraps_like_numba():
    f = njit(make_function("""
        def f(a):
            return a * 4
    """))
    assert f(2 ** 62) == 0


def test_disable_jit_returns_the_python_function(monkeypatch):
    monkeypatch.setenv("JITUFUNC_DISABLE_JIT", "1")
    py = make_function("""
        def f(a):
            return a + 1
    """)
    assert njit(py) is py
    assert jit(cache=True)(py) is py


BIG = 2 ** 63 - 1


@pytest.mark.parametrize("start, stop, step", [
    (0, 10, 1), (10, 0, -1), (3, 17, 4), (17, 3, -4), (5, 5, 1), (5, 4, 1), (4, 5, -1),
    (-10, 10, 3), (10, -10, -3), (0, 1, BIG), (0, -1, -BIG), (-5, 5, 2 ** 62),
    # The loop variable's next value would pass the int64 limits: Python
    # stops, a wrapping counter would run on.
    (BIG - 10, BIG, 3), (-BIG + 10, -BIG - 1, -3), (0, BIG, 2 ** 62), (-BIG - 1, BIG, 2 ** 62),
])
def test_range_loops_count_like_python(start, stop, step):
    py = make_function("""
        def f(start, stop, step):
            n = 0
            last = 0
            first = 0
            for i in range(start, stop, step):
                if n == 0:
                    first = i
                n += 1
                last = i
            return n, first, last
    """)
    assert njit(py)(start, stop, step) == py(start, stop, step)


def test_range_with_a_zero_step_raises_value_error_like_python():
    py = make_function("""
        def f(step):
            n = 0
            for i in range(0, 10, step):
                n += 1
            return n
    """)
    with pytest.raises(ValueError, match="range\\(\\) arg 3 must not be zero"):
        njit(py)(0)
    with pytest.raises(ValueError, match="range\\(\\) arg 3 must not be zero"):
        py(0)
    assert njit(py)(3) == py(3) == 4


def test_range_loop_variable_keeps_its_last_value_after_the_loop():
    py = make_function("""
        def f(n, stop_at):
            i = -1
            for i in range(n):
                if i == stop_at:
                    break
            else:
                i = i * 10
            return i
    """)
    for args in [(5, 2), (5, 9), (0, 0), (1, 0)]:
        assert njit(py)(*args) == py(*args), args


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_uint64_against_a_python_int_argument_compares_exactly_as_numpy(op):
    # The Python int is known only at run time (an argument); NumPy 2
    # compares exactly, a negative one is below every uint64.
    import operator
    ns = {}
    exec(f"def f(x, v):\n    return x {op} v, v {op} x\n", ns)
    f = njit(ns["f"])
    py = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}[op]
    for x in [0, 1, 3, 2**63, 2**64 - 1]:
        for v in [-2**63, -1, 0, 1, 3, 2**63 - 1]:
            want = (bool(py(np.uint64(x), v)), bool(py(v, np.uint64(x))))
            assert tuple(bool(r) for r in f(np.uint64(x), v)) == want, (x, v)
