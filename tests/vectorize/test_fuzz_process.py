"""Runs the differential kernel fuzzer (test_fuzz_kernels.py) in a fresh
Python process: its examples are fixed (derandomized), and a process of its
own keeps the rest of the suite's state (NumPy error state, loaded kernels,
warnings filters) from changing what it checks. Its output, with the
numbers of kernels and values checked, is printed."""

import os
import subprocess
import sys
from pathlib import Path


def test_fuzzer_in_a_fresh_process():
    here = Path(__file__).resolve()
    env = dict(os.environ, JITUFUNC_FUZZ_PROCESS="1")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", str(here.with_name("test_fuzz_kernels.py"))],
        cwd=here.parents[2], env=env, capture_output=True, text=True, timeout=1200,
    )
    print(run.stdout[-6000:])
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-4000:]
