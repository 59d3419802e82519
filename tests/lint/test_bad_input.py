"""Bad input never crashes the analyzer: broken configs stop it cleanly (exit 2), bad files are TSC900."""

from __future__ import annotations

import re

import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, lint, run, tool

GOOD_FILE = '''\
from tscrun import events


async def join() -> None:
    await events.emit("user.joined", {"userId": "u1"})
'''


def _project(root: Path, config: str, name: str = "tscrun.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(config)
    (root / "events").mkdir(exist_ok=True)
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "user_joined.py").write_text(
        "from typing import TypedDict\n\n\nclass UserJoinedEvent(TypedDict):\n    userId: str\n")
    (root / "app.py").write_text(GOOD_FILE)
    return root


@pytest.mark.parametrize(("config", "expected"), [
    pytest.param('[events.subscribers.a]\nevents = ["user.joined"\n',
                 "tscrun.toml:2: invalid TOML: ", id="toml-error"),
    pytest.param('[events]\nmax-atempts = 5\n',
                 'tscrun.toml:2: [events.max-atempts] unknown key "max-atempts"; did you mean '
                 '"max-attempts"?', id="unknown-key"),
    pytest.param('[events]\nvalidate-payloads = "yes"\n',
                 "tscrun.toml:2: [events.validate-payloads] expected true or false, got a string",
                 id="wrong-type"),
    pytest.param('[events]\nnaming = "^[a-z"\n',
                 "tscrun.toml:2: [events.naming] invalid regular expression: ", id="bad-regex"),
])
def test_broken_config_is_one_message_and_exit_2(tmp_path: Path, config: str,
                                                  expected: str) -> None:
    root = _project(tmp_path / "proj", config)
    proc = lint(cwd=root)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"tscrun-lint: error: {root / expected.split(':', 1)[0]}:")
    assert expected.split(" ", 1)[0].split(":", 1)[1] in line  # the line number
    assert expected.split(" ", 1)[1] in line  # the key and the message


