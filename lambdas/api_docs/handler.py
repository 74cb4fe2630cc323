"""API docs: `GET /openapi.json` on every REST API answers that API's OpenAPI document (trading_core.api),
its server the URL it was asked at. The stage variable `openApiDocument` names the document."""

from __future__ import annotations

import functools
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.api.documents import DOCUMENT_STAGE_VARIABLE, DOCUMENTS
from trading_core.api.errors import error_body
from trading_core.api.openapi import render
from trading_core.common.observability import observability

obs = observability()
logger, tracer = obs.logger, obs.tracer


@functools.lru_cache(maxsize=32)
def document_json(name: str, server_url: str) -> str:
    """Rendered once per document and URL while warm (the documents never change in a deployment)."""
    return json.dumps(render(DOCUMENTS[name], server_url))


def server_url(event: dict[str, Any]) -> str:
    """The API's base URL, `{X-Forwarded-Proto}://{Host}{the asked-for path minus the resource path}/`:
    `https://<id>.execute-api.<region>.amazonaws.com/<stage>/` on AWS (a custom domain keeps its base path),
    `http://127.0.0.1:<port>/<apiId>/<stage>/` through the local cloud, which sends the same headers."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    context = event.get("requestContext") or {}
    host = headers.get("host") or context.get("domainName", "")
    asked = str(context.get("path") or "")
    base = asked.removesuffix(str(event.get("path") or "")).rstrip("/")
    return f"{headers.get('x-forwarded-proto', 'https')}://{host}{base}/"


def reply(status: int, body: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": body}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    name = (event.get("stageVariables") or {}).get(DOCUMENT_STAGE_VARIABLE)
    if name not in DOCUMENTS:
        logger.error(
            "no OpenAPI document for this API", extra={"stageVariable": DOCUMENT_STAGE_VARIABLE, "document": name}
        )
        return reply(500, json.dumps(error_body(f"this API names no OpenAPI document ({name!r})")))
    return reply(200, document_json(str(name), server_url(event)))
