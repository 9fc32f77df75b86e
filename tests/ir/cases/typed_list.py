"""A typed List in @jit: `len`, `l[i]` (negative indices counted from the
end by the operation itself), `l[i] = v` (the value cast to the item
type), `l.append`, `l.pop()` (index -1) and `for x in l` (a loop over
`len(l)` and `l[k]`), and `List.empty_list(types.float32)` made and
returned (a new reference: no incref; the argument list is borrowed)."""
from jitufunc import types
from jitufunc.typed import List

JIT = True
SIGNATURES = ["(ListType[float64],)"]


def kernel(l):
    out = List.empty_list(types.float32)
    l[-1] = 2
    for x in l:
        out.append(x * 0.5)
    l.append(len(l))
    last = l.pop()
    return out, last + l[0]
