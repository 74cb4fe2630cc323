"""A state machine's tasks call their services as its role: a Lambda task needs lambda:InvokeFunction."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from localcloud.iam import enforcement
from tests.localcloud.fixtures import sink
from tests.localcloud.support import ACCOUNT, REGION, Cloud, local_cloud

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud(step_functions=True) as cloud:
        enforcement.start()
        try:
            yield cloud
        finally:
            enforcement.stop()


def finished(cloud: Cloud, execution: str) -> dict[str, object]:
    sfn = cloud.client("stepfunctions")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.05)
    raise AssertionError(f"{execution} still running")


def test_a_lambda_task_runs_only_if_the_state_machines_role_may_invoke_the_function(cloud: Cloud) -> None:
    function = cloud.function("task", in_moto=True)
    iam = cloud.client("iam")
    role = iam.create_role(RoleName="machine", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": "$"},
                "End": True,
            }
        },
    }
    sfn = cloud.client("stepfunctions")
    machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=role)["stateMachineArn"]

    refused = finished(cloud, sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"])

    assert refused["status"] == "FAILED"
    assert refused["error"] == "Lambda.AccessDeniedException"
    assert f"User: arn:aws:sts::{ACCOUNT}:assumed-role/machine/" in str(
        refused["cause"]
    ) and f"is not authorized to perform: lambda:InvokeFunction on resource: {function}" in str(refused["cause"])
    assert sink.calls("task") == []

    grant = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [function, f"{function}:*"]}],
    }
    iam.put_role_policy(RoleName="machine", PolicyName="invoke", PolicyDocument=json.dumps(grant))
    done = finished(cloud, sfn.start_execution(stateMachineArn=machine, input='{"n": 1}')["executionArn"])

    assert done["status"] == "SUCCEEDED", done
    assert sink.calls("task") == [{"n": 1}]


def test_a_rule_starts_a_state_machine_only_as_a_target_role_that_may(cloud: Cloud) -> None:
    iam = cloud.client("iam")
    machine_role = iam.create_role(RoleName="machine", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    events_trust = TRUST.replace("states.amazonaws.com", "events.amazonaws.com")
    target_role = iam.create_role(RoleName="events-target", AssumeRolePolicyDocument=events_trust)["Role"]["Arn"]
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    sfn = cloud.client("stepfunctions")
    machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=machine_role)
    machine_arn = machine["stateMachineArn"]
    url, dlq = cloud.dead_letter_queue("rule-dlq", "events", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/start")
    events = cloud.client("events")
    events.put_rule(Name="start", EventPattern=json.dumps({"source": ["tests"]}))
    events.put_targets(
        Rule="start",
        Targets=[{"Id": "1", "Arn": machine_arn, "RoleArn": target_role, "DeadLetterConfig": {"Arn": dlq}}],
    )

    def put() -> None:
        events.put_events(Entries=[{"Source": "tests", "DetailType": "t", "Detail": "{}"}])
        cloud.runtime.wait_idle(10)

    put()
    assert sfn.list_executions(stateMachineArn=machine_arn)["executions"] == []
    (message,) = cloud.messages(url)
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS"
    assert attributes["TARGET_ARN"] == machine_arn
    assert "assumed-role/events-target/" in attributes["ERROR_MESSAGE"]
    assert "states:StartExecution" in attributes["ERROR_MESSAGE"]

    grant = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": machine_arn}],
    }
    iam.put_role_policy(RoleName="events-target", PolicyName="start", PolicyDocument=json.dumps(grant))
    put()

    assert len(sfn.list_executions(stateMachineArn=machine_arn)["executions"]) == 1
    assert cloud.messages(url) == []
