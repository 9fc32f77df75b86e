"""reduce, accumulate, reduceat, outer and at on compiled ufuncs, and the
``identity`` option.

Each method is compared with the same method of an equivalent NumPy ufunc
(np.add, np.multiply, np.maximum, or np.frompyfunc of the kernel) and, for a
kernel NumPy has no ufunc for, with a Python fold of the kernel on NumPy
scalars.
"""

import functools

import numpy as np
import pytest

from jitufunc import vectorize
from conftest import make_function, assert_matches

SIGS = ["float64(float64, float64)", "int64(int64, int64)"]


def compile_kernel(body, identity, sigs=SIGS):
    f = make_function(f'''
        def kernel(x, y):
            return {body}
    ''')
    return f, vectorize(sigs, identity=identity)(f)


@pytest.fixture(scope="module")
def add0():
    return compile_kernel("x + y", 0)


@pytest.fixture(scope="module")
def mul1():
    return compile_kernel("x * y", 1)


@pytest.fixture(scope="module")
def max_inf():
    return compile_kernel("x if x >= y else y", -np.inf, ["float64(float64, float64)"])


@pytest.fixture(scope="module")
def add_reorderable():
    return compile_kernel("x + y", "reorderable")


@pytest.fixture(scope="module")
def affine_none():
    """x*y+1: not a NumPy ufunc, not associative, no identity."""
    return compile_kernel("x * y + 1", None)


@pytest.fixture(scope="module")
def affine_reorderable():
    return compile_kernel("x * y + 1", "reorderable")


def ints(shape, seed=0, low=-5, high=6):
    return np.random.default_rng(seed).integers(low, high, shape).astype(np.int64)


def floats(shape, seed=0):
    return np.random.default_rng(seed).integers(-40, 41, shape) / 8.0


def test_identity_attribute(add0, mul1, max_inf, add_reorderable, affine_none):
    assert add0[1].identity == 0 and type(add0[1].identity) is int
    assert mul1[1].identity == 1
    assert max_inf[1].identity == -np.inf
    assert add_reorderable[1].identity is None
    assert affine_none[1].identity is None


@pytest.mark.parametrize("identity", [2.5, -7, np.inf])
def test_arbitrary_identity_values(identity):
    f, u = compile_kernel("x + y", identity, ["float64(float64, float64)"])
    assert u.identity == identity
    assert u.reduce(np.empty(0)) == identity
    # NumPy starts every (non-object) reduction of a ufunc with an identity
    # from that identity (get_initial_from_ufunc).
    assert u.reduce(np.array([1.0, 2.0])) == identity + 1.0 + 2.0
    assert u.reduce(np.array([1.0, 2.0]), initial=0.0) == 3.0


# --- against NumPy's own ufuncs ------------------------------------------------

NUMPY_EQUIV = {"add0": np.add, "mul1": np.multiply}


def arrays_for(name):
    if name == "mul1":
        return ints((4, 5, 3), low=-2, high=3), floats((4, 5, 3)) / 4
    return ints((4, 5, 3)), floats((4, 5, 3))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, (0, 1), (0, 2), None, ()])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["add0", "mul1", "add_reorderable"])
def test_reduce_like_numpy(request, name, axis, keepdims):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV.get(name, np.add)
    for a in arrays_for(name):
        expected = ref.reduce(a, axis=axis, keepdims=keepdims)
        assert_matches(u.reduce(a, axis=axis, keepdims=keepdims), expected)


@pytest.mark.parametrize("name", ["add0", "mul1", "add_reorderable"])
def test_reduce_options_like_numpy(request, name):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV.get(name, np.add)
    a = arrays_for(name)[0]
    assert_matches(u.reduce(a, axis=1, initial=3), ref.reduce(a, axis=1, initial=3))
    where = np.random.default_rng(1).integers(0, 2, a.shape).astype(bool)
    if u.identity is not None:
        assert_matches(u.reduce(a, axis=0, where=where), ref.reduce(a, axis=0, where=where))
    assert_matches(u.reduce(a, axis=0, where=where, initial=2), ref.reduce(a, axis=0, where=where, initial=2))
    assert_matches(u.reduce(a, axis=2, dtype=np.float64), ref.reduce(a, axis=2, dtype=np.float64))
    out = np.zeros((4, 3), np.int64)
    r = u.reduce(a, axis=1, out=out)
    assert r is out
    assert_matches(out, ref.reduce(a, axis=1))
    # Strided and transposed input.
    assert_matches(u.reduce(a[::2, ::-1].T, axis=0), ref.reduce(a[::2, ::-1].T, axis=0))


