from decimal import Decimal
from enum import Enum, StrEnum
from typing import Literal, NewType, NotRequired, TypedDict

UserId = NewType("UserId", str)

class Color(StrEnum):
    RED = "red"

class Status(Enum):
    OK = "ok"

class Line(TypedDict):
    sku: str
    qty: int

class OrderPlaced(TypedDict):
    id: str
    user: UserId
    total: float
    count: int
    paid: bool
    lines: list[Line]
    tags: NotRequired[list[str]]
    meta: NotRequired[dict[str, object]]
    color: NotRequired[Color]
    status: NotRequired[Literal["new", "paid"]]
    price: NotRequired[Decimal]
    note: NotRequired[str | None]
