"""`a, b = v`: of an array, a run-time length check along the first axis
then the elements (1-d); of a tuple, checked when typing."""
JIT = True
SIGNATURES = ["(float64[:],)", "(float64[:, :],)"]


def kernel(q):
    w, x = q
    t = (1, 2.5)
    a, b = t
    return w * a + x * b
