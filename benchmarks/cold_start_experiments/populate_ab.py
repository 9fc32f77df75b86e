"""Prefaulting `_core`'s pages before the first compile: does it pay?

    .venv/bin/python benchmarks/cold_start_experiments/populate_ab.py sync
    .venv/bin/python benchmarks/cold_start_experiments/populate_ab.py background

`sync`: in fresh processes, after `import jitufunc._core`, either nothing
or `madvise(MADV_POPULATE_READ)` over `_core`'s executable mapping
("text") or all its read-only mappings ("all"), then the first `vectorize`
of `kernels.gaussian`; prints the populate's and the compile's time and
minor page faults (4 processes per mode, interleaved). `background`: the
same `madvise` from a thread (ctypes releases the GIL) while the main
thread compiles; prints the median and minimum of the time from after
`import numpy` to the compiled ufunc (20 processes per mode). Linux 5.14
or newer (MADV_POPULATE_READ).
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import ctypes, os, resource, sys, threading, time
mode, how = sys.argv[1], sys.argv[2]
def faults(): return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
import numpy
t0 = time.perf_counter()
import jitufunc, jitufunc._core as C
libc = ctypes.CDLL(None, use_errno=True)
libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
ranges = []
for line in open("/proc/self/maps"):
    p = line.split()
    if len(p) >= 6 and p[5].endswith(os.path.basename(C.__file__)) and "w" not in p[1]:
        if mode == "all" or (mode == "text" and "x" in p[1]):
            ranges.append([int(x, 16) for x in p[0].split("-")])
def populate():
    for lo, hi in ranges:
        libc.madvise(lo, hi - lo, 22)  # MADV_POPULATE_READ
t1, f1 = time.perf_counter(), faults()
if how == "background":
    threading.Thread(target=populate, daemon=True).start()
else:
    populate()
t2, f2 = time.perf_counter(), faults()
sys.path.insert(0, sys.argv[3]); import kernels
t3, f3 = time.perf_counter(), faults()
jitufunc.vectorize(["float64(float64)"])(kernels.gaussian)
t4, f4 = time.perf_counter(), faults()
print((t2 - t1) * 1e3, f2 - f1, (t4 - t3) * 1e3, f4 - f3, (t4 - t0 - (t3 - t2)) * 1e3)
"""


def run(mode, how):
    out = subprocess.run([sys.executable, "-c", CHILD, mode, how, os.path.dirname(HERE)],
                         capture_output=True, text=True, check=True).stdout.split()
    return [float(v) for v in out]


def main(how):
    modes = ("none", "text", "all")
    results = {m: [] for m in modes}
    for _ in range(4 if how == "sync" else 20):
        for m in modes:
            results[m].append(run(m, how))
    for m, rs in results.items():
        if how == "sync":
            for r in rs:
                print(f"{m:5s} populate {r[0]:.2f} ms / {r[1]:.0f} faults, first compile {r[2]:.2f} ms / "
                      f"{r[3]:.0f} faults")
        else:
            total = [r[4] for r in rs]
            print(f"{m:5s} median {statistics.median(total):.2f} ms, min {min(total):.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sync")
