"""Type stub of ``jitufunc.evaluate`` (checked against it by tests/test_public_stub.py)."""

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, overload

import numpy as np

__all__ = ["evaluate", "re_evaluate", "validate"]

_ArrayT = TypeVar("_ArrayT", bound=np.ndarray[Any, Any])
_Order = Literal["C", "F", "A", "K"]
_Casting = Literal["no", "equiv", "safe", "same_kind", "unsafe"]

@overload
def evaluate(
    ex: str,
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
    out: None = None,
    order: _Order = "K",
    casting: _Casting = "safe",
) -> Any: ...
@overload
def evaluate(
    ex: str,
    local_dict: Mapping[str, Any] | None,
    global_dict: Mapping[str, Any] | None,
    out: _ArrayT,
    order: _Order = "K",
    casting: _Casting = "safe",
) -> _ArrayT: ...
@overload
def evaluate(
    ex: str,
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
    *,
    out: _ArrayT,
    order: _Order = "K",
    casting: _Casting = "safe",
) -> _ArrayT: ...
def re_evaluate(
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
) -> Any: ...
def validate(
    ex: str,
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
    out: np.ndarray[Any, Any] | None = None,
    order: _Order = "K",
    casting: _Casting = "safe",
) -> Exception | None: ...
