"""Constructs outside the @jit subset, and ill-typed functions, are compile
errors at the first call: the right ``jitufunc.errors`` class, a message
naming the construct, the file, ``line N`` and the offending source line.

Every row of ``CASES`` is a function that must fail to compile. For each
one the test also runs the plain Python function (it runs, or raises a
different exception), so every row documents a real difference between
Python and the subset, and checks that a failed compile leaves nothing
behind: no signatures, and the same error again on the next call.

Arguments jitufunc cannot type are a ``TypeError`` at the call naming the
parameter (no compile), tested separately at the end, followed by the
constructs that compile when they should not (``BUG``) as strict xfails.
"""

import numpy as np
import pytest

from conftest import assert_clear_error, make_function
from jitufunc import njit
from jitufunc.dispatcher import Dispatcher
from jitufunc.errors import CompileError, TypingError, UnknownNameError, UnsupportedError


def _python(fn):
    """Stands in for ``njit`` in a case's source when running it as Python."""
    return fn


def readonly(a):
    a.setflags(write=False)
    return a


def fresh(args):
    """Copies of the array arguments (keeping their WRITEABLE flag), so a
    Python run that mutates them (a.fill(0)) cannot affect another run."""
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            b = a.copy()
            b.setflags(write=a.flags.writeable)
            a = b
        out.append(a)
    return tuple(out)


def case(id, source, args, exc, pattern, line, py=None, marks=()):
    """One function that must not compile.

    ``source`` defines it (the last function defined; ``njit`` in the source
    is jitufunc's, or the identity when run as Python), ``args`` the first
    call, ``exc`` and ``pattern`` the error class and a regex its message
    must match, ``line`` the 1-based line of ``source`` the error points at,
    ``py`` what the Python function does with ``args``: None when it runs,
    else the exception class it raises.
    """
    return pytest.param(source, args, exc, pattern, line, py, id=id, marks=marks)


def unclear(reason):
    return pytest.mark.xfail(strict=True, reason=f"UNCLEAR: {reason}")


A1 = np.arange(3.0)
A2 = np.arange(9.0).reshape(3, 3)

