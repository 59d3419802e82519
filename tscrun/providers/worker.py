"""The loop behind ``tscrun worker``: fetch, run handlers, acknowledge, retry, dead-letter.

Provider-neutral: it drives any :class:`~tscrun.providers.base.Consumer`.

- Up to ``concurrency`` deliveries are in progress at once (running or
  waiting to retry), shared evenly among the subscribers it runs (at least one
  each): a subscriber with a backlog never starves another, and each fetches
  only as many as it has free slots, so a busy worker leaves the rest in the
  broker for other workers.
- ``async def`` handlers run on the loop, plain ``def`` ones in a thread pool.
- A failed attempt is retried after ``retry-delay`` seconds, doubling after
  each failure; once ``max-attempts`` have failed the delivery is
  dead-lettered (one log line) and acknowledged.
- Acknowledgements are batched: many deliveries finish per round trip.
- Claims on everything in progress are renewed well within ``claim-after``,
  so another worker takes over only the work of a worker that stopped.
- :meth:`Worker.stop` (SIGTERM/SIGINT in the CLI) stops fetching; what was
  fetched is finished and acknowledged before :meth:`Worker.run` returns.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from tscrun.events import Event
from tscrun.providers.base import BrokerError, Consumer, Delivery, Failure
from tscrun.wiring import Subscriber

__all__ = ["Worker", "WorkerStats", "make_event"]

logger = logging.getLogger("tscrun.worker")


@dataclass
class WorkerStats:
    processed: int = 0
    """Deliveries whose handler succeeded."""
    retried: int = 0
    """Failed attempts that were retried."""
    dead: int = 0
    """Deliveries dead-lettered after their last attempt."""

    def line(self, in_flight: int) -> str:
        return (f"{self.processed} processed, {self.retried} retried, {self.dead} dead, "
                f"{in_flight} in flight")


class _Slots:
    """Counts deliveries in progress against ``concurrency``."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: list[asyncio.Future[None]] = []

    async def take(self, most: int, stopping: Callable[[], bool]) -> int:
        """Wait for a free slot, then take up to ``most`` (0 once ``stopping()``)."""
        while self.free <= 0 and not stopping():
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
        n = min(most, max(self.free, 0))
        self.free -= n
        return n

    def give(self, n: int) -> None:
        """Return ``n`` slots (negative: take ``-n`` more, even below zero)."""
        self.free += n
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


def make_event(delivery: Delivery) -> Event[Any]:
    """The event as the handler receives it: id and timestamp from the emit, this attempt."""
    envelope = delivery.envelope
    return Event(envelope.type, envelope.data, envelope.id,
                 datetime.fromtimestamp(envelope.timestamp, UTC), delivery.attempt)


