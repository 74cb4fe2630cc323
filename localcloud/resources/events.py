"""EventBridge: event buses and rules with their targets (moto delivers the events)."""

from collections.abc import Mapping
from typing import Any, Required, TypedDict

from localcloud.delivery.schedules import UnsupportedSchedule, period_seconds
from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, json_text, present, tags


class EventBusProperties(TypedDict, total=False):
    Name: Required[str]
    EventSourceName: str
    Description: str
    KmsKeyIdentifier: str
    DeadLetterConfig: dict[str, Any]
    Tags: Tags
    Policy: dict[str, Any]  # resource policy: not enforced locally
    LogConfig: dict[str, Any]  # no local equivalent


class EventBus(ResourceProvider[EventBusProperties]):
    TYPE = "AWS::Events::EventBus"
    SUMMARY = "CreateEventBus"

    def create(self, request: ResourceRequest[EventBusProperties]) -> DeployedResource:
        props = request.properties
        name = props["Name"]
        call: dict[str, Any] = {
            "Name": name,
            **present(props, "EventSourceName", "Description", "KmsKeyIdentifier", "DeadLetterConfig"),
        }
        if props.get("Tags"):
            call["Tags"] = tags(props.get("Tags"))
        arn = request.client("events").create_event_bus(**call)["EventBusArn"]
        return request.resource(name, {"Arn": arn, "Name": name})


class RuleProperties(TypedDict, total=False):
    Name: str
    EventBusName: str
    State: str
    EventPattern: dict[str, Any] | str
    ScheduleExpression: str
    Description: str
    RoleArn: str
    Tags: Tags
    Targets: list[dict[str, Any]]


class Rule(ResourceProvider[RuleProperties]):
    TYPE = "AWS::Events::Rule"
    SUMMARY = (
        "PutRule + PutTargets (Input, InputPath, InputTransformer, retry policy, dead-letter queue); "
        "ScheduleExpression rate(...) fires on a timer (cron refused)"
    )

    def create(self, request: ResourceRequest[RuleProperties]) -> DeployedResource:
        props = request.properties
        events = request.client("events")
        name = props.get("Name") or request.physical_name()
        bus = props.get("EventBusName") or "default"
        call: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
        pattern = props.get("EventPattern")
        if pattern is not None:
            call["EventPattern"] = json_text(pattern)
        schedule = props.get("ScheduleExpression")
        if schedule is not None:
            try:
                period = period_seconds(schedule)
            except UnsupportedSchedule as error:
                raise DeployError(f"rule {name}: {error}") from None
            call["ScheduleExpression"] = schedule
        call.update(present(props, "Description", "RoleArn"))
        if props.get("Tags"):
            call["Tags"] = tags(props.get("Tags"))
        arn = events.put_rule(**call)["RuleArn"]
        targets = [_rule_target(target) for target in props.get("Targets") or []]
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
        if schedule is not None:
            account = arn.split(":")[4]
            request.deployment.scheduler.add(name=name, account=account, region=request.region, expression=schedule)
            request.deployment.note(f"{name}: {schedule} fires locally every {period:g} s (first after one period)")
        physical_id = name if bus == "default" else f"{bus.rsplit('/', 1)[-1]}|{name}"
        return request.resource(physical_id, {"Arn": arn})


def _rule_target(target: Mapping[str, Any]) -> dict[str, Any]:
    """An `AWS::Events::Rule` target for PutTargets (the shapes match; dicts become JSON where needed)."""
    converted = {key: value for key, value in target.items()}
    transformer = converted.get("InputTransformer")
    if transformer and isinstance(transformer.get("InputPathsMap"), dict):
        converted["InputTransformer"] = dict(transformer)
    return converted


PROVIDERS = (EventBus, Rule)
