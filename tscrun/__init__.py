"""tscrun: type-safe events for Python.

``from tscrun import events`` then ``await events.emit("user.registered", payload)``.
Importing this package never imports libcst, flake8 or mypy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tscrun import events
from tscrun.config import Config, EventConfig, SubscriberConfig, Target, find_config, load_config
from tscrun.errors import ConfigError, PayloadError, TscrunError, UnknownEventError
from tscrun.events import Event, configure

__all__ = [
    "Config", "ConfigError", "DeadLetter", "Dispatcher", "Event", "EventConfig", "PayloadError",
    "SubscriberConfig", "Target", "TscrunError", "UnknownEventError", "configure",
    "events", "find_config", "load_config",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from tscrun.dispatcher import DeadLetter, Dispatcher


def __getattr__(name: str) -> Any:
    # The dispatcher pulls in asyncio and the thread pool. The static tools import
    # tscrun on every run for the config loader alone, so they should not pay for it.
    if name in ("Dispatcher", "DeadLetter"):
        from tscrun import dispatcher

        return getattr(dispatcher, name)
    raise AttributeError(f"module 'tscrun' has no attribute {name!r}")
