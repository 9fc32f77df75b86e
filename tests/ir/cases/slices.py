"""A slice is part of the syntax tree and of untyped IR (a `slice` value
passed to getitem); typing rejects it for now."""
SIGNATURES = ["void(float64[:], float64[:])"]
LAYOUT = "(n)->()"


def kernel(x, out):
    y = x[1::2]
    out[0] = y[0]
