"""The migration suite of issue 12: Numba code moved over by swapping the module.

Kernels in the style of three published libraries built on Numba's
``guvectorize``/``vectorize`` (moving-window and group-by aggregations like
numbagg; a quaternion array type behind ``__array_ufunc__`` like
quaternion/quaternionic; probability distributions as ufuncs calling
``@numba.njit`` helpers), written in Numba's spelling of everything:
signatures built from ``numba.float64[:]`` or given as strings, ``nopython=True``,
``cache=False``, ``writable_args``, ``fastmath``, ``@numba.njit`` helpers.

Each kernel is one plain function with its signatures; ``Spec`` decorates it
with ``numba.<decorator>(...)`` and with ``jitufunc.<decorator>(...)`` (the
same call, the module swapped), and the tests run both on the same inputs
and compare element by element (NaN-aware). Numba (or NumPy) is always the
reference: no expected value is produced by jitufunc.

Tolerances: float64 kernels doing the same operations in the same order are
compared exactly; where a transcendental function may run through a vector
math library (jitufunc's libmvec, at most 4 ulp) the tolerance is a few ulp.
float32 kernels written with Python float literals accumulate in float64 in
Numba (a literal is float64 there) and in float32 in jitufunc (NumPy 2's
rule, see docs/differences.md), so they are compared with a float32-sized
tolerance.
"""

import ast
import ctypes
import ctypes.util
import functools
import inspect
import math
import textwrap

import numpy as np
import pytest

import jitufunc

numba = pytest.importorskip(
    "numba", reason="Numba is not installed: the migration suite compares jitufunc with Numba "
                    "(JITUFUNC_TEST=1 scripts/setup.sh installs it)")

from numba import boolean, float32, float64, int32, int64, void  # noqa: E402  (Numba's type objects)

# Numba's gufuncs raise spurious floating-point warnings (its loops compute
# both sides of `x / n if n else nan`); jitufunc's are exact and not silenced.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:numba")


class Spec:
    """One kernel and one decorator call, applied with Numba and with jitufunc.

    ``Spec(func, "guvectorize", sigs, layout, nopython=True)`` is
    ``numba.guvectorize(sigs, layout, nopython=True)(func)`` and
    ``jitufunc.guvectorize(sigs, layout, nopython=True)(func)``. Both are
    made on first use (a jitufunc compile error fails the tests that use it,
    not the module) and kept.
    """

    def __init__(self, func, decorator, *args, **kwargs):
        self.func, self.decorator, self.args, self.kwargs = func, decorator, args, kwargs

    def _make(self, module):
        return getattr(module, self.decorator)(*self.args, **self.kwargs)(self.func)

    @functools.cached_property
    def nb(self):
        return self._make(numba)

    @functools.cached_property
    def ju(self):
        return self._make(jitufunc)


