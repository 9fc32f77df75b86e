"""Arrays as items of typed Lists and Dicts (`types.float64[:]` as an item
type, Numba's `array(float64, 1d, A)`): the same array objects from Python
and from `@njit` code, views sharing memory both ways, the checks on what
is stored, tuples holding arrays, and no leak of the arrays' memory or of
references to the Python arrays stored.

Expected values come from NumPy and from running the same Python function
on Python lists and dicts, never from jitufunc itself."""

import copy
import gc
import pickle
import subprocess
import sys

import numpy as np
import pytest

from jitufunc import _core, njit, prange, types
from jitufunc.errors import TypingError, UnsupportedError
from jitufunc.typed import Dict, List

ITEM_TYPES = [
    (types.float64[:], np.float64, 1, "array(float64, 1d, A)"),
    (types.float32[:, ::1], np.float32, 2, "array(float32, 2d, C)"),
    (types.int64[:], np.int64, 1, "array(int64, 1d, A)"),
    (types.uint8[:, :], np.uint8, 2, "array(uint8, 2d, A)"),
    (types.complex128[::1], np.complex128, 1, "array(complex128, 1d, C)"),
    (types.bool_[:], np.bool_, 1, "array(bool, 1d, A)"),
]


def sample(dtype, ndim, k):
    """A fresh C-contiguous array of `dtype` with `ndim` dimensions."""
    shape = (k + 1,) if ndim == 1 else (2, k + 1)
    return (np.arange(int(np.prod(shape))) % 7).reshape(shape).astype(dtype)


def live():
    stats = _core.memory_stats()
    return stats["allocated"] - stats["freed"], stats["lists_live"], stats["dicts_live"]


@pytest.mark.parametrize("item_type,dtype,ndim,name", ITEM_TYPES, ids=lambda x: str(x))
def test_python_api_keeps_the_array_objects(item_type, dtype, ndim, name):
    l = List.empty_list(item_type)
    arrays = [sample(dtype, ndim, k) for k in range(4)]
    for a in arrays:
        l.append(a)
    assert len(l) == 4
    assert str(types.ListType(item_type)) == f"ListType[{name}]"
    assert repr(l).startswith(f"ListType[{name}]([")
    for a, b in zip(l, arrays):
        assert a is b
    assert l[-1] is arrays[-1]
    # Writes through the List reach the arrays, and back.
    l[0][...] = l[1].flat[0]
    assert (arrays[0] == arrays[1].flat[0]).all()
    l[2] = arrays[3]
    assert l[2] is arrays[3]
    assert l.pop() is arrays[3]
    assert [x is y for x, y in zip(l[1:], [arrays[1], arrays[3]])] == [True, True]
    l.insert(0, arrays[3])
    assert l[0] is arrays[3] and len(l) == 4
    del l[0]
    assert l[0] is arrays[0]


def test_repr_and_str_are_numbas():
    l = List.empty_list(types.float64[:])
    l.append(np.arange(3.0))
    l.append(np.ones(2))
    # What Numba 0.68 prints for the same List.
    assert repr(l) == "ListType[array(float64, 1d, A)]([[0. 1. 2.], [1. 1.]])"
    assert str(l) == "[[0. 1. 2.], [1. 1.]]"
    d = Dict.empty(types.int64, types.float64[:])
    d[1] = np.array([-1.0, 42.0, 2.0])
    assert repr(d) == "DictType[int64,array(float64, 1d, A)]<iv=None>({1: [-1. 42.  2.]})"


def test_the_first_item_gives_numbas_type():
    assert repr(List([np.arange(2.0)])).startswith("ListType[array(float64, 1d, C)]")
    assert repr(List([np.arange(4.0)[::2]])).startswith("ListType[array(float64, 1d, A)]")
    assert repr(List([np.zeros((2, 2), np.int32).T])).startswith(
        "ListType[array(int32, 2d, A)]")