CASES = [
    # ---- calls of builtins, classes and functions outside the subset --------
    case("hash-of-array", """
        def f(a):
            return hash(a)
    """, (A1,), UnsupportedError, r"'hash' is a built-in function, which kernels cannot call", 2, TypeError),
    case("str-of-number", """
        def f(x):
            s = str(x)
            return x
    """, (1.5,), UnsupportedError, r"'str' is a class, which kernels cannot call", 2),
    case("list-of-array", """
        def f(a):
            return list(a)
    """, (A1,), UnsupportedError, r"'list' is a class, which kernels cannot call", 2),
    case("builtin-any", """
        def f(a):
            return any(a)
    """, (A1,), UnsupportedError, r"'any' is a built-in function, which kernels cannot call", 2),
    case("plain-python-function", """
        def helper(x):
            return x * 2
        def f(x):
            return helper(x) + 1
    """, (1,), UnsupportedError, r"'helper' is a plain Python function", 4),
    case("np-linalg-inv", """
        def f(a):
            return np.linalg.inv(a)
    """, (np.eye(2),), UnsupportedError, r"'np\.linalg\.inv' is a NumPy function that jitufunc does not support", 2),
    case("np-fft-fft", """
        def f(a):
            return np.fft.fft(a)
    """, (A1,), UnsupportedError, r"'np\.fft\.fft' is a NumPy function that jitufunc does not support", 2),
    case("np-random-gamma", """
        def f(n):
            return np.random.gamma(2.0, 1.0, n)
    """, (3,), UnsupportedError, r"'np\.random\.gamma' is a NumPy function that jitufunc does not support", 2),
    case("np-median", """
        def f(a):
            b = np.median(a)
            return b
    """, (A1,), UnsupportedError, r"'np\.median' is a NumPy function that jitufunc does not support \(yet", 2),
    case("keyword-argument-to-math", """
        def f(x):
            return math.sqrt(x=x)
    """, (4.0,), UnsupportedError, r"keyword arguments are not supported.*math\.sqrt", 2, TypeError),
    case("call-of-a-parameter", """
        def f(x):
            return x(1)
    """, (1,), TypingError, r"'x' is not callable: it is a value of type pyint", 2, TypeError),
    case("call-of-a-copied-variable", """
        def f(x):
            y = x
            return y(1)
    """, (1,), TypingError, r"'y' is not callable", 3, TypeError,
         marks=unclear("the message names the wrong variable: \"'x' is not callable: it is a value of "
                       "type int64\" for 'return y(1)'")),
    case("range-as-a-value", """
        def f(n):
            r = range(n)
            return r
    """, (3,), UnsupportedError, r"range\(\) is only supported as the iterable of a for loop", 2),
    case("print-to-file", """
        def f(x):
            print(x, file=None)
            return x
    """, (1,), UnsupportedError, r"print\(\) keyword file=", 2),
    case("getattr-with-a-name", """
        def f(x):
            return getattr(x, "real")
    """, (1.5,), UnsupportedError, r"getattr\(\) is not supported|'getattr' is a built-in function", 2),

    # ---- methods and attributes ---------------------------------------------
    case("method-tolist", """
        def f(a):
            return a.tolist()
    """, (A1,), UnsupportedError, r"method '\.tolist\(\)' is not supported", 2),
    case("method-fill", """
        def f(a):
            a.fill(0)
            return a
    """, (A1,), UnsupportedError, r"method '\.fill\(\)' is not supported", 2),
    case("attribute-that-does-not-exist", """
        def f(a):
            return a.foo
    """, (A1,), UnsupportedError, r"attribute '\.foo' is not supported", 2, AttributeError),
    case("assign-to-attribute", """
        def f(a):
            a.shape = (3, 1)
            return a
    """, (A1,), UnsupportedError, r"assigning to an attribute is not supported", 2),
    case("return-a-dtype", """
        def f(a):
            return a.dtype
    """, (A1,), UnsupportedError, r"cannot return a dtype", 1),

    # ---- names ----------------------------------------------------------------
    case("unknown-global-name", """
        def f(x):
            y = x * 2
            return y + nope
    """, (1,), UnknownNameError, r"name 'nope' is not defined", 3, NameError),
    case("unknown-numpy-attribute", """
        def f(x):
            return np.nosuch(x)
    """, (1.0,), UnknownNameError, r"'np' has no attribute 'nosuch'", 2, AttributeError),
    case("global-list", """
        TABLE = [1, 2, 3]
        def f(i):
            return TABLE[i]
    """, (1,), UnsupportedError, r"'TABLE' is a list", 3),

    # ---- syntax outside the subset ------------------------------------------
    case("empty-list-never-filled", """
        def f(x):
            v = []
            return len(v)
    """, (1,), TypingError, r"cannot tell the item type of this empty list", 2),
    case("empty-dict-never-filled", """
        def f(x):
            d = {}
            return len(d)
    """, (1,), TypingError, r"cannot tell the key and value types of this empty dict", 2),
    case("list-literal-of-arrays-of-two-ranks", """
        def f(x):
            v = [np.zeros(2), np.zeros((2, 2))]
            return x
    """, (1,), TypingError, r"holds items of type array\(float64, 1d, C\) and array\(float64, 2d, C\)", 2),
    case("set-literal", """
        def f(x):
            s = {x, 2}
            return x
    """, (1,), UnsupportedError, r"set literals are not supported", 2),
    case("list-comprehension-evaluated-lazily", """
        def f(n):
            v = n > 0 and [i * i for i in range(n)]
            return n
    """, (3,), UnsupportedError, r"list comprehensions are supported where they are evaluated once", 2),
    case("dict-comprehension-in-while-condition", """
        def f(n):
            while len({i: i for i in range(n)}) > 5:
                n -= 1
            return n
    """, (9,), UnsupportedError, r"dict comprehensions are supported where they are evaluated once", 2),
    case("set-comprehension", """
        def f(n):
            v = {i for i in range(n)}
            return n
    """, (3,), UnsupportedError, r"comprehensions are not supported", 2),
    case("generator-expression", """
        def f(n):
            return sum(i for i in range(n))
    """, (3,), UnsupportedError, r"comprehensions are not supported", 2),
    case("lambda", """
        def f(x):
            g = lambda y: y + 1
            return g(x)
    """, (1,), UnsupportedError, r"lambda expressions are not supported", 2),
    case("nested-def-closure", """
        def f(x):
            def g(y):
                return y + x
            return g(1)
    """, (1,), UnsupportedError, r"nested function definitions are not supported", 2),
    case("class-definition", """
        def f(x):
            class A:
                pass
            return x
    """, (1,), UnsupportedError, r"class definitions are not supported", 2),
    case("global-statement", """
        def f(x):
            global G
            G = x
            return x
    """, (1,), UnsupportedError, r"'global' declarations are not supported", 2),
    case("nonlocal-statement", """
        def outer():
            z = 0
            def f(x):
                nonlocal z
                z = x
                return x
            return f
        f = outer()
    """, (1,), UnsupportedError, r"'nonlocal' declarations are not supported", 4),
    case("with", """
        def f(x):
            with np.errstate(all="ignore"):
                y = x / 2.0
            return x
    """, (1.0,), UnsupportedError, r"'with' statements are not supported", 2),
    case("try-except", """
        def f(x):
            try:
                return 1 / x
            except ZeroDivisionError:
                return 0.0
    """, (0.0,), UnsupportedError, r"'try' statements are not supported", 2),
    case("yield", """
        def f(n):
            for i in range(n):
                yield i
    """, (3,), UnsupportedError, r"generators \('yield'\) are not supported", 3),
    case("del-variable", """
        def f(x):
            y = x
            del y
            return x
    """, (1,), UnsupportedError, r"'del' statements are supported on one key of a typed Dict", 3),
    case("del-array-element", """
        def f(a):
            del a[0]
    """, (A1,), UnsupportedError, r"'del' is supported on typed Dicts", 2, ValueError),
    case("import", """
        def f(x):
            import math
            return math.sqrt(x)
    """, (4.0,), UnsupportedError, r"import statements are not supported", 2),
    case("from-import", """
        def f(x):
            from math import sqrt
            return sqrt(x)
    """, (4.0,), UnsupportedError, r"import statements are not supported", 2),
    case("match", """
        def f(x):
            match x:
                case 1:
                    return 2
            return 0
    """, (1,), UnsupportedError, r"'match' statements are not supported", 2),
    case("walrus", """
        def f(x):
            if (y := x + 1) > 0:
                return y
            return 0
    """, (1,), UnsupportedError, r"assignment expressions \(':='\) are not supported", 2),
    case("starred-assignment", """
        def f(x):
            a, *b = (x, 2, 3)
            return a
    """, (1,), UnsupportedError, r"starred expressions", 2),
    case("string-concatenation", """
        def f(x):
            s = "a" + "b"
            return x
    """, (1,), UnsupportedError, r"'\+' of a string: kernels support strings only as constants compared with ==, != and in", 2),
    case("f-string", """
        def f(x):
            s = f"x is {x}"
            return x
    """, (1,), UnsupportedError, r"f-strings are not supported", 2),
    case("bytes-literal", """
        def f(x):
            b = b"abc"
            return x
    """, (1,), UnsupportedError, r"literals of type bytes are not supported", 2),
    case("not-in-array", """
        def f(a, x):
            return x not in a
    """, (A1, 1.0), UnsupportedError, r"'not in' is supported with a tuple on the right \(x in \(1, 2\)\) or between strings", 2),
    case("mixed-index-array-and-int", """
        def f(a, idx):
            return a[idx, 0]
    """, (A2, np.array([0, 2])), UnsupportedError, r"array index mixed with integers", 2),
    case("star-args-parameter", """
        def f(*args):
            return len(args)
    """, (1, 2), UnsupportedError, r"\*args parameters are not supported", 1),
    case("keyword-only-parameter", """
        def f(x, *, k):
            return x + k
    """, {"args": (1,), "kwargs": {"k": 2}}, UnsupportedError, r"keyword-only parameters are not supported", 1),
    case("kwargs-parameter", """
        def f(**kw):
            return 1
    """, (), UnsupportedError, r"\*\*kwargs parameters are not supported", 1),

    # ---- raise and assert -----------------------------------------------------
    case("raise-a-non-exception-class", """
        def f(x):
            if x > 0:
                raise int
            return x
    """, (1,), UnsupportedError, r"only builtin exception classes can be raised", 3, TypeError),
    case("raise-a-user-exception-class", """
        class MyError(Exception):
            pass
        def f(x):
            raise MyError("no")
    """, (1,), UnsupportedError, r"only builtin exception classes can be raised", 4, Exception),
    case("raise-with-a-variable-message", """
        def f(x):
            raise ValueError(x)
    """, (1,), UnsupportedError, r"message of a raised exception must be a string literal", 2, ValueError),
    case("raise-from", """
        def f(x):
            raise ValueError("bad") from None
    """, (1,), UnsupportedError, r"'raise \.\.\. from \.\.\.' is not supported", 2, ValueError),
    case("assert-with-a-non-string-message", """
        def f(x):
            assert x > 5, x
            return x
    """, (1,), UnsupportedError, r"message of a raised exception must be a string literal", 2, AssertionError),

    # ---- ill-typed ------------------------------------------------------------
    case("tuple-plus-number", """
        def f(x):
            t = (1, 2)
            return t + x
    """, (1,), TypingError, r"unsupported operand types for \+: '\(pyint, pyint\)' and 'pyint'", 3, TypeError),
    case("index-a-float", """
        def f(x):
            return x[0]
    """, (1.5,), TypingError, r"pyfloat is not subscriptable", 2, TypeError),
    case("slice-a-scalar", """
        def f(x):
            return x[1:2]
    """, (1.5,), TypingError, r"pyfloat is not subscriptable", 2, TypeError),
    case("len-of-an-int", """
        def f(x):
            return len(3)
    """, (1,), TypingError, r"pyint has no len\(\)", 2, TypeError),
    case("len-of-a-0d-array", """
        def f(a):
            return len(a)
    """, (np.array(1.0),), TypingError, r"len\(\) of a 0-dimensional array", 2, TypeError),
    case("iterate-a-float", """
        def f(x):
            s = 0.0
            for v in x:
                s += v
            return s
    """, (1.5,), TypingError, r"pyfloat has no len\(\) and cannot be iterated over", 3, TypeError),
    case("variable-int-or-array", """
        def f(a, x):
            if x > 0:
                y = 1
            else:
                y = a
            return y
    """, (A1, 1), TypingError, r"variable 'y' is pyint on one path and float64\[::1\] on another", 1),
    case("returns-array-or-float", """
        def f(a, x):
            if x > 0:
                return a
            return 1.5
    """, (A1, 1), TypingError, r"'f' returns pyfloat in one place and float64\[::1\] in another", 1),
    case("conditional-expression-array-or-float", """
        def f(a, x):
            return a if x > 0 else 1.5
    """, (A1, 1), TypingError, r"float64\[::1\] on one path and pyfloat on another", 2),
    case("range-of-a-float", """
        def f(x):
            s = 0
            for i in range(1.5):
                s += i
            return s
    """, (1,), TypingError, r"range\(\) needs integers, got pyfloat", 3, TypeError),
    case("math-sqrt-of-an-array", """
        def f(a):
            return math.sqrt(a)
    """, (A1,), TypingError, r"math\.sqrt\(\) needs a number, got float64\[::1\]", 2, TypeError),
    case("int-of-a-complex", """
        def f(z):
            return int(z)
    """, (1j,), TypingError, r"int\(\) does not accept complex numbers", 2, TypeError),
    case("round-with-3-arguments", """
        def f(x):
            return round(x, 1, 2)
    """, (1.5,), TypingError, r"round\(\) takes 1 to 2 arguments \(3 given\)", 2, TypeError),
    case("min-of-one-array", """
        def f(a):
            return min(a)
    """, (A1,), TypingError, r"min\(\) needs at least two arguments", 2),
    case("complex-floor-division", """
        def f(z):
            return z // 2j
    """, (1j,), TypingError, r"unsupported operand types for //: complex numbers", 2,
         TypeError),
    case("bitwise-and-of-a-float", """
        def f(x):
            return x & 1
    """, (1.5,), TypingError, r"unsupported operand types for &.*bitwise operators need integers", 2, TypeError),
    case("too-many-indices-on-2d", """
        def f(a):
            return a[1, 2, 3]
    """, (A2,), TypingError, r"too many indices for array: array is 2-dimensional, but 3 were indexed", 2,
         IndexError),
    case("complex-index", """
        def f(a, z):
            return a[z]
    """, (A1, 1j), TypingError, r"array indices must be integers, not pycomplex", 2, IndexError),
    case("float-slice-bound", """
        def f(a):
            return a[0:1.5]
    """, (A1,), TypingError, r"slice stop must be an integer or None, not pyfloat", 2, TypeError),
    case("boolean-scalar-index", """
        def f(a):
            return a[True]
    """, (A1,), TypingError, r"a boolean index selects elements by mask", 2),
    case("write-to-read-only-array", """
        def f(a):
            a[0] = 1.0
    """, (readonly(np.zeros(3)),), TypingError, r"cannot write to 'a': it is read-only", 2, ValueError),
    case("store-tuple-into-element", """
        def f(a, x):
            a[0] = (x, x)
    """, (A1, 1.0), TypingError, r"cannot store a value of type \(pyfloat, pyfloat\) into an element", 2,
         ValueError),
    case("tuple-item-assignment", """
        def f(x):
            t = (1, 2)
            t[0] = x
            return t
    """, (1,), TypingError, r"does not support item assignment", 3, TypeError),
    case("tuple-index-out-of-range", """
        def f(x):
            t = (1, 2)
            return t[5]
    """, (1,), TypingError, r"tuple index 5 out of range for a tuple of 2 items", 3, IndexError),
    case("unpack-3-into-2", """
        def f(x):
            a, b = (x, 2, 3)
            return a
    """, (1,), TypingError, r"cannot unpack 3 values into 2 targets", 2, ValueError),
    case("mixed-tuple-indexed-by-variable", """
        def f(a, i):
            t = (1, a)
            return t[i]
    """, (A1, 0), TypingError, r"takes only constant indices", 3),
    case("float-shape", """
        def f(x):
            return np.zeros(1.5)
    """, (1,), TypingError, r"an array shape is an int or a tuple of ints, not pyfloat", 2, TypeError),
    case("string-dtype", """
        def f(n):
            return np.empty(n, dtype="U3")
    """, (3,), UnsupportedError, r"dtype 'U3' is not supported", 2),
    case("int-literal-beyond-int64", """
        def f(x):
            return x + 99999999999999999999999
    """, (1,), TypingError, r"99999999999999999999999 out of bounds for int64", 2),

    # ---- calls between @njit functions ----------------------------------------
    case("njit-call-with-wrong-argument-count", """
        @njit
        def g(x):
            return x
        def f(x):
            y = x + 1
            return g(x, y)
    """, (1,), TypingError, r"'g' takes 1 arguments but is called with 2", 6, TypeError),
    case("mutual-recursion", """
        @njit
        def g(x):
            if x <= 0:
                return 0
            return f(x - 1)
        @njit
        def f(x):
            if x <= 0:
                return 0
            return g(x - 1)
    """, (3,), UnsupportedError, r"mutual recursion is not supported", 5),
]