def assert_same(got, expected, rtol=0.0, atol=0.0):
    """Element by element, NaN-aware, same dtype and shape; exact unless a tolerance is given."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if rtol == 0 and atol == 0 or got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected, strict=True)
    else:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True, strict=True)


def float_tol(dtype, f64=0.0):
    """(rtol, atol): exact (or ``f64``) for float64; float32-sized for float32."""
    if np.dtype(dtype) == np.float32:
        return dict(rtol=2e-5, atol=2e-5)
    return dict(rtol=f64, atol=0.0)


RNG = np.random.default_rng(12)

# How the operands are laid out: one row, several rows (the outer loop),
# every other column, both axes reversed (negative strides), and out=.
VIEWS = ["1d", "2d", "strided", "reversed", "out"]


def sample(view, dtype, n=29, nan=0.15, scale=1.0):
    """An input of the given view kind, with NaNs for float dtypes."""
    base = RNG.standard_normal((3, 2 * n + 1)) * scale
    if nan and np.dtype(dtype).kind == "f":
        base[RNG.random(base.shape) < nan] = np.nan
    if np.dtype(dtype).kind in "iu":
        base = np.round(base * 10)
    base = base.astype(dtype)
    if view == "1d":
        return base[0, :n].copy()
    if view in ("2d", "out"):
        return base[:, :n].copy()
    if view == "strided":
        return base[:, : 2 * n : 2]
    assert view == "reversed"
    return base[::-1, 2 * n - 1 :: -2]


def call_both(spec, view, *args, out_shape=None, out_dtype=None, **kwargs):
    """Calls both gufuncs (ufuncs) on the same arguments; with ``view ==
    "out"`` passes a fresh ``out=`` array to each (strided, to check that
    too) and checks that it is what they return."""
    if view != "out":
        return spec.nb(*args, **kwargs), spec.ju(*args, **kwargs)
    results = []
    for f in (spec.nb, spec.ju):
        buf = np.full(out_shape[:-1] + (2 * out_shape[-1],) if out_shape else (2,), -7, dtype=out_dtype)
        out = buf[..., ::2] if out_shape else buf[:1].reshape(())
        r = f(*args, out=out, **kwargs)
        assert r is out or (isinstance(r, np.ndarray) and np.shares_memory(r, out))
        assert (buf[..., 1::2] == -7).all()  # nothing written between the elements
        results.append(out)
    return results


# ---------------------------------------------------------------------------
# Moving windows (numbagg's move_sum/move_mean/move_std/move_exp_nanmean)
# ---------------------------------------------------------------------------

MOVE_SIGS = [(float32[:], int64, int64, float32[:]), (float64[:], int64, int64, float64[:])]


def move_sum(a, window, min_count, out):
    out[:] = np.nan
    asum = 0.0
    count = 0
    for i in range(len(a)):
        ai = a[i]
        if not np.isnan(ai):
            asum += ai
            count += 1
        if i >= window:
            aold = a[i - window]
            if not np.isnan(aold):
                asum -= aold
                count -= 1
        if count >= min_count:
            out[i] = asum


def move_mean(a, window, min_count, out):
    asum = 0.0
    count = 0
    min_count = max(min_count, 1)

    for i in range(min(window, len(a))):
        ai = a[i]
        if not np.isnan(ai):
            asum += ai
            count += 1
        out[i] = asum / count if count >= min_count else np.nan

    for i in range(window, len(a)):
        ai = a[i]
        aold = a[i - window]

        ai_valid = not np.isnan(ai)
        aold_valid = not np.isnan(aold)

        if ai_valid and aold_valid:
            asum += ai - aold
        elif ai_valid:
            asum += ai
            count += 1
        elif aold_valid:
            asum -= aold
            count -= 1

        out[i] = asum / count if count >= min_count else np.nan


def move_std(a, window, min_count, out):
    asum = 0.0
    asum2 = 0.0
    count = 0
    min_count = max(min_count, 2)
    for i in range(len(a)):
        ai = a[i]
        if not np.isnan(ai):
            asum += ai
            asum2 += ai * ai
            count += 1
        if i >= window:
            aold = a[i - window]
            if not np.isnan(aold):
                asum -= aold
                asum2 -= aold * aold
                count -= 1
        if count >= min_count:
            mean = asum / count
            var = (asum2 - asum * mean) / (count - 1)
            out[i] = np.sqrt(var) if var > 0 else 0.0
        else:
            out[i] = np.nan


def move_exp_nanmean(a, alpha, min_weight, out):
    N = len(a)
    numer = denom = weight = 0.0
    decay = 1.0 - alpha
    for i in range(N):
        a_i = a[i]
        numer *= decay
        denom *= decay
        weight *= decay
        if not np.isnan(a_i):
            numer += a_i
            denom += 1.0
            weight += alpha
        out[i] = numer / denom if weight >= min_weight else np.nan


MOVING = {
    "move_sum": Spec(move_sum, "guvectorize", MOVE_SIGS, "(n),(),()->(n)", nopython=True, cache=False),
    "move_mean": Spec(move_mean, "guvectorize", MOVE_SIGS, "(n),(),()->(n)", nopython=True),
    "move_std": Spec(move_std, "guvectorize", MOVE_SIGS, "(n),(),()->(n)", nopython=True, cache=False),
    # Strings, as numbagg's older releases spelled them.
    "move_exp_nanmean": Spec(move_exp_nanmean, "guvectorize",
                             ["void(float32[:], float32, float32, float32[:])",
                              "void(float64[:], float64, float64, float64[:])"],
                             "(n),(),()->(n)", nopython=True),
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["move_sum", "move_mean", "move_std"])
@pytest.mark.parametrize("window,min_count", [(1, 1), (3, 1), (4, 3), (7, 0)])
def test_moving_window(name, dtype, view, window, min_count):
    spec = MOVING[name]
    a = sample(view, dtype)
    got_nb, got_ju = call_both(spec, view, a, window, min_count, out_shape=a.shape, out_dtype=dtype)
    if dtype == np.float64:
        assert_same(got_ju, got_nb)  # the same operations in the same order
        return
    # float32: Numba's running sums are float64 (its 0.0 is a float64), jitufunc's
    # float32 (NumPy 2's rule; docs/differences.md): the difference is bounded by
    # the rounding of a float32 running sum (add and remove, every step).
    amax = float(np.nanmax(np.abs(a)))
    bound = 4 * a.shape[-1] * np.finfo(np.float32).eps * window * amax
    if name == "move_std":  # a running sum of squares: compare variances
        got_ju, got_nb, bound = got_ju.astype(np.float64) ** 2, got_nb.astype(np.float64) ** 2, bound * amax
    assert_same(got_ju, got_nb, rtol=2e-5, atol=bound)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moving_exp_nanmean(dtype, view):
    spec = MOVING["move_exp_nanmean"]
    a = sample(view, dtype)
    got_nb, got_ju = call_both(spec, view, a, 0.25, 0.5, out_shape=a.shape, out_dtype=dtype)
    assert_same(got_ju, got_nb, **float_tol(dtype))


def test_moving_window_with_a_window_per_row():
    # numbagg's README: "ufunc broadcasting lets us supply an array for the
    # window": the () operands broadcast against the outer loop.
    spec = MOVING["move_mean"]
    a = sample("2d", np.float64)
    windows = np.array([1, 4, 9])
    assert_same(spec.ju(a, windows, 2), spec.nb(a, windows, 2))
    # Outer loop (3, 2): a window per row, a min_count per column.
    min_counts = np.array([1, 3])
    assert_same(spec.ju(a[:, None], windows[:, None], min_counts),
                spec.nb(a[:, None], windows[:, None], min_counts))


def test_moving_window_axis_argument():
    spec = MOVING["move_sum"]
    a = sample("2d", np.float64).T.copy()  # time along axis 0
    assert_same(spec.ju(a, 3, 1, axes=[0, (), (), 0]), spec.nb(a, 3, 1, axes=[0, (), (), 0]))


def nansum_flat(a, out):
    # numbagg's README example (its @ndreduce makes one gufunc per core ndim)
    asum = 0.0
    for ai in a.flat:
        if not np.isnan(ai):
            asum += ai
    out[0] = asum


@pytest.mark.parametrize("view", ["2d", "strided", "reversed"])
def test_reduction_over_a_2d_core_with_flat(view):
    spec = Spec(nansum_flat, "guvectorize", [(float64[:, :], float64[:])], "(m,n)->()", nopython=True)
    a = np.stack([sample(view, np.float64)] * 2)  # (2, 3, n): two outer iterations
    if view != "2d":
        a = np.stack([sample(view, np.float64), sample(view, np.float64)], axis=1)[:, :, ::-1]
    assert_same(spec.ju(a), spec.nb(a))


def nanmedian(a, out):
    # NumPy functions of arrays inside a gufunc kernel (docs/supported.md:
    # kernels do with arrays what @jit functions do)
    x = np.sort(a)                     # NaNs sort last
    n = len(a) - np.count_nonzero(np.isnan(a))
    if n == 0:
        out[0] = np.nan
    elif n % 2 == 1:
        out[0] = x[n // 2]
    else:
        out[0] = (x[n // 2 - 1] + x[n // 2]) / 2.0


def running_share(a, out):
    total = a.sum()
    out[:] = np.cumsum(a) / total


@pytest.mark.parametrize("view", ["1d", "2d", "strided", "reversed"])
def test_numpy_array_functions_in_gufunc_kernels(view):
    spec = Spec(nanmedian, "guvectorize", ["void(float64[:], float64[:])"], "(n)->()", nopython=True)
    a = sample(view, np.float64, nan=0.3)
    assert_same(spec.ju(a), spec.nb(a))
    np.testing.assert_array_equal(spec.nb(a), np.nanmedian(a, axis=-1))
    spec = Spec(running_share, "guvectorize", ["void(float64[:], float64[:])"], "(n)->(n)", nopython=True)
    a = np.abs(sample(view, np.float64, nan=0))
    assert_same(spec.ju(a), spec.nb(a), rtol=1e-15)


# ---------------------------------------------------------------------------
# Group-by reductions (numbagg's group_nansum, group_nanmean, ...)
# ---------------------------------------------------------------------------

def group_nansum(values, labels, out):
    out[:] = 0
    for i in range(len(values)):
        label = labels[i]
        if label < 0:
            continue
        value = values[i]
        if not np.isnan(value):
            out[label] += value


def group_nansum_out(values, labels, groups, out):
    out[:] = 0
    for i in range(len(values)):
        value = values[i]
        label = labels[i]
        if label < 0:
            continue
        if not np.isnan(value):
            out[label] += value


def group_nanmean(values, labels, groups, out):
    counts = np.zeros(out.shape[0], dtype=np.int64)
    out[:] = 0
    for i in range(len(values)):
        value = values[i]
        label = labels[i]
        if label < 0 or np.isnan(value):
            continue
        counts[label] += 1
        out[label] += value
    for label in range(len(out)):
        count = counts[label]
        if count == 0:
            out[label] = np.nan
        else:
            out[label] /= count


def group_nancount(values, labels, groups, out):
    out[:] = 0
    for value, label in zip(values, labels):
        if label >= 0 and not np.isnan(value):
            out[label] += 1


GROUP_SIGS_NO_OUT = [(float32[:], int64[:], float32[:]), (float64[:], int64[:], float64[:]),
                     (int64[:], int64[:], int64[:])]
GROUP_SIGS = [(float32[:], int64[:], int64[:], float32[:]), (float64[:], int64[:], int64[:], float64[:]),
              (int64[:], int64[:], int64[:], int64[:])]
GROUPED = {
    # numbagg's own layout: no "->", Numba writes into the last argument (item 5).
    "group_nansum": Spec(group_nansum, "guvectorize", GROUP_SIGS_NO_OUT, "(n),(n),(m)", nopython=True),
    "group_nansum_out": Spec(group_nansum_out, "guvectorize", GROUP_SIGS, "(n),(n),(m)->(m)", nopython=True),
    "group_nanmean": Spec(group_nanmean, "guvectorize", GROUP_SIGS[:2], "(n),(n),(m)->(m)", nopython=True),
    "group_nancount": Spec(group_nancount, "guvectorize",
                           ["void(float32[:], int64[:], int64[:], int64[:])",
                            "void(float64[:], int64[:], int64[:], int64[:])"],
                           "(n),(n),(m)->(m)", nopython=True),
}
NGROUPS = 5


def group_inputs(view, dtype, n=29):
    values = sample(view, dtype, n=n)
    labels = RNG.integers(-1, NGROUPS, size=values.shape[-1])
    if view == "reversed":
        labels = np.repeat(labels, 2)[::-2]
    return values, labels


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_group_nansum_writes_into_its_last_argument(dtype, view):
    spec = GROUPED["group_nansum"]
    values, labels = group_inputs(view, dtype)
    outs = []
    for f in (spec.nb, spec.ju):
        out = np.full(values.shape[:-1] + (NGROUPS,), 99, dtype=dtype)
        if view == "strided":
            out = np.full(values.shape[:-1] + (2 * NGROUPS,), 99, dtype=dtype)[..., ::2]
        f(values, labels, out)
        outs.append(out)
    assert_same(outs[1], outs[0], **float_tol(dtype))


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("name,dtype", [("group_nansum_out", np.float32), ("group_nansum_out", np.float64),
                                        ("group_nansum_out", np.int64), ("group_nanmean", np.float32),
                                        ("group_nanmean", np.float64), ("group_nancount", np.float32),
                                        ("group_nancount", np.float64)])
def test_grouped_reduction_with_an_output(name, dtype, view):
    spec = GROUPED[name]
    values, labels = group_inputs(view, dtype)
    groups = np.arange(NGROUPS)
    out_dtype = np.int64 if name == "group_nancount" else dtype
    got_nb, got_ju = call_both(spec, view, values, labels, groups,
                               out_shape=values.shape[:-1] + (NGROUPS,), out_dtype=out_dtype)
    assert_same(got_ju, got_nb, **float_tol(dtype))
    # NumPy as a second reference (float64: the same additions in the same order).
    if dtype == np.float64 and name == "group_nansum_out":
        expected = np.zeros(values.shape[:-1] + (NGROUPS,))
        for g in range(NGROUPS):
            expected[..., g] = np.where((labels == g) & ~np.isnan(values), values, 0.0).sum(-1)
        np.testing.assert_allclose(got_ju, expected, rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------------------
# Quaternions (quaternion / quaternionic: ~40 gufuncs behind __array_ufunc__)
# ---------------------------------------------------------------------------

_quaternion_resolution = 10 * np.finfo(float).resolution


def multiply(q1, q2, qout):
    w1, x1, y1, z1 = q1[0], q1[1], q1[2], q1[3]
    w2, x2, y2, z2 = q2
    qout[0] = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
    qout[1] = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
    qout[2] = w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2
    qout[3] = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2


def multiply_indexed(q1, q2, qout):
    # quaternionic's spelling: every component indexed
    a = q1[0] * q2[0] - q1[1] * q2[1] - q1[2] * q2[2] - q1[3] * q2[3]
    b = q1[0] * q2[1] + q1[1] * q2[0] + q1[2] * q2[3] - q1[3] * q2[2]
    c = q1[0] * q2[2] - q1[1] * q2[3] + q1[2] * q2[0] + q1[3] * q2[1]
    d = q1[0] * q2[3] + q1[1] * q2[2] - q1[2] * q2[1] + q1[3] * q2[0]
    qout[0] = a
    qout[1] = b
    qout[2] = c
    qout[3] = d


def add(q1, q2, qout):
    qout[:] = q1[:] + q2[:]


def conj(q, qout):
    qout[0] = +q[0]
    qout[1:] = -q[1:]


def scalar_part(q, qout):
    qout[0] = q[0]
    qout[1:4] = 0


def norm(q, out):
    out[0] = q[0] ** 2 + q[1] ** 2 + q[2] ** 2 + q[3] ** 2


def absolute(q, out):
    out[0] = np.sqrt(q[0] ** 2 + q[1] ** 2 + q[2] ** 2 + q[3] ** 2)


def normalized(q, qout):
    n = np.sqrt(q[0] ** 2 + q[1] ** 2 + q[2] ** 2 + q[3] ** 2)
    if n == 0.0:
        qout[:] = q[:]
    else:
        qout[:] = q[:] / n


def nonzero(q, out):
    out[0] = np.any(q[:])


def isnan(q, out):
    out[0] = np.isnan(q[0]) or np.isnan(q[1]) or np.isnan(q[2]) or np.isnan(q[3])


def equal(q1, q2, out):
    out[0] = q1[0] == q2[0] and q1[1] == q2[1] and q1[2] == q2[2] and q1[3] == q2[3]


def log(q, qout):
    b = np.sqrt(q[1] ** 2 + q[2] ** 2 + q[3] ** 2)
    if abs(b) <= _quaternion_resolution * abs(q[0]):
        if q[0] < 0.0:
            if abs(q[0] + 1) > _quaternion_resolution:
                qout[0] = np.log(-q[0])
                qout[1] = np.pi
                qout[2:] = 0.0
            else:
                qout[0], qout[1], qout[2], qout[3] = 0.0, np.pi, 0.0, 0.0
        else:
            qout[0] = np.log(q[0])
            qout[1:] = 0.0
    else:
        v = np.arctan2(b, q[0])
        f = v / b
        qout[0] = np.log(q[0] * q[0] + b * b) / 2.0
        qout[1] = f * q[1]
        qout[2] = f * q[2]
        qout[3] = f * q[3]


def exp(q, qout):
    vnorm = np.sqrt(q[1] ** 2 + q[2] ** 2 + q[3] ** 2)
    if vnorm > _quaternion_resolution:
        s = np.sin(vnorm) / vnorm
        e = np.exp(q[0])
        qout[0] = e * np.cos(vnorm)
        qout[1:] = e * s * q[1:]
    else:
        qout[0] = np.exp(q[0])
        qout[1:] = 0.0


Q = [float64[:]]
QUATERNION = {
    # name: (kernel, signatures, Numba's layout (no fixed sizes there), jitufunc's fixed-size layout)
    "multiply": (multiply, [void(*Q * 3)], "(n),(n)->(n)", "(4),(4)->(4)"),
    "multiply_indexed": (multiply_indexed, [void(*Q * 3)], "(n),(n)->(n)", "(4),(4)->(4)"),
    "add": (add, [void(*Q * 3)], "(n),(n)->(n)", "(4),(4)->(4)"),
    "conj": (conj, [void(*Q * 2)], "(n)->(n)", "(4)->(4)"),
    "scalar_part": (scalar_part, ["void(float64[:], float64[:])"], "(n)->(n)", "(4)->(4)"),
    "norm": (norm, [void(*Q * 2)], "(n)->()", "(4)->()"),
    "absolute": (absolute, ["void(f8[:], f8[:])"], "(n)->()", "(4)->()"),
    "normalized": (normalized, [void(*Q * 2)], "(n)->(n)", "(4)->(4)"),
    "nonzero": (nonzero, [void(float64[:], boolean[:])], "(n)->()", "(4)->()"),
    "isnan": (isnan, [void(float64[:], boolean[:])], "(n)->()", "(4)->()"),
    "equal": (equal, ["void(float64[:], float64[:], boolean[:])"], "(n),(n)->()", "(4),(4)->()"),
    "log": (log, [void(*Q * 2)], "(n)->(n)", "(4)->(4)"),
    "exp": (exp, [void(*Q * 2)], "(n)->(n)", "(4)->(4)"),
}
QSPECS = {name: Spec(k, "guvectorize", sigs, layout, nopython=True, cache=False)
          for name, (k, sigs, layout, _) in QUATERNION.items()}
QSPECS_FIXED = {name: Spec(k, "guvectorize", sigs, fixed, nopython=True)
                for name, (k, sigs, _, fixed) in QUATERNION.items()}
TRANSCENDENTAL = {"log", "exp", "absolute", "normalized"}


def quaternions(view, n=7):
    base = RNG.standard_normal((3, n, 8))
    base[0, 0] = 0.0                       # the zero quaternion
    base[0, 1, :4] = [-1.0, 0, 0, 0]       # log's special branches
    base[0, 2, :4] = [-3.0, 0, 0, 0]
    base[0, 3, :4] = [2.0, 0, 0, 0]
    base[1, 0, :4] = [np.nan, 1, 2, 3]
    if view == "1d":
        return base[0, 1, :4].copy()
    if view in ("2d", "out"):
        return base[..., :4].copy()
    if view == "strided":
        return base[..., ::2]
    return base[::-1, ::-1, 7::-2]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("layout", ["numba", "fixed"])
@pytest.mark.parametrize("name", list(QUATERNION))
def test_quaternion_gufuncs(name, layout, view):
    spec = QSPECS[name]
    ju = (QSPECS if layout == "numba" else QSPECS_FIXED)[name].ju
    kernel = QUATERNION[name][0]
    nargs = len(inspect.signature(kernel).parameters) - 1
    q = quaternions(view)
    args = (q, quaternions(view)[..., ::-1]) if nargs == 2 else (q,)
    # log of the zero quaternion is -inf: both report division by zero.
    def errstate():
        return np.errstate(divide="ignore") if name == "log" else np.errstate()

    with errstate():
        expected = spec.nb(*args)
    core_out = QUATERNION[name][2].endswith("(n)")
    with errstate():
        if view == "out":
            shape = q.shape if core_out else q.shape[:-1]
            buf = np.full(shape[:-1] + (2 * shape[-1],) if core_out else shape + (2,), -7,
                          dtype=expected.dtype)
            out = buf[..., ::2] if core_out else buf[..., 0]
            assert ju(*args, out=out) is out
            got = out
        else:
            got = ju(*args)
    tol = dict(rtol=4e-16 * 4, atol=1e-300) if name in TRANSCENDENTAL else {}
    assert_same(got, expected, **tol)


class QArray:
    """quaternionic's pattern, reduced: an array of quaternions (float64,
    last axis of 4) whose NumPy ufuncs run the gufuncs of ``impl``."""

    def __init__(self, data, impl):
        self.data, self.impl = np.asarray(data, dtype=np.float64), impl

    _UFUNCS = {np.multiply: "multiply_indexed", np.add: "add", np.conjugate: "conj", np.absolute: "absolute",
               np.isnan: "isnan", np.equal: "equal", np.log: "log", np.exp: "exp"}

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if method != "__call__" or ufunc not in self._UFUNCS:
            return NotImplemented
        name = self._UFUNCS[ufunc]
        args = [x.data if isinstance(x, QArray) else np.asarray(x, dtype=np.float64) for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.data if isinstance(o, QArray) else o for o in out)
        result = self.impl[name](*args, **kwargs)
        if out is not None:
            return out[0]
        return QArray(result, self.impl) if result.ndim and result.shape[-1] == 4 and name not in (
            "absolute", "isnan", "equal") else result

    def __mul__(self, other):
        return np.multiply(self, other)

    def __add__(self, other):
        return np.add(self, other)

    def __abs__(self):
        return np.absolute(self)

    def conjugate(self):
        return np.conjugate(self)


def test_quaternion_array_type_behind_array_ufunc():
    impls = [{name: getattr(QSPECS[name], lib) for name in QArray._UFUNCS.values()} for lib in ("nb", "ju")]
    data1, data2 = quaternions("2d"), quaternions("strided")
    results = []
    for impl in impls:
        q1, q2 = QArray(data1, impl), QArray(data2, impl)
        product = q1 * q2
        target = QArray(np.zeros_like(data1), impl)
        np.multiply(q1, q2, out=(target,))
        rotated = q1 * q2 * q1.conjugate()
        with np.errstate(divide="ignore"):
            logs = np.log(q2).data
        results.append([product.data, target.data, rotated.data, (q1 + q2).data, abs(q1),
                        np.isnan(q1), np.equal(q1, q1), logs, np.exp(q2).data])
    for got, expected in zip(results[1], results[0]):
        assert_same(got, expected, **({"rtol": 2e-15} if got.dtype == np.float64 else {}))


# ---------------------------------------------------------------------------
# Probability distributions: vectorized ufuncs calling @numba.njit helpers
# ---------------------------------------------------------------------------

SQRT2 = math.sqrt(2.0)
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@numba.njit(cache=False)
def _std_norm_logpdf(z):
    return -0.5 * z * z - LOG_SQRT_2PI


@numba.njit
def _log_ndtr(z):
    if z > 6.0:
        return -0.5 * math.erfc(z / SQRT2)
    if z > -20.0:
        return math.log(0.5 * math.erfc(-z / SQRT2))
    z2 = z * z
    return -0.5 * z2 - math.log(-z) - LOG_SQRT_2PI + math.log1p(-1.0 / z2 + 3.0 / (z2 * z2))


@numba.njit(nogil=True)
def _log1pexp(x):
    if x <= -37.0:
        return math.exp(x)
    if x <= 18.0:
        return math.log1p(math.exp(x))
    if x <= 33.3:
        return x + math.exp(-x)
    return x


@numba.njit
def _lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def norm_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return math.exp(_std_norm_logpdf(z)) / sigma


def norm_logpdf(x, mu, sigma):
    return _std_norm_logpdf((x - mu) / sigma) - math.log(sigma)


def norm_cdf(x, mu, sigma):
    return 0.5 * (1.0 + math.erf((x - mu) / (sigma * SQRT2)))


def norm_logcdf(x, mu, sigma):
    return _log_ndtr((x - mu) / sigma)


def logistic_logcdf(x, loc, scale):
    return -_log1pexp(-(x - loc) / scale)


def gamma_logpdf(x, a, scale):
    if x < 0:
        return -np.inf
    if x == 0:
        return -np.inf if a > 1 else (np.inf if a < 1 else -math.log(scale))
    return (a - 1.0) * math.log(x) - x / scale - math.lgamma(a) - a * math.log(scale)


def beta_logpdf(x, a, b):
    if x <= 0.0 or x >= 1.0:
        return -np.inf
    return (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - _lbeta(a, b)


def t_pdf(x, df, scale):
    z = x / scale
    logc = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0) - 0.5 * math.log(df * math.pi)
    return math.exp(logc - (df + 1.0) / 2.0 * math.log1p(z * z / df)) / scale


def poisson_logpmf(k, mu):
    if k < 0:
        return -np.inf
    return k * math.log(mu) - mu - math.lgamma(k + 1.0)


DIST_SIGS = ["float32(float32, float32, float32)", "float64(float64, float64, float64)"]
DISTRIBUTIONS = {
    "norm_pdf": Spec(norm_pdf, "vectorize", DIST_SIGS, nopython=True, cache=False),
    "norm_logpdf": Spec(norm_logpdf, "vectorize", [float32(float32, float32, float32),
                                                  float64(float64, float64, float64)], nopython=True),
    "norm_cdf": Spec(norm_cdf, "vectorize", DIST_SIGS, nopython=True),
    "norm_logcdf": Spec(norm_logcdf, "vectorize", DIST_SIGS, nopython=True),
    "logistic_logcdf": Spec(logistic_logcdf, "vectorize", DIST_SIGS),
    "gamma_logpdf": Spec(gamma_logpdf, "vectorize", DIST_SIGS, nopython=True),
    "beta_logpdf": Spec(beta_logpdf, "vectorize", ["f4(f4, f4, f4)", "f8(f8, f8, f8)"], nopython=True),
    "t_pdf": Spec(t_pdf, "vectorize", DIST_SIGS, nopython=True),
    "t_pdf_fastmath": Spec(t_pdf, "vectorize", DIST_SIGS, nopython=True, fastmath=True),
}
DIST_ARGS = {  # x (scaled standard normal), and two parameters
    "norm_pdf": (3.0, 0.5, 2.0), "norm_logpdf": (3.0, 0.5, 2.0), "norm_cdf": (3.0, 0.5, 2.0),
    "norm_logcdf": (15.0, 0.5, 1.5), "logistic_logcdf": (20.0, 0.5, 0.5),
    "gamma_logpdf": (2.0, 2.5, 1.5), "beta_logpdf": (0.6, 2.5, 0.7), "t_pdf": (3.0, 4.0, 1.5),
    "t_pdf_fastmath": (3.0, 4.0, 1.5),
}


def dist_inputs(name, dtype, view):
    scale, p1, p2 = DIST_ARGS[name]
    x = sample(view, np.float64, n=40, nan=0.05, scale=scale)
    if name == "beta_logpdf":
        x = np.abs(x) + 0.2   # around (0, 1) and beyond
    if name == "gamma_logpdf":
        x = np.abs(x)
        x.flat[::9] = 0.0
    return x.astype(dtype), dtype(p1), dtype(p2)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_distribution_ufuncs(name, dtype, view):
    spec = DISTRIBUTIONS[name]
    x, p1, p2 = dist_inputs(name, dtype, view)
    if view == "out":
        # Contiguous out= only: Numba's DUFunc writes a strided out= wrongly
        # (docs/differences.md), and Numba is the reference here.
        results = []
        for f in (spec.nb, spec.ju):
            out = np.full(x.shape, -7, dtype=dtype)
            assert f(x, p1, p2, out=out) is out
            results.append(out)
        expected, got = results
    else:
        expected, got = spec.nb(x, p1, p2), spec.ju(x, p1, p2)
    # libm vs libmvec (4 ulp) and float32 computed in float64 by jitufunc's
    # math.* (Numba calls the float32 functions): a few float32 ulp.
    if dtype == np.float32:
        tol = dict(rtol=1e-5, atol=1e-6)
    else:
        # (a cdf's 1 + erf(z) cancels: a few ulp of erf near -1 are a few
        # ulp of 1.0 in absolute terms)
        tol = dict(rtol=1e-13 if "fastmath" in name else 2e-15, atol=1e-15 if "cdf" in name else 1e-300)
    assert_same(got, expected, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_distribution_parameters_broadcast(dtype):
    spec = DISTRIBUTIONS["gamma_logpdf"]
    x = np.abs(RNG.standard_normal(12)).astype(dtype)
    a = np.array([[0.5], [1.0], [3.0]], dtype=dtype)
    scale = np.array([0.5, 2.0, 1.0, 4.0] * 3, dtype=dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=2e-15)
    assert_same(spec.ju(x, a, scale), spec.nb(x, a, scale), **tol)
    # And against SciPy-free NumPy arithmetic for one case.
    expected = (a - 1.0) * np.log(x.astype(np.float64)) - x / scale - np.vectorize(math.lgamma)(a) \
        - a * np.log(scale.astype(np.float64))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(spec.ju(x, a, scale), expected, **tol)


POISSON = Spec(poisson_logpmf, "vectorize", [float64(int64, float64), float64(int32, float64)], nopython=True)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_poisson_logpmf_of_integer_counts(dtype):
    k = np.array([-1, 0, 1, 2, 5, 10, 50, 170, 1000], dtype=dtype)
    mu = np.array([[0.5], [3.0], [100.0]])
    assert_same(POISSON.ju(k, mu), POISSON.nb(k, mu), rtol=4e-15, atol=1e-300)


# ---------------------------------------------------------------------------
# dtype constants in kernels (item 6)
# ---------------------------------------------------------------------------

def group_nanmax(values, labels, groups, out):
    seen = np.zeros(len(out), dtype=np.bool_)
    if out.dtype.kind == "f":
        out[:] = np.nan
    else:
        out[:] = 0
    for i in range(len(values)):
        value = values[i]
        label = labels[i]
        if label < 0 or np.isnan(value):
            continue
        if not seen[label] or value > out[label]:
            out[label] = value
            seen[label] = True


def cumsum_in_dtype(a, out):
    acc = a.dtype.type(0)
    for i in range(len(a)):
        acc += a[i]
        out[i] = acc


def saturating_scale(a, factor, out):
    hi = np.iinfo(a.dtype).max
    lo = np.iinfo(a.dtype).min
    for i in range(len(a)):
        v = a[i] * factor
        if v > hi:
            out[i] = hi
        elif v < lo:
            out[i] = lo
        else:
            out[i] = a.dtype.type(v)


def close_in_float32(x, y):
    return abs(x - y) <= 4 * np.finfo(np.float32).eps * max(abs(x), abs(y))


def nanmin_with_finfo(a, out):
    amin = np.finfo(a.dtype).max
    allnan = True
    for ai in a:
        if ai <= amin:
            amin = ai
            allnan = False
    out[0] = np.nan if allnan else amin


DTYPE_CONSTANTS = {
    "group_nanmax": Spec(group_nanmax, "guvectorize",
                         [(float64[:], int64[:], int64[:], float64[:]), (int64[:], int64[:], int64[:], int64[:])],
                         "(n),(n),(m)->(m)", nopython=True),
    "cumsum_in_dtype": Spec(cumsum_in_dtype, "guvectorize",
                            ["void(int32[:], int32[:])", "void(float32[:], float32[:])",
                             "void(float64[:], float64[:])"], "(n)->(n)", nopython=True),
    "saturating_scale": Spec(saturating_scale, "guvectorize",
                             ["void(int32[:], float64, int32[:])", "void(int64[:], float64, int64[:])"],
                             "(n),()->(n)", nopython=True),
    "close_in_float32": Spec(close_in_float32, "vectorize", ["boolean(float64, float64)"], nopython=True),
    "nanmin_with_finfo": Spec(nanmin_with_finfo, "guvectorize",
                              ["void(float32[:], float32[:])", "void(float64[:], float64[:])"],
                              "(n)->()", nopython=True),
}


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_dtype_kind_chooses_the_initial_value(dtype):
    spec = DTYPE_CONSTANTS["group_nanmax"]
    values, labels = group_inputs("2d", dtype)
    groups = np.arange(NGROUPS + 1)  # the last group is empty
    assert_same(spec.ju(values, labels, groups), spec.nb(values, labels, groups))


@pytest.mark.parametrize("view", ["1d", "2d", "strided", "reversed"])
@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.float64])
def test_dtype_type_keeps_the_accumulator_in_the_array_dtype(dtype, view):
    spec = DTYPE_CONSTANTS["cumsum_in_dtype"]
    a = sample(view, dtype, nan=0)
    if dtype == np.int32:
        a = a * np.int32(2**26)  # wraps in int32, in both
    # Both accumulate in the array's dtype: exact.
    assert_same(spec.ju(a), spec.nb(a))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.float32, np.float64])
def test_dtype_constants_in_a_lazy_gufunc(dtype):
    # No signatures: each dtype compiles its own loop (Numba's lazy gufuncs need out=).
    spec = Spec(cumsum_in_dtype, "guvectorize", "(n)->(n)", nopython=True)
    a = (np.arange(24).reshape(2, 12) * 37).astype(dtype)  # int8 wraps, in both
    outs = []
    for f in (spec.nb, spec.ju):
        out = np.empty_like(a)
        f(a, out=out)
        outs.append(out)
    assert_same(outs[1], outs[0])


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_iinfo_of_the_array_dtype(dtype):
    spec = DTYPE_CONSTANTS["saturating_scale"]
    info = np.iinfo(dtype)
    a = np.array([0, 1, -1, info.max // 3, info.min // 3, info.max, info.min, 12345], dtype=dtype)
    for factor in (0.5, 2.0, 4.0, -4.0):
        assert_same(spec.ju(a, factor), spec.nb(a, factor))


def test_finfo_constants():
    spec = DTYPE_CONSTANTS["close_in_float32"]
    x = np.array([1.0, 1.0, 1e10, 0.0, -3.0])
    y = x + np.array([1e-7, 1e-6, 1e4, 0.0, 3e-7])
    assert_same(spec.ju(x, y), spec.nb(x, y))
    spec = DTYPE_CONSTANTS["nanmin_with_finfo"]
    for dtype in (np.float32, np.float64):
        a = sample("2d", dtype, nan=0.3)
        a[1] = np.nan
        assert_same(spec.ju(a), spec.nb(a))


# ---------------------------------------------------------------------------
# Kernels made by exec and by compile() of a rewritten ast (item 8)
# ---------------------------------------------------------------------------

MOVE_SUM_SOURCE = '''
def move_sum_exec(a, window, out):
    asum = 0.0
    for i in range(len(a)):
        asum += a[i]
        if i >= window:
            asum -= a[i - window]
        out[i] = asum if i + 1 >= window else np.nan
'''


def test_kernel_defined_by_exec_of_a_string():
    namespace = {"np": np}
    exec(MOVE_SUM_SOURCE, namespace)  # no linecache entry: Numba reads bytecode
    spec = Spec(namespace["move_sum_exec"], "guvectorize", ["void(float64[:], int64, float64[:])"],
                "(n),()->(n)", nopython=True)
    a = sample("2d", np.float64, nan=0)
    assert_same(spec.ju(a, 3), spec.nb(a, 3))


def test_kernel_defined_by_exec_of_compiled_code():
    namespace = {"np": np}
    exec(compile(MOVE_SUM_SOURCE, "<generated move_sum>", "exec"), namespace)
    spec = Spec(namespace["move_sum_exec"], "guvectorize", "void(float64[:], int64, float64[:])",
                "(n),()->(n)", nopython=True)
    a = sample("1d", np.float64, nan=0)
    assert_same(spec.ju(a, 4), spec.nb(a, 4))


class _NDReduceTransformer(ast.NodeTransformer):
    """numbagg's rewrite: ``def f(a): ...; return x`` becomes
    ``def __numbagg_transformed_func(a, __numbagg_out): ...; __numbagg_out[0] = x``."""

    def visit_FunctionDef(self, node):
        node.args.args.append(ast.arg(arg="__numbagg_out"))
        node.name = "__numbagg_transformed_func"
        node.decorator_list = []
        self.generic_visit(node)
        return node

    def visit_Return(self, node):
        target = ast.Subscript(value=ast.Name(id="__numbagg_out", ctx=ast.Load()),
                               slice=ast.Constant(0), ctx=ast.Store())
        return ast.Assign(targets=[target], value=node.value)


def rewrite_ndreduce(func, filename="<ast>"):
    """numbagg.transform._apply_ast_rewrite: parse the source, rewrite the
    tree, compile it and exec it in the function's globals."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    tree = ast.fix_missing_locations(_NDReduceTransformer().visit(tree))
    if filename != "<ast>":  # keep tracebacks pointing at the original lines
        ast.increment_lineno(tree, func.__code__.co_firstlineno - 1)
    scope = {}
    exec(compile(tree, filename=filename, mode="exec"), func.__globals__, scope)
    return scope["__numbagg_transformed_func"]


