"""Bounded soak: bench/soak.py with fewer events (the 100,000-emit run's figures, the longest
event-loop stall among them, are in docs/benchmarks.md: timed figures are not asserted here).
Mixed fast, slow, failing, hanging and plain-def handlers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_soak_every_delivery_is_accounted_for_and_memory_stays_flat() -> None:
    # A dead-letter bound below the round's 4,000 dead letters: the oldest are dropped (with a
    # warning) and the hook still counts every one.
    out = subprocess.run([sys.executable, str(REPO / "bench" / "soak.py"), "--events", "2000",
                          "--max-dead-letters", "1500", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["accounted"] is True  # delivered + dead-lettered = emits x subscribers
    assert result["delivered"] == 2 * 2000 * 3  # fast, slow, threaded
    assert result["dead_lettered"] == 2 * 2000 * 2  # failing, hanging (timed out)
    assert result["dead_letters_kept"] == [1500, 1500]  # the bound, each round
    assert result["pending_after"] == 0  # drain() returned with nothing left
    first, second = result["rss_after_round_mb"]
    assert second - first < 8  # a second round leaves what the first did, once drained
