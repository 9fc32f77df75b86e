"""Differential fuzzing of whole kernels.

Hypothesis writes kernels as Python source: several statements, if/elif/else,
bounded ``for i in range(...)`` loops (negative steps too) and counter-bounded
``while`` loops with break/continue/else, early returns, ``raise`` and
``assert``, local variables (plain, chained, annotated, swapped, augmented),
every operator (arithmetic, ``**``, comparisons and chains, and/or/not,
conditional expressions, bit operations and shifts), math/cmath/NumPy
scalar functions, builtins (abs, min, max, round, int, float, bool, complex,
divmod, pow), dtype constructors, complex parts, module-level constants and
calls of other ``@vectorize`` kernels, for signatures over every dtype
(bool, int8..uint64, float16, float32, float64, complex64, complex128). Each
kernel is written to a module file, compiled with ``jitufunc.vectorize`` and
run on arrays holding special values (NaN, infinities, signed zeros, huge,
tiny and subnormal floats, integer extremes) and random ones.

The expected value of every element is the Python function called on NumPy
scalars of the signature's dtypes, cast to the output dtype (docs/
supported.md), computed by ``fuzz_kernels_oracle`` from the kernel's source;
the oracle also records the floating-point flags the path raises, and where
Python raises it substitutes what the docs say jitufunc does (see that
module). Every element is compared twice, from a one-element call (the
loop's scalar path) and from the call on the whole array (its vector path):

* values exactly (NaN equal to NaN, zeros by sign) when the element's path
  calls no transcendental function; otherwise (libmvec, within 4 ulp) the
  oracle runs again with every transcendental result nudged by 4 ulp in four
  patterns and the result must lie within the range these give (2 ulp of
  slack); an element whose outcome changes under the nudges is *fragile* and
  not compared; integer results are exact either way;
* exceptions: an element for which Python raises NumPy's OverflowError (a
  Python int out of bounds for the dtype it meets) or the kernel's own
  ValueError/RuntimeError/AssertionError must raise it too (the whole array:
  the exception of the first element that raises);
* flags (divide, overflow, invalid; underflow is never reported) exactly, as
  supported.md promises, under ``np.errstate(all="call")``: per element on the
  scalar path, their union on the vector path. Not compared where the path
  has complex values (NumPy's complex functions raise flags for NaN and
  infinite parts that the docs say nothing about); flags of transcendental
  functions with infinite or NaN arguments are allowed, not required
  (NumPy's float32 power reports overflow for ``x ** inf``, IEEE does not).

Kernels are type-stable by construction (explicit casts keep a variable's
type where paths merge), except a few with an *unstable merge*: an if/else
after which a variable has different types on different paths. jitufunc
then gives the variable one, promoted, type (test_merge_unifies_variable_types);
an element that matches the oracle run with that promotion at the merge is
counted as this known difference.

Known differences found by the fuzzer have strict-xfail regression tests at
the end of this file; the oracle tags the elements whose path meets one,
which are then counted, not failed, if they differ in the way the tag says.
Constructs that jitufunc refuses with a documented compile error are left
out of the generator (or counted when met).

``JITUFUNC_FUZZ_EXAMPLES`` sets the number of kernels (default 800, about
40 s); ``JITUFUNC_FUZZ_SHRINK=1`` lets hypothesis shrink a failing kernel.
The counts are printed in the terminal summary ("jitufunc kernel fuzzing").
"""

import ast
import atexit
import cmath
import importlib.util
import math
import os
import shutil
import sys
import tempfile
import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import jitufunc
from jitufunc import vectorize

from .fuzz_kernels_oracle import (
    BIG_LITERAL, F16_OVERFLOW, FLAG_NAMES, FLOOR_OF_INT, FLOORDIV_OVERFLOW, GAMMA_OVERFLOW, KERNEL_CALL,
    NP_COMPLEX_TYPES, NP_FLOAT_TYPES, NP_INT_TYPES, NP_TYPES, REAL_OF_PY, Oracle, Skip,
    cast_value, oracle_expression, oracle_function, oracle_namespace,
)

if not os.environ.get("JITUFUNC_FUZZ_PROCESS"):
    # Run in a process of its own (test_fuzz_process.py), so that what the
    # rest of the suite did in this process cannot change what it checks.
    pytest.skip("the fuzzer runs in its own process, from tests/vectorize/test_fuzz_process.py",
                allow_module_level=True)

EXAMPLES = int(os.environ.get("JITUFUNC_FUZZ_EXAMPLES", "800"))
N_VALUES = 24  # elements per input array (long enough for the vector body)
PY_NUMBER_TYPES = (bool, int, float, complex)
ALL_TYPES = NP_TYPES + PY_NUMBER_TYPES

# Module-level constants the kernels may read (jitufunc reads them once, as
# constants).
CONSTANTS = {
    "K_INT": 7, "K_FLOAT": 0.25, "K_F32": np.float32(1.5), "K_I16": np.int16(-3),
    "K_C64": np.complex64(1 - 2j), "K_BOOL": True,
}
# Other kernels the kernels may call (inlined by jitufunc); the oracle
# runs their Python source.
HELPERS = """
def fz_h1(a, b):
    return a * b - a


def fz_h2(a):
    if a > 0:
        return a + a
    return a * a
"""
HEADER = (
    "import math\nimport cmath\nimport numpy as np\nfrom jitufunc import vectorize\n\n"
    + "".join(f"{k} = {v!r}\n" for k, v in CONSTANTS.items())
    + HELPERS.replace("\ndef ", "\n@vectorize\ndef ")
    + "\n\n"
)

STATS = Counter()
SKIPS = Counter()
KNOWN = Counter()


# --- types ------------------------------------------------------------------


def type_name(t):
    """Name of a type in signatures and in __unify()."""
    return t.__name__ if t in PY_NUMBER_TYPES else np.dtype(t).name


def type_kind(t):
    return {bool: "b", int: "i", float: "f", complex: "c"}.get(t) or np.dtype(t).kind


def rep(t):
    """A representative value of type ``t`` (types do not depend on values
    in NumPy 2, so one value types an expression)."""
    k = type_kind(t)
    v = {"b": True, "i": 3, "u": 3, "f": 1.5, "c": 1.5 + 0.5j}[k]
    return v if t in PY_NUMBER_TYPES else t(v)


def default_dtype(t):
    """The dtype a result of type ``t`` is stored in by default."""
    return np.dtype({bool: np.bool_, int: np.int64, float: np.float64, complex: np.complex128}.get(t, t))


def unify(types):
    """NumPy's promotion of ``types``, Python numbers weak."""
    types = list(dict.fromkeys(types))
    if len(types) == 1:
        return types[0]
    if all(t in PY_NUMBER_TYPES for t in types):
        return max(types, key=PY_NUMBER_TYPES.index)
    return np.result_type(*[rep(t) if t in PY_NUMBER_TYPES else np.dtype(t) for t in types]).type


def constant_ok(src):
    """Whether Python evaluates constant expression ``src`` without an
    exception and with every int in the int64 range: jitufunc folds constant
    arithmetic exactly when compiling and refuses what raises in Python
    (``3 // 0``: "divides by zero (Python raises ZeroDivisionError)"), so
    the generator leaves those out (see test_constant_int_beyond_int64 for
    what happens beyond int64)."""
    ns = {"math": math, "cmath": cmath, "np": np, **CONSTANTS}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for node in ast.walk(ast.parse(src, mode="eval")):
                if isinstance(node, (ast.BinOp, ast.UnaryOp)):
                    v = eval(compile(ast.Expression(node), "<const>", "eval"), ns)
                    if type(v) is int and not (-(2**63) <= v < 2**63):
                        return False
    except Exception:  # noqa: BLE001
        return False
    return True


_TYPE_ORACLE = Oracle()
_TYPE_NAMESPACE = oracle_namespace({"math": math, "cmath": cmath, "np": np, **CONSTANTS},
                                   HELPERS, _TYPE_ORACLE)
