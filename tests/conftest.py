"""Shared helpers for jitufunc's tests.

``make_function`` defines a Python function from source text the way a
notebook cell does (the source is registered in ``linecache``), so jitufunc
can read it. ``reference`` evaluates a kernel the way the compiled ufunc must
behave: the Python function called on NumPy scalars, element by element,
cast to the output dtype.
"""

import atexit
import cmath
import itertools
import linecache
import math
import os
import shutil
import tempfile
import textwrap
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")

# The IR verifier runs after every compiler pass in every test (bad IR is
# an InternalError, never a miscompile). Set before jitufunc is imported.
os.environ.setdefault("JITUFUNC_VERIFY", "1")

# cache=True kernels in the tests and docs write here, never into the
# user's cache directory (subprocesses inherit it).
_CACHE_DIR = tempfile.mkdtemp(prefix="jitufunc-test-cache-")
os.environ["JITUFUNC_CACHE_DIR"] = _CACHE_DIR
atexit.register(shutil.rmtree, _CACHE_DIR, True)

_counter = itertools.count()

#: Every dtype jitufunc supports.
ALL_DTYPES = [
    np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
    np.int64, np.uint64, np.float16, np.float32, np.float64, np.complex64,
    np.complex128,
]
INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]
COMPLEX_DTYPES = [np.complex64, np.complex128]


