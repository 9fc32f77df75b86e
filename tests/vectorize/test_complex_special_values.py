"""Special-value tables for every complex function a kernel can call.

Each (function, dtype) is one test that runs the compiled ufunc over a grid
of complex numbers whose real and imaginary parts are taken from
``PARTS[dtype]`` (zeros of both signs, ones, halves, huge, subnormal,
infinite and NaN values), plus a few points from the issue tracker, and
lists every point that differs from the reference.

The reference is the documented rule (docs/supported.md): a compiled kernel
returns what the Python function returns when called with NumPy scalars of
the signature's dtypes, cast to the output dtype. So ``cmath.f`` is
Python's cmath (computed in double precision, also for complex64 inputs,
then cast), ``np.f`` is NumPy's ufunc on a NumPy scalar of the input dtype
(complex64 results for complex64 inputs), operators are NumPy's scalar
operators.

Where Python raises (``cmath.log(0)``: ValueError, ``cmath.exp(1000)``:
OverflowError, ``complex(1) / 0j``: ZeroDivisionError) a ufunc loop cannot;
jitufunc documents (docs/supported.md) that a kernel then gives the IEEE
result and sets the floating-point flags as NumPy's function of the same
name does: these points expect the result of NumPy's function of the same
name in double precision (the C99 Annex G value, which CPython's cmath also
computes before it raises), cast to the output dtype.

Three documented differences from CPython's cmath (``C11``): kernels follow
C11's Annex G, as glibc and NumPy do, where CPython keeps C99's values:
``cmath.tanh(+-0 + i nan)`` is ``+-0 + i nan``, ``cmath.tan(nan +- i0)`` is
``nan +- i0`` and ``cmath.acosh(+-0 + i nan)`` is ``nan + i pi/2`` (CPython:
``nan + i nan`` for all three). ``cmath.log(z, base)`` is a quotient of two
logarithms whose last-ulp errors CPython and glibc make differently, so it
is compared as a complex number: within ``ULPS`` ulp of its magnitude.

Comparison, real and imaginary parts separately:

- NaN matches NaN (the sign of a NaN is never compared);
- infinities must match exactly, sign included;
- zeros must match with their sign, except where C99 Annex G (G.6) leaves
  the sign unspecified (``ccosh(+0 + i inf)`` is ``NaN +- i0``, ``cexp(-inf
  + i inf)`` is ``+-0 +- i0``, ...; see ``ANNEX_G``) and for powers computed
  as exp(w log z) (``_free_cpow``): there only the magnitude (zero,
  infinity) must match. Functions Annex G does not define (``np.sign``,
  ``np.expm1``, ``np.log1p``, ``np.reciprocal``, the comparisons, min/max)
  and the operators are compared with the reference's signs;
- other values within ``ULPS`` units in the last place of the output dtype.
"""

import cmath
import math
import operator

import numpy as np
import pytest

from jitufunc import vectorize

inf, nan = math.inf, math.nan

#: Allowed distance, in units in the last place of the output dtype, of
#: finite results (libmvec/libm are within 4 ulp).
ULPS = 4

PARTS = {
    np.complex128: [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e16, 1e300, 1.79e308, -1.79e308,
                    5e-324, 1e-310, inf, -inf, nan, 1000.0, -3e38],
    # float32 analogues of 1e300, +-1.79e308, 5e-324 and 1e-310.
    np.complex64: [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e16, 1e38, 3.4e38, -3.4e38,
                   1e-45, 1e-40, inf, -inf, nan, 1000.0, -3e38],
}
#: Points from the issue tracker that the grid does not contain.
EXTRA = {
    np.complex128: [(-1.79e308, -20.0), (1e308, 1e308), (-5469.0, inf), (-0.0, 1e16)],
    np.complex64: [(-3.4e38, -20.0), (3e38, 3e38), (-5469.0, inf), (-0.0, 1e16)],
}
#: Parts of the smaller grid for functions of two complex numbers.
BINARY_PARTS = {
    np.complex128: [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e300, 1e-310, inf, -inf, nan],
    np.complex64: [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e38, 1e-40, inf, -inf, nan],
}
#: Real parts for complex(a, b) and np.complex128(a, b).
REAL_PAIR_PARTS = PARTS

