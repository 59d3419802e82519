"""What the subcommands share: options, loading the config, choosing the provider."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from tscrun.errors import TscrunError

if TYPE_CHECKING:
    from tscrun.config import Config
    from tscrun.providers.base import Provider


class UsageError(TscrunError):
    """The command line asks for something that cannot be (exit 2)."""


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH",
                        help="tscrun.toml or pyproject.toml (default: $TSCRUN_CONFIG, then "
                             "discovery from the working directory)")


def load(args: argparse.Namespace) -> Config:
    from tscrun.config import load_config

    return load_config(args.config)


def remote_provider(config: Config, command: str) -> Provider:
    if config.provider == "local":
        raise UsageError(
            f'{config.path}: provider is "local", which runs handlers inside the emitting '
            f'process; "tscrun {command}" is for remote providers (set provider = "redis")')
    from tscrun.providers import get_provider

    return get_provider(config.provider)


def check_subscribers(config: Config, names: list[str] | None) -> list[str]:
    """The selected subscribers (all when ``names`` is empty), each checked to exist."""
    from tscrun.names import closest_name

    if not names:
        return list(config.subscribers)
    for name in names:
        if name not in config.subscribers:
            close = closest_name(name, config.subscribers)
            hint = f'; did you mean "{close}"?' if close else \
                f"; configured: {', '.join(config.subscribers) or 'none'}"
            raise UsageError(f'{config.path}: no subscriber "{name}"{hint}')
    return list(dict.fromkeys(names))


class _LineClearingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Log lines that first wipe the live status line, when stderr is a terminal."""

    def __init__(self, clear: bool) -> None:
        super().__init__(sys.stderr)
        self._clear = "\r\x1b[K" if clear else ""

    def format(self, record: logging.LogRecord) -> str:
        return self._clear + super().format(record)


def setup_logging(live_status: bool) -> None:
    handler = _LineClearingHandler(live_status)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           "%H:%M:%S"))
    root = logging.getLogger("tscrun")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
