"""The pre-commit hook, installed by the real `pre-commit try-repo` from this repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, run, tool


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.xdist_group("pre-commit")
def test_hook_checks_changed_files_and_the_whole_project_when_the_config_changes(
        tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "lint_project", work,
                    ignore=shutil.ignore_patterns("__pycache__", "IMPORTED"))
    _git("init", "-q", cwd=work)
    _git("add", ".", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init", cwd=work)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
           "NO_COLOR": "1"}

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return run([tool("pre-commit"), "try-repo", str(REPO), "tscrun-lint", "--color", "never",
                    "--files", *files], cwd=work, env=env)

    # One changed file: only its findings, judged against the project's TypedDicts.
    proc = hook("app/api/aliases.py")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "tscrun-lint" in out and "Failed" in out
    assert 'app/api/aliases.py:19:38: TSC101 payload for "user.joined" is missing required key(s) ' \
           '"plan" of "UserJoined"' in out
    assert "app/api/orders.py" not in out and "tscrun.toml:" not in out
    assert "Found 2 problems in 1 file (1 checked)." in out

    # The config among the changed files: the whole project, config-level findings included.
    proc = hook("tscrun.toml", "app/api/aliases.py")
    out = proc.stdout
    assert proc.returncode == 1
    assert "app/api/orders.py:35:23: TSC001" in out
    assert "tscrun.toml:16:11: TSC201" in out
    assert "Found 18 problems in 8 files (14 checked)." in out, out

    # A clean file passes.
    proc = hook("app/names.py")
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout
