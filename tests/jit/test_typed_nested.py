"""Typed containers of containers (a List of Lists, a Dict of Lists or of
Dicts, a List of Dicts, three levels deep): the Python API and compiled code
compared with plain Python lists and dicts doing the same operations (the
expected values always come from Python), and with Numba's typed containers
where Numba is installed; items shared, never copied, on both sides; errors
with the types and Python's messages; and memory (header counts back to
where they started after every operation, and RSS over many rounds)."""

import copy
import gc
import pickle
import re
import resource
from types import FunctionType

import numpy as np
import pytest

from conftest import make_function
from jitufunc import _core, njit, types
from jitufunc.errors import TypingError
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


# Container types used by the compiled functions below (a types.ListType(...)
# call inside @njit is not supported: they are globals, as in Numba).
LT = types.ListType(types.int64)
FT = types.ListType(types.float64)
DT = types.DictType(types.int64, types.float64)
LLT = types.ListType(LT)


# ---------------------------------------------------------------- helpers

@pytest.fixture(autouse=True, scope="module")
def _frozen_heap():
    """``gc.collect()`` (run by ``live()`` before every count) only walks
    the objects made by this module's tests: it is 40 ms a call with Numba
    loaded otherwise."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def live():
    """(typed List headers, typed Dict headers) alive in the process."""
    gc.collect()
    stats = _core.memory_stats()
    return stats["lists_live"], stats["dicts_live"]


def scalar_type(name):
    return getattr(types, "boolean" if name == "bool" else name)


def build(data, t, lib="ours"):
    """A typed container of type ``t`` (jitufunc types) holding the plain
    Python ``data`` (nested lists and dicts), made by jitufunc or Numba
    (``lib="python"``: a fresh plain copy of ``data``)."""
    if lib == "python":
        return to_py(data)
    if isinstance(t, types.ListType):
        out = (List.empty_list(t.item_type) if lib == "ours"
               else nb_typed.List.empty_list(nb_type(t.item_type)))
        for x in data:
            out.append(build(x, t.item_type, lib))
        return out
    if isinstance(t, types.DictType):
        out = (Dict.empty(t.key_type, t.value_type) if lib == "ours"
               else nb_typed.Dict.empty(nb_type(t.key_type), nb_type(t.value_type)))
        for k, v in data.items():
            out[k] = build(v, t.value_type, lib)
        return out
    return data


def nb_type(t):
    if isinstance(t, types.ListType):
        return nb_types.ListType(nb_type(t.item_type))
    if isinstance(t, types.DictType):
        return nb_types.DictType(nb_type(t.key_type), nb_type(t.value_type))
    return getattr(nb_types, "boolean" if t.name == "bool" else t.name)


def is_list(x):
    return isinstance(x, (list, List)) or (numba is not None and isinstance(x, nb_typed.List))


def is_dict(x):
    return isinstance(x, (dict, Dict)) or (numba is not None and isinstance(x, nb_typed.Dict))


def to_py(x):
    """Plain Python lists, dicts, tuples and numbers for ``x``."""
    if is_list(x):
        return [to_py(i) for i in x]
    if is_dict(x):
        return {k: to_py(v) for k, v in x.items()}
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
    """``got`` (typed containers, tuples, numbers) holds exactly the plain
    ``expected`` values, of the same Python types."""
    plain = to_py(got)
    assert plain == expected
    assert kinds(plain) == kinds(expected)


def assert_holds(container):
    """Every container reached from ``container`` is a typed jitufunc one."""
    if isinstance(container, List):
        for x in container:
            assert_holds(x)
    elif isinstance(container, Dict):
        for v in container.values():
            assert_holds(v)
    else:
        assert not isinstance(container, (list, dict)), type(container)


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PyList:
    """What ``List`` is when a compiled function's code runs as plain Python."""

    @staticmethod
    def empty_list(item_type, allocated=0):
        return []


class _PyDict:
    @staticmethod
    def empty(key_type, value_type):
        return {}


def as_python(func):
    """``func``'s code with List/Dict making plain lists and dicts."""
    g = dict(func.__globals__, List=_PyList, Dict=_PyDict)
    return FunctionType(func.__code__, g, func.__name__)


_NUMBA_FUNCS = {}


def as_numba(func):
    """``numba.njit`` of ``func``'s code with Numba's List, Dict and types."""
    if func not in _NUMBA_FUNCS:
        nlt = nb_types.ListType(nb_types.int64)
        g = dict(func.__globals__, List=nb_typed.List, Dict=nb_typed.Dict, types=nb_types, LT=nlt,
                 FT=nb_types.ListType(nb_types.float64),
                 DT=nb_types.DictType(nb_types.int64, nb_types.float64), LLT=nb_types.ListType(nlt))
        _NUMBA_FUNCS[func] = numba.njit(FunctionType(func.__code__, g, func.__name__))
    return _NUMBA_FUNCS[func]


_JITTED = {}


def jit(func):
    if func not in _JITTED:
        _JITTED[func] = njit(func)
    return _JITTED[func]


# (id, type, data): nested data as plain Python values, with at least four
# items at the top, the first two non-empty.
NESTED = [
    ("list-of-int64-lists", LLT, [[1, 2], [3, 4, 5], [], [-7]]),
    ("list-of-float32-lists", types.ListType(types.ListType(types.float32)),
     [[1.5, -2.25], [0.5], [3.0, 4.0, 8.0], []]),
    ("list-of-uint8-lists", types.ListType(types.ListType(types.uint8)), [[1, 2, 3], [200], [7, 9], []]),
    ("list-of-complex128-lists", types.ListType(types.ListType(types.complex128)),
     [[1j, 2 + 0j], [0.5 - 1j], [3 + 3j], [1j]]),
    ("list-of-bool-lists", types.ListType(types.ListType(types.boolean)), [[True, False], [True], [], [False, False]]),
    ("list-of-dicts", types.ListType(types.DictType(types.int64, types.int64)), [{1: 2, 3: 4}, {5: 6}, {}, {-1: 0}]),
    ("list-of-float-key-dicts", types.ListType(types.DictType(types.float64, types.complex64)),
     [{0.5: 1j, 1.5: 2 + 0j}, {-2.0: 0j}, {}, {0.5: 1j}]),
    ("list-of-lists-of-lists", types.ListType(LLT), [[[1], [2, 3]], [[]], [], [[4], [5], [6]]]),
    ("list-of-lists-of-dicts", types.ListType(types.ListType(DT)), [[{1: 0.5}], [{}, {2: 1.0}], [], [{3: 1.5}]]),
]
NESTED_IDS = [n[0] for n in NESTED]

NESTED_DICTS = [
    ("dict-of-float64-lists", types.DictType(types.int64, FT), {3: [1.0, 2.0], -1: [], 7: [0.5], 0: [4.0]}),
    ("dict-of-int32-lists", types.DictType(types.float64, types.ListType(types.int32)),
     {0.5: [1, 2], 1.5: [3], -2.0: []}),
    ("dict-of-dicts", types.DictType(types.int32, DT), {1: {1: 0.5, 2: 1.5}, 2: {}, -3: {7: 7.0}}),
    ("dict-of-bool-key-dicts", types.DictType(types.int16, types.DictType(types.boolean, types.uint16)),
     {-4: {False: 3, True: 0}, 4: {}}),
    ("dict-of-lists-of-lists", types.DictType(types.uint8, LLT), {1: [[1], []], 200: [[2, 3]], 0: []}),
    ("dict-of-dicts-of-lists", types.DictType(types.int64, types.DictType(types.int64, LT)),
     {1: {1: [1], 2: []}, 2: {}, 5: {3: [4, 5]}}),
]
NESTED_DICT_IDS = [n[0] for n in NESTED_DICTS]


