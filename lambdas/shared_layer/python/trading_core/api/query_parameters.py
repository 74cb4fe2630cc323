"""Query parameters an operation does not document are refused, on every API: a 400 naming each one.

A client that misspells `nextToken` or sends `date` to a call that takes `tradeDate` would otherwise get an
answer to a question it did not ask. The documented names come from the API's document (`ApiDocument`), so
the rule cannot drift from it; it runs as a Powertools middleware, before the route.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from trading_core.api.errors import FieldError, error_body

if TYPE_CHECKING:
    from trading_core.api.spec import ApiDocument

Documented = Mapping[tuple[str, str], frozenset[str]]
"""(method, resource path as API Gateway names it, e.g. `/customers/{customerId}`) → its query parameters."""


def documented_query(document: ApiDocument) -> Documented:
    return {
        (operation.method, operation.path): frozenset(parameter.name for parameter in operation.query_parameters)
        for operation in document.operations
    }


def undocumented(documented: Documented, method: str, resource: str, query: Mapping[str, str] | None) -> list[str]:
    """The query parameters of a request that its operation does not document, sorted (none for a resource
    the mapping does not know: API Gateway routes only documented resources to the function)."""
    allowed = documented.get((method, resource))
    return [] if allowed is None else sorted(set(query or {}) - allowed)


def refusal_body(documented: Documented, method: str, resource: str, names: list[str]) -> dict[str, Any]:
    allowed = sorted(documented.get((method, resource), frozenset()))
    takes = f"it takes {', '.join(allowed)}" if allowed else "it takes none"
    errors = [FieldError(name, f"is not a parameter of this call; {takes}") for name in names]
    return error_body("invalid request", errors)


def only_documented(documented: Documented) -> Callable[..., Any]:
    """The middleware: `app.use([only_documented(documented_query(DOCUMENT))])`."""
    from aws_lambda_powertools.event_handler import Response, content_types

    def middleware(app: Any, next_middleware: Callable[[Any], Any]) -> Any:
        event = app.current_event
        names = undocumented(documented, event.http_method, event.resource, event.query_string_parameters)
        if names:
            body = refusal_body(documented, event.http_method, event.resource, names)
            return Response(400, content_types.APPLICATION_JSON, json.dumps(body))
        return next_middleware(app)

    return middleware
