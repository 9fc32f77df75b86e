"""Array expressions in @jit: each operator on arrays is a `map` of a small
element function over the broadcast operands; a map whose array only feeds
a later map of the same block is fused into it (`t` and `u` are never
made: one loop computes the comparison, the intermediate dtypes kept by
conversions). The literal 4.1 stays a constant of the element function
(NumPy's rules for Python numbers)."""
SIGNATURES = ["(float64[:, ::1], float32[::1])"]
JIT = True


def kernel(a, b):
    t = a * b
    u = t - 4.1 * a
    return u > 2.5 * b
