"""The plugin under the mypy daemon (dmypy): config edits are never silently ignored.

The daemon keeps one plugin instance, and with it the configs it read. Two
daemon commands meet a config edit differently:

* ``dmypy run`` builds the plugins afresh before every check and compares a
  snapshot of each plugin module, ``f"{module.__version__}:{hash of its
  file}"``, with the one taken at start; on a difference it restarts itself and
  checks from scratch. :func:`publish_config_state` makes a config edit exactly
  that difference: ``__version__`` gains a digest of the configs read in this
  process that have changed on disk since (none at start, so an unchanged
  config never restarts the daemon).
* ``dmypy check`` and ``dmypy recheck`` re-check only the modules whose files
  changed, and never rebuild the plugins. A module re-checked after a config
  edit gets, at each emit call, an error naming the edited config and the
  command to run (:func:`changed_since_read`); its findings against the old
  config would be wrong. A config edit with no Python file changed runs no
  plugin code at all (dmypy returns the previous messages), so the README
  tells users to follow a config edit with ``dmypy run`` or ``dmypy restart``.

Only inside the daemon: plain mypy stores the module snapshot in its cache and
drops the whole cache, standard library included, when it changes. There the
config digest reaches mypy through ``report_config_data`` instead, which
invalidates the project's modules only.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from tscrun.mypy.version import plugin_fingerprint

# The names mypy may have imported the plugin under (see tscrun/mypy/__init__.py).
_PLUGIN_MODULES = ("tscrun.mypy", "mypy_plugin")
_DAEMON_MODULE = "mypy.dmypy_server"

RESTART_COMMAND = "dmypy restart"

# Config file -> digest of its bytes when first read by a plugin in this process.
# Process-wide on purpose: ``dmypy run`` compares against what the *previous*
# plugin instance read.
_read: dict[Path, str] = {}
# Config file -> (stat key, digest) of the last look: an unchanged stat skips the read.
_seen: dict[Path, tuple[tuple[int, int, int], str]] = {}


def in_daemon() -> bool:
    return _DAEMON_MODULE in sys.modules


def remember_config(path: Path) -> None:
    """Note the state of config ``path`` as the plugin reads it (under dmypy only)."""
    if in_daemon() and path not in _read:
        _read[path] = _file_digest(path)


def changed_since_read(path: Path | None) -> bool:
    """Under dmypy: has config ``path`` changed on disk since this daemon read it?"""
    if path is None or not in_daemon():
        return False
    before = _read.get(path)
    return before is not None and _file_digest(path) != before


def publish_config_state() -> None:
    """Under dmypy, put the changed configs into the plugin module's ``__version__``."""
    if not in_daemon():
        return
    changed = sorted(f"{path}={_file_digest(path)}" for path, digest in _read.items()
                     if _file_digest(path) != digest)
    version = plugin_fingerprint()
    if changed:
        version += "+" + hashlib.sha256("\n".join(changed).encode()).hexdigest()[:16]
    for name in _PLUGIN_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            setattr(module, "__version__", version)


def _file_digest(path: Path) -> str:
    try:
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        last = _seen.get(path)
        if last is not None and last[0] == key:
            return last[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
    _seen[path] = (key, digest)
    return digest
