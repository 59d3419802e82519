"""Proving a module clean cheaply, on Python's own ``ast``, before paying for libcst.

libcst's scope analysis costs several times its parse, which itself costs several
times ``ast.parse``. Most modules that emit do it correctly, with a literal name
and a dict display. For those this module proves, from the ``ast`` alone, that
the precise path (``engine`` + libcst metadata + ``payload.judge_payload``)
would report nothing; the precise path then never runs.

The proof is deliberately narrow. It answers True only when every emit call is
of a shape it fully understands:

- the callee's first name is bound exactly once in the whole file, by an import
  from tscrun, so no scope can shadow it;
- the event name is a string literal, a module constant bound once in the file,
  or a constant imported from a project module; configured; following the
  naming convention;
- the payload is a dict display (or a variable bound once in its function,
  annotated with the event's TypedDict and assigned a dict display) with
  literal keys, no ``**``, every required key and no undeclared one, and values
  the payload judge either accepts or never judges (names, attributes,
  subscripts, calls where no TypedDict is expected, literals of the declared
  type, nested displays proven the same way).

Anything else answers False and the precise path decides, so the fast path can
only make a run faster, never change what it reports (tests/lint/test_fastpath.py
compares both paths on every fixture and rule example).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tscrun_lint.base import fullnames
from tscrun_lint.project.context import ProjectContext
from tscrun_lint.project.reexports import is_reexported_emit
from tscrun_lint.judge.scalars import Scalar, scalar_fits
from tscrun_lint.base.typemodel import (
    AnyType,
    DictType,
    ListType,
    Prim,
    Type,
    TypedDictType,
    is_subtype,
)

if TYPE_CHECKING:  # libcst (and the declarations reader) only once an annotation is read
    from tscrun_lint.types.values import Declarations

# Builtins whose result type does not depend on their arguments (a copy would drift:
# read from the one table, without importing libcst for it).
from tscrun_lint.types.builtin_results import BUILTIN_RESULTS
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


_SCOPE_TYPES = frozenset(_SCOPES)
_BUILTINS = frozenset(dir(__import__("builtins")))
_DEF_TYPES = frozenset((ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
_IMPORT_TYPES = frozenset((ast.Import, ast.ImportFrom))
_NEW_SYNTAX = frozenset(getattr(ast, n) for n in ("TypeAlias", "TypeVar", "ParamSpec",
                                                  "TypeVarTuple") if hasattr(ast, n))


class _Index:
    """One walk over the module: every binding (with its scope) and every call (with its
    scope). ``scope`` is the innermost function, lambda, class or comprehension node,
    or None at module level."""

    def __init__(self) -> None:
        self.binders: dict[str, list[ast.AST]] = defaultdict(list)
        self.scopes: dict[int, ast.AST | None] = {}
        self.calls: list[tuple[ast.Call, ast.AST | None]] = []

    def bind(self, name: str, node: ast.AST, scope: ast.AST | None) -> None:
        self.binders[name].append(node)
        self.scopes[id(node)] = scope

    def local(self, name: str, scope: ast.AST) -> list[ast.AST]:
        return [n for n in self.binders.get(name, ()) if self.scopes[id(n)] is scope]


# Fields that never hold child nodes (names, operators, flags): not walked.
_LEAF_FIELDS = frozenset({
    "ctx", "op", "ops", "id", "arg", "attr", "name", "names", "module", "asname", "level",
    "kind", "type_comment", "conversion", "is_async", "rest", "kwd_attrs", "tag",
})
_CHILDREN: dict[type, tuple[str, ...]] = {ast.Constant: (), ast.MatchSingleton: ()}


def _children(kind: type) -> tuple[str, ...]:
    fields = _CHILDREN.get(kind)
    if fields is None:
        # Any non-node value (a flag or a line number in a field not listed above) is a leaf.
        fields = tuple(f for f in getattr(kind, "_fields", ()) if f not in _LEAF_FIELDS
                       and f != "lineno") if issubclass(kind, ast.AST) else ()
        _CHILDREN[kind] = fields
    return fields


def _index(tree: ast.Module) -> _Index | None:
    """None when the module uses syntax this module leaves to libcst."""
    index = _Index()
    bind = index.bind
    calls = index.calls
    stack: list[tuple[ast.AST | None, ast.AST | None]] = [(tree, None)]
    pop, push = stack.pop, stack.append
    while stack:
        node, scope = pop()
        if node is None:  # the key of a `**` entry in a dict display
            continue
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                bind(node.id, node, scope)  # type: ignore[attr-defined]
            continue
        if kind is ast.Call:
            calls.append((node, scope))  # type: ignore[arg-type]
        elif kind is ast.arg:
            bind(node.arg, node, scope)  # type: ignore[attr-defined]
        elif kind in _DEF_TYPES:
            bind(node.name, node, scope)  # type: ignore[attr-defined]
        elif kind in _IMPORT_TYPES:
            for alias in node.names:  # type: ignore[attr-defined]
                bind(alias.asname or alias.name.partition(".")[0], node, scope)
            continue
        elif kind is ast.Global or kind is ast.Nonlocal:
            for name in node.names:  # type: ignore[attr-defined]
                bind(name, node, scope)
            continue
        elif kind is ast.ExceptHandler or kind is ast.MatchAs or kind is ast.MatchStar:
            if node.name:  # type: ignore[attr-defined]
                bind(node.name, node, scope)  # type: ignore[attr-defined]
        elif kind is ast.MatchMapping:
            if node.rest:  # type: ignore[attr-defined]
                bind(node.rest, node, scope)  # type: ignore[attr-defined]
        elif kind in _NEW_SYNTAX:
            return None
        inner = node if kind in _SCOPE_TYPES else scope
        for field in _children(kind):
            value = getattr(node, field, None)
            if value is None:
                continue
            if type(value) is list:
                for item in value:
                    push((item, inner))
            else:
                push((value, inner))
    return index


_LAST: list[tuple[ast.Module, _Index | None]] = []


def module_index(tree: ast.Module) -> _Index | None:
    """The one walk over ``tree`` (kept for the tree last asked about: the slice for the
    precise path reads its calls and imports instead of walking the module again)."""
    if _LAST and _LAST[0][0] is tree:
        return _LAST[0][1]
    index = _index(tree)
    _LAST[:] = [(tree, index)]
    return index


def forget_index() -> None:
    """Drop the kept walk (and with it the tree): the file it was kept for is done."""
    _LAST.clear()


def calls_and_imports(tree: ast.Module) -> tuple[list[ast.Call], list[ast.stmt]] | None:
    """Every call and every import statement of the module (None: syntax left to libcst)."""
    index = module_index(tree)
    if index is None:
        return None
    imports: dict[int, ast.stmt] = {}
    for nodes in index.binders.values():
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                imports[id(node)] = node
    return [c for c, _scope in index.calls], list(imports.values())


class _Module:
    def __init__(self, tree: ast.Module, project: ProjectContext, module: str | None,
                 is_package: bool, index: _Index) -> None:
        self.tree = tree
        self.project = project
        self.config = project.config
        self.module = module
        self.is_package = is_package
        self.index = index
        self.binders = index.binders
        self.constants = _module_constants(tree)
        # Answers of the catalog, asked once per module (each query checks its files).
        self._constant: dict[str, str | None] = {}
        self._payload: dict[str, object] = {}
        self._annotations: dict[str, Type | None] = {}
        self._declarations: Declarations | None = None

    def constant(self, qualname: str) -> str | None:
        if qualname not in self._constant:
            self._constant[qualname] = self.project.catalog.constant(qualname)
        return self._constant[qualname]

    def payload_type(self, event: str) -> object:
        if event not in self._payload:
            self._payload[event] = self.project.catalog.payload_type(event)
        return self._payload[event]

    def once(self, name: str) -> ast.AST | None:
        nodes = self.binders.get(name, ())
        return nodes[0] if len(nodes) == 1 else None

    def import_target(self, name: str) -> str | None:
        """The absolute dotted name ``name`` stands for, when its one binding is an import."""
        node = self.once(name)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname == name:
                    return alias.name
                if alias.asname is None and alias.name.partition(".")[0] == name:
                    return name  # `import a.b` binds `a`
        elif isinstance(node, ast.ImportFrom):
            base = self.absolute(node)
            for alias in node.names:
                if base is not None and (alias.asname or alias.name) == name:
                    return f"{base}.{alias.name}"
        return None

    def absolute(self, node: ast.ImportFrom) -> str | None:
        if not node.level:
            return node.module
        if self.module is None:
            return None
        parts = self.module.split(".")
        package = parts if self.is_package else parts[:-1]
        if node.level - 1 > len(package) or (node.level - 1 == len(package) and not node.module):
            return None
        base = package[:len(package) - (node.level - 1)]
        if node.module:
            base = base + node.module.split(".")
        return ".".join(base) or None

    def qualname(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return self.import_target(expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    def event_name(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, ast.Name):
            node = self.once(expr.id)
            if isinstance(node, ast.Name):
                return self.constants.get(expr.id)
        target = self.qualname(expr)
        return self.constant(target) if target else None

    def annotation(self, annotation: ast.expr) -> Type | None:
        """The type a parameter annotation declares, read as the judge reads it; None when
        it names anything bound in this file other than by an import (the precise path
        resolves those)."""
        text = ast.unparse(annotation)
        if text not in self._annotations:
            self._annotations[text] = self._annotation(annotation, text)
        return self._annotations[text]

    def _annotation(self, annotation: ast.expr, text: str) -> Type | None:
        import libcst as cst

        from tscrun_lint.project.modules import External, Symbol

        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return None  # a string annotation: names inside it are the precise path's
            if isinstance(node, ast.Name) and node.id in self.binders and \
                    self.import_target(node.id) is None:
                return None
        try:
            expr = cst.parse_expression(text)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            return None
        index = self.project.catalog.index

        def resolve(e: cst.BaseExpression) -> Symbol:
            if isinstance(e, cst.Name):
                target = self.import_target(e.value)
                if target is None:
                    return External(f"builtins.{e.value}") if e.value in _BUILTINS else None
                return index.resolve_qualname(target)
            if isinstance(e, cst.Attribute):
                return index.attribute(resolve(e.value), e.attr.value)
            return None

        return self.declarations.annotation(resolve, expr)

    @property
    def declarations(self) -> Declarations:
        if self._declarations is None:
            from tscrun_lint.types.values import Declarations

            self._declarations = Declarations(self.project.catalog, self.module,
                                              lambda anchor: lambda e: None)
        return self._declarations

    def typed_dict(self, annotation: ast.expr) -> TypedDictType | None:
        target = self.qualname(annotation)
        if target is None and isinstance(annotation, ast.Name) and self.module is not None \
                and isinstance(self.once(annotation.id), ast.ClassDef):
            target = f"{self.module}.{annotation.id}"
        return self.project.catalog.typed_dict(target) if target else None


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "literal"`` / ``NAME: Final = "literal"`` (one plain target)."""
    found: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(
                value.value, str):
            found[target.id] = value.value
    return found


