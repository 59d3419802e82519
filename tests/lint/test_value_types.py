"""Payloads built the way applications build them, checked by the real CLI and by flake8.

Each case is a small project (``example_project``) whose example file passes values
typed by declarations: parameters, dataclass attributes, project calls, stdlib calls.
Expected findings are what plain mypy reports on the same code (checked by hand and
by tests/lint_catalog/test_realistic_differential.py); every case runs with the fast
path on (the default, what users run) and off, through both tools.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tscrun_lint.rules import example_project

BIN = Path(sys.executable).parent
TARGET = example_project.EXAMPLE_FILE

HELPERS = {
    "functions/api/helpers.py": """\
        from dataclasses import dataclass
        from typing import Literal


        @dataclass
        class User:
            id: str
            age: str
            email: str

            @property
            def label(self) -> str:
                return self.id

            @classmethod
            def load(cls) -> "User":
                return cls("1", "2", "e")

            def years(self) -> int:
                return 1


        def maybe_name() -> str | None:
            return None


        def pick_name(kind: str) -> str:
            return "user." + kind


        def fixed_name() -> Literal["user.verified"]:
            return "user.verified"
        """,
    "functions/api/__init__.py": "from functions.api.helpers import User as User\n",
    "events/user_registered.py": """\
        from typing import NotRequired, TypedDict


        class UserRegisteredEvent(TypedDict):
            id: str
            name: str
            email: str
            registeredAt: str
            age: NotRequired[int]
            coupon: NotRequired[str | None]
        """,
}

HEAD = """\
    from datetime import UTC, datetime
    from uuid import uuid4

    from functions.api import User
    from functions.api.helpers import fixed_name, maybe_name, pick_name
    from tscrun import events

"""

CASES = {
    "a parameter of the wrong type": (
        """
        async def run(user_id: int) -> None:
            await events.emit("user.verified", {"id": user_id, "email": "e", "verifiedAt": "t"})
        """, ["TSC103 key \"id\" is int, expected str"]),
    "an optional result into an optional field": (
        """
        async def run() -> None:
            await events.emit("user.registered", {"id": "1", "name": "n", "email": "e",
                                                  "registeredAt": "t", "coupon": maybe_name()})
        """, []),
    "an optional result into a plain field": (
        """
        async def run() -> None:
            await events.emit("user.registered", {"id": "1", "name": "n", "email": "e",
                                                  "registeredAt": "t", "age": maybe_name()})
        """, ["TSC103 key \"age\" is str | None, expected int"]),
    "a call declared to return str as the event name": (
        """
        async def run(data: dict[str, str]) -> None:
            await events.emit(pick_name("registered"), data)
        """, ["TSC002"]),
    "a call declared to return a Literal as the event name": (
        """
        async def run() -> None:
            await events.emit(fixed_name(), {"id": "1", "email": "e", "verifiedAt": "t"})
        """, []),
    "stdlib calls read from typeshed": (
        """
        async def run() -> None:
            await events.emit("user.verified", {"id": uuid4(), "email": str(uuid4()),
                                                "verifiedAt": datetime.now(UTC)})
            await events.emit("user.verified", {"id": uuid4().hex, "email": "e",
                                                "verifiedAt": datetime.now(UTC).isoformat()})
        """, ["TSC103 key \"id\" is UUID, expected str",
              "TSC103 key \"verifiedAt\" is datetime, expected str"]),
    "dataclass attributes, properties, methods and classmethods (re-exported class)": (
        """
        async def run(user: User) -> None:
            await events.emit("user.registered", {"id": user.id, "name": user.label,
                                                  "email": User.load().email,
                                                  "registeredAt": "t", "age": user.age})
            await events.emit("user.registered", {"id": user.id, "name": "n", "email": "e",
                                                  "registeredAt": "t", "age": user.years()})
        """, ["TSC103 key \"age\" is str, expected int"]),
    "locals, operators, f-strings and or": (
        """
        async def run(first: str, count: int, note: str | None) -> None:
            full = first + " " + first.upper()
            await events.emit("user.registered", {"id": f"{count}", "name": full,
                                                  "email": note or "none", "registeredAt": "t",
                                                  "age": count * 2})
            await events.emit("user.registered", {"id": "%s" % count, "name": note,
                                                  "email": "e", "registeredAt": "t",
                                                  "age": count / 2})
        """, ["TSC103 key \"name\" is str | None, expected str",
              "TSC103 key \"age\" is float, expected int"]),
}


def _run(tool: str, cwd: Path, fast: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TSCRUN_CONFIG"}
    env["TSCRUN_LINT_FAST_PATH"] = "1" if fast else "0"
    argv = [str(BIN / "tscrun-lint"), TARGET] if tool == "tscrun-lint" else \
        [str(BIN / "flake8"), "--isolated", "--select", "TSC", TARGET]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _codes(output: str) -> list[str]:
    found = []
    for line in output.splitlines():
        if f"{TARGET}:" not in line:
            continue
        text = line.split(": ", 1)[1] if ": " in line else line
        code, _, message = text.partition(" ")
        found.append((code, message))
    return [f"{c} {m}" for c, m in found]


@pytest.mark.parametrize("fast", [True, False], ids=["fast path on", "fast path off"])
@pytest.mark.parametrize("tool", ["tscrun-lint", "flake8"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_typed_by_declarations(name: str, tool: str, fast: bool, tmp_path: Path) -> None:
    body, expected = CASES[name]
    source = textwrap.dedent(HEAD) + textwrap.dedent(body)
    example_project.write(tmp_path, source, files=HELPERS)
    proc = _run(tool, tmp_path, fast)
    found = _codes(proc.stdout)
    assert len(found) == len(expected), proc.stdout + proc.stderr
    for want in expected:
        code, _, fragment = want.partition(" ")
        assert any(f.startswith(code) and fragment in f for f in found), (want, found)
    assert proc.returncode == (1 if expected else 0), proc.stdout + proc.stderr


def test_readonly_item_redeclared_not_required_stays_required(tmp_path: Path) -> None:
    """mypy keeps ``c`` required in ``B`` (and accepts a ``B`` where ``A`` is expected)."""
    files = {"events/user_verified.py": """\
        from typing import NotRequired, TypedDict

        from typing_extensions import ReadOnly


        class Base(TypedDict):
            c: ReadOnly[int]


        class UserVerifiedEvent(Base):
            id: str


        class Other(Base):
            id: str
            c: ReadOnly[NotRequired[int]]
        """}
    source = textwrap.dedent("""\
        from events.user_verified import Other
        from tscrun import events


        async def run(other: Other) -> None:
            await events.emit("user.verified", other)
        """)
    example_project.write(tmp_path, source, files=files)
    proc = _run("tscrun-lint", tmp_path, fast=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
