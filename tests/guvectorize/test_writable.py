"""Read-only inputs, ``writable_args``, read-only NumPy arrays, and calls
whose output overlaps an input.

Inputs are read-only inside a kernel unless listed in ``writable_args``
(by index or by parameter name); writing one is a TypingError at
decoration. Expected values come from the Python kernel run on copies of
the data, or from NumPy.
"""

import re
import textwrap

import numpy as np
import pytest

from jitufunc import guvectorize
from jitufunc.errors import OptionError, TypingError
from conftest import make_function
from .helpers import MATMUL, assert_close, compile_kernel, loop_reference, uniform

# --- writing an input is a typing error ----------------------------------------------

WRITES = [
    pytest.param("""
        def f(x, out):
            x[0] = 1.0
            out[0] = x[0]
    """, "void(float64[:], float64[:])", "(n)->()", "x", 2, id="element-store"),
    pytest.param("""
        def f(x, out):
            for i in range(len(x)):
                x[i] += 1.0
            out[0] = x[0]
    """, "void(float64[:], float64[:])", "(n)->()", "x", 3, id="augmented-store"),
    pytest.param("""
        def f(a, out):
            a[0, 0] = 5.0
            out[0] = a[0, 0]
    """, "void(float64[:,:], float64[:])", "(m,n)->()", "a", 2, id="2d-element-store"),
    pytest.param("""
        def f(a, out):
            row = a[0]
            row[0] = 5.0
            out[0] = a[0, 0]
    """, "void(float64[:,:], float64[:])", "(m,n)->()", "row", 3, id="row-view-of-input"),
    pytest.param("""
        def f(a, out):
            for row in a:
                row[0] = 5.0
            out[0] = a[0, 0]
    """, "void(float64[:,:], float64[:])", "(m,n)->()", "row", 3, id="rows-iterated-from-input"),
    pytest.param("""
        def f(x, out):
            y = x
            y[0] = 5.0
            out[0] = x[0]
    """, "void(float64[:], float64[:])", "(n)->()", "(x|y)", 3, id="alias-of-input"),
    pytest.param("""
        def f(x, c, out):
            c[0] = 2.0
            out[0] = x[0]
    """, "void(float64[:], float64[:], float64[:])", "(n),()->()", "c", 2, id="scalar-input-as-view"),
    pytest.param("""
        def f(x, y, out):
            out[0] = x[0]
            y[1] = out[0]
    """, "void(float64[:], float64[:], float64[:])", "(n),(n)->()", "y", 3, id="second-input"),
]


@pytest.mark.parametrize("source, signature, layout, name, line", WRITES)
def test_writing_an_input_is_a_typing_error(source, signature, layout, name, line):
    f = make_function(source)
    with pytest.raises(TypingError) as info:
        guvectorize([signature], layout)(f)
    message = str(info.value)
    assert re.search(rf"cannot write to '{name}': it is read-only", message), message
    assert "writable_args" in message
    text = textwrap.dedent(source).lstrip("\n").splitlines()[line - 1].strip()
    assert f.__code__.co_filename in message and f"line {line}" in message and text in message, message


def test_rebinding_a_scalar_input_is_not_a_write(rng):
    pyf, gu = compile_kernel("""
        def f(x, c, out):
            c = c * 2.0
            out[0] = x[0] + c
    """, ["void(float64[:], float64, float64[:])"], "(n),()->()")
    x, c = uniform(np.float64, (4, 3), rng), uniform(np.float64, (4,), rng)
    assert_close(gu(x, c), x[:, 0] + 2.0 * c)


def test_read_only_arrays_are_fine_as_inputs(rng):
    _, gu = compile_kernel("""
        def double(x, out):
            for i in range(len(x)):
                out[i] = x[i] * 2.0
    """, ["void(float64[:], float64[:])"], "(n)->(n)")
    x = uniform(np.float64, (3, 5), rng)
    x.flags.writeable = False
    assert_close(gu(x), 2.0 * x)
    broadcast = np.broadcast_to(x[0], (4, 5))  # read-only too
    assert_close(gu(broadcast), 2.0 * broadcast)


