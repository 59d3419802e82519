"""The catalog: payload TypedDicts, event-name constants and handlers, read from source.

Built from a :class:`tscrun.Config`; everything is read statically with libcst
(user code is never imported). One catalog per config per process, parsed
lazily and reused across checked files; a source file that changed on disk is
re-read after the next :meth:`Catalog.refresh` (once per run).

Answers are three-way: a value, :class:`Missing` (the config names something
that does not exist or is not a TypedDict: a finding) or ``None`` (cannot be
decided statically: stay silent).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Protocol

import libcst as cst

from tscrun.config import Config, SubscriberConfig, Target
from tscrun.diagnostics import CONVENTION_HINT
from tscrun_lint.reading.literals import bool_literal, literal_value, string_value
from tscrun_lint.project.plain_typeddicts import read_plain_typed_dict
from tscrun_lint.project.modules import (
    Binding,
    DefSym,
    External,
    ModuleIndex,
    ModuleInfo,
    ModuleSym,
    NotFound,
    ReadTypedDict,
    Symbol,
)
from tscrun_lint.base.typemodel import (
    ANY,
    NONE,
    ClassType,
    DictType,
    Field,
    ListType,
    LiteralType,
    LiteralValue,
    Prim,
    SetType,
    TupleType,
    Type,
    TypedDictType,
    UnionType,
    make_union,
)

Resolver = Callable[[cst.BaseExpression], Symbol]
"""Resolves a Name or Attribute (as written somewhere) to what it refers to."""


@dataclass(frozen=True)
class Missing:
    """The config names something that does not exist or is not a TypedDict/function."""

    reason: str


@dataclass(frozen=True)
class HandlerInfo:
    """A subscriber's handler. ``line`` is 1-based, ``column`` 0-based (libcst positions);
    they point at the first parameter's annotation when there is one, else the name.

    ``accepted``: the TypedDicts of the handler's ``Event[...]`` annotation, or
    None when undecidable (no annotation, ``Any``, something unresolvable)."""

    path: Path
    line: int
    column: int
    accepted: tuple[TypedDictType, ...] | None
    generator: tuple[int, int, str] | None = None
    """(line, column, "generator" or "async generator") of a handler whose body yields."""


USE_PLAIN_READER = os.environ.get("TSCRUN_LINT_FAST_PATH", "1") != "0"
"""Plain payload TypedDicts are read with ``ast`` (``plain_typeddicts``); set
TSCRUN_LINT_FAST_PATH=0 to read every one with libcst (tests compare the two)."""
_TYPEDDICT = frozenset({"typing.TypedDict"})
_EVENT = frozenset({"tscrun.events.Event", "tscrun.Event"})


class ClassReader(Protocol):
    """What the catalog asks the types tier about a class named in a field's type."""

    def declared_class(self, sym: Symbol) -> ClassType | None: ...


def _no_checked_file(node: cst.CSTNode) -> Resolver:
    raise AssertionError("the catalog's class reader reads no checked file")


_PRIMS = {f"builtins.{n}": Prim(n) for n in ("str", "int", "float", "bool", "bytes", "complex")}
# A LiteralString is a str (typeshed's str methods return it in their first overload;
# as a declared type, reading it as str can only make the check quieter).
_PRIMS["typing.LiteralString"] = Prim("str")
_LISTS = {"builtins.list": "list", "typing.List": "list", "typing.Sequence": "Sequence",
          "typing.MutableSequence": "MutableSequence", "typing.Collection": "Collection",
          "typing.Iterable": "Iterable"}
_SETS = {"builtins.set": "set", "typing.Set": "set", "builtins.frozenset": "frozenset",
         "typing.FrozenSet": "frozenset", "typing.AbstractSet": "AbstractSet",
         "typing.MutableSet": "MutableSet"}
_DICTS = {"builtins.dict": "dict", "typing.Dict": "dict", "typing.Mapping": "Mapping",
          "typing.MutableMapping": "MutableMapping"}
_TUPLES = frozenset({"builtins.tuple", "typing.Tuple"})
_MAX_DEPTH = 60
# Bases that make a class certainly not a TypedDict (anything else from outside the
# project might be one, read from a library we do not parse).
_KNOWN_NOT_TYPEDDICT = re.compile(
    r"^(builtins\.\w+|enum\.\w+|abc\.ABC|typing\.(NamedTuple|Protocol|Generic)|"
    r"pydantic(\.main)?\.BaseModel|msgspec\.Struct|"
    r"(django\.db\.models|django\.db\.models\.base)\.Model)$")


# Stands for the subject of a "... is not a TypedDict" reason in the cache below: a
# class is looked up under many names (the config's target, a base, a field's
# forward reference), and the reason must name the one asked about, not the first.
_SUBJECT = "\x00subject\x00"


