from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class WrongTypedDict(PayloadRule):
    """The payload is declared as a TypedDict that is not compatible with the event's,
    or is a plain dict or mapping.

    TypedDicts are structural: another TypedDict is accepted when it has every
    key of the event's TypedDict with compatible types and the same
    required-ness (a subclass that adds keys is fine). This is reported only
    when the payload's declared type is known and is not compatible.

    A ``dict``/``Mapping`` is never a TypedDict to mypy, whatever it holds: a
    parameter ``data: dict[str, Any]``, a ``**`` of one inside a display, and a
    variable assigned a dict display without an annotation (mypy types it from
    the display alone, as ``dict[str, object]``) are all rejected by mypy.
    """

    CODE = "TSC104"
    WHY = "Usually the payload of another event was passed: subscribers would read the wrong shape."
    FIX = ("Pass a payload of the event's TypedDict, or emit the event that matches this payload; "
           "annotate a payload variable with the TypedDict (payload: UserRegisteredEvent = {...}).")

    VALID = (
        Valid("""
            from events.user_registered import UserRegisteredEvent
            from tscrun import events

            async def run(user: UserRegisteredEvent) -> None:
                await events.emit("user.registered", user)
            """),
        Valid("""
            from events.user_registered import UserRegisteredEvent
            from tscrun import events

            async def run() -> None:
                payload: UserRegisteredEvent = {"id": "1", "name": "A", "email": "e",
                                                "registeredAt": "t"}
                await events.emit("user.registered", payload)
            """),
    )
    INVALID = (
        Invalid("""
            from events.user_verified import UserVerifiedEvent
            from tscrun import events

            async def run(verified: UserVerifiedEvent) -> None:
                await events.emit("user.registered", verified)
            """, expect=("TSC104 5:42",)),
        Invalid("""
            from typing import Any

            from tscrun import events

            async def run(data: dict[str, Any]) -> None:
                await events.emit("user.registered", data)
            """, expect=("TSC104 6:42",)),
        Invalid("""
            from tscrun import events

            async def run() -> None:
                payload = {"id": "1", "name": "A", "email": "e", "registeredAt": "t"}
                await events.emit("user.registered", payload)
            """, expect=("TSC104 5:42",)),
    )
