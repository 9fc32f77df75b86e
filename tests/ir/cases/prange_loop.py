"""`for i in prange(...)` in a `parallel=True` function: the body becomes a
function of (lo, hi, start, step, captured..., reduced...) that `prange`
runs over chunks; `s += ...` and `m = min(m, ...)` are reductions (the
body starts them at their identities and returns the partials, which are
combined into the variables after the loop), `a` and `out` are captured,
`x` is private."""
from jitufunc import prange

JIT = True
PARALLEL = True
SIGNATURES = ["(float64[:], float64[:])"]


def kernel(a, out):
    s = 0.0
    m = 1e300
    for i in prange(1, a.shape[0], 2):
        x = a[i] * 2.0
        out[i] = x
        s += x
        m = min(m, x)
    return s, m