def fresh_items(data):
    """Four new items (plain, sharing nothing) of the shape of ``data``'s
    first one: some equal to items of ``data``, some not."""
    first = data[0] if isinstance(data, list) else next(iter(data.values()))
    if isinstance(first, list):
        items = [first[:1] * 3, [], list(reversed(first)) + first, first[-1:]]
    else:
        pairs = list(first.items())
        items = [dict(pairs[:1]), {}, dict(first), dict(pairs[-1:])]
    return to_py(items)  # to_py makes new lists and dicts all the way down


# ---------------------------------------------------------------- Python side: lists

# Each operation runs on a plain list of plain lists (dicts) and on a typed
# List of the same items; ``v`` holds new items, ``p`` items equal to (but
# not the same objects as) the list's own first three.
LIST_OPERATIONS = {
    "len": lambda l, v, p: len(l),
    "getitem": lambda l, v, p: [l[0], l[1], l[-1], l[-2], l[len(l) - 1], l[-len(l)]],
    "getitem-then-mutate": lambda l, v, p: [len(l[0]), l[0].clear(), len(l[0])],
    "setitem": lambda l, v, p: [l.__setitem__(1, v[0]), l.__setitem__(-1, v[2])],
    "setitem-self": lambda l, v, p: [l.__setitem__(0, l[0]), l.__setitem__(1, l[-1])],
    "append": lambda l, v, p: [l.append(x) for x in v],
    "append-own-item": lambda l, v, p: [l.append(l[0]), l[-1].clear(), len(l[0])],
    "extend": lambda l, v, p: l.extend(v),
    "extend-self": lambda l, v, p: l.extend(l),
    "extend-slice": lambda l, v, p: l.extend(l[1:3]),
    "iadd": lambda l, v, p: len(l.__iadd__(v[:2])),
    "insert": lambda l, v, p: [l.insert(0, v[1]), l.insert(-1, v[2]), l.insert(100, v[3]), l.insert(-100, v[0]),
                               l.insert(2, v[1])],
    "pop": lambda l, v, p: [l.pop(), l.pop(0), l.pop(-2)],
    "pop-then-mutate": lambda l, v, p: [l.pop(0).clear(), len(l)],
    "remove": lambda l, v, p: [l.remove(p[1]), l.remove(p[0])],
    "index": lambda l, v, p: [l.index(p[0]), l.index(p[1]), l.index(p[2], 1)],
    "count": lambda l, v, p: [l.count(x) for x in p + v],
    "contains": lambda l, v, p: [x in l for x in p + v],
    "reverse": lambda l, v, p: l.reverse(),
    "sort-key": lambda l, v, p: l.sort(key=len),
    "sort-key-reverse": lambda l, v, p: l.sort(key=len, reverse=True),
    # an item held before the list is rearranged is still the list's item
    "sort-keeps-items": lambda l, v, p: (lambda x: [l.sort(key=len, reverse=True), x.clear()])(l[1]),
    "reverse-keeps-items": lambda l, v, p: (lambda x: [l.reverse(), x.clear()])(l[1]),
    "del-slice-keeps-items": lambda l, v, p: (lambda x: [l.__delitem__(slice(0, 1)), x.clear()])(l[1]),
    "add": lambda l, v, p: [l + v, (l + v)[0].clear()],
    "iterate": lambda l, v, p: [len(x) for x in l],
    "slice": lambda l, v, p: [l[1:3], l[::-1], l[::2], l[-3:], l[5:1]],
    "slice-shares": lambda l, v, p: [l[0:2][0].clear(), l[0]],
    "delitem": lambda l, v, p: [l.__delitem__(0), l.__delitem__(-1)],
    "del-slice": lambda l, v, p: l.__delitem__(slice(1, 3)),
    "del-ext-slice": lambda l, v, p: l.__delitem__(slice(None, None, 2)),
    "set-slice": lambda l, v, p: l.__setitem__(slice(0, 2), v[1:4]),
    "set-slice-overlap": lambda l, v, p: l.__setitem__(slice(1, 3), l[0:2]),
    "set-ext-slice": lambda l, v, p: l.__setitem__(slice(None, None, -2), v[:len(l[::-2])]),
    "clear": lambda l, v, p: l.clear(),
    "copy-is-shallow": lambda l, v, p: [l.copy(), l.copy()[0].clear(), l[0]],
    "equal": lambda l, v, p: [l == l.copy(), l[:2] == l[:1], l != l[::-1]],
}


@pytest.mark.parametrize("name, t, data", NESTED, ids=NESTED_IDS)
@pytest.mark.parametrize("op", list(LIST_OPERATIONS))
def test_list_methods_match_python_lists(op, name, t, data):
    before = live()
    expected = to_py(data)
    new = fresh_items(data)
    want = LIST_OPERATIONS[op](expected, to_py(new), to_py(data[:3]))
    typed = build(data, t)
    got = LIST_OPERATIONS[op](typed, [build(x, t.item_type) for x in new],
                              [build(x, t.item_type) for x in data[:3]])
    same(got, to_py(want))
    same(typed, expected)
    assert_holds(typed)
    del typed, got
    assert live() == before


def test_items_are_shared_not_copied():
    before = live()
    a, b = List([1, 2]), List([3])
    outer = List([a, b])
    assert repr(outer) == "ListType[ListType[int64]]([[1, 2], [3]])"
    assert outer[1]._address() == b._address() and outer[-2]._address() == a._address()
    outer[1].append(9)
    b.append(10)
    assert list(b) == [3, 9, 10] and list(outer[1]) == [3, 9, 10]
    outer.append(a)  # twice in the outer list
    outer[-1][0] = 100
    assert list(a) == [100, 2] and list(outer[0]) == [100, 2]
    popped = outer.pop()
    del outer, a
    assert list(popped) == [100, 2]  # still alive through the popped item
    popped.append(3)
    assert list(popped) == [100, 2, 3]
    del popped, b
    assert live() == before


def test_untyped_empty_list_takes_the_item_type_when_stored():
    before = live()
    outer = List([List([1.5])])
    e = List()
    outer.append(e)
    assert repr(e) == "ListType[float64]([])"
    e.append(2)  # the same list as outer[-1], now of float64
    assert repr(outer) == "ListType[ListType[float64]]([[1.5], [2.0]])"
    with pytest.raises(TypeError, match="^a typed List of float64 takes real numbers, not complex$"):
        e.append(1j)
    d = Dict.empty(types.int64, types.ListType(types.int32))
    f = List()
    d[1] = f
    f.append(7)
    g = d.setdefault(2, List())
    g.append(8)
    assert repr(d) == "DictType[int64,ListType[int32]]<iv=None>({1: [7], 2: [8]})"
    dd = Dict({1: Dict({2: 0.5})})
    dd[3] = Dict()
    dd[3][4] = 1.5
    assert repr(dd) == "DictType[int64,DictType[int64,float64]<iv=None>]<iv=None>({1: {2: 0.5}, 3: {4: 1.5}})"
    del outer, e, d, f, g, dd
    assert live() == before


