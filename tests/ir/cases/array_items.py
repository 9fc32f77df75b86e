"""Arrays as items of typed containers: `l[0]` of a List of arrays is a
view record loaded from the List (`list.get`, an owned array aliasing the
List: `array.incref` takes its reference); `l.append(a)` stores the
argument's view (`list.append`: codegen gives the stored record an owner
block of its own, `jitufunc_rt_view_own`); `d[k] = np.zeros(n)` stores an
array the function made (`dict.set`)."""

import numpy as np

JIT = True
SIGNATURES = ["(ListType[array(float64, 1d, A)], float64[::1], DictType[int64,array(float64, 1d, C)])"]


def kernel(l, a, d):
    first = l[0]
    first[0] = 1.0
    l.append(a)
    d[0] = np.zeros(3)
    return first.sum()