def test_broken_config_in_pyproject_names_the_tool_table_key(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", '[tool.tscrun]\nprovider = "gcp"\n', "pyproject.toml")
    proc = lint(cwd=root)
    assert proc.returncode == 2
    assert proc.stderr == (f"tscrun-lint: error: {root / 'pyproject.toml'}:2: [tool.tscrun.provider] "
                           f'expected "local", "redis" or "aws", got "gcp"\n')


def test_no_config_at_all(tmp_path: Path) -> None:
    root = tmp_path / "no_config"
    root.mkdir()
    (root / "app.py").write_text(GOOD_FILE)
    proc = lint("app.py", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"tscrun-lint: error: app.py: no tscrun config found in {root} or any parent folder; "
        "create tscrun.toml or add [tool.tscrun] to pyproject.toml, or pass --config\n")


def test_missing_explicit_config(tmp_path: Path) -> None:
    proc = lint("--config", "nope.toml", ".", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (
        2, "tscrun-lint: error: nope.toml: config file does not exist\n")


def test_explicit_config_from_the_environment(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", '[events.subscribers.a]\nevents = ["user.joined"]\n'
                    'handler = "app:join"\n', "elsewhere.toml")
    (root / "app.py").write_text(GOOD_FILE.replace("user.joined", "user.joind"))
    proc = lint("app.py", cwd=root, env={"TSCRUN_CONFIG": str(root / "elsewhere.toml")})
    assert proc.returncode == 1
    assert proc.stdout.startswith('app.py:5:23: TSC001 unknown event "user.joind"; did you mean '
                                  '"user.joined"?\n')


def test_unreadable_files_among_good_ones() -> None:
    proc = lint(cwd=FIXTURES / "lint_bad_files")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout == (
        'a_good.py:5:23: TSC001 unknown event "user.joind"; did you mean "user.joined"?\n'
        "b_broken_syntax.py:5:22: TSC900 could not check this file: syntax error: '(' was never "
        "closed\n"
        "c_mis_encoded.py:3:12: TSC900 could not check this file: not valid utf-8 text (byte "
        "b'\\xe9'); save it as UTF-8 or declare its encoding\n"
        'd_declared_latin1.py:8:55: TSC102 payload for "user.joined" has key(s) "extra" not '
        'declared in "UserJoinedEvent"\n'
        'e_good.py:5:38: TSC101 payload for "user.joined" is missing required key(s) "userId" of '
        '"UserJoinedEvent"\n'
        "Found 5 problems in 5 files (8 checked). 1 fixable with --fix.\n")


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_absurdly_nested_expressions_do_not_crash(tmp_path: Path, depth: int) -> None:
    root = _project(tmp_path / "proj", '[events.subscribers.a]\nevents = ["user.joined"]\n'
                    'handler = "app:join"\n')
    nested = "[" * depth + "]" * depth
    (root / "deep.py").write_text(
        "from tscrun import events\n\n\nasync def go() -> None:\n"
        f'    await events.emit("user.joined", {{"userId": {nested}}})\n'
        f"    x = {'(' * depth}1{')' * depth}\n")
    (root / "later.py").write_text(GOOD_FILE.replace("user.joined", "user.joind"))
    proc = lint(".", cwd=root)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    # the file after the deep one is still checked
    assert 'later.py:5:23: TSC001 unknown event "user.joind"; did you mean "user.joined"?' in lines
    deep = [line for line in lines if line.startswith("deep.py:")]
    assert len(deep) == 1
    assert deep[0].split(": ")[1].split()[0] in ("TSC900", "TSC103")


def test_the_flake8_plugin_survives_deep_nesting_too(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", '[events.subscribers.a]\nevents = ["user.joined"]\n'
                    'handler = "app:join"\n')
    depth = 150  # deeper than this, CPython's own parser (run by flake8) gives up first
    (root / "deep.py").write_text(
        "from tscrun import events\n\n\nasync def go() -> None:\n"
        f'    await events.emit("user.joined", {{"userId": {"[" * depth}{"]" * depth}}})\n')
    proc = run([tool("flake8"), "--select", "TSC", "deep.py"], cwd=root)
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("deep.py:5:49: TSC103 ")


def test_checked_code_is_never_executed(tmp_path: Path, project_copy) -> None:  # type: ignore[no-untyped-def]
    root = project_copy("lint_project")
    canary = tmp_path / "EXECUTED"
    (root / "app" / "api" / "canary.py").write_text(
        "from pathlib import Path\n"
        "from tscrun import events\n"
        f"Path({str(canary)!r}).write_text('ran')\n"
        "events.emit('order.placed', {})\n")
    (root / "app" / "payloads.py").write_text(
        f"from pathlib import Path\nPath({str(canary)!r}).write_text('ran')\n"
        + (FIXTURES / "lint_project" / "app" / "payloads.py").read_text())
    for argv in ([tool("tscrun-lint")], [tool("flake8"), "--select", "TSC", "--jobs", "2"],
                 [sys.executable, "-m", "tscrun_lint", "--format", "json"]):
        proc = run(argv, cwd=root)
        assert proc.returncode == 1, proc.stderr
        assert "canary.py:4:29: TSC101" in proc.stdout or '"path": "app/api/canary.py"' in \
            proc.stdout
    assert not canary.exists()
    assert not (root / "app" / "IMPORTED").exists()


def test_chains_too_deep_for_libcst_are_tsc900_word_for_word(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", '[events.subscribers.a]\nevents = ["user.joined"]\n'
                    'handler = "app:join"\n')
    chain = " and ".join(["a"] * 2_001)
    (root / "chain.py").write_text(
        "from tscrun import events\n\n\n"
        f"def go(a: bool) -> None:\n    events.emit('user.joined', {{'userId': {chain}}})\n")
    proc = lint("chain.py", cwd=root)
    # reported inside the chain, where it takes the tree past the limit
    m = re.fullmatch(r"chain\.py:5:(\d+): (.*)", proc.stdout.splitlines()[0])
    assert m and 45 < int(m.group(1)) < len(chain), proc.stdout
    assert m.group(2) == (
        "TSC900 could not check this file: expression nested too deeply to analyse (more than "
        "400 levels of operators, calls, subscripts or brackets); split it into steps")


def test_unknown_event_without_a_close_name_says_where_to_declare_it(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", '[events.subscribers.a]\nevents = ["user.joined"]\n'
                    'handler = "app:join"\n')
    (root / "billing.py").write_text("from tscrun import events\nevents.emit('invoice.paid', {})\n")
    proc = lint("billing.py", cwd=root)
    assert proc.stdout == (
        "billing.py:2:13: TSC001 unknown event \"invoice.paid\"; add it to a subscriber's events or "
        "to events.types in the config\nFound 1 problem in 1 file (1 checked).\n")
