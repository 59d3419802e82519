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
from pathlib import Path

from typing import TYPE_CHECKING

from tscrun import Config
from tscrun_lint import fullnames

if TYPE_CHECKING:  # libcst comes with the catalog; the prefilter must not load it
    from tscrun_lint.catalog import Catalog

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
    for root in config.source_roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
            for name in files:
                if not name.endswith(".py"):
                    continue
                try:
                    with open(os.path.join(folder, name), "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                if b"tscrun" not in data or not _IMPORTS_TSCRUN.search(data):
                    continue
                # the module's last segment: the file's stem, or its package for __init__
                stem = name[:-3]
                word = os.path.basename(folder) if stem == "__init__" else stem
                if word.isidentifier():
                    words.add(word)
    return words


# Import statements, their module and their names (parenthesised lists too).
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import\b[ \t]*(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+([^\n]*))", re.M)
_WORD = re.compile(r"\w+")


def may_reach_emit(text: str, words: frozenset[str]) -> bool:
    """Could this file (which never spells "tscrun") call emit through a re-exporter?

    Only import statements are looked at, one regex pass, then set lookups: a
    project with hundreds of re-exporters costs no more than one with a few.
    """
    if not words or "emit" not in text:
        return False
    for match in _IMPORT.finditer(text):
        for part in match.groups():
            if part and any(word in words for word in _WORD.findall(part)):
                return True
    return False


def is_reexported_emit(catalog: Catalog, qualname: str) -> bool:
    """Does a project name such as ``app.bus.events.emit`` resolve to tscrun's emit?"""
    if qualname == fullnames.EMIT or qualname.startswith("tscrun.") or "." not in qualname:
        return False
    from tscrun_lint.modules import External

    try:
        symbol = catalog.index.resolve_qualname(qualname)
    except RecursionError:
        return False
    return isinstance(symbol, External) and symbol.qualname == fullnames.EMIT


def may_emit(text: str, config: Config | None) -> bool:
    """The prefilter with re-exporters: False means this file certainly calls no emit."""
    from tscrun_lint.source import may_call_emit

    if may_call_emit(text):
        return True
    return config is not None and may_reach_emit(text, reexporter_words(config))
