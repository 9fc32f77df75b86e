"""A @guvectorize gufunc called on arrays inside @jit: an int32 matrix is
cast to the selected float64 loop's dtype (a copy), then one `gufunc`
operation runs the kernel (typed for the plan: read-only views of the
inputs, a writable view of the output) over the loop dimensions; the 0-d
result of a (n),(n)->() call with no loop dimensions is loaded as a
number, as NumPy returns a scalar."""
from jitufunc import guvectorize

SIGNATURES = ["(int32[:, :], float64[::1])"]
JIT = True


@guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->()")
def dot(a, b, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s


def kernel(a, b):
    return dot(a, b), dot(b, b)
