"""TypedDict modules written for tests/lint_catalog/test_typeddict_conformance.py, in the
shape of the typing spec's conformance tests (typeddicts_*.py) and mypy's
check-typeddict.test: definitions, then values given to them in annotated assignments.
Whether each value fits is left to mypy (the oracle); no expectation is written here.
"""

from __future__ import annotations

MODULES: dict[str, str] = {}

MODULES["class_syntax"] = '''\
from typing import TypedDict


class Movie(TypedDict):
    name: str
    year: int


good: Movie = {"name": "Blade Runner", "year": 1982}
missing: Movie = {"name": "Blade Runner"}
extra: Movie = {"name": "Blade Runner", "year": 1982, "director": "Scott"}
wrong: Movie = {"name": "Blade Runner", "year": "1982"}
wrong_name: Movie = {"name": 1982, "year": 1982}
call_form: Movie = Movie(name="Blade Runner", year=1982)
call_wrong: Movie = Movie(name="Blade Runner", year="1982")
dict_call: Movie = dict(name="Blade Runner", year=1982)
dict_call_wrong: Movie = dict(name="Blade Runner", year=None)
empty: Movie = {}
not_a_dict: Movie = ["Blade Runner", 1982]
a_string: Movie = "Blade Runner"
'''

MODULES["alt_syntax"] = '''\
from typing import NotRequired, TypedDict

Movie = TypedDict("Movie", {"name": str, "year": int})
Partial = TypedDict("Partial", {"name": str, "year": int}, total=False)
Odd = TypedDict("Odd", {"my-key": int, "class": str})

m1: Movie = {"name": "Alien", "year": 1979}
m2: Movie = {"name": "Alien", "year": 1979.0}
p1: Partial = {}
p2: Partial = {"year": 1979}
p3: Partial = {"year": "1979"}
o1: Odd = {"my-key": 1, "class": "c"}
o2: Odd = {"my-key": "1", "class": "c"}
o3: Odd = {"my-key": 1}
'''

MODULES["totality"] = '''\
from typing import NotRequired, Required, TypedDict


class Options(TypedDict, total=False):
    verbose: bool
    level: Required[int]


class Point(TypedDict):
    x: int
    y: int
    label: NotRequired[str]


o1: Options = {"level": 1}
o2: Options = {"verbose": True}
o3: Options = {"level": 1, "verbose": True}
o4: Options = {"level": 1, "verbose": "yes"}
p1: Point = {"x": 1, "y": 2}
p2: Point = {"x": 1, "y": 2, "label": "origin"}
p3: Point = {"x": 1, "label": "origin"}
p4: Point = {"x": 1, "y": 2, "label": None}
p5: Point = {"x": 1.5, "y": 2}
p6: Point = {"x": True, "y": 2}
'''

MODULES["inheritance"] = '''\
from typing import NotRequired, TypedDict


class Base(TypedDict):
    id: str


class Named(Base):
    name: str


class Aged(Named, total=False):
    age: int


class Mixed(Named):
    tags: list[str]
    score: NotRequired[float]


n1: Named = {"id": "1", "name": "n"}
n2: Named = {"name": "n"}
n3: Named = {"id": 1, "name": "n"}
a1: Aged = {"id": "1", "name": "n"}
a2: Aged = {"id": "1", "name": "n", "age": 3}
a3: Aged = {"id": "1", "name": "n", "age": "3"}
a4: Aged = {"id": "1", "age": 3}
x1: Mixed = {"id": "1", "name": "n", "tags": ["a"]}
x2: Mixed = {"id": "1", "name": "n", "tags": ("a",)}
x3: Mixed = {"id": "1", "name": "n", "tags": [1]}
x4: Mixed = {"id": "1", "name": "n", "tags": [], "score": 1}
x5: Mixed = {"id": "1", "name": "n", "tags": [], "score": "high"}
'''

MODULES["readonly"] = '''\
from typing import NotRequired, ReadOnly, Required, TypedDict


class Band(TypedDict):
    name: ReadOnly[str]
    members: ReadOnly[list[str]]


class Counted(TypedDict):
    a: ReadOnly[int]
    b: ReadOnly[NotRequired[int]]
    c: ReadOnly[int]


class Narrower(Counted):
    a: ReadOnly[bool]
    c: ReadOnly[NotRequired[int]]


class Widened(TypedDict, total=False):
    a: ReadOnly[Required[int]]
    c: ReadOnly[float]


b1: Band = {"name": "Blur", "members": ["Damon"]}
b2: Band = {"name": "Blur", "members": "Damon"}
narrow: Narrower = {"a": True, "c": 1}
n2: Narrower = {"a": 1, "c": 1}
n3: Narrower = {"a": True}
c1: Counted = narrow
c2: Counted = {"a": 1, "c": 2}
c3: Counted = {"a": 1}
w1: Widened = {"a": 1}
w2: Widened = {"a": 1, "c": 1}
w3: Widened = {"c": 1.5}
'''

