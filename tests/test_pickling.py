"""Pickling jitufunc ufuncs and gufuncs.

A ufunc importable at module level pickles by reference (module and
qualified name); one made in ``__main__`` or inside a function pickles by
value through cloudpickle: the loaded ufunc is rebuilt, with the signatures
a lazy ufunc had compiled added again. Round trips run in fresh
interpreters; the by-value one deletes the script before loading, so the
kernel's source has to travel in the pickle.
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jitufunc
from jitufunc import guvectorize, vectorize
from conftest import make_function

cloudpickle = pytest.importorskip("cloudpickle", reason="by-value pickling needs cloudpickle")

REPO_PYTHON = str(Path(jitufunc.__file__).resolve().parent.parent)


def run_python(args, cwd, extra_path=(), timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), REPO_PYTHON, env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, *args], cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    return proc.stdout


# --- by reference -----------------------------------------------------------------

MODULE_SOURCE = '''
import numpy as np
from jitufunc import guvectorize, vectorize


@vectorize
def poly(x, y):
    return x * x - 3 * y


@vectorize(["float64(float64, float64)", "int32(int32, int32)"], identity=0)
def fixed(x, y):
    return x + 2 * y


@guvectorize("(n)->()")
def rowsum(x, out):
    acc = 0
    for i in range(x.shape[0]):
        acc += x[i]
    out[0] = acc


class Holder:
    def _k(x):
        return x + 1
    inc = vectorize(_k)
'''

CHILD_BY_REFERENCE = '''
import pickle, sys
import numpy as np
poly, fixed, rowsum = pickle.load(open(sys.argv[1], "rb"))
import {module} as m
assert poly is m.poly and fixed is m.fixed and rowsum is m.rowsum
a = np.arange(-4, 5, dtype=np.int16)
r = poly(a, np.int16(2))
np.testing.assert_array_equal(r, a * a - 3 * np.int16(2))
assert r.dtype == np.int16, r.dtype
x = np.arange(12, dtype=np.float32).reshape(3, 4)
s = rowsum(x)
np.testing.assert_array_equal(s, x.sum(axis=-1))
assert s.dtype == np.float32
assert fixed.types == ["ii->i", "dd->d"], fixed.types
np.testing.assert_array_equal(fixed(a.astype(np.int32), 1), a.astype(np.int32) + 2)
print("OK", poly.types, rowsum.types)
'''


@pytest.fixture
def kernel_module(tmp_path, monkeypatch):
    """A module file in ``tmp_path`` with module-level jitufunc ufuncs,
    importable in this process and in children."""
    name = f"lazy_kernels_{os.getpid()}_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(MODULE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(name)
    yield name, module
    sys.modules.pop(name, None)


def test_module_level_ufuncs_pickle_by_reference(kernel_module):
    name, m = kernel_module
    for u, qualname in [(m.poly, "poly"), (m.fixed, "fixed"), (m.rowsum, "rowsum"), (m.Holder.inc, "Holder._k")]:
        assert u.__module__ == name
        assert u.__qualname__ == qualname
    m.poly(np.arange(3, dtype=np.int8), 1)
    for u in (m.poly, m.fixed, m.rowsum):
        data = pickle.dumps(u)
        # a reference: the module and the name, not the kernel
        assert name.encode() in data and len(data) < 200, data
        assert pickle.loads(data) is u
    # `Holder._k` finds the plain function, not the ufunc: by value
    inc = pickle.loads(pickle.dumps(m.Holder.inc))
    np.testing.assert_array_equal(inc(np.arange(3, dtype=np.uint8)), np.arange(1, 4, dtype=np.uint8))


def test_by_reference_round_trip_in_a_fresh_interpreter(kernel_module, tmp_path):
    name, m = kernel_module
    m.poly(np.arange(3, dtype=np.int16), np.int16(1))
    path = tmp_path / "byref.pkl"
    path.write_bytes(pickle.dumps((m.poly, m.fixed, m.rowsum)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run_python(["-c", CHILD_BY_REFERENCE.format(module=name), str(path)], cwd=elsewhere,
                     extra_path=[tmp_path])
    # a fresh import: loops compiled by the child only
    assert "OK ['hh->h'] ['f->f']" in out, out


# --- by value ---------------------------------------------------------------------

MAIN_SCRIPT = '''
import sys
import cloudpickle
import numpy as np
from jitufunc import guvectorize, vectorize

OFFSET = 7


@vectorize(identity=0)
def shifted(x, y):
    return x * y + OFFSET


@guvectorize("(),(n)->(n)")
def scale(a, x, out):
    for i in range(x.shape[0]):
        out[i] = a * x[i] + OFFSET


@vectorize(["float64(float64)"])
def fixed(x):
    return x / 2


def make():
    @vectorize
    def inner(x):
        return x - OFFSET
    return inner


inner = make()
shifted(np.arange(4, dtype=np.int16), np.arange(4, dtype=np.int16))
shifted(np.arange(4, dtype=np.float32), 2.5)
scale(2, np.arange(3, dtype=np.uint8))
inner(np.arange(3, dtype=np.int8))
assert shifted.__module__ == "__main__"
with open(sys.argv[1], "wb") as f:
    cloudpickle.dump({"shifted": shifted, "scale": scale, "fixed": fixed, "inner": inner,
                      "types": {"shifted": shifted.types, "scale": scale.types, "inner": inner.types},
                      "signatures": {"shifted": list(shifted.signatures), "scale": list(scale.signatures)}},
                     f)
print("SAVED")
'''

CHILD_BY_VALUE = '''
import pickle, sys
import numpy as np
with open(sys.argv[1], "rb") as f:
    d = pickle.load(f)
shifted, scale, fixed, inner = d["shifted"], d["scale"], d["fixed"], d["inner"]
for u in (shifted, scale, fixed, inner):
    assert isinstance(u, np.ufunc)
# the lazy signatures compiled in the parent are there again
assert shifted.types == d["types"]["shifted"], (shifted.types, d["types"])
assert list(shifted.signatures) == d["signatures"]["shifted"]
assert scale.types == d["types"]["scale"], scale.types
assert list(scale.signatures) == d["signatures"]["scale"]
assert inner.types == d["types"]["inner"]
assert fixed.types == ["d->d"], fixed.types
assert shifted.identity == 0
# results against NumPy (OFFSET = 7 travelled with the function)
a = np.arange(-5, 5, dtype=np.int16)
r = shifted(a, a[::-1])
np.testing.assert_array_equal(r, a * a[::-1] + np.int16(7))
assert r.dtype == np.int16
x = np.linspace(-1, 1, 5).astype(np.float32)
r = shifted(x, 2.5)
np.testing.assert_array_equal(r, x * np.float32(2.5) + np.float32(7))
assert r.dtype == np.float32
r = shifted(np.arange(3, dtype=np.uint32), np.uint32(4))   # a new dtype compiles in the child
np.testing.assert_array_equal(r, np.arange(3, dtype=np.uint32) * 4 + 7)
assert r.dtype == np.uint32 and len(shifted.signatures) == len(d["signatures"]["shifted"]) + 1
assert shifted.reduce(np.array([], np.int64)) == 0
s = scale(3, np.arange(4, dtype=np.uint8))
np.testing.assert_array_equal(s, np.arange(4, dtype=np.uint8) * 3 + 7)
assert s.dtype == np.uint8
s = scale(0.5, np.arange(4, dtype=np.int32))
np.testing.assert_array_equal(s, np.arange(4) * 0.5 + 7)
assert s.dtype == np.float64
np.testing.assert_array_equal(fixed(np.arange(4.0)), np.arange(4.0) / 2)
np.testing.assert_array_equal(inner(np.arange(3, dtype=np.int8)), np.arange(3, dtype=np.int8) - 7)
print("OK")
'''




@pytest.mark.parametrize("loader", [
    "python-c",
    pytest.param("script-file"),
])
def test_by_value_round_trip_of_main_script_ufuncs(tmp_path, loader):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    script = src_dir / "lazy_main.py"
    script.write_text(MAIN_SCRIPT)
    pkl = tmp_path / "byvalue.pkl"
    assert "SAVED" in run_python([str(script), str(pkl)], cwd=src_dir)
    # the source file is gone: the kernels must come from the pickle
    script.unlink()
    src_dir.rmdir()
    other = tmp_path / "other"
    other.mkdir()
    if loader == "python-c":
        out = run_python(["-c", CHILD_BY_VALUE, str(pkl)], cwd=other)
    else:
        child = other / "check.py"
        child.write_text(CHILD_BY_VALUE)
        out = run_python([str(child), str(pkl)], cwd=other)
    assert "OK" in out, out


PRODUCER = """
import pickle, sys
from jitufunc import vectorize

