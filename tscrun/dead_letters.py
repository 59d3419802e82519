"""Dead letters: deliveries that failed every attempt, kept as data.

A dead letter keeps what is needed to understand and redrive the delivery --
the event (with its id and the payload as validated at emit), the subscriber,
the attempts made, the error's type, message and formatted traceback -- and
nothing live: no exception object, so no frames and none of the failing
handler's locals stay in memory.

The store is bounded (``events.max-dead-letters``): beyond it the oldest
letter is dropped with a warning naming it, so memory stays flat under a
storm of failures and nothing disappears without a trace.
"""

from __future__ import annotations

import logging
import traceback
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tscrun.events import Event

__all__ = ["DeadLetter", "DeadLetters", "describe_error"]

logger = logging.getLogger("tscrun")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A delivery that failed every attempt (or could not finish before ``close``)."""

    subscriber: str
    event: Event[Any]
    """The event as emitted: same id and timestamp, the validated payload, ``attempt`` of the last try."""
    attempts: int
    """Attempts made (0 when none could start before ``close``)."""
    error_type: str
    """Qualified name of the last error's class, e.g. ``"ConnectionError"`` or ``"smtp.SMTPError"``."""
    message: str
    """``str()`` of the last error."""
    traceback: str
    """The last error formatted as Python prints it (empty when there was no exception)."""
    failed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def error(self) -> str:
        """``"ErrorType: message"``, as a log line would show it."""
        return f"{self.error_type}: {self.message}" if self.message else self.error_type


def describe_error(exc: BaseException) -> tuple[str, str, str]:
    """(type name, message, formatted traceback) of ``exc``, then its frames are let go.

    The handler has finished, so clearing the frames its traceback holds only
    frees their locals now rather than at the next garbage collection.
    """
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ in ("builtins", "asyncio.exceptions") \
        else f"{kind.__module__}.{kind.__qualname__}"
    text = "".join(traceback.format_exception(exc))
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        current = current.__cause__ or current.__context__
    return name, str(exc), text


class DeadLetters:
    """The bounded, oldest-first list of dead letters of one dispatcher."""

    __slots__ = ("_letters", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._letters: deque[DeadLetter] = deque()

    def add(self, letter: DeadLetter) -> None:
        self._letters.append(letter)
        if len(self._letters) > self.limit:
            dropped = self._letters.popleft()
            logger.warning(
                'dead letter of subscriber "%s" for event "%s" (id %s) dropped: more than %d are '
                "kept (events.max-dead-letters); redrive or clear them to keep the others",
                dropped.subscriber, dropped.event.type, dropped.event.id, self.limit,
                extra={"event": dropped.event.type, "id": dropped.event.id,
                       "subscriber": dropped.subscriber, "attempt": dropped.attempts})

    def take(self, letters: Iterable[DeadLetter] | None) -> list[DeadLetter]:
        """Remove and return ``letters`` (all when ``None``) that are still here."""
        if letters is None:
            taken = list(self._letters)
            self._letters.clear()
            return taken
        wanted = {id(letter) for letter in letters}
        taken = [letter for letter in self._letters if id(letter) in wanted]
        if taken:
            self._letters = deque(letter for letter in self._letters if id(letter) not in wanted)
        return taken

    def __iter__(self) -> Iterator[DeadLetter]:
        return iter(self._letters)

    def __len__(self) -> int:
        return len(self._letters)
