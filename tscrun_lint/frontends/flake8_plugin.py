"""The flake8 plugin: ``flake8 --select TSC``, same codes and messages as ``tscrun-lint``.

flake8 builds one checker per file, possibly in ``--jobs`` worker processes. What
is worth keeping between files (the loaded config and the catalog of payload
TypedDicts) lives in a module-level cache keyed by the config file (path, mtime,
size), so every worker builds it once and picks up an edited config.

Nothing may raise into flake8: a broken or missing config becomes TSC302 on the
files that call ``tscrun.events.emit``; an unexpected error becomes TSC900.
Files that cannot call emit (the text prefilter) cost a substring search.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tscrun import Config, ConfigError, find_config, load_config
from tscrun.config import ENV_VAR
from tscrun_lint.engine.runner import is_handler_file
from tscrun_lint.project.reexports import may_emit
from tscrun_lint.base.source import may_call_emit

if TYPE_CHECKING:
    from tscrun_lint.project.context import ProjectContext

Result = tuple[int, int, str, type[Any]]

StatKey = tuple[int, int]
# config file -> (stat key, config or the error loading it) and -> (stat key, project)
_CONFIGS: dict[Path, tuple[StatKey, Config | ConfigError]] = {}
_PROJECTS: dict[Path, tuple[StatKey, ProjectContext]] = {}
_DISCOVERED: dict[Path, Path | None] = {}


def _stat_key(path: Path) -> StatKey:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


def _config(config_path: Path) -> Config | ConfigError:
    """The config, loaded once per process and again when the file changes."""
    key = _stat_key(config_path)
    cached = _CONFIGS.get(config_path)
    if cached is not None and cached[0] == key:
        return cached[1]
    state: Config | ConfigError
    try:
        state = load_config(config_path)
    except ConfigError as exc:
        state = exc
    _CONFIGS[config_path] = (key, state)
    return state


def _project(config_path: Path, config: Config) -> ProjectContext:
    """Config plus catalog (libcst), built only for files that need it."""
    key = _stat_key(config_path)
    cached = _PROJECTS.get(config_path)
    if cached is not None and cached[0] == key and cached[1].config is config:
        return cached[1]
    from tscrun_lint.project.context import ProjectContext

    project = ProjectContext(config)
    _PROJECTS[config_path] = (key, project)
    return project


@functools.lru_cache(maxsize=8)
def _explicit_config(explicit: str) -> Path | ConfigError:
    """``--tscrun-config`` / ``$TSCRUN_CONFIG`` resolved once per process (a file or a folder)."""
    path = Path(explicit)
    if path.is_dir():
        found = find_config(path)
        return found.absolute() if found else ConfigError(
            "no tscrun config in this folder or above", path=path, key="--tscrun-config")
    return path.absolute() if path.is_file() else ConfigError(
        "config file does not exist", path=path, key="--tscrun-config")


def _selected_by_flake8(options: argparse.Namespace) -> bool:
    """Whether flake8 would report any TSC code, decided as flake8 decides (per-file
    ignores aside, which flake8 applies afterwards)."""
    try:
        from tscrun.diagnostics import CODES

        # flake8 ships no type information; the module is only ever used here.
        style_guide: Any = importlib.import_module("flake8.style_guide")
        engine = style_guide.DecisionEngine(options)
        selected = style_guide.Decision.Selected
        return any(engine.decision_for(code) is selected for code in CODES)
    except Exception:  # noqa: BLE001 - an unknown flake8: check rather than guess
        return True


def _discover(filename: str) -> Path | None:
    folder = Path(filename).absolute().parent if filename not in ("-", "stdin") else Path.cwd()
    if folder not in _DISCOVERED:
        _DISCOVERED[folder] = find_config(folder)
    return _DISCOVERED[folder]


class TscrunChecker:
    """flake8 entry point ``TSC`` (see pyproject.toml)."""

    name = "tscrun"
    version = "0.1.0"
    config_option: str | None = None
    enabled = True
    """False when flake8's --select/--ignore leave none of our codes to report."""

    def __init__(self, tree: ast.Module, filename: str, lines: Sequence[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--tscrun-config", parse_from_config=True, default=None, metavar="FILE",
            help="tscrun.toml or pyproject.toml to check against (default: discovered from "
                 f"each file's folder upwards, or ${ENV_VAR})")

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        value = getattr(options, "tscrun_config", None)
        cls.config_option = value or None
        cls.enabled = _selected_by_flake8(options)
        # Nothing heavy is loaded here: a worker imports libcst and reads the payload types
        # only when one of its files calls emit (never, on code that does not use tscrun).

    def _config_path(self) -> Path | ConfigError:
        explicit = self.config_option or os.environ.get(ENV_VAR)
        if explicit:
            return _explicit_config(explicit)
        found = _discover(self.filename)
        if found is None:
            return ConfigError("no tscrun config found for this file; create tscrun.toml or add "
                               "[tool.tscrun] to pyproject.toml, or set --tscrun-config")
        return found.absolute()

    def run(self) -> Iterator[Result]:
        try:
            yield from self._run()
        except Exception as exc:  # noqa: BLE001 - never a traceback into flake8
            text = (f"TSC900 could not check this file: internal error, please report it: "
                    f"{type(exc).__name__}: {exc}")
            yield (1, 0, text, type(self))

    def _run(self) -> Iterator[Result]:
        if not self.enabled:
            return  # `flake8 --select F`: flake8 would discard everything we report
        text = "".join(self.lines)
        emits = may_call_emit(text)
        if not emits and "def " not in text and "emit" not in text:
            return  # neither an emit site nor a subscriber handler: the common case
        config_path = self._config_path()
        config = config_path if isinstance(config_path, ConfigError) else _config(config_path)
        if not emits and not isinstance(config, ConfigError):
            emits = may_emit(text, config)  # emit handed on by a project module
        path = Path(self.filename)
        if not emits and (isinstance(config, ConfigError) or not is_handler_file(config, path)):
            return
        from tscrun_lint.engine.engine import check_text

        state = config if isinstance(config, ConfigError) else _project(
            config_path, config)  # type: ignore[arg-type]
        lines = [line.rstrip("\r\n") for line in self.lines]
        result = check_text(path, text, state, lines=lines, tree=self.tree)
        for d in result.diagnostics:
            yield (d.line, d.column - 1, f"{d.code} {d.message}", type(self))
