"""The intrinsic blas_matmul(out, a, b) that np.dot and `@` are written
with: for three 2-d arrays of one float or complex dtype it is
array.blas_matmul (reads all three, writes out, gives a bool); for any
other dtypes it is the constant False, so the branch to the loop is all
that remains."""
import numpy as np

from jitufunc._intrinsics import blas_matmul

SIGNATURES = ["(float64[:, :], float64[:, ::1])", "(int64[:, :], int64[:, :])"]
JIT = True


def kernel(a, b):
    out = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    if blas_matmul(out, a, b):
        return out
    out[0, 0] = a[0, 0] * b[0, 0]
    return out
