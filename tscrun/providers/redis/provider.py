"""``provider = "redis"``: the object :func:`tscrun.providers.get_provider` returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tscrun.config import Config
from tscrun.providers.base import Consumer, DeadLetterStore, Provider, Transport
from tscrun.providers.redis.consumer import RedisConsumer
from tscrun.providers.redis.dead_letters import RedisDeadLetters
from tscrun.providers.redis.transport import RedisTransport

__all__ = ["PROVIDER", "RedisProvider"]


class RedisProvider:
    name = "redis"

    def transport(self, config: Config) -> RedisTransport:
        return RedisTransport(config)

    def consumer(self, config: Config) -> RedisConsumer:
        return RedisConsumer(config)

    def dead_letters(self, config: Config) -> RedisDeadLetters:
        return RedisDeadLetters(config)


PROVIDER = RedisProvider()

if TYPE_CHECKING:  # mypy holds the classes to the interface
    _provider: Provider = PROVIDER
    _transport: type[Transport] = RedisTransport
    _consumer: type[Consumer] = RedisConsumer
    _dead_letters: type[DeadLetterStore] = RedisDeadLetters
