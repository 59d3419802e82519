"""The older name of tscrun's mypy plugin: ``plugins = ["mypy_plugin"]`` keeps working.

Prefer ``plugins = ["tscrun.mypy"]``: a top-level ``mypy_plugin`` module in the
checked project would shadow this one (see ``tscrun.mypy``).
"""

from __future__ import annotations

from tscrun.mypy import plugin
from tscrun.mypy.version import PLUGIN_VERSION

# Rewritten with the config digests when the plugin is built (see tscrun/mypy/daemon.py).
__version__ = PLUGIN_VERSION

__all__ = ["plugin"]
