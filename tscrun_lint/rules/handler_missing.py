from __future__ import annotations

from collections.abc import Iterator

from tscrun_lint.project.catalog import Missing
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.rules.base import Invalid, Rule, Valid


class HandlerMissing(Rule):
    """A subscriber's handler does not exist.

    The handler is ``handler = "module:function"`` in the subscriber's table, or
    by convention the function ``listen`` in
    ``<subscribers-module>.<subscriber_name>`` (``send-welcome-email`` ->
    ``functions.subscribers.send_welcome_email:listen``). The module is looked
    up under the source roots, without importing it. Reported on the config.
    """

    CODE = "TSC201"
    WHY = "The dispatcher cannot deliver to a handler that does not exist: the subscriber's events dead-letter."
    FIX = ("Create the module and function, fix the `handler` target, or rename the subscriber to "
           "match its module.")

    VALID = (
        Valid("", config="""
            [events.subscribers.send-welcome-email]
            events = ["user.registered", "user.verified"]
            """),
    )
    INVALID = (
        Invalid("", expect=("TSC201 tscrun.toml:1:21",), config="""
            [events.subscribers.send-sms]
            events = ["user.registered"]
            """),
        Invalid("", expect=("TSC201 tscrun.toml:3:11",), config="""
            [events.subscribers.welcome]
            events = ["user.registered"]
            handler = "functions.subscribers.send_welcome_email:on_event"
            """),
    )

    def check_config(self, project: ProjectContext) -> Iterator[Diagnostic]:
        config = project.config
        for sub in config.subscribers.values():
            found = project.catalog.handler(sub)
            if not isinstance(found, Missing):
                continue
            target = str(sub.handler)
            line = sub.handler.line if sub.handler.explicit else sub.line
            span = project.config_span(line, target if sub.handler.explicit else sub.name)
            yield Diagnostic(config.path, span.line, span.column, span.end_line, span.end_column,
                             self.CODE, self.message(target=target, subscriber=sub.name,
                                                     reason=found.reason))
