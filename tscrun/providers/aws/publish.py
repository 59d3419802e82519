"""Sending events to EventBridge with ``PutEvents``.

``PutEvents`` takes at most 10 entries and 256 KiB per call, and may accept
some entries of a call while refusing others: the response then carries an
``ErrorCode`` for each refused entry, at the entry's position. Refusals that
say "try again" (throttling, an internal failure) are sent again with
exponential backoff; any other refusal, or one still failing after the last
attempt, is reported as a :class:`PublishError` naming the event. Whole-call
throttling is botocore's business (its ``standard`` retry mode).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tscrun.providers.base import BrokerError

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

__all__ = ["MAX_ENTRIES", "MAX_REQUEST_BYTES", "Failure", "Outgoing", "PublishError",
           "Publisher", "entry_size"]

logger = logging.getLogger("tscrun.aws")

MAX_ENTRIES = 10
"""PutEvents accepts at most this many entries per call."""
MAX_REQUEST_BYTES = 256 * 1024
"""... and at most this many bytes of entries (as AWS counts them) per call."""

# Entry error codes that mean "not now" rather than "never": AWS documents
# ThrottlingException and InternalFailure for PutEvents entries.
RETRYABLE = frozenset({"ThrottlingException", "InternalFailure", "InternalException",
                       "ServiceUnavailable", "ServiceUnavailableException"})


@dataclass(frozen=True)
class Outgoing:
    """One event to publish: its name (the ``DetailType``), JSON payload and tscrun id."""

    event: str
    detail: str
    id: str | None = None

    def describe(self) -> str:
        return f'"{self.event}"' + (f" (id {self.id})" if self.id else "")


@dataclass(frozen=True)
class Failure:
    """An event EventBridge did not accept: its error code and message, and attempts made."""

    item: Outgoing
    code: str
    message: str
    attempts: int

    def __str__(self) -> str:
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.item.describe()}: {self.code}: {self.message}{tries}"


class PublishError(BrokerError):
    """Some events were not accepted by EventBridge.

    ``failures`` names each refused event; ``sent`` maps the position of each
    accepted one (in the sequence given to :meth:`Publisher.publish`) to its
    EventBridge event id, so a caller knows exactly what went out.
    """

    def __init__(self, bus: str, failures: Sequence[Failure], sent: dict[int, str]) -> None:
        self.bus = bus
        self.failures = tuple(failures)
        self.sent = dict(sent)
        total = len(self.failures) + len(self.sent)
        head = (f"EventBridge bus \"{bus}\" did not accept {len(self.failures)} of {total} "
                f"event(s)")
        super().__init__(f"{head}: " + "; ".join(str(f) for f in self.failures))


def entry_size(source: str, item: Outgoing) -> int:
    """Size of one PutEvents entry as AWS counts it against the 256 KiB limit."""
    return (len(source.encode()) + len(item.event.encode()) + len(item.detail.encode()))


class Publisher:
    """Publishes events to one bus: ``Source`` = project name, ``DetailType`` = event name.

    ``max_attempts`` bounds how often a refused-but-retryable entry is sent;
    the wait before attempt *n* is ``retry_delay * 2 ** (n - 2)``.
    """

    def __init__(self, client: EventBridgeClient, *, source: str, bus: str,
                 max_attempts: int = 4, retry_delay: float = 0.1,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.source = source
        self.bus = bus
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._sleep = sleep

    def publish(self, items: Sequence[Outgoing]) -> list[str]:
        """Publish ``items``; return their EventBridge event ids, in order.

        Raises :class:`PublishError` if any item is finally refused (the others
        have been sent then: see ``PublishError.sent``).
        """
        sent, failures = self.publish_partial(items)
        if failures:
            raise PublishError(self.bus, failures, sent)
        return [sent[i] for i in range(len(items))]

    def publish_partial(self, items: Sequence[Outgoing]) -> tuple[dict[int, str], list[Failure]]:
        """Publish ``items``; return the ids of those accepted (by position) and the failures."""
        sent: dict[int, str] = {}
        failures: list[tuple[int, Failure]] = []
        pending: list[int] = []
        for i, item in enumerate(items):
            size = entry_size(self.source, item)
            if size > MAX_REQUEST_BYTES:
                failures.append((i, Failure(item, "EntryTooLarge", f"the entry is {size} bytes; "
                                            f"EventBridge accepts at most {MAX_REQUEST_BYTES}",
                                            0)))
            else:
                pending.append(i)
        attempt = 0
        while pending:
            attempt += 1
            if attempt > 1:
                self._sleep(self.retry_delay * 2 ** (attempt - 2))
            retry: list[int] = []
            for batch in self._batches(items, pending):
                for i, code, message in self._send(items, batch, sent):
                    if code in RETRYABLE and attempt < self.max_attempts:
                        retry.append(i)
                    else:
                        failures.append((i, Failure(items[i], code, message, attempt)))
            if retry:
                logger.warning("EventBridge refused %d event(s) for now (%s); attempt %d of %d "
                               "follows", len(retry), ", ".join(items[i].describe() for i in retry),
                               attempt + 1, self.max_attempts)
            pending = retry
        return sent, [failure for _, failure in sorted(failures, key=lambda pair: pair[0])]

    def _batches(self, items: Sequence[Outgoing], positions: list[int]) -> list[list[int]]:
        batches: list[list[int]] = []
        current: list[int] = []
        size = 0
        for i in positions:
            item_size = entry_size(self.source, items[i])
            if current and (len(current) == MAX_ENTRIES or size + item_size > MAX_REQUEST_BYTES):
                batches.append(current)
                current, size = [], 0
            current.append(i)
            size += item_size
        if current:
            batches.append(current)
        return batches

    def _send(self, items: Sequence[Outgoing], batch: list[int],
              sent: dict[int, str]) -> list[tuple[int, str, str]]:
        """One PutEvents call; records accepted entries in ``sent``, returns refused ones."""
        from botocore.exceptions import BotoCoreError, ClientError

        entries: list[PutEventsRequestEntryTypeDef] = [
            {"Source": self.source, "DetailType": items[i].event, "Detail": items[i].detail,
             "EventBusName": self.bus} for i in batch]
        try:
            response = self.client.put_events(Entries=entries)
        except ClientError as exc:
            # The whole call failed (botocore already retried what it could):
            # every event in it is refused, with AWS's own words.
            error: Any = exc.response.get("Error", {})
            code = str(error.get("Code", "ClientError"))
            message = str(error.get("Message", exc))
            return [(i, code, message) for i in batch]
        except BotoCoreError as exc:  # no credentials, endpoint unreachable, ...
            return [(i, type(exc).__name__, str(exc)) for i in batch]
        refused: list[tuple[int, str, str]] = []
        results = response.get("Entries", [])
        for position, i in enumerate(batch):
            result = results[position] if position < len(results) else {}
            event_id = result.get("EventId")
            if event_id and not result.get("ErrorCode"):
                sent[i] = event_id
            else:
                refused.append((i, result.get("ErrorCode") or "Unknown",
                                result.get("ErrorMessage") or "no result for this entry"))
        return refused
