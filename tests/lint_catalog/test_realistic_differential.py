"""tscrun-lint and its flake8 plugin against plain mypy, on payloads written the way
applications write them (issue 12's differential).

``tests/fuzz/realistic.py`` generates cases over several TypedDict shapes (flat,
NotRequired, nested list of TypedDicts, Literal and Optional fields, a generic
TypedDict through an alias) with values from parameters, attributes, properties,
methods, classmethods, NamedTuples, project and stdlib calls, locals, narrowing,
conditionals, ``or``, operators and f-strings, comprehensions, TypedDict and dict
items, spreads. The same module is written twice with the same line layout: once
emitting (what the analyzer checks, through the real ``tscrun-lint`` command and the
real ``flake8``) and once assigning each payload to a variable annotated with the
event's TypedDict (what plain mypy judges: the oracle).

Asserted: no payload mypy accepts is flagged (0 false positives) and at least 90% of
the payloads mypy rejects are flagged, by both tools. Results are printed by form, so
a regression shows where. ``TSCRUN_REALISTIC_CASES``/``TSCRUN_REALISTIC_SEED`` explore
other samples.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.fuzz import realistic

BIN = Path(sys.executable).parent
CASES = int(os.environ.get("TSCRUN_REALISTIC_CASES", "320"))
SEED = int(os.environ.get("TSCRUN_REALISTIC_SEED", "1212"))
TYPES = {"user.registered": "UserRegisteredEvent", "order.completed": "OrderCompletedEvent",
         "profile.updated": "ProfileUpdatedEvent", "audit.logged": "AuditLogged"}
ORACLE_IMPORTS = ("from events.user_registered import UserRegisteredEvent\n"
                  "from events.profile_updated import ProfileUpdatedEvent\n"
                  "from events.audit import AuditLogged\n")


def _oracle(source: str) -> str:
    """The same module with each emit turned into an annotated assignment (same lines)."""
    out = []
    for line in source.splitlines():
        m = re.match(r'^(\s*)await events\.emit\("([^"]+)", (.*)\)$', line)
        out.append(f"{m.group(1)}_payload: {TYPES[m.group(2)]} = {m.group(3)}" if m else line)
    # the imports go on the first line so that no case moves
    return ORACLE_IMPORTS.replace("\n", "; ").rstrip("; ") + "; " + "\n".join(out) + "\n"


def _flagged_lines(output: str, target: str) -> set[int]:
    found = set()
    for line in output.splitlines():
        m = re.match(rf"^{re.escape(target)}:(\d+):\d+: TSC1\d\d ", line)
        if m:
            found.add(int(m.group(1)))
    return found


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("realistic")
    rng = random.Random(SEED)
    cases = [realistic.make_case(rng, realistic.FORMS[i % len(realistic.FORMS)])
             for i in range(CASES)]
    source, lines = realistic.render(cases)
    realistic.write(root, source)
    oracle = root / "functions" / "api" / "oracle.py"
    oracle.write_text(_oracle(source), encoding="utf-8")
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--no-error-summary",
                           "--hide-error-context", "--python-version", "3.11",
                           "functions/api/oracle.py"], cwd=root, capture_output=True,
                          text=True, timeout=900)
    rejected = {int(m.group(1)) for m in re.finditer(r"^functions/api/oracle\.py:(\d+): error",
                                                     mypy.stdout, re.M)}
    assert mypy.returncode in (0, 1), mypy.stdout + mypy.stderr
    target = "functions/api/cases.py"
    env = {k: v for k, v in os.environ.items() if k != "TSCRUN_CONFIG"}
    lint = subprocess.run([str(BIN / "tscrun-lint"), target], cwd=root, capture_output=True,
                          text=True, timeout=900, env=env)
    flake8 = subprocess.run([str(BIN / "flake8"), "--isolated", "--select", "TSC", target],
                            cwd=root, capture_output=True, text=True, timeout=900, env=env)
    assert lint.returncode in (0, 1), lint.stdout + lint.stderr
    return {"cases": cases, "lines": lines, "rejected": rejected, "mypy": mypy.stdout,
            "tscrun-lint": _flagged_lines(lint.stdout, target),
            "flake8": _flagged_lines(flake8.stdout, target), "source": source}


@pytest.mark.parametrize("tool", ["tscrun-lint", "flake8"])
def test_realistic_payloads_against_mypy(tool: str, verdicts: dict[str, object]) -> None:
    cases: list[realistic.Case] = verdicts["cases"]  # type: ignore[assignment]
    lines: list[int] = verdicts["lines"]  # type: ignore[assignment]
    rejected: set[int] = verdicts["rejected"]  # type: ignore[assignment]
    flagged: set[int] = verdicts[tool]  # type: ignore[assignment]
    by_form: dict[str, Counter[str]] = {}
    false_positives = []
    for case, line in zip(cases, lines):
        tally = by_form.setdefault(case.form, Counter())
        tally["cases"] += 1
        if line in rejected:
            tally["mypy rejects"] += 1
            tally["flagged"] += line in flagged
        elif line in flagged:
            tally["false positives"] += 1
            false_positives.append(f"line {line} ({case.form})")
    rows = [f"{'form':20} {'cases':>5} {'mypy rejects':>12} {'flagged':>7} {'FP':>3}"]
    for form, t in by_form.items():
        rows.append(f"{form:20} {t['cases']:5} {t['mypy rejects']:12} {t['flagged']:7} "
                    f"{t['false positives']:3}")
    total = sum((t for t in by_form.values()), Counter())
    rows.append(f"{'all':20} {total['cases']:5} {total['mypy rejects']:12} {total['flagged']:7} "
                f"{total['false positives']:3}")
    print(f"\n{tool}:\n" + "\n".join(rows))
    assert not false_positives, false_positives
    assert total["mypy rejects"] >= CASES // 4, "the sample should hold many rejected payloads"
    assert total["flagged"] >= 0.9 * total["mypy rejects"], "\n".join(rows)
    assert json.dumps(rows)  # printed above for the report
