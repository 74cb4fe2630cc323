"""Patch 15: requests over the limits AWS enforces and moto does not are refused with AWS's error and change
nothing; a request at the limit goes through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.aws_sizes import MAX_ASYNCHRONOUS_PAYLOAD, MAX_SYNCHRONOUS_PAYLOAD
from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches.limits import (
    MAX_PUBLISH_BATCH_BYTES,
    MAX_PUT_EVENTS_BYTES,
    put_events_size,
    transaction_size,
)
from tests.localcloud.fixtures import sink
from tests.localcloud.support import Cloud, create_table, local_cloud, stream_mapping


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response: Any = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def puts(count: int, prefix: str = "k") -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": {"PK": {"S": f"{prefix}{n}"}, "SK": {"S": "s"}}}} for n in range(count)]


def item_count(cloud: Cloud, table: str) -> int:
    pages = cloud.client("dynamodb").get_paginator("scan").paginate(TableName=table, Select="COUNT")
    return sum(int(page["Count"]) for page in pages)


def test_a_batch_write_of_25_requests_is_written_and_one_of_26_is_refused_whole(cloud: Cloud) -> None:
    create_table(cloud)
    dynamodb = cloud.client("dynamodb")
    assert dynamodb.batch_write_item(RequestItems={"trades": puts(25)})["UnprocessedItems"] == {}
    assert item_count(cloud, "trades") == 25

    with pytest.raises(ClientError) as raised:
        dynamodb.batch_write_item(RequestItems={"trades": puts(26, prefix="x")})

    assert refusal(raised) == (400, "ValidationException", "Too many items requested for the BatchWriteItem call")
    assert item_count(cloud, "trades") == 25


def test_the_25_requests_of_a_batch_write_are_counted_over_all_its_tables(cloud: Cloud) -> None:
    create_table(cloud, "one")
    create_table(cloud, "two")

    with pytest.raises(ClientError) as raised:
        cloud.client("dynamodb").batch_write_item(RequestItems={"one": puts(13), "two": puts(13)})

    assert refusal(raised)[1] == "ValidationException"
    assert item_count(cloud, "one") == item_count(cloud, "two") == 0


def big_puts(count: int, size: int) -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": "trades", "Item": {"PK": {"S": f"k{n}"}, "SK": {"S": "s"}, "D": {"S": "x" * size}}}}
        for n in range(count)
    ]


def test_a_transaction_over_4_mb_in_all_is_refused_and_writes_nothing(cloud: Cloud) -> None:
    create_table(cloud)
    dynamodb = cloud.client("dynamodb")
    fits = big_puts(10, 390_000)
    assert transaction_size(fits) < 4 * 1024 * 1024
    dynamodb.transact_write_items(TransactItems=fits)
    assert item_count(cloud, "trades") == 10

    over = [{"Put": {**op["Put"], "Item": {**op["Put"]["Item"], "SK": {"S": "t"}}}} for op in big_puts(11, 390_000)]
    assert transaction_size(over) > 4 * 1024 * 1024
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=over)

    assert refusal(raised) == (400, "ValidationException", "Transaction request cannot be larger than 4 MB")
    assert item_count(cloud, "trades") == 10


def entry(size: int) -> dict[str, Any]:
    """An entry of `size` bytes as EventBridge sizes it (1 + 1 + its Detail's)."""
    detail = json.dumps({"d": "x" * (size - 11)})
    return {"Source": "s", "DetailType": "t", "Detail": detail, "EventBusName": "default"}


def test_put_events_counts_the_entries_as_eventbridge_sizes_them() -> None:
    assert put_events_size([{"Source": "ab", "DetailType": "cd", "Detail": "{}", "Resources": ["r1", "é"]}]) == 10
    assert put_events_size([{"Time": "2026-01-01", "Source": "s", "DetailType": "", "Detail": "{}"}]) == 17


def test_put_events_over_256_kb_in_all_is_refused_and_at_the_limit_is_accepted(cloud: Cloud) -> None:
    events = cloud.client("events")
    at_limit = [entry(MAX_PUT_EVENTS_BYTES // 2) for _ in range(2)]
    assert put_events_size(at_limit) == MAX_PUT_EVENTS_BYTES
    assert events.put_events(Entries=at_limit)["FailedEntryCount"] == 0

    one_entry_over = [entry(300 * 1024)]
    for request in (one_entry_over, [*at_limit[:1], entry(MAX_PUT_EVENTS_BYTES // 2 + 1)]):
        with pytest.raises(ClientError) as raised:
            events.put_events(Entries=request)
        assert refusal(raised) == (
            400,
            "ValidationException",
            "Total size of the entries in the request is over the limit.",
        )


def test_a_publish_batch_over_256_kb_in_all_is_refused_and_delivers_nothing(cloud: Cloud) -> None:
    sns = cloud.client("sns")
    sqs = cloud.client("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    half = MAX_PUBLISH_BATCH_BYTES // 2
    fits = [{"Id": str(n), "Message": "x" * half} for n in range(2)]
    assert len(sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=fits)["Successful"]) == 2
    assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]) == 2

    over = [
        {"Id": "a", "Message": "x" * half},
        {"Id": "b", "Message": "x" * half, "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    ]
    with pytest.raises(ClientError) as raised:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=over)

    assert refusal(raised) == (
        400,
        "BatchRequestTooLong",
        "The length of all the messages put together is more than the limit.",
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)


def test_an_invoke_over_lambda_s_payload_limits_is_refused_with_413_and_runs_nothing(cloud: Cloud) -> None:
    cloud.function("queued", in_moto=True)
    client = cloud.client("lambda")
    filler = "x" * (MAX_ASYNCHRONOUS_PAYLOAD - 10)
    queued = client.invoke(FunctionName="queued", InvocationType="Event", Payload=json.dumps({"f": filler}))
    assert queued["StatusCode"] == 202
    cloud.runtime.wait_idle(10)
    assert len(sink.calls("queued")) == 1

    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="queued", InvocationType="Event", Payload=json.dumps({"f": filler + "yy"}))
    size = MAX_ASYNCHRONOUS_PAYLOAD + 1
    assert refusal(raised) == (
        413,
        "RequestEntityTooLargeException",
        f"{size} byte payload is too large for the Event invocation type (limit {MAX_ASYNCHRONOUS_PAYLOAD} bytes)",
    )
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="queued", Payload=json.dumps({"f": "x" * MAX_SYNCHRONOUS_PAYLOAD}))
    assert refusal(raised) == (
        413,
        "RequestEntityTooLargeException",
        f"Request must be smaller than {MAX_SYNCHRONOUS_PAYLOAD} bytes for the InvokeFunction operation",
    )
    cloud.runtime.wait_idle(10)
    assert len(sink.calls("queued")) == 1


def test_a_stream_batch_stops_at_lambda_s_6_mb_synchronous_payload(cloud: Cloud) -> None:
    stream = create_table(cloud)
    cloud.function("consumer")
    stream_mapping(cloud, stream, "consumer")
    filler = "x" * 300_000
    with MOTO_LOCK:  # the poller reads the 30 records at once: 9 MB, under the batch size of 100
        for n in range(30):
            item = {"PK": {"S": "CUST#1"}, "SK": {"S": f"TRADE#{n:02d}"}, "Filler": {"S": filler}}
            cloud.client("dynamodb").put_item(TableName="trades", Item=item)
    cloud.runtime.wait_idle(30)

    batches = sink.calls("consumer")
    keys = [record["dynamodb"]["Keys"]["SK"]["S"] for batch in batches for record in batch["Records"]]
    assert keys == [f"TRADE#{n:02d}" for n in range(30)]
    assert len(batches) == 2
    assert all(len(json.dumps(batch).encode()) <= MAX_SYNCHRONOUS_PAYLOAD for batch in batches)
    assert len(json.dumps({"Records": batches[0]["Records"] + batches[1]["Records"][:1]})) > MAX_SYNCHRONOUS_PAYLOAD
