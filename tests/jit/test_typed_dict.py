"""jitufunc.typed.Dict: the mapping API from Python and inside @njit,
compared with a plain Python ``dict`` doing the same operations (expected
values always come from Python's dict) and with Numba's ``typed.Dict``
where Numba is installed; interop (one table shared by both sides),
errors with Python's messages, and memory (reference counts and RSS)."""

import gc
import pickle
import resource

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitufunc import _core, njit, types
from jitufunc.typed import Dict

try:
    import numba
    from numba import typed as nb_typed
    from numba import types as nb_types
except Exception as exc:  # pragma: no cover - depends on the environment
    numba = None
    NUMBA_MISSING = f"numba cannot be imported: {exc!r}"
else:
    NUMBA_MISSING = ""

needs_numba = pytest.mark.skipif(numba is None, reason=NUMBA_MISSING or "numba")

# (type name, how Python sees a stored key or value: the number as the
# type holds it)
KEY_TYPES = {
    "int64": int,
    "int32": lambda x: int(np.int32(x)),
    "uint8": lambda x: int(np.uint8(x)),
    "uint64": int,
    "float64": float,
    "float32": lambda x: float(np.float32(x)),
    "bool": bool,
}
VALUE_TYPES = {
    "int64": int,
    "int16": lambda x: int(np.int16(x)),
    "float64": float,
    "float32": lambda x: float(np.float32(x)),
    "complex128": complex,
    "complex64": lambda x: complex(np.complex64(x)),
    "bool": bool,
}


def jt(name):
    return getattr(types, "boolean" if name == "bool" else name)


def dicts_live():
    gc.collect()
    return _core.memory_stats()["dicts_live"]


def same(typed, expected):
    """The typed Dict holds exactly the Python dict's items, in its order,
    of its Python types."""
    got = list(typed.items())
    want = list(expected.items())
    assert got == want
    assert [(type(k), type(v)) for k, v in got] == [(type(k), type(v)) for k, v in want]
    assert len(typed) == len(expected)


def key_values(name, n):
    """`n` distinct keys of type `name` (as Python numbers)."""
    if name == "bool":
        return [False, True][:n]
    if name == "uint8":
        return list(range(min(n, 256)))
    if name.startswith("float"):
        return [k * 0.5 - 7.0 for k in range(n)]
    return [k * 7 - 3 * n if name != "uint64" else k * 7 + 2**63 for k in range(n)]


# ---------------------------------------------------------------- Python side

@pytest.mark.parametrize("kname", KEY_TYPES)
@pytest.mark.parametrize("vname", VALUE_TYPES)
def test_mapping_api_against_a_python_dict(kname, vname):
    kconv, vconv = KEY_TYPES[kname], VALUE_TYPES[vname]
    d = Dict.empty(jt(kname), jt(vname))
    ref = {}
    keys = key_values(kname, 40)
    for i, k in enumerate(keys):
        v = vconv(i % 3) if vname != "bool" else bool(i % 2)
        d[k] = v
        ref[kconv(k)] = v
    same(d, ref)
    for k in keys[::3]:
        del d[k]
        del ref[kconv(k)]
    same(d, ref)
    for k in keys[::6]:  # reinserted keys go to the end
        d[k] = vconv(1)
        ref[kconv(k)] = vconv(1)
    same(d, ref)
    for k in keys:
        assert (k in d) == (kconv(k) in ref)
        assert d.get(k, "missing") == ref.get(kconv(k), "missing")
    assert list(d) == list(ref)
    assert list(d.keys()) == list(ref.keys())
    assert list(d.values()) == list(ref.values())
    assert d.popitem() == ref.popitem()
    k = next(iter(ref))
    assert d.pop(k) == ref.pop(k)
    assert d.pop(k, "default") == ref.pop(k, "default")
    same(d, ref)
    assert d == ref and d == d.copy()
    d.clear()
    ref.clear()
    same(d, ref)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["set", "del", "pop", "popdef", "get", "in", "setdefault", "popitem"]),
            st.integers(-20, 20),
            st.integers(-1000, 1000),
        ),
        max_size=200,
    )
)
def test_random_operations_against_a_python_dict(ops):
    d = Dict.empty(types.int64, types.int64)
    ref = {}
    for op, k, v in ops:
        if op == "set":
            d[k] = v
            ref[k] = v
        elif op == "setdefault":
            assert d.setdefault(k, v) == ref.setdefault(k, v)
        elif op == "get":
            assert d.get(k) == ref.get(k)
        elif op == "in":
            assert (k in d) == (k in ref)
        elif op == "popdef":
            assert d.pop(k, None) == ref.pop(k, None)
        else:
            expected = got = None
            try:
                expected = ref.popitem() if op == "popitem" else (ref.pop(k) if op == "pop" else ref.__delitem__(k))
            except KeyError as e:
                expected = ("KeyError", str(e))
            try:
                got = d.popitem() if op == "popitem" else (d.pop(k) if op == "pop" else d.__delitem__(k))
            except KeyError as e:
                got = ("KeyError", str(e))
            assert got == expected
        same(d, ref)


