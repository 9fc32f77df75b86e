"""Gufunc kernels that read their outputs (``C[i, j] += a * B[k, j]``).

They run a fast kernel over chunks of outer iterations and redo a chunk
exactly when it noted a non-finite float, after restoring the chunk's
output blocks from a snapshot: results are bit for bit those of the Python
kernel run block by block (never accumulated twice), and the floating-point
flags are those the Python kernel raises on NumPy scalars. The expected
values come from the plain Python function (and ``np.matmul`` for the
matrix product), run on copies of the operands.
"""

import numpy as np
import pytest

from .helpers import MATMUL, compile_kernel

LAYOUT = "(m,n),(n,p)->(m,p)"

#: The matrix product in i-k-j order: zero a row of the output, then
#: accumulate into it.
MATMUL_IKJ = """
def matmul_ikj(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            C[i, j] = 0.0
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[i, j] += a * B[k, j]
"""

#: Accumulates into whatever the output holds (``C += A @ B``).
ACCUMULATE = """
def matmul_acc(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[i, j] += a * B[k, j]
"""

DTYPES = [np.float64, np.float32, np.int64]


def sig(dtype):
    t = np.dtype(dtype).name
    return [f"void({t}[:,:], {t}[:,:], {t}[:,:])"]


def compiled(source, dtype=np.float64, **options):
    return compile_kernel(source, sig(dtype), LAYOUT, **options)


def data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-50, 50, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def python_run(pyf, a, b, out, flags=None):
    """The Python kernel on each pair of core blocks of (copies of) ``a``
    and ``b``, writing into ``out`` in place (so it starts from what ``out``
    holds). With ``flags`` (a set), the floating-point flags NumPy's scalars
    raise are added to it."""
    a = np.array(a)
    b = np.array(b)
    loop = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, loop + a.shape[-2:])
    b = np.broadcast_to(b, loop + b.shape[-2:])
    assert out.shape[:-2] == loop
    with collected_flags(flags):
        for idx in np.ndindex(loop):
            pyf(a[idx], b[idx], out[idx])
    return out


class collected_flags:
    """``np.errstate(all="call")`` adding each reported flag's name to a set
    (or ignoring all flags when the set is None)."""

    def __init__(self, flags):
        self.flags = flags

    def __enter__(self):
        if self.flags is None:
            self.state = np.errstate(all="ignore")
        else:
            self.state = np.errstate(all="call", call=lambda kind, _: self.flags.update(kind.split("/")))
        self.state.__enter__()

    def __exit__(self, *exc):
        return self.state.__exit__(*exc)


def reference(pyf, a, b, dtype=None):
    """A fresh zeroed output filled by the Python kernel."""
    loop = np.broadcast_shapes(np.shape(a)[:-2], np.shape(b)[:-2])
    out = np.zeros(loop + (np.shape(a)[-2], np.shape(b)[-1]), dtype or np.result_type(a, b))
    return python_run(pyf, a, b, out)


# --- values, dtypes and shapes -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loop,m,n,p", [
    ((100,), 4, 4, 4),
    ((33,), 1, 1, 1),
    ((70,), 7, 3, 5),
    ((5, 13), 2, 6, 3),
    ((0,), 4, 4, 4),
    ((3, 0), 2, 2, 2),
    ((), 4, 4, 4),
])
def test_ikj_matmul_is_the_python_kernel_bit_for_bit(dtype, loop, m, n, p):
    pyf, gu = compiled(MATMUL_IKJ, dtype)
    a = data(loop + (m, n), dtype, 1)
    b = data(loop + (n, p), dtype, 2)
    expected = reference(pyf, a, b)
    got = gu(a, b)
    assert got.dtype == np.dtype(dtype) and got.shape == loop + (m, p)
    np.testing.assert_array_equal(got, expected)
    if got.size:
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, np.matmul(a, b), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_negative_and_broadcast_inputs(dtype):
    pyf, gu = compiled(MATMUL_IKJ, dtype)
    big_a = data((150, 8, 10), dtype, 3)
    big_b = data((150, 10, 12), dtype, 4)
    cases = [
        (big_a[::2, ::2, ::2], big_b[::2, ::2, ::3]),             # strided everywhere
        (big_a[::-1, ::-1, ::-2], big_b[::-1, ::-2, ::-1]),       # negative strides
        (big_a[0, :4, :5], big_b[:, :5, :4]),                    # a broadcast (outer stride 0)
        (big_a[:, :3, :5], big_b[7, :5, :6]),                    # b broadcast
        (np.broadcast_to(big_a[0, :4, :1], (150, 4, 3)), big_b[:, :3, :4]),  # zero core stride
        (big_a[:, :4, :5].transpose(0, 2, 1), big_b[:, :4, :6]),  # transposed core
    ]
    for a, b in cases:
        np.testing.assert_array_equal(gu(a, b), reference(pyf, a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "strided", "reversed", "core-reversed", "transposed"])
def test_given_outputs_of_any_layout(dtype, layout):
    pyf, gu = compiled(MATMUL_IKJ, dtype)
    a = data((130, 4, 3), dtype, 5)
    b = data((130, 3, 5), dtype, 6)
    if layout == "contiguous":
        buf = np.full((130, 4, 5), 7, dtype)
        out = buf
    elif layout == "strided":
        buf = np.full((260, 8, 10), 7, dtype)
        out = buf[::2, ::2, ::2]
    elif layout == "reversed":
        buf = np.full((130, 4, 5), 7, dtype)
        out = buf[::-1]
    elif layout == "core-reversed":
        buf = np.full((130, 4, 5), 7, dtype)
        out = buf[::-1, ::-1, ::-1]
    else:
        buf = np.full((130, 5, 4), 7, dtype)
        out = buf.transpose(0, 2, 1)
    before = buf.copy()
    result = gu(a, b, out=out)
    assert result is out
    np.testing.assert_array_equal(out, reference(pyf, a, b))
    if layout == "strided":
        # Elements of the buffer outside `out` are untouched.
        outside = np.ones(buf.shape, bool)
        outside[::2, ::2, ::2] = False
        np.testing.assert_array_equal(buf[outside], before[outside])


# --- outputs overlapping inputs --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["out=A", "out=B", "A is B is out", "shifted", "shifted-back", "reversed-overlap"])
def test_outputs_overlapping_inputs(dtype, case):
    pyf, gu = compiled(MATMUL_IKJ, dtype)
    buf = data((101, 4, 4), dtype, 7)
    if case == "out=A":
        a, b, out = buf[:100], data((100, 4, 4), dtype, 8), buf[:100]
    elif case == "out=B":
        a, b, out = data((100, 4, 4), dtype, 8), buf[:100], buf[:100]
    elif case == "A is B is out":
        a = b = out = buf[:100]
    elif case == "shifted":
        a, b, out = buf[:100], buf[1:], buf[1:]
    elif case == "shifted-back":
        a, b, out = buf[1:], buf[:100], buf[:100]
    else:
        a, b, out = buf[:100], buf[:100][::-1], buf[1:]
    a0, b0 = a.copy(), b.copy()
    expected = reference(pyf, a0, b0)
    gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, np.matmul(a0, b0), rtol=rtol, atol=rtol)


# --- accumulating into what the output holds ---------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "reversed", "strided"])
def test_a_kernel_accumulating_into_its_output_sees_what_out_holds(dtype, layout):
    pyf, gu = compiled(ACCUMULATE, dtype)
    a = data((150, 3, 4), dtype, 9)
    b = data((150, 4, 2), dtype, 10)
    start = data((150, 3, 2), dtype, 11)
    if layout == "contiguous":
        out = start.copy()
    elif layout == "reversed":
        out = start[::-1].copy()[::-1]
    else:
        out = np.zeros((300, 3, 4), dtype)[::2, :, ::2]
        out[...] = start
    expected = python_run(pyf, a, b, start.copy())
    gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    # Twice: the second call adds to the first result.
    gu(a, b, out=out)
    np.testing.assert_array_equal(out, python_run(pyf, a, b, expected.copy()))


@pytest.mark.parametrize("layout", ["contiguous", "reversed", "strided", "transposed"])
@pytest.mark.parametrize("bad", [[0], [63], [64], [65, 130], [149]])
def test_accumulating_chunks_redone_exactly_are_not_accumulated_twice(bad, layout):
    pyf, gu = compiled(ACCUMULATE)
    a = data((150, 4, 4), np.float64, 12)
    b = data((150, 4, 4), np.float64, 13)
    for k, r in enumerate(bad):
        a[r, 1, 2] = [np.inf, np.nan][k % 2]
    start = data((150, 4, 4), np.float64, 14)
    expected = python_run(pyf, a, b, start.copy())
    if layout == "contiguous":
        out = start.copy()
    elif layout == "reversed":
        out = start[::-1, ::-1].copy()[::-1, ::-1]
    elif layout == "strided":
        out = np.zeros((300, 4, 8))[::2, :, ::2]
        out[...] = start
    else:
        out = start.transpose(0, 2, 1).copy().transpose(0, 2, 1)
    with np.errstate(all="ignore"):
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    # A finite chunk next to a redone one is exact as well.
    assert np.isfinite(out[[r for r in range(150) if r not in bad]]).all()


