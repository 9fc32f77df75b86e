"""Tuples: built, unpacked, and returned (a ufunc with two outputs)."""
SIGNATURES = ["(float64, int64)(int64, float64)"]


def kernel(a, b):
    t = (b, a)
    x, y = t
    return x, y
