"""Market data (docs/architecture.md §3): store, both state-machine definitions, the rules, the API and IAM scoping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import (
    Synthesized,
    Template,
    as_list,
    function_logical_id,
    is_ref_to,
    props,
    resources,
    role_statements,
)

FETCH_RETRY_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "States.Timeout",
]
FETCHING = ("quote_summary", "historical_data", "market_data_fetcher")


def _state_machine(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    (pair,) = (
        (k, props(r))
        for k, r in resources(template, "AWS::StepFunctions::StateMachine").items()
        if props(r)["StateMachineName"] == name
    )
    return pair


def _definition(machine: dict[str, Any]) -> dict[str, Any]:
    """The definition with every intrinsic rendered as `<Logical.Attr>` / `<Ref>` (parseable JSON)."""
    parts = []
    for part in machine["DefinitionString"]["Fn::Join"][1]:
        if isinstance(part, str):
            parts.append(part)
        elif "Ref" in part:
            parts.append(f"<{part['Ref']}>")
        else:
            parts.append("<{}.{}>".format(*part["Fn::GetAtt"]))
    return dict(json.loads("".join(parts)))


def _fn(dev: Synthesized, name: str) -> str:
    return f"<{function_logical_id(dev.service, name)}.Arn>"


@pytest.fixture(scope="module")
def workflow_a(dev: Synthesized) -> dict[str, Any]:
    return _definition(_state_machine(dev.service, "trading-system-dev-market-data-parallel-fetch")[1])


@pytest.fixture(scope="module")
def workflow_b(dev: Synthesized) -> dict[str, Any]:
    return _definition(_state_machine(dev.service, "trading-system-dev-market-data-ticker-map")[1])


def test_market_data_table_and_bucket(dev: Synthesized) -> None:
    (table,) = (
        props(t)
        for t in resources(dev.data, "AWS::DynamoDB::Table").values()
        if props(t)["TableName"] == "trading-system-dev-market-data"
    )
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "StreamSpecification" not in table
    (bucket,) = (
        props(b)
        for b in resources(dev.data, "AWS::S3::Bucket").values()
        if "trading-system-dev-market-data-" in json.dumps(props(b).get("BucketName"))
    )
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "market-data-bucket/"
    assert {"MarketDataTableName", "MarketDataBucketName"} <= set(dev.data["Outputs"])


@pytest.mark.parametrize(
    "name", ["trading-system-dev-market-data-parallel-fetch", "trading-system-dev-market-data-ticker-map"]
)
def test_state_machines_are_standard_logged_and_traced(dev: Synthesized, name: str) -> None:
    _, machine = _state_machine(dev.service, name)
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    logging = machine["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    (destination,) = logging["Destinations"]
    log_group = dev.service["Resources"][destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert props(log_group)["LogGroupName"] == f"/aws/vendedlogs/states/{name}"


def test_workflow_a_is_a_parallel_of_two_retried_tasks(dev: Synthesized, workflow_a: dict[str, Any]) -> None:
    assert workflow_a["StartAt"] == "FetchMarketData"
    parallel = workflow_a["States"]["FetchMarketData"]
    assert parallel["Type"] == "Parallel" and parallel["End"] is True
    tasks = {}
    for branch in parallel["Branches"]:
        (state_name,) = branch["States"]
        tasks[state_name] = branch["States"][state_name]
    assert set(tasks) == {"QuoteSummary", "HistoricalData"}
    for state_name, function in (("QuoteSummary", "quote_summary"), ("HistoricalData", "historical_data")):
        task = tasks[state_name]
        assert task["Resource"] == "arn:<AWS::Partition>:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"] == _fn(dev, function)
        (retry,) = task["Retry"]
        assert retry["ErrorEquals"] == FETCH_RETRY_ERRORS
        assert retry["MaxAttempts"] >= 2 and retry["BackoffRate"] > 1
        assert "InvalidTicker" not in json.dumps(task)


def test_workflow_b_states(dev: Synthesized, workflow_b: dict[str, Any]) -> None:
    states = workflow_b["States"]
    assert workflow_b["StartAt"] == "FetchEachTicker"
    assert set(states) == {
        "FetchEachTicker",
        "CheckNewData",
        "NewDataArrived",
        "PublishMarketDataUpdate",
        "WaitForNoDataAcknowledgement",
    }
    each = states["FetchEachTicker"]
    assert each["Type"] == "Map"
    assert each["ItemsPath"] == "$.detail.tickers"
    assert each["MaxConcurrency"] == 5
    assert each["ResultPath"] == "$.results"
    assert each["Next"] == "CheckNewData"
    fetch = each["ItemProcessor"]["States"]["FetchTicker"]
    assert fetch["Resource"] == "arn:<AWS::Partition>:states:::lambda:invoke"
    assert fetch["Parameters"]["FunctionName"] == _fn(dev, "market_data_fetcher")
    assert fetch["Retry"][0]["ErrorEquals"] == FETCH_RETRY_ERRORS

    check = states["CheckNewData"]
    assert check["Parameters"]["FunctionName"] == _fn(dev, "market_data_checker")
    assert check["ResultPath"] == "$.check"
    assert check["Next"] == "NewDataArrived"

    choice = states["NewDataArrived"]
    assert choice["Type"] == "Choice"
    assert choice["Choices"] == [
        {"Variable": "$.check.newData", "BooleanEquals": True, "Next": "PublishMarketDataUpdate"}
    ]
    assert choice["Default"] == "WaitForNoDataAcknowledgement"


def test_workflow_b_publishes_market_data_update(dev: Synthesized, workflow_b: dict[str, Any]) -> None:
    publish = workflow_b["States"]["PublishMarketDataUpdate"]
    assert publish["Resource"] == "arn:<AWS::Partition>:states:::events:putEvents"
    (entry,) = publish["Parameters"]["Entries"]
    assert entry["Source"] == "MarketDataManagerStepFunction"
    assert entry["DetailType"] == "MarketDataUpdate"
    assert entry["Detail"] == {"tickers.$": "$.check.tickers"}
    (bus_id,) = resources(dev.service, "AWS::Events::EventBus")
    assert entry["EventBusName"] == f"<{bus_id}.Arn>"
    assert publish["End"] is True


def test_workflow_b_waits_for_the_task_token(dev: Synthesized, workflow_b: dict[str, Any]) -> None:
    wait = workflow_b["States"]["WaitForNoDataAcknowledgement"]
    assert wait["Resource"] == "arn:<AWS::Partition>:states:::lambda:invoke.waitForTaskToken"
    assert wait["Parameters"]["FunctionName"] == _fn(dev, "no_data_notifier")
    assert wait["Parameters"]["Payload"] == {"taskToken.$": "$$.Task.Token", "tickers.$": "$.check.checked"}
    assert 0 < wait["TimeoutSeconds"] <= 3600  # a lost event cannot hang an execution for a year
    assert wait["End"] is True


def _rule(dev: Synthesized, name: str) -> dict[str, Any]:
    (rule,) = (props(r) for r in resources(dev.service, "AWS::Events::Rule").values() if props(r)["Name"] == name)
    return rule


def test_market_data_request_rule_starts_workflow_a(dev: Synthesized) -> None:
    rule = _rule(dev, "trading-system-dev-MarketDataRequests")
    (bus_id,) = resources(dev.service, "AWS::Events::EventBus")
    assert rule["EventBusName"] == {"Ref": bus_id}
    assert rule["EventPattern"] == {"source": ["SmartOrderRouter"], "detail-type": ["MarketData"]}
    (target,) = rule["Targets"]
    machine_id, _ = _state_machine(dev.service, "trading-system-dev-market-data-parallel-fetch")
    assert target["Arn"] == {"Ref": machine_id}
    assert target["InputPath"] == "$.detail"
    assert "DeadLetterConfig" in target and target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    role = target["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in resources(dev.service, "AWS::IAM::Policy").values()
        if {"Ref": role} in props(p)["Roles"]
        for s in props(p)["PolicyDocument"]["Statement"]
    ]
    assert statements == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine_id}}]


def test_no_data_rule_reaches_the_task_token_manager(dev: Synthesized) -> None:
    rule = _rule(dev, "trading-system-dev-NoHistoricalData")
    assert rule["EventPattern"] == {
        "source": ["MarketDataManagerStepFunction"],
        "detail-type": ["NoHistoricalDataRetrieved"],
    }
    (target,) = rule["Targets"]
    assert is_ref_to(target["Arn"], function_logical_id(dev.service, "task_token_manager"))
    assert target["InputPath"] == "$.detail"


def test_task_token_manager_may_only_send_task_success_to_workflow_b(dev: Synthesized) -> None:
    machine_id, _ = _state_machine(dev.service, "trading-system-dev-market-data-ticker-map")
    statements = role_statements(dev.service, function_logical_id(dev.service, "task_token_manager"))
    states = [s for s in statements if any(a.startswith("states:") for a in as_list(s["Action"]))]
    assert states == [{"Action": "states:SendTaskSuccess", "Effect": "Allow", "Resource": {"Ref": machine_id}}]


@pytest.mark.parametrize(
    ("machine", "functions", "puts_events"),
    [
        ("trading-system-dev-market-data-parallel-fetch", {"quote_summary", "historical_data"}, False),
        (
            "trading-system-dev-market-data-ticker-map",
            {"market_data_fetcher", "market_data_checker", "no_data_notifier"},
            True,
        ),
    ],
)
def test_state_machine_roles_are_scoped(dev: Synthesized, machine: str, functions: set[str], puts_events: bool) -> None:
    _, state_machine = _state_machine(dev.service, machine)
    role = state_machine["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in resources(dev.service, "AWS::IAM::Policy").values()
        if {"Ref": role} in props(p)["Roles"]
        for s in props(p)["PolicyDocument"]["Statement"]
    ]
    (invoke,) = (s for s in statements if s["Action"] == "lambda:InvokeFunction")
    invoked = {json.dumps(r) for r in invoke["Resource"]}
    for name in functions:
        arn = {"Fn::GetAtt": [function_logical_id(dev.service, name), "Arn"]}
        assert json.dumps(arn) in invoked
    assert len(invoked) == 2 * len(functions)  # each function and its versions, nothing else
    put_events = [s for s in statements if s["Action"] == "events:PutEvents"]
    assert bool(put_events) is puts_events
    for statement in statements:
        if "*" in as_list(statement["Resource"]):
            assert all(a.startswith(("logs:", "xray:")) for a in as_list(statement["Action"])), statement


def test_fetching_functions(dev: Synthesized) -> None:
    for name in FETCHING:
        function_id = function_logical_id(dev.service, name)
        env = props(dev.service["Resources"][function_id])["Environment"]["Variables"]
        assert env["MARKET_DATA_PROVIDER"] == "yfinance"
        assert "MARKET_DATA_TABLE_NAME" in env and "MARKET_DATA_BUCKET_NAME" in env
        s3 = [s for s in role_statements(dev.service, function_id) if "s3:" in json.dumps(s["Action"])]
        assert [s["Action"] for s in s3] == ["s3:PutObject"]
        assert json.dumps(s3[0]["Resource"]).endswith('/raw/*"]]}')


def test_provider_context_override() -> None:
    from aws_cdk import Stack
    from aws_cdk.assertions import Template as AssertionTemplate

    from stacks.app_builder import build_app
    from tests.infrastructure.conftest import NO_BUNDLING

    app = build_app({**NO_BUNDLING, "nag": False, "marketDataProvider": "offline"})
    (service,) = (s for s in app.node.children if getattr(s, "stack_name", "") == "TradingSystem-dev-Service")
    assert isinstance(service, Stack)
    template = AssertionTemplate.from_stack(service).to_json()
    providers = {
        props(f)["Environment"]["Variables"].get("MARKET_DATA_PROVIDER")
        for f in resources(template, "AWS::Lambda::Function").values()
        if "Environment" in props(f)
    }
    assert providers == {None, "offline"}


def test_other_functions_have_no_market_data_access(dev: Synthesized) -> None:
    for name in ("market_data_checker", "no_data_notifier", "task_token_manager"):
        env = props(dev.service["Resources"][function_logical_id(dev.service, name)])["Environment"]["Variables"]
        assert not {k for k in env if k.startswith("MARKET_DATA_")}, name
        text = json.dumps(role_statements(dev.service, function_logical_id(dev.service, name)))
        assert "dynamodb:" not in text and "s3:" not in text, name
    api_env = props(dev.service["Resources"][function_logical_id(dev.service, "market_data_api")])["Environment"]
    assert "MARKET_DATA_TABLE_NAME" in api_env["Variables"]
    assert "MARKET_DATA_PROVIDER" not in api_env["Variables"]


def test_market_data_api(dev: Synthesized) -> None:
    from tests.infrastructure.test_apis import _methods, _proxies_to

    methods = _methods(dev, "trading-system-dev-market-data-api")
    assert set(methods) == {
        ("GET", "/quote-summary/{ticker}"),
        ("DELETE", "/quote-summary/{ticker}"),
        ("GET", "/history/{ticker}"),
        ("DELETE", "/history/{ticker}"),
        ("GET", "/openapi.json"),
    }
    del methods[("GET", "/openapi.json")]  # tests/infrastructure/test_apis.py
    handler = function_logical_id(dev.service, "market_data_api")
    for key, method in methods.items():
        assert method["ApiKeyRequired"] is True, key
        assert _proxies_to(method, handler), key
        assert method["RequestParameters"]["method.request.path.ticker"] is True
    history = methods[("GET", "/history/{ticker}")]["RequestParameters"]
    assert history["method.request.querystring.from"] is False
    assert history["method.request.querystring.to"] is False


def test_market_data_outputs(dev: Synthesized) -> None:
    outputs = dev.service["Outputs"]
    for name, machine in (
        ("MarketDataParallelFetchWorkflowArn", "trading-system-dev-market-data-parallel-fetch"),
        ("MarketDataTickerMapWorkflowArn", "trading-system-dev-market-data-ticker-map"),
    ):
        assert outputs[name]["Value"] == {"Ref": _state_machine(dev.service, machine)[0]}
    assert "execute-api" in json.dumps(outputs["MarketDataApiUrl"]["Value"])


def test_market_data_manager_api_starts_workflow_b_through_the_step_functions_integration(dev: Synthesized) -> None:
    from tests.infrastructure.test_apis import _apis

    api_id = _apis(dev)["trading-system-dev-market-data-manager-api"]
    [method] = [
        props(m)
        for m in resources(dev.service, "AWS::ApiGateway::Method").values()
        if props(m)["RestApiId"] == {"Ref": api_id} and props(m)["HttpMethod"] == "POST"
    ]
    assert method["ResourceId"] == {"Fn::GetAtt": [api_id, "RootResourceId"]}
    assert method["ApiKeyRequired"] is True
    integration = method["Integration"]
    assert (integration["Type"], integration["Uri"], integration["PassthroughBehavior"]) == (
        "AWS",
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":apigateway:",
                    {"Ref": "AWS::Region"},
                    ":states:action/StartExecution",
                ],
            ]
        },
        "NEVER",
    )
    workflow_b = _state_machine(dev.service, "trading-system-dev-market-data-ticker-map")[0]
    # The body is read as JSON whatever its Content-Type (plain `curl -d` sends form-urlencoded).
    templates = integration["RequestTemplates"]
    assert set(templates) == {"application/json", "application/x-www-form-urlencoded", "text/plain"}
    assert len({json.dumps(t, sort_keys=True) for t in templates.values()}) == 1
    template = templates["application/json"]["Fn::Join"][1]
    assert {"Ref": workflow_b} in template
    assert "$util.escapeJavaScript($input.json('$'))" in template[-1]
    assert [(r["StatusCode"], r.get("SelectionPattern")) for r in integration["IntegrationResponses"]] == [
        ("200", None),
        ("502", "[45]\\d{2}"),
    ]

    # The integration's role may start executions of workflow B and nothing else.
    role = integration["Credentials"]["Fn::GetAtt"][0]
    assert props(dev.service["Resources"][role])["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    statements = [
        s
        for p in resources(dev.service, "AWS::IAM::Policy").values()
        if {"Ref": role} in props(p)["Roles"]
        for s in props(p)["PolicyDocument"]["Statement"]
    ]
    assert statements == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": workflow_b}}]

    # The body is validated against the model before anything starts.
    validator = props(dev.service["Resources"][method["RequestValidatorId"]["Ref"]])
    assert validator["ValidateRequestBody"] is True
    [model] = [
        props(m)
        for m in resources(dev.service, "AWS::ApiGateway::Model").values()
        if props(m)["RestApiId"] == {"Ref": api_id}
    ]
    assert method["RequestModels"] == {  # every content type is validated against the one model
        "$default": {
            "Ref": next(k for k, m in resources(dev.service, "AWS::ApiGateway::Model").items() if props(m) == model)
        }
    }
    tickers = model["Schema"]["properties"]["detail"]["properties"]["tickers"]
    assert model["Schema"]["required"] == ["detail"]
    assert (tickers["minItems"], tickers["maxItems"], tickers["items"]["required"]) == (1, 100, ["ticker"])
    assert tickers["items"]["properties"]["ticker"]["pattern"] == "^[A-Z0-9^][A-Z0-9.=^-]{0,14}$"
    responses = {
        props(r)["ResponseType"]: props(r)
        for r in resources(dev.service, "AWS::ApiGateway::GatewayResponse").values()
        if props(r)["RestApiId"] == {"Ref": api_id}
    }
    assert set(responses) == {"BAD_REQUEST_BODY", "UNSUPPORTED_MEDIA_TYPE", "DEFAULT_4XX", "DEFAULT_5XX"}
    # A readable field message (not API Gateway's JSON-schema text), and never a 415.
    invalid = responses["BAD_REQUEST_BODY"]
    assert invalid["StatusCode"] == "400"
    assert json.loads(invalid["ResponseTemplates"]["application/json"]) == {
        "message": "invalid request",
        "errors": [
            {
                "field": "body",
                "message": 'the body must be {"detail": {"tickers": [{"ticker": "AAPL"}]}} with 1 to 100 tickers',
            }
        ],
    }
    unsupported = responses["UNSUPPORTED_MEDIA_TYPE"]
    assert unsupported["StatusCode"] == "400"
    [error] = json.loads(unsupported["ResponseTemplates"]["application/json"])["errors"]
    assert error["field"] == "body"
    for response in (invalid, unsupported):
        assert response["ResponseParameters"] == {"gatewayresponse.header.Content-Type": "'application/json'"}
    assert "execute-api" in json.dumps(dev.service["Outputs"]["MarketDataManagerApiUrl"]["Value"])


def test_only_the_fetching_functions_carry_the_yfinance_layer(dev: Synthesized) -> None:
    (layer_id,) = (
        k
        for k, r in resources(dev.service, "AWS::Lambda::LayerVersion").items()
        if props(r)["LayerName"] == "trading-system-dev-market-data-deps"
    )
    carriers = {
        props(f)["FunctionName"]
        for f in resources(dev.service, "AWS::Lambda::Function").values()
        if {"Ref": layer_id} in props(f).get("Layers", [])
    }
    assert carriers == {f"trading-system-dev-{name.replace('_', '-')}" for name in FETCHING}
