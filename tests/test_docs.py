"""The Python examples in README.md and docs/*.md run as written.

Each file's ```python blocks run in order in one namespace, with their
source registered in linecache (kernels are compiled from source, as in a
notebook). Every block runs: an example is code a user copies.
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
    assert blocks, f"{path.name}: no example"
    for i, code in enumerate(blocks):
        filename = f"<{path.name} block {i}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        exec(compile(code, filename, "exec"), namespace)
