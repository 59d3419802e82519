"""The same program, reformatted, gets the same diagnostics (modulo positions).

Rewrites: line breaks inside calls and displays, comments everywhere,
redundant parentheses, the other quote style, CRLF line endings, another
import form of the emitter (``import tscrun.events as tev``,
``from tscrun.events import emit as publish``, ``import tscrun.events``), CR-only
line endings and tab indentation.
Programs: hypothesis-generated modules (tests/fuzz/generators.py) and every
file of the fixture projects.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscrun import load_config
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.engine.engine import check_text
from tscrun_lint.engine.runner import Options, run

from tests.fuzz.generators import Module, modules
from tests.fuzz.harness import GEN_PACKAGE, budget, fuzz_settings, hang_guard, parses, write_project
from tests.metamorphic.transforms import TRANSFORMS

REPO = Path(__file__).resolve().parents[2]
MODULES = budget(25, 600)
ALIAS_FORMS = ("module-alias", "function-alias", "dotted-import")
SINGLE_EMITTER = (("from tscrun import events", "events.emit"),)

Said = Counter[tuple[str, str]]
"""(code, message) pairs, with multiplicity: what was said, wherever it was said."""


@pytest.fixture(scope="module")
def project() -> Iterator[ProjectContext]:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp) / "project")
        yield ProjectContext(load_config(root / "tscrun.toml"))


SAME_POSITIONS = ("crlf", "cr")
"""Rewrites that move no character to another line or column."""


def _diagnostics(project: ProjectContext, text: str) -> list[Diagnostic]:
    path = project.config.root / GEN_PACKAGE / "program.py"
    with hang_guard():
        return check_text(path, text, project).diagnostics


def _said(diagnostics: list[Diagnostic], positions: bool = False) -> Said:
    if positions:
        return Counter((f"{d.line}:{d.column}-{d.end_line}:{d.end_column} {d.code}", d.message)
                       for d in diagnostics)
    return Counter((d.code, d.message) for d in diagnostics)


@pytest.mark.parametrize("count", [MODULES],
                         ids=lambda n: f"{n} modules x {len(TRANSFORMS)} rewrites")
def test_reformatting_keeps_the_diagnostics(count: int, project: ProjectContext) -> None:
    seen: Counter[str] = Counter()

    @fuzz_settings(count)
    @given(st.integers(0, 2).map(bool).flatmap(
        lambda single: st.tuples(st.just(single),
                                 modules(emitters=SINGLE_EMITTER) if single else modules())))
    def check(drawn: tuple[bool, Module]) -> None:
        single, module = drawn
        original = _diagnostics(project, module.text)
        for name, transform in TRANSFORMS.items():
            if name in ALIAS_FORMS and not single:
                continue  # only a module whose one emitter is `events` can be re-aliased
            rewritten = transform(module.text)
            assert parses(rewritten), f"{name} wrote invalid Python"
            found = _diagnostics(project, rewritten)
            assert _said(found) == _said(original), f"{name} changed the diagnostics"
            if name in SAME_POSITIONS:
                assert _said(found, True) == _said(original, True), f"{name} moved them"
            seen[name] += 1

    check()
    print("reformatted modules per rewrite:", dict(seen))
    assert all(seen[name] for name in TRANSFORMS)


FIXTURES = ("demo_app", "lint_project", "lint_bad_files")


def _said_about_project(root: Path) -> Counter[tuple[str, str, str]]:
    outcome = run([root], Options(jobs=1))
    return Counter((d.path.absolute().relative_to(root.absolute()).as_posix(), d.code, d.message)
                   for d in outcome.diagnostics)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_reformatted_fixture_projects_keep_their_diagnostics(fixture: str, tmp_path: Path) -> None:
    original = tmp_path / "original"
    shutil.copytree(REPO / "fixtures" / fixture, original,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = _said_about_project(original)
    assert before, f"{fixture} should have findings to compare"
    for name, transform in TRANSFORMS.items():
        copy = tmp_path / name
        shutil.copytree(original, copy)
        changed = 0
        for path in copy.rglob("*.py"):
            data = path.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # mis-encoded on purpose: TSC900 either way
            if "noqa" in text or not parses(text):
                continue  # a moved line leaves its noqa behind; broken files stay broken
            new = transform(text)
            if new != text:
                path.write_bytes(new.encode("utf-8"))
                changed += 1
        assert changed, f"{name} rewrote nothing in {fixture}"
        assert _said_about_project(copy) == before, f"{name} changed what is said about {fixture}"
