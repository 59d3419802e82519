"""The provider interface: what a broker must supply so that tscrun can use it.

The wiring (config -> payload validators and handlers) is shared by every
provider; a provider supplies only the transport:

- the sending side, :class:`Transport`: ``emit`` validates the payload in the
  emitting process, builds an :class:`Envelope` (name, id, timestamp, JSON
  payload) and hands it to ``publish``, which returns once the broker holds it
  for every subscriber of the event;
- optionally the receiving side, :class:`Consumer`, used by ``tscrun worker``:
  it hands out :class:`Delivery` objects (one subscriber's copy of one event),
  and is told of each outcome (``ack``, ``retry``, ``dead_letter``). A provider
  whose subscribers run elsewhere (AWS: Lambda) has no consumer;
- optionally :class:`DeadLetterStore`, behind ``tscrun dead-letters``.

Remote providers are at-least-once: a delivery can run twice (a worker dies
after the handler finished but before ``ack``), so handlers deduplicate on
``event.id``, which is assigned once at emit and travels in the envelope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tscrun.errors import TscrunError

if TYPE_CHECKING:
    from tscrun.config import Config

__all__ = [
    "BrokerError", "Consumer", "DeadLetterRecord", "DeadLetterStore", "Delivery", "Envelope",
    "Failure",
    "Provider", "Transport",
]


class BrokerError(TscrunError):
    """The broker could not be reached, or refused a command. Nothing was accepted."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One emitted event as it travels through a broker.

    ``data`` is the validated payload; it must be JSON-serialisable (the
    emitter refuses one that is not, before anything is sent).
    """

    type: str
    id: str
    timestamp: float
    """Seconds since the epoch, assigned at emit."""
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One subscriber's copy of one event, handed to a worker."""

    subscriber: str
    envelope: Envelope
    attempt: int
    """1 for the first delivery; counts the broker's redeliveries too (after a crash)."""
    handle: object
    """The provider's own reference (a stream entry, a receipt handle); opaque to the worker."""


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a delivery failed, kept as text (no live frames) so it can be stored remotely."""

    error_type: str
    message: str
    traceback: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> Failure:
        import traceback

        return cls(type(exc).__name__, str(exc),
                   "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    """A delivery that failed every attempt, as stored by the broker."""

    key: str
    """The store's id for this record (what ``redrive``/``purge`` take)."""
    subscriber: str
    envelope: Envelope
    attempts: int
    failure: Failure
    failed_at: float


@runtime_checkable
class Transport(Protocol):
    """The sending side of a provider."""

    async def publish(self, envelope: Envelope, subscribers: Sequence[str]) -> None:
        """Hand ``envelope`` to the broker for each of ``subscribers``; return once it is stored.

        ``subscribers`` are the event's configured subscribers (a broker that
        routes by rules of its own may ignore them). Raises
        :class:`BrokerError` when the broker did not take it.
        """
        ...

    async def close(self) -> None:
        """Release connections. Idempotent."""
        ...


@runtime_checkable
class Consumer(Protocol):
    """The receiving side of a provider, driven by ``tscrun worker``."""

    async def fetch(self, subscriber: str, limit: int, wait: float) -> Sequence[Delivery]:
        """About ``limit`` deliveries for ``subscriber``, waiting at most ``wait`` seconds for one.

        A provider that reads several queues at once may return up to ``limit``
        from each; the worker counts the surplus against its concurrency.

        Includes deliveries abandoned by a worker that stopped without
        acknowledging them (they come back with a higher ``attempt``).
        """
        ...

    async def ack(self, deliveries: Sequence[Delivery]) -> None:
        """The handler succeeded (or the delivery was dead-lettered): never deliver these again."""
        ...

    async def keep(self, deliveries: Sequence[Delivery]) -> None:
        """Still in progress (running or waiting to retry): keep them from other workers."""
        ...

    async def retry(self, delivery: Delivery) -> Delivery | None:
        """Start attempt ``delivery.attempt + 1``; ``None`` if this worker no longer owns it."""
        ...

    async def dead_letter(self, delivery: Delivery, failure: Failure) -> None:
        """Store the delivery with ``failure`` as a dead letter and acknowledge it, atomically."""
        ...

    async def tidy(self, subscribers: Iterable[str]) -> int:
        """Housekeeping now and then (drop what every subscriber has finished with).
        Returns how many items went; 0 when there is nothing to do."""
        ...

    async def close(self) -> None:
        """Release connections. Idempotent."""
        ...


@runtime_checkable
class DeadLetterStore(Protocol):
    """Where dead letters are kept, for ``tscrun dead-letters list|redrive|purge``."""

    async def list(self, subscriber: str | None = None, limit: int | None = None) \
            -> Sequence[DeadLetterRecord]:
        """Dead letters, oldest first, optionally of one subscriber only."""
        ...

    async def redrive(self, records: Sequence[DeadLetterRecord]) -> int:
        """Deliver each record again to its one subscriber (same event id, attempts from 1)
        and remove it from the store. Returns how many were redriven."""
        ...

    async def purge(self, records: Sequence[DeadLetterRecord]) -> int:
        """Remove the records for good. Returns how many were removed."""
        ...

    async def close(self) -> None:
        ...


class Provider(Protocol):
    """What ``provider = "<name>"`` selects. Construction must not connect anywhere yet."""

    name: str

    def transport(self, config: Config) -> Transport:
        """The sending side, for ``emit``."""
        ...

    def consumer(self, config: Config) -> Consumer | None:
        """The receiving side for ``tscrun worker``, or ``None`` when subscribers run elsewhere."""
        ...

    def dead_letters(self, config: Config) -> DeadLetterStore | None:
        """The dead-letter store, or ``None`` when the broker keeps them itself."""
        ...
