"""``tscrun aws plan``: checked against the demo's config; its JSON Schemas against payloads."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.aws.conftest import DEMO, _purge
from tscrun.cli import aws as aws_cli
from tscrun.config import load_config
from tscrun.errors import PayloadError
from tscrun.imports import import_target
from tscrun.providers.aws.plan import build_plan, resource_name
from tscrun.validation import PayloadValidator


def run_plan(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="tscrun")
    aws_cli.register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(["aws", "plan", *args])
    code = parsed.run(parsed)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_plan(capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[dict[str, Any], str]]:
    _purge(DEMO)
    code, out, err = run_plan("--config", str(DEMO / "pyproject.toml"), capsys=capsys)
    assert code == 0, err
    yield json.loads(out), err
    _purge(DEMO)


def test_plan_of_the_demo_has_one_rule_per_subscriber_matching_its_events(
        demo_plan: tuple[dict[str, Any], str]) -> None:
    plan, _ = demo_plan
    config = load_config(DEMO / "pyproject.toml")
    assert (plan["project"], plan["source"], plan["eventBus"]) == ("demo-app", "demo-app",
                                                                   "default")
    assert [rule["subscriber"] for rule in plan["rules"]] == list(config.subscribers)
    for rule in plan["rules"]:
        sub = config.subscribers[rule["subscriber"]]
        assert rule["eventBusName"] == config.event_bus
        assert rule["eventPattern"] == {"source": ["demo-app"], "detail-type": list(sub.events)}
        assert rule["targets"] == [{"id": "queue", "queue": rule["name"],
                                    "deadLetterQueue": rule["name"] + "-dlq"}]
    assert plan["rules"][0]["name"] == "demo-app-send-welcome-email"
    assert plan["rules"][0]["eventPattern"]["detail-type"] == ["user.registered", "user.verified"]


def test_plan_queues_dead_letter_after_max_attempts_and_functions_report_batch_failures(
        demo_plan: tuple[dict[str, Any], str]) -> None:
    plan, _ = demo_plan
    queues = {q["name"]: q for q in plan["queues"]}
    assert queues["demo-app-update-analytics"]["redrivePolicy"] == {
        "deadLetterQueue": "demo-app-update-analytics-dlq", "maxReceiveCount": 3}
    assert queues["demo-app-update-analytics-dlq"]["deadLetterFor"] == "demo-app-update-analytics"
    assert len(queues) == 6
    function = next(f for f in plan["functions"] if f["subscriber"] == "update-analytics")
    assert function == {
        "name": "demo-app-update-analytics", "subscriber": "update-analytics",
        "handler": "tscrun.aws.handler", "runs": "functions.subscribers.update_analytics:listen",
        "environment": {"TSCRUN_SUBSCRIBER": "update-analytics"},
        "eventSourceMapping": {"queue": "demo-app-update-analytics", "batchSize": 10,
                               "functionResponseTypes": ["ReportBatchItemFailures"]}}


def test_plan_events_carry_their_payload_type_subscribers_and_schema(
        demo_plan: tuple[dict[str, Any], str]) -> None:
    plan, err = demo_plan
    events = plan["events"]
    assert list(events) == ["user.registered", "user.verified", "order.completed",
                            "payment.succeeded"]
    assert events["user.registered"]["payloadType"] == \
        "events.user_registered:UserRegisteredEvent"
    assert events["user.registered"]["subscribers"] == [
        "send-welcome-email", "increment-registered-users", "update-analytics"]
    schema = events["user.registered"]["schema"]
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["required"] == ["id", "name", "email", "registeredAt"]
    assert set(schema["properties"]) == {"id", "name", "email", "registeredAt", "age"}
    # the demo's own mistake: payment.succeeded has no TypedDict
    assert events["payment.succeeded"]["schema"] is None
    warning = ('event "payment.succeeded" has no payload TypedDict: module '
               '"events.payment_succeeded" not found; its schema is left out')
    provider = ('provider is "local" in pyproject.toml; set provider = "aws" for emit to publish '
                "to EventBridge")
    assert plan["warnings"] == [provider, warning]
    assert err == f"tscrun aws plan: warning: {provider}\ntscrun aws plan: warning: {warning}\n"


DEMO_PAYLOADS: list[tuple[str, Any, bool]] = [
    ("user.registered", {"id": "u", "name": "n", "email": "e", "registeredAt": "t"}, True),
    ("user.registered", {"id": "u", "name": "n", "email": "e", "registeredAt": "t", "age": 3},
     True),
    ("user.registered", {"id": "u", "name": "n", "email": "e"}, False),
    ("user.registered", {"id": "u", "name": "n", "email": "e", "registeredAt": "t", "x": 1},
     False),
    ("user.registered", {"id": "u", "name": "n", "email": "e", "registeredAt": "t",
                         "age": "3"}, False),
    ("user.registered", {"id": "u", "name": "n", "email": "e", "registeredAt": "t",
                         "age": 3.5}, False),
    ("user.registered", ["not", "a", "mapping"], False),
    ("user.verified", {"id": "u", "email": "e", "verifiedAt": "t"}, True),
    ("user.verified", {"id": "u", "email": None, "verifiedAt": "t"}, False),
    ("order.completed", {"orderId": "o", "userId": "u", "total": 1,
                         "lines": [{"sku": "s", "quantity": 2, "price": 12.5}]}, True),
    ("order.completed", {"orderId": "o", "userId": "u", "total": 1.5, "lines": []}, True),
    ("order.completed", {"orderId": "o", "userId": "u", "total": 1,
                         "lines": [{"sku": "s", "quantity": 2.5, "price": 12.5}]}, False),
    ("order.completed", {"orderId": "o", "userId": "u", "total": 1,
                         "lines": [{"sku": "s", "quantity": 2}]}, False),
    ("order.completed", {"orderId": "o", "userId": "u", "total": "1", "lines": []}, False),
]


@pytest.mark.parametrize(("event", "payload", "valid"), DEMO_PAYLOADS)
def test_demo_schemas_accept_what_emit_accepts(demo_plan: tuple[dict[str, Any], str],
                                               event: str, payload: Any, valid: bool) -> None:
    plan, _ = demo_plan
    schema = plan["events"][event]["schema"]
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    assert validator_class is jsonschema.Draft4Validator
    assert validator_class(schema).is_valid(payload) is valid
    # the same verdict as validation at emit
    config = load_config(DEMO / "pyproject.toml")
    check = PayloadValidator(event, import_target(config.events[event].payload))  # type: ignore[arg-type]
    try:
        check(payload)
        accepted = True
    except PayloadError:
        accepted = False
    assert accepted is valid


SYNTAX = '''
    from enum import Enum
    from typing import Annotated, Literal, NotRequired, Required, TypedDict
    from typing_extensions import ReadOnly


    class Colour(Enum):
        RED = "red"
        BLUE = "blue"


    class Base(TypedDict, total=False):
        note: str
        kind: Required[Literal["a", "b"]]


    class Node(TypedDict):
        name: str
        children: list["Node"]


    Point = TypedDict("Point", {"x": int, "y": "float | None"})


    class ThingHappenedEvent(Base):
        tree: Node
        where: NotRequired[Point]
        tags: dict[str, int]
        pair: tuple[str, int]
        many: tuple[int, ...]
        colour: Colour
        frozen: ReadOnly[Annotated[int, "meta"]]
        maybe: int | str | None
        blob: bytes
    '''


@pytest.fixture
def syntax_project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "syntax"
    (root / "events").mkdir(parents=True)
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "thing_happened.py").write_text(textwrap.dedent(SYNTAX))
    (root / "tscrun.toml").write_text(textwrap.dedent('''
        project-name = "syntax"
        provider = "aws"
        [events.types]
        "thing.happened" = "events.thing_happened:ThingHappenedEvent"
        '''))
    _purge(root)
    yield root
    _purge(root)


THING = {"kind": "a", "tree": {"name": "r", "children": [{"name": "c", "children": []}]},
         "tags": {"k": 1}, "pair": ["s", 1], "many": [1, 2, 3], "colour": "red", "frozen": 1,
         "maybe": None, "blob": "anything"}
THING_CASES: list[tuple[dict[str, Any], bool]] = [
    (THING, True),
    ({**THING, "note": "n", "where": {"x": 1, "y": None}}, True),
    ({**THING, "where": {"x": 1, "y": 2.5}, "maybe": "s"}, True),
    ({k: v for k, v in THING.items() if k != "kind"}, False),
    ({**THING, "kind": "c"}, False),
    ({**THING, "tree": {"name": "r", "children": [{"name": 1, "children": []}]}}, False),
    ({**THING, "where": {"x": 1}}, False),
    ({**THING, "tags": {"k": "v"}}, False),
    ({**THING, "pair": ["s", 1, 2]}, False),
    ({**THING, "many": [1, "2"]}, False),
    ({**THING, "colour": "green"}, False),
    ({**THING, "maybe": 1.5}, False),
]


@pytest.mark.parametrize(("payload", "valid"), THING_CASES)
def test_schema_follows_every_typeddict_form(syntax_project: Path, payload: dict[str, Any],
                                             valid: bool) -> None:
    plan = build_plan(load_config(syntax_project / "tscrun.toml"))
    schema = plan["events"]["thing.happened"]["schema"]
    jsonschema.Draft4Validator.check_schema(schema)
    assert jsonschema.Draft4Validator(schema).is_valid(payload) is valid
    assert plan["rules"] == []  # an event nobody subscribes to: a schema, no rule
    assert plan["warnings"] == [
        "event \"thing.happened\": \"ThingHappenedEvent.blob\": <class 'bytes'> has no JSON "
        "form; its schema accepts any value"]


def test_a_bad_config_is_a_message_and_exit_2(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "tscrun.toml"
    config.write_text('provider = "aws"\n[events]\nmax-atempts = 2\n')
    code, out, err = run_plan("--config", str(config), capsys=capsys)
    assert (code, out) == (2, "")
    assert err == (f'tscrun aws plan: {config}:3: [events.max-atempts] unknown key "max-atempts"; '
                   'did you mean "max-attempts"?\n')


def test_a_payload_module_that_raises_is_exit_1_and_output_goes_to_a_file(
        syntax_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "plan.json"
    code, out, err = run_plan("--config", str(syntax_project / "tscrun.toml"), "-o",
                              str(out_file), capsys=capsys)
    assert (code, out) == (0, "")
    assert json.loads(out_file.read_text())["events"]["thing.happened"]["schema"]["title"] == \
        "ThingHappenedEvent"

    (syntax_project / "events" / "thing_happened.py").write_text("raise RuntimeError('boom')\n")
    _purge(syntax_project)
    code, out, err = run_plan("--config", str(syntax_project / "tscrun.toml"), capsys=capsys)
    assert (code, out) == (1, "")
    assert err == ('tscrun aws plan: error: payload type "events.thing_happened:ThingHappenedEvent" '
                   'of event "thing.happened" could not be imported: importing '
                   '"events.thing_happened" failed: RuntimeError(\'boom\')\n')


def test_names_are_valid_for_queues_rules_and_functions() -> None:
    assert resource_name("my app", "send.welcome/email") == "my-app-send-welcome-email"
    long = resource_name("p" * 50, "s" * 50)
    assert len(long) <= 60 and long != resource_name("p" * 50, "s" * 49 + "t")
    assert all(len(resource_name("x" * n, "y")) + len("-dlq") <= 64 for n in range(1, 120))


def test_import_tscrun_stays_light_and_the_handler_needs_no_pydantic(tmp_path: Path) -> None:
    record = {"messageId": "m-1", "receiptHandle": "r", "md5OfBody": "", "eventSource": "aws:sqs",
              "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1",
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
              "body": json.dumps({"id": "e-1", "detail-type": "user.registered",
                                  "source": "demo-app", "time": "2026-11-29T10:00:00Z",
                                  "detail": {"id": "u", "name": "n", "email": "e@x",
                                             "registeredAt": "t"}})}
    script = textwrap.dedent(f'''
        import json, sys
        import tscrun, tscrun.aws
        assert "boto3" not in sys.modules and "aws_lambda_powertools" not in sys.modules
        from tscrun.config import load_config
        from tscrun.providers.aws.plan import build_plan
        build_plan(load_config())
        assert "boto3" not in sys.modules and "aws_lambda_powertools" not in sys.modules
        response = tscrun.aws.handler({{"Records": [{record!r}]}}, None)
        assert response == {{"batchItemFailures": []}}, response
        print(sorted(m for m in ("pydantic", "boto3") if m in sys.modules))
        ''')
    env = {"PATH": "/usr/bin:/bin", "TSCRUN_SUBSCRIBER": "send-welcome-email",
           "TSCRUN_CONFIG": str(DEMO / "pyproject.toml")}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
