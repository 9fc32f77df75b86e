"""The stubs of the public API (python/jitufunc/*.pyi, next to the modules
they describe; _core.pyi has tests/test_core_stub.py) match the modules:
the same public names, each function's parameters (names, kinds, which
have defaults), each class's members. And, with mypy installed, they type
a typical user file under ``mypy --strict`` with no error, and make mypy
flag what fails at run time (a bad option, a wrong argument)."""

import ast
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import jitufunc
from jitufunc import guvectorize, jit, njit, vectorize
from jitufunc.errors import OptionError

PACKAGE = Path(jitufunc.__file__).parent
# Every module of the public API has a stub; __init__.pyi re-exports.
MODULES = ["jitufunc", "jitufunc.decorators", "jitufunc.dispatcher", "jitufunc.evaluate",
           "jitufunc.errors", "jitufunc.types", "jitufunc.typed"]

# Options the runtime takes through **kwargs only to reject them
# (OptionError): the stubs leave **kwargs out, so that a type checker
# flags an unknown option before it runs.
REJECTING_KWARGS = {("jitufunc.decorators", name) for name in ("vectorize", "guvectorize", "jit")}


def _kernel(x, y):
    return x + y


def _gu_kernel(a):
    return a[0]


# Objects of the stub-only classes (@type_check_only): what the runtime
# gives where the stubs name them.
STUB_ONLY = {
    ("jitufunc.decorators", "_JitUfunc"): lambda: [vectorize(_kernel), vectorize(["f8(f8, f8)"])(_kernel),
                                                   guvectorize("(n)->()")(_gu_kernel)],
    ("jitufunc.decorators", "_UfuncDecorator"): lambda: [vectorize(), guvectorize("(n)->()")],
    ("jitufunc.decorators", "_JitDecorator"): lambda: [jit(), njit("f8(f8)")],
}
# Classes whose members are (also) set on each instance: checked on one.
INSTANCES = {
    ("jitufunc.dispatcher", "Dispatcher"): lambda: njit(_kernel),
}
# Dunder methods whose parameters are checked too (where Python defines them).
CHECKED_DUNDERS = {"__init__", "__call__", "__getitem__", "__get__"}


def _stub_path(module):
    name = "__init__" if module == "jitufunc" else module.rsplit(".", 1)[1]
    return PACKAGE / f"{name}.pyi"


def _tree(module):
    return ast.parse(_stub_path(module).read_text())


def _decorators(node):
    return {ast.unparse(d) for d in node.decorator_list}


def _stub_names(tree):
    """The names a stub defines or re-exports: defs, classes, annotated
    names and ``import x as x`` imports (other imports are not exports)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname for a in node.names if a.asname == a.name)
    return names


def _stub_all(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"]:
            return ast.literal_eval(node.value)
    return None


def _public(names):
    return {n for n in names if not n.startswith("_")}


def _runtime_public(module):
    """A module's public names: its ``__all__``, else the public names
    of what it defines (not what it imports)."""
    mod = importlib.import_module(module)
    if hasattr(mod, "__all__"):
        return set(mod.__all__)
    return {n for n in _public(dir(mod))
            if not inspect.ismodule(getattr(mod, n)) and getattr(getattr(mod, n), "__module__", None) == module}


def _params(args, drop_self=False):
    """(name, kind, has default) of each parameter of an ``ast.arguments``."""
    out = []
    positional = args.posonlyargs + args.args
    first_default = len(positional) - len(args.defaults)
    for i, a in enumerate(positional):
        kind = "POSITIONAL_ONLY" if i < len(args.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        out.append((a.arg, kind, i >= first_default))
    if args.vararg:
        out.append((args.vararg.arg, "VAR_POSITIONAL", False))
    for a, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append((a.arg, "KEYWORD_ONLY", default is not None))
    if args.kwarg:
        out.append((args.kwarg.arg, "VAR_KEYWORD", False))
    return out[1:] if drop_self else out


def _runtime_params(obj):
    return [(p.name, p.kind.name, p.default is not p.empty)
            for p in inspect.signature(obj).parameters.values()]


def _check_function(where, defs, runtime, drop_self=False, rejecting_kwargs=False):
    """The stub's def (or overloads) of a function against the runtime's
    parameters. A lone def has them exactly; each overload has some of
    them, in order and of the same kinds (an overload may make one
    required), and together the overloads name them all."""
    real = _runtime_params(runtime)
    if rejecting_kwargs:
        assert real and real[-1] == ("kwargs", "VAR_KEYWORD", False), where
        real = real[:-1]
    variants = [_params(d.args, drop_self) for d in defs]
    if len(defs) == 1:
        assert variants[0] == real, where
        return
    assert all("overload" in _decorators(d) for d in defs), f"{where}: several defs, not all @overload"
    kinds = {name: (kind, has_default) for name, kind, has_default in real}
    order = [name for name, _, _ in real]
    for variant in variants:
        names = [name for name, _, _ in variant]
        assert set(names) <= set(order), f"{where}: {set(names) - set(order)} not at run time"
        assert names == [n for n in order if n in names], f"{where}: parameters out of order"
        for name, kind, has_default in variant:
            # An overload accepts some of the calls the runtime does: it
            # may also take a parameter by position only or keyword only.
            narrower = kinds[name][0] == "POSITIONAL_OR_KEYWORD" and kind in (
                "POSITIONAL_ONLY", "KEYWORD_ONLY")
            assert kind == kinds[name][0] or narrower, f"{where}: {name} is {kind} in the stub"
            assert not has_default or kinds[name][1], f"{where}: {name} has no default at run time"
    assert {name for v in variants for name, _, _ in v} == set(order), where


def _functions(body):
    """A stub's defs by name (overloads together)."""
    found = {}
    for node in body:
        if isinstance(node, ast.FunctionDef):
            found.setdefault(node.name, []).append(node)
    return found


