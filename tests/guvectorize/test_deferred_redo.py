"""A gufunc loop's exact redo (the chunks of outer iterations where the fast
kernel noted a non-finite float, rerun by the exact-flags kernel) and its
path for operands without unit innermost strides are compiled when a call
first needs them (``src/loops/gufunc_deferred.rs``).
Whichever call comes first, results are the Python kernel's bit for bit and
floating-point flags are what it raises; an eagerly compiled gufunc
(``cache=True``, which inlines the redo) gives the same."""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from conftest import flags_of, make_function
from jitufunc import guvectorize
from .helpers import loop_reference

SCALED_SUM = """
    def scaled_sum(x, out):
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i] * 1e300
        out[0] = s
"""

SIGS = ["void(float64[:], float64[:])"]


def fresh(source=SCALED_SUM, **options):
    pyf = make_function(source)
    return pyf, guvectorize(SIGS, "(n)->()", **options)(pyf)


def python_rows(pyf, x):
    """The Python kernel on each row (``loop_reference`` ignores FP errors,
    so it runs again here for the flags the kernel raises)."""
    values = loop_reference(pyf, [x], [1], [((), np.float64)])[0]
    out = np.empty(1)
    for idx in np.ndindex(x.shape[:-1]):
        pyf(x[idx], out)
    return values


