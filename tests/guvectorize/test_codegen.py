"""What gufunc loops compile to: the kernel version for unit strides
vectorizes a loop over a row (SIMD for the host's vector width), and with
fastmath also a reduction."""

import re

import pytest

from conftest import make_function
from jitufunc import _core

_, CPU, FEATURES = _core.host_cpu()
HAS_AVX512 = "+avx512f" in FEATURES.split(",")
HAS_AVX2 = "+avx2" in FEATURES.split(",")
VECTOR_REGISTER = "zmm" if HAS_AVX512 else "ymm"
needs_avx2 = pytest.mark.skipif(not HAS_AVX2, reason=f"host CPU {CPU} has no AVX2")


def asm_of(source, signatures, layout, fastmath=False):
    f = make_function(source)
    u = _core.guvectorize_ufunc(f, signatures, layout, fastmath=fastmath, keep_ir=True)
    return _core.library(u).asm


def packed(asm, ops):
    return re.findall(rf"\bv(?:{ops})pd\s+[^\n]*%{VECTOR_REGISTER}", asm)


@needs_avx2
def test_a_loop_over_a_row_is_simd_code():
    asm = asm_of("""
def axpy(x, a, y, out):
    for i in range(x.shape[0]):
        out[i] = a * x[i] + y[i]
""", ["void(float64[:], float64, float64[:], float64[:])"], "(n),(),(n)->(n)")
    assert packed(asm, "mul|add|fmadd\\w*"), f"no packed {VECTOR_REGISTER} arithmetic in:\n{asm[:3000]}"


ROW_SUM = """
def row_sum(x, out):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    out[0] = s
"""


@needs_avx2
def test_a_reduction_is_simd_code_only_with_fastmath():
    # Strict IEEE fixes the order of the additions: no packed adds (the
    # lanes of a jammed kernel add several rows side by side instead).
    strict = asm_of(ROW_SUM, ["void(float64[:], float64[:])"], "(n)->()")
    assert not packed(strict, "add")
    fast = asm_of(ROW_SUM, ["void(float64[:], float64[:])"], "(n)->()", fastmath=True)
    assert packed(fast, "add"), f"no packed {VECTOR_REGISTER} adds with fastmath in:\n{fast[:3000]}"