def _root(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def proves_clean(tree: ast.Module, project: ProjectContext, module: str | None,
                 is_package: bool = False) -> bool:
    """True only if the precise path would certainly report nothing for this module."""
    if module is not None and (module == "tscrun" or module.startswith("tscrun.")):
        return False  # tscrun's own package reaches emit through relative imports
    index = module_index(tree)
    if index is None or "*" in index.binders:
        return False
    binders = index.binders
    m = _Module(tree, project, module, is_package, index)
    for call, scope in index.calls:
        root = _root(call.func)
        if root is None or root not in binders:
            continue
        nodes = binders[root]
        if len(nodes) > 1:
            if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes):
                return False  # maybe tscrun, maybe not, depending on the scope: libcst decides
            continue
        target = m.qualname(call.func)
        if target != fullnames.EMIT:
            if target is not None and is_reexported_emit(project.catalog, target):
                return False  # emit handed on by a project module: the precise path judges it
            continue
        if not _emit_clean(call, scope, m):
            return False
    return True


def _emit_clean(call: ast.Call, scope: ast.AST | None, m: _Module) -> bool:
    # Same matching as sites.NameResolver.site: a name written before any * or **
    # still counts, the payload then does not.
    name_node: ast.expr | None = None
    payload: ast.expr | None = None
    starred = False
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            starred = True
            break
        if i == 0:
            name_node = arg
        elif i == 1:
            payload = arg
    for kw in call.keywords:
        if kw.arg is None:
            starred = True
        elif kw.arg == fullnames.EMIT_NAME_PARAM:
            name_node = kw.value
        elif kw.arg == fullnames.EMIT_DATA_PARAM:
            payload = kw.value
    if name_node is None:
        return True
    if starred:
        payload = None
    event = m.event_name(name_node)
    config = m.config
    if event is None or event not in config.events or not config.naming.search(event):
        return False
    if payload is None:
        return True
    expected = m.payload_type(event)
    if not isinstance(expected, TypedDictType):
        return True  # nothing to judge against (TSC301 is the config's finding)
    if isinstance(payload, ast.Dict):
        return _display_clean(payload, expected, scope, m)
    if isinstance(payload, ast.Name) and isinstance(scope, _FUNCTIONS):
        return _annotated_variable_clean(payload.id, scope, expected, m)
    return False


