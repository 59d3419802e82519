"""A whole run: which files, against which config, serially or on a process pool.

The run reads every file once in the main process (reading is cheap and the
text prefilter needs it); only files that may call ``tscrun.events.emit`` are
parsed, on a pool of worker processes when there are enough of them to pay for
it. Config-level checks run when a project's root is among the checked folders
or its config file is among the paths (which also re-checks the whole project,
as the pre-commit hook needs when the config changes).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tscrun import Config, ConfigError, find_config, load_config
from tscrun.config import CONFIG_FILENAMES
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.base.selection import Selection
from tscrun_lint.project.reexports import may_emit
from tscrun_lint.base.source import (
    Source,
    SourceError,
    decode,
    may_call_emit,
    read_bounded,
    walk_python,
)

if TYPE_CHECKING:
    from tscrun_lint.project.context import ProjectContext

# Folders never walked into (explicitly named paths are always checked).
EXCLUDED_DIRS = frozenset({
    "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules",
    "site-packages", "venv",
})
# Below this many files for libcst's precise path (~20-60 ms each), starting workers
# costs more than it saves.
POOL_MIN_FILES = 16
_CHUNK = 4


class UsageError(Exception):
    """A problem with the command line or the config: one message, exit code 2."""


@dataclass
class Options:
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fix: bool = False
    config: Path | None = None
    jobs: int | None = None
    """Worker processes; None = decide from the machine and the number of files."""


@dataclass
class Outcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    """Python files considered (every collected file, parsed or not)."""
    fixes: dict[Path, tuple[Source, str]] = field(default_factory=dict)
    """Files with safe fixes: original source and fixed text."""


def _walk(folder: Path) -> Iterator[Path]:
    for path, _link in walk_python(folder, EXCLUDED_DIRS):
        yield Path(path)


class Projects:
    """Config discovery with caches: folder -> config file -> Config -> ProjectContext.

    A ``Config`` is cheap (TOML); a ``ProjectContext`` brings libcst and the
    catalog, so it is only built for a project with a file that needs it.
    """

    def __init__(self, explicit: Path | None) -> None:
        self.explicit = explicit
        self._dirs: dict[Path, Path | None] = {}
        self.configs: dict[Path, Config] = {}
        self.projects: dict[Path, ProjectContext] = {}

    def config_path(self, path: Path) -> Path | None:
        if self.explicit is not None:
            return self.explicit.absolute()
        folder = (path if path.is_dir() else path.parent).absolute()
        if folder not in self._dirs:
            found = find_config(folder)
            self._dirs[folder] = found.absolute() if found is not None else None
        return self._dirs[folder]

    def config(self, config_path: Path) -> Config:
        """The loaded config; raises UsageError with the loader's message."""
        if config_path not in self.configs:
            try:
                self.configs[config_path] = load_config(config_path)
            except ConfigError as exc:
                raise UsageError(str(exc)) from None
        return self.configs[config_path]

    def project(self, config_path: Path) -> ProjectContext:
        if config_path not in self.projects:
            from tscrun_lint.project.context import ProjectContext  # libcst, only when needed

            self.projects[config_path] = ProjectContext(self.config(config_path))
        return self.projects[config_path]

    def may_read(self, path: Path, config_path: Path) -> bool:
        """False for a symlink (found by walking a folder) to a file outside the project."""
        if not path.is_symlink():
            return True
        root = config_path.parent.resolve()
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            return True  # a loop: reading it reports the error
        return real == root or root in real.parents

    def is_handler_file(self, path: Path, config_path: Path) -> bool:
        return is_handler_file(self.config(config_path), path)


def is_handler_file(config: Config, path: Path) -> bool:
    """Whether ``path`` is the module of some subscriber's handler (checked for TSC202).

    Decided from the config alone (no parsing), so non-handler files stay cheap.
    """
    modules, last_parts = _handler_modules(config)
    stem = "" if path.stem == "__init__" else path.stem
    if stem and stem not in last_parts:
        return False
    return config.module_for_file(path) in modules


_HANDLER_MODULES: dict[int, tuple[Config, frozenset[str], frozenset[str]]] = {}


def _handler_modules(config: Config) -> tuple[frozenset[str], frozenset[str]]:
    """The handler modules of ``config`` and their last dotted parts, once per config
    (asked for every file of the run: a scan of every subscriber each time grew with
    files x subscribers). Keyed by identity: a Config holds mappings, so it has no hash."""
    cached = _HANDLER_MODULES.get(id(config))
    if cached is None or cached[0] is not config:
        modules = frozenset(s.handler.module for s in config.subscribers.values())
        if len(_HANDLER_MODULES) > 8:
            _HANDLER_MODULES.clear()
        cached = (config, modules, frozenset(m.rpartition(".")[2] for m in modules))
        _HANDLER_MODULES[id(config)] = cached
    return cached[1], cached[2]


