"""AWS service actions for API Gateway's `AWS` integrations, answered by the local (moto) AWS.

API Gateway sends the rendered request template as the action's JSON body and gets the service's
JSON answer and HTTP status back; here boto3 makes the same call against moto, and the parsed
answer is turned back into the service's JSON (timestamps as epoch seconds, as the JSON protocol
sends them). Errors come back as the service's `{"__type", "message"}` with its status code.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

# API Gateway names services by their endpoint prefix; boto3 by its own name where they differ.
BOTO_NAMES = {"states": "stepfunctions"}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class BotoServiceCaller:
    """`gateway.AwsCaller` over a boto3 session (inside moto's mock, so it reaches the local AWS)."""

    def __init__(self, session: boto3.session.Session | None = None) -> None:
        self._session = session or boto3.session.Session()
        self._clients: dict[tuple[str, str], Any] = {}

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(BOTO_NAMES.get(service, service), region_name=region)
        return self._clients[key]

    def call(self, service: str, action: str, region: str, body: str) -> tuple[int, str]:
        try:
            request = json.loads(body) if body.strip() else {}
        except ValueError as error:
            return 400, json.dumps({"__type": "SerializationException", "message": f"invalid JSON: {error}"})
        if not isinstance(request, dict):
            return 400, json.dumps({"__type": "SerializationException", "message": "the body must be an object"})
        client = self._client(service, region)
        try:
            answer = getattr(client, xform_name(action))(**request)
        except ParamValidationError as error:
            return 400, json.dumps({"__type": "ValidationException", "message": str(error)})
        except ClientError as error:
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
            details = error.response.get("Error", {})
            return status, json.dumps({"__type": details.get("Code", "Unknown"), "message": details.get("Message", "")})
        answer.pop("ResponseMetadata", None)
        return 200, json.dumps(answer, default=_json_default)
