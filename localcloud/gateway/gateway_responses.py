"""Gateway responses: the errors API Gateway answers itself, customised by `AWS::ApiGateway::GatewayResponse`.

Each error the local gateway generates is a `GatewayError` of one of API Gateway's response types
(`MISSING_AUTHENTICATION_TOKEN` for an unknown route or stage, `INVALID_API_KEY` for a missing or unknown
key, `BAD_REQUEST_PARAMETERS`, `BAD_REQUEST_BODY`, `UNSUPPORTED_MEDIA_TYPE`, `INTEGRATION_FAILURE` for a
function error, `INTEGRATION_TIMEOUT` for one that did not answer in time, `API_CONFIGURATION_ERROR` for a
malformed proxy answer or an unmapped service answer). It is answered as API Gateway answers it:

* the API's gateway response of that type, else its `DEFAULT_4XX` / `DEFAULT_5XX` (by the error's status
  class), else API Gateway's default: `{"message": <message>}` with the error's status;
* the status is the chosen response's `StatusCode`, else the error's own status;
* the body is the response's template for the request's `Accept` media type, else `application/json`, else
  its first; a response without templates answers the default body. Templates are simple variable
  substitution, not VTL (as on AWS): `$context.<name>[.<name>…]` and `$stageVariables.<name>`, where
  `$context.error.message` is the message, `$context.error.messageString` the message as a quoted JSON
  string, `$context.error.responseType` the type and `$context.error.validationErrorString` the body
  validator's findings (JSON-string escaped, so it fits inside a JSON string); an unknown variable is empty.
  `check` refuses anything else (`$util`, `$input`, directives) at deploy time;
* `ResponseParameters` `gatewayresponse.header.<name>` set headers from `'static'` values,
  `method.request.header|querystring|path.<name>`, `stageVariables.<name>` and `context.<name>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from localcloud.gateway.catalog import GatewayResponse, RestApi
from localcloud.gateway.replies import Reply

# API Gateway's error type header (x-amzn-ErrorType) of each response type it generates here.
ERROR_TYPES: Final = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "INVALID_API_KEY": "ForbiddenException",
    "BAD_REQUEST_PARAMETERS": "BadRequestException",
    "BAD_REQUEST_BODY": "BadRequestException",
    "UNSUPPORTED_MEDIA_TYPE": "UnsupportedMediaTypeException",
    "INTEGRATION_FAILURE": "InternalServerErrorException",
    "INTEGRATION_TIMEOUT": "InternalServerErrorException",
    "API_CONFIGURATION_ERROR": "InternalServerErrorException",
}
DEFAULT_TEMPLATE: Final = '{"message":$context.error.messageString}'

_VARIABLE = re.compile(r"\$(context|stageVariables)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_REFERENCE = re.compile(r"\$!?\{?([A-Za-z][A-Za-z0-9_]*)")
_DIRECTIVE = re.compile(r"(?<![\\$\w])#(set|if|elseif|else|end|foreach|macro|define|parse|include|stop|break)\b")
_PARAMETER_SOURCE = re.compile(r"^method\.request\.(header|querystring|path)\.(.+)$|^(stageVariables|context)\.(.+)$")


@dataclass(eq=False)
class GatewayError(Exception):
    """An error the gateway answers itself, without (or instead of) the integration's answer."""

    response_type: str
    status: int
    message: str
    validation_errors: str | None = None  # BAD_REQUEST_BODY: the validator's findings, `[<finding>, …]`


@dataclass(frozen=True)
class RequestFacts:
    """What a gateway response can refer to: the request and its context."""

    context: Mapping[str, Any]
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    path_parameters: dict[str, str] = field(default_factory=dict)  # filled in once the route is known


class TemplateError(ValueError):
    """A gateway-response template or parameter that API Gateway would not evaluate."""


