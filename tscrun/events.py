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
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from tscrun.config import Config
    from tscrun.dispatcher import Dispatcher

__all__ = ["Event", "configure", "emit", "get_dispatcher"]

T = TypeVar("T")

# Ids only need to be unique, not secret: a random per-process prefix plus a
# counter is unique across processes in practice. Event stores just the counter
# and the epoch time; ``id`` and ``timestamp`` are formatted only when read, so
# an emit pays for neither a uuid4 nor a datetime.
_ID_PREFIX = os.urandom(6).hex()
_ID_COUNTER = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Event(Generic[T]):
    """One emitted event as a subscriber receives it.

    ``type`` is the configured event name, ``data`` the payload given to
    ``emit``. Every subscriber (and every retry) of one emit sees the same
    ``id`` and ``timestamp``, so handlers can deduplicate on ``id``.
    """

    type: str
    data: T
    seq: int = field(default_factory=_ID_COUNTER.__next__)
    """Position of this event among those created in this process."""
    created: float = field(default_factory=time.time)
    """When it was emitted, in seconds since the epoch."""

    @property
    def id(self) -> str:
        """Unique id of the event, e.g. ``"3f9a1c0b7d2e-1a"``."""
        return f"{_ID_PREFIX}-{self.seq:x}"

    @property
    def timestamp(self) -> datetime:
        """When it was emitted (UTC)."""
        return datetime.fromtimestamp(self.created, UTC)


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
    if config.provider == "local":
        dispatcher = Dispatcher(config)
    else:
        from tscrun.providers.emitter import remote_emitter

        dispatcher = remote_emitter(config)  # type: ignore[assignment]
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
