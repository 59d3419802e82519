"""The plugin's own version.

It reaches mypy's cache (``report_config_data``) and the daemon's plugin
snapshot, so bump it whenever a change here can change what mypy reports:
results cached by an older plugin are then thrown away.
"""

from __future__ import annotations

from typing import Final

PLUGIN_VERSION: Final = "0.1.0"
