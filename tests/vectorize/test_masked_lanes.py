"""Kernels with data-dependent loops in masked lanes (codegen::masked).

A ufunc kernel with a loop that counts to a constant of at least 16 and may
leave early (escape-time kernels) runs several elements together, each in
its own lane, refilled as lanes finish. Every lane must compute exactly
what the scalar kernel computes: results are compared bit for bit with the
Python function on NumPy scalars and with the same kernel compiled with
masked lanes turned off (``JITUFUNC_MASKED_LANES=1``), across lane counts,
sizes (tails of every length), strides, broadcasting, ``out=``/``where=``
and floating-point flags.
"""

import math
import os
import platform
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import jitufunc
from tests.conftest import reference


def escape(cr, ci):
    zr = 0.0
    zi = 0.0
    for i in range(100):
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            return i
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
    return 100


def escape_smooth(cr, ci):
    # A prologue used in the loop, an early return before it, a value
    # computed after it, two returns from the loop.
    if cr * cr + ci * ci > 16.0:
        return -1.0
    scale = 0.5 * (cr + 2.0)
    zr = 0.0
    zi = 0.0
    n = 0
    for i in range(64):
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            return i + scale
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        n += 1
    return n * scale - zr


def newton(x, a):
    # sqrt(a) by Newton's method with a data-dependent stop; math calls in
    # the loop.
    if a <= 0.0:
        return 0.0
    y = x if x > 0.0 else 1.0
    for i in range(50):
        nxt = 0.5 * (y + a / y)
        if math.fabs(nxt - y) <= 1e-12 * nxt:
            return nxt
        y = nxt
    return -y


def collatz_capped(n):
    # Integer division and remainder in the lanes (lanes that are not there
    # must not divide by zero).
    steps = 0
    for i in range(200):
        if n <= 1:
            return steps
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return -steps


def digits(n, base):
    # Division by a runtime divisor that is zero for some elements (those
    # return before the loop).
    if base < 2:
        return -1
    count = 0
    for i in range(64):
        if n == 0:
            return count
        n = n // base
        count += 1
    return count


def nested(x, k):
    # A loop inside the counted loop.
    total = 0.0
    for i in range(20):
        j = 0
        while j < k and x > 0.5:
            x = x * 0.75
            j += 1
        total += x
        if total > 10.0:
            return total
        x = x + 0.3
    return -total


def two_loops(x):
    # Two loops in a row: not one outer loop, so lanes run in lockstep.
    a = x
    for i in range(30):
        if a > 100.0:
            break
        a = a * 1.5 + 0.25
    b = 0.0
    for i in range(30):
        if b > a:
            return i
        b = b + 7.0
    return 99


def sign_steps(x, flag):
    # bool input and output, and a branch inside the loop.
    for i in range(40):
        if flag and x > 3.0:
            return True
        if x < -3.0:
            return False
        x = x * 1.3 if x > 0.0 else x * 1.1 - 0.05
    return flag


def blowup(cr):
    # Overflows for large |cr| only if a lane kept going after leaving.
    zr = 0.0
    for i in range(40):
        if zr * zr > 4.0:
            return i
        zr = zr * zr + cr
    return 40


def short_while(x):
    # A loop that may stop at once: keeps the scalar loop (the rule).
    n = 0
    while x > 1.0:
        x = x * 0.5
        n += 1
    return n


LANES = ["default", "1", "4", "16"]


def compile_with(monkeypatch, lanes, func, signatures):
    if lanes == "default":
        monkeypatch.delenv("JITUFUNC_MASKED_LANES", raising=False)
    else:
        monkeypatch.setenv("JITUFUNC_MASKED_LANES", lanes)
    return jitufunc.vectorize(signatures)(func)


def scalar_form(monkeypatch, func, signatures):
    monkeypatch.setenv("JITUFUNC_MASKED_LANES", "1")
    try:
        return jitufunc.vectorize(signatures)(func)
    finally:
        monkeypatch.delenv("JITUFUNC_MASKED_LANES")


def points(rng, n, dtype=np.float64):
    return (rng.uniform(-2.2, 1.2, n).astype(dtype), rng.uniform(-1.3, 1.3, n).astype(dtype))


