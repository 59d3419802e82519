"""tscrun-lint and flake8 against plain mypy on payload forms written by hand.

The realistic differential (test_realistic_differential.py) samples forms from a
generator written next to the analyzer; such a generator tends to produce what the
analyzer already handles. The cases in ``handwritten/cases.py`` were written apart
from it, as application code writes payloads: NewTypes, enums, Decimal, stdlib
calls, ``os.environ``, tuples, ``*args``/``**kwargs``, comprehensions, dataclass
helpers, payloads bound to unannotated variables or declared as ``dict[str, Any]``,
``**`` of mappings, conditionals on calls.

The module is written twice with the same lines: once emitting each payload (checked
by the real ``tscrun-lint`` and ``flake8``), once assigning it to a variable annotated
``OrderPlaced`` (judged by plain mypy, the oracle). Asserted: no false positive, and
no fewer of mypy's rejections flagged than measured when the cases were written (a
floor against regressions; the misses are printed so that each can be worked on).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint_catalog.handwritten.cases import CASES, PRELUDE

HERE = Path(__file__).resolve().parent / "handwritten"
BIN = Path(sys.executable).parent
# Flagged of mypy's rejections when the cases were written (67 of 82); raise it as
# the analyzer learns more, never lower it.
FLOOR = 67


def _module(oracle: bool) -> str:
    out = [PRELUDE]
    for i, (params, statements, expr) in enumerate(CASES):
        out.append(f"async def case{i}({params}) -> None:")
        if statements:
            out.append(f"    {statements}")
        if oracle:
            out.append(f"    _x: OrderPlaced = {expr}  # CASE{i}")
        else:
            out.append(f'    await events.emit("order.placed", {expr})  # CASE{i}')
        out.append("")
    return "\n".join(out)


def _case_of_line(source: str) -> dict[int, int]:
    """Line number -> the case whose function holds it."""
    owner: dict[int, int] = {}
    current = -1
    for n, line in enumerate(source.splitlines(), 1):
        m = re.match(r"async def case(\d+)\(", line)
        if m:
            current = int(m.group(1))
        owner[n] = current
    return owner


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[int]]:
    root = tmp_path_factory.mktemp("handwritten")
    (root / "pyproject.toml").write_text(
        '[tool.tscrun]\nproject-name = "handwritten"\n\n[tool.tscrun.events.types]\n'
        '"order.placed" = "events.order_placed:OrderPlaced"\n', encoding="utf-8")
    for package in ("events", "app", "oracle"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("", encoding="utf-8")
    shutil.copy(HERE / "order_placed.py", root / "events" / "order_placed.py")
    emits, oracle = _module(oracle=False), _module(oracle=True)
    (root / "app" / "emits.py").write_text(emits, encoding="utf-8")
    (root / "oracle" / "check.py").write_text(oracle, encoding="utf-8")
    owner = _case_of_line(emits)

    mypy = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--no-error-summary",
                           "--hide-error-context", "--python-version", "3.11",
                           "--disable-error-code", "empty-body", "oracle/check.py"],
                          cwd=root, capture_output=True, text=True, timeout=900)
    assert mypy.returncode in (0, 1), mypy.stdout + mypy.stderr
    rejected = set()
    for m in re.finditer(r"^oracle/check\.py:(\d+): error", mypy.stdout, re.M):
        line = oracle.splitlines()[int(m.group(1)) - 1]
        marker = re.search(r"# CASE(\d+)$", line)
        if marker:  # (errors in a case's own statements are not about its payload)
            rejected.add(int(marker.group(1)))

    env = {k: v for k, v in os.environ.items() if k != "TSCRUN_CONFIG"}
    found: dict[str, set[int]] = {"rejected": rejected}
    for tool, argv in (("tscrun-lint", [str(BIN / "tscrun-lint"), "app/emits.py"]),
                       ("flake8", [str(BIN / "flake8"), "--isolated", "--select", "TSC",
                                   "app/emits.py"])):
        proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=900,
                              env=env)
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        found[tool] = {owner[int(m.group(1))] for m in re.finditer(
            r"^(?:\./)?app/emits\.py:(\d+):\d+: TSC1\d\d ", proc.stdout, re.M)}
    return found


@pytest.mark.parametrize("tool", ["tscrun-lint", "flake8"])
def test_handwritten_payloads_against_mypy(tool: str, verdicts: dict[str, set[int]]) -> None:
    rejected, flagged = verdicts["rejected"], verdicts[tool]
    false_positives = sorted(flagged - rejected)
    missed = sorted(rejected - flagged)
    report = [f"{tool}: mypy rejects {len(rejected)} of {len(CASES)}, flagged "
              f"{len(rejected & flagged)}"]
    report += [f"  missed case {i}: {CASES[i][2][:100]}" for i in missed]
    print("\n".join(report))
    assert not false_positives, [CASES[i] for i in false_positives]
    assert len(rejected) >= len(CASES) // 3, "the cases should hold many rejected payloads"
    assert len(rejected & flagged) >= FLOOR, "\n".join(report)
