"""SDK faults (`localcloud.faults`, patch 16): a function's requests answered as the service answers a throttle,
a 500, a conflict or a partial batch, and what the SDK's standard retry mode then does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.retries import standard

from localcloud import faults
from tests.localcloud.support import Cloud, create_table, injected_faults, local_cloud, seed_deciding

ITEM = {"PK": {"S": "k"}, "SK": {"S": "1"}}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's retries without their sleeps (up to 1, 2, 4 s after a throttle): what is retried is the same."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        create_table(cloud, "table-t")
        cloud.function("caller", "sdk_caller")
        yield cloud


def call(cloud: Cloud, service: str, operation: str, max_attempts: int = 3, **params: Any) -> dict[str, Any]:
    """What the function `caller` got back from one SDK call with `max_attempts` (standard mode)."""
    event = {"service": service, "operation": operation, "params": params, "max_attempts": max_attempts}
    payload, errored = cloud.runtime.invoke("caller", event)
    assert not errored, payload
    return dict(payload)


def items(cloud: Cloud) -> list[dict[str, Any]]:
    return list(cloud.client("dynamodb").scan(TableName="table-t")["Items"])


def test_a_throttled_put_is_retried_by_the_sdk_and_fails_after_its_attempts(cloud: Cloud) -> None:
    with injected_faults("dynamodb-throttle=1"):
        answer = call(cloud, "dynamodb", "put_item", max_attempts=3, TableName="table-t", Item=ITEM)
    assert answer["error"]["code"] in ("ProvisionedThroughputExceededException", "ThrottlingException")
    assert answer["error"]["status"] == 400
    assert answer["error"]["retries"] == 3  # the standard mode retried the throttle
    assert items(cloud) == []  # a throttled request writes nothing
    assert faults.counts() == {"dynamodb-throttle": {"table-t": 4}}


def test_a_throttled_put_succeeds_on_a_later_attempt(cloud: Cloud) -> None:
    seed = seed_deciding("dynamodb-throttle", "table-t", 0.5, True, True, False)
    with injected_faults("dynamodb-throttle=0.5", seed):
        answer = call(cloud, "dynamodb", "put_item", TableName="table-t", Item=ITEM)
    assert answer == {"ok": True, "response": {}, "retries": 2}
    assert items(cloud) == [ITEM]


def test_a_500_is_retried_as_any_5xx(cloud: Cloud) -> None:
    seed = seed_deciding("dynamodb-500", "table-t", 0.5, True, False)
    with injected_faults("dynamodb-500=0.5", seed):
        assert call(cloud, "dynamodb", "put_item", TableName="table-t", Item=ITEM)["retries"] == 1
    with injected_faults("dynamodb-500=1"):
        answer = call(cloud, "dynamodb", "get_item", max_attempts=1, TableName="table-t", Key=ITEM)
    assert (answer["error"]["code"], answer["error"]["status"], answer["error"]["retries"]) == (
        "InternalServerError",
        500,
        1,
    )


def test_a_conflicting_transaction_is_cancelled_not_retried_and_writes_nothing(cloud: Cloud) -> None:
    transaction = [
        {"Put": {"TableName": "table-t", "Item": ITEM}},
        {"Put": {"TableName": "table-t", "Item": {"PK": {"S": "k"}, "SK": {"S": "2"}}}},
    ]
    with injected_faults("dynamodb-conflict@table-t=1"):
        answer = call(cloud, "dynamodb", "transact_write_items", TransactItems=transaction)
        single = call(cloud, "dynamodb", "put_item", TableName="table-t", Item=ITEM)
        read = call(cloud, "dynamodb", "get_item", TableName="table-t", Key=ITEM)
    assert answer["error"]["code"] == "TransactionCanceledException"
    assert answer["error"]["retries"] == 0  # the SDK does not retry it: the application must
    reasons = [reason["Code"] for reason in answer["response"]["CancellationReasons"]]
    assert sorted(reasons) == ["None", "TransactionConflict"]
    assert "TransactionConflict" in answer["error"]["message"]
    assert single["error"]["code"] == "TransactionConflictException"
    assert read["ok"]  # reads never conflict
    assert items(cloud) == []


def test_an_s3_slowdown_and_a_500_are_retried_and_store_nothing(cloud: Cloud) -> None:
    cloud.client("s3").create_bucket(Bucket="bucket-b")
    with injected_faults("s3-slowdown@bucket-b=1"):
        slow = call(cloud, "s3", "put_object", max_attempts=2, Bucket="bucket-b", Key="k", Body="x")
    seed = seed_deciding("s3-500", "bucket-b", 0.5, True, False)
    with injected_faults("s3-500=0.5", seed):
        stored = call(cloud, "s3", "put_object", Bucket="bucket-b", Key="later", Body="y")
    assert (slow["error"]["code"], slow["error"]["status"], slow["error"]["retries"]) == ("SlowDown", 503, 2)
    assert stored["retries"] == 1
    keys = [entry["Key"] for entry in cloud.client("s3").list_objects_v2(Bucket="bucket-b").get("Contents", [])]
    assert keys == ["later"]


def test_a_partial_put_events_puts_only_the_entries_not_failed(cloud: Cloud) -> None:
    url, arn = cloud.queue("seen")
    events = cloud.client("events")
    events.put_rule(Name="all", EventPattern=json.dumps({"source": ["s"]}))
    events.put_targets(Rule="all", Targets=[{"Id": "1", "Arn": arn, "InputPath": "$.detail"}])
    entries = [{"Source": "s", "DetailType": "d", "Detail": json.dumps({"n": n})} for n in range(4)]
    seed = seed_deciding("events-partial", "default", 0.5, False, True, False, True)
    with injected_faults("events-partial=0.5", seed):
        answer = call(cloud, "events", "put_events", Entries=entries)["response"]
    assert answer["FailedEntryCount"] == 2
    assert [sorted(entry) for entry in answer["Entries"]] == [
        ["EventId"],
        ["ErrorCode", "ErrorMessage"],
        ["EventId"],
        ["ErrorCode", "ErrorMessage"],
    ]
    assert {answer["Entries"][1]["ErrorCode"], answer["Entries"][3]["ErrorCode"]} <= {
        "InternalFailure",
        "ThrottlingException",
    }
    assert sorted(json.loads(message["Body"])["n"] for message in cloud.messages(url)) == [0, 2]
    assert faults.counts() == {"events-partial": {"default": 2}}


def test_every_entry_failed_puts_nothing(cloud: Cloud) -> None:
    url, arn = cloud.queue("seen")
    events = cloud.client("events")
    events.put_rule(Name="all", EventPattern=json.dumps({"source": ["s"]}))
    events.put_targets(Rule="all", Targets=[{"Id": "1", "Arn": arn}])
    with injected_faults("events-partial=1"):
        answer = call(cloud, "events", "put_events", Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}])
    assert answer["response"]["FailedEntryCount"] == 1
    assert cloud.messages(url) == []


def test_a_partial_publish_batch_publishes_only_the_entries_not_failed(cloud: Cloud) -> None:
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="topic-n")["TopicArn"]
    url, arn = cloud.queue("seen")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    entries = [
        {
            "Id": f"m{n}",
            "Message": f"message {n}",
            "MessageAttributes": {"n": {"DataType": "String", "StringValue": str(n)}},
        }
        for n in range(4)
    ]
    seed = seed_deciding("sns-partial", "topic-n", 0.5, True, False, False, True)
    with injected_faults("sns-partial@topic-n=0.5", seed):
        answer = call(cloud, "sns", "publish_batch", TopicArn=topic, PublishBatchRequestEntries=entries)["response"]
    assert [entry["Id"] for entry in answer["Successful"]] == ["m1", "m2"]
    assert [(entry["Id"], entry["SenderFault"]) for entry in answer["Failed"]] == [("m0", False), ("m3", False)]
    assert {entry["Code"] for entry in answer["Failed"]} <= {"InternalError", "Throttled"}
    messages = cloud.messages(url)
    published = sorted((message["Body"], message["MessageAttributes"]["n"]["StringValue"]) for message in messages)
    assert published == [("message 1", "1"), ("message 2", "2")]  # renumbered members keep their attributes


def test_a_request_refused_as_a_whole_is_left_to_the_service(cloud: Cloud) -> None:
    entries = [{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11
    with injected_faults("events-partial=1"):
        answer = call(cloud, "events", "put_events", Entries=entries)
    assert answer["error"]["code"] == "ValidationException"
    assert faults.counts() == {}


def test_requests_not_made_by_a_function_are_never_faulted(cloud: Cloud) -> None:
    with injected_faults("1"):
        cloud.client("dynamodb").put_item(TableName="table-t", Item=ITEM)
        cloud.client("s3").create_bucket(Bucket="bucket-b")
        cloud.client("s3").put_object(Bucket="bucket-b", Key="k", Body=b"x")
    assert items(cloud) == [ITEM]
    assert faults.counts() == {}


def test_without_faults_nothing_changes(cloud: Cloud) -> None:
    assert faults.active() is None
    assert call(cloud, "dynamodb", "put_item", TableName="table-t", Item=ITEM) == {
        "ok": True,
        "response": {},
        "retries": 0,
    }
    with injected_faults("invoke-before@other=1,dynamodb-throttle@other-table=1"):
        assert call(cloud, "dynamodb", "get_item", TableName="table-t", Key=ITEM)["response"]["Item"] == ITEM
    assert faults.counts() == {}