@pytest.mark.parametrize("make, text", [
    (lambda: List([List([1, 2]), List([3])]), "ListType[ListType[int64]]([[1, 2], [3]])"),
    (lambda: List.empty_list(types.ListType(types.int64)), "ListType[ListType[int64]]([])"),
    (lambda: List.empty_list("ListType[ListType[float32]]"), "ListType[ListType[ListType[float32]]]([])"),
    (lambda: List([List([List([True])])]), "ListType[ListType[ListType[bool]]]([[[True]]])"),
    (lambda: List([List([np.int8(3)])]), "ListType[ListType[int8]]([[3]])"),
    (lambda: List([List([1j])]), "ListType[ListType[complex128]]([[1j]])"),
    (lambda: Dict.empty(types.int32, types.ListType(types.float64)), "DictType[int32,ListType[float64]]<iv=None>({})"),
    (lambda: Dict.empty("int32", "DictType[int64,ListType[uint8]]"),
     "DictType[int32,DictType[int64,ListType[uint8]]<iv=None>]<iv=None>({})"),
    (lambda: Dict({2: List([0.5])}), "DictType[int64,ListType[float64]]<iv=None>({2: [0.5]})"),
])
def test_types_and_repr(make, text):
    assert repr(make()) == text


def test_type_objects():
    assert types.ListType(types.int64).name == "ListType[int64]"
    assert types.ListType(np.float32).name == "ListType[float32]"
    assert types.ListType(types.ListType(types.boolean)).name == "ListType[ListType[bool]]"
    assert types.DictType(types.int32, types.ListType(types.float64)).name == "DictType[int32,ListType[float64]]"
    assert types.ListType(types.int64) == types.ListType(types.int64)
    assert types.ListType(types.int64) != types.ListType(types.int32)
    assert hash(types.ListType(types.int64)) == hash(types.ListType(types.int64))
    assert types.DictType(types.int64, types.int8).value_type == types.int8


def test_python_lists_of_lists_are_refused_with_the_types():
    with pytest.raises(TypeError, match="typed Lists hold numbers .* and typed Lists and Dicts, not list"):
        List([[1, 2], [3]])
    with pytest.raises(TypeError, match=r"empty List\(\) without an item type"):
        List([List()])
    with pytest.raises(TypeError, match=r"empty List\(\) without an item type"):
        Dict({1: List()})
    with pytest.raises(TypeError, match="Dict key types are numbers"):
        Dict.empty(types.ListType(types.int64), types.int64)


BAD_LIST_ITEMS = [
    (lambda: List([1.5]), "ListType[float64]"),
    (lambda: List.empty_list(types.int32), "ListType[int32]"),
    (lambda: 5, "int"),
    (lambda: [1, 2], "list"),
    (lambda: Dict({1: 2}), "DictType[int64,int64]"),
    (lambda: List([List([1])]), "ListType[ListType[int64]]"),
]
BAD_ITEM_CALLS = {
    "append": lambda l, x: l.append(x),
    "insert": lambda l, x: l.insert(1, x),
    "setitem": lambda l, x: l.__setitem__(0, x),
    "extend": lambda l, x: l.extend([x]),
    "iadd": lambda l, x: l.__iadd__([x]),
}


@pytest.mark.parametrize("call", list(BAD_ITEM_CALLS))
@pytest.mark.parametrize("bad, bad_name", BAD_LIST_ITEMS, ids=[b[1] for b in BAD_LIST_ITEMS])
def test_wrong_item_types_are_refused_naming_both(call, bad, bad_name):
    before = live()
    outer = List([List([1, 2]), List([3])])
    with pytest.raises(TypeError, match=rf"typed List of ListType\[int64\] takes ListType\[int64\] items, "
                                        rf"not {re.escape(bad_name)}$"):
        BAD_ITEM_CALLS[call](outer, bad())
    same(outer, [[1, 2], [3]])
    d = Dict.empty(types.int64, LT)
    d[1] = List([1])
    for f in (lambda: d.__setitem__(2, bad()), lambda: d.setdefault(2, bad()), lambda: d.update({2: bad()})):
        with pytest.raises(TypeError, match=rf"typed Dict with values of ListType\[int64\] takes ListType\[int64\] "
                                            rf"items, not {re.escape(bad_name)}$"):
            f()
    same(d, {1: [1]})
    del outer, d
    assert live() == before


def test_failed_slice_assignment_leaves_the_list_unchanged():
    outer = List([List([1, 2]), List([3])])
    with pytest.raises(TypeError, match="not ListType\\[float64\\]"):
        outer[0:1] = [List([1.5])]
    same(outer, [[1, 2], [3]])


def test_index_and_value_errors_have_python_messages():
    outer = List([List([1, 2]), List([3])])
    plain = [[1, 2], [3]]
    for f in (lambda l: l[2], lambda l: l[-3], lambda l: l.pop(5), lambda l: l.__setitem__(2, l[0])):
        with pytest.raises(IndexError) as want:
            f(plain)
        with pytest.raises(IndexError, match=f"^{want.value}$"):
            f(outer)
    with pytest.raises(IndexError, match="^pop from empty list$"):
        List.empty_list(LT).pop()
    with pytest.raises(ValueError, match=r"^list.remove\(x\): x not in list$"):
        outer.remove(List([9]))
    with pytest.raises(ValueError, match=r"^ListType\[int64\]\(\[9\]\) is not in list$"):  # repr(x), as Python
        outer.index(List([9]))
    same(outer, plain)


# ---------------------------------------------------------------- Python side: dicts

# ``v`` holds new values, ``p`` values equal to (not the same objects as)
# the dict's own; ``k`` its keys.
DICT_OPERATIONS = {
    "len": lambda d, k, v, p: len(d),
    "getitem": lambda d, k, v, p: [d[k[0]], d[k[-1]]],
    "getitem-then-mutate": lambda d, k, v, p: [d[k[0]].clear(), d[k[0]]],
    "get": lambda d, k, v, p: [d.get(k[1]), d.get(99), d.get(99, v[0]), d.get(k[0], v[0])],
    "setitem-new": lambda d, k, v, p: [d.__setitem__(99, v[0]), d.__setitem__(98, v[1])],
    "setitem-replace": lambda d, k, v, p: [d.__setitem__(k[0], v[0]), d.__setitem__(k[1], d[k[-1]])],
    "setitem-self": lambda d, k, v, p: d.__setitem__(k[0], d[k[0]]),
    "setdefault": lambda d, k, v, p: [d.setdefault(k[0], v[0]), d.setdefault(99, v[1]), d.setdefault(99, v[2])],
    "setdefault-then-mutate": lambda d, k, v, p: [d.setdefault(99, v[1]).clear(), d.setdefault(k[0], v[0]).clear()],
    "pop": lambda d, k, v, p: [d.pop(k[0]), d.pop(99, None), d.pop(98, v[0])],
    "pop-then-mutate": lambda d, k, v, p: [d.pop(k[0]).clear(), len(d)],
    "popitem": lambda d, k, v, p: [d.popitem(), d.popitem()],
    "delitem": lambda d, k, v, p: [d.__delitem__(k[0]), d.__delitem__(k[-1])],
    "update-dict": lambda d, k, v, p: d.update({k[0]: v[0], 99: v[1]}),
    "update-pairs": lambda d, k, v, p: d.update([(99, v[2]), (k[1], v[3])]),
    "update-self": lambda d, k, v, p: d.update(d),
    "copy-is-shallow": lambda d, k, v, p: [d.copy(), d.copy()[k[0]].clear(), d[k[0]]],
    "clear": lambda d, k, v, p: d.clear(),
    "keys-values-items": lambda d, k, v, p: [list(d.keys()), list(d.values()), list(d.items())],
    "iterate": lambda d, k, v, p: [len(d[x]) for x in d],
    "contains": lambda d, k, v, p: [x in d for x in k + [99]],
    "equal": lambda d, k, v, p: [d == d.copy(), d == {}, d != d],
}


