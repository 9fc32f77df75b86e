"""``np.random.*`` inside ``@njit`` (``jitufunc/_numpy_random.py`` over the
core's per-thread generator, ``src/engine/random.rs``).

Outputs are random, so the tests are statistical, with fixed seeds set
inside compiled code: sample means within five standard errors of the
distribution's mean, sample variances within a few percent, chi-square
tests of counts against the exact probabilities (at the 0.001 level).
Expected values always come from the distributions' formulas or from
NumPy, never from jitufunc. Also: seeding (same seed, same sequence; the
generator is separate from NumPy's global state and per thread), the
forms and result dtypes/shapes compared with NumPy's, argument errors
(NumPy's classes and messages, naming the caller's line), and memory.
"""

import gc
import math
import os
import threading

import numpy as np
import pytest

from conftest import make_function
from jitufunc import _core, njit

N = 200_000


def compiled(source, **globals_):
    return njit(make_function(source, globals_))


def draws(expr, n=N, seed=1234):
    """``n`` values of the scalar expression ``expr``, drawn in a compiled
    loop after ``np.random.seed(seed)``."""
    f = compiled(f"""
        def draws(n, seed):
            np.random.seed(seed)
            out = np.empty(n)
            for i in range(n):
                out[i] = {expr}
            return out
    """)
    return f(n, seed)


def check_moments(x, mean, var, var_rtol=0.03):
    n = x.size
    assert abs(x.mean() - mean) <= 5 * math.sqrt(var / n), (x.mean(), mean)
    if var == 0:
        assert x.var() == 0
    else:
        assert abs(x.var() / var - 1) <= var_rtol, (x.var(), var)


def chi2_critical(df, z=3.09):
    """The 0.999 quantile of chi-square with ``df`` degrees of freedom
    (Wilson-Hilferty)."""
    h = 2 / (9 * df)
    return df * (1 - h + z * math.sqrt(h)) ** 3


def check_counts(values, probabilities):
    """Chi-square test of integer ``values`` against ``probabilities``
    (a dict value -> probability; values not in it are lumped with the
    rarest bins so that every expected count is at least 5)."""
    values = np.asarray(values).ravel()
    n = values.size
    keys = sorted(probabilities)
    observed = np.array([np.count_nonzero(values == k) for k in keys], dtype=float)
    expected = np.array([probabilities[k] * n for k in keys])
    assert observed.sum() + np.count_nonzero(~np.isin(values, keys)) == n
    # The tail outside the table joins the last bin.
    observed[-1] += n - observed.sum()
    expected[-1] += n - expected.sum()
    # Merge bins with small expected counts into their neighbours.
    obs, exp = [], []
    o = e = 0.0
    for oi, ei in zip(observed, expected):
        o += oi
        e += ei
        if e >= 5:
            obs.append(o)
            exp.append(e)
            o = e = 0.0
    if e > 0:
        obs[-1] += o
        exp[-1] += e
    obs, exp = np.array(obs), np.array(exp)
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert chi2 < chi2_critical(len(obs) - 1), (chi2, obs, exp)


def binomial_pmf(n, p):
    return {k: math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)}


def poisson_pmf(lam, kmax):
    return {k: math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(kmax + 1)}


# ---------------------------------------------------------------------------
# 1. Distributions: scalar draws


