"""Where names in a checked file come from: the scope facts the payload judge relies on.

Built on libcst's scope analysis (computed by the engine). Each answer errs on the
side of "unknown": a name bound more than once, changed in place, or possibly
narrowed by a condition is not taken at its declared or assigned value. The facts
about one scope (a function, or the module) are gathered in a single pass over it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import libcst as cst
from libcst.metadata import Assignment, GlobalScope, Scope

Assigned = tuple[cst.BaseExpression | None, cst.BaseExpression | None]
"""(assigned value or None, annotation or None) of a binding."""

_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                       "__delitem__", "__ior__"})
# Calls that narrow their argument in a condition (conditions are collected whole anyway;
# these also count outside one, to be safe).
NARROWING_CALLS = frozenset({"isinstance", "issubclass", "callable", "hasattr"})


@dataclasses.dataclass
class ScopeFacts:
    """What one pass over a scope's node found."""

    assignments: dict[cst.CSTNode, Assigned] = dataclasses.field(default_factory=dict)
    """Name target node -> (value, annotation) of plain and annotated assignments."""
    mutated: set[str] = dataclasses.field(default_factory=set)
    """Names changed in place: ``x[k] = v``, ``del x[k]``, ``x |= ...``, ``x.update(...)``."""
    narrowed: set[str] = dataclasses.field(default_factory=set)
    """Names that appear where mypy may narrow them for the rest of the scope: tests of
    if/while/assert/conditional expressions and comprehension filters, match subjects,
    isinstance-like calls."""
    narrowed_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    """Name -> how many times it appears in a narrowing position."""
    none_guards: dict[str, int] = dataclasses.field(default_factory=dict)
    """Name -> ``if name is None: return`` (or ``raise``) statements, nothing else in them."""
    narrowed_nodes: set[int] = dataclasses.field(default_factory=set)
    """Name nodes (by id) inside a later operand of ``and``/``or`` whose earlier operands
    mention that name: narrowed there only (``x and f(x)``)."""
    narrowed_paths: set[str] = dataclasses.field(default_factory=set)
    """Member expressions (``order.color``, ``data["note"]``) that appear in a narrowing
    position or are assigned to: mypy narrows the member, not the name at its root."""
    rooted: set[str] = dataclasses.field(default_factory=set)
    """Names at the root of such a member expression: mypy narrows the name itself only
    when its type is a union (a tagged union's ``if x.kind == "a"``)."""
    tests: dict[str, set[cst.CSTNode]] = dataclasses.field(default_factory=dict)
    """Name -> the test nodes of ``x if name else y`` expressions."""
    nested: dict[str, set[cst.CSTNode]] = dataclasses.field(default_factory=dict)
    """Name -> conditional expressions inside a branch of ``x if name else y``."""


