"""Helpers for testing code that emits events and the handlers that receive them.

Capture what a block of code emits (validated as ``emit`` always does, and by
default not delivered)::

    from tscrun.testing import capture_events

    async def test_signup_emits_user_registered():
        with capture_events() as emitted:
            await post({"name": "Ann", "email": "ann@example.com"})
        assert [e.type for e in emitted] == ["user.registered"]
        assert emitted[0].data["email"] == "ann@example.com"

Run one handler against an event built by hand, without a dispatcher or a
config::

    from tscrun.events import Event
    from tscrun.testing import run_handler

    def test_welcome_email_is_sent():
        event = Event[UserRegisteredEvent](type="user.registered", data={...})
        run_handler(listen, event)          # or, in async tests: await deliver(listen, event)

The handler gets the event as the dispatcher would hand it over: its payload
read-only, ``async def`` handlers in a task, generator handlers refused.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tscrun.dispatcher import Dispatcher, _Capture, _captures
from tscrun.events import Event, make_event
from tscrun.payloads import freeze
from tscrun.wiring import Handler, handler_kind

__all__ = ["capture_events", "deliver", "run_handler"]


@contextmanager
def capture_events(dispatcher: Dispatcher | None = None, *,
                   deliver: bool = False) -> Iterator[list[Event[Any]]]:
    """Record every event emitted (``emit`` or ``emit_sync``, any thread) inside the block.

    Yields the list the events are appended to, in order of acceptance, each
    with its id, timestamp and validated payload. Only events that ``emit``
    accepted are recorded: an unknown name or an invalid payload still raises.
    ``dispatcher`` limits the capture to one dispatcher (default: all, the
    default one included). With ``deliver=False`` (the default) the captured
    events reach no subscriber; ``deliver=True`` records them and delivers them
    as usual.
    """
    capture = _Capture(dispatcher, deliver)
    _captures.append(capture)
    try:
        yield capture.events
    finally:
        _captures.remove(capture)


async def deliver(handler: Handler, event: Event[Any]) -> Any:  # noqa: ANN401 - the handler's result
    """Run ``handler`` on ``event`` as the dispatcher would, once, and return its result.

    Exceptions from the handler propagate (no retries). A plain ``def``
    handler runs in a worker thread.
    """
    event = _as_delivered(handler, event)
    if handler_kind(handler) == "async":
        return await asyncio.ensure_future(handler(event))
    result = await asyncio.to_thread(handler, event)
    if inspect.isawaitable(result):
        return await result
    return result


def run_handler(handler: Handler, event: Event[Any]) -> Any:  # noqa: ANN401 - the handler's result
    """:func:`deliver` for plain (non-async) tests; runs its own event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(deliver(handler, event))
    raise RuntimeError("run_handler() cannot run inside a running event loop; "
                       "use 'await tscrun.testing.deliver(handler, event)' in async tests")


def _as_delivered(handler: Handler, event: Event[Any]) -> Event[Any]:
    if not isinstance(event, Event):
        raise TypeError(f"expected a tscrun.events.Event, got {type(event).__name__}; build one "
                        'with Event[YourTypedDict](type="...", data={...})')
    kind = handler_kind(handler)
    if kind.endswith("generator"):
        article = "an" if kind.startswith("a") else "a"
        raise TypeError(f"{getattr(handler, '__qualname__', handler)!r} is {article} {kind} function: "
                        "the dispatcher refuses it (TSC203), as calling it runs none of its body")
    data = freeze(event.data) if isinstance(event.data, Mapping) else event.data
    return make_event(event.type, data, event.id, event.timestamp, event.attempt)
