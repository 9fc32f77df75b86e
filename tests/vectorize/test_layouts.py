"""Compiled loops on every memory layout NumPy hands them, and the ufunc
call options (out=, where=, dtype=, casting=, order=, signature=).

Expected values come from ``reference`` (the Python kernel on NumPy
scalars) or from ``np.add``/``np.multiply`` called the same way.
"""

import numpy as np
import pytest

from jitufunc import vectorize
from conftest import make_function, reference, assert_matches

SIGS = ["float64(float64, float64)", "float32(float32, float32)", "int64(int64, int64)"]


@pytest.fixture(scope="module")
def axpy():
    """A kernel with a result NumPy has no ufunc for, three loops."""
    f = make_function('''
        def axpy(x, y):
            return 2 * x - y
    ''')
    return f, vectorize(SIGS)(f)


@pytest.fixture(scope="module")
def add():
    """The same operation as np.add, to compare ufunc-call semantics."""
    f = make_function('''
        def add(x, y):
            return x + y
    ''')
    return f, vectorize(SIGS, identity=0)(f)


DTYPES = [np.float64, np.float32, np.int64]
N = 301  # long enough for the vector paths and their remainders


def base(dtype, n=N, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(-1000, 1000, n)
    return (a if np.dtype(dtype).kind == "i" else a / 8).astype(dtype)


def two_d(dtype, seed=0):
    return base(dtype, 7 * 13, seed).reshape(7, 13)


def unaligned(a):
    """A copy of ``a`` whose data starts one byte past an aligned address."""
    raw = np.zeros(a.nbytes + 1, np.uint8)
    view = raw[1:].view(a.dtype)
    view[...] = a
    assert not view.flags.aligned
    return view


LAYOUTS = {
    "contiguous": lambda dt: (base(dt), base(dt, seed=1)),
    "strided": lambda dt: (base(dt, 3 * N)[::3], base(dt, 3 * N, 1)[::3]),
    "strided_mixed": lambda dt: (base(dt), base(dt, 2 * N, 1)[::2]),
    "reversed": lambda dt: (base(dt)[::-1], base(dt, seed=1)[::-1]),
    "reversed_one": lambda dt: (base(dt)[::-1], base(dt, seed=1)),
    "zero_stride_first": lambda dt: (np.broadcast_to(base(dt, 1), (N,)), base(dt, seed=1)),
    "zero_stride_second": lambda dt: (base(dt), np.broadcast_to(base(dt, 1, 1), (N,))),
    "zero_stride_both": lambda dt: (np.broadcast_to(base(dt, 1), (N,)), np.broadcast_to(base(dt, 1, 1), (N,))),
    "fortran_2d": lambda dt: (np.asfortranarray(two_d(dt)), np.asfortranarray(two_d(dt, 1))),
    "fortran_and_c_2d": lambda dt: (np.asfortranarray(two_d(dt)), two_d(dt, 1)),
    "transposed_2d": lambda dt: (two_d(dt).T, two_d(dt, 1).T),
    "strided_2d": lambda dt: (base(dt, 14 * 26).reshape(14, 26)[::2, ::2], base(dt, 14 * 13, 1).reshape(14, 13)[1::2]),
    "broadcast_3x1_4": lambda dt: (base(dt, 3).reshape(3, 1), base(dt, 4, 1)),
    "broadcast_row_col_large": lambda dt: (base(dt, 40).reshape(40, 1), base(dt, 70, 1)),
    "zero_d": lambda dt: (np.array(base(dt, 1)[0]), np.array(base(dt, 1, 1)[0])),
    "zero_d_and_array": lambda dt: (np.array(base(dt, 1)[0]), base(dt, seed=1)),
    "empty": lambda dt: (np.empty(0, dt), np.empty(0, dt)),
    "empty_2d": lambda dt: (np.empty((3, 0), dt), np.empty((1, 0), dt)),
    "length_1": lambda dt: (base(dt, 1), base(dt, 1, 1)),
    "unaligned": lambda dt: (unaligned(base(dt)), unaligned(base(dt, seed=1))),
}


@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_input_layouts(axpy, layout, dt):
    f, u = axpy
    x, y = LAYOUTS[layout](dt)
    expected = reference(f, [x, y], dt)
    actual = u(x, y)
    assert_matches(actual, expected)
    # The inputs are not modified.
    assert_matches(x, LAYOUTS[layout](dt)[0])
    assert_matches(y, LAYOUTS[layout](dt)[1])


def test_zero_d_inputs_give_a_scalar_like_numpy(add):
    f, u = add
    a, b = np.array(1.5), np.array(2.25)
    r = u(a, b)
    assert type(r) is type(np.add(a, b)) is np.float64
    assert r == 3.75


@pytest.mark.parametrize("args,dtype", [
    ((2.5, 4.0), np.float64),
    ((3, 4), np.int64),
    ((2.5, 4), np.float64),
    ((np.float32(2.5), 4), np.float32),
    ((np.float32(2.5), 4.5), np.float32),
])
def test_python_scalars(axpy, args, dtype):
    f, u = axpy
    r = u(*args)
    assert np.isscalar(r)
    assert np.asarray(r).dtype == dtype == np.add(*args).dtype
    assert_matches(np.asarray(r), reference(f, [np.asarray(a, dtype) for a in args], dtype))


def test_python_scalar_with_array_is_weak(axpy):
    f, u = axpy
    x = base(np.float32)
    r = u(x, 3.5)
    assert r.dtype == np.float32
    assert_matches(r, reference(f, [x, np.float32(3.5)], np.float32))


# --- out= --------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
def test_out_fresh(axpy, dt):
    f, u = axpy
    x, y = base(dt), base(dt, seed=1)
    out = np.full(N, 7, dtype=dt)
    r = u(x, y, out=out)
    assert r is out
    assert_matches(out, reference(f, [x, y], dt))
    out2 = np.full(N, 7, dtype=dt)
    assert u(x, y, out=(out2,)) is out2
    assert_matches(out2, reference(f, [x, y], dt))


@pytest.mark.parametrize("step", [2, -1, -3])
@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
def test_out_strided_and_negative_stride(axpy, dt, step):
    f, u = axpy
    x, y = base(dt), base(dt, seed=1)
    buf = np.full(N * abs(step), 7, dtype=dt)
    before = buf.copy()
    out = buf[::step]
    r = u(x, y, out=out)
    assert r is out
    assert_matches(out, reference(f, [x, y], dt))
    # Elements of buf not in the view are untouched.
    mask = np.ones(buf.shape, bool)
    mask[::step] = False
    assert_matches(buf[mask], before[mask])


@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
@pytest.mark.parametrize("which", ["first", "second", "both"])
def test_out_is_an_input_in_place(axpy, dt, which):
    f, u = axpy
    x, y = base(dt), base(dt, seed=1)
    expected = reference(f, [x, y], dt)
    if which == "first":
        u(x, y, out=x)
        assert_matches(x, expected)
    elif which == "second":
        u(x, y, out=y)
        assert_matches(y, expected)
    else:
        expected = reference(f, [x, x], dt)
        u(x, x, out=x)
        assert_matches(x, expected)


@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
@pytest.mark.parametrize("shift", [1, -1, 2, -5])
def test_out_partially_overlapping_an_input(axpy, dt, shift):
    """out=a[1:] with input a[:-1] (and the other directions): NumPy makes
    the result as if the inputs had been copied first."""
    f, u = axpy
    a = base(dt, N + 5)
    y = base(dt, N + 5, 1)
    n = N
    if shift > 0:
        src, dst = slice(0, n), slice(shift, shift + n)
    else:
        src, dst = slice(-shift, -shift + n), slice(0, n)
    expected = reference(f, [a[src].copy(), y[:n]], dt)
    u(a[src], y[:n], out=a[dst])
    assert_matches(a[dst], expected)


@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
@pytest.mark.parametrize("which", [0, 1])
def test_out_overlapping_a_broadcast_input(axpy, dt, which):
    """The zero-stride input is the first element of out: the result must
    use its value from before the call."""
    f, u = axpy
    a = base(dt)
    y = base(dt, seed=1)
    args = [np.broadcast_to(a[:1], (N,)), y] if which == 0 else [y, np.broadcast_to(a[:1], (N,))]
    expected = reference(f, [np.array(v) for v in args], dt)
    u(*args, out=a)
    assert_matches(a, expected)


@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
def test_out_overlapping_both_inputs(add, dt):
    f, u = add
    a = base(dt, N + 2)
    expected = np.add(a[:-2].copy(), a[1:-1].copy())
    u(a[:-2], a[1:-1], out=a[2:])
    assert_matches(a[2:], expected)


def test_out_and_inputs_2d_fortran_out(axpy):
    f, u = axpy
    x, y = two_d(np.float64), two_d(np.float64, 1)
    out = np.zeros((7, 13), order="F")
    u(x, y, out=out)
    assert_matches(out, reference(f, [x, y], np.float64))


# --- where= ------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES, ids=["float64", "float32", "int64"])
@pytest.mark.parametrize("mask_kind", ["array", "broadcast_row", "scalar_false", "strided"])
def test_where(add, dt, mask_kind):
    f, u = add
    x, y = base(dt), base(dt, seed=1)
    rng = np.random.default_rng(3)
    if mask_kind == "array":
        mask = rng.integers(0, 2, N).astype(bool)
    elif mask_kind == "broadcast_row":
        x, y = x[:91].reshape(7, 13), y[:91].reshape(7, 13)
        mask = rng.integers(0, 2, 13).astype(bool)
    elif mask_kind == "scalar_false":
        mask = False
    else:
        mask = rng.integers(0, 2, 2 * N).astype(bool)[::2]
    out = np.full(x.shape, 99, dtype=dt)
    expected = np.full(x.shape, 99, dtype=dt)
    np.add(x, y, out=expected, where=mask)
    r = u(x, y, out=out, where=mask)
    assert r is out
    assert_matches(out, expected)


# --- dtype=, casting=, order=, signature= ------------------------------------

def test_dtype_selects_the_loop(axpy):
    f, u = axpy
    x, y = base(np.int64), base(np.int64, seed=1)
    r = u(x, y, dtype=np.float32)
    assert r.dtype == np.float32 == np.add(x, y, dtype=np.float32).dtype
    assert_matches(r, reference(f, [x.astype(np.float32), y.astype(np.float32)], np.float32))
    r = u(x, y, dtype=np.float64)
    assert_matches(r, reference(f, [x.astype(np.float64), y.astype(np.float64)], np.float64))


@pytest.mark.parametrize("sig", ["dd->d", ("d", "d", "d"), (np.float64, np.float64, np.float64), (None, None, "d")])
def test_signature_selects_the_loop(axpy, sig):
    f, u = axpy
    x, y = base(np.int64), base(np.int64, seed=1)
    r = u(x, y, signature=sig)
    assert r.dtype == np.float64 == np.add(x, y, signature=sig).dtype
    assert_matches(r, reference(f, [x.astype(np.float64), y.astype(np.float64)], np.float64))


def test_signature_without_a_loop_is_a_type_error_like_numpy(axpy):
    f, u = axpy
    x = base(np.float64)
    with pytest.raises(TypeError):
        np.add(x, x, signature="ff->q")
    with pytest.raises(TypeError):
        u(x, x, signature="bb->b")


def test_input_without_a_loop_is_a_type_error(axpy):
    f, u = axpy
    x = (base(np.float64) + 1j).astype(np.complex128)
    with pytest.raises(TypeError):
        u(x, x)


def test_casting_same_kind_rejects_and_unsafe_allows(axpy):
    f, u = axpy
    x, y = base(np.float64), base(np.float64, seed=1)
    out = np.zeros(N, np.int32)
    with pytest.raises(TypeError):
        np.add(x, y, out=out)
    with pytest.raises(TypeError):
        u(x, y, out=out)
    u(x, y, out=out, casting="unsafe")
    assert_matches(out, reference(f, [x, y], np.float64).astype(np.int32))
    # same_kind allows float64 -> float32 output.
    out32 = np.zeros(N, np.float32)
    u(x, y, out=out32)
    assert_matches(out32, reference(f, [x, y], np.float64).astype(np.float32))
    # casting="safe" rejects it, as for np.add.
    with pytest.raises(TypeError):
        np.add(x, y, out=out32, casting="safe")
    with pytest.raises(TypeError):
        u(x, y, out=out32, casting="safe")
    # Input casting int64 -> float32 is same_kind but not safe, as for np.add.
    xi = base(np.int64)
    r = u(xi, xi, dtype=np.float32, casting="same_kind")
    assert_matches(r, reference(f, [xi.astype(np.float32)] * 2, np.float32))
    with pytest.raises(TypeError):
        np.add(xi, xi, dtype=np.float32, casting="safe")
    with pytest.raises(TypeError):
        u(xi, xi, dtype=np.float32, casting="safe")


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
@pytest.mark.parametrize("src", ["c", "f", "t"])
def test_order(axpy, order, src):
    f, u = axpy
    x, y = two_d(np.float64), two_d(np.float64, 1)
    if src == "f":
        x, y = np.asfortranarray(x), np.asfortranarray(y)
    elif src == "t":
        x, y = x.T, y.T
    r = u(x, y, order=order)
    ref = np.add(x, y, order=order)
    assert r.flags.c_contiguous == ref.flags.c_contiguous
    assert r.flags.f_contiguous == ref.flags.f_contiguous
    assert_matches(r, reference(f, [x, y], np.float64))


# --- accumulate: a loop-carried dependency -----------------------------------

@pytest.fixture(scope="module")
def lin():
    f = make_function('''
        def lin(acc, x):
            return acc * 0.5 + x
    ''')
    return f, vectorize(["float64(float64, float64)", "float32(float32, float32)"])(f)


def fold(f, a, dtype):
    out = np.empty(len(a), dtype)
    acc = a[0]
    out[0] = acc
    with np.errstate(all="ignore"):
        for i in range(1, len(a)):
            acc = dtype(f(acc, a[i]))
            out[i] = acc
    return out


@pytest.mark.parametrize("n", [65, 200, 1000])
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["float64", "float32"])
def test_accumulate_long(lin, dt, n):
    f, u = lin
    a = base(dt, n)
    assert_matches(u.accumulate(a), fold(f, a, dt))


