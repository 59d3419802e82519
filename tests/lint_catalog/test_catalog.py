"""The catalog on fixtures/catalog_syntax: every TypedDict syntax, Missing vs undecidable,
constants, handlers, and re-reading files that change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tscrun
from tscrun_lint.project.catalog import Catalog, HandlerInfo, Missing
from tscrun_lint.base.typemodel import TypedDictType, describe

from .conftest import FIXTURES, catalog_for


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return catalog_for(FIXTURES / "catalog_syntax")


def shape(td: TypedDictType | Missing | None) -> dict[str, str]:
    """Fields as ``{"key": "type, required|optional[, readonly]"}``."""
    assert isinstance(td, TypedDictType), td
    out = {}
    for key, f in td.fields.items():
        flags = ["required" if f.required else "optional"] + (["readonly"] if f.readonly else [])
        out[key] = ", ".join([describe(f.type), *flags])
    return out


def test_class_syntax_with_not_required(catalog: Catalog) -> None:
    td = catalog.payload_type("user.registered")
    assert isinstance(td, TypedDictType)
    assert (td.qualname, td.name, td.line, td.closed) == (
        "events.user_registered.UserRegisteredEvent", "UserRegisteredEvent", 4, False)
    assert td.path == FIXTURES / "catalog_syntax" / "src" / "events" / "user_registered.py"
    assert shape(td) == {"id": "str, required", "email": "str, required",
                         "age": "int, optional"}


def test_inheritance_across_modules_aliases_and_forward_references(catalog: Catalog) -> None:
    # Envelope (total=False, Required, ReadOnly from typing_extensions) lives in another
    # module, reached by a relative import; OrderLine is defined after its first use and
    # named under `from __future__ import annotations`; `import typing as t` and
    # `TypedDict as TD` are aliases; "status" is a string annotation.
    assert shape(catalog.payload_type("order.placed")) == {
        "trace": "str, optional",
        "source": "str, required",
        "sealed": "bool, optional, readonly",
        "orderId": "str, required",
        "lines": "list[OrderLine], required",
        "note": "str | None, required",
        "status": "Literal['new', 'paid'], required",
        "tags": "dict[str, int | None], optional",
    }
    line = catalog.typed_dict("events.order_placed.OrderLine")
    assert shape(line) == {"sku": "str, required", "quantity": "int, required",
                           "price": "float, required"}


def test_functional_syntax_through_reexports(catalog: Catalog) -> None:
    # billing.payloads re-exports events.functional.Payment under another name
    failed = catalog.payload_type("payment.failed")
    assert isinstance(failed, TypedDictType)
    assert (failed.qualname, failed.name, failed.line) == ("events.functional.Payment",
                                                           "Payment", 4)
    assert shape(failed) == {"amount": "float, optional",
                             "currency": "Literal['EUR', 'USD'], optional"}
    # "events:PaymentRefunded": the package __init__ re-exports it; te.TypedDict, te.Required
    assert shape(catalog.payload_type("payment.refunded")) == {
        "amount": "float, required", "reason": "str, optional"}
    assert catalog.typed_dict("billing.payloads.PaymentFailed") is failed
    assert catalog.typed_dict("events.PaymentRefunded") is catalog.payload_type(
        "payment.refunded")


def test_aliases_including_a_recursive_one(catalog: Catalog) -> None:
    # JSON refers to itself: inner references are Any (accepting), never endless
    assert shape(catalog.payload_type("stamp.made")) == {
        "at": "str, required",
        "body": "dict[str, Any] | list[Any] | str | int | float | bool | None, required",
        "currency": "Literal['EUR', 'USD'], required"}


def test_recursive_typed_dict(catalog: Catalog) -> None:
    tree = catalog.payload_type("tree.grown")
    assert shape(tree) == {"name": "str, required", "children": "list[Tree], required",
                           "parent": "Tree | None, optional"}
    assert isinstance(tree, TypedDictType)
    children = tree.fields["children"].type
    assert getattr(children, "item", None) is tree


def test_conditional_imports_and_collections(catalog: Catalog) -> None:
    # try/except ImportError and sys.version_info branches import the same names
    assert shape(catalog.payload_type("flags.set")) == {
        "flags": "frozenset[str], required", "ratio": "float, optional",
        "pair": "tuple[int, str], optional", "rest": "tuple[int, ...], optional"}


@pytest.mark.parametrize(("event", "reason"), [
    ("ghost.event", 'module "events.nowhere" not found under the source roots (looking for '
                    '"events.nowhere:GhostEvent")'),
    ("no.class", 'module "events.user_registered" has no "NoSuchClass"'),
    ("not.typed", '"events.plain:NotATypedDict" is not a TypedDict'),
    ("is.function", '"events.plain:make_payload" is not a TypedDict (it is a function)'),
])
def test_missing_payload_types(catalog: Catalog, event: str, reason: str) -> None:
    assert catalog.payload_type(event) == Missing(reason)


def test_missing_by_convention_says_what_to_do(tmp_path: Path) -> None:
    catalog = catalog_for(FIXTURES / "demo_app")
    assert catalog.payload_type("payment.succeeded") == Missing(
        'module "events.payment_succeeded" not found under the source roots (looking for '
        '"events.payment_succeeded:PaymentSucceededEvent"); define it there or name the '
        "event's TypedDict in the events.types table")


@pytest.mark.parametrize("event", ["lib.based", "star.import"])
def test_undecidable_payload_types_are_none(catalog: Catalog, event: str) -> None:
    # a base class from a library, a star import from a library: might be TypedDicts
    assert catalog.payload_type(event) is None


def test_unknown_event_is_none(catalog: Catalog) -> None:
    assert catalog.payload_type("not.configured") is None


@pytest.mark.parametrize(("qualname", "value"), [
    ("events.names.USER_REGISTERED", "user.registered"),  # Final
    ("events.USER_REGISTERED", "user.registered"),  # re-exported
    ("events.names.ORDER_PLACED", "order.placed"),  # Final[str]
    ("events.names.PLAIN", "payment.failed"),  # plain
    ("events.Topics.REFUNDED", "payment.refunded"),  # class attribute, re-exported class
    ("events.names.REASSIGNED", None),
    ("events.names.NOT_A_STRING", None),
    ("events.names.MISSING", None),
    ("os.sep", None),  # not a project module
])
def test_constants(catalog: Catalog, qualname: str, value: str | None) -> None:
    assert catalog.constant(qualname) == value


def _handler(catalog: Catalog, name: str) -> HandlerInfo | Missing:
    return catalog.handler(catalog.config.subscribers[name])


def test_handlers(catalog: Catalog) -> None:
    subs = FIXTURES / "catalog_syntax" / "src" / "functions" / "subscribers"
    welcome = _handler(catalog, "welcome")
    assert isinstance(welcome, HandlerInfo)
    assert (welcome.path, welcome.line, welcome.column) == (subs / "welcome.py", 8, 24)
    assert [td.name for td in welcome.accepted or ()] == ["UserRegisteredEvent",
                                                          "OrderPlacedEvent"]
    audit = _handler(catalog, "audit")  # events.Event["UserRegisteredEvent"], module alias
    assert isinstance(audit, HandlerInfo)
    assert [td.name for td in audit.accepted or ()] == ["UserRegisteredEvent"]
    aliased = _handler(catalog, "aliased")  # listen = _real
    assert isinstance(aliased, HandlerInfo)
    assert (aliased.line, [td.name for td in aliased.accepted or ()]) == (5, ["Payment"])
    either = _handler(catalog, "either")  # "Event[A] | Union[Event[B]]"
    assert isinstance(either, HandlerInfo)
    assert [td.name for td in either.accepted or ()] == ["UserRegisteredEvent",
                                                         "OrderPlacedEvent"]
    for undecided in ("anything", "bare"):  # Event[Any]; no annotation
        info = _handler(catalog, undecided)
        assert isinstance(info, HandlerInfo) and info.accepted is None, undecided
    assert _handler(catalog, "lost") == Missing(
        'module "functions.subscribers.lost" not found under the source roots (looking for '
        '"functions.subscribers.lost:listen"); define it there or set "handler" in the '
        "subscriber's table")
    assert _handler(catalog, "nameless") == Missing(
        'module "functions.subscribers.audit" has no "nothing_here"')


def test_an_edited_config_gets_a_new_catalog(syntax_project: Path) -> None:
    first = catalog_for(syntax_project)
    config = syntax_project / "pyproject.toml"
    config.write_text(config.read_text().replace('"flags.set"', '"flags.changed"'))
    second = catalog_for(syntax_project)
    assert second is not first
    assert isinstance(second.payload_type("flags.changed"), TypedDictType)


def test_one_catalog_per_config_and_parsed_once(catalog: Catalog) -> None:
    config = tscrun.load_config(FIXTURES / "catalog_syntax" / "pyproject.toml")
    assert Catalog.for_config(config) is catalog
    first = catalog.payload_type("order.placed")
    assert catalog.payload_type("order.placed") is first


def _touch_changed(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a coarse clock must still see it


def test_changed_files_are_read_again(syntax_project: Path) -> None:
    catalog = catalog_for(syntax_project)
    assert "age" in shape(catalog.payload_type("user.registered"))
    module = syntax_project / "src" / "events" / "user_registered.py"
    _touch_changed(module, module.read_text().replace("age: NotRequired[int]",
                                                      "age: NotRequired[float]"))
    # answers hold for a run; the next run (a refresh) sees the edit
    assert "float" not in shape(catalog.payload_type("user.registered"))["age"]
    catalog.refresh()
    assert shape(catalog.payload_type("user.registered"))["age"] == "float, optional"
    # a base class in another module changes: the subclass follows
    base = syntax_project / "src" / "events" / "base.py"
    _touch_changed(base, base.read_text().replace("trace: str", "trace: int"))
    catalog.refresh()
    assert shape(catalog.payload_type("order.placed"))["trace"] == "int, optional"
    # a module that did not exist appears
    assert isinstance(catalog.payload_type("ghost.event"), Missing)
    (syntax_project / "src" / "events" / "nowhere.py").write_text(
        "from typing import TypedDict\n\n\nclass GhostEvent(TypedDict):\n    boo: str\n")
    catalog.refresh()
    assert shape(catalog.payload_type("ghost.event")) == {"boo": "str, required"}


def test_unparsable_type_module_is_undecided(syntax_project: Path) -> None:
    module = syntax_project / "src" / "events" / "user_registered.py"
    module.write_text("class UserRegisteredEvent(TypedDict:\n")
    assert catalog_for(syntax_project).payload_type("user.registered") is None


def test_user_code_is_never_imported(syntax_project: Path) -> None:
    bomb = syntax_project / "src" / "events" / "user_registered.py"
    bomb.write_text("raise SystemExit('imported!')\n" + bomb.read_text())
    assert "email" in shape(catalog_for(syntax_project).payload_type("user.registered"))


def test_type_module_that_would_crash_the_parser_is_said_missing(syntax_project: Path) -> None:
    # Refused by the parse limits before libcst sees it, and said on the config (TSC301)
    # rather than leaving the event's emits unchecked in silence.
    module = syntax_project / "src" / "events" / "user_registered.py"
    lines = module.read_text().count("\n")
    module.write_text(module.read_text() + "X = " + " or ".join(["a"] * 7000) + "\n")
    assert catalog_for(syntax_project).payload_type("user.registered") == Missing(
        f'module "events.user_registered" could not be read: an expression on line {lines + 1} '
        'is nested too deeply to analyse (more than 400 levels); the payloads of this event '
        'are not checked')
