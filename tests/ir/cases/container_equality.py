"""`==` between typed Lists (`list.equal`, the runtime comparing items as
Python does; `!=` is its `not`), between tuples (each pair of items
compared, folded with `select` from the last pair), and `in` on a List of
tuples (`list.contains` with the tuple as the items' type)."""

JIT = True
SIGNATURES = ["(ListType[Tuple(int64, float64)], ListType[Tuple(int64, float64)], int64)"]


def kernel(a, b, k):
    same = a == b
    other = a != b
    pair = (k, 1.5) == (k, 1)
    found = (k, 2.0) in a
    return same, other, pair, found
