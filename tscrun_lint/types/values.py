"""The static type of a value expression in a checked file, from declarations only.

Parameters, annotated or once-assigned locals, ``self``, comprehension targets;
attributes and methods of project classes (dataclasses, attrs-style, plain
annotated classes, NamedTuple) and of the standard library's classes (from
typeshed, see ``stubs``); return annotations of project functions, methods,
classmethods, staticmethods and properties, across modules and re-exports;
TypedDict and dict items (``x["k"]``, ``.get``); f-strings, ``%``, ``+``/``*``
and friends on known types; ``or``/``and``; conditionals and comprehensions.

Every answer is a :class:`~tscrun_lint.base.typemodel.Type` or None (not known: the
judge stays silent). Nothing here guesses: a name that a condition may have
narrowed, a decorated function, an overloaded method whose overloads disagree,
an operator on a class that may overload it - all are None. Nothing is imported
or run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, ClassScope, ComprehensionScope, FunctionScope

from tscrun_lint.reading.scope_facts import FileScopes
from tscrun_lint.project.catalog import Catalog, Resolver, parse_expr
from tscrun_lint.reading.literals import (
    infer_type,
    literal_description,
    literal_value,
    string_value,
)
from tscrun_lint.project.modules import (
    Binding,
    DefSym,
    External,
    ModuleIndex,
    ModuleInfo,
    NotFound,
    Symbol,
)
from tscrun_lint.types.builtin_results import BUILTIN_RESULTS
from tscrun_lint.types.stubs import StubIndex, branch_truth, stub_index
from tscrun_lint.base.typemodel import (
    ANY,
    NONE,
    AnyType,
    ClassType,
    DictType,
    ListType,
    LiteralType,
    NoneType_,
    Prim,
    SetType,
    TupleType,
    Type,
    TypedDictType,
    UnionType,
    describe,
    make_union,
)

# Decorators that leave a function's declared return type as it is.
_TRANSPARENT = frozenset({"staticmethod", "classmethod", "abstractmethod", "final", "override",
                          "deprecated", "overload", "property", "cached_property"})
_PROPERTIES = frozenset({"property", "cached_property"})
_NUMERIC = ("bool", "int", "float", "complex")
_MAX_DEPTH = 24


@dataclass(frozen=True)
class _Class:
    """A class definition and the index its module belongs to."""

    sym: DefSym
    index: ModuleIndex


def _head(dec: cst.Decorator) -> str:
    expr = dec.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else ""


def _numeric_join(a: str, b: str) -> str:
    rank = max(_NUMERIC.index(a), _NUMERIC.index(b), 1)  # bool + bool is int
    return _NUMERIC[rank]


def _without_none(t: Type) -> Type | None:
    if isinstance(t, NoneType_):
        return None
    if isinstance(t, UnionType):
        items: list[Type] = [i for i in t.items if not isinstance(i, NoneType_)]
        return make_union(items) if items else None
    return t


_FALSY: dict[str, Type] = {"str": LiteralType(("",)), "bytes": LiteralType((b"",)),
                           "int": LiteralType((0,)), "bool": LiteralType((False,))}


def _falsy(t: Type) -> Type:
    """What of a value of type ``t`` can be false, as mypy narrows it (``Literal[0]``...)."""
    if isinstance(t, UnionType):
        return make_union([_falsy(i) for i in t.items])
    if isinstance(t, Prim):
        return _FALSY.get(t.name, t)
    return t


def _simple(t: Type) -> bool:
    """Builtin scalars, None and unions of them: what ``or``/``and`` are computed on."""
    if isinstance(t, UnionType):
        return all(_simple(i) for i in t.items)
    return isinstance(t, Prim | NoneType_)


def element_type(t: Type) -> Type | None:
    """What iterating a value of type ``t`` yields."""
    if isinstance(t, ListType | SetType):
        return t.item
    if isinstance(t, DictType):
        return t.key
    if isinstance(t, TupleType):
        return t.item if t.items is None else (make_union([*t.items]) if t.items else None)
    if isinstance(t, Prim) and t.name == "str":
        return t
    if isinstance(t, AnyType):
        return ANY
    return None


class Declarations:
    """Declared types: annotations evaluated to the types of the values they declare
    (a class denotes its instances), and the members of classes read from source or stubs.

    Shared by both readings of a checked file: ``resolver`` resolves names written in
    the checked file itself (each reading has its own way of knowing what they are bound to).
    """

    def __init__(self, catalog: Catalog, module: str | None,
                 resolver: Callable[[cst.CSTNode], Resolver]) -> None:
        self.catalog = catalog
        self.module = module
        self.resolver = resolver
        self.stubs: StubIndex = stub_index(catalog.config)
        self._classes: dict[str, _Class] = {}

    # --- annotations and classes -----------------------------------------------------

    def annotation(self, resolver: Resolver, expr: cst.BaseExpression,
                   receiver: Type | None = None, depth: int = 0) -> Type | None:
        """The type of a value declared with ``expr``; classes denote their instances."""
        if depth > _MAX_DEPTH:
            return None
        text = string_value(expr)
        if isinstance(text, str):
            parsed = parse_expr(text)
            return self.annotation(resolver, parsed, receiver, depth + 1) if parsed else None
        if isinstance(expr, cst.Name) and expr.value == "None":
            return NONE
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            parts = [self.annotation(resolver, expr.left, receiver, depth + 1),
                     self.annotation(resolver, expr.right, receiver, depth + 1)]
            return make_union([p for p in parts if p is not None]) if None not in parts \
                else None
        if isinstance(expr, cst.Name | cst.Attribute):
            sym = resolver(expr)
            if isinstance(sym, External):
                if sym.qualname == "typing.Self":
                    return receiver
                if sym.qualname == "typing.LiteralString":
                    return Prim("str")
                if sym.qualname in ("typing.NoReturn", "typing.Never"):
                    return None
            if isinstance(sym, DefSym) and sym.binding.kind == "class":
                index = self.stubs if sym.module.path.suffix == ".pyi" else self.catalog.index
                return self.class_type(sym, index)
            return self.catalog.eval_type(resolver, expr)
        if isinstance(expr, cst.Subscript):
            base = resolver(expr.value)
            args = [el.slice.value for el in expr.slice if isinstance(el.slice, cst.Index)]
            q = base.qualname if isinstance(base, External) else ""
            if q in ("typing.Final", "typing.ClassVar", "typing.Annotated", "typing.ReadOnly",
                     "typing.Required", "typing.NotRequired") and args:
                return self.annotation(resolver, args[0], receiver, depth + 1)
            if q in ("typing.Optional", "typing.Union") and args:
                parts = [self.annotation(resolver, a, receiver, depth + 1) for a in args]
                if None in parts:
                    return None
                items = [p for p in parts if p is not None]
                return make_union(items + [NONE] if q == "typing.Optional" else items)
            if q in ("typing.Coroutine", "typing.Awaitable", "typing.Type", "builtins.type"):
                return None
            if isinstance(base, DefSym) and base.binding.kind == "class":
                found = self.annotation(resolver, expr.value, receiver, depth + 1)
                return found if isinstance(found, ClassType) else None  # generic TypedDicts: the catalog
            return self.catalog.eval_type(resolver, expr)
        return self.catalog.eval_type(resolver, expr)

    def class_type(self, sym: DefSym, index: ModuleIndex) -> Type | None:
        """A class as the type of its instances: a TypedDict, a builtin, or a ClassType."""
        if sym.module.name == "builtins" and sym.module.path.suffix == ".pyi":
            found = self.catalog.eval_type(lambda e: External(f"builtins.{sym.name}"),
                                           cst.Name(sym.name))
            return None if isinstance(found, AnyType) else found
        td = self.catalog.typed_dict_symbol(sym)
        if td is not None:
            return td
        qualname = f"{sym.module.name}.{sym.name}"
        known = self._classes.get(qualname)
        if known is None:
            self._classes[qualname] = _Class(sym, index)
        supers, builtin = self._ancestry(sym, index, 0)
        return ClassType(qualname, sym.name, supers, builtin)

    def declared_class(self, sym: Symbol) -> ClassType | None:
        """A class named as a declared type (by the catalog, for TypedDict fields): the
        type of its instances when it is an ordinary class (None for builtins, TypedDicts
        and whatever cannot be read)."""
        index: ModuleIndex = self.catalog.index
        if isinstance(sym, External):
            sym, index = self.stubs.resolve_qualname(sym.qualname), self.stubs
        if not isinstance(sym, DefSym) or sym.binding.kind != "class" or (
                sym.module.name == "builtins" and sym.module.path.suffix == ".pyi"):
            return None
        if sym.module.path.suffix == ".pyi":
            index = self.stubs
        found = self.class_type(sym, index)
        return found if isinstance(found, ClassType) else None

    def _ancestry(self, sym: DefSym, index: ModuleIndex, depth: int
                  ) -> tuple[frozenset[str] | None, str | None]:
        node = sym.binding.node
        if not isinstance(node, cst.ClassDef) or depth > 20:
            return None, None
        found = {f"{sym.module.name}.{sym.name}"}
        builtin: str | None = None
        resolver = self._module_resolver(sym.module, index)
        if any(k.keyword is not None and k.keyword.value != "metaclass" for k in node.keywords):
            return None, None  # class arguments may change what the class is (total=...)
        for arg in node.bases:
            if arg.keyword is not None or arg.star:
                return None, None
            expr = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
            base = resolver(expr)
            if isinstance(base, External):
                q = base.qualname
                if q == "builtins.object" or q == "typing.Generic":
                    continue
                if q.startswith("builtins.") and q[len("builtins."):] in (*_NUMERIC, "str",
                                                                           "bytes"):
                    builtin = builtin or q[len("builtins."):]
                    found.add(q)
                    continue
                if q.startswith("typing."):
                    found.add(q)  # Protocol, NamedTuple, Mapping...: relations left open
                    continue
                # a class of the standard library or an installed package: its stubs
                stub = self.stubs.resolve_qualname(q)
                if not isinstance(stub, DefSym) or stub.binding.kind != "class" or \
                        stub.module.path.suffix != ".pyi" or stub.module.name == "builtins":
                    return None, None
                base = stub
            if not isinstance(base, DefSym) or base.binding.kind != "class":
                return None, None
            base_index = self.stubs if base.module.path.suffix == ".pyi" else index
            self._classes.setdefault(f"{base.module.name}.{base.name}", _Class(base, base_index))
            inner, inner_builtin = self._ancestry(base, base_index, depth + 1)
            if inner is None:
                return None, None
            found |= inner
            builtin = builtin or inner_builtin
        return frozenset(found), builtin

    def class_of(self, t: Type) -> ClassType | None:
        """The class whose members a value of type ``t`` has (builtins from their stubs)."""
        if isinstance(t, ClassType):
            return t if t.qualname in self._classes else None
        if isinstance(t, Prim):
            builtins = self.stubs.special("builtins")
            sym = self.stubs.lookup(builtins, t.name) if builtins is not None else None
            if isinstance(sym, DefSym) and sym.binding.kind == "class":
                qualname = f"builtins.{t.name}"
                self._classes.setdefault(qualname, _Class(sym, self.stubs))
                return ClassType(qualname, t.name, frozenset({qualname}), t.name)
        return None

    def members(self, cls: ClassType, attr: str, depth: int = 0
                ) -> tuple[list[DefSym], ModuleIndex] | None:
        """The definitions of ``attr`` in ``cls`` or the first ancestor declaring it."""
        entry = self._classes.get(cls.qualname)
        if entry is None or depth > 20:
            return None
        node = entry.sym.binding.node
        if not isinstance(node, cst.ClassDef):
            return None
        found: list[DefSym] = []
        block = node.body
        statements = _class_statements(block.body) if isinstance(block, cst.IndentedBlock) \
            else [cst.SimpleStatementLine([s for s in block.body
                                           if isinstance(s, cst.BaseSmallStatement)])]
        if statements is None:
            return None  # members under conditions we cannot decide: not followed
        for stmt in statements:
            smalls: Collection[cst.CSTNode] = stmt.body if isinstance(
                stmt, cst.SimpleStatementLine) else (stmt,)
            for small in smalls:
                if isinstance(small, cst.FunctionDef) and small.name.value == attr:
                    heads = {_head(d) for d in small.decorators}
                    if "setter" in heads or "deleter" in heads:
                        continue
                    found.append(DefSym(entry.sym.module, f"{entry.sym.name}.{attr}",
                                        _binding("def", small)))
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == attr:
                    found.append(DefSym(entry.sym.module, f"{entry.sym.name}.{attr}",
                                        _binding("value", small.value, small.annotation.annotation)))
                elif isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == attr
                        for t in small.targets):
                    found.append(DefSym(entry.sym.module, f"{entry.sym.name}.{attr}",
                                        _binding("value", small.value)))
        if found:
            kinds = {f.binding.kind for f in found}
            if len(kinds) > 1 or (kinds == {"value"} and len(found) > 1):
                return None  # declared and assigned, or assigned twice: mypy's rules differ
            return found, entry.index
        resolver = self._module_resolver(entry.sym.module, entry.index)
        for arg in node.bases:
            expr = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
            base = resolver(expr)
            if isinstance(base, DefSym) and base.binding.kind == "class":
                base_t = self._classes.get(f"{base.module.name}.{base.name}")
                if base_t is None:
                    return None
                found_base = self.members(ClassType(f"{base.module.name}.{base.name}",
                                                    base.name), attr, depth + 1)
                if found_base is not None:
                    return found_base
            elif not (isinstance(base, External) and base.qualname in (
                    "builtins.object", "typing.Generic", "typing.Protocol")):
                return None  # an ancestor we cannot read may declare it
        return None

    def _module_resolver(self, module: ModuleInfo, index: ModuleIndex) -> Resolver:
        if index is self.catalog.index and module.name == self.module:
            return self.resolver(module.tree)
        return lambda expr: _builtin_names(index.resolve_expr(module, expr), module)


class ValueTypes(Declarations):
    """The typer of one checked file (built by the payload judge, which supplies the
    libcst metadata readers it already has)."""

    def __init__(self, catalog: Catalog, module: str | None, scope_facts: FileScopes,
                 scopes: Mapping[cst.CSTNode, object],
                 qualname: Callable[[cst.CSTNode], str | None],
                 resolve_qualname: Callable[[str], Symbol],
                 resolver: Callable[[cst.CSTNode], Resolver]) -> None:
        super().__init__(catalog, module, resolver)
        self.scope_facts = scope_facts
        self.scopes = scopes
        self.qualname = qualname
        self.resolve_qualname = resolve_qualname
        self._seen: set[int] = set()

    # --- expressions ---------------------------------------------------------------

    def type_of(self, expr: cst.BaseExpression, depth: int = 0) -> Type | None:
        if depth > _MAX_DEPTH or id(expr) in self._seen:
            return None
        self._seen.add(id(expr))
        try:
            return self._type_of(expr, depth + 1)
        finally:
            self._seen.discard(id(expr))

    def _type_of(self, expr: cst.BaseExpression, depth: int) -> Type | None:
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False"):
                return Prim("bool")
            if expr.value == "None":
                return NONE
            return self.name_type(expr, depth)
        if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
                      | cst.Integer | cst.Float | cst.Imaginary):
            return infer_type(expr)
        if isinstance(expr, cst.Call):
            return self.call_type(expr, depth)
        if isinstance(expr, cst.Attribute):
            return self.attribute_type(expr, depth)
        if isinstance(expr, cst.Subscript):
            return self.subscript_type(expr, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self.binary_type(expr, depth)
        if isinstance(expr, cst.BooleanOperation):
            return self.boolean_type(expr, depth)
        if isinstance(expr, cst.IfExp):
            a, b = self.type_of(expr.body, depth), self.type_of(expr.orelse, depth)
            return make_union([a, b]) if a is not None and b is not None else None
        if isinstance(expr, cst.Await):
            inner = expr.expression
            return self.call_type(inner, depth, awaited=True) if isinstance(inner, cst.Call) \
                else None
        if isinstance(expr, cst.NamedExpr):
            return self.type_of(expr.value, depth)
        if isinstance(expr, cst.Comparison):
            return Prim("bool") if all(isinstance(c.operator, cst.In | cst.NotIn | cst.Is
                                                  | cst.IsNot) for c in expr.comparisons) \
                else None  # rich comparisons may return anything
        if isinstance(expr, cst.UnaryOperation):
            if isinstance(expr.operator, cst.Not):
                return Prim("bool")
            inner_t = self.type_of(expr.expression, depth)
            if isinstance(inner_t, Prim) and inner_t.name in _NUMERIC and not isinstance(
                    expr.operator, cst.BitInvert):
                return Prim("int") if inner_t.name == "bool" else inner_t
            return None
        if isinstance(expr, cst.ListComp | cst.SetComp):
            item = self.type_of(expr.elt, depth)
            if item is None:
                return None
            return ListType(item) if isinstance(expr, cst.ListComp) else SetType(item)
        if isinstance(expr, cst.DictComp):
            k, v = self.type_of(expr.key, depth), self.type_of(expr.value, depth)
            return DictType(k, v) if k is not None and v is not None else None
        if isinstance(expr, cst.List | cst.Set | cst.Tuple | cst.Dict):
            return infer_type(expr)
        return None

    def name_type(self, name: cst.Name, depth: int) -> Type | None:
        single = self.scope_facts.single(name)
        if single is None:
            return self.imported_type(name)
        owner = self.scope_facts.scope_node(single.scope)
        if owner is None:
            return None
        if isinstance(single.scope, ComprehensionScope):
            return self.target_type(single, depth)
        guarded = False
        if self.scope_facts.is_narrowed(name, owner) and not isinstance(single.scope, ClassScope):
            if not self.scope_facts.only_none_guarded(name, owner):
                return None  # a condition may have narrowed it: mypy's type there is not ours
            guarded = True
        bound = self.scope_facts.assignment(name)
        if guarded:
            declared = self.annotation(self.resolver(bound[1]), bound[1]) \
                if bound is not None and bound[1] is not None else None
            found = _without_none(declared) if declared is not None else None
        else:
            found = self._declared_or_inferred(name, single, bound, depth)
        if isinstance(found, UnionType) and self.scope_facts.is_rooted(name, owner):
            return None  # ``if x.kind == "a"`` narrows a union (a tagged union) itself
        return found

    def _declared_or_inferred(self, name: cst.Name, single: Assignment,
                              bound: tuple[cst.BaseExpression | None,
                                           cst.BaseExpression | None] | None,
                              depth: int) -> Type | None:
        if bound is None:
            return self.star_param_type(single) or self.self_type(single)
        value, annotation = bound
        if annotation is not None:
            return self.annotation(self.resolver(annotation), annotation)
        if value is None or self.scope_facts.is_mutated(name):
            return None
        inferred = self.type_of(value, depth)
        return _widen(inferred) if inferred is not None else None

    def star_param_type(self, single: Assignment) -> Type | None:
        """``*args: T`` is a ``tuple[T, ...]``, ``**kwargs: T`` a ``dict[str, T]``."""
        param = single.node
        if not isinstance(param, cst.Param) or param.annotation is None or \
                param.star not in ("*", "**"):
            return None
        item = self.annotation(self.resolver(param.annotation.annotation),
                               param.annotation.annotation)
        if item is None:
            return None
        return TupleType(None, item) if param.star == "*" else DictType(Prim("str"), item)

    def imported_type(self, name: cst.Name) -> Type | None:
        """A module constant imported from a project module (or a module-level one)."""
        qn = self.qualname(name)
        if qn is None:
            return None
        return self.symbol_value(self.resolve_qualname(qn), self.catalog.index)

    def symbol_value(self, sym: Symbol, index: ModuleIndex) -> Type | None:
        if not isinstance(sym, DefSym) or sym.binding.kind != "value":
            return None
        if sym.binding.annotation is not None:
            return self.annotation(self._module_resolver(sym.module, index),
                                   sym.binding.annotation)
        node = sym.binding.node
        if isinstance(node, cst.BaseExpression) and literal_description(node) is not None:
            inferred = infer_type(node)
            return _widen(inferred) if inferred is not None else None
        return None

    def self_type(self, single: Assignment) -> Type | None:
        """``self`` (unannotated first parameter of a method): the enclosing class."""
        node = single.node
        scope = single.scope
        if not isinstance(node, cst.Param) or not isinstance(scope, FunctionScope):
            return None
        fn = scope.node
        if not isinstance(fn, cst.FunctionDef) or not isinstance(scope.parent, ClassScope):
            return None
        params = [*fn.params.posonly_params, *fn.params.params]
        heads = {_head(d) for d in fn.decorators}
        if not params or params[0] is not node or heads & {"staticmethod", "classmethod"}:
            return None
        cls = scope.parent.node
        if not isinstance(cls, cst.ClassDef) or self.module is None:
            return None
        sym = self.resolve_qualname(f"{self.module}.{cls.name.value}")
        if not isinstance(sym, DefSym) or sym.binding.node is not cls:
            return None  # a nested or rebound class: not followed
        found = self.class_type(sym, self.catalog.index)
        return found if isinstance(found, ClassType) else None

    def target_type(self, single: Assignment, depth: int) -> Type | None:
        """``x`` in ``[... for x in xs]``: what iterating ``xs`` yields."""
        comp = single.scope.node if isinstance(single.scope, ComprehensionScope) else None
        if not isinstance(comp, cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp):
            return None
        for_in: cst.CompFor | None = comp.for_in
        while for_in is not None:
            if for_in.target is single.node:
                iterated = self.type_of(for_in.iter, depth)
                return element_type(iterated) if iterated is not None else None
            for_in = for_in.inner_for_in
        return None  # a tuple target, or a walrus in the comprehension

    # --- calls, attributes, items ----------------------------------------------------

    def call_type(self, call: cst.Call, depth: int, awaited: bool = False) -> Type | None:
        func = call.func
        callee = self.qualname(func)
        if callee is not None:
            if callee in BUILTIN_RESULTS and not awaited:
                return Prim(BUILTIN_RESULTS[callee])
            found = self.named_call(callee, call, awaited)
            if found is not None or not isinstance(func, cst.Attribute):
                return found
        if isinstance(func, cst.Attribute):
            receiver = self.type_of(func.value, depth)
            if receiver is not None:
                return self.method_call(receiver, func.attr.value, call, depth, awaited)
        return None

    def named_call(self, callee: str, call: cst.Call, awaited: bool) -> Type | None:
        for sym, index in self.symbols(callee):
            if isinstance(sym, DefSym):
                if sym.binding.kind == "def":
                    return self.returns(sym, index, None, awaited)
                if sym.binding.kind == "class" and not awaited:
                    made = self.class_type(sym, index)
                    # TypedDict and dict constructors are judged item by item by the judge
                    return made if isinstance(made, ClassType) else None
                return None
            if isinstance(sym, tuple):
                cls, member = sym
                if member in ("__init__", "__new__"):
                    return None
                return self.member_call(cls, member, cls, awaited, static=True)
        return None

    def symbols(self, qualname: str) -> list[tuple[DefSym | tuple[ClassType, str], ModuleIndex]]:
        """What a dotted name stands for: a project definition, a stub definition, or a
        member of a class (``pkg.Model.create``, ``datetime.datetime.now``)."""
        out: list[tuple[DefSym | tuple[ClassType, str], ModuleIndex]] = []
        first = self.resolve_qualname(qualname)
        candidates: list[tuple[Symbol, ModuleIndex]] = [(first, self.catalog.index)]
        if isinstance(first, External):
            candidates = [(self.stubs.resolve_qualname(first.qualname), self.stubs)]
        for sym, index in candidates:
            if isinstance(sym, DefSym):
                out.append((sym, index))
            elif sym is None and "." in qualname:
                owner_name, _, attr = qualname.rpartition(".")
                owner = self.resolve_qualname(owner_name)
                owner_index: ModuleIndex = self.catalog.index
                if isinstance(owner, External):
                    owner, owner_index = self.stubs.resolve_qualname(owner.qualname), self.stubs
                if isinstance(owner, DefSym) and owner.binding.kind == "class":
                    cls = self.class_type(owner, owner_index)
                    if isinstance(cls, ClassType):
                        out.append(((cls, attr), owner_index))
        return out

    def returns(self, sym: DefSym, index: ModuleIndex, receiver: Type | None,
                awaited: bool) -> Type | None:
        fn = sym.binding.node
        if not isinstance(fn, cst.FunctionDef) or fn.returns is None:
            return None
        if any(_head(d) not in _TRANSPARENT for d in fn.decorators):
            return None  # a decorator may change what calling it returns
        if (fn.asynchronous is not None) != awaited:
            if awaited:
                return None  # awaiting what a plain def returns: an awaitable we do not model
            result = self.annotation(self._module_resolver(sym.module, index),
                                     fn.returns.annotation, receiver)
            inner = "Any" if result is None else _describe(result)
            return ClassType("typing.Coroutine", f"Coroutine[Any, Any, {inner}]",
                             frozenset({"<coroutine>"}))
        return self.annotation(self._module_resolver(sym.module, index), fn.returns.annotation,
                               receiver)

    def method_call(self, receiver: Type, method: str, call: cst.Call, depth: int,
                    awaited: bool) -> Type | None:
        if isinstance(receiver, TypedDictType | DictType) and method == "get" and not awaited:
            return self.get_type(receiver, call, depth)
        cls = self.class_of(receiver)
        if cls is None:
            return None
        return self.member_call(cls, method, receiver, awaited)

    def member_call(self, cls: ClassType, method: str, receiver: Type, awaited: bool,
                    static: bool = False) -> Type | None:
        found = self.members(cls, method)
        if not found:
            return None
        sym, index = found
        defs = [b for b in sym]
        returns: list[Type] = []
        for fn_sym in defs:
            fn = fn_sym.binding.node
            if not isinstance(fn, cst.FunctionDef):
                return None
            heads = {_head(d) for d in fn.decorators}
            if heads & _PROPERTIES:
                return None  # calling what a property returns
            if static and not heads & {"staticmethod", "classmethod"}:
                return None  # ``Class.method(obj)``: an unbound method
            t = self.returns(fn_sym, index, receiver, awaited)
            if t is None:
                return None
            returns.append(t)
        first = returns[0]
        # overloads: only when every overload says the same
        return first if all(r == first for r in returns[1:]) else None

    def get_type(self, receiver: TypedDictType | DictType, call: cst.Call,
                 depth: int) -> Type | None:
        args = [a for a in call.args if a.keyword is None and not a.star]
        if len(args) != len(call.args) or not 1 <= len(args) <= 2:
            return None
        if isinstance(receiver, TypedDictType):
            key = string_value(args[0].value)
            field = receiver.fields.get(key) if isinstance(key, str) else None
            if field is None:
                return None
            value = field.type
            missing: Type | None = None if field.required else NONE
        else:
            value = receiver.value
            missing = NONE
        if len(args) == 2:
            default = self.type_of(args[1].value, depth)
            if default is None:
                return None
            missing = _widen(default)
        return make_union([value, missing]) if missing is not None else value

    def attribute_type(self, expr: cst.Attribute, depth: int) -> Type | None:
        qn = self.qualname(expr)
        if qn is not None and "<locals>" not in qn:
            for sym, index in self.symbols(qn):
                if isinstance(sym, DefSym):
                    return self.symbol_value(sym, index)
                if isinstance(sym, tuple):
                    owner, attr = sym
                    return self.member_value(owner, attr, owner)
            if not isinstance(self.resolve_qualname(qn), NotFound | None):
                return None
        if self.scope_facts.member_narrowed(expr):
            return None  # tested or assigned in this function: mypy's type there is not ours
        receiver = self.type_of(expr.value, depth)
        if receiver is None:
            return None
        cls = self.class_of(receiver)
        return self.member_value(cls, expr.attr.value, receiver) if cls is not None else None

    def member_value(self, cls: ClassType, attr: str, receiver: Type) -> Type | None:
        found = self.members(cls, attr)
        if not found:
            return None
        syms, index = found
        if len(syms) == 1 and syms[0].binding.kind == "value":
            sym = syms[0]
            if sym.binding.annotation is not None:
                return self.annotation(self._module_resolver(sym.module, index),
                                       sym.binding.annotation, receiver)
            if cls.supers is not None and "enum.Enum" in cls.supers:
                # an enum member is of the enum's type, not its value's
                return cls if _enum_member(attr, sym.binding.node) else None
            return self.symbol_value(sym, index)
        props = [s for s in syms if isinstance(s.binding.node, cst.FunctionDef)
                 and {_head(d) for d in s.binding.node.decorators} & _PROPERTIES]
        if len(props) == 1:
            return self.returns(props[0], index, receiver, False)
        return None

    def subscript_type(self, expr: cst.Subscript, depth: int) -> Type | None:
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        index = expr.slice[0].slice.value
        if self.scope_facts.member_narrowed(expr):
            return None  # ``if data["note"]:``, ``data["n"] = 1``: narrowed by mypy
        receiver = self.type_of(expr.value, depth)
        if isinstance(receiver, TypedDictType):
            key = string_value(index)
            field = receiver.fields.get(key) if isinstance(key, str) else None
            return field.type if field is not None else None
        if isinstance(receiver, DictType):
            return receiver.value
        if isinstance(receiver, TupleType) and receiver.items is not None:
            # t[0] of a tuple[str, int] is its first item's type (t[-1] its last)
            at = literal_value(index) if not isinstance(index, cst.UnaryOperation) or \
                isinstance(index.operator, cst.Minus) else None
            if not isinstance(at, int) or isinstance(at, bool) or \
                    not -len(receiver.items) <= at < len(receiver.items):
                return None
            return receiver.items[at]
        position = self.type_of(index, depth)
        if not (isinstance(position, Prim) and position.name in ("int", "bool")):
            return None
        if isinstance(receiver, ListType) and receiver.origin in ("list", "Sequence",
                                                                  "MutableSequence"):
            return receiver.item
        if isinstance(receiver, TupleType) and receiver.items is None:
            return receiver.item
        if isinstance(receiver, Prim) and receiver.name == "str":
            return receiver
        return None

    # --- operators -------------------------------------------------------------------

    def binary_type(self, expr: cst.BinaryOperation, depth: int) -> Type | None:
        op = expr.operator
        left = self.type_of(expr.left, depth)
        if isinstance(op, cst.Modulo) and isinstance(left, Prim) and left.name in ("str",
                                                                                  "bytes"):
            return left  # "...%s" % anything
        right = self.type_of(expr.right, depth)
        if not isinstance(left, Prim) or not isinstance(right, Prim):
            return None
        a, b = left.name, right.name
        numeric = a in _NUMERIC and b in _NUMERIC
        if isinstance(op, cst.Add):
            if numeric:
                return Prim(_numeric_join(a, b))
            return left if a == b and a in ("str", "bytes") else None
        if isinstance(op, cst.Multiply):
            if numeric:
                return Prim(_numeric_join(a, b))
            if a in ("str", "bytes") and b in ("int", "bool"):
                return left
            if b in ("str", "bytes") and a in ("int", "bool"):
                return right
            return None
        if not numeric or "complex" in (a, b):
            return None
        if isinstance(op, cst.Subtract | cst.Modulo):
            return Prim(_numeric_join(a, b))
        if isinstance(op, cst.Divide):
            return Prim("float")
        if isinstance(op, cst.FloorDivide):
            return Prim(_numeric_join(a, b))
        return None  # ** depends on the exponent's sign; bit operators keep bool

    def boolean_type(self, expr: cst.BooleanOperation, depth: int) -> Type | None:
        left = self.type_of(expr.left, depth)
        right = self.type_of(expr.right, depth)
        if left is None or right is None or not _simple(left):
            return None
        if isinstance(expr.operator, cst.Or):
            truthy = _without_none(left)  # what of ``left`` can be true
            return make_union([truthy, right]) if truthy is not None else right
        return make_union([_falsy(left), right])  # ``and``: the falsy part of left, or right

def returns_plain_str(catalog: Catalog, qualname: str) -> bool:
    """Is ``qualname`` a project function declared to return exactly ``str``?

    Such a call's result is a run-time name (TSC002); ``Literal[...]`` results stay
    with mypy, and a decorated or async function is not followed.
    """
    sym = catalog.index.resolve_qualname(qualname)
    if not isinstance(sym, DefSym) or sym.binding.kind != "def":
        return False
    fn = sym.binding.node
    if not isinstance(fn, cst.FunctionDef) or fn.returns is None or fn.decorators or \
            fn.asynchronous is not None:
        return False
    declared = catalog.eval_type(catalog.module_resolver(sym.module), fn.returns.annotation)
    return declared == Prim("str")


def _class_statements(body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement] | None:
    """A class body's statements, ``if sys.version_info ...`` blocks decided (stubs are
    full of them); None when some other compound statement may define members."""
    out: list[cst.BaseStatement] = []
    for stmt in body:
        if isinstance(stmt, cst.If):
            truth = branch_truth(stmt.test)
            if truth is None:
                return None
            chosen: cst.BaseSuite | cst.If | None = stmt.body if truth else (
                stmt.orelse if isinstance(stmt.orelse, cst.If) else
                stmt.orelse.body if stmt.orelse is not None else None)
            if isinstance(chosen, cst.If):
                inner = _class_statements([chosen])
            elif isinstance(chosen, cst.IndentedBlock):
                inner = _class_statements(chosen.body)
            else:
                inner = [] if chosen is None else None
            if inner is None:
                return None
            out.extend(inner)
        elif isinstance(stmt, cst.Try | cst.With | cst.For | cst.While):
            return None
        else:
            out.append(stmt)
    return out


def _builtin_names(sym: Symbol, module: ModuleInfo) -> Symbol:
    """In ``builtins.pyi`` itself, ``str`` is the builtin, not a class to read."""
    if isinstance(sym, DefSym) and sym.module.name == "builtins" and \
            sym.module.path.suffix == ".pyi" and sym.binding.kind == "class":
        return External(f"builtins.{sym.name}")
    return sym


def _binding(kind: str, node: cst.CSTNode | None,
             annotation: cst.BaseExpression | None = None) -> Binding:
    return Binding(kind, node, annotation)


def _widen(t: Type) -> Type:
    """A variable assigned a literal has the literal's class (``x = "a"``: ``str``)."""
    if isinstance(t, LiteralType):
        kinds = {type(v).__name__ for v in t.values}
        return Prim(kinds.pop()) if len(kinds) == 1 else t
    return t


def _describe(t: Type) -> str:
    return describe(t)



def _enum_member(name: str, value: cst.CSTNode | None) -> bool:
    """``RED = "red"`` in an enum's body is a member; ``_ignore_``, dunders and
    descriptors (functions, nested classes) are not."""
    if name.startswith("_") or value is None:
        return False
    return not isinstance(value, cst.Lambda)
