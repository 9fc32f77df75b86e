"""Gufunc layouts without outputs (issue 12, item 5): ``"(n),(n),(m)"``
makes a real gufunc with ``nout == 0`` (as Numba does; NumPy's own spelling
of such a signature), the call returns ``()``, and the kernel writes its
results into its last operand (and into inputs ``writable_args`` names).
NumPy opens those operands read-write, so a read-only array is refused and
a view (strided, reversed, or cast) is written through.

Expected values come from running the Python kernel on the same arrays
(and, where Numba is installed, from Numba's gufunc)."""

import numpy as np
import pytest

from jitufunc import guvectorize


def group_sum(values, labels, out):
    out[:] = 0
    for i in range(values.shape[0]):
        out[labels[i]] += values[i]


def group_max(values, labels, out):
    for j in range(out.shape[0]):
        out[j] = -np.inf
    for i in range(values.shape[0]):
        if values[i] > out[labels[i]]:
            out[labels[i]] = values[i]


def reference(kernel, values, labels, out):
    """The Python kernel over the broadcast outer loop."""
    v, lab = np.broadcast_arrays(values, labels)
    outer = v.shape[:-1]
    res = np.array(out, copy=True)
    for idx in np.ndindex(*outer):
        kernel(v[idx], lab[idx], res[idx])
    return res


SIGS = ["void(float64[:], int64[:], float64[:])", "void(float32[:], int32[:], float32[:])"]


@pytest.mark.parametrize("kernel", [group_sum, group_max])
@pytest.mark.parametrize("dtype, ltype", [(np.float64, np.int64), (np.float32, np.int32)])
@pytest.mark.parametrize("target", ["cpu", "parallel"])
def test_group_reductions_write_into_the_last_operand(kernel, dtype, ltype, target):
    g = guvectorize(SIGS, "(n),(n),(m)", target=target)(kernel)
    assert (g.nin, g.nout, g.signature) == (3, 0, "(n),(n),(m)")
    rng = np.random.default_rng(3)
    values = rng.normal(size=(5, 40)).astype(dtype)
    labels = rng.integers(0, 4, size=40).astype(ltype)
    out = np.full((5, 4), 7, dtype)
    expected = reference(kernel, values, labels, out)
    assert g(values, labels, out) == ()
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("view", ["strided", "reversed", "column"])
def test_views_of_the_written_operand_are_written_through(view):
    g = guvectorize(SIGS, "(n),(n),(m)")(group_sum)
    values = np.arange(12.0).reshape(2, 6)
    labels = np.array([0, 1, 2, 0, 1, 2])
    base = np.zeros((2, 7))
    out = {"strided": base[:, ::2][:, :3], "reversed": base[:, ::-1][:, :3],
           "column": np.zeros((3, 2)).T}[view]
    expected = reference(group_sum, values, labels, out)
    g(values, labels, out)
    np.testing.assert_array_equal(out, expected)


def test_a_cast_operand_is_written_back():
    """float32 storage with only a float64 loop: NumPy casts, and writes the
    results back on exit (its WRITEBACKIFCOPY)."""
    g = guvectorize(["void(float64[:], int64[:], float64[:])"], "(n),(n),(m)")(group_sum)
    out = np.zeros(3, np.float32)
    g(np.array([1.5, 2.5, 4.0]), np.array([2, 2, 0]), out)
    np.testing.assert_array_equal(out, np.array([4.0, 0.0, 4.0], np.float32))


def test_read_only_operand_is_refused():
    g = guvectorize(SIGS, "(n),(n),(m)")(group_sum)
    out = np.zeros(3)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        g(np.ones(3), np.array([0, 1, 2]), out)
    np.testing.assert_array_equal(out, 0)


def test_writable_args_names_another_operand():
    def scatter(src, dst, counts):
        dst[:] = src[::-1]
        counts[0] = src.shape[0]

    g = guvectorize(["void(float64[:], float64[:], int64[:])"], "(n),(n),(k)", writable_args=("dst",))(scatter)
    src = np.arange(5.0)
    dst = np.zeros(5)
    counts = np.zeros(1, np.int64)
    assert g(src, dst, counts) == ()
    np.testing.assert_array_equal(dst, src[::-1])
    assert counts[0] == 5


def test_writing_an_operand_not_declared_is_a_compile_error():
    def bad(a, b, c):
        a[0] = 1.0
        c[0] = b[0]

    with pytest.raises(Exception, match="writable_args"):
        guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n),(m)")(bad)


def test_lazy_gufunc_without_outputs():
    g = guvectorize("(n),(n),(m)")(group_sum)
    out = np.zeros(3, np.float32)
    g(np.ones(4, np.float32), np.array([0, 1, 1, 2]), out)
    np.testing.assert_array_equal(out, [1.0, 2.0, 1.0])
    assert g.nout == 0


def test_outer_broadcast_into_a_written_operand_is_refused_by_numpy():
    """Numba writes every outer iteration into the same row (the last one
    wins); NumPy's iterator refuses a read-write operand that would be
    broadcast, which is what jitufunc's real gufunc gets."""
    g = guvectorize(SIGS, "(n),(n),(m)")(group_sum)
    with pytest.raises(ValueError):
        g(np.ones((2, 3)), np.array([0, 1, 2]), np.zeros(3))


def test_same_as_numba():
    numba = pytest.importorskip("numba", reason="Numba is not installed in this environment (only in .venv)")
    ours = guvectorize(SIGS, "(n),(n),(m)")(group_sum)
    theirs = numba.guvectorize(SIGS, "(n),(n),(m)", nopython=True)(group_sum)
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 50))
    labels = rng.integers(0, 6, size=50)
    a, b = np.zeros((3, 6)), np.zeros((3, 6))
    assert ours(values, labels, a) == theirs(values, labels, b) == ()
    np.testing.assert_array_equal(a, b)
