"""Lambda events as the deployed triggers deliver them: DynamoDB stream records read from moto's
real stream (dynamodbstreams API) with the event source mapping's filter of docs/contracts.md
applied, bus deliveries on either transport, S3 notifications; plus a Lambda context for Powertools.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

# The aggregator's event source mapping filter, exactly as docs/contracts.md gives it.
STREAM_FILTER: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "TRADE#"}]}}},
}


# The order book's schedule rule's event, as EventBridge delivers it to its target (the whole event).
SCHEDULED_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "1",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-03-02T14:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/trading-system-dev-order-book-schedule"],
    "detail": {},
}


def matches(pattern: Any, value: Any) -> bool:
    """Lambda filter-criteria matching, for the pattern forms the contract uses: nested objects,
    lists of alternatives, exact values and `prefix`."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            name in value and matches(sub, value[name]) for name, sub in pattern.items()
        )
    return any(_matches_alternative(alternative, value) for alternative in pattern)


def _matches_alternative(alternative: Any, value: Any) -> bool:
    if isinstance(alternative, dict) and "prefix" in alternative:
        return isinstance(value, str) and value.startswith(alternative["prefix"])
    return bool(alternative == value)


@dataclass
class StreamTap:
    """Reads a table's stream from where the previous read stopped, as one Lambda event.

    A fresh shard iterator is taken on every read: a cancelled moto transaction restores a copy of
    the table, which orphans iterators made before it.
    """

    table_name: str
    region: str = "us-east-1"
    _after: str | None = None

    def records(self) -> list[dict[str, Any]]:
        """Every new stream record, unfiltered, in the stream's (wire) format."""
        dynamodb = boto3.client("dynamodb", region_name=self.region)
        streams = boto3.client("dynamodbstreams", region_name=self.region)
        arn = dynamodb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        position: dict[str, Any] = (
            {"ShardIteratorType": "TRIM_HORIZON"}
            if self._after is None
            else {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._after}
        )
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **position)["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        if records:
            self._after = records[-1]["dynamodb"]["SequenceNumber"]
        return [lambda_record(record, arn) for record in records]

    def event(self) -> dict[str, Any]:
        """The new records that pass the contract's filter, as the aggregator receives them."""
        return {"Records": [record for record in self.records() if matches(STREAM_FILTER, record)]}


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A dynamodbstreams record as Lambda delivers it (epoch seconds, source ARN)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "eventVersion": "1.1", "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def bus_delivery(detail: dict[str, Any], bus_type: str, *, source: str, detail_type: str) -> dict[str, Any]:
    """What a route's target receives: the bare detail from an EventBridge rule (`InputPath: $.detail`)
    or an SNS record whose message is the detail and whose attributes carry the routing fields."""
    if bus_type == "EVENT-BRIDGE":
        return detail
    attributes = {"source": source, "detail-type": detail_type}
    attributes.update({name: str(value) for name, value in detail.items() if not isinstance(value, list)})
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "Sns": {
                    "Type": "Notification",
                    "Message": json.dumps(detail),
                    "MessageAttributes": {
                        name: {"Type": "String", "Value": value} for name, value in attributes.items()
                    },
                },
            }
        ]
    }


def s3_event(bucket: str, key: str, size: int = 0) -> dict[str, Any]:
    """An `ObjectCreated:Put` notification; the key is `quote_plus`-encoded as S3 sends it."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "settled",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key), "size": size, "sequencer": "0"},
                },
            }
        ]
    }


class FakeContext(LambdaContext):
    """The handlers' `context` type (Powertools' class, whose properties read these private attributes),
    with the attributes Powertools reads set."""

    def __init__(self, function_name: str = "test") -> None:
        self._function_name = function_name
        self._memory_limit_in_mb = 256
        self._aws_request_id = str(uuid.uuid4())
        self._invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