@pytest.mark.parametrize("name, t, data", NESTED_DICTS, ids=NESTED_DICT_IDS)
@pytest.mark.parametrize("op", list(DICT_OPERATIONS))
def test_dict_methods_match_python_dicts(op, name, t, data):
    before = live()
    keys = list(data)
    values = list(data.values())
    new = fresh_items(values)
    expected = to_py(data)
    want = DICT_OPERATIONS[op](expected, keys, to_py(new), to_py(values))
    typed = build(data, t)
    got = DICT_OPERATIONS[op](typed, keys, [build(x, t.value_type) for x in new],
                              [build(x, t.value_type) for x in values])
    same(got, to_py(want))
    same(typed, expected)
    assert_holds(typed)
    del typed, got
    assert live() == before


def test_dict_of_dicts_equality_is_by_value():
    a = Dict.empty(types.int64, DT)
    b = Dict.empty(types.int64, DT)
    for d in (a, b):
        d[1] = Dict({1: 0.5})
        d[2] = Dict.empty(types.int64, types.float64)
    assert a == b and not (a != b)
    b[2][3] = 1.0
    assert a != b
    assert List([a]) == List([a.copy()])


@pytest.mark.parametrize("name, t, data", NESTED + NESTED_DICTS, ids=NESTED_IDS + NESTED_DICT_IDS)
def test_pickle_and_deepcopy_round_trip(name, t, data):
    before = live()
    typed = build(data, t)
    for back in (pickle.loads(pickle.dumps(typed)), copy.deepcopy(typed), copy.copy(typed)):
        same(back, data)
        assert repr(back) == repr(typed)
    deep = copy.deepcopy(typed)
    first = next(iter(deep)) if isinstance(deep, Dict) else 0
    deep[first].clear()  # the deep copy has inner containers of its own
    same(typed, data)
    shallow = copy.copy(typed)
    shallow[first].clear()  # the shallow copy shares them
    assert len(typed[first]) == 0
    del typed, back, deep, shallow
    assert live() == before


def test_pickle_keeps_shared_items_shared():
    inner = List([1, 2])
    outer = List([inner, inner])
    for back in (pickle.loads(pickle.dumps(outer)), copy.deepcopy(outer)):
        back[0].append(3)
        same(back, [[1, 2, 3], [1, 2, 3]])


# ---------------------------------------------------------------- Python side: vs Numba

@pytest.mark.parametrize("t, data", [
    (types.DictType(types.int64, FT), {1: [1.0], 2: []}),
    (types.ListType(DT), [{1: 2.0}]),
], ids=["dict-of-lists", "list-of-dicts"])
def test_same_repr_as_numba_for_dicts_in_containers(t, data):
    needs_numba()
    assert repr(build(data, t)) == repr(build(data, t, "numba"))


def test_same_results_and_repr_as_numba_from_python():
    needs_numba()
    data = [[1, 2], [3, 4, 5], [], [-7]]
    results = []
    for lib in ("python", "ours", "numba"):
        o = build(data, LLT, lib)
        extra = build([8, 9], LT, lib)
        steps = [len(o), to_py(o[-1]), to_py(o[1:3])]
        o.append(extra)
        o.insert(0, o[2])
        o[1] = extra
        extra.append(10)
        steps.append(to_py(o.pop(2)))
        o.reverse()
        steps += [to_py(o), to_py(o.copy()), len(o)]
        steps += [repr(o), str(o), repr(o[0])] if lib != "python" else []
        results.append(steps)
    assert results[1][:-3] == results[0]
    assert results[2][:-3] == results[0]
    assert results[1][-3:] == results[2][-3:]  # the same repr and str as Numba's


# ---------------------------------------------------------------- @njit: differential

def j_seed(my_list, v):
    """The Numba documentation's example: an inner list changed in place."""
    for i in range(len(my_list[1])):
        my_list[1][i] = v
    n = 0
    for l in my_list:
        for x in l:
            if x == v:
                n += 1
    return n


SEED_TYPES = [
    ("int64", [[1, 2, 3], [4, 5, 6]], 23),
    ("int32", [[1, 2], [4, 5, 6]], -23),
    ("uint8", [[1, 2], [4, 5, 6]], 230),
    ("int8", [[1, 2], [4, 5, 6]], -3),
    ("float32", [[1.5], [2.5, 3.5]], 0.25),
    ("float64", [[1.5], [2.5, 3.5]], 0.25),
    ("complex128", [[1j], [2 + 0j, 3j]], 1 + 1j),
    ("complex64", [[1j], [2 + 0j, 3j]], 1 + 1j),
    ("bool", [[True], [False, False]], True),
]


@pytest.mark.parametrize("name, data, v", SEED_TYPES, ids=[s[0] for s in SEED_TYPES])
def test_inner_list_changed_in_njit_is_seen_from_python(name, data, v):
    before = live()
    expected = to_py(data)
    want = as_python(j_seed)(expected, v)
    t = types.ListType(types.ListType(scalar_type(name)))
    my_list = build(data, t)
    inner = my_list[1]
    assert jit(j_seed)(my_list, v) == want
    same(my_list, expected)
    same(inner, expected[1])
    del my_list, inner
    assert live() == before


def test_inner_list_changed_in_njit_same_as_numba():
    needs_numba()
    data = [[1, 2, 3], [4, 5, 6]]
    ours, theirs = build(data, LLT), build(data, types.ListType(LT), "numba")
    assert jit(j_seed)(ours, 23) == as_numba(j_seed)(theirs, 23)
    assert to_py(ours) == to_py(theirs) == [[1, 2, 3], [23, 23, 23]]


def j_dict_seed(d, k, v):
    d[k][k] = v
    inner = d[k]
    n = 0
    for kk, e in d.items():
        for k2, x in e.items():
            if x == v:
                n += 1
    return n, len(inner), k in inner


DICT_SEED_TYPES = [
    ("int32", "float32", {3: {1: 0.5}, -2: {}}, 3, 0.25),
    ("float64", "int64", {1.5: {}, -0.5: {2.0: 7}}, 1.5, 7),
    ("bool", "complex128", {True: {False: 1j}}, True, 1j),
    ("uint8", "uint8", {200: {1: 2}, 7: {}}, 200, 250),
    ("int16", "bool", {-4: {5: False}}, 5, True),
]


@pytest.mark.parametrize("kname, vname, data, k, v", DICT_SEED_TYPES, ids=[f"{d[0]}-{d[1]}" for d in DICT_SEED_TYPES])
def test_dict_of_dicts_of_each_key_and_value_type_in_njit(kname, vname, data, k, v):
    before = live()
    expected = to_py(data)
    expected.setdefault(k, {})
    kt, vt = scalar_type(kname), scalar_type(vname)
    d = build(data, types.DictType(kt, types.DictType(kt, vt)))
    if k not in d:
        d[k] = Dict.empty(kt, vt)
    want = as_python(j_dict_seed)(expected, k, v)
    same(jit(j_dict_seed)(d, k, v), want)
    same(d, expected)
    del d
    assert live() == before