_TYPE_CACHE = {}


def typeof(src, env):
    """The type of expression ``src`` with variables of types ``env``, or
    None where Python/NumPy refuse it (the generator then avoids it)."""
    key = (src, tuple(sorted((k, type_name(v)) for k, v in env.items())))
    if key in _TYPE_CACHE:
        return _TYPE_CACHE[key]
    try:
        code = oracle_expression(src)
        ns = _TYPE_NAMESPACE
        _TYPE_ORACLE.reset(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="ignore"):
                v = eval(code, ns, {k: rep(t) for k, t in env.items()})
        t = type(v)
        result = t if t in ALL_TYPES else None
    except Exception:  # noqa: BLE001 - any refusal means: do not generate
        result = None
    _TYPE_CACHE[key] = result
    return result


# --- kernel generator --------------------------------------------------------

MATH_1 = ["sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "cbrt", "sin", "cos",
          "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fabs",
          "floor", "ceil", "trunc", "isnan", "isinf", "isfinite", "erf", "erfc", "gamma", "lgamma",
          "degrees", "radians"]
MATH_2 = ["atan2", "hypot", "pow", "copysign", "fmod", "log"]
CMATH_1 = ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
           "cosh", "tanh", "asinh", "acosh", "atanh", "phase", "isnan", "isinf", "isfinite"]
NP_1 = ["sqrt", "exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
        "tanh", "arcsinh", "arccosh", "arctanh", "expm1", "log1p", "log2", "log10", "exp2", "cbrt",
        "abs", "absolute", "fabs", "sign", "square", "reciprocal", "floor", "ceil", "trunc", "rint",
        "isnan", "isinf", "isfinite", "degrees", "radians", "deg2rad", "rad2deg", "real", "imag",
        "conj", "angle"]
NP_2 = ["copysign", "fmod", "hypot", "arctan2", "power", "maximum", "minimum", "fmax", "fmin"]
ARITH = ["+", "-", "*", "/", "//", "%", "**"]
BITS = ["&", "|", "^", "<<", ">>"]
CMPS = ["<", "<=", ">", ">=", "==", "!="]
FLOAT_LITERALS = ["0.5", "1.5", "2.0", "-3.25", "0.1", "1e-3", "3.0", "1e10", "-0.0", "100.0",
                  "math.pi", "math.e", "math.tau", "math.inf", "-math.inf", "math.nan", "1e300",
                  "K_FLOAT"]


def int_literals(t):
    """Int literals that fit type ``t`` (Python ints: small ones)."""
    if t in PY_NUMBER_TYPES or type_kind(t) in "bfc":
        return ["0", "1", "2", "3", "7", "-1", "-2", "10", "K_INT"]
    info = np.iinfo(t)
    vals = {0, 1, 2, 3, 7, info.max, info.min, info.max - 1, min(100, info.max)}
    if info.min < 0:
        vals |= {-1, -2, info.min + 1, max(-100, info.min)}
    return [str(v) for v in sorted(vals)]


