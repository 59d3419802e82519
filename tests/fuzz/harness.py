"""What the fuzz tests share: budgets, the project generated code lives in, the tools, the checks.

Budgets are small by default so ``make test`` stays fast on two busy cores;
``TSCRUN_FUZZ_LONG=1`` multiplies them for a long run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from hypothesis import HealthCheck, Phase, settings

from tscrun_lint.rules import example_project
from tscrun_lint.base.diagnostic import Diagnostic

from tests.fuzz.generators import BUS_MODULE

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LONG = os.environ.get("TSCRUN_FUZZ_LONG") == "1"

GEN_PACKAGE = "functions/api"
"""Generated modules go here, next to ``bus.py`` (relative imports) and ``names.py``."""

HANG = 120 if LONG else 60
"""Seconds after which one in-process check counts as hung (a guard, not a timing assertion)."""
SUBPROCESS_HANG = 900 if LONG else 300


def budget(default: int, long: int) -> int:
    return long if LONG else default


def fuzz_settings(count: int, shrink: bool = True) -> settings:
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=count, deadline=None, database=None, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


class Hung(Exception):
    pass


@contextlib.contextmanager
def hang_guard(seconds: int = HANG) -> Iterator[None]:
    """Raise ``Hung`` if the body runs for ``seconds`` (main thread only, as pytest runs tests)."""

    def alarm(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


MYPY_INI = """\
[mypy]
plugins = mypy_plugin
python_version = 3.11
follow_imports = silent
"""


def write_project(root: Path, extra_config: str = "") -> Path:
    """The example project plus the emitter re-export used by relative imports; returns root."""
    example_project.write(root, config=example_project.CONFIG + extra_config)
    (root / GEN_PACKAGE / "bus.py").write_text(BUS_MODULE, encoding="utf-8")
    (root / "mypy.ini").write_text(MYPY_INI, encoding="utf-8")
    return root


def runtime_path(where: Path) -> Path:
    """A folder holding only ``tscrun`` and ``mypy_plugin``, for mypy's PYTHONPATH.

    mypy treats PYTHONPATH entries like installed packages, which the editable
    install's import hook would not give it.
    """
    where.mkdir(parents=True, exist_ok=True)
    for package in ("tscrun", "mypy_plugin"):
        link = where / package
        if not link.exists():
            link.symlink_to(REPO / package, target_is_directory=True)
    return where


def python_text(data: bytes) -> str | None:
    """The bytes decoded as Python reads a source file (BOM, coding cookie, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}"
    return str(path)


def env(runtime: Path | None = None) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items()
           if k not in ("TSCRUN_CONFIG", "GITHUB_WORKSPACE", "MYPYPATH", "PYTHONPATH",
                        "MYPY_FORCE_COLOR", "FORCE_COLOR")}
    out["NO_COLOR"] = "1"
    if runtime is not None:
        out["PYTHONPATH"] = str(runtime)
    return out


def run(argv: Sequence[str], cwd: Path, runtime: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=cwd, env=env(runtime), text=True, capture_output=True,
                          timeout=SUBPROCESS_HANG)


def assert_no_crash(proc: subprocess.CompletedProcess[str], ok: tuple[int, ...] = (0, 1)) -> None:
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output[-6000:]
    assert "INTERNAL ERROR" not in output, output[-6000:]
    assert "internal error" not in output, output[-6000:]
    assert proc.returncode in ok, f"exit {proc.returncode}\n{output[-6000:]}"


INTERNAL = re.compile(r"internal error|Traceback", re.IGNORECASE)
DEEP = "nested too deeply"


@dataclass(frozen=True)
class Finding:
    """A diagnostic as the tools print it: comparable across the CLI, flake8 and the API."""

    path: str
    line: int
    column: int
    code: str
    message: str


def finding(d: Diagnostic, root: Path) -> Finding:
    return Finding(d.path.absolute().relative_to(root.absolute()).as_posix(), d.line, d.column,
                   d.code, d.message)


def check_diagnostics(text: str, diagnostics: Sequence[Diagnostic], *, valid: bool) -> None:
    """What must hold for any file: no hidden crash, sane positions, TSC900 only when earned."""
    lines = re.split(r"\r\n|\r|\n", text)
    for d in diagnostics:
        assert not INTERNAL.search(d.message), d
        assert d.code.startswith("TSC") and d.message, d
        assert 1 <= d.line <= max(1, len(lines)), d
        assert d.column >= 1, d
        assert (d.end_line, d.end_column) >= (d.line, d.column), d
        if d.code == "TSC900" and DEEP not in d.message:
            assert not valid, f"TSC900 on a file Python parses: {d}"