DTYPES = [np.complex128, np.complex64]
REAL = {np.complex128: np.float64, np.complex64: np.float32}
CODE = {np.complex128: "c16", np.complex64: "c8", np.float64: "f8", np.float32: "f4", np.bool_: "b1"}


# --- kernels: cmath ----------------------------------------------------------

def cmath_sqrt(z):
    return cmath.sqrt(z)


def cmath_exp(z):
    return cmath.exp(z)


def cmath_log(z):
    return cmath.log(z)


def cmath_log10(z):
    return cmath.log10(z)


def cmath_sin(z):
    return cmath.sin(z)


def cmath_cos(z):
    return cmath.cos(z)


def cmath_tan(z):
    return cmath.tan(z)


def cmath_asin(z):
    return cmath.asin(z)


def cmath_acos(z):
    return cmath.acos(z)


def cmath_atan(z):
    return cmath.atan(z)


def cmath_sinh(z):
    return cmath.sinh(z)


def cmath_cosh(z):
    return cmath.cosh(z)


def cmath_tanh(z):
    return cmath.tanh(z)


def cmath_asinh(z):
    return cmath.asinh(z)


def cmath_acosh(z):
    return cmath.acosh(z)


def cmath_atanh(z):
    return cmath.atanh(z)


def cmath_phase(z):
    return cmath.phase(z)


def cmath_isnan(z):
    return cmath.isnan(z)


def cmath_isinf(z):
    return cmath.isinf(z)


def cmath_isfinite(z):
    return cmath.isfinite(z)


def cmath_log_base(z, w):
    return cmath.log(z, w)


# --- kernels: NumPy ----------------------------------------------------------

def np_sqrt(z):
    return np.sqrt(z)


def np_exp(z):
    return np.exp(z)


def np_exp2(z):
    return np.exp2(z)


def np_expm1(z):
    return np.expm1(z)


def np_log(z):
    return np.log(z)


def np_log2(z):
    return np.log2(z)


def np_log10(z):
    return np.log10(z)


def np_log1p(z):
    return np.log1p(z)


def np_sin(z):
    return np.sin(z)


def np_cos(z):
    return np.cos(z)


def np_tan(z):
    return np.tan(z)


def np_arcsin(z):
    return np.arcsin(z)


def np_arccos(z):
    return np.arccos(z)


def np_arctan(z):
    return np.arctan(z)


def np_sinh(z):
    return np.sinh(z)


def np_cosh(z):
    return np.cosh(z)


def np_tanh(z):
    return np.tanh(z)


def np_arcsinh(z):
    return np.arcsinh(z)


def np_arccosh(z):
    return np.arccosh(z)


def np_arctanh(z):
    return np.arctanh(z)


def np_sign(z):
    return np.sign(z)


def np_square(z):
    return np.square(z)


def np_reciprocal(z):
    return np.reciprocal(z)


def np_conjugate(z):
    return np.conjugate(z)


def np_rint(z):
    return np.rint(z)


def np_absolute(z):
    return np.absolute(z)


def np_angle(z):
    return np.angle(z)


def np_real(z):
    return np.real(z)


def np_imag(z):
    return np.imag(z)


def np_isnan(z):
    return np.isnan(z)


def np_isinf(z):
    return np.isinf(z)


def np_isfinite(z):
    return np.isfinite(z)


def np_power(z, w):
    return np.power(z, w)


def np_maximum(z, w):
    return np.maximum(z, w)


def np_minimum(z, w):
    return np.minimum(z, w)


def np_fmax(z, w):
    return np.fmax(z, w)


def np_fmin(z, w):
    return np.fmin(z, w)


# --- kernels: operators, builtins, methods -----------------------------------

def op_neg(z):
    return -z


def op_pos(z):
    return +z


