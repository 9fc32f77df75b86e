"""Arrays made inside @jit functions: np.empty/zeros/ones/full with shapes
and dtypes as NumPy has them, returned to Python without a copy (their base
owns the memory), views of arguments returned with the argument as base,
and reference counting that frees every temporary (runtime counts and RSS
over a million allocations)."""

import gc
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

from conftest import ALL_DTYPES, make_function
from jitufunc import _core, njit


def live_blocks():
    gc.collect()
    s = _core.memory_stats()
    return s["allocated"] - s["freed"]


@pytest.mark.parametrize("expr", [
    "np.zeros(n)", "np.ones(n)", "np.zeros((n, 3))", "np.ones((2, n, 2))",
    "np.full(n, 2.5)", "np.full((n, 2), 7)", "np.full(n, True)", "np.full(n, 1 + 2j)",
    "np.zeros(n, np.int8)", "np.ones(n, dtype=np.complex64)", "np.zeros((n,), dtype=float)",
    "np.ones(n, dtype=int)", "np.zeros(n, dtype=bool)", "np.full(n, 3, np.float32)",
    "np.full((), 4.0)", "np.zeros(())",
])
@pytest.mark.parametrize("n", [0, 1, 7])
def test_creation_functions_match_numpy(expr, n):
    py = make_function(f"""
        def f(n):
            return {expr}
    """)
    expected = py(n)
    got = njit(py)(n)
    assert type(got) is np.ndarray
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got, expected)
    np.testing.assert_array_equal(got, expected)
    assert got.flags.c_contiguous and got.flags.writeable and got.flags.owndata is False
    assert type(got.base) is _core.ArrayMemory
    if got.size:
        assert got.ctypes.data % 64 == 0


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_filled_and_returned_arrays_of_every_dtype(dtype):
    py = make_function("""
        def f(src):
            out = np.zeros(len(src), DT)
            for i in range(len(src)):
                out[i] = src[i]
            return out
    """, {"DT": dtype})
    src = np.arange(6).astype(dtype)
    got = njit(py)(src)
    np.testing.assert_array_equal(got, src)
    assert got.dtype == np.dtype(dtype)


def test_negative_sizes_raise_value_error_and_leak_nothing():
    f = njit(make_function("""
        def f(n):
            a = np.zeros(3)
            b = np.empty((2, n))
            return b
    """))
    before = live_blocks()
    with pytest.raises(ValueError, match="negative dimensions are not allowed"):
        f(-1)
    assert f(2).shape == (2, 2)
    assert live_blocks() == before


def test_memory_flat_over_a_million_temporaries():
    f = njit(make_function("""
        def f(n):
            s = 0.0
            for i in range(n):
                t = np.ones(16)
                r = np.zeros((2, 2), dtype=np.int32)
                s += t[i % 16] + r[1, 1]
            return s
    """))
    assert f(10) == 10.0
    before = live_blocks()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert f(1_000_000) == 1_000_000.0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert live_blocks() == before
    assert (rss1 - rss0) / 1024 < 16, f"RSS grew {(rss1 - rss0) / 1024:.1f} MB"


_REUSE_SCRIPT = """
import os, sys
import numpy as np
sys.path.insert(0, {tests!r})
from conftest import make_function
from jitufunc import _core, njit

def live_blocks():
    s = _core.memory_stats()
    return s["allocated"] - s["freed"]

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

f = njit(make_function('''
    def f(a):
        return a * 2.0
'''))
start = rss_mb()
inputs = [np.ones(1_000_000 + 512 * k) for k in range(6)]   # 8 MB results
blocks = live_blocks()
# The first rounds reach the steady state (the C allocator keeps some
# freed blocks in its heap); from then on RSS must stay flat.
for i in range(300):
    f(inputs[i % 6])
before, warm = rss_mb(), rss_mb() - start
for i in range(600):
    r = f(inputs[i % 6])
    assert r[-1] == 2.0
    del r
print(live_blocks() - blocks, rss_mb() - before, warm)
"""


def test_large_results_reuse_freed_memory_and_rss_stays_flat():
    # Freed blocks of 1 MiB or more are kept for the next block of the same
    # size (at most two): results of alternating and of new sizes, called
    # many times, must neither leak nor keep more than that. Measured in a
    # fresh process, whose RSS the rest of the suite does not disturb.
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", _REUSE_SCRIPT.format(tests=tests)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    leaked, grown, warm = out.stdout.split()
    assert int(leaked) == 0
    assert float(grown) < 8, f"RSS grew {float(grown):.1f} MB after the first 300 calls"
    # The steady state holds a few 8 MB blocks, not one per call.
    assert float(warm) < 150, f"RSS grew {float(warm):.1f} MB over the first 300 calls"


def test_returned_arrays_free_their_memory_when_python_drops_them():
    f = njit(make_function("""
        def f(n):
            return np.zeros(n), np.ones((n, n)), n
    """))
    before = live_blocks()
    a, b, n = f(100)
    assert live_blocks() == before + 2
    view = b[3:]
    del a, b
    assert live_blocks() == before + 1  # the view keeps its block
    assert view.sum() == 97 * 100
    del view
    assert live_blocks() == before


