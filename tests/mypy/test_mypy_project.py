"""mypy with the plugin over fixtures/mypy_project: exactly the inline # E:/# N: markers.

One mypy run (no cache) covers every file; each file is its own test so a
failure names the file and shows the difference.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mypy.harness import (
    FIXTURES,
    Run,
    by_file,
    copy_fixture,
    expected_messages,
    run_mypy,
)
from tscrun.diagnostics import CODES

pytestmark = pytest.mark.xdist_group("mypy_project")

PROJECT = FIXTURES / "mypy_project"
FILES = sorted(p.relative_to(PROJECT).as_posix() for p in PROJECT.rglob("*.py"))


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory, runtime: Path) -> tuple[Run, Path]:
    project = copy_fixture("mypy_project", tmp_path_factory.mktemp("mypy") / "project")
    return run_mypy(project, ".", runtime=runtime), project


def test_mypy_runs_cleanly(checked: tuple[Run, Path]) -> None:
    run, _ = checked
    assert run.returncode == 1, run.output
    assert run.stderr == ""
    assert "INTERNAL ERROR" not in run.stdout and "Traceback" not in run.stdout


@pytest.mark.parametrize("path", FILES)
def test_file_gets_exactly_its_markers(checked: tuple[Run, Path], path: str) -> None:
    run, project = checked
    expected = by_file(expected_messages(project)).get(path, [])
    assert by_file(run.messages).get(path, []) == expected


def test_no_message_outside_the_fixture_files(checked: tuple[Run, Path]) -> None:
    run, _ = checked
    assert {m[0] for m in run.messages} <= set(FILES)


def test_every_emit_code_is_exercised() -> None:
    # TSC302 (a broken config) needs its own project: test_mypy_bad_input.py.
    codes = {f"[{c.mypy_code}]" for c in CODES.values()
             if c.mypy_code and c.mypy_code.startswith("tscrun-") and c.code != "TSC302"}
    written = {msg.rsplit("  ", 1)[-1] for (_, _, _, msg) in expected_messages(PROJECT)}
    assert codes <= written
    assert {"[typeddict-item]", "[typeddict-unknown-key]", "[arg-type]"} <= written
