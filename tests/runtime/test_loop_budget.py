"""How much one turn of the event loop is asked to do by the dispatcher (issue 8, "a bound on how
long one callback may hold the loop").

asyncio runs every callback that is ready at the start of a loop iteration before it looks at
timers and sockets again, so what holds the loop is the work scheduled into one iteration.
These tests count it from the handlers' side, without timing anything: a probe callback that
runs once per iteration numbers the iterations, and the handlers note the number they run in.
Before the bound, one callback started every queued delivery it could in 5 ms, one timer tick
cancelled every expired attempt, and retries falling due together all started at once: a
thousand handlers in one iteration.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.runtime.conftest import MakeProject
from tests.runtime.test_edges import ANN, config, handler_module
from tscrun import Dispatcher
from tscrun.dispatcher import TURN_BUDGET


class Turns:
    """Numbers the iterations of the running loop into ``counter[0]``."""

    def __init__(self, counter: list[int]) -> None:
        self.counter = counter
        self.loop = asyncio.get_running_loop()
        self.running = True
        self.loop.call_soon(self._next)

    def _next(self) -> None:
        # Scheduled with call_soon from itself: runs exactly once per iteration.
        self.counter[0] += 1
        if self.running:
            self.loop.call_soon(self._next)

    def stop(self) -> None:
        self.running = False


def busiest(turns: list[int]) -> int:
    """How many of the noted turn numbers are the same one, at most."""
    return Counter(turns).most_common(1)[0][1]


@pytest.fixture(autouse=True)
def quiet_tscrun_logs() -> Iterator[None]:
    # A thousand retries and dead letters each log a line; not what these tests read.
    logger = logging.getLogger("tscrun")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


STARTING = """
    import asyncio
    TURN = [0]
    STARTED = []

    async def listen(event):
        STARTED.append(TURN[0])
        await asyncio.sleep(0)
    """


async def test_one_loop_iteration_starts_at_most_a_budget_of_handlers(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(config(make_project, {"a": STARTING, "b": STARTING},
                                   "max-in-flight = 20000\n"))
    a, b = handler_module("a"), handler_module("b")
    b.TURN = a.TURN  # type: ignore[attr-defined]  # one counter for both
    turns = Turns(a.TURN)  # type: ignore[attr-defined]
    for _ in range(3000):  # 6,000 deliveries queued before the loop gets a turn
        await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    turns.stop()
    started = a.STARTED + b.STARTED  # type: ignore[attr-defined]
    assert len(started) == 6000 and dispatcher.dead_letters == ()
    assert busiest(started) <= TURN_BUDGET


HANGING = """
    import asyncio
    TURN = [0]
    CANCELLED = []

    async def listen(event):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            CANCELLED.append(TURN[0])
            raise
    """


async def test_one_loop_iteration_times_out_at_most_a_budget_of_attempts(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(config(make_project, {"stuck": HANGING},
                                   "max-attempts = 1\ntimeout = 0.05\nmax-in-flight = 20000\n"))
    stuck = handler_module("stuck")
    turns = Turns(stuck.TURN)  # type: ignore[attr-defined]
    for _ in range(1500):  # all started within a few milliseconds: they expire together
        await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    turns.stop()
    assert len(stuck.CANCELLED) == 1500  # type: ignore[attr-defined]
    letters = dispatcher.dead_letters
    assert len(letters) == 1500 and {letter.error_type for letter in letters} == {"TimeoutError"}
    assert busiest(stuck.CANCELLED) <= TURN_BUDGET  # type: ignore[attr-defined]


FLAKY = """
    TURN = [0]
    RETRIED = []

    async def listen(event):
        if event.attempt == 1:
            raise RuntimeError("the first attempt fails")
        RETRIED.append(TURN[0])
    """


async def test_retries_falling_due_together_start_at_most_a_budget_per_iteration(
        make_project: MakeProject) -> None:
    dispatcher = Dispatcher(config(make_project, {"flaky": FLAKY},
                                   "max-attempts = 2\nmax-in-flight = 20000\n"))
    flaky = handler_module("flaky")
    turns = Turns(flaky.TURN)  # type: ignore[attr-defined]
    for _ in range(1500):  # fail within a few iterations, so retry within a millisecond or so
        await dispatcher.emit("user.registered", ANN)
    await dispatcher.drain()
    turns.stop()
    assert len(flaky.RETRIED) == 1500 and dispatcher.dead_letters == ()  # type: ignore[attr-defined]
    assert busiest(flaky.RETRIED) <= TURN_BUDGET  # type: ignore[attr-defined]