def _call(fn, args):
    if isinstance(args, dict):
        return fn(*fresh(args["args"]), **args["kwargs"])
    return fn(*fresh(args))


def _dispatchers(namespace):
    return [v for v in namespace.values() if isinstance(v, Dispatcher)]


@pytest.mark.parametrize("source, args, exc, pattern, line, py", CASES)
def test_unsupported_or_ill_typed_function_fails_at_first_call_with_source_line(
        source, args, exc, pattern, line, py):
    compiled = make_function(source, {"njit": njit})
    jf = compiled if isinstance(compiled, Dispatcher) else njit(compiled)
    # Decorating reads nothing that fails; the first call compiles and fails.
    with pytest.raises(Exception) as info:
        _call(jf, args)
    assert_clear_error(info.value, exc, pattern, jf.py_func, source, line)

    # Nothing half-compiled is left: no signatures, in this function or any
    # @njit function beside it, and the next call fails the same way.
    assert jf.signatures == []
    assert all(d.signatures == [] for d in _dispatchers(jf.py_func.__globals__))
    with pytest.raises(exc) as again:
        _call(jf, args)
    assert type(again.value) is exc
    assert str(again.value) == str(info.value)

    # The same source as plain Python runs (or raises something else): the
    # row documents a real difference, not a function Python rejects too.
    pyfunc = make_function(source, {"njit": _python})
    if py is None:
        _call(pyfunc, args)
    else:
        with pytest.raises(py) as raised:
            _call(pyfunc, args)
        assert not isinstance(raised.value, CompileError)


