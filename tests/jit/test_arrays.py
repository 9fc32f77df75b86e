"""@jit functions taking NumPy arrays: every supported dtype, any number
of dimensions and any strides (negative, zero, non-contiguous), reads and
in-place writes equal to the Python function's, one specialisation per
dtype/ndim/layout/writability, and clear errors for what is not allowed."""

import numpy as np
import pytest

from conftest import ALL_DTYPES, assert_matches, make_function, sample
from jitufunc import jit, njit
from jitufunc.errors import TypingError

SUM = """
def total(x):
    s = x[0] * 0
    for i in range(len(x)):
        s += x[i]
    return s
"""

SUM2 = """
def total2(a):
    m, n = a.shape
    s = 0.0
    for i in range(m):
        row = a[i]
        for j in range(n):
            s += row[j] * (i + 1) - a[i, j]
    return s
"""

SCALE = """
def scale(out, x, k):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] * k + out[i, j]
"""


def _layouts(a):
    """Views of 2-d array ``a`` in every layout a caller may pass."""
    return {
        "C": a,
        "F": np.asfortranarray(a),
        "strided": a[::2, ::3],
        "negative": a[::-1, ::-2],
        "transposed": a.T,
    }


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_a_sum_over_a_1d_array_of_every_dtype(dtype, rng):
    py = make_function(SUM)
    f = njit(py)
    x = sample(dtype, 37, rng, low=-3, high=4)
    for view in (x, x[::-1], x[::5], x[3:4]):
        with np.errstate(all="ignore"):
            expected = py(view)
        got = f(view)
        assert_matches(np.asarray(got).astype(expected.dtype), expected)


@pytest.mark.parametrize("layout", ["C", "F", "strided", "negative", "transposed"])
def test_2d_reads_in_every_layout(layout, rng):
    py = make_function(SUM2)
    f = njit(py)
    a = _layouts(rng.standard_normal((12, 15)))[layout]
    assert f(a) == pytest.approx(py(a), rel=1e-12)


