"""Invocation faults (`localcloud.faults.invocations`): an invocation failed before its handler, or timed out
after it, and the retries that follow as the function's configuration says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud import faults
from localcloud.moto_lock import MOTO_LOCK
from tests.localcloud.fixtures import sink
from tests.localcloud.support import (
    ACCOUNT,
    Cloud,
    create_table,
    function_arn,
    injected_faults,
    local_cloud,
    seed_deciding,
    stream_mapping,
)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud(step_functions=True) as cloud:
        yield cloud


def failure_records(cloud: Cloud, url: str) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in cloud.messages(url)]


def test_invoke_before_fails_every_attempt_without_running_the_handler(cloud: Cloud) -> None:
    url, queue = cloud.queue("failures")
    cloud.function("f")
    cloud.runtime.configure_async("f", max_retries=2, on_failure_arn=queue)
    with injected_faults("invoke-before@f=1"):
        cloud.runtime.invoke_async("f", {"n": 1})
        cloud.runtime.wait_idle(10)
    assert sink.calls("f") == []
    (record,) = failure_records(cloud, url)
    assert record["requestContext"]["approximateInvokeCount"] == 3  # the first attempt and its 2 retries
    assert record["responsePayload"]["errorType"] == "ServiceException"
    assert faults.counts() == {"invoke-before": {"f": 3}}


def test_invoke_after_keeps_the_handlers_writes(cloud: Cloud) -> None:
    """The timeout-after-work case: the handler's write stays, yet the invocation failed."""
    url, queue = cloud.queue("failures")
    create_table(cloud, "table-t")
    cloud.function("writer", "sdk_caller", timeout_seconds=7)
    cloud.runtime.configure_async("writer", max_retries=0, on_failure_arn=queue)
    item = {"PK": {"S": "k"}, "SK": {"S": "1"}}
    event = {"service": "dynamodb", "operation": "put_item", "params": {"TableName": "table-t", "Item": item}}
    with injected_faults("invoke-after=1"):
        cloud.runtime.invoke_async("writer", event)
        cloud.runtime.wait_idle(10)
    assert cloud.client("dynamodb").scan(TableName="table-t")["Items"] == [item]
    (record,) = failure_records(cloud, url)
    assert record["responsePayload"]["errorType"] == "Sandbox.Timedout"
    assert record["requestContext"]["approximateInvokeCount"] == 1


def test_an_asynchronous_invocation_timed_out_after_its_work_is_retried(cloud: Cloud) -> None:
    url, queue = cloud.queue("failures")
    cloud.function("f")
    cloud.runtime.configure_async("f", max_retries=2, on_failure_arn=queue)
    seed = seed_deciding("invoke-after", "f", 0.5, True, False)
    with injected_faults("invoke-after=0.5", seed):
        cloud.runtime.invoke_async("f", {"n": 1})
        cloud.runtime.wait_idle(10)
    assert sink.calls("f") == [{"n": 1}, {"n": 1}]  # the handler ran, timed out, then ran again on the retry
    assert failure_records(cloud, url) == []
    assert faults.counts() == {"invoke-after": {"f": 1}}


def test_invoke_after_is_lambdas_timeout_and_drops_the_environment(cloud: Cloud) -> None:
    cloud.function("f", timeout_seconds=7)
    with injected_faults("invoke-after@f=1"):
        payload, errored = cloud.runtime.invoke("f", {"n": 1})
    assert errored
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 7.00 seconds")
    assert sink.calls("f") == [{"n": 1}]  # the handler ran
    assert cloud.runtime.function("f").environments == 0  # the next invocation is a cold start
    assert cloud.runtime.invoke("f", {"n": 2}) == ({"ok": True}, False)


def test_the_invoke_api_answers_lambdas_500_service_exception(cloud: Cloud) -> None:
    cloud.function("f", in_moto=True)
    client = boto3.client("lambda", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
    with injected_faults("invoke-before=1"), pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="f", Payload=b"{}")
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ServiceException", 500)
    assert sink.calls("f") == []
    assert json.loads(client.invoke(FunctionName="f", Payload=b"{}")["Payload"].read()) == {"ok": True}


def test_a_step_functions_task_fails_with_lambda_service_exception(cloud: Cloud) -> None:
    cloud.function("task", in_moto=True)
    sfn = cloud.client("stepfunctions")
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    task["Parameters"] = {"FunctionName": function_arn("task"), "Payload.$": "$"}
    definition = {"StartAt": "T", "States": {"T": task}}
    machine = sfn.create_state_machine(
        name="m", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn"
    )["stateMachineArn"]
    with injected_faults("invoke-before@task=1"):
        execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        cloud.runtime.wait_idle(10)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED"
    assert described["error"] == "Lambda.ServiceException"  # what a workflow's Retry on Lambda errors matches
    assert sink.calls("task") == []


def test_a_stream_batch_failed_before_the_handler_is_retried_whole_not_bisected(cloud: Cloud) -> None:
    stream = create_table(cloud, "table-s")
    cloud.function("consumer")
    seed = seed_deciding("invoke-before", "consumer", 0.5, True, False)
    with injected_faults("invoke-before=0.5", seed):
        stream_mapping(
            cloud,
            stream,
            batch_size=10,
            bisect_on_error=True,
            max_retries=3,
            starting_position="TRIM_HORIZON",
        )
        ddb = cloud.client("dynamodb")
        with MOTO_LOCK:  # both records in the first read
            for key in ("a", "b"):
                ddb.put_item(TableName="table-s", Item={"PK": {"S": key}, "SK": {"S": "1"}})
        cloud.runtime.wait_idle(10)
    calls = sink.calls("consumer")
    batches = [[record["dynamodb"]["Keys"]["PK"]["S"] for record in batch["Records"]] for batch in calls]
    assert batches == [["a", "b"]]
