"""The plugin's own version, as mypy's caches see it.

``PLUGIN_VERSION`` is the release. :func:`plugin_fingerprint` adds a hash of
the code that decides what the plugin reports (this package, and the shared
config loader, names and message table it uses), so results cached by any
other build of the plugin are thrown away, even between releases.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Final

import tscrun

PLUGIN_VERSION: Final = "0.1.0"

_SHARED_MODULES: Final = ("config.py", "diagnostics.py", "names.py", "errors.py")


@functools.cache
def plugin_fingerprint() -> str:
    """``PLUGIN_VERSION`` plus a short hash of the sources behind the plugin's results."""
    here = Path(__file__).parent
    runtime = Path(tscrun.__file__).parent
    digest = hashlib.sha256()
    for path in [*sorted(here.glob("*.py")), *(runtime / name for name in _SHARED_MODULES)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{PLUGIN_VERSION}+{digest.hexdigest()[:12]}"
