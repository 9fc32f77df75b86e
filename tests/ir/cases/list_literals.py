"""List literals without comprehensions, read from source and rebuilt
from bytecode alike: `[]` typed from its appends, `[1, 2.5]` from its
items (joined as NumPy promotes), a list of lists."""

JIT = True
SIGNATURES = ["(int64,)"]


def kernel(n):
    halves = []
    for i in range(n):
        halves.append(i * 0.5)
    mixed = [1, 2.5, n]
    rows = [[1, 2], [n]]
    return halves, mixed, rows