def op_abs(z):
    return abs(z)


def op_conjugate_method(z):
    return z.conjugate()


def op_real_attr(z):
    return z.real


def op_imag_attr(z):
    return z.imag


def op_add(z, w):
    return z + w


def op_sub(z, w):
    return z - w


def op_mul(z, w):
    return z * w


def op_truediv(z, w):
    return z / w


def op_pow(z, w):
    return z ** w


def builtin_pow(z, w):
    return pow(z, w)


def op_eq(z, w):
    return z == w


def op_ne(z, w):
    return z != w


def op_lt(z, w):
    return z < w


def op_le(z, w):
    return z <= w


def op_gt(z, w):
    return z > w


def op_ge(z, w):
    return z >= w


def builtin_min(z, w):
    return min(z, w)


def builtin_max(z, w):
    return max(z, w)


# Python complex numbers (complex(z) of a NumPy scalar is a Python complex):
# their arithmetic is Python's, not NumPy's.

def py_abs(z):
    return abs(complex(z))


def py_mul(z, w):
    return complex(z) * complex(w)


def py_truediv(z, w):
    return complex(z) / complex(w)


def py_pow(z, w):
    return complex(z) ** complex(w)


# Construction from two real numbers.

def builtin_complex(a, b):
    return complex(a, b)


def np_complex128(a, b):
    return np.complex128(a, b)


# --- C99 Annex G: results whose signs are unspecified ----------------------

def _free_cexp(x, y):
    # cexp(-inf + i inf or NaN) = +-0 +- i0; cexp(+inf + i inf or NaN) = +-inf + i NaN
    y_bad = np.isinf(y) | np.isnan(y)
    return np.isinf(x) & y_bad, (x == -inf) & y_bad


def _free_ccosh(x, y):
    # ccosh(+0 + i inf or NaN) = NaN +- i0; ccosh(+inf + i inf) = +-inf + i NaN;
    # ccosh(NaN + i0) = NaN +- i0
    y_bad = np.isinf(y) | np.isnan(y)
    return np.isinf(x) & np.isinf(y), ((x == 0) & y_bad) | (np.isnan(x) & (y == 0))


def _free_csinh(x, y):
    # csinh(+0 + i inf or NaN) = +-0 + i NaN; csinh(+inf + i inf or NaN) = +-inf + i NaN
    y_bad = np.isinf(y) | np.isnan(y)
    return ((x == 0) | np.isinf(x)) & y_bad, np.zeros_like(y_bad)


def _free_ctanh(x, y):
    # ctanh(+inf + i inf or NaN) = 1 +- i0
    return np.zeros(x.shape, bool), np.isinf(x) & (np.isinf(y) | np.isnan(y))


def _free_csqrt(x, y):
    # csqrt(-inf + i NaN) = NaN +- i inf
    return np.zeros(x.shape, bool), (x == -inf) & np.isnan(y)


def _free_cacos(x, y):
    # cacos(+-inf + i NaN) = NaN +- i inf
    return np.zeros(x.shape, bool), np.isinf(x) & np.isnan(y)


def _free_casinh(x, y):
    # casinh(NaN + i inf) = +-inf + i NaN
    return np.isnan(x) & np.isinf(y), np.zeros(x.shape, bool)


def _free_catanh(x, y):
    # catanh(NaN + i inf) = +-0 + i pi/2
    return np.isnan(x) & np.isinf(y), np.zeros(x.shape, bool)


def _none(x, y):
    return np.zeros(x.shape, bool), np.zeros(x.shape, bool)


def _via_i(free):
    """For f(z) = -i g(iz) (sin, tan, asin, atan from sinh, tanh, asinh,
    atanh): g at iz = -y + ix, real and imaginary parts swapped."""
    def f(x, y):
        re, im = free(-y, x)
        return im, re
    return f


def _ccos(x, y):
    return _free_ccosh(-y, x)  # ccos(z) = ccosh(iz)


