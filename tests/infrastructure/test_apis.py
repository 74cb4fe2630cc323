"""REST APIs: the methods are the documents' operations (API key where the document says, declared
parameters), the stage names the document, API Gateway's own errors have the project's body, the usage plan
carries the stage's throttle and quota."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infrastructure.conftest import CONTEXT, Synthesized, function_logical_id, props, resources
from trading_core.api.documents import DOCUMENTS
from trading_core.api.spec import Operation

API_NAMES = {
    "orders-api": "trading-system-dev-orders-api",
    "data-api": "trading-system-dev-data-api",
    "market-data-api": "trading-system-dev-market-data-api",
    "market-data-manager-api": "trading-system-dev-market-data-manager-api",
}
# The routes of issue 10 (docs/contracts.md "REST APIs", /tmp design): method, path -> the function serving it
# (None: a service integration). Independent of the documents, so a route lost from a document is noticed too.
ROUTES: dict[str, dict[tuple[str, str], str | None]] = {
    "orders-api": {
        ("POST", "/orders"): "order_router",
        ("DELETE", "/orders/{orderId}"): "order_canceller",
        ("GET", "/openapi.json"): "api_docs",
    },
    "data-api": {
        ("GET", "/customers"): "customer_accounts",
        ("POST", "/customers"): "customer_accounts",
        ("POST", "/customers/{customerId}/deposits"): "customer_accounts",
        ("POST", "/customers/{customerId}/withdrawals"): "customer_accounts",
        ("GET", "/customers/{customerId}"): "data_api",
        ("GET", "/customers/{customerId}/positions"): "data_api",
        ("GET", "/customers/{customerId}/ledger"): "data_api",
        ("GET", "/customers/{customerId}/orders"): "data_api",
        ("GET", "/customers/{customerId}/portfolio"): "data_api",
        ("GET", "/trades/{customerId}"): "data_api",
        ("GET", "/tickers/{ticker}"): "data_api",
        ("GET", "/orders/{orderId}"): "data_api",
        ("GET", "/openapi.json"): "api_docs",
    },
    "market-data-api": {
        ("GET", "/quote-summary/{ticker}"): "market_data_api",
        ("DELETE", "/quote-summary/{ticker}"): "market_data_api",
        ("GET", "/history/{ticker}"): "market_data_api",
        ("DELETE", "/history/{ticker}"): "market_data_api",
        ("GET", "/openapi.json"): "api_docs",
    },
    "market-data-manager-api": {
        ("POST", "/"): None,
        ("GET", "/openapi.json"): "api_docs",
    },
}
ERROR_BODY = '{"message": $context.error.messageString, "errors": []}'


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

    return {k: path(k) for k in nodes} | {"": "/"}


def _methods(dev: Synthesized, api_name: str) -> dict[tuple[str, str], dict[str, Any]]:
    api_id = _apis(dev)[api_name]
    paths = _paths(dev.service, api_id)
    return {
        (props(m)["HttpMethod"], paths[props(m)["ResourceId"].get("Ref", "")]): props(m)
        for m in resources(dev.service, "AWS::ApiGateway::Method").values()
        if props(m)["RestApiId"] == {"Ref": api_id}
    }


def _proxies_to(method: dict[str, Any], function_id: str) -> bool:
    integration = method["Integration"]
    parts = integration["Uri"]["Fn::Join"][1]
    return integration["Type"] == "AWS_PROXY" and {"Fn::GetAtt": [function_id, "Arn"]} in parts


def _expected_parameters(operation: Operation) -> dict[str, bool]:
    """What the method must declare: path parameters required, query parameters optional (the function answers
    a missing or malformed one with a field-level 400), headers as the document says."""
    location = {"path": "path", "query": "querystring", "header": "header"}
    return {
        f"method.request.{location[p.location]}.{p.name}": (
            True if p.location == "path" else False if p.location == "query" else p.required
        )
        for p in operation.parameters
    }


@pytest.mark.parametrize("document", list(DOCUMENTS), ids=str)
def test_the_methods_are_the_documents_operations(dev: Synthesized, document: str) -> None:
    """Every operation of the document is a method with its key requirement and parameters, and there is no
    other method: the deployed API and its OpenAPI document cannot differ."""
    methods = _methods(dev, API_NAMES[document])
    operations = {(o.method, o.path): o for o in DOCUMENTS[document].operations}
    assert set(methods) == set(operations)
    for key, operation in operations.items():
        method = methods[key]
        assert method["ApiKeyRequired"] is operation.api_key_required, key
        assert method.get("RequestParameters", {}) == _expected_parameters(operation), key
        assert method["OperationName"] == operation.operation_id, key
        assert "RequestValidatorId" in method, key
        if operation.function is not None:
            assert _proxies_to(method, function_logical_id(dev.service, operation.function)), key


@pytest.mark.parametrize("document", list(ROUTES), ids=str)
def test_the_routes_of_each_api(dev: Synthesized, document: str) -> None:
    methods = _methods(dev, API_NAMES[document])
    assert set(methods) == set(ROUTES[document])
    for key, function in ROUTES[document].items():
        if function is None:
            assert methods[key]["Integration"]["Type"] == "AWS", key
        else:
            assert _proxies_to(methods[key], function_logical_id(dev.service, function)), key
        # Only the OpenAPI document is public.
        assert methods[key]["ApiKeyRequired"] is (key != ("GET", "/openapi.json")), key


def test_path_parameters_are_required_and_query_parameters_optional(dev: Synthesized) -> None:
    data = _methods(dev, API_NAMES["data-api"])
    assert data[("GET", "/customers/{customerId}/orders")]["RequestParameters"] == {
        "method.request.path.customerId": True,
        "method.request.querystring.status": False,
        "method.request.querystring.from": False,
        "method.request.querystring.to": False,
        "method.request.querystring.limit": False,
        "method.request.querystring.nextToken": False,
    }
    assert data[("POST", "/customers")]["RequestParameters"] == {"method.request.header.Idempotency-Key": False}
    orders = _methods(dev, API_NAMES["orders-api"])
    assert orders[("DELETE", "/orders/{orderId}")]["RequestParameters"] == {"method.request.path.orderId": True}
    assert "RequestParameters" not in orders[("GET", "/openapi.json")]


@pytest.mark.parametrize("document", list(API_NAMES), ids=str)
def test_the_stage_names_the_document(dev: Synthesized, document: str) -> None:
    """`api_docs` serves every API; the stage variable `openApiDocument` says which document is this one's."""
    api_id = _apis(dev)[API_NAMES[document]]
    (stage,) = (
        props(s)
        for s in resources(dev.service, "AWS::ApiGateway::Stage").values()
        if props(s)["RestApiId"] == {"Ref": api_id}
    )
    assert stage["Variables"] == {"openApiDocument": document}


