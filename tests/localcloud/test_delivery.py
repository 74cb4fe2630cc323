"""DynamoDB stream → Lambda: batching, filters, partial batch failures, bisect, retries, on-failure."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.delivery.filters import UnsupportedPattern, compile_filters
from localcloud.moto_lock import MOTO_LOCK
from tests.localcloud.fixtures import sink
from tests.localcloud.support import Cloud, create_table, function_arn, local_cloud, stream_mapping

TRADE_FILTER = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "TRADE#"}]}}}}


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def put(cloud: Cloud, *sort_keys: str, pk: str = "CUST#1") -> None:
    ddb = cloud.client("dynamodb")
    for sort_key in sort_keys:
        ddb.put_item(TableName="trades", Item={"PK": {"S": pk}, "SK": {"S": sort_key}, "Qty": {"N": "1"}})


def delivered_keys(batches: list[Any]) -> list[list[str]]:
    return [[record["dynamodb"]["Keys"]["SK"]["S"] for record in batch["Records"]] for batch in batches]


def test_batches_of_batch_size_in_order_with_lambdas_record_shape(cloud: Cloud) -> None:
    stream = create_table(cloud)
    put(cloud, "OLD")  # before the mapping: LATEST starts after it
    cloud.function("consumer")
    stream_mapping(cloud, stream, batch_size=2)
    cloud.client("dynamodb").update_item(
        TableName="trades",
        Key={"PK": {"S": "CUST#1"}, "SK": {"S": "NEW"}},
        UpdateExpression="SET Qty = :q",
        ExpressionAttributeValues={":q": {"N": "5"}},
    )
    cloud.runtime.wait_idle(10)  # the update is delivered before the puts are written
    with MOTO_LOCK:  # the poller reads the three records at once
        put(cloud, "A", "B", "C")
    cloud.runtime.wait_idle(10)

    batches = sink.calls("consumer")
    assert delivered_keys(batches) == [["NEW"], ["A", "B"], ["C"]]  # one record for an update creating an item
    record = batches[1]["Records"][0]
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == stream
    assert record["awsRegion"] == "us-east-1"
    assert set(record) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    dynamodb = record["dynamodb"]
    assert dynamodb["Keys"] == {"PK": {"S": "CUST#1"}, "SK": {"S": "A"}}
    assert dynamodb["NewImage"]["Qty"] == {"N": "1"}
    assert dynamodb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(dynamodb["ApproximateCreationDateTime"], int)
    assert dynamodb["SizeBytes"] > 0
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for b in batches for r in b["Records"]]
    assert numbers == sorted(set(numbers))


def test_a_batching_window_gathers_records_written_apart_into_one_batch(cloud: Cloud) -> None:
    """As Lambda's `MaximumBatchingWindowInSeconds`: records are gathered that long after the first is seen, unless
    a whole batch is there first."""
    stream = create_table(cloud)
    cloud.function("consumer")
    stream_mapping(cloud, stream, batch_size=3, batching_window=0.5)
    started = time.monotonic()
    put(cloud, "A")
    time.sleep(0.1)
    put(cloud, "B")
    cloud.runtime.wait_idle(10)
    assert delivered_keys(sink.calls("consumer")) == [["A", "B"]]
    assert time.monotonic() - started >= 0.5
    with MOTO_LOCK:
        put(cloud, "C", "D", "E")
    cloud.runtime.wait_idle(10)
    assert delivered_keys(sink.calls("consumer"))[1:] == [["C", "D", "E"]]  # a whole batch: at once


def test_a_batching_window_converts_each_record_once_however_often_it_looks(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a window gathers, the poller looks again and again; each look must not convert every unread record
    anew (under the moto lock, that cost more than the writes themselves)."""
    from moto.dynamodb.models.table import StreamRecord

    conversions: list[int] = []
    to_json = StreamRecord.to_json

    def counted(self: StreamRecord) -> dict[str, Any]:
        conversions.append(id(self))
        return to_json(self)

    monkeypatch.setattr(StreamRecord, "to_json", counted)
    stream = create_table(cloud)
    cloud.function("consumer")
    stream_mapping(cloud, stream, batch_size=100, batching_window=1.0)
    keys = [f"K{index:02d}" for index in range(12)]
    for key in keys:
        put(cloud, key)
        time.sleep(0.06)
    cloud.runtime.wait_idle(10)
    assert delivered_keys(sink.calls("consumer")) == [keys]
    assert len(conversions) == len(keys) == len(set(conversions))


