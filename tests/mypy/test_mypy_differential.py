"""Differential test: the plugin flags ``emit(name, payload)`` exactly when plain
mypy flags ``x: TheTypedDict = payload``.

Payloads are generated (seeded) for several TypedDict shapes: dict displays
with keys dropped, added or given values of other types, nested dicts,
``dict(...)`` calls, ``**`` spreads, variables of other types, non-mappings.
Each case is one function on one line. All cases run in one mypy run per side:
plain mypy over the annotated assignments, mypy with the plugin over the emits.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mypy.harness import Run, run_mypy

pytestmark = pytest.mark.xdist_group("mypy_differential")

SHAPES_MODULE = '''\
from typing import Any, Literal, Mapping, NotRequired, Required, TypedDict

from typing_extensions import ReadOnly


class Flat(TypedDict):
    name: str
    count: int


class Partial(TypedDict, total=False):
    name: str
    count: int


class Mixed(TypedDict, total=False):
    name: Required[str]
    ratio: float
    tags: NotRequired[list[str]]


class Inner(TypedDict):
    x: int


class Nested(TypedDict):
    inner: Inner
    items: list[Inner]


class Child(Flat):
    ratio: float


Functional = TypedDict("Functional", {"name": str, "from": int})


class Choices(TypedDict):
    kind: Literal["x", "y"]
    note: str | None


class Frozen(TypedDict):
    name: ReadOnly[str]
    count: int


flat_v: Flat
partial_v: Partial
mixed_v: Mixed
inner_v: Inner
nested_v: Nested
child_v: Child
functional_v: Functional
choices_v: Choices
frozen_v: Frozen
any_v: Any
strs_v: dict[str, str]
objs_v: dict[str, object]
map_v: Mapping[str, object]
str_v: str
lit_v: Literal["x"]


def make_flat() -> Flat:
    raise NotImplementedError


def make_child() -> Child:
    raise NotImplementedError
'''

# value type -> (expressions of that type, expressions of other types)
VALUES: dict[str, tuple[list[str], list[str]]] = {
    "str": (['"s"', "str_v"], ["1", "None", "1.5", '["s"]', '{"x": 1}']),
    "int": (["1", "True"], ['"1"', "None", "1.5"]),
    "float": (["1.5", "1"], ['"1.5"', "None"]),
    "list[str]": (['["a"]', "[]"], ["[1]", '"a"', "None"]),
    "Inner": (['{"x": 1}', "inner_v"], ['{"x": "1"}', "{}", '{"x": 1, "y": 2}', "1"]),
    "list[Inner]": (['[{"x": 1}]', "[]", "[inner_v]"], ['[{"x": "1"}]', "[{}]", "inner_v"]),
    "lit": (['"x"', '"y"', "lit_v"], ['"z"', "str_v", "1"]),
    "str|None": (['"s"', "None"], ["1", "[]"]),
}


@dataclass(frozen=True)
class Shape:
    name: str
    event: str
    variable: str
    keys: dict[str, tuple[str, bool]]  # key -> (value type, required)


SHAPES = [
    Shape("Flat", "shape.flat", "flat_v", {"name": ("str", True), "count": ("int", True)}),
    Shape("Partial", "shape.partial", "partial_v",
          {"name": ("str", False), "count": ("int", False)}),
    Shape("Mixed", "shape.mixed", "mixed_v", {"name": ("str", True), "ratio": ("float", False),
                                              "tags": ("list[str]", False)}),
    Shape("Nested", "shape.nested", "nested_v",
          {"inner": ("Inner", True), "items": ("list[Inner]", True)}),
    Shape("Child", "shape.child", "child_v", {"name": ("str", True), "count": ("int", True),
                                              "ratio": ("float", True)}),
    Shape("Functional", "shape.functional", "functional_v",
          {"name": ("str", True), "from": ("int", True)}),
    Shape("Choices", "shape.choices", "choices_v",
          {"kind": ("lit", True), "note": ("str|None", True)}),
    Shape("Frozen", "shape.frozen", "frozen_v", {"name": ("str", True), "count": ("int", True)}),
]

WHOLE = ["flat_v", "partial_v", "mixed_v", "nested_v", "child_v", "functional_v", "choices_v",
         "frozen_v", "any_v", "strs_v", "objs_v", "map_v", "None", "3", '"s"', "[]",
         "make_flat()", "make_child()", "{}", "dict()", "{**flat_v}", "{**child_v}",
         "{**strs_v}", "{**any_v}"]
CASES_PER_SHAPE = 70


def payloads(shape: Shape, rng: random.Random) -> list[str]:
    out = list(WHOLE)
    while len(out) < CASES_PER_SHAPE + len(WHOLE):
        items: dict[str, str] = {}
        for key, (typ, required) in shape.keys.items():
            if required or rng.random() < 0.5:
                items[key] = rng.choice(VALUES[typ][0])
        for _ in range(rng.randint(0, 2)):
            mutation = rng.choice(["drop", "extra", "wrong", "right"])
            key = rng.choice(list(shape.keys))
            if mutation == "drop":
                items.pop(key, None)
            elif mutation == "extra":
                items[rng.choice(["extra", "Name", "x"])] = rng.choice(['"e"', "1"])
            else:
                typ = shape.keys[key][0]
                items[key] = rng.choice(VALUES[typ][1 if mutation == "wrong" else 0])
        form = rng.choice(["display", "display", "call", "spread"])
        if form == "call" and all(k.isidentifier() and k != "from" for k in items):
            out.append("dict(" + ", ".join(f"{k}={v}" for k, v in items.items()) + ")")
            continue
        body = ", ".join(f'"{k}": {v}' for k, v in items.items())
        if form == "spread":
            spread = rng.choice([shape.variable, "flat_v", "child_v", "partial_v"])
            body = f"**{spread}, {body}" if body else f"**{spread}"
        out.append("{" + body + "}")
    return out


@dataclass(frozen=True)
class Case:
    shape: Shape
    payload: str


def generate() -> list[Case]:
    rng = random.Random(20240611)
    return [Case(shape, p) for shape in SHAPES for p in payloads(shape, rng)]


def write_project(root: Path, cases: list[Case]) -> None:
    (root / "shapes.py").write_text(SHAPES_MODULE)
    types = "\n".join(f'"{s.event}" = "shapes:{s.name}"' for s in SHAPES)
    (root / "tscrun.toml").write_text(f"[events.types]\n{types}\n")
    (root / "plain.ini").write_text("[mypy]\npython_version = 3.11\n")
    (root / "plugin.ini").write_text("[mypy]\npython_version = 3.11\nplugins = mypy_plugin\n")
    header = "from shapes import *\nfrom tscrun.events import emit\n\n"
    plain, emits = [header], [header]
    for i, case in enumerate(cases):
        # One line per case, so a message's line number names its case.
        plain.append(f"def case_{i}() -> None: x: {case.shape.name} = {case.payload}\n")
        emits.append(f'async def case_{i}() -> None: await emit("{case.shape.event}", '
                     f"{case.payload})\n")
    (root / "plain_cases.py").write_text("".join(plain))
    (root / "emit_cases.py").write_text("".join(emits))


def flagged(run: Run, path: str) -> set[int]:
    """Case numbers with an error (header lines come first: case i is on line i + 4)."""
    assert "Traceback" not in run.output and "INTERNAL ERROR" not in run.output, run.output
    lines = {line for (p, line, kind, _) in run.messages if p == path and kind == "E"}
    return {line - 4 for line in lines}


def test_plugin_agrees_with_plain_mypy(tmp_path: Path, runtime: Path) -> None:
    check_agreement(tmp_path, runtime, sys.executable)


def check_agreement(tmp_path: Path, runtime: Path, python: str) -> None:
    cases = generate()
    write_project(tmp_path, cases)
    plain = run_mypy(tmp_path, "--config-file", "plain.ini", "shapes.py", "plain_cases.py",
                     runtime=runtime, python=python)
    plugin = run_mypy(tmp_path, "--config-file", "plugin.ini", "shapes.py", "emit_cases.py",
                      runtime=runtime, python=python)
    plain_flagged = flagged(plain, "plain_cases.py")
    plugin_flagged = flagged(plugin, "emit_cases.py")
    # The generator must produce both outcomes in numbers, for every shape.
    for shape in SHAPES:
        numbers = {i for i, c in enumerate(cases) if c.shape is shape}
        assert 10 <= len(numbers & plain_flagged) <= len(numbers) - 10, shape.name
    disagreements = [f"{cases[i].shape.name}: {cases[i].payload} "
                     f"(plain mypy {'flags' if i in plain_flagged else 'accepts'} it)"
                     for i in sorted(plain_flagged ^ plugin_flagged)]
    assert disagreements == []
    assert not re.search(r"\[tscrun-", plugin.stdout), plugin.stdout
    assert all(m[0] != "shapes.py" for m in [*plain.messages, *plugin.messages])
