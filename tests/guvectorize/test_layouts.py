"""Gufunc layouts and the ways NumPy calls the loops.

- layout strings: fixed ``(3)``, optional ``m?`` and broadcastable ``n|1``
  dimensions, and what ``f.signature`` shows for them;
- every memory layout of the operands (non-contiguous, transposed, Fortran
  order, negative and zero strides, padded rows) and of the outputs;
- the call options: ``out=``, ``axes=``, ``axis=``, ``keepdims=``,
  ``dtype=``, omitted outputs, loop-dimension broadcasting.

Expected values come from the NumPy function computing the same thing
(np.matmul, np.vecdot, np.cumsum, np.sum, np.cross) or from the Python
kernel run on NumPy views.
"""

import re

import numpy as np
import pytest

from .helpers import MATMUL, assert_close, compile_kernel, loop_reference, uniform

MATMUL_SIGS = ["void(float64[:,:], float64[:,:], float64[:,:])", "void(float32[:,:], float32[:,:], float32[:,:])"]

DOT = """
def dot(a, b, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s
"""
CUMSUM = """
def cumsum(x, out):
    s = 0.0
    for i in range(len(x)):
        s += x[i]
        out[i] = s
"""
ROWSUM = """
def rowsum(x):
    s = 0.0
    for v in x:
        s += v
    return s
"""
F8_2 = ["void(float64[:], float64[:])"]
F8_3 = ["void(float64[:], float64[:], float64[:])"]


@pytest.fixture(scope="module")
def matmul():
    return compile_kernel(MATMUL, MATMUL_SIGS, "(m,n),(n,p)->(m,p)")


@pytest.fixture(scope="module")
def matmul_optional():
    """Like np.matmul: 1-d operands are vectors."""
    return compile_kernel(MATMUL, MATMUL_SIGS, "(m?,n),(n,p?)->(m?,p?)")


@pytest.fixture(scope="module")
def dot():
    return compile_kernel(DOT, F8_3, "(n),(n)->()")


@pytest.fixture(scope="module")
def cumsum():
    return compile_kernel(CUMSUM, F8_2, "(n)->(n)")


@pytest.fixture(scope="module")
def rowsum():
    return compile_kernel(ROWSUM, ["float64(float64[:])"], "(n)->()")


# --- the layout string and f.signature ---------------------------------------------

POLYVAL = """
def polyval(c, x):
    r = 0.0
    for v in c:
        r = r * x + v
    return r
"""
MINMAX = """
def minmax(x, lo, hi):
    lo[0] = x[0]
    hi[0] = x[0]
    for v in x:
        lo[0] = min(lo[0], v)
        hi[0] = max(hi[0], v)
"""
CROSS = """
def cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]
"""


@pytest.mark.parametrize("layout, source, signature", [
    ("(n)->()", ROWSUM, "float64(float64[:])"),
    ("(n),(n)->()", DOT, F8_3[0]),
    ("(n)->(n)", CUMSUM, F8_2[0]),
    ("(m,n),(n,p)->(m,p)", MATMUL, MATMUL_SIGS[0]),
    ("(m?,n),(n,p?)->(m?,p?)", MATMUL, MATMUL_SIGS[0]),
    ("(3),(3)->(3)", CROSS, F8_3[0]),
    ("(n),()->()", POLYVAL, "float64(float64[:], float64)"),
    ("(n)->(),()", MINMAX, F8_3[0]),
    ("(m, n) , (n, p) -> (m, p)", MATMUL, MATMUL_SIGS[0]),
])
def test_signature_is_the_layout(layout, source, signature):
    _, gu = compile_kernel(source, [signature], layout)
    assert gu.signature == layout
    ins, outs = layout.split("->")
    assert gu.nin == ins.count("(")
    assert gu.nout == outs.count("(")


def _structure(signature):
    """The number of core dimensions of each operand, and the fixed sizes."""
    return [[re.sub(r"[A-Za-z_]\w*", "name", d.strip()) for d in op.split(",") if d.strip()]
            for op in re.findall(r"\(([^)]*)\)", signature)]


