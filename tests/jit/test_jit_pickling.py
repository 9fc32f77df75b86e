"""Pickling ``@jit`` dispatchers.

A dispatcher found again under its module and qualified name (decorated
at module level of an importable module) pickles by reference: the pickle
holds the names, not the code, and loads as the very same object. One made
in ``__main__``, inside a function or from a source string pickles by value
through cloudpickle: the Python function, the source it compiles from, the
options and the signatures compiled so far; the loaded dispatcher compiles
those signatures again when it is loaded. Round trips of scripts run in
fresh interpreters, with the script deleted before loading, so the source
has to travel in the pickle. Results are compared with the same functions
run as plain Python in this process, or with NumPy.
"""

import copy
import json
import math
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import jitufunc
from conftest import make_function
from jitufunc import njit

REPO_PYTHON = str(Path(jitufunc.__file__).resolve().parent.parent)


def needs_cloudpickle():
    return pytest.importorskip("cloudpickle", reason="by-value pickling of @jit dispatchers needs cloudpickle")


def run_python(args, cwd, extra_path=(), env_extra=None, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), REPO_PYTHON, env.get("PYTHONPATH", "")])
    env.pop("JITUFUNC_DISABLE_JIT", None)
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    return proc.stdout


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:  # noqa: BLE001 - compared with the compiled function's
        return ("raise", type(e).__name__, str(e))


OUTCOME_SOURCE = '''
def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:
        return ("raise", type(e).__name__, str(e))
'''


