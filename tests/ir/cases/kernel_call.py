"""A call of another kernel: untyped IR names it through the kernel table
(k0), typed IR calls its typed instance (fn1)."""
from jitufunc import vectorize

SIGNATURES = ["float64(float64)"]


@vectorize(["float64(float64)"])
def square(v):
    return v * v


def kernel(x):
    return square(x) + square(2.0 * x)
