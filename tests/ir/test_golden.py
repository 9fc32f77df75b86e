"""Golden IR tests: each kernel in ``cases/`` is lowered and typed, and the
IR text must equal the ``.ir`` file beside it (``src/ir``, ``src/lower``,
``src/typing``; errors are recorded too).

A case is a module with a function ``kernel``, its ``SIGNATURES`` and, for a
gufunc kernel, its ``LAYOUT``; ``JIT = True`` types it as ``@jit`` does
(``PARALLEL = True``: ``@jit(parallel=True)``). After a deliberate change to the IR, rewrite
the expected files and review the diff::

    JITUFUNC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/ir

Every construct the compiler learns gets a case here.
"""

import importlib.util
import os
from pathlib import Path

import pytest

from jitufunc import _core

CASES = Path(__file__).with_name("cases")
UPDATE = os.environ.get("JITUFUNC_UPDATE_GOLDEN") == "1"


def _load(path):
    spec = importlib.util.spec_from_file_location(f"jitufunc_ir_case_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(func, signature=None, layout=None, jit=False, parallel=False):
    try:
        text = _core.ir_text(func, signature, layout, jit, parallel=parallel)
    except Exception as e:  # recorded: a case may show a rejected construct
        text = f"!! {type(e).__name__}: {str(e).splitlines()[0]}\n"
    # File names as written in the cases directory, and jitufunc's own
    # Python functions (called methods) by their path in the package,
    # wherever either is.
    text = text.replace(str(CASES) + os.sep, "")
    return text.replace(str(Path(_core.__file__).parent) + os.sep, "jitufunc/")


def render(path):
    """The IR text of case ``path``: untyped, then typed per signature."""
    case = _load(path)
    layout = getattr(case, "LAYOUT", None)
    jit = getattr(case, "JIT", False)
    parallel = getattr(case, "PARALLEL", False)
    parts = ["== untyped\n", _text(case.kernel, jit=jit, parallel=parallel)]
    for sig in case.SIGNATURES:
        door = f" layout {layout}" if layout else (" jit" if jit else "")
        parts.append(f"== typed {sig}{door}\n")
        parts.append(_text(case.kernel, sig, layout, jit, parallel))
    return "".join(parts)


CASE_FILES = sorted(CASES.glob("*.py"))


def test_there_are_cases():
    assert len(CASE_FILES) >= 10


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_ir_matches_the_golden_file(path):
    expected_file = path.with_suffix(".ir")
    actual = render(path)
    if UPDATE:
        expected_file.write_text(actual)
    assert expected_file.exists(), (
        f"{expected_file.name} is missing; write it with JITUFUNC_UPDATE_GOLDEN=1 and review it"
    )
    expected = expected_file.read_text()
    assert actual == expected, (
        f"IR of {path.name} differs from {expected_file.name} "
        "(if the change is intended, rerun with JITUFUNC_UPDATE_GOLDEN=1 and review the diff)\n"
        f"--- actual\n{actual}"
    )


def test_every_golden_file_has_a_case():
    orphans = [p.name for p in CASES.glob("*.ir") if not p.with_suffix(".py").exists()]
    assert orphans == []


def test_the_verifier_runs_after_every_pass_in_the_test_suite():
    # tests/conftest.py and scripts/test.sh set JITUFUNC_VERIFY=1, so bad IR
    # is an InternalError in every test, not a miscompile.
    assert _core.verifier_enabled()
