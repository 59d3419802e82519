"""Soak/load run of the local dispatcher: many emits to fast, slow, failing, hanging and plain-def handlers.

Two rounds of ``--events`` emits (validation off, tiny handlers), each to five
subscribers:

- ``fast``: async, returns at once;
- ``slow``: async, sleeps 1 ms;
- ``failing``: async, always raises (``max-attempts = 2``), so every event is dead-lettered;
- ``hanging``: async, never returns (``timeout = 0.05``), so every attempt times out;
- ``threaded``: plain ``def``, runs in a worker thread (``concurrency = 8``).

Reports: deliveries accounted for (delivered + dead-lettered = emits x 5), the
process's memory after each round once drained (flat when the second round
leaves what the first did), peak RSS, the longest event-loop stall seen by a
5 ms ticker, and that ``drain()`` returned. ``--json`` prints one JSON object
(used by tests/runtime/test_soak.py with fewer events).

    .venv/bin/python bench/soak.py [--events 100000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
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
    max-dead-letters = 1000000
    [events.types]
    "soak.happened" = "events.soak:Soak"
    """


def write_project(root: Path) -> None:
    toml = textwrap.dedent(CONFIG)
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
    dispatcher = tscrun.Dispatcher(tscrun.load_config())
    stall = [0.0]

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            stall[0] = max(stall[0], now - last - 0.005)
            last = now

    watch = asyncio.create_task(ticker())
    rounds = []
    start = time.perf_counter()
    for _ in range(2):
        for i in range(n):
            await dispatcher.emit("soak.happened", {"n": i})
        await dispatcher.drain()
        dead = len(dispatcher.dead_letters)
        dispatcher.clear_dead_letters()
        gc.collect()
        rounds.append((dead, rss_mb()))
    elapsed = time.perf_counter() - start
    watch.cancel()
    from functions.subscribers import fast, slow, threaded  # type: ignore[import-not-found]

    delivered = fast.COUNT[0] + slow.COUNT[0] + threaded.COUNT[0]
    dead_total = sum(d for d, _ in rounds)
    return {
        "events": n, "rounds": 2, "subscribers": len(SUBSCRIBERS),
        "delivered": delivered, "dead_lettered": dead_total,
        "accounted": delivered + dead_total == 2 * n * len(SUBSCRIBERS),
        "pending_after": dispatcher.pending,
        "rss_after_round_mb": [round(mb, 1) for _, mb in rounds],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1),
        "longest_stall_ms": round(stall[0] * 1000, 1),
        "seconds": round(elapsed, 1),
        "emits_per_second": round(2 * n / elapsed),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 events")
    args = parser.parse_args()
    if args.quick:
        args.events = 5_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root)
        sys.path.insert(0, str(root))
        import os

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
        "returning (timeout 0.05 s, so every attempt times out) and a plain def (concurrency 8). "
        "RSS is read once each round is drained and dead letters cleared; the stall is the longest "
        "extra delay of a 5 ms asyncio ticker (wall clock: on a loaded shared machine it includes "
        "time the process was not scheduled).",
        "",
    ])
    print(section)
    out = HERE / "results" / "soak.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
