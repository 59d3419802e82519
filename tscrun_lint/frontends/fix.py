"""Applying safe fixes to files, or showing them as a unified diff."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from tscrun_lint.frontends.formats import display_path
from tscrun_lint.base.source import Source


def write(fixes: Mapping[Path, tuple[Source, str]]) -> list[Path]:
    """Write each fixed text back with the file's own encoding (and BOM); returns the paths.

    A symlink is never written through (its target may lie outside the project, in a
    library or another checkout): see :func:`refused`.
    """
    written = []
    for path, (source, fixed) in fixes.items():
        if fixed == source.text or path.is_symlink():
            continue
        path.write_bytes(source.encode(fixed))
        written.append(path)
    return written


def refused(fixes: Mapping[Path, tuple[Source, str]]) -> list[Path]:
    """The files with fixes that ``write`` leaves alone because they are symlinks."""
    return sorted(path for path, (source, fixed) in fixes.items()
                  if fixed != source.text and path.is_symlink())


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def unified_diff(fixes: Mapping[Path, tuple[Source, str]]) -> str:
    chunks: list[str] = []
    for path in sorted(fixes):
        source, fixed = fixes[path]
        if fixed == source.text:
            continue
        name = display_path(path)
        chunks.extend(difflib.unified_diff(_lines(source.text), _lines(fixed),
                                           fromfile=f"a/{name}", tofile=f"b/{name}"))
    return "".join(chunks)