# --- non-finite values: exact redo and exact flags ----------------------------------------------------

def _specials(a, b, places):
    """Puts non-finite or overflowing values into the matrices at `places`."""
    kinds = ["inf", "nan", "overflow", "inf-inf"]
    for k, r in enumerate(places):
        kind = kinds[k % len(kinds)]
        if kind == "inf":
            a[r, 0, 1] = np.inf
        elif kind == "nan":
            b[r, 2, 3] = np.nan
        elif kind == "overflow":
            a[r, 1, 0] = 1e200
            b[r, 0, 2] = 1e200
        else:
            a[r, 3, 0], a[r, 3, 1] = np.inf, 1.0
            b[r, 0, 0], b[r, 1, 0] = 1.0, -np.inf


@pytest.mark.parametrize("source", [MATMUL_IKJ, ACCUMULATE])
@pytest.mark.parametrize("places", [[], [0], [40], [63, 64], [10, 70, 130, 190], [199]])
def test_non_finite_values_give_python_values_and_flags(source, places):
    pyf, gu = compiled(source)
    a = data((200, 4, 4), np.float64, 15)
    b = data((200, 4, 4), np.float64, 16)
    _specials(a, b, places)
    start = data((200, 4, 4), np.float64, 17)
    python_flags = set()
    expected = python_run(pyf, a, b, start.copy(), python_flags)
    out = start.copy()
    flags = set()
    with collected_flags(flags):
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    assert flags == python_flags
    if not places:
        assert flags == set()
    if len(places) >= 3:
        assert {"overflow", "invalid value"} <= flags


@pytest.mark.parametrize("places", [[], [1], [2]])
def test_output_blocks_too_big_to_snapshot_run_exactly(places):
    # 64x64 float64 outputs (32 KiB a block) do not fit the snapshot buffer.
    pyf, gu = compiled(ACCUMULATE)
    a = data((3, 64, 64), np.float64, 18)
    b = data((3, 64, 64), np.float64, 19)
    for r in places:
        a[r, 5, 7] = np.inf
    start = data((3, 64, 64), np.float64, 20)
    python_flags = set()
    expected = python_run(pyf, a, b, start.copy(), python_flags)
    out = start.copy()
    flags = set()
    with collected_flags(flags):
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    assert flags == python_flags


def test_float32_flags_and_values():
    pyf, gu = compiled(MATMUL_IKJ, np.float32)
    a = data((120, 4, 4), np.float32, 21)
    b = data((120, 4, 4), np.float32, 22)
    a[50, 1, 1] = b[50, 1, 3] = np.float32(1e30)  # overflows float32
    b[100, 0, 0] = np.nan
    python_flags = set()
    expected = python_run(pyf, a, b, np.zeros((120, 4, 4), np.float32), python_flags)
    flags = set()
    with collected_flags(flags):
        got = gu(a, b)
    np.testing.assert_array_equal(got, expected)
    assert flags == python_flags and "overflow" in flags


# --- the parallel target ---------------------------------------------------------------------------

@pytest.mark.parametrize("source", [MATMUL_IKJ, ACCUMULATE])
def test_parallel_target_matches_cpu_and_python(source):
    pyf, gu = compiled(source, target="parallel")
    _, cpu = compiled(source)
    n = 3000
    a = data((n, 4, 4), np.float64, 23)
    b = data((n, 4, 4), np.float64, 24)
    _specials(a, b, [5, 700, 1500, 2999])
    start = data((n, 4, 4), np.float64, 25)
    python_flags = set()
    expected = python_run(pyf, a, b, start.copy(), python_flags)
    out = start.copy()
    flags = set()
    with collected_flags(flags):
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    assert flags == python_flags
    out_cpu = start.copy()
    with np.errstate(all="ignore"):
        cpu(a, b, out=out_cpu)
    np.testing.assert_array_equal(out_cpu, expected)


# --- other shapes of output reading ------------------------------------------------------------------