def test_read_only_output_array_is_a_numpy_error():
    _, gu = compile_kernel("""
        def f(x, out):
            out[0] = x[0]
    """, ["void(float64[:], float64[:])"], "(n)->()")
    out = np.zeros(3)
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"read-only"):
        gu(np.ones((3, 2)), out=out)


# --- writable_args ---------------------------------------------------------------

INCREMENT = """
def increment(x, out):
    for i in range(len(x)):
        x[i] += 1.0
        out[i] = 2.0 * x[i]
"""
INC_SIG = ["void(float64[:], float64[:])"]



@pytest.mark.parametrize("writable_args", [(0,), ("x",), "x", 0, [0, "x"]], ids=repr)
def test_writable_args_by_index_or_name_compile(writable_args):
    gu = guvectorize(INC_SIG, "(n)->(n)", writable_args=writable_args)(make_function(INCREMENT))
    assert gu.types == ["d->d"]


@pytest.mark.parametrize("writable_args", [(0,), ("x",)], ids=repr)
def test_writable_input_is_modified_in_place(writable_args, rng):
    pyf, gu = compile_kernel(INCREMENT, INC_SIG, "(n)->(n)", writable_args=writable_args)
    x = uniform(np.float64, (3, 5), rng)
    x_ref = x.copy()
    [expected] = loop_reference(pyf, [x_ref], [1], [((5,), np.float64)])
    assert_close(gu(x), expected)
    assert_close(x, x_ref)  # incremented like the Python kernel did


def test_writable_second_input_of_a_2d_kernel(rng):
    pyf, gu = compile_kernel("""
        def scale_rows(a, w, out):
            m, n = a.shape
            for i in range(m):
                for j in range(n):
                    w[i, j] = a[i, j] * (i + 1)
                out[i] = w[i, 0]
    """, ["void(float64[:,:], float64[:,:], float64[:])"], "(m,n),(m,n)->(m)", writable_args=("w",))
    a = uniform(np.float64, (2, 3, 4), rng)
    w = np.zeros((2, 3, 8))[..., ::2]  # a strided view: NumPy writes back any copy
    w_ref = np.zeros((2, 3, 4))
    [expected] = loop_reference(pyf, [a, w_ref], [2, 2], [((3,), np.float64)])
    assert_close(gu(a, w), expected)
    assert_close(w, w_ref)


def test_read_only_array_for_a_writable_input_is_a_numpy_error():
    gu = guvectorize(INC_SIG, "(n)->(n)", writable_args=(0,))(make_function(INCREMENT))
    x = np.zeros(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match=r"read-only"):
        gu(x)


def test_writable_args_are_checked_at_decoration():
    f = make_function(INCREMENT)
    with pytest.raises(OptionError, match=r"writable_args names 'y'.*parameters are x, out"):
        guvectorize(INC_SIG, "(n)->(n)", writable_args=("y",))(f)
    with pytest.raises(OptionError, match=r"argument 1, but only inputs \(0 to 0\) can be made writable"):
        guvectorize(INC_SIG, "(n)->(n)", writable_args=("out",))(f)
    with pytest.raises(OptionError, match=r"argument 5"):
        guvectorize(INC_SIG, "(n)->(n)", writable_args=(5,))(f)
    with pytest.raises(OptionError, match=r"indices or names"):
        guvectorize(INC_SIG, "(n)->(n)", writable_args=(True,))(f)