def test_the_table_is_broad():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 40
    assert {p.values[2] for p in CASES} >= {UnsupportedError, TypingError, UnknownNameError}
    assert sum(not p.marks for p in CASES) >= 30  # clear errors, not counting the UNCLEAR rows


def test_a_signature_whose_return_type_does_not_fit_fails_when_decorating():
    source = """
        def f(x):
            return x * 1j
    """
    py = make_function(source)
    with pytest.raises(TypingError) as info:
        njit("float64(float64)")(py)
    assert_clear_error(info.value, TypingError,
                       r"'f' returns complex128 here, but its signature's return type is float64",
                       py, source, 2)
    assert py(2.0) == 2j  # Python returns the complex


def test_an_error_fixed_before_the_next_call_compiles():
    # The failed compile keeps nothing: once the missing name exists, the
    # same dispatcher compiles and runs.
    jf = njit(make_function("""
        def f(x):
            return later(x) + 1
    """))
    with pytest.raises(UnknownNameError, match="later"):
        jf(2)
    jf.py_func.__globals__["later"] = njit(make_function("""
        def later(x):
            return x * 10
    """))
    assert jf(2) == 21
    assert len(jf.signatures) == 1


# ---- arguments jitufunc cannot type: a TypeError at the call, naming the
# ---- parameter, before anything is compiled ---------------------------------

