"""TEMPORARY until the shared wiring (runtime issue) lands: handlers, validators and received
events taken from the local Dispatcher's loading. Replaced by tscrun.wiring; not a second copy."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tscrun.config import Config
from tscrun.events import Event


def _local(config: Config) -> Any:
    from tscrun.dispatcher import Dispatcher

    return Dispatcher(dataclasses.replace(config, provider="local"))


def validators(config: Config) -> Mapping[str, Callable[[object], None] | None]:
    d = _local(config)
    return {name: route.validate for name, route in d._routes.items()}


def handlers(config: Config, names: Sequence[str]) -> Mapping[str, tuple[Callable[..., Any], bool]]:
    d = _local(config)
    subs = {s.name: s for route in d._routes.values() for s in route.subscribers}
    return {n: (subs[n].handler, subs[n].is_async) for n in names}


@dataclasses.dataclass(frozen=True, slots=True)
class ReceivedEvent(Event[Any]):
    received_id: str = ""
    received_at: float = 0.0
    attempt: int = 1

    @property
    def id(self) -> str:
        return self.received_id

    @property
    def timestamp(self) -> datetime:
        return datetime.fromtimestamp(self.received_at, UTC)