@pytest.mark.parametrize("lanes", LANES)
@pytest.mark.parametrize("n", [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 255, 256, 257, 1000, 4099])
def test_escape_matches_python_bit_for_bit(monkeypatch, rng, lanes, n):
    f = compile_with(monkeypatch, lanes, escape, ["int32(float64, float64)"])
    cr, ci = points(rng, n)
    np.testing.assert_array_equal(f(cr, ci), reference(escape, [cr, ci], np.int32))


@pytest.mark.parametrize("lanes", LANES)
def test_escape_on_a_grid_and_float32(monkeypatch, lanes):
    f = compile_with(monkeypatch, lanes, escape, ["int32(float64, float64)", "int64(float32, float32)"])
    x = np.linspace(-2.0, 1.0, 301)
    y = np.linspace(-1.2, 1.2, 211)
    gr, gi = np.meshgrid(x, y)
    np.testing.assert_array_equal(f(gr, gi), reference(escape, [gr, gi], np.int32))
    gr32, gi32 = gr.astype(np.float32), gi.astype(np.float32)
    got = f(gr32, gi32)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, reference(escape, [gr32, gi32], np.int64))


@pytest.mark.parametrize("lanes", LANES)
@pytest.mark.parametrize("func,sig,make", [
    (escape_smooth, "float64(float64, float64)", lambda r, n: points(r, n)),
    (newton, "float64(float64, float64)",
     lambda r, n: (r.uniform(-2, 50, n), np.where(r.random(n) < 0.1, -1.0, r.uniform(0, 1e6, n)))),
    (nested, "float64(float64, int64)", lambda r, n: (r.uniform(-1, 3, n), r.integers(0, 6, n))),
    (two_loops, "int64(float64)", lambda r, n: (r.uniform(-5, 60, n),)),
    (sign_steps, "bool(float64, bool)", lambda r, n: (r.uniform(-4, 4, n), r.random(n) < 0.5)),
    (blowup, "int64(float64)", lambda r, n: (np.where(r.random(n) < 0.5, r.uniform(-2, 0.25, n), 1e100),)),
])
def test_kernels_match_python_and_the_scalar_loop(monkeypatch, rng, lanes, func, sig, make):
    args = make(rng, 777)
    f = compile_with(monkeypatch, lanes, func, [sig])
    g = scalar_form(monkeypatch, func, [sig])
    got = f(*args)
    expected = reference(func, args, got.dtype)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, g(*args))


@pytest.mark.parametrize("lanes", LANES)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16])
def test_integer_kernels_divide_safely(monkeypatch, rng, lanes, dtype):
    sig = f"int64({np.dtype(dtype).name})"
    f = compile_with(monkeypatch, lanes, collatz_capped, [sig])
    n = rng.integers(0, 3000, 999).astype(dtype)
    np.testing.assert_array_equal(f(n), reference(collatz_capped, [n], np.int64))
    d = compile_with(monkeypatch, lanes, digits, ["int64(int64, int64)"])
    values = rng.integers(0, 10**12, 999)
    bases = rng.integers(-1, 12, 999)  # 0 and 1 return before the loop
    np.testing.assert_array_equal(d(values, bases), reference(digits, [values, bases], np.int64))


@pytest.mark.parametrize("lanes", ["default", "4"])
def test_strides_broadcasting_out_and_where(monkeypatch, rng, lanes):
    f = compile_with(monkeypatch, lanes, escape, ["int32(float64, float64)"])
    cr, ci = points(rng, 2001)
    expected = reference(escape, [cr, ci], np.int32)
    # Reversed and strided views take the strided path; the results agree.
    np.testing.assert_array_equal(f(cr[::-1], ci[::-1]), expected[::-1])
    np.testing.assert_array_equal(f(cr[::3], ci[::3]), expected[::3])
    # A broadcast scalar (stride 0) and a column against a row.
    np.testing.assert_array_equal(f(cr, -0.3), reference(escape, [cr, -0.3], np.int32))
    col, row = cr[:60, None], ci[None, :70]
    np.testing.assert_array_equal(f(col, row), reference(escape, [col, row], np.int32))
    # out= and where=.
    out = np.full(2001, -7, dtype=np.int32)
    assert f(cr, ci, out=out) is out
    np.testing.assert_array_equal(out, expected)
    mask = rng.random(2001) < 0.5
    out = np.full(2001, -7, dtype=np.int32)
    f(cr, ci, out=out, where=mask)
    np.testing.assert_array_equal(out, np.where(mask, expected, -7))


