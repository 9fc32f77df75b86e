"""Operations that jitufunc's own NumPy functions (``_numpy_functions``)
call and the core compiles to a runtime call; not for users.

Each is also a plain Python function with the same meaning, so the NumPy
functions written with them still run as Python (the compiled code never
calls these bodies).
"""

import numpy as np


def blas_matmul(out, a, b):
    """``out[...] = a @ b`` by NumPy's BLAS; whether it was done.

    Compiled: the BLAS call when ``out``, ``a`` and ``b`` are 2-d arrays of
    one float or complex dtype and BLAS can read them as they are (rows or
    columns contiguous, ``out`` not overlapping them); otherwise False,
    with nothing written, and the caller runs its own loop.
    """
    np.matmul(a, b, out=out)
    return True
