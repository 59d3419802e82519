"""flake8 plugin entry point (placeholder until the engine lands)."""

from __future__ import annotations

import ast
from collections.abc import Iterator


class TscrunChecker:
    name = "tscrun"
    version = "0.1.0"

    def __init__(self, tree: ast.AST, filename: str) -> None:
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        return iter(())