def _plain(*args, **kwargs):
    """Stands in for ``jit``/``njit`` when the kernels run as plain Python."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


def plain_namespace(*sources):
    ns = {"np": np, "math": math, "jit": _plain, "njit": _plain}
    for src in sources:
        exec(compile(textwrap.dedent(src), "<plain>", "exec"), ns)
    return ns


def assert_same_value(label, got, want):
    """``got`` (compiled) equals ``want`` (Python or NumPy): arrays of the
    same dtype and shape, tuples item by item, scalars as the Python scalar
    of the same kind."""
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), (label, got)
        assert got.dtype == want.dtype and got.shape == want.shape, (label, got, want)
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


# --- by reference -----------------------------------------------------------------

MODULE_SOURCE = '''
import numpy as np
from jitufunc import jit, njit

SECRET_OFFSET = 12345.0


@njit
def lazy_poly(x, y):
    return x * x - 3 * y + SECRET_OFFSET


@jit(["float64(float64)", "int64(int64)"])
def eager2(x):
    return x * 2 + 1


@njit(error_model="numpy")
def ratio(a, b):
    return a / b


@njit
def colsum(m):
    out = np.zeros(m.shape[1])
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            out[j] += m[i, j]
    return out


class Holder:
    def _k(x):
        return x + 1
    inc = njit(_k)


def make():
    @njit
    def inner(x):
        return x * 3
    return inner
'''

BY_REFERENCE = ["lazy_poly", "eager2", "ratio", "colsum"]


@pytest.fixture
def kernel_module(tmp_path, monkeypatch):
    """A module file in ``tmp_path`` with module-level @jit functions,
    importable in this process and in children."""
    name = f"jit_kernels_{os.getpid()}_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(MODULE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(name)
    yield name, module
    sys.modules.pop(name, None)


def test_module_level_dispatchers_pickle_by_reference(kernel_module):
    name, m = kernel_module
    assert m.lazy_poly(1.5, 2.0) == 1.5 * 1.5 - 3 * 2.0 + 12345.0      # compiled before pickling
    for attr in BY_REFERENCE:
        d = getattr(m, attr)
        assert d.__module__ == name and d.__qualname__ == attr
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            data = pickle.dumps(d, protocol=protocol)
            # a reference: the module and the name, not the function or its code
            assert name.encode() in data and attr.encode() in data, data
            assert len(data) < 200, (len(data), data)
            assert b"SECRET_OFFSET" not in data and b"return" not in data and b"float64" not in data, data
            assert pickle.loads(data) is d
        assert copy.copy(d) is d and copy.deepcopy(d) is d         # as for a module-level function
        assert pickle.loads(pickle.dumps([d, {"again": d}])) == [d, {"again": d}]
    assert m.lazy_poly.signatures == ["float64(pyfloat, pyfloat)"]


def test_module_level_dispatchers_pickle_by_reference_with_cloudpickle_too(kernel_module):
    cloudpickle = needs_cloudpickle()
    name, m = kernel_module
    for attr in BY_REFERENCE:
        d = getattr(m, attr)
        data = cloudpickle.dumps(d)
        assert len(data) < 200 and name.encode() in data and b"SECRET_OFFSET" not in data, data
        assert pickle.loads(data) is d


def test_dispatchers_not_found_under_their_name_pickle_by_value(kernel_module):
    needs_cloudpickle()
    name, m = kernel_module
    # `Holder._k` finds the plain function, not the dispatcher; `make`'s
    # function is not reachable by name at all.
    inner = m.make()
    assert inner.__qualname__ == "make.<locals>.inner"
    assert inner(4) == 12
    m.Holder.inc(1.5)
    for d, x, want, text in [(m.Holder.inc, 41, 42, b"return x + 1"), (inner, 2.5, 7.5, b"return x * 3")]:
        data = pickle.dumps(d)
        assert b"rebuild" in data and text in data, data       # the function and its source travel
        e = pickle.loads(data)
        assert e is not d and type(e) is type(d)
        assert e.__qualname__ == d.__qualname__
        assert e.signatures == d.signatures                     # before any call
        assert e(x) == want and type(e(x)) is type(want)


CHILD_BY_REFERENCE = '''
import json, pickle, sys
import numpy as np
with open(sys.argv[1], "rb") as f:
    funcs = pickle.load(f)
import {module} as m
same = [funcs[name] is getattr(m, name) for name in {names!r}]
before = {{name: funcs[name].signatures for name in funcs}}
print(json.dumps(dict(
    same=same, before=before,
    poly=funcs["lazy_poly"](1.5, 2.0), eager=[funcs["eager2"](2.5), funcs["eager2"](3)],
    ratio=funcs["ratio"](1.0, 0.0) == float("inf"),
    colsum=funcs["colsum"](np.arange(12.0).reshape(3, 4)).tolist())))
'''


def test_by_reference_round_trip_in_a_fresh_interpreter(kernel_module, tmp_path):
    name, m = kernel_module
    m.lazy_poly(1, 2)
    m.colsum(np.ones((2, 2)))
    path = tmp_path / "byref.pkl"
    path.write_bytes(pickle.dumps({n: getattr(m, n) for n in BY_REFERENCE}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run_python(["-c", CHILD_BY_REFERENCE.format(module=name, names=BY_REFERENCE), path], cwd=elsewhere,
                     extra_path=[tmp_path])
    r = json.loads(out.strip().splitlines()[-1])
    assert r["same"] == [True] * len(BY_REFERENCE)
    # A fresh import: only the eager signatures, nothing the parent compiled lazily.
    assert r["before"] == {"lazy_poly": [], "eager2": ["float64(float64)", "int64(int64)"], "ratio": [],
                           "colsum": []}
    assert r["poly"] == 1.5 * 1.5 - 3 * 2.0 + 12345.0
    assert r["eager"] == [6.0, 7] and isinstance(r["eager"][1], int)
    assert r["ratio"] is True
    assert r["colsum"] == np.arange(12.0).reshape(3, 4).sum(axis=0).tolist()


# --- by value: a script's __main__ ----------------------------------------------------

MAIN_KERNELS = '''
OFFSET = 7


@njit
def shifted(x, y):
    return x * y + OFFSET


@njit
def calls_other(x):
    return shifted(x, 2.0) - 1.0


@njit
def rowsums(m):
    out = np.zeros(m.shape[0])
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            out[i] += m[i, j]
    return out


@njit
def summary(a):
    s = 0.0
    for v in a:
        s += v
    return s, len(a), a.shape[0] > 2


@njit
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


@njit("float64(float64[:])")
def mean(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s / a.shape[0]


@jit(["float64(float64)", "int64(int64)"])
def eager2(x):
    return x * 2 + 1


@njit(error_model="numpy")
def div_numpy(a, b):
    return a / b


@njit
def div_python(a, b):
    return a / b


@njit(boundscheck=True)
def get_checked(a, i):
    return a[i]


@njit
def scaled(x, scale=2.0):
    return x * scale


def make():
    @njit
    def inner(x):
        return x - OFFSET
    return inner


inner = make()
'''

MAIN_FUNCS = ["shifted", "calls_other", "rowsums", "summary", "matmul", "mean", "eager2", "div_numpy",
              "div_python", "get_checked", "scaled", "inner"]

MAIN_CALLS = '''
def make_calls(child):
    ro = np.arange(6, dtype=np.int32).reshape(2, 3)
    ro.setflags(write=False)
    A = np.arange(6.0).reshape(2, 3)
    B = np.linspace(-1, 1, 12).reshape(3, 4)
    calls = [
        ("shifted_ii", "shifted", (3, 4)),
        ("shifted_ff", "shifted", (1.5, 2.0)),
        ("shifted_bi", "shifted", (True, 2)),
        ("calls_other", "calls_other", (1.5,)),
        ("rowsums_ro", "rowsums", (ro,)),
        ("rowsums_f", "rowsums", (np.ones((2, 3)),)),
        ("summary", "summary", (np.linspace(0, 1, 5),)),
        ("matmul", "matmul", (A, B)),
        ("mean", "mean", (np.linspace(0, 1, 7),)),
        ("eager2_f", "eager2", (2.5,)),
        ("div_numpy", "div_numpy", (1.0, 2.0)),
        ("div_python", "div_python", (1.0, 4.0)),
        ("get_checked", "get_checked", (np.arange(3.0), 1)),
        ("scaled", "scaled", (1.5,)),
        ("inner", "inner", (10,)),
    ]
    if child:
        calls += [
            ("shifted_ii_2", "shifted", (-5, 6)),
            ("summary_2", "summary", (np.arange(2.0),)),
            ("matmul_bad", "matmul", (A, A)),
            ("eager2_i", "eager2", (3,)),
            ("div_numpy_inf", "div_numpy", (1.0, 0.0)),
            ("div_numpy_neg", "div_numpy", (-1.0, 0.0)),
            ("div_numpy_nan", "div_numpy", (0.0, 0.0)),
            ("div_python_zero", "div_python", (1.0, 0.0)),
            ("get_checked_out", "get_checked", (np.arange(3.0), 5)),
            ("get_checked_neg", "get_checked", (np.arange(3.0), -1)),
            ("scaled_given", "scaled", (1.5, 3.0)),
            ("shifted_f32", "shifted", (np.float32(1.5), np.float32(2.0))),   # a new type: compiled in the child
            ("eager2_complex", "eager2", (1j,)),                               # not among the signatures
            ("mean_int", "mean", (np.arange(5),)),                             # not among the signatures
        ]
    return calls
'''

MAIN_SCRIPT = f'''
import pickle, sys
import cloudpickle
import numpy as np
from jitufunc import jit, njit
{OUTCOME_SOURCE}
{MAIN_KERNELS}
{MAIN_CALLS}
for label, name, args in make_calls(child=False):
    result = outcome(globals()[name], *args)
    assert result[0] == "ok", (label, result)
assert shifted.__module__ == "__main__"
funcs = {{name: globals()[name] for name in {MAIN_FUNCS!r}}}
with open(sys.argv[1], "wb") as f:
    cloudpickle.dump(dict(funcs=funcs, signatures={{n: list(d.signatures) for n, d in funcs.items()}},
                          qualnames={{n: d.__qualname__ for n, d in funcs.items()}}), f)
print("SAVED")
'''

# The loader has a global and a function of the same names as the pickled
# ones: the pickled functions must not pick them up.
CHILD_BY_VALUE = f'''
import pickle, sys
import numpy as np
{OUTCOME_SOURCE}
{MAIN_CALLS}
OFFSET = 1000

def shifted(x, y):
    return x - y

with open(sys.argv[1], "rb") as f:
    d = pickle.load(f)
funcs = d["funcs"]
loaded = {{n: list(f.signatures) for n, f in funcs.items()}}       # before any call
info = {{n: (type(f).__name__, f.__qualname__, f.__name__) for n, f in funcs.items()}}
results = {{}}
for label, name, args in make_calls(child=True):
    results[label] = outcome(funcs[name], *args)
after = {{n: list(f.signatures) for n, f in funcs.items()}}
with open(sys.argv[2], "wb") as f:
    pickle.dump(dict(parent=d["signatures"], qualnames=d["qualnames"], loaded=loaded, info=info,
                     results=results, after=after), f)
print("OK")
'''

# What Python cannot give: the NumPy error model's results (NumPy's), and the
# calls a list of signatures refuses.
with np.errstate(divide="ignore", invalid="ignore"):
    SPECIAL = {
        "div_numpy_inf": ("ok", float(np.float64(1.0) / np.float64(0.0))),
        "div_numpy_neg": ("ok", float(np.float64(-1.0) / np.float64(0.0))),
        "div_numpy_nan": ("ok", float(np.float64(0.0) / np.float64(0.0))),
        "eager2_complex": ("raise", "TypeError"),
        "mean_int": ("raise", "TypeError"),
    }
# Python's messages for these are not jitufunc's (nor Numba's).
NO_MESSAGE = {"div_python_zero", "get_checked_out", "eager2_complex", "mean_int"}


def check_main_results(r):
    plain = plain_namespace(MAIN_KERNELS, MAIN_CALLS)
    calls = plain["make_calls"](child=True)
    assert sorted(r["results"]) == sorted(label for label, _, _ in calls)
    for label, name, args in calls:
        want = SPECIAL.get(label) or outcome(plain[name], *args)
        check_outcome(label, r["results"][label], want, message=label not in NO_MESSAGE)
    assert SPECIAL["div_numpy_inf"][1] == math.inf and math.isnan(SPECIAL["div_numpy_nan"][1])
    # The options travelled: Python's error model raises, the NumPy one does not,
    # boundscheck=True raises IndexError.
    assert r["results"]["div_python_zero"][:2] == ("raise", "ZeroDivisionError")
    assert r["results"]["get_checked_out"][:2] == ("raise", "IndexError")
    assert r["results"]["matmul_bad"] == ("raise", "ValueError", "Inner matrix dimensions must agree.")
    A = np.arange(6.0).reshape(2, 3)
    B = np.linspace(-1, 1, 12).reshape(3, 4)
    np.testing.assert_allclose(r["results"]["matmul"][1], A @ B, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("loader", ["script-file", "python-c"])
def test_by_value_round_trip_of_main_script_dispatchers(tmp_path, loader):
    needs_cloudpickle()
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    script = src_dir / "jit_main.py"
    script.write_text(MAIN_SCRIPT)
    pkl = tmp_path / "byvalue.pkl"
    assert "SAVED" in run_python([script, pkl], cwd=src_dir)
    # the source file is gone: the functions must come from the pickle
    script.unlink()
    src_dir.rmdir()
    other = tmp_path / "other"
    other.mkdir()
    out_path = tmp_path / "child.pkl"
    if loader == "python-c":
        out = run_python(["-c", CHILD_BY_VALUE, pkl, out_path], cwd=other)
    else:
        child = other / "check.py"
        child.write_text(CHILD_BY_VALUE)
        out = run_python([child, pkl, out_path], cwd=other)
    assert "OK" in out, out
    with open(out_path, "rb") as f:
        r = pickle.load(f)

    assert r["info"] == {n: ("Dispatcher", r["qualnames"][n], n) for n in MAIN_FUNCS}
    assert r["qualnames"]["inner"] == "make.<locals>.inner"
    # Every signature the parent had compiled is there again before any call
    # (the lazily compiled ones too: Python bools, read-only arrays, tuples returned).
    assert r["loaded"] == r["parent"]
    assert len(r["parent"]["shifted"]) == 3 and len(r["parent"]["rowsums"]) == 2
    assert any("readonly" in s for s in r["parent"]["rowsums"])
    assert r["parent"]["eager2"] == ["float64(float64)", "int64(int64)"]
    assert r["parent"]["mean"] == ["float64(float64[:])"]
    check_main_results(r)
    # Afterwards: one new lazy specialisation (float32); the signature lists
    # did not grow (a mismatch is a TypeError, not a compile).
    assert len(r["after"]["shifted"]) == len(r["parent"]["shifted"]) + 1
    assert r["after"]["eager2"] == r["parent"]["eager2"]
    assert r["after"]["mean"] == r["parent"]["mean"]


CACHED_MAIN = '''
import json, pickle, sys
import cloudpickle
import numpy as np
from jitufunc import njit, _core

SCALE = 3.0


@njit(cache=True)
def cpoly(x, y):
    return x * SCALE - y * y


@njit(cache=True)
def cnorm(a):
    s = 0.0
    for v in a:
        s += v * v
    return s ** 0.5


cpoly(1.5, 2.0)
cpoly(3, 4)
cnorm(np.arange(4.0))
with open(sys.argv[1], "wb") as f:
    cloudpickle.dump((cpoly, cnorm), f)
print(json.dumps(_core.cache_stats()))
'''

CACHED_CHILD = '''
import json, pickle, sys
import numpy as np
from jitufunc import _core
with open(sys.argv[1], "rb") as f:
    cpoly, cnorm = pickle.load(f)
loaded = _core.cache_stats()
print(json.dumps(dict(loaded=loaded, signatures=[cpoly.signatures, cnorm.signatures],
                      results=[cpoly(1.5, 2.0), cpoly(3, 4), cnorm(np.arange(4.0)), cnorm(np.ones(9))],
                      final=_core.cache_stats())))
'''


def _cached_round_trip(tmp_path):
    """Runs CACHED_MAIN (cache in ``tmp_path/cache``) and deletes it;
    returns a function running CACHED_CHILD on its pickle with a cache dir."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "cached_main.py").write_text(CACHED_MAIN)
    (tmp_path / "child.py").write_text(CACHED_CHILD)
    pkl = tmp_path / "cached.pkl"
    cache = tmp_path / "cache"
    parent = json.loads(run_python([src / "cached_main.py", pkl], cwd=src,
                                   env_extra={"JITUFUNC_CACHE_DIR": str(cache)}).strip().splitlines()[-1])
    assert parent["stores"] == 3 and parent["hits"] == 0
    assert len(list(cache.iterdir())) == 3
    (src / "cached_main.py").unlink()

    def child(cache_dir):
        out = run_python([tmp_path / "child.py", pkl], cwd=tmp_path, env_extra={"JITUFUNC_CACHE_DIR": str(cache_dir)})
        r = json.loads(out.strip().splitlines()[-1])
        assert r["results"] == pytest.approx(CACHED_WANT, rel=1e-15)
        assert r["signatures"] == [["float64(pyfloat, pyfloat)", "float64(pyint, pyint)"], ["float64(float64[::1])"]]
        return r

    return cache, child


