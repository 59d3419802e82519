"""Helpers for the end-to-end tests: the real console scripts, run in subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}"
    return str(path)


def run(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("TSCRUN_CONFIG", "GITHUB_WORKSPACE")}
    full_env.update(env or {})
    return subprocess.run(list(argv), cwd=cwd, env=full_env, text=True, capture_output=True, check=False,
                          input=stdin, timeout=300)


def lint(*args: str, cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return run([tool("tscrun-lint"), *args], cwd=cwd, env=env)


@pytest.fixture
def project_copy(tmp_path: Path) -> Callable[[str], Path]:
    """Copies a fixture project to a temporary folder (tests that write use the copy)."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(FIXTURES / name, dest,
                        ignore=shutil.ignore_patterns("__pycache__", "IMPORTED"))
        return dest
    return copy

