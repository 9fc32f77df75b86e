"""The reference side of ``test_fuzz_kernels.py``: a kernel's source,
rewritten so that every operator, comparison and call goes through an
``Oracle``, run on NumPy scalars of the signature's dtypes.

The oracle computes what Python/NumPy compute and records the floating-point
flags (divide, overflow, invalid) the path raises. Where Python cannot give a
value a ufunc loop could return (an exception), it substitutes the behaviour
docs/supported.md and docs/differences.md document for jitufunc, and nothing
else:

* ``math``/``cmath`` domain and range errors (``ValueError``,
  ``OverflowError``): the IEEE result with its flag ("math.log(0.0) reports
  divide by zero, math.sqrt(-1.0) invalid, math.exp(1000.0) overflow"; for
  cmath NumPy's value), and the three C11 values supported.md lists where
  CPython's cmath keeps C99's ``nan+nanj``;
* Python float/complex ``ZeroDivisionError`` (and ``OverflowError`` of
  ``**``): the IEEE result and flag (the flags rule: "exactly when, on the
  path the Python code takes, IEEE arithmetic would");
* integer ``// 0`` and ``% 0``: 0 with divide-by-zero; ``MIN // -1``: MIN with
  overflow (supported.md, Statements);
* integer ``x ** -n`` (NumPy's ValueError): invalid and ``1 // x**n``
  truncated (supported.md, Floating-point errors); ``0 ** -n`` is left open;
* ``int(x)``, ``round(x)``, ``math.floor/ceil/trunc`` of NaN, infinities and
  values out of the int64 range: a saturated value with invalid
  (differences.md: "int(nan) and float-to-int conversions out of range give a
  saturated value and report an invalid operation"); NaN saturates to 0;
* run-time Python ints are 64 bits and wrap (differences.md);
* ``round(x, n)`` of a Python float uses NumPy's algorithm (supported.md);
* a float-to-integer NumPy cast (``np.int8(np.float64(x))``, output casts)
  follows NumPy's x86 conversion through int32/int64 where that is defined
  and saturates where NumPy's value is undefined (the same rule);
* integer overflow of ``+ - * **`` and unary operations is not a flag (NumPy
  arrays wrap silently; only its scalar operators warn);
* another ``@vectorize`` kernel called from the kernel is a ufunc call: its
  Python source on the arguments (Python numbers only: NumPy's default
  dtypes), the result a NumPy scalar.

An element for which the docs leave the value open, or whose value is a known
difference, raises ``Skip`` (the test counts the reasons). Paths that meet a
known jitufunc issue in a way that may show are tagged (``known``, the tags
below); paths with complex values are marked (``cplx``: their flags are not
compared).

Transcendental functions in jitufunc's vector loops come from libmvec, within
4 ulp, not libm's or NumPy's implementations. Each call of one counts as
*approximate*; the oracle can nudge every approximate result by
``NUDGE_ULPS`` ulp up, down or alternately (``mode``), so the test can tell a
result that is robust to such differences from one that a few ulp flip. Their
flags with an infinite or NaN argument are only allowed (``soft``), not
required.
"""

import ast
import cmath
import math
import operator

import numpy as np

FLAG_NAMES = {1: "divide", 2: "overflow", 8: "invalid"}  # underflow (4) is never reported
NUDGE_ULPS = 4
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

NP_INT_TYPES = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)
NP_FLOAT_TYPES = (np.float16, np.float32, np.float64)
NP_COMPLEX_TYPES = (np.complex64, np.complex128)
NP_TYPES = (np.bool_,) + NP_INT_TYPES + NP_FLOAT_TYPES + NP_COMPLEX_TYPES
PY_TYPES = (bool, int, float, complex)


