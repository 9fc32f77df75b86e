"""jitufunc.typed.List: the list API from Python and inside @njit, compared
with a Python ``list`` doing the same operations (expected values always
come from Python's list), interop (one buffer shared by both sides),
errors with Python's messages, and memory (reference counts and RSS)."""

import gc
import resource

import numpy as np
import re

import pytest

from jitufunc import _core, njit, types
from jitufunc.typed import List

# (item type, Python type of the items, values exactly representable in it)
ITEM_TYPES = [
    ("int64", int, [3, -1, 4, 1, -5, 9, 2, 6, 1]),
    ("int32", int, [30, -10, 40, 10, -50, 90, 20, 60, 10]),
    ("uint8", int, [3, 1, 4, 1, 5, 9, 2, 6, 1]),
    ("uint64", int, [3, 2**63 + 1, 4, 1, 5]),
    ("float64", float, [3.5, -1.25, 4.0, 1.0, -5.5, 9.0, 2.0, 1.0]),
    ("float32", float, [3.5, -1.25, 4.0, 1.0, -5.5, 9.0, 2.0, 1.0]),
    ("complex128", complex, [1 + 2j, -3j, 4.0 + 0j, 1 + 2j, 0.5 - 1j]),
    ("complex64", complex, [1 + 2j, -3j, 4.0 + 0j, 1 + 2j, 0.5 - 1j]),
    ("bool", bool, [True, False, True, True, False]),
]
IDS = [t[0] for t in ITEM_TYPES]


def make(name, values):
    lst = List.empty_list(getattr(types, name if name != "bool" else "boolean"))
    for v in values:
        lst.append(v)
    return lst


def same(typed, expected):
    """The typed List holds exactly the Python list's items, of its types."""
    got = list(typed)
    assert got == expected
    assert [type(x) for x in got] == [type(x) for x in expected]


def lists_live():
    gc.collect()
    return _core.memory_stats()["lists_live"]


# ---------------------------------------------------------------- Python side

# Each operation runs on a Python list and on a typed List of the same
# items; results and the lists afterwards must agree.
OPERATIONS = {
    "len": lambda l, v: len(l),
    "getitem": lambda l, v: [l[0], l[1], l[-1], l[-2], l[len(l) - 1], l[-len(l)]],
    "setitem": lambda l, v: l.__setitem__(1, v[0]) or l.__setitem__(-1, v[2]),
    "append": lambda l, v: [l.append(x) for x in v[:3]],
    "extend": lambda l, v: l.extend(v[:4]),
    "extend-typed": lambda l, v: l.extend(l[1:3]),
    "insert": lambda l, v: [l.insert(0, v[1]), l.insert(-1, v[2]), l.insert(100, v[3]), l.insert(-100, v[0]),
                            l.insert(2, v[4])],
    "pop": lambda l, v: [l.pop(), l.pop(0), l.pop(-2), l.pop(1)],
    "remove": lambda l, v: [l.remove(v[3]), l.remove(v[0])],
    "index": lambda l, v: [l.index(v[3]), l.index(v[3], 2) if v[3] in l[2:] else None, l.index(v[0], -len(l))],
    "count": lambda l, v: [l.count(x) for x in v],
    "reverse": lambda l, v: l.reverse(),
    "contains": lambda l, v: [x in l for x in v] + [12345 in l],
    "iterate": lambda l, v: [x for x in l],
    "slice": lambda l, v: [list(l[1:3]), list(l[::-1]), list(l[::2]), list(l[-3:]), list(l[5:1])],
    "delitem": lambda l, v: l.__delitem__(0) or l.__delitem__(-1),
    "del-slice": lambda l, v: l.__delitem__(slice(1, 3)),
    "set-slice": lambda l, v: l.__setitem__(slice(0, 2), v[2:5]),
    "clear": lambda l, v: l.clear(),
    "copy": lambda l, v: list(l.copy()),
    "iadd": lambda l, v: list(l.__iadd__(v[:2])),
}


