"""What the mypy plugin's dependencies cost on a large project: memory, and one TypedDict edit.

The plugin adds dependencies from each module to the payload modules of the
events it emits (an emit names no type, so mypy would not link them). This
measures, on a generated project, mypy with ``plugins = ["tscrun.mypy"]``
against plain mypy:

* peak memory (max RSS) of a cold run (no cache);
* after a warm cached run, the incremental run that follows an edit of one
  payload TypedDict: its time and which modules mypy type-checks again.

Target: memory within 1.3x of plain mypy; the TypedDict edit re-checks only the
TypedDict's module and the modules that emit its event. With ``--baseline-repo``
(a checkout of an earlier tscrun, e.g. ``/work/main``), that build's plugin
(``plugins = ["mypy_plugin"]``) is measured as well, for comparison.

The project: ``--events`` payload modules (``events/e<k>.py``, one TypedDict
each) and ``--modules`` application modules, half of which emit one event
each (``ev.e<j mod events>``, a literal name) and half of which never emit.

    .venv/bin/python bench/mypy_deps.py [--quick] [--modules 10000] [--events 200]
                                        [--baseline-repo DIR]

Writes bench/results/mypy_deps.md (``make bench`` puts it into docs/benchmarks.md).
An earlier build to compare with can be exported from git, e.g.
``git archive 1e05cc0 tscrun mypy_plugin | tar -x -C /tmp/base``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MEMORY_TARGET = 1.3

# Runs a command as its child and reports, on its last stderr line, the child's peak
# RSS (KiB) and CPU seconds (user + sys: on a shared machine, wall time mostly
# measures the neighbours).
_MEASURE = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:]).returncode\n"
            "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(use.ru_maxrss, use.ru_utime + use.ru_stime, file=sys.stderr)\n"
            "sys.exit(code)\n")
_CHECKED = re.compile(
    r"^LOG:\s+Scheduling SCC (?:singleton|of size \d+) \((?P<ids>[^)]*)\) as .*stale",
    re.MULTILINE)


def write_project(root: Path, modules: int, events: int) -> None:
    (root / "events").mkdir(parents=True)
    (root / "events" / "__init__.py").write_text("")
    for k in range(events):
        (root / "events" / f"e{k}.py").write_text(
            "from typing import TypedDict\n\n\n"
            f"class E{k}(TypedDict):\n    id: str\n    n: int\n")
    types = "".join(f'"ev.e{k}" = "events.e{k}:E{k}"\n' for k in range(events))
    (root / "tscrun.toml").write_text(f"[events.types]\n{types}")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    for j in range(modules):
        if j % 2 == 0:
            body = ("from tscrun import events\n\n\n"
                    f"async def handler_{j}(x: str) -> None:\n"
                    f'    await events.emit("ev.e{(j // 2) % events}", {{"id": x, "n": {j}}})\n')
        else:
            body = (f"def helper_{j}(x: int) -> int:\n"
                    f"    return x + {j}\n")
        (root / "app" / f"m{j}.py").write_text(body)
    write_mypy_configs(root)


def write_mypy_configs(root: Path) -> None:
    """plain.ini (no plugin), plugin.ini (this tscrun's) and baseline.ini (an earlier one's)."""
    for name, plugin in (("plain.ini", ""), ("plugin.ini", "plugins = tscrun.mypy\n"),
                         ("baseline.ini", "plugins = mypy_plugin\n")):
        (root / name).write_text(f"[mypy]\npython_version = 3.11\n{plugin}")


def runtime_path(where: Path, repo: Path) -> Path:
    """A PYTHONPATH folder holding only the runtime and plugin of ``repo``."""
    where.mkdir(parents=True)
    for package in ("tscrun", "mypy_plugin"):
        if (repo / package).is_dir():
            (where / package).symlink_to(repo / package, target_is_directory=True)
    return where


@dataclass
class Run:
    cpu_seconds: float
    max_rss_mb: float
    checked: list[str]
    output: str


def run_mypy(project: Path, config: str, runtime: Path, cache: Path | None,
             targets: tuple[str, ...] = ("events", "app")) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "TSCRUN_CONFIG")}
    env["PYTHONPATH"] = str(runtime)
    cache_args = ["--cache-dir", str(cache)] if cache else ["--no-incremental", "--cache-dir",
                                                             os.devnull]
    argv = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "mypy", "--config-file",
            config, "--no-error-summary", "-v", *cache_args, *targets]
    proc = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True)
    rss_kib, cpu = proc.stderr.strip().splitlines()[-1].split()
    checked = sorted(m for found in _CHECKED.finditer(proc.stderr)
                     for m in found["ids"].split()
                     if m.startswith(("app.", "events.", "handlers.")))
    return Run(float(cpu), int(rss_kib) / 1024, checked, proc.stdout)


@dataclass
class Side:
    name: str
    cold: Run
    warm: Run
    edit: Run


def measure(project: Path, config: str, runtime: Path, tmp: Path, name: str,
            edited: Path, added: str = "    note: str\n",
            targets: tuple[str, ...] = ("events", "app")) -> Side:
    """Cold, warm and after-edit runs; ``added`` (a new required key) is appended to
    ``edited`` for the last one and taken out again after."""
    original = edited.read_text()
    try:
        cold = run_mypy(project, config, runtime, None, targets)
        cache = tmp / f"cache-{name}"
        warm_up = run_mypy(project, config, runtime, cache, targets)
        assert warm_up.output == cold.output, (warm_up.output, cold.output)
        warm = run_mypy(project, config, runtime, cache, targets)
        edited.write_text(original + added)
        edit = run_mypy(project, config, runtime, cache, targets)
    finally:
        edited.write_text(original)
    return Side(name, cold, warm, edit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 modules, 20 events")
    parser.add_argument("--modules", type=int, default=10000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--baseline-repo", type=Path, default=None,
                        help="also measure the mypy_plugin of this checkout")
    args = parser.parse_args()
    if args.quick:
        args.modules, args.events = 300, 20
    with tempfile.TemporaryDirectory(prefix="tscrun-bench-mypy-deps-") as tmp_name:
        tmp = Path(tmp_name)
        project = tmp / "project"
        write_project(project, args.modules, args.events)
        edited = project / "events" / "e0.py"
        emitters = sorted(f"app.m{j}" for j in range(0, args.modules, 2)
                          if (j // 2) % args.events == 0)
        sides = [measure(project, "plain.ini", runtime_path(tmp / "rt-plain", REPO), tmp,
                         "plain", edited),
                 measure(project, "plugin.ini", runtime_path(tmp / "rt-plugin", REPO), tmp,
                         "plugin", edited)]
        if args.baseline_repo is not None:
            sides.append(measure(project, "baseline.ini",
                                 runtime_path(tmp / "rt-base", args.baseline_repo.resolve()),
                                 tmp, "baseline", edited))
    plugin = sides[1]
    # After the edit the plugin finds a missing key at every emit site of ev.e0.
    expected_errors = len(emitters)
    found_errors = plugin.edit.output.count('Missing key "note" for TypedDict "E0"')
    assert found_errors == expected_errors, plugin.edit.output[:2000]
    assert plugin.edit.checked == sorted(["events.e0", *emitters]), plugin.edit.checked[:20]
    section = report(sides, args.modules, args.events, len(emitters))
    print(section)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "mypy_deps.md").write_text(section)
    return 0


def report(sides: list[Side], modules: int, events: int, emitters: int) -> str:
    plain = sides[0]
    labels = {"plain": "mypy, no plugin (baseline)",
              "plugin": 'mypy + `plugins = ["tscrun.mypy"]`',
              "baseline": "mypy + the earlier plugin (every payload module a dependency of every module)"}
    lines = [
        "## mypy plugin dependencies at scale (bench/mypy_deps.py)",
        "",
        "| variant | cold peak MB | ratio | cold CPU s | warm CPU s | one-TypedDict edit CPU s "
        "| modules re-checked |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for side in sides:
        lines.append(
            f"| {labels[side.name]} | {side.cold.max_rss_mb:,.0f} | "
            f"{side.cold.max_rss_mb / plain.cold.max_rss_mb:.2f}x | {side.cold.cpu_seconds:.1f} | "
            f"{side.warm.cpu_seconds:.1f} | {side.edit.cpu_seconds:.1f} | "
            f"{len(side.edit.checked):,} |")
    ratio = sides[1].cold.max_rss_mb / plain.cold.max_rss_mb
    lines += [
        "",
        f"Method: {modules:,} generated modules ({modules // 2:,} emit one event each with a "
        f"literal name, the rest never emit) and {events} events, one TypedDict module each; "
        "one run per figure. Cold = no cache; warm = the same command again on a full cache; "
        "edit = the next run after adding a required key to `events/e0.py`. Peak memory is the "
        "max RSS of the mypy process, CPU = its user + sys seconds (with `-v` logging on every "
        "side); re-checked modules are those mypy processes afresh (`-v` log), which for the "
        "plugin must be exactly `events.e0` and the "
        f"{emitters} modules that emit `ev.e0` (checked: each then reports the missing key). "
        f"Target: memory <= {MEMORY_TARGET}x the baseline's "
        f"({'met' if ratio <= MEMORY_TARGET else 'NOT met'}: {ratio:.2f}x).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
