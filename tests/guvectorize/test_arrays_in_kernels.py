"""Arrays inside ``@guvectorize`` and ``@vectorize`` kernels, as in
``@jit`` functions: slices and views of the operands (inputs, outputs and
writable inputs), whole-array statements (``out[:] = np.nan``,
``q[1:4] = 0``, ``out[:] = a[::-1]``), array expressions and reductions,
and arrays created inside the kernel (``np.empty``, ``np.zeros_like``).
Every result is compared with the Python kernel run on NumPy arrays, row
by row as a gufunc calls it."""

import itertools

import numpy as np
import pytest

from jitufunc import _core, guvectorize, vectorize

from conftest import make_function


def python_gufunc(f, inputs, out_shapes, out_dtype, core_ndim):
    """Runs ``f(*input rows, *output rows)`` over the loop dimensions of
    ``inputs`` (each has ``core_ndim[k]`` core dimensions)."""
    loops = [a.shape[:a.ndim - c] for a, c in zip(inputs, core_ndim)]
    loop = np.broadcast_shapes(*loops)
    # A 0-d output core is passed as a 1-element array (``out[0] = ...``).
    outs = [np.zeros(loop + (s or (1,)), out_dtype) for s in out_shapes]
    for idx in itertools.product(*map(range, loop)):
        rows = []
        for a, c in zip(inputs, core_ndim):
            lead = a.ndim - c
            sub = tuple(i if d != 1 else 0 for i, d in zip(idx[len(idx) - lead:], a.shape[:lead]))
            rows.append(a[sub])
        f(*rows, *(o[idx] for o in outs))
    return [o if s else o[..., 0] for o, s in zip(outs, out_shapes)]


KERNELS = {
    "fill-then-slice": ("""
        def k(x, out):
            out[:] = np.nan
            out[1:3] = x[1:3]
    """, "(n)->(n)"),
    "reverse": ("""
        def k(x, out):
            out[:] = x[::-1]
    """, "(n)->(n)"),
    "any-of-a-view": ("""
        def k(q, out):
            out[0] = 1.0 if np.any(q[:] > 2.0) else 0.0
            out[1] = q[1:].sum()
    """, "(n)->(m)"),
    "expression-into-output": ("""
        def k(x, out):
            out[:] = x * 2.0 + 1.0
            out[0] = (x + 1.0)[0]
    """, "(n)->(n)"),
    "temporary-array": ("""
        def k(x, out):
            tmp = np.empty(x.shape[0])
            for i in range(x.shape[0]):
                tmp[i] = x[i] * x[i]
            acc = np.zeros_like(x)
            acc[:] = tmp
            out[0] = acc.sum()
    """, "(n)->()"),
    "mask-and-index-array": ("""
        def k(x, out):
            out[0] = x[x > 0].sum()
            out[1] = x[np.array([0, 2])].sum()
    """, "(n)->(m)"),
    "enumerate-zip": ("""
        def k(x, out):
            for i, (a, b) in enumerate(zip(x, x[::-1])):
                out[i] = a - b + i
    """, "(n)->(n)"),
}


_COMPILED = {}


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("view", ["contiguous", "strided", "reversed", "broadcast"])
def test_array_statements_in_gufunc_kernels(name, dtype, view):
    source, layout = KERNELS[name]
    outs = layout.split("->")[1]
    if name not in _COMPILED:
        f = make_function(source)
        _COMPILED[name] = f, guvectorize(["void(f8[:], f8[:])", "void(f4[:], f4[:])"], layout)(f)
    f, g = _COMPILED[name]
    base = (np.arange(35, dtype=dtype).reshape(5, 7) - 10) / 3
    x = {
        "contiguous": base,
        "strided": base[::2, ::2],
        "reversed": base[::-1, ::-1],
        "broadcast": np.broadcast_to(base[1], (4, 7)),
    }[view]
    n = x.shape[-1]
    out_shape = {"(n)": (n,), "(m)": (2,), "()": ()}[outs]
    if outs == "(m)":
        got = g(x, out=np.zeros(x.shape[:-1] + (2,), dtype))
    else:
        got = g(x)
    (expected,) = python_gufunc(f, [x], [out_shape], dtype, [1])
    np.testing.assert_allclose(got, expected, rtol=2e-6 if dtype == np.float32 else 1e-15)


