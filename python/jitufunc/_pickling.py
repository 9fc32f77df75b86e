"""Pickling jitufunc ufuncs.

NumPy pickles a ufunc by name (``module.name``), through an entry in
``copyreg.dispatch_table``. jitufunc wraps that entry: other ufuncs are
pickled exactly as before; a jitufunc ufunc is pickled

- by reference when its ``__module__`` and ``__qualname__`` find the very
  same object on import (a decorated function at module level), and
- by value otherwise (``__main__``, notebooks, functions made in a
  function): the Python function copied by ``cloudpickle`` (with the
  globals it reads), the text of the file it came from (so the kernel can
  be compiled where no source file exists, e.g. on a dask worker), the
  options, and the signatures compiled so far. Without ``cloudpickle``
  installed such a ufunc pickles by name, which only the same process can
  load.
"""

import copyreg
import importlib
import linecache

import numpy as np


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


def _source_lines(func):
    filename = func.__code__.co_filename
    return filename, linecache.getlines(filename, getattr(func, "__globals__", None))


def rebuild(kind, func_bytes, filename, lines, options, compiled):
    """Makes the ufunc again from what ``_reduce`` saved."""
    import pickle

    func = pickle.loads(func_bytes)
    if lines:
        # Compile the source that was pickled, not whatever this process
        # would find under that file name (inspect falls back to the
        # __main__ module's loader, i.e. another script): inspect reads
        # linecache first.
        try:
            with open(filename, encoding="utf-8") as f:
                on_disk = f.readlines()
        except (OSError, UnicodeDecodeError):
            on_disk = None
        if on_disk != list(lines):
            linecache.cache[filename] = (sum(map(len, lines)), None, list(lines), filename)
    from jitufunc import decorators

    options = dict(options)
    signatures = options.pop("signatures")
    if kind == "vectorize":
        ufunc = decorators.vectorize(signatures or None, **options)(func)
    else:
        layout = options.pop("layout")
        ufunc = decorators.guvectorize(signatures or None, layout, **options)(func)
    if not signatures:
        for sig in compiled:
            ufunc.compile(sig)
    return ufunc


def _reduce(ufunc):
    state = getattr(ufunc, "_jitufunc_", None)
    if state is None:
        return _numpy_reduce(ufunc)
    if _importable(ufunc):
        return ufunc.__qualname__
    try:
        import cloudpickle
    except ImportError:
        return ufunc.__name__
    kind, options = state
    func = ufunc.py_func
    filename, lines = _source_lines(func)
    func_bytes = cloudpickle.dumps(func)
    return rebuild, (kind, func_bytes, filename, lines, options, list(ufunc.signatures))


_numpy_reduce = copyreg.dispatch_table.get(np.ufunc, lambda u: u.__name__)


def install():
    """Puts ``_reduce`` in front of NumPy's ufunc reducer (once)."""
    if copyreg.dispatch_table.get(np.ufunc) is not _reduce:
        copyreg.pickle(np.ufunc, _reduce)
