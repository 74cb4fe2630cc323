"""Where failed deliveries go: a queue of moto's SQS backend.

Asynchronous invocations' and stream mappings' on-failure destinations, EventBridge targets' and SNS
subscriptions' dead-letter queues all end here; locally only SQS destinations are supported.
"""

from __future__ import annotations

from localcloud.aws_formats import parse_arn


def send_to_sqs(queue_arn: str, body: str, attributes: dict[str, str] | None = None) -> None:
    """Sends a message to a queue of moto's SQS backend (the account and region of the ARN)."""
    from moto.sqs.models import sqs_backends  # moto loads on first use, not when localcloud is imported

    service, region, account, queue_name = parse_arn(queue_arn)
    if service != "sqs":
        raise ValueError(f"{queue_arn}: only SQS destinations are supported locally")
    message_attributes = {
        name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()
    }
    sqs_backends[account][region].send_message(
        queue_name=queue_name, message_body=body, message_attributes=message_attributes or None
    )


def check_destination(arn: str | None) -> None:
    """Refuses, when it is configured, an on-failure destination that is not an SQS queue."""
    if arn is not None and parse_arn(arn)[0] != "sqs":
        raise ValueError(f"{arn}: only SQS on-failure destinations are supported locally")
