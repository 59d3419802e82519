"""Benchmark tscrun-lint and its flake8 plugin against ruff and flake8, in one run.

Two corpora, both built under bench/.cache/ (git-ignored):

- real: ~1,800 Python files that never use tscrun: wheels of Django, SQLAlchemy,
  Celery, Flask and rich fetched with ``pip download``, plus part of the standard
  library. tscrun-lint must report nothing, within 2x of ``ruff check --select F``.
- emit: a generated project of 300 modules that all emit (a few with mistakes, as
  real code has). tscrun-lint must take at most half the time of
  ``flake8 --select F`` on the same files.

And the flake8 plugin's overhead: ``flake8 --select F,TSC`` against ``flake8 --select F``
run from a separate environment where the plugin is not installed (at most 2% on the
real code, 30% on the emit project).

Cost must follow the emit sites, not file size:

- large: the largest real module of the corpus (8,000+ lines) with one faulty emit
  appended: ``tscrun-lint`` on it no slower than ``flake8 --select F`` on it; and the
  real corpus with that file among it, within 2x of ``ruff check --select F``;
- huge: a generated 100,000-line module with a few emits, one faulty: under 10 s and
  500 MB peak memory.

Every figure is the best wall time of N runs of the real command in a subprocess,
all measured in this one run. ``--quick`` runs each command once.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent

WHEELS = ("django==5.1.4", "sqlalchemy==2.0.36", "celery==5.4.0", "flask==3.1.0", "rich==13.9.4")
REAL_FILES = 1_800
STDLIB_PACKAGES = ("asyncio", "email", "json", "http", "logging", "concurrent", "importlib",
                   "xml", "unittest", "urllib", "multiprocessing", "sqlite3", "zoneinfo",
                   "wsgiref", "collections", "tomllib", "venv", "ensurepip", "html", "xmlrpc",
                   "dbm", "curses", "ctypes", "tkinter", "idlelib")
EMIT_MODULES = 300
MISTAKE_EVERY = 50  # two modules in every fifty carry a mistake (4%)


# --- corpora ---------------------------------------------------------------------------

def build_real() -> Path:
    """Third-party wheels plus stdlib modules, ``REAL_FILES`` .py files in all."""
    root = CACHE / "real"
    if root.is_dir() and sum(1 for _ in root.rglob("*.py")) == REAL_FILES:
        return root
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "--only-binary", ":all:", "--dest", str(wheels), *WHEELS], check=True)
    shutil.rmtree(root, ignore_errors=True)
    count = 0
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as zf:
            for name in sorted(zf.namelist()):
                if name.endswith(".py") and ".data/" not in name:
                    dest = root / wheel.name.split("-")[0].lower() / name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(zf.read(name))
                    count += 1
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    candidates = sorted(p for p in stdlib.glob("*.py"))
    for package in STDLIB_PACKAGES:
        candidates += sorted(p for p in (stdlib / package).rglob("*.py")
                             if not any("test" in part for part in p.relative_to(stdlib).parts))
    for src in candidates:
        if count >= REAL_FILES:
            break
        dest = root / "stdlib" / src.relative_to(stdlib)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        count += 1
    return root


EMIT_CONFIG = """\
project-name = "bench-emit"

[events.subscribers.send-welcome-email]
events = ["user.registered", "user.verified"]

[events.subscribers.update-analytics]
events = ["user.registered", "order.completed", "order.refunded"]
"""

TYPES = {
    "user_registered": """\
from typing import NotRequired, TypedDict


class UserRegisteredEvent(TypedDict):
    id: str
    name: str
    email: str
    registeredAt: str
    age: NotRequired[int]
""",
    "user_verified": """\
from typing import TypedDict


class UserVerifiedEvent(TypedDict):
    id: str
    email: str
    verifiedAt: str
""",
    "order_completed": """\
from typing import TypedDict


class OrderLine(TypedDict):
    sku: str
    quantity: int
    price: float


class OrderCompletedEvent(TypedDict):
    orderId: str
    userId: str
    total: float
    lines: list[OrderLine]
""",
    "order_refunded": """\
from typing import Literal, TypedDict


class OrderRefundedEvent(TypedDict):
    orderId: str
    amount: float
    reason: Literal["damaged", "late", "other"]
