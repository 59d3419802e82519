"""Bad input never crashes mypy: a broken or missing config is one clear error
naming the file, at every emit call (so each emitting file says why it goes
unchecked); calls of any shape are left to mypy's own checks.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from tests.mypy.harness import Run, copy_fixture, run_mypy

pytestmark = pytest.mark.xdist_group("mypy_bad_input")

MYPY_ONLY = '[tool.mypy]\nplugins = ["mypy_plugin"]\npython_version = "3.11"\n'
SECOND_EMITTER = '''from tscrun import events


async def again() -> None:
    await events.emit("user.registered", {"id": "u-1", "email": "a@example.com"})
'''


def assert_no_crash(run: Run) -> None:
    assert "Traceback" not in run.output, run.output
    assert "INTERNAL ERROR" not in run.output, run.output
    assert run.returncode in (0, 1), run.output


# Every emit call of fixtures/mypy_minimal.
EMIT_SITES = {("app/signup.py", 6), ("app/signup.py", 10), ("app/relay.py", 6)}


def only_config_error(run: Run, sites: set[tuple[str, int]] = EMIT_SITES) -> str:
    """The one message of the run, a tscrun-config error given once at each emit call."""
    assert_no_crash(run)
    assert {(path, line) for path, line, _, _ in run.messages} == sites, run.output
    assert sum(run.messages.values()) == len(sites), run.output
    assert {kind for _, _, kind, _ in run.messages} == {"E"}, run.output
    texts = {msg for _, _, _, msg in run.messages}
    assert len(texts) == 1, run.output
    msg = texts.pop()
    assert msg.endswith("  [tscrun-config]"), run.output
    return msg.removesuffix("  [tscrun-config]")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("mypy_minimal", tmp_path / "project")


def move_config_to_tscrun_toml(project: Path, text: str) -> Path:
    (project / "pyproject.toml").write_text(MYPY_ONLY)
    config = project / "tscrun.toml"
    config.write_text(text)
    return config


def test_broken_toml_is_one_error_naming_the_file(project: Path, tmp_path: Path,
                                                  runtime: Path) -> None:
    config = move_config_to_tscrun_toml(
        project, '[events.subscribers.send-welcome-email]\nevents = ["user.registered",\n')
    cache = tmp_path / "cache"
    first = only_config_error(run_mypy(project, ".", runtime=runtime, cache_dir=cache))
    assert first.startswith(f"invalid tscrun configuration: {config}:"), first
    assert "invalid TOML" in first
    # The same errors from the cache, and in another emitting module when it appears.
    assert only_config_error(run_mypy(project, ".", runtime=runtime, cache_dir=cache)) == first
    (project / "app" / "again.py").write_text(SECOND_EMITTER)
    again = only_config_error(run_mypy(project, ".", runtime=runtime, cache_dir=cache),
                              EMIT_SITES | {("app/again.py", 5)})
    assert again == first


def test_invalid_value_names_file_line_and_key(project: Path, runtime: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(MYPY_ONLY + "\n[tool.tscrun.events]\n"
                         'naming = "(["\n')  # line 6
    msg = only_config_error(run_mypy(project, ".", runtime=runtime))
    # The key is named without brackets: editors read `` [`` as the start of mypy's code.
    assert msg == (f"invalid tscrun configuration: {pyproject}:6: key tool.tscrun.events.naming: "
                   "invalid regular expression: unterminated character set at position 1")


def test_missing_config_is_one_error_naming_the_folder(project: Path, runtime: Path) -> None:
    (project / "pyproject.toml").write_text(MYPY_ONLY)
    msg = only_config_error(run_mypy(project, ".", runtime=runtime))
    # Discovery starts from each checked file's folder, as tscrun-lint's does.
    assert msg.startswith(f"invalid tscrun configuration: no tscrun config found in {project}"), msg
    assert msg.endswith(" or any parent folder; create tscrun.toml or add \uff3btool.tscrun\uff3d "
                        "to pyproject.toml (or set TSCRUN_CONFIG)"), msg


def test_missing_explicit_config(project: Path, runtime: Path) -> None:
    missing = project / "nowhere.toml"
    run = run_mypy(project, ".", runtime=runtime, env={"TSCRUN_CONFIG": str(missing)})
    assert only_config_error(run) == (
        f"invalid tscrun configuration: {missing}: config file does not exist")


def test_config_found_from_mypy_config_folder(project: Path, tmp_path: Path,
                                              runtime: Path) -> None:
    # Run from elsewhere: the tscrun config sits next to mypy's config file.
    (project / "app" / "signup.py").write_text(SECOND_EMITTER.replace("user.registered",
                                                                      "user.registerd"))
    run = run_mypy(tmp_path, "--config-file", str(project / "pyproject.toml"),
                   str(project), runtime=runtime)
    assert_no_crash(run)
    assert [m[3] for m in run.messages] == [
        'unknown event "user.registerd"; did you mean "user.registered"?  [tscrun-unknown-event]']


def test_config_found_from_working_directory(project: Path, tmp_path: Path,
                                             runtime: Path) -> None:
    # mypy's config lives in a folder with no tscrun config: fall back to the cwd.
    elsewhere = tmp_path / "shared-config"
    elsewhere.mkdir()
    (elsewhere / "mypy.ini").write_text("[mypy]\nplugins = mypy_plugin\n")
    (project / "pyproject.toml").rename(project / "tscrun.toml")
    text = (project / "tscrun.toml").read_text().replace("[tool.tscrun.", "[").replace(
        "[tool.tscrun]", "").split("[tool.mypy]")[0]
    (project / "tscrun.toml").write_text(text)
    (project / "app" / "signup.py").write_text(SECOND_EMITTER.replace("user.registered",
                                                                      "user.registerd"))
    run = run_mypy(project, "--config-file", str(elsewhere / "mypy.ini"), ".", runtime=runtime)
    assert_no_crash(run)
    assert [m[3] for m in run.messages] == [
        'unknown event "user.registerd"; did you mean "user.registered"?  [tscrun-unknown-event]']


NAMES = ['"user.registered"', '"user.registerd"', "KNOWN", "name", "3", "*args", "**kwargs"]
DATA = ['{"id": "u", "email": "e"}', "{}", "payload", "None", "dict(id=1)", "*args",
        "**kwargs", "**{}"]
EXTRA = ["", "3", "name=KNOWN", "data=payload", "extra=1", "*args", "**kwargs"]
CALLEES = ["events.emit", "emit", "dispatcher.emit", "Dispatcher.emit"]


def odd_calls() -> list[str]:
    calls = ["emit()", "events.emit()", "dispatcher.emit()", "emit(name=KNOWN)",
             "emit(data=payload)", "emit(data=payload, name=KNOWN)", "emit(*args, *args)",
             "emit(**kwargs, name=KNOWN)", "emit(KNOWN, data=payload, name=KNOWN)"]
    for callee, name, data, extra in itertools.product(CALLEES, NAMES, DATA, EXTRA):
        args = [a for a in (name, data, extra) if a]
        if callee == "Dispatcher.emit":
            args.insert(0, "dispatcher")
        call = f"{callee}({', '.join(args)})"
        if _parses(call):  # only calls Python accepts: mypy must type-check them
            calls.append(call)
    return calls


def _parses(call: str) -> bool:
    try:
        ast.parse(call)
    except SyntaxError:
        return False
    return True


def test_odd_calls_never_crash_mypy(project: Path, runtime: Path) -> None:
    calls = odd_calls()
    lines = ["from typing import Any, Final", "from tscrun import Dispatcher, events",
             "from tscrun.events import emit", "KNOWN: Final = 'user.registered'",
             "async def odd(name: str, payload: Any, args: tuple[Any, ...], "
             "kwargs: dict[str, Any], dispatcher: Dispatcher) -> None:"]
    lines += [f"    await {call}" for call in calls]
    (project / "app" / "odd.py").write_text("\n".join(lines) + "\n")
    run = run_mypy(project, ".", runtime=runtime)
    assert_no_crash(run)
    assert len(calls) > 1000
    # Every call reached mypy's checks: each known-bad shape was reported somewhere.
    assert "[tscrun-unknown-event]" in run.stdout and "[call-arg]" in run.stdout
