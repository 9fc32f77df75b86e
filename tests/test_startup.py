"""What the first compile in a fresh process pulls in.

Each test runs a small script in a fresh interpreter (the modules a process
has imported cannot be unimported): after ``import numpy``, decorating a
kernel must not import modules that cost milliseconds and that the kernel
does not need (``numpy.random`` alone takes longer to import than a kernel
takes to compile). Nothing here measures time.
"""

import json
import os
import subprocess
import sys
import textwrap

# Imported by nothing on the decoration path (each takes a millisecond or
# more to import); checked only when NumPy itself has not imported it.
HEAVY = ["numpy.random", "hashlib", "secrets", "random", "pickle", "tokenize", "inspect", "cmath", "threading",
         "jitufunc._numba_bridge"]

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    # The kernel's source is read through linecache, which tracebacks and
    # warnings import anyway; on Python 3.10 it imports tokenize.
    import linecache
    before = set(sys.modules)
    import math
    from jitufunc import guvectorize, njit, vectorize

    c = 1.5

    @vectorize(["float64(float64)"])
    def gauss(x):
        return math.exp(-x * x) * c

    @vectorize
    def lazy(x, y):
        return x * y + 1

    @guvectorize(["void(float64[:], float64[:])"], "(n)->()")
    def total(x, out):
        s = 0.0
        for v in x:
            s += v
        out[0] = s

    @njit
    def f(a):
        return a.sum() * 2

    assert gauss(np.array([0.0]))[0] == 1.5
    assert lazy(np.arange(3.0), 2.0).tolist() == [1.0, 3.0, 5.0]
    assert total(np.arange(4.0)) == 6.0
    assert f(np.arange(4.0)) == 12.0
    print(json.dumps({"before": sorted(before), "after": sorted(sys.modules)}))
""")


def test_decorating_and_calling_imports_nothing_heavy(tmp_path):
    script = tmp_path / "startup.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    before, after = set(modules["before"]), set(modules["after"])
    new = after - before
    heavy = [m for m in HEAVY if m not in before and m in new]
    assert heavy == [], f"the decoration path imported {heavy}"


def _run_code(code, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=120)


def test_exit_right_after_loading_core_while_warming_up():
    # The warm-up compile (src/vectorize/warmup.rs) is still running when
    # the interpreter exits: it is joined first, so the exit is clean.
    for _ in range(3):
        proc = _run_code("import jitufunc._core")
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""


def test_fork_right_after_loading_core():
    code = (
        "import os, math, numpy as np\n"
        "import jitufunc._core\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    from jitufunc import vectorize\n"
        "    g = vectorize(['float64(float64)'])(lambda x: math.exp(-x * x))\n"
        "    x = np.linspace(-2, 2, 101)\n"
        "    os._exit(0 if np.allclose(g(x), np.exp(-x * x)) and np.allclose(g(x[::2]), np.exp(-x[::2] ** 2)) else 3)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "raise SystemExit(os.waitstatus_to_exitcode(status))\n"
    )
    proc = _run_code(code)
    assert proc.returncode == 0, proc.stderr


def test_warmup_can_be_turned_off_and_first_compile_still_works():
    code = (
        "import math, numpy as np\n"
        "from jitufunc import _core, vectorize\n"
        "_core.wait_warmup()\n"
        "g = vectorize(['float64(float64)'])(lambda x: math.exp(-x * x))\n"
        "x = np.linspace(-2, 2, 101)\n"
        "assert np.allclose(g(x), np.exp(-x * x))\n"
    )
    for value in ("0", "1"):
        proc = _run_code(code, JITUFUNC_WARMUP=value)
        assert proc.returncode == 0, proc.stderr
