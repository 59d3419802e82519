"""The flake8 plugin end to end: same findings as the CLI, with --jobs 1 and 2, and never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, run, tool
from test_cli import EXPECTED

PROJECT = FIXTURES / "lint_project"


def _flake8_lines(stdout: str) -> list[str]:
    return sorted(line.removeprefix("./") for line in stdout.splitlines())


def _cli_file_findings() -> list[str]:
    # flake8 checks Python files only: config-level findings (on tscrun.toml) are the CLI's.
    return sorted(line for line in EXPECTED.splitlines() if not line.startswith("tscrun.toml"))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_same_findings_as_the_cli(jobs: str) -> None:
    proc = run([tool("flake8"), "--select", "TSC", "--jobs", jobs, "."], cwd=PROJECT)
    assert proc.stderr == ""
    assert proc.returncode == 1
    assert _flake8_lines(proc.stdout) == _cli_file_findings()
    assert not (PROJECT / "app" / "IMPORTED").exists()


def test_plugin_is_registered_with_its_option() -> None:
    proc = run([tool("flake8"), "--help"], cwd=PROJECT)
    assert "--tscrun-config" in proc.stdout
    versions = run([tool("flake8"), "--version"], cwd=PROJECT)
    assert "tscrun: 0.1.0" in versions.stdout


def test_config_from_flake8_settings(tmp_path: Path,
                                     project_copy: Callable[[str], Path]) -> None:
    root = project_copy("lint_project")
    # Rename the config so discovery cannot find it; flake8's own settings name it.
    (root / "tscrun.toml").rename(root / "lint-events.toml")
    (root / "setup.cfg").write_text("[flake8]\ntscrun-config = lint-events.toml\n")
    for jobs in ("1", "2"):
        proc = run([tool("flake8"), "--select", "TSC", "--jobs", jobs, "app"], cwd=root)
        assert _flake8_lines(proc.stdout) == _cli_file_findings(), jobs
    # and from the command line, overriding a broken value in setup.cfg
    (root / "setup.cfg").write_text("[flake8]\ntscrun-config = nowhere.toml\n")
    proc = run([tool("flake8"), "--select", "TSC", "--tscrun-config", "lint-events.toml", "app"],
               cwd=root)
    assert _flake8_lines(proc.stdout) == _cli_file_findings()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_broken_config_is_tsc302_on_files_that_emit(jobs: str,
                                                     project_copy: Callable[[str], Path]) -> None:
    root = project_copy("lint_project")
    (root / "tscrun.toml").write_text('[events]\nnaming = "(unclosed"\n')
    proc = run([tool("flake8"), "--select", "TSC", "--jobs", jobs, "."], cwd=root)
    assert "Traceback" not in proc.stderr and proc.stderr == ""
    lines = _flake8_lines(proc.stdout)
    files = sorted({line.split(":")[0] for line in lines})
    assert files == ["app/api/aliases.py", "app/api/dynamic.py", "app/api/naming.py",
                     "app/api/noqa.py", "app/api/orders.py", "app/boom.py"]
    assert len(lines) == len(files)  # once per file, at its first emit
    assert lines[-1] == (
        f"app/boom.py:12:11: TSC302 invalid tscrun configuration: {root / 'tscrun.toml'}:2: "
        "[events.naming] invalid regular expression: missing ), unterminated subpattern at "
        "position 0")


def test_files_without_tscrun_cost_nothing_and_report_nothing(tmp_path: Path) -> None:
    # No tscrun config anywhere: ordinary code (with other emit methods) stays silent.
    (tmp_path / "mod.py").write_text(
        "import logging\n\n\ndef f(h: logging.Handler) -> None:\n"
        "    h.emit(logging.makeLogRecord({}))\n")
    proc = run([tool("flake8"), "--select", "TSC", "mod.py"], cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_demo_app() -> None:
    proc = run([tool("flake8"), "--select", "TSC", "--jobs", "2", "."], cwd=FIXTURES / "demo_app")
    assert [line.split(": ")[0] + ": " + line.split(": ")[1].split()[0]
            for line in _flake8_lines(proc.stdout)] == [
        "functions/api/orders.py:5:35: TSC101",
        "functions/api/signup_page.py:6:23: TSC001",
        "functions/subscribers/send_welcome_email.py:11:25: TSC202",
    ]


def test_plugin_follows_flake8_selection() -> None:
    # Codes flake8 would discard are not computed at all (this keeps `flake8 --select F` fast).
    for argv in (["--select", "F"], ["--extend-ignore", "TSC"], ["--select", "E,TSC1"]):
        proc = run([tool("flake8"), *argv, "app/api/orders.py"], cwd=PROJECT)
        codes = {line.split(": ")[1].split()[0] for line in proc.stdout.splitlines()}
        tsc = {c for c in codes if c.startswith("TSC")}
        expected = {"TSC101", "TSC102", "TSC103", "TSC104", "TSC105"} if "E,TSC1" in argv else set()
        assert tsc == expected, argv
