"""Typed List and Dict methods inside ``@jit`` written in Python on the
containers' primitives (``len``, ``l[i]``, ``l[i] = v``, ``append``,
``pop``; ``d[k]``, ``k in d``, loops), compiled like any ``@njit``
function: ``l.insert(i, v)``, ``l.extend(other)``, ``l.index(v)``,
``l.count(v)``, ``l.remove(v)``, ``l.reverse()``, ``d.setdefault(k, v)``,
``d.update(other)``, ``d.popitem()``.

``_numpy_functions.METHODS`` maps the method names to them (the receiver
is passed first); none of the names is a NumPy array method. Results and
errors are Python's ``list``'s and ``dict``'s.
"""

from .decorators import njit


@njit
def insert(l, i, v):
    n = len(l)
    if i < 0:
        i += n
        if i < 0:
            i = 0
    elif i > n:
        i = n
    l.append(v)
    k = n
    while k > i:
        l[k] = l[k - 1]
        k -= 1
    l[i] = v


@njit
def extend(l, other):
    # The length first: `l.extend(l)` doubles the list, as Python's does.
    n = len(other)
    for k in range(n):
        l.append(other[k])


@njit
def index(l, v, start=0, stop=9223372036854775807):
    n = len(l)
    if start < 0:
        start = max(start + n, 0)
    if stop < 0:
        stop += n
    stop = min(stop, n)
    for k in range(start, stop):
        if l[k] == v:
            return k
    raise ValueError("list.index(x): x not in list")


@njit
def count(l, v):
    c = 0
    for x in l:
        if x == v:
            c += 1
    return c


@njit
def remove(l, v):
    for k in range(len(l)):
        if l[k] == v:
            l.pop(k)
            return
    raise ValueError("list.remove(x): x not in list")


@njit
def reverse(l):
    i = 0
    j = len(l) - 1
    while i < j:
        t = l[i]
        l[i] = l[j]
        l[j] = t
        i += 1
        j -= 1


@njit
def setdefault(d, k, v):
    if k not in d:
        d[k] = v
    return d[k]


@njit
def update(d, other):
    for k, v in other.items():
        d[k] = v


@njit
def popitem(d):
    # The last key in insertion order (the loop walks to it: the table's
    # order is not indexable from compiled code).
    n = len(d)
    seen = 0
    for k in d:
        seen += 1
        if seen == n:
            return k, d.pop(k)
    raise KeyError("popitem(): dictionary is empty")


METHODS = {
    "insert": insert,
    "extend": extend,
    "index": index,
    "count": count,
    "remove": remove,
    "reverse": reverse,
    "setdefault": setdefault,
    "update": update,
    "popitem": popitem,
}
