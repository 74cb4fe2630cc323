"""Delivery faults (`localcloud.faults.deliveries`): asynchronous invocations delayed, held back behind the next
one or duplicated; stream batches delayed or duplicated."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud import faults
from localcloud.moto_lock import MOTO_LOCK
from tests.localcloud.fixtures import sink
from tests.localcloud.support import (
    Cloud,
    create_table,
    injected_faults,
    local_cloud,
    seed_deciding,
    stream_mapping,
)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def order_seen() -> list[tuple[str, Any]]:
    with sink.LOCK:
        return list(sink.CALLS)


def test_a_duplicated_asynchronous_invocation_runs_twice_with_the_same_request_id(cloud: Cloud) -> None:
    cloud.function("f")
    request_ids: list[str] = []
    sink.RESPONDERS["f"] = lambda event, context: request_ids.append(context.aws_request_id)
    with injected_faults("async-duplicate=1"):
        cloud.runtime.invoke_async("f", {"n": 1})
        cloud.runtime.wait_idle(10)
    assert sink.calls("f") == [{"n": 1}, {"n": 1}]
    assert len(request_ids) == 2 and len(set(request_ids)) == 1
    assert faults.counts() == {"async-duplicate": {"f": 1}}


def test_a_delayed_asynchronous_invocation_lets_later_work_run_first(cloud: Cloud) -> None:
    cloud.function("slow")
    cloud.function("quick")
    with injected_faults("async-delay@slow=1"):
        cloud.runtime.invoke_async("slow", {"n": 1})
        cloud.runtime.invoke_async("quick", {"n": 2})
        cloud.runtime.wait_idle(10)
    assert [name for name, _ in order_seen()] == ["quick", "slow"]
    assert faults.counts() == {"async-delay": {"slow": 1}}


def test_a_reordered_asynchronous_invocation_runs_after_the_next_one(cloud: Cloud) -> None:
    cloud.function("f")
    seed = seed_deciding("async-reorder", "f", 0.5, True, False)
    with injected_faults("async-reorder=0.5", seed):
        cloud.runtime.invoke_async("f", {"n": 1})
        cloud.runtime.invoke_async("f", {"n": 2})
        cloud.runtime.wait_idle(10)
    assert sink.calls("f") == [{"n": 2}, {"n": 1}]


def test_a_reordered_invocation_with_nothing_after_it_still_runs(cloud: Cloud) -> None:
    cloud.function("f")
    with injected_faults("async-reorder=1"):
        started = time.monotonic()
        cloud.runtime.invoke_async("f", {"n": 1})
        cloud.runtime.wait_idle(10)
    assert sink.calls("f") == [{"n": 1}]
    assert time.monotonic() - started >= 0.09  # held for REORDER_WAIT


def test_eventbridge_deliveries_to_a_function_get_the_asynchronous_faults(cloud: Cloud) -> None:
    arn = cloud.function("target")
    events = cloud.client("events")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["s"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": arn, "InputPath": "$.detail"}])
    with injected_faults("async-duplicate@target=1"):
        events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"n": 1}'}])
        cloud.runtime.wait_idle(10)
    assert sink.calls("target") == [{"n": 1}, {"n": 1}]


def test_a_duplicated_stream_batch_is_delivered_twice_in_a_row(cloud: Cloud) -> None:
    stream = create_table(cloud, "table-s")
    cloud.function("consumer")
    with injected_faults("stream-duplicate=1"):
        stream_mapping(cloud, stream, batch_size=10, starting_position="TRIM_HORIZON")
        with MOTO_LOCK:
            for key in ("a", "b"):
                cloud.client("dynamodb").put_item(TableName="table-s", Item={"PK": {"S": key}, "SK": {"S": "1"}})
        cloud.runtime.wait_idle(10)
    calls = sink.calls("consumer")
    batches = [[record["dynamodb"]["Keys"]["PK"]["S"] for record in batch["Records"]] for batch in calls]
    assert batches == [["a", "b"], ["a", "b"]]
    assert faults.counts() == {"stream-duplicate": {"consumer": 1}}


def test_a_delayed_stream_batch_is_still_delivered_in_order(cloud: Cloud) -> None:
    stream = create_table(cloud, "table-s")
    cloud.function("consumer")
    with injected_faults("stream-delay=1"):
        stream_mapping(cloud, stream, batch_size=10, starting_position="TRIM_HORIZON")
        for key in ("a", "b", "c"):
            cloud.client("dynamodb").put_item(TableName="table-s", Item={"PK": {"S": key}, "SK": {"S": "1"}})
            cloud.runtime.wait_idle(10)
    keys = [record["dynamodb"]["Keys"]["PK"]["S"] for batch in sink.calls("consumer") for record in batch["Records"]]
    assert keys == ["a", "b", "c"]
    assert faults.counts()["stream-delay"]["consumer"] == 3


def test_without_faults_deliveries_are_once_and_in_order(cloud: Cloud) -> None:
    cloud.function("f")
    for n in range(5):
        cloud.runtime.invoke_async("f", {"n": n})
        cloud.runtime.wait_idle(10)
    assert sink.calls("f") == [{"n": n} for n in range(5)]
    assert faults.active() is None


def test_a_failed_eventbridge_delivery_follows_the_targets_retry_policy_then_its_dead_letter_queue(
    cloud: Cloud,
) -> None:
    arn = cloud.function("target")
    events = cloud.client("events")
    rule = events.put_rule(Name="rule-r", EventPattern=json.dumps({"source": ["s"]}))["RuleArn"]
    url, queue = cloud.dead_letter_queue("rule-dlq", "events", rule)
    retry_policy = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    target = {"Id": "1", "Arn": arn, "RetryPolicy": retry_policy, "DeadLetterConfig": {"Arn": queue}}
    events.put_targets(Rule="rule-r", Targets=[target])
    with injected_faults("events-target@rule-r=1"):
        events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"n": 1}'}])
        cloud.runtime.wait_idle(10)
    assert sink.calls("target") == []
    (message,) = cloud.messages(url)
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["ERROR_CODE"] in ("THROTTLING", "INTERNAL_ERROR")
    assert (attributes["RULE_ARN"], attributes["TARGET_ARN"]) == (rule, arn)
    assert json.loads(message["Body"])["detail"] == {"n": 1}
    assert faults.counts() == {"events-target": {"rule-r": 3}}  # the first attempt and 2 retries


def test_a_failed_eventbridge_delivery_retried_in_time_is_delivered_once(cloud: Cloud) -> None:
    arn = cloud.function("target")
    events = cloud.client("events")
    rule = events.put_rule(Name="rule-r", EventPattern=json.dumps({"source": ["s"]}))["RuleArn"]
    url, queue = cloud.dead_letter_queue("rule-dlq", "events", rule)
    events.put_targets(Rule="rule-r", Targets=[{"Id": "1", "Arn": arn, "DeadLetterConfig": {"Arn": queue}}])
    seed = seed_deciding("events-target", "rule-r", 0.5, True, True, False)
    with injected_faults("events-target=0.5", seed):
        events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"n": 1}'}])
        cloud.runtime.wait_idle(10)
    assert [event["detail"] for event in sink.calls("target")] == [{"n": 1}]
    assert cloud.messages(url) == []
