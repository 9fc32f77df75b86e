"""Typed container methods that are IR operations: `l.sort()` (jitufunc's
`sort` method: a constant `is_typed_list` keeps only the List branch, then
`list.sort`), `l.copy()` (`list.copy`, a new reference), `l[1:]` (`list.slice`, a new
reference), `d.copy()` (`dict.copy`), `l.clear()` and `d.clear()`; `l.insert` is compiled from Python (`_container_methods`),
a call of another function."""

from jitufunc.typed import Dict, List

JIT = True
SIGNATURES = ["(ListType[float64], DictType[int64,float64])"]


def kernel(l, d):
    l.sort()
    c = l.copy()
    c.insert(0, 1.0)
    tail = c[1:]
    e = d.copy()
    l.clear()
    d.clear()
    return c, tail, e