def test_writable_input_assigned_through_a_slice():
    f = make_function("""
        def k(q, scale, out):
            q[1:4] = 0
            q[:] = q * scale
            out[0] = q.sum()
    """)
    g = guvectorize(["void(f8[:], f8, f8[:])"], "(n),()->()", writable_args=("q",))(f)
    q = np.arange(12.0).reshape(2, 6)
    expected_q = q.copy()
    expected_out = np.zeros(2)
    for i in range(2):
        f(expected_q[i], 2.0, expected_out[i:i + 1])
    out = g(q, 2.0)
    np.testing.assert_array_equal(q, expected_q)
    np.testing.assert_array_equal(out, expected_out)


def test_arrays_in_vectorize_kernels():
    f = make_function("""
        def k(x, n):
            t = np.zeros(4)
            t[:] = x
            t[1:] *= 2.0
            return t[:n].sum() + np.arange(3.0)[n % 3]
    """)
    u = vectorize(["f8(f8, i8)"])(f)
    x = np.linspace(-3, 3, 13)
    n = np.arange(13) % 5
    expected = np.array([f(a, b) for a, b in zip(x, n)])
    np.testing.assert_array_equal(u(x, n), expected)
    par = vectorize(["f8(f8, i8)"], target="parallel")(f)
    big_x, big_n = np.tile(x, 20000), np.tile(n, 20000)
    np.testing.assert_array_equal(par(big_x, big_n), np.tile(expected, 20000))


def test_kernel_arrays_are_freed():
    f = make_function("""
        def k(x, out):
            tmp = np.empty(x.shape[0])
            tmp[:] = x[::-1]
            out[:] = tmp + 1.0
    """)
    g = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(f)
    x = np.ones((1000, 16))
    g(x)
    before = _core.memory_stats()
    for _ in range(50):
        g(x)
    after = _core.memory_stats()
    allocated = after["allocated"] - before["allocated"]
    assert allocated > 0
    assert after["freed"] - before["freed"] == allocated  # every one freed
    # And the process does not grow (RSS, pages of /proc/self/statm).
    def rss():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096
    for _ in range(100):
        g(x)
    start = rss()
    for _ in range(1000):
        g(x)
    assert rss() - start < 4 * 2**20


def test_flags_of_array_statements_in_kernels():
    f = make_function("""
        def k(x, out):
            out[:] = 1.0 / x
    """)
    g = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(f)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError, match="divide"):
            g(np.array([[1.0, 0.0]]))
        np.testing.assert_array_equal(g(np.array([[1.0, 4.0]])), [[1.0, 0.25]])


def test_failed_allocation_in_a_kernel_raises_memory_error():
    f = make_function("""
        def k(x, n, out):
            t = np.empty(n)
            out[0] = x[0]
    """)
    g = guvectorize(["void(f8[:], i8, f8[:])"], "(m),()->()")(f)
    np.testing.assert_array_equal(g(np.ones((2, 3)), 4), [1.0, 1.0])
    with pytest.raises(MemoryError):
        g(np.ones((2, 3)), 2**60)
    assert np.add(1.0, 2.0) == 3.0


def _numpy_functions_kernel(a, m, out, idx):
    s = np.sort(a)
    c = np.cumsum(a)
    out[:] = s + c
    idx[0] = a.argmax() + np.argmin(a)
    v = m @ a
    out[0] += v[0] + np.mean(a)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_functions_jitufunc_implements_work_in_gufunc_kernels(dtype):
    """NumPy functions that `@jit` code can call (compiled from
    jitufunc._numpy_functions) work in ufunc kernels too, with `@`."""
    g = guvectorize([f"void({dtype}[:], {dtype}[:, :], {dtype}[:], int64[:])"],
                    "(n),(n,n)->(n),()")(_numpy_functions_kernel)
    rng = np.random.default_rng(7)
    a = rng.normal(size=(3, 5)).astype(dtype)
    m = rng.normal(size=(5, 5)).astype(dtype)
    out, idx = g(a, m)
    for k in range(3):
        eo, ei = np.empty(5, dtype), np.empty(1, np.int64)
        _numpy_functions_kernel(a[k], m, eo, ei)
        np.testing.assert_allclose(out[k], eo, rtol=1e-5 if dtype == "float32" else 1e-12)
        assert idx[k] == ei[0]
    # reversed and strided operands
    out2, idx2 = g(a[:, ::-1], m[::-1, ::2].repeat(2, axis=1)[:, :5])
    ra, rm = a[:, ::-1], m[::-1, ::2].repeat(2, axis=1)[:, :5]
    for k in range(3):
        eo, ei = np.empty(5, dtype), np.empty(1, np.int64)
        _numpy_functions_kernel(ra[k], rm, eo, ei)
        np.testing.assert_allclose(out2[k], eo, rtol=1e-5 if dtype == "float32" else 1e-12)
        assert idx2[k] == ei[0]
