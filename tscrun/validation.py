"""Payload validation at ``emit``: a payload must match its event's TypedDict.

The checking itself is typeguard's (required and unknown keys, nested
TypedDicts, lists, dicts, unions, ``Optional``, ``Literal``, ``NotRequired`` /
``Required`` / ``total=False``, an ``int`` where a ``float`` is declared). This
module prepares each event's check once and, only when a check fails, walks
the failure back to the key path and the declared type, so that
:class:`~tscrun.PayloadError` says ``at key "lines[0].price": expected float,
got str '12'`` rather than typeguard's generic wording.

Speed: typeguard interprets the annotations on every call (about 10-25 us for
a small nested payload), which alone would cost more than a whole delivery.
So each event's TypedDict is also compiled once into plain ``isinstance``
checks for the types payloads are made of (str, int, float, bool, None,
TypedDicts, list, dict, unions, Literal); anything else inside is handed to
typeguard. That fast check only answers yes or no: when it says no, typeguard
runs and has the last word (and its failure is what gets explained). A
property test holds the two to the same answers.
"""

from __future__ import annotations

import ast
import reprlib
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union, get_args, get_origin

import typing_extensions

from tscrun.errors import PayloadError
from tscrun.names import closest_name

__all__ = ["PayloadValidator", "UnusablePayloadType", "describe_type", "is_typeddict"]

_QUALIFIERS = {typing.Required, typing.NotRequired, typing.Annotated,
               typing_extensions.Required, typing_extensions.NotRequired,
               typing_extensions.ReadOnly, typing_extensions.Annotated}

# One path step of a failure: ("field", "lines") of a TypedDict, ("key", k) of a
# dict, ("item", 0) of a list or tuple, or ("raw", text) when not understood.
_Step = tuple[str, object]


class UnusablePayloadType(Exception):
    """The configured payload type is not a TypedDict or its annotations don't resolve."""


def is_typeddict(obj: object) -> bool:
    # typing_extensions' check also knows its own TypedDict (used for ReadOnly
    # on 3.11/3.12), which typing.is_typeddict does not.
    return typing_extensions.is_typeddict(obj)


def _strip(tp: Any) -> Any:
    """``NotRequired[Annotated[int, ...]]`` -> ``int``."""
    while get_origin(tp) in _QUALIFIERS:
        tp = get_args(tp)[0]
    return tp


_hints_cache: dict[type, dict[str, Any]] = {}


def _hints(typed_dict: type) -> dict[str, Any]:
    hints = _hints_cache.get(typed_dict)
    if hints is None:
        raw = typing.get_type_hints(typed_dict, include_extras=True)
        hints = {key: _strip(tp) for key, tp in raw.items()}
        _hints_cache[typed_dict] = hints
    return hints


def _resolve_all(tp: Any, seen: set[int]) -> None:
    """Resolve every annotation reachable from ``tp`` now, so a broken one fails at setup."""
    tp = _strip(tp)
    if id(tp) in seen:
        return
    seen.add(id(tp))
    if is_typeddict(tp):
        for hint in _hints(tp).values():
            _resolve_all(hint, seen)
    for arg in get_args(tp):
        if arg is not Ellipsis and not isinstance(arg, (str, int, bytes, bool)):
            _resolve_all(arg, seen)


def _required_keys(typed_dict: Any) -> frozenset[str]:
    """Required keys as typeguard sees them.

    ``__required_keys__`` misses ``NotRequired[...]`` written as a string
    (``from __future__ import annotations``) on 3.11, so the resolved
    qualifiers decide, as they do in typeguard.
    """
    required = set(typed_dict.__required_keys__)
    raw = typing.get_type_hints(typed_dict, include_extras=True)
    for key, tp in raw.items():
        while get_origin(tp) in _QUALIFIERS:
            origin = get_origin(tp)
            if origin in (typing.NotRequired, typing_extensions.NotRequired):
                required.discard(key)
            elif origin in (typing.Required, typing_extensions.Required):
                required.add(key)
            tp = get_args(tp)[0]
    return frozenset(required)