@pytest.mark.parametrize("n", [65, 200, 1000])
@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["float64", "float32"])
def test_accumulate_in_place(lin, dt, n):
    f, u = lin
    a = base(dt, n)
    expected = fold(f, a, dt)
    r = u.accumulate(a, out=a)
    assert r is a
    assert_matches(a, expected)


@pytest.mark.parametrize("n", [65, 300])
def test_accumulate_in_place_add_matches_cumsum(add, n):
    f, u = add
    a = np.arange(n, dtype=np.int64) - 20
    expected = np.cumsum(a)
    u.accumulate(a, out=a)
    assert_matches(a, expected)


def test_accumulate_strided_and_reversed(lin):
    f, u = lin
    a = base(np.float64, 600)
    assert_matches(u.accumulate(a[::3]), fold(f, a[::3].copy(), np.float64))
    assert_matches(u.accumulate(a[::-1]), fold(f, a[::-1].copy(), np.float64))


def test_accumulate_2d_axes(add):
    f, u = add
    a = base(np.int64, 70 * 80).reshape(70, 80)
    for axis in (0, 1):
        assert_matches(u.accumulate(a, axis=axis), np.add.accumulate(a, axis=axis))
    af = np.asfortranarray(a)
    for axis in (0, 1):
        assert_matches(u.accumulate(af, axis=axis), np.add.accumulate(af, axis=axis))

