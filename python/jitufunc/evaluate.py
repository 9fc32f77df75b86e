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
import _thread
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
_lock = _thread.allocate_lock()
# The last expression of each thread (re_evaluate): a threading.local made
# on first use, so that `import jitufunc` does not import threading.
_last = None


def _last_expression():
    global _last
    if _last is None:
        import threading

        with _lock:
            if _last is None:
                _last = threading.local()
    return _last


def _complex(real, imag):
    """numexpr's ``complex(real, imag)``: complex128 from two real parts
    (inf and nan kept in each part, as numexpr does)."""
    return complex(real, imag)


def _functions():
    """Every name an expression may call: numexpr's functions and every
    NumPy ufunc, as the NumPy objects the compiler knows, and numexpr's
    ``complex`` (a lazy jitufunc ufunc, inlined into the loop)."""
    import numpy as np

    from jitufunc.decorators import vectorize

    table = {name: getattr(np, target) for name, target in _NUMEXPR_FUNCTIONS.items()}
    table["complex"] = vectorize()(_complex)
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


def _njit_source(params, statements):
    """An ``@njit`` dispatcher of a function of ``params`` whose body is
    ``statements`` (source lines); it is only read by the compiler, never
    called by Python."""
    from jitufunc.decorators import njit

    fname = f"__evaluate_{next(_counter)}"
    filename = f"<jitufunc.evaluate {fname}>"
    source = f"def {fname}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in statements)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = compile(source, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return njit(types.FunctionType(code, dict(_FUNCTIONS), fname))


class _Expression:
    """An expression compiled for ``evaluate``: the function returning its
    value, and (made on first use of ``out=``) the one writing it into
    ``out`` with no temporary array."""

    def __init__(self, body, names):
        self.body = body
        self.names = names
        self.function = _njit_source(names, [f"return {body}"])
        self._into = None
        self._dtypes = {}

    def into(self):
        if self._into is None:
            out = "__out"
            while out in self.names:
                out += "_"
            self._into = _njit_source([out, *self.names], [f"{out}[...] = {self.body}", f"return {out}"])
        return self._into

    def dtype(self, args):
        """The result's dtype for operands ``args``: NumPy's, found by
        evaluating the expression with NumPy on one-element stand-ins
        (kept per operand types)."""
        import numpy as np

        key = tuple(
            (a.dtype.str, a.ndim) if isinstance(a, np.ndarray)
            else (type(a), getattr(a, "dtype", None)) for a in args
        )
        dtype = self._dtypes.get(key)
        if dtype is None:
            stand_ins = {
                name: np.zeros((1,) * a.ndim, a.dtype) if isinstance(a, np.ndarray) else a
                for name, a in zip(self.names, args)
            }
            with np.errstate(all="ignore"):
                dtype = np.asarray(eval(self.body, dict(_FUNCTIONS), stand_ins)).dtype  # noqa: S307 - parsed and checked by _parse
            self._dtypes[key] = dtype
        return dtype


def _compile(ex):
    """The compiled expression ``ex`` (an ``_Expression``)."""
    key = ex
    with _lock:
        hit = _compiled.get(key)
    if hit is not None:
        return hit
    tree, names = _parse(ex)
    hit = _Expression(ast.unparse(tree.body), names)
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


def _run(expression, args, out, casting):
    import numpy as np

    args = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
    if out is None:
        return expression.function(*args)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out= must be a NumPy array, not {type(out).__name__}")
    if not out.flags.writeable:
        raise ValueError("out= is a read-only array")
    dtype = expression.dtype(args)
    if not np.can_cast(dtype, out.dtype, casting):
        raise TypeError(
            f"Cannot cast array data from {dtype!r} to {out.dtype!r} according to the rule {casting!r}"
        )
    # Written straight into out (through a temporary only when out
    # overlaps an operand).
    expression.into()(out, *args)
    return out


def evaluate(ex, local_dict=None, global_dict=None, out=None, order="K", casting="safe"):
    """Evaluates array expression ``ex`` (a string, numexpr's syntax) on the
    arrays and numbers it names, looked up in ``local_dict`` and
    ``global_dict`` (default: the caller's variables), with NumPy's results
    (dtypes, broadcasting). ``out=`` receives the result (NumPy's
    ``casting`` rule applies); ``order`` is accepted for numexpr's API (the
    result is C-ordered)."""
    expression = _compile(ex)
    args = _operands(expression.names, local_dict, global_dict, 2)
    _last_expression().state = expression
    return _run(expression, args, out, casting)


def re_evaluate(local_dict=None, global_dict=None):
    """Evaluates the last expression of this thread again, on the current
    values of its operands."""
    expression = getattr(_last_expression(), "state", None)
    if expression is None:
        raise RuntimeError("re_evaluate() needs an earlier evaluate() or validate()")
    return _run(expression, _operands(expression.names, local_dict, global_dict, 2), None, "safe")


def validate(ex, local_dict=None, global_dict=None, out=None, order="K", casting="safe"):
    """Checks ``ex`` (its syntax, functions and operands) without running
    it, and makes it the expression ``re_evaluate()`` runs: ``None`` when
    it is valid, else the exception, as numexpr's ``validate``. (Type
    errors show when it first runs.)"""
    try:
        expression = _compile(ex)
        _operands(expression.names, local_dict, global_dict, 2)
        _last_expression().state = expression
        return None
    except Exception as exc:  # noqa: BLE001 - numexpr's validate returns it
        return exc