_Check = Callable[[Any], bool]
_MISSING = object()
_NO_EXTRA_ITEMS = getattr(typing_extensions, "NoExtraItems", None)
# typeguard checks these with isinstance (float and complex with the numeric
# tower), so the fast path may too; everything else goes through typeguard.
_PLAIN: dict[Any, tuple[type, ...]] = {
    str: (str,), int: (int,), bool: (bool,), float: (float, int),
    complex: (complex, float, int), type(None): (type(None),), None: (type(None),),
}


def _plain_classes(tp: Any) -> tuple[type, ...] | None:
    """The classes ``tp`` is exactly an isinstance test for, if it is one."""
    tp = _strip(tp)
    if tp in _PLAIN:
        return _PLAIN[tp]
    if get_origin(tp) in (Union, types.UnionType):
        classes: list[type] = []
        for member in get_args(tp):
            member_classes = _plain_classes(member)
            if member_classes is None:
                return None
            classes.extend(member_classes)
        return tuple(dict.fromkeys(classes))
    return None


def _accept(value: Any) -> bool:
    return True


class _Compiler:
    """Turns an annotation into a yes/no check that agrees with typeguard."""

    def __init__(self, slow: Callable[[Any, Any], bool]) -> None:
        self.slow = slow
        self.typed_dicts: dict[int, list[_Check]] = {}
        self.forward: dict[int, list[_Check]] = {}

    def compile(self, tp: Any) -> _Check:
        tp = _strip(tp)
        if tp is Any or tp is object:
            return _accept
        classes = _plain_classes(tp)
        if classes is not None:
            return lambda value: isinstance(value, classes)
        if is_typeddict(tp):
            return self._typed_dict(tp)
        origin, args = get_origin(tp), get_args(tp)
        if origin in (list, typing.List):
            item = self.compile(args[0]) if args else _accept
            if item is _accept:
                return lambda value: isinstance(value, list)
            return lambda value: isinstance(value, list) and all(map(item, value))
        if origin in (dict, typing.Dict):
            key = self.compile(args[0]) if args else _accept
            val = self.compile(args[1]) if args else _accept
            return lambda value: (isinstance(value, dict) and all(map(key, value))
                                  and all(map(val, value.values())))
        if origin in (Union, types.UnionType):
            members = tuple(self.compile(m) for m in args)
            return lambda value: any(check(value) for check in members)
        if origin in (Literal, typing_extensions.Literal):
            return _literal(args)
        slow = self.slow
        return lambda value: slow(value, tp)

    def _typed_dict(self, tp: Any) -> _Check:
        seen = self.typed_dicts.get(id(tp))
        if seen is not None:  # recursive TypedDict: check through the cell
            def recursive(value: Any) -> bool:
                return seen[0](value)
            self.forward.setdefault(id(tp), []).append(recursive)
            return recursive
        if getattr(tp, "__extra_items__", _NO_EXTRA_ITEMS) is not _NO_EXTRA_ITEMS:
            slow = self.slow
            return lambda value: slow(value, tp)
        cell: list[_Check] = [_accept]
        self.typed_dicts[id(tp)] = cell
        hints = _hints(tp)
        declared = frozenset(hints)
        required = _required_keys(tp)
        plain: list[tuple[str, tuple[type, ...]]] = []
        other: list[tuple[str, _Check]] = []
        for key, hint in hints.items():
            classes = _plain_classes(hint)
            if classes is not None:
                plain.append((key, classes))
            else:
                check = self.compile(hint)
                if check is not _accept:
                    other.append((key, check))
        missing = _MISSING

        def check_typed_dict(value: Any) -> bool:
            if not isinstance(value, dict):
                return False
            keys = value.keys()
            if not (keys <= declared and keys >= required):
                return False
            get = value.get
            for key, classes in plain:
                item = get(key, missing)
                if item is not missing and not isinstance(item, classes):
                    return False
            for key, check in other:
                item = get(key, missing)
                if item is not missing and not check(item):
                    return False
            return True

        cell[0] = check_typed_dict
        # A field holding this same TypedDict calls it directly, not through
        # the cell: one frame per level, so a payload nested hundreds deep
        # stays far from the recursion limit.
        forward = self.forward.pop(id(tp), [])
        other[:] = [(key, check_typed_dict if check in forward else check)
                    for key, check in other]
        return check_typed_dict


