"""Soak/load run of the local dispatcher: many emits to fast, slow, failing, hanging and plain-def handlers.

Two rounds of ``--events`` emits (validation off, tiny handlers), each to five
subscribers:

- ``fast``: async, returns at once;
- ``slow``: async, sleeps 1 ms;
- ``failing``: async, always raises (``max-attempts = 2``), so every event is dead-lettered;
- ``hanging``: async, never returns (``timeout = 0.05``), so every attempt times out;
- ``threaded``: plain ``def``, runs in a worker thread (``concurrency = 8``).

Reports: deliveries accounted for (delivered, counted by the handlers, +
dead-lettered, counted by a ``dead_lettered`` hook = emits x 5), how many dead
letters the store kept (``events.max-dead-letters``, the default 5,000 unless
``--max-dead-letters``; the older ones are dropped with a warning), the
process's memory after each round once drained (flat when the second round
leaves what the first did), peak RSS, the longest event-loop stall, and that
``drain()`` returned. ``--json`` prints one JSON object (used by
tests/runtime/test_soak.py with fewer events).

The stall: a ticker task sleeps 5 ms in a loop from before the first emit to
after the last drain (and the round's ``clear_dead_letters()`` and
``gc.collect()``); a stall is the time between two of its wake-ups minus those
5 ms, i.e. how long the loop was kept from running a callback that was due.
It is wall-clock time: on a loaded machine it includes time the process
waited for a CPU; ``longest_stall_cpu_ms`` is the same gap in the CPU time of
the loop's thread, which other processes' load inflates far less.

    .venv/bin/python bench/soak.py [--events 100000] [--json] [--max-dead-letters N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import resource
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import tscrun  # noqa: E402

SUBSCRIBERS = {
    "fast": "async def listen(event):\n    COUNT[0] += 1\n",
    "slow": "import asyncio\n\nasync def listen(event):\n    await asyncio.sleep(0.001)\n"
            "    COUNT[0] += 1\n",
    "failing": "async def listen(event):\n    raise RuntimeError('always fails')\n",
    "hanging": "import asyncio\n\nasync def listen(event):\n    await asyncio.Event().wait()\n",
    "threaded": "def listen(event):\n    COUNT[0] += 1\n",
}

CONFIG = """
    project-name = "soak"
    [events]
    validate-payloads = false
    max-attempts = 2
    retry-delay = 0.001
    timeout = 10
{dead_letters_line}    [events.types]
    "soak.happened" = "events.soak:Soak"
    """


def write_project(root: Path, max_dead_letters: int | None = None) -> None:
    line = "" if max_dead_letters is None else f"max-dead-letters = {max_dead_letters}\n"
    toml = textwrap.dedent(CONFIG).replace("{dead_letters_line}", line)
    for name in SUBSCRIBERS:
        toml += f'\n[events.subscribers.{name}]\nevents = ["soak.happened"]\n'
        if name == "hanging":
            toml += "timeout = 0.05\n"
        if name == "threaded":
            toml += "concurrency = 8\n"
    (root / "tscrun.toml").write_text(toml)
    (root / "events").mkdir()
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "soak.py").write_text(
        "from typing import TypedDict\n\nclass Soak(TypedDict):\n    n: int\n")
    subs = root / "functions" / "subscribers"
    subs.mkdir(parents=True)
    (root / "functions" / "__init__.py").write_text("")
    (subs / "__init__.py").write_text("")
    for name, source in SUBSCRIBERS.items():
        (subs / f"{name}.py").write_text("COUNT = [0]\n\n" + source)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


async def soak(n: int) -> dict[str, object]:
    # Every failure is logged (a warning per retry, an error with traceback per
    # dead letter); printing hundreds of thousands of them would measure the
    # terminal. A real deployment routes them to its log pipeline.
    logging.getLogger("tscrun").setLevel(logging.CRITICAL)
    load_before = os.getloadavg()[0]
    dispatcher = tscrun.Dispatcher(tscrun.load_config())
    dead = [0]
    dispatcher.add_hook("dead_lettered", lambda outcome: dead.__setitem__(0, dead[0] + 1))
    stall = [0.0, 0.0]  # longest, in wall-clock time and in the loop thread's CPU time
    stalls = [0, 0]  # ticks, ticks late by more than 50 ms

    async def ticker() -> None:
        last, last_cpu = time.perf_counter(), time.thread_time()
        while True:
            await asyncio.sleep(0.005)
            now, cpu = time.perf_counter(), time.thread_time()
            late = now - last - 0.005
            stall[0] = max(stall[0], late)
            stall[1] = max(stall[1], cpu - last_cpu - 0.005)
            stalls[0] += 1
            stalls[1] += late > 0.05
            last, last_cpu = now, cpu

    watch = asyncio.create_task(ticker())
    rounds = []
    start = time.perf_counter()
    for _ in range(2):
        for i in range(n):
            await dispatcher.emit("soak.happened", {"n": i})
        await dispatcher.drain()
        kept = len(dispatcher.dead_letters)
        dispatcher.clear_dead_letters()
        gc.collect()
        rounds.append((kept, rss_mb()))
    await asyncio.sleep(0.01)  # one more tick, after the last round's clean-up
    elapsed = time.perf_counter() - start
    watch.cancel()
    from functions.subscribers import fast, slow, threaded  # type: ignore[import-not-found]

    delivered = fast.COUNT[0] + slow.COUNT[0] + threaded.COUNT[0]
    return {
        "events": n, "rounds": 2, "subscribers": len(SUBSCRIBERS),
        "delivered": delivered, "dead_lettered": dead[0],
        "accounted": delivered + dead[0] == 2 * n * len(SUBSCRIBERS),
        "dead_letters_kept": [kept for kept, _ in rounds],
        "max_dead_letters": dispatcher.config.max_dead_letters,
        "pending_after": dispatcher.pending,
        "rss_after_round_mb": [round(mb, 1) for _, mb in rounds],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1),
        "longest_stall_ms": round(stall[0] * 1000, 1),
        "longest_stall_cpu_ms": round(stall[1] * 1000, 1),
        "ticks": stalls[0], "ticks_late_over_50_ms": stalls[1],
        "seconds": round(elapsed, 1),
        "emits_per_second": round(2 * n / elapsed),
        "load_average_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 events")
    parser.add_argument("--max-dead-letters", type=int, default=None,
                        help="events.max-dead-letters (default: the config default, 5,000)")
    args = parser.parse_args()
    if args.quick:
        args.events = 5_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, args.max_dead_letters)
        sys.path.insert(0, str(root))
        os.chdir(root)
        result = asyncio.run(soak(args.events))
    if args.json:
        print(json.dumps(result))
        return 0
    rows = "\n".join(f"| {key} | {value} |" for key, value in result.items())
    section = "\n".join([
        "## Runtime soak (bench/soak.py)",
        "",
        "| measured | value |",
        "|---|---|",
        rows,
        "",
        f"Method: two rounds of {args.events:,} emits (validation off), each to 5 subscribers: async "
        "returning at once, async sleeping 1 ms, async always raising (max-attempts 2), async never "
        "returning (timeout 0.05 s, so every attempt times out) and a plain def (concurrency 8); "
        f"events.max-dead-letters = {result['max_dead_letters']:,}, so the older dead letters are "
        "dropped (with a warning, logging is off) and counted by a dead_lettered hook. RSS is read "
        "once each round is drained, its dead letters cleared and gc.collect() run. A stall is the "
        "time between two wake-ups of a task sleeping 5 ms in a loop, minus the 5 ms, from before the "
        "first emit to after the last clean-up (drains included); wall clock, so on a loaded shared "
        "machine it includes time the process waited for a CPU. longest_stall_cpu_ms counts the same "
        "gap in CPU time of the loop's thread (what the loop itself spent), which that load inflates "
        "far less.",
        "",
    ])
    print(section)
    out = HERE / "results" / "soak.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