def nansum(a):
    asum = 0.0
    for ai in a:
        if not np.isnan(ai):
            asum += ai
    return asum


def nanmean(a):
    asum = 0.0
    count = 0
    for ai in a:
        if not np.isnan(ai):
            asum += ai
            count += 1
    if count > 0:
        return asum / count
    return np.nan


@pytest.mark.parametrize("func", [nansum, nanmean], ids=lambda f: f.__name__)
@pytest.mark.parametrize("filename", ["<ast>", "original file"])
def test_kernel_from_an_ast_rewritten_by_a_node_transformer(func, filename):
    kernel = rewrite_ndreduce(func, "<ast>" if filename == "<ast>" else inspect.getsourcefile(func))
    assert "__numbagg_out" in kernel.__code__.co_varnames
    spec = Spec(kernel, "guvectorize", [void(float32[:], float32[:]), void(float64[:], float64[:])],
                "(n)->()", nopython=True)
    for view in ("1d", "2d", "reversed"):
        a = sample(view, np.float64)
        # With the original file name, source lines on disk are the
        # function before its rewrite: the kernel compiled must be the
        # rewritten one (or the decorator must refuse), never the original.
        assert_same(spec.ju(a), spec.nb(a))


DDOF = 0


def nanvar(a, out):
    asum = 0.0
    count = 0
    for ai in a:
        if not np.isnan(ai):
            asum += ai
            count += 1
    mean = asum / count if count > 0 else np.nan
    ssq = 0.0
    for ai in a:
        if not np.isnan(ai):
            ssq += (ai - mean) ** 2
    out[0] = ssq / (count - DDOF) if count > DDOF else np.nan


