"""Operations (issue 16): an alarm topic per stage that every alarm notifies, an email subscription where the stage
sets `alarmEmail`, and a dashboard per stage whose custom metrics are the functions' (contract names)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template as Assertions

from constructs_lib.operations import Operations, OperationsProps
from constructs_lib.stage_config import ConfigError, StageConfig
from stacks.app_builder import build_app
from tests.infrastructure.conftest import CONTEXT, NO_BUNDLING, Synthesized, props, resources
from trading_core import contracts


def rendered(value: Any) -> str:
    """A `Fn::Join` body as text, references as `<LogicalId>`, `<LogicalId.Attribute>`, `<Stack.Output>`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(rendered(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    if isinstance(value, dict) and "Fn::GetStackOutput" in value:
        output = value["Fn::GetStackOutput"]
        return f"<{output['StackName']}.{output['OutputName']}>"
    raise AssertionError(f"unexpected in a dashboard body: {value}")


def dashboard(synthesized: Synthesized) -> dict[str, Any]:
    (board,) = resources(synthesized.service, "AWS::CloudWatch::Dashboard").values()
    assert props(board)["DashboardName"] == f"trading-system-{synthesized.stage}-operations"
    return dict(json.loads(rendered(props(board)["DashboardBody"])))


def graphed(body: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """Widget title -> its metrics (CloudWatch's `[namespace, name, dimension, value, …, {options}]` rows)."""
    return {widget["properties"]["title"]: widget["properties"]["metrics"] for widget in body["widgets"]}


def custom_metrics(body: dict[str, Any]) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, name, dimensions) of every metric of the functions' own namespace on the dashboard."""
    out = set()
    for rows in graphed(body).values():
        for row in rows:
            fields = [field for field in row if isinstance(field, str)]
            if fields[0].startswith(contracts.METRICS_NAMESPACE):
                pairs = tuple(sorted(zip(fields[2::2], fields[3::2], strict=True)))
                out.add((fields[0], fields[1], pairs))
    return out


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_each_stage_has_its_alarm_topic_and_dashboard(fixture: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(fixture)
    topics = {
        props(t)["TopicName"]: logical_id for logical_id, t in resources(synthesized.service, "AWS::SNS::Topic").items()
    }
    topic_id = topics[f"trading-system-{synthesized.stage}-alarms"]
    for alarm in resources(synthesized.service, "AWS::CloudWatch::Alarm").values():
        assert props(alarm)["AlarmActions"] == [{"Ref": topic_id}]
    body = dashboard(synthesized)
    titles = set(graphed(body))
    assert titles == {
        "Orders in and refused (per minute)",
        "Fills per venue (per minute)",
        "Settlement lag (ms from a fill to its settlement)",
        "Dead-letter queues: messages waiting",
        "Lambda errors",
        "Lambda throttles",
        "DynamoDB throttled requests (read and write events)",
    }


def test_every_prod_alarm_notifies_the_alarm_topic(prod: Synthesized) -> None:
    alarms = resources(prod.service, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 30
    assert all(len(props(alarm)["AlarmActions"]) == 1 for alarm in alarms.values())


def test_the_dashboard_graphs_the_functions_metrics_by_their_contract_names(dev: Synthesized) -> None:
    namespace = "TradingSystem/dev"
    service = contracts.SERVICE_DIMENSION
    venues = [*CONTEXT["stages"]["dev"]["parameters"]["darkPools"], *CONTEXT["stages"]["dev"]["parameters"]["litPools"]]
    expected = {
        (namespace, contracts.ORDERS_RECEIVED_METRIC, ((service, contracts.ORDER_ROUTER_FUNCTION),)),
        (namespace, contracts.INVALID_ORDERS_METRIC, ((service, contracts.ORDER_ROUTER_FUNCTION),)),
        (namespace, contracts.SETTLEMENT_LAG_METRIC, ((service, contracts.POST_TRADE_FUNCTION),)),
    }
    fills = {
        (metric[0], metric[1], metric[2])
        for metric in custom_metrics(dashboard(dev))
        if metric[1] == contracts.FILLS_METRIC
    }
    assert {dict(dimensions)[contracts.VENUE_DIMENSION] for _, _, dimensions in fills} == set(venues)
    assert custom_metrics(dashboard(dev)) == expected | fills
    environment = {
        props(f)["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
        for f in resources(dev.service, "AWS::Lambda::Function").values()
        if "FunctionName" in props(f)
    }
    assert environment == {namespace}


def test_the_dashboard_graphs_every_queue_function_and_table(dev: Synthesized) -> None:
    metrics = graphed(dashboard(dev))
    queues = {row[3] for row in metrics["Dead-letter queues: messages waiting"]}
    assert queues == {f"<{logical_id}.QueueName>" for logical_id in resources(dev.service, "AWS::SQS::Queue")}
    functions = {
        f"<{logical_id}>"
        for logical_id, f in resources(dev.service, "AWS::Lambda::Function").items()
        if "FunctionName" in props(f)
    }
    for title, name in (("Lambda errors", "Errors"), ("Lambda throttles", "Throttles")):
        assert {row[1] for row in metrics[title]} == {name}
        assert {row[3] for row in metrics[title]} == functions
    throttles = metrics["DynamoDB throttled requests (read and write events)"]
    assert {row[1] for row in throttles} == {"ReadThrottleEvents", "WriteThrottleEvents"}
    tables = {row[3] for row in throttles}
    assert len(tables) == 3 and all(table.startswith("<TradingSystem-dev-Data.") for table in tables)


def operations_template(**stage: Any) -> Assertions:
    config = StageConfig.from_context("dev", {"dev": {**CONTEXT["stages"]["dev"], **stage}})
    stack = cdk.Stack(cdk.App(), "Operations")
    Operations(
        stack, "Operations", props=OperationsProps(config=config, functions=(), dead_letter_queues={}, tables={})
    )
    return Assertions.from_stack(stack)


def test_the_alarm_topic_mails_the_stage_setting() -> None:
    template = operations_template(alarmEmail="trading-ops@example.com")
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "trading-ops@example.com"}
    )
    operations_template().resource_count_is("AWS::SNS::Subscription", 0)


def test_the_alarm_email_can_be_given_at_deploy_time(tmp_path_factory: pytest.TempPathFactory) -> None:
    app = build_app(
        {**NO_BUNDLING, "nag": False, "alarmEmail": "oncall@example.com"},
        outdir=str(tmp_path_factory.mktemp("cdk-mail")),
    )
    service = next(c for c in app.node.children if isinstance(c, cdk.Stack) and c.stack_name.endswith("-Service"))
    Assertions.from_stack(service).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )


@pytest.mark.parametrize("email", ["ops", "ops@", 42])
def test_an_alarm_email_must_be_one(email: object) -> None:
    with pytest.raises(ConfigError, match="alarmEmail must be an email address"):
        StageConfig.from_context("dev", {"dev": {**CONTEXT["stages"]["dev"], "alarmEmail": email}})
