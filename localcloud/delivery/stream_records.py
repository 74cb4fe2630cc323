"""The shapes Lambda's stream poller writes: the records it delivers and the failure record it sends.

A delivered record: `eventID`, `eventName`, `eventVersion`, `eventSource: aws:dynamodb`, `awsRegion`,
`dynamodb{Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType, ApproximateCreationDateTime
(epoch seconds)}`, `eventSourceARN`.

A failure record (the on-failure destination's message): `{"requestContext": {"requestId", "functionArn",
"condition": "RetryAttemptsExhausted", "approximateInvokeCount"}, "responseContext": {"statusCode",
"executedVersion", "functionError"}, "version", "timestamp", "DDBStreamBatchInfo": {"shardId",
"startSequenceNumber", "endSequenceNumber", "approximateArrivalOfFirstRecord",
"approximateArrivalOfLastRecord", "batchSize", "streamArn"}}`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from localcloud.aws_formats import iso_now


def _epoch_seconds(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    return value


def lambda_record(raw: dict[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """A moto `StreamRecord.to_json()` as a Lambda event record."""
    dynamodb = dict(raw["dynamodb"])
    dynamodb["ApproximateCreationDateTime"] = _epoch_seconds(dynamodb.get("ApproximateCreationDateTime"))
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _iso(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_record(
    *,
    function_arn: str,
    stream_arn: str,
    shard_id: str,
    records: list[dict[str, Any]],
    attempts: int,
    errored: bool,
) -> dict[str, Any]:
    """What the on-failure destination receives for records skipped after their last retry."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if errored:
        response_context["functionError"] = "Unhandled"
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": iso_now(),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime")),
            "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime")),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