# Tags of known jitufunc issues (each has a regression test in
# test_fuzz_kernels.py); an element whose path meets one may differ in the
# way the tag says and is then counted, not failed.
BIG_LITERAL = "uint64 meets an int literal >= 2**63 (test_uint64_literal_above_int64_max)"
F16_OVERFLOW = "int to float16 overflow without its flag (test_int_to_float16_overflow_flag)"
GAMMA_OVERFLOW = "math.gamma/lgamma overflow flagged divide (test_gamma_overflow_flag)"
KERNEL_CALL = "kernel called with Python numbers only (test_kernel_call_with_python_numbers)"
FLOOR_OF_INT = "math.floor of a NumPy int beyond 2**53 (test_math_floor_of_numpy_int)"
REAL_OF_PY = "np.real/np.imag of a Python number (test_numpy_real_of_python_number)"
FLOORDIV_OVERFLOW = "float // overflow without NumPy's invalid (test_floor_divide_overflow_flags)"


class Skip(Exception):
    """The element has no value to compare: ``reason`` names why (a
    documented difference, or a case whose value the docs leave open)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def wrap64(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def is_py(v):
    return type(v) in PY_TYPES


def kind(v):
    """'b', 'i', 'u', 'f' or 'c' of a Python number or NumPy scalar."""
    t = type(v)
    if t is bool:
        return "b"
    if t is int:
        return "i"
    if t is float:
        return "f"
    if t is complex:
        return "c"
    return np.dtype(t).kind


def _isnan(v):
    return v != v


def float_to_int(x, target):
    """``x`` (a real float) converted to integer type ``target`` (a NumPy
    integer type, or ``int`` for a 64-bit run-time Python int) as jitufunc
    documents: NumPy's x86 conversion through an int32 (int64 for uint32,
    int64 and uint64) intermediate, saturated (NaN to 0) with invalid where
    that intermediate cannot hold the value. Returns (value, invalid)."""
    x = float(x)
    if target is int:
        target = np.int64
    bits = 64 if target in (np.uint32, np.int64, np.uint64) else 32
    lo, hi = -(2.0 ** (bits - 1)), 2.0 ** (bits - 1)
    if target is np.uint64:
        hi = 2.0**64
    invalid = not (lo <= x < hi)
    if _isnan(x):
        n = 0
    elif x <= -(2.0 ** (bits - 1)):
        n = -(2 ** (bits - 1))
    elif x >= hi:
        n = 2**64 - 1 if target is np.uint64 else 2 ** (bits - 1) - 1
    else:
        n = int(x)  # truncates
    info = np.iinfo(target)
    n &= (1 << info.bits) - 1
    if info.min < 0 and n > info.max:
        n -= 1 << info.bits
    return n, invalid


def nudge(v, steps, imag_steps=None):
    """``v`` moved by ``steps`` ulp (of its own type; the imaginary part of a
    complex number by ``imag_steps``, default the same); zeros, infinities
    and NaNs stay."""
    if steps == 0:
        return v
    k = kind(v)
    if k == "c":
        im = steps if imag_steps is None else imag_steps
        if type(v) is complex:
            return complex(nudge(v.real, steps), nudge(v.imag, im))
        ft = np.float32 if type(v) is np.complex64 else np.float64
        return type(v)(complex(nudge(ft(v.real), steps), nudge(ft(v.imag), im)))
    if k != "f":
        return v
    py = type(v) is float
    x = np.float64(v) if py else v
    if x == 0 or not np.isfinite(x):
        return v
    target = type(x)(np.inf if steps > 0 else -np.inf)
    for _ in range(abs(steps)):
        x = np.nextafter(x, target)
    return float(x) if py else x


class _Capture:
    """Collects NumPy's floating-point error callbacks."""

    __slots__ = ("bits",)

    def __init__(self):
        self.bits = 0

    def __call__(self, msg, flag):
        self.bits |= flag


def np_eval(fn, *args):
    """(``fn(*args)``, flag bits) with NumPy's errors collected."""
    cap = _Capture()
    with np.errstate(all="call", call=cap):
        value = fn(*args)
    return value, cap.bits


_BINOPS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
}
_UNOPS = {"-": operator.neg, "+": operator.pos, "~": operator.invert}
_CMPOPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
           "!=": operator.ne}

