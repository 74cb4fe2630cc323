"""The router, the order book and the data API get what the market price needs of them (docs/market-data.md
"For the router and the pools"), and nothing more: environment, MarketData table actions, workflow B, the
invoke mode, the quote-summary function the router looks unknown tickers up with. The pools read no market
data: they fill at the price the order carries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import (
    Synthesized,
    as_list,
    function_logical_id,
    props,
    resources,
    role_statements,
)

TICKER_MAP_WORKFLOW = "trading-system-dev-market-data-ticker-map"


def _environment(dev: Synthesized, name: str) -> dict[str, Any]:
    return dict(props(dev.service["Resources"][function_logical_id(dev.service, name)])["Environment"]["Variables"])


def _state_machine_id(dev: Synthesized, name: str) -> str:
    (logical_id,) = (
        k
        for k, r in resources(dev.service, "AWS::StepFunctions::StateMachine").items()
        if props(r)["StateMachineName"] == name
    )
    return logical_id


def _market_data_table_name_export(dev: Synthesized) -> Any:
    """How the Service stack refers to the MarketData table's name (as the fetching functions do)."""
    return _environment(dev, "market_data_api")["MARKET_DATA_TABLE_NAME"]


def _market_data_actions(dev: Synthesized, name: str) -> set[str]:
    """The DynamoDB actions the function has on the MarketData table (by its ARN export)."""
    actions: set[str] = set()
    for statement in role_statements(dev.service, function_logical_id(dev.service, name)):
        if "MarketData" in json.dumps(statement["Resource"]) and "dynamodb:" in json.dumps(statement["Action"]):
            actions.update(as_list(statement["Action"]))
    return actions


def _function_id(dev: Synthesized, name: str) -> str:
    return function_logical_id(dev.service, name)


def test_router_environment(dev: Synthesized) -> None:
    env = _environment(dev, "order_router")
    assert env["MARKET_DATA_TABLE_NAME"] == _market_data_table_name_export(dev)
    assert env["MARKET_DATA_TICKER_MAP_WORKFLOW_ARN"] == {"Ref": _state_machine_id(dev, TICKER_MAP_WORKFLOW)}
    assert env["EVENT_BUS_NAME"] == {"Ref": next(iter(resources(dev.service, "AWS::Events::EventBus")))}
    assert env["TICKER_LOOKUP_FUNCTION_NAME"] == {"Ref": _function_id(dev, "quote_summary")}


def test_the_router_may_invoke_the_quote_summary_function_and_no_other(dev: Synthesized) -> None:
    statements = role_statements(dev.service, _function_id(dev, "order_router"))
    invokes = [s for s in statements if any(a.startswith("lambda:") for a in as_list(s["Action"]))]
    assert invokes == [
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_function_id(dev, "quote_summary"), "Arn"]},
        }
    ]


def test_the_data_api_may_invoke_the_historical_data_function_and_no_other(dev: Synthesized) -> None:
    """A portfolio's missing closes: the data API loads the history synchronously (HISTORY_LOOKUP_FUNCTION_NAME)."""
    assert _environment(dev, "data_api")["HISTORY_LOOKUP_FUNCTION_NAME"] == {
        "Ref": _function_id(dev, "historical_data")
    }
    statements = role_statements(dev.service, _function_id(dev, "data_api"))
    invokes = [s for s in statements if any(a.startswith("lambda:") for a in as_list(s["Action"]))]
    assert invokes == [
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_function_id(dev, "historical_data"), "Arn"]},
        }
    ]
    for name in ("order_router", "order_book", "customer_accounts", "api_docs"):
        assert "HISTORY_LOOKUP_FUNCTION_NAME" not in _environment(dev, name), name


@pytest.mark.parametrize("name", ["dark_pool", "lit_pool"])
def test_pools_read_no_market_data(dev: Synthesized, name: str) -> None:
    env = _environment(dev, name)
    assert "MARKET_DATA_TABLE_NAME" not in env
    assert "MARKET_DATA_TICKER_MAP_WORKFLOW_ARN" not in env
    assert "TICKER_LOOKUP_FUNCTION_NAME" not in env
    assert _market_data_actions(dev, name) == set()


