from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class NotAMapping(PayloadRule):
    """The payload is not a mapping at all (a list, a string, a number, ``None``...)."""

    CODE = "TSC105"
    WHY = "Every subscriber reads `event.data[...]`; anything but a mapping fails in all of them."
    FIX = "Pass a dict matching the event's TypedDict."

    VALID = (
        Valid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("user.verified", dict(id="u1", email="a@b.c", verifiedAt="now"))
            """),
    )
    INVALID = (
        Invalid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("user.verified", ["u1", "a@b.c", "now"])
            """, expect=("TSC105 4:40",)),
    )