# Functions whose results jitufunc may compute differently by a few ulp
# (libmvec in vector loops; CPython's own gamma/lgamma/hypot/erf).
_APPROX_MATH = {
    "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "cbrt", "sin", "cos", "tan", "asin",
    "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "hypot", "pow",
    "erf", "erfc", "gamma", "lgamma", "degrees", "radians", "phase",
}
_APPROX_NP = {
    "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "cbrt", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "hypot", "power", "pow", "degrees", "radians", "deg2rad", "rad2deg", "angle",
}
# NumPy equivalents of math/cmath functions (for the IEEE result where
# Python raises).
_NP_EQUIV = {
    "sqrt": np.sqrt, "exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
    "log2": np.log2, "log10": np.log10, "exp2": np.exp2, "cbrt": np.cbrt, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "atan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh,
    "acosh": np.arccosh, "atanh": np.arctanh, "hypot": np.hypot, "pow": np.power,
    "fabs": np.fabs, "copysign": np.copysign, "fmod": np.fmod,
}
_MATH_BY_ID = {id(getattr(math, n)): n for n in dir(math) if callable(getattr(math, n))}
_CMATH_BY_ID = {id(getattr(cmath, n)): n for n in dir(cmath) if callable(getattr(cmath, n))}
_NP_BY_ID = {}
for _n in ("sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "cbrt", "sin", "cos",
           "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh",
           "arccosh", "arctanh", "hypot", "power", "pow", "fabs", "abs", "absolute", "floor",
           "ceil", "trunc", "rint", "copysign", "fmod", "isnan", "isinf", "isfinite", "degrees",
           "radians", "deg2rad", "rad2deg", "sign", "square", "reciprocal", "conj", "conjugate",
           "real", "imag", "angle", "maximum", "minimum", "fmax", "fmin", "asin", "acos", "atan",
           "atan2", "asinh", "acosh", "atanh"):
    if hasattr(np, _n):
        _NP_BY_ID.setdefault(id(getattr(np, _n)), _n)
_NP_TYPE_IDS = {id(t): t for t in NP_TYPES}


def _to_np(v):
    """A Python number as the NumPy scalar NumPy's default dtypes give it."""
    t = type(v)
    if t is bool:
        return np.bool_(v)
    if t is int:
        return np.int64(v)
    if t is float:
        return np.float64(v)
    if t is complex:
        return np.complex128(v)
    return v


def _int_power(a, b):
    """Whether NumPy computes ``a ** b`` as an integer power (not uint64 with
    int64, which is float64)."""
    if kind(a) not in "biu" or kind(b) not in "iu":
        return False
    try:
        return np.result_type(a, b).kind in "iu"
    except (OverflowError, TypeError):
        return True


