"""Operations that jitufunc's own NumPy functions (``_numpy_functions``)
call and the core compiles to a runtime call; not for users.

Each is also a plain Python function with the same meaning, so the NumPy
functions written with them still run as Python (the compiled code never
calls these bodies).
"""

import numpy as np


def blas_matmul(out, a, b):
    """``out[...] = a @ b`` by NumPy's BLAS; whether it was done.

    Compiled: the BLAS call when ``out``, ``a`` and ``b`` are 2-d arrays of
    one float or complex dtype and BLAS can read them as they are (rows or
    columns contiguous, ``out`` not overlapping them); otherwise False,
    with nothing written, and the caller runs its own loop.
    """
    np.matmul(a, b, out=out)
    return True


def is_typed_list(x):
    """Whether ``x`` is a ``jitufunc.typed.List`` (compiled: a constant of
    ``x``'s type, so the other branch of an ``if`` on it is never typed)."""
    from .typed import List

    return isinstance(x, List)


def list_sort(l):
    """Sorts typed List ``l`` of numbers in place, ascending (NaN last)."""
    l.sort()


# --- the random generator of compiled code (``_numpy_random``) ----------------
#
# Compiled, each is a step of the calling thread's generator
# (``engine::random`` in the core), separate from NumPy's global state.
# As Python they draw from a RandomState of their own.

# Made on first use: the core imports this module when it reads the first
# kernel, and `numpy.random` takes longer to import than a kernel takes to
# compile.
_state = []


def _fallback():
    if not _state:
        _state.append(np.random.RandomState())
    return _state[0]


def random_seed(seed):
    """Reseeds the calling thread's generator (the seed's 64 bits)."""
    _fallback().seed(int(seed) & 0xFFFFFFFF)


def random_double():
    """A float uniform in [0, 1)."""
    return float(_fallback().random_sample())


def bitgen_double(g):
    """The next double in [0, 1) of numpy.random.Generator ``g``'s bit
    generator (as ``g.random()``)."""
    return float(g.random())


def bitgen_uint64(g):
    """The next 64 random bits of ``g``'s bit generator, as an integer."""
    return int(g.bit_generator.random_raw())


def random_normal():
    """A standard normal float."""
    return float(_fallback().standard_normal())


def random_integer(lo, hi):
    """An int uniform in [lo, hi) (lo < hi)."""
    return int(_fallback().randint(lo, hi, dtype=np.int64))


def random_poisson(lam):
    """A Poisson int of mean ``lam`` (0 <= lam)."""
    return int(_fallback().poisson(lam))


def random_binomial(n, p):
    """A binomial int (n >= 0, 0 <= p <= 1)."""
    return int(_fallback().binomial(n, p))
