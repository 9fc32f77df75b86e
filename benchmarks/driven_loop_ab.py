"""The driven elementwise loop (a fresh ufunc: ``src/loops/driven.rs``)
against the fully generated loop (a ``cache=True`` ufunc), in one process,
alternating: what the Rust driver costs per call and per chunk.

    .venv/bin/python benchmarks/driven_loop_ab.py

Prints the median of 30 alternations per case and the ratio driven /
generated (> 1: the driven loop is slower).
"""
import math
import time

import numpy as np

import jitufunc


def make(cache):
    @jitufunc.vectorize(["float64(float64,float64)"], cache=cache)
    def add(x, y):
        return x + y

    @jitufunc.vectorize(["float64(float64,float64)"], cache=cache)
    def gauss(x, y):
        return math.exp(-x * x) * y + 1.0

    return {"add": add, "exp": gauss}


GENERATED = make(True)
DRIVEN = make(False)


def case(name, call, reps, kernel):
    """Times `call` on both ufuncs, alternating; prints the medians."""
    generated, driven = [], []
    for _ in range(30):
        for f, acc in ((GENERATED[kernel], generated), (DRIVEN[kernel], driven)):
            t = time.perf_counter()
            for _ in range(reps):
                call(f)
            acc.append((time.perf_counter() - t) / reps)
    g = sorted(generated)[15]
    d = sorted(driven)[15]
    print(f"{name:20s} generated {g * 1e6:10.2f} us   driven {d * 1e6:10.2f} us   ratio {d / g:.3f}")


def main():
    rng = np.random.default_rng(0)
    for n in [16, 17, 300, 10_000, 1_000_000]:
        x, y, out = rng.random(n), rng.random(n), np.empty(n)
        reps = max(3, 200_000 // (n + 100))
        for kernel in ("add", "exp"):
            case(f"{kernel} n={n}", lambda f, x=x, y=y, out=out: f(x, y, out=out), reps, kernel)
    x, y = rng.random(100_000), rng.random(100_000)
    case("add broadcast 1e5", lambda f: f(x, 2.0), 20, "add")
    case("add in place 1e5", lambda f: f(x, y, out=x), 20, "add")
    case("exp broadcast 1e5", lambda f: f(x, 2.0), 5, "exp")


if __name__ == "__main__":
    main()
