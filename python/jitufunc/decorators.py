"""The decorators: ``vectorize`` and ``guvectorize`` (and, later, ``jit``).

They only normalise arguments; compilation happens in ``jitufunc._core``.
The ufunc they return is a real ``numpy.ufunc`` with a few attributes set
on it by ``_finish`` (``signatures``, ``compile``, ``inspect_*``, ...).
"""

import sys

from jitufunc.errors import OptionError

_TARGETS = ("cpu", "parallel")


class _Signatures:
    """The signatures a jitufunc ufunc has compiled (a live, read-only list)."""

    __slots__ = ("_lib",)

    def __init__(self, lib):
        self._lib = lib

    def _list(self):
        return list(self._lib.signatures)

    def __getitem__(self, i):
        return self._list()[i]

    def __len__(self):
        return len(self._lib.signatures)

    def __iter__(self):
        return iter(self._list())

    def __contains__(self, item):
        return item in self._list()

    def __eq__(self, other):
        try:
            return self._list() == list(other)
        except TypeError:
            return NotImplemented

    def __repr__(self):
        return repr(self._list())


# NumPy's reducer of ufuncs, which ``_reduce_ufunc`` hands every ufunc that
# is not jitufunc's (set by ``_install_pickling``).
_numpy_reduce = None


def _reduce_ufunc(ufunc):
    """``copyreg``'s reducer of ``numpy.ufunc`` once a jitufunc ufunc exists:
    NumPy's for other ufuncs, ``_pickling.reduce`` for jitufunc's (that
    module is imported when one is first pickled, not on the decoration
    path: importing it took about 0.3 ms of the first compile)."""
    if getattr(ufunc, "_jitufunc_", None) is None:
        return _numpy_reduce(ufunc)
    from jitufunc import _pickling

    return _pickling.reduce(ufunc)


def _install_pickling():
    """Puts ``_reduce_ufunc`` in front of NumPy's ufunc reducer (once)."""
    global _numpy_reduce
    import copyreg

    import numpy as np

    current = copyreg.dispatch_table.get(np.ufunc)
    if current is not _reduce_ufunc:
        _numpy_reduce = current or (lambda u: u.__name__)
        copyreg.pickle(np.ufunc, _reduce_ufunc)


def _finish(ufunc, func, kind, options):
    """Sets the Python-level attributes of a new jitufunc ufunc.

    None of them refers to the ufunc: NumPy's garbage collector support does
    not look into a ufunc's ``__dict__``, so a cycle through it would leak
    the ufunc, and ufuncs take no weak references. The methods hold the
    ufunc's library instead, which knows whether its ufunc still exists.
    """
    from jitufunc import _core

    _install_pickling()  # here, not at import: it needs NumPy
    if "numba" in sys.modules:  # (its entry point may not be installed)
        from jitufunc import _numba_bridge

        _numba_bridge.install_if_numba_loaded()
    lib = _core.library(ufunc)
    signatures = _Signatures(lib)

    def compile(signature):
        """Compiles a loop for ``signature`` now (lazy ufuncs only);
        returns the signature with its return type filled in."""
        return _core.add_signature(lib, str(signature))

    def _inspector(kind_, doc):
        def inspect():
            return dict(_core.inspect(lib, kind_))
        inspect.__doc__ = doc
        return inspect

    ufunc.signatures = signatures
    ufunc.compile = compile
    ufunc.add = compile
    ufunc.inspect_llvm = _inspector("llvm", "dict: signature -> optimised LLVM IR of its loop")
    ufunc.inspect_asm = _inspector("asm", "dict: signature -> assembly of its loop")
    ufunc.inspect_types = _inspector(
        "types", "dict: signature -> typed IR of its kernel, with source lines")
    ufunc.py_func = func
    # Numba's DUFunc/GUFunc have these too (functools' convention; a lazy
    # GUFunc's is_dynamic). Not Numba's `ufunc` (the ufunc itself: a cycle).
    ufunc.__wrapped__ = func
    ufunc.is_dynamic = lib.lazy
    ufunc._jitufunc_ = (kind, options)
    # For pickling by reference (NumPy >= 2.2 lets these be set).
    for name, value in (("__module__", getattr(func, "__module__", None)),
                        ("__qualname__", getattr(func, "__qualname__", ufunc.__name__))):
        try:
            setattr(ufunc, name, value)
        except (AttributeError, TypeError):
            pass
    return ufunc


