"""The ast fast path never changes what is reported: it only skips the precise path when
the precise path would report nothing. Both paths are run on every fixture file and every
rule example and must agree exactly; and the fast path must actually fire on clean code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import FIXTURES

from tscrun import load_config
from tscrun_lint.engine import engine
from tscrun_lint.rules import example_project
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.reading.fastpath import proves_clean
from tscrun_lint.rules import RULES


def _both(path: Path, text: str, project: ProjectContext, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[list[object], list[object]]:
    monkeypatch.setattr(engine, "USE_FAST_PATH", True)
    fast = engine.check_text(path, text, project).diagnostics
    monkeypatch.setattr(engine, "USE_FAST_PATH", False)
    precise = engine.check_text(path, text, project).diagnostics
    return list(fast), list(precise)


def _fixture_files() -> list[object]:
    out = []
    for name in ("lint_project", "lint_bad_files", "demo_app"):
        for path in sorted((FIXTURES / name).rglob("*.py")):
            out.append(pytest.param(name, path, id=f"{name}/{path.relative_to(FIXTURES / name)}"))
    return out


@pytest.mark.parametrize(("name", "path"), _fixture_files())
def test_fixture_files_agree(name: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = ProjectContext(load_config(start=FIXTURES / name))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    fast, precise = _both(path, text, project, monkeypatch)
    assert fast == precise


def _examples() -> list[object]:
    out = []
    for rule in RULES:
        for kind in ("VALID", "INVALID"):
            for i, ex in enumerate(getattr(rule, kind)):
                if ex.source.strip() and ex.config is None:
                    out.append(pytest.param(ex.source, ex.files, id=f"{rule.CODE}-{kind}-{i}"))
    return out


@pytest.mark.parametrize(("source", "files"), _examples())
def test_rule_examples_agree(source: str, files: dict[str, str], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = example_project.write(tmp_path, source, None, files)
    project = ProjectContext(load_config(tmp_path / example_project.CONFIG_FILE))
    fast, precise = _both(path, path.read_text(), project, monkeypatch)
    assert fast == precise


CLEAN = {
    "literal name and display": '''
        from tscrun import events

        async def run(user_id: str) -> None:
            await events.emit("user.verified", {"id": user_id, "email": "a@b.c", "verifiedAt": "now"})
        ''',
    "aliases, constants and nested displays": '''
        import tscrun.events as ev
        from tscrun.events import emit as publish
        from functions.api.names import ORDER_COMPLETED, USER_REGISTERED

        LOCAL = "user.verified"

        async def run(order_id: str, user: dict[str, str], total: float, name: str) -> None:
            await publish(USER_REGISTERED, {"id": order_id, "name": name,
                                            "email": str(user), "registeredAt": "t", "age": 3})
            await ev.emit(ORDER_COMPLETED, {"orderId": order_id, "userId": "u", "total": total,
                                            "lines": [{"sku": "a", "quantity": 1, "price": 2}]})
            await ev.emit(LOCAL, {"id": "1", "email": f"{order_id}@x", "verifiedAt": "now"})
        ''',
    "annotated variable and parameter": '''
        from events.user_registered import UserRegisteredEvent
        from tscrun import events

        async def post(name: str) -> None:
            user: UserRegisteredEvent = {"id": "1", "name": name, "email": "e", "registeredAt": "t"}
            await events.emit("user.registered", user)

        async def again(user: UserRegisteredEvent) -> None:
            await events.emit("user.registered", user)
        ''',
}

CLEAN["items of parameters and calls of this module's functions"] = '''
        from datetime import datetime, timezone

        from tscrun import events

        def _now() -> str:
            return datetime.now(timezone.utc).isoformat()

        async def run(user: dict[str, str]) -> None:
            await events.emit("user.verified", {"id": user["id"], "email": user["email"],
                                                "verifiedAt": _now()})
        '''

NOT_PROVEN = {
    "a parameter of the wrong type (the judge reads its annotation too)": """
        from tscrun import events

        async def run(user_id: int) -> None:
            await events.emit("user.verified", {"id": user_id, "email": "e", "verifiedAt": "t"})
        """,
    "an attribute: typed by the precise path only": """
        from tscrun import events

        async def run(user: object) -> None:
            await events.emit("user.verified", {"id": user.id, "email": "e", "verifiedAt": "t"})
        """,
    "an item of the wrong type": """
        from tscrun import events

        async def run(user: dict[str, int]) -> None:
            await events.emit("user.verified", {"id": user["id"], "email": "e", "verifiedAt": "t"})
        """,
    "a typo": 'from tscrun import events\nevents.emit("user.verifed", {})\n',
    "a missing key": 'from tscrun import events\nevents.emit("user.verified", {"id": "1"})\n',
    "emit shadowed in one function": '''
        from tscrun.events import emit

        def f() -> None:
            emit = print
            emit("user.verified", {})
        ''',
    "a spread": '''
        from tscrun import events

        def f(extra: dict[str, str]) -> None:
            events.emit("user.verified", {"id": "1", **extra})
        ''',
    "a dynamic name": '''
        from tscrun import events

        def f(kind: str) -> None:
            events.emit(f"user.{kind}", {"id": "1", "email": "e", "verifiedAt": "t"})
        ''',
    "a wrong literal": '''
        from tscrun import events

        def f() -> None:
            events.emit("user.verified", {"id": 1, "email": "e", "verifiedAt": "t"})
        ''',
    "a conditional value": '''
        from tscrun import events

        def f(a: bool) -> None:
            events.emit("user.verified", {"id": "1" if a else 2, "email": "e", "verifiedAt": "t"})
        ''',
}


def _prove(tmp_path: Path, source: str) -> bool:
    path = example_project.write(tmp_path, source)
    project = ProjectContext(load_config(tmp_path / example_project.CONFIG_FILE))
    return proves_clean(ast.parse(path.read_text()), project, "functions.api.example")


@pytest.mark.parametrize("source", CLEAN.values(), ids=list(CLEAN))
def test_fast_path_proves_ordinary_clean_code(source: str, tmp_path: Path) -> None:
    assert _prove(tmp_path, source)


@pytest.mark.parametrize("source", NOT_PROVEN.values(), ids=list(NOT_PROVEN))
def test_fast_path_leaves_doubtful_code_to_the_precise_path(source: str, tmp_path: Path) -> None:
    assert not _prove(tmp_path, source)
