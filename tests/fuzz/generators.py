"""Hypothesis strategies for modules full of odd ``emit`` calls.

A generated module is valid Python 3.11 that lives in ``functions/api/`` of the
example project (``tscrun_lint.rules.example_project``), so relative imports and
project constants resolve. It never runs: only the analyzer, flake8 and mypy
read it. The pieces:

- every way to reach the emitter (``EMITTERS``) and emitters that merely share
  the name (``DECOYS``: logging handlers, pyee, local classes and functions);
- event names of every kind (literals in every quoting, constants, imported
  constants, f-strings, concatenation, bytes, walrus, conditionals, ...);
- payloads built recursively (dict displays with ``**`` spreads, ``dict(...)``,
  TypedDict constructors, comprehensions, walrus, conditionals, bytes, ...);
- every argument shape (none, one, extra, ``*args``, ``**kwargs``, keywords in
  either order, duplicates);
- every context (module level, class bodies, lambdas, nested and async
  functions, comprehensions, ``match``, ``try``/``except*``, ``with``, loops,
  default values, decorators, ``global``).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]

# (import lines, expression naming tscrun.events.emit)
EMITTERS: tuple[tuple[str, str], ...] = (
    ("from tscrun import events", "events.emit"),
    ("import tscrun.events as ev", "ev.emit"),
    ("from tscrun.events import emit", "emit"),
    ("from tscrun.events import emit as publish", "publish"),
    ("import tscrun.events", "tscrun.events.emit"),
    ("import tscrun", "tscrun.events.emit"),
    ("from tscrun import events as bus", "bus.emit"),
    ("from tscrun.events import *", "emit"),
    ("from tscrun import (\n    events as e2,  # aliased\n)", "e2.emit"),
    ("import logging, tscrun.events as tev", "tev.emit"),
    ("from tscrun import Dispatcher, events", "events.emit"),
    # Relative imports inside the project: functions/api/bus.py re-exports the emitter.
    ("from .bus import emit", "emit"),
    ("from .bus import emit as send", "send"),
    ("from . import bus as rel_bus", "rel_bus.emit"),
    ("from ..api.bus import events", "events.emit"),
    ("try:\n    from tscrun.events import emit as maybe\nexcept ImportError:\n    maybe = None",
     "maybe"),
)

# Emitters that are not tscrun's: never reported (the top rule: no false positives).
DECOYS: tuple[tuple[str, str], ...] = (
    ("import logging\nhandler = logging.StreamHandler()", "handler.emit"),
    ("import logging", "logging.Handler().emit"),
    ("from pyee.asyncio import AsyncIOEventEmitter\nee = AsyncIOEventEmitter()", "ee.emit"),
    ("class Bus:\n    def emit(self, *a: object, **k: object) -> None: ...\n\n\n"
     "events = Bus()", "events.emit"),
    ("def emit(*a: object, **k: object) -> None: ...", "emit"),
    ("from . import names as events", "events.emit"),
    ("import tscrun_lint as ev", "ev.emit"),
    # Dispatcher.emit: checked by mypy's plugin only (DESIGN), never by the analyzer.
    ("from tscrun import Dispatcher, load_config\n\n\ndispatcher = Dispatcher(load_config())",
     "dispatcher.emit"),
    ("import tscrun as ts\n\n\nclass MyDispatcher(ts.Dispatcher):\n    pass\n\n\n"
     "mine = MyDispatcher(ts.load_config())", "mine.emit"),
    ("from tscrun import events as _tscrun_events\n\n\n"
     "class Local:\n    async def emit(self, *a: object, **k: object) -> None: ...\n\n\n"
     "local = Local()", "local.emit"),
)

PRELUDE = '''\
import asyncio
from typing import Any, Final, TYPE_CHECKING

from events.order_completed import OrderCompletedEvent, OrderLine
from events.user_registered import UserRegisteredEvent
from functions.api import names
from functions.api.names import ORDER_COMPLETED, USER_REGISTERED

kind = "registered"
flag: bool = True
x: Any = 1
y: Any = None
items: list[Any] = []
args: Any = ()
kw: Any = {}
lock = asyncio.Lock()
NAME = "user.registered"
FINAL_NAME: Final = "order.completed"
TYPO: Final[str] = "user.registerd"


def get() -> Any: ...
'''

BUS_MODULE = "from tscrun import events\nfrom tscrun.events import emit\n"

KEYS = ("id", "name", "email", "registeredAt", "age", "verifiedAt", "orderId", "userId",
        "total", "lines", "sku", "quantity", "price", "extra", "", "ïd", "id ")

any_names = st.sampled_from([
    '"user.registered"', "'user.verified'", '"order.completed"', '"""user.registered"""',
    "r'user.registered'", 'u"order.completed"', '"user.registerd"', '"usr.registered"',
    '"order.complete"', '"User.Registered"', '"user-registered"', '""', '"a"',
    '"payment.failed"', '"ünïcode.évent"', '"user.registered\\n"', '"user" ".registered"',
    '"user." "verified"', 'f"user.registered"', 'f"user.{kind}"', 'f"{kind}.{kind}"',
    'b"user.registered"', "rb'user.verified'", "42", "None", "...", "True", "NAME",
    "FINAL_NAME", "TYPO", "USER_REGISTERED", "ORDER_COMPLETED", "names.USER_REGISTERED",
    "names.ORDER_COMPLETED", "names.MISSING", '"user." + kind', '"user.%s" % kind',
    '"{}.{}".format("user", kind)', "str(x)", '(n := "user.registered")',
    '"user.registered" if flag else "user.verified"', "kind", "x", "get()", "items[0]",
    '"user.registered".lower()', "lambda: 'user.registered'", "[NAME]",
    '("user.registered")', '(\n    "user.registered"  # a comment\n)',
    "'user.reg' + 'istered'", "NAME + ''",
])

# Literal names within two edits of exactly one configured name: what --fix rewrites.
misspelt_names = st.sampled_from([
    '"user.registerd"', "'usr.registered'", '"order.complete"', '"User.Registered"',
    '"user-registered"', '"user.registered\\n"', "r'user.verifed'", '"""order.compelted"""',
    'u"user.verifid"', '"user.regsitered"', '"user.registered "', "'ordr.completed'",
])

_leaves = st.sampled_from([
    '"1"', "'u1'", '"a@b.c"', "1", "0", "-1", "2.5", "1e3", "1j", "True", "None", "...",
    "b'raw'", 'f"{x}"', 'f"{x!r:>10}"', "x", "y", "get()", "[]", "{}", "()", "set()",
    "not x", "x or y", "x and 1", "-x", "lambda: 1", "items[0]", "kw.get('id')",
    '"a" "b"', "0x1F", "1_000", "int('3')", "[1, 2]", "(1,)", "{1, 2}",
])

_keys = st.one_of(
    st.sampled_from(KEYS).map(lambda k: repr(k)),
    st.sampled_from(KEYS).map(lambda k: '"' + k + '"'),
    st.sampled_from(["1", "None", "x", "(1, 2)", "b'id'", 'f"id"', "NAME", "'i' 'd'"]),
)


def _operand(expr: str) -> str:
    """``expr`` as the operand of ``*``/``**`` in a display: parenthesised when it must be."""
    try:
        ast.parse(f"[*{expr}, {{**{expr}}}]", mode="eval")
    except SyntaxError:
        return f"({expr})"
    return expr


def _dict_display(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    entry = st.one_of(
        st.tuples(_keys, children).map(lambda kv: f"{kv[0]}: {kv[1]}"),
        children.map(lambda c: f"**{_operand(c)}"),
    )
    sep = st.sampled_from([", ", ",\n    ", ",  # c\n", ","])
    return st.tuples(st.lists(entry, max_size=6), sep, st.booleans()).map(
        lambda t: "{" + t[1].join(t[0]) + ("," if t[2] and t[0] else "") + "}")


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    kwargs = st.lists(st.sampled_from(
        ["id", "name", "email", "registeredAt", "orderId", "total", "lines", "extra"]),
        max_size=4, unique=True).flatmap(
        lambda ks: st.tuples(*[children] * len(ks)).map(lambda vs: list(zip(ks, vs))))
    return st.one_of(
        _dict_display(children),
        _dict_display(children),
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.tuples(children, children).map(lambda t: f"[{t[0]}, *{_operand(t[1])}]"),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}"),
        st.lists(children, max_size=3).map(lambda xs: "(" + ", ".join(xs) + ",)" if xs else "()"),
        st.tuples(kwargs, st.booleans(), children).map(
            lambda t: "dict(" + ", ".join([f"{k}={v}" for k, v in t[0]]
                                          + ([f"**{t[2]}"] if t[1] else [])) + ")"),
        st.tuples(children).map(lambda t: f"dict({t[0]})"),
        st.tuples(st.sampled_from(["UserRegisteredEvent", "OrderCompletedEvent", "OrderLine"]),
                  kwargs).map(lambda t: t[0] + "(" + ", ".join(f"{k}={v}" for k, v in t[1]) + ")"),
        st.tuples(children, children).map(lambda t: f"{{k: v for k, v in ({t[0]}).items() if ({t[1]})}}"),
        st.tuples(children).map(lambda t: f"[e for e in ({t[0]})]"),
        st.tuples(children).map(lambda t: f"{{e: e for e in ({t[0]})}}"),
        st.tuples(children).map(lambda t: f"(e for e in ({t[0]}))"),
        st.tuples(children).map(lambda t: f"(p := {t[0]})"),
        st.tuples(children, children).map(lambda t: f"{t[0]} if flag else {t[1]}"),
        st.tuples(children, children).map(lambda t: f"({t[0]} if flag else {t[1]})"),
        st.tuples(children, children).map(lambda t: f"{{**{_operand(t[0])}, **{_operand(t[1])}}}"),
        st.tuples(children, children).map(lambda t: f"(({t[0]}) | ({t[1]}))"),
        st.tuples(children).map(lambda t: f"({t[0]})"),
        st.tuples(children).map(lambda t: f'{{"k": {t[0]}}}["k"]'),
        st.tuples(children).map(lambda t: f"[{t[0]}][0]"),
        st.tuples(children).map(lambda t: f"lambda: {t[0]}"),
        st.tuples(children).map(lambda t: f"(\n    {t[0]}  # why not\n)"),
    )


payloads: st.SearchStrategy[str] = st.recursive(_leaves, _extend, max_leaves=12)


def deep_payload(depth: int, kind: str) -> str:
    """A payload nested ``depth`` levels deep (dicts, lists or spreads)."""
    inner = '"u1"'
    for i in range(depth):
        if kind == "dict":
            inner = f'{{"id": {inner}, "n{i}": {i}}}'
        elif kind == "list":
            inner = f"[{inner}]"
        else:
            inner = f'{{**{inner}, "k": 1}}' if i % 2 else f'{{"lines": [{inner}]}}'
    return inner


def deep_payloads(max_depth: int) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(min(10, max_depth), max_depth),
                     st.sampled_from(["dict", "list", "spread"])).map(lambda t: deep_payload(*t))


MYPY_DEPTH = 8
"""mypy's own inference of nested dict displays is exponential inside a lambda (depth 14
takes seconds, depth 30 hours, with or without the plugin): batches for mypy stay below."""


@st.composite
def calls(draw: st.DrawFn, callee: str, max_depth: int = 40,
          names: st.SearchStrategy[str] = any_names) -> str:
    """One call of ``callee`` with arguments of some shape."""
    n = draw(names)
    p = draw(st.one_of(payloads, payloads, payloads, deep_payloads(max_depth),
                       st.sampled_from(["user", "order", "param", "payload"])))
    shape = draw(st.integers(0, 20))
    # The plain shape first: hypothesis's simplest draw is index 0.
    args = [
        f"{n}, {p}",
        "",
        n,
        f"{n}, {p}, {draw(payloads)}",
        "*args",
        f"*[{n}, {p}]",
        "**kw",
        f'**{{"name": {n}, "data": {p}}}',
        f"{n}, *args",
        f"{n}, **kw",
        f"name={n}, data={p}",
        f"data={p}, name={n}",
        f"{n}, data={p}",
        f"data={p}",
        f"name={n}",
        f"{n}, {p}, extra=1",
        f"{n}, {p}, name={n}",
        f"\n    {n},  # the event\n    {p},\n",
        f"{n}, {p}, *args, **kw",
        f"{n}, {p},",
        f"name={n}, data={p}, **kw",
    ][shape]
    return f"{callee}({args})"


@dataclass(frozen=True)
class Module:
    """A generated module and what was used to build it."""

    text: str
    decoy_only: bool
    """Only non-tscrun emitters are called: nothing may be reported."""


def _contexts(call: str) -> list[str]:
    """The same call placed in each kind of context; ``call`` is one expression."""
    return [
        f"{call}\n",
        f"result = {call}\n",
        f"class Holder:\n    attr = {call}\n\n    def method(self) -> Any:\n        return {call}\n",
        f"handler = lambda *a: {call}\n",
        f"def outer() -> Any:\n    def inner() -> Any:\n        return {call}\n    return inner\n",
        f"async def run(param: OrderCompletedEvent, other) -> None:\n    await {call}\n",
        f"async def run_payload() -> None:\n    payload = {{'id': '1'}}\n    await {call}\n",
        f"async def run_user() -> None:\n    user: UserRegisteredEvent = {{'id': '1', 'name': 'n',"
        f" 'email': 'e', 'registeredAt': 't'}}\n    order = user\n    await {call}\n",
        f"results = [{call} for _ in range(2)]\n",
        f"gen = ({call} for _ in items)\n",
        f"mapping = {{i: {call} for i in range(2)}}\n",
        f"async def comp() -> None:\n    done = [await {call} for _ in range(2)]\n",
        f"async def matcher(subject: Any) -> None:\n    match subject:\n"
        f"        case {{\"kind\": \"a\", **rest}}:\n            await {call}\n"
        f"        case [first, *others] if first:\n            await {call}\n"
        f"        case UserRegisteredEvent():\n            pass\n"
        f"        case _:\n            {call}\n",
        f"async def groups() -> None:\n    try:\n        await {call}\n"
        f"    except* ValueError as group:\n        await {call}\n"
        f"    except* (TypeError, KeyError):\n        pass\n    else:\n        {call}\n"
        f"    finally:\n        {call}\n",
        f"async def locked() -> None:\n    async with lock:\n        await {call}\n"
        f"    with open('f') as fh, open('g'):\n        {call}\n",
        f"def defaults(value: Any = {call}) -> None: ...\n",
        f"@staticmethod\ndef decorated(d: Any = lambda: {call}) -> None:\n    pass\n",
        f"for _ in items:\n    {call}\nelse:\n    {call}\n",
        f"while flag:\n    {call}\n    break\n",
        f"if TYPE_CHECKING:\n    pass\nelif x:\n    {call}\nelse:\n    {call}\n",
        f"async def agen() -> Any:\n    yield await {call}\n",
        f"def counter() -> None:\n    global x\n    x = {call}\n",
        f"async def gathered() -> None:\n    await asyncio.gather({call}, {call})\n",
        f"if (fired := {call}):\n    pass\n",
        f"class Outer:\n    class Inner:\n        async def deep(self) -> None:\n"
        f"            async def deeper() -> None:\n                await {call}\n",
        # In a function: after `assert f()` where f returns None, mypy skips the rest as
        # unreachable, which would hide the module's other calls from it.
        f"def asserting() -> None:\n    assert {call}\n",
        f"async def sync_in_async() -> None:\n    print({call}, sep=\"\")\n",
        f"def with_local_import() -> Any:\n    import logging as local_events\n"
        f"    return local_events.Handler().emit, {call}\n",
    ]


@st.composite
def modules(draw: st.DrawFn, max_depth: int = 40,
            emitters: tuple[tuple[str, str], ...] | None = None,
            names: st.SearchStrategy[str] = any_names) -> Module:
    """A module calling some emitters; ``emitters`` fixes the pool (no decoys then)."""
    decoy_only = emitters is None and draw(st.integers(0, 4)) == 0
    pool = emitters or (DECOYS if decoy_only else EMITTERS + DECOYS)
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    parts = [PRELUDE]
    parts += [imports + "\n" for imports, _ in chosen]
    for _ in range(draw(st.integers(1, 6))):
        _, callee = draw(st.sampled_from(chosen))
        call = draw(calls(callee, max_depth, names))
        contexts = _contexts(call)
        parts.append(contexts[draw(st.integers(0, len(contexts) - 1))])
    if not decoy_only and draw(st.booleans()):
        local = draw(calls("local_events.emit", max_depth, names))
        parts.append(f"async def with_tscrun_imported_locally() -> None:\n"
                     f"    from tscrun import events as local_events\n    await {local}\n")
    return Module("\n\n".join(parts), decoy_only)


# Real files to cut off at random points: every Python file of the fixture projects
# (some deliberately broken or mis-encoded), plus the analyzer's rule modules (full of
# example sources). Cut as bytes: a cut may split a UTF-8 sequence.
@functools.cache
def real_sources() -> tuple[Path, ...]:
    found = [p for p in sorted((REPO / "fixtures").rglob("*.py"))
             if "__pycache__" not in p.parts]
    found += sorted((REPO / "tscrun_lint" / "rules").glob("*.py"))
    return tuple(found)


@functools.cache
def payload_sources() -> tuple[Path, ...]:
    """Modules that define TypedDicts, to cut off and name as an event's payload module."""
    return tuple(p for p in real_sources()
                 if b"TypedDict" in p.read_bytes() and b"class " in p.read_bytes())


@st.composite
def cut_files(draw: st.DrawFn) -> bytes:
    source = draw(st.sampled_from(real_sources()))
    data = source.read_bytes()
    return data[:draw(st.integers(0, len(data)))]
