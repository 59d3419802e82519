"""mypy plugin overhead: mypy with ``plugins = ["mypy_plugin"]`` against plain mypy.

A generated project of 300 modules, every one of them emitting events (dict
displays, typed variables, ``Dispatcher.emit``), is checked cold (no cache) by
mypy with and without the plugin, in alternating runs; the median of each is
reported. The plugin side must find the one planted unknown event name, and
both sides must agree on everything else, so the figures are of a working plugin.
The target is judged on CPU time (user + sys of the mypy process), which other
work on a shared machine disturbs far less than wall time, and on the fastest
run of each side: noise only ever adds time, so the minimum is the closest to
the work itself (as ``timeit`` advises). Medians are shown too.

    .venv/bin/python bench/mypy.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET = 1.03

EVENTS = [f"{domain}.{action}" for domain in ("user", "order", "invoice", "cart", "payment")
          for action in ("created", "updated", "deleted", "archived")]


def event_module(name: str) -> str:
    return name.replace(".", "_")


def event_class(name: str) -> str:
    return "".join(w.capitalize() for w in name.replace(".", "_").split("_")) + "Event"


def write_project(root: Path, modules: int) -> None:
    (root / "events").mkdir(parents=True)
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "common.py").write_text(textwrap.dedent("""\
        from typing import NotRequired, TypedDict


        class Actor(TypedDict):
            id: str
            roles: list[str]


        class Audit(TypedDict):
            actor: Actor
            reason: NotRequired[str]
        """))
    for name in EVENTS:
        (root / "events" / f"{event_module(name)}.py").write_text(textwrap.dedent(f"""\
            from events.common import Audit


            class {event_class(name)}(Audit):
                id: str
                version: int
                amount: float
            """))
    subscribers = "\n".join(
        f'[events.subscribers.listener-{i}]\nevents = ["{EVENTS[i]}", "{EVENTS[(i + 7) % 20]}"]\n'
        f'handler = "listeners:on_{i}"\n' for i in range(len(EVENTS)))
    (root / "tscrun.toml").write_text(f'project-name = "bench"\n\n{subscribers}')
    (root / "plain.ini").write_text("[mypy]\npython_version = 3.11\nstrict = True\n")
    (root / "plugin.ini").write_text(
        "[mypy]\npython_version = 3.11\nstrict = True\nplugins = mypy_plugin\n")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    for i in range(modules):
        (root / "app" / f"mod_{i:03}.py").write_text(app_module(i))


def app_module(i: int) -> str:
    first, second, third = EVENTS[i % 20], EVENTS[(i + 3) % 20], EVENTS[(i + 11) % 20]
    planted = 'await events.emit("user.creatd", {})  # the one unknown name\n' if i == 0 else ""
    return textwrap.dedent(f"""\
        from __future__ import annotations

        from dataclasses import dataclass, field
        from typing import Final

        from tscrun import Dispatcher, events
        from events.{event_module(second)} import {event_class(second)}

        NAME: Final = "{third}"


        @dataclass
        class Record{i}:
            id: str
            version: int = 1
            amount: float = 0.0
            roles: list[str] = field(default_factory=list)

            def bump(self, by: int = 1) -> int:
                self.version += by
                return self.version

            def total(self, items: list[float]) -> float:
                return self.amount + sum(x for x in items if x > 0)


        def actor(record: Record{i}) -> dict[str, object]:
            return {{"id": record.id, "roles": sorted(record.roles)}}


        async def handle(record: Record{i}, dispatcher: Dispatcher) -> None:
            record.bump()
            await events.emit("{first}", {{
                "id": record.id, "version": record.version, "amount": record.amount,
                "actor": {{"id": record.id, "roles": record.roles}},
            }})
            payload: {event_class(second)} = {{
                "id": record.id, "version": record.version,
                "amount": record.total([1.0, 2.5]), "actor": {{"id": "system", "roles": []}},
                "reason": "batch",
            }}
            await events.emit("{second}", payload)
            await dispatcher.emit(NAME, {{
                "id": record.id, "version": 1, "amount": 0.0,
                "actor": {{"id": record.id, "roles": ["admin"]}},
            }})
            {planted}
        """)


def runtime_path(where: Path) -> Path:
    # tscrun and the plugin reach mypy as an installed, typed package would.
    where.mkdir()
    for package in ("tscrun", "mypy_plugin"):
        (where / package).symlink_to(REPO / package, target_is_directory=True)
    return where


def run_mypy(project: Path, config: str, runtime: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of one cold mypy run, and its output."""
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "TSCRUN_CONFIG")}
    env["PYTHONPATH"] = str(runtime)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", config, "--no-incremental",
         "--cache-dir", os.devnull, "--no-error-summary", "events", "app"],
        cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout + proc.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 60 modules, 1 pair")
    args = parser.parse_args()
    modules, pairs = (60, 1) if args.quick else (300, 11)

    with tempfile.TemporaryDirectory(prefix="tscrun-bench-mypy-") as tmp:
        project = Path(tmp) / "project"
        write_project(project, modules)
        runtime = runtime_path(Path(tmp) / "runtime")
        planted = (project / "app" / "mod_000.py").read_text().splitlines()
        line = next(n for n, text in enumerate(planted, 1) if "user.creatd" in text)
        expected_plugin = (f'app/mod_000.py:{line}: error: unknown event "user.creatd"; '
                           'did you mean "user.created"?  [tscrun-unknown-event]\n')
        walls: dict[str, list[float]] = {"plain": [], "plugin": []}
        cpus: dict[str, list[float]] = {"plain": [], "plugin": []}
        for pair in range(pairs):
            # Alternate which side goes first, so drift in machine load hits both.
            order = ("plain", "plugin") if pair % 2 == 0 else ("plugin", "plain")
            for side in order:
                wall, cpu, out = run_mypy(project, f"{side}.ini", runtime)
                wanted = expected_plugin if side == "plugin" else ""
                if out != wanted:
                    print(f"unexpected mypy output ({side}):\n{out}", file=sys.stderr)
                    return 1
                walls[side].append(wall)
                cpus[side].append(cpu)
                print(f"  pair {pair + 1}/{pairs} {side:<6} wall {wall:6.2f} s  cpu {cpu:6.2f} s",
                      flush=True)

    med_wall = {k: statistics.median(v) for k, v in walls.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpus.items()}
    min_cpu = {k: min(v) for k, v in cpus.items()}
    ratio = min_cpu["plugin"] / min_cpu["plain"]
    verdict = "met" if ratio <= TARGET else "NOT met"

    def row(label: str, side: str) -> str:
        return (f"| {label} | {med_wall[side]:.2f} | {med_wall[side] / med_wall['plain']:.3f}x "
                f"| {med_cpu[side]:.2f} | {med_cpu[side] / med_cpu['plain']:.3f}x "
                f"| {min_cpu[side]:.2f} | {min_cpu[side] / min_cpu['plain']:.3f}x |")

    section = "\n".join([
        "## mypy plugin overhead (bench/mypy.py)",
        "",
        "| variant | median wall s | ratio | median CPU s | ratio | fastest CPU s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("mypy --strict, no plugin (baseline)", "plain"),
        row("mypy --strict + mypy_plugin", "plugin"),
        "",
        f"Method: {modules} generated modules (plus 22 event modules), each emitting 3 events "
        f"(dict displays, a typed variable, Dispatcher.emit with a Final name); cold runs "
        f"(`--no-incremental --cache-dir=/dev/null`), {pairs} alternating pair(s); CPU = user + sys.",
        f"Both sides check the same files; the plugin side also finds the one planted unknown name. "
        f"Target: fastest CPU <= {TARGET:.2f}x the baseline's ({verdict}: {ratio:.3f}x).",
        "",
    ])
    print()
    print(section)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "mypy.md").write_text(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
