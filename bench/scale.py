"""How the static tools scale: generated projects of 300, 3,000 and 10,000 modules, with
200 and 1,000 configured events.

Measured per project, one run each (a shared 2-core machine: read the ratios):

- ``tscrun-lint .``: wall time and peak memory (largest process, workers included);
- ``flake8 --select F`` and ``flake8 --select F,TSC`` on the same tree;
- a one-file pre-commit check: ``tscrun-lint FILE`` as the hook runs it, for an emitting
  module, and for a payload TypedDict module (which re-checks the project's emit sites);
- the config load alone, and 10,000 unknown emits on one line (the "did you mean" search);
- mypy without and with the plugin: cold, warm incremental, and after one TypedDict edit,
  with the modules mypy re-checked (the runs of ``bench/mypy_deps.py``, on these projects).

Targets (issue 11): lint time linear in modules (CPU per module within 20% from 3,000 to
10,000) and independent of the number of events within 20% (1,000 vs 200 events); mypy
plugin memory within 1.3x of plain mypy at 10,000 modules; one TypedDict edit re-checks
only the modules that emit its event. Projects are generated under bench/.cache/scale/
(git-ignored); ``--quick`` stops at 3,000 modules, without mypy or the unknown-emits row.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # mypy_deps: the mypy runs are that bench's
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


def mypy_rows(root: Path, modules: int, events: int) -> dict[str, object]:
    """Plain mypy and mypy with the plugin, cold, warm and after one TypedDict edit
    (``mypy_deps.measure``: the same runs as that bench, on this project)."""
    import tempfile

    import mypy_deps

    mypy_deps.write_mypy_configs(root)
    _, module, _ = _event(0)
    edited = root / "events" / f"{module}.py"
    # Re-checked after the edit: the TypedDict's module, the modules that emit its event
    # (here they also import the class, so plain mypy re-checks them too) and its handler.
    expected = sorted({f"events.{module}", "handlers.h0",
                       *(f"app.mod{m}" for m in range(0, modules, events))})
    out: dict[str, object] = {"expected": len(expected)}
    with tempfile.TemporaryDirectory(prefix="tscrun-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        for name, config in (("plain", "plain.ini"), ("plugin", "plugin.ini")):
            side = mypy_deps.measure(root, config,
                                     mypy_deps.runtime_path(tmp / f"rt-{name}", HERE.parent),
                                     tmp, name, edited, "    added: str\n",
                                     ("events", "app", "handlers"))
            out[name] = {"cold_cpu": side.cold.cpu_seconds, "cold_mb": side.cold.max_rss_mb,
                         "warm_cpu": side.warm.cpu_seconds, "warm_mb": side.warm.max_rss_mb,
                         "edit_cpu": side.edit.cpu_seconds,
                         "rechecked": len(side.edit.checked),
                         "as_expected": side.edit.checked == expected,
                         "errors": side.cold.output.count("error:")}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", default=",".join(map(str, MODULE_COUNTS)),
                        help="module counts, comma-separated (default: 300,3000,10000)")
    parser.add_argument("--events", default=",".join(map(str, EVENT_COUNTS)),
                        help="event counts, comma-separated (default: 200,1000)")
    parser.add_argument("--no-mypy", action="store_true", help="leave out the mypy rows")
    parser.add_argument("--no-lint", action="store_true",
                        help="leave out tscrun-lint, flake8 and the hooks (mypy only)")
    parser.add_argument("--no-unknown", action="store_true",
                        help="leave out the 10,000-unknown-emits row")
    parser.add_argument("--quick", action="store_true",
                        help="300 and 3,000 modules only, no unknown-emits row, no mypy")
    parser.add_argument("--store", type=Path, default=RESULTS / "scale.json",
                        help="where the rows are kept (added to what is there)")
    parser.add_argument("--merge", type=Path, action="append", default=[],
                        help="only merge the rows of these stores into --store and report")
    args = parser.parse_args()
    counts = tuple(int(n) for n in args.modules.split(","))
    event_counts = tuple(int(n) for n in args.events.split(","))
    if args.quick:
        counts, args.no_mypy, args.no_unknown = MODULE_COUNTS[:2], True, True
    # Rows accumulate across runs (each row from one run): a long 10,000-module run can be
    # made on its own, when the machine is quiet.
    store: Path = args.store
    rows: dict[str, dict[str, Any]] = json.loads(store.read_text()) if store.exists() else {}
    if args.merge:
        for other in args.merge:
            for key, row in json.loads(other.read_text()).items():
                rows.setdefault(key, {}).update(row)
        store.write_text(json.dumps(rows, indent=1, sort_keys=True))
        counts = ()
    lint = str(BIN / "tscrun-lint")
    flake8 = str(BIN / "flake8")
    for modules in counts:
        for events in event_counts:
            root = build(modules, events)
            print(f"--- {modules} modules, {events} events", flush=True)
            row = rows.get(f"{modules}-{events}", {})
            if args.no_lint:
                row["mypy_load"] = os.getloadavg()[0]
                row["mypy"] = mypy_rows(root, modules, events)
                rows[f"{modules}-{events}"] = row
                store.write_text(json.dumps(rows, indent=1, sort_keys=True))
                print(row, flush=True)
                continue
            row.update({"load": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d %H:%M")})
            row["lint"] = measure([lint, "."], root).__dict__
            row["lint_jobs1"] = measure([lint, "--jobs", "1", "."], root).__dict__
            row["flake8"] = measure([flake8, "--isolated", "--select", "F", "app", "handlers",
                                    "events"], root).__dict__
            row["flake8_tsc"] = measure([flake8, "--isolated", "--select", "F,TSC", "app",
                                        "handlers", "events"], root).__dict__
            row["hook_emit"] = measure([lint, "app/mod1.py"], root).__dict__
            _, module, _ = _event(1)
            row["hook_payload"] = measure([lint, f"events/{module}.py"], root).__dict__
            row["config"] = config_load(root)
            if modules == 300 and events == 200 and not args.no_unknown:
                row["unknown"] = unknown_emits(root).__dict__
            if not args.no_mypy:
                row["mypy_load"] = os.getloadavg()[0]
                row["mypy"] = mypy_rows(root, modules, events)
            row["load_after"] = os.getloadavg()[0]
            rows[f"{modules}-{events}"] = row
            print(row, flush=True)
            RESULTS.mkdir(exist_ok=True)
            store.write_text(json.dumps(rows, indent=1, sort_keys=True))
    (RESULTS / "scale.md").write_text(report(rows))
    print((RESULTS / "scale.md").read_text())
    return 0


def _m(m: object) -> str:
    assert isinstance(m, dict)
    return f"{m['seconds']:.1f} s ({m['cpu']:.2f} s CPU), {m['peak_mb']:.0f} MB"


def _key(key: str) -> tuple[int, int]:
    modules, events = key.split("-")
    return int(modules), int(events)


def report(rows: dict[str, dict[str, Any]]) -> str:
    out = ["## Scale: generated projects (bench/scale.py)", "",
           "Each module emits twice (a typed variable and a dict display) one of the events; one "
           "module in 100 misspells its event (TSC001, with the closest-name search). Every "
           "event has its own TypedDict module; a tenth have a subscriber with an annotated "
           "handler (so the 1,000-event projects also have 880 more files: 800 payload modules "
           "and 80 handlers). One run per figure on a shared 2-core machine; peak = largest "
           "process; CPU = user + system of the command and its workers.", "",
           "| modules | events | `tscrun-lint .` | `--jobs 1` CPU s per 1,000 modules | "
           "`flake8 --select F` | `flake8 --select F,TSC` | TSC overhead (CPU) | hook: one "
           "emitting file | hook: one payload module (re-checks emit sites) | config load | "
           "load avg |",
           "|---:|---:|---|---:|---|---|---:|---|---|---:|---:|"]
    ordered = sorted(rows, key=_key)
    for key in ordered:
        row = rows[key]
        if "lint" not in row:
            continue
        modules, events = _key(key)
        lint1, f8, f8t = row["lint_jobs1"], row["flake8"], row["flake8_tsc"]
        assert isinstance(lint1, dict) and isinstance(f8, dict) and isinstance(f8t, dict)
        out.append(f"| {modules:,} | {events:,} | {_m(row['lint'])} | "
                   f"{lint1['cpu'] / modules * 1000:.2f} | {_m(f8)} | {_m(f8t)} | "
                   f"{(f8t['cpu'] / f8['cpu'] - 1) * 100:+.0f}% | {_m(row['hook_emit'])} | "
                   f"{_m(row['hook_payload'])} | {row['config']:.3f} s | {row['load']:.1f} |")
    out += ["", "Targets (CPU time of `tscrun-lint --jobs 1 .`: one process, steadier than "
            "wall time on a shared machine):", ""]
    sizes = sorted({_key(k)[0] for k in rows})
    for modules in sizes:
        a, b = rows.get(f"{modules}-200"), rows.get(f"{modules}-1000")
        if a and b and "lint_jobs1" in a and "lint_jobs1" in b:
            ca, cb = a["lint_jobs1"], b["lint_jobs1"]
            assert isinstance(ca, dict) and isinstance(cb, dict)
            ratio = cb["cpu"] / ca["cpu"]
            per_event = (cb["cpu"] - ca["cpu"]) / 800 * 1000
            per_module = ca["cpu"] / modules * 1000
            out.append(f"- {modules:,} modules: lint with 1,000 events / with 200 events = "
                       f"{ratio:.2f}x CPU (target <= 1.2x: "
                       f"{'met' if ratio <= 1.2 else 'NOT met'}); each added event (its "
                       f"payload module, a tenth of a handler file) costs {per_event:.2f} ms "
                       f"of CPU, against {per_module:.2f} ms per module of the 200-event "
                       f"project (start-up included)")
    for events in sorted({_key(k)[1] for k in rows}):
        have = [m for m in sizes if "lint_jobs1" in rows.get(f"{m}-{events}", {})]
        for small, large in zip(have, have[1:]):
            cs, cl = rows[f"{small}-{events}"]["lint_jobs1"], rows[f"{large}-{events}"]["lint_jobs1"]
            assert isinstance(cs, dict) and isinstance(cl, dict)
            ratio = (cl["cpu"] / large) / (cs["cpu"] / small)
            out.append(f"- {events:,} events: CPU per module at {large:,} modules / at "
                       f"{small:,} = {ratio:.2f}x (linear: <= 1.2x; below 1 means fixed "
                       f"start-up costs spread over more modules)")
    for key in ordered:
        u = rows[key].get("unknown")
        if isinstance(u, dict):
            out.append(f"- 10,000 unknown emits on one line ({_key(key)[1]:,} events "
                       f"configured): {_m(u)}, {u['lines'] - 1:,} TSC001 findings")
    mypy = [k for k in ordered if isinstance(rows[k].get("mypy"), dict)]
    if mypy:
        out += ["", "mypy on the same projects (`mypy_deps.measure`: cold = no cache, warm = "
                "a second run on a full cache, edit = the run after adding a required key to "
                "`events/area0_item_changed.py`; re-checked = modules mypy's `-v` log "
                "schedules as stale, expected = that module, the modules that emit its event "
                "and its handler):", "",
                "| modules | events | cold CPU s: plain / plugin | cold peak MB: plain / "
                "plugin (ratio) | warm CPU s: plain / plugin | edit CPU s: plain / plugin | "
                "re-checked after the edit: plain / plugin (expected) | load avg |",
                "|---:|---:|---|---|---|---|---|---:|"]
        for key in mypy:
            m = rows[key]["mypy"]
            assert isinstance(m, dict)
            p, g = m["plain"], m["plugin"]
            modules, events = _key(key)
            out.append(
                f"| {modules:,} | {events:,} | {p['cold_cpu']:.1f} / {g['cold_cpu']:.1f} | "
                f"{p['cold_mb']:.0f} / {g['cold_mb']:.0f} ({g['cold_mb'] / p['cold_mb']:.2f}x) "
                f"| {p['warm_cpu']:.1f} / {g['warm_cpu']:.1f} | {p['edit_cpu']:.1f} / "
                f"{g['edit_cpu']:.1f} | {p['rechecked']:,} / {g['rechecked']:,} "
                f"({m['expected']:,}{'' if g['as_expected'] else ', plugin differs'}) | "
                f"{rows[key]['mypy_load']:.1f} |")
    out += ["", "Method: `python bench/scale.py` (rows accumulate in bench/results/scale.json, "
            "each from one run; `--modules`/`--events` pick rows), wall time of one run of each "
            "real command in a subprocess, peak RSS from `getrusage` of that subprocess's "
            "children. The hook columns run `tscrun-lint FILE`, the command the pre-commit "
            "hook runs with the changed files.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
