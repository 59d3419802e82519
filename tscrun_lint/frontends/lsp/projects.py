"""What the language server checks, with no protocol in sight: editor buffers against projects.

A Python buffer is checked against its project's config and payload modules as
they are on disk, by the same engine calls the CLI makes for one file, so a
buffer gets exactly the findings ``tscrun-lint`` prints for that content. The
config file's own buffer is validated from its text (the user sees TSC302 while
typing), and its project-level checks (TSC003, TSC201, TSC301) run against it.

Nothing here trusts the client to say what changed on disk: every check stats
the config file (reloaded when its mtime or size moved) and the catalog stats
the payload modules it has read (``Catalog.refresh``), so editors that send no
file-watch events still see edits made elsewhere on the next keystroke.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from tscrun import ConfigError, find_config, load_config
from tscrun.config import ENV_VAR, parse_config
from tscrun.diagnostics import message
from tscrun_lint.project.catalog import Catalog
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.engine.engine import check_config, check_text, handler_diagnostics
from tscrun_lint.project.modules import ModuleIndex, ModuleInfo, module_from_tree
from tscrun_lint.engine.runner import is_handler_file
from tscrun_lint.base.selection import Selection
from tscrun_lint.base.source import split_lines

StatKey = tuple[int, int] | None
State = ProjectContext | ConfigError

NO_CONFIG = ("no tscrun config found for this file; create tscrun.toml or add "
             "[tool.tscrun] to pyproject.toml, or set the server's \"config\" option")


def stat_key(path: Path) -> StatKey:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass
class _Loaded:
    stamp: StatKey
    state: State


@dataclass
class _BufferProject:
    """The project built from an unsaved config buffer (kept while its text stays the same)."""

    text: str
    state: State


class Projects:
    """Configs and catalogs of every project the editor has touched, kept fresh from disk."""

    def __init__(self, explicit: Path | None = None, selection: Selection | None = None) -> None:
        if explicit is None and os.environ.get(ENV_VAR):
            explicit = Path(os.environ[ENV_VAR])
        if explicit is not None and explicit.is_dir():
            explicit = find_config(explicit) or explicit
        self.explicit = explicit.absolute() if explicit is not None else None
        self.selection = selection or Selection()
        self._loaded: dict[Path, _Loaded] = {}
        self._buffers: dict[Path, _BufferProject] = {}

    # --- which project -------------------------------------------------------------

    def config_path(self, path: Path) -> Path | None:
        """The config that governs ``path`` (discovered afresh: configs come and go)."""
        if self.explicit is not None:
            return self.explicit
        found = find_config(path.absolute().parent)
        return found.absolute() if found is not None else None

    def state(self, config_path: Path) -> State:
        """The project as on disk, reloaded when the config file changed.

        Each check is a run of its own: the catalog re-reads the payload and handler
        modules that changed on disk since the previous check (a stat per file read).
        """
        stamp = stat_key(config_path)
        loaded = self._loaded.get(config_path)
        if loaded is not None and loaded.stamp == stamp:
            if isinstance(loaded.state, ProjectContext):
                loaded.state.catalog.refresh()
            return loaded.state
        state: State
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            state = exc
        else:
            # Its own catalog, not the process-wide one: a long-lived server must not
            # keep a catalog for every version of the config it has seen.
            state = ProjectContext(config, Catalog(config))
        self._loaded[config_path] = _Loaded(stamp, state)
        return state

    def is_config(self, path: Path, text: str | None = None) -> bool:
        """Whether ``path`` (with ``text`` as its content, when given) is a tscrun config."""
        path = path.absolute()
        if self.explicit is not None:
            return path == self.explicit
        if path.name == "tscrun.toml":
            return True
        if path.name != "pyproject.toml" or (path.parent / "tscrun.toml").is_file():
            return False
        if text is None:
            return self.config_path(path) == path
        if "tscrun" not in text:
            return False
        try:
            tool = tomllib.loads(text).get("tool")
        except tomllib.TOMLDecodeError:
            return True  # broken TOML that mentions tscrun: say so rather than stay silent
        return isinstance(tool, dict) and "tscrun" in tool

    # --- checks ----------------------------------------------------------------------

    def check_python(self, path: Path, text: str, fix: bool = False
                     ) -> tuple[list[Diagnostic], str | None]:
        """Findings for a Python buffer, and with ``fix`` its text after ``--fix``."""
        config_path = self.config_path(path)
        state: State = (self.state(config_path) if config_path is not None
                        else ConfigError(NO_CONFIG))
        result = check_text(path, text, state, self.selection, fix=fix, handlers=False)
        found = list(result.diagnostics)
        if isinstance(state, ProjectContext) and is_handler_file(state.config, path):
            found.extend(handler_diagnostics(path, text, with_buffer(state, path, text),
                                             self.selection))
        found = [d for d in found if self.selection(d.code)]
        found.sort(key=Diagnostic.sort_key)
        return found, result.fixed

    def check_config(self, path: Path, text: str | None = None) -> list[Diagnostic]:
        """Findings on a config file: its buffer's ``text`` when open, else the disk."""
        path = path.absolute()
        if text is None:
            state = self.state(path)
        else:
            state = self._buffer_state(path, text)
        if isinstance(state, ConfigError):
            found = [config_error(path, state, text)]
        else:
            found = check_config(state, self.selection)
        return sorted((d for d in found if self.selection(d.code)), key=Diagnostic.sort_key)

    def _buffer_state(self, path: Path, text: str) -> State:
        on_disk = self.state(path)
        cached = self._buffers.get(path)
        if cached is not None and cached.text == text:
            if isinstance(cached.state, ProjectContext):
                cached.state.catalog.refresh()
            return cached.state
        state: State
        try:
            config = parse_config(path, text)
        except ConfigError as exc:
            state = exc
        else:
            if isinstance(on_disk, ProjectContext) and on_disk.config.digest == config.digest:
                state = on_disk  # the buffer is saved: share the disk project's catalog
            else:
                state = ProjectContext(config, Catalog(config))
                # Findings go on the lines the user sees, not on the saved file's.
                state.config_lines = split_lines(text)
        self._buffers[path] = _BufferProject(text, state)
        return state

    def forget_buffer(self, path: Path) -> None:
        self._buffers.pop(path.absolute(), None)


