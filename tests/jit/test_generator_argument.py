"""A `numpy.random.Generator` passed to `@njit` code: `g.random()` and
`g.uniform()` give NumPy's own numbers (the same draws of the same bit
generator, which advance the Generator's state as its methods do);
`normal`, `standard_normal`, `exponential` and `integers` are checked
statistically (means, variances, a chi-square on counts), with fixed
seeds, never against numbers jitufunc produced."""

import math

import numpy as np
import pytest

from jitufunc import njit
from jitufunc.errors import TypingError

BIT_GENERATORS = [np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64,
                  np.random.MT19937]


@njit
def draws(g, n):
    out = np.empty(n + 2)
    for i in range(n):
        out[i] = g.random()
    out[n] = g.uniform(-2.0, 3.0)
    out[n + 1] = g.uniform()
    return out


@pytest.mark.parametrize("bitgen", BIT_GENERATORS, ids=lambda b: b.__name__)
def test_random_and_uniform_are_numpys_numbers_and_advance_the_state(bitgen):
    g, ref = np.random.Generator(bitgen(7)), np.random.Generator(bitgen(7))
    got = draws(g, 100)
    want = np.concatenate([ref.random(100), [ref.uniform(-2.0, 3.0), ref.uniform()]])
    np.testing.assert_array_equal(got, want)
    # The Generator's own next draws continue after the compiled ones.
    assert g.random() == ref.random()
    assert g.integers(1 << 40) == ref.integers(1 << 40)


def test_size_gives_arrays_of_numpys_numbers_and_shapes():
    @njit
    def arrays(g):
        return g.random(5), g.random((2, 3)), g.uniform(1.0, 2.0, 4)

    g, ref = np.random.default_rng(3), np.random.default_rng(3)
    a, b, c = arrays(g)
    np.testing.assert_array_equal(a, ref.random(5))
    np.testing.assert_array_equal(b, ref.random((2, 3)))
    np.testing.assert_array_equal(c, ref.uniform(1.0, 2.0, 4))
    assert (a.dtype, b.shape, b.flags.c_contiguous) == (np.float64, (2, 3), True)


@njit
def normals(g, n):
    return g.normal(1.5, 2.0, n), g.standard_normal(n), g.exponential(3.0, n)


def test_normal_and_exponential_have_the_right_moments():
    n = 400_000
    a, z, x = normals(np.random.default_rng(11), n)
    se = 1 / math.sqrt(n)
    assert abs(a.mean() - 1.5) < 5 * 2.0 * se
    assert abs(a.var() - 4.0) < 5 * 4.0 * math.sqrt(2) * se
    assert abs(z.mean()) < 5 * se and abs(z.var() - 1.0) < 5 * math.sqrt(2) * se
    # Third and fourth moments of the standard normal: 0 and 3.
    assert abs((z ** 3).mean()) < 5 * math.sqrt(15) * se
    assert abs((z ** 4).mean() - 3.0) < 5 * math.sqrt(96) * se
    assert abs(x.mean() - 3.0) < 5 * 3.0 * se and x.min() >= 0.0
    assert abs(x.var() - 9.0) < 5 * 9.0 * math.sqrt(8) * se


@njit
def ints(g, low, high, n, endpoint):
    return g.integers(low, high, n, endpoint=endpoint)


@pytest.mark.parametrize("low, high, endpoint", [(0, 6, False), (-3, 4, True), (10, 17, False),
                                                 (0, 1, False), (5, 5, True)])
def test_integers_are_uniform_on_their_range(low, high, endpoint):
    n = 120_000
    x = ints(np.random.default_rng(5), low, high, n, endpoint)
    top = high if endpoint else high - 1
    assert x.dtype == np.int64 and x.min() >= low and x.max() <= top
    k = top - low + 1
    counts = np.bincount(x - low, minlength=k)
    assert len(counts) == k
    if k > 1:
        expected = n / k
        chi2 = ((counts - expected) ** 2 / expected).sum()
        # The 0.999 quantile of chi-square with k - 1 <= 7 degrees of freedom
        # is at most 24.3.
        assert chi2 < 24.3, (counts, chi2)


def test_integers_forms_bounds_and_errors():
    @njit
    def forms(g):
        return g.integers(10), g.integers(-5, -2), g.integers(0, 2**62), g.integers(3, size=4)

    a, b, c, d = forms(np.random.default_rng(1))
    assert 0 <= a < 10 and -5 <= b < -2 and 0 <= c < 2**62
    assert d.shape == (4,) and (0 <= d).all() and (d < 3).all()

    @njit
    def empty(g, lo, hi):
        return g.integers(lo, hi)

    with pytest.raises(ValueError, match="low >= high"):
        empty(np.random.default_rng(1), 3, 3)

    @njit
    def negative_scale(g):
        return g.normal(0.0, -1.0)

    with pytest.raises(ValueError, match="scale < 0"):
        negative_scale(np.random.default_rng(1))


def test_monte_carlo_pi_with_a_generator():
    @njit
    def pi(g, n):
        inside = 0
        for _ in range(n):
            x = g.random()
            y = g.random()
            if x * x + y * y < 1.0:
                inside += 1
        return 4.0 * inside / n

    n = 10**6
    est = pi(np.random.default_rng(2026), n)
    assert abs(est - math.pi) < 5 * math.sqrt(math.pi * (4 - math.pi) / n)
    assert len(pi.signatures) == 1
    pi(np.random.Generator(np.random.Philox(1)), 10)
    assert len(pi.signatures) == 1


def test_other_values_are_refused_clearly():
    @njit
    def first(g):
        return g.random()

    with pytest.raises(TypingError, match="takes a numpy.random.Generator, got float64"):
        first(np.arange(3.0))
    with pytest.raises(TypeError):
        first(np.random.RandomState(0))

    @njit
    def give_back(g):
        return g

    with pytest.raises(Exception, match="cannot return a numpy.random.Generator"):
        give_back(np.random.default_rng(0))
