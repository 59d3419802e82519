"""A monorepo: mypy, flake8 and tscrun-lint find each app's config from the checked file.

The root ``pyproject.toml`` holds only ``[tool.mypy]``; each app has its own
tscrun config below it (one in ``pyproject.toml``, one in ``tscrun.toml``),
and one mypy run checks both apps. The three real command lines, run from the
root, must report the same findings (file, line, code).
"""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.lint.conftest import run, tool
from tests.mypy.harness import run_mypy
from tscrun.diagnostics import CODES

pytestmark = pytest.mark.xdist_group("mypy_monorepo")

ROOT_PYPROJECT = '[tool.mypy]\nplugins = ["tscrun.mypy"]\npython_version = "3.11"\n'

FILES = {
    "apps/shop/pyproject.toml": """
        [tool.tscrun]
        project-name = "shop"

        [tool.tscrun.events.subscribers.notify]
        events = ["order.placed"]
        """,
    "apps/shop/events/__init__.py": "",
    "apps/shop/events/order_placed.py": """
        from typing import TypedDict


        class OrderPlacedEvent(TypedDict):
            id: str
            total: int
        """,
    "apps/shop/functions/__init__.py": "",
    "apps/shop/functions/subscribers/__init__.py": "",
    "apps/shop/functions/subscribers/notify.py": """
        from tscrun.events import Event

        from events.order_placed import OrderPlacedEvent


        async def listen(event: Event[OrderPlacedEvent]) -> None:
            print(event.data["id"])
        """,
    "apps/shop/shop_app/__init__.py": "",
    "apps/shop/shop_app/orders.py": """
        from tscrun import events


        async def place(order_id: str) -> None:
            await events.emit("order.placed", {"id": order_id, "total": 3})
            await events.emit("order.plaecd", {"id": order_id, "total": 3})
            await events.emit("order.placed", {"id": order_id})
        """,
    "apps/blog/tscrun.toml": """
        project-name = "blog"

        [events]
        types-module = "blog_events"

        [events.subscribers.index]
        events = ["post.published"]
        handler = "blog_app.indexer:listen"
        """,
    "apps/blog/blog_events/__init__.py": "",
    "apps/blog/blog_events/post_published.py": """
        from typing import TypedDict


        class PostPublishedEvent(TypedDict):
            slug: str
        """,
    "apps/blog/blog_app/__init__.py": "",
    "apps/blog/blog_app/indexer.py": """
        from tscrun.events import Event

        from blog_events.post_published import PostPublishedEvent


        async def listen(event: Event[PostPublishedEvent]) -> None:
            print(event.data["slug"])
        """,
    "apps/blog/blog_app/posts.py": """
        from tscrun import events


        async def publish(slug: str) -> None:
            await events.emit("post.published", {"slug": slug})
            await events.emit("order.placed", {"slug": slug})
            await events.emit("post.published", {"slug": 1})
        """,
}

EXPECTED = {
    ("apps/shop/shop_app/orders.py", 6, "TSC001"),
    ("apps/shop/shop_app/orders.py", 7, "TSC101"),
    ("apps/blog/blog_app/posts.py", 6, "TSC001"),  # the shop's event is not the blog's
    ("apps/blog/blog_app/posts.py", 7, "TSC103"),
}

# mypy reports payload problems with its own TypedDict codes.
_MYPY_PAYLOAD_CODES = {"typeddict-item": ("TSC101", "TSC103")}
_BY_MYPY_CODE = {c.mypy_code: c.code for c in CODES.values() if c.mypy_code}
_MYPY_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*  \[(?P<code>[\w-]+)\]$")
_TOOL_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):\d+: (?P<code>TSC\d+) ")


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel, text in {"pyproject.toml": ROOT_PYPROJECT, **FILES}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def tool_findings(proc: subprocess.CompletedProcess[str]) -> set[tuple[str, int, str]]:
    found = set()
    for line in proc.stdout.splitlines():
        m = _TOOL_LINE.match(line)
        if m:
            found.add((Path(m["path"]).as_posix().removeprefix("./"), int(m["line"]), m["code"]))
    return found


def test_mypy_finds_each_apps_config(monorepo: Path, runtime: Path) -> None:
    checked = run_mypy(monorepo, "apps/shop", "apps/blog", runtime=runtime)
    assert "Traceback" not in checked.output and "no tscrun config" not in checked.output
    found = set()
    for line in checked.stdout.splitlines():
        m = _MYPY_LINE.match(line)
        assert m, checked.output
        code = m["code"]
        if code in _MYPY_PAYLOAD_CODES:
            # one mypy code for missing keys and wrong values: match whichever is expected
            matches = [e for e in EXPECTED if e[:2] == (m["path"], int(m["line"]))
                       and e[2] in _MYPY_PAYLOAD_CODES[code]]
            found.update(matches or {(m["path"], int(m["line"]), code)})
        else:
            found.add((m["path"], int(m["line"]), _BY_MYPY_CODE.get(code, code)))
    assert found == EXPECTED, checked.output


def test_flake8_finds_each_apps_config(monorepo: Path) -> None:
    proc = run([tool("flake8"), "--select", "TSC", "apps/shop", "apps/blog"], cwd=monorepo)
    assert tool_findings(proc) == EXPECTED, proc.stdout + proc.stderr


def test_tscrun_lint_finds_each_apps_config(monorepo: Path) -> None:
    proc = run([tool("tscrun-lint"), "apps/shop", "apps/blog"], cwd=monorepo)
    assert tool_findings(proc) == EXPECTED, proc.stdout + proc.stderr
    assert proc.returncode == 1
