"""``prange`` loops of ``@njit(parallel=True)`` functions
(``src/lower/parallel.rs``, ``src/codegen/parallel_for.rs``,
``src/loops/prange.rs``).

Every function here is also run as plain Python (where ``prange`` is
``range``), which gives the expected values; float reductions are compared
within a bound for reassociation (the chunks' partial sums are added in a
different order), everything else exactly. Loops big enough to go to the
pool (``JITUFUNC_NUM_THREADS`` threads) and small ones that stay on the
calling thread are both tested."""

import math
import os
import resource
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from jitufunc import njit, prange, vectorize
from jitufunc.errors import TypingError, UnsupportedError

BIG = 200_000  # enough trips and work to be split over the pool


def par(f):
    return njit(parallel=True)(f)


# -- elementwise bodies -------------------------------------------------------


def scale_shift(a, out, c):
    for i in prange(a.shape[0]):
        out[i] = a[i] * c + i


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32"])
@pytest.mark.parametrize("n", [0, 1, 7, 1000, BIG])
def test_writing_disjoint_elements_matches_python(dtype, n):
    a = (np.arange(n) % 97).astype(dtype)
    got, want = np.zeros(n, dtype), np.zeros(n, dtype)
    par(scale_shift)(a, got, 3)
    scale_shift(a, want, 3)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("view", ["reversed", "strided", "broadcast-zero-stride-input"])
def test_views_as_operands(view):
    base = np.random.default_rng(0).random(2 * BIG)
    a = {"reversed": base[::-1], "strided": base[::2],
         "broadcast-zero-stride-input": np.broadcast_to(base[:1], (BIG,))}[view]
    n = a.shape[0]
    out_base = np.zeros(2 * n)
    got = out_base[::-2]  # a reversed, strided output
    want = np.zeros(n)
    par(scale_shift)(a, got, 2.5)
    scale_shift(a, want, 2.5)
    np.testing.assert_array_equal(got, want)


def rows_norm(m, out):
    for i in prange(m.shape[0]):
        s = 0.0
        for j in range(m.shape[1]):
            s += m[i, j] * m[i, j]
        out[i] = math.sqrt(s)


def test_private_accumulator_per_row_and_nested_range():
    m = np.random.default_rng(1).random((5000, 37))
    got, want = np.empty(5000), np.empty(5000)
    par(rows_norm)(m, got)
    rows_norm(m, want)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, np.linalg.norm(m, axis=1), rtol=1e-14)


def triangular(n, out):
    for i in prange(n):
        t = 0
        for j in range(i):
            t += j % 7
        out[i] = t


def test_uneven_iterations():
    n = 3000
    got, want = np.zeros(n, np.int64), np.zeros(n, np.int64)
    par(triangular)(n, got)
    triangular(n, want)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("start,stop,step", [(0, 100, 1), (5, 100, 3), (99, -1, -1),
                                             (100, 0, -7), (10, 10, 1), (10, 0, 1),
                                             (-50, 50, 4), (0, BIG, 1), (BIG, 0, -3)])
def test_start_stop_step(start, stop, step):
    def f(out, start, stop, step):
        for i in prange(start, stop, step):
            out[i - start if step > 0 else start - i] = i * 2

    got, want = np.full(BIG + 1, -1, np.int64), np.full(BIG + 1, -1, np.int64)
    par(f)(got, start, stop, step)
    f(want, start, stop, step)
    np.testing.assert_array_equal(got, want)


def test_zero_step_raises_value_error_as_range():
    def f(n, step):
        s = 0
        for i in prange(0, n, step):
            s += i
        return s

    with pytest.raises(ValueError, match="range\\(\\) arg 3 must not be zero"):
        f(10, 0)
    with pytest.raises(ValueError, match="must not be zero"):
        par(f)(10, 0)


# -- reductions --------------------------------------------------------------


def sums(a):
    s = 0.0
    p = 1.0
    lo = np.inf
    hi = -np.inf
    for i in prange(a.shape[0]):
        s += a[i]
        p *= 1.0 + a[i] * 1e-6
        lo = min(lo, a[i])
        hi = max(a[i], hi)
    return s, p, lo, hi


@pytest.mark.parametrize("n", [0, 1, 2, 999, BIG])
def test_float_reductions(n):
    a = np.random.default_rng(n).standard_normal(n)
    got, want = par(sums)(a), sums(a)
    # The chunks' sums are added in another order: a reassociation bound.
    bound = 4 * n * np.finfo(float).eps * (np.abs(a).sum() + 1)
    assert abs(got[0] - want[0]) <= bound
    assert got[1] == pytest.approx(want[1], rel=1e-12)
    assert got[2:] == want[2:]


def test_float_reduction_is_the_same_from_call_to_call():
    a = np.random.default_rng(5).standard_normal(BIG)
    f = par(sums)
    first = f(a)
    for _ in range(5):
        assert f(a) == first


