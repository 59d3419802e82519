"""The default dispatcher, close(), and event loops that end before their deliveries."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import tscrun
from tests.runtime.conftest import (
    RECORDING_HANDLER,
    USER_REGISTERED,
    MakeProject,
    module,
)
from tscrun import Dispatcher, TscrunError, events

REPO = Path(__file__).resolve().parents[2]

CONFIG = """
    [events]
    retry-delay = 0.001
    [events.subscribers.send-welcome-email]
    events = ["user.registered"]
    """

ANN = {"id": "u1", "name": "Ann", "email": "ann@example.com", "registeredAt": "2026-01-01"}


def project(make_project: MakeProject, handler: str = RECORDING_HANDLER, toml: str = CONFIG,
            config_name: str = "tscrun.toml") -> tscrun.Config:
    if config_name == "pyproject.toml":
        toml = toml.replace("[events", "[tool.tscrun.events")
    return tscrun.load_config(make_project(toml, {
        "events/user_registered.py": USER_REGISTERED,
        "functions/subscribers/send_welcome_email.py": handler,
    }, config_name=config_name))


def received() -> list[tscrun.Event[object]]:
    return module("functions.subscribers.send_welcome_email").RECEIVED  # type: ignore[no-any-return]


async def test_default_dispatcher_is_discovered_from_the_working_directory(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    config = project(make_project, config_name="pyproject.toml")
    monkeypatch.delenv("TSCRUN_CONFIG", raising=False)
    monkeypatch.chdir(config.root / "events")  # discovery walks up to the project
    await events.emit("user.registered", ANN)
    dispatcher = events.get_dispatcher()
    assert dispatcher.config.path == config.path
    await dispatcher.drain()
    assert [e.data for e in received()] == [ANN]


async def test_default_dispatcher_follows_tscrun_config(make_project: MakeProject,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    config = project(make_project)
    monkeypatch.setenv("TSCRUN_CONFIG", str(config.path))
    monkeypatch.chdir("/")
    await events.emit("user.registered", ANN)
    await events.get_dispatcher().drain()
    assert len(received()) == 1


async def test_configure_sets_the_dispatcher_emit_uses(make_project: MakeProject) -> None:
    config = project(make_project)
    dispatcher = tscrun.configure(config)
    assert events.get_dispatcher() is dispatcher
    await events.emit("user.registered", ANN)
    assert dispatcher.pending == 1
    await dispatcher.drain()
    assert tscrun.configure(config.path) is not dispatcher  # a path works too
    assert len(received()) == 1


async def test_close_drains_then_refuses_new_events(make_project: MakeProject) -> None:
    slow = """
        import asyncio
        RECEIVED = []

        async def listen(event):
            for _ in range(5):
                await asyncio.sleep(0)
            RECEIVED.append(event)
        """
    dispatcher = Dispatcher(project(make_project, slow))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.close()
    assert len(received()) == 1 and dispatcher.closed
    with pytest.raises(TscrunError) as info:
        await dispatcher.emit("user.registered", ANN)
    assert str(info.value) == 'dispatcher is closed; cannot emit "user.registered"'


STUCK = """
    import asyncio
    RECEIVED = []
    STARTED = []
    CANCELLED = []

    async def listen(event):
        STARTED.append(event.id)
        try:
            await asyncio.Event().wait()  # never set
        except asyncio.CancelledError:
            CANCELLED.append(event.id)
            raise
    """


async def test_close_with_timeout_dead_letters_what_did_not_finish(
        make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = Dispatcher(project(make_project, STUCK))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.close(timeout=0.01)
    await asyncio.sleep(0)  # let the cancellation reach the handler
    [dead] = dispatcher.dead_letters
    assert (dead.subscriber, dead.event.data, dead.attempts) == ("send-welcome-email", ANN, 1)
    assert dead.error == "TscrunError: the dispatcher was closed before this delivery finished"
    assert module("functions.subscribers.send_welcome_email").CANCELLED == [dead.event.id]
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert dispatcher.pending == 0


async def test_close_with_timeout_reports_a_delivery_waiting_to_retry(
        make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    failing = "def listen(event):\n    raise OSError('down')\n"
    toml = CONFIG.replace("retry-delay = 0.001", "retry-delay = 3600")
    dispatcher = Dispatcher(project(make_project, failing, toml))
    caplog.set_level(logging.WARNING, logger="tscrun")
    await dispatcher.emit("user.registered", ANN)
    while not any("retrying in 3600 s" in r.getMessage() for r in caplog.records):
        await asyncio.sleep(0.001)  # the first attempt runs in a worker thread
    await dispatcher.close(timeout=0.01)
    [dead] = dispatcher.dead_letters
    assert dead.attempts == 1  # one attempt made, the retry never ran
    assert dead.error == "TscrunError: the dispatcher was closed before this delivery finished"


# These drive their own event loops, as a script calling asyncio.run() twice would.

def test_an_event_whose_loop_ends_before_drain_is_delivered_or_reported(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(project(make_project))

    async def forget_to_drain() -> None:
        await dispatcher.emit("user.registered", ANN)

    asyncio.run(forget_to_drain())  # cancels the tasks still pending, as asyncio.run does
    asyncio.run(dispatcher.drain())
    # Eager tasks (3.12+) deliver it before the loop ends; lazy ones are
    # cancelled by asyncio.run and the delivery is dead-lettered: never lost.
    delivered, dead = received(), dispatcher.dead_letters
    assert len(delivered) + len(dead) == 1 and dispatcher.pending == 0
    if dead:
        assert dead[0].error_type == "CancelledError"
        assert dead[0].message == ("the handler's task was cancelled before it finished (an "
                                   "event loop that ends cancels its tasks: await drain() "
                                   "first)")


FLAKY = """
    ATTEMPTS = []
    RECEIVED = []

    async def listen(event):
        ATTEMPTS.append(event.id)
        if len(ATTEMPTS) == 1:
            raise OSError("first try fails")
        RECEIVED.append(event)
    """


def test_a_retry_pending_when_a_loop_ends_runs_on_the_next_loop(make_project: MakeProject) -> None:
    dispatcher = Dispatcher(project(make_project, FLAKY,
                                    CONFIG.replace("retry-delay = 0.001", "retry-delay = 0.2")))
    attempts = module("functions.subscribers.send_welcome_email").ATTEMPTS

    async def emit_and_leave() -> None:
        await dispatcher.emit("user.registered", ANN)
        while not attempts:
            await asyncio.sleep(0)

    asyncio.run(emit_and_leave())
    assert dispatcher.pending == 1
    asyncio.run(dispatcher.drain())
    assert len(attempts) == 2 and [e.data for e in received()] == [ANN]
    assert dispatcher.dead_letters == ()


def test_a_handler_cut_off_by_its_loop_ending_is_dead_lettered(make_project: MakeProject) -> None:
    dispatcher = Dispatcher(project(make_project, STUCK))
    cancelled = module("functions.subscribers.send_welcome_email").CANCELLED
    started = module("functions.subscribers.send_welcome_email").STARTED

    async def emit_and_leave() -> None:
        await dispatcher.emit("user.registered", ANN)
        while not started:
            await asyncio.sleep(0)

    asyncio.run(emit_and_leave())  # asyncio.run cancels the handler's task on the way out
    asyncio.run(dispatcher.drain())
    [dead] = dispatcher.dead_letters
    assert len(cancelled) == 1 and dead.event.id == cancelled[0]
    assert dead.error_type == "CancelledError"


async def test_plain_def_returning_a_coroutine_is_awaited(make_project: MakeProject) -> None:
    handler = """
        RECEIVED = []

        async def _record(event):
            RECEIVED.append(event)

        def listen(event):  # a plain def that hands back a coroutine
            return _record(event)
        """
    dispatcher = Dispatcher(project(make_project, handler))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    assert len(received()) == 1


def test_a_handler_whose_task_never_started_runs_on_the_next_loop(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(project(make_project))
    old = asyncio.new_event_loop()
    try:
        async def emit_and_stop() -> None:
            await dispatcher.emit("user.registered", ANN)
            # Stop the loop right after the delivery is started, before a
            # lazy task's first step could run.
            asyncio.get_running_loop().call_soon(old.stop)

        old.create_task(emit_and_stop())
        old.run_forever()
        asyncio.run(dispatcher.drain())
    finally:
        old.close()
    assert [e.data for e in received()] == [ANN]
    assert dispatcher.dead_letters == ()


def test_a_handler_left_on_a_stopped_loop_is_dead_lettered(make_project: MakeProject) -> None:
    dispatcher = Dispatcher(project(make_project, STUCK))
    old = asyncio.new_event_loop()
    try:
        started = module("functions.subscribers.send_welcome_email").STARTED

        async def emit_and_leave() -> None:
            await dispatcher.emit("user.registered", ANN)
            while not started:
                await asyncio.sleep(0)

        old.run_until_complete(emit_and_leave())  # the handler's task stays pending there
        asyncio.run(dispatcher.drain())
    finally:
        old.close()
    [dead] = dispatcher.dead_letters
    assert dead.error == "TscrunError: the event loop stopped while the handler was running"
    assert dispatcher.pending == 0


def test_one_dispatcher_cannot_serve_two_running_loops(make_project: MakeProject) -> None:
    dispatcher = Dispatcher(project(make_project, STUCK))
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(
            dispatcher.emit("user.registered", ANN), other).result(timeout=30)

        async def emit_here() -> None:
            await dispatcher.emit("user.registered", ANN)

        with pytest.raises(TscrunError) as info:
            asyncio.run(emit_here())
        assert str(info.value) == (
            "this dispatcher delivers events on an event loop running in another thread; use "
            "emit_sync() from other threads (one dispatcher serves one event loop)")
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join()
        other.close()


def test_deliveries_never_finished_are_reported_at_exit(make_project: MakeProject) -> None:
    config = project(make_project, STUCK)
    script = textwrap.dedent("""
        import asyncio, tscrun

        dispatcher = tscrun.Dispatcher(tscrun.load_config())
        loop = asyncio.new_event_loop()

        async def main():
            await dispatcher.emit("user.registered", {"id": "u1", "name": "Ann",
                                  "email": "ann@example.com", "registeredAt": "2026-01-01"})
            for _ in range(5):
                await asyncio.sleep(0)

        loop.run_until_complete(main())  # the handler is still waiting; nobody drains
        """)
    result = subprocess.run([sys.executable, "-c", script], cwd=config.root, capture_output=True,
                            text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert re.search(r'^1 accepted event delivery never finished because the program ended first '
                     r"\(await drain\(\) or close\(\) before the event loop ends\): "
                     r'"user.registered" \(id [0-9a-f]+-1\) to "send-welcome-email"$',
                     result.stderr, re.MULTILINE), result.stderr
