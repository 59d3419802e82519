"""``# noqa`` comments, read exactly as flake8 reads them so both tools agree."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

# Same pattern as flake8.defaults.NOQA_INLINE_REGEXP (flake8 7): a bare `# noqa`
# silences every code on the line, `# noqa: TSC001,TSC1` only those codes/prefixes.
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_SPLIT = re.compile(r"[,\s]")


def is_silenced(code: str, physical_line: str) -> bool:
    """Whether ``# noqa`` on ``physical_line`` silences ``code``."""
    codes = _noqa_codes(physical_line)
    return codes is not None and (not codes or code.startswith(codes))


@functools.lru_cache(maxsize=256)
def _noqa_codes(physical_line: str) -> tuple[str, ...] | None:
    """The codes a line's ``# noqa`` names (``()``: every code), None without one.

    Once per line, not per finding: 10,000 findings on one 400 KB line would otherwise
    scan (and lower-case) that line 10,000 times. The line object's hash is cached by
    Python, so a lookup does not scan it again either.
    """
    if "noqa" not in physical_line.lower():
        return None
    m = _NOQA.search(physical_line)
    if m is None:
        return None
    codes_str = m.group("codes")
    if codes_str is None:
        return ()
    return tuple(c.strip() for c in _SPLIT.split(codes_str) if c.strip())


def silenced(code: str, line: int, lines: Sequence[str]) -> bool:
    """``line`` is 1-based; out-of-range lines are never silenced."""
    return 1 <= line <= len(lines) and is_silenced(code, lines[line - 1])
