"""@jit errors: options are checked when decorating; the function is read
when decorating (bad syntax fails there), typed at the first call with new
argument types, and every compile error names the problem, the file, the
line and the source text; calls that fail to compile leave nothing behind."""

import gc
import os
import resource

import numpy as np
import pytest

from conftest import assert_clear_error, make_function, run_together
from jitufunc import jit, njit
from jitufunc.errors import OptionError, TypingError, UnknownNameError, UnsupportedError


def case(id, source, args, exc, pattern, line=None):
    return pytest.param(source, args, exc, pattern, line, id=id)


CASES = [
    case("unknown-name", """
        def f(x):
            return x + nope
    """, (1,), UnknownNameError, r"nope", 2),
    case("string-arithmetic", """
        def f(x):
            return x + "abc"
    """, (1,), UnsupportedError, r"'\+' of a string: kernels support strings only as constants", 2),
    case("set-literal", """
        def f(x):
            return {x, x}
    """, (1,), UnsupportedError, r"set literals", 2),
    case("try", """
        def f(x):
            try:
                return x
            except Exception:
                return 0
    """, (1,), UnsupportedError, r"try", 2),
    case("plain-python-call", """
        def helper(x):
            return x
        def f(x):
            return helper(x)
    """, (1,), UnsupportedError, r"plain Python function", 4),
    case("truth-of-array", """
        def f(a):
            if a:
                return 1
            return 0
    """, (np.zeros(3),), TypingError, r"truth value of an array is ambiguous", 2),
    case("too-many-indices", """
        def f(a):
            return a[0, 1]
    """, (np.zeros(3),), TypingError, r"too many indices", 2),
    case("float-index", """
        def f(a, x):
            return a[x]
    """, (np.zeros(3), 1.5), TypingError, r"integers", 2),
    case("unassigned", """
        def f(x):
            if x > 0:
                y = 1
            return y
    """, (1,), TypingError, r"'y' may be used before it is assigned", 4),
    case("mixed-returns", """
        def f(x):
            if x > 0:
                return (1, 2)
            return 1.5
    """, (1,), TypingError, r"returns", None),
    case("store-complex-into-float", """
        def f(a, z):
            a[0] = z
    """, (np.zeros(3), 1j), TypingError, r"cannot store a complex value", 2),
]


@pytest.mark.parametrize("source, args, exc, pattern, line", CASES)
def test_compile_errors_at_the_first_call_name_the_line(source, args, exc, pattern, line):
    f = njit(make_function(source))
    with pytest.raises(Exception) as info:
        f(*args)
    assert_clear_error(info.value, exc, pattern, f.py_func, source, line)
    # Nothing was registered; the same call fails the same way again.
    assert f.signatures == []
    with pytest.raises(exc):
        f(*args)


@pytest.mark.parametrize("options, pattern", [
    ({"nopython": False}, "object mode"),
    ({"forceobj": True}, "object mode"),
    ({"error_model": "c"}, "error_model"),
    ({"cache": "yes"}, "cache is True or False"),
    ({"inline": "sometimes"}, "inline"),
    ({"bogus": 1}, "unsupported option bogus"),
])
def test_bad_options_are_refused_when_decorating(options, pattern):
    with pytest.raises(OptionError, match=pattern):
        jit(**options)


def test_accepted_numba_options_compile():
    py = make_function("""
        def f(x):
            return x * 2
    """)
    for options in [{"nopython": True}, {"looplift": False}, {"inline": "always"}, {"parallel": True},
                    {"nogil": True}, {"fastmath": True}, {"cache": True}, {"forceobj": False}]:
        assert jit(**options)(py)(21) == 42, options


def test_locals_must_be_a_dict_of_scalar_types_of_variables():
    with pytest.raises(OptionError, match="locals is a dict"):
        jit(locals=[("x", "float32")])
    f = make_function("""
        def f(x):
            return x
    """)
    with pytest.raises(OptionError, match="'z', which is not a variable of f"):
        jit(locals={"z": "float32"})(f)
    with pytest.raises(OptionError, match="locals take NumPy scalar types"):
        jit(locals={"x": "float64[:]"})(f)


def test_a_bad_signature_fails_when_decorating():
    from jitufunc.errors import SignatureError

    py = make_function("""
        def f(x):
            return x
    """)
    with pytest.raises(SignatureError):
        jit("float64(float65)")(py)
    with pytest.raises(SignatureError, match="same argument types"):
        jit(["float64(float64)", "f8(f8)"])(py)


def test_functions_may_call_functions_defined_after_them():
    namespace = {}
    first = njit(make_function("""
        def first(x):
            return second(x) + 1
    """, namespace))
    # `second` is defined after `first` was decorated, as in a module.
    first.py_func.__globals__["second"] = njit(make_function("""
        def second(x):
            return x * 10
    """))
    assert first(4) == 41


def test_self_recursion_compiles_and_runs():
    f = make_function("""
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)
    """)
    f.__globals__["fact"] = njit(f)
    assert f.__globals__["fact"](20) == 2432902008176640000


def test_concurrent_first_calls_compile_once(rng):
    f = njit(make_function("""
        def f(a, k):
            s = 0.0
            for v in a:
                s += v * k
            return s
    """))
    x = rng.standard_normal(100)
    results = run_together(8, lambda i: f(x, float(i)))
    assert results == [pytest.approx(x.sum() * i) for i in range(8)]
    assert len(f.signatures) == 1


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_many_calls_do_not_grow_memory():
    f = njit(make_function("""
        def f(a, s, k):
            a[0] += s
            return a[0] * k, s
    """))
    a = np.zeros(3)
    f(a, np.float32(1), 2)
    f(a, 1.0, 2)
    gc.collect()
    before = _rss_mb()
    for i in range(200_000):
        f(a, np.float32(1), 2)
        f(a, 1.0, 2)
        try:
            f(a, "x", 2)
        except TypeError:
            pass
    gc.collect()
    grown = _rss_mb() - before
    assert grown < 8, f"RSS grew by {grown:.1f} MB over 600,000 calls"
    assert a[0] == 400_002.0


@pytest.mark.skipif(os.cpu_count() is None, reason="unknown CPU count")
def test_nogil_functions_run_in_parallel_threads():
    f = jit(nogil=True)(make_function("""
        def f(n):
            s = 0
            for i in range(n):
                s += i % 7
            return s
    """))
    expected = sum(i % 7 for i in range(100_000))
    assert run_together(4, lambda i: f(100_000)) == [expected] * 4
