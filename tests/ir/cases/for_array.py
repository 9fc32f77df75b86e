"""for over an array: its length and an element load per iteration; a
returned output."""
SIGNATURES = ["float32(int16[:])"]
LAYOUT = "(n)->()"


def kernel(x):
    best = x[0]
    for v in x:
        if v > best:
            best = v
    return best * 0.5
