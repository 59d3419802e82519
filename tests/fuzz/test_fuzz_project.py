"""Whole-project runs, in process, on odd subscriber handlers and odd (or cut-off) configs.

``runner.run`` is what ``tscrun-lint`` does after parsing its flags; it may
refuse a config (``UsageError``, exit 2) but must never raise anything else,
and config-level checks (TSC003, TSC201, TSC301) and handler checks (TSC202)
must not crash on whatever the config and the handler modules hold. The flake8
plugin, which cannot refuse, must turn the same inputs into diagnostics.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscrun_lint.rules import example_project
from tscrun_lint.frontends.flake8_plugin import TscrunChecker
from tscrun_lint.engine.runner import Options, UsageError, run

from tests.fuzz.harness import INTERNAL, budget, fuzz_settings, hang_guard

HANDLERS = budget(60, 1000)
CONFIGS = budget(60, 1000)
CUT_CONFIGS = budget(40, 600)

HANDLER_FILE = "functions/subscribers/send_welcome_email.py"

_annotations = st.sampled_from([
    "Event[UserRegisteredEvent | UserVerifiedEvent]", "Event[UserRegisteredEvent]",
    "Event[UserVerifiedEvent | UserRegisteredEvent | OrderCompletedEvent]",
    "Event[Union[UserRegisteredEvent, UserVerifiedEvent]]", "Event[Optional[UserRegisteredEvent]]",
    '"Event[UserRegisteredEvent | UserVerifiedEvent]"', 'Event["UserRegisteredEvent"]',
    "Event[Any]", "Event", "Event[int]", "Event[1]", "Event[()]", "Event[...]", "Event[None]",
    "Event[UserRegisteredEvent, UserVerifiedEvent]", "Event[UserRegisteredEvent][0]",
    "tscrun.events.Event[UserRegisteredEvent | UserVerifiedEvent]",
    "ev.Event[UserRegisteredEvent | UserVerifiedEvent]", "Event[Alias]", "Event[Missing]",
    "Event[OrderLine]", "Event[dict[str, Any]]", "Event[Event[UserRegisteredEvent]]",
    "Event[UserRegisteredEvent | None]", "Event[Annotated[UserRegisteredEvent, 1]]",
    "Event[UserRegisteredEvent] | None", "Event[lambda: 1]", '"not python ("', '""',
    "list[Event[UserRegisteredEvent]]", "Event[events.user_registered.UserRegisteredEvent]",
])

_definitions = st.sampled_from([
    "async def listen(event: {ann}) -> None: ...",
    "def listen(event: {ann}) -> None:\n    pass",
    "async def listen(event: {ann}, /, extra: int = 1) -> None: ...",
    "async def listen(*, event: {ann}) -> None: ...",
    "async def listen(*events: {ann}) -> None: ...",
    "async def listen(**events: {ann}) -> None: ...",
    "async def listen() -> None: ...",
    "async def listen(event) -> None: ...",
    "class Handler:\n    async def listen(self, event: {ann}) -> None: ...\n\n\nlisten = Handler().listen",
    "class listen:\n    def __init__(self, event: {ann}) -> None: ...",
    "async def real(event: {ann}) -> None: ...\n\n\nlisten = real",
    "async def real(event: {ann}) -> None: ...\n\n\nalias = real\nlisten = alias",
    "listen = lambda event: None",
    "listen: Any",
    "listen = listen",
    "import functools\n\n\nasync def real(event: {ann}, x: int) -> None: ...\n\n\n"
    "listen = functools.partial(real, x=1)",
    "if flag:\n    async def listen(event: {ann}) -> None: ...\nelse:\n"
    "    async def listen(event: {ann}) -> None: ...",
    "async def listen(event: {ann}) -> None: ...\n\n\nasync def listen(event: {ann}) -> None: ...",
    "@decorate\nasync def listen(event: {ann}) -> None: ...",
    "from functions.subscribers.update_analytics import listen",
    "from .update_analytics import listen",
    "from . import update_analytics as listen",
    "from functions.subscribers.send_welcome_email import listen",
    "try:\n    from .missing import listen\nexcept ImportError:\n"
    "    async def listen(event: {ann}) -> None: ...",
    "def __getattr__(name: str) -> Any: ...",
])

HANDLER_PRELUDE = """\
from typing import Annotated, Any, Optional, Union

import tscrun
import tscrun.events as ev
from events.order_completed import OrderCompletedEvent, OrderLine
from events.user_registered import UserRegisteredEvent
from events.user_verified import UserVerifiedEvent
from tscrun.events import Event

Alias = UserRegisteredEvent | UserVerifiedEvent
flag = True


def decorate(f: Any) -> Any: ...