MODULES["consistency"] = '''\
from typing import Any, Mapping, NotRequired, TypedDict


class A1(TypedDict):
    x: int | None


class B1(TypedDict):
    x: int


class A2(TypedDict, total=False):
    x: int


class B3(TypedDict):
    x: int
    y: int


class A3(TypedDict):
    x: int


class Obj(TypedDict):
    x: object


b1: B1 = {"x": 0}
b2: B1 = {"x": 1}
b3: B3 = {"x": 0, "y": 0}
obj: Obj = {"x": 1}
a1: A1 = b1
a2: A2 = b1
a3: A3 = b3
a3_literal: A3 = {"x": 0, "y": 0}
o1: Obj = b1
i1: B1 = obj
same: B1 = b2
'''

MODULES["nesting"] = '''\
from typing import Literal, NotRequired, TypedDict


class Inner(TypedDict):
    key: str


class Middle(TypedDict):
    inner: Inner
    items: list[Inner]
    table: dict[str, Inner]


class Outer(TypedDict):
    middle: Middle
    kind: Literal["a", "b"]
    extra: NotRequired[Inner | None]


good: Outer = {"middle": {"inner": {"key": "k"}, "items": [], "table": {}}, "kind": "a"}
bad_inner: Outer = {"middle": {"inner": {"key": 1}, "items": [], "table": {}}, "kind": "a"}
bad_list: Outer = {"middle": {"inner": {"key": "k"}, "items": [{"key": 2}], "table": {}}, "kind": "b"}
bad_table: Outer = {"middle": {"inner": {"key": "k"}, "items": [], "table": {"t": {}}}, "kind": "b"}
bad_kind: Outer = {"middle": {"inner": {"key": "k"}, "items": [], "table": {}}, "kind": "c"}
none_extra: Outer = {"middle": {"inner": {"key": "k"}, "items": [], "table": {}}, "kind": "a", "extra": None}
missing_inner: Outer = {"middle": {"items": [], "table": {}}, "kind": "a"}
'''

MODULES["generic"] = '''\
from typing import Generic, NotRequired, TypedDict, TypeVar

T = TypeVar("T")
S = TypeVar("S")


class Box(TypedDict, Generic[T]):
    content: T
    label: str


class Pair(TypedDict, Generic[T, S]):
    first: T
    second: S
    note: NotRequired[T]


IntBox = Box[int]
StrPair = Pair[str, str]
AnyBox = Box

b1: Box[int] = {"content": 1, "label": "l"}
b2: Box[int] = {"content": "1", "label": "l"}
b3: Box[str] = {"content": "1", "label": 2}
b4: IntBox = {"content": 1, "label": "l"}
b5: IntBox = {"content": None, "label": "l"}
p1: Pair[int, str] = {"first": 1, "second": "s"}
p2: Pair[int, str] = {"first": "s", "second": 1}
p3: StrPair = {"first": "a", "second": "b", "note": "n"}
p4: StrPair = {"first": "a", "second": "b", "note": 3}
p5: Pair[list[int], int] = {"first": [1], "second": 2}
p6: Pair[list[int], int] = {"first": ["1"], "second": 2}
'''

