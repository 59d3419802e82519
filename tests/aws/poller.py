"""A small stand-in for Lambda's SQS event source mapping.

It receives up to 10 messages, hands them to the function as the Lambda
service would (an ``{"Records": [...]}`` event of ``aws:sqs`` records), deletes
the messages the function did not list in ``batchItemFailures`` (what
``ReportBatchItemFailures`` makes the real mapping do), and leaves the failed
ones on the queue. Their visibility timeout is then cut short, so a test need
not wait 30 s for each retry; the queue's redrive policy moves a message to
the dead-letter queue once it has been received ``maxReceiveCount`` times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LambdaFunction = Callable[[dict[str, Any], Any], Any]


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def receive(sqs: Any, url: str) -> list[dict[str, Any]]:
    response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                   AttributeNames=["All"], MessageAttributeNames=["All"])
    return list(response.get("Messages", []))


def poll_once(sqs: Any, url: str, arn: str, function: LambdaFunction,
              region: str = "us-east-1") -> dict[str, Any] | None:
    """One batch: ``None`` when the queue had nothing, else the function's response."""
    messages = receive(sqs, url)
    if not messages:
        return None
    response = function({"Records": [lambda_record(m, arn, region) for m in messages]}, None)
    assert isinstance(response, dict), response
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
    for m in messages:
        if m["MessageId"] in failed:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                          VisibilityTimeout=0)
    return response


def poll_until_empty(sqs: Any, url: str, arn: str, function: LambdaFunction,
                     max_batches: int = 50) -> list[dict[str, Any]]:
    """Run batches until a receive comes back empty; the responses, in order."""
    responses: list[dict[str, Any]] = []
    for _ in range(max_batches):
        response = poll_once(sqs, url, arn, function)
        if response is None:
            return responses
        responses.append(response)
    raise AssertionError(f"queue still not empty after {max_batches} batches")
