from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class WrongTypedDict(PayloadRule):
    """The payload is declared as a TypedDict that is not compatible with the event's.

    TypedDicts are structural: another TypedDict is accepted when it has every
    key of the event's TypedDict with compatible types and the same
    required-ness (a subclass that adds keys is fine). This is reported only
    when the payload's declared type is known and is not compatible.
    """

    CODE = "TSC104"
    WHY = "Usually the payload of another event was passed: subscribers would read the wrong shape."
    FIX = "Pass a payload of the event's TypedDict, or emit the event that matches this payload."

    VALID = (
        Valid("""
            from events.user_registered import UserRegisteredEvent
            from tscrun import events

            async def run(user: UserRegisteredEvent) -> None:
                await events.emit("user.registered", user)
            """),
    )
    INVALID = (
        Invalid("""
            from events.user_verified import UserVerifiedEvent
            from tscrun import events

            async def run(verified: UserVerifiedEvent) -> None:
                await events.emit("user.registered", verified)
            """, expect=("TSC104 5:42",)),
    )
