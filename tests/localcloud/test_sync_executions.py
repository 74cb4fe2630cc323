"""`StartSyncExecution` of EXPRESS state machines (patch 19): the answer at the end of the execution, AWS's
errors, IAM, a Lambda handler starting one whose tasks invoke other functions, the AWS endpoint and an API
Gateway `AWS` integration."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from localcloud.gateway.catalog import (
    ApiCatalog,
    ApiMethod,
    ApiResource,
    AwsServiceIntegration,
    IntegrationResponse,
    RestApi,
)
from localcloud.gateway.data_plane import Gateway
from localcloud.iam import enforcement
from localcloud.service_calls import BotoServiceCaller
from tests.localcloud.fixtures import sink
from tests.localcloud.support import ACCOUNT, REGION, Cloud, function_arn, function_with_role, local_cloud

ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
PRICE = {"Type": "Task", "Resource": function_arn("price"), "End": True}


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud(step_functions=True) as cloud:
        yield cloud


def machine(cloud: Cloud, name: str, states: dict[str, Any], kind: str = "EXPRESS", start: str = "") -> str:
    definition = {"StartAt": start or next(iter(states)), "States": states}
    sfn = cloud.client("stepfunctions")
    created = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, type=kind)
    return str(created["stateMachineArn"])


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_a_lambda_task_runs_and_the_answer_is_the_ended_execution_with_billing(cloud: Cloud) -> None:
    cloud.function("price", in_moto=True)
    sink.RESPONDERS["price"] = lambda event, context: {"symbol": event["symbol"], "px": 101.5}
    arn = machine(cloud, "quote", {"Price": PRICE})
    sfn = cloud.client("stepfunctions")

    answer = sfn.start_sync_execution(stateMachineArn=arn, name="q1", input='{"symbol": "ACME"}')

    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"symbol": "ACME", "px": 101.5}
    assert (answer["name"], answer["stateMachineArn"]) == ("q1", arn)
    assert answer["executionArn"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:express:quote:q1:")
    assert json.loads(answer["input"]) == {"symbol": "ACME"}
    assert answer["inputDetails"] == answer["outputDetails"] == {"included": True}
    assert answer["startDate"] <= answer["stopDate"]
    billed = answer["billingDetails"]
    assert billed["billedMemoryUsedInMB"] == 64
    assert billed["billedDurationInMilliseconds"] >= 100 and billed["billedDurationInMilliseconds"] % 100 == 0
    assert "error" not in answer and "cause" not in answer
    assert sink.calls("price") == [{"symbol": "ACME"}]
    # Express executions are not kept, as on AWS (their history goes to CloudWatch Logs)
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []
    code, _ = error_of(sfn.describe_execution, executionArn=answer["executionArn"])
    assert code == "ExecutionDoesNotExist"
    cloud.runtime.wait_idle(5)


def test_a_fail_state_is_failed_with_its_error_and_cause(cloud: Cloud) -> None:
    arn = machine(cloud, "refuse", {"No": {"Type": "Fail", "Error": "Order.Refused", "Cause": "no funds"}})

    answer = cloud.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input="{}")

    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "Order.Refused", "no funds")
    assert "output" not in answer


def test_a_task_that_raises_is_retried_then_succeeds(cloud: Cloud) -> None:
    cloud.function("price", in_moto=True)
    attempts: list[int] = []

    def flaky(event: Any, context: Any) -> Any:
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise RuntimeError("feed down")
        return {"px": 7}

    sink.RESPONDERS["price"] = flaky
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}]
    arn = machine(cloud, "retry", {"Price": {**PRICE, "Retry": retry}})

    answer = cloud.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input='{"n": 1}')

    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"px": 7}
    assert attempts == [0, 1]
    assert answer["billingDetails"]["billedDurationInMilliseconds"] >= 1000  # the retry's interval is billed


def test_a_standard_machine_an_unknown_one_and_bad_input_are_refused_as_aws_refuses_them(cloud: Cloud) -> None:
    sfn = cloud.client("stepfunctions")
    standard = machine(cloud, "std", {"P": {"Type": "Pass", "End": True}}, kind="STANDARD")
    express = machine(cloud, "exp", {"P": {"Type": "Pass", "End": True}})

    assert error_of(sfn.start_sync_execution, stateMachineArn=standard)[0] == "StateMachineTypeNotSupported"
    unknown = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:nope"
    assert error_of(sfn.start_sync_execution, stateMachineArn=unknown)[0] == "StateMachineDoesNotExist"
    assert error_of(sfn.start_sync_execution, stateMachineArn=express, input="{oops")[0] == "InvalidExecutionInput"
    assert sfn.start_sync_execution(stateMachineArn=express)["output"] == "{}"  # no input: {}


def test_a_handler_starts_a_sync_execution_whose_tasks_invoke_functions_on_its_thread(cloud: Cloud) -> None:
    """The handler holds the runtime's serialization lock while it waits: the tasks must run on its thread."""
    cloud.function("starter", "sdk_caller")
    cloud.function("price", in_moto=True)
    cloud.function("enrich", in_moto=True)
    threads: list[threading.Thread] = []

    def price(event: Any, context: Any) -> Any:
        threads.append(threading.current_thread())
        return {"px": 3, "leg": event["leg"]}

    sink.RESPONDERS["price"] = price
    sink.RESPONDERS["enrich"] = lambda event, context: {**event, "enriched": True}
    branch = {"StartAt": "P", "States": {"P": {**PRICE, "Parameters": {"leg.$": "$.leg"}}}}
    arn = machine(
        cloud,
        "legs",
        {
            "Both": {"Type": "Parallel", "Branches": [branch, branch], "Next": "Enrich"},
            "Enrich": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function_arn("enrich"), "Payload": {"legs.$": "$"}},
                "OutputPath": "$.Payload",
                "End": True,
            },
        },
    )
    event = {
        "service": "stepfunctions",
        "operation": "start_sync_execution",
        "params": {"stateMachineArn": arn, "input": json.dumps({"leg": "a"})},
    }

    results: list[tuple[Any, bool]] = []
    starter = threading.Thread(target=lambda: results.append(cloud.runtime.invoke("starter", event)), daemon=True)
    starter.start()
    starter.join(30)

    assert not starter.is_alive(), "the handler is still waiting for its execution (a deadlock)"
    [(payload, errored)] = results
    assert not errored, payload
    answer = payload["response"]
    assert answer["status"] == "SUCCEEDED", answer
    assert json.loads(answer["output"]) == {"legs": [{"px": 3, "leg": "a"}, {"px": 3, "leg": "a"}], "enriched": True}
    assert threads == [starter, starter]  # the starter's own thread ran both tasks
    cloud.runtime.wait_idle(5)


