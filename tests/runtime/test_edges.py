"""The issue's numbered edge cases, each driven as a user would (issue 8).

Each test names its item. Ordering is controlled with gates and short
timeouts; nothing asserts on wall-clock durations.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import tscrun
from tests.runtime.conftest import USER_REGISTERED, MakeProject, module
from tscrun import Dispatcher, TscrunError, events

REPO = Path(__file__).resolve().parents[2]
ANN = {"id": "u1", "name": "Ann", "email": "ann@example.com", "registeredAt": "2026-01-01"}


def config(make_project: MakeProject, handlers: dict[str, str], extra: str = "",
           events_: str = '["user.registered"]') -> tscrun.Config:
    toml = "[events]\nretry-delay = 0.001\n" + textwrap.dedent(extra)
    for name in handlers:
        toml += f"\n[events.subscribers.{name}]\nevents = {events_}\n"
    files = {"events/user_registered.py": USER_REGISTERED}
    files.update({f"functions/subscribers/{name.replace('-', '_')}.py": source
                  for name, source in handlers.items()})
    return tscrun.load_config(make_project(toml, files))


def handler_module(name: str) -> object:
    return module(f"functions.subscribers.{name.replace('-', '_')}")


# --- item 2: what handlers receive cannot be changed by the caller or by each other ---

MUTATOR = """
    SEEN = []
    ERRORS = []

    async def listen(event):
        SEEN.append(dict(event.data))
        try:
            event.data["id"] = None
        except TypeError as exc:
            ERRORS.append(str(exc))
        mine = copy.deepcopy(event.data)  # a copy of its own is mutable
        mine["extra"] = 1
        if event.attempt == 1:
            raise OSError("retry me")

    import copy
    """

READER = """
    SEEN = []

    async def listen(event):
        SEEN.append(json.loads(json.dumps(event.data)))

    import json
    """


async def test_item2_caller_and_subscribers_cannot_change_what_others_receive(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(config(make_project, {"mutator": MUTATOR, "reader": READER}))
    payload = dict(ANN)
    await dispatcher.emit("user.registered", payload)
    payload["id"] = None  # the caller reuses its dict at once
    payload["extra"] = 1
    await dispatcher.drain()
    mutator, reader = handler_module("mutator"), handler_module("reader")
    assert reader.SEEN == [ANN]  # type: ignore[attr-defined]
    assert mutator.SEEN == [ANN, ANN]  # type: ignore[attr-defined]  # the retry too
    assert mutator.ERRORS[0].startswith("event payloads are read-only")  # type: ignore[attr-defined]
    assert dispatcher.dead_letters == ()


# --- item 3: dead letters are data, bounded, redrivable, clearable ---

HEAVY = """
    ATTEMPTS = []

    def listen(event):
        ballast = bytearray(1_000_000)  # a local the traceback would keep alive
        ATTEMPTS.append((event.id, event.attempt))
        if event.data["name"] != "fixed":
            raise ValueError(f"bad {len(ballast)}")
    """


def test_item3_dead_letters_keep_no_frames(make_project: MakeProject) -> None:
    cfg = config(make_project, {"heavy": HEAVY}, "max-attempts = 1\n")
    script = textwrap.dedent("""
        import asyncio, gc, tracemalloc, tscrun
        dispatcher = tscrun.Dispatcher(tscrun.load_config())
        payload = {"id": "u1", "name": "Ann", "email": "a@b", "registeredAt": "x"}

        async def main():
            for _ in range(50):
                await dispatcher.emit("user.registered", payload)
            await dispatcher.drain()

        tracemalloc.start()
        asyncio.run(main())
        gc.collect()
        current, _ = tracemalloc.get_traced_memory()
        letters = dispatcher.dead_letters
        assert len(letters) == 50 and letters[0].error == "ValueError: bad 1000000", letters[0]
        print(current)
        """)
    out = subprocess.run([sys.executable, "-c", script], cwd=cfg.root, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) < 10_000_000  # 50 letters holding 1 MB each would be 50 MB


async def test_item3_dead_letters_are_bounded_redriven_to_one_subscriber_and_cleared(
        make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    recording = "RECEIVED = []\n\nasync def listen(event):\n    RECEIVED.append(event)\n"
    dispatcher = Dispatcher(config(make_project, {"heavy": HEAVY, "other": recording},
                                   "max-attempts = 2\nmax-dead-letters = 3\n"))
    for name in ("a", "b", "c", "d"):
        await dispatcher.emit("user.registered", {**ANN, "name": name})
    await dispatcher.drain()
    letters = dispatcher.dead_letters
    assert len(letters) == 3  # the oldest of four was dropped, with a warning naming it
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 1 and "more than 3 are kept (events.max-dead-letters)" in \
        dropped[0].getMessage()
    assert dropped[0].id not in {letter.event.id for letter in letters}  # type: ignore[attr-defined]
    first = letters[0]
    assert (first.subscriber, first.attempts, first.error_type) == ("heavy", 2, "ValueError")
    assert "ballast" in first.traceback and first.event.attempt == 2

    # Redrive: the same event id, to its one subscriber only, attempts from 1.
    heavy = handler_module("heavy")
    heavy.ATTEMPTS.clear()  # type: ignore[attr-defined]
    assert await dispatcher.redrive([first]) == 1
    await dispatcher.drain()
    assert heavy.ATTEMPTS == [(first.event.id, 1), (first.event.id, 2)]  # type: ignore[attr-defined]
    assert len(handler_module("other").RECEIVED) == 4  # type: ignore[attr-defined]  # not again
    assert [letter.event.id for letter in dispatcher.dead_letters] == \
        [letters[1].event.id, letters[2].event.id, first.event.id]  # failed again: a new letter
    assert dispatcher.clear_dead_letters(dispatcher.dead_letters[:1]) == 1
    assert dispatcher.clear_dead_letters() == 2 and dispatcher.dead_letters == ()


# --- item 4: per-delivery timeout; stuck handlers block neither drain nor exit ---

NEVER_RETURNS = """
    import asyncio
    STARTED = []

    async def listen(event):
        STARTED.append(event.attempt)
        await asyncio.Event().wait()
    """


async def test_item4_a_handler_that_never_returns_times_out_and_is_dead_lettered(
        make_project: MakeProject) -> None:
    recording = "RECEIVED = []\n\nasync def listen(event):\n    RECEIVED.append(event)\n"
    cfg = config(make_project, {"stuck": NEVER_RETURNS, "other": recording},
                 "max-attempts = 2\n")
    cfg = tscrun.load_config(cfg.path)  # per-subscriber timeout below
    text = cfg.path.read_text().replace('[events.subscribers.stuck]\n',
                                        '[events.subscribers.stuck]\ntimeout = 0.05\n')
    cfg.path.write_text(text)
    dispatcher = Dispatcher(tscrun.load_config(cfg.path))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()  # returns: the attempts time out
    [dead] = dispatcher.dead_letters
    assert (dead.subscriber, dead.attempts, dead.error_type) == ("stuck", 2, "TimeoutError")
    assert dead.message == "attempt 2 did not finish within 0.05 s (timeout)"
    assert handler_module("stuck").STARTED == [1, 2]  # type: ignore[attr-defined]
    assert len(handler_module("other").RECEIVED) == 1  # type: ignore[attr-defined]


def test_item4_a_plain_def_stuck_in_sleep_does_not_keep_the_interpreter_alive(
        make_project: MakeProject) -> None:
    sleeper = "import time\n\ndef listen(event):\n    time.sleep(3600)\n"
    cfg = config(make_project, {"sleeper": sleeper})
    script = textwrap.dedent("""
        import asyncio, tscrun
        dispatcher = tscrun.Dispatcher(tscrun.load_config())

        async def main():
            await dispatcher.emit("user.registered", {"id": "u1", "name": "Ann",
                                  "email": "a@b", "registeredAt": "x"})
            await asyncio.sleep(0.05)
            await dispatcher.close(timeout=0.05)
            print(len(dispatcher.dead_letters), dispatcher.dead_letters[0].error)

        asyncio.run(main())
        """)
    out = subprocess.run([sys.executable, "-c", script], cwd=cfg.root, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == \
        "1 TscrunError: the dispatcher was closed before this delivery finished"


# --- item 5: no delivery stuck for ever; pending and unfinished() agree ---

async def test_item5_retry_after_a_cancelled_close_still_runs(make_project: MakeProject) -> None:
    flaky = textwrap.dedent("""
        ATTEMPTS = []

        def listen(event):
            ATTEMPTS.append(event.attempt)
            if event.attempt == 1:
                raise OSError("first try fails")
        """)
    dispatcher = Dispatcher(config(make_project, {"flaky": flaky}))
    await dispatcher.emit("user.registered", ANN)
    closing = asyncio.create_task(dispatcher.close())
    await asyncio.sleep(0)
    closing.cancel()  # e.g. the caller's own timeout hit
    with pytest.raises(asyncio.CancelledError):
        await closing
    await dispatcher.drain()  # the retry still runs: no pool was shut down under it
    assert handler_module("flaky").ATTEMPTS == [1, 2]  # type: ignore[attr-defined]
    assert dispatcher.pending == 0 and dispatcher.unfinished() == []


def test_item5_a_huge_max_attempts_is_refused_by_the_loader(make_project: MakeProject) -> None:
    path = make_project("[events]\nmax-attempts = 1100\nretry-delay = 0\n")
    with pytest.raises(tscrun.ConfigError) as info:
        tscrun.load_config(path)
    assert (info.value.key, info.value.message) == \
        ("events.max-attempts", "expected an integer >= 1 and <= 100, got 1100")


def test_item5_a_thread_finishing_on_a_stopped_loop_is_picked_up(
        make_project: MakeProject) -> None:
    gated = textwrap.dedent("""
        import threading
        GATE = threading.Event()
        DONE = []

        def listen(event):
            GATE.wait(30)
            DONE.append(event.id)
        """)
    dispatcher = Dispatcher(config(make_project, {"gated": gated}))
    gate = handler_module("gated")
    old = asyncio.new_event_loop()
    try:
        async def emit_and_leave() -> None:
            await dispatcher.emit("user.registered", ANN)
            await asyncio.sleep(0.01)

        old.run_until_complete(emit_and_leave())  # stopped, not closed
        gate.GATE.set()  # type: ignore[attr-defined]
        while not gate.DONE:  # type: ignore[attr-defined]
            threading.Event().wait(0.01)
        assert dispatcher.pending == len(dispatcher.unfinished()) == 1
        asyncio.run(asyncio.wait_for(dispatcher.drain(), 30))
    finally:
        old.close()
    assert dispatcher.pending == 0 and dispatcher.unfinished() == []
    assert dispatcher.dead_letters == ()


# --- item 6: backpressure and hop limit ---

COUNTER = """
    import asyncio
    COUNT = [0]
    PEAK = [0]

    async def listen(event):
        await asyncio.sleep(0)
        COUNT[0] += 1
    """


async def test_item6_emit_waits_once_max_in_flight_deliveries_are_unfinished(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(config(make_project, {"a": COUNTER, "b": COUNTER},
                                   "max-in-flight = 10\n"))
    peak = 0
    for _ in range(200):
        await dispatcher.emit("user.registered", ANN)
        peak = max(peak, dispatcher.pending)
    await dispatcher.drain()
    assert peak <= 10 + 2  # one event's deliveries may complete the last batch
    assert handler_module("a").COUNT == handler_module("b").COUNT == [200]  # type: ignore[attr-defined]


PING = """
    from tscrun import events
    COUNT = [0]

    async def listen(event):
        COUNT[0] += 1
        await events.emit("user.verified", {"id": "u1", "email": "a@b"})
    """

PONG = """
    from tscrun import events
    COUNT = [0]

    async def listen(event):
        COUNT[0] += 1
        await events.emit("user.registered", {"id": "u1", "name": "Ann", "email": "a@b",
                                              "registeredAt": "x"})
    """


async def test_item6_a_cycle_of_events_stops_at_the_hop_limit(make_project: MakeProject) -> None:
    toml = """
        [events]
        retry-delay = 0.001
        max-attempts = 1
        max-hops = 5
        [events.subscribers.ping]
        events = ["user.registered"]
        [events.subscribers.pong]
        events = ["user.verified"]
        """
    files = {"events/user_registered.py": USER_REGISTERED,
             "events/user_verified.py": "from typing import TypedDict\n"
                                        "class UserVerifiedEvent(TypedDict):\n"
                                        "    id: str\n    email: str\n",
             "functions/subscribers/ping.py": PING, "functions/subscribers/pong.py": PONG}
    dispatcher = tscrun.configure(make_project(toml, files))
    await events.emit("user.registered", ANN)
    await dispatcher.drain()  # returns: A -> B -> A ... is cut off
    ping, pong = handler_module("ping"), handler_module("pong")
    assert ping.COUNT[0] + pong.COUNT[0] == 6  # type: ignore[attr-defined]  # hops 0..5
    [dead] = dispatcher.dead_letters
    assert dead.error_type == "tscrun.errors.TscrunError"
    assert dead.message.startswith('event "user.registered" refused: it would be hop 6 of a '
                                   "chain of events emitted by handlers, more than "
                                   "events.max-hops = 5")


# --- item 7: emit from threads and from plain def subscribers ---

SYNC_FOLLOW_UP = """
    from tscrun import events

    def listen(event):
        events.emit_sync("user.verified", {"id": event.data["id"], "email": "a@b"})
    """


async def test_item7_emit_sync_from_a_plain_def_subscriber_and_from_a_thread(
        make_project: MakeProject) -> None:
    toml = """
        [events]
        retry-delay = 0.001
        [events.subscribers.follow-up]
        events = ["user.registered"]
        [events.subscribers.audit]
        events = ["user.verified"]
        """
    files = {"events/user_registered.py": USER_REGISTERED,
             "events/user_verified.py": "from typing import TypedDict\n"
                                        "class UserVerifiedEvent(TypedDict):\n"
                                        "    id: str\n    email: str\n",
             "functions/subscribers/follow_up.py": SYNC_FOLLOW_UP,
             "functions/subscribers/audit.py":
                 "RECEIVED = []\n\nasync def listen(event):\n    RECEIVED.append(event.data)\n"}
    dispatcher = tscrun.configure(make_project(toml, files))
    await events.emit("user.registered", ANN)
    await dispatcher.drain()
    assert handler_module("audit").RECEIVED == [{"id": "u1", "email": "a@b"}]  # type: ignore[attr-defined]

    errors: list[BaseException] = []

    def worker() -> None:
        try:
            events.emit_sync("user.verified", {"id": "u2", "email": "b@c"})
            events.emit_sync("user.verified", {"id": 2})  # type: ignore[typeddict-item]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    while thread.is_alive():
        await asyncio.sleep(0.001)
    await dispatcher.drain()
    assert handler_module("audit").RECEIVED[-1] == {"id": "u2", "email": "b@c"}  # type: ignore[attr-defined]
    assert len(errors) == 1 and isinstance(errors[0], tscrun.PayloadError)  # raised in the thread
    assert dispatcher.dead_letters == ()


def test_item7_asyncio_run_in_a_thread_is_refused_not_moved(make_project: MakeProject) -> None:
    dispatcher = Dispatcher(config(make_project, {"a": COUNTER}))
    outcome: list[BaseException] = []

    async def main() -> None:
        await dispatcher.emit("user.registered", ANN)

        def in_thread() -> None:
            try:
                asyncio.run(dispatcher.emit("user.registered", ANN))
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=in_thread)
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.001)
        await dispatcher.drain()

    asyncio.run(main())
    assert [str(e) for e in outcome] == [
        "this dispatcher delivers events on an event loop running in another thread; use "
        "emit_sync() from other threads (one dispatcher serves one event loop)"]
    assert handler_module("a").COUNT == [1] and dispatcher.dead_letters == ()  # type: ignore[attr-defined]


def test_item7_emit_sync_in_a_program_without_an_event_loop(make_project: MakeProject) -> None:
    cfg = config(make_project, {"a": "RECEIVED = []\n\ndef listen(event):\n"
                                     "    RECEIVED.append(event.data['name'])\n"})
    script = textwrap.dedent("""
        from tscrun import events
        events.emit_sync("user.registered", {"id": "u1", "name": "Ann", "email": "a@b",
                         "registeredAt": "x"})
        dispatcher = events.get_dispatcher()
        dispatcher.close_sync()
        import functions.subscribers.a as a
        print(a.RECEIVED, dispatcher.pending, dispatcher.closed)
        """)
    out = subprocess.run([sys.executable, "-c", script], cwd=cfg.root, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['Ann'] 0 True"


# --- item 8: a graceful close lets running handlers emit their follow-ups ---

async def test_item8_close_accepts_follow_ups_of_running_handlers(
        make_project: MakeProject) -> None:
    slow_follow_up = """
        import asyncio
        from tscrun import events
        ATTEMPTS = []

        async def listen(event):
            ATTEMPTS.append(event.attempt)
            for _ in range(5):
                await asyncio.sleep(0)
            await events.emit("user.verified", {"id": "u1", "email": "a@b"})
        """
    toml = """
        [events]
        retry-delay = 0.001
        [events.subscribers.slow]
        events = ["user.registered"]
        [events.subscribers.audit]
        events = ["user.verified"]
        """
    files = {"events/user_registered.py": USER_REGISTERED,
             "events/user_verified.py": "from typing import TypedDict\n"
                                        "class UserVerifiedEvent(TypedDict):\n"
                                        "    id: str\n    email: str\n",
             "functions/subscribers/slow.py": slow_follow_up,
             "functions/subscribers/audit.py":
                 "RECEIVED = []\n\nasync def listen(event):\n    RECEIVED.append(event.data)\n"}
    dispatcher = tscrun.configure(make_project(toml, files))
    await events.emit("user.registered", ANN)
    await dispatcher.close()
    assert handler_module("slow").ATTEMPTS == [1]  # type: ignore[attr-defined]  # not retried
    assert handler_module("audit").RECEIVED == [{"id": "u1", "email": "a@b"}]  # type: ignore[attr-defined]
    assert dispatcher.dead_letters == () and dispatcher.closed
    with pytest.raises(TscrunError, match='dispatcher is closed; cannot emit "user.registered"'):
        await events.emit("user.registered", ANN)


# --- item 9: one subscriber's slow plain-def handlers do not starve another ---

async def test_item9_slow_plain_def_handlers_do_not_delay_another_subscriber(
        make_project: MakeProject) -> None:
    slow = textwrap.dedent("""
        import threading
        GATE = threading.Event()

        def listen(event):
            GATE.wait(30)
        """)
    quick = "import threading\nDONE = threading.Event()\n\ndef listen(event):\n    DONE.set()\n"
    cfg = config(make_project, {"slow": slow})
    text = cfg.path.read_text() + '\n[events.subscribers.quick]\nevents = ["user.verified"]\n'
    Path(cfg.root / "functions/subscribers/quick.py").write_text(quick)
    Path(cfg.root / "events/user_verified.py").write_text(
        "from typing import TypedDict\nclass UserVerifiedEvent(TypedDict):\n"
        "    id: str\n    email: str\n")
    cfg.path.write_text(text.replace("[events.subscribers.slow]\n",
                                     "[events.subscribers.slow]\nconcurrency = 2\n"))
    dispatcher = Dispatcher(tscrun.load_config(cfg.path))
    for _ in range(12):
        await dispatcher.emit("user.registered", ANN)
    await dispatcher.emit("user.verified", {"id": "u1", "email": "a@b"})
    quick_done = handler_module("quick").DONE  # type: ignore[attr-defined]
    # The quick subscriber runs while all slow handlers are still blocked.
    while not quick_done.is_set():
        await asyncio.sleep(0.001)
    assert dispatcher.pending == 12
    assert sum(1 for t in threading.enumerate() if t.name == "tscrun-handler") >= 2
    handler_module("slow").GATE.set()  # type: ignore[attr-defined]
    await dispatcher.drain()
    assert dispatcher.dead_letters == ()


# --- item 10: event ids stay unique across fork ---

@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_item10_event_ids_are_unique_across_fork() -> None:
    script = textwrap.dedent("""
        import os
        from tscrun.events import Event
        Event("a.b", {})  # the parent has used its ids before forking
        read, write = os.pipe()
        pids = []
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                os.write(write, (Event("a.b", {}).id + "\\n").encode())
                os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        os.close(write)
        ids = os.read(read, 10000).decode().split() + [Event("a.b", {}).id]
        print(len(ids), len(set(ids)))
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4", "4"]


