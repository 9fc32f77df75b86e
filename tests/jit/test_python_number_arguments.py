"""Python numbers passed to ``@njit`` functions are weak, as NEP 50 makes
them in NumPy 2: ``float32_array * x`` with a Python float ``x`` stays
float32, ``int8_array + n`` stays int8 and raises NumPy's OverflowError
when ``n`` does not fit, and arithmetic between Python numbers follows
Python (``x / 0.0`` raises ZeroDivisionError). Every expected value and
exception comes from running the same function as Python on the same
arguments."""

import numpy as np
import pytest

from conftest import make_function, py_and_jit
from jitufunc import njit


def same(source, *args):
    py, jf = py_and_jit(source)
    try:
        with np.errstate(all="ignore"):
            want = py(*args)
    except Exception as e:  # noqa: BLE001 - the compiled function must raise the same class
        with pytest.raises(type(e)):
            jf(*args)
        return None
    got = jf(*args)
    want_a, got_a = np.asarray(want), np.asarray(got)
    assert got_a.dtype == want_a.dtype or (np.ndim(want) == 0 and type(got) is type(want.item() if hasattr(want, "item") else want)), (got_a.dtype, want_a.dtype)
    np.testing.assert_array_equal(got_a, want_a)
    return got


ARRAY_DTYPES = [np.int8, np.uint8, np.int16, np.uint32, np.int64, np.float16, np.float32, np.float64, np.complex64]
NUMBERS = [3, -1, 200, 1000, 2**40, 2.5, -0.0, 1e300, 1j, True]


@pytest.mark.parametrize("x", NUMBERS, ids=repr)
@pytest.mark.parametrize("dtype", ARRAY_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", ["+", "*", "<", "=="])
def test_array_with_a_python_number_argument(op, dtype, x):
    a = np.array([1, 2, 3, 100], dtype=dtype)
    for src in (f"def f(a, x):\n    return a {op} x\n", f"def f(a, x):\n    return x {op} a\n"):
        same(src, a, x)


@pytest.mark.parametrize("x", [3, 1000, -1, 2.5, 1j], ids=repr)
@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.float32, np.complex64], ids=lambda d: np.dtype(d).name)
def test_numpy_scalar_with_a_python_number_argument(dtype, x):
    same("def f(s, x):\n    return s * x\n", dtype(2), x)


@pytest.mark.parametrize("x", [5, 127, 128, -129, 300], ids=repr)
def test_python_int_stored_into_an_int8_element(x):
    # NumPy 2 raises OverflowError for a Python int out of the dtype's range.
    same("def f(a, x):\n    a[0] = x\n    return a\n", np.zeros(3, np.int8), x)


@pytest.mark.parametrize("x", [5, 300, -1], ids=repr)
def test_numpy_constructor_of_a_python_int(x):
    same("def f(x):\n    return np.uint8(x) + np.uint8(1)\n", x)


# (Complex // and % are compile errors, tested in test_compile_errors.)
@pytest.mark.parametrize("op, x, y", [(op, x, y) for op in ["/", "//", "%"]
                                      for x, y in [(1.0, 0.0), (7, 0), (7, 2), (2.5, 0.5), (-7, 2), (1j, 0j)]
                                      if op == "/" or not isinstance(x, complex)], ids=repr)
def test_arithmetic_of_two_python_numbers_is_pythons(op, x, y):
    same(f"def f(x, y):\n    return x {op} y\n", x, y)


@pytest.mark.parametrize("call", ["np.add(x, y)", "np.less(x, y)", "np.maximum(x, y)", "np.multiply(x, y)"])
@pytest.mark.parametrize("x, y", [(2, 3), (1 + 2j, 2), (True, False), (2.5, 1)], ids=repr)
def test_ufuncs_of_two_python_numbers_use_numpys_default_dtypes(call, x, y):
    same(f"def f(x, y):\n    return {call}\n", x, y)


def test_explicit_signatures_take_python_numbers_at_their_default_dtype():
    f = make_function("def f(x, y):\n    return x * x + y * y\n")
    d = njit(["float64(float64, float64)", "int64(int64, int64)"])(f)
    assert d(3, 4) == 25 and type(d(3, 4)) is int
    assert d(3.0, 4.5) == 29.25
    assert d(3, 4.5) == 29.25           # int converts to float64
    assert d.signatures == ["float64(float64, float64)", "int64(int64, int64)"]


def test_python_numbers_inside_tuples_take_default_dtypes():
    # ((1, 2), (3, np.int64(4))) has items of one type: a loop runs over it.
    same("def f(t):\n    s = 0\n    for a, b in t:\n        s = s * 10 + a * b\n    return s\n",
         ((1, 2), (3, np.int64(4)), (5, 0)))


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="BUG (deliberate for now): Python numbers inside tuple arguments are typed int64/float64/"
                   "complex128, so that mixed tuples loop; NumPy treats t[0] of (2.5,) as weak (float32 result)")
def test_python_number_from_a_tuple_with_a_float32_array():
    same("def f(t, a):\n    return a * t[0]\n", (2.5,), np.ones(3, np.float32))


def test_one_specialisation_per_kind_of_python_number():
    py, _ = py_and_jit("def f(a, x):\n    return a + x\n")
    d = njit(py)
    a = np.ones(2, np.float32)
    d(a, 1.5), d(a, 2.5), d(a, 3), d(a, 4), d(a, np.float64(1.5))
    assert d.signatures == ["float32[::1] (owned)(float32[::1], pyfloat)",
                            "float32[::1] (owned)(float32[::1], pyint)",
                            "float64[::1] (owned)(float32[::1], float64)"]
