"""mypy plugin for tscrun: ``plugins = ["mypy_plugin"]`` in mypy's config.

Checks every call of ``tscrun.events.emit`` and ``tscrun.Dispatcher.emit``
against the tscrun config, and lets mypy check each payload against its
event's TypedDict.
"""

from __future__ import annotations

from mypy.plugin import Plugin

from mypy_plugin.main import TscrunPlugin
from mypy_plugin.version import PLUGIN_VERSION

# Rewritten with the config digest when the plugin is built (see daemon.py).
__version__ = PLUGIN_VERSION


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class, whatever the mypy ``version``."""
    return TscrunPlugin