MOMENTS = [
    ("np.random.random()", 0.5, 1 / 12),
    ("np.random.random_sample()", 0.5, 1 / 12),
    ("np.random.rand()", 0.5, 1 / 12),
    ("np.random.uniform()", 0.5, 1 / 12),
    ("np.random.uniform(2.0, 5.0)", 3.5, 9 / 12),
    ("np.random.uniform(-1, 3)", 1.0, 16 / 12),
    ("np.random.normal()", 0.0, 1.0),
    ("np.random.normal(1.5)", 1.5, 1.0),
    ("np.random.normal(1.0, 2.0)", 1.0, 4.0),
    ("np.random.normal(-3, 0.5)", -3.0, 0.25),
    ("np.random.standard_normal()", 0.0, 1.0),
    ("np.random.randn()", 0.0, 1.0),
    ("np.random.exponential()", 1.0, 1.0),
    ("np.random.exponential(2.5)", 2.5, 6.25),
    ("np.random.standard_exponential()", 1.0, 1.0),
    ("np.random.randint(10)", 4.5, 99 / 12),
    ("np.random.randint(-5, 5)", -0.5, 99 / 12),
    ("np.random.choice(6)", 2.5, 35 / 12),
    ("np.random.poisson()", 1.0, 1.0),
    ("np.random.poisson(3.5)", 3.5, 3.5),
    ("np.random.poisson(42.0)", 42.0, 42.0),
    ("np.random.poisson(1e6)", 1e6, 1e6),
    ("np.random.binomial(20, 0.3)", 6.0, 4.2),
    ("np.random.binomial(20, 0.8)", 16.0, 3.2),
    ("np.random.binomial(1000, 0.7)", 700.0, 210.0),
    ("np.random.binomial(100000, 0.001)", 100.0, 99.9),
    ("np.random.binomial(5, 0.0)", 0.0, 0.0),
    ("np.random.binomial(5, 1.0)", 5.0, 0.0),
    ("np.random.binomial(0, 0.5)", 0.0, 0.0),
]


@pytest.mark.parametrize("expr, mean, var", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_scalar_draws_have_the_distributions_moments(expr, mean, var):
    check_moments(draws(expr), mean, var)


def test_uniform_draws_lie_in_their_interval():
    x = draws("np.random.random()")
    assert x.min() >= 0.0 and x.max() < 1.0
    y = draws("np.random.uniform(2.0, 3.0)")
    assert y.min() >= 2.0 and y.max() < 3.0
    # low > high is allowed (NumPy draws from (high, low]).
    z = draws("np.random.uniform(3.0, 2.0)")
    assert z.min() > 2.0 and z.max() <= 3.0
    e = draws("np.random.exponential(1.0)")
    assert e.min() >= 0.0


def test_normal_draws_have_normal_tails():
    x = draws("np.random.normal()")
    # P(|Z| > 2) = 0.0455, P(|Z| > 3) = 0.0027.
    for k, p in [(1.0, 0.3173), (2.0, 0.0455), (3.0, 0.0027)]:
        frac = np.mean(np.abs(x) > k)
        assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / x.size), (k, frac)


def test_randint_counts_are_uniform():
    x = draws("np.random.randint(3, 10)")
    assert x.min() == 3 and x.max() == 9
    check_counts(x, {k: 1 / 7 for k in range(3, 10)})


def test_randint_with_full_int64_range():
    x = draws("np.random.randint(-9223372036854775808, 9223372036854775807)", n=1000)
    assert np.all(x == x)  # no crash, values in range by construction
    f = compiled("""
        def f(n):
            np.random.seed(5)
            out = np.empty(n, dtype=np.int64)
            for i in range(n):
                out[i] = np.random.randint(-9223372036854775808, 9223372036854775807)
            return out
    """)
    v = f(10_000)
    # Both signs, spread over the range.
    assert (v < 0).mean() > 0.45 and (v > 0).mean() > 0.45
    assert np.abs(v.astype(float)).max() > 4e18


def test_binomial_counts_match_the_pmf():
    check_counts(draws("np.random.binomial(10, 0.3)"), binomial_pmf(10, 0.3))
    check_counts(draws("np.random.binomial(60, 0.45)"), binomial_pmf(60, 0.45))
    check_counts(draws("np.random.binomial(40, 0.9)"), binomial_pmf(40, 0.9))


def test_poisson_counts_match_the_pmf():
    check_counts(draws("np.random.poisson(4.0)"), poisson_pmf(4.0, 15))
    check_counts(draws("np.random.poisson(30.0)"), poisson_pmf(30.0, 70))


def test_choice_counts_are_uniform():
    check_counts(draws("np.random.choice(7)"), {k: 1 / 7 for k in range(7)})
    a = np.array([10.0, 20.0, 30.0, 40.0])
    f = compiled("""
        def f(a, n):
            np.random.seed(9)
            out = np.empty(n)
            for i in range(n):
                out[i] = np.random.choice(a)
            return out
    """)
    check_counts(f(a, N), {v: 0.25 for v in a})


# ---------------------------------------------------------------------------
# 2. size= arrays: moments, shapes and dtypes as NumPy's


