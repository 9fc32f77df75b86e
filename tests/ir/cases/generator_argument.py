"""A `numpy.random.Generator` argument (type `Generator`, passed as its bit
generator's `bitgen_t` pointer): `g.random()` is jitufunc's Python
implementation (`_generator_methods.random`, a call), whose draw is
`random.bitgen_double`, a call through the bit generator's own
`next_double`; `g.integers(0, 10)` draws with `random.bitgen_uint64`
(its `next_uint64`) in masked rejection."""

import numpy as np

JIT = True
SIGNATURES = ["(Generator, int64)"]


def kernel(g, n):
    s = 0.0
    for i in range(n):
        s += g.random()
    return s, g.integers(0, 10)
