"""Payload forms written by hand, apart from the analyzer's own generators: what
application code passes to ``emit`` (see test_handwritten_differential.py).

Each case is (parameters, statements before the emit, payload expression); every
payload is checked against ``OrderPlaced`` (order_placed.py here).
"""

# ruff: noqa: E501

PRELUDE = '''from __future__ import annotations
import uuid, datetime, os, json, enum, dataclasses, typing
from decimal import Decimal
from typing import Any, cast, Final, Literal, NamedTuple
from collections import Counter, defaultdict, OrderedDict
from events.order_placed import OrderPlaced, Line, UserId, Color, Status, Level, Owner, Admin
from tscrun import events

BASE: Final = {"sku": "a", "qty": 1}

@dataclasses.dataclass
class User:
    id: str
    age: int
    name: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    @property
    def display(self) -> str: return self.id
    def total(self) -> float: return 1.0
    @classmethod
    def make(cls) -> "User": return cls("a", 1)

class Pt(NamedTuple):
    x: int
    y: str

class Kind(enum.IntEnum):
    A = 1

def get_id() -> str: return "x"
def get_n() -> int: return 1
def maybe() -> str | None: return None
def anyf() -> Any: return 1
def lines() -> list[Line]: return []
def mk() -> OrderPlaced: ...
'''