def test_arrays_flow_through_branches_loops_and_calls():
    make = njit(make_function("""
        def make(n, k):
            a = np.full(n, k)
            return a
    """))
    py = make_function("""
        def f(n, flag):
            if flag:
                a = make(n, 1.5)
            else:
                a = np.zeros(n)
            for i in range(3):
                b = make(n, float(i))
                a = b
            return a, a[0]
    """, {"make": make})
    f = njit(py)
    before = live_blocks()
    for flag in (True, False):
        arr, first = f(4, flag)
        np.testing.assert_array_equal(arr, np.full(4, 2.0))
        assert first == 2.0
        del arr
    assert live_blocks() == before


def test_returning_a_view_of_an_argument_keeps_the_argument_alive():
    f = njit(make_function("""
        def row(a, i):
            return a[i]
    """))
    a = np.arange(12.0).reshape(3, 4).copy()
    r = f(a, 1)
    np.testing.assert_array_equal(r, [4.0, 5.0, 6.0, 7.0])
    assert r.base is a
    r[0] = -1.0
    assert a[1, 0] == -1.0
    ro = a.copy()
    ro.flags.writeable = False
    assert not f(ro, 0).flags.writeable


def test_arrays_made_inside_are_passed_to_other_functions():
    total = njit(make_function("""
        def total(x):
            s = 0.0
            for v in x:
                s += v
            return s
    """))
    f = njit(make_function("""
        def f(n):
            a = np.ones(n)
            return total(a) + total(np.full(n, 2.0))
    """, {"total": total}))
    before = live_blocks()
    assert f(10) == 30.0
    assert live_blocks() == before


def test_array_creation_works_in_ufunc_kernels():
    from jitufunc import guvectorize, vectorize

    k = make_function("""
        def k(x):
            a = np.zeros(3)
            a[1] = x
            return x + a[0] + a.sum()
    """)
    x = np.linspace(-2, 2, 7)
    np.testing.assert_array_equal(vectorize(["float64(float64)"])(k)(x), [k(v) for v in x])
    g = make_function("""
        def g(x, out):
            t = np.empty(3)
            t[:] = x[0]
            out[0] = t.sum()
    """)
    rows = np.arange(8.0).reshape(4, 2)
    expected = np.zeros((4, 1))
    for r, o in zip(rows, expected):
        g(r, o)
    np.testing.assert_array_equal(guvectorize("(n)->()")(g)(rows), expected[:, 0])


@pytest.mark.parametrize("source", [
    "np.zeros(3, dtype='f4')", "np.ones((2, 2), 'int8')", "np.arange(5, dtype='uint16')",
    "np.full(2, 3, dtype='complex64')", "np.empty(0, dtype='float')", "np.zeros(2, dtype='?')",
    "np.eye(2, dtype='i2')", "np.array([1, 2], dtype='float32')",
])
def test_dtype_strings_name_dtypes_as_numpy_reads_them(source):
    py = make_function(f"""
        def f():
            return {source}
    """)
    got, expected = njit(py)(), py()
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    if expected.size and source.find("empty") < 0:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("source, pattern", [
    ("np.zeros(2.5)", "shape is an int or a tuple of ints"),
    ("np.zeros((2, 1.5))", "dimensions must be integers"),
    ("np.zeros(3, dtype='U10')", "dtype 'U10' is not supported"),
    ("np.zeros(3, dtype='nonsense')", "'nonsense' is not a NumPy dtype"),
    ("np.zeros(3, dtype=np.dtype)", "dtype= takes a NumPy scalar type"),
    ("np.full(3, 1j, np.float64)", "complex value"),
    ("np.zeros(3, 4, 5)", "at most 2 positional arguments"),
    ("np.zeros(3, like=None)", "like= is not supported"),
])
def test_bad_creation_calls_are_clear_errors(source, pattern):
    f = njit(make_function(f"""
        def f():
            return {source}
    """))
    with pytest.raises(Exception, match=pattern):
        f()


@pytest.mark.parametrize("n, exc", [(-1, ValueError), (0, ZeroDivisionError), (5, IndexError)])
def test_exceptions_release_the_arrays_held_when_they_are_raised(n, exc):
    inner = njit(boundscheck=True)(make_function("""
        def inner(a, n):
            b = np.ones(4)
            return a[n] + b[0] + 1 // n
    """))
    f = njit(boundscheck=True)(make_function("""
        def f(n):
            a = np.zeros(3)
            t = (a, np.ones(2))
            if n < 0:
                c = np.empty((2, n))
                t = (c[0], t[1])
            s = inner(a, n) + t[1][0]
            return a, s
    """, {"inner": inner}))
    before = live_blocks()
    for _ in range(200):
        with pytest.raises(exc):
            f(n)
    assert live_blocks() == before
    a, s = f(1)
    assert s == 3.0 and a.shape == (3,)
    del a
    assert live_blocks() == before
