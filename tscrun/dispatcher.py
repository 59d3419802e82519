"""The local dispatcher: delivers every emitted event to each of its subscribers.

Guarantees (provider ``local``, one process): each subscriber of an event
receives it once per successful delivery -- a handler that raises or times out
is run again (``max-attempts`` in all, ``retry-delay`` doubling after each
failure, at most 10 minutes apart unless retry-delay is longer) and then kept in ``dead_letters`` and
logged; every delivery attempt gets its own copy of the payload as validated at
emit; ``emit`` returns once the event is accepted, before any handler runs; a
failing, slow or stuck handler blocks neither the emitter nor the other
subscribers; plain ``def`` handlers run in daemon worker threads, at most
``concurrency`` per subscriber.

Bounds: ``events.timeout`` per attempt, ``events.max-in-flight`` accepted
deliveries (``emit`` waits beyond it), ``events.max-hops`` for chains of events
emitted by handlers, ``events.max-dead-letters``; and how much one loop
callback of the dispatcher does: it starts at most ``TURN_BUDGET`` attempts
(fewer once it has run for a few milliseconds) and times out at most
``TURN_BUDGET`` attempts, then leaves the rest to a callback of its own.

Why a count per callback and not only a time: asyncio runs every callback
that is ready at the start of a loop iteration before it looks at timers or
sockets again. Tasks started by one callback take their first step in the
next iteration, and cancelled ones end there too; so the work one callback
*causes* lands in one iteration with everything else, and only a bound on how
many deliveries it starts or cancels keeps that iteration short.

How it stays fast: ``emit`` validates, snapshots the payload and appends to a
queue; one loop callback per batch starts the handlers, each in a task of its
own (an eager task on Python 3.12+, so a handler that never suspends is never
scheduled). Timeouts are watched by one periodic timer that looks only at the
oldest running attempts of each distinct timeout value (running attempts are
kept in start order), not by a timer per delivery nor a scan of all of them.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import inspect
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import CoroutineType
from typing import Any, Literal

from tscrun import workers
from tscrun.config import Config
from tscrun.dead_letters import DeadLetter, DeadLetters, describe_error
from tscrun.errors import TscrunError
from tscrun.events import Event, make_event, new_event_id
from tscrun.providers.base import Transport
from tscrun.providers.emitter import publish
from tscrun.wiring import Route, Subscriber, Wiring, wire

__all__ = ["DeadLetter", "Dispatcher", "Outcome"]

logger = logging.getLogger("tscrun")

MAX_BACKOFF = 600.0
"""Longest wait between two attempts once doubled (as Celery's retry_backoff_max); a longer
``retry-delay`` is kept as it is."""

TURN_BUDGET = 256
"""Most attempts one loop callback of the dispatcher starts, or times out, before it yields."""

_FLUSH_BUDGET = 0.005
"""Seconds one loop callback may spend starting deliveries before it yields (on Python 3.12+
an eager task runs its handler up to its first suspension inside that callback)."""

HookKind = Literal["delivered", "retried", "dead_lettered"]
_HOOK_KINDS = ("delivered", "retried", "dead_lettered")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an observability hook receives after each attempt that ends something."""

    kind: HookKind
    subscriber: str
    event: Event[Any]
    """The event as emitted (id, timestamp, the validated payload; do not mutate it)."""
    attempt: int
    duration: float
    """Seconds the attempt took (0 for a delivery dead-lettered before it could run)."""
    error: str | None
    """``"ErrorType: message"`` of a failed attempt, else ``None``."""
    retry_in: float | None = None
    """Seconds until the next attempt (``retried`` only)."""


# Which dispatcher (and how deep in a chain of events) the running code is a
# handler of; set in each delivery's context, so that emits from handlers are
# recognised (hop limit, close() accepting follow-ups, no deadlock on the
# max-in-flight bound).
_ORIGIN: contextvars.ContextVar[tuple[Dispatcher, int] | None] = \
    contextvars.ContextVar("tscrun_origin", default=None)

# States of a delivery.
_QUEUED = "waiting for a free slot of its subscriber"
_RUNNING = "running"
_THREAD = "running in a worker thread"
_WAITING = "waiting to retry"
_DONE = "done"


class _Delivery:
    """One subscriber's delivery of one event, across its attempts."""

    __slots__ = ("attempt", "context", "due", "event", "hop", "lane", "outcome", "owner",
                 "started", "state", "sub", "task", "timed_out", "timer", "where")

    def __init__(self, owner: Dispatcher, sub: Subscriber, event: Event[Any],
                 context: contextvars.Context, hop: int) -> None:
        self.owner = owner
        self.sub = sub
        self.event = event  # as emitted: its data is the snapshot, never handed out
        self.context = context
        self.hop = hop
        self.attempt = 0
        self.state = _QUEUED
        self.lane = False  # holds a concurrency slot of its subscriber
        self.task: asyncio.Task[Any] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.due = 0.0
        self.started = 0.0
        self.timed_out = 0  # the attempt that was timed out
        self.outcome: tuple[int, object, BaseException | None] | None = None
        # Which of the dispatcher's ordered sets holds it while it runs or
        # waits to retry (its timeout's running set, waiting, stopping).
        self.where: dict[_Delivery, None] | None = None

    def __call__(self, task: asyncio.Task[Any]) -> None:
        # The delivery is its own task-done callback: no partial per delivery.
        # The common case (it succeeded, nothing else to tell) is handled here.
        owner = self.owner
        if self.task is task and self.state is _RUNNING and not self.lane \
                and not task.cancelled() and task.exception() is None \
                and not owner._hooks["delivered"]:
            self.task = None
            self.state = _DONE
            del self.where[self]  # type: ignore[union-attr]  # a running task is always in one
            owner._pending -= 1
            if not owner._pending or owner._room_waiters:
                owner._pending += 1
                owner._finish()
            return
        owner._task_done(self, task)


class _Lane:
    """A subscriber with a concurrency limit: its running count and who waits for a slot."""

    __slots__ = ("backlog", "limit", "running")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self.backlog: deque[_Delivery] = deque()


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


StartTask = Callable[[Coroutine[Any, Any, Any], contextvars.Context], "asyncio.Task[Any]"]


def _task_starter(loop: asyncio.AbstractEventLoop) -> StartTask:
    """How to start one delivery's task on ``loop``.

    On a stock asyncio loop without a task factory, ``loop.create_task`` would
    only wrap ``asyncio.Task(...)``, so the task is built directly; on 3.12+ it
    is an eager task, which runs its handler at once up to the first
    suspension and is never scheduled at all if it finishes there. Any other
    loop (uvloop, a loop with a task factory) gets ``loop.create_task``.
    """
    if type(loop).create_task is not asyncio.BaseEventLoop.create_task or \
            loop.get_task_factory() is not None:
        return lambda coro, context: loop.create_task(coro, context=context)
    import sys

    if sys.version_info >= (3, 12):
        return lambda coro, context: asyncio.Task(coro, loop=loop, context=context,
                                                  eager_start=True)
    return lambda coro, context: asyncio.Task(coro, loop=loop, context=context)


def _no_loop(coro: Coroutine[Any, Any, Any], context: contextvars.Context) -> asyncio.Task[Any]:
    raise RuntimeError("the dispatcher is not bound to an event loop yet")


class _Capture:
    """Events recorded by :func:`tscrun.testing.capture_events`."""

    __slots__ = ("deliver", "dispatcher", "events")

    def __init__(self, dispatcher: Dispatcher | None, deliver: bool) -> None:
        self.dispatcher = dispatcher
        self.deliver = deliver
        self.events: list[Event[Any]] = []


_captures: list[_Capture] = []


class Dispatcher:
    """Delivers events to the subscribers a :class:`~tscrun.Config` declares.

    Give it a config (its handlers and payload types are imported now, see
    :func:`tscrun.wiring.wire`) or a :class:`~tscrun.wiring.Wiring` built
    already. It delivers on the first event loop it is used from; another loop
    may take over only once that one has stopped. From other threads and plain
    ``def`` code use :meth:`emit_sync`.
    """

    def __init__(self, config: Config | Wiring) -> None:
        cfg = config.config if isinstance(config, Wiring) else config
        # A remote provider: this process validates and publishes, handlers run
        # elsewhere (tscrun worker, Lambda), so none is imported here.
        self._transport: Transport | None = None
        if cfg.provider != "local":
            from tscrun.providers import get_provider

            self._transport = get_provider(cfg.provider).transport(cfg)
        wiring = config if isinstance(config, Wiring) else \
            wire(config, () if self._transport is not None else None)
        self.config = wiring.config
        self.wiring = wiring
        self._routes: Mapping[str, Route] = wiring.routes
        self._max_in_flight = self.config.max_in_flight
        self._low_water = max(1, self._max_in_flight * 7 // 8)
        self._max_hops = self.config.max_hops
        self._lanes = {name: _Lane(sub.concurrency) for name, sub in wiring.subscribers.items()
                       if sub.concurrency is not None}
        self._queue: deque[tuple[Event[Any], tuple[Subscriber, ...], contextvars.Context, int]] = \
            deque()
        self._flush_scheduled = False
        self._pending = 0
        self._parked = 0  # handlers waiting inside emit for room
        # Deliveries due to (re)start: retries whose delay is over, handlers a
        # stopped loop never started. Started by _flush, within its budget.
        self._ready: deque[_Delivery] = deque()
        # Running attempts by timeout value, each in start order (a dict keeps
        # insertion order and removes in O(1)): the oldest are first to time out.
        by_timeout: dict[float, dict[_Delivery, None]] = {}
        self._running = {name: by_timeout.setdefault(sub.timeout, {})
                         for name, sub in wiring.subscribers.items()}
        self._timeouts = sorted(by_timeout.items())
        self._waiting: dict[_Delivery, None] = {}  # failed attempts waiting to retry
        self._stopping: dict[_Delivery, None] = {}  # timed out, their task not ended yet
        self._ticker: asyncio.Handle | None = None
        timeouts = [sub.timeout for sub in wiring.subscribers.values()] or [self.config.timeout]
        self._tick_every = min(1.0, min(timeouts) / 4)
        self._waiters: list[asyncio.Future[None]] = []
        self._room_waiters: deque[asyncio.Future[None]] = deque()
        self._dead = DeadLetters(self.config.max_dead_letters)
        self._hooks: dict[str, list[Callable[[Outcome], object]]] = {k: [] for k in _HOOK_KINDS}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owned_loop: asyncio.AbstractEventLoop | None = None
        self._owned_lock = threading.Lock()
        self._start_task: StartTask = _no_loop
        self._closing = False
        self._closed = False
        _alive.add(self)

    # --- public API -----------------------------------------------------------------

    @property
    def dead_letters(self) -> tuple[DeadLetter, ...]:
        """Deliveries that failed every attempt, oldest first (at most ``events.max-dead-letters``)."""
        return tuple(self._dead)

    @property
    def pending(self) -> int:
        """Deliveries accepted but not finished yet (queued, running or waiting to retry)."""
        return self._pending

    @property
    def closed(self) -> bool:
        return self._closed

    def unfinished(self) -> list[tuple[str, Event[Any]]]:
        """(subscriber, event) of every accepted delivery not finished yet; as many as ``pending``."""
        out = [(sub.name, event) for event, subs, _, _ in self._queue for sub in subs]
        out += [(d.sub.name, d.event) for d in self._live()]
        out += [(d.sub.name, d.event) for d in self._ready]
        out += [(d.sub.name, d.event) for lane in self._lanes.values() for d in lane.backlog]
        return out

    async def emit(self, name: str, data: Mapping[str, object]) -> None:
        """Accept event ``name`` for delivery to its subscribers.

        Returns as soon as the event is validated and queued -- after waiting,
        if ``events.max-in-flight`` deliveries are unfinished, until some
        finish. Raises :class:`~tscrun.UnknownEventError` or
        :class:`~tscrun.PayloadError` before anything is delivered, and
        :class:`~tscrun.TscrunError` once the dispatcher is closing (except for
        the follow-ups its running handlers emit), when a chain of events
        emitted by handlers exceeds ``events.max-hops``, or when called from
        an event loop other than the one it delivers on.
        """
        route = self._route(name)
        if self._transport is not None:
            if self._closing:
                raise TscrunError(f'dispatcher is closed; cannot emit "{name}"')
            await publish(self._transport, route, route.accept(data))
            return
        accepted = self._accept(route, data)
        if accepted is None:
            return
        event, subscribers, hop = accepted
        loop = self._loop
        if loop is None or loop is not asyncio.get_running_loop():
            self._bind()
        if self._pending - self._parked >= self._max_in_flight:
            await self._room(hop > 0)
        self._enqueue(event, subscribers, contextvars.copy_context(), hop)

    def emit_sync(self, name: str, data: Mapping[str, object]) -> None:
        """Accept event ``name`` from plain ``def`` code or another thread; thread-safe.

        Validates in the calling thread (errors are raised here, as by
        :meth:`emit`) and returns once the event is accepted, waiting while
        ``events.max-in-flight`` deliveries are unfinished. With no event loop
        delivering yet, the dispatcher starts its own in a daemon thread
        (:meth:`close_sync` stops it; at exit it is given ``events.timeout``
        to finish). Called on the loop's own thread (a plain function run by a
        coroutine), it queues without waiting: blocking there would stall the
        loop.
        """
        route = self._route(name)
        if self._transport is not None:
            # The broker clients are bound to the loop that awaits them; a second
            # loop in another thread would share them unsafely.
            raise TscrunError(
                f'cannot emit "{name}" with emit_sync: provider "{self.config.provider}" '
                "publishes from the event loop; use `await events.emit(...)`")
        accepted = self._accept(route, data)
        if accepted is None:
            return
        event, subscribers, hop = accepted
        context = contextvars.copy_context()
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            if self._loop is not running:
                self._bind()
            self._enqueue(event, subscribers, context, hop)
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._start_own_loop()
        elif not loop.is_running():
            raise TscrunError(
                f'cannot emit "{name}": the event loop this dispatcher delivers on is stopped but '
                "not closed; run it again, or close it so that the dispatcher can start its own")
        future = asyncio.run_coroutine_threadsafe(
            self._accept_from_thread(event, subscribers, context, hop), loop)
        future.result()

    async def drain(self) -> None:
        """Wait until every accepted delivery has succeeded or been dead-lettered."""
        loop = self._bind()
        while self._pending:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    async def close(self, timeout: float | None = None) -> None:
        """Stop accepting new events, let running handlers finish, then stop.

        While closing, only the follow-up events that running handlers emit
        are accepted (and delivered); every other ``emit`` raises. Waits for
        every accepted delivery, retries included. With ``timeout`` (seconds),
        what is unfinished by then is cancelled and moved to ``dead_letters``
        (and logged): nothing accepted disappears without a trace. A plain
        ``def`` handler still running in its thread is left to finish on its
        own; its thread never keeps the interpreter from exiting.
        """
        self._closing = True
        try:
            if timeout is None:
                await self.drain()
            else:
                try:
                    await asyncio.wait_for(self.drain(), timeout)
                except TimeoutError:
                    self._abandon()
        finally:
            if not self._pending:
                self._closed = True
            if self._transport is not None:
                await self._transport.close()

    def drain_sync(self, timeout: float | None = None) -> None:
        """:meth:`drain` from plain ``def`` code or another thread (``timeout`` in seconds)."""
        self._run_sync(self.drain, timeout)

    def close_sync(self, timeout: float | None = None) -> None:
        """:meth:`close` from plain ``def`` code or another thread; stops the dispatcher's own loop."""
        self._closing = True
        self._run_sync(lambda: self.close(timeout), None)
        if not self._pending:
            self._closed = True
        own = self._owned_loop
        if own is not None and own.is_running():
            own.call_soon_threadsafe(own.stop)

    async def redrive(self, letters: Iterable[DeadLetter] | None = None) -> int:
        """Deliver dead letters again, each to its one subscriber, with the same event id.

        ``letters`` defaults to all of them. Each gets a fresh ``max-attempts``
        (``event.attempt`` starts at 1 again) and the payload as validated at
        emit; the letters are removed from ``dead_letters`` (a delivery that
        fails again comes back as a new one). Returns how many were redriven.
        Letters whose subscriber this dispatcher does not deliver to are kept.
        """
        if self._closing:
            raise TscrunError("dispatcher is closed; cannot redrive dead letters")
        self._bind()
        subscribers = self.wiring.subscribers
        taken = self._dead.take(letter for letter in (self._dead if letters is None else letters)
                                if letter.subscriber in subscribers)
        for letter in taken:
            if self._pending - self._parked >= self._max_in_flight:
                await self._room(False)
            old = letter.event
            event = Event(old.type, old.data, old.id, old.timestamp)
            self._enqueue(event, (subscribers[letter.subscriber],),
                          contextvars.copy_context(), 0)
        return len(taken)

    def clear_dead_letters(self, letters: Iterable[DeadLetter] | None = None) -> int:
        """Forget ``letters`` (default: all). Returns how many were removed."""
        return len(self._dead.take(letters))

    def add_hook(self, kind: HookKind, hook: Callable[[Outcome], object]) -> Callable[[], None]:
        """Call ``hook(outcome)`` after every delivery of that kind; returns a function removing it.

        ``kind``: ``"delivered"``, ``"retried"`` or ``"dead_lettered"``. Hooks
        run on the event loop and must be quick; an exception from a hook is
        logged and otherwise ignored.
        """
        if kind not in self._hooks:
            raise ValueError(f"unknown hook kind {kind!r}; expected one of "
                             f"{', '.join(_HOOK_KINDS)}")
        hooks = self._hooks[kind]
        hooks.append(hook)

        def remove() -> None:
            if hook in hooks:
                hooks.remove(hook)
        return remove

    # --- accepting ------------------------------------------------------------------

    def _route(self, name: str) -> Route:
        route = self._routes.get(name)
        return self.wiring.route(name) if route is None else route

    def _accept(self, route: Route, data: Mapping[str, object]
                ) -> tuple[Event[Any], tuple[Subscriber, ...], int] | None:
        """What :meth:`emit` and :meth:`emit_sync` share: the hop check, validation and
        the event; ``None`` when nothing is to be delivered (captured, or no subscriber)."""
        name = route.event
        origin = _ORIGIN.get()
        hop = 0 if origin is None and not self._closing else self._check_origin(name, origin)
        event = make_event(name, route.accept(data), new_event_id(), datetime.now(UTC), 1)
        if _captures and not self._capture(event):
            return None
        if not route.subscribers:
            return None
        return event, route.subscribers, hop

    def _check_origin(self, name: str, origin: tuple[Dispatcher, int] | None) -> int:
        """The hop of an event emitted now; raises if it may not be accepted."""
        if origin is not None and origin[0] is self:
            hop = origin[1] + 1
            if hop > self._max_hops:
                raise TscrunError(
                    f'event "{name}" refused: it would be hop {hop} of a chain of events emitted '
                    f"by handlers, more than events.max-hops = {self._max_hops} (a cycle such as "
                    "A -> B -> A?)")
            if self._closed:
                raise TscrunError(f'dispatcher is closed; cannot emit "{name}"')
            return hop
        if self._closing:
            raise TscrunError(f'dispatcher is closed; cannot emit "{name}"')
        return 0

    def _capture(self, event: Event[Any]) -> bool:
        """Record ``event`` in the active captures; False when none of them delivers."""
        deliver = True
        for capture in _captures:
            if capture.dispatcher is None or capture.dispatcher is self:
                capture.events.append(event)
                deliver = deliver and capture.deliver
        return deliver

    def _enqueue(self, event: Event[Any], subscribers: tuple[Subscriber, ...],
                 context: contextvars.Context, hop: int) -> None:
        self._pending += len(subscribers)
        self._queue.append((event, subscribers, context, hop))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)
        if self._room_waiters and self._pending - self._parked < self._max_in_flight:
            self._wake_room()

    async def _room(self, from_handler: bool) -> None:
        """Wait until fewer than ``max-in-flight`` deliveries are unfinished."""
        loop = self._loop
        assert loop is not None
        if from_handler:
            # A handler waiting here is not counted: if every delivery in
            # flight were a handler waiting to emit, none could ever finish.
            self._parked += 1
        try:
            while self._pending - self._parked >= self._max_in_flight:
                if from_handler:
                    self._wake_room()
                waiter: asyncio.Future[None] = loop.create_future()
                self._room_waiters.append(waiter)
                await waiter
        finally:
            if from_handler:
                self._parked -= 1

    def _wake_room(self) -> None:
        while self._room_waiters:
            waiter = self._room_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _accept_from_thread(self, event: Event[Any], subscribers: tuple[Subscriber, ...],
                                  context: contextvars.Context, hop: int) -> None:
        self._bind()
        if self._pending - self._parked >= self._max_in_flight:
            await self._room(hop > 0)
        self._enqueue(event, subscribers, context, hop)

    # --- delivery -------------------------------------------------------------------

    def _flush(self) -> None:
        """Start queued deliveries: at most TURN_BUDGET attempts, then yield to the loop."""
        self._flush_scheduled = False
        started = 0
        ready = self._ready
        while ready and started < TURN_BUDGET:
            started += 1
            try:
                self._admit(ready.popleft())
            except BaseException:
                self._schedule_flush()  # KeyboardInterrupt/SystemExit: the rest comes later
                raise
        queue = self._queue
        stop = time.perf_counter() + _FLUSH_BUDGET
        check = started + 32
        lanes = self._lanes
        while queue and started < TURN_BUDGET:
            event, subscribers, context, hop = queue.popleft()
            context.run(_ORIGIN.set, (self, hop))
            room = TURN_BUDGET - started
            last = len(subscribers) - 1
            if last >= room:
                # More subscribers than this turn may start: the rest waits
                # first in line, with the event's own context (so each one
                # started now gets a copy).
                queue.appendleft((event, subscribers[room:], context, hop))
                subscribers = subscribers[:room]
                last = -1
            for i, sub in enumerate(subscribers):
                # Each delivery gets its own context, like a task would.
                delivery = _Delivery(self, sub, event, context if i == last else context.copy(),
                                     hop)
                try:
                    if lanes and sub.name in lanes:
                        self._admit(delivery)
                    else:
                        self._attempt(delivery)
                except BaseException:
                    # KeyboardInterrupt/SystemExit from a handler (it is
                    # dead-lettered): keep the rest of this event for later.
                    if i < len(subscribers) - 1:
                        queue.appendleft((event, subscribers[i + 1:], context, hop))
                    self._schedule_flush()
                    raise
            started += len(subscribers)
            if started >= check:
                check = started + 32
                if time.perf_counter() > stop:
                    break  # let the loop run other callbacks; the rest comes next turn
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if (self._queue or self._ready) and not self._flush_scheduled \
                and self._loop is not None and not self._loop.is_closed():
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _admit(self, d: _Delivery) -> None:
        lane = self._lanes.get(d.sub.name)
        if lane is not None:
            if lane.running >= lane.limit:
                d.state = _QUEUED
                lane.backlog.append(d)
                return
            lane.running += 1
            d.lane = True
        self._attempt(d)

    def _attempt(self, d: _Delivery) -> None:
        d.attempt += 1
        event = d.event  # attempt 1 of every subscriber shares it: it and its data are read-only
        if d.attempt > 1:
            event = make_event(event.type, event.data, event.id, event.timestamp, d.attempt)
            # A thread of an attempt that timed out may still be running in
            # the old context; a context cannot be entered twice at once.
            d.context = d.context.copy()
        d.started = time.perf_counter()
        sub = d.sub
        if not sub.is_async:
            d.state = _THREAD
            d.where = running = self._running[sub.name]
            running[d] = None
            self._ensure_ticker()
            attempt = d.attempt
            workers.submit(lambda: self._in_thread(d, attempt, event))
            return
        try:
            # Calling an ``async def`` runs none of its body; a wrapper may, so
            # even this happens in the delivery's context.
            result = d.context.run(sub.handler, event)
        except Exception as exc:
            self._failed(d, exc)
            return
        except BaseException as exc:
            self._failed(d, exc)
            raise
        self._run(d, result)

    def _run(self, d: _Delivery, result: object) -> None:
        """Run what an async handler returned in a task of its own.

        A real task, not a hand-driven coroutine: handlers may rely on
        ``asyncio.current_task()`` (``asyncio.timeout``, aiohttp, anyio do).
        """
        if type(result) is not CoroutineType and not inspect.iscoroutine(result):
            if not inspect.isawaitable(result):
                self._succeeded(d)  # a wrapper that returned a plain value: it is done
                return
            result = _await(result)
        d.state = _RUNNING
        try:
            task = self._start_task(result, d.context)
        except BaseException as exc:  # KeyboardInterrupt/SystemExit in an eager first step
            self._failed(d, exc)
            raise
        d.task = task
        if task.done():  # an eager task that finished without suspending
            self._task_done(d, task)
            return
        d.where = running = self._running[d.sub.name]
        running[d] = None
        if self._ticker is None:
            self._ensure_ticker()
        task.add_done_callback(d)

    def _task_done(self, d: _Delivery, task: asyncio.Task[Any]) -> None:
        if d.task is not task or d.state is not _RUNNING:
            return
        d.task = None
        self._unlink(d)
        if task.cancelled():
            if d.timed_out == d.attempt:
                self._failed(d, self._timeout_error(d))
            elif task.cancelling():
                self._failed(d, None, "CancelledError",
                             "the handler's task was cancelled before it finished (an event "
                             "loop that ends cancels its tasks: await drain() first)")
            else:
                self._failed(d, None, "CancelledError",
                             "the handler raised CancelledError itself (nothing cancelled it); "
                             "it is not retried")
            return
        exc = task.exception()
        if exc is not None:
            self._failed(d, exc)
        elif d.lane or self._hooks["delivered"]:
            self._succeeded(d)
        else:  # the common case, inlined
            d.state = _DONE
            self._pending -= 1
            if not self._pending or self._room_waiters:
                self._pending += 1
                self._finish()

    def _in_thread(self, d: _Delivery, attempt: int, event: Event[Any]) -> None:
        # Runs in a worker thread.
        try:
            outcome: tuple[int, object, BaseException | None] = \
                (attempt, d.context.run(d.sub.handler, event), None)
        except BaseException as exc:
            outcome = (attempt, None, exc)
        d.outcome = outcome  # read by _adopt when no loop was left to hear about it
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._thread_done, d, attempt)
            except RuntimeError:
                pass  # loop closed: picked up when the dispatcher is next used

    def _thread_done(self, d: _Delivery, attempt: int) -> None:
        outcome = d.outcome
        if d.state is not _THREAD or d.attempt != attempt or outcome is None \
                or outcome[0] != attempt:
            return  # timed out (or abandoned) already; this thread was given up on
        d.outcome = None
        self._unlink(d)
        _, result, exc = outcome
        if exc is not None:
            self._failed(d, exc)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise exc  # never swallowed: it stops the loop as it would on the loop
            return
        if inspect.isawaitable(result):
            # A plain def that returned an awaitable (a wrapped coroutine
            # function): finish it on the loop.
            self._run(d, result)
            return
        self._succeeded(d)

    # --- timeouts -------------------------------------------------------------------

    def _ensure_ticker(self) -> None:
        """Make sure the ticker that times out attempts runs while attempts are running.

        One periodic look at the oldest running attempts costs far less than
        a timer per delivery: an attempt is at most a quarter of the shortest
        timeout late.
        """
        if self._ticker is None:
            loop = self._loop
            assert loop is not None
            self._ticker = loop.call_later(self._tick_every, self._tick)

    def _tick(self) -> None:
        """Time out the attempts past their timeout, at most TURN_BUDGET of them per call.

        Each set of running attempts is in start order, so only the expired
        ones and the first one still in time are looked at.
        """
        self._ticker = None
        now = time.perf_counter()
        expired: list[_Delivery] = []
        for timeout, running in self._timeouts:
            for d in running:
                if now - d.started < timeout or len(expired) >= TURN_BUDGET:
                    break
                expired.append(d)
        for d in expired:
            self._time_out(d)
        if len(expired) >= TURN_BUDGET:
            # More may be due: look again in a callback of its own, after
            # the loop has run what these cancellations started.
            assert self._loop is not None
            self._ticker = self._loop.call_soon(self._tick)
        elif any(running for _, running in self._timeouts):
            self._ensure_ticker()

    def _time_out(self, d: _Delivery) -> None:
        d.timed_out = d.attempt
        if d.state is _RUNNING and d.task is not None:
            # _task_done counts it as a failed attempt once its task has ended.
            self._unlink(d)
            d.where = self._stopping
            self._stopping[d] = None
            d.task.cancel()
        elif d.state is _THREAD:
            # A thread cannot be stopped: the attempt is given up on (the
            # thread finishes on its own, outside the subscriber's slots).
            self._unlink(d)
            self._failed(d, self._timeout_error(d))

    def _unlink(self, d: _Delivery) -> None:
        where = d.where
        if where is not None:
            where.pop(d, None)
            d.where = None

    def _live(self) -> list[_Delivery]:
        """Deliveries running, waiting to retry or being stopped after a timeout."""
        out = [d for _, running in self._timeouts for d in running]
        out += self._waiting
        out += self._stopping
        return out

    def _timeout_error(self, d: _Delivery) -> TimeoutError:
        where = " (its worker thread was left running)" if not d.sub.is_async else ""
        return TimeoutError(f"attempt {d.attempt} did not finish within {d.sub.timeout:g} s "
                            f"(timeout){where}")

    # --- outcomes -------------------------------------------------------------------

    def _release(self, d: _Delivery) -> None:
        if d.lane:
            d.lane = False
            lane = self._lanes[d.sub.name]
            lane.running -= 1
            if lane.backlog:
                assert self._loop is not None
                # Started from a callback of its own, so that a long backlog of
                # handlers finishing at once never recurses.
                self._loop.call_soon(self._next_in_lane, lane)

    def _next_in_lane(self, lane: _Lane) -> None:
        started = 0
        while lane.backlog and lane.running < lane.limit:
            if started == TURN_BUDGET:
                assert self._loop is not None
                self._loop.call_soon(self._next_in_lane, lane)
                return
            d = lane.backlog.popleft()
            lane.running += 1
            d.lane = True
            started += 1
            self._attempt(d)

    def _succeeded(self, d: _Delivery) -> None:
        self._release(d)
        d.state = _DONE
        if self._hooks["delivered"]:
            self._notify("delivered", d, None)
        self._finish()

    def _failed(self, d: _Delivery, exc: BaseException | None, error_type: str = "",
                message: str = "") -> None:
        """An attempt failed: retry an ``Exception``; dead-letter anything else at once."""
        self._release(d)
        sub = d.sub
        if isinstance(exc, Exception) and d.attempt < sub.max_attempts:
            loop = self._loop
            assert loop is not None
            delay = min(sub.retry_delay * 2.0 ** min(d.attempt - 1, 64),
                        max(MAX_BACKOFF, sub.retry_delay))
            event = d.event
            logger.warning('subscriber "%s" failed on event "%s" (id %s), attempt %d of %d: %r; '
                           "retrying in %g s", sub.name, event.type, event.id, d.attempt,
                           sub.max_attempts, exc, delay,
                           extra={"event": event.type, "id": event.id,
                                  "subscriber": sub.name, "attempt": d.attempt})
            if self._hooks["retried"]:
                self._notify("retried", d, f"{type(exc).__name__}: {exc}", delay)
            d.state = _WAITING
            d.due = loop.time() + delay
            d.timer = loop.call_at(d.due, self._retry, d, d.attempt)
            d.where = self._waiting
            self._waiting[d] = None
            return
        self._dead_letter(d, d.attempt, exc, error_type, message)

    def _retry(self, d: _Delivery, attempt: int) -> None:
        if d.state is not _WAITING or d.attempt != attempt:
            return
        self._unlink(d)
        d.timer = None
        # Started by _flush, within its budget: retries falling due together
        # (a burst of failures) must not all start in one callback.
        d.state = _QUEUED
        self._ready.append(d)
        self._schedule_flush()

    def _dead_letter(self, d: _Delivery, attempts: int, exc: BaseException | None,
                     error_type: str = "", message: str = "") -> None:
        d.state = _DONE
        root = d.event
        tb = ""
        if exc is not None:
            error_type, message, tb = describe_error(exc)
        letter = DeadLetter(d.sub.name, make_event(root.type, root.data, root.id,
                                                   root.timestamp, max(attempts, 1)),
                            attempts, error_type, message, tb)
        self._dead.add(letter)
        logger.error('subscriber "%s" gave up on event "%s" (id %s) after %d attempt(s): %s; '
                     "it is kept in dead_letters", d.sub.name, root.type, root.id, attempts,
                     letter.error,
                     exc_info=(type(exc), exc, exc.__traceback__) if exc is not None else None,
                     extra={"event": root.type, "id": root.id, "subscriber": d.sub.name,
                            "attempt": attempts})
        if self._hooks["dead_lettered"]:
            self._notify("dead_lettered", d, letter.error)
        self._finish()

    def _finish(self) -> None:
        self._pending -= 1
        if not self._pending:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        if self._room_waiters and self._pending - self._parked < self._low_water:
            self._wake_room()

    def _notify(self, kind: HookKind, d: _Delivery, error: str | None,
                retry_in: float | None = None) -> None:
        duration = time.perf_counter() - d.started if d.started else 0.0
        outcome = Outcome(kind, d.sub.name, d.event, d.attempt, duration, error, retry_in)
        for hook in list(self._hooks[kind]):
            try:
                hook(outcome)
            except Exception:
                logger.exception("tscrun %s hook %r failed", kind, hook)

    # --- event loops ----------------------------------------------------------------

    def _bind(self) -> asyncio.AbstractEventLoop:
        """Bind to the running loop; take over from a previous loop only once it has stopped."""
        loop = asyncio.get_running_loop()
        old = self._loop
        if loop is old:
            return loop
        if old is not None and old.is_running():
            raise TscrunError(
                "this dispatcher delivers events on an event loop running in another thread; "
                "use emit_sync() from other threads (one dispatcher serves one event loop)")
        self._loop = loop
        self._start_task = _task_starter(loop)
        self._waiters = []  # futures of the old loop can never be awaited again
        self._room_waiters = deque()
        self._parked = 0
        self._flush_scheduled = False
        if old is not None:
            self._adopt()
        return loop

    def _adopt(self) -> None:
        """Carry on, on the new loop, with what a stopped loop left unfinished."""
        loop = self._loop
        assert loop is not None
        self._ticker = None  # a timer of the old loop never fires now
        if any(running for _, running in self._timeouts):
            self._ensure_ticker()
        for d in self._live():
            if d.state is _WAITING:
                if d.timer is not None:
                    d.timer.cancel()
                d.timer = loop.call_at(d.due, self._retry, d, d.attempt)
            elif d.state is _THREAD and d.outcome is not None:
                self._thread_done(d, d.attempt)  # finished while no loop listened
            elif d.state is _RUNNING and d.task is not None:
                task = d.task
                coro = task.get_coro()
                self._unlink(d)
                d.task = None
                if inspect.iscoroutine(coro) and \
                        inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                    # Its handler never started: start it here. The old task
                    # can never run now; silence its "destroyed but pending".
                    task._log_destroy_pending = False  # type: ignore[attr-defined]
                    coro.close()
                    self._release(d)
                    d.attempt -= 1
                    d.state = _QUEUED
                    self._ready.append(d)
                else:
                    self._failed(d, None, "TscrunError",
                                 "the event loop stopped while the handler was running")
        for lane in self._lanes.values():
            if lane.backlog and lane.running < lane.limit:
                loop.call_soon(self._next_in_lane, lane)
        self._schedule_flush()

    def _start_own_loop(self) -> asyncio.AbstractEventLoop:
        """A loop in a daemon thread, for a program that emits with no loop of its own."""
        with self._owned_lock:
            own = self._owned_loop
            if own is not None and own.is_running():
                return own
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="tscrun-dispatcher", daemon=True).start()
            ready.wait()
            self._owned_loop = loop
            return loop

    def _run_sync(self, make: Callable[[], Coroutine[Any, Any, None]],
                  timeout: float | None) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise TscrunError("drain_sync()/close_sync() would block the running event loop; "
                              "await drain() or close() instead")
        loop = self._loop
        if loop is None or loop.is_closed():
            if not self._pending:
                return
            loop = self._start_own_loop()
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(make(), loop).result(timeout)
        else:
            loop.run_until_complete(make())

    def _abandon(self) -> None:
        """Dead-letter everything unfinished (``close`` timed out)."""
        error = "the dispatcher was closed before this delivery finished"
        while self._queue:
            event, subscribers, context, hop = self._queue.popleft()
            for sub in subscribers:
                self._dead_letter(_Delivery(self, sub, event, context, hop), 0, None,
                                  "TscrunError", error)
        for lane in self._lanes.values():
            while lane.backlog:
                d = lane.backlog.popleft()
                self._dead_letter(d, d.attempt, None, "TscrunError", error)
        while self._ready:
            d = self._ready.popleft()
            self._dead_letter(d, d.attempt, None, "TscrunError", error)
        for d in self._live():
            self._unlink(d)
            if d.task is not None:
                d.task.cancel()
                d.task = None
            if d.timer is not None:
                d.timer.cancel()
            self._release(d)
            self._dead_letter(d, d.attempt, None, "TscrunError", error)


# Dispatchers still alive at interpreter exit are asked what they never delivered:
# an event loop that ended without drain() must not lose events silently.
_alive: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


@atexit.register
def _at_exit() -> None:
    for dispatcher in list(_alive):
        own = dispatcher._owned_loop
        if own is not None and own.is_running() and dispatcher._loop is own \
                and dispatcher.pending:
            # Events emitted with emit_sync() by a program without a loop of
            # its own: give them the per-attempt timeout to finish.
            try:
                dispatcher.close_sync(timeout=dispatcher.config.timeout)
            except Exception:
                logger.exception("tscrun: closing the dispatcher at exit failed")
        unfinished = dispatcher.unfinished()
        if unfinished:
            logger.error("%d accepted event deliver%s never finished because the program ended "
                         "first (await drain() or close() before the event loop ends): %s",
                         len(unfinished), "y" if len(unfinished) == 1 else "ies",
                         ", ".join(f'"{event.type}" (id {event.id}) to "{sub}"'
                                   for sub, event in unfinished))
