"""``tscrun-lint lsp``: the language server (pygls) over stdio.

What it publishes: for a Python buffer, what ``tscrun-lint`` would print for that
content; for the config file (``tscrun.toml`` or ``pyproject.toml`` with
``[tool.tscrun]``), its findings from the buffer while it is open and from the
disk otherwise (so TSC301/TSC201 reach the Problems list as soon as any file of
the project is open). Unsaved buffers of other files do not change what a buffer
is checked against: payload modules and the config are read from disk, as the
CLI reads them, and re-read when they change there (file-watch events, saves,
and a stat on every check for clients that send neither).

A failure while handling one message is logged to the client and the server
goes on; it never takes the editor's session down.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from tscrun import __version__
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.frontends.lsp.convert import fix_all, overlaps, quick_fix, to_lsp
from tscrun_lint.frontends.lsp.projects import Projects
from tscrun_lint.base.selection import Selection
from tscrun_lint.base.source import split_lines

log = logging.getLogger("tscrun_lint.frontends.lsp")

WATCHED = ("**/*.py", "**/pyproject.toml", "**/tscrun.toml")
FIX_ALL_KIND = types.CodeActionKind.SourceFixAll + ".tscrun"

T = TypeVar("T")


@dataclass
class _Published:
    version: int | None
    pairs: list[tuple[Diagnostic, types.Diagnostic]]


class TscrunServer(LanguageServer):
    def __init__(self, projects: Projects) -> None:
        super().__init__("tscrun-lint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.projects = projects
        self.published: dict[str, _Published] = {}
        self.config_uris: set[str] = set()
        """Config files published from disk (no buffer open): re-published on change."""
        self.warned_outside: set[str] = set()

    # --- what to check -------------------------------------------------------------

    def open_documents(self) -> list[TextDocument]:
        return list(self.workspace.text_documents.values())

    def check(self, doc: TextDocument) -> None:
        path = _path(doc.uri)
        if path is None:
            return
        if path.suffix == ".py":
            self._check_python(doc, path)
        elif path.suffix == ".toml" and self.projects.is_config(path, doc.source):
            self._publish(doc.uri, doc.version, doc.source,
                          self.projects.check_config(path, doc.source))

    def _check_python(self, doc: TextDocument, path: Path) -> None:
        text = doc.source
        config_path = self.projects.config_path(path)
        if config_path is None and doc.uri not in self.warned_outside:
            self.warned_outside.add(doc.uri)
            self.log(types.MessageType.Info,
                     f"{path}: not in a tscrun project (no tscrun.toml or pyproject.toml "
                     f"with [tool.tscrun] in its folder or above); its emit calls are "
                     f"reported as TSC302 until it has one")
        found, _fixed = self.projects.check_python(path, text)
        self._publish(doc.uri, doc.version, text, found)
        if config_path is not None:
            self.publish_config_from_disk(config_path)

    def publish_config_from_disk(self, config_path: Path) -> None:
        """The project's config findings, unless the config is open (then its buffer rules)."""
        uri = from_fs_path(str(config_path))
        if uri is None or uri in self.workspace.text_documents:
            return
        try:
            text = config_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        found = self.projects.check_config(config_path)
        before = self.published.get(uri)
        if before is not None and [d for d, _ in before.pairs] == found:
            return
        self.config_uris.add(uri)
        self._publish(uri, None, text, found)

    def recheck_all(self) -> None:
        """After a change on disk: every open buffer, and the configs shown from disk."""
        for doc in self.open_documents():
            self.guarded(self.check, doc)
        for uri in sorted(self.config_uris):
            path = _path(uri)
            if path is None or uri in self.workspace.text_documents:
                continue
            if self.projects.is_config(path):
                self.guarded(self.publish_config_from_disk, path)
            else:  # deleted, or a tscrun.toml beside it took over: its findings are void
                self.config_uris.discard(uri)
                self.guarded(self.clear, uri)

    # --- publishing ------------------------------------------------------------------

    def _publish(self, uri: str, version: int | None, text: str,
                 found: Iterable[Diagnostic]) -> None:
        lines = split_lines(text)
        codec = self.workspace.position_codec
        pairs = [(d, to_lsp(d, lines, codec)) for d in found]
        self.published[uri] = _Published(version, pairs)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[lsp for _, lsp in pairs]))

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # --- code actions ------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        path = _path(uri)
        if path is None or path.suffix != ".py":
            return []
        if uri not in self.workspace.text_documents:
            return []  # only what the editor has open is ours to fix
        doc = self.workspace.get_text_document(uri)
        published = self.published.get(uri)
        if published is None or published.version != doc.version:
            self._check_python(doc, path)  # the buffer moved on since we last looked
            published = self.published[uri]
        only = params.context.only
        actions: list[types.CodeAction] = []
        if not only or types.CodeActionKind.QuickFix in only:
            actions.extend(quick_fix(uri, d, lsp) for d, lsp in published.pairs
                           if d.fix is not None and overlaps(lsp.range, params.range))
        wants_all = not only or any(FIX_ALL_KIND.startswith(kind) for kind in only)
        if wants_all and any(d.fix is not None for d, _ in published.pairs):
            _found, fixed = self.projects.check_python(path, doc.source, fix=True)
            if fixed is not None and fixed != doc.source:
                actions.append(fix_all(uri, doc.source, fixed, self.workspace.position_codec))
        return actions

    # --- plumbing ----------------------------------------------------------------------

    def log(self, kind: types.MessageType, text: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=text))

    def guarded(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run one handler's work; a failure is logged to the client, never fatal."""
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - an editor session must outlive our bugs
            log.error("internal error", exc_info=True)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.log(types.MessageType.Error,
                     f"tscrun-lint: internal error, please report it: {type(exc).__name__}: "
                     f"{exc} ({Path(where.filename).name}:{where.lineno})")
            return None


def _path(uri: str) -> Path | None:
    fs = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(fs) if fs else None


def build(projects: Projects) -> TscrunServer:
    server = TscrunServer(projects)

    @server.feature(types.INITIALIZE)
    def initialize(ls: TscrunServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            ls.guarded(_apply_options, ls, options)

    @server.feature(types.INITIALIZED)
    def initialized(ls: TscrunServer, params: types.InitializedParams) -> None:
        ls.guarded(_watch_files, ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: TscrunServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.guarded(ls.check, ls.workspace.get_text_document(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TscrunServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.guarded(ls.check, ls.workspace.get_text_document(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: TscrunServer, params: types.DidSaveTextDocumentParams) -> None:
        # A saved payload module or config changes what every other buffer is checked against.
        ls.recheck_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TscrunServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.guarded(ls.clear, uri)
        path = _path(uri)
        if path is not None and path.suffix == ".toml":
            # A closed config is shown from disk again while files of its project are open.
            ls.projects.forget_buffer(path)
            ls.recheck_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: TscrunServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.recheck_all()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
    def code_action(ls: TscrunServer, params: types.CodeActionParams
                    ) -> list[types.CodeAction] | None:
        return ls.guarded(ls.code_actions, params)

    return server


def _apply_options(ls: TscrunServer, options: dict[str, Any]) -> None:
    """``initializationOptions``: {"config": path, "select": [codes], "ignore": [codes]}."""
    def codes(key: str) -> list[str]:
        value = options.get(key) or []
        if isinstance(value, str):
            value = value.split(",")
        return [str(v) for v in value] if isinstance(value, list) else []

    config = options.get("config")
    selection = Selection(codes("select") or ls.projects.selection.select,
                          codes("ignore") or ls.projects.selection.ignore)
    explicit = Path(config) if isinstance(config, str) and config else ls.projects.explicit
    if explicit is not None and not explicit.exists():
        ls.log(types.MessageType.Error, f"tscrun-lint: config {explicit} does not exist; "
                                        f"discovering each file's config instead")
        explicit = None
    ls.projects = Projects(explicit, selection)


def _watch_files(ls: TscrunServer) -> None:
    caps = ls.client_capabilities.workspace
    watch = caps.did_change_watched_files if caps is not None else None
    if watch is None or not watch.dynamic_registration:
        return  # the stat on every check keeps us right, one keystroke late
    ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
        id="tscrun-watched-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED]),
    )]))


class _OneLine(logging.Formatter):
    """Log records on one line each: an exception is named, never dumped as a traceback
    (the editor shows the server's stderr to users)."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        text = super().format(record)
        return f"{text}: {type(exc).__name__}: {exc}" if exc is not None else text


def serve(projects: Projects) -> int:
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("tscrun-lint lsp: %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    build(projects).start_io()
    return 0