class Oracle:
    """Evaluation state of one run of a rewritten kernel."""

    def __init__(self):
        self.reset(0)

    def reset(self, mode):
        self.mode = mode  # 0: exact; 1: up; 2: down; 3, 4: alternating
        self.flags = 0
        self.soft = 0  # flags allowed but not required (see _fn_flags)
        self.approx = 0
        self.known = set()  # tags of known jitufunc issues met on the path
        self.cplx = False  # complex values on the path: flags not compared

    def _look(self, args, result=None):
        """Notes complex values and known-issue triggers among operands."""
        for a in args:
            t = type(a)
            if t is complex or t in NP_COMPLEX_TYPES:
                self.cplx = True
            elif t is int and not (I64_MIN <= a <= I64_MAX):
                self.known.add(BIG_LITERAL)
        if result is not None:
            rt = type(result)
            if rt is complex or rt in NP_COMPLEX_TYPES:
                self.cplx = True
            elif rt is np.float16 and any(kind(a) in "biu" and abs(int(a)) >= 65520 for a in args):
                self.known.add(F16_OVERFLOW)

    # --- helpers ---------------------------------------------------------

    def _approx(self, v):
        i = self.approx
        self.approx += 1
        m = self.mode
        if m == 0:
            return v
        sign = {1: 1, 2: -1, 3: 1 if i % 2 == 0 else -1, 4: -1 if i % 2 == 0 else 1}[m]
        # (modes 3 and 4 move the parts of a complex result apart: squaring
        # sqrt(1e300j), whose parts are equal or 1 ulp apart, depends on it)
        return nudge(v, sign * NUDGE_ULPS, -sign * NUDGE_ULPS if m >= 3 else None)

    def _flag(self, bits):
        self.flags |= bits & (1 | 2 | 8)

    def _fn_flags(self, bits, args, result):
        """Flags of a transcendental function (or a float power): required
        when its arguments are finite; with an infinite or NaN argument
        only allowed (IEEE's special cases such as pow(x, inf) are exact,
        but NumPy's float32 power reports overflow for them; C99 lets
        pow(0, -inf) raise divide-by-zero, NumPy's does not)."""
        if all(np.isfinite(complex(a)) for a in args):
            self._flag(bits)
        else:
            self.soft |= bits & (1 | 2 | 8)
            if np.isinf(complex(result)):
                self.soft |= 1 | 2

    def _np(self, fn, *args):
        v, bits = np_eval(fn, *args)
        self._flag(bits)
        return v

    # --- operators -------------------------------------------------------

    def bin(self, op, a, b):
        fn = _BINOPS[op]
        self._look((a, b))
        if is_py(a) and is_py(b):
            return self._py_bin(op, fn, a, b)
        ka = kind(a)
        if op == "**" and _int_power(a, b) and b < 0 and not (type(b) is int and ka == "u"):
            # (a negative Python int meeting an unsigned type is NumPy's
            # OverflowError, below)
            return self._int_negative_power(a, b)
        # An OverflowError here is NumPy 2's range check of a Python int
        # ("Python integer 300 out of bounds for int8"): jitufunc raises it
        # too, so it propagates.
        try:
            v, bits = np_eval(fn, a, b)
        except (ZeroDivisionError, OverflowError) as exc:
            if "out of bounds" in str(exc):
                raise
            # Python's own arithmetic ran (a Python complex and a NumPy
            # float64, a subclass of float) and raised.
            return self._py_float_op(op, fn, a, b)
        self._look((a, b), v)
        if kind(v) in "biu" and op not in ("//", "%"):
            bits &= ~2  # integer wrap-around is not a flag (NumPy arrays)
        if op == "**" and kind(v) in "fc":
            self._fn_flags(bits, (a, b), v)
            bits = 0
        if op == "//" and kind(v) == "f" and np.isinf(v) and bits & 2 and bits & 8:
            self.known.add(FLOORDIV_OVERFLOW)
        if op in ("//", "%") and type(v) is np.float16:
            # NumPy's float16 // and % also raise divide-by-zero, or invalid,
            # for x % 0 and x // -0.0 (they compute both quotient and
            # remainder); float16 is "computed in float32 and rounded"
            # (supported.md): the float32 flags, and overflow if rounding
            # overflows.
            (a16, ca), (b16, cb) = np_eval(np.float16, a), np_eval(np.float16, b)  # (a Python 1e10: inf)
            v32, bits = np_eval(fn, np.float32(a16), np.float32(b16))
            bits |= ca | cb
            if np.isfinite(v32) and np.isinf(v):
                bits |= 2
        self._flag(bits)
        if op == "**" and kind(v) in "fc":
            v = self._approx(v)
        return v

    def _int_negative_power(self, a, b):
        # NumPy raises ValueError; jitufunc reports invalid and gives
        # 1 // a**-b truncated, in NumPy's result type of the operands.
        dt = np.result_type(a, b)
        self._flag(8)
        ia = int(a)
        if ia == 0:
            raise Skip("integer 0 ** negative: value not documented")
        if ia == 1:
            r = 1
        elif ia == -1:
            r = -1 if (int(b) % 2) else 1
        else:
            r = 0
        return dt.type(r)

    def _py_bin(self, op, fn, a, b):
        ka, kb = kind(a), kind(b)
        if ka in "bi" and kb in "bi":
            # Two Python ints (or bools): 64-bit at run time.
            if op == "/":
                return self._py_float_op(op, fn, float(a), float(b))
            if op in ("//", "%") and b == 0:
                self._flag(1)
                return 0
            if op == "//" and a == I64_MIN and b == -1:
                raise Skip("Python int MIN // -1: not documented for run-time Python ints")
            if op == "**" and b < 0:
                raise Skip("Python int ** negative Python int (a float in Python): not generated")
            if op in ("<<", ">>") and b < 0:
                raise Skip("negative shift count of a Python int (ValueError in Python)")
            if op == "<<" and b >= 64:
                return 0
            if op == "**" and abs(a) > 1 and b > 64:
                return wrap64(pow(a, b, 1 << 64))
            v = fn(a, b)
            return v if type(v) is bool else wrap64(v)
        return self._py_float_op(op, fn, a, b)

    def _py_float_op(self, op, fn, a, b):
        """Python float/complex arithmetic: Python's value, IEEE flags;
        the IEEE value where Python raises."""
        na, nb = _to_np(a), _to_np(b)
        if kind(a) in "bi":
            na = np.float64(a) if kind(b) != "c" else np.complex128(a)
        if kind(b) in "bi":
            nb = np.float64(b) if kind(a) != "c" else np.complex128(b)
        try:
            nv, bits = np_eval(fn, na, nb)
        except (ZeroDivisionError, OverflowError):
            nv, bits = None, 0
        if op == "**":
            self._fn_flags(bits, (a, b), nv if nv is not None else 0.0)
        else:
            self._flag(bits)
        if op == "//" and nv is not None and kind(nv) == "f" and np.isinf(nv) and bits & 2 and bits & 8:
            self.known.add(FLOORDIV_OVERFLOW)
        try:
            v = fn(a, b)
        except (ZeroDivisionError, OverflowError):
            if nv is None:
                raise Skip(f"Python {op} raised and NumPy has no value")
            v = complex(nv) if kind(nv) == "c" else float(nv)
        if type(v) is complex and kind(a) != "c" and kind(b) != "c":
            raise Skip("Python float ** is complex (test_python_float_power_is_complex)")
        if op == "**":
            v = self._approx(v)
        return v

    def un(self, op, a):
        fn = _UNOPS[op]
        self._look((a,))
        if is_py(a):
            if type(a) is bool and op == "~":
                raise Skip("~ of a Python bool: deprecated in Python, not generated")
            v = fn(a)
            return wrap64(v) if type(v) is int else v
        v, bits = np_eval(fn, a)
        if kind(v) in "biu":
            bits &= ~2
        self._flag(bits)
        return v

    # --- calls -----------------------------------------------------------

    def call(self, f, *args):
        v = self._call(f, args)
        self._look(args, v if not isinstance(v, tuple) else None)
        return v

    def _call(self, f, args):
        fid = id(f)
        if (f is math.copysign or f is np.copysign) and len(args) == 2 and _isnan(args[1]):
            raise Skip("copysign(x, nan): a NaN's sign is not specified")
        if fid in _MATH_BY_ID and f is getattr(math, _MATH_BY_ID[fid]):
            return self._math(_MATH_BY_ID[fid], f, args)
        if fid in _CMATH_BY_ID and f is getattr(cmath, _CMATH_BY_ID[fid]):
            return self._cmath(_CMATH_BY_ID[fid], f, args)
        if fid in _NP_TYPE_IDS:
            return self._construct(_NP_TYPE_IDS[fid], args)
        if fid in _NP_BY_ID:
            return self._numpy(_NP_BY_ID[fid], f, args)
        if getattr(f, "_fz_helper", False):
            # Another @vectorize kernel: a ufunc call (all-Python arguments
            # take NumPy's default dtypes; the result is a NumPy scalar).
            if all(is_py(a) for a in args):
                self.known.add(KERNEL_CALL)
                args = [_to_np(a) for a in args]
            return _to_np(f(*args))
        if f is abs:
            return self._abs(args[0])
        if f is int:
            return self._to_int(args[0])
        if f is round:
            return self._round(*args)
        if f is pow:
            return self.bin("**", *args)
        if f is divmod:
            return (self.bin("//", *args), self.bin("%", *args))
        if f in (min, max, float, bool, complex, range):
            return f(*args)
        # methods (z.conjugate())
        return f(*args)

    def _math(self, name, f, args):
        if name in ("floor", "ceil", "trunc"):
            x = args[0]
            if kind(x) in "biu":
                # (math.trunc of a NumPy integer is a TypeError, as Python's)
                v = f(x)
                if is_py(x):
                    return wrap64(v)  # (64-bit) Python int
                # NumPy integers have no __floor__: Python goes through float.
                if float(x) != int(x):
                    self.known.add(FLOOR_OF_INT)
                if not (I64_MIN <= v <= I64_MAX):
                    self._flag(8)
                    return I64_MAX if v > 0 else I64_MIN
                return v
            if kind(x) in "fc":
                xf = float(x)
                if not math.isfinite(xf):
                    self._flag(8)
                    return float_to_int(xf, int)[0]
            v = f(x)
            if not (I64_MIN <= v <= I64_MAX):
                self._flag(8)
                return I64_MAX if v > 0 else I64_MIN
            return v
        if name == "log" and len(args) == 2:
            num = self._math("log", math.log, args[:1])
            den = self._math("log", math.log, args[1:])
            return self._py_float_op("/", operator.truediv, num, den)
        try:
            v = f(*args)
        except (ValueError, OverflowError):
            v = self._math_ieee(name, args)
        else:
            if name in ("degrees", "radians"):
                _, bits = np_eval(np.multiply, np.float64(args[0]),
                                  np.float64(180 / math.pi if name == "degrees" else math.pi / 180))
                self._flag(bits)
        if name in _APPROX_MATH:
            v = self._approx(v)
        return v

    def _math_ieee(self, name, args):
        xs = [np.float64(a) for a in args]
        if name == "gamma":
            x = xs[0]
            if x == 0:
                self._flag(1)
                return math.copysign(math.inf, x)
            if x < 0 and (np.isinf(x) or x == math.floor(x)):
                self._flag(8)
                return math.nan
            self._flag(2)
            self.known.add(GAMMA_OVERFLOW)
            return math.inf
        if name == "lgamma":
            x = xs[0]
            if np.isfinite(x) and x <= 0 and x == math.floor(x):
                self._flag(1)
                return math.inf
            self._flag(2)
            self.known.add(GAMMA_OVERFLOW)
            return math.inf
        fn = _NP_EQUIV[name]
        return float(self._np(fn, *xs))

    def _cmath(self, name, f, args):
        if name in ("isnan", "isinf", "isfinite"):
            return f(*args)
        try:
            v = f(*args)
        except (ValueError, OverflowError):
            z = np.complex128(args[0])
            fn = {"phase": np.angle, **_NP_EQUIV}[name]
            v = self._np(fn, z)
            v = float(v) if name == "phase" else complex(v)
        # Where CPython keeps C99's nan+nanj, kernels follow C11 (as glibc
        # and NumPy do; supported.md, Complex functions).
        z = complex(args[0])
        if name == "tanh" and z.real == 0 and _isnan(z.imag):
            v = complex(z.real, math.nan)
        elif name == "tan" and _isnan(z.real) and z.imag == 0:
            v = complex(math.nan, z.imag)
        elif name == "acosh" and z.real == 0 and _isnan(z.imag):
            v = complex(math.nan, math.pi / 2)
        return self._approx(v)

    def _numpy(self, name, f, args):
        if name in ("real", "imag") and is_py(args[0]):
            self.known.add(REAL_OF_PY)
        if name == "reciprocal" and kind(args[0]) in "biu" and args[0] == 0:
            raise Skip("np.reciprocal(integer 0): NumPy's value is an undefined C cast")
        if name in ("power", "pow"):
            a, b = args
            if _int_power(a, b) and b < 0 and not (type(b) is int and kind(a) == "u"):  # (NumPy's OverflowError)
                return self._int_negative_power(a, b)
        v, bits = np_eval(f, *args)
        if kind(v) in "biu" and name not in ("reciprocal",):
            bits &= ~2
        approx = name in _APPROX_NP
        if name in ("power", "pow") and kind(v) not in "fc":
            approx = False
        if approx:
            self._fn_flags(bits, args, v)
        else:
            self._flag(bits)
        if kind(v) == "c" and name in ("sqrt", "abs", "absolute", "sign", "reciprocal"):
            approx = True
        if kind(v) == "f" and any(kind(a) == "c" for a in args) and name in ("abs", "absolute"):
            approx = True
        if approx:
            v = self._approx(v)
        return v

    def _abs(self, a):
        if type(a) is int:
            return wrap64(abs(a))
        if type(a) is bool:
            return abs(a)
        if type(a) is float:
            return abs(a)
        if type(a) is complex:
            try:
                v = abs(a)
            except OverflowError:
                v = float(self._np(np.abs, np.complex128(a)))
            return self._approx(v)
        v, bits = np_eval(abs, a)
        if kind(v) in "biu":
            bits &= ~2
        self._flag(bits)
        if kind(a) == "c":
            v = self._approx(v)
        return v

    def _to_int(self, a):
        k = kind(a)
        if k in "biu":
            return wrap64(int(a))
        if k == "f":
            n, invalid = float_to_int(a, int)
            if invalid:
                self._flag(8)
            return n
        return int(a)  # TypeError for complex, as Python

    def _round(self, a, *nd):
        if nd:
            if type(a) is float:
                return float(self._np(np.round, np.float64(a), *nd))
            if type(a) is int:
                return wrap64(round(a, *nd))
            v, bits = np_eval(round, a, *nd)
            if kind(v) in "iu" and bits & 8:
                # NumPy rounds an integer through float64; a result out of
                # range is a float-to-int conversion (saturated, documented).
                n, _ = float_to_int(np.round(np.float64(a), *nd), type(v))
                v = type(v)(n)
            if kind(v) in "biu":
                bits &= ~2
            self._flag(bits)
            return v
        k = kind(a)
        if k in "biu":
            return wrap64(round(a))
        xf = float(a)
        if not math.isfinite(xf):
            self._flag(8)
            return float_to_int(xf, int)[0]
        v = round(a)
        if not (I64_MIN <= v <= I64_MAX):
            self._flag(8)
            return I64_MAX if v > 0 else I64_MIN
        return v

    def _construct(self, t, args):
        if len(args) == 2:
            return self._np(t, *args)
        (a,) = args
        tk = np.dtype(t).kind
        k = kind(a)
        if tk in "iu":
            if k == "f":
                if type(a) is float:
                    try:
                        return t(a)
                    except (OverflowError, ValueError):
                        raise Skip("np.int8(a Python float) out of range "
                                   "(test_numpy_int_of_python_float_out_of_range)") from None
                n, invalid = float_to_int(a, t)
                if invalid:
                    self._flag(8)
                return t(n)
            if type(a) is int:
                return t(a)  # OverflowError out of range, as NumPy (jitufunc raises it too)
        return self._np(t, a)

    def compare(self, ops, *thunks):
        """A comparison chain, as Python evaluates it."""
        left = thunks[0]()
        for op, thunk in zip(ops, thunks[1:]):
            right = thunk()
            self._look((left, right))
            result = _CMPOPS[op](left, right)
            if not result:
                return result
            left = right
        return result

    def unify(self, v, tname):
        """Merge-point conversion of the 'unified' variant (see the test)."""
        t = {"int": int, "float": float, "complex": complex, "bool": bool}.get(tname)
        if t is not None:
            if t is int:
                return self._to_int(v) if kind(v) != "c" else v
            return t(v)
        t = np.dtype(tname).type
        return cast_value(self, v, np.dtype(t))