def _signature_list(signatures):
    if isinstance(signatures, (list, tuple)):
        items = list(signatures)
    else:
        items = [signatures]
    return [s if isinstance(s, str) else str(s) for s in items]


def _check_options(nopython, target, cache, kwargs, decorator):
    if kwargs:
        name = sorted(kwargs)[0]
        raise OptionError(f"{decorator}() got an unsupported option {name}={kwargs[name]!r}")
    if not nopython:
        raise OptionError(
            f"{decorator}(nopython=False): object mode is not supported; kernels are always compiled"
        )
    if target not in _TARGETS:
        raise OptionError(f"{decorator}(target={target!r}) is not supported; use one of {_TARGETS}")
    if not isinstance(cache, bool):
        raise OptionError(f"{decorator}(cache={cache!r}): cache is True or False")


def vectorize(signatures=None, identity=None, nopython=True, fastmath=False, cache=False,
              target="cpu", forceobj=False, **kwargs):
    """Compile a scalar kernel into a NumPy ufunc.

    ``signatures`` is a signature string (``"float64(float64, float64)"``), a
    list of them, or type objects (``float64(float64, float64)``). The result
    is a real ``numpy.ufunc``: broadcasting, ``out=``, ``where=``,
    ``reduce``/``accumulate``/``outer``/``at`` come from NumPy itself.

    ``identity`` is a number, None or ``"reorderable"``; it is what
    ``reduce`` starts from. ``fastmath`` is a bool or a set of LLVM fast-math
    flag names.
    """
    if callable(signatures) and not isinstance(signatures, (str, list, tuple)):
        # @vectorize or vectorize(f, **options): a lazy ufunc.
        return vectorize(None, identity=identity, nopython=nopython, fastmath=fastmath, cache=cache,
                         target=target, forceobj=forceobj, **kwargs)(signatures)
    if forceobj:
        raise OptionError("vectorize(forceobj=True): object mode is not supported")
    _check_options(nopython, target, cache, kwargs, "vectorize")
    sigs = _signature_list(signatures) if signatures is not None else []
    options = dict(identity=identity, fastmath=fastmath, target=target, cache=cache)
    from jitufunc import _core

    def wrap(func):
        if _is_numba_dispatcher(func):  # a Numba @njit function: its Python function
            func = func.py_func
        u = _core.vectorize_ufunc(func, sigs, identity=identity, fastmath=fastmath,
                                  parallel=target == "parallel", cache=cache)
        return _finish(u, func, "vectorize", dict(options, signatures=sigs))

    return wrap


def _writable_indices(func, writable_args):
    """``writable_args`` as operand indices (names are parameter names)."""
    if isinstance(writable_args, (str, int)):
        writable_args = (writable_args,)
    if not writable_args:
        return []
    # (the code object's names, not inspect.signature: importing inspect
    # costs milliseconds on the decoration path)
    code = getattr(func, "__code__", None)
    params = list(code.co_varnames[:code.co_argcount]) if code is not None else []
    indices = []
    for w in writable_args:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise OptionError(f"writable_args entries are argument indices or names, not {w!r}")
        if isinstance(w, str):
            if w not in params:
                raise OptionError(
                    f"writable_args names {w!r}, which is not a parameter of {func.__name__}() "
                    f"(its parameters are {', '.join(params) or 'none'})"
                )
            w = params.index(w)
        elif w < 0:
            raise OptionError(f"writable_args index {w} is negative")
        indices.append(w)
    return sorted(set(indices))