def test_the_delivery_can_cap_the_batching_windows_for_tests(cloud: Cloud) -> None:
    """`Delivery(max_batching_window=…)` (`Settings.max_batching_window`, the e2e tests' 0.5 s) shortens a
    template's window; records are still gathered that long."""
    stream = create_table(cloud)
    cloud.function("consumer")
    cloud.delivery.max_batching_window = 0.3
    stream_mapping(cloud, stream, batch_size=100, batching_window=5.0)
    started = time.monotonic()
    put(cloud, "A")
    time.sleep(0.1)
    put(cloud, "B")
    cloud.runtime.wait_idle(10)
    elapsed = time.monotonic() - started
    assert delivered_keys(sink.calls("consumer")) == [["A", "B"]]
    assert 0.3 <= elapsed < 2.0


def test_filter_criteria_and_trim_horizon(cloud: Cloud) -> None:
    stream = create_table(cloud)
    put(cloud, "TRADE#2024-01-01#1", "CUST#1")
    cloud.client("dynamodb").delete_item(TableName="trades", Key={"PK": {"S": "CUST#1"}, "SK": {"S": "CUST#1"}})
    put(cloud, "TRADE#2024-01-01#1")  # the same item again: no change, no record
    cloud.function("consumer")
    stream_mapping(cloud, stream, filters=[{"Pattern": json.dumps(TRADE_FILTER)}], starting_position="TRIM_HORIZON")
    put(cloud, "TICKER#AMZN", "TRADE#2024-01-01#2")
    cloud.runtime.wait_idle(10)

    delivered = [key for batch in delivered_keys(sink.calls("consumer")) for key in batch]
    assert delivered == ["TRADE#2024-01-01#1", "TRADE#2024-01-01#2"]


def test_partial_batch_failure_retries_from_the_first_failed_record(cloud: Cloud) -> None:
    stream = create_table(cloud)
    cloud.function("consumer")
    stream_mapping(cloud, stream, report_batch_item_failures=True, batch_size=10)
    failures_left = {"B": 1, "D": 2}

    def responder(event: Any, context: Any) -> Any:
        failures = []
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["SK"]["S"]
            if failures_left.get(key):
                failures_left[key] -= 1
                failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
        return {"batchItemFailures": failures}

    sink.RESPONDERS["consumer"] = responder
    with MOTO_LOCK:  # the poller reads all four records at once
        put(cloud, "A", "B", "C", "D")
    cloud.runtime.wait_idle(10)

    assert delivered_keys(sink.calls("consumer")) == [["A", "B", "C", "D"], ["B", "C", "D"], ["D"]]


def test_errors_bisect_retry_then_go_to_the_on_failure_destination(cloud: Cloud) -> None:
    stream = create_table(cloud)
    url, queue = cloud.queue("stream-failures")
    cloud.function("consumer")

    def responder(event: Any, context: Any) -> Any:
        if any(r["dynamodb"]["Keys"]["SK"]["S"] == "POISON" for r in event["Records"]):
            raise RuntimeError("poison")
        return None

    sink.RESPONDERS["consumer"] = responder
    stream_mapping(cloud, stream, bisect_on_error=True, max_retries=2, on_failure_arn=queue, batch_size=4)
    with MOTO_LOCK:
        put(cloud, "A", "POISON", "C", "D")
    put(cloud, "E")
    cloud.runtime.wait_idle(10)

    batches = delivered_keys(sink.calls("consumer"))
    assert batches[:2] == [["A", "POISON", "C", "D"], ["A", "POISON"]]
    assert batches[2:] == [["A"], ["POISON"], ["POISON"], ["POISON"], ["C", "D"], ["E"]]
    (message,) = cloud.messages(url)
    failure = json.loads(message["Body"])
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestContext"]["functionArn"] == function_arn("consumer")
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == stream
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["shardId"].startswith("shardId-")


