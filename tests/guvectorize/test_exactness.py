"""Gufunc results are exactly what the Python kernel computes on NumPy
data, bit for bit, however the loop runs it: several outer iterations at
once (the lanes of a jammed kernel, plus the remainder one at a time),
with the fast kernel or the exact-flags kernel that redoes a chunk where a
non-finite value appeared. Floating-point flags are those of the Python
code: raised where it raises them, never spuriously."""

import math

import numpy as np
import pytest

from conftest import make_function
from jitufunc import guvectorize
from .helpers import MATMUL, compile_kernel, loop_reference

ROW_SUM = """
    def row_sum(x, out):
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i]
        out[0] = s
"""

ROW_NORM_RETURN = """
    def row_norm(x):
        s = 0.0
        for v in x:
            s += v * v
        return math.sqrt(s)
"""


# Row counts around every lane count and chunk size the loop may use.
ROW_COUNTS = [1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 129, 1003]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", ROW_COUNTS)
def test_row_sums_are_the_sequential_sums_bit_for_bit(dtype, rows):
    t = np.dtype(dtype).name
    pyf, gu = compile_kernel(ROW_SUM, [f"void({t}[:], {t}[:])"], "(n)->()")
    rng = np.random.default_rng(rows)
    # Values of very different magnitudes: any reordering of the sum shows.
    x = (rng.standard_normal((rows, 37)) * 10.0 ** rng.integers(-8, 8, (rows, 37))).astype(dtype)
    [expected] = loop_reference(pyf, [x], [1], [((), dtype)])
    np.testing.assert_array_equal(gu(x), expected)
    # Strided rows (every other element, reversed) take the general kernel.
    np.testing.assert_array_equal(gu(x[:, ::-2]), loop_reference(pyf, [x[:, ::-2]], [1], [((), dtype)])[0])