def guvectorize(signatures=None, layout=None, identity=None, nopython=True, fastmath=False,
                cache=False, target="cpu", writable_args=(), boundscheck=False, forceobj=False,
                **kwargs):
    """Compile a kernel over array blocks into a NumPy generalized ufunc.

    ``signatures`` lists the types of every operand, inputs then outputs
    (``"void(float64[:, :], float64[:, :], float64[:, :])"``), or of the
    inputs with the outputs as return type (``"float64(float64[:])"``).
    ``layout`` is the gufunc signature (``"(m,n),(n,p)->(m,p)"``), with fixed
    sizes ``(3)``, optional ``m?`` and broadcast ``n|1`` dimensions.

    The kernel takes every input and output and writes the outputs
    (``out[i] = ...``); scalar ``()`` outputs may instead be returned. Inputs
    are read-only unless listed in ``writable_args`` (indices or names).
    With ``boundscheck=True`` an out-of-range index raises ``IndexError``
    (naming the array and the source line) instead of reading memory.
    """
    if isinstance(signatures, str) and layout is None:
        # @guvectorize("(n)->()"), @guvectorize("(n),(m)"): a lazy gufunc
        # (a lone string can only be the layout, which is required).
        signatures, layout = None, signatures
    if callable(signatures) and not isinstance(signatures, (str, list, tuple)):
        raise OptionError(
            "guvectorize needs a layout: @guvectorize(\"(n)->()\") or "
            "@guvectorize([\"void(float64[:], float64[:])\"], \"(n)->()\")"
        )
    if not isinstance(layout, str):
        raise OptionError(
            f"guvectorize needs a layout string such as \"(n)->()\" as its second argument, got {layout!r}"
        )
    if forceobj:
        raise OptionError("guvectorize(forceobj=True): object mode is not supported")
    _check_options(nopython, target, cache, kwargs, "guvectorize")
    sigs = _signature_list(signatures) if signatures is not None else []
    options = dict(layout=layout, identity=identity, fastmath=fastmath, target=target,
                   cache=cache, writable_args=writable_args, boundscheck=boundscheck)
    from jitufunc import _core

    def wrap(func):
        if _is_numba_dispatcher(func):  # a Numba @njit function: its Python function
            func = func.py_func
        writable = _writable_indices(func, writable_args)
        u = _core.guvectorize_ufunc(func, sigs, layout, identity=identity, fastmath=fastmath,
                                    writable_args=writable, boundscheck=bool(boundscheck),
                                    parallel=target == "parallel", cache=cache)
        return _finish(u, func, "guvectorize", dict(options, signatures=sigs))

    return wrap


_ERROR_MODELS = ("python", "numpy")


