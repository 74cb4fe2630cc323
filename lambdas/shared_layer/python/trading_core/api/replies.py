"""The replies every document repeats: the errors of the one error contract and the docs operation.

403 and 429 come from API Gateway itself (no or a wrong `x-api-key`; the usage plan's throttle or quota),
so every operation that requires the key documents them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from trading_core.contracts import API_DOCS_FUNCTION

from .market_schemas import OpenApiDocument
from .schemas import ErrorBody
from .spec import Operation, Parameter, Reply

FORBIDDEN: Final = Reply(
    403, "No or an unknown `x-api-key` (API Gateway).", ErrorBody, {"message": "Forbidden", "errors": []}
)
THROTTLED: Final = Reply(
    429,
    "Over the usage plan's rate or daily quota (API Gateway).",
    ErrorBody,
    {"message": "Too Many Requests", "errors": []},
)
KEY_REPLIES: Final = (FORBIDDEN, THROTTLED)


def error(status: int, description: str, example: Any = None) -> Reply:
    return Reply(status, description, ErrorBody, example)


def field_error(message: str, field: str, field_message: str) -> dict[str, Any]:
    return {"message": message, "errors": [{"field": field, "message": field_message}]}


def invalid_parameters(parameters: Iterable[Parameter], description: str = "") -> Reply:
    """400: a parameter fails its schema (its hint is the field message) or means nothing."""
    first = next((parameter for parameter in parameters if parameter.hint), None)
    example = field_error("invalid request", first.name, first.hint or "") if first else None
    text = description or "A malformed parameter; `errors` names it."
    return error(400, text, example)


def not_found(description: str, example_message: str) -> Reply:
    return error(404, description, {"message": example_message, "errors": []})


def docs_operation(title: str) -> Operation:
    """`GET /openapi.json`: this document, with the server it was asked at; no API key."""
    return Operation(
        "GET",
        "/openapi.json",
        "getOpenApiDocument",
        f"This OpenAPI document of the {title}",
        API_DOCS_FUNCTION,
        replies=(
            Reply(200, "The OpenAPI 3.1 document, its server the URL it was asked at.", OpenApiDocument),
            error(500, "The API names no document (a deployment fault)."),
        ),
        api_key_required=False,
        tags=("documentation",),
    )
