"""jitufunc benchmark suite: jitufunc vs Numba's @vectorize, @guvectorize and @njit vs NumPy.

    .venv/bin/python benchmarks/run.py                 # print the table
    .venv/bin/python benchmarks/run.py --write-docs    # also docs/benchmarks.md + .png

Everything runs in this one process, except the import and cold-start rows,
which need fresh interpreters (they are started from here). Run it on a quiet
machine: nothing else heavy at the same time. The script pins OpenBLAS and
friends to one thread itself. Every compiled ufunc is checked against NumPy
before it is timed; a mismatch is reported loudly and that row is not timed.
The exit status is 1 if any check failed or any kernel failed to compile.
"""

import os

# Before NumPy is imported: its OpenBLAS threads otherwise spin on the other core.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import importlib.util  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import kernels  # noqa: E402

N = 10_000_000            # elements in the array benchmarks
REPEAT_STREAM = 15        # best of N for the streaming rows
REPEAT_COMPUTE = 10       # best of N for the compute rows
OVERHEAD_NUMBER = 10_000  # calls per timeit loop in the call-overhead row
OVERHEAD_REPEAT = 15      # timeit loops (best one is kept)
COMPILE_RUNS = 5          # median of N for compile times
SUBPROC_RUNS = 5          # median of N for import / cold-start rows
COMMAND = ".venv/bin/python benchmarks/run.py --write-docs"

F64_2 = "float64(float64, float64)"
F32_2 = "float32(float32, float32)"


@dataclass
class Row:
    key: str
    label: str
    unit: str = "ms"                  # "ms" or "us"
    jit: float | None = None          # seconds
    numba: float | None = None
    numpy: float | None = None
    floor: float | None = None        # memory-bandwidth floor, seconds
    status: str = "ok"                # ok / MISMATCH / ERROR
    notes: list = field(default_factory=list)


ROWS: list[Row] = []
PROBLEMS: list[str] = []
WARNINGS: list[str] = []


def loud(msg):
    bar = "!" * 78
    print(f"\n{bar}\n{msg}\n{bar}\n", flush=True)
    PROBLEMS.append(msg)


def best(f, repeat):
    """Best wall time of ``repeat`` calls of f(), after one warm-up call."""
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def agrees(got, ref, exact=False, rtol=1e-12, atol=1e-15):
    got = np.asarray(got)
    ref = np.asarray(ref)
    if got.shape != ref.shape or got.dtype != ref.dtype:
        return False, f"shape/dtype {got.shape} {got.dtype} != {ref.shape} {ref.dtype}"
    ok = np.array_equal(got, ref) if exact else np.allclose(got, ref, rtol=rtol, atol=atol)
    if ok:
        return True, ""
    bad = np.flatnonzero(got != ref) if exact else np.flatnonzero(~np.isclose(got, ref, rtol=rtol, atol=atol))
    i = int(bad[0])
    return False, f"{bad.size} of {ref.size} elements differ; first at [{i}]: got {got.flat[i]!r}, expected {ref.flat[i]!r}"


def call_checked(row, who, fn):
    """Call fn() once, recording floating-point warnings (NumPy's default errstate)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(divide="warn", invalid="warn", over="warn"):
        warnings.simplefilter("always")
        result = fn()
    msgs = sorted({str(w.message).split(" encountered")[0] for w in caught
                   if issubclass(w.category, RuntimeWarning)})
    if msgs:
        row.notes.append(f"{who} warns: {'; '.join(msgs)}")
        WARNINGS.append(f"{row.key}: {who} raised RuntimeWarning(s): {'; '.join(msgs)}")
    return result


def check(row, who, got, ref, **kw):
    """Check one result against the reference; mark the row and shout on a mismatch."""
    ok, why = agrees(got, ref, **kw)
    if not ok:
        if who == "jitufunc":
            row.status = "MISMATCH"
        row.notes.append(f"{who} MISMATCH")
        loud(f"MISMATCH in {row.key} ({row.label}), {who} vs NumPy: {why}")
    return ok


def failed(row, who, exc, what):
    """Records that ``who`` failed in ``row`` (a jitufunc failure fails the row)."""
    if who == "jitufunc":
        row.status = "ERROR"
    row.notes.append(f"{who} error: {type(exc).__name__}")
    loud(f"{what}:\n{traceback.format_exc()}")


def compile_both(row, func, sigs):
    """Compile ``func`` with jitufunc and Numba; None for the one that fails."""
    import numba
    from jitufunc import vectorize

    try:
        ju = vectorize(sigs)(func)
    except Exception as exc:  # noqa: BLE001
        failed(row, "jitufunc", exc, f"jitufunc failed to compile {func.__name__} {sigs} for {row.key}")
        ju = None
    try:
        nb = numba.vectorize(sigs, target="cpu")(func)
    except Exception as exc:  # noqa: BLE001
        failed(row, "numba", exc, f"numba failed to compile {func.__name__} {sigs} for {row.key}")
        nb = None
    return ju, nb


# --------------------------------------------------------------------------
# 1. streaming add, float64 and float32, with the memory-bandwidth floor

def bench_stream(ju, nb, dtype, rng):
    name = np.dtype(dtype).name
    row = Row(f"add-{name}", f"streaming add {name}, 1e7, out=")
    ROWS.append(row)
    if ju is None:
        return
    a = rng.random(N).astype(dtype)
    b = rng.random(N).astype(dtype)
    out = np.empty(N, dtype)
    ref = np.add(a, b)
    # No out=: the loop NumPy picks for these inputs must be this dtype's own.
    if not check(row, "jitufunc", ju(a, b), ref, exact=True):
        return
    nb_ok = nb is not None and check(row, "numba", nb(a, b), ref, exact=True)
    row.jit = best(lambda: ju(a, b, out=out), REPEAT_STREAM)
    if nb_ok:
        row.numba = best(lambda: nb(a, b, out=out), REPEAT_STREAM)
    row.numpy = best(lambda: np.add(a, b, out=out), REPEAT_STREAM)
    # The floor: a plain copy that moves the same bytes. The kernel reads 2
    # arrays of N and writes 1 (3N elements of traffic); np.copyto of 1.5N
    # elements reads 1.5N and writes 1.5N, also 3N.
    src = np.ones(N * 3 // 2, dtype)
    dst = np.empty_like(src)
    row.floor = best(lambda: np.copyto(dst, src), REPEAT_STREAM)
    # Counting the write-allocate read that a normal store costs (the cache
    # line is read before it is written), the kernel moves 4N elements and the
    # 1.5N copy 4.5N: the adjusted floor is floor * 4 / 4.5.
    adjusted = row.floor * 4 / 4.5
    gbs = 3 * N * np.dtype(dtype).itemsize / row.jit / 1e9
    row.notes.append(f"{row.jit / row.floor:.2f}x floor ({row.jit / adjusted:.2f}x write-allocate-adjusted), "
                     f"{gbs:.1f} GB/s")
    del a, b, out, src, dst


# --------------------------------------------------------------------------
# 2-4. compute-bound kernels

def bench_compute(row, func, sigs, args, out_dtype, ref_fn, numpy_fn, exact=False, rtol=1e-12):
    ROWS.append(row)
    ju, nb = compile_both(row, func, sigs)
    if ju is None:
        return
    ref = ref_fn()
    if not check(row, "jitufunc", call_checked(row, "jitufunc", lambda: ju(*args)), ref, exact=exact, rtol=rtol):
        return
    nb_ok = nb is not None and check(row, "numba", call_checked(row, "numba", lambda: nb(*args)), ref,
                                     exact=exact, rtol=rtol)
    out = np.empty(N, out_dtype)
    # Timed with floating-point error reporting off for all three alike (the
    # checks above already recorded any warnings).
    with np.errstate(all="ignore"):
        row.jit = best(lambda: ju(*args, out=out), REPEAT_COMPUTE)
        if nb_ok:
            row.numba = best(lambda: nb(*args, out=out), REPEAT_COMPUTE)
        row.numpy = best(numpy_fn, REPEAT_COMPUTE)


def piecewise_numpy(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.select(
            [x < -2.0, x < -0.5, x < 0.5, x < 2.0],
            [np.exp(x + 2.0) - 2.0, 0.5 * x * x - 1.125, np.sin(x), 1.5 * np.sqrt(x) - 0.5],
            np.log(x) + 0.9,
        )


def int_mix_numpy(a, b):
    q = np.floor_divide(a, b)
    r = np.mod(a, b)
    h = (a ^ (a >> 7)) & 0xFFFF
    return (q * 3 + r) ^ (h << 2)


# --------------------------------------------------------------------------
# 5. call overhead on a one-element array

def bench_overhead(ju, nb):
    row = Row("overhead", "call overhead, 1-element float64 add", unit="us")
    ROWS.append(row)
    if ju is None:
        return
    a = np.array([1.5])
    b = np.array([2.25])
    if not check(row, "jitufunc", ju(a, b), np.add(a, b), exact=True):
        return
    nb_ok = nb is not None and check(row, "numba", nb(a, b), np.add(a, b), exact=True)

    def per_call(u):
        u(a, b)
        loops = timeit.repeat("u(a, b)", globals={"u": u, "a": a, "b": b},
                              number=OVERHEAD_NUMBER, repeat=OVERHEAD_REPEAT)
        return min(loops) / OVERHEAD_NUMBER

    row.jit = per_call(ju)
    if nb_ok:
        row.numba = per_call(nb)
    row.numpy = per_call(np.add)
    row.notes.append(f"u(a, b), best of {OVERHEAD_REPEAT} loops of {OVERHEAD_NUMBER:,} calls; "
                     f"numba object: {type(nb).__name__}")


# --------------------------------------------------------------------------
# 8. generalized ufuncs (guvectorize)

GU_MATMUL_SIG = "void(float64[:,:], float64[:,:], float64[:,:])"
GU_NORM_SIG = "void(float64[:], float64[:])"


def compile_both_gu(row, func, sigs, layout):
    """Compile ``func`` with both guvectorizes; None for the one that fails."""
    import numba
    from jitufunc import guvectorize

    try:
        ju = guvectorize(sigs, layout)(func)
    except Exception as exc:  # noqa: BLE001
        failed(row, "jitufunc", exc, f"jitufunc failed to compile {func.__name__} for {row.key}")
        ju = None
    try:
        nb = numba.guvectorize(sigs, layout, target="cpu")(func)
    except Exception as exc:  # noqa: BLE001
        failed(row, "numba", exc, f"numba failed to compile {func.__name__} for {row.key}")
        nb = None
    return ju, nb


def bench_gufunc(row, ju, nb, args, out, ref, numpy_fn, rtol=1e-10, floor_fn=None):
    """Times ``f(*args, out)`` for both gufuncs after checking them."""
    ROWS.append(row)
    if ju is None:
        return
    # Summation orders differ from NumPy's (pairwise, BLAS): close, not equal.
    tol = dict(rtol=rtol, atol=1e-12)
    if not check(row, "jitufunc", call_checked(row, "jitufunc", lambda: ju(*args)), ref, **tol):
        return
    nb_ok = nb is not None and check(row, "numba", call_checked(row, "numba", lambda: nb(*args)), ref, **tol)
    with np.errstate(all="ignore"):
        row.jit = best(lambda: ju(*args, out), REPEAT_COMPUTE)
        if nb_ok:
            row.numba = best(lambda: nb(*args, out), REPEAT_COMPUTE)
        row.numpy = best(numpy_fn, REPEAT_COMPUTE)
    if floor_fn is not None:
        row.floor = best(floor_fn, REPEAT_COMPUTE)


def bench_gufuncs(rng):
    row = Row("gu-matmul4", "gufunc: batched 4x4 matmul, 1e5 matrices")
    ju, nb = compile_both_gu(row, kernels.gu_matmul, [GU_MATMUL_SIG], "(m,n),(n,p)->(m,p)")
    a = rng.standard_normal((100_000, 4, 4))
    b = rng.standard_normal((100_000, 4, 4))
    out = np.empty_like(a)
    bench_gufunc(row, ju, nb, (a, b), out, np.matmul(a, b), lambda: np.matmul(a, b, out=out))
    row.notes.append("NumPy column: np.matmul(a, b, out=out)")

    row = Row("gu-rownorm", "gufunc: row norms of a 1e4 x 1e3 matrix")
    nju, nnb = compile_both_gu(row, kernels.gu_row_norm, [GU_NORM_SIG], "(n)->()")
    x = rng.standard_normal((10_000, 1_000))
    norms = np.empty(10_000)
    # The floor moves the same bytes: the kernel reads 1e7 float64 (and
    # writes 1e4); np.copyto of 5e6 float64 reads 5e6 and writes 5e6.
    src = np.ones(5_000_000)
    dst = np.empty_like(src)
    bench_gufunc(row, nju, nnb, (x,), norms, np.linalg.norm(x, axis=1),
                 lambda: np.linalg.norm(x, axis=1), floor_fn=lambda: np.copyto(dst, src))
    if row.jit and row.floor:
        # A copy also reads each destination line before writing it
        # (write-allocate): it moves 1.5x the kernel's bytes.
        gbs = x.nbytes / row.jit / 1e9
        row.notes.append(f"{row.jit / row.floor:.2f}x floor ({row.jit / (row.floor / 1.5):.2f}x "
                         f"write-allocate-adjusted), {gbs:.1f} GB/s; NumPy column: np.linalg.norm(x, axis=1)")
    del x, src, dst

    row = Row("gu-matmul128", "gufunc: one 128x128 matmul")
    a = rng.standard_normal((128, 128))
    b = rng.standard_normal((128, 128))
    out = np.empty_like(a)
    bench_gufunc(row, ju, nb, (a, b), out, np.matmul(a, b), lambda: np.matmul(a, b, out=out))
    row.notes.append("NumPy column: np.matmul (OpenBLAS, 1 thread)")

    row = Row("gu-matmul4-ikj", "gufunc: batched 4x4 matmul, i-k-j order (reads its output), 1e5 matrices")
    ju, nb = compile_both_gu(row, kernels.gu_matmul_ikj, [GU_MATMUL_SIG], "(m,n),(n,p)->(m,p)")
    a = rng.standard_normal((100_000, 4, 4))
    b = rng.standard_normal((100_000, 4, 4))
    out = np.empty_like(a)
    bench_gufunc(row, ju, nb, (a, b), out, np.matmul(a, b), lambda: np.matmul(a, b, out=out))
    row.notes.append("NumPy column: np.matmul(a, b, out=out)")


# --------------------------------------------------------------------------
# 6. compile time of a fresh kernel

class FreshKernels:
    """Writes the kernel template to a new module file for every request."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="jitufunc-bench-"))
        self.count = 0

    def new(self, template=None):
        self.count += 1
        name = f"fresh_kernel_{os.getpid()}_{self.count}"
        path = self.dir / f"{name}.py"
        path.write_text((template or kernels.COMPILE_TEMPLATE).format(name=name))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return getattr(module, name)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def bench_compile(long=False, gufunc=False):
    """Compile times of fresh kernels; ``long``: the 10^4-statement kernel
    only; ``gufunc``: the gufunc kernel only (a later row, so the numbered
    explanations of the first rows stay in place)."""
    import numba
    from jitufunc import guvectorize, vectorize

    fresh = FreshKernels()
    # `layout`: None for @vectorize, else the gufunc's layout.
    tools = {
        "jitufunc": lambda sigs, f, layout: (vectorize(sigs)(f) if layout is None
                                             else guvectorize(sigs, layout)(f)),
        "numba": lambda sigs, f, layout: (numba.vectorize(sigs, target="cpu")(f) if layout is None
                                          else numba.guvectorize(sigs, layout, target="cpu")(f)),
    }
    x = np.linspace(-4, 4, 101)
    rows2d = np.linspace(-2, 2, 60).reshape(6, 10)
    cases = [
        ("compile-simple", "compile a fresh kernel, exp(-x*x), 1 signature", ["float64(float64)"],
         kernels.SIMPLE_COMPILE_TEMPLATE, None, x, np.exp(-x * x)),
        ("compile-1sig", "compile a fresh kernel, branchy, 1 signature", ["float64(float64)"],
         kernels.COMPILE_TEMPLATE, None, x, piecewise_numpy(x)),
        ("compile-2sig", "compile a fresh kernel, branchy, 2 signatures", ["float32(float32)", "float64(float64)"],
         kernels.COMPILE_TEMPLATE, None, x, piecewise_numpy(x)),
    ]
    if gufunc:
        cases = [("compile-gufunc", "compile a fresh gufunc kernel, row norms (n)->(), 1 signature",
                  ["void(float64[:], float64[:])"], kernels.GU_COMPILE_TEMPLATE, "(n)->()", rows2d,
                  np.sqrt((rows2d * rows2d).sum(axis=1)))]
    if long:
        cases = [("compile-long", f"compile a fresh kernel of {kernels.LONG_STATEMENTS:,} statements, 1 signature",
                  ["float64(float64)"], kernels.LONG_COMPILE_TEMPLATE, None, x, kernels.long_kernel_numpy(x))]
    try:
        for key, title, sigs, template, layout, arg, expected in cases:
            # The long kernel takes seconds: one timed compile, checked.
            runs = 1 if key == "compile-long" else COMPILE_RUNS
            row = Row(key, title)
            ROWS.append(row)
            for who, make in tools.items():
                try:
                    times = []
                    if runs > 1:
                        # Warm-up: one throwaway compile.
                        make(sigs, fresh.new(template), layout)
                    for _ in range(runs):
                        f = fresh.new(template)  # a new function object from a new file
                        t = time.perf_counter()
                        u = make(sigs, f, layout)
                        times.append(time.perf_counter() - t)
                    # Check what the last one computes.
                    if not check(row, who, call_checked(row, who, lambda: u(arg)), expected):
                        continue
                    setattr(row, "jit" if who == "jitufunc" else "numba", statistics.median(times))
                except Exception as exc:  # noqa: BLE001
                    failed(row, who, exc, f"{who} failed in {row.key}")
            if row.jit is not None:
                row.notes.append(f"{row.jit / len(sigs) * 1e3:.1f} ms per signature; median of {runs}")
    finally:
        fresh.close()