def cast_value(oracle, v, dtype):
    """``v`` (a NumPy scalar or Python number) cast to ``dtype`` as a ufunc
    output: NumPy's cast, with the float-to-int rule of ``float_to_int``.
    Flags go to ``oracle``."""
    dtype = np.dtype(dtype)
    k = kind(v)
    if dtype == np.float16 and k in "iu" and abs(int(v)) >= 65520:
        oracle.known.add(F16_OVERFLOW)
    if k == "c":
        oracle.cplx = True
    if dtype.kind in "iu" and k == "f":
        n, invalid = float_to_int(v, dtype.type)
        if invalid:
            oracle._flag(8)
        return dtype.type(n)
    if type(v) is int:
        v = np.int64(wrap64(v))
    else:
        v = _to_np(v)
    r, bits = np_eval(lambda x: np.asarray(x).astype(dtype)[()], v)
    oracle._flag(bits)
    return r


# --- rewriting a kernel for the oracle --------------------------------------

_OPNAMES = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^",
}
_UNOPNAMES = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}
_CMPNAMES = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def _o(attr):
    return ast.Attribute(value=ast.Name(id="_O", ctx=ast.Load()), attr=attr, ctx=ast.Load())


class _ToOracle(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        return ast.Call(func=_o("bin"), args=[ast.Constant(_OPNAMES[type(node.op)]), node.left, node.right],
                        keywords=[])

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return node
        return ast.Call(func=_o("un"), args=[ast.Constant(_UNOPNAMES[type(node.op)]), node.operand],
                        keywords=[])

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        target = node.target
        load = ast.Name(id=target.id, ctx=ast.Load())
        value = ast.Call(func=_o("bin"), args=[ast.Constant(_OPNAMES[type(node.op)]), load, node.value],
                         keywords=[])
        return ast.Assign(targets=[ast.Name(id=target.id, ctx=ast.Store())], value=value)

    def visit_AnnAssign(self, node):
        self.generic_visit(node)
        return ast.Assign(targets=[node.target], value=node.value)

    def visit_Compare(self, node):
        # a < b <= c: _O.compare(("<", "<="), lambda: a, lambda: b, lambda: c)
        # (operands evaluated once, and lazily, as Python's chains do)
        self.generic_visit(node)
        thunks = [ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
                                                defaults=[]), body=e)
                  for e in [node.left] + node.comparators]
        ops = ast.Tuple(elts=[ast.Constant(_CMPNAMES[type(o)]) for o in node.ops], ctx=ast.Load())
        return ast.Call(func=_o("compare"), args=[ops] + thunks, keywords=[])

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "__unify":
            return ast.Call(func=_o("unify"), args=node.args, keywords=[])
        return ast.Call(func=_o("call"), args=[node.func] + node.args, keywords=[])


