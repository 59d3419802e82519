"""Payloads written the way applications write them, generated for the differential tests.

A case is one ``async def`` that emits an event whose payload is correct except for
one field, whose value comes from one *form*: a parameter, a dataclass attribute, a
property, a method or classmethod, a project function (also re-exported), a
function of the same module, a stdlib call, a local, a narrowed optional, a
conditional, ``or``, an f-string or ``%``/``+``/``*``, a comprehension, a TypedDict
item or ``.get``, a ``**`` spread, a generic TypedDict. The value's type is drawn
from a small set, so it may or may not fit the field: plain mypy decides
(tests/lint_catalog/test_realistic_differential.py), and the two readings of the
analyzer must agree on every case (tests/fuzz/test_readings.py).
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass, field

CONFIG = """\
project-name = "realistic"

[events.subscribers.audit]
events = ["user.registered", "order.completed", "profile.updated", "audit.logged"]

[events.types]
"audit.logged" = "events.audit:AuditLogged"
"""

FILES = {
    "events/__init__.py": "",
    "events/user_registered.py": """\
        from typing import NotRequired, TypedDict


        class UserRegisteredEvent(TypedDict):
            id: str
            name: str
            email: str
            registeredAt: str
            age: NotRequired[int]
            coupon: NotRequired[str | None]
        """,
    "events/order_completed.py": """\
        from typing import NotRequired, TypedDict


        class OrderLine(TypedDict):
            sku: str
            quantity: int


        class OrderCompletedEvent(TypedDict):
            orderId: str
            total: float
            lines: list[OrderLine]
            note: NotRequired[str]
        """,
    "events/profile_updated.py": """\
        from typing import Literal, TypedDict


        class ProfileUpdatedEvent(TypedDict):
            id: str
            tags: list[str]
            score: int | None
            status: Literal["active", "inactive"]
        """,
    "events/audit.py": """\
        from typing import Generic, TypedDict, TypeVar

        T = TypeVar("T")


        class Envelope(TypedDict, Generic[T]):
            id: str
            body: T


        AuditLogged = Envelope[int]
        """,
    "functions/__init__.py": "",
    "functions/subscribers/__init__.py": "",
    "functions/subscribers/audit.py": "async def listen(event: object) -> None: ...\n",
    "app/__init__.py": "from app.models import Account as Account, make_str as make_str\n",
    "app/models.py": """\
        from dataclasses import dataclass
        from typing import NamedTuple, NotRequired, TypedDict


        @dataclass
        class Account:
            s: str
            i: int
            f: float
            o: str | None
            ls: list[str]

            @property
            def p_s(self) -> str:
                return self.s

            @property
            def p_i(self) -> int:
                return self.i

            def m_s(self) -> str:
                return self.s

            def m_i(self) -> int:
                return self.i

            def m_o(self) -> str | None:
                return self.o

            @classmethod
            def load(cls) -> "Account":
                return cls("a", 1, 1.0, None, [])


        class Point(NamedTuple):
            s: str
            i: int


        class UserPart(TypedDict):
            name: str
            email: str


        class Source(TypedDict):
            s: str
            i: int
            o: NotRequired[str | None]


        def make_str() -> str:
            return "x"


        def make_int() -> int:
            return 1


        def make_opt() -> str | None:
            return None


        async def fetch_str() -> str:
            return "x"


        async def fetch_int() -> int:
            return 1
        """,
}

HEADER = """\
import time
import uuid
from datetime import UTC, datetime

from app import Account, make_str
from app.models import Point, Source, UserPart, fetch_int, fetch_str, make_int, make_opt
from events.order_completed import OrderCompletedEvent, OrderLine
from tscrun import events


def local_str() -> str:
    return "x"


def local_int() -> int:
    return 1


