"""Event-name helpers shared by the runtime, the analyzer and the mypy plugin."""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment distance: a transposition of neighbours is one edit.

    Computed by rapidfuzz (C++, bit-parallel): the pure-Python table cost ~40 ms per
    unknown name against 1,000 configured events. With ``limit``, a distance above
    it comes back as ``limit + 1`` (which lets rapidfuzz stop early).
    """
    if a == b:
        return 0
    from rapidfuzz.distance import OSA  # not at import time: `import tscrun` stays light

    return int(OSA.distance(a, b, score_cutoff=limit))


def _normal(name: str) -> str:
    # "user-registered" and "User_Registered" are the same mistake as "user.registered".
    return name.lower().replace("-", ".").replace("_", ".")


def closest_name(name: str, candidates: Iterable[str]) -> str | None:
    """The configured name a user most likely meant, or ``None`` if nothing is close.

    Close means: equal once separators and case are ignored, or within an edit
    distance of a third of the name (at least 2).
    """
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    limit = max(2, len(name) // 3)
    normal = _normal(name)
    ordered = sorted(candidates)
    same = [c for c in ordered if _normal(c) == normal]
    if same:
        return same[0]
    # One call scores every candidate in C; ties go to the first name in sorted order.
    near = process.extract(name, ordered, scorer=OSA.distance, score_cutoff=limit, limit=None)
    if not near:
        return None
    _choice, _score, index = min(near, key=lambda hit: (hit[1], hit[2]))
    return ordered[index]


def unique_fix(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """The single configured name within ``max_distance`` edits, if exactly one exists.

    This is the rule behind the safe ``--fix``: an ambiguous typo is never guessed.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    unique = sorted(set(candidates))
    near = process.extract(name, unique, scorer=OSA.distance, score_cutoff=max_distance,
                           limit=None)
    return near[0][0] if len(near) == 1 else None
