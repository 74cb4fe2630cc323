"""A dead-letter queue takes what EventBridge or SNS sends it only if its policy lets that service send to it for
that source, as on AWS: else the message is lost and one line says why."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.iam import enforcement, queue_policies
from localcloud.records import DeployError
from tests.localcloud.fixtures import sink
from tests.localcloud.support import (
    ACCOUNT,
    REGION,
    Cloud,
    dead_letter_policy,
    enforced_local_cloud,
    function_with_role,
    local_cloud,
)

FUNCTION = "target"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/orders"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:bus"
NOT_SENT = "not sent to its dead-letter queue"


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with enforced_local_cloud() as cloud:
        yield cloud


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "localcloud.iam" and record.levelno == logging.WARNING and NOT_SENT in record.getMessage()
    ]


def failing_rule(cloud: Cloud, dlq: str) -> Any:
    """A rule whose target cannot be invoked (no Lambda permission for the rule): each event goes to `dlq`."""
    arn = function_with_role(cloud, FUNCTION, "target-role", None)
    events = cloud.client("events")
    events.create_event_bus(Name="bus")
    events.put_rule(Name="orders", EventBusName="bus", EventPattern=json.dumps({"source": ["router"]}))
    events.put_targets(
        Rule="orders", EventBusName="bus", Targets=[{"Id": "1", "Arn": arn, "DeadLetterConfig": {"Arn": dlq}}]
    )
    return events


def put_event(cloud: Cloud, events: Any) -> None:
    entry = {"Source": "router", "DetailType": "Order", "Detail": json.dumps({"n": 1}), "EventBusName": "bus"}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    cloud.runtime.wait_idle(10)


def failing_subscription(cloud: Cloud, dlq: str) -> Any:
    """A Lambda subscription whose function SNS may not invoke: each message goes to `dlq`."""
    arn = function_with_role(cloud, FUNCTION, "target-role", None)
    sns = cloud.client("sns")
    assert sns.create_topic(Name="bus")["TopicArn"] == TOPIC_ARN
    sns.subscribe(
        TopicArn=TOPIC_ARN,
        Protocol="lambda",
        Endpoint=arn,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq})},
    )
    return sns


def publish(cloud: Cloud, sns: Any, message: str) -> None:
    sns.publish(TopicArn=TOPIC_ARN, Message=message)
    cloud.runtime.wait_idle(10)


def set_policy(cloud: Cloud, url: str, document: dict[str, Any]) -> None:
    cloud.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(document)})


# ----------------------------------------------------------------------------- EventBridge


def test_eventbridge_sends_to_a_dead_letter_queue_whose_policy_allows_the_rule(
    cloud: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", RULE_ARN)
    events = failing_rule(cloud, dlq)

    put_event(cloud, events)

    (message,) = cloud.messages(url)
    assert json.loads(message["Body"])["detail"] == {"n": 1}
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
    assert refusals(caplog) == []
    assert sink.calls(FUNCTION) == []


def test_eventbridge_loses_the_event_when_the_queue_has_no_policy(
    cloud: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    url, dlq = cloud.queue("rule-dlq")
    events = failing_rule(cloud, dlq)

    put_event(cloud, events)

    assert cloud.messages(url) == []
    assert refusals(caplog) == [
        f"localcloud IAM: {NOT_SENT}: EventBridge rule {RULE_ARN} → {dlq}: "
        "the queue has no policy: nothing allows events.amazonaws.com sqs:SendMessage"
    ]


def test_eventbridge_loses_the_event_when_the_policy_is_for_another_rule(
    cloud: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    other_rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/other"
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", other_rule)
    events = failing_rule(cloud, dlq)

    put_event(cloud, events)
    put_event(cloud, events)

    assert cloud.messages(url) == []
    line = (
        f"localcloud IAM: {NOT_SENT}: EventBridge rule {RULE_ARN} → {dlq}: "
        f"the queue policy does not allow events.amazonaws.com sqs:SendMessage for source {RULE_ARN}"
    )
    assert refusals(caplog) == [line, line]  # one line per lost event

    # the policy as it is now: a wildcard source covering the rule lets the next event through
    set_policy(cloud, url, dead_letter_policy(dlq, "events", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/*"))
    put_event(cloud, events)
    assert len(cloud.messages(url)) == 1


def test_a_policy_for_sns_does_not_let_eventbridge_send(cloud: Cloud, caplog: pytest.LogCaptureFixture) -> None:
    url, dlq = cloud.dead_letter_queue("rule-dlq", "sns", RULE_ARN)
    events = failing_rule(cloud, dlq)

    put_event(cloud, events)

    assert cloud.messages(url) == []
    assert len(refusals(caplog)) == 1


def test_an_explicit_deny_in_the_queue_policy_wins(cloud: Cloud, caplog: pytest.LogCaptureFixture) -> None:
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", RULE_ARN)
    document = dead_letter_policy(dlq, "events", RULE_ARN)
    document["Statement"].append(
        {"Effect": "Deny", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:*", "Resource": dlq}
    )
    set_policy(cloud, url, document)
    events = failing_rule(cloud, dlq)

    put_event(cloud, events)

    assert cloud.messages(url) == []
    assert refusals(caplog) == [
        f"localcloud IAM: {NOT_SENT}: EventBridge rule {RULE_ARN} → {dlq}: "
        f"a statement of the queue policy denies events.amazonaws.com sqs:SendMessage (source {RULE_ARN})"
    ]


def test_everyone_allowed_from_the_rule_lets_eventbridge_send(cloud: Cloud, caplog: pytest.LogCaptureFixture) -> None:
    url, dlq = cloud.queue("rule-dlq")
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "SQS:Send*",
        "Resource": dlq,
        "Condition": {"ArnLike": {"aws:SourceArn": RULE_ARN}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    set_policy(cloud, url, {"Version": "2012-10-17", "Statement": [statement]})
    events = failing_rule(cloud, dlq)

    put_event(cloud, events)

    assert len(cloud.messages(url)) == 1
    assert refusals(caplog) == []


# ----------------------------------------------------------------------------- SNS


def test_sns_redrives_to_a_dead_letter_queue_whose_policy_allows_the_topic(
    cloud: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    url, dlq = cloud.dead_letter_queue("subscription-dlq", "sns", TOPIC_ARN)
    sns = failing_subscription(cloud, dlq)

    publish(cloud, sns, "redriven")

    (message,) = cloud.messages(url)
    assert json.loads(message["Body"])["Message"] == "redriven"
    assert refusals(caplog) == []


def test_sns_loses_the_message_when_the_queue_policy_does_not_allow_the_topic(
    cloud: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    url, dlq = cloud.dead_letter_queue("subscription-dlq", "sns", f"arn:aws:sns:{REGION}:{ACCOUNT}:other")
    sns = failing_subscription(cloud, dlq)

    publish(cloud, sns, "lost")

    assert cloud.messages(url) == []
    assert refusals(caplog) == [
        f"localcloud IAM: {NOT_SENT}: SNS topic {TOPIC_ARN} → {dlq}: "
        f"the queue policy does not allow sns.amazonaws.com sqs:SendMessage for source {TOPIC_ARN}"
    ]


def test_sns_loses_the_message_when_the_queue_has_no_policy(cloud: Cloud, caplog: pytest.LogCaptureFixture) -> None:
    url, dlq = cloud.queue("subscription-dlq")
    sns = failing_subscription(cloud, dlq)

    publish(cloud, sns, "lost")

    assert cloud.messages(url) == []
    assert refusals(caplog) == [
        f"localcloud IAM: {NOT_SENT}: SNS topic {TOPIC_ARN} → {dlq}: "
        "the queue has no policy: nothing allows sns.amazonaws.com sqs:SendMessage"
    ]


# ----------------------------------------------------------------------------- without enforcement, at the start


def test_without_enforcement_a_queue_without_policy_receives_dead_letters(caplog: pytest.LogCaptureFixture) -> None:
    with local_cloud() as cloud:
        url, dlq = cloud.queue("rule-dlq")
        events = failing_rule(cloud, dlq)
        events.put_targets(  # a function that does not exist: the delivery fails without IAM
            Rule="orders",
            EventBusName="bus",
            Targets=[
                {
                    "Id": "1",
                    "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:missing",
                    "DeadLetterConfig": {"Arn": dlq},
                }
            ],
        )
        assert queue_policies.queue_refusal(dlq, "events.amazonaws.com", RULE_ARN, ACCOUNT) is None

        put_event(cloud, events)

        assert len(cloud.messages(url)) == 1
    assert refusals(caplog) == []


def test_the_announcement_counts_queue_policy_statements_and_refuses_one_it_cannot_evaluate(cloud: Cloud) -> None:
    from localcloud.iam import hook

    enforcer = hook.active()
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", RULE_ARN)
    assert enforcement.announcement(enforcer, ACCOUNT, []).endswith(
        ", 2 queue-policy statements (--no-iam turns it off)"
    )

    document = dead_letter_policy(dlq, "events", RULE_ARN)
    document["Statement"][1]["Condition"] = {"ArnNotEquals": {"aws:SourceArn": RULE_ARN}}
    set_policy(cloud, url, document)
    with pytest.raises(DeployError, match=rf"IAM: the policy of queue {dlq}: condition operator ArnNotEquals"):
        enforcement.announcement(enforcer, ACCOUNT, [])
    # judged at a send all the same: the event is lost, with the reason
    reason = queue_policies.queue_refusal(dlq, "events.amazonaws.com", RULE_ARN, ACCOUNT)
    assert reason is not None and reason.startswith("the queue policy cannot be evaluated: condition operator")
