"""Checks of the machine and of fixed per-call costs that `run.py`'s rows
depend on, printed (not written to the docs):

1. how far two cores go: the throughput of two processes at once against
   one, for a pure-Python integer loop and for the vectorized `math.sin`
   kernel of the `prange-compute` row (its serial loop), so a `prange`
   speedup can be read against what the machine allows;
2. the fixed cost of a `prange` loop: a `parallel=True` reduction against
   the serial loop at 1, 100, 1000 and 10000 trips;
3. the per-call cost of `add(1.0, 2)` in several fresh processes (it lands
   at one of two speeds per process on some machines, which moves the
   microsecond rows of `run.py` between runs).

    .venv/bin/python benchmarks/machine_checks.py
"""

import math
import multiprocessing as mp
import subprocess
import sys
import time
import timeit

import numpy as np

SIN_SOURCE = """
def compute(a, out):
    for i in range(a.shape[0]):
        x = a[i]
        s = 0.0
        for k in range(50):
            s += math.sin(x + k)
        out[i] = s
"""


def python_loop(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def sin_kernel(reps):
    from jitufunc import njit

    ns = {"math": math}
    exec(SIN_SOURCE, ns)
    f = njit(ns["compute"])
    a = np.random.default_rng(0).random(400_000)
    out = np.empty_like(a)
    f(a, out)
    started = time.perf_counter()
    for _ in range(reps):
        f(a, out)
    return time.perf_counter() - started


def timed_python_loop(n):
    started = time.perf_counter()
    python_loop(n)
    return time.perf_counter() - started


def two_cores():
    with mp.Pool(2) as pool:
        for name, work, arg in (("pure-Python loop", timed_python_loop, 8_000_000),
                                ("vectorized sin kernel", sin_kernel, 10)):
            one = min(work(arg) for _ in range(2))
            two = min(max(pool.map(work, [arg, arg])) for _ in range(2))
            print(f"{name}: one process {one:.3f} s, two at once {two:.3f} s each: "
                  f"throughput {2 * one / two:.2f}x")


def prange_fixed_cost():
    from jitufunc import njit, prange

    def serial(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i] * a[i]
        return s

    def parallel(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i] * a[i]
        return s

    fs, fp = njit(serial), njit(parallel=True)(parallel)
    rng = np.random.default_rng(1)
    for n in (1, 100, 1000, 10_000):
        a = rng.standard_normal(n)
        fs(a), fp(a)
        ts = min(timeit.repeat(lambda: fs(a), number=2000, repeat=7)) / 2000 * 1e6
        tp = min(timeit.repeat(lambda: fp(a), number=2000, repeat=7)) / 2000 * 1e6
        print(f"prange reduction, n={n}: serial {ts:.3f} us, parallel=True {tp:.3f} us "
              f"({ts / tp:.2f}x serial)")


CALL_SCRIPT = """
import timeit
from jitufunc import njit
@njit
def add(a, b):
    return a + b
add(1.0, 2)
print(min(timeit.repeat(lambda: add(1.0, 2), number=5000, repeat=7)) / 5000 * 1e6)
"""


def call_cost_per_process(processes=6):
    costs = [float(subprocess.run([sys.executable, "-c", CALL_SCRIPT], capture_output=True,
                                  text=True, check=True).stdout) for _ in range(processes)]
    print("add(1.0, 2) per call, one fresh process each: "
          + ", ".join(f"{c:.3f} us" for c in costs))


if __name__ == "__main__":
    two_cores()
    prange_fixed_cost()
    call_cost_per_process()
