"""The part of a module that its emit calls depend on, for libcst's precise reading.

libcst's parser and scope analysis cost time and memory in proportion to what
they are given. A file of 10,000 lines with one emit call at its end needs
little of it: the statement holding the call, the imports, and the module-level
definitions that call's code refers to (transitively). This module cuts the
rest out of the text; a line map (:class:`Slice`) turns positions found on the
slice back into positions in the file (kept lines are kept whole, so columns
stay as they are):

- statements holding a candidate emit call are kept whole (inside a class, only
  the methods holding one; the class's other methods keep their signatures);
- imports are always kept, and ``__getattr__``;
- a module-level definition whose name the kept code mentions keeps its header
  (decorators, signature, class attributes) and loses its function bodies;
- a statement that may change, rebind or narrow a module-level variable the kept
  code uses is kept whole (the judge's scope facts must be those of the whole
  file, and they count such mentions by name, in any function): one that declares
  it ``global``, changes it in place, or mentions it in a condition or an
  ``isinstance``-like call (``_fact_names``). Code that only reads it is cut;
- everything else is left out, comments and blank lines between statements too
  (libcst would build a node for each).

The result has the same findings as the whole file (tests/fuzz/test_readings.py
holds the two to that on generated modules); when in doubt (a ``*`` import from
tscrun, unusual syntax) the whole text is returned.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_WORD = re.compile(r"[A-Za-z_]\w*")


def emit_candidates(calls: Iterable[ast.Call], imports: Iterable[ast.stmt],
                    reexporters: Collection[str],
                    relative: Callable[[str], bool] | None = None) -> list[ast.Call] | None:
    """Calls whose callee starts with a name imported from tscrun, a relative import or a
    project module that re-exports tscrun (what ``sites.EmitCandidates.candidates`` keeps).
    None when a ``*`` import makes every call a candidate.

    ``relative`` may narrow the relative imports: given a callee's dotted name as its
    relative import spells it (``..util.warn``), False means that name can never be
    ``tscrun.events.emit`` (it does not resolve, or resolves outside both tscrun and the
    project's modules), so the call is no candidate."""
    # root name -> how it is imported: None for an import from tscrun or a re-exporter,
    # else the relative module path ("..pkg.name") it stands for
    imported: dict[str, list[str | None]] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name, 0, reexporters):
                    imported.setdefault(alias.asname or alias.name.partition(".")[0],
                                        []).append(None)
        elif isinstance(node, ast.ImportFrom) and _ours(node.module or "", node.level,
                                                        reexporters):
            for alias in node.names:
                if alias.name == "*":
                    return None
                spelled = None
                if node.level and relative is not None:
                    spelled = "." * node.level + (f"{node.module}." if node.module else "") \
                        + alias.name
                imported.setdefault(alias.asname or alias.name, []).append(spelled)
    found: list[ast.Call] = []
    for call in calls:
        chain = _chain(call.func)
        ways = imported.get(chain[0]) if chain else None
        if not ways:
            continue
        if any(way is None or relative is None or
               relative(".".join([way, *chain[1:]])) for way in ways):
            found.append(call)
    return found


def _chain(expr: ast.expr) -> list[str]:
    """``a.b.c`` -> ["a", "b", "c"]; the root alone when the callee is not a dotted name
    (``a.b().c``: only the root's binding matters then); [] without a root name."""
    attrs: list[str] = []
    while isinstance(expr, ast.Attribute):
        attrs.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        return [expr.id, *reversed(attrs)]
    root = _root(expr)
    return [root] if root is not None else []


def all_calls_and_imports(tree: ast.Module) -> tuple[list[ast.Call], list[ast.stmt]]:
    """Every call and import statement, by walking ``tree`` (when no index is at hand)."""
    calls: list[ast.Call] = []
    imports: list[ast.stmt] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
    return calls, imports


def _ours(module: str, level: int, reexporters: Collection[str]) -> bool:
    return bool(level) or module == "tscrun" or module.startswith("tscrun.") or any(
        part in reexporters for part in module.split("."))


def _root(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _start(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _end(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    """Names read or bound in ``nodes``, and words of string constants (annotations).

    Docstrings are skipped: libcst never reads them as annotations, and their words
    would pull in every definition they happen to name."""
    found: set[str] = set()
    for top in nodes:
        stack = [top]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                found.add(node.id)
                continue
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str) and len(node.value) < 500:
                    found.update(_WORD.findall(node.value))
                continue
            if isinstance(node, ast.Global | ast.Nonlocal):
                found.update(node.names)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue
            stack.extend(ast.iter_child_nodes(node))
    return found


# What ``scope_facts._gather`` counts, in ast terms: the fields whose content is a
# condition mypy narrows on, the calls that narrow their arguments, and the method
# calls that change their object in place.
_TEST_FIELDS: dict[type[ast.AST], str] = {
    ast.If: "test", ast.While: "test", ast.IfExp: "test", ast.Assert: "test",
    ast.Match: "subject"}
_NARROWING_CALLS = frozenset({"isinstance", "issubclass", "callable", "hasattr"})
_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                       "__delitem__", "__ior__"})


