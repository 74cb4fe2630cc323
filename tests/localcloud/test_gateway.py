"""The API Gateway data plane: routing, API keys, required parameters, proxy events and replies."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest

from localcloud.gateway.catalog import (
    ApiCatalog,
    ApiKey,
    ApiMethod,
    ApiResource,
    RestApi,
    UsagePlan,
    function_arn_from_uri,
)
from localcloud.gateway.data_plane import INTEGRATION_TIMEOUT_SECONDS, Gateway

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:api"
KEY = "k" * 30


class Recorder:
    """Answers like a proxy function: echoes what it got, or what the test sets."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.reply: tuple[Any, bool] | None = None

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        assert name_or_arn == FUNCTION
        self.events.append(event)
        if self.reply is not None:
            return self.reply
        return {"statusCode": 200, "headers": {"x-seen": event["resource"]}, "body": json.dumps({"ok": True})}, False


def catalog() -> ApiCatalog:
    api = RestApi(id="abc123", name="api", logical_id="Api", root_resource_id="r0", stages={"dev": {}})

    def add(resource_id: str, parent: str | None, part: str, **methods: ApiMethod) -> None:
        api.resources[resource_id] = ApiResource(
            id=resource_id, parent_id=parent, path_part=part, methods=dict(methods)
        )

    def method(verb: str, *, key: bool = True, required: tuple[str, ...] = ()) -> ApiMethod:
        return ApiMethod(verb, key, "AWS_PROXY", FUNCTION, required_parameters=required, validator_id="v1")

    add("r0", None, "")
    add("r1", "r0", "orders", POST=method("POST"))
    add("r2", "r0", "trades")
    add("r3", "r2", "{customerId}", GET=method("GET", required=("querystring.tradeDate",)))
    add("r4", "r0", "open", ANY=method("ANY", key=False))
    add("r5", "r0", "files")
    add("r6", "r5", "{proxy+}", GET=method("GET", key=False))
    add("r7", "r2", "latest", GET=method("GET"))
    api.validators["v1"] = (False, True)
    return ApiCatalog(
        apis={api.id: api},
        keys={"key1": ApiKey("key1", "clients", KEY, True), "key2": ApiKey("key2", "off", "x" * 30, False)},
        plans={"plan1": UsagePlan("plan1", "plan", stages={("abc123", "dev")}, key_ids={"key1", "key2"})},
    )


@pytest.fixture
def served() -> Iterator[tuple[Gateway, Recorder]]:
    recorder = Recorder()
    gateway = Gateway(catalog(), recorder).start()
    yield gateway, recorder
    gateway.close()