def _free_cpow(z, w):
    """Powers outside NumPy's (and Python's) exact paths (w = 0, z = 0, w a
    real integer below 100 in magnitude) are exp(w log z): Annex G specifies
    no special values for cpow, and the sign of a zero part there is the
    sign of cos or sin of a rounded phase (noise when the phase is huge), so
    zeros are compared without their sign."""
    exact = ((w.real == 0) & (w.imag == 0)) | ((z.real == 0) & (z.imag == 0)) | (
        (w.imag == 0) & (np.abs(w.real) < 100) & (np.rint(w.real) == w.real))
    return ~exact, ~exact


POWERS = ("np.power", "z ** w", "pow(z, w)", "complex(z) ** complex(w)")

#: Per function name (cmath's or NumPy's), which signs Annex G leaves free.
ANNEX_G = {
    "exp": _free_cexp, "exp2": _free_cexp, "log": _none, "log2": _none, "log10": _none,
    "sqrt": _free_csqrt, "sinh": _free_csinh, "cosh": _free_ccosh, "tanh": _free_ctanh,
    "sin": _via_i(_free_csinh), "cos": _ccos, "tan": _via_i(_free_ctanh),
    "asinh": _free_casinh, "arcsinh": _free_casinh, "acosh": _none, "arccosh": _none,
    "atanh": _free_catanh, "arctanh": _free_catanh, "acos": _free_cacos, "arccos": _free_cacos,
    "asin": _via_i(_free_casinh), "arcsin": _via_i(_free_casinh),
    "atan": _via_i(_free_catanh), "arctan": _via_i(_free_catanh),
}


# --- the cases ---------------------------------------------------------------

class Case:
    """``kernel`` on the grid ``grid`` ("unary", "binary" or "pair" of
    reals), result kind ``out`` ("c" complex, "f" real, "b" bool);
    ``fallback`` (a NumPy function, applied in complex128) gives the
    reference where the Python function raises."""

    def __init__(self, name, kernel, grid="unary", out="c", fallback=None):
        self.name, self.kernel, self.grid, self.out, self.fallback = name, kernel, grid, out, fallback
        if name in POWERS:
            self.free_signs = _free_cpow
        elif name.startswith(("cmath.", "np.")) and name.split(".")[-1] in ANNEX_G:
            unary = ANNEX_G[name.split(".")[-1]]
            self.free_signs = lambda z: unary(z.real, z.imag)
        else:
            self.free_signs = None

    def __repr__(self):
        return self.name


CMATH_NUMPY = {"asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "asinh": np.arcsinh,
               "acosh": np.arccosh, "atanh": np.arctanh}
CASES = []
for _n in ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
           "tanh", "asinh", "acosh", "atanh"]:
    CASES.append(Case(f"cmath.{_n}", globals()[f"cmath_{_n}"],
                      fallback=CMATH_NUMPY.get(_n, getattr(np, _n, None))))
CASES += [
    Case("cmath.phase", cmath_phase, out="f", fallback=np.angle),
    Case("cmath.isnan", cmath_isnan, out="b"),
    Case("cmath.isinf", cmath_isinf, out="b"),
    Case("cmath.isfinite", cmath_isfinite, out="b"),
    Case("cmath.log(z, base)", cmath_log_base, grid="binary",
         fallback=lambda z, w: np.log(z) / np.log(w)),
]
for _n in ["sqrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
           "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
           "sign", "square", "reciprocal", "conjugate", "rint"]:
    CASES.append(Case(f"np.{_n}", globals()[f"np_{_n}"]))
CASES += [Case(f"np.{n}", globals()[f"np_{n}"], out="f") for n in ["absolute", "angle", "real", "imag"]]
CASES += [Case(f"np.{n}", globals()[f"np_{n}"], out="b") for n in ["isnan", "isinf", "isfinite"]]
CASES += [Case(f"np.{n}", globals()[f"np_{n}"], grid="binary")
          for n in ["power", "maximum", "minimum", "fmax", "fmin"]]
