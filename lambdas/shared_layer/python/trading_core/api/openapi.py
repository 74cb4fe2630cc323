"""Renders an `ApiDocument` as an OpenAPI document (a JSON-ready dict).

OpenAPI 3.1.0, not 3.0.3: its Schema Object is JSON Schema 2020-12, which is what pydantic v2 emits, so the
body schemas go in as they are (`X | None` stays `anyOf [..., {type: null}]`, `const`, `if/then` and numeric
`exclusiveMinimum` are valid); 3.0 would need a lossy rewrite (`nullable`, no `const`, no `$ref` siblings).
openapi-spec-validator, Swagger UI 5 and schemathesis read 3.1. API Gateway never imports these documents:
the constructs build the API from the same definitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .spec import ApiDocument, Operation, Parameter, Reply

if TYPE_CHECKING:
    from pydantic import BaseModel

OPENAPI_VERSION: Final = "3.1.0"
SECURITY_SCHEME: Final = "ApiKey"
API_KEY_HEADER: Final = "x-api-key"
JSON: Final = "application/json"
REF_TEMPLATE: Final = "#/components/schemas/{model}"


class SchemaCollision(ValueError):
    """Two different models would share one component name."""


class Components:
    """The body schemas, by model name, as the operations reference them."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
            if self.schemas.setdefault(name, definition) != definition:
                raise SchemaCollision(f"two different schemas are called {name}")
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def render(document: ApiDocument, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI document; `server_url` (the API's base URL, ending in `/`) is its one server."""
    components = Components()
    paths: dict[str, dict[str, Any]] = {}
    for operation in document.operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, components)
    tags = dict.fromkeys(tag for operation in document.operations for tag in operation.tags)
    rendered: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": document.title, "version": document.version, "description": document.description},
    }
    if server_url is not None:
        rendered["servers"] = [{"url": server_url}]
    rendered["tags"] = [{"name": tag} for tag in tags]
    rendered["paths"] = paths
    rendered["components"] = {
        "schemas": dict(sorted(components.schemas.items())),
        "securitySchemes": {
            SECURITY_SCHEME: {
                "type": "apiKey",
                "in": "header",
                "name": API_KEY_HEADER,
                "description": "The API key of the stage's usage plan.",
            }
        },
    }
    return rendered


def _operation(operation: Operation, components: Components) -> dict[str, Any]:
    rendered: dict[str, Any] = {"operationId": operation.operation_id, "summary": operation.summary}
    if operation.description:
        rendered["description"] = operation.description
    if operation.tags:
        rendered["tags"] = list(operation.tags)
    if operation.parameters:
        rendered["parameters"] = [_parameter(parameter) for parameter in operation.parameters]
    if operation.request_body is not None:
        rendered["requestBody"] = {
            "required": operation.request_body_required,
            "content": {JSON: _media(components.ref(operation.request_body), operation.request_example)},
        }
    rendered["responses"] = {str(reply.status): _reply(reply, components) for reply in operation.replies}
    rendered["security"] = [{SECURITY_SCHEME: []}] if operation.api_key_required else []
    return rendered


def _parameter(parameter: Parameter) -> dict[str, Any]:
    description = parameter.description
    if parameter.hint:
        description += f" Otherwise 400, `{parameter.name}` {parameter.hint}."
    return {
        "name": parameter.name,
        "in": parameter.location,
        "required": parameter.required,
        "description": description,
        "schema": dict(parameter.schema),
    }


def _reply(reply: Reply, components: Components) -> dict[str, Any]:
    rendered: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        rendered["content"] = {JSON: _media(components.ref(reply.schema), reply.example)}
    return rendered


def _media(schema: dict[str, str], example: Any) -> dict[str, Any]:
    return {"schema": schema} if example is None else {"schema": schema, "example": example}
