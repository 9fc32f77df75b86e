"""``a @ b`` and ``np.dot`` in ``@njit`` code call the BLAS NumPy links
(``engine::blas``) when the operands are float or complex arrays whose rows
or columns are contiguous, and jitufunc's own loop otherwise.

Differential against NumPy: for the layouts NumPy itself hands to BLAS the
result is bit-identical (the same ``gemm`` on the same data); for views
BLAS cannot read (both axes strided, negative strides, broadcast rows) the
loop's result agrees within a tight rtol. ``JITUFUNC_BLAS=0`` (in a
subprocess) turns BLAS off: every case then takes the loop.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from jitufunc import _core, njit


@njit
def matmul(a, b):
    return a @ b


@njit
def dot(a, b):
    return np.dot(a, b)


def numpy_has_scipy_openblas():
    try:
        config = np.show_config(mode="dicts")
    except TypeError:
        return False
    return config["Build Dependencies"]["blas"]["name"] == "scipy-openblas"


def test_blas_is_found_in_numpys_wheel():
    if not numpy_has_scipy_openblas():
        pytest.skip("this NumPy does not link scipy-openblas, so there is no BLAS to find (the loop is used)")
    assert _core.blas_available()


def operands(dtype, m, k, p, rng):
    def make(shape):
        x = rng.uniform(-2, 2, shape)
        if np.dtype(dtype).kind == "c":
            x = x + 1j * rng.uniform(-2, 2, shape)
        return x.astype(dtype)
    return make((m, k)), make((k, p))


BLAS_DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
SHAPES = [(1, 1, 1), (3, 5, 2), (64, 64, 64), (33, 17, 65), (1, 40, 1), (40, 1, 40)]
# Layouts BLAS reads as they are: rows or columns contiguous.
BLAS_LAYOUTS = {
    "C": lambda x: x,
    "F": np.asfortranarray,
    "transposed": lambda x: np.ascontiguousarray(x.T).T,
    "row_slice": lambda x: np.concatenate([x, x], axis=1)[:, : x.shape[1]],
}
# Layouts it cannot: the loop.
LOOP_LAYOUTS = {
    "both_strided": lambda x: np.repeat(np.repeat(x, 2, 0), 2, 1)[::2, ::2],
    "negative_rows": lambda x: x[::-1].copy()[::-1],
    "negative_columns": lambda x: x[:, ::-1].copy()[:, ::-1],
}


def rtol(dtype):
    return 1e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-13


@pytest.mark.parametrize("dtype", BLAS_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("la, lb", [("C", "C"), ("F", "C"), ("C", "F"), ("transposed", "transposed"),
                                    ("row_slice", "F")])
def test_blas_layouts_match_numpy(dtype, shape, la, lb, rng):
    a, b = operands(dtype, *shape, rng)
    a, b = BLAS_LAYOUTS[la](a), BLAS_LAYOUTS[lb](b)
    want = a @ b
    for f in (matmul, dot):
        got = f(a, b)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.flags.c_contiguous
        if la == lb == "C" and shape[0] > 1 and shape[1] > 1 and shape[2] > 1:
            # The same gemm NumPy calls, on the same memory (NumPy calls
            # gemv or dot for a single row or column: other roundings; and
            # for an inner dimension of 1, OpenBLAS's complex kernels on
            # AVX2 round the outer product differently from NumPy's call
            # by an ulp).
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=rtol(dtype), atol=rtol(dtype) * shape[1])


@pytest.mark.parametrize("dtype", BLAS_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("layout", list(LOOP_LAYOUTS))
@pytest.mark.parametrize("which", ["a", "b", "both"])
def test_layouts_blas_cannot_read_take_the_loop(dtype, layout, which, rng):
    a, b = operands(dtype, 9, 13, 7, rng)
    if which in ("a", "both"):
        a = LOOP_LAYOUTS[layout](a)
    if which in ("b", "both"):
        b = LOOP_LAYOUTS[layout](b)
    want = a @ b
    got = matmul(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=rtol(dtype), atol=rtol(dtype) * 13)


@pytest.mark.parametrize("shape_a, shape_b", [((3, 0), (0, 4)), ((0, 3), (3, 4)), ((3, 4), (4, 0)),
                                              ((0,), (0,)), ((1, 1), (1, 1))], ids=str)
@pytest.mark.parametrize("dtype", BLAS_DTYPES, ids=lambda d: np.dtype(d).name)
def test_empty_and_single_products(shape_a, shape_b, dtype):
    a, b = np.full(shape_a, 2, dtype), np.full(shape_b, 3, dtype)
    for f in (matmul, dot):
        got, want = f(a, b), a @ b
        if np.ndim(want) == 0:
            # A scalar comes back as the Python number.
            assert got == want and type(got) is type(want.item())
        else:
            assert got.shape == want.shape and got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


def test_broadcast_rows_stride_zero(rng):
    # A row broadcast down the first axis: stride 0 on an axis longer than 1.
    row = rng.uniform(-1, 1, 6)
    a = np.broadcast_to(row, (5, 6))
    b = rng.uniform(-1, 1, (6, 4))
    np.testing.assert_allclose(matmul(a, b), a @ b, rtol=1e-13)
    np.testing.assert_allclose(matmul(b.T, a.T), b.T @ a.T, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.bool_], ids=lambda d: np.dtype(d).name)
def test_vector_products(dtype, rng):
    # 1-d dot products are 1 x n by n x 1 products (BLAS gemm for floats;
    # NumPy calls dot and gemv, which round differently in the last bits).
    a, b = (rng.uniform(-3, 3, (2, 1001)) * 3).astype(dtype)
    m = (rng.uniform(-3, 3, (7, 1001)) * 3).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    got, want = dot(a, b), np.dot(a, b)
    assert type(got) is type(want.item())
    np.testing.assert_allclose(got, want, rtol=tol)
    got, want = dot(m, b), np.dot(m, b)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=tol)


def test_non_finite_values_propagate_as_in_numpy():
    a = np.ones((3, 3))
    a[0, 0] = np.inf
    a[1, 1] = np.nan
    b = np.ones((3, 3))
    b[0, 0] = 0.0
    with np.errstate(all="ignore"):
        want = a @ b
    np.testing.assert_array_equal(matmul(a, b), want)


def test_blas_off_gives_the_loop_the_same_answers(tmp_path):
    code = textwrap.dedent("""
        import json, numpy as np
        from jitufunc import _core, njit
        @njit
        def mm(a, b):
            return a @ b
        rng = np.random.default_rng(7)
        out = {"blas": _core.blas_available(), "ok": []}
        for dt in [np.float32, np.float64, np.complex128]:
            a = rng.uniform(-1, 1, (37, 29)).astype(dt)
            b = rng.uniform(-1, 1, (29, 41)).astype(dt)
            tol = 1e-5 if dt == np.float32 else 1e-13
            for x, y in [(a, b), (np.asfortranarray(a), b), (a[::2], b[:, ::3])]:
                out["ok"].append(bool(np.allclose(mm(x, y), x @ y, rtol=tol, atol=tol * 29)))
        print(json.dumps(out))
    """)
    script = tmp_path / "blas_off.py"
    script.write_text(code)
    env = dict(os.environ, JITUFUNC_BLAS="0")
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["blas"] is False
    assert got["ok"] == [True] * 9


def test_many_products_do_not_leak(rng):
    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    a, b = rng.uniform(size=(128, 128)), rng.uniform(size=(128, 128))
    for _ in range(200):
        matmul(a, b)
    before = rss_mb()
    for _ in range(3000):
        matmul(a, b)
    # 3000 results of 128 KiB each: 375 MiB if none were freed.
    assert rss_mb() - before < 20
