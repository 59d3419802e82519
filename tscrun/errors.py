"""The exceptions the runtime and the shared config loader raise."""

from __future__ import annotations

from pathlib import Path


class TscrunError(Exception):
    """Base class of every error tscrun raises on purpose."""


class ConfigError(TscrunError):
    """The configuration could not be found, read or validated.

    ``path`` is the config file (``None`` when none was found), ``key`` the dotted
    key at fault (``None`` for file-level problems), ``line`` its 1-based line
    where known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.key = key
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        key = f"[{self.key}] " if self.key else ""
        return f"{where}{key}{self.message}"


class UnknownEventError(TscrunError):
    """``emit`` was called with an event name that the config does not declare."""

    def __init__(self, name: str, closest: str | None) -> None:
        self.name = name
        self.closest = closest
        hint = f'; did you mean "{closest}"?' if closest else "; add it to the config"
        super().__init__(f'unknown event "{name}"{hint}')


class PayloadError(TscrunError):
    """The payload given to ``emit`` does not match the event's TypedDict."""

    def __init__(self, event: str, key: str | None, problem: str) -> None:
        self.event = event
        self.key = key
        self.problem = problem
        where = f' at key "{key}"' if key else ""
        super().__init__(f'invalid payload for event "{event}"{where}: {problem}')
