"""``tscrun aws plan``: what must exist in AWS for a config, as JSON for an infrastructure tool.

Per subscriber: an EventBridge rule on the project's bus matching
``{"source": [project], "detail-type": [its events]}``, whose target is the
subscriber's SQS queue; the queue's redrive policy sends a message to the
subscriber's dead-letter queue after ``events.max-attempts`` receives (the
rule target uses the same dead-letter queue for events EventBridge could not
deliver); a Lambda function running ``tscrun.aws.handler`` with
``TSCRUN_SUBSCRIBER`` set, fed by the queue through an event source mapping
with ``ReportBatchItemFailures``. Per event: its payload type and the JSON
Schema of its payload. Nothing is created here: names, not ARNs, since the
account is the deployer's.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tscrun.config import Config
from tscrun.errors import TscrunError

__all__ = ["LAMBDA_HANDLER", "build_plan", "resource_name"]

LAMBDA_HANDLER = "tscrun.aws.handler"
BATCH_SIZE = 10
_NAME_LIMIT = 60  # leaves room for "-dlq" within every limit (rules and functions: 64)


def resource_name(*parts: str) -> str:
    """A name valid for an SQS queue, an EventBridge rule and a Lambda function.

    Characters outside ``[A-Za-z0-9_-]`` become ``-``; a name that would be too
    long is cut and given a short hash of the whole, so two long names never
    collide.
    """
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts)).strip("-") or "tscrun"
    if len(name) > _NAME_LIMIT:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[:_NAME_LIMIT - 9].rstrip('-')}-{digest}"
    return name


def _schemas(config: Config) -> tuple[dict[str, dict[str, Any] | None], list[str]]:
    """Each event's payload JSON Schema (``None`` when it has no usable TypedDict)."""
    from tscrun.diagnostics import message
    from tscrun.imports import (
        TargetBroken,
        TargetNotFound,
        import_target,
        make_importable,
    )
    from tscrun.providers.aws.schema import payload_schema
    from tscrun.validation import is_typeddict

    make_importable(config.source_roots)
    schemas: dict[str, dict[str, Any] | None] = {}
    warnings: list[str] = []
    for name, event in config.events.items():
        try:
            payload_type = import_target(event.payload)
        except TargetBroken as exc:
            raise TscrunError(f'payload type "{event.payload}" of event "{name}" could not be '
                              f"imported: {exc}") from None
        except TargetNotFound as exc:
            warnings.append(message("TSC301", event=name, reason=exc) +
                            "; its schema is left out")
            schemas[name] = None
            continue
        if not isinstance(payload_type, type) or not is_typeddict(payload_type):
            warnings.append(message("TSC301", event=name,
                                    reason=f'"{event.payload}" is not a TypedDict') +
                            "; its schema is left out")
            schemas[name] = None
            continue
        try:
            schema, problems = payload_schema(
                payload_type, description=f'Payload of event "{name}" ({event.payload})')
        except Exception as exc:  # an annotation that does not resolve
            warnings.append(f'event "{name}": the annotations of "{event.payload}" cannot be '
                            f"read ({exc!r}); its schema is left out")
            schemas[name] = None
            continue
        schemas[name] = schema
        warnings.extend(f'event "{name}": {problem}' for problem in problems)
    return schemas, warnings


def build_plan(config: Config) -> dict[str, Any]:
    """The plan for ``config``, as a JSON-ready dict (see the module docstring).

    Imports the config's payload TypedDicts (to derive their schemas), never
    the subscribers' handlers.
    """
    project = config.project_name
    bus = config.event_bus
    schemas, warnings = _schemas(config)
    if config.provider != "aws":
        # Still useful to preview, but emit would not go to EventBridge yet.
        warnings.insert(0, f'provider is "{config.provider}" in {config.path.name}; set '
                           'provider = "aws" for emit to publish to EventBridge')

    rules: list[dict[str, Any]] = []
    queues: list[dict[str, Any]] = []
    functions: list[dict[str, Any]] = []
    permissions: list[dict[str, Any]] = [{
        "who": "every function or service that emits",
        "actions": ["events:PutEvents"],
        "resource": {"eventBus": bus},
    }]
    for sub in config.subscribers.values():
        base = resource_name(project, sub.name)
        queue, dlq = base, f"{base}-dlq"
        rule: dict[str, Any] = {
            "name": base,
            "subscriber": sub.name,
            "eventBusName": bus,
            "eventPattern": {"source": [project], "detail-type": list(sub.events)},
            "targets": [{"id": "queue", "queue": queue, "deadLetterQueue": dlq}],
        }
        rules.append(rule)
        queues.append({"name": queue, "subscriber": sub.name,
                       "redrivePolicy": {"deadLetterQueue": dlq,
                                         "maxReceiveCount": config.max_attempts}})
        queues.append({"name": dlq, "subscriber": sub.name, "deadLetterFor": queue})
        functions.append({
            "name": base,
            "subscriber": sub.name,
            "handler": LAMBDA_HANDLER,
            "runs": str(sub.handler),  # what tscrun.aws.handler calls
            "environment": {"TSCRUN_SUBSCRIBER": sub.name},
            "eventSourceMapping": {"queue": queue, "batchSize": BATCH_SIZE,
                                   "functionResponseTypes": ["ReportBatchItemFailures"]},
        })
        permissions.append({"who": "events.amazonaws.com (condition: aws:SourceArn = rule "
                                   f"{base})",
                            "actions": ["sqs:SendMessage"], "resource": {"queue": queue}})
        permissions.append({"who": "events.amazonaws.com (the rule's dead-letter queue)",
                            "actions": ["sqs:SendMessage"], "resource": {"queue": dlq}})
        permissions.append({"who": f"function {base}",
                            "actions": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                        "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
                            "resource": {"queue": queue}})

    events: dict[str, Any] = {}
    for name, event in config.events.items():
        events[name] = {"detailType": name, "payloadType": str(event.payload),
                        "subscribers": list(event.subscribers), "schema": schemas[name]}

    return {
        "project": project,
        "source": project,
        "eventBus": bus,
        "region": config.region,
        "rules": rules,
        "queues": queues,
        "functions": functions,
        "events": events,
        "permissions": permissions,
        "warnings": warnings,
    }
