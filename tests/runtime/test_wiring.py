"""Wiring (config -> handlers and validators) apart from delivery, and the Event users build."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import tscrun
from tests.runtime.conftest import RECORDING_HANDLER, USER_REGISTERED, MakeProject
from tscrun import ConfigError, Dispatcher, Event, PayloadError, UnknownEventError
from tscrun.wiring import Wiring, wire

CONFIG = """
    [events]
    timeout = 5
    [events.subscribers.send-welcome-email]
    events = ["user.registered"]
    [events.subscribers.audit]
    events = ["user.registered"]
    timeout = 0.5
    concurrency = 2
    """

ANN = {"id": "u1", "name": "Ann", "email": "ann@example.com", "registeredAt": "2026-01-01"}


def files(audit: str = "def listen(event):\n    pass\n") -> dict[str, str]:
    return {"events/user_registered.py": USER_REGISTERED,
            "functions/subscribers/send_welcome_email.py": RECORDING_HANDLER,
            "functions/subscribers/audit.py": audit}


def test_event_built_by_hand_with_a_type_argument() -> None:
    # How a user builds an event to unit-test a handler; raised TypeError on 3.11/3.12.
    event = Event[dict[str, str]](type="user.registered", data={"id": "u1"})
    assert (event.type, event.data, event.attempt) == ("user.registered", {"id": "u1"}, 1)
    assert event.timestamp.tzinfo is not None and len(event.id) > 10
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.data = {}  # type: ignore[misc]
    again = Event[dict[str, str]](type="user.registered", data={}, id="e-1", attempt=2)
    assert (again.id, again.attempt) == ("e-1", 2)
    assert pickle.loads(pickle.dumps(again)) == again


def test_wire_resolves_subscribers_with_their_settings(make_project: MakeProject) -> None:
    config = tscrun.load_config(make_project(CONFIG, files()))
    wiring = wire(config)
    welcome, audit = wiring.subscribers["send-welcome-email"], wiring.subscribers["audit"]
    assert (welcome.is_async, welcome.timeout, welcome.concurrency) == (True, 5.0, None)
    assert (audit.is_async, audit.timeout, audit.concurrency) == (False, 0.5, 2)
    assert (audit.max_attempts, audit.target) == (3, "functions.subscribers.audit:listen")
    route = wiring.route("user.registered")
    assert [s.name for s in route.subscribers] == ["send-welcome-email", "audit"]
    payload = route.accept(ANN)
    assert payload == ANN and payload is not ANN
    with pytest.raises(PayloadError):
        route.accept({"id": 1})
    with pytest.raises(UnknownEventError, match='did you mean "user.registered"'):
        wiring.route("user.registerd")
    # A dispatcher is built from the wiring it is given.
    assert Dispatcher(wiring).wiring is wiring


def test_wire_loads_only_the_subscribers_asked_for(make_project: MakeProject) -> None:
    # A handler module that would fail to import is never touched when not asked for.
    config = tscrun.load_config(make_project(CONFIG, files("raise RuntimeError('boom')\n")))
    emit_only = wire(config, subscribers=())
    assert isinstance(emit_only, Wiring) and emit_only.subscribers == {}
    route = emit_only.route("user.registered")
    assert route.subscribers == () and route.subscriber_names == ("send-welcome-email", "audit")
    assert list(wire(config, subscribers=["send-welcome-email"]).subscribers) == \
        ["send-welcome-email"]
    with pytest.raises(tscrun.TscrunError, match='no subscriber "mailer"'):
        wire(config, subscribers=["mailer"])


@pytest.mark.parametrize(("source", "kind"), [
    ("async def listen(event):\n    yield event\n", "an async generator"),
    ("def listen(event):\n    yield event\n", "a generator"),
])
def test_generator_handler_is_refused_when_the_dispatcher_is_built(
        make_project: MakeProject, source: str, kind: str) -> None:
    # Item 12: it used to be counted as delivered without its body running.
    config = tscrun.load_config(make_project(CONFIG, files(source)))
    with pytest.raises(ConfigError) as info:
        Dispatcher(config)
    assert info.value.key == "events.subscribers.audit"
    assert info.value.message == (
        f'handler "functions.subscribers.audit:listen" of subscriber "audit" is {kind} '
        "function: calling it runs none of its body; make it a plain async def (or def) that "
        "returns None")


def test_tscrun_lint_reports_a_generator_handler(make_project: MakeProject) -> None:
    import subprocess
    import sys
    from pathlib import Path

    config = make_project(CONFIG, files("from tscrun.events import Event\n\n\n"
                                        "async def listen(event: Event[object]) -> None:\n"
                                        "    yield event\n"))
    lint = Path(sys.executable).parent / "tscrun-lint"
    out = subprocess.run([str(lint), "."], cwd=config.parent, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    assert ('functions/subscribers/audit.py:4:11: TSC203 handler '
            '"functions.subscribers.audit:listen" of subscriber "audit" is an async generator '
            "function: calling it runs none of its body; make it a plain async def (or def) that "
            "returns None") in out.stdout