@pytest.mark.parametrize("rows", [5, 16, 100])
def test_returned_row_norms_match_the_python_function_exactly(rows):
    pyf, gu = compile_kernel(ROW_NORM_RETURN, ["float64(float64[:])"], "(n)->()")
    x = np.random.default_rng(1).standard_normal((rows, 333)) * 1e3
    [expected] = loop_reference(pyf, [x], [1], [((), np.float64)], returns=True)
    np.testing.assert_array_equal(gu(x), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batched_matmul_matches_the_python_loops_exactly(dtype):
    t = np.dtype(dtype).name
    pyf, gu = compile_kernel(MATMUL, [f"void({t}[:,:], {t}[:,:], {t}[:,:])"], "(m,n),(n,p)->(m,p)")
    rng = np.random.default_rng(2)
    a = rng.standard_normal((53, 3, 5)).astype(dtype)
    b = rng.standard_normal((53, 5, 4)).astype(dtype)
    [expected] = loop_reference(pyf, [a, b], [2, 2], [((3, 4), dtype)])
    np.testing.assert_array_equal(gu(a, b), expected)


@pytest.mark.parametrize("bad_rows", [[0], [5], [16, 17], [63, 64, 65], [99]])
def test_non_finite_rows_give_the_same_values_as_python(bad_rows):
    pyf, gu = compile_kernel(ROW_SUM, ["void(float64[:], float64[:])"], "(n)->()")
    x = np.random.default_rng(3).standard_normal((100, 20))
    specials = [np.inf, -np.inf, np.nan, 1e308]
    for k, r in enumerate(bad_rows):
        x[r, 3] = specials[k % len(specials)]
        x[r, 4] = 1e308
    [expected] = loop_reference(pyf, [x], [1], [((), np.float64)])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(gu(x), expected)


def _python_raises(pyf, x, err):
    """Whether the Python kernel, run on NumPy float64 scalars, raises
    FloatingPointError for `err` (one of np.errstate's categories)."""
    out = np.empty(1)
    try:
        with np.errstate(**{err: "raise"}):
            for row in x:
                pyf(row, out)
    except FloatingPointError:
        return True
    return False


@pytest.mark.parametrize("case,err", [
    ("overflow", "over"),        # 1e308 + 1e308 = inf from finite values
    ("inf-minus-inf", "invalid"),  # inf + -inf = nan
    ("clean", "over"),
    ("clean", "invalid"),
    ("inf-input", "over"),       # inf + 1 = inf: no overflow, Python raises nothing
])
def test_floating_point_flags_are_exactly_pythons(case, err):
    pyf, gu = compile_kernel(ROW_SUM, ["void(float64[:], float64[:])"], "(n)->()")
    x = np.random.default_rng(4).standard_normal((70, 9))
    if case == "overflow":
        x[40, 2] = x[40, 3] = 1e308
    elif case == "inf-minus-inf":
        x[40, 2], x[40, 3] = np.inf, -np.inf
    elif case == "inf-input":
        x[40, 2] = np.inf
    expected = _python_raises(pyf, x, err)
    raised = False
    try:
        with np.errstate(**{err: "raise"}):
            gu(x)
    except FloatingPointError:
        raised = True
    assert raised == expected
    if case == "clean":
        assert not raised


def test_branches_on_data_give_python_results_and_no_spurious_flags():
    # A branch on the data: not jammed; log is only evaluated where x > 0.
    pyf, gu = compile_kernel("""
        def log_sum(x, out):
            s = 0.0
            for v in x:
                if v > 0.0:
                    s += math.log(v)
            out[0] = s
    """, ["void(float64[:], float64[:])"], "(n)->()")
    x = np.random.default_rng(5).standard_normal((40, 50))
    x[7, :] = 0.0
    [expected] = loop_reference(pyf, [x], [1], [((), np.float64)])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(gu(x), expected)


def test_called_vectorize_kernels_run_in_every_lane():
    helper = make_function("def sq(v):\n    return v * v\n")
    from jitufunc import vectorize
    sq = vectorize(["float64(float64)"])(helper)
    pyf, gu = compile_kernel("""
        def sumsq(x, out):
            s = 0.0
            for i in range(len(x)):
                s += sq(x[i])
            out[0] = s
    """, ["void(float64[:], float64[:])"], "(n)->()", globals_={"sq": sq})
    x = np.random.default_rng(6).standard_normal((37, 11))
    [expected] = loop_reference(pyf, [x], [1], [((), np.float64)])
    np.testing.assert_array_equal(gu(x), expected)


# --- boundscheck -------------------------------------------------------------------------------

PICK = """
    def pick(x, i, out):
        out[0] = x[i]
"""


def test_boundscheck_allows_every_valid_index_including_negative_ones():
    pyf, gu = compile_kernel(PICK, ["void(float64[:], int64, float64[:])"], "(n),()->()", boundscheck=True)
    x = np.arange(5.0) * 1.5
    idx = np.array([0, 4, -1, -5, 2])
    np.testing.assert_array_equal(gu(x, idx), x[idx])


@pytest.mark.parametrize("index,shown", [(5, 5), (-6, -6), (100, 100)])
def test_boundscheck_raises_index_error_naming_the_array_and_line(index, shown):
    _, gu = compile_kernel(PICK, ["void(float64[:], int64, float64[:])"], "(n),()->()", boundscheck=True)
    with pytest.raises(IndexError) as info:
        gu(np.arange(5.0), np.array([0, index, 1]))
    message = str(info.value)
    assert f"index {shown} is out of bounds for axis 0 with size 5" in message
    assert "array 'x'" in message and "out[0] = x[i]" in message and "line 2" in message


def test_boundscheck_stops_inside_loops_of_jammed_kernels_and_leaves_no_error_behind():
    _, gu = compile_kernel("""
        def off_by_one(x, out):
            s = 0.0
            for i in range(x.shape[0] + 1):
                s += x[i]
            out[0] = s
    """, ["void(float64[:], float64[:])"], "(n)->()", boundscheck=True)
    with pytest.raises(IndexError, match="index 8 is out of bounds for axis 0 with size 8"):
        gu(np.ones((100, 8)))
    # The next call of an unrelated ufunc sees no leftover exception.
    assert np.add(1.0, 2.0) == 3.0


def test_boundscheck_checks_two_dimensional_indices_per_axis():
    _, gu = compile_kernel("""
        def corner(a, out):
            out[0] = a[a.shape[0] - 1, a.shape[1]]
    """, ["void(float64[:,:], float64[:])"], "(m,n)->()", boundscheck=True)
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        gu(np.ones((2, 3)))


def test_without_boundscheck_valid_kernels_run_unchanged():
    pyf, gu = compile_kernel(PICK, ["void(float64[:], int64, float64[:])"], "(n),()->()")
    x = np.arange(7.0)
    idx = np.array([-7, -1, 0, 6])
    np.testing.assert_array_equal(gu(x, idx), x[idx])
    assert math.isfinite(gu(x, np.array([3]))[0])


@pytest.mark.parametrize("cache", [False, True])
def test_kernels_drawing_random_numbers_run_once_per_row_with_non_finite_values(cache):
    """A chunk of rows whose fast kernel met a non-finite value is redone
    exactly; a kernel that draws random numbers must not run twice: its
    draws do not depend on where an inf sits."""
    from jitufunc import jit

    @jit
    def seed(s):
        # compiled code's generator (not NumPy's), as in Numba
        np.random.seed(s)

    def noisy(x, out):
        for i in range(x.shape[0]):
            out[i] = x[i] + np.random.random()

    @jit
    def rows_one_after_another(x):
        out = np.empty_like(x)
        for r in range(x.shape[0]):
            for i in range(x.shape[1]):
                out[r, i] = x[r, i] + np.random.random()
        return out

    f = guvectorize(["void(float64[:], float64[:])"], "(n)->(n)", cache=cache)(noisy)
    x = np.zeros((200, 3))
    x[100, 1] = np.inf
    seed(3)
    a = f(x)
    seed(3)
    b = f(np.zeros((200, 3)))
    finite = np.isfinite(a)
    assert finite.sum() == 599 and not finite[100, 1]
    np.testing.assert_array_equal(a[finite], b[finite])
    assert len(np.unique(b)) == 600
    seed(3)
    np.testing.assert_array_equal(b, rows_one_after_another(np.zeros((200, 3))))