def j_list_program(o, extra):
    n = len(o)
    a = len(o[-1]) + len(o[-n])
    o.append(extra)
    o.append(o[0])  # the same inner list twice
    o[0].append(o[1][0])  # seen through both places
    last = o.pop()
    first = o.pop(0)
    o[1] = first  # overwrites an item; `first` stays alive
    first.append(extra[0])
    o[-1] = o[-1]  # self-assignment
    keep = o[0]
    o[0] = extra
    keep.append(keep[0])
    s = 0
    for l in o:
        for x in l:
            s += x
    return n, a, len(o), len(last), len(keep), s


LIST_PROGRAM_DATA = [
    ("int64", [[1, 2], [3, 4, 5], [], [-7]], [8, 9]),
    ("float64", [[1.5, -2.0], [0.25], [4.0]], [0.5]),
    ("uint8", [[1, 2], [3], [7, 9]], [20, 1]),  # sums that fit (ints are weak: s stays uint8)
    ("int32", [[1], [3, 4], [5], [6], [7]], [-1, -2]),
]


@pytest.mark.parametrize("name, data, extra", LIST_PROGRAM_DATA, ids=[d[0] for d in LIST_PROGRAM_DATA])
def test_list_program_matches_python(name, data, extra):
    before = live()
    exp_o, exp_extra = to_py(data), list(extra)
    want = as_python(j_list_program)(exp_o, exp_extra)
    inner_t = types.ListType(scalar_type(name))
    o, e = build(data, types.ListType(inner_t)), build(extra, inner_t)
    got = jit(j_list_program)(o, e)
    same(got, want)
    same(o, exp_o)
    same(e, exp_extra)
    # the sharing the program made is still there: extra is o[0], first is o[1]
    assert o[0]._address() == e._address()
    e.append(1)
    assert list(o[0]) == list(e)
    del o, e
    assert live() == before


def test_list_program_same_as_numba():
    needs_numba()
    data, extra = [[1, 2], [3, 4, 5], [], [-7]], [8, 9]
    o, e = build(data, types.ListType(LT)), build(extra, LT)
    no, ne = build(data, types.ListType(LT), "numba"), build(extra, LT, "numba")
    assert jit(j_list_program)(o, e) == as_numba(j_list_program)(no, ne)
    assert to_py(o) == to_py(no) and to_py(e) == to_py(ne)


def j_dict_program(d, k, extra):
    d[k] = extra
    d[k].append(1.5)
    x = d.pop(k)
    g = d.get(k, x)  # a miss: the default, which is x
    g.append(2.5)
    h = d.get(k + 1, x)  # a hit when k + 1 is a key
    s = 0.0
    for kk, v in d.items():
        for y in v:
            s += kk * y
    for v in d.values():
        s += len(v)
    for kk in d:
        d[kk].append(kk * 0.5)
    d[k + 1] = x
    return s, len(d), len(x), len(h), k in d, k + 1 in d


@pytest.mark.parametrize("data, k", [
    ({3: [1.0, 2.0], -1: [], 7: [0.5]}, 2),
    ({3: [1.0, 2.0], -1: [], 7: [0.5]}, 6),
    ({3: [1.0, 2.0], -1: [], 7: [0.5]}, 3),
    ({}, 0),
    ({i: [float(i)] * (i % 3) for i in range(40)}, 17),
], ids=["miss", "hit-next", "replace", "empty", "grown"])
def test_dict_program_matches_python(data, k):
    before = live()
    exp_d, exp_extra = to_py(data), [4.0]
    want = as_python(j_dict_program)(exp_d, k, exp_extra)
    d, e = build(data, types.DictType(types.int64, FT)), build([4.0], FT)
    got = jit(j_dict_program)(d, k, e)
    same(got, want)
    same(d, exp_d)
    same(e, exp_extra)
    assert d[k + 1]._address() == e._address()
    del d, e
    assert live() == before


def test_dict_program_same_as_numba():
    needs_numba()
    data = {3: [1.0, 2.0], -1: [], 7: [0.5]}
    t = types.DictType(types.int64, FT)
    d, e = build(data, t), build([4.0], FT)
    nd, ne = build(data, t, "numba"), build([4.0], FT, "numba")
    assert jit(j_dict_program)(d, 6, e) == as_numba(j_dict_program)(nd, 6, ne)
    assert to_py(d) == to_py(nd) and to_py(e) == to_py(ne)
    assert list(d) == list(nd)


def j_dicts_of_dicts(dd, ld, k):
    s = 0.0
    for kk, inner in dd.items():
        for k2, v in inner.items():
            s += kk * v + k2
    dd[k][k] = s
    inner = dd.pop(k)
    dd[k + 100] = inner
    inner[-1] = 0.5
    ld.append(inner)
    ld[0][k] = 2.0
    t = 0.0
    for e in ld:
        for v in e.values():
            t += v
    return s, t, len(dd), len(inner), len(ld)


@pytest.mark.parametrize("data, k", [
    ({1: {1: 0.5, 2: 1.5}, 2: {}, -3: {7: 7.0}}, 2),
    ({1: {1: 0.5, 2: 1.5}, 2: {}, -3: {7: 7.0}}, -3),
    ({5: {}}, 5),
], ids=["empty-inner", "full-inner", "single"])
def test_dicts_of_dicts_match_python(data, k):
    before = live()
    exp_dd, exp_ld = to_py(data), [{9: 9.0}]
    want = as_python(j_dicts_of_dicts)(exp_dd, exp_ld, k)
    dd = build(data, types.DictType(types.int64, DT))
    ld = build([{9: 9.0}], types.ListType(DT))
    got = jit(j_dicts_of_dicts)(dd, ld, k)
    same(got, want)
    same(dd, exp_dd)
    same(ld, exp_ld)
    assert ld[-1]._address() == dd[k + 100]._address()
    del dd, ld
    assert live() == before
    if numba is not None:
        ndd = build(data, types.DictType(types.int64, DT), "numba")
        nld = build([{9: 9.0}], types.ListType(DT), "numba")
        assert as_numba(j_dicts_of_dicts)(ndd, nld, k) == want
        assert to_py(ndd) == exp_dd and to_py(nld) == exp_ld


def j_build(n):
    ll = List.empty_list(LT)
    dl = Dict.empty(types.int64, LT)
    ld = List.empty_list(DT)
    dd = Dict.empty(types.int64, DT)
    for i in range(n):
        inner = List.empty_list(types.int64)
        for j in range(i):
            inner.append(j * i)
        ll.append(inner)
        dl[i] = inner  # the same list as ll[i]
        m = Dict.empty(types.int64, types.float64)
        m[i] = i * 0.5
        ld.append(m)
        dd[-i] = m  # the same dict as ld[i]
    if n > 0:
        ll[0].append(99)
        dd[0][7] = 7.0
    lll = List.empty_list(LLT)
    lll.append(ll)
    lll.append(ll)
    return ll, dl, ld, dd, lll


@pytest.mark.parametrize("n", [0, 1, 4, 30])
def test_containers_of_containers_made_in_njit(n):
    before = live()
    want = as_python(j_build)(n)
    got = jit(j_build)(n)
    same(got, want)
    ll, dl, ld, dd, lll = got
    assert repr(ll).startswith("ListType[ListType[int64]](")
    assert repr(dd).startswith("DictType[int64,DictType[int64,float64]<iv=None>]<iv=None>(")
    assert repr(lll).startswith("ListType[ListType[ListType[int64]]](")
    # the sharing made in compiled code is kept in Python
    assert lll[0]._address() == lll[1]._address() == ll._address()
    if n > 1:
        assert dl[1]._address() == ll[1]._address()
        ll[1].append(-1)
        assert list(dl[1]) == list(ll[1]) and list(dl[1])[-1] == -1
        dd[-1][100] = 1.0
        assert 100 in ld[1]
    del got, ll, dl, ld, dd, lll
    assert live() == before


def test_containers_made_in_njit_same_as_numba():
    needs_numba()
    assert to_py(jit(j_build)(5)) == to_py(as_numba(j_build)(5))


def j_three_levels(o, v):
    o[-1][-1][-1] = v
    s = 0
    for m in o:
        for l in m:
            for x in l:
                s += x
    m = List.empty_list(LT)
    m.append(o[0][0])
    o.append(m)
    return s, len(o), len(o[-1][0])


def test_three_levels_in_njit():
    before = live()
    data = [[[1], [2, 3]], [[]], [[4], [5], [6]]]
    expected = to_py(data)
    want = as_python(j_three_levels)(expected, 50)
    o = build(data, types.ListType(LLT))
    same(jit(j_three_levels)(o, 50), want)
    same(o, expected)
    assert o[-1][0]._address() == o[0][0]._address()
    del o
    assert live() == before


def j_tuples(t):
    a, b = t
    a.append(len(b))
    return (b[0], a), (b, len(a))


def test_tuples_holding_containers():
    before = live()
    a = List([1, 2])
    b = List([List([3]), List([4, 5])])
    (inner, a2), (b2, n) = jit(j_tuples)((a, b))
    assert n == 3 and list(a) == [1, 2, 2]
    assert inner._address() == b[0]._address() and a2._address() == a._address() and b2._address() == b._address()
    same(b2, [[3], [4, 5]])
    del a, b, inner, a2, b2
    assert live() == before


def j_inner_outlives_outer(n):
    out = List.empty_list(LT)
    for i in range(n):
        l = List.empty_list(types.int64)
        l.append(i)
        out.append(l)
    keep = out[n - 1]
    out.pop()
    out = List.empty_list(LT)  # the first outer list is dropped here
    keep.append(-1)
    return keep, len(out)


def test_item_outlives_its_container_in_njit():
    before = live()
    keep, n = jit(j_inner_outlives_outer)(5)
    same(keep, [4, -1])
    assert n == 0
    del keep
    assert live() == before


@njit
def _total(o):
    s = 0
    for l in o:
        s += len(l)
    return s


@njit
def _make(n):
    o = List.empty_list(LT)
    for i in range(n):
        l = List.empty_list(types.int64)
        for j in range(i):
            l.append(j)
        o.append(l)
    return o


def test_containers_of_containers_pass_between_njit_functions():
    @njit
    def outer(n):
        a = _make(n)
        b = _make(n + 1)
        b.append(a[n - 1])
        return a, _total(a) + _total(b)

    before = live()
    a, s = outer(4)
    assert s == sum(range(4)) + sum(range(5)) + 3
    same(a, [list(range(i)) for i in range(4)])
    del a
    assert live() == before


def test_containers_chosen_on_branches():
    @njit
    def pick(flag, o):
        if flag:
            x = o[0]
        else:
            x = List.empty_list(types.int64)
        x.append(9)
        return x

    before = live()
    o = List([List([1]), List([2])])
    same(pick(True, o), [1, 9])
    same(pick(False, o), [9])
    same(o, [[1, 9], [2]])
    del o
    assert live() == before


def test_prange_and_nogil_over_lists_of_lists():
    from jitufunc import prange

    @njit(parallel=True)
    def sums(o, out):
        for i in prange(len(o)):
            inner = o[i]
            s = 0
            for j in range(len(inner)):
                s += inner[j]
            out[i] = s
        return out

    @njit(nogil=True)
    def push(o):
        o[0].append(1)
        return len(o[0])

    before = live()
    data = [list(range(i)) for i in range(50)]
    o = build(data, types.ListType(LT))
    np.testing.assert_array_equal(sums(o, np.zeros(50, np.int64)), [sum(x) for x in data])
    assert push(o) == 1 and list(o[0]) == [1]
    del o
    assert live() == before


def test_nested_types_in_signature_strings_and_specialisations():
    @njit("int64(ListType[ListType[int64]])")
    def first_of_second(o):
        return o[1][0]

    @njit("float64(DictType[int64,ListType[float64]], int64)")
    def first_of(d, k):
        return d[k][0]

    @njit
    def first(o):
        return o[0]

    assert first_of_second(List([List([1]), List([3, 4])])) == 3
    assert first_of_second.signatures == ["int64(ListType[ListType[int64]])"]
    assert first_of(Dict({1: List([2.5])}), 1) == 2.5
    with pytest.raises(TypeError, match=r"no compiled signature .*ListType\[ListType\[float64\]\]"):
        first_of_second(List([List([1.5])]))
    same(first(List([List([1]), List([2])])), [1])
    same(first(List([List([1.5])])), [1.5])
    same(first(List([Dict({1: 2})])), {1: 2})
    same(first(List([List([List([1])])])), [[1]])
    assert len(first.signatures) == 4


def j_interpret(o, d, ops):
    """Runs the program ``ops`` (rows of opcode, a, b) on a List of Lists
    ``o`` and a Dict of Lists ``d``: items are appended, popped, overwritten,
    swapped, stored in both, changed through one place and read through
    another."""
    out = 0
    for r in range(ops.shape[0]):
        op = ops[r, 0]
        a = ops[r, 1]
        b = ops[r, 2]
        n = len(o)
        if op == 0:
            l = List.empty_list(types.int64)
            l.append(a)
            o.append(l)
        elif op == 1 and n > 0:
            o.append(o[a % n])
        elif op == 2 and n > 0:
            out += len(o.pop())
        elif op == 3 and n > 0:
            out += len(o.pop(a % n))
        elif op == 4 and n > 0:
            o[a % n] = o[b % n]
        elif op == 5 and n > 0:
            o[a % n].append(b)
        elif op == 6 and n > 0 and len(o[a % n]) > 0:
            inner = o[a % n]
            inner[b % len(inner)] = a + b
        elif op == 7 and n > 0 and len(o[a % n]) > 0:
            out += o[a % n].pop()
        elif op == 8 and n > 0:
            d[b % 7] = o[a % n]
        elif op == 9:
            if (b % 7) in d:
                x = d.pop(b % 7)
                o.append(x)
        elif op == 10:
            e = List.empty_list(types.int64)
            x = d.get(b % 7, e)
            x.append(a)
            o.append(x)
        elif op == 11 and n > 0:
            keep = o[a % n]
            o[a % n] = List.empty_list(types.int64)
            keep.append(-1)
            o.append(keep)
        elif op == 12 and n > 0:
            for l in o:
                out += len(l)
        elif op == 13 and n > 1:
            t = o[a % n]
            o[a % n] = o[b % n]
            o[b % n] = t
        elif op == 14:
            for k, v in d.items():
                out += k * len(v)
                v.append(k)
    return out