def _fact_names(stmt: ast.stmt) -> set[str]:
    """Names whose scope facts ``stmt`` may add to: those it declares ``global`` or
    ``nonlocal``, changes in place (``x[k] = v``, ``x.a = v``, ``del x[k]``, ``x += v``,
    ``x.update(...)``) or mentions in a narrowing position (tests of if/while/assert/
    conditional expressions and comprehension filters, match subjects, arguments of
    isinstance-like calls). A superset of what the judge's scope facts record by name:
    a statement that mentions a variable only otherwise can be cut without changing
    them."""
    found: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(stmt, False)]
    while stack:
        node, testing = stack.pop()
        if isinstance(node, ast.Name):
            if testing:
                found.add(node.id)
            continue
        if isinstance(node, ast.Global | ast.Nonlocal):
            found.update(node.names)
        elif isinstance(node, ast.Assign | ast.Delete):
            for target in node.targets:
                _changed(found, target)
        elif isinstance(node, ast.AnnAssign):
            _changed(found, node.target)
        elif isinstance(node, ast.AugAssign):
            _changed(found, node.target)
            if isinstance(node.target, ast.Name):
                found.add(node.target.id)
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                    f.attr in _MUTATORS:
                found.add(f.value.id)
            if isinstance(f, ast.Name) and f.id in _NARROWING_CALLS:
                testing = True
        elif isinstance(node, ast.comprehension):
            stack.extend((cond, True) for cond in node.ifs)
            stack.extend((child, testing) for child in (node.target, node.iter))
            continue
        test_field = _TEST_FIELDS.get(type(node))
        for name, value in ast.iter_fields(node):
            inner = testing or name == test_field
            if isinstance(value, ast.AST):
                stack.append((value, inner))
            elif isinstance(value, list):
                stack.extend((v, inner) for v in value if isinstance(v, ast.AST))
    return found


def _changed(found: set[str], target: ast.expr) -> None:
    if isinstance(target, ast.Subscript | ast.Attribute) and isinstance(target.value, ast.Name):
        found.add(target.value.id)
    elif isinstance(target, ast.Starred):
        _changed(found, target.value)
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _changed(found, element)


def _binds(stmt: ast.stmt, imports: bool = True) -> set[str]:
    """Module-level names a top-level statement binds (compound statements included);
    ``imports=False`` leaves out names bound by imports (the judge never takes scope
    facts of those)."""
    if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
        return {stmt.name}
    found: set[str] = set()
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            found.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.comprehension):
            # Its target is bound in the comprehension's own scope; a walrus in its
            # conditions binds in the module's (and is found below them).
            stack.extend([node.iter, *node.ifs])
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if imports:
                found.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and \
                getattr(node, "name", None):
            found.add(node.name)  # type: ignore[arg-type]
        stack.extend(ast.iter_child_nodes(node))
    return found


class _Plan:
    """Which lines stay, for one module."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.keep: set[int] = set()  # 1-based line numbers kept
        self.stub: dict[int, str] = {}  # line -> replacement (a body reduced to ``...``)

    def add(self, first: int, last: int) -> None:
        self.keep.update(range(first, last + 1))

    def hollow(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Keep the header, replace the body with ``...`` on the body's first line."""
        first = fn.body[0].lineno
        if first <= fn.lineno or _header_end(fn) >= first or \
                self.lines[first - 2].rstrip().endswith("\\"):
            return  # a one-line def, or a body starting on the header's line: keep it
        text = self.lines[first - 1]
        indent = text[:len(text) - len(text.lstrip())]
        self.stub[first] = indent + "..."
        self.keep.difference_update(range(first + 1, _end(fn) + 1))

    def text(self) -> Slice:
        out: list[str] = []
        origin: list[int] = []
        for number in sorted(self.keep):
            out.append(self.stub.get(number, self.lines[number - 1]))
            origin.append(number)
        return Slice("\n".join(out) + "\n", origin)


@dataclass(frozen=True)
class Slice:
    """The kept lines as one text, and the file's line number of each (``origin[i]`` for
    line ``i + 1`` of the slice); columns are unchanged."""

    text: str
    origin: list[int]

    def line(self, number: int) -> int:
        return self.origin[number - 1] if 1 <= number <= len(self.origin) else number


