"""The oldest mypy that pyproject.toml's ``mypy`` extra admits runs the core cases.

A virtualenv with exactly that mypy (plus the runtime's own dependencies) is
built once under .pytest_cache/ and reused; tscrun and the plugin reach it
through PYTHONPATH, as for the newest mypy.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tests.mypy.harness import REPO, Message, copy_fixture, expected_messages, run_mypy
from tests.mypy.test_mypy_cache_and_daemon import check_dmypy_follows_edits
from tests.mypy.test_mypy_differential import check_agreement

pytestmark = pytest.mark.xdist_group("mypy_oldest")

# Notes whose wording changed after the oldest version (older ones also point
# into tscrun's own source); errors must match exactly.
NOTES_WORDED_DIFFERENTLY = ("defined in", "defined here", "not covered by")


def oldest_mypy() -> str:
    """The lower bound of the ``mypy`` extra, e.g. "1.12" for "mypy>=1.12,<3"."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    (requirement,) = [r for r in project["optional-dependencies"]["mypy"]
                      if r.startswith("mypy")]
    found = re.search(r">=\s*([0-9.]+)", requirement)
    assert found, f"the mypy extra has no lower bound: {requirement}"
    return found.group(1)


def runtime_requirements() -> list[str]:
    return list(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])


@pytest.fixture(scope="module")
def old_python() -> str:
    version = oldest_mypy()
    cache = REPO / ".pytest_cache" / "mypy-oldest"
    cache.mkdir(parents=True, exist_ok=True)
    venv = cache / f"mypy-{version}"
    python = venv / "bin" / "python"
    # Another test run (a colleague's, another xdist worker) may be building it too.
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # The marker names what was installed: a changed dependency list rebuilds it.
        wanted = "\n".join([version, *runtime_requirements()])
        marker = venv / "ready"
        if not marker.exists() or marker.read_text() != wanted:
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", f"mypy=={version}",
                            *runtime_requirements()], check=True, timeout=300)
            marker.write_text(wanted)
    out = subprocess.run([str(python), "-m", "mypy", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith(f"mypy {version}"), out
    return str(python)


def comparable(messages: Counter[Message]) -> Counter[Message]:
    return Counter({m: n for m, n in messages.items()
                    if m[2] == "E" or not any(w in m[3] for w in NOTES_WORDED_DIFFERENTLY)})


def test_fixture_project(old_python: str, tmp_path: Path, runtime: Path) -> None:
    project = copy_fixture("mypy_project", tmp_path / "project")
    run = run_mypy(project, ".", runtime=runtime, python=old_python)
    assert "Traceback" not in run.output and "INTERNAL ERROR" not in run.output, run.output
    assert comparable(run.messages) == comparable(expected_messages(project))


def test_differential(old_python: str, tmp_path: Path, runtime: Path) -> None:
    check_agreement(tmp_path, runtime, old_python)


def test_dmypy(old_python: str, tmp_path: Path, runtime: Path) -> None:
    project = copy_fixture("mypy_minimal", tmp_path / "project")
    check_dmypy_follows_edits(project, tmp_path / "dmypy.json", runtime, old_python)
