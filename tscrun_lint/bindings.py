"""Where names in a checked file come from: the scope facts the payload judge relies on.

Built on libcst's scope analysis (computed by the engine). Each answer errs on the
side of "unknown": a name bound more than once, changed in place, or possibly
narrowed by a condition is not taken at its declared or assigned value.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import Assignment, GlobalScope, Scope
from libcst.metadata.scope_provider import ImportAssignment

Bound = tuple[cst.BaseExpression | None, cst.BaseExpression | None]
"""(assigned value or None, annotation or None) of a binding."""

_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                       "__delitem__", "__ior__"})


class FileBindings:
    """Scope questions about one checked file, answered once and cached."""

    def __init__(self, scopes: Mapping[cst.CSTNode, Scope | None]) -> None:
        self.scopes = scopes
        self._bindings: dict[cst.CSTNode, dict[cst.CSTNode, Bound]] = {}
        self._mutated: dict[cst.CSTNode, frozenset[str]] = {}
        self._narrowed: dict[cst.CSTNode, frozenset[str]] = {}
        self._conditionals: dict[tuple[cst.CSTNode, str],
                                 tuple[frozenset[cst.CSTNode], frozenset[cst.CSTNode]]] = {}
        self._root: cst.Module | None = None

    def scope_node(self, scope: Scope) -> cst.CSTNode | None:
        """The node that owns ``scope`` (the Module for the global scope)."""
        if not isinstance(scope, GlobalScope):
            node: cst.CSTNode | None = getattr(scope, "node", None)
            return node
        if self._root is None:
            # GlobalScope keeps no node; the module is among the scope map's keys
            self._root = next((n for n in self.scopes if isinstance(n, cst.Module)), None)
        return self._root

    def single(self, name: cst.Name) -> Assignment | None:
        """The one assignment ``name`` refers to (not an import or builtin), if just one."""
        scope = self.scopes.get(name)
        if scope is None or name.value not in scope:
            return None
        assignments = list(scope[name.value])
        if len(assignments) != 1:
            return None
        a = assignments[0]
        if type(a) is not Assignment:
            return None
        return a

    def owner(self, name: cst.Name) -> cst.CSTNode | None:
        """The node of the scope where ``name`` is bound, if bound exactly once."""
        a = self.single(name)
        return self.scope_node(a.scope) if a is not None else None

    def narrowed_names(self, owner: cst.CSTNode) -> frozenset[str]:
        """Names that appear, anywhere in ``owner``, where mypy may narrow their type."""
        found = self._narrowed.get(owner)
        if found is None:
            collector = _NarrowingCollector()
            owner.visit(collector)
            found = self._narrowed[owner] = frozenset(collector.names)
        return found

    def conditionals(self, owner: cst.CSTNode, name: str
                     ) -> tuple[frozenset[cst.CSTNode], frozenset[cst.CSTNode]]:
        """In ``owner``: the test nodes of ``x if name else y`` expressions, and every
        conditional expression nested inside the branches of one of those."""
        key = (owner, name)
        found = self._conditionals.get(key)
        if found is None:
            collector = _ConditionalCollector(name)
            owner.visit(collector)
            found = self._conditionals[key] = (frozenset(collector.tests),
                                               frozenset(collector.nested))
        return found

    def binding(self, name: cst.Name) -> Bound | None:
        """(value, annotation) of the one binding of ``name``; None if not exactly one."""
        scope = self.scopes.get(name)
        if scope is None or name.value not in scope:
            return None
        assignments = list(scope[name.value])
        if len(assignments) != 1:
            return None
        a = assignments[0]
        if not isinstance(a, Assignment) or isinstance(a, ImportAssignment):
            return None
        if isinstance(a.node, cst.Param):
            ann = a.node.annotation
            if ann is None or a.node.star in ("*", "**"):
                return None  # ``*args: T`` is a tuple of T, ``**kw: T`` a dict of T
            return (None, ann.annotation)
        if not isinstance(a.node, cst.Name):
            return None
        owner = self.scope_node(a.scope)
        if owner is None:
            return None
        table = self._bindings.get(owner)
        if table is None:
            table = self._bindings[owner] = _collect_bindings(owner)
        return table.get(a.node)

    def is_mutated(self, name: cst.Name) -> bool:
        scope = self.scopes.get(name)
        if scope is None:
            return True
        assignments = list(scope[name.value]) if name.value in scope else []
        owner = self.scope_node(assignments[0].scope if assignments else scope)
        if owner is None:
            return True
        found = self._mutated.get(owner)
        if found is None:
            found = self._mutated[owner] = _collect_mutated(owner)
        return name.value in found


# Calls that narrow their argument in a condition (conditions are collected whole anyway;
# these also count outside one, to be safe).
_NARROWING_CALLS = frozenset({"isinstance", "issubclass", "callable", "hasattr"})


class _NarrowingCollector(cst.CSTVisitor):
    """Names that appear where mypy may narrow them: tests of if/while/assert/conditional
    expressions and comprehension filters, ``and``/``or``/``not``, comparisons, ``match``
    subjects, and arguments of isinstance-like calls (TypeGuards included, as any call
    inside a test)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _collect(self, node: cst.CSTNode | None) -> None:
        if node is None:
            return
        collector = _NameCollector()
        node.visit(collector)
        self.names.update(collector.names)

    def visit_If(self, node: cst.If) -> None:
        self._collect(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._collect(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._collect(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._collect(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self._collect(node.test)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._collect(node)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._collect(node)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._collect(node)

    def visit_Match(self, node: cst.Match) -> None:
        self._collect(node.subject)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in _NARROWING_CALLS:
            self._collect(node)


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _ConditionalCollector(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.tests: set[cst.CSTNode] = set()
        self.nested: set[cst.CSTNode] = set()
        self.depth = 0  # how many enclosing ``.. if name else ..`` we are inside

    def _tests_name(self, node: cst.IfExp) -> bool:
        return isinstance(node.test, cst.Name) and node.test.value == self.name

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if self.depth:
            self.nested.add(node)
        if self._tests_name(node):
            self.tests.add(node.test)
            self.depth += 1

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        if self._tests_name(original_node):
            self.depth -= 1


class _BindingCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.table: dict[cst.CSTNode, Bound] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                self.table[t.target] = (node.value, None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.table[node.target] = (node.value, node.annotation.annotation)


def _collect_bindings(node: cst.CSTNode) -> dict[cst.CSTNode, Bound]:
    collector = _BindingCollector()
    node.visit(collector)
    return collector.table


class _MutationCollector(cst.CSTVisitor):
    """Names changed in place: ``x[k] = v``, ``del x[k]``, ``x |= ...``, ``x.update(...)``."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript | cst.Attribute) and isinstance(target.value,
                                                                            cst.Name):
            self.names.add(target.value.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self._target(el.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)
        if isinstance(node.target, cst.Name):
            self.names.add(node.target.value)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        f = node.func
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and \
                f.attr.value in _MUTATORS:
            self.names.add(f.value.value)


def _collect_mutated(node: cst.CSTNode) -> frozenset[str]:
    collector = _MutationCollector()
    node.visit(collector)
    return frozenset(collector.names)
