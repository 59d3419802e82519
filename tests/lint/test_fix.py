"""--fix and --diff: only the safe fix, byte for byte elsewhere, idempotent, noqa respected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import FIXTURES, lint

DIFF = '''\
--- a/app/api/noqa.py
+++ b/app/api/noqa.py
@@ -5,4 +5,4 @@
     await events.emit("order.palced", {})  # noqa: TSC001
     await events.emit("order.palced", {})  # noqa
     await events.emit("order.placed", {"orderId": "o"})  # noqa: TSC101
-    await events.emit("order.palced", {})  # noqa: TSC101
+    await events.emit("order.placed", {})  # noqa: TSC101
--- a/app/api/orders.py
+++ b/app/api/orders.py
@@ -32,7 +32,7 @@
 
 
 async def typo() -> None:
-    await events.emit("order.palced", {"orderId": "o", "amount": 1, "items": []})
+    await events.emit("order.placed", {"orderId": "o", "amount": 1, "items": []})
 
 
 async def annotated(order_id: str) -> None:
'''


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_diff_prints_the_fixes_and_writes_nothing(project_copy: Callable[[str], Path]) -> None:
    root = project_copy("lint_project")
    before = _snapshot(root)
    proc = lint("--diff", cwd=root)
    assert proc.stdout == DIFF
    assert proc.stderr == "Would fix 2 problems.\n"
    assert proc.returncode == 1
    assert _snapshot(root) == before


def test_fix_rewrites_only_the_literal_and_is_idempotent(
        project_copy: Callable[[str], Path]) -> None:
    root = project_copy("lint_project")
    before = _snapshot(root)
    proc = lint("--fix", cwd=root)
    assert proc.returncode == 1  # other problems remain
    assert "Fixed 2 problems." in proc.stdout
    assert "TSC001" not in proc.stdout.replace("aliases.py:20:19: TSC001", "")  # constant: no fix
    after = _snapshot(root)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"app/api/orders.py", "app/api/noqa.py"}
    assert after["app/api/orders.py"] == before["app/api/orders.py"].replace(
        b'emit("order.palced", {"orderId"', b'emit("order.placed", {"orderId"')
    noqa_lines = after["app/api/noqa.py"].decode().splitlines()
    assert noqa_lines[4:8] == [
        '    await events.emit("order.palced", {})  # noqa: TSC001',
        '    await events.emit("order.palced", {})  # noqa',
        '    await events.emit("order.placed", {"orderId": "o"})  # noqa: TSC101',
        '    await events.emit("order.placed", {})  # noqa: TSC101',
    ]
    again = lint("--fix", cwd=root)
    assert "Fixed" not in again.stdout
    assert _snapshot(root) == after
    assert lint("--diff", cwd=root).stdout == ""


def test_fix_keeps_bom_crlf_quotes_and_encoding(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "tscrun.toml").write_text('[events.subscribers.a]\nevents = ["user.joined", "user.left"]\n'
                                      'handler = "app:listen"\n')
    original = ("from tscrun import events\r\n\r\n\r\nasync def go() -> None:\r\n"
                "    await events.emit('user.jionde', {})\r\n"   # 2 edits from user.joined
                "    await events.emit(r'user.lfet', {})  # café\r\n"
                "    await events.emit('user.jo', {})\r\n")     # within 2 of nothing unique
    (root / "app.py").write_bytes(b"\xef\xbb\xbf" + original.encode("utf-8"))
    (root / "latin.py").write_bytes(
        "# -*- coding: latin-1 -*-\nfrom tscrun import events\n\nX = 'é'\n"
        "events.emit('user.joiend', {})\n".encode("latin-1"))
    proc = lint("--fix", "app.py", "latin.py", cwd=root)
    assert "Fixed 3 problems." in proc.stdout, proc.stdout
    assert (root / "app.py").read_bytes() == b"\xef\xbb\xbf" + original.replace(
        "'user.jionde'", "'user.joined'").replace("r'user.lfet'", "r'user.left'").encode("utf-8")
    assert (root / "latin.py").read_bytes() == (
        "# -*- coding: latin-1 -*-\nfrom tscrun import events\n\nX = 'é'\n"
        "events.emit('user.joined', {})\n".encode("latin-1"))
    assert proc.stdout.splitlines()[0].startswith("app.py:7:23: TSC001 unknown event \"user.jo\"")


def test_ambiguous_typo_is_not_guessed(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "tscrun.toml").write_text('[events.subscribers.a]\nevents = ["user.join", "user.joins"]\n'
                                      'handler = "app:listen"\n')
    (root / "app.py").write_text("from tscrun import events\nevents.emit('user.jion', {})\n")
    proc = lint("--diff", "app.py", cwd=root)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "No fixes to apply.\n")


def test_demo_app_diff() -> None:
    proc = lint("--diff", "fixtures/demo_app", cwd=FIXTURES.parent)
    assert proc.stdout.splitlines()[:2] == ["--- a/fixtures/demo_app/functions/api/signup_page.py",
                                            "+++ b/fixtures/demo_app/functions/api/signup_page.py"]
    assert '-    await events.emit("user-registered", {' in proc.stdout
    assert '+    await events.emit("user.registered", {' in proc.stdout