class _Specialise(ast.NodeTransformer):
    """Replaces global names by constants (a kernel specialised for a parameter)."""

    def __init__(self, **values):
        self.values = values

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.values:
            return ast.copy_location(ast.Constant(self.values[node.id]), node)
        return node


def specialise(func, **values):
    """The kernel rewritten with constants, compiled under its own name, file
    and line numbers (so tracebacks point at the original source)."""
    tree = _Specialise(**values).visit(ast.parse(inspect.getsource(func)))
    ast.increment_lineno(tree, func.__code__.co_firstlineno - 1)
    scope = {}
    exec(compile(tree, inspect.getsourcefile(func), "exec"), func.__globals__, scope)
    return scope[func.__name__]


@pytest.mark.parametrize("ddof", [0, 1])
def test_kernel_rewritten_under_its_own_name_and_file(ddof):
    # The file on disk holds the function before the rewrite (DDOF, a
    # global 0); the code object is the rewritten one. Numba compiles the
    # code object; a compiler reading the source must not compile the file's
    # version instead.
    kernel = specialise(nanvar, DDOF=ddof)
    spec = Spec(kernel, "guvectorize", [void(float64[:], float64[:])], "(n)->()", nopython=True)
    a = sample("2d", np.float64)
    expected = spec.nb(a)
    np.testing.assert_allclose(expected, np.nanvar(a, axis=-1, ddof=ddof), rtol=1e-13)
    assert_same(spec.ju(a), expected)