def make_function(source, globals_=None, name=None):
    """Defines the function(s) in ``source``; returns the one named ``name``
    (default: the last one defined)."""
    source = textwrap.dedent(source).lstrip("\n")
    filename = f"<jitufunc-test-{next(_counter)}>"
    lines = source.splitlines(True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    namespace = {"np": np, "math": math, "cmath": cmath, "__name__": "jitufunc_test_kernels"}
    namespace.update(globals_ or {})
    before = set(namespace)
    exec(compile(source, filename, "exec"), namespace)
    if name is None:
        defined = [k for k in namespace if k not in before and callable(namespace[k])]
        name = defined[-1]
    return namespace[name]


def dtype_name(dt):
    return np.dtype(dt).name


_COMPILED_PAIRS = {}


def py_and_jit(source):
    """The Python function defined by ``source`` and its ``njit`` version,
    made once per source text (so each signature compiles once per
    session)."""
    if source not in _COMPILED_PAIRS:
        from jitufunc import njit

        py = make_function(source)
        _COMPILED_PAIRS[source] = (py, njit(py))
    return _COMPILED_PAIRS[source]


def reference(pyfunc, args, out_dtype):
    """``pyfunc`` applied elementwise to NumPy scalars of ``args`` (arrays or
    scalars, broadcast together), stored into an array of ``out_dtype``."""
    arrays = [np.asarray(a) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    views = [np.broadcast_to(a, shape) for a in arrays]
    out = np.empty(shape, dtype=out_dtype)
    with np.errstate(all="ignore"):
        for idx in np.ndindex(shape):
            out[idx] = pyfunc(*(v[idx] for v in views))
    return out


def flags_of(f, *args, **kwargs):
    """``f(*args, **kwargs)`` and the set of ``np.errstate`` categories
    (``"overflow"``, ``"invalid"``, ...) it raised."""
    seen = set()

    def note(kind, _flag):
        seen.add(kind.split()[0])

    with np.errstate(all="call"):
        old = np.seterrcall(note)
        try:
            out = f(*args, **kwargs)
        finally:
            np.seterrcall(old)
    return out, seen


def assert_matches(actual, expected, rtol=None, atol=0.0):
    """Exact for integers and bools; close for floats (``rtol`` by default
    from the dtype), with NaNs in the same places."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    if actual.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected)
        return
    if rtol is None:
        rtol = {2: 1e-3, 4: 1e-6, 8: 1e-13, 16: 1e-13}[actual.dtype.itemsize // (2 if actual.dtype.kind == "c" else 1)]
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def sample(dtype, shape, rng, low=-50, high=50):
    """Random values of ``dtype`` in a range that avoids overflow surprises
    (unsigned types start at 0, bools are random)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dt)
    if dt.kind == "u":
        return rng.integers(0, high, size=shape).astype(dt)
    if dt.kind == "i":
        return rng.integers(low, high, size=shape).astype(dt)
    if dt.kind == "f":
        return rng.uniform(low, high, size=shape).astype(dt)
    return (rng.uniform(low, high, size=shape) + 1j * rng.uniform(low, high, size=shape)).astype(dt)


def run_together(n, work):
    """Runs ``work(i)`` for i in range(n) on n threads released at once;
    returns the results, failing on any error or hung thread."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors
    return results


def assert_clear_error(err, exc, pattern, func, source, line):
    """``err`` is an ``exc`` whose message matches ``pattern``; with a
    ``line``, the message names the file, the line and its source text, and
    the exception's ``filename`` and ``lineno`` attributes say the same."""
    import re

    message = str(err)
    assert type(err) is exc, f"expected {exc.__name__}, got {type(err).__name__}: {message}"
    assert re.search(pattern, message, re.S), f"{pattern!r} not found in message:\n{message}"
    if line is None:
        return
    filename = func.__code__.co_filename
    text = textwrap.dedent(source).lstrip("\n").splitlines()[line - 1].strip()
    assert filename in message, f"file {filename!r} not named in:\n{message}"
    assert re.search(rf"\bline {line}\b", message), f"'line {line}' not in:\n{message}"
    assert text in message, f"source line {text!r} not shown in:\n{message}"
    assert getattr(err, "filename", None) == filename, f"filename attribute of {message}"
    assert getattr(err, "lineno", None) == line, f"lineno attribute {getattr(err, 'lineno', None)} of {message}"


# --- a sample of the cases in the extra environments -------------------------
#
# scripts/test.sh runs the whole suite on .venv (as two processes) and, at
# the same time, on the oldest and the newest supported NumPy/Python
# (JITUFUNC_TEST_SAMPLE=16 there). Four runs share the machine's two cores,
# so in those two environments each file runs its first case and a fixed
# pseudo-random sixteenth of the others (chosen by a hash of the test id),
# except the files that depend most on the Python version, which run in
# full; every case runs on .venv.

FULL_EVERYWHERE = {"tests/test_bytecode_frontend.py", "tests/test_startup.py", "tests/test_core_stub.py",
                   "tests/test_public_stub.py"}


def _sample_rate():
    try:
        return int(os.environ.get("JITUFUNC_TEST_SAMPLE", "1"))
    except ValueError:
        return 1


def pytest_report_header(config):
    shard = _shard()
    if shard is not None:
        return f"JITUFUNC_TEST_SHARD={shard[0]}/{shard[1]}: this run takes one of {shard[1]} parts of the cases"
    rate = _sample_rate()
    if rate > 1:
        return (f"JITUFUNC_TEST_SAMPLE={rate}: each file runs its first case and 1 in {rate} of the others "
                f"(chosen by a hash of the test id); {', '.join(sorted(FULL_EVERYWHERE))} run in full")
    return None


def _shard():
    """``JITUFUNC_TEST_SHARD=k/n``: this run takes the k-th of n parts of
    the cases (scripts/test.sh runs .venv's suite as two processes)."""
    spec = os.environ.get("JITUFUNC_TEST_SHARD", "")
    try:
        k, n = (int(x) for x in spec.split("/"))
    except ValueError:
        return None
    return (k, n) if 0 <= k < n else None


def _keep_shard(config, items):
    import zlib

    shard = _shard()
    if shard is None:
        return
    k, n = shard
    kept = [i for i in items if zlib.crc32(i.nodeid.encode()) % n == k]
    dropped = [i for i in items if zlib.crc32(i.nodeid.encode()) % n != k]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_collection_modifyitems(config, items):
    import zlib

    _keep_shard(config, items)
    rate = _sample_rate()
    if rate <= 1:
        return
    seen_files = set()
    kept, dropped = [], []
    for item in items:
        path = item.nodeid.split("::")[0]
        first = path not in seen_files
        seen_files.add(path)
        if first or path in FULL_EVERYWHERE or zlib.crc32(item.nodeid.encode()) % rate == 0:
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
