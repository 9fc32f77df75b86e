"""Hypothesis-generated arithmetic kernels against NumPy scalar semantics.

A composite strategy builds an expression over 1-3 variables (all float64 or
all int64) from + - * / // % **, unary -, abs, min, max, conditional
expressions with comparisons, and int and float literals. The compiled ufunc
must agree elementwise with ``reference``: the same Python function run on
NumPy scalars.
"""

import numpy as np
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from jitufunc import vectorize
from conftest import assert_matches, make_function, reference

FLOAT_INPUTS = np.array([-3.5, -1.0, -0.5, -0.0, 0.0, 0.1, 0.5, 1.0, 2.0, 7.25])
INT_INPUTS = np.array([-7, -3, -2, -1, 0, 1, 2, 3, 5, 8], dtype=np.int64)

NAMES = ("x", "y", "z")
BINARY_OPS = ("+", "-", "*", "/", "//", "%")
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
INT_LITERALS = st.integers(0, 9)
FLOAT_LITERALS = st.sampled_from([0.1, 0.25, 0.5, 1.5, 2.0, 3.0, 10.0])
# Exponents whose powers are computed exactly. Vector loops compute other
# powers with libmvec (within 4 ulp, like NumPy's own array np.power, which
# differs from scalar pow in about 5% of elements here), and `//` or `%`
# applied afterwards turns a 1-ulp difference into a different integer;
# the accuracy of pow itself is checked in test_math.py.
INT_EXPONENTS = st.integers(0, 2)
FLOAT_EXPONENTS = st.sampled_from([0.0, 1.0, 2.0])


def _join(kind_a, kind_b):
    return "f" if "f" in (kind_a, kind_b) else "i"


@st.composite
def leaves(draw, names, var_kind):
    """(source, kind): a variable, an int literal or a float literal. ``kind``
    is the NumPy kind ('i' or 'f') the expression has whatever the inputs."""
    choice = draw(st.sampled_from(["var", "var", "int", "float"]))
    if choice == "var":
        return draw(st.sampled_from(names)), var_kind
    if choice == "int":
        return str(draw(INT_LITERALS)), "i"
    return repr(draw(FLOAT_LITERALS)), "f"


@st.composite
def expressions(draw, names, var_kind, depth, top=False):
    """(source, kind) of a random expression at most ``depth`` levels deep
    (not a bare leaf at the ``top``)."""
    if depth == 0 or (not top and draw(st.integers(0, 3)) == 0):
        return draw(leaves(names, var_kind))

    def sub():
        return draw(expressions(names, var_kind, depth - 1))

    def same_kind(a, b):
        # In int kernels min/max/conditionals must not mix kinds, or the
        # type NumPy gives would depend on which operand wins for each element.
        (sa, ka), (sb, kb) = a, b
        if var_kind == "i" and ka != kb:
            if ka == "i":
                sa = f"({sa} + 0.0)"
            else:
                sb = f"({sb} + 0.0)"
            return sa, sb, "f"
        return sa, sb, _join(ka, kb)

    form = draw(st.sampled_from(["neg", "abs", "bin", "bin", "bin", "bin", "pow", "minmax", "cond"]))
    if form == "neg":
        s, k = sub()
        return f"(-{s})", k
    if form == "abs":
        s, k = sub()
        return f"abs({s})", k
    if form == "bin":
        (sa, ka), (sb, kb) = sub(), sub()
        op = draw(st.sampled_from(BINARY_OPS))
        return f"({sa} {op} {sb})", "f" if op == "/" else _join(ka, kb)
    if form == "pow":
        sa, ka = sub()
        exponent = draw(st.sampled_from(["int", "int", "float"]))
        if exponent == "int":
            return f"({sa} ** {draw(INT_EXPONENTS)})", ka
        if exponent == "float":
            return f"({sa} ** {draw(FLOAT_EXPONENTS)!r})", "f"
        return f"({sa} ** {draw(st.sampled_from(names))})", "f"
    if form == "minmax":
        fn = draw(st.sampled_from(["min", "max"]))
        sa, sb, k = same_kind(sub(), sub())
        return f"{fn}({sa}, {sb})", k
    # conditional expression
    sa, sb, k = same_kind(sub(), sub())
    (sl, _), (sr, _) = sub(), sub()
    cmp = draw(st.sampled_from(COMPARISONS))
    return f"({sa} if {sl} {cmp} {sr} else {sb})", k


@st.composite
def kernels(draw, var_kind):
    """(source, names, static kind) of a kernel ``def kernel(x, ...)``."""
    names = NAMES[: draw(st.integers(1, 3))]
    body, kind = draw(expressions(names, var_kind, depth=3, top=True))
    source = f"def kernel({', '.join(names)}):\n    return {body}\n"
    return source, names, kind


def _inputs(values, n):
    """Every combination of ``values`` for ``n`` arguments, by broadcasting
    (one argument: the values repeated, so that the loop is long enough to
    take the same vectorised path as the larger cases)."""
    if n == 1:
        return [np.tile(values, 4)]
    return [values.reshape((-1,) + (1,) * (n - 1 - i)) for i in range(n)]


def _numpy_output_dtype(func, args, static_kind):
    """The dtype NumPy gives ``func`` on these inputs (also counting branches
    no element takes), or None when the Python function itself fails (a
    Python-scalar ZeroDivisionError, OverflowError or a complex result) and
    there is nothing a ufunc could be compared with."""
    shape = np.broadcast_shapes(*(a.shape for a in args))
    views = [np.broadcast_to(a, shape) for a in args]
    dtypes = [np.dtype(np.float64 if static_kind == "f" else np.int64)]
    with np.errstate(all="ignore"):
        for idx in np.ndindex(shape):
            try:
                result = func(*(v[idx] for v in views))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                return None
            dtype = np.asarray(result).dtype
            if dtype.kind not in "if":
                return None
            dtypes.append(dtype)
    return np.result_type(*dtypes)


def _check(source, names, static_kind, values, in_dtype):
    note(source)
    func = make_function(source)
    args = _inputs(values, len(names))
    out_dtype = _numpy_output_dtype(func, args, static_kind)
    assume(out_dtype is not None)
    try:
        expected = reference(func, args, out_dtype)
    except OverflowError:  # a Python int result too large for the dtype
        assume(False)
    signature = f"{np.dtype(out_dtype).name}({', '.join([np.dtype(in_dtype).name] * len(names))})"
    note(signature)
    ufunc = vectorize([signature])(func)
    with np.errstate(all="ignore"):
        actual = ufunc(*args)
    if expected.dtype.kind == "f":
        assert_matches(actual, expected, rtol=1e-12)
    else:
        assert_matches(actual, expected)


@settings(max_examples=60)
@given(kernels("f"))
def test_float64_expressions_match_numpy(kernel):
    source, names, kind = kernel
    _check(source, names, kind, FLOAT_INPUTS, np.float64)


@settings(max_examples=60)
@given(kernels("i"))
def test_int64_expressions_match_numpy(kernel):
    source, names, kind = kernel
    _check(source, names, kind, INT_INPUTS, np.int64)
