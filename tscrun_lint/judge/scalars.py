"""Scalar literals as facts, and the one rule that says whether one fits a declared type.

Both readings of a file hand the judge the same fact for a literal value: its
kind as mypy names it (``str``, ``int``, ``None``, ``a function``...), its
value when it has one, and whether it is an f-string (``f"a"`` is
``Literal["a"]`` to mypy, ``f"{x}"`` a plain ``str``). The libcst judge
(``payload``) and the ast fast path (``fastpath``) each build this fact from
their own tree and ask :func:`scalar_fits`; neither restates the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from tscrun_lint.base.typemodel import (
    AnyType,
    ClassType,
    DictType,
    ListType,
    LiteralType,
    LiteralValue,
    NoneType_,
    Prim,
    SetType,
    TupleType,
    Type,
    TypedDictType,
    UnionType,
    is_nominal,
    is_subtype,
    prim_accepts,
)


@dataclass(frozen=True)
class Scalar:
    kind: str
    """``str``, ``bytes``, ``int``, ``float``, ``complex``, ``bool``, ``None`` or ``a function``."""
    value: LiteralValue | None = None
    """The literal's value (None when it has none that a Literal type could hold)."""
    fstring: bool = False
    """Written as an f-string: its value is known only without placeholders."""


def scalar_fits(fact: Scalar, t: Type) -> bool | None:
    """Is the scalar acceptable where ``t`` is declared? None: not sure (stay silent)."""
    kind = fact.kind
    if isinstance(t, AnyType):
        return True
    if kind == "a function":
        return False
    if isinstance(t, UnionType):
        results = [scalar_fits(fact, i) for i in t.items]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if isinstance(t, NoneType_):
        return kind == "None"
    if isinstance(t, Prim):
        return prim_accepts(t, kind)
    if isinstance(t, LiteralType):
        if kind in ("None", "float", "complex"):
            return False
        if fact.fstring:
            # f"a" is Literal["a"] to mypy, f"{x}" is str: only sure when no str fits
            return False if not any(isinstance(v, str) for v in t.values) else None
        return None if fact.value is None else t.has(fact.value)
    if isinstance(t, ListType) and kind in ("str", "bytes"):
        if t.origin in ("list", "MutableSequence"):
            return False
        return is_subtype(Prim("str" if kind == "str" else "int"), t.item)
    if isinstance(t, ListType | SetType | TupleType | DictType | TypedDictType):
        return False  # a scalar where a collection is declared
    if isinstance(t, ClassType):
        return False if is_nominal(t) else None  # "u" is no UserId, 1 no Decimal
    return None
