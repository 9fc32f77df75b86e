"""Differential tests of ``@guvectorize`` kernels.

Each compiled gufunc is compared with the NumPy function that computes the
same thing (np.matmul, np.linalg.norm, np.cumsum, np.cross, np.polyval,
np.min/np.max, np.sum) and/or with the original Python kernel run on NumPy
views in a Python loop (``loop_reference``).
"""

import numpy as np
import pytest

import jitufunc
from jitufunc import guvectorize, vectorize
from conftest import make_function
from .helpers import MATMUL, assert_close, compile_kernel, loop_reference, uniform

# --- batched matrix product ----------------------------------------------------

MATMUL_SIGS = [
    "void(float64[:,:], float64[:,:], float64[:,:])",
    "void(f4[:,:], f4[:,:], f4[:,:])",
    "void(complex128[:, :], complex128[:, :], complex128[:, :])",
]


@pytest.fixture(scope="module")
def matmul():
    return compile_kernel(MATMUL, MATMUL_SIGS, "(m,n),(n,p)->(m,p)")


def test_matmul_is_a_real_gufunc(matmul):
    _, gu = matmul
    assert isinstance(gu, np.ufunc)
    assert gu.__name__ == "matmul"
    assert gu.signature == "(m,n),(n,p)->(m,p)"
    assert (gu.nin, gu.nout, gu.nargs) == (2, 1, 3)
    assert sorted(gu.types) == sorted(["dd->d", "ff->f", "DD->D"])