CASES += [
    Case("-z", op_neg), Case("+z", op_pos), Case("abs(z)", op_abs, out="f"),
    Case("z.conjugate()", op_conjugate_method), Case("z.real", op_real_attr, out="f"),
    Case("z.imag", op_imag_attr, out="f"),
    Case("z + w", op_add, grid="binary"), Case("z - w", op_sub, grid="binary"),
    Case("z * w", op_mul, grid="binary"), Case("z / w", op_truediv, grid="binary"),
    Case("z ** w", op_pow, grid="binary"), Case("pow(z, w)", builtin_pow, grid="binary"),
    Case("min(z, w)", builtin_min, grid="binary"), Case("max(z, w)", builtin_max, grid="binary"),
]
CASES += [Case(f"z {s} w", globals()[f"op_{n}"], grid="binary", out="b")
          for s, n in [("==", "eq"), ("!=", "ne"), ("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge")]]
CASES += [
    Case("abs(complex(z))", py_abs, out="f", fallback=np.absolute),
    Case("complex(z) * complex(w)", py_mul, grid="binary", fallback=operator.mul),
    Case("complex(z) / complex(w)", py_truediv, grid="binary", fallback=operator.truediv),
    Case("complex(z) ** complex(w)", py_pow, grid="binary", fallback=np.power),
    Case("complex(a, b)", builtin_complex, grid="pair"),
    Case("np.complex128(a, b)", np_complex128, grid="pair"),
]


# --- grids, references, comparison -------------------------------------------

def inputs(case, dtype):
    """The input arrays of ``case`` for complex dtype ``dtype``."""
    real = REAL[dtype]
    if case.grid == "unary":
        parts = PARTS[dtype]
        pts = [complex(r, i) for r in parts for i in parts] + [complex(r, i) for r, i in EXTRA[dtype]]
        return [np.array(pts, dtype)]
    if case.grid == "pair":
        parts = REAL_PAIR_PARTS[dtype]
        return [np.array([r for r in parts for _ in parts], real), np.array(parts * len(parts), real)]
    parts = BINARY_PARTS[dtype]
    zs = [complex(r, i) for r in parts for i in parts]
    return [np.array([z for z in zs for _ in zs], dtype), np.array(zs * len(zs), dtype)]


def out_dtype(case, dtype):
    return {"c": dtype, "f": REAL[dtype], "b": np.bool_}[case.out]


_UFUNCS = {}


def ufunc(case):
    """``case.kernel`` compiled with one loop per complex dtype."""
    if case.name not in _UFUNCS:
        sigs = []
        for dt in DTYPES:
            ins = [REAL[dt]] * 2 if case.grid == "pair" else [dt] * (1 if case.grid == "unary" else 2)
            sigs.append(f"{CODE[out_dtype(case, dt)]}({', '.join(CODE[t] for t in ins)})")
        _UFUNCS[case.name] = vectorize(sigs)(case.kernel)
    return _UFUNCS[case.name]


#: Where kernels follow C11's Annex G (glibc, NumPy) and CPython's cmath
#: C99's: the points, by case, and the function giving the C11 value.
C11 = {
    "cmath.tanh": (lambda z: (z.real == 0) & np.isnan(z.imag), lambda z: complex(z.real, nan)),
    "cmath.tan": (lambda z: np.isnan(z.real) & (z.imag == 0), lambda z: complex(nan, z.imag)),
    "cmath.acosh": (lambda z: (z.real == 0) & np.isnan(z.imag), lambda z: complex(nan, math.pi / 2)),
    # NumPy 2.2 computes this point with its own cacosh (nan + i nan);
    # later releases call glibc's, as kernels do.
    "np.arccosh": (lambda z: (z.real == 0) & np.isnan(z.imag), lambda z: complex(nan, math.pi / 2)),
}

#: Cases whose reference is another expression: NumPy 2.2's np.square of a
#: complex scalar uses a fused multiply-add (a*a - b*b rounded once), later
#: releases and NumPy's scalar multiplication do not; kernels compute z*z.
REFERENCE_OF = {"np.square": lambda z: z * z}

