"""for over range(): a counter and an accumulator carried around the loop."""
SIGNATURES = ["float64(int64, float64)"]


def kernel(n, x):
    s = 0.0
    for i in range(n):
        s += i * x
    return s