@pytest.mark.parametrize("bad,message", [
    (np.arange(3), "takes arrays of float64 with 1 dimension, not an array of int64 with 1 dimension"),
    (np.zeros((2, 2)), "not an array of float64 with 2 dimensions"),
    (3.0, "takes NumPy arrays, not float"),
    ([1.0, 2.0], "takes NumPy arrays, not list"),
    (np.arange(3.0).astype(">f8"), "not an array of >f8"),
])
def test_items_of_another_type_are_refused(bad, message):
    l = List.empty_list(types.float64[:])
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        l.append(bad)
    assert len(l) == 0


def test_read_only_and_strided_arrays_are_refused_where_the_type_says():
    r = np.arange(3.0)
    r.flags.writeable = False
    l = List.empty_list(types.float64[:])
    with pytest.raises(TypeError, match="writable arrays"):
        l.append(r)
    with pytest.raises(TypeError, match="writable arrays"):
        l.append(np.broadcast_to(np.arange(3.0), (3,)))
    c = List.empty_list(types.float64[::1])
    with pytest.raises(TypeError, match="C-contiguous arrays"):
        c.append(np.arange(6.0)[::2])
    # A strided view is fine for an item type with any strides, negative
    # and zero strides included, and stays a view.
    base = np.arange(6.0)
    zero = np.lib.stride_tricks.as_strided(base, (4,), (0,))
    for v in (base[::-2], zero):
        l.append(v)
        assert l[-1] is v
    l[-1][0] = 7.0
    assert base[0] == 7.0
    # A failed slice assignment changes nothing.
    before = [x for x in l]
    with pytest.raises(TypeError):
        l[0:1] = [np.arange(2.0), np.arange(2)]
    assert all(x is y for x, y in zip(l, before)) and len(l) == len(before)


def test_dict_of_arrays_from_python():
    d = Dict.empty(types.int64, types.float32[:, ::1])
    a, b = np.ones((2, 2), np.float32), np.zeros((3, 1), np.float32)
    d[1] = a
    d[2] = b
    assert d[1] is a and d.get(2) is b
    assert [k for k in d] == [1, 2]
    assert all(x is y for x, y in zip(d.values(), [a, b]))
    assert d.pop(1) is a
    with pytest.raises(TypeError, match="C-contiguous"):
        d[3] = np.ones((2, 2), np.float32).T
    del d[2]
    assert len(d) == 0


def test_tuples_holding_arrays():
    t = types.Tuple((types.int64, types.float64[:]))
    l = List.empty_list(t)
    a = np.arange(3.0)
    l.append((1, a))
    k, v = l[0]
    assert k == 1 and v is a
    with pytest.raises(TypeError):
        l.append((1, np.arange(3)))
    assert len(l) == 1


def test_pickle_and_deepcopy_keep_shared_arrays_shared():
    a = np.arange(4.0)
    l = List([a, a, np.ones(4)])
    for c in (pickle.loads(pickle.dumps(l)), copy.deepcopy(l)):
        assert repr(c) == repr(l)
        assert c[0] is c[1] and c[0] is not a
        c[0][0] = 9.0
        assert c[1][0] == 9.0 and a[0] == 0.0


# ---- inside @njit, against the same Python function on Python lists ----

def build(n):
    out = [np.zeros(1)]
    for i in range(n):
        out.append(np.arange(i + 1) * 1.5)
    total = 0.0
    for a in out:
        total += a.sum()
    out[-1][0] = total
    return out


def build_dict(n):
    d = {}
    for i in range(n):
        d[i % 3] = np.full((2, i + 1), float(i))
    return d


def comprehension(n):
    rows = [np.full(3, float(i)) for i in range(n) if i % 2 == 0]
    return [r * 2.0 for r in rows]


@pytest.mark.parametrize("n", [0, 1, 5])
def test_built_in_njit_matches_python(n):
    got = njit(build)(n)
    want = build(n)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    gd, wd = njit(build_dict)(n), build_dict(n)
    assert list(gd.keys()) == list(wd.keys())
    for k in wd:
        np.testing.assert_array_equal(gd[k], wd[k])
    assert [list(x) for x in njit(comprehension)(n)] == [list(x) for x in comprehension(n)]


