"""The random generator's primitives that np.random.* is written with
(jitufunc._numpy_random): random.seed takes an int64 and has no result;
random.double and random.normal give Python floats; random.integer(lo,
hi), random.poisson(lam) and random.binomial(n, p) give Python ints, their
operands converted to int64 and float64 (a float where an int is taken is
a typing error: the second signature)."""
from jitufunc._intrinsics import (
    random_binomial,
    random_double,
    random_integer,
    random_normal,
    random_poisson,
    random_seed,
)

SIGNATURES = ["(int64, float64)", "(float64, float64)"]
JIT = True


def kernel(n, x):
    random_seed(n)
    u = random_double() * x
    z = random_normal()
    k = random_integer(0, n) + random_poisson(x) + random_binomial(n, 0.5)
    return u + z + k