@pytest.mark.parametrize("name, pytype, values", ITEM_TYPES, ids=IDS)
@pytest.mark.parametrize("op", list(OPERATIONS))
def test_methods_match_python_list(op, name, pytype, values):
    expected = list(values)
    typed = make(name, values)
    want = OPERATIONS[op](expected, values)
    got = OPERATIONS[op](typed, values)
    assert got == want
    same(typed, expected)


@pytest.mark.parametrize("name, pytype, values", [t for t in ITEM_TYPES if t[1] is not complex],
                         ids=[t[0] for t in ITEM_TYPES if t[1] is not complex])
@pytest.mark.parametrize("kwargs", [{}, {"reverse": True}, {"key": lambda x: -x}])
def test_sort_matches_python_list(name, pytype, values, kwargs):
    expected = list(values)
    typed = make(name, values)
    expected.sort(**kwargs)
    typed.sort(**kwargs)
    same(typed, expected)


def test_sorting_complex_items_fails_as_python_does():
    with pytest.raises(TypeError):
        sorted([1j, 2j])
    with pytest.raises(TypeError):
        List([1j, 2j]).sort()


def test_untyped_empty_list_pops_as_python():
    with pytest.raises(IndexError, match="^pop from empty list$"):
        List().pop()


def test_item_type_from_the_first_item_and_from_the_constructor():
    assert repr(List([1.0, 2.0])) == "ListType[float64]([1.0, 2.0])"
    assert repr(List([1, 2])) == "ListType[int64]([1, 2])"
    assert repr(List([True])) == "ListType[bool]([True])"
    assert repr(List([1j])) == "ListType[complex128]([1j])"
    assert repr(List([np.float32(1.5)])) == "ListType[float32]([1.5])"
    assert repr(List(range(3))) == "ListType[int64]([0, 1, 2])"
    assert repr(List.empty_list(types.float64)) == "ListType[float64]([])"
    assert str(List([1.0, 2.5])) == "[1.0, 2.5]"
    empty = List()
    assert len(empty) == 0 and list(empty) == []
    assert repr(empty) == "ListType[Undefined]([])"
    empty.append(3)
    assert repr(empty) == "ListType[int64]([3])"


@pytest.mark.parametrize("item_type", [types.float32, np.float32, np.dtype("float32"), "float32"])
def test_empty_list_takes_jitufunc_types_numpy_types_and_dtypes(item_type):
    lst = List.empty_list(item_type)
    lst.append(1.5)
    assert repr(lst) == "ListType[float32]([1.5])"


def test_items_are_converted_to_the_item_type():
    lst = List.empty_list(types.float64)
    lst.append(1)
    assert list(lst) == [1.0] and type(lst[0]) is float
    ints = List.empty_list(types.int8)
    with pytest.raises(OverflowError):
        ints.append(300)
    with pytest.raises(TypeError):
        ints.append(1.5)
    with pytest.raises(TypeError):
        lst.append(1j)
    with pytest.raises(TypeError):
        List.empty_list(types.float16)
    with pytest.raises(TypeError):
        List(["a"])


def test_equality_and_hash():
    assert List([1.0, 2.0]) == List([1.0, 2.0])
    assert List([1.0, 2.0]) != List([1.0, 3.0])
    assert List([1.0]) != List([1.0, 2.0])
    assert List([1, 2]) == List([1.0, 2.0])  # items compare as Python numbers
    with pytest.raises(TypeError):
        hash(List([1]))


