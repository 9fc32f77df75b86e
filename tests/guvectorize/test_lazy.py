"""Lazy (layout-only) ``@guvectorize`` gufuncs.

``@guvectorize("(n)->()")`` gives a gufunc with no loops; each call with a
new combination of input dtypes compiles a loop. Inputs keep their dtype
(Python scalars follow NEP 50), outputs are allocated with
``np.result_type`` of the inputs unless ``dtype=``/``signature=`` fix them,
and ``out=`` arrays of another dtype are cast like NumPy (``same_kind``).

Results are compared with the NumPy function computing the same thing and
with the Python kernel run on NumPy views (``loop_reference``).
"""

import contextlib

import numpy as np
import pytest

from conftest import ALL_DTYPES, assert_matches, make_function, run_together
from jitufunc import guvectorize
from jitufunc.errors import LayoutError, OptionError, SignatureError, TypingError
from .helpers import MATMUL, assert_close, loop_reference, uniform

ids = lambda d: np.dtype(d).name  # noqa: E731

SUM_OUT = """
def rowsum(x, out):
    acc = 0
    for i in range(x.shape[0]):
        acc += x[i]
    out[0] = acc
"""

SUM_RET = """
def rowsum_r(x):
    acc = x[0]
    for i in range(1, x.shape[0]):
        acc += x[i]
    return acc
"""

AXPY = """
def axpy(a, x, y):
    acc = a * x[0] + y[0]
    for i in range(1, x.shape[0]):
        acc += a * x[i] + y[i]
    return acc
"""

CUMSUM = """
def cumsum(x, out):
    acc = x[0]
    out[0] = acc
    for i in range(1, x.shape[0]):
        acc += x[i]
        out[i] = acc
"""

MINMAX = """
def minmax(x, lo, hi):
    a = x[0]
    b = x[0]
    for i in range(1, x.shape[0]):
        if x[i] < a:
            a = x[i]
        if x[i] > b:
            b = x[i]
    lo[0] = a
    hi[0] = b
"""

MINMAX_RET = """
def minmax_r(x):
    a = x[0]
    b = x[0]
    for i in range(1, x.shape[0]):
        a = min(a, x[i])
        b = max(b, x[i])
    return a, b
"""

CROSS = """
def cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]
"""

SCALE = """
def scale(a, x, out):
    for i in range(x.shape[0]):
        out[i] = a * x[i]
"""


def lazy(source, layout):
    pyfunc = make_function(source)
    return pyfunc, guvectorize(layout)(pyfunc)


@contextlib.contextmanager
def case(*label):
    """Names the case of a loop in a test in its assertion failures."""
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"[case {label}] {e}") from e


def char(dt):
    return np.dtype(dt).char