@pytest.mark.parametrize("layout, source, signature", [
    ("(n|1),(n|1)->()", DOT, F8_3[0]),
    ("(n|1),(n)->()", DOT, F8_3[0]),
    ("(m,n|1),(n|1)->(m)", """
        def matvec(a, b, out):
            m, n = a.shape
            for i in range(m):
                s = 0.0
                for k in range(n):
                    s += a[i, k] * b[k]
                out[i] = s
    """, "void(float64[:,:], float64[:], float64[:])"),
    ("(n|1),(n|1)->(n)", "def f(a, b, out):\n    for i in range(len(out)):\n        out[i] = a[i] * b[i]\n", F8_3[0]),
])
def test_signature_of_broadcast_layouts_is_a_numpy_signature(layout, source, signature):
    """NumPy has no ``n|1``: the ufunc's signature renames the dimensions
    that may be 1, keeping every operand's number of core dimensions."""
    _, gu = compile_kernel(source, [signature], layout)
    assert gu.signature != layout
    assert "|" not in gu.signature
    assert _structure(gu.signature) == _structure(layout.replace("|1", ""))
    np.vectorize(len, signature=gu.signature)  # raises if NumPy cannot parse it
    if layout == "(n|1),(n|1)->()":
        assert gu.signature == "(n),(n_1)->()"


# --- fixed dimensions ---------------------------------------------------------------


def test_fixed_dimensions(rng):
    _, gu = compile_kernel(CROSS, F8_3, "(3),(3)->(3)")
    a, b = uniform(np.float64, (4, 3), rng), uniform(np.float64, (2, 1, 3), rng)
    assert_close(gu(a, b), np.cross(a, b))
    with pytest.raises(ValueError, match=r"core dimension.*size 4 is different from 3"):
        gu(np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match=r"core dimension.*different from 3"):
        gu(np.ones(3), np.ones(3), out=np.empty(2))


def test_fixed_dimension_sizes_reach_the_kernel(rng):
    _, gu = compile_kernel("""
        def f(a, out):
            out[0] = a.shape[0] * 10 + a.shape[1]
    """, ["void(float64[:,:], int64[:])"], "(2,5)->()")
    assert gu.signature == "(2,5)->()"
    np.testing.assert_array_equal(gu(np.zeros((3, 2, 5))), [25, 25, 25])


# --- optional dimensions (like np.matmul) ------------------------------------------------

OPTIONAL_SHAPES = [
    ((4, 5), (5,)),           # matrix @ vector
    ((5,), (5, 3)),           # vector @ matrix
    ((5,), (5,)),             # vector @ vector: a scalar
    ((2, 4, 5), (5,)),        # stack of matrices @ vector
    ((5,), (3, 5, 2)),        # vector @ stack of matrices
    ((4, 5), (5, 3)),         # matrix @ matrix
    ((2, 1, 3, 5), (4, 5, 2)),
    ((1,), (1,)),
]


@pytest.mark.parametrize("a_shape, b_shape", OPTIONAL_SHAPES, ids=str)
def test_optional_dimensions_like_np_matmul(matmul_optional, a_shape, b_shape, rng):
    _, gu = matmul_optional
    a, b = uniform(np.float64, a_shape, rng), uniform(np.float64, b_shape, rng)
    actual, expected = gu(a, b), np.matmul(a, b)
    assert np.shape(actual) == np.shape(expected)
    assert type(actual) is type(expected)
    assert_close(actual, expected)


def test_optional_dimensions_with_out_and_axes(matmul_optional, rng):
    _, gu = matmul_optional
    a, v = uniform(np.float64, (4, 5), rng), uniform(np.float64, (5,), rng)
    out = np.full(4, np.nan)
    assert gu(a, v, out=out) is out
    assert_close(out, np.matmul(a, v))
    axes = [(1, 0), (0,), (0,)]
    assert_close(gu(a.T, v, axes=axes), np.matmul(a.T, v, axes=axes))