def jit(signature_or_function=None, *, nopython=True, forceobj=False, looplift=True, cache=False,
        fastmath=False, boundscheck=False, nogil=False, error_model="python", inline="never",
        parallel=False, locals=None, **kwargs):
    """Compile a whole numeric function (Numba's ``@jit``/``@njit``).

    Bare (``@jit``) or with options, with or without signatures
    (``@jit("float64(float64[:])")``, a list of them): without signatures,
    the first call with new argument types compiles a specialisation for
    them. ``error_model="python"`` (the default) makes ``/``, ``//`` and
    ``%`` by zero raise ``ZeroDivisionError``; ``"numpy"`` gives inf, nan
    or 0 as NumPy does. ``nogil=True`` releases the GIL while the compiled
    code runs; ``boundscheck=True`` checks every index. There is no object
    mode: ``nopython=False`` and ``forceobj=True`` are errors.
    ``cache=True`` keeps each compiled specialisation on disk (as for
    ufuncs: ``JITUFUNC_CACHE_DIR``), so a new process links it instead of
    compiling. ``parallel=True`` runs each ``for i in prange(...)`` loop
    (the outermost, when they nest) on the thread pool, with the GIL
    released (see docs/api.md, "Parallel loops"). ``looplift`` and
    ``inline`` are accepted for compatibility and change nothing.
    """
    import os

    if callable(signature_or_function) and not isinstance(signature_or_function, (str, list, tuple)):
        return jit(nopython=nopython, forceobj=forceobj, looplift=looplift, cache=cache,
                   fastmath=fastmath, boundscheck=boundscheck, nogil=nogil,
                   error_model=error_model, inline=inline, parallel=parallel, locals=locals,
                   **kwargs)(signature_or_function)
    if kwargs:
        name = sorted(kwargs)[0]
        raise OptionError(f"jit() got an unsupported option {name}={kwargs[name]!r}")
    if not nopython or forceobj:
        raise OptionError(
            "jit(nopython=False / forceobj=True): object mode is not supported; functions are always compiled"
        )
    if not isinstance(cache, bool):
        raise OptionError(f"jit(cache={cache!r}): cache is True or False")
    if error_model not in _ERROR_MODELS:
        raise OptionError(f"jit(error_model={error_model!r}) is not valid; use one of {_ERROR_MODELS}")
    if inline not in ("never", "always") and not callable(inline):
        raise OptionError(f"jit(inline={inline!r}) is not valid; use 'never' or 'always'")
    if locals is not None and not isinstance(locals, dict):
        raise OptionError(f"jit(locals={locals!r}): locals is a dict of variable names to types")
    local_types = [(name, _local_type(name, t)) for name, t in (locals or {}).items()]
    sigs = _signature_list(signature_or_function) if signature_or_function is not None else []
    options = dict(fastmath=fastmath, boundscheck=bool(boundscheck), error_model=error_model,
                   nogil=bool(nogil), cache=cache)
    if parallel:
        options["parallel"] = True
    if local_types:
        options["locals"] = local_types

    def wrap(func):
        if os.environ.get("JITUFUNC_DISABLE_JIT", "0") not in ("", "0"):
            return func
        from jitufunc.dispatcher import Dispatcher

        code = getattr(func, "__code__", None)
        for name, _ in local_types:
            if code is not None and name not in code.co_varnames:
                raise OptionError(
                    f"jit(locals=...) names '{name}', which is not a variable of {func.__name__}()")

        return Dispatcher(func, sigs, **options)

    return wrap


def _local_type(name, t):
    """The dtype name of a ``locals=`` type: a NumPy scalar type, a dtype,
    Python's ``float``/``int``/``complex``/``bool``, a dtype string, or a
    Numba scalar type (by its name)."""
    import numpy as np

    if isinstance(t, str):
        return t
    try:
        return np.dtype(t).name
    except TypeError:
        return str(t)


def njit(*args, **kwargs):
    """The same as ``jit`` (there is no object mode to opt out of)."""
    return jit(*args, **kwargs)


# Numba dispatchers (`numba.njit` functions) met by kernels: the jitufunc
# `@jit` function compiled from the same Python function, made once per
# dispatcher (weakly keyed: it goes when the Numba dispatcher goes).
_FROM_NUMBA = None
_NUMBA_OPTIONS = ("fastmath", "boundscheck", "error_model", "nogil")


def _is_numba_dispatcher(obj):
    t = type(obj)
    return t.__module__.startswith("numba") and t.__name__ == "CPUDispatcher" and hasattr(obj, "py_func")


def _from_numba(dispatcher):
    """The jitufunc ``@jit`` function for a Numba ``@njit`` dispatcher: its
    ``py_func`` compiled on our core with the options both understand."""
    global _FROM_NUMBA
    import weakref

    if _FROM_NUMBA is None:
        _FROM_NUMBA = weakref.WeakKeyDictionary()
    found = _FROM_NUMBA.get(dispatcher)
    if found is None:
        options = getattr(dispatcher, "targetoptions", {}) or {}
        kept = {k: options[k] for k in _NUMBA_OPTIONS if options.get(k) is not None}
        found = jit(**kept)(dispatcher.py_func)
        _FROM_NUMBA[dispatcher] = found
    return found
