"""Reductions along axes known only when running: np.sum(a, axis=k) moves
axis k (checked: AxisError) to the end of a view, then reduces the last
axis; a tuple of run-time axes moves both (checked: distinct) and reduces
the last two."""
import numpy as np

SIGNATURES = ["(float64[:, :, :], int64, int64)"]
JIT = True


def kernel(a, j, k):
    return np.sum(a, axis=k), a.max(axis=(j, k))