@pytest.mark.parametrize("name,identity_value", [("add0", 0), ("mul1", 1)])
@pytest.mark.parametrize("dt", [np.float64, np.int64], ids=["float64", "int64"])
def test_reduce_empty_gives_identity(request, name, identity_value, dt):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV[name]
    r = u.reduce(np.empty(0, dt))
    assert r == identity_value == ref.reduce(np.empty(0, dt))
    assert np.asarray(r).dtype == dt
    e = np.empty((3, 0), dt)
    assert_matches(u.reduce(e, axis=1), ref.reduce(e, axis=1))
    assert_matches(u.reduce(e, axis=0), ref.reduce(e, axis=0))


@pytest.mark.parametrize("name", ["add_reorderable", "affine_none"])
def test_reduce_empty_without_identity_raises_like_numpy(request, name):
    f, u = request.getfixturevalue(name)
    with pytest.raises(ValueError):
        np.maximum.reduce(np.empty(0))
    with pytest.raises(ValueError):
        u.reduce(np.empty(0))
    with pytest.raises(ValueError):
        u.reduce(np.empty((3, 0)), axis=1)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", ["add0", "mul1"])
def test_accumulate_like_numpy(request, name, axis):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV[name]
    for a in arrays_for(name):
        a = a[:, :, 0]
        assert_matches(u.accumulate(a, axis=axis), ref.accumulate(a, axis=axis))
        assert_matches(u.accumulate(a[::-1], axis=axis), ref.accumulate(a[::-1], axis=axis))


@pytest.mark.parametrize("indices", [[0, 3, 1, 5], [0, 1, 2, 3, 4, 5, 6, 7], [2], [7, 0], [0, 0, 4, 4]])
@pytest.mark.parametrize("name", ["add0", "mul1"])
def test_reduceat_like_numpy(request, name, indices):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV[name]
    a = arrays_for(name)[0].reshape(-1)[:40].reshape(8, 5)
    for axis in (0, 1):
        idx = [i % a.shape[axis] for i in indices]
        assert_matches(u.reduceat(a, idx, axis=axis), ref.reduceat(a, idx, axis=axis))


@pytest.mark.parametrize("name", ["add0", "mul1"])
def test_outer_like_numpy(request, name):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV[name]
    a, b = ints(7), ints((2, 3), seed=1)
    assert_matches(u.outer(a, b), ref.outer(a, b))
    assert_matches(u.outer(floats(5), floats(4, 1)), ref.outer(floats(5), floats(4, 1)))


@pytest.mark.parametrize("name", ["add0", "mul1"])
def test_at_with_repeated_indices_like_numpy(request, name):
    f, u = request.getfixturevalue(name)
    ref = NUMPY_EQUIV[name]
    idx = np.array([0, 1, 1, 3, 0, 0, 5, 3])
    for make in (ints, floats):
        a = make(6) + 1
        b = make(len(idx), seed=2)
        expected, actual = a.copy(), a.copy()
        ref.at(expected, idx, b)
        u.at(actual, idx, b)
        assert_matches(actual, expected)
        # Scalar second operand and 2-D with tuple indices.
        expected, actual = a.copy(), a.copy()
        ref.at(expected, idx, 3)
        u.at(actual, idx, 3)
        assert_matches(actual, expected)
    a2 = ints((3, 4))
    expected, actual = a2.copy(), a2.copy()
    ref.at(expected, (np.array([0, 2, 0]), np.array([1, 3, 1])), np.array([5, 6, 7]))
    u.at(actual, (np.array([0, 2, 0]), np.array([1, 3, 1])), np.array([5, 6, 7]))
    assert_matches(actual, expected)


def test_max_kernel_with_minus_inf_identity(max_inf):
    f, u = max_inf
    a = floats((5, 6))
    assert_matches(u.reduce(a, axis=0), np.maximum.reduce(a, axis=0))
    assert_matches(u.reduce(a, axis=(0, 1)), np.maximum.reduce(a, axis=(0, 1)))
    assert u.reduce(np.empty(0)) == -np.inf == np.maximum.reduce(np.empty(0), initial=-np.inf)
    e = np.empty((0, 4))
    assert_matches(u.reduce(e, axis=0), np.maximum.reduce(e, axis=0, initial=-np.inf))
    assert_matches(u.accumulate(a, axis=1), np.maximum.accumulate(a, axis=1))
    assert_matches(u.outer(a[0], a[1]), np.maximum.outer(a[0], a[1]))
    assert_matches(u.reduceat(a[0], [0, 2, 1]), np.maximum.reduceat(a[0], [0, 2, 1]))
    w = np.array([[True, False, False, True, False, False]] * 5)
    assert_matches(u.reduce(a, axis=1, where=w), np.maximum.reduce(a, axis=1, where=w, initial=-np.inf))
    b = a[0].copy()
    u.at(b, [0, 0, 1], [100.0, -100.0, 50.0])
    c = a[0].copy()
    np.maximum.at(c, [0, 0, 1], [100.0, -100.0, 50.0])
    assert_matches(b, c)


