"""Typed containers shared with compiled code, as Numba's ``numba.typed``.

``List`` holds numbers of one type (bool, int8..int64, uint8..uint64,
float32, float64, complex64, complex128) in a reference-counted buffer owned
by the Rust core. Passing a ``List`` to an ``@jit`` function passes that
buffer (no copy); what compiled code changes (``l[i] = v``, ``l.append(v)``,
``l.pop()``) is seen from Python afterwards, and a ``List`` made by compiled
code (``List.empty_list(types.float64)``) comes back as a ``List``.

Items can also be typed containers themselves
(``List.empty_list(types.ListType(types.int64))``, a ``Dict`` of ``List``s):
such an item is the same object wherever it is reached from, so
``outer[1][i] = 23`` in compiled code is seen through ``outer[1]`` in
Python.

``Dict`` maps numbers to numbers or containers (keys bool, integers or
floats; values those, complex, or typed Lists and Dicts) in an
insertion-ordered hash table owned by the Rust core
(``engine::dict``), shared with ``@jit`` code the same way: ``d[k] = v``,
``d.pop(k)``, ``del d[k]`` in compiled code are seen from Python, and
``Dict.empty(types.int64, types.float64)`` made there comes back as a
``Dict``.
"""

import collections.abc
import operator
import sys
import weakref

import numpy as np

from . import _core
from . import types as _types

__all__ = ["List", "Dict"]

_SUPPORTED_KINDS = "biufc"


def _dtype_of(item_type, what="List item types", holder="typed Lists"):
    """The NumPy dtype an item type stands for (``types.float64``,
    ``np.float64``, ``np.dtype("f8")``, ``"float64"``, ``float``);
    ``what`` and ``holder`` name the container in messages."""
    if isinstance(item_type, _types.Type):
        item_type = item_type.name
    try:
        dt = np.dtype(item_type)
    except TypeError:
        raise TypeError(
            f"{what} are numbers (types.int64, types.float64, ...), not {item_type!r}"
        ) from None
    if dt.kind not in _SUPPORTED_KINDS or dt == np.float16 or not dt.isnative:
        raise TypeError(
            f"{holder} hold booleans, integers, floats (32 and 64 bits) "
            f"and complex numbers, not {dt}"
        )
    return dt


def _container_name(t):
    """The container type name ``t`` gives (``types.ListType(...)``, the
    string ``"ListType[int64]"``), or None for other types."""
    name = t.name if isinstance(t, (_types.Type, _types.ArrayType)) else t
    if isinstance(name, str) and name.startswith(
            ("ListType[", "DictType[", "Tuple(", "UniTuple(", "array(")):
        return name
    return None


def _item_code(item_type, what="List item types", holder="typed Lists"):
    """The item code (``_core.item_code``) of an item type: a number type
    as ``_dtype_of`` takes it, or a container type."""
    name = _container_name(item_type)
    if name is not None:
        return _core.item_code(name)
    return _dtype_of(item_type, what, holder).num


def _code_of_value(value, holder="typed Lists"):
    """The item code a first item gives a ``List()`` or ``Dict()``: its
    number type, or the type of a typed List or Dict."""
    if isinstance(value, List):
        name = value._item_name()
        if name is None:
            raise TypeError(
                f"cannot infer the item type of {holder} from an empty List() "
                "without an item type; use List.empty_list(types.ListType(...))"
            )
        return _core.item_code(f"ListType[{name}]")
    if isinstance(value, Dict):
        names = value._type_names()
        if names is None:
            raise TypeError(
                f"cannot infer the item type of {holder} from an empty Dict() "
                "without types; use Dict.empty(key_type, value_type)"
            )
        return _core.item_code(f"DictType[{names[0]},{names[1]}]")
    if isinstance(value, tuple):
        if not value:
            raise TypeError(f"{holder} do not hold empty tuples")
        names = [_core.item_name(_code_of_value(x, holder)) for x in value]
        return _core.item_code(f"Tuple({', '.join(names)})")
    if isinstance(value, np.ndarray):
        # Numba's typeof: C-contiguous arrays give a C-contiguous item type.
        dtype = _dtype_of(value.dtype, holder=holder)
        name = "bool" if dtype == np.bool_ else dtype.name
        layout = "C" if value.flags.c_contiguous else "A"
        return _core.item_code(f"array({name}, {value.ndim}d, {layout})")
    return _dtype_of_value(value, holder).num


def _dtype_of_value(value, holder="typed Lists"):
    """The number type a first item gives a ``List()`` (Numba's typeof)."""
    if isinstance(value, np.generic):
        return _dtype_of(value.dtype, holder=holder)
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, int):
        return np.dtype(np.int64)
    if isinstance(value, float):
        return np.dtype(np.float64)
    if isinstance(value, complex):
        return np.dtype(np.complex128)
    raise TypeError(
        f"{holder} hold numbers (of one type), arrays, tuples and typed Lists and Dicts, "
        f"not {type(value).__name__}"
    )


