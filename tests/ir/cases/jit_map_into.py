"""An array expression only assigned to a view (`c[:] = a * b + 1`, `out=`
of a ufunc) becomes map_into that view: no temporary array. The element
function converts the map's dtype (float64) to the view's (float32). A
map with fewer axes than the view (`d[:] = a`-like broadcasting) keeps the
temporary and the assignment."""
import numpy as np

SIGNATURES = ["(float32[::1], float64[:], float64[:], float64[:, :])"]
JIT = True


def kernel(c, a, b, d):
    c[:] = a * b + 1
    np.exp(a, out=c)
    d[:] = a * 2.0
    return c