""",
}

MODULE = '''\
"""Handlers of area {i}: they validate input, store it and emit events."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from uuid import uuid4

from app.names import ORDER_COMPLETED
from events.user_registered import UserRegisteredEvent
from tscrun import events
from tscrun.events import emit as publish

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


async def register_{i}(user_data: dict[str, str]) -> dict[str, str]:
    user: UserRegisteredEvent = {{
        "id": str(uuid4()),
        "name": user_data["name"],
        "email": user_data["email"],
        "registeredAt": _now(),
    }}
    await events.emit("user.registered", user)
    log.info("registered %s", user["id"])
    return {{"id": user["id"]}}


async def complete_{i}(order_id: str, user_id: str, lines: list[tuple[str, int, float]]) -> None:
    total = sum(q * p for _, q, p in lines)
    await publish(ORDER_COMPLETED, {{
        "orderId": order_id,
        "userId": user_id,
        "total": total,
        "lines": [{{"sku": "sku-{i}", "quantity": 1, "price": 9.5}}],
    }})


class Service{i}:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    async def verify(self, user_id: str, email: str) -> None:
        await events.emit("user.verified", {{"id": user_id, "email": email,
                                             "verifiedAt": _now()}})

    async def refund(self, order_id: str, amount: float) -> None:
        await events.emit({refund_name}, {{"orderId": order_id, "amount": amount,
                                            "reason": {reason}}})
'''


def build_emit(mistakes: bool) -> Path:
    root = CACHE / ("emit_project_mistakes" if mistakes else "emit_project")
    shutil.rmtree(root, ignore_errors=True)
    (root / "events").mkdir(parents=True)
    (root / "app").mkdir()
    (root / "tscrun.toml").write_text(EMIT_CONFIG)
    (root / "events" / "__init__.py").write_text("")
    for name, text in TYPES.items():
        (root / "events" / f"{name}.py").write_text(text)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "names.py").write_text('ORDER_COMPLETED = "order.completed"\n')
    for i in range(EMIT_MODULES):
        # A few modules carry a mistake, as code under review does: a misspelt event or a
        # value of the wrong type (those files take the precise path).
        refund_name = '"order.refundd"' if mistakes and i % MISTAKE_EVERY == 7 \
            else '"order.refunded"'
        reason = '"broken"' if mistakes and i % MISTAKE_EVERY == 32 else '"late"'
        (root / "app" / f"area_{i:03d}.py").write_text(
            MODULE.format(i=i, refund_name=refund_name, reason=reason))
    return root


LARGE_EMIT = '''

from tscrun import events as _tscrun_events


async def _announce_registration(user_id: int, name: str) -> None:
    await _tscrun_events.emit("user.registered", {"id": user_id, "name": name,
                                                  "email": "e", "registeredAt": "t"})