def _bad_arguments():
    return [
        pytest.param(np.array(["a", "b"]), r"argument 'a' is a ndarray of dtype <U1", id="array-of-strings"),
        pytest.param(np.array([1, None]), r"argument 'a' is a ndarray of dtype object", id="array-of-objects"),
        pytest.param(np.array(["2020-01-01"], dtype="M8[D]"), r"argument 'a' is a ndarray of dtype datetime64",
                     id="array-of-datetimes"),
        pytest.param(np.zeros(2, dtype=[("x", "f8")]), r"argument 'a' is a ndarray of dtype \[", id="structured"),
        pytest.param(np.ones(2, dtype=">f8"), r"argument 'a': arrays in non-native byte order", id="big-endian"),
        pytest.param([1.0, 2.0], r"argument 'a' is a list; @jit functions do not take Python lists .*use a jitufunc\.typed\.List", id="list"),
        pytest.param({1: 2.0}, r"argument 'a' is a dict; @jit functions do not take Python dicts", id="dict"),
        pytest.param("ab", r"argument 'a' is a str", id="str"),
        pytest.param(b"ab", r"argument 'a' is a bytes", id="bytes"),
        pytest.param(len, r"argument 'a' is a builtin_function_or_method", id="function"),
    ]


@pytest.mark.parametrize("value, pattern", _bad_arguments())
def test_an_argument_of_an_unsupported_type_is_a_type_error_naming_it(value, pattern):
    jf = njit(make_function("""
        def f(a):
            return a
    """))
    with pytest.raises(TypeError, match=pattern) as info:
        jf(value)
    assert type(info.value) is TypeError  # not a compile error: nothing was compiled
    assert jf.signatures == []
    jf.py_func(value)  # Python takes it