def _literal(args: tuple[Any, ...]) -> _Check:
    values: list[Any] = []

    def flatten(items: tuple[Any, ...]) -> None:
        for item in items:
            if get_origin(item) in (Literal, typing_extensions.Literal):
                flatten(get_args(item))
            else:
                values.append(item)

    flatten(args)
    # typeguard compares type first (so True is not 1), then value.
    allowed = frozenset((type(v), v) for v in values)

    def check_literal(value: Any) -> bool:
        try:
            return (type(value), value) in allowed
        except TypeError:  # unhashable: no Literal value is
            return False

    return check_literal


def describe_type(tp: Any) -> str:
    """A type as a user wrote it: ``list[OrderLine]``, ``int | None``, ``Literal['a', 'b']``."""
    tp = _strip(tp)
    if tp is None or tp is type(None):
        return "None"
    if tp is Any:
        return "Any"
    if isinstance(tp, typing.ForwardRef):
        return tp.__forward_arg__
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Union or origin is types.UnionType:
        return " | ".join(describe_type(a) for a in args)
    if origin is Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None:
        name = getattr(origin, "__name__", None) or repr(origin).replace("typing.", "")
        inner = ", ".join("..." if a is Ellipsis else describe_type(a) for a in args)
        return f"{name}[{inner}]" if args else name
    if isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")


def _describe_value(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, (dict, list, tuple, set)):
        return type(value).__name__
    return f"{type(value).__name__} {reprlib.repr(value)}"


def _format_path(steps: list[_Step]) -> str:
    out = ""
    for kind, arg in steps:
        if kind == "field":
            out += f".{arg}" if out else str(arg)
        elif kind in ("key", "item"):
            out += f"[{arg!r}]"
        else:
            out += f".<{arg}>" if out else f"<{arg}>"
    return out


def _parse_step(element: str) -> _Step:
    # typeguard's path elements: "value of key 'lines'", "item 0", "key 'k'"
    for prefix, kind in (("value of key ", "key"), ("item ", "item"), ("key ", "dictkey")):
        if element.startswith(prefix):
            text = element[len(prefix):]
            try:
                return kind, ast.literal_eval(text)
            except (ValueError, SyntaxError):
                break
    return "raw", element


def _runtime_class(tp: Any) -> type | tuple[type, ...] | None:
    """The class a value must be an instance of to possibly match ``tp``."""
    tp = _strip(tp)
    if tp is None or tp is type(None):
        return type(None)
    if is_typeddict(tp):
        return dict
    origin = get_origin(tp)
    if origin is not None:
        return origin if isinstance(origin, type) else None
    return tp if isinstance(tp, type) else None


class PayloadValidator:
    """Checks payloads of one event against its TypedDict. Built once per event."""

    __slots__ = ("_check", "_error", "_fast", "_memo", "event", "typed_dict")

    def __init__(self, event: str, typed_dict: type) -> None:
        if not is_typeddict(typed_dict):
            raise UnusablePayloadType(f'"{getattr(typed_dict, "__name__", typed_dict)}" '
                                      "is not a TypedDict")
        try:
            _resolve_all(typed_dict, set())
        except Exception as exc:
            raise UnusablePayloadType(
                f'the annotations of "{typed_dict.__name__}" cannot be resolved: {exc!r}') from exc
        # Imported here, not at module level: typeguard scans entry points on
        # import, which `import tscrun` should not pay for.
        from typeguard import (
            CollectionCheckStrategy,
            ForwardRefPolicy,
            TypeCheckConfiguration,
            TypeCheckError,
            TypeCheckMemo,
            check_type_internal,
        )

        self.event = event
        self.typed_dict = typed_dict
        config = TypeCheckConfiguration(collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS,
                                        forward_ref_policy=ForwardRefPolicy.ERROR)
        # String annotations (``from __future__ import annotations``) are
        # ForwardRefs bound to their own module; passing the same dict as
        # globals and locals lets the typing module cache each evaluation
        # instead of re-running eval() on every emit.
        namespace = vars(sys.modules[typed_dict.__module__]) \
            if typed_dict.__module__ in sys.modules else {}
        self._memo = TypeCheckMemo(namespace, namespace, config=config)
        self._check = check_type_internal
        self._error = TypeCheckError
        self._fast = _Compiler(self._passes).compile(typed_dict)

    def _passes(self, value: object, tp: Any) -> bool:
        try:
            self._check(value, tp, self._memo)
        except (self._error, TypeError):
            return False
        return True

    def __call__(self, data: object) -> None:
        """Raise :class:`PayloadError` unless ``data`` matches the event's TypedDict."""
        if type(data) is not dict:
            if not isinstance(data, Mapping):
                raise PayloadError(self.event, None, f"expected a mapping ({self.typed_dict.__name__}"
                                   f"), got {_describe_value(data)}")
            data = dict(data)
        try:
            if self._fast(data):
                return
        except RecursionError:
            raise PayloadError(self.event, None, "the payload is nested too deeply to check "
                               "(deeper than the interpreter's recursion limit)") from None
        # typeguard decides (the fast check may refuse what it accepts, such
        # as a Mock) and its failure is what gets explained.
        try:
            self._check(data, self.typed_dict, self._memo)
        except self._error as exc:
            raise self._explain(data, exc) from None
        except (TypeError, RecursionError):
            pass  # typeguard cannot check this type (Literal[1.5]): the fast check stands
        else:
            if not _typeguard_misreads(self.typed_dict, set()):
                return
        # typeguard passed a payload that a qualifier inside Annotated (which
        # it does not look into) or a Literal it refuses makes invalid.
        raise PayloadError(self.event, *self._explain_fast(data, self.typed_dict, ""))

    def _explain_fast(self, value: Any, tp: Any, path: str) -> tuple[str | None, str]:
        """(key path, problem) of the first failure the fast check finds."""
        tp = _strip(tp)
        if is_typeddict(tp) and isinstance(value, Mapping):
            hints = _hints(tp)
            required = _required_keys(tp)
            missing = [k for k in hints if k in required and k not in value]
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                return (f"{path}.{missing[0]}" if path else missing[0],
                        f"missing required key(s) {keys} of {tp.__name__}")
            extra = [k for k in value if k not in hints]
            if extra:
                return (f"{path}.{extra[0]}" if path else str(extra[0]),
                        f"unexpected key(s) {', '.join(repr(k) for k in extra)}")
            compiler = _Compiler(self._passes)
            for key, hint in hints.items():
                if key in value and not compiler.compile(hint)(value[key]):
                    return self._explain_fast(value[key], hint, f"{path}.{key}" if path else key)
        return path or None, f"expected {describe_type(tp)}, got {_describe_value(value)}"

    def _explain(self, data: object, exc: Exception) -> PayloadError:
        steps, problem = self._diagnose(data, self.typed_dict, exc)
        return PayloadError(self.event, _format_path(steps) or None, problem)

    def _diagnose(self, value: object, tp: Any, exc: Exception) -> tuple[list[_Step], str]:
        # typeguard records the path from the failure outwards (private, but
        # stable in typeguard 4; without it we still report its message).
        elements: list[str] = list(reversed(getattr(exc, "_path", ())))
        message = str(exc.args[0]) if exc.args else str(exc)
        steps: list[_Step] = []
        cur_t, cur_v = _strip(tp), value
        for element in elements:
            step = _parse_step(element)
            # A TypedDict's keys read as fields (a.b); a dict's as subscripts (a['b']).
            steps.append(("field", step[1]) if step[0] == "key" and is_typeddict(cur_t) else step)
            try:
                cur_t, cur_v = _descend(cur_t, cur_v, step)
            except Exception:
                return steps, f"{element} {message}"
        if message.startswith("is missing required key(s)") and is_typeddict(cur_t) \
                and isinstance(cur_v, Mapping):
            missing = [k for k in _hints(cur_t) if k in _required_keys(cur_t) and k not in cur_v]
            if missing:
                steps.append(("field", missing[0]))
                keys = ", ".join(f'"{k}"' for k in missing)
                return steps, f"missing required key(s) {keys} of {cur_t.__name__}"
        if message.startswith("has unexpected extra key(s)") and is_typeddict(cur_t) \
                and isinstance(cur_v, Mapping):
            declared = list(_hints(cur_t))
            extra = [k for k in cur_v if k not in declared]
            if extra:
                steps.append(("field", extra[0]))
                names = ", ".join(f'"{k}"' for k in extra)
                close = closest_name(str(extra[0]), declared) if len(extra) == 1 else None
                hint = f' (did you mean "{close}"?)' if close else ""
                allowed = ", ".join(f'"{k}"' for k in declared)
                return steps, (f"unexpected key(s) {names}{hint}; {cur_t.__name__} declares "
                               f"{allowed}")
        origin = get_origin(cur_t)
        if origin is Union or origin is types.UnionType:
            # Say what is wrong inside the one member the value was meant to be,
            # not just "did not match any element in the union".
            members = [m for m in get_args(cur_t)
                       if (cls := _runtime_class(m)) is not None and isinstance(cur_v, cls)]
            if len(members) == 1:
                try:
                    self._check(cur_v, members[0], self._memo)
                except self._error as inner:
                    more, problem = self._diagnose(cur_v, members[0], inner)
                    return steps + more, problem
        return steps, f"expected {describe_type(cur_t)}, got {_describe_value(cur_v)}"


