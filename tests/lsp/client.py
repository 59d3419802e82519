"""A small LSP client over stdio, written from the protocol (not from pygls), for the tests
and the benchmark: it frames JSON-RPC with Content-Length headers, answers the server's
requests, and keeps every notification so a test can wait for the next publish of a file.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BIN = Path(sys.executable).parent
WAIT = 120.0
"""Seconds before a test gives up on an answer (a hang, not a slow machine)."""


_ORIGIN = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}


def uri(path: Path) -> str:
    return path.absolute().as_uri()


@dataclass
class Publish:
    seq: int
    uri: str
    version: int | None
    diagnostics: list[dict[str, Any]]


@dataclass
class LspClient:
    proc: subprocess.Popen[bytes]
    messages: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue)
    publishes: list[Publish] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    responses: dict[int, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    _next_id: int = 0
    barrier: bool = True
    stderr: list[bytes] = field(default_factory=list)

    # --- process --------------------------------------------------------------------

    @classmethod
    def start(cls, cwd: Path, args: Sequence[str] = (), env: dict[str, str] | None = None
              ) -> LspClient:
        script = BIN / "tscrun-lint"
        argv = [str(script)] if script.exists() else [sys.executable, "-m", "tscrun_lint"]
        full_env = {k: v for k, v in os.environ.items() if k != "TSCRUN_CONFIG"}
        full_env.update(env or {})
        proc = subprocess.Popen([*argv, "lsp", *args], cwd=cwd, env=full_env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        client = cls(proc)
        threading.Thread(target=client._read, daemon=True).start()
        threading.Thread(target=client._drain_stderr, daemon=True).start()
        return client

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "a message without Content-Length"
            self.messages.put(json.loads(out.read(length)))

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stdin: IO[bytes] | None = self.proc.stdin
        assert stdin is not None
        stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        stdin.flush()

    def send_raw(self, body: bytes) -> None:
        """A framed message with any body (a broken client's)."""
        stdin = self.proc.stdin
        assert stdin is not None
        stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        stdin.flush()

    def _pump(self, until: Callable[[], bool], what: str) -> None:
        """Handle incoming messages until ``until()`` holds."""
        while not until():
            try:
                msg = self.messages.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no {what} from the server within {WAIT:.0f} s; "
                                     f"stderr: {self.stderr_text()}") from None
            if msg is None:
                raise AssertionError(f"the server exited (code {self.proc.poll()}) while "
                                     f"waiting for {what}; stderr: {self.stderr_text()}")
            self._handle(msg)

    def _handle(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        if method is None:
            self.responses[msg["id"]] = msg
        elif "id" in msg:  # a request from the server
            if method == "client/registerCapability":
                self.registrations.extend(msg["params"]["registrations"])
            self._send({"id": msg["id"], "result": None})
        elif method == "textDocument/publishDiagnostics":
            p = msg["params"]
            self.publishes.append(Publish(len(self.publishes) + 1, p["uri"], p.get("version"),
                                          p["diagnostics"]))
        elif method == "window/logMessage":
            self.logs.append(msg["params"])

    def stderr_text(self) -> str:
        return b"".join(self.stderr).decode(errors="replace")

    # --- protocol -----------------------------------------------------------------------

    def request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        rid = self._next_id
        self._send({"id": rid, "method": method, "params": params})
        self._pump(lambda: rid in self.responses, f"answer to {method}")
        answer = self.responses.pop(rid)
        assert "error" not in answer, answer
        return answer.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def initialize(self, root: Path, options: dict[str, Any] | None = None,
                   watch: bool = True, encodings: list[str] | None = None) -> dict[str, Any]:
        caps: dict[str, Any] = {
            **({"general": {"positionEncodings": encodings}} if encodings else {}),
            "textDocument": {"publishDiagnostics": {"versionSupport": True},
                             "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {
                                 "valueSet": ["quickfix", "source.fixAll"]}}}},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": watch},
                          "workspaceEdit": {"documentChanges": False}},
        }
        result: dict[str, Any] = self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri(root), "capabilities": caps,
            "workspaceFolders": [{"uri": uri(root), "name": root.name}],
            **({"initializationOptions": options} if options is not None else {})})
        self.notify("initialized", {})
        return result

    def mark(self) -> int:
        """A point in the stream of publishes; ``diagnostics(after=...)`` waits past it.

        With ``barrier`` a request goes first: the server handles messages in order, so
        once it is answered every publish caused by earlier messages has arrived and a
        late one cannot be taken for the answer to the next edit.
        """
        if self.barrier:
            self.request("textDocument/codeAction", {
                "textDocument": {"uri": "file:///barrier.txt"}, "range": _ORIGIN,
                "context": {"diagnostics": []}})
        self._pump_ready()
        return len(self.publishes)

    def _pump_ready(self) -> None:
        while True:
            try:
                msg = self.messages.get_nowait()
            except queue.Empty:
                return
            if msg is None:
                self.messages.put(None)
                return
            self._handle(msg)

    def diagnostics(self, path: Path, after: int) -> list[dict[str, Any]]:
        """The first diagnostics published for ``path`` after the mark ``after``."""
        target = uri(path)

        def found() -> Publish | None:
            return next((p for p in self.publishes[after:] if p.uri == target), None)

        self._pump(lambda: found() is not None, f"diagnostics for {path.name}")
        hit = found()
        assert hit is not None
        return hit.diagnostics

    def latest(self, path: Path) -> list[dict[str, Any]] | None:
        """What the editor shows for ``path`` now: its last publish (None if never)."""
        self.mark()
        hits = [p for p in self.publishes if p.uri == uri(path)]
        return hits[-1].diagnostics if hits else None

    def published_uris(self, after: int) -> list[str]:
        self._pump_ready()
        return [p.uri for p in self.publishes[after:]]

    def open(self, path: Path, text: str | None = None, language: str = "python") -> int:
        """didOpen with ``text`` (default: the file's content); returns a mark taken before."""
        mark = self.mark()
        self.versions[uri(path)] = 1
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(path), "languageId": language, "version": 1,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return mark

    def change(self, path: Path, text: str, range_: dict[str, Any] | None = None) -> int:
        """didChange: the whole new text, or ``text`` replacing ``range_``."""
        mark = self.mark()
        key = uri(path)
        self.versions[key] += 1
        change: dict[str, Any] = {"text": text}
        if range_ is not None:
            change["range"] = range_
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": key, "version": self.versions[key]},
            "contentChanges": [change]})
        return mark

    def save(self, path: Path) -> int:
        mark = self.mark()
        self.notify("textDocument/didSave", {"textDocument": {"uri": uri(path)}})
        return mark

    def close(self, path: Path) -> int:
        mark = self.mark()
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri(path)}})
        return mark

    def files_changed(self, *paths: Path) -> int:
        """workspace/didChangeWatchedFiles, as an editor's file watcher sends it."""
        mark = self.mark()
        self.notify("workspace/didChangeWatchedFiles", {
            "changes": [{"uri": uri(p), "type": 2} for p in paths]})
        return mark

    def code_actions(self, path: Path, range_: dict[str, Any],
                     diagnostics: list[dict[str, Any]], only: list[str] | None = None
                     ) -> list[dict[str, Any]]:
        context: dict[str, Any] = {"diagnostics": diagnostics}
        if only is not None:
            context["only"] = only
        result = self.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(path)}, "range": range_, "context": context})
        return list(result or [])

    def stop(self) -> int:
        """shutdown + exit; returns the server's exit code."""
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            return self.proc.wait(timeout=WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def units(ch: str, encoding: str = "utf-16") -> int:
    """How many code units of ``encoding`` the character ``ch`` takes."""
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def apply_edits(text: str, edits: list[dict[str, Any]], encoding: str = "utf-16") -> str:
    """Apply LSP TextEdits (positions in ``encoding`` code units) to ``text``, as an editor does."""
    lines = text.splitlines(keepends=True) or [""]

    def offset(pos: dict[str, int]) -> int:
        before = sum(len(line) for line in lines[:pos["line"]])
        line = lines[pos["line"]] if pos["line"] < len(lines) else ""
        n, chars = 0, 0
        for ch in line:
            if n >= pos["character"]:
                break
            n += units(ch, encoding)
            chars += 1
        return before + chars

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"],
                                              e["range"]["start"]["character"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
        lines = text.splitlines(keepends=True) or [""]
    return text
