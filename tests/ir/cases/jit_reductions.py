"""Reductions in @jit: `np.sum(a * b)` is one `reduce.sum` whose element
function multiplies (the map feeding it is fused away: no array is made);
`a.max(axis=0)` is a `reduce.max axis 0` into a new array; `np.mean(a > 0)`
is a `reduce.mean` of the comparison, which divides by the count itself."""
import numpy as np

SIGNATURES = ["(float64[:, ::1], float64[::1])"]
JIT = True


def kernel(a, b):
    return np.sum(a * b), a.max(axis=0), np.mean(a > 0)
