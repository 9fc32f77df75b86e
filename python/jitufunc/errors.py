"""Exceptions raised when a kernel cannot be compiled.

Each class also derives from the builtin exception that fits, so code that
catches ``TypeError`` or ``NotImplementedError`` keeps working.
"""


class JitufuncError(Exception):
    """Base class of all jitufunc errors."""


class CompileError(JitufuncError):
    """A kernel could not be compiled.

    When the problem is at a place in the kernel, ``filename`` and
    ``lineno`` say where (the message shows the line too); otherwise they
    are None.
    """

    filename = None
    lineno = None


class UnsupportedError(CompileError, NotImplementedError):
    """The kernel uses Python syntax or a feature jitufunc does not support."""


class TypingError(CompileError, TypeError):
    """Types in the kernel do not fit (e.g. returning complex from a float64 signature)."""


class UnknownNameError(TypingError):
    """The kernel uses a name that is not defined."""


class SignatureError(CompileError, TypeError):
    """A signature string is malformed or does not fit the kernel."""


class LayoutError(CompileError, ValueError):
    """A gufunc layout string is malformed or does not fit the kernel."""


class SourceError(CompileError, OSError):
    """The kernel's source code cannot be read."""


class OptionError(JitufuncError, ValueError):
    """A decorator option has an invalid value."""


class InternalError(JitufuncError, RuntimeError):
    """A bug in jitufunc (please report it with the kernel that caused it)."""


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
