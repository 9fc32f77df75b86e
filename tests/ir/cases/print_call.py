"""print(...) as a statement: string literals stay in the op (None marks
each value operand), sep= and end= too; values of any number or array
type."""
SIGNATURES = ["(float32[:], int64)"]
JIT = True


def kernel(a, n):
    print("n =", n, a[0], a, sep=", ", end=".\n")
    print()
    return n
