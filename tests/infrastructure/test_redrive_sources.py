"""What `make redrive` relies on in the stacks: every queue is named with the stage's prefix (so it is found) and
is the dead-letter or on-failure destination of something the redrive knows how to replay to (a rule's Lambda
or Step Functions target without an InputTransformer, a Lambda subscription, a function's asynchronous
invocations, the stream mapping, whose filter the redrive applies); the stage and stack names it reads from an
outputs file are the ones the app builds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_lib.stage_config import SYSTEM_NAME
from operations.redrive.rule_events import json_path
from operations.redrive.stage import STACK_NAME, resource_prefix
from operations.redrive.stream_filters import passes
from stacks.app_builder import stack_names
from tests.infrastructure.conftest import Synthesized, props, resources
from tests.operations.test_stream_batches import TRADES_FILTER


def queue_id(value: Any) -> str | None:
    """The logical id of a queue referenced as `{"Fn::GetAtt": [id, "Arn"]}`."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def destinations(template: dict[str, Any]) -> dict[str, list[str]]:
    """Queue logical id → what sends to it, as the redrive's discovery reads it from the services."""
    found: dict[str, list[str]] = {}
    for rule_id, rule in resources(template, "AWS::Events::Rule").items():
        for target in props(rule).get("Targets", []):
            queue = queue_id((target.get("DeadLetterConfig") or {}).get("Arn"))
            if queue:
                found.setdefault(queue, []).append(f"rule {rule_id}")
    for sub_id, subscription in resources(template, "AWS::SNS::Subscription").items():
        queue = queue_id((props(subscription).get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
        if queue:
            found.setdefault(queue, []).append(f"subscription {sub_id}")
    for kind in ("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
        for resource_id, resource in resources(template, kind).items():
            on_failure = ((props(resource).get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            queue = queue_id(on_failure)
            if queue:
                found.setdefault(queue, []).append(f"{kind} {resource_id}")
    return found


@pytest.mark.parametrize("which", ["dev", "prod"])
def test_every_queue_is_found_by_its_prefix_and_something_the_redrive_replays_to_sends_to_it(
    which: str, request: pytest.FixtureRequest
) -> None:
    synthesized: Synthesized = request.getfixturevalue(which)
    for template in synthesized.templates.values():
        queues = resources(template, "AWS::SQS::Queue")
        sources = destinations(template)
        for queue_id_, queue in queues.items():
            assert props(queue)["QueueName"].startswith(resource_prefix(synthesized.stage)), queue_id_
            assert sources.get(queue_id_), f"{queue_id_}: nothing sends to it, so the redrive cannot replay it"
        assert set(sources) <= set(queues)


def test_every_rule_target_with_a_dead_letter_queue_is_one_the_redrive_replays(dev: Synthesized) -> None:
    event = {"detail-type": "Orders", "source": "SmartOrderRouter", "detail": {"orders": []}}
    targets = [
        target
        for rule in resources(dev.service, "AWS::Events::Rule").values()
        for target in props(rule).get("Targets", [])
        if target.get("DeadLetterConfig")
    ]
    assert len(targets) >= 8
    for target in targets:
        assert "InputTransformer" not in target and "Input" not in target, target["Id"]
        if "InputPath" in target:
            json_path(target["InputPath"], event)  # one the redrive reads (raises if not)
        arn = json.dumps(target["Arn"])
        assert "Function" in arn or "StateMachine" in arn or "Workflow" in arn, arn


def test_the_stream_mapping_s_filter_is_the_one_the_redrive_tests_apply(dev: Synthesized) -> None:
    mappings = resources(dev.service, "AWS::Lambda::EventSourceMapping").values()
    assert len(mappings) == 2  # the aggregator's and the trade archiver's
    for mapping in mappings:
        (entry,) = props(mapping)["FilterCriteria"]["Filters"]
        assert json.loads(entry["Pattern"]) == json.loads(TRADES_FILTER)
        trade = {"eventName": "INSERT", "dynamodb": {"Keys": {"SK": {"S": "TRADE#2026-12-03"}}}}
        assert passes([entry["Pattern"]], trade)


@pytest.mark.parametrize("stage", ["dev", "prod", "qa2"])
def test_the_names_the_redrive_reads_are_the_app_s(stage: str) -> None:
    assert resource_prefix(stage) == f"{SYSTEM_NAME}-{stage}-"
    for name in stack_names(stage):
        match = STACK_NAME.match(name)
        assert match is not None and match.group("stage") == stage, name
