"""``fastmath``: LLVM fast-math flags, off (strict IEEE) by default.

The reduction kernel below is the case that matters: a strict loop must add
the elements of each row in order (so it cannot use packed vector adds and
its result is bit-identical to a sequential Python sum), while
``fastmath={"reassoc"}`` allows LLVM to split the sum over vector lanes.
"""

import re

import numpy as np
import pytest

from jitufunc import guvectorize, vectorize
from jitufunc.errors import OptionError
from conftest import make_function

FLAGS = ["nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc"]

ROWSUM = """
def s(x, out):
    acc = 0.0
    for v in x:
        acc += v
    out[0] = acc
"""
ROWSUM_SIG = ["void(float64[:], float64[:])"]

#: An FP instruction or call carrying fast-math flags; the group is the flags.
FLAGGED = re.compile(r"= (?:fadd|fsub|fmul|fdiv|frem|fneg|fcmp|call)((?: (?:fast|reassoc|nnan|ninf|nsz|arcp|contract|afn))+) ")
PACKED_ADD = re.compile(r"\bvaddpd\s+[^\n]*%?[yz]mm", re.IGNORECASE)


def sequential_sums(x):
    """Each row summed left to right in float64 with Python's ``+`` on NumPy
    scalars (``math.fsum`` is exactly rounded, not sequential)."""
    out = np.empty(x.shape[0])
    for i, row in enumerate(x):
        acc = np.float64(0.0)
        for v in row:
            acc = acc + v
        out[i] = acc
    return out


@pytest.fixture(scope="module")
def rowsums():
    f = make_function(ROWSUM)
    strict = guvectorize(ROWSUM_SIG, "(n)->()")(f)
    fast = guvectorize(ROWSUM_SIG, "(n)->()", fastmath={"reassoc"})(f)
    return strict, fast


def _data(rng, shape):
    # Positive values over six decades: the rounding of every addition
    # depends on the order, and no cancellation spoils the relative error.
    return rng.uniform(0, 1, shape) * 10.0 ** rng.uniform(-3, 3, shape)


def test_reassoc_vectorizes_the_reduction_and_strict_does_not(rowsums):
    strict, fast = rowsums
    strict_asm = "\n".join(strict.inspect_asm().values())
    fast_asm = "\n".join(fast.inspect_asm().values())
    assert strict_asm and fast_asm
    assert PACKED_ADD.search(fast_asm), "fastmath={'reassoc'}: no packed vaddpd on ymm/zmm"
    assert not PACKED_ADD.search(strict_asm), PACKED_ADD.search(strict_asm).group(0)
    assert re.search(r"\bvaddsd\b", strict_asm)        # the scalar, in-order adds


def test_reassoc_flag_is_on_fadd_and_strict_has_no_flags(rowsums):
    strict, fast = rowsums
    strict_ir = "\n".join(strict.inspect_llvm().values())
    fast_ir = "\n".join(fast.inspect_llvm().values())
    fadds = re.findall(r"= fadd((?: [a-z]+)*) (?:double|<)", fast_ir)
    assert fadds and all(flags.split() == ["reassoc"] for flags in fadds), sorted(set(fadds))
    assert re.search(r"= fadd double ", strict_ir)
    # (Block labels such as "outer.fast.body" name the loop's fast path; only
    # flags on instructions count.)
    assert FLAGGED.findall(strict_ir) == []
    assert FLAGGED.findall(fast_ir) and {f.strip() for f in FLAGGED.findall(fast_ir)} == {"reassoc"}


@pytest.mark.parametrize("n", [1, 3, 7, 8, 64, 1000, 1003])
def test_strict_sum_is_sequential_and_reassoc_is_close(rowsums, n, rng):
    strict, fast = rowsums
    x = _data(rng, (300, n))
    expected = sequential_sums(x)
    got_strict = strict(x)
    np.testing.assert_array_equal(got_strict, expected, strict=True)
    np.testing.assert_allclose(fast(x), expected, rtol=1e-12)
    # Non-contiguous rows too.
    xs = _data(rng, (2 * 300, 2 * n))[::2, ::2]
    np.testing.assert_array_equal(strict(xs), sequential_sums(xs), strict=True)
    np.testing.assert_allclose(fast(xs), sequential_sums(xs), rtol=1e-12)


def test_the_data_is_order_sensitive(rng):
    """Sanity check of the test data: a different order of additions
    (NumPy's pairwise sum) gives different bits for some rows, so the
    bit-identity above really checks the order."""
    x = _data(rng, (300, 1000))
    assert (sequential_sums(x) != np.add.reduce(x, axis=1)).any()


def test_fastmath_true_sets_all_flags():
    f = make_function("""
        def k(x, y):
            return x * y + x / y
    """)
    u = vectorize(["float64(float64, float64)"], fastmath=True)(f)
    ir = "\n".join(u.inspect_llvm().values())
    assert re.search(r"= f(add|mul|div) fast ", ir)
    x = np.linspace(0.5, 4, 1001)
    y = np.linspace(1, 2, 1001)
    np.testing.assert_allclose(u(x, y), x * y + x / y, rtol=1e-14)


@pytest.mark.parametrize("flag", FLAGS)
def test_each_flag_reaches_the_llvm_ir(flag):
    f = make_function("""
        def k(x, y):
            return x * y + x / y - math.sqrt(x)
    """)
    u = vectorize(["float64(float64, float64)"], fastmath={flag})(f)
    ir = "\n".join(u.inspect_llvm().values())
    instructions = re.findall(r"= (fadd|fmul|fdiv|fsub)((?: \w+)*) (?:double|<)", ir)
    assert instructions
    for op, flags in instructions:
        assert flags.split() == [flag], (op, flags)
    strict = vectorize(["float64(float64, float64)"])(f)
    x = np.linspace(0.5, 4, 1001)
    y = np.linspace(1, 2, 1001)
    np.testing.assert_allclose(u(x, y), strict(x, y), rtol=1e-14)


def test_a_set_of_flags_and_lazy_ufuncs():
    f = make_function("""
        def k(x, y):
            return x * y - y
    """)
    u = vectorize(fastmath={"reassoc", "nsz"})(f)
    x = np.linspace(-2, 2, 33)
    np.testing.assert_allclose(u(x, x), x * x - x, rtol=1e-15, atol=1e-15)
    ir = "\n".join(u.inspect_llvm().values())
    assert re.search(r"= f(mul|sub) reassoc nsz ", ir)


@pytest.mark.parametrize("bad", [{"bogus"}, {"reassoc", "fastest"}, {"REASSOC"}, "reassoc", "fast", 1, {1}],
                         ids=repr)
def test_bad_fastmath_values_raise_option_error(bad):
    f = make_function(ROWSUM)
    with pytest.raises(OptionError, match="fastmath|flag"):
        guvectorize(ROWSUM_SIG, "(n)->()", fastmath=bad)(f)
    g = make_function("""
        def k(x):
            return x + 1.0
    """)
    with pytest.raises(OptionError, match="fastmath|flag"):
        vectorize(["float64(float64)"], fastmath=bad)(g)


def test_unknown_flag_error_names_it():
    g = make_function("""
        def k(x):
            return x + 1.0
    """)
    with pytest.raises(OptionError, match="bogus"):
        vectorize(["float64(float64)"], fastmath={"bogus"})(g)
