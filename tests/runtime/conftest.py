"""Throwaway projects for runtime tests.

Every test writes its own project under ``tmp_path`` (a ``tscrun.toml`` plus
payload and handler modules). Those modules have the conventional names
(``events.*``, ``functions.subscribers.*``), so the fixture removes them from
``sys.modules`` and their folder from ``sys.path`` before and after each test:
no test sees another's code.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import tscrun.events

MakeProject = Callable[..., Path]

# The demo-like payload types most tests use.
USER_REGISTERED = """
    from typing import NotRequired, TypedDict

    class UserRegisteredEvent(TypedDict):
        id: str
        name: str
        email: str
        registeredAt: str
        age: NotRequired[int]
    """

USER_VERIFIED = """
    from typing import TypedDict

    class UserVerifiedEvent(TypedDict):
        id: str
        email: str
    """

# A handler that records what it receives in RECEIVED.
RECORDING_HANDLER = """
    RECEIVED = []

    async def listen(event):
        RECEIVED.append(event)
    """


def _purge(root: Path) -> None:
    for name, module in list(sys.modules.items()):
        if _defined_under(module, root) or name.split(".")[0] in _TOP_LEVEL:
            del sys.modules[name]
    while str(root) in sys.path:
        sys.path.remove(str(root))


def _defined_under(module: ModuleType | None, root: Path) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).is_relative_to(root)


# Top-level packages our test projects define; stale copies must never be reused.
_TOP_LEVEL = {"events", "functions", "billing", "payloads"}


@pytest.fixture
def make_project(tmp_path: Path) -> Iterator[MakeProject]:
    """``make_project(toml, {"rel/path.py": source, ...})`` -> the config file."""
    root = tmp_path / "project"

    def make(toml: str, files: dict[str, str] | None = None,
             config_name: str = "tscrun.toml") -> Path:
        root.mkdir(exist_ok=True)
        config = root / config_name
        config.write_text(textwrap.dedent(toml).lstrip())
        for rel, text in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            # Packages need their __init__.py; create the missing ones.
            for parent in path.relative_to(root).parents:
                if parent != Path(".") and not (root / parent / "__init__.py").exists():
                    (root / parent / "__init__.py").write_text("")
            path.write_text(textwrap.dedent(text).lstrip())
        return config

    _purge(root)
    saved_default = tscrun.events._default
    tscrun.events._default = None
    try:
        yield make
    finally:
        tscrun.events._default = saved_default
        _purge(root)


def module(name: str) -> ModuleType:
    """A module the dispatcher imported from the test project."""
    return sys.modules[name]
