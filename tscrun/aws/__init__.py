"""``provider = "aws"``: EventBridge publishing, the Lambda entry point, ``tscrun aws plan``.

``tscrun.aws.handler`` is the Lambda handler (subscriber named by
``$TSCRUN_SUBSCRIBER``); :func:`make_handler` builds one for a named
subscriber. Needs the ``aws`` extra (boto3, aws-lambda-powertools), imported
only when used: ``tscrun aws plan`` and ``import tscrun`` work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ENV_SUBSCRIBER", "PublishError", "SubscriberFunction", "handler", "make_handler"]

if TYPE_CHECKING:
    from tscrun.aws.entry import (
        ENV_SUBSCRIBER,
        SubscriberFunction,
        handler,
        make_handler,
    )
    from tscrun.aws.publish import PublishError

_HOMES = {"ENV_SUBSCRIBER": "entry", "SubscriberFunction": "entry", "handler": "entry",
          "make_handler": "entry", "PublishError": "publish"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tscrun.aws' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"tscrun.aws.{home}"), name)
