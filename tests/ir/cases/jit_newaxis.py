"""a[None, ..., 1:] in @jit: `...` becomes full slices of the axes nothing
else indexes, the subscript takes the ints and slices, then array.newaxis
inserts each new axis (a length-1 axis of stride 0) where NumPy puts it."""
SIGNATURES = ["(float64[:, :, :],)"]
JIT = True


def kernel(a):
    return a[None, ..., 1:]
