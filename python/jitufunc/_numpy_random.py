"""``np.random.*`` inside ``@jit``, written in Python over the generator's
primitives (``jitufunc._intrinsics.random_*``).

The generator is compiled code's own: one state per thread (the core's
``engine::random``, xoshiro256++), separate from NumPy's global
``RandomState`` as in Numba. ``np.random.seed(n)`` called inside compiled
code reseeds the calling thread's state; ``np.random.seed`` called from
Python does not touch it. A thread that never seeded starts from OS
entropy, so every thread (each worker of the rayon pool too) draws from a
stream of its own.

The forms are Numba's (plus NumPy's keywords): a scalar when ``size`` is
omitted or ``None``, else a new C-ordered array of that shape (an int or a
tuple). Arguments are checked as NumPy checks them, with NumPy's exception
classes and messages. Results match NumPy's dtypes (Python floats and
ints for scalars, float64 and int64 arrays); they are statistically, not
bitwise, NumPy's.
"""

import math

import numpy as np

from ._intrinsics import (
    random_binomial,
    random_double,
    random_integer,
    random_normal,
    random_poisson,
    random_seed,
)
from .decorators import njit

# NumPy's largest Poisson mean (int64's maximum less ten standard
# deviations).
_POISSON_LAM_MAX = 9.223372006484771e18


# --- filling arrays -------------------------------------------------------------
#
# One loop per distribution over ``out.ravel()``, a view of the new
# C-ordered array (no closures in compiled code).


@njit
def _doubles(size):
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = random_double()
    return out


@njit
def _uniforms(low, high, size):
    out = np.empty(size)
    flat = out.ravel()
    width = high - low
    for i in range(flat.size):
        flat[i] = low + width * random_double()
    return out


@njit
def _normals(loc, scale, size):
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = loc + scale * random_normal()
    return out


@njit
def _exponential(scale):
    # 1 - u lies in (0, 1]: the logarithm is finite.
    return -math.log(1.0 - random_double()) * scale


@njit
def _exponentials(scale, size):
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = _exponential(scale)
    return out


@njit
def _integers(low, high, size):
    out = np.empty(size, dtype=np.int64)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = random_integer(low, high)
    return out


@njit
def _binomials(n, p, size):
    out = np.empty(size, dtype=np.int64)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = random_binomial(n, p)
    return out


@njit
def _poissons(lam, size):
    out = np.empty(size, dtype=np.int64)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = random_poisson(lam)
    return out


# --- the functions ----------------------------------------------------------------


@njit
def seed(seed):
    # As Numba: any integer (its 64 bits seed the generator).
    random_seed(seed)


@njit
def random(size=None):
    if size is None:
        return random_double()
    return _doubles(size)


@njit
def rand(d0=None, d1=None, d2=None, d3=None, d4=None):
    if d0 is None:
        return random_double()
    if d1 is None:
        return _doubles((d0,))
    if d2 is None:
        return _doubles((d0, d1))
    if d3 is None:
        return _doubles((d0, d1, d2))
    if d4 is None:
        return _doubles((d0, d1, d2, d3))
    return _doubles((d0, d1, d2, d3, d4))


@njit
def randn(d0=None, d1=None, d2=None, d3=None, d4=None):
    if d0 is None:
        return random_normal()
    if d1 is None:
        return _normals(0.0, 1.0, (d0,))
    if d2 is None:
        return _normals(0.0, 1.0, (d0, d1))
    if d3 is None:
        return _normals(0.0, 1.0, (d0, d1, d2))
    if d4 is None:
        return _normals(0.0, 1.0, (d0, d1, d2, d3))
    return _normals(0.0, 1.0, (d0, d1, d2, d3, d4))


@njit
def uniform(low=0.0, high=1.0, size=None):
    lo = float(low)
    hi = float(high)
    if not math.isfinite(hi - lo):
        raise OverflowError("Range exceeds valid bounds")
    if size is None:
        return lo + (hi - lo) * random_double()
    return _uniforms(lo, hi, size)


@njit
def normal(loc=0.0, scale=1.0, size=None):
    if scale < 0:
        raise ValueError("scale < 0")
    if size is None:
        return float(loc) + float(scale) * random_normal()
    return _normals(float(loc), float(scale), size)


@njit
def standard_normal(size=None):
    if size is None:
        return random_normal()
    return _normals(0.0, 1.0, size)


@njit
def exponential(scale=1.0, size=None):
    if scale < 0:
        raise ValueError("scale < 0")
    if size is None:
        return _exponential(float(scale))
    return _exponentials(float(scale), size)


