"""The emitting side of ``provider = "aws"``: each ``emit`` becomes one PutEvents entry.

Emits made together (``asyncio.gather`` of many ``emit`` calls, or several
tasks emitting in the same turn of the event loop) share PutEvents calls of up
to 10 entries; each ``emit`` still returns only once EventBridge has accepted
its own event, and raises :class:`~tscrun.providers.aws.publish.PublishError` naming it
if EventBridge refused it for good. boto3 is blocking, so calls run in a
worker thread and the event loop goes on meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tscrun.providers.aws.publish import Outgoing, Publisher, PublishError
from tscrun.providers.json_payload import to_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_events.client import EventBridgeClient

    from tscrun.config import Config
    from tscrun.providers.base import Envelope

__all__ = ["EventBridgeTransport"]

_Pending = list[tuple[Outgoing, "asyncio.Future[str]"]]


def make_client(region: str | None) -> EventBridgeClient:
    """An EventBridge client for ``region`` (or the environment's region).

    The endpoint follows boto3's own rules, so ``AWS_ENDPOINT_URL`` points it at
    a local stand-in. Whole-call throttling is retried by botocore ("standard"
    mode); refused entries are retried by :class:`Publisher`.
    """
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client("events", region_name=region,
                        config=BotoConfig(retries={"mode": "standard", "max_attempts": 5}))


class EventBridgeTransport:
    """Publishes emitted events to the config's bus with ``Source`` = project name."""

    def __init__(self, config: Config, client: EventBridgeClient | None = None) -> None:
        self.config = config
        self._client = client
        self._publisher: Publisher | None = None
        self._pending: _Pending = []
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def publisher(self) -> Publisher:
        if self._publisher is None:
            client = self._client if self._client is not None else make_client(self.config.region)
            self._publisher = Publisher(client, source=self.config.project_name,
                                        bus=self.config.event_bus)
        return self._publisher

    async def publish(self, envelope: Envelope, subscribers: Sequence[str]) -> None:
        """Send one validated event; EventBridge's rules route it, so ``subscribers`` is unused."""
        await self.send(Outgoing(envelope.type, to_json(envelope.type, envelope.data),
                                 envelope.id))

    async def send(self, item: Outgoing) -> str:
        """Publish ``item`` (batched with others sent meanwhile); its EventBridge event id."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._pending.append((item, future))
        if not self._flush_scheduled:
            # Everything sent before the loop's next turn goes in one batch.
            self._flush_scheduled = True
            loop.call_soon(self._flush, loop)
        return await future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._flush_scheduled = False
        batch, self._pending = self._pending, []
        task = loop.create_task(self._publish(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, batch: _Pending) -> None:
        items = [item for item, _ in batch]
        try:
            sent, failures = await asyncio.to_thread(self.publisher.publish_partial, items)
        except BaseException as exc:  # a bug or a cancelled loop: no emit may hang
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            raise
        refused = {id(failure.item): failure for failure in failures}
        for position, (item, future) in enumerate(batch):
            if future.done():  # the emitter was cancelled meanwhile
                continue
            if position in sent:
                future.set_result(sent[position])
            else:
                failure = refused[id(item)]
                future.set_exception(PublishError(self.publisher.bus, [failure], {}))

    async def close(self) -> None:
        """Wait for the batches in flight. Idempotent."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
