"""np.where(c, x, y) of arrays: its element function computes both x and
y (here a / b for every element) and chooses with select, no branch, as
NumPy computes both arrays whole; a where= mask (np.add(..., where=m))
instead branches, computing only the elements it selects."""
import numpy as np

SIGNATURES = ["(float64[::1], float64[::1], bool[::1], float64[::1])"]
JIT = True


def kernel(a, b, m, out):
    np.add(a, b, out=out, where=m)
    return np.where(a > 0, a / b, 0.0)