def _stub_classes():
    """Every class of the stubs (and of _core.pyi, a base of Dispatcher),
    by (module, name)."""
    classes = {}
    for module in MODULES + ["jitufunc._core"]:
        path = PACKAGE / "_core.pyi" if module == "jitufunc._core" else _stub_path(module)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                classes[module, node.name] = node
    return classes


def _stub_base(module, base):
    """The (module, name) of a stub class's base when it is a class of the
    stubs, else None (numpy.ufunc, Exception, Generic[...], ...)."""
    text = ast.unparse(base)
    if text.startswith("_core."):
        return "jitufunc._core", text.split(".", 1)[1]
    if "." not in text and "[" not in text:
        return module, text
    return None


def _stub_members(key, classes):
    """The public members of a stub class and of its bases in the stubs."""
    node = classes[key]
    members = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            members.add(item.name)
        elif isinstance(item, ast.AnnAssign):
            members.add(item.target.id)
    for base in node.bases:
        found = _stub_base(key[0], base)
        if found in classes:
            members |= _stub_members(found, classes)
    return _public(members)


def _foreign_members(cls):
    """The public members a runtime class has from classes outside
    jitufunc (object, Exception, OSError, numpy.ufunc, ...)."""
    foreign = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("jitufunc"):
            foreign |= _public(dir(base))
    return foreign


def test_the_package_is_marked_typed():
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "py.typed").read_text() == ""


def test_init_stub_lists_exactly_the_public_names_of_the_package():
    tree = _tree("jitufunc")
    assert _stub_all(tree) == jitufunc.__all__
    assert _stub_names(tree) == set(jitufunc.__all__) | {"__version__"}
    # Nothing public is left out of __all__ (but the submodules).
    missing = {n for n in _public(dir(jitufunc)) - set(jitufunc.__all__)
               if not inspect.ismodule(getattr(jitufunc, n))}
    assert not missing


def test_init_stub_reexports_each_name_from_where_it_comes():
    for node in _tree("jitufunc").body:
        if isinstance(node, ast.ImportFrom):
            source = importlib.import_module(node.module)
            for alias in node.names:
                assert getattr(jitufunc, alias.asname) is getattr(source, alias.name), alias.name


@pytest.mark.parametrize("module", MODULES[1:])
def test_stub_lists_exactly_the_public_names_of_the_module(module):
    tree = _tree(module)
    mod = importlib.import_module(module)
    assert _stub_all(tree) == getattr(mod, "__all__", None)
    assert _public(_stub_names(tree)) == _runtime_public(module)


@pytest.mark.parametrize("module", MODULES[1:])
def test_stub_functions_have_the_module_parameters(module):
    mod = importlib.import_module(module)
    for name, defs in _functions(_tree(module).body).items():
        runtime = getattr(mod, name)
        if name == "njit" and _runtime_params(runtime) == [("args", "VAR_POSITIONAL", False),
                                                           ("kwargs", "VAR_KEYWORD", False)]:
            # njit forwards everything to jit: its stub is jit's.
            _check_function(f"{module}.njit", defs, jit, rejecting_kwargs=True)
            continue
        _check_function(f"{module}.{name}", defs, runtime,
                        rejecting_kwargs=(module, name) in REJECTING_KWARGS)


