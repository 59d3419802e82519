"""Fully qualified names the plugin matches on, in one place.

mypy hands hooks the name of the definition a call resolves to, so every
import form (``from tscrun.events import emit as e``, ``import tscrun.events as
ev``, ``from tscrun import events``) arrives as the same name below.
"""

from __future__ import annotations

from typing import Final

EMIT_FUNCTION: Final = "tscrun.events.emit"
DISPATCHER_CLASS: Final = "tscrun.dispatcher.Dispatcher"
EMIT_METHOD: Final = "emit"
DISPATCHER_EMIT: Final = f"{DISPATCHER_CLASS}.{EMIT_METHOD}"

# Parameter names of both emit signatures: emit(name, data).
NAME_PARAMETER: Final = "name"
PAYLOAD_PARAMETER: Final = "data"