def test_njit_writes_reach_python_arrays_and_stores_arguments_themselves():
    @njit
    def work(l, a):
        s = 0.0
        for x in l:
            s += x.sum()
        l[0][0] = -1.0
        l.append(a)
        l.append(a[::-1])
        return s

    a, b = np.arange(3.0), np.arange(5.0)
    refs = sys.getrefcount(b)
    l = List.empty_list(types.float64[:])
    l.extend([a, b])
    assert work(l, b) == 3.0 + 10.0
    assert a[0] == -1.0
    assert l[2] is b and len(l) == 4
    # A view made inside the function: a new array over b's memory.
    np.testing.assert_array_equal(l[3], b[::-1])
    assert np.shares_memory(l[3], b)
    # The List holds b three times: as given, appended, and as the base
    # of the reversed view.
    assert sys.getrefcount(b) - refs == 3
    del l
    gc.collect()
    assert sys.getrefcount(b) == refs


G = np.arange(4.0)


def test_a_global_array_is_stored_as_a_copy_and_read_only_values_are_refused():
    @njit
    def store_copy():
        l = [G.copy()]
        l.append(G * 2.0)
        l[0][0] = 99.0
        return l

    l = store_copy()
    assert list(l[0]) == [99.0, 1.0, 2.0, 3.0] and list(l[1]) == [0.0, 2.0, 4.0, 6.0]
    assert G[0] == 0.0

    @njit
    def store_global():
        return [G]

    with pytest.raises(TypingError, match=r"(?s)read-only.*line \d+.*return \[G\]"):
        store_global()


def test_errors_name_the_problem_and_the_line():
    @njit
    def wrong_dtype(l, a):
        l.append(a)

    with pytest.raises(TypingError, match=r"(?s)int64\[::1\] into a typed List of array\(float64, 1d, C\).*l\.append\(a\)"):
        wrong_dtype(List([np.arange(3.0)]), np.arange(3))

    @njit
    def contains(l, a):
        return a in l

    with pytest.raises(UnsupportedError, match="'in' on a typed List of array"):
        contains(List([np.arange(3.0)]), np.arange(3.0))

    @njit
    def out_of_range(l):
        return l[5]

    with pytest.raises(IndexError):
        out_of_range(List([np.arange(3.0)]))


def test_prange_workers_store_arguments_and_references_come_back():
    @njit(parallel=True)
    def fill(l, a, n):
        for i in prange(n):
            l[i] = a
        return len(l)

    a = np.arange(7.0)
    refs = sys.getrefcount(a)
    l = List([np.zeros(1) for _ in range(200)])
    assert fill(l, a, 200) == 200
    assert all(x is a for x in l)
    assert sys.getrefcount(a) - refs == 200
    l.clear()
    assert sys.getrefcount(a) == refs


def test_no_leak_over_many_rounds():
    @njit
    def churn(a, n):
        l = [a]
        d = {0: a}
        for i in range(n):
            l.append(np.empty(100))
            d[i] = l[-1]
            d[i + 1] = a
            if len(l) > 10:
                l.pop(0)
        return l, d

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    a = np.ones(1000)
    for _ in range(3):
        churn(a, 1000)
    gc.collect()
    refs, before, r0 = sys.getrefcount(a), live(), rss()
    for _ in range(1000):
        l, d = churn(a, 1000)
        del l, d
    for _ in range(20000):
        l = List.empty_list(types.float64[:])
        l.append(a)
        l.append(np.empty(10))
        l[0] = l[1]
        l.pop()
        d = Dict.empty(types.int64, types.float64[:])
        d[1] = a
        d[1] = a[::2]
        del d[1]
    del l, d
    gc.collect()
    assert live() == before
    assert sys.getrefcount(a) == refs
    # 1e6 arrays of 800 bytes went through the containers.
    assert rss() - r0 < 20 << 20


CACHED_MODULE = """
import numpy as np
from jitufunc import njit


@njit(cache=True)
def grow(l, n):
    for i in range(n):
        l.append(np.full(2, float(i)))
    return l
"""

