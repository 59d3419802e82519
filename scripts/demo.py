"""`make demo`: run every tscrun check on fixtures/demo_app, then run its events.

Each step prints what it found. The demo app carries the mistakes of the tsc.run
docs on purpose, so the checks have something to find; the script itself exits 0
unless a tool crashes.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo_app"
BIN = Path(sys.executable).parent


def banner(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 70 - len(title)), flush=True)


def run_tool(title: str, argv: list[str], ok_codes: tuple[int, ...] = (0, 1)) -> bool:
    banner(title)
    print("$ " + " ".join(argv), flush=True)
    proc = subprocess.run(argv, cwd=DEMO, text=True, capture_output=True)
    out = (proc.stdout + proc.stderr).rstrip()
    print(out if out else "(no output)")
    if proc.returncode not in ok_codes:
        print(f"!! {argv[0]} exited {proc.returncode}")
        return False
    return True


def show_config() -> None:
    import tscrun

    banner("1. the config (fixtures/demo_app/pyproject.toml)")
    config = tscrun.load_config(DEMO / "pyproject.toml")
    for event in config.events.values():
        subs = ", ".join(event.subscribers) or "nobody"
        print(f"  event {event.name:<18} payload {event.payload}  -> {subs}")
    for sub in config.subscribers.values():
        print(f"  subscriber {sub.name:<27} handler {sub.handler}")


async def run_events() -> None:
    import tscrun

    banner("5. the events, through the local dispatcher")
    os.chdir(DEMO)
    sys.path.insert(0, str(DEMO))
    dispatcher = tscrun.configure(DEMO / "pyproject.toml")

    from functions.api import orders, signup_page, users

    print("> users.post(...) emits user.registered")
    created = await users.post({"name": "Ada", "email": "ada@example.com"})
    # drain after each step so the handlers' lines print under the step that caused them
    await dispatcher.drain()
    print("> users.verify(...) emits user.verified")
    await users.verify(created["id"], "ada@example.com")
    await dispatcher.drain()
    for title, call in (
        ("orders.complete(...) emits order.completed without its total",
         lambda: orders.complete("o-1", created["id"])),
        ('signup_page.submit(...) emits "user-registered"',
         lambda: signup_page.submit("Grace", "grace@example.com")),
    ):
        print(f"> {title}")
        try:
            await call()
        except tscrun.TscrunError as exc:
            print(f"  rejected at emit, nothing delivered: {type(exc).__name__}: {exc}")
    await dispatcher.drain()
    dead = list(dispatcher.dead_letters)
    print(f"> dead letters: {len(dead)}")
    for letter in dead:
        print(f"  {letter}")
    await dispatcher.close()


def redis_copy(url: str, into: Path) -> Path:
    """The demo app with provider = "redis" (the fixture itself stays as it is)."""
    import shutil

    root = into / "demo_app"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    config = root / "pyproject.toml"
    text = config.read_text().replace('provider = "local"', 'provider = "redis"')
    config.write_text(text + f'\n[tool.tscrun.redis]\nurl = "{url}"\n')
    return config


async def emit_through_redis(config: Path, worker: subprocess.Popen[str], url: str) -> None:
    import redis

    import tscrun

    client = redis.Redis.from_url(url)

    def delivered() -> bool:
        streams = [k for k in client.scan_iter(b"tscrun:*:event:*")]
        return all(int(g["pending"]) == 0 and g["last-delivered-id"] ==
                   client.xinfo_stream(k)["last-generated-id"]
                   for k in streams for g in client.xinfo_groups(k))

    async def settle() -> None:
        # the handlers' lines come from the worker process: wait for it before the next step
        while not delivered():
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)

    dispatcher = tscrun.configure(config)
    from functions.api import orders, signup_page, users

    print("> users.post(...) emits user.registered", flush=True)
    created = await users.post({"name": "Ada", "email": "ada@example.com"})
    await settle()
    print("> users.verify(...) emits user.verified", flush=True)
    await users.verify(created["id"], "ada@example.com")
    await settle()
    for title, call in (
        ("orders.complete(...) emits order.completed without its total",
         lambda: orders.complete("o-1", created["id"])),
        ('signup_page.submit(...) emits "user-registered"',
         lambda: signup_page.submit("Grace", "grace@example.com")),
    ):
        print(f"> {title}", flush=True)
        try:
            await call()
        except tscrun.TscrunError as exc:
            print(f"  rejected at emit, nothing sent: {type(exc).__name__}: {exc}", flush=True)
    await dispatcher.close()
    client.close()


def _untimed(line: str) -> str:
    return re.sub(r"^\d\d:\d\d:\d\d ", "", line.rstrip())


def run_redis_events() -> None:
    banner('6. the same events through Redis (provider = "redis", tscrun worker)')
    import importlib.util
    import signal
    import tempfile

    if importlib.util.find_spec("redis") is None:
        print("skipped: the redis extra is not installed (pip install 'tscrun[redis]'); the "
              "events above went through the local dispatcher only")
        return
    from tscrun.providers.redis.local_server import LocalRedisServer, RedisServerUnavailable

    try:
        server = LocalRedisServer().start()
    except RedisServerUnavailable as exc:
        print(f"skipped: could not start a redis-server ({exc}); the events above went through "
              "the local dispatcher only")
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = redis_copy(server.url, Path(tmp))
            print(f"redis-server {server.url} ({server.binary.name}); a copy of the demo app "
                  'with provider = "redis"')
            print(f"$ tscrun worker --config {config.relative_to(tmp)}", flush=True)
            worker = subprocess.Popen([str(BIN / "tscrun"), "worker", "--config", str(config)],
                                      cwd=config.parent, text=True, stderr=subprocess.PIPE,
                                      env={**os.environ, "PYTHONUNBUFFERED": "1"})
            assert worker.stderr is not None
            for line in worker.stderr:  # wait until it runs
                print("  [worker] " + _untimed(line), flush=True)
                if "subscribers" in line or worker.poll() is not None:
                    break
            asyncio.run(emit_through_redis(config, worker, server.url))
            worker.send_signal(signal.SIGTERM)
            _, rest = worker.communicate(timeout=60)
            for line in rest.splitlines():
                print("  [worker] " + _untimed(line))
            print(f"> tscrun worker exited {worker.returncode} after SIGTERM")
    finally:
        server.stop()


def main() -> int:
    show_config()
    ok = run_tool("2. tscrun-lint (the CLI)", [str(BIN / "tscrun-lint"), "."])
    ok &= run_tool("3. flake8 --select TSC,E9 (the flake8 plugin, plus flake8's own parse errors)",
                   [str(BIN / "flake8"), "--select", "TSC,E9", "."])
    ok &= run_tool("4. mypy with plugins = [\"tscrun.mypy\"]",
                   [str(BIN / "mypy"), "--no-incremental", "--cache-dir", os.devnull, "."])
    asyncio.run(run_events())
    run_redis_events()
    banner("done")
    print("The checks above found the demo's mistakes before it ran; fixtures/demo_app/README.md lists them."
          "\nTry `.venv/bin/tscrun-lint --diff fixtures/demo_app` to see the safe fix for the misspelt name.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