# ---------------------------------------------------------------------------
# ctypes functions (item 10)
# ---------------------------------------------------------------------------

_libm = ctypes.CDLL(ctypes.util.find_library("m"))
c_cos = _libm.cos
c_cos.argtypes = (ctypes.c_double,)
c_cos.restype = ctypes.c_double
c_hypot = _libm.hypot
c_hypot.argtypes = [ctypes.c_double, ctypes.c_double]
c_hypot.restype = ctypes.c_double


def cos_plus_hypot(x, y):
    return c_cos(x) + c_hypot(x, y)


def test_kernel_calling_a_ctypes_function():
    spec = Spec(cos_plus_hypot, "vectorize", ["float64(float64, float64)"], nopython=True)
    x = np.linspace(-4, 4, 33)
    got, expected = spec.ju(x, 0.5), spec.nb(x, 0.5)
    assert_same(got, expected)  # the same libm functions, called the same way
    np.testing.assert_allclose(expected, np.cos(x) + np.hypot(x, 0.5), rtol=1e-15)


# ---------------------------------------------------------------------------
# raise inside kernels
# ---------------------------------------------------------------------------

def checked_log(x):
    if x < 0:
        raise ValueError("negative")
    return math.log1p(x)


def checked_norms(a, out):
    for i in range(a.shape[0]):
        s = 0.0
        for j in range(a.shape[1]):
            if a[i, j] < 0:
                raise ValueError("negative")
            s += a[i, j]
        out[i] = s


