"""Checking one file: prefilter, parse once, resolve metadata once, run every rule in one pass.

The order keeps the common case cheap. A file whose text cannot contain a call
of ``tscrun.events.emit`` is never parsed (``source.may_call_emit``). Python's
own ``ast`` then rejects what libcst must not see and, in ``fastpath``, proves
most correct modules clean. Only the rest is parsed with libcst, gets scope
metadata (when it has a candidate call) and positions (when something is
reported). Every rule sees the same emit sites, and the payload judgement is
shared by the five payload rules.

Nothing here raises for bad input: unreadable, undecodable, unparsable or
absurdly nested files become TSC900 and the run goes on.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import os
import re
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)
from libcst.metadata.name_provider import FullyQualifiedNameVisitor

from tscrun import ConfigError
from tscrun.diagnostics import message
from tscrun_lint.project.catalog import Catalog, HandlerInfo
from tscrun_lint.project.context import FileContext, ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic, Fix
from tscrun_lint.reading.fastpath import calls_and_imports, forget_index, proves_clean
from tscrun_lint.base.noqa import silenced
from tscrun_lint.reading.qualnames import LazyQualifiedNames
from tscrun_lint.reading.emit_slice import (
    Slice,
    all_calls_and_imports,
    emit_candidates,
    emit_slice,
)
from tscrun_lint.rules import RULES, Report, Rule
from tscrun_lint.base.selection import Selector, select_all
from tscrun_lint.reading.sites import EmitCandidates, EmitSite, NameResolver, emit_sites
from tscrun_lint.project.reexports import is_reexported_emit, may_emit, reexporter_words
from tscrun_lint.base.source import (
    Source,
    SourceError,
    decode,
    deep_stack,
    nesting_problem,
    nul_position,
    read_bounded,
    split_lines,
)


def _overrides(rule: type[Rule], method: str) -> bool:
    return getattr(rule, method) is not getattr(Rule, method)


EMIT_RULES: tuple[Rule, ...] = tuple(r() for r in RULES if _overrides(r, "check_emit"))
CONFIG_RULES: tuple[Rule, ...] = tuple(r() for r in RULES if _overrides(r, "check_config"))
SUBSCRIBER_RULES: tuple[Rule, ...] = tuple(r() for r in RULES
                                           if _overrides(r, "check_subscriber"))

State = ProjectContext | ConfigError
"""What a file is checked against: a loaded project, or why its config could not be loaded."""


@dataclass
class FileResult:
    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: str | None = None
    """The file's new text when safe fixes were asked for and apply."""
    source: Source | None = None
    undecided: bool = False
    """Asked with ``precise=False``: only libcst's precise path can decide this file."""


class _NeedsPrecise(Exception):
    pass


_UNDECIDED: dict[Path, tuple[str, ast.Module]] = {}
"""The last file the cheap checks could not settle, with its ast (read again right after)."""


def _at(path: Path, code: str, line: int, column: int, **fields: object) -> Diagnostic:
    return Diagnostic(path, line, column, line, column, code, message(code, **fields))


def unreadable(path: Path, reason: str, line: int = 1, column: int = 1) -> Diagnostic:
    return _at(path, "TSC900", line, column, reason=reason)


def check_path(path: Path, state: State, selection: Selector = select_all,
               fix: bool = False) -> FileResult:
    """Read and check one file."""
    try:
        source = decode(read_bounded(path))
    except OSError as exc:
        return FileResult(path, _selected([unreadable(path, exc.strerror or str(exc))], selection))
    except SourceError as exc:
        return FileResult(path, _selected([unreadable(path, str(exc), exc.line, exc.column)],
                                          selection))
    result = check_text(path, source.text, state, selection, fix=fix)
    result.source = source
    return result


