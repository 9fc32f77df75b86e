"""``prange``: a ``range`` whose iterations may run in parallel.

Inside ``@jit(parallel=True)`` (``@njit(parallel=True)``) functions, each
``for i in prange(...)`` loop (the outermost one, when they nest) runs its
iterations on jitufunc's thread pool; everywhere else, compiled or not, it
is ``range``. See docs/api.md ("Parallel loops") for what the loop body
may do.
"""


class prange:
    """``prange(stop)``, ``prange(start, stop[, step])``: ``range``, whose
    iterations ``@jit(parallel=True)`` runs in parallel."""

    def __new__(cls, *args):
        return range(*args)