def test_stub_classes_have_the_module_members():
    classes = _stub_classes()
    checked = 0
    for (module, name), node in classes.items():
        if module == "jitufunc._core":
            continue  # tests/test_core_stub.py
        stub_only = "type_check_only" in _decorators(node)
        assert stub_only == ((module, name) in STUB_ONLY), f"{module}.{name}"
        if stub_only:
            probes = STUB_ONLY[module, name]()
        elif (module, name) in INSTANCES:
            probes = [INSTANCES[module, name]()]
        else:
            probes = [getattr(importlib.import_module(module), name)]
        stub = _stub_members((module, name), classes)
        for probe in probes:
            where = f"{module}.{name} ({probe!r})"
            cls = probe if inspect.isclass(probe) else type(probe)
            foreign = _foreign_members(cls)
            assert stub - foreign == _public(dir(probe)) - foreign, where
            # The methods' parameters, where the runtime's are Python's.
            for method, defs in _functions(node.body).items():
                if method.startswith("_") and method not in CHECKED_DUNDERS:
                    continue
                if any("property" in _decorators(d) for d in defs):
                    continue
                if method == "__call__" and inspect.isfunction(probe):
                    real = probe  # a decorator returned by vectorize(...), jit(...)
                else:
                    real = getattr(probe, method)
                if not (inspect.isfunction(real) or inspect.ismethod(real)):
                    continue  # a builtin's (e.g. _core.Dispatcher.__call__)
                bound = not inspect.isclass(probe)
                _check_function(f"{where}.{method}", defs, real, drop_self=bound)
                checked += 1
    assert checked >= 15


@pytest.mark.parametrize("decorator", [vectorize, guvectorize, jit, njit])
def test_options_left_out_of_the_stubs_are_rejected_at_run_time(decorator):
    # What the stubs reject statically (an option they do not list) the
    # runtime rejects too, before compiling.
    args = ("(n)->()",) if decorator is guvectorize else ()
    with pytest.raises(OptionError, match="unsupported option"):
        decorator(*args, no_such_option=1)


# A typical user file: it must type-check under --strict with no error
# (and run).
USER_CODE = '''
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from typing_extensions import assert_type

import jitufunc
from jitufunc import errors, float64, guvectorize, jit, njit, vectorize
from jitufunc.dispatcher import Dispatcher


@vectorize(["float64(float64, float64)", "f4(f4, f4)"], identity=0, cache=False)
def hypot2(x: float, y: float) -> float:
    return x * x + y * y


@vectorize
def double(x: float) -> float:
    return 2.0 * x


@vectorize(float64(float64), target="parallel", fastmath={"nnan", "contract"})
def inc(x: float) -> float:
    return x + 1.0


@guvectorize(["void(float64[:], float64[:])"], "(n)->()")
def total(a: npt.NDArray[np.float64], out: npt.NDArray[np.float64]) -> None:
    s = 0.0
    for v in a:
        s += v
    out[0] = s


@guvectorize("(n)->()", writable_args=("a",), boundscheck=True)
def first(a: npt.NDArray[np.float64]) -> float:
    return float(a[0])


@njit
def mean(a: npt.NDArray[np.float64]) -> float:
    s = 0.0
    for v in a:
        s += v
    return s / a.size


@jit("float64(float64[:])", nogil=True, error_model="numpy")
def last(a: npt.NDArray[np.float64]) -> float:
    return float(a[-1])


@njit(cache=False, locals={"s": np.float32})
def scale(x: float, k: int = 2) -> float:
    s = x * k
    return s


def main() -> None:
    a = np.arange(6, dtype=np.float64)
    assert isinstance(hypot2, np.ufunc)
    r = hypot2(a, 2.0)
    reduced = hypot2.reduce(a)
    acc: npt.NDArray[np.float64] = hypot2.accumulate(a)
    print(r, reduced, acc, hypot2.outer(a, a).shape, hypot2.nin, hypot2.types)
    sigs: list[str] = list(hypot2.signatures)
    assert sigs[0] == hypot2.signatures[0] and len(hypot2.signatures) == 2
    assert_type(double.compile("float32(float32)"), str)
    assert_type(hypot2.inspect_types(), dict[str, str])
    print(double(a), double.py_func(1.0), inc(a), total(a.reshape(2, 3)), first(a))

    m = mean(a)
    assert_type(m, float)
    assert_type(scale(1.5), float)
    assert_type(mean.signatures, list[str])
    py: Callable[[npt.NDArray[np.float64]], float] = mean.py_func
    assert_type(last.inspect_types(), dict[str, str])
    assert_type(last.inspect_types("float64(float64[:])"), str)
    d: Dispatcher[[npt.NDArray[np.float64]], float] = mean
    print(m, py, last(a), d.__name__, mean.compile("float64(float64[:])"))

    b: npt.NDArray[np.float64] = np.empty(6)
    out = jitufunc.evaluate("2*a + 1", out=b)
    assert_type(out, npt.NDArray[np.float64])
    print(jitufunc.evaluate("sum(a * a)"), jitufunc.validate("a + 1"), jitufunc.re_evaluate())
    try:
        vectorize(["f8(f8"])(double.py_func)
    except errors.SignatureError as e:
        where: str | None = e.filename
        print("signature error", where, e.lineno)


main()
print("user code ran")
'''