def oracle_source(source):
    tree = ast.parse(source)
    tree = ast.fix_missing_locations(_ToOracle().visit(tree))
    return ast.unparse(tree)


def oracle_namespace(namespace, helpers, oracle):
    """``namespace`` with ``_O`` and the oracle versions of the ``helpers``
    (source of other kernels the kernels may call, without decorators)."""
    ns = dict(namespace)
    ns["_O"] = oracle
    before = set(ns)
    exec(compile(oracle_source(helpers), "<oracle helpers>", "exec"), ns)
    for k in set(ns) - before:
        if callable(ns[k]):
            ns[k]._fz_helper = True
    return ns


def oracle_function(source, name, namespace, helpers=""):
    """The function ``name`` of ``source`` rewritten for an oracle; returns
    (function, oracle)."""
    oracle = Oracle()
    ns = oracle_namespace(namespace, helpers, oracle)
    exec(compile(oracle_source(source), f"<oracle {name}>", "exec"), ns)
    return ns[name], oracle


def oracle_expression(source):
    """A compiled expression for ``eval`` with an ``_O`` in its namespace."""
    tree = ast.parse(source, mode="eval")
    tree = ast.fix_missing_locations(_ToOracle().visit(tree))
    return compile(tree, "<oracle expr>", "eval")
