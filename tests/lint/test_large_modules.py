"""Long modules through the real CLI: what libcst reads is cut down to the emit sites'
needs (relative imports that cannot reach emit, module variables only read by the
rest), and the findings are those of the whole file (fast path off)."""

from __future__ import annotations

from pathlib import Path

from conftest import lint

CONFIG = """\
project-name = "long-modules"

[events.subscribers.send-welcome-email]
events = ["user.registered"]
"""

EVENT = """\
from typing import NotRequired, TypedDict


class UserRegisteredEvent(TypedDict):
    id: str
    name: str
    email: str
    registeredAt: str
    age: NotRequired[int]
"""

# The shape of a large library module: relative imports of its package's modules (which
# are not there: the file sits at the project root, so they cannot resolve), a module
# variable whose name is also every method's local, and thousands of lines of methods.
HEAD = """\
from __future__ import annotations

from . import util
from .base import Visitor, helpers
from tscrun import events

x = 3
LIMIT: int | None = None


class Compiler(Visitor):
"""
METHOD = """\
    def visit_{i}(self, x: int) -> int:
        if x > {i}:
            x = util.clamp(x, {i})
        return helpers.fold(self, x) + {i}

"""
TAIL = """

def check_limit() -> int:
    if LIMIT is None:
        return 0
    return LIMIT


async def announce(user_id: int, name: str) -> None:
    await events.emit("user.registered", {"id": user_id, "name": name, "email": "e",
                                          "registeredAt": "t", "age": x})


async def announce_limit(user_id: str) -> None:
    await events.emit("user.registered", {"id": user_id, "name": "n", "email": "e",
                                          "registeredAt": "t", "age": LIMIT})
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "events").mkdir(parents=True)
    (root / "tscrun.toml").write_text(CONFIG)
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "user_registered.py").write_text(EVENT)
    text = HEAD + "".join(METHOD.format(i=i) for i in range(400)) + TAIL
    (root / "big.py").write_text(text)
    return root


def test_a_long_module_gets_the_findings_of_the_whole_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    fast = lint("big.py", cwd=root)
    precise = lint("big.py", cwd=root, env={"TSCRUN_LINT_FAST_PATH": "0"})
    assert fast.returncode == precise.returncode == 1, fast.stdout + fast.stderr
    assert fast.stdout == precise.stdout
    lines = [line for line in fast.stdout.splitlines() if ": TSC" in line]
    # The int passed as "id" is reported. ``LIMIT`` is only ever narrowed by
    # ``if LIMIT is None: return`` (in check_limit), so the judge takes it without None
    # and stays silent: the slice must keep check_limit for that (the fact that the
    # name is narrowed somewhere), or the fast path would report "age".
    assert len(lines) == 1, fast.stdout
    assert 'TSC103 payload for "user.registered": key "id" is int' in lines[0]
    at = (root / "big.py").read_text().splitlines().index(
        '    await events.emit("user.registered", {"id": user_id, "name": name, "email": "e",')
    assert lines[0].startswith(f"big.py:{at + 1}:"), lines[0]
