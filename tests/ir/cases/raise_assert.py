"""raise and assert end blocks with a `raise` terminator; the allocated
array is released before each."""
import numpy as np

SIGNATURES = ["(int64)"]
JIT = True


def kernel(n):
    a = np.zeros(2)
    if n < 0:
        raise ValueError("negative n")
    assert n < 100, "n too large"
    return a[0] + n
