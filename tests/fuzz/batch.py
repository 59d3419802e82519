"""A batch: many generated modules, cut-off real files and cut-off payload modules in ONE project.

The real tools are started once per batch (a subprocess costs far more than a
file), so hypothesis only draws the batch's items; the checks then run over the
whole project.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tscrun_lint.rules import example_project

from tests.fuzz.generators import Module, cut_files, modules, payload_sources
from tests.fuzz.harness import GEN_PACKAGE, fuzz_settings, parses, python_text, write_project


@dataclass(frozen=True)
class PayloadCut:
    """A payload module cut off, and the class the config names in it."""

    data: bytes
    class_name: str


Item = Module | bytes | PayloadCut


def item_text(item: Item) -> str | None:
    """The item's source text, or None when Python could not decode its bytes."""
    data = item.text.encode() if isinstance(item, Module) else (
        item.data if isinstance(item, PayloadCut) else item)
    return python_text(data)


def mypy_can_read(item: Item) -> bool:
    """mypy stops at the first file it cannot parse: batches for it hold none."""
    text = item_text(item)
    return text is not None and parses(text)


@dataclass
class Batch:
    root: Path
    files: list[Path] = field(default_factory=list)
    """Every Python file of the project."""
    generated: list[Path] = field(default_factory=list)
    decoys: list[Path] = field(default_factory=list)
    cuts: list[Path] = field(default_factory=list)
    payloads: list[Path] = field(default_factory=list)

    def readable(self, path: Path) -> bool:
        """Text that Python decodes and parses."""
        text = python_text(path.read_bytes())
        return text is not None and parses(text)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


@st.composite
def payload_cuts(draw: st.DrawFn) -> PayloadCut:
    source = draw(st.sampled_from(payload_sources()))
    full = source.read_bytes()
    classes = [c.decode() for c in re.findall(rb"^class (\w+)", full, flags=re.M)] or ["Missing"]
    return PayloadCut(full[:draw(st.integers(0, len(full)))], draw(st.sampled_from(classes)))


def items(max_depth: int = 40) -> st.SearchStrategy[Item]:
    generated = modules(max_depth)
    return st.one_of(generated, generated, generated, generated, generated, generated,
                     cut_files(), cut_files(), payload_cuts())


def draw_items(count: int, keep: Callable[[Item], bool] = lambda item: True,
               max_depth: int = 40) -> list[Item]:
    """``count`` distinct items drawn by hypothesis (no shrinking: nothing is checked per item).

    Hypothesis starts with small, often equal, examples: duplicates are dropped and
    the last ``count`` distinct ones kept.
    """
    drawn: dict[bytes, Item] = {}

    @fuzz_settings(count * 4, shrink=False)
    @given(items(max_depth))
    def collect(item: Item) -> None:
        key = item.text.encode() if isinstance(item, Module) else (
            item.data + item.class_name.encode() if isinstance(item, PayloadCut) else item)
        if keep(item):
            drawn.setdefault(key, item)

    collect()
    # The last ones: hypothesis starts with its simplest (least varied) examples.
    return list(drawn.values())[-count:]


def write_batch(root: Path, drawn: list[Item]) -> Batch:
    payload_items = [i for i in drawn if isinstance(i, PayloadCut)]
    extra = ""
    if payload_items:
        extra = "\n[events.types]\n" + "".join(
            f'"cut.e{n}" = "events.cut_{n}:{p.class_name}"\n' for n, p in enumerate(payload_items))
    write_project(root, extra)
    batch = Batch(root)
    pkg = root / GEN_PACKAGE
    n_mod = n_cut = 0
    for item in drawn:
        if isinstance(item, Module):
            path = pkg / f"gen_{n_mod:04d}.py"
            n_mod += 1
            path.write_text(item.text, encoding="utf-8")
            batch.generated.append(path)
            if item.decoy_only:
                batch.decoys.append(path)
        elif isinstance(item, bytes):
            path = pkg / f"cut_{n_cut:04d}.py"
            n_cut += 1
            path.write_bytes(item)
            batch.cuts.append(path)
    for n, p in enumerate(payload_items):
        path = root / "events" / f"cut_{n}.py"
        path.write_bytes(p.data)
        batch.payloads.append(path)
    if payload_items:
        calls = "".join(
            f'    await events.emit("cut.e{n}", {{"id": "1", "lines": [{{"sku": "a"}}]}})\n'
            for n in range(len(payload_items)))
        emits = pkg / "cut_emits.py"
        emits.write_text(f"from tscrun import events\n\n\nasync def run() -> None:\n{calls}",
                         encoding="utf-8")
    batch.files = sorted(root.rglob("*.py"))
    expected = len([r for r in example_project.FILES if r.endswith(".py")]) + 2 + len(drawn) + (
        1 if payload_items else 0)
    assert len(batch.files) == expected, (len(batch.files), expected)
    return batch