@pytest.mark.parametrize("args, kwargs, pattern", [
    ((1.0, 2.0, 3.0), {}, r"f\(\) takes 2 positional arguments but 3 were given"),
    ((1.0,), {}, r"f\(\) missing required argument: 'b'"),
    ((1.0, 2.0), {"c": 3.0}, r"f\(\) got an unexpected keyword argument 'c'"),
], ids=["too-many", "too-few", "unknown-keyword"])
def test_calling_with_the_wrong_arguments_is_a_type_error_naming_them(args, kwargs, pattern):
    jf = njit(make_function("""
        def f(a, b):
            return a + b
    """))
    with pytest.raises(TypeError, match=pattern) as info:
        jf(*args, **kwargs)
    assert type(info.value) is TypeError
    assert jf.signatures == []
    with pytest.raises(TypeError):
        jf.py_func(*args, **kwargs)  # as Python does


def test_an_int_beyond_int64_is_an_overflow_error_at_the_call():
    jf = njit(make_function("""
        def f(x):
            return x
    """))
    with pytest.raises(OverflowError, match="int64"):
        jf(2**70)
    assert jf(2**62) == 2**62
    assert jf.py_func(2**70) == 2**70


# ---- constructs that compile but should not: they differ from Python ---------

@pytest.mark.parametrize("source", [
    "def f(n, d):\n    return np.zeros(n, dtype=d)\n",
    "def f(n, d):\n    return np.empty(n, d)\n",
    "def f(n, d):\n    return np.full(n, 1, dtype=d)\n",
    "def f(n, d):\n    return np.arange(n, dtype=d)\n",
], ids=["zeros", "empty-positional", "full", "arange"])
def test_a_number_given_as_dtype_is_refused(source):
    py = make_function(source)
    with pytest.raises(TypeError, match="data type"):
        py(3, 7)
    with pytest.raises((TypeError, NotImplementedError), match="dtype"):
        njit(py)(3, 7)


