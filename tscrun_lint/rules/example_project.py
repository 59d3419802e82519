"""The small project every rule example runs against (also shown in the rule reference).

Examples are checked as ``functions/api/example.py`` of this project; an example
may replace ``tscrun.toml`` or add files. ``write`` lays it out in a folder.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

EXAMPLE_FILE = "functions/api/example.py"
CONFIG_FILE = "tscrun.toml"

CONFIG = """\
project-name = "example"

[events.subscribers.send-welcome-email]
events = ["user.registered", "user.verified"]

[events.subscribers.update-analytics]
events = ["user.registered", "order.completed"]
"""

FILES: Mapping[str, str] = {
    "events/__init__.py": "",
    "events/user_registered.py": """\
        from typing import NotRequired, TypedDict


        class UserRegisteredEvent(TypedDict):
            id: str
            name: str
            email: str
            registeredAt: str
            age: NotRequired[int]
        """,
    "events/user_verified.py": """\
        from typing import TypedDict


        class UserVerifiedEvent(TypedDict):
            id: str
            email: str
            verifiedAt: str
        """,
    "events/order_completed.py": """\
        from typing import TypedDict


        class OrderLine(TypedDict):
            sku: str
            quantity: int
            price: float


        class OrderCompletedEvent(TypedDict):
            orderId: str
            userId: str
            total: float
            lines: list[OrderLine]
        """,
    "functions/__init__.py": "",
    "functions/api/__init__.py": "",
    "functions/api/names.py": """\
        from typing import Final

        USER_REGISTERED: Final = "user.registered"
        ORDER_COMPLETED = "order.completed"
        """,
    "functions/subscribers/__init__.py": "",
    "functions/subscribers/send_welcome_email.py": """\
        from events.user_registered import UserRegisteredEvent
        from events.user_verified import UserVerifiedEvent
        from tscrun.events import Event


        async def listen(event: Event[UserRegisteredEvent | UserVerifiedEvent]) -> None:
            print(event.data["email"])
        """,
    "functions/subscribers/update_analytics.py": """\
        from events.order_completed import OrderCompletedEvent
        from events.user_registered import UserRegisteredEvent
        from tscrun.events import Event


        async def listen(event: Event[UserRegisteredEvent | OrderCompletedEvent]) -> None:
            print(event.type)
        """,
}


def clean(text: str) -> str:
    """Examples are written indented in the rule classes; positions refer to this form."""
    return textwrap.dedent(text).lstrip("\n")


def write(root: Path, source: str = "", config: str | None = None,
          files: Mapping[str, str] | None = None) -> Path:
    """Write the project (with ``source`` as the example file) under ``root``; returns the file."""
    layout = dict(FILES)
    layout[CONFIG_FILE] = CONFIG if config is None else config
    layout.update(files or {})
    layout[EXAMPLE_FILE] = source
    for rel, text in layout.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(clean(text), encoding="utf-8")
    return root / EXAMPLE_FILE
