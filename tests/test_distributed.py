"""jitufunc ufuncs in dask and xarray on a distributed cluster of worker
processes: the ufuncs travel to the workers by pickling (by value, as these
kernels are defined inside the tests) and run there.

dask, distributed and xarray are test dependencies (scripts/test.sh
installs them), never the library's.
"""

import logging
import math

import numpy as np
import pytest

from jitufunc import guvectorize, vectorize

da = pytest.importorskip("dask.array", reason="dask is a test dependency; run scripts/test.sh")
distributed = pytest.importorskip("distributed", reason="distributed is a test dependency")
xr = pytest.importorskip("xarray", reason="xarray is a test dependency")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _inputs(shape=(400, 120), seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.standard_normal(shape)


def _kernels():
    def gauss(x, y):
        return math.exp(-x * x) * y + 1.0

    def norm(x, out):
        s = 0.0
        for v in x:
            s += v * v
        out[0] = math.sqrt(s)

    eager = vectorize(["float64(float64, float64)"])(gauss)
    lazy = vectorize()(gauss)
    gu = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(norm)
    lazy_gu = guvectorize("(n)->()")(norm)
    return eager, lazy, gu, lazy_gu


def _workers_pids(client):
    return set(client.run(lambda: __import__("os").getpid()).values())


def test_cluster_runs_worker_processes(client):
    import os
    pids = _workers_pids(client)
    assert len(pids) == 2 and os.getpid() not in pids


@pytest.mark.parametrize("which", ["eager", "lazy"])
def test_dask_array_maps_a_ufunc_over_chunks_on_workers(client, which):
    eager, lazy, _, _ = _kernels()
    f = eager if which == "eager" else lazy
    xn, yn = _inputs()
    x = da.from_array(xn, chunks=(100, 50))
    y = da.from_array(yn, chunks=(100, 50))
    result = client.compute(f(x, y)).result()
    np.testing.assert_allclose(result, np.exp(-xn * xn) * yn + 1.0, rtol=1e-12, atol=1e-14)
    # Same machine code on the workers as here: bit-identical.
    np.testing.assert_array_equal(result, f(xn, yn))
    assert result.dtype == np.float64


@pytest.mark.parametrize("which", ["eager", "lazy"])
def test_dask_array_maps_a_gufunc_over_chunks_on_workers(client, which):
    _, _, gu, lazy_gu = _kernels()
    f = gu if which == "eager" else lazy_gu
    xn, _ = _inputs((300, 64), seed=1)
    x = da.from_array(xn, chunks=(70, -1))
    result = client.compute(da.apply_gufunc(f, "(n)->()", x, output_dtypes=np.float64)).result()
    np.testing.assert_allclose(result, np.linalg.norm(xn, axis=1), rtol=1e-13)
    np.testing.assert_array_equal(result, f(xn))


def test_dask_reduction_with_a_lazy_ufunc(client):
    @vectorize(identity=0)
    def plus(a, b):
        return a + b

    xn = np.arange(10_000, dtype=np.int64).reshape(100, 100)
    x = da.from_array(xn, chunks=(25, 25))
    got = client.compute(da.reduction(x, lambda b, axis, keepdims: plus.reduce(b, axis=axis, keepdims=keepdims),
                                      lambda b, axis, keepdims: plus.reduce(b, axis=axis, keepdims=keepdims),
                                      axis=0, dtype=np.int64)).result()
    np.testing.assert_array_equal(got, xn.sum(axis=0))


def test_xarray_apply_ufunc_parallelized(client):
    eager, lazy, gu, _ = _kernels()
    xn, yn = _inputs((200, 90), seed=2)
    xa = xr.DataArray(xn, dims=("t", "n")).chunk({"t": 50})
    ya = xr.DataArray(yn, dims=("t", "n")).chunk({"t": 50})
    for f in (eager, lazy):
        out = xr.apply_ufunc(f, xa, ya, dask="parallelized", output_dtypes=[np.float64])
        got = client.compute(out.data).result()
        np.testing.assert_allclose(got, np.exp(-xn * xn) * yn + 1.0, rtol=1e-12, atol=1e-14)
    norms = xr.apply_ufunc(gu, xa, input_core_dims=[["n"]], dask="parallelized",
                           output_dtypes=[np.float64])
    assert norms.dims == ("t",)
    got = client.compute(norms.data).result()
    np.testing.assert_allclose(got, np.linalg.norm(xn, axis=1), rtol=1e-13)
