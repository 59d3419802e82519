from __future__ import annotations

from tscrun_lint.rules.base import Invalid, Rule, Valid


class ConfigInvalid(Rule):
    """The tscrun configuration could not be loaded.

    ``tscrun-lint`` stops with exit code 2 and names the file and key on stderr.
    The flake8 plugin cannot stop flake8, so it reports this code once per file
    that calls ``tscrun.events.emit`` (at the first call): a TOML error, an
    unknown or misspelt key, a wrong type, a bad regular expression, a malformed
    ``module:name`` target, or no config found at all.
    """

    CODE = "TSC302"
    WHY = "Nothing about events can be checked, and the runtime will refuse to start with this config."
    FIX = "Correct the file and key named in the message (a misspelt key names the closest valid one)."

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
                await events.emit("user.verified", {"id": "u1", "email": "a@b.c", "verifiedAt": "now"})
            """, expect=("TSC302 4:11",), config="""
            [events]
            max-atempts = 5
            """),
    )
