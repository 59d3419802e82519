"""tscrun-lint against plain mypy on TypedDict cases in the shape of the typing spec's
conformance tests and mypy's own TypedDict tests.

A *source module* defines TypedDicts (class or functional syntax, inheritance,
``total=False``, ``Required``/``NotRequired``, ``ReadOnly``, generics, nesting) and
gives values to them in annotated assignments (``b1: B1 = {"x": 0}``, ``a1: A1 = b1``).
Each such assignment whose annotation is a module-level TypedDict (or a subscripted
one) becomes a case: the module is written twice with the same lines, once with a
function at its end emitting the value as the payload of an event whose type is that
annotation (what ``tscrun-lint`` checks, through the real command), once with the
same function assigning the value to a variable of that annotation (what plain mypy
judges: the oracle). Both read the module's names from inside a function, where mypy
takes every module variable at its declared type.

Sources: the modules written for this test (``typeddict_shapes.MODULES``, always run)
and, when present, the conformance suite's ``typeddicts_*.py`` and the programs of
mypy's ``check-typeddict.test`` (``TSCRUN_CONFORMANCE_DIR``, default
``/work/.mirror``: a checkout of github:python/typing and github:python/mypy; that
external part alone is skipped without them).

Asserted: 0 false positives (a payload mypy accepts and tscrun-lint flags) on both,
and on our modules at least ``OWN_RATE`` of mypy's rejections flagged. The rates and
every false positive are printed.
"""

from __future__ import annotations

import ast
import builtins as builtins_module
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lint_catalog.typeddict_shapes import MODULES

BIN = Path(sys.executable).parent
OWN_RATE = 0.85
EXTERNAL = Path(os.environ.get("TSCRUN_CONFORMANCE_DIR", "/work/.mirror"))
TYPING_TESTS = ("python+typing/repo", "conformance/tests")
MYPY_TESTS = ("python+mypy/repo", "test-data/unit/check-typeddict.test")
_TD_BASES = frozenset({"TypedDict"})


@dataclass
class Case:
    module: str
    line: int
    """Line of the emit (and of the oracle's assignment) in the written module."""
    annotation: str
    value: str
    event: str


def _typeddicts(tree: ast.Module) -> set[str]:
    """Module-level TypedDict names: classes deriving from TypedDict or from one of them,
    and the functional form ``X = TypedDict("X", {...})``."""
    found: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            for base in stmt.bases:
                head = base.value if isinstance(base, ast.Subscript) else base
                name = head.attr if isinstance(head, ast.Attribute) else \
                    head.id if isinstance(head, ast.Name) else None
                if name in _TD_BASES or name in found:
                    found.add(stmt.name)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            name = func.attr if isinstance(func, ast.Attribute) else \
                func.id if isinstance(func, ast.Name) else None
            if name == "TypedDict":
                found.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return found


