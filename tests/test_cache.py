"""``cache=True``: compiled loops stored on disk and linked by later processes.

A process does not load an entry it wrote itself (its symbols are already
linked), so every hit is observed in a fresh subprocess: a small script
written to ``tmp_path`` runs with ``JITUFUNC_CACHE_DIR`` pointing into
``tmp_path``, saves the results of its ufuncs to an ``.npz`` file and
prints ``jitufunc._core.cache_stats()`` as JSON. The results are compared
here with NumPy, and the entry files are read and written with an
independent implementation of the documented format:

    magic b"JITUFUNC-CACHE\\n" | u32 format (1) | key | meta | object | u64 checksum
    field = u64 length + bytes (little endian); checksum = FNV-1a-64 of all before it.

Nothing here measures time.
"""

import json
import os
import re
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jitufunc
from jitufunc import _core, guvectorize, vectorize
from jitufunc.errors import OptionError
from conftest import make_function

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
        fields.append(body[pos : pos + n])
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


def temporaries(cache):
    return [p.name for p in cache.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


# --- running scripts ------------------------------------------------------------

def _env(cache):
    env = dict(os.environ)
    env["JITUFUNC_CACHE_DIR"] = str(cache)
    env.pop("JITUFUNC_PASSES", None)
    return env


def start(script, cache, out, *args):
    return subprocess.Popen([sys.executable, str(script), str(out), *map(str, args)], env=_env(cache),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, out):
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"script failed (rc {proc.returncode}):\n{stderr}"
    report = json.loads(stdout.strip().splitlines()[-1])
    # Fresh processes never reuse code of their own (tested in-process below).
    assert report["stats"].pop("reused") == 0, report
    with np.load(out) as data:
        results = {k: data[k] for k in data.files}
    return report, results


def run(script, cache, out, *args):
    return finish(start(script, cache, out, *args), out)


PRELUDE = '''
import json, linecache, math, sys
import numpy as np
import jitufunc
from jitufunc import vectorize, guvectorize, _core

def report(results, **extra):
    np.savez(sys.argv[1], **results)
    print(json.dumps(dict(stats=_core.cache_stats(), dir=str(_core.cache_dir()), **extra)))
'''


def write_script(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(PRELUDE + textwrap.dedent(body))
    return path


# --- (a) warm start -------------------------------------------------------------

WARM = '''
SCALE = 2.5

@vectorize(["float64(float64)", "float32(float32)"], cache=True)
def affine(x):
    return math.sin(x) * SCALE + 1.0

@guvectorize(["void(float64[:], float64[:])"], "(n)->()", cache=True)
def norm(x, out):
    s = 0.0
    for v in x:
        s += v * v
    out[0] = math.sqrt(s)

@vectorize(cache=True)
def lazy(x, y):
    return x * y - 1

@vectorize(["float64(float64)"], cache=True, target="parallel")
def bump(x):
    return math.exp(-x * x)

x = np.linspace(-3, 3, 1001)
m = np.linspace(-1, 1, 64 * 9).reshape(64, 9)
big = np.linspace(-4, 4, 200003)
report(dict(
    affine64=affine(x), affine32=affine(x.astype(np.float32)), norm=norm(m),
    lazy_f=lazy(x, x), lazy_i=lazy(np.arange(100), np.arange(100, 200)), bump=bump(big),
), signatures=list(lazy.signatures))
'''


def check_warm_results(r):
    x = np.linspace(-3, 3, 1001)
    np.testing.assert_allclose(r["affine64"], np.sin(x) * 2.5 + 1.0, rtol=1e-14, atol=1e-15)
    assert r["affine32"].dtype == np.float32
    np.testing.assert_allclose(r["affine32"], np.sin(x.astype(np.float32)) * 2.5 + 1.0, rtol=1e-5, atol=1e-6)
    m = np.linspace(-1, 1, 64 * 9).reshape(64, 9)
    np.testing.assert_allclose(r["norm"], np.linalg.norm(m, axis=1), rtol=1e-14)
    np.testing.assert_allclose(r["lazy_f"], x * x - 1, rtol=1e-15)
    assert r["lazy_i"].dtype == np.int64
    np.testing.assert_array_equal(r["lazy_i"], np.arange(100) * np.arange(100, 200) - 1)
    big = np.linspace(-4, 4, 200003)
    np.testing.assert_allclose(r["bump"], np.exp(-big * big), rtol=1e-14, atol=1e-300)


def test_warm_start_stores_then_hits(tmp_path):
    script = write_script(tmp_path, "warm.py", WARM)
    cache = tmp_path / "cache"
    first, r1 = run(script, cache, tmp_path / "r1.npz")
    assert first["dir"] == str(cache)
    # One entry per eager ufunc, one per lazily compiled signature.
    assert first["stats"] == {"hits": 0, "rejected": 0, "stores": 5}
    check_warm_results(r1)
    files = entries(cache)
    assert len(files) == 5
    names = sorted(ENTRY_NAME.match(f).group("name") for f in files)
    assert names == ["affine", "bump", "lazy", "lazy", "norm"]
    assert temporaries(cache) == []

    second, r2 = run(script, cache, tmp_path / "r2.npz")
    assert second["stats"] == {"hits": 5, "rejected": 0, "stores": 0}
    assert second["signatures"] == first["signatures"]
    check_warm_results(r2)
    for k in r1:                       # the very same machine code
        np.testing.assert_array_equal(r2[k], r1[k], strict=True)
    assert entries(cache).keys() == files.keys()
    for name, path in files.items():
        assert path.read_bytes() == entries(cache)[name].read_bytes()


def test_entry_format_and_key(tmp_path):
    script = write_script(tmp_path, "warm.py", WARM)
    cache = tmp_path / "cache"
    run(script, cache, tmp_path / "r.npz")
    triple, cpu, features = _core.host_cpu()
    for name, path in entries(cache).items():
        data = path.read_bytes()
        fmt, key, meta, obj = parse_entry(data)
        assert fmt == 1
        assert len(obj) > 0 and len(meta) > 0
        # Our encoder reproduces the file byte for byte.
        assert encode_entry(fmt, key, meta, obj) == data
        lines = key.splitlines()
        assert any(re.fullmatch(rf"jitufunc {re.escape(jitufunc.__version__)} build [0-9a-f]{{16}}", line)
                   for line in lines), lines[:2]
        llvm = [line for line in lines if line.startswith("llvm ")]
        assert len(llvm) == 1 and re.fullmatch(r"llvm 19\.1\.\d+", llvm[0]), llvm
        assert f"host {triple} {cpu} {features}" in lines
        kernel = ENTRY_NAME.match(name).group("name")
        assert f"def {kernel}(" in key       # the kernel's source is part of the key


# --- (b) what makes a miss ------------------------------------------------------

VARIANTS = '''
MODE = sys.argv[2]

def define(src, filename, **globals_):
    """Defines the function in ``src`` as if from ``filename`` (fixed, so
    the same text gives the same key in every process)."""
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    ns = dict(math=math, **globals_)
    exec(compile(src, filename, "exec"), ns)
    return [v for k, v in ns.items() if callable(v) and k not in globals_ and k != "math"][-1]

HELPER = "def helper(x):\\n    return x * x\\n"
HELPER_CHANGED = "def helper(x):\\n    return x * x * x\\n"
KERN = "def kern(x):\\n    return helper(x) * SCALE + 1.0\\n"
KERN_CHANGED = "def kern(x):\\n    return helper(x) * SCALE + 2.0\\n"
PICK = "def pick(x, out):\\n    out[0] = x[1] - x[0]\\n"
SIGS = ["float64(float64)", "float32(float32)"]

helper = vectorize(["float64(float64)", "float32(float32)"])(define(HELPER, "<helper>"))
helper_changed = vectorize(["float64(float64)", "float32(float32)"])(define(HELPER_CHANGED, "<helper>"))

def kern(src=KERN, scale=2.0, sigs=SIGS, helper_=helper, **opts):
    return vectorize(sigs, cache=True, **opts)(define(src, "<kern>", SCALE=scale, helper=helper_))

def pick(**opts):
    return guvectorize(["void(float64[:], float64[:])"], "(n)->()", cache=True, **opts)(define(PICK, "<pick>"))

x = np.linspace(-2, 2, 101)
rows = np.arange(30.0).reshape(10, 3) ** 2
results = {}
results["base"] = kern()(x)
results["pick"] = pick()(rows)
if MODE == "variants":
    results["source"] = kern(src=KERN_CHANGED)(x)
    results["global"] = kern(scale=3.0)(x)
    results["signatures"] = kern(sigs=["float64(float64)"])(x)
    results["fastmath"] = kern(fastmath=True)(x)
    results["callee"] = kern(helper_=helper_changed)(x)
    results["boundscheck"] = pick(boundscheck=True)(rows)
report(results)
'''


def check_variant_results(r, variants):
    x = np.linspace(-2, 2, 101)
    rows = np.arange(30.0).reshape(10, 3) ** 2
    np.testing.assert_array_equal(r["base"], x * x * 2.0 + 1.0)
    np.testing.assert_array_equal(r["pick"], rows[:, 1] - rows[:, 0])
    if variants:
        np.testing.assert_array_equal(r["source"], x * x * 2.0 + 2.0)
        np.testing.assert_array_equal(r["global"], x * x * 3.0 + 1.0)
        np.testing.assert_array_equal(r["signatures"], x * x * 2.0 + 1.0)
        np.testing.assert_allclose(r["fastmath"], x * x * 2.0 + 1.0, rtol=1e-15)
        np.testing.assert_array_equal(r["callee"], x * x * x * 2.0 + 1.0)
        np.testing.assert_array_equal(r["boundscheck"], rows[:, 1] - rows[:, 0])


def test_changed_source_global_signatures_options_or_callee_is_a_miss(tmp_path):
    script = write_script(tmp_path, "variants.py", VARIANTS)
    cache = tmp_path / "cache"
    first, r = run(script, cache, tmp_path / "r1.npz", "base")
    assert first["stats"] == {"hits": 0, "rejected": 0, "stores": 2}
    check_variant_results(r, variants=False)
    base_files = set(entries(cache))
    assert len(base_files) == 2

    # The two base kernels hit; each of the six variants misses and adds its
    # own entry (and computes its own result, not the base kernel's).
    second, r = run(script, cache, tmp_path / "r2.npz", "variants")
    assert second["stats"] == {"hits": 2, "rejected": 0, "stores": 6}
    check_variant_results(r, variants=True)
    files = set(entries(cache))
    assert base_files < files and len(files) == 8
    assert sorted(ENTRY_NAME.match(f).group("name") for f in files) == ["kern"] * 6 + ["pick"] * 2

    # Every variant's entry is good, and loading all of them into one
    # process gives each kernel its own code.
    third, r = run(script, cache, tmp_path / "r3.npz", "variants")
    assert third["stats"] == {"hits": 8, "rejected": 0, "stores": 0}
    check_variant_results(r, variants=True)


SHARED = '''
MODE = sys.argv[2]

def factory(c):
    def scaled(x):
        return x * c
    return scaled

def mul(x, y):
    return x * y

# identity and target change the ufunc object, not the machine code: the
# second process links the first one's entry and must still honour them.
u = vectorize(["float64(float64, float64)"], cache=True,
              identity=0 if MODE == "first" else 1, target="cpu" if MODE == "first" else "parallel")(mul)
closure = vectorize(["float64(float64)"], cache=True)(factory(2.0 if MODE == "first" else 5.0))

@guvectorize("(n)->()", cache=True)
def lazysum(x, out):
    s = 0
    for v in x:
        s += v
    out[0] = s

big = np.linspace(0, 1, 300001)
m = np.arange(12.0).reshape(3, 4)
report(dict(identity=np.array(u.identity), empty=u.reduce(np.array([])), big=u(big, big),
            closure=closure(np.arange(5.0)), lazy_f=lazysum(m), lazy_i=lazysum(m.astype(np.int64))))
'''


def test_identity_target_closures_and_lazy_gufuncs_through_the_cache(tmp_path):
    script = write_script(tmp_path, "shared.py", SHARED)
    cache = tmp_path / "cache"
    big = np.linspace(0, 1, 300001)
    m = np.arange(12.0).reshape(3, 4)
    for mode, identity, scale, stats in [("first", 0, 2.0, {"hits": 0, "rejected": 0, "stores": 4}),
                                         ("second", 1, 5.0, {"hits": 3, "rejected": 0, "stores": 1}),
                                         ("second", 1, 5.0, {"hits": 4, "rejected": 0, "stores": 0})]:
        report, r = run(script, cache, tmp_path / f"{mode}.npz", mode)
        assert report["stats"] == stats, mode
        assert r["identity"] == identity and r["empty"] == identity
        np.testing.assert_array_equal(r["big"], big * big)
        np.testing.assert_array_equal(r["closure"], np.arange(5.0) * scale)
        np.testing.assert_array_equal(r["lazy_f"], m.sum(axis=1))
        assert r["lazy_i"].dtype == np.int64
        np.testing.assert_array_equal(r["lazy_i"], m.astype(np.int64).sum(axis=1))
    assert len(entries(cache)) == 5


# --- (c) damaged and foreign entries --------------------------------------------

SIMPLE = '''
@vectorize(["float64(float64)", "int64(int64)"], cache=True)
def simple(x):
    return x * 3 + 1

x = np.linspace(-5, 5, 1001)
report(dict(f=simple(x), i=simple(np.arange(-50, 50))))
'''


def check_simple(r):
    x = np.linspace(-5, 5, 1001)
    np.testing.assert_array_equal(r["f"], x * 3 + 1)
    np.testing.assert_array_equal(r["i"], np.arange(-50, 50) * 3 + 1)


def _rewrite_key(data, edit):
    fmt, key, meta, obj = parse_entry(data)
    new_key = edit(key)
    assert new_key != key
    return encode_entry(fmt, new_key, meta, obj)


def _fake_cpu(key):
    lines = key.split("\n")
    (i,) = [k for k, line in enumerate(lines) if line.startswith("host ")]
    parts = lines[i].split(" ")            # host <triple> <cpu> <features>
    parts[2] = "fakecpu-9000"
    lines[i] = " ".join(parts)
    return "\n".join(lines)


def _other_version(key):
    other = key.replace(f"jitufunc {jitufunc.__version__} ", "jitufunc 0.0.999 ", 1)
    assert other != key
    return other


def _other_build(key):
    other = re.sub(r"^(jitufunc \S+ build )[0-9a-f]{16}", r"\g<1>0123456789abcdef", key, count=1)
    assert other != key
    return other


def _other_format(data):
    fmt, key, meta, obj = parse_entry(data)
    return encode_entry(fmt + 1, key, meta, obj)


def _flip_middle(data):
    b = bytearray(data)
    b[len(b) // 2] ^= 0x5A
    return bytes(b)


DAMAGE = {
    "truncated": lambda d: d[: len(d) // 2],
    "truncated_by_one": lambda d: d[:-1],
    "flipped_byte": _flip_middle,
    "fake_cpu": lambda d: _rewrite_key(d, _fake_cpu),
    "other_version": lambda d: _rewrite_key(d, _other_version),
    "other_build": lambda d: _rewrite_key(d, _other_build),
    "other_format": _other_format,
    "empty": lambda d: b"",
    "garbage": lambda d: np.random.default_rng(7).integers(0, 256, len(d), dtype=np.uint8).tobytes(),
    "magic_only": lambda d: MAGIC,
}


def test_damaged_or_foreign_entries_are_rejected_rewritten_and_then_hit(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    good_dir = tmp_path / "good"
    first, r = run(script, good_dir, tmp_path / "r0.npz")
    assert first["stats"] == {"hits": 0, "rejected": 0, "stores": 1}
    check_simple(r)
    ((name, good_path),) = entries(good_dir).items()
    good = good_path.read_bytes()
    _, good_key, _, _ = parse_entry(good)

    # Every damaged copy in its own cache dir, the processes run at once.
    procs = {}
    for kind, damage in DAMAGE.items():
        cache = tmp_path / kind
        cache.mkdir()
        bad = damage(good)
        assert bad != good
        (cache / name).write_bytes(bad)   # same file name as the good entry
        procs[kind] = start(script, cache, tmp_path / f"{kind}-1.npz")
    for kind, proc in procs.items():
        report, r = finish(proc, tmp_path / f"{kind}-1.npz")
        assert report["stats"] == {"hits": 0, "rejected": 1, "stores": 1}, kind
        check_simple(r)
        cache = tmp_path / kind
        assert list(entries(cache)) == [name], kind
        _, key, _, _ = parse_entry((cache / name).read_bytes())
        assert key == good_key, kind      # rewritten with this host's key
        assert temporaries(cache) == [], kind

    procs = {kind: start(script, tmp_path / kind, tmp_path / f"{kind}-2.npz") for kind in DAMAGE}
    for kind, proc in procs.items():
        report, r = finish(proc, tmp_path / f"{kind}-2.npz")
        assert report["stats"] == {"hits": 1, "rejected": 0, "stores": 0}, kind
        check_simple(r)


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink_to_fifo"])
def test_an_entry_that_is_not_a_regular_file_is_rejected_without_blocking(tmp_path, kind):
    # A FIFO at an entry's path used to block the process forever (opening
    # it for reading waits for a writer): it is opened without blocking,
    # rejected, and replaced by the new entry (a directory cannot be).
    script = write_script(tmp_path, "simple.py", SIMPLE)
    good_dir = tmp_path / "good"
    run(script, good_dir, tmp_path / "r0.npz")
    ((name, _),) = entries(good_dir).items()
    cache = tmp_path / kind
    cache.mkdir()
    if kind == "fifo":
        os.mkfifo(cache / name)
    elif kind == "directory":
        (cache / name).mkdir()
    else:
        os.mkfifo(tmp_path / "elsewhere")
        (cache / name).symlink_to(tmp_path / "elsewhere")
    proc = start(script, cache, tmp_path / "r1.npz")
    try:
        report, r = finish(proc, tmp_path / "r1.npz")
    finally:
        proc.kill()
    check_simple(r)
    stored = 0 if kind == "directory" else 1
    assert report["stats"] == {"hits": 0, "rejected": 1, "stores": stored}
    if kind != "directory":
        assert (cache / name).is_file() and not (cache / name).is_symlink()
        report, r = run(script, cache, tmp_path / "r2.npz")
        assert report["stats"] == {"hits": 1, "rejected": 0, "stores": 0}


def test_unrelated_files_in_the_cache_dir_are_ignored(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "simple-0123456789abcdef.jitufunc").write_bytes(b"not an entry")
    (cache / "README").write_text("hello")
    (cache / "subdir").mkdir()
    report, r = run(script, cache, tmp_path / "r.npz")
    assert report["stats"] == {"hits": 0, "rejected": 0, "stores": 1}
    check_simple(r)
    assert (cache / "simple-0123456789abcdef.jitufunc").read_bytes() == b"not an entry"
    assert (cache / "README").read_text() == "hello"


# --- (d) concurrent writers -----------------------------------------------------

CONCURRENT = '''
import os, time
go = sys.argv[2]
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.002)

@vectorize(["float64(float64)", "float32(float32)", "int32(int32)"], cache=True)
def together(x):
    return x * x - 7

@guvectorize(["void(float64[:], float64[:])"], "(n)->()", cache=True)
def rowsum(x, out):
    s = 0.0
    for v in x:
        s += v
    out[0] = s

x = np.linspace(-9, 9, 1001)
report(dict(f=together(x), s=together(x.astype(np.float32)), i=together(np.arange(-40, 40, dtype=np.int32)),
            rows=rowsum(np.arange(60.0).reshape(12, 5))))
'''


def check_concurrent(r):
    x = np.linspace(-9, 9, 1001)
    np.testing.assert_array_equal(r["f"], x * x - 7)
    np.testing.assert_array_equal(r["s"], x.astype(np.float32) * x.astype(np.float32) - np.float32(7))
    i = np.arange(-40, 40, dtype=np.int32)
    np.testing.assert_array_equal(r["i"], i * i - 7)
    np.testing.assert_array_equal(r["rows"], np.arange(60.0).reshape(12, 5).sum(axis=1))


def test_concurrent_processes_compile_into_an_empty_cache(tmp_path):
    script = write_script(tmp_path, "concurrent.py", CONCURRENT)
    cache = tmp_path / "cache"
    go = tmp_path / "go"
    procs = [start(script, cache, tmp_path / f"r{k}.npz", go) for k in range(4)]
    go.write_text("go")
    stores = 0
    for k, proc in enumerate(procs):
        report, r = finish(proc, tmp_path / f"r{k}.npz")
        check_concurrent(r)
        assert report["stats"]["rejected"] == 0
        assert report["stats"]["hits"] + report["stats"]["stores"] == 2
        stores += report["stats"]["stores"]
    assert stores >= 2
    assert temporaries(cache) == []
    files = entries(cache)
    assert sorted(ENTRY_NAME.match(f).group("name") for f in files) == ["rowsum", "together"]
    for path in files.values():
        parse_entry(path.read_bytes())
    report, r = run(script, cache, tmp_path / "r5.npz", go)
    assert report["stats"] == {"hits": 2, "rejected": 0, "stores": 0}
    check_concurrent(r)


# --- (e) a cache that cannot be written -----------------------------------------

def test_unwritable_cache_dir_still_compiles(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    blocker = tmp_path / "a_file"
    blocker.write_text("I am a regular file")
    cache = blocker / "cache"
    for k in range(2):
        report, r = run(script, cache, tmp_path / f"r{k}.npz")
        assert report["dir"] == str(cache)
        assert report["stats"] == {"hits": 0, "rejected": 0, "stores": 0}
        check_simple(r)
    assert blocker.read_text() == "I am a regular file"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cache_dir_that_is_a_regular_file_still_compiles(tmp_path):
    script = write_script(tmp_path, "simple.py", SIMPLE)
    cache = tmp_path / "cache_is_a_file"
    cache.write_bytes(b"x")
    report, r = run(script, cache, tmp_path / "r.npz")
    assert report["stats"] == {"hits": 0, "rejected": 0, "stores": 0}
    check_simple(r)
    assert cache.read_bytes() == b"x"


# --- in this process ------------------------------------------------------------

def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "here"))
    assert str(_core.cache_dir()) == str(tmp_path / "here")
    monkeypatch.delenv("JITUFUNC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert str(_core.cache_dir()) == str(tmp_path / "xdg" / "jitufunc")


def test_cache_stats_has_the_four_counts():
    stats = _core.cache_stats()
    assert set(stats) == {"hits", "rejected", "stores", "reused"}
    assert all(isinstance(v, int) and v >= 0 for v in stats.values())


def test_a_process_reuses_its_own_code_for_the_same_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    f = make_function("""
        def twice_plus(x):
            return x * 2 + 5
    """)
    before = _core.cache_stats()
    u1 = vectorize(["float64(float64)"], cache=True)(f)
    mid = _core.cache_stats()
    assert mid["stores"] == before["stores"] + 1
    assert mid["hits"] == before["hits"]
    u2 = vectorize(["float64(float64)"], cache=True)(f)
    after = _core.cache_stats()
    assert after["hits"] == mid["hits"]
    assert after["stores"] == mid["stores"]          # not compiled or written again
    assert after["reused"] == mid["reused"] + 1
    x = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(u1(x), x * 2 + 5)
    np.testing.assert_array_equal(u2(x), x * 2 + 5)
    assert len(entries(tmp_path / "cache")) == 1
    # Once every ufunc using the code is gone, the entry is linked from disk.
    import gc
    del u1, u2
    gc.collect()
    u3 = vectorize(["float64(float64)"], cache=True)(f)
    final = _core.cache_stats()
    assert final["hits"] == after["hits"] + 1 and final["stores"] == after["stores"]
    np.testing.assert_array_equal(u3(x), x * 2 + 5)


def test_redecorating_in_the_same_process_does_not_count_as_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    f = make_function("""
        def plus_seven(x):
            return x + 7
    """)
    vectorize(["float64(float64)"], cache=True)(f)
    mid = _core.cache_stats()
    u = vectorize(["float64(float64)"], cache=True)(f)
    np.testing.assert_array_equal(u(np.arange(4.0)), np.arange(4.0) + 7)
    assert _core.cache_stats()["rejected"] == mid["rejected"]


def test_cache_option_must_be_a_bool():
    f = make_function("""
        def k(x):
            return x
    """)
    for bad in ["yes", 1, None]:
        with pytest.raises(OptionError, match="cache"):
            vectorize(["float64(float64)"], cache=bad)(f)
        with pytest.raises(OptionError, match="cache"):
            guvectorize(["void(float64[:], float64[:])"], "(n)->()", cache=bad)(f)
