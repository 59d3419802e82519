"""The local dispatcher: delivers every emitted event to each of its subscribers.

Guarantees (provider ``local``): each subscriber of an event receives it exactly
once; ``emit`` returns once the event is accepted, before any handler runs; a
handler that raises is retried ``max-attempts`` times in all, waiting
``retry-delay`` seconds and doubling the wait after each failure, then kept in
``dead_letters`` and logged; a failing or slow handler blocks neither the
emitter nor the other handlers; plain ``def`` handlers run in worker threads.

How it stays fast: ``emit`` only validates and appends to a queue, and one loop
callback per batch starts the handlers, each in a task of its own (an eager
task on Python 3.12+, so a handler that never suspends is never scheduled).
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import functools
import inspect
import logging
import reprlib
import sys
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import Future as ThreadFuture
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tscrun.config import Config
from tscrun.errors import TscrunError
from tscrun.events import Event
from tscrun.providers.base import Transport
from tscrun.providers.emitter import publish
from tscrun.wiring import Route, Subscriber, Wiring, wire

__all__ = ["DeadLetter", "Dispatcher"]

logger = logging.getLogger("tscrun")

Handler = Callable[[Event[Any]], Any]


@dataclass(frozen=True)
class DeadLetter:
    """A delivery that failed every attempt (or could not finish before ``close``)."""

    subscriber: str
    event: Event[Any]
    error: BaseException
    attempts: int


# Stages of a delivery that did not finish in the callback that started it.
_RUNNING, _THREAD, _WAITING = "running", "in a worker thread", "waiting to retry"


class _Delivery:
    """One subscriber's delivery of one event, while it is still in flight."""

    __slots__ = ("attempt", "context", "due", "event", "finished", "future", "owner", "stage",
                 "sub", "task", "timer")

    def __init__(self, owner: Dispatcher, sub: Subscriber, event: Event[Any], attempt: int,
                 context: contextvars.Context, stage: str) -> None:
        self.owner = owner
        self.sub = sub
        self.event = event
        self.attempt = attempt
        self.context = context
        self.stage = stage
        self.finished = False
        self.task: asyncio.Task[Any] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.future: ThreadFuture[Any] | None = None
        self.due = 0.0

    def __call__(self, task: asyncio.Task[Any]) -> None:
        # The delivery is its own task-done callback: no partial per delivery.
        self.owner._task_done(self, task)

    def done_in_thread(self) -> bool:
        """A thread handler that succeeded, though no loop was left to hear about it."""
        future = self.future
        return (future is not None and future.done() and not future.cancelled()
                and future.exception() is None and not inspect.isawaitable(future.result()))


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
    if sys.version_info >= (3, 12):
        return lambda coro, context: asyncio.Task(coro, loop=loop, context=context,
                                                  eager_start=True)
    return lambda coro, context: asyncio.Task(coro, loop=loop, context=context)