RAISING = {
    "vectorize": Spec(checked_log, "vectorize", ["float64(float64)", "float32(float32)"], nopython=True),
    "guvectorize": Spec(checked_norms, "guvectorize", ["void(float64[:, :], float64[:])"],
                        "(m,n)->(m)", nopython=True),
}


@pytest.mark.parametrize("kind", list(RAISING))
def test_raise_in_a_kernel(kind):
    spec = RAISING[kind]
    good = np.abs(sample("2d", np.float64, nan=0))
    if kind == "vectorize":
        assert_same(spec.ju(good), spec.nb(good), rtol=4e-16, atol=1e-300)
    else:
        assert_same(spec.ju(good[None]), spec.nb(good[None]))
    bad = good.copy()
    bad[1, 3] = -1.0
    if kind == "guvectorize":
        bad = bad[None]
    errors = []
    for f in (spec.nb, spec.ju):
        with pytest.raises(Exception) as info:
            f(bad)
        errors.append(info.value)
    assert type(errors[1]) is type(errors[0]) is ValueError
    assert str(errors[1]) == str(errors[0]) == "negative"


# ---------------------------------------------------------------------------
# enumerate/zip, allocation in kernels, writable_args
# ---------------------------------------------------------------------------

def weighted_demean(a, w, out):
    tmp = np.zeros_like(a)
    acc = np.empty(2)
    acc[:] = 0.0
    for i, (x, wi) in enumerate(zip(a, w)):
        if not np.isnan(x):
            tmp[i] = x * wi
            acc[0] += tmp[i]
            acc[1] += wi
    mean = acc[0] / acc[1] if acc[1] > 0 else np.nan
    for i, x in enumerate(a):
        out[i] = x - mean