class Gen:
    """Draws one kernel. ``self.lines`` holds (indent, plain, unified) lines:
    ``unified`` is the line in the variant with merge casts (None: absent)."""

    def __init__(self, draw, in_types, unstable):
        self.draw = draw
        self.names = ["x", "y", "z"][: len(in_types)]
        self.env = dict(zip(self.names, in_types))
        self.protected = set()
        self.lines = []
        self.counter = 0
        self.budget = draw(st.integers(3, 14))
        self.unstable = unstable
        self.unstable_merges = 0
        self.static_tags = set()  # known issues the source meets (a compile error may show them)
        self.loop_depth = 0
        self.R = None

    # draws
    def pick(self, seq):
        return self.draw(st.sampled_from(seq))

    def n(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def fresh(self, prefix="v"):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, indent, text, unified=...):
        self.lines.append((indent, text, text if unified is ... else unified))

    # expressions
    def check(self, src):
        return typeof(src, self.env)

    def leaf(self, partner=None):
        if partner is not None or self.n(0, 4) == 0:
            return self.literal(partner)
        name = self.pick(sorted(self.env))
        return name, self.env[name]

    def literal(self, partner=None):
        k = type_kind(partner) if partner is not None else self.pick("iiiffffbbc")
        if k in "iub":
            choices = int_literals(partner if partner is not None else int)
            if k == "b":
                choices = choices + ["True", "False", "K_BOOL"]
            src = self.pick(choices + (["K_I16"] if partner is None else []))
        elif k == "f":
            src = self.pick(FLOAT_LITERALS + int_literals(int)[:4] + ["K_F32"])
        else:
            src = self.pick(["2j", "(0.5-1j)", "(-1.5+2j)", "1j", "K_C64"] + FLOAT_LITERALS[:6])
        if src.startswith("-"):
            src = f"({src})"
        t = self.check(src)
        return src, t

    def expr(self, depth):
        if depth <= 0 or self.n(0, 3) == 0:
            return self.leaf()
        form = self.pick(["arith", "arith", "arith", "arith", "unary", "bits", "bits", "cmp", "cmp",
                          "boolop", "ifexp", "math", "math", "math", "cmath", "np", "np", "np",
                          "builtin", "builtin", "construct", "complex_part", "helper"])
        made = getattr(self, "e_" + form)(depth - 1)
        if made is None or made[1] is None:
            return self.leaf()
        return made

    def operand_pair(self, depth):
        """Two operands, not both constant: jitufunc folds constant
        arithmetic when compiling, exactly, and refuses what Python would
        raise for (``0 / 0``), as documented for int literals."""
        a = self.expr(depth)
        b = self.literal(a[1]) if self.n(0, 2) == 0 else self.expr(depth)
        if self.constant(a[0]) and self.constant(b[0]):
            name = self.pick(sorted(self.env))
            a = name, self.env[name]
        if self.n(0, 1):
            a, b = b, a
        return a, b

    def constant(self, src):
        return not any(isinstance(node, ast.Name) and node.id in self.env for node in ast.walk(ast.parse(src)))

    def typed(self, src):
        if self.constant(src) and not constant_ok(src):
            return None
        t = self.check(src)
        return (src, t) if t is not None else None

    def e_arith(self, depth):
        op = self.pick(ARITH)
        if op == "**":
            base = self.expr(depth)
            bk = type_kind(base[1])
            if base[1] in (int, bool) or self.n(0, 2):
                lits = ["0", "1", "2", "3"]
                if base[1] not in (int, bool):
                    lits += ["0.5", "2.0", "(-1.5)", "3.0"]
                    if bk != "u":  # (a negative literal meeting uint8 is a compile error)
                        lits += ["(-1)", "(-2)"]
                exp = self.pick(lits)
            else:
                exp = self.expr(depth)[0]
            if bk == "c" and self.n(0, 1):
                exp = self.pick(["2", "0.5", "(0.5+1j)"])
            if self.n(0, 5) == 0:
                return self.typed(f"pow({base[0]}, {exp})")
            return self.typed(f"({base[0]} ** {exp})")
        (a, _), (b, _) = self.operand_pair(depth)
        return self.typed(f"({a} {op} {b})")

    def e_unary(self, depth):
        a, t = self.expr(depth)
        k = type_kind(t)
        ops = ["-", "+", "not ", "abs"]
        if k in "iu" or t is np.bool_:
            ops.append("~")
        op = self.pick(ops)
        if op == "abs":
            return self.typed(f"abs({a})")
        return self.typed(f"({op}{a})")

    def e_bits(self, depth):
        a, t = self.expr(depth)
        if type_kind(t) not in "biu":
            a, t = self.leaf()
            if type_kind(t) not in "biu":
                return None
        op = self.pick(BITS)
        if op in ("<<", ">>"):
            if t in (int, bool) or self.n(0, 1):
                bits = 64 if t in (int, bool) else np.dtype(t).itemsize * 8
                b = str(self.pick(sorted({0, 1, 2, 3, bits - 1, bits, bits + 1, 5})))
            else:
                b = self.expr(depth)[0]
        else:
            b = self.literal(t)[0] if self.n(0, 1) else self.expr(depth)[0]
        return self.typed(f"({a} {op} {b})")

    def e_cmp(self, depth):
        (a, ta), (b, tb) = self.operand_pair(depth)
        op = self.pick(CMPS)
        if self.n(0, 4) == 0:
            c, tc = self.expr(depth)
            op2 = self.pick(CMPS)
            t1, t2 = self.check(f"({a} {op} {b})"), self.check(f"({b} {op2} {c})")
            if t1 is None or t1 != t2:
                return None
            return self.typed(f"({a} {op} {b} {op2} {c})")
        if type_kind(ta) in "iu" and self.n(0, 3) == 0:
            b = self.pick(["300", "(-1)", "70000", "(-129)", "18446744073709551615", "(-9223372036854775809)"])
        return self.typed(f"({a} {op} {b})")

    def e_boolop(self, depth):
        a, t = self.expr(depth)
        b = self.cast(self.expr(depth), t)
        if b is None:
            return None
        return self.typed(f"({a} {self.pick(['and', 'or'])} {b})")

    def e_ifexp(self, depth):
        a, t = self.expr(depth)
        b = self.cast(self.expr(depth), t)
        c = self.expr(depth)[0]
        if b is None:
            return None
        return self.typed(f"({a} if {c} else {b})")

    def e_math(self, depth):
        if self.n(0, 3) == 0:
            f = self.pick(MATH_2)
            a, b = self.expr(depth)[0], self.expr(depth)[0]
            return self.typed(f"math.{f}({a}, {b})")
        f = self.pick(MATH_1)
        return self.typed(f"math.{f}({self.expr(depth)[0]})")

    def e_cmath(self, depth):
        f = self.pick(CMATH_1)
        return self.typed(f"cmath.{f}({self.expr(depth)[0]})")

    def e_np(self, depth):
        if self.n(0, 3) == 0:
            f = self.pick(NP_2)
            (a, _), (b, _) = self.operand_pair(depth)
            return self.typed(f"np.{f}({a}, {b})")
        f = self.pick(NP_1)
        a, t = self.expr(depth)
        made = self.typed(f"np.{f}({a})")
        if made and f in ("real", "imag") and t in PY_NUMBER_TYPES:
            self.static_tags.add(REAL_OF_PY)
        return made

    def e_builtin(self, depth):
        f = self.pick(["abs", "min", "max", "int", "float", "bool", "complex", "round", "round2",
                       "divmod", "min3"])
        if f in ("min", "max", "min3"):
            a, t = self.expr(depth)
            others = [self.cast(self.expr(depth), t) for _ in range(2 if f == "min3" else 1)]
            if None in others:
                return None
            name = self.pick(["min", "max"]) if f == "min3" else f
            return self.typed(f"{name}({', '.join([a] + others)})")
        if f == "round2":
            return self.typed(f"round({self.expr(depth)[0]}, {self.pick(['0', '1', '2', '3', '-1', '-2'])})")
        if f == "divmod":
            (a, _), (b, _) = self.operand_pair(depth)
            return self.typed(f"divmod({a}, {b})[{self.n(0, 1)}]")
        if f == "complex" and self.n(0, 1):
            # complex(re, im) of real parts (jitufunc refuses complex ones).
            re, im = self.expr(depth), self.expr(depth)
            if "c" in (type_kind(re[1]), type_kind(im[1])):
                return None
            return self.typed(f"complex({re[0]}, {im[0]})")
        return self.typed(f"{f}({self.expr(depth)[0]})")

    def e_construct(self, depth):
        t = self.pick(NP_TYPES)
        a, ta = self.expr(depth)
        if t in NP_COMPLEX_TYPES and self.n(0, 2) == 0:
            # np.complex64(re, im) of real parts (jitufunc refuses complex ones)
            im = self.expr(depth)
            if "c" in (type_kind(ta), type_kind(im[1])):
                return None
            return self.typed(f"np.{type_name(t)}({a}, {im[0]})")
        if type_kind(ta) == "c" and type_kind(t) != "c":
            a = f"{a}.real"
        return self.typed(f"np.{type_name(t) if t is not np.bool_ else 'bool_'}({a})")

    def e_helper(self, depth):
        if self.n(0, 1):
            (a, ta), (b, tb) = self.operand_pair(depth)
            made = self.typed(f"fz_h1({a}, {b})")
            types = (ta, tb)
        else:
            a, ta = self.expr(depth)
            made = self.typed(f"fz_h2({a})")
            types = (ta,)
        if made and all(t in PY_NUMBER_TYPES for t in types):
            self.static_tags.add(KERNEL_CALL)
        return made

    def e_complex_part(self, depth):
        a, t = self.expr(depth)
        if type_kind(t) != "c":
            return None
        form = self.pick(["{}.real", "{}.imag", "{}.conjugate()", "np.real({})", "np.imag({})",
                          "np.conj({})", "np.angle({})"])
        made = self.typed(form.format(a if a.isidentifier() else f"({a})"))
        if made and form.startswith(("np.real", "np.imag")) and t in PY_NUMBER_TYPES:
            self.static_tags.add(REAL_OF_PY)
        return made

    def cast(self, made, t):
        """Source of expression ``made`` (src, type) converted to type ``t``."""
        src, s = made
        if s is None:
            return None
        if s == t:
            return src
        sk, tk = type_kind(s), type_kind(t)
        inner = f"({src}).real" if sk == "c" and tk != "c" else src
        if t in PY_NUMBER_TYPES:
            out = f"{t.__name__}({inner})"
        else:
            out = f"np.{'bool_' if t is np.bool_ else type_name(t)}({inner})"
        return out if self.check(out) == t else None

    def cast_expr(self, depth, t):
        for _ in range(3):
            got = self.cast(self.expr(depth), t)
            if got is not None:
                return got
        return self.cast(self.leaf(), t) or self.cast(self.literal(t), t) \
            or f"{'np.' + type_name(t) if t not in PY_NUMBER_TYPES else t.__name__}(0)"

    # statements
    def block(self, indent, count, in_block):
        made = 0
        while made < count and self.budget > 0:
            self.statement(indent, in_block)
            made += 1
        if made == 0:
            self.emit(indent, "pass")

    def assignable(self):
        return sorted(n for n in self.env if n not in self.protected)

    def statement(self, indent, in_block):
        self.budget -= 1
        nest = indent < 3 and self.budget > 1
        forms = ["new", "new", "new", "set", "aug", "pass_", "chain", "ann", "swap"]
        if nest:
            forms += ["if_", "if_", "for_", "while_"]
        if in_block:
            forms += ["ret"]
            if self.loop_depth:
                forms += ["brk"]
        if self.n(0, 3) == 0:
            forms += ["raise_"]
        getattr(self, "s_" + self.pick(forms))(indent, in_block)

    def rhs(self, name, in_block):
        """The value assigned to existing variable ``name``: its own type
        inside a block (a stable merge), unless this is an unstable kernel
        and the block is a top-level if."""
        made = self.expr(self.n(1, 3))
        if in_block and not (in_block == "if" and self.unstable and self.loop_depth == 0):
            return self.cast(made, self.env[name]) or self.cast_expr(1, self.env[name]), self.env[name]
        return made

    def s_new(self, indent, in_block):
        name = self.fresh()
        src, t = self.expr(self.n(1, 3))
        self.emit(indent, f"{name} = {src}")
        self.env[name] = t

    def s_set(self, indent, in_block):
        names = self.assignable()
        if not names:
            return self.s_new(indent, in_block)
        name = self.pick(names)
        src, t = self.rhs(name, in_block)
        self.emit(indent, f"{name} = {src}")
        self.env[name] = t

    def s_aug(self, indent, in_block):
        names = self.assignable()
        if not names:
            return self.s_new(indent, in_block)
        name = self.pick(names)
        op = self.pick(ARITH[:-1] + (BITS if type_kind(self.env[name]) in "biu" else []))
        operand = self.literal(self.env[name]) if self.n(0, 1) else self.expr(self.n(0, 2))
        t = self.check(f"({name} {op} {operand[0]})")
        if t is None:
            return self.s_pass_(indent, in_block)
        if in_block and t != self.env[name] and not (in_block == "if" and self.unstable and self.loop_depth == 0):
            src = self.cast((f"({name} {op} {operand[0]})", t), self.env[name])
            if src is None:
                return self.s_pass_(indent, in_block)
            self.emit(indent, f"{name} = {src}")
            return
        self.emit(indent, f"{name} {op}= {operand[0]}")
        self.env[name] = t

    def s_pass_(self, indent, in_block):
        self.emit(indent, "pass")

    def s_chain(self, indent, in_block):
        a, b = self.fresh(), self.fresh()
        src, t = self.expr(self.n(1, 2))
        self.emit(indent, f"{a} = {b} = {src}")
        self.env[a] = self.env[b] = t

    def s_ann(self, indent, in_block):
        name = self.fresh()
        src, t = self.expr(self.n(1, 2))
        ann = self.pick(["float", "int", "complex", "bool"])
        self.emit(indent, f"{name}: {ann} = {src}")
        self.env[name] = t

    def s_swap(self, indent, in_block):
        names = self.assignable()
        pairs = [(a, b) for a in names for b in names if a < b and self.env[a] == self.env[b]]
        if not pairs:
            return self.s_new(indent, in_block)
        a, b = self.pick(pairs)
        self.emit(indent, f"{a}, {b} = {b}, {a}")

    def s_ret(self, indent, in_block):
        cond = self.expr(self.n(1, 2))[0]
        self.emit(indent, f"if {cond}:")
        self.emit(indent + 1, f"return {self.cast_expr(self.n(0, 2), self.R)}")

    def s_raise_(self, indent, in_block):
        cond = self.expr(self.n(1, 2))[0]
        if self.n(0, 2) == 0:
            self.emit(indent, f'assert {cond}, "fz-assert"')
            return
        self.emit(indent, f"if {cond}:")
        cls = self.pick(["ValueError", "RuntimeError"])
        self.emit(indent + 1, f'raise {cls}("fz-{cls}")')

    def s_brk(self, indent, in_block):
        cond = self.expr(self.n(1, 2))[0]
        self.emit(indent, f"if {cond}:")
        self.emit(indent + 1, self.pick(["break", "continue"]))

    def _enter(self):
        return dict(self.env), set(self.protected)

    def s_if_(self, indent, in_block):
        outer_env, outer_prot = self._enter()
        branches = self.n(1, 3)  # if, elif..., else
        has_else = self.n(0, 1) == 1
        paths = []  # (first line index, last line index, env at end, falls through)
        for i in range(branches + (1 if has_else else 0)):
            self.env, self.protected = dict(outer_env), set(outer_prot)
            if i == 0:
                head = f"if {self.expr(self.n(1, 3))[0]}:"
            elif i < branches:
                head = f"elif {self.expr(self.n(1, 3))[0]}:"
            else:
                head = "else:"
            self.emit(indent, head)
            self.env, self.protected = dict(outer_env), set(outer_prot)
            start = len(self.lines)
            self.block(indent + 1, self.n(1, 3), "if" if not in_block or in_block == "if" else in_block)
            last = self.lines[-1]
            falls = not (last[0] == indent + 1 and last[1] and last[1].split()[0] in ("return", "break", "continue"))
            paths.append((start, len(self.lines), dict(self.env), falls))
        merged = {}
        reaching = [p for p in paths if p[3]]
        envs = [p[2] for p in reaching] + ([] if has_else else [outer_env])
        for name, t in outer_env.items():
            types = {e.get(name, t) for e in envs} if envs else {t}
            merged[name] = unify(types) if len(types) > 1 else next(iter(types))
        casts = {n: t for n, t in merged.items() if any(e.get(n, outer_env[n]) != t for e in envs)}
        if casts:
            self.unstable_merges += 1
            # In the unified variant, every path reaching the merge ends with
            # the casts (an implicit else gets an explicit one).
            inserts = []
            for start, end, env, falls in paths:
                if falls:
                    inserts.append(end)
            for pos in sorted(inserts, reverse=True):
                for n, t in casts.items():
                    self.lines.insert(pos, (indent + 1, None, f"{n} = __unify({n}, {type_name(t)!r})"))
            if not has_else:
                self.emit(indent, None, "else:")
                for n, t in casts.items():
                    self.emit(indent + 1, None, f"{n} = __unify({n}, {type_name(t)!r})")
        self.env = {n: merged[n] for n in outer_env}
        self.protected = outer_prot

    def s_for_(self, indent, in_block):
        outer_env, outer_prot = self._enter()
        i = self.fresh("i")
        k = self.n(0, 4)
        rng = self.pick([f"range({k})", f"range(1, {k + 1})", f"range({k}, 0, -1)",
                         f"range(0, {2 * k}, 2)", f"range({k} - 1, -1, -1)"])
        self.emit(indent, f"for {i} in {rng}:")
        self.env[i] = int
        self.protected.add(i)
        self.loop_depth += 1
        self.block(indent + 1, self.n(1, 3), "loop")
        self.loop_depth -= 1
        self.env, self.protected = {n: outer_env[n] for n in outer_env}, outer_prot
        if self.n(0, 4) == 0:
            self.emit(indent, "else:")
            self.block(indent + 1, 1, "loop")
            self.env = {n: outer_env[n] for n in outer_env}

    def s_while_(self, indent, in_block):
        w = self.fresh("w")
        self.emit(indent, f"{w} = 0")
        self.env[w] = int
        self.protected.add(w)
        outer_env, outer_prot = self._enter()
        cond = f"{w} < {self.n(0, 4)}"
        if self.n(0, 2) == 0:
            extra = self.expr(self.n(1, 2))[0]
            cond = f"{cond} and {extra}"
        self.emit(indent, f"while {cond}:")
        self.emit(indent + 1, f"{w} += 1")
        self.loop_depth += 1
        self.block(indent + 1, self.n(1, 3), "loop")
        self.loop_depth -= 1
        self.env, self.protected = {n: outer_env[n] for n in outer_env}, outer_prot
        if self.n(0, 4) == 0:
            self.emit(indent, "else:")
            self.block(indent + 1, 1, "loop")
            self.env = {n: outer_env[n] for n in outer_env}

    def render(self, which):
        out = []
        for indent, plain, unified in self.lines:
            text = plain if which == 0 else unified
            if text is not None:
                out.append("    " * indent + text)
        return "\n".join(out) + "\n"