@pytest.mark.parametrize("call, message", [
    (lambda l: l[5], "list index out of range"),
    (lambda l: l[-6], "list index out of range"),
    (lambda l: l.__setitem__(5, 1.0), "list assignment index out of range"),
    (lambda l: l.pop(7), "pop index out of range"),
    (lambda l: l[:0].pop(), "pop from empty list"),
    (lambda l: l[5:].pop(0), "pop from empty list"),
    (lambda l: l.__delitem__(9), "list assignment index out of range"),
])
def test_index_errors_have_python_messages(call, message):
    lst = List([1.0, 2.0, 3.0, 4.0, 5.0])
    py = [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(IndexError, match=f"^{message}$"):
        call(py)
    with pytest.raises(IndexError, match=f"^{message}$"):
        call(lst)


def test_value_errors_have_python_messages():
    lst = List([1.0, 2.0])
    with pytest.raises(ValueError, match=r"^list.remove\(x\): x not in list$"):
        lst.remove(3.0)
    with pytest.raises(ValueError, match=r"^3.0 is not in list$"):
        lst.index(3.0)
    with pytest.raises(TypeError, match="list indices must be integers or slices, not str"):
        lst["a"]


def test_pickle_round_trip():
    import pickle

    lst = List([1.5, 2.5])
    back = pickle.loads(pickle.dumps(lst))
    assert back == lst and repr(back) == repr(lst)


# ---------------------------------------------------------------- @njit

def j_sum(l):
    s = l[0] - l[0]
    for x in l:
        s += x
    return s


def j_len_and_items(l):
    return len(l), l[0], l[-1], l[len(l) - 2], l[-len(l)]


def j_setitem(l):
    l[0] = l[-1]
    l[-2] = l[1]
    return len(l)


def j_append(l):
    n = len(l)
    for i in range(n):
        l.append(l[i])
    return len(l)


def j_pop(l):
    a = l.pop()
    b = l.pop(0)
    c = l.pop(-2)
    return a, b, c


def j_pop_all(l):
    n = 0
    while len(l) > 0:
        l.pop()
        n += 1
    return n


JIT_FUNCTIONS = [j_len_and_items, j_setitem, j_append, j_pop, j_pop_all]


@pytest.mark.parametrize("name, pytype, values", ITEM_TYPES, ids=IDS)
@pytest.mark.parametrize("func", JIT_FUNCTIONS, ids=[f.__name__ for f in JIT_FUNCTIONS])
def test_jit_operations_match_python_list(func, name, pytype, values):
    expected = list(values)
    want = func(expected)
    typed = make(name, values)
    got = njit(func)(typed)
    assert got == want
    if isinstance(want, tuple):
        assert [type(x) for x in got] == [type(x) for x in want]
    same(typed, expected)


@pytest.mark.parametrize("name, pytype, values", [t for t in ITEM_TYPES if t[0] != "bool"],
                         ids=[t[0] for t in ITEM_TYPES if t[0] != "bool"])
def test_jit_sum_by_iteration(name, pytype, values):
    expected = j_sum(list(values))
    got = njit(j_sum)(make(name, values))
    if pytype is int:
        expected = int(np.array(expected % 2**64, dtype=np.uint64).astype(name))  # wraps as the item type
    assert got == pytest.approx(expected) and type(got) is pytype


def test_created_inside_jit_and_returned_as_a_list():
    @njit
    def build(n):
        lst = List.empty_list(types.float64)
        for i in range(n):
            lst.append(i * 0.5)
        return lst

    expected = [i * 0.5 for i in range(10)]
    got = build(10)
    assert isinstance(got, List)
    same(got, expected)
    got.append(7.0)  # a normal List afterwards
    expected.append(7.0)
    same(got, expected)
    assert build(0) == List.empty_list(types.float64)


@pytest.mark.parametrize("spelling", ["types.int32", "np.int32", "types.int32"])
def test_empty_list_item_type_spellings_inside_jit(spelling):
    ns = {"List": List, "types": types, "np": np}
    exec(f"def f():\n    l = List.empty_list({spelling})\n    l.append(7)\n    l.append(-2)\n    return l\n", ns)
    got = njit(ns["f"])()
    assert repr(got) == "ListType[int32]([7, -2])"


def test_list_made_in_python_changed_in_jit_seen_in_python():
    @njit
    def work(l):
        for i in range(len(l)):
            l[i] = l[i] * 2
        for i in range(1000):
            l.append(i)  # reallocates the buffer several times
        return l.pop()

    lst = List([1.0, 2.0, 3.0])
    expected = [1.0, 2.0, 3.0]
    for i in range(len(expected)):
        expected[i] = expected[i] * 2
    expected.extend(float(i) for i in range(1000))
    want = expected.pop()
    assert work(lst) == want
    same(lst, expected)
    # Python appends after compiled code reallocated: the same buffer.
    lst.append(-1.0)
    expected.append(-1.0)
    assert work(lst) == 999.0
    assert lst[3] == 2 * expected[3] and len(lst) == len(expected) + 999


def test_returned_argument_is_the_same_buffer():
    @njit
    def ident(l):
        l.append(1)
        return l

    lst = List([0])
    back = ident(lst)
    assert back._address() == lst._address()
    back.append(2)
    assert list(lst) == [0, 1, 2]


def test_jit_items_are_cast_to_the_item_type():
    @njit
    def f(l, x):
        l.append(x)
        l[0] = 3
        return l[-1]

    lst = List.empty_list(types.float32)
    lst.append(0.0)
    assert f(lst, 1.5) == 1.5
    assert list(lst) == [3.0, 1.5]


def test_jit_refuses_lossy_items():
    @njit
    def f(l):
        l.append(1.5)

    with pytest.raises(Exception, match="cannot store a value of type"):
        f(List([1, 2]))


@pytest.mark.parametrize("source, call, message", [
    ("def f(l, i):\n    return l[i]\n", lambda f: f(List([1.0, 2.0]), 2), "list index out of range"),
    ("def f(l, i):\n    return l[i]\n", lambda f: f(List([1.0, 2.0]), -3), "list index out of range"),
    ("def f(l, i):\n    l[i] = 1.0\n", lambda f: f(List([1.0, 2.0]), 5), "list assignment index out of range"),
    ("def f(l, i):\n    return l.pop()\n", lambda f: f(List.empty_list(types.float64), 0), "pop from empty list"),
    ("def f(l, i):\n    return l.pop(i)\n", lambda f: f(List([1.0]), 3), "pop index out of range"),
])
def test_jit_errors_have_python_messages(source, call, message):
    ns = {}
    exec(source, ns)
    # Python's message, then where: the function, file and line.
    line = source.splitlines()[1].strip()
    with pytest.raises(IndexError, match=f"^{message} \\(in 'f', .*, line 2(: {re.escape(line)})?\\)$"):
        call(njit(ns["f"]))


def test_jit_errors_release_the_lists_made_before():
    @njit
    def f(l):
        tmp = List.empty_list(types.int64)
        tmp.append(1)
        return l[5] + tmp[0]

    before = lists_live()
    for _ in range(10):
        with pytest.raises(IndexError):
            f(List([1.0]))
    assert lists_live() == before


def test_python_list_argument_is_refused_with_a_hint():
    @njit
    def f(l):
        return len(l)

    with pytest.raises(TypeError, match=r"is a list; @jit functions do not take Python lists.*jitufunc\.typed\.List"):
        f([1.0, 2.0])


def test_untyped_empty_list_argument_is_refused():
    @njit
    def f(l):
        return len(l)

    with pytest.raises(TypeError, match=r"empty List\(\) whose item type is not known"):
        f(List())


def test_list_methods_on_other_values_are_refused():
    @njit
    def f(a):
        a.append(1.0)

    with pytest.raises(Exception, match="typed Lists"):
        f(np.zeros(3))


def test_one_specialisation_per_item_type():
    @njit
    def f(l):
        return l[0]

    assert f(List([1])) == 1 and type(f(List([1]))) is int
    assert f(List([1.5])) == 1.5
    assert f(List([True])) is True
    assert len(f.signatures) == 3


# ---------------------------------------------------------------- memory

def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_memory_of_a_million_appends_and_pops_in_compiled_code():
    @njit
    def churn(l, n, rounds):
        s = 0.0
        for r in range(rounds):
            for i in range(n):
                l.append(i * 1.0)
            for i in range(n):
                s += l.pop()
        return s

    @njit
    def fresh(n):
        total = 0
        for r in range(10):
            tmp = List.empty_list(types.float64)
            for i in range(n):
                tmp.append(1.0)
            total += len(tmp)
        return total

    lst = List.empty_list(types.float64)
    churn(lst, 10, 1)
    before_lists = lists_live()
    rss0 = max_rss_mb()
    want = float(sum(range(10**6)))
    for _ in range(5):
        assert churn(lst, 10**6, 1) == want
        assert fresh(10**6) == 10**7
    assert len(lst) == 0
    assert lists_live() == before_lists
    # One buffer of 1e6 float64 is 8 MB (kept by `lst`, 1.5x growth); the
    # temporaries are freed each time.
    assert max_rss_mb() - rss0 < 60


def test_memory_of_lists_made_and_dropped_from_python():
    before = lists_live()
    rss0 = max_rss_mb()
    for i in range(10**5):
        lst = List([1.0, 2.0, float(i)])
        lst.append(3.0)
        del lst
    assert lists_live() == before

    @njit
    def make_one(n):
        lst = List.empty_list(types.int64)
        for i in range(n):
            lst.append(i)
        return lst

    for _ in range(10**4):
        make_one(100)
    assert lists_live() == before
    assert max_rss_mb() - rss0 < 30


# ---------------------------------------------------------------- calls, options

@njit
def _build(n):
    lst = List.empty_list(types.float64)
    for i in range(n):
        lst.append(float(i))
    return lst


@njit
def _total(lst):
    s = 0.0
    for x in lst:
        s += x
    return s


def test_lists_pass_between_jit_functions():
    @njit
    def outer(n):
        a = _build(n)
        b = _build(n + 1)
        return a, len(b), _total(b) + _total(a)

    before = lists_live()
    a, n, s = outer(3)
    assert list(a) == [0.0, 1.0, 2.0] and n == 4 and s == 6.0 + 3.0
    del a
    assert lists_live() == before


def test_list_chosen_on_branches():
    @njit
    def pick(flag):
        if flag:
            lst = List.empty_list(types.int64)
            lst.append(1)
        else:
            lst = List.empty_list(types.int64)
        return lst

    before = lists_live()
    assert list(pick(True)) == [1] and list(pick(False)) == []
    assert lists_live() == before


def test_list_in_a_prange_loop_and_with_nogil():
    from jitufunc import prange

    @njit(parallel=True)
    def double(lst, out):
        for i in prange(len(lst)):
            out[i] = lst[i] * 2
        return out

    np.testing.assert_array_equal(double(List([1.0, 2.0, 3.0]), np.zeros(3)), [2.0, 4.0, 6.0])

    @njit(nogil=True)
    def push(lst):
        lst.append(5)
        return len(lst)

    lst = List([1])
    assert push(lst) == 2 and list(lst) == [1, 5]


def test_list_types_in_signature_strings():
    @njit("float64(ListType[float64])")
    def first(lst):
        return lst[0]

    assert first(List([4.0])) == 4.0
    assert first.signatures == ["float64(ListType[float64])"]


def test_untyped_list_made_inside_jit_takes_its_type_from_what_is_stored():
    @njit
    def f():
        lst = List()
        lst.append(1)
        lst.append(2.5)
        return lst

    got = f()
    assert isinstance(got, List) and repr(got) == "ListType[float64]([1.0, 2.5])"

    @njit
    def never_filled():
        lst = List()
        return len(lst)

    with pytest.raises(Exception, match=r"List\.empty_list\(types\.float64\)") as info:
        never_filled()
    assert "lst = List()" in str(info.value)
