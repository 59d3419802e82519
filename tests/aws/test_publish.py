"""Publishing to EventBridge (moto server mode): rules route by detail-type, batches of 10,
refused entries retried and then reported by event name."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.aws.conftest import Aws
from tests.aws.deploy import Deployed, deploy
from tests.aws.fault_proxy import FaultProxy
from tests.aws.poller import receive
from tscrun.config import Config
from tscrun.providers.aws.plan import build_plan
from tscrun.providers.aws.publish import (
    MAX_REQUEST_BYTES,
    Outgoing,
    Publisher,
    PublishError,
)
from tscrun.providers.json_payload import to_json

USER = {"id": "u-1", "name": "Ada", "email": "ada@example.com", "registeredAt": "2026-01-01"}
ORDER = {"orderId": "o-1", "userId": "u-1", "total": 25.0,
         "lines": [{"sku": "book-1", "quantity": 2, "price": 12.5}]}


@pytest.fixture
def deployed(aws: Aws, demo_config: Config) -> Deployed:
    return deploy(build_plan(demo_config), aws.events, aws.sqs)


@pytest.fixture
def proxy(aws: Aws) -> Iterator[FaultProxy]:
    proxy = FaultProxy(aws.url).start()
    yield proxy
    proxy.stop()


def publisher(aws: Aws, endpoint: str | None = None, bus: str = "default",
              **kwargs: Any) -> Publisher:
    return Publisher(aws.client("events", endpoint), source="demo-app", bus=bus,
                     retry_delay=0.01, **kwargs)


def bodies(aws: Aws, deployed: Deployed, queue: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := receive(aws.sqs, deployed.url(queue)):
        out.extend(json.loads(m["Body"]) for m in batch)
        aws.sqs.delete_message_batch(QueueUrl=deployed.url(queue), Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return out


def user(n: int) -> Outgoing:
    return Outgoing("user.registered", to_json("user.registered", {**USER, "id": f"u-{n}"}),
                    f"t-{n}")


def test_events_reach_each_subscribers_queue_through_its_rule(aws: Aws, deployed: Deployed) -> None:
    ids = publisher(aws).publish([
        Outgoing("user.registered", to_json("user.registered", USER)),
        Outgoing("order.completed", to_json("order.completed", ORDER)),
        Outgoing("user.verified", to_json("user.verified", {"id": "u-1", "email": "a@b.c",
                                                              "verifiedAt": "now"})),
    ])
    assert len(set(ids)) == 3

    welcome = bodies(aws, deployed, "demo-app-send-welcome-email")
    analytics = bodies(aws, deployed, "demo-app-update-analytics")
    counter = bodies(aws, deployed, "demo-app-increment-registered-users")
    assert sorted(b["detail-type"] for b in welcome) == ["user.registered", "user.verified"]
    assert sorted(b["detail-type"] for b in analytics) == ["order.completed", "user.registered"]
    assert [b["detail-type"] for b in counter] == ["user.registered"]
    # the SQS message is the EventBridge event: source = project, detail = the payload
    registered = next(b for b in analytics if b["detail-type"] == "user.registered")
    assert registered["source"] == "demo-app"
    assert registered["detail"] == USER
    assert registered["id"] == ids[0]
    assert {b["id"] for b in welcome} == {ids[0], ids[2]}


def test_an_event_of_another_source_matches_no_rule(aws: Aws, deployed: Deployed) -> None:
    Publisher(aws.events, source="other-app", bus="default").publish([user(1)])
    assert bodies(aws, deployed, "demo-app-send-welcome-email") == []


def test_more_than_ten_events_go_in_calls_of_at_most_ten(aws: Aws, deployed: Deployed,
                                                         proxy: FaultProxy) -> None:
    ids = publisher(aws, proxy.url).publish([user(n) for n in range(25)])

    assert [len(call) for call in proxy.calls] == [10, 10, 5]
    assert len(set(ids)) == 25
    got = bodies(aws, deployed, "demo-app-increment-registered-users")
    assert sorted(b["detail"]["id"] for b in got) == sorted(f"u-{n}" for n in range(25))


def test_calls_are_also_cut_at_256_kib(aws: Aws, deployed: Deployed, proxy: FaultProxy) -> None:
    big = [Outgoing("user.registered",
                    to_json("user.registered", {**USER, "id": f"u-{n}", "name": "x" * 100_000}))
           for n in range(4)]
    publisher(aws, proxy.url).publish(big)
    assert [len(call) for call in proxy.calls] == [2, 2]
    assert all(sum(len(e["Detail"]) for e in call) < MAX_REQUEST_BYTES for call in proxy.calls)


def test_throttled_entries_are_sent_again_and_arrive_once(
        aws: Aws, deployed: Deployed, proxy: FaultProxy, caplog: pytest.LogCaptureFixture) -> None:
    # AWS refuses two entries of the first call (HTTP 200, ErrorCode per entry)
    proxy.refuse = lambda entry, seen: ("ThrottlingException", "Rate exceeded") \
        if seen == 0 and json.loads(entry["Detail"])["id"] in ("u-3", "u-7") else None

    with caplog.at_level(logging.WARNING, logger="tscrun.aws"):
        ids = publisher(aws, proxy.url).publish([user(n) for n in range(12)])

    assert [len(call) for call in proxy.calls] == [10, 2, 2]
    assert sorted(json.loads(e["Detail"])["id"] for e in proxy.calls[2]) == ["u-3", "u-7"]
    assert len(set(ids)) == 12
    got = bodies(aws, deployed, "demo-app-increment-registered-users")
    assert sorted(b["detail"]["id"] for b in got) == sorted(f"u-{n}" for n in range(12))
    assert 'EventBridge refused 2 event(s) for now ("user.registered" (id t-3), ' \
           '"user.registered" (id t-7)); attempt 2 of 4 follows' in caplog.text


def test_an_entry_refused_on_every_attempt_is_reported_by_event_name(
        aws: Aws, deployed: Deployed, proxy: FaultProxy) -> None:
    proxy.refuse = lambda entry, seen: ("ThrottlingException", "Rate exceeded") \
        if entry["DetailType"] == "order.completed" else None
    items = [user(1), Outgoing("order.completed", to_json("order.completed", ORDER), "t-o"),
             user(2)]

    with pytest.raises(PublishError) as info:
        publisher(aws, proxy.url, max_attempts=3).publish(items)

    assert str(info.value) == (
        'EventBridge bus "default" did not accept 1 of 3 event(s): "order.completed" (id t-o): '
        "ThrottlingException: Rate exceeded after 3 attempts")
    assert [f.item.event for f in info.value.failures] == ["order.completed"]
    assert sorted(info.value.sent) == [0, 2]
    assert [len(call) for call in proxy.calls] == [3, 1, 1]
    # what was accepted went out; the refused event did not
    assert sorted(b["detail-type"] for b in bodies(aws, deployed, "demo-app-update-analytics")) \
        == ["user.registered", "user.registered"]


def test_a_refusal_that_is_not_transient_is_reported_at_once(
        aws: Aws, deployed: Deployed, proxy: FaultProxy) -> None:
    proxy.refuse = lambda entry, seen: ("AccessDeniedException", "not authorized on bus default")

    with pytest.raises(PublishError) as info:
        publisher(aws, proxy.url).publish([user(1)])

    assert len(proxy.calls) == 1
    assert str(info.value).endswith(
        '"user.registered" (id t-1): AccessDeniedException: not authorized on bus default')


def test_a_bus_that_does_not_exist_fails_every_event_with_aws_words(aws: Aws) -> None:
    with pytest.raises(PublishError) as info:
        publisher(aws, bus="nope").publish([user(1), user(2)])

    assert [f.code for f in info.value.failures] == ["ResourceNotFoundException"] * 2
    assert str(info.value).startswith('EventBridge bus "nope" did not accept 2 of 2 event(s): '
                                      '"user.registered" (id t-1): ResourceNotFoundException: ')
    assert "nope" in info.value.failures[0].message


def test_an_entry_over_256_kib_is_refused_before_sending(aws: Aws, proxy: FaultProxy) -> None:
    huge = Outgoing("user.registered", json.dumps({**USER, "name": "x" * MAX_REQUEST_BYTES}), "t-h")
    with pytest.raises(PublishError, match=r'"user.registered" \(id t-h\): EntryTooLarge: the '
                                           r"entry is \d+ bytes; EventBridge accepts at most "
                                           r"262144"):
        publisher(aws, proxy.url).publish([huge])
    assert proxy.calls == []


# --- the emitting side: concurrent emits share calls ---------------------------------------

async def test_concurrent_emits_share_calls_of_ten_and_each_learns_its_own_fate(
        aws: Aws, deployed: Deployed, proxy: FaultProxy, demo_config: Config) -> None:
    import asyncio

    from tscrun.providers.aws.transport import EventBridgeTransport

    proxy.refuse = lambda entry, seen: ("InternalFailure", "try later") \
        if json.loads(entry["Detail"])["id"] == "u-4" else None
    transport = EventBridgeTransport(demo_config, client=aws.client("events", proxy.url))
    transport.publisher.retry_delay = 0.01

    results = await asyncio.gather(*(transport.send(user(n)) for n in range(23)),
                                   return_exceptions=True)
    await transport.close()

    assert [len(call) for call in proxy.calls[:3]] == [10, 10, 3]
    assert [len(call) for call in proxy.calls[3:]] == [1, 1, 1]  # u-4 alone, until given up
    failed = [r for r in results if isinstance(r, BaseException)]
    assert [str(f) for f in failed] == [
        'EventBridge bus "default" did not accept 1 of 1 event(s): "user.registered" (id t-4): '
        "InternalFailure: try later after 4 attempts"]
    assert isinstance(results[4], PublishError)
    assert len({r for r in results if isinstance(r, str)}) == 22
    got = bodies(aws, deployed, "demo-app-increment-registered-users")
    assert len(got) == 22 and "u-4" not in {b["detail"]["id"] for b in got}


async def test_the_transport_finds_moto_through_aws_endpoint_url(
        aws: Aws, deployed: Deployed, demo_config: Config) -> None:
    from types import SimpleNamespace

    from tscrun.providers.aws.transport import EventBridgeTransport

    transport = EventBridgeTransport(demo_config)  # boto3 reads AWS_ENDPOINT_URL, region
    await transport.publish(SimpleNamespace(type="user.registered", id="t-1", data=USER),
                            ["increment-registered-users"])
    got = bodies(aws, deployed, "demo-app-increment-registered-users")
    assert [b["detail"] for b in got] == [USER]


async def test_a_call_throttled_whole_is_retried_by_botocore(
        aws: Aws, deployed: Deployed, proxy: FaultProxy, demo_config: Config,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tscrun.providers.aws.transport import EventBridgeTransport

    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    proxy.throttle_calls = 2
    transport = EventBridgeTransport(demo_config)  # the client tscrun makes itself

    await transport.send(user(1))

    assert [len(call) for call in proxy.calls] == [0, 0, 1]
    assert [b["detail"]["id"] for b in bodies(aws, deployed,
                                              "demo-app-increment-registered-users")] == ["u-1"]