@pytest.mark.parametrize("lanes", ["default", "4"])
def test_in_place_output(monkeypatch, rng, lanes):
    f = compile_with(monkeypatch, lanes, escape_smooth, ["float64(float64, float64)"])
    cr, ci = points(rng, 1500)
    expected = reference(escape_smooth, [cr, ci], np.float64)
    a = cr.copy()
    f(a, ci, out=a)
    np.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize("lanes", ["default", "4", "16"])
def test_floating_point_flags_are_the_scalar_loops(monkeypatch, rng, lanes):
    # Elements with cr = 1e100 leave on the second trip without
    # overflowing (1e100 squared is 1e200); a lane that kept going would
    # overflow. An element that really overflows (1e200 squared) must
    # still be reported.
    f = compile_with(monkeypatch, lanes, blowup, ["int64(float64)"])
    quiet = np.where(rng.random(999) < 0.5, rng.uniform(-2, 0.25, 999), 1e100)
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(f(quiet), reference(blowup, [quiet], np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(quiet)
    loud = quiet.copy()
    loud[500] = 1e200
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            blowup(np.float64(1e200))  # Python on NumPy scalars overflows too
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError, match="overflow"):
            f(loud)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(f(loud), reference(blowup, [loud], np.int64))


def _decision(func_source, name, signature):
    """Which form the compiler chose, from its dump in a fresh process."""
    script = textwrap.dedent(f"""
        import linecache, sys
        import jitufunc
        src = {func_source!r}
        linecache.cache["<masked-test>"] = (len(src), None, src.splitlines(True), "<masked-test>")
        ns = {{"math": __import__("math")}}
        exec(compile(src, "<masked-test>", "exec"), ns)
        jitufunc.vectorize([{signature!r}])(ns[{name!r}])
    """)
    env = dict(os.environ, JITUFUNC_DUMP="llvm")
    env.pop("JITUFUNC_MASKED_LANES", None)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [l for l in proc.stderr.splitlines() if l.startswith("; ") and ".scalar:" in l]
    assert len(lines) == 1, proc.stderr[-2000:]
    return lines[0]


def _host_vector_bits():
    flags = ""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith(("flags", "Features"))), "")
    words = set(flags.split())
    if "avx512f" in words:
        return 512
    if "avx2" in words or "avx" in words:
        return 256
    return 128


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() != "x86_64",
                    reason="the host's vector width is read from /proc/cpuinfo on x86-64 Linux")
def test_default_lane_counts():
    # Two vector registers' worth of the widest value, four with AVX2 and
    # 64-bit values (measured: see `masked::lane_count`).
    import inspect
    bits = _host_vector_bits()
    source = inspect.getsource(escape)
    f64 = _decision(source, "escape", "int32(float64, float64)")
    f32 = _decision(source, "escape", "int32(float32, float32)")
    want64 = 16 if bits == 256 else 2 * bits // 64
    assert f64.endswith(f"Ok(Refill), {want64} lanes"), f64
    assert f32.endswith(f"Ok(Refill), {2 * bits // 32} lanes"), f32


def test_the_rule_picks_counted_loops_only():
    import inspect
    assert "Ok(Refill)" in _decision(inspect.getsource(escape), "escape", "int32(float64, float64)")
    assert "Ok(Lockstep)" in _decision(inspect.getsource(two_loops), "two_loops", "int64(float64)")
    short = _decision(inspect.getsource(short_while), "short_while", "int64(float64)")
    assert "Err" in short and "counting to a constant" in short


def test_raising_kernels_keep_their_loop(monkeypatch, rng):
    def stop_at(x):
        for i in range(50):
            if x > 1e6:
                raise ValueError("too big")
            if x < 0.0:
                return i
            x = x * 2.0 - 1.0
        return 50

    f = jitufunc.vectorize(["int64(float64)"])(stop_at)
    x = rng.uniform(0.1, 0.99, 500)
    np.testing.assert_array_equal(f(x), reference(stop_at, [x], np.int64))
    x[250] = 1e7
    with pytest.raises(ValueError, match="too big"):
        f(x)