def values(dtype, shape, rng):
    """Small values (exact sums); bools random."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(dt)
    if dt.kind == "u":
        return rng.integers(0, 10, shape).astype(dt)
    if dt.kind == "i":
        return rng.integers(-10, 10, shape).astype(dt)
    v = rng.integers(-16, 17, shape) / 4
    if dt.kind == "c":
        v = v + 1j * (rng.integers(-16, 17, shape) / 4)
    return v.astype(dt)


# --- the gufunc object --------------------------------------------------------------

def test_lazy_gufunc_is_a_real_gufunc_without_loops():
    _, g = lazy(SUM_OUT, "(n)->()")
    assert isinstance(g, np.ufunc)
    assert g.__name__ == "rowsum"
    assert g.signature == "(n)->()"
    assert (g.nin, g.nout, g.ntypes) == (1, 1, 0)
    assert g.types == [] and len(g.signatures) == 0
    _, m = lazy(MINMAX_RET, "(n)->(),()")
    assert (m.nin, m.nout, m.signature) == (1, 2, "(n)->(),()")
    assert m.types == []


# --- one loop per input dtype ------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=ids)
def test_sum_compiles_a_loop_per_input_dtype(dtype, rng):
    pyf, g = lazy(SUM_OUT, "(n)->()")
    x = values(dtype, (4, 6), rng)
    r = g(x)
    out_dtype = np.result_type(x)
    assert r.dtype == out_dtype == np.dtype(dtype)
    (expected,) = loop_reference(pyf, [x], [1], [((), out_dtype)])
    assert_matches(r, expected)
    if np.dtype(dtype).kind != "b":
        np.testing.assert_array_equal(r, np.sum(x, axis=-1, dtype=x.dtype))
    c, n = char(dtype), np.dtype(dtype).name
    assert g.types == [f"{c}->{c}"]
    assert list(g.signatures) == [f"void({n}[:], {n}[:])"]
    g(x[0])
    g(x[:, ::-2])
    assert len(g.signatures) == 1


def test_returning_kernel_compiles_a_loop_per_input_dtype(rng):
    for dtype in [np.int8, np.uint32, np.float16, np.float32, np.complex128]:
        with case(dtype):
            pyf, g = lazy(SUM_RET, "(n)->()")
            x = values(dtype, (3, 5), rng)
            r = g(x)
            assert r.dtype == np.result_type(x)
            (expected,) = loop_reference(pyf, [x], [1], [((), r.dtype)], returns=True)
            assert_matches(r, expected)
            np.testing.assert_array_equal(r, np.sum(x, axis=-1, dtype=x.dtype))
            n = np.dtype(dtype).name
            assert list(g.signatures) == [f"{n}({n}[:])"]
            assert g.types == [f"{char(dtype)}->{char(dtype)}"]


def test_mixed_input_dtypes_and_result_type_output(rng):
    pyf, g = lazy(CROSS, "(3),(3)->(3)")
    cases = [(np.int16, np.int32), (np.int8, np.uint8), (np.float32, np.int64), (np.float16, np.float16),
             (np.complex64, np.float64)]
    for d1, d2 in cases:
        a, b = values(d1, (5, 3), rng), values(d2, (3,), rng)[::-1]
        r = g(a, b)
        out = np.result_type(a, b)
        assert r.dtype == out, (d1, d2)
        np.testing.assert_array_equal(r, np.cross(a, b))
        (expected,) = loop_reference(pyf, [a, b], [1, 1], [((3,), out)])
        np.testing.assert_array_equal(r, expected)
    assert g.types == [f"{char(d1)}{char(d2)}->{np.result_type(d1, d2).char}" for d1, d2 in cases]


def test_lazy_matmul_matches_numpy(rng):
    for dtypes in [(np.float64, np.float64), (np.float32, np.float32), (np.int32, np.int32),
                   (np.int16, np.float32), (np.complex128, np.float64)]:
        with case(dtypes):
            pyf, g = lazy(MATMUL, "(m,n),(n,p)->(m,p)")
            a, b = uniform(dtypes[0], (3, 4, 5), rng), uniform(dtypes[1], (5, 2), rng)
            r = g(a, b)
            assert r.dtype == np.result_type(a, b) == np.matmul(a, b).dtype
            assert_close(r, np.matmul(a, b))
            (expected,) = loop_reference(pyf, [a, b], [2, 2], [((4, 2), r.dtype)])
            assert_close(r, expected)
            assert g.types == [f"{char(dtypes[0])}{char(dtypes[1])}->{r.dtype.char}"]
# --- Python scalars in () inputs ---------------------------------------------------

SCALAR_CASES = [
    ("int-with-float32", 2, np.float32),
    ("float-with-int16", 2.5, np.int16),
    ("npint64-with-int16", np.int64(2), np.int16),
    ("int-with-int8", 3, np.int8),
    ("complex-with-float32", 1j, np.float32),
    ("float-with-float16", 0.5, np.float16),
    ("int-with-uint64", 7, np.uint64),
]


@pytest.mark.parametrize("case", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_python_scalars_are_weak(case, rng):
    _, scalar, dtype = case
    pyf, g = lazy(AXPY, "(),(n),(n)->()")
    x, y = values(dtype, (4, 3), rng), values(dtype, (3,), rng)
    r = g(scalar, x, y)
    out = np.result_type(scalar, x, y)
    assert r.dtype == out
    # the scalar's loop dtype: NEP 50 against the arrays
    s_dtype = np.result_type(x, y, scalar) if type(scalar) in (int, float, complex) else np.asarray(scalar).dtype
    assert g.types == [f"{s_dtype.char}{char(dtype)}{char(dtype)}->{out.char}"]
    (expected,) = loop_reference(pyf, [s_dtype.type(scalar), x, y], [0, 1, 1], [((), out)], returns=True)
    assert_matches(r, expected)
    with np.errstate(all="ignore"):
        numpy_result = np.sum(np.multiply(scalar, x) + y, axis=-1, dtype=out)
    assert_matches(r, numpy_result)


def test_scalar_and_array_operands_of_a_scalar_core(rng):
    pyf, g = lazy(SCALE, "(),(n)->(n)")
    x = np.arange(4, dtype=np.int8)
    r = g(0.5, x)
    np.testing.assert_array_equal(r, np.multiply(0.5, x))
    assert r.dtype == np.float64
    r = g(3, x)
    np.testing.assert_array_equal(r, np.multiply(3, x))
    assert r.dtype == np.int8
    a = np.arange(2, dtype=np.int32)[:, None]
    r = g(a, x)
    assert r.shape == (2, 1, 4) and r.dtype == np.int32
    np.testing.assert_array_equal(r, np.multiply(a[..., None], x))
    assert g.types == ["db->d", "bb->b", "ib->i"]
    assert list(g.signatures) == ["void(float64, int8[:], float64[:])", "void(int8, int8[:], int8[:])",
                                  "void(int32, int8[:], int32[:])"]
    with pytest.raises(OverflowError):
        np.multiply(300, x)
    with pytest.raises(OverflowError):
        g(300, x)


# --- dtype=, signature=, out= --------------------------------------------------------

def test_dtype_fixes_the_output_and_the_inputs():
    pyf, g = lazy(SUM_OUT, "(n)->()")
    x = np.array([[100, 100, 100], [1, 2, 3]], np.int8)
    r = g(x, dtype=np.float64)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, np.sum(x, axis=-1, dtype=np.float64))
    assert g.types == ["d->d"]
    r = g(x, signature=(None, np.float32))
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, np.sum(x, axis=-1, dtype=np.float32))
    r = g(x, signature="l->l")
    assert r.dtype == np.int64
    np.testing.assert_array_equal(r, [300, 6])
    assert g.types == ["d->d", "f->f", "l->l"]


def test_a_returning_kernel_gets_outputs_of_the_dtype_it_returns():
    f = make_function("""
        def halfsum(x):
            return (x[0] + x[1]) / 2
    """)
    g = guvectorize("(n)->()")(f)
    x = np.array([[1, 2], [3, 6]], np.int16)
    # int16 / 2 is float64 (NumPy's true division of int16 by a Python int)
    expected_dtype = (np.int16(1) / 2).dtype
    r = g(x)
    assert r.dtype == expected_dtype == np.float64
    np.testing.assert_array_equal(r, [1.5, 4.5])
    assert g.types == ["h->d"]
    with pytest.raises(TypingError):
        g(x, dtype=np.int16)  # a float64 does not fit the int16 output asked for
    r = g(x, dtype=np.float64)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, [1.5, 4.5])
    r = g(x.astype(np.float32))
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, [1.5, 4.5])


def test_out_of_another_dtype_is_cast_like_numpy(rng):
    pyf, g = lazy(SUM_OUT, "(n)->()")
    x = values(np.int16, (4, 5), rng)
    out = np.zeros(4, np.float64)
    assert g(x, out=out) is out
    np.testing.assert_array_equal(out, np.sum(x, axis=-1).astype(np.float64))
    assert g.types == ["h->h"]
    out8 = np.zeros(4, np.int8)
    g(x * 20, out=out8)  # int16 -> int8 is same_kind
    np.testing.assert_array_equal(out8, np.sum(x * 20, axis=-1, dtype=np.int16).astype(np.int8))
    xf = x.astype(np.float64)
    with pytest.raises(TypeError):
        np.matmul(xf, xf.T, out=np.zeros((4, 4), np.int64))
    with pytest.raises(TypeError):
        g(xf, out=np.zeros(4, np.int64))
    assert g.types[0] == "h->h" and set(g.types) <= {"h->h", "d->d"}


def test_strided_and_negative_strided_out(rng):
    pyf, g = lazy(CUMSUM, "(n)->(n)")
    x = values(np.uint16, (4, 6), rng)[::-1, ::-1]
    buf = np.full((8, 12), 99, np.uint16)
    out = buf[::2, ::-2]
    r = g(x, out=out)
    assert r is out
    np.testing.assert_array_equal(out, np.cumsum(x, axis=-1, dtype=np.uint16))
    assert (buf[1::2] == 99).all() and (buf[::2, ::2] == 99).all()
    assert g.types == ["H->H"]


# --- layouts --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.complex64], ids=ids)
def test_layouts_match_numpy(dtype, rng):
    pyf, g = lazy(CUMSUM, "(n)->(n)")
    x = values(dtype, (5, 7), rng)
    layouts = {
        "contiguous": x,
        "negative": x[::-1, ::-2],
        "zero-stride-loop": np.broadcast_to(x[0], (4, 7)),
        "zero-stride-core": np.broadcast_to(x[:, :1], (5, 7)),
        "fortran": np.asfortranarray(x),
        "3d-transposed": values(dtype, (6, 2, 3), rng).transpose(1, 2, 0),
        "1d": x[2],
        "empty-loop": x[:0],
    }
    for name, a in layouts.items():
        r = g(a)
        assert r.dtype == dtype, name
        np.testing.assert_array_equal(r, np.cumsum(a, axis=-1, dtype=dtype), err_msg=name)
        (expected,) = loop_reference(pyf, [a], [1], [(a.shape[-1:], dtype)])
        np.testing.assert_array_equal(r, expected, err_msg=name)
    assert len(g.signatures) == 1


def test_axes_keepdims_and_broadcasting(rng):
    pyf, g = lazy(MINMAX, "(n)->(),()")
    x = values(np.int32, (4, 5, 6), rng)
    lo, hi = g(x)
    np.testing.assert_array_equal(lo, x.min(axis=-1))
    np.testing.assert_array_equal(hi, x.max(axis=-1))
    assert lo.dtype == hi.dtype == np.int32
    lo, hi = g(x, axes=[(1,), (), ()])
    np.testing.assert_array_equal(lo, x.min(axis=1))
    np.testing.assert_array_equal(hi, x.max(axis=1))
    lo, hi = g(x, axis=0, keepdims=True)
    np.testing.assert_array_equal(lo, x.min(axis=0, keepdims=True))
    np.testing.assert_array_equal(hi, x.max(axis=0, keepdims=True))
    assert g.types == ["i->ii"]
    assert list(g.signatures) == ["void(int32[:], int32[:], int32[:])"]


def test_two_returned_outputs(rng):
    for dtype in [np.int8, np.uint64, np.float16, np.float64]:
        with case(dtype):
            pyf, g = lazy(MINMAX_RET, "(n)->(),()")
            x = values(dtype, (3, 4, 5), rng)
            lo, hi = g(x)
            assert lo.dtype == hi.dtype == dtype
            np.testing.assert_array_equal(lo, x.min(axis=-1))
            np.testing.assert_array_equal(hi, x.max(axis=-1))
            exp_lo, exp_hi = loop_reference(pyf, [x], [1], [((), dtype), ((), dtype)], returns=True)
            np.testing.assert_array_equal(lo, exp_lo)
            np.testing.assert_array_equal(hi, exp_hi)
            c = char(dtype)
            assert g.types == [f"{c}->{c}{c}"]
            # out= for both, strided, of a wider dtype
            o1, o2 = np.zeros(24, np.float64)[::2].reshape(3, 4), np.zeros((3, 4), np.float64)
            g(x, out=(o1, o2))
            np.testing.assert_array_equal(o1, x.min(axis=-1).astype(np.float64))
            np.testing.assert_array_equal(o2, x.max(axis=-1).astype(np.float64))
# --- errors, compile, inspect --------------------------------------------------------

def test_core_dimension_mismatch_raises_like_numpy(rng):
    _, g = lazy(MATMUL, "(m,n),(n,p)->(m,p)")
    a, b = np.ones((2, 3)), np.ones((4, 2))
    with pytest.raises(ValueError):
        np.matmul(a, b)
    with pytest.raises(ValueError):
        g(a, b)
    _, c = lazy(CROSS, "(3),(3)->(3)")
    with pytest.raises(ValueError):
        c(np.ones(4), np.ones(4))
    with pytest.raises(ValueError):  # a scalar has no (3) core dimension
        c(np.ones(3), 1.5)


def test_a_dtype_the_kernel_rejects_raises_and_adds_no_loop():
    f = make_function("""
        def norm(x):
            acc = 0.0
            for i in range(x.shape[0]):
                acc += x[i] * x[i]
            return math.sqrt(acc)
    """)
    g = guvectorize("(n)->()")(f)
    with pytest.raises(TypingError):
        g(np.ones((2, 3), np.complex128))
    assert g.types == [] and len(g.signatures) == 0
    x = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.testing.assert_allclose(g(x), np.linalg.norm(x, axis=-1), rtol=1e-15)
    assert g.types == ["d->d"]


def test_compile_ahead_of_time():
    _, g = lazy(SUM_OUT, "(n)->()")
    assert g.compile("void(int64[:], int64[:])") == "void(int64[:], int64[:])"
    assert g.add("void(uint8[:], uint8[:])") == "void(uint8[:], uint8[:])"
    assert g.types == ["l->l", "B->B"]
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    np.testing.assert_array_equal(g(x), [3, 12])
    assert len(g.signatures) == 2
    with pytest.raises(SignatureError):
        g.compile("(float32[:])")  # the output is missing
    with pytest.raises(LayoutError):
        g.compile("int16(int16[:])")  # nothing to write into: the kernel takes `out`
    assert g.types == ["l->l", "B->B"]
    _, r = lazy(SUM_RET, "(n)->()")
    assert r.compile("float32(float32[:])") == "float32(float32[:])"
    assert r.compile("void(float64[:], float64[:])") == "void(float64[:], float64[:])"
    assert r.types == ["f->f", "d->d"]
    np.testing.assert_array_equal(r(np.ones((2, 3), np.float32)), [3, 3])


def test_compile_on_a_gufunc_with_signatures_raises():
    g = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(make_function(SUM_OUT))
    with pytest.raises(OptionError):
        g.compile("void(float32[:], float32[:])")
    assert g.types == ["d->d"]


def test_inspect():
    pyf, g = lazy(AXPY, "(),(n),(n)->()")
    g(2, np.ones(3, np.float32), np.ones(3, np.float32))
    g(2.5, np.ones(3, np.int16), np.ones(3, np.int16))
    keys = ["float32(float32, float32[:], float32[:])", "float64(float64, int16[:], int16[:])"]
    assert list(g.signatures) == keys
    types, llvm, asm = g.inspect_types(), g.inspect_llvm(), g.inspect_asm()
    assert list(types) == list(llvm) == list(asm) == keys
    for k in keys:
        assert "# line 2" in types[k] and "# line 4" in types[k]
        assert "define" in llvm[k]
        assert asm[k].strip()
    assert "int16[:]" in types[keys[1]]


# --- concurrency ------------------------------------------------------------------

@pytest.mark.parametrize("nthreads", [2, 4])
def test_concurrent_first_calls_compile_once(nthreads, rng):
    pyf = make_function(MATMUL)
    a, b = uniform(np.float32, (5, 3, 4), rng), uniform(np.float32, (4, 2), rng)
    expected = np.matmul(a, b)
    for _ in range(5):
        g = guvectorize("(m,n),(n,p)->(m,p)")(pyf)
        results = run_together(nthreads, lambda i: g(a, b))
        assert len(g.signatures) == 1 and g.types == ["ff->f"]
        for r in results:
            assert_close(r, expected)
