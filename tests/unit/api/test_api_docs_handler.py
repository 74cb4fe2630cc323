"""The docs function: each API's document with the URL it was asked at as its server; 500 for no document."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from lambdas.api_docs import handler
from tests.integration.api_events import api_event, json_body, lambda_context
from trading_core.api.documents import DOCUMENTS


def docs_event(name: str | None, **overrides: Any) -> dict[str, Any]:
    event = api_event("GET", "/openapi.json", resource="/openapi.json")
    event["stageVariables"] = None if name is None else {"openApiDocument": name}
    return {**event, **overrides}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_api_gets_its_document(name: str) -> None:
    response = handler.lambda_handler(docs_event(name), lambda_context("api_docs"))
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    document = json_body(response)
    validate(document)
    assert document["info"]["title"] == DOCUMENTS[name].title
    assert document["servers"] == [{"url": "https://abc123.execute-api.us-east-1.amazonaws.com/dev/"}]


def test_a_request_through_the_local_cloud_names_its_local_url() -> None:
    """The local gateway serves `http://host/{apiId}/{stage}/...` and says so as API Gateway does."""
    event = docs_event("data-api")
    event["headers"] = {"Host": "127.0.0.1:8200", "X-Forwarded-Proto": "http", "Accept": "*/*"}
    event["requestContext"] = {**event["requestContext"], "path": "/fei8letltj/dev/openapi.json"}
    response = handler.lambda_handler(event, lambda_context("api_docs"))
    assert json_body(response)["servers"] == [{"url": "http://127.0.0.1:8200/fei8letltj/dev/"}]


def test_a_custom_domain_keeps_its_base_path() -> None:
    event = docs_event("orders-api")
    event["headers"] = {"Host": "api.example.com", "X-Forwarded-Proto": "https"}
    event["requestContext"] = {**event["requestContext"], "path": "/trading/openapi.json"}
    assert handler.server_url(event) == "https://api.example.com/trading/"


@pytest.mark.parametrize("name", ["no-such-api", None])
def test_an_api_without_a_document_is_a_500(name: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[tuple[str, Any]] = []
    monkeypatch.setattr(handler.logger, "error", lambda message, **kwargs: logged.append((message, kwargs)))
    response = handler.lambda_handler(docs_event(name), lambda_context("api_docs"))
    assert response["statusCode"] == 500
    body = json_body(response)
    assert body["errors"] == [] and "names no OpenAPI document" in body["message"]
    assert logged == [
        ("no OpenAPI document for this API", {"extra": {"stageVariable": "openApiDocument", "document": name}})
    ]
