"""Payload TypedDicts of the plainest shape, read with Python's ``ast`` instead of libcst.

Every configured event's payload module is read once per run. Parsing each with libcst
(and collecting its bindings) cost about as much as checking an emitting module, so a
project's lint time grew with its number of events. Most payload modules are plain:

    from typing import NotRequired, TypedDict

    class OrderPlacedEvent(TypedDict):
        id: str
        note: NotRequired[str]

For those, this module reads the class from the ``ast`` (about a tenth of libcst's
parse) and hands each field's annotation, as libcst parses it from its own source text,
to the catalog's one type evaluator (``Catalog._field``); names are resolved through the
module's imports by the same index. So the TypedDict it builds is the one the libcst
reading builds.

It decides only what it fully understands and answers None otherwise: any top-level
statement beyond imports, definitions, plain assignments and docstrings; a name bound
more than once, or defined in the module itself other than as a plain TypedDict class
(the index's symbols need libcst's tree);
a base other than ``TypedDict``; keywords other than ``total=True/False``; decorators;
anything but annotated names, docstrings, ``pass`` and ``...`` in the body; packages
(their submodules are attributes too); star imports. The catalog then reads the module
with libcst as before, so this can only make a run faster, never change its findings
(tests/lint_catalog/test_plain_typeddicts.py compares both readings).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import libcst as cst

from tscrun_lint.base.source import split_lines
from tscrun_lint.base.typemodel import Field, TypedDictType
from tscrun_lint.project.modules import (
    External,
    ModuleIndex,
    NotFound,
    ReadTypedDict,
    Symbol,
    class_line,
)

if TYPE_CHECKING:
    from tscrun_lint.project.catalog import Resolver

_BUILTINS = frozenset(dir(__import__("builtins")))
_TYPEDDICT = External("typing.TypedDict")
# Statements that bind nothing the class could depend on, or bind plainly.
_PLAIN_STATEMENTS = (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef,
                     ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign, ast.Expr, ast.Pass)


class _Undecided(Exception):
    """Raised by the resolver for a name it cannot settle without libcst's tree."""


@dataclass(frozen=True)
class _Import:
    target: str
    module_only: bool
    """``import a.b as c`` / ``import a``: the target is a module, never an attribute."""


def _bindings(tree: ast.Module, module: str) -> dict[str, list[_Import | None]] | None:
    """Top-level names and, for imports, what they import (None: bound otherwise);
    None when a statement is not of the plain kinds."""
    found: dict[str, list[_Import | None]] = {}

    def add(name: str, what: _Import | None) -> None:
        found.setdefault(name, []).append(what)

    package = module.rpartition(".")[0]
    for stmt in tree.body:
        if not isinstance(stmt, _PLAIN_STATEMENTS):
            return None
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname is not None:
                    add(alias.asname, _Import(alias.name, True))
                else:
                    head = alias.name.partition(".")[0]
                    add(head, _Import(head, True))
        elif isinstance(stmt, ast.ImportFrom):
            base = _import_base(stmt, package)
            if base is None or any(alias.name == "*" for alias in stmt.names):
                return None
            for alias in stmt.names:
                add(alias.asname or alias.name,
                    _Import(f"{base}.{alias.name}" if base else alias.name, False))
        elif isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            add(stmt.name, None)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if not isinstance(target, ast.Name):
                    return None
                add(target.id, None)
        elif isinstance(stmt, ast.AnnAssign):
            if not isinstance(stmt.target, ast.Name):
                return None
            add(stmt.target.id, None)
    return found


def _import_base(stmt: ast.ImportFrom, package: str) -> str | None:
    """The absolute module of ``from ... import``, as the index's collector words it."""
    if not stmt.level:
        return stmt.module
    parts = package.split(".") if package else []
    if stmt.level - 1 > len(parts):
        return None
    if stmt.level > 1:
        parts = parts[: len(parts) - (stmt.level - 1)]
    prefix = ".".join(parts)
    if not stmt.module:
        return prefix or None
    return f"{prefix}.{stmt.module}" if prefix else stmt.module


