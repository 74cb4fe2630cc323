"""API Gateway's data plane for the templates' REST APIs: HTTP on loopback, Lambda proxy events.

The deployer records every `AWS::ApiGateway::*` resource of the templates in an `ApiCatalog`; the
`Gateway` serves each deployed stage at `http://127.0.0.1:<port>/<restApiId>/<stage>/<path>` (the
`OrdersApiUrl`/`DataApiUrl` written into `.localcloud/outputs.json`) the way API Gateway serves
`https://<restApiId>.execute-api.<region>.amazonaws.com/<stage>/<path>`:

* the path is matched against the template's resources: a literal part first, then `{param}`,
  then the greedy `{proxy+}`; then the method, else `ANY`. No match answers 403
  `{"message":"Missing Authentication Token"}`, like API Gateway; an unknown API id answers 404;
* `ApiKeyRequired` methods need an `x-api-key` of an enabled key that a usage plan of this API
  stage holds, else 403 `{"message":"Forbidden"}`;
* a request validator with `ValidateRequestParameters` checks the method's required query
  strings and headers (400 `{"message": "Missing required request parameters: [...]"}`);
* a request validator with `ValidateRequestBody` checks a JSON body against the method's
  request model for its content type (JSON schema draft 4); a failure answers the API's
  `BAD_REQUEST_BODY` gateway response (400 `{"message": "Invalid request body"}` unless the
  template defines one) with `$context.error.validationErrorString` set to `[<message>, …]`, each
  message naming the failing field as a JSON pointer (API Gateway's own wording differs);
* `AWS_PROXY` integrations get the REST API (payload 1.0) proxy event and are invoked
  synchronously through the local Lambda runtime; the proxy response is mapped back. A function
  error or a malformed response answers 502 `{"message": "Internal server error"}`;
* `AWS` service integrations (`arn:aws:apigateway:<region>:<service>:action/<Action>`) render the
  request template of the content type (`localcloud.vtl`; with passthrough `NEVER` a content type
  without a template answers 415), call the action on the local AWS (moto) and map the answer
  through the integration response whose `SelectionPattern` matches the status code (else the one
  without a pattern) and its response template. The integration's credentials role is recorded,
  not assumed: IAM is not enforced locally.

Connections are persistent as in RFC 9112 §9: a response says `Connection: close` when the request
asked for it (or was HTTP/1.0 without `keep-alive`, or malformed), else `Keep-Alive: timeout=N`, and
an idle connection closes after `KEEP_ALIVE_TIMEOUT`. Request bodies are read by `Content-Length` or
`Transfer-Encoding: chunked`; pipelined requests are answered in order.

Not emulated: usage plan throttling and quotas, stage caching, access logs, CORS preflight for
APIs that do not declare OPTIONS methods, binary media types (a body that is not UTF-8 is passed
base64-encoded with `isBase64Encoded: true`).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema

from localcloud import vtl

MISSING_TOKEN = {"message": "Missing Authentication Token"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_ERROR = {"message": "Internal server error"}

# Seconds an idle keep-alive connection stays open (announced as `Keep-Alive: timeout=N`). Longer than
# clients keep idle connections (undici/Node fetch 4 s, httpx 5 s, Node's http agent 5 s), so a client
# always drops a connection before the gateway closes it under a request being sent.
KEEP_ALIVE_TIMEOUT = 60
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit; larger bodies answer 413
# Seconds a closing connection keeps reading what the client still sends (RFC 9112 §9.6): closing a
# socket with unread bytes resets it, and a reset can discard the response before the client reads it.
LINGER_SECONDS = 2


class Invoker(Protocol):
    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]: ...


class AwsCaller(Protocol):
    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        """One action of an AWS service's JSON API: (HTTP status, JSON answer)."""
        ...


class _NoAws:
    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        raise RuntimeError("no AWS endpoint for service integrations")


# ------------------------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: str
    selection_pattern: str | None = None
    templates: dict[str, str] = field(default_factory=dict)  # content type -> mapping template


