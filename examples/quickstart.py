"""jitufunc quickstart: three ufunc kernels, a gufunc, a lazy ufunc and the parallel target, checked against NumPy and timed.

Run it with ``scripts/demo.sh`` (which sets everything up first) or, inside
the environment, ``python examples/quickstart.py``.
"""

import math
import time

import numpy as np

t0 = time.perf_counter()
from jitufunc import guvectorize, vectorize  # noqa: E402

import_ms = (time.perf_counter() - t0) * 1e3


def timed_compile(signatures, func):
    t = time.perf_counter()
    ufunc = vectorize(signatures)(func)
    return ufunc, (time.perf_counter() - t) * 1e3


def best_ms(f, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


# 1. A Gaussian: exp(-x*x). jitufunc calls glibc's SIMD exp on whole vectors.
def gaussian(x):
    return math.exp(-x * x)


# 2. A branchy kernel: a smooth clamp with different formulas per region.
def soft_clip(x, limit):
    if x > limit:
        return limit + math.log1p(x - limit)
    elif x < -limit:
        return -limit - math.log1p(-x - limit)
    return x


# 3. An integer kernel: Python floor semantics for // and %.
def digit_sum(n):
    total = 0
    n = abs(n)
    while n > 0:
        total += n % 10
        n //= 10
    return total


# 4. A generalized ufunc: the Euclidean norm of each row, "(n)->()".
def row_norm(x, out):
    s = 0.0
    for v in x:
        s += v * v
    out[0] = math.sqrt(s)


kernels = [
    ("gaussian", gaussian, ["float64(float64)", "float32(float32)"]),
    ("soft_clip", soft_clip, ["float64(float64, float64)"]),
    ("digit_sum", digit_sum, ["int64(int64)"]),
]

print(f"import jitufunc: {import_ms:.1f} ms\n")
compiled = {}
for name, func, sigs in kernels:
    ufunc, ms = timed_compile(sigs, func)
    compiled[name] = ufunc
    print(f"compiled {name:<10} {len(sigs)} signature(s) in {ms:6.1f} ms -> {ufunc!r}, types {ufunc.types}")
t = time.perf_counter()
compiled["row_norm"] = guvectorize(["void(float64[:], float64[:])"], "(n)->()")(row_norm)
print(f"compiled row_norm   1 signature(s) in {(time.perf_counter() - t) * 1e3:6.1f} ms -> "
      f"{compiled['row_norm']!r}, layout {compiled['row_norm'].signature}")

# 5. No signatures: a loop is compiled for each new dtype on first use.
compiled["lazy_gaussian"] = vectorize(gaussian)
# 6. The same kernel on every core.
compiled["parallel_gaussian"] = vectorize(["float64(float64)"], target="parallel")(gaussian)

rng = np.random.default_rng(0)
x = rng.normal(size=5_000_000)
x32 = x.astype(np.float32)
n = rng.integers(-10**12, 10**12, size=2_000_000)

# Check against NumPy (or the Python function itself, element by element).
checks = {
    "gaussian float64": np.allclose(compiled["gaussian"](x), np.exp(-x * x), rtol=1e-13),
    "gaussian float32": np.allclose(compiled["gaussian"](x32), np.exp(-x32 * x32), rtol=1e-6),
    "soft_clip": np.allclose(
        compiled["soft_clip"](x, 1.5),
        np.where(x > 1.5, 1.5 + np.log1p(np.maximum(x - 1.5, 0)),
                 np.where(x < -1.5, -1.5 - np.log1p(np.maximum(-x - 1.5, 0)), x)),
    ),
    "digit_sum": all(compiled["digit_sum"](n[:1000]) == [digit_sum(int(v)) for v in n[:1000]]),
    "row_norm": np.allclose(compiled["row_norm"](x.reshape(5000, 1000)), np.linalg.norm(x.reshape(5000, 1000), axis=1)),
    # math.exp returns a Python float, so a float32 input gives a float64 loop ("f->d").
    "lazy_gaussian": (np.allclose(compiled["lazy_gaussian"](x32), np.exp((-x32 * x32).astype(np.float64)), rtol=1e-13)
                      and compiled["lazy_gaussian"].types == ["f->d"]),
    "parallel_gaussian": np.array_equal(compiled["parallel_gaussian"](x), compiled["gaussian"](x)),
}
print()
for what, ok in checks.items():
    print(f"check {what:<17} {'ok' if ok else 'MISMATCH'}")

print("\nspeed on", x.size, "elements (best of 7):")
out = np.empty_like(x)
rows = [
    ("gaussian f64 vs np.exp(-x*x)", lambda: compiled["gaussian"](x, out=out), lambda: np.exp(-x * x, out=out)),
    ("soft_clip vs np.where chain", lambda: compiled["soft_clip"](x, 1.5, out=out),
     lambda: np.where(x > 1.5, 1.5 + np.log1p(np.abs(x - 1.5)), np.where(x < -1.5, -1.5 - np.log1p(np.abs(x + 1.5)), x))),
]
rows.append(("gaussian f64, target=parallel", lambda: compiled["parallel_gaussian"](x, out=out),
             lambda: np.exp(-x * x, out=out)))
m = x.reshape(5000, 1000)
rows.append(("row_norm vs np.linalg.norm(axis=1)", lambda: compiled["row_norm"](m), lambda: np.linalg.norm(m, axis=1)))
for label, ours, theirs in rows:
    a, b = best_ms(ours), best_ms(theirs)
    print(f"  {label:<34} jitufunc {a:7.2f} ms   NumPy {b:7.2f} ms   ({b / a:4.1f}x)")

print("\nAll checks passed." if all(checks.values()) else "\nSOME CHECKS FAILED")
raise SystemExit(0 if all(checks.values()) else 1)
