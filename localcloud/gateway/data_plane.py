"""`Gateway`: one request through API Gateway's steps, and the lifecycle of the server that serves them.

The steps: route (`routing`), authorize by API key (`catalog`), validate (`validation`), then integrate
(`service_integrations` for `AWS`, `lambda_proxy` for `AWS_PROXY`). A proxy integration invokes its
function only if the function's resource policy lets `apigateway.amazonaws.com` invoke it for
`<api>/<stage>/<METHOD>/<path>` (`localcloud.iam`); else API Gateway's 500 "Internal server error".
A function that has not answered within API Gateway's integration timeout (29 s) gets 504 "Endpoint request
timed out"; as on AWS, the function runs on (to its own `Timeout`) and its answer is dropped.
"""

from __future__ import annotations

import contextvars
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from localcloud.gateway import gateway_responses
from localcloud.gateway.catalog import ApiCatalog, RestApi
from localcloud.gateway.gateway_responses import GatewayError, RequestFacts
from localcloud.gateway.http_server import HttpServer
from localcloud.gateway.lambda_proxy import proxy_event, proxy_reply
from localcloud.gateway.replies import Reply, json_reply
from localcloud.gateway.routing import match_resource
from localcloud.gateway.service_integrations import AwsCaller, NoAws, call_service
from localcloud.gateway.validation import invalid_body, missing_parameters
from localcloud.iam.deliveries import api_gateway_allows

INTEGRATION_TIMEOUT_SECONDS: Final = 29.0
"""API Gateway's maximum integration timeout for a REST API (the default the templates keep)."""


class Invoker(Protocol):
    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> tuple[Any, bool]: ...


class LocalPage(Protocol):
    """A page the local cloud serves beside the APIs (e.g. `localcloud.api_docs.SwaggerUi`)."""

    def matches(self, path: str) -> bool: ...

    def handle(self, method: str, path: str, request_id: str) -> Reply: ...


# (method, target, status, milliseconds, request id): called once per request answered.
AccessLog = Callable[[str, str, int, float, str], None]


