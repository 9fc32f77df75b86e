"""The ufunc object @vectorize returns and its basic behaviour."""

import numpy as np
import pytest

import jitufunc
from jitufunc import vectorize
from conftest import make_function, reference, assert_matches


def test_result_is_a_real_ufunc_with_the_functions_name_and_doc():
    f = make_function('''
        def scaled_add(x, y):
            """Adds y to twice x."""
            return 2 * x + y
    ''')
    u = vectorize(["float64(float64, float64)", "int32(int32, int32)"])(f)
    assert isinstance(u, np.ufunc)
    assert u.__name__ == "scaled_add"
    assert "Adds y to twice x." in u.__doc__
    assert (u.nin, u.nout, u.ntypes) == (2, 1, 2)
    assert u.types == ["ii->i", "dd->d"]
    assert u.identity is None


def test_each_input_dtype_finds_its_own_loop():
    f = make_function('''
        def twice(x):
            return x + x
    ''')
    # Listed widest first: Numba would run float32 through the float64 loop.
    u = vectorize(["float64(float64)", "float32(float32)", "int64(int64)", "int8(int8)"])(f)
    for dt in [np.float32, np.float64, np.int8, np.int64]:
        x = np.arange(5, dtype=dt)
        assert u(x).dtype == dt
        assert_matches(u(x), reference(f, [x], dt))


def test_type_objects_as_signatures():
    f = make_function('''
        def mul(x, y):
            return x * y
    ''')
    u = vectorize([jitufunc.float64(jitufunc.float64, jitufunc.float64), jitufunc.f4(jitufunc.f4, jitufunc.f4)])(f)
    assert u.types == ["ff->f", "dd->d"]
    a = np.linspace(0, 1, 7)
    assert_matches(u(a, a), a * a)


def test_single_signature_string_is_accepted():
    f = make_function('''
        def neg(x):
            return -x
    ''')
    u = vectorize("f8(f8)")(f)
    assert_matches(u(np.arange(3.0)), -np.arange(3.0))
