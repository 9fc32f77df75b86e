"""@jit: arrays made inside (np.empty/zeros/full), a temporary in a loop,
one chosen in a branch and returned: the reference counts ir::refcount
inserts (increfs where a reference is shared or passed on an edge,
decrefs where a value dies, on the edge where it dies)."""
import numpy as np

SIGNATURES = ["(int64, bool)"]
JIT = True


def kernel(n, flag):
    s = 0.0
    for i in range(n):
        t = np.zeros((2, 3))
        s += t[1, 2] + i
    if flag:
        out = np.full(n, s)
    else:
        out = np.empty(n, np.float32)
        out[0] = 1.0
        out = np.ones(n)
    row = out[0]
    return out, row