def _about(found: TypedDictType | Missing | None, what: str) -> TypedDictType | Missing | None:
    if isinstance(found, _Cycle | _TooDeep):
        if not what:
            return found  # a base: passed up as is to the class asked about
        if isinstance(found, _Cycle):
            return Missing(f'{what} has cyclic inheritance (through "{found.reason}")')
        return Missing(f"{what} inherits through more than {_MAX_INHERITANCE} levels of "
                       f"bases; not analysed")
    if isinstance(found, Missing) and _SUBJECT in found.reason:
        return Missing(found.reason.replace(_SUBJECT, what))
    return found


@dataclass(frozen=True)
class _Cycle(Missing):
    """A class found again while its own bases were being resolved."""


@dataclass(frozen=True)
class _TooDeep(Missing):
    """Bases nested deeper than ``_MAX_INHERITANCE``."""


_MAX_INHERITANCE = 1_000
"""Deepest chain of TypedDict bases read (mypy reads any depth; past this, the config
check says so rather than leaving the event silently unchecked)."""


class _InProgress:
    """Marks a TypedDict whose bases are being resolved (detects inheritance cycles)."""


_IN_PROGRESS = _InProgress()


class Catalog:
    """Payload TypedDicts, constants and handlers of one project, read statically."""

    _instances: ClassVar[dict[tuple[Path, str], Catalog]] = {}

    def __init__(self, config: Config) -> None:
        self.config = config
        self.index = ModuleIndex(config)
        self._tds: dict[tuple[str, str], TypedDictType | Missing | None | _InProgress] = {}
        self._aliases: dict[tuple[str, str], Type | None] = {}
        self._generation = self.index.generation
        # answers of the public queries; cleared when files change
        self._payloads: dict[str, TypedDictType | Missing | None] = {}
        self._by_qualname: dict[str, TypedDictType | None] = {}
        self._constants: dict[str, str | None] = {}
        self._specialized: dict[str, TypedDictType] = {}
        self._parsed: dict[str, cst.BaseExpression | None] = {}
        self._plain_reading: set[tuple[str, str]] = set()
        self._handlers: dict[Target, HandlerInfo | Missing] = {}

    @classmethod
    def for_config(cls, config: Config) -> Catalog:
        """The process-wide catalog for this config file and content."""
        key = (config.path, config.digest)
        found = cls._instances.get(key)
        if found is None:
            found = cls._instances[key] = cls(config)
        return found

    def refresh(self) -> None:
        """Re-read files changed on disk since the last refresh.

        Called once per run (each new :class:`ProjectContext`), not per query: it
        stats every file read so far, which before every query made the cost grow
        with files x queries.
        """
        self.index.refresh()
        self._sync()

    def _sync(self) -> None:
        """Drop derived answers when the index was invalidated (an int comparison)."""
        if self.index.generation != self._generation:
            self._generation = self.index.generation
            self._tds.clear()
            self._aliases.clear()
            self._payloads.clear()
            self._by_qualname.clear()
            self._constants.clear()
            self._specialized.clear()
            self._handlers.clear()

    # --- public queries ----------------------------------------------------------

    def payload_type(self, event: str) -> TypedDictType | Missing | None:
        """The payload TypedDict of a configured event."""
        self._sync()
        if event not in self._payloads:
            self._payloads[event] = self._payload_type(event)
        return self._payloads[event]

    def _payload_type(self, event: str) -> TypedDictType | Missing | None:
        ev = self.config.events.get(event)
        if ev is None:
            return None
        target = ev.payload
        # Worded as the mypy plugin words it: users get the same reason from both tools.
        hint = "" if target.explicit else CONVENTION_HINT
        if not self.index.exists(target.module):
            return Missing(f'module "{target.module}" not found under the source roots '
                           f'(looking for "{target}"){hint}')
        known = self._plain(target.module, target.attr)
        if known is not None:
            return known
        module = self.index.get(target.module)
        if module is None:
            why = self.index.failures.get(target.module)
            if why is None:
                return None  # a syntax error: TSC900/E999 territory, not ours
            # Said on the config: a payload module is rarely checked itself (it does not
            # emit), and its event's emits must not pass unchecked in silence.
            return Missing(f'module "{target.module}" could not be read: {why}; the '
                           f'payloads of this event are not checked')
        sym = self.index.lookup(module, target.attr)
        if isinstance(sym, NotFound):
            return Missing(f'module "{target.module}" has no "{target.attr}"{hint}')
        return self._typed_dict_of(sym, f'"{target}"')

    def _plain(self, module: str, name: str) -> TypedDictType | None:
        """The TypedDict ``name`` defined in ``module`` when it is known without libcst:
        read by ``plain_typeddicts``, or by libcst already for another query. Either
        way it is what the index's lookup of ``module.name`` would find."""
        key = (module, name)
        if USE_PLAIN_READER and key not in self._tds and key not in self._plain_reading:
            # Nothing is published before it is complete: a class met again while it is
            # read (a cycle) makes the reading decline, and libcst reads the cycle.
            self._plain_reading.add(key)
            try:
                plain = read_plain_typed_dict(self.index, module, name, self._field,
                                              self._annotation_expr,
                                              functools.partial(self._plain, module))
            finally:
                self._plain_reading.discard(key)
            if plain is not None:
                self._tds.setdefault(key, plain)
        known = self._tds.get(key)
        return known if isinstance(known, TypedDictType) else None

    def _plain_qualname(self, qualname: str) -> TypedDictType | None:
        """``_plain`` for a dotted name, split where ``resolve_qualname`` splits it."""
        if "<locals>" in qualname:
            return None
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            if self.index.exists(".".join(parts[:cut])):
                return self._plain(".".join(parts[:cut]), parts[cut]) \
                    if cut == len(parts) - 1 else None
        return None

    def _annotation_expr(self, text: str) -> cst.BaseExpression | None:
        """An annotation's source text parsed by libcst, once per distinct text (payload
        modules repeat the same few: ``str``, ``NotRequired[str]``, ...)."""
        if text not in self._parsed:
            if len(self._parsed) > 10_000:
                self._parsed.clear()
            self._parsed[text] = parse_expr(text)
        return self._parsed[text]

    def payload_files(self) -> frozenset[Path]:
        """Files (resolved) read to build every configured event's payload type, bases
        included: a change to one of them may change a verdict at any emit site."""
        for event in self.config.events:
            self.payload_type(event)
        return frozenset(path.resolve() for path in self.index.read_files())

    def typed_dict(self, qualname: str) -> TypedDictType | None:
        """The TypedDict a dotted name refers to, following imports and re-exports."""
        self._sync()
        if qualname not in self._by_qualname:
            td = self._plain_qualname(qualname) or self._typed_dict_of(
                self.index.resolve_qualname(qualname), qualname)
            self._by_qualname[qualname] = td if isinstance(td, TypedDictType) else None
        return self._by_qualname[qualname]

    def typed_dict_symbol(self, sym: Symbol) -> TypedDictType | None:
        td = self._typed_dict_of(sym, "")
        return td if isinstance(td, TypedDictType) else None

    def constant(self, qualname: str) -> str | None:
        """A module-level ``str`` constant (plain or Final) of a project module."""
        self._sync()
        if qualname not in self._constants:
            self._constants[qualname] = self._constant(qualname)
        return self._constants[qualname]

    def _constant(self, qualname: str) -> str | None:
        sym = self.index.resolve_qualname(qualname)
        if sym is None and "." in qualname:
            # a class attribute: ``Topics.USER_REGISTERED``
            owner, _, attr = qualname.rpartition(".")
            sym = self._class_attribute(self.index.resolve_qualname(owner), attr)
        return self.symbol_constant(sym)

    def symbol_constant(self, sym: Symbol) -> str | None:
        if not isinstance(sym, DefSym) or sym.binding.kind != "value":
            return None
        value = sym.binding.node
        if not isinstance(value, cst.BaseExpression):
            return None
        text = string_value(value)
        return text if isinstance(text, str) else None

    def _class_attribute(self, owner: Symbol, attr: str) -> Symbol:
        if not isinstance(owner, DefSym) or owner.binding.kind != "class":
            return None
        cls = owner.binding.node
        assert isinstance(cls, cst.ClassDef)
        if cls.bases or cls.keywords:
            return None  # enums and other metaclass magic change what attributes are
        found: list[Binding] = []
        for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name) and t.target.value == attr:
                            found.append(Binding("value", small.value))
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == attr:
                    found.append(Binding("value", small.value, small.annotation.annotation))
                elif isinstance(small, cst.AugAssign):
                    return None
        return DefSym(owner.module, f"{owner.name}.{attr}", found[0]) if len(found) == 1 else None

    def handler(self, sub: SubscriberConfig) -> HandlerInfo | Missing:
        """Where the subscriber's handler is and which TypedDicts it accepts."""
        self._sync()
        # Asked for each handler file and again by the config check (TSC201).
        if sub.handler not in self._handlers:
            self._handlers[sub.handler] = self._handler(sub)
        return self._handlers[sub.handler]

    def _handler(self, sub: SubscriberConfig) -> HandlerInfo | Missing:
        target = sub.handler
        hint = "" if target.explicit else \
            "; define it there or set \"handler\" in the subscriber's table"
        if not self.index.exists(target.module):
            return Missing(f'module "{target.module}" not found under the source roots '
                           f'(looking for "{target}"){hint}')
        module = self.index.get(target.module)
        sym = self.index.lookup(module, target.attr) if module is not None else None
        if isinstance(sym, NotFound):
            return Missing(f'module "{target.module}" has no "{target.attr}"{hint}')
        path = self.index.file(target.module)
        assert path is not None
        for _ in range(_MAX_DEPTH):  # follow ``listen = other_function`` aliases
            if isinstance(sym, DefSym) and sym.binding.kind == "value" and isinstance(
                    sym.binding.node, cst.Name | cst.Attribute):
                sym = self.index.resolve_expr(sym.module, sym.binding.node)
            else:
                break
        if isinstance(sym, NotFound):
            return Missing(sym.reason)
        if isinstance(sym, ModuleSym):
            return Missing(f'"{target}" is a module, not a function')
        if not isinstance(sym, DefSym):
            return HandlerInfo(path, 1, 0, None)
        node = sym.binding.node
        if sym.binding.kind == "value" and sym.binding.node is None:
            return Missing(f'"{target}" is only annotated, never defined')
        if not isinstance(node, cst.FunctionDef):
            line, col = sym.module.position(node) if node is not None else (1, 0)
            return HandlerInfo(sym.module.path, line, col, None)
        generator = None
        if _yields(node):
            kind = "async generator" if node.asynchronous is not None else "generator"
            generator = (*self._def_position(sym.module, node, "name"), kind)
        params = [*node.params.posonly_params, *node.params.params]
        ann = params[0].annotation if params else None
        if ann is None:
            line, col = self._def_position(sym.module, node, "name")
            return HandlerInfo(sym.module.path, line, col, None, generator)
        line, col = self._def_position(sym.module, node, "annotation")
        resolver = self.module_resolver(sym.module)
        accepted = self._event_payloads(resolver, ann.annotation, 0)
        return HandlerInfo(sym.module.path, line, col, accepted, generator)

    @staticmethod
    def _def_position(module: ModuleInfo, node: cst.FunctionDef, part: str
                      ) -> tuple[int, int]:
        """Where a handler's name or first annotation is: from the text when plain, else
        from libcst's positions (the same answer, at a fraction of the cost)."""
        found = module.def_position(node.name.value, part) if USE_PLAIN_READER else None
        if found is not None:
            return found
        if part == "name":
            return module.position(node.name)
        params = [*node.params.posonly_params, *node.params.params]
        annotation = params[0].annotation
        assert annotation is not None
        return module.position(annotation.annotation)

    def _event_payloads(self, resolver: Resolver, expr: cst.BaseExpression,
                        depth: int) -> tuple[TypedDictType, ...] | None:
        if depth > _MAX_DEPTH:
            return None
        text = string_value(expr)
        if isinstance(text, str):
            parsed = parse_expr(text)
            return self._event_payloads(resolver, parsed, depth + 1) if parsed else None
        parts: list[cst.BaseExpression] = []
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            parts = [expr.left, expr.right]  # Event[A] | Event[B]
        elif isinstance(expr, cst.Subscript) and resolver(expr.value) in (
                External("typing.Union"), External("typing.Optional")):
            parts = [el.slice.value for el in expr.slice if isinstance(el.slice, cst.Index)]
        if parts:
            found: list[TypedDictType] = []
            for part in parts:
                tds = self._event_payloads(resolver, part, depth + 1)
                if tds is None:
                    return None
                found.extend(td for td in tds if td not in found)
            return tuple(found)
        if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
            return None
        base = resolver(expr.value)
        if not (isinstance(base, External) and base.qualname in _EVENT) and not (
                isinstance(base, DefSym) and f"{base.module.name}.{base.name}" in _EVENT):
            return None
        index = expr.slice[0].slice
        if not isinstance(index, cst.Index):
            return None
        inner = self.eval_type(resolver, index.value)
        items = inner.items if isinstance(inner, UnionType) else (inner,)
        tds = tuple(i for i in items if isinstance(i, TypedDictType))
        return tds if len(tds) == len(items) and tds else None

    # --- TypedDicts ------------------------------------------------------------------

    def module_resolver(self, module: ModuleInfo) -> Resolver:
        return lambda expr: self.index.resolve_expr(module, expr)

    def _typed_dict_of(self, sym: Symbol, what: str, depth: int = 0
                       ) -> TypedDictType | Missing | None:
        if depth > _MAX_INHERITANCE:
            return _TooDeep("")
        if isinstance(sym, NotFound):
            return Missing(sym.reason)
        if isinstance(sym, ModuleSym):
            return Missing(f"{what} is not a TypedDict (it is a module)")
        if isinstance(sym, ReadTypedDict):
            return sym.td
        if not isinstance(sym, DefSym):
            return None  # external or undecidable: a library TypedDict we cannot read
        key = (sym.module.name, sym.name)
        cached = self._tds.get(key, None)
        if isinstance(cached, _InProgress):
            return _Cycle(f"{sym.module.name}.{sym.name}")
        if key in self._tds:
            return _about(cached, what)
        self._tds[key] = _IN_PROGRESS
        result: TypedDictType | Missing | None
        try:
            result = self._build(sym, _SUBJECT, depth)
        except RecursionError:
            result = None
        if self._tds.get(key) is _IN_PROGRESS:
            self._tds[key] = result
        return _about(result, what)

    def _build(self, sym: DefSym, what: str, depth: int) -> TypedDictType | Missing | None:
        b = sym.binding
        resolver = self.module_resolver(sym.module)
        if b.kind == "class":
            assert isinstance(b.node, cst.ClassDef)
            return self._class_td(sym, b.node, resolver, what, depth)
        if b.kind == "def":
            return Missing(f"{what} is not a TypedDict (it is a function)")
        value = b.node
        if not isinstance(value, cst.BaseExpression):
            return Missing(f"{what} is not a TypedDict") if b.kind == "value" else None
        if isinstance(value, cst.Call):
            callee = resolver(value.func)
            if isinstance(callee, External) and callee.qualname in _TYPEDDICT:
                return self._functional_td(sym, value, resolver)
            return None
        if isinstance(value, cst.Name | cst.Attribute):
            return self._typed_dict_of(resolver(value), what, depth + 1)
        if isinstance(value, cst.Subscript):  # an alias of a generic TypedDict
            generic = self._typed_dict_of(resolver(value.value), what, depth + 1)
            if isinstance(generic, TypedDictType):
                return self.specialize(resolver(value.value), value, resolver) or generic
            return generic
        if isinstance(value, cst.SimpleString | cst.ConcatenatedString | cst.Integer | cst.Float
                      | cst.List | cst.Dict | cst.Tuple | cst.Set):
            return Missing(f"{what} is not a TypedDict")
        return None

    def _class_td(self, sym: DefSym, node: cst.ClassDef, resolver: Resolver, what: str,
                  depth: int) -> TypedDictType | Missing | None:
        bases: list[TypedDictType] = []
        direct = False
        other = False
        for arg in node.bases:
            if arg.keyword is not None or arg.star:
                return None
            expr = arg.value
            if isinstance(expr, cst.Subscript):
                expr = expr.value  # Generic[T], or a generic TypedDict base
            if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
                other = True  # class C("Base"): not even a class at runtime
                continue
            base = resolver(expr)
            if isinstance(base, External) and base.qualname in _TYPEDDICT:
                direct = True
            elif isinstance(base, External) and base.qualname == "typing.Generic":
                continue
            elif isinstance(base, DefSym):
                td = self._typed_dict_of(base, "", depth + 1)
                if isinstance(td, TypedDictType):
                    bases.append(td)
                elif td is None:
                    return None
                elif isinstance(td, _Cycle | _TooDeep):
                    # Passed up to the class the caller asked about, which words it
                    # (mypy: 'Cannot resolve name (possible cyclic definition)').
                    return td
                else:
                    other = True
            elif isinstance(base, External) and not _KNOWN_NOT_TYPEDDICT.match(base.qualname):
                return None  # a library class: could be a TypedDict we cannot read
            elif base is None:
                return None
            else:
                other = True
        if not direct and not bases:
            # Every base was Generic[...] or certainly not a TypedDict (anything
            # undecidable returned above): class Outer(Generic[T]) is a plain class.
            return Missing(f"{what} is not a TypedDict")
        if other:
            return None  # mixing TypedDict with other bases: mypy rejects; we cannot model it
        total = True
        closed = False
        for kw in node.keywords:
            name = kw.keyword.value if kw.keyword is not None else ""
            flag = bool_literal(kw.value)
            if name == "total" and flag is not None:
                total = flag
            elif name == "closed" and flag is not None:
                closed = flag
            else:
                return None  # extra_items=..., metaclass=...: not modelled
        if not closed and any(b.closed for b in bases):
            closed = True  # mypy: a subclass of a closed TypedDict is closed
        line = sym.module.definition_line(sym.name, node.name)
        fields: dict[str, Field] = {}
        td = TypedDictType(f"{sym.module.name}.{sym.name}", sym.name, MappingProxyType(fields),
                           sym.module.path, line, closed)
        # publish before reading fields so that recursive references resolve
        self._tds[(sym.module.name, sym.name)] = td
        own: dict[str, Field] = {}
        for stmt in node.body.body:
            smalls = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else (
                [stmt] if isinstance(stmt, cst.BaseSmallStatement) else [])
            for small in smalls:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    own[small.target.value] = self._field(resolver, small.annotation.annotation,
                                                          total)
        fields.update(_merge_fields(bases, own))
        return td

    def _functional_td(self, sym: DefSym, call: cst.Call, resolver: Resolver
                       ) -> TypedDictType | None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) != 2 or not isinstance(positional[1].value, cst.Dict):
            return None
        total = True
        closed = False
        for a in call.args:
            if a.keyword is None:
                if a.star:
                    return None
                continue
            flag = bool_literal(a.value)
            if a.keyword.value == "total" and flag is not None:
                total = flag
            elif a.keyword.value == "closed" and flag is not None:
                closed = flag
            else:
                return None
        line = sym.module.definition_line(sym.name, call)
        fields: dict[str, Field] = {}
        td = TypedDictType(f"{sym.module.name}.{sym.name}", sym.name, MappingProxyType(fields),
                           sym.module.path, line, closed)
        self._tds[(sym.module.name, sym.name)] = td
        for el in positional[1].value.elements:
            if not isinstance(el, cst.DictElement):
                return None
            key = string_value(el.key)
            if not isinstance(key, str):
                return None
            fields[key] = self._field(resolver, el.value, total)
        return td

    def _field(self, resolver: Resolver, expr: cst.BaseExpression, total: bool) -> Field:
        required = total
        readonly = False
        for _ in range(_MAX_DEPTH):
            text = string_value(expr)
            if isinstance(text, str):
                parsed = parse_expr(text)
                if parsed is None:
                    return Field(ANY, required, readonly)
                expr = parsed
                continue
            if not isinstance(expr, cst.Subscript) or not expr.slice:
                break
            base = resolver(expr.value)
            name = base.qualname if isinstance(base, External) else ""
            first = expr.slice[0].slice
            if not isinstance(first, cst.Index):
                break
            if name == "typing.Required":
                required = True
            elif name == "typing.NotRequired":
                required = False
            elif name == "typing.ReadOnly":
                readonly = True
            elif name != "typing.Annotated":
                break
            expr = first.value
        return Field(self.eval_type(resolver, expr), required, readonly)

    # --- generic TypedDicts ----------------------------------------------------------

    def specialize(self, sym: Symbol, expr: cst.Subscript, resolver: Resolver
                   ) -> TypedDictType | None:
        """``Envelope[int]`` for ``class Envelope(TypedDict, Generic[T])``: its own fields
        with the arguments put in place of the type variables, as mypy does. None when the
        class is not a generic TypedDict read from source, or its parameters are unclear."""
        if not isinstance(sym, DefSym) or sym.binding.kind != "class":
            return None
        node = sym.binding.node
        assert isinstance(node, cst.ClassDef)
        td = self._typed_dict_of(sym, "")
        if not isinstance(td, TypedDictType):
            return None
        args = [el.slice.value for el in expr.slice if isinstance(el.slice, cst.Index)]
        if len(args) == 1 and isinstance(args[0], cst.Tuple):
            args = [e.value for e in args[0].elements]
        own_resolver = self.module_resolver(sym.module)
        params = self._type_parameters(node, own_resolver)
        if params is None or len(params) != len(args):
            return None
        key = f"{td.qualname}[{', '.join(cst.Module([]).code_for_node(a) for a in args)}]"
        cached = self._specialized.get(key)
        if cached is not None:
            return cached
        # Names in the arguments resolve where the arguments are written; the rest where
        # the class is. The arguments' own nodes are put into the tree as they are.
        from_args: set[int] = set()
        for a in args:
            stack: list[cst.CSTNode] = [a]
            while stack:
                current = stack.pop()
                from_args.add(id(current))
                stack.extend(current.children)

        def mixed(e: cst.BaseExpression) -> Symbol:
            return resolver(e) if id(e) in from_args else own_resolver(e)

        substitute = _Substitute(own_resolver, dict(zip(params, args)))
        fields: dict[str, Field] = {}
        line, _col = sym.module.position(node.name)
        name = f"{td.name}[{', '.join(cst.Module([]).code_for_node(a) for a in args)}]"
        result = TypedDictType(key, name, MappingProxyType(fields), td.path, line, td.closed)
        self._specialized[key] = result
        own = set()
        for stmt in node.body.body:
            smalls = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else (
                [stmt] if isinstance(stmt, cst.BaseSmallStatement) else [])
            for small in smalls:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    own.add(small.target.value)
                    annotation = small.annotation.annotation.visit(substitute)
                    assert isinstance(annotation, cst.BaseExpression)
                    declared = td.fields[small.target.value]
                    f = self._field(mixed, annotation, declared.required)
                    fields[small.target.value] = Field(f.type, declared.required,
                                                       declared.readonly)
        for key_name, f in td.fields.items():
            if key_name not in own:
                fields[key_name] = f  # from a base: not generic here
        return result

    def _type_parameters(self, node: cst.ClassDef, resolver: Resolver) -> list[Symbol] | None:
        """The type variables of a generic class, in order: ``Generic[...]``'s if given."""
        for arg in node.bases:
            if isinstance(arg.value, cst.Subscript) and resolver(arg.value.value) == External(
                    "typing.Generic"):
                found = [resolver(el.slice.value) for el in arg.value.slice
                         if isinstance(el.slice, cst.Index)]
                return found if all(isinstance(f, DefSym) for f in found) else None
        return None

    # --- type expressions -----------------------------------------------------------

    def eval_type(self, resolver: Resolver, expr: cst.BaseExpression, depth: int = 0) -> Type:
        """The type an annotation expression denotes; ANY when unsure."""
        if depth > _MAX_DEPTH:
            return ANY
        text = string_value(expr)
        if isinstance(text, str):
            parsed = parse_expr(text)
            return self.eval_type(resolver, parsed, depth + 1) if parsed else ANY
        if isinstance(expr, cst.Name) and expr.value == "None":
            return NONE
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            return make_union([self.eval_type(resolver, expr.left, depth + 1),
                               self.eval_type(resolver, expr.right, depth + 1)])
        if isinstance(expr, cst.Name | cst.Attribute):
            return self._symbol_type(resolver(expr), depth + 1)
        if isinstance(expr, cst.Subscript):
            return self._subscript_type(resolver, expr, depth + 1)
        return ANY

    def _symbol_type(self, sym: Symbol, depth: int) -> Type:
        if isinstance(sym, External):
            q = sym.qualname
            if q in _PRIMS:
                return _PRIMS[q]
            if q in _LISTS:
                return ListType(ANY, _LISTS[q])
            if q in _SETS:
                return SetType(ANY, _SETS[q])
            if q in _DICTS:
                return DictType(ANY, ANY, _DICTS[q])
            if q in _TUPLES:
                return TupleType(None, ANY)
            return self._declared_class(sym)
        if isinstance(sym, ReadTypedDict):
            return sym.td
        if not isinstance(sym, DefSym):
            return ANY
        b = sym.binding
        if b.kind == "class":
            td = self._typed_dict_of(sym, "", depth)
            return td if isinstance(td, TypedDictType) else self._declared_class(sym)
        if b.kind not in ("value", "alias") or not isinstance(b.node, cst.BaseExpression):
            return ANY
        if isinstance(b.node, cst.Call):
            td = self._typed_dict_of(sym, "", depth)
            if isinstance(td, TypedDictType):
                return td
            return self._new_type(sym, b.node, depth)  # a TypeVar and the rest: unknown
        if b.annotation is not None:
            # ``X: TypeAlias = ...`` is an alias; any other annotated value is not a type
            ann = self.index.resolve_expr(sym.module, b.annotation) \
                if isinstance(b.annotation, cst.Name | cst.Attribute) else None
            if ann != External("typing.TypeAlias"):
                return ANY
        key = (sym.module.name, sym.name)
        if key in self._aliases:
            return self._aliases[key] or ANY  # None: a recursive alias refers to itself
        self._aliases[key] = None
        result = self.eval_type(self.module_resolver(sym.module), b.node, depth + 1)
        self._aliases[key] = result
        return result

    def _declared_class(self, sym: Symbol) -> Type:
        """A class named as a field's type (an enum, ``Decimal``, a project class): the
        type of its instances, read by the types tier from source or stubs."""
        found = self._classes.declared_class(sym)
        return found if found is not None else ANY

    @cached_property
    def _classes(self) -> ClassReader:
        # The types tier reads classes (ancestors from source and typeshed's stubs); it is
        # loaded with the first class-typed field, and is the one reader the judge uses.
        from tscrun_lint.types.values import Declarations

        return Declarations(self, None, _no_checked_file)

    def _new_type(self, sym: DefSym, call: cst.Call, depth: int) -> Type:
        """``UserId = NewType("UserId", str)``: a subclass of its base for mypy."""
        callee = self.index.resolve_expr(sym.module, call.func) \
            if isinstance(call.func, cst.Name | cst.Attribute) else None
        args = [a.value for a in call.args if a.keyword is None and not a.star]
        if callee != External("typing.NewType") or len(args) != 2 or len(call.args) != 2:
            return ANY
        qualname = f"{sym.module.name}.{sym.name}"
        base = self.eval_type(self.module_resolver(sym.module), args[1], depth + 1)
        if isinstance(base, Prim):
            return ClassType(qualname, sym.name, frozenset({qualname, f"builtins.{base.name}"}),
                             base.name)
        if isinstance(base, ClassType) and base.supers is not None:
            return ClassType(qualname, sym.name, base.supers | {qualname}, base.builtin)
        return ANY

    def _subscript_type(self, resolver: Resolver, expr: cst.Subscript, depth: int) -> Type:
        base = resolver(expr.value)
        args: list[cst.BaseExpression] = []
        for el in expr.slice:
            if not isinstance(el.slice, cst.Index) or el.slice.star is not None:
                return ANY
            args.append(el.slice.value)
        if len(args) == 1 and isinstance(args[0], cst.Tuple):
            # X[(a, b)] is X[a, b]
            args = [e.value for e in args[0].elements]
        if isinstance(base, ReadTypedDict):
            return base.td  # never generic: the plain reading takes TypedDict bases only
        if not isinstance(base, External):
            if isinstance(base, DefSym):
                td = self._symbol_type(base, depth + 1)
                if not isinstance(td, TypedDictType):
                    return ANY
                return self.specialize(base, expr, resolver) or td  # a generic TypedDict
            return ANY
        q = base.qualname

        def ev(node: cst.BaseExpression) -> Type:
            return self.eval_type(resolver, node, depth + 1)

        if q == "typing.Optional" and len(args) == 1:
            return make_union([ev(args[0]), NONE])
        if q == "typing.Union" and args:
            return make_union([ev(a) for a in args])
        if q == "typing.Literal":
            return self._literal_type(resolver, args, depth + 1)
        if q in ("typing.Annotated", "typing.Required", "typing.NotRequired",
                 "typing.ReadOnly") and args:
            return ev(args[0])
        if q in _LISTS and len(args) == 1:
            return ListType(ev(args[0]), _LISTS[q])
        if q in _SETS and len(args) == 1:
            return SetType(ev(args[0]), _SETS[q])
        if q in _DICTS and len(args) == 2:
            return DictType(ev(args[0]), ev(args[1]), _DICTS[q])
        if q in _TUPLES:
            if len(args) == 2 and isinstance(args[1], cst.Ellipsis):
                return TupleType(None, ev(args[0]))
            if len(args) == 1 and isinstance(args[0], cst.Tuple) and not args[0].elements:
                return TupleType(())
            if any(isinstance(a, cst.Ellipsis) for a in args):
                return ANY
            return TupleType(tuple(ev(a) for a in args))
        return ANY

    def _literal_type(self, resolver: Resolver, args: list[cst.BaseExpression],
                      depth: int) -> Type:
        values: list[LiteralValue] = []
        others: list[Type] = []
        for a in args:
            v = literal_value(a)
            if v is not None:
                values.append(v)
            elif isinstance(a, cst.Name) and a.value == "None":
                others.append(NONE)
            elif isinstance(a, cst.Subscript):
                others.append(self._subscript_type(resolver, a, depth + 1))
            elif isinstance(a, cst.Name | cst.Attribute):
                # an alias of a Literal, or an enum member: only the former is followed
                sym = resolver(a)
                if isinstance(sym, DefSym) and sym.binding.kind in ("value", "alias") \
                        and isinstance(sym.binding.node, cst.Subscript):
                    others.append(self._symbol_type(sym, depth + 1))
                else:
                    others.append(ANY)
            else:
                others.append(ANY)
        items: list[Type] = [LiteralType(tuple(values))] if values else []
        return make_union(items + others) if items or others else ANY