def test_missing_core_dimension_is_a_numpy_error(matmul, matmul_optional):
    _, gu = matmul
    with pytest.raises(ValueError, match=r"does not have enough dimensions"):
        gu(np.ones(5), np.ones((5, 2)))
    _, gu = matmul_optional
    with pytest.raises(ValueError, match=r"mismatch in its core dimension"):
        gu(np.ones(5), np.ones(4))


# --- broadcastable dimensions (n|1) ---------------------------------------------------------

def test_broadcast_dimension_of_size_1_is_broadcast(rng):
    _, gu = compile_kernel(DOT, F8_3, "(n|1),(n|1)->()")
    x, one = uniform(np.float64, (4, 6), rng), uniform(np.float64, (4, 1), rng)
    expected = np.vecdot(x, np.broadcast_to(one, x.shape))
    assert_close(gu(x, one), expected)
    assert_close(gu(one, x), expected)
    assert_close(gu(x, x), np.vecdot(x, x))
    assert_close(gu(one, one), np.vecdot(one, one))
    # Loop dimensions broadcast as usual, independently of the core ones.
    y = uniform(np.float64, (3, 1, 6), rng)
    assert_close(gu(y, one), np.vecdot(y, np.broadcast_to(one, (4, 6))))


def test_broadcast_dimension_mismatch_is_an_error_naming_the_layout():
    _, gu = compile_kernel(DOT, F8_3, "(n|1),(n|1)->()")
    with pytest.raises(ValueError, match=r"input operand 1 has size 4 in core dimension n but input operand 0 "
                                         r"has size 3 \(it may be 1 or 3; gufunc layout \(n\|1\),\(n\|1\)->\(\)\)"):
        gu(np.ones(3), np.ones(4))


def test_broadcast_dimension_only_on_one_operand(rng):
    _, gu = compile_kernel(DOT, F8_3, "(n|1),(n)->()")
    x, one = uniform(np.float64, (5,), rng), uniform(np.float64, (1,), rng)
    assert_close(gu(one, x), np.dot(np.broadcast_to(one, 5), x))
    with pytest.raises(ValueError, match=r"input operand 0 has size 5 in core dimension n but input operand 1 has size 1 \(it must be 1;"):
        gu(x, one)  # only the first operand may have size 1


def test_broadcast_dimension_in_a_2d_operand(rng):
    _, gu = compile_kernel("""
        def matvec(a, b, out):
            m, n = a.shape
            for i in range(m):
                s = 0.0
                for k in range(n):
                    s += a[i, k] * b[k]
                out[i] = s
    """, ["void(float64[:,:], float64[:], float64[:])"], "(m,n|1),(n|1)->(m)")
    a, b = uniform(np.float64, (2, 3, 4), rng), uniform(np.float64, (4,), rng)
    assert_close(gu(a, b), np.matmul(a, b))
    assert_close(gu(a[..., :1], b), np.matmul(np.broadcast_to(a[..., :1], a.shape), b))
    assert_close(gu(a, b[:1]), np.matmul(a, np.broadcast_to(b[:1], (4,))))
    assert_close(gu(a[..., :1], b[:1]), np.matmul(a[..., :1], b[:1]))


def test_output_with_a_dimension_set_by_broadcast_inputs(rng):
    _, gu = compile_kernel("def f(a, b, out):\n    for i in range(len(out)):\n        out[i] = a[i] * b[i]\n",
                           F8_3, "(n|1),(n|1)->(n)")
    x, one = uniform(np.float64, (3, 5), rng), uniform(np.float64, (3, 1), rng)
    assert_close(gu(x, one), x * one)
    assert_close(gu(one, one), one * one)


def test_broadcast_operand_sees_the_full_size(rng):
    """shape, len and size of the operand that has size 1 report the
    broadcast size, and every index reads its one element."""
    pyf, gu = compile_kernel("""
        def f(a, b, out):
            for i in range(b.size):
                out[i] = a[i] + b[i] + a.size * 100 + len(a) * 1000 + a.shape[0] * 10000
    """, F8_3, "(n|1),(n)->(n)")
    a, b = uniform(np.float64, (2, 1), rng), uniform(np.float64, (2, 7), rng)
    [expected] = loop_reference(pyf, [np.broadcast_to(a, b.shape), b], [1, 1], [((7,), np.float64)])
    assert_close(gu(a, b), expected)