@pytest.mark.parametrize("layout", ["C", "F", "strided", "negative", "transposed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.complex128])
def test_in_place_writes_in_every_layout(layout, dtype, rng):
    py = make_function(SCALE)
    f = njit(py)
    x = _layouts(sample(dtype, (12, 15), rng, low=-5, high=5))[layout]
    start = sample(dtype, (12, 15), np.random.default_rng(1), low=-5, high=5)
    out_py, out_jit = _layouts(start.copy())[layout], _layouts(start.copy())[layout]
    # The factor has x's dtype: a Python int would be int64 in @jit (as in
    # Numba) but weak in Python, which rounds float32 differently.
    k = x.dtype.type(3)
    py(out_py, x, k)
    f(out_jit, x, k)
    assert_matches(out_jit, out_py)


def test_zero_strides_and_empty_arrays():
    f = njit(make_function(SUM))
    b = np.broadcast_to(np.float64(2.5), (10,))
    assert b.strides == (0,)
    assert f(b) == 25.0
    g = njit(make_function("""
        def g(a):
            return a.size, a.ndim, len(a)
    """))
    assert g(np.empty((0, 3))) == (0, 2, 0)
    assert g(np.empty(5, dtype=np.int8)) == (5, 1, 5)


def test_specialisations_by_dtype_ndim_layout_and_writability():
    f = njit(make_function("""
        def f(a):
            return a.size
    """))
    a = np.zeros((4, 6))
    f(a)
    f(a[:, ::2])
    f(a.astype(np.float32))
    f(a.ravel())
    ro = a.copy()
    ro.flags.writeable = False
    f(ro)
    sigs = f.signatures
    assert len(sigs) == 5, sigs
    assert "int64(float64[:, ::1])" in sigs and "int64(float64[:, :])" in sigs
    assert any("(readonly)" in s for s in sigs)


def test_writing_to_a_read_only_array_is_a_compile_error_naming_it():
    source = """
        def f(a):
            a[0] = 1.0
    """
    f = njit(make_function(source))
    a = np.zeros(3)
    a.flags.writeable = False
    with pytest.raises(TypingError, match="cannot write to 'a'") as info:
        f(a)
    assert info.value.lineno == 2
    b = np.zeros(3)
    f(b)
    assert b[0] == 1.0


def test_boundscheck_raises_index_error_naming_array_axis_and_line():
    src = """
        def f(a, i):
            return a[i]
    """
    f = jit(boundscheck=True)(make_function(src))
    a = np.arange(5.0)
    assert f(a, -1) == 4.0
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for axis 0 with size 5.*'a'.*line 2"):
        f(a, 5)
    with pytest.raises(IndexError, match=r"index -6"):
        f(a, -6)


def test_arrays_pass_to_other_jit_functions():
    inner = njit(make_function("""
        def inner(row, k):
            for j in range(len(row)):
                row[j] *= k
    """))
    outer = njit(make_function("""
        def outer(a):
            for i in range(a.shape[0]):
                inner(a[i], i)
    """, {"inner": inner}))
    a = np.ones((3, 4))
    outer(a)
    np.testing.assert_array_equal(a, np.array([[0.0] * 4, [1.0] * 4, [2.0] * 4]))


@pytest.mark.parametrize("bad, what", [
    ("text", "str"),
    ([1, 2], "list"),
    (np.array(["a", "b"]), "dtype <U1"),
    (np.zeros(2, dtype="datetime64[s]"), "datetime64"),
    ({}, "dict"),
])
def test_unsupported_arguments_are_type_errors_naming_the_parameter(bad, what):
    f = njit(make_function("""
        def f(x, y):
            return y
    """))
    with pytest.raises(TypeError, match=rf"f\(\) argument 'x' is a .*{what}"):
        f(bad, 1)


def test_non_native_byte_order_is_refused():
    f = njit(make_function(SUM))
    with pytest.raises(TypeError, match="byte order"):
        f(np.arange(4, dtype=">f8"))


def test_signatures_given_compile_eagerly_and_convert_scalars():
    f = jit(["float64(float64[:], float64)", "int64(int64[:], int64)"])(make_function("""
        def f(x, k):
            s = k
            for v in x:
                s += v
            return s
    """))
    assert f.signatures == ["float64(float64[:], float64)", "int64(int64[:], int64)"]
    assert f(np.arange(4.0), 1) == 7.0
    assert f(np.arange(4), 1) == 7
    # A C-contiguous array uses the any-layout signature; an int32 array
    # has none.
    assert f(np.arange(8.0)[::2], 0.5) == 12.5
    with pytest.raises(TypeError, match="no compiled signature"):
        f(np.arange(4, dtype=np.int32), 1)
    assert len(f.signatures) == 2


def test_inspect_methods_key_by_signature():
    f = njit(make_function("""
        def f(x):
            return x[0] + 1.0
    """))
    f(np.zeros(3))
    types = f.inspect_types()
    assert list(types) == ["float64(float64[::1])"]
    assert "array.load" in types["float64(float64[::1])"]
    assert "ret" in f.inspect_llvm("float64(float64[::1])")
    assert f.inspect_asm()["float64(float64[::1])"]
    assert f.compile("float64(float32[:])") == "float64(float32[:])"
    assert f(np.zeros(3, dtype=np.float32)[::2]) == 1.0


def test_the_dispatcher_looks_like_the_function():
    py = make_function('''
        def documented(x):
            """Adds one."""
            return x + 1
    ''')
    f = njit(py)
    assert f.__name__ == "documented" and f.__doc__ == "Adds one."
    assert f.__wrapped__ is py and f.py_func is py
    assert f.__module__ == py.__module__ and f.__qualname__ == py.__qualname__
    assert "documented" in repr(f)
