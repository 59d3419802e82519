"""``emit`` for remote providers: validate here, then publish through the provider's transport."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from tscrun.config import Config
from tscrun.errors import TscrunError, UnknownEventError
from tscrun.providers.base import Envelope, Transport
from tscrun.providers.json_payload import to_json

__all__ = ["RemoteEmitter"]


class RemoteEmitter:
    """What ``tscrun.configure()`` returns for a remote provider.

    ``emit`` refuses unknown names and bad payloads exactly as the local
    dispatcher does, and also payloads that are not JSON, all before anything
    is sent; it returns once the broker has stored the event. Handlers do not
    run in this process, so ``drain`` only waits for publishes in progress.
    """

    def __init__(self, config: Config, transport: Transport,
                 validators: Mapping[str, Callable[[object], None] | None],
                 new_id: Callable[[], str]) -> None:
        self.config = config
        self.transport = transport
        self._validators = dict(validators)
        self._subscribers = {name: ev.subscribers for name, ev in config.events.items()}
        self._new_id = new_id
        self._publishing = 0
        self._idle: asyncio.Event | None = None
        self._closed = False

    async def emit(self, name: str, data: Mapping[str, object]) -> None:
        if name not in self._validators:
            if not isinstance(name, str):
                raise TypeError(f"event name must be a str, got {type(name).__name__}")
            raise UnknownEventError(name, self.config.closest_event(name))
        if self._closed:
            raise TscrunError(f'emitter is closed; cannot emit "{name}"')
        validate = self._validators[name]
        if validate is not None:
            validate(data)
        to_json(name, data)  # PayloadError naming the key that is not JSON
        subscribers = self._subscribers[name]
        if not subscribers:
            return
        self._publishing += 1
        try:
            await self.transport.publish(Envelope(name, self._new_id(), time.time(), data),
                                         subscribers)
        finally:
            self._publishing -= 1
            if not self._publishing and self._idle is not None:
                self._idle.set()

    async def drain(self) -> None:
        """Wait for emits still publishing (handlers run in workers, not here)."""
        while self._publishing:
            self._idle = asyncio.Event()
            await self._idle.wait()

    async def close(self, timeout: float | None = None) -> None:
        self._closed = True
        await self.drain()
        await self.transport.close()

    @property
    def dead_letters(self) -> tuple[()]:
        """Always empty here: dead letters are kept by the broker (``tscrun dead-letters list``)."""
        return ()

    @property
    def pending(self) -> int:
        return self._publishing


def remote_emitter(config: Config) -> RemoteEmitter:
    """The emitter for ``config``'s (remote) provider."""
    from tscrun.events import Event
    from tscrun.providers import _bridge, get_provider

    provider = get_provider(config.provider)
    return RemoteEmitter(config, provider.transport(config), _bridge.validators(config),
                         lambda: Event("", None).id)
