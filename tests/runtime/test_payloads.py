"""Payload validation at emit: what is refused, what the error says, what is accepted."""

from __future__ import annotations

import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typeguard import CollectionCheckStrategy, TypeCheckError, check_type

import tscrun
from tests.runtime.conftest import RECORDING_HANDLER, MakeProject, module
from tscrun import Dispatcher, PayloadError
from tscrun.validation import PayloadValidator

CONFIG = """
    [events]
    validate-payloads = true
    [events.types]
    "order.placed" = "events.order_placed:OrderPlacedEvent"
    "profile.updated" = "events.profile:ProfileUpdated"
    [events.subscribers.record]
    events = ["order.placed", "profile.updated"]
    """

# Written as users write them: postponed annotations, a base class and a
# nested type from another module, total=False with Required, Literal, unions.
COMMON = """
    from __future__ import annotations

    from typing import TypedDict

    class Money(TypedDict):
        amount: float
        currency: str

    class Base(TypedDict):
        orderId: str
    """

ORDER_PLACED = """
    from __future__ import annotations

    from typing import Literal, NotRequired, Optional, Required, TypedDict, Union

    from events.common import Base, Money

    class Line(TypedDict):
        sku: str
        quantity: int
        price: Money

    class Shipping(TypedDict, total=False):
        method: Required[Literal["post", "courier"]]
        note: str

    class OrderPlacedEvent(Base):
        lines: list[Line]
        status: Literal["new", "paid"]
        coupon: Optional[str]
        discount: int | float
        tags: dict[str, int]
        shipping: Shipping
        ref: NotRequired[Union[int, str]]
    """

# Functional syntax, typing_extensions and ReadOnly, evaluated annotations.
PROFILE = """
    from typing_extensions import NotRequired, ReadOnly, TypedDict

    ProfileUpdated = TypedDict("ProfileUpdated", {
        "user-id": ReadOnly[str],
        "nickname": NotRequired["str | None"],
        "scores": list[float],
    })
    """

FILES = {
    "events/common.py": COMMON,
    "events/order_placed.py": ORDER_PLACED,
    "events/profile.py": PROFILE,
    "functions/subscribers/record.py": RECORDING_HANDLER,
}


def order(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "orderId": "o-1",
        "lines": [{"sku": "book", "quantity": 2, "price": {"amount": 12.5, "currency": "EUR"}}],
        "status": "new",
        "coupon": None,
        "discount": 0,
        "tags": {"gift": 1},
        "shipping": {"method": "post"},
    }
    for key, value in changes.items():
        if value is _DROP:
            del payload[key]
        else:
            payload[key] = value
    return payload


_DROP = object()


@pytest.fixture
def dispatcher(make_project: MakeProject) -> Dispatcher:
    return Dispatcher(tscrun.load_config(make_project(CONFIG, FILES)))


@pytest.mark.parametrize("payload", [
    order(),
    order(discount=2.5, coupon="WELCOME", ref=7),
    order(ref="r-7", shipping={"method": "courier", "note": "back door"}),
    # an int where a float is declared
    order(lines=[{"sku": "b", "quantity": 1, "price": {"amount": 3, "currency": "EUR"}}]),
    order(lines=[], tags={}),
    # any Mapping will do at the top level
    types.MappingProxyType(order()),
], ids=["minimal", "optional-filled", "union-str", "int-for-float", "empty", "mapping-proxy"])
async def test_valid_payloads_are_delivered(dispatcher: Dispatcher, payload: Any) -> None:
    await dispatcher.emit("order.placed", payload)
    await dispatcher.drain()
    assert [e.data for e in module("functions.subscribers.record").RECEIVED] == [payload]


@pytest.mark.parametrize(("payload", "key", "problem"), [
    (order(orderId=_DROP), "orderId",
     'missing required key(s) "orderId" of OrderPlacedEvent'),
    (order(shipping={"note": "x"}), "shipping.method",
     'missing required key(s) "method" of Shipping'),
    (order(statuss="new"), "statuss",
     'unexpected key(s) "statuss" (did you mean "status"?); OrderPlacedEvent declares "orderId", '
     '"lines", "status", "coupon", "discount", "tags", "shipping", "ref"'),
    (order(orderId=12), "orderId", "expected str, got int 12"),
    (order(status="shipped"), "status", "expected Literal['new', 'paid'], got str 'shipped'"),
    (order(coupon=5), "coupon", "expected str | None, got int 5"),
    (order(discount="10%"), "discount", "expected int | float, got str '10%'"),
    (order(ref=1.5), "ref", "expected int | str, got float 1.5"),
    (order(tags={"gift": "yes"}), "tags['gift']", "expected int, got str 'yes'"),
    (order(tags=["gift"]), "tags", "expected dict[str, int], got list"),
    (order(lines={"sku": "b"}), "lines", "expected list[Line], got dict"),
    (order(lines=[order()["lines"][0], {"sku": "b", "quantity": "2", "price": {
        "amount": 1.0, "currency": "EUR"}}]), "lines[1].quantity", "expected int, got str '2'"),
    (order(lines=[{"sku": "b", "quantity": 2, "price": {"amount": "1", "currency": "EUR"}}]),
     "lines[0].price.amount", "expected float, got str '1'"),
    (order(shipping={"method": "drone"}), "shipping.method",
     "expected Literal['post', 'courier'], got str 'drone'"),
], ids=["missing", "nested-required", "unknown-key", "wrong-type", "literal", "optional", "union",
        "notrequired-union", "dict-value", "dict", "list", "list-item", "deep", "total-false"])