# Numbers among which Python's dict sees equal keys: 1 == 1.0 == True,
# 0 == -0.0 == 0.0 == False (NaN left out: Python finds a NaN key by
# identity, typed Dicts never find one).
EQUAL_NUMBERS = [0, -0.0, 0.0, False, 1, 1.0, True, 2.5, -2.5, 1e300, -(2**53), 2**53, 0.1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["set", "del", "get"]), st.sampled_from(EQUAL_NUMBERS), st.integers(0, 9)),
        max_size=60,
    )
)
def test_float_keys_follow_pythons_equal_numbers(ops):
    d = Dict.empty(types.float64, types.int64)
    ref = {}
    for op, k, v in ops:
        if op == "set":
            d[k] = v
            ref[float(k) if k not in ref else k] = v
        elif op == "del":
            assert d.pop(k, None) == ref.pop(k, None)
        else:
            assert d.get(k) == ref.get(k)
            assert (k in d) == (k in ref)
    # Same keys (as floats: the first key stored stays, as in Python),
    # same order, same values.
    assert [(repr(k), v) for k, v in d.items()] == [(repr(float(k)), v) for k, v in ref.items()]


@pytest.mark.parametrize("n", [0, 1, 2, 5, 6, 100, 10_000])
def test_growth_past_many_resizes_keeps_order(n):
    d = Dict.empty(types.int64, types.float64)
    ref = {}
    for i in range(n):
        k = (i * 7919) % 100_003 - 50_000  # spread out, negative too
        d[k] = i * 0.25
        ref[k] = i * 0.25
    same(d, ref)
    for k in list(ref)[::2]:
        del d[k]
        del ref[k]
    for i in range(n // 3):
        d[i] = -1.0
        ref[i] = -1.0
    same(d, ref)


def test_colliding_keys():
    # Keys that differ only in high bits (same low bits).
    d = Dict.empty(types.int64, types.int64)
    ref = {}
    for i in range(300):
        k = i << 40
        d[k] = i
        ref[k] = i
    for i in range(0, 300, 3):
        del d[i << 40]
        del ref[i << 40]
    same(d, ref)
    assert all(d[k] == v for k, v in ref.items())


def test_equal_numbers_are_equal_keys():
    d = Dict.empty(types.float64, types.int64)
    ref = {}
    for k, v in [(1.0, 1), (1, 2), (True, 3), (-0.0, 4), (0.0, 5), (0, 6), (2.5, 7)]:
        d[k] = v
        ref[k] = v
    # Python keeps the first key stored (1.0 and -0.0) with the last value.
    assert list(d.items()) == list(ref.items())
    assert str(d) == str(ref)
    ints = Dict.empty(types.int64, types.int64)
    ints[1] = 10
    assert 1.0 in ints and ints[1.0] == 10 and ints.get(True) == 10
    assert 1.5 not in ints and ints.get(1.5, "no") == "no"
    small = Dict.empty(types.int8, types.int8)
    assert 300 not in small


def test_nan_keys_are_never_equal_as_in_numba():
    d = Dict.empty(types.float64, types.int64)
    d[float("nan")] = 1
    d[float("nan")] = 2
    assert len(d) == 2
    assert float("nan") not in d
    assert [v for _, v in d.items()] == [1, 2]


def test_repr_str_and_views():
    d = Dict.empty(types.int64, types.float64)
    d[1] = 2.0
    d[3] = 4.5
    assert repr(d) == "DictType[int64,float64]<iv=None>({1: 2.0, 3: 4.5})"
    assert str(d) == "{1: 2.0, 3: 4.5}"
    assert repr(Dict()) == "None({})"
    assert repr(d.keys()) == "KeysView(DictType[int64,float64]<iv=None>({1: 2.0, 3: 4.5}))"
    keys = d.keys()
    d[5] = 0.0
    assert list(keys) == [1, 3, 5] and 5 in keys and len(keys) == 3
    assert (3, 4.5) in d.items() and 4.5 in d.values()
    c = Dict.empty(types.int32, types.complex128)
    c[1] = 2j
    assert repr(c) == "DictType[int32,complex128]<iv=None>({1: 2j})"


def test_dict_constructor_update_copy_and_pickle():
    d = Dict({1: 2.5, 2: 3.5})
    assert d._typenums() == (np.dtype(np.int64).num, np.dtype(np.float64).num)
    d.update([(3, 1.0)], **{})
    d.update({1: 0.0})
    assert d == {1: 0.0, 2: 3.5, 3: 1.0}
    c = d.copy()
    c[4] = 4.0
    assert 4 not in d and c._address() != d._address()
    back = pickle.loads(pickle.dumps(d))
    assert back == d and list(back) == list(d)
    assert Dict() == {} and Dict() != {1: 1.0}
    assert d != {1: 0.0, 2: 3.5, 3: 2.0}
    with pytest.raises(TypeError):
        hash(d)


def test_changing_size_while_iterating_is_an_error_as_in_python():
    d = Dict({1: 1.0, 2: 2.0})
    with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
        for k in d:
            d[k + 10] = 0.0


def test_python_side_errors_have_pythons_messages():
    d = Dict.empty(types.int64, types.float64)
    d[1] = 1.0
    ref = {1: 1.0}
    for op in [lambda m: m[7], lambda m: m.pop(7), lambda m: m.__delitem__(7)]:
        with pytest.raises(KeyError) as want:
            op(ref)
        with pytest.raises(KeyError) as got:
            op(d)
        assert str(got.value) == str(want.value)
    with pytest.raises(KeyError) as want:
        {}.popitem()
    with pytest.raises(KeyError) as got:
        Dict.empty(types.int64, types.int64).popitem()
    assert str(got.value) == str(want.value)
    with pytest.raises(TypeError, match=r"^unhashable type: 'list'$"):
        d[[1]] = 1.0
    with pytest.raises(TypeError, match=r"^unhashable type: 'list'$"):
        [1] in d  # noqa: B015
    with pytest.raises(TypeError, match="keys of int64 takes integer keys, not str"):
        d["a"] = 1.0
    with pytest.raises(TypeError, match="keys of int64 takes integer keys, not float"):
        d[1.5] = 1.0
    with pytest.raises(TypeError, match="values of float64 takes real numbers, not complex"):
        d[2] = 1j
    assert len(d) == 1  # a refused value leaves the dict as it was
    with pytest.raises(OverflowError, match="Python integer 300 out of bounds for int8"):
        Dict.empty(types.int8, types.int8)[300] = 1
    with pytest.raises(TypeError, match="keys are booleans, integers or floats"):
        Dict.empty(types.complex128, types.int64)
    with pytest.raises(TypeError, match="Dict key types are numbers"):
        Dict.empty("not a type", types.int64)
    with pytest.raises(TypeError, match="typed Dicts hold numbers"):
        Dict({"a": 1})
    assert np.float32(1.0) in d and np.int8(1) in d
    with pytest.raises(TypeError):
        Dict.empty(types.int64, types.float16)


# ---------------------------------------------------------------- vs Numba

@needs_numba
@pytest.mark.filterwarnings("ignore:unsafe cast")
@pytest.mark.parametrize("kname,vname", [("int64", "float64"), ("float64", "int64"), ("int32", "complex128"), ("bool", "uint8")])
def test_same_items_repr_and_order_as_numba(kname, vname):
    nb = nb_typed.Dict.empty(getattr(nb_types, "boolean" if kname == "bool" else kname), getattr(nb_types, vname))
    ours = Dict.empty(jt(kname), getattr(types, vname))
    keys = key_values(kname, 30)
    for i, k in enumerate(keys):
        nb[k] = i % 2
        ours[k] = i % 2
    for k in keys[::4]:
        del nb[k]
        del ours[k]
    for k in keys[::8]:
        nb[k] = 1
        ours[k] = 1
    assert list(ours.items()) == list(nb.items())
    assert repr(ours) == repr(nb)
    assert ours.popitem() == nb.popitem()
    assert len(ours) == len(nb)


@needs_numba
def test_same_results_as_numba_inside_njit():
    def program(d, n):
        for i in range(n):
            d[(i * 37) % 1000] = i * 0.5
        s = 0.0
        for i in range(0, n, 3):
            s += d.pop((i * 37) % 1000, 0.0)
        for k in d:
            s += k * d[k]
        for k, v in d.items():
            s -= v
        return s, len(d), 5 in d, d.get(37, -1.0)

    ours = Dict.empty(types.int64, types.float64)
    theirs = nb_typed.Dict.empty(nb_types.int64, nb_types.float64)
    assert njit(program)(ours, 5000) == numba.njit(program)(theirs, 5000)
    assert list(ours.items()) == list(theirs.items())


# ---------------------------------------------------------------- @njit

@pytest.mark.parametrize("kname", ["int64", "int32", "uint8", "uint64", "float64", "float32", "bool"])
@pytest.mark.parametrize("vname", ["int64", "float32", "complex128", "bool"])
def test_njit_operations_match_a_python_dict(kname, vname):
    kconv, vconv = KEY_TYPES[kname], VALUE_TYPES[vname]
    keys = key_values(kname, 25)

    @njit
    def fill(d, ks, vs):
        for i in range(len(ks)):
            d[ks[i]] = vs[i]

    @njit
    def drop(d, ks):
        for i in range(len(ks)):
            d.pop(ks[i])

    @njit
    def read(d, ks, default):
        found = np.zeros(len(ks), dtype=np.bool_)
        got = np.zeros(len(ks), dtype=default.dtype)
        for i in range(len(ks)):
            found[i] = ks[i] in d
            got[i] = d.get(ks[i], default[0])
        return found, got, len(d)

    kdtype = np.dtype(kname)
    vdtype = np.dtype(vname)
    ks = np.array(keys, dtype=kdtype)
    vs = (np.arange(len(keys)) % 3).astype(vdtype)
    d = Dict.empty(jt(kname), jt(vname))
    fill(d, ks, vs)
    ref = {kconv(k): vconv(v.item()) for k, v in zip(ks.tolist(), vs)}
    same(d, ref)
    drop(d, ks[::3])
    for k in ks[::3].tolist():
        del ref[kconv(k)]
    same(d, ref)
    fill(d, ks[::6], vs[::6])
    for k, v in zip(ks[::6].tolist(), vs[::6]):
        ref[kconv(k)] = vconv(v.item())
    same(d, ref)
    default = np.array([1], dtype=vdtype)
    found, got, n = read(d, ks, default)
    assert found.tolist() == [kconv(k) in ref for k in ks.tolist()]
    assert got.tolist() == [ref.get(kconv(k), vconv(1)) for k in ks.tolist()]
    assert n == len(ref)


def test_njit_loops_over_keys_values_and_items_in_order_after_deletions():
    @njit
    def churn(d, n):
        for i in range(n):
            d[i] = i * 1.5
        for i in range(0, n, 2):
            d.pop(i)
        for i in range(0, n, 4):
            d[i] = -1.0

    @njit
    def walk(d):
        ks = np.zeros(len(d), dtype=np.int64)
        vs = np.zeros(len(d))
        pairs = np.zeros(len(d))
        j = 0
        for k in d:
            ks[j] = k
            j += 1
        j = 0
        for v in d.values():
            vs[j] = v
            j += 1
        j = 0
        for k, v in d.items():
            pairs[j] = k + v
            j += 1
        j = 0
        for k in d.keys():
            assert ks[j] == k
            j += 1
        return ks, vs, pairs

    d = Dict.empty(types.int64, types.float64)
    churn(d, 1000)
    ref = {}
    for i in range(1000):
        ref[i] = i * 1.5
    for i in range(0, 1000, 2):
        ref.pop(i)
    for i in range(0, 1000, 4):
        ref[i] = -1.0
    same(d, ref)
    ks, vs, pairs = walk(d)
    assert ks.tolist() == list(ref.keys())
    assert vs.tolist() == list(ref.values())
    assert pairs.tolist() == [k + v for k, v in ref.items()]


def test_dict_made_in_njit_comes_back_and_python_mutations_are_seen():
    @njit
    def make(n):
        d = Dict.empty(types.int64, types.float64)
        for i in range(n):
            d[i] = i / 2
        return d

    @njit
    def bump(d):
        for k in d:
            d[k] = d[k] + 1.0
        d[-1] = 0.0
        return d

    d = make(4)
    assert isinstance(d, Dict)
    assert d == {0: 0.0, 1: 0.5, 2: 1.0, 3: 1.5}
    d[10] = 10.0  # from Python, seen by compiled code
    back = bump(d)
    assert back._address() == d._address()  # the same table, no copy
    assert d == {0: 1.0, 1: 1.5, 2: 2.0, 3: 2.5, 10: 11.0, -1: 0.0}
    assert list(d) == [0, 1, 2, 3, 10, -1]


def test_dict_passed_in_and_out_and_through_tuples():
    @njit
    def both(d, e):
        e[1] = d[1]
        return e, d, len(d) + len(e)

    d = Dict({1: 3})
    e = Dict.empty(types.int64, types.int64)
    e2, d2, n = both(d, e)
    assert e2._address() == e._address() and d2._address() == d._address()
    assert e == {1: 3} and n == 2


def test_key_error_in_njit_names_the_key_and_the_line():
    @njit
    def f(d, k):
        return d[k]

    @njit
    def g(d, k):
        return d.pop(k)

    d = Dict.empty(types.int64, types.float64)
    with pytest.raises(KeyError, match=r"12345 \(in 'f', .*line \d+: return d\[k\]\)"):
        f(d, 12345)
    with pytest.raises(KeyError, match=r"-7 \(in 'g', .*return d.pop\(k\)\)"):
        g(d, -7)
    fd = Dict.empty(types.float64, types.float64)
    with pytest.raises(KeyError, match=r"^.1e\+16 \(in 'f'"):
        f(fd, 1e16)
    # the process carries on: the dict works afterwards
    d[1] = 2.0
    assert f(d, 1) == 2.0


def test_njit_errors_release_the_dicts_made_before():
    @njit
    def f(d):
        tmp = Dict.empty(types.int64, types.int64)
        tmp[1] = 1
        return d[5] + tmp[1]

    before = dicts_live()
    for _ in range(10):
        with pytest.raises(KeyError):
            f(Dict.empty(types.int64, types.int64))
    assert dicts_live() == before


def test_njit_compile_errors():
    @njit
    def float_key(d):
        d[1.5] = 1.0

    @njit
    def get_without_default(d):
        return d.get(1)

    @njit
    def complex_value(d):
        d[1] = 1j

    d = Dict.empty(types.int64, types.float64)
    with pytest.raises(Exception, match="cannot store a value of type .*float.* as a key of a typed Dict of int64 keys"):
        float_key(d)
    with pytest.raises(Exception, match=r"d.get\(k, default\)"):
        get_without_default(d)
    with pytest.raises(Exception, match="as a value of a typed Dict"):
        complex_value(d)


def test_python_dict_argument_is_refused_with_a_hint():
    @njit
    def f(d):
        return len(d)

    with pytest.raises(TypeError, match=r"is a dict; @jit functions do not take Python dicts.*jitufunc\.typed\.Dict"):
        f({1: 2.0})
    with pytest.raises(TypeError, match=r"empty Dict\(\) whose key and value types are not known"):
        f(Dict())


def test_dict_class_itself_inside_njit_points_to_empty():
    @njit
    def f():
        return Dict()

    with pytest.raises(Exception, match=r"Dict.empty\(types.int64, types.float64\)"):
        f()


def test_signature_strings_and_one_specialisation_per_type():
    @njit("float64(DictType[int64,float64], int64)")
    def get(d, k):
        return d[k]

    d = Dict({3: 1.5})
    assert get(d, 3) == 1.5

    @njit
    def first(d):
        out = d.get(0, 0)
        for k in d:
            return k
        return out > 0

    assert first(Dict({7: 1})) == 7
    assert first(Dict({7.5: 1})) == 7.5
    assert first(Dict({True: 1})) is True
    assert len(first.signatures) == 3


# ---------------------------------------------------------------- memory

def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_memory_of_a_million_inserts_and_removes_in_compiled_code():
    @njit
    def churn(d, n):
        s = 0.0
        for i in range(n):
            d[i] = i * 1.0
        for i in range(n):
            s += d.pop(i)
        return s

    @njit
    def fresh(n):
        total = 0
        for r in range(5):
            tmp = Dict.empty(types.int64, types.int64)
            for i in range(n):
                tmp[i] = i
            total += len(tmp)
        return total

    d = Dict.empty(types.int64, types.float64)
    churn(d, 10)
    before = dicts_live()
    want = float(sum(range(10**6)))
    assert churn(d, 10**6) == want
    assert fresh(10**6) == 5 * 10**6
    rss0 = max_rss_mb()
    for _ in range(4):
        assert churn(d, 10**6) == want
        assert fresh(10**6) == 5 * 10**6
    assert len(d) == 0
    assert dicts_live() == before
    # After the first round the tables are as large as they get: later
    # rounds reuse freed memory.
    assert max_rss_mb() - rss0 < 30


def test_memory_of_dicts_made_and_dropped_from_python_and_njit():
    @njit
    def make_one(n):
        d = Dict.empty(types.int64, types.int64)
        for i in range(n):
            d[i] = i
        return d

    before = dicts_live()
    for i in range(2000):
        d = Dict({1: 2.0, 2: float(i)})
        d[3] = 3.0
        del d
        e = make_one(50)
        assert len(e) == 50
        del e
    assert dicts_live() == before
    rss0 = max_rss_mb()
    for i in range(50_000):
        d = make_one(20)
        del d
    assert dicts_live() == before
    assert max_rss_mb() - rss0 < 10


def test_del_in_njit():
    @njit
    def remove_evens(d):
        for k in range(0, 10, 2):
            del d[k]

    @njit
    def remove(d, k):
        del d[k]

    d = Dict({k: float(k) for k in range(10)})
    ref = {k: float(k) for k in range(10)}
    remove_evens(d)
    for k in range(0, 10, 2):
        del ref[k]
    same(d, ref)
    with pytest.raises(KeyError, match=r"4 \(in 'remove', .*del d\[k\]"):
        remove(d, 4)

    @njit
    def del_name(x):
        y = x
        del y
        return x

    with pytest.raises(Exception, match="'del' statements are supported on one key of a typed Dict"):
        del_name(1)


def test_prange_loops_reading_one_dict_with_holes():
    from jitufunc import prange

    @njit(parallel=True)
    def total(d, n):
        s = 0.0
        for i in prange(n):
            t = 0.0
            for v in d.values():
                t += v
            s += t
        return s

    for _ in range(20):
        d = Dict.empty(types.int64, types.float64)
        for i in range(2000):
            d[i] = 1.0
        for i in range(0, 2000, 2):
            del d[i]  # holes: the first loop to start compacts
        assert total(d, 64) == 64 * 1000.0
