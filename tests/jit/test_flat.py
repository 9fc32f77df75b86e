"""`a.flat`: iterating and indexing an array's elements in C order, in
`@jit` functions and gufunc kernels (numbagg's README kernel), with writes
through `a.flat[i] = v` where the flat sequence is a view. Expected values
from the Python function."""

import numpy as np
import pytest

from jitufunc import guvectorize, njit
from jitufunc.errors import TypingError


def decaying_sum(a):
    s = 0.0
    for x in a.flat:
        s = s * 0.5 + x
    return s, a.flat[3], a.flat[-1]


VIEWS = {
    "c": lambda a: a,
    "reversed": lambda a: a[:, ::-1],
    "transposed": lambda a: a.T,
    "strided": lambda a: a[::2],
    "1d": lambda a: a.ravel()[::-2],
    "3d": lambda a: a.reshape(2, 3, 2),
}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("dtype", ["float64", "int32", "float32"])
def test_iterating_and_indexing_flat(view, dtype):
    a = VIEWS[view](np.arange(12).reshape(4, 3).astype(dtype))
    assert njit(decaying_sum)(a) == decaying_sum(a)


def _move_sum_2d(a, out):
    # numbagg's README example: a reduction over a 2-d core with .flat
    s = 0.0
    for ai in a.flat:
        if not np.isnan(ai):
            s += ai
    out[0] = s


def test_flat_in_a_gufunc_kernel():
    g = guvectorize(["void(float64[:, :], float64[:])"], "(m,n)->()")(_move_sum_2d)
    a = np.arange(24.0).reshape(2, 3, 4)
    a[0, 1, 2] = np.nan
    expected = np.empty(2)
    for k in range(2):
        out = np.empty(1)
        _move_sum_2d(a[k], out)
        expected[k] = out[0]
    np.testing.assert_array_equal(g(a), expected)
    np.testing.assert_array_equal(g(a[:, ::-1, ::2]), [np.nansum(a[k, ::-1, ::2]) for k in range(2)])


def set_third(a):
    a.flat[2] = 99
    return a


@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_writes_through_flat_of_a_contiguous_array(shape):
    a = np.zeros(shape)
    b = np.zeros(shape)
    njit(set_third)(a)
    set_third(b)
    np.testing.assert_array_equal(a, b)


def test_writes_through_flat_of_a_non_contiguous_array_are_refused():
    """A 2-d view of any strides has no flat view: the copy is read-only, so
    a write is an error, not lost."""
    a = np.zeros((3, 4))[:, ::2]
    with pytest.raises(TypingError, match="a.flat of a 2-d or more array not known to be C-contiguous"):
        njit(set_third)(a)
