"""Running real mypy and dmypy over temp copies of the fixture projects.

Every run is a subprocess of this interpreter's mypy (or of another
interpreter's, for the oldest supported mypy). The runtime and the plugin reach
mypy through PYTHONPATH, as an installed package would: mypy treats PYTHONPATH
entries like site-packages (typed via py.typed, errors in them not reported),
which an editable install's import hook would not give it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
BIN = Path(sys.executable).parent

_MARKER = re.compile(r"#\s*([EN]):\s*(.*?)\s*(?=#\s*[EN]:|$)")
_OUTPUT = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): (?P<kind>error|note): (?P<msg>.*)$")

Message = tuple[str, int, str, str]
"""(path relative to the project, line, "E" or "N", message with its [code])."""


def runtime_path(where: Path) -> Path:
    """A folder holding only ``tscrun`` and ``mypy_plugin``, for PYTHONPATH."""
    where.mkdir(parents=True, exist_ok=True)
    for package in ("tscrun", "mypy_plugin"):
        link = where / package
        if not link.exists():
            link.symlink_to(REPO / package, target_is_directory=True)
    return where


def copy_fixture(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def messages(self) -> Counter[Message]:
        found: Counter[Message] = Counter()
        for line in self.stdout.splitlines():
            m = _OUTPUT.match(line)
            if m:
                kind = "E" if m["kind"] == "error" else "N"
                found[(m["path"], int(m["line"]), kind, m["msg"])] += 1
        return found

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _env(runtime: Path, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MYPYPATH", "TSCRUN_CONFIG", "PYTHONPATH", "MYPY_FORCE_COLOR")}
    env["PYTHONPATH"] = str(runtime)
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def run_mypy(project: Path, *args: str, runtime: Path, cache_dir: Path | None = None,
             python: str = sys.executable, env: dict[str, str] | None = None,
             timeout: float = 300) -> Run:
    """``python -m mypy ARGS`` in ``project``; no cache unless ``cache_dir`` is given."""
    cache = ["--cache-dir", str(cache_dir)] if cache_dir else ["--cache-dir", os.devnull]
    argv = [python, "-m", "mypy", "--no-error-summary", "--no-pretty", *cache, *args]
    proc = subprocess.run(argv, cwd=project, env=_env(runtime, env), text=True,
                          capture_output=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_dmypy(project: Path, status_file: Path, *args: str, runtime: Path,
              python: str = sys.executable, timeout: float = 300) -> Run:
    argv = [python, "-m", "mypy.dmypy", "--status-file", str(status_file), *args]
    proc = subprocess.run(argv, cwd=project, env=_env(runtime, None), text=True,
                          capture_output=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def expected_messages(project: Path, paths: list[str] | None = None) -> Counter[Message]:
    """The ``# E: ...`` and ``# N: ...`` markers written in the project's sources."""
    found: Counter[Message] = Counter()
    for path in sorted(project.rglob("*.py")):
        rel = path.relative_to(project).as_posix()
        if paths is not None and rel not in paths:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            start = _first_marker(line)
            if start is None:
                continue
            for kind, msg in _MARKER.findall(line[start:]):
                found[(rel, number, kind, msg)] += 1
    return found


def _first_marker(line: str) -> int | None:
    m = re.search(r"#\s*[EN]:", line)
    return m.start() if m else None


def by_file(messages: Counter[Message]) -> dict[str, list[Message]]:
    files: dict[str, list[Message]] = {}
    for message, count in sorted(messages.items()):
        files.setdefault(message[0], []).extend([message] * count)
    return files
