"""Services invoking functions need a Lambda permission for their principal and source, as on AWS: a refused
EventBridge delivery goes straight to the target's dead-letter queue (NO_PERMISSIONS), a refused SNS delivery
to the subscription's, and an event source mapping reads its stream only with the function's role's grants."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.localcloud.fixtures import sink
from tests.localcloud.support import (
    ACCOUNT,
    REGION,
    Cloud,
    create_table,
    enforced_local_cloud,
    function_with_role,
    stream_mapping,
)

FUNCTION = "target"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/orders"


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with enforced_local_cloud() as cloud:
        yield cloud


def target(cloud: Cloud, policy: dict[str, Any] | None = None) -> str:
    return function_with_role(cloud, FUNCTION, "target-role", None if policy is None else json.dumps(policy))


def allow_service(cloud: Cloud, source_arn: str = RULE_ARN, service: str = "events") -> None:
    """The Lambda permission that lets `<service>.amazonaws.com` invoke the target from `source_arn`."""
    cloud.client("lambda").add_permission(
        FunctionName=FUNCTION,
        StatementId=service,
        Action="lambda:InvokeFunction",
        Principal=f"{service}.amazonaws.com",
        SourceArn=source_arn,
    )


def rule_to(cloud: Cloud, function_arn: str, dlq: str) -> Any:
    events = cloud.client("events")
    events.create_event_bus(Name="bus")
    events.put_rule(Name="orders", EventBusName="bus", EventPattern=json.dumps({"source": ["router"]}))
    events.put_targets(
        Rule="orders", EventBusName="bus", Targets=[{"Id": "1", "Arn": function_arn, "DeadLetterConfig": {"Arn": dlq}}]
    )
    return events


def put_event(events: Any) -> None:
    entry = {"Source": "router", "DetailType": "Order", "Detail": json.dumps({"n": 1}), "EventBusName": "bus"}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def test_an_eventbridge_delivery_without_a_lambda_permission_goes_to_the_targets_dead_letter_queue(
    cloud: Cloud,
) -> None:
    arn = target(cloud)
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", RULE_ARN)
    events = rule_to(cloud, arn, dlq)

    put_event(events)
    cloud.runtime.wait_idle(10)

    assert sink.calls(FUNCTION) == []
    (message,) = cloud.messages(url)
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS"
    assert attributes["RULE_ARN"] == RULE_ARN
    assert attributes["TARGET_ARN"] == arn
    assert "events.amazonaws.com" in attributes["ERROR_MESSAGE"]

    allow_service(cloud)
    put_event(events)
    cloud.runtime.wait_idle(10)

    assert len(sink.calls(FUNCTION)) == 1
    assert cloud.messages(url) == []

    cloud.client("lambda").remove_permission(FunctionName=FUNCTION, StatementId="events")
    put_event(events)
    cloud.runtime.wait_idle(10)

    assert len(sink.calls(FUNCTION)) == 1
    assert len(cloud.messages(url)) == 1


def test_a_permission_for_another_source_does_not_count_and_a_wildcard_source_does(cloud: Cloud) -> None:
    arn = target(cloud)
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", RULE_ARN)
    events = rule_to(cloud, arn, dlq)
    allow_service(cloud, f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/other")

    put_event(events)
    cloud.runtime.wait_idle(10)
    assert sink.calls(FUNCTION) == []
    assert len(cloud.messages(url)) == 1

    cloud.client("lambda").remove_permission(FunctionName=FUNCTION, StatementId="events")
    allow_service(cloud, f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/*")
    put_event(events)
    cloud.runtime.wait_idle(10)
    assert len(sink.calls(FUNCTION)) == 1


def test_an_sns_delivery_without_a_lambda_permission_goes_to_the_subscriptions_dead_letter_queue(cloud: Cloud) -> None:
    arn = target(cloud)
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="bus")["TopicArn"]
    url, dlq = cloud.dead_letter_queue("subscription-dlq", "sns", topic)
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=arn,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})},
    )

    sns.publish(TopicArn=topic, Message="refused")
    cloud.runtime.wait_idle(10)
    assert sink.calls(FUNCTION) == []
    (message,) = cloud.messages(url)
    assert json.loads(message["Body"])["Message"] == "refused"

    allow_service(cloud, topic, service="sns")
    sns.publish(TopicArn=topic, Message="delivered")
    cloud.runtime.wait_idle(10)
    assert [call["Records"][0]["Sns"]["Message"] for call in sink.calls(FUNCTION)] == ["delivered"]


def test_a_stream_mapping_reads_only_with_the_functions_role(cloud: Cloud) -> None:
    stream = create_table(cloud)
    reads = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                "Resource": stream,
            },
            {"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"},
        ],
    }
    arn = target(cloud)
    stream_mapping(cloud, stream, arn, uuid="m", batch_size=10, max_retries=0)
    dynamodb = cloud.client("dynamodb")
    dynamodb.put_item(TableName="trades", Item={"PK": {"S": "a"}, "SK": {"S": "1"}})
    time.sleep(0.5)
    cloud.runtime.wait_idle(10)
    assert sink.calls(FUNCTION) == []
    assert cloud.delivery.mappings["m"].refused is not None
    assert "dynamodb:DescribeStream" in cloud.delivery.mappings["m"].refused

    cloud.client("iam").put_role_policy(RoleName="target-role", PolicyName="reads", PolicyDocument=json.dumps(reads))
    deadline = time.monotonic() + 10
    while not sink.calls(FUNCTION) and time.monotonic() < deadline:
        time.sleep(0.1)

    (batch,) = sink.calls(FUNCTION)
    assert batch["Records"][0]["dynamodb"]["Keys"] == {"PK": {"S": "a"}, "SK": {"S": "1"}}


def test_each_distinct_stream_refusal_is_logged_once(cloud: Cloud, caplog: pytest.LogCaptureFixture) -> None:
    stream = create_table(cloud)

    def reads(*actions: str) -> str:
        statement = {"Effect": "Allow", "Action": [f"dynamodb:{action}" for action in actions], "Resource": stream}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    arn = target(cloud, json.loads(reads("DescribeStream")))
    with caplog.at_level(logging.WARNING, logger="localcloud.iam"):
        stream_mapping(cloud, stream, arn, uuid="m", batch_size=10, max_retries=0)
        time.sleep(0.7)  # several polls (every 0.2 s), one refusal
        iam = cloud.client("iam")
        iam.put_role_policy(
            RoleName="target-role", PolicyName="grants", PolicyDocument=reads("DescribeStream", "GetShardIterator")
        )
        time.sleep(0.7)  # another action refused now

    refusals = [r.getMessage() for r in caplog.records if r.name == "localcloud.iam" and "the stream" in r.getMessage()]
    assert len(refusals) == 2, refusals
    assert "perform: dynamodb:GetShardIterator" in refusals[0] and "perform: dynamodb:GetRecords" in refusals[1]


def test_an_on_failure_destination_receives_the_record_only_if_the_role_may_send_to_it(cloud: Cloud) -> None:
    url, queue = cloud.queue("on-failure")
    arn = target(cloud)
    cloud.runtime.configure_async(FUNCTION, max_retries=0, on_failure_arn=queue)

    def fail(event: Any, context: Any) -> Any:
        raise RuntimeError("boom")

    sink.RESPONDERS[FUNCTION] = fail
    cloud.runtime.invoke_async(arn, {"n": 1})
    cloud.runtime.wait_idle(10)
    assert len(sink.calls(FUNCTION)) == 1
    assert cloud.messages(url) == []  # the role may not send: the record is lost

    send = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue}]}
    cloud.client("iam").put_role_policy(RoleName="target-role", PolicyName="send", PolicyDocument=json.dumps(send))
    cloud.runtime.invoke_async(arn, {"n": 2})
    cloud.runtime.wait_idle(10)

    (message,) = cloud.messages(url)
    assert json.loads(message["Body"])["requestPayload"] == {"n": 2}
