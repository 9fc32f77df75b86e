"""Bad ``@guvectorize`` kernels, signatures, layouts, options and calls.

Each must raise the right exception class with a message that names the
problem; errors found in a kernel body must also point at the file, the
line and the source text of the offending construct. Errors at call time
come from NumPy (or from jitufunc's core-dimension check for ``n|1``).
"""

import textwrap

import numpy as np
import pytest

from jitufunc import guvectorize
from jitufunc.errors import (
    JitufuncError,
    LayoutError,
    OptionError,
    SignatureError,
    TypingError,
    UnknownNameError,
    UnsupportedError,
)
from conftest import assert_clear_error, make_function
from .helpers import MATMUL


def case(id, source, signatures, layout, exc, pattern, line=None, options=None):
    """One row: kernel ``source``, ``signatures``, ``layout``, the exception
    class, a regex the message must match, and for errors in the kernel
    body the 1-based line of the offending construct."""
    return pytest.param(textwrap.dedent(source).lstrip("\n"), signatures, layout, exc, pattern, line,
                        options or {}, id=id)


ROWSUM = """
    def f(x, out):
        s = 0.0
        for v in x:
            s += v
        out[0] = s
"""
RETURN_SUM = """
    def f(x):
        s = 0.0
        for v in x:
            s += v
        return s
"""
F8_2 = ["void(float64[:], float64[:])"]
F8_3 = ["void(float64[:], float64[:], float64[:])"]

