"""math and NumPy functions resolve to typed math operations; min() to a select."""
import math

import numpy as np

SIGNATURES = ["float32(float32)", "complex128(complex128)"]


def kernel(x):
    return np.sqrt(x) + math.exp(-abs(x))
