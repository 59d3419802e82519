"""The Lambda entry point, fed SQS batches from moto by a stand-in for the event source mapping."""

from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.aws.conftest import DEMO, Aws, _purge, demo_module
from tests.aws.deploy import Deployed, deploy
from tests.aws.poller import poll_once, poll_until_empty, receive
from tscrun.config import Config, load_config
from tscrun.errors import ConfigError, TscrunError
from tscrun.providers.aws.entry import SubscriberFunction
from tscrun.providers.aws.plan import build_plan
from tscrun.providers.aws.publish import Outgoing, Publisher
from tscrun.providers.json_payload import to_json

USER = {"id": "u-1", "name": "Ada", "email": "ada@example.com", "registeredAt": "2026-01-01"}
WELCOME = "demo-app-send-welcome-email"
COUNTER = "demo-app-increment-registered-users"


def emit(aws: Aws, *events: tuple[str, dict[str, Any]]) -> list[str]:
    publisher = Publisher(aws.events, source="demo-app", bus="default")
    return publisher.publish([Outgoing(name, to_json(name, data)) for name, data in events])


def put_raw(aws: Aws, detail_type: str, detail: dict[str, Any]) -> str:
    """Another producer on the bus: no tscrun, no validation."""
    response = aws.events.put_events(Entries=[{
        "Source": "demo-app", "DetailType": detail_type, "Detail": json.dumps(detail),
        "EventBusName": "default"}])
    assert response["FailedEntryCount"] == 0
    return str(response["Entries"][0]["EventId"])


@pytest.fixture
def deployed(aws: Aws, demo_config: Config) -> Deployed:
    return deploy(build_plan(demo_config), aws.events, aws.sqs)


