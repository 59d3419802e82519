"""The ast reading of plain payload TypedDicts (``plain_typeddicts``) builds exactly what
the libcst reading builds, or declines; and handler positions read from the text with
``ast`` are libcst's.

Both readings are run on every fixture project's events and TypedDict classes, on the
rule examples, and on generated payload modules of many shapes (imports spelled every
way, every annotation form the catalog evaluates, shapes the ast reading must decline);
each pair must agree field by field, line and path included. And the ast reading must
actually read the plain shapes (else the lint cost grows with the number of events).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tscrun
from tscrun_lint.base.typemodel import TypedDictType
from tscrun_lint.project import catalog as catalog_module
from tscrun_lint.project import plain_typeddicts
from tscrun_lint.project.catalog import Catalog, HandlerInfo, Missing
from tscrun_lint.rules import RULES, example_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _describe(found: object) -> object:
    """A comparable account of a reading: a TypedDict's every field and where it is."""
    if isinstance(found, TypedDictType):
        return ("td", found.qualname, found.name, str(found.path), found.line, found.closed,
                sorted((k, repr(f.type), f.required, f.readonly)
                       for k, f in found.fields.items()))
    if isinstance(found, Missing):
        return ("missing", found.reason)
    if isinstance(found, HandlerInfo):
        return ("handler", str(found.path), found.line, found.column, found.generator,
                None if found.accepted is None else [_describe(t) for t in found.accepted])
    return found


def _classes(config: tscrun.Config) -> Iterator[str]:
    """Dotted names of the top-level classes of every module under the source roots."""
    for root in config.source_roots:
        for path in sorted(root.rglob("*.py")):
            try:
                tree = ast.parse(path.read_bytes())
            except (SyntaxError, ValueError):
                continue
            module = config.module_for_file(path)
            if module is None:
                continue
            for stmt in tree.body:
                if isinstance(stmt, ast.ClassDef):
                    yield f"{module}.{stmt.name}"


def _readings(config_path: Path, plain: bool, monkeypatch: pytest.MonkeyPatch
              ) -> dict[str, object]:
    monkeypatch.setattr(catalog_module, "USE_PLAIN_READER", plain)
    config = tscrun.load_config(config_path)
    catalog = Catalog(config)  # a fresh one: nothing cached from the other reading
    found: dict[str, object] = {}
    for event in sorted(config.events):
        found[f"event {event}"] = _describe(catalog.payload_type(event))
    for qualname in _classes(config):
        found[f"class {qualname}"] = _describe(catalog.typed_dict(qualname))
    for name, sub in sorted(config.subscribers.items()):
        found[f"handler {name}"] = _describe(catalog.handler(sub))
    found["payload files"] = sorted(str(p) for p in catalog.payload_files())
    return found


class _Count:
    """Counts the TypedDicts the ast reading settled."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read = 0
        real = plain_typeddicts.read_plain_typed_dict

        def counting(*args: object, **kwargs: object) -> TypedDictType | None:
            found = real(*args, **kwargs)  # type: ignore[arg-type]
            self.read += found is not None
            return found

        monkeypatch.setattr(catalog_module, "read_plain_typed_dict", counting)


def _agree(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Asserts both readings agree; returns how many TypedDicts the ast reading settled."""
    precise = _readings(config_path, False, monkeypatch)
    count = _Count(monkeypatch)
    plain = _readings(config_path, True, monkeypatch)
    assert plain == precise
    return count.read


PROJECTS = {
    "catalog_judge": "pyproject.toml", "catalog_syntax": "pyproject.toml",
    "demo_app": "pyproject.toml", "lint_bad_files": "tscrun.toml",
    "lint_project": "tscrun.toml", "mypy_minimal": "pyproject.toml",
    "mypy_project": "pyproject.toml",
}


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_fixture_projects_read_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree(FIXTURES / name / PROJECTS[name], monkeypatch)


