"""python/jitufunc/_core.pyi matches the compiled module: the same names,
and each function's parameters as the module reports them."""

import ast
import inspect
from pathlib import Path

import jitufunc
from jitufunc import _core

STUB = Path(jitufunc.__file__).with_name("_core.pyi")


def _stub():
    tree = ast.parse(STUB.read_text())
    functions, classes, names = {}, {}, set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = {n.name for n in node.body
                                  if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return functions, classes, names


def test_stub_lists_exactly_the_public_names_of_the_module():
    functions, classes, names = _stub()
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert public == set(functions) | set(classes) | names


def test_stub_functions_have_the_module_parameters():
    functions, _, _ = _stub()
    for name, node in functions.items():
        runtime = list(inspect.signature(getattr(_core, name)).parameters)
        assert [a.arg for a in node.args.args] == runtime, name


def test_stub_classes_have_the_module_members():
    _, classes, _ = _stub()
    for name, members in classes.items():
        runtime = {n for n in dir(getattr(_core, name)) if not n.startswith("_")}
        assert members == runtime, name
