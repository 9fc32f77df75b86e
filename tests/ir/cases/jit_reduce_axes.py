"""A tuple of axes written in the call (`np.sum(a, axis=(0, -1))`) is one
call with each axis an operand of its own; typing reduces along them one
after the other, from the highest axis (-1 is 2 for a 3-d array), so the
mean is a mean of means."""
import numpy as np

SIGNATURES = ["(float64[:, :, :],)"]
JIT = True


def kernel(a):
    return np.sum(a, axis=(0, -1)), a.mean(axis=(1, 2))
