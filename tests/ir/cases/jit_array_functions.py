"""@jit array functions that are their own ops: array.reshape (a view or
a copy, holding its own reference), array.eye, array.linspace; and the
ones made of other ops: np.zeros_like (shape, empty, fill), np.array of a
nested list (empty, then a store per number), a.flatten (a copy, then a
reshape of it)."""
import numpy as np

SIGNATURES = ["(float64[:, :], int64)"]
JIT = True


def kernel(a, n):
    r = a.reshape(-1, 2)
    e = np.eye(n, n + 1, 1)
    s = np.linspace(0, 1, n, endpoint=False)
    z = np.zeros_like(a)
    t = np.array([[1, 2.5], [3, n]])
    f = a.flatten()
    return r, e, s, z, t, f
