"""Numba's ``@njit`` code calling jitufunc ufuncs and gufuncs
(``jitufunc._numba_bridge``): scalars, arrays (broadcasting, negative, zero
and non-contiguous strides), lazy, multi-output and parallel ufuncs,
gufuncs, ``out=``, kernel exceptions, ``nogil``/``parallel`` callers.
Expected values come from the same ufunc called from Python (NumPy's own
dispatch), so loop choice and result dtypes are checked against NumPy's."""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import jitufunc

numba = pytest.importorskip("numba", reason="Numba is not installed (JITUFUNC_TEST=1 scripts/setup.sh installs it)")


def result_type(dispatcher):
    """The Numba return type of a dispatcher's only compiled signature."""
    (sig,) = dispatcher.nopython_signatures
    return sig.return_type


# ---------------------------------------------------------------------------
# Scalars

SCALAR_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
                 np.uint64, np.float32, np.float64, np.complex128, np.bool_]


def values_of(dt):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return np.array([True, False, True], dtype=dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return np.array([0, 1, 7, info.max, info.min, info.max // 3], dtype=dt)
    if dt.kind == "c":
        return np.array([0, 1.5 - 2j, -3.25 + 0.5j, 1e300 + 1j], dtype=dt)
    return np.array([0.0, -1.5, 2.25, np.inf, -np.inf, np.nan, 1e30], dtype=dt)


def poly(x):
    return x * x + x


@pytest.mark.parametrize("dt", SCALAR_DTYPES, ids=lambda d: np.dtype(d).name)
def test_scalar_calls_in_an_njit_loop(dt):
    name = np.dtype(dt).name
    u = jitufunc.vectorize([f"{name}({name})"])(poly)

    @numba.njit
    def each(a):
        out = np.empty(a.shape, a.dtype)
        for i in range(a.shape[0]):
            out[i] = u(a[i])
        return out

    @numba.njit
    def one(x):
        return u(x)

    a = values_of(dt)
    with np.errstate(all="ignore"):
        expected = u(a)
        np.testing.assert_array_equal(each(a), expected)
        got = one(a[1])
    assert got == expected[1]
    assert result_type(one) == numba.from_dtype(expected.dtype)


def floordiv(x, y):
    return x // y


def test_the_compiled_loop_runs_not_the_python_function():
    # jitufunc's loop gives 0 for an integer // 0 (NumPy's result); Numba
    # compiling the Python function would raise ZeroDivisionError.
    u = jitufunc.vectorize(["i8(i8, i8)"])(floordiv)

    @numba.njit
    def f(x, y):
        return u(x, y)

    with pytest.raises(ZeroDivisionError):
        numba.njit(floordiv)(7, 0)
    assert f(7, 0) == 0
    assert f(-7, 2) == -4


def test_loop_choice_follows_numpy():
    # Loops listed float64 first: jitufunc orders them as NumPy does, and the
    # Numba call picks the one the Python call picks.
    u = jitufunc.vectorize(["f8(f8)", "f4(f4)", "i8(i8)"])(poly)

    @numba.njit
    def one(x):
        return u(x)

    for x in (np.int8(3), np.int16(-4), np.float32(1.5), np.int32(5), np.uint64(9), 2.5, np.bool_(True)):
        expected = u(x)
        one_ = numba.njit(one.py_func)
        assert one_(x) == expected
        assert result_type(one_) == numba.from_dtype(expected.dtype), x


def test_python_numbers_are_weak_like_numpys():
    u = jitufunc.vectorize(["f4(f4)"])(poly)
    add = jitufunc.vectorize(["f4(f4, f4)", "f8(f8, f8)", "i1(i1, i1)", "i8(i8, i8)"])(lambda x, y: x + y)
    add32 = jitufunc.vectorize(["f4(f4, f4)"])(lambda x, y: x + y)

    @numba.njit
    def literal():
        return u(3)

    with pytest.raises(TypeError):
        u(3)  # NumPy 2: a lone Python int is an int64 here
    with pytest.raises(numba.core.errors.TypingError, match="not supported for the input types"):
        literal()

    @numba.njit
    def mixed(x):
        return add(x, 2)

    assert mixed(np.float32(1.5)) == add(np.float32(1.5), 2)
    assert result_type(mixed) == numba.float32

    @numba.njit
    def int8_array(a):
        return add(a, 1)

    a = np.array([1, 2, 127], dtype=np.int8)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(int8_array(a), add(a, 1))
    assert int8_array(a).dtype == np.int8

    @numba.njit
    def float64_var(x, y):
        return add(x, y)  # float64 variables stay float64, as np.float64 would

    assert float64_var(np.float32(1.5), 2.5) == add(np.float32(1.5), np.float64(2.5))
    assert result_type(float64_var) == numba.float64

    @numba.njit
    def int_var(x, n):
        # Numba types a Python int variable as int64, which no loop of
        # add32 takes; it is then taken as the Python int it may have been.
        return add32(x, n)

    assert int_var(np.float32(1.5), 3) == add32(np.float32(1.5), 3)
    assert result_type(int_var) == numba.float32


def test_lazy_ufunc_compiles_what_it_is_called_with():
    @jitufunc.vectorize
    def lazy(x, y):
        return x * y - 1

    @numba.njit
    def f(x, y):
        return lazy(x, y)

    assert f(np.float32(2), np.float32(3)) == np.float32(5)
    assert result_type(f) == numba.float32
    assert "float32(float32, float32)" in lazy.signatures
    a = np.arange(6, dtype=np.int16).reshape(2, 3)
    g = numba.njit(lambda a, b: lazy(a, b))
    np.testing.assert_array_equal(g(a, a[0]), lazy(a, a[0]))
    assert g(a, a[0]).dtype == lazy(a, a[0]).dtype == np.int16


def divmod_kernel(x, y):
    return x // y, x % y


def test_multiple_outputs_are_tuples():
    dm = jitufunc.vectorize(["UniTuple(f8, 2)(f8, f8)", "UniTuple(i8, 2)(i8, i8)"])(divmod_kernel)

    @numba.njit
    def scalar(x, y):
        return dm(x, y)

    @numba.njit
    def arrays(a, b):
        q, r = dm(a, b)
        return q, r

    assert scalar(7.5, 2.0) == (3.0, 1.5)
    assert scalar(-7, 2) == (-4, 1)
    a = np.arange(-5.0, 7.0).reshape(3, 4)
    q, r = arrays(a, 3.0)
    eq, er = dm(a, 3.0)
    np.testing.assert_array_equal(q, eq)
    np.testing.assert_array_equal(r, er)


def test_parallel_target_ufunc():
    u = jitufunc.vectorize(["f8(f8)", "f4(f4)"], target="parallel")(lambda x: x * 0.5 + 1.0)

    @numba.njit
    def call(a):
        return u(a)

    @numba.njit
    def each(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += u(a[i])
        return s

    a = np.linspace(-3, 3, 300_001)
    np.testing.assert_array_equal(call(a), u(a))
    np.testing.assert_array_equal(call(a.astype(np.float32)), u(a.astype(np.float32)))
    assert each(a[:1000]) == pytest.approx(float(u(a[:1000]).sum()), rel=1e-12)


# ---------------------------------------------------------------------------
# Arrays

def hypot2_kernel(x, y):
    return x * x + 3 * y


hypot2 = jitufunc.vectorize(["f8(f8, f8)", "f4(f4, f4)", "i8(i8, i8)"])(hypot2_kernel)


def arrays_cases():
    a = np.arange(24.0).reshape(2, 3, 4)
    b = np.arange(12.0).reshape(3, 4) - 5
    yield "same shape", a, a * 2
    yield "broadcast rows", a, b[0]
    yield "broadcast 3d", a[:, :1, :], b
    yield "outer", np.arange(5.0)[:, None], np.arange(4.0)[None, :]
    yield "negative strides", a[:, ::-1, ::-2], b[::-1, ::2]
    yield "zero strides", np.broadcast_to(np.arange(4.0), (3, 4)), b
    yield "non-contiguous", np.arange(60.0).reshape(5, 12)[::2, 1::3], b[:, ::1]
    yield "fortran", np.asfortranarray(b), b.T.copy().T
    yield "scalar and array", 2.5, a
    yield "0-d arrays", np.array(2.0), np.array(3.0)
    yield "empty", np.zeros((0, 4)), b[0]
    yield "int32 into int64 loop", np.arange(12, dtype=np.int32).reshape(3, 4), np.int64(7)
    yield "float32 and int16", np.arange(6, dtype=np.float32), np.arange(6, dtype=np.int16)
    yield "bool into int loop", np.array([True, False, True]), np.array([1, 2, 3], dtype=np.int8)


@pytest.mark.parametrize("case", list(arrays_cases()), ids=lambda c: c[0])
def test_arrays(case):
    _, x, y = case

    @numba.njit
    def call(x, y):
        return hypot2(x, y)

    got = call(x, y)
    expected = hypot2(x, y)
    if np.ndim(expected) == 0:
        assert not isinstance(got, np.ndarray)
        assert got == expected
        assert result_type(call) == numba.from_dtype(expected.dtype)
    else:
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


def test_shapes_that_do_not_broadcast():
    @numba.njit
    def call(x, y):
        return hypot2(x, y)

    with pytest.raises(ValueError, match="broadcast"):
        call(np.zeros(3), np.zeros(4))


def test_out_arguments():
    u = jitufunc.vectorize(["f8(f8)", "i8(i8)"])(lambda x: x * 2 + 1)

    @numba.njit
    def keyword(a, out):
        return u(a, out=out)

    @numba.njit
    def positional(a, out):
        return u(a, out)

    a = np.arange(10.0)
    out = np.zeros(10)
    res = keyword(a, out)
    np.testing.assert_array_equal(out, u(a))
    np.testing.assert_array_equal(res, out)
    out2 = np.zeros(20)[::2]  # strided output
    positional(a, out2)
    np.testing.assert_array_equal(out2, u(a))
    out3 = np.zeros((3, 10))  # inputs broadcast to the output's shape
    keyword(a, out3)
    np.testing.assert_array_equal(out3, u(a, out=np.zeros((3, 10))))
    out4 = np.zeros(10, dtype=np.float32)  # cast on the way out
    keyword(np.arange(10), out4)
    np.testing.assert_array_equal(out4, u(np.arange(10), out=np.zeros(10, dtype=np.float32)))
    # Overlapping input and output: as NumPy (which copies).
    b = np.arange(10.0)
    expected = b.copy()
    u(expected[:-1], out=expected[1:])
    keyword(b[:-1], b[1:])
    np.testing.assert_array_equal(b, expected)
    c = np.arange(10.0)
    keyword(c, c)
    np.testing.assert_array_equal(c, u(np.arange(10.0)))
    with pytest.raises(ValueError):
        keyword(a, np.zeros(5))


# ---------------------------------------------------------------------------
# Gufuncs


def dot_kernel(a, b, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s


def matmul_kernel(a, b, out):
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            s = 0.0
            for k in range(a.shape[1]):
                s += a[i, k] * b[k, j]
            out[i, j] = s


def test_gufunc_dot():
    dot = jitufunc.guvectorize(["void(f8[:], f8[:], f8[:])", "void(f4[:], f4[:], f4[:])"],
                               "(n),(n)->()")(dot_kernel)

    @numba.njit
    def call(a, b):
        return dot(a, b)

    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(call(a, a), dot(a, a))
    one = call(a[0], a[1])  # a scalar result, as NumPy gives
    assert not isinstance(one, np.ndarray) and one == dot(a[0], a[1])
    vectors = numba.njit(call.py_func)
    vectors(a[0], a[1])
    assert result_type(vectors) == numba.float64
    b = np.arange(8.0).reshape(2, 1, 4)
    np.testing.assert_array_equal(call(b, a), dot(b, a))  # outer broadcast (2,1) with (3,)
    c = np.arange(24.0).reshape(3, 8)[::-1, ::2]
    np.testing.assert_array_equal(call(a[:, ::-1], c), dot(a[:, ::-1], c))
    np.testing.assert_array_equal(call(a[:, ::-1], c[:1]), dot(a[:, ::-1], c[:1]))
    f4 = a.astype(np.float32)
    assert call(f4, f4).dtype == np.float32
    with pytest.raises(ValueError, match="core dimension"):
        call(a, np.zeros(3))


def test_gufunc_matmul():
    mm = jitufunc.guvectorize(["void(f8[:,:], f8[:,:], f8[:,:])"], "(m,n),(n,p)->(m,p)")(matmul_kernel)

    @numba.njit
    def call(a, b):
        return mm(a, b)

    rng = np.random.default_rng(1)
    a = rng.random((4, 3, 5))
    b = rng.random((5, 2))
    np.testing.assert_allclose(call(a, b), a @ b, rtol=1e-14)
    np.testing.assert_array_equal(call(a, b), mm(a, b))
    view = rng.random((6, 10, 7))[::2, ::-3, 1::2]  # (3, 4, 3), non-contiguous everywhere
    other = rng.random((5, 6))[::-1, ::2].T  # (3, 5), transposed and strided
    np.testing.assert_array_equal(call(view, other), mm(view, other))
    np.testing.assert_allclose(call(view, other), view @ other, rtol=1e-14)
    np.testing.assert_array_equal(call(a[0], b), mm(a[0], b))
    with pytest.raises(ValueError):
        call(a, a)


def test_gufunc_fixed_and_scalar_operands():
    @jitufunc.guvectorize(["void(f8[:], f8, f8[:])"], "(3),()->()")
    def weighted(v, w, out):
        out[0] = (v[0] + v[1] + v[2]) * w

    @numba.njit
    def call(v, w):
        return weighted(v, w)

    v = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(call(v, 2.0), weighted(v, 2.0))
    np.testing.assert_array_equal(call(v, np.arange(4.0)), weighted(v, np.arange(4.0)))
    with pytest.raises(ValueError):
        call(np.zeros((2, 4)), 1.0)


def test_gufunc_broadcast_dimension():
    @jitufunc.guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n|1)->(n)")
    def plus(a, b, out):
        for i in range(a.shape[0]):
            out[i] = a[i] + b[i if b.shape[0] > 1 else 0]

    @numba.njit
    def call(a, b):
        return plus(a, b)

    a = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(call(a, np.ones(4)), plus(a, np.ones(4)))
    np.testing.assert_array_equal(call(a, np.ones(1)), plus(a, np.ones(1)))
    with pytest.raises(ValueError):
        call(a, np.ones(3))


def test_lazy_gufunc():
    @jitufunc.guvectorize("(n)->()")
    def total(a, out):
        s = 0
        for v in a:
            s += v
        out[0] = s

    @numba.njit
    def call(a):
        return total(a)

    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    got = call(a)
    np.testing.assert_array_equal(got, total(a))
    assert got.dtype == total(a).dtype


# ---------------------------------------------------------------------------
# Exceptions


def checked(x):
    if x < 0:
        raise ValueError("negative")
    return x * 2.0


def test_kernel_exceptions_come_out_of_njit():
    u = jitufunc.vectorize(["f8(f8)", "f4(f4)"])(checked)

    @numba.njit
    def scalar_loop(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += u(a[i])
        return s

    @numba.njit
    def array(a):
        return u(a)

    assert scalar_loop(np.arange(4.0)) == 12.0
    with pytest.raises(ValueError, match="^negative$"):
        scalar_loop(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="^negative$"):
        array(np.array([[1.0, 2.0], [3.0, -1.0]]))
    with pytest.raises(ValueError, match="^negative$"):
        array(np.array([1.0, -1.0], dtype=np.float32)[::-1])
    # And nothing is left behind: the next calls work.
    assert scalar_loop(np.arange(3.0)) == 6.0
    np.testing.assert_array_equal(array(np.arange(3.0)), [0.0, 2.0, 4.0])


def test_gufunc_kernel_exception():
    @jitufunc.guvectorize(["void(f8[:], f8[:])"], "(n)->()")
    def positive_sum(a, out):
        s = 0.0
        for v in a:
            if v < 0:
                raise ValueError("negative entry")
            s += v
        out[0] = s

    @numba.njit
    def call(a):
        return positive_sum(a)

    np.testing.assert_array_equal(call(np.ones((2, 3))), [3.0, 3.0])
    with pytest.raises(ValueError, match="negative entry"):
        call(np.array([[1.0, 2.0], [-1.0, 0.0]]))


def test_typing_errors_name_the_ufunc():
    u = jitufunc.vectorize(["f8(f8)"])(poly)

    @numba.njit
    def two(x):
        return u(x, x, x)

    with pytest.raises(numba.core.errors.TypingError, match="takes 1 input"):
        two(1.0)

    @numba.njit
    def complex_in(x):
        return u(x)

    with pytest.raises(numba.core.errors.TypingError, match="poly"):
        complex_in(1j)


def test_numpys_own_ufuncs_still_work():
    @numba.njit
    def f(a):
        return np.add(a, 1.0), np.sin(a[0])

    a = np.arange(3.0)
    r, s = f(a)
    np.testing.assert_array_equal(r, a + 1)
    assert s == np.sin(0.0)


# ---------------------------------------------------------------------------
# Callers: nogil, parallel, cache


def test_nogil_and_threads():
    import threading

    u = jitufunc.vectorize(["f8(f8)"])(checked)

    @numba.njit(nogil=True)
    def total(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += u(a[i])
        return s + u(a).sum()

    a = np.arange(1000.0)
    expected = 4 * a.sum()
    results = []
    threads = [threading.Thread(target=lambda: results.append(total(a))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4
    with pytest.raises(ValueError, match="negative"):
        total(np.array([1.0, -2.0]))


def test_parallel_caller():
    u = jitufunc.vectorize(["f8(f8)"])(poly)

    @numba.njit(parallel=True)
    def each(a):
        out = np.empty_like(a)
        for i in numba.prange(a.shape[0]):
            out[i] = u(a[i])
        return out

    @numba.njit(parallel=True)
    def rows(a):
        out = np.empty_like(a)
        for i in numba.prange(a.shape[0]):
            out[i] = u(a[i])
        return out

    a = np.linspace(-2, 2, 20_001)
    np.testing.assert_array_equal(each(a), u(a))
    m = a[:20_000].reshape(100, 200)
    np.testing.assert_array_equal(rows(m), u(m))


def test_cache_true_callers_are_not_cached():
    u = jitufunc.vectorize(["f8(f8)"])(poly)

    @numba.njit(cache=True)
    def f(x):
        return u(x)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert f(2.0) == 6.0
    assert any("dynamic globals" in str(w.message) for w in caught)


# ---------------------------------------------------------------------------
# Registration, memory


def test_import_does_not_import_numba_and_early_ufuncs_work(tmp_path):
    """``import jitufunc`` leaves Numba alone; a ufunc made before
    ``import numba`` is callable from njit code (Numba's entry point)."""
    script = tmp_path / "early.py"
    script.write_text(textwrap.dedent("""
        import sys
        import jitufunc
        assert "numba" not in sys.modules

        @jitufunc.vectorize(["f8(f8)"])
        def twice(x):
            return 2.0 * x

        @jitufunc.guvectorize(["void(f8[:], f8[:])"], "(n)->()")
        def total(a, out):
            s = 0.0
            for v in a:
                s += v
            out[0] = s

        assert "numba" not in sys.modules
        import numba
        import numpy as np

        @numba.njit
        def f(x, a):
            return twice(x), total(a)

        print(f(1.5, np.arange(4.0)))
    """))
    env = dict(os.environ)
    if not _installed_entry_point():
        # This install predates the entry point (the next `maturin develop`,
        # scripts/setup.sh, writes it from pyproject.toml): declare it the
        # same way, in a distribution of its own on the path.
        dist = tmp_path / "jitufunc_numba_entry-0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: jitufunc-numba-entry\nVersion: 0\n")
        (dist / "entry_points.txt").write_text(f"[numba_extensions]\ninit = {_ENTRY_POINT}\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(3.0, 6.0)"


_ENTRY_POINT = "jitufunc._numba_bridge:_numba_init"


def _installed_entry_point():
    from importlib import metadata

    try:
        eps = metadata.distribution("jitufunc").entry_points
    except metadata.PackageNotFoundError:
        return False
    return any(ep.group == "numba_extensions" and ep.name == "init" and ep.value == _ENTRY_POINT
               for ep in eps)


def test_entry_point_is_declared():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        pytest.skip("tomllib needs Python 3.11")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["entry-points"]["numba_extensions"] == {"init": _ENTRY_POINT}
    module, _, name = _ENTRY_POINT.partition(":")
    import importlib

    assert callable(getattr(importlib.import_module(module), name))


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_many_calls_do_not_grow_memory():
    u = jitufunc.vectorize(["f8(f8)"])(poly)
    dot = jitufunc.guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()")(dot_kernel)

    @numba.njit
    def step(a):
        return u(a)[3] + dot(a, a) + u(a[1])

    @numba.njit
    def many(a, n):
        s = 0.0
        for _ in range(n):
            s += step(a)
        return s

    a = np.arange(16.0)
    many(a, 1000)
    before = _rss_bytes()
    for _ in range(10):
        many(a, 10_000)  # 10^5 calls, each making two small arrays
    grown = _rss_bytes() - before
    assert grown < 4 * 2**20, f"RSS grew by {grown / 2**20:.1f} MB"
