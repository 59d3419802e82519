"""Suite-wide settings.

In CI (``CI`` set) hypothesis runs derandomized: a submission must not fail on
a draw nobody can reproduce. Locally every run draws afresh, so the fuzz suites
keep exploring; ``TSCRUN_FUZZ_LONG=1`` makes them run longer.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