async def test_bad_payloads_raise_payload_error_naming_the_key(
        dispatcher: Dispatcher, payload: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(PayloadError) as info:
        await dispatcher.emit("order.placed", payload)
    assert (info.value.event, info.value.key, info.value.problem) == ("order.placed", key, problem)
    assert str(info.value) == f'invalid payload for event "order.placed" at key "{key}": {problem}'
    await dispatcher.drain()
    assert module("functions.subscribers.record").RECEIVED == []


async def test_payload_that_is_not_a_mapping(dispatcher: Dispatcher) -> None:
    with pytest.raises(PayloadError) as info:
        await dispatcher.emit("order.placed", [("orderId", "o-1")])  # type: ignore[arg-type]
    assert str(info.value) == ('invalid payload for event "order.placed": expected a mapping '
                               "(OrderPlacedEvent), got list")
    assert info.value.key is None


async def test_functional_typing_extensions_payload_with_readonly(dispatcher: Dispatcher) -> None:
    await dispatcher.emit("profile.updated", {"user-id": "u1", "scores": [1, 2.5]})
    await dispatcher.emit("profile.updated", {"user-id": "u1", "nickname": None, "scores": []})
    with pytest.raises(PayloadError) as info:
        await dispatcher.emit("profile.updated", {"user-id": 1, "scores": []})
    assert (info.value.key, info.value.problem) == ("user-id", "expected str, got int 1")
    with pytest.raises(PayloadError) as info:
        await dispatcher.emit("profile.updated", {"user-id": "u", "scores": [], "nickname": 3})
    assert (info.value.key, info.value.problem) == ("nickname", "expected str | None, got int 3")
    await dispatcher.drain()
    assert len(module("functions.subscribers.record").RECEIVED) == 2


async def test_validation_can_be_switched_off(make_project: MakeProject) -> None:
    config = make_project(CONFIG.replace("validate-payloads = true", "validate-payloads = false"),
                          FILES)
    dispatcher = Dispatcher(tscrun.load_config(config))
    await dispatcher.emit("order.placed", {"anything": "goes"})
    await dispatcher.drain()
    assert [e.data for e in module("functions.subscribers.record").RECEIVED] == [
        {"anything": "goes"}]


# --- the fast check agrees with typeguard ----------------------------------------------

_junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                  st.text(max_size=3), st.lists(st.integers(), max_size=2),
                  st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


def _near(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly right values, sometimes junk: failures happen at every depth."""
    return st.one_of(value, value, value, _junk)


_money = st.fixed_dictionaries({"amount": _near(st.floats(allow_nan=False) | st.integers()),
                                "currency": _near(st.text(max_size=3))})
_line = st.fixed_dictionaries({"sku": _near(st.text(max_size=3)),
                               "quantity": _near(st.integers()), "price": _near(_money)})
_order = st.fixed_dictionaries(
    {
        "orderId": _near(st.text(max_size=3)),
        "lines": _near(st.lists(_near(_line), max_size=3)),
        "status": _near(st.sampled_from(["new", "paid", "old"])),
        "coupon": _near(st.none() | st.text(max_size=2)),
        "discount": _near(st.integers() | st.floats(allow_nan=False)),
        "tags": _near(st.dictionaries(st.text(max_size=2) | st.integers() | st.none(),
                                      _near(st.integers()), max_size=2)),
        "shipping": _near(st.fixed_dictionaries(
            {}, optional={"method": _near(st.sampled_from(["post", "courier", "ship"])),
                          "note": _near(st.text(max_size=2))})),
    },
    optional={"ref": _near(st.integers() | st.text(max_size=2)), "statuss": st.just("x")},
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(payload=_order, drop=st.sampled_from([None, "orderId", "lines", "shipping"]))
def test_fast_check_agrees_with_typeguard(dispatcher: Dispatcher, payload: dict[str, Any],
                                          drop: str | None) -> None:
    if drop is not None:
        payload.pop(drop, None)
    typed_dict = module("events.order_placed").OrderPlacedEvent
    validator = PayloadValidator("order.placed", typed_dict)
    try:
        check_type(payload, typed_dict, collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS)
        typeguard_accepts = True
    except TypeCheckError:
        typeguard_accepts = False
    assert validator._fast(payload) is typeguard_accepts
    if not typeguard_accepts:
        with pytest.raises(PayloadError):
            validator(payload)