CACHED_SCRIPT = """
import sys
from jitufunc import types
from jitufunc.typed import List
if sys.argv[1] == "other-order":
    # Other array types first: the item's number in this process differs.
    List.empty_list(types.int8[:, :])
    List.empty_list(types.float32[::1])
import arrays_cached
print(repr(arrays_cached.grow(List.empty_list(types.float64[:]), 3)))
"""


def test_cached_code_finds_the_array_item_type_in_another_process(tmp_path):
    import os

    (tmp_path / "arrays_cached.py").write_text(CACHED_MODULE)
    (tmp_path / "script.py").write_text(CACHED_SCRIPT)
    env = dict(os.environ, JITUFUNC_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path))
    want = "ListType[array(float64, 1d, A)]([[0. 0.], [1. 1.], [2. 2.]])\n"
    outputs, stamps = [], []
    for order in ("first", "other-order"):
        done = subprocess.run([sys.executable, str(tmp_path / "script.py"), order], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
        stamps.append(sorted((p.name, p.stat().st_mtime_ns) for p in (tmp_path / "cache").iterdir()))
    assert outputs == [want, want]
    # The second process loaded the first one's code.
    assert len(stamps[0]) == 1 and stamps[1] == stamps[0]


def test_items_larger_than_16_bytes_are_written_whole():
    # Tuples of three float64 (24 bytes) and 2-d array records (48 bytes)
    # through every Python path that builds an item before storing it.
    t = types.UniTuple(types.float64, 3)
    l = List.empty_list(t)
    l.append((1.0, 2.0, 3.0))
    l.insert(0, (4.0, 5.0, 6.0))
    l[1] = (7.0, 8.0, 9.0)
    assert list(l) == [(4.0, 5.0, 6.0), (7.0, 8.0, 9.0)]
    d = Dict.empty(types.int64, t)
    d[1] = (1.0, 2.0, 3.0)
    d[1] = (3.0, 2.0, 1.0)
    assert d[1] == (3.0, 2.0, 1.0)
    a = [np.ones((2, 2)), np.zeros((3, 1))]
    l2 = List.empty_list(types.float64[:, :])
    l2.append(a[0])
    l2.insert(0, a[1])
    l2[1] = a[1]
    assert l2[0] is a[1] and l2[1] is a[1]


def test_python_side_searches_find_the_same_array_first_as_python_lists_do():
    a, b = np.arange(3.0), np.arange(3.0)
    l = List.empty_list(types.float64[:])
    l.extend([a, a])
    p = [a, a]
    # Python's list compares by identity first, then with ==.
    assert (a in l, l.count(a), l.index(a)) == (a in p, p.count(a), p.index(a)) == (True, 2, 0)
    with pytest.raises(ValueError):
        p.count(b)
    with pytest.raises(ValueError):
        l.count(b)
    l.remove(a)
    assert len(l) == 1 and l[0] is a


@pytest.mark.parametrize("src", ["l.count(a)", "l.index(a)", "l.remove(a)", "a in l"])
def test_searches_inside_njit_are_refused_with_the_line(src):
    ns = {}
    exec(f"def f(l, a):\n    return {src}\n", ns)
    l = List([np.arange(3.0)])
    with pytest.raises((TypingError, UnsupportedError)) as err:
        njit(ns["f"])(l, np.arange(3.0))
    assert "array" in str(err.value)


def test_container_arguments_of_many_item_types_find_their_specialisations():
    # Enough item types that their numbers' low bytes are no NumPy type
    # numbers; each List type is its own specialisation, matched exactly.
    for dt in ("int8", "uint16", "float32", "complex64", "bool_"):
        for dims in (":", ":, :", ":, :, :", "::1", ":, ::1", ":, :, ::1"):
            List.empty_list(eval(f"types.{dt}[{dims}]"))

    @njit
    def size(l):
        return len(l)

    lists = [List([1.5]), List([np.arange(2.0)]), List([np.ones((1, 1), np.int8)]),
             List([List([1])]), List([(1, np.zeros(1))])]
    for _ in range(2):
        assert [size(l) for l in lists] == [1, 1, 1, 1, 1]
    assert len(size.signatures) == len(lists)
