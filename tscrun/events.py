"""What user code imports: ``Event[T]``, ``emit`` and the default dispatcher.

``from tscrun import events`` then ``await events.emit("user.registered", payload)``.
The default dispatcher is built from the discovered config on the first ``emit``
(or set explicitly with :func:`configure`).

This module imports nothing heavy at import time: the dispatcher (which may
import user code) is only loaded when first needed.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Mapping
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from tscrun.config import Config
    from tscrun.dispatcher import Dispatcher

__all__ = ["Event", "configure", "emit", "emit_sync", "get_dispatcher", "new_event_id"]

T = TypeVar("T")

# Ids only need to be unique, not secret: a random per-process prefix plus a
# counter is unique across processes in practice and costs far less than a
# uuid4 per emit. A forked child (gunicorn-style workers) starts from a copy of
# the parent's prefix and counter, so it draws a new prefix before running
# anything: otherwise parent and children would hand out the same ids.
_id_prefix = os.urandom(8).hex()
_id_counter = itertools.count(1)


def _reseed_ids() -> None:
    global _id_prefix, _id_counter
    _id_prefix = os.urandom(8).hex()
    _id_counter = itertools.count(1)


os.register_at_fork(after_in_child=_reseed_ids)


def new_event_id() -> str:
    """A fresh event id, e.g. ``"3f9a1c0b7d2e5a61-1a"``: unique across processes (fork included)."""
    return f"{_id_prefix}-{next(_id_counter):x}"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event(Generic[T]):
    """One emitted event as a subscriber receives it.

    ``type`` is the configured event name and ``data`` the payload given to
    ``emit`` (each delivery gets its own copy). ``id`` and ``timestamp`` are
    assigned once at emit: every subscriber, every retry and a redrive of one
    emit see the same ones, so handlers can deduplicate on ``id``. ``attempt``
    counts this subscriber's tries, from 1.

    Build one to unit-test a handler: ``Event[UserRegisteredEvent](type=
    "user.registered", data={...})``; ``id`` and ``timestamp`` then default to
    a fresh id and the current time.
    """

    type: str
    data: T
    id: str = field(default_factory=new_event_id)
    timestamp: datetime = field(default_factory=_now)
    """When it was emitted (UTC)."""
    attempt: int = 1


def _frozen(self: object, name: str, value: object = None) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


# dataclass(frozen=True, slots=True) on 3.11/3.12 builds a __setattr__ that
# calls super() with the class it replaced, so anything setting an attribute
# raises TypeError instead of FrozenInstanceError -- and Event[T](...) does:
# typing tries to record __orig_class__ on the instance and only expects an
# AttributeError. The replacement refuses every assignment the same way on all
# versions (dataclass itself writes fields through object.__setattr__).
Event.__setattr__ = _frozen  # type: ignore[method-assign]
Event.__delattr__ = _frozen  # type: ignore[method-assign]

_new = object.__new__
_set_type, _set_data, _set_id, _set_timestamp, _set_attempt = (
    Event.__dict__[name].__set__ for name in ("type", "data", "id", "timestamp", "attempt"))


def make_event(type: str, data: T, id: str, timestamp: datetime, attempt: int) -> Event[T]:
    """``Event(type, data, id, timestamp, attempt)`` for the dispatcher's hot path.

    The same object, built about twice as fast: the dataclass ``__init__`` of a
    frozen class goes through ``object.__setattr__`` per field.
    """
    event: Event[T] = _new(Event)
    _set_type(event, type)
    _set_data(event, data)
    _set_id(event, id)
    _set_timestamp(event, timestamp)
    _set_attempt(event, attempt)
    return event


_default: Dispatcher | None = None
# Reentrant: get_dispatcher() builds the default through configure().
_default_lock = threading.RLock()


def configure(path_or_config: Config | str | os.PathLike[str] | None = None) -> Dispatcher:
    """Set the dispatcher that :func:`emit` uses, and return it.

    Pass a :class:`~tscrun.Config`, a config file (or a folder to discover
    from), or nothing to discover from the working directory (and
    ``$TSCRUN_CONFIG``). A previous default dispatcher keeps delivering what it
    already accepted; ``await`` its ``close()`` if you need to wait for that.
    """
    global _default
    from tscrun.config import Config, load_config
    from tscrun.dispatcher import Dispatcher

    config = path_or_config if isinstance(path_or_config, Config) else load_config(path_or_config)
    dispatcher = Dispatcher(config)
    with _default_lock:
        _default = dispatcher
    return dispatcher


def get_dispatcher() -> Dispatcher:
    """The default dispatcher, built from the discovered config on first use."""
    dispatcher = _default
    if dispatcher is None:
        with _default_lock:
            dispatcher = _default if _default is not None else configure()
    return dispatcher


async def emit(name: str, data: Mapping[str, object]) -> None:
    """Emit event ``name`` with payload ``data`` through the default dispatcher.

    Returns once the event is accepted (validated and queued), not when the
    subscribers have finished. Raises :class:`~tscrun.UnknownEventError` for a
    name the config does not declare and :class:`~tscrun.PayloadError` for a
    payload that does not match the event's TypedDict; nothing is delivered then.
    """
    dispatcher = _default
    if dispatcher is None:
        dispatcher = get_dispatcher()
    await dispatcher.emit(name, data)


def emit_sync(name: str, data: Mapping[str, object]) -> None:
    """Emit event ``name`` from plain ``def`` code or another thread; thread-safe.

    Returns once the event is accepted (validated and queued), as :func:`emit`
    does; see :meth:`tscrun.Dispatcher.emit_sync`.
    """
    dispatcher = _default
    if dispatcher is None:
        dispatcher = get_dispatcher()
    dispatcher.emit_sync(name, data)
