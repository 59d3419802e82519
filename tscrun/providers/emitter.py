"""``emit`` with a remote provider: the payload is checked here, then published."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tscrun.events import new_event_id
from tscrun.providers.base import Envelope, Transport
from tscrun.providers.json_payload import to_json

if TYPE_CHECKING:
    from tscrun.wiring import Route

__all__ = ["publish"]


async def publish(transport: Transport, route: Route, data: Mapping[str, object]) -> None:
    """Publish an accepted (validated) payload to every configured subscriber of its event.

    Raises :class:`~tscrun.PayloadError` naming the key when the payload is not
    JSON, before anything is sent; the id and timestamp are assigned here.
    """
    to_json(route.event, data)
    await transport.publish(Envelope(route.event, new_event_id(), time.time(), data),
                            route.subscriber_names)