#: Cases compared as complex numbers, within ULPS ulp of the magnitude.
NORM_COMPARED = {"cmath.log(z, base)"}


def reference(case, dtype, args):
    """The Python function on NumPy scalars, element by element, cast to the
    output dtype; ``case.fallback`` in complex128 where Python raises."""
    out = np.empty(len(args[0]), out_dtype(case, dtype))
    points, c11 = C11.get(case.name, (None, None))
    with np.errstate(all="ignore"):
        for i in range(len(out)):
            xs = [a[i] for a in args]
            if points is not None and points(np.complex128(xs[0])):
                out[i] = c11(np.complex128(xs[0]))
                continue
            try:
                r = REFERENCE_OF.get(case.name, case.kernel)(*xs)
            except (ValueError, OverflowError, ZeroDivisionError):
                r = case.fallback(*(np.complex128(x) for x in xs))
            out[i] = r
    return out


def _ordered(a):
    """Integers ordered as the floats ``a`` (both zeros map to 0), so that
    the difference of two is their distance in ulps."""
    bits = a.view(np.int64 if a.dtype == np.float64 else np.int32).astype(np.int64)
    magnitude = bits & (0x7FFFFFFFFFFFFFFF if a.dtype == np.float64 else 0x7FFFFFFF)
    return np.where(bits < 0, -magnitude, magnitude)


def bad_parts(got, exp, free_sign):
    """Where the real arrays ``got`` and ``exp`` disagree (the signs of zeros
    and infinities do not count where ``free_sign``)."""
    got = np.where(free_sign & ((got == 0) | np.isinf(got)), np.abs(got), got)
    exp = np.where(free_sign & ((exp == 0) | np.isinf(exp)), np.abs(exp), exp)
    g_nan, e_nan = np.isnan(got), np.isnan(exp)
    both_finite = np.isfinite(got) & np.isfinite(exp)
    with np.errstate(all="ignore"):
        close = np.abs(_ordered(got) - _ordered(exp)) <= ULPS
    zero_sign = (got == 0) & (exp == 0) & (np.signbit(got) != np.signbit(exp))
    ok = (g_nan & e_nan) | ((got == exp) & ~zero_sign) | (both_finite & close & ~zero_sign)
    return ~ok


def bad(case, args, got, exp):
    if case.name in NORM_COMPARED:
        eps = np.finfo(exp.real.dtype).eps
        with np.errstate(all="ignore"):
            near = np.abs(got.astype(np.complex128) - exp) <= ULPS * eps * np.abs(exp.astype(np.complex128))
        finite = np.isfinite(exp.real) & np.isfinite(exp.imag) & (exp != 0)
        return np.where(finite, ~near, bad_parts(got.real, exp.real, False) | bad_parts(got.imag, exp.imag, False))
    if exp.dtype.kind == "c":
        free_re = free_im = np.zeros(exp.shape, bool)
        if case.free_signs is not None:
            free_re, free_im = case.free_signs(*(a.astype(np.complex128) for a in args))
        return bad_parts(got.real, exp.real, free_re) | bad_parts(got.imag, exp.imag, free_im)
    if exp.dtype.kind == "f":
        return bad_parts(got, exp, np.zeros(exp.shape, bool))
    return got != exp


def show(x):
    """Exact, short text of a NumPy scalar (signs of zeros shown)."""
    if np.iscomplexobj(x):
        return f"({show(x.real)}, {show(x.imag)})"
    if isinstance(x, np.bool_):
        return str(bool(x))
    return str(x)


def table(case, dtype, args, exp, got, where):
    rows = [("input", "expected", "got")]
    rows += [(", ".join(show(a[i]) for a in args), show(exp[i]), show(got[i])) for i in where]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    head = (f"{case.name} [{np.dtype(dtype).name}]: {len(where)} of {len(exp)} points differ "
            f"(finite values within {ULPS} ulp, NaN == NaN, zeros and infinities exactly with their sign "
            f"unless Annex G leaves it unspecified)")
    return "\n".join([head, *lines])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.replace(" ", ""))
