"""@guvectorize gufuncs called on arrays inside @jit: the same results,
dtypes and shapes as the gufunc called by NumPy (loop dimensions broadcast,
core dimensions bound and checked, NumPy's loop selection and casting),
for eager and lazy gufuncs, kernels that write or return their outputs,
strided/reversed/broadcast operands, errors raised as NumPy raises them,
and no leak."""

import gc
import os

import numpy as np
import pytest

from jitufunc import _core, guvectorize, njit
from jitufunc.errors import LayoutError, TypingError, UnsupportedError


# --- the gufuncs ------------------------------------------------------------

@guvectorize(["void(float64[:], float64[:], float64[:])",
              "void(float32[:], float32[:], float32[:])",
              "void(int64[:], int64[:], int64[:])"], "(n),(n)->()")
def dot(a, b, out):
    s = a[0] * 0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s


@guvectorize(["void(float64[:,:], float64[:,:], float64[:,:])"], "(m,n),(n,p)->(m,p)")
def matmul(a, b, out):
    m, n = a.shape
    p = b.shape[1]
    for i in range(m):
        for j in range(p):
            s = 0.0
            for k in range(n):
                s += a[i, k] * b[k, j]
            out[i, j] = s


@guvectorize("(n),()->(n)")
def scaled_cumsum(x, c, out):
    s = x[0] * 0
    for i in range(x.shape[0]):
        s += x[i]
        out[i] = s * c


@guvectorize("(n)->(),()")
def minmax(x):
    lo = x[0]
    hi = x[0]
    for v in x:
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@guvectorize(["void(float64[:], float64[:])"], "(3)->(3)")
def reverse3(v, out):
    out[0] = v[2]
    out[1] = v[1]
    out[2] = v[0]


@guvectorize(["float64(float64[:])"], "(n)->()")
def mean_returned(x):
    s = 0.0
    for v in x:
        s += v
    return s / x.shape[0]


@guvectorize(["void(float64[:], float64[:])"], "(n)->()", writable_args=(0,))
def zero_first(x, out):
    out[0] = x[0]
    x[0] = 0.0


# --- calling them from @jit ---------------------------------------------------

@njit
def call_dot(a, b):
    return dot(a, b)


@njit
def call_matmul(a, b):
    return matmul(a, b)


@njit
def call_cumsum(x, c):
    return scaled_cumsum(x, c)


@njit
def call_minmax(x):
    return minmax(x)


@njit
def call_reverse3(v):
    return reverse3(v)


@njit
def call_mean(x):
    return mean_returned(x)


def check_same(got, expected):
    if isinstance(expected, np.generic):
        # A 0-d result is a number; @jit returns numbers as Python's
        # (as Numba does), exactly the value of the gufunc's dtype.
        kind = {"f": float, "i": int, "u": int, "b": bool, "c": complex}[expected.dtype.kind]
        assert type(got) is kind, (type(got), expected.dtype)
        assert got == expected
        return
    assert type(got) is type(expected)
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            check_same(g, e)
        return
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)


rng = np.random.default_rng(7)


