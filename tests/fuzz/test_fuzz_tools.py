"""The real tools on batches of generated modules, cut-off files and cut-off payload modules.

One project per test holds the whole batch; ``tscrun-lint``, ``flake8`` and
``mypy`` (with the plugin) each run once (or once per output format) over it,
must not crash or hang, must count every file, and the CLI and flake8 must say
what the in-process API says.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tscrun import load_config
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.engine.engine import check_path

from tests.fuzz.batch import Batch, Item, draw_items, item_text, mypy_can_read, write_batch
from tests.fuzz.generators import MYPY_DEPTH
from tests.fuzz.harness import (
    Finding,
    assert_no_crash,
    budget,
    finding,
    run,
    runtime_path,
    tool,
)

CLI_BATCH = budget(100, 1500)
FLAKE8_BATCH = budget(100, 1000)
MYPY_BATCH = budget(120, 1000)


def _in_process(batch: Batch, paths: list[Path]) -> dict[str, list[Finding]]:
    """What the API says about each file (handlers included, as the CLI checks them)."""
    project = ProjectContext(load_config(batch.root / "tscrun.toml"))
    out: dict[str, list[Finding]] = {}
    for path in paths:
        found = [finding(d, batch.root) for d in check_path(path, project).diagnostics]
        out[batch.rel(path)] = sorted(found, key=lambda f: (f.line, f.column, f.code, f.message))
    return out


def _by_file(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in sorted(findings, key=lambda f: (f.path, f.line, f.column, f.code, f.message)):
        out[f.path].append(f)
    return out


@pytest.mark.parametrize("count", [CLI_BATCH], ids=lambda n: f"{n} files")
def test_cli_never_crashes_and_counts_every_file(count: int, tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "project", draw_items(count))
    print(f"tscrun-lint: batch of {len(batch.files)} files "
          f"({len(batch.generated)} generated, {len(batch.cuts)} cut, "
          f"{len(batch.payloads)} cut payload modules)")

    proc = run([tool("tscrun-lint"), "--format", "json", "."], batch.root)
    assert_no_crash(proc)
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] == len(batch.files)
    assert report["summary"]["diagnostics"] == len(report["diagnostics"])
    assert proc.returncode == (1 if report["diagnostics"] else 0)
    cli = [Finding(d["path"], d["line"], d["column"], d["code"], d["message"])
           for d in report["diagnostics"]]
    by_file = _by_file(cli)

    # Every unreadable file that may call emit is reported once, and only those.
    tsc900 = {f.path for f in cli if f.code == "TSC900"}
    for path in batch.files:
        text = path.read_bytes()
        if not batch.readable(path) and b"tscrun" in text and b"emit" in text:
            assert batch.rel(path) in tsc900, f"{batch.rel(path)} not reported as unreadable"
    assert all(not batch.readable(batch.root / p) for p in tsc900), tsc900

    # Decoy-only modules are never reported; the pool-run CLI says what the API says.
    for path in batch.decoys:
        assert by_file.get(batch.rel(path), []) == [], batch.rel(path)
    checked = batch.generated + batch.cuts
    assert {p: by_file.get(p, []) for p in map(batch.rel, checked)} == _in_process(batch, checked)

    text = run([tool("tscrun-lint"), "."], batch.root)
    assert_no_crash(text)
    lines = text.stdout.splitlines()
    summary = (f"No problems found in {len(batch.files)} files." if not cli else
               f"Found {len(cli)} problem{'s' if len(cli) != 1 else ''} in "
               f"{len(by_file)} file{'s' if len(by_file) != 1 else ''} "
               f"({len(batch.files)} checked).")
    assert lines[-1].startswith(summary), lines[-1]
    assert len(lines) == len(cli) + 1, "a message spans more than one line"

    github = run([tool("tscrun-lint"), "--format", "github", "."], batch.root)
    assert_no_crash(github)
    assert all(line.startswith("::error ") for line in github.stdout.splitlines())
    assert len(github.stdout.splitlines()) == len(cli)


_FLAKE8_LINE = re.compile(r"^\./(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>TSC\d{3}) "
                          r"(?P<msg>.*)$")


def _pycodestyle_survives(item: Item) -> bool:
    """pycodestyle 2.15 (run by flake8 whatever --select says) crashes with IndexError on a
    module-level line that is only ``b``, ``u`` or ``r`` (a file cut just after a string
    prefix); not ours to test, so such files stay out of flake8's batch."""
    text = item_text(item)
    return text is None or not any(
        line.strip() in ("u", "U", "b", "B", "r", "R") for line in text.splitlines())


