"""A freshly compiled ufunc's elementwise loop is driven from Rust
(``src/loops/driven.rs``): the generated code is only the chunk's vector
pass. A ``cache=True`` ufunc keeps the fully generated loop
(``src/loops/elementwise.rs``). The two must agree bit for bit, flag for
flag and error for error on every layout NumPy hands a loop, and both must
agree with the Python function."""

import math

import numpy as np
import pytest

from conftest import flags_of
from jitufunc import jit, vectorize

SIZES = [0, 1, 15, 16, 17, 255, 256, 257, 600, 1000]


def pair(py, signatures, **options):
    """The driven ufunc and the generated-loop ufunc of `py`."""
    return (
        vectorize(signatures, **options)(py),
        vectorize(signatures, cache=True, **options)(py),
    )


def flags_and_result(f, *args, **kwargs):
    out, seen = flags_of(f, *args, **kwargs)
    return out, sorted(seen)


def same(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.dtype == b.dtype
    assert a.shape == b.shape
    # Bit for bit (NaN payloads included).
    assert a.tobytes() == b.tobytes()


def fma_like(x, y):
    return x * y + 1.0


def gauss(x, y):
    return math.exp(-x * x) * y


def two(x, y):
    return x + y, x - y


def wide(a, b, c, d, e, f, g, h, i):
    return a + 2.0 * b + 3.0 * c + 4.0 * d + 5.0 * e + 6.0 * f + 7.0 * g + 8.0 * h + 9.0 * i


def with_specials(x, rng, n):
    """`x` with an inf, a NaN and a huge value in the second chunk only."""
    x = x.copy()
    if n > 300:
        x[260] = np.inf
        x[270] = np.nan
        x[280] = 1e300
    return x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", SIZES)
def test_contiguous_and_flags(dtype, n):
    sig = f"{dtype}({dtype},{dtype})"
    driven, generated = pair(fma_like, [sig])
    rng = np.random.default_rng(n)
    big = 1e300 if dtype == "float64" else 3e37
    x = with_specials(rng.standard_normal(n), rng, n).astype(dtype) if dtype == "float64" else rng.standard_normal(n).astype(dtype)
    if dtype == "float32" and n > 300:
        x[260], x[270] = np.inf, np.nan
    y = (rng.standard_normal(n) * big).astype(dtype)
    a, fa = flags_and_result(driven, x, y)
    b, fb = flags_and_result(generated, x, y)
    same(a, b)
    assert fa == fb
    # and the Python function, element by element
    ref = np.array([fma_like(u, v) for u, v in zip(x.tolist(), y.tolist())], dtype=dtype) if dtype == "float64" else None
    if ref is not None:
        same(a, ref)


def poly(x, y):
    return (x * y - 0.5 * x) * y + x / 3.0


@pytest.mark.parametrize("n", SIZES)
def test_vector_math_within_two_ulps(n):
    """Vector math (libmvec's exp) and scalar math may differ in the last
    bit; which elements take which differs between the loops (the driven
    loop runs short tails through the vector pass), so this compares to
    two units in the last place (four against the Python function: exp
    then a multiply), and the flags exactly."""
    driven, generated = pair(gauss, ["float64(float64,float64)"])
    rng = np.random.default_rng(n + 1)
    x = with_specials(rng.standard_normal(n) * 30, rng, n)
    for y in (x[::-1].copy(), np.float64(0.5)):
        a, fa = flags_and_result(driven, x, y)
        b, fb = flags_and_result(generated, x, y)
        np.testing.assert_array_max_ulp(a, b, maxulp=2)
        assert fa == fb
        ref = np.array([gauss(u, v) for u, v in zip(x.tolist(), np.broadcast_to(y, x.shape).tolist())])
        np.testing.assert_array_max_ulp(a, ref, maxulp=4)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("which", [0, 1])
def test_broadcast_input(n, which):
    driven, generated = pair(poly, ["float64(float64,float64)"])
    rng = np.random.default_rng(7)
    x = rng.standard_normal(n) * 30
    args = [x, x[::-1].copy()]
    args[which] = np.float64(0.5) if which == 0 else np.float64(-1e308)
    a, fa = flags_and_result(driven, *args)
    b, fb = flags_and_result(generated, *args)
    same(a, b)
    assert fa == fb
    # a 0-stride view, not a scalar
    args[which] = np.broadcast_to(np.float64(2.5), (n,))
    same(driven(*args), generated(*args))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("step", [-1, 2, -3])
def test_strided_operands(n, step):
    driven, generated = pair(fma_like, ["float64(float64,float64)"])
    rng = np.random.default_rng(3)
    base = rng.standard_normal(n * 3 + 1)
    x = base[:: step][:n]
    y = base[::-1][:: abs(step)][:n]
    out_a = np.zeros(n * 2)[::2]
    out_b = np.zeros(n * 2)[::2]
    driven(x, y, out=out_a)
    generated(x, y, out=out_b)
    same(out_a, out_b)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("target", ["x", "y"])
@pytest.mark.parametrize("fastmath", [False, True])
def test_in_place(n, target, fastmath):
    """In place, a short tail must not be recomputed from outputs already
    written (with fastmath nothing is buffered)."""
    driven, generated = pair(fma_like, ["float64(float64,float64)"], fastmath=fastmath)
    rng = np.random.default_rng(11)
    x0 = with_specials(rng.standard_normal(n), rng, n)
    y0 = rng.standard_normal(n) * 1e300
    results = []
    for f in (driven, generated):
        x, y = x0.copy(), y0.copy()
        out = x if target == "x" else y
        _, flags = flags_and_result(f, x, y, out=out)
        results.append((x, y, flags))
    same(results[0][0], results[1][0])
    same(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]
    expected = np.array([fma_like(u, v) for u, v in zip(x0.tolist(), y0.tolist())])
    same(results[0][0] if target == "x" else results[0][1], expected)


@pytest.mark.parametrize("n", [16, 17, 300, 1000])
def test_overlapping_shifted_output(n):
    """An output one element ahead of an input (what `accumulate` does)
    must run sequentially, as the generated loop does."""
    driven, generated = pair(fma_like, ["float64(float64,float64)"])
    outs = []
    for f in (driven, generated):
        buf = np.linspace(0.0, 1.0, n + 1)
        f(buf[:-1], buf[:-1], out=buf[1:])
        outs.append(buf)
    same(outs[0], outs[1])
    same(driven.accumulate(np.linspace(0, 1, n)), generated.accumulate(np.linspace(0, 1, n)))


@pytest.mark.parametrize("n", SIZES)
def test_two_outputs(n):
    driven, generated = pair(two, ["(float64, float64)(float64, float64)"])
    rng = np.random.default_rng(5)
    x = with_specials(rng.standard_normal(n), rng, n)
    y = rng.standard_normal(n) * 1e307
    (a1, a2), fa = flags_and_result(driven, x, y)
    (b1, b2), fb = flags_and_result(generated, x, y)
    same(a1, b1)
    same(a2, b2)
    assert fa == fb
    # in place on both outputs, and a broadcast input
    xa, xb = x.copy(), x.copy()
    driven(xa, 3.0, out=(xa, np.empty(n)))
    generated(xb, 3.0, out=(xb, np.empty(n)))
    same(xa, xb)


@pytest.mark.parametrize("n", [1, 16, 300, 1000])
def test_many_operands_and_large_buffers(n):
    """Nine inputs (more operands than the driver keeps on its stack), and
    broadcast complex inputs whose buffers do not fit its stack scratch."""
    sig = "float64(" + ",".join(["float64"] * 9) + ")"
    driven, generated = pair(wide, [sig])
    rng = np.random.default_rng(9)
    args = [rng.standard_normal(n) for _ in range(9)]
    args[2] = np.float64(1.5)
    args[5] = np.float64(-2.0)
    same(driven(*args), generated(*args))
    out_a, out_b = args[0].copy(), args[0].copy()
    driven(out_a, *args[1:], out=out_a)
    generated(out_b, *args[1:], out=out_b)
    same(out_a, out_b)

    def cmul(a, b):
        return a * b + 1j

    cd, cg = pair(cmul, ["complex128(complex128,complex128)"])
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    same(cd(z, 2 - 3j), cg(z, 2 - 3j))
    same(cd(1 + 1j, z), cg(1 + 1j, z))
    za, zb = z.copy(), z.copy()
    cd(za, 0.5j, out=za)
    cg(zb, 0.5j, out=zb)
    same(za, zb)


def test_raise_stops_at_the_same_element():
    def checked(x):
        if x < 0.0:
            raise ValueError("negative input")
        return math.sqrt(x)

    driven, generated = pair(checked, ["float64(float64)"])
    for n, bad in [(20, 19), (600, 300), (1000, 5)]:
        x = np.arange(n, dtype=np.float64)
        x[bad] = -1.0
        messages = []
        outs = []
        for f in (driven, generated):
            out = np.full(n, -7.0)
            with pytest.raises(ValueError) as info:
                f(x, out=out)
            messages.append(str(info.value))
            outs.append(out)
        assert messages[0] == messages[1]
        assert "negative input" in messages[0]
        same(outs[0], outs[1])
        # everything before the bad element was computed
        same(outs[0][:bad], np.sqrt(x[:bad]))


@pytest.mark.parametrize("n", SIZES)
def test_fastmath_and_other_dtypes(n):
    rng = np.random.default_rng(13)
    x = rng.standard_normal(n)
    y = rng.standard_normal(n)
    d, g = pair(fma_like, ["float64(float64,float64)"], fastmath=True)
    same(d(x, y), g(x, y))
    same(d(x, 2.0), g(x, 2.0))

    def greater(a, b):
        return a > b

    d, g = pair(greater, ["bool(float64,float64)", "bool(int8,int8)"])
    same(d(x, y), g(x, y))
    xi = (x * 50).astype(np.int8)
    yi = (y * 50).astype(np.int8)
    same(d(xi, yi), g(xi, yi))
    same(d(xi, np.int8(3)), g(xi, np.int8(3)))
    same(d(x, y), x > y)

    def floordiv(a, b):
        return a // b

    d, g = pair(floordiv, ["int64(int64,int64)"])
    a = (x * 1000).astype(np.int64)
    b = (y * 10).astype(np.int64) | 1
    same(d(a, b), g(a, b))
    same(d(a, b), a // b)


def test_thread_parallel_target():
    d, g = pair(fma_like, ["float64(float64,float64)"], target="parallel")
    x = np.linspace(-1, 1, 200_001)
    same(d(x, x[::-1]), g(x, x[::-1]))
    same(d(x, x[::-1]), x * x[::-1] + 1.0)


def test_kernels_with_effects_are_not_padded():
    """A kernel drawing random numbers runs exactly once per element: the
    draws of a 17-element call and a 3-element call are those of one
    20-element call (padding the short tail would draw more)."""

    def noisy(x):
        return x + np.random.random()

    @jit
    def seed(s):
        # compiled code's generator (not NumPy's), as in Numba
        np.random.seed(s)

    driven = vectorize(["float64(float64)"])(noisy)
    for first in (1, 5, 17, 33, 257, 300):
        seed(1)
        a = driven(np.zeros(first))
        b = driven(np.zeros(3))
        seed(1)
        c = driven(np.zeros(first + 3))
        same(np.concatenate([a, b]), c)
        assert len(np.unique(c)) == first + 3


@pytest.mark.parametrize("n", [17, 18, 19, 33, 257, 259])
def test_padded_tail_float32_and_int8(n):
    """Tails shorter than a vector of the narrowest operand (8 float32, 32
    int8 on AVX2) go through padding; the results and flags are the real
    elements' only."""
    rng = np.random.default_rng(n)

    def scaled(x, y):
        return x * y

    d, g = pair(scaled, ["float32(float32,float32)", "int8(int8,int8)"])
    x = rng.standard_normal(n).astype(np.float32) * 1e20
    y = np.ones(n, np.float32)
    y[-1] = 1e20  # only the very last element overflows
    a, fa = flags_and_result(d, x, y)
    b, fb = flags_and_result(g, x, y)
    same(a, b)
    assert fa == fb
    y[-1] = 1.0  # no element overflows; padding copies of element n-1 must not either
    a, fa = flags_and_result(d, x, y)
    assert fa == []
    same(a, x * y)
    xi = (rng.standard_normal(n) * 40).astype(np.int8)
    same(d(xi, xi), g(xi, xi))


@pytest.mark.parametrize("cache", [False, True])
def test_kernels_with_effects_run_once_per_element_with_non_finite_inputs(cache):
    """A chunk whose fast pass meets a non-finite value is redone exactly;
    a kernel drawing random numbers must not be run twice: it takes the
    exact path, and its draws do not depend on where an inf sits (both
    the driven and the generated loop)."""

    def noisy(x):
        return x + np.random.random()

    @jit
    def seed(s):
        np.random.seed(s)

    @jit
    def draw():
        return np.random.random()

    def noisy_through_a_helper(x):
        return x + draw()

    for kernel in (noisy, noisy_through_a_helper):
        f = vectorize(["float64(float64)"], cache=cache)(kernel)
        x = np.zeros(600)
        x[300] = np.inf
        seed(3)
        a, flags = flags_and_result(f, x)
        seed(3)
        b = f(np.zeros(600))
        finite = np.isfinite(a)
        assert finite.sum() == 599
        same(a[finite], b[finite])
        assert flags == []


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_heap_paths_keep_rss_flat():
    """The driver's heap paths (more operands than it keeps on the stack,
    buffers larger than its stack scratch) free what they take: RSS stays
    flat over many calls."""
    sig = "float64(" + ",".join(["float64"] * 9) + ")"
    many = vectorize([sig])(wide)

    def cmul(a, b):
        return a * b + 1j

    big = vectorize(["complex128(complex128,complex128)"])(cmul)
    rng = np.random.default_rng(2)
    args = [rng.standard_normal(300) for _ in range(9)]
    args[4] = np.float64(2.0)
    z = rng.standard_normal(300) + 1j * rng.standard_normal(300)
    out = np.empty(300)
    zout = np.empty(300, complex)

    def round_():
        for _ in range(2000):
            many(*args, out=out)
            big(z, 2 - 3j, out=zout)

    round_()
    before = _rss_bytes()
    for _ in range(5):
        round_()
    grown = _rss_bytes() - before
    assert grown < 4 << 20, f"RSS grew by {grown} bytes over 20000 calls of each"
    same(out, wide(*[np.broadcast_to(a, (300,)) for a in args]))


def test_numpy_calls_the_driver_with_the_loops_slot_as_data():
    """NumPy's loop table holds the Rust driver with the loop's slot as
    its data for a driven loop, and a generated loop function with null
    data for a cached one: calling each pair as NumPy does (args, dims,
    steps, data) gives the ufunc's results, on strided operands too."""
    import ctypes

    from jitufunc import _core

    def poly3(x, y):
        return x * y + 0.5 * x - y

    driven, generated = pair(poly3, ["float64(float64,float64)"])
    [(types_d, fn_d, data_d)] = _core.library(driven).loop_entries
    [(types_g, fn_g, data_g)] = _core.library(generated).loop_entries
    assert types_d == types_g == [np.dtype(np.float64).num] * 3
    assert data_d != 0 and data_g == 0
    assert fn_d != fn_g
    loop_type = ctypes.CFUNCTYPE(None, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ssize_t),
                                 ctypes.POINTER(ctypes.c_ssize_t), ctypes.c_void_p)
    rng = np.random.default_rng(11)
    for n, step in [(1000, 1), (257, 3), (40, -2)]:
        base = rng.standard_normal(n * abs(step) + 1)
        x = base[::step][:n]
        y = np.ascontiguousarray(x[::-1])
        want = driven(x, y)
        same(want, poly3(x, y))
        for fn, data in [(fn_d, data_d), (fn_g, data_g)]:
            out = np.full(n, np.nan)
            args = (ctypes.c_void_p * 3)(x.ctypes.data, y.ctypes.data, out.ctypes.data)
            dims = (ctypes.c_ssize_t * 1)(n)
            steps = (ctypes.c_ssize_t * 3)(x.strides[0], y.strides[0], out.strides[0])
            loop_type(fn)(args, dims, steps, data)
            same(out, want)