CACHED_WANT = [1.5 * 3.0 - 2.0 * 2.0, 3 * 3.0 - 4 * 4, math.sqrt(14.0), 3.0]


def test_by_value_cached_dispatcher_keeps_cache_true(tmp_path):
    needs_cloudpickle()
    _, child = _cached_round_trip(tmp_path)
    # An empty cache: cache=True travelled, so loading (which compiles the
    # three signatures again) writes their entries ...
    other = tmp_path / "other_cache"
    r = child(other)
    assert r["loaded"] == {"hits": 0, "rejected": 0, "stores": 3, "reused": 0}, r
    assert len(list(other.iterdir())) == 3
    # ... and the next process loading the same pickle links them.
    r = child(other)
    assert r["loaded"] == {"hits": 3, "rejected": 0, "stores": 0, "reused": 0}, r
    assert r["final"] == r["loaded"]


def test_by_value_cached_dispatcher_links_the_entries_of_the_pickling_process(tmp_path):
    needs_cloudpickle()
    cache, child = _cached_round_trip(tmp_path)
    r = child(cache)
    assert r["loaded"] == {"hits": 3, "rejected": 0, "stores": 0, "reused": 0}, r


PRODUCER = """
import pickle, sys
from jitufunc import njit

@njit
def kern(x, y):
    return x + y

kern(1, 2)
with open(sys.argv[1], "wb") as f:
    pickle.dump(kern, f)
"""

