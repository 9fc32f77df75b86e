"""Type stub of ``jitufunc`` (checked against it by tests/test_public_stub.py)."""

from jitufunc import errors as errors
from jitufunc._prange import prange as prange
from jitufunc.decorators import guvectorize as guvectorize
from jitufunc.decorators import jit as jit
from jitufunc.decorators import njit as njit
from jitufunc.decorators import vectorize as vectorize
from jitufunc.evaluate import evaluate as evaluate
from jitufunc.evaluate import re_evaluate as re_evaluate
from jitufunc.evaluate import validate as validate
from jitufunc.types import (
    b1 as b1,
    bool_ as bool_,
    boolean as boolean,
    c8 as c8,
    c16 as c16,
    complex64 as complex64,
    complex128 as complex128,
    f2 as f2,
    f4 as f4,
    f8 as f8,
    float16 as float16,
    float32 as float32,
    float64 as float64,
    i1 as i1,
    i2 as i2,
    i4 as i4,
    i8 as i8,
    int8 as int8,
    int16 as int16,
    int32 as int32,
    int64 as int64,
    intp as intp,
    u1 as u1,
    u2 as u2,
    u4 as u4,
    u8 as u8,
    uint8 as uint8,
    uint16 as uint16,
    uint32 as uint32,
    uint64 as uint64,
    void as void,
)

__version__: str

__all__ = [
    "vectorize", "guvectorize", "jit", "njit", "prange", "errors", "evaluate", "re_evaluate", "validate",
    "boolean", "bool_", "int8", "uint8", "int16", "uint16", "int32", "uint32",
    "int64", "uint64", "intp", "float16", "float32", "float64", "complex64",
    "complex128", "void", "f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2",
    "u4", "u8", "c8", "c16", "b1",
]