def _resolver(index: ModuleIndex, module: str, bindings: dict[str, list[_Import | None]],
              local_classes: set[str], local: Callable[[str], TypedDictType | None]
              ) -> Resolver:
    """Resolves names written at the top level of ``module`` as ``ModuleIndex.resolve_expr``
    would, or raises _Undecided where that needs the module's libcst tree."""

    def resolve(expr: cst.BaseExpression) -> Symbol:
        if isinstance(expr, cst.Attribute):
            return index.attribute(resolve(expr.value), expr.attr.value)
        if not isinstance(expr, cst.Name):
            return None
        name = expr.value
        bound = bindings.get(name)
        if not bound:
            if "__getattr__" in bindings:
                raise _Undecided
            if name in _BUILTINS:
                return External(f"builtins.{name}")
            return NotFound(f'no "{name}" in module "{module}"')
        if len(bound) == 1 and name in local_classes:
            td = local(name)  # a TypedDict of this module (OrderLine in lines: list[OrderLine])
            if td is None:
                raise _Undecided
            return ReadTypedDict(td)
        if len(bound) != 1 or bound[0] is None:
            raise _Undecided  # defined here, or bound twice: the index's lookup decides
        return index.resolve_qualname(bound[0].target, 1, module_only=bound[0].module_only)

    return resolve


class _Segments:
    """Source text of nodes, as ``ast.get_source_segment`` gives it, with the text split
    into lines once (that function splits the whole text again on every call)."""

    def __init__(self, text: str) -> None:
        self.lines = [line.encode() for line in split_lines(text)]

    def __call__(self, node: ast.expr) -> str:
        end_line, end_col = node.end_lineno, node.end_col_offset
        if end_line is None or end_col is None:
            return ""
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            return self.lines[first][node.col_offset:end_col].decode()
        parts = [self.lines[first][node.col_offset:], *self.lines[first + 1:last],
                 self.lines[last][:end_col]]
        return b"\n".join(parts).decode()


def read_plain_typed_dict(
        index: ModuleIndex, module: str, name: str,
        field_of: Callable[[Resolver, cst.BaseExpression, bool], Field],
        parse: Callable[[str], cst.BaseExpression | None],
        local: Callable[[str], TypedDictType | None],
) -> TypedDictType | None:
    """The TypedDict ``module.name`` when it is of the plain shape, else None (read it
    with libcst). ``field_of`` is the catalog's field evaluator, ``parse`` its parser of
    annotation text (cached: the same annotations recur across payload modules),
    ``local`` reads another class of the same module this way (None: declined)."""
    read = index.get_ast(module)
    if read is None:
        return None
    tree, text, path = read
    if path.stem == "__init__":
        return None
    bindings = _bindings(tree, module)
    if bindings is None or len(bindings.get(name, ())) != 1:
        return None
    node = next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == name), None)
    if node is None or node.decorator_list or getattr(node, "type_params", None):
        return None
    classes = {s.name for s in tree.body if isinstance(s, ast.ClassDef)}
    resolve = _resolver(index, module, bindings, classes, local)
    total = True
    for kw in node.keywords:
        if kw.arg != "total" or not isinstance(kw.value, ast.Constant) \
                or not isinstance(kw.value.value, bool):
            return None
        total = kw.value.value
    if len(node.bases) != 1:
        return None
    segment = _Segments(text)
    base = parse(segment(node.bases[0]))
    line = class_line(text, name)
    if base is None or line is None:
        return None
    try:
        if resolve(base) != _TYPEDDICT:
            return None
        fields: dict[str, Field] = {}
        for stmt in node.body:
            if isinstance(stmt, ast.Pass) or isinstance(stmt, ast.Expr) and isinstance(
                    stmt.value, ast.Constant) and (stmt.value.value is Ellipsis
                                                   or isinstance(stmt.value.value, str)):
                continue
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name) \
                    or stmt.value is not None:
                return None
            annotation = parse(segment(stmt.annotation))
            if annotation is None:
                return None
            fields[stmt.target.id] = field_of(resolve, annotation, total)
    except _Undecided:
        return None
    return TypedDictType(f"{module}.{name}", name, MappingProxyType(fields), path, line)