def test_broadcast_dimension_of_size_1_against_size_0():
    _, gu = compile_kernel("""
        def f(a, b, out):
            out[0] = len(a) * 10 + len(b)
    """, ["void(float64[:], float64[:], int64[:])"], "(n|1),(n)->()")
    assert gu(np.ones(1), np.ones(0)) == 0  # np.broadcast_shapes((1,), (0,)) == (0,)


def test_broadcast_dimension_both_broadcastable_sizes_0_and_1():
    _, gu = compile_kernel(DOT, F8_3, "(n|1),(n|1)->()")
    assert gu(np.zeros(0), np.ones(1)) == 0.0


# --- memory layouts of the inputs --------------------------------------------------------------

def _base(shape, seed):
    return uniform(np.float64, shape, np.random.default_rng(seed))


MATMUL_INPUTS = {
    "contiguous": lambda: (_base((4, 3, 5), 0), _base((4, 5, 2), 1)),
    "padded-rows": lambda: (_base((4, 3, 8), 0)[..., :5], _base((4, 5, 6), 1)[..., :2]),
    "strided-inner": lambda: (_base((4, 3, 10), 0)[..., ::2], _base((4, 5, 6), 1)[..., ::3]),
    "transposed": lambda: (_base((4, 5, 3), 0).transpose(0, 2, 1), _base((4, 2, 5), 1).transpose(0, 2, 1)),
    "fortran": lambda: (np.asfortranarray(_base((4, 3, 5), 0)), np.asfortranarray(_base((4, 5, 2), 1))),
    "negative-inner-stride": lambda: (_base((4, 3, 5), 0)[..., ::-1], _base((4, 5, 2), 1)[..., ::-1]),
    "negative-row-stride": lambda: (_base((4, 3, 5), 0)[:, ::-1], _base((4, 5, 2), 1)[:, ::-1]),
    "negative-loop-stride": lambda: (_base((4, 3, 5), 0)[::-1], _base((4, 5, 2), 1)[::-1]),
    "broadcast-loop": lambda: (np.broadcast_to(_base((3, 5), 0), (4, 3, 5)), _base((4, 5, 2), 1)),
    "broadcast-core": lambda: (np.broadcast_to(_base((3, 1), 0), (4, 3, 5)), np.broadcast_to(_base((2,), 1), (4, 5, 2))),
    "zero-d-like-core": lambda: (np.broadcast_to(_base((), 0), (4, 3, 5)), _base((4, 5, 2), 1)),
    "mixed": lambda: (np.asfortranarray(_base((4, 3, 5), 0))[::-1], _base((5, 4, 4), 1).transpose(1, 0, 2)[..., 1:3]),
}


@pytest.mark.parametrize("layout", list(MATMUL_INPUTS))
def test_matmul_on_every_input_layout(matmul, layout):
    _, gu = matmul
    a, b = MATMUL_INPUTS[layout]()
    a_before, b_before = a.copy(), b.copy()
    assert_close(gu(a, b), np.matmul(a, b))
    np.testing.assert_array_equal(a, a_before)
    np.testing.assert_array_equal(b, b_before)


ROW_INPUTS = {
    "contiguous": lambda: _base((5, 37), 0),
    "strided": lambda: _base((5, 74), 0)[:, ::2],
    "transposed": lambda: _base((37, 5), 0).T,
    "fortran": lambda: np.asfortranarray(_base((5, 37), 0)),
    "reversed-core": lambda: _base((5, 37), 0)[:, ::-1],
    "reversed-loop": lambda: _base((5, 37), 0)[::-1],
    "reversed-both": lambda: _base((5, 37), 0)[::-1, ::-3],
    "broadcast-loop": lambda: np.broadcast_to(_base((37,), 0), (5, 37)),
    "broadcast-core": lambda: np.broadcast_to(_base((5, 1), 0), (5, 37)),
    "long-rows": lambda: _base((3, 4099), 0),
    "one-element-rows": lambda: _base((5, 1), 0),
    "3d": lambda: _base((2, 3, 37), 0)[:, ::-1, 1:],
}


