"""Importing the user code a config names (handlers and payload types).

Only the runtime imports user code; the static tools read source instead.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path

from tscrun.config import Target


class TargetNotFound(Exception):
    """The module or the attribute a target names does not exist."""


class TargetBroken(Exception):
    """The target's module exists but raised while being imported."""


def make_importable(source_roots: Iterable[Path]) -> None:
    """Put the config's source roots on ``sys.path`` so its dotted names import.

    They go first, as they would for a script run from the project root, so the
    project's own ``events`` package wins over an unrelated installed one.
    """
    for root in reversed(tuple(source_roots)):
        entry = str(root)
        if entry not in sys.path:
            sys.path.insert(0, entry)


def _is_missing(exc: ModuleNotFoundError, module: str) -> bool:
    # "No module named 'events.user_registered'" means the target itself (or a
    # parent package) is absent; a missing module imported *by* the target is a
    # bug inside it and must surface as such.
    parts = module.split(".")
    return exc.name in {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def import_target(target: Target) -> object:
    """The object ``target`` names. Raises :class:`TargetNotFound` or :class:`TargetBroken`."""
    try:
        module = importlib.import_module(target.module)
    except ModuleNotFoundError as exc:
        if _is_missing(exc, target.module):
            raise TargetNotFound(f'module "{target.module}" not found') from None
        raise TargetBroken(f'importing "{target.module}" failed: {exc!r}') from exc
    except Exception as exc:
        raise TargetBroken(f'importing "{target.module}" failed: {exc!r}') from exc
    try:
        return getattr(module, target.attr)
    except AttributeError:
        raise TargetNotFound(
            f'module "{target.module}" has no attribute "{target.attr}"') from None
