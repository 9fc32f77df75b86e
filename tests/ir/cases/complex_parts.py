"""Complex numbers: .real, .imag, complex(), and comparisons on parts."""
SIGNATURES = ["float64(complex128)"]


def kernel(z):
    w = complex(z.imag, z.real)
    return max(w.real, w.imag)
