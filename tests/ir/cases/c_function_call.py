"""A ctypes function with declared argtypes/restype: its arguments
converted to the C types (an int32 for `ldexp`'s exponent), the call, and
its result a Python number (weak) as ctypes returns it."""
import ctypes
import ctypes.util

_m = ctypes.CDLL(ctypes.util.find_library("m"))
ldexp = _m.ldexp
ldexp.argtypes = (ctypes.c_double, ctypes.c_int)
ldexp.restype = ctypes.c_double

SIGNATURES = ["float32(float32, int64)"]


def kernel(x, n):
    return ldexp(x, n) * x