def check_text(path: Path, text: str, state: State, selection: Selector = select_all,
               fix: bool = False, lines: Sequence[str] | None = None,
               handlers: bool = True, tree: ast.Module | None = None,
               precise: bool = True) -> FileResult:
    """Check one module's text. ``lines`` may be given when the caller has them (flake8).

    ``handlers=False`` leaves out TSC202 (the runner checks handler files itself,
    whether or not they could call emit). ``tree`` is the module's ``ast`` when the
    caller has it (flake8 does). ``precise=False`` stops before libcst: a file the
    cheap checks cannot settle comes back ``undecided`` (the runner sends those to
    worker processes).
    """
    result = FileResult(path)
    try:
        with deep_stack(), _collector_paused():
            result.diagnostics, result.fixed = _check(path, text, state, selection, fix, lines,
                                                      handlers, tree, precise)
        forget_index()
    except _NeedsPrecise:
        result.undecided = True  # its tree and walk are kept for the precise path
    except RecursionError:
        result.diagnostics = [unreadable(path, "expressions nested too deeply to analyse")]
    except Exception as exc:  # noqa: BLE001 - a bug of ours must not stop the run nor hide the file
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result.diagnostics = [unreadable(
            path, f"internal error, please report it: {type(exc).__name__}: {exc} "
                  f"({Path(where.filename).name}:{where.lineno})")]
    result.diagnostics = _selected(result.diagnostics, selection)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one file is checked.

    Parsing allocates a node per token and keeps them all alive, so the collector's
    generation thresholds are crossed again and again, each time traversing the whole
    growing tree for nothing (trees hold no cycles; they are freed by reference
    counting): on a 100,000-line module that was 60% of the CPU time. Whatever cycles
    the file leaves (libcst's scope objects) are collected once it is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _selected(diagnostics: Iterable[Diagnostic], selection: Selector) -> list[Diagnostic]:
    return [d for d in diagnostics if selection(d.code)]


def _check(path: Path, text: str, state: State, selection: Selector, fix: bool,
           lines: Sequence[str] | None, handlers: bool, tree: ast.Module | None,
           precise: bool) -> tuple[list[Diagnostic], str | None]:
    diagnostics: list[Diagnostic] = []
    if handlers and isinstance(state, ProjectContext):
        diagnostics.extend(check_handlers(path, state, selection))
    if not may_emit(text, state.config if isinstance(state, ProjectContext) else None):
        return _unsilenced(diagnostics, text, lines), None
    undecided = _UNDECIDED.get(path)
    if undecided is not None and undecided[0] is text:
        # The cheap checks already ran on this very text (precise=False, then the
        # runner asks again for the precise path in the same process).
        tree = undecided[1]
    else:
        problem, tree = _unparsable(path, text, tree)
        if problem is not None:
            diagnostics.append(problem)
            return diagnostics, None
        if USE_FAST_PATH and tree is not None and isinstance(state, ProjectContext):
            try:
                clean = proves_clean(tree, state, state.config.module_for_file(path),
                                     path.stem == "__init__")
            except RecursionError:
                clean = False
            if clean:
                return _unsilenced(diagnostics, text, lines), None
    _UNDECIDED.clear()
    if not precise:
        if tree is not None:
            _UNDECIDED[path] = (text, tree)
        raise _NeedsPrecise
    parse_text = text
    sliced: Slice | None = None
    if USE_FAST_PATH and not fix and tree is not None:
        # Cost follows the emit sites: libcst reads only what the emit calls depend on.
        project_words = reexporter_words(state.config) if isinstance(state, ProjectContext) \
            else ()
        found = calls_and_imports(tree) or all_calls_and_imports(tree)
        relative = _relative_emit(state, path) if isinstance(state, ProjectContext) else None
        candidates = emit_candidates(*found, project_words, relative)
        if candidates is not None:
            if not candidates:
                return _unsilenced(diagnostics, text, lines), None
            sliced = emit_slice(tree, candidates, split_lines(text))
            parse_text = sliced.text
    try:
        try:
            module = cst.parse_module(parse_text)
        except cst.ParserSyntaxError:
            if sliced is None:
                raise
            sliced = None  # say where in the whole file libcst stops
            module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        diagnostics.append(unreadable(path, f"libcst cannot parse it: {exc.message}",
                                      exc.raw_line, exc.raw_column + 1))
        return diagnostics, None
    except RecursionError:
        diagnostics.append(unreadable(path, "expressions nested too deeply to parse"))
        return diagnostics, None
    project = state if isinstance(state, ProjectContext) else None
    collected = EmitCandidates(reexporter_words(project.config) if project else ())
    module.visit(collected)
    if not collected.candidates:
        return _unsilenced(diagnostics, text, lines), None
    module_name = project.config.module_for_file(path) if project else None
    wrapper, ctx_maps = _metadata(module, path, module_name)
    scopes, qualnames = ctx_maps
    constant = project.catalog.constant if project else _no_constant
    reexported = functools.partial(is_reexported_emit, project.catalog) if project else None
    returns_str = functools.partial(_returns_str, project.catalog) if project else None
    resolver = NameResolver(scopes, qualnames, collected, constant, reexported, returns_str)
    sites = emit_sites(collected.candidates, resolver)
    if not sites:
        return _unsilenced(diagnostics, text, lines), None
    reports: list[Report] = []
    if project is None:
        assert isinstance(state, ConfigError)
        reports.append(Report("TSC302", sites[0].call, message("TSC302", reason=_reason(state))))
    else:
        ctx = FileContext(project, path, module_name, scopes, qualnames)
        reports.extend(_run_rules(sites, ctx, selection))
    if not reports:
        return _unsilenced(diagnostics, text, lines), None
    positions = wrapper.resolve(PositionProvider)
    all_lines = lines if lines is not None else split_lines(text)
    replacements: dict[cst.CSTNode, cst.BaseExpression] = {}
    for report in reports:
        pos: CodeRange = positions[report.node]
        line, column = pos.start.line, pos.start.column + 1
        end_line = pos.end.line
        if sliced is not None:
            line, end_line = sliced.line(line), sliced.line(end_line)
        if silenced(report.code, line, all_lines) or not selection(report.code):
            continue
        fix_obj = None
        if report.replacement is not None:
            new_text = module.code_for_node(report.replacement)
            fix_obj = Fix(new_text, f"replace with {new_text}")
            if fix:
                replacements[report.node] = report.replacement
        diagnostics.append(Diagnostic(path, line, column, end_line, pos.end.column + 1,
                                      report.code, report.message, fix_obj))
    diagnostics = _unsilenced(diagnostics, text, all_lines)
    fixed = module.visit(_Replace(replacements)).code if replacements else None
    return diagnostics, fixed


USE_FAST_PATH = os.environ.get("TSCRUN_LINT_FAST_PATH", "1") != "0"
"""Set TSCRUN_LINT_FAST_PATH=0 to always take the precise path (tests compare the two)."""


def _unparsable(path: Path, text: str, tree: ast.Module | None
                ) -> tuple[Diagnostic | None, ast.Module | None]:
    """TSC900 for text libcst must not be given, decided before any parser sees it.

    The parse limits (``source.nesting_problem``, a token scan) come first: libcst's
    native parser crashes the process on chains that CPython accepts, and the limit
    must not depend on the interpreter's recursion limit or version. ``ast.parse``
    then words syntax errors in Python's own terms (it only parses; nothing runs).
    """
    nul = nul_position(text)
    if nul is not None:
        return unreadable(path, "source code cannot contain null bytes", *nul), None
    deep = nesting_problem(text)
    if deep is not None:
        return unreadable(path, deep.reason(), deep.line, deep.column), None
    if tree is None:
        try:
            tree = ast.parse(text)
        except SyntaxError as err:
            return unreadable(path, f"syntax error: {err.msg}", err.lineno or 1,
                              err.offset or 1), None
        except (RecursionError, MemoryError):
            return unreadable(path, "expressions nested too deeply to parse"), None
        except ValueError as err:
            return unreadable(path, str(err)), None
    return None, tree


def _cst_error_position(exc: cst.ParserSyntaxError, text: str) -> tuple[int, int]:
    """1-based line and column of a libcst parse error.

    The native parser puts the true position only in its message ("error at 3:8");
    ``raw_line``/``raw_column`` may name the start of the statement, or line 1 for
    tokenizer errors. A position past the end of the text is the end of its last line.
    """
    m = re.search(r"error at (\d+):(\d+)", exc.message)
    line, column = (int(m.group(1)), int(m.group(2)) + 1) if m else \
        (exc.raw_line, exc.raw_column + 1)
    lines = split_lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    if line > len(lines):
        return max(1, len(lines)), (len(lines[-1]) + 1 if lines else 1)
    return max(1, line), max(1, column)


def _run_rules(sites: Sequence[EmitSite], ctx: FileContext, selection: Selector) -> list[Report]:
    reports: list[Report] = []
    for rule in EMIT_RULES:
        if not selection(rule.CODE):
            continue
        for site in sites:
            reports.extend(rule.check_emit(site, ctx))
    return reports


def _unsilenced(diagnostics: list[Diagnostic], text: str,
                lines: Sequence[str] | None) -> list[Diagnostic]:
    if not diagnostics:
        return diagnostics
    all_lines = lines if lines is not None else split_lines(text)
    return [d for d in diagnostics if not silenced(d.code, d.line, all_lines)]


def _relative_emit(project: ProjectContext, path: Path) -> Callable[[str], bool]:
    """Could a callee spelled through a relative import (``..util.warn``) in ``path`` be
    tscrun's emit? Answered as the precise path would: its fully qualified name (the
    same rewriting as ``_metadata``'s) is tscrun's, or starts with a project module the
    resolution may follow; a name that stays relative (no module name, or above the top
    package) or leads outside both resolves to something else. A large module full of
    relative imports of its own package's modules, outside the project's packages,
    then has no candidate calls."""
    module_name = project.config.module_for_file(path)
    package = (module_name or "") if path.stem == "__init__" else \
        (module_name or "").rpartition(".")[0]
    exists = project.catalog.index.exists

    def may_be_emit(spelled: str) -> bool:
        if module_name is None:
            return False  # qualified names stay relative (qualnames.LazyQualifiedNames)
        try:
            full = FullyQualifiedNameVisitor._fully_qualify(
                module_name, package, QualifiedName(spelled, QualifiedNameSource.IMPORT)).name
        except ImportError:
            return False
        if full.startswith("."):
            return False
        if full == "tscrun" or full.startswith("tscrun."):
            return True
        parts = full.split(".")
        return any(exists(".".join(parts[:cut])) for cut in range(1, len(parts) + 1))

    return may_be_emit


def _returns_str(catalog: Catalog, qualname: str) -> bool:
    from tscrun_lint.types.values import returns_plain_str

    return returns_plain_str(catalog, qualname)


def _no_constant(qualname: str) -> str | None:
    return None


def _reason(error: ConfigError) -> str:
    return str(error)


Scopes = Mapping[cst.CSTNode, Scope | None]
QualNames = Mapping[cst.CSTNode, Collection[QualifiedName]]


def _metadata(module: cst.Module, path: Path, module_name: str | None
              ) -> tuple[MetadataWrapper, tuple[Scopes, QualNames]]:
    """Scopes, and fully qualified names on demand (relative imports resolved against
    ``module_name``; a file outside the source roots keeps them relative)."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    package = (module_name or "") if path.stem == "__init__" else \
        (module_name or "").rpartition(".")[0]
    return wrapper, (scopes, LazyQualifiedNames(scopes, module_name, package))


class _Replace(cst.CSTTransformer):
    """Puts fix nodes in place; everything else is regenerated byte for byte by libcst."""

    def __init__(self, replacements: dict[cst.CSTNode, cst.BaseExpression]) -> None:
        self.replacements = replacements

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.BaseExpression:
        # The only fix rewrites a string literal in place.
        return self.replacements.get(original_node, updated_node)


def check_handlers(path: Path, project: ProjectContext,
                   selection: Selector = select_all) -> list[Diagnostic]:
    """TSC202 for the subscriber handlers defined in ``path``."""
    if not any(selection(r.CODE) for r in SUBSCRIBER_RULES):
        return []
    config = project.config
    module = None
    found: list[Diagnostic] = []
    for sub in config.subscribers.values():
        if module is None:
            module = config.module_for_file(path) or ""
        if sub.handler.module != module:
            continue
        info = project.catalog.handler(sub)
        if not isinstance(info, HandlerInfo) or not _same_file(info.path, path):
            continue
        for rule in SUBSCRIBER_RULES:
            if selection(rule.CODE):
                found.extend(rule.check_subscriber(project, sub, info))
    return found


def handler_diagnostics(path: Path, text: str, project: ProjectContext,
                        selection: Selector = select_all) -> list[Diagnostic]:
    """TSC202 for the handlers in one file, ``# noqa`` applied, never raising."""
    try:
        with deep_stack():
            return _unsilenced(_selected(check_handlers(path, project, selection), selection),
                               text, None)
    except RecursionError:
        return [unreadable(path, "expressions nested too deeply to analyse")]
    except Exception as exc:  # noqa: BLE001 - see check_text
        return [unreadable(path, f"internal error, please report it: {type(exc).__name__}: {exc}")]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def check_config(project: ProjectContext, selection: Selector = select_all) -> list[Diagnostic]:
    """Config-level findings (TSC003 on names, TSC201, TSC301), on the config file's lines."""
    found: list[Diagnostic] = []
    with deep_stack():
        for rule in CONFIG_RULES:
            if selection(rule.CODE):
                found.extend(rule.check_config(project))
    return found
