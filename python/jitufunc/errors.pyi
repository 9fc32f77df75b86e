"""Type stub of ``jitufunc.errors`` (checked against it by tests/test_public_stub.py)."""

__all__ = [
    "JitufuncError",
    "CompileError",
    "UnsupportedError",
    "TypingError",
    "UnknownNameError",
    "SignatureError",
    "LayoutError",
    "SourceError",
    "OptionError",
    "InternalError",
]

class JitufuncError(Exception):
    """Base class of all jitufunc errors."""

class CompileError(JitufuncError):
    """A kernel could not be compiled; ``filename`` and ``lineno`` say
    where when the problem is at a place in the kernel (else None)."""

    filename: str | None
    lineno: int | None

class UnsupportedError(CompileError, NotImplementedError): ...
class TypingError(CompileError, TypeError): ...
class UnknownNameError(TypingError): ...
class SignatureError(CompileError, TypeError): ...
class LayoutError(CompileError, ValueError): ...
class SourceError(CompileError, OSError): ...
class OptionError(JitufuncError, ValueError): ...
class InternalError(JitufuncError, RuntimeError): ...
