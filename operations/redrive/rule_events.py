"""A rule's dead-lettered event, replayed to the target that could not take it, as the rule would deliver it:
the target's input (`Input`, or `InputPath` over the event; an `InputTransformer` target is left alone) to a
function (invoked synchronously: `invoke`) or a state machine (StartExecution, named after the event, so a
second replay of one event finds its execution and starts nothing). Never PutEvents on the bus: every rule
matching the event would get it again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from operations.redrive.discovery import RuleTarget
from operations.redrive.invoke import Outcome, function_outcome, invoke, refusal, replayed, still_failing
from operations.redrive.parked import RuleEvent
from operations.redrive.stage import Clients

EXECUTION_PREFIX: Final = "redrive-"
EXECUTION_NAME_LENGTH: Final = 80
_NOT_NAME: Final = re.compile(r"[^A-Za-z0-9_-]")
_PATH: Final = re.compile(r"^\$(\.[A-Za-z0-9_-]+)*$")


class UnsupportedInput(ValueError):
    pass


def target_of(event: RuleEvent, targets: Sequence[RuleTarget]) -> RuleTarget | None:
    for target in targets:
        if target.rule_arn == event.rule_arn and target.target_arn == event.target_arn:
            return target
    return None


def target_input(target: RuleTarget, event: Any) -> Any:
    """What the rule sends the target: its constant `Input`, the `InputPath` of the event, else the event."""
    if target.input_transformer:
        raise UnsupportedInput("the target has an InputTransformer, which the redrive does not apply")
    if target.input is not None:
        return json.loads(target.input)
    if target.input_path:
        return json_path(target.input_path, event)
    return event


def json_path(path: str, document: Any) -> Any:
    """`$` or `$.a.b` (what InputPath holds in practice)."""
    if not _PATH.match(path):
        raise UnsupportedInput(f"InputPath {path} is not $ or $.field.field")
    value = document
    for name in path.split(".")[1:]:
        if not isinstance(value, dict) or name not in value:
            raise UnsupportedInput(f"the event has no {path}")
        value = value[name]
    return value


def execution_name(event: Any) -> str:
    """`redrive-<event id>` (a hash of the event when it has no id), within Step Functions' name rules."""
    event_id = event.get("id") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not event_id:
        event_id = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:40]
    return (EXECUTION_PREFIX + _NOT_NAME.sub("-", event_id))[:EXECUTION_NAME_LENGTH]


def replay(event: RuleEvent, targets: Sequence[RuleTarget], clients: Clients) -> Outcome:
    target = target_of(event, targets)
    if target is None:
        return still_failing("no rule target of this queue matches its RULE_ARN and TARGET_ARN any more")
    try:
        payload = target_input(target, event.event)
    except (UnsupportedInput, ValueError) as error:
        return still_failing(str(error))
    service = target.target_arn.split(":")[2] if target.target_arn.startswith("arn:") else ""
    if service == "lambda":
        return function_outcome(target.target_arn, invoke(clients.lambda_, target.target_arn, payload))
    if service == "states":
        return start_execution(clients.stepfunctions, target.target_arn, execution_name(event.event), payload)
    return still_failing(f"a {service or 'non-ARN'} target is not replayed")


def start_execution(stepfunctions: Any, state_machine: str, name: str, payload: Any) -> Outcome:
    machine = state_machine.rsplit(":", 1)[-1]
    try:
        started = stepfunctions.start_execution(stateMachineArn=state_machine, name=name, input=json.dumps(payload))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            return replayed(f"{machine}: execution {name} was started by an earlier replay")
        return still_failing(f"StartExecution of {machine} refused: {refusal(error)}")
    except BotoCoreError as error:
        return still_failing(f"StartExecution of {machine} refused: {refusal(error)}")
    return replayed(f"{machine}: execution {started['executionArn'].rsplit(':', 1)[-1]} started")