def ranks(a, out):
    order = np.empty(len(a), dtype=np.int64)
    for i in range(len(a)):
        order[i] = i
    # insertion sort of the indices by value
    for i in range(1, len(a)):
        j = i
        while j > 0 and a[order[j - 1]] > a[order[j]]:
            order[j - 1], order[j] = order[j], order[j - 1]
            j -= 1
    for r, i in enumerate(order):
        out[i] = r


def ffill_inplace(a, limit, filled):
    count = 0
    last = np.nan
    run = 0
    for i in range(len(a)):
        if np.isnan(a[i]):
            run += 1
            if run <= limit and not np.isnan(last):
                a[i] = last
                count += 1
        else:
            last = a[i]
            run = 0
    filled[0] = count


MISC = {
    "weighted_demean": Spec(weighted_demean, "guvectorize",
                            [void(float64[:], float64[:], float64[:]), void(float32[:], float32[:], float32[:])],
                            "(n),(n)->(n)", nopython=True),
    "ranks": Spec(ranks, "guvectorize", ["void(float64[:], int64[:])", "void(int64[:], int64[:])"],
                  "(n)->(n)", nopython=True),
    "ffill_inplace": Spec(ffill_inplace, "guvectorize", ["void(float64[:], int64, int64[:])"],
                          "(n),()->()", nopython=True, writable_args=("a",)),
    "ffill_inplace_index": Spec(ffill_inplace, "guvectorize", [void(float64[:], int64, int64[:])],
                                "(n),()->()", nopython=True, writable_args=(0,)),
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_enumerate_zip_and_arrays_made_in_the_kernel(dtype, view):
    spec = MISC["weighted_demean"]
    a = sample(view, dtype)
    w = np.abs(sample(view, dtype, nan=0))
    got_nb, got_ju = call_both(spec, view, a, w, out_shape=a.shape, out_dtype=dtype)
    assert_same(got_ju, got_nb, **float_tol(dtype))


@pytest.mark.parametrize("view", ["1d", "2d", "strided", "reversed"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_tuple_swaps_and_enumerate_over_an_allocated_array(dtype, view):
    spec = MISC["ranks"]
    a = sample(view, dtype, nan=0)
    assert_same(spec.ju(a), spec.nb(a))
    np.testing.assert_array_equal(spec.ju(a), np.argsort(np.argsort(a, kind="stable"), kind="stable"))


@pytest.mark.parametrize("view", ["1d", "2d", "strided", "reversed"])
@pytest.mark.parametrize("name", ["ffill_inplace", "ffill_inplace_index"])
def test_writable_args(name, view):
    spec = MISC[name]
    base = sample(view, np.float64, nan=0.4)
    results = []
    for f in (spec.nb, spec.ju):
        if view in ("1d", "2d"):
            a = base.copy()
        else:  # a strided or reversed view of a fresh array
            holder = np.repeat(base, 2, axis=-1)
            a = holder[..., ::2] if view == "strided" else holder[..., ::-2]
        filled = f(a, 2)
        results.append((np.array(a), filled))
    assert_same(results[1][0], results[0][0])
    assert_same(results[1][1], results[0][1])
