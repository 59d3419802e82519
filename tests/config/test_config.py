"""The one config loader: keys, defaults, conventions, discovery and its errors."""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import pytest

from tscrun import ConfigError, Target, find_config, load_config
from tscrun.config import DEFAULT_NAMING, handler_convention, payload_convention

MINIMAL = """
    [events.subscribers.send-welcome-email]
    events = ["user.registered"]
    """


def write(folder: Path, text: str, name: str = "tscrun.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def error(folder: Path, text: str, name: str = "tscrun.toml") -> ConfigError:
    path = write(folder, text, name)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == path
    return info.value


# --- defaults and conventions ----------------------------------------------------------

def test_every_key_has_its_default(tmp_path: Path) -> None:
    path = write(tmp_path / "shop", MINIMAL)
    config = load_config(path)
    assert config.path == path and config.root == tmp_path / "shop"
    assert config.project_name == "shop"
    assert config.provider == "local" and config.region is None
    assert config.source_roots == ((tmp_path / "shop").resolve(),)
    assert config.event_bus == "default"
    assert config.types_module == "events"
    assert config.subscribers_module == "functions.subscribers"
    assert config.naming.pattern == DEFAULT_NAMING == r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
    assert config.naming_line is None
    assert config.validate_payloads is True
    assert config.max_attempts == 3 and config.retry_delay == 0.5
    assert config.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_key_can_be_set(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        project-name = "my-app"
        provider = "aws"
        region = "eu-west-1"
        source-roots = ["src", "lib"]

        [events]
        event-bus = "orders-bus"
        types-module = "app.payloads"
        subscribers-module = "app.handlers"
        naming = '^[a-z]+(\\.[a-z]+)+$'
        validate-payloads = false
        max-attempts = 5
        retry-delay = 2

        [events.types]
        "payment.failed" = "billing.payloads:PaymentFailed"

        [events.subscribers.send-welcome-email]
        events = ["user.registered", "user.verified"]
        handler = "mail.welcome:send"
        """))
    assert (config.project_name, config.provider, config.region) == ("my-app", "aws", "eu-west-1")
    assert config.source_roots == ((tmp_path / "src").resolve(), (tmp_path / "lib").resolve())
    assert (config.event_bus, config.types_module, config.subscribers_module) == (
        "orders-bus", "app.payloads", "app.handlers")
    assert config.naming.pattern == r"^[a-z]+(\.[a-z]+)+$" and config.naming_line == 10
    assert config.validate_payloads is False
    assert config.max_attempts == 5
    assert config.retry_delay == 2.0 and isinstance(config.retry_delay, float)
    assert list(config.events) == ["payment.failed", "user.registered", "user.verified"]
    assert config.events["payment.failed"].payload == Target(
        "billing.payloads", "PaymentFailed", explicit=True, line=16)
    assert config.events["payment.failed"].subscribers == ()
    assert config.events["user.verified"].payload == Target(
        "app.payloads.user_verified", "UserVerifiedEvent", explicit=False, line=19)
    sub = config.subscribers["send-welcome-email"]
    assert sub.events == ("user.registered", "user.verified")
    assert sub.handler == Target("mail.welcome", "send", explicit=True, line=20)


def test_conventions() -> None:
    assert payload_convention("order.line_added", "events") == Target(
        "events.order_line_added", "OrderLineAddedEvent", explicit=False)
    assert payload_convention("user.registered", "app.payloads") == Target(
        "app.payloads.user_registered", "UserRegisteredEvent", explicit=False)
    assert handler_convention("send-welcome-email", "functions.subscribers") == Target(
        "functions.subscribers.send_welcome_email", "listen", explicit=False)
    assert str(handler_convention("update-analytics", "app.handlers")) == \
        "app.handlers.update_analytics:listen"


def test_conventions_apply_to_loaded_entries(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        [events.subscribers.send-welcome-email]
        events = ["order.line_added"]
        """))
    assert str(config.events["order.line_added"].payload) == \
        "events.order_line_added:OrderLineAddedEvent"
    assert str(config.subscribers["send-welcome-email"].handler) == \
        "functions.subscribers.send_welcome_email:listen"
    assert config.events["order.line_added"].subscribers == ("send-welcome-email",)


