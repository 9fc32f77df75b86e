"""Masked-lane variants against each other, in one process, alternating
(the machine's per-process speed varies too much for separate runs).

    .venv/bin/python benchmarks/masked_lanes_ab.py 8 16            # lane counts
    .venv/bin/python benchmarks/masked_lanes_ab.py 16:4 16:8 16:12  # lanes:retire-at
    .venv/bin/python benchmarks/masked_lanes_ab.py --float32 16 32

Each variant is a lane count (``JITUFUNC_MASKED_LANES``; 1 turns masked
lanes off), optionally with the number of returned lanes that retire
together (``JITUFUNC_RETIRE_AT``). Every kernel is compiled once per
variant (the variables are read when compiling) and each is timed on 1e6
elements, the variants alternating; prints the median of 15 calls per
variant. Kernels: ``kernels.escape`` on random points in [-2, 1] x
[-1.2, 1.2] (the benchmark's), on the 1000x1000 grid, on points that never
escape and on points that escape at once, into a preallocated ``out=``;
and the kernels of ``tests/vectorize/test_masked_lanes.py``. Results are
checked equal across variants.
"""
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import kernels  # noqa: E402
import tests.vectorize.test_masked_lanes as T  # noqa: E402
from jitufunc import vectorize  # noqa: E402

N = 10**6
CALLS = 15


def cases(float32):
    ft, name = (np.float32, "float32") if float32 else (np.float64, "float64")
    rng = np.random.default_rng(0)
    cr, ci = rng.uniform(-2.0, 1.0, N).astype(ft), rng.uniform(-1.2, 1.2, N).astype(ft)
    gr, gi = (a.ravel().copy() for a in np.meshgrid(np.linspace(-2, 1, 1000, dtype=ft),
                                                      np.linspace(-1.2, 1.2, 1000, dtype=ft)))
    esc = f"int32({name}, {name})"
    out = np.empty(N, np.int32)
    yield "escape random", kernels.escape, esc, (cr, ci), out
    yield "escape grid", kernels.escape, esc, (gr, gi), out
    yield "escape inside", kernels.escape, esc, (np.full(N, -0.1, ft), np.full(N, 0.1, ft)), out
    yield "escape at once", kernels.escape, esc, (np.full(N, 10.0, ft), np.zeros(N, ft)), out
    yield "smooth", T.escape_smooth, f"{name}({name}, {name})", (cr, ci), None
    yield "newton", T.newton, f"{name}({name}, {name})", (rng.uniform(0.1, 10, N).astype(ft),
                                                           rng.uniform(0.1, 1e6, N).astype(ft)), None
    yield "blowup", T.blowup, f"int32({name})", (rng.uniform(-2.5, 0.5, N).astype(ft),), None
    if not float32:
        yield "sign_steps", T.sign_steps, "bool(float64, bool)", (rng.uniform(-3, 3, N),
                                                                 rng.integers(0, 2, N).astype(bool)), None
        yield "collatz", T.collatz_capped, "int64(int64)", (rng.integers(1, 10**6, N),), None
        yield "digits", T.digits, "int64(int64, int64)", (rng.integers(0, 10**12, N),
                                                          rng.integers(2, 20, N)), None
        yield "nested", T.nested, "float64(float64, int64)", (rng.uniform(0, 2, N),
                                                             rng.integers(0, 5, N)), None


def compile_as(variant, func, sig):
    lanes, _, retire = variant.partition(":")
    os.environ["JITUFUNC_MASKED_LANES"] = lanes
    if retire:
        os.environ["JITUFUNC_RETIRE_AT"] = retire
    else:
        os.environ.pop("JITUFUNC_RETIRE_AT", None)
    return vectorize([sig])(func)


def main(argv):
    float32 = "--float32" in argv
    variants = [a for a in argv if a != "--float32"]
    if not variants:
        sys.exit(__doc__)
    print(f"{'':16s}" + "".join(f"{v:>12s}" for v in variants) + "   (ms, median of %d)" % CALLS)
    for name, func, sig, args, out in cases(float32):
        fs = {v: compile_as(v, func, sig) for v in variants}
        times = {v: [] for v in variants}
        first = None
        for _ in range(CALLS):
            for v, f in fs.items():
                kw = {"out": out} if out is not None else {}
                t = time.perf_counter()
                r = f(*args, **kw)
                times[v].append(time.perf_counter() - t)
                r = np.array(r, copy=True)
                if first is None:
                    first = r
                elif not np.array_equal(first, r, equal_nan=True):
                    sys.exit(f"{name}: variant {v} gives other results")
        print(f"{name:16s}" + "".join(f"{statistics.median(times[v]) * 1e3:12.2f}" for v in variants), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