def _is_config_file(path: Path, projects: Projects) -> bool:
    if path.name not in CONFIG_FILENAMES or not path.is_file():
        return False
    found = projects.config_path(path)
    return found is not None and found.absolute() == path.absolute()


def plan(paths: Sequence[Path], projects: Projects) -> tuple[list[Path], set[Path]]:
    """The Python files to check and the config files whose project-level checks run."""
    files: dict[str, Path] = {}  # by normalised absolute path: a file named twice is checked once
    roots: set[Path] = set()

    def add(path: Path) -> None:
        files.setdefault(os.path.normpath(path.absolute()), path)

    for raw in paths:
        if not raw.exists():
            raise UsageError(f"{raw}: no such file or folder")
        if not raw.is_dir() and not raw.is_file():
            add(raw)  # a device, a FIFO, a socket named explicitly: TSC900, never read
            continue
        config = projects.config_path(raw)
        if config is None and raw.is_file() and not _may_need_config(raw):
            continue  # e.g. a hook's changed file outside any tscrun project: nothing to check
        if config is None:
            folder = raw.absolute() if raw.is_dir() else raw.absolute().parent
            raise UsageError(
                f"{raw}: no tscrun config found in {folder} or any parent folder; create "
                f"tscrun.toml or add [tool.tscrun] to pyproject.toml, or pass --config")
        if raw.is_dir():
            walked = list(_walk(raw))
            for f in walked:
                add(f)
            # Project roots under this folder: the arguments' own config, and nested ones.
            for candidate in {config, *(projects.config_path(f) for f in walked)}:
                if candidate is not None and _inside(candidate.parent, raw):
                    roots.add(candidate.absolute())
        elif _is_config_file(raw, projects) or (projects.explicit is not None
                                                and raw.absolute() == projects.explicit.absolute()):
            # A changed config re-checks its whole project.
            roots.add(raw.absolute())
            for f in _walk(raw.parent):
                add(f)
        elif raw.suffix == ".py":
            add(raw)
            dependents = _dependents(raw, config, projects)
            if dependents:
                # A changed handler or payload TypedDict re-checks what depends on it, as
                # a changed config does: the config-level checks (TSC201, TSC301) and,
                # for payload types, every emit site of the project.
                roots.add(config.absolute())
            if dependents == "payload":
                for f in _walk(config.parent):
                    add(f)
        # Anything else (another TOML file, a README, a stub) holds nothing to check.
    return list(files.values()), roots


def _dependents(path: Path, config_path: Path, projects: Projects) -> str | None:
    """"payload" if ``path`` holds payload TypedDicts of its project, "handler" if it
    holds a subscriber's handler, else None.

    Payload modules are those the config's event targets name and those their
    TypedDicts' bases were read from (found by the catalog, only for a file that
    mentions TypedDict at all).
    """
    try:
        config = projects.config(config_path)
    except UsageError:
        return None  # reported when the file itself is checked
    module = config.module_for_file(path)
    if module is None:
        return None
    if module in {ev.payload.module for ev in config.events.values()}:
        return "payload"
    try:
        mentions = b"TypedDict" in read_bounded(path)
    except (OSError, SourceError):
        mentions = False
    if mentions and path.resolve() in projects.project(config_path).catalog.payload_files():
        return "payload"
    return "handler" if is_handler_file(config, path) else None


def _may_need_config(path: Path) -> bool:
    if path.suffix != ".py":
        return False
    try:
        return may_call_emit(decode(read_bounded(path)).text)
    except (OSError, SourceError):
        return True  # let the run report it (TSC900) under the usual rules


def _inside(child: Path, parent: Path) -> bool:
    child, parent = child.absolute(), parent.absolute()
    return child == parent or parent in child.parents


def _jobs(options: Options, count: int) -> int:
    if options.jobs is not None:
        return max(1, options.jobs)
    if count < POOL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


Job = tuple[Path, str, Path, tuple[str, ...], tuple[str, ...], bool]
"""One file to parse: path, text, config path, select, ignore, fix."""

# Worker-process state: projects by config path (inherited from the parent when forked).
_WORKER_PROJECTS: dict[Path, ProjectContext | ConfigError] = {}


def _work(batch: list[Job]) -> list[tuple[Path, list[Diagnostic], str | None]]:
    from tscrun_lint.project.context import ProjectContext
    from tscrun_lint.engine.engine import check_text
    from tscrun_lint.base.selection import Selection

    out = []
    for path, text, config_path, select, ignore, fix in batch:
        state = _WORKER_PROJECTS.get(config_path)
        if state is None:
            try:
                state = ProjectContext(load_config(config_path))
            except ConfigError as exc:
                state = exc
            _WORKER_PROJECTS[config_path] = state
        result = check_text(path, text, state, Selection(select, ignore), fix=fix,
                            handlers=False)
        out.append((path, result.diagnostics, result.fixed))
    return out