ARRAY_MOMENTS = [
    ("np.random.random(n)", 0.5, 1 / 12),
    ("np.random.random(size=n)", 0.5, 1 / 12),
    ("np.random.rand(n)", 0.5, 1 / 12),
    ("np.random.randn(n)", 0.0, 1.0),
    ("np.random.uniform(-2.0, 2.0, n)", 0.0, 16 / 12),
    ("np.random.normal(3.0, 2.0, n)", 3.0, 4.0),
    ("np.random.normal(size=n)", 0.0, 1.0),
    ("np.random.standard_normal(n)", 0.0, 1.0),
    ("np.random.exponential(0.5, n)", 0.5, 0.25),
    ("np.random.standard_exponential(n)", 1.0, 1.0),
    ("np.random.randint(0, 6, n)", 2.5, 35 / 12),
    ("np.random.randint(6, size=n)", 2.5, 35 / 12),
    ("np.random.binomial(30, 0.25, n)", 7.5, 5.625),
    ("np.random.poisson(12.0, n)", 12.0, 12.0),
    ("np.random.choice(6, n)", 2.5, 35 / 12),
]


@pytest.mark.parametrize("expr, mean, var", ARRAY_MOMENTS, ids=[m[0] for m in ARRAY_MOMENTS])
def test_size_arrays_have_the_distributions_moments(expr, mean, var):
    f = compiled(f"""
        def f(n):
            np.random.seed(77)
            return {expr}
    """)
    x = f(N)
    assert x.shape == (N,)
    check_moments(x.astype(float), mean, var)


FORMS = [
    "np.random.random()",
    "np.random.random(3)",
    "np.random.random((2, 3))",
    "np.random.random_sample(4)",
    "np.random.rand()",
    "np.random.rand(3)",
    "np.random.rand(2, 3)",
    "np.random.rand(2, 3, 4)",
    "np.random.randn()",
    "np.random.randn(2, 2)",
    "np.random.uniform()",
    "np.random.uniform(1, 2)",
    "np.random.uniform(1.0, 2.0, (2, 3))",
    "np.random.normal()",
    "np.random.normal(1, 2)",
    "np.random.normal(1.0, 2.0, 5)",
    "np.random.normal(0.0, 1.0, (2, 2))",
    "np.random.standard_normal()",
    "np.random.standard_normal((3, 1))",
    "np.random.exponential()",
    "np.random.exponential(2.0)",
    "np.random.exponential(2.0, (2, 3))",
    "np.random.standard_exponential(3)",
    "np.random.randint(5)",
    "np.random.randint(1, 5)",
    "np.random.randint(1, 5, 3)",
    "np.random.randint(0, 5, size=(2, 3))",
    "np.random.randint(5, size=4)",
    "np.random.binomial(10, 0.5)",
    "np.random.binomial(10, 0.5, 3)",
    "np.random.binomial(10, 0.5, (2, 2))",
    "np.random.poisson()",
    "np.random.poisson(3.0)",
    "np.random.poisson(3)",
    "np.random.poisson(3.0, 4)",
    "np.random.poisson(3.0, (1, 4))",
    "np.random.choice(5)",
    "np.random.choice(5, 3)",
    "np.random.choice(5, (2, 2))",
    "np.random.choice(5, 3, False)",
    "np.random.choice(5, size=3, replace=False)",
    "np.random.permutation(5)",
    "np.random.random(0)",
    "np.random.randint(0, 3, 0)",
]


def _describe(r):
    # (A scalar comes back from compiled code as the Python number, so
    # NumPy scalars compare by kind.)
    if isinstance(r, np.ndarray):
        return ("array", r.dtype, r.shape)
    if r is None:
        return ("None",)
    return ("int",) if isinstance(r, (int, np.integer)) else ("float",)


@pytest.mark.parametrize("expr", FORMS)
def test_forms_give_numpys_types_dtypes_and_shapes(expr):
    f = compiled(f"""
        def f():
            return {expr}
    """)
    expected = _describe(eval(expr, {"np": np}))
    assert _describe(f()) == expected


ARRAY_FORMS = [
    ("np.random.choice(a)", np.arange(4.0)),
    ("np.random.choice(a, 3)", np.arange(4.0)),
    ("np.random.choice(a, (2, 2))", np.arange(4, dtype=np.int32)),
    ("np.random.choice(a, 2, False)", np.arange(4.0)),
    ("np.random.choice(a, size=3, replace=True)", np.arange(4, dtype=np.float32)),
    ("np.random.permutation(a)", np.arange(5.0)),
    ("np.random.permutation(a)", np.arange(6, dtype=np.int16).reshape(3, 2)),
    ("np.random.permutation(a)", np.arange(12.0).reshape(4, 3)[:, ::2]),
]


