from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class WrongValueType(PayloadRule):
    """A payload value does not have the type its TypedDict field declares.

    Values are judged when their type is certain from declarations: literals
    and displays, parameters and annotated or once-assigned locals, attributes,
    properties and methods of project classes (dataclasses, NamedTuples, plain
    annotated classes), return annotations of project functions (across modules
    and re-exports), standard-library calls (read from typeshed's stubs),
    TypedDict and dict items, operators, f-strings, ``or``, conditionals and
    comprehensions. An ``int`` is accepted where ``float`` is expected, as mypy
    does. A name a condition may have narrowed (other than by ``if x is None:
    return``), a decorated function, an unannotated one: left to mypy.
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
        Invalid("""
            from uuid import uuid4

            from tscrun import events

            async def run(user_id: int) -> None:
                await events.emit("user.verified", {"id": user_id, "email": "e",
                                                    "verifiedAt": uuid4()})
            """, expect=("TSC103 6:47", "TSC103 7:55")),
    )
