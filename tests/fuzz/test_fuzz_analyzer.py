"""The analyzer, in process, on generated modules and on real files cut off at random points.

Each example is checked through the API the CLI and flake8 share (``check_text``)
and through the flake8 plugin's class; neither may raise, hang or hide a crash
as an "internal error" TSC900, and both must agree.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscrun import load_config
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.engine.engine import check_text
from tscrun_lint.frontends.flake8_plugin import TscrunChecker
from tscrun_lint.base.source import SourceError, decode, may_call_emit

from tests.fuzz.generators import Module, cut_files, modules
from tests.fuzz.harness import (
    GEN_PACKAGE,
    budget,
    check_diagnostics,
    fuzz_settings,
    hang_guard,
    parses,
    write_project,
)

MODULES = budget(100, 3000)
CUTS = budget(150, 3000)


@pytest.fixture(scope="module")
def project() -> Iterator[ProjectContext]:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp) / "project")
        yield ProjectContext(load_config(root / "tscrun.toml"))


def _flake8(path: Path, text: str) -> list[tuple[int, int, str]]:
    checker = TscrunChecker(None, str(path), text.splitlines(keepends=True))
    return [(line, col + 1, msg) for line, col, msg, _ in checker.run()]


def _check(project: ProjectContext, path: Path, text: str) -> list[str]:
    with hang_guard():
        result = check_text(path, text, project)
        via_flake8 = _flake8(path, text)
    check_diagnostics(text, result.diagnostics, valid=parses(text))
    assert via_flake8 == [(d.line, d.column, f"{d.code} {d.message}") for d in result.diagnostics]
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("count", [MODULES], ids=lambda n: f"{n} modules")
def test_analyzer_never_crashes_on_generated_modules(count: int, project: ProjectContext) -> None:
    path = project.config.root / GEN_PACKAGE / "generated.py"
    seen: list[int] = []

    @fuzz_settings(count)
    @given(modules())
    def check(module: Module) -> None:
        seen.append(1)
        assert parses(module.text), "the generator wrote invalid Python"
        codes = _check(project, path, module.text)
        if module.decoy_only:
            assert codes == [], "an emit that is not tscrun's was reported"

    check()
    print(f"analyzer: {len(seen)} generated modules checked")
    assert len(seen) >= count


@pytest.mark.parametrize("count", [CUTS], ids=lambda n: f"{n} cut files")
def test_analyzer_never_crashes_on_cut_real_files(count: int, project: ProjectContext) -> None:
    path = project.config.root / GEN_PACKAGE / "cut.py"
    seen: list[int] = []

    @fuzz_settings(count)
    @given(cut_files())
    def check(data: bytes) -> None:
        seen.append(1)
        try:
            text = decode(data).text
        except SourceError:
            return  # the runner reports undecodable bytes before any parsing (batch tests)
        codes = _check(project, path, text)
        if may_call_emit(text) and not parses(text):
            assert codes.count("TSC900") == 1, "a file that cannot be parsed must be reported"

    check()
    print(f"analyzer: {len(seen)} cut-off real files checked")
    assert len(seen) >= count


@pytest.mark.parametrize("depth", [100, 400, 1500, 5000])
@pytest.mark.parametrize("kind", ["dict", "list", "call", "binop", "lambda"])
def test_absurd_nesting_is_tsc900_or_checked(depth: int, kind: str, project: ProjectContext
                                             ) -> None:
    inner = '"x"'
    for _ in range(depth):
        inner = {"dict": f'{{"id": {inner}}}', "list": f"[{inner}]", "call": f"f({inner})",
                 "binop": f"({inner} + 1)", "lambda": f"lambda: {inner}"}[kind]
    text = f"from tscrun import events\nevents.emit('user.registered', {inner})\n"
    path = project.config.root / GEN_PACKAGE / "deep.py"
    with hang_guard():
        result = check_text(path, text, project)
    check_diagnostics(text, result.diagnostics, valid=parses(text))


@pytest.mark.parametrize("count", [budget(100, 2000)], ids=lambda n: f"{n} texts")
def test_analyzer_never_crashes_on_arbitrary_text_after_an_emit_import(
        count: int, project: ProjectContext) -> None:
    path = project.config.root / GEN_PACKAGE / "noise.py"

    @fuzz_settings(count)
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        _check(project, path, "from tscrun import events\n" + text)

    check()