def _cases(name: str, text: str, start: int) -> tuple[str, str, list[Case]] | None:
    """(module to lint, oracle module, cases), or None if Python cannot parse it."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    tds = _typeddicts(tree)
    module_names = {n for stmt in tree.body for n in _bound(stmt)}
    found: list[tuple[str, str, str]] = []  # (parameters, annotation, value)

    def take(stmt: ast.stmt, params: str, visible: set[str]) -> None:
        if not (isinstance(stmt, ast.AnnAssign) and stmt.value is not None):
            return
        ann = stmt.annotation
        head = ann.value if isinstance(ann, ast.Subscript) else ann
        used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        if isinstance(head, ast.Name) and head.id in tds and used <= visible:
            found.append((params, ast.get_source_segment(text, ann) or "",
                          ast.get_source_segment(text, stmt.value) or ""))

    # module-level functions taking a TypedDict: ``f({...})`` passes a payload too
    takes: dict[str, list[ast.expr | None]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            takes[stmt.name] = [a.annotation for a in [*stmt.args.posonlyargs, *stmt.args.args]]

    def passed(call: ast.AST, params: str, visible: set[str]) -> None:
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id in takes and not call.keywords):
            return
        for arg, ann in zip(call.args, takes[call.func.id]):
            head = ann.value if isinstance(ann, ast.Subscript) else ann
            used = {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
            if isinstance(arg, ast.Starred) or not isinstance(head, ast.Name) or \
                    head.id not in tds or not used <= visible or ann is None:
                continue
            found.append((params, ast.get_source_segment(text, ann) or "",
                          ast.get_source_segment(text, arg) or ""))

    builtins = set(dir(builtins_module))
    for stmt in tree.body:
        take(stmt, "", module_names | builtins)
        if isinstance(stmt, ast.Expr):
            passed(stmt.value, "", module_names | builtins)
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and \
                not stmt.args.vararg and not stmt.args.kwarg:
            # a value built from the function's parameters: the case function takes
            # the same parameters (locals assigned in the body are not followed)
            params = {a.arg for a in [*stmt.args.posonlyargs, *stmt.args.args,
                                      *stmt.args.kwonlyargs]}
            for inner in ast.walk(stmt):
                visible = module_names | builtins | params
                if isinstance(inner, ast.AnnAssign):
                    take(inner, ast.unparse(stmt.args), visible)
                elif isinstance(inner, ast.Expr):
                    passed(inner.value, ast.unparse(stmt.args), visible)
    found = [(p, a, v) for p, a, v in found if a and v and "\n" not in p + a + v]
    if not found:
        return None
    lines = text.rstrip("\n").split("\n")
    emit = lines + ["", "", "from tscrun import events as _tscrun_events  # noqa: E402", ""]
    oracle = lines + ["", "", "import typing as _tscrun_typing  # same line count", ""]
    cases: list[Case] = []
    for i, (params, annotation, value) in enumerate(found):
        # a subscripted TypedDict (``TD[int]``) is named by an alias, for the config
        alias = annotation if annotation.isidentifier() else f"_Case{start + i}"
        event = f"shape{start + i}.checked"
        for out in (emit, oracle):
            out += ["", f"{alias} = {annotation}" if alias != annotation else "", "", "",
                    f"async def _case_{start + i}({params}) -> None:"]
        line = len(emit) + 1
        emit.append(f'    await _tscrun_events.emit("{event}", {value})')
        oracle.append(f"    _payload: {alias} = {value}")
        cases.append(Case(name, line, alias, value, event))
    return "\n".join(emit) + "\n", "\n".join(oracle) + "\n", cases


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a module-level statement binds."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).partition(".")[0] for a in stmt.names}
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def _external() -> dict[str, str]:
    sources: dict[str, str] = {}
    for name, text in _files(EXTERNAL / TYPING_TESTS[0], TYPING_TESTS[1]).items():
        stem = Path(name).stem
        if stem.startswith("typeddicts_") and name.endswith(".py"):
            sources[f"conformance_{stem}"] = text
    mypy_data = _files(EXTERNAL / MYPY_TESTS[0], MYPY_TESTS[1])
    for text in mypy_data.values():
        for n, (title, program) in enumerate(_mypy_cases(text)):
            sources[f"mypy_{n:03d}_{title[:40]}"] = program
    return sources


def _files(repo: Path, sub: str) -> dict[str, str]:
    """The files at ``sub`` (a folder or one file) of a checkout, or of a git directory
    without a work tree (what the lookup tools' ``fetch`` leaves); {} when absent."""
    where = repo / sub
    if where.is_file():
        return {where.name: where.read_text(encoding="utf-8")}
    if where.is_dir():
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(where.iterdir())
                if p.is_file()}
    if not (repo / "HEAD").is_file():
        return {}
    git = ["git", f"--git-dir={repo}"]
    listed = subprocess.run([*git, "ls-tree", "--name-only", "HEAD", f"{sub.rstrip('/')}/"
                             if not sub.endswith(".test") else sub],
                            capture_output=True, text=True, check=False)
    out = {}
    for path in listed.stdout.split():
        shown = subprocess.run([*git, "show", f"HEAD:{path}"], capture_output=True, text=True,
                               check=False)
        if shown.returncode == 0:
            out[Path(path).name] = shown.stdout
    return out


def _mypy_cases(text: str) -> list[tuple[str, str]]:
    """The main program of each ``[case ...]`` of a mypy data file (single-file cases
    without flags, expected to pass on the default Python version)."""
    out = []
    for block in re.split(r"^\[case ", text, flags=re.M)[1:]:
        title, _, body = block.partition("]\n")
        if "-skip" in title or "-xfail" in title:
            continue
        main = re.split(r"^\[", body, maxsplit=1, flags=re.M)[0]
        if "# flags:" in main or re.search(r"^\[file ", body, re.M):
            continue
        # mypy_extensions' TypedDict is typing's; reveal_type is not a builtin at run time
        main = main.replace("from mypy_extensions import TypedDict", "from typing import TypedDict")
        out.append((re.sub(r"\W", "_", title.strip()), main))
    return out