@pytest.mark.parametrize("shapes", [
    ((5,), (5,)),                 # no loop dimensions
    ((3, 5), (5,)),               # one side broadcast
    ((2, 1, 5), (4, 5)),          # loop dimensions broadcast both ways
    ((0, 5), (5,)),               # an empty loop
    ((3, 0), (3, 0)),             # empty core
    ((2, 3, 4, 6), (1, 4, 6)),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_dot_matches_the_gufunc(shapes, dtype):
    a = (rng.random(shapes[0]) * 10).astype(dtype)
    b = (rng.random(shapes[1]) * 10).astype(dtype)
    check_same(call_dot(a, b), dot(a, b))


@pytest.mark.parametrize("make", [
    lambda a: a[::-1],
    lambda a: a[:, ::-2],
    lambda a: a.T.copy().T,                        # F-ordered
    lambda a: np.broadcast_to(a[:1], a.shape),     # zero loop stride
    lambda a: np.broadcast_to(a[:, :1], a.shape),  # zero core stride
])
def test_strided_reversed_and_broadcast_operands(make):
    a = make(rng.random((6, 8)))
    b = rng.random(a.shape[-1])
    check_same(call_dot(a, b), dot(a, b))
    check_same(call_dot(b, a), dot(b, a))


@pytest.mark.parametrize("shapes", [
    ((3, 4), (4, 2)), ((7, 3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 1)), ((0, 2, 3), (3, 3)),
])
def test_matmul_layout(shapes):
    a, b = rng.random(shapes[0]), rng.random(shapes[1])
    check_same(call_matmul(a, b), matmul(a, b))
    np.testing.assert_allclose(call_matmul(a, b), a @ b)


@pytest.mark.parametrize("x, c", [
    (np.arange(12.0).reshape(3, 4), 2.0),
    (np.arange(12).reshape(3, 4), 3),                     # int64 lazy loop
    (np.arange(12, dtype=np.int32).reshape(3, 4), np.int32(2)),
    (np.arange(8.0), np.array([1.0, -1.0, 0.5])[:, None]),  # () input as array, broadcast
    (np.arange(6, dtype=np.float32), 1.5),                # Python float weak? lazy: float64
])
def test_lazy_gufunc_with_a_scalar_input(x, c):
    check_same(call_cumsum(x, c), scaled_cumsum(x, c))


@pytest.mark.parametrize("x", [
    np.arange(12).reshape(3, 4), rng.random((2, 3, 5)), rng.random(7).astype(np.float32),
    np.array([[3, -1, 2]], dtype=np.int8),
])
def test_returned_outputs(x):
    check_same(call_minmax(x), minmax(x))
    if x.dtype == np.float64:
        check_same(call_mean(x), mean_returned(x))


def test_fixed_core_size():
    v = rng.random((4, 3))
    check_same(call_reverse3(v), reverse3(v))
    with pytest.raises(ValueError, match="core dimension"):
        call_reverse3(rng.random((4, 2)))
    with pytest.raises(ValueError):
        reverse3(rng.random((4, 2)))


def test_eager_loop_selection_and_casting():
    # NumPy picks the first loop the inputs cast to safely: int32 -> int64,
    # float32 with float64 -> float64, bool -> int64.
    for a, b in [
        (np.arange(5, dtype=np.int32), np.arange(5, dtype=np.int32)),
        (np.ones(5, np.float32), np.ones(5)),
        (np.ones(5, bool), np.ones(5, np.int16)),
        (np.ones(5, np.uint8), np.ones(5, np.float32)),
    ]:
        check_same(call_dot(a, b), dot(a, b))
    with pytest.raises(TypingError, match="no loop"):
        call_dot(np.ones(5, np.complex128), np.ones(5))
    with pytest.raises(TypeError):
        dot(np.ones(5, np.complex128), np.ones(5))


def test_result_used_in_array_expressions():
    @njit
    def f(a, b):
        d = dot(a, b)
        return np.sqrt(d) + 1.0, matmul(a[:, None, :], b[:, None]).sum()

    a, b = rng.random((4, 6)), rng.random(6)
    r0, r1 = f(a, b)
    np.testing.assert_allclose(r0, np.sqrt(dot(a, b)) + 1.0)
    np.testing.assert_allclose(r1, matmul(a[:, None, :], b[:, None]).sum())


def test_writable_input_is_written_as_numpy_writes_it():
    @njit
    def f(x):
        return zero_first(x)

    x1 = rng.random((3, 4))
    x2 = x1.copy()
    check_same(f(x1), zero_first(x2))
    np.testing.assert_array_equal(x1, x2)
    assert (x1[:, 0] == 0).all()


def test_core_dimension_mismatch_is_numpys_value_error():
    with pytest.raises(ValueError, match="core dimension"):
        call_dot(np.ones((3, 4)), np.ones(5))
    with pytest.raises(ValueError):
        dot(np.ones((3, 4)), np.ones(5))
    with pytest.raises(ValueError, match="core dimension"):
        call_matmul(np.ones((2, 3)), np.ones((4, 2)))


def test_loop_dimensions_that_do_not_broadcast():
    with pytest.raises(ValueError, match="broadcast"):
        call_dot(np.ones((3, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError):
        dot(np.ones((3, 4)), np.ones((2, 4)))


def test_too_few_dimensions_is_a_compile_error_naming_the_operand():
    with pytest.raises(TypingError, match="Input operand 0 does not have enough dimensions"):
        call_matmul(np.ones(3), np.ones((3, 2)))


def test_passing_outputs_is_refused_clearly():
    @njit
    def f(a, b, out):
        dot(a, b, out)
        return out

    with pytest.raises(TypingError, match="takes 2 inputs inside @jit"):
        f(np.ones(3), np.ones(3), np.zeros(1))


def test_layouts_not_supported_yet_are_refused():
    @guvectorize(["void(float64[:,:], float64[:,:], float64[:,:])"], "(m?,n),(n,p?)->(m?,p?)")
    def opt(a, b, out):
        out[0, 0] = a[0, 0] * b[0, 0]

    @njit
    def f(a, b):
        return opt(a, b)

    with pytest.raises(UnsupportedError, match="optional core dimensions"):
        f(np.ones((2, 2)), np.ones((2, 2)))


def test_kernel_errors_reach_the_caller_without_leaking():
    @guvectorize(["void(float64[:], int64, float64[:])"], "(n),()->()")
    def pick(x, i, out):
        out[0] = x[i]

    # The kernel is compiled with the calling function's options.
    @njit(boundscheck=True)
    def f(x, i):
        return pick(x, i) * 2.0

    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(f(x, 1), pick(x, 1) * 2.0)
    gc.collect()
    s = _core.memory_stats()
    live = s["allocated"] - s["freed"]
    for _ in range(200):
        with pytest.raises(IndexError):
            f(x, 9)
    gc.collect()
    s = _core.memory_stats()
    assert s["allocated"] - s["freed"] == live


def test_gufunc_passed_as_an_argument():
    @njit
    def apply(g, a, b):
        return g(a, b)

    a, b = rng.random((3, 5)), rng.random(5)
    check_same(apply(dot, a, b), dot(a, b))


def test_rss_stays_flat_over_many_calls():
    def rss_mb():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    a, b = rng.random((2000, 50)), rng.random(50)
    for _ in range(50):
        call_dot(a, b)
        call_minmax(a)
    before = rss_mb()
    for _ in range(3000):
        r = call_dot(a, b)
        lo, hi = call_minmax(a)
    del r, lo, hi
    assert rss_mb() - before < 20, f"RSS grew {rss_mb() - before:.1f} MB"


def test_layout_error_of_the_kernel_is_reported():
    @guvectorize("(n)->()")
    def bad(x):
        x[0] = 1.0

    @njit
    def f(x):
        return bad(x)

    with pytest.raises((LayoutError, TypingError)):
        f(np.ones(3))
