"""Type stub of ``jitufunc.dispatcher`` (checked against it by tests/test_public_stub.py).

``Dispatcher`` is generic here only: ``Dispatcher[P, R]`` is what ``@jit``
makes of a ``Callable[P, R]``, called with the same arguments. At run time
the class takes no subscript, so write ``Dispatcher[...]`` in annotations
only (strings, or ``from __future__ import annotations``).
"""

from collections.abc import Callable, Iterable
from typing import Any, Generic, ParamSpec, TypeVar, overload

from typing_extensions import Self

from jitufunc import _core
from jitufunc.types import Signature

_P = ParamSpec("_P")
_R_co = TypeVar("_R_co", covariant=True)

class Dispatcher(_core.Dispatcher, Generic[_P, _R_co]):
    """A Python function compiled by ``@jit``; call it like the function."""

    py_func: Callable[_P, _R_co]
    # From the function (functools.update_wrapper).
    __wrapped__: Callable[_P, _R_co]
    __name__: str
    __qualname__: str
    __module__: str
    def __init__(self, func: Callable[_P, _R_co], signatures: Iterable[str], **options: Any) -> None: ...
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R_co: ...
    @property
    def signatures(self) -> list[str]: ...  # type: ignore[override]  # a method of _core.Dispatcher
    def compile(self, signature: str | Signature) -> str: ...
    @overload
    def inspect_types(self, signature: None = None) -> dict[str, str]: ...
    @overload
    def inspect_types(self, signature: str | Signature) -> str: ...
    @overload
    def inspect_llvm(self, signature: None = None) -> dict[str, str]: ...
    @overload
    def inspect_llvm(self, signature: str | Signature) -> str: ...
    @overload
    def inspect_asm(self, signature: None = None) -> dict[str, str]: ...
    @overload
    def inspect_asm(self, signature: str | Signature) -> str: ...
    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> Callable[..., _R_co]: ...
