"""Providers: where events go when they leave the emitting process.

``provider = "local"`` (the default) is the in-process :class:`~tscrun.Dispatcher`
and needs nothing from here. Any other provider is found in :data:`PROVIDERS`
and implements :class:`tscrun.providers.base.Provider`. Each one is imported
only when selected, so its client library (an extra such as ``tscrun[redis]``)
is needed only by projects that use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

from tscrun.errors import TscrunError

if TYPE_CHECKING:
    from tscrun.providers.base import Provider

__all__ = ["PROVIDERS", "get_provider"]

# provider name -> ("module:attribute" of its Provider, the extra that installs its client)
PROVIDERS: dict[str, tuple[str, str]] = {
    "redis": ("tscrun.providers.redis.provider:PROVIDER", "redis"),
    "aws": ("tscrun.providers.aws.provider:PROVIDER", "aws"),
}


def get_provider(name: str) -> Provider:
    """The provider called ``name``. Raises :class:`~tscrun.TscrunError` with what to do."""
    try:
        target, extra = PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(("local", *PROVIDERS)))
        raise TscrunError(f'provider "{name}" has no implementation here (known: {known})') \
            from None
    module_name, attr = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise TscrunError(
            f'provider "{name}" needs the "{exc.name}" package: '
            f"pip install 'tscrun[{extra}]'") from None
    return cast("Provider", getattr(module, attr))