# --------------------------------------------------------------------------
# 7. import time and cold start, in fresh interpreters

IMPORT_SCRIPTS = {
    "numpy": "import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); print(t1 - t0, 0, 0)",
    # import jitufunc does not import NumPy or the compiled core: _core is
    # loaded by the first vectorize() call, so it is timed here explicitly.
    "jitufunc": "import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
                "import jitufunc; t2 = time.perf_counter(); import jitufunc._core; t3 = time.perf_counter(); "
                "print(t1 - t0, t2 - t1, t3 - t2)",
    "numba": "import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
             "import numba; t2 = time.perf_counter(); print(t1 - t0, t2 - t1, 0)",
}

COLD_SCRIPTS = {
    "jitufunc": "from jitufunc import vectorize; u = vectorize(['float64(float64)'])(kernels.gaussian)",
    "numba": "import numba; u = numba.vectorize(['float64(float64)'], target='cpu')(kernels.gaussian)",
}
COLD_TEMPLATE = (
    "import sys, time; t0 = time.perf_counter(); import numpy; "
    "sys.path.insert(0, {here!r}); import kernels; t1 = time.perf_counter(); "
    "{body}; t2 = time.perf_counter(); "
    "assert numpy.allclose(u(numpy.linspace(-3, 3, 7)), numpy.exp(-numpy.linspace(-3, 3, 7) ** 2)); "
    "print(t1 - t0, t2 - t1)"
)


def run_python(code):
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed ({proc.returncode}):\n{code}\n{proc.stderr}")
    return [float(v) for v in proc.stdout.split()]


def median_runs(code):
    run_python(code)  # warm-up: page cache, .pyc files
    runs = [run_python(code) for _ in range(SUBPROC_RUNS)]
    return [statistics.median(col) for col in zip(*runs)], runs


def bench_import():
    row = Row("import", "import, ready to compile (fresh process)")
    ROWS.append(row)
    try:
        (np_t, _, _), _ = median_runs(IMPORT_SCRIPTS["numpy"])
        _, ju_runs = median_runs(IMPORT_SCRIPTS["jitufunc"])
        _, nb_runs = median_runs(IMPORT_SCRIPTS["numba"])
    except Exception:  # noqa: BLE001
        row.status = "ERROR"
        loud(f"import benchmark failed:\n{traceback.format_exc()}")
        return
    row.numpy = np_t
    row.jit = statistics.median(sum(r) for r in ju_runs)
    row.numba = statistics.median(sum(r) for r in nb_runs)
    ju_inc = statistics.median(r[1] + r[2] for r in ju_runs)
    ju_pkg = statistics.median(r[1] for r in ju_runs)
    ju_core = statistics.median(r[2] for r in ju_runs)
    nb_inc = statistics.median(r[1] for r in nb_runs)
    row.notes.append(
        f"jitufunc +{ju_inc * 1e3:.0f} ms over numpy (package {ju_pkg * 1e3:.1f} ms, "
        f"_core {ju_core * 1e3:.0f} ms); numba +{nb_inc * 1e3:.0f} ms"
    )


def bench_cold():
    row = Row("cold-start", "cold start: import + first compile (fresh process)")
    ROWS.append(row)
    results = {}
    for who, body in COLD_SCRIPTS.items():
        try:
            (_, t), _ = median_runs(COLD_TEMPLATE.format(here=str(HERE), body=body))
            results[who] = t
        except Exception as exc:  # noqa: BLE001
            failed(row, who, exc, f"cold-start benchmark failed for {who}")
    row.jit = results.get("jitufunc")
    row.numba = results.get("numba")
    row.notes.append("gaussian, 1 signature; after import numpy")


# --------------------------------------------------------------------------
# 9. lazy first call, warm-cache start, parallel target

def bench_lazy():
    """First call of a signature-free ufunc (compile included), fresh kernels."""
    import numba
    from jitufunc import vectorize

    fresh = FreshKernels()
    x = np.linspace(-4, 4, 1000)
    row = Row("lazy-first-call", "lazy ufunc: first call (compile included), exp(-x*x)")
    ROWS.append(row)
    tools = {
        "jitufunc": lambda f: vectorize(f),
        "numba": lambda f: numba.vectorize(f),
    }
    try:
        for who, make in tools.items():
            try:
                u = make(fresh.new(kernels.SIMPLE_COMPILE_TEMPLATE))
                if not check(row, who, call_checked(row, who, lambda: u(x)), np.exp(-x * x), rtol=1e-13):
                    continue
                times = []
                for _ in range(COMPILE_RUNS):
                    u = make(fresh.new(kernels.SIMPLE_COMPILE_TEMPLATE))
                    t = time.perf_counter()
                    u(x)
                    times.append(time.perf_counter() - t)
                setattr(row, "jit" if who == "jitufunc" else "numba", statistics.median(times))
            except Exception as exc:  # noqa: BLE001
                failed(row, who, exc, f"{who} failed in {row.key}")
        row.notes.append(f"1000 float64 elements; median of {COMPILE_RUNS} fresh kernels")
    finally:
        fresh.close()


