"""List and dict literals, comprehensions, ``List()``/``Dict()`` without
types and the container methods inside ``@njit``; typed containers of
tuples. Every compiled function is compared with the same code run as plain
Python (lists and dicts; values and Python types after converting the typed
containers recursively) and, where Numba accepts the construct, with
Numba. Where the join of the stored values changes the item type (``[1]``
then ``append(2.5)``), the values are compared with Python's and the item
type with the one the rule gives, written out by hand. Errors: type,
message and source line. Memory: the typed List and Dict header counts go
back to where they started once the results are dropped, also when the
function raises half-way."""

import gc
from types import FunctionType

import numpy as np
import pytest

from conftest import assert_clear_error, make_function
from jitufunc import _core, njit, types
from jitufunc.errors import TypingError, UnsupportedError
from jitufunc.typed import Dict, List

try:
    import numba
    from numba import typed as nb_typed
    from numba import types as nb_types
except Exception as exc:  # pragma: no cover - depends on the environment
    numba = None
    NUMBA_MISSING = f"numba cannot be imported: {exc!r}"
else:
    NUMBA_MISSING = ""


def needs_numba():
    if numba is None:
        pytest.skip(NUMBA_MISSING)


# ---------------------------------------------------------------- helpers

@pytest.fixture(autouse=True, scope="module")
def _frozen_heap():
    """``gc.collect()`` (run by ``live()``) only walks this module's
    objects: it is slow with Numba loaded otherwise."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def live():
    """(typed List headers, typed Dict headers) alive in the process."""
    gc.collect()
    stats = _core.memory_stats()
    return stats["lists_live"], stats["dicts_live"]


def is_list(x):
    return isinstance(x, (list, List)) or (numba is not None and isinstance(x, nb_typed.List))


def is_dict(x):
    return isinstance(x, (dict, Dict)) or (numba is not None and isinstance(x, nb_typed.Dict))


def to_py(x):
    """Plain Python lists, dicts, tuples and numbers for ``x``."""
    if is_list(x):
        return [to_py(i) for i in x]
    if is_dict(x):
        return {to_py(k): to_py(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(to_py(i) for i in x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def kinds(x):
    """The shape of ``x`` with each number replaced by its Python type."""
    if isinstance(x, list):
        return [kinds(i) for i in x]
    if isinstance(x, dict):
        return {k: kinds(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(kinds(i) for i in x)
    return type(x)


def same(got, expected):
    """``got`` holds exactly the values of ``expected`` (converted the same
    way), of the same Python types."""
    plain, want = to_py(got), to_py(expected)
    assert plain == want
    assert kinds(plain) == kinds(want)


def same_values(got, expected):
    """Equal values (an int stored in a float64 list compares equal to the
    Python int it came from), the types checked separately."""
    assert to_py(got) == to_py(expected)


def typed_only(x):
    """Every list and dict reached from ``x`` is a jitufunc typed one."""
    if isinstance(x, (list, dict)):
        raise AssertionError(f"a plain {type(x).__name__} was returned")
    if isinstance(x, List):
        for i in x:
            typed_only(i)
    elif isinstance(x, Dict):
        for v in x.values():
            typed_only(v)
    elif isinstance(x, tuple):
        for i in x:
            typed_only(i)


def type_of(x):
    """``ListType[...]`` / ``DictType[...]`` of a typed container (the
    repr up to the contents), or the Python type name."""
    if isinstance(x, (List, Dict)):
        r = repr(x)
        return r[:r.index("([")] if isinstance(x, List) else r[:r.index("<iv=None>") + len("<iv=None>")]
    return type(x).__name__


def python_version(src):
    """The function in ``src`` run as plain Python: ``List()``/``Dict()``
    are ``list()``/``dict()``."""
    return make_function(src, {"List": list, "Dict": dict})


_COMPILED = {}


def jit_version(src):
    if src not in _COMPILED:
        _COMPILED[src] = njit(make_function(src, {"List": List, "Dict": Dict, "types": types}))
    return _COMPILED[src]


_NUMBA = {}


def numba_version(src):
    if src not in _NUMBA:
        f = make_function(src)
        g = dict(f.__globals__, List=nb_typed.List, Dict=nb_typed.Dict, types=nb_types)
        _NUMBA[src] = numba.njit(FunctionType(f.__code__, g, f.__name__))
    return _NUMBA[src]


def copy_args(args, lib):
    """Fresh arguments: typed containers rebuilt (as plain lists and dicts
    for ``lib="python"``, Numba's for ``"numba"``), arrays copied."""
    out = []
    for a in args:
        if isinstance(a, List):
            items = list(a)
            if lib == "python":
                out.append(items)
            elif lib == "numba":
                out.append(nb_typed.List(items))
            else:
                out.append(List(items))
        elif isinstance(a, Dict):
            if lib == "python":
                out.append(dict(a))
            elif lib == "numba":
                d = nb_typed.Dict()
                for k, v in a.items():
                    d[k] = v
                out.append(d)
            else:
                out.append(Dict(dict(a)))
        elif isinstance(a, np.ndarray):
            out.append(a.copy())
        else:
            out.append(a)
    return out


# ---------------------------------------------------------------- literals and comprehensions
#
# (id, source, arguments, expected container types in the result (None:
# no typed container there), "same": Python's values of the same Python
# types / "values": equal values (the join changed the item type), numba:
# Numba compiles it and gives Python's values too).

A3 = np.array([3.0, -1.5, 2.0, 0.0])

PROGRAMS = [
    ("int-literals", """
def f(n):
    return [1, 2, n], {1: n, 2: 3}, [n], {n: 1.5}
""", (4,), ["ListType[int64]", "DictType[int64,int64]<iv=None>", "ListType[int64]",
            "DictType[int64,float64]<iv=None>"], "same", True),
    ("mixed-literal", """
def f(n):
    return [1, 2.5, n], [True, n], {1: 2, 2.5: True}
""", (4,), ["ListType[float64]", "ListType[int64]", "DictType[float64,int64]<iv=None>"], "values", False),
    ("append-joins", """
def f(n):
    l = [1]
    l.append(2.5)
    m = [n]
    m.append(True)
    return l, m
""", (4,), ["ListType[float64]", "ListType[int64]"], "values", True),
    ("setitem-joins", """
def f(n):
    l = [i for i in range(n)]
    l[0] = 2.5
    return l
""", (3,), ["ListType[float64]"], "values", False),
    ("dict-setitem-joins", """
def f(n):
    d = {1: 2}
    d[3] = 4.5
    e = {}
    e[1] = n
    e[2.5] = True
    return d, e
""", (3,), ["DictType[int64,float64]<iv=None>", "DictType[float64,int64]<iv=None>"], "values", False),
    ("empty-then-append", """
def f(n):
    l = []
    for i in range(n):
        l.append(i * 0.5)
    d = {}
    for i in range(n):
        d[i] = [i]
    return l, d
""", (4,), ["ListType[float64]", "DictType[int64,ListType[int64]]<iv=None>"], "same", False),
    ("empty-unfilled", """
def f(n):
    l = []
    for i in range(n):
        l.append(i * 0.5)
    return l
""", (0,), ["ListType[float64]"], "same", True),
    ("counts-get", """
def f(a):
    counts = {}
    for x in a:
        counts[x] = counts.get(x, 0) + 1
    return counts
""", (np.array([3, 1, 3, 3, 2, 1]),), ["DictType[int64,int64]<iv=None>"], "same", False),
    ("untyped-constructors", """
def f(n):
    a = List()
    a.append(n)
    b = Dict()
    b[n] = 1.5
    c = List()
    c.append(a)
    e = Dict()
    e[1.5] = a
    return a, b, c, e
""", (4,), ["ListType[int64]", "DictType[int64,float64]<iv=None>", "ListType[ListType[int64]]",
            "DictType[float64,ListType[int64]]<iv=None>"], "same", False),
    ("comprehension-clauses", """
def f(n):
    a = [x * 2 for x in range(n) if x % 2]
    b = [(i, j) for i in range(n) for j in range(i) if (i + j) % 2]
    c = [i for i in range(n) if i if i > 1]
    d = [x for x in range(n, 0, -2)]
    return a, b, c, d
""", (6,), ["ListType[int64]", "ListType[UniTuple(int64 x 2)]", "ListType[int64]", "ListType[int64]"], "same", True),
    ("nested-comprehensions", """
def f(n):
    a = [[j * i for j in range(i)] for i in range(n)]
    b = [[x for x in range(x)] for x in range(n)]
    return a, b, [len(r) for r in a]
""", (4,), ["ListType[ListType[int64]]", "ListType[ListType[int64]]", "ListType[int64]"], "same", True),
    ("over-arrays", """
def f(a, b):
    return ([x * 2 for x in a if x > 0], [x + y for x, y in zip(a, b)],
            [i * x for i, x in enumerate(a)], [i * x + y for i, (x, y) in enumerate(zip(a, b))])
""", (A3, np.array([1, 2, 3])), ["ListType[float64]"] * 4, "same", True),
    ("over-2d-array", """
def f(a):
    return [r.sum() for r in a], [x for r in a for x in r]
""", (np.arange(6.0).reshape(2, 3),), ["ListType[float64]", "ListType[float64]"], "same", True),
    ("over-typed-list", """
def f(l, k):
    return [x * k for x in l], [[x + y for y in l] for x in l if x > 1]
""", (List([1, 2, 3]), 2), ["ListType[int64]", "ListType[ListType[int64]]"], "same", True),
    ("over-dict", """
def f(d):
    return ([k + v for k, v in d.items()], [k for k in d], [v for v in d.values()], [k for k in d.keys()],
            {v: k for k, v in d.items()})
""", (Dict({1: 2.5, 3: 4.5, -2: 0.25}),),
     ["ListType[float64]", "ListType[int64]", "ListType[float64]", "ListType[int64]",
      "DictType[float64,int64]<iv=None>"], "same", False),
    ("over-literals-and-tuples", """
def f(t):
    return [i * j for i, j in [(1, 2), (3, 4)]], [x for x in t]
""", ((1, 2, 3),), ["ListType[int64]", "ListType[int64]"], "same", True),
    ("dict-comprehensions", """
def f(n):
    d = {1: 1.0, 2: 2.0, 1: 3.0}
    e = {i % 3: i for i in range(n)}
    g = {i: j for i in range(n) for j in range(i) if j > 0 if i > 2}
    h = {i: [j for j in range(i)] for i in range(n)}
    return d, e, g, h
""", (7,), ["DictType[int64,float64]<iv=None>", "DictType[int64,int64]<iv=None>",
            "DictType[int64,int64]<iv=None>", "DictType[int64,ListType[int64]]<iv=None>"], "same", False),
    ("comprehension-scope", """
def f(n):
    x = 100
    i = 7
    l = [x for x in range(n)]
    m = [[i * x for x in range(i)] for i in range(n)]
    y = [1, 2, 3]
    z = [y for y in y]
    return l, m, x, i, z, y
""", (3,), ["ListType[int64]", "ListType[ListType[int64]]", "int", "int", "ListType[int64]", "ListType[int64]"],
     "same", True),
    ("in-loop-early-return", """
def f(n):
    s = 0
    for i in range(n):
        l = [j for j in range(i)]
        m = {j: l for j in range(i)}
        s += len(l) + len(m)
        if i == 3:
            return s, l
    return s, [0]
""", (7,), ["int", "ListType[int64]"], "same", False),
    ("literal-expressions", """
def f(n):
    return [1, 2, 3][n], {1: 2}[1], len([1, 2]), 2 in [1, 2], 3 in {1: 2}
""", (1,), ["int"] * 3 + ["bool"] * 2, "same", True),
    ("dict-of-tuples", """
def f(d):
    a = [x * y for k, (x, y) in d.items()]
    s = 0.0
    for x, y in d.values():
        s += x + y
    d[9] = (9, 0.5)
    p = d.pop(1)
    return a, s, d, p
""", (Dict({1: (2, 2.5), 3: (4, 0.5)}),),
     ["ListType[float64]", "float", "DictType[int64,Tuple(int64, float64)]<iv=None>", "tuple"], "same", False),
    ("lists-in-tuples", """
def f(n):
    t = ([1, 2], [n])
    u = t[0]
    u.append(3)
    v = [t[1], t[1]]
    v[0].append(5)
    return t, v
""", (4,), ["tuple", "ListType[ListType[int64]]"], "same", True),
]


@pytest.mark.parametrize("src, args, want_types, compare, _nb", [p[1:] for p in PROGRAMS],
                         ids=[p[0] for p in PROGRAMS])
def test_literals_and_comprehensions_match_python(src, args, want_types, compare, _nb):
    want = python_version(src)(*copy_args(args, "python"))
    before = live()
    got = jit_version(src)(*copy_args(args, "ours"))
    got_t = got if isinstance(got, tuple) else (got,)
    want_t = want if isinstance(want, tuple) else (want,)
    assert [type_of(g) for g in got_t] == want_types
    (same if compare == "same" else same_values)(got_t, want_t)
    typed_only(got)
    del got, got_t
    assert live() == before


@pytest.mark.parametrize("src, args", [p[1:3] for p in PROGRAMS if p[5]], ids=[p[0] for p in PROGRAMS if p[5]])
def test_literals_and_comprehensions_same_as_numba(src, args):
    needs_numba()
    want = numba_version(src)(*copy_args(args, "numba"))
    got = jit_version(src)(*copy_args(args, "ours"))
    same(got, want)


def test_sharing_made_by_literals_is_kept():
    src = PROGRAMS[-1][1]
    t, v = jit_version(src)(4)
    assert t[1]._address() == v[0]._address() == v[1]._address()
    v[1].append(-1)
    assert list(t[1]) == [4, 5, -1]


# ---------------------------------------------------------------- item types: every dtype

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
          np.float32, np.float64, np.complex64, np.complex128]

