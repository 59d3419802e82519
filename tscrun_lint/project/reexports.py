"""Emitters handed on by project modules: ``from .bus import events`` where ``bus``
does ``from tscrun import events``.

Such a file never spells "tscrun", so the text prefilter alone would skip it. A
project-wide scan (bytes only, no parse) finds the modules that import tscrun at
module level; a file that mentions one of their names and "emit" is then parsed,
and the precise path follows the name through the project's modules to decide
whether it really is ``tscrun.events.emit``. One hop is followed by the prefilter
(a module re-exporting a re-exporter is not found); the resolution itself
follows any chain the source index can.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from typing import TYPE_CHECKING

from tscrun import Config
from tscrun_lint.base import fullnames
from tscrun_lint.base.source import SourceError, read_bounded, walk_python

if TYPE_CHECKING:  # libcst comes with the catalog; the prefilter must not load it
    from tscrun_lint.project.catalog import Catalog

# A module-level import of tscrun: at column 0, so imports inside functions (which
# nobody else can import from) do not count.
_IMPORTS_TSCRUN = re.compile(rb"^(?:from[ \t]+tscrun[\w. \t]*import|import[ \t]+tscrun)", re.M)
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "build", "dist"})

_words: dict[tuple[Path, str], frozenset[str]] = {}


def reexporter_words(config: Config) -> frozenset[str]:
    """Last name segments of project modules that import tscrun at module level."""
    key = (config.path, config.digest)
    found = _words.get(key)
    if found is None:
        found = _words[key] = frozenset(_scan(config))
    return found


def _scan(config: Config) -> set[str]:
    # Plain os calls, no pathlib: this runs over every file of the project.
    words: set[str] = set()
    root = os.path.realpath(config.root)
    for source_root in config.source_roots:
        for path, link in walk_python(source_root, _SKIP_DIRS):
            if link and not _inside(os.path.realpath(path), root):
                continue  # a symlink out of the project: not ours to read
            try:
                data = read_bounded(path)
            except (OSError, SourceError):
                continue  # a FIFO, a device, a loop: reported when it is checked itself
            if b"tscrun" not in data or not _IMPORTS_TSCRUN.search(data):
                continue
            # the module's last segment: the file's stem, or its package for __init__
            folder, name = os.path.split(path)
            stem = name[:-3]
            word = os.path.basename(folder) if stem == "__init__" else stem
            if word.isidentifier():
                words.add(word)
    return words


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


_WORD = re.compile(r"\w+")


def _import_parts(text: str) -> Iterator[str]:
    """The module and names of each import statement, in one pass over the lines.

    A plain line walk rather than one regex over the text: a pattern spanning
    parenthesised lists re-scanned the rest of the file from every unclosed
    ``import (`` (quadratic on a crafted file); here each line is read once.
    """
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].lstrip(" \t")
        i += 1
        if line.startswith("import") and line[6:7] in (" ", "\t"):
            yield line[7:]
        elif line.startswith("from") and line[4:5] in (" ", "\t"):
            module, sep, names = line[5:].partition(" import")
            if not sep:
                continue
            yield module
            if names.lstrip().startswith("(") and ")" not in names:
                # a parenthesised list over several lines: up to its closing bracket
                parts = [names]
                while i < len(lines) and ")" not in parts[-1]:
                    parts.append(lines[i])
                    i += 1
                names = " ".join(parts)
            yield names


def may_reach_emit(text: str, words: frozenset[str]) -> bool:
    """Could this file (which never spells "tscrun") call emit through a re-exporter?

    Only import statements are looked at, one pass, then set lookups: a project
    with hundreds of re-exporters costs no more than one with a few.
    """
    if not words or "emit" not in text:
        return False
    for part in _import_parts(text):
        if any(word in words for word in _WORD.findall(part)):
            return True
    return False


def is_reexported_emit(catalog: Catalog, qualname: str) -> bool:
    """Does a project name such as ``app.bus.events.emit`` resolve to tscrun's emit?"""
    if qualname == fullnames.EMIT or qualname.startswith("tscrun.") or "." not in qualname:
        return False
    from tscrun_lint.project.modules import External

    try:
        symbol = catalog.index.resolve_qualname(qualname)
    except RecursionError:
        return False
    return isinstance(symbol, External) and symbol.qualname == fullnames.EMIT


def may_emit(text: str, config: Config | None) -> bool:
    """The prefilter with re-exporters: False means this file certainly calls no emit."""
    from tscrun_lint.base.source import may_call_emit

    if may_call_emit(text):
        return True
    return config is not None and may_reach_emit(text, reexporter_words(config))
