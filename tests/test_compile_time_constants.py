"""Values known when compiling (issue 12, item 6): dtype attributes
(``a.dtype.kind == "f"``, ``a.dtype.type(0)``, ``a.dtype == np.float64``),
``np.finfo``/``np.iinfo`` attributes, string literals and global strings in
comparisons, and ``in`` with a tuple. Every expected value comes from NumPy
or from running the Python function itself."""

import math

import numpy as np
import pytest

import jitufunc
from jitufunc import guvectorize, njit, vectorize
from jitufunc.errors import TypingError, UnsupportedError

ALL_DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
              "float16", "float32", "float64", "complex64", "complex128"]
INEXACT = ["float16", "float32", "float64", "complex64", "complex128"]
INTS = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]

FINFO_ATTRS = ["eps", "epsneg", "max", "min", "tiny", "smallest_normal", "smallest_subnormal",
               "resolution", "bits", "precision", "maxexp", "minexp", "nmant", "nexp", "iexp",
               "machep", "negep"]


def _same(got, expected):
    """Equal value, both integers or both not (``@jit`` returns NumPy
    floats as Python floats, as Numba does; the value must still be the
    one of NumPy's type)."""
    integral = (int, np.integer, np.bool_)
    assert isinstance(got, integral) == isinstance(expected, integral), (got, expected)
    assert got == expected and type(expected)(got) == expected, (got, expected)


@pytest.mark.parametrize("dtype", INEXACT)
def test_finfo_attributes_are_numpys(dtype):
    t = np.dtype(dtype).type
    values = {}

    src = "def f(a):\n    return (" + ", ".join(f"np.finfo(a.dtype).{n}" for n in FINFO_ATTRS) + ")\n"
    got = njit(_as_file_function(src, "f"))(np.zeros(2, dtype))
    for name, value in zip(FINFO_ATTRS, got):
        values[name] = value
        expected = getattr(np.finfo(t), name)
        _same(values[name], expected)
    # Through the scalar type and through a value of the type.
    g = njit(_as_file_function("def g(x):\n    return np.finfo(x).eps, np.finfo(np.float32).max\n", "g"))
    x = t(1)
    _same(g(x)[0], np.finfo(x).eps)
    _same(g(x)[1], np.finfo(np.float32).max)


@pytest.mark.parametrize("dtype", INTS)
def test_iinfo_attributes_are_numpys(dtype):
    t = np.dtype(dtype).type
    f = njit(lambda a: (np.iinfo(a.dtype).min, np.iinfo(a.dtype).max, np.iinfo(a.dtype).bits))
    got = f(np.zeros(2, dtype))
    info = np.iinfo(t)
    # NumPy's min and max are Python ints; uint64's max does not fit int64,
    # so jitufunc gives it as a uint64 (same value).
    assert [int(v) for v in got] == [info.min, info.max, info.bits]
    if dtype != "uint64":
        assert all(type(v) is int for v in got)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("attr", ["kind", "char", "name", "str"])
def test_dtype_string_attributes_compare_as_numpy(dtype, attr):
    expected = getattr(np.dtype(dtype), attr)
    # A different dtype's value, which must compare unequal.
    other = next(getattr(np.dtype(d), attr) for d in ALL_DTYPES if getattr(np.dtype(d), attr) != expected)
    src = (f"def f(a):\n"
           f"    return a.dtype.{attr} == {expected!r}, a.dtype.{attr} != {other!r}, "
           f"a.dtype.{attr} == {other!r}\n")
    ns = {}
    exec(compile(src, f"<constants-{dtype}-{attr}>", "exec"), ns)
    py = ns["f"]
    a = np.zeros(3, dtype)
    # (exec'd source has no file: run the same text from a real module)
    f = njit(_as_file_function(src, "f"))
    assert f(a) == py(a) == (True, True, False)


def _as_file_function(src, name, tmp={}):
    """The function ``name`` defined by ``src``, in a module file (kernels
    are compiled from their source)."""
    import importlib.util
    import tempfile
    from pathlib import Path

    if "dir" not in tmp:
        tmp["dir"] = Path(tempfile.mkdtemp(prefix="jitufunc_constants_"))
    path = tmp["dir"] / f"m{len(list(tmp['dir'].iterdir()))}.py"
    path.write_text("import math\nimport numpy as np\n" + src)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_dtype_numeric_attributes_and_type(dtype):
    def f(a):
        return (a.dtype.itemsize, a.dtype.num, a.itemsize, a.nbytes, a.dtype.type(1),
                a.dtype == np.float64, a.dtype.type == np.int8, a.dtype == "float32")

    a = np.zeros((2, 3), dtype)
    got, expected = njit(f)(a), f(a)
    assert got[:4] == expected[:4]
    _same(got[4], expected[4])
    # (bool's `type(1)` is True, a NumPy bool)
    assert isinstance(got[4], (bool, np.bool_)) == isinstance(expected[4], np.bool_)
    assert got[5:] == expected[5:]