class Gateway:
    """Serves the catalog's APIs on `host:port` (port 0 picks a free one) from a background thread.

    `access_log`, when set, is called after each request with its method, target (path and query), status,
    milliseconds and request id (the reply's `x-amzn-RequestId`).
    """

    def __init__(
        self,
        catalog: ApiCatalog,
        runtime: Invoker,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        aws: AwsCaller | None = None,
        access_log: AccessLog | None = None,
        integration_timeout: float = INTEGRATION_TIMEOUT_SECONDS,
    ) -> None:
        self.catalog = catalog
        self.integration_timeout = integration_timeout
        self.access_log = access_log
        self.runtime = runtime
        self.aws: AwsCaller = aws or NoAws()
        self._server = HttpServer((host, port), self)
        self._thread: threading.Thread | None = None
        self.requests = 0
        self.pages: list[LocalPage] = []  # answered before the APIs; their paths are not API ids

    @property
    def connections(self) -> int:
        """Accepted so far: tests see whether clients reuse connections."""
        return self._server.connections

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
        """One HTTP request: route, authorize, validate, invoke, map the reply; then the access log."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        reply = self._handle(method, target, headers, body, source_ip, host, request_id)
        if self.access_log is not None:
            milliseconds = (time.perf_counter() - started) * 1000
            self.access_log(method, target, reply.status, milliseconds, request_id)
        return reply

    def _handle(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        host: str,
        request_id: str,
    ) -> Reply:
        self.requests += 1
        split = urlsplit(target)
        page = next((page for page in self.pages if page.matches(split.path)), None)
        if page is not None:
            return page.handle(method, split.path, request_id)
        segments = [unquote(part) for part in split.path.split("/") if part]
        if len(segments) < 2 or segments[0] not in self.catalog.apis:
            return json_reply(HTTPStatus.NOT_FOUND, {"message": "Not Found"}, request_id)
        api, stage, rest = self.catalog.apis[segments[0]], segments[1], segments[2:]
        query = parse_qsl(split.query, keep_blank_values=True)
        context: dict[str, Any] = {
            "requestId": request_id,
            "extendedRequestId": request_id,
            "stage": stage,
            "apiId": api.id,
            "httpMethod": method,
            "path": "/" + "/".join(segments[1:]),
            "domainName": host,
            "identity": {"sourceIp": source_ip, "apiKey": None},
        }
        facts = RequestFacts(context, api.stages.get(stage) or {}, headers, query)
        try:
            return self._route(api, stage, rest, method, headers, query, body, source_ip, host, context, facts)
        except GatewayError as error:
            return gateway_responses.render(api, error, facts, request_id)

    def _invoke_in_time(self, function_arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        """The function's answer (an exception is an error), or 504 once the integration timeout has passed."""
        outcome: list[tuple[Any, bool]] = []

        def run() -> None:
            try:
                outcome.append(self.runtime.invoke(function_arn, event))
            except Exception:
                outcome.append((None, True))

        # The request's context (the IAM caller and source, if set) goes with it, as on the gateway's thread.
        integration = threading.Thread(
            target=contextvars.copy_context().run, args=(run,), name="gateway-integration", daemon=True
        )
        integration.start()
        integration.join(self.integration_timeout)
        if not outcome:
            raise GatewayError("INTEGRATION_TIMEOUT", HTTPStatus.GATEWAY_TIMEOUT, "Endpoint request timed out")
        return outcome[0]

    @staticmethod
    def _may_invoke(function_arn: str, api_id: str, stage: str, method: str, path: str) -> bool:
        """API Gateway invokes a function only if its resource policy lets it, for this method and path."""
        parts = function_arn.split(":")
        if len(parts) < 7:
            return True  # a bare name (tests without moto): nothing to check it against
        return api_gateway_allows(
            function_arn, region=parts[3], account=parts[4], api_id=api_id, stage=stage, method=method, path=path
        )

    def _route(
        self,
        api: RestApi,
        stage: str,
        rest: list[str],
        method: str,
        headers: list[tuple[str, str]],
        query: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        host: str,
        context: dict[str, Any],
        facts: RequestFacts,
    ) -> Reply:
        request_id = str(context["requestId"])
        match = match_resource(api, rest) if stage in api.stages else None
        api_method = None if match is None else match.resource.methods.get(method) or match.resource.methods.get("ANY")
        if match is None or api_method is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", HTTPStatus.FORBIDDEN, "Missing Authentication Token")
        context["resourcePath"] = api.path_of(match.resource.id)
        context["resourceId"] = match.resource.id
        facts.path_parameters.update(match.path_parameters)

        key_value = next((value for name, value in headers if name.lower() == "x-api-key"), None)
        api_key = self.catalog.key_for(api.id, stage, key_value)
        if api_method.api_key_required and api_key is None:
            raise GatewayError("INVALID_API_KEY", HTTPStatus.FORBIDDEN, "Forbidden")
        context["identity"]["apiKey"] = api_key.value if api_key else None
        if api_key is not None:
            context["identity"]["apiKeyId"] = api_key.id

        missing = missing_parameters(api, api_method, headers, query)
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            raise GatewayError("BAD_REQUEST_PARAMETERS", HTTPStatus.BAD_REQUEST, message)
        invalid = invalid_body(api, api_method, headers, body)
        if invalid is not None:
            raise GatewayError("BAD_REQUEST_BODY", HTTPStatus.BAD_REQUEST, "Invalid request body", invalid)
        if api_method.aws is not None:
            stage_variables = api.stages.get(stage) or {}
            return call_service(self.aws, api_method.aws, headers, body, context, request_id, stage_variables)
        if api_method.integration_type != "AWS_PROXY":
            raise GatewayError("API_CONFIGURATION_ERROR", HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")
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
            request_id=request_id,
        )
        if not self._may_invoke(api_method.function_arn, api.id, stage, method, "/" + "/".join(rest)):
            raise GatewayError("API_CONFIGURATION_ERROR", HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")
        payload, errored = self._invoke_in_time(api_method.function_arn, event)
        if errored:
            raise GatewayError("INTEGRATION_FAILURE", HTTPStatus.BAD_GATEWAY, "Internal server error")
        return proxy_reply(payload, request_id)