def _annotated_variable_clean(name: str, function: ast.FunctionDef | ast.AsyncFunctionDef,
                              expected: TypedDictType, m: _Module) -> bool:
    """A payload variable bound once in its function: a parameter annotated with the event's
    TypedDict, or ``x: ThatTypedDict = {...}`` with a clean display (as the judge sees it)."""
    local = m.index.local(name, function)
    if len(local) != 1:
        return False  # also rejects `global x` / `nonlocal x` (they count as bindings)
    (node,) = local
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if isinstance(node, ast.arg):
        if node not in params or node.annotation is None:
            return False  # *args, **kwargs, or a parameter of a nested function
        return m.typed_dict(node.annotation) == expected
    for stmt in _direct_statements(function.body):
        if isinstance(stmt, ast.AnnAssign) and stmt.target is node:
            declared = m.typed_dict(stmt.annotation)
            return (declared is not None and declared == expected
                    and isinstance(stmt.value, ast.Dict)
                    and _display_clean(stmt.value, expected, function, m))
    return False


def _direct_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a function body, nested blocks included, nested scopes excluded."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _direct_statements(getattr(stmt, field, []) or [])
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _direct_statements(handler.body)
        for case in getattr(stmt, "cases", []) or []:
            yield from _direct_statements(case.body)


