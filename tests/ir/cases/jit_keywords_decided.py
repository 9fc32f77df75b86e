"""Calls of another @jit function with keywords bind them to its
parameters (the ones left out before the last given take their defaults:
`scaled(a, bias=1.0)` passes `factor=2.0`); integer comparisons known at
typing time (`a.ndim == 1`, `a.ndim == 2 and n > 0`, through the block
parameter `and` makes) are constants, so the branch they decide is pruned
and the other side (`a[0, 0]` of a 1-d array) is never typed."""
from jitufunc import njit

SIGNATURES = ["(float64[:],)", "(float64[:, :],)"]
JIT = True


@njit
def scaled(x, factor=2.0, bias=0.0):
    return x * factor + bias


def kernel(a):
    n = 3
    if a.ndim == 1:
        return scaled(a[0], bias=1.0)
    if a.ndim == 2 and n > 0:
        return scaled(x=a[0, 0], factor=n)
    return 0.0