MATMUL_SHAPES = [
    ((4, 3, 5), (4, 5, 2)),        # a stack of products
    ((3, 5), (5, 2)),              # one product
    ((2, 1, 3, 5), (4, 5, 2)),     # loop dimensions broadcast
    ((1, 1), (1, 1)),
    ((6, 17, 9), (9, 13)),         # the second operand broadcast over the stack
    ((2, 33, 1), (2, 1, 40)),      # outer products
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_batched_matmul_matches_numpy(matmul, dtype, shapes, rng):
    _, gu = matmul
    a, b = uniform(dtype, shapes[0], rng), uniform(dtype, shapes[1], rng)
    assert_close(gu(a, b), np.matmul(a, b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_batched_matmul_matches_the_python_kernel(matmul, dtype, rng):
    pyf, gu = matmul
    a, b = uniform(dtype, (3, 4, 6), rng), uniform(dtype, (6, 5), rng)
    [expected] = loop_reference(pyf, [a, b], [2, 2], [((4, 5), dtype)])
    assert_close(gu(a, b), expected)


def test_matmul_of_integers_uses_the_float64_loop_like_numpy_casting(matmul, rng):
    _, gu = matmul
    a, b = rng.integers(-9, 9, (2, 3, 4)), rng.integers(-9, 9, (4, 2))
    r = gu(a, b)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, np.matmul(a, b).astype(np.float64))


@pytest.mark.parametrize("a_shape, b_shape, out_shape", [
    ((0, 3, 5), (0, 5, 2), (0, 3, 2)),   # empty loop dimension
    ((3, 0), (0, 2), (3, 2)),            # empty contracted dimension: zeros
    ((0, 4), (4, 2), (0, 2)),            # empty output rows
    ((3, 4), (4, 0), (3, 0)),            # empty output columns
])
def test_matmul_with_empty_dimensions(matmul, a_shape, b_shape, out_shape):
    _, gu = matmul
    a, b = np.ones(a_shape), np.ones(b_shape)
    r = gu(a, b)
    assert r.shape == out_shape
    assert_close(r, np.matmul(a, b))


# --- row sums and norms (n)->() ----------------------------------------------------

ROWSUM = """
def rowsum(x, out):
    s = 0.0
    for v in x:
        s += v
    out[0] = s
"""

NORM = """
def norm(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * x[i]
    return math.sqrt(s)
"""

COMPLEX_NORM = """
def cnorm(x):
    s = 0.0
    for v in x:
        s += (v * v.conjugate()).real
    return math.sqrt(s)
"""

ROW_SHAPES = [(7,), (5, 7), (2, 3, 11), (1, 1), (4, 1000)]


@pytest.fixture(scope="module")
def rowsum():
    return compile_kernel(ROWSUM, ["void(float64[:], float64[:])", "void(float32[:], float32[:])"], "(n)->()")


@pytest.mark.parametrize("shape", ROW_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_row_sums_match_numpy(rowsum, dtype, shape, rng):
    _, gu = rowsum
    x = uniform(dtype, shape, rng)
    assert_close(gu(x), np.sum(x, axis=-1))


def test_row_sums_match_the_python_kernel(rowsum, rng):
    pyf, gu = rowsum
    x = uniform(np.float64, (6, 9), rng)
    [expected] = loop_reference(pyf, [x], [1], [((), np.float64)])
    assert_close(gu(x), expected)


@pytest.mark.parametrize("shape", ROW_SHAPES, ids=str)
def test_norms_match_numpy(shape, rng):
    _, gu = compile_kernel(NORM, ["float64(float64[:])", "float32(float32[:])"], "(n)->()")
    x = uniform(np.float64, shape, rng)
    assert_close(gu(x), np.linalg.norm(x, axis=-1))
    x32 = x.astype(np.float32)
    assert_close(gu(x32), np.linalg.norm(x32, axis=-1))


def test_complex_norms_have_a_float_output_like_numpy(rng):
    _, gu = compile_kernel(COMPLEX_NORM, ["float64(complex128[:])"], "(n)->()")
    assert gu.types == ["D->d"]
    z = uniform(np.complex128, (6, 13), rng)
    assert_close(gu(z), np.linalg.norm(z, axis=-1))


INT_ROWSUM = """
def isum(x, out):
    s = 0
    for i in range(x.shape[0]):
        s += x[i]
    out[0] = s
"""


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.uint64], ids=lambda d: np.dtype(d).name)
def test_integer_row_sums_wrap_around_like_numpy(dtype, rng):
    name = np.dtype(dtype).name
    _, gu = compile_kernel(INT_ROWSUM, [f"void({name}[:], {name}[:])"], "(n)->()")
    info = np.iinfo(dtype)
    # Values near the ends of the range: most row sums overflow.
    x = rng.integers(info.min, info.max, size=(9, 20), dtype=dtype, endpoint=True)
    r = gu(x)
    assert r.dtype == dtype
    np.testing.assert_array_equal(r, np.sum(x, axis=-1, dtype=dtype))


def test_int32_and_int64_loops_in_one_gufunc(rng):
    _, gu = compile_kernel(INT_ROWSUM, ["void(int32[:], int32[:])", "void(int64[:], int64[:])"], "(n)->()")
    assert sorted(gu.types) == sorted(["i->i", "l->l"])
    x = rng.integers(-(2**31), 2**31 - 1, size=(4, 50))
    for dtype in (np.int32, np.int64):
        xd = x.astype(dtype)
        r = gu(xd)
        assert r.dtype == dtype
        np.testing.assert_array_equal(r, np.sum(xd, axis=-1, dtype=dtype))


@pytest.mark.parametrize("source, signature, dtype, numpy_func", [
    (ROWSUM, "void(float64[:], float64[:])", np.float64, np.sum),
    (NORM, "float64(float64[:])", np.float64, np.linalg.norm),
    (INT_ROWSUM, "void(int64[:], int64[:])", np.int64, np.sum),
], ids=["rowsum", "norm", "int-rowsum"])
@pytest.mark.parametrize("shape", [(3, 0), (0, 4), (0, 0), (2, 0, 5, 0)], ids=str)
def test_empty_dimensions_of_reductions(source, signature, dtype, numpy_func, shape):
    """Empty core dimensions give the empty sum (zeros); empty loop
    dimensions give an empty result."""
    _, gu = compile_kernel(source, [signature], "(n)->()")
    x = np.ones(shape, dtype)
    assert_close(gu(x), numpy_func(x, axis=-1).astype(dtype))


# --- cumulative sums (n)->(n) --------------------------------------------------

CUMSUM = """
def cumsum(x, out):
    s = 0
    for i in range(len(x)):
        s += x[i]
        out[i] = s
"""


@pytest.fixture(scope="module")
def cumsum():
    return compile_kernel(CUMSUM, ["void(float64[:], float64[:])", "void(int64[:], int64[:])"], "(n)->(n)")


@pytest.mark.parametrize("shape", [(9,), (5, 7), (2, 3, 11), (3, 0), (0, 5), (2, 513)], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.int64], ids=lambda d: np.dtype(d).name)
def test_cumulative_sums_match_numpy(cumsum, dtype, shape, rng):
    _, gu = cumsum
    x = uniform(dtype, shape, rng)
    assert_close(gu(x), np.cumsum(x, axis=-1))