'''
HUGE_LINES = 100_000


def build_large(real: Path, orm_only: bool = False) -> Path:
    """The largest module at hand (the real corpus and mypy's checker; with ``orm_only``,
    SQLAlchemy's largest, an ORM's module full of relative imports), with one faulty emit
    at its end."""
    root = CACHE / ("large_orm" if orm_only else "large")
    shutil.rmtree(root, ignore_errors=True)
    (root / "events").mkdir(parents=True)
    (root / "tscrun.toml").write_text(EMIT_CONFIG)
    (root / "events" / "__init__.py").write_text("")
    for name, text in TYPES.items():
        (root / "events" / f"{name}.py").write_text(text)
    candidates = list((real / "sqlalchemy" if orm_only else real).rglob("*.py"))
    # mypy's type checker (10,000+ lines) when the dev extra installed mypy. Found through
    # the distribution, not by importing: bench/mypy.py shadows the package here, and mypy
    # is compiled with mypyc (its module file is the .so beside the source).
    try:
        if orm_only:
            raise importlib.metadata.PackageNotFoundError
        checker = Path(str(importlib.metadata.distribution("mypy").locate_file(
            "mypy/checker.py")))
        if checker.is_file():
            candidates.append(checker)
    except importlib.metadata.PackageNotFoundError:
        pass
    largest = max(candidates, key=lambda p: p.read_bytes().count(b"\n"))
    (root / "large.py").write_text(largest.read_text(encoding="utf-8") + LARGE_EMIT,
                                   encoding="utf-8")
    count = largest.read_bytes().count(b"\n")
    (root / "SOURCE").write_text(f"{largest.parent.name}/{largest.name}, {count:,} lines\n")
    return root


def build_huge() -> Path:
    """A generated module of ``HUGE_LINES`` lines: functions and classes, a few emits, one
    of them faulty (at the end)."""
    root = CACHE / "huge"
    shutil.rmtree(root, ignore_errors=True)
    (root / "events").mkdir(parents=True)
    (root / "tscrun.toml").write_text(EMIT_CONFIG)
    (root / "events" / "__init__.py").write_text("")
    for name, text in TYPES.items():
        (root / "events" / f"{name}.py").write_text(text)
    parts = ["from datetime import UTC, datetime\nfrom uuid import uuid4\n\n"
             "from tscrun import events\n\n\nLIMIT = 10\n"]
    lines = 7
    i = 0
    while lines < HUGE_LINES - 20:
        if i % 500 == 250:
            block = (f"\n\nasync def announce_{i}(user_id: str, name: str) -> None:\n"
                     f"    await events.emit(\"user.registered\", {{\"id\": user_id, "
                     f"\"name\": name, \"email\": f\"{{name}}@example.com\", "
                     f"\"registeredAt\": datetime.now(UTC).isoformat()}})\n")
        elif i % 3 == 0:
            block = (f"\n\nclass Model{i}:\n    value: int = {i}\n\n"
                     f"    def total(self, extra: int) -> int:\n"
                     f"        result = self.value + extra\n"
                     f"        for step in range(LIMIT):\n            result += step * {i}\n"
                     f"        return result\n")
        else:
            block = (f"\n\ndef compute_{i}(values: list[int]) -> dict[str, int]:\n"
                     f"    out = {{}}\n    for n, v in enumerate(values):\n"
                     f"        if v % 2:\n            out[f\"k{{n}}\"] = v * {i}\n"
                     f"        else:\n            out[str(n)] = v + LIMIT\n    return out\n")
        parts.append(block)
        lines += block.count("\n")
        i += 1
    parts.append("\n" * (HUGE_LINES - lines - 3) + "\nasync def faulty(user_id: int) -> None:\n"
                 "    await events.emit(\"user.verified\", {\"id\": user_id, \"email\": \"e\", "
                 "\"verifiedAt\": \"t\"})\n")
    (root / "huge.py").write_text("".join(parts))
    return root


def plain_flake8() -> str:
    """flake8 (same version) in its own environment, without the tscrun plugin installed."""
    import importlib.metadata

    venv = CACHE / "flake8-without-plugin"
    exe = venv / "bin" / "flake8"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        version = importlib.metadata.version("flake8")
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                        f"flake8=={version}"], check=True)
    return str(exe)


def peak(argv: list[str], cwd: Path) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, peak memory (MB, largest process) and TSC diagnostics
    of one run."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True); "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss, "
             "p.stdout.count(b': TSC'))")
    out = subprocess.run([sys.executable, "-c", probe, *argv], cwd=cwd, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]) // 1024, int(out[3])


# --- measuring -------------------------------------------------------------------------

def _run(argv: list[str], cwd: Path, env: dict[str, str] | None
         ) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time and CPU time (user + system, the command and its workers) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=dict(os.environ, **(env or {})), text=True,
                          capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, cpu, proc


Command = tuple[list[str], Path, dict[str, str] | None]


@dataclass
class Pair:
    wall_a: float = float("inf")
    cpu_a: float = float("inf")
    wall_b: float = float("inf")
    cpu_b: float = float("inf")
    proc_a: subprocess.CompletedProcess[str] | None = None
    ratios: list[tuple[float, float]] = field(default_factory=list)
    """(wall, CPU) ratio a/b of each pair, in run order."""

    def median(self) -> tuple[float, float]:
        """The median pair's wall ratio and the median CPU ratio."""
        return (statistics.median(r[0] for r in self.ratios),
                statistics.median(r[1] for r in self.ratios))


def pair(a: Command, b: Command, runs: int) -> Pair:
    """Two commands run alternately (load drifts hit both alike): best wall and CPU times
    of each, and the ratio of every pair."""
    result = Pair()
    for _ in range(runs):
        wall_a, cpu_a, result.proc_a = _run(*a)
        result.wall_a, result.cpu_a = min(result.wall_a, wall_a), min(result.cpu_a, cpu_a)
        wall_b, cpu_b, _ = _run(*b)
        result.wall_b, result.cpu_b = min(result.wall_b, wall_b), min(result.cpu_b, cpu_b)
        result.ratios.append((wall_a / wall_b, cpu_a / cpu_b))
    return result


def _lines(proc: subprocess.CompletedProcess[str], prefix: str = "") -> int:
    return sum(1 for line in proc.stdout.splitlines() if prefix in line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: each command once")
    args = parser.parse_args()
    runs = 1 if args.quick else 5
    start_load = os.getloadavg()[0]

    real = build_real()
    clean = build_emit(mistakes=False)
    faulty = build_emit(mistakes=True)
    n_real = sum(1 for _ in real.rglob("*.py"))
    n_emit = sum(1 for _ in (clean / "app").rglob("*.py"))
    n_faulty = 2 * EMIT_MODULES // MISTAKE_EVERY
    lint = str(BIN / "tscrun-lint")
    flake8 = str(BIN / "flake8")
    ruff = str(BIN / "ruff")
    config = str(clean / "tscrun.toml")

    def f8(select: str, where: Path, target: str = "app") -> Command:
        extra = [f"--tscrun-config={where / 'tscrun.toml'}"] if "TSC" in select else []
        return ([flake8, "--isolated", "--select", select, *extra, target], where, None)

    rows: list[tuple[str, ...]] = []

    def row(label: str, base: str, a: Command, b: Command, target: str, overhead: bool,
            reps: int, note: object) -> None:
        p = pair(a, b, reps)
        assert p.proc_a is not None
        if overhead:  # the median of the pairs' ratios (each pair ran back to back)
            wall_ratio, cpu_ratio = p.median()
            figure = f"{(wall_ratio - 1) * 100:+.1f}%"
            cpu = f"{(cpu_ratio - 1) * 100:+.1f}%"
        else:
            figure, cpu = f"{p.wall_a / p.wall_b:.2f}x", f"{p.cpu_a / p.cpu_b:.2f}x"
        text = note(p.proc_a) if callable(note) else str(note)
        rows.append((label, f"{p.wall_a:.3f}", base, f"{p.wall_b:.3f}", figure, cpu, target,
                     text))

    def found(proc: subprocess.CompletedProcess[str]) -> str:
        return f"{_lines(proc, ': TSC')} TSC diagnostics"

    row("real code: `tscrun-lint`", "`ruff check --select F`",
        ([lint, "--config", config, str(real)], CACHE, None),
        ([ruff, "check", "--isolated", "--no-cache", "--select", "F", "--quiet", "--exit-zero",
          str(real)], CACHE, None), "<= 2x", False, runs, found)
    row("emit project: `tscrun-lint`", "`flake8 --select F`",
        ([lint, "app"], clean, None), f8("F", clean), "<= 0.5x", False, runs, found)
    row(f"emit project with {n_faulty} faulty modules: `tscrun-lint`", "`flake8 --select F`",
        ([lint, "app"], faulty, None), f8("F", faulty), "", False, runs, found)
    row("emit project, precise path only: `tscrun-lint`", "`flake8 --select F`",
        ([lint, "app"], clean, {"TSCRUN_LINT_FAST_PATH": "0"}), f8("F", clean), "", False,
        max(1, runs // 2), "TSCRUN_LINT_FAST_PATH=0: libcst metadata on every file")
    large = build_large(real)
    orm = build_large(real, orm_only=True)
    huge = build_huge()
    source = (large / "SOURCE").read_text().strip()
    row(f"large module ({source}, one faulty emit at its end): `tscrun-lint`",
        "`flake8 --select F`",
        ([lint, "large.py"], large, None), f8("F", large, "large.py"), "<= 1x", False, runs,
        found)
    row(f"ORM module ({(orm / 'SOURCE').read_text().strip()}, one faulty emit at its end): "
        "`tscrun-lint`", "`flake8 --select F`",
        ([lint, "large.py"], orm, None), f8("F", orm, "large.py"), "", False, runs, found)
    row("real code + the large module: `tscrun-lint`", "`ruff check --select F`",
        ([lint, "--config", str(large / "tscrun.toml"), str(real), str(large / "large.py")],
         CACHE, None),
        ([ruff, "check", "--isolated", "--no-cache", "--select", "F", "--quiet", "--exit-zero",
          str(real), str(large / "large.py")], CACHE, None), "<= 2x", False, runs, found)
    # flake8 from an environment without the plugin: the cost of being installed counts.
    plain = plain_flake8()

    def plain_f8(where: Path, target: str = "app") -> Command:
        return ([plain, "--isolated", "--select", "F", target], where, None)

    row("real code: `flake8 --select F,TSC`", "`flake8 --select F`, plugin not installed",
        f8("F,TSC", clean, str(real)), plain_f8(clean, str(real)), "<= +2%", True,
        min(runs, 3), found)
    row("real code + the large module: `flake8 --select F,TSC`",
        "`flake8 --select F`, plugin not installed",
        ([flake8, "--isolated", "--select", "F,TSC", f"--tscrun-config={large / 'tscrun.toml'}",
          str(real), str(large / "large.py")], CACHE, None),
        ([plain, "--isolated", "--select", "F", str(real), str(large / "large.py")], CACHE,
         None), "<= +2%", True, min(runs, 3), found)
    row("emit project: `flake8 --select F,TSC`", "`flake8 --select F`, plugin not installed",
        f8("F,TSC", clean), plain_f8(clean), "<= +30%", True, min(runs, 3), found)
    row(f"emit project with {n_faulty} faulty modules: `flake8 --select F,TSC`",
        "`flake8 --select F`, plugin not installed", f8("F,TSC", faulty), plain_f8(faulty), "",
        True, min(runs, 3), found)
    wall, cpu, mb, diagnostics = min(peak([lint, "huge.py"], huge) for _ in range(min(runs, 3)))
    emits = (huge / "huge.py").read_text().count("events.emit(")
    huge_line = (f"Generated module of {HUGE_LINES:,} lines with "
                 f"{emits} emits, one faulty (at its end): `tscrun-lint` "
                 f"{wall:.2f} s wall, {cpu:.2f} s CPU, peak memory {mb} MB, "
                 f"{diagnostics} TSC diagnostic(s) (targets: < 10 s, < 500 MB).")

    corpora = (
        f"Corpora: real code = {n_real} files ({', '.join(WHEELS)} and part of the standard "
        f"library), never using tscrun; emit project = {n_emit} generated modules "
        f"({EMIT_MODULES} that all emit, a package and a constants module); the faulty variant "
        f"plants a misspelt event or a wrong value in {n_faulty} of them (those take libcst's "
        f"precise path). {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}{', quick run (1 repetition)' if args.quick else ''}."
    )
    method = (
        f"Method: `python bench/lint.py{' --quick' if args.quick else ''}` on "
        f"{time.strftime('%Y-%m-%d')}, load average {start_load:.1f} at the start "
        f"and {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores, shared). Best wall time of "
        f"{runs} run(s) of each real command in a subprocess, each pair alternated, all in one "
        "run of bench/lint.py, tools at their defaults (parallel where they parallelise); the "
        f"plugin overhead rows give the median ratio of {min(runs, 3)} back-to-back pairs "
        "(their seconds columns, the best of each side).\n"
        "CPU = user + system time of the command and its worker processes (less sensitive than "
        "wall time to other load on a shared machine). flake8 and ruff run `--isolated`; the "
        "plugin overhead compares flake8 with TSC selected against the same flake8 version "
        "installed in a separate environment without the plugin. The large module is the "
        "largest real file at hand (mypy's checker.py when the dev extra installed mypy, else "
        "the corpus's largest), the ORM module SQLAlchemy's largest, each with one faulty "
        "emit appended."
    )
    out = [
        "## tscrun-lint (bench/lint.py)", "", corpora, "",
        "| measured | seconds | baseline | seconds | wall ratio | CPU ratio | target | notes |",
        "|---|---|---|---|---|---|---|---|",
        *[f"| {' | '.join(r)} |" for r in rows],
        "", huge_line, "", method, "",
    ]
    text = "\n".join(out)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lint.md").write_text(text)
    if not rows[0][-1].startswith("0 "):
        print("!! tscrun-lint reported diagnostics on code that never uses tscrun",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
