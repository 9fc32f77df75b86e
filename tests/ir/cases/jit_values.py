"""@jit values known from their types: `out is None` is a constant for each
signature, so the branch it decides is pruned before typing (with `out`
None, the untaken side never types `out[i]`); `a.dtype` is a compile-time
dtype passed as dtype=; a global array is a frozen read-only constant;
`sum(range(n))` is a loop."""
import numpy as np

SIGNATURES = ["(float64[:], none)", "(float64[:], float32[:])"]
JIT = True

WEIGHTS = np.array([0.5, 0.25, 0.25])


def kernel(a, out):
    if out is None:
        out = np.zeros(a.shape[0], a.dtype)
    for i in range(a.shape[0]):
        out[i] = a[i] * WEIGHTS[i % 3] + sum(range(i))
    return out
