from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class WrongValueType(PayloadRule):
    """A payload value does not have the type its TypedDict field declares.

    Values are judged when their type is certain: literals, containers of
    literals, nested dicts, and names whose type is declared (annotated
    variables and parameters). An ``int`` is accepted where ``float`` is
    expected, as mypy does. Anything else is left to mypy.
    """

    CODE = "TSC103"
    WHY = ("Subscribers trust the declared types: a `str` where an `int` is expected fails far "
           "from the emit, in code that did nothing wrong.")
    FIX = "Convert the value at the emit site, or correct the field's type in the TypedDict."

    VALID = (
        Valid("""
            from tscrun import events

            async def run(order_id: str, user_id: str) -> None:
                await events.emit("order.completed", {
                    "orderId": order_id, "userId": user_id, "total": 3,
                    "lines": [{"sku": "a", "quantity": 1, "price": 3}],
                })
            """),
    )
    INVALID = (
        Invalid("""
            from tscrun import events

            async def run(user_id: str) -> None:
                await events.emit("order.completed", {
                    "orderId": "o1", "userId": user_id, "total": "12.50",
                    "lines": [{"sku": "a", "quantity": "1", "price": 12.5}],
                })
            """, expect=("TSC103 5:54", "TSC103 6:44")),
    )