CACHED_MODULE = {
    "jitufunc": "import math\nfrom jitufunc import vectorize\n\n"
                "@vectorize(['float64(float64)'], cache=True)\ndef g(x):\n    return math.exp(-x * x)\n",
    "numba": "import math\nimport numba\n\n"
             "@numba.vectorize(['float64(float64)'], cache=True)\ndef g(x):\n    return math.exp(-x * x)\n",
}
CACHED_SCRIPT = (
    "import sys, time; import numpy; sys.path.insert(0, {dir!r}); t0 = time.perf_counter(); "
    "import {module} as m; r = m.g(numpy.linspace(-3, 3, 7)); t1 = time.perf_counter(); "
    "assert numpy.allclose(r, numpy.exp(-numpy.linspace(-3, 3, 7) ** 2)); print(t1 - t0)"
)


def bench_warm_cache():
    """A fresh process importing a cache=True kernel whose cache is warm."""
    row = Row("warm-cache", "warm cache: import + create + first call (fresh process)")
    ROWS.append(row)
    tmp = Path(tempfile.mkdtemp(prefix="jitufunc-cache-bench-"))
    env = os.environ.copy()
    env["JITUFUNC_CACHE_DIR"] = str(tmp / "jitufunc-cache")
    env["NUMBA_CACHE_DIR"] = str(tmp / "numba-cache")
    try:
        for who, source in CACHED_MODULE.items():
            module = f"cached_{who}"
            (tmp / f"{module}.py").write_text(source)
            code = CACHED_SCRIPT.format(dir=str(tmp), module=module)
            try:
                def run():
                    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        raise RuntimeError(proc.stderr)
                    return float(proc.stdout.split()[0])
                cold = run()  # fills the cache
                times = [run() for _ in range(SUBPROC_RUNS)]
                setattr(row, "jit" if who == "jitufunc" else "numba", statistics.median(times))
                row.notes.append(f"{who} cold {cold * 1e3:.0f} ms")
            except Exception as exc:  # noqa: BLE001
                failed(row, who, exc, f"warm-cache benchmark failed for {who}")
        row.notes.append(f"exp(-x*x), 1 signature, includes importing jitufunc/numba; median of {SUBPROC_RUNS}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def speedup_notes(row, unit, base_times, base, kind, threads):
    """Notes giving each tool's time without threads (``base_times`` by
    tool) and its speedup with them (the row's times), and the thread count."""
    fmt = (lambda t: f"{t * 1e6:.1f} us") if unit == "us" else (lambda t: f"{t * 1e3:.2f} ms")
    for who in ("jitufunc", "numba"):
        par = row.jit if who == "jitufunc" else row.numba
        if who in base_times and par:
            row.notes.append(f"{who} {base} {fmt(base_times[who])} "
                             f"({kind} speedup {base_times[who] / par:.2f}x)")
    row.notes.append(f"{threads} threads")


def bench_parallel(rng):
    """target="parallel" against target="cpu", both tools; small and large arrays."""
    import numba
    from jitufunc import _core, vectorize

    threads = _core.thread_count()
    cases = [
        ("parallel-compute", "parallel exp(-x*x)*sin(x) float64, 1e7", kernels.gauss_sin, 1, N,
         lambda x: np.exp(-x[0] * x[0]) * np.sin(x[0]), 1e-12),
        ("parallel-add", "parallel add float64, 1e7 (memory-bound)", kernels.add, 2, N,
         lambda x: x[0] + x[1], 0),
        ("parallel-small", "parallel exp(-x*x)*sin(x) float64, 1000 elements", kernels.gauss_sin, 1, 1000,
         lambda x: np.exp(-x[0] * x[0]) * np.sin(x[0]), 1e-12),
    ]
    for key, label, func, nin, n, ref_fn, rtol in cases:
        unit = "us" if n < 100_000 else "ms"
        row = Row(key, label, unit=unit)
        ROWS.append(row)
        sig = "float64(" + ", ".join(["float64"] * nin) + ")"
        args = [rng.standard_normal(n) for _ in range(nin)]
        out = np.empty(n)
        repeat = 200 if n < 100_000 else REPEAT_COMPUTE
        ref = ref_fn(args)
        cpu_times = {}
        try:
            for who, make in (("jitufunc", lambda t: vectorize([sig], target=t)(func)),
                              ("numba", lambda t: numba.vectorize([sig], target=t)(func))):
                for target in ("cpu", "parallel"):
                    u = make(target)
                    got = call_checked(row, who, lambda: u(*args))
                    if not check(row, who, got, ref, exact=rtol == 0, rtol=rtol or 1e-12):
                        continue
                    if who == "jitufunc" and target == "parallel":
                        cpu = vectorize([sig])(func)(*args)
                        if not np.array_equal(got, cpu):
                            row.status = "MISMATCH"
                            PROBLEMS.append(f"{key}: parallel result differs from cpu")
                    t = best(lambda: u(*args, out=out), repeat)
                    if target == "cpu":
                        cpu_times[who] = t
                    else:
                        setattr(row, "jit" if who == "jitufunc" else "numba", t)
            row.numpy = best(lambda: ref_fn(args), repeat)
        except Exception as exc:  # noqa: BLE001
            failed(row, "jitufunc", exc, f"{key} failed")
            continue
        speedup_notes(row, unit, cpu_times, "cpu target", "parallel", threads)
    bench_parallel_gufunc(rng, threads)


PRANGE_SOURCE = """
import math

def compute(a, out):
    for i in prange(a.shape[0]):
        x = a[i]
        s = 0.0
        for k in range(50):
            s += math.sin(x + k)
        out[i] = s

def memory(a, b, out):
    for i in prange(a.shape[0]):
        out[i] = a[i] + b[i]

def sum_squares(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i] * a[i]
    return s

def pi(n):
    c = 0
    for i in prange(n):
        x = np.random.random()
        y = np.random.random()
        if x * x + y * y < 1.0:
            c += 1
    return 4.0 * c / n
"""


def prange_functions(who, parallel):
    """PRANGE_SOURCE's functions compiled by ``who`` (serial: ``prange`` is
    ``range`` and parallel=False)."""
    import numba
    import jitufunc

    tool = jitufunc if who == "jitufunc" else numba
    ns = {"prange": tool.prange if parallel else range, "np": np}
    exec(PRANGE_SOURCE, ns)
    dec = tool.njit(parallel=True) if parallel else tool.njit
    return {name: dec(ns[name]) for name in ("compute", "memory", "sum_squares", "pi")}


def bench_prange(rng):
    """``prange`` loops of ``@njit(parallel=True)``, both tools, against their
    own serial loops: compute-bound, memory-bound, a reduction, a small loop."""
    from jitufunc import _core

    threads = _core.thread_count()
    n_compute, n_memory = 400_000, N
    a_c = rng.random(n_compute)
    a_m, b_m = rng.standard_normal(n_memory), rng.standard_normal(n_memory)
    small = rng.standard_normal(1000)
    cases = [
        ("prange-compute", "prange: 50 math.sin per element, 4e5 elements", "compute",
         lambda f, out: f(a_c, out), n_compute, lambda: None),
        ("prange-memory", "prange: out[i] = a[i] + b[i], 1e7 (memory-bound)", "memory",
         lambda f, out: f(a_m, b_m, out), n_memory, lambda: np.add(a_m, b_m)),
        ("prange-sum", "prange reduction: s += a[i]*a[i], 1e7", "sum_squares",
         lambda f, out: f(a_m), None, lambda: np.dot(a_m, a_m)),
        ("prange-small", "prange reduction: s += a[i]*a[i], 1000 elements", "sum_squares",
         lambda f, out: f(small), None, lambda: np.dot(small, small)),
        ("prange-pi", "prange Monte Carlo pi, 1e7 points (np.random.random)", "pi",
         lambda f, out: f(RANDOM_N), None, lambda: None),
    ]
    # Five standard errors of the estimate 4 * (hits / n).
    p = np.pi / 4
    pi_tolerance = 5 * 4 * np.sqrt(p * (1 - p) / RANDOM_N)
    compiled = {(who, par): prange_functions(who, par)
                for who in ("jitufunc", "numba") for par in (False, True)}
    for key, label, name, call, n_out, numpy_fn in cases:
        unit = "us" if key == "prange-small" else "ms"
        row = Row(key, label, unit=unit)
        ROWS.append(row)
        out = np.empty(n_out) if n_out else None
        repeat = 300 if unit == "us" else 10
        serial_times, results = {}, {}
        try:
            for who in ("jitufunc", "numba"):
                for par in (False, True):
                    f = compiled[(who, par)][name]
                    got = call(f, out)
                    results[(who, par)] = out.copy() if out is not None else got
                    t = best(lambda: call(f, out), repeat)
                    if par:
                        setattr(row, "jit" if who == "jitufunc" else "numba", t)
                    else:
                        serial_times[who] = t
            ref = results[("numba", False)]
            for key2, got in results.items():
                if name == "pi":
                    ok = abs(got - np.pi) <= pi_tolerance
                else:
                    ok = agrees(got, ref, rtol=1e-9)
                if not ok:
                    row.status = "MISMATCH"
                    PROBLEMS.append(f"{key}: {key2} differs from Numba's serial loop")
            if numpy_fn() is not None:
                row.numpy = best(numpy_fn, repeat)
        except Exception as exc:  # noqa: BLE001
            failed(row, "jitufunc", exc, f"{key} failed")
            continue
        speedup_notes(row, unit, serial_times, "serial", "prange", threads)


TYPED_SOURCE = """
def append_floats(n):
    l = List.empty_list(types.float64)
    for i in range(n):
        l.append(i * 0.5)
    return l

def sum_items(l):
    s = 0.0
    for x in l:
        s += x
    return s

def append_and_sum(n):
    l = List.empty_list(types.float64)
    for i in range(n):
        l.append(i * 0.5)
    s = 0.0
    for x in l:
        s += x
    return s

def dict_insert_sum(n):
    d = Dict.empty(types.int64, types.float64)
    for i in range(n):
        d[i] = i * 0.5
    s = 0.0
    for v in d.values():
        s += v
    return s

def dict_lookup_sum(d, n):
    s = 0.0
    for i in range(n):
        s += d[i]
    return s

def dict_build(n):
    d = Dict.empty(types.int64, types.float64)
    for i in range(n):
        d[i] = i * 0.5
    return d
"""


def typed_functions(who):
    """TYPED_SOURCE's functions compiled by ``who``, with its own typed List
    and Dict."""
    if who == "jitufunc":
        import jitufunc as tool
        from jitufunc import types
        from jitufunc.typed import Dict, List
    else:
        import numba as tool
        from numba import types
        from numba.typed import Dict, List
    ns = {"List": List, "Dict": Dict, "types": types}
    exec(TYPED_SOURCE, ns)
    names = ("append_floats", "sum_items", "append_and_sum", "dict_insert_sum", "dict_lookup_sum",
             "dict_build")
    return {name: tool.njit(ns[name]) for name in names}


def bench_typed(rng):
    """Typed Lists in ``@njit``: appending 1e6 floats to a new List, summing
    a List by iteration, and both in one function; typed Dicts: inserting
    1e6 int64 keys then summing the values by iteration, and looking 1e6
    keys up; jitufunc.typed against numba.typed."""
    n = 1_000_000
    compiled = {who: typed_functions(who) for who in ("jitufunc", "numba")}
    expected = float(np.sum(np.arange(n) * 0.5))
    cases = [
        ("typed-append", "typed List: append 1e6 floats in @njit (new List returned)",
         lambda fs, arg: fs["append_floats"](n), None),
        ("typed-iterate", "typed List: sum 1e6 floats by iteration (List passed in)",
         lambda fs, arg: fs["sum_items"](arg), expected),
        ("typed-append-sum", "typed List: append 1e6 floats then sum by iteration, in one @njit",
         lambda fs, arg: fs["append_and_sum"](n), expected),
        ("typed-dict-insert-sum", "typed Dict: insert 1e6 int64 keys then sum the values by iteration, in one @njit",
         lambda fs, arg: fs["dict_insert_sum"](n), expected),
        ("typed-dict-lookup", "typed Dict: look up 1e6 int64 keys and sum the values (Dict passed in)",
         lambda fs, arg: fs["dict_lookup_sum"](arg[1], n), expected),
    ]
    lists = {who: (compiled[who]["append_floats"](n), compiled[who]["dict_build"](n)) for who in compiled}
    append_row = None
    for key, label, call, ref in cases:
        row = Row(key, label)
        ROWS.append(row)
        append_row = append_row or row
        try:
            for who in ("jitufunc", "numba"):
                fs, arg = compiled[who], lists[who]
                if key == "typed-iterate":
                    arg = arg[0]
                got = call(fs, arg)
                if ref is None:
                    got = float(sum(got[k] for k in (0, 1, n - 1))) + len(got)
                    want = 0.0 + 0.5 + (n - 1) * 0.5 + n
                else:
                    want = ref
                ok, why = agrees(got, want, rtol=1e-9)
                if not ok:
                    row.status = "MISMATCH"
                    PROBLEMS.append(f"{key}: {who}: {why}")
                t = best(lambda: call(fs, arg), 10)
                setattr(row, "jit" if who == "jitufunc" else "numba", t)
        except Exception as exc:  # noqa: BLE001
            failed(row, "jitufunc", exc, f"{key} failed")
            continue
    append_row.numpy = best(lambda: np.arange(n) * 0.5, 10)
    append_row.notes.append("NumPy column: np.arange(n) * 0.5")


def bench_parallel_gufunc(rng, threads):
    """target="parallel" for a gufunc: row norms of a 1e4 x 1e3 matrix."""
    import numba
    from jitufunc import guvectorize

    row = Row("parallel-gufunc", "parallel gufunc: row norms of a 1e4 x 1e3 matrix")
    ROWS.append(row)
    x = rng.standard_normal((10_000, 1_000))
    out = np.empty(10_000)
    sig, layout = ["void(float64[:], float64[:])"], "(n)->()"
    ref = np.linalg.norm(x, axis=1)
    cpu_times = {}
    try:
        for who, make in (("jitufunc", lambda t: guvectorize(sig, layout, target=t)(kernels.gu_row_norm)),
                          ("numba", lambda t: numba.guvectorize(sig, layout, target=t)(kernels.gu_row_norm))):
            results = {}
            for target in ("cpu", "parallel"):
                u = make(target)
                got = call_checked(row, who, lambda: u(x))
                if not check(row, who, got, ref, rtol=1e-10):
                    continue
                results[target] = got
                t = best(lambda: u(x, out=out), REPEAT_COMPUTE)
                if target == "cpu":
                    cpu_times[who] = t
                else:
                    setattr(row, "jit" if who == "jitufunc" else "numba", t)
            if who == "jitufunc" and len(results) == 2 and not np.array_equal(results["cpu"], results["parallel"]):
                row.status = "MISMATCH"
                PROBLEMS.append("parallel-gufunc: parallel result differs from cpu")
        row.numpy = best(lambda: np.linalg.norm(x, axis=1), REPEAT_COMPUTE)
    except Exception as exc:  # noqa: BLE001
        failed(row, "jitufunc", exc, "parallel-gufunc failed")
        return
    for who in ("jitufunc", "numba"):
        par = row.jit if who == "jitufunc" else row.numba
        if who in cpu_times and par:
            row.notes.append(f"{who} cpu target {cpu_times[who] * 1e3:.2f} ms "
                             f"(parallel speedup {cpu_times[who] / par:.2f}x)")
    row.notes.append(f"{threads} threads")


def bench_fastmath(rng):
    """A reduction-style gufunc (one long row summed): strict IEEE keeps the
    additions in order (one dependent chain); fastmath={"reassoc"} lets
    LLVM vectorize the sum."""
    import numba
    from jitufunc import guvectorize

    def row_sum(x, out):
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i]
        out[0] = s

    row = Row("fastmath-sum", "sum of one 1e7 row, fastmath={'reassoc'}")
    ROWS.append(row)
    x = rng.standard_normal((1, N))
    sig, layout = ["void(float64[:], float64[:])"], "(n)->()"
    try:
        strict = guvectorize(sig, layout)(row_sum)
        fast = guvectorize(sig, layout, fastmath={"reassoc"})(row_sum)
        nb = numba.guvectorize(sig, layout, fastmath={"reassoc"})(row_sum)
        sequential = strict(x)
        expected = np.add.reduce(x, axis=1)
        for who, u in (("jitufunc", fast), ("numba", nb)):
            check(row, who, u(x), expected, rtol=1e-9, atol=1e-9)
        t_strict = best(lambda: strict(x), REPEAT_COMPUTE)
        row.jit = best(lambda: fast(x), REPEAT_COMPUTE)
        row.numba = best(lambda: nb(x), REPEAT_COMPUTE)
        row.numpy = best(lambda: np.add.reduce(x, axis=1), REPEAT_COMPUTE)
        row.notes.append(f"strict IEEE {t_strict * 1e3:.2f} ms ({t_strict / row.jit:.1f}x slower, "
                         f"result bit-identical to a sequential sum: "
                         f"{bool(sequential[0] == sum_in_order(x[0]))}); numba with the same flags")
    except Exception as exc:  # noqa: BLE001
        failed(row, "jitufunc", exc, "fastmath row failed")