CONSUMER = """
import pickle, sys

def kern(x, y):
    return x * y

k = pickle.load(open(sys.argv[1], "rb"))
print("RESULT", k(2, 10), k(2.5, 10.0), k.signatures)
"""


def test_by_value_function_is_not_confused_with_a_same_named_function_of_the_loader(tmp_path):
    needs_cloudpickle()
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "producer.py").write_text(PRODUCER)
    run_python([a / "producer.py", tmp_path / "k.pkl"], cwd=a)
    (a / "producer.py").unlink()
    (b / "consumer.py").write_text(CONSUMER)
    out = run_python([b / "consumer.py", tmp_path / "k.pkl"], cwd=b)
    assert "RESULT 12 12.5 ['int64(pyint, pyint)', 'float64(pyfloat, pyfloat)']" in out, out


# --- by value, in this process ----------------------------------------------------

def test_functions_made_inside_functions_pickle_by_value_with_their_options():
    needs_cloudpickle()

    def build(**options):
        @njit(**options)
        def ratio(a, b):
            return a / b

        return ratio

    numpy_model = build(error_model="numpy")
    python_model = build()
    assert numpy_model.__qualname__.endswith("<locals>.ratio")
    for d in (numpy_model, python_model):
        assert d(3.0, 4.0) == 0.75
        assert d(3, 4) == 0.75
    assert numpy_model.signatures == python_model.signatures and len(numpy_model.signatures) == 2
    v, w = pickle.loads(pickle.dumps(numpy_model)), pickle.loads(pickle.dumps(python_model))
    assert v is not numpy_model and w is not python_model and v is not w
    assert v.signatures == numpy_model.signatures and w.signatures == python_model.signatures
    assert v.__qualname__ == numpy_model.__qualname__ and v.__name__ == "ratio"
    with np.errstate(divide="ignore"):
        assert v(1.0, 0.0) == float(np.float64(1.0) / np.float64(0.0)) == math.inf
        assert v(-2, 0) == float(np.float64(-2) / np.float64(0)) == -math.inf
    with pytest.raises(ZeroDivisionError):
        w(1.0, 0.0)
    with pytest.raises(ZeroDivisionError):
        (lambda a, b: a / b)(1.0, 0.0)      # what Python does
    assert v(1.0, 8.0) == w(1.0, 8.0) == 1.0 / 8.0


