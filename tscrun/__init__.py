"""tscrun: type-safe events for Python.

``from tscrun import events`` then ``await events.emit("user.registered", payload)``.
Importing this package never imports libcst, flake8 or mypy.
"""

from __future__ import annotations

from tscrun import events
from tscrun.config import Config, EventConfig, SubscriberConfig, Target, find_config, load_config
from tscrun.dispatcher import DeadLetter, Dispatcher
from tscrun.errors import ConfigError, PayloadError, TscrunError, UnknownEventError
from tscrun.events import Event, configure

__all__ = [
    "Config", "ConfigError", "DeadLetter", "Dispatcher", "Event", "EventConfig", "PayloadError",
    "SubscriberConfig", "Target", "TscrunError", "UnknownEventError", "configure",
    "events", "find_config", "load_config",
]
__version__ = "0.1.0"
