"""Creates in moto what ``tscrun aws plan`` says must exist, as a user's infrastructure tool would.

Only what moto can run: the bus, the queues with their redrive policies, the
rules and their queue targets (with the dead-letter queue). The Lambda
functions and their event source mappings are left out (moto would need
Docker to run them); :mod:`tests.aws.poller` stands in for the mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Deployed:
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return self.queue_urls[name]


def deploy(plan: dict[str, Any], events: Any, sqs: Any) -> Deployed:
    out = Deployed()
    if plan["eventBus"] != "default":
        events.create_event_bus(Name=plan["eventBus"])

    def create(name: str, attributes: dict[str, str]) -> None:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        out.queue_urls[name] = url
        out.queue_arns[name] = arn["Attributes"]["QueueArn"]

    for queue in plan["queues"]:  # dead-letter queues first: the others refer to them
        if "deadLetterFor" in queue:
            create(queue["name"], {})
    for queue in plan["queues"]:
        policy = queue.get("redrivePolicy")
        if policy is not None:
            create(queue["name"], {
                "VisibilityTimeout": "30",
                "RedrivePolicy": json.dumps({
                    "deadLetterTargetArn": out.queue_arns[policy["deadLetterQueue"]],
                    "maxReceiveCount": str(policy["maxReceiveCount"])}),
            })
    for rule in plan["rules"]:
        events.put_rule(Name=rule["name"], EventBusName=rule["eventBusName"],
                        EventPattern=json.dumps(rule["eventPattern"]), State="ENABLED")
        events.put_targets(Rule=rule["name"], EventBusName=rule["eventBusName"], Targets=[
            {"Id": target["id"], "Arn": out.queue_arns[target["queue"]],
             "DeadLetterConfig": {"Arn": out.queue_arns[target["deadLetterQueue"]]}}
            for target in rule["targets"]])
    return out