def test_entries_remember_their_lines(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        [tool.tscrun]
        project-name = "demo"

        [tool.tscrun.events.subscribers.send-welcome-email]
        events = [
            "user.registered",
            "user.verified",
        ]

        [tool.tscrun.events.subscribers."update-analytics"]
        events = ["order.completed"]
        handler = "analytics:listen"
        """, name="pyproject.toml"))
    sub = config.subscribers["send-welcome-email"]
    assert sub.line == 4 and sub.handler.line == 4
    assert dict(sub.event_lines) == {"user.registered": 6, "user.verified": 7}
    assert config.events["user.verified"].line == 7
    analytics = config.subscribers["update-analytics"]
    assert (analytics.line, analytics.event_lines["order.completed"], analytics.handler.line) == (
        10, 11, 12)


def test_event_helpers(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        source-roots = ["src"]
        [events.subscribers.send-welcome-email]
        events = ["user.registered", "user.verified"]
        """))
    assert config.event_names == frozenset({"user.registered", "user.verified"})
    assert config.closest_event("user-registered") == "user.registered"
    assert config.closest_event("order.shipped") is None
    module = tmp_path / "src" / "events" / "user_registered.py"
    module.parent.mkdir(parents=True)
    module.write_text("")
    assert config.module_file("events.user_registered") == module.resolve()
    assert config.module_file("events.nothing") is None
    assert config.module_for_file(module) == "events.user_registered"
    assert config.module_for_file(tmp_path / "elsewhere.py") is None


# --- discovery -------------------------------------------------------------------------

def test_tscrun_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path, '[tool.tscrun]\nproject-name = "from-pyproject"\n', "pyproject.toml")
    write(tmp_path, 'project-name = "from-tscrun-toml"\n')
    assert find_config(tmp_path) == tmp_path / "tscrun.toml"
    assert load_config(start=tmp_path).project_name == "from-tscrun-toml"


def test_discovery_walks_up_from_a_file(tmp_path: Path) -> None:
    write(tmp_path, '[tool.tscrun]\nproject-name = "outer"\n', "pyproject.toml")
    nested = tmp_path / "functions" / "api" / "users.py"
    nested.parent.mkdir(parents=True)
    nested.write_text("")
    assert find_config(nested) == tmp_path / "pyproject.toml"
    assert load_config(start=nested).root == tmp_path


def test_discovery_skips_a_pyproject_without_tscrun(tmp_path: Path) -> None:
    write(tmp_path, 'project-name = "outer"\n')
    write(tmp_path / "pkg", '[tool.black]\nline-length = 99\n', "pyproject.toml")
    write(tmp_path / "other", '[project]\nname = "tscrun-fan"\n', "pyproject.toml")
    assert find_config(tmp_path / "pkg") == tmp_path / "tscrun.toml"
    # mentions "tscrun" in its text, but has no [tool.tscrun] table
    assert find_config(tmp_path / "other") == tmp_path / "tscrun.toml"


def test_the_nearest_folder_wins(tmp_path: Path) -> None:
    write(tmp_path, 'project-name = "outer"\n')
    write(tmp_path / "inner", '[tool.tscrun]\nproject-name = "inner"\n', "pyproject.toml")
    assert load_config(start=tmp_path / "inner" / "x.py").project_name == "inner"


def test_tscrun_config_variable_overrides_discovery(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, 'project-name = "discovered"\n')
    chosen = write(tmp_path / "ci", 'project-name = "chosen"\n', "ci.toml")
    monkeypatch.setenv("TSCRUN_CONFIG", str(chosen))
    assert load_config(start=tmp_path).project_name == "chosen"
    # an explicit path beats the variable
    assert load_config(tmp_path / "tscrun.toml").project_name == "discovered"