@pytest.mark.parametrize("expr, a", ARRAY_FORMS, ids=[f"{e}-{a.dtype}-{a.ndim}d" for e, a in ARRAY_FORMS])
def test_forms_on_arrays_give_numpys_dtypes_and_shapes(expr, a):
    f = compiled(f"""
        def f(a):
            return {expr}
    """)
    expected = _describe(eval(expr, {"np": np, "a": a}))
    assert _describe(f(a)) == expected


def test_choice_without_replacement_gives_distinct_items():
    f = compiled("""
        def f(a, k):
            return np.random.choice(a, k, False)
    """)
    a = np.arange(100.0) * 3
    for k in [0, 1, 10, 100]:
        r = f(a, k)
        assert r.size == k and np.unique(r).size == k and np.isin(r, a).all()
    g = compiled("""
        def g(n, k):
            return np.random.choice(n, k, replace=False)
    """)
    r = g(10, 10)
    assert sorted(r) == list(range(10))
    # Every index is as likely to be picked first (seeded: the chi-square
    # tests must not fail one run in a thousand).
    seed = compiled("""
        def seed(s):
            np.random.seed(s)
    """)
    seed(21)
    pairs = np.array([g(5, 2) for _ in range(5000)])
    check_counts(pairs[:, 0], {k: 0.2 for k in range(5)})
    check_counts(pairs[:, 1], {k: 0.2 for k in range(5)})
    assert np.all(pairs[:, 0] != pairs[:, 1])


# ---------------------------------------------------------------------------
# 3. shuffle and permutation


def test_permutation_of_n_is_a_permutation_and_not_identity():
    f = compiled("""
        def f(n):
            return np.random.permutation(n)
    """)
    p = f(50)
    assert p.dtype == np.int64
    assert sorted(p) == list(range(50))
    assert not np.array_equal(p, np.arange(50))
    assert f(0).size == 0 and f(-3).size == 0


def test_permutation_positions_are_uniform():
    f = compiled("""
        def f(n, reps):
            np.random.seed(3)
            where = np.zeros((n, n))
            for r in range(reps):
                p = np.random.permutation(n)
                for i in range(n):
                    where[p[i], i] += 1
            return where
    """)
    w = f(4, 40_000)
    # Each value lands in each position with probability 1/4.
    for row in w:
        check_counts(np.repeat(np.arange(4), row.astype(int)), {k: 0.25 for k in range(4)})


def test_permutation_of_an_array_copies_and_permutes_rows():
    f = compiled("""
        def f(a):
            return np.random.permutation(a)
    """)
    a = np.arange(40.0)
    r = f(a)
    assert np.array_equal(a, np.arange(40.0))  # input unchanged
    assert np.array_equal(np.sort(r), a) and not np.array_equal(r, a)
    b = np.arange(30).reshape(10, 3)
    r = f(b)
    assert r.shape == (10, 3)
    assert sorted(map(tuple, r)) == sorted(map(tuple, b))
    assert not np.array_equal(r, b)


def test_shuffle_works_in_place_along_the_first_axis():
    f = compiled("""
        def f(a):
            np.random.shuffle(a)
    """)
    a = np.arange(60.0)
    assert f(a) is None
    assert np.array_equal(np.sort(a), np.arange(60.0)) and not np.array_equal(a, np.arange(60.0))
    b = np.arange(40).reshape(20, 2)
    f(b)
    assert sorted(map(tuple, b)) == [(2 * i, 2 * i + 1) for i in range(20)]
    assert not np.array_equal(b, np.arange(40).reshape(20, 2))
    # A strided view is shuffled in place too.
    c = np.arange(40.0)
    f(c[::2])
    assert np.array_equal(c[1::2], np.arange(1.0, 40.0, 2))
    assert np.array_equal(np.sort(c[::2]), np.arange(0.0, 40.0, 2))


# ---------------------------------------------------------------------------
# 4. Seeding and state


