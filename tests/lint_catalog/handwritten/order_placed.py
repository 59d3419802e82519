import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Literal, NewType, NotRequired, TypedDict

UserId = NewType("UserId", str)

class Color(StrEnum):
    RED = "red"

class Status(Enum):
    OK = "ok"


class Level(IntEnum):
    LOW = 1


@dataclass
class Owner:
    name: str


class Admin(Owner):
    pass

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
    created: NotRequired[datetime.datetime]
    day: NotRequired[datetime.date]
    ref: NotRequired[uuid.UUID]
    level: NotRequired[Level]
    state: NotRequired[Status | None]
    owner: NotRequired[Owner]
    colors: NotRequired[list[Color]]