def check_template(template: str) -> None:
    """Raises TemplateError for a reference other than `$context…` / `$stageVariables…` or a directive."""
    directive = _DIRECTIVE.search(template)
    if directive:
        raise TemplateError(
            f"the directive #{directive.group(1)} is VTL: gateway-response templates are simple variable substitution"
        )
    for match in _REFERENCE.finditer(template):
        if match.group(1) not in ("context", "stageVariables"):
            raise TemplateError(
                f"${match.group(1)} is not a variable of a gateway-response template "
                "(simple substitution of $context and $stageVariables only, no VTL)"
            )


def check_parameter(name: str, source: str) -> None:
    if not name.startswith("gatewayresponse.header."):
        raise TemplateError(f"{name}: only gatewayresponse.header.<name> parameters are supported")
    if not (len(source) >= 2 and source[0] == source[-1] == "'") and not _PARAMETER_SOURCE.match(source):
        raise TemplateError(f"{name}: {source!r} is not a static value or a request parameter")


def substitute(template: str, values: Mapping[str, Any]) -> str:
    """`$context.a.b` and `$stageVariables.x` replaced by their values; an unknown one by nothing."""

    def value_of(match: re.Match[str]) -> str:
        value: Any = values.get(match.group(1))
        for name in match.group(2).split(".")[1:]:
            value = value.get(name) if isinstance(value, Mapping) else None
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))

    return _VARIABLE.sub(value_of, template)


def error_context(error: GatewayError) -> dict[str, Any]:
    escaped = json.dumps(error.validation_errors)[1:-1] if error.validation_errors is not None else None
    return {
        "message": error.message,
        "messageString": json.dumps(error.message),
        "responseType": error.response_type,
        "validationErrorString": escaped,
    }


def chosen(api: RestApi | None, error: GatewayError) -> GatewayResponse | None:
    if api is None:
        return None
    fallback = "DEFAULT_4XX" if error.status < 500 else "DEFAULT_5XX"
    return api.gateway_responses.get(error.response_type) or api.gateway_responses.get(fallback)


def _template(response: GatewayResponse | None, headers: list[tuple[str, str]]) -> tuple[str, str]:
    """(media type, template) for the request's Accept, else application/json, else the first one."""
    templates = response.templates if response is not None else {}
    if not templates:
        return "application/json", DEFAULT_TEMPLATE
    accept = next((value for name, value in headers if name.lower() == "accept"), "")
    for media_type in (part.split(";")[0].strip().lower() for part in accept.split(",")):
        if media_type in templates:
            return media_type, templates[media_type]
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    media_type = next(iter(templates))
    return media_type, templates[media_type]


def _parameter(source: str, facts: RequestFacts) -> str | None:
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    match = _PARAMETER_SOURCE.match(source)
    if match is None:
        return None
    where, name, root, path = match.groups()
    if where == "header":
        return next((value for key, value in facts.headers if key.lower() == name.lower()), None)
    if where == "querystring":
        return next((value for key, value in reversed(facts.query) if key == name), None)
    if where == "path":
        return facts.path_parameters.get(name)
    rendered = substitute(f"${root}.{path}", {"context": facts.context, "stageVariables": facts.stage_variables})
    return rendered or None


def render(api: RestApi | None, error: GatewayError, facts: RequestFacts, request_id: str) -> Reply:
    """The reply for a gateway-generated error, through the API's gateway responses."""
    response = chosen(api, error)
    status = response.status_code if response is not None and response.status_code else error.status
    context = {**facts.context, "error": error_context(error)}
    media_type, template = _template(response, facts.headers)
    body = substitute(template, {"context": context, "stageVariables": facts.stage_variables})
    headers = [
        ("Content-Type", media_type),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", ERROR_TYPES.get(error.response_type, "")),
    ]
    for name, source in (response.parameters if response is not None else {}).items():
        value = _parameter(source, facts)
        if value is not None:
            header = name.removeprefix("gatewayresponse.header.")
            headers = [(key, old) for key, old in headers if key.lower() != header.lower()] + [(header, value)]
    return Reply(status, headers, body.encode())
