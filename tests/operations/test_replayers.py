"""Each replayer sends what it parsed where the message came from, in the shape that consumer is delivered, and
says whether it was taken (tests/operations/fakes.py stands in for the clients)."""

from __future__ import annotations

import dataclasses
import json

from operations.redrive import async_failures, rule_events, sns_messages
from operations.redrive.discovery import RuleTarget, Subscription
from operations.redrive.invoke import Invocation, function_outcome
from operations.redrive.parked import AsyncFailure, RuleEvent, SnsMessage, parse
from tests.operations import recorded
from tests.operations.fakes import FakeLambda, FakeStepFunctions, client_error, clients

WORKFLOW = "arn:aws:states:us-east-1:123456789012:stateMachine:trading-system-dev-market-data-parallel-fetch"


def route_target(**overrides: object) -> RuleTarget:
    values: dict[str, object] = {
        "rule_arn": recorded.RULE_ARN,
        "rule_name": "trading-system-dev-CreditCheckOrders",
        "bus_name": "trading-system-dev-bus",
        "target_id": "Target0",
        "target_arn": recorded.FUNDS_RAISER,
        "input_path": "$.detail",
    }
    values.update(overrides)
    return RuleTarget(**values)  # type: ignore[arg-type]


def rule_event() -> RuleEvent:
    parked = parse(recorded.RULE_DEAD_LETTER)
    assert isinstance(parked, RuleEvent)
    return parked


def test_a_rule_event_goes_to_its_function_target_as_the_target_s_input_path_selects_it() -> None:
    fake = FakeLambda(answer={"applied": 1})

    outcome = rule_events.replay(rule_event(), [route_target()], clients(lambda_=fake))

    assert outcome.replayed, outcome
    assert fake.invocations == [(recorded.FUNDS_RAISER, recorded.DETAIL)]


def test_a_rule_event_without_input_path_goes_whole_and_a_constant_input_replaces_it() -> None:
    fake = FakeLambda()
    rule_events.replay(rule_event(), [route_target(input_path=None)], clients(lambda_=fake))
    rule_events.replay(rule_event(), [route_target(input_path=None, input='{"fixed": true}')], clients(lambda_=fake))

    assert [payload for _, payload in fake.invocations] == [recorded.RULE_EVENT, {"fixed": True}]


def test_a_rule_event_is_left_when_its_target_is_not_the_queue_s_or_has_a_transformer() -> None:
    fake = FakeLambda()
    other_rule = route_target(rule_arn=recorded.RULE_ARN.replace("CreditCheck", "LitPool"))

    gone = rule_events.replay(rule_event(), [other_rule], clients(lambda_=fake))
    transformed = rule_events.replay(rule_event(), [route_target(input_transformer=True)], clients(lambda_=fake))

    assert not gone.replayed and "no rule target" in gone.note
    assert not transformed.replayed and "InputTransformer" in transformed.note
    assert fake.invocations == []


def test_a_rule_event_for_a_workflow_starts_one_execution_named_after_the_event() -> None:
    stepfunctions = FakeStepFunctions()
    parked = dataclasses.replace(rule_event(), target_arn=WORKFLOW)
    target = [route_target(target_arn=WORKFLOW)]

    first = rule_events.replay(parked, target, clients(stepfunctions=stepfunctions))
    second = rule_events.replay(parked, target, clients(stepfunctions=stepfunctions))

    assert first.replayed and second.replayed, (first, second)
    assert stepfunctions.executions == {"redrive-72b97e6e-06b8-4f07-9ab3-7c87c1659a39": json.dumps(recorded.DETAIL)}
    assert "earlier replay" in second.note


def test_an_sns_message_goes_to_the_subscribed_function_in_sns_s_lambda_record() -> None:
    fake = FakeLambda()
    parked = parse(recorded.SNS_DEAD_LETTER)
    assert isinstance(parked, SnsMessage)
    subscription = Subscription(
        arn=f"{recorded.TOPIC}:8dc37713", topic_arn=recorded.TOPIC, protocol="lambda", endpoint=recorded.FUNDS_RAISER
    )

    outcome = sns_messages.replay(parked, [subscription], clients(lambda_=fake))

    assert outcome.replayed, outcome
    ((function, event),) = fake.invocations
    (record,) = event["Records"]
    assert function == recorded.FUNDS_RAISER
    assert (record["EventSource"], record["EventSubscriptionArn"]) == ("aws:sns", subscription.arn)
    sns = record["Sns"]
    assert json.loads(sns["Message"]) == recorded.DETAIL
    assert sns["MessageAttributes"]["invalidOrders"] == {"Type": "String", "Value": "CreditCheck"}
    assert (sns["Type"], sns["TopicArn"], sns["MessageId"]) == ("Notification", recorded.TOPIC, parked.message_id)
    assert sns["SigningCertUrl"].endswith(".pem") and "SigningCertURL" not in sns  # Lambda's spelling


def test_an_sns_message_is_left_when_the_queue_serves_several_subscriptions_of_its_topic() -> None:
    fake = FakeLambda()
    parked = parse(recorded.SNS_DEAD_LETTER)
    assert isinstance(parked, SnsMessage)
    both = [
        Subscription(arn=f"{recorded.TOPIC}:{n}", topic_arn=recorded.TOPIC, protocol="lambda", endpoint=f"fn-{n}")
        for n in (1, 2)
    ]

    outcome = sns_messages.replay(parked, both, clients(lambda_=fake))

    assert not outcome.replayed and "several subscriptions" in outcome.note
    assert fake.invocations == []


def test_an_on_failure_record_invokes_its_function_with_the_request_payload() -> None:
    fake = FakeLambda(answer={"applied": 1})
    parked = parse(recorded.ASYNC_DEAD_LETTER)
    assert isinstance(parked, AsyncFailure)

    outcome = async_failures.replay(parked, clients(lambda_=fake))

    assert outcome.replayed, outcome
    assert fake.invocations == [(recorded.FUNDS_RAISER, recorded.DETAIL)]


def test_a_function_error_a_refused_invoke_and_reported_item_failures_still_fail() -> None:
    parked = parse(recorded.ASYNC_DEAD_LETTER)
    assert isinstance(parked, AsyncFailure)
    errored = FakeLambda(answer={"errorType": "ValueError", "errorMessage": "bad"}, errored=True)
    refused = FakeLambda(refused=client_error("ResourceNotFoundException", "Function not found"))

    failed = async_failures.replay(parked, clients(lambda_=errored))
    gone = async_failures.replay(parked, clients(lambda_=refused))
    partial = function_outcome("fn", Invocation(False, {"batchItemFailures": [{"itemIdentifier": "7"}]}), batch=True)

    assert (failed.replayed, failed.note) == (False, "trading-system-dev-funds-raiser failed: ValueError: bad")
    assert not gone.replayed and "ResourceNotFoundException: Function not found" in gone.note
    assert (partial.replayed, partial.note) == (False, "fn reported 1 failed record(s): 7")
    assert function_outcome("fn", Invocation(False, {"batchItemFailures": []}), batch=True).replayed