class _Rows:
    """``ops[r, c]`` as Python ints, for the plain Python run."""

    def __init__(self, ops):
        self.rows = ops.tolist()
        self.shape = ops.shape

    def __getitem__(self, rc):
        return self.rows[rc[0]][rc[1]]


def random_programs(seed, count):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        ops = np.empty((int(rng.integers(1, 60)), 3), dtype=np.int64)
        ops[:, 0] = rng.integers(0, 15, size=len(ops))
        ops[:, 1:] = rng.integers(0, 20, size=(len(ops), 2))
        yield ops


def sharing(o, d, address):
    """Which of the items of ``o`` and values of ``d`` are one object: each
    replaced by the position of its first appearance."""
    first = {}
    return [first.setdefault(address(x), len(first)) for x in list(o) + [d[k] for k in d]]


START_O, START_D = [[1, 2], [3]], {1: [5]}


@pytest.mark.parametrize("seed", range(4))
def test_random_programs_match_python(seed):
    """Each program runs on plain lists, on typed containers through the
    Python API (the same code, not compiled) and in @njit: same result,
    same items, and the same items shared."""
    before = live()
    f = jit(j_interpret)
    d_t = types.DictType(types.int64, LT)
    for ops in random_programs(seed, 40):
        po, pd = to_py(START_O), to_py(START_D)
        want = as_python(j_interpret)(po, pd, _Rows(ops))
        for run in (lambda o, d: j_interpret(o, d, _Rows(ops)), lambda o, d: f(o, d, ops)):
            o, d = build(START_O, LLT), build(START_D, d_t)
            assert run(o, d) == want, ops.tolist()
            same(o, po)
            same(d, pd)
            assert sharing(o, d, lambda x: x._address()) == sharing(po, pd, id), ops.tolist()
            del o, d
    assert live() == before


def test_random_programs_same_as_numba():
    needs_numba()
    d_t = types.DictType(types.int64, LT)
    for ops in random_programs(99, 15):
        o, d = build(START_O, LLT), build(START_D, d_t)
        no, nd = build(START_O, LLT, "numba"), build(START_D, d_t, "numba")
        assert jit(j_interpret)(o, d, ops) == as_numba(j_interpret)(no, nd, ops)
        assert to_py(o) == to_py(no) and to_py(d) == to_py(nd)
        assert list(d) == list(nd)


def j_literals(a, n):
    x = [[1, 2], [3]]
    x.append([n, n])
    for i in range(n):
        x.append([i])
    y = x[0]
    x[0] = [7]  # y keeps the list it replaced
    y.append(n)
    z = [a, a]  # the argument twice, not copies
    z[0].append(n)
    ld = [{1: 2.0}]
    ld[0][2] = 3.0
    d = Dict.empty(types.int64, LT)
    d[1] = [1, 2]
    d[2] = x[1]
    d[2].append(-1)
    return x, y, z, ld, d


@pytest.mark.parametrize("n", [0, 3])
def test_list_literals_of_lists_in_njit(n):
    before = live()
    pa = [5]
    want = as_python(j_literals)(pa, n)
    a = List([5])
    got = jit(j_literals)(a, n)
    same(got, want)
    same(a, pa)
    x, y, z, ld, d = got
    assert repr(x).startswith("ListType[ListType[int64]](")
    assert repr(ld).startswith("ListType[DictType[int64,float64]<iv=None>](")
    assert z[0]._address() == z[1]._address() == a._address()
    assert d[2]._address() == x[1]._address()
    del got, x, y, z, ld, d, a
    assert live() == before


@pytest.mark.xfail(strict=True, raises=TypingError, reason=(
    "limitation (Numba refuses it too): an empty list literal among list items ([[1], []], [[]] then "
    "x[0].append(1)) does not take its type from the outer list; the error's hint (l.append(x), or "
    "List.empty_list(types.float64)) does not fit these cases"))
@pytest.mark.parametrize("source", [
    "def f():\n    x = [[1], []]\n    x[1].append(2)\n    return x\n",
    "def f():\n    x = [[]]\n    x[0].append(2)\n    return x\n",
    "def f():\n    x = [[2], [1, 2]]\n    x.append([])\n    return x\n",
], ids=["sibling", "appended-later", "appended-literal"])
def test_empty_inner_list_literals_take_the_outer_item_type(source):
    f = make_function(source)
    same(njit(f)(), f())


# ---------------------------------------------------------------- @njit: errors

def j_index(o, i, j):
    return o[i][j]


def j_set_index(o, i, v):
    o[i] = v


def j_pop(o):
    return o.pop()


def j_key(d, k):
    return d[k][0]


def j_pop_key(d, k):
    return d.pop(k)


INDEX_ERRORS = [
    (j_index, ([[1], []], 2, 0)),
    (j_index, ([[1], []], -3, 0)),
    (j_index, ([[1], []], 1, 0)),
    (j_index, ([[1], []], 0, -2)),
    (j_set_index, ([[1]], 1, [2])),
    (j_set_index, ([[1]], -2, [2])),
    (j_pop, ([],)),
]


@pytest.mark.parametrize("func, args", INDEX_ERRORS,
                         ids=["outer", "outer-negative", "inner-empty", "inner-negative", "assignment",
                              "assignment-negative", "pop-empty"])
def test_index_errors_in_njit_have_pythons_messages(func, args):
    with pytest.raises(IndexError) as want:
        as_python(func)(*to_py(args))
    before = live()
    typed = [build(a, types.ListType(LT)) if i == 0 else (build(a, LT) if isinstance(a, list) else a)
             for i, a in enumerate(args)]
    # Python's message, then where it was raised.
    with pytest.raises(IndexError, match=f"^{re.escape(str(want.value))} \\(in '{func.__name__}', .*, line \\d+: "):
        jit(func)(*typed)
    same(typed[0], args[0])
    del typed
    assert live() == before


@pytest.mark.parametrize("func, line", [(j_key, "return d[k][0]"), (j_pop_key, "return d.pop(k)")])
def test_key_errors_in_njit_name_the_key_and_line(func, line):
    before = live()
    d = build({1: [1.0], 2: []}, types.DictType(types.int64, FT))
    with pytest.raises(KeyError) as want:
        func({1: [1.0], 2: []}, 12345)
    assert str(want.value) == "12345"
    with pytest.raises(KeyError, match=rf"^.12345 \(in '{func.__name__}', .*line \d+: {re.escape(line)}\).$"):
        jit(func)(d, 12345)
    same(d, {1: [1.0], 2: []})
    same(jit(j_pop_key)(d, 2), [])
    same(d, {1: [1.0]})
    del d
    assert live() == before


def test_wrong_item_types_in_njit_are_typing_errors_naming_both():
    @njit
    def append_float_list(o):
        o.append(List.empty_list(types.float64))

    @njit
    def store_number(o):
        o[0] = 5

    @njit
    def store_arg(o, x):
        o[0] = x

    @njit
    def dict_store(d):
        d[1] = List.empty_list(types.float64)

    outer = List([List([1])])
    with pytest.raises(Exception, match=r"cannot store a value of type ListType\[float64\] into a typed List of "
                                        r"ListType\[int64\]"):
        append_float_list(outer)
    with pytest.raises(Exception, match=r"cannot store a value of type \w+ into a typed List of ListType\[int64\]"):
        store_number(outer)
    with pytest.raises(Exception, match=r"cannot store a value of type DictType\[int64,int64\] into a typed List "
                                        r"of ListType\[int64\]"):
        store_arg(outer, Dict({1: 2}))
    with pytest.raises(Exception, match=r"cannot store a value of type ListType\[float64\] as a value of a typed "
                                        r"Dict of int64 keys and ListType\[int64\] values"):
        dict_store(Dict.empty(types.int64, LT))
    same(outer, [[1]])