class FileScopes:
    """Scope questions about one checked file, answered once and cached."""

    def __init__(self, scopes: Mapping[cst.CSTNode, Scope | None],
                 tree: cst.Module | None = None) -> None:
        self.scopes = scopes
        self._facts: dict[cst.CSTNode, ScopeFacts] = {}
        self._root: cst.Module | None = tree

    def scope_node(self, scope: Scope) -> cst.CSTNode | None:
        """The node that owns ``scope`` (the Module for the global scope)."""
        if not isinstance(scope, GlobalScope):
            node: cst.CSTNode | None = getattr(scope, "node", None)
            return node
        return self.root()

    def root(self) -> cst.Module | None:
        """The checked module's tree."""
        if self._root is None:
            # GlobalScope keeps no node; the module is among the scope map's keys, with
            # the Modules libcst parses string annotations into (one expression each).
            # libcst records the real one last, as it leaves it.
            modules = [n for n in self.scopes if isinstance(n, cst.Module)]
            real = [m for m in modules if not _is_annotation_module(m)]
            self._root = real[-1] if len(real) == 1 else modules[-1] if modules else None
        return self._root

    def facts(self, owner: cst.CSTNode) -> ScopeFacts:
        found = self._facts.get(owner)
        if found is None:
            found = self._facts[owner] = _gather(owner)
        return found

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

    def narrowed_names(self, owner: cst.CSTNode) -> frozenset[str] | set[str]:
        """Names that appear, anywhere in ``owner``, where mypy may narrow their type."""
        return self.facts(owner).narrowed

    def only_none_guarded(self, name: cst.Name, owner: cst.CSTNode) -> bool:
        """Is every narrowing of ``name`` in ``owner`` an ``if name is None: return``?

        Then wherever it is used outside those guards its type is its declared type,
        or that type without None: the judge may take the latter, since what does not
        fit without None does not fit with it either."""
        facts = self.facts(owner)
        guards = facts.none_guards.get(name.value, 0)
        return guards > 0 and facts.narrowed_counts.get(name.value, 0) == guards and \
            id(name) not in facts.narrowed_nodes

    def is_rooted(self, name: cst.Name, owner: cst.CSTNode) -> bool:
        """Is ``name`` at the root of a narrowed member expression in ``owner``?"""
        return name.value in self.facts(owner).rooted

    def member_narrowed(self, expr: cst.BaseExpression) -> bool:
        """May mypy have narrowed this member expression (``order.color``), by a test or
        an assignment in the scope that uses it or the one that binds its root?"""
        path = member_path(expr)
        root = member_root(expr)
        if path is None or root is None:
            return True
        owners = [self.owner(root)]
        scope = self.scopes.get(root)
        if scope is not None:
            owners.append(self.scope_node(scope))
        if any(o is None for o in owners):
            return True
        return any(path in self.facts(o).narrowed_paths for o in owners if o is not None)

    def is_narrowed(self, name: cst.Name, owner: cst.CSTNode) -> bool:
        """May mypy have narrowed this use of ``name`` (bound in ``owner``)?"""
        facts = self.facts(owner)
        return name.value in facts.narrowed or id(name) in facts.narrowed_nodes

    def conditionals(self, owner: cst.CSTNode, name: str
                     ) -> tuple[set[cst.CSTNode], set[cst.CSTNode]]:
        """In ``owner``: the test nodes of ``x if name else y`` expressions, and every
        conditional expression nested inside the branches of one of those."""
        facts = self.facts(owner)
        return facts.tests.get(name, set()), facts.nested.get(name, set())

    def assignment(self, name: cst.Name) -> Assigned | None:
        """(value, annotation) of the one binding of ``name``; None if not exactly one."""
        a = self.single(name)
        if a is None:
            return None
        if isinstance(a.node, cst.Param):
            ann = a.node.annotation
            if ann is None or a.node.star in ("*", "**"):
                return None  # ``*args: T`` is a tuple of T, ``**kw: T`` a dict of T
            return (None, ann.annotation)
        if not isinstance(a.node, cst.Name):
            return None
        owner = self.scope_node(a.scope)
        return self.facts(owner).assignments.get(a.node) if owner is not None else None

    def is_mutated(self, name: cst.Name) -> bool:
        scope = self.scopes.get(name)
        if scope is None:
            return True
        assignments = list(scope[name.value]) if name.value in scope else []
        owner = self.scope_node(assignments[0].scope if assignments else scope)
        return owner is None or name.value in self.facts(owner).mutated


def _is_annotation_module(module: cst.Module) -> bool:
    body = module.body
    return len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine) and \
        len(body[0].body) == 1 and isinstance(body[0].body[0], cst.Expr)


# Fields whose content is a condition mypy narrows on.
_TEST_FIELDS = frozenset({(cst.If, "test"), (cst.While, "test"), (cst.IfExp, "test"),
                          (cst.Assert, "test"), (cst.CompIf, "test"), (cst.Match, "subject")})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    return names


