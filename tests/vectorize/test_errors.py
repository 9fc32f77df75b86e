"""Malformed or unsupported kernels, signatures and options.

Each must raise the right ``jitufunc.errors`` class with a message that names
the problem; errors found in a kernel must also point at the file, the line
and the source text of the offending construct. No bad input may crash or
hang the interpreter.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import jitufunc
from jitufunc import vectorize
from jitufunc.errors import (
    OptionError,
    SignatureError,
    SourceError,
    TypingError,
    UnknownNameError,
    UnsupportedError,
)
from conftest import assert_clear_error, make_function


def case(id, source, signatures, exc, pattern, line=None, options=None):
    """One row: kernel ``source``, ``signatures``, the exception class, a
    regex the message must match, and for kernel errors the 1-based line of
    the offending construct (which the message must show, with its text)."""
    return pytest.param(
        textwrap.dedent(source).lstrip("\n"), signatures, exc, pattern, line, options or {}, id=id
    )


F8 = ["float64(float64)"]
F8F8 = ["float64(float64, float64)"]
SIMPLE = """
    def f(x):
        return x + 1.0
"""

CASES = [
    # ---- unsupported syntax -------------------------------------------------
    case("lambda", """
        def f(x):
            g = lambda y: y + 1.0
            return x
    """, F8, UnsupportedError, r"lambda", 2),
    case("empty-list-never-filled", """
        def f(x):
            v = []
            return x + len(v)
    """, F8, TypingError, r"cannot tell the item type of this empty list", 2),
    case("empty-dict-never-filled", """
        def f(x):
            d = {}
            return x + len(d)
    """, F8, TypingError, r"cannot tell the key and value types of this empty dict", 2),
    case("set-literal", """
        def f(x):
            v = {x, 2.0}
            return x
    """, F8, UnsupportedError, r"\bset\b", 2),
    case("list-comprehension-evaluated-lazily", """
        def f(x):
            v = x > 0 and [w for w in (x, x)]
            return x
    """, F8, UnsupportedError, r"comprehensions are supported where they are evaluated once", 2),
    case("generator-expression", """
        def f(x):
            return sum(w for w in (x, x))
    """, F8, UnsupportedError, r"comprehension|generator", 2),
    case("try", """
        def f(x):
            y = 0.0
            try:
                y = 1.0 / x
            except ZeroDivisionError:
                y = 0.0
            return y
    """, F8, UnsupportedError, r"\btry\b", 3),
    case("with", """
        def f(x):
            with open("data") as fh:
                pass
            return x
    """, F8, UnsupportedError, r"\bwith\b", 2),
    case("yield", """
        def f(x):
            yield x
    """, F8, UnsupportedError, r"yield|generator", 2),
    case("import", """
        def f(x):
            import math
            return math.sqrt(x)
    """, F8, UnsupportedError, r"\bimport\b", 2),
    case("from-import", """
        def f(x):
            from math import sqrt
            return sqrt(x)
    """, F8, UnsupportedError, r"\bimport\b", 2),
    case("nested-def", """
        def f(x):
            def g(y):
                return y + 1.0
            return g(x)
    """, F8, UnsupportedError, r"nested function|\bdef\b", 2),
    case("nested-class", """
        def f(x):
            class C:
                pass
            return x
    """, F8, UnsupportedError, r"\bclass\b", 2),
    case("global", """
        def f(x):
            global counter
            return x
    """, F8, UnsupportedError, r"\bglobal\b", 2),
    case("del", """
        def f(x):
            y = x
            del y
            return x
    """, F8, UnsupportedError, r"\bdel\b", 3),
    case("f-string", """
        def f(x):
            s = f"{x}"
            return x
    """, F8, UnsupportedError, r"f-string|formatted string", 2),
    case("string-arithmetic", """
        def f(x):
            return x * "abc"
    """, F8, UnsupportedError, r"'\*' of a string", 2),
    case("string-in-conditional", """
        def f(x):
            return x if x > 0 else "negative"
    """, F8, TypingError, r'float64 on one path and str\("negative"\) on another', 2),
    case("bytes-literal", """
        def f(x):
            s = b"abc"
            return x
    """, F8, UnsupportedError, r"bytes", 2),
    case("none", """
        def f(x):
            return None
    """, F8, TypingError, r"returns none here, but its signature's return type is float64", 2),
    case("is-operator", """
        def f(x, y):
            return 1.0 if x is y else 0.0
    """, F8F8, UnsupportedError, r"\bis\b", 2),
    case("is-not-operator", """
        def f(x, y):
            return 1.0 if x is not y else 0.0
    """, F8F8, UnsupportedError, r"\bis\b", 2),
    case("in-operator", """
        def f(x, y):
            return 1.0 if x in "abc" else y
    """, F8F8, UnsupportedError, r"'in' is supported with a tuple on the right", 2),
    case("not-in-operator", """
        def f(x, y):
            return 1.0 if "a" not in x else y
    """, F8F8, UnsupportedError, r"'not in' is supported with a tuple on the right", 2),
    case("matmul", """
        def f(x, y):
            return x @ y
    """, F8F8, TypingError, r"returns none here", 2),
    case("starred-call-argument", """
        def f(x, y):
            return max(*(x, y))
    """, F8F8, UnsupportedError, r"starred|\*", 2),
    case("keyword-call-argument", """
        def f(x, y):
            return round(x, ndigits=2)
    """, F8F8, UnsupportedError, r"keyword", 2),
    case("starred-assignment", """
        def f(x):
            a, *b = (x, x, x)
            return a
    """, F8, UnsupportedError, r"starred|\*", 2),
    case("default-parameter", """
        def f(x, y=2.0):
            return x + y
    """, F8F8, UnsupportedError, r"default", 1),
    case("star-args-parameter", """
        def f(*args):
            return args[0]
    """, F8, UnsupportedError, r"\*args", 1),
    case("kwargs-parameter", """
        def f(x, **kw):
            return x
    """, F8, UnsupportedError, r"\*\*kw|keyword", 1),
    case("keyword-only-parameter", """
        def f(x, *, y):
            return x + y
    """, F8F8, UnsupportedError, r"keyword-only", 1),
    case("walrus", """
        def f(x):
            if (y := x * 2.0) > 1.0:
                return y
            return x
    """, F8, UnsupportedError, r":=|assignment expression", 2),
    case("match", """
        def f(x):
            match x:
                case 1.0:
                    return 0.0
            return x
    """, F8, UnsupportedError, r"\bmatch\b", 2),
    case("async-def", """
        async def f(x):
            return x
    """, F8, UnsupportedError, r"async", 1),
    case("slice", """
        def f(x):
            t = (x, x, x)
            return t[0:2][0]
    """, F8, TypingError, r"tuple index must be an integer, not slice", 3),
    case("attribute-assignment", """
        def f(x):
            x.real = 1.0
            return x
    """, F8, UnsupportedError, r"attribute", 2),
    case("for-over-non-range", """
        def f(x):
            total = 0.0
            for v in x:
                total += v
            return total
    """, F8, TypingError, r"float64 .*cannot be iterated over .*range", 3),
    # ---- names, modules and functions used wrongly ----------------------------
    case("unknown-name", """
        def f(x):
            return x + undefined_name
    """, F8, UnknownNameError, r"undefined_name", 2),
    case("unknown-function", """
        def f(x):
            y = x * 2.0
            return not_a_function(y)
    """, F8, UnknownNameError, r"not_a_function", 3),
    case("unknown-module-attribute", """
        def f(x):
            return math.no_such_function(x)
    """, F8, UnknownNameError, r"no_such_function", 2),
    case("module-as-value", """
        def f(x):
            m = math
            return x
    """, F8, UnsupportedError, r"module|\bmath\b", 2),
    case("numpy-module-as-value", """
        def f(x):
            return np
    """, F8, UnsupportedError, r"module|numpy", 2),
    case("function-as-value", """
        def f(x):
            return x + math.sin
    """, F8, UnsupportedError, r"math\.sin", 2),
    case("builtin-as-value", """
        def f(x):
            g = abs
            return x
    """, F8, UnsupportedError, r"\babs\b", 2),
    case("call-print", """
        def f(x):
            print(x)
            return x
    """, F8, UnsupportedError, r"\bprint\b", 2),
    case("call-list-method", """
        def f(x):
            return LOG.append(x)
    """, F8, UnsupportedError, r"append", 2),
    case("global-list-as-value", """
        def f(x):
            return x + LOG
    """, F8, UnsupportedError, r"LOG.*list|list.*LOG", 2),
    case("call-local-variable", """
        def f(x):
            return x(1.0)
    """, F8, TypingError, r"'x' is not callable", 2),
    case("unsupported-method", """
        def f(x):
            return x.bit_length()
    """, ["int64(int64)"], UnsupportedError, r"bit_length", 2),
    case("unknown-attribute", """
        def f(x):
            return x.foo
    """, F8, UnsupportedError, r"foo", 2),
    case("recursion", """
        def f(x):
            if x <= 1.0:
                return 1.0
            return x * f(x - 1.0)
    """, F8, UnsupportedError, r"'f'|recurs", 4),
    # ---- typing errors ---------------------------------------------------------
    case("complex-from-float64-signature", """
        def f(x):
            y = x + 1.0
            return y * 1j
    """, F8, TypingError, r"complex128.*float64", 3),
    case("float-from-int32-signature", """
        def f(x):
            return x / 2
    """, ["int32(int32)"], TypingError, r"float64.*int32", 2),
    case("bool-minus-bool", """
        def f(x, y):
            return x - y
    """, ["bool(bool, bool)"], TypingError, r"bool.*(-|subtract)|(-|subtract).*bool", 2),
    case("bool-negative", """
        def f(x):
            return -x
    """, ["bool(bool)"], TypingError, r"bool.*(-|negative)|(-|negative).*bool", 2),
    case("shift-of-floats", """
        def f(x, y):
            return x << y
    """, F8F8, TypingError, r"<<", 2),
    case("bitwise-and-of-float", """
        def f(x):
            return x & 1
    """, F8, TypingError, r"&", 2),
    case("invert-float", """
        def f(x):
            return ~x
    """, F8, TypingError, r"~", 2),
    case("floordiv-of-complex", """
        def f(x, y):
            return x // y
    """, ["complex128(complex128, complex128)"], TypingError, r"//.*complex|complex.*//", 2),
    case("mod-of-complex", """
        def f(x):
            return x % 2
    """, ["complex128(complex128)"], TypingError, r"%.*complex|complex.*%", 2),
    case("int-literal-out-of-range-int8", """
        def f(x):
            return x + 300
    """, ["int8(int8)"], TypingError, r"300.*int8", 2),
    case("negative-literal-out-of-range-uint8", """
        def f(x):
            return x + -1
    """, ["uint8(uint8)"], TypingError, r"-1.*uint8", 2),
    case("int-literal-out-of-range-int64", """
        def f(x):
            return x + 10**30
    """, ["int64(int64)"], TypingError, r"(out of (bounds|range)|too large|overflow).*int64|int64.*(out of (bounds|range)|too large|overflow)", 2),
    case("int-literal-2-63-int64", """
        def f(x):
            return x + 9223372036854775808
    """, ["int64(int64)"], TypingError, r"9223372036854775808.*int64|int64.*9223372036854775808", 2),
    case("unpack-scalar", """
        def f(x):
            a, b = x
            return a + b
    """, F8, TypingError, r"unpack.*float64|float64.*unpack", 2),
    case("tuple-index-out-of-range", """
        def f(x):
            t = (x, x)
            return t[2]
    """, F8, TypingError, r"index.*out of range|out of range.*index", 3),
    case("subscript-scalar", """
        def f(x):
            return x[0]
    """, F8, TypingError, r"subscript", 2),
    case("used-before-assignment", """
        def f(x):
            z = y + x
            y = 1.0
            return z
    """, F8, TypingError, r"'y'.*(before|unbound|not assigned)", 2),
    case("maybe-used-before-assignment", """
        def f(x):
            if x > 0:
                y = x
            return y
    """, F8, TypingError, r"'y'.*(before|unbound|not (always )?assigned|undefined)", 4),
    case("missing-return-on-a-path", """
        def f(x):
            if x > 0:
                return x
    """, F8, TypingError, r"return", 1),
    case("tuple-returned-from-scalar-signature", """
        def f(x):
            return (x, x)
    """, F8, TypingError, r"\(float64, float64\)", 2),
    case("branches-of-different-kinds", """
        def f(x):
            return x if x > 0 else (x, x)
    """, F8, TypingError, r"float64.*\(float64, float64\)", 2),
    case("math-wrong-argument-count", """
        def f(x):
            return math.atan2(x)
    """, F8, TypingError, r"atan2.*argument", 2),
    case("math-function-on-complex", """
        def f(x):
            return math.sin(x * 1j)
    """, F8, TypingError, r"sin.*complex|complex.*sin", 2),
    case("range-of-float", """
        def f(x):
            total = 0.0
            for i in range(2.5):
                total += x
            return total
    """, F8, TypingError, r"range", 3),
    case("number-called", """
        def f(x):
            return math.pi(x)
    """, F8, TypingError, r"callable|math\.pi", 2),
    # ---- bad signatures --------------------------------------------------------
    case("unknown-type-did-you-mean", SIMPLE, ["flaot64(float64)"], SignatureError,
         r"flaot64.*did you mean 'float64'"),
    case("unknown-argument-type-did-you-mean", SIMPLE, ["float64(complx128)"], SignatureError,
         r"complx128.*did you mean 'complex128'"),
    case("missing-closing-parenthesis", SIMPLE, ["float64(float64"], SignatureError,
         r"float64\(float64.*\)"),
    case("extra-closing-parenthesis", SIMPLE, ["float64(float64))"], SignatureError,
         r"float64\(float64\)\).*\)"),
    case("missing-argument-list", SIMPLE, ["float64 float64"], SignatureError, r"\("),
    case("arrow-syntax", SIMPLE, ["float64 -> float64"], SignatureError, r"float64 -> float64"),
    case("empty-signature", SIMPLE, [""], SignatureError, r"empty"),
    case("too-many-arguments", SIMPLE, ["float64(float64, float64)"], SignatureError,
         r"2 arguments.*\b1\b"),
    case("too-few-arguments", """
        def f(x, y, z):
            return x + y + z
    """, ["float64(float64, float64)"], SignatureError, r"2 arguments.*\b3\b"),
    case("mixed-argument-counts", """
        def f(x, y):
            return x + y
    """, ["float64(float64, float64)", "float64(float64)"], SignatureError,
         r"float64\(float64\)'.*1 argument"),
    case("duplicate-input-types", SIMPLE, ["float64(float64)", "float32(float64)"], SignatureError,
         r"same input types"),
    case("duplicate-input-types-aliases", """
        def f(x, y):
            return x + y
    """, ["i4(i4, i4)", "int64(int32, int32)"], SignatureError, r"same input types"),
    case("void-return-kernel-returns-nothing", """
        def f(x):
            y = x
    """, ["void(float64)"], SignatureError, r"void"),
    case("void-return-kernel-returns-value", SIMPLE, ["void(float64)"], SignatureError, r"void"),
    case("array-argument", SIMPLE, ["float64(float64[:])"], SignatureError, r"float64\[:\]"),
    case("2d-array-argument", SIMPLE, ["float64(float64[:, :])"], SignatureError, r"float64\[:, ?:\]"),
    case("array-return", SIMPLE, ["float64[:](float64)"], SignatureError, r"float64\[:\]"),
    # ---- bad options -----------------------------------------------------------
    case("identity-foo", SIMPLE, F8, OptionError, r"identity.*foo", options={"identity": "foo"}),
    case("target-cuda", SIMPLE, F8, OptionError, r"cuda", options={"target": "cuda"}),
    case("nopython-false", SIMPLE, F8, OptionError, r"nopython|object mode", options={"nopython": False}),
    case("forceobj-true", SIMPLE, F8, OptionError, r"forceobj|object mode", options={"forceobj": True}),
    case("unknown-option", SIMPLE, F8, OptionError, r"bogus_option", options={"bogus_option": 1}),
    case("fastmath-unknown-flag", SIMPLE, F8, OptionError, r"bogus", options={"fastmath": {"bogus"}}),
    case("cache-not-bool", SIMPLE, F8, OptionError, r"cache", options={"cache": "yes"}),
]

#: Names the kernels above may refer to.
KERNEL_GLOBALS = {"LOG": []}


def _compile(source, signatures, options):
    f = make_function(source, KERNEL_GLOBALS)
    return f, (lambda: vectorize(signatures, **options)(f))


@pytest.mark.parametrize("source, signatures, exc, pattern, line, options", CASES)
def test_bad_kernel_signature_or_option_raises_a_clear_error(source, signatures, exc, pattern, line, options):
    f, build = _compile(source, signatures, options)
    with pytest.raises(Exception) as info:
        build()
    assert_clear_error(info.value, exc, pattern, f, source, line)


def test_table_is_large_enough():
    assert len(CASES) >= 30


def test_errors_derive_from_the_fitting_builtin_exceptions():
    f = make_function('''
        def f(x):
            return x + "abc"
    ''')
    with pytest.raises(NotImplementedError):
        vectorize(F8)(f)
    g = make_function('''
        def g(x):
            return x + nope
    ''')
    with pytest.raises(TypeError):
        vectorize(F8)(g)
    with pytest.raises(TypeError):
        vectorize(["flaot64(float64)"])(g)
    with pytest.raises(ValueError):
        vectorize(F8, target="cuda")(g)


def test_function_without_source_compiles_from_its_bytecode():
    namespace = {}
    # exec() of a plain string: nothing registers the source in linecache;
    # the bytecode frontend rebuilds the function (issue 12, item 8).
    exec("def no_source(x):\n    return x + 1.0\n", namespace)
    u = vectorize(F8)(namespace["no_source"])
    x = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(u(x), [namespace["no_source"](v) for v in x])


def test_unsupported_construct_without_source_names_the_line():
    namespace = {}
    exec(compile("def from_string(x):\n    y = x * 2.0\n    return [y]\n", "<made>", "exec"), namespace)
    from jitufunc.errors import JitufuncError

    with pytest.raises(JitufuncError, match=r"line 3") as info:
        vectorize(F8)(namespace["from_string"])
    assert "<made>" in str(info.value)


@pytest.mark.parametrize("where", ["module", "method", "nested", "nested-in-method"])
@pytest.mark.parametrize("blank_lines", [0, 1, 2])
def test_error_location_in_an_indented_kernel_with_blank_lines_in_its_docstring(where, blank_lines):
    # Issue 12: an indented kernel (a method, a nested function) whose
    # docstring has blank lines was reported one line early per blank line,
    # with the caret under a line of the docstring.
    doc = ['"""Doc line one.', *[""] * blank_lines, "After the blank lines.", '"""']
    body = [*doc, "y = x + 1.0", "return y.nope"]
    depth = {"module": 0, "method": 1, "nested": 1, "nested-in-method": 2}[where]
    pad = "    " * depth
    lines = [f"{pad}def kernel(x):", *[f"{pad}    {b}" if b else "" for b in body]]
    if where == "method":
        lines = ["class Kernels:", "    @staticmethod", *lines]
    elif where == "nested":
        lines = ["def outer():", *lines, "    return kernel"]
    elif where == "nested-in-method":
        lines = ["class Kernels:", "    def outer(self):", *lines, "        return kernel"]
    source = "\n".join(lines) + "\n"
    defined = make_function(source)
    kernel = {"module": lambda: defined, "method": lambda: defined.kernel, "nested": lambda: defined(),
              "nested-in-method": lambda: defined().outer()}[where]()
    assert kernel.__name__ == "kernel"
    line = next(i for i, text in enumerate(lines, 1) if text.strip() == "return y.nope")
    with pytest.raises(UnsupportedError) as info:
        vectorize(F8)(kernel)
    err = info.value
    assert err.lineno == line, f"reported line {err.lineno}, the error is on line {line}:\n{err}"
    shown = str(err).splitlines()
    at = next(i for i, text in enumerate(shown) if text.lstrip().startswith("File "))
    assert f"line {line}," in shown[at], shown[at]
    text, caret = shown[at + 1], shown[at + 2]
    assert text.strip() == "return y.nope", f"source line shown: {text!r}"
    start = caret.index("^")
    assert text[start:start + caret.count("^")] == "y.nope", f"caret under {text[start:start + caret.count('^')]!r}"


@pytest.mark.parametrize(
    "obj, pattern",
    [
        pytest.param(len, r"builtin|len", id="builtin-len"),
        pytest.param(np.add, r"ufunc|add", id="numpy-ufunc"),
        pytest.param(3, r"int|3", id="int"),
        pytest.param(float, r"type|float", id="class"),
        pytest.param(np.ones(3).sum, r"builtin|method|sum", id="bound-builtin-method"),
    ],
)
def test_non_function_passed_to_the_decorator(obj, pattern):
    with pytest.raises(TypeError, match=pattern) as info:
        vectorize(F8)(obj)
    assert isinstance(info.value, jitufunc.errors.JitufuncError), type(info.value)


def test_type_object_signature_with_array_argument():
    f = make_function(SIMPLE)
    with pytest.raises(SignatureError, match=r"float64\[:\]"):
        vectorize([jitufunc.float64(jitufunc.float64[:])])(f)


def test_errors_leave_the_compiler_usable():
    # Every bad input in the table (whether each raises is checked above),
    # then a good kernel in the same process.
    for param in CASES:
        source, signatures, _, _, _, options = param.values
        _, build = _compile(source, signatures, options)
        try:
            build()
        except Exception:
            pass
    good = make_function('''
        def good(x, y):
            return x * y - 1.0
    ''')
    u = vectorize(F8F8)(good)
    a = np.array([0.0, -1.5, 2.0, 3.25])
    np.testing.assert_array_equal(u(a, a), a * a - 1.0)


_CRASH_SCRIPT = r"""
import sys
sys.path[:0] = [{tests_dir!r}, {root_tests_dir!r}]
from test_errors import CASES, _compile
from jitufunc.errors import JitufuncError
import numpy as np
from jitufunc import vectorize
from conftest import make_function
for param in CASES:
    source, signatures, exc, _, _, options = param.values
    _, build = _compile(source, signatures, options)
    try:
        build()
    except Exception as e:
        pass
    else:
        print("no error for", param.id)
