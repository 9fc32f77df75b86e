"""``@jit(cache=True)``: compiled specialisations stored on disk and linked
by later processes.

As in ``tests/test_cache.py`` (ufuncs), a process does not load an entry it
wrote itself, so every hit is observed in a fresh subprocess: a script
written to ``tmp_path`` runs with ``JITUFUNC_CACHE_DIR`` pointing into
``tmp_path``, pickles what each call returned (or the exception it raised)
to a file and prints ``jitufunc._core.cache_stats()`` as JSON. The results
are compared here with the very same functions run as plain Python in this
process (the kernels' source is executed with ``jit``/``njit`` replaced by
a decorator that changes nothing), or with NumPy. Entry files are read and
written with an independent implementation of the documented format:

    magic b"JITUFUNC-CACHE\\n" | u32 format (1) | key | meta | object | u64 checksum
    field = u64 length + bytes (little endian); checksum = FNV-1a-64 of all before it.

Nothing here measures time.
"""

import json
import math
import os
import pickle
import re
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import make_function
from jitufunc import _core, jit, njit
from jitufunc.errors import OptionError

MAGIC = b"JITUFUNC-CACHE\n"
ENTRY_NAME = re.compile(r"^(?P<name>.+)-[0-9a-f]{16}\.jitufunc$")


# --- the entry format, implemented independently --------------------------------

def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def parse_entry(data):
    """``(format, key, meta, object)``; raises AssertionError if ``data`` is
    not a well-formed entry."""
    assert data[: len(MAGIC)] == MAGIC, "bad magic"
    body, (checksum,) = data[:-8], struct.unpack("<Q", data[-8:])
    assert fnv1a64(body) == checksum, "bad checksum"
    pos = len(MAGIC)
    (fmt,) = struct.unpack_from("<I", body, pos)
    pos += 4
    fields = []
    for _ in range(3):
        (n,) = struct.unpack_from("<Q", body, pos)
        pos += 8
        fields.append(body[pos: pos + n])
        assert len(fields[-1]) == n, "field runs past the end"
        pos += n
    assert pos == len(body), "trailing bytes"
    return fmt, fields[0].decode(), fields[1], fields[2]


def encode_entry(fmt, key, meta, obj):
    out = bytearray(MAGIC)
    out += struct.pack("<I", fmt)
    for field in (key.encode(), meta, obj):
        out += struct.pack("<Q", len(field)) + field
    out += struct.pack("<Q", fnv1a64(bytes(out)))
    return bytes(out)


def entries(cache):
    """Entry files (not temporaries) in ``cache``, by name."""
    if not cache.is_dir():
        return {}
    return {p.name: p for p in cache.iterdir() if not p.name.startswith(".")}


def names(cache):
    """The function names of the entries in ``cache``, sorted."""
    return sorted(ENTRY_NAME.match(f).group("name") for f in entries(cache))


