"""REST APIs: every method needs an API key; the usage plan carries the stage's throttle and quota."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infrastructure.conftest import CONTEXT, Synthesized, function_logical_id, props, resources

DATA_PATHS = {
    "/customers/{customerId}": set(),
    "/customers/{customerId}/positions": set(),
    "/customers/{customerId}/ledger": {"nextToken", "limit"},
    "/trades/{customerId}": {"tradeDate", "nextToken", "limit"},
    "/tickers/{ticker}": {"date"},
    "/orders/{orderId}": set(),
}


def _apis(dev: Synthesized) -> dict[str, str]:
    return {props(a)["Name"]: k for k, a in resources(dev.service, "AWS::ApiGateway::RestApi").items()}


def _paths(template: dict[str, Any], api_id: str) -> dict[str, str]:
    """Resource logical id -> full path, for one API."""
    nodes = {
        k: props(r)
        for k, r in resources(template, "AWS::ApiGateway::Resource").items()
        if props(r)["RestApiId"] == {"Ref": api_id}
    }

    def path(logical_id: str) -> str:
        node = nodes[logical_id]
        parent = node["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{node['PathPart']}"

    return {k: path(k) for k in nodes}


def _methods(dev: Synthesized, api_name: str) -> dict[tuple[str, str], dict[str, Any]]:
    api_id = _apis(dev)[api_name]
    paths = _paths(dev.service, api_id)
    return {
        (props(m)["HttpMethod"], paths[props(m)["ResourceId"]["Ref"]]): props(m)
        for m in resources(dev.service, "AWS::ApiGateway::Method").values()
        if props(m)["RestApiId"] == {"Ref": api_id}
    }


def _proxies_to(method: dict[str, Any], function_id: str) -> bool:
    integration = method["Integration"]
    parts = integration["Uri"]["Fn::Join"][1]
    return integration["Type"] == "AWS_PROXY" and {"Fn::GetAtt": [function_id, "Arn"]} in parts


def test_post_orders(dev: Synthesized) -> None:
    methods = _methods(dev, "trading-system-dev-orders-api")
    assert set(methods) == {("POST", "/orders"), ("DELETE", "/orders/{orderId}")}
    method = methods[("POST", "/orders")]
    assert method["ApiKeyRequired"] is True
    assert "RequestValidatorId" in method
    assert _proxies_to(method, function_logical_id(dev.service, "order_router"))


def test_delete_order_proxies_to_the_canceller(dev: Synthesized) -> None:
    method = _methods(dev, "trading-system-dev-orders-api")[("DELETE", "/orders/{orderId}")]
    assert method["ApiKeyRequired"] is True
    assert method["RequestParameters"] == {"method.request.path.orderId": True}
    assert _proxies_to(method, function_logical_id(dev.service, "order_canceller"))


def test_data_api_methods(dev: Synthesized) -> None:
    methods = _methods(dev, "trading-system-dev-data-api")
    assert set(methods) == {("GET", path) for path in DATA_PATHS}
    data_api = function_logical_id(dev.service, "data_api")
    for (_, path), method in methods.items():
        assert method["ApiKeyRequired"] is True, path
        assert _proxies_to(method, data_api), path
        parameters = method["RequestParameters"]
        path_parameters = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        required = {k.rsplit(".", 1)[1] for k, v in parameters.items() if ".path." in k and v is True}
        assert required == path_parameters, path
        assert "RequestValidatorId" in method, path
        optional = {k.rsplit(".", 1)[1] for k, v in parameters.items() if ".querystring." in k and v is False}
        assert optional == DATA_PATHS[path]


@pytest.mark.parametrize(
    "api_name",
    ["trading-system-dev-orders-api", "trading-system-dev-data-api", "trading-system-dev-market-data-api"],
)
def test_stage_logging_and_tracing(dev: Synthesized, api_name: str) -> None:
    api_id = _apis(dev)[api_name]
    (stage,) = (
        props(s)
        for s in resources(dev.service, "AWS::ApiGateway::Stage").values()
        if props(s)["RestApiId"] == {"Ref": api_id}
    )
    assert stage["StageName"] == "dev"
    assert stage["TracingEnabled"] is True
    assert "DestinationArn" in stage["AccessLogSetting"]
    assert stage["MethodSettings"][0]["LoggingLevel"] in {"ERROR", "INFO"}


def test_usage_plan(dev: Synthesized) -> None:
    settings = CONTEXT["stages"]["dev"]
    (plan,) = (props(p) for p in resources(dev.service, "AWS::ApiGateway::UsagePlan").values())
    assert plan["Throttle"] == {
        "RateLimit": settings["apiThrottle"]["rateLimit"],
        "BurstLimit": settings["apiThrottle"]["burstLimit"],
    }
    assert plan["Quota"] == {"Limit": settings["apiQuotaPerDay"], "Period": "DAY"}
    assert {s["ApiId"]["Ref"] for s in plan["ApiStages"]} == set(_apis(dev).values())
    (key_id,) = resources(dev.service, "AWS::ApiGateway::ApiKey")
    (link,) = (props(k) for k in resources(dev.service, "AWS::ApiGateway::UsagePlanKey").values())
    assert link["KeyId"] == {"Ref": key_id}


def test_service_outputs(dev: Synthesized) -> None:
    outputs = dev.service["Outputs"]
    assert set(outputs) == {
        "OrdersApiUrl",
        "DataApiUrl",
        "EventBusName",
        "OrdersTopicArn",
        "ApiKeyId",
        "MarketDataApiUrl",
        "MarketDataManagerApiUrl",
        "MarketDataParallelFetchWorkflowArn",
        "MarketDataTickerMapWorkflowArn",
    }
    (key_id,) = resources(dev.service, "AWS::ApiGateway::ApiKey")
    assert outputs["ApiKeyId"]["Value"] == {"Ref": key_id}
    assert "BootstrapVersion" in dev.service["Parameters"]