class _Substitute(cst.CSTTransformer):
    """Puts type arguments in place of a generic TypedDict's type variables."""

    def __init__(self, resolver: Resolver, params: dict[Symbol, cst.BaseExpression]) -> None:
        self.resolver = resolver
        self.params = params

    def leave_Name(self, original_node: cst.Name,
                   updated_node: cst.Name) -> cst.BaseExpression:
        sym = self.resolver(original_node)
        return self.params.get(sym, updated_node) if sym is not None else updated_node


def _merge_fields(bases: list[TypedDictType], own: dict[str, Field]) -> dict[str, Field]:
    """Fields of a TypedDict class from its bases and its body, as mypy merges them.

    The child's own declaration wins; otherwise the first base (in declaration
    order) that declares the key mutably, else the first one. A read-only
    primary is required if any source requires it.
    """
    sources: dict[str, list[Field]] = {}
    for base in bases:
        for name, f in base.fields.items():
            sources.setdefault(name, []).append(f)
    merged: dict[str, Field] = {}
    for name, fs in sources.items():
        if name in own:
            mine = own[name]
            if mine.readonly and not mine.required and any(f.required for f in fs):
                # ``c: ReadOnly[NotRequired[int]]`` over a required ``c``: mypy reports the
                # class and keeps the item required
                own[name] = Field(mine.type, True, True)
            continue
        primary = next((f for f in fs if not f.readonly), fs[0])
        if primary.readonly:
            primary = Field(primary.type, any(f.required for f in fs), True)
        merged[name] = primary
    merged.update(own)
    return merged


def parse_expr(text: str) -> cst.BaseExpression | None:
    try:
        return cst.parse_expression(text.strip())
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        # a malformed forward reference: mypy reports it, we stay silent
        return None


class _YieldFinder(cst.CSTVisitor):
    """Finds ``yield`` in a function's own body (not in functions or classes nested in it)."""

    def __init__(self) -> None:
        self.found = False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _yields(func: cst.FunctionDef) -> bool:
    finder = _YieldFinder()
    func.body.visit(finder)
    return finder.found
