"""Every rule's VALID and INVALID examples, run against the built-in example project.

The examples are the rule reference's examples too (``tscrun-lint --explain``), so
what the docs show is what the analyzer does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tscrun import ConfigError, load_config
from tscrun_lint.rules import example_project
from tscrun_lint.engine.engine import check_text
from tscrun_lint.rules import RULES, Invalid, Rule, Valid
from tscrun_lint.engine.runner import Options, UsageError, run


def _run(root: Path, ex: Valid | Invalid, fix: bool = False) -> tuple[list[str], str | None]:
    example = example_project.write(root, ex.source, ex.config, ex.files)
    try:
        outcome = run([root], Options(fix=fix, jobs=1))
    except UsageError:
        # The CLI stops (exit 2) on a config it cannot load; the example shows what the
        # flake8 plugin reports instead, on the file that emits.
        with pytest.raises(ConfigError) as error:
            load_config(root / example_project.CONFIG_FILE)
        result = check_text(example, example.read_text(), error.value)
        return [f"{d.code} {d.line}:{d.column}" for d in result.diagnostics], None
    found = []
    for d in outcome.diagnostics:
        if d.path.absolute() == example.absolute():
            found.append(f"{d.code} {d.line}:{d.column}")
        else:
            rel = d.path.absolute().relative_to(root.absolute()).as_posix()
            found.append(f"{d.code} {rel}:{d.line}:{d.column}")
    fixed = outcome.fixes.get(example)
    return found, (fixed[1] if fixed else None)


def _cases(kind: str) -> list[object]:
    cases = []
    for rule in RULES:
        for i, ex in enumerate(getattr(rule, kind)):
            cases.append(pytest.param(rule, ex, id=f"{rule.CODE}-{kind.lower()}-{i}"))
    return cases


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"))
def test_valid_example_is_clean(rule: type[Rule], example: Valid, tmp_path: Path) -> None:
    found, _ = _run(tmp_path, example)
    assert found == []


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"))
def test_invalid_example_reports_exactly(rule: type[Rule], example: Invalid,
                                         tmp_path: Path) -> None:
    found, fixed = _run(tmp_path, example, fix=example.fixed is not None)
    assert sorted(f for f in found if f.startswith(rule.CODE)) == sorted(example.expect)
    if example.fixed is not None:
        assert fixed == example_project.clean(example.fixed)


def test_every_code_has_a_rule_with_examples() -> None:
    from tscrun.diagnostics import CODES

    assert [r.CODE for r in RULES] == list(CODES)
    for rule in RULES:
        assert rule.VALID and rule.INVALID, rule.CODE
        assert rule.__doc__ and rule.WHY and rule.FIX, rule.CODE
        for ex in rule.INVALID:
            assert all(e.split()[0] == rule.CODE for e in ex.expect), (rule.CODE, ex.expect)


def test_example_project_alone_is_clean(tmp_path: Path) -> None:
    found, _ = _run(tmp_path, Valid(""))
    assert found == []
