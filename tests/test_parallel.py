"""``target="parallel"``: the outer loop split across a thread pool.

Every test compiles the same kernel twice, for ``target="cpu"`` and for
``target="parallel"``, and requires the parallel ufunc to give the
bit-identical result (``assert_array_equal``, which also compares NaN
positions), the same FP exceptions and warnings, and the same NumPy
semantics for ``out=``, ``where=``, overlap and the ufunc methods. Where
NumPy has the same operation the result is also compared with NumPy (or
with the Python kernel on NumPy scalars), so a bug shared by both targets
is caught too.

Loops of at least 32768 units of work (outer count times core sizes) are
split; the sizes used here are chosen around that threshold and well
above it (1e6 elements: with 2 threads, 8 chunks run by the pool threads,
so an element at the end is computed in a later chunk than the first).
The pool size is the machine's here (``thread_count()``); the tests that
need a fixed pool run in a subprocess with ``JITUFUNC_NUM_THREADS``.
"""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from jitufunc import _core, guvectorize, vectorize
from jitufunc.errors import OptionError
from conftest import assert_matches, make_function, reference
from guvectorize.helpers import MATMUL

BIG = 1_000_000
THRESHOLD_SIZES = [1, 100, 32767, 32768, 32769, 100003]


def both(source, signatures=None, globals_=None, **options):
    """``(pyfunc, cpu ufunc, parallel ufunc)``; ``signatures=None`` makes
    lazy ufuncs."""
    f = make_function(source, globals_)
    if signatures is None:
        return f, vectorize(target="cpu", **options)(f), vectorize(target="parallel", **options)(f)
    cpu = vectorize(signatures, target="cpu", **options)(f)
    par = vectorize(signatures, target="parallel", **options)(f)
    return f, cpu, par


def both_gu(source, signatures, layout, **options):
    f = make_function(source)
    cpu = guvectorize(signatures, layout, target="cpu", **options)(f)
    par = guvectorize(signatures, layout, target="parallel", **options)(f)
    return f, cpu, par


def assert_identical(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_array_equal(actual, expected, strict=True)


# --- kernels -------------------------------------------------------------------

TRANSCENDENTAL = """
def wave(x):
    return math.exp(-x * x / 8.0) * math.sin(3.0 * x) + math.log(x * x + 1.0) - math.cos(x) * math.tanh(x)
"""
TRANSCENDENTAL_SIGS = ["float64(float64)", "float32(float32)", "float16(float16)"]


def wave_numpy(x):
    """The same formula with NumPy functions, in float64."""
    x = x.astype(np.float64)
    return np.exp(-x * x / 8.0) * np.sin(3.0 * x) + np.log(x * x + 1.0) - np.cos(x) * np.tanh(x)


@pytest.fixture(scope="module")
def wave():
    return both(TRANSCENDENTAL, TRANSCENDENTAL_SIGS)


@pytest.fixture(scope="module")
def adder():
    """``x + y`` for the ufunc methods (identity 0 so reduce works on empties)."""
    return both("""
        def plus(x, y):
            return x + y
    """, ["int64(int64, int64)", "float64(float64, float64)", "float32(float32, float32)"], identity=0)


# --- elementwise: identical to cpu ---------------------------------------------

@pytest.mark.parametrize("n", THRESHOLD_SIZES + [BIG])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=lambda d: np.dtype(d).name)
def test_transcendental_kernel_is_identical_to_cpu(wave, dtype, n):
    _, cpu, par = wave
    x = np.linspace(-7.0, 7.0, n).astype(dtype)
    got = par(x)
    assert_identical(got, cpu(x))
    rtol = {np.float16: 4e-3, np.float32: 2e-5, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(got.astype(np.float64), wave_numpy(x), rtol=rtol, atol=rtol)


def test_transcendental_kernel_matches_the_python_function(wave, rng):
    f, cpu, par = wave
    x = rng.uniform(-7, 7, size=40000)
    got = par(x)
    assert_identical(got, cpu(x))
    assert_matches(got[:2000], reference(f, [x[:2000]], np.float64), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64], ids=lambda d: np.dtype(d).name)
def test_complex_kernel_is_identical_to_cpu(dtype, rng):
    f, cpu, par = both("""
        def cwave(z):
            return cmath.exp(z * 0.25) * z - cmath.sqrt(z) / (z * z + 1.5)
    """, ["complex128(complex128)", "complex64(complex64)"])
    z = (rng.uniform(-4, 4, 100003) + 1j * rng.uniform(-4, 4, 100003)).astype(dtype)
    got = par(z)
    assert_identical(got, cpu(z))
    zz = z.astype(np.complex128)
    expected = np.exp(zz * 0.25) * zz - np.sqrt(zz) / (zz * zz + 1.5)
    rtol = 1e-12 if dtype == np.complex128 else 1e-4
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)


INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


def _int_operands(dtype, n, rng):
    dt = np.dtype(dtype)
    low = 0 if dt.kind == "u" else -100
    a = rng.integers(low, 100, size=n).astype(dt)
    b = rng.integers(low, 12, size=n).astype(dt)
    b[-1] = 0                      # in the last (pool thread's) chunk
    b[n // 2] = 0
    return a, b


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op,npop", [("//", np.floor_divide), ("%", np.remainder)], ids=["floordiv", "mod"])
def test_int_division_by_zero_gives_zero_and_warns_like_cpu(op, npop, dtype, rng):
    sig = f"{np.dtype(dtype).name}({np.dtype(dtype).name}, {np.dtype(dtype).name})"
    _, cpu, par = both(f"""
        def idiv(a, b):
            return a {op} b
    """, [sig])
    a, b = _int_operands(dtype, BIG, rng)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = par(a, b)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        expected_cpu = cpu(a, b)
    with np.errstate(divide="ignore"):
        expected_np = npop(a, b)
    assert_identical(got, expected_cpu)
    assert_identical(got, expected_np)
    assert got[-1] == 0 and got[BIG // 2] == 0
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero"):
            par(a, b)
    # Without a zero divisor: no warning at all.
    b[b == 0] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_identical(par(a, b), npop(a, b))


def test_lazy_parallel_ufunc_is_identical_to_lazy_cpu(rng):
    _, cpu, par = both("""
        def poly(x):
            return (x * 3 - 1) * x + math.sqrt(abs(x))
    """)
    for dtype in [np.float64, np.float32, np.int32, np.int64]:
        x = (rng.uniform(-30, 30, 100003)).astype(dtype)
        got = par(x)
        assert_identical(got, cpu(x))
    assert list(par.signatures) == list(cpu.signatures)
    assert len(par.signatures) == 4


# --- operand layouts -----------------------------------------------------------

@pytest.fixture(scope="module")
def affine():
    return both("""
        def affine(x, y):
            return math.sin(x) * 2.0 + y
    """, ["float64(float64, float64)", "float32(float32, float32)"])


def _strided_cases(rng):
    base = rng.uniform(-5, 5, 3 * BIG + 7)
    other = rng.uniform(-5, 5, 3 * BIG + 7)
    return {
        "contiguous": (base[:BIG], other[:BIG]),
        "stride2": (base[: 2 * BIG : 2], other[1 : 2 * BIG : 2]),
        "stride3_and_contiguous": (base[::3][:BIG], other[:BIG]),
        "negative": (base[BIG - 1 :: -1][:BIG], other[:BIG]),
        "negative_stride2": (base[2 * BIG - 1 :: -2][:BIG], other[::-1][:BIG]),
        "zero_stride": (np.broadcast_to(np.float64(0.75), (BIG,)), other[:BIG]),
        "both_zero_stride": (np.broadcast_to(np.float64(0.75), (BIG,)), np.broadcast_to(np.float64(-2.0), (BIG,))),
        "python_scalar": (base[:BIG], 1.5),
    }


@pytest.mark.parametrize("case", ["contiguous", "stride2", "stride3_and_contiguous", "negative",
                                  "negative_stride2", "zero_stride", "both_zero_stride", "python_scalar"])
def test_strided_inputs_are_identical_to_cpu(affine, case, rng):
    _, cpu, par = affine
    x, y = _strided_cases(rng)[case]
    got = par(x, y)
    assert_identical(got, cpu(x, y))
    np.testing.assert_allclose(got, np.sin(x) * 2.0 + y, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("where", ["before", "after", "elsewhere"])
def test_broadcast_scalar_next_to_the_output_takes_the_same_path(affine, where, rng):
    # A stride-0 input spans one element, not n: stored just before or just
    # after the output it does not overlap it, so the loop must take the
    # same (vector) path as for a scalar elsewhere. It once took the scalar
    # path there, giving results 1 ulp apart depending on the allocator.
    _, cpu, par = affine
    x = rng.uniform(-5, 5, BIG)
    want = cpu(x, 1.5)
    for ufunc in (cpu, par):
        buf = np.full(BIG + 2, np.nan)
        if where == "before":
            scalar, out = buf[0:1], buf[1 : BIG + 1]
        elif where == "after":
            scalar, out = buf[BIG : BIG + 1], buf[:BIG]
        else:
            scalar, out = np.empty(1), buf[:BIG]
        scalar[0] = 1.5
        got = ufunc(x, np.broadcast_to(scalar.reshape(()), (BIG,)), out=out)
        assert got is out
        assert_identical(got, want)


@pytest.mark.parametrize("step", [3, -1, -2])
def test_strided_outputs_are_identical_to_cpu(affine, step, rng):
    _, cpu, par = affine
    x, y = rng.uniform(-5, 5, BIG), rng.uniform(-5, 5, BIG)
    buf_p = np.full(abs(step) * BIG, np.nan)
    buf_c = buf_p.copy()
    r = par(x, y, out=buf_p[::step])
    assert r.base is buf_p
    cpu(x, y, out=buf_c[::step])
    assert_identical(buf_p, buf_c)
    np.testing.assert_allclose(buf_p[::step], np.sin(x) * 2.0 + y, rtol=1e-13, atol=1e-13)
    written = np.zeros(buf_p.size, bool)
    written[::step] = True
    assert np.isnan(buf_p[~written]).all()        # the gaps are untouched


def test_in_place_output_is_identical_to_cpu(affine, rng):
    _, cpu, par = affine
    x0, y = rng.uniform(-5, 5, BIG), rng.uniform(-5, 5, BIG)
    xp, xc = x0.copy(), x0.copy()
    par(xp, y, out=xp)
    cpu(xc, y, out=xc)
    assert_identical(xp, xc)
    np.testing.assert_allclose(xp, np.sin(x0) * 2.0 + y, rtol=1e-13, atol=1e-13)
    # In place through a negative-stride view (same start and stride).
    xp, xc = x0.copy(), x0.copy()
    par(xp[::-1], y, out=xp[::-1])
    cpu(xc[::-1], y, out=xc[::-1])
    assert_identical(xp, xc)
    np.testing.assert_allclose(xp[::-1], np.sin(x0[::-1]) * 2.0 + y, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("direction", ["out_ahead", "out_behind", "out_reversed"])
def test_overlapping_output_has_numpy_semantics(affine, direction, rng):
    """``out`` overlapping an input (not exactly): NumPy's semantics are "as
    if the input were copied first". For ``out=x[:-1]`` with input
    ``x[1:]`` NumPy does not copy (a forward loop reads each element before
    overwriting it), so chunks running in any order would break it."""
    _, cpu, par = affine
    x0 = rng.uniform(-5, 5, BIG + 1)
    y = rng.uniform(-5, 5, BIG)

    def run(u):
        x = x0.copy()
        if direction == "out_ahead":
            u(x[:-1], y, out=x[1:])
        elif direction == "out_behind":
            u(x[1:], y, out=x[:-1])
        else:
            u(x[:-1], y, out=x[::-1][:-1])
        return x

    expected = x0.copy()
    if direction == "out_ahead":
        expected[1:] = np.sin(x0[:-1]) * 2.0 + y
    elif direction == "out_behind":
        expected[:-1] = np.sin(x0[1:]) * 2.0 + y
    else:
        expected[::-1][:-1] = np.sin(x0[:-1]) * 2.0 + y
    got = run(par)
    assert_identical(got, run(cpu))
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


def test_where_mask_is_identical_to_cpu(affine, rng):
    _, cpu, par = affine
    x, y = rng.uniform(-5, 5, BIG), rng.uniform(-5, 5, BIG)
    for mask in [rng.random(BIG) < 0.5, np.arange(BIG) < BIG - 100000, np.ones(BIG, bool)]:
        out_p = np.full(BIG, -123.0)
        out_c = out_p.copy()
        par(x, y, out=out_p, where=mask)
        cpu(x, y, out=out_c, where=mask)
        assert_identical(out_p, out_c)
        assert (out_p[~mask] == -123.0).all()
        np.testing.assert_allclose(out_p[mask], (np.sin(x) * 2.0 + y)[mask], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("shapes", [((3, 200000), (200000,)), ((200000, 1), (1, 3)), ((50, 1), (1, 40000)),
                                    ((1000, 1000), ()), ((2, 3, 70000), (3, 1))], ids=str)
def test_broadcasting_is_identical_to_cpu(affine, shapes, rng):
    _, cpu, par = affine
    x = rng.uniform(-5, 5, shapes[0])
    y = rng.uniform(-5, 5, shapes[1])
    got = par(x, y)
    assert_identical(got, cpu(x, y))
    np.testing.assert_allclose(got, np.sin(x) * 2.0 + y, rtol=1e-13, atol=1e-13)


def test_casting_inputs_through_numpy_buffers_is_identical_to_cpu(affine, rng):
    """int32 inputs are cast (buffered) to float64."""
    _, cpu, par = affine
    x = rng.integers(-5, 5, BIG).astype(np.int32)
    y = rng.uniform(-5, 5, BIG)
    got = par(x, y)
    assert got.dtype == np.float64
    assert_identical(got, cpu(x, y))
    # A Fortran-ordered operand with a C-ordered one.
    x2 = np.asfortranarray(rng.uniform(-5, 5, (700, 900)))
    y2 = rng.uniform(-5, 5, (700, 900))
    got = par(x2, y2)
    assert_identical(got, cpu(x2, y2))
    np.testing.assert_allclose(got, np.sin(x2) * 2.0 + y2, rtol=1e-13, atol=1e-13)


def test_two_outputs_are_identical_to_cpu(rng):
    _, cpu, par = both("""
        def two(x, y):
            return x + y, math.sin(x) * y
    """, ["UniTuple(float64, 2)(float64, float64)"])
    x, y = rng.uniform(-3, 3, BIG), rng.uniform(-3, 3, BIG)
    got = par(x, y)
    for g, e in zip(got, cpu(x, y)):
        assert_identical(g, e)
    assert_identical(got[0], x + y)
    np.testing.assert_allclose(got[1], np.sin(x) * y, rtol=1e-13, atol=1e-13)
    # First output in place over x, second strided.
    xp, xc = x.copy(), x.copy()
    bp, bc = np.zeros(2 * BIG), np.zeros(2 * BIG)
    par(xp, y, out=(xp, bp[::2]))
    cpu(xc, y, out=(xc, bc[::2]))
    assert_identical(xp, xc)
    assert_identical(bp, bc)
    # Outputs swapped over the inputs: out1 is y, out2 is x.
    xp, yp = x.copy(), y.copy()
    par(xp, yp, out=(yp, xp))
    assert_identical(yp, x + y)
    np.testing.assert_allclose(xp, np.sin(x) * y, rtol=1e-13, atol=1e-13)


def test_output_equal_to_one_input_and_overlapping_the_other(rng):
    """``out`` is exactly the second input (in place) but overlaps the
    first one shifted by an element."""
    _, cpu, par = both("""
        def sub(x, y):
            return x - y * 0.5
    """, ["float64(float64, float64)"])
    z0 = rng.uniform(-3, 3, BIG + 1)

    def run(u):
        z = z0.copy()
        u(z[1:], z[:-1], out=z[:-1])
        return z

    expected = z0.copy()
    expected[:-1] = z0[1:] - z0[:-1] * 0.5
    got = run(par)
    assert_identical(got, run(cpu))
    assert_identical(got, expected)


def test_calls_from_several_python_threads_share_the_pool(affine, divider):
    import threading

    _, cpu, par = affine
    _, _, ratio = divider
    x = np.ones(BIG)
    good = np.full(BIG, 4.0)
    bad = good.copy()
    bad[-1] = 0.0
    failures = []

    def work(k):
        data = np.linspace(-k, k, BIG)
        for i in range(6):
            if not np.array_equal(par(data, data), cpu(data, data)):
                failures.append((k, i, "result"))
            y = bad if (i + k) % 2 else good
            try:
                with np.errstate(all="raise"):
                    ratio(x, y)
                raised = False
            except FloatingPointError:
                raised = True
            if raised != (y is bad):
                failures.append((k, i, "raised" if raised else "did not raise"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --- ufunc methods -------------------------------------------------------------

def test_reduce_is_identical_to_cpu(adder, rng):
    _, cpu, par = adder
    xi = rng.integers(-1000, 1000, BIG)
    assert par.reduce(xi) == cpu.reduce(xi) == np.add.reduce(xi)
    xf = rng.uniform(-1, 1, BIG)
    assert_identical(par.reduce(xf), cpu.reduce(xf))
    np.testing.assert_allclose(par.reduce(xf), np.add.reduce(xf), rtol=1e-9)
    m = rng.uniform(-1, 1, (40, 50000))
    for axis in [0, 1, None]:
        got = par.reduce(m, axis=axis)
        assert_identical(got, cpu.reduce(m, axis=axis))
        np.testing.assert_allclose(got, np.add.reduce(m, axis=axis), rtol=1e-9, atol=1e-9)
    mi = rng.integers(-1000, 1000, (40, 50000))
    for axis in [0, 1]:
        assert_identical(par.reduce(mi, axis=axis), np.add.reduce(mi, axis=axis))
    # Reduction into a strided out=, keepdims, where=
    out_p = np.zeros(2 * 50000)[::2]
    par.reduce(m, axis=0, out=out_p)
    assert_identical(out_p, cpu.reduce(m, axis=0))
    w = rng.random(m.shape) < 0.3
    assert_identical(par.reduce(m, axis=0, where=w, initial=0.0), cpu.reduce(m, axis=0, where=w, initial=0.0))


def test_accumulate_is_identical_to_cpu_and_numpy(adder, rng):
    _, cpu, par = adder
    xi = rng.integers(-1000, 1000, BIG)
    assert_identical(par.accumulate(xi), np.cumsum(xi))
    xf = rng.uniform(-1, 1, BIG)
    got = par.accumulate(xf)
    assert_identical(got, cpu.accumulate(xf))
    # Accumulation is sequential in NumPy as well: one IEEE add per step.
    assert_identical(got, np.add.accumulate(xf))
    m = rng.uniform(-1, 1, (40, 50000))
    for axis in [0, 1]:
        assert_identical(par.accumulate(m, axis=axis), np.add.accumulate(m, axis=axis))
    # Accumulating in place.
    xp = xf.copy()
    par.accumulate(xp, out=xp)
    assert_identical(xp, np.add.accumulate(xf))


def test_reduceat_outer_at_are_identical_to_cpu(adder, rng):
    _, cpu, par = adder
    xi = rng.integers(-1000, 1000, BIG)
    idx = np.array([0, 10, 10, 40000, 39999, 500000, BIG - 1])
    assert_identical(par.reduceat(xi, idx), np.add.reduceat(xi, idx))
    xf = rng.uniform(-1, 1, BIG)
    assert_identical(par.reduceat(xf, idx), cpu.reduceat(xf, idx))
    a, b = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 70000)
    got = par.outer(a, b)
    assert_identical(got, cpu.outer(a, b))
    assert_identical(got, np.add.outer(a, b))
    got = par.outer(b, a)
    assert_identical(got, np.add.outer(b, a))
    target_p = np.zeros(1000, dtype=np.int64)
    target_n = target_p.copy()
    where = rng.integers(0, 1000, 200000)
    vals = rng.integers(-5, 5, 200000)
    par.at(target_p, where, vals)
    np.add.at(target_n, where, vals)
    assert_identical(target_p, target_n)


# --- FP exceptions -------------------------------------------------------------

@pytest.fixture(scope="module")
def divider():
    return both("""
        def ratio(x, y):
            return x * 2.0 / y
    """, ["float64(float64, float64)", "float32(float32, float32)"])


BAD_VALUES = {
    # (x, y) at the bad position: x*2/y
    "divide by zero": (1.0, 0.0),
    "invalid value": (0.0, 0.0),
    "overflow": (1e300, 1e-300),
}


@pytest.mark.parametrize("position", [0, BIG // 2 + 3, BIG - 1], ids=["first", "middle", "last"])
@pytest.mark.parametrize("kind", list(BAD_VALUES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_fp_errors_in_any_chunk_raise_like_cpu(divider, kind, position, dtype):
    _, cpu, par = divider
    x = np.ones(BIG)
    y = np.full(BIG, 4.0)
    x[position], y[position] = BAD_VALUES[kind]
    if dtype == np.float32 and kind == "overflow":
        x[position], y[position] = 3e38, 1e-3
    x, y = x.astype(dtype), y.astype(dtype)
    for u in (cpu, par):
        with np.errstate(all="raise"):
            with pytest.raises(FloatingPointError, match=kind):
                u(x, y)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        got = par(x, y)
        expected = cpu(x, y)
    assert_identical(got, expected)
    with pytest.warns(RuntimeWarning, match=kind):
        par(x, y)


def test_fp_flags_of_one_call_do_not_leak_into_the_next(divider):
    _, _, par = divider
    x = np.ones(BIG)
    y = np.full(BIG, 4.0)
    y[-1] = 0.0
    with np.errstate(all="ignore"):
        par(x, y)                       # raises divide in some pool thread
    y[-1] = 4.0
    with np.errstate(all="raise"):
        for _ in range(3):
            got = par(x, y)
    assert_identical(got, np.full(BIG, 0.5))


@pytest.fixture(scope="module")
def grow():
    return both("""
        def grow(x):
            return math.exp(x)
    """, ["float64(float64)"])


def test_fp_errors_of_overflowing_transcendentals(grow):
    _, cpu, par = grow
    x = np.linspace(0, 10, BIG)
    x[-1] = 1000.0
    for u in (cpu, par):
        with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="overflow"):
            u(x)
    with np.errstate(all="ignore"):
        got = par(x)
    assert got[-1] == np.inf
    np.testing.assert_allclose(got[:-1], np.exp(x[:-1]), rtol=1e-15)


# --- gufuncs -------------------------------------------------------------------

NORM = """
def norm(x, out):
    s = 0.0
    for v in x:
        s += v * v
    out[0] = math.sqrt(s)
"""



@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_gufunc_row_norms_are_identical_to_cpu(dtype, rng):
    _, cpu, par = both_gu(NORM, ["void(float64[:], float64[:])", "void(float32[:], float32[:])"], "(n)->()")
    x = rng.uniform(-1, 1, (20000, 50)).astype(dtype)
    got = par(x)
    assert_identical(got, cpu(x))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, np.linalg.norm(x.astype(np.float64), axis=1), rtol=rtol)
    # Non-contiguous rows and columns, and a strided out=.
    xs = rng.uniform(-1, 1, (40000, 100)).astype(dtype)[::2, ::2]
    out_p = np.zeros(3 * 20000, dtype=dtype)[::3]
    out_c = np.zeros(3 * 20000, dtype=dtype)[::3]
    par(xs, out=out_p)
    cpu(xs, out=out_c)
    assert_identical(out_p, out_c)
    # Rows along axis 0 (axes=) and the threshold: 655 rows of 50 < 32768 <= 656 rows.
    assert_identical(par(x.T, axes=[(0,), ()]), cpu(x.T, axes=[(0,), ()]))
    for rows in [655, 656, 657]:
        assert_identical(par(x[:rows]), cpu(x[:rows]))


def test_gufunc_batched_matmul_is_identical_to_cpu(rng):
    _, cpu, par = both_gu(MATMUL, ["void(float64[:,:], float64[:,:], float64[:,:])",
                                  "void(complex128[:,:], complex128[:,:], complex128[:,:])"],
                          "(m,n),(n,p)->(m,p)")
    a = rng.uniform(-1, 1, (5000, 4, 4))
    b = rng.uniform(-1, 1, (5000, 4, 4))
    got = par(a, b)
    assert_identical(got, cpu(a, b))
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-12, atol=1e-12)
    # Broadcast second operand, transposed (strided) first operand.
    b1 = rng.uniform(-1, 1, (4, 4))
    assert_identical(par(a.transpose(0, 2, 1), b1), cpu(a.transpose(0, 2, 1), b1))
    ac = a + 1j * rng.uniform(-1, 1, a.shape)
    bc = b - 1j * rng.uniform(-1, 1, b.shape)
    got = par(ac, bc)
    assert_identical(got, cpu(ac, bc))
    np.testing.assert_allclose(got, np.matmul(ac, bc), rtol=1e-12, atol=1e-12)
    # out= overlapping an input: NumPy copies, so in-place matmul works.
    ap, acpu = a.copy(), a.copy()
    par(ap, b, out=ap)
    cpu(acpu, b, out=acpu)
    assert_identical(ap, acpu)
    np.testing.assert_allclose(ap, np.matmul(a, b), rtol=1e-12, atol=1e-12)


def test_gufunc_fp_errors_in_a_worker_chunk_raise(rng):
    _, cpu, par = both_gu(NORM, ["void(float64[:], float64[:])"], "(n)->()")
    x = rng.uniform(-1, 1, (20000, 50))
    x[-1, -1] = 1e300               # s overflows in the last row
    for u in (cpu, par):
        with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="overflow"):
            u(x)
    with np.errstate(all="ignore"):
        got = par(x)
        expected = cpu(x)
    assert got[-1] == np.inf
    assert_identical(got, expected)


@pytest.mark.parametrize("shape", [(20000, 50), (300000, 3)], ids=str)
@pytest.mark.parametrize("bad_row", [None, 0, "middle", -1])
def test_gufunc_transcendental_rows_are_identical_to_cpu(shape, bad_row, rng):
    """Lanes of rows through libmvec, and the exact redo of a chunk of rows
    that met a NaN, give the same bits as on the cpu target."""
    f, cpu, par = both_gu("""
        def sumexp(x, out):
            s = 0.0
            for v in x:
                s += math.exp(v)
            out[0] = s
    """, ["void(float64[:], float64[:])"], "(n)->()")
    x = rng.uniform(-3, 3, shape)
    if bad_row is not None:
        x[shape[0] // 2 + 1 if bad_row == "middle" else bad_row, -1] = np.nan
    with np.errstate(all="ignore"):
        got = par(x)
        assert_identical(got, cpu(x))
    ok = ~np.isnan(x).any(axis=1)
    assert np.isnan(got[~ok]).all()
    np.testing.assert_allclose(got[ok], np.exp(x[ok]).sum(axis=1), rtol=1e-13)


def test_gufunc_with_empty_core_dimension():
    _, cpu, par = both_gu("""
        def total(x, out):
            acc = 0.0
            for v in x:
                acc += v
            out[0] = acc
    """, ["void(float64[:], float64[:])"], "(n)->()")
    x = np.zeros((40000, 0))
    assert_identical(par(x), np.zeros(40000))
    assert_identical(par(x), cpu(x))


def test_gufunc_writing_its_inputs_is_identical_to_cpu(rng):
    """``writable_args`` gufuncs run serially; the effects match cpu."""
    _, cpu, par = both_gu("""
        def center(x, out):
            m = 0.0
            for v in x:
                m += v
            m = m / x.shape[0]
            for i in range(x.shape[0]):
                x[i] = x[i] - m
            out[0] = m
    """, ["void(float64[:], float64[:])"], "(n)->()", writable_args=("x",))
    x0 = rng.uniform(-1, 1, (20000, 50))
    xp, xc = x0.copy(), x0.copy()
    mp, mc = par(xp), cpu(xc)
    assert_identical(mp, mc)
    assert_identical(xp, xc)
    np.testing.assert_allclose(xp, x0 - x0.mean(axis=1, keepdims=True), atol=1e-13)


def test_gufunc_boundscheck_error_in_a_small_parallel_call_raises_index_error():
    """Below the threshold the loop runs on the calling thread."""
    _, _, par = both_gu("""
        def pick(x, i, out):
            out[0] = x[i]
    """, ["void(float64[:], int64, float64[:])"], "(n),()->()", boundscheck=True)
    x = np.ones((100, 50))
    i = np.zeros(100, dtype=np.int64)
    i[-1] = -51
    with pytest.raises(IndexError, match="out of bounds"):
        par(x, i)
    i[-1] = -50
    assert_identical(par(x, i), np.ones(100))


# --- options and the pool ------------------------------------------------------

def test_gpu_target_raises_option_error_naming_it():
    f = make_function("""
        def k(x):
            return x + 1.0
    """)
    with pytest.raises(OptionError, match="gpu"):
        vectorize(["float64(float64)"], target="gpu")(f)
    with pytest.raises(OptionError, match="gpu"):
        vectorize(target="gpu")(f)
    with pytest.raises(OptionError, match="gpu"):
        guvectorize(["void(float64[:], float64[:])"], "(n)->()", target="gpu")(f)
    assert issubclass(OptionError, ValueError)


def test_parallel_ufunc_records_its_target():
    _, cpu, par = both("""
        def k(x):
            return x + 1.0
    """, ["float64(float64)"])
    assert par._jitufunc_[1]["target"] == "parallel"
    assert cpu._jitufunc_[1]["target"] == "cpu"
    assert isinstance(par, np.ufunc) and par.types == cpu.types


def test_thread_count_is_positive_and_at_most_the_usable_cpus():
    n = _core.thread_count()
    assert isinstance(n, int) and n >= 1
    if "JITUFUNC_NUM_THREADS" in os.environ:
        assert n == int(os.environ["JITUFUNC_NUM_THREADS"])
    else:
        assert n <= len(os.sched_getaffinity(0))


THREADS_SCRIPT = textwrap.dedent('''
    import json, math, os, sys
    import numpy as np
    from jitufunc import vectorize, guvectorize, _core

    def wave(x):
        return math.exp(-x * x / 8.0) * math.sin(3.0 * x) + math.log(x * x + 1.0)

    def norm(x, out):
        s = 0.0
        for v in x:
            s += v * v
        out[0] = math.sqrt(s)

    cpu = vectorize(["float64(float64)"])(wave)
    par = vectorize(["float64(float64)"], target="parallel")(wave)
    gcpu = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(norm)
    gpar = guvectorize(["void(float64[:], float64[:])"], "(n)->()", target="parallel")(norm)
    x = np.linspace(-7, 7, 1_000_003)
    m = np.linspace(-1, 1, 20000 * 50).reshape(20000, 50)
    same = bool(np.array_equal(par(x), cpu(x))) and bool(np.array_equal(gpar(m), gcpu(m)))
    def grow(x):
        return math.exp(x)

    grow_par = vectorize(["float64(float64)"], target="parallel")(grow)
    y = np.zeros(1_000_003)
    y[-1] = 1000.0
    try:
        with np.errstate(all="raise"):
            grow_par(y)
        raised = False
    except FloatingPointError:
        raised = True
    names = []
    for t in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{t}/comm") as fh:
            names.append(fh.read().strip())
    print(json.dumps(dict(threads=_core.thread_count(), same=same, raised=raised,
                          pool=sum(n.startswith("jitufunc-") for n in names))))
''')


@pytest.mark.parametrize("nthreads", [1, 3])
def test_num_threads_env_var_in_a_subprocess(nthreads, tmp_path):
    script = tmp_path / "threads.py"
    script.write_text(THREADS_SCRIPT)
    env = dict(os.environ, JITUFUNC_NUM_THREADS=str(nthreads))
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["threads"] == nthreads
    assert result["same"] is True
    assert result["raised"] is True            # exp overflow in the last chunk
    # The pool has the requested number of threads (none for 1: serial).
    assert result["pool"] == (0 if nthreads == 1 else nthreads)


# --- known bugs, with a fixed pool size --------------------------------------------
#
# Whether these show depends on where the chunk boundaries fall, so they run
# in a subprocess with JITUFUNC_NUM_THREADS=2 (8 chunks of 125056 elements
# for 1e6 elements, whatever the machine).

POOL2_SCRIPT = textwrap.dedent('''
    import json, math
    import numpy as np
    from jitufunc import vectorize, guvectorize, _core

    def grow(x):
        return math.exp(x)

    def pick(x, i, out):
        out[0] = x[i]

    cpu = vectorize(["float64(float64)"])(grow)
    par = vectorize(["float64(float64)"], target="parallel")(grow)
    differing = {}
    for name, bad in [("overflow", 1000.0), ("nan", float("nan")), ("inf", float("inf"))]:
        x = np.linspace(0, 10, 1_000_000)
        x[-1] = bad
        with np.errstate(all="ignore"):
            a, b = cpu(x), par(x)
        differing[name] = [int(k) for k in np.flatnonzero((a != b) & ~(np.isnan(a) & np.isnan(b)))]

    raised = {}
    for target in ["cpu", "parallel"]:
        g = guvectorize(["void(float64[:], int64, float64[:])"], "(n),()->()", boundscheck=True,
                        target=target)(pick)
        x = np.ones((20000, 50))
        i = np.zeros(20000, dtype=np.int64)
        i[-1] = 50
        try:
            g(x, i)
            raised[target] = None
        except Exception as e:
            raised[target] = [type(e).__name__, str(e)]
    print(json.dumps(dict(threads=_core.thread_count(), differing=differing, raised=raised)))
''')


@pytest.fixture(scope="module")
def pool2(tmp_path_factory):
    script = tmp_path_factory.mktemp("pool2") / "pool2.py"
    script.write_text(POOL2_SCRIPT)
    env = dict(os.environ, JITUFUNC_NUM_THREADS="2")
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["threads"] == 2
    return result


@pytest.mark.parametrize("bad", ["overflow", "nan", "inf"])
def test_transcendental_with_a_non_finite_element_is_identical_to_cpu(pool2, bad):
    assert pool2["differing"][bad] == []


def test_boundscheck_error_on_the_cpu_target_for_comparison(pool2):
    name, message = pool2["raised"]["cpu"]
    assert name == "IndexError" and "out of bounds" in message


def test_gufunc_boundscheck_error_in_a_worker_chunk_raises_index_error(pool2):
    assert pool2["raised"]["parallel"] is not None
    name, message = pool2["raised"]["parallel"]
    assert name == "IndexError" and "out of bounds" in message


FORK_SCRIPT = r"""
import multiprocessing as mp
import numpy as np
from jitufunc import vectorize

def k(x):
    return x * 2.0 + 1.0

f = vectorize(["float64(float64)"], target="parallel")(k)
x = np.arange(1_000_000, dtype=np.float64)
assert np.array_equal(f(x), x * 2.0 + 1.0)      # the parent's pool exists now

def child(i):
    return float(f(x + i).sum())

with mp.get_context("fork").Pool(2) as pool:
    got = pool.map(child, [0, 1])
expected = [float((x * 2.0 + 1.0).sum()), float(((x + 1) * 2.0 + 1.0).sum())]
assert got == expected, (got, expected)
print("ok")
"""


def test_parallel_ufunc_works_in_forked_children(tmp_path):
    script = tmp_path / "fork_children.py"
    script.write_text(FORK_SCRIPT)
    env = {**os.environ, "JITUFUNC_NUM_THREADS": "2"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
