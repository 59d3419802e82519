"""The fully qualified names the analyzer matches on, in one place."""

from __future__ import annotations

EMIT_MODULE = "tscrun.events"
EMIT = "tscrun.events.emit"
"""The only callable whose calls are checked; other ``emit`` methods never are."""

EMIT_NAME_PARAM = "name"
EMIT_DATA_PARAM = "data"
"""Keyword names of ``tscrun.events.emit(name, data)``."""

EVENT = "tscrun.events.Event"

STR = "builtins.str"

PREFILTER_WORDS = ("tscrun", "emit")
"""A file whose text lacks any of these cannot call ``tscrun.events.emit``.

Every way to reach the function names the module (``tscrun``) in an import and
the function (``emit``) in that import or in an attribute access, whatever the
aliases: ``from tscrun.events import emit as publish`` holds both words, and
``import tscrun.events as ev`` is followed by ``ev.emit``. Only computed imports
(``importlib.import_module("tsc" + "run")``) escape, and those cannot be
resolved statically anyway.
"""
