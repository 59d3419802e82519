"""The real mypy daemon after config edits: never silently stale findings.

``dmypy run`` restarts by itself (test_mypy_cache_and_daemon.py).
``dmypy check`` and ``dmypy recheck`` re-check only modules whose files
changed; in those, every emit call says that the config changed and what to
run. A broken config shows at every emit call of every file, also in files
checked later.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pylsp_mypy.plugin import parse_line

from tests.mypy.harness import Run, copy_fixture, run_dmypy
from tests.mypy.test_mypy_cache_and_daemon import (
    UNKNOWN_RELAYED,
    UNKNOWN_VERIFIED,
    rename_verified_event,
)

pytestmark = pytest.mark.xdist_group("mypy_daemon")

SIGNUP_SITES = [("app/signup.py", 6), ("app/signup.py", 10)]
RELAY_SITES = [("app/relay.py", 6)]


class Daemon:
    def __init__(self, project: Path, status: Path, runtime: Path) -> None:
        self.project, self.status, self.runtime = project, status, runtime

    def __call__(self, *args: str) -> Run:
        run = run_dmypy(self.project, self.status, *args, runtime=self.runtime)
        assert "Traceback" not in run.output and "INTERNAL ERROR" not in run.output, run.output
        return run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("mypy_minimal", tmp_path / "project")


@pytest.fixture
def dmypy(project: Path, tmp_path: Path, runtime: Path) -> Iterator[Daemon]:
    daemon = Daemon(project, tmp_path / "dmypy.json", runtime)
    try:
        yield daemon
    finally:
        daemon("stop")


def touch_module(project: Path, rel: str) -> None:
    path = project / rel
    path.write_text(path.read_text() + "# edited\n")


def stale_errors(run: Run, config: Path) -> list[tuple[str, int]]:
    """The sites of the run's stale-config errors, after checking their words."""
    sites = []
    for (path, line, kind, msg), count in run.messages.items():
        if "changed after the mypy daemon read it" in msg:
            assert (kind, count) == ("E", 1)
            assert msg == (f'invalid tscrun configuration: {config} changed after the mypy '
                           'daemon read it; run "dmypy restart" to check against it (dmypy run '
                           "restarts by itself)  [tscrun-config]"), msg
            # and an editor reads it whole (see test_mypy_editor_messages.py)
            diag = parse_line(f"{path}:{line}: error: {msg}")
            assert diag is not None and diag["code"] == "tscrun-config", msg
            assert diag["message"] == msg.removesuffix("  [tscrun-config]"), msg
            sites.append((path, line))
    return sorted(sites)


def test_check_after_a_config_edit_flags_every_emit_it_rechecks(project: Path,
                                                                dmypy: Daemon) -> None:
    first = dmypy("run", "--", ".")
    assert (first.returncode, first.messages) == (0, {}), first.output
    rename_verified_event(project)

    touch_module(project, "app/signup.py")
    checked = dmypy("check", ".")
    assert stale_errors(checked, project / "pyproject.toml") == SIGNUP_SITES, checked.output
    assert checked.returncode == 1

    touch_module(project, "app/relay.py")
    rechecked = dmypy("recheck")
    assert stale_errors(rechecked, project / "pyproject.toml") == sorted(
        RELAY_SITES + SIGNUP_SITES), rechecked.output

    # The command the error names gives the right findings.
    dmypy("restart", "--", ".")
    after = dmypy("check", ".")
    assert sorted(after.messages) == [UNKNOWN_RELAYED, UNKNOWN_VERIFIED], after.output


def test_broken_config_shows_in_every_emitting_file_checked_later(project: Path,
                                                                  dmypy: Daemon) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace("[tool.tscrun.events.subscribers",
                                                 "[tool.tscrun.events.subscriber"))
    broken = dmypy("run", "--", "app/signup.py")
    assert sorted((p, line) for p, line, _, _ in broken.messages) == SIGNUP_SITES, broken.output
    later = dmypy("check", "app/signup.py", "app/relay.py")
    sites = sorted((p, line) for p, line, _, _ in later.messages)
    assert sites == sorted(SIGNUP_SITES + RELAY_SITES), later.output
    assert all('unknown key "subscriber"' in msg and msg.endswith("  [tscrun-config]")
               for _, _, _, msg in later.messages), later.output