def _descend(tp: Any, value: Any, step: _Step) -> tuple[Any, Any]:
    """The declared type and the value one path step further in."""
    kind, arg = step
    origin = get_origin(tp)
    args = get_args(tp)
    if kind == "key":
        if is_typeddict(tp) and isinstance(arg, str):
            return _strip(_hints(tp)[arg]), value[arg]
        return _strip(args[1]) if len(args) == 2 else Any, value[arg]
    if kind == "dictkey":
        return _strip(args[0]) if args else Any, arg
    if kind == "item":
        assert isinstance(arg, int)
        item = value[arg] if isinstance(value, (list, tuple)) else list(value)[arg]
        if origin is tuple and args and args[-1] is not Ellipsis:
            return _strip(args[arg]), item
        return _strip(args[0]) if args else Any, item
    raise ValueError(step)


def _typeguard_misreads(tp: Any, seen: set[int]) -> bool:
    """Whether ``tp`` holds what typeguard checks wrongly without saying so.

    ``Annotated[NotRequired[int], ...]`` (and ``Required``/``ReadOnly`` inside
    ``Annotated``): typeguard unwraps ``Annotated`` and then accepts anything.
    The fast check reads these correctly, so it decides alone there.
    """
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if get_origin(tp) in (typing.Annotated, typing_extensions.Annotated):
        inner = get_args(tp)[0]
        if get_origin(inner) in _QUALIFIERS:
            return True
    if is_typeddict(tp):
        raw = typing.get_type_hints(tp, include_extras=True)
        return any(_typeguard_misreads(hint, seen) for hint in raw.values())
    return any(_typeguard_misreads(arg, seen) for arg in get_args(tp)
               if arg is not Ellipsis and not isinstance(arg, (str, int, float, bytes, bool)))


def typed_dict_fields(typed_dict: type) -> list[tuple[str, Any, bool]]:
    """``(key, type, required)`` for each key of ``typed_dict``, read as the check at emit reads it.

    Qualifiers (``NotRequired``, ``ReadOnly``, ``Annotated``) are stripped from
    the type; other tools (the JSON Schema of ``tscrun aws plan``) build on
    this so that they never disagree with validation about what a payload is.
    """
    required = _required_keys(typed_dict)
    return [(key, tp, key in required) for key, tp in _hints(typed_dict).items()]


strip_qualifiers = _strip
