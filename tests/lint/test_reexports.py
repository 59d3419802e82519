"""An emitter handed on by a project module is checked by the real CLI and by flake8."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tscrun_lint.rules import example_project

BIN = Path(sys.executable).parent
BUS = "from tscrun import events\n"
USER = 'from .bus import events\n\n\nasync def f() -> None:\n    await events.emit("user.registerd", {})\n'
HINT = 'TSC001 unknown event "user.registerd"; did you mean "user.registered"?'


@pytest.mark.parametrize("tool", ["tscrun-lint", "flake8"])
def test_emit_reexported_by_a_project_module_is_reported(tool: str, tmp_path: Path) -> None:
    example_project.write(tmp_path, USER, files={"functions/api/bus.py": BUS})
    target = str(Path(example_project.EXAMPLE_FILE))
    argv = [str(BIN / tool), target] if tool == "tscrun-lint" else \
        [str(BIN / "flake8"), "--isolated", "--select", "TSC", target]
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert f"{target}:5:23: {HINT}" in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == 1


def test_a_module_named_like_a_reexporter_but_unrelated_is_left_alone(tmp_path: Path) -> None:
    # "bus" imports tscrun, but this file's own `emit` comes from logging: never reported.
    source = ("import logging\nfrom .bus import events as _unused\n\n"
              "logging.Handler().emit(logging.makeLogRecord({}))\n")
    example_project.write(tmp_path, source, files={"functions/api/bus.py": BUS})
    proc = subprocess.run([str(BIN / "tscrun-lint"), example_project.EXAMPLE_FILE], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