def test_the_demo_apps_payloads_are_read_without_libcst(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    assert _agree(FIXTURES / "demo_app" / "pyproject.toml", monkeypatch) >= 3


def _examples() -> list[object]:
    out = []
    for rule in RULES:
        for kind in ("VALID", "INVALID"):
            for i, ex in enumerate(getattr(rule, kind)):
                if ex.config is None:
                    out.append(pytest.param(ex.source, ex.files, id=f"{rule.CODE}-{kind}-{i}"))
    return out


@pytest.mark.parametrize(("source", "files"), _examples())
def test_rule_examples_read_the_same(source: str, files: dict[str, str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    example_project.write(tmp_path, source, None, files)
    _agree(tmp_path / example_project.CONFIG_FILE, monkeypatch)


# --- generated payload modules ----------------------------------------------------------

# How a module may import what it uses: (import lines, TypedDict, NotRequired, Required,
# ReadOnly, Optional, Literal, List prefixes). ``None``: that name is not imported.
IMPORTS = [
    ("from typing import TypedDict, NotRequired, Required, Optional, Literal, List\n"
     "from typing_extensions import ReadOnly\n",
     "TypedDict", "NotRequired", "Required", "ReadOnly", "Optional", "Literal", "List"),
    ("import typing\nimport typing_extensions as te\n",
     "typing.TypedDict", "typing.NotRequired", "te.Required", "te.ReadOnly",
     "typing.Optional", "typing.Literal", "typing.List"),
    ("from typing_extensions import TypedDict as TD, NotRequired as NR\n"
     "from typing import Optional\n",
     "TD", "NR", None, None, "Optional", None, None),
    ("from __future__ import annotations\nfrom typing import *\n",
     "TypedDict", "NotRequired", "Required", "ReadOnly", "Optional", "Literal", "List"),
]
# Project names a field may use (defined in pkg/common.py, written by the test).
COMMON = '''
from typing import TypedDict, NotRequired

class Address(TypedDict):
    street: str
    zip: NotRequired[int]

Alias = list[Address]
NAME = "x"
'''


@st.composite
def _annotation(draw: st.DrawFn, names: tuple[str | None, ...], depth: int = 0) -> str:
    _, _td, notreq, req, readonly, optional, literal, lst = names
    common = ["str", "int", "float", "bool", "bytes", "None", "Address", "'str'", "dict"]
    leaves = [*common, *common, "Any", "Alias", "common.Address", "Unknown", "'Address'",
              "Local", "list", "'Payload'", "Other"]
    if depth >= 2:
        return draw(st.sampled_from(leaves))
    inner = _annotation(names, depth + 1)
    forms = [st.sampled_from(leaves),
             inner.map(lambda a: f"list[{a}]"),
             st.tuples(inner, inner).map(lambda p: f"dict[{p[0]}, {p[1]}]"),
             st.tuples(inner, inner).map(lambda p: f"{p[0]} | {p[1]}"),
             inner.map(lambda a: f"tuple[{a}, ...]"),
             inner.map(lambda a: f"'{a}'" if "'" not in a else a)]
    for wrapper in (notreq, req, readonly, optional, lst):
        if wrapper is not None:
            forms.append(inner.map(lambda a, w=wrapper: f"{w}[{a}]"))
    if literal is not None:
        forms.append(st.just(f"{literal}['a', 1, True]"))
    return draw(st.one_of(forms))


@st.composite
def _payload_module(draw: st.DrawFn) -> str:
    # Plain shapes weigh more: the ast reading must be exercised, not only its refusals.
    imports = draw(st.sampled_from([*IMPORTS[:3], *IMPORTS]))
    lines = [imports[0], "from pkg import common\nfrom pkg.common import Address, Alias\n"]
    extra = draw(st.sampled_from([
        "", "", "", "", "class Local(TypedDict):\n    x: int\n", "Local = int\n", "def helper() -> None: ...\n",
        "class Local(TypedDict):\n    x: 'Other'\nclass Other(TypedDict):\n    y: Local\n",
        "class Local(TypedDict):\n    x: 'Payload'\n", "class Local:\n    x: int\n",
        "if True:\n    pass\n", "CONSTANT = 'x'\n", "Unknown = Address\n",
        "from pkg.common import *\n", "def __getattr__(name): ...\n", "x = y = 1\n",
    ]).filter(lambda e: "TypedDict" not in e or imports[1] == "TypedDict"))
    lines.append(extra)
    base = imports[1]
    decorator = draw(st.sampled_from(["", "", "", "", "@final\n"]))
    keywords = draw(st.sampled_from(["", "", "", ", total=False", ", total=True",
                                     ", closed=True", ", total=bool(1)"]))
    second = draw(st.sampled_from(["", "", "", "", "", ", Local", ", Address"]))
    header = f"{decorator}class Payload({base}{second}{keywords}):\n"
    body = []
    for i in range(draw(st.integers(0, 5))):
        body.append(f"    f{i}: {draw(_annotation(imports))}\n")
    tail = draw(st.sampled_from(["", "", "", "", '    """doc"""\n', "    pass\n", "    ...\n",
                                 "    f9: int = 3\n", "    def m(self) -> None: ...\n",
                                 "    f0: str\n"]))
    lines.append(header + "".join(body) + tail + ("    pass\n" if not body and not tail else ""))
    return "\n".join(lines)


@settings(max_examples=int(__import__("os").environ.get("TSCRUN_PLAIN_CASES", "150")),
          deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(module=_payload_module())
def test_generated_payload_modules_read_the_same(module: str, tmp_path_factory: pytest.TempPathFactory
                                                 ) -> None:
    root = tmp_path_factory.mktemp("plain")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "common.py").write_text(textwrap.dedent(COMMON))
    (root / "pkg" / "payload.py").write_text(module)
    (root / "tscrun.toml").write_text('[events.types]\n"thing.done" = "pkg.payload:Payload"\n')
    with pytest.MonkeyPatch.context() as monkeypatch:
        _agree(root / "tscrun.toml", monkeypatch)


def test_plain_shapes_are_read_without_libcst(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The shapes the bench's payload modules have, and the common spellings, are settled
    by the ast reading (and still agree with libcst)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "common.py").write_text(textwrap.dedent(COMMON))
    types = []
    for i, (imports, td, notreq, *_rest) in enumerate(IMPORTS[:3]):
        (tmp_path / "pkg" / f"p{i}.py").write_text(
            f'{imports}from pkg.common import Address\n\n\nclass P{i}({td}, total=False):\n'
            f'    """Doc."""\n    id: str\n    where: {notreq}[Address]\n'
            f'    tags: "list[str]"\n')
        types.append(f'"e.{i}" = "pkg.p{i}:P{i}"')
    (tmp_path / "tscrun.toml").write_text("[events.types]\n" + "\n".join(types) + "\n")
    assert _agree(tmp_path / "tscrun.toml", monkeypatch) == 3


HANDLERS = {
    "plain": "async def listen(event: Event[P0]) -> None:\n    pass\n",
    "sync, two params": "def listen(event: 'Event[P0]', extra: int = 1) -> None:\n    pass\n",
    "decorated": "@staticmethod\n@other\nasync def listen(event: Event[P0]) -> None: ...\n",
    "parenthesised": "def listen(event: (Event[P0])) -> None: ...\n",
    "spaced": "async   def   listen( event :   Event[P0] ) -> None: ...\n",
    "continued": "def \\\n  listen(event: Event[P0]) -> None: ...\n",
    "unicode before": "def listen(é: Event[P0], ñ: int = 0) -> None: ...  # ü\n",
    "tab indented": "if True:\n\tdef listen(event: Event[P0]) -> None: ...\n",
    "no annotation": "def listen(event) -> None:\n    yield\n",
    "generator": "async def listen(event: Event[P0]) -> None:\n    yield 1\n",
    "positional only": "def listen(event: Event[P0], /) -> None: ...\n",
    "multi-line": "def listen(\n    event:\n        Event[P0],\n) -> None: ...\n",
    "alias": "def real(event: Event[P0]) -> None: ...\n\n\nlisten = real\n",
    "twice": "def listen(event: Event[P0]) -> None: ...\ndef listen(event: Event[P0]) -> None: ...\n",
    "in try": "try:\n    def listen(event: Event[P0]) -> None: ...\nexcept ImportError:\n    pass\n",
    "class": "class listen:\n    pass\n",
}


@pytest.mark.parametrize("shape", sorted(HANDLERS))
def test_handler_positions_read_the_same(shape: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "p0.py").write_text(
        "from typing import TypedDict\n\n\nclass P0(TypedDict):\n    id: str\n")
    (tmp_path / "pkg" / "handler.py").write_text(
        "from tscrun.events import Event\nfrom pkg.p0 import P0\n\n\n" + HANDLERS[shape])
    (tmp_path / "tscrun.toml").write_text(
        '[events.types]\n"e.0" = "pkg.p0:P0"\n\n[events.subscribers.s]\nevents = ["e.0"]\n'
        'handler = "pkg.handler:listen"\n')
    _agree(tmp_path / "tscrun.toml", monkeypatch)
