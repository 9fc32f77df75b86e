"""Array operations in a gufunc kernel: shape, len, element loads, a row
view, and an element store."""
SIGNATURES = ["void(float64[:, :], float64[:])"]
LAYOUT = "(m,n)->(m)"


def kernel(a, out):
    m, n = a.shape
    for i in range(len(out)):
        row = a[i]
        s = 0.0
        for j in range(n):
            s += row[j] * a[i, j]
        out[i] = s
