"""JSON Schema of an event's payload, from its TypedDict.

The schema says what ``emit`` accepts, so it is built from the same reading of
the TypedDict that validation at ``emit`` uses (:func:`tscrun.validation.typed_dict_fields`):
required and optional keys, no undeclared keys, nested TypedDicts, lists,
dicts, unions, ``Literal``.

Draft 4 on purpose: it is the dialect EventBridge's schema registry accepts
(``JSONSchemaDraft4``), and its ``definitions`` / ``$ref`` also read correctly
under later drafts. Nested TypedDicts become ``definitions`` (so recursion
works); the event's own TypedDict is the root.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

import typing_extensions

from tscrun.validation import is_typeddict, strip_qualifiers, typed_dict_fields

__all__ = ["DRAFT", "payload_schema"]

DRAFT = "http://json-schema.org/draft-04/schema#"

_JsonSchema = dict[str, Any]
_PLAIN: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean",
                          type(None): "null", None: "null"}
_ARRAYS = (list, tuple, set, frozenset, Sequence, list, typing.Sequence)
_OBJECTS = (dict, Mapping, dict, typing.Mapping)


class _Builder:
    def __init__(self, root: type) -> None:
        self.root = root
        self.definitions: dict[str, _JsonSchema] = {}
        self.names: dict[type, str] = {}
        self.problems: list[str] = []

    def typed_dict(self, td: type) -> _JsonSchema:
        properties: dict[str, _JsonSchema] = {}
        required: list[str] = []
        for key, tp, is_required in typed_dict_fields(td):
            properties[key] = self.of(tp, f"{td.__name__}.{key}")
            if is_required:
                required.append(key)
        schema: _JsonSchema = {"type": "object", "properties": properties}
        if required:  # draft 4 wants a non-empty array or nothing
            schema["required"] = required
        # emit refuses undeclared keys, so the schema does too
        schema["additionalProperties"] = False
        return schema

    def ref(self, td: type) -> _JsonSchema:
        if td is self.root:
            return {"$ref": "#"}
        name = self.names.get(td)
        if name is None:
            name = td.__name__
            if name in self.definitions:  # two TypedDicts of one name in different modules
                name = f"{td.__module__}.{td.__qualname__}"
            self.names[td] = name
            self.definitions[name] = {}  # reserved first: a recursive type refers back to it
            self.definitions[name] = {"title": td.__name__, **self.typed_dict(td)}
        return {"$ref": f"#/definitions/{name}"}

    def of(self, tp: Any, where: str) -> _JsonSchema:
        tp = strip_qualifiers(tp)
        if tp is Any or tp is object:
            return {}
        if tp in _PLAIN:
            return {"type": _PLAIN[tp]}
        if is_typeddict(tp):
            return self.ref(tp)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [member.value for member in tp]}
        supertype = getattr(tp, "__supertype__", None)  # NewType
        if supertype is not None:
            return self.of(supertype, where)
        alias_value = getattr(tp, "__value__", None)  # `type X = ...` (3.12+)
        if alias_value is not None and type(tp).__name__ == "TypeAliasType":
            return self.of(alias_value, where)
        origin, args = get_origin(tp), get_args(tp)
        if origin in (Union, types.UnionType):
            return _union([self.of(arg, where) for arg in args])
        if origin in (Literal, typing_extensions.Literal):
            return {"enum": _literal_values(args)}
        if origin is tuple and args and args[-1] is not Ellipsis:
            if args == ((),):  # tuple[()]
                return {"type": "array", "maxItems": 0}
            return {"type": "array", "items": [self.of(a, where) for a in args],
                    "additionalItems": False, "minItems": len(args), "maxItems": len(args)}
        if origin in _ARRAYS or tp in (list, tuple):
            items = self.of(args[0], where) if args else {}
            return {"type": "array", "items": items} if items else {"type": "array"}
        if origin in _OBJECTS or tp is dict:
            values = self.of(args[1], where) if len(args) == 2 else {}
            return {"type": "object", "additionalProperties": values} if values else \
                {"type": "object"}
        self.problems.append(f'"{where}": {tp!r} has no JSON form; its schema accepts any value')
        return {}


def _literal_values(args: tuple[Any, ...]) -> list[Any]:
    values: list[Any] = []
    for arg in args:
        if get_origin(arg) in (Literal, typing_extensions.Literal):
            values.extend(_literal_values(get_args(arg)))
        elif isinstance(arg, enum.Enum):
            values.append(arg.value)
        else:
            values.append(arg)
    return values


def _union(members: list[_JsonSchema]) -> _JsonSchema:
    if any(not m for m in members):
        return {}  # one member accepts anything
    # int | None reads better as {"type": ["integer", "null"]} than as anyOf
    if all(set(m) == {"type"} and isinstance(m["type"], str) for m in members):
        names = list(dict.fromkeys(m["type"] for m in members))
        return {"type": names[0] if len(names) == 1 else names}
    return {"anyOf": members}


def payload_schema(typed_dict: type, *, title: str | None = None,
                   description: str | None = None) -> tuple[_JsonSchema, list[str]]:
    """The JSON Schema of payloads of ``typed_dict``, and what it could not express.

    The problems are parts of the TypedDict with no JSON form (a ``bytes`` or
    ``datetime`` value): the schema accepts anything there, and each is named
    as ``"Class.key": ...``.
    """
    if not is_typeddict(typed_dict):
        raise TypeError(f"{typed_dict!r} is not a TypedDict")
    builder = _Builder(typed_dict)
    body = builder.typed_dict(typed_dict)
    schema: _JsonSchema = {"$schema": DRAFT, "title": title or typed_dict.__name__}
    if description:
        schema["description"] = description
    schema.update(body)
    if builder.definitions:
        schema["definitions"] = dict(sorted(builder.definitions.items()))
    return schema, builder.problems