def test_boundscheck_survives_pickling_by_value():
    needs_cloudpickle()

    def build(**options):
        @njit(**options)
        def pick(a, i):
            return a[i]

        return pick

    checked = build(boundscheck=True)
    a = np.arange(5.0)
    assert checked(a, 4) == 4.0
    v = pickle.loads(pickle.dumps(checked))
    assert v.signatures == checked.signatures == ["float64(float64[::1], pyint)"]
    assert v(a, -1) == a[-1] and v(a, 2) == a[2]
    with pytest.raises(IndexError):
        v(a, 5)
    with pytest.raises(IndexError):
        a[5]                                 # as NumPy
    with pytest.raises(IndexError):
        v(a, -6)


SOURCE_KERNELS = {
    "dist2": """
        def dist2(x, y):
            d = x - y
            return d * d
    """,
    "rowmax": """
        def rowmax(m):
            out = np.zeros_like(m[:, 0])
            for i in range(m.shape[0]):
                best = m[i, 0]
                for j in range(1, m.shape[1]):
                    if m[i, j] > best:
                        best = m[i, j]
                out[i] = best
            return out
    """,
}


def test_source_string_functions_pickle_by_value():
    needs_cloudpickle()
    dist2 = njit(make_function(SOURCE_KERNELS["dist2"]))
    rowmax = njit(make_function(SOURCE_KERNELS["rowmax"]))
    assert dist2(np.int8(5), np.int8(2)) == 9
    assert dist2(0.5, 2.0) == 2.25
    x = np.random.default_rng(0).integers(-9, 9, (4, 7))
    np.testing.assert_array_equal(rowmax(x), x.max(axis=1))
    data = pickle.dumps((dist2, rowmax))
    d2, r2 = pickle.loads(data)
    assert d2 is not dist2 and r2 is not rowmax
    assert d2.signatures == dist2.signatures and len(d2.signatures) == 2
    assert r2.signatures == rowmax.signatures
    plain = make_function(SOURCE_KERNELS["dist2"])
    for args in [(np.int8(5), np.int8(2)), (0.5, 2.0), (-3.25, 1.5)]:
        check_outcome("dist2", outcome(d2, *args), outcome(plain, *args))
    f = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float32)
    r = r2(f)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, f.max(axis=1))
    assert len(r2.signatures) == len(rowmax.signatures) + 1


