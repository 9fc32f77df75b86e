"""Methods of a ``numpy.random.Generator`` passed to ``@jit`` code, written
in Python over its bit generator's own draws (``bitgen_double(g)``,
``bitgen_uint64(g)``: NumPy's ``bitgen_t`` functions, so every draw
advances the Generator's state as its own methods do).

``g.random()`` and ``g.uniform()`` compute what NumPy's do from the same
draws, so they give NumPy's very numbers; ``g.normal()``,
``g.standard_normal()``, ``g.exponential()`` and ``g.integers()`` use
other exact algorithms (Marsaglia's polar method, inversion, masked
rejection) on the same bits: statistically NumPy's distributions, not its
streams. The forms are NumPy's: a scalar when ``size`` is omitted or
``None``, else a new C-ordered array of that shape. ``_numpy_functions``
adds these to ``METHODS`` (none is a NumPy array method).
"""

import math

import numpy as np

from ._intrinsics import bitgen_double, bitgen_uint64
from .decorators import njit


@njit
def _gauss(g):
    # Marsaglia's polar method: a point uniform in the unit disc.
    while True:
        x = 2.0 * bitgen_double(g) - 1.0
        y = 2.0 * bitgen_double(g) - 1.0
        r2 = x * x + y * y
        if r2 < 1.0 and r2 != 0.0:
            return x * math.sqrt(-2.0 * math.log(r2) / r2)


@njit
def _bounded(g, low, span):
    # A uniform int64 in [low, low + span] (span >= 0 as uint64): masked
    # rejection, exact for every span.
    if span == 0:
        return low
    mask = span
    mask |= mask >> np.uint64(1)
    mask |= mask >> np.uint64(2)
    mask |= mask >> np.uint64(4)
    mask |= mask >> np.uint64(8)
    mask |= mask >> np.uint64(16)
    mask |= mask >> np.uint64(32)
    while True:
        v = bitgen_uint64(g) & mask
        if v <= span:
            return low + np.int64(v)


@njit
def random(g, size=None):
    if size is None:
        return bitgen_double(g)
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = bitgen_double(g)
    return out


@njit
def uniform(g, low=0.0, high=1.0, size=None):
    width = high - low
    if not math.isfinite(width):
        raise OverflowError("high - low range exceeds valid bounds")
    if size is None:
        return low + width * bitgen_double(g)
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = low + width * bitgen_double(g)
    return out


@njit
def standard_normal(g, size=None):
    if size is None:
        return _gauss(g)
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = _gauss(g)
    return out


@njit
def normal(g, loc=0.0, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return loc + scale * _gauss(g)
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = loc + scale * _gauss(g)
    return out


@njit
def exponential(g, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return -math.log1p(-bitgen_double(g)) * scale
    out = np.empty(size)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = -math.log1p(-bitgen_double(g)) * scale
    return out


@njit
def integers(g, low, high=None, size=None, endpoint=False):
    if high is None:
        lo = np.int64(0)
        hi = np.int64(low)
    else:
        lo = np.int64(low)
        hi = np.int64(high)
    if not endpoint:
        if lo >= hi:
            raise ValueError("low >= high")
        hi = hi - 1
    elif lo > hi:
        raise ValueError("low > high")
    span = np.uint64(hi) - np.uint64(lo)
    if size is None:
        return _bounded(g, lo, span)
    out = np.empty(size, dtype=np.int64)
    flat = out.ravel()
    for i in range(flat.size):
        flat[i] = _bounded(g, lo, span)
    return out


METHODS = {
    "random": random,
    "uniform": uniform,
    "standard_normal": standard_normal,
    "normal": normal,
    "exponential": exponential,
    "integers": integers,
}