def test_lambda_handler_runs_the_demo_subscribers_on_sqs_batches(
        aws: Aws, deployed: Deployed, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import tscrun.aws

    monkeypatch.setenv("TSCRUN_CONFIG", str(DEMO / "pyproject.toml"))
    emit(aws, ("user.registered", USER),
         ("user.verified", {"id": "u-1", "email": "ada@example.com", "verifiedAt": "now"}),
         ("user.registered", {**USER, "id": "u-2", "email": "bob@example.com"}))

    monkeypatch.setenv("TSCRUN_SUBSCRIBER", "send-welcome-email")
    responses = poll_until_empty(aws.sqs, deployed.url(WELCOME), deployed.queue_arns[WELCOME],
                                 tscrun.aws.handler)
    assert responses == [{"batchItemFailures": []}]
    sent = demo_module("functions.subscribers.send_welcome_email").SENT
    assert sorted(sent) == ["ada@example.com", "ada@example.com", "bob@example.com"]

    # a plain `def` handler runs through the same entry point
    monkeypatch.setenv("TSCRUN_SUBSCRIBER", "increment-registered-users")
    responses = poll_until_empty(aws.sqs, deployed.url(COUNTER), deployed.queue_arns[COUNTER],
                                 tscrun.aws.handler)
    assert responses == [{"batchItemFailures": []}]
    assert demo_module("functions.subscribers.increment_registered_users").COUNT == 2
    assert "increment-registered-users: 2 registered so far" in capsys.readouterr().out
    # nothing left behind, nothing dead-lettered
    for queue in (WELCOME, COUNTER):
        assert receive(aws.sqs, deployed.url(queue)) == []
        assert receive(aws.sqs, deployed.url(queue + "-dlq")) == []


def test_a_failing_record_is_reported_alone_and_reaches_the_dead_letter_queue(
        aws: Aws, deployed: Deployed, demo_config: Config,
        caplog: pytest.LogCaptureFixture) -> None:
    function = SubscriberFunction("send-welcome-email", demo_config)
    good = emit(aws, ("user.registered", USER))[0]
    bad = put_raw(aws, "user.registered", {"id": "u-9", "name": "Eve"})  # no email

    url, arn = deployed.url(WELCOME), deployed.queue_arns[WELCOME]
    with caplog.at_level(logging.ERROR, logger="tscrun.aws"):
        first = poll_once(aws.sqs, url, arn, function)
    assert first is not None
    failed_ids = [item["itemIdentifier"] for item in first["batchItemFailures"]]
    assert len(failed_ids) == 1
    assert demo_module("functions.subscribers.send_welcome_email").SENT == ["ada@example.com"]
    assert (f'subscriber "send-welcome-email" refused SQS message {failed_ids[0]} (event id '
            f'{bad}, attempt 1): invalid payload for event "user.registered" at key "email": '
            'missing required key(s) "email", "registeredAt" of UserRegisteredEvent') in caplog.text

    # received again (max-attempts = 2 = maxReceiveCount), fails again, then moves to the DLQ
    rest = poll_until_empty(aws.sqs, url, arn, function)
    assert rest == [{"batchItemFailures": [{"itemIdentifier": failed_ids[0]}]}]
    dead = receive(aws.sqs, deployed.url(WELCOME + "-dlq"))
    assert len(dead) == 1
    assert dead[0]["MessageId"] == failed_ids[0]
    envelope = json.loads(dead[0]["Body"])
    assert (envelope["id"], envelope["detail"]) == (bad, {"id": "u-9", "name": "Eve"})
    assert good != bad


def test_an_event_the_subscriber_does_not_receive_fails_with_the_reason(
        aws: Aws, demo_config: Config) -> None:
    function = SubscriberFunction("increment-registered-users", demo_config)
    with pytest.raises(TscrunError, match='subscriber "increment-registered-users" does not '
                                          'receive event "user.verified" \\(it receives '
                                          '"user.registered"\\); check the rule\'s event pattern'):
        function({"detail-type": "user.verified", "source": "demo-app", "id": "e-1",
                  "time": "2026-01-01T00:00:00Z", "detail": {}})


def test_an_unknown_subscriber_or_missing_variable_says_what_to_set(
        demo_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    import tscrun.aws

    with pytest.raises(ConfigError, match='no subscriber "send-welcome" in the config '
                                          '\\(subscribers: "send-welcome-email", '):
        SubscriberFunction("send-welcome", demo_config)
    monkeypatch.delenv("TSCRUN_SUBSCRIBER", raising=False)
    with pytest.raises(ConfigError, match="set the environment variable TSCRUN_SUBSCRIBER"):
        tscrun.aws.handler({"Records": []}, None)


# --- a project of our own: what the handler sees ------------------------------------------

FLAKY = '''
    from tscrun.events import Event
    from events.user_registered import UserRegisteredEvent

    SEEN = []

    async def listen(event: Event[UserRegisteredEvent]) -> None:
        SEEN.append(event)
        if event.data["name"] == "flaky" and len(SEEN) == 1:
            raise ConnectionError("mail server down")
        if event.data["name"] == "always":
            raise ConnectionError("mail server gone")
    '''


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Config]:
    root = tmp_path / "proj"
    (root / "events").mkdir(parents=True)
    (root / "functions" / "subscribers").mkdir(parents=True)
    for init in ("events", "functions", "functions/subscribers"):
        (root / init / "__init__.py").write_text("")
    (root / "events" / "user_registered.py").write_text((DEMO / "events" /
                                                          "user_registered.py").read_text())
    (root / "functions" / "subscribers" / "mailer.py").write_text(textwrap.dedent(FLAKY))
    (root / "tscrun.toml").write_text(textwrap.dedent('''
        project-name = "shop"
        provider = "aws"
        [events]
        max-attempts = 3
        [events.subscribers.mailer]
        events = ["user.registered"]
        '''))
    _purge(root)
    yield load_config(root / "tscrun.toml")
    _purge(root)


def test_a_failed_record_is_retried_by_the_queue_and_then_succeeds(aws: Aws,
                                                                   project: Config) -> None:
    plan = build_plan(project)
    deployed = deploy(plan, aws.events, aws.sqs)
    function = SubscriberFunction("mailer", project)
    [event_id] = Publisher(aws.events, source="shop", bus="default").publish(
        [Outgoing("user.registered", to_json("user.registered", {**USER, "name": "flaky"}))])

    responses = poll_until_empty(aws.sqs, deployed.url("shop-mailer"),
                                 deployed.queue_arns["shop-mailer"], function)

    assert [len(r["batchItemFailures"]) for r in responses] == [1, 0]
    seen = function.listen.__globals__["SEEN"]
    # the same event twice: EventBridge's id (to deduplicate on), SQS's receive count as attempt
    assert [(e.type, e.id, e.attempt) for e in seen] == [("user.registered", event_id, 1),
                                                         ("user.registered", event_id, 2)]
    assert seen[0].timestamp == seen[1].timestamp
    assert seen[0].timestamp.tzinfo is not None
    assert abs((datetime.now(UTC) - seen[0].timestamp).total_seconds()) < 3600
    assert receive(aws.sqs, deployed.url("shop-mailer-dlq")) == []


def test_every_record_failing_is_still_a_partial_response(aws: Aws, project: Config) -> None:
    deployed = deploy(build_plan(project), aws.events, aws.sqs)
    function = SubscriberFunction("mailer", project)
    Publisher(aws.events, source="shop", bus="default").publish(
        [Outgoing("user.registered", to_json("user.registered", {**USER, "name": "always"}))
         for _ in range(2)])

    responses = poll_until_empty(aws.sqs, deployed.url("shop-mailer"),
                                 deployed.queue_arns["shop-mailer"], function)

    assert [len(r["batchItemFailures"]) for r in responses] == [2, 2, 2]  # maxReceiveCount 3
    assert len(receive(aws.sqs, deployed.url("shop-mailer-dlq"))) == 2


def test_a_direct_eventbridge_event_runs_once_and_a_failure_raises(project: Config) -> None:
    function = SubscriberFunction("mailer", project)
    envelope = {"version": "0", "id": "4f6b1c2e", "detail-type": "user.registered",
                "source": "shop", "account": "123456789012", "time": "2026-11-29T10:00:00Z",
                "region": "us-east-1", "resources": [], "detail": USER}
    assert function(envelope, None) is None
    seen = function.listen.__globals__["SEEN"]
    assert [(e.type, e.data, e.id, e.timestamp, e.attempt) for e in seen] == [
        ("user.registered", USER, "4f6b1c2e", datetime(2026, 11, 29, 10, tzinfo=UTC), 1)]

    with pytest.raises(ConnectionError, match="mail server gone"):
        function({**envelope, "detail": {**USER, "name": "always"}}, None)
    with pytest.raises(TscrunError, match='event "user.registered" comes from source "other", '
                                          'not from project "shop"'):
        function({**envelope, "source": "other"}, None)
    with pytest.raises(TscrunError, match="neither an EventBridge event"):
        function({"hello": "world"}, None)


SLOW = '''
    import asyncio

    async def listen(event):
        if event.data["name"] == "slow":
            await asyncio.sleep(30)
    '''


def test_events_timeout_bounds_one_attempt_of_an_async_handler(tmp_path: Path) -> None:
    root = tmp_path / "slow"
    (root / "functions" / "subscribers").mkdir(parents=True)
    for init in ("functions", "functions/subscribers"):
        (root / init / "__init__.py").write_text("")
    (root / "functions" / "subscribers" / "mailer.py").write_text(textwrap.dedent(SLOW))
    (root / "tscrun.toml").write_text(textwrap.dedent('''
        project-name = "shop"
        [events]
        validate-payloads = false
        [events.subscribers.mailer]
        events = ["user.registered"]
        timeout = 1
        '''))
    _purge(root)
    try:
        function = SubscriberFunction("mailer", load_config(root / "tscrun.toml"))
        record = {"messageId": "m-1", "receiptHandle": "r", "md5OfBody": "",
                  "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                  "awsRegion": "us-east-1", "attributes": {"ApproximateReceiveCount": "1"},
                  "messageAttributes": {}}
        envelope = {"id": "e-1", "detail-type": "user.registered", "source": "shop",
                    "time": "2026-11-29T10:00:00Z", "detail": {"name": "quick"}}
        slow = {**envelope, "id": "e-2", "detail": {"name": "slow"}}
        response = function({"Records": [{**record, "body": json.dumps(envelope)},
                                          {**record, "messageId": "m-2",
                                           "body": json.dumps(slow)}]}, None)
        assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    finally:
        _purge(root)


COUNTING = '''
    import asyncio

    RUNNING = [0]
    PEAK = [0]

    async def listen(event):
        RUNNING[0] += 1
        PEAK[0] = max(PEAK[0], RUNNING[0])
        for _ in range(5):
            await asyncio.sleep(0)
        RUNNING[0] -= 1
    '''


@pytest.mark.parametrize(("setting", "peak"), [("", 3), ("concurrency = 1", 1)])
def test_a_subscribers_concurrency_caps_records_run_at_once(tmp_path: Path, setting: str,
                                                            peak: int) -> None:
    root = tmp_path / "counting"
    (root / "functions" / "subscribers").mkdir(parents=True)
    for init in ("functions", "functions/subscribers"):
        (root / init / "__init__.py").write_text("")
    (root / "functions" / "subscribers" / "mailer.py").write_text(textwrap.dedent(COUNTING))
    (root / "tscrun.toml").write_text(textwrap.dedent(f'''
        project-name = "shop"
        [events]
        validate-payloads = false
        [events.subscribers.mailer]
        events = ["user.registered"]
        {setting}
        '''))
    _purge(root)
    try:
        function = SubscriberFunction("mailer", load_config(root / "tscrun.toml"))
        records = [{"messageId": f"m-{n}", "receiptHandle": "r", "md5OfBody": "",
                    "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                    "awsRegion": "us-east-1", "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "body": json.dumps({"id": f"e-{n}", "detail-type": "user.registered",
                                        "source": "shop", "time": "2026-11-29T10:00:00Z",
                                        "detail": {}})} for n in range(3)]
        assert function({"Records": records}, None) == {"batchItemFailures": []}
        assert function.listen.__globals__["PEAK"] == [peak]
    finally:
        _purge(root)


def test_records_that_are_not_eventbridge_events_fail_alone(
        demo_config: Config, caplog: pytest.LogCaptureFixture) -> None:
    function = SubscriberFunction("increment-registered-users", demo_config)
    base = {"receiptHandle": "r", "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1",
            "attributes": {"ApproximateReceiveCount": "2"}, "messageAttributes": {}}
    good = {"id": "e-1", "detail-type": "user.registered", "source": "demo-app",
            "time": "2026-11-29T10:00:00Z", "detail": USER}
    records = [{**base, "messageId": "m-text", "body": "hello"},
               {**base, "messageId": "m-list", "body": "[1, 2]"},
               {**base, "messageId": "m-good", "body": json.dumps(good)},
               {**base, "messageId": "m-noid", "body": json.dumps({**good, "id": None})}]

    with caplog.at_level(logging.ERROR, logger="tscrun.aws"):
        response = function({"Records": records}, None)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-text"},
                                              {"itemIdentifier": "m-list"},
                                              {"itemIdentifier": "m-noid"}]}
    assert demo_module("functions.subscribers.increment_registered_users").COUNT == 1
    assert 'SQS message m-text for subscriber "increment-registered-users" is not JSON' \
        in caplog.text
    assert ('subscriber "increment-registered-users" refused SQS message m-list (event id None, '
            "attempt 2): expected an EventBridge event (a JSON object), got list") in caplog.text
    assert 'event "user.registered" has no usable "id" and "time" (got None, ' \
           "'2026-11-29T10:00:00Z')" in caplog.text