def test_same_seed_same_sequence_different_seed_different():
    f = compiled("""
        def f(seed, n):
            np.random.seed(seed)
            a = np.random.random(n)
            b = np.random.normal(0.0, 1.0, n)
            c = np.random.randint(0, 1000, n)
            return a, b, c
    """)
    x, y, z = f(42, 20), f(42, 20), f(43, 20)
    for u, v, w in zip(x, y, z):
        assert np.array_equal(u, v)
        assert not np.array_equal(u, w)


def test_reseeding_restarts_the_sequence_and_drops_the_cached_normal():
    f = compiled("""
        def f():
            np.random.seed(7)
            a = np.random.normal()
            np.random.seed(7)
            b = np.random.normal()
            c = np.random.normal()
            return a, b, c
    """)
    a, b, c = f()
    assert a == b and b != c


def test_seed_is_separate_from_numpys_global_state():
    draw = compiled("""
        def draw(n):
            return np.random.random(n)
    """)
    seed = compiled("""
        def seed(s):
            np.random.seed(s)
    """)
    # Seeding NumPy from Python does not reset the compiled generator.
    np.random.seed(123)
    a = draw(5)
    np.random.seed(123)
    b = draw(5)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, np.random.RandomState(123).random_sample(5))
    # Seeding inside compiled code does not touch NumPy's state.
    np.random.seed(5)
    x = np.random.random(3)
    np.random.seed(5)
    seed(99)
    y = np.random.random(3)
    assert np.array_equal(x, y)
    # The compiled seed is kept across calls: the same seed repeats.
    seed(99)
    u = draw(4)
    seed(99)
    assert np.array_equal(u, draw(4))