CHILD_SOURCE_STRING = '''
import pickle, sys
import numpy as np
with open(sys.argv[1], "rb") as f:
    dist2, rowmax, eager = pickle.load(f)
before = [dist2.signatures, rowmax.signatures, eager.signatures]
x = np.arange(12).reshape(3, 4)[:, ::-1]
out = dict(before=before, dist2=[dist2(np.int8(5), np.int8(2)), dist2(0.5, 2.0)],
           rowmax=rowmax(x), eager=[eager(np.int32(2), np.int32(3)), eager(2.5, 0.5)])
try:
    eager(1j, 1j)
    out["complex"] = "compiled"
except TypeError:
    out["complex"] = "TypeError"
with open(sys.argv[2], "wb") as f:
    pickle.dump(out, f)
'''


def test_source_string_functions_load_in_a_fresh_interpreter(tmp_path):
    needs_cloudpickle()
    dist2 = njit(make_function(SOURCE_KERNELS["dist2"]))
    rowmax = njit(make_function(SOURCE_KERNELS["rowmax"]))
    mix = make_function("""
        def mix(x, y):
            return x * 2 + y
    """)
    eager = njit(["int32(int32, int32)", "float64(float64, float64)"])(mix)
    dist2(np.int8(5), np.int8(2))
    x = np.arange(12).reshape(3, 4)[:, ::-1]           # not contiguous
    rowmax(x)
    (tmp_path / "f.pkl").write_bytes(pickle.dumps((dist2, rowmax, eager)))
    (tmp_path / "child.py").write_text(CHILD_SOURCE_STRING)
    run_python([tmp_path / "child.py", tmp_path / "f.pkl", tmp_path / "out.pkl"], cwd=tmp_path)
    with open(tmp_path / "out.pkl", "rb") as f:
        r = pickle.load(f)
    assert r["before"] == [dist2.signatures, rowmax.signatures, ["int32(int32, int32)", "float64(float64, float64)"]]
    assert len(r["before"][1]) == 1 and "int64[:, :]" in r["before"][1][0]       # the any-layout one
    assert r["dist2"][0] == (np.int8(5) - np.int8(2)) ** 2 and r["dist2"][1] == (0.5 - 2.0) ** 2
    np.testing.assert_array_equal(r["rowmax"], x.max(axis=1), strict=True)
    assert r["eager"] == [mix(2, 3), mix(2.5, 0.5)] and type(r["eager"][0]) is int
    assert r["complex"] == "TypeError"


