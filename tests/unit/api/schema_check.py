"""Validates JSON values against the schemas of a rendered OpenAPI 3.1 document (JSON Schema 2020-12)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from trading_core.api.documents import DOCUMENTS
from trading_core.api.openapi import render

RENDERED = {name: render(document, "https://api.example.com/dev/") for name, document in DOCUMENTS.items()}


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """`schema` (typically a `$ref` into the components) resolved against the document's components."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "components": document["components"]}
    return Draft202012Validator(root, format_checker=FormatChecker())


def component(name: str) -> Draft202012Validator:
    """The component `name` of whichever document has it (they agree: one model, one schema)."""
    for document in RENDERED.values():
        if name in document["components"]["schemas"]:
            return validator(document, {"$ref": f"#/components/schemas/{name}"})
    raise KeyError(name)


def errors_of(check: Draft202012Validator, value: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in check.iter_errors(value)]


def media(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (where, media type object) of the document's request bodies and responses."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for content_type, body in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{method.upper()} {path} request {content_type}", body
            for status, response in operation["responses"].items():
                for content_type, body in response.get("content", {}).items():
                    yield f"{method.upper()} {path} {status} {content_type}", body