# --- a kernel NumPy has no ufunc for: Python folds ---------------------------

def pyfold(f, seq, dtype, initial=None):
    items = [dtype(v) for v in seq]
    if initial is not None:
        items.insert(0, dtype(initial))
    return dtype(functools.reduce(lambda acc, v: dtype(f(acc, v)), items))


def pyaccumulate(f, seq, dtype):
    out, acc = [], None
    for v in seq:
        acc = dtype(v) if acc is None else dtype(f(acc, dtype(v)))
        out.append(acc)
    return np.array(out, dtype)


@pytest.mark.parametrize("dt", [np.int64, np.float64], ids=["int64", "float64"])
def test_non_numpy_kernel_reduce_is_a_left_fold(affine_none, dt):
    f, u = affine_none
    a = (ints(9, low=-3, high=4) if dt == np.int64 else floats(9) / 4).astype(dt)
    assert_matches(np.asarray(u.reduce(a)), np.asarray(pyfold(f, a, dt)))
    assert_matches(np.asarray(u.reduce(a, initial=2)), np.asarray(pyfold(f, a, dt, initial=2)))
    a2 = a[:8].reshape(2, 4)
    assert_matches(u.reduce(a2, axis=1), np.array([pyfold(f, row, dt) for row in a2], dt))
    assert_matches(u.reduce(a2, axis=0), np.array([pyfold(f, col, dt) for col in a2.T], dt))
    assert_matches(u.reduce(a2, axis=0, keepdims=True), np.array([[pyfold(f, col, dt) for col in a2.T]], dt))
    # Same as NumPy's object-dtype ufunc for the Python function.
    g = np.frompyfunc(f, 2, 1)
    assert_matches(u.reduce(a2, axis=1), g.reduce(a2, axis=1).astype(dt))


def test_non_numpy_kernel_single_element_and_empty(affine_none, affine_reorderable):
    f, u = affine_none
    assert u.reduce(np.array([5], np.int64)) == 5
    with pytest.raises(ValueError):
        u.reduce(np.array([], np.int64))
    assert u.reduce(np.array([], np.int64), initial=4) == 4


@pytest.mark.parametrize("axis", [(0, 1), None])
def test_multi_axis_reduce_needs_a_reorderable_kernel(affine_none, affine_reorderable, axis):
    a = ints((3, 4), low=-2, high=3)
    f, u = affine_none
    g = np.frompyfunc(f, 2, 1)  # no identity: not reorderable
    with pytest.raises(ValueError):
        g.reduce(a, axis=axis)
    with pytest.raises(ValueError):
        u.reduce(a, axis=axis)
    # "reorderable" allows it; NumPy reduces the C-ordered elements in order
    # for this small contiguous array.
    f, u = affine_reorderable
    g = np.frompyfunc(f, 2, 1, identity=None)  # reorderable, no identity
    expected = np.asarray(g.reduce(a, axis=axis)).astype(np.int64)
    assert_matches(np.asarray(u.reduce(a, axis=axis)), expected)


def test_non_numpy_kernel_accumulate_reduceat_outer_at(affine_none):
    f, u = affine_none
    a = ints(10, low=-3, high=4)
    assert_matches(u.accumulate(a), pyaccumulate(f, a, np.int64))
    af = floats(70) / 16
    assert_matches(u.accumulate(af), pyaccumulate(f, af, np.float64))
    a2 = ints((3, 5), low=-2, high=3)
    assert_matches(u.accumulate(a2, axis=1), np.array([pyaccumulate(f, r, np.int64) for r in a2]))
    idx = [0, 4, 2, 7]
    expected = np.array([pyfold(f, a[i:j] if i < j else a[i:i + 1], np.int64)
                         for i, j in zip(idx, idx[1:] + [len(a)])], np.int64)
    assert_matches(u.reduceat(a, idx), expected)
    b = ints(4, seed=3)
    expected = np.array([[f(np.int64(x), np.int64(y)) for y in b] for x in a], np.int64)
    assert_matches(u.outer(a, b), expected)
    # at with repeated indices applies the kernel once per occurrence, in order.
    c = ints(5)
    idx = [1, 1, 0, 1, 4]
    vals = ints(5, seed=4)
    expected = c.copy()
    for i, v in zip(idx, vals):
        expected[i] = f(expected[i], v)
    u.at(c, idx, vals)
    assert_matches(c, expected)