class Dispatcher:
    """Delivers events to the subscribers a :class:`~tscrun.Config` declares.

    Construction imports every subscriber's handler and every event's payload
    TypedDict (the config's source roots are put on ``sys.path`` for that). A
    handler that cannot be imported is an error here, naming subscriber and
    target. An event whose payload type cannot be imported, or is not a
    TypedDict, is logged as a warning and its payloads are only checked to be
    mappings: the other events keep full validation.

    With a remote provider (``redis``, ``aws``) ``emit`` validates the same way,
    also refuses a payload that is not JSON, and returns once the provider's
    transport has stored the event; no handler is imported or run here.
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
        config = wiring.config
        self.config = config
        self.wiring = wiring
        self._max_attempts = config.max_attempts
        self._retry_delay = config.retry_delay
        self._routes: Mapping[str, Route] = wiring.routes
        self._queue: deque[tuple[Event[Any], tuple[Subscriber, ...], contextvars.Context]] = \
            deque()
        self._flush_scheduled = False
        self._pending = 0
        self._live: set[_Delivery] = set()
        self._orphans: deque[tuple[_Delivery, ThreadFuture[Any]]] = deque()
        self._waiters: list[asyncio.Future[None]] = []
        self._dead: list[DeadLetter] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start_task: StartTask = _no_loop
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False
        _alive.add(self)

    # --- public API -----------------------------------------------------------------

    @property
    def dead_letters(self) -> tuple[DeadLetter, ...]:
        """Deliveries that failed every attempt, oldest first."""
        return tuple(self._dead)

    @property
    def pending(self) -> int:
        """Deliveries accepted but not finished yet (queued, running or waiting to retry)."""
        return self._pending

    @property
    def closed(self) -> bool:
        return self._closed

    def unfinished(self) -> list[tuple[str, Event[Any]]]:
        """(subscriber, event) of every accepted delivery not finished yet."""
        queued = [(sub.name, event) for event, subs, _ in self._queue for sub in subs]
        return queued + [(d.sub.name, d.event) for d in self._live
                         if not d.finished and not d.done_in_thread()]

    async def emit(self, name: str, data: Mapping[str, object]) -> None:
        """Accept event ``name`` for delivery to its subscribers.

        Returns as soon as the event is validated and queued. Raises
        :class:`~tscrun.UnknownEventError` or :class:`~tscrun.PayloadError`
        before anything is delivered, and :class:`~tscrun.TscrunError` once the
        dispatcher is closed.
        """
        route = self._routes.get(name)
        if route is None:
            route = self.wiring.route(name)
        if self._closed:
            raise TscrunError(f'dispatcher is closed; cannot emit "{name}"')
        data = route.accept(data)
        if self._transport is not None:
            await publish(self._transport, route, data)
            return
        subscribers = route.subscribers
        if not subscribers:
            return
        loop = self._loop
        if loop is None or loop is not asyncio.get_running_loop():
            loop = self._bind()
        self._pending += len(subscribers)
        # Handlers run in a copy of the emitter's context, as tasks would.
        self._queue.append((Event(name, data), subscribers, contextvars.copy_context()))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)

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
        """Stop accepting events and wait for every accepted delivery to finish.

        With ``timeout`` (seconds), deliveries still unfinished by then are
        cancelled and moved to ``dead_letters`` (and logged), so nothing that
        was accepted disappears without a trace.
        """
        self._closed = True
        try:
            if timeout is None:
                await self.drain()
            else:
                try:
                    await asyncio.wait_for(self.drain(), timeout)
                except TimeoutError:
                    self._abandon()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
            if self._transport is not None:
                await self._transport.close()

    # --- delivery -------------------------------------------------------------------

    def _flush(self) -> None:
        self._flush_scheduled = False
        queue = self._queue
        # Only what was queued before this call: events emitted by the handlers
        # started here wait for the next callback, so chains of events cannot
        # starve the loop.
        for _ in range(len(queue)):
            event, subscribers, context = queue.popleft()
            last = len(subscribers) - 1
            for i, sub in enumerate(subscribers):
                # Each delivery gets its own context, like a task would.
                try:
                    self._attempt(sub, event, 1, context if i == last else context.copy())
                except BaseException:
                    # KeyboardInterrupt/SystemExit from a handler: keep what is
                    # left of this event for later before letting it through.
                    if i < last:
                        queue.appendleft((event, subscribers[i + 1:], context))
                    self._schedule_flush()
                    raise

    def _schedule_flush(self) -> None:
        if self._queue and not self._flush_scheduled and self._loop is not None \
                and not self._loop.is_closed():
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _attempt(self, sub: Subscriber, event: Event[Any], attempt: int,
                 context: contextvars.Context) -> None:
        if not sub.is_async:
            self._start_thread(sub, event, attempt, context)
            return
        try:
            # Calling an ``async def`` runs none of its body; a wrapper may, so
            # even this happens in the delivery's context.
            result = context.run(sub.handler, event)
        except Exception as exc:
            self._failed(sub, event, attempt, context, exc)
            return
        except BaseException as exc:
            self._dead_letter(sub, event, attempt, exc)
            raise
        self._run(sub, event, attempt, context, result)

    def _run(self, sub: Subscriber, event: Event[Any], attempt: int,
             context: contextvars.Context, result: object) -> None:
        """Run what an async handler returned in a task of its own.

        A real task, not a hand-driven coroutine: handlers may rely on
        ``asyncio.current_task()`` (``asyncio.timeout``, aiohttp, anyio do).
        """
        if not inspect.iscoroutine(result):
            if not inspect.isawaitable(result):
                self._delivered()  # a wrapper that returned a plain value: it is done
                return
            result = _await(result)
        delivery = _Delivery(self, sub, event, attempt, context, _RUNNING)
        task = delivery.task = self._start_task(result, context)
        if task.done():  # an eager task that finished without suspending
            self._task_done(delivery, task)
            return
        self._live.add(delivery)
        task.add_done_callback(delivery)

    def _task_done(self, delivery: _Delivery, task: asyncio.Task[Any]) -> None:
        self._live.discard(delivery)
        if delivery.finished:
            return
        delivery.finished = True
        if task.cancelled():
            self._dead_letter(delivery.sub, delivery.event, delivery.attempt,
                              asyncio.CancelledError(
                                  "the handler's task was cancelled before it finished (an "
                                  "event loop that ends cancels its tasks: await drain() first)"))
            return
        exc = task.exception()
        if exc is None:
            self._delivered()
        else:
            self._failed(delivery.sub, delivery.event, delivery.attempt, delivery.context, exc)

    def _start_thread(self, sub: Subscriber, event: Event[Any], attempt: int,
                      context: contextvars.Context) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(thread_name_prefix="tscrun-handler")
        delivery = _Delivery(self, sub, event, attempt, context, _THREAD)
        self._live.add(delivery)
        future = delivery.future = self._pool.submit(context.run, sub.handler, event)
        future.add_done_callback(functools.partial(self._thread_finished, delivery))

    def _thread_finished(self, delivery: _Delivery, future: ThreadFuture[Any]) -> None:
        # Runs in the worker thread: hand the outcome to whichever loop the
        # dispatcher is bound to by now.
        loop = self._loop
        try:
            if loop is None:
                raise RuntimeError("no loop")
            loop.call_soon_threadsafe(self._thread_done, delivery, future)
        except RuntimeError:  # loop closed: picked up when the dispatcher is next used
            self._orphans.append((delivery, future))

    def _thread_done(self, delivery: _Delivery, future: ThreadFuture[Any]) -> None:
        self._live.discard(delivery)
        if delivery.finished:
            return
        delivery.finished = True
        exc = future.exception()
        if exc is not None:
            self._failed(delivery.sub, delivery.event, delivery.attempt, delivery.context, exc)
            return
        result = future.result()
        if inspect.isawaitable(result):
            # A plain def that returned an awaitable (a wrapped coroutine
            # function): finish it on the loop.
            self._run(delivery.sub, delivery.event, delivery.attempt, delivery.context, result)
            return
        self._delivered()

    def _failed(self, sub: Subscriber, event: Event[Any], attempt: int,
                context: contextvars.Context, exc: BaseException) -> None:
        if attempt >= self._max_attempts:
            self._dead_letter(sub, event, attempt, exc)
            return
        assert self._loop is not None
        delay = self._retry_delay * 2 ** (attempt - 1)
        logger.warning('subscriber "%s" failed on event "%s" (id %s), attempt %d of %d: %r; '
                       "retrying in %g s", sub.name, event.type, event.id, attempt,
                       self._max_attempts, exc, delay)
        delivery = _Delivery(self, sub, event, attempt + 1, context, _WAITING)
        delivery.due = time.monotonic() + delay
        delivery.timer = self._loop.call_later(delay, self._retry, delivery)
        self._live.add(delivery)

    def _retry(self, delivery: _Delivery) -> None:
        if delivery.finished or delivery not in self._live:
            return
        self._live.discard(delivery)
        delivery.finished = True
        self._attempt(delivery.sub, delivery.event, delivery.attempt, delivery.context)

    def _delivered(self) -> None:
        self._pending -= 1
        if not self._pending:
            self._wake()

    def _dead_letter(self, sub: Subscriber, event: Event[Any], attempts: int,
                     exc: BaseException) -> None:
        self._dead.append(DeadLetter(sub.name, event, exc, attempts))
        logger.error('subscriber "%s" gave up on event "%s" (id %s) after %d attempt(s); '
                     "it is kept in dead_letters", sub.name, event.type, event.id, attempts,
                     exc_info=(type(exc), exc, exc.__traceback__))
        self._delivered()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # --- event loops ----------------------------------------------------------------

    def _bind(self) -> asyncio.AbstractEventLoop:
        """Bind to the running loop; move over what a finished previous loop left behind."""
        loop = asyncio.get_running_loop()
        old = self._loop
        if loop is old:
            return loop
        if old is not None and self._pending and old.is_running():
            raise TscrunError("this dispatcher is delivering events on another running event "
                              "loop; use one dispatcher per event loop")
        self._loop = loop
        self._start_task = _task_starter(loop)
        self._waiters = []  # futures of the old loop can never be awaited again
        self._flush_scheduled = False
        if old is not None and self._pending:
            self._adopt(old)
        return loop

    def _adopt(self, old: asyncio.AbstractEventLoop) -> None:
        assert self._loop is not None
        lost: list[_Delivery] = []
        restart: list[_Delivery] = []
        for delivery in list(self._live):
            if delivery.stage == _WAITING and delivery.timer is not None:
                delivery.timer.cancel()
                delay = max(0.0, delivery.due - time.monotonic())
                delivery.timer = self._loop.call_later(delay, self._retry, delivery)
            elif delivery.stage == _RUNNING and delivery.task is not None:
                coro = delivery.task.get_coro()
                if inspect.iscoroutine(coro) and \
                        inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                    restart.append(delivery)  # its handler never started: start it here
                else:
                    lost.append(delivery)
        for delivery in restart:
            self._live.discard(delivery)
            delivery.finished = True
            assert delivery.task is not None
            # The old task can never run now; silence its "destroyed but
            # pending" warning, since the delivery goes on here.
            delivery.task._log_destroy_pending = False  # type: ignore[attr-defined]
            coro = delivery.task.get_coro()
            if inspect.iscoroutine(coro):
                coro.close()
            self._attempt(delivery.sub, delivery.event, delivery.attempt, delivery.context)
        for delivery in lost:
            self._live.discard(delivery)
            delivery.finished = True
            self._dead_letter(delivery.sub, delivery.event, delivery.attempt, TscrunError(
                "the event loop stopped while the handler was running"))
        while self._orphans:
            self._thread_done(*self._orphans.popleft())
        self._schedule_flush()

    def _abandon(self) -> None:
        """Dead-letter everything unfinished (``close`` timed out)."""
        error = TscrunError("the dispatcher was closed before this delivery finished")
        while self._queue:
            event, subscribers, _ = self._queue.popleft()
            for sub in subscribers:
                self._dead_letter(sub, event, 0, error)
        for delivery in list(self._live):
            self._live.discard(delivery)
            delivery.finished = True
            if delivery.task is not None:
                delivery.task.cancel()
            if delivery.timer is not None:
                delivery.timer.cancel()
            attempts = delivery.attempt - (1 if delivery.stage == _WAITING else 0)
            self._dead_letter(delivery.sub, delivery.event, attempts, error)


# Dispatchers still alive at interpreter exit are asked what they never delivered:
# an event loop that ended without drain() must not lose events silently.
_alive: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


@atexit.register
def _report_unfinished() -> None:
    for dispatcher in list(_alive):
        unfinished = dispatcher.unfinished()
        if unfinished:
            logger.error("%d accepted event deliver%s never finished because the program ended "
                         "first (await drain() or close() before the event loop ends): %s",
                         len(unfinished), "y" if len(unfinished) == 1 else "ies", ", ".join(f'"{event.type}" (id {event.id}) to '
                                                    f'"{sub}"' for sub, event in unfinished))


def _no_loop(coro: Coroutine[Any, Any, Any], context: contextvars.Context) -> asyncio.Task[Any]:
    raise RuntimeError("the dispatcher is not bound to an event loop yet")
