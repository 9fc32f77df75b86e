"""Advanced indexing in @jit: a[idx] is array.take (a new array); a[mask]
checks the mask's shape (array.checkmask), makes the index arrays of its
non-zero elements (array.nonzero) and takes them; a[mask] = v is the same
index arrays and array.put."""
SIGNATURES = ["(float64[:, :], int32[:], bool[:, :])"]
JIT = True


def kernel(a, idx, mask):
    rows = a[idx]
    picked = a[mask]
    a[mask] = 0.0
    return rows, picked
