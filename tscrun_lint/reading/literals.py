"""Literal expressions, read statically: their values and the types mypy gives them.

Shared by the catalog (``Literal[...]`` arguments, constants) and the payload judge
(describing and typing the values written in a payload).
"""

from __future__ import annotations

import libcst as cst

from tscrun_lint.judge.scalars import Scalar
from tscrun_lint.base.typemodel import (
    ANY,
    NONE,
    DictType,
    ListType,
    LiteralValue,
    Prim,
    SetType,
    TupleType,
    Type,
)


def string_value(node: cst.BaseExpression) -> str | bytes | None:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        try:
            return node.evaluated_value
        except (SyntaxError, ValueError, cst.CSTValidationError):  # "\N{nonsense}", b"" ""
            return None
    return None


def bool_literal(node: cst.BaseExpression | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def literal_value(node: cst.BaseExpression) -> LiteralValue | None:
    text = string_value(node)
    if text is not None:
        return text
    flag = bool_literal(node)
    if flag is not None:
        return flag
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.expression, cst.Integer):
        if isinstance(node.operator, cst.Minus):
            return -int(node.expression.evaluated_value)
        if isinstance(node.operator, cst.Plus):
            return int(node.expression.evaluated_value)
    return None


def _join(descriptions: list[str | None]) -> str | None:
    known = [d for d in descriptions if d is not None]
    if len(known) != len(descriptions):
        return None
    unique = list(dict.fromkeys(known))
    return " | ".join(unique) if unique else None


def literal_description(expr: cst.BaseExpression, depth: int = 0) -> str | None:
    """The type mypy would give a literal expression on its own, or None if not a literal.

    Deeply nested displays are cut short (``list[list[list[list]]]``)."""
    if isinstance(expr, cst.NamedExpr):
        return literal_description(expr.value, depth)
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        value = string_value(expr)
        if isinstance(value, bytes):
            return "bytes"
        return "str"
    if isinstance(expr, cst.FormattedString):
        return "str"
    if isinstance(expr, cst.Integer):
        return "int"
    if isinstance(expr, cst.Float):
        return "float"
    if isinstance(expr, cst.Imaginary):
        return "complex"
    if isinstance(expr, cst.UnaryOperation):
        if isinstance(expr.operator, cst.Not):
            return "bool"
        if isinstance(expr.operator, cst.Minus | cst.Plus) and isinstance(
                expr.expression, cst.Integer | cst.Float | cst.Imaginary):
            return literal_description(expr.expression, depth)
        return None
    if isinstance(expr, cst.Name):
        return {"True": "bool", "False": "bool", "None": "None"}.get(expr.value)
    if isinstance(expr, cst.List | cst.Set | cst.Tuple | cst.Dict) and depth >= 3:
        return {cst.List: "list", cst.Set: "set", cst.Tuple: "tuple", cst.Dict: "dict"}[type(expr)]
    if isinstance(expr, cst.List | cst.Set | cst.Tuple):
        inner = [literal_description(e.value, depth + 1) if isinstance(e, cst.Element) else None
                 for e in expr.elements]
        joined = _join(inner)
        if isinstance(expr, cst.Tuple):
            if not expr.elements:
                return "tuple[()]"
            return "tuple[" + ", ".join(i or "Any" for i in inner) + "]"
        kind = "list" if isinstance(expr, cst.List) else "set"
        return f"{kind}[{joined}]" if joined else kind
    if isinstance(expr, cst.Dict):
        keys = [literal_description(e.key, depth + 1) if isinstance(e, cst.DictElement) else None
                for e in expr.elements]
        values = [literal_description(e.value, depth + 1) if isinstance(e, cst.DictElement) else None
                  for e in expr.elements]
        k, v = _join(keys), _join(values)
        return f"dict[{k}, {v}]" if k and v else "dict"
    if isinstance(expr, cst.ListComp):
        return "list"
    if isinstance(expr, cst.SetComp):
        return "set"
    if isinstance(expr, cst.DictComp):
        return "dict"
    if isinstance(expr, cst.GeneratorExp):
        return "a generator"
    if isinstance(expr, cst.Lambda):
        return "a function"
    return None


