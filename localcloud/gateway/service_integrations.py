"""`AWS` service integrations and gateway responses: what mapping templates (`vtl`) render.

A service integration renders the request template of the content type, calls the action on the local
AWS (moto) and maps the answer through the integration response chosen by its status code.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Protocol

from localcloud.gateway import vtl
from localcloud.gateway.catalog import AwsServiceIntegration, RestApi
from localcloud.gateway.replies import INTERNAL_ERROR, Reply, content_type, json_reply


class AwsCaller(Protocol):
    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        """One action of an AWS service's JSON API: (HTTP status, JSON answer)."""
        ...


class NoAws:
    """The caller until one is set: a gateway serving only proxy integrations needs none."""

    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        raise RuntimeError("no AWS endpoint for service integrations")


def gateway_response(api: RestApi, response_type: str, status: int, context: dict[str, Any], request_id: str) -> Reply:
    """The API's gateway response of this type (its template and status), else API Gateway's default."""
    response = api.gateway_responses.get(response_type) or api.gateway_responses.get(
        "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    )
    template = response.templates.get("application/json") if response else None
    if response is None or template is None:
        code = response.status_code if response and response.status_code else status
        return json_reply(code, {"message": context["error"]["message"]}, request_id)
    rendered = vtl.render(template, vtl.Request(body="", context=context))
    return Reply(
        response.status_code or status,
        [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", "")],
        rendered.encode(),
    )


def call_service(
    aws: AwsCaller,
    integration: AwsServiceIntegration,
    headers: list[tuple[str, str]],
    body: bytes,
    context: dict[str, Any],
    request_id: str,
) -> Reply:
    text = body.decode("utf-8", errors="replace")
    template = integration.request_templates.get(content_type(headers))
    behavior = integration.passthrough_behavior
    if template is None and (
        behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and integration.request_templates)
    ):
        return json_reply(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"message": "Unsupported Media Type"}, request_id)
    request = vtl.render(template, vtl.Request(body=text, context=context)) if template is not None else text
    try:
        status, answer = aws.call(integration.service, integration.action, integration.region, request)
    except Exception:
        return json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR, request_id)
    response = integration.response_for(status)
    if response is None:  # API Gateway: "No match for output mapping and no default output mapping"
        return json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR, request_id)
    template = response.templates.get("application/json")
    rendered = vtl.render(template, vtl.Request(body=answer, context=context)) if template else answer
    return Reply(
        int(response.status_code),
        [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)],
        rendered.encode(),
    )
