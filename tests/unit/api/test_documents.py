"""The REST API documents: valid OpenAPI, their examples valid, every operation with its statuses."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.unit.api.schema_check import RENDERED, component, errors_of, media, validator
from trading_core import contracts
from trading_core.api import data_api, market_data_api, market_data_manager_api, orders_api
from trading_core.api.documents import DOCUMENTS
from trading_core.api.openapi import SchemaCollision, render
from trading_core.api.schemas import ErrorBody, OpenModel
from trading_core.api.spec import ApiDocument, Operation, Reply

NAMES = sorted(DOCUMENTS)
OPERATIONS = [
    pytest.param(operation, id=f"{document.name} {operation.method} {operation.path}")
    for document in DOCUMENTS.values()
    for operation in document.operations
]


def test_the_registry_holds_the_four_apis_by_their_short_names() -> None:
    assert {name: document.name for name, document in DOCUMENTS.items()} == {
        "orders-api": "orders-api",
        "data-api": "data-api",
        "market-data-api": "market-data-api",
        "market-data-manager-api": "market-data-manager-api",
    }
    assert [orders_api.NAME, data_api.NAME, market_data_api.NAME, market_data_manager_api.NAME] == [
        "orders-api",
        "data-api",
        "market-data-api",
        "market-data-manager-api",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_document_is_valid_openapi(name: str) -> None:
    validate(RENDERED[name])
    validate(render(DOCUMENTS[name]))  # without a server too


def test_the_validator_refuses_a_broken_document() -> None:
    broken = {**RENDERED["orders-api"], "paths": {"/orders": {"post": {"responses": {"200": {}}}}}}
    with pytest.raises(Exception, match="description"):
        validate(broken)


@pytest.mark.parametrize("name", NAMES)
def test_every_example_matches_its_schema(name: str) -> None:
    document = RENDERED[name]
    found = 0
    for where, body in media(document):
        if "example" in body:
            found += 1
            assert errors_of(validator(document, body["schema"]), body["example"]) == [], where
    assert found >= 2


def test_the_example_check_can_fail() -> None:
    check = component("ErrorBody")
    assert errors_of(check, {"message": "x", "errors": []}) == []
    assert errors_of(check, {"message": "x"})  # errors is required
    assert errors_of(component("Customer"), {"customerId": "1", "remainingFunds": 1.5})


def test_the_seed_order_is_the_orders_example() -> None:
    body = RENDERED["orders-api"]["paths"]["/orders"]["post"]["requestBody"]
    assert body["content"]["application/json"]["example"] == {
        "customerId": "000002",
        "direction": "Buy",
        "ticker": "COIN",
        "type": "Limit",
        "quantity": 8614,
        "price": "161.90",
    }
    assert body["required"] is True


@pytest.mark.parametrize("name", NAMES)
def test_operation_ids_and_routes_are_unique(name: str) -> None:
    operations = DOCUMENTS[name].operations
    assert len({operation.operation_id for operation in operations}) == len(operations)
    assert len({(operation.method, operation.path) for operation in operations}) == len(operations)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_path_parameters_are_the_path_variables(operation: Operation) -> None:
    assert [parameter.name for parameter in operation.path_parameters] == list(operation.path_variables)
    assert all(parameter.required for parameter in operation.path_parameters)
    names = [(parameter.location, parameter.name) for parameter in operation.parameters]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_documents_its_statuses(operation: Operation) -> None:
    statuses = [reply.status for reply in operation.replies]
    assert len(set(statuses)) == len(statuses)
    assert any(200 <= status < 300 for status in statuses)
    if operation.parameters or operation.request_body is not None:
        assert 400 in statuses, "a malformed parameter or body is a 400"
    if operation.api_key_required:
        assert {403, 429} <= set(statuses), "API Gateway answers these for the key"
    else:
        assert 403 not in statuses
    if any(parameter.name in ("customerId", "orderId") for parameter in operation.path_parameters):
        assert 404 in statuses, "a well-formed id of nothing is a 404"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_error_reply_is_the_error_body(operation: Operation) -> None:
    for reply in operation.replies:
        if reply.status >= 400:
            assert reply.schema is not None and issubclass(reply.schema, ErrorBody), reply.status


@pytest.mark.parametrize("operation", OPERATIONS)
def test_reply_bodies_stay_open(operation: Operation) -> None:
    """A client ignores keys it does not know, so a reply may grow."""
    for reply in operation.replies:
        if reply.schema is not None and issubclass(reply.schema, OpenModel):
            assert reply.schema.model_config.get("extra") == "allow"


@pytest.mark.parametrize("name", NAMES)
def test_every_document_serves_itself_without_a_key(name: str) -> None:
    document = DOCUMENTS[name]
    docs = document.operation("GET", "/openapi.json")
    assert docs.function == contracts.API_DOCS_FUNCTION
    assert not docs.api_key_required
    rendered = RENDERED[name]["paths"]["/openapi.json"]["get"]
    assert rendered["security"] == []
    assert all(
        operation["security"] == [{"ApiKey": []}]
        for path, item in RENDERED[name]["paths"].items()
        for operation in item.values()
        if path != "/openapi.json"
    )
    assert RENDERED[name]["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The API key of the stage's usage plan.",
    }


def test_the_functions_of_each_document() -> None:
    assert {name: set(document.functions) for name, document in DOCUMENTS.items()} == {
        "orders-api": {
            contracts.ORDER_ROUTER_FUNCTION,
            contracts.ORDER_CANCELLER_FUNCTION,
            contracts.API_DOCS_FUNCTION,
        },
        "data-api": {contracts.DATA_API_FUNCTION, contracts.CUSTOMER_ACCOUNTS_FUNCTION, contracts.API_DOCS_FUNCTION},
        "market-data-api": {contracts.MARKET_DATA_API_FUNCTION, contracts.API_DOCS_FUNCTION},
        "market-data-manager-api": {contracts.API_DOCS_FUNCTION},
    }
    assert market_data_manager_api.START_WORKFLOW.function is None  # the Step Functions integration


def test_the_operations_of_the_data_api() -> None:
    assert {(operation.method, operation.path): operation.function for operation in data_api.DOCUMENT.operations} == {
        ("GET", "/customers"): "customer_accounts",
        ("POST", "/customers"): "customer_accounts",
        ("GET", "/customers/{customerId}"): "data_api",
        ("POST", "/customers/{customerId}/deposits"): "customer_accounts",
        ("POST", "/customers/{customerId}/withdrawals"): "customer_accounts",
        ("GET", "/customers/{customerId}/positions"): "data_api",
        ("GET", "/customers/{customerId}/ledger"): "data_api",
        ("GET", "/customers/{customerId}/orders"): "data_api",
        ("GET", "/customers/{customerId}/portfolio"): "data_api",
        ("GET", "/trades/{customerId}"): "data_api",
        ("GET", "/tickers/{ticker}"): "data_api",
        ("GET", "/orders/{orderId}"): "data_api",
        ("GET", "/openapi.json"): "api_docs",
    }


def test_parameters_carry_their_hint_into_the_document() -> None:
    parameter = RENDERED["data-api"]["paths"]["/customers/{customerId}/ledger"]["get"]["parameters"][1]
    assert parameter["name"] == "limit"
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
    assert parameter["description"].endswith("Otherwise 400, `limit` must be an integer from 1 to 500.")
    assert parameter["required"] is False


def test_two_models_of_one_name_are_refused() -> None:
    class Customer(OpenModel):  # not the data API's Customer
        other: int

    document = ApiDocument(
        "x",
        "X",
        "",
        (
            Operation("GET", "/a", "a", "a", None, replies=(Reply(200, "a", data_api.GET_CUSTOMER.reply(200).schema),)),
            Operation("GET", "/b", "b", "b", None, replies=(Reply(200, "b", Customer),)),
        ),
    )
    with pytest.raises(SchemaCollision, match="Customer"):
        render(document)


def _statuses(document: dict[str, Any], method: str, path: str) -> list[str]:
    return list(document["paths"][path][method]["responses"])


def test_the_orders_statuses() -> None:
    assert _statuses(RENDERED["orders-api"], "post", "/orders") == [
        "200",
        "400",
        "403",
        "429",
        "409",
        "413",
        "422",
        "503",
    ]
    assert _statuses(RENDERED["orders-api"], "delete", "/orders/{orderId}") == [
        "200",
        "400",
        "403",
        "429",
        "404",
        "409",
    ]
