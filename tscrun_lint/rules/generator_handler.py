from __future__ import annotations

from collections.abc import Iterator

from tscrun import SubscriberConfig
from tscrun_lint.project.catalog import HandlerInfo
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.rules.base import Invalid, Rule, Valid


class GeneratorHandler(Rule):
    """A subscriber's handler is a generator (its body contains ``yield``).

    Calling a generator function, async or not, runs none of its body: it only
    creates a generator. A dispatcher calling such a handler would count the
    event as delivered while nothing ran, so the runtime refuses the handler
    when the dispatcher is built, and this check says so before the code runs.
    A ``yield`` inside a function nested in the handler does not count.
    Reported at the handler's name.
    """

    CODE = "TSC203"
    WHY = ("The handler's body never runs: every event it receives is counted as delivered and "
           "silently does nothing. The runtime refuses it when the dispatcher is built.")
    FIX = ("Make the handler a plain `async def` (or `def`) that returns None; move the `yield` "
           "into a helper the handler iterates, e.g. `for item in items(event): ...`.")

    VALID = (
        Valid("", files={"functions/subscribers/send_welcome_email.py": """
            from tscrun.events import Event

            async def listen(event: Event[object]) -> None:
                def lines():
                    yield "hello"
                print(list(lines()))
            """}),
    )
    INVALID = (
        Invalid("", expect=("TSC203 functions/subscribers/send_welcome_email.py:1:11",), files={
            "functions/subscribers/send_welcome_email.py": """
            async def listen(event):
                yield event.data["email"]
            """}),
        Invalid("", expect=("TSC203 functions/subscribers/send_welcome_email.py:3:5",), files={
            "functions/subscribers/send_welcome_email.py": """
            from tscrun.events import Event

            def listen(event: Event[object]) -> None:
                for key in event.data:
                    yield key
            """}),
    )

    def check_subscriber(self, project: ProjectContext, subscriber: SubscriberConfig,
                         handler: HandlerInfo) -> Iterator[Diagnostic]:
        if handler.generator is None:
            return
        line, column, kind = handler.generator
        yield Diagnostic(handler.path, line, column + 1, line, column + 1, self.CODE,
                         self.message(target=subscriber.handler, subscriber=subscriber.name,
                                      kind=f"an {kind}" if kind.startswith("a") else f"a {kind}"))