def test_cumulative_sums_match_the_python_kernel(cumsum, rng):
    pyf, gu = cumsum
    x = uniform(np.int64, (4, 6), rng)
    [expected] = loop_reference(pyf, [x], [1], [((6,), np.int64)])
    assert_close(gu(x), expected)


# --- cross products (3),(3)->(3) ----------------------------------------------------

CROSS = """
def cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]
"""


@pytest.mark.parametrize("a_shape, b_shape", [((3,), (3,)), ((5, 3), (5, 3)), ((2, 4, 3), (3,)), ((4, 1, 3), (6, 3))], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.int64], ids=lambda d: np.dtype(d).name)
def test_cross_products_match_numpy(dtype, a_shape, b_shape, rng):
    _, gu = compile_kernel(CROSS, ["void(float64[:], float64[:], float64[:])", "void(int64[:], int64[:], int64[:])"],
                           "(3),(3)->(3)")
    assert gu.signature == "(3),(3)->(3)"
    a, b = uniform(dtype, a_shape, rng), uniform(dtype, b_shape, rng)
    assert_close(gu(a, b), np.cross(a, b))


# --- polynomial evaluation (n),()->() with a scalar input --------------------------

POLYVAL_OUT = """
def polyval(c, x, out):
    r = 0.0
    for v in c:
        r = r * x + v
    out[0] = r
"""
POLYVAL_RETURN = """
def polyval(c, x):
    r = 0.0
    for v in c:
        r = r * x + v
    return r
"""
POLYVAL_ARRAY_SCALAR = """
def polyval(c, x, out):
    r = 0.0
    for v in c:
        r = r * x[0] + v
    out[0] = r
"""

POLYVAL_FORMS = [
    pytest.param(POLYVAL_OUT, "void(float64[:], float64, float64[:])", id="scalar-input-out0"),
    pytest.param(POLYVAL_RETURN, "float64(float64[:], float64)", id="return-form"),
    pytest.param(POLYVAL_RETURN, "void(float64[:], float64, float64)", id="void-with-scalar-output-returned"),
    pytest.param(POLYVAL_ARRAY_SCALAR, "void(float64[:], float64[:], float64[:])", id="scalar-input-as-1-element-view"),
]


@pytest.mark.parametrize("source, signature", POLYVAL_FORMS)
def test_polynomial_evaluation_matches_np_polyval(source, signature, rng):
    _, gu = compile_kernel(source, [signature], "(n),()->()")
    coefficients = uniform(np.float64, (5,), rng)
    x = np.linspace(-2, 2, 17)
    assert_close(gu(coefficients, x), np.polyval(coefficients, x))
    # One polynomial per row, each with its own x (loop dims broadcast).
    c = uniform(np.float64, (3, 4), rng)
    xs = uniform(np.float64, (2, 1), rng)
    expected = np.array([[np.polyval(c[j], xs[i, 0]) for j in range(3)] for i in range(2)])
    assert_close(gu(c, xs), expected)
    # A Python scalar for the scalar operand.
    assert_close(gu(coefficients, 1.5), np.polyval(coefficients, 1.5))


def test_polynomial_of_degree_minus_one_is_zero():
    _, gu = compile_kernel(POLYVAL_OUT, ["void(float64[:], float64, float64[:])"], "(n),()->()")
    assert_close(gu(np.empty(0), np.arange(3.0)), np.zeros(3))


# --- two outputs (n)->(),() -------------------------------------------------------------

MINMAX_OUT = """
def minmax(x, lo, hi):
    a = x[0]
    b = x[0]
    for v in x:
        if v < a:
            a = v
        if v > b:
            b = v
    lo[0] = a
    hi[0] = b
"""
MINMAX_RETURN = """
def minmax(x):
    a = x[0]
    b = x[0]
    for v in x:
        a = min(a, v)
        b = max(b, v)
    return a, b
"""

