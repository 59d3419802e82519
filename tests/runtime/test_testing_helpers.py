"""tscrun.testing: capturing emitted events and running one handler, as a user's tests would."""

from __future__ import annotations

import threading

import pytest

import tscrun
from tests.runtime.conftest import USER_REGISTERED, MakeProject, module
from tscrun import events
from tscrun.events import Event
from tscrun.testing import capture_events, deliver, run_handler

TOML = """
    [events.subscribers.send-welcome-email]
    events = ["user.registered"]
    """
RECORDING = "RECEIVED = []\n\nasync def listen(event):\n    RECEIVED.append(event)\n"
ANN = {"id": "u1", "name": "Ann", "email": "ann@example.com", "registeredAt": "2026-01-01"}


async def test_capture_records_validated_events_without_delivering(
        make_project: MakeProject) -> None:
    dispatcher = tscrun.configure(make_project(TOML, {
        "events/user_registered.py": USER_REGISTERED,
        "functions/subscribers/send_welcome_email.py": RECORDING}))
    with capture_events() as emitted:
        await events.emit("user.registered", ANN)
        thread = threading.Thread(target=events.emit_sync,
                                  args=("user.registered", {**ANN, "id": "u2"}))
        thread.start()
        thread.join()
        with pytest.raises(tscrun.PayloadError):
            await events.emit("user.registered", {"id": "u3"})  # still validated
    await dispatcher.drain()
    assert [(e.type, e.data["id"]) for e in emitted] == [("user.registered", "u1"),
                                                         ("user.registered", "u2")]
    assert module("functions.subscribers.send_welcome_email").RECEIVED == []

    with capture_events(deliver=True) as emitted:
        await events.emit("user.registered", ANN)
    await dispatcher.drain()
    [received] = module("functions.subscribers.send_welcome_email").RECEIVED
    assert received.id == emitted[0].id


def test_run_handler_on_a_hand_built_event() -> None:
    seen: list[Event[dict[str, str]]] = []

    async def listen(event: Event[dict[str, str]]) -> str:
        seen.append(event)
        return event.data["email"]

    event = Event[dict[str, str]](type="user.registered", data={"email": "ann@example.com"})
    assert run_handler(listen, event) == "ann@example.com"
    assert seen[0].id == event.id
    with pytest.raises(TypeError, match="read-only"):
        seen[0].data["email"] = "x"  # as the dispatcher hands it over

    def sync_listen(event: Event[dict[str, str]]) -> int:
        return threading.get_ident()

    assert run_handler(sync_listen, event) != threading.get_ident()  # off the caller's thread

    async def generator(event: Event[object]):  # type: ignore[no-untyped-def]
        yield event

    with pytest.raises(TypeError, match="is an async generator function"):
        run_handler(generator, event)


async def test_deliver_in_async_tests_and_run_handler_refuses_a_running_loop() -> None:
    async def listen(event: Event[dict[str, int]]) -> int:
        return event.data["n"] * 2

    event = Event[dict[str, int]](type="n.doubled", data={"n": 21})
    assert await deliver(listen, event) == 42
    with pytest.raises(RuntimeError, match="use 'await tscrun.testing.deliver"):
        run_handler(listen, event)
