"""Pickling jitufunc ufuncs (and @jit dispatchers, which use the same pieces).

NumPy pickles a ufunc by name (``module.name``), through an entry in
``copyreg.dispatch_table``. jitufunc wraps that entry
(``decorators._reduce_ufunc``): other ufuncs are pickled exactly as
before; a jitufunc ufunc is pickled (``reduce``)

- by reference when its ``__module__`` and ``__qualname__`` find the very
  same object on import (a decorated function at module level), and
- by value otherwise (``__main__``, notebooks, functions made in a
  function): the Python function copied by ``cloudpickle`` (with the
  globals it reads, as they are when pickled), the source lines the kernel
  was compiled from (so it compiles where no source file exists, e.g. on a
  dask worker, and from the same text even if the file changed since), the
  options, and the signatures compiled so far. Without ``cloudpickle``
  installed such a ufunc pickles by name, which only the same process can
  load.
"""

import collections
import importlib
import _thread


def _lookup(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _importable(ufunc):
    module = getattr(ufunc, "__module__", None)
    qualname = getattr(ufunc, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<locals>" in qualname:
        return False
    try:
        return _lookup(module, qualname) is ufunc
    except Exception:
        return False


# Ufuncs rebuilt in this process, by a digest of what was pickled: a dask
# worker that receives the same ufunc with every task compiles it once.
# Bounded (the least recently used go first); shared by every caller, so a
# rebuilt lazy ufunc's later compiles are seen by all.
_REBUILT = collections.OrderedDict()
_REBUILT_MAX = 16
_REBUILT_LOCK = _thread.allocate_lock()  # (threading: not imported by decorating)


def rebuild(kind, func_bytes, source, options, compiled):
    """Makes the ufunc again from what ``reduce`` saved (once per process)."""
    import hashlib  # here: not on the decoration path (2.4 ms to import)

    digest = hashlib.sha256(
        repr((kind, func_bytes, source, sorted(options.items(), key=str), list(compiled))).encode()
    ).digest()
    with _REBUILT_LOCK:
        ufunc = _REBUILT.get(digest)
        if ufunc is not None:
            _REBUILT.move_to_end(digest)
            return ufunc
    ufunc = _rebuild(kind, func_bytes, source, options, compiled)
    with _REBUILT_LOCK:
        ufunc = _REBUILT.setdefault(digest, ufunc)
        _REBUILT.move_to_end(digest)
        while len(_REBUILT) > _REBUILT_MAX:
            _REBUILT.popitem(last=False)
    return ufunc


def _rebuild(kind, func_bytes, source, options, compiled):
    import pickle

    func = pickle.loads(func_bytes)
    # Compile exactly the source that was pickled (not whatever this
    # process would find under that file name): the frontend reads it from
    # here before asking inspect.
    func.__jitufunc_source__ = tuple(source)
    from jitufunc import decorators

    options = dict(options)
    signatures = options.pop("signatures")
    if kind == "jit":
        dispatcher = decorators.jit(signatures or None, **options)(func)
        # Every specialisation it had: found again, or compiled.
        for sig in compiled:
            dispatcher.compile(_arguments_of(sig))
        return dispatcher
    if kind == "vectorize":
        ufunc = decorators.vectorize(signatures or None, **options)(func)
    else:
        layout = options.pop("layout")
        ufunc = decorators.guvectorize(signatures or None, layout, **options)(func)
    if not signatures:
        for sig in compiled:
            ufunc.compile(sig)
    return ufunc


def _arguments_of(signature):
    """The argument list of a compiled signature, ``(float64[:], int64)``
    of ``(float64, pyint)(float64[:], int64)`` (the return type is
    inferred again)."""
    depth = 0
    for i in range(len(signature) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(signature[i], 0)
        if depth == 0:
            return signature[i:]
    return signature


def reduce(ufunc):
    """What ``pickle`` saves of jitufunc ufunc ``ufunc`` (called through
    ``decorators._reduce_ufunc``, which NumPy's ufunc entry in
    ``copyreg.dispatch_table`` is once a jitufunc ufunc exists)."""
    state = ufunc._jitufunc_
    if _importable(ufunc):
        return ufunc.__qualname__
    try:
        import cloudpickle
    except ImportError:
        return ufunc.__name__
    from jitufunc import _core

    kind, options = state
    func_bytes = cloudpickle.dumps(ufunc.py_func)
    source = _core.library(ufunc).source
    return rebuild, (kind, func_bytes, source, options, list(ufunc.signatures))
