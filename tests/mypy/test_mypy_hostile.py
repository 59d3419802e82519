"""The config parts of issue 11 under real mypy with the plugin: a user's naming regex
cannot stall a check, and source roots outside the project are one config error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mypy.harness import copy_fixture, run_mypy
from tests.mypy.test_mypy_bad_input import MYPY_ONLY, assert_no_crash, only_config_error

pytestmark = pytest.mark.xdist_group("mypy_hostile")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("mypy_minimal", tmp_path / "project")


def test_catastrophic_naming_pattern_does_not_stall_mypy(project: Path, runtime: Path) -> None:
    name = "a" * 40 + "!"  # (a+)+$ on this name: hours for a backtracking engine
    (project / "pyproject.toml").write_text(
        MYPY_ONLY + '\n[tool.tscrun.events]\nnaming = "(a+)+$"\n\n'
        f'[tool.tscrun.events.subscribers.send-welcome-email]\nevents = ["{name}"]\n')
    (project / "app" / "signup.py").write_text(
        f"from tscrun import events\n\n\nasync def go() -> None:\n"
        f"    await events.emit({name!r}, {{}})\n")
    run = run_mypy(project, "app/signup.py", runtime=runtime, timeout=300)
    assert_no_crash(run)
    assert ("app/signup.py", 5, "E",
            f'event name "{name}" does not match the naming convention (a+)+$  '
            "[tscrun-event-name]") in run.messages, run.output


@pytest.mark.parametrize("roots", ['["/"]', '[".."]'])
def test_source_roots_outside_the_project_are_one_config_error(project: Path, runtime: Path,
                                                               roots: str) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'project-name = "mypy-minimal"', f'project-name = "mypy-minimal"\nsource-roots = {roots}'))
    msg = only_config_error(run_mypy(project, ".", runtime=runtime))
    bad = roots.strip('[]"')
    assert msg == (f'invalid tscrun configuration: {pyproject}:5: key tool.tscrun.source-roots: '
                   f'"{bad}" is outside the project folder {project.resolve()}; source roots '
                   f'must lie inside it')


def test_naming_pattern_needing_backtracking_is_one_config_error(project: Path,
                                                                 runtime: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(MYPY_ONLY + '\n[tool.tscrun.events]\nnaming = "(a)\\\\1"\n')
    msg = only_config_error(run_mypy(project, ".", runtime=runtime))
    assert msg.startswith(f"invalid tscrun configuration: {pyproject}:6: "
                          "key tool.tscrun.events.naming: the pattern needs a feature of "
                          "backtracking engines (invalid escape sequence: \\1)"), msg
