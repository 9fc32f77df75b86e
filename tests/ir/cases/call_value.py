"""Calling a parameter: `g(x)` is `call_value` with the callee first. A
@jit function or jitufunc ufunc passed as `g` types it as a call of that
kernel (the dispatcher gives `g` a function type); a number is not
callable."""
SIGNATURES = ["(float64, float64)"]
JIT = True


def kernel(g, x):
    return g(x) + 1.0
