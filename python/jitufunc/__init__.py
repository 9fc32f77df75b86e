"""jitufunc: Python kernels compiled through LLVM into real NumPy ufuncs.

>>> import numpy as np
>>> from jitufunc import vectorize
>>> @vectorize(["float64(float64, float64)"])
... def hypot2(x, y):
...     return x * x + y * y
>>> isinstance(hypot2, np.ufunc)
True
"""

from jitufunc import errors
from jitufunc._prange import prange
from jitufunc.decorators import guvectorize, jit, njit, vectorize
from jitufunc.evaluate import evaluate, re_evaluate, validate

__version__ = "0.1.0"

# The type objects of ``jitufunc.types``, imported on first use (PEP 562),
# not by ``import jitufunc`` (about 0.4 ms of it). (Not ``evaluate``: the
# function has the name of its module, which importing the module would
# bind here instead.)
_LAZY_TYPES = (
    "b1", "bool_", "boolean", "c8", "c16", "complex64", "complex128", "f2", "f4", "f8", "float16",
    "float32", "float64", "i1", "i2", "i4", "i8", "int8", "int16", "int32", "int64", "intp", "u1", "u2",
    "u4", "u8", "uint8", "uint16", "uint32", "uint64", "void",
)


def __getattr__(name):
    if name not in _LAZY_TYPES:
        raise AttributeError(f"module 'jitufunc' has no attribute {name!r}")
    from jitufunc import types

    value = getattr(types, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_TYPES))

__all__ = [
    "vectorize", "guvectorize", "jit", "njit", "prange", "errors", "evaluate", "re_evaluate", "validate",
    "boolean", "bool_", "int8", "uint8", "int16", "uint16", "int32", "uint32",
    "int64", "uint64", "intp", "float16", "float32", "float64", "complex64",
    "complex128", "void", "f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2",
    "u4", "u8", "c8", "c16", "b1",
]