# One Python object per container header reached as an item: ``outer[0]
# is outer[0]``, and pickling or ``copy.deepcopy`` of containers sharing an
# item keeps it shared. The object keeps its header alive, so an address
# here is never reused while its entry exists.
_ITEM_OBJECTS = weakref.WeakValueDictionary()


def _canonical(x):
    """The one object of container item ``x`` (numbers pass through)."""
    if not isinstance(x, (List, Dict)):
        return x
    return _ITEM_OBJECTS.setdefault(x._address(), x)


def _numba_name(name):
    """A container type name as Numba's ``repr`` spells it: every
    ``DictType[...]`` followed by ``<iv=None>``."""
    i = name.find("DictType[")
    if i < 0:
        return name
    depth, k = 0, i + len("DictType")
    while k < len(name):
        depth += {"[": 1, "]": -1}.get(name[k], 0)
        if depth == 0:
            break
        k += 1
    inner = name[i + len("DictType["):k]
    return (name[:i] + "DictType[" + _numba_name(inner) + "]<iv=None>"
            + _numba_name(name[k + 1:]))


def _index(i):
    try:
        return operator.index(i)
    except TypeError:
        raise TypeError(
            f"list indices must be integers or slices, not {type(i).__name__}"
        ) from None


class List(_core.TypedListBase):
    """A list of items of one type (numbers, or typed Lists or Dicts),
    shared with ``@jit`` code.

    ``List()`` takes its item type from its first item;
    ``List.empty_list(types.float64)`` fixes it up front; ``List(iterable)``
    copies the items of an iterable.
    """

    _jitufunc_class = "typed.List"

    def __init__(self, iterable=None, allocated=0):
        if iterable is not None:
            self.extend(iterable)

    def _empty_list(item_type, allocated=0):
        """A new empty ``List`` of items of ``item_type``."""
        new = List()
        new._set_item_type(_item_code(item_type))
        return new

    _empty_list._jitufunc_builtin = "typed.List.empty_list"
    empty_list = staticmethod(_empty_list)
    del _empty_list

    # -- item type --------------------------------------------------------
    @property
    def _dtype(self):
        """The NumPy dtype of number items (None for containers)."""
        if not self._holds_numbers():
            return None
        return _dtype_from_num(self._item_typenum())

    def _ensure_type(self, value):
        if self._item_typenum() is None:
            self._set_item_type(_code_of_value(value))

    def _array(self):
        """A NumPy copy of the items (numbers)."""
        num = self._item_typenum()
        if num is None:
            return np.empty(0)
        return np.frombuffer(self._to_bytes(), dtype=_dtype_from_num(num))

    def _like(self, data):
        """A new List of this item type holding ``data`` (bytes)."""
        new = List()
        num = self._item_typenum()
        if num is not None:
            new._set_item_type(num)
            new._set_bytes(data)
        return new

    def _with_items(self, items):
        """A new List of this item type holding ``items``."""
        new = List()
        num = self._item_typenum()
        if num is not None:
            new._set_item_type(num)
            for x in items:
                new._append(x)
        return new

    def _replace_items(self, items):
        """Makes ``items`` its items; a bad item raises before anything
        changes."""
        checked = self._with_items(items)
        if self._holds_numbers():
            self._set_bytes(checked._to_bytes())
            return
        self._clear()
        for x in checked:
            self._append(x)

    # -- list API ---------------------------------------------------------
    def append(self, item):
        self._ensure_type(item)
        self._append(item)

    def extend(self, iterable):
        if isinstance(iterable, List):
            num = iterable._item_typenum()
            if num is None:
                return
            if self._item_typenum() is None:
                self._set_item_type(num)
            if num == self._item_typenum() and self._holds_numbers():
                self._extend_bytes(iterable._to_bytes())
                return
        items = list(iterable)
        if not items:
            return
        # Every item is checked (in a new List) before any is added.
        checked = List()
        checked._set_item_type(
            self._item_typenum() if self._item_typenum() is not None
            else _code_of_value(items[0]))
        for x in items:
            checked._append(x)
        self._set_item_type(checked._item_typenum())
        if self._holds_numbers():
            self._extend_bytes(checked._to_bytes())
        else:
            for x in checked:
                self._append(x)

    def insert(self, i, item):
        self._ensure_type(item)
        self._insert(_index(i), item)

    def pop(self, i=-1):
        return self._pop(_index(i))

    def remove(self, item):
        for k, x in enumerate(self):
            if x is item or x == item:
                self._pop(k)
                return
        raise ValueError("list.remove(x): x not in list")

    def index(self, item, start=0, stop=sys.maxsize):
        n = len(self)
        start, stop, _ = slice(start, stop).indices(n)
        for k in range(start, stop):
            x = self._getitem(k)
            if x is item or x == item:
                return k
        raise ValueError(f"{item!r} is not in list")

    def count(self, item):
        return sum(1 for x in self if x is item or x == item)

    def reverse(self):
        self._reverse()

    def sort(self, key=None, reverse=False):
        if len(self) < 2:
            return
        if not self._holds_numbers():
            self._replace_items(sorted(self, key=key, reverse=reverse))
            return
        if key is None and not reverse and self._array().dtype.kind != "c":
            self._set_bytes(np.sort(self._array(), kind="stable").tobytes())
            return
        items = sorted(self, key=key, reverse=reverse)
        self._set_bytes(np.asarray(items, dtype=self._array().dtype).tobytes())

    def copy(self):
        if self._holds_numbers() is False:
            return self._with_items(self)
        return self._like(self._to_bytes())

    def clear(self):
        self._clear()

    def __getitem__(self, i):
        if isinstance(i, slice):
            if self._holds_numbers() is False:
                return self._with_items(list(self)[i])
            return self._like(self._array()[i].tobytes())
        return _canonical(self._getitem(_index(i)))

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            items = list(self)
            items[i] = list(value)
            if self._item_typenum() is None:
                self.extend(items)
                return
            self._replace_items(items)
            return
        self._setitem(_index(i), value)

    def __delitem__(self, i):
        if isinstance(i, slice):
            items = list(self)
            del items[i]
            if self._holds_numbers() is False:
                self._replace_items(items)
            elif self._item_typenum() is not None:
                self._set_bytes(np.asarray(items, dtype=self._array().dtype).tobytes())
            return
        i = _index(i)
        n = len(self)
        if not -n <= i < n:
            raise IndexError("list assignment index out of range")
        self._pop(i)

    def __iter__(self):
        k = 0
        while k < len(self):
            yield _canonical(self._getitem(k))
            k += 1

    def __contains__(self, item):
        return any(x is item or x == item for x in self)

    def __eq__(self, other):
        if not isinstance(other, List):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def _order(self, other, op):
        if not isinstance(other, List):
            return NotImplemented
        return op(list(self), list(other))

    def __lt__(self, other):
        return self._order(other, operator.lt)

    def __le__(self, other):
        return self._order(other, operator.le)

    def __gt__(self, other):
        return self._order(other, operator.gt)

    def __ge__(self, other):
        return self._order(other, operator.ge)

    def __iadd__(self, other):
        self.extend(other)
        return self

    def __add__(self, other):
        new = self.copy()
        new.extend(other)
        return new

    def __str__(self):
        return "[" + ", ".join(str(x) for x in self) + "]"

    def __repr__(self):
        name = self._item_name()
        name = "Undefined" if name is None else _numba_name(name)
        return f"ListType[{name}]({self})"

    def __reduce__(self):
        num = self._item_typenum()
        if num is None:
            return (List, ())
        if not self._holds_numbers():
            return (_rebuild_items, (self._item_name(), list(self)))
        return (_rebuild, (_dtype_from_num(num).str, self._to_bytes()))