def temporaries(cache):
    return [p.name for p in cache.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


# --- running scripts ------------------------------------------------------------

def _env(cache):
    env = dict(os.environ)
    env["JITUFUNC_CACHE_DIR"] = str(cache)
    for var in ("JITUFUNC_PASSES", "JITUFUNC_DISABLE_JIT", "JITUFUNC_LANES", "JITUFUNC_MASKED_LANES",
                "JITUFUNC_LLVM_OPTIONS"):
        env.pop(var, None)
    return env


def start(script, cache, out, *args):
    return subprocess.Popen([sys.executable, str(script), str(out), *map(str, args)], env=_env(cache),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, out):
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"script failed (rc {proc.returncode}):\n{stderr[-4000:]}"
    report = json.loads(stdout.strip().splitlines()[-1])
    # Fresh processes never reuse code of their own (tested in-process below).
    assert report["stats"].pop("reused") == 0, report
    with open(out, "rb") as f:
        results = pickle.load(f)
    return report, results


def run(script, cache, out, *args):
    return finish(start(script, cache, out, *args), out)


PRELUDE = '''
import json, linecache, math, pickle, sys
import numpy as np
import jitufunc
from jitufunc import jit, njit, vectorize, _core

def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:
        return ("raise", type(e).__name__, str(e))

def report(results, **extra):
    with open(sys.argv[1], "wb") as fh:
        pickle.dump(results, fh)
    print(json.dumps(dict(stats=_core.cache_stats(), dir=str(_core.cache_dir()), **extra)))
'''


def write_script(tmp_path, name, *parts):
    path = tmp_path / name
    path.write_text(PRELUDE + "".join(textwrap.dedent(p) for p in parts))
    return path


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:  # noqa: BLE001 - compared with the compiled function's
        return ("raise", type(e).__name__, str(e))


def _plain(*args, **kwargs):
    """Stands in for ``jit``/``njit`` when the kernels run as plain Python."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


def plain_namespace(*sources):
    """The functions of ``sources`` as plain Python (their decorators do
    nothing), defined in this process."""
    ns = {"np": np, "math": math, "jit": _plain, "njit": _plain}
    for src in sources:
        exec(compile(textwrap.dedent(src), "<plain>", "exec"), ns)
    return ns


def assert_same_value(label, got, want):
    """``got`` (the compiled function's result) equals ``want`` (Python's):
    arrays of the same dtype and shape, tuples item by item, scalars as the
    Python scalar of the same kind."""
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), (label, got)
        assert got.dtype == want.dtype and got.shape == want.shape, (label, got.dtype, got.shape, want.dtype,
                                                                     want.shape)
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=label)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=label)
        return
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (label, got, want)
        for g, w in zip(got, want):
            assert_same_value(label, g, w)
        return
    kind = np.asarray(want).dtype.kind
    expected_type = {"b": bool, "i": int, "u": int, "f": float, "c": complex}[kind]
    assert type(got) is expected_type, (label, type(got), got, want)
    if kind in "biu":
        assert got == want, (label, got, want)
    else:
        single = np.asarray(want).dtype in (np.float32, np.complex64)
        assert got == pytest.approx(complex(want) if kind == "c" else float(want), rel=1e-6 if single else 1e-12,
                                    nan_ok=True), (label, got, want)


def check_outcome(label, got, want, message=True):
    if want[0] == "raise":
        assert got[:2] == want[:2], (label, got, want)
        if message:
            assert got[2] == want[2], (label, got, want)
        return
    assert got[0] == "ok", (label, got)
    assert_same_value(label, got[1], want[1])


# --- (a) warm start: scalars, arrays, tuples, exceptions, eager signatures -------

KERNELS = '''
SCALE = 2.5

@njit(cache=True)
def poly(x, y):
    return x * x * SCALE - y

@jit(cache=True)
def total(a):
    s = 0.0
    for v in a:
        s += v
    return s

@njit(cache=True)
def colmeans(m):
    rows, cols = m.shape
    out = np.zeros(cols)
    for j in range(cols):
        s = 0.0
        for i in range(rows):
            s += m[i, j]
        out[j] = s / rows
    return out

@njit(cache=True)
def matmul(A, B):
    m, n = A.shape
    n2, p = B.shape
    if n != n2:
        raise ValueError("Inner matrix dimensions must agree.")
    C = np.zeros((m, p))
    for i in range(m):
        for j in range(p):
            s = 0.0
            for k in range(n):
                s += A[i, k] * B[k, j]
            C[i, j] = s
    return C

@njit(cache=True)
def extremes(a):
    lo = a[0]
    hi = a[0]
    for v in a:
        if v < lo:
            lo = v
        if v > hi:
            hi = v
    return lo, hi, len(a)

@njit("float64(float64[:])", cache=True)
def mean(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s / a.shape[0]

@jit(["float64(float64, float64)", "int64(int64, int64)"], cache=True)
def hyp2(x, y):
    return x * x + y * y

@njit(cache=True)
def scaled(x, scale=2.0, shift=0):
    return x * scale + shift

@njit(cache=True)
def weighted(pair, w):
    a, n = pair
    return a[n] * w
'''

FUNCS = ["poly", "total", "colmeans", "matmul", "extremes", "mean", "hyp2", "scaled", "weighted"]

CALLS = '''
def make_calls(more):
    x = np.linspace(-3, 3, 11)
    ro = np.linspace(0, 1, 7)
    ro.setflags(write=False)
    A = np.arange(6.0).reshape(2, 3)
    B = np.linspace(-1, 1, 12).reshape(3, 4)
    calls = [
        ("poly_ff", "poly", (1.5, 2.0)),
        ("poly_ii", "poly", (3, 4)),
        ("poly_cf", "poly", (1 + 2j, 0.5)),
        ("total_f", "total", (x,)),
        ("total_i32", "total", (np.arange(-20, 30, dtype=np.int32),)),
        ("total_strided", "total", (x[::3],)),
        ("total_readonly", "total", (ro,)),
        ("colmeans_c", "colmeans", (B,)),
        ("colmeans_t", "colmeans", (B.T,)),
        ("matmul", "matmul", (A, B)),
        ("matmul_bad", "matmul", (A, A)),
        ("extremes", "extremes", (x,)),
        ("mean", "mean", (x,)),
        ("hyp2_f", "hyp2", (3.0, 4.5)),
        ("hyp2_i", "hyp2", (3, 4)),
        ("scaled_defaults", "scaled", (1.5,)),
        ("scaled_given", "scaled", (1.5, 3.0, 1)),
        ("weighted", "weighted", ((x, 2), 0.5)),
    ]
    if more:
        calls += [
            ("poly_f32", "poly", (np.float32(1.5), np.float32(0.25))),
            ("total_u8", "total", (np.arange(200, dtype=np.uint8),)),
            ("matmul_i", "matmul", (np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4))),
            ("matmul_i_bad", "matmul", (np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3))),
            ("extremes_i", "extremes", (np.array([5, -3, 9, 2]),)),
        ]
    return calls
'''

WARM_RUN = f'''
FUNCS = {FUNCS!r}
results = {{}}
for label, name, args in make_calls(sys.argv[2] == "more"):
    results[label] = outcome(globals()[name], *args)
report(results, signatures={{n: globals()[n].signatures for n in FUNCS}},
       types={{n: type(globals()[n]).__name__ for n in FUNCS}})
'''

# scaled(1.5) and scaled(1.5, 3.0, 1) have the same argument types (the
# defaults are arguments): one specialisation.
BASE_SPECIALISATIONS = {"poly": 3, "total": 4, "colmeans": 2, "matmul": 1, "extremes": 1, "mean": 1, "hyp2": 1,
                        "scaled": 1, "weighted": 1}
MORE_SPECIALISATIONS = {"poly": 1, "total": 1, "matmul": 1, "extremes": 1}


def check_warm_results(results, more):
    plain = plain_namespace(KERNELS, CALLS)
    calls = plain["make_calls"](more)
    assert sorted(results) == sorted(label for label, _, _ in calls)
    for label, name, args in calls:
        check_outcome(label, results[label], outcome(plain[name], *args))
    # The exception really came out of the cache: class and message.
    assert results["matmul_bad"] == ("raise", "ValueError", "Inner matrix dimensions must agree.")
    A = np.arange(6.0).reshape(2, 3)
    B = np.linspace(-1, 1, 12).reshape(3, 4)
    np.testing.assert_allclose(results["matmul"][1], A @ B, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(results["colmeans_t"][1], B.T.mean(axis=0), rtol=1e-14, atol=1e-15)
    if more:
        assert results["matmul_i_bad"] == ("raise", "ValueError", "Inner matrix dimensions must agree.")
        np.testing.assert_array_equal(results["matmul_i"][1],
                                      (np.arange(6).reshape(2, 3) @ np.arange(12).reshape(3, 4)).astype(float))


def test_warm_start_stores_then_hits_and_new_types_add_entries(tmp_path):
    script = write_script(tmp_path, "warm.py", KERNELS, CALLS, WARM_RUN)
    cache = tmp_path / "cache"
    n_base = sum(BASE_SPECIALISATIONS.values())
    n_more = sum(MORE_SPECIALISATIONS.values())

    first, r1 = run(script, cache, tmp_path / "r1.pkl", "base")
    assert first["dir"] == str(cache)
    assert set(first["types"].values()) == {"Dispatcher"}, first["types"]
    # One entry per lazily compiled specialisation, one per eager signature list.
    assert first["stats"] == {"hits": 0, "rejected": 0, "stores": n_base}
    check_warm_results(r1, more=False)
    files = entries(cache)
    assert len(files) == n_base
    assert names(cache) == sorted(n for n, k in BASE_SPECIALISATIONS.items() for _ in range(k))
    assert temporaries(cache) == []
    for n, k in BASE_SPECIALISATIONS.items():
        assert len(first["signatures"][n]) == (2 if n == "hyp2" else k), (n, first["signatures"][n])

    # A fresh process links every specialisation: nothing compiled, nothing written.
    second, r2 = run(script, cache, tmp_path / "r2.pkl", "base")
    assert second["stats"] == {"hits": n_base, "rejected": 0, "stores": 0}
    assert second["signatures"] == first["signatures"]
    check_warm_results(r2, more=False)
    for label in r1:                       # the very same machine code
        if r1[label][0] == "ok" and isinstance(r1[label][1], np.ndarray):
            np.testing.assert_array_equal(r2[label][1], r1[label][1], strict=True)
        else:
            assert r2[label] == r1[label], label
    assert entries(cache).keys() == files.keys()
    for name, path in files.items():
        assert path.read_bytes() == entries(cache)[name].read_bytes()

    # New argument types: the old specialisations hit, each new one is an entry.
    third, r3 = run(script, cache, tmp_path / "r3.pkl", "more")
    assert third["stats"] == {"hits": n_base, "rejected": 0, "stores": n_more}
    check_warm_results(r3, more=True)
    assert len(entries(cache)) == n_base + n_more
    assert entries(cache).keys() > files.keys()
    total = {n: BASE_SPECIALISATIONS[n] + MORE_SPECIALISATIONS.get(n, 0) for n in BASE_SPECIALISATIONS}
    assert names(cache) == sorted(n for n, k in total.items() for _ in range(k))

    fourth, r4 = run(script, cache, tmp_path / "r4.pkl", "more")
    assert fourth["stats"] == {"hits": n_base + n_more, "rejected": 0, "stores": 0}
    assert fourth["signatures"] == third["signatures"]
    check_warm_results(r4, more=True)
    assert temporaries(cache) == []


def test_entries_are_well_formed_and_keyed_by_source_and_types(tmp_path):
    script = write_script(tmp_path, "warm.py", KERNELS, CALLS, WARM_RUN)
    cache = tmp_path / "cache"
    run(script, cache, tmp_path / "r.pkl", "base")
    triple, cpu, features = _core.host_cpu()
    keys = []
    for name, path in entries(cache).items():
        data = path.read_bytes()
        fmt, key, meta, obj = parse_entry(data)
        assert fmt == 1
        assert len(obj) > 0 and len(meta) > 0
        assert encode_entry(fmt, key, meta, obj) == data
        lines = key.splitlines()
        assert f"host {triple} {cpu} {features}" in lines
        assert "entry jit" in lines, lines[:6]           # not mistaken for a ufunc's entry
        function = ENTRY_NAME.match(name).group("name")
        assert f"def {function}(" in key                 # the source is part of the key
        keys.append(key)
    assert len(set(keys)) == len(keys)
    # The four total() entries differ in their argument types.
    sigs = sorted(line for key in keys if "def total(" in key for line in key.splitlines()
                  if line.startswith("signatures "))
    assert len(sigs) == 4 and len(set(sigs)) == 4
    assert sum("int32" in s for s in sigs) == 1 and sum("readonly" in s for s in sigs) == 1


# --- (b) what makes a miss ------------------------------------------------------

VARIANTS = '''
MODE = sys.argv[2]

def define(src, filename, **globals_):
    """Defines the function in ``src`` as if from ``filename`` (fixed, so
    the same text gives the same key in every process)."""
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    ns = dict(np=np, math=math, **globals_)
    exec(compile(src, filename, "exec"), ns)
    return ns[src.split("(")[0].split()[-1]]

HELPER = "def helper(x):\\n    return x * x + OFFSET\\n"
HELPER_CHANGED = "def helper(x):\\n    return x * x * x + OFFSET\\n"
KERN = "def kern(x):\\n    return helper(x) * SCALE + 1.0\\n"
KERN_CHANGED = "def kern(x):\\n    return helper(x) * SCALE + 2.0\\n"
TWIN = "def twin(x):\\n    return helper(x) - 1.0\\n"
DIV = "def div(x, y):\\n    return x / y\\n"
GET = "def get(a, i):\\n    return a[i]\\n"
SQ = "def sq(x):\\n    return x * x - 1.0\\n"
VK = "def vk(x):\\n    return x * 10.0\\n"
VK_CHANGED = "def vk(x):\\n    return x * 100.0\\n"
VIA = "def via(x):\\n    return vk(x) + 1.0\\n"
FACTORY = "def factory(c):\\n    def closure(x):\\n        return x * c\\n    return closure\\n"
factory = define(FACTORY, "<factory>")

def helper(src=HELPER, offset=0.0):
    return njit(cache=True)(define(src, "<helper>", OFFSET=offset))

def kern(helper_, src=KERN, scale=2.0, **opts):
    return njit(cache=True, **opts)(define(src, "<kern>", SCALE=scale, helper=helper_))

h0 = helper()
results = {}
results["helper"] = outcome(h0, 1.5)
results["base"] = outcome(kern(h0), 1.5)
results["twin"] = outcome(njit(cache=True)(define(TWIN, "<twin>", helper=h0)), 1.5)
results["div"] = outcome(njit(cache=True)(define(DIV, "<div>")), 1.0, 0.0)
results["get"] = outcome(njit(cache=True)(define(GET, "<get>")), np.arange(3.0), 1)
# The same function as a @jit function and as a ufunc: two entries.
results["sq_jit"] = outcome(njit("float64(float64)", cache=True)(define(SQ, "<sq>")), 1.5)
results["sq_ufunc"] = outcome(vectorize(["float64(float64)"], cache=True)(define(SQ, "<sq>")), np.array([1.5, 2.0]))
# A @jit function calling a (not cached) ufunc, and a closure.
vk = vectorize(["float64(float64)"])(define(VK, "<vk>"))
results["via"] = outcome(njit(cache=True)(define(VIA, "<via>", vk=vk)), 1.5)
results["closure"] = outcome(njit(cache=True)(factory(2.0)), 1.5)
if MODE == "variants":
    results["source"] = outcome(kern(h0, src=KERN_CHANGED), 1.5)
    results["global"] = outcome(kern(h0, scale=4.0), 1.5)
    results["callee_source"] = outcome(kern(helper(HELPER_CHANGED)), 1.5)
    results["callee_global"] = outcome(kern(helper(offset=1.0)), 1.5)
    results["fastmath"] = outcome(kern(h0, fastmath=True), 1.5)
    results["error_model"] = outcome(njit(cache=True, error_model="numpy")(define(DIV, "<div>")), 1.0, 0.0)
    results["boundscheck"] = outcome(njit(cache=True, boundscheck=True)(define(GET, "<get>")), np.arange(3.0), 5)
    vk_changed = vectorize(["float64(float64)"])(define(VK_CHANGED, "<vk>"))
    results["ufunc_callee"] = outcome(njit(cache=True)(define(VIA, "<via>", vk=vk_changed)), 1.5)
    results["closure_value"] = outcome(njit(cache=True)(factory(5.0)), 1.5)
report(results)
'''

X = 1.5


def expected_variants(variants):
    """What each call returns, computed in Python (and NumPy for the ufunc
    and the NumPy error model)."""
    plain_get = make_function("""
        def get(a, i):
            return a[i]
    """)
    out = {
        "helper": ("ok", X * X + 0.0),
        "base": ("ok", (X * X + 0.0) * 2.0 + 1.0),
        "twin": ("ok", (X * X + 0.0) - 1.0),
        "div": outcome(lambda x, y: x / y, 1.0, 0.0),
        "get": ("ok", 1.0),
        "sq_jit": ("ok", X * X - 1.0),
        "sq_ufunc": ("ok", np.array([1.5, 2.0]) ** 2 - 1.0),
        "via": ("ok", X * 10.0 + 1.0),
        "closure": ("ok", X * 2.0),
    }
    if variants:
        with np.errstate(divide="ignore"):
            numpy_div = float(np.float64(1.0) / np.float64(0.0))
        out.update({
            "source": ("ok", (X * X + 0.0) * 2.0 + 2.0),
            "global": ("ok", (X * X + 0.0) * 4.0 + 1.0),
            "callee_source": ("ok", (X * X * X + 0.0) * 2.0 + 1.0),
            "callee_global": ("ok", (X * X + 1.0) * 2.0 + 1.0),
            "fastmath": ("ok", (X * X + 0.0) * 2.0 + 1.0),
            "error_model": ("ok", numpy_div),
            "boundscheck": outcome(plain_get, np.arange(3.0), 5),
            "ufunc_callee": ("ok", X * 100.0 + 1.0),
            "closure_value": ("ok", X * 5.0),
        })
    return out


def check_variants(results, variants):
    want = expected_variants(variants)
    assert sorted(results) == sorted(want)
    assert want["div"][:2] == ("raise", "ZeroDivisionError")
    assert want["boundscheck" if variants else "get"][0] == ("raise" if variants else "ok")
    for label in want:
        # Python's messages for these two are not jitufunc's (Numba's neither).
        check_outcome(label, results[label], want[label], message=label not in ("div", "boundscheck"))
    if variants:
        assert math.isinf(results["error_model"][1]) and results["error_model"][1] > 0


def _count(cache):
    counts = {}
    for n in names(cache):
        counts[n] = counts.get(n, 0) + 1
    return counts


def test_changed_source_globals_callee_or_options_are_misses(tmp_path):
    script = write_script(tmp_path, "variants.py", VARIANTS)
    cache = tmp_path / "cache"
    first, r = run(script, cache, tmp_path / "r1.pkl", "base")
    check_variants(r, variants=False)
    assert first["stats"]["hits"] == 0 and first["stats"]["rejected"] == 0
    assert first["stats"]["stores"] == len(entries(cache))
    base = _count(cache)
    assert base.pop("helper") >= 1                   # called directly at least
    assert base == {"kern": 1, "twin": 1, "div": 1, "get": 1, "sq": 2, "via": 1, "closure": 1}

    # The base functions (a @jit function calling another, twice) hit ...
    again, r = run(script, cache, tmp_path / "r2.pkl", "base")
    assert again["stats"] == {"hits": first["stats"]["stores"], "rejected": 0, "stores": 0}
    check_variants(r, variants=False)

    # ... and each variant misses: its own entry, its own result.
    second, r = run(script, cache, tmp_path / "r3.pkl", "variants")
    check_variants(r, variants=True)
    assert second["stats"]["hits"] == first["stats"]["stores"]
    assert second["stats"]["rejected"] == 0
    assert second["stats"]["stores"] == len(entries(cache)) - first["stats"]["stores"]
    counts = _count(cache)
    counts.pop("helper")
    # source, global, callee's source, callee's global, fastmath: five new kern entries.
    # error_model, boundscheck, the ufunc's source, the closure's value: one new entry each.
    assert counts == {"kern": 6, "twin": 1, "div": 2, "get": 2, "sq": 2, "via": 2, "closure": 2}

    # Every variant's entry is good; one process links all of them, each
    # function with its own code.
    third, r = run(script, cache, tmp_path / "r4.pkl", "variants")
    assert third["stats"] == {"hits": second["stats"]["hits"] + second["stats"]["stores"], "rejected": 0,
                              "stores": 0}
    check_variants(r, variants=True)


# --- (c) damaged and foreign entries --------------------------------------------

SIMPLE = '''
@njit(cache=sys.argv[2] == "True")
def clip_sum(a, lo, hi):
    s = 0.0
    for v in a:
        if v < lo:
            s += lo
        elif v > hi:
            s += hi
        else:
            s += v
    return s

@njit(cache=sys.argv[2] == "True")
def checked_sqrt(x):
    if x < 0:
        raise ValueError("negative input")
    return math.sqrt(x)

results = {}
results["f"] = outcome(clip_sum, np.linspace(-5, 5, 101), -2.0, 3.0)
results["i"] = outcome(clip_sum, np.arange(-50, 50), -20, 30)
results["sqrt"] = outcome(checked_sqrt, 6.25)
results["sqrt_neg"] = outcome(checked_sqrt, -1.0)
report(results)
'''


def check_simple(r):
    x = np.linspace(-5, 5, 101)
    assert r["f"][0] == "ok" and type(r["f"][1]) is float
    assert r["f"][1] == pytest.approx(float(np.clip(x, -2.0, 3.0).sum()), rel=1e-12)
    assert r["i"][0] == "ok"
    assert r["i"][1] == float(np.clip(np.arange(-50, 50), -20, 30).sum())
    assert r["sqrt"] == ("ok", 2.5)
    assert r["sqrt_neg"] == ("raise", "ValueError", "negative input")


def _float_entry(cache):
    """The file name of clip_sum's float64 entry (the int64 one has the
    other argument types in its key)."""
    (name,) = [n for n, p in entries(cache).items()
               if n.startswith("clip_sum-") and "float64[::1]" in parse_entry(p.read_bytes())[1]]
    return name


def _fake_cpu(data):
    fmt, key, meta, obj = parse_entry(data)
    lines = key.split("\n")
    (i,) = [k for k, line in enumerate(lines) if line.startswith("host ")]
    parts = lines[i].split(" ")            # host <triple> <cpu> <features>
    parts[2] = "fakecpu-9000"
    lines[i] = " ".join(parts)
    return encode_entry(fmt, "\n".join(lines), meta, obj)


def _other_format(data):
    fmt, key, meta, obj = parse_entry(data)
    return encode_entry(fmt + 1, key, meta, obj)


def _flip_middle(data):
    b = bytearray(data)
    b[len(b) // 2] ^= 0x5A
    return bytes(b)


def _bad_meta(data):
    fmt, key, meta, obj = parse_entry(data)
    return encode_entry(fmt, key, b"\x01\x02not the loops", obj)


def _truncated_object(data):
    fmt, key, meta, obj = parse_entry(data)
    return encode_entry(fmt, key, meta, obj[: len(obj) // 2])


def _zeroed_object(data):
    fmt, key, meta, obj = parse_entry(data)
    return encode_entry(fmt, key, meta, bytes(len(obj)))


DAMAGE = {
    "truncated": lambda d, other: d[: len(d) // 2],
    "truncated_by_one": lambda d, other: d[:-1],
    "flipped_byte": lambda d, other: _flip_middle(d),
    "other_format": lambda d, other: _other_format(d),
    "fake_cpu": lambda d, other: _fake_cpu(d),
    "empty": lambda d, other: b"",
    "garbage": lambda d, other: np.random.default_rng(7).integers(0, 256, len(d), dtype=np.uint8).tobytes(),
    "other_entry": lambda d, other: other,          # a good entry of another specialisation
    "bad_meta": lambda d, other: _bad_meta(d),
    "truncated_object": lambda d, other: _truncated_object(d),
    "zeroed_object": lambda d, other: _zeroed_object(d),
}


def test_damaged_or_foreign_entries_are_rejected_rewritten_and_then_hit(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    good_dir = tmp_path / "good"
    first, r = run(script, good_dir, tmp_path / "r0.pkl", "True")
    assert first["stats"] == {"hits": 0, "rejected": 0, "stores": 3}
    check_simple(r)
    good_files = {n: p.read_bytes() for n, p in entries(good_dir).items()}
    name = _float_entry(good_dir)
    good = good_files[name]
    _, good_key, _, _ = parse_entry(good)
    (other_name,) = [n for n in good_files if n.startswith("clip_sum-") and n != name]

    # Each damaged copy in its own cache dir (beside the two good entries),
    # the processes run at once.
    procs = {}
    for kind, damage in DAMAGE.items():
        cache = tmp_path / kind
        cache.mkdir()
        for n, data in good_files.items():
            (cache / n).write_bytes(data)
        bad = damage(good, good_files[other_name])
        assert bad != good
        (cache / name).write_bytes(bad)
        procs[kind] = start(script, cache, tmp_path / f"{kind}-1.pkl", "True")
    for kind, proc in procs.items():
        report, r = finish(proc, tmp_path / f"{kind}-1.pkl")
        assert report["stats"] == {"hits": 2, "rejected": 1, "stores": 1}, kind
        check_simple(r)
        cache = tmp_path / kind
        assert sorted(entries(cache)) == sorted(good_files), kind
        _, key, _, _ = parse_entry((cache / name).read_bytes())
        assert key == good_key, kind      # rewritten with this specialisation's key
        assert (cache / other_name).read_bytes() == good_files[other_name], kind
        assert temporaries(cache) == [], kind

    procs = {kind: start(script, tmp_path / kind, tmp_path / f"{kind}-2.pkl", "True") for kind in DAMAGE}
    for kind, proc in procs.items():
        report, r = finish(proc, tmp_path / f"{kind}-2.pkl")
        assert report["stats"] == {"hits": 3, "rejected": 0, "stores": 0}, kind
        check_simple(r)


# --- (d) cache=False, and a cache that cannot be written ---------------------------

def test_cache_false_neither_writes_nor_reads_entries(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    empty = tmp_path / "never_made"
    report, r = run(script, empty, tmp_path / "r0.pkl", "False")
    assert report["stats"] == {"hits": 0, "rejected": 0, "stores": 0}
    check_simple(r)
    assert not empty.exists()

    # Entries written with cache=True are not linked with cache=False.
    cache = tmp_path / "cache"
    run(script, cache, tmp_path / "r1.pkl", "True")
    before = {n: p.read_bytes() for n, p in entries(cache).items()}
    assert len(before) == 3
    report, r = run(script, cache, tmp_path / "r2.pkl", "False")
    assert report["stats"] == {"hits": 0, "rejected": 0, "stores": 0}
    check_simple(r)
    assert {n: p.read_bytes() for n, p in entries(cache).items()} == before


def test_unwritable_cache_dir_still_compiles(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    blocker = tmp_path / "a_file"
    blocker.write_text("I am a regular file")
    cache = blocker / "cache"
    report, r = run(script, cache, tmp_path / "r.pkl", "True")
    assert report["dir"] == str(cache)
    assert report["stats"] == {"hits": 0, "rejected": 0, "stores": 0}
    check_simple(r)
    assert blocker.read_text() == "I am a regular file"


# --- (e) concurrent writers -----------------------------------------------------

CONCURRENT = '''
import os, time
go = sys.argv[3]
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.002)
'''


def test_concurrent_processes_compile_into_an_empty_cache(tmp_path):
    script = write_script(tmp_path, "concurrent.py", CONCURRENT, SIMPLE)
    cache = tmp_path / "cache"
    go = tmp_path / "go"
    procs = [start(script, cache, tmp_path / f"r{k}.pkl", "True", go) for k in range(3)]
    go.write_text("go")
    stores = 0
    for k, proc in enumerate(procs):
        report, r = finish(proc, tmp_path / f"r{k}.pkl")
        check_simple(r)
        assert report["stats"]["rejected"] == 0, report
        assert report["stats"]["hits"] + report["stats"]["stores"] == 3, report
        stores += report["stats"]["stores"]
    assert stores >= 3
    assert temporaries(cache) == []
    assert names(cache) == ["checked_sqrt", "clip_sum", "clip_sum"]
    for path in entries(cache).values():
        parse_entry(path.read_bytes())
    report, r = run(script, cache, tmp_path / "r9.pkl", "True", go)
    assert report["stats"] == {"hits": 3, "rejected": 0, "stores": 0}
    check_simple(r)


# --- (f) a 0-d array argument ------------------------------------------------------

ZERO_D = '''
@njit(cache=True)
def total0(a):
    s = 0.0
    for v in a.ravel():
        s += v
    return s

report({"zero_d": outcome(total0, np.array(5.0)), "one_d": outcome(total0, np.arange(4.0))},
       signatures=total0.signatures)
'''


def test_zero_dimensional_array_specialisations_hit(tmp_path):
    script = write_script(tmp_path, "zero_d.py", ZERO_D)
    cache = tmp_path / "cache"
    want = {"zero_d": ("ok", float(np.array(5.0).sum())), "one_d": ("ok", float(np.arange(4.0).sum()))}
    first, r = run(script, cache, tmp_path / "r1.pkl")
    assert r == want
    assert first["stats"] == {"hits": 0, "rejected": 0, "stores": 2}
    second, r = run(script, cache, tmp_path / "r2.pkl")
    assert r == want
    assert second["signatures"] == first["signatures"]
    assert second["stats"] == {"hits": 2, "rejected": 0, "stores": 0}


# --- in this process ------------------------------------------------------------

def test_cache_false_writes_nothing_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    f = make_function("""
        def plus_three(x):
            return x + 3
    """)
    before = _core.cache_stats()
    for d in (njit(f), njit(cache=False)(f), jit("float64(float64)", cache=False)(f)):
        assert d(1.5) == 4.5
    assert njit(f)(4) == 7
    assert _core.cache_stats() == before
    assert not (tmp_path / "cache").exists()


def test_a_process_reuses_its_own_code_for_the_same_specialisation(tmp_path, monkeypatch):
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    f = make_function("""
        def twice_plus(x):
            return x * 2 + 5
    """)
    before = _core.cache_stats()
    d1 = njit(cache=True)(f)
    assert d1(1.25) == 7.5
    mid = _core.cache_stats()
    assert mid["stores"] == before["stores"] + 1
    assert mid["hits"] == before["hits"] and mid["rejected"] == before["rejected"]
    assert len(entries(tmp_path / "cache")) == 1
    d2 = njit(cache=True)(f)                     # a cell run again
    assert d2(-3.5) == -2.0
    after = _core.cache_stats()
    assert after["stores"] == mid["stores"]      # not compiled or written again
    assert after["hits"] == mid["hits"] and after["rejected"] == mid["rejected"]
    assert after["reused"] == mid["reused"] + 1
    assert d1(2.0) == 9.0 and d2(2.0) == 9.0
    # A new argument type is a new entry.
    assert d2(7) == 19 and type(d2(7)) is int
    assert _core.cache_stats()["stores"] == mid["stores"] + 1
    assert len(entries(tmp_path / "cache")) == 2


def test_eager_signatures_are_one_entry_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    f = make_function("""
        def cube(x):
            return x * x * x
    """)
    before = _core.cache_stats()
    d = njit(["float64(float64)", "int64(int64)"], cache=True)(f)
    assert _core.cache_stats()["stores"] == before["stores"] + 1      # when decorating
    assert d(1.5) == 3.375 and d(-3) == -27
    assert _core.cache_stats()["stores"] == before["stores"] + 1
    assert names(tmp_path / "cache") == ["cube"]


@pytest.mark.parametrize("bad", ["yes", 1, 0, None, "True"])
def test_cache_option_must_be_a_bool(bad):
    f = make_function("""
        def k(x):
            return x
    """)
    with pytest.raises(OptionError, match="cache"):
        njit(cache=bad)(f)
    with pytest.raises(OptionError, match="cache"):
        jit(cache=bad)(f)
    with pytest.raises(OptionError, match="cache"):
        njit("float64(float64)", cache=bad)(f)
    with pytest.raises(OptionError, match="cache"):
        jit(f, cache=bad)
