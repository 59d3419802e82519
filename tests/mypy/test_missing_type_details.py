"""TSC301 details: the class the config names is reported by its own name, and every
plain class counts as "not a TypedDict", in tscrun-lint and in the mypy plugin alike.

Regressions: a class first met as another TypedDict's forward-referenced field
was reported with an empty name; ``class Outer(Generic[T])`` and a class with
a string base went unreported by tscrun-lint.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.lint.conftest import lint
from tests.mypy.harness import run_mypy

pytestmark = pytest.mark.xdist_group("mypy_missing_type")

SHAPES = '''\
from typing import Generic, TypeVar, TypedDict

T = TypeVar("T")


class Wrapper(TypedDict):
    inner: "Target"


class Target:
    pass


class Outer(Generic[T]):
    pass


class Stringy("Base"):  # type: ignore
    pass
'''

# The forward-referencing TypedDict's event first, then the class's own.
CONFIG = '''\
[events.types]
"b.wrapper" = "events.shapes:Wrapper"
"a.target" = "events.shapes:Target"
"c.outer" = "events.shapes:Outer"
"d.stringy" = "events.shapes:Stringy"
'''

EMITS = '''\
from tscrun import events


async def emit_all() -> None:
    await events.emit("a.target", {})
    await events.emit("c.outer", {})
    await events.emit("d.stringy", {})
'''

EXPECTED = {f'event "{event}" has no payload TypedDict: "events.shapes:{cls}" is not a TypedDict'
            for event, cls in (("a.target", "Target"), ("c.outer", "Outer"),
                               ("d.stringy", "Stringy"))}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "events").mkdir(parents=True)
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "shapes.py").write_text(SHAPES)
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "emits.py").write_text(EMITS)
    (root / "tscrun.toml").write_text(CONFIG)
    return root


def test_tscrun_lint_names_each_class(project: Path) -> None:
    proc = lint(".", cwd=project)
    found = set(re.findall(r"^tscrun\.toml:\d+:\d+: TSC301 (.*)$", proc.stdout, re.MULTILINE))
    assert found == EXPECTED, proc.stdout + proc.stderr


def test_mypy_plugin_agrees(project: Path, runtime: Path) -> None:
    (project / "mypy.ini").write_text("[mypy]\npython_version = 3.11\nplugins = tscrun.mypy\n")
    run = run_mypy(project, "--config-file", "mypy.ini", "app", runtime=runtime)
    found = {msg.removesuffix("  [tscrun-missing-type]") for _, _, _, msg in run.messages}
    assert found == EXPECTED, run.output