def _run(sources: dict[str, str], root: Path) -> tuple[list[Case], set[tuple[str, int]],
                                                       set[tuple[str, int]]]:
    """Write the modules, run mypy and tscrun-lint; (cases, rejected, flagged) where the
    sets hold (module, line)."""
    cases: list[Case] = []
    (root / "shapes").mkdir(parents=True)
    (root / "oracle").mkdir()
    (root / "shapes" / "__init__.py").write_text("")
    (root / "oracle" / "__init__.py").write_text("")
    for name, text in sources.items():
        made = _cases(name, text, len(cases))
        if made is None:
            continue
        emit, oracle, found = made
        (root / "shapes" / f"{name}.py").write_text(emit, encoding="utf-8")
        (root / "oracle" / f"{name}.py").write_text(oracle, encoding="utf-8")
        cases += found
    types = "\n".join(f'"{c.event}" = "shapes.{c.module}:{c.annotation}"' for c in cases)
    events = ", ".join(f'"{c.event}"' for c in cases)
    (root / "tscrun.toml").write_text(
        f'project-name = "shapes"\n\n[events.subscribers.audit]\nevents = [{events}]\n\n'
        f"[events.types]\n{types}\n")
    env = {k: v for k, v in os.environ.items() if k != "TSCRUN_CONFIG"}
    rejected: set[tuple[str, int]] = set()
    modules = sorted({c.module for c in cases})
    blocked: set[str] = set()
    chunks = [modules]
    while chunks:
        chunk = chunks.pop()
        mypy = subprocess.run(
            [sys.executable, "-m", "mypy", "--no-incremental", "--no-error-summary",
             "--hide-error-context", "--python-version", "3.13", "--follow-imports", "silent",
             "--cache-dir", os.devnull, *(f"oracle/{m}.py" for m in chunk)],
            cwd=root, capture_output=True, text=True, timeout=1800, env=env)
        if mypy.returncode == 2 and len(chunk) > 1:
            # a blocking error in one module stops mypy: check the halves apart
            chunks += [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]
            continue
        assert mypy.returncode in (0, 1, 2), mypy.stdout + mypy.stderr
        if mypy.returncode == 2:
            blocked.update(chunk)  # mypy could not judge it: no verdicts from it
            continue
        for m in re.finditer(r"^oracle/(\w+)\.py:(\d+): error", mypy.stdout, re.M):
            rejected.add((m.group(1), int(m.group(2))))
    lint = subprocess.run([str(BIN / "tscrun-lint"), "shapes"], cwd=root, capture_output=True,
                          text=True, timeout=1800, env=env)
    assert lint.returncode in (0, 1), lint.stdout + lint.stderr
    flagged = {(m.group(1), int(m.group(2))) for m in re.finditer(
        r"^shapes/(\w+)\.py:(\d+):\d+: TSC1\d\d ", lint.stdout, re.M)}
    return [c for c in cases if c.module not in blocked], rejected, flagged


def _tally(label: str, cases: list[Case], rejected: set[tuple[str, int]],
           flagged: set[tuple[str, int]]) -> tuple[int, int, list[str]]:
    rejects = hits = 0
    false_positives = []
    for c in cases:
        key = (c.module, c.line)
        if key in rejected:
            rejects += 1
            hits += key in flagged
            if key not in flagged and os.environ.get("TSCRUN_CONFORMANCE_MISSES"):
                print(f"  missed {c.module}:{c.line}: {c.annotation} = {c.value}")
        elif key in flagged:
            false_positives.append(f"{c.module}:{c.line}: {c.annotation} = {c.value}")
    rate = hits / rejects if rejects else 1.0
    print(f"\n{label}: {len(cases)} payloads, mypy rejects {rejects}, tscrun-lint flags "
          f"{hits} of them ({rate:.1%}), false positives {len(false_positives)}")
    for fp in false_positives:
        print("  FP", fp)
    return rejects, hits, false_positives


def test_our_typeddict_shapes_against_mypy(tmp_path: Path) -> None:
    cases, rejected, flagged = _run(MODULES, tmp_path)
    rejects, hits, false_positives = _tally("our shapes", cases, rejected, flagged)
    assert not false_positives
    assert rejects >= 20, "the sample should hold many rejected payloads"
    assert hits >= OWN_RATE * rejects


def test_conformance_and_mypy_typeddict_cases_against_mypy(tmp_path: Path) -> None:
    sources = _external()
    if not sources:
        pytest.skip(f"no checkout of python/typing or python/mypy under {EXTERNAL}")
    cases, rejected, flagged = _run(sources, tmp_path)
    for prefix in ("conformance_", "mypy_"):
        part = [c for c in cases if c.module.startswith(prefix)]
        _tally(prefix.rstrip("_"), part, rejected, flagged)
    _rejects, _hits, false_positives = _tally("all external", cases, rejected, flagged)
    assert not false_positives
