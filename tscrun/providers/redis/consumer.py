"""The worker side: XREADGROUP for new deliveries, XAUTOCLAIM for abandoned ones.

A delivery's attempt number is its entry's delivery count in the group's
pending list: 1 when first read, +1 for every retry (an ``XCLAIM`` by the same
worker) and for every takeover after a worker stopped (``XAUTOCLAIM``).
A live worker renews its claims (``XCLAIM ... JUSTID``, which leaves the count
alone) well within ``claim-after``, so only a stopped one loses its work.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

from tscrun.config import Config
from tscrun.providers.base import BrokerError, Delivery, Failure
from tscrun.providers.redis.client import LoopClient, broker_errors, command, is_busygroup, redact
from tscrun.providers.redis.keys import Keys, decode_envelope, encode_envelope

__all__ = ["RedisConsumer"]

logger = logging.getLogger("tscrun.worker")


class RedisConsumer:
    def __init__(self, config: Config, name: str | None = None) -> None:
        self._keys = Keys(config)
        self._url = config.redis.url
        self._client = LoopClient(self._url)
        self._claim_after_ms = max(1, int(config.redis.claim_after * 1000))
        # events.max-dead-letters bounds the dead stream too (XADD MAXLEN ~: oldest go first).
        self._dead_limit = config.max_dead_letters
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{os.urandom(3).hex()}"
        self._ready: set[str] = set()
        self._next_claim: dict[str, float] = {}

    def streams(self, subscriber: str) -> tuple[str, ...]:
        return self._keys.by_subscriber[subscriber]

    async def _ensure_groups(self, subscriber: str, streams: Iterable[str] | None = None) -> None:
        # "0", not "$": a group that is missing on an existing stream never saw any
        # of its entries (the emitter creates groups before its first XADD, so this
        # only happens after the broker lost its data), and they are all due to it.
        pipe = self._client.get().pipeline(transaction=False)
        for stream in streams or self.streams(subscriber):
            pipe.execute_command("XGROUP", "CREATE", stream, subscriber, "0", "MKSTREAM")
        for result in await broker_errors(self._url, pipe.execute(raise_on_error=False)):
            if isinstance(result, Exception) and not is_busygroup(result):
                raise BrokerError(f"Redis at {redact(self._url)} refused to create consumer "
                                  f'group "{subscriber}": {result}')
        self._ready.add(subscriber)

    async def fetch(self, subscriber: str, limit: int, wait: float) -> Sequence[Delivery]:
        try:
            return await self._fetch(subscriber, limit, wait)
        except BrokerError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The broker lost its data (a restart without persistence): make the
            # groups again on the next call.
            self._ready.discard(subscriber)
            return []

    async def _fetch(self, subscriber: str, limit: int, wait: float) -> list[Delivery]:
        if subscriber not in self._ready:
            await self._ensure_groups(subscriber)
        now = time.monotonic()
        if now >= self._next_claim.get(subscriber, 0.0):
            self._next_claim[subscriber] = now + self._claim_after_ms / 2000
            claimed = await self._claim_abandoned(subscriber, limit)
            if claimed:
                return claimed
        streams = self.streams(subscriber)
        # COUNT applies to each stream. Splitting `limit` among them would mean many
        # small round trips (usually one stream has the backlog), so a fetch may
        # return up to `limit` per stream; the worker accounts for the surplus.
        reply = await broker_errors(self._url, command(
            self._client.get(), "XREADGROUP", "GROUP", subscriber, self.name, "COUNT", limit,
            "BLOCK", max(1, int(wait * 1000)), "STREAMS", *streams, *(">",) * len(streams)))
        deliveries: list[Delivery] = []
        for stream, entries in reply or ():
            deliveries.extend(self._decode(subscriber, stream, entries, {}))
        return deliveries

    def _decode(self, subscriber: str, stream: bytes, entries: Iterable[Any],
                attempts: dict[bytes, int]) -> list[Delivery]:
        out = []
        for entry_id, fields in entries:
            if fields is None:  # deleted from the stream while pending
                continue
            try:
                envelope = decode_envelope(fields)
            except (KeyError, ValueError, UnicodeDecodeError) as exc:
                logger.error("skipping entry %s of %s: not written by tscrun (%r)",
                             entry_id.decode(), stream.decode(), exc)
                continue
            out.append(Delivery(subscriber, envelope, attempts.get(entry_id, 1),
                                (stream, entry_id)))
        return out

    async def _claim_abandoned(self, subscriber: str, limit: int) -> list[Delivery]:
        client = self._client.get()
        out: list[Delivery] = []
        for stream in self.streams(subscriber):
            reply = await broker_errors(self._url, command(client,
                "XAUTOCLAIM", stream, subscriber, self.name, self._claim_after_ms, "0-0",
                "COUNT", limit))
            entries = [(i, f) for i, f in reply[1] if f is not None]
            gone = [i for i, f in reply[1] if f is None] + list(reply[2] if len(reply) > 2 else [])
            if gone:  # deleted while pending: nothing left to deliver
                await broker_errors(self._url, client.xack(stream, subscriber, *gone))
            if not entries:
                continue
            # XAUTOCLAIM does not say how often an entry was delivered; XPENDING does.
            pipe = client.pipeline(transaction=False)
            for entry_id, _ in entries:
                pipe.xpending_range(stream, subscriber, entry_id, entry_id, 1)
            counts: dict[bytes, int] = {}
            for rows in await broker_errors(self._url, pipe.execute()):
                for row in rows:
                    counts[row["message_id"]] = int(row["times_delivered"])
            found = self._decode(subscriber, stream.encode(), entries, counts)
            if found:
                logger.warning('subscriber "%s": took over %d deliver%s left unfinished by a '
                               "worker that stopped", subscriber, len(found),
                               "y" if len(found) == 1 else "ies")
            out.extend(found)
            limit -= len(found)
            if limit <= 0:
                break
        return out

    async def ack(self, deliveries: Sequence[Delivery]) -> None:
        by_stream: dict[tuple[bytes, str], list[bytes]] = defaultdict(list)
        for d in deliveries:
            stream, entry_id = _handle(d)
            by_stream[(stream, d.subscriber)].append(entry_id)
        pipe = self._client.get().pipeline(transaction=False)
        for (stream, group), ids in by_stream.items():
            pipe.execute_command("XACK", stream, group, *ids)
        await broker_errors(self._url, pipe.execute())

    async def keep(self, deliveries: Sequence[Delivery]) -> None:
        by_stream: dict[tuple[bytes, str], list[bytes]] = defaultdict(list)
        for d in deliveries:
            stream, entry_id = _handle(d)
            by_stream[(stream, d.subscriber)].append(entry_id)
        pipe = self._client.get().pipeline(transaction=False)
        for (stream, group), ids in by_stream.items():
            pipe.xclaim(stream, group, self.name, 0, list[Any](ids), justid=True)
        await broker_errors(self._url, pipe.execute())

    async def retry(self, delivery: Delivery) -> Delivery | None:
        stream, entry_id = _handle(delivery)
        reply = await broker_errors(self._url, self._client.get().xclaim(
            stream, delivery.subscriber, self.name, 0, list[Any]([entry_id])))
        if not reply or reply[0][1] is None:
            return None  # acknowledged or deleted meanwhile
        return Delivery(delivery.subscriber, delivery.envelope, delivery.attempt + 1,
                        delivery.handle)

    async def dead_letter(self, delivery: Delivery, failure: Failure) -> None:
        stream, entry_id = _handle(delivery)
        pipe = self._client.get().pipeline(transaction=True)
        pipe.execute_command(
            "XADD", self._keys.dead, "MAXLEN", "~", self._dead_limit, "*",
            b"sub", delivery.subscriber, *encode_envelope(delivery.envelope),
            b"n", delivery.attempt, b"et", failure.error_type, b"em", failure.message,
            b"tb", failure.traceback, b"at", repr(time.time()))
        pipe.execute_command("XACK", stream, delivery.subscriber, entry_id)
        await broker_errors(self._url, pipe.execute())

    async def tidy(self, subscribers: Iterable[str]) -> int:
        """Drop entries every group has acknowledged from the event streams; returns how many.

        An entry can go once it is older than every group's last-delivered id
        and than the oldest entry still pending in any group.
        """
        client = self._client.get()
        streams = {s for sub in subscribers for s in self.streams(sub)}
        removed = 0
        for stream in streams:
            try:
                groups = await client.xinfo_groups(stream)
            except Exception:
                continue
            if not groups:
                continue
            floor = min(_stream_id(g["last-delivered-id"]) for g in groups)
            for g in groups:
                if int(g["pending"]):
                    summary = await client.xpending(stream, g["name"])
                    floor = min(floor, _stream_id(summary["min"]))
            # MINID keeps entries >= floor: the oldest pending entry, or the newest
            # one every group has read (harmless to keep one).
            removed += int(await command(client,
                "XTRIM", stream, "MINID", "~", f"{floor[0]}-{floor[1]}"))
        return removed

    async def close(self) -> None:
        await self._client.close()


def _handle(delivery: Delivery) -> tuple[bytes, bytes]:
    return cast("tuple[bytes, bytes]", delivery.handle)


def _stream_id(raw: bytes | str) -> tuple[int, int]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)
