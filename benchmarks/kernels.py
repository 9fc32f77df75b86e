"""Benchmark kernels: plain Python functions.

Each one is compiled twice by ``benchmarks/run.py``: by ``jitufunc.vectorize``
and by ``numba.vectorize`` (target ``cpu``), or for the ``gu_`` kernels by
both ``guvectorize``s, with the same signature strings and layouts.
They live in a real file because jitufunc compiles kernels from their source.

Each kernel has a NumPy reference in ``run.py`` that the compiled ufuncs are
checked against before anything is timed.
"""

import math

import numpy as np


def add(x, y):
    """Streaming kernel: one add per element, so memory bandwidth bounds it."""
    return x + y


def gauss_sin(x):
    """Compute-bound kernel for the parallel rows: exp(-x*x) * sin(x)."""
    return math.exp(-x * x) * math.sin(x)


def gaussian(x):
    """Transcendental kernel: exp(-x*x)."""
    return math.exp(-x * x)


def piecewise(x):
    """Branchy kernel: five regions, each with its own formula."""
    if x < -2.0:
        return math.exp(x + 2.0) - 2.0
    elif x < -0.5:
        return 0.5 * x * x - 1.125
    elif x < 0.5:
        return math.sin(x)
    elif x < 2.0:
        return 1.5 * math.sqrt(x) - 0.5
    else:
        return math.log(x) + 0.9


def int_mix(a, b):
    """Integer kernel: Python floor division and modulo, shifts and bit ops."""
    q = a // b
    r = a % b
    h = (a ^ (a >> 7)) & 0xFFFF
    return (q * 3 + r) ^ (h << 2)


def gu_matmul(a, b, out):
    """Gufunc kernel ``(m,n),(n,p)->(m,p)``: the textbook triple loop."""
    m, n = a.shape
    p = b.shape[1]
    for i in range(m):
        for j in range(p):
            s = 0.0
            for k in range(n):
                s += a[i, k] * b[k, j]
            out[i, j] = s


def gu_matmul_ikj(a, b, out):
    """Gufunc kernel ``(m,n),(n,p)->(m,p)``: the triple loop in i-k-j order,
    accumulating into the output (a kernel that reads its output)."""
    m, n = a.shape
    p = b.shape[1]
    for i in range(m):
        for j in range(p):
            out[i, j] = 0.0
        for k in range(n):
            aik = a[i, k]
            for j in range(p):
                out[i, j] += aik * b[k, j]


def gu_row_norm(x, out):
    """Gufunc kernel ``(n)->()``: the Euclidean norm of a row."""
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    out[0] = math.sqrt(s)


# Source of a fresh kernel for the compile-time benchmark: ``run.py`` writes it
# to a new module file (a new name each time) so every measurement compiles a
# new function object. It is the same body as ``piecewise``.
COMPILE_TEMPLATE = '''\
import math


def {name}(x):
    if x < -2.0:
        return math.exp(x + 2.0) - 2.0
    elif x < -0.5:
        return 0.5 * x * x - 1.125
    elif x < 0.5:
        return math.sin(x)
    elif x < 2.0:
        return 1.5 * math.sqrt(x) - 0.5
    else:
        return math.log(x) + 0.9
'''


# A small fresh kernel for the compile-time benchmark (one transcendental).
#: Statements of the long kernel (LONG_COMPILE_TEMPLATE).
LONG_STATEMENTS = 10_000

#: A kernel of LONG_STATEMENTS statements `y = y * 1.0001 + c`, to show
#: that compile time grows linearly with kernel length.
LONG_COMPILE_TEMPLATE = (
    "def {name}(x):\n    y = x\n"
    + "".join(f"    y = y * 1.0001 + {i % 7}.5\n" for i in range(LONG_STATEMENTS)).replace("{", "{{").replace("}", "}}")
    + "    return y\n"
)


def long_kernel_numpy(x):
    """What LONG_COMPILE_TEMPLATE computes, in NumPy."""
    y = np.array(x, dtype=np.float64)
    for i in range(LONG_STATEMENTS):
        y = y * 1.0001 + (i % 7 + 0.5)
    return y


SIMPLE_COMPILE_TEMPLATE = '''\
import math


def {name}(x):
    return math.exp(-x * x)
'''