@njit
def standard_exponential(size=None):
    if size is None:
        return _exponential(1.0)
    return _exponentials(1.0, size)


@njit
def randint(low, high=None, size=None):
    if high is None:
        if low <= 0:
            raise ValueError("high <= 0")
        lo = 0
        hi = low
    else:
        if low >= high:
            raise ValueError("low >= high")
        lo = low
        hi = high
    if size is None:
        return random_integer(lo, hi)
    return _integers(lo, hi, size)


@njit
def binomial(n, p, size=None):
    if n < 0:
        raise ValueError("n < 0")
    if not (p >= 0.0 and p <= 1.0):
        raise ValueError("p < 0, p > 1 or p is NaN")
    if size is None:
        return random_binomial(n, p)
    return _binomials(n, float(p), size)


@njit
def poisson(lam=1.0, size=None):
    if not (lam >= 0.0):
        raise ValueError("lam < 0 or lam is NaN")
    if lam > _POISSON_LAM_MAX:
        raise ValueError("lam value too large")
    if size is None:
        return random_poisson(lam)
    return _poissons(float(lam), size)


@njit
def _shuffle_1d(x):
    for i in range(x.shape[0] - 1, 0, -1):
        j = random_integer(0, i + 1)
        t = x[i]
        x[i] = x[j]
        x[j] = t


@njit
def _shuffle_rows(x):
    for i in range(x.shape[0] - 1, 0, -1):
        j = random_integer(0, i + 1)
        if j != i:
            t = x[i].copy()
            x[i] = x[j]
            x[j] = t


@njit
def shuffle(x):
    # In place, along the first axis (Fisher-Yates).
    if x.ndim == 1:
        _shuffle_1d(x)
    else:
        _shuffle_rows(x)


@njit
def permutation(x):
    if x.ndim == 0:
        out = np.arange(x)
        _shuffle_1d(out)
        return out
    out = x.copy()
    shuffle(out)
    return out


@njit
def _sample_indices(n, m, replace):
    """``m`` indices of ``range(n)`` (n > 0): drawn with replacement, or
    the first ``m`` of a partial Fisher-Yates shuffle."""
    out = np.empty(m, dtype=np.int64)
    if replace:
        for i in range(m):
            out[i] = random_integer(0, n)
        return out
    if m > n:
        raise ValueError("Cannot take a larger sample than population when 'replace=False'")
    pool = np.arange(n)
    for i in range(m):
        j = random_integer(i, n)
        t = pool[j]
        pool[j] = pool[i]
        pool[i] = t
        out[i] = t
    return out


@njit
def choice(a, size=None, replace=True):
    if a.ndim == 0:
        # An integer: a sample of range(a).
        if size is None:
            if a <= 0:
                raise ValueError("a must be greater than 0 unless no samples are taken")
            return random_integer(0, a)
        out = np.empty(size, dtype=np.int64)
        flat = out.ravel()
        if flat.size == 0:
            return out
        if a <= 0:
            raise ValueError("a must be greater than 0 unless no samples are taken")
        idx = _sample_indices(a, flat.size, replace)
        for i in range(flat.size):
            flat[i] = idx[i]
        return out
    if a.ndim != 1:
        raise ValueError("a must be 1-dimensional")
    n = a.shape[0]
    if size is None:
        if n == 0:
            raise ValueError("'a' cannot be empty unless no samples are taken")
        return a[random_integer(0, n)]
    out = np.empty(size, dtype=a.dtype)
    flat = out.ravel()
    if flat.size == 0:
        return out
    if n == 0:
        raise ValueError("'a' cannot be empty unless no samples are taken")
    idx = _sample_indices(n, flat.size, replace)
    for i in range(flat.size):
        flat[i] = a[idx[i]]
    return out


# --- the table the compiler reads (merged into ``_numpy_functions``) -----------

_BY_NAME = {
    "seed": seed,
    "random": random,
    "random_sample": random,
    "sample": random,
    "ranf": random,
    "rand": rand,
    "randn": randn,
    "uniform": uniform,
    "normal": normal,
    "standard_normal": standard_normal,
    "exponential": exponential,
    "standard_exponential": standard_exponential,
    "randint": randint,
    "binomial": binomial,
    "poisson": poisson,
    "shuffle": shuffle,
    "permutation": permutation,
    "choice": choice,
}

# (``sample`` and ``ranf`` are aliases some NumPy releases drop.)
FUNCTIONS = {
    getattr(np.random, name): f for name, f in _BY_NAME.items() if hasattr(np.random, name)
}
