"""Every message the plugin can give reaches an editor intact.

Editors read mypy's output with a pattern that splits the ``  [code]`` suffix
off at the first `` [``: here that is pylsp-mypy's own ``parse_line``, run over
real mypy output (with ``--show-error-end``, as pylsp-mypy runs it) from
projects made to produce each of the plugin's messages, user text with square
brackets included. The code must come back as the plugin's code and the
message whole.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pylsp_mypy.plugin import parse_line

from tests.mypy.harness import copy_fixture, run_mypy
from tscrun.diagnostics import CODES

pytestmark = pytest.mark.xdist_group("mypy_editor")

_LINE = re.compile(r"^(?P<path>[^:]+):\d+:\d+:\d+:\d+: (?P<kind>error|note): (?P<text>.*)$")

CONFIG = r"""
[events]
naming = '^[a-z_]+(\.[a-z_]+)+$'

[events.types]
"user.registered" = "events.user_registered:UserRegisteredEvent"
"Bad.Name" = "events.user_registered:UserRegisteredEvent"
"a.missing" = "events.nowhere:Nope"
"b.no_attr" = "events.user_registered:Nope"
"c.not_td" = "events.user_registered:NotATypedDict"

[events.subscribers.send-welcome-email]
events = ["user.registered", "order.placed"]
"""

EMITTER = '''
from typing import Any

from tscrun import events

PLAIN = "user.registered"


async def every_message(name: str, anything: Any) -> None:
    await events.emit("user.registerd", {"id": "u", "email": "e"})
    await events.emit("zzz[0] x [tool.tscrun]", {})
    await events.emit(name, {})
    await events.emit(PLAIN, anything)
    await events.emit("Bad.Name", {"id": "u", "email": "e"})
    await events.emit("a.missing", {})
    await events.emit("b.no_attr", {})
    await events.emit("c.not_td", {})
    await events.emit("order.placed", {})
    await events.emit("user.registered", {"id": 1})
'''

BROKEN_CONFIGS = {
    "invalid-toml": '[events.subscribers.x]\nevents = ["user.registered",\n',
    "unknown-key": "[events]\nmax-atempts = 3\n",
    "bad-regex": '[events]\nnaming = "(["\n',
}


def editor_view(stdout: str) -> list[tuple[str, dict[str, object]]]:
    """Each output line as pylsp-mypy sees it, next to the line itself."""
    parsed = []
    for line in stdout.splitlines():
        if _LINE.match(line):
            diag = parse_line(line)
            assert diag is not None, line
            parsed.append((line, diag))
    return parsed


def assert_intact(line: str, diag: dict[str, object]) -> None:
    match = _LINE.match(line)
    assert match is not None
    text = match["text"]
    if match["kind"] == "note" and "  [" not in text:  # mypy prints notes without a code
        assert "[" not in text and "]" not in text, line
        assert "code" not in diag and diag["message"] == text, line
        return
    body, _, code = text.rpartition("  [")
    assert body and code.endswith("]"), line
    assert "[" not in body and "]" not in body, line
    assert diag["code"] == code[:-1], line
    assert diag["message"] == body, line


def write_project(root: Path, config: str) -> Path:
    copy_fixture("mypy_minimal", root)
    (root / "pyproject.toml").write_text('[tool.mypy]\nplugins = ["tscrun.mypy"]\n'
                                         'python_version = "3.11"\n')
    (root / "tscrun.toml").write_text(textwrap.dedent(config))
    (root / "events" / "user_registered.py").write_text(
        "from typing import TypedDict\n\n\nclass UserRegisteredEvent(TypedDict):\n"
        "    id: str\n    email: str\n\n\nclass NotATypedDict:\n    pass\n")
    (root / "app" / "every.py").write_text(EMITTER)
    return root


def test_every_emit_message_parses_intact(tmp_path: Path, runtime: Path) -> None:
    project = write_project(tmp_path / "project", CONFIG)
    run = run_mypy(project, "--show-error-end", "app/every.py", runtime=runtime)
    seen = editor_view(run.stdout)
    for line, diag in seen:
        assert_intact(line, diag)
    ours = [(line, diag) for line, diag in seen if str(diag.get("code")).startswith("tscrun-")]
    codes = sorted(str(d["code"]) for _, d in ours)
    assert codes == sorted([
        "tscrun-unknown-event", "tscrun-unknown-event",  # a close name, and none
        "tscrun-dynamic-event",
        "tscrun-event-name",
        "tscrun-missing-type", "tscrun-missing-type", "tscrun-missing-type",
        "tscrun-missing-type",  # no module, no class, not a TypedDict, convention hint
    ]), run.stdout
    by_text = {str(d["message"]) for _, d in ours}
    notes = [str(d["message"]) for line, d in seen if ": note: " in line]
    assert any("declared Final" in n for n in notes), run.stdout
    # User text keeps its meaning, with look-alike brackets.
    assert ('unknown event "zzz\uff3b0\uff3d x \uff3btool.tscrun\uff3d"; add it to a '
            "subscriber's events or to events.types in the config") in by_text
    assert ('event name "Bad.Name" does not match the naming convention '
            "^\uff3ba-z_\uff3d+(\\.\uff3ba-z_\uff3d+)+$") in by_text
    assert any(t.endswith("define it there or name the event's TypedDict in the "
                          "events.types table") for t in by_text), by_text
    # mypy's own payload errors next to ours parse as well.
    assert "typeddict-item" in {str(d.get("code")) for _, d in seen}


@pytest.mark.parametrize("kind", sorted(BROKEN_CONFIGS))
def test_config_errors_parse_intact(kind: str, tmp_path: Path, runtime: Path) -> None:
    project = write_project(tmp_path / "project", BROKEN_CONFIGS[kind])
    run = run_mypy(project, "--show-error-end", "app/signup.py", runtime=runtime)
    seen = editor_view(run.stdout)
    assert len(seen) == 2, run.stdout  # both emit calls of the file
    for line, diag in seen:
        assert_intact(line, diag)
        assert diag["code"] == CODES["TSC302"].mypy_code
        assert str(diag["message"]).startswith(
            f"invalid tscrun configuration: {project / 'tscrun.toml'}:")


def test_missing_config_parses_intact(tmp_path: Path, runtime: Path) -> None:
    project = write_project(tmp_path / "project", "")
    (project / "tscrun.toml").unlink()
    run = run_mypy(project, "--show-error-end", "app/signup.py", runtime=runtime)
    seen = editor_view(run.stdout)
    assert len(seen) == 2, run.stdout
    for line, diag in seen:
        assert_intact(line, diag)
        assert "no tscrun config found" in str(diag["message"])