LIMIT = 3
"""

# The value kinds a form can produce: (annotation, an expression of that type without context)
KINDS = {
    "str": ("str", '"s"'), "int": ("int", "1"), "float": ("float", "1.5"),
    "bool": ("bool", "True"), "opt": ("str | None", "None"), "list": ("list[str]", '["a"]'),
}

# The events and the field each case replaces: field -> declared kind name (for the
# correct values of the other fields).
EVENTS = {
    "user.registered": {"id": '"1"', "name": '"n"', "email": '"e"', "registeredAt": '"t"',
                        "age?": "3", "coupon?": '"c"'},
    "order.completed": {"orderId": '"o"', "total": "2.5",
                        "lines": '[{"sku": "a", "quantity": 1}]', "note?": '"n"'},
    "profile.updated": {"id": '"1"', "tags": '["a"]', "score": "None", "status": '"active"'},
    "audit.logged": {"id": '"1"', "body": "1"},
}


@dataclass
class Case:
    form: str
    event: str
    key: str
    params: list[str] = field(default_factory=list)
    prelude: list[str] = field(default_factory=list)
    value: str = ""
    spread: str | None = None


def _form(rng: random.Random, form: str, kind: str) -> tuple[list[str], list[str], str] | None:
    """(parameters, statements before the emit, the value) of ``kind`` written as ``form``."""
    ann, literal = KINDS[kind]
    attr = {"str": "s", "int": "i", "float": "f", "opt": "o", "list": "ls"}.get(kind)
    if form == "parameter":
        return [f"v: {ann}"], [], "v"
    if form == "attribute":
        return (["acc: Account"], [], f"acc.{attr}") if attr else None
    if form == "property":
        return (["acc: Account"], [], f"acc.p_{attr}") if kind in ("str", "int") else None
    if form == "method":
        return (["acc: Account"], [], f"acc.m_{attr}()") if kind in ("str", "int", "opt") else None
    if form == "classmethod":
        return ([], [], f"Account.load().{attr}") if attr else None
    if form == "namedtuple":
        return (["pt: Point"], [], f"pt.{attr}") if kind in ("str", "int") else None
    if form == "project call":
        calls = {"str": "make_str()", "int": "make_int()", "opt": "make_opt()"}
        return ([], [], calls[kind]) if kind in calls else None
    if form == "awaited call":
        calls = {"str": "await fetch_str()", "int": "await fetch_int()"}
        return ([], [], calls[kind]) if kind in calls else None
    if form == "local function":
        calls = {"str": "local_str()", "int": "local_int()"}
        return ([], [], calls[kind]) if kind in calls else None
    if form == "stdlib call":
        calls = {"str": ["uuid.uuid4().hex", "str(uuid.uuid4())", "datetime.now(UTC).isoformat()",
                         "datetime.now(UTC).strftime('%Y')"],
                 "int": ["time.time_ns()", "datetime.now(UTC).year", "len('abc')"],
                 "float": ["time.time()", "datetime.now(UTC).timestamp()"],
                 "bool": ["'a'.isdigit()"],
                 "opt": ["uuid.uuid4()", "datetime.now(UTC)"]}  # other classes, as "opt" slot
        return ([], [], rng.choice(calls[kind])) if kind in calls else None
    if form == "local":
        return [f"v: {ann}"], ["x = v"], "x"
    if form == "annotated local":
        return [f"v: {ann}"], [f"x: {ann} = v"], "x"
    if form == "narrowing":
        if kind == "opt":
            return None
        return [f"v: {ann} | None"], ["if v is None:", "    return"], "v"
    if form == "conditional":
        other = rng.choice(list(KINDS))
        return [f"v: {ann}", f"w: {KINDS[other][0]}", "flag: bool"], [], "v if flag else w"
    if form == "or":
        return [f"v: {ann} | None"], [], f"v or {literal}"
    if form == "operator":
        ops = {"str": ["f'{v}'", "'%s' % v", "v + 'x'", "v * 2", "v.upper()", "v.strip().lower()"],
               "int": ["v + 1", "v * LIMIT", "v // 2", "v / 2", "-v", "f'{v}'"],
               "float": ["v * 2", "v + 1", "v - 0.5"]}
        if kind not in ops:
            return None
        return [f"v: {ann}"], [], rng.choice(ops[kind])
    if form == "comprehension":
        inner = {"str": "[s.upper() for s in names]", "int": "[len(s) for s in names]",
                 "list": "[s for s in names]"}
        if kind not in inner:
            return None
        return ["names: list[str]"], [], inner[kind]
    if form == "typeddict item":
        items = {"str": 'src["s"]', "int": 'src["i"]', "opt": 'src.get("o")'}
        return (["src: Source"], [], items[kind]) if kind in items else None
    if form == "dict item":
        return [f"table: dict[str, {ann}]"], [], rng.choice(['table["k"]', 'table.get("k")'])
    return None


FORMS = ("parameter", "attribute", "property", "method", "classmethod", "namedtuple",
         "project call", "awaited call", "local function", "stdlib call", "local",
         "annotated local", "narrowing", "conditional", "or", "operator", "comprehension",
         "typeddict item", "dict item", "spread", "generic typeddict")


def make_case(rng: random.Random, form: str) -> Case:
    if form == "spread":
        src = rng.choice(["Source", "dict[str, str]", "dict[str, object]", "UserPart",
                          "UserPart", "UserPart | None"])
        case = Case(form, "user.registered", "**", params=[f"base: {src}"])
        case.spread = "base" if not src.endswith("None") else "(base or {})"
        if src.startswith("UserPart"):
            case.key = "name,email"  # those come from the spread
        return case
    if form == "generic typeddict":
        kind = rng.choice(list(KINDS))
        ann = KINDS[kind][0]
        return Case(form, "audit.logged", "body", params=[f"v: {ann}"], value="v")
    for _ in range(100):
        event = rng.choice(list(EVENTS))
        key = rng.choice(list(EVENTS[event])).rstrip("?")
        kind = rng.choice(list(KINDS))
        made = _form(rng, form, kind)
        if made is not None:
            params, prelude, value = made
            return Case(form, event, key, params, prelude, value)
    raise AssertionError(f"no case for {form}")


def payload(case: Case) -> str:
    items = []
    if case.spread is not None:
        items.append(f"**{case.spread}")
    for key, literal in EVENTS[case.event].items():
        optional = key.endswith("?")
        key = key.rstrip("?")
        if key == case.key:
            items.append(f'"{key}": {case.value}')
        elif key in case.key.split(","):
            continue  # comes from the spread
        elif not optional:
            items.append(f'"{key}": {literal}')
    return "{" + ", ".join(items) + "}"


def render(cases: list[Case]) -> tuple[str, list[int]]:
    """One module holding every case; the line of each case's emit call."""
    lines = HEADER.splitlines()
    at: list[int] = []
    for n, case in enumerate(cases):
        lines += ["", "", f"async def case_{n}({', '.join(case.params)}) -> None:"]
        lines += [f"    {s}" for s in case.prelude]
        at.append(len(lines) + 1)
        lines.append(f'    await events.emit("{case.event}", {payload(case)})')
    return "\n".join(lines) + "\n", at


def write(root: "object", source: str) -> None:
    from pathlib import Path

    base = Path(str(root))
    layout = dict(FILES)
    layout["tscrun.toml"] = CONFIG
    layout["functions/api/__init__.py"] = ""
    layout["functions/__init__.py"] = ""
    layout["functions/api/cases.py"] = source
    for rel, text in layout.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if not rel.endswith("cases.py") else text,
                        encoding="utf-8")
