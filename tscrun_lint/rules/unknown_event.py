from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from tscrun_lint.project.context import FileContext
from tscrun_lint.rules.base import Invalid, Report, Rule, Valid
from tscrun_lint.reading.sites import EmitSite, NameKind


class UnknownEvent(Rule):
    """The event name passed to ``emit`` is not in the configuration.

    Configured events are every name listed in some subscriber's ``events`` and
    every key of ``events.types``. The message names the closest configured
    event when there is one. An unknown name gets this diagnostic only (no
    naming or payload checks: there is no TypedDict to check against).

    Calls are found through imports of ``tscrun`` however aliased (also
    ``from tscrun.events import *``), and through a project module that hands
    it on (``from .bus import events`` where ``bus.py`` imports it from
    tscrun). Known limitation: a re-export of a re-export (two hops through
    project modules) is not followed; mypy with the plugin checks those.
    """

    CODE = "TSC001"
    WHY = ("At run time `emit` raises `UnknownEventError` before anything is delivered: a typo "
           "in an event name is an event nobody receives.")
    FIX = ("Use the configured name (`tscrun-lint --fix` rewrites a literal when exactly one "
           "configured name is within two edits), or declare the event in the config.")

    VALID = (
        Valid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("user.verified", {"id": "u1", "email": "a@b.c", "verifiedAt": "now"})
            """),
        Valid("""
            from functions.api.names import USER_REGISTERED
            from tscrun.events import emit as publish

            async def run() -> None:
                await publish(USER_REGISTERED, {"id": "1", "name": "A", "email": "e", "registeredAt": "t"})
            """),
        Valid("""
            import logging

            handler = logging.StreamHandler()
            handler.emit(logging.makeLogRecord({"msg": "user-registered"}))
            """),
    )
    INVALID = (
        Invalid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("user-registered", {"id": "1", "name": "A", "email": "e", "registeredAt": "t"})
            """, expect=("TSC001 4:23",), fixed="""
            from tscrun import events

            async def run() -> None:
                await events.emit("user.registered", {"id": "1", "name": "A", "email": "e", "registeredAt": "t"})
            """),
        Invalid("""
            import tscrun.events as ev

            ORDER_DONE = "order.complete"

            async def run(payload: dict[str, object]) -> None:
                await ev.emit(ORDER_DONE, payload)
            """, expect=("TSC001 6:19",)),
        Invalid("""
            from tscrun.events import emit

            async def run() -> None:
                await emit("user.deleted", {})
            """, expect=("TSC001 4:16",)),
        Invalid("""
            from tscrun.events import *

            async def run(extra: dict[str, object]) -> None:
                await emit("user.registerd", **extra)
            """, expect=("TSC001 4:16",)),
    )

    def check_emit(self, site: EmitSite, ctx: FileContext) -> Iterator[Report]:
        name = site.name
        if name.kind is not NameKind.KNOWN or name.value is None or name.value in ctx.config.events:
            return
        closest = ctx.config.closest_event(name.value)
        hint = (f'; did you mean "{closest}"?' if closest
                else "; add it to a subscriber's events or to events.types in the config")
        yield Report(self.CODE, site.name_node, self.message(name=name.value, hint=hint),
                     self._fix(site, ctx))

    @staticmethod
    def _fix(site: EmitSite, ctx: FileContext) -> cst.BaseExpression | None:
        literal = site.literal
        if literal is None or site.name.value is None:
            return None
        target = ctx.config.event_name_index.unique_fix(site.name.value)
        if target is None:
            return None
        quote = literal.quote
        prefix = literal.prefix
        # Only names that need no escaping in the literal's own quotes are rewritten.
        if quote[0] in target or "\\" in target or "\n" in target:
            return None
        return literal.with_changes(value=f"{prefix}{quote}{target}{quote}")
