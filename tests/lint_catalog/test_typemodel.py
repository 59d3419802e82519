"""The type model: how types print, subtyping, and TypedDict compatibility as mypy rules it."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from tscrun_lint.base.typemodel import (
    ANY, NONE, DictType, Field, ListType, LiteralType, Prim, SetType, TupleType, Type,
    TypedDictType, describe, is_subtype, make_union, td_compatible,
)

STR, INT, FLOAT, BOOL = Prim("str"), Prim("int"), Prim("float"), Prim("bool")


def td(name: str, closed: bool = False, **fields: Field) -> TypedDictType:
    return TypedDictType(f"m.{name}", name, MappingProxyType(fields), Path("m.py"), 1, closed)


def req(t: Type) -> Field:
    return Field(t, True)


def opt(t: Type) -> Field:
    return Field(t, False)


def ro(t: Type, required: bool = True) -> Field:
    return Field(t, required, readonly=True)


@pytest.mark.parametrize(("t", "text"), [
    (STR, "str"), (NONE, "None"), (ANY, "Any"),
    (LiteralType(("a", 1, True, b"x")), "Literal['a', 1, True, b'x']"),
    (make_union([STR, NONE]), "str | None"),
    (ListType(td("OrderLine")), "list[OrderLine]"),
    (ListType(INT, "Sequence"), "Sequence[int]"),
    (SetType(STR, "frozenset"), "frozenset[str]"),
    (TupleType((INT, STR)), "tuple[int, str]"), (TupleType(None, INT), "tuple[int, ...]"),
    (TupleType(()), "tuple[()]"),
    (DictType(STR, make_union([INT, NONE]), "Mapping"), "Mapping[str, int | None]"),
])
def test_describe(t: Type, text: str) -> None:
    assert describe(t) == text


def test_unions_flatten_and_any_absorbs() -> None:
    assert make_union([STR, make_union([INT, STR])]) == make_union([STR, INT])
    assert make_union([STR, ANY]) == ANY
    assert make_union([STR]) == STR


def test_literals_keep_bool_and_int_apart() -> None:
    assert LiteralType((1,)) != LiteralType((True,))
    assert not LiteralType((1,)).has(True)
    assert is_subtype(LiteralType((True,)), INT) is True


@pytest.mark.parametrize(("a", "b", "expected"), [
    (BOOL, INT, True), (INT, FLOAT, True), (FLOAT, INT, False), (STR, INT, False),
    (NONE, make_union([STR, NONE]), True), (STR, ANY, True), (ANY, STR, True),
    (ListType(INT), ListType(FLOAT), False),  # list is invariant
    (ListType(INT), ListType(FLOAT, "Sequence"), True),  # Sequence is covariant
    (ListType(INT, "Sequence"), ListType(INT), False),
    (TupleType((INT, INT)), ListType(FLOAT, "Sequence"), True),
    (TupleType((INT,)), TupleType((INT, INT)), False),
    (DictType(STR, INT), DictType(STR, FLOAT, "Mapping"), True),
    (DictType(STR, INT), DictType(STR, FLOAT), False),
    (LiteralType(("a",)), LiteralType(("a", "b")), True),
    (LiteralType(("c",)), LiteralType(("a", "b")), False),
    (SetType(INT), SetType(INT, "frozenset"), False),
    (td("Line", sku=req(STR)), ListType(STR, "Iterable"), None),  # iterating yields its keys
    (td("Line", sku=req(STR)), ListType(STR, "Sequence"), False),
    (td("Line", sku=req(STR)), DictType(STR, STR), False),
])
def test_is_subtype(a: Type, b: Type, expected: bool | None) -> None:
    assert is_subtype(a, b) is expected


BASE = td("Base", id=req(STR), version=req(INT))


@pytest.mark.parametrize(("src", "dst", "reason"), [
    (td("Child", id=req(STR), version=req(INT), extra=opt(STR)), BASE, None),
    (BASE, td("Child", id=req(STR), version=req(INT), extra=opt(STR)),
     '; key "extra" is not declared in "Base"'),
    (td("Twin", id=req(STR), version=req(INT)), BASE, None),
    (td("Loose", id=opt(STR), version=req(INT)), BASE,
     '; key "id" is required in "Base" but not in "Loose"'),
    (BASE, td("Loose", id=opt(STR), version=req(INT)),
     '; key "id" is required in "Base" but may be deleted in "Loose"'),
    (td("Wide", id=req(STR), version=req(FLOAT)), BASE,
     '; key "version" is float in "Wide" but int in "Base"'),
    (BASE, td("Wide", id=req(STR), version=req(FLOAT)),
     '; key "version" is int in "Base" but float in "Wide"'),  # mutable items are invariant
    (BASE, td("RO", id=ro(STR), version=ro(FLOAT)), None),  # read-only items are covariant
    (td("RO", id=ro(STR), version=req(INT)), BASE,
     '; key "id" is read-only in "RO" but not in "Base"'),
    # an open TypedDict may hold any value under an undeclared key: not even read-only fits
    (td("Less", id=req(STR)), td("ROopt", id=req(STR), version=ro(INT, required=False)),
     '; key "version" is not declared in "Less"'),
    (BASE, td("Missing", id=req(STR), version=req(INT), other=req(STR)),
     '; key "other" is missing'),
    (BASE, td("Closed", closed=True, id=req(STR), version=req(INT)),
     '; "Closed" is closed but "Base" is not'),
    (td("AnyField", id=req(ANY), version=req(INT)), BASE, None),
])
def test_td_compatible(src: TypedDictType, dst: TypedDictType, reason: str | None) -> None:
    assert td_compatible(src, dst) == reason


def test_recursive_typed_dicts_compare_structurally() -> None:
    fields_a: dict[str, Field] = {}
    fields_b: dict[str, Field] = {}
    a = TypedDictType("m.A", "A", MappingProxyType(fields_a), Path("m.py"), 1)
    b = TypedDictType("m.B", "B", MappingProxyType(fields_b), Path("m.py"), 1)
    fields_a.update(name=req(STR), children=req(ListType(a)))
    fields_b.update(name=req(STR), children=req(ListType(b)))
    assert td_compatible(a, b) is None
    fields_b["name"] = req(INT)
    assert td_compatible(a, b) == '; key "name" is str in "A" but int in "B"'
