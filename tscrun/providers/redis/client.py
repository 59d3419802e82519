"""The one place that builds a ``redis.asyncio`` client and words connection failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from tscrun.providers.base import BrokerError

__all__ = ["LoopClient", "broker_errors"]

T = TypeVar("T")


class LoopClient:
    """A client per event loop: redis.asyncio connections belong to the loop that opened them,
    and a program may run ``asyncio.run`` more than once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: redis.asyncio.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # The old loop's connections cannot be closed from here; they go with it.
            # A pooled connection the server closed (a restart) fails on its next use:
            # retry on a fresh one. Retrying an XADD whose reply was lost can store the
            # event twice, with the same id: delivery is at-least-once anyway.
            self._client = redis.asyncio.Redis.from_url(
                self.url, decode_responses=False,
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
                retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError])
            self._loop = loop
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()


async def broker_errors(url: str, awaitable: Awaitable[T]) -> T:
    """Await ``awaitable``; a connection problem becomes :class:`BrokerError` naming the server."""
    try:
        return await awaitable
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        raise BrokerError(f"cannot reach Redis at {redact(url)}: {exc}") from None
    except redis.exceptions.ResponseError as exc:
        raise BrokerError(f"Redis at {redact(url)} refused a command: {exc}") from None


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


def is_busygroup(result: Any) -> bool:
    return isinstance(result, redis.exceptions.ResponseError) and "BUSYGROUP" in str(result)


async def command(client: redis.asyncio.Redis, *args: Any) -> Any:
    """A raw command (the stream commands' typed wrappers lag behind their options)."""
    return await client.execute_command(*args)  # type: ignore[no-untyped-call]
