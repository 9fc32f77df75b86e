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


def test_numbas_attributes_that_make_sense_on_a_ufunc():
    # What code written for Numba's DUFunc/GUFunc reads: the function
    # (__wrapped__, also py_func), whether it compiles lazily (is_dynamic).
    # The name, doc, module and qualified name are the function's.
    import gc

    f = make_function('''
        def plus(x, y):
            """x plus y."""
            return x + y
    ''')
    eager = vectorize(["float64(float64, float64)"])(f)
    lazy = vectorize(f)
    gu_eager = jitufunc.guvectorize(["void(f8[:], f8[:])"], "(n)->()")(make_function('''
        def first(a, out):
            out[0] = a[0]
    '''))
    gu_lazy = jitufunc.guvectorize("(n)->()")(gu_eager.py_func)
    for u, dynamic in [(eager, False), (lazy, True), (gu_eager, False), (gu_lazy, True)]:
        assert u.__wrapped__ is u.py_func
        assert u.is_dynamic is dynamic
        for name in ("__name__", "__module__", "__qualname__"):
            assert getattr(u, name) == getattr(u.py_func, name)
    assert eager.__doc__.endswith("x plus y.")
    # Numba's `ufunc` attribute (the DUFunc's real ufunc) would be the ufunc
    # itself here, a reference cycle through the ufunc's __dict__ that the
    # garbage collector cannot see: it is left out.
    assert not hasattr(eager, "ufunc")
    assert gc.get_referents(eager.__dict__).count(eager) == 0


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
