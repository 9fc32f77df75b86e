"""A @jit function calling itself: the kernel table names itself
(recursion), typing types the call with the return type found on the
path that does not recurse (int64 here), and the call is a call of the
function's own id."""
SIGNATURES = ["(int64,)"]
JIT = True


def kernel(n):
    if n < 2:
        return n
    return kernel(n - 1) + kernel(n - 2)