@dataclass(frozen=True)
class AwsServiceIntegration:
    """An `AWS` integration calling one action of a service (e.g. states StartExecution)."""

    service: str
    action: str
    region: str
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = ()

    def response_for(self, status: int) -> IntegrationResponse | None:
        """The response whose pattern matches the status code, else the default (no pattern)."""
        for response in self.responses:
            if response.selection_pattern and re.fullmatch(response.selection_pattern, str(status)):
                return response
        return next((response for response in self.responses if not response.selection_pattern), None)


@dataclass
class ApiMethod:
    http_method: str
    api_key_required: bool
    integration_type: str
    function_arn: str
    required_parameters: tuple[str, ...] = ()  # e.g. "querystring.tradeDate", "header.x-id"
    validator_id: str | None = None
    request_models: dict[str, str] = field(default_factory=dict)  # content type -> model name
    aws: AwsServiceIntegration | None = None


@dataclass(frozen=True)
class GatewayResponse:
    status_code: int | None
    templates: dict[str, str] = field(default_factory=dict)


@dataclass
class ApiResource:
    id: str
    parent_id: str | None
    path_part: str
    methods: dict[str, ApiMethod] = field(default_factory=dict)


@dataclass
class RestApi:
    id: str
    name: str
    logical_id: str
    root_resource_id: str
    resources: dict[str, ApiResource] = field(default_factory=dict)
    validators: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # id → (body, parameters)
    stages: dict[str, dict[str, str]] = field(default_factory=dict)  # stage name → stage variables
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # model name → JSON schema
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)  # response type → response

    def path_of(self, resource_id: str) -> str:
        parts: list[str] = []
        resource = self.resources[resource_id]
        while resource.parent_id is not None:
            parts.append(resource.path_part)
            resource = self.resources[resource.parent_id]
        return "/" + "/".join(reversed(parts))

    def children(self, resource_id: str) -> list[ApiResource]:
        return [resource for resource in self.resources.values() if resource.parent_id == resource_id]


@dataclass
class ApiKey:
    id: str
    name: str
    value: str
    enabled: bool


@dataclass
class UsagePlan:
    id: str
    name: str
    stages: set[tuple[str, str]] = field(default_factory=set)  # (restApiId, stage)
    key_ids: set[str] = field(default_factory=set)


@dataclass
class ApiCatalog:
    """What the gateway serves, as the deployer recorded it from the templates."""

    apis: dict[str, RestApi] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    plans: dict[str, UsagePlan] = field(default_factory=dict)

    def key_for(self, api_id: str, stage: str, value: str | None) -> ApiKey | None:
        """The enabled key with this value that a usage plan of the API stage holds."""
        if not value:
            return None
        for plan in self.plans.values():
            if (api_id, stage) not in plan.stages:
                continue
            for key_id in plan.key_ids:
                key = self.keys.get(key_id)
                if key is not None and key.enabled and key.value == value:
                    return key
        return None

    def routes(self) -> Iterable[tuple[RestApi, str, str, ApiMethod]]:
        """(api, resource path, http method, method) for every method of every API."""
        for api in self.apis.values():
            for resource in api.resources.values():
                for http_method, method in resource.methods.items():
                    yield api, api.path_of(resource.id), http_method, method


_SERVICE_ACTION_URI = re.compile(r"^arn:aws[\w-]*:apigateway:([\w-]+):([\w.-]+):action/(\w+)$")


def service_action_from_uri(uri: str) -> tuple[str, str, str]:
    """(region, service, action) of an `AWS` integration URI; the `path/` form is not supported."""
    match = _SERVICE_ACTION_URI.match(uri)
    if match is None:
        raise ValueError(f"not an AWS service action integration URI (…:<service>:action/<Action>): {uri}")
    region, service, action = match.groups()
    return region, service, action


def function_arn_from_uri(uri: str) -> str:
    """The function of `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`."""
    marker = ":lambda:path/2015-03-31/functions/"
    if marker not in uri or not uri.endswith("/invocations"):
        raise ValueError(f"not a Lambda integration URI: {uri!r}")
    return uri.split(marker, 1)[1][: -len("/invocations")]


