"""Bounded soak: bench/soak.py with fewer events (the 100,000-emit run's figures are in
docs/benchmarks.md). Mixed fast, slow, failing, hanging and plain-def handlers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_soak_every_delivery_is_accounted_for_and_memory_stays_flat() -> None:
    out = subprocess.run([sys.executable, str(REPO / "bench" / "soak.py"), "--events", "2000",
                          "--json"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["accounted"] is True  # delivered + dead-lettered = emits x subscribers
    assert result["delivered"] == 2 * 2000 * 3  # fast, slow, threaded
    assert result["dead_lettered"] == 2 * 2000 * 2  # failing, hanging (timed out)
    assert result["pending_after"] == 0  # drain() returned with nothing left
    first, second = result["rss_after_round_mb"]
    assert second - first < 8  # a second round leaves what the first did, once drained