MINMAX_FORMS = [
    pytest.param(MINMAX_OUT, ["void(float64[:], float64[:], float64[:])", "void(int64[:], int64[:], int64[:])"],
                 id="out0-form"),
    pytest.param(MINMAX_RETURN, ["UniTuple(float64, 2)(float64[:])", "UniTuple(int64, 2)(int64[:])"],
                 id="return-UniTuple"),
    pytest.param(MINMAX_RETURN, ["(float64, float64)(float64[:])", "(int64, int64)(int64[:])"],
                 id="return-tuple-spelling"),
    pytest.param(MINMAX_RETURN, ["void(float64[:], float64, float64)", "void(int64[:], int64, int64)"],
                 id="void-with-scalar-outputs-returned"),
    pytest.param(MINMAX_RETURN, ["void(float64[:], float64[:], float64[:])", "void(int64[:], int64[:], int64[:])"],
                 id="void-with-array-outputs-returned"),
]


@pytest.mark.parametrize("source, signatures", MINMAX_FORMS)
@pytest.mark.parametrize("dtype", [np.float64, np.int64], ids=lambda d: np.dtype(d).name)
def test_min_and_max_as_two_outputs(source, signatures, dtype, rng):
    _, gu = compile_kernel(source, signatures, "(n)->(),()")
    assert (gu.nin, gu.nout) == (1, 2)
    x = uniform(dtype, (4, 6, 9), rng)
    lo, hi = gu(x)
    assert_close(lo, np.min(x, axis=-1))
    assert_close(hi, np.max(x, axis=-1))
    # Into given outputs, as a tuple.
    out = (np.empty((4, 6), dtype), np.empty((4, 6), dtype))
    result = gu(x, out=out)
    assert result[0] is out[0] and result[1] is out[1]
    assert_close(out[0], np.min(x, axis=-1))
    assert_close(out[1], np.max(x, axis=-1))


def test_min_and_max_match_the_python_kernels(rng):
    x = uniform(np.float64, (5, 8), rng)
    pyf_out, gu_out = compile_kernel(MINMAX_OUT, ["void(float64[:], float64[:], float64[:])"], "(n)->(),()")
    pyf_ret, gu_ret = compile_kernel(MINMAX_RETURN, ["UniTuple(float64, 2)(float64[:])"], "(n)->(),()")
    expected_out = loop_reference(pyf_out, [x], [1], [((), np.float64)] * 2)
    expected_ret = loop_reference(pyf_ret, [x], [1], [((), np.float64)] * 2, returns=True)
    for actual, expected in zip(gu_out(x), expected_out):
        assert_close(actual, expected)
    for actual, expected in zip(gu_ret(x), expected_ret):
        assert_close(actual, expected)


# --- kernel language features, against the Python kernel -----------------------------

square = vectorize(["float64(float64)"])(make_function("""
def square(x):
    return x * x
"""))


def feature(id, source, signatures, layout, inputs, outputs, returns=False, globals_=None):
    """One kernel: ``inputs`` lists ``(shape, dtype, core_ndim)``, ``outputs``
    ``(core_shape, dtype)`` as the reference allocates them."""
    return pytest.param(source, signatures, layout, inputs, outputs, returns, globals_, id=id)