def test_eager_signature_lists_survive_pickling_by_value():
    needs_cloudpickle()
    f = make_function("""
        def mix(x, y):
            return x * 2 + y
    """)
    d = njit(["int32(int32, int32)", "float64(float64, float64)"])(f)
    v = pickle.loads(pickle.dumps(d))
    assert v is not d
    assert v.signatures == d.signatures == ["int32(int32, int32)", "float64(float64, float64)"]
    assert v(np.int32(3), np.int32(1)) == 7 and type(v(np.int32(3), np.int32(1))) is int
    assert v(np.int8(3), np.int16(1)) == 7 and type(v(np.int8(3), np.int16(1))) is int   # safe casts to int32
    assert v(0.25, 1.0) == 1.5
    with pytest.raises(TypeError):
        v(1j, 2j)
    assert v.signatures == d.signatures


def test_signatures_added_to_an_eager_dispatcher_survive_pickling_by_value():
    needs_cloudpickle()
    f = make_function("""
        def affine(x):
            return x * 2 + 1
    """)
    d = njit(["float64(float64)"])(f)
    d.compile("int64(int64)")
    assert d.signatures == ["float64(float64)", "int64(int64)"]
    assert d(3) == 7 and type(d(3)) is int
    v = pickle.loads(pickle.dumps(d))
    assert v.signatures == d.signatures
    assert v(3) == f(3) and type(v(3)) is int


def test_the_same_pickle_is_rebuilt_once_per_process():
    cloudpickle = needs_cloudpickle()
    f = make_function("""
        def once(x):
            return x * 3 + 1
    """)
    d = njit(f)
    d(2.0)
    data = cloudpickle.dumps(d)
    a, b = pickle.loads(data), pickle.loads(data)
    assert a is b and a is not d
    assert a.signatures == ["float64(pyfloat)"]
    assert a(2.0) == 7.0
    # pickle.dumps goes through the same path.
    assert pickle.loads(pickle.dumps(d)) is a
    # One pickle holding the dispatcher twice: one object.
    x, y = pickle.loads(pickle.dumps([d, d]))
    assert x is y is a
    # Shared by every caller: what a loaded copy compiles later, the next load has.
    assert a(4) == 13 and type(a(4)) is int
    assert pickle.loads(data) is a and pickle.loads(data).signatures == ["float64(pyfloat)", "int64(pyint)"]
    # A dispatcher that compiled more since is a different pickle.
    d(np.int32(5))
    c = pickle.loads(cloudpickle.dumps(d))
    assert c is not a and c.signatures == d.signatures and len(c.signatures) == 2
    assert c(np.int32(5)) == 16


def test_equal_functions_with_other_options_are_different_pickles():
    needs_cloudpickle()
    f = make_function("""
        def half(a, b):
            return a / b
    """)
    a = njit(f)
    b = njit(error_model="numpy")(f)
    a(1.0, 2.0)
    b(1.0, 2.0)
    a2, b2 = pickle.loads(pickle.dumps(a)), pickle.loads(pickle.dumps(b))
    assert a2 is not b2
    with pytest.raises(ZeroDivisionError):
        a2(1.0, 0.0)
    assert b2(1.0, 0.0) == math.inf


KMOD = '''from jitufunc import njit


def make_a():
    @njit
    def a(x):
        return x + 1
    return a


def make_b():
    @njit
    def b(x):
        return x * 10
    return b
'''


def test_by_value_pickle_compiles_the_pickled_source_not_the_edited_file(tmp_path, monkeypatch):
    import importlib
    import linecache

    cloudpickle = needs_cloudpickle()
    name = f"jit_kmod_{os.getpid()}"
    path = tmp_path / f"{name}.py"
    path.write_text(KMOD)
    monkeypatch.syspath_prepend(str(tmp_path))
    kmod = importlib.import_module(name)
    try:
        a = kmod.make_a()
        assert a(4) == 5
        data = cloudpickle.dumps(a)
        # The file changes after pickling (an edit, or another version on a worker).
        path.write_text(KMOD.replace("x + 1", "x + 2"))
        linecache.checkcache(str(path))
        a2 = pickle.loads(data)
        assert a2.signatures == ["int64(pyint)"]
        assert a2(4) == 5 and a2(2.5) == 3.5          # what was pickled, not the file
        # Other functions of the file still compile from the file.
        assert kmod.make_b()(4) == 40
    finally:
        sys.modules.pop(name, None)


def test_a_dispatcher_calling_another_pickles_by_value_with_its_callee():
    needs_cloudpickle()

    def build():
        @njit
        def square(x):
            return x * x

        @njit
        def sum_squares(a):
            s = 0.0
            for v in a:
                s += square(v)
            return s

        return sum_squares

    d = build()
    a = np.linspace(-2, 2, 9)
    assert d(a) == pytest.approx(float((a * a).sum()), rel=1e-14)
    v = pickle.loads(pickle.dumps(d))
    assert v is not d and v.signatures == d.signatures
    assert v(a) == pytest.approx(float((a * a).sum()), rel=1e-14)
    i = np.arange(-3, 4)
    assert v(i) == float((i * i).sum())