def test_explicit_folder_discovers_from_there(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TSCRUN_CONFIG", raising=False)
    write(tmp_path, 'project-name = "here"\n')
    (tmp_path / "sub").mkdir()
    assert load_config(tmp_path / "sub").project_name == "here"


def test_working_directory_is_the_default_start(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TSCRUN_CONFIG", raising=False)
    write(tmp_path, 'project-name = "cwd"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config().project_name == "cwd"


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert str(info.value) == f"{tmp_path / 'nope.toml'}: config file does not exist"


def test_nothing_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TSCRUN_CONFIG", raising=False)
    with pytest.raises(ConfigError, match=r"^no tscrun config found in / or any parent folder"):
        load_config(start="/")


# --- errors ----------------------------------------------------------------------------

def test_error_message_word_for_word(tmp_path: Path) -> None:
    err = error(tmp_path, """
        project-name = "shop"
        [events]
        max-attempts = 0
        """)
    assert str(err) == f"{tmp_path / 'tscrun.toml'}:3: [events.max-attempts] expected an integer " \
        ">= 1 and <= 100, got 0"
    assert (err.key, err.line, err.message) == ("events.max-attempts", 3,
                                                "expected an integer >= 1 and <= 100, got 0")


def test_keys_in_pyproject_are_named_with_their_table(tmp_path: Path) -> None:
    err = error(tmp_path, """
        [project]
        name = "shop"

        [tool.tscrun.events]
        retry-delay = "soon"
        """, name="pyproject.toml")
    assert (err.key, err.line) == ("tool.tscrun.events.retry-delay", 5)
    assert err.message == "expected a number of seconds >= 0 and <= 3600, got a string"


@pytest.mark.parametrize(("toml", "key", "message"), [
    ('project-name = 1', "project-name", "expected a string, got an integer"),
    ('provider = "gcp"', "provider", 'expected "local", "redis" or "aws", got "gcp"'),
    ('provider = ["local"]', "provider", "expected a string, got an array"),
    ('region = 5', "region", "expected a string, got an integer"),
    ('source-roots = "src"', "source-roots", "expected an array of strings, got a string"),
    ('source-roots = ["src", 1]', "source-roots",
     "expected a non-empty array of folder names (strings)"),
    ('source-roots = []', "source-roots", "expected a non-empty array of folder names (strings)"),
    ('events = 1', "events", "expected a table, got an integer"),
    ('[events]\nevent-bus = true', "events.event-bus", "expected a string, got a boolean"),
    ('[events]\ntypes-module = "1events"', "events.types-module",
     '"1events" is not a dotted module name'),
    ('[events]\nsubscribers-module = 3', "events.subscribers-module",
     "expected a module name, got an integer"),
    ('[events]\nnaming = 7', "events.naming", "expected a regular expression, got an integer"),
    ('[events]\nvalidate-payloads = "yes"', "events.validate-payloads",
     "expected true or false, got a string"),
    ('[events]\nmax-attempts = 2.5', "events.max-attempts",
     "expected an integer >= 1 and <= 100, got a float"),
    ('[events]\nmax-attempts = true', "events.max-attempts",
     "expected an integer >= 1 and <= 100, got a boolean"),
    ('[events]\nmax-attempts = 1100', "events.max-attempts",
     "expected an integer >= 1 and <= 100, got 1100"),
    ('[events]\nretry-delay = -1', "events.retry-delay",
     "expected a number of seconds >= 0 and <= 3600, got -1"),
    ('[events]\nretry-delay = inf', "events.retry-delay",
     "expected a number of seconds >= 0 and <= 3600, got inf"),
    ('[events]\nretry-delay = nan', "events.retry-delay",
     "expected a number of seconds >= 0 and <= 3600, got nan"),
    ('[events]\ntimeout = 0', "events.timeout",
     "expected a number of seconds > 0 and <= 86400, got 0"),
    ('[events]\ntimeout = "1m"', "events.timeout",
     "expected a number of seconds > 0 and <= 86400, got a string"),
    ('[events]\nmax-in-flight = 0', "events.max-in-flight",
     "expected an integer >= 1 and <= 10000000, got 0"),
    ('[events]\nmax-dead-letters = -5', "events.max-dead-letters",
     "expected an integer >= 1 and <= 10000000, got -5"),
    ('[events]\nmax-hops = 5000', "events.max-hops",
     "expected an integer >= 1 and <= 1000, got 5000"),
    ('[events.subscribers.mailer]\nevents = ["a.b"]\ntimeout = -1',
     "events.subscribers.mailer.timeout", "expected a number of seconds > 0 and <= 86400, got -1"),
    ('[events.subscribers.mailer]\nevents = ["a.b"]\nconcurrency = 0',
     "events.subscribers.mailer.concurrency", "expected an integer >= 1 and <= 1024, got 0"),
    ('[events.subscribers.mailer]\nevents = ["a.b"]\nconcurrency = 1.5',
     "events.subscribers.mailer.concurrency",
     "expected an integer >= 1 and <= 1024, got a float"),
    ('[events]\ntypes = ["a.b"]', "events.types",
     'expected a table of event name to "module:Class", got an array'),
    ('[events]\nsubscribers = 1', "events.subscribers",
     "expected a table of subscribers, got an integer"),
    ('[events.subscribers]\nmailer = "user.registered"', "events.subscribers.mailer",
     'expected a table with an "events" array, got a string'),
    ('[events.subscribers.mailer]\nhandler = "mail:send"', "events.subscribers.mailer.events",
     'subscriber "mailer" has no "events" array'),
    ('[events.subscribers.mailer]\nevents = "user.registered"',
     "events.subscribers.mailer.events", "expected an array of event names"),
    ('[events.subscribers.mailer]\nevents = ["a.b", 3]', "events.subscribers.mailer.events",
     "expected an array of event names"),
    ('[events.subscribers.mailer]\nevents = ["a.b"]\nhandler = 3',
     "events.subscribers.mailer.handler", 'expected a "module:name" string, got an integer'),
], ids=lambda v: v if isinstance(v, str) and v.count(".") < 4 and "\n" not in v else None)
def test_wrong_types_name_the_key(tmp_path: Path, toml: str, key: str, message: str) -> None:
    err = error(tmp_path, toml + "\n")
    assert (err.key, err.message) == (key, message)


def test_bad_regex(tmp_path: Path) -> None:
    err = error(tmp_path, '[events]\nnaming = "^(user"\n')
    assert err.key == "events.naming" and err.line == 2
    assert err.message.startswith("invalid regular expression: missing ), unterminated subpattern")


@pytest.mark.parametrize(("toml", "key", "message"), [
    ('projct-name = "x"', "projct-name", 'unknown key "projct-name"; did you mean "project-name"?'),
    ('[events]\nmax-attempt = 3', "events.max-attempt",
     'unknown key "max-attempt"; did you mean "max-attempts"?'),
    ('[events.subscribers.mailer]\nevent = ["a.b"]', "events.subscribers.mailer.event",
     'unknown key "event"; did you mean "events"?'),
    ('colour = "blue"', "colour",
     'unknown key "colour"; valid keys are project-name, provider, region, source-roots, events, redis'),
])
def test_unknown_keys_suggest_the_closest(tmp_path: Path, toml: str, key: str,
                                          message: str) -> None:
    err = error(tmp_path, toml + "\n")
    assert (err.key, err.message) == (key, message)


def test_unknown_key_points_at_its_own_table(tmp_path: Path) -> None:
    err = error(tmp_path, """
        [events.subscribers.first]
        events = ["a.b"]
        handler = "m:f"

        [events.subscribers.second]
        events = ["a.b"]
        handlr = "m:g"
        """)
    assert (err.key, err.line) == ("events.subscribers.second.handlr", 7)


@pytest.mark.parametrize("target", ["no_colon", "mod:", ":Name", "a..b:C", "mod:Na-me",
                                    "mod:Name:Extra", "1mod:Name"])
def test_malformed_targets(tmp_path: Path, target: str) -> None:
    err = error(tmp_path, f"""
        [events.types]
        "payment.failed" = "{target}"
        """)
    assert err.key == 'events.types."payment.failed"' and err.line == 2
    assert err.message == f'malformed target "{target}"; write it as "package.module:Name"'


def test_duplicate_handler_target(tmp_path: Path) -> None:
    err = error(tmp_path, """
        [events.subscribers.welcome]
        events = ["user.registered"]
        handler = "mail:send"

        [events.subscribers.goodbye]
        events = ["user.deleted"]
        handler = "mail:send"
        """)
    assert (err.key, err.line) == ("events.subscribers.goodbye.handler", 7)
    assert err.message == ('handler "mail:send" is already used by subscriber "welcome"; each '
                           "subscriber needs its own handler")


def test_event_listed_twice(tmp_path: Path) -> None:
    err = error(tmp_path, """
        [events.subscribers.welcome]
        events = ["user.registered", "user.verified", "user.registered"]
        """)
    assert (err.key, err.line) == ("events.subscribers.welcome.events", 2)
    assert err.message == 'event "user.registered" is listed twice'


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    err = error(tmp_path, """
        project-name = "shop"
        [events]
        max-attempts =
        """)
    assert str(err) == f"{tmp_path / 'tscrun.toml'}:3: invalid TOML: Invalid value"
    assert err.key is None


def test_toml_error_at_end_of_file(tmp_path: Path) -> None:
    err = error(tmp_path, 'source-roots = ["src",\n')
    assert (err.line, err.message) == (1, "invalid TOML: Invalid value at the end of the file")


def test_broken_pyproject_mentioning_tscrun_is_reported_not_skipped(tmp_path: Path) -> None:
    write(tmp_path, 'project-name = "outer"\n')
    inner = write(tmp_path / "inner", "[tool.tscrun\nproject-name = 1\n", "pyproject.toml")
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path / "inner")
    assert info.value.path == inner and info.value.line == 1


def test_explicit_pyproject_without_table(tmp_path: Path) -> None:
    err = error(tmp_path, '[project]\nname = "x"\n', name="pyproject.toml")
    assert err.message == "pyproject.toml has no [tool.tscrun] table"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tscrun.toml"
    path.write_bytes(b'project-name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=re.escape(f"{path}: config is not valid UTF-8")):
        load_config(path)
