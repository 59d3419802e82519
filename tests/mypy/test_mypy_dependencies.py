"""Each module depends on the payload modules of the events it emits, and only those.

After one TypedDict edit, incremental mypy type-checks again that TypedDict's
module and the modules that emit its event (however they name it, emit itself
re-exported under another name by project modules included), not the rest of
the project; the emits it re-checks report against the new TypedDict.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.mypy.harness import copy_fixture, run_mypy
from tests.mypy.test_mypy_cache_and_daemon import add_verified_at

pytestmark = pytest.mark.xdist_group("mypy_dependencies")

MODULES = {
    "registered_only.py": '''\
from tscrun import events


async def only(user_id: str) -> None:
    await events.emit("user.registered", {"id": user_id, "email": "e"})
''',
    "quiet.py": '''\
def nothing_to_emit(x: int) -> int:
    return x + 1
''',
    "aliased.py": '''\
from tscrun.events import emit as send


async def aliased(user_id: str) -> None:
    await send("user.verified", {"id": user_id, "email": "e"})
''',
    "constant.py": '''\
from typing import Final

from tscrun import events

VERIFIED: Final = "user.verified"


async def by_constant(user_id: str) -> None:
    await events.emit(VERIFIED, {"id": user_id, "email": "e"})
''',
    "bus.py": "from tscrun.events import emit as send\n",
    "bus2.py": "from app.bus import send  # re-exported again, two hops from tscrun\n",
    "via_bus.py": '''\
from .bus import send


async def via_bus(user_id: str) -> None:
    await send("user.verified", {"id": user_id, "email": "e"})
''',
    "via_two.py": '''\
from app.bus2 import send


async def via_two(user_id: str) -> None:
    await send("user.verified", {"id": user_id, "email": "e"})
''',
    "passed_on.py": '''\
from tscrun import events


async def passed_on(name: str) -> None:
    await events.emit(name, {})  # not a static name: depends on every payload module
''',
}

_STALE = re.compile(r"Scheduling SCC (?:singleton|of size \d+) \(([^)]*)\) as .*stale")


def rechecked(stderr: str) -> set[str]:
    return {module for group in _STALE.findall(stderr) for module in group.split()
            if module.startswith(("app", "events"))}


def test_a_typed_dict_edit_rechecks_only_its_emitters(tmp_path: Path, runtime: Path) -> None:
    project = copy_fixture("mypy_minimal", tmp_path / "project")
    for name, text in MODULES.items():
        (project / "app" / name).write_text(text)
    cache = tmp_path / "cache"
    first = run_mypy(project, ".", runtime=runtime, cache_dir=cache)
    assert [m[3] for m in first.messages] == [
        "event name is not statically known; pass a string literal, a module constant or a "
        "Literal-typed value so it can be checked  [tscrun-dynamic-event]"], first.output

    add_verified_at(project)
    second = run_mypy(project, "-v", ".", runtime=runtime, cache_dir=cache)
    assert rechecked(second.stderr) == {
        "events.user_verified", "app.signup", "app.relay", "app.aliased", "app.constant",
        "app.passed_on", "app.via_bus", "app.via_two",
        "app.bus2",  # passes emit on under another name: may emit anything, for all it shows
    }, second.stderr[-3000:]
    missing = sorted((path, line) for path, line, _, msg in second.messages
                     if 'Missing key "verifiedAt"' in msg)
    assert missing == [("app/aliased.py", 5), ("app/constant.py", 9), ("app/relay.py", 6),
                       ("app/signup.py", 10), ("app/via_bus.py", 5), ("app/via_two.py", 5)
                       ], second.output
