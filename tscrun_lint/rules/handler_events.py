from __future__ import annotations

from collections.abc import Iterator

from tscrun import SubscriberConfig
from tscrun_lint.project.catalog import HandlerInfo
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.rules.base import Invalid, Rule, Valid
from tscrun_lint.base.typemodel import TypedDictType, td_compatible


class HandlerEvents(Rule):
    """A handler's ``Event[...]`` annotation does not match the events its subscriber receives.

    A subscriber receives every event listed in its ``events``; its handler's
    parameter annotation ``Event[A | B]`` must accept each one's payload
    TypedDict, and should not name a TypedDict that none of them carries.
    Handlers annotated ``Event[Any]``, unannotated ones and annotations that
    cannot be resolved are not checked. Reported at the annotation.
    """

    CODE = "TSC202"
    WHY = ("The handler is typed for less than it receives: the code paths for the other events "
           "are untyped guesses, and mypy checks them against the wrong shape.")
    FIX = ("Annotate the parameter `Event[A | B | ...]` with the payload TypedDict of every event "
           "the subscriber lists, or remove events from the subscriber.")

    VALID = (
        Valid("""
            from typing import Any

            from tscrun.events import Event

            async def listen(event: Event[Any]) -> None: ...
            """, files={"functions/subscribers/send_welcome_email.py": """
            from typing import Any

            from tscrun.events import Event

            async def listen(event: Event[Any]) -> None: ...
            """}),
    )
    INVALID = (
        Invalid("", expect=("TSC202 functions/subscribers/send_welcome_email.py:5:25",), files={
            "functions/subscribers/send_welcome_email.py": """
            from events.user_registered import UserRegisteredEvent
            from tscrun.events import Event


            async def listen(event: Event[UserRegisteredEvent]) -> None:
                print(event.data["email"])
            """}),
        Invalid("", expect=("TSC202 functions/subscribers/update_analytics.py:6:25",), files={
            "functions/subscribers/update_analytics.py": """
            from events.order_completed import OrderCompletedEvent
            from events.user_registered import UserRegisteredEvent
            from events.user_verified import UserVerifiedEvent
            from tscrun.events import Event

            async def listen(event: Event[UserRegisteredEvent | OrderCompletedEvent | UserVerifiedEvent]) -> None:
                print(event.type)
            """}),
    )

    def check_subscriber(self, project: ProjectContext, subscriber: SubscriberConfig,
                         handler: HandlerInfo) -> Iterator[Diagnostic]:
        if handler.accepted is None:
            return
        received: dict[str, TypedDictType] = {}
        undecided = False
        for event in subscriber.events:
            td = project.catalog.payload_type(event)
            if isinstance(td, TypedDictType):
                received[event] = td
            else:
                undecided = True  # missing (TSC301) or undecidable: its type is unknown
        problems = []
        unaccepted = [e for e, td in received.items()
                      if not any(_accepts(a, td) for a in handler.accepted)]
        if unaccepted:
            listed = ", ".join(f'"{e}" ({received[e].name})' for e in unaccepted)
            problems.append(f"does not accept {listed}, which the subscriber receives")
        if not undecided:
            unused = [a.name for a in handler.accepted
                      if not any(_accepts(a, td) for td in received.values())]
            if unused:
                listed = ", ".join(f'"{n}"' for n in unused)
                problems.append(f"names {listed}, which none of its events carries")
        if problems:
            wanted = " | ".join(dict.fromkeys(td.name for td in received.values()))
            message = self.message(subscriber=subscriber.name, problem="; ".join(problems))
            if not undecided and wanted:
                message += f"; annotate it Event[{wanted}]"
            yield Diagnostic(handler.path, handler.line, handler.column + 1, handler.line,
                             handler.column + 1, self.CODE, message)


def _accepts(accepted: TypedDictType, payload: TypedDictType) -> bool:
    return accepted.qualname == payload.qualname or td_compatible(payload, accepted) is None
