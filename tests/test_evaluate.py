"""``jitufunc.evaluate``: numexpr's API with NumPy's results.

A table of expressions x dtypes x array/scalar operands is compared with
the same expression written in NumPy; also reductions, ``out=``, names
from dicts and from the caller's frame, ``re_evaluate``/``validate``, and
the expressions refused before anything runs.
"""

import numpy as np
import pytest

import jitufunc as ju
from jitufunc.errors import TypingError, UnsupportedError

GLOBAL_ARRAY = np.arange(5.0)

DTYPES = [np.int32, np.int64, np.float32, np.float64, np.complex128]

EXPRESSIONS = [
    ("a + b", lambda a, b: a + b),
    ("a * b - 2 * a", lambda a, b: a * b - 2 * a),
    ("a * b - 4.1 * a > 2.5 * b", lambda a, b: a * b - 4.1 * a > 2.5 * b),
    ("(a + 1) * (b - 1)", lambda a, b: (a + 1) * (b - 1)),
    ("a ** 2 + b ** 2", lambda a, b: a ** 2 + b ** 2),
    ("a / (b + 10)", lambda a, b: a / (b + 10)),
    ("-a + abs(b)", lambda a, b: -a + np.abs(b)),
    ("where(a > b, a, b)", lambda a, b: np.where(a > b, a, b)),
    ("(a > 1) & (b < 5) | ~(a == b)", lambda a, b: (a > 1) & (b < 5) | ~(a == b)),
]

FUNCTIONS = [
    ("sin(a) ** 2 + cos(b) ** 2 * exp(-a * a)", lambda a, b: np.sin(a) ** 2 + np.cos(b) ** 2 * np.exp(-a * a)),
    ("sqrt(abs(a)) + log1p(abs(b))", lambda a, b: np.sqrt(np.abs(a)) + np.log1p(np.abs(b))),
    ("arctan2(a, b + 1)", lambda a, b: np.arctan2(a, b + 1)),
    ("tanh(a) * cosh(b / 10)", lambda a, b: np.tanh(a) * np.cosh(b / 10)),
    ("hypot(a, b)", lambda a, b: np.hypot(a, b)),
    ("maximum(a, b) - minimum(a, b)", lambda a, b: np.maximum(a, b) - np.minimum(a, b)),
]


def operands(dtype, rng):
    a = (rng.standard_normal(37) * 4).astype(dtype)
    b = (rng.standard_normal(37) * 4).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(37)
    return a, b


