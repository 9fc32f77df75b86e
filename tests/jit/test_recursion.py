"""Recursive @jit functions: a function may call itself (its return type
inferred from the returns that do not call it, or given by a signature),
within another function too; a recursion too deep for the thread's stack
raises RecursionError instead of crashing; mutual recursion and returns
that only ever recurse are clear compile errors."""

import sys
import textwrap
import threading

import numpy as np
import pytest

from jitufunc import njit
from jitufunc.errors import TypingError, UnsupportedError


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    """A module of recursive functions (recursion refers to the global
    name, so they must be module-level functions)."""
    path = tmp_path_factory.mktemp("recursion") / "recursive_funcs.py"
    path.write_text(textwrap.dedent('''
        import numpy as np
        from jitufunc import njit

        @njit
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)

        @njit
        def fact(n):
            if n <= 1:
                return 1.0
            return n * fact(n - 1)

        @njit
        def power(x, n):
            if n == 0:
                return 1.0
            half = power(x, n // 2)
            return half * half * (x if n % 2 else 1.0)

        @njit
        def qsort(a, lo, hi):
            if lo >= hi:
                return
            p = a[(lo + hi) // 2]
            i, j = lo, hi
            while i <= j:
                while a[i] < p:
                    i += 1
                while a[j] > p:
                    j -= 1
                if i <= j:
                    a[i], a[j] = a[j], a[i]
                    i += 1
                    j -= 1
            qsort(a, lo, j)
            qsort(a, i, hi)

        @njit
        def tree_sum(a, lo, hi):
            if hi - lo == 1:
                return a[lo]
            mid = (lo + hi) // 2
            return tree_sum(a, lo, mid) + tree_sum(a, mid, hi)

        @njit("int64(int64)")
        def sig_fib(n):
            return n if n < 2 else sig_fib(n - 1) + sig_fib(n - 2)

        @njit
        def outer(n):
            return fib(n) * 2

        @njit
        def depth(n):
            if n == 0:
                return 0
            return depth(n - 1) + 1

        @njit
        def raises_deep(n):
            if n < 0:
                return 0
            if n == 0:
                raise ValueError("bottom")
            return raises_deep(n - 1) + 1

        @njit
        def no_base(n):
            return no_base(n - 1)

        @njit
        def ping(n):
            if n <= 0:
                return 0
            return pong(n - 1) + 1

        @njit
        def pong(n):
            if n <= 0:
                return 0
            return ping(n - 1) + 1
    '''))
    sys.path.insert(0, str(path.parent))
    try:
        import recursive_funcs
        yield recursive_funcs
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop("recursive_funcs", None)


@pytest.mark.parametrize("name, args", [
    ("fib", (0,)), ("fib", (1,)), ("fib", (20,)), ("fact", (1,)), ("fact", (15,)),
    ("power", (1.5, 0)), ("power", (1.5, 13)), ("power", (-2.0, 7)), ("sig_fib", (18,)), ("outer", (12,)),
])
def test_recursive_functions_return_what_python_returns(mod, name, args):
    f = getattr(mod, name)
    got, expected = f(*args), f.py_func(*args)
    assert type(got) is type(expected) and got == expected


def test_recursive_in_place_sort_and_array_reduction(mod):
    rng = np.random.default_rng(7)
    for n in [1, 2, 10, 1000]:
        a = rng.random(n)
        b = a.copy()
        mod.qsort(a, 0, n - 1)
        np.testing.assert_array_equal(a, np.sort(b))
    x = rng.random(777)
    assert mod.tree_sum(x, 0, 777) == mod.tree_sum.py_func(x, 0, 777)


def test_deep_recursion_raises_recursion_error_instead_of_crashing(mod):
    assert mod.depth(10_000) == 10_000
    with pytest.raises(RecursionError, match="maximum recursion depth exceeded"):
        mod.depth(10 ** 9)
    # The thread is fine afterwards.
    assert mod.depth(100) == 100
    # On other threads (their own stacks, possibly smaller) too.
    errors = []

    def run():
        try:
            mod.depth(10 ** 9)
        except RecursionError as e:
            errors.append(e)

    old = threading.stack_size()
    threading.stack_size(1 << 20)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    assert len(errors) == 1


def test_exceptions_raised_deep_in_a_recursion_reach_the_caller(mod):
    with pytest.raises(ValueError, match="bottom"):
        mod.raises_deep(500)


def test_a_recursion_with_no_base_case_is_a_clear_error(mod):
    with pytest.raises(TypingError, match="cannot infer the return type of the recursive function 'no_base'"):
        mod.no_base(3)


def test_mutual_recursion_is_a_clear_error(mod):
    with pytest.raises(UnsupportedError, match="mutual recursion is not supported"):
        mod.ping(4)


def test_recursive_functions_specialise_per_argument_types(mod):
    assert mod.power(2, 10) == 1024.0
    assert mod.power(np.float32(2), 3) == mod.power.py_func(np.float32(2), 3)
    assert len(mod.power.signatures) >= 2
