"""Events typed by aliases of generic TypedDicts agree with plain mypy.

Plain mypy is the oracle: ``v: Alias = payload`` with a generic alias used
bare fills its unsolved type variables with ``Any``; the plugin must judge
``emit("event", payload)`` the same way (and keep what the alias fixes, as in
``Alias[int]``). One line per case; the cases flagged must be the same.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from tests.mypy.harness import run_mypy

pytestmark = pytest.mark.xdist_group("mypy_generic_aliases")

PAYLOADS_MODULE = '''\
from typing import Generic, List, TypeVar, TypedDict

from typing_extensions import TypeAlias

T = TypeVar("T")
_T = TypeVar("_T")
K = TypeVar("K")


class Listing(TypedDict, Generic[T]):
    items: T
    name: str


class Box(TypedDict, Generic[T]):
    value: T


class Pair(TypedDict, Generic[T, K]):
    left: T
    right: K


ListAlias = Listing[List[T]]
BoxAlias: TypeAlias = Box[_T]
BoxAlias2: TypeAlias = BoxAlias[_T]
IntBox = BoxAlias2[int]
NestedAlias = Listing[Box[T]]
HalfPair = Pair[int, K]
'''

EVENTS = {
    "ev.list_alias": "ListAlias",
    "ev.box_alias": "BoxAlias",
    "ev.box_alias2": "BoxAlias2",
    "ev.int_box": "IntBox",
    "ev.nested_alias": "NestedAlias",
    "ev.half_pair": "HalfPair",
    "ev.listing": "Listing",
}

PAYLOADS = [
    '{"items": [1], "name": "n"}',
    '{"items": ["a", 2], "name": "n"}',
    '{"items": 1, "name": "n"}',
    '{"items": [1]}',
    '{"items": {"value": 1}, "name": "n"}',
    '{"items": {"value": 1, "extra": 2}, "name": "n"}',
    '{"items": {}, "name": "n"}',
    '{"value": 1}',
    '{"value": "s"}',
    '{"value": [None]}',
    '{"value": 1, "other": 2}',
    '{}',
    '{"left": 1, "right": "r"}',
    '{"left": "l", "right": 2}',
    '{"left": 1}',
    '[1]',
]

_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: ")


def flagged_lines(stdout: str, path: str) -> set[int]:
    return {int(m["line"]) for m in map(_ERROR.match, stdout.splitlines())
            if m and m["path"] == path}


def test_generic_aliases_agree_with_plain_mypy(tmp_path: Path, runtime: Path) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "payloads.py").write_text(PAYLOADS_MODULE)
    types = "\n".join(f'"{event}" = "pkg.payloads:{name}"' for event, name in EVENTS.items())
    (project / "tscrun.toml").write_text(f"[events.types]\n{types}\n")
    (project / "mypy.ini").write_text("[mypy]\npython_version = 3.11\n")
    (project / "plugin.ini").write_text("[mypy]\npython_version = 3.11\nplugins = tscrun.mypy\n")

    cases = list(itertools.product(EVENTS.items(), PAYLOADS))
    plain = ["from pkg import payloads", ""]
    emits = ["from tscrun import events", ""]
    for i, ((event, alias), payload) in enumerate(cases):
        # Same line number on both sides: one case per line after the header.
        plain.append(f"def case_{i}() -> None: v: payloads.{alias} = {payload}")
        emits.append(f'async def case_{i}() -> None: await events.emit("{event}", {payload})')
    (project / "plain_cases.py").write_text("\n".join(plain) + "\n")
    (project / "emit_cases.py").write_text("\n".join(emits) + "\n")

    oracle = run_mypy(project, "--config-file", "mypy.ini", "plain_cases.py", runtime=runtime)
    checked = run_mypy(project, "--config-file", "plugin.ini", "emit_cases.py", runtime=runtime)
    assert "Traceback" not in oracle.output + checked.output
    expected = flagged_lines(oracle.stdout, "plain_cases.py")
    found = flagged_lines(checked.stdout, "emit_cases.py")
    assert expected and expected != set(range(3, len(cases) + 3)), oracle.stdout  # both kinds
    disagreements = sorted(
        f"{cases[line - 3][0][1]} = {cases[line - 3][1]}: "
        f"{'plugin' if line in found else 'plain mypy'} alone flags it"
        for line in expected ^ found)
    assert disagreements == [], checked.stdout