def _rebuild(dtype, data):
    new = List.empty_list(np.dtype(dtype))
    new._set_bytes(data)
    return new


def _rebuild_items(item_name, items):
    """A List of container items (pickled by item type name, as codes
    differ between processes)."""
    new = List.empty_list(item_name)
    for x in items:
        new._append(x)
    return new


_BY_NUM = {}


def _dtype_from_num(num):
    dt = _BY_NUM.get(num)
    if dt is None:
        for t in (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32,
                  np.uint32, np.int64, np.uint64, np.longlong, np.ulonglong,
                  np.intc, np.uintc, np.float32, np.float64, np.complex64,
                  np.complex128):
            d = np.dtype(t)
            if d.num == num:
                dt = d
                break
        else:
            raise TypeError(f"unknown item type number {num}")
        _BY_NUM[num] = dt
    return dt


_core.register_typed_list(List)


def _key_dtype_of(key_type):
    """The NumPy dtype a Dict key type stands for (numbers, not complex)."""
    dt = _dtype_of(key_type, "Dict key types", "typed Dicts")
    if dt.kind == "c":
        raise TypeError(f"typed Dict keys are booleans, integers or floats, not {dt}")
    return dt


class KeysView(collections.abc.KeysView):
    """``d.keys()``: a live view, in insertion order."""

    __slots__ = ()

    def __iter__(self):
        return self._mapping._iterate(0)


class ValuesView(collections.abc.ValuesView):
    """``d.values()``: a live view, in insertion order."""

    __slots__ = ()

    def __iter__(self):
        return self._mapping._iterate(1)


class ItemsView(collections.abc.ItemsView):
    """``d.items()``: a live view of ``(key, value)``, in insertion order."""

    __slots__ = ()

    def __iter__(self):
        return self._mapping._iterate(2)


