"""``--select``/``--ignore``: which codes a run reports (no libcst here: the CLI starts fast)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Selector = Callable[[str], bool]


def select_all(code: str) -> bool:
    return True


class Selection:
    """``--select``/``--ignore`` as code prefixes, as flake8 reads them."""

    def __init__(self, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> None:
        self.select = tuple(s.strip().upper() for s in select if s.strip())
        self.ignore = tuple(s.strip().upper() for s in ignore if s.strip())

    def __call__(self, code: str) -> bool:
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))

__all__ = ["Selection", "Selector", "select_all"]