@pytest.mark.parametrize("layout", list(ROW_INPUTS))
def test_row_kernels_on_every_input_layout(cumsum, rowsum, layout):
    x = ROW_INPUTS[layout]()
    assert_close(cumsum[1](x), np.cumsum(x, axis=-1))
    assert_close(rowsum[1](x), np.sum(x, axis=-1))


# --- outputs: out=, strided outputs, omitted outputs ---------------------------------------------

@pytest.mark.parametrize("make_out", [
    pytest.param(lambda buf: buf[:, :, ::2], id="every-other-column"),
    pytest.param(lambda buf: buf[:, :, ::-2], id="reversed-columns"),
    pytest.param(lambda buf: buf[::-1, :, 1::2], id="reversed-loop"),
])
def test_matmul_into_strided_outputs(matmul, make_out, rng):
    _, gu = matmul
    a, b = uniform(np.float64, (4, 3, 5), rng), uniform(np.float64, (4, 5, 3), rng)
    buf = np.full((4, 3, 6), 7.0)
    out = make_out(buf)
    assert gu(a, b, out=out) is out
    assert_close(out, np.matmul(a, b))
    # Nothing outside the view was written.
    untouched = np.ones(buf.shape, bool)
    make_out(untouched)[...] = False
    assert (buf[untouched] == 7.0).all()


def test_matmul_into_transposed_and_fortran_outputs(matmul, rng):
    _, gu = matmul
    a, b = uniform(np.float64, (4, 3, 5), rng), uniform(np.float64, (4, 5, 2), rng)
    out = np.zeros((4, 2, 3)).transpose(0, 2, 1)
    assert_close(gu(a, b, out=out), np.matmul(a, b))
    out = np.zeros((4, 3, 2), order="F")
    assert_close(gu(a, b, out=out), np.matmul(a, b))


def test_cumsum_into_strided_and_reversed_outputs(cumsum, rng):
    _, gu = cumsum
    x = uniform(np.float64, (3, 8), rng)
    buf = np.zeros((3, 16))
    gu(x, out=buf[:, ::2])
    assert_close(buf[:, ::2], np.cumsum(x, axis=-1))
    assert not buf[:, 1::2].any()
    buf = np.zeros((3, 16))
    gu(x, out=buf[:, ::-2])
    assert_close(buf[:, ::-2], np.cumsum(x, axis=-1))
    assert not buf[:, -2::-2].any()


def test_out_forms(dot, rng):
    _, gu = dot
    a, b = uniform(np.float64, (5, 4), rng), uniform(np.float64, (4,), rng)
    expected = np.vecdot(a, b)
    for call in (lambda o: gu(a, b, out=o), lambda o: gu(a, b, out=(o,)), lambda o: gu(a, b, o)):
        out = np.full(5, np.nan)
        assert call(out) is out
        assert_close(out, expected)


def test_zero_d_out_and_scalar_results(dot, rng):
    _, gu = dot
    a, b = uniform(np.float64, (4,), rng), uniform(np.float64, (4,), rng)
    result = gu(a, b)
    assert type(result) is type(np.vecdot(a, b)) is np.float64
    assert_close(result, np.vecdot(a, b))
    out = np.zeros(())
    assert gu(a, b, out=out) is out
    assert_close(out, np.vecdot(a, b))


def test_omitted_outputs_are_allocated_with_the_loop_dtype(matmul, rng):
    _, gu = matmul
    a32, b32 = uniform(np.float32, (2, 3, 4), rng), uniform(np.float32, (4, 5), rng)
    r = gu(a32, b32)
    assert r.dtype == np.float32 and r.shape == (2, 3, 5)
    assert_close(r, np.matmul(a32, b32))
    r = gu(a32, b32, dtype=np.float64)
    assert r.dtype == np.float64
    assert_close(r, np.matmul(a32.astype(np.float64), b32.astype(np.float64)))
    r = gu(a32, b32.astype(np.float64))  # float32 with float64: the float64 loop
    assert r.dtype == np.float64