@pytest.mark.parametrize("document", list(API_NAMES), ids=str)
def test_errors_of_the_gateway_have_the_project_body(dev: Synthesized, document: str) -> None:
    """Unknown route, missing key, throttling, a failed function: API Gateway's own answers keep their status
    and carry `{"message", "errors": []}` as JSON."""
    api_id = _apis(dev)[API_NAMES[document]]
    responses = {
        props(r)["ResponseType"]: props(r)
        for r in resources(dev.service, "AWS::ApiGateway::GatewayResponse").values()
        if props(r)["RestApiId"] == {"Ref": api_id}
    }
    for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
        response = responses[response_type]
        assert "StatusCode" not in response, response_type
        assert response["ResponseTemplates"] == {"application/json": ERROR_BODY}
        assert response["ResponseParameters"] == {"gatewayresponse.header.Content-Type": "'application/json'"}
    for response in responses.values():
        for template in response["ResponseTemplates"].values():
            json.loads(template.replace("$context.error.messageString", '"Forbidden"'))
            assert "$util" not in template and "#" not in template  # not VTL: simple substitution only


def test_the_openapi_documents_are_served_by_api_docs(dev: Synthesized) -> None:
    docs = function_logical_id(dev.service, "api_docs")
    env = props(dev.service["Resources"][docs])["Environment"]["Variables"]
    assert not {"TRADES_TABLE_NAME", "MARKET_DATA_TABLE_NAME", "EVENT_BUS_NAME"} & set(env)
    permissions = [
        props(p)
        for p in resources(dev.service, "AWS::Lambda::Permission").values()
        if props(p)["FunctionName"] == {"Fn::GetAtt": [docs, "Arn"]}
    ]
    assert len(permissions) == len(API_NAMES)  # one GET /openapi.json per API
    assert all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)


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
        "OrdersApiOpenApiUrl",
        "DataApiUrl",
        "DataApiOpenApiUrl",
        "MarketDataApiOpenApiUrl",
        "MarketDataManagerApiOpenApiUrl",
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
    for api in ("OrdersApi", "DataApi", "MarketDataApi", "MarketDataManagerApi"):
        url = outputs[f"{api}Url"]["Value"]["Fn::Join"]
        openapi = outputs[f"{api}OpenApiUrl"]["Value"]["Fn::Join"]
        assert openapi == ["", [*url[1], "openapi.json"]] or openapi == [
            "",
            [*url[1][:-1], url[1][-1] + "openapi.json"],
        ]
