"""The local provider's delivery guarantees, driven as a user drives them.

Each test writes a small project (config + payload types + handlers), builds a
``Dispatcher`` from it and emits. Nothing here asserts on wall-clock time:
ordering is controlled with events and gates instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections import Counter
from dataclasses import FrozenInstanceError
from datetime import UTC, timezone

import pytest

import tscrun
from tests.runtime.conftest import (
    RECORDING_HANDLER,
    USER_REGISTERED,
    USER_VERIFIED,
    MakeProject,
    module,
)
from tscrun import DeadLetter, Dispatcher, Event, UnknownEventError

SHOP = """
    project-name = "shop"
    [events]
    retry-delay = 0.001
    [events.subscribers.send-welcome-email]
    events = ["user.registered", "user.verified"]
    [events.subscribers.count-users]
    events = ["user.registered"]
    [events.subscribers.audit]
    events = ["user.verified"]
    """

SHOP_FILES = {
    "events/user_registered.py": USER_REGISTERED,
    "events/user_verified.py": USER_VERIFIED,
    "functions/subscribers/send_welcome_email.py": RECORDING_HANDLER,
    "functions/subscribers/count_users.py": RECORDING_HANDLER,
    "functions/subscribers/audit.py": RECORDING_HANDLER,
}

ANN = {"id": "u1", "name": "Ann", "email": "ann@example.com", "registeredAt": "2026-01-01"}
VERIFIED = {"id": "u1", "email": "ann@example.com"}


def received(subscriber_module: str) -> list[Event[object]]:
    return module(f"functions.subscribers.{subscriber_module}").RECEIVED  # type: ignore[no-any-return]


async def test_every_subscriber_gets_each_event_exactly_once(make_project: MakeProject) -> None:
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, SHOP_FILES)))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.emit("user.verified", VERIFIED)
    await dispatcher.drain()

    welcome = received("send_welcome_email")
    assert [(e.type, e.data) for e in welcome] == [("user.registered", ANN),
                                                   ("user.verified", VERIFIED)]
    assert [(e.type, e.data) for e in received("count_users")] == [("user.registered", ANN)]
    assert [(e.type, e.data) for e in received("audit")] == [("user.verified", VERIFIED)]
    # One emit is one event: every subscriber sees the same id and timestamp.
    assert welcome[0].id == received("count_users")[0].id != welcome[1].id
    assert welcome[0].timestamp.tzinfo is UTC
    assert dispatcher.pending == 0 and dispatcher.dead_letters == ()


async def test_event_is_a_frozen_generic_dataclass() -> None:
    event: Event[dict[str, int]] = Event("order.completed", {"total": 3})
    assert (event.type, event.data) == ("order.completed", {"total": 3})
    with pytest.raises(FrozenInstanceError):
        event.type = "other"  # type: ignore[misc]
    assert Event("a.b", 1).id != Event("a.b", 1).id


async def test_unknown_event_suggests_the_closest_name_and_delivers_nothing(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, SHOP_FILES)))
    with pytest.raises(UnknownEventError) as info:
        await dispatcher.emit("user-registered", ANN)
    assert str(info.value) == 'unknown event "user-registered"; did you mean "user.registered"?'
    assert (info.value.name, info.value.closest) == ("user-registered", "user.registered")
    assert isinstance(info.value, tscrun.TscrunError)

    with pytest.raises(UnknownEventError, match=r'unknown event "billing.refunded"; add it to '):
        await dispatcher.emit("billing.refunded", {})
    with pytest.raises(TypeError, match="^event name must be a str, got NoneType$"):
        await dispatcher.emit(None, ANN)  # type: ignore[arg-type]
    await dispatcher.drain()
    assert received("send_welcome_email") == received("count_users") == []
    assert dispatcher.pending == 0


FLAKY = """
    ATTEMPTS = []
    DONE = []

    async def listen(event):
        ATTEMPTS.append(event.id)
        if len(ATTEMPTS) < 3:
            raise ConnectionError(f"smtp down (attempt {len(ATTEMPTS)})")
        DONE.append(event)
    """


async def test_handler_failing_twice_is_delivered_once_after_three_tries(
        make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    files = {**SHOP_FILES, "functions/subscribers/send_welcome_email.py": FLAKY}
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, files)))
    caplog.set_level(logging.WARNING, logger="tscrun")

    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()

    flaky = module("functions.subscribers.send_welcome_email")
    assert len(flaky.ATTEMPTS) == 3 and len(set(flaky.ATTEMPTS)) == 1  # same event retried
    assert [e.data for e in flaky.DONE] == [ANN]
    assert dispatcher.dead_letters == ()
    assert [e.data for e in received("count_users")] == [ANN]  # delivered once, not per retry
    # Backoff doubles: retry-delay 0.001 s, then 0.002 s.
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2
    assert retries[0].startswith('subscriber "send-welcome-email" failed on event '
                                 '"user.registered" (id ')
    assert retries[0].endswith("attempt 1 of 3: ConnectionError('smtp down (attempt 1)'); "
                               "retrying in 0.001 s")
    assert retries[1].endswith("attempt 2 of 3: ConnectionError('smtp down (attempt 2)'); "
                               "retrying in 0.002 s")


ALWAYS_FAILS = """
    ATTEMPTS = []

    def listen(event):
        ATTEMPTS.append(event.id)
        raise RuntimeError(f"broken #{len(ATTEMPTS)}")
    """


async def test_always_failing_handler_ends_in_dead_letters_while_others_get_the_event(
        make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    toml = SHOP.replace("retry-delay = 0.001", "retry-delay = 0.001\nmax-attempts = 4")
    files = {**SHOP_FILES, "functions/subscribers/send_welcome_email.py": ALWAYS_FAILS}
    dispatcher = Dispatcher(tscrun.load_config(make_project(toml, files)))

    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()

    assert [e.data for e in received("count_users")] == [ANN]
    assert len(module("functions.subscribers.send_welcome_email").ATTEMPTS) == 4
    [dead] = dispatcher.dead_letters
    assert isinstance(dead, DeadLetter)
    assert (dead.subscriber, dead.event.type, dead.event.data, dead.attempts) == \
        ("send-welcome-email", "user.registered", ANN, 4)
    assert (dead.error_type, dead.message, dead.error) == \
        ("RuntimeError", "broken #4", "RuntimeError: broken #4")
    assert dead.traceback.startswith("Traceback (most recent call last):")
    assert 'raise RuntimeError(f"broken #{len(ATTEMPTS)}")' in dead.traceback
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged.getMessage().startswith('subscriber "send-welcome-email" gave up on event '
                                          '"user.registered" (id ')
    assert logged.getMessage().endswith("after 4 attempt(s): RuntimeError: broken #4; it is "
                                        "kept in dead_letters")
    assert logged.exc_info is not None and isinstance(logged.exc_info[1], RuntimeError)
    # Structured fields for log pipelines.
    assert (logged.event, logged.id, logged.subscriber, logged.attempt) == (  # type: ignore[attr-defined]
        "user.registered", dead.event.id, "send-welcome-email", 4)


SLOW = """
    import asyncio

    GATE = None
    STARTED = []
    FINISHED = []

    async def listen(event):
        STARTED.append(event.type)
        await GATE.wait()
        FINISHED.append(event.type)
    """


async def test_emit_returns_before_a_slow_handler_finishes_and_drain_waits_for_it(
        make_project: MakeProject) -> None:
    files = {**SHOP_FILES, "functions/subscribers/send_welcome_email.py": SLOW}
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, files)))
    slow = module("functions.subscribers.send_welcome_email")
    slow.GATE = asyncio.Event()

    await dispatcher.emit("user.registered", ANN)
    assert slow.FINISHED == [] and dispatcher.pending == 2  # accepted, not delivered yet

    drain = asyncio.create_task(dispatcher.drain())
    for _ in range(20):  # plenty of loop turns for everything that is not gated
        await asyncio.sleep(0)
    assert slow.STARTED == ["user.registered"] and slow.FINISHED == []
    assert [e.data for e in received("count_users")] == [ANN]  # not blocked by the slow one
    assert not drain.done() and dispatcher.pending == 1

    slow.GATE.set()
    await drain
    assert slow.FINISHED == ["user.registered"] and dispatcher.pending == 0


BLOCKING_SYNC = """
    import threading

    GATE = threading.Event()
    SEEN = []

    def listen(event):
        # Blocks its thread until the test, running on the event loop, opens
        # the gate: if this ran on the loop, the gate could never open.
        SEEN.append((threading.get_ident(), GATE.wait(timeout=30)))
    """


async def test_plain_def_handler_runs_off_the_event_loop(make_project: MakeProject) -> None:
    files = {**SHOP_FILES, "functions/subscribers/count_users.py": BLOCKING_SYNC}
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, files)))
    sync = module("functions.subscribers.count_users")

    await dispatcher.emit("user.registered", ANN)
    for _ in range(5):
        await asyncio.sleep(0)
    sync.GATE.set()  # only reachable because the loop is not blocked
    await dispatcher.drain()

    [(thread, gate_opened)] = sync.SEEN
    assert gate_opened is True
    assert thread != threading.get_ident()
    assert [e.data for e in received("send_welcome_email")] == [ANN]


COUNTING = """
    import asyncio
    from collections import Counter

    SEEN = Counter()

    async def listen(event):
        if event.data["n"] % 3 == 0:
            await asyncio.sleep(0)  # some deliveries suspend, some finish at once
        SEEN[event.data["n"]] += 1
    """


async def test_thousand_concurrent_emits_to_two_subscribers_give_2000_deliveries(
        make_project: MakeProject) -> None:
    toml = """
        [events.types]
        "tick.happened" = "events.tick:Tick"
        [events.subscribers.left]
        events = ["tick.happened"]
        [events.subscribers.right]
        events = ["tick.happened"]
        """
    files = {
        "events/tick.py": "from typing import TypedDict\nclass Tick(TypedDict):\n    n: int\n",
        "functions/subscribers/left.py": COUNTING,
        "functions/subscribers/right.py": COUNTING,
    }
    dispatcher = Dispatcher(tscrun.load_config(make_project(toml, files)))

    await asyncio.gather(*(dispatcher.emit("tick.happened", {"n": n}) for n in range(1000)))
    await dispatcher.drain()

    left = module("functions.subscribers.left").SEEN
    right = module("functions.subscribers.right").SEEN
    assert sum(left.values()) + sum(right.values()) == 2000
    assert left == right == Counter({n: 1 for n in range(1000)})
    assert dispatcher.dead_letters == ()


CONTEXT_VAR = """
    import contextvars

    REQUEST_ID = contextvars.ContextVar("request_id", default="none")
    """

CONTEXT_HANDLER = """
    from request_context import REQUEST_ID

    SEEN = []

    async def listen(event):
        SEEN.append(REQUEST_ID.get())
        REQUEST_ID.set("changed by handler")
    """


async def test_handlers_run_in_a_copy_of_the_emitters_context(make_project: MakeProject) -> None:
    files = {**SHOP_FILES, "request_context.py": CONTEXT_VAR,
             "functions/subscribers/send_welcome_email.py": CONTEXT_HANDLER,
             "functions/subscribers/count_users.py": CONTEXT_HANDLER}
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, files)))
    request_id: contextvars.ContextVar[str] = module("request_context").REQUEST_ID

    async def request(name: str) -> None:
        request_id.set(name)
        await dispatcher.emit("user.registered", ANN)

    await asyncio.gather(request("r1"), request("r2"))
    await dispatcher.drain()
    assert sorted(module("functions.subscribers.send_welcome_email").SEEN) == ["r1", "r2"]
    assert sorted(module("functions.subscribers.count_users").SEEN) == ["r1", "r2"]
    assert request_id.get() == "none"


EMITS_AGAIN = """
    from tscrun import events

    async def listen(event):
        await events.emit("user.verified", {"id": event.data["id"], "email": event.data["email"]})
    """


async def test_handlers_may_emit_through_the_default_dispatcher(make_project: MakeProject) -> None:
    files = {**SHOP_FILES, "functions/subscribers/count_users.py": EMITS_AGAIN}
    dispatcher = tscrun.configure(make_project(SHOP, files))
    await tscrun.events.emit("user.registered", ANN)
    await dispatcher.drain()
    assert [e.type for e in received("send_welcome_email")] == ["user.registered",
                                                                 "user.verified"]
    assert [e.data for e in received("audit")] == [VERIFIED]


async def test_event_with_no_subscribers_is_validated_and_accepted(
        make_project: MakeProject) -> None:
    toml = """
        [events.types]
        "user.registered" = "events.user_registered:UserRegisteredEvent"
        """
    dispatcher = Dispatcher(tscrun.load_config(
        make_project(toml, {"events/user_registered.py": USER_REGISTERED})))
    await dispatcher.emit("user.registered", ANN)
    with pytest.raises(tscrun.PayloadError):
        await dispatcher.emit("user.registered", {"id": "u1"})
    assert dispatcher.pending == 0


TASK_AWARE = """
    import asyncio

    SEEN = []

    async def listen(event):
        # asyncio.timeout (like aiohttp and anyio) needs the handler to run in a task
        async with asyncio.timeout(30):
            await asyncio.sleep(0)
            SEEN.append(asyncio.current_task() is not None)
    """


async def test_handlers_run_in_their_own_task(make_project: MakeProject) -> None:
    files = {**SHOP_FILES, "functions/subscribers/send_welcome_email.py": TASK_AWARE,
             "functions/subscribers/count_users.py": TASK_AWARE}
    dispatcher = Dispatcher(tscrun.load_config(make_project(SHOP, files)))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    assert module("functions.subscribers.send_welcome_email").SEEN == [True]
    assert module("functions.subscribers.count_users").SEEN == [True]
    assert dispatcher.dead_letters == ()
