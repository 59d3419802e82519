"""Wiring: from a :class:`~tscrun.Config` to the handlers and validators it names.

Every provider delivers the same subscribers with the same checks; only the
transport differs. So loading them is done here, once, and a provider receives
the result::

    from tscrun.wiring import wire

    wiring = wire(config)                       # imports handlers and payload types
    route = wiring.route("user.registered")     # UnknownEventError for a name not configured
    payload = route.accept(data)                # PayloadError if invalid; else a read-only snapshot
    for sub in route.subscribers:               # the loaded subscribers of this event
        ...  # deliver Event(route.event, payload) to sub.handler,
             # at most sub.timeout seconds per attempt, sub.max_attempts attempts

``wire(config, subscribers=())`` loads no handler at all (a process that only
emits); ``subscribers=["a", "b"]`` loads those only (a worker serving some).
Routes always list every configured subscriber name in ``subscriber_names``.

Errors, all raised by :func:`wire`: a handler that cannot be found, is not
callable or is a generator is a :class:`~tscrun.ConfigError` naming the
subscriber's key (TSC201, TSC203); a module that raises on import is a
:class:`~tscrun.TscrunError` keeping the cause. An event whose payload type
cannot be used is logged as a warning (TSC301) and its payloads are only
checked to be mappings, so the other events keep full validation.
"""

from __future__ import annotations

import functools
import inspect
import logging
import reprlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tscrun.config import DEFAULT_CONCURRENCY, Config, EventConfig, SubscriberConfig
from tscrun.diagnostics import message
from tscrun.errors import ConfigError, PayloadError, TscrunError, UnknownEventError
from tscrun.events import Event
from tscrun.imports import TargetBroken, TargetNotFound, import_target, make_importable
from tscrun.payloads import FrozenDict, freeze
from tscrun.validation import PayloadValidator, UnusablePayloadType

__all__ = ["Handler", "Route", "Subscriber", "Validator", "Wiring", "handler_kind", "wire"]

logger = logging.getLogger("tscrun")

Handler = Callable[[Event[Any]], Any]
"""A subscriber's function: ``async def listen(event)`` or ``def listen(event)``."""

