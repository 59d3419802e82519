"""Judging an emitted payload against its event's TypedDict (TSC101-TSC105).

The analyzer only reports what mypy rejects too. Each check answers OK, BAD
(with findings) or UNKNOWN; only BAD is reported, and anything the source does
not settle (a call's result, an attribute, a ``**`` of unknown content, an
unannotated name) is UNKNOWN. The rules follow mypy's TypedDict checks: a dict
display is checked item by item against the declared item types, missing and
extra keys are both errors, ``int`` is accepted for ``float`` and ``bool`` for
``int``, and a payload typed as another TypedDict must be structurally
compatible (``typemodel.td_compatible``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import libcst as cst
from libcst.metadata import GlobalScope, QualifiedName, Scope

from tscrun.diagnostics import message
from tscrun_lint.reading.scope_facts import NARROWING_CALLS, FileScopes
from tscrun_lint.project.catalog import Catalog, Resolver
from tscrun_lint.reading.literals import (
    CONTAINERS,
    has_empty_display,
    infer_type,
    is_non_mapping_literal,
    literal_description,
    scalar_fact,
    string_value,
)
from tscrun_lint.project.modules import (
    DefSym,
    External,
    ModuleInfo,
    NotFound,
    Symbol,
    module_from_tree,
)
from tscrun_lint.judge.scalars import scalar_fits
from tscrun_lint.types.builtin_results import BUILTIN_RESULTS
from tscrun_lint.types.values import ValueTypes
from tscrun_lint.base.typemodel import (
    AnyType,
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
    is_subtype,
    td_compatible,
)


@dataclass(frozen=True)
class Finding:
    code: str
    node: cst.CSTNode
    message: str


@dataclass
class ModuleContext:
    """What judging needs to know about the checked file (metadata computed by the engine)."""

    catalog: Catalog
    module: str | None
    scopes: Mapping[cst.CSTNode, Scope | None]
    qualnames: Mapping[cst.CSTNode, Collection[QualifiedName]]
    tree: cst.Module | None = None
    """The checked module (the tree the metadata was computed on); found if not given."""
    _scope_facts: FileScopes | None = field(default=None, repr=False)

    _local: ModuleInfo | None = field(default=None, repr=False)
    _local_done: bool = field(default=False, repr=False)

    def local_module(self) -> ModuleInfo | None:
        """The checked module's top-level bindings, from the engine's own tree."""
        if not self._local_done:
            self._local_done = True
            root = self.scope_facts.root()
            path = self.catalog.index.file(self.module) if self.module else None
            if root is not None and path is not None and self.module is not None:
                self._local = module_from_tree(self.module, path, root)
        return self._local

    @property
    def scope_facts(self) -> FileScopes:
        if self._scope_facts is None:
            self._scope_facts = FileScopes(self.scopes, self.tree)
        return self._scope_facts


@dataclass(frozen=True)
class _Entry:
    """A ``key: value`` (or ``key=value``) of a payload; ``key`` None for a ``**`` spread."""

    key: str | None
    node: cst.CSTNode
    value: cst.BaseExpression


class Status(IntEnum):
    OK = 0
    UNKNOWN = 1
    BAD = 2


@dataclass
class Verdict:
    status: Status
    findings: list[Finding] = field(default_factory=list)


OK = Verdict(Status.OK)
UNKNOWN = Verdict(Status.UNKNOWN)


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    """All must pass: BAD if any is BAD (findings joined), else UNKNOWN if any is."""
    bad = [f for v in verdicts if v.status is Status.BAD for f in v.findings]
    if bad:
        return Verdict(Status.BAD, bad)
    if any(v.status is Status.UNKNOWN for v in verdicts):
        return UNKNOWN
    return OK


_MAX_DEPTH = 50
# Values with a static type of their own (not literals or displays): judged by that type.
_TYPED = (cst.Name, cst.Call, cst.Attribute, cst.Subscript, cst.BinaryOperation,
          cst.BooleanOperation, cst.Await, cst.Comparison, cst.UnaryOperation)


def judge_payload(arg: cst.BaseExpression, expected: TypedDictType, event: str,
                  ctx: ModuleContext) -> list[Finding]:
    """Findings (TSC101-TSC105) for ``arg`` passed as the payload of ``event``."""
    index = ctx.catalog.index
    index.volatile = True
    try:
        return _Judge(ctx, event).payload(arg, expected, 0).findings
    except RecursionError:
        return []  # absurdly nested input: stay silent rather than crash
    finally:
        index.volatile = False


# Calls whose result says something of their argument: those that narrow it (the scope
# facts' list), and ``bool``/``len`` (``len`` narrows tuples).
_NARROWING_BUILTINS = frozenset(f"builtins.{name}"
                                 for name in (*NARROWING_CALLS, "bool", "len"))


# Declared types of a value that is no mapping at all (TSC105).
_NOT_MAPPINGS = (Prim, NoneType_, LiteralType, ListType, SetType, TupleType)


class _Judge:
    def __init__(self, ctx: ModuleContext, event: str) -> None:
        self.ctx = ctx
        self.catalog = ctx.catalog
        self.event = event
        self.known: dict[str, bool] = {}
        """Truth of free conditions inside the branch being judged (see ``conditional``)."""
        self.types = ValueTypes(ctx.catalog, ctx.module, ctx.scope_facts, ctx.scopes,
                                self.qualname, self.resolve_qualname, self.resolver)

    # --- the payload itself --------------------------------------------------------

    def payload(self, expr: cst.BaseExpression, td: TypedDictType, depth: int) -> Verdict:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if isinstance(expr, cst.NamedExpr):
            return self.assignment_expression(expr, td, depth)
        if isinstance(expr, cst.Dict):
            return self.dict_display(expr, td)
        if isinstance(expr, cst.Call):
            return self.call(expr, td)
        if isinstance(expr, cst.IfExp):
            return self.conditional(expr, lambda e: self.payload(e, td, depth + 1))
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return self.not_a_mapping(expr, td)
            found = self.name(expr, td, depth)
            return found if found is not UNKNOWN else self.plain_mapping(expr, td)
        if is_non_mapping_literal(expr):
            return self.not_a_mapping(expr, td)
        if isinstance(expr, cst.Attribute | cst.Subscript):
            return self.plain_mapping(expr, td)
        return UNKNOWN

    def plain_mapping(self, expr: cst.BaseExpression, td: TypedDictType,
                      declared: Type | None = None) -> Verdict:
        """A value whose declared type is a ``dict``/``Mapping`` (a parameter
        ``data: dict[str, Any]``, an attribute, a call declared to return one): never a
        TypedDict to mypy, whatever it holds. (A str, a list, a tuple: not a mapping.)"""
        actual = declared if declared is not None else self.types.type_of(expr)
        if isinstance(actual, _NOT_MAPPINGS):
            return self.not_a_mapping(expr, td, describe(actual))
        if not isinstance(actual, DictType):
            return UNKNOWN
        return Verdict(Status.BAD, [Finding("TSC104", expr, message(
            "TSC104", event=self.event, actual=describe(actual), typed_dict=td.name,
            reason=f"; a {actual.origin} is not a TypedDict to mypy, whatever it holds: "
                   f"declare it as {td.name}"))])

    def inferred_dict(self, expr: cst.Name, value: cst.BaseExpression,
                      td: TypedDictType) -> Finding:
        """``payload = {...}`` then ``emit(.., payload)``: mypy types the variable from the
        display alone, without the TypedDict as context, so it is a plain dict."""
        inferred = infer_type(value) if isinstance(value, cst.Dict) else None
        # (the model's Any is mypy's object for mixed values: name only a sure type)
        sure = isinstance(inferred, DictType) and not isinstance(inferred.value, AnyType)
        actual = describe(inferred) if sure and inferred is not None else "dict"
        return Finding("TSC104", expr, message(
            "TSC104", event=self.event, actual=actual, typed_dict=td.name,
            reason=f"; mypy infers a plain dict for the unannotated variable {expr.value!r}, "
                   f"so annotate it: {expr.value}: {td.name} = ..."))

    def assignment_expression(self, expr: cst.NamedExpr, td: TypedDictType,
                              depth: int) -> Verdict:
        """``(p := {...})``: mypy types the new variable without the TypedDict as context,
        so a dict display (or ``dict(...)``) there is a plain ``dict``, never the TypedDict."""
        inner = expr.value
        while isinstance(inner, cst.NamedExpr):
            inner = inner.value
        if not self.plain_dict_display(inner):
            return self.payload(inner, td, depth + 1)
        inferred = infer_type(inner)
        actual = describe(inferred) if inferred is not None else "dict"
        return Verdict(Status.BAD, [Finding("TSC104", expr, message(
            "TSC104", event=self.event, actual=actual, typed_dict=td.name,
            reason="; mypy infers a plain dict for an assignment expression (:=), "
                   "so annotate a variable with the TypedDict instead"))])

    def not_a_mapping(self, expr: cst.BaseExpression, td: TypedDictType,
                      actual: str | None = None) -> Verdict:
        actual = actual or literal_description(expr) or "not a mapping"
        return Verdict(Status.BAD, [Finding("TSC105", expr, message(
            "TSC105", event=self.event, actual=actual, typed_dict=td.name))])

    def incompatible(self, expr: cst.CSTNode, actual: TypedDictType,
                     td: TypedDictType) -> Verdict:
        reason = td_compatible(actual, td)
        if reason is None:
            return OK
        return Verdict(Status.BAD, [Finding("TSC104", expr, message(
            "TSC104", event=self.event, actual=actual.name, typed_dict=td.name, reason=reason))])

    def conditional(self, expr: cst.IfExp,
                    judge: Callable[[cst.BaseExpression], Verdict]) -> Verdict:
        """``a if c else b``: mypy checks both branches, but skips one it proves unreachable
        (``x if isinstance(..) else y``, or ``c`` narrowed by an enclosing ``if c``). So a
        single bad branch counts only when the condition is a free parameter (see
        ``free_condition``); otherwise both branches must be bad."""
        name = expr.test.value if isinstance(expr.test, cst.Name) else ""
        if name in self.known:
            # inside a branch of an enclosing ``.. if name else ..``: only one side is reachable
            return judge(expr.body if self.known[name] else expr.orelse)
        free_call = self.free_call(expr.test)
        if free_call or self.free_condition(expr):
            verdicts = []
            for truth, branch in ((True, expr.body), (False, expr.orelse)):
                if free_call:  # nothing to remember: the call narrows no name
                    verdicts.append(judge(branch))
                    continue
                self.known[name] = truth
                try:
                    verdicts.append(judge(branch))
                finally:
                    del self.known[name]
            a, b = verdicts
            # An empty display that does not fit is list[Never] (say) to mypy, which then
            # joins the branches instead: with an Any on the other side (any non-literal
            # may be one), the result is Any, accepted.
            for verdict, branch, other in ((a, expr.body, expr.orelse),
                                           (b, expr.orelse, expr.body)):
                if verdict.status is Status.BAD and has_empty_display(branch) and \
                        literal_description(other) is None:
                    return UNKNOWN
            return _worst(verdicts)
        a, b = judge(expr.body), judge(expr.orelse)
        if a.status is Status.BAD and b.status is Status.BAD:
            return Verdict(Status.BAD, a.findings + b.findings)
        if a.status is Status.OK and b.status is Status.OK:
            return OK
        return UNKNOWN

    def free_condition(self, expr: cst.IfExp) -> bool:
        """Is the test a parameter that nothing can have narrowed?

        True for a parameter bound once, typed as a plain scalar or Any, whose every
        use in the function is the test of a conditional expression, none of which
        encloses this one: then both branches are reachable for mypy.
        """
        test = expr.test
        if not isinstance(test, cst.Name):
            return False
        a = self.ctx.scope_facts.single(test)
        if a is None or not isinstance(a.node, cst.Param):
            return False
        if a.node.annotation is not None and not self.plain_annotation(
                a.node.annotation.annotation):
            return False
        owner = self.ctx.scope_facts.scope_node(a.scope)
        if owner is None:
            return False
        tests, nested = self.ctx.scope_facts.conditionals(owner, test.value)
        if expr in nested:
            return False
        return all(access.node in tests for access in a.references)

    def free_call(self, test: cst.BaseExpression) -> bool:
        """Is the test a call declared to return a plain scalar (``-> int``, ``-> bool``)?

        mypy skips a branch only when the test's type makes it unreachable (a Literal,
        None) or narrows a name (``isinstance``, a ``TypeGuard``); such a call does
        neither, so both branches are checked."""
        if not isinstance(test, cst.Call):
            return False
        callee = self.qualname(test.func)
        if callee is None or callee in _NARROWING_BUILTINS:
            return False
        return isinstance(self.types.type_of(test), Prim)

    def plain_annotation(self, annotation: cst.BaseExpression) -> bool:
        declared = self.annotation_type(annotation)
        if isinstance(declared, Prim):
            return True
        if isinstance(declared, AnyType) and isinstance(annotation, cst.Name | cst.Attribute):
            return self.resolver(annotation)(annotation) == External("typing.Any")
        return False

    def context_free(self, expr: cst.BaseExpression, t: Type, key: str, td: TypedDictType,
                     depth: int) -> Verdict:
        """The value of ``(name := value)``: mypy infers a display there without the
        declared type as context (``[1]`` is ``list[int]``, a dict display a ``dict``)."""
        if isinstance(t, AnyType):
            return OK
        if isinstance(expr, cst.NamedExpr):
            return self.context_free(expr.value, t, key, td, depth + 1)
        if isinstance(expr, cst.IfExp):
            return self.conditional(expr, lambda e: self.context_free(e, t, key, td, depth + 1))
        if isinstance(expr, cst.List | cst.Set | cst.Dict | cst.ListComp | cst.SetComp
                      | cst.DictComp):
            return self.known_type(expr, infer_type(expr), t, key, td)
        return self.value(expr, t, key, td, depth + 1)

    def call(self, call: cst.Call, td: TypedDictType) -> Verdict:
        callee = self.qualname(call.func)
        if callee is None:
            return UNKNOWN
        if callee == "builtins.dict":
            if any(a.keyword is None and a.star != "**" for a in call.args):
                # dict(mapping, ...) and dict(pairs): mypy types the call as a plain dict
                # whatever its argument, even a TypedDict
                return Verdict(Status.BAD, [Finding("TSC104", call, message(
                    "TSC104", event=self.event, actual="dict", typed_dict=td.name,
                    reason=f"; dict(...) of a mapping or of pairs is a plain dict to mypy: "
                           f"copy a {td.name} with .copy() or {{**payload}}"))])
            return self.keywords(call, td)
        actual = self.catalog.typed_dict_symbol(self.resolve_qualname(callee))
        if actual is None:
            declared = self.call_type(call)
            if isinstance(declared, TypedDictType):
                return self.incompatible(call, declared, td) if declared != td else OK
            return self.plain_mapping(call, td, declared) if declared is not None else UNKNOWN
        if actual != td:
            return self.incompatible(call, actual, td)
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) == 1 and len(call.args) == 1 and isinstance(positional[0].value,
                                                                       cst.Dict):
            return self.dict_display(positional[0].value, td)
        if positional:
            return UNKNOWN
        return self.keywords(call, td)

    def call_type(self, call: cst.Call) -> Type | None:
        """What a call returns, from its callee's declaration (see ``types.values``)."""
        return self.types.type_of(call)

    def call_returns_any(self, call: cst.Call) -> bool:
        found = self.call_annotation(call)
        if not isinstance(found, tuple):
            return False
        resolver, annotation = found
        return isinstance(annotation, cst.Name | cst.Attribute) and \
            resolver(annotation) == External("typing.Any")

    def call_annotation(self, call: cst.Call
                        ) -> Prim | tuple[Resolver, cst.BaseExpression] | None:
        callee = self.qualname(call.func)
        if callee is None:
            return None
        if callee in BUILTIN_RESULTS:
            return Prim(BUILTIN_RESULTS[callee])
        sym = self.resolve_qualname(callee)
        if not isinstance(sym, DefSym) or sym.binding.kind != "def":
            return None
        fn = sym.binding.node
        if not isinstance(fn, cst.FunctionDef) or fn.asynchronous is not None or \
                fn.decorators or fn.returns is None:
            return None  # a coroutine, or a decorator may change what it returns
        return self.catalog.module_resolver(sym.module), fn.returns.annotation

    def keywords(self, call: cst.Call, td: TypedDictType) -> Verdict:
        entries: list[_Entry] = []
        for a in call.args:
            if a.keyword is not None:
                entries.append(_Entry(a.keyword.value, a.keyword, a.value))
            elif a.star == "**":
                entries.append(_Entry(None, a, a.value))
            else:
                return UNKNOWN
        return self.items(call, td, entries, open_keys=False)

    def dict_display(self, node: cst.Dict, td: TypedDictType) -> Verdict:
        entries: list[_Entry] = []
        open_keys = False
        pending: list[cst.BaseDictElement] = list(node.elements)
        while pending:
            el = pending.pop(0)
            if isinstance(el, cst.DictElement):
                key = self.key(el.key)
                if key is None:
                    open_keys = True
                else:
                    entries.append(_Entry(key, el.key, el.value))
            elif isinstance(el.value, cst.Dict):
                pending[0:0] = list(el.value.elements)  # {**{"a": 1}} is {"a": 1}
            else:
                entries.append(_Entry(None, el.value, el.value))
        return self.items(node, td, entries, open_keys, display=True)

    def items(self, node: cst.CSTNode, td: TypedDictType, entries: list[_Entry],
              open_keys: bool, display: bool = False) -> Verdict:
        """Keys and values written in a display or a keyword call, against ``td``.

        ``entries`` keep source order: ``key=None`` marks a ``**`` spread, whose keys
        count only when it is declared as a TypedDict (then its required keys are
        present, its undeclared keys are extra, and its item types must fit unless a
        later entry overrides them, as mypy checks).
        """
        verdicts: list[Verdict] = []
        present: set[str] = set()
        last: dict[str, int] = {}
        for i, entry in enumerate(entries):
            if entry.key is not None:
                last[entry.key] = i  # a repeated key: the last value wins; mypy checks only it
        for i, entry in enumerate(entries):
            if entry.key is None:
                if self.declared_any(entry.value) or (isinstance(
                        entry.value, cst.Call) and self.call_returns_any(entry.value)):
                    continue  # mypy lets ``**`` of an Any contribute no keys at all
                spread_td = self.declared_typed_dict(entry.value)
                if spread_td is None:
                    open_keys = True
                    actual = self.types.type_of(entry.value) if display else None
                    if isinstance(actual, DictType) and not isinstance(actual.key, AnyType):
                        # mypy: Unsupported type "dict[str, Any]" for ** expansion in
                        # TypedDict (a bare ``dict`` is dict[Any, Any]: mypy lets it by)
                        verdicts.append(Verdict(Status.BAD, [Finding("TSC104", entry.value, message(
                            "TSC104", event=self.event, actual=describe(actual),
                            typed_dict=td.name, reason="; mypy takes ** only of a TypedDict "
                                                       "in a TypedDict display"))]))
                else:
                    present.update(spread_td.required_keys)
                    later = entries[i + 1:]
                    verdicts.append(self.spread(entry.value, spread_td, td, later))
                continue
            present.add(entry.key)
            if last[entry.key] != i:
                continue
            f = td.fields.get(entry.key)
            if f is None:
                verdicts.append(Verdict(Status.BAD, [Finding("TSC102", entry.node, message(
                    "TSC102", event=self.event, keys=f'"{entry.key}"', typed_dict=td.name))]))
                continue
            verdicts.append(self.value(entry.value, f.type, entry.key, td))
        if open_keys:
            verdicts.append(UNKNOWN)
        else:
            missing = [k for k, f in td.fields.items() if f.required and k not in present]
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                verdicts.append(Verdict(Status.BAD, [Finding("TSC101", node, message(
                    "TSC101", event=self.event, keys=keys, typed_dict=td.name))]))
        return _worst(verdicts)

    def spread(self, expr: cst.BaseExpression, spread_td: TypedDictType, td: TypedDictType,
               later: list[_Entry]) -> Verdict:
        findings: list[Finding] = []
        extra = [k for k in spread_td.fields if k not in td.fields]
        if extra:
            findings.append(Finding("TSC102", expr, message(
                "TSC102", event=self.event, keys=", ".join(f'"{k}"' for k in extra),
                typed_dict=td.name)))
        if any(e.key is None for e in later):
            return Verdict(Status.BAD, findings) if findings else UNKNOWN
        overridden = {e.key for e in later}
        for key, f in spread_td.fields.items():
            target = td.fields.get(key)
            if target is None or key in overridden:
                continue
            if is_subtype(f.type, target.type) is False:
                findings.append(Finding("TSC103", expr, message(
                    "TSC103", event=self.event, key=key, actual=describe(f.type),
                    expected=describe(target.type), typed_dict=td.name)))
        return Verdict(Status.BAD, findings) if findings else OK

    # --- values --------------------------------------------------------------------

    def wrong(self, expr: cst.BaseExpression, expected: Type, key: str, td: TypedDictType,
              actual: str | None = None) -> Verdict:
        actual = actual or literal_description(expr) or "a value of another type"
        return Verdict(Status.BAD, [Finding("TSC103", expr, message(
            "TSC103", event=self.event, key=key, actual=actual, expected=describe(expected),
            typed_dict=td.name))])

    def value(self, expr: cst.BaseExpression, t: Type, key: str, td: TypedDictType,
              depth: int = 0) -> Verdict:
        """Is the value ``expr`` acceptable where ``t`` is declared (at ``key`` of ``td``)?"""
        if depth > _MAX_DEPTH or isinstance(t, AnyType):
            return OK if isinstance(t, AnyType) else UNKNOWN
        if isinstance(expr, cst.NamedExpr):
            return self.context_free(expr.value, t, key, td, depth + 1)
        if isinstance(expr, cst.IfExp):
            return self.conditional(expr, lambda e: self.value(e, t, key, td, depth + 1))
        if isinstance(expr, _TYPED) and literal_description(expr) is None:
            # a value of some static type (a name, a call, an attribute...): that type
            # against the declared one as a whole, as mypy compares them
            actual = self.types.type_of(expr)
            if actual is not None or not isinstance(expr, cst.Call):
                return self.known_type(expr, actual, t, key, td)
        if isinstance(t, UnionType):
            return self.union_value(expr, t, key, td, depth)
        if isinstance(t, TypedDictType):
            return self.nested_typed_dict(expr, t, key, td, depth)
        if isinstance(expr, cst.Call):
            return UNKNOWN
        kind = literal_description(expr)
        if kind is None:
            return UNKNOWN
        if not isinstance(expr, CONTAINERS):
            scalar = self.scalar(expr, kind, t)
            if scalar is None:
                return UNKNOWN
            return OK if scalar else self.wrong(expr, t, key, td)
        if isinstance(t, ListType):
            return self.sequence_value(expr, t, key, td, depth)
        if isinstance(t, SetType):
            if isinstance(expr, cst.Set) and t.origin != "frozenset":
                return self.elements(expr.elements, t.item, key, td, depth)
            if isinstance(expr, cst.SetComp) and t.origin != "frozenset":
                return self.value(expr.elt, t.item, f"{key}[...]", td, depth + 1)
            return self.wrong(expr, t, key, td)
        if isinstance(t, TupleType):
            return self.tuple_value(expr, t, key, td, depth)
        if isinstance(t, DictType):
            if isinstance(expr, cst.Dict):
                return self.dict_value(expr, t, key, td, depth)
            if isinstance(expr, cst.DictComp):
                return _worst([self.value(expr.key, t.key, f"{key}[...]", td, depth + 1),
                               self.value(expr.value, t.value, f"{key}[...]", td, depth + 1)])
            return self.wrong(expr, t, key, td)
        return self.wrong(expr, t, key, td)  # a container where a scalar/None/Literal is declared

    def known_type(self, expr: cst.BaseExpression, actual: Type | None, t: Type, key: str,
                   td: TypedDictType) -> Verdict:
        """Judge a value whose type is known (inferred or declared); None means unknown."""
        if actual is None:
            return UNKNOWN
        fits = is_subtype(actual, t)
        if fits is False:
            return self.wrong(expr, t, key, td, describe(actual))
        return OK if fits else UNKNOWN

    def scalar(self, expr: cst.BaseExpression, kind: str, t: Type) -> bool | None:
        """Is a scalar literal (str, number, None, lambda...) acceptable as ``t``? None: unsure."""
        return scalar_fits(scalar_fact(expr, kind), t)

    def union_value(self, expr: cst.BaseExpression, t: UnionType, key: str,
                    td: TypedDictType, depth: int) -> Verdict:
        verdicts = [self.value(expr, item, key, td, depth + 1) for item in t.items]
        if any(v.status is Status.OK for v in verdicts):
            return OK
        if any(v.status is Status.UNKNOWN for v in verdicts):
            return UNKNOWN
        # Every member rejects it. If one member rejects only something inside the value
        # (``list[int] | None`` given ``["a"]``), its findings say more than the whole.
        deep = [v for v in verdicts if not any(f.node is expr for f in v.findings)]
        if len(deep) == 1:
            return deep[0]
        return self.wrong(expr, t, key, td)

    def nested_typed_dict(self, expr: cst.BaseExpression, t: TypedDictType, key: str,
                          td: TypedDictType, depth: int) -> Verdict:
        if isinstance(expr, cst.Dict):
            return self.dict_display(expr, t)
        if isinstance(expr, cst.Call):
            return self.call(expr, t)
        if isinstance(expr, cst.DictComp):
            return UNKNOWN
        if is_non_mapping_literal(expr) or (isinstance(expr, cst.Name) and expr.value in (
                "True", "False", "None")):
            return self.wrong(expr, t, key, td)
        return UNKNOWN

    def sequence_value(self, expr: cst.BaseExpression, t: ListType, key: str,
                       td: TypedDictType, depth: int) -> Verdict:
        mutable = t.origin in ("list", "MutableSequence")
        if isinstance(expr, cst.List):
            return self.elements(expr.elements, t.item, key, td, depth)
        if isinstance(expr, cst.ListComp):
            return self.value(expr.elt, t.item, f"{key}[...]", td, depth + 1)
        if isinstance(expr, cst.Tuple):
            return self.wrong(expr, t, key, td) if mutable else self.elements(
                expr.elements, t.item, key, td, depth)
        if isinstance(expr, cst.Set | cst.SetComp):
            if t.origin in ("Collection", "Iterable"):
                if isinstance(expr, cst.Set):
                    return self.elements(expr.elements, t.item, key, td, depth)
                return self.value(expr.elt, t.item, f"{key}[...]", td, depth + 1)
            return self.wrong(expr, t, key, td)
        if isinstance(expr, cst.GeneratorExp):
            if t.origin == "Iterable":
                return self.value(expr.elt, t.item, f"{key}[...]", td, depth + 1)
            return self.wrong(expr, t, key, td)
        if isinstance(expr, cst.Dict | cst.DictComp):
            if t.origin in ("Collection", "Iterable"):
                return UNKNOWN  # iterating a dict yields its keys; not modelled
            return self.wrong(expr, t, key, td)
        return UNKNOWN

    def tuple_value(self, expr: cst.BaseExpression, t: TupleType, key: str,
                    td: TypedDictType, depth: int) -> Verdict:
        if not isinstance(expr, cst.Tuple):
            return self.wrong(expr, t, key, td)
        if any(not isinstance(e, cst.Element) for e in expr.elements):
            return UNKNOWN  # a starred element of unknown length
        values = [e.value for e in expr.elements]
        if t.items is None:
            return _worst([self.value(v, t.item, f"{key}[{i}]", td, depth + 1)
                           for i, v in enumerate(values)])
        if len(values) != len(t.items):
            return self.wrong(expr, t, key, td)
        return _worst([self.value(v, it, f"{key}[{i}]", td, depth + 1)
                       for i, (v, it) in enumerate(zip(values, t.items))])

    def elements(self, elements: Sequence[cst.BaseElement], item: Type, key: str,
                 td: TypedDictType, depth: int) -> Verdict:
        verdicts: list[Verdict] = []
        for i, el in enumerate(elements):
            if isinstance(el, cst.Element):
                verdicts.append(self.value(el.value, item, f"{key}[{i}]", td, depth + 1))
            else:
                verdicts.append(UNKNOWN)
        return _worst(verdicts)

    def dict_value(self, expr: cst.Dict, t: DictType, key: str, td: TypedDictType,
                   depth: int) -> Verdict:
        verdicts: list[Verdict] = []
        for el in expr.elements:
            if not isinstance(el, cst.DictElement):
                verdicts.append(UNKNOWN)
                continue
            text = string_value(el.key)
            sub = f"{key}[{text!r}]" if isinstance(text, str) else f"{key}[...]"
            verdicts.append(self.value(el.key, t.key, f"{key} (a key)", td, depth + 1))
            verdicts.append(self.value(el.value, t.value, sub, td, depth + 1))
        return _worst(verdicts)

    # --- names and annotations -------------------------------------------------------

    def qualname(self, node: cst.CSTNode) -> str | None:
        names = self.ctx.qualnames.get(node)
        if not names or len(names) != 1:
            return None
        name = next(iter(names)).name
        if name.startswith(".") and self.ctx.module:
            # a relative name from QualifiedNameProvider: anchor it at our package
            level = len(name) - len(name.lstrip("."))
            parts = self.ctx.module.split(".")
            if self.ctx.module and level <= len(parts):
                name = ".".join(parts[: len(parts) - level] + [name.lstrip(".")])
        return name

    def key(self, node: cst.BaseExpression) -> str | None:
        text = string_value(node)
        if isinstance(text, str):
            return text
        if isinstance(node, cst.Name | cst.Attribute):
            qn = self.qualname(node)
            if qn is not None:
                return self.catalog.symbol_constant(self.resolve_qualname(qn))
        return None

    def resolve_qualname(self, qualname: str) -> Symbol:
        """Like the index's, but names of the checked module are read from the tree
        the engine already parsed (never a second parse of the checked file)."""
        local = self.ctx.local_module()
        prefix = f"{self.ctx.module}."
        if local is None or not qualname.startswith(prefix) or "<locals>" in qualname:
            return self.catalog.index.resolve_qualname(qualname)
        index = self.catalog.index
        first, *rest = qualname[len(prefix):].split(".")
        sym = index.lookup(local, first)
        for attr in rest:
            sym = index.attribute(sym, attr)
        return sym

    def resolver(self, anchor: cst.CSTNode) -> Resolver:
        """Resolve names in an annotation of the checked file.

        Names carry qualified-name metadata; names parsed from a string annotation do
        not, so they are looked up at module level, and only if nothing closer binds them.
        """
        index = self.catalog.index
        scope = self.ctx.scopes.get(anchor)

        def resolve(expr: cst.BaseExpression) -> Symbol:
            qn = self.qualname(expr)
            if qn is not None:
                return self.resolve_qualname(qn)
            head = expr
            while isinstance(head, cst.Attribute):
                head = head.value
            if not isinstance(head, cst.Name) or scope is None or self.ctx.module is None:
                return None
            if head.value in scope and any(
                    not isinstance(a.scope, GlobalScope) for a in scope[head.value]):
                return None
            module = self.ctx.local_module()
            if module is None:
                return None
            found = index.resolve_expr(module, expr)
            return None if isinstance(found, NotFound) else found

        return resolve

    def annotation_type(self, annotation: cst.BaseExpression) -> Type:
        return self.catalog.eval_type(self.resolver(annotation), annotation)

    def declared_typed_dict(self, expr: cst.BaseExpression) -> TypedDictType | None:
        """The TypedDict a name is declared with (annotated variable or parameter), or
        that a call is declared to return."""
        if isinstance(expr, cst.Call):
            declared = self.call_type(expr)
            return declared if isinstance(declared, TypedDictType) else None
        if not isinstance(expr, cst.Name):
            found = self.types.type_of(expr)
            return found if isinstance(found, TypedDictType) else None
        bound = self.ctx.scope_facts.assignment(expr)
        if bound is None or bound[1] is None:
            return None
        t = self.annotation_type(bound[1])
        return t if isinstance(t, TypedDictType) else None

    def declared_any(self, expr: cst.BaseExpression) -> bool:
        """Is ``expr`` a name declared (annotated) as exactly ``typing.Any``?"""
        if not isinstance(expr, cst.Name):
            return False
        bound = self.ctx.scope_facts.assignment(expr)
        if bound is None or not isinstance(bound[1], cst.Name | cst.Attribute):
            return False
        return self.resolver(bound[1])(bound[1]) == External("typing.Any")

    def name(self, expr: cst.Name, td: TypedDictType, depth: int) -> Verdict:
        bound = self.ctx.scope_facts.assignment(expr)
        if bound is None:
            return UNKNOWN
        value, annotation = bound
        if annotation is not None:
            declared = self.annotation_type(annotation)
            if isinstance(declared, TypedDictType):
                if declared != td:
                    return self.incompatible(expr, declared, td)
                # mypy checked the value against the annotation where it was assigned
                return self.payload(value, td, depth + 1) if value is not None else OK
            if isinstance(declared, _NOT_MAPPINGS):
                return self.not_a_mapping(expr, td, describe(declared))
            return UNKNOWN
        if value is None or self.ctx.scope_facts.is_mutated(expr):
            return UNKNOWN
        if self.plain_dict_display(value):
            # The display's own mistakes are reported where they are; a display that
            # would fit is still a plain dict to mypy once bound to an unannotated name.
            inner = self.payload(value, td, depth + 1)
            if inner.status is Status.BAD:
                return inner
            return Verdict(Status.BAD, [self.inferred_dict(expr, value, td)])
        if isinstance(value, cst.Dict | cst.Call | cst.IfExp) or is_non_mapping_literal(value):
            return self.payload(value, td, depth + 1)
        return UNKNOWN

    def plain_dict_display(self, value: cst.BaseExpression) -> bool:
        """A dict display or ``dict(...)`` call: typed as a plain dict without context."""
        if isinstance(value, cst.Dict | cst.DictComp):
            return True
        return isinstance(value, cst.Call) and self.qualname(value.func) == "builtins.dict"



__all__ = ["Finding", "ModuleContext", "judge_payload", "literal_description"]