def int_reductions(a):
    s = 5
    d = 1000
    o = 0
    x = 0
    n = -1
    lo = 30000
    hi = -30000
    for i in prange(a.shape[0]):
        v = a[i]
        s += v
        d -= v
        o |= v
        x ^= v
        n &= v | 1
        lo = min(lo, v)
        hi = max(hi, v)
    return s, d, o, x, n, lo, hi


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16"])
@pytest.mark.parametrize("n", [0, 3, 10_000, BIG])
def test_integer_reductions_are_exact(dtype, n):
    a = (np.arange(n) * 7919 % 251).astype(dtype)
    got = par(int_reductions)(a)
    with np.errstate(over="ignore"):  # int16 sums wrap, in both
        want = int_reductions(a)
    assert tuple(int(v) for v in got) == tuple(int(v) for v in want)


def count_inside(xs, ys):
    c = 0
    for i in prange(xs.shape[0]):
        if xs[i] * xs[i] + ys[i] * ys[i] < 1.0:
            c += 1
    return 4.0 * c / xs.shape[0]


def test_reduction_updated_in_a_branch():
    rng = np.random.default_rng(2)
    xs, ys = rng.random(BIG), rng.random(BIG)
    assert par(count_inside)(xs, ys) == count_inside(xs, ys)


def spelled(a):
    s = 0.0
    t = 0.0
    for i in prange(a.shape[0]):
        s = s + a[i]
        t = a[i] * 2 + t
    return s, t


def test_reductions_spelled_as_assignments():
    a = np.arange(1000.0)
    assert par(spelled)(a) == spelled(a)


def test_a_private_variable_keeps_its_value_from_before_the_loop():
    def f(a):
        t = -1.0
        s = 0.0
        for i in prange(a.shape[0]):
            t = a[i] * 2
            s += t
        return s, t

    a = np.arange(10.0)
    assert par(f)(a) == (90.0, -1.0)  # (documented: Numba leaves t undefined)


def test_bool_or_reduction():
    def f(a):
        found = False
        for i in prange(a.shape[0]):
            found |= a[i] > 10
        return found

    assert par(f)(np.arange(5.0)) is False or par(f)(np.arange(5.0)) == False  # noqa: E712
    assert par(f)(np.arange(50.0)) == True  # noqa: E712


# -- nesting, capture, scoping ------------------------------------------------


def nested(m):
    total = 0.0
    for i in prange(m.shape[0]):
        for j in prange(m.shape[1]):  # inner: a range
            total += m[i, j] * (i + 1)
    return total


def test_nested_prange_only_the_outer_is_parallel():
    m = np.arange(600.0).reshape(30, 20)
    assert par(nested)(m) == pytest.approx(nested(m), rel=1e-15)


def test_prange_inside_an_ordinary_loop_and_captured_scalars():
    def f(a, reps):
        acc = 0.0
        scale = 0.5
        for r in range(reps):
            shift = r * 1.0
            for i in prange(a.shape[0]):
                acc += a[i] * scale + shift
        return acc

    a = np.arange(100.0)
    assert par(f)(a, 4) == f(a, 4)


def test_array_allocated_before_the_loop_and_returned():
    def f(n):
        out = np.empty(n)
        for i in prange(n):
            out[i] = math.sqrt(i)
        return out

    np.testing.assert_array_equal(par(f)(BIG), np.sqrt(np.arange(BIG)))


def test_array_expressions_inside_the_body():
    def f(m, out):
        for i in prange(m.shape[0]):
            out[i] = (m[i] * 2.0 + 1.0).sum()

    m = np.random.default_rng(3).random((2000, 50))
    got, serial = np.empty(2000), np.empty(2000)
    par(f)(m, got)
    njit(f)(m, serial)
    np.testing.assert_array_equal(got, serial)
    # NumPy sums pairwise in another order.
    np.testing.assert_allclose(got, (m * 2.0 + 1.0).sum(axis=1), rtol=1e-14)


def test_else_clause_runs_after_the_loop():
    def f(n):
        s = 0
        for i in prange(n):
            s += i
        else:
            s += 1000
        return s

    assert par(f)(10) == f(10) == 1045


def test_prange_is_range_without_parallel_and_in_ufuncs():
    def f(n):
        s = 0
        for i in prange(n):
            s += i * i
        return s

    assert njit(f)(100) == f(100)

    @vectorize(["float64(float64)"])
    def k(x):
        s = 0.0
        for i in prange(3):
            s += x * i
        return s

    np.testing.assert_array_equal(k(np.arange(5.0)), np.arange(5.0) * 3)


def test_numba_prange_is_recognised():
    numba = pytest.importorskip("numba", reason="numba.prange: an interop test needs Numba")

    src = textwrap.dedent("""
        def f(a):
            s = 0.0
            for i in prange(a.shape[0]):
                s += a[i]
            return s
    """)
    ns = {"prange": numba.prange}
    exec(src, ns)
    a = np.arange(1000.0)
    assert par(ns["f"])(a) == a.sum()


# -- errors ------------------------------------------------------------------


def raises_at(a, bad):
    for i in prange(a.shape[0]):
        if i == bad:
            raise ValueError("bad element")
        a[i] = 1.0


