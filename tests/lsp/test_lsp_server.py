"""`tscrun-lint lsp` end to end: the real console script as a subprocess, driven over stdio
JSON-RPC by the small client in client.py, on copies of the demo app.

Each test starts its own server; every server must answer `shutdown` and exit 0 with no
traceback on stderr, whatever the test fed it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lsp.client import BIN, LspClient, apply_edits, units, uri

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo_app"

TSC001_SIGNUP = 'unknown event "user-registered"; did you mean "user.registered"?'
TSC101_ORDERS = ('payload for "order.completed" is missing required key(s) "total" of '
                 '"OrderCompletedEvent"')
TSC301_PAYMENT = ('event "payment.succeeded" has no payload TypedDict: module '
                  '"events.payment_succeeded" not found under the source roots (looking for '
                  '"events.payment_succeeded:PaymentSucceededEvent"); define it there or name '
                  "the event's TypedDict in the events.types table")


def rng(line: int, char: int, end_line: int, end_char: int) -> dict[str, Any]:
    """A 0-based LSP range."""
    return {"start": {"line": line, "character": char},
            "end": {"line": end_line, "character": end_char}}


def brief(diagnostics: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    """(code, 1-based line, 1-based column, message): what a user reads."""
    return [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1,
             d["message"]) for d in diagnostics]


def lint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "tscrun-lint"), *args], cwd=cwd, text=True,
                          capture_output=True, check=False, timeout=300)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "demo_app"
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    return dest


def _started(root: Path, **init: Any) -> LspClient:
    watch = init.pop("watch", True)
    client = LspClient.start(root)
    client.initialize(root, init.pop("options", None), watch=watch)
    return client


def _stopped_cleanly(client: LspClient) -> None:
    code = client.stop()
    assert code == 0, client.stderr_text()
    assert "Traceback" not in client.stderr_text(), client.stderr_text()


@pytest.fixture
def server(demo: Path) -> Iterator[LspClient]:
    client = _started(demo)
    yield client
    _stopped_cleanly(client)


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- publishing as the user types ----------------------------------------------------------

def test_diagnostics_on_open_for_the_file_and_its_config(demo: Path, server: LspClient) -> None:
    signup = demo / "functions/api/signup_page.py"
    mark = server.open(signup)
    found = server.diagnostics(signup, mark)
    assert found == [{"range": rng(5, 22, 5, 39), "message": TSC001_SIGNUP, "severity": 1,
                      "code": "TSC001", "source": "tscrun"}]
    # The config is not open: its findings come from the disk, so pyright users see them too.
    assert brief(server.diagnostics(demo / "pyproject.toml", mark)) == [
        ("TSC301", 18, 49, TSC301_PAYMENT)]


def test_unsaved_change_is_checked_not_the_disk(demo: Path, server: LspClient) -> None:
    users = demo / "functions/api/users.py"
    text = users.read_text(encoding="utf-8")
    assert server.diagnostics(users, server.open(users)) == []

    typo = text.replace('emit("user.registered"', 'emit("user.registred"')
    found = server.diagnostics(users, server.change(users, typo))
    assert brief(found) == [("TSC001", 16, 23,
                             'unknown event "user.registred"; did you mean "user.registered"?')]
    assert lint("functions/api/users.py", cwd=demo).returncode == 0  # the disk is clean

    # An incremental edit (a range, as editors send keystrokes) puts the letter back.
    at = found[0]["range"]["start"]
    insert = {"start": {"line": at["line"], "character": at["character"] + 12},
              "end": {"line": at["line"], "character": at["character"] + 12}}
    assert server.diagnostics(users, server.change(users, "e", insert)) == []


def test_handler_annotation_is_checked_as_typed(demo: Path, server: LspClient) -> None:
    handler = demo / "functions/subscribers/send_welcome_email.py"
    text = handler.read_text(encoding="utf-8")
    tsc202 = ('handler of subscriber "send-welcome-email" does not accept "user.verified" '
              '(UserVerifiedEvent), which the subscriber receives; annotate it '
              'Event[UserRegisteredEvent | UserVerifiedEvent]')
    assert brief(server.diagnostics(handler, server.open(handler))) == [
        ("TSC202", 11, 25, tsc202)]
    # Lines added above: the finding moves with the annotation in the unsaved buffer.
    assert brief(server.diagnostics(handler, server.change(handler, "\n\n" + text))) == [
        ("TSC202", 13, 25, tsc202)]
    fixed = text.replace(
        "from events.user_registered import UserRegisteredEvent\n",
        "from events.user_registered import UserRegisteredEvent\n"
        "from events.user_verified import UserVerifiedEvent\n").replace(
        "Event[UserRegisteredEvent]", "Event[UserRegisteredEvent | UserVerifiedEvent]")
    assert server.diagnostics(handler, server.change(handler, fixed)) == []
    assert handler.read_text(encoding="utf-8") == text
    assert brief(server.diagnostics(handler, server.change(handler, text))) == [
        ("TSC202", 11, 25, tsc202)]


def test_typed_dict_edit_on_disk_reaches_open_files(demo: Path, server: LspClient) -> None:
    orders = demo / "functions/api/orders.py"
    assert brief(server.diagnostics(orders, server.open(orders))) == [
        ("TSC101", 5, 35, TSC101_ORDERS)]

    payload = demo / "events/order_completed.py"
    _rewrite(payload, "    total: float\n", "")
    assert server.diagnostics(orders, server.files_changed(payload)) == []

    _rewrite(payload, "    userId: str\n", "    userId: str\n    currency: str\n")
    assert brief(server.diagnostics(orders, server.files_changed(payload))) == [
        ("TSC101", 5, 35, 'payload for "order.completed" is missing required key(s) '
                          '"currency" of "OrderCompletedEvent"')]


def test_disk_edits_are_seen_without_file_watch_events(demo: Path) -> None:
    """A client that cannot watch files: the next keystroke sees the new TypedDict and config."""
    client = _started(demo, watch=False)
    try:
        assert client.registrations == []
        orders = demo / "functions/api/orders.py"
        text = orders.read_text(encoding="utf-8")
        assert brief(client.diagnostics(orders, client.open(orders)))[0][0] == "TSC101"

        _rewrite(demo / "events/order_completed.py", "    total: float\n", "")
        assert client.diagnostics(orders, client.change(orders, text + "\n")) == []

        _rewrite(demo / "pyproject.toml", '"order.completed", ', "")
        assert brief(client.diagnostics(orders, client.change(orders, text))) == [
            ("TSC001", 5, 16, 'unknown event "order.completed"; add it to a subscriber\'s events '
                              'or to events.types in the config')]
    finally:
        _stopped_cleanly(client)


def test_config_edit_on_disk_reaches_open_files(demo: Path, server: LspClient) -> None:
    users = demo / "functions/api/users.py"
    assert server.diagnostics(users, server.open(users)) == []
    config = demo / "pyproject.toml"
    assert brief(server.latest(config) or []) == [
        ("TSC301", 18, 49, TSC301_PAYMENT)]
    _rewrite(config, 'events = ["user.registered", "user.verified"]', 'events = ["user.registered"]')
    with config.open("a", encoding="utf-8") as out:
        out.write('\n[tool.tscrun.events.types]\n'
                  '"payment.succeeded" = "events.order_completed:OrderCompletedEvent"\n')
    mark = server.files_changed(config)
    assert brief(server.diagnostics(users, mark)) == [
        ("TSC001", 26, 23, 'unknown event "user.verified"; add it to a subscriber\'s events or '
                           'to events.types in the config')]
    # ...and the config's own findings follow (the disk is what is shown while it is closed).
    assert server.diagnostics(config, mark) == []

    # A save of the config buffer is enough for clients that watch nothing.
    _rewrite(config, 'events = ["user.registered"]', 'events = ["user.registered", "user.verified"]')
    config_text = config.read_text(encoding="utf-8")
    server.open(config, config_text, language="toml")
    assert server.diagnostics(users, server.save(config)) == []


def test_config_file_is_checked_as_typed(demo: Path, server: LspClient) -> None:
    config = demo / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    assert brief(server.diagnostics(config, server.open(config, language="toml"))) == [
        ("TSC301", 18, 49, TSC301_PAYMENT)]

    misspelt = text.replace("retry-delay = 0.01", "retry-delay = 0.01\nmax-atempts = 5")
    assert brief(server.diagnostics(config, server.change(config, misspelt))) == [
        ("TSC302", 10, 1, 'invalid tscrun configuration: [tool.tscrun.events.max-atempts] '
                          'unknown key "max-atempts"; did you mean "max-attempts"?')]

    broken = text.replace('event-bus = "default"', 'event-bus = "default')
    found = brief(server.diagnostics(config, server.change(config, broken)))
    assert [(code, line) for code, line, _, _ in found] == [("TSC302", 8)]
    assert found[0][3].startswith("invalid tscrun configuration: invalid TOML: ")

    typed = text + ('\n[tool.tscrun.events.types]\n'
                    '"payment.succeeded" = "events.order_completed:OrderCompletedEvent"\n')
    assert server.diagnostics(config, server.change(config, typed)) == []
    badly_named = typed + '"UserBanned" = "events.order_completed:OrderCompletedEvent"\n'
    assert brief(server.diagnostics(config, server.change(config, badly_named))) == [
        ("TSC003", len(badly_named.splitlines()), 1, 'event name "UserBanned" does not match the naming convention '
                          r'^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$')]
    # Findings on lines the buffer moved: the subscriber added above the others.
    moved = text.replace("[tool.tscrun.events.subscribers.send-welcome-email]",
                         "[tool.tscrun.events.subscribers.send-sms]\nevents = [\"user.verified\"]"
                         "\n\n[tool.tscrun.events.subscribers.send-welcome-email]")
    assert [(c, line, col) for c, line, col, _ in brief(
        server.diagnostics(config, server.change(config, moved)))] == [
        ("TSC201", 11, 33), ("TSC301", 21, 49)]
    assert config.read_text(encoding="utf-8") == text  # nothing was written


def test_tscrun_toml_and_other_toml_files(demo: Path, server: LspClient) -> None:
    other = demo / "ruff.toml"
    other.write_text("line-length = 100\n", encoding="utf-8")
    mark = server.open(other, language="toml")
    signup = demo / "functions/api/signup_page.py"
    server.diagnostics(signup, server.open(signup))
    tool = demo / "tools" / "pyproject.toml"  # another tool's pyproject.toml in the project
    tool.parent.mkdir()
    tool.write_text("[tool.black]\nline-length = 100\n", encoding="utf-8")
    server.open(tool, language="toml")
    assert uri(tool) not in server.published_uris(mark)
    assert uri(other) not in server.published_uris(mark)  # not ours: nothing published

    # A tscrun.toml beside pyproject.toml wins, as in discovery; the pyproject's findings go.
    tscrun_toml = demo / "tscrun.toml"
    tscrun_toml.write_text('[events.subscribers.update-analytics]\nevents = ["user.registered"]'
                           '\n[events.types]\n"user.registred" = "events.x:Y"\n', encoding="utf-8")
    assert server.diagnostics(demo / "pyproject.toml", server.files_changed(tscrun_toml)) == []
    found = brief(server.diagnostics(tscrun_toml, server.open(tscrun_toml, language="toml")))
    assert [(c, line, col) for c, line, col, _ in found] == [("TSC301", 4, 1)]


# --- the fix ---------------------------------------------------------------------------------

def test_code_action_applies_the_same_fix_as_the_cli(demo: Path, server: LspClient,
                                                    tmp_path: Path) -> None:
    signup = demo / "functions/api/signup_page.py"
    text = signup.read_text(encoding="utf-8")
    found = server.diagnostics(signup, server.open(signup))
    actions = server.code_actions(signup, found[0]["range"], found)
    quick = [a for a in actions if a["kind"] == "quickfix"]
    assert [a["title"] for a in quick] == ['tscrun: replace with "user.registered"']
    assert quick[0]["diagnostics"] == found and quick[0]["isPreferred"] is True
    fixed = apply_edits(text, quick[0]["edit"]["changes"][uri(signup)])

    cli_copy = tmp_path / "cli_copy"
    shutil.copytree(demo, cli_copy)
    lint("--fix", "functions/api/signup_page.py", cwd=cli_copy)
    assert fixed == (cli_copy / "functions/api/signup_page.py").read_text(encoding="utf-8")
    assert fixed != text

    # "Fix all" gives the same text; asked for quick fixes only, it is not offered.
    every = server.code_actions(signup, rng(0, 0, 0, 0), [], only=["source.fixAll"])
    assert [a["kind"] for a in every] == ["source.fixAll.tscrun"]
    assert apply_edits(text, every[0]["edit"]["changes"][uri(signup)]) == fixed
    assert server.code_actions(signup, rng(0, 0, 0, 0), [], only=["quickfix"]) == []

    assert server.diagnostics(signup, server.change(signup, fixed)) == []
    assert server.code_actions(signup, rng(0, 0, 20, 0), []) == []
    assert signup.read_text(encoding="utf-8") == text  # the editor applies it, not the server


@pytest.mark.parametrize("offered", [None, ["utf-8"], ["utf-32", "utf-16"]])
def test_positions_in_the_negotiated_code_units(demo: Path, offered: list[str] | None) -> None:
    client = LspClient.start(demo)
    try:
        init = client.initialize(demo, encodings=offered)
        encoding = init["capabilities"]["positionEncoding"]
        assert encoding == (offered[0] if offered else "utf-16")
        users = demo / "functions/api/users.py"
        text = users.read_text(encoding="utf-8")
        line = '    note = "🎉é"; await events.emit("user.registred", user)\n'
        edited = text.replace('    await events.emit("user.registered", user)\n', line)
        found = client.diagnostics(users, client.open(users, edited))
        before = line[:line.index('"user.registred"')]
        start = sum(units(ch, encoding) for ch in before)  # 🎉: 4/2/1 units, é: 2/1/1
        assert [(d["code"], d["range"]) for d in found] == [
            ("TSC001", rng(15, start, 15, start + len('"user.registred"')))]
        action, = client.code_actions(users, found[0]["range"], found, only=["quickfix"])
        assert apply_edits(edited, action["edit"]["changes"][uri(users)], encoding) == \
            edited.replace('"user.registred"', '"user.registered"')
    finally:
        _stopped_cleanly(client)


# --- one source of truth -------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["demo_app", "lint_project", "mypy_project"])
def test_same_findings_as_the_cli(fixture: str, tmp_path: Path) -> None:
    """Every file opened as it is on disk gets what `tscrun-lint --format json .` reports."""
    root = tmp_path / fixture
    shutil.copytree(REPO / "fixtures" / fixture, root,
                    ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    proc = lint("--format", "json", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr
    expected = {(d["path"], d["line"], d["column"], d["end_line"], d["end_column"], d["code"],
                 d["message"]) for d in json.loads(proc.stdout)["diagnostics"]}
    assert len(expected) >= 4

    client = _started(root)
    try:
        configs = [p for p in (root / "tscrun.toml", root / "pyproject.toml") if p.is_file()]
        files = sorted(root.rglob("*.py")) + configs[:1]
        got: set[tuple[str, int, int, int, int, str, str]] = set()
        for path in files:
            mark = client.open(path, language="toml" if path.suffix == ".toml" else "python")
            for d in client.diagnostics(path, mark):
                r = d["range"]
                got.add((path.relative_to(root).as_posix(), r["start"]["line"] + 1,
                         r["start"]["character"] + 1, r["end"]["line"] + 1,
                         r["end"]["character"] + 1, d["code"], d["message"]))
        assert got == expected
    finally:
        _stopped_cleanly(client)


def test_initialization_options_select_and_ignore(demo: Path) -> None:
    client = _started(demo, options={"ignore": ["TSC001"]})
    try:
        signup = demo / "functions/api/signup_page.py"
        mark = client.open(signup)
        assert client.diagnostics(signup, mark) == []
        assert brief(client.diagnostics(demo / "pyproject.toml", mark))[0][0] == "TSC301"
    finally:
        _stopped_cleanly(client)


# --- bad input ---------------------------------------------------------------------------------

def test_bad_input_gives_diagnostics_or_a_log_never_a_crash(demo: Path, server: LspClient,
                                                          tmp_path: Path) -> None:
    # A broken config on disk: TSC302 at the emit and on the config's line.
    config = demo / "pyproject.toml"
    _rewrite(config, "retry-delay = 0.01", "retry-delay = 0.01\nmax-atempts = 5")
    signup = demo / "functions/api/signup_page.py"
    mark = server.open(signup)
    reason = ('[tool.tscrun.events.max-atempts] unknown key "max-atempts"; '
              'did you mean "max-attempts"?')
    assert brief(server.diagnostics(signup, mark)) == [
        ("TSC302", 6, 11, f"invalid tscrun configuration: {config}:10: {reason}")]
    assert brief(server.diagnostics(config, mark)) == [
        ("TSC302", 10, 1, f"invalid tscrun configuration: {reason}")]

    # An unparsable buffer.
    users = demo / "functions/api/users.py"
    found = server.diagnostics(users, server.open(users, "from tscrun import events\nevents.emit(:\n"))
    assert [(c, line) for c, line, _, _ in brief(found)] == [("TSC900", 2)]
    assert found[0]["message"].startswith("could not check this file: syntax error")

    # Files outside any project: the emit gets TSC302 (as under flake8), and a log says why.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    script = outside / "script.py"
    script.write_text("from tscrun import events\n\nasync def go() -> None:\n"
                      "    await events.emit('a.b', {})\n", encoding="utf-8")
    found = server.diagnostics(script, server.open(script))
    assert [(c, line, col) for c, line, col, _ in brief(found)] == [("TSC302", 4, 11)]
    assert "no tscrun config found for this file" in found[0]["message"]
    plain = outside / "plain.py"
    plain.write_text("print('hi')\n", encoding="utf-8")
    assert server.diagnostics(plain, server.open(plain)) == []
    assert any("not in a tscrun project" in log["message"] and str(plain) in log["message"]
               for log in server.logs)

    # A buffer with no file behind it, and a config buffer that is not UTF-8-clean TOML.
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": "untitled:Untitled-1", "languageId": "python", "version": 1,
        "text": "from tscrun import events\nevents.emit('x', 1)\n"}})
    junk = server.diagnostics(config, server.open(config, "\x00[tool.tscrun\n", language="toml"))
    assert [d["code"] for d in junk] == ["TSC302"]
    # A broken client: a body that is not JSON, edits and fixes asked for unopened files.
    server.send_raw(b"{not json")
    never_opened = demo / "functions/api/orders.py"
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": uri(never_opened), "version": 7},
        "contentChanges": [{"text": "x"}]})
    assert server.code_actions(demo / "missing.py", rng(0, 0, 0, 0), []) == []
    assert server.code_actions(never_opened, rng(0, 0, 0, 0), []) == []
    # Still serving: a request is answered after all of that.
    assert server.code_actions(signup, rng(0, 0, 0, 0), []) == []
    assert not [log for log in server.logs if log["type"] == 1]  # no internal error logged


def test_cli_lsp_usage_errors(demo: Path) -> None:
    proc = lint("lsp", "--config", "nowhere.toml", cwd=demo)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "tscrun-lint: error: nowhere.toml: config file does not exist\n"
    proc = lint("lsp", "--select", "XYZ", cwd=demo)
    assert proc.returncode == 2 and "unknown code 'XYZ'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "tscrun-lint lsp starts the language server" in lint("--help", cwd=demo).stdout
