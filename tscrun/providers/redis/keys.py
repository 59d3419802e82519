"""Key names and the wire format of one stream entry."""

from __future__ import annotations

import json
from collections.abc import Mapping

from tscrun.config import Config
from tscrun.providers.base import Envelope

__all__ = ["Keys", "decode_envelope", "encode_envelope"]


class Keys:
    """The Redis keys of one project and event bus."""

    def __init__(self, config: Config) -> None:
        self.prefix = f"tscrun:{{{config.project_name}/{config.event_bus}}}:"
        self.dead = self.prefix + "dead"
        self._events = {name: self.prefix + "event:" + name for name in config.events}
        self.by_subscriber: dict[str, tuple[str, ...]] = {
            sub.name: (*(self.event(e) for e in sub.events), self.direct(sub.name))
            for sub in config.subscribers.values()
        }

    def event(self, name: str) -> str:
        key = self._events.get(name)
        return key if key is not None else self.prefix + "event:" + name

    def direct(self, subscriber: str) -> str:
        return self.prefix + "direct:" + subscriber


# Short field names: every entry carries them.
TYPE, ID, TIME, DATA = b"t", b"i", b"s", b"d"


def encode_envelope(envelope: Envelope) -> list[bytes | str]:
    """The entry's fields, flat, as XADD takes them. The emitter has checked the payload is JSON."""
    return [TYPE, envelope.type, ID, envelope.id, TIME, repr(envelope.timestamp),
            DATA, json.dumps(envelope.data, separators=(",", ":"), ensure_ascii=False)]


def decode_envelope(fields: Mapping[bytes, bytes]) -> Envelope:
    """Raises ``KeyError``/``ValueError`` for an entry that tscrun did not write."""
    data = json.loads(fields[DATA])
    if not isinstance(data, dict):
        raise ValueError("payload is not a JSON object")
    return Envelope(fields[TYPE].decode(), fields[ID].decode(), float(fields[TIME]), data)

