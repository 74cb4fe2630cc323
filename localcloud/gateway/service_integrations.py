"""`AWS` service integrations: what mapping templates (`vtl`) render.

A service integration renders the request template of the content type, calls the action on the local
AWS (moto) and maps the answer through the integration response chosen by its status code. The call is
made as the integration's `Credentials` role, so `localcloud.iam` checks it against that role's policies
(a refusal is the service's error, mapped like any other answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from http import HTTPStatus
from typing import Any, Final, Protocol

from localcloud.gateway import vtl
from localcloud.gateway.catalog import AwsServiceIntegration
from localcloud.gateway.gateway_responses import GatewayError
from localcloud.gateway.replies import Reply, content_type
from localcloud.iam.caller import Caller, calling

# The role session API Gateway opens with an integration's credentials.
INTEGRATION_SESSION: Final = "BackplaneAssumeRoleSession"


class AwsCaller(Protocol):
    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        """One action of an AWS service's JSON API: (HTTP status, JSON answer)."""
        ...


class NoAws:
    """The caller until one is set: a gateway serving only proxy integrations needs none."""

    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        raise RuntimeError("no AWS endpoint for service integrations")


def request_template(integration: AwsServiceIntegration, headers: list[tuple[str, str]]) -> str | None:
    """The request template for the request's content type, or None to pass the body through; raises the
    415 gateway error when the passthrough behaviour refuses a content type without a template.

    As API Gateway: the template of the exact media type (a request without Content-Type is
    application/json); without one, `WHEN_NO_MATCH` passes the body through, `WHEN_NO_TEMPLATES` only when
    the integration has no templates at all, `NEVER` refuses.
    """
    template = integration.request_templates.get(content_type(headers))
    if template is not None:
        return template
    behavior = integration.passthrough_behavior
    if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and integration.request_templates):
        raise GatewayError("UNSUPPORTED_MEDIA_TYPE", HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type")
    return None


def _credentials(integration: AwsServiceIntegration) -> AbstractContextManager[None]:
    """The action is called as the integration's `Credentials` role (`localcloud.iam` checks its policies)."""
    if integration.credentials is None:
        return nullcontext()
    return calling(Caller(session=INTEGRATION_SESSION, role_arn=integration.credentials))


def call_service(
    aws: AwsCaller,
    integration: AwsServiceIntegration,
    headers: list[tuple[str, str]],
    body: bytes,
    context: dict[str, Any],
    request_id: str,
    stage_variables: Mapping[str, str] | None = None,
) -> Reply:
    text = body.decode("utf-8", errors="replace")
    template = request_template(integration, headers)
    variables = dict(stage_variables or {})
    request = (
        vtl.render(template, vtl.Request(body=text, context=context, stage_variables=variables))
        if template is not None
        else text
    )
    try:
        with _credentials(integration):
            status, answer = aws.call(integration.service, integration.action, integration.region, request)
    except Exception:
        raise GatewayError("INTEGRATION_FAILURE", HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error") from None
    response = integration.response_for(status)
    if response is None:  # API Gateway: "No match for output mapping and no default output mapping"
        raise GatewayError("API_CONFIGURATION_ERROR", HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")
    template = response.templates.get("application/json")
    rendered = (
        vtl.render(template, vtl.Request(body=answer, context=context, stage_variables=variables))
        if template
        else answer
    )
    return Reply(
        int(response.status_code),
        [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)],
        rendered.encode(),
    )
