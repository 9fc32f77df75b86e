"""What the first compile in a fresh process pulls in.

Each test runs a small script in a fresh interpreter (the modules a process
has imported cannot be unimported): after ``import numpy``, decorating a
kernel must not import modules that cost milliseconds and that the kernel
does not need (``numpy.random`` alone takes longer to import than a kernel
takes to compile). Nothing here measures time.
"""

import json
import subprocess
import sys
import textwrap

# Imported by nothing on the decoration path (each takes a millisecond or
# more to import); checked only when NumPy itself has not imported it.
HEAVY = ["numpy.random", "hashlib", "secrets", "random", "pickle", "tokenize", "inspect", "cmath", "threading",
         "jitufunc._numba_bridge",
         # (a few tenths of a millisecond each: loaded when a ufunc is first
         # pickled, by jitufunc's NumPy functions that need them, when a
         # type object such as ``jitufunc.float64`` is first used)
         "jitufunc._pickling", "jitufunc._intrinsics", "jitufunc.types"]

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