def test_astype_takes_a_dtype_string():
    py = make_function("""
        def f(a):
            return a.astype("float32")
    """)
    a = np.arange(3.0)
    got = njit(py)(a)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, py(a))


@pytest.mark.parametrize("source", [
    "def f(x, y):\n    return x < y\n",
    "def f(x, y):\n    return max(x, y)\n",
], ids=["less-than", "max"])
def test_python_complex_numbers_are_not_ordered(source):
    py = make_function(source)
    with pytest.raises(TypeError):
        py(1j, 2j)
    with pytest.raises(TypeError):
        njit(py)(1j, 2j)


@pytest.mark.xfail(strict=True, reason="BUG: after a mutual-recursion error the dispatcher stays 'being read': "
                                       "it fails the same way after the cycle is removed (a fresh dispatcher "
                                       "compiles), and the other function then reports \"'f' is called while "
                                       "it is being read\"")
def test_a_mutual_recursion_error_leaves_no_state():
    source = """
        @njit
        def g(x):
            if x <= 0:
                return 0
            return f(x - 1)
        @njit
        def f(x):
            if x <= 0:
                return 0
            return g(x - 1)
    """
    jf = make_function(source, {"njit": njit}, name="f")
    with pytest.raises(UnsupportedError, match="mutual recursion"):
        jf(3)
    # Break the cycle: g no longer calls f.
    jf.py_func.__globals__["g"] = njit(make_function("""
        def g(x):
            return x
    """))
    assert njit(jf.py_func)(3) == 2  # a new dispatcher of the same function compiles
    assert jf(3) == 2