def test_scalar_dtype_attributes_in_a_ufunc_kernel():
    def kernel(x):
        if x.dtype.kind == "f":
            return x * x.dtype.type(0.5) + np.finfo(x.dtype).eps
        if x.dtype.kind in "iu":
            return x // 2 + x.dtype.type(x.itemsize)
        return x

    u = vectorize(["float32(float32)", "float64(float64)", "int16(int16)", "uint8(uint8)", "bool(bool)"])(kernel)
    for dtype in ["float32", "float64", "int16", "uint8", "bool"]:
        x = (np.arange(-5, 6) if dtype not in ("uint8", "bool") else np.arange(11)).astype(dtype)
        expected = np.array([kernel(v) for v in x], dtype=dtype)
        got = u(x)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        # strided and reversed views
        np.testing.assert_array_equal(u(x[::-2]), expected[::-2])


def _fill_window(a, out):
    """numbagg-style: the empty value depends on the output's kind; the
    float-only branch (np.finfo of an integer dtype does not type) is pruned
    for integers."""
    if out.dtype.kind == "f":
        fill = np.nan
        tiny = np.finfo(out.dtype).tiny
    else:
        fill = np.iinfo(out.dtype).min
        tiny = 0
    out[:] = fill
    for i in range(1, a.shape[0]):
        if a[i] > a[i - 1] + tiny:
            out[i] = a[i] - a[i - 1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint16"])
def test_gufunc_branch_on_output_kind(dtype):
    g = guvectorize([f"void({dtype}[:], {dtype}[:])"], "(n)->(n)")(_fill_window)
    rng = np.random.default_rng(5)
    a = rng.integers(0, 50, size=(4, 9)).astype(dtype)
    expected = np.empty_like(a)
    for row, out in zip(a, expected):
        _fill_window(row, out)
    np.testing.assert_array_equal(g(a), expected)
    np.testing.assert_array_equal(g(a[:, ::-1]), g(np.ascontiguousarray(a[:, ::-1])))


MODE = "fast"
SCALE = {"fast": 2.0, "slow": 0.5}["slow"]


def _global_string_kernel(x):
    if MODE == "fast" and MODE != "exact":
        return x * 2.0
    elif MODE < "slow":
        return x
    return -x


def test_global_string_decides_the_branch():
    u = vectorize(["float64(float64)"])(_global_string_kernel)
    x = np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(u(x), [_global_string_kernel(v) for v in x])
    assert SCALE == 0.5


def _contains_kernel(x, k):
    r = 0.0
    if k in (1, 3, 5):
        r += 1.0
    if k not in (2,):
        r += 10.0
    if x in (0.5, -0.0, np.inf):
        r += 100.0
    if "b" in "abc" and "z" not in "abc":
        r += 1000.0
    return r


def test_in_with_tuples_of_numbers():
    u = vectorize(["float64(float64, int64)", "float64(float32, int8)"])(_contains_kernel)
    x = np.array([0.5, 0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 3.0])
    k = np.array([1, 2, 3, 4, 5, 0, -1, 3])
    for xt, kt in [(np.float64, np.int64), (np.float32, np.int8)]:
        xs, ks = x.astype(xt), k.astype(kt)
        expected = [_contains_kernel(a, b) for a, b in zip(xs, ks)]
        np.testing.assert_array_equal(u(xs, ks), expected)
        # broadcasting a scalar k
        np.testing.assert_array_equal(u(xs, kt(3)), [_contains_kernel(a, kt(3)) for a in xs])


def test_in_inside_jit_with_empty_tuple_and_dtype_tuple():
    def f(a, k):
        return (k in (), a.dtype in (np.float32, np.float64), a.dtype.kind in ("i", "u"))

    for a in (np.zeros(2), np.zeros(2, np.int8), np.zeros(2, np.float32)):
        assert njit(f)(a, 3) == f(a, 3)


def _errors_module():
    src = '''
def str_add(x):
    s = "a" + "b"
    return x

def str_merge(x):
    mode = "a"
    if x > 0:
        mode = "b"
    return x if mode == "a" else -x

def finfo_of_int(x):
    return x + np.finfo(np.int32).eps

def iinfo_of_float(x):
    return x + np.iinfo(x).max

def unknown_dtype_attr(x):
    return x + x.dtype.fields

def in_array(a, x):
    return x in a

def is_between_strings(x):
    return x if "a" is "a" else -x
'''
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return {n: _as_file_function(src, n) for n in
                ["str_add", "str_merge", "finfo_of_int", "iinfo_of_float", "unknown_dtype_attr", "in_array",
                 "is_between_strings"]}


@pytest.mark.parametrize("name, exc, pattern", [
    ("str_add", UnsupportedError, r"'\+' of a string: kernels support strings only as constants"),
    ("str_merge", TypingError, r"variable 'mode' is str\(\"b\"\) on one path and str\(\"a\"\) on another"),
    ("finfo_of_int", TypingError, r"data type int32 not inexact"),
    ("iinfo_of_float", TypingError, r"Invalid integer data type 'f'"),
    ("unknown_dtype_attr", UnsupportedError, r"attribute '\.fields' is not supported in kernels"),
    ("in_array", UnsupportedError, r"'in' is supported with a tuple on the right"),
    ("is_between_strings", UnsupportedError, r"'is' between values known when compiling is not supported"),
])
def test_errors_name_the_problem_and_the_line(name, exc, pattern):
    f = _errors_module()[name]
    with pytest.raises(exc, match=pattern) as info:
        if name == "in_array":
            njit(f)(np.zeros(3), 1.0)
        else:
            vectorize(["float64(float64)"])(f)(np.ones(2))
    assert f.__code__.co_filename in str(info.value)


def test_numpy_function_message_does_not_contradict_itself():
    def f(a):
        return np.linalg.svd(a)

    with pytest.raises(UnsupportedError) as info:
        njit(f)(np.eye(2))
    message = str(info.value)
    assert "'np.linalg.svd' is a NumPy function that jitufunc does not support" in message
    assert "they can call" not in message


def _nan_on_both_paths(x):
    if x > 0:
        y = math.nan
    else:
        y = np.nan
    z = -0.0 if x > 1 else 0.0
    return y + x, math.copysign(1.0, z)


def test_nan_and_signed_zero_constants_meeting_at_a_merge():
    """A NaN constant reaching a merge from both sides is one constant
    (type inference used to compare it with ``==`` and never converged);
    -0.0 and 0.0 are not."""
    f = njit(_nan_on_both_paths)
    for x in (-1.0, 0.5, 2.0):
        got, expected = f(x), _nan_on_both_paths(x)
        assert math.isnan(got[0]) and math.isnan(expected[0])
        assert got[1] == expected[1]


def test_math_of_finfo_constant_keeps_numpy_type():
    def f(x):
        return x + np.finfo(np.float16).max, math.isinf(np.finfo(np.float64).max * 2.0)

    with np.errstate(over="ignore"):
        got, expected = njit(f)(np.float16(1)), f(np.float16(1))
    _same(got[0], expected[0])
    assert got[1] == expected[1]
    assert jitufunc is not None


def test_np_dtype_and_python_types_as_dtypes():
    def f(a):
        return (np.dtype(float).itemsize, np.dtype("f4") == a.dtype, np.dtype(a.dtype).kind == "f",
                np.finfo(float).eps, np.iinfo(int).bits, np.dtype(np.int16).num)

    for a in (np.zeros(2, np.float32), np.zeros(2, np.int64)):
        assert njit(f)(a) == f(a)


@pytest.mark.parametrize("expr, pattern", [
    ("math.comb(x, 2)", r"'math\.comb' is a math function that jitufunc does not support"),
    ("cmath.polar(x)", r"'cmath\.polar' is a cmath function that jitufunc does not support"),
    ("np.add.reduce(x)", r"'np\.add\.reduce' is a ufunc method that kernels cannot call"),
])
def test_unsupported_library_functions_say_what_they_are(expr, pattern):
    f = _as_file_function(f"import cmath\ndef f(x):\n    return {expr}\n", "f")
    with pytest.raises(UnsupportedError, match=pattern) as info:
        njit(f)(np.arange(3.0))
    assert "they can call math/cmath/NumPy functions" not in str(info.value)
