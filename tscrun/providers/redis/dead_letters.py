"""Dead letters in the ``...:dead`` stream, for ``tscrun dead-letters list|redrive|purge``."""

from __future__ import annotations

from collections.abc import Sequence

from tscrun.config import Config
from tscrun.providers.base import DeadLetterRecord, Failure
from tscrun.providers.redis.client import LoopClient, broker_errors, command
from tscrun.providers.redis.keys import Keys, decode_envelope, encode_envelope

__all__ = ["RedisDeadLetters"]


class RedisDeadLetters:
    def __init__(self, config: Config) -> None:
        self._keys = Keys(config)
        self._url = config.redis.url
        self._client = LoopClient(self._url)

    async def list(self, subscriber: str | None = None, limit: int | None = None) \
            -> Sequence[DeadLetterRecord]:
        entries = await broker_errors(self._url, command(
            self._client.get(), "XRANGE", self._keys.dead, "-", "+"))
        out: list[DeadLetterRecord] = []
        for entry_id, fields in entries or ():
            try:
                record = DeadLetterRecord(
                    entry_id.decode(), fields[b"sub"].decode(), decode_envelope(fields),
                    int(fields[b"n"]),
                    Failure(fields[b"et"].decode(), fields[b"em"].decode(errors="replace"),
                            fields[b"tb"].decode(errors="replace")),
                    float(fields[b"at"]))
            except (KeyError, ValueError, UnicodeDecodeError):
                continue  # not written by tscrun
            if subscriber is None or record.subscriber == subscriber:
                out.append(record)
                if limit is not None and len(out) >= limit:
                    break
        return out

    async def redrive(self, records: Sequence[DeadLetterRecord]) -> int:
        client = self._client.get()
        redriven = 0
        for record in records:
            direct = self._keys.direct(record.subscriber)
            # No group on the direct stream yet is fine: a worker creates it at "0",
            # which includes this entry.
            pipe = client.pipeline(transaction=True)
            pipe.execute_command("XADD", direct, "*", *encode_envelope(record.envelope))
            pipe.execute_command("XDEL", self._keys.dead, record.key)
            await broker_errors(self._url, pipe.execute())
            redriven += 1
        return redriven

    async def purge(self, records: Sequence[DeadLetterRecord]) -> int:
        if not records:
            return 0
        return int(await broker_errors(self._url, command(
            self._client.get(), "XDEL", self._keys.dead, *(r.key for r in records))))

    async def close(self) -> None:
        await self._client.close()