CASES = [
    # ---- malformed layouts ----------------------------------------------------------
    case("layout-without-outputs-but-outputs-in-the-signature", ROWSUM, F8_2, "(n)", SignatureError,
         r'has 2 argument types, but the layout "\(n\)" has 1 input and 0 outputs'),
    case("layout-text-after-inputs", ROWSUM, F8_2, "(n) x", LayoutError, r"'->'"),
    case("layout-unclosed-parenthesis", ROWSUM, F8_2, "(n->()", LayoutError, r"\(n->\(\).*'\)'"),
    case("layout-empty", ROWSUM, F8_2, "", LayoutError, r"empty"),
    case("layout-bad-dimension-name", ROWSUM, F8_2, "(1n)->()", LayoutError, r'"1n" is neither a name nor a size'),
    case("layout-negative-size", ROWSUM, F8_2, "(-3)->()", LayoutError, r"found '-'"),
    case("layout-zero-size", ROWSUM, F8_2, "(0)->()", LayoutError, r"positive size, not 0"),
    case("layout-no-outputs", ROWSUM, F8_2, "(n)->", LayoutError, r"layout ends"),
    case("layout-broadcast-output", ROWSUM, F8_2, "(n)->(n|1)", LayoutError, r"outputs cannot have broadcast"),
    case("layout-broadcast-fixed-size", ROWSUM, F8_2, "(3|1)->()", LayoutError, r"fixed dimension \(3\)"),
    # ---- bad signatures ---------------------------------------------------------------
    case("signature-typo", ROWSUM, ["void(flaot64[:], float64[:])"], "(n)->()", SignatureError,
         r"flaot64.*did you mean 'float64'"),
    case("signature-unclosed", ROWSUM, ["void(float64[:], float64[:]"], "(n)->()", SignatureError,
         r"void\(float64\[:\], float64\[:\].*ends"),
    case("signature-fewer-operands-than-layout", ROWSUM, F8_2, "(n),(n)->()", SignatureError,
         r"2 argument types.*2 inputs and 1 output \(3 operands in all\); list the outputs too"),
    case("signature-more-operands-than-layout", ROWSUM, F8_3, "(n)->()", SignatureError,
         r"3 argument types.*1 input and 1 output \(2 operands in all\)"),
    case("signature-wrong-ndim", ROWSUM, ["void(float64[:,:], float64[:])"], "(n)->()", SignatureError,
         r"float64\[:, :\] has 2 dimensions.*input 0 \('x'\) has 1 core dimension \(n\)"),
    case("signature-scalar-for-core-operand", ROWSUM, ["void(float64, float64[:])"], "(n)->()", SignatureError,
         r"scalar float64.*input 0 \('x'\) has core dimensions \(n\).*float64\[:\]"),
    case("signature-return-form-output-count", RETURN_SUM, ["float64(float64[:])"], "(n)->(),()", SignatureError,
         r"returns 1 value.*2 outputs"),
    case("signature-return-form-input-count", RETURN_SUM, ["float64(float64[:], float64[:])"], "(n)->()",
         SignatureError, r"1 input.*lists 2"),
    case("signature-duplicate-input-types", ROWSUM, F8_2 * 2, "(n)->()", SignatureError, r"same input types"),
    # ---- kernel and layout do not fit ---------------------------------------------------------
    case("kernel-parameter-count", """
        def f(x, y, z, out):
            out[0] = x[0]
    """, F8_2, "(n)->()", LayoutError, r"'f' takes 4 parameters.*1 input and 1 output"),
    case("inputs-only-kernel-returns-nothing", """
        def f(x):
            y = x[0]
    """, F8_2, "(n)->()", LayoutError, r"takes only the 1 input.*must return"),
    case("inputs-only-kernel-with-array-output", """
        def f(x):
            return x[0]
    """, F8_2, "(n)->(n)", LayoutError, r"output 0 has core dimensions.*array output must be a parameter"),
    case("return-without-scalar-output", """
        def f(x, out):
            out[0] = x[0]
            return x[0]
    """, F8_2, "(n)->(n)", LayoutError, r"returns a value, but no output.*is a scalar"),
    case("scalar-output-never-returned", ROWSUM, ["void(float64[:], float64)"], "(n)->()", LayoutError,
         r"output 'out' is declared as the scalar float64.*nothing to write it into"),
    case("scalar-output-used-in-kernel", """
        def f(x, out):
            y = out + 1.0
            return x[0]
    """, ["void(float64[:], float64)"], "(n)->()", TypingError,
         r"output 'out'.*cannot be used inside the kernel", 2),
    # ---- kernel bodies ---------------------------------------------------------------
    case("write-to-input", """
        def f(x, out):
            x[0] = 1.0
            out[0] = x[0]
    """, F8_2, "(n)->()", TypingError, r"cannot write to 'x'.*writable_args", 2),
    case("np-linalg-svd", """
        def f(x, out):
            out[0] = np.linalg.svd(x)[0]
    """, F8_2, "(n)->()", UnsupportedError, r"'np\.linalg\.svd' is a NumPy function that jitufunc does not support", 2),
    case("array-method", """
        def f(x, out):
            out[0] = x.tolist()
    """, F8_2, "(n)->()", UnsupportedError, r"\.tolist\(\)", 2),
    case("too-many-indices", """
        def f(x, out):
            out[0] = x[0, 1]
    """, F8_2, "(n)->()", TypingError, r"too many indices.*1-dimensional.*2", 2),
    case("float-index", """
        def f(x, out):
            out[0] = x[1.5]
    """, F8_2, "(n)->()", TypingError, r"indices must be integers", 2),
    case("shape-index-out-of-range", """
        def f(x, out):
            out[0] = x.shape[1]
    """, F8_2, "(n)->()", TypingError, r"index 1 out of range", 2),
    case("unpack-shape-of-1d", """
        def f(x, out):
            m, n = x.shape
            out[0] = m
    """, F8_2, "(n)->()", TypingError, r"not enough values to unpack \(expected 2, got 1\)", 2),
    case("store-complex-into-float-array", """
        def f(x, out):
            out[0] = x[0] * 1j
    """, F8_2, "(n)->()", TypingError, r"complex value into a float64 array", 2),
    case("store-array-into-element", """
        def f(x, out):
            out[0] = x
    """, F8_2, "(n)->()", TypingError, r"cannot store a value of type float64\[:\]", 2),
    case("return-array-from-scalar-output", """
        def f(x):
            return x
    """, ["float64(float64[:])"], "(n)->()", TypingError, r"returns float64\[:\].*return type is float64", 2),
    case("return-float-into-int-output", """
        def f(x):
            return x[0] / 2
    """, ["int64(int64[:])"], "(n)->()", TypingError, r"returns float64.*int64", 2),
    case("scalar-input-used-as-array", """
        def f(x, c, out):
            out[0] = x[0] + c
    """, F8_3, "(n),()->()", TypingError, r"cannot store a value of type float64\[::1\] \(owned\) into an element", 2),
    case("unknown-name", """
        def f(x, out):
            out[0] = x[0] + undefined_name
    """, F8_2, "(n)->()", UnknownNameError, r"name 'undefined_name' is not defined", 2),
    # ---- options -----------------------------------------------------------------
    case("writable-args-unknown-name", ROWSUM, F8_2, "(n)->()", OptionError,
         r"writable_args names 'y'.*not a parameter of f\(\).*x, out", options={"writable_args": ("y",)}),
    case("writable-args-output-index", ROWSUM, F8_2, "(n)->()", OptionError,
         r"argument 1.*only inputs", options={"writable_args": (1,)}),
    case("writable-args-negative-index", ROWSUM, F8_2, "(n)->()", OptionError,
         r"-1 is negative", options={"writable_args": (-1,)}),
    case("writable-args-bad-entry", ROWSUM, F8_2, "(n)->()", OptionError,
         r"indices or names.*1\.5", options={"writable_args": (1.5,)}),
    case("target-cuda", ROWSUM, F8_2, "(n)->()", OptionError, r"cuda", options={"target": "cuda"}),
    case("cache-not-bool", ROWSUM, F8_2, "(n)->()", OptionError, r"cache", options={"cache": "yes"}),
    case("nopython-false", ROWSUM, F8_2, "(n)->()", OptionError, r"object mode", options={"nopython": False}),
    case("unknown-option", ROWSUM, F8_2, "(n)->()", OptionError, r"bogus_option", options={"bogus_option": 1}),
    case("layout-missing", ROWSUM, F8_2, None, OptionError, r"needs a layout string"),
]


