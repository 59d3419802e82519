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
    return NameIndex(candidates).closest(name)


def unique_fix(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """The single configured name within ``max_distance`` edits, if exactly one exists.

    This is the rule behind the safe ``--fix``: an ambiguous typo is never guessed.
    """
    return NameIndex(candidates).unique_fix(name, max_distance)


class NameIndex:
    """``closest_name`` and ``unique_fix`` over one fixed set of names, prepared once.

    Sorting and normalising 1,000 configured names for every unknown emit cost more
    than the edit distances themselves; the answers are also kept per distinct name
    (a file may repeat one misspelling many times).
    """

    _MEMO = 4096

    def __init__(self, candidates: Iterable[str]) -> None:
        self.ordered = sorted(set(candidates))
        self._normal: dict[str, str] = {}
        for candidate in self.ordered:  # sorted: the first of equals wins
            self._normal.setdefault(_normal(candidate), candidate)
        self._memo: dict[str, tuple[int, list[tuple[int, int]]]] = {}

    def closest(self, name: str) -> str | None:
        same = self._normal.get(_normal(name))
        if same is not None:
            return same
        near = self._near(name)
        # ties go to the first name in sorted order
        return self.ordered[min(near)[1]] if near else None

    def unique_fix(self, name: str, max_distance: int = 2) -> str | None:
        near = self._near(name, max_distance)
        within = [index for score, index in near if score <= max_distance]
        return self.ordered[within[0]] if len(within) == 1 else None

    def _near(self, name: str, at_least: int = 0) -> list[tuple[int, int]]:
        """(distance, position in ``ordered``) of every name within a third of ``name``'s
        length (at least 2, at least ``at_least``) edits: one rapidfuzz call scores every
        candidate in C, once per distinct name for both questions above."""
        cutoff = max(2, len(name) // 3, at_least)
        found = self._memo.get(name)
        if found is None or found[0] < cutoff:
            from rapidfuzz import process
            from rapidfuzz.distance import OSA

            if len(self._memo) >= self._MEMO:
                self._memo.clear()
            hits = process.extract(name, self.ordered, scorer=OSA.distance,
                                   score_cutoff=cutoff, limit=None)
            found = (cutoff, [(int(score), index) for _choice, score, index in hits])
            self._memo[name] = found
        return [hit for hit in found[1] if hit[0] <= cutoff]