class Kernel:
    def __init__(self, name, in_types, out_dtype, body, body_unified, unstable_merges, R):
        self.name = name
        self.in_types = in_types
        self.out_dtype = out_dtype
        params = ", ".join(["x", "y", "z"][: len(in_types)])
        head = f"def {name}({params}):\n"
        self.source = head + body
        self.source_unified = head + body_unified if unstable_merges else None
        self.unstable_merges = unstable_merges
        self.static_tags = frozenset()
        self.R = R
        self.signature = f"{out_dtype.name}({', '.join(np.dtype(t).name for t in in_types)})"

    def __repr__(self):
        return f"signature {self.signature!r}\n{self.source}"


_kernel_counter = iter(range(10**9))


@st.composite
def kernels(draw):
    nin = draw(st.integers(1, 3))
    # Complex inputs a little less often (their flags are not compared).
    in_types = [draw(st.sampled_from(NP_TYPES + NP_TYPES[:-2])) for _ in range(nin)]
    unstable = draw(st.integers(0, 9)) == 0
    g = Gen(draw, in_types, unstable)
    g.R = draw(st.sampled_from(in_types + list(ALL_TYPES)))
    if draw(st.integers(0, 5)) == 0:
        g.emit(1, '"""A generated kernel."""')
    g.block(1, g.budget, None)
    g.emit(1, f"return {g.cast_expr(draw(st.integers(1, 3)), g.R)}")
    out = default_dtype(g.R)
    if g.R not in PY_NUMBER_TYPES and draw(st.integers(0, 6)) == 0:
        # A return cast that loses information (float to int, int to bool)
        # is a compile error asking for an explicit conversion.
        choices = [np.dtype(t) for t in NP_TYPES if np.can_cast(g.R, t, casting="same_kind")]
        out = draw(st.sampled_from(choices))
    elif g.R is int and draw(st.integers(0, 6)) == 0:
        out = np.dtype(draw(st.sampled_from([np.float64, np.float32, np.complex128])))
    name = f"fz_{os.getpid()}_{next(_kernel_counter)}"
    kernel = Kernel(name, in_types, out, g.render(0), g.render(1), g.unstable_merges, g.R)
    kernel.static_tags = frozenset(g.static_tags)
    return kernel