def _header_end(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The last line of the signature (parameters, defaults, return annotation)."""
    parts: list[ast.AST] = [*fn.args.args, *fn.args.posonlyargs, *fn.args.kwonlyargs,
                            *fn.args.defaults, *(d for d in fn.args.kw_defaults if d)]
    for extra in (fn.args.vararg, fn.args.kwarg, fn.returns):
        if extra is not None:
            parts.append(extra)
    return max([fn.lineno, *(getattr(p, "end_lineno", None) or fn.lineno for p in parts)])


def emit_slice(tree: ast.Module, calls: Sequence[ast.Call], lines: Sequence[str]) -> Slice:
    """The lines of the module that the emit ``calls`` depend on."""
    call_lines = sorted({c.lineno for c in calls})

    def holds_call(node: ast.stmt) -> bool:
        first, last = _start(node), _end(node)
        return any(first <= line <= last for line in call_lines)

    def methods(cls: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        return [m for m in cls.body if isinstance(m, _FUNCTIONS) and not holds_call(m)]

    body = tree.body
    whole: set[int] = set()    # top-level statements kept as they are (by id)
    shown: set[int] = set()    # definitions kept for their signatures (by id)
    hollow: set[int] = set()   # functions (top-level or methods) whose body is cut
    pending: dict[str, list[ast.stmt]] = {}  # name -> top-level statements binding it
    # Module-level names bound other than by imports: the judge may take scope facts of
    # them (bound once, never changed or narrowed).
    # (A name bound by def or class alone has no facts the judge reads.)
    values: set[str] = set()
    for stmt in body:
        if not isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
            values |= _binds(stmt, imports=False)
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (
                holds_call(stmt) and not isinstance(stmt, ast.ClassDef)) or (
                isinstance(stmt, _FUNCTIONS) and stmt.name == "__getattr__"):
            whole.add(id(stmt))
            continue
        if isinstance(stmt, ast.ClassDef) and holds_call(stmt):
            shown.add(id(stmt))
            hollow.update(id(m) for m in methods(stmt))
            continue
        for name in _binds(stmt):
            pending.setdefault(name, []).append(stmt)

    def visible(stmt: ast.stmt) -> list[ast.AST]:
        """The parts of a statement that stay in the slice."""
        if id(stmt) in whole:
            return [stmt]
        if isinstance(stmt, _FUNCTIONS):
            if id(stmt) not in hollow:
                return [stmt]
            return [*stmt.decorator_list, stmt.args, *([stmt.returns] if stmt.returns else [])]
        if isinstance(stmt, ast.ClassDef):
            parts: list[ast.AST] = [*stmt.decorator_list, *stmt.bases, *stmt.keywords]
            for member in stmt.body:
                parts.extend(visible(member) if isinstance(member, _FUNCTIONS) else [member])
            return parts
        return [stmt]

    facts_of: dict[int, set[str]] = {}

    def facts(stmt: ast.stmt) -> set[str]:
        found = facts_of.get(id(stmt))
        if found is None:
            found = facts_of[id(stmt)] = _fact_names(stmt)
        return found

    seen: set[str] = set()
    frontier = _names(p for s in body if id(s) in whole | shown for p in visible(s))
    checked_all = False
    while frontier:
        while frontier:
            batch, frontier = frontier - seen, set()
            seen |= batch
            for name in batch:
                for stmt in pending.pop(name, ()):
                    if id(stmt) in whole or id(stmt) in shown:
                        continue
                    if isinstance(stmt, _FUNCTIONS):
                        shown.add(id(stmt))
                        hollow.add(id(stmt))
                    elif isinstance(stmt, ast.ClassDef):
                        shown.add(id(stmt))
                        hollow.update(id(m) for m in methods(stmt))
                    else:
                        whole.add(id(stmt))
                    frontier |= _names(visible(stmt))
            frontier -= seen
        # Code that may change, rebind (``global``) or narrow a variable the kept code
        # uses stays whole, wherever it is: the judge's scope facts count it.
        used = seen & values
        if not used or checked_all:
            break
        checked_all = True
        for stmt in body:
            if id(stmt) in whole or not facts(stmt) & used:
                continue
            whole.add(id(stmt))
            shown.discard(id(stmt))
            for node in ast.walk(stmt):
                hollow.discard(id(node))
            frontier |= _names([stmt]) - seen
            checked_all = False

    plan = _Plan(lines)
    # Statements sharing a line are kept or cut together.
    kept_lines = {line for s in body if id(s) in whole or id(s) in shown
                  for line in (s.lineno, _end(s))}
    for stmt in body:
        if id(stmt) in whole or id(stmt) in shown or stmt.lineno in kept_lines or \
                _end(stmt) in kept_lines:
            plan.add(_start(stmt), _end(stmt))
    for stmt in body:
        if id(stmt) not in shown:
            continue
        inner = [stmt] if isinstance(stmt, _FUNCTIONS) else stmt.body if isinstance(
            stmt, ast.ClassDef) else []
        for fn in inner:
            if isinstance(fn, _FUNCTIONS) and id(fn) in hollow:
                plan.hollow(fn)
    return plan.text()


__all__ = ["Slice", "all_calls_and_imports", "emit_candidates", "emit_slice"]
