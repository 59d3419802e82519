"""The emit side: one XADD per event, groups created before the first one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import redis.exceptions

from tscrun.config import Config
from tscrun.providers.base import BrokerError, Envelope
from tscrun.providers.redis.client import LoopClient, broker_errors, command, is_busygroup, redact
from tscrun.providers.redis.keys import Keys, encode_envelope

__all__ = ["RedisTransport"]

_Pending = tuple[Envelope, tuple[str, ...], "asyncio.Future[None]"]


class RedisTransport:
    """Publishes envelopes to the event's stream.

    Emits that overlap (``asyncio.gather`` of many, or several tasks emitting)
    share one pipelined round trip: each ``publish`` joins the batch being
    assembled and returns when that batch is stored.
    """

    def __init__(self, config: Config) -> None:
        self._keys = Keys(config)
        self._url = config.redis.url
        self._client = LoopClient(self._url)
        # (stream, group) pairs known to exist, so the XGROUP CREATE is sent once per process.
        self._groups: set[tuple[str, str]] = set()
        self._batch: list[_Pending] = []
        self._sender: asyncio.Task[None] | None = None
        self._busy = False

    async def publish(self, envelope: Envelope, subscribers: Sequence[str]) -> None:
        if not subscribers:
            return  # no group would ever read it
        stream = self._keys.event(envelope.type)
        if not self._busy and all((stream, sub) in self._groups for sub in subscribers):
            # Nothing else in flight: one plain XADD, no batch to assemble.
            self._busy = True
            try:
                await broker_errors(self._url, command(
                    self._client.get(), "XADD", stream, "*", *encode_envelope(envelope)))
                return
            finally:
                self._busy = False
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._batch.append((envelope, tuple(subscribers), done))
        if self._sender is None or self._sender.done():
            self._sender = loop.create_task(self._send_batches())
        await done

    async def _send_batches(self) -> None:
        while self._batch:
            batch, self._batch = self._batch, []
            try:
                failures = await broker_errors(self._url, self._send(batch))
            except BaseException as exc:
                error = exc if isinstance(exc, BrokerError) else \
                    BrokerError(f"publishing to Redis at {redact(self._url)} failed: {exc!r}")
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, _, done), failure in zip(batch, failures, strict=True):
                if done.done():
                    continue
                if failure is None:
                    done.set_result(None)
                else:
                    done.set_exception(failure)

    async def _send(self, batch: list[_Pending]) -> list[BrokerError | None]:
        client = self._client.get()
        pipe = client.pipeline(transaction=False)
        # Groups first, created at "$" just before the event's own XADD in the same
        # pipeline: the subscriber receives this event and everything after it,
        # whether or not any worker has started yet.
        new_groups: list[tuple[str, str]] = []
        for envelope, subscribers, _ in batch:
            stream = self._keys.event(envelope.type)
            for sub in subscribers:
                pair = (stream, sub)
                if pair not in self._groups and pair not in new_groups:
                    new_groups.append(pair)
                    pipe.execute_command("XGROUP", "CREATE", stream, sub, "$", "MKSTREAM")
        for envelope, _, _ in batch:
            pipe.execute_command("XADD", self._keys.event(envelope.type), "*",
                                 *encode_envelope(envelope))
        results = await pipe.execute(raise_on_error=False)
        for pair, result in zip(new_groups, results, strict=False):
            if isinstance(result, Exception) and not is_busygroup(result):
                raise BrokerError(f"Redis at {redact(self._url)} refused to create consumer "
                                  f'group "{pair[1]}" on {pair[0]}: {result}')
        self._groups.update(new_groups)
        failures: list[BrokerError | None] = []
        for result in results[len(new_groups):]:
            if isinstance(result, redis.exceptions.RedisError):
                failures.append(BrokerError(f"Redis at {redact(self._url)} refused the event: "
                                            f"{result}"))
            else:
                failures.append(None)
        return failures

    async def close(self) -> None:
        if self._sender is not None and not self._sender.done():
            await asyncio.shield(self._sender)
        await self._client.close()
