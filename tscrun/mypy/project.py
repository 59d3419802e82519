"""The tscrun projects a mypy run checks: each checked file's config, or why there is none.

The config of a file is found as tscrun-lint and flake8 find it: walking up
from the file's folder to the first folder holding ``tscrun.toml`` or a
``pyproject.toml`` with ``[tool.tscrun]`` (``TSCRUN_CONFIG`` overrides that for
every file). So one mypy run may check several projects, say the apps of a
monorepo whose root ``pyproject.toml`` holds only ``[tool.mypy]``.

Each config is read once per plugin instance with the shared loader
(``tscrun.load_config``); nothing named in it is imported. A broken or missing
config is not an exception here: it becomes a TSC302 error at each emit call of
the files it governs, so mypy never shows a traceback for it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from tscrun.config import ENV_VAR, Config, find_config, load_config
from tscrun.errors import ConfigError
from tscrun.mypy import daemon
from tscrun.mypy.messages import config_error_text
from tscrun.mypy.version import plugin_fingerprint

# Folders whose modules are never a project's own: the standard library's
# stubs and installed packages keep their mypy cache through a config edit,
# even when a virtualenv sits inside the project.
_FOREIGN_PARTS = frozenset({"site-packages", "dist-packages", "typeshed"})


@dataclass(frozen=True)
class Project:
    """Either a loaded ``config`` or the ``error`` explaining why there is none."""

    config: Config | None
    error: str | None
    config_path: Path | None

    @property
    def digest(self) -> str:
        """Changes whenever anything the plugin's results depend on changes."""
        if self.config is not None:
            return self.config.digest
        return hashlib.sha256((self.error or "").encode()).hexdigest()

    def cache_data(self) -> dict[str, str]:
        """What ``report_config_data`` hands mypy for a module of this project.

        A change invalidates mypy's cache of that module. A broken config's
        data is its error text: the error is reported at every emit call, so a
        module cached with it stays right until the text changes.
        """
        return {"plugin": plugin_fingerprint(), "digest": self.digest,
                "config": str(self.config_path) if self.config_path else ""}

    @functools.cached_property
    def payload_modules(self) -> frozenset[str]:
        if self.config is None:
            return frozenset()
        return frozenset(e.payload.module for e in self.config.events.values())


class Projects:
    """The project of every file mypy asks about, each config loaded once."""

    def __init__(self) -> None:
        self._explicit = os.environ.get(ENV_VAR) or None
        self._by_folder: dict[str, Project | None] = {}
        self._by_config: dict[Path, Project] = {}

    def of(self, path: str) -> Project | None:
        """The project governing the file at ``path`` (as mypy spells it, often relative).

        ``None`` for files that are not a project's own: installed packages,
        the standard library, and files outside an explicit config's root.
        """
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in self._by_folder:
            self._by_folder[folder] = self._discover(folder)
        return self._by_folder[folder]

    def loaded(self) -> list[Project]:
        """Every project with a config file read so far."""
        return list(self._by_config.values())

    def _discover(self, folder: str) -> Project | None:
        if _FOREIGN_PARTS.intersection(Path(folder).parts):
            return None
        if self._explicit is not None:
            project = self._load(Path(self._explicit))
            if project.config is not None and not _inside(str(project.config.root), folder):
                return None  # the explicit config's project does not hold this file
            return project
        found = find_config(folder)
        if found is None:
            # Let the loader word the "nothing found" error the way every tool does.
            try:
                config = load_config(start=folder)
            except ConfigError as exc:
                return Project(None, config_error_text(exc), exc.path)
            found = config.path
        return self._load(found)

    def _load(self, path: Path) -> Project:
        key = path.absolute()
        project = self._by_config.get(key)
        if project is None:
            daemon.remember_config(key)
            try:
                config = load_config(key)
                project = Project(config, None, config.path)
            except ConfigError as exc:
                project = Project(None, config_error_text(exc), exc.path or key)
            self._by_config[key] = project
        return project


def _inside(root: str, folder: str) -> bool:
    return folder == root or folder.startswith(root + os.sep)
