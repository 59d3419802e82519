"""The public face of ``provider = "aws"`` (implemented in :mod:`tscrun.providers.aws`).

``tscrun.aws.handler`` is the Lambda handler to configure (the subscriber is
named by ``$TSCRUN_SUBSCRIBER``); :func:`make_handler` builds one for a named
subscriber in your own module; :class:`PublishError` is what ``emit`` raises
when EventBridge refuses an event. Needs the ``aws`` extra (boto3,
aws-lambda-powertools), imported only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ENV_SUBSCRIBER", "PublishError", "SubscriberFunction", "handler", "make_handler"]

if TYPE_CHECKING:
    from tscrun.providers.aws.entry import (
        ENV_SUBSCRIBER,
        SubscriberFunction,
        handler,
        make_handler,
    )
    from tscrun.providers.aws.publish import PublishError

_HOMES = {"ENV_SUBSCRIBER": "entry", "SubscriberFunction": "entry", "handler": "entry",
          "make_handler": "entry", "PublishError": "publish"}


def __getattr__(name: str) -> Any:
    # Lazy, so that `import tscrun.aws` costs nothing until the handler runs
    # (Lambda's bootstrap looks the handler up with getattr, which lands here).
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tscrun.aws' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"tscrun.providers.aws.{home}"), name)
