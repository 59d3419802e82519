"""``provider = "aws"``: the object :func:`tscrun.providers.get_provider` returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tscrun.config import Config
from tscrun.providers.aws.transport import EventBridgeTransport

if TYPE_CHECKING:
    from tscrun.providers.base import Provider, Transport

__all__ = ["PROVIDER", "AwsProvider"]


class AwsProvider:
    name = "aws"

    def transport(self, config: Config) -> EventBridgeTransport:
        return EventBridgeTransport(config)

    def consumer(self, config: Config) -> None:
        """None: subscribers run in Lambda (``tscrun.aws.handler``), not in ``tscrun worker``."""
        return None

    def dead_letters(self, config: Config) -> None:
        """None: dead letters are in each subscriber's SQS dead-letter queue (see the plan)."""
        return None


PROVIDER = AwsProvider()

if TYPE_CHECKING:  # mypy holds the classes to the interface
    _provider: Provider = PROVIDER
    _transport: type[Transport] = EventBridgeTransport