def rows_with_overflow(n_rows, bad_rows, width=9, seed=0):
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, (n_rows, width))
    for r in bad_rows:
        x[r, width // 2] = 1e10          # x * 1e300 overflows
    return x


@pytest.fixture
def eager(tmp_path, monkeypatch):
    """The same kernel compiled eagerly (``cache=True``: the redo inlined)."""
    monkeypatch.setenv("JITUFUNC_CACHE_DIR", str(tmp_path / "cache"))
    return fresh(cache=True)[1]


@pytest.mark.parametrize("n_rows,bad_rows", [
    (5, []), (5, [2]), (300, [0]), (300, [150, 151]), (1000, [999]), (1000, [3, 500, 997]),
])
def test_values_and_flags_match_python_and_the_eager_loop(eager, n_rows, bad_rows):
    pyf, gu = fresh()
    x = rows_with_overflow(n_rows, bad_rows)
    out, flags = flags_of(gu, x)
    ref, ref_flags = flags_of(python_rows, pyf, x)
    np.testing.assert_array_equal(out, ref)
    assert flags == ref_flags == ({"overflow"} if bad_rows else set())
    eager_out, eager_flags = flags_of(eager, x)
    np.testing.assert_array_equal(eager_out, out)
    assert eager_flags == flags
    with np.errstate(over="raise"):
        if bad_rows:
            with pytest.raises(FloatingPointError):
                gu(x)
        else:
            gu(x)


@pytest.mark.parametrize("view", ["rows_strided", "reversed", "broadcast", "fortran", "out_strided"])
def test_redo_on_every_stride_pattern(view):
    pyf, gu = fresh()
    base = rows_with_overflow(400, [7, 260], width=12)
    out = None
    if view == "rows_strided":
        x = base[:, ::3]
    elif view == "reversed":
        x = base[::-1, ::-1]
    elif view == "broadcast":
        x = np.broadcast_to(base[7], (50, 12))   # zero outer stride, every row overflows
    elif view == "fortran":
        x = np.asfortranarray(base)
    else:
        x = base
        out = np.full(800, -1.0)[::2]
    got, flags = flags_of(gu, x) if out is None else flags_of(lambda a: gu(a, out=out), x)
    ref, ref_flags = flags_of(python_rows, pyf, x)
    np.testing.assert_array_equal(got, ref)
    assert flags == ref_flags == {"overflow"}
    if out is not None:
        np.testing.assert_array_equal(out, ref)


def test_nan_and_inf_inputs_redo_without_spurious_flags():
    pyf, gu = fresh()
    x = rows_with_overflow(600, [])
    x[10, 1] = np.nan
    x[400, 3] = np.inf
    got, flags = flags_of(gu, x)
    ref, ref_flags = flags_of(python_rows, pyf, x)
    np.testing.assert_array_equal(got, ref)
    assert flags == ref_flags == set()


def test_first_redo_from_many_threads():
    pyf, gu = fresh()
    x = rows_with_overflow(2000, [100, 1500])
    with np.errstate(over="ignore"):
        expected = python_rows(pyf, x)
    results = [None] * 6
    barrier = threading.Barrier(len(results))

    def run(i):
        barrier.wait()
        with np.errstate(over="ignore"):
            results[i] = gu(x[:: 1 + i % 2]) if i % 2 else gu(x)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in enumerate(results):
        np.testing.assert_array_equal(r, expected[:: 1 + i % 2] if i % 2 else expected)


@pytest.mark.parametrize("strided", [False, True])
def test_parallel_target_redoes_exactly(strided):
    # Strided rows: the pool's workers meet the uncompiled general path at
    # once (one compiles it, the others wait), then its redo likewise.
    pyf = make_function(SCALED_SUM)
    gu = guvectorize(SIGS, "(n)->()", target="parallel")(pyf)
    x = rows_with_overflow(20000, [5, 12000, 19999], width=5)
    if strided:
        x = x[:, ::2]
    got, flags = flags_of(gu, x)
    ref, ref_flags = flags_of(python_rows, pyf, x)
    np.testing.assert_array_equal(got, ref)
    assert flags == ref_flags == {"overflow"}


RAISES = """
    def checked_sum(x, out):
        s = 0.0
        for i in range(x.shape[0]):
            if x[i] < -1e300:
                raise ValueError("a value below -1e300")
            s += x[i] * 1e300
        out[0] = s
"""


def test_an_error_raised_in_a_redone_chunk():
    pyf, gu = fresh(RAISES)
    x = rows_with_overflow(300, [20])
    x[40, 0] = -1e301                     # raises, in the chunk the overflow tainted
    out = np.full(300, 7.0)
    with pytest.raises(ValueError, match="a value below -1e300"):
        with np.errstate(over="ignore"):
            gu(x, out=out)
    with pytest.raises(ValueError, match="a value below -1e300"):
        pyf(x[40], np.empty(1))
    # The rows before the raising one are done, as Python would have left them.
    with np.errstate(over="ignore"):
        ref = python_rows(pyf, x[:40])
    np.testing.assert_array_equal(out[:40], ref)


def run_python(code, env):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    return proc


def test_parts_compiled_only_when_a_call_needs_them():
    # JITUFUNC_DUMP=timing names every module compiled: the general path's
    # (`..._loop0.general`) appears at the first call with strided rows, the
    # redo's (`..._loop0.exact`) at the first non-finite value.
    proc = run_python(
        """
        import sys
        import numpy as np
        from jitufunc import guvectorize

        @guvectorize(["void(float64[:], float64[:])"], "(n)->()")
        def scaled_sum(x, out):
            s = 0.0
            for i in range(x.shape[0]):
                s += x[i] * 1e300
            out[0] = s

        x = np.ones((500, 3))
        scaled_sum(x)
        print("UNIT DONE", file=sys.stderr, flush=True)
        scaled_sum(x[:, ::2])
        print("STRIDED DONE", file=sys.stderr, flush=True)
        x[250, 1] = 1e10
        with np.errstate(over="ignore"):
            scaled_sum(x)
        print("REDONE", file=sys.stderr, flush=True)
        with np.errstate(over="ignore"):
            scaled_sum(x[::-1])
            scaled_sum(x[:, ::-1])
        """,
        {"JITUFUNC_DUMP": "timing"},
    )
    unit, _, rest = proc.stderr.partition("UNIT DONE")
    strided, _, rest = rest.partition("STRIDED DONE")
    redone, _, after = rest.partition("REDONE")
    assert "scaled_sum" in unit and "_loop0.exact" not in unit and "_loop0.general" not in unit
    assert strided.count("_loop0.general") == 1 and "_loop0.exact" not in strided
    assert redone.count("_loop0.exact") == 1 and "_loop0.general" not in redone
    assert "_loop0.exact" not in after and "_loop0.general" not in after


def test_strided_call_with_non_finite_values_first(eager):
    # The general path compiles, then its first tainted chunk compiles the
    # redo from inside it.
    pyf, gu = fresh()
    x = rows_with_overflow(700, [3, 690], width=10)[:, ::-2]   # column 5 kept
    got, flags = flags_of(gu, x)
    ref, ref_flags = flags_of(python_rows, pyf, x)
    np.testing.assert_array_equal(got, ref)
    assert flags == ref_flags == {"overflow"}
    eager_out, eager_flags = flags_of(eager, x)
    np.testing.assert_array_equal(eager_out, got)
    assert eager_flags == flags


def test_fresh_gufuncs_with_redos_keep_rss_flat():
    # Each gufunc's deferred modules are freed with it.
    code = """
        import gc, resource, sys
        import numpy as np
        from jitufunc import guvectorize

        def rss_mb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * resource.getpagesize() / 2**20

        x = np.ones((300, 4)); x[100, 2] = 1e10
        def round_():
            @guvectorize(["void(float64[:], float64[:])"], "(n)->()")
            def k(x, out):
                s = 0.0
                for i in range(x.shape[0]):
                    s += x[i] * 1e300
                out[0] = s
            with np.errstate(over="ignore"):
                k(x)
                k(x[:, ::2])
        for _ in range(30):
            round_()
        gc.collect()
        start = rss_mb()
        for _ in range(150):
            round_()
        gc.collect()
        print(rss_mb() - start)
        """
    growth = float(run_python(code, {}).stdout)
    assert growth < 25, f"RSS grew {growth:.1f} MB over 150 gufuncs with compiled redos"
