"""docs/rules.md is generated from the rule classes, covers every code, and is what --explain prints."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tscrun.diagnostics import CODES
from tscrun_lint.frontends.explain import explain_markdown
from tscrun_lint.rules import BY_CODE

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "rules.md"
LINT = Path(sys.executable).parent / "tscrun-lint"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_rules_doc", REPO / "scripts" / "gen_rules_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sections(text: str) -> dict[str, str]:
    """Each ``## TSCnnn: ...`` section of the page, up to the next one."""
    parts = re.split(r"(?m)^(?=## TSC\d{3}: )", text)
    return {part[3:9]: part for part in parts if part.startswith("## TSC")}


def test_rules_md_is_up_to_date() -> None:
    gen = _generator()
    assert DOC.read_text(encoding="utf-8") == gen.render(), (
        f"docs/rules.md is out of date; regenerate it with: {gen.COMMAND}")


def test_every_code_has_a_rule_class_with_why_fix_and_examples() -> None:
    assert sorted(BY_CODE) == sorted(CODES)
    for code, rule in BY_CODE.items():
        assert rule.description().strip(), code
        assert rule.WHY.strip() and rule.FIX.strip(), code
        assert rule.INVALID, f"{code} has no INVALID example"
        assert rule.VALID, f"{code} has no VALID example"


def test_rules_md_has_one_section_per_code_equal_to_explain() -> None:
    sections = _sections(DOC.read_text(encoding="utf-8"))
    assert list(sections) == list(CODES)
    for code, entry in CODES.items():
        section = sections[code]
        assert section.rstrip("\n") == explain_markdown(code).rstrip("\n"), code
        assert section.startswith(f"## {code}: {entry.summary}\n"), code
        assert "**Why it matters.**" in section and "**How to fix.**" in section, code
        assert "### Accepted" in section and "### Reported" in section, code
        assert f"`{code} " in section, f"{code}: no expected position shown"
        mypy = entry.mypy_code
        if mypy is not None:
            assert f"**mypy code:** `{mypy}`." in section, code
        elif code.startswith("TSC1"):
            assert "**mypy code:** mypy's own TypedDict codes." in section, code


def test_rules_md_index_links_every_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    anchors = set(re.findall(r"\]\(#([a-z0-9_-]+)\)", text))
    assert len(anchors) == len(CODES)
    gen = _generator()
    for code, entry in CODES.items():
        assert gen._anchor(code, entry.summary) in anchors


@pytest.mark.parametrize("code", list(CODES))
def test_cli_explain_prints_the_rules_md_section(code: str) -> None:
    proc = subprocess.run([str(LINT), "--explain", code.lower()], capture_output=True,
                          text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == explain_markdown(code)
    assert proc.stdout.rstrip("\n") == _sections(DOC.read_text(encoding="utf-8"))[code].rstrip("\n")


def test_generator_check_mode_names_the_regenerate_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen = _generator()
    gen.TARGET = tmp_path / "rules.md"
    gen.TARGET.write_text("stale\n", encoding="utf-8")
    gen.REPO = tmp_path
    assert gen.main(["--check"]) == 1
    assert capsys.readouterr().err == (
        "rules.md is out of date; run: python scripts/gen_rules_doc.py\n")
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
