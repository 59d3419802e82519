from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class ExtraKey(PayloadRule):
    """The payload has keys that the event's TypedDict does not declare.

    A dict literal handed to a TypedDict may not carry undeclared keys (PEP 589);
    a misspelt key is usually both this and a missing key.
    """

    CODE = "TSC102"
    WHY = ("An undeclared key is invisible to every typed subscriber: usually a typo whose real "
           "key is then missing, or data the event contract never promised.")
    FIX = "Rename or drop the key, or declare it in the TypedDict."

    VALID = (
        Valid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("user.verified", {"id": "u1", "email": "a@b.c", "verifiedAt": "now"})
            """),
    )
    INVALID = (
        Invalid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("user.verified", {"id": "u1", "email": "a@b.c", "verifiedAt": "now", "ip": "::1"})
            """, expect=("TSC102 4:92",)),
    )
