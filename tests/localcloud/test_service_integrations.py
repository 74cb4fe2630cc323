"""API Gateway `AWS` integrations: body models, the BAD_REQUEST_BODY gateway response, mapping templates,
integration responses chosen by status code, and the unsupported-media-type rule of passthrough NEVER."""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.gateway.catalog import (
    ApiCatalog,
    ApiKey,
    ApiMethod,
    ApiResource,
    AwsServiceIntegration,
    GatewayResponse,
    IntegrationResponse,
    RestApi,
    UsagePlan,
    service_action_from_uri,
)
from localcloud.gateway.data_plane import Gateway

KEY = "k" * 30
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:tickers"
SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["detail"],
    "additionalProperties": False,
    "properties": {
        "detail": {
            "type": "object",
            "required": ["tickers"],
            "properties": {"tickers": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
        }
    },
}
REQUEST_TEMPLATE = (
    '{"stateMachineArn": "' + MACHINE + '", '
    '"input": "$util.escapeJavaScript($input.json(\'$\')).replaceAll("\\\\\'", "\'")"}'
)
INVALID_BODY = (
    '{"message": "invalid request", "errors": [{"field": "body", "message": "$context.error.validationErrorString"}]}'
)


class FakeStates:
    """Answers StartExecution like the service; records the rendered request bodies."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.answer: tuple[int, str] = (200, json.dumps({"executionArn": f"{MACHINE}:e1", "startDate": 1.5}))

    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        self.calls.append((service, action, region, json.loads(body)))
        return self.answer


class NoFunctions:
    """The gateway's Lambda invoker: the API integrates with Step Functions only, so nothing invokes it."""

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        raise AssertionError(f"unexpected invocation of {name_or_arn}")


def catalog() -> ApiCatalog:
    integration = AwsServiceIntegration(
        service="states",
        action="StartExecution",
        region="us-east-1",
        request_templates={"application/json": REQUEST_TEMPLATE},
        passthrough_behavior="NEVER",
        responses=(
            IntegrationResponse("200"),
            IntegrationResponse("502", r"[45]\d{2}", {"application/json": '{"error": "$input.path(\'$.__type\')"}'}),
        ),
    )
    method = ApiMethod(
        "POST", True, "AWS", "", validator_id="body", request_models={"application/json": "Tickers"}, aws=integration
    )
    api = RestApi(
        id="mgr1",
        name="manager",
        logical_id="Api",
        root_resource_id="r0",
        stages={"dev": {}},
        resources={"r0": ApiResource(id="r0", parent_id=None, path_part="", methods={"POST": method})},
        validators={"body": (True, True)},
        models={"Tickers": SCHEMA},
        gateway_responses={"BAD_REQUEST_BODY": GatewayResponse(400, {"application/json": INVALID_BODY})},
    )
    return ApiCatalog(
        apis={api.id: api},
        keys={"key1": ApiKey("key1", "clients", KEY, True)},
        plans={"plan1": UsagePlan("plan1", "plan", stages={("mgr1", "dev")}, key_ids={"key1"})},
    )


@pytest.fixture
def served() -> Iterator[tuple[Gateway, FakeStates]]:
    states = FakeStates()
    gateway = Gateway(catalog(), runtime=NoFunctions(), aws=states).start()
    yield gateway, states
    gateway.close()


