"""The demo app on provider "aws", as a user runs it: its own API code emits through
``tscrun.events.emit``, the plan printed by the real ``tscrun aws plan`` is deployed to moto,
and ``tscrun.aws.handler`` runs the subscribers on what reached their queues."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import tscrun
import tscrun.aws
import tscrun.events
from tests.aws.conftest import DEMO, Aws, _purge, demo_module
from tests.aws.deploy import Deployed, deploy
from tests.aws.fault_proxy import FaultProxy
from tests.aws.poller import poll_until_empty, receive
from tscrun.errors import PayloadError, UnknownEventError
from tscrun.providers.aws.publish import PublishError


@pytest.fixture
def aws_demo(tmp_path: Path) -> Iterator[Path]:
    """The demo's config with provider = "aws", the demo's code as it is (copied: source
    roots must lie inside the project)."""
    shutil.copytree(DEMO, tmp_path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("pyproject.toml", "tscrun.toml", "__pycache__"))
    config = tmp_path / "tscrun.toml"
    config.write_text(textwrap.dedent('''
        project-name = "demo-app"
        provider = "aws"
        [events]
        max-attempts = 2
        [events.subscribers.send-welcome-email]
        events = ["user.registered", "user.verified"]
        [events.subscribers.increment-registered-users]
        events = ["user.registered"]
        [events.subscribers.update-analytics]
        events = ["user.registered", "order.completed", "payment.succeeded"]
        '''))
    _purge(DEMO)
    yield config
    tscrun.events._default = None
    _purge(tmp_path)


def tscrun_cli(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "tscrun"  # the installed console script
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture
def deployed(aws: Aws, aws_demo: Path) -> Deployed:
    proc = tscrun_cli("aws", "plan", "--config", str(aws_demo))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ('tscrun aws plan: warning: event "payment.succeeded" has no payload '
                           'TypedDict: module "events.payment_succeeded" not found; its schema is '
                           "left out\n")
    return deploy(json.loads(proc.stdout), aws.events, aws.sqs)


def test_the_demo_api_emits_and_the_lambda_handlers_run_the_subscribers(
        aws: Aws, aws_demo: Path, deployed: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = FaultProxy(aws.url).start()  # only counts the PutEvents calls here
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    dispatcher = tscrun.configure(aws_demo)

    async def api_calls() -> None:
        users = demo_module("functions.api.users")
        signups = [users.post({"name": f"user {n}", "email": f"u{n}@example.com"})
                   for n in range(12)]
        ids = await asyncio.gather(*signups)  # 12 emits, in two PutEvents calls
        await users.verify(ids[0]["id"], "u0@example.com")
        await dispatcher.close()

    import functions.api.users  # noqa: F401  (the demo's own API module, as the app imports it)

    asyncio.run(api_calls())
    proxy.stop()
    assert [len(call) for call in proxy.calls] == [10, 2, 1]

    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    monkeypatch.setenv("TSCRUN_CONFIG", str(aws_demo))
    for subscriber in ("send-welcome-email", "increment-registered-users", "update-analytics"):
        monkeypatch.setenv("TSCRUN_SUBSCRIBER", subscriber)
        queue = f"demo-app-{subscriber}"
        responses = poll_until_empty(aws.sqs, deployed.url(queue), deployed.queue_arns[queue],
                                     tscrun.aws.handler)
        assert all(r == {"batchItemFailures": []} for r in responses), responses
        assert receive(aws.sqs, deployed.url(queue + "-dlq")) == []

    sent = demo_module("functions.subscribers.send_welcome_email").SENT
    assert sorted(sent) == sorted([f"u{n}@example.com" for n in range(12)] + ["u0@example.com"])
    assert demo_module("functions.subscribers.increment_registered_users").COUNT == 12


def test_emit_refuses_bad_events_before_anything_is_sent(aws: Aws, aws_demo: Path,
                                                         deployed: Deployed) -> None:
    dispatcher = tscrun.configure(aws_demo)

    async def emits() -> None:
        with pytest.raises(UnknownEventError, match='unknown event "user-registered"; did you '
                                                    'mean "user.registered"?'):
            await tscrun.events.emit("user-registered", {})
        with pytest.raises(PayloadError, match='invalid payload for event "order.completed" at '
                                               'key "total": missing required key'):
            await tscrun.events.emit("order.completed", {"orderId": "o", "userId": "u",
                                                         "lines": []})
        await dispatcher.close()

    asyncio.run(emits())
    for queue in deployed.queue_urls.values():
        assert receive(aws.sqs, queue) == []


def test_emit_raises_publish_error_when_eventbridge_refuses(
        aws: Aws, aws_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # nothing deployed on purpose: the bus "nope" does not exist
    aws_demo.write_text(aws_demo.read_text().replace('[events]', '[events]\nevent-bus = "nope"'))
    dispatcher = tscrun.configure(aws_demo)
    payload = {"id": "u", "name": "n", "email": "e", "registeredAt": "t"}

    async def emit() -> None:
        try:
            await tscrun.events.emit("user.registered", payload)
        finally:
            await dispatcher.close()

    with pytest.raises(PublishError, match=r'EventBridge bus "nope" did not accept 1 of 1 '
                                           r'event\(s\): "user.registered" \(id [0-9a-f]+-[0-9a-f]+\): '
                                           "ResourceNotFoundException: Event bus nope does not "
                                           "exist"):
        asyncio.run(emit())


def test_the_console_script_lists_aws_and_rejects_a_bad_config(tmp_path: Path) -> None:
    proc = tscrun_cli("aws", "--help")
    assert proc.returncode == 0 and "plan" in proc.stdout
    bad = tmp_path / "tscrun.toml"
    bad.write_text('provider = "aws"\nregion = 3\n')
    proc = tscrun_cli("aws", "plan", "--config", str(bad))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"tscrun aws plan: {bad}:2: [region] expected a string, got an integer\n"
    assert "Traceback" not in proc.stderr