def run(paths: Sequence[Path], options: Options) -> Outcome:
    """Check ``paths``; raises UsageError for a missing or broken config."""
    projects = Projects(options.config)
    if options.config is not None:
        projects.config(projects.explicit.absolute() if projects.explicit else options.config)
    files, roots = plan(paths, projects)
    outcome = Outcome(files=len(files))
    select, ignore = tuple(options.select), tuple(options.ignore)
    pending: list[Job] = []
    sources: dict[Path, Source] = {}
    for path in files:
        config_path = projects.config_path(path)
        try:
            if config_path is not None and not projects.may_read(path, config_path):
                raise SourceError("a symlink to a file outside the project; not read")
            source = decode(read_bounded(path))
        except OSError as exc:
            from tscrun_lint.engine.engine import unreadable
            outcome.diagnostics.append(unreadable(path, exc.strerror or str(exc)))
            continue
        except SourceError as exc:
            from tscrun_lint.engine.engine import unreadable
            outcome.diagnostics.append(unreadable(path, str(exc), exc.line, exc.column))
            continue
        if config_path is None:
            continue  # only special files are planned without a config, and none reads
        emits = may_emit(source.text, projects.config(config_path))
        if emits:
            # The cheap checks run here; libcst's precise path, for what they cannot
            # settle, runs below (on worker processes when there is enough of it).
            from tscrun_lint.engine.engine import check_text
            result = check_text(path, source.text, projects.project(config_path),
                                Selection(select, ignore), fix=options.fix, handlers=False,
                                precise=False)
            if result.undecided:
                sources[path] = source
                pending.append((path, source.text, config_path, select, ignore, options.fix))
            else:
                outcome.diagnostics.extend(result.diagnostics)
        if projects.is_handler_file(path, config_path):
            from tscrun_lint.engine.engine import handler_diagnostics
            outcome.diagnostics.extend(handler_diagnostics(
                path, source.text, projects.project(config_path), Selection(select, ignore)))
    for path, diagnostics, fixed in _check_all(pending, options, projects):
        outcome.diagnostics.extend(diagnostics)
        if fixed is not None:
            outcome.fixes[path] = (sources[path], fixed)
    if roots:
        from tscrun_lint.engine.engine import check_config
        for config_path in sorted(roots):
            outcome.diagnostics.extend(check_config(projects.project(config_path),
                                                    Selection(select, ignore)))
    selection = Selection(select, ignore)
    outcome.diagnostics = sorted((d for d in outcome.diagnostics if selection(d.code)),
                                 key=Diagnostic.sort_key)
    return outcome


def _check_all(pending: list[Job], options: Options, projects: Projects
               ) -> list[tuple[Path, list[Diagnostic], str | None]]:
    if not pending:
        return []  # nothing for libcst: do not even import it
    jobs = _jobs(options, len(pending))
    if jobs <= 1 or len(pending) < 2:
        _WORKER_PROJECTS.update(projects.projects)
        return _work(pending)
    # Load every project before forking so workers inherit configs and catalogs.
    for config_path in {job[2] for job in pending}:
        _WORKER_PROJECTS[config_path] = projects.project(config_path)
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    return _pooled(pending, jobs, context)


def _pooled(pending: list[Job], jobs: int, context: multiprocessing.context.BaseContext
            ) -> list[tuple[Path, list[Diagnostic], str | None]]:
    """``pending`` on a pool of worker processes. A worker that dies (a segfault in a
    native parser, the OOM killer) breaks the whole pool: what finished is kept, and the
    rest is run again in halves on new pools, so the file that kills its worker ends
    alone (TSC900) after a few rounds, while the others still run in parallel."""
    if len(pending) == 1:
        return [_isolated(pending[0], context)]
    chunk = max(1, min(_CHUNK, len(pending) // jobs))
    chunks = [pending[i:i + chunk] for i in range(0, len(pending), chunk)]
    results: list[tuple[Path, list[Diagnostic], str | None]] = []
    failed: list[Job] = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=context) as pool:
        futures = []
        for batch in chunks:
            try:
                futures.append((pool.submit(_work, batch), batch))
            except BrokenProcessPool:
                failed.extend(batch)  # a worker died before everything was handed out
        for future, batch in futures:
            try:
                results.extend(future.result())
            except BrokenProcessPool:
                failed.extend(batch)  # a worker died: find which file, below
    if failed:
        half = (len(failed) + 1) // 2
        results.extend(_pooled(failed[:half], jobs, context))
        results.extend(_pooled(failed[half:], jobs, context))
    return results


def _isolated(job: Job, context: multiprocessing.context.BaseContext
              ) -> tuple[Path, list[Diagnostic], str | None]:
    """One file in a process of its own: if the analyser dies on it, that file gets
    TSC900 and the run goes on with the others' findings."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_work, [job]).result()[0]
    except BrokenProcessPool:
        from tscrun_lint.engine.engine import unreadable
        return job[0], [unreadable(job[0], "the analyser crashed on this file, please "
                                           "report it")], None
