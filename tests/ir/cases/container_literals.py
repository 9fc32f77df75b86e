"""List and dict literals and comprehensions: `list.literal`/`dict.literal`
in untyped IR, their item types found from the items and from every store
(`append`, `d[k] = v`), a nested list of a container type, and `x in l`
(`list.contains`, compared in the items' and the value's common type)."""

from jitufunc import types
from jitufunc.typed import List

JIT = True
# The bytecode frontend (functions without source) refuses dict literals
# and comprehensions; list literals alone: the case `list_literals`.
SOURCE_ONLY = "dict literals and comprehensions are not rebuilt from bytecode yet"
SIGNATURES = ["(int64,)"]

ROW = types.ListType(types.int64)


def kernel(n):
    squares = [i * i for i in range(n) if i % 2 == 0]
    halves = []
    for i in range(n):
        halves.append(i * 0.5)
    d = {k: v for k, v in zip(squares, halves)}
    d[n] = 1
    rows = List.empty_list(ROW)
    rows.append([1, 2])
    return squares, halves, d, rows, 2.5 in squares