def same(got, want, rtol=0.0):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype, got.shape, want.shape)
    if rtol:
        np.testing.assert_allclose(got, want, rtol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


# Complex numbers are not ordered in numexpr (NumPy orders them): the
# ordering expressions run on the real dtypes only.
CASES = [
    pytest.param(ex, f, dtype, id=f"{ex}-{np.dtype(dtype).name}")
    for ex, f in EXPRESSIONS
    for dtype in DTYPES
    if not (np.dtype(dtype).kind == "c" and any(c in ex for c in "<>&"))
]


@pytest.mark.parametrize("ex, numpy_version, dtype", CASES)
def test_expressions_give_numpys_results(ex, numpy_version, dtype, rng):
    a, b = operands(dtype, rng)
    with np.errstate(all="ignore"):
        want = numpy_version(a, b)
    got = ju.evaluate(ex)
    rtol = 1e-12 if np.dtype(dtype).kind in "fc" and np.dtype(dtype).itemsize >= 8 else 1e-5
    same(got, want, rtol if np.asarray(want).dtype.kind in "fc" else 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("ex, numpy_version", FUNCTIONS, ids=[e for e, _ in FUNCTIONS])
def test_functions_give_numpys_results(ex, numpy_version, dtype, rng):
    a, b = operands(dtype, rng)
    with np.errstate(all="ignore"):
        want = numpy_version(a, b)
    same(ju.evaluate(ex), want, 1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("shape_a, shape_b", [((4, 5), (5,)), ((3, 1), (1, 6)), ((), (7,)), ((0,), (0,))])
def test_broadcasting_strides_and_zero_d(shape_a, shape_b, rng):
    a = rng.standard_normal(shape_a)
    b = rng.standard_normal(shape_b)
    same(ju.evaluate("a * b + 1"), a * b + 1)
    if a.ndim:
        r = a[..., ::-1]
        same(ju.evaluate("r * 2 - b"), r * 2 - b)


def test_scalars_and_python_numbers(rng):
    a = rng.standard_normal(10).astype(np.float32)
    k = 3
    same(ju.evaluate("a * 2.5 + 1"), a * 2.5 + 1)       # literals keep float32 (NEP 50)
    assert ju.evaluate("a * k").shape == (10,)
    np.testing.assert_allclose(ju.evaluate("a * k"), a * k, rtol=1e-6)


def test_reductions(rng):
    a = rng.standard_normal(1000)
    b = rng.standard_normal(1000)
    np.testing.assert_allclose(ju.evaluate("sum(a * b)"), np.sum(a * b), rtol=1e-12)
    assert ju.evaluate("max(abs(a - b))") == np.max(np.abs(a - b))
    assert ju.evaluate("min(a)") == np.min(a)
    np.testing.assert_allclose(ju.evaluate("prod(1 + a / 1000)"), np.prod(1 + a / 1000), rtol=1e-12)


def test_out_is_written_in_place(rng):
    a = rng.standard_normal(20)
    out = np.empty(20)
    r = ju.evaluate("a * 2 + 1", out=out)
    assert r is out
    same(out, a * 2 + 1)
    with pytest.raises(TypeError):
        ju.evaluate("a * 2.5", out=np.empty(20, np.int64))     # casting='safe'


@pytest.mark.parametrize("ex", ["a * b - 4.1 * a", "sin(a) ** 2 + b", "where(a > 0, a, b * 2)", "a > b",
                                "sum(a * b)"])
@pytest.mark.parametrize("out_dtype, casting", [(np.float64, "safe"), (np.float32, "same_kind"),
                                                (np.int32, "unsafe"), (np.float32, "safe"), (np.bool_, "safe")],
                         ids=str)
def test_out_and_casting_as_numpy(ex, out_dtype, casting, rng):
    a, b = rng.uniform(-2, 2, (2, 50))
    want_out, got_out = np.zeros(50, out_dtype), np.zeros(50, out_dtype)
    env = {"a": a, "b": b}
    with np.errstate(all="ignore"):
        want = eval(ex.replace("where", "np.where").replace("sin", "np.sin").replace("sum", "np.sum"),
                    {"np": np}, env)
    try:
        np.copyto(want_out, want, casting=casting)
    except TypeError:
        with pytest.raises(TypeError, match="according to the rule"):
            ju.evaluate(ex, local_dict=env, out=got_out, casting=casting)
        return
    r = ju.evaluate(ex, local_dict=env, out=got_out, casting=casting)
    assert r is got_out
    np.testing.assert_allclose(got_out, want_out, rtol=1e-6 if out_dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("ex, out_view", [("a * 2 + 1", "a"), ("a[::-1] * 2", "a"), ("b + 1", "a[1:]")],
                         ids=str)
def test_out_overlapping_an_operand(ex, out_view):
    # NumPy evaluates the whole expression before writing out.
    a = np.arange(10.0)
    env = {"a": a.copy()}
    env["b"] = env["a"][:-1]
    want_a = a.copy()
    want_b = want_a[:-1]
    want = eval(ex, {}, {"a": want_a, "b": want_b})
    eval(out_view, {}, {"a": want_a})[...] = want
    out = eval(out_view, {}, env)
    if ex == "a[::-1] * 2":
        pytest.raises(ValueError, ju.evaluate, ex, local_dict=env, out=out)  # subscripts are refused
        return
    ju.evaluate(ex, local_dict=env, out=out)
    np.testing.assert_array_equal(env["a"], want_a)


def test_out_broadcasts_the_result_and_refuses_a_smaller_out(rng):
    a = rng.uniform(size=4)
    out = np.zeros((3, 4))
    ju.evaluate("a * 2", out=out)
    np.testing.assert_array_equal(out, np.broadcast_to(a * 2, (3, 4)))
    with pytest.raises(ValueError):
        ju.evaluate("a * 2", out=np.zeros(3))
    with pytest.raises(ValueError, match="read-only"):
        ro = np.zeros(4)
        ro.flags.writeable = False
        ju.evaluate("a * 2", out=ro)
    with pytest.raises(TypeError, match="NumPy array"):
        ju.evaluate("a * 2", out=[0.0] * 4)


def test_out_allocates_no_array(rng):
    from jitufunc import _core

    a, b, out = rng.uniform(size=(3, 10000))
    ju.evaluate("a * b - 4.1 * a", out=out)
    before = _core.memory_stats()
    for _ in range(50):
        ju.evaluate("a * b - 4.1 * a", out=out)
    assert _core.memory_stats() == before
    np.testing.assert_allclose(out, a * b - 4.1 * a, rtol=1e-15)


@pytest.mark.parametrize("ex", ["complex(a, b)", "complex(a, 1)", "complex(b, a) * 2 + 1j", "real(complex(a, b))",
                                "imag(complex(a, b)) - b", "complex(a, b) == complex(b, a)"])
def test_numexprs_complex_constructor(ex):
    # numexpr's complex(): complex128 from two real parts, inf/nan/-0 kept.
    a = np.array([1.0, np.inf, np.nan, -0.0, 3.5], np.float32)
    b = np.array([2.0, -0.0, 1.0, np.nan, -np.inf])
    env = {"a": a, "b": b}
    ref = ex.replace("complex(", "_c(").replace("real(", "np.real(").replace("imag(", "np.imag(")
    with np.errstate(all="ignore"):
        want = eval(ref, {"np": np, "_c": _complex_parts}, env)
        got = ju.evaluate(ex, local_dict=env)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _complex_parts(x, y):
    """complex128 with real part x and imaginary part y, exactly."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    out = np.empty(x.shape, np.complex128)
    out.real, out.imag = x, y
    return out


def test_names_come_from_dicts_or_the_callers_frame(rng):
    a = rng.standard_normal(5)
    same(ju.evaluate("x + y", local_dict={"x": a, "y": 2.0}), a + 2.0)
    same(ju.evaluate("x - GLOBAL_ARRAY", local_dict={"x": a}), a - GLOBAL_ARRAY)   # from the globals
    same(ju.evaluate("a * 2"), a * 2)                                     # from the caller's frame
    same(ju.evaluate("g * 2", global_dict={"g": a}), a * 2)
    with pytest.raises(KeyError, match="not_defined_anywhere"):
        ju.evaluate("not_defined_anywhere + 1")


def test_re_evaluate_and_validate(rng):
    a = rng.standard_normal(5)
    assert ju.validate("a * 3") is None
    same(ju.re_evaluate(), a * 3)
    a = a + 1
    same(ju.re_evaluate(), a * 3)
    assert isinstance(ju.validate("a.T"), ValueError)
    assert isinstance(ju.validate("nothing_named_so * 2"), KeyError)


@pytest.mark.parametrize("ex, what", [
    ("a.T", "attribute access"),
    ("a[0]", "subscript"),
    ("(lambda: a)()", "lambda"),
    ("foo(a)", "'foo'"),
    ("a and a", "'and'"),
    ("'text' + a", "constant"),
    ("sum(a, axis=0)", "axis="),
    ("__import__('os')", "'__import__'"),
])
def test_refused_expressions_never_run(ex, what, rng):
    a = rng.standard_normal(3)
    with pytest.raises(ValueError, match=what) as info:
        ju.evaluate(ex)
    assert ex.strip() in str(info.value) and "^" in str(info.value)


def test_a_syntax_error_shows_the_expression():
    with pytest.raises(SyntaxError) as info:
        ju.evaluate("a +* 2")
    assert info.value.text is not None and "+*" in info.value.text


def test_unsupported_types_are_clear_errors():
    s = np.array(["x", "y"])
    with pytest.raises(TypeError, match="argument 's'"):
        ju.evaluate("s + 1")


def test_repeated_small_calls_reuse_the_compiled_function(rng):
    a = rng.standard_normal(100)
    b = rng.standard_normal(100)
    first = ju.evaluate("a*b+1")
    for _ in range(100):
        again = ju.evaluate("a*b+1")
    same(again, first)
    import sys

    module = sys.modules["jitufunc.evaluate"]
    assert sum(1 for key in module._compiled if key == "a*b+1") == 1


def test_errors_of_typing_name_the_expression(rng):
    a = rng.standard_normal(3)
    with pytest.raises((TypingError, UnsupportedError)) as info:
        ju.evaluate("a & 1")            # bitwise and of floats
    assert "a & 1" in str(info.value)
