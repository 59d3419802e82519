"""Finding ``tscrun.events.emit`` calls in a parsed module and reading their event names.

Calls are found by resolving names with libcst's metadata (fully qualified
names through imports and aliases, relative imports included), never by
matching text, so ``logger.emit(...)`` or a local ``emit`` function is never
taken for the tscrun one. Event names are read from literals and from
constants (same module or imported from a project module). Anything that
cannot be decided is ``UNDECIDED``: the rules stay silent about it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    Assignment,
    ImportAssignment,
    QualifiedName,
    QualifiedNameSource,
    Scope,
)

from tscrun_lint.base import fullnames


class NameKind(enum.Enum):
    KNOWN = "known"
    """The value is a statically known string."""
    DYNAMIC = "dynamic"
    """Certainly a ``str`` computed at run time (f-string, concatenation with a variable, ...)."""
    UNDECIDED = "undecided"
    """Could be anything, including a ``Literal`` type mypy accepts: say nothing."""


@dataclass(frozen=True)
class EventName:
    kind: NameKind
    value: str | None = None


UNDECIDED = EventName(NameKind.UNDECIDED)
DYNAMIC = EventName(NameKind.DYNAMIC)

# Methods of str whose result is a str computed at run time.
_STR_METHODS = frozenset({
    "format", "format_map", "join", "lower", "upper", "replace", "strip", "lstrip", "rstrip",
    "casefold", "title", "capitalize", "removeprefix", "removesuffix",
})
# Nesting beyond this is not followed (a constant defined from a constant from ...).
_MAX_DEPTH = 8


@dataclass(frozen=True)
class EmitSite:
    """One call of ``tscrun.events.emit``."""

    call: cst.Call
    name_node: cst.BaseExpression
    payload_node: cst.BaseExpression | None
    name: EventName
    literal: cst.SimpleString | None
    """The name as a plain string literal at the call, the only form ``--fix`` rewrites."""


class EmitCandidates(cst.CSTVisitor):
    """One walk (before any metadata) collecting candidate calls and binding statements.

    A candidate is a call whose callee starts with a name bound by an import
    from ``tscrun`` (or a relative import, which may be tscrun's own package):
    only those can be ``tscrun.events.emit``, and a module without one never
    pays for scope analysis. Which candidates really are emit is then decided
    with libcst's qualified names.

    libcst's scope analysis says *which* binding a name refers to (its ``node``
    is the target ``Name`` or the ``Param``); ``statements`` maps those nodes
    back to the statement, to read a constant's value.
    """

    def __init__(self, reexporters: Collection[str] = ()) -> None:
        self.reexporters = reexporters
        """Last segments of project modules importing tscrun (see ``reexports``)."""
        self.calls: list[cst.Call] = []
        self.statements: dict[int, cst.Assign | cst.AnnAssign] = {}
        self.imported: set[str] = set()
        self.star = False
        self.star_modules: set[str] = set()
        """Absolute modules imported with ``*`` (libcst's names cannot see through those)."""

    @property
    def candidates(self) -> list[cst.Call]:
        if self.star:
            return self.calls
        return [c for c in self.calls if _root_name(c.func) in self.imported]

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted == "tscrun" or dotted.startswith("tscrun.") or self._reexporter(dotted):
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.imported.add(alias.asname.name.value)
                else:
                    self.imported.add(dotted.partition(".")[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        dotted = _dotted(node.module) if node.module is not None else ""
        if not (node.relative or dotted == "tscrun" or dotted.startswith("tscrun.")
                or self._reexporter(dotted)):
            return
        if isinstance(node.names, cst.ImportStar):
            self.star = True
            if not node.relative:
                self.star_modules.add(dotted)
            return
        for alias in node.names:
            local = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(local, cst.Name):
                self.imported.add(local.value)

    def _reexporter(self, dotted: str) -> bool:
        return bool(self.reexporters) and any(p in self.reexporters for p in dotted.split("."))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.statements[id(target.target)] = node

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.statements[id(node.target)] = node


class NameResolver:
    """Reads event names from expressions, with the module's metadata."""

    def __init__(self, scopes: Mapping[cst.CSTNode, Scope | None],
                 qualnames: Mapping[cst.CSTNode, Collection[QualifiedName]],
                 collected: EmitCandidates, constant: Callable[[str], str | None],
                 reexported: Callable[[str], bool] | None = None,
                 returns_str: Callable[[str], bool] | None = None) -> None:
        self.scopes = scopes
        self.returns_str = returns_str
        """Is this qualified name a project function declared to return plain ``str``?"""
        self.reexported = reexported
        """Does a project name (``app.bus.events.emit``) lead to tscrun's emit?"""
        self.qualnames = qualnames
        self.collected = collected
        self.constant = constant
        """``Catalog.constant``: a project module's string constant by qualified name."""

    def qualname(self, node: cst.CSTNode) -> str | None:
        """The one fully qualified name of ``node``, or None when there is none or several."""
        names = self.qualnames.get(node)
        if not names or len(names) != 1:
            return None
        return next(iter(names)).name

    def is_emit(self, call: cst.Call) -> bool:
        names = self.qualnames.get(call.func)
        if not names:
            return self._star_emit(call.func)
        if len(names) != 1:
            return False
        (q,) = names
        # Only through an import: a local variable called `tscrun` is not the package.
        if q.source is not QualifiedNameSource.IMPORT:
            return False
        return q.name == fullnames.EMIT or (self.reexported is not None and self.reexported(q.name))

    def _star_emit(self, func: cst.BaseExpression) -> bool:
        """``from tscrun.events import *`` then ``emit(...)``, with ``emit`` bound nowhere else."""
        if not (isinstance(func, cst.Name) and func.value == "emit"
                and fullnames.EMIT_MODULE in self.collected.star_modules):
            return False
        scope = self.scopes.get(func)
        return scope is not None and not scope[func.value]

    def site(self, call: cst.Call) -> EmitSite | None:
        """The emit call's arguments, or None when the event name cannot be matched.

        With ``*args`` or ``**kwargs`` in the call, the name still counts when it is
        written before them (or as ``name=``); the payload is then left alone, since
        which argument carries it is unknown.
        """
        name_node: cst.BaseExpression | None = None
        payload: cst.BaseExpression | None = None
        positional = 0
        starred = False
        for arg in call.args:
            if arg.star:
                starred = True
                if arg.star == "*":
                    positional = -1  # positions after *args are unknown
                continue
            if arg.keyword is None:
                if positional == 0:
                    name_node = arg.value
                elif positional == 1:
                    payload = arg.value
                if positional >= 0:
                    positional += 1
            elif arg.keyword.value == fullnames.EMIT_NAME_PARAM:
                name_node = arg.value
            elif arg.keyword.value == fullnames.EMIT_DATA_PARAM:
                payload = arg.value
        if name_node is None:
            return None
        if starred:
            payload = None
        literal = name_node if isinstance(name_node, cst.SimpleString) else None
        return EmitSite(call, name_node, payload, self.event_name(name_node), literal)

    def event_name(self, node: cst.BaseExpression, depth: int = 0) -> EventName:
        if depth > _MAX_DEPTH:
            return UNDECIDED
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return EventName(NameKind.KNOWN, value) if isinstance(value, str) else UNDECIDED
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        if isinstance(node, cst.Name):
            return self._name(node, depth)
        if isinstance(node, cst.Attribute):
            q = self.qualname(node)
            value = self.constant(q) if q else None
            return EventName(NameKind.KNOWN, value) if value is not None else UNDECIDED
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, depth)
        if isinstance(node, cst.Call):
            return self._call(node)
        return UNDECIDED

    @staticmethod
    def _fstring(node: cst.FormattedString) -> EventName:
        if any(isinstance(p, cst.FormattedStringExpression) for p in node.parts):
            return DYNAMIC
        text = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
        # Escapes and doubled braces would need evaluating; not worth guessing.
        if "\\" in text or "{" in text or "}" in text:
            return UNDECIDED
        return EventName(NameKind.KNOWN, text)

    def _binary(self, node: cst.BinaryOperation, depth: int) -> EventName:
        if not isinstance(node.operator, (cst.Add, cst.Modulo)):
            return UNDECIDED
        left = self.event_name(node.left, depth + 1)
        if isinstance(node.operator, cst.Modulo):
            # "user.%s" % kind is a str whatever kind is.
            return DYNAMIC if left.kind is NameKind.KNOWN else UNDECIDED
        right = self.event_name(node.right, depth + 1)
        if left.kind is NameKind.KNOWN and right.kind is NameKind.KNOWN:
            return EventName(NameKind.KNOWN, (left.value or "") + (right.value or ""))
        if NameKind.KNOWN in (left.kind, right.kind) or NameKind.DYNAMIC in (left.kind, right.kind):
            # str + x is a str (or a type error mypy reports); never a Literal.
            return DYNAMIC
        return UNDECIDED

    def _call(self, node: cst.Call) -> EventName:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _STR_METHODS and isinstance(
                func.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return DYNAMIC
        callee = self.qualname(func)
        if callee == fullnames.STR:
            return DYNAMIC
        if callee is not None and self.returns_str is not None and self.returns_str(callee):
            return DYNAMIC
        return UNDECIDED

    def _name(self, node: cst.Name, depth: int) -> EventName:
        scope = self.scopes.get(node)
        if scope is None:
            return UNDECIDED
        assignments = scope[node.value]
        if len(assignments) != 1:
            return UNDECIDED  # rebound, conditionally defined or unbound: cannot say
        binding = next(iter(assignments))
        if isinstance(binding, ImportAssignment):
            q = self.qualname(node)
            value = self.constant(q) if q else None
            return EventName(NameKind.KNOWN, value) if value is not None else UNDECIDED
        if not isinstance(binding, Assignment):
            return UNDECIDED
        target = binding.node
        if isinstance(target, cst.Param):
            return DYNAMIC if self._is_str(target.annotation) else UNDECIDED
        stmt = self.collected.statements.get(id(target))
        if stmt is None:
            return UNDECIDED  # for-loop target, with ... as, walrus, ...: not a constant
        if isinstance(stmt, cst.AnnAssign):
            if stmt.value is None:
                return UNDECIDED
            assigned = self.event_name(stmt.value, depth + 1)
            if assigned.kind is NameKind.UNDECIDED and self._is_str(stmt.annotation):
                return DYNAMIC
            return assigned
        return self.event_name(stmt.value, depth + 1)

    def _is_str(self, annotation: cst.Annotation | None) -> bool:
        return annotation is not None and self.qualname(annotation.annotation) == fullnames.STR


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def emit_sites(calls: Sequence[cst.Call], resolver: NameResolver) -> list[EmitSite]:
    sites = []
    for call in calls:
        if resolver.is_emit(call):
            site = resolver.site(call)
            if site is not None:
                sites.append(site)
    return sites