def test_writable_args_only_unlock_the_listed_input():
    source = """
        def f(x, y, out):
            x[0] = 1.0
            y[0] = 1.0
            out[0] = x[0] + y[0]
    """
    signature = ["void(float64[:], float64[:], float64[:])"]
    with pytest.raises(TypingError, match=r"cannot write to 'y'"):
        guvectorize(signature, "(n),(n)->()", writable_args=("x",))(make_function(source))
    with pytest.raises(TypingError, match=r"cannot write to 'x'"):
        guvectorize(signature, "(n),(n)->()", writable_args=(1,))(make_function(source))
    gu = guvectorize(signature, "(n),(n)->()", writable_args=(0, "y"))(make_function(source))
    assert gu.nin == 2


# --- outputs that overlap inputs -------------------------------------------------

REVERSE = """
def reverse(x, out):
    n = len(x)
    for i in range(n):
        out[i] = x[n - 1 - i]
"""


@pytest.fixture(scope="module")
def reverse():
    return compile_kernel(REVERSE, ["void(float64[:], float64[:])", "void(int64[:], int64[:])"], "(n)->(n)")


@pytest.mark.parametrize("shape", [(6,), (3, 4)], ids=str)
def test_reverse_in_place_gives_the_reversed_copy(reverse, shape):
    _, gu = reverse
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    expected = a[..., ::-1].copy()
    result = gu(a, out=a)
    assert result is a
    assert_close(a, expected)


def test_matmul_in_place_like_np_matmul(rng):
    _, gu = compile_kernel(MATMUL, ["void(float64[:,:], float64[:,:], float64[:,:])"], "(m,n),(n,p)->(m,p)")
    a = uniform(np.float64, (2, 3, 3), rng)
    expected = np.matmul(a, a)
    numpy_in_place = a.copy()
    np.matmul(numpy_in_place, numpy_in_place, out=numpy_in_place)
    assert_close(numpy_in_place, expected)  # NumPy's own gufunc handles it
    gu(a, a, out=a)
    assert_close(a, expected)


@pytest.mark.parametrize("make_views", [
    pytest.param(lambda y: (y[:-1], y[1:]), id="shifted-by-one"),
    pytest.param(lambda y: (y[1:], y[:-1]), id="shifted-back"),
    pytest.param(lambda y: (y, y[::-1]), id="out-is-reversed-view"),
    pytest.param(lambda y: (y[::-1], y), id="input-is-reversed-view"),
    pytest.param(lambda y: (y[::2], y[1::2]), id="interleaved"),
])
def test_partially_overlapping_operands_are_copied_by_numpy(reverse, make_views):
    _, gu = reverse
    y = np.arange(12.0)
    x, out = make_views(y)
    expected = x[::-1].copy()
    gu(x, out=out)
    assert_close(out, expected)


def test_in_place_is_fine_for_kernels_that_read_each_element_before_writing_it(rng):
    pyf, gu = compile_kernel("""
        def cumsum(x, out):
            s = 0.0
            for i in range(len(x)):
                s += x[i]
                out[i] = s
    """, ["void(float64[:], float64[:])"], "(n)->(n)")
    x = uniform(np.float64, (3, 7), rng)
    expected = np.cumsum(x, axis=-1)
    assert gu(x, out=x) is x
    assert_close(x, expected)


def test_transposed_output_into_the_input_memory(rng):
    _, gu = compile_kernel("""
        def transpose(a, out):
            m, n = a.shape
            for i in range(m):
                for j in range(n):
                    out[j, i] = a[i, j]
    """, ["void(float64[:,:], float64[:,:])"], "(m,n)->(n,m)")
    a = uniform(np.float64, (4, 4), rng)
    expected = a.T.copy()
    b = a.copy()
    gu(b, out=b.T)  # writes every element where it already is
    assert_close(b, a)
    c = np.empty_like(a)
    gu(a, out=c)
    assert_close(c, expected)


def test_inputs_are_not_modified(reverse, rng):
    _, gu = reverse
    x = uniform(np.int64, (5, 6), rng)
    before = x.copy()
    assert_close(gu(x), x[:, ::-1])
    np.testing.assert_array_equal(x, before)
