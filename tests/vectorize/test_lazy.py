"""Lazy (signature-free) ``@vectorize`` ufuncs.

A lazy ufunc starts with no loops and compiles an exact loop for the operand
dtypes of each new call: arrays keep their dtype, Python scalars follow
NumPy 2 (NEP 50): a Python scalar takes ``np.result_type`` of the array (and
NumPy scalar) operands and itself, i.e. int64/float64/complex128 when all
operands are Python scalars. Every entry point (call, reduce, accumulate,
reduceat, outer, at, ``dtype=``, ``signature=``) compiles on first use.

Results are compared with NumPy's own ufuncs and with the Python kernel run
on NumPy scalars (``reference``); expected dtypes come from NumPy.
"""

import contextlib
import functools
import linecache
import re
import textwrap

import numpy as np
import pytest

import jitufunc
from jitufunc import vectorize
from jitufunc.errors import OptionError, SignatureError, TypingError
from conftest import (
    ALL_DTYPES, COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_matches, make_function,
    reference, run_together, sample,
)

ids = lambda d: np.dtype(d).name  # noqa: E731

PLUS = """
def plus(x, y):
    return x + y
"""

# x*y + x: bool works too (NumPy scalars: and, then or).
MULADD = """
def muladd(x, y):
    return x * y + x
"""

BIGGER = """
def bigger(x, y):
    return x if x >= y else y
"""

LESS = """
def less(x, y):
    return x < y
"""


@pytest.fixture(scope="module")
def plus_py():
    return make_function(PLUS)


@pytest.fixture(scope="module")
def muladd_py():
    return make_function(MULADD)


@contextlib.contextmanager
def case(*label):
    """Names the case of a loop in a test in its assertion failures."""
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"[case {label}] {e}") from e


def char(dt):
    return np.dtype(dt).char


def sig_name(dt):
    return np.dtype(dt).name