# The item type after joining with a Python int / a Python float (NumPy's
# promotion, Python ints as int64 and floats as float64), by hand.
JOIN_INT = {"bool": "int64", "int8": "int64", "uint8": "int64", "int16": "int64", "uint16": "int64",
            "int32": "int64", "uint32": "int64", "int64": "int64", "uint64": "float64", "float32": "float64",
            "float64": "float64", "complex64": "complex128", "complex128": "complex128"}
JOIN_FLOAT = {"bool": "float64", "int8": "float64", "uint8": "float64", "int16": "float64", "uint16": "float64",
              "int32": "float64", "uint32": "float64", "int64": "float64", "uint64": "float64",
              "float32": "float64", "float64": "float64", "complex64": "complex128", "complex128": "complex128"}

LIST_TYPES_SRC = """
def f(a):
    l = [a[0], a[1]]
    m = [a[0]]
    m.append(1)
    p = [a[1]]
    p.append(1.5)
    c = [x for x in a]
    q = [a[0], True]
    r = [(x, 1.5) for x in a]
    return l, m, p, c, q, r
"""

DICT_TYPES_SRC = """
def f(a):
    d = {a[0]: a[1]}
    e = {x: i for i, x in enumerate(a)}
    g = {i: x for i, x in enumerate(a)}
    h = {}
    for x in a:
        h[x] = h.get(x, 0) + 1
    return d, e, g, h
"""