# --------------------------------------------------------------------------
# 12. whole functions: @jit / @njit

JIT_IMPORTS = {"jitufunc": "from jitufunc import njit", "numba": "from numba import njit"}


def jit_module(fresh, who):
    """The JIT_TEMPLATE functions compiled by ``who``, in a new module."""
    fresh.count += 1
    suffix = f"{who}_{os.getpid()}_{fresh.count}"
    path = fresh.dir / f"jitmod_{suffix}.py"
    path.write_text(kernels.JIT_TEMPLATE.format(njit_import=JIT_IMPORTS[who], name=suffix))
    spec = importlib.util.spec_from_file_location(f"jitmod_{suffix}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return {k.rsplit(f"_{suffix}", 1)[0]: v for k, v in vars(module).items() if k.endswith(suffix)}


def per_call(f, *args, number=OVERHEAD_NUMBER):
    """Best time of one call f(*args), timed as the statement f(a0, a1, ...)."""
    f(*args)
    names = {f"a{i}": a for i, a in enumerate(args)}
    stmt = f"f({', '.join(names)})"
    loops = timeit.repeat(stmt, globals={"f": f, **names}, number=number, repeat=OVERHEAD_REPEAT)
    return min(loops) / number


def bench_jit(rng):
    fresh = FreshKernels()
    try:
        mods = {}
        for who in ("jitufunc", "numba"):
            try:
                mods[who] = jit_module(fresh, who)
            except Exception as exc:  # noqa: BLE001
                row = Row("jit-import", "jit module")
                failed(row, who, exc, f"{who} failed to decorate the @njit functions")
        py = jit_module.__globals__["kernels"]

        row = Row("jit-dispatch", "@njit call overhead, add(1.0, 2)", unit="us")
        ROWS.append(row)
        for who, m in mods.items():
            if m["add"](1.0, 2) != 3.0:
                check(row, who, m["add"](1.0, 2), 3.0)
                continue
            setattr(row, "jit" if who == "jitufunc" else "numba", per_call(m["add"], 1.0, 2))
        python_add = (lambda a, b: a + b)
        row.notes.append(f"plain Python function {per_call(python_add, 1.0, 2) * 1e9:.0f} ns; "
                         f"best of {OVERHEAD_REPEAT} timeit loops of {OVERHEAD_NUMBER:,} calls")

        row = Row("jit-sieve", "@njit sieve of Eratosthenes to 100,000")
        ROWS.append(row)
        expected = py.JIT_PY["primes"]()
        for who, m in mods.items():
            if check(row, who, m["primes"](), expected, exact=True):
                setattr(row, "jit" if who == "jitufunc" else "numba", best(m["primes"], REPEAT_COMPUTE))
        t = time.perf_counter()
        py.JIT_PY["primes"]()
        row.notes.append(f"plain Python {(time.perf_counter() - t) * 1e3:.0f} ms; "
                         f"np.ones, nested loops, np.nonzero(...)[0][2:]")

        row = Row("jit-accumulate", "@njit accumulate(np.arange(1000)), whole call", unit="us")
        ROWS.append(row)
        x = np.arange(1000)
        for who, m in mods.items():
            if check(row, who, np.int64(m["accumulate"](x)), np.int64(499500), exact=True):
                setattr(row, "jit" if who == "jitufunc" else "numba", per_call(m["accumulate"], x))
        row.numpy = per_call(np.sum, x)
        row.notes.append(f"NumPy column: np.sum(x); plain Python loop "
                         f"{per_call(py.JIT_PY['accumulate'], x, number=200) * 1e6:.0f} us")

        row = Row("jit-matmul", "@njit matrix multiply 128x128 (A C-order, B F-order)")
        ROWS.append(row)
        A = rng.random((128, 128))
        B = np.asfortranarray(rng.random((128, 128)))
        ref = A @ B
        for who, m in mods.items():
            if check(row, who, m["matrix_multiply"](A, B), ref, rtol=1e-12):
                setattr(row, "jit" if who == "jitufunc" else "numba",
                        best(lambda m=m: m["matrix_multiply"](A, B), REPEAT_COMPUTE))
        row.numpy = best(lambda: np.dot(A, B), REPEAT_COMPUTE)
        row.notes.append("NumPy column: np.dot (OpenBLAS, 1 thread)")

        row = Row("jit-fractal", "@njit create_fractal 500x750, 20 iterations")
        ROWS.append(row)
        ref_img = np.zeros((500, 750), dtype=np.uint8)
        kernels.create_fractal_python(-2.0, 1.0, -1.0, 1.0, ref_img, 20)
        for who, m in mods.items():
            img = np.zeros((500, 750), dtype=np.uint8)
            m["create_fractal"](-2.0, 1.0, -1.0, 1.0, img, 20)
            if check(row, who, img, ref_img, exact=True):
                setattr(row, "jit" if who == "jitufunc" else "numba",
                        best(lambda m=m: m["create_fractal"](-2.0, 1.0, -1.0, 1.0, img, 20), REPEAT_COMPUTE))
        row.notes.append("mandel called per pixel from create_fractal")

        row = Row("jit-first-call", "@njit first call of the matrix multiply (typing + compile)")
        ROWS.append(row)
        small_a, small_b = rng.random((4, 3)), rng.random((3, 5))
        for who in mods:
            times = []
            try:
                for _ in range(COMPILE_RUNS + 1):
                    m = jit_module(fresh, who)
                    t = time.perf_counter()
                    got = m["matrix_multiply"](small_a, small_b)
                    times.append(time.perf_counter() - t)
                    if not check(row, who, got, small_a @ small_b, rtol=1e-12):
                        break
                else:
                    setattr(row, "jit" if who == "jitufunc" else "numba", statistics.median(times[1:]))
            except Exception as exc:  # noqa: BLE001
                failed(row, who, exc, f"{who} failed in {row.key}")
        row.notes.append(f"a fresh function each time, called on 4x3 and 3x5 float64 arrays; median of "
                         f"{COMPILE_RUNS} after one warm-up")
    finally:
        fresh.close()
    bench_jit_warm_cache()


# --------------------------------------------------------------------------
# 16. np.random inside @njit

RANDOM_N = 10_000_000


def bench_random():
    import numba

    import jitufunc

    compiled = {}
    for who, njit in (("jitufunc", jitufunc.njit), ("numba", numba.njit)):
        compiled[who] = {f.__name__: njit(f) for f in (kernels.monte_carlo_pi, kernels.normal_array_mean)}

    row = Row("random-pi", "@njit Monte Carlo pi, 1e7 points (2e7 np.random.random())")
    ROWS.append(row)
    # Five standard errors of the estimate 4 * (hits / n).
    p = np.pi / 4
    tolerance = 5 * 4 * np.sqrt(p * (1 - p) / RANDOM_N)
    for who, m in compiled.items():
        try:
            est = m["monte_carlo_pi"](RANDOM_N)
        except Exception as exc:  # noqa: BLE001
            failed(row, who, exc, f"{who} failed in {row.key}")
            continue
        if abs(est - np.pi) > tolerance:
            loud(f"{row.key}: {who} estimated pi = {est} (more than {tolerance:.1e} off)")
            row.status = "MISMATCH"
            continue
        setattr(row, "jit" if who == "jitufunc" else "numba",
                best(lambda m=m: m["monte_carlo_pi"](RANDOM_N), REPEAT_COMPUTE))

    def numpy_pi():
        x = np.random.random(RANDOM_N)
        y = np.random.random(RANDOM_N)
        return 4.0 * np.count_nonzero(x * x + y * y < 1.0) / RANDOM_N

    row.numpy = best(numpy_pi, REPEAT_COMPUTE)
    row.notes.append("NumPy column: the same with np.random.random(n) arrays")

    row = Row("random-normal", "@njit np.random.normal(0, 1, n).mean(), 1e7")
    ROWS.append(row)
    for who, m in compiled.items():
        try:
            mean = m["normal_array_mean"](RANDOM_N)
        except Exception as exc:  # noqa: BLE001
            failed(row, who, exc, f"{who} failed in {row.key}")
            continue
        if abs(mean) > 5 / np.sqrt(RANDOM_N):
            loud(f"{row.key}: {who} mean {mean} is more than five standard errors from 0")
            row.status = "MISMATCH"
            continue
        setattr(row, "jit" if who == "jitufunc" else "numba",
                best(lambda m=m: m["normal_array_mean"](RANDOM_N), REPEAT_COMPUTE))
    row.numpy = best(lambda: np.random.normal(0.0, 1.0, RANDOM_N).mean(), REPEAT_COMPUTE)


EXPR_TEMPLATE = """\
import numpy as np
{njit_import}


@njit
def fused(a, b):
    return a * b - 4.1 * a > 2.5 * b


@njit
def three(a, b):
    t = a * b
    u = t - 4.1 * a
    return u > 2.5 * b


@njit
def transcendental(a, b):
    return np.sin(a) ** 2 + np.cos(b) ** 2 * np.exp(-a * a)


@njit
def dot_sum(a, b):
    return np.sum(a * b)


@njit
def matmul(a, b):
    return a @ b


@njit
def plain_sum(a):
    return np.sum(a)


@njit
def row_sums(a):
    return a.sum(axis=1)


@njit
def column_sums(a):
    return a.sum(axis=0)
"""

# The peak RSS of this process's memory (VmHWM): getrusage's ru_maxrss also
# counts the parent's peak at fork.
EXPR_RSS_SCRIPT = (
    "import sys; import numpy as np; sys.path.insert(0, {dir!r}); import {module} as m; "
    "hwm = lambda: int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]); "
    "a = np.random.rand(10**7); b = np.random.rand(10**7); m.three(a[:10], b[:10]); "
    "r0 = hwm(); r = m.three(a, b); print((hwm() - r0) / 1024)"
)


def expr_modules(fresh):
    """EXPR_TEMPLATE compiled by each library: module name and namespace."""
    mods = {}
    for who in ("jitufunc", "numba"):
        fresh.count += 1
        name = f"exprmod_{who}_{os.getpid()}_{fresh.count}"
        path = fresh.dir / f"{name}.py"
        path.write_text(EXPR_TEMPLATE.format(njit_import=JIT_IMPORTS[who]))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        mods[who] = (name, vars(module))
    return mods


def bench_expressions(rng):
    try:
        import numexpr
    except ImportError:
        numexpr = None
    fresh = FreshKernels()
    try:
        mods = expr_modules(fresh)

        def timed(row, key, args, ref, number=None, **tol):
            # The libraries take turns, one call each per round, so that
            # what else the machine does meanwhile hits both alike.
            ok = {who: m[key] for who, (_, m) in mods.items() if check(row, who, m[key](*args), ref, **tol)}
            times = {who: [] for who in ok}
            for _ in range(REPEAT_COMPUTE if not number else 1):
                for who, f in ok.items():
                    if number:
                        times[who].append(per_call(f, *args, number=number))
                        continue
                    t = time.perf_counter()
                    f(*args)
                    times[who].append(time.perf_counter() - t)
            for who, ts in times.items():
                setattr(row, "jit" if who == "jitufunc" else "numba", min(ts))

        for n, key in [(10**6, "expr-fused-1e6"), (10**7, "expr-fused-1e7")]:
            row = Row(key, f"fused a*b-4.1*a > 2.5*b in @njit, {n:.0e} float64")
            ROWS.append(row)
            a, b = rng.random(n), rng.random(n)
            ref = a * b - 4.1 * a > 2.5 * b
            timed(row, "fused", (a, b), ref, exact=True)
            row.numpy = best(lambda: a * b - 4.1 * a > 2.5 * b, REPEAT_COMPUTE)
            if numexpr is not None:
                t = best(lambda: numexpr.evaluate("a*b-4.1*a > 2.5*b", local_dict={"a": a, "b": b}),
                         REPEAT_COMPUTE)
                row.notes.append(f"numexpr {t * 1e3:.2f} ms ({numexpr.nthreads} threads)")
            if n == 10**7 and row.jit and row.numba:
                # Memory-bound: what reading the inputs alone costs (BLAS's
                # dot reads a and b once, 16 bytes per element, and writes
                # nothing), and the bandwidth each library reached (17 bytes
                # per element: 16 read, 1 written).
                t = best(lambda: np.dot(a, b), REPEAT_COMPUTE)
                row.notes.append(
                    f"reading a and b alone (np.dot): {t * 1e3:.2f} ms; bandwidth reached "
                    f"(17 B/element): jitufunc {17 * n / row.jit / 1e9:.0f} GB/s, "
                    f"numba {17 * n / row.numba / 1e9:.0f} GB/s")

        row = Row("expr-three-statements", "three statements t=a*b; u=t-4.1*a; u>2.5*b, 1e7")
        ROWS.append(row)
        timed(row, "three", (a, b), ref, exact=True)
        growth = {}
        for who, (name, _) in mods.items():
            out = subprocess.run([sys.executable, "-c", EXPR_RSS_SCRIPT.format(dir=str(fresh.dir), module=name)],
                                 capture_output=True, text=True, timeout=300)
            if out.returncode == 0:
                growth[who] = float(out.stdout.strip().splitlines()[-1])
        row.notes.append("peak RSS growth over the call: " + ", ".join(
            f"{who} {mb:.0f} MB" for who, mb in growth.items()) + " (result: 10 MB)")

        row = Row("expr-transcendental", "sin(a)**2 + cos(b)**2 * exp(-a*a), 1e7 float64")
        ROWS.append(row)
        ref = np.sin(a) ** 2 + np.cos(b) ** 2 * np.exp(-a * a)
        timed(row, "transcendental", (a, b), ref, rtol=1e-12)
        row.numpy = best(lambda: np.sin(a) ** 2 + np.cos(b) ** 2 * np.exp(-a * a), REPEAT_COMPUTE)
        if numexpr is not None:
            t = best(lambda: numexpr.evaluate("sin(a)**2 + cos(b)**2 * exp(-a*a)", local_dict={"a": a, "b": b}),
                     REPEAT_COMPUTE)
            row.notes.append(f"numexpr {t * 1e3:.2f} ms")

        row = Row("expr-sum", "np.sum(a * b) in @njit, 1e7 float64")
        ROWS.append(row)
        timed(row, "dot_sum", (a, b), np.sum(a * b), rtol=1e-9)
        row.numpy = best(lambda: np.sum(a * b), REPEAT_COMPUTE)
        row.notes.append("NumPy column: np.sum(a * b) (a temporary, pairwise sum)")

        x32 = rng.random(2 * 10**7).astype(np.float32)
        rows32 = x32.reshape(2, 10**7)
        for key, label, fname, arg, numpy_f in [
            ("expr-plain-sum", "np.sum(a) in @njit, 2e7 float32", "plain_sum", x32, lambda: np.sum(x32)),
            ("expr-row-sums", "a.sum(axis=1) in @njit, 2x1e7 float32", "row_sums", rows32,
             lambda: rows32.sum(axis=1)),
        ]:
            row = Row(key, label)
            ROWS.append(row)
            want = numpy_f()
            # A number comes back from compiled code as a Python float.
            timed(row, fname, (arg,), np.float64(want) if np.ndim(want) == 0 else want, rtol=1e-4)
            row.numpy = best(numpy_f, REPEAT_COMPUTE)
            exact = arg.astype(np.float64).sum(axis=-1)
            errors = {who: np.max(np.abs(np.asarray(m[fname](arg), np.float64) - exact) / exact)
                      for who, (_, m) in mods.items()}
            errors["NumPy"] = np.max(np.abs(np.asarray(want, np.float64) - exact) / exact)
            row.notes.append("max relative error vs float64: "
                             + ", ".join(f"{who} {e:.1e}" for who, e in errors.items()))

        row = Row("expr-column-sums", "a.sum(axis=0) in @njit, 2000x5000 float64")
        ROWS.append(row)
        cols = rng.random((2000, 5000))
        timed(row, "column_sums", (cols,), cols.sum(axis=0), exact=True)
        row.numpy = best(lambda: cols.sum(axis=0), REPEAT_COMPUTE)
        row.notes.append("the same additions as NumPy's (rows added in order): identical results")

        row = Row("expr-matmul", "a @ b in @njit, 256x256 float64")
        ROWS.append(row)
        m1, m2 = rng.random((256, 256)), rng.random((256, 256))
        for who, (_, m) in mods.items():
            if who == "numba" and importlib.util.find_spec("scipy") is None:
                row.notes.append("Numba's @ needs SciPy (not installed)")
                continue
            f = m["matmul"]
            if check(row, who, f(m1, m2), m1 @ m2, rtol=1e-12):
                t = best(lambda f=f: f(m1, m2), REPEAT_COMPUTE)
                setattr(row, "jit" if who == "jitufunc" else "numba", t)
        row.numpy = best(lambda: m1 @ m2, REPEAT_COMPUTE)
        row.notes.append("jitufunc and NumPy call the same BLAS (jitufunc: when NumPy links scipy-openblas)")

        import jitufunc

        for key, label, ex, arrays in [
            ("evaluate-1e7", "evaluate('a*b-4.1*a > 2.5*b'), 1e7 float64", "a*b-4.1*a > 2.5*b", (a, b)),
            ("evaluate-transcendental", "evaluate('sin(a)**2 + cos(b)**2 * exp(-a*a)'), 1e7",
             "sin(a)**2 + cos(b)**2 * exp(-a*a)", (a, b)),
            ("evaluate-small", "evaluate('s1*s2+1'), 100 elements, whole call", "s1*s2+1",
             (rng.random(100), rng.random(100))),
        ]:
            small = key == "evaluate-small"
            row = Row(key, label, unit="us" if small else "ms")
            ROWS.append(row)
            names = ("s1", "s2") if small else ("a", "b")
            env = dict(zip(names, arrays))
            ref = eval(compile(ex.replace("sin", "np.sin").replace("cos", "np.cos").replace("exp", "np.exp"),
                               "<ref>", "eval"), {"np": np}, env)  # the reference, in NumPy
            got = jitufunc.evaluate(ex, local_dict=env)
            if check(row, "jitufunc", got, ref, rtol=1e-12):
                f = (lambda: jitufunc.evaluate(ex, local_dict=env))
                row.jit = per_call(f) if small else best(f, REPEAT_COMPUTE)
            if numexpr is not None:
                f = (lambda: numexpr.evaluate(ex, local_dict=env))
                t = per_call(f) if small else best(f, REPEAT_COMPUTE)
                row.notes.append(f"numexpr {t * (1e6 if small else 1e3):.2f} {'us' if small else 'ms'} "
                                 f"({numexpr.nthreads} thread): {t / row.jit:.1f}x jitufunc's time"
                                 if row.jit else f"numexpr {t:.3g} s")

        row = Row("evaluate-out", "evaluate('a*b - 4.1*a', out=c), 1e7 float64 into c")
        ROWS.append(row)
        env = {"a": a, "b": b}
        c = np.empty_like(a)
        jitufunc.evaluate("a*b - 4.1*a", local_dict=env, out=c)
        if check(row, "jitufunc", c, a * b - 4.1 * a, rtol=1e-12):
            row.jit = best(lambda: jitufunc.evaluate("a*b - 4.1*a", local_dict=env, out=c), REPEAT_COMPUTE)
        row.numpy = best(lambda: np.subtract(np.multiply(a, b, out=c), 4.1 * a, out=c), REPEAT_COMPUTE)
        row.notes.append("NumPy column: multiply then subtract with out=c (one temporary for 4.1*a)")
        if numexpr is not None:
            t = best(lambda: numexpr.evaluate("a*b - 4.1*a", local_dict=env, out=c), REPEAT_COMPUTE)
            row.notes.append(f"numexpr {t * 1e3:.2f} ms ({numexpr.nthreads} thread): {t / row.jit:.1f}x jitufunc's time"
                             if row.jit else f"numexpr {t:.3g} s")

        row = Row("expr-small", "fused expression on 100 elements, whole call", unit="us")
        ROWS.append(row)
        s1, s2 = rng.random(100), rng.random(100)
        timed(row, "fused", (s1, s2), s1 * s2 - 4.1 * s1 > 2.5 * s2, number=OVERHEAD_NUMBER, exact=True)
        row.numpy = per_call(lambda x, y: x * y - 4.1 * x > 2.5 * y, s1, s2)
        if numexpr is not None:
            t = per_call(lambda x, y: numexpr.evaluate("x*y-4.1*x > 2.5*y", local_dict={"x": x, "y": y}), s1, s2)
            row.notes.append(f"numexpr {t * 1e6:.2f} us")
    finally:
        fresh.close()


JIT_CACHED_MODULE = {
    who: f"import numpy as np\n{header}\n\n@{decorator}(cache=True)\n"
         "def g(A, B):\n"
         "    m, n = A.shape\n"
         "    n2, p = B.shape\n"
         "    if n != n2:\n"
         "        raise ValueError('Inner matrix dimensions must agree.')\n"
         "    C = np.zeros((m, p))\n"
         "    for i in range(m):\n"
         "        for k in range(n):\n"
         "            for j in range(p):\n"
         "                C[i, j] += A[i, k] * B[k, j]\n"
         "    return C\n"
    for who, header, decorator in [("jitufunc", "from jitufunc import njit", "njit"),
                                   ("numba", "import numba", "numba.njit")]
}
JIT_CACHED_SCRIPT = (
    "import sys, time; import numpy; sys.path.insert(0, {dir!r}); a = numpy.arange(12.0).reshape(3, 4); "
    "t0 = time.perf_counter(); import {module} as m; r = m.g(a, a.T); t1 = time.perf_counter(); "
    "assert numpy.allclose(r, a @ a.T); print(t1 - t0)"
)


def bench_jit_warm_cache():
    """A fresh process importing an @njit(cache=True) function whose cache
    is warm, and calling it."""
    row = Row("jit-warm-cache", "@njit(cache=True) warm start: import + first call (fresh process)")
    ROWS.append(row)
    tmp = Path(tempfile.mkdtemp(prefix="jitufunc-jit-cache-bench-"))
    env = os.environ.copy()
    env["JITUFUNC_CACHE_DIR"] = str(tmp / "jitufunc-cache")
    env["NUMBA_CACHE_DIR"] = str(tmp / "numba-cache")
    try:
        for who, source in JIT_CACHED_MODULE.items():
            module = f"jit_cached_{who}"
            (tmp / f"{module}.py").write_text(source)
            code = JIT_CACHED_SCRIPT.format(dir=str(tmp), module=module)
            try:
                def run():
                    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        raise RuntimeError(proc.stderr)
                    return float(proc.stdout.split()[0])
                cold = run()  # fills the cache
                times = [run() for _ in range(SUBPROC_RUNS)]
                setattr(row, "jit" if who == "jitufunc" else "numba", statistics.median(times))
                row.notes.append(f"{who} cold {cold * 1e3:.0f} ms")
            except Exception as exc:  # noqa: BLE001
                failed(row, who, exc, f"jit warm-cache benchmark failed for {who}")
        row.notes.append(f"the matrix multiply on a 3x4 array; includes importing jitufunc/numba; "
                         f"median of {SUBPROC_RUNS}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sum_in_order(v):
    """A strictly sequential float64 sum (math.fsum and np.sum are not)."""
    s = np.float64(0.0)
    for value in v[:100_000]:
        s += value
    rest = v[100_000:]
    # The tail in order too, without a 1e7-iteration Python loop: cumsum is
    # sequential.
    return np.cumsum(np.concatenate(([s], rest)))[-1]


# --------------------------------------------------------------------------
# reporting

def fmt_time(t, unit):
    if t is None:
        return "-"
    if unit == "us":
        return f"{t * 1e6:.3f} us"
    return f"{t * 1e3:.2f} ms" if t < 1 else f"{t * 1e3:.0f} ms"


def fmt_ratio(num, den):
    if num is None or den is None or den == 0:
        return "-"
    return f"{num / den:.2f}x"


def table_rows():
    out = []
    for i, r in enumerate(ROWS, 1):
        if r.status != "ok":
            out.append([str(i), r.label, r.status, "-", "-", "-", "-", "-", "; ".join(r.notes)])
            continue
        out.append([
            str(i), r.label, fmt_time(r.jit, r.unit), fmt_time(r.numba, r.unit), fmt_time(r.numpy, r.unit),
            fmt_time(r.floor, r.unit), fmt_ratio(r.numba, r.jit), fmt_ratio(r.numpy, r.jit), "; ".join(r.notes),
        ])
    return out


HEADER = ["#", "benchmark", "jitufunc", "numba", "numpy", "mem floor", "numba/jit", "numpy/jit", "notes"]


def print_table():
    rows = table_rows()
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(HEADER)]
    right = {2, 3, 4, 5, 6, 7}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(HEADER))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print("\nratios: >1 means jitufunc is faster (numba/jit = Numba's time / jitufunc's time).")


