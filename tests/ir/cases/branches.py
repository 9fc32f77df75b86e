"""if/elif/else: one block per arm, the results meet in a block parameter."""
SIGNATURES = ["float64(float64)"]


def kernel(x):
    if x < 0.0:
        y = -x
    elif x < 1.0:
        y = x * x
    else:
        y = 1.0
    return y
