"""Building a dispatcher: what a broken project looks like to its user."""

from __future__ import annotations

import logging

import pytest

import tscrun
from tests.runtime.conftest import (
    RECORDING_HANDLER,
    USER_REGISTERED,
    MakeProject,
    module,
)
from tscrun import ConfigError, Dispatcher, PayloadError, TscrunError

ONE_SUBSCRIBER = """
    [events.subscribers.send-welcome-email]
    events = ["user.registered"]
    """


async def test_remote_provider_dispatcher_imports_no_handler(make_project: MakeProject) -> None:
    # The handler does not exist: with a remote provider it runs elsewhere, so the
    # emitting process neither imports it nor complains; emit still checks names.
    config = make_project('provider = "redis"\n' + ONE_SUBSCRIBER,
                          {"events/user_registered.py": USER_REGISTERED})
    dispatcher = Dispatcher(tscrun.load_config(config))
    with pytest.raises(tscrun.UnknownEventError):
        await dispatcher.emit("user.registerd", {})


def test_handler_found_by_convention_but_missing(make_project: MakeProject) -> None:
    config = make_project(ONE_SUBSCRIBER, {"events/user_registered.py": USER_REGISTERED})
    with pytest.raises(ConfigError) as info:
        Dispatcher(tscrun.load_config(config))
    assert str(info.value) == (
        f"{config}:1: [events.subscribers.send-welcome-email] handler "
        '"functions.subscribers.send_welcome_email:listen" of subscriber "send-welcome-email" '
        'not found: module "functions.subscribers.send_welcome_email" not found (found by '
        'convention; set handler = "module:function" to point elsewhere)')
    assert (info.value.key, info.value.line) == ("events.subscribers.send-welcome-email", 1)


def test_explicit_handler_without_that_function(make_project: MakeProject) -> None:
    config = make_project(
        """
        [tool.tscrun.events.subscribers.send-welcome-email]
        events = ["user.registered"]
        handler = "mail.welcome:send"
        """,
        {"mail/welcome.py": "def sent():\n    pass\n",
         "events/user_registered.py": USER_REGISTERED},
        config_name="pyproject.toml")
    with pytest.raises(ConfigError) as info:
        Dispatcher(tscrun.load_config(config))
    assert info.value.key == "tool.tscrun.events.subscribers.send-welcome-email.handler"
    assert info.value.line == 3
    assert info.value.message == ('handler "mail.welcome:send" of subscriber "send-welcome-email" '
                                  'not found: module "mail.welcome" has no attribute "send"')


def test_handler_that_is_not_callable(make_project: MakeProject) -> None:
    config = make_project(ONE_SUBSCRIBER, {
        "functions/subscribers/send_welcome_email.py": "listen = 42\n",
        "events/user_registered.py": USER_REGISTERED})
    with pytest.raises(ConfigError) as info:
        Dispatcher(tscrun.load_config(config))
    assert info.value.message == (
        'handler "functions.subscribers.send_welcome_email:listen" of subscriber '
        '"send-welcome-email" not found: it is not callable (int 42)')


def test_handler_module_that_fails_to_import_keeps_its_cause(make_project: MakeProject) -> None:
    config = make_project(ONE_SUBSCRIBER, {
        "functions/subscribers/send_welcome_email.py": "import smtp_client_not_installed\n",
        "events/user_registered.py": USER_REGISTERED})
    with pytest.raises(TscrunError) as info:
        Dispatcher(tscrun.load_config(config))
    assert not isinstance(info.value, ConfigError)
    assert str(info.value).startswith(
        'handler "functions.subscribers.send_welcome_email:listen" of subscriber '
        '"send-welcome-email" could not be imported: importing '
        '"functions.subscribers.send_welcome_email" failed: ModuleNotFoundError(')
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert info.value.__cause__.name == "smtp_client_not_installed"


async def test_event_without_payload_type_warns_and_still_runs_the_others(
        make_project: MakeProject, caplog: pytest.LogCaptureFixture) -> None:
    # As in the demo: payment.succeeded has no TypedDict anywhere.
    config = make_project("""
        [events.subscribers.update-analytics]
        events = ["user.registered", "payment.succeeded"]
        """, {"events/user_registered.py": USER_REGISTERED,
              "functions/subscribers/update_analytics.py": RECORDING_HANDLER})
    caplog.set_level(logging.WARNING, logger="tscrun")
    dispatcher = Dispatcher(tscrun.load_config(config))
    assert [r.getMessage() for r in caplog.records] == [
        'event "payment.succeeded" has no payload TypedDict: module "events.payment_succeeded" '
        "not found; payloads of this event are only checked to be mappings"]

    await dispatcher.emit("payment.succeeded", {"amount": 5})
    with pytest.raises(PayloadError) as info:
        await dispatcher.emit("payment.succeeded", "5 EUR")  # type: ignore[arg-type]
    assert str(info.value) == 'invalid payload for event "payment.succeeded": expected a mapping, ' \
        "got str"
    with pytest.raises(PayloadError, match='at key "email"'):
        await dispatcher.emit("user.registered", {"id": "u", "name": "n", "registeredAt": "t"})
    await dispatcher.drain()
    assert [e.type for e in module("functions.subscribers.update_analytics").RECEIVED] == [
        "payment.succeeded"]


def test_payload_type_that_is_not_a_typeddict_warns(make_project: MakeProject,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    config = make_project(ONE_SUBSCRIBER, {
        "events/user_registered.py": "class UserRegisteredEvent:\n    id: str\n",
        "functions/subscribers/send_welcome_email.py": RECORDING_HANDLER})
    caplog.set_level(logging.WARNING, logger="tscrun")
    Dispatcher(tscrun.load_config(config))
    assert [r.getMessage() for r in caplog.records] == [
        'event "user.registered" has no payload TypedDict: "UserRegisteredEvent" is not a '
        "TypedDict; payloads of this event are only checked to be mappings"]


def test_payload_type_module_that_fails_to_import(make_project: MakeProject) -> None:
    config = make_project(ONE_SUBSCRIBER, {
        "events/user_registered.py": "raise RuntimeError('half-written module')\n",
        "functions/subscribers/send_welcome_email.py": RECORDING_HANDLER})
    with pytest.raises(TscrunError, match=r'^payload type "events.user_registered:'
                                          r'UserRegisteredEvent" of event "user.registered" could '
                                          r"not be imported: importing"):
        Dispatcher(tscrun.load_config(config))


@pytest.mark.parametrize(("toml", "key"), [
    ("[events]\nmax-attempts = 0\n", "events.max-attempts"),
    ("[events]\nretry-delay = \"fast\"\n", "events.retry-delay"),
    ("[events.subscribers.a]\nevents = \"x.y\"\n", "events.subscribers.a.events"),
])
def test_configure_reports_config_errors_naming_the_key(make_project: MakeProject, toml: str,
                                                        key: str) -> None:
    with pytest.raises(ConfigError) as info:
        tscrun.configure(make_project(toml))
    assert info.value.key == key
    assert f"[{key}]" in str(info.value)


async def test_emit_without_any_config_says_how_to_create_one(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TSCRUN_CONFIG", raising=False)
    monkeypatch.chdir("/")  # nothing to discover above the file-system root
    with pytest.raises(ConfigError) as info:
        await tscrun.events.emit("user.registered", {})
    assert str(info.value) == (
        "no tscrun config found in / or any parent folder; create tscrun.toml or add "
        "[tool.tscrun] to pyproject.toml (or set TSCRUN_CONFIG)")
