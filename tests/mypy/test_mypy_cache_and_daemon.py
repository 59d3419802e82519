"""Results follow edits of the tscrun config and of payload TypedDicts.

With mypy's incremental cache, and under ``dmypy run`` (which must neither need
a manual restart after a config edit nor miss emit sites in other modules
after a TypedDict edit). Each test edits a temp copy of fixtures/mypy_minimal,
whose app/signup.py emits without importing any TypedDict, and app/relay.py
without even importing tscrun.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.mypy.harness import Run, copy_fixture, run_dmypy, run_mypy

pytestmark = pytest.mark.xdist_group("mypy_cache")

SIGNUP = "app/signup.py"
UNKNOWN_VERIFIED = (SIGNUP, 10, "E", 'unknown event "user.verified"; add it to a subscriber\'s '
                    "events or to events.types in the config  [tscrun-unknown-event]")
UNKNOWN_RELAYED = ("app/relay.py", 6, "E", *UNKNOWN_VERIFIED[3:])
MISSING_VERIFIED_AT = (SIGNUP, 10, "E",
                       'Missing key "verifiedAt" for TypedDict "UserVerifiedEvent"  [typeddict-item]')
MISSING_RELAYED = ("app/relay.py", 6, "E", *MISSING_VERIFIED_AT[3:])


def rename_verified_event(project: Path) -> None:
    config = project / "pyproject.toml"
    text = config.read_text()
    config.write_text(text.replace('"user.registered", "user.verified"',
                                   '"user.registered", "user.confirmed"'))


def add_verified_at(project: Path) -> None:
    module = project / "events" / "user_verified.py"
    module.write_text(module.read_text() + "    verifiedAt: str\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("mypy_minimal", tmp_path / "project")


def test_incremental_mypy_follows_a_config_edit(project: Path, tmp_path: Path,
                                                runtime: Path) -> None:
    cache = tmp_path / "cache"
    first = run_mypy(project, ".", runtime=runtime, cache_dir=cache)
    assert (first.returncode, first.messages) == (0, {}), first.output
    rename_verified_event(project)
    second = run_mypy(project, "--verbose", ".", runtime=runtime, cache_dir=cache)
    assert sorted(second.messages) == [UNKNOWN_RELAYED, UNKNOWN_VERIFIED], second.output
    # Only the project's modules depend on the config: the rest stays cached.
    assert "Metadata abandoned for app.signup" in second.stderr
    assert "Metadata abandoned for builtins" not in second.stderr
    assert "Metadata fresh for builtins" in second.stderr


def test_incremental_mypy_follows_a_typed_dict_edit(project: Path, tmp_path: Path,
                                                    runtime: Path) -> None:
    cache = tmp_path / "cache"
    assert run_mypy(project, ".", runtime=runtime, cache_dir=cache).returncode == 0
    add_verified_at(project)
    second = run_mypy(project, ".", runtime=runtime, cache_dir=cache)
    assert sorted(second.messages) == [MISSING_RELAYED, MISSING_VERIFIED_AT], second.output


def test_dmypy_follows_config_and_typed_dict_edits(project: Path, tmp_path: Path,
                                                   runtime: Path) -> None:
    check_dmypy_follows_edits(project, tmp_path / "dmypy.json", runtime, sys.executable)


def check_dmypy_follows_edits(project: Path, status: Path, runtime: Path, python: str) -> None:
    """A TypedDict edit re-checks the emit site elsewhere; a config edit restarts the daemon."""
    def run() -> Run:
        return run_dmypy(project, status, "run", "--", ".", runtime=runtime, python=python)

    try:
        first = run()
        assert (first.returncode, first.messages) == (0, {}), first.output

        add_verified_at(project)
        after_typed_dict = run()
        assert sorted(after_typed_dict.messages) == [MISSING_RELAYED, MISSING_VERIFIED_AT], after_typed_dict.output
        assert "Restarting" not in after_typed_dict.stdout  # fine-grained, not a restart

        rename_verified_event(project)
        after_config = run()
        assert sorted(after_config.messages) == [UNKNOWN_RELAYED, UNKNOWN_VERIFIED], after_config.output
        assert "Restarting: plugins changed" in after_config.stdout

        unchanged = run()
        assert sorted(unchanged.messages) == [UNKNOWN_RELAYED, UNKNOWN_VERIFIED], unchanged.output
        assert "Restarting" not in unchanged.stdout
    finally:
        run_dmypy(project, status, "stop", runtime=runtime, python=python)
