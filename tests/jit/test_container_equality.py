"""`==`/`!=` between typed Lists and between tuples, and `in`, `count`
and `index` on Lists of tuples and of Lists, inside `@njit`: the same
answers as the same Python function on Python lists and tuples (and, for
Lists of Lists, on the typed Lists from Python)."""

import numpy as np
import pytest

from jitufunc import njit
from jitufunc.errors import UnsupportedError
from jitufunc.typed import Dict, List

# Two NaN objects: Python's list and tuple comparisons take an object as
# equal to itself before calling ==, which typed containers (holding
# numbers, not objects) cannot do.
NAN, NAN2 = float("nan"), float("nan")

PAIRS = [
    ([1, 2], [1, 2]), ([1, 2], [1.0, 2.0]), ([1, 2], [1.0, 2.5]), ([1, 2], [1, 2, 3]),
    ([], []), ([1], []), ([2**53 + 1], [float(2**53)]), ([NAN], [NAN2]), ([0.0], [-0.0]),
    ([1 + 0j], [1]), ([1 + 1j], [1]), ([True, False], [1, 0]),
    ([np.uint64(2**64 - 1)], [-1]), ([np.int8(-1)], [np.uint8(255)]),
]


def typed(items):
    if items and isinstance(items[0], np.generic):
        return List(np.array(items))
    return List.empty_list(np.float64) if not items else List(items)


@njit
def eq(a, b):
    return a == b, a != b, b == a


@pytest.mark.parametrize("x, y", PAIRS, ids=[f"{x}-{y}" for x, y in PAIRS])
def test_lists_of_numbers_compare_as_python_lists(x, y):
    want = (x == y, x != y, y == x)
    assert eq(typed(x), typed(y)) == want


def test_lists_of_lists_and_dicts_compare_recursively():
    a = List([List([1]), List([2, 3])])
    same = List([List([1]), List([2, 3])])
    wider = List([List([1.0]), List([2.0, 3.0])])
    other = List([List([1]), List([2, 4])])
    assert eq(a, same) == (True, False, True)
    assert eq(a, wider) == (True, False, True)
    assert eq(a, other) == (False, True, False)
    assert eq(a, a) == (True, False, True)
    d1, d2, d3 = Dict(), Dict(), Dict()
    d1[1] = 2.0
    d2[1.0] = 2
    d3[1] = 2.5
    assert eq(List([d1]), List([d2])) == ([d1] == [d2], False, True) == (True, False, True)
    assert eq(List([d1]), List([d3]))[0] is False


TUPLES = [((1, 2.0), (1, 2)), ((1, 2.0), (1, 2.5)), ((1, 2), (1, 2, 3)), ((NAN, 1), (NAN2, 1)),
          ((1j, 0), (1j, 0.0))]


@pytest.mark.parametrize("x, y", TUPLES, ids=[str(t) for t in TUPLES])
def test_tuples_compare_as_python_tuples(x, y):
    assert eq(x, y) == (x == y, x != y, y == x)


SEARCH_SRC = "def f(l, v):\n    return v in l, l.count(v), (l.index(v) if v in l else -1)\n"


def search(l, v):
    return v in l, l.count(v), (l.index(v) if v in l else -1)


@pytest.mark.parametrize("items, v", [
    ([(1, 2.0), (3, 4.0), (3, 4.0)], (3, 4.0)), ([(1, 2.0), (3, 4.0)], (3, 4)),
    ([(1, 2.0), (3, 4.0)], (3, 5.0)), ([(1, 2.0)], (1, NAN)),
])
def test_in_count_index_on_lists_of_tuples(items, v):
    assert njit(search)(List(items), v) == search(items, v)


def test_in_count_index_on_lists_of_lists():
    rows = [[1], [2, 3], [2, 3], []]
    l = List([List(r) if r else List.empty_list(np.int64) for r in rows])
    f = njit(search)
    for probe in ([2, 3], [1], [4], [2]):
        assert f(l, List(probe)) == search(rows, probe), probe
    assert f(l, List.empty_list(np.int64)) == search(rows, [])


def test_arrays_in_lists_or_tuples_are_refused_with_the_reason():
    l = List([np.arange(2.0)])
    with pytest.raises(UnsupportedError, match="arrays compare elementwise"):
        eq(l, l)

    @njit
    def pair(a):
        return (a, 1) == (a, 1)

    with pytest.raises(UnsupportedError, match="arrays compare elementwise"):
        pair(np.arange(2.0))


def test_same_as_numba_for_lists_of_numbers():
    numba = pytest.importorskip("numba", reason="Numba is an optional comparison here")
    from numba.typed import List as NList

    @numba.njit
    def neq(a, b):
        return a == b, a != b, b == a

    # Not ([2**53 + 1], [2.0**53]): Numba compares it as floats (True);
    # Python, and jitufunc, exactly (False).
    for x, y in PAIRS[:6]:
        if not x or not y:
            continue
        assert eq(typed(x), typed(y)) == neq(NList(x), NList(y)), (x, y)
