"""Patch 3: EventBridge rules deliver to their targets as EventBridge does.

`events.models.Rule.send_to_targets(self, original_event, transform_input=True)`: a rule that is not
ENABLED delivers nothing (moto delivers anyway); each target gets its input (`Input`, `InputPath` JSONPath,
`InputTransformer`, else the event with an ISO `time` and without moto's `ingestion-time`). Lambda targets
go through `invoke_async` (EventBridge invokes asynchronously; the function's own retries and on-failure
destination then apply), Step Functions targets start an execution, SNS targets publish, SQS targets with an
input receive it; other targets (SQS without input, logs, archives, buses) are moto's. Pattern matching is
moto's. A rule with a `ScheduleExpression` and no pattern receives only its schedule's events
(`deliver_scheduled`, from `localcloud.delivery.schedules`), never what is put on its bus (moto's empty
pattern would match every event). A delivery that fails (function, state machine or queue missing) goes
at once to the target's
`DeadLetterConfig` queue with EventBridge's message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE,
ERROR_MESSAGE): locally such failures are not transient, so the target's RetryPolicy could not change the
outcome. A transient failure is a fault only (`localcloud.faults.event_targets`, `events-target`): retried as
the RetryPolicy says, then dead-lettered. While IAM is enforced, the queue's policy must let
`events.amazonaws.com` send to it for the rule (`localcloud.iam.queue_policies`); else the event is lost, as on
AWS, and one line is logged.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import logging
import uuid
from typing import Any, Final

from localcloud import faults
from localcloud.aws_formats import parse_arn
from localcloud.destinations import send_to_sqs
from localcloud.faults import event_targets as event_target_faults
from localcloud.iam.queue_policies import dead_letter_allowed
from localcloud.iam.sources import rule_source
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.moto_patches.patching import active_runtime, original, replace

logger = logging.getLogger("localcloud.moto_patches")

ENABLED_STATES: Final = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
_MISSING: Final = object()


def install() -> None:
    from moto.events.models import Rule

    replace(Rule, "send_to_targets", send_to_targets)


def aws_event(original_event: dict[str, Any]) -> dict[str, Any]:
    """moto's event message as EventBridge delivers it (ISO `time`, no `ingestion-time`)."""
    event = {key: value for key, value in original_event.items() if key != "ingestion-time"}
    when = event.get("time")
    if isinstance(when, int | float):
        event["time"] = dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif isinstance(when, dt.datetime):
        event["time"] = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


@functools.lru_cache(maxsize=256)
def _compiled_path(path: str) -> Any:
    from jsonpath_ng.ext import parse

    return parse(path)


def _json_path(path: str, document: Any) -> Any:
    matches = _compiled_path(path).find(document)
    return matches[0].value if matches else _MISSING


def target_input(target: dict[str, Any], event: dict[str, Any], rule: Any) -> Any:
    """What EventBridge sends to a target: `Input`, `InputPath`, `InputTransformer` or the event."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        value = _json_path(target["InputPath"], event)
        return None if value is _MISSING else value
    transformer = target.get("InputTransformer")
    if transformer:
        return transform_input(transformer, event, rule)
    return event


def transform_input(transformer: dict[str, Any], event: dict[str, Any], rule: Any) -> Any:
    """InputTransformer: `<name>` in InputTemplate becomes the InputPathsMap value (JSON outside quotes,
    the raw text inside quotes); a template that is not JSON after substitution is delivered as text."""
    values: dict[str, Any] = {
        "aws.events.rule-arn": rule.arn,
        "aws.events.rule-name": rule.name,
        "aws.events.event": event,
        "aws.events.event.json": event,
        "aws.events.event.ingestion-time": event.get("time"),
    }
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        values[name] = _json_path(path, event)
    template = transformer.get("InputTemplate", "")
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(template):
        char = template[index]
        if char == '"' and (index == 0 or template[index - 1] != "\\"):
            in_string = not in_string
        elif char == "<":
            end = template.find(">", index)
            name = template[index + 1 : end] if end != -1 else None
            if name in values:
                value = values[name]
                if in_string:
                    out.append("" if value is _MISSING else value if isinstance(value, str) else json.dumps(value))
                else:
                    out.append("null" if value is _MISSING else json.dumps(value))
                index = end + 1
                continue
        out.append(char)
        index += 1
    text = "".join(out)
    try:
        return json.loads(text)
    except ValueError:
        return text


def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
    from moto.events.models import Rule

    runtime = active_runtime()
    if runtime is None:
        return original(Rule, "send_to_targets")(self, original_event, transform_input)
    if self.state not in ENABLED_STATES:
        return None
    if is_schedule_only(self) or not self.event_pattern.matches_event(original_event):
        return None
    _deliver(self, runtime, original_event, transform_input)
    return None


def is_schedule_only(rule: Any) -> bool:
    """A scheduled rule without an event pattern: EventBridge sends it its schedule's events only."""
    return bool(rule.scheduled_expression) and not rule.event_pattern.get_pattern()


