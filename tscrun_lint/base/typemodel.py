"""A small static type model: just enough of Python's types to judge payload literals.

The analyzer compares literal payloads with the TypedDicts named in the config. It
never imports user code, so types are read from source (see ``catalog``) into the
frozen values below. Whatever the model cannot express becomes :class:`AnyType`,
which accepts everything: the analyzer must stay silent where it cannot be sure
(mypy is the tool of record; we only report what mypy would reject too).

Relations answer ``True``/``False`` when certain and ``None`` when not; callers
report a problem only on a definite ``False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LiteralValue = str | bytes | int | bool


@dataclass(frozen=True)
class AnyType:
    """``Any``, ``object``, unknown or undecidable classes: accepts everything."""


@dataclass(frozen=True)
class NoneType_:
    """The type of ``None``."""


@dataclass(frozen=True)
class Prim:
    """A builtin scalar: ``str``, ``int``, ``float``, ``bool``, ``bytes`` or ``complex``."""

    name: str


# What a scalar of each numeric kind may stand for: mypy's promotions (bool -> int ->
# float -> complex), which the payload judge and the fast path must agree on.
_NUMERIC = {"bool": ("bool", "int", "float", "complex"), "int": ("int", "float", "complex"),
            "float": ("float", "complex"), "complex": ("complex",)}


def prim_accepts(declared: Prim, kind: str) -> bool:
    """Does a scalar of ``kind`` ("str", "int", "None"...) fit the builtin ``declared``?"""
    if kind in _NUMERIC:
        return declared.name in _NUMERIC[kind]
    return kind == declared.name


@dataclass(frozen=True)
class LiteralType:
    """``Literal[...]`` over str/bytes/int/bool values (``None`` members become NoneType_)."""

    values: tuple[LiteralValue, ...]

    def __eq__(self, other: object) -> bool:
        # (1,) == (True,) in Python, but Literal[1] and Literal[True] differ.
        return isinstance(other, LiteralType) and _lit_keys(self.values) == _lit_keys(other.values)

    def __hash__(self) -> int:
        return hash(_lit_keys(self.values))

    def has(self, value: LiteralValue) -> bool:
        return (type(value), value) in _lit_keys(self.values)


def _lit_keys(values: tuple[LiteralValue, ...]) -> frozenset[tuple[type, LiteralValue]]:
    return frozenset((type(v), v) for v in values)


@dataclass(frozen=True)
class UnionType:
    items: tuple[Type, ...]


@dataclass(frozen=True)
class ListType:
    """A sequence-like generic. ``origin`` names it: list, Sequence, MutableSequence,
    Collection or Iterable (the kinds of literal each accepts differ)."""

    item: Type
    origin: str = "list"


@dataclass(frozen=True)
class SetType:
    """``origin``: set, frozenset, AbstractSet or MutableSet."""

    item: Type
    origin: str = "set"


@dataclass(frozen=True)
class TupleType:
    """``tuple[A, B]`` (items given) or ``tuple[X, ...]`` (items None, variadic ``item``)."""

    items: tuple[Type, ...] | None
    item: Type = field(default_factory=AnyType)


@dataclass(frozen=True)
class DictType:
    """``origin``: dict, Mapping or MutableMapping."""

    key: Type
    value: Type
    origin: str = "dict"


@dataclass(frozen=True)
class Field:
    type: Type
    required: bool
    readonly: bool = False


@dataclass(frozen=True, eq=False)
class TypedDictType:
    """A TypedDict read from source. Identity is its qualified name.

    ``fields`` may be filled after construction (recursive TypedDicts refer to
    themselves), hence identity-based equality rather than structural.
    """

    qualname: str
    name: str
    fields: Mapping[str, Field] = field(repr=False)
    path: Path
    line: int
    closed: bool = False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypedDictType) and other.qualname == self.qualname

    def __hash__(self) -> int:
        return hash(self.qualname)

    @property
    def required_keys(self) -> frozenset[str]:
        return frozenset(k for k, f in self.fields.items() if f.required)


@dataclass(frozen=True)
class ClassType:
    """An instance of a class read from source or stubs (``UUID``, a project dataclass).

    ``supers`` holds the qualified names of the class and of every ancestor; it is
    None when some ancestor could not be read (then no relation is certain).
    ``builtin`` names a builtin scalar among the ancestors (``class Slug(str)``).
    """

    qualname: str
    name: str
    supers: frozenset[str] | None = None
    builtin: str | None = None


Type = (AnyType | NoneType_ | Prim | LiteralType | UnionType | ListType | SetType | TupleType
        | DictType | TypedDictType | ClassType)

ANY = AnyType()
NONE = NoneType_()


def make_union(items: list[Type]) -> Type:
    """Flatten and deduplicate; a union holding Any is Any (it accepts everything)."""
    flat: list[Type] = []
    for item in items:
        for sub in (item.items if isinstance(item, UnionType) else (item,)):
            if isinstance(sub, AnyType):
                return ANY
            if sub not in flat:
                flat.append(sub)
    if len(flat) == 1:
        return flat[0]
    return UnionType(tuple(flat))


# --- describing types the way mypy prints them --------------------------------------

def describe(t: Type) -> str:
    """How mypy would print ``t``: ``str``, ``list[OrderLine]``, ``UserVerifiedEvent``."""
    if isinstance(t, AnyType):
        return "Any"
    if isinstance(t, NoneType_):
        return "None"
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, LiteralType):
        return "Literal[" + ", ".join(repr(v) for v in t.values) + "]"
    if isinstance(t, UnionType):
        return " | ".join(describe(i) for i in t.items)
    if isinstance(t, ListType):
        return f"{t.origin}[{describe(t.item)}]"
    if isinstance(t, SetType):
        return f"{t.origin}[{describe(t.item)}]"
    if isinstance(t, TupleType):
        if t.items is None:
            return f"tuple[{describe(t.item)}, ...]"
        if not t.items:
            return "tuple[()]"
        return "tuple[" + ", ".join(describe(i) for i in t.items) + "]"
    if isinstance(t, DictType):
        return f"{t.origin}[{describe(t.key)}, {describe(t.value)}]"
    return t.name  # a TypedDict or a class, by its name as mypy prints it


# --- subtyping (tri-state) ------------------------------------------------------------

_PROMOTE = {"bool": ("bool", "int", "float", "complex"), "int": ("int", "float", "complex"),
            "float": ("float", "complex"), "complex": ("complex",), "str": ("str",),
            "bytes": ("bytes",)}

# Which generic origins a value of a given origin is also an instance of.
_SEQ_SUPERS = {
    "list": ("list", "MutableSequence", "Sequence", "Collection", "Iterable"),
    "MutableSequence": ("MutableSequence", "Sequence", "Collection", "Iterable"),
    "Sequence": ("Sequence", "Collection", "Iterable"),
    "Collection": ("Collection", "Iterable"),
    "Iterable": ("Iterable",),
}
_SET_SUPERS = {
    "set": ("set", "MutableSet", "AbstractSet"),
    "frozenset": ("frozenset", "AbstractSet"),
    "MutableSet": ("MutableSet", "AbstractSet"),
    "AbstractSet": ("AbstractSet",),
}
_MAP_SUPERS = {
    "dict": ("dict", "MutableMapping", "Mapping"),
    "MutableMapping": ("MutableMapping", "Mapping"),
    "Mapping": ("Mapping",),
}
_COVARIANT = {"Sequence", "Collection", "Iterable", "AbstractSet", "frozenset"}


def _all(results: list[bool | None]) -> bool | None:
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True


def _any(results: list[bool | None]) -> bool | None:
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def _lit_fallback(v: LiteralValue) -> str:
    return "bool" if isinstance(v, bool) else type(v).__name__


def is_subtype(a: Type, b: Type, _seen: frozenset[tuple[str, str]] = frozenset()) -> bool | None:
    """Is every value of ``a`` a value of ``b`` (as mypy's non-proper subtyping)?"""
    if isinstance(a, AnyType) or isinstance(b, AnyType):
        return True
    if isinstance(b, ClassType):
        return _to_class(a, b, _seen)
    if isinstance(a, ClassType):
        return _class_subtype(a, b, _seen)
    if isinstance(a, UnionType):
        return _all([is_subtype(i, b, _seen) for i in a.items])
    if isinstance(b, UnionType):
        return _any([is_subtype(a, i, _seen) for i in b.items])
    if isinstance(a, NoneType_):
        return isinstance(b, NoneType_)
    if isinstance(a, LiteralType):
        if isinstance(b, LiteralType):
            return all(b.has(v) for v in a.values)
        if isinstance(b, Prim):
            return all(b.name in _PROMOTE[_lit_fallback(v)] for v in a.values)
        if isinstance(b, NoneType_ | TypedDictType | DictType | SetType | TupleType):
            return False
        return None  # str literals are Sequences; not worth modelling here
    if isinstance(a, Prim):
        if isinstance(b, Prim):
            return b.name in _PROMOTE[a.name]
        if isinstance(b, NoneType_ | LiteralType | TypedDictType | DictType | SetType | TupleType):
            return False
        if isinstance(b, ListType):
            return False if a.name not in ("str", "bytes") or b.origin in (
                "list", "MutableSequence") else None
        return None
    if isinstance(a, TypedDictType):
        if isinstance(b, TypedDictType):
            key = (a.qualname, b.qualname)
            if key in _seen:
                return True  # coinductive: assume recursive structures match
            return _td_subtype(a, b, _seen | {key}) is None
        if isinstance(b, DictType) and b.origin == "Mapping":
            return None  # a TypedDict is a Mapping[str, object]
        if isinstance(b, ListType) and b.origin in ("Collection", "Iterable"):
            return None  # ... and so an Iterable of its (str) keys
        return False
    if isinstance(a, ListType):
        if isinstance(b, ListType):
            if b.origin not in _SEQ_SUPERS.get(a.origin, ()):
                return False if a.origin in _SEQ_SUPERS else None
            if b.origin in _COVARIANT:
                return is_subtype(a.item, b.item, _seen)
            return is_equivalent(a.item, b.item, _seen)
        return False if isinstance(b, Prim | NoneType_ | LiteralType | TypedDictType
                                   | DictType | SetType | TupleType) else None
    if isinstance(a, SetType):
        if isinstance(b, SetType):
            if b.origin not in _SET_SUPERS.get(a.origin, ()):
                return False
            if b.origin in _COVARIANT:
                return is_subtype(a.item, b.item, _seen)
            return is_equivalent(a.item, b.item, _seen)
        if isinstance(b, ListType):
            return None if b.origin in ("Collection", "Iterable") else False
        return False if isinstance(b, Prim | NoneType_ | LiteralType | TypedDictType
                                   | DictType | TupleType) else None
    if isinstance(a, TupleType):
        if isinstance(b, TupleType):
            if a.items is not None and b.items is not None:
                if len(a.items) != len(b.items):
                    return False
                return _all([is_subtype(x, y, _seen) for x, y in zip(a.items, b.items)])
            if b.items is None:
                src = list(a.items) if a.items is not None else [a.item]
                return _all([is_subtype(x, b.item, _seen) for x in src])
            return None
        if isinstance(b, ListType):
            if b.origin in ("list", "MutableSequence"):
                return False
            src = list(a.items) if a.items is not None else [a.item]
            return _all([is_subtype(x, b.item, _seen) for x in src])
        return False if isinstance(b, Prim | NoneType_ | LiteralType | TypedDictType
                                   | DictType | SetType) else None
    if isinstance(a, DictType):
        if isinstance(b, DictType):
            if b.origin not in _MAP_SUPERS.get(a.origin, ()):
                return False
            key_ok = is_equivalent(a.key, b.key, _seen)
            if b.origin == "Mapping":
                return _all([key_ok, is_subtype(a.value, b.value, _seen)])
            return _all([key_ok, is_equivalent(a.value, b.value, _seen)])
        if isinstance(b, ListType):
            return None if b.origin in ("Collection", "Iterable") else False
        return False if isinstance(b, Prim | NoneType_ | LiteralType | TypedDictType
                                   | SetType | TupleType) else None
    return None


# Ancestors that leave a class's relations open: protocols and ABCs that builtins and
# other classes satisfy structurally or by registration (mypy decides those, not us).
_OPEN_ANCESTORS = ("typing.", "typing_extensions.", "collections.abc.", "_typeshed.", "abc.",
                   "numbers.", "os.PathLike", "builtins.object")


def is_nominal(c: ClassType) -> bool:
    """Every ancestor of ``c`` is known and none is a protocol or ABC: a value is an
    instance of ``c`` only if its class derives from it (as mypy checks nominal types)."""
    return c.supers is not None and not any(
        s.startswith(_OPEN_ANCESTORS) for s in c.supers if s != c.qualname)


def _to_class(a: Type, b: ClassType, _seen: frozenset[tuple[str, str]]) -> bool | None:
    """A value of type ``a`` where the class ``b`` is declared (a NewType, an enum, a
    project class, ``Decimal``, ``datetime``...)."""
    if isinstance(a, UnionType):
        return _all([is_subtype(i, b, _seen) for i in a.items])
    if isinstance(a, ClassType):
        if a.supers is not None and b.qualname in a.supers:
            return True
        return False if is_nominal(a) and is_nominal(b) else None
    if isinstance(a, Prim | LiteralType | NoneType_ | TypedDictType | DictType | ListType
                  | SetType | TupleType):
        # a str is not a UserId, an int not a Decimal, "red" not a Color
        return False if is_nominal(b) else None
    return None


def _class_subtype(a: ClassType, b: Type, _seen: frozenset[tuple[str, str]]) -> bool | None:
    """An instance of a class read from source against a declared (non-class) type."""
    if isinstance(b, UnionType):
        return _any([_class_subtype(a, i, _seen) for i in b.items])
    if a.builtin is not None:
        # ``class Slug(str)``: a str where a str is declared; a str subclass anywhere else
        return True if is_subtype(Prim(a.builtin), b, _seen) else None
    if a.supers is None:
        return None
    # Every ancestor is known and none is a builtin: not a str, number, container or None.
    if isinstance(b, Prim | NoneType_ | LiteralType | TypedDictType | DictType | SetType
                  | TupleType):
        return False if not any(s.startswith("typing.") for s in a.supers) else None
    if isinstance(b, ListType) and b.origin in ("list", "MutableSequence"):
        return False
    return None


def is_equivalent(a: Type, b: Type, _seen: frozenset[tuple[str, str]] = frozenset()) -> bool | None:
    return _all([is_subtype(a, b, _seen), is_subtype(b, a, _seen)])


# --- TypedDict structural compatibility (PEP 589/705/728, as mypy implements it) ------

@dataclass(frozen=True)
class _Item:
    type: Type | None  # None: absent from an open TypedDict (read-only ``object``)
    required: bool
    readonly: bool
    never: bool = False  # absent from a closed TypedDict


def _item(td: TypedDictType, key: str) -> _Item:
    f = td.fields.get(key)
    if f is not None:
        return _Item(f.type, f.required, f.readonly)
    if td.closed:
        return _Item(None, False, False, never=True)
    return _Item(None, False, True)


def td_compatible(src: TypedDictType, dst: TypedDictType) -> str | None:
    """``None`` if a value typed ``src`` may be used where ``dst`` is expected, else why not.

    Follows mypy's ``visit_typeddict_type``: required keys stay required, mutable
    keys stay mutable with equivalent (invariant) types, read-only keys may narrow.
    Undecidable comparisons count as compatible.
    """
    return _td_subtype(src, dst, frozenset({(src.qualname, dst.qualname)}))


def _td_subtype(src: TypedDictType, dst: TypedDictType,
                seen: frozenset[tuple[str, str]]) -> str | None:
    if src.qualname == dst.qualname:
        return None
    if dst.closed and not src.closed:
        return f'; "{dst.name}" is closed but "{src.name}" is not'
    keys = list(src.fields) + [k for k in dst.fields if k not in src.fields]
    for key in keys:
        left, right = _item(src, key), _item(dst, key)
        if right.required and not left.required:
            if left.type is None:
                return f'; key "{key}" is missing'
            return f'; key "{key}" is required in "{dst.name}" but not in "{src.name}"'
        if not right.readonly and left.readonly:
            if left.type is None:
                if right.type is None and right.never:
                    continue
                return f'; key "{key}" is not declared in "{src.name}"'
            return f'; key "{key}" is read-only in "{src.name}" but not in "{dst.name}"'
        if not right.readonly and not right.required and left.required:
            return f'; key "{key}" is required in "{src.name}" but may be deleted in "{dst.name}"'
    for key in keys:
        left, right = _item(src, key), _item(dst, key)
        if not right.readonly:
            if left.never and right.never:
                continue
            if left.type is None or right.type is None:
                continue  # closed-TypedDict corner cases: not modelled, stay silent
            if is_equivalent(left.type, right.type, seen) is False:
                return (f'; key "{key}" is {describe(left.type)} in "{src.name}" but '
                        f'{describe(right.type)} in "{dst.name}"')
        else:
            if right.type is None or left.never:
                continue
            if left.type is None:
                return f'; key "{key}" is not declared in "{src.name}"'
            if is_subtype(left.type, right.type, seen) is False:
                return (f'; key "{key}" is {describe(left.type)} in "{src.name}" but '
                        f'{describe(right.type)} in "{dst.name}"')
    return None
