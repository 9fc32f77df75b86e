"""The escape-time kernel compiled under several settings of jitufunc's
developer variables, timed in one process, alternating (medians of 9).

    .venv/bin/python benchmarks/escape_experiments/knobs_ab.py base DEFER=1 DEFER=1,SAVE_REG=1

Each argument is one variant: comma-separated NAME=VALUE pairs, each set as
JITUFUNC_NAME while that variant compiles (``base``: none). The knobs of
the patches here (``DEFER``, ``SAVE_REG``, ``MSTORE`` of
deferred-epilogue-saved-exit-values.patch) exist only with the patch
applied; ``MASKED_LANES`` and ``RETIRE_AT`` always. Cases: points that
escape at once, points that never escape, random points, the grid (1e6
each, into ``out=``); results are checked equal across variants.
"""
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import kernels  # noqa: E402
from jitufunc import vectorize  # noqa: E402

KNOBS = ["DEFER", "SAVE_REG", "MSTORE", "RETIRE_AT", "MASKED_LANES"]

fs = {}
for spec in sys.argv[1:]:
    for k in KNOBS:
        os.environ.pop("JITUFUNC_" + k, None)
    for kv in spec.split(","):
        if "=" in kv:
            k, v = kv.split("=")
            os.environ["JITUFUNC_" + k] = v
    fs[spec] = vectorize(["int32(float64, float64)"])(kernels.escape)
rng = np.random.default_rng(0)
n = 10**6
x, y = np.meshgrid(np.linspace(-2, 1, 1000), np.linspace(-1.2, 1.2, 1000))
cases = {"at once": (np.full(n, 10.0), np.full(n, 0.0)), "inside": (np.full(n, -0.1), np.full(n, 0.1)),
         "random": (rng.uniform(-2.0, 1.0, n), rng.uniform(-1.2, 1.2, n)),
         "grid": (x.ravel().copy(), y.ravel().copy())}
out = np.empty(n, np.int32)
for case, (a, b) in cases.items():
    times = {v: [] for v in fs}
    first = None
    for _ in range(9):
        for v, f in fs.items():
            t = time.perf_counter()
            f(a, b, out=out)
            times[v].append(time.perf_counter() - t)
            if first is None:
                first = out.copy()
            elif not (first == out).all():
                sys.exit(f"{case}: variant {v} gives other results")
    print(f"{case:8s}", "  ".join(f"[{v}] {statistics.median(t) * 1e3:.2f}" for v, t in times.items()),
          flush=True)
