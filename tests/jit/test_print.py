"""print() in @jit functions: the output is Python's own (the values become
Python numbers, NumPy scalars and arrays, and Python's print writes them
to sys.stdout), compared with the Python function's output."""

import contextlib
import io
import sys

import numpy as np
import pytest

from conftest import ALL_DTYPES, make_function
from jitufunc import njit, vectorize
from jitufunc.errors import UnsupportedError


def outputs(source, *args, **options):
    py = make_function(source)
    expected = io.StringIO()
    with contextlib.redirect_stdout(expected):
        want = py(*args)
    got = io.StringIO()
    with contextlib.redirect_stdout(got):
        have = njit(**options)(py)(*args)
    return got.getvalue(), expected.getvalue(), have, want


@pytest.mark.parametrize("args", [
    (3, 0.1), (-7, 1e300), (0, float("nan")), (2**62, -0.0), (True, float("inf")),
])
def test_numbers_print_as_python_prints_them(args):
    got, expected, _, _ = outputs("""
        def f(n, x):
            print(n, x, n * x, n > 0, complex(x, n), -n)
            print("n =", n, "and", "x =", x)
    """, *args)
    assert got == expected


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_scalars_and_arrays_print_as_numpy_prints_them(dtype):
    a = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    got, expected, _, _ = outputs("""
        def f(a):
            print(a[0, 1], a[1, 2])
            print(a)
            print(a[:, ::-1], a.T, a[1])
    """, a)
    assert got == expected


def test_sep_end_empty_and_in_loops():
    got, expected, have, want = outputs("""
        def f(n):
            print()
            print("a", "b", sep="")
            print(1, 2, 3, sep=", ", end=";\\n")
            total = 0
            for i in range(n):
                print("i", i, sep="=", end=" ")
                total += i
            print("")
            return total
    """, 4)
    assert got == expected
    assert have == want


def test_print_releases_nothing_and_keeps_arrays_alive():
    from jitufunc import _core

    f = njit(make_function("""
        def f(n):
            t = np.arange(n)
            print(t[1:])
            return t[0]
    """))
    out = io.StringIO()
    before = _core.memory_stats()
    with contextlib.redirect_stdout(out):
        for _ in range(200):
            f(5)
    after = _core.memory_stats()
    assert after["allocated"] - before["allocated"] == 200
    assert after["freed"] - before["freed"] == 200
    assert out.getvalue() == "[1 2 3 4]\n" * 200


def test_print_with_nogil_and_from_threads():
    import threading

    f = njit(nogil=True)(make_function("""
        def f(k):
            print("thread", k)
            return k
    """))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        threads = [threading.Thread(target=f, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(out.getvalue().splitlines()) == sorted(f"thread {k}" for k in range(8))


def test_an_exception_in_print_reaches_the_caller():
    class Broken:
        def write(self, s):
            raise OSError("stdout is broken")

        def flush(self):
            pass

    f = njit(make_function("""
        def f(x):
            print(x)
            return x + 1
    """))
    old = sys.stdout
    sys.stdout = Broken()
    try:
        with pytest.raises(OSError, match="stdout is broken"):
            f(1.0)
    finally:
        sys.stdout = old
    assert f(1.0) == 2.0


@pytest.mark.parametrize("source, pattern", [
    ("print((1, 2))", "print\\(\\) of a value of type"),
    ("print(1, file=None)", "keyword file= is not supported"),
    ("print(1, sep=s)", "must be string literals"),
    ("x = print(1)", "only supported as a statement"),
])
def test_unsupported_prints_are_clear_errors(source, pattern):
    f = njit(make_function(f"""
        def f(s):
            {source}
            return 0
    """))
    with pytest.raises(Exception, match=pattern):
        f(1)


def test_ufunc_kernels_refuse_print():
    with pytest.raises(UnsupportedError, match="print\\(\\) calls are not supported"):
        vectorize(["float64(float64)"])(make_function("""
            def g(x):
                print(x)
                return x
        """))