def sample_array(dt):
    if np.dtype(dt).kind == "b":
        return np.array([True, False, True, True])
    return np.array([3, 0, 3, 1], dtype=dt) if np.dtype(dt).kind in "iu" else np.array([3.5, 0, 3.5, -1], dtype=dt)


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: np.dtype(d).name)
def test_list_item_types_of_each_dtype(dt):
    name = np.dtype(dt).name
    a = sample_array(dt)
    want = python_version(LIST_TYPES_SRC)(a)
    before = live()
    got = jit_version(LIST_TYPES_SRC)(a)
    same_values(got, want)
    assert [type_of(x) for x in got] == [
        f"ListType[{name}]", f"ListType[{JOIN_INT[name]}]", f"ListType[{JOIN_FLOAT[name]}]", f"ListType[{name}]",
        f"ListType[{name}]",
        "ListType[UniTuple(float64 x 2)]" if name == "float64" else f"ListType[Tuple({name}, float64)]"]
    if numba is not None:
        same_values(got, numba_version(LIST_TYPES_SRC)(a))
    del got
    assert live() == before


@pytest.mark.parametrize("dt", [d for d in DTYPES if np.dtype(d).kind != "c"], ids=lambda d: np.dtype(d).name)
def test_dict_key_and_value_types_of_each_dtype(dt):
    name = np.dtype(dt).name
    a = sample_array(dt)
    want = python_version(DICT_TYPES_SRC)(a)
    before = live()
    got = jit_version(DICT_TYPES_SRC)(a)
    same_values(got, want)
    assert [type_of(x) for x in got] == [
        f"DictType[{name},{name}]<iv=None>", f"DictType[{name},int64]<iv=None>",
        f"DictType[int64,{name}]<iv=None>", f"DictType[{name},int64]<iv=None>"]
    del got
    assert live() == before


def test_float16_and_complex_keys_are_refused_with_the_type():
    a16 = np.ones(2, np.float16)
    f = make_function("def f(a):\n    l = [a[0], a[1]]\n    return l\n")
    with pytest.raises(TypingError) as err:
        njit(f)(a16)
    assert_clear_error(err.value, TypingError, r"a list holds numbers, arrays, tuples and typed Lists and Dicts, not a value of "
                       r"type float16", f, "def f(a):\n    l = [a[0], a[1]]\n    return l\n", 2)
    src = "def f(a):\n    d = {a[0]: 1}\n    return d\n"
    g = make_function(src)
    with pytest.raises(TypingError) as err:
        njit(g)(np.ones(2, np.complex128))
    assert_clear_error(err.value, TypingError, r"a dict takes booleans, integers or floats as keys, not complex128",
                       g, src, 2)


# ---------------------------------------------------------------- list methods inside @njit

LIST_METHODS_SRC = """
def f(l, v):
    l.insert(1, v)
    l.insert(-1, v)
    l.insert(100, v)
    l.insert(-100, v)
    l.insert(0, l[-1])
    l.extend(l)
    l.extend([v, v])
    a = l.index(v)
    b = l.index(v, 2)
    c = l.index(v, 2, 8)
    d = l.index(v, -5)
    e = l.index(v, -100, 100)
    n = l.count(v)
    l.remove(v)
    l.reverse()
    return l, a, b, c, d, e, n, v in l, l.count(l[0])
"""