"""


@st.composite
def handler_modules(draw: st.DrawFn) -> str:
    parts = [HANDLER_PRELUDE]
    for _ in range(draw(st.integers(1, 2))):
        parts.append(draw(_definitions).replace("{ann}", draw(_annotations)))
    return "\n\n\n".join(parts) + "\n"


def _check_project(root: Path) -> str:
    """Run the analyzer on the whole project, then the flake8 plugin on the handler and example.

    Returns "ok" or "refused" (the CLI's exit 2).
    """
    outcome = "ok"
    with hang_guard():
        try:
            result = run([root], Options(jobs=1))
        except UsageError as exc:
            assert str(exc), "a refusal must say why"
            outcome = "refused"
        else:
            assert result.files == len(list(root.rglob("*.py")))
            for d in result.diagnostics:
                assert not INTERNAL.search(d.message), d
                assert d.line >= 1 and d.column >= 1, d
        for rel in (HANDLER_FILE, example_project.EXAMPLE_FILE):
            path = root / rel
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            for line, col, msg, _ in TscrunChecker(None, str(path), lines).run():
                assert "internal error" not in msg, msg
                assert line >= 1 and col >= 0
    return outcome


EMITS = """\
from tscrun import events


async def run() -> None:
    await events.emit("user.registered", {"id": "1"})
    await events.emit("order.completed", {"orderId": "o"})
"""


@pytest.mark.parametrize("count", [HANDLERS], ids=lambda n: f"{n} pairs of handler modules")
def test_handler_checks_never_crash(count: int) -> None:
    seen: list[int] = []

    @fuzz_settings(count)
    @given(handler_modules(), handler_modules())
    def check(welcome: str, analytics: str) -> None:
        seen.append(1)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            example_project.write(root, EMITS, files={
                HANDLER_FILE: welcome, "functions/subscribers/update_analytics.py": analytics})
            assert _check_project(root) == "ok"

    check()
    print(f"handlers: {len(seen)} pairs of handler modules checked")


_event_names = st.sampled_from([
    "user.registered", "user.verified", "order.completed", "User.Registered", "user-registered",
    "", "a", "user.registerd", "ünï.code", "x.y.z.w", "user.registered ", "1.2", "payment.failed",
    "order.line_added", "a.b", "user..registered", "user.registered\\n",
])
_targets = st.sampled_from([
    "events.user_registered:UserRegisteredEvent", "events.user_registered:Nope",
    "events:UserRegisteredEvent", "nope.mod:X", "functions.api.names:USER_REGISTERED",
    "events.user_registered:NotRequired", "events.order_completed:OrderLine",
    "tscrun.events:Event", "events.user_registered", ":", "a:b:c", "events.user_verified:TypedDict",
    "functions.subscribers.send_welcome_email:listen", "events.__init__:X", "typing:TypedDict",
    "functions:api", "events.order_completed:OrderCompletedEvent",
])
_handlers = st.sampled_from([
    "functions.subscribers.send_welcome_email:listen", "functions.subscribers.nope:listen",
    "functions.subscribers.send_welcome_email:nope", "events.user_registered:UserRegisteredEvent",
    "functions.api.names:USER_REGISTERED", "functions:subscribers", "tscrun.events:emit", "x",
])
_toml_str = st.one_of(st.sampled_from(["default", "events", "functions.subscribers", "", "a.b",
                                       "^[a-z.]+$", "(", ".*", "[", "^$", "x" * 300]),
                      st.text(max_size=20))


_EVENTS_VALUES = {
    "types-module": st.sampled_from(["events", "functions", "missing", "events.user_registered",
                                     "functions.api.names"]),
    "subscribers-module": st.sampled_from(["functions.subscribers", "functions", "events",
                                           "nope"]),
    "naming": st.sampled_from([r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", "^[a-z.]+$", ".*", "^$",
                               "(", "[A-Z]", "x" * 300, "(a+)+$"]),
    "event-bus": _toml_str,
}


@st.composite
def configs(draw: st.DrawFn) -> str:
    out = [f"project-name = {json.dumps(draw(_toml_str))}"]
    if draw(st.booleans()):
        roots = draw(st.lists(st.sampled_from([".", "missing", "..", "events", "/", "functions"]),
                              min_size=1, max_size=3))
        out.append(f"source-roots = {json.dumps(roots)}")
    out.append("[events]")
    for key, values in _EVENTS_VALUES.items():
        if draw(st.integers(0, 2)) == 0:
            out.append(f"{key} = {json.dumps(draw(values))}")
    if draw(st.booleans()):
        out.append("[events.types]")
        for name in draw(st.lists(_event_names, max_size=4, unique=True)):
            out.append(f"{json.dumps(name)} = {json.dumps(draw(_targets))}")
    subs = draw(st.lists(st.sampled_from(["send-welcome-email", "update-analytics", "x",
                                          "Bad Name", "sub-1", "ünï"]), max_size=3, unique=True))
    for sub in subs:
        out.append(f"[events.subscribers.{json.dumps(sub)}]")
        out.append(f"events = {json.dumps(draw(st.lists(_event_names, max_size=3, unique=True)))}")
        if draw(st.booleans()):
            out.append(f"handler = {json.dumps(draw(_handlers))}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("count", [CONFIGS], ids=lambda n: f"{n} configs")
def test_config_checks_never_crash(count: int) -> None:
    outcomes: list[str] = []

    @fuzz_settings(count)
    @given(configs())
    def check(config: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            example_project.write(root, EMITS, config=config)
            outcomes.append(_check_project(root))

    check()
    print(f"configs: {len(outcomes)} checked, {outcomes.count('refused')} refused (exit 2)")
    assert "ok" in outcomes


@pytest.mark.parametrize("count", [CUT_CONFIGS], ids=lambda n: f"{n} cut configs")
def test_cut_off_configs_are_refused_or_checked(count: int) -> None:
    full = (example_project.clean(example_project.CONFIG) + "\n[events.types]\n"
            '"payment.failed" = "events.user_verified:UserVerifiedEvent"\n'
            "\n[events.subscribers.update-analytics.more]\nx = 1\n")
    outcomes: list[str] = []

    @fuzz_settings(count)
    @given(st.integers(0, len(full)))
    def check(cut: int) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            example_project.write(root, EMITS, config=full[:cut])
            outcomes.append(_check_project(root))

    check()
    print(f"cut configs: {len(outcomes)} checked, {outcomes.count('refused')} refused (exit 2)")
