"""One test per bug the fuzz and metamorphic suites found, named after the bug."""

from __future__ import annotations

from pathlib import Path

import pytest

from tscrun.diagnostics import message
from tscrun_lint.rules import example_project
from tscrun_lint.engine.runner import Options
from tscrun_lint.engine.runner import run as run_project

from tests.fuzz.harness import assert_no_crash, hang_guard, run, tool

CONTROL_NAMES = '''\
from tscrun import events

events.emit("user.registered\\n", {})
events.emit("a\\tb.c\\u2028", {})
'''


def test_regression_control_characters_in_event_name_stay_on_one_line(tmp_path: Path) -> None:
    # A raw newline in a message split one diagnostic over two output lines.
    example_project.write(tmp_path, CONTROL_NAMES)
    rel = example_project.EXAMPLE_FILE
    first = f'{rel}:3:13: TSC001 unknown event "user.registered\\n"; did you mean "user.registered"?'
    second = (f'{rel}:4:13: TSC001 unknown event "a\\tb.c\\u2028"; add it to a subscriber\'s '
              "events or to events.types in the config")
    cli = run([tool("tscrun-lint"), rel], tmp_path)
    assert_no_crash(cli)
    assert cli.stdout.splitlines() == [
        first, second, "Found 2 problems in 1 file (1 checked). 1 fixable with --fix."]
    flake8 = run([tool("flake8"), "--select", "TSC", rel], tmp_path)
    assert_no_crash(flake8)
    assert flake8.stdout.splitlines() == [first, second]
    assert message("TSC001", name="x\r\x00y", hint="") == 'unknown event "x\\r\\x00y"'


CYCLE_WELCOME = """\
from functions.subscribers.update_analytics import listen
if flag:
    from functions.subscribers.update_analytics import listen
if not flag:
    from functions.subscribers.update_analytics import listen
"""
CYCLE_ANALYTICS = CYCLE_WELCOME.replace("update_analytics", "send_welcome_email")


def test_regression_import_cycle_with_conditional_reimports_does_not_hang(tmp_path: Path) -> None:
    # Two handler modules importing `listen` from each other, each more than once: the
    # source index followed every binding around the cycle until its depth limit, 2**20
    # and more lookups (34 s with two bindings, hours with three).
    example_project.write(tmp_path, "", files={
        "functions/subscribers/send_welcome_email.py": CYCLE_WELCOME,
        "functions/subscribers/update_analytics.py": CYCLE_ANALYTICS})
    with hang_guard(20):
        outcome = run_project([tmp_path], Options(jobs=1))
    assert [d.code for d in outcome.diagnostics] == []  # a cycle is undecidable: silence


BUS = "from tscrun import events\nfrom tscrun.events import emit\n"



def _tsc001(tmp_path: Path, source: str) -> list[str]:
    example_project.write(tmp_path, source, files={"functions/api/bus.py": BUS})
    outcome = run_project([tmp_path / example_project.EXAMPLE_FILE], Options(jobs=1))
    return [f"{d.code} {d.line}:{d.column}" for d in outcome.diagnostics]


@pytest.mark.parametrize("imports", [
    "from .bus import events", "from functions.api.bus import events",
    "from ..api.bus import events", "from . import bus as events"])
def test_regression_emitter_reexported_by_a_project_module_is_checked(
        imports: str, tmp_path: Path) -> None:
    source = f'{imports}\n\nevents.emit("user.registerd", {{}})\n'
    if imports.endswith("bus as events"):
        source = source.replace("events.emit", "events.events.emit")
    assert _tsc001(tmp_path, source) == ["TSC001 3:13" if "bus as" not in imports else
                                         "TSC001 3:20"]


def test_regression_emit_from_a_star_import_is_checked(tmp_path: Path) -> None:
    source = 'from tscrun.events import *\n\nemit("user.registerd", {})\n'
    assert _tsc001(tmp_path, source) == ["TSC001 3:6"]


@pytest.mark.parametrize("call", ['emit("user.registerd", *args)',
                                  'emit(name="user.registerd", **kw)'])
def test_regression_known_name_with_star_arguments_is_checked(call: str, tmp_path: Path) -> None:
    source = f"from tscrun.events import emit\n\nargs: list = []\nkw: dict = {{}}\n{call}\n"
    assert [f.split()[0] for f in _tsc001(tmp_path, source)] == ["TSC001"]
