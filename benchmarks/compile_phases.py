"""Where a `@vectorize` compile spends its time, phase by phase.

    .venv/bin/python benchmarks/compile_phases.py             # phases
    .venv/bin/python benchmarks/compile_phases.py --callgrind # + LLVM counts

Compiles fresh `exp(-x*x)*1.5` kernels (`float64(float64)`, a new module
file each) in a fresh process with `JITUFUNC_DUMP=timing` and prints the
first compile's phases and the median of the later ones. `--callgrind`
also dumps the kernel's unoptimised LLVM IR and counts the instructions
LLVM 19's `opt` (jitufunc's pipeline) and `llc -O1` execute on it under
valgrind (deterministic, unlike times on a shared machine); it needs
valgrind and /usr/lib/llvm-19/bin.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r"""
import importlib, os, sys
d = sys.argv[1]; sys.path.insert(0, d)
import jitufunc
for i in range(int(sys.argv[2])):
    with open(os.path.join(d, f"k{i}.py"), "w") as f:
        f.write(f"import math\ndef g{i}(x):\n    return math.exp(-x * x) * 1.5\n")
    jitufunc.vectorize(["float64(float64)"])(getattr(importlib.import_module(f"k{i}"), f"g{i}"))
"""


def phases(count=30):
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, JITUFUNC_DUMP="timing")
        err = subprocess.run([sys.executable, "-c", CHILD, d, str(count)], env=env,
                             capture_output=True, text=True, check=True).stderr
    runs = [dict(re.findall(r"^\s*([a-z-]+):\s+([0-9.]+) ms", block, re.M))
            for block in err.split("==== jitufunc Timing")[1:]]
    names = list(runs[0])
    print(f"{'phase':10s} {'first':>9s} {'later (median)':>15s}")
    for name in names + ["total"]:
        value = (lambda r: sum(float(v) for v in r.values())) if name == "total" else (lambda r: float(r[name]))
        later = statistics.median(value(r) for r in runs[1:])
        print(f"{name:10s} {value(runs[0]):7.2f} ms {later:12.2f} ms")


def instructions(tool, *args):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          f"/usr/lib/llvm-19/bin/{tool}", *args], capture_output=True, text=True).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))


def callgrind():
    pipeline = re.search(r'const PIPELINE: &str = "(.*?)";',
                         open(os.path.join(ROOT, "src/engine/object.rs")).read(), re.S).group(1)
    pipeline = re.sub(r"\\\s*", "", pipeline)
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "k.py")
        with open(src, "w") as f:
            f.write("import math, jitufunc\ndef g(x):\n    return math.exp(-x * x) * 1.5\n"
                    "jitufunc.vectorize(['float64(float64)'])(g)\n")
        err = subprocess.run([sys.executable, src], env=dict(os.environ, JITUFUNC_DUMP="llvm-unopt"),
                             capture_output=True, text=True, check=True).stderr
        ir = os.path.join(d, "k.ll")
        with open(ir, "w") as f:
            f.write(err.split("\n", 1)[1])
        opt_flags = ["-enable-epilogue-vectorization=false", "-unswitch-threshold=0"]
        base = instructions("opt", "-passes=verify", *opt_flags, ir, "-o", "/dev/null")
        bc = os.path.join(d, "k.bc")
        full = instructions("opt", f"-passes={pipeline}", *opt_flags, ir, "-o", bc)
        empty = os.path.join(d, "empty.ll")
        with open(empty, "w") as f:
            f.write("define void @f() {\n  ret void\n}\n")
        llc0 = instructions("llc", "-O1", "-filetype=obj", empty, "-o", os.path.join(d, "e.o"))
        llc = instructions("llc", "-O1", "-filetype=obj", bc, "-o", os.path.join(d, "k.o"))
    print(f"opt (jitufunc's pipeline): {(full - base) / 1e6:.1f} M instructions")
    print(f"llc -O1:                   {(llc - llc0) / 1e6:.1f} M instructions")


if __name__ == "__main__":
    phases()
    if "--callgrind" in sys.argv:
        callgrind()
