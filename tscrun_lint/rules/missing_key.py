from __future__ import annotations

from tscrun_lint.rules._payload import PayloadRule
from tscrun_lint.rules.base import Invalid, Valid


class MissingKey(PayloadRule):
    """The payload lacks keys that the event's TypedDict requires.

    Required keys are those of a ``total=True`` TypedDict (the default) not
    marked ``NotRequired``, and those marked ``Required`` in a ``total=False``
    one, inherited keys included. Nested TypedDicts (in lists, dicts, ...) are
    checked the same way.
    """

    CODE = "TSC101"
    WHY = ("Subscribers index the payload by its declared keys; a missing one is a `KeyError` "
           "in every subscriber, after the emitter has moved on.")
    FIX = "Add the missing key(s), or mark the field `NotRequired` in the TypedDict if it is optional."

    VALID = (
        Valid("""
            from tscrun import events

            async def run() -> None:
                # "age" is NotRequired
                await events.emit("user.registered", {"id": "1", "name": "A", "email": "e", "registeredAt": "t"})
            """),
    )
    INVALID = (
        Invalid("""
            from tscrun import events

            async def run(order_id: str, user_id: str) -> None:
                await events.emit("order.completed", {
                    "orderId": order_id,
                    "userId": user_id,
                    "lines": [{"sku": "book-1", "quantity": 2, "price": 12.5}],
                })
            """, expect=("TSC101 4:42",)),
        Invalid("""
            from tscrun import events

            async def run() -> None:
                await events.emit("order.completed", {
                    "orderId": "o1", "userId": "u1", "total": 3.0,
                    "lines": [{"sku": "book-1", "price": 3.0}],
                })
            """, expect=("TSC101 6:19",)),
    )
