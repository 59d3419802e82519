from __future__ import annotations

from collections.abc import Iterator

from tscrun_lint.project.catalog import Missing
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.rules.base import Invalid, Rule, Valid


class MissingType(Rule):
    """A configured event has no payload TypedDict.

    The payload type is ``events.types."<event>" = "module:Class"``, or by
    convention ``<types-module>.<event_with_underscores>:<CamelCase>Event``
    (``order.line_added`` -> ``events.order_line_added:OrderLineAddedEvent``).
    Reported on the config when that module or class does not exist or the
    class is not a TypedDict.
    """

    CODE = "TSC301"
    WHY = "Without a TypedDict nothing checks this event's payloads: not mypy, not this tool, not the runtime."
    FIX = ("Create the TypedDict where the convention looks for it, or point `events.types` at "
           "an existing one.")

    VALID = (
        Valid("", config="""
            [events.types]
            "user.registered" = "events.user_registered:UserRegisteredEvent"
            """),
    )
    INVALID = (
        Invalid("", expect=("TSC301 tscrun.toml:2:49",), config="""
            [events.subscribers.update-analytics]
            events = ["user.registered", "order.completed", "payment.succeeded"]
            """),
        Invalid("", expect=("TSC301 tscrun.toml:2:1",), config="""
            [events.types]
            "user.deleted" = "events.user_registered:UserDeletedEvent"
            """),
    )

    def check_config(self, project: ProjectContext) -> Iterator[Diagnostic]:
        config = project.config
        for event in config.events.values():
            found = project.catalog.payload_type(event.name)
            if isinstance(found, Missing):
                span = project.config_span(event.line, event.name)
                yield Diagnostic(config.path, span.line, span.column, span.end_line,
                                 span.end_column, self.CODE,
                                 self.message(event=event.name, reason=found.reason))
