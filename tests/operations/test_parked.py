"""Each kind of parked message is read from its recorded shape (tests/operations/recorded.py)."""

from __future__ import annotations

import json

import pytest

from operations.redrive.discovery import DeadLetterQueue, Subscription
from operations.redrive.parked import AsyncFailure, RuleEvent, SnsMessage, StreamBatch, Unreadable, parse
from operations.redrive.replay import read
from tests.operations import recorded


def test_an_eventbridge_dead_letter_is_the_rule_s_event_with_its_failure() -> None:
    parked = parse(recorded.RULE_DEAD_LETTER)

    assert isinstance(parked, RuleEvent)
    assert (parked.rule_arn, parked.target_arn) == (recorded.RULE_ARN, recorded.FUNDS_RAISER)
    assert parked.error == "NO_PERMISSIONS: Function does not have permissions to be invoked by this rule"
    assert parked.event == recorded.RULE_EVENT
    assert parked.describe().startswith(
        "Orders event 72b97e6e-06b8-4f07-9ab3-7c87c1659a39 of rule trading-system-dev-CreditCheckOrders "
        "for trading-system-dev-funds-raiser (NO_PERMISSIONS: "
    )


@pytest.mark.parametrize("message", [recorded.SNS_DEAD_LETTER, recorded.LOCAL_SNS_DEAD_LETTER], ids=["aws", "local"])
def test_an_sns_dead_letter_is_the_message_of_its_envelope(message: dict[str, object]) -> None:
    parked = parse(message)

    assert isinstance(parked, SnsMessage)
    assert parked.message_id == "178035ab-1afd-4c21-9932-6c9288750f3f"
    assert parked.topic_arn == recorded.TOPIC
    assert json.loads(parked.message) == recorded.DETAIL
    assert parked.attributes["invalidOrders"] == {"Type": "String", "Value": "CreditCheck"}
    assert parked.timestamp == "2026-12-03T08:38:13.304Z"
    assert "Message" not in parked.envelope and "Signature" in parked.envelope


def test_an_on_failure_record_is_the_invocation_s_payload_and_error() -> None:
    parked = parse(recorded.ASYNC_DEAD_LETTER)

    assert isinstance(parked, AsyncFailure)
    assert parked.function_arn == f"{recorded.FUNDS_RAISER}:$LATEST"
    assert parked.payload == recorded.DETAIL
    assert parked.condition == "RetriesExhausted"
    assert parked.error.startswith("ClientError: An error occurred (AccessDeniedException)")
    assert "of trading-system-dev-funds-raiser (RetriesExhausted: ClientError" in parked.describe()


def test_a_stream_failure_record_is_where_the_batch_is() -> None:
    parked = parse(recorded.STREAM_DEAD_LETTER)

    assert parked == StreamBatch(
        function_arn=recorded.STREAM_RECORD["requestContext"]["functionArn"],  # type: ignore[index]
        stream_arn=recorded.STREAM,
        shard_id="shardId-00000001541626099285-f35f62ef",
        start="1100000000017454423056",
        end="1100000000017454423071",
        batch_size=2,
        condition="RetryAttemptsExhausted",
    )


def test_a_record_without_its_payload_or_a_body_of_no_known_shape_is_unreadable() -> None:
    without_payload = {key: value for key, value in recorded.ASYNC_RECORD.items() if key != "requestPayload"}

    assert isinstance(parse(recorded.sqs_message(without_payload)), Unreadable)
    assert isinstance(parse(recorded.sqs_message({"hello": "world"})), Unreadable)
    assert isinstance(parse(recorded.sqs_message("not json")), Unreadable)
    # The event's attributes make it a rule's event, whatever its body.
    assert isinstance(
        parse(
            {**recorded.sqs_message("not json"), "MessageAttributes": recorded.RULE_DEAD_LETTER["MessageAttributes"]}
        ),
        RuleEvent,
    )


def test_a_raw_subscription_s_message_is_its_body_with_the_sqs_message_s_attributes() -> None:
    queue = DeadLetterQueue(
        name="q",
        url="u",
        arn="a",
        waiting=1,
        in_flight=0,
        sources=(
            Subscription(
                arn=f"{recorded.TOPIC}:1", topic_arn=recorded.TOPIC, protocol="lambda", endpoint="f", raw=True
            ),
        ),
    )
    message = recorded.sqs_message(json.dumps(recorded.DETAIL), recorded.attributes(invalidOrders="CreditCheck"))

    parked = read(message, queue)

    assert isinstance(parked, SnsMessage)
    assert (parked.topic_arn, json.loads(parked.message)) == (recorded.TOPIC, recorded.DETAIL)
    assert parked.attributes == {"invalidOrders": {"Type": "String", "Value": "CreditCheck"}}
    assert isinstance(read(message, DeadLetterQueue(name="q", url="u", arn="a", waiting=1, in_flight=0)), Unreadable)


def test_the_order_book_schedule_s_dead_letter_is_its_scheduled_event() -> None:
    event = {**recorded.RULE_EVENT, "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    rule = "arn:aws:events:us-east-1:123456789012:rule/trading-system-dev-order-book-schedule"
    message = recorded.sqs_message(
        event, recorded.attributes(RULE_ARN=rule, TARGET_ARN="arn:aws:lambda:us-east-1:123456789012:function:ob")
    )

    parked = parse(message)

    assert isinstance(parked, RuleEvent) and parked.event == event
    assert (
        parked.describe() == f"Scheduled Event {event['id']} of rule trading-system-dev-order-book-schedule for ob (?)"
    )