# Misuse: mypy must report an error on each line marked "# E", and on no
# other line.
MISUSE = '''
from jitufunc import guvectorize, njit, vectorize


def k(x: float) -> float:
    return x


vectorize(["f8(f8)"], target="cuda")(k)  # E
vectorize(["f8(f8)"], nopython=False)(k)  # E
vectorize(["f8(f8)"], fastmath="fast")(k)  # E
vectorize(["f8(f8)"], no_such_option=1)(k)  # E
vectorize(identity="foo")(k)  # E
guvectorize(["void(f8[:], f8[:])"], "(n)->()", forceobj=True)(k)  # E
njit(error_model="c")(k)  # E
f = njit(k)
f("x")  # E
f(1.0, 2.0)  # E
s: str = f(1.0)  # E
u = vectorize(k)
u.no_such_attribute  # E
u.reduce([1.0, 2.0])
'''


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory):
    pytest.importorskip("mypy", reason="mypy is not installed (scripts/setup.sh installs it)")
    tmp = tmp_path_factory.mktemp("mypy")
    (tmp / "user_code.py").write_text(USER_CODE)
    (tmp / "misuse.py").write_text(MISUSE)
    (tmp / "mypy.ini").write_text("[mypy]\n")
    # The stubs are checked too (named as files, so mypy finds jitufunc
    # here whether or not site-packages points at it).
    stubs = sorted(str(p) for p in PACKAGE.glob("*.pyi"))
    env = {k: v for k, v in os.environ.items() if k != "MYPYPATH"}
    cmd = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(tmp / "mypy.ini"),
           "--cache-dir", str(tmp / "cache"), "--no-error-summary", "--hide-error-context",
           *stubs, "user_code.py", "misuse.py"]
    run = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 2: mypy itself failed
    errors = {}
    for line in run.stdout.splitlines():
        path, _, rest = line.partition(":")
        lineno, _, message = rest.partition(":")
        if " error: " in f" {message}":
            errors.setdefault(Path(path).name, {}).setdefault(int(lineno), []).append(message.strip())
    return tmp, errors, run.stdout


def test_mypy_strict_passes_the_stubs_and_a_typical_user_file(mypy_run):
    tmp, errors, output = mypy_run
    assert {f: e for f, e in errors.items() if f != "misuse.py"} == {}, output
    # And the user file is real code.
    run = subprocess.run([sys.executable, "user_code.py"], cwd=tmp, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.rstrip().endswith("user code ran")


def test_mypy_flags_misuse_of_the_api(mypy_run):
    _, errors, output = mypy_run
    marked = {i for i, line in enumerate(MISUSE.splitlines(), 1) if line.endswith("# E")}
    assert set(errors.get("misuse.py", {})) == marked, output


def test_the_snippets_are_what_the_stubs_describe():
    # The misuse lines fail at run time too (not only for mypy), and the
    # user file's decorators are those the test checks mypy against.
    def k(x):
        return x

    bad = [
        lambda: vectorize(["f8(f8)"], target="cuda")(k),
        lambda: vectorize(["f8(f8)"], nopython=False)(k),
        lambda: vectorize(["f8(f8)"], fastmath="fast")(k),
        lambda: vectorize(["f8(f8)"], no_such_option=1)(k),
        lambda: vectorize(identity="foo")(k),
        lambda: guvectorize(["void(f8[:], f8[:])"], "(n)->()", forceobj=True)(k),
        lambda: njit(error_model="c")(k),
    ]
    for make in bad:
        with pytest.raises(OptionError):
            make()
    f = njit(k)
    for args in [("x",), (1.0, 2.0)]:
        with pytest.raises(TypeError):
            f(*args)
    assert not hasattr(vectorize(k), "no_such_attribute")
    assert MISUSE.count("# E") == len(bad) + 4
