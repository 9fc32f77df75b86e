"""Long kernels: their exact-flags twin is above the code generator's block
budget (src/engine/huge.rs) and is compiled without machine optimisations.
It still computes what the Python function computes, on every path that
runs it (strided operands, chunks with non-finite values) and reports the
same floating-point flags."""

import importlib.util
import math

import numpy as np
import pytest

import jitufunc

STATEMENTS = 600  # 2 float operations each: 2,400 blocks in the exact twin


@pytest.fixture(scope="module")
def long_kernel(tmp_path_factory):
    lines = ["def long_kernel(x):", "    y = x"]
    for i in range(STATEMENTS):
        lines.append(f"    y = y * 1.001 + {i % 5 - 2}.25")
    lines.append("    return y")
    path = tmp_path_factory.mktemp("long") / "long_kernel_module.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("long_kernel_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.long_kernel


@pytest.fixture(scope="module")
def ufunc(long_kernel):
    return jitufunc.vectorize(["f8(f8)", "f4(f4)"])(long_kernel)


def python_results(f, values, dtype):
    with np.errstate(all="ignore"):
        return np.array([f(dtype.type(v)) for v in values], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("view", ["contiguous", "strided", "reversed", "zero-stride"])
def test_matches_python_on_every_path(long_kernel, ufunc, dtype, view):
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(7)
    base = rng.uniform(-50, 50, 2000).astype(dtype)
    base[::97] = np.nan  # chunks with non-finite values rerun the exact twin
    base[5] = np.inf
    base[6] = -np.inf
    base[7] = 1e30 if dtype == np.float32 else 1e300  # overflows midway
    x = {
        "contiguous": base,
        "strided": base[::3],
        "reversed": base[::-1],
        "zero-stride": np.broadcast_to(base[7:8], (50,)),
    }[view]
    with np.errstate(all="ignore"):
        got = ufunc(x)
    expected = python_results(long_kernel, x, dtype)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("view", ["contiguous", "strided"])
def test_overflow_midway_is_reported(ufunc, view):
    x = np.full(64, 1.0)
    x[10] = 1.7e308  # finite input, infinite after some statements
    x = x if view == "contiguous" else np.repeat(x, 2)[::2]
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError, match="overflow"):
            ufunc(x)
    with np.errstate(all="raise"):
        ufunc(np.linspace(-3, 3, 64))  # finite throughout: no flag
    with np.errstate(invalid="raise"):
        ufunc(np.array([np.nan, 1.0]))  # NaN in, NaN out: no flag


def test_value_matches_the_recurrence(long_kernel, ufunc):
    # A direct check of the recurrence, independent of the kernel's source.
    x = 0.5
    y = x
    for i in range(STATEMENTS):
        y = y * 1.001 + float(f"{i % 5 - 2}.25")
    assert math.isclose(ufunc(np.array([x]))[0], y, rel_tol=0, abs_tol=0)
    assert long_kernel(x) == y