RUNNING = """
def running(x, total, cum):
    total[0] = 0.0
    for i in range(x.shape[0]):
        total[0] += x[i]
        if i == 0:
            cum[i] = x[i]
        else:
            cum[i] = cum[i - 1] + x[i]
"""


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [[], [3], [64, 65], [199]])
def test_scalar_and_row_outputs_read_back_by_the_kernel(dtype, bad):
    # Two outputs, a `()` one and an `(n)` one, both read back.
    t = np.dtype(dtype).name
    pyf, gu = compile_kernel(RUNNING, [f"void({t}[:], {t}[:], {t}[:])"], "(n)->(),(n)")
    x = data((200, 9), dtype, 26)
    for k, r in enumerate(bad):
        x[r, 4] = [np.inf, np.nan][k % 2]
        x[r, 6] = -np.inf
    total = np.full((200, 1), 5, dtype)
    cum = np.full((200, 9), 5, dtype)
    with np.errstate(all="ignore"):
        for r in range(200):
            pyf(x[r], total[r], cum[r])
        got_total, got_cum = gu(x)
        # Reversed outputs take the element-by-element copies.
        out_total = np.zeros(200, dtype)[::-1]
        out_cum = np.zeros((200, 9), dtype)[::-1, ::-1]
        gu(x, out=(out_total, out_cum))
    np.testing.assert_array_equal(got_total, total[:, 0])
    np.testing.assert_array_equal(got_cum, cum)
    np.testing.assert_array_equal(out_total, total[:, 0])
    np.testing.assert_array_equal(out_cum, cum)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(7, 3, 5), (3, 1, 1), (2, 5, 3)])
def test_odd_block_sizes_are_restored_byte_for_byte(dtype, shape):
    # Blocks of 4, 12, 60, 120, 240 bytes...: every tail of the inline copy.
    pyf, gu = compile_kernel(ACCUMULATE, sig(dtype), LAYOUT)
    m, n, p = shape
    rng = np.random.default_rng(27)
    a = rng.standard_normal((150, m, n)).astype(dtype)
    b = rng.standard_normal((150, n, p)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(a.shape)
        b = b + 1j * rng.standard_normal(b.shape)
    for r in (0, 33, 64, 149):
        a[r, m - 1, n - 1] = np.nan
    start = rng.standard_normal((150, m, p)).astype(dtype)
    with np.errstate(all="ignore"):
        expected = python_run(pyf, a, b, start.copy())
        out = start.copy()
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32])
def test_small_integer_outputs_accumulate_exactly(dtype):
    pyf, gu = compile_kernel(ACCUMULATE, sig(dtype), LAYOUT)
    rng = np.random.default_rng(28)
    a = rng.integers(-3, 4, (90, 3, 5)).astype(dtype)
    b = rng.integers(-3, 4, (90, 5, 3)).astype(dtype)
    start = rng.integers(-9, 10, (90, 3, 3)).astype(dtype)
    expected = python_run(pyf, a, b, start.copy())
    out = start.copy()
    gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("source", [MATMUL_IKJ, ACCUMULATE, MATMUL])
