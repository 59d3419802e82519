"""The cheap reading (ast fast path + the emit slice) and the precise one (libcst on the
whole file) hand the one judge the same facts: identical findings on generated modules.

Modules are built from the realistic payload forms (``realistic``) plus code that
matters to the slice: module variables used by payloads and changed, rebound with
``global`` or narrowed elsewhere, a class whose method emits, long unrelated code.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscrun import load_config
from tscrun_lint.engine import engine
from tscrun_lint.project.context import ProjectContext

from tests.fuzz import realistic
from tests.fuzz.harness import budget, fuzz_settings, hang_guard

EXAMPLES = budget(40, 1000)

EXTRAS = {
    "constant": ('NAME = "n"\n', 'await events.emit("user.registered", {"id": "1", "name": NAME, '
                                 '"email": "e", "registeredAt": "t"})'),
    "constant rebound with global": (
        'NAME = "n"\n\n\ndef rename() -> None:\n    global NAME\n    NAME = 3  # type: ignore\n',
        'await events.emit("user.registered", {"id": "1", "name": NAME, "email": "e", '
        '"registeredAt": "t"})'),
    "module payload changed elsewhere": (
        'BASE = {"id": "1", "name": "n", "email": "e"}\n\n\ndef grow() -> None:\n'
        '    BASE["registeredAt"] = "t"\n',
        'await events.emit("user.registered", BASE)'),
    "module payload": (
        'BASE = {"id": "1", "name": "n", "email": "e"}\n',
        'await events.emit("user.registered", BASE)'),
    "variable narrowed elsewhere": (
        'MAYBE: str | None = None\n\n\ndef check() -> None:\n    if MAYBE is None:\n'
        '        return\n',
        'await events.emit("user.registered", {"id": "1", "name": MAYBE, "email": "e", '
        '"registeredAt": "t"})'),
    "variable tested with isinstance elsewhere": (
        'TITLE = "n"\n\n\ndef probe(v: object) -> bool:\n    return isinstance(TITLE, str)\n',
        'await events.emit("user.registered", {"id": "1", "name": TITLE, "email": "e", '
        '"registeredAt": "t"})'),
    "module payload updated by a method call elsewhere": (
        'PARTIAL = {"id": "1", "name": "n", "email": "e"}\n\n\ndef fill() -> None:\n'
        '    PARTIAL.update({"registeredAt": "t"})\n',
        'await events.emit("user.registered", PARTIAL)'),
    "variable only read elsewhere (cut from the slice)": (
        'COUNT = 3\n\n\ndef show() -> str:\n    total = COUNT + 1\n    return str(total)\n',
        'await events.emit("user.registered", {"id": "1", "name": "n", "email": "e", '
        '"registeredAt": "t", "age": COUNT})'),
    "calls through relative imports": (
        'from .. import shared_tools\nfrom . import siblings\n\n\ndef use(v: int) -> int:\n'
        '    return shared_tools.twice(siblings.inc(v))\n',
        'siblings.inc(1)\n    await events.emit("user.registered", {"id": "1", "name": "n", '
        '"email": "e", "registeredAt": "t"})'),
    "emit in a method": (
        "", None),
    "unrelated code": (
        "def unrelated(x: int) -> int:\n" + "".join(f"    x += {i}\n" for i in range(30))
        + "    return x\n\n\nclass Other:\n    value: int = 3\n\n    def run(self) -> int:\n"
        "        return self.value\n", None),
}


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "project"
        realistic.write(path, "")
        yield path


def _module(seed: int, forms: list[str], extras: list[str]) -> str:
    rng = random.Random(seed)
    cases = [realistic.make_case(rng, form) for form in forms]
    text, _ = realistic.render(cases)
    for n, name in enumerate(extras):
        top, emit = EXTRAS[name]
        text += "\n\n" + top
        if name == "emit in a method":
            case = cases[0] if cases else realistic.make_case(rng, "parameter")
            params = ", ".join(["self", *case.params])
            text += (f"\n\nclass Service{n}:\n    limit: int = 2\n\n"
                     f"    def helper(self) -> int:\n        return self.limit\n\n"
                     f"    async def send({params}) -> None:\n"
                     + "".join(f"        {s}\n" for s in case.prelude)
                     + f'        await events.emit("{case.event}", {realistic.payload(case)})\n')
        elif emit is not None:
            text += f"\n\nasync def extra_{n}() -> None:\n    {emit}\n"
    return text


def _findings(root: Path, text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    path = root / "functions" / "api" / "cases.py"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(engine, "USE_FAST_PATH", fast)
    project = ProjectContext(load_config(root / "tscrun.toml"))
    with hang_guard():
        result = engine.check_text(path, text, project)
    return [f"{d.line}:{d.column}-{d.end_line}:{d.end_column} {d.code} {d.message}"
            for d in result.diagnostics]


@pytest.mark.parametrize("count", [EXAMPLES], ids=lambda n: f"{n} modules")
def test_cheap_and_precise_readings_agree(count: int, root: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    @fuzz_settings(count)
    @given(seed=st.integers(0, 2**32), forms=st.lists(st.sampled_from(realistic.FORMS),
                                                      min_size=0, max_size=6),
           extras=st.lists(st.sampled_from(list(EXTRAS)), max_size=4))
    def check(seed: int, forms: list[str], extras: list[str]) -> None:
        text = _module(seed, forms, extras)
        fast = _findings(root, text, True, monkeypatch)
        precise = _findings(root, text, False, monkeypatch)
        assert fast == precise, text

    check()


def test_the_slice_is_what_libcst_reads_for_a_large_module(root: Path) -> None:
    """One emit at the end of a long module: the precise reading gets a few lines only."""
    import ast

    from tscrun_lint.reading.emit_slice import all_calls_and_imports, emit_candidates, emit_slice
    from tscrun_lint.base.source import split_lines

    filler = "".join(f"def f{i}(x: int) -> int:\n    y = x + {i}\n    return y\n\n\n"
                     for i in range(2000))
    text = realistic.HEADER + "\n\n" + filler + (
        "async def last(v: int) -> None:\n"
        '    await events.emit("user.registered", {"id": v})\n')
    tree = ast.parse(text)
    calls = emit_candidates(*all_calls_and_imports(tree), ())
    assert calls is not None and len(calls) == 1
    sliced = emit_slice(tree, calls, split_lines(text))
    assert len(sliced.origin) < 60
    assert sliced.line(sliced.origin.index(text.count("\n")) + 1) == text.count("\n")


def _slice_of(text: str, relative: object = None) -> tuple[int, int]:
    """(candidate calls, lines given to libcst) for ``text``."""
    import ast

    from tscrun_lint.base.source import split_lines
    from tscrun_lint.reading.emit_slice import all_calls_and_imports, emit_candidates, emit_slice

    tree = ast.parse(text)
    calls = emit_candidates(*all_calls_and_imports(tree), (), relative)  # type: ignore[arg-type]
    assert calls is not None
    return len(calls), len(emit_slice(tree, calls, split_lines(text)).origin)


def test_a_module_variable_that_functions_only_read_keeps_them_out_of_the_slice() -> None:
    """A module-level ``x`` (a common local name too) read by thousands of lines of
    methods: only code that could narrow or change it would change the judge's facts,
    so the rest stays out of what libcst reads."""
    methods = "".join(f"    def m{i}(self, x: int) -> int:\n        y = x + {i}\n"
                      f"        return y * x\n\n" for i in range(1000))
    text = (realistic.HEADER + "\n\nx = 3\n\n\nclass Big:\n" + methods
            + "\n\nasync def last(v: int) -> None:\n"
            '    await events.emit("user.registered", {"id": v, "age": x})\n')
    assert _slice_of(text)[1] < 60


def test_relative_imports_that_cannot_reach_emit_make_no_candidates() -> None:
    """A long module using its package's modules through relative imports: calls of
    those are no emit candidates when the resolution says they cannot be emit."""
    body = "".join(f"def f{i}(v: int) -> int:\n    return util.twice(helpers.inc(v))\n\n\n"
                   for i in range(1000))
    text = (realistic.HEADER + "\nfrom . import util\nfrom .helpers import helpers\n\n\n"
            + body + "async def last(v: int) -> None:\n"
            '    await events.emit("user.registered", {"id": v})\n')
    calls, lines = _slice_of(text, lambda spelled: False)
    assert calls == 1 and lines < 60
    # without the resolution every call through a relative import stays a candidate
    assert _slice_of(text)[0] == 2001
