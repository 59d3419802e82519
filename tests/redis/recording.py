"""Handlers for the Redis end-to-end tests: the demo app's own handlers, plus a record of each call.

Copied into each test's copy of fixtures/demo_app and named by its config
(``handler = "recording:send_welcome_email"``). Every delivery appends one line
``<subscriber> <event type> <event id> <attempt> <pid>`` to ``$TSCRUN_TEST_RECORD``
(O_APPEND writes of one short line are not interleaved between processes).
``$TSCRUN_TEST_SLOW`` (seconds) slows every delivery down, so a test can kill
a worker in the middle of a run.
"""

import asyncio
import faulthandler
import os
import signal

from functions.subscribers import increment_registered_users as _increment
from functions.subscribers import send_welcome_email as _welcome
from functions.subscribers import update_analytics as _analytics

from tscrun.events import Event

_SLOW = float(os.environ.get("TSCRUN_TEST_SLOW") or 0)
# Once the record holds this many lines, every delivery hangs: a worker then has work in
# flight for sure when a test kills it, however slowly the test itself gets scheduled.
_STALL_AFTER = int(os.environ.get("TSCRUN_TEST_STALL_AFTER") or 0)


async def _maybe_stall() -> None:
    if _STALL_AFTER:
        with open(os.environ["TSCRUN_TEST_RECORD"], "a+") as record:
            record.seek(0)
            if sum(1 for _ in record) >= _STALL_AFTER:
                await asyncio.sleep(3600)
# A test that gives up waiting asks for the stacks of the worker threads.
faulthandler.register(signal.SIGUSR1, all_threads=True)


def _record(subscriber: str, event: Event) -> None:
    line = f"{subscriber} {event.type} {event.id} {event.attempt} {os.getpid()}\n"
    fd = os.open(os.environ["TSCRUN_TEST_RECORD"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


async def send_welcome_email(event: Event) -> None:
    await _maybe_stall()
    await asyncio.sleep(_SLOW)
    await _welcome.listen(event)
    _record("send-welcome-email", event)


def increment_registered_users(event: Event) -> None:
    # a plain def, as in the demo: the worker runs it in a thread
    asyncio.run(_maybe_stall())
    if _SLOW:
        import time
        time.sleep(_SLOW)
    _increment.listen(event)
    _record("increment-registered-users", event)


async def update_analytics(event: Event) -> None:
    await _maybe_stall()
    await asyncio.sleep(_SLOW)
    await _analytics.listen(event)
    _record("update-analytics", event)


async def charge_card(event: Event) -> None:
    """Fails until $TSCRUN_TEST_FIXED names a file; $TSCRUN_TEST_CHARGE_DELAY slows it."""
    _record("charge-card", event)
    await asyncio.sleep(float(os.environ.get("TSCRUN_TEST_CHARGE_DELAY") or 0))
    if not os.path.exists(os.environ.get("TSCRUN_TEST_FIXED", "/nonexistent")):
        raise RuntimeError(f"card declined for order {event.data['orderId']}")


def _dump_tasks(signum: int, frame: object) -> None:
    import sys
    for task in asyncio.all_tasks(asyncio.get_running_loop()):
        task.print_stack(file=sys.stderr)


signal.signal(signal.SIGUSR2, _dump_tasks)