def test_a_dispatcher_never_called_pickles_and_compiles_on_first_use():
    needs_cloudpickle()

    def build():
        @njit
        def hypot2(x, y):
            return x * x + y * y

        return hypot2

    d = build()
    v = pickle.loads(pickle.dumps(d))
    assert d.signatures == [] and v.signatures == []
    assert v(3, 4) == 25 and type(v(3, 4)) is int
    assert v(1.5, 2.0) == 1.5 * 1.5 + 2.0 * 2.0
    assert len(v.signatures) == 2 and d.signatures == []
    # The Python function travelled too.
    assert v.py_func(3, 4) == 25 and v.__wrapped__(1.5, 2.0) == 6.25


def _ident_args():
    ro = np.arange(4.0)
    ro.setflags(write=False)
    return {
        "float": 1.5, "int": 3, "bool": True, "complex": 1j, "float32": np.float32(1.25),
        "uint64": np.uint64(3), "int8": np.int8(-1), "float16": np.float16(1.5), "numpy_bool": np.bool_(True), "complex64": np.complex64(1j),
        "bool_array": np.zeros(3, bool), "complex64_array": np.ones(3, np.complex64),
        "f_ordered_3d": np.zeros((2, 3, 4), order="F"), "readonly": ro, "strided": np.arange(6).reshape(2, 3)[:, 1],
        "reversed": np.arange(4.0)[::-1], "empty_2d": np.zeros((0, 3)), "tuple": (1.0, 2),
        "nested_tuple": ((1, 2), 3.5), "array_in_tuple": (np.arange(3.0), 2),
        "zero_d": np.array(5.0),
    }


def _same(got, want):
    """``got`` (returned by the compiled identity) is ``want``: arrays equal
    with dtype and shape, tuples item by item, scalars as a Python scalar of
    the same kind and value."""
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want))
    if isinstance(want, np.ndarray):
        return (isinstance(got, np.ndarray) and got.dtype == want.dtype and got.shape == want.shape
                and np.array_equal(got, want))
    kind = {"u": "i"}.get(np.asarray(want).dtype.kind, np.asarray(want).dtype.kind)
    return type(got) is {"b": bool, "i": int, "f": float, "c": complex}[kind] and got == want


@pytest.mark.parametrize("arg", list(_ident_args().values()), ids=list(_ident_args()))
def test_every_kind_of_compiled_signature_is_compiled_again_on_loading(arg):
    needs_cloudpickle()
    f = make_function("""
        def ident(a):
            return a
    """)
    d = njit(f)
    d(arg)
    assert len(d.signatures) == 1
    v = pickle.loads(pickle.dumps(d))
    assert v.signatures == d.signatures
    got = v(arg)
    assert _same(got, arg), (got, arg)
    assert v.signatures == d.signatures            # the call used the loaded specialisation


def test_a_loaded_dispatcher_reports_errors_as_the_original():
    needs_cloudpickle()
    f = make_function("""
        def bad(x):
            y = x + 1
            return y.no_such_attribute
    """)
    d = njit(f)
    v = pickle.loads(pickle.dumps(d))
    errors = []
    for g in (d, v):
        with pytest.raises(jitufunc.errors.UnsupportedError) as info:
            g(1.0)
        errors.append((str(info.value), info.value.filename, info.value.lineno))
    assert errors[0][1] == f.__code__.co_filename and errors[0][2] == 3
    assert errors[1] == errors[0]


def test_loading_the_same_pickle_again_compiles_nothing(tmp_path, monkeypatch):
    # With cache=True every compile shows in cache_stats (an entry stored,
    # linked or reused): the second load must not move them.
    cloudpickle = needs_cloudpickle()
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    from jitufunc import _core

    f = make_function("""
        def poly3(x):
            return x * x * x - 2 * x
    """)
    d = njit(cache=True)(f)
    assert d(1.5) == f(1.5) and d(3) == f(3)
    first, second = cloudpickle.dumps(d), cloudpickle.dumps(d)
    assert first == second
    before = _core.cache_stats()
    a = pickle.loads(first)
    mid = _core.cache_stats()
    assert sum(mid.values()) - sum(before.values()) >= 2          # two signatures compiled (or linked)
    b = pickle.loads(second)
    assert _core.cache_stats() == mid
    assert a is b and a.signatures == d.signatures
    assert a(2.5) == f(2.5) and a(-4) == f(-4)