@vectorize
def kern(x, y):
    return x + y

kern(1, 2)
with open(sys.argv[1], "wb") as f:
    pickle.dump(kern, f)
"""

CONSUMER = """
import pickle, sys
import numpy as np

def kern(x, y):
    return x * y

k = pickle.load(open(sys.argv[1], "rb"))
print("RESULT", k(np.array([2, 3]), np.array([10, 10])).tolist())
"""


def test_by_value_kernel_is_not_confused_with_a_same_named_function_of_the_loader(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "producer.py").write_text(PRODUCER)
    run_python([str(a / "producer.py"), str(tmp_path / "k.pkl")], cwd=a)
    (a / "producer.py").unlink()
    (b / "consumer.py").write_text(CONSUMER)
    out = run_python([str(b / "consumer.py"), str(tmp_path / "k.pkl")], cwd=b)
    assert "RESULT [12, 13]" in out, out


def test_functions_made_inside_functions_pickle_by_value():
    def build():
        def halve(x):
            return x / 2

        return vectorize(halve)

    u = build()
    u(np.arange(3, dtype=np.int16))
    u.compile("float32(float32)")
    assert u.__qualname__.endswith("<locals>.halve")
    data = pickle.dumps(u)
    v = pickle.loads(data)
    assert v is not u and isinstance(v, np.ufunc)
    assert v.types == u.types == ["h->d", "f->f"]
    x = np.arange(-3, 4, dtype=np.int16)
    np.testing.assert_array_equal(v(x), x / 2)
    np.testing.assert_array_equal(v(x.astype(np.float32)), x.astype(np.float32) / np.float32(2))
    assert v(x.astype(np.float32)).dtype == np.float32


def test_source_string_kernels_pickle_by_value():
    f = make_function("""
        def dist2(x, y):
            d = x - y
            return d * d
    """)
    u = vectorize(f)
    u(np.arange(3, dtype=np.int8), np.int8(1))
    g = guvectorize("(n)->()")(make_function("""
        def rowmax(x, out):
            m = x[0]
            for i in range(1, x.shape[0]):
                if x[i] > m:
                    m = x[i]
            out[0] = m
    """))
    g(np.ones((2, 3), np.float16))
    u2, g2 = pickle.loads(pickle.dumps((u, g)))
    assert u2 is not u and g2 is not g
    assert u2.types == ["bb->b"] and g2.types == ["e->e"]
    assert g2.signature == "(n)->()"
    a = np.arange(-5, 6, dtype=np.int8)
    np.testing.assert_array_equal(u2(a, np.int8(2)), (a - np.int8(2)) ** 2)
    x = np.random.default_rng(0).integers(-9, 9, (4, 7)).astype(np.float64)
    np.testing.assert_array_equal(g2(x), x.max(axis=-1))
    assert g2.types == ["e->e", "d->d"]


def test_signature_made_ufuncs_keep_their_loops_by_value():
    f = make_function("""
        def mix(x, y):
            return x * 2 + y
    """)
    u = vectorize(["int32(int32, int32)", "float64(float64, float64)"], identity=0)(f)
    v = pickle.loads(pickle.dumps(u))
    assert v.types == ["ii->i", "dd->d"] and v.identity == 0
    np.testing.assert_array_equal(v(np.arange(3, dtype=np.int8), 1), np.arange(3) * 2 + 1)
    assert v(np.arange(3, dtype=np.int8), 1).dtype == np.int32
    with pytest.raises(jitufunc.errors.OptionError):
        v.compile("float32(float32, float32)")


def test_numpy_ufuncs_still_pickle_by_name():
    for u in (np.add, np.sin, np.matmul):
        assert pickle.loads(pickle.dumps(u)) is u
    assert pickle.loads(cloudpickle.dumps(np.add)) is np.add


def test_by_value_round_trip_of_a_kernel_returning_a_python_float():
    f = make_function("""
        def root(x):
            return math.sqrt(x)
    """)
    u = vectorize(f)
    x = np.array([1.0, 4.0, 9.0])
    u(x)
    v = pickle.loads(pickle.dumps(u))
    np.testing.assert_array_equal(v(x), np.sqrt(x))
    assert v.types == ["d->d"]


def test_the_same_by_value_pickle_is_rebuilt_once_per_process():
    import cloudpickle

    f = make_function("""
        def once(x):
            return x * 3 + 1
    """)
    u = vectorize(f)
    u(np.arange(3.0))
    data = cloudpickle.dumps(u)
    a, b = pickle.loads(data), pickle.loads(data)
    assert a is b and a is not u
    np.testing.assert_array_equal(a(np.arange(3.0)), np.arange(3.0) * 3 + 1)
    # A ufunc that compiled more since is a different pickle.
    u(np.arange(3, dtype=np.int32))
    c = pickle.loads(cloudpickle.dumps(u))
    assert c is not a and len(c.signatures) == 2


KMOD = '''from jitufunc import vectorize


def make_a():
    @vectorize
    def a(x):
        return x + 1
    return a


def make_b():
    @vectorize
    def b(x):
        return x * 10
    return b
'''


def test_by_value_pickle_compiles_the_pickled_source_and_leaves_the_file_alone(tmp_path, monkeypatch):
    import importlib
    import linecache

    import cloudpickle

    path = tmp_path / "kmod_edited.py"
    path.write_text(KMOD)
    monkeypatch.syspath_prepend(str(tmp_path))
    kmod = importlib.import_module("kmod_edited")
    a = kmod.make_a()
    x = np.arange(4)
    np.testing.assert_array_equal(a(x), x + 1)
    data = cloudpickle.dumps(a)
    # The file changes after pickling (an edit, or another version on a worker).
    path.write_text(KMOD.replace("x + 1", "x + 2"))
    linecache.checkcache(str(path))
    a2 = pickle.loads(data)
    np.testing.assert_array_equal(a2(x), x + 1)      # what was pickled, not the file
    # Other functions of the file still compile from the file.
    b = kmod.make_b()
    np.testing.assert_array_equal(b(x), x * 10)
