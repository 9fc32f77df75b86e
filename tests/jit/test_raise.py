"""`raise` and `assert` in @jit functions: the exception reaches the caller
with Python's class and message, from any depth of calls and loops,
releasing what the function allocated; what cannot be raised is a clear
compile error."""

import gc

import numpy as np
import pytest

from conftest import make_function
from jitufunc import _core, njit
from jitufunc.errors import UnsupportedError

SOURCES = {
    "value_error": """
        def f(x):
            if x < 0:
                raise ValueError("negative input")
            return x * 2
    """,
    "bare_class": """
        def f(x):
            if x == 3:
                raise KeyError
            return x
    """,
    "assert_with_message": """
        def f(x):
            assert x != 0, "x must not be zero"
            return 10 // x
    """,
    "assert_without_message": """
        def f(x):
            for i in range(x):
                assert i < 5
            return x
    """,
    "in_a_loop_after_allocation": """
        def f(x):
            a = np.zeros(4)
            for i in range(10):
                a[i % 4] += i
                if a[0] > x:
                    raise RuntimeError("grew too large")
            return a[0]
    """,
}

INPUTS = [-2, 0, 1, 3, 7, 50]


def _outcome(func, x):
    try:
        return ("ok", func(x))
    except Exception as e:  # noqa: BLE001 - compared below
        return (type(e), str(e))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_exceptions_equal_python(name):
    py = make_function(SOURCES[name])
    f = njit(py)
    for x in INPUTS:
        assert _outcome(f, x) == _outcome(py, x), x


@pytest.mark.parametrize("cls", [
    "Exception", "ArithmeticError", "AssertionError", "IndexError", "KeyError", "LookupError",
    "MemoryError", "NotImplementedError", "OverflowError", "RuntimeError", "TypeError",
    "ValueError", "ZeroDivisionError",
])
def test_every_supported_builtin_class(cls):
    f = njit(make_function(f"""
        def f(x):
            if x:
                raise {cls}("boom")
            return 0
    """))
    assert f(False) == 0
    import builtins

    with pytest.raises(getattr(builtins, cls)) as info:
        f(True)
    assert type(info.value).__name__ == cls and str(info.value) in ("boom", "'boom'")


def test_an_exception_from_a_called_function_propagates_and_frees_memory():
    inner = njit(make_function("""
        def inner(a, k):
            t = np.ones(3)
            if k > 2:
                raise ValueError("k too large")
            return a[0] + t[0] + k
    """))
    outer = njit(make_function("""
        def outer(n):
            a = np.zeros(5)
            s = 0.0
            for k in range(n):
                s += inner(a, k)
            return s, a
    """, {"inner": inner}))
    gc.collect()
    before = _core.memory_stats()
    for _ in range(100):
        with pytest.raises(ValueError, match="k too large"):
            outer(5)
    s, a = outer(3)
    assert s == 1 + 2 + 3
    del a
    gc.collect()
    after = _core.memory_stats()
    assert after["allocated"] - after["freed"] == before["allocated"] - before["freed"]


def test_a_function_that_always_raises_returns_nothing():
    f = njit(make_function("""
        def f(x):
            raise NotImplementedError("not yet")
    """))
    with pytest.raises(NotImplementedError, match="not yet"):
        f(1)


@pytest.mark.parametrize("source, pattern", [
    ("raise MyError('x')", "only builtin exception classes"),
    ("raise ValueError(f'{x}')", "string literal"),
    ("raise ValueError('a', 'b')", "one message"),
    ("raise ValueError('a') from None", "raise ... from"),
    ("raise", "re-raising"),
    ("assert x, x", "string literal"),
])
def test_unsupported_raises_are_compile_errors(source, pattern):
    py = make_function(f"""
        class MyError(Exception):
            pass
        def f(x):
            {source}
    """, name="f")
    with pytest.raises(UnsupportedError, match=pattern):
        njit(py)(1)
