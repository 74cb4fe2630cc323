"""Step Functions executions in moto's executor, with Lambda tasks run in-process by the local runtime, and
`wait_idle` covering running executions (an execution parked on a task token counts as idle)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.localcloud.fixtures import sink
from tests.localcloud.support import ACCOUNT, Cloud, function_arn, local_cloud

ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud(step_functions=True) as cloud:
        yield cloud


def machine(cloud: Cloud, name: str, definition: dict[str, Any]) -> str:
    return str(
        cloud.client("stepfunctions").create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def run(cloud: Cloud, machine_arn: str, execution_input: Any) -> dict[str, Any]:
    """Starts an execution, waits until the local cloud is idle, and describes the execution."""
    sfn = cloud.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(execution_input))["executionArn"]
    cloud.runtime.wait_idle(10)
    return dict(sfn.describe_execution(executionArn=arn))


def test_lambda_tasks_run_in_process_with_the_function_arn_and_lambda_invoke_resources(cloud: Cloud) -> None:
    cloud.function("price", in_moto=True)
    cloud.function("enrich", in_moto=True)
    main_thread = threading.current_thread()
    threads: list[threading.Thread] = []

    def price(event: Any, context: Any) -> Any:
        threads.append(threading.current_thread())
        return {"symbol": event["symbol"], "px": 101.5, "by": context.function_name}

    sink.RESPONDERS["price"] = price
    sink.RESPONDERS["enrich"] = lambda event, context: {**event, "enriched": True}
    arn = machine(
        cloud,
        "prices",
        {
            "StartAt": "Price",
            "States": {
                "Price": {"Type": "Task", "Resource": function_arn("price"), "ResultPath": "$.quote", "Next": "Enrich"},
                "Enrich": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": function_arn("enrich"), "Payload.$": "$.quote"},
                    "OutputPath": "$.Payload",
                    "End": True,
                },
            },
        },
    )

    execution = run(cloud, arn, {"symbol": "ACME"})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"symbol": "ACME", "px": 101.5, "by": "price", "enriched": True}
    assert sink.calls("price") == [{"symbol": "ACME"}]
    assert sink.calls("enrich") == [{"symbol": "ACME", "px": 101.5, "by": "price"}]
    assert threads and threads[0] is not main_thread  # moto's executor thread ran the handler in this process


def test_parallel_lambda_tasks_and_a_map_state_succeed(cloud: Cloud) -> None:
    for name in ("left", "right", "double"):
        cloud.function(name, in_moto=True)
    sink.RESPONDERS["left"] = lambda event, context: {"side": "left", "n": len(event["items"])}
    sink.RESPONDERS["right"] = lambda event, context: {"side": "right"}
    sink.RESPONDERS["double"] = lambda event, context: event["value"] * 2
    arn = machine(
        cloud,
        "fan-out",
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "ResultPath": "$.both",
                    "Branches": [
                        {
                            "StartAt": "Left",
                            "States": {"Left": {"Type": "Task", "Resource": function_arn("left"), "End": True}},
                        },
                        {
                            "StartAt": "Right",
                            "States": {
                                "Right": {
                                    "Type": "Task",
                                    "Resource": "arn:aws:states:::lambda:invoke",
                                    "Parameters": {"FunctionName": "right", "Payload.$": "$"},
                                    "ResultSelector": {"side.$": "$.Payload.side"},
                                    "End": True,
                                }
                            },
                        },
                    ],
                    "Next": "Each",
                },
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "MaxConcurrency": 5,
                    "ItemSelector": {"value.$": "$$.Map.Item.Value"},
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Double",
                        "States": {"Double": {"Type": "Task", "Resource": function_arn("double"), "End": True}},
                    },
                    "ResultPath": "$.doubled",
                    "End": True,
                },
            },
        },
    )

    execution = run(cloud, arn, {"items": [1, 2, 3, 4, 5, 6, 7]})

    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert output["both"] == [{"side": "left", "n": 7}, {"side": "right"}]
    assert output["doubled"] == [2, 4, 6, 8, 10, 12, 14]
    assert sorted(event["value"] for event in sink.calls("double")) == [1, 2, 3, 4, 5, 6, 7]


def test_wait_for_task_token_parks_the_execution_until_another_function_sends_success(cloud: Cloud) -> None:
    cloud.function("request", in_moto=True)
    cloud.function("approve", in_moto=True)
    sink.RESPONDERS["request"] = lambda event, context: None

    def approve(event: Any, context: Any) -> Any:
        import boto3

        boto3.client("stepfunctions").send_task_success(
            taskToken=event["token"], output=json.dumps({"approved": event["by"]})
        )
        return {"sent": True}

    sink.RESPONDERS["approve"] = approve
    arn = machine(
        cloud,
        "approval",
        {
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": function_arn("request"),
                        "Payload": {"order.$": "$.order", "token.$": "$$.Task.Token"},
                    },
                    "ResultPath": "$.answer",
                    "End": True,
                }
            },
        },
    )

    parked = run(cloud, arn, {"order": "o-1"})  # wait_idle returns: a parked execution is idle

    assert parked["status"] == "RUNNING"
    # moto registers the token before it invokes the task's Lambda, so idleness can be reported in
    # between (documented in `step_functions_busy`): wait for the invocation itself.
    deadline = time.monotonic() + 10
    while not sink.calls("request") and time.monotonic() < deadline:
        cloud.runtime.wait_idle(10)
        time.sleep(0.01)
    ((request,),) = [sink.calls("request")]
    assert request["order"] == "o-1" and request["token"]
    lambda_client = cloud.client("lambda")
    response = lambda_client.invoke(
        FunctionName="approve", Payload=json.dumps({"token": request["token"], "by": "desk"}).encode()
    )
    assert json.loads(response["Payload"].read()) == {"sent": True}
    cloud.runtime.wait_idle(10)
    execution = cloud.client("stepfunctions").describe_execution(executionArn=parked["executionArn"])
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"order": "o-1", "answer": {"approved": "desk"}}


def test_a_failing_lambda_task_is_retried_then_the_execution_fails(cloud: Cloud) -> None:
    cloud.function("flaky", in_moto=True)

    def fail(event: Any, context: Any) -> Any:
        raise ValueError(f"no price for {event['symbol']}")

    sink.RESPONDERS["flaky"] = fail
    arn = machine(
        cloud,
        "failing",
        {
            "StartAt": "Price",
            "States": {
                "Price": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": function_arn("flaky"), "Payload.$": "$"},
                    # IntervalSeconds is at least 1 and moto sleeps it for real: one retry
                    "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                    "End": True,
                }
            },
        },
    )

    execution = run(cloud, arn, {"symbol": "ACME"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "ValueError"
    cause = json.loads(execution["cause"])
    assert (cause["errorType"], cause["errorMessage"]) == ("ValueError", "no price for ACME")
    assert sink.calls("flaky") == [{"symbol": "ACME"}, {"symbol": "ACME"}]


def test_executions_started_without_a_name_get_distinct_names(cloud: Cloud) -> None:
    """Step Functions names an unnamed execution with a UUID; moto's executor would call each one `None`."""
    arn = machine(cloud, "unnamed", {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    first, second = run(cloud, arn, {"n": 1}), run(cloud, arn, {"n": 2})

    assert first["executionArn"] != second["executionArn"]
    assert [first["status"], second["status"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert first["name"] != "None" and len(first["name"]) == 36
