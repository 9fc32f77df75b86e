"""for over enumerate(...) and zip(...) (one trip counter; the item of
trip k made from k: a tuple of the index and the items, as many trips as
the shortest), over a tuple variable of one kind (a select chain picks
item k), and over a tuple written in the loop (the body once per item,
each with its own type)."""
SIGNATURES = ["(float64[:], int64[:], (int64, int64))"]
JIT = True


def kernel(a, b, t):
    s = 0.0
    for i, (x, y) in enumerate(zip(a, b), 1):
        s += i * x + y
    for v in t:
        s -= v
    for w in (1, 2.5):
        s *= w
    return s