@pytest.mark.parametrize("count", [FLAKE8_BATCH], ids=lambda n: f"{n} files")
def test_flake8_plugin_never_crashes_and_agrees_with_the_api(count: int, tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "project", draw_items(count, keep=_pycodestyle_survives))
    print(f"flake8 --jobs 1 and --jobs 2: batch of {len(batch.files)} files")
    # flake8 does not run plugins on files Python cannot parse (it reports E999 itself).
    readable = [p for p in batch.generated + batch.cuts + batch.payloads if batch.readable(p)]
    expected = _in_process(batch, readable)
    for jobs in ("1", "2"):
        proc = run([tool("flake8"), "--select", "TSC", "--jobs", jobs, "--benchmark", "."],
                   batch.root)
        assert_no_crash(proc)
        files = re.search(r"^(\d+)\s+total files processed$", proc.stdout, flags=re.M)
        assert files is not None, proc.stdout[-3000:]
        assert int(files[1]) == len(batch.files)
        found = []
        for line in proc.stdout.splitlines():
            m = _FLAKE8_LINE.match(line)
            if m:
                found.append(Finding(m["path"], int(m["line"]), int(m["col"]), m["code"],
                                     m["msg"]))
        by_file = _by_file(found)
        assert {p: by_file.get(p, []) for p in expected} == expected, f"--jobs {jobs}"


@pytest.mark.parametrize("count", [MYPY_BATCH], ids=lambda n: f"{n} files")
def test_mypy_plugin_never_crashes_and_counts_every_file(count: int, tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "project",
                        draw_items(count, keep=mypy_can_read, max_depth=MYPY_DEPTH))
    print(f"mypy: batch of {len(batch.files)} files")
    runtime = runtime_path(tmp_path / "runtime")
    proc = run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                "--show-traceback", "."], batch.root, runtime)
    assert_no_crash(proc)
    summary = proc.stdout.splitlines()[-1]
    checked = re.search(r"(?:checked|in) (\d+) source files?\)?$", summary)
    assert checked is not None, summary
    assert int(checked[1]) == len(batch.files), summary
    # The plugin was loaded and judged the emit calls.
    assert "[tscrun-" in proc.stdout or not batch.generated

    # No false positives against mypy: whatever the analyzer says about an emit call,
    # mypy (with the plugin) also has something to say about that call: an error, or the
    # plugin's note that it cannot check it (a plain, non-Final constant as the name, which
    # the analyzer reads and mypy cannot).
    errors: dict[str, set[int]] = defaultdict(set)
    for line in proc.stdout.splitlines():
        m = re.match(r"^(?P<path>[^:]+):(?P<line>\d+): (error|note: this emit is not checked)",
                     line)
        if m:
            errors[Path(m["path"]).as_posix()].add(int(m["line"]))
    lint = run([tool("tscrun-lint"), "--format", "json", *map(batch.rel, batch.generated)],
               batch.root)
    assert_no_crash(lint)
    unmatched = []
    for d in json.loads(lint.stdout)["diagnostics"]:
        span = _emit_call_span(batch.root / d["path"], d["line"])
        if span is None:
            continue  # in a branch mypy never checks (after `if TYPE_CHECKING:`)
        if not any(span[0] <= line <= span[1] for line in errors[d["path"]]):
            unmatched.append(d)
    if unmatched:
        # Enough to reproduce by hand: the first file's text and what mypy said of it.
        first = unmatched[0]["path"]
        said = [line for line in proc.stdout.splitlines() if line.startswith(first)]
        print(f"--- {first}\n{(batch.root / first).read_text()}\n--- mypy on it:\n"
              + "\n".join(said) + f"\n--- mypy summary: {summary}")
    assert unmatched == [], "the analyzer reported calls mypy accepts"


def _emit_call_span(path: Path, line: int) -> tuple[int, int] | None:
    """The lines of the innermost call around ``line``; None inside code mypy skips.

    A payload finding may point at the display a variable was bound to, outside the
    call: then the function around it (mypy reports at the call that passes it).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
                and node.orelse and node.orelse[0].lineno <= line
                <= (node.orelse[-1].end_lineno or line)):
            return None

    def around(kinds: tuple[type[ast.AST], ...]) -> list[ast.AST]:
        return [n for n in ast.walk(tree)
                if isinstance(n, kinds) and isinstance(n, ast.stmt | ast.expr)
                and n.lineno <= line <= (n.end_lineno or n.lineno)]

    def is_emit(node: ast.AST) -> bool:
        func = node.func if isinstance(node, ast.Call) else None
        return (isinstance(func, ast.Attribute) and func.attr == "emit"
                or isinstance(func, ast.Name) and func.id == "emit")

    # The emit call itself when the line lies inside one: a finding on its payload
    # (`dict(lines=-1)`, itself a call) is about the emit, where mypy reports.
    calls = around((ast.Call,))
    nodes = [c for c in calls if is_emit(c)] or calls \
        or around((ast.FunctionDef, ast.AsyncFunctionDef))
    spans = [(n.lineno, n.end_lineno or n.lineno) for n in nodes]  # type: ignore[attr-defined]
    assert spans, f"{path}:{line}: a diagnostic outside any call or function"
    return min(spans, key=lambda s: s[1] - s[0])
