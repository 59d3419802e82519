"""Helpers for the catalog tests: fixture projects, and judging payloads in a source text."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import (
    FullyQualifiedNameProvider,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

import tscrun
from tscrun_lint.project.catalog import Catalog
from tscrun_lint.judge.payload import ModuleContext, judge_payload
from tscrun_lint.base.typemodel import TypedDictType

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def syntax_project(tmp_path: Path) -> Path:
    """A private copy of fixtures/catalog_syntax (tests may edit it)."""
    dest = tmp_path / "catalog_syntax"
    shutil.copytree(FIXTURES / "catalog_syntax", dest)
    return dest


def catalog_for(root: Path) -> Catalog:
    return Catalog.for_config(tscrun.load_config(root / "pyproject.toml"))


@dataclass(frozen=True)
class Seen:
    code: str
    line: int
    column: int  # 1-based, as the CLI prints it
    message: str

    def __str__(self) -> str:
        return f"{self.code} {self.line}:{self.column}"


def judge_file(root: Path, relpath: str, source: str) -> list[Seen]:
    """Write ``source`` at ``root/relpath`` and judge every ``emit("event", payload)`` in it.

    ``emit`` here is any call spelled ``emit``: finding the real calls is the engine's
    job; this exercises the payload judge alone, with the metadata the engine gives it.
    """
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    config = tscrun.load_config(root / "pyproject.toml")
    catalog = Catalog.for_config(config)
    source_root = config.source_roots[0]
    names = FullyQualifiedNameProvider.gen_cache(source_root, [str(path)])
    wrapper = MetadataWrapper(cst.parse_module(source),
                              cache={FullyQualifiedNameProvider: names[str(path)]})
    ctx = ModuleContext(catalog, config.module_for_file(path), wrapper.resolve(ScopeProvider),
                        wrapper.resolve(FullyQualifiedNameProvider))
    positions = wrapper.resolve(PositionProvider)
    seen: list[Seen] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if not (isinstance(node.func, cst.Name) and node.func.value == "emit"):
                return
            event = node.args[0].value
            assert isinstance(event, cst.SimpleString)
            name = event.evaluated_value
            assert isinstance(name, str)
            expected = catalog.payload_type(name)
            assert isinstance(expected, TypedDictType), (name, expected)
            for f in judge_payload(node.args[1].value, expected, name, ctx):
                start = positions[f.node].start
                seen.append(Seen(f.code, start.line, start.column + 1, f.message))

    wrapper.module.visit(Visitor())
    return sorted(seen, key=lambda s: (s.line, s.column, s.code))