# Probes compared in the list's type and the probe's type joined.
IN_SRC = """
def f(l):
    return 1 in l, 1.5 in l, 0 in l, 2 in l, True in l, l.count(1), l.count(0), (1 + 0j) in l
"""

NEGATIVE_IN_SRC = """
def f(l):
    return -1 in l, l.count(-1)
"""


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: np.dtype(d).name)
def test_list_methods_match_python(dt):
    a = sample_array(dt)
    v = a[0]
    want = python_version(LIST_METHODS_SRC)(list(a), v)
    before = live()
    l = List(a)
    got = jit_version(LIST_METHODS_SRC)(l, v)
    same(got, want)
    assert got[0]._address() == l._address()
    assert type_of(got[0]) == f"ListType[{np.dtype(dt).name}]"
    same(jit_version(IN_SRC)(List(a)), python_version(IN_SRC)(list(a)))
    del got, l
    assert live() == before


# A uint64 compared with a negative Python int inside compiled code
# (l.count(-1)'s x == v) is False, as in NumPy 2 and Python.
@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: np.dtype(d).name)
def test_negative_int_in_a_list_matches_python(dt):
    a = sample_array(dt)
    same(jit_version(NEGATIVE_IN_SRC)(List(a)), python_version(NEGATIVE_IN_SRC)(list(a)))


@pytest.mark.parametrize("dt", [np.int64, np.float32], ids=lambda d: np.dtype(d).name)
def test_list_methods_same_as_numba(dt):
    needs_numba()
    a = sample_array(dt)
    nl = nb_typed.List(a)
    want = numba_version(LIST_METHODS_SRC)(nl, a[0])
    got = jit_version(LIST_METHODS_SRC)(List(a), a[0])
    same(got, want)


@pytest.mark.parametrize("l, v", [
    ([2**53 + 1], 2**53), ([2**63], -1), ([2**64 - 1], -1), ([0], -0.0), ([5], 5.0), ([1.0, 2.0], 1 + 0j),
], ids=["uint64-exact", "uint64-negative", "uint64-max", "negative-zero", "float-probe", "complex-probe"])
def test_in_and_count_compare_exactly_like_python(l, v):
    src = "def f(l, v):\n    return v in l, l.count(v)\n"
    typed = List(np.array(l, dtype=np.uint64) if isinstance(l[0], int) and l[0] >= 2**53 else l)
    same(jit_version(src)(typed, v), python_version(src)(l, v))


INDEX_SRC = """
def f(l, v, i, j):
    return l.index(v, i, j)
"""


@pytest.mark.parametrize("v, i, j", [
    (2, 0, 5), (2, 1, 5), (2, 3, 5), (2, -2, 5), (2, -100, 100), (2, 1, -1), (2, 3, -1), (2, 5, 100),
    (2, 4, 2), (7, 0, 5), (2, 0, -5), (3, 0, -10),
])
def test_index_with_start_and_stop_matches_python(v, i, j):
    data = [2, 1, 2, 3, 2]
    try:
        want = python_version(INDEX_SRC)(list(data), v, i, j)
    except ValueError:
        want = None
    f = jit_version(INDEX_SRC)
    before = live()
    if want is None:
        with pytest.raises(ValueError, match=r"^list.index\(x\): x not in list$"):
            f(List(data), v, i, j)
    else:
        assert f(List(data), v, i, j) == want
    assert live() == before


def test_missing_items_raise_value_error():
    remove = "def f(l, v):\n    l.append(v + 1)\n    l.remove(v)\n    return l\n"
    index = "def f(l, v):\n    m = [x for x in l]\n    return l.index(v), m\n"
    before = live()
    for src in (remove, index):
        with pytest.raises(ValueError):
            python_version(src)([1, 2], 5)
        with pytest.raises(ValueError, match=rf"^list.{'remove' if src is remove else 'index'}\(x\): x not in list$"):
            jit_version(src)(List([1, 2]), 5)
    l = List([1, 2])
    with pytest.raises(ValueError):
        jit_version(remove)(l, 5)
    assert list(l) == [1, 2, 6]  # the append before the error stays, as in Python
    del l
    assert live() == before


def test_list_methods_on_literals_same_as_numba():
    src = """
def f(n):
    l = [1, 2, 3]
    l.insert(1, 7)
    l.extend([4, 5])
    l.extend(l)
    a = l.index(3)
    b = l.count(5)
    l.remove(2)
    l.reverse()
    c = 7 in l
    return l, a, b, c
"""
    want = python_version(src)(0)
    got = jit_version(src)(0)
    same(got, want)
    if numba is not None:
        same(got, numba_version(src)(0))


# ---------------------------------------------------------------- dict methods inside @njit

DICT_METHODS_SRC = """
def f(d, e, k, v):
    a = d.setdefault(k, v)
    b = d.setdefault(k, v)
    d.update(e)
    d.update({k: v})
    pk, pv = d.popitem()
    c = d.setdefault(pk, pv)
    return d, a, b, pk, pv, c
"""

KEY_DTYPES = [np.bool_, np.int8, np.uint16, np.int32, np.uint64, np.float32, np.float64]


