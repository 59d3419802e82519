"""judge_payload case by case: exact codes and positions, and the messages word for word.

Each case is a function body; an expectation is ``(code, anchor)``: the finding starts
where ``anchor`` first occurs in the body (``anchor`` may carry ``@N`` to pick the Nth
occurrence). Every "silent" case is something mypy accepts or that cannot be decided.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from tscrun_lint.judge.payload import ModuleContext, judge_payload
from tscrun_lint.base.typemodel import TypedDictType

from .conftest import FIXTURES, catalog_for, judge_file

HEADER = """\
from typing import Any, Final

from events.order_completed import OrderCompletedEvent, OrderLine
from events.profile_updated import AdminProfile, DriftedProfile, ProfileUpdatedEvent
from events.user_registered import UserRegisteredEvent
from events.user_verified import UserVerifiedEvent
from events.user_registered import UserRegisteredEvent as URE

TAG: Final = "bio"


def emit(name: str, payload: object) -> None: ...


def g() -> Any: ...


def make_verified() -> UserVerifiedEvent: ...


def stamp() -> str: ...


async def later() -> int: ...


@staticmethod
def wrapped() -> str: ...


def case(c: bool, anyv: Any, s: str, verified: UserVerifiedEvent, registered: UserRegisteredEvent,
         admin: AdminProfile, drifted: DriftedProfile, raw, lines: list[OrderLine], n: int,
         maybe: str | None, *more: UserVerifiedEvent, **named: str) -> None:
