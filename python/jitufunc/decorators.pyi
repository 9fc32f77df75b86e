"""Type stub of ``jitufunc.decorators`` (checked against it by tests/test_public_stub.py).

``@vectorize`` and ``@guvectorize`` return a real ``numpy.ufunc`` with a few
attributes set on it; ``_JitUfunc`` types it as such (it exists only for
type checkers, as NumPy's own ``_UFunc_Nin1_Nout1`` and friends do).
``@jit``/``@njit`` return a ``jitufunc.dispatcher.Dispatcher`` that keeps
the decorated function's parameters and return type.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, ParamSpec, Protocol, TypeVar, overload, type_check_only

import numpy as np

from jitufunc._core import KernelLibrary

from jitufunc.dispatcher import Dispatcher
from jitufunc.types import Signature

_P = ParamSpec("_P")
_R = TypeVar("_R")

# One signature: a string ("float64(float64, float64)") or a type object
# (float64(float64, float64)); or a list or tuple of them.
_SignatureLike = str | Signature
_SignatureList = list[str] | list[Signature] | list[_SignatureLike] | tuple[_SignatureLike, ...]
_SignaturesArg = _SignatureLike | _SignatureList

# ``identity=``: 0, 1, None, "reorderable" or another number.
_Identity = complex | np.number[Any, Any] | np.bool[Any] | Literal["reorderable"] | None
# ``fastmath=``: all of LLVM's fast-math flags, or a collection of flag names.
_FastMath = bool | set[str] | frozenset[str] | list[str] | tuple[str, ...]
_Target = Literal["cpu", "parallel"]

class _Signatures:
    """The signatures a jitufunc ufunc has compiled (a live, read-only list)."""

    def __init__(self, lib: KernelLibrary) -> None: ...
    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def __contains__(self, item: object) -> bool: ...
    def __eq__(self, other: object) -> bool: ...

@type_check_only
class _JitUfunc(np.ufunc):  # type: ignore[misc]  # numpy.ufunc is final; a stub-only view of one
    """A ``numpy.ufunc`` made by ``@vectorize`` or ``@guvectorize``."""

    @property
    def signatures(self) -> _Signatures: ...
    @property
    def py_func(self) -> Callable[..., Any]: ...
    @property
    def __wrapped__(self) -> Callable[..., Any]: ...
    @property
    def is_dynamic(self) -> bool: ...
    def compile(self, signature: _SignatureLike) -> str: ...
    def add(self, signature: _SignatureLike) -> str: ...
    def inspect_types(self) -> dict[str, str]: ...
    def inspect_llvm(self) -> dict[str, str]: ...
    def inspect_asm(self) -> dict[str, str]: ...

@type_check_only
class _UfuncDecorator(Protocol):
    def __call__(self, func: Callable[..., Any]) -> _JitUfunc: ...

@type_check_only
class _JitDecorator(Protocol):
    def __call__(self, func: Callable[_P, _R]) -> Dispatcher[_P, _R]: ...

@overload
def vectorize(
    signatures: Callable[..., Any],
    identity: _Identity = None,
    nopython: Literal[True] = True,
    fastmath: _FastMath = False,
    cache: bool = False,
    target: _Target = "cpu",
    forceobj: Literal[False] = False,
) -> _JitUfunc: ...
@overload
def vectorize(
    signatures: _SignaturesArg | None = None,
    identity: _Identity = None,
    nopython: Literal[True] = True,
    fastmath: _FastMath = False,
    cache: bool = False,
    target: _Target = "cpu",
    forceobj: Literal[False] = False,
) -> _UfuncDecorator: ...
def guvectorize(
    signatures: _SignaturesArg | None = None,
    layout: str | None = None,
    identity: _Identity = None,
    nopython: Literal[True] = True,
    fastmath: _FastMath = False,
    cache: bool = False,
    target: _Target = "cpu",
    writable_args: int | str | Iterable[int | str] = (),
    boundscheck: bool = False,
    forceobj: Literal[False] = False,
) -> _UfuncDecorator: ...
@overload
def jit(
    signature_or_function: Callable[_P, _R],
    *,
    nopython: Literal[True] = True,
    forceobj: Literal[False] = False,
    looplift: bool = True,
    cache: bool = False,
    fastmath: _FastMath = False,
    boundscheck: bool = False,
    nogil: bool = False,
    error_model: Literal["python", "numpy"] = "python",
    inline: Literal["never", "always"] | Callable[..., Any] = "never",
    parallel: bool = False,
    locals: dict[str, Any] | None = None,
) -> Dispatcher[_P, _R]: ...
@overload
def jit(
    signature_or_function: _SignaturesArg | None = None,
    *,
    nopython: Literal[True] = True,
    forceobj: Literal[False] = False,
    looplift: bool = True,
    cache: bool = False,
    fastmath: _FastMath = False,
    boundscheck: bool = False,
    nogil: bool = False,
    error_model: Literal["python", "numpy"] = "python",
    inline: Literal["never", "always"] | Callable[..., Any] = "never",
    parallel: bool = False,
    locals: dict[str, Any] | None = None,
) -> _JitDecorator: ...

# ``njit`` is ``jit`` (it forwards its arguments; there is no object mode).
@overload
def njit(
    signature_or_function: Callable[_P, _R],
    *,
    nopython: Literal[True] = True,
    forceobj: Literal[False] = False,
    looplift: bool = True,
    cache: bool = False,
    fastmath: _FastMath = False,
    boundscheck: bool = False,
    nogil: bool = False,
    error_model: Literal["python", "numpy"] = "python",
    inline: Literal["never", "always"] | Callable[..., Any] = "never",
    parallel: bool = False,
    locals: dict[str, Any] | None = None,
) -> Dispatcher[_P, _R]: ...
@overload
def njit(
    signature_or_function: _SignaturesArg | None = None,
    *,
    nopython: Literal[True] = True,
    forceobj: Literal[False] = False,
    looplift: bool = True,
    cache: bool = False,
    fastmath: _FastMath = False,
    boundscheck: bool = False,
    nogil: bool = False,
    error_model: Literal["python", "numpy"] = "python",
    inline: Literal["never", "always"] | Callable[..., Any] = "never",
    parallel: bool = False,
    locals: dict[str, Any] | None = None,
) -> _JitDecorator: ...
