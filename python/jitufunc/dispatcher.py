"""The object ``@jit`` returns: a callable that compiles a specialisation of
the function for each new combination of argument types (or uses the
signatures it was given) and calls it natively.

Type dispatch, compiling and calling happen in ``jitufunc._core.Dispatcher``
(Rust); this subclass adds what Python code expects of a function
(``__name__``, ``__doc__``, ``__wrapped__``, ...) and Numba's introspection
methods.
"""

import functools

from jitufunc import _core


class Dispatcher(_core.Dispatcher):
    """A Python function compiled by ``@jit``; call it like the function."""

    def __init__(self, func, signatures, **options):
        functools.update_wrapper(self, func)
        self.py_func = func
        self._given = list(signatures)
        self._options = dict(options)

    @property
    def signatures(self):
        """The signatures compiled so far (argument and return types)."""
        return list(_core.Dispatcher.signatures(self))

    def compile(self, signature):
        """Compiles ``signature`` (e.g. ``"float64(float64[:])"``) now;
        returns it with the return type filled in."""
        return self.add_signature(str(signature))

    def _inspect(self, kind, signature):
        found = dict(self.inspect(kind))
        if signature is None:
            return found
        signature = str(signature)
        for sig, text in found.items():
            if sig == signature or sig.split("(", 1)[-1] == signature.split("(", 1)[-1]:
                return text
        raise KeyError(f"{self.__name__} has no compiled signature {signature!r}; it has {list(found)}")

    def inspect_types(self, signature=None):
        """The typed IR of each specialisation (dict by signature), or of one."""
        return self._inspect("types", signature)

    def inspect_llvm(self, signature=None):
        """The optimised LLVM IR of each specialisation, or of one."""
        return self._inspect("llvm", signature)

    def inspect_asm(self, signature=None):
        """The assembly of each specialisation, or of one."""
        return self._inspect("asm", signature)

    def __reduce__(self):
        # As ufuncs pickle (jitufunc._pickling): by reference when the
        # module finds this very object, else by value (the function with
        # cloudpickle, the source it compiles from, the options and the
        # signatures compiled so far).
        from jitufunc import _pickling

        if _pickling._importable(self):
            return _pickling._lookup, (self.__module__, self.__qualname__)
        try:
            import cloudpickle
        except ImportError:
            return _pickling._lookup, (self.__module__, self.__qualname__)
        func_bytes = cloudpickle.dumps(self.py_func)
        options = dict(self._options, signatures=self._given)
        return _pickling.rebuild, ("jit", func_bytes, self.source(), options, self.signatures)

    def __repr__(self):
        return f"<jitufunc.Dispatcher {self.__qualname__}>"

    def __get__(self, obj, objtype=None):
        # Like a plain function: bound when looked up on an instance.
        if obj is None:
            return self
        return functools.partial(self, obj)