def test_type_objects_made_inside_njit_are_refused_with_a_message():
    @njit
    def f():
        return List.empty_list(types.ListType(types.int64))

    with pytest.raises(Exception, match=r"types\.ListType"):
        f()


# ---------------------------------------------------------------- memory

def j_raise_after_work(o, d, i, k):
    tmp = List.empty_list(LT)
    tmp.append(o[0])
    tmp.append(List.empty_list(types.int64))
    p = o.pop()
    o.append(p)
    e = Dict.empty(types.int64, LT)
    e[0] = tmp[1]
    x = d.pop(k)  # KeyError when k is missing
    d[k] = x
    s = 0
    for v in d.values():
        s += v[i]  # IndexError when i is out of range of a value
    return o[i][0] + len(e) + len(tmp) + s


@pytest.mark.parametrize("i, k, exc", [
    (0, 1, None), (10, 1, IndexError), (-10, 1, IndexError), (0, 99, KeyError), (2, 1, IndexError),
], ids=["fine", "index", "negative-index", "key", "inner-index"])
def test_errors_in_njit_release_everything(i, k, exc):
    data, ddata = [[1, 2], [3], [4, 5]], {1: [1, 2], 2: [3, 4]}
    d_t = types.DictType(types.int64, LT)
    try:
        want = as_python(j_raise_after_work)(to_py(data), to_py(ddata), i, k)
    except (IndexError, KeyError) as e:
        want = e
    assert type(want) is (exc or int)
    f = jit(j_raise_after_work)
    before = live()
    for _ in range(3):
        o, d = build(data, types.ListType(LT)), build(ddata, d_t)
        if exc is None:
            assert f(o, d, i, k) == want
        else:
            with pytest.raises(exc):
                f(o, d, i, k)
        del o, d
    assert live() == before


def j_overwrite(o, d, n):
    for i in range(n):
        fresh = List.empty_list(types.int64)
        fresh.append(i)
        o[0] = fresh  # the old o[0] is released (or kept by o[1])
        o[1] = o[0]
        d[0] = fresh  # replaced dict values
        d[1] = List.empty_list(types.int64)
        o.append(List.empty_list(types.int64))
        o.pop()
        o.append(d[1])
        o.pop(0)
    x = d.pop(1)
    y = d.get(5, List.empty_list(types.int64))
    z = d.get(0, List.empty_list(types.int64))
    u = d.pop(5, List.empty_list(types.int64))
    del d[0]
    unused = (o[0], List.empty_list(types.int64))
    return len(o) + len(x) + len(y) + len(z) + len(u) + len(d)


def j_overwrite_dicts(dd, ld, n):
    for i in range(n):
        m = Dict.empty(types.int64, types.float64)
        m[i] = 1.0
        dd[i % 3] = m
        ld.append(m)
        ld[0] = ld[-1]
        ld.pop()
    del dd[0]
    return len(dd) + len(ld)


def test_overwritten_popped_and_deleted_items_are_released_in_njit():
    before = live()
    for n in (0, 1, 10):
        o = build([[1], [2], [3]], types.ListType(LT))
        d = build({0: [5], 1: [6]}, types.DictType(types.int64, LT))
        exp_o, exp_d = [[1], [2], [3]], {0: [5], 1: [6]}
        want = as_python(j_overwrite)(exp_o, exp_d, n)
        assert jit(j_overwrite)(o, d, n) == want
        same(o, exp_o)
        same(d, exp_d)
        dd = build({0: {}, 5: {1: 1.0}}, types.DictType(types.int64, DT))
        ld = build([{}], types.ListType(DT))
        exp_dd, exp_ld = {0: {}, 5: {1: 1.0}}, [{}]
        want = as_python(j_overwrite_dicts)(exp_dd, exp_ld, n)
        assert jit(j_overwrite_dicts)(dd, ld, n) == want
        same(dd, exp_dd)
        same(ld, exp_ld)
        del o, d, dd, ld
        assert live() == before


def test_memory_of_many_rounds_of_nested_containers():
    @njit
    def churn(rounds, n):
        total = 0
        for r in range(rounds):
            outer = List.empty_list(LT)
            table = Dict.empty(types.int64, LT)
            for i in range(n):
                inner = List.empty_list(types.int64)
                for j in range(8):
                    inner.append(j)
                outer.append(inner)
                table[i] = inner
            for i in range(0, n, 2):
                table.pop(i)
                outer[i] = outer[i + 1]
            total += len(outer) + len(table)
        return total

    @njit
    def give(n):
        return _make(n)

    before = live()
    churn(1, 10)
    rss0 = max_rss_mb()
    for _ in range(5):
        assert churn(200, 1000) == 200 * (1000 + 500)
    for i in range(2000):
        o = give(20)
        o.append(o[3])
        d = Dict({1: o[1]})
        d[2] = List([i])
        del o, d
    for i in range(5000):
        lst = List([List([1.0, float(i)]), List([2.0])])
        lst[0] = lst[1]
        del lst
    assert live() == before
    # Each round holds about 1000 lists of 8 int64 (well under 1 MB); a leak
    # of every inner list would be over 100 MB.
    assert max_rss_mb() - rss0 < 40


# ---------------------------------------------------------------- cache

CACHED_MODULE = """
from jitufunc import njit, types
from jitufunc.typed import List, Dict
LT = types.ListType(types.int64)
DT = types.DictType(types.int64, types.float64)

@njit(cache=True)
def build(n):
    out = List.empty_list(LT)
    dd = Dict.empty(types.int64, DT)
    for i in range(n):
        l = List.empty_list(types.int64)
        l.append(i)
        out.append(l)
        m = Dict.empty(types.int64, types.float64)
        m[i] = 0.5
        dd[i] = m
    return out, dd
"""

CACHED_SCRIPT = """
import sys
from jitufunc import types
from jitufunc.typed import List, Dict
if sys.argv[1] == "other-order":
    # other container types first: their codes in this process differ
    List.empty_list(types.ListType(types.float32))
    Dict.empty(types.int8, types.ListType(types.uint16))
    List.empty_list(types.DictType(types.int64, types.complex64))
import nested_cached
o, dd = nested_cached.build(2)
print(repr(o))
print(repr(dd))
"""


def test_cached_code_making_containers_of_containers_in_another_process(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "nested_cached.py").write_text(CACHED_MODULE)
    (tmp_path / "script.py").write_text(CACHED_SCRIPT)
    env = dict(os.environ, JITUFUNC_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path))
    want = ("ListType[ListType[int64]]([[0], [1]])\n"
            "DictType[int64,DictType[int64,float64]<iv=None>]<iv=None>({0: {0: 0.5}, 1: {1: 0.5}})\n")
    outputs, stamps = [], []
    for order in ("first", "other-order"):
        done = subprocess.run([sys.executable, str(tmp_path / "script.py"), order], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
        stamps.append(sorted((p.name, p.stat().st_mtime_ns) for p in (tmp_path / "cache").iterdir()))
    assert outputs == [want, want]
    assert len(stamps[0]) == 1 and stamps[1] == stamps[0]  # the second process loaded the cached code
