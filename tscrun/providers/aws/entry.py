"""The Lambda entry point: one configured subscriber run as a Lambda function.

Set the function's handler to ``tscrun.aws.handler`` and its environment
variable ``TSCRUN_SUBSCRIBER`` to the subscriber's name (or build one handler
per subscriber in your own module with :func:`make_handler`). The function
accepts either

- an EventBridge event (the rule targets the function directly): the
  subscriber runs once and a failure raises, so Lambda's own retries apply; or
- an SQS batch whose message bodies are EventBridge events (the rule targets a
  queue that feeds the function): every record is run, and the ones that fail
  are returned in ``batchItemFailures``, so only they come back and, after the
  queue's ``maxReceiveCount``, go to its dead-letter queue. This needs
  ``ReportBatchItemFailures`` on the event source mapping.

Partial batch responses are aws-lambda-powertools' batch processing, used
with its plain data classes (no pydantic model).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tscrun.config import Config, load_config
from tscrun.errors import ConfigError, TscrunError
from tscrun.events import Event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

__all__ = ["ENV_SUBSCRIBER", "SubscriberFunction", "handler", "make_handler"]

logger = logging.getLogger("tscrun.aws")

ENV_SUBSCRIBER = "TSCRUN_SUBSCRIBER"


class EnvelopeError(TscrunError):
    """A record is not an EventBridge event this subscriber can take."""


def _parse_time(value: object) -> datetime | None:
    # EventBridge writes "2026-11-29T10:00:00Z"; anything else is kept out
    # rather than guessed at.
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SubscriberFunction:
    """One subscriber of the config as a Lambda handler: ``function(event, context)``.

    Construction imports the subscriber's handler and the payload TypedDicts
    of its events (once per Lambda container, not per invocation).
    """

    def __init__(self, subscriber: str, config: Config | str | os.PathLike[str] | None = None
                 ) -> None:
        from tscrun.wiring import wire

        self.config = config if isinstance(config, Config) else load_config(config)
        if subscriber not in self.config.subscribers:
            known = ", ".join(f'"{name}"' for name in self.config.subscribers) or "none"
            raise ConfigError(f'no subscriber "{subscriber}" in the config (subscribers: {known})',
                              path=self.config.path)
        # The same loading (and error wording) as every other provider's.
        self.wiring = wire(self.config, subscribers=[subscriber])
        loaded = self.wiring.subscribers[subscriber]
        self.subscriber = loaded.name
        self.events = frozenset(loaded.events)
        self.listen = loaded.handler
        self.is_async = loaded.is_async
        self.timeout = loaded.timeout
        self.concurrency = loaded.concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    # --- Lambda's side ---------------------------------------------------------------

    def __call__(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any] | None:
        if not isinstance(event, Mapping):
            raise EnvelopeError(f"subscriber \"{self.subscriber}\" got a {type(event).__name__}, "
                                "not an EventBridge event or an SQS batch")
        if "Records" in event:
            return self._batch(event, context)
        if "detail-type" in event:
            self._run_direct(event)
            return None
        raise EnvelopeError(f'subscriber "{self.subscriber}" got an event that is neither an '
                            "EventBridge event (no \"detail-type\") nor an SQS batch (no "
                            f"\"Records\"): keys {sorted(event)}")

    def _batch(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import (
            AsyncBatchProcessor,
            BatchProcessor,
            EventType,
            async_process_partial_response,
            process_partial_response,
        )

        # A failed batch is reported record by record even when every record
        # failed (rather than raising), so the response always says which.
        if self.is_async:
            # powertools runs a batch's records concurrently; a subscriber's
            # `concurrency` caps that, as it caps local deliveries.
            self._slots = asyncio.Semaphore(self.concurrency) if self.concurrency else None
            processor = AsyncBatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
            return dict(async_process_partial_response(
                event=dict(event), record_handler=self._async_record, processor=processor,
                context=context))
        sync = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
        return dict(process_partial_response(event=dict(event), record_handler=self._sync_record,
                                             processor=sync, context=context))

    def _sync_record(self, record: SQSRecord) -> None:
        event = self._from_record(record)
        try:
            self.listen(event)
        except Exception as exc:
            self._log_failure(event, exc)
            raise

    async def _async_record(self, record: SQSRecord) -> None:
        if self._slots is None:
            await self._run_async(record)
        else:
            async with self._slots:
                await self._run_async(record)

    async def _run_async(self, record: SQSRecord) -> None:
        event = self._from_record(record)
        try:
            # events.timeout bounds one attempt, as it does locally; Lambda's own
            # timeout still bounds the whole batch.
            async with asyncio.timeout(self.timeout):
                await self.listen(event)
        except Exception as exc:
            self._log_failure(event, exc)
            raise

    def _from_record(self, record: SQSRecord) -> Event[Any]:
        try:
            envelope = json.loads(record.body)
        except ValueError as exc:
            error = EnvelopeError(f'SQS message {record.message_id} for subscriber '
                                  f'"{self.subscriber}" is not JSON: {exc}')
            logger.error("%s", error)
            raise error from None
        try:
            attempt = int(record.attributes.approximate_receive_count)
        except (TypeError, ValueError, KeyError):
            attempt = 1
        try:
            return self.to_event(envelope, attempt)
        except TscrunError as exc:
            event_id = envelope.get("id") if isinstance(envelope, dict) else None
            logger.error('subscriber "%s" refused SQS message %s (event id %s, attempt %d): %s',
                         self.subscriber, record.message_id, event_id, attempt, exc)
            raise

    def _run_direct(self, envelope: Mapping[str, Any]) -> None:
        event = self.to_event(envelope, 1)
        try:
            result = self.listen(event)
            if inspect.isawaitable(result):
                if self._loop is None or self._loop.is_closed():
                    # One loop for the container's life: what a handler keeps
                    # between invocations (a client session) stays usable.
                    self._loop = asyncio.new_event_loop()
                self._loop.run_until_complete(self._bounded(result))
        except Exception as exc:
            self._log_failure(event, exc)
            raise

    async def _bounded(self, awaitable: Any) -> None:
        async with asyncio.timeout(self.timeout):
            await awaitable

    def _log_failure(self, event: Event[Any], exc: BaseException) -> None:
        logger.error('subscriber "%s" failed on event "%s" (id %s, attempt %d): %r',
                     self.subscriber, event.type, event.id, event.attempt, exc,
                     exc_info=(type(exc), exc, exc.__traceback__))

    # --- the event ---------------------------------------------------------------------

    def to_event(self, envelope: object, attempt: int = 1) -> Event[Any]:
        """The :class:`~tscrun.events.Event` an EventBridge envelope carries, payload checked."""
        if not isinstance(envelope, Mapping):
            raise EnvelopeError(f"expected an EventBridge event (a JSON object), got "
                                f"{type(envelope).__name__}")
        name = envelope.get("detail-type")
        if not isinstance(name, str):
            raise EnvelopeError('not an EventBridge event: no "detail-type"')
        if name not in self.events:
            receives = ", ".join(f'"{e}"' for e in sorted(self.events))
            raise EnvelopeError(f'subscriber "{self.subscriber}" does not receive event "{name}" '
                                f"(it receives {receives}); check the rule's event pattern "
                                "against `tscrun aws plan`")
        source = envelope.get("source")
        if source != self.config.project_name:
            raise EnvelopeError(f'event "{name}" comes from source "{source}", not from project '
                                f'"{self.config.project_name}"; check the rule\'s event pattern')
        data = self.wiring.route(name).accept(envelope.get("detail"))  # type: ignore[arg-type]
        event_id = envelope.get("id")
        timestamp = _parse_time(envelope.get("time"))
        if not isinstance(event_id, str) or timestamp is None:
            raise EnvelopeError(f'event "{name}" has no usable "id" and "time" (got '
                                f"{event_id!r}, {envelope.get('time')!r})")
        return Event(name, data, id=event_id, timestamp=timestamp, attempt=attempt)


def make_handler(subscriber: str, config: Config | str | os.PathLike[str] | None = None
                 ) -> SubscriberFunction:
    """A Lambda handler for ``subscriber``: ``lambda_handler = make_handler("send-welcome-email")``."""
    return SubscriberFunction(subscriber, config)


_functions: dict[tuple[str, str | None], SubscriberFunction] = {}
_functions_lock = threading.Lock()


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any] | None:
    """Lambda handler ``tscrun.aws.handler``: runs the subscriber named by ``$TSCRUN_SUBSCRIBER``."""
    name = os.environ.get(ENV_SUBSCRIBER)
    if not name:
        raise ConfigError(f"set the environment variable {ENV_SUBSCRIBER} to the subscriber this "
                          "function runs (a name under [events.subscribers] in the tscrun config)")
    key = (name, os.environ.get("TSCRUN_CONFIG"))
    with _functions_lock:
        function = _functions.get(key)
        if function is None:
            function = _functions[key] = SubscriberFunction(name)
    return function(event, context)