def test_a_machine_past_its_timeout_is_timed_out(cloud: Cloud) -> None:
    arn = machine(cloud, "slow", {"W": {"Type": "Wait", "Seconds": 3, "End": True}})
    sfn = cloud.client("stepfunctions")
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps({**definition, "TimeoutSeconds": 1}))

    answer = sfn.start_sync_execution(stateMachineArn=arn, input="{}")

    assert answer["status"] == "TIMED_OUT"
    assert "output" not in answer
    assert 1000 <= answer["billingDetails"]["billedDurationInMilliseconds"] < 3000


def test_the_aws_endpoint_answers_start_sync_execution(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = machine(cloud, "echo", {"P": {"Type": "Pass", "Result": {"done": True}, "End": True}})
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        # an IP endpoint cannot take the SDK's `sync-` host prefix: the client must not add it
        sfn = boto3.client(
            "stepfunctions",
            region_name=REGION,
            endpoint_url=f"http://{host}:{port}",
            config=Config(inject_host_prefix=False),
        )
        answer = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
        refused = error_of(sfn.start_sync_execution, stateMachineArn=arn.replace(":echo", ":gone"))
        monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        by_environment = boto3.client("stepfunctions", region_name=REGION, endpoint_url=f"http://{host}:{port}")
        again = by_environment.start_sync_execution(stateMachineArn=arn, input="{}")
    finally:
        server.stop()
    assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", {"done": True})
    assert refused[0] == "StateMachineDoesNotExist"
    assert again["status"] == "SUCCEEDED" and again["executionArn"] != answer["executionArn"]


@pytest.fixture
def enforced(cloud: Cloud) -> Iterator[Cloud]:
    enforcement.start()
    try:
        yield cloud
    finally:
        enforcement.stop()


def test_iam_evaluates_states_start_sync_execution_against_the_callers_role(enforced: Cloud) -> None:
    cloud = enforced
    arn = machine(cloud, "guarded", {"P": {"Type": "Pass", "End": True}})
    statement = {"Effect": "Allow", "Action": "states:StartExecution", "Resource": arn}
    start_execution_only = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    function_with_role(cloud, "caller", "caller-role", start_execution_only, "aws_caller")
    event = {"service": "stepfunctions", "operation": "start_sync_execution", "params": {"stateMachineArn": arn}}

    payload, errored = cloud.runtime.invoke("caller", event)

    assert not errored, payload
    assert payload["error"]["code"] == "AccessDeniedException"
    assert payload["error"]["status"] == 400
    assert payload["error"]["message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/caller-role/caller is not authorized to perform: "
        f"states:StartSyncExecution on resource: {arn} because no identity-based policy allows the "
        "states:StartSyncExecution action"
    )
    cloud.client("iam").put_role_policy(
        RoleName="caller-role",
        PolicyName="grants",
        PolicyDocument=start_execution_only.replace("states:StartExecution", "states:StartSyncExecution"),
    )
    assert cloud.runtime.invoke("caller", event) == ({"ok": True}, False)


def quotes_api(arn: str, credentials: str | None = None) -> ApiCatalog:
    """POST / starts `arn` synchronously with the body as input; an error answer is a 502 naming its type."""
    template = '{"stateMachineArn": "' + arn + '", "input": "$util.escapeJavaScript($input.json(\'$\'))"}'
    integration = AwsServiceIntegration(
        service="states",
        action="StartSyncExecution",
        region=REGION,
        request_templates={"application/json": template},
        passthrough_behavior="NEVER",
        responses=(
            IntegrationResponse("200"),
            IntegrationResponse("502", r"[45]\d{2}", {"application/json": '{"error": "$input.path(\'$.__type\')"}'}),
        ),
        credentials=credentials,
    )
    method = ApiMethod("POST", False, "AWS", "", aws=integration)
    api = RestApi(
        id="q1",
        name="quotes",
        logical_id="Api",
        root_resource_id="r0",
        stages={"dev": {}},
        resources={"r0": ApiResource(id="r0", parent_id=None, path_part="", methods={"POST": method})},
    )
    return ApiCatalog(apis={api.id: api})


def test_an_api_gateway_aws_integration_starts_a_sync_execution(cloud: Cloud) -> None:
    cloud.function("price", in_moto=True)
    sink.RESPONDERS["price"] = lambda event, context: {"px": 9, "symbol": event["symbol"]}
    arn = machine(cloud, "api-quote", {"Price": PRICE})
    gateway = Gateway(quotes_api(arn), runtime=cloud.runtime, aws=BotoServiceCaller()).start()
    try:
        status, answer = post(f"{gateway.base_url}/q1/dev/", {"symbol": "ACME"})
    finally:
        gateway.close()
    assert status == 200
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"px": 9, "symbol": "ACME"}
    assert answer["billingDetails"]["billedMemoryUsedInMB"] == 64


def test_an_integration_whose_credentials_lack_start_sync_execution_is_refused(enforced: Cloud) -> None:
    cloud = enforced
    arn = machine(cloud, "api-guarded", {"P": {"Type": "Pass", "End": True}})
    iam = cloud.client("iam")
    trust = {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = iam.create_role(
        RoleName="api-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )["Role"]["Arn"]
    allow = {"Effect": "Allow", "Action": "states:StartExecution", "Resource": arn}
    iam.put_role_policy(
        RoleName="api-role", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    )
    gateway = Gateway(quotes_api(arn, credentials=role), runtime=cloud.runtime, aws=BotoServiceCaller()).start()
    try:
        refused = post(f"{gateway.base_url}/q1/dev/", {})
        allow["Action"] = "states:StartSyncExecution"
        iam.put_role_policy(
            RoleName="api-role",
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
        )
        allowed = post(f"{gateway.base_url}/q1/dev/", {})
    finally:
        gateway.close()
    assert refused == (502, {"error": "AccessDeniedException"})
    assert allowed[0] == 200 and allowed[1]["status"] == "SUCCEEDED"


def post(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
