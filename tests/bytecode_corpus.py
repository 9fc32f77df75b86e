"""Kernels for ``test_bytecode_frontend.py``: each is compiled from its
source and from its bytecode, and the two IR texts must be equal.

An entry is ``(name, source, kind, signatures, layout)``: ``kind`` is
``"vectorize"``, ``"guvectorize"`` (with ``layout``) or ``"jit"``; the
function defined last in ``source`` is the kernel (names it calls are
defined before it, as globals)."""

CORPUS = [
    # --- straight-line code, expressions --------------------------------
    ("arith", """
def k(x, y):
    return (x + y) * (x - y) / 2.0 - x ** 2 // 3 % 5
""", "vectorize", ["float64(float64, float64)", "float64(int64, int64)"], None),
    ("unary_bits", """
def k(x, y):
    return ~x & y | (x ^ -y) << 1 >> 2
""", "vectorize", ["int32(int32, int32)"], None),
    ("weak_literals", """
def k(x):
    a = 2.5 * x
    b = -128 + x
    return a - b + 1e300 - 0.0 - -0.0
""", "vectorize", ["float32(float32)", "float64(int8)"], None),
    ("math_calls", """
def k(x):
    return math.exp(-x * x) + math.sin(x) * np.cos(x) - np.sqrt(abs(x)) + max(x, 0.5, 2)
""", "vectorize", ["float64(float64)", "float32(float32)"], None),
    ("dtype_calls", """
def k(x):
    return np.float32(x) + np.int64(3) * x + float(x) + complex(x, 1.0).real
""", "vectorize", ["float64(float64)"], None),
    ("complex_attrs", """
def k(z):
    return z.real * z.imag + abs(z) + z.conjugate().imag + cmath.phase(z)
""", "vectorize", ["float64(complex128)"], None),
    ("keyword_call", """
def k(x, y):
    return np.round(x, decimals=2) + np.clip(y, a_min=0.0, a_max=1.0) + round(x, 1)
""", "jit", ["(float64, float64)"], None),
    ("bool_ops", """
def k(x, y):
    a = x > 0 and y > 0
    b = x > 0 or y < 0 or x == y
    c = not (x > y)
    d = x and y
    e = x or y
    return a + b + c + (d or e) * 1
""", "vectorize", ["int64(int64, int64)", "float64(float64, float64)"], None),
    ("mixed_bool_ops", """
def k(x, y, z):
    return (x > 0 and y > 0) or z > 0, x > 0 or (y > 0 and z > 0)
""", "jit", ["(float64, float64, float64)"], None),
    ("ternary", """
def k(x, y):
    a = x if x > y else y
    b = (x - y) if a > 0 else (y - x) * 2
    return a + b + (1.0 if x == 0 else 2.0)
""", "vectorize", ["float64(float64, float64)"], None),
    ("ternary_return", """
def k(x):
    return x if x > 0 else -x
""", "vectorize", ["float64(float64)", "int16(int16)"], None),
    ("ternary_nested", """
def k(x, y):
    return 1 if x > 0 else (2 if y > 0 else 3)
""", "vectorize", ["int64(float64, float64)"], None),
    ("chained_compare", """
def k(x, y, z):
    a = x < y < z
    b = x <= y == z != 1.0
    if 0 < x <= 1 < z:
        return a + b
    if x < y > z or y < z < x:
        return 2.0
    return -1.0
""", "vectorize", ["float64(float64, float64, float64)"], None),
    ("is_none", """
def k(a, out=None):
    if out is None:
        out = np.zeros(a.shape[0])
    if out is not None:
        out[0] = 1.0
    return out
""", "jit", ["(float64[:], float64[:])"], None),
    # --- if / elif / else ----------------------------------------------------
    ("if_elif_else", """
def k(x):
    if x < 0.0:
        y = -x
    elif x < 1.0:
        y = x * x
    elif x < 2.0:
        y = x
    else:
        y = 1.0
    return y
""", "vectorize", ["float64(float64)"], None),
    ("if_no_else", """
def k(x):
    y = x
    if x > 1:
        y = y * 2
    if x > 2:
        y = y * 3
        y += 1
    return y
""", "vectorize", ["float64(float64)"], None),
    ("early_returns", """
def k(x, y):
    if x < 0:
        return 0.0
    if y < 0:
        if x > 10:
            return 1.0
        return 2.0
    z = x + y
    if z > 100:
        return z
    return z / 2
""", "vectorize", ["float64(float64, float64)"], None),
    ("compound_conditions", """
def k(x, y, z):
    r = 0
    if x > 0 and y > 0:
        r += 1
    if x > 0 or y > 0:
        r += 2
    if not (x > 0 and y > 0):
        r += 4
    if x > 0 and (y > 0 or z > 0):
        r += 8
    if (x > 0 or y > 0) and z > 0:
        r += 16
    if x > 0 and not y > 0:
        r += 32
    if not x > 0 or y > 0:
        r += 64
    return r
""", "vectorize", ["int64(float64, float64, float64)"], None),
    ("condition_on_value", """
def k(x, y):
    if x:
        return 1
    if not y:
        return 2
    if (x if y > 0 else y) > 0:
        return 3
    return 4
""", "vectorize", ["int64(int64, int64)"], None),
    ("raise_assert", """
def k(x):
    if x < 0:
        raise ValueError("negative")
    assert x < 100, "too large"
    assert x != 50
    return x + 1
""", "vectorize", ["float64(float64)"], None),
    # --- loops ------------------------------------------------------------------
    ("for_range", """
def k(n):
    s = 0
    for i in range(n):
        s += i
    for i in range(2, n, 3):
        s -= i
    return s
""", "vectorize", ["int64(int64)"], None),
    ("for_break_continue_else", """
def k(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        if s > 10:
            break
        s += x * i
    else:
        s = -s
    return s
""", "vectorize", ["float64(float64, int64)"], None),
    ("for_return_inside", """
def k(x, n):
    for i in range(n):
        if i * x > 5:
            return i * 1.0
        if i > 20:
            return x
    return -1.0
""", "vectorize", ["float64(float64, int64)"], None),
    ("nested_loops", """
def k(n):
    s = 0
    for i in range(n):
        for j in range(i):
            if j == 3:
                break
            if (i + j) % 3 == 0:
                continue
            s += i * j
        else:
            s += 1
        s -= 1
    return s
""", "vectorize", ["int64(int64)"], None),
    ("while_loop", """
def k(n):
    steps = 0
    while n != 1:
        if steps > 1000:
            break
        steps += 1
        if n % 2 == 0:
            n = n // 2
            continue
        n = 3 * n + 1
    return steps
""", "vectorize", ["int64(int64)"], None),
    ("while_else", """
def k(x):
    i = 0
    while i < 10 and x > 0:
        x -= 1.5
        i += 1
        if x == 2:
            break
    else:
        x = 0.0
    return x * 2.0 + i
""", "vectorize", ["float64(float64)"], None),
    # (What follows the loop is more than CPython copies into a `break`.)
    ("while_true", """
def k(x):
    n = 0
    while True:
        x = x / 2
        n += 1
        if x < 1:
            break
    return n * 2 + 1
""", "vectorize", ["int64(float64)"], None),
    ("while_true_return", """
def k(x):
    n = 0
    while True:
        n += 1
        if x * n > 100:
            return n
""", "vectorize", ["int64(float64)"], None),
    ("while_not", """
def k(x):
    while not x > 10:
        x = x * 2 + 1
    return x
""", "vectorize", ["float64(float64)"], None),
    ("loop_at_end_of_if", """
def k(x, n):
    s = 0.0
    if x > 0:
        for i in range(n):
            s += x
    else:
        while s < 10:
            s += 1
    return s
""", "vectorize", ["float64(float64, int64)"], None),
    ("if_at_loop_end", """
def k(n):
    s = 0
    for i in range(n):
        if i % 3 == 0:
            s += i
    for i in range(n):
        if i % 3 == 0:
            s += 1
        else:
            s -= 1
    return s
""", "vectorize", ["int64(int64)"], None),
    # --- assignments ------------------------------------------------------------
    ("tuples", """
def k(x, y):
    a, b = x, y
    a, b = b, a
    c, d, e = a, b, a + b
    c, d, e = e, c, d
    f = g = c * 2
    (h, i), j = (a, b), c
    p, q = divmod(x, 3.0)
    return a - b + c * d + e + f + g + h + i + j + p + q
""", "vectorize", ["float64(float64, float64)"], None),
    ("augmented", """
def k(x, y):
    s = x
    s += y
    s -= 1
    s *= 2
    s /= 3
    s //= 1
    s **= 2
    s %= 7
    return s
""", "vectorize", ["float64(float64, float64)"], None),
    # --- gufunc kernels with arrays ---------------------------------------------
    ("gufunc_sum", """
def k(a, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    out[0] = s
""", "guvectorize", ["void(float64[:], float64[:])"], "(n)->()"),
    ("gufunc_matmul", """
def k(a, b, out):
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = 0.0
            for p in range(a.shape[1]):
                acc += a[i, p] * b[p, j]
            out[i, j] = acc
""", "guvectorize", ["void(float64[:,:], float64[:,:], float64[:,:])"], "(m,n),(n,p)->(m,p)"),
    ("gufunc_slices", """
def k(a, out):
    out[:] = 0.0
    out[1:3] = a[0:2] * 2.0
    out[::2] += a[::2]
    out[0] += a[-1]
    b = a[1:]
    out[-1] = b[0] + a[:1][0]
""", "guvectorize", ["void(float64[:], float64[:])"], "(n)->(n)"),
    ("gufunc_early_exit", """
def k(a, x, out):
    out[0] = -1
    for i in range(a.shape[0]):
        if a[i] == x:
            out[0] = i
            return
""", "guvectorize", ["void(float64[:], float64, int64[:])"], "(n),()->()"),
    # --- @jit functions with arrays ------------------------------------------------
    ("jit_arrays", """
def k(a, b):
    n = a.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = a[i] * b[i] + 1.0
    out[0] += 1
    t = out[1:4] * 2
    return out.sum() + t.max() + np.mean(a) + a[n - 1]
""", "jit", ["(float64[:], float64[:])"], None),
    ("jit_2d", """
def k(a):
    m, n = a.shape
    total = 0.0
    for i in range(m):
        row = a[i]
        for j in range(n):
            if row[j] > 0:
                total += row[j]
            elif row[j] < -1:
                total -= 1
    return total, a[0, :].sum(), a[:, 0].copy()
""", "jit", ["(float64[:,:],)"], None),
    ("jit_allocation", """
def k(n):
    a = np.zeros((n, 3), dtype=np.float32)
    b = np.ones(n, dtype="int64")
    c = np.arange(n)
    d = np.empty_like(c)
    a[:, 0] = b
    d[:] = c * 2
    return a, d, np.array([1.0, 2.0, 3.0]), np.array([[1, 2], [3, 4]])
""", "jit", ["(int64,)"], None),
    ("jit_iteration", """
def k(a):
    s = 0.0
    for x in a:
        s += x
    for i, x in enumerate(a):
        s += i * x
    for x, y in zip(a, a[1:]):
        s -= x * y
    return s
""", "jit", ["(float64[:],)"], None),
    ("jit_print", """
def k(x):
    print("value", x, sep=": ", end="\\n")
    print(x)
    return x
""", "jit", ["(float64,)"], None),
    ("jit_methods", """
def k(a):
    b = a.reshape((2, -1)).T
    return a.argmax() + a.astype(np.float32).sum() + b.shape[0] + a.ndim + a.size
""", "jit", ["(float64[:],)"], None),
    # --- globals, closures, nested kernels ---------------------------------------
    ("globals", """
SCALE = 2.5
OFFSET = np.float32(1.5)
TABLE = np.array([1.0, 2.0, 4.0])
def k(x):
    return x * SCALE + OFFSET + TABLE[1] + np.pi
""", "vectorize", ["float64(float64)"], None),
    ("nested_kernel", """
@vectorize(["float64(float64)"])
def inner(x):
    return x * 2.0 + 1.0
def k(x):
    return inner(x) + inner(x + 1.0)
""", "vectorize", ["float64(float64)"], None),
    ("jit_calls_jit", """
@njit
def inner(a, i):
    return a[i] * 2.0
def k(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += inner(a, i)
    return s
""", "jit", ["(float64[:],)"], None),
    ("defaults", """
def k(x, y=2.0, z=None):
    if z is None:
        return x * y
    return x * y + z
""", "jit", ["(float64, float64, float64)"], None),
    ("docstring", '''
def k(x):
    """Doubles x."""
    return x * 2
''', "vectorize", ["float64(float64)"], None),
    ("recursion", """
def k(n):
    if n < 2:
        return n
    return k(n - 1) + k(n - 2)
""", "jit", ["(int64,)"], None),
    ("lambda_kernel", """
k = lambda x, y: x * y + 1.0 if x > y else x - y
""", "vectorize", ["float64(float64, float64)"], None),
    ("pass_and_expressions", """
def k(x):
    if x > 0:
        pass
    "a stray string"
    return x
""", "vectorize", ["float64(float64)"], None),
    ("multiline_statement", """
def k(x, y):
    z = (x +
         y *
         2.0)
    if (x > 0 and
            y > 0):
        z = math.exp(
            -z)
    return z
""", "vectorize", ["float64(float64, float64)"], None),
]
