"""What a check produces: a diagnostic with an exact source range and an optional fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Fix:
    """Replace the diagnostic's range (same span as the diagnostic) with ``replacement``."""

    replacement: str
    description: str


@dataclass(frozen=True)
class Diagnostic:
    """One finding. Lines and columns are 1-based; ``end_column`` is exclusive (as in SARIF).

    Columns count characters (code points), like flake8 and Python's tokenizer.
    """

    path: Path
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (str(self.path.absolute()), self.line, self.column, self.code, self.message)