# ------------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    resource: ApiResource
    path_parameters: dict[str, str]


def match_resource(api: RestApi, segments: list[str]) -> Match | None:
    """The resource for the path segments: literal parts before `{param}` before `{proxy+}`."""

    def walk(resource: ApiResource, rest: list[str], params: dict[str, str]) -> Match | None:
        if not rest:
            return Match(resource, params)
        children = api.children(resource.id)
        head = rest[0]
        for child in children:
            if child.path_part == head:
                found = walk(child, rest[1:], params)
                if found is not None:
                    return found
        for child in children:
            part = child.path_part
            if part.startswith("{") and part.endswith("}") and not part.endswith("+}"):
                found = walk(child, rest[1:], {**params, part[1:-1]: head})
                if found is not None:
                    return found
        for child in children:
            part = child.path_part
            if part.startswith("{") and part.endswith("+}"):
                return Match(child, {**params, part[1:-2]: "/".join(rest)})
        return None

    return walk(api.resources[api.root_resource_id], segments, {})


# ------------------------------------------------------------------------------- events


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


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
) -> dict[str, Any]:
    """The REST API Lambda proxy event (payload format 1.0) API Gateway sends."""
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(query)
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
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
            "path": f"/{stage}{path}",
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


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _content_type(headers: list[tuple[str, str]]) -> str:
    """The request's media type; API Gateway takes a request without one as application/json."""
    value = next((value for name, value in headers if name.lower() == "content-type"), "")
    return value.split(";")[0].strip().lower() or "application/json"


def _json_reply(status: int, document: dict[str, Any], request_id: str) -> Reply:
    return Reply(
        status,
        [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", "")],
        json.dumps(document).encode(),
    )


def proxy_reply(payload: Any, request_id: str) -> Reply:
    """Maps a Lambda proxy response; a malformed one is API Gateway's 502."""
    if not isinstance(payload, dict) or not isinstance(payload.get("statusCode", 200), int):
        return _json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, request_id)
    allowed = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
    if set(payload) - allowed:
        return _json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, request_id)
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
            return _json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, request_id)
    else:
        data = str(body).encode()
    return Reply(status, headers, data)


# ------------------------------------------------------------------------------- the server