def test_output_core_dimension_only_on_the_output():
    """A dimension only the output has must come from out=, as in NumPy."""
    _, gu = compile_kernel("""
        def ramp(x, out):
            for i in range(len(out)):
                out[i] = x[0] + i
    """, F8_2, "(n)->(m)")
    out = np.zeros((2, 4))
    assert_close(gu(np.array([[1.0, 9.0], [5.0, 9.0]]), out=out), np.array([[1, 2, 3, 4], [5, 6, 7, 8]], float))
    with pytest.raises(ValueError, match=r"core dimension.*unspecified"):
        gu(np.ones((2, 3)))


def test_loop_dimensions_broadcast_like_numpy(dot, rng):
    _, gu = dot
    a, b = uniform(np.float64, (3, 1, 4), rng), uniform(np.float64, (2, 4), rng)
    assert_close(gu(a, b), np.vecdot(a, b))
    with pytest.raises(ValueError, match=r"broadcast|mismatch"):
        gu(np.ones((3, 4)), np.ones((2, 4)))


# --- axes=, axis=, keepdims= --------------------------------------------------------------------

@pytest.mark.parametrize("axes, a_shape, b_shape", [
    ([(-2, -1), (-2, -1), (-2, -1)], (2, 3, 4), (2, 4, 5)),
    ([(0, 1), (0, 1), (0, 1)], (3, 4, 2), (4, 5, 2)),
    ([(2, 0), (1, 2), (0, 2)], (4, 2, 3), (2, 4, 5)),
    ([(1, 2), (0, 1), (2, 1)], (2, 3, 4), (4, 5)),
], ids=str)
def test_matmul_axes_like_np_matmul(matmul, axes, a_shape, b_shape, rng):
    _, gu = matmul
    a, b = uniform(np.float64, a_shape, rng), uniform(np.float64, b_shape, rng)
    assert_close(gu(a, b, axes=axes), np.matmul(a, b, axes=axes))


@pytest.mark.parametrize("kwargs", [
    {"axis": 0}, {"axis": 1}, {"axis": -1}, {"axis": 0, "keepdims": True}, {"axis": 1, "keepdims": True},
    {"axes": [(0,), (0,), ()]}, {"axes": [(1,), (1,)]}, {"axes": [0, 0]}, {"axes": [0, 0, 0], "keepdims": True},
], ids=str)
def test_dot_axis_and_keepdims_like_np_vecdot(dot, kwargs, rng):
    _, gu = dot
    a, b = uniform(np.float64, (4, 6), rng), uniform(np.float64, (4, 6), rng)
    assert_close(gu(a, b, **kwargs), np.vecdot(a, b, **kwargs))


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_cumsum_axis_like_np_cumsum(cumsum, axis, rng):
    _, gu = cumsum
    x = uniform(np.float64, (3, 4, 5), rng)
    assert_close(gu(x, axis=axis), np.cumsum(x, axis=axis))


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_rowsum_axis_and_keepdims_like_np_sum(rowsum, axis, keepdims, rng):
    _, gu = rowsum
    x = uniform(np.float64, (3, 4, 5), rng)
    assert_close(gu(x, axis=axis, keepdims=keepdims), np.sum(x, axis=axis, keepdims=keepdims))


def test_axis_and_axes_errors_come_from_numpy(dot, matmul):
    with pytest.raises(TypeError, match=r"axis can only be used with a single shared core dimension"):
        matmul[1](np.ones((2, 2)), np.ones((2, 2)), axis=0)
    with pytest.raises(np.exceptions.AxisError, match=r"axis 5 is out of bounds"):
        dot[1](np.ones((2, 2)), np.ones((2, 2)), axes=[(0,), (5,)])