def _display_clean(node: ast.Dict, td: TypedDictType, scope: ast.AST | None,
                   m: _Module) -> bool:
    seen: set[str] = set()
    for key, value in zip(node.keys, node.values):
        if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            return False  # ** spreads (key None) and computed keys: the judge decides
        if key.value in seen:
            return False
        seen.add(key.value)
        field = td.fields.get(key.value)
        if field is None or not _value_quiet(value, field.type, scope, m):
            return False
    return td.required_keys <= seen


def _value_quiet(v: ast.expr, t: Type, scope: ast.AST | None, m: _Module) -> bool:
    """The judge certainly finds nothing wrong with ``v`` where ``t`` is declared.

    Literals are handed to the judge's own rule as the same facts libcst's reading
    gives it (``judge.scalars``); a parameter or a builtin call, by the type the
    judge would read for it (``types.values.Declarations``), which must fit for
    certain. Anything else is for the precise path.
    """
    if isinstance(t, AnyType):
        return True
    fact = _scalar_fact(v)
    if fact is not None:
        return scalar_fits(fact, t) is not False
    if isinstance(v, ast.List) and isinstance(t, ListType):
        return all(not isinstance(e, ast.Starred) and _value_quiet(e, t.item, scope, m)
                   for e in v.elts)
    if isinstance(v, ast.Dict) and isinstance(t, TypedDictType):
        return _display_clean(v, t, scope, m)
    actual = _declared(v, scope, m)
    return actual is not None and is_subtype(actual, t) is True


def _declared(v: ast.expr, scope: ast.AST | None, m: _Module) -> Type | None:
    """The type of a parameter (annotated, bound once in its function), of an item of
    one (``data["name"]`` of a dict or TypedDict), of a call of a builtin whose result
    type is fixed or of a plain function defined once in this module; None otherwise."""
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name):
        if v.func.id not in m.binders:
            name = BUILTIN_RESULTS.get(f"builtins.{v.func.id}")
            return Prim(name) if name is not None else None
        fn = m.once(v.func.id)
        if isinstance(fn, ast.FunctionDef) and fn in m.tree.body and fn.returns is not None \
                and not fn.decorator_list:
            return m.annotation(fn.returns)
        return None
    if isinstance(v, ast.Subscript) and isinstance(v.slice, ast.Constant) and \
            isinstance(v.slice.value, str):
        container = _declared(v.value, scope, m)
        if isinstance(container, DictType):
            return container.value
        if isinstance(container, TypedDictType):
            field = container.fields.get(v.slice.value)
            return field.type if field is not None else None
        return None
    if not isinstance(v, ast.Name) or not isinstance(scope, _FUNCTIONS):
        return None
    local = m.index.local(v.id, scope)
    args = scope.args
    if len(local) != 1 or not isinstance(local[0], ast.arg) or local[0] not in (
            *args.posonlyargs, *args.args, *args.kwonlyargs) or local[0].annotation is None:
        return None
    return m.annotation(local[0].annotation)


def _scalar_fact(v: ast.expr) -> Scalar | None:
    """The judge's fact for a scalar literal (see ``literals.scalar_fact``), or None."""
    if isinstance(v, ast.Constant):
        value = v.value
        if isinstance(value, bool):
            return Scalar("bool", value)
        if value is None:
            return Scalar("None")
        kind = {str: "str", bytes: "bytes", int: "int", float: "float",
                complex: "complex"}.get(type(value))
        if kind is None:
            return None
        return Scalar(kind, value if isinstance(value, str | bytes | int) else None)
    if isinstance(v, ast.JoinedStr):
        return Scalar("str", fstring=True)
    if isinstance(v, ast.Lambda):
        return Scalar("a function")
    if isinstance(v, ast.UnaryOp):
        if isinstance(v.op, ast.Not):
            return Scalar("bool")
        if isinstance(v.op, (ast.USub, ast.UAdd)) and isinstance(v.operand, ast.Constant) \
                and type(v.operand.value) in (int, float, complex):
            inner = _scalar_fact(v.operand)
            if inner is None or not isinstance(inner.value, int):
                return inner
            return Scalar(inner.kind, -inner.value if isinstance(v.op, ast.USub) else inner.value)
    return None
