"""``--fix`` on generated modules: valid output, only the fixed literals touched, idempotent,
no fixable diagnostic left, ``--diff`` showing the same change, ``# noqa`` lines left alone.

One batch of modules (some with CRLF line endings, some with a UTF-8 BOM, some
with every line under ``# noqa``) goes through the real CLI: ``--format json``,
``--diff``, ``--fix``, then ``--fix`` again.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.generators import Module, any_names, misspelt_names, modules
from tests.fuzz.harness import (
    GEN_PACKAGE,
    assert_no_crash,
    budget,
    fuzz_settings,
    parses,
    run,
    tool,
    write_project,
)

BATCH = budget(50, 600)
FIXABLE_CODES = {"TSC001"}
"""The only code with a safe fix (a misspelt literal event name)."""


def _draw(count: int) -> list[Module]:
    drawn: dict[str, Module] = {}

    @fuzz_settings(count * 4, shrink=False)
    @given(st.one_of(modules(names=st.one_of(misspelt_names, misspelt_names, any_names)),
                     modules()))
    def collect(module: Module) -> None:
        if not module.decoy_only:
            drawn.setdefault(module.text, module)

    collect()
    # The last ones: hypothesis starts with its simplest (least varied) examples.
    return list(drawn.values())[-count:]


def _variant(n: int, text: str) -> tuple[str, bytes]:
    """How module ``n`` is stored: plain, CRLF, BOM, or every line under noqa."""
    if n % 5 == 1:
        return "crlf", text.replace("\n", "\r\n").encode()
    if n % 5 == 2:
        return "bom", b"\xef\xbb\xbf" + text.encode()
    if n % 5 == 3:
        return "noqa", "".join(line + "  # noqa: TSC001\n" for line in text.splitlines()).encode()
    if n % 5 == 4:
        return "bare-noqa", "".join(line + "  # noqa\n" for line in text.splitlines()).encode()
    return "plain", text.encode()


def _lint(root: Path, *args: str) -> dict[str, Any]:
    proc = run([tool("tscrun-lint"), "--format", "json", *args, GEN_PACKAGE], root)
    assert_no_crash(proc)
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def _apply(data: bytes, fixes: list[dict[str, Any]]) -> bytes:
    """The fixes applied by hand: each replaces its own span of one line, nothing else."""
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    for d in sorted(fixes, key=lambda d: (d["line"], d["column"]), reverse=True):
        assert d["line"] == d["end_line"], d
        line = lines[d["line"] - 1]
        lines[d["line"] - 1] = (line[:d["column"] - 1] + d["fix"]["replacement"]
                                + line[d["end_column"] - 1:])
    return (b"\xef\xbb\xbf" if bom else b"") + "".join(lines).encode()


@pytest.mark.parametrize("count", [BATCH], ids=lambda n: f"{n} modules")
def test_fix_is_safe_exact_and_idempotent(count: int, tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    originals: dict[str, bytes] = {}
    variants: dict[str, str] = {}
    for n, module in enumerate(_draw(count)):
        rel = f"{GEN_PACKAGE}/fix_{n:04d}.py"
        variants[rel], originals[rel] = _variant(n, module.text)
        (root / rel).write_bytes(originals[rel])

    before = _lint(root)
    fixes: dict[str, list[dict[str, Any]]] = {}
    for d in before["diagnostics"]:
        if d["fix"] is not None:
            assert d["code"] in FIXABLE_CODES, d
            fixes.setdefault(d["path"], []).append(d)
    assert all(variants[p] not in ("noqa", "bare-noqa") for p in fixes), "a noqa line got a fix"
    for d in before["diagnostics"]:
        assert variants[d["path"]] != "bare-noqa", f"# noqa did not silence {d}"
        assert variants[d["path"]] != "noqa" or d["code"] != "TSC001", f"# noqa: TSC001 ignored {d}"
    assert sum(len(f) for f in fixes.values()) > 0, "the batch should hold misspelt names"

    diff = run([tool("tscrun-lint"), "--diff", GEN_PACKAGE], root)
    assert_no_crash(diff)
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/")
    for rel, data in originals.items():
        assert (root / rel).read_bytes() == data, f"--diff wrote {rel}"

    after = _lint(root, "--fix")
    removed, added = Counter[str](), Counter[str]()
    for rel, data in originals.items():
        new = (root / rel).read_bytes()
        expected = _apply(data, fixes.get(rel, []))
        assert new == expected, f"--fix changed more (or less) than its fixes in {rel}"
        if new != data:
            assert parses(new.decode("utf-8-sig")), f"--fix wrote invalid Python in {rel}"
            old_lines = data.decode("utf-8-sig").splitlines()
            new_lines = new.decode("utf-8-sig").splitlines()
            removed.update(a for a, b in zip(old_lines, new_lines) if a != b)
            added.update(b for a, b in zip(old_lines, new_lines) if a != b)
    # --diff showed exactly the lines --fix rewrote.
    diff_lines = diff.stdout.splitlines()
    assert Counter(line[1:] for line in diff_lines
                   if line.startswith("-") and not line.startswith("---")) == removed
    assert Counter(line[1:] for line in diff_lines
                   if line.startswith("+") and not line.startswith("+++")) == added

    # Nothing fixable is left; what was not fixed is still said; what is new is about payloads
    # of calls whose event name is now known.
    assert [d for d in after["diagnostics"] if d["fix"] is not None] == []
    said = Counter((d["path"], d["code"], d["message"]) for d in after["diagnostics"])
    kept = Counter((d["path"], d["code"], d["message"]) for d in before["diagnostics"]
                   if d["fix"] is None)
    assert not kept - said, "a diagnostic that --fix did not address disappeared"
    assert all(code.startswith(("TSC1", "TSC003")) for _, code, _ in (said - kept)), said - kept

    again = _lint(root, "--fix")
    assert again == after, "--fix is not idempotent"
    for rel in originals:
        assert (root / rel).read_bytes() == _apply(originals[rel], fixes.get(rel, []))
    print(f"--fix: {len(originals)} modules, {sum(map(len, fixes.values()))} fixes "
          f"in {len(fixes)} files")