MODULES["values_from_names"] = '''\
from typing import Any, NotRequired, TypedDict


class User(TypedDict):
    id: str
    age: int
    nick: NotRequired[str | None]


USER_ID = "u1"
COUNT: int = 3
MAYBE: str | None = None
ANYTHING: Any = object()
NUMBERS = [1, 2]
BASE: dict[str, Any] = {"id": "1", "age": 3}
TEXTS: dict[str, str] = {"id": "1"}
known: User = {"id": "1", "age": 1}
EITHER: User | dict[str, int] = {"id": "1", "age": 1}


def number() -> int:
    return 1


def text() -> str:
    return "t"


def maybe_text() -> str | None:
    return None


u1: User = {"id": USER_ID, "age": COUNT}
u2: User = {"id": COUNT, "age": COUNT}
u3: User = {"id": USER_ID, "age": MAYBE}
u4: User = {"id": ANYTHING, "age": ANYTHING}
u5: User = {"id": text(), "age": number()}
u6: User = {"id": number(), "age": number()}
u7: User = {"id": text(), "age": 1, "nick": maybe_text()}
u8: User = {"id": text(), "age": text()}
u9: User = NUMBERS
u10: User = {**known}
u11: User = {**known, "age": "old"}
u12: User = {**BASE}
u13: User = {**TEXTS, "age": 1}
u14: User = {**EITHER}
u15: User = {"id": str(COUNT), "age": len(USER_ID)}
u16: User = {"id": f"{COUNT}", "age": COUNT * 2}
u17: User = {"id": USER_ID + "x", "age": COUNT / 2}
u18: User = {"id": USER_ID.upper(), "age": int(USER_ID)}
u19: User = {"id": "%s" % COUNT, "age": round(1.5)}
u20: User = {"id": USER_ID or "x", "age": COUNT if COUNT else 0}
'''

MODULES["keys"] = '''\
from typing import Final, Literal, TypedDict


class Row(TypedDict):
    key: str
    value: int


KEY: Final = "key"
VALUE_KEY: Literal["value"] = "value"
DYNAMIC = "key"


def any_key() -> str:
    return "key"


r1: Row = {KEY: "k", "value": 1}
r2: Row = {KEY: 1, "value": 1}
r3: Row = {"key": "k", VALUE_KEY: "v"}
r4: Row = {DYNAMIC: "k", "value": 1}
r5: Row = {any_key(): "k", "value": 1}
r6: Row = {"key": "k", "value": 1, "other": 2}
r7: Row = {"key": "k", "val" + "ue": 1}
'''

MODULES["classes_and_attributes"] = '''\
from dataclasses import dataclass
from typing import NamedTuple, TypedDict


class Event(TypedDict):
    name: str
    count: int


@dataclass
class Source:
    name: str
    count: int
    ratio: float


class Pair(NamedTuple):
    name: str
    count: int


class Holder:
    limit: int = 3

    def label(self) -> str:
        return "l"

    @property
    def size(self) -> int:
        return 1

    @classmethod
    def build(cls) -> str:
        return "b"


SOURCE = Source("s", 1, 0.5)
PAIR = Pair("p", 2)
HOLDER = Holder()

e1: Event = {"name": SOURCE.name, "count": SOURCE.count}
e2: Event = {"name": SOURCE.name, "count": SOURCE.ratio}
e3: Event = {"name": PAIR.name, "count": PAIR.count}
e4: Event = {"name": PAIR.count, "count": PAIR.count}
e5: Event = {"name": HOLDER.label(), "count": HOLDER.size}
e6: Event = {"name": HOLDER.size, "count": HOLDER.limit}
e7: Event = {"name": Holder.build(), "count": HOLDER.limit}
e8: Event = {"name": PAIR[0], "count": PAIR[1]}
e9: Event = {"name": SOURCE, "count": 1}
'''

MODULES["collections"] = '''\
from typing import Sequence, TypedDict


class Batch(TypedDict):
    ids: list[str]
    sizes: dict[str, int]
    tags: set[str]
    pair: tuple[int, str]
    seq: Sequence[int]


WORDS = ["a", "b"]

b1: Batch = {"ids": [w for w in WORDS], "sizes": {w: len(w) for w in WORDS}, "tags": {"t"}, "pair": (1, "a"), "seq": [1]}
b2: Batch = {"ids": [len(w) for w in WORDS], "sizes": {}, "tags": set(), "pair": (1, "a"), "seq": (1,)}
b3: Batch = {"ids": [], "sizes": {w: w for w in WORDS}, "tags": set(), "pair": (1, "a"), "seq": []}
b4: Batch = {"ids": [], "sizes": {}, "tags": ["t"], "pair": (1, "a"), "seq": []}
b5: Batch = {"ids": [], "sizes": {}, "tags": set(), "pair": ("a", 1), "seq": []}
b6: Batch = {"ids": [], "sizes": {}, "tags": set(), "pair": (1, "a", 2), "seq": []}
b7: Batch = {"ids": WORDS, "sizes": {}, "tags": set(), "pair": (1, "a"), "seq": "abc"}
b8: Batch = {"ids": list(WORDS), "sizes": dict(a=1), "tags": set(WORDS), "pair": (1, "a"), "seq": range(3)}
'''
