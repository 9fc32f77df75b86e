"""A slice in a gufunc kernel: a `slice` value in untyped IR, a view
(`array.subscript`) after typing, as in @jit functions."""
SIGNATURES = ["void(float64[:], float64[:])"]
LAYOUT = "(n)->()"


def kernel(x, out):
    y = x[1::2]
    out[0] = y[0]