_MISSING = object()


class Dict(_core.TypedDictBase):
    """A dict of numbers, keys of one type and values of one type, shared
    with ``@jit`` code; insertion-ordered, as Python's dict.

    ``Dict()`` takes its types from its first item;
    ``Dict.empty(types.int64, types.float64)`` fixes them up front;
    ``Dict(mapping_or_pairs)`` copies.
    """

    _jitufunc_class = "typed.Dict"

    def __init__(self, other=(), /, **kwargs):
        self.update(other, **kwargs)

    def _empty(key_type, value_type, n_keys=0):
        """A new empty ``Dict`` of keys of ``key_type`` and values of
        ``value_type``."""
        new = Dict()
        new._set_types(_key_dtype_of(key_type).num,
                       _item_code(value_type, "Dict value types", "typed Dicts"))
        return new

    _empty._jitufunc_builtin = "typed.Dict.empty"
    empty = staticmethod(_empty)
    del _empty

    # -- types --------------------------------------------------------------
    def _type_names(self):
        """The key and value types as Numba prints them, or None."""
        nums = self._typenums()
        if nums is None:
            return None
        return (_dtype_from_num(nums[0]).name, self._value_name())

    def _ensure_types(self, key, value):
        if self._typenums() is None:
            self._set_types(_key_dtype_of(_dtype_of_value(key, "typed Dicts")).num,
                            _code_of_value(value, "typed Dicts"))

    def _iterate(self, what):
        n = len(self)
        for x in self._snapshot(what):
            if what == 1:
                x = _canonical(x)
            elif what == 2:
                x = (x[0], _canonical(x[1]))
            if len(self) != n:
                raise RuntimeError("dictionary changed size during iteration")
            yield x
        if len(self) != n:
            raise RuntimeError("dictionary changed size during iteration")

    # -- mapping API ---------------------------------------------------------
    def __getitem__(self, key):
        return _canonical(self._getitem(key))

    def __setitem__(self, key, value):
        self._ensure_types(key, value)
        self._setitem(key, value)

    def __delitem__(self, key):
        self._delitem(key)

    def __iter__(self):
        return self._iterate(0)

    def keys(self):
        return KeysView(self)

    def values(self):
        return ValuesView(self)

    def items(self):
        return ItemsView(self)

    def get(self, key, default=None):
        return _canonical(self._get(key, default))

    def setdefault(self, key, default=None):
        found = self._get(key, _MISSING)
        if found is not _MISSING:
            return found
        self[key] = default
        return self._getitem(key)

    def pop(self, key, default=_MISSING):
        if default is _MISSING:
            return self._pop(key)
        return self._pop(key, (default,))

    def popitem(self):
        return self._popitem()

    def update(self, other=(), /, **kwargs):
        if isinstance(other, Dict) or hasattr(other, "keys"):
            pairs = [(k, other[k]) for k in other.keys()]
        else:
            pairs = []
            for pair in other:
                k, v = pair
                pairs.append((k, v))
        pairs.extend(kwargs.items())
        if not pairs:
            return
        # Every pair is checked (in a new Dict) before any is stored.
        checked = Dict()
        nums = self._typenums()
        if nums is not None:
            checked._set_types(*nums)
        for k, v in pairs:
            checked[k] = v
        for k, v in pairs:
            self[k] = v

    def copy(self):
        new = Dict()
        nums = self._typenums()
        if nums is not None:
            new._set_types(*nums)
            for k, v in self._snapshot(2):
                new._setitem(k, v)
        return new

    def clear(self):
        self._clear()

    def __eq__(self, other):
        if isinstance(other, Dict) or isinstance(other, dict):
            if len(self) != len(other):
                return False
            for k, v in self._snapshot(2):
                found = other.get(k, _MISSING)
                if found is _MISSING or not (found == v):
                    return False
            return True
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __str__(self):
        # Values as ``str`` prints them, as Numba's Dict does.
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in self._snapshot(2)) + "}"

    def __repr__(self):
        names = self._type_names()
        if names is None:
            return f"None({self})"
        return f"DictType[{names[0]},{_numba_name(names[1])}]<iv=None>({self})"

    def __reduce__(self):
        names = self._type_names()
        if names is None:
            return (Dict, ())
        return (_rebuild_dict, (names[0], names[1], list(self._snapshot(2))))


def _rebuild_dict(key, value, items):
    """A Dict of ``key`` and ``value`` types (names: ``"int64"``,
    ``"ListType[float64]"``; NumPy dtype strings in older pickles)."""
    new = Dict.empty(np.dtype(key), value if _container_name(value) else np.dtype(value))
    for k, v in items:
        new[k] = v
    return new


collections.abc.MutableMapping.register(Dict)
_core.register_typed_dict(Dict)
