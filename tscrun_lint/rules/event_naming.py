from __future__ import annotations

from collections.abc import Iterator

from tscrun_lint.project.context import FileContext, ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.rules.base import Invalid, Report, Rule, Valid
from tscrun_lint.reading.sites import EmitSite


class EventNaming(Rule):
    """A configured event name breaks the project's naming convention.

    The convention is the ``events.naming`` regular expression (default: dotted
    lowercase words such as ``user.registered``). It is checked on every name in
    the config, and at each emit of a configured name. A name that is not
    configured at all gets TSC001 instead.
    """

    CODE = "TSC003"
    WHY = ("Consistent names are how subscribers, dashboards and dead-letter queues are searched; "
           "one `UserRegistered` among `user.registered`-style names is an event people miss.")
    FIX = "Rename the event in the config and at its emit sites, or adjust `events.naming`."

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

            async def run(data: dict[str, object]) -> None:
                await events.emit("UserDeleted", data)
            """, expect=("TSC003 4:23", "TSC003 tscrun.toml:2:11"),
                config="""
            [events.subscribers.audit]
            events = ["UserDeleted"]
            """),
        Invalid("""
            from tscrun import events

            async def run(data: dict[str, object]) -> None:
                await events.emit("user.deleted", data)
            """, expect=("TSC003 4:23", "TSC003 tscrun.toml:5:11"),
                config="""
            [events]
            naming = '^[a-z]+_[a-z]+$'

            [events.subscribers.audit]
            events = ["user.deleted", "user_created"]
            """),
    )

    def check_emit(self, site: EmitSite, ctx: FileContext) -> Iterator[Report]:
        event = ctx.configured(site)
        if event is not None and not ctx.config.naming.search(event):
            yield Report(self.CODE, site.name_node,
                         self.message(name=event, pattern=ctx.config.naming.pattern))

    def check_config(self, project: ProjectContext) -> Iterator[Diagnostic]:
        config = project.config
        for event in config.events.values():
            if not config.naming.search(event.name):
                span = project.config_span(event.line, event.name)
                yield Diagnostic(config.path, span.line, span.column, span.end_line,
                                 span.end_column, self.CODE,
                                 self.message(name=event.name, pattern=config.naming.pattern))