# --- input values ------------------------------------------------------------


def special_values(t):
    t = np.dtype(t).type
    if t is np.bool_:
        return [False, True]
    if t in NP_INT_TYPES:
        info = np.iinfo(t)
        vals = {0, 1, 2, 3, 7, 100, info.max, info.min, info.max - 1, info.min + 1, info.max // 2}
        if info.min < 0:
            vals |= {-1, -2, -3, -7, -100, info.min // 2}
        return sorted(v for v in vals if info.min <= v <= info.max)
    if t in NP_FLOAT_TYPES:
        fi = np.finfo(t)
        return [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 3.0, 2.0,
                7.25, 100.0, -100.0, float(fi.max), -float(fi.max), float(fi.tiny),
                float(fi.smallest_subnormal), -float(fi.smallest_subnormal), float(fi.eps), math.pi,
                1e-8, 710.0, -745.0, 89.0, 12.0, 127.5, 255.5, 2.0**31, 2.0**63, -(2.0**63), 2.0**64,
                1e19, 3e9, 65504.0, 70000.0, 1e300, 0.1, 0.7]
    return None


def values_for(t):
    t = np.dtype(t).type
    if t is np.bool_:
        return st.booleans()
    if t in NP_INT_TYPES:
        info = np.iinfo(t)
        return st.one_of(st.sampled_from(special_values(t)), st.integers(info.min, info.max),
                         st.integers(max(info.min, -20), min(info.max, 20)))
    if t in NP_FLOAT_TYPES:
        width = {np.float16: 16, np.float32: 32, np.float64: 64}[t]
        return st.one_of(st.sampled_from(special_values(t)), st.sampled_from(special_values(t)),
                         st.floats(width=width), st.floats(-20, 20, width=width))
    ft = np.float32 if t is np.complex64 else np.float64
    part = st.one_of(st.sampled_from(special_values(ft)), st.floats(-20, 20, width=32 if ft is np.float32 else 64))
    return st.builds(complex, part, part)


def input_arrays(draw, in_types):
    arrays = []
    for t in in_types:
        vals = draw(st.lists(values_for(t), min_size=N_VALUES, max_size=N_VALUES))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            arrays.append(np.array(vals, dtype=np.dtype(t)))
    return arrays


# --- running and comparing ---------------------------------------------------

_TMP = tempfile.mkdtemp(prefix="jitufunc-fuzz-kernels-")
atexit.register(shutil.rmtree, _TMP, True)


def load_kernel(kernel):
    """The kernel's Python function, from a module file (jitufunc reads the
    source)."""
    path = os.path.join(_TMP, f"{kernel.name}.py")
    with open(path, "w") as f:
        f.write(HEADER + kernel.source)
    spec = importlib.util.spec_from_file_location(kernel.name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[kernel.name] = module
    spec.loader.exec_module(module)
    return getattr(module, kernel.name)


class Outcome:
    """One evaluation: ``tag`` is 'value', 'raise' (``value`` names the
    exception) or 'skip' (``reason`` says why there is nothing to compare).
    ``known``: tags of known jitufunc issues met on the path; ``cplx``:
    complex values on the path (their flags are not compared: NumPy's complex
    functions raise flags for NaN and infinite parts that IEEE arithmetic on
    the parts would not, and the docs do not say which jitufunc follows)."""

    __slots__ = ("tag", "value", "flags", "approx", "reason", "known", "cplx", "soft")

    def __init__(self, tag, value=None, flags=0, approx=0, reason=None, known=frozenset(), cplx=False,
                 soft=0):
        self.tag, self.value, self.flags, self.approx, self.reason = tag, value, flags, approx, reason
        self.known, self.cplx, self.soft = known, cplx, soft

    def __repr__(self):
        if self.tag == "value":
            return f"{self.value!r} flags={flag_names(self.flags)}"
        if self.tag == "raise":
            return f"raises {self.value} flags={flag_names(self.flags)}"
        return f"skip ({self.reason})"


def flag_names(bits):
    return "{" + ", ".join(n for b, n in FLAG_NAMES.items() if bits & b) + "}"


def run_reference(func, oracle, args, out_dtype, mode):
    oracle.reset(mode)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                r = func(*args)
                v = cast_value(oracle, r, out_dtype)
        return Outcome("value", v, oracle.flags, oracle.approx, known=frozenset(oracle.known), cplx=oracle.cplx,
                       soft=oracle.soft)
    except Skip as exc:
        return Outcome("skip", reason=exc.reason)
    except (OverflowError, ValueError, RuntimeError, AssertionError) as exc:
        name = exception_name(exc)
        if name is None:
            raise
        return Outcome("raise", name, oracle.flags, oracle.approx, known=frozenset(oracle.known),
                       cplx=oracle.cplx, soft=oracle.soft)


def exception_name(exc):
    """How an exception the kernel may raise is compared: NumPy's
    OverflowError for a Python int out of bounds (by class), and the
    kernel's own raise/assert statements (class and message); None for
    anything else."""
    if isinstance(exc, OverflowError) and "out of bounds" in str(exc):
        return "OverflowError"
    if type(exc) in (ValueError, RuntimeError, AssertionError) and str(exc).startswith("fz-"):
        return f"{type(exc).__name__}({str(exc)!r})"
    return None


def reference_outcomes(func, oracle, args, out_dtype):
    """The oracle's outcome, and those with nudged transcendental results
    when the path calls any."""
    first = run_reference(func, oracle, args, out_dtype, 0)
    if first.tag == "skip" or not first.approx:
        return [first]
    return [first] + [run_reference(func, oracle, args, out_dtype, m) for m in (1, 2, 3, 4)]


class Capture:
    def __init__(self):
        self.bits = 0

    def __call__(self, msg, flag):
        self.bits |= flag & (1 | 2 | 8)


def run_ufunc(ufunc, arrays):
    cap = Capture()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="call", call=cap):
                out = ufunc(*arrays)
        return Outcome("value", out, cap.bits)
    except (OverflowError, ValueError, RuntimeError, AssertionError) as exc:
        return Outcome("raise", exception_name(exc) or repr(exc), cap.bits, reason=repr(exc))


def same_exact(a, b):
    """Equal values: NaN equals NaN (any payload), zeros by sign."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "c":
        if np.isnan(b.real) or np.isnan(b.imag):
            # Next to a NaN part the sign of a zero part is unspecified
            # (C99 Annex G: csin(nan + 0i) is nan + 0i or nan - 0i).
            a, b = a + 0.0, b + 0.0
        return same_exact(a.real, b.real) and same_exact(a.imag, b.imag)
    if a.dtype.kind == "f":
        if np.isnan(a) or np.isnan(b):
            return bool(np.isnan(a) and np.isnan(b))
        return bool(a == b and np.signbit(a) == np.signbit(b))
    return bool(a == b)


def within(got, vals, dtype):
    """Whether ``got`` lies in the range of the nudged reference values
    ``vals`` (4 ulp of slack); None when they disagree in a way no range
    describes (NaN in some only, different bools)."""
    dtype = np.dtype(dtype)
    vals = [np.asarray(v) for v in vals]
    if dtype.kind == "c":
        part = np.float32 if dtype == np.complex64 else np.float64
        if np.isnan(vals[0].real) or np.isnan(vals[0].imag):
            got, vals = np.asarray(got) + 0.0, [v + 0.0 for v in vals]  # (see same_exact)
        re = within(np.asarray(got).real, [v.real for v in vals], part)
        im = within(np.asarray(got).imag, [v.imag for v in vals], part)
        return None if re is None or im is None else re and im
    if dtype.kind == "b":
        return same_exact(got, vals[0]) if all(same_exact(v, vals[0]) for v in vals) else None
    if dtype.kind in "iu":
        ints = [int(v) for v in vals]
        return min(ints) <= int(got) <= max(ints)
    nans = [bool(np.isnan(v)) for v in vals]
    if all(nans):
        return bool(np.isnan(got))
    if any(nans):
        return None
    if all(same_exact(v, vals[0]) for v in vals) and (not np.isfinite(vals[0]) or vals[0] == 0):
        return same_exact(got, vals[0])
    if np.isnan(got):
        return False
    lo, hi = min(vals), max(vals)
    with np.errstate(all="ignore"):
        slack = 2 * np.spacing(max(abs(lo), abs(hi)).astype(dtype))
    if not np.isfinite(slack):
        slack = 0
    return bool(lo - slack <= got <= hi + slack)


def judge(got_value, got_flags, refs, out_dtype, check_flags=True):
    """(verdict, detail) of one element: verdict 'ok', 'fail', 'fragile',
    'skip' or 'known' (``detail`` then names the issue)."""
    first = refs[0]
    if first.tag == "skip":
        return "skip", first.reason
    if any(r.tag != first.tag for r in refs):
        return "fragile", "the outcome changes with the nudges"
    verdict, detail = _judge(got_value, got_flags, refs, out_dtype, check_flags and not first.cplx)
    if verdict == "fail" and first.known:
        tags = set().union(*(r.known for r in refs))
        if tags & {BIG_LITERAL, KERNEL_CALL, FLOOR_OF_INT, REAL_OF_PY} or (
                detail == "flags" and tags & {F16_OVERFLOW, GAMMA_OVERFLOW, FLOORDIV_OVERFLOW}):
            return "known", sorted(tags)[0]
    return verdict, detail


def _judge(got_value, got_flags, refs, out_dtype, check_flags):
    first = refs[0]
    if first.tag == "raise":
        raised = isinstance(got_value, tuple) and got_value == ("raise", first.value)
        return ("ok" if raised else "fail"), f"expected {first.value}"
    if isinstance(got_value, tuple):
        return "fail", f"jitufunc raised {got_value[1]}"
    if len(refs) == 1:
        ok = same_exact(got_value, first.value)
    else:
        ok = within(got_value, [r.value for r in refs], out_dtype)
        if ok is None:
            return "fragile", "the reference values disagree"
    if not ok:
        return "fail", "value"
    if check_flags:
        must, allowed = first.flags, 0
        for r in refs:
            must &= r.flags
            allowed |= r.flags | r.soft
        if got_flags & ~allowed or must & ~got_flags:
            return "fail", "flags"
    return "ok", ""


def describe(kernel, arrays, i, refs, got_value, got_flags, what, detail):
    args = ", ".join(f"np.{np.dtype(a.dtype).name}({a[i].item()!r})" for a in arrays)
    return (f"{what}: {detail}\n  kernel ({kernel.signature}):\n{kernel.source}"
            f"  input: ({args})\n  expected: {refs[0]!r}"
            + (f" (nudged: {refs[1:]!r})" if len(refs) > 1 else "")
            + f"\n  got: {got_value!r} flags={flag_names(got_flags)}")


def documented_refusal(exc):
    """The documented compile error ``exc`` is, if it is one: arithmetic on
    int constants (literals, and variables holding one) is folded when
    compiling, exactly, and what raises in Python is a compile error on any
    path (supported.md: int literals are "checked at compile time"; an int
    literal that does not fit the type it meets is a compile error). The
    claim in the message is checked."""
    import re

    if not isinstance(exc, jitufunc.errors.TypingError):
        return None
    msg = str(exc)
    m = re.match(r"\S+ (//|%|/) 0 divides by zero \(Python raises ZeroDivisionError\)", msg)
    if m:
        return "compile error: int constant // 0"
    m = re.match(r"Python integer (-?\d+) out of bounds for (\w+) \(NumPy raises OverflowError here\)", msg)
    if m:
        info = np.iinfo(np.dtype(m.group(2)))
        if not info.min <= int(m.group(1)) <= info.max:
            return "compile error: int constant out of bounds"
    return None


VECTOR_FLAGS = "vector loop misses a flag (test_vector_path_keeps_flags_of_values_used_only_on_untaken_paths)"
MERGE = "types differ where paths merge (test_merge_unifies_variable_types)"


def check_kernel(kernel, arrays):
    """Compiles and runs ``kernel``; returns the list of failure messages."""
    func = load_kernel(kernel)
    namespace = {"math": math, "cmath": cmath, "np": np, **CONSTANTS}
    variants = [oracle_function(kernel.source, kernel.name, namespace, HELPERS)]
    if kernel.source_unified:
        variants.append(oracle_function(kernel.source_unified, kernel.name, namespace, HELPERS))
    n = len(arrays[0])
    elements = [tuple(a[i] for a in arrays) for i in range(n)]
    try:
        refs = [[reference_outcomes(f, o, args, kernel.out_dtype) for args in elements] for f, o in variants]
    except Exception as exc:  # noqa: BLE001 - a generator or oracle bug
        raise AssertionError(f"the reference failed: {exc!r}\n{kernel!r}") from exc

    try:
        ufunc = vectorize([kernel.signature])(func)
    except Exception as exc:  # noqa: BLE001 - reported as a failure
        refusal = documented_refusal(exc)
        if refusal:
            KNOWN[refusal] += 1
            return []
        if kernel.static_tags:
            # e.g. "'>' is not supported between Python complex numbers" in
            # a kernel called with Python numbers only
            for tag in kernel.static_tags:
                KNOWN[tag] += 1
            return []
        return [f"compile error {type(exc).__name__}: {exc}\n  kernel ({kernel.signature}):\n{kernel.source}"]
    STATS["kernels"] += 1
    if kernel.unstable_merges:
        STATS["kernels with an unstable merge"] += 1

    failures = []
    whole = run_ufunc(ufunc, arrays)
    singles = [run_ufunc(ufunc, [a[i:i + 1] for a in arrays]) for i in range(n)]

    def got_of(o, i):
        return ("raise", o.value) if o.tag == "raise" else o.value[i]

    verdicts = []
    for i in range(n):
        s = singles[i]
        got = got_of(s, 0)
        verdict, detail = judge(got, s.flags, refs[0][i], kernel.out_dtype)
        if verdict == "fail" and len(refs) > 1 and judge(got, s.flags, refs[1][i], kernel.out_dtype)[0] == "ok":
            verdict, detail = "known", MERGE
        verdicts.append(verdict)
        if verdict == "skip":
            SKIPS[detail] += 1
        elif verdict == "known":
            KNOWN[detail] += 1
        elif verdict == "fragile":
            STATS["elements not compared: fragile under the nudges"] += 1
        elif verdict == "ok":
            STATS["elements (exact)" if len(refs[0][i]) == 1 else "elements (transcendental, in range)"] += 1
            if refs[0][i][0].tag == "raise":
                STATS["elements raising the expected exception (among those)"] += 1
            if refs[0][i][0].cplx:
                STATS["elements whose flags are not compared (complex values)"] += 1
        else:
            failures.append(describe(kernel, arrays, i, refs[0][i], got, s.flags, "scalar path", detail))

    # The whole array (the vector loop): the same values, and the union of
    # the elements' flags.
    # (the loop stops at the first element that raises, and the call raises
    # its exception: supported.md, Statements)
    raising = [i for i in range(n) if refs[0][i][0].tag == "raise"]
    if raising:
        first = raising[0]
        if verdicts[first] == "ok" and all(v == "ok" for v in verdicts[:first]) and (
                whole.tag != "raise" or whole.value != refs[0][first][0].value):
            failures.append(f"whole array: {whole!r}; expected {refs[0][first][0].value} (element {first} "
                            f"raises it alone, the earlier ones do not)\n{kernel!r}")
        return failures
    if whole.tag == "raise":
        if all(v == "ok" for v in verdicts):
            failures.append(f"whole array raised {whole.reason}; no element does alone\n{kernel!r}")
        return failures
    must = allowed = 0
    unknown = False
    for i in range(n):
        ref = refs[0][i]
        if verdicts[i] != "ok":
            unknown = True
            continue
        got = got_of(whole, i)
        verdict, detail = judge(got, 0, ref, kernel.out_dtype, check_flags=False)
        if verdict == "fail":
            failures.append(describe(kernel, arrays, i, ref, got, whole.flags, "vector path", detail))
        if ref[0].cplx:
            unknown = True
            continue
        m = ref[0].flags
        for r in ref:
            m &= r.flags
            allowed |= r.flags | r.soft
        must |= m
    inputs = f"  inputs: {[a.tolist() for a in arrays]}"
    if not unknown and whole.flags & ~allowed:
        failures.append(f"whole array: flags {flag_names(whole.flags)}, expected {flag_names(must)}\n"
                        f"{kernel!r}{inputs}")
    elif must & ~whole.flags:
        # Each element's flags were right on its own (the scalar path).
        KNOWN[VECTOR_FLAGS] += 1
    return failures


# --- the tests ---------------------------------------------------------------


class _Summary:
    """Prints the counts at the end of the session."""

    def pytest_terminal_summary(self, terminalreporter):
        if not STATS:
            return
        tr = terminalreporter
        tr.section("jitufunc kernel fuzzing")
        exact, approx = STATS["elements (exact)"], STATS["elements (transcendental, in range)"]
        tr.write_line(f"{STATS['kernels']} kernels compiled and checked, {STATS['input values']} input values; "
                      f"{exact + approx} elements compared on both paths ({exact} exactly, {approx} within "
                      f"the nudged range); examples requested: {EXAMPLES}")
        for k, v in sorted(STATS.items()):
            tr.write_line(f"  {k}: {v}")
        for k, v in sorted(KNOWN.items()):
            what = "documented" if k.startswith("compile error") else "known difference, not failed"
            tr.write_line(f"  {what}: {k}: {v}")
        for k, v in sorted(SKIPS.items()):
            tr.write_line(f"  element not compared: {k}: {v}")


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    if not request.config.pluginmanager.has_plugin("jitufunc-fuzz-summary"):
        request.config.pluginmanager.register(_Summary(), "jitufunc-fuzz-summary")


# No shrinking unless asked for: each step compiles a kernel, and a failure
# already prints the kernel, its signature and the failing inputs.
_PHASES = list(Phase) if os.environ.get("JITUFUNC_FUZZ_SHRINK") else [Phase.explicit, Phase.generate]


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck), phases=_PHASES)
@given(st.data())
def test_fuzz_kernels(data):
    kernel = data.draw(kernels(), label="kernel")
    note(repr(kernel))
    arrays = input_arrays(data.draw, kernel.in_types)
    STATS["input values"] += len(arrays[0]) * len(arrays)
    failures = check_kernel(kernel, arrays)
    if failures:
        pytest.fail(f"{len(failures)} mismatches; the first:\n" + "\n\n".join(failures[:3]), pytrace=False)


def test_fuzz_summary():
    """Runs after the fuzzer (file order): it must have compared values."""
    if not STATS["input values"]:
        pytest.skip("test_fuzz_kernels did not run in this session (nothing to summarise)")
    assert STATS["kernels"] >= min(EXAMPLES, 10) // 2, STATS
    assert STATS["elements (exact)"] > 0, STATS
    compared = STATS["elements (exact)"] + STATS["elements (transcendental, in range)"]
    print(f"{STATS['kernels']} kernels, {STATS['input values']} input values, {compared} elements compared; "
          f"known differences met: {sum(KNOWN.values())}; elements not compared: {sum(SKIPS.values())}")


# --- known differences found by the fuzzer -----------------------------------
#
# Each is a minimal case of a behaviour the fuzzer meets (and counts, see
# the tags in fuzz_kernels_oracle.py); strict xfails, so that a fix shows up.
# The expected values come from Python/NumPy.


def _kernel_from_source(source, name="kernel"):
    kernel = Kernel(f"fzreg_{os.getpid()}_{next(_kernel_counter)}", [], np.dtype(np.float64), "", "", 0, None)
    path = os.path.join(_TMP, f"{kernel.name}.py")
    with open(path, "w") as f:
        f.write(HEADER + source)
    spec = importlib.util.spec_from_file_location(kernel.name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[kernel.name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def _flags_of(call):
    cap = Capture()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="call", call=cap):
            result = call()
    return result, flag_names(cap.bits)


@pytest.mark.xfail(strict=True, reason="types of a variable differ where paths merge: jitufunc promotes")
def test_merge_unifies_variable_types():
    """A variable assigned an int8 on one path and a float on the other gets
    one promoted type (float64), so ``v * 100`` does not wrap as the int8
    that Python computes with on the ``x > 0`` path (300.0 instead of 44.0).
    Not in docs/supported.md."""
    f = _kernel_from_source(
        "def kernel(x):\n"
        "    if x > 0:\n"
        "        v = x\n"
        "    else:\n"
        "        v = 1.5\n"
        "    return v * 100\n")
    x = np.array([3, -1], dtype=np.int8)
    with np.errstate(all="ignore"):
        expected = np.array([f(v) for v in x], dtype=np.float64)  # [44.0, 150.0]
    np.testing.assert_array_equal(vectorize(["float64(int8)"])(f)(x), expected)


@pytest.mark.xfail(strict=True, reason="the vector loop misses invalid of a value used only on untaken paths")
def test_vector_path_keeps_flags_of_values_used_only_on_untaken_paths():
    """``math.sqrt(-1.0)`` runs on every element (Python raises ValueError;
    documented: invalid), but its value is used only after a branch that no
    element takes: a one-element call reports invalid, a 24-element call
    (the vector loop) reports nothing."""
    f = _kernel_from_source(
        "def kernel(x):\n"
        "    y = math.sqrt(x - 1.0)\n"
        "    if x < 1:\n"
        "        return 3.0\n"
        "    return y\n")
    u = vectorize(["float64(float64)"])(f)
    x = np.zeros(24)
    with pytest.raises(ValueError):
        f(0.0)
    assert _flags_of(lambda: u(x[:1]))[1] == "{invalid}"
    assert _flags_of(lambda: u(x))[1] == "{invalid}"


@pytest.mark.xfail(strict=True, reason="uint64 meets an int literal >= 2**63: OverflowError or a wrong value")
@pytest.mark.parametrize("expr", ["x + 18446744073709551614", "np.minimum(x, 18446744073709551614)",
                                  "np.copysign(x, 18446744073709551614)", "x == 18446744073709551615"])
def test_uint64_literal_above_int64_max(expr):
    """An int literal in [2**63, 2**64) meeting a uint64 is taken as a
    negative int64: "OverflowError: Python integer -2 out of bounds for
    uint64" at run time, or a wrong sign (``np.copysign``: -7.0 for 7.0)."""
    f = _kernel_from_source(f"def kernel(x):\n    return {expr}\n")
    x = np.array([7, 2**64 - 1], dtype=np.uint64)
    with np.errstate(all="ignore"):
        expected = np.array([f(v) for v in x])
    got = vectorize([f"{expected.dtype.name}(uint64)"])(f)(x)
    np.testing.assert_array_equal(got, expected)


def test_uint64_compared_with_negative_python_int():
    """NumPy compares a uint64 with any Python int exactly (``5 < -8`` is
    False), a run-time Python int too (``int(y)`` here: a negative one is
    below every uint64)."""
    f = _kernel_from_source("def kernel(x, y):\n    return x < int(y)\n")
    x, y = np.array([5], dtype=np.uint64), np.array([-8], dtype=np.int64)
    expected = [f(x[0], y[0])]  # False
    np.testing.assert_array_equal(vectorize(["bool(uint64, int64)"])(f)(x, y), expected)


@pytest.mark.xfail(strict=True, reason="int literal arithmetic beyond int64 silently wraps")
@pytest.mark.parametrize("expr", ["float(2**70) + x", "(1 << 70) + x"])
def test_constant_int_beyond_int64(expr):
    """Arithmetic on int literals is documented as exact and checked when
    compiling; ``2**70`` becomes 0 instead (1.0 for 1.1805916207174113e+21)."""
    f = _kernel_from_source(f"def kernel(x):\n    return {expr}\n")
    try:
        u = vectorize(["float64(float64)"])(f)
    except jitufunc.errors.TypingError:
        return  # a compile-time refusal would be within the docs
    x = np.array([1.0])
    np.testing.assert_array_equal(u(x), [f(x[0])])


@pytest.mark.xfail(strict=True, reason="kernel called with Python numbers only: Python types, not a ufunc's")
@pytest.mark.parametrize("arg, sig", [("bool(x)", "int64(float64)"), ("complex(x)", "int64(float64)")])
def test_kernel_call_with_python_numbers(arg, sig):
    """Called from Python, ``helper(True)`` is a ufunc call on NumPy's
    default dtypes (``np.True_ + np.True_`` is True, so 1); inlined in a
    kernel it is compiled for Python's bool (2), and for a Python complex
    ``a > 0`` is a compile error ("'>' is not supported between Python
    complex numbers")."""
    f = _kernel_from_source(
        "@vectorize\n"
        "def helper(a):\n"
        "    return a + a if a > 0 else a * a\n\n\n"
        f"def kernel(x):\n    return np.int64(helper({arg}).real)\n")
    x = np.array([3.0])
    expected = [f(v) for v in x]
    np.testing.assert_array_equal(vectorize([sig])(f)(x), expected)


@pytest.mark.xfail(strict=True, reason="np.real/np.imag of a Python number: a NumPy scalar, not the number")
@pytest.mark.parametrize("expr, sig", [("np.real(float(x)) * np.float32(1.1)", "float64(float64)"),
                                       ("np.real(bool(x)) + np.True_", "int64(float64)")])
def test_numpy_real_of_python_number(expr, sig):
    """``np.real(v)`` returns ``v.real``: a Python float stays a (weak)
    Python float, so ``* np.float32(1.1)`` is float32 (3.3000002), and
    ``True.real`` is the int 1 (``+ np.True_``: 2); jitufunc gives a NumPy
    float64 (3.3000000715) and a NumPy bool (1)."""
    f = _kernel_from_source(f"def kernel(x):\n    return {expr}\n")
    x = np.array([3.0])
    expected = np.array([f(x[0])], dtype=sig.split("(")[0])
    np.testing.assert_array_equal(vectorize([sig])(f)(x), expected)


@pytest.mark.xfail(strict=True, reason="np.int8(a Python float) out of range: no OverflowError")
def test_numpy_int_of_python_float_out_of_range():
    """NumPy raises OverflowError for ``np.int8(300.5)`` (as for a Python
    int, which jitufunc raises too); jitufunc casts (44)."""
    f = _kernel_from_source("def kernel(x):\n    return np.int8(float(x))\n")
    with pytest.raises(OverflowError):
        f(np.float64(300.5))
    u = vectorize(["int8(float64)"])(f)
    with pytest.raises(OverflowError):
        u(np.array([300.5]))


@pytest.mark.xfail(strict=True, reason="math.floor of a NumPy int beyond 2**53 is not rounded through float")
def test_math_floor_of_numpy_int():
    """NumPy integers have no ``__floor__``, so ``math.floor``/``math.ceil``
    convert them to float first (2**53 + 1 gives 2**53); jitufunc returns the
    integer unchanged."""
    f = _kernel_from_source("def kernel(x):\n    return math.floor(x)\n")
    x = np.array([2**53 + 1], dtype=np.int64)
    expected = [f(x[0])]  # 9007199254740992
    np.testing.assert_array_equal(vectorize(["int64(int64)"])(f)(x), expected)


@pytest.mark.xfail(strict=True, reason="Python float ** giving a complex number: nan")
def test_python_float_power_is_complex():
    """A Python float to a fractional power with a negative base is complex
    in Python ((-4.0) ** 0.5 is 2j); jitufunc gives nan with invalid. Not in
    the docs."""
    f = _kernel_from_source("def kernel(x):\n    return float(x) ** 0.5\n")
    assert isinstance(f(np.float64(-4.0)), complex)
    with np.errstate(all="ignore"):
        got = vectorize(["complex128(float64)"])(f)(np.array([-4.0]))
    np.testing.assert_allclose(got, [f(np.float64(-4.0))])


@pytest.mark.xfail(strict=True, reason="int to float16 overflow without the overflow flag")
def test_int_to_float16_overflow_flag():
    """int32, uint32 and int64 values beyond float16's range convert to inf
    without the overflow flag NumPy reports ("overflow encountered in cast";
    float32 to float16 reports it)."""
    f = _kernel_from_source("def kernel(x):\n    return np.float16(x)\n")
    x = np.array([70000], dtype=np.int32)
    assert _flags_of(lambda: f(x[0]))[1] == "{overflow}"
    assert _flags_of(lambda: vectorize(["float16(int32)"])(f)(x))[1] == "{overflow}"


@pytest.mark.xfail(strict=True, reason="math.gamma/lgamma overflow reports divide-by-zero, not overflow")
@pytest.mark.parametrize("fn, x", [("gamma", 200.0), ("lgamma", 1e308)])
def test_gamma_overflow_flag(fn, x):
    """Python raises OverflowError for ``math.gamma(200.0)`` and
    ``math.lgamma(1e308)``; documented: the IEEE value (inf) with the
    overflow flag."""
    f = _kernel_from_source(f"def kernel(x):\n    return math.{fn}(x)\n")
    with pytest.raises(OverflowError):
        f(x)
    got, flags = _flags_of(lambda: vectorize(["float64(float64)"])(f)(np.array([x])))
    assert got[0] == np.inf
    assert flags == "{overflow}"


@pytest.mark.xfail(strict=True, reason="float // whose quotient overflows: no invalid (NumPy's npy_divmod)")
def test_floor_divide_overflow_flags():
    """NumPy's ``1e300 // 1e-300`` is inf with overflow and invalid (its
    npy_divmod computes inf - inf); jitufunc reports overflow only."""
    f = _kernel_from_source("def kernel(x):\n    return x // 1e-300\n")
    x = np.array([1e300])
    expected, expected_flags = _flags_of(lambda: f(x[0]))
    got, flags = _flags_of(lambda: vectorize(["float64(float64)"])(f)(x))
    assert (got[0], flags) == (expected, expected_flags)


@pytest.mark.xfail(strict=True, reason="constant 0 ** -1 folds to inf without divide-by-zero")
def test_constant_zero_to_negative_power():
    """``0 ** -1`` raises ZeroDivisionError in Python; ``3 // 0`` is a compile
    error, this is folded to inf without the divide-by-zero flag."""
    f = _kernel_from_source("def kernel(x):\n    return (0 ** -1) + x\n")
    with pytest.raises(ZeroDivisionError):
        f(1.0)
    try:
        u = vectorize(["float64(float64)"])(f)
    except jitufunc.errors.TypingError:
        return
    assert _flags_of(lambda: u(np.array([1.0])))[1] == "{divide}"
