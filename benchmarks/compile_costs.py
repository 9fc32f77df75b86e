"""Deterministic compile costs and what loading `_core` takes.

    .venv/bin/python benchmarks/compile_costs.py load       # _core: size, relocations, load
    .venv/bin/python benchmarks/compile_costs.py callgrind  # instructions per fresh compile
    .venv/bin/python benchmarks/compile_costs.py asm        # machine code of a gufunc loop
    .venv/bin/python benchmarks/compile_costs.py cold A B   # cold start, two package dirs
    .venv/bin/python benchmarks/compile_costs.py import A B # import jitufunc, two package dirs

`load`: the extension's size, relative relocations and static constructors
(`readelf -d`), and the time and minor page faults of loading it in fresh
processes (after `import numpy` and `import jitufunc`; median of 9).

`callgrind`: instructions (valgrind's callgrind, deterministic where times
on this machine are not) that a process spends on each fresh compile: a
process compiling K+1 kernels minus one compiling 1, over K. Kinds:
`vectorize` (`kernels.SIMPLE_COMPILE_TEMPLATE`, `float64(float64)`, a new
module file each) and `gufunc` (`kernels.gu_matmul` as `(m,n),(n,p)->(m,p)`
and `kernels.GU_COMPILE_TEMPLATE`'s row norm as `(n)->()`, counted as the
pair).

`asm`: machine instructions of `kernels.gu_row_norm`'s gufunc loop function
(`JITUFUNC_DUMP=asm`; parts compiled on first use are not in it).

`cold A B`: import + first `vectorize` of `gaussian` in fresh processes,
interleaved, with `PYTHONPATH` set to directory A, then B, each holding a
`jitufunc` package (two builds to compare; copy them with `cp -rp` so that
cached bytecode stays valid; or run `python -m compileall` on both: with
PYTHONDONTWRITEBYTECODE set, a stale .pyc is compiled again in every
process); medians of 30. `import A B`: `import jitufunc` alone (after
`import numpy`), the same way.
"""
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

COMPILE = r"""
import importlib, inspect, os, sys, tempfile
kind, count, here = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = tempfile.mkdtemp(); sys.path.insert(0, d); sys.path.insert(0, here)
import jitufunc, kernels
VEC = kernels.SIMPLE_COMPILE_TEMPLATE
# benchmarks/kernels.py's matmul and row-norm kernels, renamed per module.
GU = (inspect.getsource(kernels.gu_matmul).replace("gu_matmul", "mm_{name}") + "\n\n"
      + kernels.GU_COMPILE_TEMPLATE.replace("{name}", "rn_{name}"))
for i in range(count):
    name = f"k{i}"
    with open(os.path.join(d, f"{name}.py"), "w") as f:
        f.write((VEC if kind == "vectorize" else GU).format(name=name))
    m = importlib.import_module(name)
    if kind == "vectorize":
        jitufunc.vectorize(["float64(float64)"])(getattr(m, name))
    else:
        jitufunc.guvectorize(["void(float64[:,:], float64[:,:], float64[:,:])"],
                             "(m,n),(n,p)->(m,p)")(getattr(m, f"mm_{name}"))
        jitufunc.guvectorize(["void(float64[:], float64[:])"], "(n)->()")(getattr(m, f"rn_{name}"))
"""

ROW_NORM = r"""
import sys; sys.path.insert(0, sys.argv[1])
import jitufunc, kernels
jitufunc.guvectorize(["void(float64[:], float64[:])"], "(n)->()")(kernels.gu_row_norm)
"""

LOAD = r"""
import resource, time, numpy, jitufunc
r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
import jitufunc._core
t1 = time.perf_counter(); r1 = resource.getrusage(resource.RUSAGE_SELF)
print(t1 - t0, r1.ru_minflt - r0.ru_minflt, jitufunc._core.__file__)
"""

COLD = r"""
import sys, time; import numpy
sys.path.insert(0, %r); import kernels; t0 = time.perf_counter()
from jitufunc import vectorize; u = vectorize(['float64(float64)'])(kernels.gaussian)
print(time.perf_counter() - t0)
"""

IMPORT = r"""
import time, numpy; t0 = time.perf_counter()
import jitufunc
print(time.perf_counter() - t0)
"""


def run(code, *args, env=None, valgrind=False):
    cmd = [sys.executable, "-c", code, *args]
    if valgrind:
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, check=True,
                          env=dict(os.environ, **(env or {})))


def load():
    runs = [run(LOAD).stdout.split() for _ in range(9)]
    path = runs[0][2]
    dynamic = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    relocations = int(re.search(r"\(RELACOUNT\)\s+(\d+)", dynamic).group(1))
    constructors = int(re.search(r"\(INIT_ARRAYSZ\)\s+(\d+)", dynamic).group(1)) // 8
    print(f"_core: {os.path.getsize(path) / 1e6:.1f} MB, {relocations} relative relocations, "
          f"{constructors} static constructors")
    print(f"load: median {statistics.median(float(r[0]) for r in runs) * 1e3:.2f} ms, "
          f"{statistics.median(int(r[1]) for r in runs)} minor faults (9 fresh processes)")


def instructions(kind, count):
    err = run(COMPILE, kind, str(count), HERE, valgrind=True).stderr
    return int(re.search(r"Collected : (\d+)", err).group(1))


def callgrind(extra=3):
    for kind in ("vectorize", "gufunc"):
        one, more = instructions(kind, 1), instructions(kind, 1 + extra)
        what = "per kernel" if kind == "vectorize" else "per matmul + row-norm pair"
        print(f"{kind}: {(more - one) / extra / 1e6:.1f} M instructions {what}")


def asm():
    err = run(ROW_NORM, HERE, env={"JITUFUNC_DUMP": "asm"}).stderr
    counts, name = {}, None
    for line in err.splitlines():
        if re.match(r"^[A-Za-z_$][^:\s]*:", line):
            name = line[:-1]
        elif name and line.startswith("\t") and not line.lstrip().startswith((".", "#")):
            counts[name] = counts.get(name, 0) + 1
    for name, n in counts.items():
        print(f"{n} machine instructions in {name}")


def cold(a, b, rounds=30, script=None):
    script = script or COLD % HERE
    times = {a: [], b: []}
    for _ in range(rounds):
        for d in (a, b):
            out = run(script, env={"PYTHONPATH": os.path.abspath(d)}).stdout
            times[d].append(float(out) * 1e3)
    for d, t in times.items():
        print(f"{d}: median {statistics.median(t):.2f} ms, min {min(t):.2f} ms ({rounds} processes)")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "load"
    {
        "load": load,
        "callgrind": callgrind,
        "asm": asm,
        "import": lambda: cold(*sys.argv[2:4], script=IMPORT),
    }.get(what, lambda: cold(*sys.argv[2:4]))()