# --- item 11: BaseExceptions are never retried and never swallowed ---

async def test_item11_a_handler_raising_cancelled_error_is_dead_lettered_as_such(
        make_project: MakeProject) -> None:
    raiser = "import asyncio\nCALLS = []\n\nasync def listen(event):\n" \
             "    CALLS.append(1)\n    await asyncio.sleep(0)\n    raise asyncio.CancelledError()\n"
    dispatcher = Dispatcher(config(make_project, {"raiser": raiser}))
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    [dead] = dispatcher.dead_letters
    assert handler_module("raiser").CALLS == [1]  # type: ignore[attr-defined]  # not retried
    assert (dead.attempts, dead.error_type) == (1, "CancelledError")
    assert dead.message == ("the handler raised CancelledError itself (nothing cancelled it); "
                            "it is not retried")


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_item11_system_exit_from_a_handler_stops_the_program_and_is_not_retried(
        make_project: MakeProject, kind: str) -> None:
    source = f"CALLS = []\n\n{kind} listen(event):\n    CALLS.append(1)\n    raise SystemExit(3)\n"
    cfg = config(make_project, {"quitter": source})
    script = textwrap.dedent("""
        import asyncio, tscrun, functions.subscribers.quitter as q
        dispatcher = tscrun.Dispatcher(tscrun.load_config())

        async def main():
            await dispatcher.emit("user.registered", {"id": "u1", "name": "Ann",
                                  "email": "a@b", "registeredAt": "x"})
            await asyncio.sleep(0.5)
            print("not reached")

        try:
            asyncio.run(main())
        finally:
            print(len(q.CALLS), [d.error_type for d in dispatcher.dead_letters])
        """)
    out = subprocess.run([sys.executable, "-c", script], cwd=cfg.root, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert out.returncode == 3, out.stderr
    assert out.stdout.strip() == "1 ['SystemExit']"


# --- hooks and structured logs ---

async def test_observability_hooks_and_log_extra(make_project: MakeProject,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    flaky = "async def listen(event):\n    if event.attempt < 3:\n        raise OSError('x')\n"
    failing = "async def listen(event):\n    raise KeyError('k')\n"
    dispatcher = Dispatcher(config(make_project, {"flaky": flaky, "failing": failing}))
    seen: list[tuple[str, str, int, str | None]] = []
    for kind in ("delivered", "retried", "dead_lettered"):
        dispatcher.add_hook(kind, lambda o: seen.append(  # type: ignore[arg-type]
            (o.kind, o.subscriber, o.attempt, o.error)))
    caplog.set_level(logging.WARNING, logger="tscrun")
    await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    assert sorted(seen) == sorted([
        ("retried", "flaky", 1, "OSError: x"), ("retried", "flaky", 2, "OSError: x"),
        ("delivered", "flaky", 3, None),
        ("retried", "failing", 1, "KeyError: 'k'"), ("retried", "failing", 2, "KeyError: 'k'"),
        ("dead_lettered", "failing", 3, "KeyError: 'k'")])
    records = [r for r in caplog.records if r.name == "tscrun"]
    assert len(records) == 5
    for record in records:
        assert record.event == "user.registered"  # type: ignore[attr-defined]
        assert record.subscriber in ("flaky", "failing")  # type: ignore[attr-defined]
        assert isinstance(record.id, str) and record.attempt in (1, 2, 3)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unknown hook kind 'done'"):
        dispatcher.add_hook("done", print)  # type: ignore[arg-type]


def test_frozen_payload_behaves_as_a_dict_for_readers() -> None:
    from tscrun.payloads import freeze

    data = freeze({"a": 1, "b": {"c": [1, 2]}})
    assert isinstance(data, dict) and json.loads(json.dumps(data)) == {"a": 1, "b": {"c": [1, 2]}}
    mutable = copy.deepcopy(data)
    mutable["b"]["c"].append(3)
    assert type(mutable) is dict and data["b"]["c"] == [1, 2]
    with pytest.raises(TypeError):
        data["b"]["c"].append(3)
    assert freeze(data) is data


# --- item 13: validation holes ---

QUALIFIED = """
    from typing import Annotated, Literal, NotRequired, Required, TypedDict
    from typing_extensions import ReadOnly

    class Node(TypedDict):
        child: NotRequired["Node"]

    class UserRegisteredEvent(TypedDict, total=False):
        age: Annotated[NotRequired[int], "years"]
        name: Annotated[Required[str], "display"]
        email: Annotated[ReadOnly[str], "lower-case"]
        ratio: Literal[1.5]
        tree: Node
    """


async def test_item13_qualifiers_inside_annotated_literal_floats_and_deep_payloads(
        make_project: MakeProject) -> None:
    toml = "[events.subscribers.a]\nevents = [\"user.registered\"]\n"
    dispatcher = Dispatcher(tscrun.load_config(make_project(toml, {
        "events/user_registered.py": QUALIFIED,
        "functions/subscribers/a.py": "RECEIVED = []\n\nasync def listen(event):\n"
                                      "    RECEIVED.append(event.data)\n"})))
    for payload, key, problem in [
        ({"name": "Ann", "age": "old"}, "age", "expected int, got str 'old'"),
        ({"age": 3}, "name", 'missing required key(s) "name" of UserRegisteredEvent'),
        ({"name": "Ann", "email": 5}, "email", "expected str, got int 5"),
        ({"name": "Ann", "ratio": 2.5}, "ratio", "expected Literal[1.5], got float 2.5"),
    ]:
        with pytest.raises(tscrun.PayloadError) as info:
            await dispatcher.emit("user.registered", payload)
        assert (info.value.key, info.value.problem) == (key, problem)
    tree: dict[str, object] = {}
    node = tree
    for _ in range(500):
        child: dict[str, object] = {}
        node["child"] = child
        node = child
    await dispatcher.emit("user.registered", {"name": "Ann", "ratio": 1.5, "tree": tree})
    await dispatcher.drain()
    [data] = handler_module("a").RECEIVED  # type: ignore[attr-defined]
    depth, node = 0, data["tree"]
    while "child" in node:
        depth, node = depth + 1, node["child"]
    assert depth == 500 and dispatcher.dead_letters == ()