def machine_info():
    import numba
    import jitufunc
    from jitufunc import _core
    import llvmlite.binding

    cpu = "unknown"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal"):
                mem = f"{int(ln.split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    try:
        host = _core.host_cpu()[1]
    except Exception:  # noqa: BLE001
        host = "?"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "python"],
                               capture_output=True, text=True).stdout.strip()
        commit = commit + (" (with uncommitted changes in src/ or python/)" if dirty else "")
    except OSError:
        commit = "?"
    return {
        "CPU": f"{cpu} (LLVM host CPU: {host})",
        "cores": str(os.cpu_count()),
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "Numba": f"{numba.__version__} (llvmlite {llvmlite.__version__}, LLVM {'.'.join(map(str, llvmlite.binding.llvm_version_info))})",
        "jitufunc": f"{jitufunc.__version__} (git {commit}), LLVM {_core.LLVM_VERSION}",
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


EXPLANATIONS = [
    ("streaming add float64", "`add(x, y) = x + y` on two float64 arrays of 1e7 elements into a preallocated "
     "`out=`; best of {rs}. One add per 24 bytes moved, so memory bandwidth is the limit. "
     "**mem floor** is the best time of `np.copyto` between two preallocated buffers of 1.5e7 "
     "elements: it reads 1.5N and writes 1.5N elements, the same 3N elements of traffic as the kernel's "
     "2 reads and 1 write. The note gives the kernel's time relative to that floor and the bandwidth it "
     "reached (3N elements / time). A kernel can come in about 11% under this floor: each ordinary store "
     "first reads its cache line (write-allocate), so the kernel really moves 2 + 1 + 1 = 4N elements "
     "and the copy 1.5 + 1.5 + 1.5 = 4.5N; the note's adjusted ratio divides by floor * 4 / 4.5 and "
     "sits near 1.00 when the kernel runs at the copy's bandwidth."),
    ("streaming add float32", "The same with float32 (the ufunc has both loops; the check confirms NumPy "
     "picks the float32 one). Floor: `np.copyto` of 1.5e7 float32."),
    ("transcendental", "`math.exp(-x * x)`, float64, 1e7 standard-normal inputs, `out=`; NumPy column is "
     "`np.exp(-x * x, out=out)` (one temporary); best of {rc}."),
    ("branchy", "`piecewise`: five regions (`if/elif/else`) with exp, a polynomial, sin, sqrt and log, "
     "inputs uniform in [-4, 4) so the branch taken is random. NumPy column is the equivalent "
     "`np.select` (evaluates every branch on every element); best of {rc}."),
    ("integer", "`int_mix`: Python floor division and modulo (`//`, `%`, rounding toward minus infinity), "
     "arithmetic shift, xor/and, int64, divisors of both signs, 1e7 elements; checked exactly. NumPy "
     "column is the same expression with `np.floor_divide`/`np.mod`; best of {rc}."),
    ("call overhead", "Per-call time of `u(a, b)` on one-element float64 arrays (output allocated by the "
     "call): best of {orep} `timeit` loops of {onum:,} calls, divided by {onum:,}. The NumPy column is "
     "`np.add`. jitufunc's result is a real `numpy.ufunc`, so its cost is NumPy's own dispatch; Numba's "
     "`vectorize` returns a `DUFunc`, a wrapper whose `__call__` adds its own dispatch in front of the ufunc."),
    ("gufunc batched 4x4 matmul", "`gu_matmul` (the textbook triple loop over `(m,n),(n,p)->(m,p)`) on "
     "1e5 pairs of 4x4 float64 matrices into a preallocated output, through `guvectorize` of both "
     "libraries; NumPy column: `np.matmul(a, b, out=out)`; best of {rc}."),
    ("gufunc row norms", "`gu_row_norm` (`s += x[i] * x[i]` in a loop, then `sqrt`) over the rows of a "
     "1e4 x 1e3 float64 matrix, `(n)->()`. **mem floor**: `np.copyto` of 5e6 float64, the same bytes "
     "moved (the kernel reads 1e7 elements). NumPy column: `np.linalg.norm(x, axis=1)`; best of {rc}."),
    ("gufunc 128x128 matmul", "`gu_matmul` on one pair of 128x128 matrices (outer loop of one "
     "iteration: all time is in the kernel's loops). NumPy column: `np.matmul`, which calls OpenBLAS "
     "(pinned to one thread); best of {rc}."),
    ("gufunc batched 4x4 matmul, i-k-j", "`gu_matmul_ikj` (zero a row of the output, then "
     "`out[i, j] += a[i, k] * b[k, j]` in i-k-j order: a kernel that reads its output) on 1e5 pairs of "
     "4x4 float64 matrices into a preallocated output. jitufunc keeps each output element in a register "
     "for unit-stride blocks (the i-j-k form, same operations per element in the same order); Numba "
     "runs the loops as written. NumPy column: `np.matmul(a, b, out=out)`; best of {rc}."),
    ("compile, exp(-x*x)", "Time for `vectorize([...])(f)` to return a ufunc for a kernel never seen "
     "before: the body `math.exp(-x * x)` is written to a new module file under a new name for every "
     "measurement and imported (import not timed), so each compile gets a new function object. "
     "Signature `float64(float64)`; median of {cr}, after one untimed warm-up compile in the same process "
     "(so one-time initialisation is excluded; see cold start)."),
    ("compile, branchy, 1 signature", "The same for the five-region `piecewise` kernel: the `piecewise` body is written to a new module file under a new name for every "
     "measurement and imported (import not timed), so each compile gets a new function object. "
     "Signature `float64(float64)`; median of {cr}, after one untimed warm-up compile in the same process "
     "(so one-time initialisation is excluded; see cold start)."),
    ("compile, branchy, 2 signatures", "`piecewise` with `float32(float32)` and `float64(float64)`; the note gives "
     "jitufunc's time per signature."),
    ("import", "Fresh interpreter (`python -c`), `time.perf_counter()` around the imports, median of {sr} "
     "after one warm-up run. numpy column: `import numpy`. jitufunc column: `import numpy`, "
     "`import jitufunc`, `import jitufunc._core` (the package alone imports neither NumPy nor the "
     "compiled core; the first `vectorize()` call loads `_core`, so it is counted here). numba column: "
     "`import numpy`, `import numba`. The note gives the increment of each over `import numpy`."),
    ("cold start", "Fresh interpreter: after `import numpy`, the time to import the compiler and compile "
     "the `gaussian` kernel with one signature (what a script pays before its first call); median of "
     "{sr} after one warm-up run."),
]

#: Explanations of later rows, by row key (numbered as the rows are).
KEYED_EXPLANATIONS = {
    "escape-random": ("escape-time loop, random points", "`kernels.escape` (`for i in range(100)`: "
                      "square z, `return i` as soon as |z| > 2) as a `vectorize` ufunc "
                      "`int32(float64, float64)` over 1e6 points drawn uniformly from [-2, 1] x [-1.2, 1.2] "
                      "into a preallocated `out=`; best of {rc}. The trip count differs from point to "
                      "point, so LLVM cannot vectorize the loop: jitufunc runs the kernel in masked lanes "
                      "(16 float64 lanes on AVX2 and on AVX-512), each lane taking the next element as "
                      "soon as its own returns; Numba runs it one element at a time. Checked exactly "
                      "against the Python function on 20000 points. The note gives the mean trip count."),
    "escape-grid": ("escape-time loop, grid", "The same ufunc over a 1000x1000 grid of the same region "
                    "(neighbouring lanes take similar trip counts); best of {rc}."),
    "prange-compute": ("prange compute-bound", "`for i in prange(n): out[i] = sum(math.sin(a[i] + k) for k "
                       "in range(50))` (written as a loop) over 4e5 float64, `@njit(parallel=True)` of each "
                       "library; the note gives each library's serial loop (`range`, no `parallel`) and the "
                       "speedup; best of 10."),
    "prange-memory": ("prange memory-bound", "`out[i] = a[i] + b[i]` over 1e7 float64 in a prange loop; "
                      "NumPy column: `np.add(a, b)`; best of 10."),
    "prange-sum": ("prange reduction", "`s += a[i] * a[i]` over 1e7 float64 in a prange loop (a "
                   "reduction: each chunk's partial sum, combined); NumPy column: `np.dot(a, a)`; best of 10."),
    "prange-small": ("prange small loop", "The reduction of the previous row over 1000 elements: a loop "
                     "too small for threads, which must cost what the serial loop costs; best of 300."),
    "prange-pi": ("prange Monte Carlo pi", "The Monte Carlo pi loop of the random-pi row with `prange`, "
                  "1e7 points, each library's own per-thread generators; the estimate is checked to be "
                  "within five standard errors of pi; best of 10."),
    "typed-append": ("typed List append", "`l = List.empty_list(types.float64)` then `l.append(i * 0.5)` "
                     "for i in range(1e6) inside `@njit`, the List returned to Python (jitufunc.typed.List "
                     "against numba.typed.List, same source); best of 10 calls. The NumPy column is "
                     "`np.arange(n) * 0.5`, the same values as an array."),
    "typed-iterate": ("typed List iteration", "`for x in l: s += x` over a List of 1e6 float64 built by "
                      "the previous row's function, the List passed to `@njit`; best of 10."),
    "typed-append-sum": ("typed List append and sum", "Both in one `@njit` function: a new List, 1e6 "
                         "appends, then the sum by iteration; best of 10."),
    "typed-dict-insert-sum": ("typed Dict insert and sum", "`d = Dict.empty(types.int64, types.float64)`, "
                              "`d[i] = i * 0.5` for i in range(1e6), then `for v in d.values(): s += v`, "
                              "in one `@njit` function (jitufunc.typed.Dict against numba.typed.Dict, same "
                              "source); best of 10."),
    "typed-dict-lookup": ("typed Dict lookup", "`s += d[i]` for i in range(1e6) over a Dict of 1e6 int64 "
                          "keys built by `@njit` and passed in; best of 10."),
    "compile-gufunc": ("compile a gufunc", "Time for `guvectorize([\"void(float64[:], float64[:])\"], "
                       "\"(n)->()\")(f)` on a fresh row-norm kernel (`s += x[i] * x[i]` in a loop, then "
                       "`math.sqrt`; `GU_COMPILE_TEMPLATE`), a new module file each time as in the compile "
                       "rows; median of {cr} after one warm-up compile. jitufunc compiles the loop's exact "
                       "redo and its path for non-unit strides when a call first needs them."),
    "compile-long": ("compile a long kernel", "Time for `vectorize([\"float64(float64)\"])(f)` on a fresh kernel "
                     "of {long_statements:,} statements `y = y * 1.0001 + c` (`LONG_COMPILE_TEMPLATE`), once per "
                     "library, checked against NumPy afterwards."),
    "jit-dispatch": ("@njit call overhead", "`add(a, b) = a + b` compiled by `njit` of each library, "
                     "called as `f(1.0, 2)` (a float and an int: type dispatch on two arguments, a float "
                     "returned); best of {orep} `timeit` loops of {onum} calls. The note gives a plain "
                     "Python function's time for the same call."),
    "jit-sieve": ("@njit sieve", "The sieve of Eratosthenes to 100,000 from Numba's documentation "
                  "(`np.ones` of uint8, nested loops, `np.nonzero(numbers)[0][2:]`): the whole call, "
                  "allocation and the returned array included; best of {rc}."),
    "jit-accumulate": ("@njit accumulate", "`s += x[i]` over `np.arange(1000)` (int64), the whole call "
                       "(dispatch, loop, result); best of {orep} loops of {onum} calls. NumPy column: "
                       "`np.sum(x)`."),
    "jit-matmul": ("@njit matrix multiply", "The textbook triple loop (i, k, j) with a shape check that "
                   "raises `ValueError` and `np.zeros` for the result, on 128x128 float64 matrices, A "
                   "C-ordered and B F-ordered; best of {rc}. NumPy column: `np.dot` (OpenBLAS)."),
    "jit-fractal": ("@njit fractal", "`create_fractal` filling a 500x750 uint8 image with 20 iterations, "
                    "calling the `@njit` function `mandel` (complex arithmetic) per pixel; checked "
                    "exactly against a plain Python version; best of {rc}."),
    "jit-warm-cache": ("@njit warm cache", "A fresh Python process imports a module holding the matrix multiply "
                       "as `@njit(cache=True)` and calls it once; the cache was filled by an earlier process. "
                       "Timed from before the import to after the first result, NumPy already imported. "
                       "Median of {sr}."),
    "random-pi": ("@njit Monte Carlo pi", "`monte_carlo_pi(n)` (two `np.random.random()` per point, "
                  "a counter) compiled by each library's `njit`, n = 1e7; each library's own generator "
                  "(jitufunc: xoshiro256++ stepped inline; Numba: Mersenne Twister); the estimate is "
                  "checked to be within five standard errors of pi; best of {rc}. NumPy column: the same "
                  "with `np.random.random(n)` arrays."),
    "random-normal": ("@njit normal array", "`np.random.normal(0.0, 1.0, n).mean()` inside `@njit`, "
                      "n = 1e7 (the array allocated and filled by the call); best of {rc}."),
    "jit-first-call": ("@njit first call", "The first call of a fresh `matrix_multiply` (a new module "
                       "with new function objects every time): type inference, compilation and the "
                       "call on small arrays; median of {cr} after one warm-up in the same process."),
    "expr-fused-1e6": ("fused expression, 1e6", "`a*b - 4.1*a > 2.5*b` as one line in an `@njit` function "
                       "of each library (both fuse it into one loop), float64 inputs, the bool result "
                       "allocated by the call; best of {rc}. NumPy column: the same expression in NumPy "
                       "(a temporary per operator). The note gives numexpr's `evaluate` (default threads)."),
    "expr-fused-1e7": ("fused expression, 1e7", "As the previous row on 1e7 elements."),
    "expr-three-statements": ("three statements", "`t = a*b; u = t - 4.1*a; return u > 2.5*b` in `@njit`: "
                              "jitufunc fuses across the statements (one loop, only the result "
                              "allocated); Numba makes `t` and `u`. 1e7 float64; best of {rc}. The note "
                              "gives the growth of the peak RSS of a fresh process over the call."),
    "expr-transcendental": ("transcendental expression", "`np.sin(a)**2 + np.cos(b)**2 * np.exp(-a*a)` in "
                            "`@njit`, 1e7 float64; best of {rc}. Note: numexpr's `evaluate`."),
    "expr-sum": ("fused reduction", "`np.sum(a * b)` in `@njit` (jitufunc makes no temporary), 1e7 "
                 "float64; best of {rc}."),
    "expr-plain-sum": ("plain sum", "`np.sum(a)` of 2e7 float32 in `@njit`; best of {rc}. NumPy column: "
                       "`np.sum(a)`."),
    "expr-row-sums": ("row sums", "`a.sum(axis=1)` of a 2x1e7 float32 array in `@njit`; best of {rc}. NumPy "
                      "column: the same in NumPy."),
    "expr-column-sums": ("column sums", "`a.sum(axis=0)` of a 2000x5000 float64 array in `@njit`; best of "
                         "{rc}. NumPy column: the same in NumPy."),
    "expr-small": ("small-array call", "The fused expression on 100 elements: the whole call. Note: "
                   "numexpr's `evaluate` on the same arrays."),
    "evaluate-1e7": ("evaluate, fused", "`jitufunc.evaluate(ex, local_dict=...)` against numexpr's "
                     "`evaluate` with the same arguments (one thread: the benchmarks pin every library "
                     "to one); best of {rc}. NumPy column: the expression in NumPy."),
    "evaluate-transcendental": ("evaluate, transcendental", "As the previous row for "
                                "`sin(a)**2 + cos(b)**2 * exp(-a*a)` (numexpr without VML)."),
    "evaluate-small": ("evaluate, small arrays", "A repeated `evaluate` call on 100-element arrays: the "
                       "cost of the call (expression lookup, operands, dispatch)."),
}


def write_docs(info, elapsed):
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    fmt = dict(rs=REPEAT_STREAM, rc=REPEAT_COMPUTE, orep=OVERHEAD_REPEAT, onum=OVERHEAD_NUMBER,
               cr=COMPILE_RUNS, sr=SUBPROC_RUNS, long_statements=kernels.LONG_STATEMENTS)
    rows = table_rows()
    md = ["# Benchmarks", "",
          "jitufunc against Numba's `@vectorize`, `@guvectorize` and `@njit` (target `cpu`, same kernels and functions, same signature strings and layouts) "
          "and against plain NumPy. Times are wall-clock; **ratios above 1 mean jitufunc is faster** "
          "(`numba/jit` is Numba's time divided by jitufunc's). Generated by `benchmarks/run.py`; the "
          "kernels are in `benchmarks/kernels.py`.", "",
          "| " + " | ".join(HEADER) + " |",
          "|" + "|".join(["---:" if i in (0, 2, 3, 4, 5, 6, 7) else "---" for i in range(len(HEADER))]) + "|"]
    for r in rows:
        md.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    md += ["", "![speedup of jitufunc over Numba per benchmark](benchmarks.png)", "",
           "## What each row measures", ""]
    for i, (name, text) in enumerate(EXPLANATIONS, 1):
        md.append(f"{i}. **{name}**: {text.format(**fmt)}")
    for i, r in enumerate(ROWS, 1):
        if r.key in KEYED_EXPLANATIONS:
            name, text = KEYED_EXPLANATIONS[r.key]
            md.append(f"{i}. **{name}**: {text.format(**fmt)}")
    md += ["", "Before anything is timed, each compiled ufunc's result is compared with NumPy's "
           "(`np.allclose`, or exact equality for the add and integer kernels); a mismatch is reported "
           "and that row is not timed. Every timed callable is called once before timing.", "",
           "## Machine", ""]
    for k, v in info.items():
        md.append(f"- **{k}**: {v}")
    md += [f"- **environment**: `OPENBLAS_NUM_THREADS=1` (also OMP/MKL/NUMEXPR), set by the script itself; "
           f"run alone on an otherwise idle machine",
           f"- **total run time**: {elapsed:.0f} s", "",
           "## Regenerate", "", "From the repository root, with nothing else running:", "",
           "```", COMMAND, "```", ""]
    if PROBLEMS or WARNINGS:
        md += ["## Problems in this run", ""] + [f"- {p.splitlines()[0]}" for p in PROBLEMS + WARNINGS] + [""]
    (docs / "benchmarks.md").write_text("\n".join(md))
    write_plot(docs / "benchmarks.png", info)
    print(f"\nwrote {docs / 'benchmarks.md'} and {docs / 'benchmarks.png'}")


def write_plot(path, info):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401

    items = [(f"{i}. {r.label}", r.numba / r.jit) for i, r in enumerate(ROWS, 1)
             if r.status == "ok" and r.jit and r.numba]
    labels = [lab for lab, _ in items][::-1]
    values = [v for _, v in items][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(items) + 1.6))
    colors = ["#2a9d55" if v >= 1 else "#d1495b" for v in values]
    ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1)
    lo, hi = min(values + [1.0]), max(values + [1.0])
    ax.set_xlim(lo / 1.6, hi * 1.8)
    for y, v in enumerate(values):
        ax.text(v * 1.05, y, f"{v:.2f}x", va="center", fontsize=9)
    ax.set_xlabel("Numba time / jitufunc time (log scale; > 1 means jitufunc is faster)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks([t for t in (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo / 1.6 <= t <= hi * 1.8])
    ax.set_title(f"jitufunc vs Numba (vectorize, guvectorize, njit) — {info['CPU'].split(' (')[0]}, {info['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cpu_snapshot():
    """(system busy CPU seconds, this process's CPU seconds incl. children, wall time)."""
    try:
        vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        busy = (sum(vals[:8]) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")  # guest time is in user
    except (OSError, ValueError, IndexError):
        busy = float("nan")
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system, time.perf_counter()


def others_busy(since):
    """Fraction of all CPUs used by other processes since the snapshot ``since``."""
    busy0, own0, wall0 = since
    busy1, own1, wall1 = cpu_snapshot()
    frac = ((busy1 - busy0) - (own1 - own0)) / max((wall1 - wall0) * (os.cpu_count() or 1), 1e-9)
    return max(frac, 0.0) if frac == frac else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="write docs/benchmarks.md and docs/benchmarks.png")
    parser.add_argument("--only", choices=["vectorize", "gufunc", "compile", "startup", "lazy", "parallel", "fastmath",
                                           "jit", "expr", "compile-long", "prange", "typed", "random-pi",
                                           "escape"],
                        nargs="+", help="run only these groups of rows (for development; not with --write-docs)")
    args = parser.parse_args()
    if args.only and args.write_docs:
        parser.error("--only cannot be combined with --write-docs")
    want = (lambda group: args.only is None or group in args.only)
    start = time.perf_counter()
    run_snap = cpu_snapshot()

    snap = cpu_snapshot()
    time.sleep(0.5)
    busy = others_busy(snap)
    if busy > 0.1:
        print(f"WARNING: the machine is {busy:.0%} busy with other work; timings will be noisy.\n", flush=True)

    rng = np.random.default_rng(12345)
    if want("vectorize"):
        run_vectorize_rows(rng)
    if want("gufunc"):
        print("6. generalized ufuncs ...", flush=True)
        bench_gufuncs(rng)
    if want("compile"):
        print("7. compile time ...", flush=True)
        bench_compile()
    if want("startup"):
        print("8. import time and cold start (fresh processes) ...", flush=True)
        bench_import()
        bench_cold()
    if want("lazy"):
        print("9. lazy first call and warm-cache start ...", flush=True)
        bench_lazy()
        bench_warm_cache()
    if want("parallel"):
        print("10. parallel target ...", flush=True)
        bench_parallel(rng)
    if want("fastmath"):
        print("11. fastmath ...", flush=True)
        bench_fastmath(rng)
    if want("jit"):
        print("12. @njit functions ...", flush=True)
        bench_jit(rng)
    if want("expr"):
        print("13. array expressions ...", flush=True)
        bench_expressions(rng)
    if want("compile-long"):
        print("14. compile time of a long kernel ...", flush=True)
        bench_compile(long=True)
    if want("prange"):
        print("15. prange loops ...", flush=True)
        bench_prange(rng)
    if want("typed"):
        print("16. typed List and Dict ...", flush=True)
        bench_typed(rng)
    if want("random-pi"):
        print("17. np.random inside @njit ...", flush=True)
        bench_random()
    if want("escape"):
        print("18. escape-time kernels (masked lanes) ...", flush=True)
        bench_escape(rng)
    if want("compile"):
        print("19. compile time of a gufunc ...", flush=True)
        bench_compile(gufunc=True)
    return finish(args, start, run_snap)


def run_vectorize_rows(rng):
    print("1. streaming add ...", flush=True)
    add_row = Row("add", "")
    ju_add, nb_add = compile_both(add_row, kernels.add, [F32_2, F64_2])
    bench_stream(ju_add, nb_add, np.float64, rng)
    bench_stream(ju_add, nb_add, np.float32, rng)
    if add_row.status != "ok":
        for r in ROWS[-2:]:
            r.status, r.notes = add_row.status, add_row.notes + r.notes

    print("2. transcendental ...", flush=True)
    x = rng.standard_normal(N)
    tmp_out = np.empty(N)
    bench_compute(Row("gaussian", "exp(-x*x) float64, 1e7"), kernels.gaussian, ["float64(float64)"], (x,),
                  np.float64, lambda: np.exp(-x * x), lambda: np.exp(-x * x, out=tmp_out), rtol=1e-13)

    print("3. branchy ...", flush=True)
    xb = rng.uniform(-4.0, 4.0, N)
    bench_compute(Row("branchy", "branchy piecewise float64, 1e7"), kernels.piecewise, ["float64(float64)"],
                  (xb,), np.float64, lambda: piecewise_numpy(xb), lambda: piecewise_numpy(xb), rtol=1e-13)
    del xb

    print("4. integer ...", flush=True)
    ia = rng.integers(-10**9, 10**9, N)
    ib = rng.integers(1, 1000, N) * rng.choice(np.array([-1, 1]), N)
    bench_compute(Row("integer", "int64 // % >> ^ &, 1e7"), kernels.int_mix, ["int64(int64, int64)"],
                  (ia, ib), np.int64, lambda: int_mix_numpy(ia, ib), lambda: int_mix_numpy(ia, ib), exact=True)
    del ia, ib, x, tmp_out

    print("5. call overhead ...", flush=True)
    bench_overhead(ju_add, nb_add)


def escape_python(cr, ci):
    """The escape kernel in plain Python over NumPy scalars (the reference)."""
    out = np.empty(cr.shape, np.int32)
    for idx in np.ndindex(cr.shape):
        out[idx] = kernels.escape(cr[idx], ci[idx])
    return out


def bench_escape(rng):
    """Escape-time kernel (data-dependent loop): random points and a grid."""
    n = 10**6
    cases = [
        (Row("escape-random", "ufunc: escape-time loop (up to 100 trips), 1e6 random points, int32"),
         rng.uniform(-2.0, 1.0, n), rng.uniform(-1.2, 1.2, n)),
        (Row("escape-grid", "ufunc: escape-time loop (up to 100 trips), 1000x1000 grid, int32"),
         *np.meshgrid(np.linspace(-2.0, 1.0, 1000), np.linspace(-1.2, 1.2, 1000))),
    ]
    ju, nb = None, None
    for row, cr, ci in cases:
        ROWS.append(row)
        if ju is None and nb is None:
            ju, nb = compile_both(row, kernels.escape, ["int32(float64, float64)"])
        if ju is None:
            return
        # Checked exactly against Python on a sample of 20000 points.
        sample = (slice(None, 20000),) if cr.ndim == 1 else (slice(None, 20), slice(None))
        ref = escape_python(cr[sample], ci[sample])
        if not check(row, "jitufunc", call_checked(row, "jitufunc", lambda: ju(cr[sample], ci[sample])), ref,
                     exact=True):
            continue
        nb_ok = nb is not None and check(row, "numba", call_checked(row, "numba", lambda: nb(cr[sample], ci[sample])),
                                         ref, exact=True)
        out = np.empty(cr.shape, np.int32)
        row.jit = best(lambda: ju(cr, ci, out=out), REPEAT_COMPUTE)
        if nb_ok:
            row.numba = best(lambda: nb(cr, ci, out=out), REPEAT_COMPUTE)
        trips = ju(cr, ci)
        row.notes.append(f"mean {trips.mean():.1f} trips, {np.mean(trips == 100):.0%} of points run all 100")


def finish(args, start, run_snap):
    elapsed = time.perf_counter() - start
    busy_run = others_busy(run_snap)
    info = machine_info()
    print()
    print(f"jitufunc vs Numba (vectorize, guvectorize, njit) vs NumPy  ({info['date']}; {info['CPU']}, {info['cores']} cores)")
    print(f"Python {info['Python']}, NumPy {info['NumPy']}, Numba {info['Numba']}, jitufunc {info['jitufunc']}")
    print()
    print_table()
    print(f"\ntotal {elapsed:.0f} s")
    print(f"other processes used {busy_run:.0%} of the machine's CPU during the run")
    info["CPU used by other processes during the run"] = f"{busy_run:.0%} (from /proc/stat minus this run's own CPU time)"
    if busy_run > 0.1:
        msg = (f"WARNING: other processes used {busy_run:.0%} of all CPUs during the run; "
               f"timings are unreliable, rerun on an idle machine.")
        print(msg)
        PROBLEMS.append(msg)
    if WARNINGS:
        print("\nfloating-point warnings raised by the compiled ufuncs (not counted as failures):")
        for w in WARNINGS:
            print("  - " + w)
    if args.write_docs:
        write_docs(info, elapsed)
    if PROBLEMS:
        print(f"\n{len(PROBLEMS)} PROBLEM(S):")
        for p in PROBLEMS:
            print("  - " + textwrap.shorten(p.splitlines()[0], 200))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