CASES: list[tuple[str, str, str]] = [
 # (params, statements, payload expr)
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1, "count": True, "paid": False, "lines": []}'),
 ("", "", '{"id": "a", "user": "u", "total": 1, "count": 1, "paid": False, "lines": []}'),
 ("u: User", "", '{"id": u.id, "user": UserId(u.id), "total": u.total(), "count": u.age, "paid": bool(u.age), "lines": []}'),
 ("u: User", "", '{"id": u.name, "user": UserId(u.id), "total": 1.0, "count": u.age, "paid": True, "lines": []}'),
 ("u: User", "", '{"id": u.name or "", "user": UserId(u.id), "total": 1.0, "count": u.age, "paid": True, "lines": []}'),
 ("u: User", "assert u.name is not None", '{"id": u.name, "user": UserId(u.id), "total": 1.0, "count": u.age, "paid": True, "lines": []}'),
 ("n: str | None", "if not n:\n        return", '{"id": n, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("n: str | None", "if n is None:\n        raise ValueError", '{"id": n, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("n: object", "if isinstance(n, str):\n        pass\n    else:\n        return", '{"id": n, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": str(uuid.uuid4()), "user": UserId("u"), "total": Decimal("1"), "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": uuid.uuid4().hex, "user": UserId("u"), "total": 1.0, "count": len("ab"), "paid": True, "lines": [], "price": Decimal("1.0")}'),
 ("", "", '{"id": datetime.datetime.now(datetime.UTC).isoformat(), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": datetime.datetime.now(), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": os.environ.get("X"), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": os.environ["X"], "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": json.dumps({}), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": json.loads("1"), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": Kind.A, "paid": True, "lines": [], "color": Color.RED}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "color": "red"}'),
 ("", "", '{"id": Status.OK.value, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": Color.RED, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": Status.OK, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1.5, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": 1, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [BASE]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [{"sku": "a", "qty": 1}]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [{"sku": "a", "qty": "1"}]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": lines()}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": list(lines())}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [*lines()]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": ["a", 1]}'),
 ("u: User", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": u.tags}'),
 ("u: User", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": [t.upper() for t in u.tags]}'),
 ("u: User", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": sorted(u.tags)}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "meta": {"a": 1}}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "meta": {}}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "status": "new"}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "status": "old"}'),
 ("s: str", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "status": s}'),
 ("p: Pt", "", '{"id": p.y, "user": UserId("u"), "total": p.x, "count": p[0], "paid": True, "lines": []}'),
 ("p: Pt", "", '{"id": p.x, "user": UserId("u"), "total": 1, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "note": maybe()}'),
 ("", "", '{"id": anyf(), "user": anyf(), "total": anyf(), "count": anyf(), "paid": anyf(), "lines": anyf()}'),
 ("", "", 'cast(OrderPlaced, {})'),
 ("", "", 'mk()'),
 ("", "", '{**mk(), "id": "b"}'),
 ("", "", '{**mk(), "id": 1}'),
 ("", "", 'mk() | {"id": "x"}'),
 ("d: dict[str, Any]", "", 'd'),
 ("d: dict[str, Any]", "", '{"id": "a", **d}'),
 ("", "", 'OrderPlaced(id="a", user=UserId("u"), total=1.0, count=1, paid=True, lines=[])'),
 ("", "", 'OrderPlaced(id=1, user=UserId("u"), total=1.0, count=1, paid=True, lines=[])'),
 ("", "", 'dict(id="a", user=UserId("u"), total=1.0, count=1, paid=True, lines=[])'),
 ("", "x = 1\n    x = 'a'", '{"id": x, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "x: int | str = 1", '{"id": x, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "x = get_n()\n    y = str(x)", '{"id": y, "user": UserId("u"), "total": 1.0, "count": x, "paid": True, "lines": []}'),
 ("", "x = get_n()", '{"id": f"{x}", "user": UserId("u"), "total": x / 2, "count": x // 2, "paid": x > 1, "lines": []}'),
 ("", "x = get_n()", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": x / 2, "paid": True, "lines": []}'),
 ("", "c = Counter('ab')", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": c["a"], "paid": True, "lines": []}'),
 ("", "c = Counter('ab')", '{"id": c.most_common(1)[0][0], "user": UserId("u"), "total": 1.0, "count": sum(c.values()), "paid": True, "lines": []}'),
 ("", "", '{"id": "a" if get_n() else None, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": round(1.5), "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": round(1.5, 1), "count": max(1, 2), "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": abs(-1.0), "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": int("1"), "paid": "a" in "abc", "lines": []}'),
 ("u: User", "", '{"id": u.display, "user": UserId(u.display), "total": User.make().total(), "count": User.make().age, "paid": True, "lines": []}'),
 ("u: User", "", '{"id": u.make, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("ids: list[str]", "", '{"id": ",".join(ids), "user": UserId(ids[0]), "total": 1.0, "count": len(ids), "paid": bool(ids), "lines": []}'),
 ("ids: list[str]", "", '{"id": ids, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("ids: list[str]", "", '{"id": ids.pop(), "user": UserId("u"), "total": 1.0, "count": ids.index("a"), "paid": True, "lines": []}'),
 ("m: dict[str, int]", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": m.get("a"), "paid": True, "lines": []}'),
 ("m: dict[str, int]", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": m.get("a", 0), "paid": True, "lines": []}'),
 ("m: dict[str, int]", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": m["a"], "paid": True, "lines": []}'),
 ("m: dict[str, int]", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "meta": m}'),
 ("m: dict[str, int]", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": list(m)}'),
 ("t: tuple[str, int]", "", '{"id": t[0], "user": UserId("u"), "total": 1.0, "count": t[1], "paid": True, "lines": []}'),
 ("t: tuple[str, int]", "", '{"id": t[1], "user": UserId("u"), "total": 1.0, "count": t[0], "paid": True, "lines": []}'),
 ("t: tuple[str, int]", "a, b = t", '{"id": a, "user": UserId("u"), "total": 1.0, "count": b, "paid": True, "lines": []}'),
 ("*args: str", "", '{"id": args[0], "user": UserId("u"), "total": 1.0, "count": len(args), "paid": True, "lines": []}'),
 ("**kw: int", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": kw["a"], "paid": True, "lines": []}'),
 ("**kw: int", "", '{"id": kw["a"], "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: 'int'", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": x, "paid": True, "lines": []}'),
 ("x: typing.Optional[int]", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": x, "paid": True, "lines": []}'),
 ("x: bytes", "", '{"id": x.decode(), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: bytes", "", '{"id": x, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: int", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": -x, "paid": not x, "lines": []}'),
 ("x: int", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": x ** 2, "paid": True, "lines": []}'),
 ("x: int", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": x ** -1, "paid": True, "lines": []}'),
 ("x: int", "", '{"id": "a" * x, "user": UserId("u"), "total": 1.0, "count": x % 3, "paid": True, "lines": []}'),
 ("x: float", "", '{"id": "a", "user": UserId("u"), "total": x, "count": x, "paid": True, "lines": []}'),
 ("x: float", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": int(x), "paid": True, "lines": []}'),
 ("x: str", "", '{"id": x.split(",")[0], "user": UserId("u"), "total": float(x), "count": x.count("a"), "paid": x.isdigit(), "lines": []}'),
 ("x: str", "", '{"id": x.split(","), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: str", "", '{"id": x.encode(), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: str", "", '{"id": x, "user": x, "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: UserId", "", '{"id": x, "user": x, "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "extra": 1}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True}'),
 ("", "d = {'a': 1}", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": d["a"], "paid": True, "lines": []}'),
 ("", "d = {'a': 1}\n    d['a'] = 'x'", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "l = [1, 2]", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": l[0], "paid": True, "lines": [], "tags": l}'),
 ("", "s = {'a'}", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": list(s)}'),
 ("", "s = {'a'}", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": s}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": ("a",)}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "note": None}'),
 ("", "", '{"id": None, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": float("nan"), "count": 0x10, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1j, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "price": 1}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": Decimal(1), "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": b"a".hex(), "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": "abc".split()}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": list("abc")}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": [str(i) for i in range(3)]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "tags": [i for i in range(3)]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "meta": dict(a=1)}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "meta": {1: 2}}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": sum([1.0, 2.0]), "count": sum([1, 2]), "paid": any([]), "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": sum([1.0]), "paid": True, "lines": []}'),
 ("", "", '{"id": repr(1), "user": UserId(format(1, "x")), "total": 1.0, "count": hash("a"), "paid": callable(print), "lines": []}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [Line(sku="a", qty=1)]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [Line(sku="a", qty="1")]}'),
 ("", "", '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [dict(sku="a", qty=1)]}'),
 # whole payloads that are plain dicts to mypy
 ("", "p = {\"id\": \"a\", \"user\": UserId(\"u\"), \"total\": 1.0, \"count\": 1, \"paid\": True, \"lines\": []}", 'p'),
 ("", "p: OrderPlaced = {\"id\": \"a\", \"user\": UserId(\"u\"), \"total\": 1.0, \"count\": 1, \"paid\": True, \"lines\": []}", 'p'),
 ("", "p = OrderPlaced(id=\"a\", user=UserId(\"u\"), total=1.0, count=1, paid=True, lines=[])", 'p'),
 ("", "p = mk()", 'p'),
 ("", "p = dict(id=\"a\", user=UserId(\"u\"), total=1.0, count=1, paid=True, lines=[])", 'p'),
 ("d: dict[str, Any]", "", 'd'),
 ("m: typing.Mapping[str, Any]", "", 'm'),
 ("m: typing.Mapping[str, Any]", "", '{**m}'),
 ("s: dict[str, str]", "", '{**s, "id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("o: dict[str, object]", "", '{**o, "id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: dict", "", 'x'),
 ("x: dict", "", '{**x, "id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("x: Any", "", 'x'),
 ("x: Any", "", '{**x}'),
 ("u: User", "", 'dataclasses.asdict(u)'),
 ("", "", 'mk().copy()'),
 ("", "", 'dict(mk())'),
 ("", "import copy\n    p = copy.deepcopy(mk())", 'p'),
 ("flag: bool", "", '{"id": "a" if flag else None, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("u: User", "", '{"id": "a" if u.total() > 1 else "b", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("u: User", "", '{"id": u.id if isinstance(u, User) else 1, "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ("n: str | None", "", '{"id": n if n else "x", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": []}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": datetime.datetime.now()}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": datetime.datetime.now(datetime.UTC)}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": datetime.date.today()}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "day": datetime.datetime.now()}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "day": datetime.date.today()}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": datetime.datetime.now().isoformat()}'),
 ('d: datetime.datetime', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": d}'),
 ('d: datetime.datetime', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": d.date()}'),
 ('d: datetime.datetime', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "created": d + datetime.timedelta(days=1)}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "ref": uuid.uuid4()}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "ref": str(uuid.uuid4())}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "ref": uuid.UUID("12345678123456781234567812345678")}'),
 ('r: uuid.UUID', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "ref": r}'),
 ('r: uuid.UUID', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "ref": r.hex}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "level": Level.LOW}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "level": 1}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "level": Level(1)}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": Status.OK}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": None}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": "ok"}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": Status("ok")}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": Status["OK"]}'),
 ('s: Status', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": s}'),
 ('s: Status | None', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "state": s}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "color": Color.RED}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "color": Color("red")}'),
 ('c: Color', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "color": c, "id": c}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "colors": [Color.RED]}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "colors": ["red"]}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "colors": list(Color)}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "owner": Owner("a")}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "owner": Admin("a")}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "owner": {"name": "a"}}'),
 ('o: Owner', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "owner": o}'),
 ('a: Admin', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "owner": a}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "price": Decimal("1.5")}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "price": Decimal("1.5") * 2}'),
 ('', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "price": 1.5}'),
 ('p: Decimal', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "price": p, "total": p}'),
 ('p: Decimal', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "price": round(p, 2)}'),
 ('x: UserId', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "user": x, "id": x}'),
 ('x: UserId', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "user": UserId(x)}'),
 ('x: str', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "user": UserId(x.strip())}'),
 ('x: str', '', '{"id": "a", "user": UserId("u"), "total": 1.0, "count": 1, "paid": True, "lines": [], "user": typing.cast(UserId, x)}'),
 ('a: Any', '', 'dict(a)'),
 ('pairs: list[tuple[str, int]]', '', 'dict(pairs)'),
 ('a: Any', '', 'dict(**a)'),
 ('', '', '{**mk()}'),
 ('', 'p = dict(mk())', 'p'),
 ('', 'p = {**mk()}', 'p'),
 ('', 'p: OrderPlaced = mk()\n    p["id"] = "b"', 'p'),
]