def deliver_scheduled(rule: Any, event: dict[str, Any]) -> None:
    """A Scheduled Event to an ENABLED rule's targets, as `send_to_targets` delivers (no pattern check)."""
    runtime = active_runtime()
    if runtime is None or rule.state not in ENABLED_STATES:
        return
    _deliver(rule, runtime, event, True)


def _deliver(rule: Any, runtime: LambdaRuntime, original_event: Any, transform_input: bool) -> None:
    from moto.events.models import Rule

    event = aws_event(original_event)
    for target in rule.targets:
        service = parse_arn(target["Arn"])[0]
        has_input = any(target.get(key) for key in ("Input", "InputPath", "InputTransformer"))
        if service in ("lambda", "states", "sns") or (service == "sqs" and has_input):
            _deliver_to_target(rule, runtime, target, event)
        else:
            single = copy.copy(rule)
            single.targets = [target]
            original(Rule, "send_to_targets")(single, original_event, transform_input)


def _deliver_to_target(rule: Any, runtime: LambdaRuntime, target: dict[str, Any], event: dict[str, Any]) -> None:
    if faults.active() is None:
        _attempt(rule, runtime, target, event)
        return
    event_target_faults.deliver(
        rule,
        target,
        runtime,
        lambda: _attempt(rule, runtime, target, event),
        lambda code, message, attributes: _dead_letter_event(rule, target, event, code, message, attributes),
    )


def _attempt(rule: Any, runtime: LambdaRuntime, target: dict[str, Any], event: dict[str, Any]) -> None:
    arn = target["Arn"]
    service, region, account, resource = parse_arn(arn)
    try:
        payload = target_input(target, event, rule)
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if service == "lambda":
            runtime.invoke_async(arn, payload)
        elif service == "states":
            from moto.stepfunctions.responses import get_backend

            # An unnamed execution, as EventBridge starts them: a uuid name.
            get_backend(account, region).start_execution(arn, str(uuid.uuid4()), text)
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(text, arn=arn)
        else:  # sqs, with an input
            from moto.sqs.models import sqs_backends

            group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
            sqs_backends[account][region].send_message(queue_name=resource, message_body=text, group_id=group_id)
    except Exception as error:
        code = getattr(error, "error_type", None) or type(error).__name__
        _dead_letter_event(rule, target, event, code, str(error))


def _dead_letter_event(
    rule: Any,
    target: dict[str, Any],
    event: dict[str, Any],
    code: str,
    message: str,
    attributes: dict[str, str] | None = None,
) -> None:
    queue = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue:
        logger.warning(
            "EventBridge rule %s: delivery to %s failed (%s: %s), dropped", rule.name, target["Arn"], code, message
        )
        return
    if not dead_letter_allowed(queue, rule_source(rule)):  # the queue policy must let EventBridge send to it
        return
    send_to_sqs(
        queue,
        json.dumps(event),
        {
            "RULE_ARN": rule.arn,
            "TARGET_ARN": target["Arn"],
            "ERROR_CODE": code,
            "ERROR_MESSAGE": message[:256],
            **(attributes or {}),
        },
    )
