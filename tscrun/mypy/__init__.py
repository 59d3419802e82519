"""tscrun's mypy plugin: ``plugins = ["tscrun.mypy"]`` in mypy's config.

Checks every call of ``tscrun.events.emit`` and ``tscrun.Dispatcher.emit``
against the tscrun config found from the checked file, and lets mypy check
each payload against its event's TypedDict.

The plugin lives under ``tscrun`` so that its name belongs to this project: a
project with a module of its own named ``mypy_plugin`` would silently replace
the older top-level name (kept as a thin alias in ``mypy_plugin``). ``import
tscrun`` never imports this package, so the runtime never pulls in mypy.
"""

from __future__ import annotations

from mypy.plugin import Plugin

from tscrun.mypy.main import TscrunPlugin
from tscrun.mypy.version import PLUGIN_VERSION

# Rewritten with the config digests when the plugin is built (see daemon.py).
__version__ = PLUGIN_VERSION


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class, whatever the mypy ``version``."""
    return TscrunPlugin
