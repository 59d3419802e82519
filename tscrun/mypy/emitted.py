"""Which events a module emits, read from its source before mypy resolves any name.

Used to give each module the payload modules of its own events as
dependencies (see ``deps``). The answer only has to be safe, not exact: a set
of event names when every call of something named ``emit`` passes a string
literal or a constant assigned a literal at the module's top level, ``None``
("any event") when some call passes anything else, ``emit`` is used other than
as a callee (``send = events.emit``), or the source cannot be read. Calls that
turn out not to be tscrun's ``emit`` only add a dependency that was not needed.

The source is read with :mod:`ast`, not walked in mypy's tree: mypy's tree
visitors are compiled traits that a plugin's classes cannot extend, and only
files that mention ``emit`` at all are parsed a second time. A file that never
says ``emit`` may still call it under another name imported from a project
module (``from .bus import send`` where bus.py has ``from tscrun.events import
emit as send``, through any number of such modules): :class:`Reexports` finds
those from the import lines, and such a file may emit any event.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from collections.abc import Sequence

from mypy.nodes import MypyFile

from tscrun.mypy.fullnames import EMIT_METHOD, NAME_PARAMETER


class _AnyEvent(Exception):
    """Stops the walk: the module may emit any event."""


def emitted_events(file: MypyFile, reexports: Reexports) -> frozenset[str] | None:
    """The event names ``file`` emits, ``None`` if they cannot be read from its source."""
    source = _read(file.path)
    if source is None:
        return None
    # Most modules of a large project never say "emit": no parse for them.
    if EMIT_METHOD.encode() not in source:
        return None if reexports.imports_an_alias(file.path, source) else frozenset()
    try:
        with warnings.catch_warnings():
            # mypy reports the source's own problems; ours would be a second copy on stderr
            warnings.simplefilter("ignore")
            tree = ast.parse(source, file.path)
        return frozenset(_events(tree))
    except _AnyEvent:
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # mypy reports what it cannot parse; this answer just stays safe


def _events(tree: ast.Module) -> set[str]:
    constants = _string_constants(tree)
    emit_names = _emit_names(tree)
    callees: set[int] = set()
    events: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if ((isinstance(func, ast.Name) and func.id in emit_names)
                    or (isinstance(func, ast.Attribute) and func.attr == EMIT_METHOD)):
                callees.add(id(func))
                events.add(_event_name(node, constants))
        elif isinstance(node, ast.Name) and node.id in emit_names and id(node) not in callees:
            raise _AnyEvent
        elif (isinstance(node, ast.Attribute) and node.attr == EMIT_METHOD
              and id(node) not in callees):
            raise _AnyEvent
    return events


def _string_constants(tree: ast.Module) -> dict[str, str]:
    # NAME = "a.b" and NAME: Final = "a.b" at the top level, assigned once.
    values: dict[str, str | None] = {}
    for stmt in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        if not isinstance(target, ast.Name):
            continue
        literal = value.value if isinstance(value, ast.Constant) else None
        first = target.id not in values
        values[target.id] = literal if first and isinstance(literal, str) else None
    return {name: value for name, value in values.items() if value is not None}


def _emit_names(tree: ast.Module) -> frozenset[str]:
    # ``from tscrun.events import emit as send``: calls of ``send`` emit too.
    names = {EMIT_METHOD}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name == EMIT_METHOD)
    return frozenset(names)


def _event_name(call: ast.Call, constants: dict[str, str]) -> str:
    arg: ast.expr | None = None
    if call.args and not isinstance(call.args[0], ast.Starred):
        arg = call.args[0]
    else:
        arg = next((k.value for k in call.keywords if k.arg == NAME_PARAMETER), None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name) and arg.id in constants:
        return constants[arg.id]
    raise _AnyEvent


_SUFFIXES = (".py", ".pyi", os.sep + "__init__.py", os.sep + "__init__.pyi")
_FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import\b", re.MULTILINE)
# ``emit as send`` in an import, or ``send = events.emit``: emit under another name.
_EMIT_ALIAS = re.compile(rb"\bemit[ \t]+as[ \t]+\w|\w[ \t]*=[ \t]*[\w.]*\bemit\b")


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


class Reexports:
    """Which project modules hand out ``emit`` under another name, read from their text.

    ``bases`` are the folders absolute imports resolve against (as mypy's
    search path would). Answers are kept per file for the plugin's lifetime.
    """

    def __init__(self, bases: Sequence[str]) -> None:
        self._bases = tuple(bases)
        self._exports: dict[str, bool] = {}
        self._files: dict[str, str | None] = {}

    def imports_an_alias(self, path: str, source: bytes) -> bool:
        """Does the module at ``path`` import from a project module that aliases emit?"""
        return any(self._exports_alias(target)
                   for target in self._import_targets(path, source))

    def _exports_alias(self, path: str) -> bool:
        known = self._exports.get(path)
        if known is not None:
            return known
        self._exports[path] = False  # an import cycle answers no on the way round
        source = _read(path)
        found = source is not None and (
            _EMIT_ALIAS.search(source) is not None or self.imports_an_alias(path, source))
        self._exports[path] = found
        return found

    def _import_targets(self, path: str, source: bytes) -> list[str]:
        targets = []
        for match in _FROM_IMPORT.finditer(source):
            level = len(match[1])
            name = match[2].decode("ascii", "replace")
            target = self._module_file(path, level, name)
            if target is not None:
                targets.append(target)
        return targets

    def _module_file(self, importer: str, level: int, name: str) -> str | None:
        rel = name.replace(".", os.sep)
        if level:
            base = os.path.dirname(os.path.abspath(importer))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return _find(os.path.join(base, rel) if rel else base)
        if name not in self._files:
            self._files[name] = next(
                (found for base in self._bases
                 if (found := _find(os.path.join(base, rel))) is not None), None)
        return self._files[name]


def _find(stem: str) -> str | None:
    for suffix in _SUFFIXES:
        if os.path.isfile(stem + suffix):
            return stem + suffix
    return None
