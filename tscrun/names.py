"""Event-name helpers shared by the runtime, the analyzer and the mypy plugin."""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: a transposition of neighbours is one edit."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _normal(name: str) -> str:
    # "user-registered" and "User_Registered" are the same mistake as "user.registered".
    return name.lower().replace("-", ".").replace("_", ".")


def closest_name(name: str, candidates: Iterable[str]) -> str | None:
    """The configured name a user most likely meant, or ``None`` if nothing is close.

    Close means: equal once separators and case are ignored, or within an edit
    distance of a third of the name (at least 2).
    """
    best: tuple[int, str] | None = None
    limit = max(2, len(name) // 3)
    for cand in sorted(candidates):
        d = 0 if _normal(cand) == _normal(name) else edit_distance(name, cand)
        if d <= limit and (best is None or d < best[0]):
            best = (d, cand)
    return best[1] if best else None


def unique_fix(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """The single configured name within ``max_distance`` edits, if exactly one exists.

    This is the rule behind the safe ``--fix``: an ambiguous typo is never guessed.
    """
    near = [c for c in set(candidates) if edit_distance(name, c) <= max_distance]
    return near[0] if len(near) == 1 else None
