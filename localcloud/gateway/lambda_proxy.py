"""The `AWS_PROXY` integration: the REST API proxy event (payload 1.0) and the mapping of the answer."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from localcloud.gateway.catalog import ApiKey, RestApi
from localcloud.gateway.gateway_responses import GatewayError
from localcloud.gateway.replies import Reply


def malformed() -> GatewayError:
    return GatewayError("API_CONFIGURATION_ERROR", HTTPStatus.BAD_GATEWAY, "Internal server error")


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def forwarded(headers: list[tuple[str, str]], source_ip: str, host: str) -> list[tuple[str, str]]:
    """The request's headers with the `X-Forwarded-*` ones API Gateway adds (the client's own kept first)."""
    names = {name.lower() for name, _ in headers}
    port = host.rsplit(":", 1)[1] if ":" in host and host.rsplit(":", 1)[1].isdigit() else "80"
    added = [("X-Forwarded-Proto", "http"), ("X-Forwarded-Port", port)]
    result = list(headers) + [(name, value) for name, value in added if name.lower() not in names]
    client = next((value for name, value in headers if name.lower() == "x-forwarded-for"), None)
    result = [(name, value) for name, value in result if name.lower() != "x-forwarded-for"]
    return [*result, ("X-Forwarded-For", f"{client}, {source_ip}" if client else source_ip)]


def proxy_event(
    *,
    api: RestApi,
    stage: str,
    resource_path: str,
    resource_id: str,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    path_parameters: dict[str, str],
    body: bytes,
    source_ip: str,
    api_key: ApiKey | None,
    host: str,
    request_id: str,
) -> dict[str, Any]:
    """The REST API Lambda proxy event (payload format 1.0) API Gateway sends; `requestContext.requestId`
    is the request's id, which the reply carries as `x-amzn-RequestId`, as on AWS.

    The client's URL is `http://<host>/<apiId>/<stage><path>`: the headers carry `X-Forwarded-Proto: http`
    and `X-Forwarded-Port` (and the client in `X-Forwarded-For`) as API Gateway adds them, and
    `requestContext.path` is the path the client asked for, with the API id, as API Gateway gives it behind a
    custom domain (its base path before the stage). So `<proto>://<Host><requestContext.path minus path>/`
    is the stage's URL both here and on AWS."""
    headers = forwarded(headers, source_ip, host)
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(query)
    now = datetime.now(UTC)
    user_agent = next((value for name, value in headers if name.lower() == "user-agent"), None)
    text: str | None
    if body:
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
    else:
        text, encoded = None, False
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters or None,
        "stageVariables": api.stages.get(stage) or None,
        "requestContext": {
            "resourceId": resource_id,
            "resourcePath": resource_path,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{api.id}/{stage}{path}",  # the path the client asked for, as behind a custom domain
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api.id,
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "apiKey": api_key.value if api_key else None,
                "apiKeyId": api_key.id if api_key else None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": host,
            "apiId": api.id,
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def proxy_reply(payload: Any, request_id: str) -> Reply:
    """Maps a Lambda proxy response; a malformed one raises API Gateway's 502 ."""
    if not isinstance(payload, dict) or not isinstance(payload.get("statusCode", 200), int):
        raise malformed()
    allowed = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
    if set(payload) - allowed:
        raise malformed()
    status = int(payload.get("statusCode", 200))
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            headers.append((name, str(value)))
        seen.add(name.lower())
    for name, value in (payload.get("headers") or {}).items():
        if name.lower() not in seen:
            headers.append((name, str(value)))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers.append(("x-amzn-RequestId", request_id))
    body = payload.get("body")
    if body is None:
        data = b""
    elif payload.get("isBase64Encoded"):
        try:
            data = base64.b64decode(str(body))
        except ValueError:
            raise malformed() from None
    else:
        data = str(body).encode()
    return Reply(status, headers, data)
