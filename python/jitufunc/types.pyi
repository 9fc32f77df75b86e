"""Type stub of ``jitufunc.types`` (checked against it by tests/test_public_stub.py)."""

from collections.abc import Iterable
from typing import Final

__all__ = [
    "Type", "ArrayType", "Signature", "ListType", "DictType", "Tuple", "UniTuple",
    "boolean", "bool_", "int8", "uint8", "int16", "uint16", "int32", "uint32",
    "int64", "uint64", "intp", "float16", "float32", "float64", "complex64",
    "complex128", "void", "f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2",
    "u4", "u8", "c8", "c16", "b1",
]

class Type:
    """A scalar type usable in signatures (``float64``, ``int32``, ...)."""

    name: str
    def __init__(self, name: str) -> None: ...
    def __call__(self, *args: Type | ArrayType) -> Signature: ...
    def __getitem__(self, dims: slice | tuple[slice, ...]) -> ArrayType: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class ListType(Type):
    """The type of a typed List of items of ``item_type``."""

    item_type: object
    def __init__(self, item_type: object) -> None: ...

class DictType(Type):
    """The type of a typed Dict of keys of ``key_type`` and values of ``value_type``."""

    key_type: object
    value_type: object
    def __init__(self, key_type: object, value_type: object) -> None: ...

class Tuple(Type):
    """The type of tuples of items of ``types``."""

    types: tuple[object, ...]
    def __init__(self, types: Iterable[object]) -> None: ...

class UniTuple(Type):
    """The type of tuples of ``count`` items of ``dtype``."""

    dtype: object
    count: int
    def __init__(self, dtype: object, count: int) -> None: ...

class ArrayType:
    """An array type such as ``float64[:, :]``; also the item type of typed
    containers of arrays (``List.empty_list(types.float64[:])``)."""

    dtype: Type
    dims: str
    def __init__(self, dtype: Type, dims: str) -> None: ...
    @property
    def name(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Signature:
    """``ret(arg, ...)``; ``str()`` gives the signature string."""

    ret: Type
    args: tuple[Type | ArrayType, ...]
    def __init__(self, ret: Type, args: Iterable[Type | ArrayType]) -> None: ...

boolean: Final[Type]
bool_: Final[Type]
int8: Final[Type]
uint8: Final[Type]
int16: Final[Type]
uint16: Final[Type]
int32: Final[Type]
uint32: Final[Type]
int64: Final[Type]
uint64: Final[Type]
intp: Final[Type]
float16: Final[Type]
float32: Final[Type]
float64: Final[Type]
complex64: Final[Type]
complex128: Final[Type]
void: Final[Type]
f2: Final[Type]
f4: Final[Type]
f8: Final[Type]
i1: Final[Type]
i2: Final[Type]
i4: Final[Type]
i8: Final[Type]
u1: Final[Type]
u2: Final[Type]
u4: Final[Type]
u8: Final[Type]
c8: Final[Type]
c16: Final[Type]
b1: Final[Type]
