"""Payloads leave the process as JSON: the check that refuses one that is not, at emit."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from tscrun.errors import PayloadError

__all__ = ["to_json"]


def to_json(event: str, data: Mapping[str, object]) -> str:
    """``data`` as compact JSON, or :class:`~tscrun.PayloadError` naming the key at fault."""
    try:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        # json.dumps turns other keys into strings silently; the handler would then
        # receive something else than was emitted.
        if not _str_keys_only(data):
            raise ValueError
        return text
    except (TypeError, ValueError, RecursionError):
        key, problem = _first_problem(data, "")
        raise PayloadError(event, key or None,
                           f"{problem}; payloads sent through a broker must be JSON (str, int, "
                           "float, bool, None, lists and str-keyed objects)") from None


def _str_keys_only(data: Mapping[str, object]) -> bool:
    todo: list[object] = [data]
    while todo:
        value = todo.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if type(key) is not str:
                    return False
                if isinstance(item, (Mapping, list, tuple)):
                    todo.append(item)
        elif isinstance(value, (list, tuple)):
            todo.extend(item for item in value if isinstance(item, (Mapping, list, tuple)))
    return True


def _first_problem(value: object, path: str, depth: int = 0) -> tuple[str, str]:
    if depth > 100:
        return path, "nested too deeply (a cycle?)"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return path, f"key {key!r} is not a string"
            found = _first_problem(item, f"{path}.{key}" if path else key, depth + 1)
            if found[1]:
                return found
        return path, ""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _first_problem(item, f"{path}[{i}]", depth + 1)
            if found[1]:
                return found
        return path, ""
    if isinstance(value, float) and not math.isfinite(value):
        return path, f"{value!r} is not a JSON number"
    if value is None or isinstance(value, (str, int, float, bool)):
        return path, ""
    return path, f"{type(value).__name__} {value!r:.60} is not JSON"
