"""``emit`` with provider = "redis", in the emitting process: refusals before anything is sent."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import redis

import tscrun
from tests.redis.conftest import Demo
from tscrun.providers.base import BrokerError


@pytest.fixture
def demo(make_demo: Callable[..., Demo]) -> Iterator[Demo]:
    demo = make_demo()
    sys.path.insert(0, str(demo.root))
    yield demo
    # the demo's modules have the conventional names other tests' projects use
    sys.path.remove(str(demo.root))
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(demo.root)):
            del sys.modules[name]


def keys(url: str) -> list[str]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return sorted(client.scan_iter("tscrun:*"))
    finally:
        client.close()


async def test_unknown_names_and_bad_payloads_are_refused_before_anything_is_sent(
        demo: Demo) -> None:
    dispatcher = tscrun.configure(demo.config)
    from functions.api import orders, signup_page

    with pytest.raises(tscrun.UnknownEventError) as unknown:
        await signup_page.submit("Grace", "grace@example.com")  # the demo's "user-registered"
    assert str(unknown.value) == 'unknown event "user-registered"; did you mean "user.registered"?'
    with pytest.raises(tscrun.PayloadError) as missing:
        await orders.complete("o-1", "u-1")  # the demo forgets "total"
    assert str(missing.value).startswith(
        'invalid payload for event "order.completed" at key "total": ')

    # payment.succeeded has no TypedDict (only "a mapping" is checked), yet its payload
    # must still be JSON to travel
    cases = [
        ({"amount": Decimal("1.50")}, 'at key "amount": Decimal Decimal(\'1.50\') is not JSON'),
        ({"tags": ["a", {1, 2}]}, 'at key "tags[1]": set {1, 2} is not JSON'),
        ({"rate": math.nan}, 'at key "rate": nan is not a JSON number'),
        ({"by": {3: "x"}}, 'at key "by": key 3 is not a string'),
    ]
    for payload, problem in cases:
        with pytest.raises(tscrun.PayloadError) as bad:
            await dispatcher.emit("payment.succeeded", payload)
        assert str(bad.value) == (
            f'invalid payload for event "payment.succeeded" {problem}; payloads sent through a '
            "broker must be JSON (str, int, float, bool, None, lists and str-keyed objects)")
    assert keys(demo.url) == []  # nothing reached Redis

    await dispatcher.emit("payment.succeeded", {"amount": 1.5, "at": "2026-01-01"})
    await dispatcher.close()
    client = redis.Redis.from_url(demo.url, decode_responses=True)
    try:
        stream = "tscrun:{demo-app/default}:event:payment.succeeded"
        ((_, fields),) = client.xrange(stream)
        assert fields["t"] == "payment.succeeded"
        assert fields["d"] == '{"amount":1.5,"at":"2026-01-01"}'
        assert [g["name"] for g in client.xinfo_groups(stream)] == ["update-analytics"]
    finally:
        client.close()


async def test_an_unreachable_server_is_an_error_at_emit_naming_it(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSCRUN_REDIS_URL", "redis://127.0.0.1:9/0")  # discard port: nobody there
    dispatcher = tscrun.configure(demo.config)
    from functions.api import users

    with pytest.raises(BrokerError) as info:
        await users.post({"name": "Ada", "email": "ada@example.com"})
    assert str(info.value).startswith("cannot reach Redis at redis://127.0.0.1:9/0: ")
    assert isinstance(info.value, tscrun.TscrunError)
    await dispatcher.close()
