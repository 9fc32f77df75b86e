"""The Python examples in README.md and docs/*.md run as written.

Each file's ```python blocks run in order in one namespace, with their
source registered in linecache (kernels are compiled from source, as in a
notebook). Blocks containing ``...`` placeholders are skipped with a
printed reason.
"""

import linecache
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] if "```python" in p.read_text()]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_python_examples_run(path):
    blocks = BLOCK.findall(path.read_text())
    namespace = {"__name__": f"docs_{path.stem}"}
    ran = 0
    for i, code in enumerate(blocks):
        if "..." in code:
            print(f"{path.name} block {i}: contains '...' placeholders, not run")
            continue
        filename = f"<{path.name} block {i}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        exec(compile(code, filename, "exec"), namespace)
        ran += 1
    assert ran > 0, f"{path.name}: no example ran"
