"""Copies of payloads, so that no one can change what another delivery receives.

``emit`` takes a snapshot of the payload once it is validated (a caller may
reuse its dict the moment ``emit`` returns) and every delivery attempt gets a
fresh copy of that snapshot (a handler that mutates ``event.data`` changes
neither the other subscribers' copies nor what a retry or a redrive sees).

Payloads are JSON-like: dicts, lists, strings and numbers. Those are copied
here without recursion (a payload nested thousands deep is still copied) and
about ten times faster than :func:`copy.deepcopy`; anything else inside is
handed to :func:`copy.deepcopy`. Shared and cyclic containers keep their
shape, as with ``deepcopy``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["copy_payload", "snapshot_payload"]

# Immutable values that are shared rather than copied.
_ATOMIC = frozenset({str, int, float, bool, type(None), bytes, complex})


def snapshot_payload(data: Mapping[str, object]) -> dict[str, Any]:
    """A deep copy of ``data`` as a plain dict (a read-only mapping becomes a dict)."""
    if type(data) is not dict:
        data = dict(data)
    return copy_payload(data)


def copy_payload(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a payload dict."""
    out = data.copy()
    flat = True
    for value in out.values():
        if type(value) not in _ATOMIC:
            flat = False
            break
    if flat:  # the common case: a dict of strings and numbers
        return out
    memo: dict[int, Any] = {id(data): out}
    todo: list[dict[Any, Any] | list[Any]] = [out]
    while todo:
        container = todo.pop()
        items = container.items() if type(container) is dict else enumerate(container)
        for key, value in items:
            kind = type(value)
            if kind in _ATOMIC:
                continue
            done = memo.get(id(value))
            if done is None:
                if kind is dict or kind is list:
                    done = value.copy()
                    todo.append(done)
                else:
                    done = copy.deepcopy(value, memo)
                memo[id(value)] = done
            # Replacing the value of an existing key (or index) is allowed
            # while iterating: the size does not change.
            container[key] = done
    return out
