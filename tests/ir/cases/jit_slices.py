"""@jit slicing: slice values (omitted parts are the int64 minimum), a
subscript view with an int and a slice, and slice assignment."""
SIGNATURES = ["(float64[:, :], int64)"]
JIT = True


def kernel(a, i):
    row = a[i, 1::2]
    a[:, 0] = 0.0
    a[i] = a[0]
    return row
