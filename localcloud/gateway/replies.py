"""The reply a request gets, and the error bodies API Gateway answers with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MISSING_TOKEN = {"message": "Missing Authentication Token"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_ERROR = {"message": "Internal server error"}


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def content_type(headers: list[tuple[str, str]]) -> str:
    """The request's media type; API Gateway takes a request without one as application/json."""
    value = next((value for name, value in headers if name.lower() == "content-type"), "")
    return value.split(";")[0].strip().lower() or "application/json"


def json_reply(status: int, document: dict[str, Any], request_id: str) -> Reply:
    return Reply(
        status,
        [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", "")],
        json.dumps(document).encode(),
    )