@pytest.mark.parametrize("kdt", KEY_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("vdt", [np.float64, np.int16, np.complex64], ids=lambda d: np.dtype(d).name)
def test_dict_methods_match_python(kdt, vdt):
    keys = sample_array(kdt)
    vals = sample_array(vdt)
    d0 = {keys[1]: vals[0], keys[3]: vals[1]}
    e0 = {keys[0]: vals[2]}
    k, v = keys[2], vals[3]
    want = python_version(DICT_METHODS_SRC)(dict(d0), dict(e0), k, v)
    before = live()
    got = jit_version(DICT_METHODS_SRC)(Dict(d0), Dict(e0), k, v)
    same(got, want)
    del got
    assert live() == before


def test_popitem_keeps_the_key_type():
    src = "def f(d):\n    return d.popitem()\n"
    same(jit_version(src)(Dict({True: 1.0, False: 2.0})), (False, 2.0))


def test_dict_methods_same_as_numba():
    needs_numba()
    d0, e0 = {1: 2.0, 3: 4.0}, {7: 3.0, 1: -1.0}
    got = jit_version(DICT_METHODS_SRC)(Dict(d0), Dict(e0), 5, 1.5)
    want = numba_version(DICT_METHODS_SRC)(*copy_args((Dict(d0), Dict(e0)), "numba"), 5, 1.5)
    same(got, want)


def test_popitem_on_an_empty_dict_raises_key_error():
    src = "def f(d):\n    x = [1, 2]\n    k, v = d.popitem()\n    return k, v, x\n"
    with pytest.raises(KeyError) as want:
        python_version(src)({})
    before = live()
    with pytest.raises(KeyError) as got:
        jit_version(src)(Dict.empty(types.int64, types.float64))
    assert str(got.value) == str(want.value) == "'popitem(): dictionary is empty'"
    # popitem pops in LIFO order, as Python's
    d, p = Dict({1: 1.0, 2: 2.0, 3: 3.0}), {1: 1.0, 2: 2.0, 3: 3.0}
    g = "def f(d):\n    a = d.popitem()\n    d[9] = 9.0\n    b = d.popitem()\n    c = d.popitem()\n    return a, b, c, d\n"
    same(jit_version(g)(d), python_version(g)(p))
    del d
    assert live() == before


# ---------------------------------------------------------------- typed containers of tuples

TUPLE_PROGRAM = """
def f(l, n):
    out = [(1, 2.5)]
    for i in range(n):
        out.append((i, i * 0.5))
    s = 0.0
    for a, b in out:
        s += a * b
    out[0] = (9, 9.5)
    p = out.pop(0)
    l.append((n, n + 0.25))
    q = l.pop(0)
    l.insert(0, q)
    l[-1] = (7, 7.5)
    r = [(b, a) for a, b in l]
    return out, s, p, q, l, r
"""


@pytest.mark.parametrize("n", [0, 1, 5])
def test_tuple_items_in_njit_match_python(n):
    data = [(1, 2.5), (3, 4.5)]
    want = python_version(TUPLE_PROGRAM)(list(data), n)
    before = live()
    l = List(data)
    got = jit_version(TUPLE_PROGRAM)(l, n)
    same(got, want)
    assert type_of(got[0]) == "ListType[Tuple(int64, float64)]"
    assert type_of(got[5]) == "ListType[Tuple(float64, int64)]"
    assert got[4]._address() == l._address()
    if numba is not None:
        same(numba_version(TUPLE_PROGRAM)(nb_typed.List(data), n), want)
    del got, l
    assert live() == before


def test_tuple_literals_join_per_element():
    src = """
def f(n):
    a = [(1, 2), (3, 4.5)]
    b = [(1, 2)]
    b.append((1.5, n))
    c = [(1, 2)]
    c[0] = (1.5, 2)
    d = {1: (1, 2)}
    d[2] = (1.5, 2)
    return a, b, c, d
"""
    got = jit_version(src)(2)
    same_values(got, python_version(src)(2))
    assert [type_of(x) for x in got] == ["ListType[Tuple(int64, float64)]", "ListType[Tuple(float64, int64)]",
                                         "ListType[Tuple(float64, int64)]",
                                         "DictType[int64,Tuple(float64, int64)]<iv=None>"]


@pytest.mark.parametrize("make, text, nb_make", [
    (lambda: List([(1, 2.5)]), "ListType[Tuple(int64, float64)]([(1, 2.5)])",
     lambda: nb_typed.List([(1, 2.5)])),
    (lambda: List([(1, 2)]), "ListType[UniTuple(int64 x 2)]([(1, 2)])", lambda: nb_typed.List([(1, 2)])),
    (lambda: List([((1, 2), 3)]), "ListType[Tuple(UniTuple(int64 x 2), int64)]([((1, 2), 3)])",
     lambda: nb_typed.List([((1, 2), 3)])),
    (lambda: List([(True, 1j)]), "ListType[Tuple(bool, complex128)]([(True, 1j)])",
     lambda: nb_typed.List([(True, 1j)])),
    (lambda: List([(np.int8(1), np.float32(2))]), "ListType[Tuple(int8, float32)]([(1, 2.0)])",
     lambda: nb_typed.List([(np.int8(1), np.float32(2))])),
    (lambda: List.empty_list(types.UniTuple(types.int64, 2)), "ListType[UniTuple(int64 x 2)]([])",
     lambda: nb_typed.List.empty_list(nb_types.UniTuple(nb_types.int64, 2))),
    (lambda: List.empty_list(types.Tuple((types.int64, types.float64))), "ListType[Tuple(int64, float64)]([])",
     lambda: nb_typed.List.empty_list(nb_types.Tuple((nb_types.int64, nb_types.float64)))),
    (lambda: Dict.empty(types.int64, types.UniTuple(types.int64, 2)), "DictType[int64,UniTuple(int64 x 2)]<iv=None>({})",
     lambda: nb_typed.Dict.empty(nb_types.int64, nb_types.UniTuple(nb_types.int64, 2))),
    (lambda: Dict({1: (2, 3.5)}), "DictType[int64,Tuple(int64, float64)]<iv=None>({1: (2, 3.5)})", None),
], ids=["tuple", "unituple", "nested", "bool-complex", "numpy-scalars", "empty-unituple", "empty-tuple",
        "dict-empty", "dict"])
def test_tuple_container_reprs_are_numbas(make, text, nb_make):
    assert repr(make()) == text
    if nb_make is not None and numba is not None:
        assert repr(nb_make()) == text


def test_tuple_type_objects():
    assert str(types.Tuple((types.int64, types.float64))) == "Tuple(int64, float64)"
    assert str(types.UniTuple(types.int64, 2)) == "UniTuple(int64 x 2)"
    l = List.empty_list(types.Tuple((types.int64, types.float64)))
    l.append((1, 2))  # an int stored as the float64 element
    same(l, [(1, 2.0)])
    d = Dict.empty(types.int64, types.Tuple((types.ListType(types.int64), types.float64)))
    d[1] = (List([1]), 2.0)
    same(d, {1: ([1], 2.0)})


@pytest.mark.parametrize("bad", [(1,), (1, 2, 3), 5])
def test_tuples_of_the_wrong_arity_are_type_errors(bad):
    l = List([(1, 2.5)])
    with pytest.raises(TypeError, match=r"Tuple\(int64, float64\)"):
        l.append(bad)
    d = Dict({1: (2, 2.5)})
    with pytest.raises(TypeError, match=r"Tuple\(int64, float64\)"):
        d[2] = bad
    same(l, [(1, 2.5)])
    same(d, {1: (2, 2.5)})


def test_wrong_tuple_element_types_name_the_containers_type():
    l = List([(1, 2)])
    with pytest.raises(TypeError) as err:
        l.append((1, 2.5))
    assert str(err.value) == "a typed List of UniTuple(int64 x 2): element 1 takes integers, not float"


def test_wrong_tuple_element_types_are_type_errors():
    l = List([(1, 2)])
    for bad in [(1.5, 2), ("a", 1), (1j, 2)]:
        with pytest.raises(TypeError, match=r"takes integers, not (float|str|complex)$"):
            l.append(bad)
    same(l, [(1, 2)])


def test_tuples_holding_lists_are_reference_counted():
    before = live()
    inner = List([1, 2])
    lt = List([(inner, 1)])
    dt = Dict.empty(types.int64, types.Tuple((types.ListType(types.int64), types.float64)))
    dt[1] = (inner, 2.0)
    assert lt[0][0]._address() == inner._address() == dt[1][0]._address()
    del inner
    lt[0][0].append(3)
    assert list(dt[1][0]) == [1, 2, 3]
    dt[1] = (List([5]), 1.0)  # the replaced tuple's list is still held by lt
    assert list(lt.pop()[0]) == [1, 2, 3]
    del lt, dt
    assert live() == before


def test_tuples_holding_lists_made_in_njit_are_released():
    src = """
def f(a, i):
    l = [[x, x + 1] for x in a]
    tl = [(l[0], 2)]
    tl.append((l[1], 3))
    tl[0] = (l[2], 4)
    p = tl.pop()
    dd = {1: (l[0], 2.5)}
    dd[2] = (l[1], 3.5)
    return tl, p, dd, (l, i)
"""
    before = live()
    got = jit_version(src)(np.arange(3), 1)
    same(got, python_version(src)(np.arange(3), 1))
    tl, p, dd, (l, _) = got
    assert tl[0][0]._address() == l[2]._address()
    assert dd[2][0]._address() == p[0]._address() == l[1]._address()
    del got, tl, p, dd, l
    assert live() == before


def test_wrong_tuple_items_in_njit_are_typing_errors():
    cases = [
        ("def f(l):\n    l.append((1, 2, 3))\n    return l\n", List([(1, 2)]), 2,
         r"cannot store a value of type \(pyint, pyint, pyint\) into a typed List of UniTuple\(int64 x 2\): "
         r"it holds tuples of 2 items"),
        ("def f(l):\n    l.append((1.5, 2))\n    return l\n", List([(1, 2)]), 2,
         r"cannot store a value of type pyfloat into a typed List of UniTuple\(int64 x 2\) \(it would lose its value\)"),
        ("def f(n):\n    l = [(1, 2)]\n    l.append(3)\n    return l\n", 0, 3,
         r"cannot store a value of type pyint into a typed List of UniTuple\(int64 x 2\)"),
        ("def f(n):\n    l = [(1, 2), (1, 2, 3)]\n    return l\n", 0, 2,
         r"a list holds items of type UniTuple\(int64 x 2\) and UniTuple\(int64 x 3\), which cannot be one type"),
        ("def f(n):\n    l = [1, (1, 2)]\n    return l\n", 0, 2,
         r"a list holds items of type int64 and UniTuple\(int64 x 2\), which cannot be one type"),
    ]
    for src, arg, line, pattern in cases:
        f = make_function(src)
        with pytest.raises(TypingError) as err:
            njit(f)(arg)
        assert_clear_error(err.value, TypingError, pattern, f, src, line)


# ---------------------------------------------------------------- compile errors

ERRORS = [
    ("empty-list", "def f(n):\n    l = []\n    m = [1]\n    return len(l) + len(m)\n", TypingError,
     r"cannot tell the item type of this empty list", 2),
    ("empty-dict", "def f(n):\n    x = 1\n    d = {}\n    return x, len(d)\n", TypingError,
     r"cannot tell the key and value types of this empty dict", 3),
    ("empty-List()", "def f(n):\n    l = List()\n    return l\n", TypingError,
     r"cannot tell the item type of this empty list", 2),
    ("empty-Dict()", "def f(n):\n    d = Dict()\n    return d\n", TypingError,
     r"cannot tell the key and value types of this empty dict", 2),
    ("and", "def f(n):\n    x = n > 0 and [i for i in range(n)]\n    return x\n", UnsupportedError,
     r"comprehensions are supported where they are evaluated once", 2),
    ("or", "def f(n):\n    x = [1] or [i for i in range(n)]\n    return x\n", UnsupportedError,
     r"comprehensions are supported where they are evaluated once", 2),
    ("ifexp", "def f(n):\n    return [x for x in range(n)] if n else [1]\n", UnsupportedError,
     r"comprehensions are supported where they are evaluated once", 2),
    ("while", "def f(n):\n    while len([i for i in range(n)]) > 5:\n        n -= 1\n    return n\n",
     UnsupportedError, r"comprehensions are supported where they are evaluated once", 2),
    ("set-literal", "def f(n):\n    s = 0\n    return {1, n}\n", UnsupportedError, r"set literals are not supported",
     3),
    ("set-comprehension", "def f(n):\n    return {i for i in range(n)}\n", UnsupportedError,
     r"comprehensions are not supported", 2),
    ("generator", "def f(n):\n    s = 0\n    for x in (i for i in range(n)):\n        s += x\n    return s\n",
     UnsupportedError, r"comprehensions are not supported", 3),
    ("list-of-arrays-of-two-dtypes", "def f(n):\n    a = np.ones(n)\n    return [a, a.astype(np.int64)]\n",
     TypingError, r"a list holds items of type array\(float64, 1d, C\) and array\(int64, 1d, C\), which cannot be "
     r"one type", 3),
    ("array-appended", "def f(n):\n    l = [x for x in range(3)]\n    l.append(np.ones(n))\n    return l\n",
     TypingError, r"cannot store a value of type pyint into a typed List of array\(float64, 1d, C\)", 2),
    ("comprehension-variable-after", "def f(n):\n    l = [x for x in range(3)]\n    return x\n", TypingError,
     r"local variable 'x' is used before it is assigned", 3),
]


@pytest.mark.parametrize("src, exc, pattern, line", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_compile_errors_name_the_line(src, exc, pattern, line):
    f = make_function(src, {"List": List, "Dict": Dict})
    with pytest.raises(exc) as err:
        njit(f)(3)
    assert_clear_error(err.value, exc, pattern, f, src, line)


# The brief: insert and setdefault are stores that type an empty literal
# and join into the item type, as append and d[k] = v do.
STORE_JOINS = [
    ("insert-types-empty", "def f(n):\n    l = []\n    l.insert(0, n)\n    return l\n", "ListType[int64]"),
    ("insert-joins", "def f(n):\n    l = [n]\n    l.insert(0, 1.5)\n    return l\n", "ListType[float64]"),
    ("setdefault-types-empty", "def f(n):\n    d = {}\n    d.setdefault(1, n)\n    return d\n",
     "DictType[int64,int64]<iv=None>"),
    ("setdefault-joins", "def f(n):\n    d = {1: n}\n    d.setdefault(2, 2.5)\n    return d\n",
     "DictType[int64,float64]<iv=None>"),
]


@pytest.mark.xfail(strict=True, raises=TypingError, reason=(
    "bug: l.insert(i, v) and d.setdefault(k, v) do not count as stores when the item type of a literal is "
    "found: an empty literal is 'cannot tell the item type', a wider value is refused with an error "
    "located in _container_methods.py"))
@pytest.mark.parametrize("src, want_type", [s[1:] for s in STORE_JOINS], ids=[s[0] for s in STORE_JOINS])
def test_insert_and_setdefault_are_stores_that_join(src, want_type):
    got = jit_version(src)(3)
    same_values(got, python_version(src)(3))
    assert type_of(got) == want_type


# A type error inside insert/extend/update/setdefault (compiled from
# jitufunc/_container_methods.py) is reported at the caller's line.
@pytest.mark.parametrize("src, args, pattern", [
    ("def f(l):\n    l.insert(0, 2.5)\n    return l\n", lambda: (List([1]),), "it would lose its value"),
    ("def f(l, e):\n    l.extend(e)\n    return l\n", lambda: (List([1]), List([2.5])), "it would lose its value"),
    ("def f(d, e):\n    d.update(e)\n    return d\n", lambda: (Dict({1: 1}), Dict({2: 2.5})),
     "it would lose its value"),
    ("def f(d):\n    return d.setdefault(2, 2.5)\n", lambda: (Dict({1: 1}),), "it would lose its value"),
], ids=["insert", "extend", "update", "setdefault"])
def test_type_errors_inside_methods_name_the_callers_line(src, args, pattern):
    f = make_function(src, {"List": List})
    with pytest.raises(TypingError) as err:
        njit(f)(*args())
    assert_clear_error(err.value, TypingError, pattern, f, src, 2)
    assert "raised inside jitufunc's implementation" in str(err.value)


# count/index/remove of a List or a tuple compare with == (Lists and
# tuples item by item), as Python's list methods do.
@pytest.mark.parametrize("src, args", [
    ("def f(l):\n    return l.count([3])\n", lambda: (List([List([3]), List([4])]),)),
    ("def f(l):\n    return l.index([4])\n", lambda: (List([List([3]), List([4])]),)),
    ("def f(l):\n    l.remove([3])\n    return len(l)\n", lambda: (List([List([3]), List([4])]),)),
    ("def f(l):\n    return l.count((1, 2))\n", lambda: (List([(1, 2), (1, 3), (1, 2)]),)),
], ids=["count-lists", "index-lists", "remove-lists", "count-tuples"])
def test_searches_of_lists_and_tuples_match_python(src, args):
    def plain(v):
        return [plain(x) for x in v] if isinstance(v, List) else v

    assert jit_version(src)(*args()) == python_version(src)(*[plain(a) for a in args()])


def test_errors_inside_called_functions_say_where_they_were_called_from():
    src = "def f(x):\n    return g(x)\n"
    g = make_function("def g(x):\n    return x.nope\n")
    f = make_function(src, {"g": njit(g)})
    with pytest.raises(Exception) as err:
        njit(f)(1.0)
    message = str(err.value)
    assert "line 2, in g" in message and "called from" in message
    assert message.index("in g") < message.index("called from") < message.index("line 2, in f")


# A method called with too many arguments counts them as Python does
# (without the receiver): "index() takes at most 3 arguments (4 given)".
def test_method_arity_errors_count_the_arguments_as_python():
    src = "def f(l):\n    return l.index(1, 0, 1, 2)\n"
    f = make_function(src)
    with pytest.raises(TypingError) as err:
        njit(f)(List([1]))
    assert_clear_error(err.value, TypingError, r"index\b.*\b3 arguments.*\b4\b", f, src, 2)


@pytest.mark.xfail(strict=True, raises=TypingError, reason=(
    "bug: a list stored into a literal before a wider append to it: `x = [1]; l = [x]; x.append(2.5)` is "
    "'a list holds items of type ListType[int64] and ListType[float64], which cannot be one type' "
    "(one item; Numba gives [[1.0, 2.5]])"))
def test_list_widened_after_it_was_put_in_a_literal():
    src = "def f(n):\n    x = [1]\n    l = [x]\n    x.append(2.5)\n    return l\n"
    got = jit_version(src)(0)
    same_values(got, python_version(src)(0))
    assert type_of(got) == "ListType[ListType[float64]]"


# ---------------------------------------------------------------- memory

RAISE_SRC = """
def f(a, i, k, v):
    l = [[x, x + 1] for x in a]
    d = {x: [x] for x in a}
    t = (l[0], 1.5)
    tl = [(l[1], 2)]
    e = {1: (l[0], 2.5)}
    m = [y[i] for y in l]
    q = d[k]
    q.remove(v)
    p = e.popitem()
    z = e.popitem()
    return len(l) + len(m) + len(q) + len(tl) + len(e) + len(t) + len(p) + len(z)
"""


@pytest.mark.parametrize("i, k, v, exc", [
    (0, 1, 1, KeyError), (5, 1, 1, IndexError), (0, 99, 1, KeyError), (0, 1, 7, ValueError),
], ids=["popitem-empty", "index", "key", "remove"])
def test_errors_mid_function_release_everything(i, k, v, exc):
    a = np.arange(3)
    with pytest.raises(exc) as want:
        python_version(RAISE_SRC)(a, i, k, v)
    f = jit_version(RAISE_SRC)
    before = live()
    for _ in range(3):
        with pytest.raises(exc) as got:
            f(a, i, k, v)
        if exc is not IndexError and exc is not KeyError:
            assert str(got.value) == str(want.value)
        del got
    assert live() == before


def test_results_dropped_and_many_rounds_leave_nothing():
    src = """
def f(n):
    out = []
    for r in range(n):
        l = [[j for j in range(r % 5)] for _ in range(3)]
        d = {j: (l[j % 3], j * 0.5) for j in range(4)}
        t = [(d[0][0], 1)]
        t.append((l[1], 2))
        out.append(len(t) + len(d))
        d.popitem()
        d.setdefault(9, (l[2], 1.0))
        d.update({7: (l[0], 7.0)})
        l.reverse()
        l.insert(1, l[0])
        l.extend(l)
        l.pop()
        c = [len(x) for x in l]
        c.remove(c[0])
        c.insert(0, len(l))
        out.append(len(c) + c.count(0))
    return out
"""
    before = live()
    same(jit_version(src)(200), python_version(src)(200))
    assert live() == before


@pytest.mark.parametrize("dt", [np.int8, np.uint8, np.int16, np.uint32, np.uint64, np.int64],
                         ids=lambda d: np.dtype(d).name)
def test_in_with_a_python_int_argument_out_of_the_items_range_is_false(dt):
    # The int is an argument (known at run time): no OverflowError, and no
    # wrapped match (300 is not 44 in a List of uint8).
    src = "def f(l, v):\n    return v in l, l.count(v)\n"
    items = [0, 1, 44, 127]
    f = jit_version(src)
    typed = List(np.array(items, dtype=dt))
    for v in [-1, -129, 44, 300, 2**40 + 44, 2**63 - 1, -2**63]:
        assert tuple(f(typed, v)) == python_version(src)(items, v), v


def test_copies_slices_and_literals_free_their_memory_over_many_rounds():
    # RSS, not only live-header counts: the buffers of copies, slices,
    # dict copies and literal lists (with List and array items, which the
    # copies share) come back to the allocator.
    import resource

    @njit
    def churn(n):
        rows = [[float(i), 1.0] for i in range(n)]
        arrays = [np.empty(64) for _ in range(8)]
        d = {i: rows[i] for i in range(n)}
        total = 0.0
        for r in range(20):
            c = rows.copy()
            s = c[1::2]
            e = d.copy()
            a = arrays[2:]
            total += len(c) + len(s) + len(e) + len(a)
        return total

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    want = 20 * (300 + 150 + 300 + 6)
    assert churn(300) == want
    before, blocks = live(), _core.memory_stats()
    rss0 = peak_mb()
    for _ in range(3000):
        assert churn(300) == want
    after = _core.memory_stats()
    assert live() == before
    assert after["allocated"] - blocks["allocated"] == after["freed"] - blocks["freed"]
    # 3000 rounds made about 2e6 Lists and 2e7 item references.
    assert peak_mb() - rss0 < 30


SORTED_SRC = """
def f(l, a):
    s = sorted(l)
    r = sorted(a, reverse=True)
    l.sort(reverse=True)
    return s, r, l
"""


@pytest.mark.parametrize("items", [[3.0, -1.0, 2.5, 0.0], [5, 1, 4, 1], [], [7]],
                         ids=["floats", "ints", "empty", "one"])
def test_sorted_and_sort_reverse_match_python(items):
    a = np.array(items if items else [], dtype=np.float64)
    typed = List(items) if items else List.empty_list(types.float64)
    got = jit_version(SORTED_SRC)(typed, a)
    want = python_version(SORTED_SRC)(list(items), list(a))
    assert [list(x) for x in got] == [list(x) for x in want]


def test_sort_reverse_is_refused_on_arrays_as_numpy_does():
    src = "def f(a):\n    a.sort(reverse=True)\n    return a\n"
    with pytest.raises(TypeError, match="'reverse' is an invalid keyword argument"):
        jit_version(src)(np.arange(3.0))


OPERATOR_SRC = """
def f(n, x):
    zeros = [0.0] * n
    grid = [[0] * 3 for _ in range(n)]
    twice = 2 * [x, x + 1]
    both = zeros + [x]
    acc = [1.5]
    alias = acc
    acc += [x]
    acc += acc
    if n > 0:
        grid[0][1] = 7
    empty = [x] * -2
    return zeros, grid, twice, both, acc, len(alias), empty
"""


@pytest.mark.parametrize("n", [0, 1, 3])
def test_list_operators_match_python(n):
    got = jit_version(OPERATOR_SRC)(n, 2.5)
    want = python_version(OPERATOR_SRC)(n, 2.5)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        same_values(g, w)


def test_list_operators_of_typed_arguments_and_their_errors():
    f = jit_version("def f(a, b):\n    c = a + b\n    a += b\n    return c, a * 2\n")
    a, b = List([1, 2]), List([3])
    c, d = f(a, b)
    assert list(c) == [1, 2, 3] and list(a) == [1, 2, 3] and list(d) == [1, 2, 3, 1, 2, 3]
    src = "def f(a, b):\n    return a + b\n"
    with pytest.raises(TypingError, match=r"between typed Lists of int64 and float64"):
        jit_version(src)(List([1]), List([1.5]))
    with pytest.raises(UnsupportedError, match=r"'l \*= n'"):
        jit_version("def f(a):\n    a *= 2\n    return a\n")(List([1]))


def test_list_operators_free_their_memory_over_many_rounds():
    # RSS and live headers: the Lists `*`, `+` and `+=` make (with List
    # items they share) come back to the allocator.
    import resource

    @njit
    def churn(n):
        row = [1.0, 2.0]
        grid = [row] * n
        both = grid + grid
        both += both
        flat = [0.0] * n + row
        flat += [3.0]
        return len(both) + len(flat)

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    assert churn(500) == 2000 + 503
    before = live()
    rss0 = peak_mb()
    for _ in range(5000):
        churn(500)
    assert live() == before
    # 5000 rounds made 3e4 Lists and 2e7 item references.
    assert peak_mb() - rss0 < 30