def test_without_bisect_the_whole_batch_is_retried_and_skipped(cloud: Cloud) -> None:
    stream = create_table(cloud)
    cloud.function("consumer")
    sink.RESPONDERS["consumer"] = lambda event, context: 1 / 0
    stream_mapping(cloud, stream, max_retries=1)
    with MOTO_LOCK:
        put(cloud, "A", "B")
    cloud.runtime.wait_idle(10)
    sink.RESPONDERS.clear()
    put(cloud, "C")
    cloud.runtime.wait_idle(10)

    assert delivered_keys(sink.calls("consumer")) == [["A", "B"], ["A", "B"], ["C"]]


def test_a_cancelled_transaction_writes_no_stream_record(cloud: Cloud) -> None:
    stream = create_table(cloud)
    cloud.function("consumer")
    stream_mapping(cloud, stream)
    ddb = cloud.client("dynamodb")
    put(cloud, "EXISTS")
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "trades", "Item": {"PK": {"S": "CUST#1"}, "SK": {"S": "NEW"}}}},
                {
                    "Put": {
                        "TableName": "trades",
                        "Item": {"PK": {"S": "CUST#1"}, "SK": {"S": "EXISTS"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )
    put(cloud, "AFTER")
    cloud.runtime.wait_idle(10)

    assert [k for batch in delivered_keys(sink.calls("consumer")) for k in batch] == ["EXISTS", "AFTER"]


def test_filter_patterns() -> None:
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"SK": {"S": "TRADE#1"}}, "NewImage": {"Qty": {"N": "5"}}}}
    assert compile_filters([TRADE_FILTER])(record)
    assert compile_filters([json.dumps(TRADE_FILTER)])(record)
    assert not compile_filters([{"eventName": ["MODIFY"]}])(record)
    assert compile_filters([{"eventName": ["MODIFY"]}, {"eventName": ["INSERT"]}])(record)
    assert compile_filters([{"eventName": [{"anything-but": ["REMOVE"]}]}])(record)
    assert compile_filters([{"dynamodb": {"OldImage": [{"exists": False}]}}])(record)
    assert not compile_filters([{"dynamodb": {"NewImage": {"Qty": {"N": [{"exists": False}]}}}}])(record)
    assert compile_filters([{"dynamodb": {"Keys": {"SK": {"S": [{"suffix": "#1"}]}}}}])(record)
    assert compile_filters([{"$or": [{"eventName": ["REMOVE"]}, {"eventName": [{"equals-ignore-case": "insert"}]}]}])(
        record
    )
    assert compile_filters([{"n": [{"numeric": [">", 1, "<=", 5]}]}])({"n": 5})
    assert not compile_filters([{"n": [{"numeric": [">", 1, "<=", 5]}]}])({"n": "5"})
    assert compile_filters([{"tags": ["b"]}])({"tags": ["a", "b"]})
    assert not compile_filters([{"flag": [True]}])({"flag": 1})
    unsupported_patterns: list[dict[str, Any]] = [
        {"a": [{"wildcard": "x*"}]},
        {"a": "x"},
        {"a": [{"cidr": "10.0.0.0/24"}]},
        {"a": []},
    ]
    for unsupported in unsupported_patterns:
        with pytest.raises(UnsupportedPattern):
            compile_filters([unsupported])


def test_mappings_are_validated(cloud: Cloud) -> None:
    stream = create_table(cloud)
    with pytest.raises(ValueError, match="starting position"):
        stream_mapping(cloud, stream, starting_position="AT_TIMESTAMP")
    with pytest.raises(ValueError, match="no such stream"):
        stream_mapping(cloud, stream.replace("table/trades", "table/other"))
    with pytest.raises(ValueError, match="only SQS"):
        stream_mapping(cloud, stream, on_failure_arn="arn:aws:sns:us-east-1:123456789012:topic")


def test_an_unknown_item_identifier_fails_the_whole_batch(cloud: Cloud) -> None:
    stream = create_table(cloud)
    cloud.function("consumer")
    answers = iter([{"batchItemFailures": [{"itemIdentifier": "not-a-sequence-number"}]}])
    sink.RESPONDERS["consumer"] = lambda event, context: next(answers, {"batchItemFailures": []})
    stream_mapping(cloud, stream, report_batch_item_failures=True)
    with MOTO_LOCK:
        put(cloud, "A", "B")
    cloud.runtime.wait_idle(10)

    assert delivered_keys(sink.calls("consumer")) == [["A", "B"], ["A", "B"]]
