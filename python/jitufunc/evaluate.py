"""``jitufunc.evaluate``: numexpr's API, with NumPy's semantics, compiled.

``evaluate("a*b - 4.1*a > 2.5*b")`` parses the expression (``ast.parse``;
nothing of it is ever run by Python), checks that it holds only operands,
numbers, operators and known functions, and compiles it as the body of an
``@njit`` function of its operands, so it is one fused loop (see
docs/arrays.md). The compiled function is kept per expression, and the
``@njit`` dispatcher keeps a specialisation per operand types, so a
repeated call costs a dictionary lookup, the operand lookup and the call.
"""

import ast
import itertools
import linecache
import sys
import threading
import types

__all__ = ["evaluate", "re_evaluate", "validate"]

#: numexpr's functions, by their numexpr names.
_NUMEXPR_FUNCTIONS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin", "arccos": "arccos",
    "arctan": "arctan", "arctan2": "arctan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "arcsinh": "arcsinh", "arccosh": "arccosh", "arctanh": "arctanh", "log": "log",
    "log1p": "log1p", "log10": "log10", "exp": "exp", "expm1": "expm1", "sqrt": "sqrt",
    "abs": "absolute", "conj": "conjugate", "real": "real", "imag": "imag", "where": "where",
    # Reductions (numexpr allows them as the outermost call).
    "sum": "sum", "prod": "prod", "min": "min", "max": "max",
}

_counter = itertools.count()
_compiled = {}
_lock = threading.Lock()
_last = threading.local()


def _functions():
    """Every name an expression may call: numexpr's functions and every
    NumPy ufunc, as the NumPy objects the compiler knows."""
    import numpy as np

    table = {name: getattr(np, target) for name, target in _NUMEXPR_FUNCTIONS.items()}
    for name in dir(np):
        obj = getattr(np, name, None)
        if isinstance(obj, np.ufunc) and name not in table:
            table[name] = obj
    return table


_FUNCTIONS = None

_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name, ast.Constant,
    ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.keyword,
)


def _refuse(ex, node, what):
    col = getattr(node, "col_offset", 0)
    caret = " " * col + "^"
    return ValueError(f"{what} is not allowed in an expression\n  {ex}\n  {caret}")


def _parse(ex):
    """The expression's operand names, in order of first use; refuses
    anything but operands, numbers, operators and known functions."""
    global _FUNCTIONS
    if _FUNCTIONS is None:
        _FUNCTIONS = _functions()
    if not isinstance(ex, str):
        raise TypeError(f"evaluate() takes the expression as a string, not {type(ex).__name__}")
    tree = ast.parse(ex.strip(), mode="eval")  # a SyntaxError shows the caret
    names = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            kind = {ast.Attribute: "attribute access", ast.Subscript: "a subscript",
                    ast.Lambda: "a lambda", ast.BoolOp: "'and'/'or' (use & and |)"}
            raise _refuse(ex, node, kind.get(type(node), type(node).__name__))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                what = ast.unparse(node.func)
                raise _refuse(ex, node, f"calling {what!r} (not a known function)")
            if node.keywords:
                raise _refuse(ex, node.keywords[0], f"the keyword argument {node.keywords[0].arg}=")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (bool, int, float, complex)):
            raise _refuse(ex, node, f"the constant {node.value!r}")
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in names:
            names.append(node.id)
    return tree, sorted(names)


def _compile(ex):
    """The compiled function of expression ``ex`` and its operand names."""
    key = ex
    with _lock:
        hit = _compiled.get(key)
    if hit is not None:
        return hit
    from jitufunc.decorators import njit

    tree, names = _parse(ex)
    body = ast.unparse(tree.body)
    fname = f"__evaluate_{next(_counter)}"
    filename = f"<jitufunc.evaluate {fname}>"
    source = f"def {fname}({', '.join(names)}):\n    return {body}\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = compile(source, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    # The function is only read by the compiler, never called by Python.
    func = types.FunctionType(code, dict(_FUNCTIONS), fname)
    hit = (njit(func), names)
    with _lock:
        _compiled[key] = hit
    return hit


def _operands(names, local_dict, global_dict, depth):
    if local_dict is None or global_dict is None:
        frame = sys._getframe(depth)
        if local_dict is None:
            local_dict = frame.f_locals
        if global_dict is None:
            global_dict = frame.f_globals
    args = []
    for name in names:
        if name in local_dict:
            args.append(local_dict[name])
        elif name in global_dict:
            args.append(global_dict[name])
        else:
            raise KeyError(f"the expression's name {name!r} is not a local or global variable")
    return args


def _run(function, args, out, casting):
    import numpy as np

    args = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
    result = function(*args)
    if out is None:
        return result
    np.copyto(out, result, casting=casting)
    return out


def evaluate(ex, local_dict=None, global_dict=None, out=None, order="K", casting="safe"):
    """Evaluates array expression ``ex`` (a string, numexpr's syntax) on the
    arrays and numbers it names, looked up in ``local_dict`` and
    ``global_dict`` (default: the caller's variables), with NumPy's results
    (dtypes, broadcasting). ``out=`` receives the result (NumPy's
    ``casting`` rule applies); ``order`` is accepted for numexpr's API (the
    result is C-ordered)."""
    function, names = _compile(ex)
    args = _operands(names, local_dict, global_dict, 2)
    _last.state = (function, names)
    return _run(function, args, out, casting)


def re_evaluate(local_dict=None, global_dict=None):
    """Evaluates the last expression of this thread again, on the current
    values of its operands."""
    state = getattr(_last, "state", None)
    if state is None:
        raise RuntimeError("re_evaluate() needs an earlier evaluate() or validate()")
    function, names = state
    return _run(function, _operands(names, local_dict, global_dict, 2), None, "safe")


def validate(ex, local_dict=None, global_dict=None, out=None, order="K", casting="safe"):
    """Checks ``ex`` (its syntax, functions and operands) without running
    it, and makes it the expression ``re_evaluate()`` runs: ``None`` when
    it is valid, else the exception, as numexpr's ``validate``. (Type
    errors show when it first runs.)"""
    try:
        function, names = _compile(ex)
        _operands(names, local_dict, global_dict, 2)
        _last.state = (function, names)
        return None
    except Exception as exc:  # noqa: BLE001 - numexpr's validate returns it
        return exc