# A gufunc kernel, `(n)->()`, for the gufunc compile-time row.
GU_COMPILE_TEMPLATE = '''\
import math


def {name}(x, out):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    out[0] = math.sqrt(s)
'''


# --------------------------------------------------------------------------
# Whole functions (@jit / @njit), the examples Numba's users learn from.
# JIT_TEMPLATE is written to a new module per library ({njit_import} picks
# jitufunc's or Numba's njit, {name} is a fresh suffix), so `mandel` inside
# `create_fractal` is that library's compiled function.

JIT_TEMPLATE = '''\
import numpy as np
{njit_import}


@njit
def add_{name}(a, b):
    return a + b


@njit
def primes_{name}(max=100000):
    numbers = np.ones(max, dtype=np.uint8)
    for i in range(2, max):
        if numbers[i] == 0:
            continue
        else:
            x = i + i
            while x < max:
                numbers[x] = 0
                x += i
    return np.nonzero(numbers)[0][2:]


@njit
def accumulate_{name}(x):
    s = 0
    for i in range(len(x)):
        s += x[i]
    return s


@njit
def matrix_multiply_{name}(A, B):
    m, n = A.shape
    n2, p = B.shape
    if n != n2:
        raise ValueError("Inner matrix dimensions must agree.")
    C = np.zeros((m, p))
    for i in range(m):
        for k in range(n):
            for j in range(p):
                C[i, j] += A[i, k] * B[k, j]
    return C


@njit
def mandel_{name}(x, y, max_iters):
    c = complex(x, y)
    z = 0.0j
    for i in range(max_iters):
        z = z * z + c
        if (z.real * z.real + z.imag * z.imag) >= 4:
            return i
    return 255


@njit
def create_fractal_{name}(min_x, max_x, min_y, max_y, image, iters):
    height = image.shape[0]
    width = image.shape[1]
    pixel_size_x = (max_x - min_x) / width
    pixel_size_y = (max_y - min_y) / height
    for x in range(width):
        real = min_x + x * pixel_size_x
        for y in range(height):
            imag = min_y + y * pixel_size_y
            color = mandel_{name}(real, imag, iters)
            image[y, x] = color
'''


def create_fractal_python(min_x, max_x, min_y, max_y, image, iters):
    """The fractal in plain Python (mandel inlined), for the reference image."""
    height, width = image.shape
    pixel_size_x = (max_x - min_x) / width
    pixel_size_y = (max_y - min_y) / height
    for x in range(width):
        real = min_x + x * pixel_size_x
        for y in range(height):
            imag = min_y + y * pixel_size_y
            c = complex(real, imag)
            z = 0.0j
            color = 255
            for i in range(iters):
                z = z * z + c
                if (z.real * z.real + z.imag * z.imag) >= 4:
                    color = i
                    break
            image[y, x] = color


def _accumulate_python(x):
    s = 0
    for i in range(len(x)):
        s += x[i]
    return s


def _primes_python(max=100000):
    numbers = np.ones(max, dtype=np.uint8)
    for i in range(2, max):
        if numbers[i] == 0:
            continue
        else:
            x = i + i
            while x < max:
                numbers[x] = 0
                x += i
    return np.nonzero(numbers)[0][2:]


#: Plain Python versions of the JIT_TEMPLATE functions, for the notes.
JIT_PY = {"accumulate": _accumulate_python, "primes": _primes_python}


# --------------------------------------------------------------------------
# np.random inside @njit: each library compiles these plain functions
# (its own generator; they are never run as Python in the benchmark).


def monte_carlo_pi(n):
    c = 0
    for i in range(n):
        x = np.random.random()
        y = np.random.random()
        if x * x + y * y < 1.0:
            c += 1
    return 4.0 * c / n


def normal_array_mean(n):
    a = np.random.normal(0.0, 1.0, n)
    return a.mean()



def escape(cr, ci):
    """Escape time of c = cr + i*ci under z -> z*z + c, up to 100 iterations
    (the heart of every Mandelbrot example): a loop that stops as soon as
    |z| > 2, after a number of iterations that depends on the point."""
    zr = 0.0
    zi = 0.0
    for i in range(100):
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            return i
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
    return 100
