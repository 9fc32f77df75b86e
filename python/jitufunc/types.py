"""Type objects for writing signatures in Python instead of strings.

``float64(float64, float64)`` is the signature ``"float64(float64, float64)"``
and ``float64[:, :]`` the array type ``"float64[:, :]"``; anything accepted as
a signature is turned into its string and parsed by the compiler.
"""


class Type:
    """A scalar type usable in signatures (``float64``, ``int32``, ...)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        return Signature(self, args)

    def __getitem__(self, dims):
        if not isinstance(dims, tuple):
            dims = (dims,)
        parts = []
        for i, d in enumerate(dims):
            if not isinstance(d, slice) or d.start is not None or d.stop is not None:
                raise TypeError(f"array dimensions are written as ':' or '::1', got {d!r}")
            if d.step is None:
                parts.append(":")
            elif d.step == 1 and i == len(dims) - 1:
                parts.append("::1")
            else:
                raise TypeError("only the last dimension may be marked contiguous with '::1'")
        return ArrayType(self, ", ".join(parts))

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"jitufunc.{self.name}"

    def __eq__(self, other):
        return isinstance(other, Type) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


def _type_name(t):
    """The name of item type ``t`` (``types.int64``, ``np.float64``,
    ``ListType(...)``) in signature strings."""
    if isinstance(t, (Type, ArrayType)):
        return t.name
    import numpy as np

    dt = np.dtype(t)
    return "bool" if dt == np.bool_ else dt.name


class ListType(Type):
    """The type of a typed List of items of ``item_type`` (a number type or
    another container type): ``ListType(types.int64)``, usable as the item
    type of ``List.empty_list`` and the value type of ``Dict.empty``, and in
    signatures, as Numba's ``types.ListType``."""

    __slots__ = ("item_type",)

    def __init__(self, item_type):
        self.item_type = item_type
        Type.__init__(self, f"ListType[{_type_name(item_type)}]")

    def __repr__(self):
        return self.name


class DictType(Type):
    """The type of a typed Dict of keys of ``key_type`` (a number type) and
    values of ``value_type`` (a number type or a container type):
    ``DictType(types.int64, types.float64)``, as Numba's
    ``types.DictType``."""

    __slots__ = ("key_type", "value_type")

    def __init__(self, key_type, value_type):
        self.key_type = key_type
        self.value_type = value_type
        Type.__init__(self, f"DictType[{_type_name(key_type)},{_type_name(value_type)}]")

    def __repr__(self):
        return self.name


class Tuple(Type):
    """The type of tuples of items of ``types`` (a sequence), as Numba's
    ``types.Tuple``: ``Tuple((types.int64, types.float64))``, an item type
    of typed containers."""

    __slots__ = ("types",)

    def __init__(self, types):
        self.types = tuple(types)
        Type.__init__(self, f"Tuple({', '.join(_type_name(t) for t in self.types)})")

    def __repr__(self):
        return self.name


class UniTuple(Type):
    """The type of tuples of ``count`` items of ``dtype``, as Numba's
    ``types.UniTuple``: ``UniTuple(types.int64, 2)``."""

    __slots__ = ("dtype", "count")

    def __init__(self, dtype, count):
        self.dtype = dtype
        self.count = int(count)
        Type.__init__(self, f"UniTuple({_type_name(dtype)} x {self.count})")

    def __repr__(self):
        return self.name


class ArrayType:
    """An array type such as ``float64[:, :]``; also the item type of typed
    containers of arrays (``List.empty_list(types.float64[:])``)."""

    __slots__ = ("dtype", "dims")

    def __init__(self, dtype, dims):
        self.dtype = dtype
        self.dims = dims

    @property
    def name(self):
        """Numba's name of the type: ``array(float64, 2d, C)`` for
        ``float64[:, ::1]``, ``array(float64, 1d, A)`` for ``float64[:]``."""
        ndim = len(self.dims.split(","))
        layout = "C" if self.dims.endswith("::1") else "A"
        return f"array({_type_name(self.dtype)}, {ndim}d, {layout})"

    def __eq__(self, other):
        return isinstance(other, ArrayType) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __str__(self):
        return f"{self.dtype}[{self.dims}]"

    __repr__ = __str__


class Signature:
    """``ret(arg, ...)``; ``str()`` gives the signature string."""

    __slots__ = ("ret", "args")

    def __init__(self, ret, args):
        self.ret = ret
        self.args = tuple(args)

    def __str__(self):
        return f"{self.ret}({', '.join(str(a) for a in self.args)})"

    __repr__ = __str__


boolean = bool_ = Type("bool")
int8 = Type("int8")
uint8 = Type("uint8")
int16 = Type("int16")
uint16 = Type("uint16")
int32 = Type("int32")
uint32 = Type("uint32")
int64 = Type("int64")
uint64 = Type("uint64")
intp = Type("int64")
float16 = Type("float16")
float32 = Type("float32")
float64 = Type("float64")
complex64 = Type("complex64")
complex128 = Type("complex128")
void = Type("void")

f2, f4, f8 = float16, float32, float64
i1, i2, i4, i8 = int8, int16, int32, int64
u1, u2, u4, u8 = uint8, uint16, uint32, uint64
c8, c16 = complex64, complex128
b1 = boolean

__all__ = [
    "Type", "ArrayType", "Signature", "ListType", "DictType", "Tuple", "UniTuple",
    "boolean", "bool_", "int8", "uint8", "int16", "uint16", "int32", "uint32",
    "int64", "uint64", "intp", "float16", "float32", "float64", "complex64",
    "complex128", "void", "f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2",
    "u4", "u8", "c8", "c16", "b1",
]
