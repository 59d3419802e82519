"""Reading the event name of an emit call from what mypy knows about it.

A name is statically known when the argument is a string literal, or its type
carries the literal: a ``Final`` constant (here or imported, folded by mypy as
in ``A + ".b"``), a ``Literal[...]`` annotation, or a union of those. Anything else is dynamic (TSC002). A plain
module constant is typed ``str`` by mypy, so it counts as dynamic here; the
caller adds a note saying to declare it ``Final``.
"""

from __future__ import annotations

from mypy.nodes import GDEF, Expression, RefExpr, StrExpr, Var
from mypy.plugin import CheckerPluginInterface
from mypy.types import Instance, LiteralType, ProperType, UnionType, get_proper_type

_STR = "builtins.str"


def event_names(expr: Expression, api: CheckerPluginInterface) -> tuple[str, ...] | None:
    """The event name(s) ``expr`` can hold, or ``None`` if they are not statically known."""
    if isinstance(expr, StrExpr):
        return (expr.value,)
    found = _literal_strings(get_proper_type(api.get_expression_type(expr)))
    # NAME: Final[str] = "a.b" is typed str, but mypy keeps the folded value.
    if (found is None and isinstance(expr, RefExpr) and isinstance(expr.node, Var)
            and expr.node.is_final and isinstance(expr.node.final_value, str)):
        return (expr.node.final_value,)
    return found


def _literal_strings(typ: ProperType) -> tuple[str, ...] | None:
    if isinstance(typ, LiteralType):
        # bytes and enum literals also keep a str value; only str literals name events
        if isinstance(typ.value, str) and typ.fallback.type.fullname == _STR:
            return (typ.value,)
        return None
    if isinstance(typ, Instance) and typ.last_known_value is not None:
        return _literal_strings(typ.last_known_value)
    if isinstance(typ, UnionType):
        names: list[str] = []
        for item in typ.items:
            found = _literal_strings(get_proper_type(item))
            if found is None:
                return None
            names.extend(n for n in found if n not in names)
        return tuple(names)
    return None


def is_plain_constant(expr: Expression) -> bool:
    """Does ``expr`` name a module variable that is not ``Final`` (so mypy keeps no value)?"""
    return (isinstance(expr, RefExpr) and expr.kind == GDEF and isinstance(expr.node, Var)
            and not expr.node.is_final)
