"""A method's request validator: required query strings and headers, and the body against its model."""

from __future__ import annotations

import json

import jsonschema

from localcloud.gateway.catalog import ApiMethod, RestApi
from localcloud.gateway.replies import content_type


def missing_parameters(
    api: RestApi, method: ApiMethod, headers: list[tuple[str, str]], query: list[tuple[str, str]]
) -> list[str]:
    """The required parameters the request lacks, when the method's validator checks parameters."""
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


def invalid_body(api: RestApi, method: ApiMethod, headers: list[tuple[str, str]], body: bytes) -> str | None:
    """API Gateway's body validation: None when valid, else the validation error string."""
    validator = api.validators.get(method.validator_id or "")
    if validator is None or not validator[0]:
        return None
    # The model of the request's media type, else the `$default` one (API Gateway: none → not validated).
    model = method.request_models.get(content_type(headers)) or method.request_models.get("$default")
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
