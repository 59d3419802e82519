"""The one table of diagnostic codes and messages.

The CLI, the flake8 plugin, the mypy plugin and the generated docs all read
from here, so a user sees the same words wherever a problem is reported.
Messages are ``str.format`` templates; every field is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Code:
    code: str
    where: str
    mypy_code: str | None
    summary: str
    message: str

    def format(self, **fields: object) -> str:
        return self.message.format(**{k: _one_line(v) for k, v in fields.items()})


def _one_line(value: object) -> object:
    """A field as it may appear in a message: control and separator characters escaped.

    Event names come from user code ("user.registered\\n"); a raw newline would split
    one diagnostic over two lines of CLI and flake8 output.
    """
    if isinstance(value, str) and not value.isprintable():
        return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value)
    return value


_ALL = (
    Code("TSC001", "emit", "tscrun-unknown-event",
         "event name is not configured",
         'unknown event "{name}"{hint}'),
    Code("TSC002", "emit", "tscrun-dynamic-event",
         "event name is not statically known",
         "event name is not statically known; pass a string literal, a module constant "
         "or a Literal-typed value so it can be checked"),
    Code("TSC003", "emit, config", "tscrun-event-name",
         "event name breaks the naming convention",
         'event name "{name}" does not match the naming convention {pattern}'),
    Code("TSC101", "emit", None,
         "payload lacks required key(s)",
         'payload for "{event}" is missing required key(s) {keys} of "{typed_dict}"'),
    Code("TSC102", "emit", None,
         "payload has key(s) the TypedDict does not declare",
         'payload for "{event}" has key(s) {keys} not declared in "{typed_dict}"'),
    Code("TSC103", "emit", None,
         "a payload value has the wrong type",
         'payload for "{event}": key "{key}" is {actual}, expected {expected} ("{typed_dict}")'),
    Code("TSC104", "emit", "arg-type",
         "payload is declared as another TypedDict than the event's, or as a plain dict",
         'payload for "{event}" is "{actual}", which is not compatible with "{typed_dict}"{reason}'),
    Code("TSC105", "emit", "arg-type",
         "payload is not a mapping",
         'payload for "{event}" is {actual}, expected "{typed_dict}"'),
    Code("TSC201", "config", None,
         "subscriber handler not found",
         'handler "{target}" of subscriber "{subscriber}" not found: {reason}'),
    Code("TSC202", "subscriber", None,
         "handler's Event[...] annotation does not match the subscriber's events",
         'handler of subscriber "{subscriber}" {problem}'),
    Code("TSC203", "subscriber", None,
         "subscriber handler is a generator",
         'handler "{target}" of subscriber "{subscriber}" is {kind} function: calling it runs '
         "none of its body; make it a plain async def (or def) that returns None"),
    Code("TSC301", "config", "tscrun-missing-type",
         "configured event has no TypedDict",
         'event "{event}" has no payload TypedDict: {reason}'),
    Code("TSC302", "config", "tscrun-config",
         "configuration invalid",
         "invalid tscrun configuration: {reason}"),
    Code("TSC900", "file", None,
         "file could not be read or parsed",
         "could not check this file: {reason}"),
)

CODES: Mapping[str, Code] = MappingProxyType({c.code: c for c in _ALL})

# The end of a TSC301 reason when the convention found nothing. No square
# brackets: mypy's message parsers in editors take `` [`` for its code suffix.
CONVENTION_HINT = "; define it there or name the event's TypedDict in the events.types table"


def message(code: str, **fields: object) -> str:
    """The formatted message for ``code``."""
    return CODES[code].format(**fields)
