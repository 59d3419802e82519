"""Making ``dmypy run`` follow edits of the tscrun config without a manual restart.

The daemon keeps one plugin instance, and with it the config it read at start.
Before every ``dmypy run`` it builds the plugins afresh and compares a snapshot
of each plugin module, ``f"{module.__version__}:{hash of its file}"``, with the
one taken at start; on a difference it restarts itself and checks from scratch.
Putting the config digest into ``__version__`` turns a config edit into exactly
that difference.

Only inside the daemon: plain mypy stores the same snapshot in its cache and
drops the whole cache, standard library included, when it changes. There the
config digest reaches mypy through ``report_config_data`` instead, which
invalidates the project's modules only.
"""

from __future__ import annotations

import sys

from mypy_plugin.version import plugin_fingerprint

_PACKAGE = __name__.partition(".")[0]
_DAEMON_MODULE = "mypy.dmypy_server"


def publish_config_digest(digest: str) -> None:
    """Under dmypy, expose ``digest`` in the plugin module's ``__version__``."""
    package = sys.modules.get(_PACKAGE)
    if package is not None and _DAEMON_MODULE in sys.modules:
        setattr(package, "__version__", f"{plugin_fingerprint()}+{digest[:16]}")