Validator = Callable[[object], None]
"""Raises :class:`~tscrun.PayloadError` unless the payload matches the event's TypedDict."""


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One loaded subscriber with its resolved delivery settings."""

    name: str
    target: str
    """``"module:function"`` of the handler, for messages."""
    handler: Handler
    is_async: bool
    """``async def`` (run as a task on the loop); otherwise run in a worker thread."""
    events: tuple[str, ...]
    timeout: float
    """Seconds one attempt may take before it counts as failed."""
    concurrency: int | None
    """Attempts that may run at once; ``None`` for no limit of its own (async handlers)."""
    max_attempts: int
    retry_delay: float


@dataclass(frozen=True, slots=True)
class Route:
    """One configured event: its check and its loaded subscribers."""

    event: str
    validate: Validator | None
    """``None`` when ``validate-payloads = false``."""
    subscribers: tuple[Subscriber, ...]
    subscriber_names: tuple[str, ...]
    """Every configured subscriber of the event, loaded here or not."""

    def accept(self, data: Mapping[str, object]) -> FrozenDict:
        """Validate ``data`` and return a read-only deep snapshot of it (the caller may reuse its dict)."""
        if self.validate is not None:
            self.validate(data)
        elif type(data) is not dict and not isinstance(data, Mapping):
            raise PayloadError(self.event, None, f"expected a mapping, got {type(data).__name__}")
        try:
            return freeze(data)
        except RecursionError:
            raise PayloadError(self.event, None, "the payload is nested too deeply to snapshot "
                               "(deeper than the interpreter's recursion limit)") from None


@dataclass(frozen=True, slots=True)
class Wiring:
    """What a config wires together; built by :func:`wire`."""

    config: Config
    routes: Mapping[str, Route]
    subscribers: Mapping[str, Subscriber]
    """The loaded subscribers by name."""

    def route(self, name: str) -> Route:
        """The route of event ``name``; :class:`~tscrun.UnknownEventError` if not configured."""
        route = self.routes.get(name)
        if route is None:
            if not isinstance(name, str):
                raise TypeError(f"event name must be a str, got {type(name).__name__}")
            raise UnknownEventError(name, self.config.closest_event(name))
        return route


def wire(config: Config, subscribers: Collection[str] | None = None) -> Wiring:
    """Import the handlers of ``subscribers`` (default: all) and every event's payload type.

    The config's source roots are put on ``sys.path`` first.
    """
    if subscribers is not None:
        unknown = [s for s in subscribers if s not in config.subscribers]
        if unknown:
            raise TscrunError(f'no subscriber "{unknown[0]}" in {config.path}; configured: '
                              f"{', '.join(config.subscribers) or 'none'}")
    make_importable(config.source_roots)
    prefix = "tool.tscrun." if config.path.name == "pyproject.toml" else ""
    loaded = {name: _load_subscriber(config, sub, prefix) for name, sub in config.subscribers.items()
              if subscribers is None or name in subscribers}
    routes = {
        name: Route(name, _load_validator(ev) if config.validate_payloads else None,
                    tuple(loaded[s] for s in ev.subscribers if s in loaded), ev.subscribers)
        for name, ev in config.events.items()
    }
    return Wiring(config, MappingProxyType(routes), MappingProxyType(loaded))


def handler_kind(handler: object) -> str:
    """``"async"``, ``"sync"``, ``"generator"`` or ``"async generator"``.

    Looks through ``functools.wraps`` wrappers and at a callable object's
    ``__call__``, so a decorated coroutine function still counts as async.
    """
    candidates = (handler, getattr(handler, "__call__", None), inspect.unwrap(handler))  # type: ignore[arg-type]
    if any(inspect.isasyncgenfunction(c) for c in candidates):
        return "async generator"
    if any(inspect.isgeneratorfunction(c) for c in candidates):
        return "generator"
    if any(inspect.iscoroutinefunction(c) for c in candidates):
        return "async"
    return "sync"


def _load_subscriber(config: Config, sub: SubscriberConfig, prefix: str) -> Subscriber:
    target = sub.handler
    key = f"{prefix}events.subscribers.{sub.name}" + (".handler" if target.explicit else "")
    how = "" if target.explicit else \
        ' (found by convention; set handler = "module:function" to point elsewhere)'
    try:
        handler = import_target(target)
    except TargetNotFound as exc:
        raise ConfigError(
            message("TSC201", target=target, subscriber=sub.name, reason=exc) + how,
            path=config.path, key=key, line=target.line or sub.line) from None
    except TargetBroken as exc:
        raise TscrunError(f'handler "{target}" of subscriber "{sub.name}" could not be '
                          f"imported: {exc}") from exc.__cause__
    if not callable(handler):
        raise ConfigError(
            message("TSC201", target=target, subscriber=sub.name,
                    reason=f"it is not callable ({type(handler).__name__} "
                           f"{reprlib.repr(handler)})"),
            path=config.path, key=key, line=target.line or sub.line)
    kind = handler_kind(handler)
    if kind.endswith("generator"):
        # Calling a generator function runs none of its body: it would count
        # as delivered without doing anything.
        raise ConfigError(message("TSC203", target=target, subscriber=sub.name,
                                  kind=f"an {kind}" if kind.startswith("a") else f"a {kind}"),
                          path=config.path, key=key, line=target.line or sub.line)
    is_async = kind == "async"
    concurrency = sub.concurrency
    if concurrency is None and not is_async:
        concurrency = DEFAULT_CONCURRENCY  # threads are a real cost; tasks are not
    return Subscriber(
        name=sub.name, target=str(target), handler=handler, is_async=is_async,
        events=sub.events, timeout=sub.timeout if sub.timeout is not None else config.timeout,
        concurrency=concurrency, max_attempts=config.max_attempts,
        retry_delay=config.retry_delay)


def _load_validator(ev: EventConfig) -> Validator:
    try:
        payload_type = import_target(ev.payload)
        return PayloadValidator(ev.name, payload_type)  # type: ignore[arg-type]
    except TargetBroken as exc:
        raise TscrunError(f'payload type "{ev.payload}" of event "{ev.name}" could not be '
                          f"imported: {exc}") from exc.__cause__
    except (TargetNotFound, UnusablePayloadType) as exc:
        logger.warning("%s; payloads of this event are only checked to be mappings",
                       message("TSC301", event=ev.name, reason=exc))
        return functools.partial(_check_mapping, ev.name)


def _check_mapping(event: str, data: object) -> None:
    if not isinstance(data, Mapping):
        raise PayloadError(event, None, f"expected a mapping, got {type(data).__name__}")
