from __future__ import annotations

from tscrun_lint.rules.base import Invalid, Rule, Valid


class UnreadableFile(Rule):
    """A file could not be read, decoded or parsed, so it was not checked.

    The run goes on with the other files. Files that cannot contain a call of
    ``tscrun.events.emit`` (their text never mentions both ``tscrun`` and
    ``emit``) are not parsed at all, so their syntax errors are left to Python
    and the other linters; undecodable bytes are reported for every file.
    """

    CODE = "TSC900"
    WHY = "An unchecked file is a hole in the guarantee; better to say so than to pass silently."
    FIX = "Fix the syntax error or save the file as UTF-8 (or declare its encoding)."

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
                await events.emit("user.verified", {"id": "u1",
            """, expect=("TSC900 4:40",)),
    )