class Gateway:
    """Serves the catalog's APIs on `host:port` (port 0 picks a free one) from a background thread."""

    def __init__(
        self,
        catalog: ApiCatalog,
        runtime: Invoker,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        aws: AwsCaller | None = None,
    ) -> None:
        self.catalog = catalog
        self.runtime = runtime
        self.aws: AwsCaller = aws or _NoAws()
        self._server = _Server((host, port), _handler_class(self), self)
        self._thread: threading.Thread | None = None
        self.requests = 0
        self.connections = 0  # accepted so far: tests see whether clients reuse connections

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{host if isinstance(host, str) else host.decode()}:{self.port}"

    def url(self, api_id: str, stage: str) -> str:
        return f"{self.base_url}/{api_id}/{stage}/"

    def start(self) -> Gateway:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # close() waits up to one interval (the default is 0.5 s)
            name="localcloud-gateway",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:  # shutdown() waits for serve_forever, so only once it runs
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_idle()
        self._server.server_close()

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str, host: str
    ) -> Reply:
        """One HTTP request: route, authorize, validate, invoke, map the reply."""
        self.requests += 1
        request_id = str(uuid.uuid4())
        split = urlsplit(target)
        segments = [unquote(part) for part in split.path.split("/") if part]
        if len(segments) < 2 or segments[0] not in self.catalog.apis:
            return _json_reply(HTTPStatus.NOT_FOUND, {"message": "Not Found"}, request_id)
        api, stage, rest = self.catalog.apis[segments[0]], segments[1], segments[2:]
        if stage not in api.stages:
            return _json_reply(HTTPStatus.FORBIDDEN, MISSING_TOKEN, request_id)
        match = match_resource(api, rest)
        if match is None:
            return _json_reply(HTTPStatus.FORBIDDEN, MISSING_TOKEN, request_id)
        api_method = match.resource.methods.get(method) or match.resource.methods.get("ANY")
        if api_method is None:
            return _json_reply(HTTPStatus.FORBIDDEN, MISSING_TOKEN, request_id)

        key_value = next((value for name, value in headers if name.lower() == "x-api-key"), None)
        api_key = self.catalog.key_for(api.id, stage, key_value)
        if api_method.api_key_required and api_key is None:
            return _json_reply(HTTPStatus.FORBIDDEN, FORBIDDEN, request_id)

        query = parse_qsl(split.query, keep_blank_values=True)
        missing = self._missing_parameters(api, api_method, headers, query)
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            return _json_reply(HTTPStatus.BAD_REQUEST, {"message": message}, request_id)

        context = {
            "requestId": request_id,
            "stage": stage,
            "apiId": api.id,
            "httpMethod": method,
            "resourcePath": api.path_of(match.resource.id),
            "identity": {"sourceIp": source_ip, "apiKey": api_key.value if api_key else None},
        }
        invalid = self._invalid_body(api, api_method, headers, body)
        if invalid is not None:
            context["error"] = {"message": "Invalid request body", "validationErrorString": invalid}
            return self._gateway_response(api, "BAD_REQUEST_BODY", HTTPStatus.BAD_REQUEST, context, request_id)
        if api_method.aws is not None:
            return self._call_service(api_method.aws, headers, body, context, request_id)
        event = proxy_event(
            api=api,
            stage=stage,
            resource_path=api.path_of(match.resource.id),
            resource_id=match.resource.id,
            method=method,
            path="/" + "/".join(rest),
            headers=headers,
            query=query,
            path_parameters=match.path_parameters,
            body=body,
            source_ip=source_ip,
            api_key=api_key,
            host=host,
        )
        if api_method.integration_type != "AWS_PROXY":
            return _json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR, request_id)
        try:
            payload, errored = self.runtime.invoke(api_method.function_arn, event)
        except Exception:
            return _json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, request_id)
        if errored:
            return _json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR, request_id)
        return proxy_reply(payload, request_id)

    @staticmethod
    def _invalid_body(api: RestApi, method: ApiMethod, headers: list[tuple[str, str]], body: bytes) -> str | None:
        """API Gateway's body validation: None when valid, else the validation error string."""
        validator = api.validators.get(method.validator_id or "")
        if validator is None or not validator[0]:
            return None
        model = method.request_models.get(_content_type(headers))
        if model is None or model not in api.models:
            return None
        try:
            document = json.loads(body or b"{}")
        except ValueError as error:
            return f"[Invalid JSON body: {error}]"
        validator_class = jsonschema.validators.validator_for(api.models[model], default=jsonschema.Draft4Validator)
        errors = sorted(validator_class(api.models[model]).iter_errors(document), key=lambda e: list(e.path))
        if not errors:
            return None
        messages = [
            f"{'/' + '/'.join(str(p) for p in error.path) if error.path else '/'}: {error.message}" for error in errors
        ]
        return "[" + ", ".join(messages) + "]"

    def _gateway_response(
        self, api: RestApi, response_type: str, status: int, context: dict[str, Any], request_id: str
    ) -> Reply:
        """The API's gateway response of this type (its template and status), else API Gateway's default."""
        response = api.gateway_responses.get(response_type) or api.gateway_responses.get(
            "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        )
        template = response.templates.get("application/json") if response else None
        if response is None or template is None:
            code = response.status_code if response and response.status_code else status
            return _json_reply(code, {"message": context["error"]["message"]}, request_id)
        rendered = vtl.render(template, vtl.Request(body="", context=context))
        return Reply(
            response.status_code or status,
            [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", "")],
            rendered.encode(),
        )

    def _call_service(
        self,
        integration: AwsServiceIntegration,
        headers: list[tuple[str, str]],
        body: bytes,
        context: dict[str, Any],
        request_id: str,
    ) -> Reply:
        text = body.decode("utf-8", errors="replace")
        template = integration.request_templates.get(_content_type(headers))
        behavior = integration.passthrough_behavior
        if template is None and (
            behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and integration.request_templates)
        ):
            return _json_reply(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"message": "Unsupported Media Type"}, request_id)
        request = vtl.render(template, vtl.Request(body=text, context=context)) if template is not None else text
        try:
            status, answer = self.aws.call(integration.service, integration.action, integration.region, request)
        except Exception:
            return _json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR, request_id)
        response = integration.response_for(status)
        if response is None:  # API Gateway: "No match for output mapping and no default output mapping"
            return _json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR, request_id)
        template = response.templates.get("application/json")
        rendered = vtl.render(template, vtl.Request(body=answer, context=context)) if template else answer
        return Reply(
            int(response.status_code),
            [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)],
            rendered.encode(),
        )

    @staticmethod
    def _missing_parameters(
        api: RestApi, method: ApiMethod, headers: list[tuple[str, str]], query: list[tuple[str, str]]
    ) -> list[str]:
        validator = api.validators.get(method.validator_id or "")
        if validator is None or not validator[1]:
            return []
        header_names = {name.lower() for name, _ in headers}
        query_names = {name for name, _ in query}
        missing = []
        for parameter in method.required_parameters:
            where, _, name = parameter.partition(".")
            if (where == "querystring" and name not in query_names) or (
                where == "header" and name.lower() not in header_names
            ):
                missing.append(name)
        return missing


