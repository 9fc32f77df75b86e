"""The decorators: ``vectorize`` (and, later, ``guvectorize`` and ``jit``).

They only normalise arguments; compilation happens in ``jitufunc._core``.
"""

from jitufunc.errors import OptionError

_TARGETS = ("cpu",)


def _signature_list(signatures):
    if isinstance(signatures, (list, tuple)):
        items = list(signatures)
    else:
        items = [signatures]
    return [s if isinstance(s, str) else str(s) for s in items]


def _check_options(nopython, target, cache, kwargs, decorator):
    if kwargs:
        name = sorted(kwargs)[0]
        raise OptionError(f"{decorator}() got an unsupported option {name}={kwargs[name]!r}")
    if not nopython:
        raise OptionError(
            f"{decorator}(nopython=False): object mode is not supported; kernels are always compiled"
        )
    if target not in _TARGETS:
        raise OptionError(f"{decorator}(target={target!r}) is not supported; use one of {_TARGETS}")
    if cache:
        raise OptionError(f"{decorator}(cache=True) is not supported yet")


def vectorize(signatures=None, identity=None, nopython=True, fastmath=False, cache=False,
              target="cpu", forceobj=False, **kwargs):
    """Compile a scalar kernel into a NumPy ufunc.

    ``signatures`` is a signature string (``"float64(float64, float64)"``), a
    list of them, or type objects (``float64(float64, float64)``). The result
    is a real ``numpy.ufunc``: broadcasting, ``out=``, ``where=``,
    ``reduce``/``accumulate``/``outer``/``at`` come from NumPy itself.

    ``identity`` is 0, 1, None, ``"reorderable"`` or any value; it is what
    ``reduce`` starts from. ``fastmath`` is a bool or a set of LLVM fast-math
    flag names.
    """
    if callable(signatures) and not isinstance(signatures, (str, list, tuple)):
        raise OptionError(
            "vectorize without signatures is not supported yet: "
            "use @vectorize([\"float64(float64)\", ...])"
        )
    if forceobj:
        raise OptionError("vectorize(forceobj=True): object mode is not supported")
    _check_options(nopython, target, cache, kwargs, "vectorize")
    sigs = _signature_list(signatures) if signatures is not None else []
    from jitufunc import _core

    def wrap(func):
        return _core.vectorize_ufunc(func, sigs, identity=identity, fastmath=fastmath)

    return wrap
