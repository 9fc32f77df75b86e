"""``raise`` and ``assert`` inside ``@vectorize`` and ``@guvectorize``
kernels: the ufunc call raises the exception with its message (as Numba's
ufuncs do), the loop stops at the first element that raised, and the
elements before it are written. Expected values come from the Python
kernel run on each element."""

import numpy as np
import pytest

from jitufunc import guvectorize, vectorize
from jitufunc.errors import UnsupportedError

from conftest import make_function

CHECKED = """
    def checked(x):
        if x < 0:
            raise ValueError("negative input")
        return x * 2.0
"""

ASSERTED = """
    def asserted(x):
        assert x != 3, "three is not allowed"
        return x + 1
"""


def python_until_raise(f, xs):
    """The Python kernel over ``xs`` until it raises: (results, exception)."""
    out = []
    for x in xs:
        try:
            out.append(f(x))
        except Exception as exc:  # noqa: BLE001
            return out, exc
    return out, None


@pytest.fixture(scope="module")
def checked():
    f = make_function(CHECKED)
    return f, vectorize(["float64(float64)", "float32(float32)"])(f)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n, bad", [(5, 2), (1000, 777), (100000, 65432), (100000, 0), (100000, 99999)])
def test_first_raising_element_raises_and_earlier_ones_are_written(checked, dtype, n, bad):
    f, u = checked
    x = np.arange(n, dtype=dtype)
    x[bad] = -1
    x[bad + 1:] *= -1  # later elements would raise too
    out = np.full(n, np.nan, dtype)
    with pytest.raises(ValueError, match="negative input") as info:
        u(x, out=out)
    expected, exc = python_until_raise(f, x)
    assert type(info.value) is type(exc) and str(info.value) == str(exc)
    np.testing.assert_array_equal(out[:bad], np.array(expected, dtype))
    # Valid inputs still work, and no exception is left behind.
    np.testing.assert_array_equal(u(np.abs(x)), np.abs(x) * 2)
    assert np.add(1.0, 2.0) == 3.0


@pytest.mark.parametrize("view", ["strided", "reversed", "broadcast", "scalar"])
def test_every_loop_path_raises(checked, view):
    f, u = checked
    base = np.arange(40.0) - 20
    x = {
        "strided": base[::3],
        "reversed": base[::-1],
        "broadcast": np.broadcast_to(np.float64(-1.0), (30,)),
        "scalar": np.float64(-5.0),
    }[view]
    with pytest.raises(ValueError, match="negative input"):
        u(x)


def test_assert_with_and_without_message():
    f = make_function(ASSERTED)
    u = vectorize(["int64(int64)"])(f)
    np.testing.assert_array_equal(u(np.array([1, 2, 4])), [2, 3, 5])
    with pytest.raises(AssertionError, match="three is not allowed"):
        u(np.arange(10))
    bare = vectorize(["int64(int64)"])(make_function("""
        def bare(x):
            assert x < 5
            return x
    """))
    with pytest.raises(AssertionError) as info:
        bare(np.arange(10))
    assert str(info.value) == ""


def test_lazy_and_parallel_ufuncs_raise(checked):
    f, _ = checked
    lazy = vectorize(f)
    with pytest.raises(ValueError, match="negative input"):
        lazy(np.array([1, 2, -3]))
    par = vectorize(["float64(float64)"], target="parallel")(f)
    x = np.ones(10**6)
    x[123457] = -1
    with pytest.raises(ValueError, match="negative input"):
        par(x)
    np.testing.assert_array_equal(par(np.ones(10**6)), np.full(10**6, 2.0))


def test_raise_in_a_kernel_called_by_a_kernel(checked):
    _, inner = checked
    outer = vectorize(["float64(float64)"])(make_function("""
        def outer(x):
            return inner(x - 10.0) + 1.0
    """, {"inner": inner}))
    np.testing.assert_array_equal(outer(np.array([10.0, 11.0])), [1.0, 3.0])
    with pytest.raises(ValueError, match="negative input"):
        outer(np.array([10.0, 9.0]))


def test_gufunc_kernels_raise_from_inside_their_loops():
    f = make_function("""
        def cumulative(a, out):
            s = 0.0
            for i in range(a.shape[0]):
                if a[i] < 0:
                    raise ValueError("negative entry")
                s += a[i]
                out[i] = s
    """)
    g = guvectorize(["void(float64[:], float64[:])"], "(n)->(n)")(f)
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(g(a), np.cumsum(a, axis=1))
    a[1, 2] = -1
    out = np.zeros_like(a)
    with pytest.raises(ValueError, match="negative entry"):
        g(a, out=out)
    np.testing.assert_array_equal(out[0], np.cumsum(a[0]))


def test_flags_are_unaffected_by_a_raise_elsewhere(checked):
    _, u = checked
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match="overflow"):
            u(np.array([1e308, 1.0]))
        with pytest.raises(ValueError):
            u(np.array([1.0, -1.0]))


def test_exception_classes_of_the_user_are_refused_clearly():
    class MyError(Exception):
        pass

    f = make_function("""
        def custom(x):
            if x < 0:
                raise MyError("no")
            return x
    """, {"MyError": MyError})
    with pytest.raises(UnsupportedError, match="MyError"):
        vectorize(["float64(float64)"])(f)