def test_special_values(case, dtype):
    args = inputs(case, dtype)
    exp = reference(case, dtype, args)
    with np.errstate(all="ignore"):
        got = ufunc(case)(*args)
    assert got.dtype == exp.dtype
    where = np.flatnonzero(bad(case, args, got, exp))
    assert len(where) == 0, table(case, dtype, args, exp, got, where)


# --- ordinary values: the vectorized formulas --------------------------------
#
# On finite, moderate arguments, contiguous loops compute exp, exp2, sqrt,
# sin, cos, tan, sinh, cosh, tanh, log, log2 and log10 by formulas on the real
# functions that vectorize (codegen/complex.rs, fast_path); chunks with other
# arguments are redone with the C library's functions (the tables above).
# Here: random arguments, nearly all of them inside those formulas' domain,
# compared with NumPy as complex numbers.

FAST = ["exp", "exp2", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "log", "log2", "log10"]
#: Allowed error of a vectorized formula, in ulps of the result's magnitude
#: (measured: at most 4.2).
FAST_ULPS = 6


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", FAST)
def test_vectorized_formulas_are_accurate(name, dtype):
    kernel = globals()[f"np_{name}"]
    u = ufunc(Case(f"np.{name}", kernel))
    rng = np.random.default_rng(11)
    n = 20000
    mag = 10.0 ** rng.uniform(-3, 1.2, (2, n)) * rng.choice([-1.0, 1.0], (2, n))
    z = (mag[0] + 1j * mag[1]).astype(dtype)
    z[:8] = [0.5, -2j, 1 + 0j, 0.6 + 0.8j, -0.6 - 0.8j, 1e-3, 15 - 15j, -7.5 + 0.25j]  # |z| = 1 etc.
    got = u(z).astype(np.complex128)
    exp = getattr(np, name)(z).astype(np.complex128)
    eps = np.finfo(REAL[dtype]).eps
    with np.errstate(invalid="ignore"):
        err = np.where(got == exp, 0.0, np.abs(got - exp) / np.abs(exp) / eps)
    worst = int(np.argmax(err))
    assert err[worst] <= FAST_ULPS, f"np.{name}({z[worst]!r}): {got[worst]!r}, NumPy {exp[worst]!r} ({err[worst]:.1f} ulp)"


@pytest.mark.parametrize("expr, arg, flag", [
    ("np_exp", 710 + 0j, "overflow"),
    ("np_exp", 1000 + 1j, "overflow"),
    ("np_log", 0j, "divide"),
    ("np_cosh", 800 + 0.5j, "overflow"),
    ("cmath_exp", 710 + 0j, "overflow"),
])
def test_flags_of_special_arguments_inside_ordinary_chunks(expr, arg, flag):
    # The argument sits among ordinary ones, so the fast pass sees it and
    # the exact kernel must report the flag.
    u = ufunc(Case(expr.replace("_", ".", 1), globals()[expr]))
    z = np.full(1000, 0.5 + 0.5j)
    z[637] = arg
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match=flag):
            u(z)
        u(np.full(1000, 0.5 + 0.5j))  # ordinary values alone: no flag
    with np.errstate(all="ignore"):
        got = u(z)
        ref = getattr(np, expr.split("_")[1])(z)
    # The chunk with the special argument is computed by the C library (as
    # NumPy), the others by the vectorized formulas (within a few ulp).
    special = np.isfinite(ref) == False  # noqa: E712
    np.testing.assert_array_equal(got[special], ref[special])
    np.testing.assert_allclose(got[~special], ref[~special], rtol=1e-15, atol=0)


def test_tanh_of_large_arguments_has_no_flags():
    u = ufunc(Case("np.tanh", np_tanh))
    z = np.array([1000 + 0j, -3e38 + 1j, 30 - 2j, 0.5 + 0.5j] * 100)
    with np.errstate(all="raise"):
        got = u(z)
    np.testing.assert_allclose(got, np.tanh(z), rtol=4e-16, atol=0)