_SCALARS: dict[str, Type] = {"str": Prim("str"), "bytes": Prim("bytes"), "int": Prim("int"),
                             "float": Prim("float"), "complex": Prim("complex"),
                             "bool": Prim("bool"), "None": NONE}
_NUMERIC_ORDER = ("bool", "int", "float", "complex")


def _join_types(types: list[Type | None]) -> Type | None:
    """mypy's join of element types, where it is easy: equal types, or numbers."""
    if not types or any(t is None for t in types):
        return None
    first = types[0]
    if all(t == first for t in types):
        return first
    if all(isinstance(t, Prim) and t.name in _NUMERIC_ORDER for t in types):
        names = [t.name for t in types if isinstance(t, Prim)]
        return Prim(max(names, key=_NUMERIC_ORDER.index))
    return None


def infer_type(expr: cst.BaseExpression) -> Type | None:
    """The type mypy infers for a literal without context (None when unsure).

    Used where mypy has no declared type to guide it (the value of a walrus).
    Literal values widen to their class. Unknown dict items count as ``object``
    (``ANY`` here): a dict is never a TypedDict whatever its item types.
    """
    if isinstance(expr, cst.NamedExpr):
        return infer_type(expr.value)
    if isinstance(expr, cst.List | cst.Set):
        if any(not isinstance(e, cst.Element) for e in expr.elements):
            return None
        item = _join_types([infer_type(e.value) for e in expr.elements])
        if item is None:
            return None
        return ListType(item) if isinstance(expr, cst.List) else SetType(item)
    if isinstance(expr, cst.Tuple):
        if any(not isinstance(e, cst.Element) for e in expr.elements):
            return None
        items = [infer_type(e.value) for e in expr.elements]
        if any(i is None for i in items):
            return None
        return TupleType(tuple(i for i in items if i is not None))
    if isinstance(expr, cst.Dict):
        if not expr.elements:
            return None
        keys = [infer_type(e.key) if isinstance(e, cst.DictElement) else None
                for e in expr.elements]
        values = [infer_type(e.value) if isinstance(e, cst.DictElement) else None
                  for e in expr.elements]
        return DictType(_join_types(keys) or ANY, _join_types(values) or ANY)
    if isinstance(expr, cst.ListComp | cst.SetComp):
        item = infer_type(expr.elt)
        if item is None:
            return None
        return ListType(item) if isinstance(expr, cst.ListComp) else SetType(item)
    if isinstance(expr, cst.DictComp):
        return DictType(infer_type(expr.key) or ANY, infer_type(expr.value) or ANY)
    kind = literal_description(expr)
    return _SCALARS.get(kind) if kind is not None else None


def is_non_mapping_literal(expr: cst.BaseExpression) -> bool:
    return not isinstance(expr, cst.Dict | cst.DictComp) and literal_description(expr) is not None


CONTAINERS = (cst.List, cst.Set, cst.Dict, cst.Tuple, cst.ListComp, cst.SetComp, cst.DictComp,
               cst.GeneratorExp)


def has_empty_display(expr: cst.BaseExpression, depth: int = 0) -> bool:
    """Does ``expr`` hold an empty list/dict/set display (a type with Never in it)?"""
    if depth > 50:
        return True
    if isinstance(expr, cst.List | cst.Set | cst.Dict) and not expr.elements:
        return True
    if isinstance(expr, cst.NamedExpr):
        return has_empty_display(expr.value, depth + 1)
    if isinstance(expr, cst.IfExp):
        return has_empty_display(expr.body, depth + 1) or has_empty_display(expr.orelse,
                                                                              depth + 1)
    if isinstance(expr, cst.List | cst.Set | cst.Tuple):
        return any(has_empty_display(e.value, depth + 1) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return any(has_empty_display(e.key, depth + 1) or has_empty_display(e.value, depth + 1)
                   if isinstance(e, cst.DictElement) else has_empty_display(e.value, depth + 1)
                   for e in expr.elements)
    return False


def scalar_fact(expr: cst.BaseExpression, kind: str) -> Scalar:
    """The judge's fact for a scalar literal whose ``literal_description`` is ``kind``."""
    return Scalar(kind, literal_value(expr), isinstance(expr, cst.FormattedString))