@pytest.mark.parametrize("outer_stride", [0, 8, 16, -8])
@pytest.mark.parametrize("bad", [[], [40], [64, 100]])
def test_output_views_whose_blocks_overlap_run_in_order(source, outer_stride, bad):
    # An `as_strided` output whose blocks overlap from one outer iteration
    # to the next (NumPy passes it as it is): the result is the Python
    # kernel's, run in order, also where chunks are redone.
    pyf, gu = compiled(source)
    rng = np.random.default_rng(29)
    a = rng.standard_normal((150, 4, 4))
    b = rng.standard_normal((150, 4, 4)) * 0.5
    for r in bad:
        a[r, 2, 1] = np.nan
    offset = 0 if outer_stride >= 0 else -outer_stride * 149

    def view(buf):
        return np.lib.stride_tricks.as_strided(buf[offset // 8:], shape=(150, 4, 4),
                                               strides=(outer_stride, 32, 8), writeable=True)

    got = np.ones(1400)
    want = np.ones(1400)
    with np.errstate(all="ignore"):
        gu(a, b, out=view(got))
        expected = view(want)
        for r in range(150):
            pyf(a[r], b[r], expected[r])
    np.testing.assert_array_equal(got, want)


# --- rows set and then accumulated into: register accumulators -----------------------------------
#
# The unit-stride kernels of `MATMUL_IKJ`-like kernels keep each output
# element in a register (`guvectorize::accumulate`: i-k-j becomes i-j-k),
# and since every output element they read was written first in the same
# call, chunks are redone without output snapshots. Variants the rewrite
# takes and variants it must leave alone are all the Python kernel, bit
# for bit and flag for flag.

#: The row starts from a value of `j` and has a product subtracted.
SET_FROM_INPUT_SUBTRACT = """
def set_sub(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            C[i, j] = j * 0.5 + m
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[i, j] = C[i, j] - a * B[k, j]
"""

#: Float arithmetic in the `k` body (which the rewrite would run `p` times):
#: left alone.
K_BODY_ARITHMETIC = """
def k_arith(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            C[i, j] = 0.0
        for k in range(n):
            a = A[i, k] * 3.0
            for j in range(p):
                C[i, j] += a * B[k, j]
"""

#: Another element of the output read while accumulating: left alone.
READS_ANOTHER_ELEMENT = """
def other_element(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            C[i, j] = 1.0
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[i, j] += a * B[k, j] + C[i, 0]
"""

#: The accumulation goes to the row `k` picks (rows set by other `i`):
#: left alone.
ROW_BY_K = """
def row_by_k(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            C[i, j] = 0.0
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[k % m, j] += a * B[k, j]
"""

#: Values of the loops used after them (the loop variable, the last `a`).
USED_AFTER = """
def used_after(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        a = 0.0
        for j in range(p):
            C[i, j] = 0.0
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[i, j] += a * B[k, j]
        if p > 0:
            C[i, 0] += a
"""

VARIANTS = [MATMUL_IKJ, SET_FROM_INPUT_SUBTRACT, K_BODY_ARITHMETIC, READS_ANOTHER_ELEMENT, ROW_BY_K,
            USED_AFTER]


@pytest.mark.parametrize("source", VARIANTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loop,m,n,p", [((130,), 4, 4, 4), ((70,), 3, 5, 2), ((9,), 3, 0, 2), ((9,), 3, 2, 0)])
def test_set_then_accumulated_variants_are_the_python_kernel(source, dtype, loop, m, n, p):
    pyf, gu = compiled(source, dtype)
    a = data(loop + (m, n), dtype, 31)
    b = data(loop + (n, p), dtype, 32)
    start = data(loop + (m, p), dtype, 33)
    expected = python_run(pyf, a, b, start.copy())
    out = start.copy()
    with np.errstate(all="ignore"):
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("source", VARIANTS)
@pytest.mark.parametrize("places", [[], [0], [63, 64], [10, 70, 130, 190]])
def test_set_then_accumulated_variants_flags(source, places):
    pyf, gu = compiled(source)
    a = data((200, 4, 4), np.float64, 34)
    b = data((200, 4, 4), np.float64, 35)
    _specials(a, b, places)
    start = data((200, 4, 4), np.float64, 36)
    python_flags = set()
    expected = python_run(pyf, a, b, start.copy(), python_flags)
    out = start.copy()
    flags = set()
    with collected_flags(flags):
        gu(a, b, out=out)
    np.testing.assert_array_equal(out, expected)
    assert flags == python_flags


@pytest.mark.parametrize("source", [MATMUL_IKJ, SET_FROM_INPUT_SUBTRACT])
@pytest.mark.parametrize("inner", [0, -8, 16])
@pytest.mark.parametrize("bad", [[], [40]])
def test_rows_of_aliased_or_strided_elements_are_not_accumulated_in_registers(source, inner, bad):
    # An `as_strided` output whose row elements are one element (stride
    # 0), reversed or strided: the unit-stride kernel (the one with
    # registers) is not used, and the result is the Python kernel's on the
    # same memory.
    pyf, gu = compiled(source)
    a = data((100, 4, 4), np.float64, 37)
    b = data((100, 4, 4), np.float64, 38)
    for r in bad:
        a[r, 2, 1] = np.inf
    offset = 3 * 8 if inner < 0 else 0

    def view(buf):
        return np.lib.stride_tricks.as_strided(buf[offset // 8:], shape=(100, 4, 4),
                                               strides=(256, 64, inner), writeable=True)

    got = np.ones(100 * 32 + 8)
    want = np.ones(100 * 32 + 8)
    with np.errstate(all="ignore"):
        gu(a, b, out=view(got))
        expected = view(want)
        for r in range(100):
            pyf(a[r], b[r], expected[r])
    np.testing.assert_array_equal(got, want)
