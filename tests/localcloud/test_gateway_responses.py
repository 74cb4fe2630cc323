"""Gateway responses and stage variables: the errors the gateway answers itself, as the API customises them.

API Gateway's rules: the response of the error's own type, else DEFAULT_4XX / DEFAULT_5XX, else its
default `{"message": …}`; the chosen response's status code, else the error's; templates are simple
substitution of `$context` and `$stageVariables` (no VTL); headers from `ResponseParameters`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from localcloud.gateway import gateway_responses
from localcloud.gateway.catalog import (
    ApiCatalog,
    ApiKey,
    ApiMethod,
    ApiResource,
    AwsServiceIntegration,
    GatewayResponse,
    RestApi,
    UsagePlan,
)
from localcloud.gateway.data_plane import Gateway
from localcloud.records import DeployError
from tests.localcloud.test_deployer import aws, deployer, only  # noqa: F401 (aws: the moto fixture)

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:api"
KEY = "k" * 30
DEFAULT_4XX = '{"message": $context.error.messageString, "errors": []}'
MISSING = b'{"message": "Missing Authentication Token", "errors": []}'
ERROR_TEMPLATE = (
    '{"message": $context.error.messageString, "type": "$context.error.responseType", '
    '"stage": "$stageVariables.table", "request": "$context.requestId", "errors": []}'
)


class Function:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.reply: tuple[Any, bool] = ({"statusCode": 200, "body": "{}"}, False)

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        self.events.append(event)
        return self.reply


def catalog(responses: dict[str, GatewayResponse], variables: dict[str, str] | None = None) -> ApiCatalog:
    method = ApiMethod("GET", True, "AWS_PROXY", FUNCTION, required_parameters=("querystring.day",), validator_id="v")
    service = AwsServiceIntegration(
        "states", "StartExecution", "us-east-1", {"application/json": "{}"}, passthrough_behavior="NEVER"
    )
    api = RestApi(
        id="api1",
        name="api",
        logical_id="Api",
        root_resource_id="r0",
        stages={"dev": dict(variables or {})},
        resources={
            "r0": ApiResource("r0", None, "", {"POST": ApiMethod("POST", False, "AWS", "", aws=service)}),
            "r1": ApiResource("r1", "r0", "items", {"GET": method}),
            "r2": ApiResource("r2", "r0", "{id}", {"GET": ApiMethod("GET", False, "AWS_PROXY", FUNCTION)}),
        },
        validators={"v": (False, True)},
        gateway_responses=responses,
    )
    return ApiCatalog(
        apis={api.id: api},
        keys={"key1": ApiKey("key1", "clients", KEY, True)},
        plans={"plan1": UsagePlan("plan1", "plan", stages={("api1", "dev")}, key_ids={"key1"})},
    )


@pytest.fixture
def serve() -> Iterator[Any]:
    gateways: list[Gateway] = []

    def start(catalog: ApiCatalog, function: Function | None = None) -> Gateway:
        gateway = Gateway(catalog, function or Function()).start()
        gateways.append(gateway)
        return gateway

    yield start
    for gateway in gateways:
        gateway.close()


def call(
    gateway: Gateway, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(f"{gateway.base_url}{path}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_without_gateway_responses_api_gateway_defaults_answer(serve: Any) -> None:
    gateway = serve(catalog({}))
    cases = [
        ("GET", "/api1/dev/no/route", {}, 403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
        ("GET", "/api1/test/items", {}, 403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
        ("GET", "/api1/dev/items?day=1", {}, 403, "Forbidden", "ForbiddenException"),
        ("GET", "/api1/dev/items?day=1", {"x-api-key": "n" * 30}, 403, "Forbidden", "ForbiddenException"),
        (
            "GET",
            "/api1/dev/items",
            {"x-api-key": KEY},
            400,
            "Missing required request parameters: [day]",
            "BadRequestException",
        ),
    ]
    for method, path, headers, status, message, error_type in cases:
        answer = call(gateway, method, path, headers)
        assert (answer[0], json.loads(answer[2]), answer[1]["x-amzn-ErrorType"]) == (
            status,
            {"message": message},
            error_type,
        )


def test_a_response_of_the_errors_type_answers_it_with_substituted_variables(serve: Any) -> None:
    responses = {
        "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(404, {"application/json": ERROR_TEMPLATE}),
        "INVALID_API_KEY": GatewayResponse(None, {"application/json": ERROR_TEMPLATE}),
        "BAD_REQUEST_PARAMETERS": GatewayResponse(None, {"application/json": ERROR_TEMPLATE}),
    }
    gateway = serve(catalog(responses, {"table": "things"}))

    status, headers, body = call(gateway, "GET", "/api1/dev/no/route")
    assert status == 404  # the response's StatusCode
    assert json.loads(body) == {
        "message": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
        "stage": "things",
        "request": headers["x-amzn-RequestId"],
        "errors": [],
    }
    status, _, body = call(gateway, "GET", "/api1/dev/items?day=1")
    assert (status, json.loads(body)["message"], json.loads(body)["type"]) == (403, "Forbidden", "INVALID_API_KEY")
    status, _, body = call(gateway, "GET", "/api1/dev/items", {"x-api-key": KEY})
    assert (status, json.loads(body)["message"]) == (400, "Missing required request parameters: [day]")


def test_default_4xx_and_5xx_answer_the_types_without_their_own_response(serve: Any) -> None:
    responses = {
        "DEFAULT_4XX": GatewayResponse(
            None, {"application/json": '{"message": $context.error.messageString, "errors": []}'}
        ),
        "DEFAULT_5XX": GatewayResponse(None, {"application/json": '{"message": "try again", "errors": []}'}),
        "INVALID_API_KEY": GatewayResponse(401, {}),  # no template: the default body, its own status
    }
    function = Function()
    gateway = serve(catalog(responses), function)

    assert call(gateway, "GET", "/api1/dev/no/route")[0::2] == (
        403,
        b'{"message": "Missing Authentication Token", "errors": []}',
    )
    assert call(gateway, "GET", "/api1/dev/items?day=1")[0::2] == (401, b'{"message":"Forbidden"}')
    function.reply = ({"errorMessage": "boom"}, True)
    assert call(gateway, "GET", "/api1/dev/x1")[0::2] == (502, b'{"message": "try again", "errors": []}')
    function.reply = ({"statusCode": 200, "surprise": 1}, False)  # malformed proxy answer
    assert call(gateway, "GET", "/api1/dev/x1")[0::2] == (502, b'{"message": "try again", "errors": []}')
    status, _, body = call(gateway, "POST", "/api1/dev/", {"Content-Type": "text/plain"}, b"x")
    assert (status, json.loads(body)) == (415, {"message": "Unsupported Media Type", "errors": []})


def test_a_default_4xx_status_code_changes_every_other_4xx_status(serve: Any) -> None:
    gateway = serve(catalog({"DEFAULT_4XX": GatewayResponse(400, {})}))
    assert call(gateway, "GET", "/api1/dev/no/route")[0::2] == (400, b'{"message":"Missing Authentication Token"}')


def test_templates_by_accept_and_headers_from_response_parameters(serve: Any) -> None:
    response = GatewayResponse(
        None,
        {"application/json": '{"message": $context.error.messageString}', "text/plain": "no: $context.error.message"},
        {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            "gatewayresponse.header.x-echo": "method.request.header.x-trace",
            "gatewayresponse.header.x-table": "stageVariables.table",
        },
    )
    gateway = serve(catalog({"MISSING_AUTHENTICATION_TOKEN": response}, {"table": "things"}))

    status, headers, body = call(gateway, "GET", "/api1/dev/no/route", {"Accept": "text/plain", "x-trace": "t-1"})
    assert (status, body, headers["Content-Type"]) == (403, b"no: Missing Authentication Token", "text/plain")
    assert (headers["Access-Control-Allow-Origin"], headers["x-echo"], headers["x-table"]) == ("*", "t-1", "things")
    status, headers, body = call(gateway, "GET", "/api1/dev/no/route", {"Accept": "*/*"})
    assert (json.loads(body), headers["Content-Type"]) == (
        {"message": "Missing Authentication Token"},
        "application/json",
    )


def test_stage_variables_reach_the_proxy_event(serve: Any) -> None:
    function = Function()
    gateway = serve(catalog({}, {"table": "things", "mode": "fast"}), function)
    assert call(gateway, "GET", "/api1/dev/x1")[0] == 200
    assert function.events[-1]["stageVariables"] == {"table": "things", "mode": "fast"}


def test_the_validation_error_string_fits_inside_a_json_string() -> None:
    error = gateway_responses.GatewayError("BAD_REQUEST_BODY", 400, "Invalid request body", '[/a: "x" is bad]')
    template = '{"errors": [{"field": "body", "message": "$context.error.validationErrorString"}]}'
    facts = gateway_responses.RequestFacts(context={"requestId": "r"})
    reply = gateway_responses.render(
        RestApi(
            "a",
            "a",
            "A",
            "r0",
            gateway_responses={"BAD_REQUEST_BODY": GatewayResponse(None, {"application/json": template})},
        ),
        error,
        facts,
        "r",
    )
    assert json.loads(reply.body) == {"errors": [{"field": "body", "message": '[/a: "x" is bad]'}]}


@pytest.mark.parametrize(
    "template",
    ['{"m": "$util.escapeJavaScript($context.error.message)"}', "$input.body", "#if($context.x)x#end"],
)
def test_a_template_that_is_not_simple_substitution_is_refused(template: str) -> None:
    with pytest.raises(gateway_responses.TemplateError):
        gateway_responses.check_template(template)


RESPONSE_TYPE = "AWS::ApiGateway::GatewayResponse"


def api_resources(**responses: dict[str, Any]) -> dict[str, Any]:
    return {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "ApiRootGet": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "HttpMethod": "GET",
                "AuthorizationType": "NONE",
                "Integration": {
                    "Type": "AWS_PROXY",
                    "Uri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations",
                },
            },
        },
        "ApiDeployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": ["ApiRootGet"],
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
        "ApiStage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "DeploymentId": {"Ref": "ApiDeployment"},
                "StageName": "dev",
                "Variables": {"table": "things"},
            },
        },
        **{
            name: {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {"RestApiId": {"Ref": "Api"}, **properties},
            }
            for name, properties in responses.items()
        },
    }


@pytest.mark.usefixtures("aws")
def test_the_deployer_records_stage_variables_and_gateway_responses(tmp_path: Path) -> None:
    deploy = deployer(
        tmp_path,
        {
            "Service": only(
                api_resources(
                    Missing={
                        "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
                        "StatusCode": "404",
                        "ResponseTemplates": {"application/json": ERROR_TEMPLATE},
                        "ResponseParameters": {"gatewayresponse.header.x-a": "'b'"},
                    },
                )
            )
        },
    )
    (service,) = deploy.deploy_all()
    api = deploy.catalog.apis[service.resources["Api"].physical_id]
    assert api.stages == {"dev": {"table": "things"}}
    assert api.gateway_responses["MISSING_AUTHENTICATION_TOKEN"] == GatewayResponse(
        404, {"application/json": ERROR_TEMPLATE}, {"gatewayresponse.header.x-a": "'b'"}
    )


@pytest.mark.usefixtures("aws")
def test_a_vtl_template_stops_the_start_naming_it(tmp_path: Path) -> None:
    vtl = {
        "ResponseType": "BAD_REQUEST_BODY",
        "ResponseTemplates": {"application/json": '"$util.escapeJavaScript($context.x)"'},
    }
    deploy = deployer(tmp_path, {"Service": only(api_resources(Vtl=vtl))})
    with pytest.raises(DeployError, match=r"Vtl .*ResponseTemplates application/json: \$util is not a variable"):
        deploy.deploy_all()


@pytest.mark.usefixtures("aws")
def test_a_response_parameter_the_gateway_cannot_fill_stops_the_start(tmp_path: Path) -> None:
    bad = {
        "ResponseType": "DEFAULT_4XX",
        "ResponseParameters": {"gatewayresponse.header.x": "integration.response.body"},
    }
    deploy = deployer(tmp_path, {"Service": only(api_resources(Bad=bad))})
    with pytest.raises(DeployError, match="not a static value"):
        deploy.deploy_all()
