"""Kernels without source files (``src/frontend/source.rs``,
``src/frontend/bytecode/``): defined in ``python -c``, by ``exec`` of a
string, or by ``compile()`` of a rewritten ``ast`` tree.
"""

import subprocess
import sys
import textwrap

import pytest


def run_command_line(program):
    """Runs ``python -c program`` (this interpreter) and returns its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_python_c_kernels_compile_from_the_command_line_text():
    out = run_command_line(
        """
        import numpy as np, jitufunc

        @jitufunc.vectorize(["float64(float64)", "float32(float32)"])
        def f(x):
            if x < 0:
                return -x * 2.0
            return x + 1

        g = jitufunc.vectorize(["int64(int64)"])(lambda n: n * 3 - 1)

        @jitufunc.jit
        def total(a):
            s = 0.0
            for i in range(a.shape[0]):
                s += a[i]
            return s

        x = np.linspace(-2, 2, 9)
        assert np.array_equal(f(x), np.where(x < 0, -x * 2.0, x + 1))
        assert f(x.astype(np.float32)).dtype == np.float32
        assert np.array_equal(g(np.arange(5)), np.arange(5) * 3 - 1)
        assert total(x) == x.sum()
        print("ok")
        """
    )
    assert out.strip() == "ok"
