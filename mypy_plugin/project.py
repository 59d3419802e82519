"""The tscrun project a mypy run checks: its config, or why there is none.

The config is read once per plugin instance with the shared loader
(``tscrun.load_config``), from mypy's config file's folder first, then from the
working directory. Nothing named in it is imported. A broken or missing config
is not an exception here: it becomes one TSC302 error at the first emit site,
so mypy never shows a traceback for it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from mypy.options import Options

from mypy_plugin.version import plugin_fingerprint
from tscrun.config import ENV_VAR, Config, find_config, load_config
from tscrun.errors import ConfigError


@dataclass(frozen=True)
class Project:
    """Either a loaded ``config`` or the ``error`` explaining why there is none."""

    config: Config | None
    error: str | None
    config_path: Path | None
    run_id: str = field(default_factory=lambda: os.urandom(8).hex(), compare=False)

    @property
    def digest(self) -> str:
        """Changes whenever anything the plugin's results depend on changes."""
        if self.config is not None:
            return self.config.digest
        return hashlib.sha256((self.error or "").encode()).hexdigest()

    def cache_data(self, path: str) -> dict[str, str] | None:
        """What ``report_config_data`` hands mypy for the module at ``path``.

        A change invalidates mypy's cache of that module. Modules outside the
        project (the standard library, installed packages) never depend on the
        config, so they keep their cache through a config edit.

        While the config is broken, the project's modules get data that differs
        on every run: each run then checks them all again in the same order, and
        the config error is reported exactly once, at the first emit call (a
        module cached with it, plus an edited one reporting it afresh, would
        make two).
        """
        if not self.governs(path):
            return None
        data = {"plugin": plugin_fingerprint(), "digest": self.digest,
                "config": str(self.config_path) if self.config_path else ""}
        if self.config is None:
            data["run"] = self.run_id
        return data

    def governs(self, path: str) -> bool:
        """Is ``path`` (as mypy spells it, often relative) inside the project root?

        Emit calls elsewhere (the runtime itself, other projects, site-packages)
        are not ours to judge.
        """
        root = str(self.config.root) if self.config is not None else os.getcwd()
        return _inside(root, path)

    @functools.cached_property
    def payload_modules(self) -> frozenset[str]:
        if self.config is None:
            return frozenset()
        return frozenset(e.payload.module for e in self.config.events.values())


@functools.lru_cache(maxsize=4096)
def _inside(root: str, path: str) -> bool:
    # Asked for every emit call and every module: worth remembering per path.
    return os.path.abspath(path).startswith(root + os.sep)


def load_project(options: Options) -> Project:
    """Find and load the tscrun config for a mypy run described by ``options``."""
    starts: list[Path] = []
    if options.config_file:
        starts.append(Path(options.config_file).absolute().parent)
    starts.append(Path.cwd())
    path: Path | None = None
    try:
        if os.environ.get(ENV_VAR):
            config = load_config()  # the explicit override wins over discovery
            return Project(config, None, config.path)
        for start in starts:
            path = find_config(start)
            if path is not None:
                config = load_config(path)
                return Project(config, None, config.path)
        # Let the loader word the "nothing found" error the way every tool does.
        config = load_config(start=starts[-1])
        return Project(config, None, config.path)
    except ConfigError as exc:
        return Project(None, str(exc), exc.path or path)
