"""Functions follow docs/contracts.md: code, runtime, layers, environment, SSM reads, least privilege."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.common.powertools import layer_version
from tests.infrastructure.conftest import (
    ROOT,
    Synthesized,
    as_list,
    function_ids,
    function_logical_id,
    props,
    resources,
    role_statements,
)
from tests.infrastructure.contracts import contract_function_parameters, contract_parameters, expected_parameter_values

FUNCTIONS = contract_function_parameters()
SCOPED_SERVICES = ("dynamodb", "ssm", "s3", "events", "sns")
# Actions AWS does not allow to scope to a resource (the only valid Resource is "*").
UNSCOPABLE = {"dynamodb:ListStreams", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# A state machine's log delivery to CloudWatch and its X-Ray sampling: Resource "*" only (AWS documentation).
STATE_MACHINE_UNSCOPABLE = {
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}
FETCHING = {"quote_summary", "historical_data", "market_data_fetcher"}
TABLE_USERS = (
    "order_router",
    "post_trade",
    "funds_raiser",
    "aggregator",
    "storage_analyzer",
    "data_api",
    "order_book",
    "order_canceller",
    "customer_accounts",
)


def _function(dev: Synthesized, name: str) -> dict[str, Any]:
    return props(dev.service["Resources"][function_logical_id(dev.service, name)])


def test_one_function_per_contract_name(dev: Synthesized) -> None:
    assert len(FUNCTIONS) == 21
    named = {n for n in function_ids(dev.service) if n.startswith("trading-system-dev-")}
    assert named == {f"trading-system-dev-{name.replace('_', '-')}" for name in FUNCTIONS}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_defaults(dev: Synthesized, name: str) -> None:
    fn = _function(dev, name)
    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Handler"] == "handler.lambda_handler"
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    assert fn["MemorySize"] == 512
    long_running = {"aggregator", "trade_archiver", "post_trade", "order_book", *FETCHING}
    assert fn["Timeout"] == (60 if name in long_running else 30)
    log_group = dev.service["Resources"][fn["LoggingConfig"]["LogGroup"]["Ref"]]
    assert props(log_group)["RetentionInDays"] == 7
    assert props(log_group)["LogGroupName"] == f"/aws/lambda/{fn['FunctionName']}"
    version = layer_version()
    powertools, shared, *market_data_dependencies = fn["Layers"]
    assert len(market_data_dependencies) == (1 if name in FETCHING else 0)
    assert powertools == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":lambda:",
                {"Ref": "AWS::Region"},
                f":017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:{version}",
            ],
        ]
    }
    assert dev.service["Resources"][shared["Ref"]]["Type"] == "AWS::Lambda::LayerVersion"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_environment(dev: Synthesized, name: str) -> None:
    env = _function(dev, name)["Environment"]["Variables"]
    assert env["STAGE"] == "dev"
    assert env["PARAMETER_PREFIX"] == "/trading-system/dev"
    assert env["POWERTOOLS_SERVICE_NAME"] == name
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "TradingSystem/dev"  # one namespace per stage
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert int(env["POWERTOOLS_PARAMETERS_MAX_AGE"]) <= 60  # a bus-type switch takes effect within a minute
    assert ("TRADES_TABLE_NAME" in env) == (name in TABLE_USERS or name == "customer_seeder")
    assert ("IDEMPOTENCY_TABLE_NAME" in env) == (name == "order_router")
    assert ("TRADES_BUCKET_NAME" in env) == (name == "trade_archiver")


def _source_files(folder: Path) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_code_asset_is_the_function_folder_without_bytecode(dev: Synthesized, name: str) -> None:
    staged = dev.outdir / f"asset.{_function(dev, name)['Code']['S3Key'].removesuffix('.zip')}"
    assert _source_files(staged) == _source_files(ROOT / "lambdas" / name)
    assert not [p for p in staged.rglob("*") if "__pycache__" in p.parts or p.suffix == ".pyc"]


def test_shared_layer_asset(dev: Synthesized) -> None:
    (layer,) = (
        props(r)
        for r in resources(dev.service, "AWS::Lambda::LayerVersion").values()
        if props(r)["LayerName"] == "trading-system-dev-shared"
    )
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    staged = dev.outdir / f"asset.{layer['Content']['S3Key'].removesuffix('.zip')}"
    assert (staged / "python" / "trading_core" / "contracts.py").is_file()  # the names both sides share
    assert _source_files(staged) == _source_files(ROOT / "lambdas" / "shared_layer")
    assert not [p for p in staged.rglob("*") if "__pycache__" in p.parts or p.suffix == ".pyc"]


def test_ssm_parameters(dev: Synthesized) -> None:
    created = {props(p)["Name"]: props(p) for p in resources(dev.service, "AWS::SSM::Parameter").values()}
    expected = expected_parameter_values("dev")
    assert set(contract_parameters()) == set(expected)
    assert set(created) == {f"/trading-system/dev/{name}" for name in expected}
    for name, value in expected.items():
        parameter = created[f"/trading-system/dev/{name}"]
        assert parameter["Type"] == "String"
        if name == "venue-fees":
            assert json.loads(parameter["Value"]) == json.loads(value)
        else:
            assert parameter["Value"] == value
    # The parameters with a fixed set of values refuse any other at PutParameter (docs/contracts.md).
    patterns = {name.rsplit("/", 1)[1]: p.get("AllowedPattern") for name, p in created.items()}
    assert {name: pattern for name, pattern in patterns.items() if pattern} == {
        "bus-type": "^(EVENT-BRIDGE|SNS)$",
        "market-data-invoke-mode": "^(EventBridge|StepFunctionAPIs)$",
        "auto-top-up": "^(true|false)$",
    }


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_reads_exactly_its_parameters(dev: Synthesized, name: str) -> None:
    parameter_names = {k: props(p)["Name"] for k, p in resources(dev.service, "AWS::SSM::Parameter").items()}
    readable = set()
    for statement in role_statements(dev.service, function_logical_id(dev.service, name)):
        if any(action.startswith("ssm:") for action in as_list(statement["Action"])):
            for resource in as_list(statement["Resource"]):
                (ref,) = (
                    part["Ref"]
                    for part in resource["Fn::Join"][1]
                    if isinstance(part, dict) and part.get("Ref") in parameter_names
                )
                readable.add(parameter_names[ref].rsplit("/", 1)[1])
    assert readable == FUNCTIONS[name]


def _trades_table_actions(dev: Synthesized, name: str) -> set[str]:
    actions: set[str] = set()
    for statement in role_statements(dev.service, function_logical_id(dev.service, name)):
        if "DataLayerTradesStore" in json.dumps(statement["Resource"]):
            actions.update(as_list(statement["Action"]))
    return actions


@pytest.mark.parametrize("name", ["order_canceller", "order_book"])
def test_the_functions_that_end_children_may_put_the_order_item_and_release_its_reservation(
    dev: Synthesized, name: str
) -> None:
    """A cancel or an expiry is one transaction: the ORDER item's put (on condition of its version) and the
    customer's or position's update; both read the items first, in one BatchGetItem (GetItem after a conflict)."""
    actions = _trades_table_actions(dev, name)
    assert {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= actions
    assert "dynamodb:DeleteItem" not in actions


def test_customer_accounts_reads_and_writes_trades_store_only(dev: Synthesized) -> None:
    """New customers, deposits and withdrawals are transactions of conditional puts and updates (no condition
    check), the customer read back; the list is a Query of the CustomerIds index and one BatchGetItem."""
    actions = _trades_table_actions(dev, "customer_accounts")
    assert actions == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }
    statements = role_statements(dev.service, function_logical_id(dev.service, "customer_accounts"))
    services = {a.split(":")[0] for s in statements for a in as_list(s["Action"])}
    assert services == {"dynamodb", "logs", "xray"}
    env = _function(dev, "customer_accounts")["Environment"]["Variables"]
    assert {k for k in env if not k.startswith("POWERTOOLS_")} == {"STAGE", "PARAMETER_PREFIX", "TRADES_TABLE_NAME"}


def test_api_docs_touches_no_aws_resource(dev: Synthesized) -> None:
    statements = role_statements(dev.service, function_logical_id(dev.service, "api_docs"))
    services = {a.split(":")[0] for s in statements for a in as_list(s["Action"])}
    assert services == {"logs", "xray"}


def test_data_api_reads_trades_store_and_its_indexes(dev: Synthesized) -> None:
    actions = _trades_table_actions(dev, "data_api")
    assert "dynamodb:Query" in actions
    assert not actions & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _all_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    statements = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        statements.extend(props(policy)["PolicyDocument"]["Statement"])
    for role in resources(template, "AWS::IAM::Role").values():
        for inline in props(role).get("Policies", []):
            statements.extend(inline["PolicyDocument"]["Statement"])
    return statements


def test_no_wildcard_data_permissions(dev: Synthesized) -> None:
    statements = _all_statements(dev.service) + _all_statements(dev.data)
    assert statements
    for statement in statements:
        actions = as_list(statement["Action"])
        assert not any(a in ("*", "ssm:*") or a.endswith(":*") for a in actions), statement
        scoped = [a for a in actions if a.split(":")[0] in SCOPED_SERVICES and a not in UNSCOPABLE]
        if scoped:
            assert "*" not in as_list(statement["Resource"]), statement
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= UNSCOPABLE | STATE_MACHINE_UNSCOPABLE, statement


def test_roles_use_no_basic_execution_policy(dev: Synthesized) -> None:
    our_roles = {_function(dev, name)["Role"]["Fn::GetAtt"][0] for name in FUNCTIONS}
    for role_id in our_roles:
        assert "ManagedPolicyArns" not in props(dev.service["Resources"][role_id])


@pytest.mark.parametrize(
    ("name", "queue_expected"),
    [("dark_pool", True), ("lit_pool", True), ("post_trade", True), ("funds_raiser", True), ("storage_analyzer", True)],
)
def test_async_functions_have_an_on_failure_destination(dev: Synthesized, name: str, queue_expected: bool) -> None:
    function_id = function_logical_id(dev.service, name)
    (config,) = (
        props(c)
        for c in resources(dev.service, "AWS::Lambda::EventInvokeConfig").values()
        if props(c)["FunctionName"] == {"Ref": function_id}
    )
    destination = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    assert (dev.service["Resources"][destination]["Type"] == "AWS::SQS::Queue") is queue_expected


def test_every_queue_is_encrypted_and_tls_only(dev: Synthesized) -> None:
    queues = resources(dev.service, "AWS::SQS::Queue")
    assert all(props(q)["SqsManagedSseEnabled"] for q in queues.values())
    tls_only: set[str] = set()
    for policy in resources(dev.service, "AWS::SQS::QueuePolicy").values():
        for statement in props(policy)["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                tls_only.update(q["Ref"] for q in props(policy)["Queues"])
    assert tls_only == set(queues)
