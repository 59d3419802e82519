"""Runtime throughput: tscrun's Dispatcher against pyee's AsyncIOEventEmitter.

Events per second through ``Dispatcher.emit`` plus delivery to 3 async
subscribers (payload validation on and off), against pyee's
``AsyncIOEventEmitter`` with the same 3 handlers, in one run. Repetitions are
interleaved and the median of each variant is reported.

    .venv/bin/python bench/runtime.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pyee.asyncio import AsyncIOEventEmitter

import tscrun
from tscrun.validation import PayloadValidator

EVENT = "bench.user_registered"
BURST = 100  # events emitted before waiting for their deliveries, like a busy server
PAYLOAD: dict[str, object] = {
    "id": "u-1", "name": "Ann", "email": "ann@example.com",
    "registeredAt": "2026-01-01T00:00:00Z", "age": 42,
    "address": {"street": "1 Main St", "city": "Springfield", "tags": ["home", "billing"]},
}

PROJECT = {
    "tscrun.toml": f"""
        project-name = "bench"
        [events]
        types-module = "bench_events"
        subscribers-module = "bench_subscribers"
        [events.subscribers.first]
        events = ["{EVENT}"]
        [events.subscribers.second]
        events = ["{EVENT}"]
        [events.subscribers.third]
        events = ["{EVENT}"]
        """,
    "bench_events/__init__.py": "",
    "bench_events/bench_user_registered.py": """
        from typing import NotRequired, TypedDict

        class Address(TypedDict):
            street: str
            city: str
            tags: list[str]

        class BenchUserRegisteredEvent(TypedDict):
            id: str
            name: str
            email: str
            registeredAt: str
            age: NotRequired[int]
            address: Address
        """,
    "bench_subscribers/__init__.py": "",
    "bench_subscribers/counter.py": """
        import asyncio

        COUNT = [0]
        SUSPEND = [False]

        async def handle(event: object) -> None:
            # The same function serves tscrun and pyee; optionally it awaits
            # once, to measure handlers that really suspend.
            if SUSPEND[0]:
                await asyncio.sleep(0)
            COUNT[0] += 1
        """,
    "bench_subscribers/first.py": "from bench_subscribers.counter import handle as listen\n",
    "bench_subscribers/second.py": "from bench_subscribers.counter import handle as listen\n",
    "bench_subscribers/third.py": "from bench_subscribers.counter import handle as listen\n",
}


def write_project(root: Path) -> None:
    for rel, text in PROJECT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


Run = Callable[[int], Awaitable[float]]


def make_runs(root: Path) -> dict[str, Run]:
    config = tscrun.load_config(root / "tscrun.toml")
    on = tscrun.Dispatcher(config)
    off = tscrun.Dispatcher(dataclasses.replace(config, validate_payloads=False))
    # The measurement behind the compiled check: the same validation with
    # typeguard alone deciding every payload.
    slow = tscrun.Dispatcher(config)
    for route in slow._routes.values():
        if isinstance(route.validate, PayloadValidator):
            route.validate._fast = lambda value: False
    from bench_subscribers.counter import COUNT, handle  # type: ignore[import-not-found]

    def timed_tscrun(dispatcher: tscrun.Dispatcher) -> Run:
        async def run(n: int) -> float:
            COUNT[0] = 0
            emit, drain = dispatcher.emit, dispatcher.drain
            start = time.process_time()
            for _ in range(n // BURST):
                for _ in range(BURST):
                    await emit(EVENT, PAYLOAD)
                await drain()
            elapsed = time.process_time() - start
            assert COUNT[0] == 3 * n, COUNT[0]
            return elapsed
        return run

    async def run_pyee(n: int) -> float:
        ee = AsyncIOEventEmitter()
        for _ in range(3):
            # pyee refuses the same function twice for one event; wrap it.
            async def listener(data: Any, _h: Any = handle) -> None:
                await _h(data)
            ee.on(EVENT, listener)
        COUNT[0] = 0
        emit = ee.emit
        start = time.process_time()
        for burst in range(1, n // BURST + 1):
            for _ in range(BURST):
                emit(EVENT, PAYLOAD)
            while COUNT[0] < 3 * BURST * burst:  # pyee has no drain(); wait for the burst
                await asyncio.sleep(0)
        elapsed = time.process_time() - start
        assert COUNT[0] == 3 * n, COUNT[0]
        return elapsed

    return {"pyee": run_pyee, "off": timed_tscrun(off), "on": timed_tscrun(on),
            "typeguard": timed_tscrun(slow)}


LABELS = {"pyee": "pyee AsyncIOEventEmitter (baseline)",
          "off": "tscrun Dispatcher, validate-payloads off",
          "on": "tscrun Dispatcher, validate-payloads on",
          "typeguard": "(same, typeguard alone checking each payload)"}


async def measure(runs: dict[str, Run], n: int, reps: int, suspend: bool) -> dict[str, float]:
    from bench_subscribers.counter import SUSPEND
    SUSPEND[0] = suspend
    names = list(runs)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up: imports, caches, thread pools
        await runs[name](min(n, 10 * BURST))
    for rep in range(reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            gc.collect()
            rates[name].append(n / await runs[name](n))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer events")
    args = parser.parse_args()
    n, reps = (2_000, 3) if args.quick else (20_000, 9)
    with tempfile.TemporaryDirectory() as tmp:
        write_project(Path(tmp))
        runs = make_runs(Path(tmp))
        plain = asyncio.run(measure(runs, n, reps, suspend=False))
        suspending = asyncio.run(measure(runs, n, reps, suspend=True))
    rows = ["| variant | events/s, handlers return at once | ratio | "
            "events/s, handlers await once | ratio |",
            "|---|---:|---:|---:|---:|"]
    for name in LABELS:
        rows.append(f"| {LABELS[name]} | {plain[name]:,.0f} | "
                    f"{plain[name] / plain['pyee']:.2f}x | {suspending[name]:,.0f} | "
                    f"{suspending[name] / suspending['pyee']:.2f}x |")
    section = "\n".join([
        "## Runtime throughput (bench/runtime.py)",
        "",
        *rows,
        "",
        f"Method: {n:,} events per repetition in bursts of {BURST} (emit {BURST}, wait for their deliveries), "
        "each delivered to 3 async subscribers (a nested 6-key TypedDict payload); "
        f"{reps} interleaved repetitions, median; rates are events per second of the process's CPU "
        "time (time.process_time), so other load on a shared machine does not skew the ratios.",
        "The same handler function serves both; \"await once\" makes it `await asyncio.sleep(0)` so every "
        "delivery suspends. Target: off >= 1x pyee, on >= 0.5x pyee. The last row is why payloads are "
        "first checked by a compiled isinstance test (typeguard decides only refusals).",
        "",
    ])
    print(section)
    out = HERE / "results" / "runtime.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