class _BadFraming(Exception):
    """A request whose body cannot be delimited: answered with `status`, then the connection closes."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_LENGTH = re.compile(r"[0-9]{1,16}")
_CHUNK_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r\n")  # size, extensions ignored


def _tokens(values: list[str] | None) -> list[str]:
    """The comma-separated tokens of a list header (Connection, Transfer-Encoding), lower case, in order."""
    return [token.strip().lower() for value in values or [] for token in value.split(",") if token.strip()]


def _read_chunked(rfile: io.BufferedIOBase) -> bytes:
    """A `Transfer-Encoding: chunked` body (RFC 9112 §7.1); chunk extensions and trailers are dropped."""
    body = bytearray()
    while True:
        match = _CHUNK_SIZE_LINE.fullmatch(rfile.readline(1024))
        if match is None:
            raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad chunk size line")
        size = int(match[1], 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise _BadFraming(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large")
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.read(2) != b"\r\n":
            raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad chunk")
        body += chunk
    try:
        http.client.parse_headers(rfile)  # the trailer section, up to the empty line
    except http.client.HTTPException as error:
        raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad trailer section") from error
    return bytes(body)


class _Server(ThreadingHTTPServer):
    """Counts connections, ends idle keep-alive connections on close and closes connections gently."""

    daemon_threads = True  # close() does not wait for connections
    request_queue_size = 128  # the default 5 drops connections a client opens at once

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], gateway: Gateway) -> None:
        super().__init__(address, handler)
        self.gateway = gateway
        self.closing = False
        self._lock = threading.Lock()
        self._idle: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.gateway.connections += 1  # only the accepting thread counts: no race
        super().process_request(request, client_address)

    def wait_idle(self, connection: socket.socket) -> bool:
        """Marks the connection as waiting for its next request; False once the gateway closes."""
        with self._lock:
            if self.closing:
                return False
            self._idle.add(connection)
            return True

    def busy(self, connection: socket.socket) -> None:
        with self._lock:
            self._idle.discard(connection)

    def close_idle(self) -> None:
        """Ends the connections waiting for a request; busy ones close after their response."""
        with self._lock:
            self.closing = True
            for connection in self._idle:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting on it with EOF

    def shutdown_request(self, request: Any) -> None:
        """Half-closes, then reads what the client still sends until it closes (see LINGER_SECONDS)."""
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
            request.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while request.recv(65536) and time.monotonic() < deadline:
                pass
        self.close_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the client went away: nothing to report
            return
        super().handle_error(request, client_address)


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """http.server parses request lines and headers; this adds persistence and body framing."""

        protocol_version = "HTTP/1.1"
        default_request_version = "HTTP/1.0"  # errors before the version is parsed get a status line too
        server_version = "localcloud-apigateway"
        timeout = KEEP_ALIVE_TIMEOUT  # the socket's: an idle connection closes after it
        disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
        server: _Server

        def handle(self) -> None:
            self.close_connection = False
            while not self.close_connection and self._next_request_arrives():
                self.handle_one_request()

        def _next_request_arrives(self) -> bool:
            """Waits for the next request's first byte; False on EOF, the idle timeout or the gateway closing."""
            if not self.server.wait_idle(self.connection):
                return False
            try:  # peek answers from the buffer at once when a request was pipelined
                return bool(cast(io.BufferedReader, self.rfile).peek(1))
            except OSError:  # TimeoutError: idle for KEEP_ALIVE_TIMEOUT
                return False
            finally:
                self.server.busy(self.connection)

        def parse_request(self) -> bool:
            """http.server's checks, then persistence by the Connection tokens (it matches only `close`)."""
            if not super().parse_request():
                return False
            hosts = self.headers.get_all("Host") or []
            if self.request_version >= "HTTP/1.1" and len(hosts) != 1:
                self.send_error(HTTPStatus.BAD_REQUEST, "An HTTP/1.1 request needs one Host header")
                return False
            tokens = _tokens(self.headers.get_all("Connection"))
            persistent = "keep-alive" in tokens or self.request_version >= "HTTP/1.1"
            self.close_connection = "close" in tokens or not persistent
            return True

        def _read_body(self) -> bytes:
            """The body as RFC 9112 §6.3 delimits it; a framing that cannot be trusted raises `_BadFraming`."""
            codings = _tokens(self.headers.get_all("Transfer-Encoding"))
            lengths = [
                part.strip() for value in self.headers.get_all("Content-Length") or [] for part in value.split(",")
            ]
            if codings:
                if lengths:
                    raise _BadFraming(HTTPStatus.BAD_REQUEST, "Content-Length with Transfer-Encoding")
                if self.request_version < "HTTP/1.1":
                    raise _BadFraming(HTTPStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request")
                if codings[-1] != "chunked":
                    raise _BadFraming(HTTPStatus.BAD_REQUEST, "The last transfer coding is not chunked")
                if codings != ["chunked"]:
                    raise _BadFraming(HTTPStatus.NOT_IMPLEMENTED, "Only the chunked transfer coding is supported")
                return _read_chunked(self.rfile)
            if not lengths:
                return b""
            if len(set(lengths)) != 1 or not _LENGTH.fullmatch(lengths[0]):
                raise _BadFraming(HTTPStatus.BAD_REQUEST, "Bad Content-Length")
            length = int(lengths[0])
            if length > MAX_BODY:
                raise _BadFraming(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large")
            body = self.rfile.read(length)
            if len(body) != length:
                raise _BadFraming(HTTPStatus.BAD_REQUEST, "Request body shorter than its Content-Length")
            return body

        def _serve(self) -> None:
            try:
                body = self._read_body()
            except _BadFraming as error:
                self.send_error(error.status, error.reason)  # with Connection: close
                return
            started = time.perf_counter()
            reply = gateway.handle(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                self.client_address[0],
                self.headers.get("Host", ""),
            )
            self.send_response(reply.status)
            for name, value in reply.headers:
                if name.lower() not in ("content-length", "connection", "keep-alive", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("x-localcloud-latency-ms", f"{(time.perf_counter() - started) * 1000:.1f}")
            if self.close_connection or self.server.closing:
                self.send_header("Connection", "close")  # and http.server closes after the response
            else:
                self.send_header("Connection", "keep-alive")
                self.send_header("Keep-Alive", f"timeout={KEEP_ALIVE_TIMEOUT}")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the functions log
            return

    return Handler
