"""Values known from types alone: `a.dtype.kind` compared with a string
literal decides the branch when typing (the float branch is pruned for
int32), `np.finfo`/`np.iinfo` attributes are constants of NumPy's types,
`in` with a tuple of strings is decided, `a.dtype.type(0)` converts, and
`in` with a tuple of numbers becomes `==` tests."""
import numpy as np

SIGNATURES = ["float32(float32, int64)", "int32(int32, int64)"]


def kernel(x, k):
    if x.dtype.kind in ("f", "c"):
        y = x + np.finfo(x.dtype).eps
    else:
        y = min(x, np.iinfo(np.int32).max - 1)
    if k in (1, 3):
        y = y + x.dtype.type(1)
    return y