def call(
    gateway: Gateway, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(f"{gateway.base_url}{path}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_proxy_request_becomes_the_rest_api_event(served: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = served
    status, headers, body = call(
        gateway,
        "POST",
        "/abc123/dev/orders?a=1&a=2&b=x",
        body=b'{"quantity": 1}',
        headers={"x-api-key": KEY, "Content-Type": "application/json", "X-Multi": "one"},
    )
    assert (status, json.loads(body), headers["x-seen"]) == (200, {"ok": True}, "/orders")
    event = recorder.events[0]
    assert event["resource"] == "/orders"
    assert event["path"] == "/orders"
    assert event["httpMethod"] == "POST"
    assert event["body"] == '{"quantity": 1}'
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["X-Multi"] == ["one"]
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert (context["resourcePath"], context["httpMethod"], context["path"], context["stage"]) == (
        "/orders",
        "POST",
        "/abc123/dev/orders",  # the path asked for: the stage's URL is <proto>://<Host><it minus path>
        "dev",
    )
    assert (event["headers"]["X-Forwarded-Proto"], event["headers"]["X-Forwarded-For"]) == ("http", "127.0.0.1")
    assert event["headers"]["X-Forwarded-Port"] == str(gateway.port)
    assert context["apiId"] == "abc123"
    assert context["identity"]["apiKey"] == KEY
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    # The function sees the id the client gets back as x-amzn-RequestId (and the access line prints).
    assert context["requestId"] == headers["x-amzn-RequestId"] == context["extendedRequestId"]


def test_path_parameters_and_greedy_proxy(served: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = served
    assert call(gateway, "GET", "/abc123/dev/trades/000002?tradeDate=2026-01-02", headers={"x-api-key": KEY})[0] == 200
    assert recorder.events[-1]["pathParameters"] == {"customerId": "000002"}
    assert recorder.events[-1]["resource"] == "/trades/{customerId}"
    assert call(gateway, "GET", "/abc123/dev/trades/latest", headers={"x-api-key": KEY})[0] == 200
    assert recorder.events[-1]["resource"] == "/trades/latest"  # a literal part wins over {customerId}
    assert call(gateway, "GET", "/abc123/dev/files/a/b/c.txt")[0] == 200
    assert recorder.events[-1]["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert call(gateway, "DELETE", "/abc123/dev/open")[0] == 200  # ANY
    assert recorder.events[-1]["httpMethod"] == "DELETE"


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "message"),
    [
        ("POST", "/abc123/dev/orders", {}, 403, "Forbidden"),
        ("POST", "/abc123/dev/orders", {"x-api-key": "wrong" * 5}, 403, "Forbidden"),
        ("POST", "/abc123/dev/orders", {"x-api-key": "x" * 30}, 403, "Forbidden"),  # disabled key
        ("GET", "/abc123/dev/orders", {"x-api-key": KEY}, 403, "Missing Authentication Token"),
        ("GET", "/abc123/dev/nothing", {"x-api-key": KEY}, 403, "Missing Authentication Token"),
        ("GET", "/abc123/prod/orders", {"x-api-key": KEY}, 403, "Missing Authentication Token"),
        ("GET", "/unknown/dev/orders", {"x-api-key": KEY}, 404, "Not Found"),
        (
            "GET",
            "/abc123/dev/trades/000002",
            {"x-api-key": KEY},
            400,
            "Missing required request parameters: [tradeDate]",
        ),
    ],
)
def test_api_gateway_answers_itself_without_invoking(
    served: tuple[Gateway, Recorder], method: str, path: str, headers: dict[str, str], status: int, message: str
) -> None:
    gateway, recorder = served
    answer = call(gateway, method, path, headers=headers)
    assert (answer[0], json.loads(answer[2])) == (status, {"message": message})
    assert recorder.events == []


@pytest.mark.parametrize(
    "reply",
    [
        (None, True),
        ({"errorMessage": "boom", "errorType": "ValueError"}, True),
        ("not a dict", False),
        ({"statusCode": "200"}, False),
        ({"statusCode": 200, "unexpected": 1}, False),
    ],
)
def test_a_function_error_or_a_malformed_reply_is_a_502(served: tuple[Gateway, Recorder], reply: Any) -> None:
    gateway, recorder = served
    recorder.reply = reply
    answer = call(gateway, "GET", "/abc123/dev/open")
    assert (answer[0], json.loads(answer[2])) == (502, {"message": "Internal server error"})


def test_the_reply_maps_status_headers_multi_value_headers_and_base64_bodies(served: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = served
    recorder.reply = (
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/octet-stream", "X-One": "1"},
            "multiValueHeaders": {"X-Many": ["a", "b"]},
            "body": "AAEC",
            "isBase64Encoded": True,
        },
        False,
    )
    status, headers, body = call(gateway, "GET", "/abc123/dev/open")
    assert (status, body, headers["Content-Type"], headers["X-One"]) == (
        201,
        b"\x00\x01\x02",
        "application/octet-stream",
        "1",
    )
    assert headers.get_all("X-Many") == ["a", "b"]


def test_a_binary_request_body_arrives_base64_encoded(served: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = served
    call(gateway, "POST", "/abc123/dev/open", body=b"\xff\xfe")
    assert (recorder.events[-1]["body"], recorder.events[-1]["isBase64Encoded"]) == ("//4=", True)


def test_function_arn_from_the_integration_uri() -> None:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
    assert function_arn_from_uri(uri) == FUNCTION
    with pytest.raises(ValueError):
        function_arn_from_uri("arn:aws:apigateway:us-east-1:sqs:path/queue")


class Slow(Recorder):
    """Answers after `seconds`, then records that it finished."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.finished = threading.Event()

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        time.sleep(self.seconds)
        answer = super().invoke(name_or_arn, event)
        self.finished.set()
        return answer


def test_a_function_past_the_integration_timeout_gets_504_and_runs_on() -> None:
    slow = Slow(0.6)
    gateway = Gateway(catalog(), slow, integration_timeout=0.2).start()
    try:
        status, headers, body = call(gateway, "POST", "/abc123/dev/orders", body=b"{}", headers={"x-api-key": KEY})
        assert (status, json.loads(body)) == (504, {"message": "Endpoint request timed out"})
        assert headers["x-amzn-ErrorType"] == "InternalServerErrorException"
        assert not slow.finished.is_set()
        assert slow.finished.wait(5)  # the function was not stopped: its answer is dropped

        slow.seconds = 0.0
        status, _, body = call(gateway, "POST", "/abc123/dev/orders", body=b"{}", headers={"x-api-key": KEY})
        assert (status, json.loads(body)) == (200, {"ok": True})
    finally:
        gateway.close()


def test_the_integration_timeout_is_api_gateway_s_29_seconds() -> None:
    assert Gateway(catalog(), Recorder()).integration_timeout == INTEGRATION_TIMEOUT_SECONDS == 29.0
