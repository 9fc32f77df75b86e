"""The exact-flags range function of an elementwise loop is compiled when a
call first needs it (a strided operand, a chunk that met a non-finite
value; ``src/loops/deferred.rs``): whichever call comes first, results and
floating-point flags are NumPy's, and ``cache=True`` ufuncs (compiled
eagerly) reload in a fresh process with the same behaviour."""

import math
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from conftest import flags_of
from jitufunc import vectorize


def fresh_scale():
    # A new ufunc each time: its range function is not compiled yet.
    @vectorize(["float64(float64)"])
    def scale(x):
        return x * 1e300

    return scale


def fresh_gauss():
    @vectorize(["float64(float64)", "float32(float32)"])
    def gauss(x):
        return math.exp(-x * x)

    return gauss


def test_strided_call_after_contiguous():
    g = fresh_gauss()
    x = np.linspace(-4, 4, 3001)
    np.testing.assert_array_equal(g(x), g(x))
    for xs in (x[::3], x[::-1], x[::-7]):
        ref = np.array([g(np.array([v]))[0] for v in xs[:50]])
        out = g(xs)
        np.testing.assert_array_equal(out[:50], ref)
        np.testing.assert_allclose(out, np.exp(-xs * xs), rtol=1e-15)
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(g(x32[::2]), g(x32.copy())[::2])


def test_strided_call_first():
    g = fresh_gauss()
    x = np.linspace(-4, 4, 2000)
    strided = g(x[::2])
    # The strided path runs the scalar kernel (one element at a time, as
    # a call on fewer than 16 elements does).
    ref = np.array([g(np.array([v]))[0] for v in x[::2][:50]])
    np.testing.assert_array_equal(strided[:50], ref)
    np.testing.assert_allclose(strided, np.exp(-x[::2] * x[::2]), rtol=1e-15)


def test_nonfinite_chunk_after_finite_chunks_reports_exact_flags():
    scale = fresh_scale()
    x = np.full(4096, 1.5)
    # Finite chunks first: the range function is not needed.
    out, flags = flags_of(scale, x)
    assert flags == set()
    np.testing.assert_array_equal(out, x * 1e300)
    # An overflow in the fourth chunk: that chunk is redone exactly.
    y = x.copy()
    y[3 * 256 + 17] = 1e10
    out, flags = flags_of(scale, y)
    ref, ref_flags = flags_of(np.multiply, y, 1e300)
    assert flags == ref_flags == {"overflow"}
    np.testing.assert_array_equal(out, ref)
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            scale(y)
    # NaN inputs are not invalid operations.
    z = x.copy()
    z[1000] = np.nan
    out, flags = flags_of(scale, z)
    assert flags == set()
    assert np.isnan(out[1000])


def test_in_place_redo_after_deferred_compile():
    scale = fresh_scale()
    y = np.full(1000, 2.0)
    y[600] = 1e20
    with np.errstate(over="ignore"):
        ref = np.multiply(y, 1e300)
        scale(y, out=y)
    np.testing.assert_array_equal(y, ref)


def test_first_calls_from_many_threads():
    g = fresh_gauss()
    x = np.linspace(-3, 3, 20001)
    expected = np.exp(-x[::3] * x[::3])
    results = [None] * 6
    barrier = threading.Barrier(len(results))

    def run(i):
        barrier.wait()
        results[i] = g(x[::3])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_allclose(r, expected, rtol=1e-15)
        np.testing.assert_array_equal(r, results[0])


def run_python(code, env=None):
    e = dict(os.environ)
    e.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=e
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_range_function_compiled_only_when_needed():
    # JITUFUNC_DUMP=timing names every module compiled: the range function's
    # module (`...loop0.exact`) appears at the first strided call only.
    proc = run_python(
        """
        import math, sys
        import numpy as np
        from jitufunc import vectorize

        @vectorize(["float64(float64)"])
        def g(x):
            return math.exp(-x * x)

        x = np.linspace(-3, 3, 1000)
        g(x)
        print("CONTIGUOUS DONE", file=sys.stderr, flush=True)
        g(x[::2])
        print("STRIDED DONE", file=sys.stderr, flush=True)
        g(x[::3])
        """,
        env={"JITUFUNC_DUMP": "timing"},
    )
    err = proc.stderr
    before, _, rest = err.partition("CONTIGUOUS DONE")
    middle, _, after = rest.partition("STRIDED DONE")
    assert "_loop0.exact" not in before
    assert middle.count("_loop0.exact") == 1
    assert "_loop0.exact" not in after


def test_cached_ufunc_reloads_with_exact_paths(tmp_path):
    code = f"""
        import math, sys
        import numpy as np
        sys.path.insert(0, {str(tmp_path)!r})
        import kern
        x = np.linspace(-3, 3, 1001)
        assert np.allclose(kern.g(x[::3]), np.exp(-x[::3] * x[::3]), rtol=1e-15, atol=0)
        y = np.full(1000, 1.5)
        y[700] = 1e10
        with np.errstate(over="raise"):
            try:
                kern.s(y)
            except FloatingPointError:
                print("RAISED")
        with np.errstate(over="ignore"):
            assert np.array_equal(kern.s(y), y * 1e300)
            assert np.array_equal(kern.s(y[::2]), y[::2] * 1e300)
        """
    (tmp_path / "kern.py").write_text(
        textwrap.dedent(
            """
            import math
            from jitufunc import vectorize

            @vectorize(["float64(float64)"], cache=True)
            def g(x):
                return math.exp(-x * x)

            @vectorize(["float64(float64)"], cache=True)
            def s(x):
                return x * 1e300
            """
        )
    )
    env = {"JITUFUNC_CACHE_DIR": str(tmp_path / "cache")}
    first = run_python(code, env)
    assert "RAISED" in first.stdout
    assert any((tmp_path / "cache").iterdir())
    second = run_python(code, env={**env, "JITUFUNC_DUMP": "timing"})
    assert "RAISED" in second.stdout
    # Everything came from the cache: nothing was compiled.
    assert "optimize" not in second.stderr


def test_fastmath_strided_path_is_deferred_too():
    # Under fastmath the range function (the strided path) is deferred as
    # well; the vector path runs the same kernel.
    @vectorize(["float64(float64)"], fastmath=True)
    def g(x):
        return math.exp(-x * x)

    x = np.linspace(-4, 4, 4001)
    contiguous = g(x)
    np.testing.assert_allclose(contiguous, np.exp(-x * x), rtol=1e-14)
    strided = g(x[::3])
    ref = np.array([g(np.array([v]))[0] for v in x[::3][:40]])
    np.testing.assert_array_equal(strided[:40], ref)
    np.testing.assert_allclose(strided, np.exp(-x[::3] * x[::3]), rtol=1e-14)