class _BufferIndex(ModuleIndex):
    """A project's module index in which one module is read from an editor buffer.

    Every other module comes from the project's own index (parsed once, shared);
    only lookups go through this one, so a handler's annotation is read as typed.
    """

    def __init__(self, base: ModuleIndex, path: Path, info: ModuleInfo | None) -> None:
        super().__init__(base.config)
        self._base = base
        self._path = path.resolve()
        self._info = info

    def file(self, name: str) -> Path | None:
        return self._base.file(name)

    def get(self, name: str) -> ModuleInfo | None:
        path = self.file(name)
        if path is not None and path.resolve() == self._path:
            return self._info
        return self._base.get(name)


def with_buffer(project: ProjectContext, path: Path, text: str) -> ProjectContext:
    """``project`` as seen with ``path`` holding ``text`` (an unsaved handler module).

    TSC202 is found by reading the handler's module through the catalog; while the
    buffer differs from the disk, that module is parsed from the buffer so the
    finding follows the annotation being typed and sits on the buffer's lines.
    """
    try:
        if path.read_bytes() == text.encode("utf-8"):
            return project
    except OSError:
        pass  # a new file not saved yet
    name = project.config.module_for_file(path)
    if name is None:
        return project
    try:
        info: ModuleInfo | None = module_from_tree(name, path, cst.parse_module(text))
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        info = None  # the file's own check reports it (TSC900)
    catalog = Catalog(project.config)
    catalog.index = _BufferIndex(project.catalog.index, path, info)
    return ProjectContext(project.config, catalog)


def config_error(path: Path, error: ConfigError, text: str | None) -> Diagnostic:
    """TSC302 on the line the loader names (the first line when it names none)."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
    lines = text.splitlines()
    line = error.line if error.line is not None and 1 <= error.line <= max(len(lines), 1) else 1
    source = lines[line - 1] if line <= len(lines) else ""
    start = len(source) - len(source.lstrip()) + 1
    end = max(len(source.rstrip()) + 1, start)
    key = f"[{error.key}] " if error.key else ""
    return Diagnostic(path, line, start, line, end, "TSC302",
                      message("TSC302", reason=f"{key}{error.message}"))
