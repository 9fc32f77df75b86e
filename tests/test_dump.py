"""JITUFUNC_DUMP prints the stages of every compilation to stderr."""

import subprocess
import sys

import pytest

SCRIPT = """
import numpy as np
from jitufunc import vectorize, guvectorize

@vectorize
def twice_plus(x, y):
    return 2 * x + y

twice_plus(np.arange(3.0), 1.0)

@guvectorize("(n)->()")
def total(x, out):
    s = 0.0
    for v in x:
        s += v
    out[0] = s

print(total(np.ones((2, 5))))
"""


def _run(tmp_path, dump):
    script = tmp_path / "dump_me.py"
    script.write_text(SCRIPT)
    env = {**__import__("os").environ, "JITUFUNC_DUMP": dump}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=120, cwd=str(tmp_path))


def test_dump_ir_llvm_asm_prints_every_stage_of_lazy_compiles(tmp_path):
    proc = _run(tmp_path, "ir,llvm,asm")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[5. 5.]"
    err = proc.stderr
    # Typed IR with the kernel's source lines, for each lazily compiled loop.
    assert "fn twice_plus(v0: float64, v1: float64) -> float64" in err, err[:3000]
    assert "dump_me.py:6" in err and "# line 7" in err, err[:3000]
    assert "fn total(" in err
    # Optimised LLVM IR and assembly.
    assert "define " in err and "fmul" in err
    assert "vmulpd" in err or "vaddpd" in err or "vfmadd" in err, err[-3000:]


@pytest.mark.parametrize("dump", ["", "nonsense"])
def test_no_or_unknown_stages_print_nothing(tmp_path, dump):
    proc = _run(tmp_path, dump)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
