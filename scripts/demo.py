"""`make demo`: run every tscrun check on fixtures/demo_app, then run its events.

Each step prints what it found. The demo app carries the mistakes of the tsc.run
docs on purpose, so the checks have something to find; the script itself exits 0
unless a tool crashes.
"""

from __future__ import annotations

import asyncio
import os
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


def main() -> int:
    show_config()
    ok = run_tool("2. tscrun-lint (the CLI)", [str(BIN / "tscrun-lint"), "."])
    ok &= run_tool("3. flake8 --select TSC (the flake8 plugin)",
                   [str(BIN / "flake8"), "--select", "TSC", "."])
    ok &= run_tool("4. mypy with plugins = [\"tscrun.mypy\"]",
                   [str(BIN / "mypy"), "--no-incremental", "--cache-dir", os.devnull, "."])
    asyncio.run(run_events())
    banner("done")
    print("The checks above found the demo's mistakes before it ran; fixtures/demo_app/README.md lists them."
          "\nTry `.venv/bin/tscrun-lint --diff fixtures/demo_app` to see the safe fix for the misspelt name.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