def test_every_thread_has_its_own_generator():
    f = compiled("""
        def f(seed, n):
            if seed >= 0:
                np.random.seed(seed)
            return np.random.random(n)
    """)
    f(0, 1)  # compile
    results = {}

    def run(name, seed):
        results[name] = f(seed, 8)

    threads = [
        threading.Thread(target=run, args=("seeded", 11)),
        threading.Thread(target=run, args=("fresh1", -1)),
        threading.Thread(target=run, args=("fresh2", -1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    here = f(11, 8)
    # The same seed on two threads gives the same sequence ...
    assert np.array_equal(results["seeded"], here)
    # ... and unseeded threads start from entropy of their own.
    assert not np.array_equal(results["fresh1"], results["fresh2"])
    assert not np.array_equal(results["fresh1"], here)


def test_unseeded_processes_differ():
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from jitufunc import njit\n"
        "f = njit(lambda: np.random.random())\n"
        "print(repr(f()))\n"
    )
    env = dict(os.environ)
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
        for _ in range(2)
    }
    assert len(outs) == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_draws_a_stream_of_its_own():
    f = compiled("""
        def f(seed, n):
            if seed >= 0:
                np.random.seed(seed)
            return np.random.random(n)
    """)
    for seed in (-1, 17):
        f(seed, 1)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            try:
                os.write(w, f(-1, 4).tobytes())
            finally:
                os._exit(0)
        os.close(w)
        data = b""
        while len(data) < 32:
            chunk = os.read(r, 32 - len(data))
            if not chunk:
                break
            data += chunk
        os.close(r)
        os.waitpid(pid, 0)
        child = np.frombuffer(data, dtype=np.float64)
        assert child.size == 4
        assert not np.array_equal(child, f(-1, 4))


# ---------------------------------------------------------------------------
# 5. Errors: NumPy's classes and messages, with the caller's line

ERRORS = [
    ("np.random.normal(0.0, -1.0)", ValueError, r"scale < 0"),
    ("np.random.normal(0.0, -1.0, 3)", ValueError, r"scale < 0"),
    ("np.random.exponential(-2.0)", ValueError, r"scale < 0"),
    ("np.random.exponential(-2.0, 4)", ValueError, r"scale < 0"),
    ("np.random.uniform(0.0, np.inf)", OverflowError, r"Range exceeds valid bounds"),
    ("np.random.randint(5, 1)", ValueError, r"low >= high"),
    ("np.random.randint(3, 3, 2)", ValueError, r"low >= high"),
    ("np.random.randint(0)", ValueError, r"high <= 0"),
    ("np.random.randint(-4, size=3)", ValueError, r"high <= 0"),
    ("np.random.binomial(10, 1.5)", ValueError, r"p < 0, p > 1 or p is NaN"),
    ("np.random.binomial(10, -0.1, 3)", ValueError, r"p < 0, p > 1 or p is NaN"),
    ("np.random.binomial(10, np.nan)", ValueError, r"p < 0, p > 1 or p is NaN"),
    ("np.random.binomial(-1, 0.5)", ValueError, r"n < 0"),
    ("np.random.poisson(-1.0)", ValueError, r"lam < 0 or lam is NaN"),
    ("np.random.poisson(np.nan, 3)", ValueError, r"lam < 0 or lam is NaN"),
    ("np.random.poisson(1e20)", ValueError, r"lam value too large"),
    ("np.random.choice(5, 6, False)", ValueError, r"Cannot take a larger sample than population when 'replace=False'"),
    ("np.random.choice(0)", ValueError, r"a must be greater than 0 unless no samples are taken"),
    ("np.random.choice(-2, 3)", ValueError, r"a must be greater than 0 unless no samples are taken"),
    ("np.random.random(-1)", ValueError, r"negative dimensions are not allowed"),
    ("np.random.normal(0.0, 1.0, (2, -1))", ValueError, r"negative dimensions are not allowed"),
]


@pytest.mark.parametrize("expr, exc, pattern", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_numpys_errors_naming_the_line(expr, exc, pattern):
    source = f"""
        def f():
            x = 1
            return {expr}
    """
    py = make_function(source)
    # NumPy itself raises the same class with the same message.
    with pytest.raises(exc, match=pattern):
        py()
    f = njit(py)
    with pytest.raises(exc, match=pattern) as info:
        f()
    message = str(info.value)
    assert f"line 3: return {expr}" in message, message
    assert py.__code__.co_filename in message


def test_errors_on_arrays_name_the_line():
    source = """
        def f(a):
            return np.random.choice(a)
    """
    f = njit(make_function(source))
    with pytest.raises(ValueError, match="'a' cannot be empty unless no samples are taken.*line 2"):
        f(np.ones(0))
    with pytest.raises(ValueError, match="a must be 1-dimensional.*line 2"):
        f(np.ones((2, 2)))


@pytest.mark.parametrize(
    "expr",
    ["np.random.randint(1.5, 5)", "np.random.seed(1.0)", "np.random.binomial(10.0, 0.5)"],
)
def test_float_where_numba_takes_an_int_is_a_typing_error(expr):
    from jitufunc.errors import TypingError

    f = compiled(f"""
        def f():
            return {expr}
    """)
    with pytest.raises(TypingError, match="takes integers"):
        f()


def test_errors_inside_a_callee_and_the_error_is_raised_once():
    f = compiled("""
        def f(s):
            total = 0.0
            for i in range(3):
                total += np.random.normal(0.0, s - i)
            return total
    """)
    assert math.isfinite(f(5.0))
    with pytest.raises(ValueError, match=r"^scale < 0 \(in 'f', .*line 4: total \+= np\.random\.normal\(0\.0, s - i\)\)$"):
        f(1.0)


# ---------------------------------------------------------------------------
# 6. Speed and memory


def test_monte_carlo_pi():
    f = compiled("""
        def pi(n):
            np.random.seed(2024)
            c = 0
            for i in range(n):
                x = np.random.random()
                y = np.random.random()
                if x * x + y * y < 1.0:
                    c += 1
            return 4.0 * c / n
    """)
    n = 4_000_000
    est = f(n)
    # Binomial standard error of the estimate: 4 * sqrt(p (1 - p) / n).
    p = math.pi / 4
    assert abs(est - math.pi) < 5 * 4 * math.sqrt(p * (1 - p) / n)


def _live_blocks():
    s = _core.memory_stats()
    return s["allocated"] - s["freed"]


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_arrays_from_many_calls_are_freed():
    inner = compiled("""
        def inner(n):
            s = 0.0
            for i in range(n):
                a = np.random.normal(0.0, 1.0, 64)
                b = np.random.randint(0, 9, (4, 4))
                c = np.random.permutation(32)
                s += a[0] + b[1, 1] + c[0]
            return s
    """)
    outer = compiled("""
        def outer():
            return np.random.random(256)
    """)
    inner(10)
    outer()
    gc.collect()
    blocks = _live_blocks()
    start = _rss_mb()
    inner(100_000)
    for _ in range(100_000):
        r = outer()
    del r
    gc.collect()
    assert _live_blocks() == blocks
    assert _rss_mb() - start < 16, f"RSS grew {_rss_mb() - start:.1f} MB"


# ---------------------------------------------------------------------------
# 7. In @vectorize and @guvectorize kernels (the same generator)


@pytest.mark.parametrize("target", ["cpu", "parallel"])
def test_vectorize_kernels_draw_per_element(target):
    from jitufunc import vectorize

    k = vectorize(["float64(float64)"], target=target)(make_function("""
        def k(x):
            return x + np.random.normal(0.0, 2.0)
    """))
    r = k(np.full(N, 3.0))
    assert np.unique(r).size == N
    check_moments(r, 3.0, 4.0)


def test_guvectorize_kernels_draw_per_element_in_every_outer_iteration():
    from jitufunc import guvectorize

    g = guvectorize(["void(float64[:], float64[:])"], "(n)->(n)")(make_function("""
        def g(x, out):
            for i in range(x.shape[0]):
                out[i] = x[i] + np.random.random()
    """))
    # Several outer iterations run in one kernel call when the kernel's
    # control flow allows it: a draw is never shared between them.
    r = g(np.zeros((20_000, 3)))
    assert np.unique(r).size == r.size
    check_moments(r.ravel(), 0.5, 1 / 12)
    h = guvectorize(["void(float64, float64[:])"], "()->()")(make_function("""
        def h(x, out):
            out[0] = x + np.random.randint(0, 4)
    """))
    seed = compiled("""
        def seed(s):
            np.random.seed(s)
    """)
    seed(8)  # this thread's generator, which the cpu target draws from
    check_counts(h(np.zeros(N)), {k: 0.25 for k in range(4)})


# ---------------------------------------------------------------------------
# 8. The inline step is the runtime's step


def test_the_inline_uniform_step_is_the_runtimes_xoshiro_step():
    from jitufunc._intrinsics import random_double, random_integer, random_seed

    # random_integer(0, 2**53) is the runtime's next_u64() >> 11 exactly
    # (Lemire's method with a power-of-two range never rejects), and the
    # inline random_double() is (next_u64() >> 11) * 2**-53: the same
    # seed must give the same 53-bit numbers, draw after draw.
    f = compiled("""
        def f(n):
            random_seed(99)
            a = np.empty(n)
            for i in range(n):
                a[i] = random_double()
            random_seed(99)
            b = np.empty(n, dtype=np.int64)
            for i in range(n):
                b[i] = random_integer(0, 9007199254740992)
            return a, b
    """, random_seed=random_seed, random_double=random_double, random_integer=random_integer)
    a, b = f(1000)
    assert np.array_equal(a * 2.0**53, b.astype(np.float64))


# ---------------------------------------------------------------------------
# 9. prange loops: every worker draws from a stream of its own


def test_prange_workers_draw_streams_of_their_own():
    from jitufunc import prange

    fill = njit(parallel=True)(make_function("""
        def fill(n):
            out = np.empty(n)
            for i in prange(n):
                out[i] = np.random.random()
            return out
    """, {"prange": prange}))
    a = fill(N)
    assert np.unique(a).size == N
    check_moments(a, 0.5, 1 / 12)
    pi = njit(parallel=True)(make_function("""
        def pi(n):
            c = 0
            for i in prange(n):
                x = np.random.random()
                y = np.random.random()
                if x * x + y * y < 1.0:
                    c += 1
            return 4.0 * c / n
    """, {"prange": prange}))
    n = 2_000_000
    p = math.pi / 4
    assert abs(pi(n) - math.pi) < 5 * 4 * math.sqrt(p * (1 - p) / n)


def test_errors_in_prange_bodies_name_the_line():
    from jitufunc import prange

    f = njit(parallel=True)(make_function("""
        def f(scales):
            out = np.empty(scales.size)
            for i in prange(scales.size):
                out[i] = np.random.normal(0.0, scales[i])
            return out
    """, {"prange": prange}))
    assert f(np.ones(100)).shape == (100,)
    s = np.ones(100_000)
    s[77_777] = -1.0
    with pytest.raises(ValueError, match=r"scale < 0 \(in .*line 4: out\[i\] = np\.random\.normal"):
        f(s)