def _gather(owner: cst.CSTNode) -> ScopeFacts:
    """Every ScopeFacts field in one walk over ``owner``.

    A plain walk over the dataclass fields: libcst's visitor machinery rebuilds
    each node as it goes and costs several times more.
    """
    facts = ScopeFacts()
    # (node, inside a narrowing position, names of enclosing ``.. if name else ..`` branches,
    # names narrowed by the earlier operands of an enclosing and/or)
    Item = tuple[cst.CSTNode, bool, tuple[str, ...], frozenset[str]]
    stack: list[Item] = [(owner, False, (), frozenset())]
    while stack:
        node, testing, branches, by_operands = stack.pop()
        kind = type(node)
        if testing and isinstance(node, cst.Attribute | cst.Subscript):
            path = member_path(node)
            if path is not None:
                facts.narrowed_paths.add(path)
                facts.rooted.add(path.split(".", 1)[0].split("[", 1)[0])
                # names inside its indexes are read, and narrowed, in their own right
                stack.extend((el, True, branches, by_operands) for el in _indexes(node))
                continue
        if isinstance(node, cst.Name):
            if testing:
                facts.narrowed.add(node.value)
                facts.narrowed_counts[node.value] = facts.narrowed_counts.get(node.value, 0) + 1
            if node.value in by_operands:
                facts.narrowed_nodes.add(id(node))
            continue
        if isinstance(node, cst.If):
            guarded = _none_guard(node)
            if guarded is not None:
                facts.none_guards[guarded] = facts.none_guards.get(guarded, 0) + 1
        if isinstance(node, cst.BooleanOperation):
            stack.append((node.left, testing, branches, by_operands))
            stack.append((node.right, testing, branches, by_operands | _names(node.left)))
            continue
        if isinstance(node, cst.Assign):
            for t in node.targets:
                if isinstance(t.target, cst.Name):
                    facts.assignments[t.target] = (node.value, None)
        elif isinstance(node, cst.AnnAssign):
            if isinstance(node.target, cst.Name):
                facts.assignments[node.target] = (node.value, node.annotation.annotation)
            _changed(facts, node.target)
        elif isinstance(node, cst.AssignTarget | cst.Del):
            _changed(facts, node.target)
        elif isinstance(node, cst.AugAssign):
            _changed(facts, node.target)
            if isinstance(node.target, cst.Name):
                facts.mutated.add(node.target.value)
        elif isinstance(node, cst.Call):
            f = node.func
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and \
                    f.attr.value in _MUTATORS:
                facts.mutated.add(f.value.value)
            if isinstance(f, cst.Name) and f.value in NARROWING_CALLS:
                testing = True
        elif isinstance(node, cst.IfExp):
            for name in branches:
                facts.nested.setdefault(name, set()).add(node)
            test = node.test.value if isinstance(node.test, cst.Name) else ""
            if test:
                facts.tests.setdefault(test, set()).add(node.test)
            stack.append((node.test, True, branches, by_operands))
            stack.append((node.body, testing, (*branches, test), by_operands))
            stack.append((node.orelse, testing, (*branches, test), by_operands))
            continue
        for name in _fields(node):
            value = getattr(node, name)
            inner = testing or (kind, name) in _TEST_FIELDS
            if isinstance(value, cst.CSTNode):
                stack.append((value, inner, branches, by_operands))
            elif isinstance(value, list | tuple):
                stack.extend((v, inner, branches, by_operands) for v in value
                             if isinstance(v, cst.CSTNode))
    return facts


def _none_guard(node: cst.If) -> str | None:
    """The name in ``if name is None: return`` / ``raise`` (one statement, no else)."""
    test = node.test
    if node.orelse is not None or not isinstance(test, cst.Comparison) or \
            len(test.comparisons) != 1 or not isinstance(test.left, cst.Name):
        return None
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Is) or not (
            isinstance(target.comparator, cst.Name) and target.comparator.value == "None"):
        return None
    body = node.body.body
    if len(body) != 1:
        return None
    only = body[0]
    smalls = only.body if isinstance(only, cst.SimpleStatementLine) else (only,)
    if len(smalls) != 1 or not isinstance(smalls[0], cst.Return | cst.Raise):
        return None
    return test.left.value


def _names(node: cst.CSTNode) -> frozenset[str]:
    """Every name read in an expression (what an and/or operand may narrow)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
            continue
        stack.extend(current.children)
    return frozenset(found)


def member_path(node: cst.BaseExpression) -> str | None:
    """``order.customer.email`` or ``data["note"]`` as text, for a chain of attributes and
    subscripts rooted at a name (``[*]`` for an index that is not a literal)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = member_path(node.value)
        return f"{inner}.{node.attr.value}" if inner is not None else None
    if isinstance(node, cst.Subscript):
        inner = member_path(node.value)
        if inner is None:
            return None
        index = node.slice[0].slice if len(node.slice) == 1 else None
        key = index.value if isinstance(index, cst.Index) else None
        text = "*"
        if isinstance(key, cst.Integer):
            text = key.value
        elif isinstance(key, cst.SimpleString):
            value = key.evaluated_value  # 'a' and "a" are one key
            text = repr(value) if isinstance(value, str) else "*"
        return f"{inner}[{text}]"
    return None


def member_root(node: cst.BaseExpression) -> cst.Name | None:
    """The name at the root of a chain of attributes and subscripts."""
    while isinstance(node, cst.Attribute | cst.Subscript):
        node = node.value
    return node if isinstance(node, cst.Name) else None


def _indexes(node: cst.BaseExpression) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    while isinstance(node, cst.Attribute | cst.Subscript):
        if isinstance(node, cst.Subscript):
            out.extend(node.slice)
        node = node.value
    return out


def _changed(facts: ScopeFacts, target: cst.BaseExpression) -> None:
    """``x[k] = v``, ``x.a = v``, ``del x[k]``: x is changed in place (and the member is
    narrowed to what was assigned, for mypy)."""
    if isinstance(target, cst.Subscript | cst.Attribute):
        path = member_path(target)
        if path is not None:
            facts.narrowed_paths.add(path)
    if isinstance(target, cst.Subscript | cst.Attribute) and isinstance(target.value, cst.Name):
        facts.mutated.add(target.value.value)
    elif isinstance(target, cst.Tuple | cst.List):
        for el in target.elements:
            _changed(facts, el.value)
