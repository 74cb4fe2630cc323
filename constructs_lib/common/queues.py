"""Dead-letter queues: TLS-only, SQS-managed encryption, 14 days to look at what failed."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.common.nag import DLQ_HAS_NO_DLQ, DLQ_HAS_NO_DLQ_REASON, acknowledge
from constructs_lib.stage_config import StageConfig


def dead_letter_queue(scope: Construct, id: str, *, config: StageConfig, name: str) -> sqs.Queue:
    """A queue receiving what an asynchronous hop could not deliver or process (`<prefix>-<name>-dlq`)."""
    queue = sqs.Queue(
        scope,
        id,
        queue_name=config.resource_name(f"{name}-dlq"),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        removal_policy=config.removal_policy,
    )
    acknowledge(queue, {DLQ_HAS_NO_DLQ: DLQ_HAS_NO_DLQ_REASON})
    return queue
