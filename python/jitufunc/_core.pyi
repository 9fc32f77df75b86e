"""Type stub of the compiled core (checked against it by tests/test_core_stub.py)."""

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

LLVM_VERSION: str

class KernelLibrary:
    """What a jitufunc ufunc owns: compiled code and introspection data."""

    @property
    def signatures(self) -> list[str]: ...
    def typed_ir(self) -> list[tuple[str, str]]: ...
    @property
    def llvm_ir(self) -> str | None: ...
    @property
    def asm(self) -> str | None: ...
    @property
    def lazy(self) -> bool: ...
    @property
    def source(self) -> tuple[str, int, list[str]]: ...

class Dispatcher:
    """A function compiled by ``@jit`` (subclassed by ``jitufunc.dispatcher.Dispatcher``)."""

    def __init__(
        self,
        func: Callable[..., Any],
        signatures: Sequence[str],
        fastmath: Any = None,
        boundscheck: bool = False,
        error_model: str = "python",
        nogil: bool = False,
        cache: bool = False,
        keep_ir: bool = False,
    ) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def source(self) -> tuple[str, int, list[str]]: ...
    def signatures(self) -> list[str]: ...
    def add_signature(self, signature: str) -> str: ...
    def inspect(self, kind: str) -> list[tuple[str, str]]: ...

class ArrayMemory:
    """The base of arrays that compiled code allocated (one reference to their memory)."""

class UfuncOwner:
    """The object in a jitufunc ufunc's ``obj`` field."""

def vectorize_ufunc(
    func: Callable[..., Any],
    signatures: Sequence[str],
    identity: Any = None,
    fastmath: Any = None,
    keep_ir: bool = False,
    parallel: bool = False,
    cache: bool = False,
) -> np.ufunc: ...
def guvectorize_ufunc(
    func: Callable[..., Any],
    signatures: Sequence[str],
    layout: str,
    identity: Any = None,
    fastmath: Any = None,
    writable_args: Sequence[int] = ...,
    boundscheck: bool = False,
    keep_ir: bool = False,
    parallel: bool = False,
    cache: bool = False,
) -> np.ufunc: ...
def library(obj: object) -> KernelLibrary | None: ...
def add_signature(lib: KernelLibrary, signature: str) -> str: ...
def inspect(lib: KernelLibrary, kind: str) -> list[tuple[str, str]]: ...
def normalize_signature(text: str) -> str: ...
def host_cpu() -> tuple[str, str, str]: ...
def ir_text(
    func: Callable[..., Any],
    signature: str | None = None,
    layout: str | None = None,
    jit: bool = False,
) -> str: ...
def verifier_enabled() -> bool: ...
def memory_stats() -> dict[str, int]: ...
def thread_count() -> int: ...
def blas_available() -> bool: ...
def cache_stats() -> dict[str, int]: ...
def cache_dir() -> Path | None: ...