def post(gateway: Gateway, body: bytes, content_type: str | None = "application/json") -> tuple[int, Any]:
    headers = {"x-api-key": KEY} | ({"Content-Type": content_type} if content_type else {})
    request = urllib.request.Request(f"{gateway.base_url}/mgr1/dev/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_request_template_turns_the_body_into_the_action_request(served: tuple[Gateway, FakeStates]) -> None:
    gateway, states = served
    body = {"detail": {"tickers": ["AAPL", 'it\'s "quoted"']}}

    status, answer = post(gateway, json.dumps(body).encode())

    assert (status, answer) == (200, {"executionArn": f"{MACHINE}:e1", "startDate": 1.5})
    [(service, action, region, request)] = states.calls
    assert (service, action, region, request["stateMachineArn"]) == ("states", "StartExecution", "us-east-1", MACHINE)
    assert json.loads(request["input"]) == body


def test_a_body_failing_the_model_gets_the_gateway_response_naming_each_field(
    served: tuple[Gateway, FakeStates],
) -> None:
    gateway, states = served
    status, answer = post(gateway, b'{"detail": {"tickers": []}, "extra": "it\'s"}')

    assert status == 400
    assert answer["message"] == "invalid request"
    [error] = answer["errors"]
    assert error["field"] == "body"
    assert "/detail/tickers: [] should be non-empty" in error["message"]
    assert "/: Additional properties are not allowed ('extra' was unexpected)" in error["message"]
    assert post(gateway, b"not json")[0] == 400
    assert states.calls == []  # nothing started


def test_a_content_type_without_a_template_is_refused_with_passthrough_never(
    served: tuple[Gateway, FakeStates],
) -> None:
    gateway, states = served
    assert post(gateway, b"AAPL", "text/plain") == (415, {"message": "Unsupported Media Type"})
    assert post(gateway, b'{"detail": {"tickers": ["AAPL"]}}', "application/json; charset=utf-8")[0] == 200
    assert len(states.calls) == 1


def test_a_service_error_goes_through_the_matching_integration_response(served: tuple[Gateway, FakeStates]) -> None:
    gateway, states = served
    states.answer = (400, json.dumps({"__type": "StateMachineDoesNotExist", "message": "gone"}))
    assert post(gateway, b'{"detail": {"tickers": ["AAPL"]}}') == (502, {"error": "StateMachineDoesNotExist"})


def test_service_action_uris() -> None:
    assert service_action_from_uri("arn:aws:apigateway:eu-west-1:states:action/StartExecution") == (
        "eu-west-1",
        "states",
        "StartExecution",
    )
    with pytest.raises(ValueError, match="action"):
        service_action_from_uri("arn:aws:apigateway:eu-west-1:s3:path/bucket/key")


UNSUPPORTED = '{"message": "invalid request", "errors": [{"field": "body", "message": "the body must be JSON"}]}'


@pytest.fixture
def any_content_type() -> Iterator[tuple[Gateway, FakeStates]]:
    """The manager API's shape: one `$default` model, the same template for three media types, NEVER, and
    UNSUPPORTED_MEDIA_TYPE answered as a 400."""
    built = catalog()
    api = built.apis["mgr1"]
    method = api.resources["r0"].methods["POST"]
    assert method.aws is not None
    templates = {
        media: REQUEST_TEMPLATE for media in ("application/json", "application/x-www-form-urlencoded", "text/plain")
    }
    method.aws = dataclasses.replace(method.aws, request_templates=templates)
    method.request_models = {"$default": "Tickers"}
    api.gateway_responses["UNSUPPORTED_MEDIA_TYPE"] = GatewayResponse(400, {"application/json": UNSUPPORTED})
    states = FakeStates()
    gateway = Gateway(built, runtime=NoFunctions(), aws=states).start()
    yield gateway, states
    gateway.close()


@pytest.mark.parametrize("media_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_of_any_templated_content_type_starts_the_action(
    any_content_type: tuple[Gateway, FakeStates], media_type: str
) -> None:
    gateway, states = any_content_type
    body = {"detail": {"tickers": ["AAPL"]}}
    assert post(gateway, json.dumps(body).encode(), media_type)[0] == 200
    assert json.loads(states.calls[-1][3]["input"]) == body


def test_the_default_model_validates_every_content_type_and_an_untemplated_one_is_the_gateway_response(
    any_content_type: tuple[Gateway, FakeStates],
) -> None:
    gateway, states = any_content_type
    status, answer = post(gateway, b'{"detail": {"tickers": []}}', "text/plain")
    assert (status, answer["message"]) == (400, "invalid request")
    assert "/detail/tickers: [] should be non-empty" in answer["errors"][0]["message"]
    assert post(gateway, b'{"detail": {"tickers": ["AAPL"]}}', "application/xml") == (400, json.loads(UNSUPPORTED))
    assert states.calls == []
