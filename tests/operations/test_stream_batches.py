"""A stream batch's failure record is replayed by reading its records from the stream again (moto's DynamoDB
Streams here), keeping those the mapping's filter passes, in Lambda's record shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from operations.redrive import stream_batches
from operations.redrive.discovery import StreamMapping
from operations.redrive.parked import StreamBatch
from tests.operations.fakes import FakeLambda, client_error, clients

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:trading-system-dev-aggregator"
TRADES_FILTER = json.dumps(
    {"eventName": ["INSERT", "MODIFY"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "TRADE#"}]}}}}
)
"""The pattern the stack's mapping has (tests/infrastructure/test_redrive_sources.py reads the template's)."""


@pytest.fixture
def stream() -> Iterator[tuple[Any, str, list[dict[str, Any]]]]:
    """A table whose stream holds: an ORDER put, a TRADE put, an ORDER update, a TRADE update, an ORDER put."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="trades",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]
        for sk, version in (
            ("ORDER", "1"),
            ("TRADE#2026-12-03", "1"),
            ("ORDER", "2"),
            ("TRADE#2026-12-03", "2"),
            ("ORDER#2", "1"),
        ):
            dynamodb.put_item(
                TableName="trades",
                Item={"PK": {"S": "CUST#1"}, "SK": {"S": sk}, "Version": {"N": version}, "Raw": {"B": b"\x00\xff"}},
            )
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        arn = table["LatestStreamArn"]
        (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        yield streams, arn, records


def batch_of(arn: str, records: list[dict[str, Any]], first: int, last: int) -> StreamBatch:
    return StreamBatch(
        function_arn=FUNCTION,
        stream_arn=arn,
        shard_id="",
        start=records[first]["dynamodb"]["SequenceNumber"],
        end=records[last]["dynamodb"]["SequenceNumber"],
        batch_size=2,
        condition="RetryAttemptsExhausted",
    )


def with_shard(batch: StreamBatch, streams: Any) -> StreamBatch:
    (shard,) = streams.describe_stream(StreamArn=batch.stream_arn)["StreamDescription"]["Shards"]
    return StreamBatch(**{**batch.__dict__, "shard_id": shard["ShardId"]})


def test_the_batch_s_records_are_read_again_and_filtered_as_the_mapping_filters(stream: Any) -> None:
    streams, arn, records = stream
    batch = with_shard(batch_of(arn, records, 1, 3), streams)
    mapping = StreamMapping(uuid="m", function_arn=FUNCTION, source_arn=arn, filters=(TRADES_FILTER,))
    fake = FakeLambda(answer={"batchItemFailures": []})

    outcome = stream_batches.replay(batch, [mapping], clients(lambda_=fake, streams=streams), "us-east-1")

    assert outcome.replayed, outcome
    assert "2 of the 3 records read again (its mapping's filter passed)" in outcome.note
    ((function, event),) = fake.invocations
    assert function == FUNCTION
    delivered = event["Records"]
    assert [record["dynamodb"]["SequenceNumber"] for record in delivered] == [
        records[1]["dynamodb"]["SequenceNumber"],
        records[3]["dynamodb"]["SequenceNumber"],
    ]
    first = delivered[0]
    assert (first["eventSource"], first["eventSourceARN"], first["awsRegion"]) == ("aws:dynamodb", arn, "us-east-1")
    assert first["dynamodb"]["Keys"]["SK"] == {"S": "TRADE#2026-12-03"}
    assert first["dynamodb"]["NewImage"]["Raw"] == {"B": "AP8="}  # base64, as Lambda delivers binary
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert delivered[1]["dynamodb"]["OldImage"]["Version"] == {"N": "1"}


def test_without_a_listed_mapping_the_records_go_unfiltered_and_the_note_says_so(stream: Any) -> None:
    streams, arn, records = stream
    fake = FakeLambda(answer=None)

    outcome = stream_batches.replay(
        with_shard(batch_of(arn, records, 1, 3), streams), [], clients(lambda_=fake, streams=streams), "us-east-1"
    )

    assert outcome.replayed and "unfiltered" in outcome.note
    assert len(fake.invocations[0][1]["Records"]) == 3


def test_a_reported_item_failure_leaves_the_batch(stream: Any) -> None:
    streams, arn, records = stream
    sequence = records[1]["dynamodb"]["SequenceNumber"]
    fake = FakeLambda(answer={"batchItemFailures": [{"itemIdentifier": sequence}]})

    outcome = stream_batches.replay(
        with_shard(batch_of(arn, records, 1, 1), streams), [], clients(lambda_=fake, streams=streams), "us-east-1"
    )

    assert not outcome.replayed and sequence in outcome.note


class ExpiredStream:
    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        raise client_error("TrimmedDataAccessException", "the record is beyond the trim horizon", "GetShardIterator")


class ShortStream:
    """Holds only the batch's first record: its last is gone."""

    def __init__(self, first: dict[str, Any]) -> None:
        self.first = first

    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": "it"}

    def get_records(self, **_: Any) -> dict[str, Any]:
        return {"Records": [self.first], "NextShardIterator": None}


def test_records_no_longer_in_the_stream_leave_the_message_and_say_so(stream: Any) -> None:
    _, arn, records = stream
    batch = batch_of(arn, records, 1, 3)
    fake = FakeLambda()

    expired = stream_batches.replay(batch, [], clients(lambda_=fake, streams=ExpiredStream()), "us-east-1")
    short = stream_batches.replay(batch, [], clients(lambda_=fake, streams=ShortStream(records[1])), "us-east-1")

    for outcome in (expired, short):
        assert not outcome.replayed and "expired from the stream" in outcome.note, outcome
    assert "TrimmedDataAccessException" in expired.note
    assert fake.invocations == []


def test_large_runs_of_records_are_sent_in_batches_of_the_mapping_s_size() -> None:
    records = [{"n": number} for number in range(7)]

    assert [len(chunk) for chunk in stream_batches.batches(records, 3)] == [3, 3, 1]
