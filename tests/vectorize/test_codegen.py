"""What the generated machine code looks like: the contiguous path is SIMD
code for the host's vector width, transcendental calls go to libmvec's
vector functions, and the code lives exactly as long as its ufunc."""

import gc
import math
import re
import weakref

import numpy as np
import pytest

from jitufunc import _core, vectorize
from conftest import make_function

_, CPU, FEATURES = _core.host_cpu()
HAS_AVX512 = "+avx512f" in FEATURES.split(",")
HAS_AVX2 = "+avx2" in FEATURES.split(",")
VECTOR_REGISTER = "zmm" if HAS_AVX512 else "ymm"
needs_avx2 = pytest.mark.skipif(not HAS_AVX2, reason=f"host CPU {CPU} has no AVX2")


def compiled(src, sigs):
    f = make_function(src)
    u = _core.vectorize_ufunc(f, sigs, keep_ir=True)
    return u, _core.library(u)


@needs_avx2
@pytest.mark.parametrize("sig,op", [("float64(float64, float64)", "pd"), ("float32(float32, float32)", "ps")])
def test_contiguous_path_uses_full_width_vector_instructions(sig, op):
    _, lib = compiled("def k(x, y):\n    return x * y + 1.0\n", [sig])
    vector_ops = re.findall(rf"\bv(?:mul|add|fmadd\w*){op}\s+[^\n]*%{VECTOR_REGISTER}", lib.asm)
    assert vector_ops, f"no packed {VECTOR_REGISTER} arithmetic in:\n{lib.asm[:3000]}"


@needs_avx2
@pytest.mark.parametrize("expr,sig,double_name,single_name", [
    # math.exp computes in double precision even for float32 input (it
    # returns a Python float), so both loops call the double variant.
    ("math.exp(-x * x)", "float32(float32)", "exp", None),
    ("math.exp(-x * x)", "float64(float64)", "exp", None),
    # np.exp keeps float32 in float32.
    ("np.exp(-x * x)", "float32(float32)", None, "expf"),
])
def test_transcendental_calls_use_libmvec_vector_variants(expr, sig, double_name, single_name):
    _, lib = compiled(f"def k(x):\n    return {expr}\n", [sig])
    if double_name:
        name = f"_ZGVeN8v_{double_name}" if HAS_AVX512 else f"_ZGVdN4v_{double_name}"
    else:
        name = f"_ZGVeN16v_{single_name}" if HAS_AVX512 else f"_ZGVdN8v_{single_name}"
    assert name in lib.asm, f"{name} not called"


@needs_avx2
def test_branches_call_masked_variants_not_scalar_libm_per_lane():
    _, lib = compiled(
        "def k(x):\n"
        "    if x > 1.0:\n"
        "        return math.log(x)\n"
        "    return math.sin(x)\n",
        ["float64(float64)"],
    )
    vector_calls = re.findall(r"call\w*\s+_ZGV\w+_(?:log|sin)\b", lib.asm)
    assert len(vector_calls) >= 2, lib.asm[:3000]


def test_code_lives_exactly_as_long_as_the_ufunc():
    f = make_function("def k(x):\n    return x + 1.0\n")
    u = vectorize(["float64(float64)"])(f)
    library = weakref.ref(_core.library(u))
    assert library() is not None
    x = np.arange(4.0)
    np.testing.assert_array_equal(u(x), x + 1)
    del u
    gc.collect()
    assert library() is None, "the compiled code outlived its ufunc"


def test_library_knows_its_signatures():
    u, lib = compiled("def k(x, y):\n    return x - y\n", ["f8(f8, f8)", "f4(f4, f4)"])
    assert lib.signatures == ["float32(float32, float32)", "float64(float64, float64)"]
    assert u.types == ["ff->f", "dd->d"]