g = make_function("def g(x):\n    return x + 1.0\n")
print("OK", vectorize(["float64(float64)"])(g)(np.arange(3.0)).tolist())
"""


def test_bad_inputs_neither_crash_nor_hang_a_fresh_interpreter():
    tests_dir = str(Path(__file__).resolve().parent)
    root_tests_dir = str(Path(tests_dir).parent)
    script = _CRASH_SCRIPT.format(tests_dir=tests_dir, root_tests_dir=root_tests_dir)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, timeout=180, cwd=str(Path(root_tests_dir).parent),
    )
    assert proc.returncode == 0, f"interpreter exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert "OK [1.0, 2.0, 3.0]" in proc.stdout, proc.stdout + proc.stderr[-3000:]


@pytest.mark.parametrize("sig, message", [
    ("UniTuple(float64, 100000000)(float64)", "at most 64"),
    ("UniTuple(" * 22 + "float64" + ", 2)" * 22 + "(float64)", "nest more than 16"),
    ("(" * 100_000 + "f8" + ")" * 100_000 + "(f8)", "nest more than 16"),
])
def test_huge_or_deep_signature_types_fail_at_once_with_a_short_message(sig, message):
    # UniTuple(f8, 10**8) took 39 s and a 1.8e9-character message; 22
    # nested UniTuples 2.7 s (their size doubles per level).
    import time

    start = time.perf_counter()
    with pytest.raises(SignatureError, match=message) as info:
        vectorize([sig])(make_function("def k(x):\n    return x\n"))
    assert time.perf_counter() - start < 2.0
    assert len(str(info.value)) < 600
