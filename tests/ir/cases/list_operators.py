"""Python's list operators on typed Lists: `[0.0] * n` (`list.repeat` of a
literal, a new List), `a + b` (`list.concat`, a new List of one item
type) and `a += [x]` (`list.extend` into `a`, which stays the value of
`a`; the literal `[x]` takes `a`'s item type)."""

JIT = True
SIGNATURES = ["(ListType[float64], int64)"]


def kernel(a, n):
    zeros = [0.0] * n
    both = a + zeros
    a += [n]
    return both, a
