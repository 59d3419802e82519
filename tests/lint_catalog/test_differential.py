"""The analyzer against plain mypy on generated payloads (issue 3's differential test).

A seeded generator writes a few hundred cases ``x_N: TheTypedDict = <payload>`` for
the TypedDict shapes in ``fixtures/catalog_differential`` (flat, total=False,
NotRequired/Required/ReadOnly, nested, recursive, list/dict/set/tuple/union/Optional/
Literal fields, inheritance across modules, functional syntax) into ONE module, runs
mypy once over it, and judges every payload with ``judge_payload``.

Asserted: the analyzer never flags a payload mypy accepts; it flags at least 98% of
the payloads mypy rejects; and where it says "missing key" or "extra key", mypy says
so too. ``TSCRUN_DIFF_SEED``/``TSCRUN_DIFF_CASES`` explore other samples.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
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
from tscrun_lint.judge.payload import Finding, ModuleContext, judge_payload

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "catalog_differential"
SEED = int(os.environ.get("TSCRUN_DIFF_SEED", "20240611"))
CASES = int(os.environ.get("TSCRUN_DIFF_CASES", "450"))

# The shapes as the generator sees them (mypy, not this table, is the judge).
T = object  # a type spec: "str" | ("list", T) | ("td", "Name") | ...
R, O = True, False
BASE = {"id": ("str", R), "version": ("int", R)}
CHILD = {**BASE, "extra": ("str", O), "level": (("lit", ["low", "high"]), O)}
SPECS: dict[str, dict[str, tuple[T, bool]]] = {
    "Flat": {"id": ("str", R), "count": ("int", R), "ratio": ("float", R), "active": ("bool", R)},
    "Partial": {"name": ("str", O), "tags": (("list", "str"), O),
                "score": (("opt", "int"), O), "must": ("str", R)},
    "Line": {"sku": ("str", R), "qty": ("int", R)},
    "Order": {"id": ("str", R), "lines": (("list", ("td", "Line")), R),
              "note": (("opt", "str"), O)},
    "Nested": {"order": (("td", "Order"), R), "meta": (("dict", "str", "int"), R),
               "coords": (("tuple", ["float", "float"]), R),
               "where": (("opt", ("td", "Point")), O)},
    "Point": {"x": ("float", R), "y": ("float", R), "label": ("str", O)},
    "Base": BASE,
    "Child": CHILD,
    "GrandChild": {**CHILD, "code": (("lit", [1, 2, 3]), R), "flags": (("set", "str"), R)},
    "Colls": {"u": (("union", ["int", "str"]), R), "seq": (("seq", "int"), R),
              "m": (("map", "str", ("list", "int")), R),
              "many": (("opt", ("list", ("td", "Line"))), R), "data": ("bytes", O),
              "fs": (("fs", "int"), O), "anything": ("any", O), "obj": ("any", O),
              "tup": (("tupv", "int"), O)},
    "Frozen": {"key": ("str", R), "n": ("int", R)},
    "FrozenNarrow": {"key": (("lit", ["a", "b"]), R), "n": ("int", R)},
    "Tree": {"name": ("str", R), "children": (("list", ("td", "Tree")), R), "size": ("int", O)},
    "TreeTwin": {"name": ("str", R), "children": (("list", ("td", "TreeTwin")), R),
                 "size": ("int", O)},
    "FrozenWide": {"key": (("union", ["str", "int"]), R), "n": ("int", R)},
    "Mixed": {"pick": (("union", [("td", "Line"), ("td", "Point")]), R),
              "mixed": (("union", [("list", "int"), "str"]), R),
              "maybe": (("opt", "float"), R), "yes": (("lit", [True]), R),
              "bit": (("lit", [0, 1]), R), "bs": (("seq", "int"), R),
              "deep": (("opt", ("list", ("opt", "int"))), R), "names": (("tupv", "str"), R),
              "loose": (("map", "str", "any"), R), "it": (("it", "str"), O),
              "odd": (("lit", [-1, "x", b"y"]), O)},
}
TARGETS = ["Flat", "Partial", "Order", "Nested", "Child", "GrandChild", "Colls", "Point",
           "Tree", "Base", "Frozen", "FrozenWide", "Mixed", "Mixed"]
PARAMS = {"flat": "Flat", "twin": "FlatTwin", "loose": "FlatLoose", "flt": "FlatFloat",
          "base": "Base", "child": "Child", "grand": "GrandChild", "frozen": "Frozen",
          "narrow": "FrozenNarrow", "point": "Point", "partial": "Partial", "tree": "Tree",
          "twin_tree": "TreeTwin", "wide": "FrozenWide"}
UNDECIDABLE = ["anyv", "anyv.attr", "g()", "anyv[0]", "anyv['k']"]
# Parameters of plain declared types: a value naming one is judged by its declaration.
TYPED_NAMES = {"sv": "str", "iv": "int", "fv": "float", "bv": "bool", "ov": "Optional[str]",
               "lv": "list[int]", "lit_v": 'Literal["low"]', "line_v": "Line",
               "lines_v": "list[Line]", "u_v": "int | str"}


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.walrus = 0
        self.setup: list[str] = []
        """Lines ``vN = <value>`` the next case needs (names assigned once, unannotated)."""

    def pick(self, *options: str | Callable[[], str]) -> str:
        choice = self.rng.choice(options)
        return choice() if callable(choice) else choice

    def value(self, t: T, bad: bool, depth: int) -> str:
        r = self.rng.random()
        if r < 0.04:
            return self.rng.choice(UNDECIDABLE)
        if r < 0.055:
            return self.rng.choice(list(TYPED_NAMES))
        if r < 0.07:
            value = self.value(t, bad, depth)
            if value in ("[]", "{}", "()"):
                return value  # mypy wants an annotation for an empty container
            self.walrus += 1
            self.setup.append(f"    v{self.walrus} = {value}")
            return f"v{self.walrus}"
        if r < 0.10:
            self.walrus += 1
            return f"(w{self.walrus} := {self.value(t, bad, depth)})"
        if r < 0.14:
            return f"({self.value(t, bad, depth)} if c else {self.value(t, self.rng.random() < 0.5, depth)})"
        kind = t if isinstance(t, str) else t[0]  # type: ignore[index]
        v = (self.bad if bad else self.good)(kind, t, depth)
        return v

    def good(self, kind: str, t: T, depth: int) -> str:
        p = self.pick
        sub = t
        if kind == "str":
            return p('"abc"', 'f"v{1}"', '"a" "b"', "''", "str(iv)", "repr(fv)")
        if kind == "int":
            return p("3", "-2", "True", "0x10", "+7", "len(sv)", "int(sv)")
        if kind == "float":
            return p("1.5", "2", "-0.5", "True", "1e3", "float(sv)", "len(lv)")
        if kind == "bool":
            return p("True", "False", "not d", "bool(iv)", "isinstance(anyv, int)")
        if kind == "bytes":
            return 'b"x"'
        if kind == "it":
            return p('"abc"', '["a"]', '{"a"}', '("a",)', '{"a": 1}', '(x for x in "ab")',
                     '[s for s in "ab"]', "()")
        if kind == "any":
            return p('"x"', "1", "None", "[1, 'a']", "{'k': 2.5}")
        args = t[1:]  # type: ignore[index]
        if kind == "lit":
            v = self.rng.choice(args[0])
            if isinstance(v, str) and self.rng.random() < 0.2:
                return f'f"{v}"'  # an f-string without placeholders is a literal to mypy
            return self.lit(v)
        if kind == "opt":
            return "None" if self.rng.random() < 0.3 else self.value(args[0], False, depth)
        if kind == "union":
            return self.value(self.rng.choice(args[0]), False, depth)
        if kind in ("list", "seq"):
            el = lambda: self.value(args[0], False, depth + 1)
            forms = ["[]", f"[{el()}]", f"[{el()}, {el()}]", f"[{el()} for _ in range(2)]"]
            if kind == "seq":
                forms += [f"({el()}, {el()})", "()"]
                if args[0] == "int":
                    forms.append('b"xy"')
            return self.rng.choice(forms)
        if kind in ("dict", "map"):
            k = lambda: self.value(args[0], False, depth + 1)
            v = lambda: self.value(args[1], False, depth + 1)
            return p("{}", lambda: f"{{{k()}: {v()}}}", lambda: f"{{{k()}: {v()}, {k()}: {v()}}}",
                     lambda: f"{{{k()}: {v()} for _ in range(1)}}")
        if kind == "set":
            el = lambda: self.value(args[0], False, depth + 1)
            return p(lambda: f"{{{el()}}}", lambda: f"{{{el()} for _ in range(2)}}")
        if kind == "fs":
            return f"frozenset({{{self.value(args[0], False, depth + 1)}}})"
        if kind == "tuple":
            return "(" + ", ".join(self.value(a, False, depth + 1) for a in args[0]) + ")"
        if kind == "tupv":
            el = lambda: self.value(args[0], False, depth + 1)
            return p("()", lambda: f"({el()},)", lambda: f"({el()}, {el()})")
        if kind == "td":
            if args[0] in ("Tree", "TreeTwin") and depth > 4:
                return '{"name": "leaf", "children": []}'
            return self.display(args[0], False, depth + 1)
        raise AssertionError(kind)

    def bad(self, kind: str, t: T, depth: int) -> str:
        p = self.pick
        if kind == "str":
            return p("1", "2.5", "None", 'b"x"', '["a"]', "True", "{'a': 1}", "len(sv)",
                     "bytes(iv)")
        if kind == "int":
            return p('"3"', "2.5", "None", "[1]", "1j", "-1.5", "str(iv)", "float(iv)")
        if kind == "float":
            return p('"1.5"', "None", "1j", "{}", "(1.0,)", "repr(1)")
        if kind == "bool":
            return p("1", '"True"', "None", "0.0", "int(bv)", "str(bv)")
        if kind == "bytes":
            return p('"x"', "1")
        if kind == "it":
            return p("[1]", "1", "{1}", 'b"ab"', "(1, 2)", "{1: 'a'}", "(x for x in [1])")
        if kind == "any":
            return self.good(kind, t, depth)
        args = t[1:]  # type: ignore[index]
        if kind == "lit":
            return p('"medium"', "4", "True", "False", '"1"', "-1", "0", "1", '"x"', "b'y'",
                     "-2", 'f"{1}"', 'f"x"', "1.0", "None", "[1]")
        if kind == "opt":
            return self.value(args[0], True, depth)
        if kind == "union":
            return p("None", "2.5", "[1]", "b'x'")
        good = lambda: self.value(args[0], False, depth + 1)
        worse = lambda: self.value(args[0], True, depth + 1)
        if kind == "list":
            return p(lambda: f"[{good()}, {worse()}]", '"abc"', lambda: f"({good()},)",
                     lambda: f"{{{good()}}}", lambda: f"[{worse()} for _ in range(2)]", "None")
        if kind == "seq":
            return p('"ab"', lambda: f"{{{good()}}}", lambda: f"[{worse()}]",
                     lambda: f"({good()}, {worse()})")
        if kind in ("dict", "map"):
            k = lambda: self.value(args[0], False, depth + 1)
            v = lambda: self.value(args[1], False, depth + 1)
            vb = lambda: self.value(args[1], True, depth + 1)
            return p(lambda: f"{{{k()}: {vb()}}}", lambda: f"{{1: {v()}}}", "[1]",
                     lambda: f"{{{k()}: {vb()} for _ in range(1)}}")
        if kind == "set":
            return p(lambda: f"[{good()}]", lambda: f"{{{worse()}}}", "()", "{}")
        if kind == "fs":
            return p(lambda: f"{{{good()}}}", "[1]")
        if kind == "tuple":
            items = [self.value(a, False, depth + 1) for a in args[0]]
            return p(f"({items[0]},)", f"[{', '.join(items)}]",
                     lambda: f"({items[0]}, {self.value(args[0][1], True, depth + 1)})",
                     f"({', '.join(items)}, 1)")
        if kind == "tupv":
            return p(lambda: f"[{good()}]", lambda: f"({good()}, {worse()})", '"ab"')
        if kind == "td":
            return p(lambda: self.display(args[0], True, depth + 1), '"x"', "[]", "None", "1")
        raise AssertionError(kind)

    @staticmethod
    def lit(v: object) -> str:
        return f'"{v}"' if isinstance(v, str) else repr(v)

    def entries(self, name: str, bad: bool, depth: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key, (t, req) in SPECS[name].items():
            include = self.rng.random() < (0.95 if req else 0.5)
            if bad and req and self.rng.random() < 0.15:
                include = False
            if include:
                out.append((key, self.value(t, bad and self.rng.random() < 0.35, depth)))
        if bad and self.rng.random() < 0.15:
            unknown = [k for k in ("extra", "idd", "Count", "zz") if k not in SPECS[name]]
            out.append((self.rng.choice(unknown), "1"))
        if self.rng.random() < 0.3:
            self.rng.shuffle(out)
        return out

    def display(self, name: str, bad: bool, depth: int) -> str:
        items = self.entries(name, bad, depth)
        return "{" + ", ".join(f'"{k}": {v}' for k, v in items) + "}"

    def payload(self, name: str, lines: list[str]) -> str:
        """A top-level payload for TypedDict ``name``; may add setup lines."""
        bad = self.rng.random() < 0.45
        r = self.rng.random()
        if r < 0.62:
            return self.display(name, bad, 0)
        if r < 0.75:
            args = [f"{k}={v}" for k, v in self.entries(name, bad, 0)]
            if self.rng.random() < 0.25:
                args.insert(0, "**" + self.rng.choice(["anyv", "base", "point", "g()"]))
            return ("dict(" if r < 0.70 else f"{name}(") + ", ".join(args) + ")"
        if r < 0.80:
            items = self.entries(name, bad, 0)
            body = ", ".join(f'"{k}": {v}' for k, v in items)
            spread = self.rng.choice(["anyv", "base", "g()", '{"id": "s"}', "point"])
            return f"{{**{spread}, {body}}}" if body else f"{{**{spread}}}"
        if r < 0.83:
            return f"({self.display(name, bad, 0)} if c else {self.display(name, self.rng.random() < 0.5, 0)})"
        if r < 0.86:
            self.walrus += 1
            return f"(w{self.walrus} := {self.display(name, bad, 0)})"
        if r < 0.93:
            return self.rng.choice(list(PARAMS))
        if r < 0.96:
            self.walrus += 1
            var = f"p{self.walrus}"
            declared = self.rng.choice([name, name, self.rng.choice(list(SPECS))])
            display = self.display(declared, bad, 0)
            lines.extend(self.setup)
            self.setup.clear()
            lines.append(f"    {var}: {declared} = {display}")
            return var
        return self.rng.choice(["[1]", '"s"', "3", "None", "(1, 2)", "{1, 2}", "[x for x in 'ab']"])


@dataclass
class Case:
    n: int
    typed_dict: str
    first_line: int
    last_line: int
    mypy: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    payload: cst.BaseExpression | None = None


def generate(rng: random.Random, count: int) -> tuple[str, list[Case]]:
    gen = Gen(rng)
    params = ", ".join(f"{p}: {t}" for p, t in [*PARAMS.items(), *TYPED_NAMES.items()])
    lines = [
        "from typing import Any, Literal, Optional",
        "from shapes import (Child, Colls, Flat, FlatFloat, FlatLoose, FlatTwin, FrozenNarrow,",
        "                    FrozenWide, GrandChild, Line, Mixed, Nested, Order, Partial, Tree,",
        "                    TreeTwin)",
        "from shapes_base import Base, Frozen, Point",
        "",
        "def g() -> Any: ...",
        "",
        f"def cases(c: bool, d: int, anyv: Any, {params}) -> None:",
    ]
    cases: list[Case] = []
    for n in range(count):
        name = rng.choice(TARGETS)
        first = len(lines) + 1
        payload = gen.payload(name, lines)
        lines.extend(gen.setup)
        gen.setup.clear()
        lines.append(f"    x_{n}: {name} = {payload}")
        cases.append(Case(n, name, first, len(lines)))
    return "\n".join(lines) + "\n", cases


def run_mypy(project: Path) -> list[tuple[str, int, str]]:
    (project / "mypy.ini").write_text("[mypy]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--no-incremental",
         "--cache-dir", os.devnull, "--show-error-codes", "--no-error-summary",
         "--python-version", "3.11", "cases.py"],
        cwd=project, capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr + proc.stdout
    errors = []
    for line in proc.stdout.splitlines():
        m = re.match(r"^(.+?):(\d+): (error|note): (.*)$", line)
        if m and m.group(3) == "error":
            errors.append((m.group(1), int(m.group(2)), m.group(4)))
    return errors


def judge(project: Path, cases: list[Case]) -> None:
    config = tscrun.load_config(project / "pyproject.toml")
    catalog = Catalog.for_config(config)
    path = project / "cases.py"
    names = FullyQualifiedNameProvider.gen_cache(project, [str(path)])
    wrapper = MetadataWrapper(cst.parse_module(path.read_text()),
                              cache={FullyQualifiedNameProvider: names[str(path)]})
    ctx = ModuleContext(catalog, "cases", wrapper.resolve(ScopeProvider),
                        wrapper.resolve(FullyQualifiedNameProvider))
    positions = wrapper.resolve(PositionProvider)
    by_line = {c.last_line: c for c in cases}

    class Visitor(cst.CSTVisitor):
        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            line = positions[node].start.line
            case = by_line.get(line)
            if case is None or node.value is None:
                return
            qn = {q.name for q in ctx.qualnames[node.annotation.annotation]}
            assert len(qn) == 1, qn
            expected = catalog.typed_dict(qn.pop())
            assert expected is not None and expected.name == case.typed_dict
            case.findings = judge_payload(node.value, expected, "diff.event", ctx)
            case.payload = node.value

    wrapper.module.visit(Visitor())
    for case in cases:
        for f in case.findings:
            line = positions[f.node].start.line
            assert case.first_line <= line <= case.last_line, (case, f)


@pytest.mark.xdist_group("mypy-heavy")
def test_analyzer_agrees_with_mypy(tmp_path: Path) -> None:
    project = tmp_path / "diff"
    project.mkdir()
    for src in FIXTURE.glob("*.py"):
        shutil.copy(src, project / src.name)
    (project / "pyproject.toml").write_text('[tool.tscrun]\nproject-name = "diff"\n')
    source, cases = generate(random.Random(SEED), CASES)
    (project / "cases.py").write_text(source)

    errors = run_mypy(project)
    stray = [e for e in errors if e[0] != "cases.py"]
    assert not stray, f"the shapes themselves must type-check: {stray}"
    by_line: dict[int, Case] = {}
    for case in cases:
        for line in range(case.first_line, case.last_line + 1):
            by_line[line] = case
    for _file, line, text in errors:
        assert line in by_line, (line, text, source.splitlines()[line - 1])
        by_line[line].mypy.append(text)

    judge(project, cases)

    src_lines = source.splitlines()

    def show(c: Case) -> str:
        code = "\n".join(src_lines[c.first_line - 1:c.last_line])
        found = "; ".join(f"{f.code} {f.message}" for f in c.findings)
        return f"{code}\n    mypy: {c.mypy}\n    analyzer: {found}"

    false_positives = [c for c in cases if c.findings and not c.mypy]
    rejected = [c for c in cases if c.mypy]
    caught = [c for c in rejected if c.findings]
    missed = [c for c in rejected if not c.findings]
    ratio = len(caught) / len(rejected)
    print(f"\ndifferential (seed {SEED}): {len(cases)} payloads, mypy rejects {len(rejected)}, "
          f"analyzer flags {len(caught)} of them ({ratio:.1%}), false positives "
          f"{len(false_positives)}")
    for c in missed:
        print("MISSED:", show(c))
    assert not false_positives, "analyzer flags what mypy accepts:\n" + "\n".join(
        show(c) for c in false_positives)
    # Where the analyzer says the payload itself misses or adds keys, so does mypy. (mypy
    # does not look inside a display that misses keys, so nested findings may go unsaid.)
    for c in caught:
        top = c.payload
        keys = {el.key for el in top.elements if isinstance(el, cst.DictElement)} \
            if isinstance(top, cst.Dict) else set()
        for f in c.findings:
            if f.code == "TSC101" and f.node is top:
                assert any(m.startswith("Missing key") for m in c.mypy), show(c)
            if f.code == "TSC102" and f.node in keys:
                assert any(m.startswith("Extra key") for m in c.mypy), show(c)
    assert len(rejected) >= CASES // 4, "the generator should produce plenty of bad payloads"
    assert ratio >= 0.98, f"analyzer flags only {ratio:.1%} of what mypy rejects"
