from __future__ import annotations

from collections.abc import Iterator

from tscrun_lint.project.context import FileContext
from tscrun_lint.rules.base import Invalid, Report, Rule, Valid
from tscrun_lint.reading.sites import EmitSite, NameKind


class DynamicEvent(Rule):
    """The event name is computed at run time, so it cannot be checked.

    Names are read from string literals, from module constants (plain or
    ``Final``) holding a literal, in the same module or imported from another
    project module, and names typed ``Literal[...]`` are left to mypy. This
    diagnostic is for values that are certainly plain ``str`` computed at run
    time: f-strings with placeholders, concatenation or ``%`` with a variable,
    ``str(...)``, string methods, parameters annotated ``str``, and calls of
    project functions declared to return ``str`` (one declared to return a
    ``Literal[...]`` is left to mypy).
    """

    CODE = "TSC002"
    WHY = ("A computed name escapes every static check: a typo or an unconfigured event shows "
           "up only when that code path runs in production.")
    FIX = ("Pass a literal or a module constant. When the name really varies, type it "
           "`Literal[\"a.b\", \"c.d\"]` so mypy can check every value, or choose among constants.")

    VALID = (
        Valid("""
            from typing import Literal

            from tscrun import events

            async def run(name: Literal["user.registered", "user.verified"], data: dict[str, str]) -> None:
                await events.emit(name, data)
            """),
        Valid("""
            from tscrun import events

            async def run(name, data) -> None:
                await events.emit(name, data)
            """),
    )
    INVALID = (
        Invalid("""
            from tscrun import events

            async def run(kind: str, data: dict[str, str]) -> None:
                await events.emit(f"user.{kind}", data)
            """, expect=("TSC002 4:23",)),
        Invalid("""
            from tscrun import events

            async def run(name: str, data: dict[str, str]) -> None:
                await events.emit(name, data)
            """, expect=("TSC002 4:23",)),
        Invalid("""
            from tscrun import events

            async def run(kind: str, data: dict[str, str]) -> None:
                await events.emit("order." + kind, data)
            """, expect=("TSC002 4:23",)),
        Invalid("""
            from tscrun import events

            def pick_name(kind: str) -> str:
                return "user." + kind

            async def run(data: dict[str, str]) -> None:
                await events.emit(pick_name("registered"), data)
            """, expect=("TSC002 7:23",)),
    )

    def check_emit(self, site: EmitSite, ctx: FileContext) -> Iterator[Report]:
        if site.name.kind is NameKind.DYNAMIC:
            yield Report(self.CODE, site.name_node, self.message())