@pytest.mark.parametrize("source, signatures, layout, exc, pattern, line, options", CASES)
def test_bad_kernel_signature_layout_or_option_raises_a_clear_error(source, signatures, layout, exc, pattern,
                                                                   line, options):
    f = make_function(source)
    with pytest.raises(Exception) as info:
        guvectorize(signatures, layout, **options)(f)
    assert_clear_error(info.value, exc, pattern, f, source, line)


def test_table_is_large_enough():
    assert len(CASES) >= 15


def test_bare_decorator_needs_a_layout():
    with pytest.raises(OptionError, match=r"guvectorize needs a layout"):
        guvectorize(make_function(ROWSUM))


def test_error_classes_derive_from_the_fitting_builtin_exceptions():
    f = make_function(ROWSUM)
    with pytest.raises(ValueError):
        guvectorize(F8_2, "(n")(f)
    with pytest.raises(TypeError):
        guvectorize(["void(flaot64[:], float64[:])"], "(n)->()")(f)
    with pytest.raises(TypeError):
        guvectorize(["void(float64, float64[:])"], "(n)->()")(f)
    with pytest.raises(ValueError):
        guvectorize(F8_2, "(n)->()", writable_args=("nope",))(f)
    assert issubclass(LayoutError, ValueError) and issubclass(LayoutError, JitufuncError)
    assert issubclass(SignatureError, TypeError)


# --- errors at call time (NumPy's checks, and jitufunc's n|1 check) ---------------------------------

CROSS = """
def cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]
"""
DOT = """
def dot(a, b, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s
"""
MM_SIG = ["void(float64[:,:], float64[:,:], float64[:,:])"]


def read_only(a):
    a.flags.writeable = False
    return a


def call_case(id, source, signatures, layout, args, kwargs, exc, pattern):
    return pytest.param(source, signatures, layout, args, kwargs, exc, pattern, id=id)


CALL_CASES = [
    call_case("core-dimension-mismatch", MATMUL, MM_SIG, "(m,n),(n,p)->(m,p)",
              (np.ones((3, 4)), np.ones((5, 2))), {}, ValueError,
              r"matmul: Input operand 1 has a mismatch in its core dimension 0.*size 5 is different from 4"),
    call_case("too-few-dimensions", MATMUL, MM_SIG, "(m,n),(n,p)->(m,p)", (np.ones(4), np.ones((4, 2))), {},
              ValueError, r"does not have enough dimensions"),
    call_case("fixed-dimension-wrong-size", CROSS, F8_3, "(3),(3)->(3)", (np.ones(4), np.ones(4)), {},
              ValueError, r"size 4 is different from 3"),
    call_case("out-wrong-shape", MATMUL, MM_SIG, "(m,n),(n,p)->(m,p)",
              (np.ones((3, 4)), np.ones((4, 2))), {"out": np.empty((3, 3))}, ValueError, r"Output operand 0.*mismatch"),
    call_case("unsupported-dtype", MATMUL, MM_SIG, "(m,n),(n,p)->(m,p)",
              (np.ones((2, 2), complex), np.ones((2, 2))), {}, TypeError, r"not supported for the input types"),
    call_case("unsafe-output-cast", DOT, F8_3, "(n),(n)->()", (np.ones(3), np.ones(3)),
              {"out": np.empty((), np.int64)}, TypeError, r"cannot cast|Cannot cast"),
    call_case("broadcast-dimension-mismatch", DOT, F8_3, "(n|1),(n|1)->()", (np.ones(3), np.ones(4)), {},
              ValueError, r"dot: input operand \d has size \d in core dimension n but input operand \d has size \d \(it may be 1 or \d"),
    call_case("wrong-operand-count", DOT, F8_3, "(n),(n)->()", (np.ones(3),), {}, TypeError,
              r"dot\(\) takes from 2 to 3 positional arguments but 1 (was|were) given"),
    call_case("where-not-allowed", DOT, F8_3, "(n),(n)->()", (np.ones(3), np.ones(3)), {"where": True},
              TypeError, r"where"),
    call_case("read-only-out", DOT, F8_3, "(n),(n)->()", (np.ones(3), np.ones(3)),
              {"out": read_only(np.zeros(()))}, ValueError, r"read-only"),
]


@pytest.mark.parametrize("source, signatures, layout, args, kwargs, exc, pattern", CALL_CASES)
def test_bad_calls_raise_numpy_errors(source, signatures, layout, args, kwargs, exc, pattern):
    gu = guvectorize(signatures, layout)(make_function(source))
    with pytest.raises(exc, match=pattern):
        gu(*args, **kwargs)


def test_reduce_is_not_defined_for_gufuncs():
    gu = guvectorize(F8_2, "(n)->()")(make_function(ROWSUM))
    with pytest.raises(RuntimeError, match=r"Reduction not defined on ufunc with signature"):
        gu.reduce(np.ones((2, 3)))


def test_errors_leave_the_compiler_usable():
    for param in CASES:
        source, signatures, layout, _, _, _, options = param.values
        try:
            guvectorize(signatures, layout, **options)(make_function(source))
        except Exception:
            pass
    gu = guvectorize(MM_SIG, "(m,n),(n,p)->(m,p)")(make_function(MATMUL))
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(gu(a, a.T), a @ a.T)
