"""`make demo` is the first thing a newcomer runs: it must show the demo's mistakes and exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.xdist_group("demo")
def test_demo_script_finds_the_docs_mistakes_and_runs_the_events() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")],
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    # the CLI and flake8 both find the three source mistakes; the CLI also the config one
    for tool_prefix in ("", "./"):
        assert (f'{tool_prefix}functions/api/signup_page.py:6:23: TSC001 unknown event "user-registered"; '
                'did you mean "user.registered"?') in out
        assert f"{tool_prefix}functions/api/orders.py:5:35: TSC101" in out
        assert f"{tool_prefix}functions/subscribers/send_welcome_email.py:11:25: TSC202" in out
    assert "pyproject.toml:18:49: TSC301" in out
    # mypy with the plugin agrees, in mypy's own words
    assert 'functions/api/orders.py:5: error: Missing key "total" for TypedDict "OrderCompletedEvent"' in out
    assert "[tscrun-unknown-event]" in out
    # the runtime delivered the good events and refused the bad ones before delivering anything
    assert "send-welcome-email: welcome mail to ada@example.com (user.verified)" in out
    assert "increment-registered-users: 1 registered so far" in out
    assert 'PayloadError: invalid payload for event "order.completed" at key "total"' in out
    assert 'UnknownEventError: unknown event "user-registered"' in out
    assert "> dead letters: 0" in out
    # and once more through Redis with a real tscrun worker (the dev extra has redis)
    redis_part = out.split('=== 6. the same events through Redis')[1]
    assert "  send-welcome-email: welcome mail to ada@example.com (user.verified)" in redis_part
    assert "  increment-registered-users: 1 registered so far" in redis_part
    assert ('rejected at emit, nothing sent: UnknownEventError: unknown event "user-registered"'
            in redis_part)
    assert "[worker] INFO stopped: 4 processed, 0 retried, 0 dead, 0 in flight" in redis_part
    assert "> tscrun worker exited 0 after SIGTERM" in redis_part
    assert "Traceback" not in out + proc.stderr