@pytest.mark.parametrize("name", ["data_api", "order_book"])
def test_the_other_market_price_readers_environment(dev: Synthesized, name: str) -> None:
    env = _environment(dev, name)
    assert env["MARKET_DATA_TABLE_NAME"] == _market_data_table_name_export(dev)
    assert "MARKET_DATA_TICKER_MAP_WORKFLOW_ARN" not in env
    assert "TICKER_LOOKUP_FUNCTION_NAME" not in env


@pytest.mark.parametrize(
    ("name", "actions"),
    [
        ("order_router", {"dynamodb:BatchGetItem", "dynamodb:Query"}),
        ("order_book", {"dynamodb:BatchGetItem", "dynamodb:Query"}),
        ("data_api", {"dynamodb:BatchGetItem", "dynamodb:Query"}),
        ("dark_pool", set()),
        ("lit_pool", set()),
    ],
)
def test_market_data_table_access_is_read_only_and_exact(dev: Synthesized, name: str, actions: set[str]) -> None:
    assert _market_data_actions(dev, name) == actions


def test_only_the_router_reads_the_close_time(dev: Synthesized) -> None:
    (close_id,) = (
        k
        for k, p in resources(dev.service, "AWS::SSM::Parameter").items()
        if props(p)["Name"] == "/trading-system/dev/market-close-time"
    )
    readers = {
        props(f)["FunctionName"]
        for k, f in resources(dev.service, "AWS::Lambda::Function").items()
        if "FunctionName" in props(f)
        and any(
            close_id in json.dumps(s["Resource"])
            for s in role_statements(dev.service, k)
            if any(a.startswith("ssm:") for a in as_list(s["Action"]))
        )
    }
    assert readers == {"trading-system-dev-order-router"}
    assert props(dev.service["Resources"][close_id])["Value"] == "21:00"


def test_router_may_start_workflow_b_only(dev: Synthesized) -> None:
    statements = role_statements(dev.service, function_logical_id(dev.service, "order_router"))
    states = [s for s in statements if any(a.startswith("states:") for a in as_list(s["Action"]))]
    workflow = {"Ref": _state_machine_id(dev, TICKER_MAP_WORKFLOW)}
    assert states == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": workflow}]


def test_router_puts_events_on_the_bus(dev: Synthesized) -> None:
    (bus_id,) = resources(dev.service, "AWS::Events::EventBus")
    statements = role_statements(dev.service, function_logical_id(dev.service, "order_router"))
    put_events = [s for s in statements if "events:PutEvents" in as_list(s["Action"])]
    assert [s["Resource"] for s in put_events] == [{"Fn::GetAtt": [bus_id, "Arn"]}]


def test_only_the_router_reads_the_invoke_mode(dev: Synthesized) -> None:
    (mode_id,) = (
        k
        for k, p in resources(dev.service, "AWS::SSM::Parameter").items()
        if props(p)["Name"] == "/trading-system/dev/market-data-invoke-mode"
    )
    readers = {
        props(f)["FunctionName"]
        for k, f in resources(dev.service, "AWS::Lambda::Function").items()
        if "FunctionName" in props(f)
        and any(
            mode_id in json.dumps(s["Resource"])
            for s in role_statements(dev.service, k)
            if any(a.startswith("ssm:") for a in as_list(s["Action"]))
        )
    }
    assert readers == {"trading-system-dev-order-router"}


def test_the_request_rule_matches_what_the_router_sends(dev: Synthesized) -> None:
    from trading_core.contracts import MARKET_DATA_REQUEST_DETAIL_TYPE, ROUTER_SOURCE

    (rule,) = (
        props(r)
        for r in resources(dev.service, "AWS::Events::Rule").values()
        if props(r)["Name"] == "trading-system-dev-MarketDataRequests"
    )
    assert (ROUTER_SOURCE, MARKET_DATA_REQUEST_DETAIL_TYPE) == ("SmartOrderRouter", "MarketData")  # docs/contracts.md
    assert rule["EventPattern"] == {"source": ["SmartOrderRouter"], "detail-type": ["MarketData"]}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": _state_machine_id(dev, "trading-system-dev-market-data-parallel-fetch")}