@pytest.mark.parametrize("bad", [0, 5, BIG // 2, BIG - 1])
def test_raise_in_an_iteration_reaches_the_caller(bad):
    a = np.zeros(BIG)
    with pytest.raises(ValueError, match="bad element"):
        par(raises_at)(a, bad)
    b = np.zeros(BIG)
    with pytest.raises(ValueError, match="bad element"):
        raises_at(b, bad)


def test_boundscheck_index_error_from_a_worker():
    def f(a, idx):
        s = 0.0
        for i in prange(idx.shape[0]):
            s += a[idx[i]]
        return s

    a = np.arange(10.0)
    idx = np.zeros(BIG, np.int64)
    idx[BIG - 3] = 10
    g = njit(parallel=True, boundscheck=True)(f)
    with pytest.raises(IndexError, match="index 10 is out of bounds"):
        g(a, idx)
    # The same function, all in range, still works afterwards.
    idx[BIG - 3] = 9
    assert g(a, idx) == f(a, idx)


def test_zero_division_in_a_worker():
    def f(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += 1.0 / a[i]
        return s

    a = np.ones(BIG)
    a[BIG // 3] = 0.0
    with pytest.raises(ZeroDivisionError):
        par(f)(a)


def test_fp_flags_of_array_expressions_in_workers_reach_errstate():
    # (Scalar arithmetic in @jit code reports no FP flags, serial or not;
    # array expressions do, as NumPy's.)
    def f(a, out):
        for i in prange(a.shape[0]):
            b = 1.0 / a[i:i + 1]
            out[i] = b[0]

    a = np.ones(BIG)
    a[BIG - 5] = 0.0
    out = np.empty(BIG)
    serial = njit(error_model="numpy")(f)
    parallel = njit(error_model="numpy", parallel=True)(f)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError) as s_err:
            serial(a, out)
        with pytest.raises(FloatingPointError) as p_err:
            parallel(a, out)
    assert str(p_err.value) == str(s_err.value)
    with np.errstate(divide="ignore"):
        parallel(a, out)
    assert np.isinf(out[BIG - 5]) and out[0] == 1.0
    with np.errstate(divide="warn"):
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            parallel(a, out)


@pytest.mark.parametrize("body,message", [
    ("if a[i] > 3:\n            break\n        s += a[i]", "'break' cannot leave a prange loop"),
    ("if a[i] > 3:\n            return s\n        s += a[i]", "'return' inside a prange loop"),
    ("s += a[i]\n        a[i] = s", "'s' is a reduction of this prange loop"),
    ("s += a[i]\n        s *= 2.0", "updated both with"),
])
def test_unsupported_bodies_are_refused_with_the_line(tmp_path, body, message):
    src = textwrap.dedent("""
        import jitufunc
        from jitufunc import prange

        @jitufunc.njit(parallel=True)
        def f(a):
            s = 0.0
            for i in prange(a.shape[0]):
                {body}
            return s
    """).replace("{body}", body)
    path = tmp_path / "kernel_mod.py"
    path.write_text(src)
    sys.path.insert(0, str(tmp_path))
    try:
        import importlib

        mod = importlib.import_module("kernel_mod")
        with pytest.raises((TypingError, UnsupportedError)) as err:
            mod.f(np.arange(5.0))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("kernel_mod", None)
    text = str(err.value)
    assert message in text
    assert "kernel_mod.py" in text and "line" in text


def test_prange_target_must_be_a_name():
    def f(m):
        s = 0.0
        for i, j in prange(3):
            s += 1.0
        return s

    with pytest.raises((TypingError, UnsupportedError), match="prange loop's variable must be a name"):
        par(f)(1)


# -- threads, GIL and memory ------------------------------------------------


def test_the_loop_runs_on_several_threads_when_there_are():
    # A fresh process with two threads; each iteration records which OS
    # thread ran it through a ctypes call of gettid.
    code = textwrap.dedent("""
        import ctypes, numpy as np
        from jitufunc import njit, prange
        libc = ctypes.CDLL(None)
        gettid = libc.gettid
        gettid.argtypes = []
        gettid.restype = ctypes.c_int

        @njit(parallel=True)
        def f(out):
            for i in prange(out.shape[0]):
                s = 0.0
                for k in range(2000):
                    s += k * 1e-9
                out[i] = gettid() + s * 0
        out = np.zeros(20000)
        f(out)
        print(len(set(out.tolist())))
    """)
    env = dict(os.environ, JITUFUNC_NUM_THREADS="2")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) >= 2


def test_other_python_threads_run_while_it_does():
    import threading
    import time

    def f(n):
        s = 0.0
        for i in prange(n):
            for k in range(200):
                s += math.sin(i + k)
        return s

    g = par(f)
    g(10)
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        g(20000)
    finally:
        done.set()
        t.join()
    assert len(ticks) >= 3


def test_no_memory_growth_over_many_calls():
    def f(a):
        s = 0.0
        m = 0.0
        for i in prange(a.shape[0]):
            tmp = np.empty(3)
            tmp[0] = a[i]
            s += tmp[0]
            m = max(m, a[i])
        return s, m

    g = par(f)
    a = np.arange(2000.0)
    for _ in range(200):
        g(a)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3000):
        g(a)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 20_000, (before, after)  # KiB