F8 = np.float64
FEATURES = [
    feature("while-loop-and-vectorize-call", """
        def norm(x, out):
            s = 0.0
            i = 0
            while i < x.size:
                s += square(x[i])
                i += 1
            out[0] = math.sqrt(s)
    """, ["void(float64[:], float64[:])"], "(n)->()", [((4, 9), F8, 1)], [((), F8)], globals_={"square": square}),
    feature("negative-indices", """
        def ends(x, out):
            out[0] = x[-1] - 2 * x[-len(x)]
    """, ["void(float64[:], float64[:])"], "(n)->()", [((6, 5), F8, 1)], [((), F8)]),
    feature("2d-negative-indices-and-ndim", """
        def corner(a, out):
            out[0] = a.ndim * 100 + a[-1, -1] - a[-2, 0]
    """, ["void(float64[:,:], float64[:])"], "(m,n)->()", [((3, 4, 5), F8, 2)], [((), F8)]),
    feature("for-over-rows-of-2d", """
        def rowsums(a, out):
            k = 0
            for row in a:
                s = 0.0
                for v in row:
                    s += v
                out[k] = s
                k += 1
    """, ["void(float64[:,:], float64[:])"], "(m,n)->(m)", [((2, 3, 7), F8, 2)], [((3,), F8)]),
    feature("partial-index-row-view-and-augmented-store", """
        def colsum(a, out):
            for j in range(a.shape[1]):
                out[j] = 0.0
            for i in range(a.shape[0]):
                row = a[i]
                for j in range(len(row)):
                    out[j] += row[j]
    """, ["void(float64[:,:], float64[:])"], "(m,n)->(n)", [((4, 6, 5), F8, 2)], [((5,), F8)]),
    feature("shape-size-len", """
        def dims(a, out):
            m, n = a.shape
            out[0] = m * 1000 + n * 100 + a.size * 10 + len(a) + a.shape[1] * 0.5
    """, ["void(float64[:,:], float64[:])"], "(m,n)->()", [((2, 3, 4), F8, 2)], [((), F8)]),
    feature("if-else-break-continue", """
        def count_between(x, lo, hi, out):
            n = 0
            for v in x:
                if v < lo - 0.5:
                    continue
                elif v > hi + 0.9:
                    break
                else:
                    n += 1
            out[0] = n
    """, ["void(float64[:], float64, float64, int64[:])"], "(n),(),()->()",
        [((7, 10), F8, 1), ((7,), F8, 0), ((), F8, 0)], [((), np.int64)]),
    feature("int-input-float-output", """
        def mean(x, out):
            s = 0
            for v in x:
                s += v
            out[0] = s / len(x)
    """, ["void(int64[:], float64[:])"], "(n)->()", [((5, 7), np.int64, 1)], [((), F8)]),
    feature("bool-input", """
        def count(x, out):
            c = 0
            for v in x:
                if v:
                    c += 1
            out[0] = c
    """, ["void(bool[:], int64[:])"], "(n)->()", [((5, 11), np.bool_, 1)], [((), np.int64)]),
    feature("complex-return", """
        def trace(a):
            t = 0j
            for i in range(min(a.shape[0], a.shape[1])):
                t += a[i, i]
            return t
    """, ["complex128(complex128[:,:])"], "(m,n)->()", [((3, 4, 5), np.complex128, 2)], [((), np.complex128)],
        returns=True),
    feature("math-and-numpy-scalar-functions", """
        def logsumexp(x):
            m = x[0]
            for v in x:
                m = max(m, v)
            s = 0.0
            for v in x:
                s += np.exp(v - m)
            return m + math.log(s)
    """, ["float64(float64[:])"], "(n)->()", [((6, 8), F8, 1)], [((), F8)], returns=True),
    feature("float32-kernel", """
        def scaled(x, a, out):
            for i in range(len(x)):
                out[i] = a * x[i] + np.float32(1.5)
    """, ["void(float32[:], float32, float32[:])"], "(n),()->(n)",
        [((3, 7), np.float32, 1), ((3,), np.float32, 0)], [((7,), np.float32)]),
]


def random_array(shape, dtype, rng):
    if np.dtype(dtype).kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    return uniform(dtype, shape, rng)


@pytest.mark.parametrize("source, signatures, layout, inputs, outputs, returns, globals_", FEATURES)
def test_kernel_features_match_the_python_kernel(source, signatures, layout, inputs, outputs, returns, globals_,
                                                 rng):
    pyf, gu = compile_kernel(source, signatures, layout, globals_)
    arrays = [random_array(shape, dtype, rng) for shape, dtype, _ in inputs]
    expected = loop_reference(pyf, arrays, [core for _, _, core in inputs], outputs, returns=returns)
    actual = gu(*arrays)
    actual = actual if isinstance(actual, tuple) else (actual,)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert_close(a, e)


def test_type_object_signatures():
    sig = jitufunc.void(jitufunc.float64[:, :], jitufunc.float64[:, :], jitufunc.float64[:, :])
    _, gu = compile_kernel(MATMUL, [sig], "(m,n),(n,p)->(m,p)")
    assert gu.types == ["dd->d"]
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    assert_close(gu(a, b), a @ b)
    _, norm = compile_kernel(NORM, [jitufunc.float64(jitufunc.float64[:])], "(n)->()")
    assert_close(norm(a), np.linalg.norm(a, axis=-1))


def test_decorator_syntax_and_unmodified_python_function(rng):
    def plain_rowsum(x, out):
        s = 0.0
        for v in x:
            s += v
        out[0] = s

    gu = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(plain_rowsum)
    assert isinstance(gu, np.ufunc) and gu.__name__ == "plain_rowsum"
    x = uniform(np.float64, (3, 4), rng)
    out = np.zeros(1)
    plain_rowsum(x[1], out)  # still the Python function
    assert_close(out[0], np.sum(x[1]))
    assert_close(gu(x), np.sum(x, axis=-1))
