"""How the static tools scale: generated projects of 300, 3,000 and 10,000 modules, with
200 and 1,000 configured events.

Measured per project, one run each (a shared 2-core machine: read the ratios):

- ``tscrun-lint .``: wall time and peak memory (largest process, workers included);
- ``flake8 --select F`` and ``flake8 --select F,TSC`` on the same tree;
- a one-file pre-commit check: ``tscrun-lint FILE`` as the hook runs it, for an emitting
  module, and for a payload TypedDict module (which re-checks the project's emit sites);
- the config load alone, and 10,000 unknown emits on one line (the "did you mean" search).

Targets (issue 11): lint time linear in modules (seconds per 1,000 modules within 20% from
3,000 to 10,000) and independent of the number of events within 20% (1,000 vs 200 events).
Projects are generated under bench/.cache/scale/ (git-ignored); ``--quick`` stops at 3,000
modules and leaves out the unknown-emits row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "scale"
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
MODULE_COUNTS = (300, 3_000, 10_000)
EVENT_COUNTS = (200, 1_000)
MISTAKE_EVERY = 100  # one module in a hundred emits a misspelt name (TSC001)


def _event(i: int) -> tuple[str, str, str]:
    """(event name, module, class) of event ``i``, following the naming convention."""
    return f"area{i}.item_changed", f"area{i}_item_changed", f"Area{i}ItemChangedEvent"


def build(modules: int, events: int) -> Path:
    root = CACHE / f"m{modules}-e{events}"
    if (root / "ready").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "events").mkdir(parents=True)
    (root / "app").mkdir()
    (root / "handlers").mkdir()
    for package in ("events", "app", "handlers"):
        (root / package / "__init__.py").write_text("")
    lines = ['project-name = "scale"', "", "[events.types]"]
    for i in range(events):
        name, module, cls = _event(i)
        lines.append(f'"{name}" = "events.{module}:{cls}"')
        (root / "events" / f"{module}.py").write_text(
            "from typing import NotRequired, TypedDict\n\n\n"
            f"class {cls}(TypedDict):\n    id: str\n    count: int\n    note: NotRequired[str]\n")
    # A tenth of the events have a subscriber with an annotated handler.
    for i in range(0, events, 10):
        name, module, cls = _event(i)
        lines += ["", f"[events.subscribers.sub-{i}]", f'events = ["{name}"]',
                  f'handler = "handlers.h{i}:listen"']
        (root / "handlers" / f"h{i}.py").write_text(
            f"from tscrun.events import Event\nfrom events.{module} import {cls}\n\n\n"
            f"async def listen(event: Event[{cls}]) -> None:\n    print(event.data[\"id\"])\n")
    (root / "tscrun.toml").write_text("\n".join(lines) + "\n")
    for m in range(modules):
        name, module, cls = _event(m % events)
        emitted = name.replace("item", "itme") if m % MISTAKE_EVERY == MISTAKE_EVERY - 1 else name
        (root / "app" / f"mod{m}.py").write_text(
            "from tscrun import events\n"
            f"from events.{module} import {cls}\n\n\n"
            f"async def run_{m}(key: str) -> None:\n"
            f"    payload: {cls} = {{\"id\": key, \"count\": {m}}}\n"
            f"    await events.emit(\"{emitted}\", payload)\n"
            f"    await events.emit(\"{emitted}\", {{\"id\": key, \"count\": len(key)}})\n")
    (root / "ready").write_text("")
    return root


@dataclass
class Measure:
    seconds: float
    cpu: float
    """user + system seconds of the command and its workers: steadier than wall time
    on a shared machine."""
    peak_mb: float
    returncode: int
    lines: int


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measure:
    """Wall time, and peak RSS of the largest process (the command or one of its workers),
    from a fresh wrapper process so earlier measurements do not count."""
    wrapper = ("import resource, subprocess, sys, time\n"
               "t = time.perf_counter()\n"
               "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
               "dt = time.perf_counter() - t\n"
               "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(dt, r.ru_utime + r.ru_stime, r.ru_maxrss, p.returncode,"
               " p.stdout.count(b'\\n'))\n")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], cwd=cwd, text=True,
                         capture_output=True, check=True, env={**os.environ, **(env or {})})
    dt, cpu, rss, rc, lines = out.stdout.split()
    return Measure(float(dt), float(cpu), int(rss) / 1024, int(rc), int(lines))


def config_load(root: Path) -> float:
    code = ("import time, tscrun\nt = time.perf_counter()\n"
            f"tscrun.load_config({str(root / 'tscrun.toml')!r})\nprint(time.perf_counter() - t)\n")
    return float(subprocess.run([sys.executable, "-c", code], text=True, capture_output=True,
                                check=True).stdout)


def unknown_emits(root: Path) -> Measure:
    path = root / "app" / "unknown_emits.py"
    calls = "; ".join(f'events.emit("area{i}.itme_chnged_{i}", {{}})' for i in range(10_000))
    path.write_text(f"from tscrun import events\n\n\ndef go() -> None:\n    {calls}\n")
    try:
        return measure([str(BIN / "tscrun-lint"), str(path.relative_to(root))], root)
    finally:
        path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="300 and 3,000 modules only, no unknown-emits row")
    args = parser.parse_args()
    counts = MODULE_COUNTS[:2] if args.quick else MODULE_COUNTS
    rows: dict[tuple[int, int], dict[str, Measure | float]] = {}
    lint = str(BIN / "tscrun-lint")
    flake8 = str(BIN / "flake8")
    for modules in counts:
        for events in EVENT_COUNTS:
            root = build(modules, events)
            print(f"--- {modules} modules, {events} events", flush=True)
            row: dict[str, Measure | float] = {}
            row["lint"] = measure([lint, "."], root)
            row["flake8"] = measure([flake8, "--isolated", "--select", "F", "app", "handlers",
                                    "events"], root)
            row["flake8_tsc"] = measure([flake8, "--isolated", "--select", "F,TSC", "app",
                                        "handlers", "events"], root)
            row["hook_emit"] = measure([lint, "app/mod1.py"], root)
            _, module, _ = _event(1)
            row["hook_payload"] = measure([lint, f"events/{module}.py"], root)
            row["config"] = config_load(root)
            if modules == counts[0] and not args.quick:
                row["unknown"] = unknown_emits(root)
            rows[(modules, events)] = row
            print({k: v for k, v in row.items()}, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.md").write_text(report(rows, counts))
    print((RESULTS / "scale.md").read_text())
    return 0


def _m(m: Measure | float) -> str:
    assert isinstance(m, Measure)
    return f"{m.seconds:.2f} s ({m.cpu:.2f} s CPU), {m.peak_mb:.0f} MB"


def report(rows: dict[tuple[int, int], dict[str, Measure | float]], counts: tuple[int, ...]
           ) -> str:
    out = ["## Scale: generated projects (bench/scale.py)", "",
           "Each module emits twice (a typed variable and a dict display) one of the events; one "
           "module in 100 misspells its event (TSC001, with the closest-name search). Every "
           "event has its own TypedDict module; a tenth have a subscriber with an annotated "
           "handler. One run per figure on a shared 2-core machine; peak = largest process.", "",
           "| modules | events | `tscrun-lint .` | CPU s per 1,000 modules | `flake8 --select F` | "
           "`flake8 --select F,TSC` | TSC overhead | hook: one emitting file | hook: one "
           "payload module (re-checks emit sites) | config load |",
           "|---:|---:|---|---:|---|---|---:|---|---|---:|"]
    for (modules, events), row in sorted(rows.items()):
        lint, f8, f8t = row["lint"], row["flake8"], row["flake8_tsc"]
        assert isinstance(lint, Measure) and isinstance(f8, Measure) and isinstance(f8t, Measure)
        config = row["config"]
        assert isinstance(config, float)
        out.append(f"| {modules:,} | {events:,} | {_m(lint)} | {lint.cpu / modules * 1000:.2f} "
                   f"| {_m(f8)} | {_m(f8t)} | {(f8t.cpu / f8.cpu - 1) * 100:+.0f}% CPU | "
                   f"{_m(row['hook_emit'])} | {_m(row['hook_payload'])} | {config:.3f} s |")
    out += ["", "Targets:", ""]
    for modules in counts:
        a, b = rows[(modules, 200)]["lint"], rows[(modules, 1000)]["lint"]
        assert isinstance(a, Measure) and isinstance(b, Measure)
        out.append(f"- {modules:,} modules: lint with 1,000 events / with 200 events = "
                   f"{b.cpu / a.cpu:.2f}x CPU, {b.seconds / a.seconds:.2f}x wall "
                   f"(target <= 1.2x)")
    for events in EVENT_COUNTS:
        small, large = rows[(counts[-2], events)]["lint"], rows[(counts[-1], events)]["lint"]
        assert isinstance(small, Measure) and isinstance(large, Measure)
        per_small = small.cpu / counts[-2]
        per_large = large.cpu / counts[-1]
        out.append(f"- {events:,} events: CPU time per module at {counts[-1]:,} modules / at "
                   f"{counts[-2]:,} = {per_large / per_small:.2f}x (target <= 1.2x: linear)")
    for (modules, events), row in sorted(rows.items()):
        if "unknown" in row:
            u = row["unknown"]
            assert isinstance(u, Measure)
            out.append(f"- 10,000 unknown emits on one line, {events:,} events configured: "
                       f"{_m(u)} (one file, {u.lines - 1:,} TSC001 findings)")
    out += ["", "Method: `python bench/scale.py` (also run by `make bench`); wall time of one "
            "run of each real command in a subprocess (the machine's load average was far above its "
            "2 cores while others worked: CPU time is the figure to compare), peak RSS from `getrusage` of that "
            "subprocess's children. The hook columns run `tscrun-lint FILE`, the command the "
            "pre-commit hook runs with the changed files. The mypy part of the issue's bench "
            "(cold/warm/after one TypedDict edit) is not measured here.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
