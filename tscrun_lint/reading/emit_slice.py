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
- a function body that mentions a module-level variable the kept code uses, or
  declares ``global``/``nonlocal``, is kept whole, since it may change or narrow
  that variable (the judge's scope facts must be those of the whole file);
- everything else is left out, comments and blank lines between statements too
  (libcst would build a node for each).

The result has the same findings as the whole file (tests/fuzz/test_readings.py
holds the two to that on generated modules); when in doubt (a ``*`` import from
tscrun, unusual syntax) the whole text is returned.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_WORD = re.compile(r"[A-Za-z_]\w*")


def emit_candidates(calls: Iterable[ast.Call], imports: Iterable[ast.stmt],
                    reexporters: Collection[str]) -> list[ast.Call] | None:
    """Calls whose callee starts with a name imported from tscrun, a relative import or a
    project module that re-exports tscrun (what ``sites.EmitCandidates.candidates`` keeps).
    None when a ``*`` import makes every call a candidate."""
    imported: set[str] = set()
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name, 0, reexporters):
                    imported.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and _ours(node.module or "", node.level,
                                                        reexporters):
            for alias in node.names:
                if alias.name == "*":
                    return None
                imported.add(alias.asname or alias.name)
    return [c for c in calls if _root(c.func) in imported]


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
    """Names read or bound in ``nodes``, and words of string constants (annotations)."""
    found: set[str] = set()
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    len(node.value) < 500:
                found.update(_WORD.findall(node.value))
            elif isinstance(node, ast.Global | ast.Nonlocal):
                found.update(node.names)
    return found


def _binds(stmt: ast.stmt) -> set[str]:
    """Module-level names a top-level statement binds (compound statements included)."""
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
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
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
    values: set[str] = set()   # module-level names bound other than by def/class/import
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (
                holds_call(stmt) and not isinstance(stmt, ast.ClassDef)) or (
                isinstance(stmt, _FUNCTIONS) and stmt.name == "__getattr__"):
            whole.add(id(stmt))
            continue
        if isinstance(stmt, ast.ClassDef) and holds_call(stmt):
            shown.add(id(stmt))
            hollow.update(id(m) for m in methods(stmt))
            continue
        bound = _binds(stmt)
        if not isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
            values |= bound
        for name in bound:
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

    names_of: dict[int, set[str]] = {}

    def names(stmt: ast.stmt) -> set[str]:
        found = names_of.get(id(stmt))
        if found is None:
            found = names_of[id(stmt)] = _names([stmt])
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
            if id(stmt) in whole or not names(stmt) & used:
                continue
            whole.add(id(stmt))
            shown.discard(id(stmt))
            for node in ast.walk(stmt):
                hollow.discard(id(node))
            frontier |= names(stmt) - seen
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