"""

OK_USER = '"id": "u1", "name": "Ann", "email": "a@x"'

CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("valid", f'emit("user.registered", {{{OK_USER}, "age": 3}})', []),
    ("missing", 'emit("user.registered", {"id": "u1", "name": "Ann"})',
     [("TSC101", '{"id"')]),
    ("extra", f'emit("user.registered", {{{OK_USER}, "agee": 3}})', [("TSC102", '"agee"')]),
    ("wrong value", f'emit("user.registered", {{{OK_USER}, "age": "3"}})',
     [("TSC103", '"3"')]),
    ("bool is an int, int is a float",
     f'emit("user.registered", {{{OK_USER}, "age": True}})\n'
     'emit("order.completed", {"orderId": "o", "total": 3, "lines": []})', []),
    ("nested list of TypedDicts",
     'emit("order.completed", {"orderId": "o", "total": 1.5,\n'
     '                         "lines": [{"sku": "b", "quantity": 2.5, "price": 1}, {"sku": "c"}]})',
     [("TSC103", "2.5"), ("TSC101", '{"sku": "c"}')]),
    ("optional nested TypedDict",
     'emit("order.completed", {"orderId": "o", "total": 1.5, "lines": [], "coupon": None})\n'
     'emit("order.completed", {"orderId": "o", "total": 1.5, "lines": [], "coupon": "X"})',
     [("TSC103", '"X"')]),
    ("spread of unknown content: no missing keys, wrong values still",
     'emit("user.registered", {**anyv.more, "id": 1})', [("TSC103", "1})")]),
    ("spread of a call declared to return Any adds no keys",
     'emit("user.registered", {**g(), "id": "u1"})', [("TSC101", "{**g")]),
    ("spread of an Any adds no keys, as mypy sees it",
     'emit("user.registered", {**anyv, "id": "u1"})', [("TSC101", "{**anyv")]),
    ("spread of a TypedDict: its keys count, its extra keys do not belong",
     'emit("user.registered", {**verified, "name": "Ann"})', [("TSC102", "verified,")]),
    ("spread of a TypedDict with everything",
     'emit("user.verified", {**registered, "verifiedAt": "now"})', [("TSC102", "registered,")]),
    ("spread of a literal dict",
     'emit("user.registered", {**{"id": "u1"}, "name": "Ann", "email": "a@x"})', []),
    ("dict() with keywords", 'emit("user.registered", dict(id="u1", name=2, email="a@x"))',
     [("TSC103", "2,")]),
    ("dict() of a mapping is a plain dict to mypy",
     'emit("user.registered", dict({"id": 1}))', [("TSC104", "dict(")]),
    ("dict(**unknown)", 'emit("user.registered", dict(**anyv.more))', []),
    ("dict(**Any)", 'emit("user.registered", dict(**g()))', [("TSC101", "dict(")]),
    ("TypedDict constructor", 'emit("user.registered", UserRegisteredEvent(id="u1", name="A"))',
     [("TSC101", "UserRegisteredEvent(")]),
    ("TypedDict constructor through an alias", 'emit("user.registered", URE(id=1, name="A", '
     'email="e"))', [("TSC103", "1,")]),
    ("constructor of another TypedDict",
     'emit("user.registered", UserVerifiedEvent(id="u", email="e", verifiedAt="t"))',
     [("TSC104", "UserVerifiedEvent(")]),
    ("name bound to a display", 'p = {"id": "u1", "name": 5}\nemit("user.registered", p)',
     [("TSC103", "5}"), ("TSC101", "{")]),
    ("name bound, then changed in place",
     'p = {"id": "u1"}\np["name"] = "Ann"\np.update(email="e")\nemit("user.registered", p)', []),
    ("name bound twice", 'p = {"id": "u1"}\nif c:\n    p = g()\nemit("user.registered", p)', []),
    ("annotated name, same TypedDict",
     'u: UserRegisteredEvent = {"id": "u1", "name": "A", "email": None}\n'
     'emit("user.registered", u)', [("TSC103", "None")]),
    ("annotated with a string",
     'u: "UserRegisteredEvent" = {"id": "u1", "name": "A"}\nemit("user.registered", u)',
     [("TSC101", "{")]),
    ("annotated name, other TypedDict",
     'v: UserVerifiedEvent = {"id": "u1", "email": "e", "verifiedAt": "t"}\n'
     'emit("user.registered", v)', [("TSC104", "v)")]),
    ("parameter typed as another TypedDict", 'emit("user.registered", verified)',
     [("TSC104", "verified")]),
    ("subclass adding a key is compatible", 'emit("profile.updated", admin)', []),
    ("structurally incompatible item type", 'emit("profile.updated", drifted)',
     [("TSC104", "drifted")]),
    ("unannotated parameter", 'emit("user.registered", raw)', []),
    ("call result", 'emit("user.registered", g())', []),
    ("calls with declared results",
     'emit("user.registered", make_verified())\n'
     f'emit("user.registered", {{{OK_USER}, "age": stamp()}})\n'
     f'emit("user.registered", {{{OK_USER}, "age": str(n)}})\n'
     'emit("user.registered", {"id": str(n), "name": repr(s), "email": format(n), '
     '"age": len(s)})',
     [("TSC104", "make_verified("), ("TSC103", "stamp("), ("TSC103", "str(n)}")]),
    ("a coroutine not awaited is not its result; decorated functions are not followed",
     f'emit("user.registered", {{{OK_USER}, "age": later(), "name": wrapped()}})',
     [("TSC103", "later()")]),
    ("an awaited coroutine is its declared result",
     f'emit("user.registered", {{{OK_USER}, "age": await later()}})', []),
    ("not a mapping",
     'emit("user.registered", [1])\nemit("user.registered", "s")\n'
     'emit("user.registered", None)\nemit("user.registered", s)',
     [("TSC105", "[1]"), ("TSC105", '"s"'), ("TSC105", "None"), ("TSC105", "s)")]),
    ("conditional payload on a free condition",
     f'emit("user.registered", {{{OK_USER}}} if c else {{"id": "u"}})',
     [("TSC101", '{"id": "u"}')]),
    ("conditional with an empty display: mypy joins the branches (Any wins)",
     f'emit("user.registered", {{{OK_USER}, "age": anyv if c else []}})', []),
    ("conditional value on a narrowed condition",
     f'if c:\n    emit("user.registered", {{{OK_USER}, "age": 1 if c else "x"}})', []),
    ("conditional value on isinstance",
     f'emit("user.registered", {{{OK_USER}, "age": 1 if isinstance(anyv, int) else "x"}})', []),
    ("conditional value, both branches wrong",
     f'emit("user.registered", {{{OK_USER}, "age": "1" if isinstance(anyv, int) else "x"}})',
     [("TSC103", '"1"'), ("TSC103", '"x"')]),
    ("walrus payload is a plain dict to mypy",
     f'emit("user.registered", (p := {{{OK_USER}}}))', [("TSC104", "p :=")]),
    ("walrus value keeps its literal type",
     f'emit("user.registered", {{{OK_USER}, "age": (a := 3)}})', []),
    ("Literal values",
     'emit("profile.updated", {"status": "active"})\n'
     'emit("profile.updated", {"status": "gone"})\n'
     'emit("profile.updated", {"status": f"act{s}"})', [("TSC103", '"gone"')]),
    ("collections",
     'emit("profile.updated", {"tags": ["a", 2], "flags": {"x"}, "point": (1, 2.5)})\n'
     'emit("profile.updated", {"flags": ["x"], "point": (1,), "links": {"a": 1}})',
     [("TSC103", "2]"), ("TSC103", '["x"]'), ("TSC103", "1,)"), ("TSC103", "1}")]),
    ("comprehensions",
     'emit("profile.updated", {"tags": [str(i) for i in range(3)], "links": {k: k for k in "ab"}})\n'
     'emit("profile.updated", {"tags": [1 for _ in range(3)]})', [("TSC103", "1 for")]),
    ("Any and object accept anything",
     'emit("profile.updated", {"extra": 1, "meta": [None]})', []),
    ("a class read from stubs is a nominal type: a str is no datetime",
     'emit("profile.updated", {"extra": 1, "at": "2024-01-01"})', [("TSC103", '"2024-01-01"')]),
    ("keys from Final constants", 'emit("profile.updated", {TAG: 3})', [("TSC103", "3}")]),
    ("a key that is not a constant: no missing keys",
     'emit("user.registered", {s: "x", "id": "u1"})', []),
    ("repeated key: the last value counts",
     f'emit("user.registered", {{{OK_USER}, "age": "x", "age": 3}})', []),
    ("star parameters are a tuple and a dict",
     'emit("user.registered", more)\nemit("user.registered", named)',
     [("TSC105", "more"), ("TSC104", "named")]),
    ("names with declared types",
     'emit("user.registered", {"id": s, "name": n, "email": maybe, "age": n})\n'
     'emit("order.completed", {"orderId": s, "total": n, "lines": lines, "coupon": lines})',
     [("TSC103", "n, "), ("TSC103", "maybe"), ("TSC103", "lines}")]),
    ("names assigned a literal once have its (widened) type",
     'st = "active"\nnums = ["a"]\nnone = None\ncount = 3\n'
     'emit("profile.updated", {"status": st, "tags": nums, "bio": none})\n'
     f'emit("user.registered", {{{OK_USER}, "age": count}})',
     [("TSC103", "st,"), ("TSC103", "none}")]),
    ("names that may be narrowed are not judged",
     'if isinstance(maybe, str):\n    emit("user.registered", {"id": maybe, "name": "A", '
     '"email": maybe})', []),
    ("values read from elsewhere are not judged",
     'emit("user.registered", {"id": anyv.id, "name": anyv["n"], "email": s})', []),
]


def _expected(body: str, first_line: int, expected: list[tuple[str, str]]) -> list[str]:
    out = []
    for code, anchor in expected:
        at = body.index(anchor)
        line = body.count("\n", 0, at)
        column = at - (body.rfind("\n", 0, at) + 1)
        out.append(f"{code} {first_line + line}:{column + 5}")  # +4 indent, 1-based
    return sorted(out, key=lambda s: tuple(int(n) for n in s.split()[1].split(":")))


@pytest.fixture(scope="module")
def judge_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("judge") / "catalog_judge"
    shutil.copytree(FIXTURES / "catalog_judge", root)
    return root


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in CASES],
                         ids=[name for name, _, _ in CASES])
def test_payload_cases(judge_project: Path, body: str, expected: list[tuple[str, str]]) -> None:
    source = HEADER + textwrap.indent(body, "    ") + "\n"
    seen = judge_file(judge_project, "app.py", source)
    first_line = HEADER.count("\n") + 1
    assert [str(s) for s in seen] == _expected(body, first_line, expected)


def _messages(judge_project: Path, body: str) -> list[str]:
    source = HEADER + textwrap.indent(body, "    ") + "\n"
    return [s.message for s in judge_file(judge_project, "app.py", source)]


def test_messages_word_for_word(judge_project: Path) -> None:
    assert _messages(judge_project, 'emit("user.registered", {"id": "u1", "name": "Ann"})') == [
        'payload for "user.registered" is missing required key(s) "email" of '
        '"UserRegisteredEvent"']
    assert _messages(judge_project, f'emit("user.registered", {{{OK_USER}, "agee": 3}})') == [
        'payload for "user.registered" has key(s) "agee" not declared in "UserRegisteredEvent"']
    assert _messages(judge_project, f'emit("user.registered", {{{OK_USER}, "age": "3"}})') == [
        'payload for "user.registered": key "age" is str, expected int ("UserRegisteredEvent")']
    assert _messages(judge_project, 'emit("order.completed", {"orderId": "o", "total": 1.5, '
                                    '"lines": [{"sku": "b", "quantity": [], "price": 1}]})') == [
        'payload for "order.completed": key "quantity" is list, expected int ("OrderLine")']
    assert _messages(judge_project, 'emit("profile.updated", {"tags": ["a", 2]})') == [
        'payload for "profile.updated": key "tags[1]" is int, expected str '
        '("ProfileUpdatedEvent")']
    assert _messages(judge_project, 'emit("user.registered", verified)') == [
        'payload for "user.registered" is "UserVerifiedEvent", which is not compatible with '
        '"UserRegisteredEvent"; key "name" is missing']
    assert _messages(judge_project, 'emit("profile.updated", drifted)') == [
        'payload for "profile.updated" is "DriftedProfile", which is not compatible with '
        '"ProfileUpdatedEvent"; key "links" is dict[str, int] in "DriftedProfile" but '
        'dict[str, str] in "ProfileUpdatedEvent"']
    assert _messages(judge_project, 'emit("user.registered", [1, 2])') == [
        'payload for "user.registered" is list[int], expected "UserRegisteredEvent"']
    assert _messages(judge_project, f'emit("user.registered", (p := {{{OK_USER}}}))') == [
        'payload for "user.registered" is "dict[str, str]", which is not compatible with '
        '"UserRegisteredEvent"; mypy infers a plain dict for an assignment expression (:=), '
        "so annotate a variable with the TypedDict instead"]


def test_absurd_nesting_does_not_crash(judge_project: Path) -> None:
    deep = "[" * 120 + "]" * 120
    assert _messages(judge_project, f'emit("profile.updated", {{"extra": {deep}}})') == []
    assert _messages(judge_project, f'emit("profile.updated", {{"tags": {deep}}})') == [
        'payload for "profile.updated": key "tags[0]" is list[list[list[list]]], expected str '
        '("ProfileUpdatedEvent")']
    # far deeper than Python's recursion limit, built without a parser
    catalog = catalog_for(judge_project)
    expected = catalog.payload_type("profile.updated")
    assert isinstance(expected, TypedDictType)
    value: cst.BaseExpression = cst.Integer("1")
    for _ in range(20_000):
        value = cst.List([cst.Element(value)])
    payload = cst.Dict([cst.DictElement(cst.SimpleString('"tags"'), value)])
    findings = judge_payload(payload, expected, "profile.updated",
                             ModuleContext(catalog, None, {}, {}))
    assert [(f.code, f.message) for f in findings] == [("TSC103", (
        'payload for "profile.updated": key "tags[0]" is list[list[list[list]]], expected str '
        '("ProfileUpdatedEvent")'))]


def test_changes_to_the_checked_module_are_seen(judge_project: Path) -> None:
    body = f'emit("user.registered", {{{OK_USER}, "age": stamp()}})'
    assert _messages(judge_project, body) == [
        'payload for "user.registered": key "age" is str, expected int ("UserRegisteredEvent")']
    header = HEADER.replace("def stamp() -> str: ...", "def stamp() -> bool: ...")
    source = header + textwrap.indent(body, "    ") + "\n"
    assert judge_file(judge_project, "app.py", source) == []
