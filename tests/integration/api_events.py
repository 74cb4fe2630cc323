"""API Gateway REST proxy events and a Lambda context, as Lambda hands them to a handler.

Shared by every test that invokes an API-fronted handler directly (no HTTP server involved).
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext


class LambdaContext(PowertoolsLambdaContext):
    """The handlers' `context` type (Powertools' class, whose properties read these private attributes),
    with the values Lambda gives the function."""

    def __init__(self, function_name: str = "order_router") -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self._memory_limit_in_mb = 256
        self._aws_request_id = str(uuid.uuid4())
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def lambda_context(function_name: str = "order_router") -> LambdaContext:
    return LambdaContext(function_name)


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    resource: str = "/{proxy+}",
    base64_body: bool = False,
    stage: str = "dev",
) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy event. `body` is JSON-encoded; `raw_body` is sent as is."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if text is not None and base64_body:
        text = base64.b64encode(text.encode()).decode()
    all_headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")} if "{proxy+}" in resource else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": "01/Jan/2026:00:00:00 +0000",
            "path": f"/{stage}{path}" + (f"?{urlencode(query)}" if query else ""),
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1767225600000,
            "requestId": request_id,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest", "apiKey": "test-api-key"},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


def json_body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