def assert_like_numpy(actual, expected):
    """Same dtype; equal values, except for complex products, which NumPy's
    array loops round differently from its scalars (and from the kernel,
    which follows the scalars: the ``reference`` checks are exact)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    if actual.dtype.kind == "c":
        np.testing.assert_allclose(actual, expected, rtol=1e-6 if actual.dtype == np.complex64 else 1e-14)
    else:
        np.testing.assert_array_equal(actual, expected)


def operand_dtype(op, operands):
    """The loop dtype NEP 50 gives an operand: arrays and NumPy scalars
    keep theirs, a Python int/float/complex takes the result type of the
    strongly typed operands and itself (a Python bool is a strong bool)."""
    if type(op) in (int, float, complex):
        strong = [o for o in operands if type(o) not in (int, float, complex)]
        return np.result_type(*strong, op)
    return np.asarray(op).dtype


# --- the ufunc object ------------------------------------------------------------

def test_function_passed_with_options_keeps_them(plus_py):
    # vectorize(f, identity=0) as in Numba: the options are not dropped.
    u = vectorize(plus_py, identity=0)
    assert u.identity == 0
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(u.reduce(a, axis=(0, 1)), np.add.reduce(a, axis=(0, 1)))
    assert u.reduce(np.empty(0)) == 0.0
    with pytest.raises(OptionError, match="target"):
        vectorize(plus_py, target="gpu")


@pytest.mark.parametrize("spelling", ["bare", "call", "empty-list"])
def test_lazy_ufunc_is_a_real_ufunc_without_loops(spelling, plus_py):
    if spelling == "bare":
        u = vectorize(plus_py)
    elif spelling == "call":
        u = vectorize()(plus_py)
    else:
        u = vectorize([])(plus_py)
    assert isinstance(u, np.ufunc)
    assert u.__name__ == "plus"
    assert (u.nin, u.nout, u.ntypes) == (2, 1, 0)
    assert u.types == []
    assert len(u.signatures) == 0 and list(u.signatures) == []
    assert u.identity is None
    # the first call compiles exactly one loop
    a = np.arange(4, dtype=np.int32)
    r = u(a, a)
    np.testing.assert_array_equal(r, np.add(a, a))
    assert r.dtype == np.int32
    assert u.types == ["ii->i"]
    assert list(u.signatures) == ["int32(int32, int32)"]


def test_signatures_is_live_and_read_only(plus_py):
    u = vectorize(plus_py)
    sigs = u.signatures
    assert len(sigs) == 0
    u(np.int16(1), np.int16(2))
    assert len(sigs) == 1 and sigs[0] == "int16(int16, int16)"
    assert "int16(int16, int16)" in sigs
    assert sigs == ["int16(int16, int16)"]
    with pytest.raises((TypeError, AttributeError)):
        sigs.append("float64(float64, float64)")
    with pytest.raises(TypeError):
        sigs[0] = "float64(float64, float64)"
    assert list(sigs) == ["int16(int16, int16)"]


# --- one exact loop per dtype combination -----------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=ids)
def test_each_array_dtype_compiles_its_exact_loop(dtype, muladd_py, rng):
    u = vectorize(muladd_py)
    a, b = sample(dtype, (3, 7), rng, -10, 10), sample(dtype, (3, 7), rng, -10, 10)
    r = u(a, b)
    expected_dtype = np.result_type(a, b)
    assert r.dtype == expected_dtype == np.dtype(dtype)
    np.testing.assert_array_equal(r, reference(muladd_py, [a, b], expected_dtype))
    with np.errstate(all="ignore"):
        assert_like_numpy(r, np.add(np.multiply(a, b), a))
    c = char(dtype)
    assert u.types == [f"{c}{c}->{c}"]
    n = sig_name(dtype)
    assert list(u.signatures) == [f"{n}({n}, {n})"]
    # the same dtypes again (other shapes, scalars) reuse the loop
    u(a[0], b[0])
    u(a.dtype.type(1), b.dtype.type(1))
    assert len(u.signatures) == 1


MIXED = [
    (np.int8, np.int16), (np.uint8, np.int8), (np.int32, np.float32), (np.uint64, np.int64),
    (np.float16, np.int16), (np.complex64, np.float64), (np.bool_, np.uint16),
    (np.uint32, np.float16), (np.int64, np.complex64),
]


def test_mixed_array_dtypes_keep_their_dtypes(plus_py, rng):
    for dtypes in MIXED:
        with case(dtypes):
            d1, d2 = dtypes
            u = vectorize(plus_py)
            a, b = sample(d1, (5, 4), rng), sample(d2, (4,), rng)
            r = u(a, b)
            out = np.result_type(a, b)
            assert r.dtype == out
            assert u.types == [f"{char(d1)}{char(d2)}->{out.char}"]
            assert list(u.signatures) == [f"{out.name}({sig_name(d1)}, {sig_name(d2)})"]
            np.testing.assert_array_equal(r, np.add(a, b))
            assert_matches(r, reference(plus_py, [a, b], out))
            # the other order is another loop
            r2 = u(b, a)
            np.testing.assert_array_equal(r2, np.add(b, a))
            assert u.types == [f"{char(d1)}{char(d2)}->{out.char}", f"{char(d2)}{char(d1)}->{out.char}"]


def test_existing_loops_of_other_dtypes_are_not_used_by_casting(plus_py):
    u = vectorize(plus_py)
    u.compile("int64(int64, int64)")
    u.compile("float64(float64, float64)")
    r = u(np.array([100, 100], np.int8), np.array([100, 27], np.int8))
    # an int8 loop (wrapping like NumPy), not the int64 one
    np.testing.assert_array_equal(r, np.add(np.array([100, 100], np.int8), np.array([100, 27], np.int8)))
    assert r.dtype == np.int8
    assert u.types == ["ll->l", "dd->d", "bb->b"]


# --- Python scalars (NEP 50) ------------------------------------------------------

SCALAR_CASES = [
    ("int32-arr+int", lambda: (np.arange(5, dtype=np.int32), 7)),
    ("int32-arr+float", lambda: (np.arange(5, dtype=np.int32), 2.5)),
    ("int32-arr+complex", lambda: (np.arange(5, dtype=np.int32), 1.5j)),
    ("int8-arr+int", lambda: (np.arange(-3, 3, dtype=np.int8), -100)),
    ("uint8-arr+int", lambda: (np.arange(5, dtype=np.uint8), 250)),
    ("uint64-arr+bigint", lambda: (np.arange(3, dtype=np.uint64), 2**64 - 2)),
    ("float16-arr+int", lambda: (np.linspace(0, 2, 5).astype(np.float16), 3)),
    ("float32-arr+float", lambda: (np.linspace(0, 2, 5).astype(np.float32), 0.1)),
    ("float32-arr+complex", lambda: (np.linspace(0, 2, 5).astype(np.float32), 2j)),
    ("complex64-arr+float", lambda: (np.ones(3, np.complex64), 1e-3)),
    ("bool-arr+int", lambda: (np.array([True, False]), 3)),
    ("bool-arr+pybool", lambda: (np.array([True, False]), True)),
    ("int8-arr+pybool", lambda: (np.arange(3, dtype=np.int8), True)),
    ("int+float", lambda: (1, 2.5)),
    ("int+int", lambda: (3, -4)),
    ("complex+int", lambda: (1j, 2)),
    ("float+float", lambda: (0.5, 0.25)),
    ("npint8-scalar+int", lambda: (np.int8(5), 7)),
    ("int+0d-int64-array", lambda: (np.arange(3, dtype=np.int8), np.array(5))),
    ("int8+npint64", lambda: (np.arange(3, dtype=np.int8), np.int64(5))),
    ("float32+npfloat64", lambda: (np.ones(3, np.float32), np.float64(0.1))),
]


@pytest.mark.parametrize("case", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_python_scalars_follow_nep50(case, plus_py):
    for operands in (case[1](), case[1]()[::-1]):
        u = vectorize(plus_py)
        r = u(*operands)
        expected = np.add(*operands)
        assert np.asarray(r).dtype == np.asarray(expected).dtype, operands
        np.testing.assert_array_equal(r, expected)
        assert np.ndim(r) == np.ndim(expected) and type(r) is type(expected)
        in_dtypes = [operand_dtype(o, operands) for o in operands]
        out_dtype = np.asarray(expected).dtype
        assert u.types == ["".join(d.char for d in in_dtypes) + "->" + out_dtype.char], operands


def test_all_python_scalars_use_the_default_dtypes(plus_py):
    u = vectorize(plus_py)
    assert u(1, 2) == 3 and type(u(1, 2)) is np.int64
    assert u(1.5, 2.0) == 3.5 and type(u(1.5, 2.0)) is np.float64
    assert u(1j, 2j) == 3j and type(u(1j, 2j)) is np.complex128
    assert u(True, True) == np.True_ and type(u(True, True)) is np.bool_
    assert sorted(u.types) == sorted(["ll->l", "dd->d", "DD->D", "??->?"])


def test_three_operands_mixing_arrays_and_python_scalars():
    f = make_function("""
        def fma(x, y, z):
            return x * y + z
    """)
    cases = [
        (np.ones(2, np.int8), np.full(2, 1.5, np.float32), 1),
        (np.ones(2, np.float16), np.ones(2, np.int64), 1.0),
        (3, np.arange(2, dtype=np.uint16), 2.5),
        (1, 2, 3.0),
        (np.arange(2, dtype=np.int8), 1j, 2),
        (True, np.arange(2, dtype=np.int16), 2),
    ]
    for ops in cases:
        u = vectorize(f)
        r = u(*ops)
        expected = np.add(np.multiply(ops[0], ops[1]), ops[2])
        assert np.asarray(r).dtype == np.asarray(expected).dtype, ops
        np.testing.assert_array_equal(r, expected)
        loop_in = "".join(operand_dtype(o, ops).char for o in ops)
        assert u.types == [loop_in + "->" + np.asarray(expected).dtype.char], ops


def test_python_int_out_of_range_raises_like_numpy(plus_py):
    for dtype, value in [(np.int8, 300), (np.uint8, -1), (np.int16, 2**15), (np.uint32, 2**32)]:
        with case(dtype, value):
            u = vectorize(plus_py)
            a = np.arange(3, dtype=dtype)
            with pytest.raises(OverflowError):
                np.add(a, value)
            with pytest.raises(OverflowError):
                u(a, value)
            # and the ufunc is still usable afterwards
            np.testing.assert_array_equal(u(a, 1), np.add(a, 1))
            assert u(a, 1).dtype == dtype
# --- layouts: strides, broadcasting, out=, where= -----------------------------------

LAYOUT_DTYPES = [np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float32, np.complex128]


def _layouts(dtype, rng):
    base = sample(dtype, (6, 10), rng, -10, 10)
    other = sample(dtype, (6, 10), rng, -10, 10)
    return {
        "contiguous": (base, other),
        "negative-strides": (base[::-1, ::-2], other[::-1, ::-2]),
        "zero-stride": (np.broadcast_to(base[0], (6, 10)), other),
        "broadcast": (base[:, None, :], other[:4]),
        "fortran": (np.asfortranarray(base), other.T.copy().T),
        "transposed": (base.T, other.T[::-1]),
        "scalar-0d": (base, other.dtype.type(3) if np.dtype(dtype).kind != "b" else np.bool_(True)),
    }


@pytest.mark.parametrize("dtype", LAYOUT_DTYPES, ids=ids)
def test_layouts_match_numpy_and_the_kernel(dtype, muladd_py, rng):
    u = vectorize(muladd_py)
    for layout, (a, b) in _layouts(dtype, rng).items():
        r = u(a, b)
        expected_dtype = np.result_type(a, b)
        assert r.dtype == expected_dtype, layout
        with np.errstate(all="ignore"):
            assert_like_numpy(r, np.add(np.multiply(a, b), a))
        np.testing.assert_array_equal(r, reference(muladd_py, [a, b], expected_dtype), err_msg=layout)
    assert len(u.signatures) == 1


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float32, np.complex64], ids=ids)
def test_strided_out_and_where(dtype, muladd_py, rng):
    u = vectorize(muladd_py)
    a, b = sample(dtype, (4, 9), rng, -10, 10), sample(dtype, (9,), rng, -10, 10)
    buf = np.full((4, 18), 7, dtype=dtype)
    out = buf[:, ::2]
    where = rng.integers(0, 2, (4, 9)).astype(bool)
    r = u(a, b, out=out, where=where)
    assert r is out
    expected = np.full((4, 18), 7, dtype=dtype)
    with np.errstate(all="ignore"):
        np.multiply(a, b, out=expected[:, ::2], where=where)
        np.add(expected[:, ::2], a, out=expected[:, ::2], where=where)
    assert_like_numpy(buf, expected)
    ref = reference(muladd_py, [a, b], dtype)
    np.testing.assert_array_equal(out[where], ref[where])
    # the untouched odd columns keep their value
    assert (buf[:, 1::2] == 7).all()
    c = char(dtype)
    assert u.types == [f"{c}{c}->{c}"]


def test_out_of_another_dtype_is_cast_like_numpy(plus_py, rng):
    u = vectorize(plus_py)
    a, b = sample(np.int16, (7,), rng), sample(np.int16, (7,), rng)
    out = np.zeros(7, np.float64)
    assert u(a, b, out=out) is out
    np.testing.assert_array_equal(out, np.add(a, b, out=np.zeros(7, np.float64)))
    assert u.types == ["hh->h"]
    # int16 -> int8 is same_kind: allowed (wrapping), like NumPy
    out8 = np.zeros(7, np.int8)
    u(a * 10, b, out=out8)
    np.testing.assert_array_equal(out8, np.add(a * 10, b, out=np.zeros(7, np.int8)))
    # float64 -> int8 is not
    with pytest.raises(TypeError):
        np.add(a, 1.5, out=np.zeros(7, np.int8))
    with pytest.raises(TypeError):
        u(a, 1.5, out=np.zeros(7, np.int8))
    assert u(a, 1.5, out=np.zeros(7, np.int8), casting="unsafe").dtype == np.int8


def test_large_strided_arrays_with_casting_to_out(plus_py):
    u = vectorize(plus_py)
    a = np.arange(30001, dtype=np.int16)[::-3]
    b = np.arange(10001, dtype=np.int32)
    out = np.zeros(20002, np.float64)[::2]
    u(a, b, out=out)
    np.testing.assert_array_equal(out, np.add(a, b).astype(np.float64))
    r = u(a, np.int32(1))
    np.testing.assert_array_equal(r, np.add(a, np.int32(1)))
    assert r.dtype == np.int32


# --- dtype= and signature= ----------------------------------------------------------

def test_dtype_makes_unfixed_inputs_use_it_too(plus_py):
    u = vectorize(plus_py)
    a = np.array([100, 50, -3], np.int8)
    r = u(a, a, dtype=np.float32)
    np.testing.assert_array_equal(r, np.add(a, a, dtype=np.float32))
    assert r.dtype == np.float32
    assert u.types == ["ff->f"]
    r = u(a, 2, dtype=np.float64)
    np.testing.assert_array_equal(r, np.add(a, 2, dtype=np.float64))
    assert u.types == ["ff->f", "dd->d"]
    r = u(1, 2, dtype=np.int16)
    assert r == 3 and type(r) is np.int16
    assert u.types == ["ff->f", "dd->d", "hh->h"]


@pytest.mark.parametrize("signature,loop", [
    ((None, None, np.float64), "dd->d"),
    ("ff->f", "ff->f"),
    (("h", "h", "h"), "hh->h"),
    ((None, None, "F"), "FF->F"),
])
def test_signature_with_all_outputs_fixed(signature, loop, plus_py):
    u = vectorize(plus_py)
    a = np.array([120, 7, -3], np.int8)
    r = u(a, a, signature=signature)
    expected = np.add(a, a, signature=signature)
    assert r.dtype == expected.dtype
    np.testing.assert_array_equal(r, expected)
    assert u.types == [loop]


def test_signature_fixing_one_input_keeps_the_others(plus_py):
    u = vectorize(plus_py)
    a = np.array([1, 2, 3], np.int8)
    r = u(a, a, signature=(np.float32, None, None))
    expected = np.add(a, a, signature=(np.float32, None, None))
    assert r.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(r, expected)
    assert len(u.types) == 1 and u.types[0].startswith("f")


# --- ufunc methods ---------------------------------------------------------------

METHOD_DTYPES = [np.int8, np.uint16, np.int64, np.float32, np.float64, np.complex64]


def _ints_or_floats(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 40, shape).astype(dtype)
    # multiples of 1/8: sums are exact in any order
    vals = rng.integers(-40, 41, shape) / 8.0
    if np.dtype(dtype).kind == "c":
        vals = vals + 1j * (rng.integers(-40, 41, shape) / 8.0)
    return vals.astype(dtype)


@pytest.mark.parametrize("dtype", METHOD_DTYPES, ids=ids)
def test_reduce_compiles_a_same_dtype_loop(dtype, plus_py):
    u = vectorize(plus_py)
    a = _ints_or_floats(dtype, (4, 5, 3), 0)
    # (one axis at a time: the ufunc has no identity, so it is not reorderable)
    for axis in [0, 1, -1]:
        r = u.reduce(a, axis=axis)
        expected = np.add.reduce(a, axis=axis, dtype=a.dtype)
        assert r.dtype == dtype
        np.testing.assert_array_equal(r, expected)
    # the kernel folded over NumPy scalars
    flat = a.reshape(-1)
    with np.errstate(all="ignore"):
        fold = functools.reduce(plus_py, flat[1:], flat[0])
    r = u.reduce(flat)
    assert r.dtype == dtype and r == fold
    c = char(dtype)
    assert u.types == [f"{c}{c}->{c}"]
    kept = u.reduce(a, axis=1, keepdims=True)
    np.testing.assert_array_equal(kept, np.add.reduce(a, axis=1, keepdims=True, dtype=a.dtype))
    assert u.reduce(a, axis=0, initial=5).dtype == dtype
    np.testing.assert_array_equal(u.reduce(a, axis=0, initial=5), np.add.reduce(a, axis=0, initial=5, dtype=a.dtype))
    assert u.types == [f"{c}{c}->{c}"]


def test_reduce_wraps_small_ints_instead_of_upcasting():
    # NumPy upcasts only ufuncs named add/multiply; a kernel doing the same
    # arithmetic under another name reduces in the array's dtype.
    u = vectorize(make_function("""
        def times(x, y):
            return x * y
    """))
    a = np.array([7, 9, 11, 13], np.int8)
    r = u.reduce(a)
    assert r.dtype == np.int8
    assert r == np.multiply.reduce(a, dtype=np.int8)
    assert u.types == ["bb->b"]


def test_reduce_with_dtype_and_out(plus_py):
    u = vectorize(plus_py)
    a = np.array([[100, 100, 100], [1, 2, 3]], np.int8)
    r = u.reduce(a, axis=1, dtype=np.float32)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, np.add.reduce(a, axis=1, dtype=np.float32))
    out = np.zeros(2, np.int64)
    assert u.reduce(a, axis=1, out=out) is out
    np.testing.assert_array_equal(out, np.add.reduce(a, axis=1, out=np.zeros(2, np.int64)))
    # (100 + 100 + 100 needs the int64 accumulator: the values above prove it)
    assert u.types[0] == "ff->f" and len(u.types) == 2
    assert u.types[1][0] == "l" and u.types[1].endswith("->l")


@pytest.mark.parametrize("dtype", METHOD_DTYPES, ids=ids)
def test_accumulate_reduceat_outer_at(dtype, plus_py):
    a = _ints_or_floats(dtype, (9,), 1)
    b = _ints_or_floats(dtype, (4,), 2)
    c = char(dtype)

    u = vectorize(plus_py)
    r = u.accumulate(a)
    assert r.dtype == dtype
    np.testing.assert_array_equal(r, np.add.accumulate(a, dtype=a.dtype))
    assert u.types == [f"{c}{c}->{c}"]

    u = vectorize(plus_py)
    r = u.reduceat(a, [0, 3, 5, 8])
    assert r.dtype == dtype
    np.testing.assert_array_equal(r, np.add.reduceat(a, [0, 3, 5, 8], dtype=a.dtype))
    assert u.types == [f"{c}{c}->{c}"]

    u = vectorize(plus_py)
    r = u.outer(a, b)
    assert r.dtype == dtype and r.shape == (9, 4)
    np.testing.assert_array_equal(r, np.add.outer(a, b))
    assert u.types == [f"{c}{c}->{c}"]

    u = vectorize(plus_py)
    target, expected = a.copy(), a.copy()
    u.at(target, [0, 0, 3, 8], b)
    np.add.at(expected, [0, 0, 3, 8], b)
    np.testing.assert_array_equal(target, expected)
    assert u.types == [f"{c}{c}->{c}"]


def test_outer_and_at_with_mixed_dtypes(plus_py):
    u = vectorize(plus_py)
    a = np.arange(3, dtype=np.float32)
    b = np.arange(4, dtype=np.int16)
    r = u.outer(a, b)
    np.testing.assert_array_equal(r, np.add.outer(a, b))
    assert r.dtype == np.result_type(a, b)
    assert u.types == ["fh->f"]
    target, expected = np.zeros(4, np.int64), np.zeros(4, np.int64)
    vals = np.array([1, 2, 3], np.int8)
    u.at(target, [0, 0, 2], vals)
    np.add.at(expected, [0, 0, 2], vals)
    np.testing.assert_array_equal(target, expected)
    assert u.types == ["fh->f", "lb->l"]
    # a Python scalar: the array keeps its dtype
    target, expected = np.zeros(4, np.uint32), np.zeros(4, np.uint32)
    u.at(target, [1, 1, 3], 5)
    np.add.at(expected, [1, 1, 3], 5)
    np.testing.assert_array_equal(target, expected)
    assert target.dtype == np.uint32


def test_reductions_with_a_non_numpy_kernel(rng):
    f = make_function(BIGGER)
    for dtype in [np.int8, np.uint32, np.float16, np.float64]:
        u = vectorize(f)
        a = sample(dtype, (5, 6), rng)
        np.testing.assert_array_equal(u.reduce(a, axis=0), np.maximum.reduce(a, axis=0))
        np.testing.assert_array_equal(u.accumulate(a, axis=1), np.maximum.accumulate(a, axis=1))
        assert u.reduce(a, axis=0).dtype == dtype
        assert u.types == [f"{char(dtype)}{char(dtype)}->{char(dtype)}"]


def test_reduce_of_a_kernel_whose_result_dtype_differs(rng):
    div = vectorize(make_function("""
        def ratio(x, y):
            return x / y
    """))
    a = np.array([64, 2, 4, 2], np.int32)
    r = div.reduce(a)
    expected = np.divide.reduce(a)
    assert r.dtype == expected.dtype
    assert r == expected


def test_accumulate_of_a_kernel_whose_result_dtype_differs():
    div = vectorize(make_function("""
        def ratio(x, y):
            return x / y
    """))
    a = np.array([64, 2, 4, 2], np.int32)
    r = div.accumulate(a)
    expected = np.divide.accumulate(a)
    assert r.dtype == expected.dtype
    np.testing.assert_array_equal(r, expected)
    np.testing.assert_array_equal(div.reduceat(a, [0, 2]), np.divide.reduceat(a, [0, 2]))


# --- identity ---------------------------------------------------------------------

def test_identity_for_empty_reductions(plus_py):
    for dtype in [np.int64, np.int8, np.float32, np.complex128, np.uint16]:
        with case(dtype):
            u = vectorize(identity=0)(plus_py)
            assert u.identity == 0
            r = u.reduce(np.array([], dtype=dtype))
            assert r == 0 and r.dtype == dtype
            r = u.reduce(np.zeros((3, 0), dtype=dtype), axis=1)
            np.testing.assert_array_equal(r, np.zeros(3, dtype))
            assert r.dtype == dtype
            a = np.arange(1, 5).astype(dtype)
            assert u.reduce(a) == np.add.reduce(a, dtype=dtype)


def test_identity_one_and_multi_axis_reductions():
    f = make_function("""
        def prod(x, y):
            return x * y
    """)
    u = vectorize(identity=1)(f)
    assert u.reduce(np.array([], np.float64)) == 1.0
    a = np.arange(1, 13, dtype=np.int32).reshape(2, 2, 3)
    r = u.reduce(a, axis=(0, 2))
    np.testing.assert_array_equal(r, np.multiply.reduce(a, axis=(0, 2), dtype=np.int32))
    assert r.dtype == np.int32


def test_without_identity_empty_and_multi_axis_reductions_raise(plus_py):
    u = vectorize(plus_py)
    assert u.identity is None
    with pytest.raises(ValueError):
        u.reduce(np.array([], dtype=np.int64))
    with pytest.raises(ValueError):
        u.reduce(np.ones((2, 3), np.int64), axis=(0, 1))
    # a non-empty reduction still works
    assert u.reduce(np.array([1, 2, 3], np.int64)) == 6
    r = vectorize(identity="reorderable")(plus_py)
    assert r.identity is None
    np.testing.assert_array_equal(r.reduce(np.ones((2, 3), np.int64), axis=(0, 1)), 6)
    with pytest.raises(ValueError):
        r.reduce(np.array([], dtype=np.int64))


# --- compile / add / inspect ------------------------------------------------------

def test_compile_ahead_of_time(plus_py):
    u = vectorize(plus_py)
    assert u.compile("float32(float32, float32)") == "float32(float32, float32)"
    assert u.types == ["ff->f"]
    # the return type is filled in
    assert u.compile("(int16, int16)") == "int16(int16, int16)"
    assert u.add("(uint8, float64)") == "float64(uint8, float64)"
    assert u.compile(jitufunc.int32(jitufunc.int32, jitufunc.int32)) == "int32(int32, int32)"
    assert u.compile("i8(i8, i8)") == "int64(int64, int64)"
    assert u.types == ["ff->f", "hh->h", "Bd->d", "ii->i", "ll->l"]
    assert list(u.signatures) == ["float32(float32, float32)", "int16(int16, int16)",
                                  "float64(uint8, float64)", "int32(int32, int32)", "int64(int64, int64)"]
    # compiling again adds nothing; calls use the loops
    u.compile("float32(float32, float32)")
    a = np.arange(4, dtype=np.float32)
    np.testing.assert_array_equal(u(a, a), a + a)
    assert len(u.signatures) == 5


def test_compile_with_a_wider_return_type(plus_py):
    u = vectorize(plus_py)
    assert u.compile("float64(int32, int32)") == "float64(int32, int32)"
    a = np.array([2**31 - 1, 5], np.int32)
    r = u(a, a)
    assert r.dtype == np.float64
    # the kernel adds int32 NumPy scalars (wrapping), then the result is a float64
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(r, reference(plus_py, [a, a], np.float64))
        np.testing.assert_array_equal(r, np.add(a, a).astype(np.float64))


COMPILE_ERRORS = [
    ("float32(float32)", SignatureError),
    ("float32(float32, float32, float32)", SignatureError),
    ("garbage", SignatureError),
    ("", SignatureError),
    ("float32 float32", SignatureError),
    ("int32(float64, float64)", TypingError),
]


def test_compile_errors(plus_py):
    u = vectorize(plus_py)
    for sig, error in COMPILE_ERRORS:
        with pytest.raises(error):
            u.compile(sig)
        assert u.types == [] and len(u.signatures) == 0, sig
    # still usable
    np.testing.assert_array_equal(u(np.arange(3), 1), np.arange(3) + 1)
    assert u.types == ["ll->l"]


def test_compile_on_a_ufunc_with_signatures_raises(plus_py):
    u = vectorize(["float64(float64, float64)"])(plus_py)
    with pytest.raises(OptionError):
        u.compile("float32(float32, float32)")
    with pytest.raises(OptionError):
        u.add("int64(int64, int64)")
    assert u.types == ["dd->d"]
    # a fixed ufunc does not compile new loops for new dtypes: it casts
    r = u(np.arange(3, dtype=np.int8), np.arange(3, dtype=np.int8))
    assert r.dtype == np.float64
    assert u.types == ["dd->d"]


def test_inspect_returns_one_entry_per_signature():
    f = make_function("""
        def k(x, y):
            t = x * y
            return t - x
    """)
    u = vectorize(f)
    assert u.inspect_types() == {} and u.inspect_llvm() == {} and u.inspect_asm() == {}
    u(np.arange(3, dtype=np.int16), np.arange(3, dtype=np.int16))
    u.compile("float64(float64, float64)")
    keys = ["int16(int16, int16)", "float64(float64, float64)"]
    types, llvm, asm = u.inspect_types(), u.inspect_llvm(), u.inspect_asm()
    assert list(types) == list(llvm) == list(asm) == keys == list(u.signatures)
    for sig in keys:
        assert "# line 2" in types[sig] and "# line 3" in types[sig], types[sig]
        assert "define" in llvm[sig]
        assert re.search(r"\bret", asm[sig]), asm[sig][:500]
    assert "int16" in types["int16(int16, int16)"]
    assert "float64" in types["float64(float64, float64)"]


# --- kernels that do not compile for some dtypes -------------------------------------

def test_a_dtype_the_kernel_rejects_raises_and_adds_no_loop():
    f = make_function("""
        def wave(x):
            return math.sin(x) * 2.0
    """)
    u = vectorize(f)
    with pytest.raises(TypingError):
        u(np.array([1j]))
    assert u.types == [] and len(u.signatures) == 0
    x = np.linspace(-2, 2, 9).astype(np.float32)
    np.testing.assert_allclose(u(x), reference(f, [x], np.float64), rtol=1e-15)
    assert u(x).dtype == np.float64  # math.sin returns a Python float
    with pytest.raises(TypeError):
        u(np.array([1j], np.complex64))
    assert u.types == ["f->d"]


def test_non_numeric_dtypes_raise_type_error(plus_py):
    u = vectorize(plus_py)
    for bad in [np.array(["a"]), np.array([1], dtype=object), np.array(["2020-01-01"], dtype="M8[D]")]:
        with pytest.raises(TypeError):
            u(bad, bad)
        with pytest.raises(TypeError):
            u(bad, np.ones(1))
    assert u.types == []


def test_transcendental_kernel_against_the_python_kernel(rng):
    for dtype in FLOAT_DTYPES + [np.int16, np.uint8]:
        with case(dtype):
            f = make_function("""
                def smooth(x):
                    return math.exp(-x * x) + math.sqrt(x * x + 1.0)
            """)
            u = vectorize(f)
            x = sample(dtype, (33,), rng, -3, 3)[::-2]
            r = u(x)
            expected = reference(f, [x], np.float64)
            assert r.dtype == np.float64
            np.testing.assert_allclose(r, expected, rtol=1e-14)


def test_cmath_kernel_against_numpy(rng):
    for dtype in COMPLEX_DTYPES + [np.float32, np.int8]:
        with case(dtype):
            f = make_function("""
                def cexp(z):
                    return cmath.exp(z * 1j)
            """)
            u = vectorize(f)
            z = sample(dtype, (17,), rng, -3, 3)
            r = u(z)
            assert r.dtype == np.complex128  # cmath returns a Python complex
            rtol = 1e-6 if dtype == np.complex64 else 1e-14
            np.testing.assert_allclose(r, np.exp(z.astype(np.complex128) * 1j), rtol=rtol)
            np.testing.assert_allclose(r, reference(f, [z], np.complex128), rtol=1e-14)


def test_comparison_kernel_returns_bool(rng):
    f = make_function(LESS)
    u = vectorize(f)
    for d1, d2 in [(np.int8, np.uint8), (np.float32, np.int64), (np.float16, np.float16)]:
        a, b = sample(d1, (11,), rng), sample(d2, (11,), rng)
        r = u(a, b)
        assert r.dtype == np.bool_
        np.testing.assert_array_equal(r, np.less(a, b))
    assert u.types == ["bB->?", "fl->?", "ee->?"]


def test_integer_kernel_with_python_constants(rng):
    for dtype in INT_DTYPES:
        with case(dtype):
            f = make_function("""
                def poly(x):
                    return x * 3 - 7 if x > 5 else x // 2 + 1
            """)
            u = vectorize(f)
            x = sample(dtype, (25,), rng)
            r = u(x)
            assert r.dtype == dtype
            assert_matches(r, reference(f, [x], dtype))
# --- concurrency ------------------------------------------------------------------

@pytest.mark.parametrize("nthreads", [2, 4])
def test_concurrent_first_calls_compile_once(nthreads, muladd_py):
    a = np.arange(-20, 20, dtype=np.int16)
    expected = np.add(np.multiply(a, a[::-1]), a)
    for _ in range(5):
        u = vectorize(muladd_py)
        results = run_together(nthreads, lambda i: u(a, a[::-1]))
        assert len(u.signatures) == 1
        assert u.types == ["hh->h"]
        for r in results:
            assert r.dtype == np.int16
            np.testing.assert_array_equal(r, expected)


def test_concurrent_calls_with_different_new_dtypes(muladd_py):
    dtypes = [np.int8, np.float32, np.uint64, np.complex64]
    for _ in range(3):
        u = vectorize(muladd_py)
        # two threads per dtype
        results = run_together(8, lambda i: u(np.arange(6, dtype=dtypes[i % 4]), dtypes[i % 4](3)))
        assert len(u.signatures) == 4
        assert sorted(u.types) == sorted(f"{char(d)}{char(d)}->{char(d)}" for d in dtypes)
        for i, r in enumerate(results):
            a = np.arange(6, dtype=dtypes[i % 4])
            assert r.dtype == dtypes[i % 4]
            np.testing.assert_array_equal(r, a * dtypes[i % 4](3) + a)


def test_concurrent_reduce_and_call(plus_py):
    a = np.arange(50, dtype=np.uint32).reshape(5, 10)
    for _ in range(3):
        u = vectorize(plus_py)
        results = run_together(4, lambda i: u.reduce(a, axis=1) if i % 2 else u(a, a))
        assert len(u.signatures) == 1 and u.types == ["II->I"]
        for i, r in enumerate(results):
            np.testing.assert_array_equal(r, np.add.reduce(a, axis=1, dtype=np.uint32) if i % 2 else a + a)


# --- bugs found while writing these tests ---------------------------------------------

def test_signatures_of_kernels_returning_python_numbers_use_dtype_names():
    f = make_function("""
        def root(x):
            return math.sqrt(x)
    """)
    u = vectorize(f)
    u(np.float32(4.0))
    assert list(u.signatures) == ["float64(float32)"]
    v = vectorize(f)
    assert v.compile(u.signatures[0]) == "float64(float32)"


def test_zero_argument_lazy_kernel_is_refused_clearly():
    one = make_function("def one():\n    return 1\n")
    with pytest.raises(OptionError, match=r"'one' takes no arguments.*signature"):
        vectorize(one)
    assert vectorize(["int64()"])(one)() == 1


def test_compile_after_the_ufunc_is_gone_raises_instead_of_writing_freed_memory():
    import gc
    u = vectorize(make_function(PLUS))
    keep_signatures, keep_compile = u.signatures, u.compile
    del u
    gc.collect()
    with pytest.raises(ReferenceError, match="no longer exists"):
        keep_compile("float64(float64, float64)")
    assert list(keep_signatures) == []


def test_fixing_some_outputs_of_a_multi_output_kernel_compiles_once():
    f = make_function("""
        def halve_and_double(x):
            return x / 2, x * 2
    """)
    u = vectorize(f)
    x = np.arange(6, dtype=np.int64)
    for _ in range(3):
        half, double = u(x, signature=(None, None, np.float32))
        assert half.dtype == np.float64 and double.dtype == np.float32
        np.testing.assert_array_equal(half, x / 2)
        np.testing.assert_array_equal(double, (x * 2).astype(np.float32))
    assert u.types == ["l->df"]


def test_globals_are_read_once_as_the_docs_say():
    # docs/supported.md: a ufunc reads its globals when decorated (a lazy
    # ufunc's later loops too), a @jit function when first compiled.
    ns = {}
    src = textwrap.dedent("""
        import numpy as np
        from jitufunc import vectorize, njit
        G = 1.0
        @vectorize
        def lazy(x):
            return x + G
        @vectorize(["float64(float64)"])
        def eager(x):
            return x + G
        @njit
        def jit(x):
            return x + G
        G = 100.0
        first = (lazy(np.float64(1.0)), eager(np.float64(1.0)), jit(1.0))
        G = 1000.0
        later = (lazy(np.float32(1.0)), jit(1))
    """)
    name = "<globals-read-once>"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    exec(compile(src, name, "exec"), ns)
    assert ns["first"] == (2.0, 2.0, 101.0)
    assert ns["later"] == (2.0, 101)