class Worker:
    def __init__(self, consumer: Consumer, handlers: Mapping[str, Subscriber], *,
                 claim_after: float,
                 concurrency: int = 64, batch: int = 200, poll: float = 0.5,
                 status: TextIO | None = None) -> None:
        self.consumer = consumer
        self.handlers = dict(handlers)
        self.concurrency = concurrency
        self.stats = WorkerStats()
        self._claim_after = claim_after
        self._batch = batch
        self._poll = poll
        self._status = status
        self._stopping = False
        self._in_progress: dict[int, Delivery] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._acks: list[Delivery] = []
        self._ack_wanted: asyncio.Event | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._slots: dict[str, _Slots] = {}
        self._next = 0
        self._closing = asyncio.Event()

    def stop(self) -> None:
        """Stop fetching; :meth:`run` returns once what was fetched is finished."""
        if not self._stopping:
            self._stopping = True
            for slots in self._slots.values():
                slots.give(0)

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def run(self) -> WorkerStats:
        share = max(1, self.concurrency // max(1, len(self.handlers)))
        # A subscriber's own `concurrency` setting caps its share.
        self._slots = {name: _Slots(min(share, sub.concurrency or share))
                       for name, sub in self.handlers.items()}
        self._ack_wanted = asyncio.Event()
        threads = sum(self._slots[name].free for name, sub in self.handlers.items()
                      if not sub.is_async)
        if threads:
            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="tscrun-handler")
        self._closing = asyncio.Event()
        helpers = [asyncio.create_task(self._ack_loop()),
                   asyncio.create_task(self._every(self._claim_after / 3, self._keep)),
                   asyncio.create_task(self._every(5.0, self._tidy))]
        if self._status is not None:
            helpers.append(asyncio.create_task(self._every(0.5, self._show_status)))
        try:
            await asyncio.gather(*(self._fetch_loop(sub) for sub in self.handlers))
            while self._tasks:
                await asyncio.wait(set(self._tasks))
            await self._flush_acks()
        finally:
            self._closing.set()
            self._ack_wanted.set()
            await asyncio.gather(*helpers, return_exceptions=True)
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            if self._status is not None:
                self._status.write("\r\x1b[K" + self.stats.line(0) + "\n")
                self._status.flush()
        return self.stats

    # --- fetching -------------------------------------------------------------------

    async def _fetch_loop(self, subscriber: str) -> None:
        slots = self._slots[subscriber]
        outage = 0
        while not self._stopping:
            n = await slots.take(self._batch, lambda: self._stopping)
            if self._stopping:
                slots.give(n)
                break
            try:
                deliveries = await self.consumer.fetch(subscriber, n, self._poll)
            except BrokerError as exc:
                slots.give(n)
                if not outage:
                    logger.error("%s; retrying until it answers", exc)
                outage += 1
                await asyncio.sleep(min(5.0, 0.1 * 2 ** min(outage, 6)))
                continue
            if outage:
                logger.warning("the broker answers again")
                outage = 0
            # A fetch may return a few more than asked for (one per stream at least).
            slots.give(n - len(deliveries))
            for delivery in deliveries:
                self._start(delivery)

    def _start(self, delivery: Delivery) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- one delivery ---------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        key = self._next
        self._next += 1
        self._in_progress[key] = delivery
        try:
            sub = self.handlers[delivery.subscriber]
            while True:
                if delivery.attempt > sub.max_attempts:
                    # Came back after the workers running it stopped, more often than allowed.
                    await self._dead_letter(delivery, Failure(
                        "WorkerLost", "the workers running this delivery stopped before it "
                        f"finished, {delivery.attempt - 1} time(s)", ""))
                    return
                try:
                    await self._run(sub, make_event(delivery))
                except Exception as exc:
                    if delivery.attempt >= sub.max_attempts:
                        await self._dead_letter(delivery, Failure.from_exception(exc))
                        return
                    delay = sub.retry_delay * 2 ** (delivery.attempt - 1)
                    logger.warning('subscriber "%s" failed on event "%s" (id %s), attempt %d of '
                                   "%d: %s: %s; retrying in %g s", delivery.subscriber,
                                   delivery.envelope.type, delivery.envelope.id, delivery.attempt,
                                   sub.max_attempts, type(exc).__name__, exc, delay)
                    self.stats.retried += 1
                    await asyncio.sleep(delay)
                    try:
                        again = await self.consumer.retry(delivery)
                    except BrokerError as error:
                        logger.error("%s; the delivery stays with the broker and comes back "
                                     "later", error)
                        return
                    if again is None:
                        return
                    delivery = self._in_progress[key] = again
                    continue
                self.stats.processed += 1
                self._acks.append(delivery)
                assert self._ack_wanted is not None
                self._ack_wanted.set()
                return
        finally:
            del self._in_progress[key]
            self._slots[delivery.subscriber].give(1)

    async def _run(self, sub: Subscriber, event: Event[Any]) -> None:
        """One attempt, bounded by the subscriber's timeout."""
        try:
            if sub.is_async:
                async with asyncio.timeout(sub.timeout):
                    await sub.handler(event)
                return
            # A thread cannot be stopped: past the timeout the attempt counts as failed
            # and the thread is left to finish on its own.
            result = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(
                self._pool, sub.handler, event), sub.timeout)
            if asyncio.iscoroutine(result):
                async with asyncio.timeout(sub.timeout):
                    await result
        except TimeoutError:
            raise TimeoutError(f"the attempt took longer than the timeout ({sub.timeout:g} s)") \
                from None

    async def _dead_letter(self, delivery: Delivery, failure: Failure) -> None:
        try:
            await self.consumer.dead_letter(delivery, failure)
        except BrokerError as exc:
            logger.error("%s; the delivery stays with the broker and comes back later", exc)
            return
        self.stats.dead += 1
        logger.error('dead letter: subscriber "%s", event "%s" (id %s), after %d attempt(s): '
                     "%s: %s", delivery.subscriber, delivery.envelope.type,
                     delivery.envelope.id, delivery.attempt, failure.error_type,
                     failure.message.replace("\n", " ")[:300])

    # --- background -----------------------------------------------------------------

    async def _ack_loop(self) -> None:
        assert self._ack_wanted is not None
        while not self._closing.is_set():
            await self._ack_wanted.wait()
            self._ack_wanted.clear()
            await self._flush_acks()

    async def _flush_acks(self) -> None:
        while self._acks:
            batch, self._acks = self._acks, []
            try:
                await self.consumer.ack(batch)
            except BrokerError as exc:
                # Unacknowledged work is redelivered later: at-least-once, never lost.
                logger.error("%s; %d finished deliveries were not acknowledged and will run "
                             "again", exc, len(batch))
                return

    async def _every(self, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        # Ends at the next tick after closing, never in the middle of a broker call:
        # cancelling a client call half-way can leave its connection unusable.
        while True:
            try:
                await asyncio.wait_for(self._closing.wait(), seconds)
                return
            except TimeoutError:
                pass
            try:
                await job()
            except BrokerError as exc:
                logger.debug("%s", exc)  # the fetch loops report outages

    async def _keep(self) -> None:
        if self._in_progress:
            await self.consumer.keep(list(self._in_progress.values()))

    async def _tidy(self) -> None:
        await self.consumer.tidy(self.handlers)

    async def _show_status(self) -> None:
        assert self._status is not None
        self._status.write("\r\x1b[K" + self.stats.line(len(self._in_progress)))
        self._status.flush()


def status_stream() -> TextIO | None:
    """stderr when it is a terminal (the live count), else ``None``."""
    return sys.stderr if sys.stderr.isatty() else None
