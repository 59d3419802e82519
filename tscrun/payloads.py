"""Read-only payloads, so that no one can change what another delivery receives.

``emit`` freezes the payload once it is validated: the caller may reuse its
dict the moment ``emit`` returns, and every subscriber, retry and redrive of
the event sees exactly the payload as validated. ``event.data`` is a
:class:`FrozenDict` (a ``dict`` whose nested dicts and lists are frozen too):
reading, iterating, ``json.dumps`` and ``isinstance(data, dict)`` work as for
any dict; assigning raises ``TypeError``. ``dict(event.data)`` or
``copy.deepcopy(event.data)`` (plain, mutable dicts and lists all the way
down) give a handler a copy of its own.

Why a read-only view rather than a copy per delivery: a deep copy for each
subscriber and each attempt would cost more than the rest of a delivery; one
freeze per emit costs about one copy, and re-emitting a frozen payload costs
nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = ["FrozenDict", "FrozenList", "freeze", "thaw"]

_ATOMIC = frozenset({str, int, float, bool, type(None), bytes, complex})
_MESSAGE = ("event payloads are read-only (every subscriber and retry sees the payload as "
            "emitted); make a copy to change it: copy.deepcopy(event.data) or dict(event.data)")


def _read_only(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(_MESSAGE)


class FrozenDict(dict):  # type: ignore[type-arg]
    """A ``dict`` that refuses changes; what ``event.data`` is."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return {key: thaw(item) for key, item in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self.__deepcopy__({}),))


class FrozenList(list):  # type: ignore[type-arg]
    """A ``list`` that refuses changes (a list inside a payload)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [thaw(item) for item in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (self.__deepcopy__({}),))


def freeze(data: Mapping[str, object]) -> FrozenDict:
    """A read-only deep snapshot of ``data`` (a frozen payload is returned as it is).

    Dicts and lists are frozen; strings, numbers and other immutable values are
    shared; anything else is deep-copied (the snapshot must not change when
    the caller's object does). Raises ``RecursionError`` for a payload nested
    deeper than the interpreter's recursion limit allows.
    """
    if type(data) is FrozenDict:
        return data
    return FrozenDict({key: value if type(value) in _ATOMIC else _freeze(value)
                       for key, value in data.items()})


def _freeze(value: Any) -> Any:
    # Loops, not comprehensions: on 3.11 a comprehension is a frame of its
    # own, which would halve the depth of payload that can be frozen.
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            out[key] = item if type(item) in _ATOMIC else _freeze(item)
        return FrozenDict(out)
    if kind is list:
        items = []
        for item in value:
            items.append(item if type(item) in _ATOMIC else _freeze(item))
        return FrozenList(items)
    if kind is FrozenDict or kind is FrozenList or kind in _ATOMIC:
        return value
    if kind is tuple:
        return tuple(item if type(item) in _ATOMIC else _freeze(item) for item in value)
    if isinstance(value, Mapping):
        return FrozenDict({key: _freeze(item) for key, item in value.items()})
    return copy.deepcopy(value)


def thaw(value: Any) -> Any:  # noqa: ANN401 - any part of a payload
    """A plain, mutable deep copy of a frozen payload (or part of one)."""
    if isinstance(value, dict):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list):
        return [thaw(item) for item in value]
    if type(value) is tuple:
        return tuple(thaw(item) for item in value)
    if type(value) in _ATOMIC:
        return value
    return copy.deepcopy(value)
