"""A typed Dict in @jit: `Dict.empty(types.int64, types.float32)` made and
returned (a new reference), `d[k] = v` (the key cast to the key type, the
value to the value type), `d[k]` (KeyError when missing), `k in d`,
`d.get(k, default)`, `d.pop(k)`, `d.pop(k, default)`, `len(d)`, and the
loops `for k in d` (a compaction giving the trip count, then the key of
entry k) and `for k, v in d.items()` (a tuple of the entry's key and
value); the argument dict is borrowed."""
from jitufunc import types
from jitufunc.typed import Dict

JIT = True
SIGNATURES = ["(DictType[int64,float64],)"]


def kernel(d):
    out = Dict.empty(types.int64, types.float32)
    d[3] = 1
    for k in d:
        out[k] = d[k] * 0.5
    s = 0.0
    for k, v in d.items():
        s += k * v
    if 3 in d:
        s += d.get(4, -1.0) + d.pop(3) + d.pop(5, 0.0)
    return out, s + len(d)
